/* SPDX-License-Identifier: MIT */
/* test_view.c - the monitor's containment checks on published views (monitor/view.c):
 * one good world, then one broken view per rule, asserting the verdict, region and text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "monitor/view.h"

#define MiB (1ull << 20)

static const struct view_range pool[] = { { 64 * MiB, 448 * MiB } };
static const struct view_range monitor_mem[] = { { 1 * MiB, 3 * MiB }, { 500 * MiB, 512 * MiB } };
static const struct view_range modules[] = { { 4 * MiB, 5 * MiB } };
static const struct view_range all_ram[] = { { 1 * MiB, 512 * MiB } };
static const struct view_range fw_ports[] = { { 0x600, 0x608 } }; /* QEMU PIIX4 PM1 */
/* Two PCI functions: 00:04.0 with a 16 KiB BAR, 00:05.0 with an 8 KiB one. */
static const struct bh_uv_pci pci[] = {
	{ .bdf = 0x20, .class = 0x010802, .bar = { { 0xfebf0000, 0x4000 } } },
	{ .bdf = 0x28, .class = 0x010802, .bar = { { 0xfebf4000, 0x2000 } } },
	{ .bdf = 0x00, .class = 0x060000 }, /* the host bridge */
	{ .bdf = 0x38, .class = 0x020000, .bar = { { 0xfeff8000, 0x1000 }, { 0xb0000000, 0x1000 } } },
	{ .bdf = 0x18, .class = 0x080600 }, /* AMD-Vi's own function (QEMU amd-iommu) */
};
/* MMIO by allow-list: a TPM may be mapped; ECAM never; the memory map's reserved range
 * only inside a BAR (00:07.0's BAR lies in it). */
static const struct view_mmio platform[] = { { 0xfed40000, 0xfed45000, "a TPM" } };
static const struct view_mmio kept[] = { { 0xb0000000, 0xc0000000, "ECAM (MCFG)" } };
static const struct view_mmio reserved[] = { { 0xfeff0000, 0xff000000, "reserved" } };
static const struct view_range iommu_regs[] = { { 0xfed80000, 0xfed84000 } };
static struct bh_view a, b, c;
static char err[200];
static int bad;

static struct bh_view_region ram(uint64_t gpa, uint64_t hpa, uint64_t size)
{
	return (struct bh_view_region){ gpa, hpa, size, BH_VIEW_PRIVATE, BH_VIEW_R | BH_VIEW_W | BH_VIEW_X, 0, 0 };
}

static struct bh_view_region chan(uint64_t gpa, uint64_t hpa, uint32_t peer, uint32_t id)
{
	return (struct bh_view_region){ gpa, hpa, 64 * 1024, BH_VIEW_CHANNEL, BH_VIEW_R | BH_VIEW_W, peer, id };
}

static void make(struct bh_view *v, uint32_t id, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->magic = BH_VIEW_MAGIC;
	v->version = BH_VIEW_VERSION;
	v->partition_id = id;
	v->vcpu_count = 1;
	strcpy(v->name, name);
}

/* a and b share channel 7; c is a bystander. */
static int setup(void **state)
{
	make(&a, 1, "alpha");
	a.regions[0] = ram(0, 64 * MiB, 16 * MiB);
	a.regions[1] = chan(1ull << 32, 200 * MiB, 2, 7);
	a.region_count = 2;
	make(&b, 2, "beta");
	b.regions[0] = ram(0, 80 * MiB, 16 * MiB);
	b.regions[1] = chan(1ull << 32, 200 * MiB, 1, 7);
	b.region_count = 2;
	make(&c, 3, "gamma");
	c.regions[0] = ram(0, 96 * MiB, 16 * MiB);
	c.region_count = 1;
	return 0;
}

static int check(const struct bh_view *v, const struct bh_view *o1, const struct bh_view *o2)
{
	const struct bh_view *others[] = { o1, o2 };
	struct view_world w = { pool, 1, monitor_mem, 2, modules, 1, others, 2, 4, all_ram, 1, fw_ports, 1,
				pci, 5, platform, 1, kept, 1, reserved, 1, iommu_regs, 1 };

	return view_check(v, &w, &bad, err, sizeof(err));
}

static void expect(int rc, int code, int region, const char *text)
{
	assert_int_equal(rc, code);
	assert_int_equal(bad, region);
	assert_non_null(strstr(err, text));
}

