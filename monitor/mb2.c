/* SPDX-License-Identifier: MIT */
/* mb2.c - Multiboot2 information block parser: untrusted bytes in, struct bh_bootinfo out. */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "fmt.h"
#include "mb2.h"
#include "memmap.h"
#include "unaligned.h"

/*
 * Multiboot2 Specification 2.0, "Boot information format" (section titles cited below):
 *
 *   +0  u32 total_size   u32 reserved
 *   +8  tag { u32 type; u32 size; payload[size - 8] }, padded to 8 bytes
 *   ... tag ...
 *       end tag { type 0, size 8 }
 *
 * Every read goes through mb2_rd*() at an offset already checked against the tag's size,
 * and every tag's size is checked against total_size before its handler runs.
 */

#define MB2_HDR_SIZE   8u
#define MB2_TAG_HDR    8u
#define MB2_EFI_PAGE   4096ull
#define MB2_MMAP_ENTRY 24u /* "Memory map": u64 base_addr, u64 length, u32 type, u32 reserved */
#define MB2_EFI_DESC   40u /* UEFI 2.10, EFI_BOOT_SERVICES.GetMemoryMap(): EFI_MEMORY_DESCRIPTOR */

struct mb2_tag {
	const uint8_t *p; /* first byte of the tag header */
	uint32_t type;
	uint32_t size;
	uint32_t off; /* from the start of the block, for messages */
};

struct mb2_ctx {
	const uint8_t *base;
	uint32_t total;
	struct bh_bootinfo *bi;
	char *err;
	size_t errlen;
	uint32_t seen; /* bit n: singleton tag n already parsed */
	struct mb2_tag mmap, efi_mmap; /* type 0 when absent */
};

typedef int (*mb2_tag_fn)(struct mb2_ctx *c, const struct mb2_tag *t);

struct mb2_kind {
	const char *name;
	uint32_t min_size; /* header plus the fixed fields we read */
	bool repeatable;   /* only tags we parse are checked for duplicates */
	mb2_tag_fn parse;
};

static void __attribute__((format(printf, 2, 3))) mb2_msg(struct mb2_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err || !c->errlen)
		return;
	va_start(ap, fmt);
	bh_vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
}

static const char *mb2_name(uint32_t type);

/* Prefix "multiboot2: tag N (name) at offset 0x..: " to a reason. */
static int __attribute__((format(printf, 4, 5)))
mb2_tag_fail(struct mb2_ctx *c, const struct mb2_tag *t, int rc, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	bh_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	mb2_msg(c, "multiboot2: tag %u (%s) at offset 0x%x: %s", t->type, mb2_name(t->type),
		t->off, why);
	return rc;
}

/* Copy the NUL-terminated string at tag offset 'at' into dst, truncating safely. */
static int mb2_string(struct mb2_ctx *c, const struct mb2_tag *t, uint32_t at, char *dst,
		      size_t dstlen)
{
	uint32_t room = t->size - at;
	size_t n = strnlen((const char *)t->p + at, room);

	if (n == room)
		return mb2_tag_fail(c, t, -BH_EINVAL, "string not NUL-terminated within its %u bytes",
				    room);
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, t->p + at, n);
	dst[n] = '\0';
	return 0;
}

/* "Boot command line" */
static int mb2_cmdline(struct mb2_ctx *c, const struct mb2_tag *t)
{
	return mb2_string(c, t, 8, c->bi->cmdline, sizeof(c->bi->cmdline));
}

/* "Boot loader name" */
static int mb2_loader(struct mb2_ctx *c, const struct mb2_tag *t)
{
	return mb2_string(c, t, 8, c->bi->loader, sizeof(c->bi->loader));
}

/* "Modules": u32 mod_start, u32 mod_end (one past the last byte), string */
static int mb2_module(struct mb2_ctx *c, const struct mb2_tag *t)
{
	struct bh_bootinfo *bi = c->bi;
	uint32_t start = get_u32(t->p + 8), end = get_u32(t->p + 12);

	if (bi->module_count >= BH_BOOT_MODULES_MAX)
		return mb2_tag_fail(c, t, -BH_E2BIG, "more than %u modules", BH_BOOT_MODULES_MAX);
	if (end < start)
		return mb2_tag_fail(c, t, -BH_EINVAL, "mod_end 0x%x < mod_start 0x%x", end, start);
	bi->modules[bi->module_count] = (struct bh_module){ .start = start, .end = end };
	if (mb2_string(c, t, 16, bi->modules[bi->module_count].name, BH_BOOT_MODNAME_MAX))
		return -BH_EINVAL;
	bi->module_count++;
	return 0;
}

