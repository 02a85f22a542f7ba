/* SPDX-License-Identifier: MIT */
/* test_nvme.c - iopart/pci.c and iopart/nvme.c against a fake PCI function and NVMe
 * controller in host memory. The fake's plat_* (iopart/platform.h) are the only way in:
 * every plat_time_ns() / plat_wait_device() lets the controller run a step (follow CC.EN,
 * consume the SQ up to its doorbell, post completions, raise MSI-X). Device addresses are
 * CPU addresses plus DMA_BIAS, so a driver that hands the device a CPU pointer fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "iopart/nvme.h"
#include "iopart/pci.h"
#include "iopart/platform.h"

#define BDF       PCI_BDF(0, 4, 0)
#define BAR_SIZE  0x4000u
#define MSIX_TBL  0x2000u
#define MSIX_CAP  0x50u
#define DMA_BIAS  0x500000000000ull
#define PAGE      4096u
#define DISK      (2u << 20)

struct fq {
	uint64_t sq_dma, cq_dma;
	uint16_t sq_depth, cq_depth, sq_head, cq_tail, phase;
	bool ien, live;
};

static struct fake {
	uint8_t cfg[256];
	uint8_t *bar;
	uint64_t now;
	uint8_t *disk;
	unsigned lbads, mdts, dstrd, mqes;
	bool ready_never, stall_io, no_irq, reverse, irq;
	uint16_t inject;          /* status of the next I/O command */
	unsigned irqs, io_cmds, prp_lists, refused;
	uint32_t cq_ien;          /* CDW11 of Create I/O CQ */
	struct fq q[2];
	struct { uint8_t *p; size_t n; } dma[64];
	unsigned ndma;
	char log[8192];
} F;

/* ---- Fake PCI configuration space ---- */

static void put(unsigned off, unsigned width, uint32_t v)
{
	for (unsigned i = 0; i < width; i++)
		F.cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get(unsigned off, unsigned width)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)F.cfg[off + i] << (8 * i);
	return v;
}

static void cfg_init(void)
{
	uint64_t bar = (uintptr_t)F.bar;

	memset(F.cfg, 0, sizeof(F.cfg));
	put(PCI_VENDOR, 2, 0x1b36);
	put(PCI_DEVICE, 2, 0x0010);
	put(PCI_REVISION, 4, 0x01080202); /* mass storage, NVM, NVMe; revision 2 */
	put(PCI_STATUS, 2, PCI_STATUS_CAPS);
	put(PCI_BAR0, 4, (uint32_t)bar | 4);  /* 64-bit memory BAR */
	put(PCI_BAR0 + 4, 4, (uint32_t)(bar >> 32));
	put(PCI_BAR0 + 8, 4, 0xc001);          /* an I/O BAR */
	put(PCI_CAP_PTR, 1, 0x40);
	put(0x40, 2, MSIX_CAP << 8 | 0x09);    /* vendor-specific, then MSI-X */
	put(MSIX_CAP, 2, 0x11);
	put(MSIX_CAP + 2, 2, 3);               /* 4 entries */
	put(MSIX_CAP + 4, 4, MSIX_TBL);        /* BIR 0 */
	put(MSIX_CAP + 8, 4, 0x3000);
}

uint32_t plat_pci_read(uint16_t bdf, unsigned off, unsigned width)
{
	if (bdf != BDF || off + width > 256 || off % width)
		return ~0u;
	return get(off, width);
}

/* The monitor's rule: only the command and MSI-X control bits may change. */
int plat_pci_write(uint16_t bdf, unsigned off, unsigned width, uint32_t v)
{
	uint32_t mask = off == PCI_COMMAND ? PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_INTX_OFF
		      : off == MSIX_CAP + 2 ? PCI_MSIX_ENABLE | PCI_MSIX_MASKALL : 0;

	if (bdf != BDF || width != 2 || !mask || ((v ^ get(off, 2)) & ~mask)) {
		F.refused++;
		return -BH_EPERM;
	}
	put(off, 2, v);
	return 0;
}

static volatile uint32_t *reg(unsigned off);

