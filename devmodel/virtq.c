/* SPDX-License-Identifier: MIT */
/* virtq.c - the device side of a split virtqueue over hostile guest memory (virtq.h). */
#include <string.h>
#include <bulkhead/errno.h>
#include "virtq.h"

#define RELAXED __ATOMIC_RELAXED

const char *const vq_fault_text[VQ_FAULT_NR] = {
	[VQ_OK]               = "not broken",
	[VQ_BAD_SIZE]         = "queue size not a power of two in 1..32768",
	[VQ_BAD_RING]         = "ring not inside guest RAM (or used ring not writable)",
	[VQ_AVAIL_AHEAD]      = "avail idx more than the queue size ahead of the device",
	[VQ_HEAD_RANGE]       = "avail ring entry (chain head) beyond the queue",
	[VQ_NEXT_RANGE]       = "descriptor next beyond the queue or indirect table",
	[VQ_LOOP]             = "descriptor chain longer than the queue or table (a loop)",
	[VQ_BUF_EMPTY]        = "buffer of length 0",
	[VQ_BUF_RANGE]        = "buffer not inside guest RAM",
	[VQ_BUF_READONLY]     = "device-writable buffer in memory the device may not write",
	[VQ_READ_AFTER_WRITE] = "device-readable descriptor after a device-writable one",
	[VQ_INDIRECT_OFF]     = "indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC",
	[VQ_INDIRECT_NEXT]    = "indirect descriptor with NEXT",
	[VQ_INDIRECT_NESTED]  = "indirect descriptor inside an indirect table",
	[VQ_INDIRECT_LEN]     = "indirect table length 0, not a multiple of 16 or too long",
	[VQ_INDIRECT_RANGE]   = "indirect table not inside guest RAM",
	[VQ_TOO_LONG]         = "descriptor chain longer than 4 GiB in all",
	[VQ_TOO_MANY]         = "descriptor chain of more than 256 segments",
};

uint8_t *vq_mem_at(const struct vq_mem *m, uint64_t gpa, uint64_t len, bool write)
{
	if (!len)
		return NULL;
	for (unsigned i = 0; i < m->n; i++) {
		const struct vq_range *r = &m->r[i];
		uint64_t off = gpa - r->gpa;

		if (gpa < r->gpa || off >= r->size || len > r->size - off)
			continue;
		if (write && !(r->flags & VQ_MEM_W))
			continue;
		return r->host + off;
	}
	return NULL;
}

static int set_broken(struct vq *q, enum vq_fault f, int rc)
{
	q->broken = true;
	q->fault = f;
	q->why = vq_fault_text[f];
	return rc;
}

/* vq_pop's answer once anything was wrong: the first fault stays. */
static int refuse(struct vq *q, enum vq_fault f)
{
	q->stats.refused++;
	return q->broken ? -BH_EIO : set_broken(q, f, -BH_EIO);
}

/* "Legacy Interfaces: A Note on Virtqueue Layout": desc, avail (with used_event), padding to
 * Queue Align, used (with avail_event). */
static bool map_legacy(struct vq *q, const struct vq_mem *m)
{
	uint64_t avail = q->gpa + 16u * q->size, end = avail + 6 + 2u * q->size;
	uint64_t used = (end + VQ_LEGACY_ALIGN - 1) & ~(uint64_t)(VQ_LEGACY_ALIGN - 1);
	uint8_t *d = vq_mem_at(m, q->gpa, 16u * q->size, false);
	uint8_t *a = vq_mem_at(m, avail, 6 + 2u * q->size, false);
	uint8_t *u = vq_mem_at(m, used, 6 + 8u * q->size, true);

	if (!d || !a || !u || ((uintptr_t)d & 7) || ((uintptr_t)a & 1) || ((uintptr_t)u & 3))
		return false;
	q->desc = (const struct vq_desc *)d;
	q->avail = (const struct vq_avail *)a;
	q->used = (struct vq_used *)u;
	q->used_event = &q->avail->ring[q->size];
	q->avail_event = (uint16_t *)&q->used->ring[q->size];
	return true;
}

