/* SPDX-License-Identifier: MIT */
/* stop.h - ending the machine (tests) or a CPU (production) with a status. */
#ifndef MONITOR_STOP_H
#define MONITOR_STOP_H

enum stop_status {
	STOP_OK       = 0, /* what the test asked for happened */
	STOP_FAIL     = 1, /* a test hook reports failure */
	STOP_BAD_BOOT = 2, /* boot information unusable */
	STOP_FAULT    = 3, /* the monitor took an exception */
};

/* Print "bulkhead: stop status=N" on both consoles and drain them. Under a test= command line
 * the emulator is then ended (QEMU isa-debug-exit at 0xf4: exit code (N << 1) | 1; Bochs:
 * "Shutdown" to port 0x8900); otherwise, or if that does not end it, this CPU halts. */
__attribute__((noreturn)) void machine_stop(enum stop_status status);

/* After an exception dump: the machine under test=, else only this CPU. */
__attribute__((noreturn)) void stop_on_fault(void);

#endif