/* "Memory map": checked here, converted once every tag has been seen (tag 6 wins). */
static int mb2_mmap(struct mb2_ctx *c, const struct mb2_tag *t)
{
	uint32_t esize = get_u32(t->p + 8);

	if (esize < MB2_MMAP_ENTRY)
		return mb2_tag_fail(c, t, -BH_EINVAL, "entry_size %u < %u", esize, MB2_MMAP_ENTRY);
	if (esize % 8)
		return mb2_tag_fail(c, t, -BH_EINVAL, "entry_size %u not a multiple of 8", esize);
	c->mmap = *t;
	return 0;
}

/* "EFI memory map": descriptor_size is the stride and may exceed the struct we know. */
static int mb2_efi_mmap(struct mb2_ctx *c, const struct mb2_tag *t)
{
	uint32_t dsize = get_u32(t->p + 8);

	if (dsize < MB2_EFI_DESC)
		return mb2_tag_fail(c, t, -BH_EINVAL, "descriptor_size %u < %u", dsize, MB2_EFI_DESC);
	c->efi_mmap = *t;
	return 0;
}

/* "Framebuffer info": u64 addr, u32 pitch, width, height, u8 bpp, u8 type */
static int mb2_fb(struct mb2_ctx *c, const struct mb2_tag *t)
{
	struct bh_framebuffer *fb = &c->bi->fb;

	fb->addr = get_u64(t->p + 8);
	fb->pitch = get_u32(t->p + 16);
	fb->width = get_u32(t->p + 20);
	fb->height = get_u32(t->p + 24);
	fb->bpp = t->p[28];
	fb->type = t->p[29];
	c->bi->flags |= BH_BOOT_HAS_FB;
	return 0;
}

/* "EFI 64-bit system table pointer". Tag 11 (32-bit) is useless to a 64-bit monitor. */
static int mb2_efi64_st(struct mb2_ctx *c, const struct mb2_tag *t)
{
	c->bi->efi_system_table = get_u64(t->p + 8);
	c->bi->flags |= BH_BOOT_HAS_EFI_ST;
	return 0;
}

static void mb2_copy_rsdp(struct mb2_ctx *c, const struct mb2_tag *t, uint32_t len)
{
	memcpy(c->bi->rsdp, t->p + 8, len);
	c->bi->rsdp_len = len;
	c->bi->flags |= BH_BOOT_HAS_RSDP;
}

/* "ACPI old RSDP": the ACPI 1.0 RSDP (20 bytes). Tag 15 wins whatever the order. */
static int mb2_rsdp_old(struct mb2_ctx *c, const struct mb2_tag *t)
{
	if (c->bi->rsdp_len != BH_BOOT_RSDP_MAX)
		mb2_copy_rsdp(c, t, 20);
	return 0;
}

/* "ACPI new RSDP": the ACPI 2.0+ RSDP (36 bytes). */
static int mb2_rsdp_new(struct mb2_ctx *c, const struct mb2_tag *t)
{
	mb2_copy_rsdp(c, t, BH_BOOT_RSDP_MAX);
	return 0;
}

/* "EFI boot services not terminated": the firmware still owns memory and devices. */
static int mb2_efi_bs(struct mb2_ctx *c, const struct mb2_tag *t)
{
	return mb2_tag_fail(c, t, -BH_EINVAL,
			    "ExitBootServices() was not called; drop the header's EFI boot "
			    "services tag");
}