/* The monitor's part (monitor/pci.c hc_pci_msi): it alone writes the table. */
int plat_pci_msix(uint16_t bdf, unsigned entry, unsigned op)
{
	volatile uint32_t *e = reg(MSIX_TBL + 16 * entry);

	if (bdf != BDF || entry >= (get(MSIX_CAP + 2, 2) & 0x7ff) + 1 || op > PLAT_MSIX_UNMASK)
		return -BH_EINVAL;
	e[3] |= 1;
	if (op == PLAT_MSIX_PROGRAM) {
		e[0] = 0xfee00000;
		e[1] = 0;
		e[2] = 0x4041;
	}
	if (op != PLAT_MSIX_MASK)
		e[3] &= ~1u;
	return 0;
}

volatile void *plat_mmio(uint64_t addr, uint64_t size)
{
	uint64_t bar = (uintptr_t)F.bar;

	return addr >= bar && addr + size <= bar + BAR_SIZE ? F.bar + (addr - bar) : NULL;
}

/* ---- Fake DMA memory ---- */

void *plat_dma_alloc(size_t bytes, uint64_t *dma_addr)
{
	size_t n = (bytes + PAGE - 1) & ~(size_t)(PAGE - 1);
	uint8_t *p;

	if (F.ndma == sizeof(F.dma) / sizeof(F.dma[0]) || !(p = aligned_alloc(PAGE, n)))
		return NULL;
	memset(p, 0, n);
	F.dma[F.ndma].p = p;
	F.dma[F.ndma++].n = n;
	*dma_addr = (uintptr_t)p + DMA_BIAS;
	return p;
}

uint64_t plat_dma_addr(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (unsigned i = 0; i < F.ndma; i++) {
		const uint8_t *lo = F.dma[i].p;

		if (b >= lo && len <= F.dma[i].n && (size_t)(b - lo) <= F.dma[i].n - len)
			return (uintptr_t)p + DMA_BIAS;
	}
	return 0;
}

/* What the device reaches at dma: it must lie inside one allocation. */
static uint8_t *dev(uint64_t dma, size_t len)
{
	uint8_t *p = (uint8_t *)(uintptr_t)(dma - DMA_BIAS);

	if (!plat_dma_addr(p, len))
		fail_msg("device address %#llx (+%zu) is not DMA memory", (unsigned long long)dma,
			 len);
	return p;
}

/* ---- Fake controller ---- */

static volatile uint32_t *reg(unsigned off)
{
	return (volatile uint32_t *)(F.bar + off);
}

static uint64_t reg64(unsigned off)
{
	return *reg(off) | (uint64_t)*reg(off + 4) << 32;
}

static uint32_t doorbell(unsigned qid, unsigned cq)
{
	return *reg(NVME_REG_DBS + (2 * qid + cq) * (4u << F.dstrd));
}

static uint64_t sectors(void)
{
	return DISK >> F.lbads;
}

static void identify(const struct nvme_sqe *c, uint16_t *st)
{
	uint8_t *id = dev(c->prp1, PAGE);

	memset(id, 0, PAGE);
	if ((c->cdw10 & 0xff) == NVME_CNS_CTRL) {
		memcpy(id + 4, "FAKE0001            ", 20);
		memcpy(id + 24, "Bulkhead fake NVMe                      ", 40);
		id[77] = (uint8_t)F.mdts;
		id[516] = 1; /* NN */
	} else if (c->nsid == NVME_NSID) {
		uint64_t nsze = sectors();

		memcpy(id, &nsze, 8);
		id[25] = 1;                    /* two formats */
		id[26] = F.lbads == 12;        /* FLBAS */
		id[128 + 2] = 9;               /* LBAF0: 512 */
		id[132 + 2] = 12;              /* LBAF1: 4096 */
	} else {
		*st = NVME_STATUS(0, 0x0b);
	}
}

