/* SPDX-License-Identifier: MIT */
/* blk-server.c - block channel server: check, execute and answer the client's requests.
 *
 * Hostile-client rules (docs/block.md) and where they are kept:
 *  - room for the answer is reserved (chan_send_begin) before a request is consumed, so a
 *    consumed request is always answered, and a full answer ring only stops the loop;
 *  - a request is copied out of the region once (chan_recv into scratch), its header once
 *    more into a local; only the local and the length chan_recv returned are used;
 *  - every field is checked before the backend sees it: op, flags, the data length
 *    against sectors, sectors against max_sectors, lba + sectors against capacity;
 *  - an answer is written into the region, never read back; the loop runs budget times.
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "blk/blk-server.h"

#define HDR sizeof(struct bh_blk_req)

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

int blk_server_init(struct blk_server *s, struct chan *c, const struct blk_backend *b,
		    void *scratch, size_t scratch_size)
{
	uint32_t max;

	if (!s || !c || !b || !b->read || !b->write || !b->flush || !scratch ||
	    scratch_size < chan_recv_max(c))
		return -BH_EINVAL;
	max = min_u32(BH_BLK_SECTORS_FOR(chan_recv_max(c)), BH_BLK_SECTORS_FOR(chan_send_max(c)));
	max = min_u32(max, b->max_sectors);
	if (!max)
		return -BH_ENOSPC;
	*s = (struct blk_server){ .c = c, .b = b, .scratch = scratch,
				  .scratch_size = scratch_size, .max_sectors = max };
	return 0;
}

/* [lba, lba + sectors) inside the device, without computing lba + sectors. */
static bool in_range(const struct blk_server *s, uint64_t lba, uint32_t sectors)
{
	return lba <= s->b->capacity && sectors <= s->b->capacity - lba;
}

/* block.h: the validity rules, in the order the errors are given. data: bytes after the
 * header. */
static int check(const struct blk_server *s, const struct bh_blk_req *q, size_t data)
{
	if (q->flags || q->reserved_0x1c)
		return -BH_EINVAL;
	switch (q->op) {
	case BH_BLK_READ:
	case BH_BLK_WRITE:
		if (!q->sectors || q->sectors > s->max_sectors ||
		    data != (q->op == BH_BLK_WRITE ? (size_t)q->sectors * BH_BLK_SECTOR : 0))
			return -BH_EINVAL;
		if (!in_range(s, q->lba, q->sectors))
			return -BH_ERANGE;
		return q->op == BH_BLK_WRITE && s->b->read_only ? -BH_EPERM : 0;
	case BH_BLK_FLUSH:
	case BH_BLK_INFO:
		return q->sectors || q->lba || data ? -BH_EINVAL : 0;
	default:
		return -BH_EINVAL;
	}
}

/* Runs a checked request; READ data go to out (the answer's data, in the region). */
static int execute(struct blk_server *s, const struct bh_blk_req *q, struct bh_blk_resp *a,
		   uint8_t *out)
{
	const struct blk_backend *b = s->b;

	switch (q->op) {
	case BH_BLK_READ:
		return b->read(b->ctx, q->lba, q->sectors, out) ? -BH_EIO : 0;
	case BH_BLK_WRITE:
		return b->write(b->ctx, q->lba, q->sectors, s->scratch + HDR) ? -BH_EIO : 0;
	case BH_BLK_FLUSH:
		return b->flush(b->ctx) ? -BH_EIO : 0;
	default: /* BH_BLK_INFO: check() let no other op through */
		a->value = b->capacity;
		a->max_sectors = s->max_sectors;
		a->sector_size = BH_BLK_SECTOR;
		return 0;
	}
}

static void account(struct blk_server *s, const struct bh_blk_req *q, int status)
{
	uint64_t bytes = (uint64_t)q->sectors * BH_BLK_SECTOR;

	s->stats.requests++;
	if (status)
		s->stats.errors++;
	else if (q->op == BH_BLK_READ)
		s->stats.bytes_read += bytes;
	else if (q->op == BH_BLK_WRITE)
		s->stats.bytes_written += bytes;
}

/* Answers the n-byte request in scratch into out, the answer slot already reserved. A
 * message shorter than the header is answered -BH_EINVAL with whatever id bytes it had. */
static int answer(struct blk_server *s, size_t n, uint8_t *out)
{
	struct bh_blk_req q = { 0 };
	struct bh_blk_resp a;
	size_t data = 0;

	memcpy(&q, s->scratch, n < HDR ? n : HDR);
	a = (struct bh_blk_resp){ .id = q.id };
	a.status = n < HDR ? -BH_EINVAL : check(s, &q, n - HDR);
	if (!a.status)
		a.status = execute(s, &q, &a, out + HDR);
	if (!a.status && (q.op == BH_BLK_READ || q.op == BH_BLK_WRITE))
		a.sectors = q.sectors;
	if (!a.status && q.op == BH_BLK_READ)
		data = (size_t)q.sectors * BH_BLK_SECTOR;
	account(s, &q, a.status);
	memcpy(out, &a, sizeof(a));
	return chan_send_commit(s->c, HDR + data);
}

/* → 1 handled one, 0 nothing to do or no room to answer, -BH_EIO. */
static int serve_one(struct blk_server *s)
{
	void *out;
	long n;
	int r = chan_send_begin(s->c, HDR + (size_t)s->max_sectors * BH_BLK_SECTOR, &out);

	if (r == -BH_ENOSPC)
		return 0;
	if (r)
		return -BH_EIO;
	n = chan_recv(s->c, s->scratch, s->scratch_size);
	if (n == -BH_ENOENT)
		return 0; /* the reservation is dropped by the next begin */
	if (n < 0)
		return -BH_EIO; /* -BH_E2BIG cannot happen: scratch holds chan_recv_max */
	return answer(s, (size_t)n, out) ? -BH_EIO : 1;
}

int blk_serve(struct blk_server *s, unsigned budget)
{
	unsigned done = 0;

	if (budget > INT_MAX)
		budget = INT_MAX; /* the count is returned as an int */
	while (done < budget) {
		int r = serve_one(s);

		if (r < 0)
			return r;
		if (!r)
			break;
		done++;
	}
	return (int)done;
}
