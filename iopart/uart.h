/* SPDX-License-Identifier: MIT */
/* uart.h - polled 16550 UART for the I/O partition (the monitor grants its ports in the
 * view): 115200 8N1, FIFOs on, no interrupts. Waits are bounded, so a missing or stuck
 * UART slows output down but never hangs the partition. */
#ifndef IOPART_UART_H
#define IOPART_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8

struct uart {
	uint16_t base;  /* first port */
	bool present;   /* its line status register answered: a UART is there */
};

/* Programs the UART at base: 115200 baud (divisor 1), 8N1, FIFOs enabled and cleared,
 * DTR | RTS, interrupts off. → 0, or -BH_EIO when no UART answers (its line status
 * register reads all ones): output is then dropped and input never comes. */
int uart_init(struct uart *u, uint16_t base);

/* One byte out, after waiting (bounded) for the transmit holding register (LSR bit 5). */
void uart_putc(struct uart *u, uint8_t c);

/* n bytes out as they are: no newline translation. */
void uart_write(struct uart *u, const void *buf, size_t n);

/* One byte received (LSR bit 0), or -1 when none is waiting. Never waits. */
int uart_getc(struct uart *u);

#endif
