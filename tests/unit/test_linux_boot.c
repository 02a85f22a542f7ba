/* SPDX-License-Identifier: MIT */
/* test_linux_boot.c - a linux partition's boot structures (ultravisor/linux-boot.c,
 * acpi-tables.c): the zero page at its offsets, e820 maps, the ACPI tables, the command line,
 * the placement of kernel and initramfs with every refusal, and a whole load into fake RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "ultravisor/linux-boot.h"
#include <bulkhead/view.h>
#include "ultravisor/acpi-tables.h"

#define MiB      0x100000ull
#define GiB      0x40000000ull
#define LINKED   0xffffffff81000000ull /* where the synthetic vmlinux is linked */
#define K_BASE   0x1000000ull          /* ... and placed: 16 MiB */
#define K_SIZE   0x3100                /* its file */
#define K_END    0x1300000ull          /* its highest PT_LOAD's end: 19 MiB */
#define K_NEED   0x1c00000ull          /* 20 MiB (2 MiB up) + LINUX_INIT_SLACK = 28 MiB */
#define DEBIAN_INIT_SIZE 0x3f98000ull  /* 63.6 MiB: the 6.1 bzImage header's init_size */

/* ---- fake guest RAM behind an elf_sink --------------------------------------------- */

struct ram {
	uint8_t *buf;
	uint64_t size;
	int copies, zeros;
	int fail_copy; /* fail the copy with this number (1-based), 0: never */
	int fail_zero;
};

static int ram_copy(void *ctx, uint64_t dst, const void *src, uint64_t len)
{
	struct ram *r = ctx;

	assert_true(dst <= r->size && len <= r->size - dst);
	if (++r->copies == r->fail_copy)
		return -BH_EFAULT;
	memcpy(r->buf + dst, src, len);
	return 0;
}

static int ram_zero(void *ctx, uint64_t dst, uint64_t len)
{
	struct ram *r = ctx;

	assert_true(dst <= r->size && len <= r->size - dst);
	r->zeros++;
	if (r->fail_zero)
		return -BH_EIO;
	memset(r->buf + dst, 0, len);
	return 0;
}

static struct ram *ram_new(uint64_t size)
{
	struct ram *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->size = size;
	r->buf = malloc(size);
	assert_non_null(r->buf);
	memset(r->buf, 0xaa, size); /* the loader must zero what it does not write */
	return r;
}

static void ram_free(struct ram *r)
{
	free(r->buf);
	free(r);
}

/* A counting sink with no memory behind it: refusals must write nothing. */
static struct ram no_mem;

static int none_copy(void *ctx, uint64_t dst, const void *src, uint64_t len)
{
	no_mem.copies++;
	return 0;
}

static int none_zero(void *ctx, uint64_t dst, uint64_t len)
{
	no_mem.zeros++;
	return 0;
}

static const struct elf_sink none = { .copy = none_copy, .zero = none_zero };

/* ---- a synthetic vmlinux laid out as Debian's: text, per-CPU at vaddr 0, data + bss --- */

static void put_ph(uint8_t *k, unsigned i, uint32_t type, uint32_t flags, uint64_t off,
		   uint64_t vaddr, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
	struct elf64_phdr ph = { .p_type = type, .p_flags = flags, .p_offset = off,
				 .p_vaddr = vaddr, .p_paddr = paddr, .p_filesz = filesz,
				 .p_memsz = memsz, .p_align = 0x200000 };

	memcpy(k + sizeof(struct elf64_ehdr) + i * sizeof(ph), &ph, sizeof(ph));
}

static uint8_t *vmlinux_new(void)
{
	uint8_t *k = calloc(1, K_SIZE);
	struct elf64_ehdr eh = {
		.e_ident = { ELF_MAG0, 'E', 'L', 'F', ELF_CLASS64, ELF_DATA2LSB, ELF_EV_CURRENT },
		.e_type = ELF_ET_EXEC, .e_machine = ELF_EM_X86_64, .e_version = ELF_EV_CURRENT,
		.e_entry = K_BASE, .e_phoff = sizeof(eh), .e_ehsize = sizeof(eh),
		.e_phentsize = sizeof(struct elf64_phdr), .e_phnum = 4,
	};

	assert_non_null(k);
	memcpy(k, &eh, sizeof(eh));
	put_ph(k, 0, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, LINKED, K_BASE, 0x1000, 0x1000);
	put_ph(k, 1, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, 0, K_BASE + 0x1000, 0x100, 0x1000);
	put_ph(k, 2, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W | ELF_PF_X, 0x3000, LINKED + 0x2000,
	       K_BASE + 0x2000, 0x100, K_END - K_BASE - 0x2000);
	put_ph(k, 3, 4 /* PT_NOTE */, ELF_PF_R, 0x1800, LINKED + 0x800, K_BASE + 0x800, 0x10, 0x10);
	for (unsigned i = 0x1000; i < K_SIZE; i++)
		k[i] = (uint8_t)(i * 7 + 1);
	return k;
}

