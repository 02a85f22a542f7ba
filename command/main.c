/* SPDX-License-Identifier: MIT */
/* main.c - the command partition: the operator CLI (cli.h, docs/cli.md) over its two
 * control channels, the ultravisor's command channel (uvcmd.h) and the operations
 * partition's policy channel (policy.h), with the console hypercalls for the operator.
 *
 * Both servers lay their channel out when they start, so each channel region of the info
 * page is tried with both types until both are found (every 10 ms, at most 5 s; one still
 * missing is looked for again at each request to it). A request waits at most 2 s for its
 * answer; the answer to a request given up on is awaited a while and dropped before the
 * next request goes out. A channel whose server died is attached afresh at the next
 * request (the server's next life lays it out anew). Typed input is polled every 20 ms
 * (more often while it is coming), and the partition never ends.
 *
 * Typed input: whole lines from the I/O partition through the console channel
 * (bh_console_read_line, docs/console.md) when the partition has one, run as they are
 * (the I/O partition's line discipline has echoed and edited them already; they do not
 * go through the CLI's byte-by-byte line assembly again). The CLI's output is the same
 * either way, its "> line" record of the command included. Without a console channel,
 * bytes from BH_HC_CONSOLE_READ as before.
 *
 * "console <name>" asks the I/O partition to attach the operator's keyboard to another
 * partition (bh_console_ask_attach) and waits for its answer, which comes on ring 0 behind
 * any line typed meanwhile: those lines are kept (AHEAD_MAX) and run after the command.
 */
#include <stdio.h>
#include <string.h>
#include <bulkhead/config.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "chan/chan.h"
#include "cli.h"
#include "rt/console.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define MS            1000000ull
#define ATTACH_TRIES  500  /* every 10 ms: 5 s */
#define BUSY_POLL_MS  2    /* while the operator's bytes are coming */
#define BUSY_FOR_MS   200
#define AHEAD_MAX     4    /* lines typed while "console" waits for its answer */

struct endpoint {
	const uint8_t *type;
	uint32_t peer_kind;            /* who must be at the other end (the info page says) */
	const struct bh_mem_region *m; /* the channel's region, once found */
	struct chan ch;
	uint64_t id;
	bool up;
	bool late; /* a request went unanswered: its answer may still come */
};

static struct endpoint uv = { .type = (const uint8_t *)UV_CHAN_TYPE,
			       .peer_kind = BH_CFG_KIND_ULTRAVISOR };
static struct endpoint pol = { .type = (const uint8_t *)POL_CHAN_TYPE,
				.peer_kind = BH_CFG_KIND_OPSPOLICY };
static struct cli cli;
static uint8_t scratch[0x10000]; /* one received message, whatever its size */
static struct {
	char line[AHEAD_MAX][CLI_LINE_MAX + 1];
	size_t len[AHEAD_MAX];
	unsigned n;
} ahead;

static uint64_t now_ns(void)
{
	return (uint64_t)bh_time_ns();
}

static bool console_up(void *ctx)
{
	return bh_console_served();
}

static void sleep_ms(void *ctx, uint32_t ms)
{
	uint64_t until = now_ns() + ms * MS;

	bh_timer_set(until);
	while (now_ns() < until)
		bh_wait();
}

static bool try_attach(struct endpoint *e, const struct bh_mem_region *m)
{
	if (chan_attach(&e->ch, (void *)(uintptr_t)m->gpa, m->size, CHAN_CLIENT, e->type))
		return false;
	e->m = m;
	e->id = BH_MEM_KIND_CHAN_ID(m->kind);
	e->up = true;
	return true;
}

/* The channel whose other end the info page (the ultravisor's word) says is e's server:
 * never one picked by the type its server wrote, which another peer could forge. */
static bool find(struct endpoint *e)
{
	const struct bh_partition_info *info = bh_info_page();

	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++) {
		const struct bh_mem_region *m = &info->mem[i];

		if ((m->kind & 0xff) == BH_MEM_KIND_CHANNEL && info->peer_kind[i] == e->peer_kind &&
		    try_attach(e, m))
			return true;
	}
	return false;
}

