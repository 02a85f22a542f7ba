/* SPDX-License-Identifier: MIT */
/* console.h - the partition's console: stdout/stderr through its console channel (the
 * client end of include/bulkhead/console.h), the console hypercall as fallback, and typed
 * lines for the command partition. docs/console.md.
 *
 * Two layers. struct bh_con (console.c) is the protocol, with every side effect behind
 * struct bh_con_ops, so it runs on the host (tests/unit/test_console.c). The bh_console_*
 * functions (console-hc.c) are the one instance of a partition, over hypercalls.
 *
 * Writing (bh_con_write), in order:
 *  1. no channel: everything goes through the fallback (BH_HC_CONSOLE_WRITE);
 *  2. the channel is dead, corrupt, or our endpoint is no longer alive: it is laid out
 *     afresh first (what the old layout held unread is lost) and writing goes on in it;
 *  3. chunks of at most min(chan_send_max, BH_CONSOLE_MSG_MAX) bytes into ring 1;
 *  4. ring full, server attached and alive: signal it and wait for room as long as the
 *     server makes progress (output goes at the UART's pace); once it has taken nothing for
 *     BH_CON_ROOM_WAIT_NS, the rest goes through the fallback and later writes do not wait
 *     again until a send finds room ("stalled");
 *     ring full, server not attached yet (it has not started): no wait, the rest goes
 *     through the fallback while what is in the ring stays there for the server;
 *  5. the server is signalled when chan_need_notify() says it sleeps for it.
 * Bytes that took the fallback reach the operator before the ones still in the ring.
 *
 * The command partition also asks the server to attach the operator's UART to another
 * partition (bh_con_ask_attach, the CLI's "console <name>"); the server's answer comes on
 * ring 0 among the typed lines, and bh_con_read_line() sets it aside (bh_con_answer).
 */
#ifndef BH_RT_CONSOLE_H
#define BH_RT_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/console.h>
#include <bulkhead/partition.h>
#include "chan/chan.h"

#define BH_CON_ROOM_WAIT_NS 50000000ull /* 50 ms without progress: the server is stalled */

struct bh_con_ops {
	void (*signal)(void *ctx, uint32_t chan_id);                 /* BH_HC_SIGNAL */
	long (*fallback)(void *ctx, const void *buf, size_t len);    /* all of it, or < 0 */
	uint64_t (*now)(void *ctx);                                  /* ns */
	void (*sleep_until)(void *ctx, uint64_t deadline);           /* an event or deadline */
	void *ctx;
};

struct bh_con_stats {
	uint64_t chan_bytes;     /* bytes sent into the channel */
	uint64_t fallback_bytes; /* bytes that took the fallback */
	uint64_t layouts;        /* chan_init()s, the first included */
	uint64_t waits;          /* sleeps for room */
};

/* One console client. Fields are the console's own. */
struct bh_con {
	struct chan ch;
	uint8_t *mem;            /* NULL: no channel, fallback only */
	size_t size;
	uint32_t id;             /* channel id, for the signal */
	bool stalled;            /* a wait for room timed out; cleared by a send with room */
	uint32_t cons;           /* the server's consumer index when last waited for */
	const struct bh_con_ops *ops;
	char line[BH_CONSOLE_MSG_MAX]; /* bh_con_read_line's landing buffer */
	struct bh_con_stats stats;
	uint32_t in_off, in_len; /* bh_con_read: line[in_off, in_len) not taken yet */
	char asked[BH_NAME_MAX]; /* bh_con_ask_attach's name, "" if none */
	bool answered;           /* the server's answer to it came ... */
	int32_t answer;          /* ... with this status */
};

/* The index i of mem[] that is this partition's console channel as a client: the first
 * region with kind BH_MEM_KIND_CHANNEL, chan_type BH_CFG_CHAN_CONSOLE, peer_kind
 * BH_CFG_KIND_IOPART and a size that holds the console geometry; -1 if none, or if the
 * partition's command line has a "console" key (it serves consoles itself). */
