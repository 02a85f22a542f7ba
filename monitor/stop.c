/* SPDX-License-Identifier: MIT */
/* stop.c - machine_stop: the one way tests end a run and report a status. */
#include "cmdline.h"
#include "log.h"
#include "serial.h"
#include "stop.h"
#include "x86.h"

#define QEMU_DEBUG_EXIT 0xf4   /* -device isa-debug-exit,iobase=0xf4,iosize=0x04 */
#define BOCHS_SHUTDOWN  0x8900 /* Bochs: the string "Shutdown" ends the simulation */

static void emulator_exit(enum stop_status status)
{
	outl(QEMU_DEBUG_EXIT, status);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN, (uint8_t)*s);
}

void machine_stop(enum stop_status status)
{
	irq_disable();
	log_raw(LOG_NOTICE, "bulkhead: stop status=%d", status);
	serial_drain(COM1);
	serial_drain(COM2);
	if (cmdline_test()[0])
		emulator_exit(status);
	cpu_halt_forever();
}

void stop_on_fault(void)
{
	if (cmdline_test()[0])
		machine_stop(STOP_FAULT);
	cpu_halt_forever();
}
