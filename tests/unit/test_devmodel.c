/* SPDX-License-Identifier: MIT */
/* test_devmodel.c - the device model's devices as Linux 6.1 drives them: the 16550A probe
 * (drivers/tty/serial/8250/8250_port.c: autoconfig, autoconfig_16550a, size_fifo, the THRE
 * test of serial8250_do_startup), the 8259A pair (arch/x86/kernel/i8259.c: probe_8259A,
 * init_8259A, mask_and_ack_8259A), the MC146818 (drivers/rtc/rtc-mc146818-lib.c) and PCI
 * mechanism #1 (arch/x86/pci/direct.c: pci_check_type1, pci_sanity_check). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "devmodel_test.h"
#include <bulkhead/errno.h>
#include "devmodel/pci.h"
#include "devmodel/pic.h"
#include "devmodel/rtc.h"
#include "devmodel/uart.h"

enum { RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, EFR = 2, LCR = 3, MCR = 4, LSR = 5,
       MSR = 6, SCR = 7 };

/* ---- 16550A ---- */

static char tx_buf[512];
static size_t tx_len;

static void tx(void *ctx, uint8_t b)
{
	if (tx_len < sizeof(tx_buf))
		tx_buf[tx_len++] = (char)b;
}

static struct uart *uart_fresh(void)
{
	static struct uart u;

	tx_len = 0;
	uart_init(&u, tx, NULL);
	return &u;
}

/* autoconfig()'s existence, loop and FIFO tests, then autoconfig_16550a(): it must end
 * at "16550A" with no variant matched. */
static void test_uart_linux_probe(void **state)
{
	struct uart *u = uart_fresh();
	uint8_t save_ier = (uint8_t)uart_read(u, IER), save_mcr, save_lcr, s1, s2;

	uart_write(u, IER, 0);
	assert_int_equal(uart_read(u, IER) & 0x0f, 0);
	uart_write(u, IER, 0x0f);
	assert_int_equal(uart_read(u, IER) & 0x0f, 0x0f);
	uart_write(u, IER, save_ier);
	save_mcr = (uint8_t)uart_read(u, MCR);
	save_lcr = (uint8_t)uart_read(u, LCR);
	uart_write(u, MCR, 0x10 | 0x0a); /* LOOP | RTS | OUT2 */
	assert_int_equal(uart_read(u, MSR) & 0xf0, 0x90);
	uart_write(u, MCR, save_mcr);
	uart_write(u, LCR, 0xbf);
	uart_write(u, EFR, 0);
	uart_write(u, LCR, 0);
	uart_write(u, FCR, 0x01);
	assert_int_equal(uart_read(u, IIR) >> 6, 3); /* 16550A */

	uart_write(u, LCR, 0x80); /* EFR with DLAB: ST16C650V1 only */
	assert_int_not_equal(uart_read(u, EFR), 0);
	uart_write(u, LCR, 0xbf); /* EFR with 0xbf: ST16C650V2, TI16C752 */
	assert_int_not_equal(uart_read(u, EFR), 0);
	uart_write(u, LCR, 0); /* National SuperIO: EXCR1 must not follow MCR.LOOP */
	s1 = (uint8_t)uart_read(u, MCR);
	uart_write(u, LCR, 0xe0);
	s2 = (uint8_t)uart_read(u, 2);
	assert_int_equal((s1 ^ s2) & 0x10, 0);
	uart_write(u, LCR, 0);
	uart_write(u, MCR, s1 ^ 0x10);
	uart_write(u, LCR, 0xe0);
	s2 = (uint8_t)uart_read(u, 2);
	uart_write(u, LCR, 0);
	uart_write(u, MCR, s1);
	assert_int_equal((s1 ^ s2) & 0x10, 0);
	uart_write(u, FCR, 0x21); /* TI16750: IIR bit 5 with a 64-byte FIFO */
	s1 = (uint8_t)(uart_read(u, IIR) >> 5);
	uart_write(u, FCR, 0x01);
	uart_write(u, LCR, 0x80);
	uart_write(u, FCR, 0x21);
	s2 = (uint8_t)(uart_read(u, IIR) >> 5);
	uart_write(u, FCR, 0x01);
	uart_write(u, LCR, 0);
	assert_int_equal(s1, 6);
	assert_int_equal(s2, 6);
	uart_write(u, IER, 0x40); /* XScale: IER bit 6 must not stick */
	assert_int_equal(uart_read(u, IER) & 0x40, 0);
	uart_write(u, LCR, save_lcr);
	assert_int_equal(tx_len, 0);
}