static void test_good_world(void **s)
{
	assert_int_equal(check(&a, &b, &c), 0);
	assert_int_equal(check(&b, &a, &c), 0);
	assert_int_equal(check(&c, &a, &b), 0);
	assert_string_equal(err, "");
}

static void test_header(void **s)
{
	a.magic = 0;
	expect(check(&a, &b, &c), -BH_EINVAL, -1, "partition 1 (alpha): bad magic");
	setup(NULL);
	a.region_count = BH_VIEW_REGIONS_MAX + 1;
	expect(check(&a, &b, &c), -BH_EINVAL, -1, "count out of range");
	setup(NULL);
	a.cpus[0] = 4;
	expect(check(&a, &b, &c), -BH_EINVAL, -1, "CPU that does not exist");
}

static void test_mmio_over_ram(void **s)
{
	a.regions[2] = (struct bh_view_region){ 0xfebf0000, 0xfebf0000, 0x1000, BH_VIEW_MMIO,
						BH_VIEW_R | BH_VIEW_W, 0, 0 };
	a.region_count = 3;
	a.pci_count = 1;
	a.pci[0] = 0x20;
	assert_int_equal(check(&a, &b, &c), 0); /* a device's BAR: not RAM */
	a.regions[2].hpa = 10 * MiB; /* RAM: the monitor's allocations live there too */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "MMIO region over RAM");
}

static void test_ports(void **s)
{
	a.port_count = 2;
	a.ports[0] = (struct bh_view_ports){ 0x3f8, 8 };
	a.ports[1] = (struct bh_view_ports){ 0x80, 1 };
	assert_int_equal(check(&a, &b, &c), 0);
	a.ports[1] = (struct bh_view_ports){ 0x2f0, 9 }; /* reaches COM2 */
	expect(check(&a, &b, &c), -BH_EPERM, -1, "grants an I/O port the monitor keeps");
	a.ports[1] = (struct bh_view_ports){ 0xcfc, 4 };
	expect(check(&a, &b, &c), -BH_EPERM, -1, "grants an I/O port the monitor keeps");
	a.ports[1] = (struct bh_view_ports){ 0x92, 1 }; /* fast reset */
	expect(check(&a, &b, &c), -BH_EPERM, -1, "grants an I/O port the monitor keeps");
	a.ports[1] = (struct bh_view_ports){ 0x60, 2 }; /* reaches port B: NMI masks */
	expect(check(&a, &b, &c), -BH_EPERM, -1, "grants an I/O port the monitor keeps");
	a.ports[1] = (struct bh_view_ports){ 0x604, 2 }; /* PM1a control: power off */
	expect(check(&a, &b, &c), -BH_EPERM, -1, "power-management or reset port");
	a.ports[1] = (struct bh_view_ports){ 0xfff0, 0x20 };
	expect(check(&a, &b, &c), -BH_EINVAL, -1, "past port 0xffff");
	a.ports[1] = (struct bh_view_ports){ 0x100, 0 };
	expect(check(&a, &b, &c), -BH_EINVAL, -1, "empty I/O port range");
}

static void test_shape(void **s)
{
	a.regions[0].size = 0x1800;
	expect(check(&a, &b, &c), -BH_EINVAL, 0, "region 0: zero or not 4 KiB aligned");
	setup(NULL);
	a.regions[1].gpa = 8 * MiB; /* inside region 0's guest range */
	expect(check(&a, &b, &c), -BH_EINVAL, 1, "overlaps an earlier region");
	setup(NULL);
	a.regions[0].hpa = ~0ull & ~0xfffull;
	expect(check(&a, &b, &c), -BH_EINVAL, 0, "wraps");
	setup(NULL);
	a.regions[0].kind = 9;
	expect(check(&a, &b, &c), -BH_EINVAL, 0, "unknown kind");
}

static void test_monitor_memory(void **s)
{
	a.regions[0].hpa = 2 * MiB;
	expect(check(&a, &b, &c), -BH_EPERM, 0, "maps monitor memory");
	setup(NULL);
	a.regions[0] = (struct bh_view_region){ 0x10000, 504 * MiB, 4096, BH_VIEW_MMIO, BH_VIEW_R, 0, 0 };
	expect(check(&a, &b, &c), -BH_EPERM, 0, "maps monitor memory");
}

