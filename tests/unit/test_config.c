/* SPDX-License-Identifier: MIT */
/* test_config.c - config validator: every semantic check, triggered by one edit of a good config. */
#include "config_build.h"

static int setup(void **state)
{
	good();
	return 0;
}

static void test_good(void **state)
{
	pack();
	assert_int_equal(run_blob(), 0);
	assert_int_equal(E.n, 0);
}

static void test_names(void **state)
{
	T.part[2].name[0] = '\0';
	expect_one("names", "partitions[2].name: empty");
	good();
	T.zone[1].name[3] = 0x07;
	expect_one("names", "zones[1].name: byte 0x07 at 3 not allowed (names use A-Z a-z 0-9 . _ -)");
	good();
	memset(T.pol[0].name, 'x', sizeof(T.pol[0].name));
	expect_one("names", "policies[0].name: no NUL terminator within 32 bytes (at most 31 "
		   "characters)");
	good();
	T.chan[1].name[20] = 'z';
	expect_one("names", "channels[1].name: byte 0x7a at 20 after the terminator, must be zero");
}

static void test_names_unique(void **state)
{
	memset(T.dev[2].name, 0, sizeof(T.dev[2].name));
	strcpy(T.dev[2].name, "com1");
	expect_one("names-unique", "devices[2].name: \"com1\" already names devices[0]");
}

static void test_strings(void **state)
{
	T.part[5].cmdline[3] = '\n';
	expect_one("strings", "partitions[5].cmdline: byte 0x0a at 3 not allowed (printable ASCII)");
	good();
	strcpy(T.part[3].image, "io part");
	expect_one("strings", "partitions[3].image: byte 0x20 at 2 not allowed (printable ASCII, "
		   "no spaces)");
}

static void test_image(void **state)
{
	memset(T.part[5].image, 0, sizeof(T.part[5].image));
	expect_one("image", "partitions[5].image: empty; every partition but the ultravisor "
		   "(embedded in the image) names its image module");
}

static void test_enums(void **state)
{
	T.part[5].restart = 0;
	expect_one("enums", "partitions[5].restart: unknown value 0");
	good();
	T.dev[0].bus = 3;
	expect_one("enums", "devices[0].bus: unknown value 3");
	good();
	T.dev[1].class = 9;
	expect_one("enums", "devices[1].class: unknown value 9");
	good();
	T.chan[0].type = 5;
	expect_one("enums", "channels[0].type: unknown value 5");
	good();
	T.pol[1].kinds = 0;
	expect_has("enums", "policies[1].kinds: empty; allow at least one kind");
	good();
	T.pol[1].kinds |= 0x101;
	expect_one("enums", "policies[1].kinds: unknown kind bits 0x101");
	good();
	T.pol[0].failover = 3;
	expect_one("enums", "policies[0].failover: unknown value 3");
}

static void test_enum_kind(void **state)
{
	T.part[4].kind = 9;
	expect_has("enums", "partitions[4].kind: unknown value 9");
}

static void test_reserved(void **state)
{
	T.part[1].reserved_0x5c = 5;
	expect_one("reserved", "partitions[1].reserved-0x5c: 0x5, must be zero");
	good();
	T.part[1].cpus[2] = 1;
	expect_one("reserved", "partitions[1].cpus[2]: set in an unused slot (1 in use), must be "
		   "zero");
	good();
	T.part[1].restart_max = 2;
	expect_one("reserved", "partitions[1].restart-max: 2 with restart rule \"stop\"; a count "
		   "needs \"restart\"");
	good();
	T.part[1].flags = 0x10;
	expect_one("reserved", "partitions[1].flags: 0x10, must be zero");
	good();
	T.dev[0].pci_bdf = 0x20;
	expect_one("reserved", "devices[0].pci: 0x20, must be zero");
	good();
	T.dev[0].mmio[3].size = 1;
	expect_one("reserved", "devices[0].mmio[3]: set in an unused slot (0 in use), must be zero");
	good();
	T.chan[2].reserved_0x38 = 1;
	expect_one("reserved", "channels[2].reserved-0x38: 0x1, must be zero");
	good();
	T.zone[0].reserved_0x34 = 1;
	expect_one("reserved", "zones[0].reserved-0x34: 0x1, must be zero");
	good();
	T.pol[0].restart = BH_CFG_RESTART_STOP;
	expect_has("reserved", "policies[0].restart-max: 3 with restart rule \"stop\"; a count "
		   "needs \"restart\"");
}

