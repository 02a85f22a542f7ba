/* SPDX-License-Identifier: MIT */
/* test_rt.c - partition runtime logic that runs on the host: sbrk bounds, command line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "rt/rt.h"

static struct bh_partition_info info;

/* start.c is not linked on the host: the info page comes from here. */
const struct bh_partition_info *bh_info_page(void)
{
	return &info;
}

static void test_heap_grow_shrink(void **state)
{
	struct bh_heap h;
	uintptr_t old = 0;

	bh_heap_init(&h, 0x400000, 0x500000);
	assert_int_equal(bh_heap_sbrk(&h, 0, &old), 0);
	assert_int_equal(old, 0x400000);
	assert_int_equal(bh_heap_sbrk(&h, 0x1000, &old), 0);
	assert_int_equal(old, 0x400000);
	assert_int_equal(h.brk, 0x401000);
	assert_int_equal(bh_heap_sbrk(&h, 0xff000, &old), 0); /* exactly to the end */
	assert_int_equal(h.brk, 0x500000);
	assert_int_equal(bh_heap_sbrk(&h, 0, &old), 0);
	assert_int_equal(old, 0x500000);
	assert_int_equal(bh_heap_sbrk(&h, -0x100000, &old), 0); /* exactly back to the start */
	assert_int_equal(old, 0x500000);
	assert_int_equal(h.brk, 0x400000);
}

static void test_heap_limits(void **state)
{
	struct bh_heap h;
	uintptr_t old = 0x1234;

	bh_heap_init(&h, 0x400000, 0x500000);
	assert_int_equal(bh_heap_sbrk(&h, 0x100001, &old), -BH_ENOMEM);
	assert_int_equal(bh_heap_sbrk(&h, INTPTR_MAX, &old), -BH_ENOMEM);
	assert_int_equal(bh_heap_sbrk(&h, -1, &old), -BH_EINVAL);
	assert_int_equal(bh_heap_sbrk(&h, INTPTR_MIN, &old), -BH_EINVAL);
	assert_int_equal(old, 0x1234); /* untouched on error */
	assert_int_equal(h.brk, 0x400000);
	assert_int_equal(bh_heap_sbrk(&h, 0x80000, &old), 0);
	assert_int_equal(bh_heap_sbrk(&h, 0x80001, &old), -BH_ENOMEM);
	assert_int_equal(bh_heap_sbrk(&h, -0x80001, &old), -BH_EINVAL);
	assert_int_equal(h.brk, 0x480000);
}

/* A heap at the very top of the address space: no wrap-around either way. */
static void test_heap_top(void **state)
{
	struct bh_heap h;
	uintptr_t old;

	bh_heap_init(&h, UINTPTR_MAX - 0x1000, UINTPTR_MAX);
	assert_int_equal(bh_heap_sbrk(&h, 0x1000, &old), 0);
	assert_int_equal(h.brk, UINTPTR_MAX);
	assert_int_equal(bh_heap_sbrk(&h, 1, &old), -BH_ENOMEM);
	assert_int_equal(bh_heap_sbrk(&h, INTPTR_MAX, &old), -BH_ENOMEM);
}

static void test_heap_empty(void **state)
{
	struct bh_heap h;
	uintptr_t old;

	bh_heap_init(&h, 0x500000, 0x400000); /* inverted: empty */
	assert_int_equal(h.end, 0x500000);
	assert_int_equal(bh_heap_sbrk(&h, 0, &old), 0);
	assert_int_equal(old, 0x500000);
	assert_int_equal(bh_heap_sbrk(&h, 1, &old), -BH_ENOMEM);
	assert_int_equal(bh_heap_sbrk(&h, -1, &old), -BH_EINVAL);
}

static int find(const char *cmdline, const char *key, char *val, size_t len)
{
	return bh_arg_find(cmdline, strlen(cmdline) + 1, key, val, len);
}

