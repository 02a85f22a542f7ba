/* SPDX-License-Identifier: MIT */
/* nvme.h - NVMe 1.x driver for the I/O partition: one namespace, one I/O queue pair.
 *
 * Citations are to the NVM Express Base Specification 1.4 (NVMe 1.4).
 *
 *   BAR0 (3.1 Register Definition)
 *   0x00 CAP  0x08 VS  0x14 CC  0x1c CSTS  0x24 AQA  0x28 ASQ  0x30 ACQ
 *   0x1000 + (2y    ) * (4 << CAP.DSTRD)   SQ y tail doorbell (y = 0 admin, 1 I/O)
 *   0x1000 + (2y + 1) * (4 << CAP.DSTRD)   CQ y head doorbell
 *
 *   driver memory (one plat_dma_alloc, by page)
 *   0 admin SQ (NVME_ADMIN_DEPTH x 64 B)   1 admin CQ (x 16 B)   2 Identify data
 *   3 I/O SQ (NVME_IO_DEPTH x 64 B)        4 I/O CQ (x 16 B)     5 + t  PRP list of tag t
 *
 * Requests: each I/O command holds a tag (its command identifier and its own PRP list
 * page) from submission to completion, so up to `tags` run at once. nvme_read/write/flush
 * are synchronous; nvme_submit/nvme_reap are the same path without the wait. Data buffers
 * are the caller's DMA memory (plat_dma_alloc): the driver never copies data.
 *
 * Completions are found by their phase tag (4.6 Completion Queue Entry) and waited for
 * with plat_wait_device() (MSI-X vector 0), or by polling when MSI-X is unavailable or
 * NVME_POLL is asked for.
 * A command that outlives its timeout fails the controller: it is disabled (CC.EN = 0) and
 * bus mastering is turned off so no late DMA lands in reused memory; every later call
 * returns the error (-BH_ETIMEDOUT or -BH_EIO).
 */
#ifndef IOPART_NVME_H
#define IOPART_NVME_H

#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/abi.h>
#include "pci.h"

/* ---- Controller registers (NVMe 1.4, 3.1 Register Definition) ---- */
#define NVME_REG_CAP   0x00 /* 3.1.1 Controller Capabilities, 64-bit */
#define NVME_REG_VS    0x08 /* 3.1.2 Version */
#define NVME_REG_CC    0x14 /* 3.1.5 Controller Configuration */
#define NVME_REG_CSTS  0x1c /* 3.1.6 Controller Status */
#define NVME_REG_AQA   0x24 /* 3.1.8 Admin Queue Attributes */
#define NVME_REG_ASQ   0x28 /* 3.1.9 Admin Submission Queue Base Address, 64-bit */
#define NVME_REG_ACQ   0x30 /* 3.1.10 Admin Completion Queue Base Address, 64-bit */
#define NVME_REG_DBS   0x1000 /* 3.1.24/3.1.25 doorbells */

#define NVME_CAP_MQES(c)   ((uint32_t)((c) & 0xffff))     /* 0-based */
#define NVME_CAP_TO(c)     ((uint32_t)((c) >> 24) & 0xff) /* 500 ms units */
#define NVME_CAP_DSTRD(c)  ((uint32_t)((c) >> 32) & 0xf)
#define NVME_CAP_CSS_NVM(c) (((c) >> 37) & 1)
#define NVME_CAP_MPSMIN(c) ((uint32_t)((c) >> 48) & 0xf)

#define NVME_CC_EN         (1u << 0)
#define NVME_CC_CSS_NVM    (0u << 4)
#define NVME_CC_MPS(x)     ((uint32_t)(x) << 7)  /* 2 ^ (12 + x) bytes */
#define NVME_CC_SHN_NORMAL (1u << 14)
#define NVME_CC_SHN_MASK   (3u << 14)
#define NVME_CC_IOSQES(x)  ((uint32_t)(x) << 16) /* 2 ^ x bytes */
#define NVME_CC_IOCQES(x)  ((uint32_t)(x) << 20)

#define NVME_CSTS_RDY      (1u << 0)
#define NVME_CSTS_CFS      (1u << 1)
#define NVME_CSTS_SHST_MASK (3u << 2)
#define NVME_CSTS_SHST_DONE (2u << 2)

