/* SPDX-License-Identifier: MIT */
/* test_fmt.c - bh_snprintf (lib/fmt.c), the formatter behind every monitor message: each
 * conversion against the C library's, truncation, and no read past a %.*s precision. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fmt.h"

#define SAME(...)                                                              \
	do {                                                                   \
		char a[128], b[128];                                           \
		int na = bh_snprintf(a, sizeof(a), __VA_ARGS__);               \
		int nb = snprintf(b, sizeof(b), __VA_ARGS__);                  \
		assert_string_equal(a, b);                                     \
		assert_int_equal(na, nb);                                      \
	} while (0)

static void test_like_libc(void **s)
{
	SAME("%d %i %u", -42, 7, 4000000000u);
	SAME("%x %X %#x %#lx %08x", 0xbeefu, 0xbeefu, 0x1fu, 0xffff0000ffff0000ul, 0x12u);
	SAME("%ld %lu %lld %llu %zu", -1l, ~0ul, -9223372036854775807ll - 1, ~0ull, (size_t)5);
	SAME("[%5d|%-5d|%05d|%+d|% d]", 42, 42, -42, 3, 3);
	SAME("[%s|%8s|%-8s|%.2s|%.*s]", "abc", "abc", "abc", "abc", 1, "xyz");
	SAME("%c%c %% %o %#o", 'h', 'i', 8u, 8u);
	SAME("%p", (void *)0x1234);
	SAME("%#x", 0u);
}

static void test_truncation(void **s)
{
	char buf[8];

	assert_int_equal(bh_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(bh_snprintf(NULL, 0, "%d", 12345), 5);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(bh_snprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], '\0');
}

/* The bytes after the precision are not ours to read (ASan checks the exact allocation). */
static void test_precision_bounds_reads(void **s)
{
	char *exact = malloc(3), out[16];

	memcpy(exact, "abc", 3); /* not NUL-terminated */
	assert_int_equal(bh_snprintf(out, sizeof(out), "%.3s|%.*s", exact, 2, exact), 6);
	assert_string_equal(out, "abc|ab");
	free(exact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_like_libc),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_precision_bounds_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
