/* SPDX-License-Identifier: MIT */
/* test_devmodel_ring.c - the device model's ring drain and board with a fake hypercall
 * layer (answers, interrupts, console writes recorded), and the runtime's byte-oriented
 * console read over a real channel. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "devmodel_test.h"
#include <bulkhead/console.h>
#include <bulkhead/errno.h>
#include "devmodel/board.h"
#include "devmodel/ring.h"
#include "ultravisor/acpi-tables.h"
#include "rt/console.h"

#define T0   5000000000ull
#define WALL (1709214330ll * NS_PER_SEC)

static struct fake {
	uint32_t ans_vcpu[64], ans_val[64], ans_seq[64];
	unsigned nans;
	uint32_t irq[64];
	unsigned nirq;
	char out[16384];
	size_t out_len;
	long answer_rc, irq_rc;
} F;

static long f_answer(void *ctx, uint32_t vcpu, uint32_t value, uint32_t seq)
{
	if (F.nans < 64) {
		F.ans_vcpu[F.nans] = vcpu;
		F.ans_val[F.nans] = value;
		F.ans_seq[F.nans] = seq;
	}
	F.nans++;
	return F.answer_rc;
}

static long f_irq(void *ctx, uint32_t vector)
{
	if (F.nirq < 64)
		F.irq[F.nirq] = vector;
	F.nirq++;
	return F.irq_rc;
}

static void f_out(void *ctx, const void *buf, size_t len)
{
	assert_true(F.out_len + len < sizeof(F.out));
	memcpy(F.out + F.out_len, buf, len);
	F.out_len += len;
	F.out[F.out_len] = 0;
}

static const struct dm_ops fops = { f_answer, f_irq, f_out, NULL, NULL };
static struct board B;
static struct bh_ioreq_ring R;
static struct dm_ring DR;

static void fresh(bool magic)
{
	memset(&F, 0, sizeof(F));
	memset(&R, 0, sizeof(R));
	if (magic) {
		R.magic = BH_IOREQ_MAGIC;
		R.slots = BH_IOREQ_SLOTS;
	}
	board_init(&B, &fops, WALL, T0);
	dm_ring_init(&DR, &R);
}

static void put(uint16_t port, uint8_t size, bool in, uint32_t vcpu, uint32_t data)
{
	struct bh_ioreq *q = &R.req[R.prod % BH_IOREQ_SLOTS];

	*q = (struct bh_ioreq){ port, size, in ? BH_IOREQ_IN : 0, vcpu, in ? 0 : data, R.prod };
	__atomic_store_n(&R.prod, R.prod + 1, __ATOMIC_RELEASE);
}

static unsigned lines_with(const char *what)
{
	unsigned n = 0;

	for (const char *p = F.out; (p = strstr(p, what)); p++)
		n++;
	return n;
}

void test_ring_in_answered(void **state)
{
	fresh(true);
	put(0x3fd, 1, true, 2, 0);          /* LSR */
	put(0xcf8, 4, false, 0, 0x80000000u);
	put(0xcfc, 4, true, 1, 0);          /* 00:00.0 vendor and device */
	put(0x3f8, 2, true, 3, 0);          /* RBR + IER, split into bytes */
	assert_true(dm_ring_pending(&DR));
	assert_int_equal(dm_ring_drain(&DR, &B, 64), 4);
	assert_int_equal(F.nans, 3);
	assert_int_equal(F.ans_vcpu[0], 2);
	assert_int_equal(F.ans_val[0], 0x60);
	assert_int_equal(F.ans_seq[0], 0);
	assert_int_equal(F.ans_vcpu[1], 1);
	assert_int_equal(F.ans_val[1], 0x12378086u);
	assert_int_equal(F.ans_seq[1], 2);
	assert_int_equal(F.ans_vcpu[2], 3);
	assert_int_equal(F.ans_val[2], 0x0000);
	assert_int_equal(F.ans_seq[2], 3);
	assert_int_equal(R.cons, 4);
	assert_int_equal(DR.stats.in, 3);
	assert_int_equal(DR.stats.out, 1);
	assert_false(dm_ring_pending(&DR));
	assert_int_equal(F.out_len, 0); /* nothing to say */
}