static void test_module_regions(void **s)
{
	a.regions[2] = (struct bh_view_region){ 8ull << 30, 4 * MiB, 64 * 1024, BH_VIEW_MODULE, BH_VIEW_R, 0, 0 };
	a.region_count = 3;
	assert_int_equal(check(&a, &b, &c), 0);
	a.regions[2].flags |= BH_VIEW_W;
	expect(check(&a, &b, &c), -BH_EPERM, 2, "module region not read-only inside a boot module");
	setup(NULL);
	a.regions[2] = (struct bh_view_region){ 8ull << 30, 4 * MiB + 1020 * 1024, 8192, BH_VIEW_MODULE, BH_VIEW_R, 0, 0 };
	a.region_count = 3;
	expect(check(&a, &b, &c), -BH_EPERM, 2, "not read-only inside a boot module");
	setup(NULL);
	a.regions[0].hpa = 4 * MiB; /* private RAM over a module */
	a.regions[0].size = 64 * 1024;
	expect(check(&a, &b, &c), -BH_EPERM, 0, "maps a boot module");
}

static void test_outside_pool(void **s)
{
	a.regions[0].hpa = 448 * MiB - 8 * MiB; /* runs 8 MiB past the pool */
	expect(check(&a, &b, &c), -BH_EPERM, 0, "outside the partition memory pool");
}

static void test_private_overlap(void **s)
{
	c.regions[0].hpa = 70 * MiB; /* inside alpha's RAM */
	expect(check(&c, &a, &b), -BH_EPERM, 0, "overlaps another partition's memory");
	setup(NULL);
	c.regions[0] = ram(0, 200 * MiB, 16 * MiB); /* private RAM over alpha-beta's channel */
	expect(check(&c, &a, &b), -BH_EPERM, 0, "overlaps another partition's memory");
}

static void test_channel_to_third_partition(void **s)
{
	c.regions[1] = chan(1ull << 32, 200 * MiB, 1, 7); /* gamma claims alpha's channel */
	c.region_count = 2;
	expect(check(&c, &a, &b), -BH_EPERM, 1, "channel shared beyond its two endpoints");
	setup(NULL);
	b.regions[1].chan_id = 8; /* same memory, different channel */
	expect(check(&b, &a, &c), -BH_EPERM, 1, "beyond its two endpoints");
	setup(NULL);
	b.regions[1].size = 128 * 1024; /* same channel, larger mapping */
	expect(check(&b, &a, &c), -BH_EPERM, 1, "beyond its two endpoints");
}

static struct bh_view_region mmio(uint64_t at, uint64_t size)
{
	return (struct bh_view_region){ at, at, size, BH_VIEW_MMIO, BH_VIEW_R | BH_VIEW_W, 0, 0 };
}

static void test_pci(void **s)
{
	a.pci_count = 1;
	a.pci[0] = 0x20;
	a.regions[2] = mmio(0xfebf0000, 0x4000);
	a.region_count = 3;
	assert_int_equal(check(&a, &b, &c), 0);
	a.regions[2] = mmio(0xfebf0000, 0x5000); /* runs into 00:05.0's BAR */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "maps a BAR of a PCI function the view does not hold");
	a.regions[2] = mmio(0xfebf0000, 0x4000);
	b.pci_count = 1;
	b.pci[0] = 0x20;
	expect(check(&a, &b, &c), -BH_EPERM, -1, "a PCI function another partition holds");
	b.pci_count = 0;
	a.pci[0] = 0x30;
	expect(check(&a, &b, &c), -BH_EINVAL, -1, "a PCI function the machine does not have");
	a.pci_count = 2;
	a.pci[0] = a.pci[1] = 0x28;
	expect(check(&a, &b, &c), -BH_EINVAL, -1, "a PCI function listed twice");
	a.pci_count = 1;
	a.pci[0] = 0x00;
	expect(check(&a, &b, &c), -BH_EPERM, -1, "a PCI bridge");
	a.pci_count = BH_VIEW_PCI_MAX + 1;
	expect(check(&a, &b, &c), -BH_EINVAL, -1, "PCI function count out of range");
}