static struct linux_boot boot_of(const uint8_t *k, uint64_t ram, const void *initrd,
				 size_t initrd_len)
{
	return (struct linux_boot){ .ram = ram, .vcpus = 2, .kernel = k, .kernel_len = K_SIZE,
				    .initrd = initrd, .initrd_len = initrd_len,
				    .cmdline = "root=/dev/vda", .tsc_hz = 2095000000 };
}

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* ---- the zero page ---------------------------------------------------------------- */

static void test_zero_page_fields(void **state)
{
	struct linux_boot_params zp;
	const uint8_t *b = (const uint8_t *)&zp;
	struct linux_plan p = { .entry = K_BASE, .initrd_gpa = 0x3f00000, .initrd_len = 0x123456 };
	static const struct { size_t off, len; } set[] = { /* what the loader may set */
		{ 0x0c0, 12 }, { 0x1e8, 1 }, { 0x1fe, 2 }, { 0x202, 6 }, { 0x210, 2 },
		{ 0x218, 8 }, { 0x228, 4 }, { 0x230, 4 }, { 0x238, 4 }, { 0x2d0, 3 * 20 },
	};

	memset(&zp, 0x5a, sizeof(zp));
	linux_zero_page(&zp, &p, 256 * MiB);
	assert_int_equal(get16(b + 0x1fe), 0xaa55);
	assert_memory_equal(b + 0x202, "HdrS", 4);
	assert_int_equal(get16(b + 0x206), 0x020f);
	assert_int_equal(b[0x210], 0xff);
	assert_int_equal(b[0x211], 0x01); /* LOADED_HIGH */
	assert_int_equal(get32(b + 0x218), 0x3f00000);
	assert_int_equal(get32(b + 0x21c), 0x123456);
	assert_int_equal(get32(b + 0x228), 0x11000);
	assert_int_equal(get32(b + 0x230), 0x1000000);
	assert_int_equal(get32(b + 0x238), 0x7ff);
	assert_int_equal(get32(b + 0x0c0), 0);
	assert_int_equal(get32(b + 0x0c4), 0);
	assert_int_equal(get32(b + 0x0c8), 0);
	assert_int_equal(b[0x1e8], 3);
	assert_int_equal(b[0x1ef], 0); /* the sentinel: the header is not stale */
	assert_int_equal(get64(b + 0x2d0 + 20), 0x9fc00);
	for (size_t i = 0; i < sizeof(zp); i++) { /* every other byte is zero */
		int mine = 0;

		for (size_t s = 0; s < sizeof(set) / sizeof(set[0]); s++)
			mine |= i >= set[s].off && i < set[s].off + set[s].len;
		if (!mine && b[i])
			fail_msg("zero page byte %#zx is %#x", i, b[i]);
	}
	p.initrd_gpa = 0x123456000ull; /* above 4 GiB: the high halves */
	p.initrd_len = 0x100000010ull;
	linux_zero_page(&zp, &p, 256 * MiB);
	assert_int_equal(get32(b + 0x218), 0x23456000);
	assert_int_equal(get32(b + 0x0c0), 0x1);
	assert_int_equal(get32(b + 0x21c), 0x10);
	assert_int_equal(get32(b + 0x0c4), 0x1);
}