static void admin(const struct nvme_sqe *c, uint16_t *st, uint32_t *dw0)
{
	struct fq *q = &F.q[1];

	switch (c->opcode) {
	case NVME_ADM_IDENTIFY:
		identify(c, st);
		break;
	case NVME_ADM_SET_FEAT:
		*st = c->cdw10 == NVME_FEAT_NUM_QUEUES ? 0 : NVME_STATUS(0, 2);
		*dw0 = 0;
		break;
	case NVME_ADM_CREATE_CQ:
		assert_int_equal(c->cdw10 & 0xffff, 1);
		assert_int_equal(c->cdw11 & 1, 1); /* physically contiguous */
		q->cq_dma = c->prp1;
		q->cq_depth = (uint16_t)((c->cdw10 >> 16) + 1);
		q->ien = c->cdw11 & 2;
		q->phase = 1;
		F.cq_ien = c->cdw11;
		break;
	case NVME_ADM_CREATE_SQ:
		assert_int_equal(c->cdw10 & 0xffff, 1);
		assert_int_equal(c->cdw11 >> 16, 1);
		assert_true(q->cq_depth);
		q->sq_dma = c->prp1;
		q->sq_depth = (uint16_t)((c->cdw10 >> 16) + 1);
		q->live = true;
		break;
	default:
		*st = NVME_STATUS(0, 1);
	}
}

/* Moves len bytes between disk and the PRPs (4.3): PRP1 to its page end, then PRP2 or a
 * list of page-aligned entries. */
static void prp_xfer(const struct nvme_sqe *c, uint8_t *disk, size_t len, bool write)
{
	size_t chunk = PAGE - c->prp1 % PAGE;
	uint64_t *list = NULL;

	assert_int_equal(c->prp1 % 4, 0);
	for (unsigned i = 0; len; i++) {
		uint64_t a = i == 0 ? c->prp1 : list ? list[i - 1] : c->prp2;

		if (i == 1 && len > PAGE) {
			assert_int_equal(c->prp2 % PAGE, 0);
			list = (uint64_t *)dev(c->prp2, PAGE);
			F.prp_lists++;
			a = list[0];
		}
		assert_true(i == 0 || a % PAGE == 0);
		assert_true(i < 1 + PAGE / 8); /* never chained */
		chunk = chunk < len ? chunk : len;
		if (write)
			memcpy(disk, dev(a, chunk), chunk);
		else
			memcpy(dev(a, chunk), disk, chunk);
		disk += chunk;
		len -= chunk;
		chunk = PAGE;
	}
}

static void io(const struct nvme_sqe *c, uint16_t *st)
{
	uint64_t lba = c->cdw10 | (uint64_t)c->cdw11 << 32;
	uint64_t nlb = (c->cdw12 & 0xffff) + 1ull;

	F.io_cmds++;
	if (c->nsid != NVME_NSID) {
		*st = NVME_STATUS(0, 0x0b);
	} else if (c->opcode == NVME_OP_READ || c->opcode == NVME_OP_WRITE) {
		if (lba + nlb > sectors())
			*st = NVME_STATUS(0, 0x80);
		else if (F.mdts && (nlb << F.lbads) > (PAGE << F.mdts))
			*st = NVME_STATUS(0, 2);
		else
			prp_xfer(c, F.disk + (lba << F.lbads), nlb << F.lbads,
				 c->opcode == NVME_OP_WRITE);
	} else if (c->opcode != NVME_OP_FLUSH) {
		*st = NVME_STATUS(0, 1);
	}
	if (F.inject) {
		*st = F.inject;
		F.inject = 0;
	}
}

static bool msix_live(void)
{
	uint32_t ctrl = get(MSIX_CAP + 2, 2);

	return (ctrl & PCI_MSIX_ENABLE) && !(ctrl & PCI_MSIX_MASKALL) &&
	       !(*reg(MSIX_TBL + 12) & 1);
}

static bool post(unsigned qid, const struct nvme_sqe *c, uint16_t st, uint32_t dw0)
{
	struct fq *q = &F.q[qid];
	struct nvme_cqe *cq = (struct nvme_cqe *)dev(q->cq_dma, q->cq_depth * 16u);

	if ((q->cq_tail + 1u) % q->cq_depth == doorbell(qid, 1))
		return false; /* full */
	cq[q->cq_tail] = (struct nvme_cqe){ .dw0 = dw0, .sq_head = q->sq_head,
					    .sq_id = (uint16_t)qid, .cid = c->cid,
					    .status = (uint16_t)(st | q->phase) };
	if (++q->cq_tail == q->cq_depth) {
		q->cq_tail = 0;
		q->phase ^= 1;
	}
	if ((qid == 0 || q->ien) && msix_live() && !F.no_irq) {
		F.irq = true;
		F.irqs++;
	}
	return true;
}

