/* SPDX-License-Identifier: MIT */
/* uart.c - polled 16550 (uart.h): port I/O with IN/OUT, the ports granted in the view.
 * Registers: PC16550D datasheet, "Register Description" (THR/RBR 0, IER 1, FCR 2, LCR 3,
 * MCR 4, LSR 5; DLL/DLM at 0/1 while LCR.DLAB is set). */
#include <bulkhead/errno.h>
#include "portio.h"
#include "uart.h"

enum { THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_DR     0x01   /* a received byte is waiting */
#define LSR_THRE   0x20   /* the transmit holding register is empty */
#define SPIN_LIMIT 100000 /* polls of LSR per byte: ~87 us per byte at 115200 is far less */

/* No device answers with all ones (an undriven bus): LSR bits 7 and 0-4 are never all set
 * together on a 16550 whose FIFOs are off, as they are at reset and before uart_init(). */
static bool answers(uint16_t base)
{
	return inb(base + LSR) != 0xff;
}

int uart_init(struct uart *u, uint16_t base)
{
	u->base = base;
	u->present = answers(base);
	if (!u->present)
		return -BH_EIO;
	outb(base + IER, 0x00);
	outb(base + LCR, 0x80); /* DLAB: divisor 1 = 115200 baud */
	outb(base + DLL, 0x01);
	outb(base + DLM, 0x00);
	outb(base + LCR, 0x03); /* 8N1 */
	outb(base + FCR, 0xc7); /* enable and clear FIFOs, 14-byte receive threshold */
	outb(base + MCR, 0x03); /* DTR | RTS */
	return 0;
}

void uart_putc(struct uart *u, uint8_t c)
{
	if (!u->present)
		return;
	for (int i = 0; i < SPIN_LIMIT && !(inb(u->base + LSR) & LSR_THRE); i++)
		__asm__ volatile("pause");
	outb(u->base + THR, c);
}

void uart_write(struct uart *u, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < n; i++)
		uart_putc(u, p[i]);
}

int uart_getc(struct uart *u)
{
	if (!u->present || !(inb(u->base + LSR) & LSR_DR))
		return -1;
	return inb(u->base + RBR);
}
