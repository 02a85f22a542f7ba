/* SPDX-License-Identifier: MIT */
/* console-line.h - the console's pure halves, no I/O (results go to callbacks), tested on
 * the host (tests/unit/test_console.c):
 *
 *   client bytes --> cline_feed --> emit(line)          one struct cline per channel
 *   typed bytes  --> ldisc_byte --> echo(bytes), line    one struct ldisc for the UART
 */
#ifndef IOPART_CONSOLE_LINE_H
#define IOPART_CONSOLE_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/console.h>

#define CLINE_MAX BH_CONSOLE_LINE_MAX /* characters of one shown line */
#define LDISC_MAX BH_CONSOLE_LINE_MAX /* bytes of one typed line */

typedef void (*cline_emit_fn)(void *ctx, const char *text, size_t len);
typedef void (*ldisc_echo_fn)(void *ctx, const char *bytes, size_t len);

/* ---- Output lines ----------------------------------------------------------------------
 * Bytes in any chunking become lines: '\n' ends one (an empty line too), '\r' is dropped,
 * every other byte outside printable ASCII and tab shows as '?' (NUL, escape sequences,
 * bytes >= 0x80: no client can move the cursor or spoof another prefix). A line that
 * reaches CLINE_MAX characters is emitted there and continues as a new line; so is a held
 * partial line that cline_flush() lets out, and a '\n' that comes right after either
 * ends nothing (no empty line is made of it). */
struct cline {
	char buf[CLINE_MAX];
	size_t len;
	bool cut; /* the last line was emitted without its '\n' */
};

void cline_reset(struct cline *l);
void cline_feed(struct cline *l, const void *bytes, size_t n, cline_emit_fn emit, void *ctx);
/* The held partial line, if any, out now. */
void cline_flush(struct cline *l, cline_emit_fn emit, void *ctx);
/* The character shown for byte b, or 0 for a byte that is dropped ('\r'). */
char cline_show(uint8_t b);

/* ---- Typed lines -----------------------------------------------------------------------
 * Printable ASCII is kept and echoed (tab as a blank); past LDISC_MAX bytes, refused with
 * a bell. Backspace (0x08) and DEL (0x7f) erase the last byte ("\b \b"), ^U (0x15) the
 * whole line. CR or LF ends the line (an LF right after a CR ends nothing) and echoes
 * "\r\n"; an empty line is not a line. Escape sequences (ESC, ESC [ ... final, ESC O x)
 * are swallowed whole, every other control byte and every byte >= 0x80 ignored. */
struct ldisc {
	char buf[LDISC_MAX];
	size_t len;
	uint8_t esc; /* 0, 1 after ESC, 2 inside ESC [ or ESC O */
	bool cr;     /* the last byte was CR */
	bool done;   /* buf holds a finished line; the next byte starts a new one */
};

void ldisc_reset(struct ldisc *l);
/* One typed byte. → the length of the line it ended (buf holds that line until the next
 * call), 0 otherwise. */
size_t ldisc_byte(struct ldisc *l, uint8_t b, ldisc_echo_fn echo, void *ctx);

#endif