/* size_fifo(): 256 bytes written in loopback, 16 come back; nothing reaches the line. */
static void test_uart_size_fifo(void **state)
{
	struct uart *u = uart_fresh();
	int count;

	uart_write(u, FCR, 0x07);
	uart_write(u, MCR, 0x10);
	uart_write(u, LCR, 0x80);
	uart_write(u, 0, 1);
	uart_write(u, 1, 0);
	uart_write(u, LCR, 0x03);
	for (int i = 0; i < 256; i++)
		uart_write(u, THR, (uint32_t)i);
	for (count = 0; (uart_read(u, LSR) & 0x01) && count < 256; count++)
		assert_int_equal(uart_read(u, RBR), count);
	assert_int_equal(count, UART_FIFO);
	assert_int_equal(tx_len, 0);
	assert_int_equal(u->overruns, 256 - UART_FIFO);
	assert_false(uart_irq(u)); /* loopback: no interrupt reaches the PIC */
}

/* serial8250_do_startup's THRE test: THRE re-asserts each time IER.THRI is set again. */
static void test_uart_thre(void **state)
{
	struct uart *u = uart_fresh();

	uart_write(u, FCR, 0x01);
	uart_write(u, LCR, 0x03);
	uart_write(u, MCR, 0x0b); /* DTR RTS OUT2 */
	uart_write(u, IER, 0x02);
	assert_true(uart_irq(u));
	assert_int_equal(uart_read(u, IIR), 0xc2);
	assert_false(uart_irq(u)); /* reading IIR cleared it */
	assert_int_equal(uart_read(u, IIR), 0xc1);
	uart_write(u, IER, 0);
	uart_write(u, IER, 0x02);
	assert_int_equal(uart_read(u, IIR), 0xc2);
	assert_int_equal(uart_read(u, LSR) & 0x60, 0x60); /* THRE, TEMT */
	uart_write(u, THR, 'x');                            /* sent, and empty again */
	assert_true(uart_take_pulse(u));
	assert_false(uart_take_pulse(u));
	assert_int_equal(uart_read(u, IIR), 0xc2);
	assert_int_equal(tx_len, 1);
	assert_int_equal(tx_buf[0], 'x');
	assert_int_equal(u->tx_bytes, 1);
	uart_write(u, IER, 0x03); /* received data holds INTR up: a THR write is no pulse */
	assert_true(uart_rx_push(u, 'r'));
	uart_write(u, THR, 'y');
	assert_false(uart_take_pulse(u));
	assert_int_equal(uart_read(u, RBR), 'r');
	uart_write(u, IER, 0);
	assert_int_equal(uart_read(u, IIR), 0xc1);
	uart_write(u, THR, 'z'); /* THRE not enabled: INTR stays low */
	assert_false(uart_take_pulse(u));
	uart_write(u, MCR, 0x03); /* OUT2 off: the interrupt stays inside the UART */
	uart_write(u, IER, 0x02);
	assert_false(uart_irq(u));
	assert_int_equal(uart_read(u, IIR), 0xc2);
}

