/* SPDX-License-Identifier: MIT */
/* test_virtio.c - the legacy virtio-pci transport (devmodel/virtio-pci.c) and virtio-blk
 * (devmodel/virtio-blk.c) driven as Linux's virtio_pci_legacy and virtio_blk drive them:
 * configuration space, BAR0 registers, MSI-X through the table in guest RAM, INTx; the disk
 * is lib/blk's client over real channels to fake I/O partitions (blk_world.h). The guest
 * is a malloc'd buffer in which the test lays out rings, requests and the MSI-X page
 * (virtio_test.h). Interrupts and the hostile guest: test_virtio_irq.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "virtio_test.h"

struct vio G;

/* ---- the platform ----------------------------------------------------------------------- */

static void op_msi(void *ctx, uint32_t dest, uint8_t vector)
{
	assert_true(G.nmsi < 256);
	G.msi[G.nmsi].dest = dest;
	G.msi[G.nmsi++].vec = vector;
}

static void op_intx(void *ctx, unsigned irq, bool level)
{
	assert_int_equal(irq, IRQ);
	G.intx_ups += level && !G.intx;
	G.intx = level;
}

static void op_log(void *ctx, const char *what)
{
	assert_non_null(what);
	G.nlog++;
}

unsigned msis(uint8_t vec)
{
	unsigned n = 0;

	for (unsigned i = 0; i < G.nmsi; i++) {
		assert_int_equal(G.msi[i].dest, DEST);
		n += G.msi[i].vec == vec;
	}
	return n;
}

void *host(uint64_t gpa)
{
	assert_true(gpa < RAM_SIZE);
	return G.ram + gpa;
}

/* ---- the driver --------------------------------------------------------------------------- */

uint32_t io_r(unsigned off, unsigned size) { return vpci_io_read(&G.b->pci, off, size); }
void io_w(unsigned off, unsigned size, uint32_t v) { vpci_io_write(&G.b->pci, off, size, v); }
uint32_t cfg_r(unsigned off, unsigned size) { return vpci_cfg_read(&G.b->pci, off, size); }
void cfg_w(unsigned off, unsigned size, uint32_t v) { vpci_cfg_write(&G.b->pci, off, size, v); }

void msix_entry(unsigned e, uint32_t addr, uint32_t data, uint32_t ctrl)
{
	uint32_t *ent = (uint32_t *)host(BAR1) + 4 * e;

	ent[0] = addr, ent[1] = 0, ent[2] = data, ent[3] = ctrl;
}

/* Linux's probe (virtio_pci_legacy_probe, vp_find_vqs, setup_vq, virtio_dev_probe): reset,
 * ACK, DRIVER, features, vectors (with MSI-X), the queue's PFN, DRIVER_OK. */