static void test_limits(void **state)
{
	T.part[1].vcpus = 0;
	expect_one("limits", "partitions[1].cpus: no vCPUs; a partition needs 1 to 16");
	good();
	T.part[5].vcpus = 17;
	expect_has("limits", "partitions[5].cpus: 17 vCPUs exceed the limit of 16");
	good();
	T.part[5].restart_max = 1001;
	expect_has("limits", "partitions[5].restart-max: 1001 restarts exceed the limit of 1000");
	good();
	T.dev[0].port_count = 5;
	expect_has("limits", "devices[0].ports: 5 ranges exceed the limit of 4");
	good();
	T.dev[0].ports[0] = (struct bh_cfg_ioport){ 0xfff8, 9 };
	expect_one("limits", "devices[0].ports[0]: 0xfff8 + 9 ports ends past port 0xffff");
	good();
	T.dev[0].irqs[0] = 300;
	expect_one("limits", "devices[0].irqs[0]: IRQ 300 above the highest, 255");
	good();
	T.dev[1].mmio_count = 1;
	T.dev[1].mmio[0] = (struct bh_cfg_mmio){ 0xffffffffff000, 0x2000 };
	expect_one("limits", "devices[1].mmio[0]: 0xffffffffff000 + 0x2000 ends above the 52-bit "
		   "physical limit");
}

static void test_limits_sizes(void **state)
{
	T.part[5].memory = 2ull << 40;
	expect_has("limits", "partitions[5].memory: 2 TiB exceeds the limit of 1 TiB");
	good();
	T.chan[1].size = 128 * MIB;
	expect_has("limits", "channels[1].size: 128 MiB exceeds the limit of 64 MiB");
	good();
	T.hdr.cpu_count = 0;
	expect_has("limits", "header.cpus: 0; the machine needs 1 to 64 CPUs");
	good();
	T.hdr.cpu_count = 65;
	expect_one("limits", "header.cpus: 65; the machine needs 1 to 64 CPUs");
	good();
	T.part[3].phys_base = (1ull << 52) - 2 * MIB;
	T.part[3].memory = 64 * MIB;
	expect_has("limits", "partitions[3].phys-base: 0xfffffffe00000 + 0x4000000 ends above the "
		   "52-bit physical limit");
}

static void test_align(void **state)
{
	T.part[3].memory = 0x1000;
	expect_one("align", "partitions[3].memory: 0x1000 not a multiple of 2 MiB");
	good();
	T.part[3].memory = 0;
	expect_has("align", "partitions[3].memory: zero; need a multiple of 2 MiB");
	good();
	T.pool[0].base = 0x4001000;
	expect_has("align", "memory-pool[0].base: 0x4001000 not a multiple of 2 MiB");
	good();
	T.chan[0].size = 0x1800;
	expect_one("align", "channels[0].size: 0x1800 not a multiple of 4 KiB");
	good();
	T.chan[0].size = 0x1000;
	expect_one("align", "channels[0].size: 4 KiB is below the 8 KiB minimum");
	good();
	T.zone[1].memory = 0;
	expect_has("align", "zones[1].memory: zero; need a multiple of 2 MiB");
	good();
	T.dev[0].ports[0].count = 0;
	expect_one("align", "devices[0].ports[0]: range at 0x3f8 holds no ports");
	good();
	T.dev[1].mmio_count = 1;
	T.dev[1].mmio[0] = (struct bh_cfg_mmio){ 0xfebf0800, 0x1000 };
	expect_one("align", "devices[1].mmio[0]: 0xfebf0800 not a multiple of 4 KiB");
}

