/* SPDX-License-Identifier: MIT */
/* test_elf.c - ELF loader: valid images, every rejection, sink contract, placement by p_paddr,
 * mutation fuzzing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "elf/elf-load.h"

#define WIN_MIN  0x200000ull
#define WIN_SIZE 0x10000ull
#define WIN_MAX  (WIN_MIN + WIN_SIZE)
#define PH0      0x40   /* program header 0 in the template image */
#define TEXT_OFF 0x1000 /* segment 0: R X, 0x100 bytes at WIN_MIN */
#define DATA_OFF 0x2000 /* segment 1: R W, 0x80 bytes + 0xf80 of bss at WIN_MIN + 0x1000 */
#define IMG_SIZE 0x2080
#define ENTRY    (WIN_MIN + 0x10)

/* Guest memory for [WIN_MIN, WIN_MAX); checks the sink contract on every call. */
struct mem {
	uint8_t buf[WIN_SIZE];
	const uint8_t *img;
	uint64_t img_size;
	int calls;
	int fail_copy, fail_zero; /* return an error on this call number (1-based), 0 = never */
	uint64_t done_lo[2 * ELF_MAX_LOADS], done_hi[2 * ELF_MAX_LOADS];
};

static void sink_range(struct mem *m, uint64_t dst, uint64_t len)
{
	assert_true(len > 0);
	assert_true(dst >= WIN_MIN && dst <= WIN_MAX && len <= WIN_MAX - dst);
	for (int i = 0; i < m->calls; i++) /* no byte written twice */
		assert_true(dst + len <= m->done_lo[i] || dst >= m->done_hi[i]);
	assert_true(m->calls < 2 * ELF_MAX_LOADS);
	m->done_lo[m->calls] = dst;
	m->done_hi[m->calls] = dst + len;
	m->calls++;
}

static int sink_copy(void *ctx, uint64_t dst, const void *src, uint64_t len)
{
	struct mem *m = ctx;
	const uint8_t *s = src;

	sink_range(m, dst, len);
	assert_true(s >= m->img && (uint64_t)(s - m->img) <= m->img_size &&
		    len <= m->img_size - (uint64_t)(s - m->img));
	if (m->calls == m->fail_copy)
		return -BH_EFAULT;
	memcpy(m->buf + (dst - WIN_MIN), src, len);
	return 0;
}

static int sink_zero(void *ctx, uint64_t dst, uint64_t len)
{
	struct mem *m = ctx;

	sink_range(m, dst, len);
	if (m->calls == m->fail_zero)
		return -BH_ENOMEM;
	memset(m->buf + (dst - WIN_MIN), 0, len);
	return 0;
}

static struct mem *mem_new(void)
{
	struct mem *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	memset(m->buf, 0xaa, sizeof(m->buf));
	return m;
}

static void put_ph(uint8_t *img, unsigned i, uint32_t type, uint32_t flags, uint64_t off,
		   uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	struct elf64_phdr ph = { .p_type = type, .p_flags = flags, .p_offset = off,
				 .p_vaddr = vaddr, .p_paddr = vaddr, .p_filesz = filesz,
				 .p_memsz = memsz, .p_align = 0x1000 };

	memcpy(img + PH0 + i * sizeof(ph), &ph, sizeof(ph));
}

/* The template: text, data + bss, and a PT_GNU_STACK to ignore, in an exact-size heap
 * buffer so that ASan sees any read past its end. */
static uint8_t *image_new(void)
{
	uint8_t *img = calloc(1, IMG_SIZE);
	struct elf64_ehdr eh = {
		.e_ident = { ELF_MAG0, 'E', 'L', 'F', ELF_CLASS64, ELF_DATA2LSB, ELF_EV_CURRENT },
		.e_type = ELF_ET_EXEC, .e_machine = ELF_EM_X86_64, .e_version = ELF_EV_CURRENT,
		.e_entry = ENTRY, .e_phoff = PH0, .e_ehsize = sizeof(eh),
		.e_phentsize = sizeof(struct elf64_phdr), .e_phnum = 3,
	};

	assert_non_null(img);
	memcpy(img, &eh, sizeof(eh));
	put_ph(img, 0, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, TEXT_OFF, WIN_MIN, 0x100, 0x100);
	put_ph(img, 1, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, DATA_OFF, WIN_MIN + 0x1000, 0x80, 0x1000);
	put_ph(img, 2, 0x6474e551 /* PT_GNU_STACK */, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0);
	for (int i = 0; i < 0x100; i++)
		img[TEXT_OFF + i] = (uint8_t)(i ^ 0x5a);
	for (int i = 0; i < 0x80; i++)
		img[DATA_OFF + i] = (uint8_t)(i + 1);
	return img;
}

