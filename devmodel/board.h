/* SPDX-License-Identifier: MIT */
/* board.h - the legacy PC platform a Linux guest probes, wired together: its port map, its
 * interrupt lines into the 8259 pair, the 8259's INTR to the monitor, the UART's bytes to
 * the console. Every side effect goes through struct dm_ops, so it runs on the host.
 *
 *   ports            device                       interrupt
 *   0x20-21 0xa0-a1  8259A pair (pic.c)           INTR -> ops->irq (vCPU 0, ExtINT)
 *   0x4d0-4d1        ELCR (pic.c)
 *   0x70-71          MC146818 RTC/CMOS (rtc.c)    IRQ 8
 *   0x3f8-3ff        16550A COM1 (uart.c)         IRQ 4
 *   0xcf8, 0xcfc-cff PCI mechanism #1 (pci.c)
 *   0x61             NMI status / speaker: bits 3:0 kept, OUT2 (0x20) always high,
 *                    refresh (0x10) toggling, SERR/IOCHK (0xc0) never set
 *   quiet            PIT, i8042, DMA, POST, VGA, COM2-4, Super I/O, 0xf4 (QEMU's debug exit):
 *                    reads all ones, writes dropped, nothing said
 *   anything else    the same, and one "devmodel: " line per 16-port block the first time
 *
 * A device's register file is 8 bits wide: a 16- or 32-bit access to it is split into byte
 * accesses, lowest port first, as the ISA bus does. The PCI data port takes all three.
 *
 * Interrupts. After each access the device lines go to the 8259s. At the end of a pass
 * (board_end) the 8259's INTR goes to the monitor: when it is high, the model does the INTA
 * there and then (IRR -> ISR, as the CPU would at once) and raises the vector with
 * ops->irq(vector); the monitor holds it until the guest can take it. The model cannot see
 * when the guest takes it, so it raises no other vector until that one is out of service
 * (the guest's EOI: Linux's i8259 code acknowledges at the start of each handler), lest a
 * second overwrite the first. A guest that programs the 8259 holding it again (ICW1) while
 * its vector is held gets it withdrawn (ops->irq(0)). With automatic EOI nothing stays in
 * service to show that the vector was taken: each INTR is raised as it comes (one may
 * replace another that was not taken yet; Linux does not use AEOI).
 */
#ifndef DEVMODEL_BOARD_H
#define DEVMODEL_BOARD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pci.h"
#include "pic.h"
#include "rtc.h"
#include "uart.h"
#include "virtio-pci.h"

#define BOARD_OUT_MAX     256 /* console bytes batched before a write */
#define BOARD_OUT_HOLD_NS 20000000ull /* a partial line goes out once the guest wrote
				       * nothing for this long (or the batch is full), so
				       * that the console shows it whole beside others */
#define BOARD_UNKNOWN_LOG 16  /* unknown port blocks named, then one line says no more */
#define BOARD_VIRTIO_MAX  2   /* virtio functions on bus 0 */
#define BOARD_VIRTIO_LOG  16  /* virtio diagnostics said, then no more */

struct dm_ops {
	long (*answer)(void *ctx, uint32_t vcpu, uint32_t value, uint32_t seq); /* DM_ANSWER */
	long (*irq)(void *ctx, uint32_t vector); /* BH_HC_DM_IRQ(0, vector, EXTINT); 0 = withdraw */
	void (*out)(void *ctx, const void *buf, size_t len); /* the console: all of it */
	long (*msi)(void *ctx, uint32_t vcpu, uint32_t vector); /* BH_HC_DM_IRQ(vcpu, v, FIXED) */
	void *ctx;
};

/* Diagnostics given once each (board_log_once). */
enum board_said {
	SAID_BAD_BASE = 1u << 0,  /* INTR with a vector base below 16 */
	SAID_IRQ_FAIL = 1u << 1,  /* BH_HC_DM_IRQ refused */
	SAID_UNKNOWN  = 1u << 2,  /* more unknown ports than BOARD_UNKNOWN_LOG */
	SAID_BAD_SIZE = 1u << 3,  /* ring: a size other than 1, 2, 4 */
	SAID_BAD_VCPU = 1u << 4,  /* ring: a vCPU index out of range */
	SAID_BAD_SEQ  = 1u << 5,  /* ring: seq is not the request's number */
	SAID_RESYNC   = 1u << 6,  /* ring: prod - cons beyond the ring */
	SAID_MAGIC    = 1u << 7,  /* ring: header without BH_IOREQ_MAGIC / BH_IOREQ_SLOTS */
	SAID_ANSWER   = 1u << 8,  /* BH_HC_DM_ANSWER refused */
};

