/* SPDX-License-Identifier: MIT */
/* console-line.c - output line assembly and the operator's line discipline (console-line.h).
 * Pure: no I/O, no globals. */
#include <string.h>
#include "console-line.h"

#define ESC 0x1b
#define BS  0x08
#define DEL 0x7f
#define NAK 0x15 /* ^U */

/* ---- Output lines ---- */

void cline_reset(struct cline *l)
{
	memset(l, 0, sizeof(*l));
}

char cline_show(uint8_t b)
{
	if (b == '\r')
		return 0;
	return (b >= 0x20 && b < 0x7f) || b == '\t' ? (char)b : '?';
}

static void cline_emit(struct cline *l, cline_emit_fn emit, void *ctx, bool cut)
{
	emit(ctx, l->buf, l->len);
	l->len = 0;
	l->cut = cut;
}

void cline_feed(struct cline *l, const void *bytes, size_t n, cline_emit_fn emit, void *ctx)
{
	const uint8_t *p = bytes;

	for (size_t i = 0; i < n; i++) {
		char c = cline_show(p[i]);

		if (p[i] == '\n') {
			if (l->len || !l->cut)
				cline_emit(l, emit, ctx, false);
			l->cut = false;
		} else if (c) {
			l->cut = false;
			l->buf[l->len++] = c;
			if (l->len == CLINE_MAX)
				cline_emit(l, emit, ctx, true);
		}
	}
}

void cline_flush(struct cline *l, cline_emit_fn emit, void *ctx)
{
	if (l->len)
		cline_emit(l, emit, ctx, true);
}

/* ---- Typed lines ---- */

void ldisc_reset(struct ldisc *l)
{
	memset(l, 0, sizeof(*l));
}

/* Inside an escape sequence: → true when b belongs to it (and is swallowed). */
static bool ldisc_escape(struct ldisc *l, uint8_t b)
{
	if (b == ESC) {
		l->esc = 1;
		return true;
	}
	if (l->esc == 1) {
		l->esc = b == '[' || b == 'O' ? 2 : 0;
		return true;
	}
	if (l->esc == 2) {
		if (b < 0x20 || b > 0x3f) /* a final byte (or garbage) ends it */
			l->esc = 0;
		return b >= 0x20 && b < 0x7f;
	}
	return false;
}

static void ldisc_erase(struct ldisc *l, size_t n, ldisc_echo_fn echo, void *ctx)
{
	for (; n && l->len; n--, l->len--)
		echo(ctx, "\b \b", 3);
}

static size_t ldisc_end(struct ldisc *l, ldisc_echo_fn echo, void *ctx)
{
	echo(ctx, "\r\n", 2);
	if (!l->len)
		return 0;
	l->done = true;
	return l->len;
}

static void ldisc_keep(struct ldisc *l, char c, ldisc_echo_fn echo, void *ctx)
{
	if (l->len == LDISC_MAX) {
		echo(ctx, "\a", 1);
		return;
	}
	l->buf[l->len++] = c;
	echo(ctx, &c, 1);
}

size_t ldisc_byte(struct ldisc *l, uint8_t b, ldisc_echo_fn echo, void *ctx)
{
	bool after_cr = l->cr;

	if (l->done) {
		l->len = 0;
		l->done = false;
	}
	l->cr = b == '\r';
	if (ldisc_escape(l, b))
		return 0;
	if (b == '\r' || (b == '\n' && !after_cr))
		return ldisc_end(l, echo, ctx);
	if (b == BS || b == DEL)
		ldisc_erase(l, 1, echo, ctx);
	else if (b == NAK)
		ldisc_erase(l, l->len, echo, ctx);
	else if (b == '\t' || (b >= 0x20 && b < 0x7f))
		ldisc_keep(l, b == '\t' ? ' ' : (char)b, echo, ctx);
	return 0;
}
