/* SPDX-License-Identifier: MIT */
/* pic.c - silence the legacy 8259 PICs: firmware leaves them mapping IRQ 0-7 onto vectors
 * 8-15, where the PIT tick would look like a #DF. Remap them out of the exception range
 * (to 0x20-0x2f), then mask every line; the monitor uses only the local APIC. */
#include "pic.h"
#include "x86.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1

void pic_disable(void)
{
	static const uint8_t init[][2] = {
		{ PIC1_CMD, 0x11 }, { PIC2_CMD, 0x11 },   /* ICW1: edge, cascade, ICW4 */
		{ PIC1_DATA, 0x20 }, { PIC2_DATA, 0x28 }, /* ICW2: vector bases */
		{ PIC1_DATA, 0x04 }, { PIC2_DATA, 0x02 }, /* ICW3: slave on IRQ 2 */
		{ PIC1_DATA, 0x01 }, { PIC2_DATA, 0x01 }, /* ICW4: 8086 mode */
		{ PIC1_DATA, 0xff }, { PIC2_DATA, 0xff }, /* OCW1: mask all */
	};

	for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		outb(init[i][0], init[i][1]);
}
