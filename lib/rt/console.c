/* SPDX-License-Identifier: MIT */
/* console.c - the console channel's client end (rt/console.h), pure: every side effect
 * (signal, fallback, clock, sleep) goes through struct bh_con_ops, so it runs on the host.
 *
 * The client owns the layout (include/bulkhead/console.h): whenever the channel is not
 * the healthy one it laid out (failed, the server seen dead or re-attached, the state not
 * READY, our own endpoint no longer ALIVE), it lays it out afresh before using it. What
 * the old layout held unread goes with it.
 */
#include <string.h>
#include <bulkhead/config.h>
#include <bulkhead/errno.h>
#include "rt/console.h"
#include "rt/rt.h"

static const uint8_t con_type[16] = BH_CONSOLE_TYPE;

int bh_con_find(const struct bh_partition_info *info)
{
	uint32_t n = info->mem_count < BH_INFO_MEM_MAX ? info->mem_count : BH_INFO_MEM_MAX;
	char v[2];

	if (bh_arg_find(info->cmdline, sizeof(info->cmdline), "console", v, sizeof(v)) !=
	    -BH_ENOENT)
		return -1; /* this partition serves consoles */
	for (uint32_t i = 0; i < n; i++) {
		const struct bh_mem_region *m = &info->mem[i];

		if ((m->kind & 0xff) == BH_MEM_KIND_CHANNEL &&
		    info->chan_type[i] == BH_CFG_CHAN_CONSOLE &&
		    info->peer_kind[i] == BH_CFG_KIND_IOPART && (m->flags & BH_MEM_W) &&
		    bh_console_slots(m->size))
			return (int)i;
	}
	return -1;
}

/* A fresh layout, attached as the client; a server asleep is told to look. */
static int con_layout(struct bh_con *k)
{
	int err = chan_init(k->mem, k->size, con_type, BH_CONSOLE_SLOT_SIZE,
			    bh_console_slots(k->size));

	k->stats.layouts++;
	k->stalled = false;
	if (!err)
		err = chan_attach(&k->ch, k->mem, k->size, CHAN_CLIENT, con_type);
	if (!err)
		k->ops->signal(k->ops->ctx, k->id);
	return err;
}

int bh_con_open(struct bh_con *k, void *mem, size_t size, uint32_t chan_id,
		const struct bh_con_ops *ops)
{
	int err;

	memset(k, 0, sizeof(*k));
	k->ops = ops;
	if (!mem)
		return 0;
	k->mem = mem;
	k->size = size;
	k->id = chan_id;
	err = con_layout(k);
	if (err)
		k->mem = NULL;
	return err;
}

/* Still the layout we made, and usable: each word read once, only as a hint. */
static bool con_healthy(struct bh_con *k)
{
	struct chan *c = &k->ch;

	return !chan_error(c) && !c->peer_dead &&
	       __atomic_load_n(&c->hdr->state, __ATOMIC_RELAXED) == BH_CHAN_READY &&
	       __atomic_load_n(&c->self->status, __ATOMIC_RELAXED) == BH_CHAN_EP_ALIVE &&
	       __atomic_load_n(&c->peer->status, __ATOMIC_RELAXED) != BH_CHAN_EP_DEAD;
}

static void con_notify(struct bh_con *k)
{
	if (chan_need_notify(&k->ch))
		k->ops->signal(k->ops->ctx, k->id);
}

static long con_fallback(struct bh_con *k, const uint8_t *p, size_t n)
{
	k->stats.fallback_bytes += n;
	return n ? k->ops->fallback(k->ops->ctx, p, n) : 0;
}

/* One chunk into ring 1. → bytes sent, 0 when the ring is full, < 0 the channel failed. */
static long con_send_chunk(struct bh_con *k, const uint8_t *p, size_t n)
{
	size_t max = chan_send_max(&k->ch);
	int r;

	if (max > BH_CONSOLE_MSG_MAX)
		max = BH_CONSOLE_MSG_MAX;
	if (n > max)
		n = max;
	r = chan_send(&k->ch, p, n);
	if (r == -BH_ENOSPC)
		return 0;
	return r ? r : (long)n;
}

/* The ring is full. When the server is attached, alive and not stalled, sleep until it
 * makes room or *deadline passes: BH_CON_ROOM_WAIT_NS after the last progress seen (the
 * consumer index as the failed send read it), so a server that drains at the UART's pace
 * is waited for and one that takes nothing is given up on. → true to send again, false to
 * give the rest to the fallback. */
static bool con_wait_room(struct bh_con *k, uint64_t *deadline)
{
	uint32_t cons = k->ch.tx.seen;
	uint64_t now;

	if (k->stalled || !chan_peer_alive(&k->ch))
		return false;
	now = k->ops->now(k->ops->ctx);
	if (!*deadline || cons != k->cons) {
		*deadline = now + BH_CON_ROOM_WAIT_NS;
		k->cons = cons;
	}
	if (now >= *deadline) {
		k->stalled = true;
		return false;
	}
	con_notify(k);
	if (chan_prepare_wait_space(&k->ch) == 0) {
		k->stats.waits++;
		k->ops->sleep_until(k->ops->ctx, *deadline);
	}
	chan_cancel_wait(&k->ch); /* 1 (room) and -BH_EIO (dead: the next send says so) too */
	return true;
}

