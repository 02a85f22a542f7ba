/* SPDX-License-Identifier: MIT */
/* nvme.c - NVMe controller bring-up, admin commands, and the I/O queue pair (nvme.h).
 * Citations: NVM Express Base Specification 1.4. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "nvme.h"
#include "platform.h"

enum { TAG_FREE, TAG_BUSY, TAG_DONE };
enum { PG_ASQ, PG_ACQ, PG_IDENT, PG_IOSQ, PG_IOCQ, PG_PRP, MEM_PAGES = PG_PRP + NVME_TAGS };

_Static_assert(NVME_ADMIN_DEPTH * sizeof(struct nvme_sqe) <= NVME_PAGE, "admin SQ: one page");
_Static_assert(NVME_IO_DEPTH * sizeof(struct nvme_sqe) <= NVME_PAGE, "I/O SQ: one page");
_Static_assert(NVME_TAGS < NVME_IO_DEPTH, "the I/O SQ never fills");
_Static_assert(NVME_XFER_MAX / NVME_PAGE < NVME_PAGE / 8, "one PRP list page per command");

#define NVME_LOG(n, fmt, ...)                                                               \
	plat_log("nvme %02x:%02x.%u: " fmt, (n)->pci->bdf >> 8, ((n)->pci->bdf >> 3) & 0x1f, \
		 (n)->pci->bdf & 7u, ##__VA_ARGS__)

/* ---- Registers: 32-bit accesses only, 64-bit ones low half first (3.1) ---- */

static uint32_t rd32(const struct nvme *n, unsigned off)
{
	return *(volatile uint32_t *)(n->regs + off);
}

static void wr32(struct nvme *n, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(n->regs + off) = v;
}

static uint64_t rd64(const struct nvme *n, unsigned off)
{
	uint64_t lo = rd32(n, off);

	return lo | (uint64_t)rd32(n, off + 4) << 32;
}

static void wr64(struct nvme *n, unsigned off, uint64_t v)
{
	wr32(n, off, (uint32_t)v);
	wr32(n, off + 4, (uint32_t)(v >> 32));
}

/* Entries written (or consumed) before the controller hears of it, and nothing of ours
 * moved across the write. */
static void ring(volatile uint32_t *doorbell, uint32_t v)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*doorbell = v;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static uint64_t mem_dma(const struct nvme *n, unsigned page)
{
	return n->mem_dma + (uint64_t)page * NVME_PAGE;
}

/* CAP.TO: worst case for CSTS.RDY to follow CC.EN, in 500 ms units (3.1.1). */
static uint64_t ready_timeout_ns(const struct nvme *n)
{
	uint32_t to = NVME_CAP_TO(n->cap);

	return (uint64_t)(to ? to : 1) * 500000000ull;
}

/* ---- Status codes (4.6.1 Status Field Definition) ---- */

static const struct {
	uint8_t sct, sc;
	const char *name;
} status_names[] = {
	{ 0, 0x01, "Invalid Command Opcode" },   { 0, 0x02, "Invalid Field in Command" },
	{ 0, 0x03, "Command ID Conflict" },      { 0, 0x04, "Data Transfer Error" },
	{ 0, 0x05, "Aborted: Power Loss" },      { 0, 0x06, "Internal Error" },
	{ 0, 0x07, "Abort Requested" },          { 0, 0x08, "Aborted: SQ Deletion" },
	{ 0, 0x0b, "Invalid Namespace or Format" }, { 0, 0x0c, "Command Sequence Error" },
	{ 0, 0x13, "PRP Offset Invalid" },       { 0, 0x80, "LBA Out of Range" },
	{ 0, 0x81, "Capacity Exceeded" },        { 0, 0x82, "Namespace Not Ready" },
	{ 1, 0x00, "Completion Queue Invalid" }, { 1, 0x01, "Invalid Queue Identifier" },
	{ 1, 0x02, "Invalid Queue Size" },       { 1, 0x82, "Write to Read Only Range" },
	{ 2, 0x80, "Write Fault" },              { 2, 0x81, "Unrecovered Read Error" },
	{ 2, 0x85, "Compare Failure" },          { 2, 0x86, "Access Denied" },
	{ 2, 0x87, "Deallocated or Unwritten Logical Block" },
};

