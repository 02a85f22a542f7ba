/* SPDX-License-Identifier: MIT */
/* uart.h - a 16550A UART as its guest sees it: a pure state machine, no clock, no I/O.
 *
 * PC16550D datasheet (National Semiconductor, "Register Description", tables 2-4):
 *
 *   reg  read (LCR.DLAB = 0)        write (LCR.DLAB = 0)    DLAB = 1
 *   0    RBR receive buffer         THR transmit holding    DLL divisor low
 *   1    IER interrupt enable       IER                     DLM divisor high
 *   2    IIR interrupt ident        FCR FIFO control        (IIR / FCR as with DLAB 0)
 *   3    LCR line control           LCR
 *   4    MCR modem control          MCR
 *   5    LSR line status            (factory test: ignored)
 *   6    MSR modem status           (ignored)
 *   7    SCR scratch                SCR
 *
 * The transmitter sends at once: THRE and TEMT are always set, a byte written to THR goes
 * to tx() (or, in loopback, into the receive FIFO) before the write returns, and the THRE
 * interrupt comes back right away. The modem inputs are DCD, DSR and CTS asserted (a line
 * that is always there); in loopback they are DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.
 * INTR reaches the PC's interrupt controller only through MCR.OUT2, as on every PC board,
 * and never in loopback (the output pins are then forced inactive).
 */
#ifndef DEVMODEL_UART_H
#define DEVMODEL_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ  4
#define UART_FIFO      16 /* bytes in the receive FIFO of a 16550A */

struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;      /* the last FCR value with the FIFOs on (bit 0), else 0 */
	uint8_t lsr_err;  /* LSR bits 1-4 (overrun, parity, framing, break): set until LSR is read */
	uint8_t msr;      /* MSR: inputs in bits 7:4, deltas in 3:0 (cleared by reading MSR) */
	bool thr_ipending; /* the THRE interrupt is pending (IIR 0x02) */
	bool pulse;       /* INTR fell and rose again inside an access (a THR write with THRE
			   * the only source): the board shows the 8259 both (uart_take_pulse) */
	uint8_t rx[UART_FIFO];
	unsigned rx_head, rx_count;
	void (*tx)(void *ctx, uint8_t byte); /* a transmitted byte, outside loopback */
	void *ctx;
	uint64_t tx_bytes, rx_bytes, overruns;
};

/* Power-on state: 115200 baud (divisor 1), 8N1, FIFOs off, interrupts off, MCR 0. */
void uart_init(struct uart *u, void (*tx)(void *ctx, uint8_t byte), void *ctx);

/* reg 0..7; the value is one byte. */
uint32_t uart_read(struct uart *u, unsigned reg);
void uart_write(struct uart *u, unsigned reg, uint32_t val);

/* The interrupt line as the 8259 sees it: an interrupt pending (IIR bit 0 clear), gated
 * by MCR.OUT2 and off in loopback. */
bool uart_irq(const struct uart *u);

/* Did the line pulse since the last call (see struct uart)? Clears the mark. */
bool uart_take_pulse(struct uart *u);

/* A byte arriving on the serial line (typed input). False, and nothing changes, when the
 * receiver cannot take it now: the FIFO (one byte with FIFOs off) is full, or the UART is
 * in loopback (its input pin is disconnected); the caller keeps it for later. */
bool uart_rx_push(struct uart *u, uint8_t byte);

#endif