static void attach_all(void)
{
	for (int t = 0; t < ATTACH_TRIES; t++) {
		bool u = uv.up || find(&uv);
		bool p = pol.up || find(&pol);

		if (u && p)
			break;
		sleep_ms(NULL, 10);
	}
	if (uv.up && pol.up)
		printf("channels: ultravisor %llu, operations partition %llu\n",
		       (unsigned long long)uv.id, (unsigned long long)pol.id);
	if (!uv.up)
		printf("no command channel to the ultravisor yet\n");
	if (!pol.up)
		printf("no policy channel to the operations partition yet\n");
	fflush(stdout);
}

static void notify(struct endpoint *e)
{
	if (chan_need_notify(&e->ch))
		bh_hc1(BH_HC_SIGNAL, e->id);
}

/* Sleeps until the peer signals or the deadline passes, waiting for `what` (an answer:
 * BH_CHAN_WAIT_RX; room to send: BH_CHAN_WAIT_TX). → false once the deadline has passed. */
static bool wait_until(struct endpoint *e, uint64_t deadline, uint32_t what)
{
	if (now_ns() >= deadline)
		return false;
	notify(e);
	bh_timer_set(deadline);
	if (chan_prepare_wait_for(&e->ch, what) == 0)
		bh_wait();
	chan_cancel_wait(&e->ch);
	return true;
}

/* The next message into scratch, or why not. A message longer than any answer breaks the
 * channel: it could never be taken off the ring (it would stay at its head for good). */
static long receive(struct endpoint *e)
{
	long n = chan_recv(&e->ch, scratch, sizeof(scratch));

	if (n == -BH_E2BIG) {
		chan_close(&e->ch);
		e->up = false;
		return -BH_EIO;
	}
	return n;
}

/* Attached and alive, or attached afresh: when our endpoint is no longer alive in the
 * header, the server laid the channel out again (its next life). */
static bool ready(struct endpoint *e)
{
	if (e->up && (chan_error(&e->ch) || e->ch.peer_dead ||
		      __atomic_load_n(&e->ch.self->status, __ATOMIC_RELAXED) != BH_CHAN_EP_ALIVE))
		e->up = false;
	return e->up || (e->m ? try_attach(e, e->m) : find(e));
}

/* A request given up on may still be answered; the servers answer into a ring of one
 * slot and drop an answer that finds it full, so that answer is awaited (for half the
 * time a request has) and dropped before the next request goes out. */
static void settle(struct endpoint *e, uint64_t deadline)
{
	uint64_t half = now_ns() + (deadline - now_ns()) / 2;
	long n;
	unsigned budget = 64; /* a server that never stops sending is not waited for */

	while ((n = receive(e)) == -BH_ENOENT && e->late &&
	       wait_until(e, half, BH_CHAN_WAIT_RX))
		;
	while (n >= 0 && budget-- && now_ns() < deadline)
		n = receive(e);
	e->late = false;
}

/* The answer with request id `id` into rs[cap]. → 0, -BH_ETIMEDOUT, -BH_EIO. */
static int await(struct endpoint *e, uint64_t id, void *rs, size_t cap, uint64_t deadline)
{
	for (;;) {
		long n = receive(e);

		if (n >= 16 && !memcmp(scratch + 8, &id, sizeof(id))) {
			memcpy(rs, scratch, (size_t)n < cap ? (size_t)n : cap);
			if ((size_t)n < cap)
				memset((uint8_t *)rs + n, 0, cap - (size_t)n);
			return 0;
		}
		if (n >= 0 && now_ns() < deadline)
			continue; /* not ours: dropped */
		if (n >= 0) { /* stale messages until the deadline: a server gone wrong */
			e->late = true;
			return -BH_ETIMEDOUT;
		}
		if (n != -BH_ENOENT) {
			e->up = false;
			return -BH_EIO;
		}
		if (!wait_until(e, deadline, BH_CHAN_WAIT_RX)) {
			e->late = true;
			return -BH_ETIMEDOUT;
		}
	}
}

/* One request of len bytes, its answer (same request id at offset 8) into rs. */
static int transact(struct endpoint *e, const void *rq, size_t len, void *rs, size_t cap)
{
	uint64_t id, deadline = now_ns() + CLI_ANSWER_MS * MS;
	int r;

	if (!ready(e))
		return -BH_EIO;
	memcpy(&id, (const uint8_t *)rq + 8, sizeof(id));
	settle(e, deadline);
	while ((r = chan_send(&e->ch, rq, len)) == -BH_ENOSPC)
		if (!wait_until(e, deadline, BH_CHAN_WAIT_TX)) {
			e->late = true;
			return -BH_ETIMEDOUT;
		}
	if (r) {
		e->up = false;
		return r;
	}
	notify(e);
	return await(e, id, rs, cap, deadline);
}