int vq_setup_legacy(struct vq *q, const struct vq_mem *m, uint32_t pfn, uint16_t size,
		    uint32_t features)
{
	*q = (struct vq){ .fault = VQ_OK, .why = vq_fault_text[VQ_OK] };
	if (!pfn)
		return 0;
	if (!size || size > VQ_SIZE_MAX || (size & (size - 1)))
		return set_broken(q, VQ_BAD_SIZE, -BH_EINVAL);
	q->gpa = (uint64_t)pfn * VQ_LEGACY_ALIGN;
	q->size = size;
	if (!map_legacy(q, m)) {
		q->size = 0;
		return set_broken(q, VQ_BAD_RING, -BH_ERANGE);
	}
	q->event_idx = features & VIRTIO_RING_F_EVENT_IDX;
	q->indirect = features & VIRTIO_RING_F_INDIRECT_DESC;
	q->notify = true;
	__atomic_store_n(&q->used->flags, 0, RELAXED);
	__atomic_store_n(q->avail_event, 0, RELAXED);
	__atomic_store_n(&q->used->idx, 0, __ATOMIC_RELEASE);
	return 0;
}

/* One descriptor, each field loaded once, into *d; only the copy is looked at. An indirect
 * table may be unaligned: then byte by byte, through volatile. */