void test_ring_outs_in_order(void **state)
{
	fresh(true);
	put(0x3f8, 1, false, 0, 'h');
	put(0x3f8, 1, false, 1, 0x1269); /* 'i': only the low byte */
	put(0x3f8, 1, false, 0, '\n');
	put(0x80, 1, false, 0, 0x55);   /* POST code: quiet */
	put(0x3f8, 1, false, 0, 'a');
	put(0x3f8, 1, false, 0, 'b');
	assert_int_equal(dm_ring_drain(&DR, &B, 64), 6);
	assert_string_equal(F.out, "hi\n"); /* flushed at the newline */
	board_end(&B);
	assert_string_equal(F.out, "hi\n"); /* a partial line waits for its end ... */
	assert_int_equal(board_deadline(&B), T0 + BOARD_OUT_HOLD_NS); /* (a pass is due) */
	board_begin(&B, T0 + BOARD_OUT_HOLD_NS - 1);
	board_end(&B);
	assert_string_equal(F.out, "hi\n");
	board_begin(&B, T0 + BOARD_OUT_HOLD_NS);
	board_end(&B);
	assert_string_equal(F.out, "hi\nab"); /* ... BOARD_OUT_HOLD_NS at most */
	for (int i = 0; i < BOARD_OUT_MAX + 10; i++) {
		put(0x3f8, 1, false, 0, 'x');
		if (R.prod - DR.cons == BH_IOREQ_SLOTS) /* full: the monitor would wait */
			dm_ring_drain(&DR, &B, BH_IOREQ_SLOTS);
	}
	dm_ring_drain(&DR, &B, BH_IOREQ_SLOTS);
	assert_int_equal(F.out_len, 5 + BOARD_OUT_MAX); /* a full batch went out */
	board_begin(&B, T0 + 3 * BOARD_OUT_HOLD_NS);
	board_end(&B);
	assert_int_equal(F.out_len, 5 + BOARD_OUT_MAX + 10);
	assert_int_equal(F.nans, 0);
	assert_int_equal(R.cons, R.prod);
}

void test_ring_bad_requests(void **state)
{
	fresh(true);
	put(0x3f8, 3, true, 1, 0);  /* no such size: answered all ones */
	put(0x3f8, 0, false, 0, 'q');
	put(0x3fd, 1, true, 99, 0); /* no such vCPU */
	put(0x3fd, 1, true, 0, 0);
	R.req[3].seq = 1234;        /* handled all the same */
	assert_int_equal(dm_ring_drain(&DR, &B, 64), 4);
	assert_int_equal(DR.stats.bad_size, 2);
	assert_int_equal(DR.stats.bad_vcpu, 1);
	assert_int_equal(DR.stats.bad_seq, 1);
	assert_int_equal(F.nans, 2);
	assert_int_equal(F.ans_vcpu[0], 1);
	assert_int_equal(F.ans_val[0], 0xffffffffu);
	assert_int_equal(F.ans_vcpu[1], 0);
	assert_int_equal(F.ans_val[1], 0x60);
	assert_int_equal(F.ans_seq[1], 1234); /* the answer names the request as it came */
	assert_int_equal(R.cons, 4);
	assert_int_equal(B.uart.tx_bytes, 0);
	assert_int_equal(lines_with("devmodel: "), 3); /* size, vCPU, seq: once each */
	assert_int_equal(lines_with("request of 3 bytes at port 0x3f8"), 1);
	F.answer_rc = -BH_EINVAL; /* that vCPU waits on nothing */
	put(0x3fd, 1, true, 5, 0);
	put(0x3fd, 1, true, 5, 0);
	dm_ring_drain(&DR, &B, 64);
	assert_int_equal(DR.stats.answer_fail, 2);
	assert_int_equal(lines_with("BH_HC_DM_ANSWER"), 1);
}

