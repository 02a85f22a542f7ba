/* SPDX-License-Identifier: MIT */
/* cli_fake.h - for the CLI's tests (test_cli*.c): a scripted ultravisor and operations
 * partition (cli_fake.c) that record every request and answer as their headers say, the
 * machine of examples/default.yaml they start from, and the CLI's output, checked line by
 * line as it comes: printable, short enough, exactly one "ok" or "error: " per echo. */
#ifndef TESTS_UNIT_CLI_FAKE_H
#define TESTS_UNIT_CLI_FAKE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/config.h>
#include <bulkhead/errno.h>
#include "command/cli.h"

#define MIB (1ull << 20)
#define KIB (1ull << 10)
#define K(k) (1u << BH_CFG_KIND_##k)
#define OUT_MAX 8192

struct jrec {
	uint64_t generation;
	uint32_t origin, nops;
	struct uv_op ops[UV_REQ_OPS_MAX];
};

struct fake_uv {
	bool silent, garble;     /* no answer; an answer with a wrong magic */
	uint32_t page;           /* records per READ answer */
	uint64_t generation;
	uint32_t nparts, next_id;
	struct uv_part_rec parts[64];
	uint64_t created_at[64]; /* fake ms when created; loads after load_ms (-1: never) */
	int64_t load_ms;
	uint32_t nres;
	struct uv_res_rec res[64];
	uint32_t njournal;
	struct jrec journal[40];
	uint64_t journal_first;  /* oldest generation kept (READ_JOURNAL before it: ERANGE) */
	uint32_t mute, mute_after_create; /* reads left unanswered (after a CREATE) */
	int refuse;              /* the next transaction: refused with this status */
	char refuse_reason[UV_REASON_LEN];
	uint32_t ntxn, nreads;   /* recorded */
	struct uv_request txn[24];
};

struct fake_pol {
	bool silent;
	uint32_t version, nzones;
	struct pol_zone zones[4];
	int deny;                /* the next CHECK: this status, deny_reason */
	char deny_reason[POL_REASON_LEN];
	int set_status;          /* the next SET (after set_skip more): refused */
	uint32_t set_skip;
	char set_reason[POL_REASON_LEN];
	uint32_t nviolators;
	char violators[4][POL_NAME_LEN];
	uint32_t nreq;           /* recorded */
	struct pol_request req[24];
};

/* The operator console's server, as "console <p>" sees it: it serves the console channels
 * of examples/default.yaml (every partition but iopart-a, which is the server) and answers
 * as the real one would (-BH_ENOENT for other names, -BH_EPERM for the CLI's own). */
struct fake_console {
	int status;              /* the answer for a name it serves (0: attached) */
	uint32_t asks;           /* recorded */
	char asked[UV_NAME_LEN];
};

extern struct fake_uv uv;
extern struct fake_pol pol;
extern struct fake_console fcon;
extern uint64_t now_ms;                        /* the fakes' clock: sleep_ms moves it */
extern uint64_t console_up_at;                 /* when the console's server attaches */
extern struct cli cli;
extern char out[OUT_MAX][CLI_OUT_MAX + 2];     /* the lines since the last output() */
extern uint32_t nout;
extern bool awaiting;                          /* an echo without its ok/error yet */
extern uint32_t answers;                       /* ok and error lines */

int setup(void **state);                       /* the default machine, a fresh CLI */
const char *output(void);                      /* the lines since the last call, joined */
const char *run(const char *line);             /* typed with a line end: echo and answer */
const char *answer(const char *line);          /* the same without the echo */
void clear_requests(void);
struct uv_part_rec *fpart(const char *name);   /* the fake ultravisor's partition */
const struct pol_zone *pzone(const char *name);

/* test_cli_lines.c */
void test_help(void **state);
void test_unknown_and_usage(void **state);
void test_line_rules(void **state);
void test_random_garbage(void **state);
/* test_cli_act.c */
void test_start(void **state);
void test_start_denied(void **state);
void test_stop_restart_destroy(void **state);
void test_create(void **state);
void test_create_errors(void **state);
void test_create_never_loads(void **state);
void test_create_busy_loader(void **state);
void test_assign_release(void **state);
void test_policy_set(void **state);
void test_policy_set_refused(void **state);
void test_policy_set_rolled_back(void **state);
void test_boot(void **state);
void test_boot_waits_for_the_console(void **state);
void test_boot_denied(void **state);
void test_console(void **state);
void test_console_refused(void **state);

#endif
