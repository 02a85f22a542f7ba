/* SPDX-License-Identifier: MIT */
/* pic.c - the 8259A pair of pic.h. Intel 8259A datasheet: ICW1 (bit 4 set on the command
 * port: D0 IC4, D1 SNGL, D3 LTIM), ICW2 (T7-T3: vector base), ICW3 (cascade wiring: fixed
 * here), ICW4 (D1 AEOI, D4 SFNM); OCW1 (IMR); OCW2 (bits 4:3 = 00: R SL EOI in bits 7:5);
 * OCW3 (bits 4:3 = 01: D6-D5 special mask, D2 poll, D1-D0 read IRR/ISR). Priority resolution
 * follows "Fully Nested Mode" with the rotation of "Automatic Rotation" / "Specific
 * Rotation"; "Poll Command" reads 0x80 | level and acts as an INTA. */
#include "pic.h"

static int highest(const struct pic_chip *c, uint8_t mask)
{
	for (int pr = 0; pr < 8; pr++)
		if (mask & (1u << ((pr + c->prio_add) & 7)))
			return pr;
	return 8;
}

/* The input this chip would present at INTA, or -1. */
static int chip_pending(const struct pic_chip *c, bool master)
{
	uint8_t in_service = c->isr;
	int pr = highest(c, c->irr & ~c->imr), cur;

	if (pr == 8)
		return -1;
	if (master && c->sfnm) /* the slave's own requests may nest */
		in_service &= ~(1u << PIC_CASCADE);
	if (c->special_mask)
		in_service &= ~c->imr;
	cur = highest(c, in_service);
	return pr < cur ? (pr + c->prio_add) & 7 : -1;
}

static void chip_line(struct pic_chip *c, unsigned n, bool level)
{
	uint8_t m = 1u << n;

	if (c->elcr & m) {
		c->irr = level ? c->irr | m : c->irr & ~m;
	} else if (level && !(c->lines & m)) {
		c->irr |= m; /* a rising edge */
	}
	c->lines = level ? c->lines | m : c->lines & ~m;
}

/* The slave's INTR is the master's IR2. */
static void cascade(struct pic *p)
{
	chip_line(&p->chip[0], PIC_CASCADE, chip_pending(&p->chip[1], false) >= 0);
}

/* ICW1: the datasheet's initialization reset. The edge detectors are not re-armed (an input
 * held high must go low and high again); level inputs keep their request. */
static void chip_reset(struct pic_chip *c, uint8_t icw1)
{
	c->irr &= c->elcr;
	c->isr = c->imr = 0;
	c->prio_add = 0;
	c->aeoi = c->rotate_aeoi = c->sfnm = c->special_mask = c->read_isr = c->poll = false;
	c->icw4 = icw1 & 0x01;
	c->single = icw1 & 0x02;
	c->init = 1;
}

void pic_init(struct pic *p)
{
	*p = (struct pic){ 0 };
	for (unsigned i = 0; i < 2; i++) {
		p->chip[i].imr = 0xff;
		p->chip[i].elcr_mask = i ? 0xde : 0xf8; /* IRQ 0, 1, 2, 8, 13 are always edge */
	}
}

static void eoi(struct pic_chip *c, int irq, bool rotate)
{
	if (irq < 0) { /* non-specific: the highest in service */
		int pr = highest(c, c->isr);

		if (pr == 8)
			return;
		irq = (pr + c->prio_add) & 7;
	}
	c->isr &= ~(1u << irq);
	if (rotate)
		c->prio_add = (irq + 1) & 7;
}

