/* SPDX-License-Identifier: MIT */
/* blk-client.c - block client over two paths: request table, failover, replay.
 *
 * Invariants (blk-client.h has the state diagram):
 *  - SENT requests are on the active path, which is UP: a path stops being UP only in
 *    path_lost(), which first puts the active path's SENT requests back to QUEUED;
 *  - nothing is ever sent on a path that is not UP, so a channel laid out afresh holds no
 *    request of ours that a returning server could apply late;
 *  - QUEUED requests go out oldest (smallest id) first;
 *  - no two requests in flight overlap when either is a write (check_submit).
 * Hostile-server rules: an answer's header is copied out of the channel once, into a local,
 * and checked against the request it names (length included) before its data are copied,
 * once, from the channel to the caller's buffer (chan_recv_begin: no staging copy); every
 * loop is bounded by the table, not by what the server wrote.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "blk/blk-client.h"

#define HDR sizeof(struct bh_blk_req)

static const uint8_t *blk_type(void)
{
	return (const uint8_t *)BH_BLK_CHAN_TYPE;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void log_ev(struct blk_client *cl, enum blk_event ev, unsigned path, uint64_t value)
{
	if (cl->env->log)
		cl->env->log(cl->env->ctx, ev, path, value);
}

/* ---- The request table ---------------------------------------------------------------- */

static struct blk_req *find(struct blk_client *cl, uint64_t id, enum blk_req_state state)
{
	for (unsigned i = 0; i < BLK_INFLIGHT; i++)
		if (cl->req[i].state == state && cl->req[i].id == id)
			return &cl->req[i];
	return NULL;
}

/* The oldest request in state, or NULL. */
static struct blk_req *oldest(struct blk_client *cl, enum blk_req_state state)
{
	struct blk_req *best = NULL;

	for (unsigned i = 0; i < BLK_INFLIGHT; i++)
		if (cl->req[i].state == state && (!best || cl->req[i].id < best->id))
			best = &cl->req[i];
	return best;
}

static void finish(struct blk_client *cl, struct blk_req *r, int status)
{
	r->state = BLK_REQ_DONE;
	r->status = status;
	cl->stats.completed++;
	if (status)
		cl->stats.errors++;
}

/* The active path's answers are lost with it: its SENT requests are to be sent again. */
static void requeue(struct blk_client *cl)
{
	for (unsigned i = 0; i < BLK_INFLIGHT; i++) {
		if (cl->req[i].state != BLK_REQ_SENT)
			continue;
		cl->req[i].state = BLK_REQ_QUEUED;
		cl->req[i].replay = true;
	}
}

/* ---- Paths ----------------------------------------------------------------------------- */

/* block.h: the client lays the channel out, at its start and after each death. */
static void path_layout(struct blk_client *cl, unsigned i)
{
	struct blk_path *p = &cl->path[i];

	p->state = BLK_PATH_DEAD; /* until both steps succeed; retried by refresh() */
	if (chan_init(p->mem, p->size, blk_type(), BH_BLK_SLOT_SIZE, BH_BLK_SLOTS) == 0 &&
	    chan_attach(&p->ch, p->mem, p->size, CHAN_CLIENT, blk_type()) == 0)
		p->state = BLK_PATH_DOWN;
}

/* When the active path is not up and the other is, the other takes over. Counted as a
 * failover when the old one had carried requests (not when a standby merely came first). */
static void select_active(struct blk_client *cl)
{
	unsigned other = !cl->active;
	unsigned n = 0;

	if (cl->path[cl->active].state == BLK_PATH_UP || cl->path[other].state != BLK_PATH_UP)
		return;
	for (unsigned i = 0; i < BLK_INFLIGHT; i++)
		n += cl->req[i].state == BLK_REQ_QUEUED && cl->req[i].replay;
	if (cl->used) {
		cl->stats.failovers++;
		log_ev(cl, BLK_EV_FAILOVER, other, n);
	}
	cl->active = other;
	cl->used = false;
}

static void path_lost(struct blk_client *cl, unsigned i, enum blk_why why)
{
	log_ev(cl, BLK_EV_PATH_LOST, i, why);
	cl->stats.paths_lost++;
	if (i == cl->active)
		requeue(cl);
	path_layout(cl, i);
	select_active(cl);
}

/* Arrivals and deaths on both paths (chan_peer_alive reads the server's status, its
 * generation and the channel state once each). */
static void refresh_path(struct blk_client *cl, unsigned i)
{
	struct blk_path *p = &cl->path[i];

	switch (p->state) {
	case BLK_PATH_DEAD:
		path_layout(cl, i);
		break;
	case BLK_PATH_DOWN:
		if (chan_peer_alive(&p->ch)) {
			p->state = BLK_PATH_UP;
			log_ev(cl, BLK_EV_PATH_UP, i, 0);
		} else if (p->ch.peer_dead || chan_error(&p->ch)) {
			path_lost(cl, i, BLK_WHY_DEAD);
		}
		break;
	case BLK_PATH_UP:
		if (!chan_peer_alive(&p->ch))
			path_lost(cl, i, BLK_WHY_DEAD);
		break;
	}
}

