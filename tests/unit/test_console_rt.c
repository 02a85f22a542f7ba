/* SPDX-License-Identifier: MIT */
/* test_console_rt.c - the runtime's console client (lib/rt/console.c) against the mux of
 * test_console.c: finding the channel, the fallback, chunks, waiting for room (and giving
 * up on a stalled server), a dead server, notifications. */
#include "console_test.h"

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

void test_rt_find(void **state)
{
	struct bh_partition_info info = { .mem_count = 4 };

	info.mem[0] = (struct bh_mem_region){ 0, 0x200000, BH_MEM_R | BH_MEM_W, BH_MEM_KIND_RAM };
	info.mem[1] = (struct bh_mem_region){ 0x40000000, 0x4000, BH_MEM_R | BH_MEM_W,
					      BH_MEM_KIND_CHANNEL | 3 << 8 };
	info.chan_type[1] = BH_CFG_CHAN_CONTROL;
	info.peer_kind[1] = BH_CFG_KIND_IOPART;
	info.mem[2] = (struct bh_mem_region){ 0x40004000, 0x1000, BH_MEM_R | BH_MEM_W,
					      BH_MEM_KIND_CHANNEL | 4 << 8 };
	info.chan_type[2] = BH_CFG_CHAN_CONSOLE; /* too small for the console geometry */
	info.peer_kind[2] = BH_CFG_KIND_IOPART;
	info.mem[3] = (struct bh_mem_region){ 0x40008000, 0x4000, BH_MEM_R | BH_MEM_W,
					      BH_MEM_KIND_CHANNEL | 5 << 8 };
	info.chan_type[3] = BH_CFG_CHAN_CONSOLE;
	info.peer_kind[3] = BH_CFG_KIND_IOPART;
	assert_int_equal(bh_con_find(&info), 3);
	strcpy(info.cmdline, "debug console=com1");
	assert_int_equal(bh_con_find(&info), -1); /* it serves consoles itself */
	strcpy(info.cmdline, "consoles=2");
	assert_int_equal(bh_con_find(&info), 3);
	info.peer_kind[3] = BH_CFG_KIND_GUEST; /* the server's view of a client's channel */
	assert_int_equal(bh_con_find(&info), -1);

	assert_int_equal(bh_console_slots(0x2000), 8);
	assert_int_equal(bh_console_slots(0x4000), 16);
	assert_int_equal(bh_console_slots(0x10000), 64);
	assert_int_equal(bh_console_slots(0x100000), 1024);
	assert_int_equal(bh_console_slots(0x4000000), 1024);
	assert_int_equal(bh_console_slots(0x1000), 0);
}

void test_rt_fallback_only(void **state)
{
	struct machine *m = machine_up(1, true, true); /* for its memory and ops */
	struct fake *f = calloc(1, sizeof(*f));
	struct bh_con *k = malloc(sizeof(*k));
	struct bh_con_ops ops = m->ops[0];
	char buf[8];

	ops.ctx = f;
	assert_int_equal(bh_con_open(k, NULL, 0, 0, &ops), 0);
	assert_int_equal(bh_con_write(k, "abc\n", 4), 4);
	assert_int_equal(f->nfb, 4);
	assert_memory_equal(f->fb, "abc\n", 4);
	assert_int_equal(bh_con_read_line(k, buf, sizeof(buf)), -BH_ENOENT);
	/* a region that cannot be laid out: the fallback only, and the error said */
	assert_int_equal(bh_con_open(k, m->mem[0] + 1, CHAN_SIZE, 1, &ops), -BH_EINVAL);
	assert_int_equal(bh_con_write(k, "x", 1), 1);
	assert_int_equal(f->nfb, 5);
	free(k);
	free(f);
	machine_down(m);
}

/* One write bigger than a message: chunks of at most 248 bytes (inline slots), shown as
 * lines of 200. */
