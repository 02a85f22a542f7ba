/* SPDX-License-Identifier: MIT */
/* console.h - the operator console in the I/O partition that owns the UART: the server
 * end of every console channel (include/bulkhead/console.h) in its info page, one line
 * prefix per partition, typed lines to the command partition. docs/console.md.
 *
 *   console channel (client i) --ring 1--> cline[i] --"[peer_name] line\r\n"--+--> UART
 *   console_own() (this partition's own output) --> cline --"[name] line"-----+
 *   UART --> ldisc (echo to the UART) --line--> ring 0 of the channel whose peer is the
 *                                               command partition
 *
 * Attached mode (console-attach.c, the CLI's "console <name>"): asked for by a control
 * message from the command partition's channel; the UART's bytes go raw to the named
 * partition's ring 0, its ring 1 raw to the UART, everything else waits; Ctrl-] ends it.
 *
 * The main loop of the I/O partition (iopart/main.c) drives it:
 *
 *   console_init(info, &uart);                 once, the UART already initialized
 *   bh_console_redirect(console_own);          its own stdout/stderr, prefixed too
 *   for (;;) {
 *           console_poll();
 *           ... other work ...
 *           if (console_prepare_wait() == 0) { timer in CONSOLE_POLL_MS; bh_wait(); }
 *           console_cancel_wait();
 *   }
 * The UART raises no event (polled): the loop must come back at least every
 * CONSOLE_POLL_MS while it sleeps, for typed bytes, for clients that lay their channel out
 * (they signal, but a signal to a partition not yet running is lost) and for held partial
 * lines. Everything runs on one vCPU; nothing here sleeps or blocks beyond UART output.
 */
#ifndef IOPART_CONSOLE_H
#define IOPART_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/partition.h>
#include "uart.h"

#define CONSOLE_POLL_MS     10   /* how often the main loop should poll, at most */
#define CONSOLE_DRAIN_BYTES 512  /* bytes taken from one channel per poll, about */
#define CONSOLE_INPUT_BYTES 64   /* typed bytes taken from the UART per poll */
#define CONSOLE_NOTES_MAX   4    /* notes about one channel, then silence */
#define CONSOLE_HOLD_BYTES  2048 /* attached mode: our own lines kept for its end */

/* Finds every console channel of info (kind BH_MEM_KIND_CHANNEL, chan_type
 * BH_CFG_CHAN_CONSOLE) and serves them all; own prefix info->name. Attaches to none yet
 * (console_poll does). u must outlive the console. → the number of channels found. */
int console_init(const struct bh_partition_info *info, struct uart *u);

/* One round: typed bytes (at most CONSOLE_INPUT_BYTES), then every channel, starting one
 * further each round: attach when the client laid it out, re-attach when it laid it out
 * again, drain at most about CONSOLE_DRAIN_BYTES into lines, show a held partial line when
 * this round brought nothing more for it, drop (with a note) a channel that breaks the
 * protocol; after a client's death what it sent is shown and its channel waits for the
 * next layout. Bounded: no client can keep it longer than its share. In attached mode
 * only the attached channel is drained (raw); the others are attached and re-attached but
 * not read. */
void console_poll(void);

/* This partition's own output, lines prefixed with its own name; any chunking, like a
 * client's. → n. Fits bh_console_redirect(). */
long console_own(const void *text, size_t n);

/* Before sleeping: announce the wait on every attached channel that is read (in attached
 * mode, the attached one only). → 0: sleep (a client's signal wakes us), 1: do not sleep,
 * a channel already has something. */
int console_prepare_wait(void);
void console_cancel_wait(void);

/* The signal to a client (BH_HC_SIGNAL), console-hc.c; the host tests bring their own. */
void console_signal(uint32_t chan_id);

#endif