static void refresh(struct blk_client *cl)
{
	refresh_path(cl, 0);
	refresh_path(cl, 1);
	select_active(cl);
}

static struct blk_path *active_up(struct blk_client *cl)
{
	struct blk_path *p = &cl->path[cl->active];

	return p->state == BLK_PATH_UP ? p : NULL;
}

/* ---- Answers --------------------------------------------------------------------------- */

static bool status_ok(int32_t status)
{
	return !status || status == -BH_EINVAL || status == -BH_ERANGE || status == -BH_EIO ||
	       status == -BH_EPERM;
}

/* block.h: what a valid answer to r looks like. data: bytes after the header. */
static bool answer_ok(const struct blk_req *r, const struct bh_blk_resp *a, size_t data)
{
	if (!status_ok(a->status))
		return false;
	if (a->status)
		return !a->sectors && !data;
	switch (r->op) {
	case BH_BLK_READ:
		return a->sectors == r->sectors && data == (size_t)r->sectors * BH_BLK_SECTOR;
	case BH_BLK_WRITE:
		return a->sectors == r->sectors && !data;
	case BH_BLK_FLUSH:
		return !a->sectors && !data;
	default: /* BH_BLK_INFO */
		return !a->sectors && !data && a->max_sectors && a->sector_size == BH_BLK_SECTOR;
	}
}

/* Completes the request an n-byte answer names; msg is in the shared region: its header is
 * copied out once, and a READ's data go straight to the caller's buffer. → 0, -BH_EINVAL
 * (the answer breaks the protocol: nothing was completed). */
static int take_answer(struct blk_client *cl, const uint8_t *msg, size_t n)
{
	struct bh_blk_resp a;
	struct blk_req *r;

	if (n < HDR)
		return -BH_EINVAL;
	memcpy(&a, msg, HDR);
	r = find(cl, a.id, BLK_REQ_SENT);
	if (!r || !answer_ok(r, &a, n - HDR))
		return -BH_EINVAL;
	if (!a.status && r->op == BH_BLK_READ)
		memcpy(r->rbuf, msg + HDR, n - HDR);
	if (!a.status && r->op == BH_BLK_INFO) {
		cl->capacity = a.value;
		cl->info_max = a.max_sectors;
	}
	finish(cl, r, a.status);
	return 0;
}

/* Drains the active path. Each valid answer completes a SENT request, so the table bounds
 * the loop: one more message than it holds is already a violation. */
static void receive(struct blk_client *cl)
{
	struct blk_path *p = active_up(cl);

	if (!p)
		return;
	for (unsigned k = 0; k <= BLK_INFLIGHT; k++) {
		const void *msg = NULL;
		long n = chan_recv_begin(&p->ch, &msg);

		if (n == -BH_ENOENT)
			return;
		if (n < 0 || take_answer(cl, msg, (size_t)n)) {
			path_lost(cl, cl->active, n == -BH_EIO ? BLK_WHY_DEAD : BLK_WHY_PROTOCOL);
			return;
		}
		chan_recv_end(&p->ch);
	}
}

/* ---- Sending --------------------------------------------------------------------------- */

static int send_req(struct blk_path *p, const struct blk_req *r)
{
	struct bh_blk_req q = { .id = r->id, .op = r->op, .sectors = r->sectors, .lba = r->lba };
	size_t data = r->op == BH_BLK_WRITE ? (size_t)r->sectors * BH_BLK_SECTOR : 0;
	uint8_t *buf;
	int e = chan_send_begin(&p->ch, HDR + data, (void **)&buf);

	if (e)
		return e;
	memcpy(buf, &q, HDR); /* built in place, never read back */
	if (data)
		memcpy(buf + HDR, r->wbuf, data);
	return chan_send_commit(&p->ch, HDR + data);
}

/* Oldest first, while the active path is up and its ring has room. Each turn sends one
 * request or loses a path, and a path lost is not up again before the next refresh(). */
static void send_queued(struct blk_client *cl)
{
	struct blk_req *r;
	struct blk_path *p;

	while ((p = active_up(cl)) && (r = oldest(cl, BLK_REQ_QUEUED))) {
		int e = send_req(p, r);

		if (e == -BH_ENOSPC)
			return;
		if (e) {
			path_lost(cl, cl->active, e == -BH_EIO ? BLK_WHY_DEAD : BLK_WHY_PROTOCOL);
			continue;
		}
		r->state = BLK_REQ_SENT;
		cl->stats.replays += r->replay;
		r->replay = false;
		cl->used = true;
	}
}