static void test_refs(void **state)
{
	T.part[5].zone = 7;
	expect_one("ref-zone", "partitions[5].zone: index 7 but there are 2 zones");
	good();
	T.part[5].zone = NONE;
	expect_one("ref-zone", "partitions[5].zone: missing; name one of the 2 zones");
	good();
	T.zone[1].policy = 2;
	expect_one("ref-policy", "zones[1].policy: index 2 but there are 2 policies");
	good();
	T.dev[2].owner = 99;
	expect_has("ref-partition", "devices[2].owner: index 99 but there are 6 partitions");
	good();
	T.chan[0].server = 6;
	expect_one("ref-partition", "channels[0].server: index 6 but there are 6 partitions");
	good();
	T.chan[0].device = 3;
	expect_one("ref-device", "channels[0].device: index 3 but there are 3 devices");
}

static void test_kind_singletons(void **state)
{
	T.part[2].kind = BH_CFG_KIND_ULTRAVISOR;
	expect_has("kind-singletons", "partitions[2].kind: a second ultravisor (the first is "
		   "partitions[0] \"ultravisor\"); need exactly one");
	expect_has("kind-singletons", "partitions: no opspolicy partition; need exactly one");
	good();
	T.part[1].kind = BH_CFG_KIND_OPSPOLICY;
	expect_has("kind-singletons", "partitions: no command partition; need exactly one");
}

static void test_iopart_present(void **state)
{
	T.part[3].kind = T.part[4].kind = BH_CFG_KIND_GUEST;
	expect_has("iopart-present", "partitions: no I/O partition (kind iopart); need at least one");
}

static void test_devices(void **state)
{
	T.dev[1].owner = 5;
	expect_has("device-owner-kind", "devices[1].owner: \"guest-1\" is a guest; devices belong to "
		   "I/O partitions");
	good();
	T.dev[2].owner = 0;
	expect_has("device-owner-kind", "devices[2].owner: \"ultravisor\" is an ultravisor; devices "
		   "belong to I/O partitions");
	good();
	T.dev[2].pci_bdf = 0x0020;
	expect_one("device-twice", "devices[2].pci: 00:04.0 already listed as devices[1] \"nvme-a\"");
}

static void test_channel_endpoints(void **state)
{
	T.chan[0].server = NONE;
	expect_one("channel-endpoints", "channels[0].server: missing; a channel joins two partitions");
	good();
	T.chan[0].client = NONE;
	expect_has("channel-endpoints", "channels[0].client: missing; a channel joins two "
		   "partitions");
	good();
	T.chan[0].client = 3;
	expect_has("channel-endpoints", "channels[0].client: same partition as the server "
		   "(\"iopart-a\"); a channel joins two partitions");
}

static void test_channel_kinds(void **state)
{
	T.chan[0].server = 1;
	T.chan[0].device = NONE;
	expect_one("channel-kinds", "channels[0].server: \"command\" is not an I/O partition; "
		   "console channels are served by one");
	good();
	T.n[BH_CFG_CHANNELS] = 4;
	chan(3, "control-guest", BH_CFG_CHAN_CONTROL, 0, 5, NONE, 0x10000);
	expect_one("channel-kinds", "channels[3].client: \"guest-1\" is a guest; control channels "
		   "join system partitions");
}

static void test_channel_device(void **state)
{
	T.chan[1].device = NONE;
	expect_one("channel-device", "channels[1].device: missing; a block channel names the device "
		   "it exports");
	good();
	T.chan[1].device = 2;
	expect_one("channel-device", "channels[1].device: \"nvme-b\" belongs to \"iopart-b\", not to "
		   "the server \"iopart-a\"");
	good();
	T.dev[1].owner = NONE;
	expect_one("channel-device", "channels[1].device: \"nvme-a\" belongs to no partition, not to "
		   "the server \"iopart-a\"");
}