static const char *status_name(unsigned sct, unsigned sc)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (status_names[i].sct == sct && status_names[i].sc == sc)
			return status_names[i].name;
	return "unknown status";
}

static int check_status(const struct nvme *n, const struct nvme_cqe *c, const char *what,
			unsigned long long lba)
{
	unsigned sct = NVME_CQE_SCT(c->status), sc = NVME_CQE_SC(c->status);

	if (!sct && !sc)
		return 0;
	NVME_LOG(n, "%s (lba %llu) failed: %s (SCT %u SC %#x%s)", what, lba,
		 status_name(sct, sc), sct, sc, (c->status & 0x8000) ? ", do not retry" : "");
	return -BH_EIO;
}

static const char *op_name(uint8_t op)
{
	return op == NVME_OP_READ ? "read" : op == NVME_OP_WRITE ? "write" : "flush";
}

/* ---- Failure: stop the device for good ---- */

static void fifo_push(struct nvme *n, unsigned tag)
{
	n->done[(n->done_head + n->done_count++) % NVME_TAGS] = (uint8_t)tag;
}

/* Disables the controller (aborting what it holds) and its DMA, and finishes every
 * outstanding command with err. Returns the first error the controller failed with. */
static int ctrl_fail(struct nvme *n, int err, const char *why)
{
	if (n->err)
		return n->err;
	n->err = err;
	NVME_LOG(n, "controller failed (%s): disabled, bus mastering off", why);
	wr32(n, NVME_REG_CC, rd32(n, NVME_REG_CC) & ~NVME_CC_EN);
	pci_stop_dma(n->pci);
	for (unsigned i = 0; i < NVME_TAGS; i++) {
		struct nvme_tag *t = &n->tag[i];

		if (t->state != TAG_BUSY)
			continue;
		t->state = TAG_DONE;
		t->result = err;
		if (!t->sync)
			fifo_push(n, i);
	}
	return err;
}

/* ---- Queues (4.1 Submission Queue & Completion Queue Definition) ---- */

static void queue_init(struct nvme *n, struct nvme_queue *q, unsigned qid, unsigned depth,
		       unsigned sq_page, unsigned cq_page)
{
	q->sq = (struct nvme_sqe *)(n->mem + sq_page * NVME_PAGE);
	q->cq = (volatile struct nvme_cqe *)(n->mem + cq_page * NVME_PAGE);
	memset(q->sq, 0, NVME_PAGE);
	memset((void *)q->cq, 0, NVME_PAGE); /* phase 0: nothing posted */
	q->sq_db = (volatile uint32_t *)(n->regs + NVME_REG_DBS + (2 * qid) * n->db_stride);
	q->cq_db = (volatile uint32_t *)(n->regs + NVME_REG_DBS + (2 * qid + 1) * n->db_stride);
	q->depth = (uint16_t)depth;
	q->sq_tail = q->sq_head = q->cq_head = 0;
	q->phase = 1;
}

static int sq_push(struct nvme_queue *q, const struct nvme_sqe *cmd)
{
	uint16_t next = (uint16_t)((q->sq_tail + 1) % q->depth);

	if (next == q->sq_head)
		return -BH_EBUSY; /* full (4.1.2 Full Queue) */
	q->sq[q->sq_tail] = *cmd;
	q->sq_tail = next;
	ring(q->sq_db, next);
	return 0;
}

static bool cq_ready(const struct nvme_queue *q)
{
	return (q->cq[q->cq_head].status & NVME_CQE_PHASE) == q->phase;
}