/* With no path up, queued requests wait until their deadline, then fail. */
static void expire(struct blk_client *cl)
{
	uint64_t now;

	if (active_up(cl))
		return;
	now = cl->env->now(cl->env->ctx);
	for (unsigned i = 0; i < BLK_INFLIGHT; i++)
		if (cl->req[i].state == BLK_REQ_QUEUED && now >= cl->req[i].deadline)
			finish(cl, &cl->req[i], -BH_EIO);
}

/* Answers first (a dying server's last answers are still delivered), then path changes,
 * then what is queued, then deadlines; the server is signalled once for all of it. */
static void pump(struct blk_client *cl)
{
	struct blk_path *p;

	receive(cl);
	refresh(cl);
	send_queued(cl);
	expire(cl);
	p = active_up(cl);
	if (p && chan_need_notify(&p->ch))
		cl->env->signal(cl->env->ctx, cl->active);
}

/* ---- Submission ------------------------------------------------------------------------ */

static bool overlaps(const struct blk_req *r, uint32_t op, uint64_t lba, uint32_t sectors)
{
	if ((r->state != BLK_REQ_QUEUED && r->state != BLK_REQ_SENT) || !r->sectors ||
	    (r->op != BH_BLK_WRITE && op != BH_BLK_WRITE))
		return false;
	return lba < r->lba + r->sectors && r->lba < lba + sectors; /* both <= capacity */
}

static int check_range(const struct blk_client *cl, uint64_t lba, uint64_t sectors)
{
	if (!cl->connected || !sectors)
		return -BH_EINVAL;
	return lba <= cl->capacity && sectors <= cl->capacity - lba ? 0 : -BH_ERANGE;
}

/* blk-client.h: the errors in the order they are given. INFO is connect()'s own. */
static int check_submit(const struct blk_client *cl, uint32_t op, uint64_t lba,
			uint32_t sectors, const void *buf)
{
	int e;

	if (op == BH_BLK_INFO)
		return 0;
	if (!cl->connected || (op != BH_BLK_FLUSH && (!buf || !sectors)))
		return -BH_EINVAL;
	if (op == BH_BLK_FLUSH)
		return 0;
	if (sectors > cl->max_sectors)
		return -BH_E2BIG;
	e = check_range(cl, lba, sectors);
	for (unsigned i = 0; !e && i < BLK_INFLIGHT; i++)
		if (overlaps(&cl->req[i], op, lba, sectors))
			e = -BH_EBUSY;
	return e;
}

static int64_t submit(struct blk_client *cl, struct blk_req q)
{
	struct blk_req *r = oldest(cl, BLK_REQ_FREE);
	int e = check_submit(cl, q.op, q.lba, q.sectors, q.op == BH_BLK_WRITE ? q.wbuf : q.rbuf);

	if (e)
		return e;
	if (!r)
		return -BH_ENOSPC;
	q.id = cl->next_id++;
	q.state = BLK_REQ_QUEUED;
	*r = q;
	pump(cl);
	return (int64_t)q.id;
}

int64_t blk_submit_read(struct blk_client *cl, uint64_t lba, uint32_t sectors, void *buf,
			uint64_t deadline)
{
	return submit(cl, (struct blk_req){ .op = BH_BLK_READ, .lba = lba, .sectors = sectors,
					    .rbuf = buf, .deadline = deadline });
}

int64_t blk_submit_write(struct blk_client *cl, uint64_t lba, uint32_t sectors,
			 const void *buf, uint64_t deadline)
{
	return submit(cl, (struct blk_req){ .op = BH_BLK_WRITE, .lba = lba, .sectors = sectors,
					    .wbuf = buf, .deadline = deadline });
}

int64_t blk_submit_flush(struct blk_client *cl, uint64_t deadline)
{
	return submit(cl, (struct blk_req){ .op = BH_BLK_FLUSH, .deadline = deadline });
}

/* ---- Completion and waiting ------------------------------------------------------------ */

int blk_poll(struct blk_client *cl, struct blk_done *done, unsigned max)
{
	struct blk_req *r;
	unsigned n = 0;

	pump(cl);
	while (n < max && (r = oldest(cl, BLK_REQ_DONE))) {
		done[n++] = (struct blk_done){ .id = r->id, .status = r->status };
		r->state = BLK_REQ_FREE;
	}
	return (int)n;
}

int blk_wait(struct blk_client *cl)
{
	struct blk_path *p = active_up(cl);
	int e;

	if (p && chan_prepare_wait(&p->ch))
		return 0; /* an answer is there, or the path died: the next pump sees it */
	e = cl->env->wait(cl->env->ctx);
	if (p)
		chan_cancel_wait(&p->ch);
	return e;
}