void test_ring_budget_resync(void **state)
{
	fresh(false); /* the monitor has not written the header */
	for (int i = 0; i < 10; i++)
		put(0x80, 1, false, 0, (uint32_t)i);
	assert_int_equal(dm_ring_drain(&DR, &B, 4), 4);
	assert_int_equal(R.cons, 4);
	assert_true(dm_ring_pending(&DR));
	assert_int_equal(dm_ring_drain(&DR, &B, 64), 6);
	assert_false(dm_ring_pending(&DR));
	assert_int_equal(lines_with("header magic 0 slots 0"), 1);
	R.prod = DR.cons + BH_IOREQ_SLOTS + 1; /* the guest started afresh under us */
	assert_true(dm_ring_pending(&DR));
	assert_int_equal(dm_ring_drain(&DR, &B, 64), 0);
	assert_int_equal(DR.stats.resyncs, 1);
	assert_int_equal(R.cons, R.prod);
	R.prod = 0;
	R.cons = 0;
	dm_ring_init(&DR, &R);
	for (int i = 0; i < (int)BH_IOREQ_SLOTS; i++) /* a full ring, wrapping the index */
		put(0x80, 1, false, 0, 0);
	assert_int_equal(dm_ring_drain(&DR, &B, 1000), BH_IOREQ_SLOTS);
	put(0x3fd, 1, true, 0, 0);
	assert_int_equal(dm_ring_drain(&DR, &B, 1000), 1);
	assert_int_equal(F.ans_val[0], 0x60);
	assert_int_equal(F.ans_seq[0], BH_IOREQ_SLOTS);
}

/* The FADT's PM1a blocks where the FADT puts them (ultravisor/acpi-tables.h; ACPI 6.4,
 * 4.8.4.1 "PM1 Event Grouping", 4.8.4.2 "PM1 Control Grouping", bits in Tables 4.11-4.13):
 * status reads 0 (nothing pending, writes of 1 to clear change nothing), enable keeps what
 * the guest writes, the control register reads SCI_EN and nothing else. */
static void board_pm1(void)
{
	const uint16_t evt = ACPI_PM1A_EVT_PORT, cnt = ACPI_PM1A_CNT_PORT;

	assert_int_equal(board_in(&B, evt, 2), 0);
	assert_int_equal(board_in(&B, evt + 2, 2), 0);
	board_out(&B, evt + 2, 2, 0x0121); /* PWRBTN_EN, GBL_EN, TMR_EN */
	board_out(&B, evt, 2, 0xffff);     /* write 1 to clear: no event to clear */
	assert_int_equal(board_in(&B, evt, 2), 0);
	assert_int_equal(board_in(&B, evt + 2, 2), 0x0121);
	assert_int_equal(board_in(&B, evt + 2, 1), 0x21);
	assert_int_equal(board_in(&B, evt + 3, 1), 0x01);
	assert_int_equal(board_in(&B, evt, 4), 0x01210000u); /* status low, enable high */
	board_out(&B, evt, 4, 0x0020ffffu); /* both at once: the enable half sticks */
	assert_int_equal(board_in(&B, evt + 2, 2), 0x0020);
	assert_int_equal(board_in(&B, cnt, 2), 1); /* SCI_EN: in ACPI mode from the start */
	board_out(&B, cnt, 2, 0x2001 | 5 << 10);     /* SLP_EN with a sleep type: ignored */
	assert_int_equal(board_in(&B, cnt, 2), 1);
	assert_int_equal(board_in(&B, cnt, 1), 1);
	assert_int_equal(board_in(&B, cnt + 1, 1), 0);
}

