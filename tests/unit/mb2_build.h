/* SPDX-License-Identifier: MIT */
/* mb2_build.h - test helpers: build, load and fuzz Multiboot2 information blocks under ASan. */
#ifndef TESTS_UNIT_MB2_BUILD_H
#define TESTS_UNIT_MB2_BUILD_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "monitor/mb2.h"
#include "monitor/memmap.h"

#define MBB_MAX  16384
#define INFO_PA  0x10000ull
#define ERR_LEN  256

/* A Multiboot2 information block under construction (3.6 Boot information format). */
struct mbb {
	_Alignas(8) uint8_t b[MBB_MAX];
	uint32_t len;
	uint32_t tag; /* offset of the open tag */
};

static struct mbb mb;
static struct bh_bootinfo bi;
static char err[ERR_LEN];

static inline void put(const void *p, size_t n)
{
	assert_true(mb.len + n <= MBB_MAX);
	memcpy(mb.b + mb.len, p, n);
	mb.len += (uint32_t)n;
}

static inline void put32(uint32_t v)
{
	put(&v, 4);
}

static inline void put64(uint64_t v)
{
	put(&v, 8);
}

static inline void set32(uint32_t off, uint32_t v)
{
	memcpy(mb.b + off, &v, 4);
}

static inline void pad8(void)
{
	while (mb.len % 8)
		mb.b[mb.len++] = 0;
}

static inline void begin(void)
{
	memset(&mb, 0, sizeof(mb));
	mb.len = 8;
}

static inline uint32_t open_tag(uint32_t type)
{
	pad8();
	mb.tag = mb.len;
	put32(type);
	put32(0);
	return mb.tag;
}

static inline void close_tag(void)
{
	set32(mb.tag + 4, mb.len - mb.tag);
}

/* End tag, then total_size; returns the block length. */
static inline uint32_t finish(void)
{
	open_tag(0);
	close_tag();
	set32(0, mb.len);
	return mb.len;
}

static inline uint32_t tag_str(uint32_t type, const char *s)
{
	uint32_t off = open_tag(type);

	put(s, strlen(s) + 1);
	close_tag();
	return off;
}

static inline uint32_t tag_module(uint32_t start, uint32_t end, const char *name)
{
	uint32_t off = open_tag(3);

	put32(start);
	put32(end);
	put(name, strlen(name) + 1);
	close_tag();
	return off;
}

struct e820 {
	uint64_t base, len;
	uint32_t type;
};

static inline uint32_t tag_mmap(const struct e820 *e, unsigned n, uint32_t esize)
{
	uint32_t off = open_tag(6);
	uint8_t zero[64] = { 0 };

	put32(esize);
	put32(0);
	for (unsigned i = 0; i < n; i++) {
		put64(e[i].base);
		put64(e[i].len);
		put32(e[i].type);
		put(zero, esize - 20);
	}
	close_tag();
	return off;
}

struct efi_desc {
	uint32_t type;
	uint64_t base, pages;
};

static inline uint32_t tag_efi_mmap(const struct efi_desc *d, unsigned n, uint32_t dsize)
{
	uint32_t off = open_tag(17);
	uint8_t zero[64] = { 0 };

	put32(dsize);
	put32(1);
	for (unsigned i = 0; i < n; i++) {
		put32(d[i].type);
		put32(0);
		put64(d[i].base);
		put64(0);
		put64(d[i].pages);
		put64(0xf);
		put(zero, dsize - 40);
	}
	close_tag();
	return off;
}

static inline void tag_u64(uint32_t type, uint64_t v)
{
	open_tag(type);
	put64(v);
	close_tag();
}

static inline void tag_u32(uint32_t type, uint32_t v)
{
	open_tag(type);
	put32(v);
	close_tag();
}

static inline void tag_rsdp(uint32_t type, unsigned n, uint8_t fill)
{
	uint8_t r[36];

	memcpy(r, "RSD PTR ", 8);
	memset(r + 8, fill, sizeof(r) - 8);
	open_tag(type);
	put(r, n);
	close_tag();
}

static inline void tag_fb(void)
{
	open_tag(8);
	put64(0xfd000000);
	put32(4096);
	put32(1024);
	put32(768);
	put(&(uint8_t){ 32 }, 1);
	put(&(uint8_t){ 1 }, 1);
	put(&(uint16_t){ 0 }, 2);
	put(&(uint8_t[6]){ 16, 8, 8, 8, 0, 8 }, 6); /* RGB color_info */
	close_tag();
}