static void patch(uint8_t *img, size_t off, unsigned width, uint64_t v)
{
	memcpy(img + off, &v, width); /* little endian host */
}

static int load(const uint8_t *img, uint64_t size, struct mem *m, uint64_t *entry, char *err,
		size_t errlen)
{
	struct elf_sink sink = { .ctx = m, .copy = sink_copy, .zero = sink_zero };

	m->img = img;
	m->img_size = size;
	return elf_load(img, size, WIN_MIN, WIN_MAX, &sink, entry, err, errlen);
}

static void test_valid_image(void **state)
{
	uint8_t *img = image_new();
	struct mem *m = mem_new();
	uint64_t entry = 0;
	char err[128] = "untouched";

	assert_int_equal(load(img, IMG_SIZE, m, &entry, err, sizeof(err)), 0);
	assert_int_equal(entry, ENTRY);
	assert_string_equal(err, "");
	assert_int_equal(m->calls, 3); /* text copy, data copy, bss zero */
	assert_memory_equal(m->buf, img + TEXT_OFF, 0x100);
	assert_memory_equal(m->buf + 0x1000, img + DATA_OFF, 0x80);
	for (int i = 0x1080; i < 0x2000; i++)
		assert_int_equal(m->buf[i], 0);
	for (int i = 0x100; i < 0x1000; i++) /* the gap is not the loader's to touch */
		assert_int_equal(m->buf[i], 0xaa);
	assert_int_equal(m->buf[0x2000], 0xaa);
	free(m);
	free(img);
}

static void test_check_snapshot(void **state)
{
	uint8_t *img = image_new();
	struct elf_image im;

	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, &im, NULL, 0), 0);
	assert_int_equal(im.entry, ENTRY);
	assert_int_equal(im.nseg, 2);
	assert_int_equal(im.seg[1].vaddr, WIN_MIN + 0x1000);
	assert_int_equal(im.seg[1].offset, DATA_OFF);
	assert_int_equal(im.seg[1].filesz, 0x80);
	assert_int_equal(im.seg[1].memsz, 0x1000);
	assert_int_equal(im.seg[1].flags, ELF_PF_R | ELF_PF_W);
	assert_int_equal(im.seg[1].phdr, 1);
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, NULL, NULL, 0), 0);
	patch(img, 0, 1, 0); /* a failed check clears the snapshot */
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, &im, NULL, 0), -BH_EINVAL);
	assert_int_equal(im.nseg, 0);
	assert_int_equal(im.entry, 0);
	free(img);
}

/* A rejection: up to two patches of the template, the message fragment expected. */
struct bad {
	const char *what;
	size_t off[2];
	unsigned width[2];
	uint64_t val[2];
	const char *msg;
};

#define EH(f)     offsetof(struct elf64_ehdr, f)
#define PH(i, f)  (PH0 + (i) * sizeof(struct elf64_phdr) + offsetof(struct elf64_phdr, f))
#define W(f)      sizeof(((struct elf64_phdr *)0)->f)
#define EW(f)     sizeof(((struct elf64_ehdr *)0)->f)
#define P1(o, w, v)                 { o }, { w }, { v }
#define P2(o1, w1, v1, o2, w2, v2)  { o1, o2 }, { w1, w2 }, { v1, v2 }