/* MMIO by allow-list: what is kept is named in the refusal with its range. */
static void test_mmio_allow_list(void **s)
{
	static const struct { uint64_t at, size; const char *text; } refused[] = {
		{ 0xfee00000, 0x1000, "MMIO [0xfee00000-0xfee01000) overlaps the local APIC" },
		{ 0xfec00000, 0x1000, "MMIO [0xfec00000-0xfec01000) overlaps the I/O APICs" },
		{ 0xfed00000, 0x1000, "MMIO [0xfed00000-0xfed01000) overlaps the HPET" },
		{ 0xffff0000, 0x10000, "MMIO [0xffff0000-0x100000000) overlaps firmware flash" },
		{ 0xb0100000, 0x1000, "MMIO [0xb0100000-0xb0101000) overlaps ECAM (MCFG)" },
		{ 0xfeffc000, 0x1000, "MMIO [0xfeffc000-0xfeffd000) overlaps reserved" },
		{ 0xfe000000, 0x1000, "MMIO [0xfe000000-0xfe001000) is neither a BAR of a PCI "
				      "function the view holds nor a platform range" },
		{ 0xfed40000, 0x6000, "is neither a BAR" }, /* runs past the TPM */
	};

	a.region_count = 3;
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		a.regions[2] = mmio(refused[i].at, refused[i].size);
		expect(check(&a, &b, &c), -BH_EPERM, 2, refused[i].text);
		assert_non_null(strstr(err, "partition 1 (alpha): region 2: "));
	}
	a.regions[2] = mmio(0xfed40000, 0x5000); /* the TPM: a named platform range */
	assert_int_equal(check(&a, &b, &c), 0);
	a.pci_count = 1;
	a.pci[0] = 0x38; /* a BAR inside a reserved range: its own */
	a.regions[2] = mmio(0xfeff8000, 0x1000);
	assert_int_equal(check(&a, &b, &c), 0);
	a.regions[2] = mmio(0xb0000000, 0x1000); /* a BAR over ECAM: ECAM wins */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "overlaps ECAM (MCFG)");
	a.pci[0] = 0x20;
	a.regions[2] = mmio(0xfebf1000, 0x2000); /* part of its BAR */
	assert_int_equal(check(&a, &b, &c), 0);
	a.regions[2] = mmio(0xfebf1000, 0x4000); /* runs past it, into 00:05.0's */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "maps a BAR of a PCI function the view does not hold");
	a.regions[2] = mmio(0xfeff8000, 0x1000); /* 00:07.0's BAR, not its own */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "maps a BAR of a PCI function the view does not hold");
}

/* The IOMMU confines every device: neither its registers nor its PCI function are granted. */
static void test_iommu(void **s)
{
	a.regions[2] = mmio(0xfed83000, 0x1000);
	a.region_count = 3;
	expect(check(&a, &b, &c), -BH_EPERM, 2, "maps the registers of an IOMMU");
	a.region_count = 2;
	a.pci_count = 1;
	a.pci[0] = 0x18;
	expect(check(&a, &b, &c), -BH_EPERM, -1, "an IOMMU: it confines every device's DMA");
}

/* An I/O partition's RAM seen again at guest-physical = host-physical. */
static void test_ident(void **s)
{
	a.regions[2] = (struct bh_view_region){ 64 * MiB, 64 * MiB, 16 * MiB, BH_VIEW_PRIVATE,
						BH_VIEW_R | BH_VIEW_W | BH_VIEW_IDENT, 0, 0 };
	a.region_count = 3;
	assert_int_equal(check(&a, &b, &c), 0);
	a.regions[2].gpa = 32 * MiB;
	expect(check(&a, &b, &c), -BH_EPERM, 2, "alias not over own RAM");
	a.regions[2] = (struct bh_view_region){ 80 * MiB, 80 * MiB, 4 * MiB, BH_VIEW_PRIVATE,
						BH_VIEW_R | BH_VIEW_W | BH_VIEW_IDENT, 0, 0 };
	expect(check(&a, &b, &c), -BH_EPERM, 2, "alias not over own RAM"); /* beta's */
	a.regions[2] = (struct bh_view_region){ 72 * MiB, 72 * MiB, 16 * MiB, BH_VIEW_PRIVATE,
						BH_VIEW_R | BH_VIEW_W | BH_VIEW_IDENT, 0, 0 };
	expect(check(&a, &b, &c), -BH_EPERM, 2, "alias not over own RAM"); /* runs past */
	/* never more permissive than the RAM it aliases: writable over read-only */
	a.regions[2] = (struct bh_view_region){ 64 * MiB, 64 * MiB, 16 * MiB, BH_VIEW_PRIVATE,
						BH_VIEW_R | BH_VIEW_W | BH_VIEW_IDENT, 0, 0 };
	a.regions[0].flags = BH_VIEW_R | BH_VIEW_X;
	expect(check(&a, &b, &c), -BH_EPERM, 2, "alias not over own RAM");
	a.regions[0].flags = BH_VIEW_R | BH_VIEW_W | BH_VIEW_X;
	/* a private region whose host range wraps cannot cover anything */
	a.regions[3] = (struct bh_view_region){ 1ull << 40, ~0ull - 0xfff, 0x2000, BH_VIEW_PRIVATE,
						BH_VIEW_R, 0, 0 };
	a.region_count = 4;
	a.regions[2].size = 8 * MiB;
	assert_int_not_equal(check(&a, &b, &c), 0);
}