/* ---- Queue entries (NVMe 1.4, 4.2 Submission Queue Entry, 4.6 Completion Queue Entry) ---- */
struct nvme_sqe {
	uint8_t  opcode;    /* 0x00 */
	uint8_t  flags;     /* 0x01  FUSE 1:0, PSDT 7:6 (0: PRPs) */
	uint16_t cid;       /* 0x02  command identifier */
	uint32_t nsid;      /* 0x04 */
	uint64_t reserved_0x08;
	uint64_t mptr;      /* 0x10  metadata pointer */
	uint64_t prp1;      /* 0x18 */
	uint64_t prp2;      /* 0x20 */
	uint32_t cdw10;     /* 0x28 */
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;     /* 0x3c */
};
BH_OFFSET(nvme_sqe, cid, 0x02);
BH_OFFSET(nvme_sqe, nsid, 0x04);
BH_OFFSET(nvme_sqe, mptr, 0x10);
BH_OFFSET(nvme_sqe, prp1, 0x18);
BH_OFFSET(nvme_sqe, prp2, 0x20);
BH_OFFSET(nvme_sqe, cdw10, 0x28);
BH_SIZE(nvme_sqe, 64);

struct nvme_cqe {
	uint32_t dw0;       /* 0x00  command specific */
	uint32_t reserved_0x04;
	uint16_t sq_head;   /* 0x08  SQHD: how far the controller has consumed the SQ */
	uint16_t sq_id;     /* 0x0a */
	uint16_t cid;       /* 0x0c */
	uint16_t status;    /* 0x0e  bit 0 phase tag; 8:1 SC; 11:9 SCT; 15 DNR */
};
BH_OFFSET(nvme_cqe, sq_head, 0x08);
BH_OFFSET(nvme_cqe, cid, 0x0c);
BH_OFFSET(nvme_cqe, status, 0x0e);
BH_SIZE(nvme_cqe, 16);

#define NVME_CQE_PHASE        1u
#define NVME_CQE_SC(s)        (((s) >> 1) & 0xff)
#define NVME_CQE_SCT(s)       (((s) >> 9) & 7)
#define NVME_STATUS(sct, sc)  ((uint16_t)(((sct) << 9) | ((sc) << 1))) /* for fakes */

/* Admin opcodes (5 Admin Command Set) and NVM opcodes (6 NVM Command Set) */
enum {
	NVME_ADM_CREATE_SQ = 0x01,
	NVME_ADM_CREATE_CQ = 0x05,
	NVME_ADM_IDENTIFY  = 0x06,
	NVME_ADM_SET_FEAT  = 0x09,
	NVME_OP_FLUSH      = 0x00,
	NVME_OP_WRITE      = 0x01,
	NVME_OP_READ       = 0x02,
};
#define NVME_FEAT_NUM_QUEUES 0x07
#define NVME_CNS_NS          0x00
#define NVME_CNS_CTRL        0x01

/* ---- Driver ---- */
#define PCI_CLASS_NVME   0x010802     /* mass storage, non-volatile memory, NVMe */
#define NVME_PAGE        4096u
#define NVME_ADMIN_DEPTH 32
#define NVME_IO_DEPTH    64
#define NVME_TAGS        32           /* I/O commands in flight at most */
#define NVME_XFER_MAX    (1u << 20)   /* bytes per command, further capped by MDTS */
#define NVME_NSID        1

#define NVME_ADMIN_TIMEOUT_NS  5000000000ull
#define NVME_IO_TIMEOUT_NS    30000000000ull
#define NVME_IRQ_SLICE_NS       100000000ull /* re-check the CQ this often while waiting */

/* nvme_init flags */
#define NVME_POLL (1u << 0) /* never use MSI-X: poll completions */

struct nvme_info {
	uint64_t sectors;      /* namespace 1 size (NSZE) */
	uint32_t sector_size;  /* 512 or 4096 */
	uint32_t max_sectors;  /* per command: min(MDTS, NVME_XFER_MAX) / sector_size */
	uint32_t version;      /* VS: major << 16 | minor << 8 | tertiary */
	uint16_t tags;         /* commands in flight at most */
	bool     polling;      /* no interrupts in use */
	char     model[41];    /* Identify Controller MN, trailing blanks cut */
	char     serial[21];
};

struct nvme_io {
	uint8_t  op;           /* NVME_OP_READ / WRITE / FLUSH */
	uint32_t count;        /* sectors (0 for flush) */
	uint64_t lba;
	uint64_t dma;          /* device address (plat_dma_alloc / plat_dma_addr), dword aligned */
	uint64_t cookie;       /* the caller's, handed back by nvme_reap */
};

