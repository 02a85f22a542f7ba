/* SPDX-License-Identifier: MIT */
/* console.c - the console mux (console.h): the server end of every console channel, one
 * prefix per partition, the operator's typed lines to the command partition.
 *
 * A channel is CC_WAIT until its client lays it out: the header READY and our endpoint
 * NONE (chan_init() zeroed it). Then CC_UP until the client dies (drained, back to
 * CC_WAIT), lays it out again (our endpoint no longer ALIVE: attached afresh), or breaks
 * the protocol (a message longer than BH_CONSOLE_MSG_MAX, a corrupt channel: we close our
 * end, which the client sees and answers with a fresh layout). Our own endpoint's status is
 * read only as that hint. Prefixes come from the info page, never from the channel.
 * Attached mode (the UART given to one partition) is console-attach.c's; here it only
 * decides which channels are read and where their bytes go.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "console-int.h"

struct console con;

static const uint8_t con_type[16] = BH_CONSOLE_TYPE;

/* ---- UART output ---- */

void con_put(const void *s, size_t n)
{
	if (con.u)
		uart_write(con.u, s, n);
}

/* The operator's partial typed line, if shown: cursor not at the start of a line. */
static bool typing(void)
{
	return con.in.len && !con.in.done;
}

/* One line: "[prefix] text\r\n". A line the operator is typing stays on its own line
 * above and is shown again below. In attached mode, kept for its end. */
static void show(const char *prefix, const char *text, size_t len)
{
	if (attach_hold(prefix, text, len))
		return;
	if (typing())
		con_put("\r\n", 2);
	con_put("[", 1);
	con_put(prefix, strlen(prefix));
	con_put("] ", 2);
	con_put(text, len);
	con_put("\r\n", 2);
	if (typing())
		con_put(con.in.buf, con.in.len);
}

static void emit_chan(void *ctx, const char *text, size_t len)
{
	show(((struct cchan *)ctx)->name, text, len);
}

static void emit_own(void *ctx, const char *text, size_t len)
{
	show(con.name, text, len);
}

