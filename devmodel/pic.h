/* SPDX-License-Identifier: MIT */
/* pic.h - the PC's two cascaded 8259A interrupt controllers and their ELCR: a pure state
 * machine. Intel 8259A datasheet ("Programmable Interrupt Controller", 1988: "Interrupt
 * Sequence", "Initialization Command Words", "Operation Command Words", "Edge and Level
 * Triggered Modes", "The Special Fully Nested Mode", "Cascading"); the ELCR as the PIIX/ICH
 * datasheets give it (ports 0x4d0/0x4d1, one bit per IRQ, 1 = level).
 *
 *   IRQ 0-7  -> master (0x20 command, 0x21 data) -> INTR -> the CPU (LINT0, ExtINT)
 *   IRQ 8-15 -> slave  (0xa0 command, 0xa1 data) -> INTR -> master IR2
 *
 * Device lines are levels (pic_set_irq); an edge-triggered input latches its IRR bit on a
 * rising edge and keeps it until the INTA that takes it, a level-triggered one (ELCR) follows
 * the line. pic_intack() is the CPU's INTA: the highest-priority request goes IRR -> ISR (not
 * with automatic EOI) and its vector comes back; none at all gives the spurious IR7 of the
 * chip that found nothing. The power-on state has every IRQ masked and vector base 0: an OS
 * programs both chips (ICW1..ICW4) before it unmasks anything.
 */
#ifndef DEVMODEL_PIC_H
#define DEVMODEL_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_CMD 0x20
#define PIC_SLAVE_CMD  0xa0
#define PIC_ELCR       0x4d0
#define PIC_CASCADE    2 /* the master's input that the slave drives */

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;        /* input levels as last set */
	uint8_t elcr, elcr_mask;
	uint8_t base;         /* ICW2: vector of IR0 */
	uint8_t init;         /* 0: operating; 1..3: the next data write is ICW2, ICW3, ICW4 */
	uint8_t prio_add;     /* the lowest-priority input + 1 (rotation), 0 = IR0 highest */
	bool icw4, single, aeoi, rotate_aeoi, sfnm, special_mask, read_isr, poll;
	bool programmed;      /* an ICW1..ICW2 sequence has set the vector base */
};

struct pic {
	struct pic_chip chip[2]; /* [0] master, [1] slave */
};

void pic_init(struct pic *p);

/* chip 0 or 1; port 0 (command: ICW1, OCW2, OCW3 / IRR, ISR, poll) or 1 (data: ICW2-4,
 * OCW1 / IMR). Values are one byte. */
uint32_t pic_read(struct pic *p, unsigned chip, unsigned port);
void pic_write(struct pic *p, unsigned chip, unsigned port, uint32_t val);
uint32_t pic_elcr_read(const struct pic *p, unsigned chip);
void pic_elcr_write(struct pic *p, unsigned chip, uint32_t val);

/* IRQ 0..15 (2 is the cascade: ignored). */
void pic_set_irq(struct pic *p, unsigned irq, bool level);

/* The master's INTR output. */
bool pic_intr(const struct pic *p);

/* The INTA cycle. → the vector; *irq = the IRQ (0..15) now in service, or -1 when nothing
 * went in service (automatic EOI, or a spurious IR7/IR15). */
uint8_t pic_intack(struct pic *p, int *irq);

/* Is IRQ 0..15 in service (its ISR bit set)? */
bool pic_in_service(const struct pic *p, unsigned irq);

/* Have both chips been given a vector base (ICW2) since power-on? */
bool pic_programmed(const struct pic *p);

#endif