/* Tags with no handler are checked for size and otherwise ignored. */
static const struct mb2_kind mb2_kinds[] = {
	[1] = { "command line", 8, false, mb2_cmdline },
	[2] = { "boot loader name", 8, false, mb2_loader },
	[3] = { "module", 16, true, mb2_module },
	[4] = { "basic memory info", 16, false, NULL },
	[5] = { "BIOS boot device", 20, false, NULL },
	[6] = { "memory map", 16, false, mb2_mmap },
	[7] = { "VBE info", 16, false, NULL },
	[8] = { "framebuffer", 30, false, mb2_fb }, /* spec and GRUB disagree on what follows */
	[9] = { "ELF sections", 16, false, NULL },
	[10] = { "APM table", 28, false, NULL },
	[11] = { "EFI32 system table", 12, false, NULL },
	[12] = { "EFI64 system table", 16, false, mb2_efi64_st },
	[13] = { "SMBIOS tables", 16, false, NULL },
	[14] = { "ACPI old RSDP", 8 + 20, false, mb2_rsdp_old },
	[15] = { "ACPI new RSDP", 8 + BH_BOOT_RSDP_MAX, false, mb2_rsdp_new },
	[16] = { "networking", 8, false, NULL },
	[17] = { "EFI memory map", 16, false, mb2_efi_mmap },
	[18] = { "EFI boot services not terminated", 8, false, mb2_efi_bs },
	[19] = { "EFI32 image handle", 12, false, NULL },
	[20] = { "EFI64 image handle", 16, false, NULL },
	[21] = { "load base address", 12, false, NULL },
};

#define MB2_KINDS (sizeof(mb2_kinds) / sizeof(mb2_kinds[0]))

static const char *mb2_name(uint32_t type)
{
	if (type == 0)
		return "end";
	return type < MB2_KINDS ? mb2_kinds[type].name : "unknown";
}

static int mb2_tag(struct mb2_ctx *c, const struct mb2_tag *t)
{
	const struct mb2_kind *k = t->type < MB2_KINDS ? &mb2_kinds[t->type] : NULL;

	if (!k || !k->name)
		return 0; /* "Boot information format": unknown tags are skipped */
	if (t->size < k->min_size)
		return mb2_tag_fail(c, t, -BH_EINVAL, "size %u < %u", t->size, k->min_size);
	if (k->parse && !k->repeatable && (c->seen & (1u << t->type)))
		return mb2_tag_fail(c, t, -BH_EINVAL, "duplicate tag");
	c->seen |= 1u << t->type;
	return k->parse ? k->parse(c, t) : 0;
}

/* Read the header of the tag at 'off' and check it lies inside the block. */
static int mb2_tag_at(struct mb2_ctx *c, uint32_t off, struct mb2_tag *t)
{
	*t = (struct mb2_tag){ .p = c->base + off, .off = off };
	t->type = get_u32(t->p);
	t->size = get_u32(t->p + 4);
	if (t->size < MB2_TAG_HDR)
		return mb2_tag_fail(c, t, -BH_EINVAL, "size %u < %u", t->size, MB2_TAG_HDR);
	if (t->size > c->total - off)
		return mb2_tag_fail(c, t, -BH_EINVAL, "size %u runs past total_size %u", t->size,
				    c->total);
	return 0;
}

/* Walk the tags up to the end tag. off + 8 <= total keeps each tag header in the block. */
static int mb2_walk(struct mb2_ctx *c)
{
	uint32_t off = MB2_HDR_SIZE;
	struct mb2_tag t;
	int rc;

	while (off <= c->total - MB2_TAG_HDR) {
		rc = mb2_tag_at(c, off, &t);
		if (rc)
			return rc;
		if (t.type == 0 && t.size != MB2_TAG_HDR)
			return mb2_tag_fail(c, &t, -BH_EINVAL, "end tag size %u, expected 8", t.size);
		if (t.type == 0)
			return 0;
		rc = mb2_tag(c, &t);
		if (rc)
			return rc;
		off += (t.size + 7u) & ~7u; /* tags start 8-byte aligned */
	}
	mb2_msg(c, "multiboot2: no end tag (type 0) within total_size %u", c->total);
	return -BH_EINVAL;
}

static int mb2_add_range(struct mb2_ctx *c, const struct mb2_tag *t, uint32_t i, uint64_t base,
			 uint64_t len, uint32_t type)
{
	if (len && base + (len - 1) < base)
		return mb2_tag_fail(c, t, -BH_EINVAL, "entry %u: base 0x%llx + length 0x%llx wraps",
				    i, (unsigned long long)base, (unsigned long long)len);
	if (memmap_add(c->bi, base, len, type))
		return mb2_tag_fail(c, t, -BH_E2BIG, "entry %u: more than %u memory ranges", i,
				    BH_BOOT_MMAP_MAX);
	return 0;
}