/* The next posted entry, if any: its phase tag differs from the previous lap's (4.6). */
static bool cq_pop(struct nvme_queue *q, struct nvme_cqe *out)
{
	volatile struct nvme_cqe *e = &q->cq[q->cq_head];
	uint16_t status = e->status;

	if ((status & NVME_CQE_PHASE) != q->phase)
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the rest of the entry, after its phase */
	out->dw0 = e->dw0;
	out->sq_head = e->sq_head;
	out->sq_id = e->sq_id;
	out->cid = e->cid;
	out->status = status;
	if (++q->cq_head == q->depth) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	if (out->sq_head < q->depth)
		q->sq_head = out->sq_head;
	return true;
}

/* One wait for a completion on q. Interrupts: sleep, at most NVME_IRQ_SLICE_NS so that a
 * lost interrupt costs latency rather than the request (and is reported once). */
static void wait_step(struct nvme *n, const struct nvme_queue *q, uint64_t now,
		      uint64_t deadline)
{
	uint64_t until;

	if (n->info.polling) {
		cpu_relax();
		return;
	}
	until = deadline - now < NVME_IRQ_SLICE_NS ? deadline : now + NVME_IRQ_SLICE_NS;
	if (now < deadline && plat_wait_device(until) == 0 && cq_ready(q) && !n->irq_warned) {
		n->irq_warned = true;
		NVME_LOG(n, "completion posted without an interrupt: check MSI-X delivery");
	}
}

/* ---- Admin commands (5 Admin Command Set), one at a time ---- */

static int admin_cmd(struct nvme *n, struct nvme_sqe *cmd, uint32_t *dw0, const char *what)
{
	uint64_t deadline = plat_time_ns() + NVME_ADMIN_TIMEOUT_NS;
	struct nvme_cqe c;
	int err = n->err;

	cmd->cid = n->admin_cid++;
	if (!err)
		err = sq_push(&n->admin, cmd);
	while (!err) {
		uint64_t now;

		if (cq_pop(&n->admin, &c)) {
			ring(n->admin.cq_db, n->admin.cq_head);
			if (c.cid != cmd->cid)
				continue; /* a stale entry: never ours */
			if (dw0)
				*dw0 = c.dw0;
			return check_status(n, &c, what, 0);
		}
		now = plat_time_ns();
		if (now >= deadline) {
			NVME_LOG(n, "admin %s: no completion after %llu ms", what,
				 NVME_ADMIN_TIMEOUT_NS / 1000000);
			return ctrl_fail(n, -BH_ETIMEDOUT, what);
		}
		wait_step(n, &n->admin, now, deadline);
	}
	return err;
}

static void *ident_buf(struct nvme *n)
{
	return n->mem + PG_IDENT * NVME_PAGE;
}

