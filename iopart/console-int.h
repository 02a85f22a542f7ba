/* SPDX-License-Identifier: MIT */
/* console-int.h - what the console mux's own files share (console.h is the interface):
 * console.c (line mode: the mux, typed lines to the CLI) and console-attach.c (attached
 * mode: the UART given to one partition, include/bulkhead/console.h "Attached mode").
 *
 *   line mode --ATTACH from the command partition's channel (attach_ctl)--> attached
 *   attached  --Ctrl-] typed, or the attached channel down (attach_end)--> line mode
 */
#ifndef IOPART_CONSOLE_INT_H
#define IOPART_CONSOLE_INT_H

#include <stdbool.h>
#include <bulkhead/config.h>
#include <bulkhead/console.h>
#include "chan/chan.h"
#include "console-line.h"
#include "console.h"

enum cc_state {
	CC_WAIT = 0, /* not attached: the client has not laid it out (again) yet */
	CC_UP,       /* attached */
};

struct cchan {
	uint8_t *mem;
	size_t size;
	uint32_t id;
	uint8_t kind;            /* peer_kind: who the client is */
	char name[BH_NAME_MAX];  /* peer_name, printable */
	enum cc_state st;
	unsigned notes;          /* notes shown about it, at most CONSOLE_NOTES_MAX */
	unsigned fails;          /* attach failures in a row */
	bool fresh;              /* not attached since console_init(): see cc_attach() */
	struct chan ch;
	struct cline line;
};

/* Attached mode's state (console-attach.c); att NULL in line mode. */
struct attached {
	struct cchan *att;       /* the channel the UART is attached to */
	uint64_t dropped;        /* typed bytes its full ring 0 did not take */
	bool cr;                 /* the last byte it showed was '\r' */
	bool bol;                /* the UART's cursor is at the start of a line */
	uint8_t keys[CONSOLE_INPUT_BYTES]; /* typed this round, not sent yet */
	size_t nkeys;
	char hold[CONSOLE_HOLD_BYTES];     /* lines of others shown at the end ... */
	size_t nhold;
	unsigned lost;                     /* ... and those that did not fit */
};

extern struct console {
	struct uart *u;
	char name[BH_NAME_MAX];  /* our own prefix */
	struct cchan c[BH_INFO_MEM_MAX];
	unsigned n;
	unsigned next;           /* the channel served first in the next round */
	struct cline own;
	bool own_fresh;          /* own output came since the last round */
	struct ldisc in;
	struct attached a;
	uint8_t msg[BH_CONSOLE_MSG_MAX];
} con;

/* console.c */
void con_put(const void *s, size_t n);   /* to the UART as it is */
void con_line(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* own line */
void con_note(struct cchan *cc, const char *what, int err); /* at most CONSOLE_NOTES_MAX */
void cc_flush(struct cchan *cc);         /* its held partial line, prefixed */

/* console-attach.c */
/* A message from cc: → true when it was a control message (acted on or refused). */
bool attach_ctl(struct cchan *cc, const uint8_t *msg, size_t n);
/* Is cc's output held (attached mode, cc not the attached channel)? */
bool attach_holds(const struct cchan *cc);
/* A line for the UART while attached: → true, kept for attach_end(); false in line mode. */
bool attach_hold(const char *prefix, const char *text, size_t len);
void attach_out(const uint8_t *bytes, size_t n);    /* the attached channel's output */
void attach_key(uint8_t b);                         /* one typed byte (Ctrl-] detaches) */
void attach_keys_send(void);                        /* the round's typed bytes, one message */
/* Back to line mode, with a line that says so (and why, when why is not NULL). */
void attach_end(const char *why);

#endif
