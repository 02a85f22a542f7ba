/* SPDX-License-Identifier: MIT */
/* ioreq.h - I/O requests of a full-virtualization partition to its device model (ABI v1).
 *
 * A partition whose view carries BH_VIEW_HVM (an unmodified OS, e.g. Linux) runs beside a
 * device-model partition (BH_VIEW_DEVMODEL; view.peer_id links the two). The monitor emulates
 * no device: a port-I/O access of the guest that its view does not grant becomes a request in
 * one page of the device model's own RAM (the view region with BH_VIEW_IOREQ), a ring the
 * monitor produces and the device model consumes:
 *
 *   guest vCPU             monitor                         device model (vCPU 0)
 *   OUT port, val  ----->  req {port,size,OUT,vcpu,val}    reads the ring in order,
 *                          prod++; vCPU continues at once  cons++ after each request
 *                          (a posted write)
 *   IN port        ----->  req {port,size,IN,vcpu,seq}     BH_HC_DM_ANSWER(vcpu, value, seq):
 *                          prod++; vCPU waits      <-----  RAX's low `size` bytes = value,
 *                                                          the vCPU runs on
 *   BH_EVENT_IOREQ  <----- latched at every request (an IPI only when it was clear); the
 *                          device model drains the ring whenever it sees it (and may always
 *                          look).
 *
 * The device model raises the guest's interrupts with BH_HC_DM_IRQ: EXTINT is the 8259's
 * INTR output (the vector the 8259 would answer an INTA with; delivered when LINT0 of the
 * vCPU is ExtINT and unmasked and the guest takes interrupts; 0 withdraws it), FIXED is an
 * MSI (the vector is set in the vCPU's local APIC IRR).
 *
 * Ordering: requests of one vCPU are in program order; an IN waits, so every earlier OUT of
 * that vCPU is in the ring before it. A full ring stalls the guest vCPU (it retries) and
 * never loses a request.
 *
 * Hostile peers: the monitor reads only `cons` and bounds it (prod - cons <= BH_IOREQ_SLOTS,
 * else the ring is treated as full); the device model trusts nothing the guest caused:
 * ports, sizes and values are checked as any device register access is.
 * Append only; never reorder.
 */
#ifndef BULKHEAD_IOREQ_H
#define BULKHEAD_IOREQ_H

#include <bulkhead/abi.h>

#define BH_IOREQ_MAGIC 0x51524f49u /* "IORQ" */
#define BH_IOREQ_SLOTS 128u        /* requests in the ring: a power of two, so a slot index
				    * (n % slots) runs on across the 2^32 wrap of prod and cons */

/* bh_ioreq.flags */
#define BH_IOREQ_IN (1u << 0) /* a read: the guest vCPU waits for BH_HC_DM_ANSWER */

struct bh_ioreq {
	uint16_t port;  /* 0x00 */
	uint8_t  size;  /* 0x02  1, 2 or 4 bytes */
	uint8_t  flags; /* 0x03  BH_IOREQ_IN or 0 (a write) */
	uint32_t vcpu;  /* 0x04  the guest's vCPU index */
	uint32_t data;  /* 0x08  a write: the value (low `size` bytes); a read: 0 */
	uint32_t seq;   /* 0x0c  the request's number: prod at the time it was written */
};
BH_OFFSET(bh_ioreq, size, 0x02);
BH_OFFSET(bh_ioreq, flags, 0x03);
BH_OFFSET(bh_ioreq, vcpu, 0x04);
BH_OFFSET(bh_ioreq, data, 0x08);
BH_OFFSET(bh_ioreq, seq, 0x0c);
BH_SIZE(bh_ioreq, 0x10);

struct bh_ioreq_ring {
	uint32_t magic; /* 0x00  BH_IOREQ_MAGIC, written by the monitor when the guest starts */
	uint32_t slots; /* 0x04  BH_IOREQ_SLOTS */
	uint32_t prod;  /* 0x08  written by the monitor: requests ever written */
	uint32_t cons;  /* 0x0c  written by the device model: requests ever consumed */
	struct bh_ioreq req[BH_IOREQ_SLOTS]; /* 0x10  request n is in req[n % slots] */
	uint8_t reserved_0x810[0x1000 - 0x810]; /* the rest of the page, zero */
};
BH_OFFSET(bh_ioreq_ring, slots, 0x04);
BH_OFFSET(bh_ioreq_ring, prod, 0x08);
BH_OFFSET(bh_ioreq_ring, cons, 0x0c);
BH_OFFSET(bh_ioreq_ring, req, 0x10);
BH_SIZE(bh_ioreq_ring, 0x1000);
_Static_assert((BH_IOREQ_SLOTS & (BH_IOREQ_SLOTS - 1)) == 0, "a power of two");

/* Memory a device model shares with its guest (docs/linux.md, "Guest memory"):
 *   - the guest's RAM, all of it, seen by the device model at BH_DM_GUEST_GPA + the guest's
 *     GPA (view regions BH_VIEW_GUEST; info-page mem[] entries of kind BH_MEM_KIND_GUEST,
 *     read-only where the guest's own mapping is): the virtqueues and buffers;
 *   - the guest's last BH_HVM_BAR_PAGES pages of RAM, which the guest sees (also) at
 *     BH_HVM_BAR_GPA (BH_VIEW_BAR) and the e820 map leaves out: page i is the memory BAR of
 *     virtio function i, holding its MSI-X table and PBA. The guest writes its MSI-X
 *     entries there without an exit; the device model reads them when it raises one. */
#define BH_DM_GUEST_GPA  0x40000000ull /* 1 GiB: above the device model's own RAM */
#define BH_HVM_BAR_GPA   0xfe000000ull /* below the I/O APIC window; no RAM there */
#define BH_HVM_BAR_PAGES 2u

/* BH_HC_DM_IRQ modes */
#define BH_DM_IRQ_EXTINT 1 /* the 8259's INTR line: vector, or 0 = lowered */
#define BH_DM_IRQ_FIXED  2 /* an MSI: vector 16..255 into the vCPU's IRR */

#endif
