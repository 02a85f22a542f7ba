/* SPDX-License-Identifier: MIT */
/* linux-boot.c - a linux partition's boot structures, planned, then written through a sink
 * (the layout and the contract in linux-boot.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/partition.h>
#include <bulkhead/view.h>
#include "fmt.h"
#include "linux-boot.h"
#include "acpi-tables.h"

#define KiB  0x400ull
#define MiB  0x100000ull
#define PAGE 0x1000ull
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((a) - 1))

/* The platform's options, before the user's (docs/linux.md, "The command line"). */
#define CMDLINE_HEAD "console=ttyS0 noapic x2apic_phys"
#define CMDLINE_TAIL "tsc=reliable reboot=t panic=-1 io_delay=none pci=conf1,noacpi,noearly,lastbus=0"
#define KERNEL_HZ    250 /* CONFIG_HZ of Debian's kernel: lpj = TSC ticks per jiffy */

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		bh_vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A size for a message: "640 KiB", "74 MiB", "63.6 MiB" (to the nearest tenth). */
static const char *size_str(char buf[32], uint64_t n)
{
	uint64_t unit = n >= MiB ? MiB : KiB;
	uint64_t tenths = (n % unit * 10 + unit / 2) / unit;
	const char *name = unit == MiB ? "MiB" : "KiB";

	if (n < KiB || n % unit == 0)
		bh_snprintf(buf, 32, "%llu %s", (unsigned long long)(n < KiB ? n : n / unit),
			    n < KiB ? "bytes" : name);
	else
		bh_snprintf(buf, 32, "%llu.%llu %s", (unsigned long long)(n / unit + tenths / 10),
			    (unsigned long long)(tenths % 10), name);
	return buf;
}

/* The ELF vmlinux placed by p_paddr, anywhere in [1 MiB, 4 GiB) for now (linux_plan()
 * then holds it to the RAM); its span and what it needs beyond. */
static int plan_kernel(const struct linux_boot *b, struct linux_plan *p, char *err,
		       size_t errlen)
{
	const uint8_t *k = b->kernel;
	struct elf_image im;
	char why[160];

	if (!k || b->kernel_len < 4 || k[0] != ELF_MAG0 || k[1] != 'E' || k[2] != 'L' ||
	    k[3] != 'F')
		return fail(err, errlen, -BH_EINVAL,
			    "not an ELF vmlinux (a bzImage? see docs/linux.md)");
	if (elf_check_flags(k, b->kernel_len, LINUX_HIGH_GPA, BH_START_MAP_MAX, ELF_LOAD_PADDR,
			    &im, why, sizeof(why)))
		return fail(err, errlen, -BH_EINVAL, "vmlinux refused: %s", why);
	p->entry = im.entry;
	p->kernel_start = UINT64_MAX;
	p->kernel_end = 0;
	for (uint32_t i = 0; i < im.nseg; i++) {
		if (im.seg[i].vaddr < p->kernel_start)
			p->kernel_start = im.seg[i].vaddr;
		if (im.seg[i].vaddr + im.seg[i].memsz > p->kernel_end)
			p->kernel_end = im.seg[i].vaddr + im.seg[i].memsz;
	}
	p->init_size = b->init_size ? b->init_size :
		ALIGN_UP(p->kernel_end, 2 * MiB) + LINUX_INIT_SLACK - p->kernel_start;
	return 0;
}

/* Not enough room: in the RAM, or (under_2g: RAM above 2 GiB) under initrd_addr_max. */
static int no_room(const struct linux_boot *b, const struct linux_plan *p, uint64_t need,
		   bool under_2g, uint64_t shortfall, char *err, size_t errlen)
{
	char a[32], c[32], d[32], e[32], f[32];

	if (under_2g)
		return fail(err, errlen, -BH_ENOMEM, "the initramfs (%s) does not fit between what "
			    "the kernel needs (up to %s) and initrd_addr_max (2 GiB): %s short",
			    size_str(a, b->initrd_len), size_str(c, need), size_str(d, shortfall));
	if (b->initrd_len)
		return fail(err, errlen, -BH_ENOMEM, "%s of RAM cannot hold the kernel (ends at "
			    "%s), its init_size (%s) and the initramfs (%s): %s short",
			    size_str(a, b->ram), size_str(c, p->kernel_end),
			    size_str(d, p->init_size), size_str(e, b->initrd_len),
			    size_str(f, shortfall));
	return fail(err, errlen, -BH_ENOMEM, "%s of RAM cannot hold the kernel (ends at %s) and "
		    "its init_size (%s): %s short", size_str(a, b->ram),
		    size_str(c, p->kernel_end), size_str(d, p->init_size),
		    size_str(e, shortfall));
}