static void read_desc(const void *p, struct vq_desc *d)
{
	const struct vq_desc *s = p;
	const volatile uint8_t *b = p;
	uint8_t raw[sizeof(*d)];

	if (!((uintptr_t)p & 7)) {
		d->addr = __atomic_load_n(&s->addr, RELAXED);
		d->len = __atomic_load_n(&s->len, RELAXED);
		d->flags = __atomic_load_n(&s->flags, RELAXED);
		d->next = __atomic_load_n(&s->next, RELAXED);
		return;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = b[i];
	memcpy(d, raw, sizeof(raw)); /* little-endian, as the guest is */
}

static enum vq_fault add_seg(const struct vq_mem *m, struct vq_chain *c, const struct vq_desc *d)
{
	bool write = d->flags & VIRTQ_DESC_F_WRITE;
	uint8_t *host;

	if (c->nseg == VQ_SEG_MAX)
		return VQ_TOO_MANY;
	if (!write && c->nseg && c->seg[c->nseg - 1].write)
		return VQ_READ_AFTER_WRITE;
	if (!d->len)
		return VQ_BUF_EMPTY;
	host = vq_mem_at(m, d->addr, d->len, write);
	if (!host && write && vq_mem_at(m, d->addr, d->len, false))
		return VQ_BUF_READONLY;
	if (!host)
		return VQ_BUF_RANGE;
	if ((uint64_t)c->out_len + c->in_len + d->len > UINT32_MAX)
		return VQ_TOO_LONG;
	c->seg[c->nseg++] = (struct vq_seg){ host, d->addr, d->len, write };
	if (write)
		c->in_len += d->len;
	else
		c->out_len += d->len;
	return VQ_OK;
}

/* "Indirect Descriptors": the chain goes on in the table *d names, from its entry 0. */
static enum vq_fault walk_indirect(const struct vq *q, const struct vq_mem *m,
				   struct vq_chain *c, const struct vq_desc *d)
{
	const uint8_t *table;
	struct vq_desc e;
	uint32_t n = d->len / sizeof(e), i = 0;
	enum vq_fault f;

	if (!q->indirect)
		return VQ_INDIRECT_OFF;
	if (d->flags & VIRTQ_DESC_F_NEXT)
		return VQ_INDIRECT_NEXT;
	if (!d->len || d->len % sizeof(e) || n > VQ_SEG_MAX)
		return VQ_INDIRECT_LEN;
	table = vq_mem_at(m, d->addr, d->len, false);
	if (!table)
		return VQ_INDIRECT_RANGE;
	for (uint32_t k = 0;; k++) {
		if (k == n)
			return VQ_LOOP;
		read_desc(table + i * sizeof(e), &e);
		if (e.flags & VIRTQ_DESC_F_INDIRECT)
			return VQ_INDIRECT_NESTED;
		f = add_seg(m, c, &e);
		if (f || !(e.flags & VIRTQ_DESC_F_NEXT))
			return f;
		if (e.next >= n)
			return VQ_NEXT_RANGE;
		i = e.next;
	}
}

/* The chain from head i: at most size descriptors of the queue's table, the last of which
 * may name an indirect table. */
static enum vq_fault walk(const struct vq *q, const struct vq_mem *m, struct vq_chain *c,
			  uint16_t i)
{
	struct vq_desc d;
	enum vq_fault f;

	for (unsigned k = 0;; k++) {
		if (k == q->size)
			return VQ_LOOP;
		read_desc(&q->desc[i], &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return walk_indirect(q, m, c, &d);
		f = add_seg(m, c, &d);
		if (f || !(d.flags & VIRTQ_DESC_F_NEXT))
			return f;
		if (d.next >= q->size)
			return VQ_NEXT_RANGE;
		i = d.next;
	}
}

int vq_pop(struct vq *q, const struct vq_mem *m, struct vq_chain *c)
{
	uint16_t idx, head;
	enum vq_fault f;

	if (q->broken)
		return refuse(q, q->fault);
	if (!q->size)
		return 0;
	idx = __atomic_load_n(&q->avail->idx, RELAXED);
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return refuse(q, VQ_AVAIL_AHEAD);
	if (idx == q->last_avail)
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the entry and its descriptors after idx */
	head = __atomic_load_n(&q->avail->ring[q->last_avail & (q->size - 1)], RELAXED);
	if (head >= q->size)
		return refuse(q, VQ_HEAD_RANGE);
	c->head = head;
	c->nseg = 0;
	c->out_len = c->in_len = 0;
	f = walk(q, m, c, head);
	if (f)
		return refuse(q, f);
	q->last_avail++;
	q->stats.chains++;
	if (q->event_idx && q->notify)
		__atomic_store_n(q->avail_event, q->last_avail, RELAXED);
	return 1;
}

void vq_push(struct vq *q, uint16_t head, uint32_t written)
{
	struct vq_used_elem *e;

	if (q->broken || !q->size)
		return;
	if (q->used_idx == q->last_avail) {
		q->stats.overpushed++;
		return;
	}
	e = &q->used->ring[q->used_idx & (q->size - 1)];
	__atomic_store_n(&e->id, head, RELAXED);
	__atomic_store_n(&e->len, written, RELAXED);
	q->used_idx++;
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
	q->stats.pushed++;
}

/* "Used Buffer Notification Suppression": the guest wants to hear of used entry event. */
static bool need_event(uint16_t event, uint16_t new, uint16_t old)
{
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

bool vq_should_interrupt(struct vq *q)
{
	uint16_t old = q->signalled, new = q->used_idx;
	bool yes;

	if (q->broken || !q->size || old == new)
		return false;
	q->signalled = new;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* used->idx out before the guest's wish in */
	if (q->event_idx)
		yes = need_event(__atomic_load_n(q->used_event, RELAXED), new, old);
	else
		yes = !(__atomic_load_n(&q->avail->flags, RELAXED) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	if (yes)
		q->stats.irqs++;
	else
		q->stats.suppressed++;
	return yes;
}

/* "Available Buffer Notification Suppression": with EVENT_IDX the device MUST keep flags 0;
 * avail_event one behind last_avail asks for no kick until the index comes round again. */
void vq_notify_off(struct vq *q)
{
	if (q->broken || !q->size)
		return;
	q->notify = false;
	if (q->event_idx)
		__atomic_store_n(q->avail_event, (uint16_t)(q->last_avail - 1), RELAXED);
	else
		__atomic_store_n(&q->used->flags, VIRTQ_USED_F_NO_NOTIFY, RELAXED);
}

bool vq_notify_on(struct vq *q)
{
	if (q->broken || !q->size)
		return false;
	q->notify = true;
	if (q->event_idx)
		__atomic_store_n(q->avail_event, q->last_avail, RELAXED);
	else
		__atomic_store_n(&q->used->flags, 0, RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the wish out before avail->idx in */
	return __atomic_load_n(&q->avail->idx, RELAXED) != q->last_avail;
}