static void test_e820(void **state)
{
	static const uint64_t rams[] = { 2 * MiB, 28 * MiB, 256 * MiB, GiB, 3584 * MiB,
					 4 * GiB };
	struct linux_boot_params zp;
	const uint8_t *b = (const uint8_t *)&zp;
	struct linux_plan p = { 0 };

	for (size_t i = 0; i < sizeof(rams) / sizeof(rams[0]); i++) {
		linux_zero_page(&zp, &p, rams[i]);
		assert_int_equal(b[0x1e8], 3);
		/* [0, 0x9fc00) RAM, [0x9fc00, 1 MiB) reserved, [1 MiB, ram) RAM: 20-byte entries */
		assert_int_equal(get64(b + 0x2d0), 0);
		assert_int_equal(get64(b + 0x2d8), 0x9fc00);
		assert_int_equal(get32(b + 0x2e0), 1);
		assert_int_equal(get64(b + 0x2e4), 0x9fc00);
		assert_int_equal(get64(b + 0x2ec), 0x100000 - 0x9fc00);
		assert_int_equal(get32(b + 0x2f4), 2);
		assert_int_equal(get64(b + 0x2f8), 0x100000);
		assert_int_equal(get64(b + 0x300), rams[i] - 0x100000);
		assert_int_equal(get32(b + 0x308), 1);
		assert_int_equal(get64(b + 0x30c), 0); /* no fourth entry */
	}
}

/* ---- the ACPI tables (ACPI 6.4, chapter 5.2) ------------------------------------- */

#define TABLES_GPA 0x9fc00ull /* LINUX_EBDA_GPA: the first KiB of the EBDA, where Linux looks */

struct span {
	uint64_t gpa, len;
};

/* A table with the Table 5.4 "DESCRIPTION_HEADER Fields" at guest-physical gpa of the run
 * buf[0, len) built for base: inside the run, its signature, its whole length summing to 0. */
static const uint8_t *table_at(const uint8_t *buf, size_t len, uint64_t base, uint64_t gpa,
			       const char *sig, struct span *sp)
{
	const uint8_t *t;

	assert_true(gpa >= base && gpa - base + 36 <= len);
	t = buf + (gpa - base);
	assert_memory_equal(t, sig, 4);
	assert_true(get32(t + 4) >= 36 && gpa - base + get32(t + 4) <= len);
	assert_int_equal(sum(t, get32(t + 4)), 0);
	*sp = (struct span){ gpa, get32(t + 4) };
	return t;
}

/* Table 5.3 "RSDP Structure", ACPI 2.0 and later: a 20-byte checksum for ACPI 1.0 readers,
 * an extended one over all 36 bytes, no RSDT, the XSDT's address. */
static uint64_t check_rsdp(const uint8_t *r)
{
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(r[15], 2);         /* revision: XSDT */
	assert_int_equal(get32(r + 16), 0); /* RsdtAddress */
	assert_int_equal(get32(r + 20), 36);
	assert_int_equal(sum(r, 36), 0);
	return get64(r + 24);
}

/* Table 5.9 "FADT Format", revision 4: a full (not hardware-reduced) FADT whose PM1a blocks
 * are the device model's (devmodel/board.c), no SMI command port (already in ACPI mode), no
 * PM timer, no GPE blocks. Returns the FACS and DSDT addresses through f_facs, f_dsdt. */
static void check_fadt(const uint8_t *f, uint64_t *f_facs, uint64_t *f_dsdt)
{
	assert_int_equal(get32(f + 4), 244);
	assert_int_equal(f[8], 4);
	*f_facs = get64(f + 132);               /* X_FIRMWARE_CTRL */
	*f_dsdt = get64(f + 140);               /* X_DSDT */
	assert_int_equal(get32(f + 36), *f_facs); /* FIRMWARE_CTRL: the same, below 4 GiB */
	assert_int_equal(get32(f + 40), *f_dsdt); /* DSDT */
	assert_int_equal(get16(f + 46), 9);     /* SCI_INT */
	assert_int_equal(get32(f + 48), 0);     /* SMI_CMD */
	assert_int_equal(get32(f + 56), 0x600); /* PM1a_EVT_BLK */
	assert_int_equal(get32(f + 60), 0);     /* PM1b_EVT_BLK */
	assert_int_equal(get32(f + 64), 0x604); /* PM1a_CNT_BLK */
	assert_int_equal(get32(f + 68), 0);     /* PM1b_CNT_BLK */
	assert_int_equal(get32(f + 76), 0);     /* PM_TMR_BLK */
	assert_int_equal(get32(f + 80), 0);     /* GPE0_BLK */
	assert_int_equal(get32(f + 84), 0);     /* GPE1_BLK */
	assert_int_equal(f[88], 4);             /* PM1_EVT_LEN: status and enable, 2 each */
	assert_int_equal(f[89], 2);             /* PM1_CNT_LEN */
	assert_int_equal(f[91], 0);             /* PM_TMR_LEN */
	assert_int_equal(f[108], 0x32);         /* CENTURY: the RTC's CMOS index */
	/* Table 5.11 IA-PC boot architecture: LEGACY_DEVICES, no 8042, VGA not present */
	assert_int_equal(get16(f + 109), 0x0005);
	/* Table 5.10 flags: WBINVD, no fixed power or sleep button; HW_REDUCED_ACPI clear */
	assert_int_equal(get32(f + 112), 0x31);
	assert_int_equal(ACPI_PM1A_EVT_PORT, 0x600); /* what the device model is told */
	assert_int_equal(ACPI_PM1A_CNT_PORT, 0x604);
	assert_int_equal(ACPI_SCI_IRQ, 9);
}

