/* SPDX-License-Identifier: MIT */
/* virtio-blk.c - the virtio block device of virtio-blk.h. */
#include <string.h>
#include <bulkhead/errno.h>
#include "virtio-blk.h"

#define BLK_F_SIZE_MAX  (1u << 1)
#define BLK_F_SEG_MAX   (1u << 2)
#define BLK_F_RO        (1u << 5)
#define BLK_F_BLK_SIZE  (1u << 6)
#define BLK_F_FLUSH     (1u << 9)
#define T_IN     0
#define T_OUT    1
#define T_FLUSH  4
#define T_GET_ID 8
#define S_OK     0
#define S_IOERR  1
#define S_UNSUPP 2
#define HDR_LEN  16
#define CHAIN_PIECES_MAX 256     /* a chain needing more is answered IOERR */
#define DEADLINE_NS 30000000000ull /* a piece waits this long for a path to come up */

static uint8_t cfg_read(void *ctx, unsigned off)
{
	const struct vblk *b = ctx;

	return off < sizeof(b->cfg) ? b->cfg[off] : 0;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void set_config(struct vblk *b)
{
	memset(b->cfg, 0, sizeof(b->cfg));
	put_le(b->cfg + 0, b->cl ? b->cl->capacity : 0, 8); /* capacity, 512-byte sectors */
	put_le(b->cfg + 8, VBLK_SEG_BYTES, 4);               /* size_max */
	put_le(b->cfg + 12, VBLK_SEGS, 4);                   /* seg_max */
	put_le(b->cfg + 20, BH_BLK_SECTOR, 4);               /* blk_size */
}

static void reset(void *ctx)
{
	struct vblk *b = ctx;

	b->gen++; /* what is in flight finishes unseen, what is queued is dropped */
	b->head = b->sub;
	for (uint32_t i = 0; i < VBLK_QUEUE; i++)
		b->chains[i].busy = false;
}

static void kick(void *ctx, unsigned q)
{
	vblk_work(ctx);
}

static unsigned room(const struct vblk *b)
{
	return VBLK_PIECES - (b->head - b->tail);
}

static void finish(struct vblk *b, struct vblk_chain *ch)
{
	*ch->status = ch->failed ? S_IOERR : S_OK;
	ch->busy = false;
	b->stats.errors += ch->failed;
	vq_push(&b->pci.vq[0], ch->head, ch->written);
}

/* Answers a chain at once: status (if it has a writable last byte) and the used element. */
static void answer_now(struct vblk *b, const struct vq_chain *c, uint8_t status, uint32_t written)
{
	const struct vq_seg *last = c->nseg ? &c->seg[c->nseg - 1] : NULL;

	if (last && last->write && last->len) {
		last->host[last->len - 1] = status;
		written += 1;
	} else {
		written = 0;
	}
	vq_push(&b->pci.vq[0], c->head, written);
}

/* Queues the pieces of data segment s of chain ch at sector *lba: the first joins the
 * chain's last piece, not yet submitted (reset() drops those: it is of this generation),
 * when it goes on where that one ends in the guest's RAM and both fit one request (the
 * driver sends a page per segment, VBLK_SEG_BYTES). → false if they do not fit. */
static bool add_pieces(struct vblk *b, uint16_t chain, const struct vq_seg *s, uint8_t op,
		       uint64_t *lba, unsigned *budget)
{
	uint32_t max = b->cl->max_sectors, left = s->len / BH_BLK_SECTOR;
	uint8_t *buf = s->host;
	struct vblk_piece *last = &b->pieces[(b->head - 1) % VBLK_PIECES];

	if (b->head != b->sub && last->chain == chain && last->op == op &&
	    last->buf + (size_t)last->sectors * BH_BLK_SECTOR == buf && last->sectors < max) {
		uint32_t n = left < max - last->sectors ? left : max - last->sectors;
		last->sectors += n;
		*lba += n, buf += (size_t)n * BH_BLK_SECTOR, left -= n;
	}
	while (left) {
		uint32_t n = left < max ? left : max;
		if (!(*budget)--)
			return false;
		b->pieces[b->head++ % VBLK_PIECES] = (struct vblk_piece){
			.lba = *lba, .buf = buf, .sectors = n, .chain = chain, .op = op,
			.gen = b->gen };
		b->chains[chain].left++;
		*lba += n, buf += (size_t)n * BH_BLK_SECTOR, left -= n;
	}
	return true;
}

/* One chain from the queue: answered at once, or queued as pieces. */
static void take(struct vblk *b, const struct vq_chain *c)
{
	struct vblk_chain *ch = &b->chains[c->head % VBLK_QUEUE];
	uint32_t type, data = 0;
	uint64_t lba, sectors = 0;
	unsigned budget = CHAIN_PIECES_MAX;
	const struct vq_seg *last = &c->seg[c->nseg - 1];
	uint8_t hdr[HDR_LEN];

	if (c->nseg < 2 || c->seg[0].write || c->seg[0].len != HDR_LEN || !last->write ||
	    last->len != 1 || ch->busy) {
		b->stats.bad_chains++;
		answer_now(b, c, S_IOERR, 0);
		return;
	}
	memcpy(hdr, c->seg[0].host, HDR_LEN); /* read once */
	memcpy(&type, hdr, 4);
	memcpy(&lba, hdr + 8, 8);
	for (unsigned i = 1; i + 1 < c->nseg; i++) {
		/* IN and OUT carry whole sectors their way; GET_ID has a 20-byte buffer */
		if ((type == T_IN || type == T_OUT) &&
		    (c->seg[i].len % BH_BLK_SECTOR || c->seg[i].write != (type == T_IN)))
			type = ~0u; /* not a request of its type: IOERR below */
		sectors += c->seg[i].len / BH_BLK_SECTOR;
		data += c->seg[i].len;
	}
	if (type == T_GET_ID) {
		uint32_t n = c->nseg == 3 && c->seg[1].write ? c->seg[1].len : 0;
		n = n < VBLK_ID_LEN ? n : VBLK_ID_LEN;
		memcpy(c->seg[1].host, b->id, n);
		answer_now(b, c, n ? S_OK : S_IOERR, n);
		return;
	}
	if (type != T_IN && type != T_OUT && type != T_FLUSH) {
		b->stats.other++;
		answer_now(b, c, type == ~0u ? S_IOERR : S_UNSUPP, 0);
		return;
	}
	if (!b->cl || (type == T_OUT && b->ro) || (type == T_FLUSH && c->nseg != 2) ||
	    (type != T_FLUSH && (!sectors || lba > b->cl->capacity ||
				 sectors > b->cl->capacity - lba))) {
		b->stats.errors++;
		answer_now(b, c, S_IOERR, 0);
		return;
	}
	*ch = (struct vblk_chain){ .head = c->head, .status = last->host, .busy = true,
				   .written = (type == T_IN ? data : 0) + 1 };
	if (type == T_FLUSH) {
		b->stats.flushes++;
		b->pieces[b->head++ % VBLK_PIECES] = (struct vblk_piece){
			.chain = c->head % VBLK_QUEUE, .op = BH_BLK_FLUSH, .gen = b->gen };
		ch->left = 1;
		return;
	}
	type == T_IN ? b->stats.reads++ : b->stats.writes++;
	for (unsigned i = 1; i + 1 < c->nseg; i++)
		if (!add_pieces(b, c->head % VBLK_QUEUE, &c->seg[i],
				type == T_IN ? BH_BLK_READ : BH_BLK_WRITE, &lba, &budget)) {
			ch->failed = true; /* larger than a request may be: what was queued runs */
			break;
		}
	if (!ch->left)
		finish(b, ch);
}

/* Pieces to the client in order, until it refuses one for now. */
static void submit(struct vblk *b)
{
	uint64_t deadline = b->cl ? b->cl->env->now(b->cl->env->ctx) + DEADLINE_NS : 0;

	while (b->cl && b->sub != b->head) {
		struct vblk_piece *p = &b->pieces[b->sub % VBLK_PIECES];
		int64_t id = p->op == BH_BLK_READ ?
			blk_submit_read(b->cl, p->lba, p->sectors, p->buf, deadline) :
			p->op == BH_BLK_WRITE ?
			blk_submit_write(b->cl, p->lba, p->sectors, p->buf, deadline) :
			blk_submit_flush(b->cl, deadline);

		if (id == -BH_EBUSY || id == -BH_ENOSPC)
			return; /* waits for an answer; nothing overtakes it */
		b->sub++;
		b->stats.pieces++;
		if (id > 0) {
			p->id = id;
			continue;
		}
		p->done = true; /* refused for good: its chain fails */
		struct vblk_chain *ch = &b->chains[p->chain];
		if (p->gen != b->gen)
			continue;
		ch->failed = true;
		if (!--ch->left)
			finish(b, ch);
	}
}

/* Answers from the client onto their pieces and chains. */
static void collect(struct vblk *b)
{
	struct blk_done done[BLK_INFLIGHT];
	int n;

	while (b->cl && (n = blk_poll(b->cl, done, BLK_INFLIGHT)) > 0)
		for (int k = 0; k < n; k++)
			for (uint32_t i = b->tail; i != b->sub; i++) {
				struct vblk_piece *p = &b->pieces[i % VBLK_PIECES];
				if (p->done || p->id != (int64_t)done[k].id)
					continue;
				p->done = true;
				struct vblk_chain *ch = &b->chains[p->chain];
				if (p->gen != b->gen || !ch->busy)
					break; /* the guest reset the device meanwhile */
				ch->failed |= done[k].status != 0;
				if (!--ch->left)
					finish(b, ch);
				break;
			}
	while (b->tail != b->sub && b->pieces[b->tail % VBLK_PIECES].done)
		b->tail++;
}

void vblk_work(struct vblk *b)
{
	struct vq *q = &b->pci.vq[0];
	static struct vq_chain c;

	collect(b);
	submit(b);
	if (!vpci_live(&b->pci) || !q->size)
		return;
	do {
		vq_notify_off(q);
		while (room(b) >= CHAIN_PIECES_MAX) {
			int r = vq_pop(q, b->pci.mem, &c);
			if (r < 0) {
				vpci_broken(&b->pci, 0);
				return;
			}
			if (!r)
				break;
			take(b, &c);
		}
		submit(b);
		if (vq_should_interrupt(q)) {
			b->stats.irqs++;
			vpci_queue_irq(&b->pci, 0);
		}
		/* While requests are out, kicks stay off: each answer brings another pass here,
		 * which takes what the guest queued meanwhile (a busy queue costs no exits) */
	} while (!vblk_busy(b) && vq_notify_on(q));
}

bool vblk_busy(const struct vblk *b)
{
	return b->tail != b->head;
}

void vblk_attach(struct vblk *b, struct blk_client *cl)
{
	b->cl = cl;
	set_config(b);
	if (b->pci.status & VIRTIO_STATUS_DRIVER_OK)
		vpci_config_changed(&b->pci);
}

void vblk_init(struct vblk *b, uint16_t bdf, uint16_t io_base, uint32_t bar1, void *msix,
	       uint8_t irq, const struct vq_mem *mem, const struct vpci_ops *ops,
	       struct blk_client *cl, bool ro, const char *id)
{
	memset(b, 0, sizeof(*b));
	b->ro = ro;
	b->cl = cl;
	memcpy(b->id, id, strnlen(id, sizeof(b->id)));
	b->dev = (struct vpci_dev){ .ctx = b, .features = BLK_F_SIZE_MAX | BLK_F_SEG_MAX |
				    BLK_F_BLK_SIZE | BLK_F_FLUSH |
				    (ro ? BLK_F_RO : 0), .queue_size = { VBLK_QUEUE },
				    .cfg_len = sizeof(b->cfg), .cfg_read = cfg_read,
				    .notify = kick, .reset = reset };
	set_config(b);
	vpci_init(&b->pci, bdf, VIRTIO_ID_BLOCK, io_base, bar1, msix, irq, mem, &b->dev, ops);
}