static inline void tag_meminfo(void)
{
	open_tag(4);
	put32(639);
	put32(129920);
	close_tag();
}

/* Parse a copy in a heap buffer of exactly 'len' bytes, so ASan sees any read past it. */
static inline int parse_len(const void *blk, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, blk, len);
	memset(err, 0x55, sizeof(err));
	rc = mb2_parse(copy, INFO_PA, &bi, err, sizeof(err));
	free(copy);
	return rc;
}

static inline int parse(void)
{
	return parse_len(mb.b, mb.len);
}

static inline void expect_fail(int rc, const char *what)
{
	int got = parse();

	if (!strstr(err, what))
		fail_msg("error \"%s\" lacks \"%s\"", err, what);
	assert_int_equal(got, rc);
}

/* The normalized-map invariant: sorted, disjoint, non-empty, touching ranges differ. */
static inline void check_map(const struct bh_bootinfo *b)
{
	for (uint32_t i = 0; i < b->mmap_count; i++) {
		const struct bh_mem_range *r = &b->mmap[i];

		assert_true(r->len > 0);
		assert_true(r->base + r->len > r->base);
		assert_in_range(r->type, BH_MEM_USABLE, BH_MEM_BAD);
		if (i + 1 == b->mmap_count)
			continue;
		assert_true(r->base + r->len <= b->mmap[i + 1].base);
		if (r->base + r->len == b->mmap[i + 1].base)
			assert_int_not_equal(r->type, b->mmap[i + 1].type);
	}
}

static inline void assert_range(uint32_t i, uint64_t base, uint64_t len, uint32_t type)
{
	assert_true(i < bi.mmap_count);
	assert_int_equal(bi.mmap[i].base, base);
	assert_int_equal(bi.mmap[i].len, len);
	assert_int_equal(bi.mmap[i].type, type);
}

/* Recorded blocks from real boots, if present: $BH_TEST_DATA or BH_TEST_DATA_DIR. */
static inline uint8_t *load_data(const char *name, size_t *len)
{
	const char *dir = getenv("BH_TEST_DATA") ? getenv("BH_TEST_DATA") : BH_TEST_DATA_DIR;
	char path[512];
	uint8_t *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_in_range(n, 16, MB2_INFO_MAX);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Offset of the first tag of 'type' in a well-formed block, or 0. */
static inline uint32_t find_tag(const uint8_t *b, size_t len, uint32_t type)
{
	for (uint32_t off = 8; off + 8 <= len;) {
		uint32_t t, size;

		memcpy(&t, b + off, 4);
		memcpy(&size, b + off + 4, 4);
		if (t == type)
			return off;
		if (t == 0 || size < 8)
			return 0;
		off += (size + 7) & ~7u;
	}
	return 0;
}

/* Whatever happens, the parser returns 0 with a normalized map or an error with a message. */
static inline void check_outcome(int rc)
{
	if (rc == 0) {
		check_map(&bi);
		return;
	}
	assert_true(rc == -BH_EINVAL || rc == -BH_E2BIG);
	assert_true(strncmp(err, "multiboot2: ", 12) == 0);
	assert_non_null(memchr(err, '\0', sizeof(err)));
}

/* total_size patched to every smaller value, the buffer cut to match. */
static inline void fuzz_truncate(uint8_t *blk, uint32_t total)
{
	for (uint32_t t = 0; t < total; t++) {
		memcpy(blk, &t, 4);
		check_outcome(parse_len(blk, t < 8 ? 8 : t));
	}
	memcpy(blk, &total, 4);
}

/* Every byte flipped, whole and bit by bit. Bytes 0..3 (total_size) are left alone: a larger
 * total_size promises bytes that do not exist, which breaks the caller's side of the contract. */
static inline void fuzz_flip(uint8_t *blk, uint32_t total)
{
	static const uint8_t masks[] = { 0xff, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80 };

	for (uint32_t i = 4; i < total; i++) {
		for (size_t m = 0; m < sizeof(masks); m++) {
			blk[i] ^= masks[m];
			check_outcome(parse_len(blk, total));
			blk[i] ^= masks[m];
		}
	}
}

#endif