void drv_probe(bool msix, uint32_t want)
{
	uint32_t f;

	assert_int_equal(cfg_r(0, 2), 0x1af4);
	assert_int_equal(cfg_r(2, 2), 0x1001);
	assert_int_equal(cfg_r(0x2e, 2), VIRTIO_ID_BLOCK);
	assert_int_equal(cfg_r(0x10, 4), IO_BASE | 1);
	cfg_w(4, 2, 0x7); /* I/O, memory, bus master */
	assert_true(vpci_claims(&G.b->pci, IO_BASE + 0x12));
	io_w(0x12, 1, 0);
	io_w(0x12, 1, VIRTIO_STATUS_ACK);
	io_w(0x12, 1, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	f = io_r(0, 4);
	assert_true(f & VIRTIO_RING_F_INDIRECT_DESC && f & VIRTIO_RING_F_EVENT_IDX);
	io_w(4, 4, f & want);
	assert_int_equal(io_r(4, 4), f & want);
	if (msix) {
		assert_int_equal(cfg_r(0x34, 1), 0x40);
		assert_int_equal(cfg_r(0x40, 1), 0x11);
		assert_int_equal((cfg_r(0x42, 2) & 0x7ff) + 1, 2); /* config + one queue */
		msix_entry(0, 0xfee00000u | DEST << 12, VEC_CFG, 0);
		msix_entry(1, 0xfee00000u | DEST << 12, VEC_Q, 0);
		cfg_w(0x42, 2, 0x8000);
		io_w(0x14, 2, 0);
		assert_int_equal(io_r(0x14, 2), 0);
	}
	io_w(0x0e, 2, 0);
	assert_int_equal(io_r(0x0c, 2), QSIZE);
	if (msix) {
		io_w(0x16, 2, 1);
		assert_int_equal(io_r(0x16, 2), 1);
	}
	memset(host(QPFN * 4096), 0, 2 * 4096);
	G.desc = host(QPFN * 4096);
	G.avail = host(QPFN * 4096 + 16 * QSIZE);
	G.used = host(QPFN * 4096 + 4096 * ((16 * QSIZE + 6 + 2 * QSIZE + 4095) / 4096));
	G.avail_idx = G.used_seen = G.next_desc = 0;
	io_w(0x08, 4, QPFN);
	assert_int_equal(io_r(0x08, 4), QPFN);
	io_w(0x12, 1, STATUS_UP);
	assert_true(vpci_live(&G.b->pci));
}

/* A chain of n segments; with indirect, one descriptor naming a table at slot's place. */
uint16_t drv_chain(unsigned slot, const struct seg *s, unsigned n, bool indirect)
{
	uint16_t head;

	if (G.next_desc + (indirect ? 1 : n) > QSIZE)
		G.next_desc = 0;
	head = G.next_desc;
	if (indirect) {
		struct vq_desc *t = host(IND_GPA + 256 * slot);
		assert_true(n <= 16);
		for (unsigned i = 0; i < n; i++)
			t[i] = (struct vq_desc){ s[i].gpa, s[i].len, (s[i].write ? VIRTQ_DESC_F_WRITE : 0) |
						 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0), (uint16_t)(i + 1) };
		G.desc[head] = (struct vq_desc){ IND_GPA + 256 * slot, 16 * n, VIRTQ_DESC_F_INDIRECT, 0 };
		G.next_desc++;
		return head;
	}
	for (unsigned i = 0; i < n; i++, G.next_desc++)
		G.desc[G.next_desc] = (struct vq_desc){ s[i].gpa, s[i].len,
			(s[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0),
			(uint16_t)(G.next_desc + 1) };
	return head;
}

void drv_offer(uint16_t head)
{
	G.avail->ring[G.avail_idx % QSIZE] = head;
	__atomic_store_n(&G.avail->idx, ++G.avail_idx, __ATOMIC_RELEASE);
}

/* A block request in slot: header, data segments (device-writable for IN), status. */
uint16_t drv_req(unsigned slot, uint32_t type, uint64_t sector, const struct seg *data,
		 unsigned n, bool indirect)
{
	struct seg s[16];
	uint8_t *hdr = host(HDR_GPA + 16 * slot);

	memset(hdr, 0, 16);
	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	*(uint8_t *)host(ST_GPA + slot) = 0xee;
	s[0] = (struct seg){ HDR_GPA + 16 * slot, 16, false };
	for (unsigned i = 0; i < n; i++)
		s[1 + i] = (struct seg){ data[i].gpa, data[i].len, type == T_IN || type == T_GET_ID };
	s[1 + n] = (struct seg){ ST_GPA + slot, 1, true };
	uint16_t head = drv_chain(slot, s, n + 2, indirect);
	drv_offer(head);
	return head;
}

uint8_t status_of(unsigned slot)
{
	return *(uint8_t *)host(ST_GPA + slot);
}

void kick(void)
{
	io_w(0x10, 2, 0);
}

/* The device and the servers until nothing is in flight. */
void run(void)
{
	for (unsigned i = 0; i < 1000; i++) {
		vblk_work(G.b);
		if (!vblk_busy(G.b))
			return;
		assert_int_equal(env_wait(G.w), 0);
	}
	fail_msg("requests still in flight");
}

/* The next used element, in order; taken as virtqueue_get_buf does (used_event follows). */
void expect_used(uint16_t head, uint32_t len)
{
	uint16_t idx = __atomic_load_n(&G.used->idx, __ATOMIC_ACQUIRE);

	assert_true(idx != G.used_seen);
	assert_int_equal(G.used->ring[G.used_seen % QSIZE].id, head);
	assert_int_equal(G.used->ring[G.used_seen % QSIZE].len, len);
	G.used_seen++;
	G.avail->ring[QSIZE] = G.used_seen;
}

void expect_no_used(void)
{
	assert_int_equal(__atomic_load_n(&G.used->idx, __ATOMIC_ACQUIRE), G.used_seen);
}

/* ---- fixture ------------------------------------------------------------------------------ */

void setup_ro(bool vblk_ro, bool server_ro)
{
	memset(&G, 0, sizeof(G));
	G.w = world_new(0x100000);
	G.w->be.read_only = server_ro;
	world_connect(G.w);
	G.ram = aligned_alloc(4096, RAM_SIZE);
	assert_non_null(G.ram);
	memset(G.ram, 0, RAM_SIZE);
	G.r = (struct vq_range){ 0, RAM_SIZE, G.ram, VQ_MEM_W };
	G.m = (struct vq_mem){ &G.r, 1 };
	G.ops = (struct vpci_ops){ NULL, op_msi, op_intx, op_log };
	G.b = malloc(sizeof(*G.b));
	assert_non_null(G.b);
	vblk_init(G.b, 0x08, IO_BASE, BAR1, host(BAR1), IRQ, &G.m, &G.ops, NULL, vblk_ro,
		  "bulkhead:linux");
	vblk_attach(G.b, &G.w->cl);
}

int setup(void **state)
{
	setup_ro(false, false);
	return 0;
}

int teardown(void **state)
{
	free(G.b);
	free(G.ram);
	world_free(G.w);
	return 0;
}

uint64_t disk_sum(void)
{
	return sum64(G.w->disk.data, (size_t)DISK_SECTORS * SEC);
}

/* ---- the data path ------------------------------------------------------------------------ */

/* Config space and registers as the driver sees them; capacity in the device config. */
static void test_probe_and_config(void **state)
{
	uint64_t cap = 0;

	drv_probe(true, ~0u);
	for (unsigned i = 0; i < 8; i++) /* virtio_cread64, byte by byte here */
		cap |= (uint64_t)io_r(0x18 + i, 1) << (8 * i);
	assert_int_equal(cap, DISK_SECTORS);
	assert_int_equal(io_r(0x18 + 20, 4), SEC); /* blk_size */
	assert_int_equal(io_r(0x12, 1), STATUS_UP);
	assert_int_equal(cfg_r(0x3d, 1), 1);       /* INTA# */
	assert_int_equal(cfg_r(0x3c, 1), IRQ);
	cfg_w(0x10, 4, 0xffffffffu);                /* BAR0 sizing */
	assert_int_equal(cfg_r(0x10, 4), (uint32_t)-VPCI_IO_SIZE | 1);
	cfg_w(0x10, 4, IO_BASE);
	assert_int_equal(cfg_r(0x14, 4), BAR1);
	assert_int_equal(io_r(0, 4) & F_RO, 0);
	assert_int_equal(G.nmsi, 0);
}

/* Writes land at their sectors with their bytes, reads bring them back; one MSI each batch
 * to the queue's vector on DEST. */
static void test_write_read(void **state)
{
	struct seg wr = { DATA_GPA, 8 * SEC, false }, rd = { DATA_GPA + 0x10000, 8 * SEC, false };

	drv_probe(true, ~0u);
	fill(host(wr.gpa), wr.len, 1);
	uint16_t h = drv_req(0, T_OUT, 100, &wr, 1, false);
	kick();
	run();
	expect_used(h, 1);
	assert_int_equal(status_of(0), S_OK);
	assert_memory_equal(G.w->disk.data + 100 * SEC, host(wr.gpa), wr.len);
	assert_true(msis(VEC_Q) >= 1);
	h = drv_req(1, T_IN, 100, &rd, 1, false);
	kick();
	run();
	expect_used(h, rd.len + 1);
	assert_int_equal(status_of(1), S_OK);
	assert_memory_equal(host(rd.gpa), host(wr.gpa), rd.len);
	assert_int_equal(msis(VEC_CFG), 0);
	assert_int_equal(G.w->disk.data[99 * SEC + SEC - 1], 0); /* nothing before */
	assert_int_equal(G.w->disk.data[108 * SEC], 0);           /* nor after */
}

/* Several data segments, one larger than a block request may be (split into pieces), direct
 * and indirect: the bytes follow each other on the disk; read back split differently. */
static void test_multi_segment_and_indirect(void **state)
{
	struct seg out[3] = { { DATA_GPA, SEC, false }, { DATA_GPA + 0x1000, 64 * 1024, false },
			      { DATA_GPA + 0x20000, 3 * SEC, false } };
	struct seg in[2] = { { DATA_GPA + 0x40000, 2 * SEC, false }, { DATA_GPA + 0x50000, 130 * SEC, false } };
	uint32_t total = SEC + 64 * 1024 + 3 * SEC;
	uint8_t *want = malloc(total);

	drv_probe(true, ~0u);
	for (int ind = 0; ind < 2; ind++) {
		uint64_t lba = ind ? 2000 : 700;
		size_t o = 0;
		for (unsigned i = 0; i < 3; i++) {
			fill(host(out[i].gpa), out[i].len, 10 * ind + i);
			memcpy(want + o, host(out[i].gpa), out[i].len);
			o += out[i].len;
		}
		uint16_t h = drv_req(2 * ind, T_OUT, lba, out, 3, ind);
		kick();
		run();
		expect_used(h, 1);
		assert_int_equal(status_of(2 * ind), S_OK);
		assert_memory_equal(G.w->disk.data + lba * SEC, want, total);
		h = drv_req(2 * ind + 1, T_IN, lba, in, 2, !ind);
		kick();
		run();
		expect_used(h, total + 1);
		assert_int_equal(status_of(2 * ind + 1), S_OK);
		assert_memory_equal(host(in[0].gpa), want, in[0].len);
		assert_memory_equal(host(in[1].gpa), want + in[0].len, in[1].len);
	}
	assert_true(G.b->stats.pieces > 8); /* 128 sectors do not go in one request */
	free(want);
}

/* The driver may send a page per segment, up to 254 of them (size_max, seg_max: without
 * SEG_MAX Linux sends one segment per request); pages that follow each other in the guest's
 * RAM go out as one block request, scattered ones as one each. */
static void test_pages_adjacent_in_ram_are_one_request(void **state)
{
	struct seg adjacent[4], scattered[4];
	uint64_t before;

	drv_probe(true, ~0u);
	assert_int_equal(io_r(0, 4) & 6u, 6u);            /* SIZE_MAX, SEG_MAX */
	assert_int_equal(io_r(0x18 + 8, 4), 4096);        /* size_max */
	assert_int_equal(io_r(0x18 + 12, 4), 254);        /* seg_max */
	for (unsigned i = 0; i < 4; i++) {
		adjacent[i] = (struct seg){ DATA_GPA + 0x1000 * i, 0x1000, false };
		scattered[i] = (struct seg){ DATA_GPA + 0x10000 + 0x2000 * i, 0x1000, false };
		fill(host(adjacent[i].gpa), 0x1000, 40 + i);
	}
	before = G.b->stats.pieces;
	uint16_t h = drv_req(0, T_OUT, 300, adjacent, 4, false);
	kick();
	run();
	expect_used(h, 1);
	assert_int_equal(status_of(0), S_OK);
	assert_int_equal(G.b->stats.pieces - before, 1); /* 32 sectors <= DISK_MAX */
	assert_memory_equal(G.w->disk.data + 300 * SEC, host(DATA_GPA), 0x4000);
	before = G.b->stats.pieces;
	h = drv_req(1, T_IN, 300, scattered, 4, true);
	kick();
	run();
	expect_used(h, 0x4000 + 1);
	assert_int_equal(G.b->stats.pieces - before, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_memory_equal(host(scattered[i].gpa), host(adjacent[i].gpa), 0x1000);
}

static void test_flush(void **state)
{
	drv_probe(true, ~0u);
	assert_true(io_r(0, 4) & (1u << 9)); /* VIRTIO_BLK_F_FLUSH */
	uint16_t h = drv_req(0, T_FLUSH, 0, NULL, 0, false);
	kick();
	run();
	expect_used(h, 1);
	assert_int_equal(status_of(0), S_OK);
	assert_int_equal(G.w->disk.flushes, 1);
}

/* virtblk_get_id: a 20-byte device-writable buffer. */
static void test_get_id(void **state)
{
	struct seg id = { DATA_GPA, VBLK_ID_LEN, false };
	char want[VBLK_ID_LEN] = "bulkhead:linux";

	drv_probe(true, ~0u);
	memset(host(id.gpa), 0x55, 64);
	uint16_t h = drv_req(0, T_GET_ID, 0, &id, 1, false);
	kick();
	run();
	expect_used(h, VBLK_ID_LEN + 1);
	assert_int_equal(status_of(0), S_OK);
	assert_memory_equal(host(id.gpa), want, VBLK_ID_LEN);
	assert_int_equal(*(uint8_t *)host(id.gpa + VBLK_ID_LEN), 0x55);
}

static void test_unsupported_type(void **state)
{
	struct seg d = { DATA_GPA, SEC, false };

	drv_probe(true, ~0u);
	uint16_t h = drv_req(0, 11 /* DISCARD */, 0, &d, 1, false);
	kick();
	run();
	expect_used(h, 1);
	assert_int_equal(status_of(0), S_UNSUPP);
	h = drv_req(1, 0x1234, 0, &d, 1, false);
	G.desc[(uint16_t)(h + 1)].flags |= VIRTQ_DESC_F_WRITE; /* a type unknown either way */
	kick();
	run();
	expect_used(h, 1);
	assert_int_equal(status_of(1), S_UNSUPP);
	assert_int_equal(G.w->disk.writes, 0);
}

/* A read-only disk, said by the device (VIRTIO_BLK_F_RO) or only by the server: OUT gets
 * IOERR and nothing is written; IN works. */
static void read_only(bool vblk_ro, bool server_ro)
{
	struct seg d = { DATA_GPA, 4 * SEC, false };

	teardown(NULL);
	setup_ro(vblk_ro, server_ro);
	drv_probe(true, ~0u);
	assert_int_equal(!!(io_r(0, 4) & F_RO), vblk_ro);
	fill(host(d.gpa), d.len, 3);
	uint16_t h = drv_req(0, T_OUT, 10, &d, 1, false);
	kick();
	run();
	expect_used(h, 1);
	assert_int_equal(status_of(0), S_IOERR);
	assert_int_equal(G.w->disk.writes, 0);
	for (size_t i = 0; i < (size_t)DISK_SECTORS * SEC; i++)
		if (G.w->disk.data[i])
			fail_msg("disk byte %zu written", i);
	h = drv_req(1, T_IN, 10, &d, 1, false);
	kick();
	run();
	expect_used(h, d.len + 1);
	assert_int_equal(status_of(1), S_OK);
}

static void test_read_only(void **state)
{
	read_only(true, true);
	read_only(false, true);
}

/* Past the end: the last sector is fine, one more is IOERR, nothing reaches the servers. */
static void test_past_capacity(void **state)
{
	struct seg one = { DATA_GPA, SEC, false }, two = { DATA_GPA, 2 * SEC, false };

	drv_probe(true, ~0u);
	uint16_t h0 = drv_req(0, T_IN, DISK_SECTORS - 1, &one, 1, false);
	uint16_t h1 = drv_req(1, T_IN, DISK_SECTORS - 1, &two, 1, false);
	uint16_t h2 = drv_req(2, T_OUT, DISK_SECTORS, &one, 1, false);
	uint16_t h3 = drv_req(3, T_OUT, UINT64_MAX, &one, 1, false);
	kick();
	run();
	expect_used(h1, 1); /* answered at once, before the read the server answers */
	expect_used(h2, 1);
	expect_used(h3, 1);
	expect_used(h0, SEC + 1);
	assert_int_equal(status_of(0), S_OK);
	assert_int_equal(status_of(1), S_IOERR);
	assert_int_equal(status_of(2), S_IOERR);
	assert_int_equal(status_of(3), S_IOERR);
	assert_int_equal(G.w->s[0].srv.stats.requests, 1 + 1); /* INFO and the good read */
	assert_int_equal(G.w->disk.writes, 0);
}

/* Two writes to overlapping sectors: the second waits for the first, the disk ends with
 * the second's bytes. */
static void test_overlapping_writes_keep_order(void **state)
{
	struct seg a = { DATA_GPA, 8 * SEC, false }, b = { DATA_GPA + 0x10000, 8 * SEC, false };

	drv_probe(true, ~0u);
	fill(host(a.gpa), a.len, 1);
	fill(host(b.gpa), b.len, 2);
	uint16_t ha = drv_req(0, T_OUT, 50, &a, 1, false);
	uint16_t hb = drv_req(1, T_OUT, 54, &b, 1, false);
	kick();
	assert_int_equal(G.b->sub - G.b->tail, 1); /* the first sent */
	assert_int_equal(G.b->head - G.b->sub, 1); /* the second waits */
	run();
	expect_used(ha, 1);
	expect_used(hb, 1);
	assert_memory_equal(G.w->disk.data + 50 * SEC, host(a.gpa), 4 * SEC);
	assert_memory_equal(G.w->disk.data + 54 * SEC, host(b.gpa), 8 * SEC);
	assert_int_equal(G.w->disk.writes, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_segment_and_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages_adjacent_in_ram_are_one_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_past_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_writes_keep_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_masked_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_bad_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_idx_suppression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_violations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_with_requests_in_flight, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
