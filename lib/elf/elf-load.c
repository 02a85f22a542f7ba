/* SPDX-License-Identifier: MIT */
/* elf-load.c - check and load a hostile static ELF64 x86-64 executable (contract in elf-load.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "elf/elf-load.h"
#include "fmt.h"

__attribute__((format(printf, 3, 4)))
static int reject(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		bh_vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -BH_EINVAL;
}

/* [base, base + len) inside [lo, hi), written so that nothing can overflow. */
static bool range_inside(uint64_t base, uint64_t len, uint64_t lo, uint64_t hi)
{
	return base >= lo && base <= hi && len <= hi - base;
}

static int check_ehdr(const struct elf64_ehdr *eh, uint64_t size, char *err, size_t errlen)
{
	const uint8_t *id = eh->e_ident;
	uint64_t table;

	if (id[0] != ELF_MAG0 || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return reject(err, errlen, "e_ident: bad ELF magic %02x %02x %02x %02x",
			      id[0], id[1], id[2], id[3]);
	if (id[4] != ELF_CLASS64)
		return reject(err, errlen, "e_ident: class %u, expected %u (ELFCLASS64)", id[4],
			      ELF_CLASS64);
	if (id[5] != ELF_DATA2LSB)
		return reject(err, errlen, "e_ident: data encoding %u, expected %u (little endian)",
			      id[5], ELF_DATA2LSB);
	if (id[6] != ELF_EV_CURRENT || eh->e_version != ELF_EV_CURRENT)
		return reject(err, errlen, "ELF version %u/%u, expected %u", id[6],
			      eh->e_version, ELF_EV_CURRENT);
	if (eh->e_type != ELF_ET_EXEC)
		return reject(err, errlen, "e_type %u, expected %u (ET_EXEC)", eh->e_type,
			      ELF_ET_EXEC);
	if (eh->e_machine != ELF_EM_X86_64)
		return reject(err, errlen, "e_machine %u, expected %u (EM_X86_64)",
			      eh->e_machine, ELF_EM_X86_64);
	if (eh->e_ehsize != sizeof(*eh))
		return reject(err, errlen, "e_ehsize %u, expected %zu", eh->e_ehsize, sizeof(*eh));
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return reject(err, errlen, "e_phentsize %u, expected %zu", eh->e_phentsize,
			      sizeof(struct elf64_phdr));
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS)
		return reject(err, errlen, "e_phnum %u, expected 1..%u", eh->e_phnum,
			      ELF_MAX_PHDRS);
	table = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);
	if (!range_inside(eh->e_phoff, table, 0, size))
		return reject(err, errlen,
			      "program headers [%#lx, +%#lx) outside the image (size %#lx)",
			      eh->e_phoff, table, size);
	return 0;
}

/* One PT_LOAD: sizes, file range, load window, VA = PA (or, ELF_LOAD_PADDR, placed by PA). */
static int check_load(unsigned i, const struct elf64_phdr *ph, uint64_t size,
		      uint64_t load_min, uint64_t load_max, unsigned flags, char *err,
		      size_t errlen)
{
	bool by_paddr = flags & ELF_LOAD_PADDR;
	uint64_t dst = by_paddr ? ph->p_paddr : ph->p_vaddr;
	const char *what = by_paddr ? "paddr" : "vaddr";

	if (ph->p_filesz > ph->p_memsz)
		return reject(err, errlen, "segment %u: p_filesz %#lx above p_memsz %#lx", i,
			      ph->p_filesz, ph->p_memsz);
	if (ph->p_filesz && !range_inside(ph->p_offset, ph->p_filesz, 0, size))
		return reject(err, errlen,
			      "segment %u: file range [%#lx, +%#lx) outside the image (size %#lx)",
			      i, ph->p_offset, ph->p_filesz, size);
	if (dst < load_min)
		return reject(err, errlen, "segment %u: %s %#lx below load window %#lx", i, what,
			      dst, load_min);
	if (!range_inside(dst, ph->p_memsz, load_min, load_max))
		return reject(err, errlen,
			      "segment %u: [%#lx, +%#lx) beyond load window end %#lx", i,
			      dst, ph->p_memsz, load_max);
	if (!by_paddr && ph->p_paddr != ph->p_vaddr)
		return reject(err, errlen, "segment %u: paddr %#lx differs from vaddr %#lx", i,
			      ph->p_paddr, ph->p_vaddr);
	return 0;
}

/* Read every program header once; keep the non-empty PT_LOADs in im. */
static int check_phdrs(const uint8_t *img, uint64_t size, const struct elf64_ehdr *eh,
		       uint64_t load_min, uint64_t load_max, unsigned flags, struct elf_image *im,
		       char *err, size_t errlen)
{
	struct elf64_phdr ph;
	int rc;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		memcpy(&ph, img + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == ELF_PT_INTERP || ph.p_type == ELF_PT_DYNAMIC)
			return reject(err, errlen, "segment %u: type %u needs a dynamic linker", i,
				      ph.p_type);
		if (ph.p_type != ELF_PT_LOAD)
			continue;
		rc = check_load(i, &ph, size, load_min, load_max, flags, err, errlen);
		if (rc)
			return rc;
		if (!ph.p_memsz)
			continue;
		if (im->nseg == ELF_MAX_LOADS)
			return reject(err, errlen, "segment %u: more than %u PT_LOAD segments", i,
				      ELF_MAX_LOADS);
		im->seg[im->nseg++] = (struct elf_seg){
			.vaddr = flags & ELF_LOAD_PADDR ? ph.p_paddr : ph.p_vaddr,
			.offset = ph.p_offset, .filesz = ph.p_filesz, .memsz = ph.p_memsz,
			.flags = ph.p_flags, .phdr = i, .linked = ph.p_vaddr,
		};
	}
	if (!im->nseg)
		return reject(err, errlen, "no PT_LOAD segment with p_memsz > 0");
	return 0;
}