/* IIR priority: line status > received data > THRE > modem status. */
static void test_uart_iir_order(void **state)
{
	struct uart *u = uart_fresh();

	uart_write(u, FCR, 0xc1); /* FIFOs on, trigger 14 */
	uart_write(u, MCR, 0x08);
	uart_write(u, IER, 0x0f);
	assert_int_equal(uart_read(u, IIR), 0xc2); /* THRE (rose with ETBEI) */
	assert_true(uart_rx_push(u, 'a'));
	assert_int_equal(uart_read(u, IIR), 0xcc); /* below the trigger: timeout */
	for (int i = 1; i < 14; i++)
		assert_true(uart_rx_push(u, (uint8_t)('a' + i)));
	assert_int_equal(uart_read(u, IIR), 0xc4); /* trigger level */
	assert_int_equal(uart_read(u, LSR) & 0x01, 0x01);
	assert_true(uart_rx_push(u, 'o'));
	assert_true(uart_rx_push(u, 'p'));
	assert_false(uart_rx_push(u, 'q')); /* full: the caller keeps it */
	for (int i = 0; i < 16; i++)
		assert_int_equal(uart_read(u, RBR), 'a' + i);
	assert_int_equal(uart_read(u, LSR) & 0x01, 0);
	uart_write(u, THR, 'z');
	uart_write(u, MCR, 0x19); /* loopback, RTS off: CTS drops (DCTS) */
	for (int i = 0; i < 17; i++)
		uart_write(u, THR, (uint32_t)i); /* the 17th overruns */
	assert_int_equal(uart_read(u, IIR), 0xc6); /* line status first */
	assert_int_equal(uart_read(u, LSR) & 0x03, 0x03); /* OE, DR; reading clears OE */
	assert_int_equal(uart_read(u, IIR), 0xc4);
	for (int i = 0; i < 16; i++)
		uart_read(u, RBR);
	assert_int_equal(uart_read(u, IIR), 0xc2); /* THRE from the last write */
	assert_int_equal(uart_read(u, IIR), 0xc0); /* modem status: deltas pending */
	assert_int_equal(uart_read(u, MSR) & 0xf0, 0xa0); /* DCD (OUT2), DSR (DTR) */
	assert_int_equal(uart_read(u, IIR), 0xc1);
	assert_false(uart_rx_push(u, 'x')); /* the input pin is off in loopback */
}

static void test_uart_divisor(void **state)
{
	struct uart *u = uart_fresh();

	uart_write(u, IER, 0x05);
	uart_write(u, LCR, 0x83);
	assert_int_equal(uart_read(u, 0), 1); /* power-on divisor: 115200 baud */
	uart_write(u, 0, 0x0c);
	uart_write(u, 1, 0x02);
	assert_int_equal(uart_read(u, 0), 0x0c);
	assert_int_equal(uart_read(u, 1), 0x02);
	assert_int_equal(tx_len, 0); /* DLL, not THR */
	uart_write(u, LCR, 0x03);
	assert_int_equal(uart_read(u, IER), 0x05);
	assert_int_equal(uart_read(u, LCR), 0x03);
	uart_write(u, SCR, 0x5a);
	assert_int_equal(uart_read(u, SCR), 0x5a);
	uart_write(u, MCR, 0xff);
	assert_int_equal(uart_read(u, MCR), 0x1f);
	uart_write(u, FCR, 0x00); /* FIFOs off: one byte of receive buffer */
	uart_write(u, MCR, 0x08);
	assert_true(uart_rx_push(u, 'a'));
	assert_false(uart_rx_push(u, 'b'));
	assert_int_equal(uart_read(u, IIR), 0x04); /* no FIFO bits, data available */
}

/* ---- 8259A pair ---- */

static struct pic *pic_linux(void)
{
	static struct pic p;

	pic_init(&p);
	pic_write(&p, 1, 1, 0xff); /* probe_8259A */
	pic_write(&p, 0, 1, 0xfb);
	assert_int_equal(pic_read(&p, 0, 1), 0xfb);
	pic_write(&p, 0, 1, 0xff); /* init_8259A(0) */
	pic_write(&p, 0, 0, 0x11);
	pic_write(&p, 0, 1, 0x30);
	pic_write(&p, 0, 1, 0x04);
	pic_write(&p, 0, 1, 0x01);
	pic_write(&p, 1, 0, 0x11);
	pic_write(&p, 1, 1, 0x38);
	pic_write(&p, 1, 1, 0x02);
	pic_write(&p, 1, 1, 0x01);
	pic_write(&p, 0, 1, 0xfb);
	pic_write(&p, 1, 1, 0xff);
	assert_true(pic_programmed(&p));
	return &p;
}

static void unmask(struct pic *p, unsigned irq)
{
	pic_write(p, irq >> 3, 1, pic_read(p, irq >> 3, 1) & ~(1u << (irq & 7)));
}

/* mask_and_ack_8259A for an IRQ below 8 (specific EOI). */
static void linux_ack(struct pic *p, unsigned irq)
{
	if (irq >= 8) {
		pic_write(p, 1, 0, 0x60 + (irq & 7));
		pic_write(p, 0, 0, 0x60 + PIC_CASCADE);
	} else {
		pic_write(p, 0, 0, 0x60 + irq);
	}
}