static void run_queue(unsigned qid)
{
	struct fq *q = &F.q[qid];
	struct nvme_sqe cmd[64];
	uint16_t st[64] = { 0 };
	uint32_t dw0[64] = { 0 };
	unsigned n = 0;

	while (q->sq_head != doorbell(qid, 0) && n < 64) {
		cmd[n] = ((struct nvme_sqe *)dev(q->sq_dma, q->sq_depth * 64u))[q->sq_head];
		q->sq_head = (uint16_t)((q->sq_head + 1) % q->sq_depth);
		if (qid)
			io(&cmd[n], &st[n]);
		else
			admin(&cmd[n], &st[n], &dw0[n]);
		n++;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned k = F.reverse ? n - 1 - i : i;

		assert_true(post(qid, &cmd[k], st[k], dw0[k]));
	}
}

static void fake_step(void)
{
	uint32_t cc = *reg(NVME_REG_CC), aqa = *reg(NVME_REG_AQA);

	if ((cc & NVME_CC_EN) && !(*reg(NVME_REG_CSTS) & NVME_CSTS_RDY) && !F.ready_never) {
		F.q[0] = (struct fq){ .sq_dma = reg64(NVME_REG_ASQ),
				      .cq_dma = reg64(NVME_REG_ACQ),
				      .sq_depth = (aqa & 0xfff) + 1,
				      .cq_depth = ((aqa >> 16) & 0xfff) + 1,
				      .phase = 1,
				      .live = true };
		F.q[1] = (struct fq){ 0 };
		*reg(NVME_REG_CSTS) |= NVME_CSTS_RDY;
	}
	if (!(cc & NVME_CC_EN))
		*reg(NVME_REG_CSTS) &= ~NVME_CSTS_RDY;
	if (cc & NVME_CC_SHN_MASK)
		*reg(NVME_REG_CSTS) |= NVME_CSTS_SHST_DONE;
	if (!(*reg(NVME_REG_CSTS) & NVME_CSTS_RDY))
		return;
	run_queue(0);
	if (F.q[1].live && !F.stall_io)
		run_queue(1);
}

uint64_t plat_time_ns(void)
{
	fake_step();
	return F.now += 10000;
}

int plat_wait_device(uint64_t deadline_ns)
{
	fake_step();
	if (F.irq) {
		F.irq = false;
		return 1;
	}
	if (F.now < deadline_ns)
		F.now = deadline_ns;
	return 0;
}

void plat_log(const char *fmt, ...)
{
	size_t len = strlen(F.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(F.log + len, sizeof(F.log) - len, fmt, ap);
	va_end(ap);
	len = strlen(F.log);
	if (len + 1 < sizeof(F.log))
		strcat(F.log, "\n");
}

/* ---- Fixtures ---- */

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	F.bar = aligned_alloc(BAR_SIZE, BAR_SIZE);
	F.disk = malloc(DISK);
	assert_non_null(F.bar);
	assert_non_null(F.disk);
	memset(F.bar, 0, BAR_SIZE);
	memset(F.disk, 0x5a, DISK);
	F.lbads = 9;
	F.mdts = 5; /* 128 KiB */
	F.mqes = 1023;
	cfg_init();
	return 0;
}

static int teardown(void **state)
{
	for (unsigned i = 0; i < F.ndma; i++)
		free(F.dma[i].p);
	free(F.bar);
	free(F.disk);
	return 0;
}

static void cap_init(void)
{
	uint64_t cap = F.mqes | 1ull << 16 | 2ull << 24 | (uint64_t)F.dstrd << 32 | 1ull << 37 |
		       4ull << 52;

	*reg(NVME_REG_CAP) = (uint32_t)cap;
	*reg(NVME_REG_CAP + 4) = (uint32_t)(cap >> 32);
	*reg(NVME_REG_VS) = 0x10400;
}

static struct pci_dev pdev;