static void test_cpu_range(void **state)
{
	T.part[5].cpus[1] = 4;
	expect_has("cpu-range", "partitions[5].cpus[1]: CPU 4 but the machine has CPUs 0-3");
	good();
	T.zone[1].cpus = 0x2c;
	expect_one("cpu-range", "zones[1].cpus: CPU 5 but the machine has CPUs 0-3");
	good();
	T.zone[1].cpus = 0;
	expect_has("cpu-range", "zones[1].cpus: empty; a zone needs at least one CPU");
}

static void test_cpu_twice(void **state)
{
	T.part[5].cpus[1] = 2;
	expect_one("cpu-twice", "partitions[5].cpus[1]: CPU 2 already runs vCPU 0 of this partition");
}

static void test_cpu_dedicated(void **state)
{
	T.part[3].flags = BH_CFG_PART_DEDICATED;
	expect_one("cpu-dedicated", "partitions[4].cpus: CPU 1 is dedicated to partitions[3] "
		   "\"iopart-a\"");
	good();
	T.part[4].flags = BH_CFG_PART_DEDICATED;
	expect_one("cpu-dedicated", "partitions[4].cpus: CPU 1 is also used by partitions[3] "
		   "\"iopart-a\", but this partition is dedicated");
}

static void test_zones(void **state)
{
	T.zone[1].cpus = 0xe;
	expect_has("zone-cpus-disjoint", "zones[1].cpus: CPU 1 is also in zones[0] \"system\"");
	good();
	T.part[5].cpus[1] = 1;
	expect_one("zone-cpu-budget", "partitions[5].cpus[1]: CPU 1 is outside zone \"guests\" "
		   "(CPUs 2-3)");
	good();
	T.part[5].memory = 130 * MIB;
	expect_one("zone-memory-budget", "zones[1].memory: partitions in zone \"guests\" need 130 "
		   "MiB, over its 128 MiB budget");
}

static void test_pool(void **state)
{
	T.n[BH_CFG_POOL] = 2;
	T.pool[1] = (struct bh_cfg_pool){ 256 * MIB, 512 * MIB };
	expect_one("pool-overlap", "memory-pool[1]: 0x10000000-0x2fffffff overlaps memory-pool[0] "
		   "0x4000000-0x1bffffff");
	good();
	T.part[3].phys_base = 440 * MIB;
	expect_one("fixed-in-pool", "partitions[3].phys-base: 0x1b800000-0x1f7fffff is not inside one "
		   "memory-pool range");
	good();
	T.part[3].phys_base = 64 * MIB;
	T.part[4].phys_base = 96 * MIB;
	expect_one("fixed-overlap", "partitions[4].phys-base: 0x6000000-0x9ffffff overlaps "
		   "partitions[3] \"iopart-a\" at 0x4000000-0x7ffffff");
	good();
	T.pool[0].size = 256 * MIB;
	expect_one("pool-capacity", "memory-pool: partitions need 256 MiB and channels 2112 KiB, "
		   "but the pool holds 256 MiB");
}

static void test_mmio(void **state)
{
	T.dev[1].mmio_count = T.dev[2].mmio_count = 1;
	T.dev[1].mmio[0] = (struct bh_cfg_mmio){ 0xfebf0000, 0x4000 };
	T.dev[2].mmio[0] = (struct bh_cfg_mmio){ 0xfebf3000, 0x1000 };
	expect_one("mmio-overlap", "devices[2].mmio[0]: 0xfebf3000-0xfebf3fff overlaps "
		   "devices[1].mmio[0] of \"nvme-a\"");
	good();
	T.dev[1].mmio_count = 1;
	T.dev[1].mmio[0] = (struct bh_cfg_mmio){ 128 * MIB, 0x1000 };
	expect_one("mmio-overlap", "devices[1].mmio[0]: 0x8000000-0x8000fff overlaps RAM in "
		   "memory-pool[0]");
}