static void test_pic_linux_init(void **state)
{
	struct pic *p = pic_linux();
	int irq;

	assert_false(pic_programmed(&(struct pic){ 0 }));
	pic_set_irq(p, 4, true);
	assert_false(pic_intr(p)); /* masked, but latched */
	assert_int_equal(pic_read(p, 0, 0), 0x10); /* IRR */
	unmask(p, 4);
	assert_true(pic_intr(p));
	assert_int_equal(pic_intack(p, &irq), 0x34);
	assert_int_equal(irq, 4);
	assert_false(pic_intr(p));
	assert_true(pic_in_service(p, 4));
	pic_write(p, 0, 0, 0x0b); /* OCW3: read ISR (i8259A_irq_real) */
	assert_int_equal(pic_read(p, 0, 0), 0x10);
	pic_write(p, 0, 0, 0x0a);
	assert_int_equal(pic_read(p, 0, 0), 0x00); /* IRR: taken */
	linux_ack(p, 4);
	assert_false(pic_in_service(p, 4));
	assert_false(pic_intr(p)); /* the line is still high: no new edge */
	pic_set_irq(p, 4, false);
	pic_set_irq(p, 4, true);
	assert_true(pic_intr(p));
	pic_write(p, 0, 0, 0x11); /* ICW1 again: IMR cleared, the request dropped */
	assert_int_equal(pic_read(p, 0, 1), 0);
	pic_write(p, 0, 1, 0x30);
	pic_write(p, 0, 1, 0x04);
	pic_write(p, 0, 1, 0x01);
	assert_false(pic_intr(p));
}

static void test_pic_priority(void **state)
{
	struct pic *p = pic_linux();
	int irq;

	pic_write(p, 0, 1, 0x00);
	pic_set_irq(p, 5, true);
	pic_set_irq(p, 3, true);
	assert_int_equal(pic_intack(p, &irq), 0x33);
	assert_false(pic_intr(p)); /* 5 waits for 3 */
	pic_set_irq(p, 1, true);
	assert_true(pic_intr(p)); /* 1 is higher: it nests */
	assert_int_equal(pic_intack(p, &irq), 0x31);
	pic_write(p, 0, 0, 0x20); /* non-specific EOI: the highest in service, 1 */
	assert_false(pic_in_service(p, 1));
	assert_true(pic_in_service(p, 3));
	assert_false(pic_intr(p));
	pic_write(p, 0, 0, 0x20);
	assert_true(pic_intr(p));
	pic_write(p, 0, 1, 0x20); /* masked after all */
	assert_false(pic_intr(p));
	pic_write(p, 0, 1, 0x00);
	pic_write(p, 0, 0, 0xc4); /* set priority: IR4 lowest, IR5 highest */
	pic_set_irq(p, 0, true);
	assert_int_equal(pic_intack(p, &irq), 0x35);
	pic_write(p, 0, 0, 0x65);
	assert_int_equal(pic_intack(p, &irq), 0x30);
	assert_int_equal(irq, 0);
}

static void test_pic_cascade(void **state)
{
	struct pic *p = pic_linux();
	int irq;

	pic_set_irq(p, 8, true);
	assert_false(pic_intr(p)); /* masked on the slave */
	unmask(p, 8);
	assert_true(pic_intr(p)); /* IR2 of the master is unmasked (0xfb) */
	assert_int_equal(pic_intack(p, &irq), 0x38);
	assert_int_equal(irq, 8);
	assert_true(pic_in_service(p, 8));
	assert_true(pic_in_service(p, PIC_CASCADE));
	pic_set_irq(p, 14, true);
	unmask(p, 14);
	assert_false(pic_intr(p)); /* lower than 8 on the slave */
	linux_ack(p, 8);
	assert_true(pic_intr(p));
	assert_int_equal(pic_intack(p, &irq), 0x3e);
	linux_ack(p, 14);
	pic_set_irq(p, 4, true);
	pic_set_irq(p, 9, true);
	unmask(p, 4);
	unmask(p, 9);
	assert_int_equal(pic_intack(p, &irq), 0x39); /* IR2 outranks IR4 */
	linux_ack(p, 9);
	assert_int_equal(pic_intack(p, &irq), 0x34);
}

