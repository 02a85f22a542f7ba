/* SPDX-License-Identifier: MIT */
/* fuzz_virtq.c - libFuzzer harness: the virtqueue walker (devmodel/virtq.c) over guest RAM
 * made of the input, as a hostile guest would lay it out.
 *
 * Input: a 24-byte header, then the guest's RAM image (missing bytes are zero).
 *   0      queue size 1 << (b % 9); with bit 7, b & 0x7f as it is (mostly refused)
 *   1      bit 0 EVENT_IDX, 1 INDIRECT_DESC, 2 kicks off while working, 3 interrupt
 *          decisions, 4 push in reverse order, 5 one push too many after each batch
 *   2      read-only range: b * 16 bytes
 *   3      ring page frame: 0x10 + (b % 4), 0 (reset) when b % 8 == 7
 *   4-5    start index (last_avail and used_idx set as after that many chains)
 *   6-7    unused
 *   8-23   four guest writes {u16 off, u16 val}, off bit 15 set = enabled: one applied
 *          before each pop, in turn (the guest changing the rings between two pops)
 *
 *   gpa 0x10000      RAM_W  12 KiB writable (the ring at page frame 0x10 by default)
 *   gpa 0x13000      RO     up to 4080 bytes, read-only to the device
 *   gpa 0x100000000  HUGE   4 GiB "writable", reserved, reading as zeros (so chains can
 *                           reach 4 GiB in all): its segments are checked, never accessed
 *                           here, but the walker may read an indirect table there
 * RAM_W and RO are each an exact-size allocation, so ASan sees a byte past either one.
 *
 * Checked after every call: a chain is taken only when the guest's avail idx was ahead and
 * by no more than the size; none when it was not; 1 <= nseg <= VQ_SEG_MAX; every segment
 * (found again here, independently of vq_mem_at) lies inside one range at the right host
 * address, writable ones in a writable range, none readable after a writable one; the
 * totals are the sums; used->idx in RAM is what the device published. The first and last
 * byte of every segment are read, and written when it is writable. A broken queue stays
 * broken. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bulkhead/errno.h>
#include "devmodel/virtq.h"

#define HDR      24
#define RAM_GPA  0x10000ull
#define RAM_W    0x3000u
#define RO_GPA   (RAM_GPA + RAM_W)
#define HUGE_GPA (1ull << 32)
#define HUGE     (1ull << 32)
#define ITER_MAX 600

#define check(c) ((c) ? (void)0 : abort())

struct input {
	uint16_t size;
	uint32_t features;
	bool quiet, decide, reverse, overpush;
	uint32_t pfn;
	uint16_t start;
	uint16_t poke_off[4], poke_val[4];
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void parse(const uint8_t *d, struct input *in)
{
	in->size = d[0] & 0x80 ? d[0] & 0x7f : (uint16_t)(1u << (d[0] % 9));
	in->features = (d[1] & 1 ? VIRTIO_RING_F_EVENT_IDX : 0) |
		       (d[1] & 2 ? VIRTIO_RING_F_INDIRECT_DESC : 0);
	in->quiet = d[1] & 4;
	in->decide = d[1] & 8;
	in->reverse = d[1] & 16;
	in->overpush = d[1] & 32;
	in->pfn = d[3] % 8 == 7 ? 0 : (uint32_t)(RAM_GPA >> 12) + d[3] % 4;
	in->start = le16(d + 4);
	for (int i = 0; i < 4; i++) {
		in->poke_off[i] = le16(d + 8 + 4 * i);
		in->poke_val[i] = le16(d + 10 + 4 * i);
	}
}

/* The range holding [gpa, gpa + len), computed without vq_mem_at. */
static const struct vq_range *owner(const struct vq_mem *m, uint64_t gpa, uint32_t len)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct vq_range *r = &m->r[i];

		unsigned __int128 end = (unsigned __int128)gpa + len;

		if (gpa >= r->gpa && end <= (unsigned __int128)r->gpa + r->size)
			return r;
	}
	return NULL;
}

static volatile uint8_t sink;

static void check_chain(const struct vq *q, const struct vq_mem *m, const struct vq_chain *c)
{
	uint64_t out = 0, in = 0;
	uint8_t sum = 0;

	check(c->nseg >= 1 && c->nseg <= VQ_SEG_MAX);
	check(c->head < q->size);
	for (unsigned i = 0; i < c->nseg; i++) {
		const struct vq_seg *s = &c->seg[i];
		const struct vq_range *r = owner(m, s->gpa, s->len);

		check(s->len > 0 && r);
		check(s->host == r->host + (s->gpa - r->gpa));
		check(!s->write || (r->flags & VQ_MEM_W));
		check(s->write || i == 0 || !c->seg[i - 1].write);
		*(s->write ? &in : &out) += s->len;
		if (s->gpa >= HUGE_GPA)
			continue;
		sum += s->host[0] + s->host[s->len - 1]; /* ASan: both ends in the allocation */
		if (s->write) /* may hit the rings: the guest's own doing */
			s->host[0] = s->host[s->len - 1] = 0xa5;
	}
	sink = sum;
	check(out == c->out_len && in == c->in_len && out + in <= UINT32_MAX);
}

