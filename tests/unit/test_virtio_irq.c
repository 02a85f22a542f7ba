/* SPDX-License-Identifier: MIT */
/* test_virtio_irq.c - virtio-pci's interrupts (MSI-X masked and pending, a bad entry, INTx,
 * event-idx suppression) and virtio-blk against a hostile guest (malformed chains, ring
 * violations and the reset that recovers, a reset with requests in flight); the harness is
 * test_virtio.c's (virtio_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "virtio_test.h"

/* ---- interrupts --------------------------------------------------------------------------- */

/* A masked entry: the PBA bit instead; vpci_poll delivers it once unmasked. The function
 * mask likewise. */
void test_msix_masked_pending(void **state)
{
	struct seg d = { DATA_GPA, SEC, false };
	volatile uint32_t *pba = host(BAR1 + VPCI_MSIX_PBA);

	drv_probe(true, ~0u);
	msix_entry(1, 0xfee00000u | DEST << 12, VEC_Q, 1);
	uint16_t h0 = drv_req(0, T_IN, 0, &d, 1, false);
	kick();
	run();
	expect_used(h0, SEC + 1);
	assert_int_equal(G.nmsi, 0);
	assert_int_equal(*pba, 1u << 1);
	vpci_poll(&G.b->pci);
	assert_int_equal(G.nmsi, 0); /* still masked */
	msix_entry(1, 0xfee00000u | DEST << 12, VEC_Q, 0);
	vpci_poll(&G.b->pci);
	assert_int_equal(msis(VEC_Q), 1);
	assert_int_equal(*pba, 0);
	cfg_w(0x42, 2, 0xc000); /* enable | function mask */
	uint16_t h1 = drv_req(1, T_IN, 0, &d, 1, false);
	kick();
	run();
	expect_used(h1, SEC + 1);
	assert_int_equal(msis(VEC_Q), 1);
	assert_int_equal(*pba, 1u << 1);
	cfg_w(0x42, 2, 0x8000); /* unmasking through config space delivers at once */
	assert_int_equal(msis(VEC_Q), 2);
	assert_int_equal(*pba, 0);
	assert_int_equal(G.intx_ups, 0);
}

/* An entry that is no fixed interrupt to a local APIC is not raised, and said. */
void test_msix_bad_entry(void **state)
{
	struct seg d = { DATA_GPA, SEC, false };

	drv_probe(true, ~0u);
	msix_entry(1, 0xfed00000u, VEC_Q, 0);
	uint16_t h0 = drv_req(0, T_IN, 0, &d, 1, false);
	kick();
	run();
	expect_used(h0, SEC + 1);
	assert_int_equal(G.nmsi, 0);
	assert_int_equal(G.b->pci.stats.bad_entry, 1);
	assert_true(G.nlog >= 1);
	msix_entry(1, 0xfee00000u | DEST << 12, 5, 0); /* vector below 16 */
	uint16_t h1 = drv_req(1, T_IN, 0, &d, 1, false);
	kick();
	run();
	expect_used(h1, SEC + 1);
	assert_int_equal(G.nmsi, 0);
	assert_int_equal(G.b->pci.stats.bad_entry, 2);
	assert_int_equal(status_of(1), S_OK);
}

/* MSI-X off: ISR bit 0 and INTx high until the driver reads ISR; the device config is at
 * 0x14 then. */
void test_intx(void **state)
{
	struct seg d = { DATA_GPA, SEC, false };
	uint64_t cap = 0;

	drv_probe(false, ~0u);
	cap = io_r(0x14, 4) | (uint64_t)io_r(0x18, 4) << 32;
	assert_int_equal(cap, DISK_SECTORS);
	io_w(0x14, 2, 0); /* a vector write without MSI-X is config space: ignored */
	uint16_t h0 = drv_req(0, T_IN, 0, &d, 1, false);
	kick();
	run();
	expect_used(h0, SEC + 1);
	assert_true(G.intx);
	assert_int_equal(G.intx_ups, 1);
	assert_int_equal(io_r(0x13, 1), 1);
	assert_false(G.intx);
	assert_int_equal(io_r(0x13, 1), 0);
	assert_int_equal(G.nmsi, 0);
	cfg_w(4, 2, 0x7 | 0x400); /* INTx disabled in the command register */
	uint16_t h1 = drv_req(1, T_IN, 0, &d, 1, false);
	kick();
	run();
	expect_used(h1, SEC + 1);
	assert_false(G.intx);
	assert_int_equal(io_r(0x13, 1), 1);
}

