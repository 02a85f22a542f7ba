/* SPDX-License-Identifier: MIT */
/* console.h - the console protocol over a channel (ABI v1). Append only; docs/console.md.
 *
 * Every partition may have one console channel (chan_type[i] == BH_CFG_CHAN_CONSOLE in its
 * info page). Its server is the I/O partition that owns the operator's UART; its client is
 * the partition whose console it is:
 *
 *   client (any partition)                           server (I/O partition, "console=com1")
 *   lays the channel out: chan_init(type, geometry)
 *   attaches as BH_CHAN_CLIENT  ....................  attaches as BH_CHAN_SERVER once the
 *                                                     channel is READY and its own ep[] is
 *                                                     NONE (a fresh layout zeroed it)
 *   ring 1: output bytes, any chunking  ----------->  lines cut at '\n', shown on the UART
 *                                                     as "[peer_name] text\r\n"
 *   ring 0: typed lines, one message    <-----------  (to the command partition only)
 *           each, no line end
 *   ring 1 of the command partition: a control message (struct bh_console_ctl, ATTACH
 *           <name>)  ----------------------------->  attached mode: see below
 *   ring 0 of the command partition: its ANSWER <---
 *   ring 0 of the attached partition: raw typed bytes, 1..n per message, while attached
 *
 * Layout. The CLIENT lays the channel out with chan_init(mem, size, BH_CONSOLE_TYPE,
 * BH_CONSOLE_SLOT_SIZE, bh_console_slots(size)), when it starts and again whenever it finds
 * the channel dead, corrupt or its own endpoint no longer alive: a server that starts (or
 * restarts) later finds a READY channel and attaches. Whatever the old layout held and the
 * server had not read yet is lost with it. The server never lays a console channel out.
 *
 * Re-layout, as the server sees it: chan_init() zeroes the whole region, so the server's
 * own ep[BH_CHAN_SERVER].status turns NONE. The server attaches when state == READY and its
 * status is NONE, and attaches afresh whenever it finds its status is no longer what it
 * stored (it reads its own status word only as this hint, never to locate anything).
 *
 * Messages. Ring 1 (client -> server): output bytes in any chunking, 1..BH_CONSOLE_MSG_MAX
 * bytes per message; a line ends at '\n'; '\r' is ignored; bytes outside printable ASCII
 * (0x20..0x7e) and tab are shown as '?'. Ring 0 (server -> client): one typed line per
 * message, 1..BH_CONSOLE_LINE_MAX bytes of printable ASCII, no line end; the server sends
 * them only on the channel whose peer kind (info page, peer_kind[]) is BH_CFG_KIND_COMMAND
 * (and, to that channel, the answers to its control messages; to an attached partition's
 * channel, raw typed bytes: "Attached mode" below).
 *
 * Hostile peers. Both ends use lib/chan, whose rules hold (channel.h). Beyond them:
 *  - the server trusts nothing the client writes: a message longer than
 *    BH_CONSOLE_MSG_MAX or a corrupt channel gets the channel dropped (the server closes
 *    its end) until the client lays it out again; each poll drains a bounded number of bytes
 *    per channel, so a flooding client cannot starve the others; every shown byte is
 *    printable and every line carries the prefix of the channel it came from, taken from
 *    the info page (peer_name[]), never from the channel (except for the partition the
 *    operator attached to: its bytes go out as they are, below);
 *  - the client trusts nothing the server writes: ring 0 messages longer than
 *    BH_CONSOLE_MSG_MAX get the channel laid out afresh, lines are cut to the reader's
 *    buffer, and a server that stops reading costs the client at most ~50 ms per write
 *    before it falls back to the console hypercall.
 *
 * A partition whose command line has a "console" key (console=com1) serves console
 * channels and is never the client of one.
 *
 * Attached mode (the CLI's "console <name>", docs/console.md). The command partition asks
 * with a control message on ring 1 of its own console channel: one message of exactly
 * sizeof(struct bh_console_ctl) bytes that starts with BH_CONSOLE_CTL_LEAD, the magic and
 * op BH_CONSOLE_CTL_ATTACH (bh_console_is_ctl()). Console text never looks like that: the
 * CLI writes printable ASCII only, and ring 1 text shows NUL as '?'. The server honours it
 * only on the channel whose peer_kind is BH_CFG_KIND_COMMAND (from any other channel: not
 * shown, refused with a note, never answered) and only for a name that is the peer_name[]
 * of one of its own console channels, that channel attached and its client not the command
 * partition. It answers on ring 0 of the command partition's channel with the same
 * structure, op BH_CONSOLE_CTL_ANSWER, status 0 (attached) or:
 *   -BH_ENOENT  no console channel of that name here   -BH_EPERM  the command partition's own
 *   -BH_EIO     that channel is not up (not laid out,   -BH_EINVAL a malformed request (name
 *               or its client is down)                            not NUL-terminated, op)
 * Typed lines are printable ASCII, so an answer is never taken for one. While attached:
 *  - every byte typed on the UART but BH_CONSOLE_ESCAPE goes, as typed (no line
 *    discipline, no echo), to ring 0 of the attached channel in messages of 1..n bytes
 *    (n <= BH_CONSOLE_LINE_MAX); when that ring is full they are dropped and counted. The
 *    client reads them as the bytes of its terminal (a device model: its UART's receiver);
 *  - its ring 1 output is written to the UART as it comes, no prefix, no line assembly,
 *    '\n' without a '\r' before it as "\r\n", every other byte as sent;
 *  - the other channels are not read (their output waits in their rings; the server's own
 *    lines wait in a buffer) and no typed line goes to the command partition;
 *  - BH_CONSOLE_ESCAPE typed on the UART, the attached channel failing, or its client
 *    dying or laying it out again, ends it; the server says so in a line of its own.
 * Ring 0 of any channel but the command partition's carries nothing else, ever.
 */
