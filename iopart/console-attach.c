/* SPDX-License-Identifier: MIT */
/* console-attach.c - attached mode (include/bulkhead/console.h, docs/console.md): the UART
 * given to one partition's console, like "virsh console", at the command partition's
 * asking; Ctrl-] gives it back to the CLI.
 *
 *   command partition --ring 1: ATTACH <name>--> attach_ctl --> attach_begin
 *                     <--ring 0: ANSWER status--
 *   UART --raw bytes, no echo--> attach_key --> ring 0 of <name> (full: dropped, counted)
 *   ring 1 of <name> --> attach_out --> UART, no prefix, no line assembly
 *   every other channel: not read; our own lines: attach_hold, shown at attach_end
 *   Ctrl-] typed / <name>'s channel down --> attach_end --> line mode
 *
 * Only the channel whose peer_kind (info page) is BH_CFG_KIND_COMMAND may ask, and only
 * for a name in our own channel list; what its client wrote is read once (copied) before
 * it is looked at.
 */
#include <stdio.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "console-int.h"

/* ---- Line mode -> attached ---- */

static struct cchan *by_name(const char *name)
{
	for (unsigned i = 0; i < con.n; i++)
		if (!strcmp(con.c[i].name, name))
			return &con.c[i];
	return NULL;
}

/* The request rq (a copy) from the command partition. → its answer's status. */
static int attach_begin(const struct bh_console_ctl *rq)
{
	struct cchan *t;

	if (rq->op != BH_CONSOLE_CTL_ATTACH || !memchr(rq->name, 0, sizeof(rq->name)) ||
	    !rq->name[0])
		return -BH_EINVAL;
	if (con.a.att)
		return -BH_EBUSY; /* cannot happen: the asker's channel is held meanwhile */
	if (!(t = by_name(rq->name)))
		return -BH_ENOENT;
	if (t->kind == BH_CFG_KIND_COMMAND)
		return -BH_EPERM;
	if (t->st != CC_UP)
		return -BH_EIO;
	cc_flush(t); /* a partial line it wrote before: prefixed, as it would have been */
	con_line("console: attached to %s; Ctrl-] returns to the CLI", t->name);
	memset(&con.a, 0, sizeof(con.a));
	con.a.att = t;
	con.a.bol = true;
	ldisc_reset(&con.in); /* what the operator had begun to type is gone */
	return 0;
}

static void answer(struct cchan *cc, const struct bh_console_ctl *rq, int status)
{
	struct bh_console_ctl a = {
		.lead = BH_CONSOLE_CTL_LEAD, .op = BH_CONSOLE_CTL_ANSWER, .status = status,
	};

	memcpy(a.magic, BH_CONSOLE_CTL_MAGIC, sizeof(a.magic));
	memcpy(a.name, rq->name, sizeof(a.name));
	a.name[sizeof(a.name) - 1] = 0;
	/* ring 0 full: the CLI is not reading (it gives up on its own) */
	if (chan_send(&cc->ch, &a, sizeof(a)) == 0 && chan_need_notify(&cc->ch))
		console_signal(cc->id);
}

bool attach_ctl(struct cchan *cc, const uint8_t *msg, size_t n)
{
	struct bh_console_ctl rq;

	if (!bh_console_is_ctl(msg, n))
		return false;
	if (cc->kind != BH_CFG_KIND_COMMAND) {
		con_note(cc, "control message refused: only the command partition attaches",
			 -BH_EPERM);
		return true;
	}
	memcpy(&rq, msg, sizeof(rq));
	answer(cc, &rq, attach_begin(&rq));
	return true;
}

/* ---- Attached ---- */

bool attach_holds(const struct cchan *cc)
{
	return con.a.att && cc != con.a.att;
}

bool attach_hold(const char *prefix, const char *text, size_t len)
{
	size_t p = strlen(prefix), need = p + len + 5; /* "[" prefix "] " text "\r\n" */
	char *h = con.a.hold + con.a.nhold;

	if (!con.a.att)
		return false;
	if (need > sizeof(con.a.hold) - con.a.nhold) {
		con.a.lost++;
		return true;
	}
	h[0] = '[';
	memcpy(h + 1, prefix, p);
	memcpy(h + 1 + p, "] ", 2);
	memcpy(h + 3 + p, text, len);
	memcpy(h + 3 + p + len, "\r\n", 2);
	con.a.nhold += need;
	return true;
}

/* Bytes as sent, but a '\n' without its '\r' (a partition of ours writes plain '\n'; a
 * Linux tty sends "\r\n" already) goes out as "\r\n". */
void attach_out(const uint8_t *p, size_t n)
{
	size_t from = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && !con.a.cr) {
			con_put(p + from, i - from);
			con_put("\r", 1);
			from = i;
		}
		con.a.cr = p[i] == '\r';
	}
	con_put(p + from, n - from);
	if (n)
		con.a.bol = p[n - 1] == '\n';
}

void attach_keys_send(void)
{
	struct cchan *cc = con.a.att;
	size_t n = con.a.nkeys;

	con.a.nkeys = 0;
	if (!n || !cc)
		return;
	if (chan_send(&cc->ch, con.a.keys, n)) /* full: it does not read; or it died */
		con.a.dropped += n;
	else if (chan_need_notify(&cc->ch))
		console_signal(cc->id);
}

void attach_key(uint8_t b)
{
	if (b == BH_CONSOLE_ESCAPE) {
		attach_keys_send(); /* what came before it */
		attach_end(NULL);
		return;
	}
	if (con.a.nkeys == sizeof(con.a.keys))
		attach_keys_send();
	con.a.keys[con.a.nkeys++] = b;
}

/* ---- Attached -> line mode ---- */

void attach_end(const char *why)
{
	struct cchan *cc = con.a.att;
	char dropped[96] = "";

	if (!cc)
		return;
	con.a.att = NULL; /* from here on, lines are shown again */
	if (!con.a.bol)
		con_put("\r\n", 2);
	if (con.a.dropped)
		snprintf(dropped, sizeof(dropped),
			 "; %llu typed bytes dropped (%s did not take them)",
			 (unsigned long long)con.a.dropped, cc->name);
	con_line("console: detached from %s%s%s%s", cc->name, why ? ": " : "", why ? why : "",
		 dropped);
	con_put(con.a.hold, con.a.nhold);
	if (con.a.lost)
		con_line("console: %u lines shown while attached were lost (no room to hold them)",
			 con.a.lost);
	memset(&con.a, 0, sizeof(con.a));
	ldisc_reset(&con.in);
}