struct nvme_done {
	uint64_t cookie;
	int      result;       /* 0, -BH_EIO, -BH_ETIMEDOUT */
};

struct nvme_queue {
	struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	volatile uint32_t *sq_db;
	volatile uint32_t *cq_db;
	uint16_t depth;
	uint16_t sq_tail;      /* next entry we fill */
	uint16_t sq_head;      /* from the latest CQE's SQHD */
	uint16_t cq_head;
	uint16_t phase;        /* phase tag value of a new entry */
};

struct nvme_tag {
	uint8_t  state;        /* TAG_FREE, TAG_BUSY, TAG_DONE (nvme.c) */
	bool     sync;         /* waited for by nvme_read/write/flush, not nvme_reap */
	uint8_t  op;
	int      result;
	uint32_t count;
	uint64_t lba;
	uint64_t cookie;
	uint64_t deadline_ns;
	uint64_t *prp;         /* this tag's PRP list page */
	uint64_t prp_dma;
};

struct nvme {
	struct pci_dev *pci;
	volatile uint8_t *regs;
	uint64_t cap;
	uint32_t db_stride;    /* bytes: 4 << CAP.DSTRD */
	int      err;          /* 0 until the controller failed */
	bool     irq_warned;
	uint16_t admin_cid;
	uint64_t io_timeout_ns;
	uint8_t  *mem;         /* the DMA area in the layout above */
	uint64_t mem_dma;
	struct nvme_queue admin, io;
	struct nvme_tag tag[NVME_TAGS];
	uint8_t  done[NVME_TAGS]; /* FIFO of completed nvme_submit tags */
	uint16_t done_head, done_count;
	uint16_t async;        /* nvme_submit requests not yet reaped */
	struct nvme_info info;
};

/* Brings the controller of `pci` (probed with pci_probe; kept by pointer) from reset to a
 * ready I/O queue pair on namespace 1 (NVMe 1.4, 7.6.1 Initialization). *n is
 * overwritten. → 0; -BH_ENOTSUP (no NVM command set, 4 KiB pages unsupported, sector size
 * not 512/4096, metadata); -BH_ETIMEDOUT (CSTS.RDY or an admin command); -BH_EIO (failed
 * status, CSTS.CFS, BAR not mapped); -BH_ENOMEM. */
int nvme_init(struct nvme *n, struct pci_dev *pci, unsigned flags);

const struct nvme_info *nvme_info(const struct nvme *n);

/* Synchronous I/O on namespace 1. buf is a CPU pointer into DMA memory; the _dma variants
 * take the device address instead. count in 1..info.max_sectors; lba + count <= sectors.
 * → 0; -BH_EINVAL (count 0, buffer not dword aligned); -BH_E2BIG; -BH_ERANGE; -BH_EFAULT
 * (buf not DMA memory); -BH_EBUSY (every tag held by nvme_submit requests); -BH_EIO (error
 * status, logged with its name; or the controller failed before); -BH_ETIMEDOUT. */
int nvme_read(struct nvme *n, uint64_t lba, uint32_t count, void *buf);
int nvme_write(struct nvme *n, uint64_t lba, uint32_t count, const void *buf);
int nvme_read_dma(struct nvme *n, uint64_t lba, uint32_t count, uint64_t dma);
int nvme_write_dma(struct nvme *n, uint64_t lba, uint32_t count, uint64_t dma);
int nvme_flush(struct nvme *n);

/* Asynchronous: queue *io (checked as above) and ring the doorbell. → 0; -BH_EBUSY when
 * info.tags commands are in flight; the errors above. */
int nvme_submit(struct nvme *n, const struct nvme_io *io);

/* Collects up to max finished nvme_submit requests, waiting until deadline_ns for the
 * first (0: never waits, for the main loop after BH_EVENT_DEVICE). → how many were stored in done[] (0: none by the deadline, or none in flight);
 * after a failure, each outstanding request comes back once with its error and then the
 * controller's error is returned. */
int nvme_reap(struct nvme *n, struct nvme_done *done, unsigned max, uint64_t deadline_ns);

/* nvme_submit requests not yet reaped. */
unsigned nvme_pending(const struct nvme *n);

/* Orderly shutdown (CC.SHN normal, wait CSTS.SHST complete): before the partition ends so
 * a volatile write cache reaches media. → 0 or -BH_ETIMEDOUT. */
int nvme_shutdown(struct nvme *n);

#endif