static const struct bad bads[] = {
	{ "magic 0", P1(0, 1, 0x7e), "bad ELF magic 7e 45 4c 46" },
	{ "magic 1", P1(1, 1, 'e'), "bad ELF magic 7f 65 4c 46" },
	{ "magic 3", P1(3, 1, 'f'), "bad ELF magic" },
	{ "class 32", P1(4, 1, 1), "class 1, expected 2" },
	{ "big endian", P1(5, 1, 2), "data encoding 2, expected 1" },
	{ "ident version", P1(6, 1, 0), "ELF version 0/1" },
	{ "e_version", P1(EH(e_version), EW(e_version), 2), "ELF version 1/2" },
	{ "ET_DYN", P1(EH(e_type), EW(e_type), 3), "e_type 3, expected 2" },
	{ "ET_REL", P1(EH(e_type), EW(e_type), 1), "e_type 1" },
	{ "i386", P1(EH(e_machine), EW(e_machine), 3), "e_machine 3, expected 62" },
	{ "ehsize", P1(EH(e_ehsize), EW(e_ehsize), 52), "e_ehsize 52, expected 64" },
	{ "phentsize 32", P1(EH(e_phentsize), EW(e_phentsize), 32), "e_phentsize 32, expected 56" },
	{ "phentsize 64", P1(EH(e_phentsize), EW(e_phentsize), 64), "e_phentsize 64" },
	{ "phnum 0", P1(EH(e_phnum), EW(e_phnum), 0), "e_phnum 0, expected 1..64" },
	{ "phnum 65", P1(EH(e_phnum), EW(e_phnum), 65), "e_phnum 65" },
	{ "phnum PN_XNUM", P1(EH(e_phnum), EW(e_phnum), 0xffff), "e_phnum 65535" },
	{ "phoff at end", P1(EH(e_phoff), EW(e_phoff), IMG_SIZE), "program headers [0x2080, +0xa8) outside the image (size 0x2080)" },
	{ "phoff past end", P1(EH(e_phoff), EW(e_phoff), IMG_SIZE - 0x38), "program headers" },
	{ "phoff wraps", P1(EH(e_phoff), EW(e_phoff), UINT64_MAX - 0x10), "program headers" },
	{ "PT_INTERP", P1(PH(0, p_type), W(p_type), ELF_PT_INTERP), "segment 0: type 3 needs a dynamic linker" },
	{ "PT_DYNAMIC", P1(PH(2, p_type), W(p_type), ELF_PT_DYNAMIC), "segment 2: type 2 needs a dynamic linker" },
	{ "filesz > memsz", P1(PH(0, p_filesz), W(p_filesz), 0x101), "segment 0: p_filesz 0x101 above p_memsz 0x100" },
	{ "offset at end", P1(PH(1, p_offset), W(p_offset), IMG_SIZE), "segment 1: file range [0x2080, +0x80) outside the image (size 0x2080)" },
	{ "offset straddles", P1(PH(1, p_offset), W(p_offset), IMG_SIZE - 0x7f), "segment 1: file range" },
	{ "offset wraps", P1(PH(1, p_offset), W(p_offset), UINT64_MAX - 0x10), "segment 1: file range" },
	{ "filesz huge", P2(PH(1, p_filesz), 8, UINT64_MAX, PH(1, p_memsz), 8, UINT64_MAX), "segment 1: file range" },
	{ "vaddr below", P2(PH(1, p_vaddr), 8, 0x1000, PH(1, p_paddr), 8, 0x1000), "segment 1: vaddr 0x1000 below load window 0x200000" },
	{ "vaddr zero", P2(PH(0, p_vaddr), 8, 0, PH(0, p_paddr), 8, 0), "segment 0: vaddr 0 below load window 0x200000" },
	{ "end beyond", P2(PH(1, p_vaddr), 8, WIN_MAX - 0xfff, PH(1, p_paddr), 8, WIN_MAX - 0xfff), "segment 1: [0x20f001, +0x1000) beyond load window end 0x210000" },
	{ "vaddr at end", P2(PH(0, p_vaddr), 8, WIN_MAX, PH(0, p_paddr), 8, WIN_MAX), "beyond load window end" },
	{ "vaddr wraps", P2(PH(1, p_vaddr), 8, UINT64_MAX - 0x7f, PH(1, p_paddr), 8, UINT64_MAX - 0x7f), "beyond load window end" },
	{ "memsz huge", P1(PH(1, p_memsz), W(p_memsz), UINT64_MAX), "segment 1: [0x201000, +0xffffffffffffffff) beyond load window end" },
	{ "paddr differs", P1(PH(1, p_paddr), W(p_paddr), 0x9000), "segment 1: paddr 0x9000 differs from vaddr 0x201000" },
	{ "overlap", P2(PH(1, p_vaddr), 8, WIN_MIN + 0xff, PH(1, p_paddr), 8, WIN_MIN + 0xff), "segments 0 and 1 overlap: [0x200000, 0x200100) and [0x2000ff, 0x2010ff)" },
	{ "same vaddr", P2(PH(1, p_vaddr), 8, WIN_MIN, PH(1, p_paddr), 8, WIN_MIN), "segments 0 and 1 overlap" },
	{ "entry outside", P1(EH(e_entry), EW(e_entry), 0x100), "e_entry 0x100 not inside an executable segment's file data" },
	{ "entry at end", P1(EH(e_entry), EW(e_entry), WIN_MIN + 0x100), "e_entry 0x200100" },
	{ "entry in data", P1(EH(e_entry), EW(e_entry), WIN_MIN + 0x1000), "e_entry 0x201000" },
	{ "entry in bss", P2(EH(e_entry), 8, WIN_MIN + 0x80, PH(0, p_filesz), 8, 0x80), "e_entry 0x200080" },
	{ "text not X", P1(PH(0, p_flags), W(p_flags), ELF_PF_R), "e_entry 0x200010" },
	{ "no loads", P2(PH(0, p_type), 4, 4, PH(1, p_type), 4, 4), "no PT_LOAD segment with p_memsz > 0" },
	{ "memsz 0", P1(PH(0, p_memsz), W(p_memsz), 0), "segment 0: p_filesz 0x100 above p_memsz 0" },
};