void con_line(const char *fmt, ...)
{
	char line[CLINE_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		show(con.name, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* A note about one channel, at most CONSOLE_NOTES_MAX of them (a hostile client could
 * otherwise fill the console with our notes about it). */
void con_note(struct cchan *cc, const char *what, int err)
{
	if (cc->notes >= CONSOLE_NOTES_MAX)
		return;
	if (++cc->notes == CONSOLE_NOTES_MAX)
		con_line("console: %s: %s (error %d); further notes about it suppressed", cc->name,
			 what, err);
	else
		con_line("console: %s: %s (error %d)", cc->name, what, err);
}

long console_own(const void *text, size_t n)
{
	cline_feed(&con.own, text, n, emit_own, NULL);
	con.own_fresh = true;
	return (long)n;
}

/* ---- Set-up ---- */

static void copy_name(char *dst, const char *src, size_t max, uint32_t id)
{
	size_t n = 0;

	for (; n < max - 1 && src[n]; n++)
		dst[n] = src[n] > 0x20 && src[n] < 0x7f && src[n] != '[' && src[n] != ']' ?
				 src[n] : '?';
	dst[n] = 0;
	if (!n)
		snprintf(dst, max, "chan-%u", (unsigned)id);
}

static bool is_console(const struct bh_partition_info *info, uint32_t i)
{
	const struct bh_mem_region *m = &info->mem[i];

	return (m->kind & 0xff) == BH_MEM_KIND_CHANNEL &&
	       info->chan_type[i] == BH_CFG_CHAN_CONSOLE && (m->flags & BH_MEM_W) &&
	       m->size >= BH_CHAN_SIZE_MIN && !(m->gpa % BH_CHAN_PAGE);
}

int console_init(const struct bh_partition_info *info, struct uart *u)
{
	uint32_t count = info->mem_count < BH_INFO_MEM_MAX ? info->mem_count : BH_INFO_MEM_MAX;

	memset(&con, 0, sizeof(con));
	con.u = u;
	copy_name(con.name, info->name, sizeof(con.name), info->id);
	for (uint32_t i = 0; i < count; i++) {
		struct cchan *cc = &con.c[con.n];

		if (!is_console(info, i))
			continue;
		cc->mem = (uint8_t *)(uintptr_t)info->mem[i].gpa;
		cc->size = info->mem[i].size;
		cc->id = BH_MEM_KIND_CHAN_ID(info->mem[i].kind);
		cc->kind = info->peer_kind[i];
		cc->fresh = true;
		copy_name(cc->name, info->peer_name[i], sizeof(cc->name), cc->id);
		con.n++;
	}
	return (int)con.n;
}

/* ---- Channels ---- */

static uint32_t own_status(const struct cchan *cc)
{
	const struct bh_chan_hdr *h = (const void *)cc->mem;

	return __atomic_load_n(&h->ep[BH_CHAN_SERVER].status, __ATOMIC_RELAXED);
}

static uint16_t chan_state(const struct cchan *cc)
{
	const struct bh_chan_hdr *h = (const void *)cc->mem;

	return __atomic_load_n(&h->state, __ATOMIC_RELAXED);
}

/* Laid out by the client and not attached by us yet: attach. Right after
 * console_init() also a READY channel that an earlier life of this partition had attached
 * (our endpoint still ALIVE or DEAD: nobody marked the channel dead): we take it over, the
 * client sees our generation change and lays it out afresh. A failure is noted when it
 * happens twice in a row (once may be a layout in progress). */
static void cc_attach(struct cchan *cc)
{
	int err;

	uint16_t state = chan_state(cc);

	if ((own_status(cc) != BH_CHAN_EP_NONE && !cc->fresh) ||
	    (state != BH_CHAN_READY && state != BH_CHAN_DEAD))
		return;
	/* DEAD with our endpoint never attached: a client that wrote and ended before we
	 * looked; what it wrote is still shown */
	err = chan_attach_late(&cc->ch, cc->mem, cc->size, CHAN_SERVER, con_type);
	if (err) {
		if (++cc->fails == 2)
			con_note(cc, "console channel refused", err);
		return;
	}
	cc->fails = 0;
	cc->fresh = false;
	cc->st = CC_UP;
	cline_reset(&cc->line);
}

void cc_flush(struct cchan *cc)
{
	cline_flush(&cc->line, emit_chan, cc);
}

/* The channel as we knew it is over: attached mode on it ends (saying why), what was held
 * is shown, our end closed (unless the client laid it out again: then our endpoint is NONE
 * and stays so for cc_attach). */
static void cc_down(struct cchan *cc, bool close, const char *why)
{
	if (cc == con.a.att)
		attach_end(why);
	cc_flush(cc);
	if (close)
		chan_close(&cc->ch);
	cc->st = CC_WAIT;
}

#define CC_WHY_RELAID "it laid its console channel out again (restarted)"
#define CC_WHY_DEAD   "it is down (its console channel is dead)"

/* chan_recv() failed with err. */
static void cc_failed(struct cchan *cc, long err)
{
	if (own_status(cc) != BH_CHAN_EP_ALIVE) {
		cc_down(cc, false, CC_WHY_RELAID); /* laid out again under us */
	} else if (err == -BH_EIO && !chan_error(&cc->ch)) {
		cc_down(cc, true, CC_WHY_DEAD); /* the client died; what it sent is shown */
	} else {
		if (cc == con.a.att) /* first, so that the note is not held */
			attach_end("its console channel broke the protocol and was dropped");
		con_note(cc, err == -BH_E2BIG ? "message too long, channel dropped" :
						"channel corrupt, dropped", (int)err);
		cc_down(cc, true, NULL);
	}
}

/* At most about CONSOLE_DRAIN_BYTES into lines (the attached channel's: to the UART as
 * they are). A control message is acted on; once it attached the UART elsewhere, this
 * channel is held from the next message on. → bytes taken (+ 1 per message). */
static size_t cc_drain(struct cchan *cc)
{
	size_t got = 0;

	while (cc->st == CC_UP && got < CONSOLE_DRAIN_BYTES && !attach_holds(cc)) {
		long n = chan_recv(&cc->ch, con.msg, sizeof(con.msg));

		if (n == -BH_ENOENT)
			break;
		if (n < 0) {
			cc_failed(cc, n);
			break;
		}
		got += (size_t)n + 1;
		if (attach_ctl(cc, con.msg, (size_t)n))
			continue;
		if (cc == con.a.att)
			attach_out(con.msg, (size_t)n);
		else
			cline_feed(&cc->line, con.msg, (size_t)n, emit_chan, cc);
	}
	return got;
}

/* A held channel (attached mode, another partition's) is attached and re-attached, never
 * read: what its client writes waits in its ring. */
static void cc_serve(struct cchan *cc)
{
	if (cc->st == CC_UP && own_status(cc) != BH_CHAN_EP_ALIVE)
		cc_down(cc, false, CC_WHY_RELAID); /* the client laid it out again */
	if (cc->st != CC_UP)
		cc_attach(cc);
	if (cc->st != CC_UP || attach_holds(cc))
		return;
	if (!cc_drain(cc))
		cline_flush(&cc->line, emit_chan, cc); /* nothing more came for a held line */
	if (cc->st == CC_UP && chan_need_notify(&cc->ch))
		console_signal(cc->id);
}

/* ---- Input ---- */

static void echo(void *ctx, const char *bytes, size_t len)
{
	con_put(bytes, len);
}

static struct cchan *command_chan(void)
{
	for (unsigned i = 0; i < con.n; i++)
		if (con.c[i].kind == BH_CFG_KIND_COMMAND)
			return &con.c[i];
	return NULL;
}

/* One typed line to the command partition, or dropped with a note. */
static void route(const char *line, size_t len)
{
	struct cchan *cc = command_chan();
	int r;

	if (!cc) {
		con_line("console: no command partition here: typed line dropped");
		return;
	}
	if (cc->st != CC_UP) {
		con_line("console: %s is not attached: typed line dropped", cc->name);
		return;
	}
	r = chan_send(&cc->ch, line, len);
	if (r)
		con_line("console: %s %s: typed line dropped (error %d)", cc->name,
			 r == -BH_ENOSPC ? "is not reading" : "cannot take it", r);
	if (chan_need_notify(&cc->ch))
		console_signal(cc->id);
}

static void input(void)
{
	for (int i = 0; i < CONSOLE_INPUT_BYTES; i++) {
		int b = con.u ? uart_getc(con.u) : -1;
		size_t len;

		if (b < 0)
			break;
		if (con.a.att) {
			attach_key((uint8_t)b);
			continue;
		}
		len = ldisc_byte(&con.in, (uint8_t)b, echo, NULL);
		if (len)
			route(con.in.buf, len);
	}
	attach_keys_send();
}

/* ---- The round ---- */

void console_poll(void)
{
	input();
	for (unsigned k = 0; k < con.n; k++)
		cc_serve(&con.c[(con.next + k) % con.n]);
	if (con.n)
		con.next = (con.next + 1) % con.n;
	if (!con.own_fresh)
		cline_flush(&con.own, emit_own, NULL);
	con.own_fresh = false;
}

/* Channels we read: a held one would wake us for nothing it may show. */
static bool cc_read(const struct cchan *cc)
{
	return cc->st == CC_UP && !attach_holds(cc);
}

int console_prepare_wait(void)
{
	for (unsigned i = 0; i < con.n; i++) {
		if (cc_read(&con.c[i]) && chan_prepare_wait(&con.c[i].ch) != 0) {
			console_cancel_wait();
			return 1;
		}
	}
	return 0;
}

void console_cancel_wait(void)
{
	for (unsigned i = 0; i < con.n; i++)
		if (cc_read(&con.c[i]))
			chan_cancel_wait(&con.c[i].ch);
}