static void start(struct nvme *n, unsigned flags)
{
	cap_init();
	assert_int_equal(pci_probe(&pdev, BDF), 0);
	assert_int_equal(nvme_init(n, &pdev, flags), 0);
}

static uint8_t *dma_buf(size_t bytes)
{
	uint64_t dma;
	uint8_t *p = plat_dma_alloc(bytes, &dma);

	assert_non_null(p);
	return p;
}

static void pattern(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

/* ---- PCI ---- */

static void test_pci_probe(void **state)
{
	struct pci_dev d;

	assert_int_equal(pci_probe(&d, BDF), 0);
	assert_int_equal(d.vendor, 0x1b36);
	assert_int_equal(d.device, 0x0010);
	assert_int_equal(d.class, PCI_CLASS_NVME);
	assert_int_equal(d.revision, 2);
	assert_true(d.bar[0] == (uintptr_t)F.bar);
	assert_int_equal(d.bar_flags[0], PCI_BAR_MEM | PCI_BAR_64);
	assert_int_equal(d.bar_flags[1], PCI_BAR_UPPER);
	assert_int_equal(d.bar_flags[2], PCI_BAR_IO);
	assert_true(d.bar[2] == 0);
	assert_int_equal(d.msix_cap, MSIX_CAP);
	assert_int_equal(d.msix_size, 4);
	assert_int_equal(d.msix_table_bir, 0);
	assert_int_equal(d.msix_table_off, MSIX_TBL);
	assert_int_equal(d.msix_pba_off, 0x3000);
	assert_int_equal(pci_find_cap(BDF, 0x09), 0x40);
	assert_int_equal(pci_find_cap(BDF, 0x05), -BH_ENOENT);
	assert_int_equal(pci_probe(&d, PCI_BDF(0, 5, 0)), -BH_ENOENT);

	put(PCI_HEADER, 1, 0x81); /* a multi-function bridge */
	assert_int_equal(pci_probe(&d, BDF), -BH_ENOTSUP);
}

static void test_pci_caps_malformed(void **state)
{
	struct pci_dev d;

	put(MSIX_CAP, 2, 0x40 << 8 | 0x12);   /* 0x40 → 0x50 → 0x40: a loop */
	assert_int_equal(pci_find_cap(BDF, 0x11), -BH_EIO);
	assert_int_equal(pci_probe(&d, BDF), -BH_EIO);
	put(MSIX_CAP, 2, 0x3c << 8 | 0x12); /* into the header */
	assert_int_equal(pci_find_cap(BDF, 0x11), -BH_EIO);
	put(MSIX_CAP, 2, 0x11);
	put(PCI_CAP_PTR, 1, 0x53);          /* reserved low bits are masked off */
	assert_int_equal(pci_find_cap(BDF, 0x11), MSIX_CAP);
	for (unsigned off = 0x40; off < 0x100; off += 4) /* a full, unterminated chain */
		put(off, 2, (off + 4 < 0x100 ? off + 4 : 0x40) << 8 | 0x09);
	assert_int_equal(pci_find_cap(BDF, 0x11), -BH_EIO);
	put(PCI_STATUS, 2, 0);
	assert_int_equal(pci_find_cap(BDF, 0x11), -BH_ENOENT);
	assert_int_equal(pci_probe(&d, BDF), 0);
	assert_int_equal(d.msix_cap, 0);
	assert_int_equal(pci_msix_enable(&d, 0), -BH_ENOTSUP);
}

/* ---- Bring-up ---- */

static void test_init(void **state)
{
	struct nvme n;
	const struct nvme_info *i;
	uint32_t cc;

	start(&n, 0);
	i = nvme_info(&n);
	assert_int_equal(i->sectors, DISK / 512);
	assert_int_equal(i->sector_size, 512);
	assert_int_equal(i->max_sectors, (PAGE << 5) / 512);
	assert_int_equal(i->tags, NVME_TAGS);
	assert_false(i->polling);
	assert_string_equal(i->model, "Bulkhead fake NVMe");
	assert_string_equal(i->serial, "FAKE0001");
	assert_int_equal(i->version, 0x10400);
	cc = *reg(NVME_REG_CC);
	assert_int_equal(cc, NVME_CC_EN | NVME_CC_IOSQES(6) | NVME_CC_IOCQES(4));
	assert_int_equal(*reg(NVME_REG_AQA), 31u << 16 | 31);
	assert_int_equal(F.q[1].sq_depth, NVME_IO_DEPTH);
	assert_int_equal(F.cq_ien, 3); /* vector 0, IEN, PC */
	assert_int_equal(get(PCI_COMMAND, 2), PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
	assert_int_equal(get(MSIX_CAP + 2, 2), PCI_MSIX_ENABLE | 3);
	assert_int_equal(*reg(MSIX_TBL + 0), 0xfee00000);
	assert_int_equal(*reg(MSIX_TBL + 8), 0x4041);
	assert_int_equal(*reg(MSIX_TBL + 12) & 1, 0);
	assert_int_equal(*reg(MSIX_TBL + 16 + 12) & 1, 1); /* the others masked */
	assert_int_equal(F.refused, 0);
	assert_true(F.irqs > 0);
	assert_non_null(strstr(F.log, "MSI-X"));
	assert_int_equal(nvme_shutdown(&n), 0);
	assert_int_equal(*reg(NVME_REG_CC) & NVME_CC_SHN_MASK, NVME_CC_SHN_NORMAL);
}

static void test_init_small_queue_and_stride(void **state)
{
	struct nvme n;
	uint8_t *buf = dma_buf(PAGE);

	F.mqes = 3; /* 4 entries: 3 in flight */
	F.dstrd = 2; /* doorbells 16 bytes apart */
	start(&n, 0);
	assert_int_equal(nvme_info(&n)->tags, 3);
	for (unsigned r = 0; r < 20; r++) /* laps the 4-entry queues: phase flips */
		assert_int_equal(nvme_read(&n, r, 8, buf), 0);
	assert_int_equal(doorbell(1, 0), 20 % 4);
	assert_int_equal(doorbell(1, 1), 20 % 4);
}

static void test_init_not_ready(void **state)
{
	struct nvme n;

	F.ready_never = true;
	cap_init();
	assert_int_equal(pci_probe(&pdev, BDF), 0);
	assert_int_equal(nvme_init(&n, &pdev, 0), -BH_ETIMEDOUT);
	assert_non_null(strstr(F.log, "enable"));
	assert_int_equal(nvme_read(&n, 0, 1, dma_buf(PAGE)), -BH_ETIMEDOUT);
}

static void test_init_refuses(void **state)
{
	struct nvme n;

	cap_init();
	*reg(NVME_REG_CAP + 4) |= 1u << 16; /* MPSMIN 8 KiB */
	assert_int_equal(pci_probe(&pdev, BDF), 0);
	assert_int_equal(nvme_init(&n, &pdev, 0), -BH_ENOTSUP);
	put(PCI_BAR0, 4, 0x1000 | 4); /* BAR0 outside what plat_mmio maps */
	assert_int_equal(pci_probe(&pdev, BDF), 0);
	assert_int_equal(nvme_init(&n, &pdev, 0), -BH_EIO);
}

/* ---- Data path ---- */

/* Write then read back count sectors at lba through a buffer at byte offset off. */
static void roundtrip(struct nvme *n, uint64_t lba, uint32_t count, size_t off, unsigned seed)
{
	size_t ss = nvme_info(n)->sector_size, len = count * ss;
	uint8_t *out = dma_buf(off + len), *in = dma_buf(off + len);

	pattern(out + off, len, seed);
	assert_int_equal(nvme_write(n, lba, count, out + off), 0);
	assert_memory_equal(F.disk + lba * ss, out + off, len);
	assert_int_equal(nvme_read(n, lba, count, in + off), 0);
	assert_memory_equal(in + off, out + off, len);
}

static void test_init_left_running(void **state)
{
	struct nvme n;

	*reg(NVME_REG_CC) = NVME_CC_EN; /* as firmware may leave it */
	*reg(NVME_REG_CSTS) = NVME_CSTS_RDY;
	start(&n, 0);
	roundtrip(&n, 0, 1, 0, 3);
}

static void test_rw_512(void **state)
{
	static const uint32_t counts[] = { 1, 8, 9, 16, 24, 100, 256 };
	struct nvme n;
	unsigned lists;

	start(&n, 0);
	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		roundtrip(&n, 3 * i, counts[i], 0, i);
		roundtrip(&n, 1000 + i, counts[i], 512, i + 50);
	}
	lists = F.prp_lists;
	assert_true(lists >= 8);
	roundtrip(&n, DISK / 512 - 9, 9, 4092, 9); /* 4 bytes, a page, 508 bytes: a list */
	assert_int_equal(F.prp_lists, lists + 2);
	assert_int_equal(nvme_flush(&n), 0);
}

static void test_rw_4096(void **state)
{
	struct nvme n;

	F.lbads = 12;
	F.mdts = 0; /* no limit: NVME_XFER_MAX */
	start(&n, 0);
	assert_int_equal(nvme_info(&n)->sector_size, 4096);
	assert_int_equal(nvme_info(&n)->sectors, DISK / 4096);
	assert_int_equal(nvme_info(&n)->max_sectors, NVME_XFER_MAX / 4096);
	roundtrip(&n, 0, 1, 0, 1);
	roundtrip(&n, 5, 5, 512, 2);
	roundtrip(&n, 200, NVME_XFER_MAX / 4096, 8, 3);
}

static void test_limits(void **state)
{
	struct nvme n;
	uint8_t *buf = dma_buf(256 * 512);
	uint8_t stack[512];
	uint64_t dma = plat_dma_addr(buf, 512);

	start(&n, 0);
	assert_int_equal(nvme_read(&n, 0, 0, buf), -BH_EINVAL);
	assert_int_equal(nvme_read(&n, 0, 257, buf), -BH_E2BIG);
	assert_int_equal(nvme_read(&n, DISK / 512 - 1, 2, buf), -BH_ERANGE);
	assert_int_equal(nvme_read(&n, ~0ull, 2, buf), -BH_ERANGE);
	assert_int_equal(nvme_read(&n, 0, 1, stack), -BH_EFAULT);
	assert_int_equal(nvme_read_dma(&n, 0, 1, dma + 2), -BH_EINVAL);
	assert_int_equal(nvme_submit(&n, &(struct nvme_io){ .op = 0x7f, .count = 1, .dma = dma }),
			 -BH_EINVAL);
	assert_int_equal(F.io_cmds, 0);
	assert_int_equal(nvme_read(&n, DISK / 512 - 1, 1, buf), 0);
}

static void test_error_status(void **state)
{
	struct nvme n;
	uint8_t *buf = dma_buf(PAGE);

	start(&n, 0);
	F.inject = NVME_STATUS(2, 0x81);
	assert_int_equal(nvme_read(&n, 10, 1, buf), -BH_EIO);
	assert_non_null(strstr(F.log, "read (lba 10) failed: Unrecovered Read Error (SCT 2"));
	F.inject = NVME_STATUS(0, 0x80) | 0x8000;
	assert_int_equal(nvme_write(&n, 11, 1, buf), -BH_EIO);
	assert_non_null(strstr(F.log, "LBA Out of Range (SCT 0 SC 0x80, do not retry)"));
	assert_int_equal(nvme_read(&n, 10, 1, buf), 0); /* the controller carries on */
}

static void test_timeout(void **state)
{
	struct nvme n;
	uint8_t *buf = dma_buf(PAGE);

	start(&n, 0);
	F.stall_io = true;
	assert_int_equal(nvme_read(&n, 0, 1, buf), -BH_ETIMEDOUT);
	assert_non_null(strstr(F.log, "no completion after 30000 ms"));
	assert_int_equal(*reg(NVME_REG_CC) & NVME_CC_EN, 0);
	assert_int_equal(get(PCI_COMMAND, 2) & PCI_CMD_MASTER, 0);
	F.stall_io = false;
	assert_int_equal(nvme_read(&n, 0, 1, buf), -BH_ETIMEDOUT);
	assert_int_equal(nvme_flush(&n), -BH_ETIMEDOUT);
	assert_int_equal(F.io_cmds, 0);
}

/* ---- Requests in flight ---- */

static void test_async(void **state)
{
	struct nvme n;
	struct nvme_done done[NVME_TAGS];
	uint8_t *buf = dma_buf(NVME_TAGS * 2 * PAGE);
	uint64_t dma = plat_dma_addr(buf, NVME_TAGS * 2 * PAGE);
	uint32_t seen = 0;
	int got, total = 0;

	start(&n, 0);
	F.reverse = true; /* completions out of submission order */
	pattern(buf, NVME_TAGS * 2 * PAGE, 77);
	for (unsigned i = 0; i < NVME_TAGS; i++) {
		struct nvme_io w = { .op = NVME_OP_WRITE, .lba = 16 * i, .count = 16,
				     .dma = dma + i * 2 * PAGE, .cookie = 100 + i };

		assert_int_equal(nvme_submit(&n, &w), 0);
	}
	assert_int_equal(nvme_submit(&n, &(struct nvme_io){ .op = NVME_OP_FLUSH }), -BH_EBUSY);
	assert_int_equal(nvme_read(&n, 0, 1, buf), -BH_EBUSY);
	assert_int_equal(nvme_pending(&n), NVME_TAGS);
	while (total < NVME_TAGS) {
		got = nvme_reap(&n, done, 5, plat_time_ns() + 1000000000ull);
		assert_true(got > 0 && got <= 5);
		for (int k = 0; k < got; k++) {
			assert_int_equal(done[k].result, 0);
			seen |= 1u << (done[k].cookie - 100);
		}
		total += got;
	}
	assert_int_equal(seen, 0xffffffffu);
	assert_memory_equal(F.disk, buf, NVME_TAGS * 2 * PAGE);
	assert_int_equal(nvme_reap(&n, done, 5, plat_time_ns() + 1000), 0);
	assert_int_equal(nvme_pending(&n), 0);
	roundtrip(&n, 7, 3, 0, 5); /* every tag free again */
}

static void test_async_timeout(void **state)
{
	struct nvme n;
	struct nvme_done done[4];
	uint8_t *buf = dma_buf(PAGE);
	uint64_t dma = plat_dma_addr(buf, PAGE);

	start(&n, 0);
	n.io_timeout_ns = 50000000; /* 50 ms */
	F.stall_io = true;
	for (unsigned i = 0; i < 3; i++) {
		struct nvme_io r = { .op = NVME_OP_READ, .lba = i, .count = 1, .dma = dma,
				     .cookie = i };

		assert_int_equal(nvme_submit(&n, &r), 0);
	}
	assert_int_equal(nvme_reap(&n, done, 4, plat_time_ns() + 10000000), 0); /* not yet */
	assert_int_equal(nvme_reap(&n, done, 4, ~0ull), 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(done[i].result, -BH_ETIMEDOUT);
	assert_int_equal(nvme_reap(&n, done, 4, ~0ull), -BH_ETIMEDOUT);
	assert_int_equal(nvme_pending(&n), 0);
}

/* ---- Interrupt modes ---- */

static void test_poll_mode(void **state)
{
	struct nvme n;

	start(&n, NVME_POLL);
	assert_true(nvme_info(&n)->polling);
	assert_int_equal(F.cq_ien, 1); /* PC, no IEN */
	assert_int_equal(get(MSIX_CAP + 2, 2) & PCI_MSIX_ENABLE, 0);
	roundtrip(&n, 40, 20, 0, 4);
	assert_int_equal(F.irqs, 0);
}

static void test_no_msix_falls_back(void **state)
{
	struct nvme n;

	put(PCI_CAP_PTR, 1, 0);
	start(&n, 0);
	assert_true(nvme_info(&n)->polling);
	assert_non_null(strstr(F.log, "MSI-X unavailable"));
	roundtrip(&n, 1, 9, 0, 6);
}

static void test_lost_interrupt(void **state)
{
	struct nvme n;

	F.no_irq = true;
	start(&n, 0);
	assert_false(nvme_info(&n)->polling);
	roundtrip(&n, 2, 2, 0, 7);
	assert_non_null(strstr(F.log, "completion posted without an interrupt"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pci_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pci_caps_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_small_queue_and_stride, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_not_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_left_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_512, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_4096, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_msix_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_interrupt, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
