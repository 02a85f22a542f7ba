/* SPDX-License-Identifier: MIT */
/* test_config_linux.c - config validator: linux partitions and their device models, each rule
 * triggered by one edit of a good config that has a pair (config_build.h: good_linux()). */
#include "config_build.h"

static int setup(void **state)
{
	good_linux();
	return 0;
}

static void expect_ok(void)
{
	pack();
	if (run_blob())
		print_errors();
	assert_int_equal(run_blob(), 0);
	assert_int_equal(E.n, 0);
}

/* The pair validates, failover: iopart in zone vms notwithstanding (kind guest only). */
static void test_good(void **state)
{
	expect_ok();
	memset(T.part[6].initrd, 0, sizeof(T.part[6].initrd)); /* the initramfs is optional */
	T.part[6].memory = BH_CFG_LINUX_MEM_MIN;
	T.part[6].vcpus = BH_CFG_VCPUS_MAX;
	for (uint32_t k = 0; k < BH_CFG_VCPUS_MAX; k++)
		T.part[6].cpus[k] = (uint8_t)(16 + k);
	T.hdr.cpu_count = 32;
	T.zone[2].cpus = 0xffff0030;
	expect_ok();
}

static void test_kind_names(void **state)
{
	assert_string_equal(cfg_kind_name(BH_CFG_KIND_GUEST), "guest");
	assert_string_equal(cfg_kind_name(BH_CFG_KIND_LINUX), "linux");
	assert_string_equal(cfg_kind_name(BH_CFG_KIND_DEVMODEL), "devmodel");
	assert_null(cfg_kind_name(BH_CFG_KIND_NR));
	assert_null(cfg_kind_name(0));
}

static void test_kernel_missing(void **state)
{
	memset(T.part[6].image, 0, sizeof(T.part[6].image));
	expect_one("image", "partitions[6].image: kernel (image) missing; a linux partition names "
		   "its kernel module (an ELF vmlinux)");
	good_linux();
	memset(T.part[7].image, 0, sizeof(T.part[7].image));
	expect_one("image", "partitions[7].image: empty; every partition but the ultravisor "
		   "(embedded in the image) names its image module");
}

static void test_memory(void **state)
{
	T.part[6].memory = 64 * MIB;
	expect_one("linux-memory", "partitions[6].memory: 64 MiB; a linux partition needs at least "
		   "128 MiB (the kernel loads at 16 MiB and unpacks into 64 MiB from there)");
	good_linux();
	T.part[6].memory = BH_CFG_LINUX_MEM_MIN - BH_CFG_MEM_ALIGN;
	expect_one("linux-memory", "partitions[6].memory: 126 MiB; a linux partition needs at "
		   "least 128 MiB (the kernel loads at 16 MiB and unpacks into 64 MiB from there)");
	good_linux();
	T.part[6].memory = 0; /* align's to report, once */
	expect_one("align", "partitions[6].memory: zero; need a multiple of 2 MiB");
}

static void test_vcpus(void **state)
{
	T.part[6].vcpus = 0; /* and cpus[0] in an unused slot */
	expect_has("limits", "partitions[6].cpus: no vCPUs; a partition needs 1 to 16");
	good_linux();
	T.part[6].vcpus = BH_CFG_VCPUS_MAX + 1;
	expect_has("limits", "partitions[6].cpus: 17 vCPUs exceed the limit of 16");
}

static void test_no_devmodel(void **state)
{
	T.n[BH_CFG_PARTITIONS] = 7;
	expect_one("linux-devmodel", "partitions[6]: no device model; a linux partition needs "
		   "exactly one partition of kind devmodel with guest: linux");
}

static void test_two_devmodels(void **state)
{
	T.n[BH_CFG_PARTITIONS] = 9;
	part(8, "linux-dm2", BH_CFG_KIND_DEVMODEL, 2, 4, 16, "devmodel");
	T.part[8].guest = 6;
	expect_one("linux-devmodel", "partitions[8].guest: \"linux\" already has the device model "
		   "partitions[7] \"linux-dm\"; a linux partition has exactly one");
}

