/* SPDX-License-Identifier: MIT */
/* serial.c - polled 16550 driver (115200 8N1, FIFOs on). Receive only for the operator
 * console's interim path (BH_HC_CONSOLE_READ) until an I/O partition owns COM1. Waits are
 * bounded so a missing UART never hangs the CPU. */
#include "serial.h"
#include "x86.h"

enum { THR = 0, RBR = 0, IER = 1, DLL = 0, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_DR     0x01
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define SPIN_LIMIT 100000

void serial_init(uint16_t port)
{
	outb(port + IER, 0x00);
	outb(port + LCR, 0x80); /* DLAB: divisor 1 = 115200 baud */
	outb(port + DLL, 0x01);
	outb(port + DLM, 0x00);
	outb(port + LCR, 0x03); /* 8N1 */
	outb(port + FCR, 0xc7); /* enable and clear FIFOs, 14-byte threshold */
	outb(port + MCR, 0x03); /* DTR | RTS */
}

static void wait_lsr(uint16_t port, uint8_t bit)
{
	for (int i = 0; i < SPIN_LIMIT && !(inb(port + LSR) & bit); i++)
		cpu_relax();
}

static void put(uint16_t port, char c)
{
	wait_lsr(port, LSR_THRE);
	outb(port + THR, (uint8_t)c);
}

void serial_write(uint16_t port, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put(port, '\r');
		put(port, s[i]);
	}
}

void serial_drain(uint16_t port)
{
	wait_lsr(port, LSR_TEMT);
}

size_t serial_read(uint16_t port, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n && (inb(port + LSR) & LSR_DR))
		buf[got++] = (char)inb(port + RBR);
	return got;
}
