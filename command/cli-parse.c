/* SPDX-License-Identifier: MIT */
/* cli-parse.c - a typed line as words, and the numbers, sizes and names in them. */
#include <string.h>
#include "cli-int.h"
#include "config/validate.h"
#include "fmt.h"

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Splits line in place into words separated by blanks. A word may hold double-quoted
 * parts (cmdline="a b"), with \" and \\ inside; the quotes go. → the word count, or -1
 * with why set (an unterminated quote, too many words). */
int cli_split(struct cli *c, char *line, char **argv, int max)
{
	size_t r = 0, w = 0;
	int argc = 0;

	while (line[r]) {
		size_t quote = 0;
		bool quoted = false;

		while (blank(line[r]))
			r++;
		if (!line[r])
			break;
		if (argc == max)
			return cli_fail(c, "too many words (at most %d)", max);
		argv[argc++] = line + w;
		while (line[r] && (quoted || !blank(line[r]))) {
			char ch = line[r++];

			if (ch == '"') {
				quoted = !quoted;
				quote = r;
				continue;
			}
			if (quoted && ch == '\\' && (line[r] == '"' || line[r] == '\\'))
				ch = line[r++];
			line[w++] = ch;
		}
		if (quoted)
			return cli_fail(c, "unterminated quote (column %zu)", quote);
		if (line[r])
			r++; /* the blank after the word */
		line[w++] = 0;
	}
	return argc;
}

/* "key=value" → value, else NULL. */
const char *cli_value(const char *arg, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(arg, key, n) && arg[n] == '=' ? arg + n + 1 : NULL;
}

/* Decimal digits only, no sign; → 0, or -1 with why set. */
int cli_number(struct cli *c, const char *what, const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return cli_fail(c, "bad number \"\" for %s (a decimal number)", what);
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return cli_fail(c, "bad number \"%s\" for %s (a decimal number)", s, what);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

/* A number with an optional K, M or G (binary; either case). */
int cli_size(struct cli *c, const char *what, const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			break;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == 'K' || *p == 'k')
		shift = 10, p++;
	else if (*p == 'M' || *p == 'm')
		shift = 20, p++;
	else if (*p == 'G' || *p == 'g')
		shift = 30, p++;
	if (p == s || (*s < '0' || *s > '9') || *p || (shift && v > (UINT64_MAX >> shift)))
		return cli_fail(c, "bad size \"%s\" for %s (a number with K, M or G)", s, what);
	*out = v << shift;
	return 0;
}

/* A partition's memory: a size, a nonzero 2 MiB multiple. */
int cli_mem_size(struct cli *c, const char *what, const char *s, uint64_t *out)
{
	if (cli_size(c, what, s, out))
		return -1;
	if (!*out || (*out & (BH_CFG_MEM_ALIGN - 1)))
		return cli_fail(c, "%s=%s is not a multiple of 2M (partition memory comes in 2M "
				"blocks)", what, s);
	return 0;
}

/* kind=<name> → enum bh_cfg_kind, 0 if none. */
uint32_t cli_kind(const char *name)
{
	for (uint32_t k = 1; k < BH_CFG_KIND_NR; k++)
		if (!strcmp(cfg_kind_name(k), name))
			return k;
	return 0;
}

const char *cli_kind_name(uint32_t kind)
{
	const char *n = cfg_kind_name(kind);

	return n ? n : "?";
}

/* A kinds mask as "iopart,guest"; "" for none. */
size_t cli_kinds_text(uint32_t kinds, char *buf, size_t cap)
{
	size_t len = 0;

	if (cap)
		buf[0] = 0;
	for (uint32_t k = 1; k < BH_CFG_KIND_NR; k++)
		if (kinds & (1u << k))
			len += (size_t)bh_snprintf(buf + len, len < cap ? cap - len : 0, "%s%s",
						   len ? "," : "", cfg_kind_name(k));
	return len;
}

const char *cli_restart_name(uint32_t restart)
{
	const char *n = cfg_restart_name(restart);

	return n ? n : "?";
}

const char *cli_failover_name(uint32_t failover)
{
	const char *n = cfg_failover_name(failover);

	return n ? n : "?";
}

const char *cli_state_name(uint32_t state)
{
	static const char *const names[] = { "?", "created", "loaded", "running", "stopped",
					     "crashed" };

	return state < UV_STATE_NR ? names[state] : "?";
}

/* Copies a fixed-size field from outside as a C string. */
void cli_copy(char *dst, size_t cap, const char *src, size_t max)
{
	size_t n = 0;

	while (n < max && n + 1 < cap && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = 0;
}