int linux_plan(const struct linux_boot *b, struct linux_plan *p, char *err, size_t errlen)
{
	uint64_t need, pages, limit;
	bool under_2g;
	char a[32];
	int r;

	memset(p, 0, sizeof(*p));
	if (!b->vcpus || b->vcpus > BH_VIEW_VCPUS_MAX)
		return fail(err, errlen, -BH_EINVAL, "%u vCPUs: the ACPI MADT lists 1 to %u",
			    b->vcpus, BH_VIEW_VCPUS_MAX);
	if (b->initrd_len && !b->initrd)
		return fail(err, errlen, -BH_EINVAL, "an initramfs of %zu bytes without its data",
			    b->initrd_len);
	if (b->initrd_len > LINUX_INITRD_END)
		return fail(err, errlen, -BH_ENOMEM, "the initramfs (%s) is larger than the 2 GiB "
			    "below initrd_addr_max", size_str(a, b->initrd_len));
	if ((r = plan_kernel(b, p, err, errlen)))
		return r;
	need = p->kernel_start + p->init_size > p->kernel_end ? p->kernel_start + p->init_size :
		p->kernel_end;
	pages = ALIGN_UP((uint64_t)b->initrd_len, PAGE);
	under_2g = pages && b->ram > LINUX_INITRD_END && need <= b->ram;
	limit = (under_2g ? LINUX_INITRD_END : b->ram) & ~(PAGE - 1);
	if (need + pages > limit)
		return no_room(b, p, need, under_2g, need + pages - limit, err, errlen);
	p->initrd_gpa = pages ? limit - pages : 0;
	p->initrd_len = b->initrd_len;
	return 0;
}

unsigned linux_e820(struct linux_e820_entry t[LINUX_E820_MAX], uint64_t ram)
{
	t[0] = (struct linux_e820_entry){ 0, LINUX_EBDA_GPA, LINUX_E820_RAM };
	t[1] = (struct linux_e820_entry){ LINUX_EBDA_GPA, LINUX_HIGH_GPA - LINUX_EBDA_GPA,
					  LINUX_E820_RESERVED };
	t[2] = (struct linux_e820_entry){ LINUX_HIGH_GPA, ram - LINUX_HIGH_GPA, LINUX_E820_RAM };
	return 3;
}

/* boot.rst, "64-bit Boot Protocol": the fields a boot loader fills, nothing else. */
void linux_zero_page(struct linux_boot_params *zp, const struct linux_plan *p, uint64_t ram)
{
	memset(zp, 0, sizeof(*zp));
	zp->hdr.boot_flag = LINUX_BOOT_FLAG;
	zp->hdr.header = LINUX_HDRS;
	zp->hdr.version = LINUX_PROTOCOL;
	zp->hdr.type_of_loader = LINUX_LOADER_ANY;
	zp->hdr.loadflags = LINUX_LOADED_HIGH;
	zp->hdr.ramdisk_image = (uint32_t)p->initrd_gpa;
	zp->hdr.ramdisk_size = (uint32_t)p->initrd_len;
	zp->ext_ramdisk_image = (uint32_t)(p->initrd_gpa >> 32);
	zp->ext_ramdisk_size = (uint32_t)(p->initrd_len >> 32);
	zp->hdr.cmd_line_ptr = (uint32_t)LINUX_CMDLINE_GPA;
	zp->ext_cmd_line_ptr = (uint32_t)(LINUX_CMDLINE_GPA >> 32);
	zp->hdr.kernel_alignment = LINUX_ALIGNMENT;
	zp->hdr.cmdline_size = LINUX_CMDLINE_MAX;
	zp->e820_entries = (uint8_t)linux_e820(zp->e820_table, ram);
}