/* Table 5.19 "MADT Format": a Processor Local APIC (Table 5.22) per vCPU with UID = APIC ID =
 * its index, enabled (Table 5.23), the boot vCPU first (5.2.12.1), then one Local APIC NMI
 * (Table 5.28) for every processor (UID 0xff) on LINT1, flags 0: as the bus conforms. */
static void check_madt(const uint8_t *t, unsigned vcpus)
{
	const uint8_t *e = t + 44;

	assert_int_equal(get32(t + 4), 44 + 8 * vcpus + 6);
	assert_int_equal(get32(t + 36), 0xfee00000);
	assert_int_equal(get32(t + 40), 1); /* Table 5.20: PCAT_COMPAT, the 8259s are there */
	for (unsigned i = 0; i < vcpus; i++, e += 8) {
		assert_int_equal(e[0], 0);
		assert_int_equal(e[1], 8);
		assert_int_equal(e[2], i);
		assert_int_equal(e[3], i);
		assert_int_equal(get32(e + 4), 1);
	}
	assert_memory_equal(e, "\x04\x06\xff\x00\x00\x01", 6);
}

/* Everything Linux's acpi_find_root_pointer() and table parsers would check, from the RSDP
 * at buf[0] (guest-physical gpa) down; the tables inside the run and apart. */
static void check_acpi(const uint8_t *buf, size_t len, uint64_t gpa, unsigned vcpus)
{
	struct span s[6] = { { gpa, 36 } };
	const uint8_t *x, *facs;
	uint64_t f_facs, f_dsdt;

	assert_true(len > 36 && len <= ACPI_TABLES_MAX);
	x = table_at(buf, len, gpa, check_rsdp(buf), "XSDT", &s[1]);
	assert_int_equal(get32(x + 4), 36 + 2 * 8); /* Table 5.8: the FADT and the MADT */
	check_fadt(table_at(buf, len, gpa, get64(x + 36), "FACP", &s[2]), &f_facs, &f_dsdt);
	check_madt(table_at(buf, len, gpa, get64(x + 44), "APIC", &s[3]), vcpus);
	table_at(buf, len, gpa, f_dsdt, "DSDT", &s[4]);
	assert_int_equal(s[4].len, 36); /* Table 5.17: a header, no AML */
	assert_int_equal(buf[f_dsdt - gpa + 8], 2);
	/* Table 5.13 "FACS": 64-byte aligned, no checksum, version 2, the global lock free */
	assert_int_equal(f_facs % 64, 0);
	assert_true(f_facs >= gpa && f_facs - gpa + 64 <= len);
	facs = buf + (f_facs - gpa);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(get32(facs + 4), 64);
	assert_int_equal(get32(facs + 16), 0);
	assert_int_equal(facs[32], 2);
	s[5] = (struct span){ f_facs, 64 };
	for (int i = 0; i < 6; i++)
		for (int j = i + 1; j < 6; j++)
			if (s[i].gpa < s[j].gpa + s[j].len && s[j].gpa < s[i].gpa + s[i].len)
				fail_msg("ACPI structures %d and %d overlap", i, j);
}

static void test_acpi_tables(void **state)
{
	static const unsigned counts[] = { 1, 2, 16 };
	uint8_t buf[ACPI_TABLES_MAX], ref[ACPI_TABLES_MAX];

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		memset(buf, 0xee, sizeof(buf));
		check_acpi(buf, acpi_tables_build(buf, TABLES_GPA, counts[i]), TABLES_GPA,
			   counts[i]);
	}
	check_acpi(buf, acpi_tables_build(buf, 0xe0000, 3), 0xe0000, 3); /* the BIOS area */
	/* the last place under 4 GiB they may go, and one step past it */
	check_acpi(buf, acpi_tables_build(buf, (1ull << 32) - ACPI_TABLES_MAX, 16),
		   (1ull << 32) - ACPI_TABLES_MAX, 16);
	memset(buf, 0xee, sizeof(buf));
	memcpy(ref, buf, sizeof(buf));
	assert_int_equal(acpi_tables_build(buf, (1ull << 32) - ACPI_TABLES_MAX + 16, 1), 0);
	assert_int_equal(acpi_tables_build(buf, TABLES_GPA, 0), 0);
	assert_int_equal(acpi_tables_build(buf, TABLES_GPA, BH_VIEW_VCPUS_MAX + 1), 0);
	assert_int_equal(acpi_tables_build(buf, TABLES_GPA + 8, 1), 0); /* not 16-aligned */
	assert_memory_equal(buf, ref, sizeof(buf)); /* refusals write nothing */
}