struct board_stats {
	uint64_t unknown;   /* byte accesses to ports no device claims (quiet ones not counted) */
	uint64_t raised;    /* vectors given to the monitor */
	uint64_t withdrawn;
	uint64_t irq_fail;  /* ops->irq refused */
	uint64_t bad_base;  /* INTR high while the 8259 has a vector base below 16 */
};

struct board {
	struct uart uart;
	struct pic pic;
	struct rtc rtc;
	struct pci_bus pci;
	uint8_t port61;
	bool refresh;            /* port 0x61 bit 4 */
	uint16_t pm1_en;         /* ACPI PM1a enable register, as the guest wrote it */
	bool test_crash;         /* "test-crash" on the command line: BOARD_TEST_PORT kills it */
	uint8_t pic_reset;       /* bit n: chip n got an ICW1 since the last board_end() */
	int held;                /* the IRQ whose vector was raised and is still in service, or -1 */
	uint8_t held_vector;
	const struct dm_ops *ops;
	char out[BOARD_OUT_MAX];
	size_t out_len;
	uint64_t out_at;         /* the clock when the batch's last byte came */
	uint64_t now;            /* the clock of this pass (board_begin) */
	bool mid_line;           /* the console's last byte was not '\n' */
	uint8_t seen[0x10000 / 16 / 8]; /* unknown 16-port blocks already named */
	unsigned unknown_named;
	unsigned said;           /* enum board_said: diagnostics given */
	struct board_stats stats;
	struct vpci *virtio[BOARD_VIRTIO_MAX]; /* their I/O BARs claim ports before the table */
	unsigned nvirtio;
	uint16_t intx;           /* bit n: a virtio function holds 8259 line n high (level) */
	unsigned virtio_said;
	struct vpci_ops vpci_ops; /* what the functions call: MSI, INTx, log */
};

/* A virtio function on bus 0 (its configuration space, I/O BAR and INTx line); its ops
 * must be &b->vpci_ops. → 0, -BH_ENOSPC, -BH_EEXIST. */
int board_add_virtio(struct board *b, struct vpci *v);

/* Power-on: the RTC at wall_ns (ns since 1970 UTC) at the caller's clock `now`. */
/* Tests only (devmodel command line "test-crash"): the guest writing BOARD_TEST_CRASH to
 * this port makes the device model fault (ud2), as a device-model bug would; without the
 * option the port is as quiet as any other. */
#define BOARD_TEST_PORT  0x5e0
#define BOARD_TEST_CRASH 0xde

void board_init(struct board *b, const struct dm_ops *ops, int64_t wall_ns, uint64_t now);

/* A guest access: port, size 1, 2 or 4 (checked by the caller), value in the low bytes. */
uint32_t board_in(struct board *b, uint16_t port, unsigned size);
void board_out(struct board *b, uint16_t port, unsigned size, uint32_t val);

/* Start of a pass: the clock moves to now (RTC updates and flags). */
void board_begin(struct board *b, uint64_t now);
/* End of a pass: the console batch goes out (a partial line once the guest has written
 * nothing for BOARD_OUT_HOLD_NS), the 8259's INTR goes to the monitor. */
void board_end(struct board *b);

/* A typed byte for the UART's receiver; false when it cannot take it now (keep it). */
bool board_rx(struct board *b, uint8_t byte);

/* The next time (the caller's clock) a pass is due for a device timer, 0 = none. */
uint64_t board_deadline(const struct board *b);

/* One "devmodel: " line on the console, after what the guest wrote so far. */
void board_log(struct board *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, the first time only for each `once` (enum board_said). */
void board_log_once(struct board *b, unsigned once, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