static void test_pic_edge_level_elcr(void **state)
{
	struct pic *p = pic_linux();
	int irq;

	pic_write(p, 0, 1, 0x00);
	pic_elcr_write(p, 0, 0xff);
	assert_int_equal(pic_elcr_read(p, 0), 0xf8); /* IRQ 0-2 are edge for ever */
	pic_elcr_write(p, 1, 0xff);
	assert_int_equal(pic_elcr_read(p, 1), 0xde);
	pic_set_irq(p, 5, true); /* level */
	assert_int_equal(pic_intack(p, &irq), 0x35);
	pic_write(p, 0, 0, 0x65);
	assert_true(pic_intr(p)); /* still high: requests again */
	pic_set_irq(p, 5, false);
	assert_false(pic_intr(p));
	pic_set_irq(p, 1, true); /* edge: latched, stays latched after the line drops */
	pic_set_irq(p, 1, false);
	assert_int_equal(pic_intack(p, &irq), 0x31);
	pic_write(p, 0, 0, 0x61);
	assert_false(pic_intr(p));
}

static void test_pic_spurious_aeoi_poll(void **state)
{
	struct pic *p = pic_linux();
	int irq;

	assert_int_equal(pic_intack(p, &irq), 0x37); /* nothing: spurious IRQ 7 */
	assert_int_equal(irq, -1);
	assert_false(pic_in_service(p, 7));
	pic_elcr_write(p, 1, 0x02); /* IRQ 9 level: its request goes when the line does */
	unmask(p, 9);
	pic_set_irq(p, 9, true);
	pic_set_irq(p, 9, false); /* the master's IR2 edge stays latched */
	assert_true(pic_intr(p));
	assert_int_equal(pic_intack(p, &irq), 0x3f); /* spurious IRQ 15 */
	assert_int_equal(irq, -1);
	pic_write(p, 0, 0, 0x62);

	pic_write(p, 0, 0, 0x11); /* master in automatic EOI */
	pic_write(p, 0, 1, 0x30);
	pic_write(p, 0, 1, 0x04);
	pic_write(p, 0, 1, 0x03);
	pic_set_irq(p, 3, false);
	pic_set_irq(p, 3, true);
	assert_int_equal(pic_intack(p, &irq), 0x33);
	assert_int_equal(irq, -1);
	assert_false(pic_in_service(p, 3));

	pic_set_irq(p, 6, true);
	pic_write(p, 0, 0, 0x0c); /* OCW3 poll */
	assert_int_equal(pic_read(p, 0, 0), 0x86);
	pic_write(p, 0, 0, 0x0c);
	assert_int_equal(pic_read(p, 0, 0), 0x00);
}

/* ---- MC146818 ---- */

static void test_rtc_calendar(void **state)
{
	static const struct {
		int64_t sec;
		int64_t y;
		unsigned m, d, h, mi, s, wday;
	} k[] = {
		{ 0, 1970, 1, 1, 0, 0, 0, 4 },
		{ -1, 1969, 12, 31, 23, 59, 59, 3 },
		{ 946684799, 1999, 12, 31, 23, 59, 59, 5 },
		{ 951782400, 2000, 2, 29, 0, 0, 0, 2 },      /* 2000 is a leap year (400) */
		{ 1709164800, 2024, 2, 29, 0, 0, 0, 4 },
		{ 1709214330, 2024, 2, 29, 13, 45, 30, 4 },
		{ 4107542400, 2100, 3, 1, 0, 0, 0, 1 },      /* 2100 is not (100) */
	};
	struct rtc_date t;

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		rtc_date_of(k[i].sec, &t);
		assert_int_equal(t.year, k[i].y);
		assert_int_equal(t.month, k[i].m);
		assert_int_equal(t.day, k[i].d);
		assert_int_equal(t.hour, k[i].h);
		assert_int_equal(t.min, k[i].mi);
		assert_int_equal(t.sec, k[i].s);
		assert_int_equal(t.wday, k[i].wday);
	}
	for (int64_t day = -80000; day < 120000; day += 7) { /* 1751 .. 2298 */
		rtc_date_of(day * 86400 + 3661, &t);
		assert_int_equal(rtc_days_from_civil(t.year, t.month, t.day), day);
	}
	assert_int_equal(rtc_days_from_civil(2100, 2, 28) + 1, rtc_days_from_civil(2100, 3, 1));
	assert_int_equal(rtc_days_from_civil(2000, 2, 29) + 1, rtc_days_from_civil(2000, 3, 1));
}

static uint8_t cmos(struct rtc *r, unsigned idx)
{
	rtc_write(r, 0, idx | 0x80); /* NMI mask bit: ignored */
	return (uint8_t)rtc_read(r, 1);
}