/* ---- the command line ------------------------------------------------------------- */

#define HEAD "console=ttyS0 noapic x2apic_phys"
#define TAIL "tsc=reliable reboot=t panic=-1 io_delay=none pci=conf1,noacpi,noearly,lastbus=0"
#define TSC  " tsc_early_khz=2095000 lpj=8380000 " /* 2.095 GHz; TSC ticks per 4 ms jiffy */

static void test_cmdline(void **state)
{
	char out[LINUX_CMDLINE_MAX + 1], err[160], user[LINUX_CMDLINE_MAX + 2];
	size_t base;

	assert_int_equal(linux_cmdline(out, "root=/dev/vda quiet", 2095000000, err, sizeof(err)), 0);
	assert_string_equal(out, HEAD TSC TAIL " root=/dev/vda quiet");
	assert_int_equal(linux_cmdline(out, "", 0, err, sizeof(err)), 0);
	assert_string_equal(out, HEAD " " TAIL);
	assert_int_equal(linux_cmdline(out, NULL, 999, err, sizeof(err)), 0); /* < 1 kHz */
	assert_string_equal(out, HEAD " " TAIL);
	assert_int_equal(linux_cmdline(out, "x", 1000, err, sizeof(err)), 0);
	assert_string_equal(out, HEAD " tsc_early_khz=1 lpj=4 " TAIL " x");

	/* 2047 bytes in all fit; 2048 do not */
	base = strlen(HEAD TSC TAIL " ");
	memset(user, 'a', sizeof(user));
	user[LINUX_CMDLINE_MAX - base] = '\0';
	assert_int_equal(linux_cmdline(out, user, 2095000000, err, sizeof(err)), 0);
	assert_int_equal(strlen(out), LINUX_CMDLINE_MAX);
	user[LINUX_CMDLINE_MAX - base] = 'a';
	user[LINUX_CMDLINE_MAX - base + 1] = '\0';
	assert_int_equal(linux_cmdline(out, user, 2095000000, err, sizeof(err)), -BH_E2BIG);
	assert_string_equal(err, "the command line (2048 bytes with the platform's options) is 1 "
			    "bytes over the kernel's limit of 2047");
	assert_string_equal(out, "");
}

/* ---- placement and refusals -------------------------------------------------------- */

static void test_plan(void **state)
{
	uint8_t *k = vmlinux_new();
	struct linux_boot b = boot_of(k, 40 * MiB, k, MiB);
	struct linux_plan p;
	uint64_t virt;
	char err[200];

	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), 0);
	assert_int_equal(p.entry, K_BASE);
	assert_int_equal(p.kernel_start, K_BASE);
	assert_int_equal(p.kernel_end, K_END);
	assert_int_equal(p.init_size, K_NEED - K_BASE);
	assert_int_equal(p.initrd_gpa, 39 * MiB);
	assert_int_equal(p.initrd_len, MiB);
	b.initrd_len = 5000; /* page aligned, as high as fits */
	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), 0);
	assert_int_equal(p.initrd_gpa, 40 * MiB - 0x2000);
	assert_int_equal(p.initrd_len, 5000);
	b.initrd_len = 12 * MiB; /* exactly fits: [28, 40) MiB */
	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), 0);
	assert_int_equal(p.initrd_gpa, K_NEED);
	b.initrd = NULL, b.initrd_len = 0;
	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), 0);
	assert_int_equal(p.initrd_gpa, 0);
	assert_int_equal(p.initrd_len, 0);
	b.ram = K_NEED; /* the kernel alone, exactly */
	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), 0);

	b = boot_of(k, 3 * GiB, k, MiB); /* under initrd_addr_max, not the RAM top */
	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), 0);
	assert_int_equal(p.initrd_gpa, 2 * GiB - MiB);
	b.init_size = DEBIAN_INIT_SIZE; /* a given init_size replaces the slack rule */
	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), 0);
	assert_int_equal(p.init_size, DEBIAN_INIT_SIZE);

	virt = LINKED + 0x10; /* a virtual e_entry moves with its segment */
	memcpy(k + offsetof(struct elf64_ehdr, e_entry), &virt, 8);
	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), 0);
	assert_int_equal(p.entry, K_BASE + 0x10);
	free(k);
}