void test_board_ports(void **state)
{
	uint32_t a, b;

	fresh(true);
	board_out(&B, 0x3fb, 1, 0x83); /* DLAB */
	board_out(&B, 0x3f8, 2, 0x0201);
	assert_int_equal(board_in(&B, 0x3f8, 2), 0x0201);
	assert_int_equal(board_in(&B, 0x3f8, 4), 0x83010201u); /* DLL DLM IIR LCR */
	board_out(&B, 0x3fb, 1, 0x03);
	a = board_in(&B, 0x61, 1);
	b = board_in(&B, 0x61, 1);
	assert_int_equal(a & 0xe0, 0x20);
	assert_int_equal((a ^ b) & 0x10, 0x10);
	board_out(&B, 0x61, 1, 0xff);
	assert_int_equal(board_in(&B, 0x61, 1) & 0x0f, 0x0f);
	board_out(&B, 0xf4, 1, 0x01); /* QEMU's debug exit: nothing happens */
	board_out(&B, 0x80, 1, 0x12);
	board_out(&B, 0x43, 1, 0x30);
	for (uint16_t p = 0x40; p <= 0x42; p++) /* no PIT: its counters read 0, not 0xff */
		assert_int_equal(board_in(&B, p, 1), 0);
	assert_int_equal(board_in(&B, 0x40, 2), 0);
	board_pm1();
	assert_int_equal(board_in(&B, 0x64, 1), 0xff); /* i8042: no controller */
	assert_int_equal(board_in(&B, 0x3c0, 2), 0xffff);
	assert_int_equal(board_in(&B, 0x2fd, 1), 0xff); /* COM2 absent */
	assert_int_equal(F.out_len, 0);
	assert_int_equal(B.stats.unknown, 0);
	board_out(&B, 0x4d0, 2, 0xffff);
	assert_int_equal(board_in(&B, 0x4d0, 2), 0xdef8);
	board_out(&B, 0x70, 1, 0x8d);
	assert_int_equal(board_in(&B, 0x71, 1), 0x80);
	board_out(&B, 0xcf8, 4, 0x80000008u);
	board_out(&B, 0xcf9, 1, 0x06); /* reset control: not the address */
	assert_int_equal(board_in(&B, 0xcf8, 4), 0x80000008u);
	assert_int_equal(board_in(&B, 0xcfe, 2), 0x0600);

	assert_int_equal(board_in(&B, 0x510, 2), 0xffff);
	assert_int_equal(board_in(&B, 0x51f, 1), 0xff);
	board_out(&B, 0x520, 4, 0);
	assert_int_equal(B.stats.unknown, 7);
	assert_int_equal(lines_with("devmodel: no device at port"), 2);
	assert_int_equal(lines_with("port 0x510 (read; ports 0x510-0x51f"), 1);
	for (unsigned p = 0x1000; p < 0x1000 + 40 * 16; p += 16)
		board_in(&B, (uint16_t)p, 1);
	assert_int_equal(lines_with("devmodel: no device at port"), BOARD_UNKNOWN_LOG);
	assert_int_equal(lines_with("more unknown ports"), 1);
	assert_int_equal(board_in(&B, 0xffff, 2), 0xffff); /* wraps to port 0 (DMA: quiet) */
}

/* Linux's init_8259A, on the board. */
static void linux_pic(void)
{
	static const uint16_t seq[][2] = {
		{ 0xa1, 0xff }, { 0x21, 0xfb }, { 0x21, 0xff }, { 0x20, 0x11 }, { 0x21, 0x30 },
		{ 0x21, 0x04 }, { 0x21, 0x01 }, { 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 },
		{ 0xa1, 0x01 }, { 0x21, 0xfb }, { 0xa1, 0xff },
	};

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		board_out(&B, seq[i][0], 1, seq[i][1]);
}