long bh_con_write(struct bh_con *k, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t deadline = 0;
	bool relaid = false;
	size_t done = 0;
	long r;

	if (!k->mem || (!con_healthy(k) && con_layout(k)))
		return con_fallback(k, p, len) < 0 ? -BH_EIO : (long)len;
	while (done < len) {
		long n = con_send_chunk(k, p + done, len - done);

		if (n > 0) {
			done += (size_t)n;
			k->stats.chan_bytes += (uint64_t)n;
			k->stalled = false;
		} else if (n == 0 && con_wait_room(k, &deadline)) {
			continue;
		} else if (n < 0 && !relaid) { /* the server died meanwhile: lay out afresh */
			relaid = true;
			if (con_layout(k))
				break;
		} else {
			break;
		}
	}
	con_notify(k);
	r = con_fallback(k, p + done, len - done);
	return r < 0 && !done ? r : (long)len;
}

/* A control message on ring 0: the answer to our last ask, if it names what we asked. */
static void con_take_answer(struct bh_con *k)
{
	struct bh_console_ctl a;

	memcpy(&a, k->line, sizeof(a));
	if (a.op == BH_CONSOLE_CTL_ANSWER && k->asked[0] &&
	    !strncmp(a.name, k->asked, sizeof(a.name))) {
		k->answered = true;
		k->answer = a.status;
	}
}

/* The next ring 0 message into k->line for both readers. → its length (> 0), or 0: none
 * (empty messages skipped, a few per call; the server's answer to an attach request is
 * taken, never a typed line; a broken channel is laid out afresh). */
static long con_recv(struct bh_con *k)
{
	if (!con_healthy(k) && con_layout(k))
		return 0;
	for (int skip = 0; skip < 16; skip++) {
		long n = chan_recv(&k->ch, k->line, sizeof(k->line));

		if (n == 0)
			continue;
		if (n == -BH_ENOENT)
			return 0;
		if (n < 0) { /* longer than any message, corrupt, or the server died */
			con_layout(k);
			return 0;
		}
		con_notify(k);
		if (bh_console_is_ctl(k->line, (uint64_t)n)) {
			con_take_answer(k);
			continue;
		}
		return n;
	}
	return 0;
}

long bh_con_read_line(struct bh_con *k, char *buf, size_t len)
{
	long n;
	size_t m;

	if (!k->mem)
		return -BH_ENOENT;
	if (!len || (n = con_recv(k)) <= 0)
		return 0;
	m = (size_t)n < len ? (size_t)n : len;
	memcpy(buf, k->line, m);
	if (m < len)
		buf[m] = 0;
	return (long)m;
}

int bh_con_ask_attach(struct bh_con *k, const char *name)
{
	struct bh_console_ctl rq = { .lead = BH_CONSOLE_CTL_LEAD, .op = BH_CONSOLE_CTL_ATTACH };
	size_t n = strlen(name);
	uint64_t deadline = 0;
	int r;

	if (!k->mem)
		return -BH_ENOENT;
	if (!n || n >= sizeof(rq.name))
		return -BH_EINVAL;
	if (!con_healthy(k) && (r = con_layout(k)))
		return r;
	if (!chan_peer_alive(&k->ch))
		return -BH_EIO;
	memcpy(rq.magic, BH_CONSOLE_CTL_MAGIC, sizeof(rq.magic));
	memcpy(rq.name, name, n);
	memcpy(k->asked, rq.name, sizeof(k->asked));
	k->answered = false;
	while ((r = chan_send(&k->ch, &rq, sizeof(rq))) == -BH_ENOSPC &&
	       con_wait_room(k, &deadline))
		;
	con_notify(k);
	return r;
}

int bh_con_answer(struct bh_con *k, int *status)
{
	if (!k->answered)
		return 0;
	*status = k->answer;
	k->answered = false;
	k->asked[0] = 0;
	return 1;
}

long bh_con_read(struct bh_con *k, void *buf, size_t len)
{
	size_t m;

	if (!k->mem)
		return -BH_ENOENT;
	if (!len)
		return 0;
	if (k->in_off >= k->in_len) {
		long n = con_recv(k);

		if (n <= 0)
			return 0;
		k->in_off = 0;
		k->in_len = (uint32_t)n;
	}
	m = k->in_len - k->in_off < len ? k->in_len - k->in_off : len;
	memcpy(buf, k->line + k->in_off, m);
	k->in_off += (uint32_t)m;
	return (long)m;
}

int bh_con_prepare_read_wait(struct bh_con *k)
{
	if (!k->mem)
		return -BH_ENOENT;
	if (k->in_off < k->in_len)
		return 1;
	if (!con_healthy(k))
		return -BH_EIO;
	return chan_prepare_wait(&k->ch);
}

void bh_con_cancel_read_wait(struct bh_con *k)
{
	if (k->mem)
		chan_cancel_wait(&k->ch);
}