static void test_rejections(void **state)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		uint8_t *img = image_new();
		struct mem *m = mem_new();
		uint64_t entry = 0x1234;
		char err[160];

		for (int p = 0; p < 2 && b->width[p]; p++)
			patch(img, b->off[p], b->width[p], b->val[p]);
		print_message("%-18s -> ", b->what);
		assert_int_equal(load(img, IMG_SIZE, m, &entry, err, sizeof(err)), -BH_EINVAL);
		print_message("%s\n", err);
		assert_non_null(strstr(err, b->msg));
		assert_int_equal(m->calls, 0); /* nothing written */
		assert_int_equal(entry, 0x1234);
		free(m);
		free(img);
	}
}

static void test_bad_arguments(void **state)
{
	uint8_t *img = image_new();
	struct mem *m = mem_new();
	struct elf_sink sink = { .ctx = m, .copy = sink_copy, .zero = sink_zero };
	struct elf_sink half = { .ctx = m, .copy = sink_copy };
	char err[128];

	assert_int_equal(elf_check(NULL, 100, WIN_MIN, WIN_MAX, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "no image");
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MAX, WIN_MAX, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "empty load window [0x210000, 0x210000)");
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MAX, WIN_MIN, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_int_equal(elf_check(img, 63, WIN_MIN, WIN_MAX, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "image size 0x3f smaller than the ELF header (0x40)");
	assert_int_equal(elf_check(img, 0, WIN_MIN, WIN_MAX, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_int_equal(elf_load(img, IMG_SIZE, WIN_MIN, WIN_MAX, NULL, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "no sink to load into");
	assert_int_equal(elf_load(img, IMG_SIZE, WIN_MIN, WIN_MAX, &half, NULL, err, sizeof(err)), -BH_EINVAL);
	/* The window may be exactly the image: [WIN_MIN, WIN_MIN + 0x2000). */
	m->img = img;
	m->img_size = IMG_SIZE;
	assert_int_equal(elf_load(img, IMG_SIZE, WIN_MIN, WIN_MIN + 0x2000, &sink, NULL, NULL, 0), 0);
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MIN + 0x1fff, NULL, NULL, 0), -BH_EINVAL);
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN + 1, WIN_MAX, NULL, NULL, 0), -BH_EINVAL);
	free(m);
	free(img);
}

static void test_error_buffer(void **state)
{
	uint8_t *img = image_new();
	char err[8];

	patch(img, EH(e_machine), 2, 3);
	memset(err, 'x', sizeof(err));
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "e_machi"); /* truncated, terminated */
	memset(err, 'x', sizeof(err));
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, NULL, err, 1), -BH_EINVAL);
	assert_int_equal(err[0], '\0');
	assert_int_equal(err[1], 'x');
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, NULL, err, 0), -BH_EINVAL);
	assert_int_equal(err[1], 'x');
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, NULL, NULL, 100), -BH_EINVAL);
	free(img);
}