static void poke(const struct input *in, unsigned it, uint8_t *ram)
{
	unsigned k = it % 4;
	uint16_t off = in->poke_off[k];

	if (!(off & 0x8000))
		return;
	off = (uint16_t)((off & 0x7fff) % (RAM_W - 1));
	memcpy(ram + off, &in->poke_val[k], 2);
}

/* One chain (or none, or the refusal), checked. -> rc of vq_pop. */
static int step(struct vq *q, const struct vq_mem *m, struct vq_chain *c, uint16_t *held,
		unsigned *nheld)
{
	uint16_t avail = __atomic_load_n(&q->avail->idx, __ATOMIC_RELAXED);
	uint16_t last = q->last_avail, ahead = (uint16_t)(avail - last);
	int rc = vq_pop(q, m, c);

	if (rc < 0) { /* and stays so: nothing given back, nothing raised, nothing asked */
		uint16_t used = __atomic_load_n(&q->used->idx, __ATOMIC_RELAXED);

		check(rc == -BH_EIO && q->broken && q->why == vq_fault_text[q->fault]);
		check(vq_pop(q, m, c) == -BH_EIO);
		vq_push(q, 0, 0);
		check(!vq_should_interrupt(q) && !vq_notify_on(q));
		check(__atomic_load_n(&q->used->idx, __ATOMIC_RELAXED) == used);
		return rc;
	}
	check(rc == (ahead != 0) && ahead <= q->size);
	check(q->last_avail == (uint16_t)(last + rc));
	if (rc == 1) {
		check_chain(q, m, c);
		held[(*nheld)++] = c->head;
	}
	return rc;
}

static void give_back(struct vq *q, const struct input *in, uint16_t *held, unsigned *nheld)
{
	for (unsigned i = 0; i < *nheld; i++) {
		uint16_t h = held[in->reverse ? *nheld - 1 - i : i];

		vq_push(q, h, h);
		check(__atomic_load_n(&q->used->idx, __ATOMIC_RELAXED) == q->used_idx);
	}
	*nheld = 0;
	if (in->overpush) { /* all given back: one more is dropped */
		uint64_t dropped = q->stats.overpushed;

		vq_push(q, 0, 0);
		check(q->used_idx == q->last_avail && q->stats.overpushed == dropped + 1);
	}
}

static void run(const struct input *in, const struct vq_mem *m, uint8_t *ram)
{
	static struct vq q;
	static struct vq_chain c;
	uint16_t held[8];
	unsigned nheld = 0;
	int rc = vq_setup_legacy(&q, m, in->pfn, in->size, in->features);

	if (rc < 0) {
		check(q.broken && vq_pop(&q, m, &c) == -BH_EIO);
		return;
	}
	if (!in->pfn) {
		check(!q.broken && !q.size && vq_pop(&q, m, &c) == 0);
		return;
	}
	/* as after that many chains: the device's indices, and what it published of them */
	q.last_avail = q.used_idx = q.signalled = in->start;
	__atomic_store_n(&q.used->idx, in->start, __ATOMIC_RELEASE);
	if (q.event_idx)
		__atomic_store_n(q.avail_event, in->start, __ATOMIC_RELAXED);
	for (unsigned it = 0; it < ITER_MAX; it++) {
		poke(in, it, ram);
		if (in->quiet && it % 8 == 0)
			vq_notify_off(&q);
		rc = step(&q, m, &c, held, &nheld);
		if (rc < 0)
			return;
		if (rc == 0 || nheld == 8)
			give_back(&q, in, held, &nheld);
		if (in->decide)
			vq_should_interrupt(&q);
		if (rc == 0 && !vq_notify_on(&q))
			return;
	}
}

/* 4 GiB of address space and no memory: untouched pages read as zeros. */
static uint8_t *huge(void)
{
	static uint8_t *p;

	if (!p)
		p = mmap(NULL, HUGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		abort();
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	struct vq_range r[3];
	struct vq_mem m = { r, 3 };
	size_t ro_size, body;

	if (size < HDR)
		return 0;
	parse(data, &in);
	ro_size = data[2] * 16u;
	r[0] = (struct vq_range){ RAM_GPA, RAM_W, calloc(1, RAM_W), VQ_MEM_W };
	r[1] = (struct vq_range){ RO_GPA, ro_size, calloc(1, ro_size ? ro_size : 1), 0 };
	r[2] = (struct vq_range){ HUGE_GPA, HUGE, huge(), VQ_MEM_W };
	if (!r[0].host || !r[1].host)
		abort();
	body = size - HDR;
	memcpy(r[0].host, data + HDR, body < RAM_W ? body : RAM_W);
	body = body > RAM_W ? body - RAM_W : 0;
	memcpy(r[1].host, data + HDR + RAM_W, body < ro_size ? body : ro_size);
	run(&in, &m, r[0].host);
	free(r[0].host);
	free(r[1].host);
	return 0;
}
