/* SPDX-License-Identifier: MIT */
/* uart.c - the 16550A of uart.h. PC16550D datasheet: "Register Description" (IER table 4,
 * IIR table 4 "Interrupt Control Functions" for the priority order, FCR, LCR, MCR with
 * "Loop", LSR, MSR); the THRE rule (pending when IER.ETBEI rises while THR is empty,
 * cleared by reading IIR when it is the source or by writing THR) as QEMU's and Bochs's
 * 16550 implement it, which Linux's 8250 driver relies on (its "THRE test" at start-up). */
#include "uart.h"

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmit holding register empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */

#define IIR_NONE    0x01
#define IIR_LINE    0x06 /* priority 1: overrun, parity, framing error or break */
#define IIR_DATA    0x04 /* priority 2: the FIFO holds its trigger level (or a byte, FIFOs off) */
#define IIR_TIMEOUT 0x0c /* priority 2: bytes below the trigger level (we do not wait 4 chars) */
#define IIR_THRE    0x02 /* priority 3 */
#define IIR_MODEM   0x00 /* priority 4 */
#define IIR_FIFOS   0xc0 /* FIFOs enabled (16550A) */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB     0x80
#define MCR_OUT2     0x08
#define MCR_LOOP     0x10
#define MCR_MASK     0x1f /* DTR RTS OUT1 OUT2 LOOP; bits 7:5 read 0 on a 16550A */
#define LSR_DR       0x01
#define LSR_OE       0x02
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define MSR_LINE_UP  0xb0 /* DCD, DSR, CTS: the modem inputs outside loopback */

static bool fifo_on(const struct uart *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned rx_trigger(const struct uart *u)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };

	return level[u->fcr >> 6];
}

static bool rx_put(struct uart *u, uint8_t b)
{
	if (u->rx_count >= (fifo_on(u) ? UART_FIFO : 1u))
		return false;
	u->rx[(u->rx_head + u->rx_count++) % UART_FIFO] = b;
	u->rx_bytes++;
	return true;
}

static uint8_t rx_get(struct uart *u)
{
	uint8_t b;

	if (!u->rx_count)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO;
	u->rx_count--;
	return b;
}

/* The modem inputs change: their deltas latch (MSR bits 3:0; TERI on RI's trailing edge). */
static void set_inputs(struct uart *u, uint8_t in)
{
	uint8_t old = u->msr & 0xf0, ch = old ^ in, d = 0;

	d |= ch & 0x10 ? 0x01 : 0;                 /* DCTS */
	d |= ch & 0x20 ? 0x02 : 0;                 /* DDSR */
	d |= (old & 0x40) && !(in & 0x40) ? 0x04 : 0; /* TERI */
	d |= ch & 0x80 ? 0x08 : 0;                 /* DDCD */
	u->msr = in | (u->msr & 0x0f) | d;
}

/* Loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
static uint8_t loop_inputs(uint8_t mcr)
{
	return (uint8_t)((mcr & 0x02) << 3 | (mcr & 0x01) << 5 | (mcr & 0x04) << 4 |
			 (mcr & 0x08) << 4);
}

/* The highest-priority pending interrupt (IIR bits 3:0). */
static uint8_t iir_id(const struct uart *u)
{
	if ((u->ier & IER_ELSI) && u->lsr_err)
		return IIR_LINE;
	if ((u->ier & IER_ERBFI) && u->rx_count)
		return !fifo_on(u) || u->rx_count >= rx_trigger(u) ? IIR_DATA : IIR_TIMEOUT;
	if ((u->ier & IER_ETBEI) && u->thr_ipending)
		return IIR_THRE;
	if ((u->ier & IER_EDSSI) && (u->msr & 0x0f))
		return IIR_MODEM;
	return IIR_NONE;
}

void uart_init(struct uart *u, void (*tx)(void *ctx, uint8_t byte), void *ctx)
{
	*u = (struct uart){ .dll = 1, .msr = MSR_LINE_UP, .tx = tx, .ctx = ctx };
}

uint32_t uart_read(struct uart *u, unsigned reg)
{
	uint8_t v;

	switch (reg & 7) {
	case RBR:
		return u->lcr & LCR_DLAB ? u->dll : rx_get(u);
	case IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case IIR:
		v = iir_id(u);
		if (v == IIR_THRE) /* reading IIR clears THRE when it is the source */
			u->thr_ipending = false;
		return v | (fifo_on(u) ? IIR_FIFOS : 0);
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		v = (u->rx_count ? LSR_DR : 0) | u->lsr_err | LSR_THRE | LSR_TEMT;
		u->lsr_err = 0;
		return v;
	case MSR:
		v = u->msr;
		u->msr &= 0xf0;
		return v;
	default:
		return u->scr;
	}
}

/* THR: out at once (or back into the receiver in loopback); THR is empty again. INTR went
 * low with THRE if nothing else held it up, and rises again with THRE: a pulse. */
static void transmit(struct uart *u, uint8_t b)
{
	bool low;

	u->thr_ipending = false;
	low = iir_id(u) == IIR_NONE;
	if (u->mcr & MCR_LOOP) {
		if (!rx_put(u, b)) {
			u->lsr_err |= LSR_OE;
			u->overruns++;
		}
	} else {
		u->tx_bytes++;
		if (u->tx)
			u->tx(u->ctx, b);
	}
	u->thr_ipending = true;
	u->pulse |= low && (u->ier & IER_ETBEI);
}

static void write_fcr(struct uart *u, uint8_t v)
{
	if ((v & FCR_ENABLE) != fifo_on(u) || (v & FCR_CLEAR_RX))
		u->rx_head = u->rx_count = 0; /* changing FCR0 clears both FIFOs */
	u->fcr = v & FCR_ENABLE ? v & 0xc9 : 0;
}

static void write_ier(struct uart *u, uint8_t v)
{
	uint8_t changed = (u->ier ^ v) & 0x0f;

	u->ier = v & 0x0f;
	if (changed & IER_ETBEI) /* THR is always empty: enabling THRE raises it */
		u->thr_ipending = u->ier & IER_ETBEI;
}

void uart_write(struct uart *u, unsigned reg, uint32_t val)
{
	uint8_t v = (uint8_t)val;

	switch (reg & 7) {
	case THR:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			transmit(u, v);
		break;
	case IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = v;
		else
			write_ier(u, v);
		break;
	case FCR:
		write_fcr(u, v);
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & MCR_MASK;
		set_inputs(u, u->mcr & MCR_LOOP ? loop_inputs(u->mcr) : MSR_LINE_UP);
		break;
	case SCR:
		u->scr = v;
		break;
	default: /* LSR, MSR: read-only */
		break;
	}
}

bool uart_irq(const struct uart *u)
{
	return (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2 && iir_id(u) != IIR_NONE;
}

bool uart_take_pulse(struct uart *u)
{
	bool p = u->pulse;

	u->pulse = false;
	return p;
}

bool uart_rx_push(struct uart *u, uint8_t byte)
{
	return !(u->mcr & MCR_LOOP) && rx_put(u, byte);
}