static void test_sink_errors(void **state)
{
	uint8_t *img = image_new();
	struct mem *m = mem_new();
	uint64_t entry = 7;
	char err[128];

	m->fail_copy = 2; /* the data segment's copy */
	assert_int_equal(load(img, IMG_SIZE, m, &entry, err, sizeof(err)), -BH_EFAULT);
	assert_string_equal(err, "segment 1: writing [0x201000, 0x202000) failed (-14)");
	assert_int_equal(entry, 7);
	free(m);
	m = mem_new();
	m->fail_zero = 3;
	assert_int_equal(load(img, IMG_SIZE, m, &entry, err, sizeof(err)), -BH_ENOMEM);
	assert_non_null(strstr(err, "segment 1: writing"));
	free(m);
	free(img);
}

/* memsz 0 segments are checked but not written; filesz 0 segments are zeroed only. */
static void test_empty_and_bss_only(void **state)
{
	uint8_t *img = image_new();
	struct mem *m = mem_new();
	char err[64];

	put_ph(img, 2, ELF_PT_LOAD, ELF_PF_R, 0, WIN_MIN + 0x3000, 0, 0);
	assert_int_equal(load(img, IMG_SIZE, m, NULL, NULL, 0), 0);
	assert_int_equal(m->calls, 3);
	free(m);
	m = mem_new();
	put_ph(img, 2, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, UINT64_MAX, WIN_MIN + 0x3000, 0, 0x10);
	assert_int_equal(load(img, IMG_SIZE, m, NULL, NULL, 0), 0);
	assert_int_equal(m->calls, 4);
	assert_int_equal(m->buf[0x3000], 0);
	assert_int_equal(m->buf[0x3010], 0xaa);
	free(m);
	put_ph(img, 2, ELF_PT_LOAD, ELF_PF_R, 0, 0x1000, 0, 0); /* still checked */
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, NULL, NULL, 0), -BH_EINVAL);
	put_ph(img, 0, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0, WIN_MIN, 0, 0);
	put_ph(img, 1, ELF_PT_LOAD, ELF_PF_R, 0, WIN_MIN, 0, 0);
	put_ph(img, 2, ELF_PT_LOAD, ELF_PF_R, 0, WIN_MIN, 0, 0);
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "no PT_LOAD segment with p_memsz > 0");
	free(img);
}

