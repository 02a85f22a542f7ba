/* SPDX-License-Identifier: MIT */
/* kernel.c - load bulkhead.elf at its link addresses and find the monitor's EFI entry.
 *
 * The image is checked by the same ELF validator the monitor uses for partition images
 * (lib/elf/elf-load.h) with the window [1 MiB, 4 GiB): the monitor's boot page tables map
 * the low 4 GiB, and below 1 MiB is firmware land. Each PT_LOAD range is then claimed with
 * AllocatePages(AllocateAddress) as EfiLoaderCode (firmware may map loader data NX) before
 * anything is written, so an image that collides with firmware memory is refused with a
 * message, never written over it.
 */
#include <stdbool.h>
#include <string.h>
#include "elf/elf-load.h"
#include <bulkhead/handover.h>
#include "loader.h"

#define KERNEL_MIN 0x100000ull
#define KERNEL_MAX (EFI_LOW_LIMIT + 1)

static uint64_t page_down(uint64_t v)
{
	return v & ~(EFI_PAGE - 1);
}

static uint64_t page_up(uint64_t v)
{
	return (v + EFI_PAGE - 1) & ~(EFI_PAGE - 1);
}

/* Segments by address: elf_check() guarantees they do not overlap, not their order. */
static void segs_sort(struct elf_image *img)
{
	for (uint32_t i = 1; i < img->nseg; i++)
		for (uint32_t j = i; j > 0 && img->seg[j - 1].vaddr > img->seg[j].vaddr; j--) {
			struct elf_seg t = img->seg[j];

			img->seg[j] = img->seg[j - 1];
			img->seg[j - 1] = t;
		}
}

/* Claim the pages of every segment; neighbours may share a page, which is claimed once. */
static EFI_STATUS segs_claim(struct loader *L, struct elf_image *img, const char *path)
{
	uint64_t claimed = 0;

	segs_sort(img);
	for (uint32_t i = 0; i < img->nseg; i++) {
		const struct elf_seg *sg = &img->seg[i];
		uint64_t lo = page_down(sg->vaddr), hi = page_up(sg->vaddr + sg->memsz);
		EFI_PHYSICAL_ADDRESS pa;
		EFI_STATUS s;

		lo = lo < claimed ? claimed : lo;
		if (lo >= hi)
			continue;
		pa = lo;
		s = loader_alloc(L, AllocateAddress, EfiLoaderCode, (hi - lo) / EFI_PAGE, &pa);
		if (EFI_ERROR(s))
			return con_fw_fail(s, "kernel %s: program header %u needs [%#llx-%#llx) at its "
					   "link address, and the firmware cannot give those pages",
					   path, sg->phdr, (unsigned long long)lo, (unsigned long long)hi);
		claimed = hi;
	}
	return EFI_SUCCESS;
}

static int sink_copy(void *ctx, uint64_t dst, const void *src, uint64_t len)
{
	memcpy((void *)(uintptr_t)dst, src, len);
	return 0;
}

static int sink_zero(void *ctx, uint64_t dst, uint64_t len)
{
	memset((void *)(uintptr_t)dst, 0, len);
	return 0;
}

/* include/bulkhead/handover.h: 8-byte steps over the first BH_EFI_HANDOVER_SEARCH bytes. */
static int handover_find(const uint8_t *file, uint64_t size, struct bh_efi_handover *h)
{
	uint64_t end = size < BH_EFI_HANDOVER_SEARCH ? size : BH_EFI_HANDOVER_SEARCH;

	for (uint64_t off = 0; off + sizeof(*h) <= end; off += 8) {
		memcpy(h, file + off, sizeof(*h));
		if (h->magic == BH_EFI_HANDOVER_MAGIC && h->magic + h->version + h->checksum == 0)
			return 0;
	}
	return -1;
}

static bool in_code(const struct elf_image *img, uint64_t addr)
{
	for (uint32_t i = 0; i < img->nseg; i++) {
		const struct elf_seg *sg = &img->seg[i];

		if ((sg->flags & ELF_PF_X) && addr >= sg->vaddr && addr - sg->vaddr < sg->filesz)
			return true;
	}
	return false;
}

static EFI_STATUS kernel_entry(struct loader *L, const struct file_data *f,
			       const struct elf_image *img, const char *path)
{
	struct bh_efi_handover h;

	if (handover_find(f->data, f->size, &h))
		return con_fail(EFI_UNSUPPORTED, "kernel %s: no EFI hand-over header in its first "
				"%u bytes: not a Bulkhead monitor image, or one built without EFI "
				"support", path, BH_EFI_HANDOVER_SEARCH);
	if (h.version != BH_EFI_HANDOVER_VERSION)
		return con_fail(EFI_INCOMPATIBLE_VERSION, "kernel %s: EFI hand-over version %u, this "
				"bulkhead.efi knows version %u", path, h.version,
				BH_EFI_HANDOVER_VERSION);
	if (!in_code(img, h.entry))
		return con_fail(EFI_LOAD_ERROR, "kernel %s: EFI entry %#llx lies in no executable "
				"segment", path, (unsigned long long)h.entry);
	L->entry = h.entry;
	return EFI_SUCCESS;
}

static EFI_STATUS kernel_place(struct loader *L, const struct file_data *f, const char *path)
{
	const struct elf_sink sink = { .copy = sink_copy, .zero = sink_zero };
	struct elf_image img;
	char err[160];
	EFI_STATUS s;

	if (elf_check(f->data, f->size, KERNEL_MIN, KERNEL_MAX, &img, err, sizeof(err)))
		return con_fail(EFI_LOAD_ERROR, "kernel %s: not a loadable ELF64 x86-64 executable "
				"for [1 MiB, 4 GiB): %s", path, err);
	s = kernel_entry(L, f, &img, path);
	if (!EFI_ERROR(s))
		s = segs_claim(L, &img, path);
	if (EFI_ERROR(s))
		return s;
	if (elf_load(f->data, f->size, KERNEL_MIN, KERNEL_MAX, &sink, NULL, err, sizeof(err)))
		return con_fail(EFI_LOAD_ERROR, "kernel %s: %s", path, err);
	con_note("kernel %s: %u segments in [%#llx-%#llx), EFI entry %#llx", path, img.nseg,
		 (unsigned long long)img.seg[0].vaddr,
		 (unsigned long long)(img.seg[img.nseg - 1].vaddr + img.seg[img.nseg - 1].memsz),
		 (unsigned long long)L->entry);
	return EFI_SUCCESS;
}

EFI_STATUS kernel_load(struct loader *L)
{
	char path[LOADER_PATH_MAX];
	struct file_data f;
	EFI_STATUS s = path_resolve(L, L->cfg.kernel, path, sizeof(path));

	if (!EFI_ERROR(s))
		s = file_read(L, path, "kernel", FILE_POOL, &f);
	if (EFI_ERROR(s))
		return s;
	s = kernel_place(L, &f, path);
	if (EFI_ERROR(L->bs->FreePool(f.data))) /* the loaded segments are all that is kept */
		con_note("warning: FreePool() of the kernel file's buffer failed");
	return s;
}
