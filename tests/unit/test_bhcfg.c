/* SPDX-License-Identifier: MIT */
/* test_bhcfg.c - bulkhead.cfg, the text bulkhead.efi reads (boot/efi/bhcfg.c): directives,
 * defaults, comments and CRLF, every refusal with its line number, and hostile bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "boot/efi/bhcfg.h"

static struct bhcfg cfg;
static char err[160];

static int parse(const char *text)
{
	return bhcfg_parse(text, strlen(text), &cfg, err, sizeof(err));
}

static void test_full_file(void **s)
{
	assert_int_equal(parse("# comment\r\n\r\nkernel monitor.elf\r\n"
			       "cmdline test=run limit=3000\r\n"
			       "module config.bin config\n"
			       "  module \\EFI\\g.elf partition name=g1 cpus=0 mem=16 -- exit=3\n"),
			 0);
	assert_string_equal(cfg.kernel, "monitor.elf");
	assert_string_equal(cfg.cmdline, "test=run limit=3000");
	assert_int_equal(cfg.module_count, 2);
	assert_string_equal(cfg.modules[0].file, "config.bin");
	assert_string_equal(cfg.modules[0].cmdline, "config");
	assert_int_equal(cfg.modules[0].line, 5);
	assert_string_equal(cfg.modules[1].cmdline, "partition name=g1 cpus=0 mem=16 -- exit=3");
}

static void test_defaults(void **s)
{
	assert_int_equal(parse("module guest.elf\n"), 0);
	assert_string_equal(cfg.kernel, BHCFG_KERNEL_DEFAULT);
	assert_int_equal(cfg.kernel_line, 0);
	assert_string_equal(cfg.cmdline, "");
	assert_string_equal(cfg.modules[0].cmdline, "guest.elf"); /* default: the file name */
	assert_int_equal(parse(""), 0);
	assert_int_equal(cfg.module_count, 0);
}

static void refused(const char *text, const char *what)
{
	memset(err, 'x', sizeof(err));
	assert_int_equal(parse(text), -BH_EINVAL);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	assert_non_null(strstr(err, what));
}

static void test_refusals(void **s)
{
	refused("kernel a.elf\nkernel b.elf\n", "line 2");
	refused("cmdline a\ncmdline b\n", "line 2");
	refused("\n\nfrobnicate x\n", "line 3");
	refused("kernel\n", "line 1");
	refused("module\n", "line 1");
	refused("kernel bad\x01name\n", "line 1");
}

static void test_limits(void **s)
{
	char *text = malloc(64 * (BH_BOOT_MODULES_MAX + 2));
	size_t n = 0;

	for (int i = 0; i <= BH_BOOT_MODULES_MAX; i++)
		n += sprintf(text + n, "module m%d.elf\n", i);
	memset(err, 0, sizeof(err));
	assert_int_equal(bhcfg_parse(text, n, &cfg, err, sizeof(err)), -BH_EINVAL);
	assert_true(err[0] != '\0');
	free(text);

	char longname[BHCFG_FILE_MAX + 16];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	char line[sizeof(longname) + 16];
	snprintf(line, sizeof(line), "kernel %s\n", longname);
	refused(line, "line 1");
}

/* Not NUL-terminated input, every truncation and every byte value: never a read past len
 * (ASan), always 0 or -BH_EINVAL with a terminated message. */
static void test_hostile_bytes(void **s)
{
	const char good[] = "kernel k.elf\ncmdline a b c\nmodule x.bin config\n";
	size_t len = sizeof(good) - 1;

	for (size_t cut = 0; cut <= len; cut++) {
		char *buf = malloc(cut ? cut : 1);
		memcpy(buf, good, cut);
		int rc = bhcfg_parse(buf, cut, &cfg, err, sizeof(err));
		assert_true(rc == 0 || rc == -BH_EINVAL);
		free(buf);
	}
	for (size_t at = 0; at < len; at++) {
		for (int v = 0; v < 256; v += 7) {
			char *buf = malloc(len);
			memcpy(buf, good, len);
			buf[at] = (char)v;
			int rc = bhcfg_parse(buf, len, &cfg, err, sizeof(err));
			assert_true(rc == 0 || rc == -BH_EINVAL);
			assert_non_null(memchr(err, '\0', sizeof(err)));
			free(buf);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_hostile_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
