/* SPDX-License-Identifier: MIT */
/* bhcfg.c - bulkhead.cfg parser (format: bhcfg.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "bhcfg.h"
#include "fmt.h"

struct cfg_line {
	const char *p; /* first non-blank character */
	size_t n;      /* up to the last non-blank one */
	unsigned no;
};

struct cfg_ctx {
	struct bhcfg *cfg;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
cfg_fail(struct cfg_ctx *c, unsigned no, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	bh_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->errlen)
		bh_snprintf(c->err, c->errlen, "line %u: %s", no, why);
	return -BH_EINVAL;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Split "word rest": *word is the first word, *rest what follows it after blanks. */
static void cfg_split(const char *p, size_t n, struct cfg_line *word, struct cfg_line *rest)
{
	size_t w = 0, r;

	while (w < n && !is_blank(p[w]))
		w++;
	for (r = w; r < n && is_blank(p[r]); r++)
		;
	*word = (struct cfg_line){ .p = p, .n = w };
	*rest = (struct cfg_line){ .p = p + r, .n = n - r };
}

static bool cfg_is(const struct cfg_line *w, const char *s)
{
	return w->n == strlen(s) && !memcmp(w->p, s, w->n);
}

static int cfg_copy(struct cfg_ctx *c, unsigned no, const char *what, char *dst, size_t size,
		    const struct cfg_line *src)
{
	if (src->n >= size)
		return cfg_fail(c, no, "%s is %zu characters long, the limit is %zu", what, src->n,
				size - 1);
	memcpy(dst, src->p, src->n);
	dst[src->n] = '\0';
	return 0;
}

/* A FILE: exactly one word. */
static int cfg_file(struct cfg_ctx *c, unsigned no, const char *what, char *dst,
		    const struct cfg_line *rest)
{
	struct cfg_line file, extra;

	cfg_split(rest->p, rest->n, &file, &extra);
	if (!file.n)
		return cfg_fail(c, no, "%s: missing file name", what);
	if (extra.n)
		return cfg_fail(c, no, "%s: one file name expected, found more after \"%.*s\"", what,
				(int)file.n, file.p);
	return cfg_copy(c, no, what, dst, BHCFG_FILE_MAX, &file);
}

static int cfg_kernel(struct cfg_ctx *c, const struct cfg_line *l, const struct cfg_line *rest)
{
	if (c->cfg->kernel_line)
		return cfg_fail(c, l->no, "kernel given twice (first on line %u)",
				c->cfg->kernel_line);
	c->cfg->kernel_line = l->no;
	return cfg_file(c, l->no, "kernel", c->cfg->kernel, rest);
}

static int cfg_cmdline(struct cfg_ctx *c, const struct cfg_line *l, const struct cfg_line *rest)
{
	if (c->cfg->cmdline_line)
		return cfg_fail(c, l->no, "cmdline given twice (first on line %u)",
				c->cfg->cmdline_line);
	c->cfg->cmdline_line = l->no;
	return cfg_copy(c, l->no, "cmdline", c->cfg->cmdline, sizeof(c->cfg->cmdline), rest);
}

static int cfg_module(struct cfg_ctx *c, const struct cfg_line *l, const struct cfg_line *rest)
{
	struct bhcfg *cfg = c->cfg;
	struct bhcfg_module *m = &cfg->modules[cfg->module_count];
	struct cfg_line file, args;
	int rc;

	if (cfg->module_count >= BH_BOOT_MODULES_MAX)
		return cfg_fail(c, l->no, "more than %u modules", BH_BOOT_MODULES_MAX);
	cfg_split(rest->p, rest->n, &file, &args);
	if (!file.n)
		return cfg_fail(c, l->no, "module: missing file name");
	rc = cfg_copy(c, l->no, "module file name", m->file, sizeof(m->file), &file);
	if (!rc)
		rc = cfg_copy(c, l->no, "module command line", m->cmdline, sizeof(m->cmdline),
			      args.n ? &args : &file);
	if (rc)
		return rc;
	m->line = l->no;
	cfg->module_count++;
	return 0;
}

static int cfg_directive(struct cfg_ctx *c, const struct cfg_line *l)
{
	struct cfg_line word, rest;

	if (!l->n || l->p[0] == '#')
		return 0;
	cfg_split(l->p, l->n, &word, &rest);
	if (cfg_is(&word, "kernel"))
		return cfg_kernel(c, l, &rest);
	if (cfg_is(&word, "cmdline"))
		return cfg_cmdline(c, l, &rest);
	if (cfg_is(&word, "module"))
		return cfg_module(c, l, &rest);
	return cfg_fail(c, l->no, "unknown directive \"%.*s\" (expected kernel, cmdline or module)",
			(int)(word.n > 32 ? 32 : word.n), word.p);
}

/* Check the characters of one raw line (CR of a CRLF already dropped) and trim it. */
static int cfg_line_at(struct cfg_ctx *c, const char *p, size_t n, unsigned no,
		       struct cfg_line *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch != '\t' && (ch < 0x20 || ch > 0x7e))
			return cfg_fail(c, no, "byte 0x%02x in column %zu: only printable ASCII is "
					"allowed", ch, i + 1);
	}
	while (n && is_blank(*p)) {
		p++;
		n--;
	}
	while (n && is_blank(p[n - 1]))
		n--;
	*out = (struct cfg_line){ .p = p, .n = n, .no = no };
	return 0;
}

/* Bytes before the next LF (or the end of the text). */
static size_t cfg_line_len(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] != '\n')
		i++;
	return i;
}

int bhcfg_parse(const char *text, size_t len, struct bhcfg *cfg, char *err, size_t errlen)
{
	struct cfg_ctx c = { .cfg = cfg, .err = err, .errlen = errlen };
	unsigned no = 0;
	size_t pos = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (errlen)
		err[0] = '\0';
	while (pos < len) {
		size_t raw = cfg_line_len(text + pos, len - pos), n = raw;
		struct cfg_line l = { 0 };
		int rc;

		if (n && text[pos + n - 1] == '\r')
			n--;
		rc = cfg_line_at(&c, text + pos, n, ++no, &l);
		if (!rc)
			rc = cfg_directive(&c, &l);
		if (rc)
			return rc;
		pos += raw + 1;
	}
	if (!cfg->kernel_line)
		memcpy(cfg->kernel, BHCFG_KERNEL_DEFAULT, sizeof(BHCFG_KERNEL_DEFAULT));
	return 0;
}