/* "Memory map": type 1 available, 3 ACPI reclaimable, 4 NVS, 5 bad, anything else reserved. */
static const uint8_t mb2_mem_types[] = {
	[1] = BH_MEM_USABLE, [3] = BH_MEM_ACPI_RECLAIM, [4] = BH_MEM_ACPI_NVS, [5] = BH_MEM_BAD,
};

static uint32_t mb2_mem_type(uint32_t type)
{
	uint32_t t = type < sizeof(mb2_mem_types) ? mb2_mem_types[type] : 0;

	return t ? t : BH_MEM_RESERVED;
}

/* Entries start at +16; a partial trailing entry is ignored. */
static int mb2_convert_mmap(struct mb2_ctx *c, const struct mb2_tag *t)
{
	uint32_t esize = get_u32(t->p + 8), n = (t->size - 16) / esize;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = t->p + 16 + i * esize;

		rc = mb2_add_range(c, t, i, get_u64(e), get_u64(e + 8),
				   mb2_mem_type(get_u32(e + 16)));
		if (rc)
			return rc;
	}
	return 0;
}

/* EFI_MEMORY_DESCRIPTOR: u32 Type, u32 pad, u64 PhysicalStart, u64 VirtualStart,
 * u64 NumberOfPages, u64 Attribute. Descriptors start at +16, stride descriptor_size. */
static int mb2_convert_efi_mmap(struct mb2_ctx *c, const struct mb2_tag *t)
{
	uint32_t dsize = get_u32(t->p + 8), n = (t->size - 16) / dsize;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *d = t->p + 16 + i * dsize;
		uint64_t pages = get_u64(d + 24);

		if (pages > UINT64_MAX / MB2_EFI_PAGE)
			return mb2_tag_fail(c, t, -BH_EINVAL, "entry %u: num_pages 0x%llx overflows",
					    i, (unsigned long long)pages);
		rc = mb2_add_range(c, t, i, get_u64(d + 8), pages * MB2_EFI_PAGE,
				   memmap_from_efi_type(get_u32(d)));
		if (rc)
			return rc;
	}
	c->bi->flags |= BH_BOOT_MMAP_FROM_EFI;
	return 0;
}

static int mb2_convert_map(struct mb2_ctx *c)
{
	if (c->mmap.type)
		return mb2_convert_mmap(c, &c->mmap);
	if (c->efi_mmap.type)
		return mb2_convert_efi_mmap(c, &c->efi_mmap);
	mb2_msg(c, "multiboot2: no memory map (neither tag 6 nor tag 17)");
	return -BH_EINVAL;
}

/* "Basic tags structure": u32 total_size, u32 reserved; the block is 8-byte aligned. */
static int mb2_check_header(struct mb2_ctx *c, const void *mbi)
{
	if (!mbi || ((uintptr_t)mbi & 7)) {
		mb2_msg(c, "multiboot2: information block at %p: expected 8-byte alignment", mbi);
		return -BH_EINVAL;
	}
	c->total = get_u32(c->base);
	if (c->total < MB2_HDR_SIZE + MB2_TAG_HDR || c->total > MB2_INFO_MAX) {
		mb2_msg(c, "multiboot2: total_size %u, expected %u..%u", c->total,
			MB2_HDR_SIZE + MB2_TAG_HDR, MB2_INFO_MAX);
		return -BH_EINVAL;
	}
	return 0;
}

int mb2_parse(const void *mbi, uint64_t mbi_pa, struct bh_bootinfo *bi, char *err, size_t errlen)
{
	struct mb2_ctx c = { .base = mbi, .bi = bi, .err = err, .errlen = errlen };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	memset(bi, 0, sizeof(*bi));
	bi->magic = BH_BOOTINFO_MAGIC;
	bi->version = BH_BOOTINFO_VERSION;
	bi->source = BH_BOOT_MULTIBOOT2;
	rc = mb2_check_header(&c, mbi);
	if (rc)
		return rc;
	bi->info_start = mbi_pa;
	bi->info_end = mbi_pa + c.total;
	rc = mb2_walk(&c);
	if (rc)
		return rc;
	rc = mb2_convert_map(&c);
	if (rc)
		return rc;
	memmap_normalize(bi);
	return 0;
}
