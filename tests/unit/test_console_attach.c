/* SPDX-License-Identifier: MIT */
/* test_console_attach.c - attached mode (iopart/console-attach.c, the CLI's "console <p>")
 * over real channels with a fake UART: the control message and its answer, raw typed bytes
 * to the attached partition, its output unprefixed, the others held, Ctrl-], refusals (a
 * non-command channel, unknown names, malformed requests), a ring 0 nobody reads, and
 * detaching when the attached partition goes down or lays its channel out again. */
#include "console_test.h"

enum { CMD = 0, G1 = 1, G2 = 2 }; /* machine_up(3, true, ...): command, guest-1, guest-2 */

#define ATTACHED(n) "[iopart-a] console: attached to " n "; Ctrl-] returns to the CLI\r\n"

/* The command partition asks; one server round; → the answer's status (1: none came). */
static int ask(struct machine *m, const char *name)
{
	char line[256];
	int status = 1;

	assert_int_equal(bh_con_ask_attach(&m->cli[CMD], name), 0);
	console_poll();
	assert_int_equal(bh_con_read_line(&m->cli[CMD], line, sizeof(line)), 0); /* no line */
	bh_con_answer(&m->cli[CMD], &status);
	return status;
}

/* The next message on ring 0 of client i, NUL-terminated; → its length, -1 if none. */
static long ring0(struct machine *m, unsigned i, char *buf, size_t cap)
{
	long n = chan_recv(&m->cli[i].ch, buf, cap - 1);

	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

static struct machine *attached_to_guest_1(void)
{
	struct machine *m = machine_up(3, true, true);

	console_poll(); /* every channel attached */
	assert_int_equal(ask(m, "guest-1"), 0);
	assert_string_equal(uart_take(), ATTACHED("guest-1"));
	return m;
}

void test_attach_detach(void **state)
{
	struct machine *m = attached_to_guest_1();
	char buf[256];

	uart_type("ls -l\r\x7f\x03"); /* raw: CR, DEL and ^C as typed, no echo */
	console_poll();
	assert_string_equal(uart_take(), "");
	assert_int_equal(ring0(m, G1, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "ls -l\r\x7f\x03");
	assert_int_equal(ring0(m, G1, buf, sizeof(buf)), -1); /* one message per round */
	assert_int_equal(bh_con_read_line(&m->cli[CMD], buf, sizeof(buf)), 0); /* not the CLI's */

	uart_type("\x1d");
	console_poll();
	assert_string_equal(uart_take(), "[iopart-a] console: detached from guest-1\r\n");
	uart_type("list\r"); /* line mode again: echoed, to the CLI */
	console_poll();
	assert_string_equal(uart_take(), "list\r\n");
	assert_int_equal(bh_con_read_line(&m->cli[CMD], buf, sizeof(buf)), 4);
	assert_string_equal(buf, "list");
	assert_int_equal(ring0(m, G1, buf, sizeof(buf)), -1);

	assert_int_equal(ask(m, "guest-2"), 0); /* and again, elsewhere */
	assert_string_equal(uart_take(), ATTACHED("guest-2"));
	machine_down(m);
}

/* Bytes before Ctrl-] in the same round go to the partition, bytes after it to the line
 * discipline. */
void test_attach_escape_mid_round(void **state)
{
	struct machine *m = attached_to_guest_1();
	char buf[256];

	uart_type("abc\x1dhelp\r");
	console_poll();
	assert_int_equal(ring0(m, G1, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	assert_string_equal(uart_take(), "[iopart-a] console: detached from guest-1\r\nhelp\r\n");
	assert_int_equal(bh_con_read_line(&m->cli[CMD], buf, sizeof(buf)), 4);
	machine_down(m);
}

/* The attached partition's output: at once, no prefix, escape sequences as they are, a
 * bare '\n' as "\r\n"; the others' lines (and our own) wait for the detach, in order. */
void test_attach_output(void **state)
{
	struct machine *m = attached_to_guest_1();

	cwrite(m, G1, "$ ");
	console_poll();
	assert_string_equal(uart_take(), "$ "); /* a prompt: no newline waited for */
	cwrite(m, G2, "held\n");
	cwrite(m, CMD, "held too\n");
	console_own("ours\n", 5);
	cwrite(m, G1, "a\nb\r\n\x1b[1mc\x1b[0m");
	console_poll();
	console_poll();
	assert_string_equal(uart_take(), "a\r\nb\r\n\x1b[1mc\x1b[0m");
	assert_int_equal(console_prepare_wait(), 0); /* the held ones do not keep us awake */
	console_cancel_wait();

	uart_type("\x1d");
	console_poll();
	assert_string_equal(uart_take(), "\r\n[iopart-a] console: detached from guest-1\r\n"
			    "[iopart-a] ours\r\n[guest-2] held\r\n[command] held too\r\n");
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(m->f[i].nfb, 0); /* nothing took the fallback */
	machine_down(m);
}

/* Our own lines while attached are held as far as CONSOLE_HOLD_BYTES; the rest are counted. */
void test_attach_hold_overflow(void **state)
{
	struct machine *m = attached_to_guest_1();
	char line[101], *out;
	unsigned kept = CONSOLE_HOLD_BYTES / (sizeof("[iopart-a] ") - 1 + 99 + 2);

	memset(line, 'n', 99);
	line[99] = '\n';
	for (int k = 0; k < 30; k++)
		console_own(line, 100);
	uart_type("\x1d");
	console_poll();
	out = uart_take();
	assert_non_null(strstr(out, "detached from guest-1\r\n[iopart-a] nnnn"));
	snprintf(line, sizeof(line), "console: %u lines shown while attached were lost", 30 - kept);
	assert_non_null(strstr(out, line));
	machine_down(m);
}

/* guest-1 never reads its ring 0: the server goes on, drops what does not fit, and says
 * how much at the detach. */
void test_attach_ring0_full(void **state)
{
	struct machine *m = attached_to_guest_1();
	unsigned slots = bh_console_slots(CHAN_SIZE);

	for (unsigned k = 0; k < slots + 6; k++) {
		uart_type("xy");
		console_poll();
	}
	uart_type("\x1d");
	console_poll();
	assert_string_equal(uart_take(), "[iopart-a] console: detached from guest-1; 12 typed "
			    "bytes dropped (guest-1 did not take them)\r\n");
	machine_down(m);
}

/* The attached partition goes down: what it wrote is shown, then the detach and why. So
 * when it lays its channel out again (a restart). */
void test_attach_auto_detach(void **state)
{
	struct machine *m = attached_to_guest_1();
	char buf[256];

	cwrite(m, G1, "bye");
	chan_mark_dead(m->mem[G1], CHAN_SIZE, CHAN_CLIENT);
	console_poll();
	assert_string_equal(uart_take(), "bye\r\n[iopart-a] console: detached from guest-1: it is "
			    "down (its console channel is dead)\r\n");
	uart_type("x\r");
	console_poll();
	assert_int_equal(bh_con_read_line(&m->cli[CMD], buf, sizeof(buf)), 1);

	assert_int_equal(ask(m, "guest-1"), -BH_EIO); /* down: not up to attach to */
	client_open(m, G1);
	console_poll();
	assert_int_equal(ask(m, "guest-1"), 0);
	uart_take();
	client_open(m, G1); /* laid out again under us */
	console_poll();
	assert_string_equal(uart_take(), "[iopart-a] console: detached from guest-1: it laid its "
			    "console channel out again (restarted)\r\n");
	machine_down(m);
}

/* A control message from a guest's channel: not shown, not answered, refused with a note;
 * nothing changes. */
void test_attach_refused_from_guest(void **state)
{
	struct machine *m = machine_up(3, true, true);
	struct bh_console_ctl rq = { .lead = BH_CONSOLE_CTL_LEAD, .op = BH_CONSOLE_CTL_ATTACH,
				     .name = "guest-2" };
	char buf[256];

	memcpy(rq.magic, BH_CONSOLE_CTL_MAGIC, 3);
	console_poll();
	assert_int_equal(chan_send(&m->cli[G1].ch, &rq, sizeof(rq)), 0);
	assert_int_equal(bh_con_ask_attach(&m->cli[G1], "guest-2"), 0); /* the library's too */
	console_poll();
	assert_string_equal(uart_take(), "[iopart-a] console: guest-1: control message refused: "
			    "only the command partition attaches (error -1)\r\n"
			    "[iopart-a] console: guest-1: control message refused: only the "
			    "command partition attaches (error -1)\r\n");
	assert_int_equal(ring0(m, G1, buf, sizeof(buf)), -1);
	uart_type("list\r");
	console_poll();
	assert_string_equal(uart_take(), "list\r\n"); /* still line mode */
	assert_int_equal(bh_con_read_line(&m->cli[CMD], buf, sizeof(buf)), 4);
	machine_down(m);
}

/* What the server answers the command partition, and what the library accepts. */
void test_attach_refused_names(void **state)
{
	struct machine *m = machine_up(3, true, false);
	struct bh_console_ctl rq = { .lead = BH_CONSOLE_CTL_LEAD, .op = BH_CONSOLE_CTL_ATTACH };
	struct bh_con none;
	char buf[256], name[40];

	client_open(m, CMD);
	client_open(m, G1);
	assert_int_equal(bh_con_ask_attach(&m->cli[CMD], "guest-1"), -BH_EIO); /* no server yet */
	console_poll();
	uart_take();
	assert_int_equal(ask(m, "nosuch"), -BH_ENOENT);
	assert_int_equal(ask(m, "iopart-a"), -BH_ENOENT); /* the server has no channel of its own */
	assert_int_equal(ask(m, "command"), -BH_EPERM);
	assert_int_equal(ask(m, "guest-2"), -BH_EIO); /* its client has not laid it out */
	memset(name, 'a', sizeof(name));
	name[BH_NAME_MAX] = 0;
	assert_int_equal(bh_con_ask_attach(&m->cli[CMD], name), -BH_EINVAL);
	assert_int_equal(bh_con_ask_attach(&m->cli[CMD], ""), -BH_EINVAL);
	assert_int_equal(bh_con_open(&none, NULL, 0, 0, m->cli[CMD].ops), 0);
	assert_int_equal(bh_con_ask_attach(&none, "guest-1"), -BH_ENOENT);

	/* by hand: a name without its NUL, then an op the server does not take */
	memcpy(rq.magic, BH_CONSOLE_CTL_MAGIC, 3);
	memset(rq.name, 'g', sizeof(rq.name));
	assert_int_equal(chan_send(&m->cli[CMD].ch, &rq, sizeof(rq)), 0);
	strcpy(rq.name, "guest-1");
	rq.op = BH_CONSOLE_CTL_ANSWER;
	assert_int_equal(chan_send(&m->cli[CMD].ch, &rq, sizeof(rq)), 0);
	console_poll();
	for (int k = 0; k < 2; k++) {
		struct bh_console_ctl a;

		assert_int_equal(ring0(m, CMD, buf, sizeof(buf)), sizeof(a));
		memcpy(&a, buf, sizeof(a));
		assert_int_equal(a.op, BH_CONSOLE_CTL_ANSWER);
		assert_int_equal(a.status, -BH_EINVAL);
	}
	/* one byte short of a control message: text, shown (NUL as '?') */
	assert_int_equal(chan_send(&m->cli[CMD].ch, &rq, sizeof(rq) - 1), 0);
	console_poll();
	console_poll();
	assert_memory_equal(uart_take(), "[command] ?BHC?", 15);
	assert_string_equal(uart_take(), "");
	machine_down(m);
}

/* The answer waits on ring 0 behind a line typed before it: the line comes first, the
 * answer is set aside; an answer about another name is not ours. */
void test_attach_answer_behind_a_line(void **state)
{
	struct machine *m = machine_up(3, true, true);
	char buf[256];
	int status = 1;

	console_poll();
	assert_int_equal(bh_con_ask_attach(&m->cli[CMD], "guest-1"), 0);
	uart_type("typed ahead\r");
	console_poll(); /* the line first (typed bytes come before the channels), then the answer */
	assert_int_equal(bh_con_answer(&m->cli[CMD], &status), 0);
	assert_int_equal(bh_con_read_line(&m->cli[CMD], buf, sizeof(buf)), 11);
	assert_string_equal(buf, "typed ahead");
	assert_int_equal(bh_con_answer(&m->cli[CMD], &status), 0);
	assert_int_equal(bh_con_read_line(&m->cli[CMD], buf, sizeof(buf)), 0);
	assert_int_equal(bh_con_answer(&m->cli[CMD], &status), 1);
	assert_int_equal(status, 0);
	assert_int_equal(bh_con_answer(&m->cli[CMD], &status), 0); /* taken */

	/* an answer to an earlier ask is not taken for the answer to the last one */
	uart_type("\x1d");
	console_poll();
	uart_take();
	assert_int_equal(bh_con_ask_attach(&m->cli[CMD], "nosuch"), 0);
	console_poll(); /* answered -BH_ENOENT, not read yet */
	assert_int_equal(bh_con_ask_attach(&m->cli[CMD], "guest-2"), 0);
	console_poll();
	assert_int_equal(bh_con_read_line(&m->cli[CMD], buf, sizeof(buf)), 0);
	assert_int_equal(bh_con_answer(&m->cli[CMD], &status), 1);
	assert_int_equal(status, 0);
	assert_string_equal(uart_take(), ATTACHED("guest-2"));
	machine_down(m);
}