/* mask_and_ack_8259A(4), the handler, unmask. */
static void linux_irq4(void)
{
	board_in(&B, 0x21, 1);
	board_out(&B, 0x21, 1, 0xfb | 0x10);
	board_out(&B, 0x20, 1, 0x64);
	assert_int_equal(board_in(&B, 0x3fa, 1), 0x02); /* THRE (FIFOs off) */
	board_out(&B, 0x3f8, 1, 'x');                  /* a new edge while masked */
	board_out(&B, 0x3f9, 1, 0x00);                 /* stop_tx */
	board_end(&B);
	board_out(&B, 0x21, 1, 0xeb);
}

void test_board_intr_flow(void **state)
{
	fresh(true);
	board_out(&B, 0x21, 1, 0x00); /* unmasked before any ICW: vector base 0 */
	board_out(&B, 0x3fc, 1, 0x0b);
	board_out(&B, 0x3f9, 1, 0x02);
	board_end(&B);
	assert_int_equal(F.nirq, 0);
	assert_int_equal(B.stats.bad_base, 1);
	assert_int_equal(lines_with("vector base 0/0: not raised"), 1);

	linux_pic();
	board_out(&B, 0x21, 1, 0xeb); /* IRQ 4 on */
	board_out(&B, 0x3f9, 1, 0x00);
	board_out(&B, 0x3f9, 1, 0x02); /* THRE rises: an edge */
	board_end(&B);
	assert_int_equal(F.nirq, 1);
	assert_int_equal(F.irq[0], 0x34);
	assert_int_equal(B.held, 4);
	board_end(&B);
	assert_int_equal(F.nirq, 1); /* held: not raised twice */
	linux_irq4();
	board_end(&B);
	assert_int_equal(F.nirq, 2); /* the edge latched while masked */
	assert_int_equal(F.irq[1], 0x34);
	board_out(&B, 0x20, 1, 0x64);
	board_end(&B);
	assert_int_equal(F.nirq, 2);
	assert_int_equal(B.held, -1);

	board_out(&B, 0x3f9, 1, 0x02); /* again, then the guest programs the 8259 anew */
	board_end(&B);
	assert_int_equal(F.nirq, 3);
	board_out(&B, 0xa0, 1, 0x11); /* the slave's ICW1 leaves IRQ 4's vector alone */
	board_end(&B);
	assert_int_equal(F.nirq, 3);
	board_out(&B, 0x20, 1, 0x11);
	board_end(&B);
	assert_int_equal(F.nirq, 4);
	assert_int_equal(F.irq[3], 0); /* withdrawn */
	assert_int_equal(B.stats.withdrawn, 1);
	assert_int_equal(B.held, -1);
}

void test_board_rtc_irq(void **state)
{
	fresh(true);
	linux_pic();
	board_out(&B, 0x21, 1, 0xeb);
	board_out(&B, 0x3fc, 1, 0x0b);
	board_out(&B, 0x3f9, 1, 0x02);
	board_end(&B);
	assert_int_equal(F.irq[0], 0x34); /* IRQ 4 held */
	board_out(&B, 0xa1, 1, 0xfe);     /* IRQ 8 on, update-ended interrupt */
	board_out(&B, 0x70, 1, 0x0b);
	board_out(&B, 0x71, 1, 0x12);
	assert_int_not_equal(board_deadline(&B), 0);
	board_begin(&B, T0 + NS_PER_SEC);
	board_end(&B);
	assert_int_equal(F.nirq, 1); /* IRQ 8 outranks 4, but 4's vector is held */
	board_out(&B, 0x20, 1, 0x64);
	board_end(&B);
	assert_int_equal(F.nirq, 2);
	assert_int_equal(F.irq[1], 0x38);
	assert_int_equal(B.held, 8);
	assert_int_equal(board_deadline(&B), 0); /* IRQF stays up until C is read */
	board_out(&B, 0x70, 1, 0x0c);
	assert_int_equal(board_in(&B, 0x71, 1) & 0x90, 0x90);
	board_out(&B, 0xa0, 1, 0x60);
	board_out(&B, 0x20, 1, 0x62);
	F.irq_rc = -BH_EPERM;
	board_out(&B, 0x3f9, 1, 0x00); /* a new THRE edge on IRQ 4: raised, and refused */
	board_out(&B, 0x3f9, 1, 0x02);
	board_end(&B);
	assert_int_equal(F.nirq, 3);
	assert_int_equal(B.stats.irq_fail, 1);
	assert_int_equal(lines_with("BH_HC_DM_IRQ(0, 52, EXTINT) refused"), 1);
}