/* Waits for request id (or a submit error) and frees it. */
static int complete(struct blk_client *cl, int64_t id)
{
	if (id < 0)
		return (int)id;
	for (;;) {
		struct blk_req *r;
		int e;

		pump(cl);
		r = find(cl, (uint64_t)id, BLK_REQ_DONE);
		if (r) {
			r->state = BLK_REQ_FREE;
			return r->status;
		}
		e = blk_wait(cl);
		if (e < 0)
			return e;
	}
}

/* One op over [lba, lba + sectors), in pieces of max_sectors, buf advancing with them. */
static int transfer(struct blk_client *cl, uint32_t op, uint64_t lba, uint32_t sectors,
		    uint8_t *buf, uint64_t deadline)
{
	int e = check_range(cl, lba, sectors);

	while (!e && sectors) {
		uint32_t n = min_u32(sectors, cl->max_sectors);

		e = complete(cl, submit(cl, (struct blk_req){ .op = op, .lba = lba, .sectors = n,
							      .rbuf = buf, .wbuf = buf,
							      .deadline = deadline }));
		lba += n;
		sectors -= n;
		buf += (size_t)n * BH_BLK_SECTOR;
	}
	return e;
}

int blk_read(struct blk_client *cl, uint64_t lba, uint32_t sectors, void *buf,
	     uint64_t deadline)
{
	return transfer(cl, BH_BLK_READ, lba, sectors, buf, deadline);
}

int blk_write(struct blk_client *cl, uint64_t lba, uint32_t sectors, const void *buf,
	      uint64_t deadline)
{
	/* transfer() hands a WRITE's buffer only to send_req(), which reads it */
	return transfer(cl, BH_BLK_WRITE, lba, sectors, (uint8_t *)(uintptr_t)buf, deadline);
}

int blk_flush(struct blk_client *cl, uint64_t deadline)
{
	return complete(cl, blk_submit_flush(cl, deadline));
}

/* ---- Setup ----------------------------------------------------------------------------- */

static bool region_ok(const void *mem, size_t size)
{
	return mem && (uintptr_t)mem % BH_CHAN_PAGE == 0 && size % BH_CHAN_PAGE == 0 &&
	       size >= BH_BLK_CHAN_MIN;
}

int blk_client_init(struct blk_client *cl, const struct blk_env *env, void *mem[2],
		    const size_t size[2], void *scratch, size_t scratch_size)
{
	if (!cl || !env || !env->signal || !env->wait || !env->now || !mem || !size ||
	    !region_ok(mem[0], size[0]) || !region_ok(mem[1], size[1]) || !scratch ||
	    scratch_size < HDR + BH_BLK_SECTOR)
		return -BH_EINVAL;
	*cl = (struct blk_client){ .env = env, .next_id = 1, .scratch = scratch,
				   .scratch_size = scratch_size };
	for (int i = 0; i < 2; i++) {
		cl->path[i].mem = mem[i];
		cl->path[i].size = size[i];
	}
	return 0;
}

/* Sectors one request may carry: the server's word, and what a message carries each way
 * on every channel laid out (checked again on each send) and in the scratch buffer. */
static uint32_t request_limit(const struct blk_client *cl)
{
	uint32_t max = min_u32(cl->info_max, BH_BLK_SECTORS_FOR(cl->scratch_size));

	for (int i = 0; i < 2; i++) {
		const struct chan *c = &cl->path[i].ch;

		if (cl->path[i].state == BLK_PATH_DEAD)
			continue;
		max = min_u32(max, BH_BLK_SECTORS_FOR(chan_send_max(c)));
		max = min_u32(max, BH_BLK_SECTORS_FOR(chan_recv_max(c)));
	}
	return max;
}

int blk_client_connect(struct blk_client *cl, uint64_t deadline)
{
	return blk_client_connect_prefer(cl, 0, deadline);
}

int blk_client_connect_prefer(struct blk_client *cl, uint64_t prefer, uint64_t deadline)
{
	int e;

	if (cl->connected)
		return -BH_EBUSY;
	path_layout(cl, 0);
	path_layout(cl, 1);
	while (cl->path[0].state != BLK_PATH_UP && cl->env->now(cl->env->ctx) < prefer) {
		refresh_path(cl, 0);
		refresh_path(cl, 1);
		if (cl->path[0].state != BLK_PATH_UP && (e = cl->env->wait(cl->env->ctx)))
			return e;
	}
	e = complete(cl, submit(cl, (struct blk_req){ .op = BH_BLK_INFO, .deadline = deadline }));
	if (e)
		return e == -BH_EINVAL || e == -BH_ERANGE ? -BH_EIO : e;
	cl->max_sectors = request_limit(cl);
	if (!cl->max_sectors)
		return -BH_ENOSPC;
	cl->connected = true;
	return 0;
}
