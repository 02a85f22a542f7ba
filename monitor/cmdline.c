/* SPDX-License-Identifier: MIT */
/* cmdline.c - lookup in the boot command line, kept as a private copy. */
#include <string.h>
#include <bulkhead/bootinfo.h>
#include "cmdline.h"

static char line[BH_BOOT_CMDLINE_MAX];
static char test[32];

void cmdline_init(const char *cmdline)
{
	size_t n = strnlen(cmdline, sizeof(line) - 1);

	memcpy(line, cmdline, n);
	line[n] = '\0';
	cmdline_get("test", test, sizeof(test));
}

static size_t word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ')
		n++;
	return n;
}

int cmdline_get(const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);

	for (const char *w = line; *w; w += word_len(w)) {
		while (*w == ' ')
			w++;
		size_t n = word_len(w);
		if (n < klen || strncmp(w, key, klen) || (n > klen && w[klen] != '='))
			continue;
		size_t vlen = n > klen ? n - klen - 1 : 0;
		if (vlen >= size)
			vlen = size - 1;
		memcpy(buf, w + klen + (n > klen), vlen);
		buf[vlen] = '\0';
		return 1;
	}
	return 0;
}

const char *cmdline_test(void)
{
	return test;
}