/* ELF_MAX_LOADS segments load; one more is refused. */
static void test_segment_limit(void **state)
{
	size_t size = PH0 + (ELF_MAX_LOADS + 1) * sizeof(struct elf64_phdr) + 0x10;
	uint8_t *img = image_new(), *big = calloc(1, size);
	struct mem *m = mem_new();
	char err[128];

	assert_non_null(big);
	memcpy(big, img, sizeof(struct elf64_ehdr));
	patch(big, EH(e_phnum), 2, ELF_MAX_LOADS);
	for (unsigned i = 0; i < ELF_MAX_LOADS + 1; i++)
		put_ph(big, i, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, size - 0x10, WIN_MIN + i * 0x10,
		       0x10, 0x10);
	assert_int_equal(load(big, size, m, NULL, err, sizeof(err)), 0);
	assert_int_equal(m->calls, ELF_MAX_LOADS);
	patch(big, EH(e_phnum), 2, ELF_MAX_LOADS + 1);
	assert_int_equal(elf_check(big, size, WIN_MIN, WIN_MAX, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "segment 16: more than 16 PT_LOAD segments");
	free(m);
	free(big);
	free(img);
}

/* Headers at odd addresses: the loader copies them, it never dereferences them in place. */
static void test_unaligned(void **state)
{
	uint8_t *img = image_new(), *odd = malloc(IMG_SIZE + 1);
	struct mem *m = mem_new();
	uint64_t entry = 0;

	assert_non_null(odd);
	memcpy(odd + 1, img, IMG_SIZE);
	assert_int_equal(load(odd + 1, IMG_SIZE, m, &entry, NULL, 0), 0);
	assert_int_equal(entry, ENTRY);
	free(m);
	free(odd);
	free(img);
}

/* An executable linked by the build with lib/rt/partition.ld (ELF_FIXTURE, see elf.mk). */
static void test_linked_fixture(void **state)
{
	FILE *f = fopen(ELF_FIXTURE, "rb");
	struct elf64_ehdr eh;
	struct elf_image im;
	struct mem *m = mem_new();
	uint8_t *img;
	long size;
	uint64_t entry = 0;
	char err[128];

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	img = malloc((size_t)size);
	assert_non_null(img);
	assert_int_equal(fread(img, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	memcpy(&eh, img, sizeof(eh));

	assert_int_equal(elf_check(img, (uint64_t)size, WIN_MIN, WIN_MAX, &im, err, sizeof(err)), 0);
	assert_int_equal(im.entry, WIN_MIN); /* partition.ld puts _start first */
	assert_true(im.nseg >= 2);
	for (uint32_t i = 0; i < im.nseg; i++)
		assert_int_equal(im.seg[i].vaddr % 0x1000, 0);
	assert_int_equal(load(img, (uint64_t)size, m, &entry, err, sizeof(err)), 0);
	assert_int_equal(entry, eh.e_entry);
	for (uint32_t i = 0; i < im.nseg; i++) {
		const struct elf_seg *s = &im.seg[i];

		assert_memory_equal(m->buf + (s->vaddr - WIN_MIN), img + s->offset, s->filesz);
		for (uint64_t b = s->filesz; b < s->memsz; b++)
			assert_int_equal(m->buf[s->vaddr - WIN_MIN + b], 0);
	}
	/* Below the image base or too small a window: refused. */
	assert_int_equal(elf_check(img, (uint64_t)size, WIN_MIN + 0x1000, WIN_MAX, NULL, NULL, 0), -BH_EINVAL);
	assert_int_equal(elf_check(img, (uint64_t)size, WIN_MIN, WIN_MIN + 0x1000, NULL, NULL, 0), -BH_EINVAL);
	free(m);
	free(img);
}

/* ELF_LOAD_PADDR, as for a Linux vmlinux: linked high, placed by p_paddr, e_entry either. */
#define LINKED 0xffffffff80000000ull

static int load_paddr(const uint8_t *img, struct mem *m, uint64_t *entry, char *err,
		      size_t errlen)
{
	struct elf_sink sink = { .ctx = m, .copy = sink_copy, .zero = sink_zero };

	m->img = img;
	m->img_size = IMG_SIZE;
	return elf_load_flags(img, IMG_SIZE, WIN_MIN, WIN_MAX, ELF_LOAD_PADDR, &sink, entry, err,
			      errlen);
}

static void test_paddr(void **state)
{
	uint8_t *img = image_new();
	struct mem *m = mem_new();
	struct elf_image im;
	uint64_t entry = 0;
	char err[128];

	patch(img, PH(0, p_vaddr), 8, LINKED + WIN_MIN);
	patch(img, PH(1, p_vaddr), 8, 0); /* like the per-CPU segment */
	assert_int_equal(elf_check(img, IMG_SIZE, WIN_MIN, WIN_MAX, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "segment 0: [0xffffffff80200000, +0x100) beyond load window end 0x210000");
	assert_int_equal(load_paddr(img, m, &entry, err, sizeof(err)), 0);
	assert_int_equal(entry, ENTRY); /* physical e_entry as it is */
	assert_memory_equal(m->buf, img + TEXT_OFF, 0x100);
	assert_memory_equal(m->buf + 0x1000, img + DATA_OFF, 0x80);
	assert_int_equal(elf_check_flags(img, IMG_SIZE, WIN_MIN, WIN_MAX, ELF_LOAD_PADDR, &im, NULL, 0), 0);
	assert_int_equal(im.seg[0].vaddr, WIN_MIN);
	assert_int_equal(im.seg[0].linked, LINKED + WIN_MIN);
	assert_int_equal(im.seg[1].vaddr, WIN_MIN + 0x1000);
	assert_int_equal(im.seg[1].linked, 0);
	free(m);

	m = mem_new(); /* a virtual e_entry moves with its segment */
	patch(img, EH(e_entry), 8, LINKED + WIN_MIN + 0x20);
	assert_int_equal(load_paddr(img, m, &entry, err, sizeof(err)), 0);
	assert_int_equal(entry, WIN_MIN + 0x20);
	free(m);

	m = mem_new(); /* ... but only into an executable segment's file data */
	patch(img, EH(e_entry), 8, 0x10);
	assert_int_equal(load_paddr(img, m, &entry, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "e_entry 0x10 not inside an executable segment's file data");
	patch(img, EH(e_entry), 8, LINKED + WIN_MIN + 0x100);
	assert_int_equal(load_paddr(img, m, &entry, err, sizeof(err)), -BH_EINVAL);
	assert_int_equal(m->calls, 0);

	patch(img, EH(e_entry), 8, ENTRY); /* the window and overlaps apply to p_paddr */
	patch(img, PH(1, p_paddr), 8, 0x1000);
	assert_int_equal(load_paddr(img, m, &entry, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "segment 1: paddr 0x1000 below load window 0x200000");
	patch(img, PH(1, p_paddr), 8, WIN_MAX - 0x800);
	assert_int_equal(load_paddr(img, m, &entry, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "segment 1: [0x20f800, +0x1000) beyond load window end 0x210000");
	patch(img, PH(1, p_paddr), 8, WIN_MIN + 0x80);
	assert_int_equal(load_paddr(img, m, &entry, err, sizeof(err)), -BH_EINVAL);
	assert_non_null(strstr(err, "segments 0 and 1 overlap"));
	assert_int_equal(m->calls, 0);
	assert_int_equal(elf_check_flags(img, IMG_SIZE, WIN_MIN, WIN_MAX, 2, NULL, err, sizeof(err)), -BH_EINVAL);
	assert_string_equal(err, "unknown load flags 0x2");
	free(m);
	free(img);
}

/* Whatever the bytes, elf_load() returns without reading outside the image (ASan) and the
 * sink only sees writes inside the window that never overlap (sink_range). */
static int accepted; /* how many mutated images loaded: the fuzzing reaches the loader */

static void try_image(const uint8_t *src, size_t size)
{
	uint8_t *img = malloc(size ? size : 1);
	struct mem *m = mem_new();
	char err[96];
	int rc;

	memcpy(img, src, size);
	rc = load(img, size, m, NULL, err, sizeof(err));
	assert_true(rc == 0 || rc == -BH_EINVAL);
	assert_true(strlen(err) < sizeof(err));
	if (rc)
		assert_int_equal(m->calls, 0);
	accepted += rc == 0;
	free(m);
	free(img);
}

static void test_truncation(void **state)
{
	uint8_t *img = image_new();

	for (size_t n = 0; n <= IMG_SIZE; n++)
		try_image(img, n);
	free(img);
}

static void test_byte_flips(void **state)
{
	static const uint8_t flips[] = { 0x01, 0x80, 0xff, 0x10 };
	uint8_t *img = image_new();
	size_t hdrs = PH0 + 3 * sizeof(struct elf64_phdr);

	for (size_t off = 0; off < hdrs; off++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			img[off] ^= flips[f];
			try_image(img, IMG_SIZE);
			img[off] ^= flips[f];
		}
	}
	free(img);
}

/* Random header fields set to boundary values, fixed seed: reproducible. */
static void test_random_fields(void **state)
{
	static const uint64_t vals[] = { 0, 1, 0x38, 0x40, IMG_SIZE, IMG_SIZE - 1, WIN_MIN,
					 WIN_MAX, WIN_MAX - 1, WIN_MIN + 0x1000, 0x7fffffffffffffffull,
					 UINT64_MAX, UINT64_MAX - 0x37, 0xffffffff, 0x10000 };
	static const unsigned widths[] = { 1, 2, 4, 8 };
	size_t hdrs = PH0 + 3 * sizeof(struct elf64_phdr);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint8_t *img = image_new(), *work = malloc(IMG_SIZE);

	assert_non_null(work);
	accepted = 0;
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(work, img, IMG_SIZE);
		for (int k = 0; k < 3; k++) {
			unsigned w;

			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			w = widths[seed % 4];
			patch(work, (size_t)(seed >> 8) % (hdrs - w + 1), w,
			      vals[(seed >> 32) % (sizeof(vals) / sizeof(vals[0]))]);
		}
		try_image(work, IMG_SIZE);
	}
	print_message("random fields: %d of 20000 images accepted\n", accepted);
	assert_true(accepted > 100);
	free(work);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_image),
		cmocka_unit_test(test_check_snapshot),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_sink_errors),
		cmocka_unit_test(test_empty_and_bss_only),
		cmocka_unit_test(test_segment_limit),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_linked_fixture),
		cmocka_unit_test(test_paddr),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_byte_flips),
		cmocka_unit_test(test_random_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