static void test_ports_irqs(void **state)
{
	T.dev[2].port_count = 1;
	T.dev[2].ports[0] = (struct bh_cfg_ioport){ 0x3fc, 2 };
	expect_one("ports-overlap", "devices[2].ports[0]: 0x3fc-0x3fd overlaps devices[0].ports[0] "
		   "of \"com1\"");
	good();
	T.dev[2].irq_count = 1;
	T.dev[2].irqs[0] = 4;
	expect_one("irq-shared", "devices[2].irqs[0]: IRQ 4 is also used by devices[0] \"com1\" of "
		   "another owner");
	good();
	T.dev[1].irq_count = 1;
	T.dev[1].irqs[0] = 4; /* same owner as com1: allowed */
	pack();
	assert_int_equal(run_blob(), 0);
}

static void test_policy_kinds(void **state)
{
	T.part[5].zone = 0;
	T.part[5].cpus[0] = 0;
	T.part[5].cpus[1] = 1;
	expect_one("policy-kinds", "partitions[5].kind: guest not allowed in zone \"system\": policy "
		   "\"system\" allows ultravisor, command, opspolicy, iopart");
}

static void test_policy_max_partitions(void **state)
{
	T.pol[0].max_partitions = 4;
	expect_one("policy-max-partitions", "zones[0].policy: 5 partitions in zone \"system\", but "
		   "policy \"system\" allows 4");
}

static void test_policy_restart(void **state)
{
	T.pol[1].restart = BH_CFG_RESTART_STOP;
	T.pol[1].restart_max = 0;
	expect_one("policy-restart", "partitions[5].restart: restart not allowed: policy \"guests\" "
		   "stops partitions that die");
	good();
	T.part[5].restart_max = 0;
	expect_one("policy-restart", "partitions[5].restart-max: unlimited, but policy \"guests\" "
		   "allows at most 5 restarts");
	good();
	T.part[5].restart_max = 6;
	expect_one("policy-restart", "partitions[5].restart-max: 6, but policy \"guests\" allows at "
		   "most 5 restarts");
}

static void test_policy_failover(void **state)
{
	T.chan[2].server = 3;
	T.chan[2].device = 1;
	expect_one("policy-failover", "partitions[5]: policy \"guests\" fails over between I/O "
		   "partitions, but this guest has block channels to 1 (needs 2)");
}

/* Many errors at once: every one reported, none read out of bounds. */
static void test_everything_wrong(void **state)
{
	for (uint32_t i = 0; i < T.n[BH_CFG_PARTITIONS]; i++) {
		T.part[i].kind = 77;
		T.part[i].zone = 1000;
		T.part[i].vcpus = 200;
		memset(T.part[i].cpus, 0xff, sizeof(T.part[i].cpus));
	}
	for (uint32_t i = 0; i < T.n[BH_CFG_CHANNELS]; i++)
		T.chan[i].server = T.chan[i].client = T.chan[i].device = 12345;
	T.dev[0].port_count = T.dev[0].mmio_count = T.dev[0].irq_count = 255;
	pack();
	assert_int_equal(run_blob(), -BH_EINVAL);
	assert_true(E.n > 20);
}

#define T_(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_(test_good),		T_(test_names),		T_(test_names_unique),
		T_(test_strings),	T_(test_image),		T_(test_enums),
		T_(test_enum_kind),	T_(test_reserved),	T_(test_limits),
		T_(test_limits_sizes),	T_(test_align),		T_(test_refs),
		T_(test_kind_singletons), T_(test_iopart_present), T_(test_devices),
		T_(test_channel_endpoints), T_(test_channel_kinds), T_(test_channel_device),
		T_(test_cpu_range),	T_(test_cpu_twice),	T_(test_cpu_dedicated),
		T_(test_zones),		T_(test_pool),		T_(test_mmio),
		T_(test_ports_irqs),	T_(test_policy_kinds),	T_(test_policy_max_partitions),
		T_(test_policy_restart), T_(test_policy_failover), T_(test_everything_wrong),
	};

	return cmocka_run_group_tests_name("config validator checks", tests, NULL, NULL);
}