static void cmos_set(struct rtc *r, unsigned idx, uint8_t v)
{
	rtc_write(r, 0, idx);
	rtc_write(r, 1, v);
}

#define T0 1000000000000ull /* the caller's clock at power-on: any value */

static void test_rtc_formats(void **state)
{
	struct rtc r;

	rtc_init(&r, 1709214330ll * NS_PER_SEC + 500000000, T0); /* 2024-02-29 13:45:30.5 */
	assert_int_equal(cmos(&r, 0x00), 0x30);
	assert_int_equal(cmos(&r, 0x02), 0x45);
	assert_int_equal(cmos(&r, 0x04), 0x13);
	assert_int_equal(cmos(&r, 0x06), 5); /* Thursday: 1 = Sunday */
	assert_int_equal(cmos(&r, 0x07), 0x29);
	assert_int_equal(cmos(&r, 0x08), 0x02);
	assert_int_equal(cmos(&r, 0x09), 0x24);
	assert_int_equal(cmos(&r, RTC_CENTURY), 0x20);
	assert_int_equal(cmos(&r, 0x0a), 0x26);
	assert_int_equal(cmos(&r, 0x0b), 0x02);
	assert_int_equal(cmos(&r, 0x0d), 0x80);
	assert_int_equal(rtc_read(&r, 0), 0xff);
	cmos_set(&r, 0x0b, 0x06); /* binary */
	assert_int_equal(cmos(&r, 0x00), 30);
	assert_int_equal(cmos(&r, 0x04), 13);
	assert_int_equal(cmos(&r, 0x09), 24);
	assert_int_equal(cmos(&r, RTC_CENTURY), 20);
	cmos_set(&r, 0x0b, 0x00); /* BCD, 12 hours */
	assert_int_equal(cmos(&r, 0x04), 0x81); /* 1 PM */
	cmos_set(&r, 0x0b, 0x04); /* binary, 12 hours */
	assert_int_equal(cmos(&r, 0x04), 0x81);
	rtc_advance(&r, T0 + 11 * 3600 * NS_PER_SEC); /* 00:45:30 on the 1st of March */
	assert_int_equal(cmos(&r, 0x04), 12);      /* midnight is 12 AM */
	assert_int_equal(cmos(&r, 0x07), 1);
	assert_int_equal(cmos(&r, 0x08), 3);
	rtc_advance(&r, T0 + 23 * 3600 * NS_PER_SEC); /* 12:45:30 */
	assert_int_equal(cmos(&r, 0x04), 0x80 | 12); /* noon is 12 PM */
}

/* mc146818_set_time(): SET, the registers, SET cleared; the clock goes on from there. */
static void test_rtc_set_time(void **state)
{
	struct rtc r;
	static const uint8_t regs[][2] = { { 0x00, 0x58 }, { 0x02, 0x59 }, { 0x04, 0x23 },
					   { 0x07, 0x31 }, { 0x08, 0x12 }, { 0x09, 0x31 } };

	rtc_init(&r, 0, T0);
	cmos_set(&r, 0x0b, 0x02 | 0x80 | 0x10);
	assert_int_equal(cmos(&r, 0x0b), 0x82); /* SET clears UIE */
	cmos_set(&r, 0x0a, 0x70);               /* divider in reset while setting */
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		cmos_set(&r, regs[i][0], regs[i][1]);
	rtc_advance(&r, T0 + 5 * NS_PER_SEC); /* SET: no updates */
	assert_int_equal(cmos(&r, 0x00), 0x58);
	cmos_set(&r, 0x0b, 0x12); /* SET off, UIE on */
	cmos_set(&r, 0x0a, 0x26);
	assert_int_equal(cmos(&r, 0x09), 0x31);
	assert_int_equal(cmos(&r, RTC_CENTURY), 0x20); /* 0x32 never written: "31" is 2031 */
	assert_int_equal(cmos(&r, 0x0c), 0x00);
	rtc_advance(&r, T0 + 7 * NS_PER_SEC); /* two seconds on: 2032-01-01 00:00:00 */
	assert_int_equal(cmos(&r, 0x00), 0x00);
	assert_int_equal(cmos(&r, 0x04), 0x00);
	assert_int_equal(cmos(&r, 0x07), 0x01);
	assert_int_equal(cmos(&r, 0x08), 0x01);
	assert_int_equal(cmos(&r, 0x09), 0x32);
	assert_int_equal(cmos(&r, 0x06), 5); /* a Thursday */
	assert_true(rtc_irq(&r));
	/* IRQF; PF and AF (not enabled: the alarm registers are 0, 00:00:00 matches); UF */
	assert_int_equal(cmos(&r, 0x0c), 0xf0);
	assert_false(rtc_irq(&r));
	assert_int_equal(cmos(&r, 0x0c), 0x00);
	cmos_set(&r, 0x08, 0x13); /* no month: the time stays */
	assert_int_equal(r.bad_sets, 1);
	assert_int_equal(cmos(&r, 0x08), 0x01);
	cmos_set(&r, 0x0c, 0xff); /* C and D are read-only */
	cmos_set(&r, 0x0d, 0x00);
	assert_int_equal(cmos(&r, 0x0d), 0x80);
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != RTC_CENTURY)
			cmos_set(&r, i, (uint8_t)(i ^ 0xa5));
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != RTC_CENTURY)
			assert_int_equal(cmos(&r, i), (uint8_t)(i ^ 0xa5));
	cmos_set(&r, 0x0a, 0xff);
	assert_int_equal(cmos(&r, 0x0a), 0x7f); /* UIP is read-only, and never set */
}