struct refusal {
	const char *what;
	uint64_t ram;
	size_t initrd_len;
	uint64_t init_size;
	unsigned vcpus;
	int code;
	const char *msg;
};

static const struct refusal refusals[] = {
	{ "little RAM, initrd", 28 * MiB, MiB, 0, 2, -BH_ENOMEM,
	  "28 MiB of RAM cannot hold the kernel (ends at 19 MiB), its init_size (12 MiB) and the "
	  "initramfs (1 MiB): 1 MiB short" },
	{ "small initrd", 28 * MiB, 12 * 1024, 0, 2, -BH_ENOMEM,
	  "28 MiB of RAM cannot hold the kernel (ends at 19 MiB), its init_size (12 MiB) and the "
	  "initramfs (12 KiB): 12 KiB short" },
	{ "little RAM", 20 * MiB, 0, 0, 1, -BH_ENOMEM,
	  "20 MiB of RAM cannot hold the kernel (ends at 19 MiB) and its init_size (12 MiB): "
	  "8 MiB short" },
	{ "kernel past RAM", 18 * MiB, 0, 0, 1, -BH_ENOMEM,
	  "18 MiB of RAM cannot hold the kernel (ends at 19 MiB) and its init_size (12 MiB): "
	  "10 MiB short" },
	{ "init_size", 64 * MiB, 0, DEBIAN_INIT_SIZE, 1, -BH_ENOMEM,
	  "64 MiB of RAM cannot hold the kernel (ends at 19 MiB) and its init_size (63.6 MiB): "
	  "15.6 MiB short" },
	{ "initrd over 2 GiB", 3 * GiB, 2028 * MiB, 0, 1, -BH_ENOMEM,
	  "the initramfs (2028 MiB) does not fit between what the kernel needs (up to 28 MiB) "
	  "and initrd_addr_max (2 GiB): 8 MiB short" },
	{ "initrd huge", 8 * GiB, 3 * GiB, 0, 1, -BH_ENOMEM,
	  "the initramfs (3072 MiB) is larger than the 2 GiB below initrd_addr_max" },
	{ "initrd > RAM", 256 * MiB, 300 * MiB, 0, 1, -BH_ENOMEM,
	  "256 MiB of RAM cannot hold the kernel (ends at 19 MiB), its init_size (12 MiB) and "
	  "the initramfs (300 MiB): 72 MiB short" },
	{ "no vCPU", 64 * MiB, 0, 0, 0, -BH_EINVAL, "0 vCPUs: the ACPI MADT lists 1 to 16" },
	{ "17 vCPUs", 64 * MiB, 0, 0, 17, -BH_EINVAL, "17 vCPUs: the ACPI MADT lists 1 to 16" },
};

static void test_refusals(void **state)
{
	uint8_t *k = vmlinux_new();

	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *f = &refusals[i];
		struct linux_boot b = boot_of(k, f->ram, k, f->initrd_len);
		struct linux_plan p;
		char err[200] = "";

		b.init_size = f->init_size;
		b.vcpus = f->vcpus;
		no_mem.copies = no_mem.zeros = 0;
		print_message("%-18s -> ", f->what);
		assert_int_equal(linux_load(&b, &none, &p, err, sizeof(err)), f->code);
		print_message("%s\n", err);
		assert_string_equal(err, f->msg);
		assert_int_equal(no_mem.copies + no_mem.zeros, 0);
	}
	free(k);
}

