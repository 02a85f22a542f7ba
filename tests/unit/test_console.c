/* SPDX-License-Identifier: MIT */
/* test_console.c - the console over channels: line assembly and the line discipline
 * (iopart/console-line.c), and the mux (iopart/console.c) over real channels in host
 * memory with a fake UART: prefixes, partial and long lines, hostile bytes, a flooding
 * client, a scribbling client, deaths and re-layouts, typed input. The runtime's client
 * end: test_console_rt.c; attached mode: test_console_attach.c; the fakes: console_fake.c. */
#include "console_test.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- output lines ---- */

static char lines[16][CLINE_MAX + 1];
static unsigned nlines;

static void collect(void *ctx, const char *text, size_t len)
{
	assert_true(len <= CLINE_MAX);
	assert_true(nlines < 16);
	memcpy(lines[nlines], text, len);
	lines[nlines++][len] = 0;
}

static void feed(struct cline *l, const char *s, size_t n)
{
	cline_feed(l, s, n, collect, NULL);
}

static void test_cline_lines(void **state)
{
	struct cline l;

	cline_reset(&l);
	nlines = 0;
	feed(&l, "hello\nwor", 9);
	feed(&l, "ld\n\nx", 5);
	assert_int_equal(nlines, 3);
	assert_string_equal(lines[0], "hello");
	assert_string_equal(lines[1], "world");
	assert_string_equal(lines[2], ""); /* an empty line is a line */
	assert_int_equal(l.len, 1);        /* "x" is held */
}

static void test_cline_long(void **state)
{
	char big[451];
	struct cline l;

	cline_reset(&l);
	nlines = 0;
	memset(big, 'a', 450);
	big[450] = '\n';
	feed(&l, big, 451);
	assert_int_equal(nlines, 3);
	assert_int_equal(strlen(lines[0]), 200);
	assert_int_equal(strlen(lines[1]), 200);
	assert_int_equal(strlen(lines[2]), 50);

	/* exactly 200 and then its newline (even after a CR): one line, not an empty second */
	nlines = 0;
	big[200] = '\r';
	big[201] = '\n';
	feed(&l, big, 202);
	assert_int_equal(nlines, 1);
	feed(&l, "\n", 1); /* a newline of its own still is an empty line */
	assert_int_equal(nlines, 2);
	assert_string_equal(lines[1], "");
}

static void test_cline_hostile_bytes(void **state)
{
	static const char evil[] = "a\0b\x1b[31mc\r\xff\x7f\td\x9b\n";
	struct cline l;

	cline_reset(&l);
	nlines = 0;
	feed(&l, evil, sizeof(evil) - 1);
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "a?b?[31mc??\td?");
	assert_int_equal(cline_show('\r'), 0);
	assert_int_equal(cline_show(0), '?');
	assert_int_equal(cline_show('~'), '~');
}

static void test_cline_flush(void **state)
{
	struct cline l;

	cline_reset(&l);
	nlines = 0;
	cline_flush(&l, collect, NULL); /* nothing held: nothing */
	feed(&l, "Loading...", 10);
	cline_flush(&l, collect, NULL);
	feed(&l, "\n", 1); /* ends nothing: the held part went out already */
	feed(&l, "done\n", 5);
	assert_int_equal(nlines, 2);
	assert_string_equal(lines[0], "Loading...");
	assert_string_equal(lines[1], "done");
}

/* ---- the line discipline ---- */

static char echoed[4096];
static size_t nechoed;

static void echo_to(void *ctx, const char *b, size_t n)
{
	assert_true(nechoed + n < sizeof(echoed));
	memcpy(echoed + nechoed, b, n);
	echoed[nechoed += n] = 0;
}

