/* SPDX-License-Identifier: MIT */
/* memmap.c - the boot memory map: append, normalize (sort, resolve overlaps, merge), sum RAM. */
#include <stdbool.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "memmap.h"

/*
 * Invariant after memmap_normalize: every range has len > 0 and base + len <= UINT64_MAX,
 * ranges are sorted by base and disjoint, and touching ranges have different types.
 * An address in no range is a hole: nobody may allocate it.
 */

/* Rank of a type when two ranges overlap: the higher rank wins the overlap. */
static unsigned mm_rank(uint32_t type)
{
	switch (type) {
	case BH_MEM_USABLE:
		return 0;
	case BH_MEM_ACPI_RECLAIM:
		return 1;
	case BH_MEM_RESERVED:
		return 2;
	case BH_MEM_ACPI_NVS:
		return 3;
	case BH_MEM_BAD:
		return 4;
	default:
		return 2; /* unknown types were stored as RESERVED; never reached */
	}
}

static bool mm_type_known(uint32_t type)
{
	return type >= BH_MEM_USABLE && type <= BH_MEM_BAD;
}

static uint64_t mm_end(const struct bh_mem_range *r)
{
	return r->base + r->len;
}

/* Clamp so that base + len never wraps (the last byte of the address space is lost). */
static uint64_t mm_clamp_len(uint64_t base, uint64_t len)
{
	return len > UINT64_MAX - base ? UINT64_MAX - base : len;
}

static void mm_remove(struct bh_bootinfo *bi, unsigned i)
{
	memmove(&bi->mmap[i], &bi->mmap[i + 1], (bi->mmap_count - i - 1) * sizeof(bi->mmap[0]));
	bi->mmap_count--;
}

/* Insert keeping the table sorted by base; -BH_E2BIG when full. */
static int mm_insert_sorted(struct bh_bootinfo *bi, uint64_t base, uint64_t len, uint32_t type)
{
	unsigned i = bi->mmap_count;

	if (bi->mmap_count >= BH_BOOT_MMAP_MAX)
		return -BH_E2BIG;
	while (i > 0 && bi->mmap[i - 1].base > base) {
		bi->mmap[i] = bi->mmap[i - 1];
		i--;
	}
	bi->mmap[i] = (struct bh_mem_range){ .base = base, .len = len, .type = type };
	bi->mmap_count++;
	return 0;
}

/* Move entry i towards the end until the table is sorted again (its base grew). */
static void mm_resift(struct bh_bootinfo *bi, unsigned i)
{
	while (i + 1 < bi->mmap_count && bi->mmap[i + 1].base < bi->mmap[i].base) {
		struct bh_mem_range t = bi->mmap[i];

		bi->mmap[i] = bi->mmap[i + 1];
		bi->mmap[i + 1] = t;
		i++;
	}
}

int memmap_add(struct bh_bootinfo *bi, uint64_t base, uint64_t len, uint32_t type)
{
	struct bh_mem_range *last = bi->mmap_count ? &bi->mmap[bi->mmap_count - 1] : NULL;

	len = mm_clamp_len(base, len);
	if (!len)
		return 0;
	if (!mm_type_known(type))
		type = BH_MEM_RESERVED; /* never treat what we do not understand as RAM */
	if (last && last->type == type && mm_end(last) == base) {
		last->len += len; /* firmware maps come in order: keep the table small */
		return 0;
	}
	if (bi->mmap_count >= BH_BOOT_MMAP_MAX)
		return -BH_E2BIG;
	bi->mmap[bi->mmap_count++] = (struct bh_mem_range){ .base = base, .len = len, .type = type };
	return 0;
}

/* Drop empty ranges, clamp wrapping ones, map unknown types to RESERVED. */
static void mm_sanitize(struct bh_bootinfo *bi)
{
	unsigned i = 0;

	if (bi->mmap_count > BH_BOOT_MMAP_MAX)
		bi->mmap_count = BH_BOOT_MMAP_MAX;
	while (i < bi->mmap_count) {
		struct bh_mem_range *r = &bi->mmap[i];

		r->len = mm_clamp_len(r->base, r->len);
		r->reserved_0x14 = 0;
		if (!mm_type_known(r->type))
			r->type = BH_MEM_RESERVED;
		if (r->len)
			i++;
		else
			mm_remove(bi, i);
	}
}

/* Insertion sort by base: n <= BH_BOOT_MMAP_MAX and firmware maps are nearly sorted. */
static void mm_sort(struct bh_bootinfo *bi)
{
	for (unsigned i = 1; i < bi->mmap_count; i++) {
		struct bh_mem_range t = bi->mmap[i];
		unsigned j = i;

		while (j > 0 && bi->mmap[j - 1].base > t.base) {
			bi->mmap[j] = bi->mmap[j - 1];
			j--;
		}
		bi->mmap[j] = t;
	}
}