static int uv_call(void *ctx, const struct uv_request *rq, struct uv_response *rs)
{
	uint32_t ops = rq->op_count ? rq->op_count : 1;
	size_t len = offsetof(struct uv_request, ops) +
		     (ops < UV_REQ_OPS_MAX ? ops : UV_REQ_OPS_MAX) * sizeof(struct uv_op);

	return transact(&uv, rq, len, rs, sizeof(*rs));
}

static int pol_call(void *ctx, const struct pol_request *rq, struct pol_response *rs)
{
	uint32_t n = rq->part_count < POL_PARTS_MAX ? rq->part_count : POL_PARTS_MAX;
	size_t len = offsetof(struct pol_request, parts) + n * sizeof(struct pol_part);

	return transact(&pol, rq, len, rs, sizeof(*rs));
}

static void out(void *ctx, const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

/* Lines typed while "console" waits for the server's answer: kept for later, in order. */
static void keep_typed(void)
{
	static char buf[CLI_LINE_MAX + 1];
	long n;

	while ((n = bh_console_read_line(buf, sizeof(buf))) > 0) {
		if (ahead.n == AHEAD_MAX) {
			out(NULL, "console: a line typed meanwhile was dropped");
			continue;
		}
		memcpy(ahead.line[ahead.n], buf, (size_t)n);
		ahead.len[ahead.n++] = (size_t)n;
	}
}

/* struct cli_io.console_attach. */
static int console_attach(void *ctx, const char *name)
{
	uint64_t deadline = now_ns() + CLI_ANSWER_MS * MS;
	int status, r = bh_console_ask_attach(name);

	if (r)
		return r == -BH_EINVAL ? -BH_ENOENT : r == -BH_ENOENT ? -BH_ENOTSUP : -BH_EIO;
	for (;;) {
		keep_typed();
		if (bh_console_answer(&status))
			return status;
		if (now_ns() >= deadline)
			return -BH_ETIMEDOUT;
		sleep_ms(NULL, BUSY_POLL_MS);
	}
}

/* Typed input: a whole line from the console channel, else bytes from the hypercall.
 * → > 0 something was taken, 0 nothing, < 0 no way to read. */
static long typed(char *buf, size_t len)
{
	long n;

	if (ahead.n) {
		static char line[CLI_LINE_MAX + 1];
		size_t k = ahead.len[0];

		memcpy(line, ahead.line[0], k);
		memmove(&ahead.line[0], &ahead.line[1], --ahead.n * sizeof(ahead.line[0]));
		memmove(&ahead.len[0], &ahead.len[1], ahead.n * sizeof(ahead.len[0]));
		cli_line_n(&cli, line, k);
		return (long)k;
	}
	n = bh_console_read_line(buf, len);

	if (n > 0)
		cli_line_n(&cli, buf, (size_t)n);
	if (n != -BH_ENOENT)
		return n;
	n = bh_hc2(BH_HC_CONSOLE_READ, bh_gpa(buf), len);
	if (n > 0)
		cli_input(&cli, buf, (size_t)n);
	return n;
}

/* The operator's typing, forever. */
static __attribute__((noreturn)) void console(void)
{
	static char buf[256];
	uint64_t busy_until = 0;
	bool said = false;

	for (;;) {
		long n = typed(buf, sizeof(buf));

		if (n > 0) {
			busy_until = now_ns() + BUSY_FOR_MS * MS;
			continue;
		}
		if (n < 0 && !said) {
			printf("no console input (error %ld): the operator cannot type here\n", n);
			fflush(stdout);
			said = true;
		}
		sleep_ms(NULL, now_ns() < busy_until ? BUSY_POLL_MS : CLI_POLL_MS);
	}
}

int main(void)
{
	static const struct cli_io io = {
		.uv = uv_call, .pol = pol_call, .out = out, .sleep_ms = sleep_ms,
		.console_up = console_up, .console_attach = console_attach,
	};

	cli_init(&cli, &io);
	attach_all();
	cli_boot(&cli);
	console();
}