static void test_rtc_periodic_alarm(void **state)
{
	struct rtc r;
	uint64_t period = 976562; /* rate 6: 1024 Hz */

	rtc_init(&r, 59 * NS_PER_SEC + 900000000ll, T0); /* 00:00:59.9 */
	assert_int_equal(rtc_deadline(&r), 0);
	cmos_set(&r, 0x0b, 0x02 | 0x40); /* PIE */
	assert_int_equal(rtc_deadline(&r), T0 + period);
	rtc_advance(&r, T0 + period - 1);
	assert_false(rtc_irq(&r));
	rtc_advance(&r, T0 + period);
	assert_true(rtc_irq(&r));
	assert_int_equal(rtc_deadline(&r), 0); /* the line is up until C is read */
	assert_int_equal(cmos(&r, 0x0c), 0xc0);
	assert_int_equal(rtc_deadline(&r), T0 + 2 * period);
	cmos_set(&r, 0x0b, 0x02 | 0x20); /* AIE, alarm at hh:01:00, any hour */
	cmos_set(&r, 0x01, 0x00);
	cmos_set(&r, 0x03, 0x01);
	cmos_set(&r, 0x05, 0xc0);
	assert_int_equal(rtc_deadline(&r), T0 + 100000000); /* the next second */
	rtc_advance(&r, T0 + 100000000);
	assert_int_equal(cmos(&r, 0x02), 0x01);
	assert_int_equal(cmos(&r, 0x0c), 0xf0); /* IRQF AF, and PF UF (not enabled) */
	rtc_advance(&r, T0 + 1100000000);
	assert_false(rtc_irq(&r)); /* 00:01:01: no alarm */
	assert_int_equal(cmos(&r, 0x0c) & 0x20, 0);
}

/* ---- PCI mechanism #1 ---- */

static uint32_t cfg_in(struct pci_bus *b, unsigned bdf, unsigned reg, unsigned size)
{
	pci_io_write(b, 0, 4, 0x80000000u | bdf << 8 | (reg & 0xfc));
	return pci_io_read(b, 4 + (reg & 3), size);
}

static void cfg_out(struct pci_bus *b, unsigned bdf, unsigned reg, unsigned size, uint32_t v)
{
	pci_io_write(b, 0, 4, 0x80000000u | bdf << 8 | (reg & 0xfc));
	pci_io_write(b, 4 + (reg & 3), size, v);
}

static uint8_t fake_cfg[256];

static uint32_t fake_read(void *ctx, unsigned off, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)fake_cfg[off + i] << (8 * i);
	return v;
}