/* Identify (5.15): CNS 1 controller, CNS 0 namespace nsid, 4 KiB into the identify page. */
static int identify(struct nvme *n, uint32_t cns, uint32_t nsid, const char *what)
{
	struct nvme_sqe cmd = {
		.opcode = NVME_ADM_IDENTIFY,
		.nsid = nsid,
		.prp1 = mem_dma(n, PG_IDENT),
		.cdw10 = cns,
	};

	memset(ident_buf(n), 0, NVME_PAGE);
	return admin_cmd(n, &cmd, NULL, what);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ASCII field, blank padded: trailing blanks cut, anything unprintable shown as '?'. */
static void ascii(char *dst, const uint8_t *src, size_t len)
{
	while (len && (src[len - 1] == ' ' || src[len - 1] == 0))
		len--;
	for (size_t i = 0; i < len; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[len] = 0;
}

/* Identify Controller data (Figure 247): SN 23:4, MN 63:24, MDTS 77 (2^MDTS minimum pages,
 * 0 = no limit), NN 519:516. */
static int identify_ctrl(struct nvme *n, uint32_t *max_bytes)
{
	const uint8_t *id = ident_buf(n);
	int err = identify(n, NVME_CNS_CTRL, 0, "identify controller");
	uint8_t mdts;

	if (err)
		return err;
	ascii(n->info.serial, id + 4, 20);
	ascii(n->info.model, id + 24, 40);
	mdts = id[77];
	*max_bytes = NVME_XFER_MAX;
	if (mdts && mdts < 20 && (NVME_PAGE << mdts) < NVME_XFER_MAX)
		*max_bytes = NVME_PAGE << mdts;
	if (le32(id + 516) < NVME_NSID) {
		NVME_LOG(n, "controller reports no namespace (NN 0)");
		return -BH_ENOENT;
	}
	return 0;
}

/* Identify Namespace data (Figure 249): NSZE 7:0, NLBAF 25, FLBAS 26 (format index in
 * bits 3:0, and 6:5 above 16 formats), LBAF[i] at 128 + 4i: MS 15:0, LBADS 23:16. */
static int identify_ns(struct nvme *n, uint32_t max_bytes)
{
	const uint8_t *id = ident_buf(n);
	int err = identify(n, NVME_CNS_NS, NVME_NSID, "identify namespace 1");
	unsigned fmt, lbads;
	uint32_t lbaf;

	if (err)
		return err;
	fmt = (id[26] & 0xf) | ((id[25] >= 16) ? ((id[26] >> 5) & 3) << 4 : 0);
	lbaf = le32(id + 128 + 4 * (fmt & 63));
	lbads = (lbaf >> 16) & 0xff;
	n->info.sectors = le64(id);
	if (!n->info.sectors) {
		NVME_LOG(n, "namespace 1 is empty or not attached (NSZE 0)");
		return -BH_ENOENT;
	}
	if (fmt > id[25] || (lbads != 9 && lbads != 12) || (lbaf & 0xffff)) {
		NVME_LOG(n, "namespace 1 format %u: 2^%u-byte sectors, %u metadata bytes: "
			 "unsupported", fmt, lbads, lbaf & 0xffff);
		return -BH_ENOTSUP;
	}
	n->info.sector_size = 1u << lbads;
	n->info.max_sectors = max_bytes >> lbads;
	return 0;
}

/* Set Features, Number of Queues (5.21.1.7): one SQ and one CQ, 0-based; then Create I/O
 * Completion Queue (5.3) and Create I/O Submission Queue (5.4), physically contiguous. */
static int io_queues(struct nvme *n)
{
	unsigned depth = NVME_CAP_MQES(n->cap) + 1u;
	uint32_t got = 0;
	struct nvme_sqe feat = { .opcode = NVME_ADM_SET_FEAT, .cdw10 = NVME_FEAT_NUM_QUEUES };
	struct nvme_sqe cq = { .opcode = NVME_ADM_CREATE_CQ, .prp1 = mem_dma(n, PG_IOCQ) };
	struct nvme_sqe sq = { .opcode = NVME_ADM_CREATE_SQ, .prp1 = mem_dma(n, PG_IOSQ) };
	int err;

	if (depth > NVME_IO_DEPTH || depth < 2)
		depth = NVME_IO_DEPTH;
	queue_init(n, &n->io, 1, depth, PG_IOSQ, PG_IOCQ);
	n->info.tags = (uint16_t)(depth - 1 < NVME_TAGS ? depth - 1 : NVME_TAGS);
	cq.cdw10 = sq.cdw10 = (depth - 1) << 16 | 1;
	cq.cdw11 = 0u << 16 | (n->info.polling ? 0 : 2) | 1; /* vector 0, IEN, PC */
	sq.cdw11 = 1u << 16 | 1;                              /* CQ 1, PC */
	err = admin_cmd(n, &feat, &got, "set features (number of queues)");
	if (!err)
		err = admin_cmd(n, &cq, NULL, "create I/O completion queue");
	if (!err)
		err = admin_cmd(n, &sq, NULL, "create I/O submission queue");
	return err;
}

/* ---- Bring-up (7.6.1 Initialization) ---- */

/* Waits for (CSTS & mask) == want, up to timeout_ns; CSTS.CFS ends a wait for RDY = 1. */
static int wait_csts(struct nvme *n, uint32_t mask, uint32_t want, uint64_t timeout_ns,
		     const char *what)
{
	uint64_t deadline = plat_time_ns() + timeout_ns;

	for (;;) {
		uint32_t csts = rd32(n, NVME_REG_CSTS);

		if (csts == ~0u) {
			NVME_LOG(n, "%s: CSTS reads all ones: device gone", what);
			return -BH_EIO;
		}
		if ((csts & mask) == want)
			return 0;
		if ((csts & NVME_CSTS_CFS) && (want & NVME_CSTS_RDY)) {
			NVME_LOG(n, "%s: controller fatal status (CSTS %#x)", what, csts);
			return -BH_EIO;
		}
		if (plat_time_ns() >= deadline) {
			NVME_LOG(n, "%s: CSTS %#x after %llu ms", what, csts,
				 (unsigned long long)(timeout_ns / 1000000));
			return -BH_ETIMEDOUT;
		}
		cpu_relax();
	}
}

/* CC.EN 1 → 0 only once CSTS.RDY has followed it to 1 (3.1.6), then wait for RDY = 0. */
static int ctrl_disable(struct nvme *n)
{
	uint32_t cc = rd32(n, NVME_REG_CC);

	if (cc & NVME_CC_EN) {
		wait_csts(n, NVME_CSTS_RDY, NVME_CSTS_RDY, ready_timeout_ns(n), "settle");
		wr32(n, NVME_REG_CC, cc & ~NVME_CC_EN);
	}
	return wait_csts(n, NVME_CSTS_RDY, 0, ready_timeout_ns(n), "reset (CC.EN = 0)");
}

static int ctrl_enable(struct nvme *n)
{
	queue_init(n, &n->admin, 0, NVME_ADMIN_DEPTH, PG_ASQ, PG_ACQ);
	wr32(n, NVME_REG_AQA, (NVME_ADMIN_DEPTH - 1u) << 16 | (NVME_ADMIN_DEPTH - 1u));
	wr64(n, NVME_REG_ASQ, mem_dma(n, PG_ASQ));
	wr64(n, NVME_REG_ACQ, mem_dma(n, PG_ACQ));
	wr32(n, NVME_REG_CC, NVME_CC_CSS_NVM | NVME_CC_MPS(0) | NVME_CC_IOSQES(6) |
				     NVME_CC_IOCQES(4) | NVME_CC_EN);
	return wait_csts(n, NVME_CSTS_RDY, NVME_CSTS_RDY, ready_timeout_ns(n),
			 "enable (CC.EN = 1)");
}

/* BAR0: the registers and the doorbells of queues 0 and 1. */
static int map_regs(struct nvme *n)
{
	const struct pci_dev *d = n->pci;
	uint64_t bar = d->bar[0];

	if (!(d->bar_flags[0] & PCI_BAR_MEM) || !bar ||
	    !(n->regs = plat_mmio(bar, NVME_REG_DBS))) {
		NVME_LOG(n, "BAR0 %#llx: not a mapped memory BAR", (unsigned long long)bar);
		return -BH_EIO;
	}
	n->cap = rd64(n, NVME_REG_CAP);
	n->db_stride = 4u << NVME_CAP_DSTRD(n->cap);
	n->info.version = rd32(n, NVME_REG_VS);
	if (!(n->regs = plat_mmio(bar, NVME_REG_DBS + 4ull * n->db_stride))) {
		NVME_LOG(n, "BAR0 %#llx: doorbells (stride %u) not mapped",
			 (unsigned long long)bar, n->db_stride);
		return -BH_EIO;
	}
	return 0;
}

static int ctrl_check(struct nvme *n)
{
	if (n->cap == ~0ull) {
		NVME_LOG(n, "CAP reads all ones: device gone");
		return -BH_EIO;
	}
	if (!NVME_CAP_CSS_NVM(n->cap) || NVME_CAP_MPSMIN(n->cap) != 0) {
		NVME_LOG(n, "CAP %#llx: no NVM command set or no 4 KiB pages",
			 (unsigned long long)n->cap);
		return -BH_ENOTSUP;
	}
	n->mem = plat_dma_alloc(MEM_PAGES * NVME_PAGE, &n->mem_dma);
	if (!n->mem) {
		NVME_LOG(n, "out of DMA memory (%u pages)", (unsigned)MEM_PAGES);
		return -BH_ENOMEM;
	}
	for (unsigned i = 0; i < NVME_TAGS; i++) {
		n->tag[i].prp = (uint64_t *)(n->mem + (PG_PRP + i) * NVME_PAGE);
		n->tag[i].prp_dma = mem_dma(n, PG_PRP + i);
	}
	return 0;
}

static void irq_setup(struct nvme *n, unsigned flags)
{
	int err;

	n->info.polling = true;
	if (flags & NVME_POLL)
		return;
	err = pci_msix_enable(n->pci, 0);
	if (err) {
		NVME_LOG(n, "MSI-X unavailable (%d): polling for completions", err);
		return;
	}
	n->info.polling = false;
}

int nvme_init(struct nvme *n, struct pci_dev *pci, unsigned flags)
{
	uint32_t max_bytes = 0;
	int err;

	*n = (struct nvme){ .pci = pci, .io_timeout_ns = NVME_IO_TIMEOUT_NS };
	err = pci_enable_mmio(pci);
	if (!err)
		err = map_regs(n);
	if (!err)
		err = ctrl_check(n);
	if (!err)
		err = ctrl_disable(n); /* firmware may have left it running on its own queues */
	if (!err)
		err = pci_enable(pci); /* bus mastering only once it is quiet */
	if (!err)
		err = ctrl_enable(n);
	if (!err) {
		irq_setup(n, flags);
		err = identify_ctrl(n, &max_bytes);
	}
	if (!err)
		err = identify_ns(n, max_bytes);
	if (!err)
		err = io_queues(n);
	if (err && n->regs)
		ctrl_fail(n, err, "initialization");
	else if (err)
		n->err = err;
	if (!err)
		NVME_LOG(n, "%s (%s) NVMe %u.%u: %llu x %u-byte sectors, %u per command, %s",
			 n->info.model, n->info.serial, n->info.version >> 16,
			 (n->info.version >> 8) & 0xff, (unsigned long long)n->info.sectors,
			 n->info.sector_size, n->info.max_sectors,
			 n->info.polling ? "polling" : "MSI-X");
	return err;
}

const struct nvme_info *nvme_info(const struct nvme *n)
{
	return &n->info;
}

/* ---- I/O (6.9 Read, 6.15 Write, 6.8 Flush) ---- */

static int io_check(const struct nvme *n, const struct nvme_io *io)
{
	if (n->err)
		return n->err;
	if (io->op == NVME_OP_FLUSH)
		return 0;
	if ((io->op != NVME_OP_READ && io->op != NVME_OP_WRITE) || !io->count || !io->dma ||
	    (io->dma & 3))
		return -BH_EINVAL;
	if (io->count > n->info.max_sectors)
		return -BH_E2BIG;
	if (io->lba >= n->info.sectors || io->count > n->info.sectors - io->lba)
		return -BH_ERANGE;
	return 0;
}

/* PRP entries (4.3 Physical Region Page Entry and List): PRP1 starts anywhere dword aligned
 * and runs to its page's end; each later entry is a whole page. Two pages: PRP2 is the
 * second; more: PRP2 points at the tag's list page (never chained: _Static_assert above). */
static void prp_fill(struct nvme_sqe *cmd, struct nvme_tag *t, uint64_t dma, uint64_t len)
{
	uint64_t first = NVME_PAGE - (dma & (NVME_PAGE - 1));

	cmd->prp1 = dma;
	if (len <= first)
		return;
	dma += first;
	len -= first;
	if (len <= NVME_PAGE) {
		cmd->prp2 = dma;
		return;
	}
	for (unsigned i = 0; len; i++, dma += NVME_PAGE) {
		t->prp[i] = dma;
		len -= len < NVME_PAGE ? len : NVME_PAGE;
	}
	cmd->prp2 = t->prp_dma;
}

static int tag_get(struct nvme *n)
{
	for (unsigned i = 0; i < n->info.tags; i++)
		if (n->tag[i].state == TAG_FREE)
			return (int)i;
	return -BH_EBUSY;
}

/* → the tag now carrying io, or -BH_E*. */
static int io_start(struct nvme *n, const struct nvme_io *io, bool sync)
{
	int err = io_check(n, io);
	int tag = err ? err : tag_get(n);
	struct nvme_sqe cmd = { .opcode = io->op, .nsid = NVME_NSID };
	struct nvme_tag *t;

	if (tag < 0)
		return tag;
	t = &n->tag[tag];
	cmd.cid = (uint16_t)tag;
	if (io->op != NVME_OP_FLUSH) {
		prp_fill(&cmd, t, io->dma, (uint64_t)io->count * n->info.sector_size);
		cmd.cdw10 = (uint32_t)io->lba;
		cmd.cdw11 = (uint32_t)(io->lba >> 32);
		cmd.cdw12 = io->count - 1; /* NLB, 0-based */
	}
	*t = (struct nvme_tag){ .state = TAG_BUSY, .sync = sync, .op = io->op,
				.count = io->count, .lba = io->lba, .cookie = io->cookie,
				.deadline_ns = plat_time_ns() + n->io_timeout_ns,
				.prp = t->prp, .prp_dma = t->prp_dma };
	err = sq_push(&n->io, &cmd);
	if (err) {
		t->state = TAG_FREE;
		return err;
	}
	return tag;
}

/* Takes every posted I/O completion: its tag is done; nvme_submit ones queue for reaping. */
static void io_drain(struct nvme *n)
{
	struct nvme_cqe c;
	bool any = false;

	while (!n->err && cq_pop(&n->io, &c)) {
		struct nvme_tag *t = c.cid < n->info.tags ? &n->tag[c.cid] : NULL;

		any = true;
		if (!t || t->state != TAG_BUSY) {
			NVME_LOG(n, "completion for command %u, which is not in flight", c.cid);
			ctrl_fail(n, -BH_EIO, "bogus completion");
			return;
		}
		t->result = check_status(n, &c, op_name(t->op), (unsigned long long)t->lba);
		t->state = TAG_DONE;
		if (!t->sync)
			fifo_push(n, c.cid);
	}
	if (any)
		ring(n->io.cq_db, n->io.cq_head);
}

static int io_timeout(struct nvme *n, const struct nvme_tag *t)
{
	NVME_LOG(n, "%s lba %llu count %u: no completion after %llu ms", op_name(t->op),
		 (unsigned long long)t->lba, t->count,
		 (unsigned long long)(n->io_timeout_ns / 1000000));
	return ctrl_fail(n, -BH_ETIMEDOUT, "I/O timeout");
}

static int io_sync(struct nvme *n, const struct nvme_io *io)
{
	int tag = io_start(n, io, true);
	struct nvme_tag *t;
	int result;

	if (tag < 0)
		return tag;
	t = &n->tag[tag];
	for (;;) {
		uint64_t now;

		io_drain(n);
		if (t->state == TAG_DONE)
			break;
		now = plat_time_ns();
		if (now >= t->deadline_ns) {
			io_timeout(n, t);
			break;
		}
		wait_step(n, &n->io, now, t->deadline_ns);
	}
	result = t->result;
	t->state = TAG_FREE;
	return result;
}

int nvme_read_dma(struct nvme *n, uint64_t lba, uint32_t count, uint64_t dma)
{
	return io_sync(n, &(struct nvme_io){ .op = NVME_OP_READ, .lba = lba, .count = count,
					     .dma = dma });
}

int nvme_write_dma(struct nvme *n, uint64_t lba, uint32_t count, uint64_t dma)
{
	return io_sync(n, &(struct nvme_io){ .op = NVME_OP_WRITE, .lba = lba, .count = count,
					     .dma = dma });
}

static int buf_dma(const struct nvme *n, const void *buf, uint32_t count, uint64_t *dma)
{
	if (n->err)
		return n->err;
	if (!count || count > n->info.max_sectors)
		return count ? -BH_E2BIG : -BH_EINVAL;
	*dma = plat_dma_addr(buf, (size_t)count * n->info.sector_size);
	return *dma ? 0 : -BH_EFAULT;
}

int nvme_read(struct nvme *n, uint64_t lba, uint32_t count, void *buf)
{
	uint64_t dma = 0;
	int err = buf_dma(n, buf, count, &dma);

	return err ? err : nvme_read_dma(n, lba, count, dma);
}

int nvme_write(struct nvme *n, uint64_t lba, uint32_t count, const void *buf)
{
	uint64_t dma = 0;
	int err = buf_dma(n, buf, count, &dma);

	return err ? err : nvme_write_dma(n, lba, count, dma);
}

int nvme_flush(struct nvme *n)
{
	return io_sync(n, &(struct nvme_io){ .op = NVME_OP_FLUSH });
}

/* ---- Asynchronous requests ---- */

int nvme_submit(struct nvme *n, const struct nvme_io *io)
{
	int tag = io_start(n, io, false);

	if (tag < 0)
		return tag;
	n->async++;
	return 0;
}

static unsigned reap_fifo(struct nvme *n, struct nvme_done *done, unsigned max)
{
	unsigned got = 0;

	for (; got < max && n->done_count; got++, n->done_count--) {
		struct nvme_tag *t = &n->tag[n->done[n->done_head]];

		n->done_head = (uint16_t)((n->done_head + 1) % NVME_TAGS);
		done[got] = (struct nvme_done){ .cookie = t->cookie, .result = t->result };
		t->state = TAG_FREE;
		n->async--;
	}
	return got;
}

static int check_timeouts(struct nvme *n, uint64_t now)
{
	for (unsigned i = 0; i < n->info.tags; i++)
		if (n->tag[i].state == TAG_BUSY && now >= n->tag[i].deadline_ns)
			return io_timeout(n, &n->tag[i]);
	return 0;
}

int nvme_reap(struct nvme *n, struct nvme_done *done, unsigned max, uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now;

		io_drain(n);
		if (n->done_count && max)
			return (int)reap_fifo(n, done, max);
		if (n->err)
			return n->err;
		now = plat_time_ns();
		if (check_timeouts(n, now))
			continue; /* their errors are in the FIFO now */
		if (!n->async || !max || now >= deadline_ns)
			return 0;
		wait_step(n, &n->io, now, deadline_ns);
	}
}

unsigned nvme_pending(const struct nvme *n)
{
	return n->async;
}

/* Shutdown Notification (7.6.2 Shutdown): CC.SHN = 01b, then CSTS.SHST = 10b. */
int nvme_shutdown(struct nvme *n)
{
	if (n->err || !n->regs)
		return n->err;
	wr32(n, NVME_REG_CC, (rd32(n, NVME_REG_CC) & ~NVME_CC_SHN_MASK) | NVME_CC_SHN_NORMAL);
	return wait_csts(n, NVME_CSTS_SHST_MASK, NVME_CSTS_SHST_DONE, NVME_ADMIN_TIMEOUT_NS,
			 "shutdown");
}