/* With EVENT_IDX, a driver that wants to hear only of the 8th answer gets one interrupt
 * for 8 requests answered over several passes; without it, one per pass. */
static void batch(uint32_t features, uint16_t used_event, unsigned want_min, unsigned want_max)
{
	struct seg d = { DATA_GPA, SEC, false };

	teardown(NULL);
	setup_ro(false, false);
	drv_probe(true, features);
	G.avail->ring[QSIZE] = used_event;
	for (unsigned i = 0; i < 8; i++)
		drv_req(i, T_IN, i, &d, 1, false);
	kick();
	run();
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(status_of(i), S_OK);
	assert_int_equal(G.used->idx, 8);
	assert_in_range(msis(VEC_Q), want_min, want_max);
}

void test_event_idx_suppression(void **state)
{
	batch(~0u, 7, 1, 1);
	batch(~VIRTIO_RING_F_EVENT_IDX, 0, 2, 8);
}

/* ---- the hostile guest -------------------------------------------------------------------- */

/* One malformed chain, answered at once: status (if writable) and written bytes as given,
 * the disk untouched, the device still live. */
static void malformed(const struct seg *s, unsigned n, uint8_t want_status, uint32_t want_len)
{
	uint64_t before = disk_sum();
	uint32_t type = T_OUT, hdr_writes = G.w->disk.writes;
	uint16_t h;

	memcpy(host(HDR_GPA), &type, 4); /* a write of sector 0 if anything */
	*(uint8_t *)host(ST_GPA) = 0xee;
	h = drv_chain(0, s, n, false);
	drv_offer(h);
	kick();
	run();
	expect_used(h, want_len);
	assert_int_equal(status_of(0), want_status);
	assert_int_equal(G.w->disk.writes, hdr_writes);
	assert_int_equal(disk_sum(), before);
	assert_true(vpci_live(&G.b->pci));
}

void test_malformed_chains(void **state)
{
	const struct seg hdr = { HDR_GPA, 16, false }, st = { ST_GPA, 1, true };
	const struct seg d = { DATA_GPA, SEC, false }, dw = { DATA_GPA, SEC, true };
	uint32_t in = T_IN;

	drv_probe(true, ~0u);
	fill(host(DATA_GPA), SEC, 9);
	malformed((struct seg[]){ st }, 1, S_IOERR, 1);                               /* no header */
	malformed((struct seg[]){ { HDR_GPA, 8, false }, d, st }, 3, S_IOERR, 1);           /* header short */
	malformed((struct seg[]){ { HDR_GPA, 32, false }, d, st }, 3, S_IOERR, 1);          /* header long */
	malformed((struct seg[]){ hdr, d, { ST_GPA, 1, false } }, 3, 0xee, 0);               /* status RO */
	malformed((struct seg[]){ hdr, d, { ST_GPA, 2, true } }, 3, 0xee, 1);       /* status 2 B */
	assert_int_equal(*(uint8_t *)host(ST_GPA + 1), S_IOERR);               /* its last byte */
	malformed((struct seg[]){ hdr, { DATA_GPA, 500, false }, st }, 3, S_IOERR, 1);      /* not sectors */
	malformed((struct seg[]){ hdr, dw, st }, 3, S_IOERR, 1);                     /* OUT, writable */
	memcpy(host(HDR_GPA), &in, 4);
	assert_int_equal(G.b->stats.bad_chains + G.b->stats.other, 7);
	/* IN with a readable data segment: the guest's buffer is not written either */
	uint8_t keep[SEC];
	memcpy(keep, host(DATA_GPA), SEC);
	uint16_t h = drv_req(1, T_IN, 0, &d, 1, false);
	G.desc[(uint16_t)(h + 1)].flags &= (uint16_t)~VIRTQ_DESC_F_WRITE;
	kick();
	run();
	expect_used(h, 1);
	assert_int_equal(status_of(1), S_IOERR);
	assert_memory_equal(host(DATA_GPA), keep, SEC);
}

