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
 * them only on the channel whose peer kind (info page, peer_kind[]) is BH_CFG_KIND_COMMAND.
 *
 * Hostile peers. Both ends use lib/chan, whose rules hold (channel.h). Beyond them:
 *  - the server trusts nothing the client writes: a message longer than
 *    BH_CONSOLE_MSG_MAX or a corrupt channel gets the channel dropped (the server closes
 *    its end) until the client lays it out again; each poll drains a bounded number of bytes
 *    per channel, so a flooding client cannot starve the others; every shown byte is
 *    printable and every line carries the prefix of the channel it came from, taken from
 *    the info page (peer_name[]), never from the channel;
 *  - the client trusts nothing the server writes: ring 0 messages longer than
 *    BH_CONSOLE_MSG_MAX get the channel laid out afresh, lines are cut to the reader's
 *    buffer, and a server that stops reading costs the client at most ~50 ms per write
 *    before it falls back to the console hypercall.
 *
 * A partition whose command line has a "console" key (console=com1) serves console
 * channels and is never the client of one.
 */
#ifndef BULKHEAD_CONSOLE_H
#define BULKHEAD_CONSOLE_H

#include <bulkhead/channel.h>

#define BH_CONSOLE_TYPE      "bh-console-v1\0\0\0" /* the channel's type: 16 bytes */
#define BH_CONSOLE_SLOT_SIZE 256u  /* bytes: 248 inline, so any typed line rides inline */
#define BH_CONSOLE_SLOTS_MAX 1024u /* slots per ring, at most */
#define BH_CONSOLE_LINE_MAX  200u  /* bytes of one typed line; longer output lines are cut */
#define BH_CONSOLE_MSG_MAX   4096u /* bytes of one message, either ring */
#define BH_CONSOLE_SIZE_MIN  0x4000u /* the smallest channel the configuration should give
				      * (chan_init() works from BH_CHAN_SIZE_MIN = 8 KiB) */

_Static_assert(BH_CONSOLE_LINE_MAX <= BH_CONSOLE_SLOT_SIZE - 8, "a typed line rides inline");

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