static int check_overlap(const struct elf_image *im, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < im->nseg; i++) {
		for (uint32_t j = i + 1; j < im->nseg; j++) {
			const struct elf_seg *a = &im->seg[i], *b = &im->seg[j];

			/* Both ends were checked against load_max: no overflow. */
			if (a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz)
				return reject(err, errlen,
					      "segments %u and %u overlap: [%#lx, %#lx) and [%#lx, %#lx)",
					      a->phdr, b->phdr, a->vaddr, a->vaddr + a->memsz,
					      b->vaddr, b->vaddr + b->memsz);
		}
	}
	return 0;
}

/* e_entry in the file data of an executable segment: at its destination, or (ELF_LOAD_PADDR)
 * at the address it is linked at, then moved with the segment. */
static int check_entry(struct elf_image *im, unsigned flags, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < im->nseg; i++) {
		const struct elf_seg *s = &im->seg[i];

		if ((s->flags & ELF_PF_X) && im->entry >= s->vaddr &&
		    im->entry - s->vaddr < s->filesz)
			return 0;
	}
	for (uint32_t i = 0; (flags & ELF_LOAD_PADDR) && i < im->nseg; i++) {
		const struct elf_seg *s = &im->seg[i];

		if ((s->flags & ELF_PF_X) && im->entry >= s->linked &&
		    im->entry - s->linked < s->filesz) {
			im->entry = im->entry - s->linked + s->vaddr;
			return 0;
		}
	}
	return reject(err, errlen, "e_entry %#lx not inside an executable segment's file data",
		      im->entry);
}

static int check_image(const void *img, uint64_t size, uint64_t load_min, uint64_t load_max,
		       unsigned flags, struct elf_image *im, char *err, size_t errlen)
{
	struct elf64_ehdr eh;
	int rc;

	if (!img)
		return reject(err, errlen, "no image");
	if (flags & ~ELF_LOAD_PADDR)
		return reject(err, errlen, "unknown load flags %#x", flags);
	if (load_min >= load_max)
		return reject(err, errlen, "empty load window [%#lx, %#lx)", load_min, load_max);
	if (size < sizeof(eh))
		return reject(err, errlen, "image size %#lx smaller than the ELF header (%#zx)",
			      size, sizeof(eh));
	memcpy(&eh, img, sizeof(eh));
	rc = check_ehdr(&eh, size, err, errlen);
	if (rc)
		return rc;
	rc = check_phdrs(img, size, &eh, load_min, load_max, flags, im, err, errlen);
	if (rc)
		return rc;
	im->entry = eh.e_entry;
	rc = check_overlap(im, err, errlen);
	return rc ? rc : check_entry(im, flags, err, errlen);
}

int elf_check_flags(const void *img, uint64_t size, uint64_t load_min, uint64_t load_max,
		    unsigned flags, struct elf_image *out, char *err, size_t errlen)
{
	struct elf_image local;
	struct elf_image *im = out ? out : &local;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	memset(im, 0, sizeof(*im));
	rc = check_image(img, size, load_min, load_max, flags, im, err, errlen);
	if (rc)
		memset(im, 0, sizeof(*im));
	return rc;
}

int elf_check(const void *img, uint64_t size, uint64_t load_min, uint64_t load_max,
	      struct elf_image *out, char *err, size_t errlen)
{
	return elf_check_flags(img, size, load_min, load_max, 0, out, err, errlen);
}

int elf_load_flags(const void *img, uint64_t size, uint64_t load_min, uint64_t load_max,
		   unsigned flags, const struct elf_sink *sink, uint64_t *entry, char *err,
		   size_t errlen)
{
	struct elf_image im;
	int rc;

	if (!sink || !sink->copy || !sink->zero)
		return reject(err, errlen, "no sink to load into");
	/* Not elf_check(): its spare elf_image would double the stack use. */
	if (err && errlen)
		err[0] = '\0';
	memset(&im, 0, sizeof(im));
	rc = check_image(img, size, load_min, load_max, flags, &im, err, errlen);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < im.nseg; i++) {
		const struct elf_seg *s = &im.seg[i];

		rc = s->filesz ? sink->copy(sink->ctx, s->vaddr,
					    (const uint8_t *)img + s->offset, s->filesz) : 0;
		if (!rc && s->memsz > s->filesz)
			rc = sink->zero(sink->ctx, s->vaddr + s->filesz, s->memsz - s->filesz);
		if (rc) {
			if (err && errlen)
				bh_snprintf(err, errlen, "segment %u: writing [%#lx, %#lx) failed (%d)",
					    s->phdr, s->vaddr, s->vaddr + s->memsz, rc);
			return rc;
		}
	}
	if (entry)
		*entry = im.entry;
	return 0;
}

int elf_load(const void *img, uint64_t size, uint64_t load_min, uint64_t load_max,
	     const struct elf_sink *sink, uint64_t *entry, char *err, size_t errlen)
{
	return elf_load_flags(img, size, load_min, load_max, 0, sink, entry, err, errlen);
}