static void test_devmodel_guest(void **state)
{
	T.part[7].guest = 5;
	expect_has("devmodel-guest", "partitions[7].guest: \"guest-1\" is a partition of kind "
		   "guest; a device model serves a linux partition");
	expect_has("linux-devmodel", "partitions[6]: no device model; a linux partition needs "
		   "exactly one partition of kind devmodel with guest: linux");
	assert_int_equal(E.n, 2);
	good_linux();
	T.part[7].guest = 7; /* itself */
	expect_has("devmodel-guest", "partitions[7].guest: \"linux-dm\" is a partition of kind "
		   "devmodel; a device model serves a linux partition");
	good_linux();
	T.part[7].guest = 8;
	expect_has("ref-partition", "partitions[7].guest: index 8 but there are 8 partitions");
	assert_int_equal(E.n, 2); /* and linux-devmodel */
	good_linux();
	T.part[7].guest = NONE;
	expect_has("ref-partition", "partitions[7].guest: missing; name one of the 8 partitions");
}

static void test_devmodel_channels(void **state)
{
	T.chan[4].client = 7;
	expect_one("devmodel-channels", "channels[4].client: \"linux-dm\" is a device model; the "
		   "ultravisor maps its guest's channels into it, the config names it in none");
	good_linux();
	T.chan[3].server = 7;
	T.chan[3].device = NONE;
	expect_one("devmodel-channels", "channels[3].server: \"linux-dm\" is a device model; the "
		   "ultravisor maps its guest's channels into it, the config names it in none");
	good_linux();
	T.n[BH_CFG_CHANNELS] = 6;
	chan(5, "control-dm", BH_CFG_CHAN_CONTROL, 0, 7, NONE, 0x10000);
	expect_one("devmodel-channels", "channels[5].client: \"linux-dm\" is a device model; the "
		   "ultravisor maps its guest's channels into it, the config names it in none");
}

static void test_linux_server(void **state)
{
	T.chan[3].server = 6;
	T.chan[3].client = 3;
	T.chan[3].device = NONE;
	expect_one("linux-server", "channels[3].server: \"linux\" is a linux partition, which "
		   "serves no channel (it has no channel driver; its device model is the client)");
	good_linux();
	T.n[BH_CFG_CHANNELS] = 6;
	chan(5, "control-linux", BH_CFG_CHAN_CONTROL, 6, 1, NONE, 0x10000);
	expect_one("linux-server", "channels[5].server: \"linux\" is a linux partition, which "
		   "serves no channel (it has no channel driver; its device model is the client)");
}

static void test_linux_console(void **state)
{
	T.n[BH_CFG_CHANNELS] = 7;
	chan(5, "console-linux-2", BH_CFG_CHAN_CONSOLE, 4, 6, NONE, 0x10000);
	chan(6, "console-linux-3", BH_CFG_CHAN_CONSOLE, 3, 6, 0, 0x10000);
	expect_has("linux-console", "channels[5].client: \"linux\" already has the console channel "
		   "channels[3] \"console-linux\"; a linux partition has one (its ttyS0)");
	expect_has("linux-console", "channels[6].client: \"linux\" already has the console channel "
		   "channels[3] \"console-linux\"; a linux partition has one (its ttyS0)");
	assert_int_equal(E.n, 2);
}

static void test_linux_control_client(void **state)
{
	T.n[BH_CFG_CHANNELS] = 6;
	chan(5, "control-linux", BH_CFG_CHAN_CONTROL, 1, 6, NONE, 0x10000);
	expect_one("channel-kinds", "channels[5].client: \"linux\" is a linux guest; control "
		   "channels join system partitions");
}

static void test_device_owner(void **state)
{
	T.dev[2].owner = 6; /* and block-b exports a device not its server's */
	expect_has("device-owner-kind", "devices[2].owner: \"linux\" is a linux guest; devices "
		   "belong to I/O partitions");
	good_linux();
	T.dev[2].owner = 7;
	expect_has("device-owner-kind", "devices[2].owner: \"linux-dm\" is a device model; "
		   "devices belong to I/O partitions");
}