/*
 * a = mmap[i] loses the overlap to b = mmap[i + 1] (b->base >= a->base): a keeps its head
 * [a.base, b.base) and its tail [b.end, a.end) is re-inserted. If the table is full the tail
 * is dropped, which turns it into a hole: safe, since a hole is never allocated.
 */
static void mm_cut_earlier(struct bh_bootinfo *bi, unsigned i)
{
	struct bh_mem_range *a = &bi->mmap[i], *b = &bi->mmap[i + 1];
	uint64_t tail_base = mm_end(b), tail_end = mm_end(a);
	uint32_t type = a->type;

	a->len = b->base - a->base;
	if (!a->len)
		mm_remove(bi, i);
	if (tail_end > tail_base)
		(void)mm_insert_sorted(bi, tail_base, tail_end - tail_base, type);
}

/* b = mmap[i + 1] loses the overlap to a = mmap[i]: b starts where a ends. */
static void mm_cut_later(struct bh_bootinfo *bi, unsigned i)
{
	struct bh_mem_range *a = &bi->mmap[i], *b = &bi->mmap[i + 1];
	uint64_t b_end = mm_end(b);

	if (b_end <= mm_end(a)) {
		mm_remove(bi, i + 1);
		return;
	}
	b->base = mm_end(a);
	b->len = b_end - b->base;
	mm_resift(bi, i + 1);
}

/* Resolve an overlap between mmap[i] and mmap[i + 1]. Returns false when they were apart. */
static bool mm_resolve(struct bh_bootinfo *bi, unsigned i)
{
	struct bh_mem_range *a = &bi->mmap[i], *b = &bi->mmap[i + 1];

	if (mm_end(a) <= b->base)
		return false;
	if (a->type == b->type) {
		uint64_t end = mm_end(b) > mm_end(a) ? mm_end(b) : mm_end(a);

		a->len = end - a->base;
		mm_remove(bi, i + 1);
	} else if (mm_rank(a->type) >= mm_rank(b->type)) {
		mm_cut_later(bi, i);
	} else {
		mm_cut_earlier(bi, i);
	}
	return true;
}

/* Ranges are sorted and disjoint: fold touching neighbours of the same type. */
static void mm_merge_touching(struct bh_bootinfo *bi)
{
	unsigned i = 0;

	while (i + 1 < bi->mmap_count) {
		struct bh_mem_range *a = &bi->mmap[i], *b = &bi->mmap[i + 1];

		if (a->type == b->type && mm_end(a) == b->base) {
			a->len += b->len;
			mm_remove(bi, i + 1);
		} else {
			i++;
		}
	}
}

/*
 * Sweep left to right: once mmap[i] ends at or before mmap[i + 1].base it ends before every
 * later range too (sorted by base), so it is final. Each step that does not advance removes
 * overlap, so the sweep terminates.
 */
void memmap_normalize(struct bh_bootinfo *bi)
{
	unsigned i = 0;

	mm_sanitize(bi);
	mm_sort(bi);
	while (i + 1 < bi->mmap_count) {
		if (!mm_resolve(bi, i))
			i++;
	}
	mm_merge_touching(bi);
}

uint64_t memmap_ram_bytes(const struct bh_bootinfo *bi)
{
	uint64_t sum = 0;
	unsigned n = bi->mmap_count < BH_BOOT_MMAP_MAX ? bi->mmap_count : BH_BOOT_MMAP_MAX;

	for (unsigned i = 0; i < n; i++) {
		const struct bh_mem_range *r = &bi->mmap[i];
		bool ram = r->type == BH_MEM_USABLE || r->type == BH_MEM_ACPI_RECLAIM ||
			   r->type == BH_MEM_ACPI_NVS;

		if (ram)
			sum = r->len > UINT64_MAX - sum ? UINT64_MAX : sum + r->len;
	}
	return sum;
}

/* UEFI 2.10, "Memory Type Usage after ExitBootServices()" (EFI_MEMORY_TYPE): loader and
 * boot-services memory is free, runtime-services memory is not. */
uint32_t memmap_from_efi_type(uint32_t efi_type)
{
	switch (efi_type) {
	case 1: /* EfiLoaderCode */
	case 2: /* EfiLoaderData */
	case 3: /* EfiBootServicesCode */
	case 4: /* EfiBootServicesData */
	case 7: /* EfiConventionalMemory */
		return BH_MEM_USABLE;
	case 8: /* EfiUnusableMemory */
		return BH_MEM_BAD;
	case 9: /* EfiACPIReclaimMemory */
		return BH_MEM_ACPI_RECLAIM;
	case 10: /* EfiACPIMemoryNVS */
		return BH_MEM_ACPI_NVS;
	default: /* Reserved, RuntimeServices*, MMIO*, PalCode, Persistent, OEM/OS ranges */
		return BH_MEM_RESERVED;
	}
}