static void test_arg_find(void **state)
{
	char v[16];

	assert_int_equal(find("do=read addr=0x100000", "addr", v, sizeof(v)), 0);
	assert_string_equal(v, "0x100000");
	assert_int_equal(find("do=read addr=0x100000", "do", v, sizeof(v)), 0);
	assert_string_equal(v, "read");
	assert_int_equal(find("  exit=3  ", "exit", v, sizeof(v)), 0);
	assert_string_equal(v, "3");
	assert_int_equal(find("verbose exit=3", "verbose", v, sizeof(v)), 0); /* bare word */
	assert_string_equal(v, "");
	assert_int_equal(find("exit= x", "exit", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(find("a=1 a=2", "a", v, sizeof(v)), 0); /* first wins */
	assert_string_equal(v, "1");
	assert_int_equal(find("k=a=b", "k", v, sizeof(v)), 0);
	assert_string_equal(v, "a=b");
	assert_int_equal(find("exitcode=3 exit=4", "exit", v, sizeof(v)), 0); /* whole key */
	assert_string_equal(v, "4");
	assert_int_equal(find("exit\t=3", "exit", v, sizeof(v)), 0);
	assert_string_equal(v, "");
}

static void test_arg_missing(void **state)
{
	char v[4] = "zzz";

	assert_int_equal(find("", "exit", v, sizeof(v)), -BH_ENOENT);
	assert_int_equal(find("exi=3 xexit=3 =3", "exit", v, sizeof(v)), -BH_ENOENT);
	assert_int_equal(find("exit=3", "", v, sizeof(v)), -BH_ENOENT);
	assert_string_equal(v, "zzz");
	/* The key beyond cmdlen (a full buffer without NUL) is not seen. */
	assert_int_equal(bh_arg_find("a=1 exit=3", 5, "exit", v, sizeof(v)), -BH_ENOENT);
	assert_int_equal(bh_arg_find("a=1 exit=3", 7, "exit", v, sizeof(v)), -BH_ENOENT);
	assert_int_equal(bh_arg_find("a=1 exit=3", 8, "exit", v, sizeof(v)), 0); /* bare "exit" */
	assert_string_equal(v, "");
	assert_int_equal(bh_arg_find("a=1 exit=3", 10, "exit", v, sizeof(v)), 0);
	assert_string_equal(v, "3");
}

static void test_arg_truncated(void **state)
{
	char v[4];

	assert_int_equal(find("k=abc", "k", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(find("k=abcd", "k", v, sizeof(v)), -BH_E2BIG);
	assert_string_equal(v, "abc");
	assert_int_equal(find("k=abcd", "k", v, 1), -BH_E2BIG);
	assert_string_equal(v, "");
	assert_int_equal(find("k=abcd", "k", v, 0), -BH_E2BIG);
}

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	assert_int_equal(bh_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(bh_parse_u64("255", &v), 0);
	assert_int_equal(v, 255);
	assert_int_equal(bh_parse_u64("0x3f8", &v), 0);
	assert_int_equal(v, 0x3f8);
	assert_int_equal(bh_parse_u64("0xffffffffffffffff", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(bh_parse_u64("010", &v), 0);
	assert_int_equal(v, 8);
	v = 7;
	assert_int_equal(bh_parse_u64("", &v), -BH_EINVAL);
	assert_int_equal(bh_parse_u64("-1", &v), -BH_EINVAL);
	assert_int_equal(bh_parse_u64("+1", &v), -BH_EINVAL);
	assert_int_equal(bh_parse_u64(" 1", &v), -BH_EINVAL);
	assert_int_equal(bh_parse_u64("12x", &v), -BH_EINVAL);
	assert_int_equal(bh_parse_u64("0x", &v), -BH_EINVAL);
	assert_int_equal(bh_parse_u64("0x10000000000000000", &v), -BH_EINVAL);
	assert_int_equal(v, 7);
}

static void test_arg_info_page(void **state)
{
	uint64_t v = 0;
	char s[8];

	memset(&info, 0, sizeof(info));
	strcpy(info.cmdline, "exit=3 port=0x3f8 big=99999999999999999999 name=toolongvalue");
	assert_int_equal(bh_arg_u64("exit", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(bh_arg_u64("port", &v), 0);
	assert_int_equal(v, 0x3f8);
	assert_int_equal(bh_arg_u64("big", &v), -BH_EINVAL);
	assert_int_equal(bh_arg_u64("name", &v), -BH_EINVAL);
	assert_int_equal(bh_arg_u64("missing", &v), -BH_ENOENT);
	assert_int_equal(bh_arg("name", s, sizeof(s)), -BH_E2BIG);
	/* A cmdline filling the whole field without NUL is read up to its end only. */
	memset(info.cmdline, 'x', sizeof(info.cmdline));
	memcpy(info.cmdline + sizeof(info.cmdline) - 3, "k=1", 3);
	assert_int_equal(bh_arg("k", s, sizeof(s)), -BH_ENOENT);
	memcpy(info.cmdline + sizeof(info.cmdline) - 4, " k=1", 4);
	assert_int_equal(bh_arg_u64("k", &v), 0);
	assert_int_equal(v, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_grow_shrink),
		cmocka_unit_test(test_heap_limits),
		cmocka_unit_test(test_heap_top),
		cmocka_unit_test(test_heap_empty),
		cmocka_unit_test(test_arg_find),
		cmocka_unit_test(test_arg_missing),
		cmocka_unit_test(test_arg_truncated),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_arg_info_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