int linux_cmdline(char out[LINUX_CMDLINE_MAX + 1], const char *user, uint64_t tsc_hz,
		  char *err, size_t errlen)
{
	char tsc[64] = "";
	int n;

	if (tsc_hz / 1000)
		bh_snprintf(tsc, sizeof(tsc), " tsc_early_khz=%llu lpj=%llu",
			    (unsigned long long)(tsc_hz / 1000),
			    (unsigned long long)(tsc_hz / KERNEL_HZ));
	user = user ? user : "";
	n = bh_snprintf(out, LINUX_CMDLINE_MAX + 1, CMDLINE_HEAD "%s " CMDLINE_TAIL "%s%s", tsc,
			*user ? " " : "", user);
	if (n < 0 || (unsigned)n > LINUX_CMDLINE_MAX) {
		out[0] = '\0';
		return fail(err, errlen, -BH_E2BIG, "the command line (%d bytes with the "
			    "platform's options) is %u bytes over the kernel's limit of %u", n,
			    (unsigned)n - LINUX_CMDLINE_MAX, LINUX_CMDLINE_MAX);
	}
	return 0;
}

static int put(const struct elf_sink *mem, uint64_t gpa, const void *src, uint64_t len,
	       const char *what, char *err, size_t errlen)
{
	int r = mem->copy(mem->ctx, gpa, src, len);

	return r ? fail(err, errlen, r, "writing the %s at %#llx failed (error %d)", what,
			(unsigned long long)gpa, r) : 0;
}

/* BIOS data area words for Linux's EBDA lookup (arch/x86/kernel/ebda.c, mpparse.c): the
 * EBDA segment at 0x40e and the base memory size in KiB at 0x413, written as one run. */
static void bda_words(uint8_t run[LINUX_BDA_BASE_KIB + 2 - LINUX_BDA_EBDA_SEG])
{
	uint16_t seg = (uint16_t)(LINUX_EBDA_GPA >> 4), kib = (uint16_t)(LINUX_EBDA_GPA >> 10);

	memset(run, 0, LINUX_BDA_BASE_KIB + 2 - LINUX_BDA_EBDA_SEG);
	memcpy(run, &seg, 2);
	memcpy(run + (LINUX_BDA_BASE_KIB - LINUX_BDA_EBDA_SEG), &kib, 2);
}

/* Everything but the RAM's zeroing and the kernel, which come first. */
static int put_boot_data(const struct elf_sink *mem, const struct linux_boot *b,
			 const struct linux_plan *p, const char *cmdline, char *err,
			 size_t errlen)
{
	static struct linux_boot_params zp;
	static uint8_t acpi[ACPI_TABLES_MAX];
	static uint8_t bda[LINUX_BDA_BASE_KIB + 2 - LINUX_BDA_EBDA_SEG];
	size_t acpi_len = acpi_tables_build(acpi, LINUX_EBDA_GPA, b->vcpus);
	int r;

	linux_zero_page(&zp, p, b->ram);
	bda_words(bda);
	if ((r = put(mem, LINUX_ZERO_PAGE_GPA, &zp, sizeof(zp), "zero page", err, errlen)) ||
	    (r = put(mem, LINUX_CMDLINE_GPA, cmdline, strlen(cmdline) + 1, "command line", err,
		     errlen)) ||
	    (r = put(mem, LINUX_BDA_EBDA_SEG, bda, sizeof(bda), "BIOS data area", err, errlen)) ||
	    (r = put(mem, LINUX_EBDA_GPA, acpi, acpi_len, "ACPI tables", err, errlen)))
		return r;
	return p->initrd_len ? put(mem, p->initrd_gpa, b->initrd, p->initrd_len, "initramfs",
				   err, errlen) : 0;
}

int linux_load(const struct linux_boot *b, const struct elf_sink *mem, struct linux_plan *out,
	       char *err, size_t errlen)
{
	static char cmdline[LINUX_CMDLINE_MAX + 1];
	struct linux_plan p;
	char why[160];
	int r;

	if ((r = linux_plan(b, &p, err, errlen)) ||
	    (r = linux_cmdline(cmdline, b->cmdline, b->tsc_hz, err, errlen)))
		return r;
	if ((r = mem->zero(mem->ctx, 0, b->ram)))
		return fail(err, errlen, r, "zeroing its RAM failed (error %d)", r);
	if ((r = elf_load_flags(b->kernel, b->kernel_len, LINUX_HIGH_GPA, b->ram, ELF_LOAD_PADDR,
				mem, NULL, why, sizeof(why))))
		return fail(err, errlen, r, "vmlinux not loaded: %s", why);
	if ((r = put_boot_data(mem, b, &p, cmdline, err, errlen)))
		return r;
	if (out)
		*out = p;
	return 0;
}
