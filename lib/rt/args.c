/* SPDX-License-Identifier: MIT */
/* args.c - "key=value" words of the partition command line. Pure C, unit-tested on the host. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "rt/rt.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int bh_arg_find(const char *cmdline, size_t cmdlen, const char *key, char *val, size_t len)
{
	size_t n = strnlen(cmdline, cmdlen), klen = strlen(key), i = 0;

	if (!klen)
		return -BH_ENOENT;
	while (i < n) {
		size_t w = i, vlen, copy;

		while (w < n && !is_space(cmdline[w]))
			w++;
		if (w - i >= klen && !memcmp(cmdline + i, key, klen) &&
		    (w - i == klen || cmdline[i + klen] == '=')) {
			vlen = w - i == klen ? 0 : w - i - klen - 1;
			if (!len)
				return -BH_E2BIG;
			copy = vlen < len ? vlen : len - 1;
			memcpy(val, cmdline + w - vlen, copy);
			val[copy] = '\0';
			return vlen < len ? 0 : -BH_E2BIG;
		}
		i = w + 1;
	}
	return -BH_ENOENT;
}

int bh_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || is_space(*s))
		return -BH_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -BH_EINVAL;
	*out = v;
	return 0;
}

int bh_arg(const char *key, char *val, size_t len)
{
	const struct bh_partition_info *info = bh_info_page();

	return bh_arg_find(info->cmdline, sizeof(info->cmdline), key, val, len);
}

int bh_arg_u64(const char *key, uint64_t *out)
{
	char buf[32];
	int rc = bh_arg(key, buf, sizeof(buf));

	if (rc == -BH_E2BIG)
		return -BH_EINVAL;
	return rc ? rc : bh_parse_u64(buf, out);
}
