/* SPDX-License-Identifier: MIT */
/* cli.h - the operator CLI of the command partition (docs/cli.md).
 *
 * Typed bytes go in (cli_input), answers come out a line at a time through io.out, and
 * every decision is a request: transactions and reads to the ultravisor (uvcmd.h), checks,
 * changes and reads to the operations partition (policy.h). The CLI keeps nothing between
 * commands but its counters: every answer is read back from those two. All of it runs on
 * the host against fakes of struct cli_io (tests/unit/test_cli.c).
 *
 *   bytes -> cli_input -> line rules -> "> line" -> tokens -> verb table -> handler
 *                                                                 |   requests via io.uv/io.pol
 *                                                  "ok" or "error: <why>" <-+
 *
 * Files: cli.c (lines, dispatch, help), cli-parse.c (words, numbers, sizes), cli-uv.c
 * (requests, reads, the snapshot opspolicy is shown), cli-show.c (the read-only verbs),
 * cli-act.c (the verbs that change something, and the boot intent), table.c (answers).
 */
#ifndef COMMAND_CLI_H
#define COMMAND_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/policy.h>
#include <bulkhead/uvcmd.h>
#include "table.h"

#define CLI_LINE_MAX    200   /* bytes of one typed line */
#define CLI_OUT_MAX     TABLE_LINE_MAX /* characters of one output line */
#define CLI_WHY_MAX     384   /* one error line */
#define CLI_POLL_MS     20    /* create: READ_PARTITIONS this often ... */
#define CLI_LOAD_MS     10000 /* ... until the partition is loaded, at most this long */
#define CLI_ANSWER_MS   2000  /* what a request unanswered costs (struct cli_io) */
#define CLI_CONSOLE_WAIT_MS 10000 /* boot: the longest wait for the console's server */
#define CLI_WORDS_MAX   16

/* The outside world. uv and pol send one request and wait (at most CLI_ANSWER_MS) for its answer:
 * → 0 with *rs filled, whatever its status; a negative BH_E* when there is no answer
 * (no channel, timed out, channel dead). The CLI fills magic, version and request id and
 * checks them in the answer. out gets one line, without newline, at most CLI_OUT_MAX
 * characters, printable ASCII. sleep_ms waits (create polls the ultravisor with it). */
struct cli_io {
	int (*uv)(void *ctx, const struct uv_request *rq, struct uv_response *rs);
	int (*pol)(void *ctx, const struct pol_request *rq, struct pol_response *rs);
	void (*out)(void *ctx, const char *line);
	void (*sleep_ms)(void *ctx, uint32_t ms);
	/* Optional: is the operator console served (its I/O partition attached to our console
	 * channel)? The boot intent waits for it, at most CLI_CONSOLE_WAIT_MS, before it starts
	 * the guests, so that their first lines have a reader. NULL: nothing to wait for. */
	bool (*console_up)(void *ctx);
	/* Optional: "console <name>": asks the operator console's server to attach the
	 * operator's keyboard to partition name (docs/console.md, attached mode) and waits (at
	 * most CLI_ANSWER_MS) for its answer. → 0 attached; -BH_ENOENT no console channel of
	 * that name, -BH_EPERM our own, -BH_EIO its channel not up or no server serving ours,
	 * -BH_ETIMEDOUT no answer, other -BH_E* refused. NULL: no console server to ask. */
	int (*console_attach)(void *ctx, const char *name);
	void *ctx;
};

/* The ultravisor's state as last read (READ_PARTITIONS, READ_RESOURCES). */
struct cli_snap {
	uint64_t generation;
	uint32_t nparts, npools, nzones, ncpus, ndevs, nchans;
	struct uv_part_rec parts[POL_PARTS_MAX];
	struct uv_res_rec pools[16];
	struct uv_res_rec zones[POL_ZONES_MAX];
	struct uv_res_rec cpus[64];
	struct uv_res_rec devs[64];
	struct uv_res_rec chans[256];
};

/* One CLI; big (about 400 KiB): make it static. Fields are the CLI's own. */
struct cli {
	struct cli_io io;
	uint64_t next_id;                /* request ids, both channels */
	char why[CLI_WHY_MAX];           /* the failing command's reason */
	char line[CLI_LINE_MAX + 1];     /* cli_input: the line being typed */
	size_t len;
	bool overlong;                   /* it passed CLI_LINE_MAX: refused when it ends */
	bool no_answer;                  /* the last request to the ultravisor went unanswered */
	struct cli_snap snap;
	struct uv_request rq;
	struct uv_response rs;
	struct pol_request prq;
	struct pol_response prs;
	struct pol_response old;         /* policy set: the zones before, to put them back */
	struct table table;
};

void cli_init(struct cli *c, const struct cli_io *io);

/* Typed bytes, any amount: CR or LF ends a line (docs/cli.md, Console). */
void cli_input(struct cli *c, const char *bytes, size_t n);

/* One whole line (no line end): echo, line rules, execute, then "ok" or the error. Lines
 * that are empty or only blanks are ignored. cli_line_n takes bytes that may hold NUL. */
void cli_line(struct cli *c, const char *line);
void cli_line_n(struct cli *c, const char *line, size_t len);

/* The boot intent: every partition the ultravisor has loaded and not started, I/O
 * partitions first, checked against policy, one "boot: ..." line each; then "ready". */
void cli_boot(struct cli *c);

#endif