static void fake_write(void *ctx, unsigned off, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		fake_cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static void test_pci_config(void **state)
{
	struct pci_bus b;
	struct pci_fn f = { PCI_BDF(0, 3, 0), fake_read, fake_write, NULL };

	pci_init(&b);
	pci_io_write(&b, 3, 1, 0x01); /* pci_check_type1: a byte to 0xcfb is no address */
	assert_int_equal(pci_io_read(&b, 0, 4), 0);
	pci_io_write(&b, 0, 4, 0x80000000u);
	assert_int_equal(pci_io_read(&b, 0, 4), 0x80000000u);
	assert_int_equal(pci_io_read(&b, 1, 1), 0xff); /* 0xcf9: not the address */
	assert_int_equal(cfg_in(&b, 0, 0x00, 4), 0x12378086u);
	assert_int_equal(cfg_in(&b, 0, 0x0a, 2), 0x0600); /* PCI_CLASS_BRIDGE_HOST */
	assert_int_equal(cfg_in(&b, 0, 0x02, 2), 0x1237);
	assert_int_equal(cfg_in(&b, 0, 0x03, 1), 0x12);
	assert_int_equal(cfg_in(&b, 0, 0x0e, 1), 0x00); /* header type 0, one function */
	assert_int_equal(cfg_in(&b, 0, 0x08, 1), 0x02);
	cfg_out(&b, 0, 0x10, 4, 0xffffffffu); /* BAR sizing: none */
	assert_int_equal(cfg_in(&b, 0, 0x10, 4), 0);
	cfg_out(&b, 0, 0x04, 2, 0xffff);
	assert_int_equal(cfg_in(&b, 0, 0x04, 2), 0x0007);
	cfg_out(&b, 0, 0x04, 1, 0x02);
	assert_int_equal(cfg_in(&b, 0, 0x04, 4), 0x00000002u);
	cfg_out(&b, 0, 0x00, 4, 0);
	assert_int_equal(cfg_in(&b, 0, 0x00, 2), 0x8086);
	assert_int_equal(cfg_in(&b, 0, 0xfc, 4), 0);
	assert_int_equal(cfg_in(&b, PCI_BDF(0, 1, 0), 0, 4), 0xffffffffu); /* absent */
	assert_int_equal(cfg_in(&b, PCI_BDF(0, 0, 1), 0, 2), 0xffff);
	assert_int_equal(cfg_in(&b, PCI_BDF(1, 0, 0), 0, 1), 0xff);
	pci_io_write(&b, 0, 4, 0x00000000u); /* enable off */
	assert_int_equal(pci_io_read(&b, 4, 4), 0xffffffffu);
	pci_io_write(&b, 0, 4, 0x81000000u); /* register bits 11:8 (AMD): beyond 256 bytes */
	assert_int_equal(pci_io_read(&b, 4, 4), 0xffffffffu);
	pci_io_write(&b, 0, 4, 0x80000000u);
	assert_int_equal(pci_io_read(&b, 6, 4), 0xffffffffu); /* crosses the dword */

	assert_int_equal(pci_add(&b, &f), 0);
	assert_int_equal(pci_add(&b, &f), -BH_EEXIST);
	fake_write(NULL, 0, 4, 0x10001af4u);
	assert_int_equal(cfg_in(&b, PCI_BDF(0, 3, 0), 0x00, 4), 0x10001af4u);
	cfg_out(&b, PCI_BDF(0, 3, 0), 0x3d, 1, 0x01);
	assert_int_equal(fake_cfg[0x3d], 0x01);
	assert_int_equal(cfg_in(&b, PCI_BDF(0, 3, 0), 0x3c, 2), 0x0100);
	for (unsigned d = 4; d < 4 + PCI_FN_MAX - 2; d++)
		assert_int_equal(pci_add(&b, &(struct pci_fn){ PCI_BDF(0, d, 0), fake_read,
							       fake_write, NULL }), 0);
	assert_int_equal(pci_add(&b, &(struct pci_fn){ PCI_BDF(0, 31, 0), fake_read,
						       fake_write, NULL }), -BH_ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uart_linux_probe),
		cmocka_unit_test(test_uart_size_fifo),
		cmocka_unit_test(test_uart_thre),
		cmocka_unit_test(test_uart_iir_order),
		cmocka_unit_test(test_uart_divisor),
		cmocka_unit_test(test_pic_linux_init),
		cmocka_unit_test(test_pic_priority),
		cmocka_unit_test(test_pic_cascade),
		cmocka_unit_test(test_pic_edge_level_elcr),
		cmocka_unit_test(test_pic_spurious_aeoi_poll),
		cmocka_unit_test(test_rtc_calendar),
		cmocka_unit_test(test_rtc_formats),
		cmocka_unit_test(test_rtc_set_time),
		cmocka_unit_test(test_rtc_periodic_alarm),
		cmocka_unit_test(test_pci_config),
		DEVMODEL_RING_TESTS,
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