void test_board_log_mid_line(void **state)
{
	char big[400];

	fresh(true);
	board_out(&B, 0x3f8, 1, 'a');
	board_out(&B, 0x3f8, 1, 'b');
	board_log(&B, "note %d", 1);
	board_out(&B, 0x3f8, 1, 'c');
	board_out(&B, 0x3f8, 1, '\n');
	board_log(&B, "two");
	assert_string_equal(F.out, "ab\ndevmodel: note 1\nc\ndevmodel: two\n");
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	F.out_len = 0;
	board_log(&B, "%s", big);
	assert_int_equal(F.out_len, 191); /* cut to the line buffer */
	assert_int_equal(F.out[190], '\n');
	board_log_once(&B, SAID_RESYNC, "once");
	board_log_once(&B, SAID_RESYNC, "once");
	assert_int_equal(lines_with("once"), 1);
}

/* ---- the runtime's byte-oriented console read ---- */

/* lib/rt/args.c (linked with console.c) asks for it; never called here. */
const struct bh_partition_info *bh_info_page(void)
{
	static const struct bh_partition_info info;

	return &info;
}

static void c_signal(void *ctx, uint32_t id)
{
}

static long c_fallback(void *ctx, const void *buf, size_t len)
{
	return (long)len;
}

static uint64_t c_now(void *ctx)
{
	return 0;
}

static void c_sleep(void *ctx, uint64_t deadline)
{
}

void test_con_read_bytes(void **state)
{
	static const struct bh_con_ops ops = { c_signal, c_fallback, c_now, c_sleep, NULL };
	static const uint8_t type[16] = BH_CONSOLE_TYPE;
	static struct bh_con k, none;
	struct chan srv;
	uint8_t *mem = aligned_alloc(4096, 0x4000);
	char buf[16];

	assert_non_null(mem);
	assert_int_equal(bh_con_open(&k, mem, 0x4000, 7, &ops), 0);
	assert_int_equal(chan_attach(&srv, mem, 0x4000, CHAN_SERVER, type), 0);
	assert_int_equal(bh_con_read(&k, buf, sizeof(buf)), 0);
	assert_int_equal(bh_con_prepare_read_wait(&k), 0); /* sleep: the server will signal */
	bh_con_cancel_read_wait(&k);
	assert_int_equal(chan_send(&srv, "hello", 5), 0);
	assert_int_equal(chan_send(&srv, "\x1b[A\r", 4), 0); /* raw bytes, as typed */
	assert_int_equal(bh_con_prepare_read_wait(&k), 1);
	bh_con_cancel_read_wait(&k);
	assert_int_equal(bh_con_read(&k, buf, 3), 3);
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(bh_con_prepare_read_wait(&k), 1); /* "lo" is still here */
	bh_con_cancel_read_wait(&k);
	assert_int_equal(bh_con_read(&k, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "lo", 2);
	assert_int_equal(bh_con_read(&k, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "\x1b[A\r", 4);
	assert_int_equal(bh_con_read(&k, buf, 0), 0);
	assert_int_equal(bh_con_read(&k, buf, sizeof(buf)), 0);

	assert_int_equal(bh_con_open(&none, NULL, 0, 0, &ops), 0);
	assert_int_equal(bh_con_read(&none, buf, sizeof(buf)), -BH_ENOENT);
	assert_int_equal(bh_con_prepare_read_wait(&none), -BH_ENOENT);
	bh_con_cancel_read_wait(&none);
	free(mem);
}