/* A chain that breaks the ring rules: DEVICE_NEEDS_RESET, a configuration interrupt, the
 * queue left alone; a reset and a fresh probe bring the device back. */
static void ring_violation(void (*lay)(void))
{
	struct seg d = { DATA_GPA, SEC, false };

	drv_probe(true, ~0u);
	unsigned cfg = msis(VEC_CFG);
	lay();
	kick();
	run();
	assert_true(io_r(0x12, 1) & VIRTIO_STATUS_NEEDS_RESET);
	assert_false(vpci_live(&G.b->pci));
	assert_int_equal(msis(VEC_CFG), cfg + 1);
	expect_no_used();
	drv_req(5, T_IN, 0, &d, 1, false); /* ignored until the reset */
	kick();
	run();
	expect_no_used();
	assert_int_equal(G.w->disk.writes, 0);
	drv_probe(true, ~0u);
	assert_int_equal(io_r(0x12, 1), STATUS_UP);
	uint16_t h = drv_req(0, T_IN, 0, &d, 1, false);
	kick();
	run();
	expect_used(h, SEC + 1);
	assert_int_equal(status_of(0), S_OK);
}

static void lay_loop(void)
{
	G.desc[0] = (struct vq_desc){ HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 1 };
	G.desc[1] = (struct vq_desc){ DATA_GPA, SEC, VIRTQ_DESC_F_NEXT, 0 };
	drv_offer(0);
}

static void lay_past_ram(void)
{
	G.desc[0] = (struct vq_desc){ HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 1 };
	G.desc[1] = (struct vq_desc){ RAM_SIZE - 8, 16, VIRTQ_DESC_F_NEXT, 2 };
	G.desc[2] = (struct vq_desc){ ST_GPA, 1, VIRTQ_DESC_F_WRITE, 0 };
	drv_offer(0);
}

static void lay_nested_indirect(void)
{
	struct vq_desc *t = host(IND_GPA);

	t[0] = (struct vq_desc){ HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 1 };
	t[1] = (struct vq_desc){ IND_GPA + 256, 32, VIRTQ_DESC_F_INDIRECT, 0 };
	G.desc[0] = (struct vq_desc){ IND_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0 };
	drv_offer(0);
}

void test_ring_violations(void **state)
{
	ring_violation(lay_loop);
	ring_violation(lay_past_ram);
	ring_violation(lay_nested_indirect);
	assert_int_equal(G.nlog, 3);
}

/* The guest resets the device with requests in flight: their answers are dropped (their
 * data may land), nothing is pushed to the new queue, no interrupt; the new queue works. */
void test_reset_with_requests_in_flight(void **state)
{
	struct seg w = { DATA_GPA, 16 * SEC, false }, r = { DATA_GPA + 0x10000, 16 * SEC, false };

	drv_probe(true, ~0u);
	fill(host(w.gpa), w.len, 4);
	for (unsigned i = 0; i < 4; i++) {
		drv_req(2 * i, T_OUT, 64 * i, &w, 1, false);
		drv_req(2 * i + 1, T_IN, 1024 + 64 * i, &r, 1, false);
	}
	kick();
	assert_true(vblk_busy(G.b));
	unsigned before = G.nmsi;
	io_w(0x12, 1, 0);
	assert_int_equal(io_r(0x12, 1), 0);
	drv_probe(true, ~0u);
	run();
	expect_no_used();
	assert_int_equal(G.nmsi, before);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(status_of(i), 0xee);
	fill(host(w.gpa), w.len, 5);
	uint16_t h = drv_req(0, T_OUT, 3000, &w, 1, false);
	kick();
	run();
	expect_used(h, 1);
	assert_int_equal(status_of(0), S_OK);
	assert_memory_equal(G.w->disk.data + 3000 * SEC, host(w.gpa), w.len);
	assert_int_equal(G.used->idx, 1);
	assert_int_equal(msis(VEC_Q), 1);
}