/* Types s; → the last line it ended ("" if none), *nl the number of lines. */
static const char *typed(struct ldisc *l, const char *s, size_t n, unsigned *nl)
{
	static char last[LDISC_MAX + 1];

	last[0] = 0;
	*nl = 0;
	nechoed = 0;
	echoed[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = ldisc_byte(l, (uint8_t)s[i], echo_to, NULL);

		if (len) {
			memcpy(last, l->buf, len);
			last[len] = 0;
			++*nl;
		}
	}
	return last;
}

#define TYPE(l, s, nl) typed(l, s, sizeof(s) - 1, nl)

static void test_ldisc_edit(void **state)
{
	struct ldisc l;
	unsigned nl;

	ldisc_reset(&l);
	assert_string_equal(TYPE(&l, "ls\b\x7fhelp\r\n", &nl), "help");
	assert_int_equal(nl, 1);
	assert_string_equal(echoed, "ls\b \b\b \bhelp\r\n");
	assert_string_equal(TYPE(&l, "abc\x15x\n", &nl), "x");
	assert_string_equal(echoed, "abc\b \b\b \b\b \bx\r\n");
	assert_string_equal(TYPE(&l, "\b\x15" "a\tb\r", &nl), "a b"); /* erase on empty: nothing */
	assert_string_equal(echoed, "a b\r\n");
}

static void test_ldisc_ignored(void **state)
{
	struct ldisc l;
	unsigned nl;

	ldisc_reset(&l);
	assert_string_equal(TYPE(&l, "\x01" "a\x80\xff" "b\x03\n", &nl), "ab");
	assert_string_equal(echoed, "ab\r\n");
	/* cursor keys and a CSI with parameters are swallowed whole */
	assert_string_equal(TYPE(&l, "\x1b[Aa\x1bOBb\x1b[1;5Cc\x1bxd\n", &nl), "abcd");
	assert_string_equal(echoed, "abcd\r\n");
	/* empty lines are no lines; CR LF is one end, LF LF two */
	assert_string_equal(TYPE(&l, "\r\n\r\n\n", &nl), "");
	assert_int_equal(nl, 0);
	assert_string_equal(echoed, "\r\n\r\n\r\n");
	assert_string_equal(TYPE(&l, "a\nb\n", &nl), "b");
	assert_int_equal(nl, 2);
}

static void test_ldisc_long(void **state)
{
	char s[207];
	struct ldisc l;
	unsigned nl;

	ldisc_reset(&l);
	memset(s, 'x', 205);
	s[205] = '\r';
	s[206] = 0;
	assert_int_equal(strlen(typed(&l, s, 206, &nl)), LDISC_MAX);
	assert_int_equal(count(echoed, "\a"), 5);
	assert_int_equal(count(echoed, "x"), LDISC_MAX);
}

/* ---- the mux ---- */

static void test_mux_prefixes(void **state)
{
	struct machine *m = machine_up(3, true, true);
	char *out;

	cwrite(m, 0, "hello from command\n");
	cwrite(m, 1, "guest ");
	cwrite(m, 1, "says hi\nsecond line\n");
	cwrite(m, 2, "\n");
	console_poll();
	out = uart_take();
	assert_non_null(strstr(out, "[command] hello from command\r\n"));
	assert_non_null(strstr(out, "[guest-1] guest says hi\r\n[guest-1] second line\r\n"));
	assert_non_null(strstr(out, "[guest-2] \r\n"));
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(m->f[i].nfb, 0);
	machine_down(m);
}

/* Clients write before the I/O partition runs: the ring keeps what fits, the rest takes
 * the fallback at once (no wait: nobody is there to make room). */
static void test_mux_before_server(void **state)
{
	struct machine *m = machine_up(2, true, true);
	char line[32], *out = NULL;
	unsigned slots = bh_console_slots(CHAN_SIZE);

	for (unsigned k = 0; k < slots + 10; k++) {
		snprintf(line, sizeof(line), "line %u\n", k);
		cwrite(m, 1, line);
	}
	assert_int_equal(m->f[1].sleeps, 0);
	assert_non_null(strstr(m->f[1].fb, "line 64\n"));
	assert_null(strstr(m->f[1].fb, "line 63\n"));
	for (int k = 0; k < 4; k++)
		console_poll();
	out = uart_take();
	assert_int_equal(count(out, "[guest-1] line "), slots);
	assert_non_null(strstr(out, "[guest-1] line 0\r\n"));
	assert_non_null(strstr(out, "[guest-1] line 63\r\n"));
	machine_down(m);
}