#ifndef BULKHEAD_CONSOLE_H
#define BULKHEAD_CONSOLE_H

#include <bulkhead/channel.h>
#include <bulkhead/partition.h>

#define BH_CONSOLE_TYPE      "bh-console-v1\0\0\0" /* the channel's type: 16 bytes */
#define BH_CONSOLE_SLOT_SIZE 256u  /* bytes: 248 inline, so any typed line rides inline */
#define BH_CONSOLE_SLOTS_MAX 1024u /* slots per ring, at most */
#define BH_CONSOLE_LINE_MAX  200u  /* bytes of one typed line; longer output lines are cut */
#define BH_CONSOLE_MSG_MAX   4096u /* bytes of one message, either ring */
#define BH_CONSOLE_SIZE_MIN  0x4000u /* the smallest channel the configuration should give
				      * (chan_init() works from BH_CHAN_SIZE_MIN = 8 KiB) */

_Static_assert(BH_CONSOLE_LINE_MAX <= BH_CONSOLE_SLOT_SIZE - 8, "a typed line rides inline");

/* ---- Attached mode ---- */
#define BH_CONSOLE_ESCAPE    0x1d  /* Ctrl-]: typed on the UART, ends attached mode */
#define BH_CONSOLE_CTL_LEAD  0x00  /* first byte of a control message: never console text */
#define BH_CONSOLE_CTL_MAGIC "BHC" /* bytes 1..3 */

enum bh_console_ctl_op {
	BH_CONSOLE_CTL_ATTACH = 1, /* command -> server, ring 1: attach the UART to name */
	BH_CONSOLE_CTL_ANSWER = 2, /* server -> command, ring 0: status of the last ATTACH */
};

struct bh_console_ctl {
	uint8_t lead;              /* 0x00  BH_CONSOLE_CTL_LEAD */
	uint8_t magic[3];          /* 0x01  BH_CONSOLE_CTL_MAGIC, no NUL */
	uint8_t op;                /* 0x04  enum bh_console_ctl_op */
	uint8_t reserved_0x05[3];  /* zero */
	int32_t status;            /* 0x08  ANSWER: 0 attached, or -BH_E*; ATTACH: 0 */
	uint8_t reserved_0x0c[4];  /* zero */
	char    name[BH_NAME_MAX]; /* 0x10  the partition (a peer_name[]), NUL-terminated; in
				    *       the ANSWER, the name asked for */
};
BH_OFFSET(bh_console_ctl, op, 0x04);
BH_OFFSET(bh_console_ctl, status, 0x08);
BH_OFFSET(bh_console_ctl, name, 0x10);
BH_SIZE(bh_console_ctl, 0x30);
_Static_assert(sizeof(struct bh_console_ctl) <= BH_CONSOLE_SLOT_SIZE - 8, "inline");

/* Is the message msg[0..n) a control message (of any op)? Lead, magic and size only: the
 * receiver checks the rest. */
static inline int bh_console_is_ctl(const void *msg, uint64_t n)
{
	const uint8_t *m = (const uint8_t *)msg;

	return n == sizeof(struct bh_console_ctl) && m[0] == BH_CONSOLE_CTL_LEAD &&
	       m[1] == 'B' && m[2] == 'H' && m[3] == 'C';
}

/* Slots per ring for a channel of size bytes: the largest power of two, at most
 * BH_CONSOLE_SLOTS_MAX, whose two rings of BH_CONSOLE_SLOT_SIZE-byte slots fit after the
 * header page; 0 if none fit. 8 KiB -> 8, 16 KiB -> 16, 64 KiB -> 64, 1 MiB and up -> 1024. */
static inline uint32_t bh_console_slots(uint64_t size)
{
	uint64_t fit = size > BH_CHAN_HDR_SIZE ?
			       (size - BH_CHAN_HDR_SIZE) / (2 * BH_CONSOLE_SLOT_SIZE) : 0;
	uint32_t s = 1;

	if (!fit)
		return 0;
	while ((uint64_t)s * 2 <= fit && s * 2 <= BH_CONSOLE_SLOTS_MAX)
		s *= 2;
	return s;
}

#endif