void test_rt_chunks(void **state)
{
	struct machine *m = machine_up(1, true, true);
	char big[1001];
	char *out;

	memset(big, 'y', 1000);
	big[1000] = '\n';
	assert_int_equal(bh_con_write(&m->cli[0], big, sizeof(big)), (long)sizeof(big));
	assert_int_equal(m->cli[0].ch.stats.sent, 5); /* 4 x 248 + 9 */
	for (int k = 0; k < 4; k++)
		console_poll();
	out = uart_take();
	assert_int_equal(count_char(out, 'y'), 1000);
	assert_int_equal(m->cli[0].stats.chan_bytes, sizeof(big));
	assert_int_equal(m->cli[0].stats.fallback_bytes, 0);
	machine_down(m);
}

/* The server is attached but does not read: one write waits its 50 ms, then the rest takes
 * the fallback; the next write does not wait again until a send finds room. */
void test_rt_wait_room(void **state)
{
	struct machine *m = machine_up(1, true, true);
	struct fake *f = &m->f[0];
	char chunk[1000];
	size_t sent;

	console_poll(); /* attached */
	memset(chunk, 'z', sizeof(chunk));
	for (int k = 0; k < 20; k++)
		assert_int_equal(bh_con_write(&m->cli[0], chunk, sizeof(chunk)), 1000);
	assert_int_equal(f->sleeps, 1);
	assert_true(f->now >= BH_CON_ROOM_WAIT_NS);
	assert_true(m->cli[0].stalled);
	sent = m->cli[0].stats.chan_bytes; /* 64 messages: 12 writes of 5, then 4 of 248 */
	assert_int_equal(sent, 12 * 1000 + 4 * 248);
	assert_int_equal(f->nfb, 20 * 1000 - sent);

	console_poll(); /* room again */
	assert_int_equal(bh_con_write(&m->cli[0], "after\n", 6), 6);
	assert_false(m->cli[0].stalled);
	assert_int_equal(m->cli[0].stats.chan_bytes, sent + 6);
	machine_down(m);
}

/* The server makes room while the client sleeps, fast (0.1 ms a round) or at a pace where
 * the whole write takes seconds (40 ms a round): everything goes through the channel. */
static void room_made(uint64_t step)
{
	struct machine *m = machine_up(2, true, true);
	static char big[64 * 1024];
	char *out;

	console_poll();
	m->f[1].drain_in_sleep = true;
	m->f[1].step = step;
	memset(big, 'w', sizeof(big));
	for (size_t i = 99; i < sizeof(big); i += 100)
		big[i] = '\n';
	assert_int_equal(bh_con_write(&m->cli[1], big, sizeof(big)), (long)sizeof(big));
	assert_true(m->f[1].sleeps > 0);
	assert_int_equal(m->f[1].nfb, 0);
	for (int k = 0; k < 200; k++)
		console_poll();
	out = uart_take();
	assert_int_equal(count_char(out, 'w'), sizeof(big) - sizeof(big) / 100);
	assert_false(m->cli[1].stalled);
	machine_down(m);
}

void test_rt_room_made(void **state)
{
	room_made(100000);
	room_made(40000000);
}

/* The server died with bytes unread: the next write lays out afresh (they are lost) and
 * goes on into it, buffered for the next server. */
void test_rt_server_gone(void **state)
{
	struct machine *m = machine_up(1, true, true);

	console_poll();
	cwrite(m, 0, "unread\n");
	chan_mark_dead(m->mem[0], CHAN_SIZE, CHAN_SERVER);
	cwrite(m, 0, "kept\n");
	assert_int_equal(m->cli[0].stats.layouts, 2);
	assert_int_equal(m->f[0].nfb, 0);
	assert_int_equal(console_init(&m->io, &m->u), 1);
	console_poll();
	assert_string_equal(uart_take(), "[command] kept\r\n");
	machine_down(m);
}

/* A server asleep on its channel is signalled once for a burst, not once per message. */
void test_rt_notify(void **state)
{
	struct machine *m = machine_up(1, true, true);
	unsigned before = m->f[0].signals;

	console_poll();
	assert_int_equal(console_prepare_wait(), 0);
	cwrite(m, 0, "a\n");
	cwrite(m, 0, "b\n");
	assert_int_equal(m->f[0].signals, before + 1);
	assert_int_equal(console_prepare_wait(), 1); /* something is there: do not sleep */
	console_cancel_wait();
	console_poll();
	assert_string_equal(uart_take(), "[command] a\r\n[command] b\r\n");
	machine_down(m);
}