static void test_mux_flood_is_fair(void **state)
{
	struct machine *m = machine_up(3, true, true);
	char chunk[248];
	size_t n;
	char *out;

	console_poll(); /* all attached */
	memset(chunk, 'x', sizeof(chunk));
	while (chan_send(&m->cli[1].ch, chunk, sizeof(chunk)) == 0) /* a full ring, no newline */
		;
	cwrite(m, 2, "still here\n");
	cwrite(m, 0, "me too\n");
	console_poll();
	out = uart_take();
	assert_non_null(strstr(out, "[guest-2] still here\r\n"));
	assert_non_null(strstr(out, "[command] me too\r\n"));
	assert_true(count(out, "x") < 4 * sizeof(chunk)); /* guest-1 got its share, no more */
	assert_true(count(out, "[guest-1] ") >= 1);
	n = count(out, "x");
	for (int k = 0; k < 64; k++)
		console_poll();
	out = uart_take();
	assert_int_equal(n + count(out, "x"), 64 * sizeof(chunk)); /* all of it in the end */
	assert_int_equal(count(out, "[guest-1] xxxxxxxx"), (64 * sizeof(chunk) - n + 199) / 200);
	machine_down(m);
}

/* guest-1 corrupts its own producer index: its channel is dropped with a note; the others
 * go on; its next write lays the channel out again and it is back. */
static void test_mux_scribbler(void **state)
{
	struct machine *m = machine_up(3, true, true);
	char *out;

	cwrite(m, 1, "before\n");
	console_poll();
	assert_non_null(strstr(uart_take(), "[guest-1] before\r\n"));
	chdr(m, 1)->idx[1].prod.value += 1000;
	cwrite(m, 2, "unaffected\n");
	console_poll();
	out = uart_take();
	assert_non_null(strstr(out, "[iopart-a] console: guest-1: channel corrupt, dropped"));
	assert_non_null(strstr(out, "[guest-2] unaffected\r\n"));
	assert_int_equal(chdr(m, 1)->ep[BH_CHAN_SERVER].status, BH_CHAN_EP_DEAD);

	cwrite(m, 1, "back again\n"); /* sees the server's end closed: lays out afresh */
	assert_int_equal(m->cli[1].stats.layouts, 2);
	console_poll();
	out = uart_take();
	assert_non_null(strstr(out, "[guest-1] back again\r\n"));

	/* a slot header longer than its slot */
	cwrite(m, 1, "x"); /* slot 1: "back again\n" went in slot 0 */
	*(uint32_t *)(m->mem[1] + chdr(m, 1)->ring[1].slots_off + BH_CONSOLE_SLOT_SIZE) = 4000;
	console_poll();
	assert_non_null(strstr(uart_take(), "guest-1: channel corrupt, dropped"));
	machine_down(m);
}

/* A client that lays out a channel of another type is refused, noted once. */
static void test_mux_wrong_type(void **state)
{
	static const uint8_t other[16] = "not-a-console";
	struct machine *m = machine_up(2, true, false);
	char *out;

	assert_int_equal(chan_init(m->mem[1], CHAN_SIZE, other, 256, 16), 0);
	for (int k = 0; k < 5; k++)
		console_poll();
	out = uart_take();
	assert_int_equal(count(out, "console channel refused (error -1)"), 1);
	client_open(m, 1); /* laid out properly now */
	cwrite(m, 1, "ok now\n");
	console_poll();
	assert_non_null(strstr(uart_take(), "[guest-1] ok now\r\n"));
	machine_down(m);
}