int bh_con_find(const struct bh_partition_info *info);

/* Fallback only (mem NULL), or lays the channel at [mem, mem + size) out as the client and
 * attaches; ops must outlive k. → 0, or a chan_init()/chan_attach() error (k then falls
 * back for everything). */
int bh_con_open(struct bh_con *k, void *mem, size_t size, uint32_t chan_id,
		const struct bh_con_ops *ops);

/* Writes all len bytes, as above. → len, or the fallback's error when nothing went out. */
long bh_con_write(struct bh_con *k, const void *buf, size_t len);

/* The next typed line, without line end, cut to len bytes and NUL-terminated when shorter
 * than len. Never waits. → its length (> 0), 0 when none is there, -BH_ENOENT when there is
 * no channel. */
long bh_con_read_line(struct bh_con *k, char *buf, size_t len);

/* Command partition: asks the server to attach the operator's UART to partition name
 * (include/bulkhead/console.h, "Attached mode"): one control message into ring 1 after the
 * output already there, waiting for room as a write does; an earlier answer is forgotten.
 * → 0 asked, -BH_ENOENT no channel, -BH_EINVAL name empty or too long, -BH_EIO no server
 * attached (nobody would answer), or the channel's error. */
int bh_con_ask_attach(struct bh_con *k, const char *name);

/* The server's answer to the last bh_con_ask_attach(), if bh_con_read_line() has met it
 * on ring 0 (it takes answers off on its way to typed lines: call it to receive).
 * → 1 with *status (0: attached; -BH_E* why not), 0 none yet. */
int bh_con_answer(struct bh_con *k, int *status);

/* Typed bytes as they come (ring 0 messages of any length: the raw bytes of a partition the
 * operator is attached to), at most len of them; what does not fit stays for the next call.
 * Never waits. → bytes (> 0), 0 when none is there, -BH_ENOENT when there is no channel.
 * A partition reads its input either this way or by lines, not both. */
long bh_con_read(struct bh_con *k, void *buf, size_t len);

/* Before sleeping for typed input: tells the server to signal when some comes. → 0: sleep,
 * 1: do not (input is there), < 0: no usable channel (no signal will come). Call
 * bh_con_cancel_read_wait() after waking, whatever this returned. */
int bh_con_prepare_read_wait(struct bh_con *k);
void bh_con_cancel_read_wait(struct bh_con *k);

/* ---- The partition's console (console-hc.c) ---------------------------------------- */

/* start.c, before constructors and main: bh_con_find() on the info page, then
 * bh_con_open() on that channel, or the fallback only. */
void bh_console_init(const struct bh_partition_info *info);

/* For a partition that finds its console channel later (the ultravisor, once it has moved
 * itself): lays the channel out and uses it from now on. → as bh_con_open(). */
int bh_console_attach(void *mem, size_t size, uint32_t chan_id);

/* write(1|2): through the sink if one is set, else bh_con_write(). */
long bh_console_out(const void *buf, size_t len);

/* For the partition that serves consoles (the I/O partition): its own stdout/stderr go to
 * sink (which writes all of it or fails) instead; NULL restores the default. */
void bh_console_redirect(long (*sink)(const void *buf, size_t len));

/* Is the partition's console channel served (its I/O partition attached and alive)? */
bool bh_console_served(void);

/* The command partition's typed lines: as bh_con_read_line(). */
long bh_console_read_line(char *buf, size_t len);

/* The partition's typed bytes (a device model: its UART's receiver): as bh_con_read(),
 * bh_con_prepare_read_wait() and bh_con_cancel_read_wait(). */
long bh_console_read(void *buf, size_t len);
int bh_console_prepare_read_wait(void);
void bh_console_cancel_read_wait(void);

/* The command partition's "console <name>": as bh_con_ask_attach(), bh_con_answer(). */
int bh_console_ask_attach(const char *name);
int bh_console_answer(int *status);

#endif