static void test_not_vmlinux(void **state)
{
	static const uint8_t bz[0x300] = { [0x1fe] = 0x55, [0x1ff] = 0xaa, [0x202] = 'H',
					   [0x203] = 'd', [0x204] = 'r', [0x205] = 'S' };
	uint8_t *k = vmlinux_new();
	struct linux_boot b = boot_of(bz, 64 * MiB, NULL, 0);
	char err[200];

	b.kernel_len = sizeof(bz);
	no_mem.copies = no_mem.zeros = 0;
	assert_int_equal(linux_load(&b, &none, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "not an ELF vmlinux (a bzImage? see docs/linux.md)");
	b.kernel = k, b.kernel_len = 3; /* too short to be one */
	assert_int_equal(linux_load(&b, &none, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "not an ELF vmlinux (a bzImage? see docs/linux.md)");
	b.kernel = NULL, b.kernel_len = 0;
	assert_int_equal(linux_load(&b, &none, NULL, err, sizeof(err)), -BH_EINVAL);
	b.kernel = k, b.kernel_len = K_SIZE;
	put_ph(k, 1, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, 0, 0x80000, 0x100, 0x1000);
	assert_int_equal(linux_load(&b, &none, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "vmlinux refused: segment 1: paddr 0x80000 below load window "
			    "0x100000"); /* the low layout is not the kernel's */
	put_ph(k, 1, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, 0, K_BASE + 0x800, 0x100, 0x1000);
	assert_int_equal(linux_load(&b, &none, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "vmlinux refused: segments 0 and 1 overlap: [0x1000000, "
			    "0x1001000) and [0x1000800, 0x1001800)");
	put_ph(k, 1, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2000, 0, K_BASE + 0x1000, 0x100, 0x1000);
	b = boot_of(k, 64 * MiB, NULL, 4096);
	assert_int_equal(linux_load(&b, &none, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "an initramfs of 4096 bytes without its data");
	b = boot_of(k, 64 * MiB, NULL, 0);
	b.cmdline = (char[LINUX_CMDLINE_MAX + 1]){ 0 };
	memset((char *)b.cmdline, 'c', LINUX_CMDLINE_MAX);
	assert_int_equal(linux_load(&b, &none, NULL, err, sizeof(err)), -BH_E2BIG);
	assert_int_equal(no_mem.copies + no_mem.zeros, 0);
	free(k);
}

/* ---- a whole load into fake RAM ---------------------------------------------------- */

static void test_load(void **state)
{
	uint8_t *k = vmlinux_new(), initrd[5000];
	struct ram *r = ram_new(40 * MiB);
	const struct elf_sink mem = { .ctx = r, .copy = ram_copy, .zero = ram_zero };
	struct linux_boot b = boot_of(k, 40 * MiB, initrd, sizeof(initrd));
	struct linux_boot_params zp;
	struct linux_plan p;
	char err[200];
	uint8_t *m = r->buf, acpi[ACPI_TABLES_MAX];
	size_t acpi_len;

	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 13);
	b.vcpus = 4;
	assert_int_equal(linux_load(&b, &mem, &p, err, sizeof(err)), 0);
	assert_int_equal(r->zeros, 3); /* the RAM, then two segments' bss */
	assert_int_equal(p.entry, K_BASE);
	assert_int_equal(p.initrd_gpa, 40 * MiB - 0x2000);
	/* the kernel by p_paddr, its bss zeroed */
	assert_memory_equal(m + K_BASE, k + 0x1000, 0x1000);
	assert_memory_equal(m + K_BASE + 0x1000, k + 0x2000, 0x100);
	assert_memory_equal(m + K_BASE + 0x2000, k + 0x3000, 0x100);
	assert_int_equal(m[K_END - 1], 0);
	/* the zero page, as linux_zero_page() builds it */
	linux_zero_page(&zp, &p, 40 * MiB);
	assert_memory_equal(m + LINUX_ZERO_PAGE_GPA, &zp, sizeof(zp));
	assert_int_equal(get32(m + LINUX_ZERO_PAGE_GPA + 0x218), 40 * MiB - 0x2000);
	assert_int_equal(get32(m + LINUX_ZERO_PAGE_GPA + 0x21c), 5000);
	assert_string_equal((char *)m + 0x11000,
			    HEAD TSC TAIL " root=/dev/vda");
	/* the BDA words, the ACPI tables where Linux looks for the RSDP (the EBDA's first KiB,
	 * at the segment in BDA word 0x40e), the initramfs */
	assert_int_equal(get16(m + 0x40e), 0x9fc0);
	assert_int_equal(get16(m + 0x413), 639);
	acpi_len = acpi_tables_build(acpi, TABLES_GPA, 4);
	assert_true(acpi_len > 0 && TABLES_GPA + acpi_len <= 0xa0000);
	assert_memory_equal(m + TABLES_GPA, acpi, acpi_len);
	check_acpi(m + TABLES_GPA, acpi_len, TABLES_GPA, 4);
	assert_memory_equal(m + p.initrd_gpa, initrd, sizeof(initrd));
	/* everything else zero: page 0 (but the BDA), the page tables' room, the gaps */
	for (uint64_t a = 0; a < 40 * MiB; a++) {
		int written = (a >= 0x40e && a < 0x415) ||
			      (a >= LINUX_ZERO_PAGE_GPA && a < LINUX_ZERO_PAGE_GPA + 0x1000) ||
			      (a >= 0x11000 && a < 0x12000) || (a >= 0x9fc00 && a < 0xa0000) ||
			      (a >= K_BASE && a < K_END) ||
			      (a >= p.initrd_gpa && a < p.initrd_gpa + sizeof(initrd));
		if (!written && m[a])
			fail_msg("byte %#llx is %#x", (unsigned long long)a, m[a]);
	}
	ram_free(r);
	free(k);
}

static void test_sink_failures(void **state)
{
	uint8_t *k = vmlinux_new();
	struct ram *r = ram_new(40 * MiB);
	const struct elf_sink mem = { .ctx = r, .copy = ram_copy, .zero = ram_zero };
	struct linux_boot b = boot_of(k, 40 * MiB, k, K_SIZE);
	char err[200];

	r->fail_zero = 1;
	assert_int_equal(linux_load(&b, &mem, NULL, err, sizeof(err)), -BH_EIO);
	assert_string_equal(err, "zeroing its RAM failed (error -5)");
	r->fail_zero = 0;
	r->fail_copy = 1;
	assert_int_equal(linux_load(&b, &mem, NULL, err, sizeof(err)), -BH_EFAULT);
	assert_string_equal(err, "vmlinux not loaded: segment 0: writing [0x1000000, 0x1001000) "
			    "failed (-14)");
	r->copies = 0, r->fail_copy = 4; /* three kernel segments, then the zero page */
	assert_int_equal(linux_load(&b, &mem, NULL, err, sizeof(err)), -BH_EFAULT);
	assert_string_equal(err, "writing the zero page at 0x10000 failed (error -14)");
	r->copies = 0, r->fail_copy = 8;
	assert_int_equal(linux_load(&b, &mem, NULL, err, sizeof(err)), -BH_EFAULT);
	assert_string_equal(err, "writing the initramfs at 0x27fc000 failed (error -14)");
	ram_free(r);
	free(k);
}

/* ---- Debian's vmlinux, when the build has fetched it (LINUX_VMLINUX) -------------- */

static void test_debian_vmlinux(void **state)
{
	int fd = open(LINUX_VMLINUX, O_RDONLY);
	struct linux_boot b;
	struct linux_plan p;
	struct stat st;
	char err[200];
	void *k;

	if (fd < 0) {
		print_message("%s absent: skipped\n", LINUX_VMLINUX);
		skip();
	}
	assert_int_equal(fstat(fd, &st), 0);
	k = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(k != MAP_FAILED);
	b = (struct linux_boot){ .ram = 256 * MiB, .vcpus = 2, .kernel = k,
				 .kernel_len = (size_t)st.st_size, .initrd = k,
				 .initrd_len = 12 * MiB };
	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), 0);
	print_message("entry %#llx, kernel [%#llx, %#llx), init_size %#llx\n",
		      (unsigned long long)p.entry, (unsigned long long)p.kernel_start,
		      (unsigned long long)p.kernel_end, (unsigned long long)p.init_size);
	assert_int_equal(p.entry, 0x1000000);
	assert_int_equal(p.kernel_start, 0x1000000);
	assert_true(p.kernel_end > 0x3000000 && p.kernel_end <= 0x6000000);
	/* the slack rule gives at least what the bzImage's init_size asks */
	assert_true(p.kernel_start + p.init_size >= 0x1000000 + DEBIAN_INIT_SIZE);
	assert_int_equal(p.initrd_gpa, 244 * MiB);
	b.ram = 64 * MiB;
	b.init_size = DEBIAN_INIT_SIZE;
	assert_int_equal(linux_plan(&b, &p, err, sizeof(err)), -BH_ENOMEM);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "64 MiB of RAM cannot hold the kernel (ends at "));
	assert_non_null(strstr(err, "its init_size (63.6 MiB) and the initramfs (12 MiB)"));
	munmap(k, (size_t)st.st_size);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_page_fields),
		cmocka_unit_test(test_e820),
		cmocka_unit_test(test_acpi_tables),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_not_vmlinux),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_sink_failures),
		cmocka_unit_test(test_debian_vmlinux),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