/* A client of its own making lays out bulk buffers and sends more than a message may
 * hold: dropped with a note. */
static void test_mux_too_long(void **state)
{
	static const uint8_t type[16] = BH_CONSOLE_TYPE;
	static char big[5000];
	struct machine *m = machine_up(2, true, false);
	struct chan c;

	assert_int_equal(chan_init(m->mem[1], CHAN_SIZE, type, 64, 2), 0);
	assert_int_equal(chan_attach(&c, m->mem[1], CHAN_SIZE, CHAN_CLIENT, type), 0);
	memset(big, 'b', sizeof(big));
	assert_int_equal(chan_send(&c, big, sizeof(big)), 0);
	console_poll();
	assert_string_equal(uart_take(), "[iopart-a] console: guest-1: message too long, channel "
			    "dropped (error -7)\r\n");
	assert_int_equal(chdr(m, 1)->ep[BH_CHAN_SERVER].status, BH_CHAN_EP_DEAD);
	machine_down(m);
}

static void test_mux_partial_line(void **state)
{
	struct machine *m = machine_up(2, true, true);

	cwrite(m, 1, "Loading...");
	console_poll();
	assert_string_equal(uart_take(), ""); /* held: more may come */
	console_poll();
	assert_string_equal(uart_take(), "[guest-1] Loading...\r\n"); /* nothing more came */
	cwrite(m, 1, "\ndone\n");
	console_poll();
	assert_string_equal(uart_take(), "[guest-1] done\r\n");
	machine_down(m);
}

static void test_mux_own(void **state)
{
	struct machine *m = machine_up(1, true, true);

	assert_int_equal(console_own("up\x1b[2J\nhalf", 11), 11);
	assert_string_equal(uart_take(), "[iopart-a] up?[2J\r\n");
	console_poll();
	assert_string_equal(uart_take(), "");
	console_poll();
	assert_string_equal(uart_take(), "[iopart-a] half\r\n");
	machine_down(m);
}

/* The client dies (the ultravisor marks it) with a partial line: it is shown; the next
 * life lays the channel out and is attached. A server's death: its next life still shows
 * what the dead layout held unread; the client lays out afresh at its next write, and the
 * new server attaches to that. */
static void test_mux_deaths(void **state)
{
	struct machine *m = machine_up(2, true, true);

	cwrite(m, 1, "last words");
	console_poll();
	chan_mark_dead(m->mem[1], CHAN_SIZE, CHAN_CLIENT);
	console_poll();
	assert_string_equal(uart_take(), "[guest-1] last words\r\n");
	client_open(m, 1); /* its next life */
	cwrite(m, 1, "reborn\n");
	console_poll();
	assert_string_equal(uart_take(), "[guest-1] reborn\r\n");

	cwrite(m, 1, "unread when the server died\n");
	chan_mark_dead(m->mem[1], CHAN_SIZE, CHAN_SERVER);
	assert_int_equal(console_init(&m->io, &m->u), 2); /* the server's next life */
	console_poll();
	assert_string_equal(uart_take(), "[guest-1] unread when the server died\r\n");
	cwrite(m, 1, "after\n");
	console_poll();
	assert_string_equal(uart_take(), "[guest-1] after\r\n");
	assert_int_equal(m->f[1].nfb, 0);
	machine_down(m);
}

/* The client lays the channel out again while the server is attached: re-attached. */
static void test_mux_relayout(void **state)
{
	struct machine *m = machine_up(2, true, true);

	cwrite(m, 1, "one\n");
	console_poll();
	client_open(m, 1);
	cwrite(m, 1, "two\n");
	console_poll();
	assert_string_equal(uart_take(), "[guest-1] one\r\n[guest-1] two\r\n");
	machine_down(m);
}