static void write_ocw2(struct pic_chip *c, uint8_t v)
{
	switch (v >> 5) {
	case 0: /* rotate in automatic EOI mode: clear */
	case 4: /* set */
		c->rotate_aeoi = v >> 7;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		eoi(c, -1, v >> 7);
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		eoi(c, v & 7, v >> 7);
		break;
	case 6: /* set priority: v & 7 becomes the lowest */
		c->prio_add = (v + 1) & 7;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void write_cmd(struct pic_chip *c, uint8_t v)
{
	if (v & 0x10) {
		chip_reset(c, v);
	} else if (v & 0x08) { /* OCW3 */
		c->poll = v & 0x04;
		if (v & 0x02)
			c->read_isr = v & 0x01;
		if (v & 0x40)
			c->special_mask = v & 0x20;
	} else {
		write_ocw2(c, v);
	}
}

static void write_data(struct pic_chip *c, uint8_t v)
{
	switch (c->init) {
	case 1: /* ICW2 */
		c->base = v & 0xf8;
		c->programmed = true;
		c->init = c->single ? (c->icw4 ? 3 : 0) : 2;
		break;
	case 2: /* ICW3: the PC's wiring is fixed */
		c->init = c->icw4 ? 3 : 0;
		break;
	case 3: /* ICW4 */
		c->aeoi = v & 0x02;
		c->sfnm = v & 0x10;
		c->init = 0;
		break;
	default: /* OCW1 */
		c->imr = v;
		break;
	}
}

/* INTA on one chip: the input goes in service (not with AEOI), an edge request is taken. */
static void ack(struct pic_chip *c, int n)
{
	if (c->aeoi) {
		if (c->rotate_aeoi)
			c->prio_add = (n + 1) & 7;
	} else {
		c->isr |= 1u << n;
	}
	if (!(c->elcr & (1u << n)))
		c->irr &= ~(1u << n);
}

uint8_t pic_intack(struct pic *p, int *irq)
{
	struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int n = chip_pending(m, true), sn;
	uint8_t vec;

	*irq = -1;
	if (n < 0)
		return m->base + 7; /* spurious IRQ 7 */
	ack(m, n);
	if (n != PIC_CASCADE) {
		vec = m->base + n;
		*irq = m->aeoi ? -1 : n;
	} else if ((sn = chip_pending(s, false)) >= 0) {
		ack(s, sn);
		vec = s->base + sn;
		*irq = s->aeoi ? -1 : 8 + sn;
	} else {
		vec = s->base + 7; /* spurious IRQ 15 */
	}
	cascade(p);
	return vec;
}

/* The poll command: the read is an INTA of this chip alone. */
static uint8_t poll_read(struct pic *p, unsigned chip)
{
	struct pic_chip *c = &p->chip[chip];
	int n = chip_pending(c, chip == 0);

	c->poll = false;
	if (n < 0)
		return 0;
	ack(c, n);
	cascade(p);
	return 0x80 | n;
}

uint32_t pic_read(struct pic *p, unsigned chip, unsigned port)
{
	struct pic_chip *c = &p->chip[chip & 1];

	if (c->poll)
		return poll_read(p, chip & 1);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void pic_write(struct pic *p, unsigned chip, unsigned port, uint32_t val)
{
	struct pic_chip *c = &p->chip[chip & 1];

	if (port & 1)
		write_data(c, (uint8_t)val);
	else
		write_cmd(c, (uint8_t)val);
	cascade(p);
}

uint32_t pic_elcr_read(const struct pic *p, unsigned chip)
{
	return p->chip[chip & 1].elcr;
}

void pic_elcr_write(struct pic *p, unsigned chip, uint32_t val)
{
	struct pic_chip *c = &p->chip[chip & 1];

	c->elcr = (uint8_t)val & c->elcr_mask;
	c->irr = (c->irr & ~c->elcr) | (c->lines & c->elcr);
	cascade(p);
}

void pic_set_irq(struct pic *p, unsigned irq, bool level)
{
	if (irq > 15 || irq == PIC_CASCADE)
		return;
	chip_line(&p->chip[irq >> 3], irq & 7, level);
	cascade(p);
}

bool pic_intr(const struct pic *p)
{
	return chip_pending(&p->chip[0], true) >= 0;
}

bool pic_in_service(const struct pic *p, unsigned irq)
{
	return irq < 16 && (p->chip[irq >> 3].isr & (1u << (irq & 7)));
}

bool pic_programmed(const struct pic *p)
{
	return p->chip[0].programmed && p->chip[1].programmed;
}