/* alpha is the device model of beta: it maps beta's RAM (BH_VIEW_GUEST), from either side
 * of the check; gamma's never, nor executable, nor outside a device model's view. */
static void test_guest_ram(void **s)
{
	a.flags = BH_VIEW_DEVMODEL, a.peer_id = 2;
	b.flags = BH_VIEW_HVM, b.peer_id = 1;
	a.regions[2] = (struct bh_view_region){ 1ull << 31, 80 * MiB, 16 * MiB, BH_VIEW_PRIVATE,
						BH_VIEW_R | BH_VIEW_W | BH_VIEW_GUEST, 0, 0 };
	a.region_count = 3;
	assert_int_equal(check(&a, &b, &c), 0);
	assert_int_equal(check(&b, &a, &c), 0);
	a.regions[2].flags |= BH_VIEW_X;
	expect(check(&a, &b, &c), -BH_EPERM, 2, "guest RAM outside a device model's view");
	a.regions[2].flags &= ~BH_VIEW_X;
	a.regions[2].hpa = 96 * MiB; /* gamma's */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "overlaps another partition's memory");
	expect(check(&c, &a, &b), -BH_EPERM, 0, "overlaps another partition's memory");
	a.regions[2].hpa = 80 * MiB;
	b.peer_id = 3; /* the two views must name each other */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "overlaps another partition's memory");
	b.peer_id = 1;
	a.flags = BH_VIEW_HVM; /* a guest cannot map its device model's RAM so */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "guest RAM outside a device model's view");
}

/* A BAR page: a full-virtualization partition's own RAM again, not executable. */
static void test_bar_page(void **s)
{
	a.flags = BH_VIEW_HVM, a.peer_id = 9;
	a.regions[2] = (struct bh_view_region){ 0xfebff000, 64 * MiB + 15 * MiB, 0x1000,
						BH_VIEW_PRIVATE, BH_VIEW_R | BH_VIEW_W | BH_VIEW_BAR,
						0, 0 };
	a.region_count = 3;
	assert_int_equal(check(&a, &b, &c), 0);
	a.regions[2].flags |= BH_VIEW_X;
	expect(check(&a, &b, &c), -BH_EPERM, 2, "alias not over own RAM");
	a.regions[2].flags &= ~BH_VIEW_X;
	a.regions[2].hpa = 80 * MiB; /* beta's */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "alias not over own RAM");
	a.regions[2].hpa = 64 * MiB;
	a.flags = 0, a.peer_id = 0; /* a paravirtual partition has no BAR */
	expect(check(&a, &b, &c), -BH_EPERM, 2, "alias not over own RAM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_world, setup),
		cmocka_unit_test_setup(test_iommu, setup),
		cmocka_unit_test_setup(test_pci, setup),
		cmocka_unit_test_setup(test_mmio_allow_list, setup),
		cmocka_unit_test_setup(test_ident, setup),
		cmocka_unit_test_setup(test_guest_ram, setup),
		cmocka_unit_test_setup(test_bar_page, setup),
		cmocka_unit_test_setup(test_header, setup),
		cmocka_unit_test_setup(test_shape, setup),
		cmocka_unit_test_setup(test_ports, setup),
		cmocka_unit_test_setup(test_mmio_over_ram, setup),
		cmocka_unit_test_setup(test_monitor_memory, setup),
		cmocka_unit_test_setup(test_outside_pool, setup),
		cmocka_unit_test_setup(test_module_regions, setup),
		cmocka_unit_test_setup(test_private_overlap, setup),
		cmocka_unit_test_setup(test_channel_to_third_partition, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