static void test_mux_input(void **state)
{
	struct machine *m = machine_up(3, true, true);
	char buf[256];

	console_poll();
	uart_type("hlp\b\belp\r\n");
	console_poll();
	assert_string_equal(uart_take(), "hlp\b \b\b \belp\r\n");
	assert_int_equal(bh_con_read_line(&m->cli[0], buf, sizeof(buf)), 4);
	assert_string_equal(buf, "help");
	assert_int_equal(bh_con_read_line(&m->cli[0], buf, sizeof(buf)), 0);
	assert_int_equal(bh_con_read_line(&m->cli[1], buf, sizeof(buf)), 0); /* guests: none */

	/* a line cut to the reader's buffer */
	uart_type("list zones\r");
	console_poll();
	assert_int_equal(bh_con_read_line(&m->cli[0], buf, 4), 4);
	assert_memory_equal(buf, "list", 4);

	/* output while the operator types: the partial line is shown again below it */
	uart_take();
	uart_type("lis");
	console_poll();
	cwrite(m, 1, "x\n");
	console_poll();
	assert_string_equal(uart_take(), "lis\r\n[guest-1] x\r\nlis");
	machine_down(m);
}

static void test_mux_input_nowhere(void **state)
{
	struct machine *m = machine_up(2, false, true); /* guests only */

	console_poll();
	uart_type("list\r");
	console_poll();
	assert_string_equal(uart_take(), "list\r\n[iopart-a] console: no command partition here: "
			    "typed line dropped\r\n");
	machine_down(m);

	m = machine_up(2, true, false); /* the command partition has not laid it out yet */
	uart_type("list\r");
	console_poll();
	assert_non_null(strstr(uart_take(), "console: command is not attached: typed line dropped"));
	machine_down(m);
}

/* ---- test_console_rt.c ---- */
void test_rt_find(void **state);
void test_rt_fallback_only(void **state);
void test_rt_chunks(void **state);
void test_rt_wait_room(void **state);
void test_rt_room_made(void **state);
void test_rt_server_gone(void **state);
void test_rt_notify(void **state);

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cline_lines),
		cmocka_unit_test(test_cline_long),
		cmocka_unit_test(test_cline_hostile_bytes),
		cmocka_unit_test(test_cline_flush),
		cmocka_unit_test(test_ldisc_edit),
		cmocka_unit_test(test_ldisc_ignored),
		cmocka_unit_test(test_ldisc_long),
		cmocka_unit_test(test_mux_prefixes),
		cmocka_unit_test(test_mux_before_server),
		cmocka_unit_test(test_mux_flood_is_fair),
		cmocka_unit_test(test_mux_scribbler),
		cmocka_unit_test(test_mux_wrong_type),
		cmocka_unit_test(test_mux_too_long),
		cmocka_unit_test(test_mux_partial_line),
		cmocka_unit_test(test_mux_own),
		cmocka_unit_test(test_mux_deaths),
		cmocka_unit_test(test_mux_relayout),
		cmocka_unit_test(test_mux_input),
		cmocka_unit_test(test_mux_input_nowhere),
		cmocka_unit_test(test_attach_detach),
		cmocka_unit_test(test_attach_escape_mid_round),
		cmocka_unit_test(test_attach_output),
		cmocka_unit_test(test_attach_hold_overflow),
		cmocka_unit_test(test_attach_ring0_full),
		cmocka_unit_test(test_attach_auto_detach),
		cmocka_unit_test(test_attach_refused_from_guest),
		cmocka_unit_test(test_attach_refused_names),
		cmocka_unit_test(test_attach_answer_behind_a_line),
		cmocka_unit_test(test_rt_find),
		cmocka_unit_test(test_rt_fallback_only),
		cmocka_unit_test(test_rt_chunks),
		cmocka_unit_test(test_rt_wait_room),
		cmocka_unit_test(test_rt_room_made),
		cmocka_unit_test(test_rt_server_gone),
		cmocka_unit_test(test_rt_notify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
