/* SPDX-License-Identifier: MIT */
/* virtio_test.h - the fake guest, platform and disk of test_virtio.c and test_virtio_irq.c:
 * guest RAM at gpa 0 (malloc'd), a Linux-like legacy virtio driver laying out its ring,
 * requests and the MSI-X page there, a vpci_ops recording MSIs and INTx, and lib/blk's
 * client connected to fake I/O partitions (blk_world.h). Include after <cmocka.h>. */
#ifndef TESTS_UNIT_VIRTIO_TEST_H
#define TESTS_UNIT_VIRTIO_TEST_H

#include "blk_world.h"
#include "devmodel/virtio-blk.h"

#define RAM_SIZE 0x200000u /* guest RAM at gpa 0 */
#define QPFN     1u        /* the queue at 0x1000 (desc, avail), used at 0x2000 */
#define BAR1     0x4000u   /* the MSI-X page */
#define HDR_GPA  0x8000u   /* request headers, 16 bytes per slot */
#define ST_GPA   0x9000u   /* status bytes, one per slot */
#define IND_GPA  0xa000u   /* indirect tables, 256 bytes (16 entries) per slot */
#define DATA_GPA 0x20000u  /* data buffers */
#define IO_BASE  0xc000u
#define IRQ      11
#define DEST     3         /* the APIC id MSIs go to */
#define VEC_CFG  0x41
#define VEC_Q    0x42
#define QSIZE    VBLK_QUEUE

/* virtio 1.1, 5.2.6 "Device Operation" */
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define F_RO (1u << 5)
#define STATUS_UP (VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK)

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

struct vio {
	struct world *w;
	struct vblk *b;
	uint8_t *ram;
	struct vq_range r;
	struct vq_mem m;
	struct vpci_ops ops;
	struct { uint32_t dest; uint8_t vec; } msi[256];
	unsigned nmsi, nlog, intx_ups;
	bool intx;
	/* the driver's view of the queue */
	struct vq_desc *desc;
	struct vq_avail *avail;
	struct vq_used *used;
	uint16_t avail_idx, used_seen, next_desc;
};
extern struct vio G;

/* MSIs raised with vector vec so far (each checked to go to DEST). */
unsigned msis(uint8_t vec);
/* The test's pointer to guest-physical gpa. */
void *host(uint64_t gpa);
/* BAR0 registers and configuration space, as the guest's accesses. */
uint32_t io_r(unsigned off, unsigned size);
void io_w(unsigned off, unsigned size, uint32_t v);
uint32_t cfg_r(unsigned off, unsigned size);
void cfg_w(unsigned off, unsigned size, uint32_t v);
/* MSI-X table entry e in the BAR page. */
void msix_entry(unsigned e, uint32_t addr, uint32_t data, uint32_t ctrl);
/* Linux's probe: reset, ACK, DRIVER, features & want, vectors (msix), PFN, DRIVER_OK. */
void drv_probe(bool msix, uint32_t want);
/* n descriptors (in the queue's table, or one naming an indirect table) -> the head. */
uint16_t drv_chain(unsigned slot, const struct seg *s, unsigned n, bool indirect);
void drv_offer(uint16_t head);
/* A block request in slot (header, data, status 0xee until answered), offered -> head. */
uint16_t drv_req(unsigned slot, uint32_t type, uint64_t sector, const struct seg *data,
		 unsigned n, bool indirect);
uint8_t status_of(unsigned slot);
void kick(void);
/* vblk_work and the servers until nothing is in flight. */
void run(void);
/* The next used element is {head, len}; used_event follows, as virtqueue_get_buf does. */
void expect_used(uint16_t head, uint32_t len);
void expect_no_used(void);
/* A fresh device, RAM, disk; the device says read-only (vblk_ro), the server is (server_ro). */
void setup_ro(bool vblk_ro, bool server_ro);
int setup(void **state);
int teardown(void **state);
uint64_t disk_sum(void);

void test_msix_masked_pending(void **state);
void test_msix_bad_entry(void **state);
void test_intx(void **state);
void test_event_idx_suppression(void **state);
void test_malformed_chains(void **state);
void test_ring_violations(void **state);
void test_reset_with_requests_in_flight(void **state);

#endif