static void test_guest_on_other_kind(void **state)
{
	T.part[5].guest = 6;
	expect_one("reserved", "partitions[5].guest: 6 on a partition of kind guest, must be zero; "
		   "only a devmodel names a guest");
	good_linux();
	T.part[6].guest = 1;
	expect_one("reserved", "partitions[6].guest: 1 on a partition of kind linux, must be zero; "
		   "only a devmodel names a guest");
}

static void test_initrd(void **state)
{
	strcpy(T.part[7].initrd, "initramfs");
	expect_one("reserved", "partitions[7].initrd: set on a partition of kind devmodel, must be "
		   "empty; only a linux partition boots an initramfs");
	good_linux();
	strcpy(T.part[5].initrd, "initramfs");
	expect_one("reserved", "partitions[5].initrd: set on a partition of kind guest, must be "
		   "empty; only a linux partition boots an initramfs");
	good_linux();
	strcpy(T.part[6].initrd, "init ramfs");
	expect_one("strings", "partitions[6].initrd: byte 0x20 at 4 not allowed (printable ASCII, "
		   "no spaces)");
	good_linux();
	T.part[6].initrd[20] = 'x';
	expect_one("strings", "partitions[6].initrd: byte 0x78 at 20 after the terminator, must be "
		   "zero");
	good_linux();
	memset(T.part[6].initrd, 'a', sizeof(T.part[6].initrd));
	expect_one("strings", "partitions[6].initrd: no NUL terminator within 64 bytes (at most 63 "
		   "characters)");
}

static void test_policy_kinds(void **state)
{
	T.pol[2].kinds = 1u << BH_CFG_KIND_DEVMODEL;
	expect_one("policy-kinds", "partitions[6].kind: linux not allowed in zone \"vms\": policy "
		   "\"vms\" allows devmodel");
	good_linux();
	T.pol[2].kinds = 1u << BH_CFG_KIND_LINUX;
	expect_one("policy-kinds", "partitions[7].kind: devmodel not allowed in zone \"vms\": policy "
		   "\"vms\" allows linux");
}

/* Failover binds kind guest: a guest with one block path is refused, linux is not. */
static void test_failover_guest_only(void **state)
{
	T.chan[2].client = 6; /* guest-1 keeps block-a only; linux had one path and has two */
	expect_one("policy-failover", "partitions[5]: policy \"guests\" fails over between I/O "
		   "partitions, but this guest has block channels to 1 (needs 2)");
}

/* Hostile guest fields: reported, never followed. */
static void test_hostile(void **state)
{
	static const uint32_t bad[] = { 8, 63, 64, 0x7fffffff, 0xfffffffe, NONE };

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		good_linux();
		for (uint32_t i = 0; i < T.n[BH_CFG_PARTITIONS]; i++)
			T.part[i].guest = bad[k];
		pack();
		assert_int_equal(run_blob(), -BH_EINVAL);
	}
	good_linux();
	T.part[7].kind = 99;
	T.part[6].kind = 77;
	pack();
	assert_int_equal(run_blob(), -BH_EINVAL);
}

#define T_(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_(test_good),		    T_(test_kind_names),	 T_(test_kernel_missing),
		T_(test_memory),	    T_(test_vcpus),		 T_(test_no_devmodel),
		T_(test_two_devmodels),	    T_(test_devmodel_guest),	 T_(test_devmodel_channels),
		T_(test_linux_server),	    T_(test_linux_console),	 T_(test_linux_control_client),
		T_(test_device_owner),	    T_(test_guest_on_other_kind), T_(test_initrd),
		T_(test_policy_kinds),
		T_(test_failover_guest_only), T_(test_hostile),
	};

	return cmocka_run_group_tests_name("config validator: linux and devmodel", tests, NULL,
					   NULL);
}
