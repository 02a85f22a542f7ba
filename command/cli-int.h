/* SPDX-License-Identifier: MIT */
/* cli-int.h - what the CLI's own files share (cli.h is the interface). */
#ifndef COMMAND_CLI_INT_H
#define COMMAND_CLI_INT_H

#include <bulkhead/config.h>
#include <bulkhead/errno.h>
#include "cli.h"

/* A verb's handler: argv[0] is the verb, "--json" already taken out. → 0 (the CLI then
 * says "ok"), or -1 with c->why set (the CLI says "error: <why>"). */
typedef int (*cli_verb_fn)(struct cli *c, int argc, char **argv, bool json);

/* cli.c */
void cli_out(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_fail(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_usage(struct cli *c, const char *verb); /* "usage: <the help line's synopsis>" */
void cli_table_out(void *ctx, const char *line); /* table_out_fn; ctx = struct cli */

/* cli-parse.c */
int cli_split(struct cli *c, char *line, char **argv, int max);
const char *cli_value(const char *arg, const char *key);
int cli_number(struct cli *c, const char *what, const char *s, uint64_t *out);
int cli_size(struct cli *c, const char *what, const char *s, uint64_t *out);
int cli_mem_size(struct cli *c, const char *what, const char *s, uint64_t *out);
uint32_t cli_kind(const char *name);
const char *cli_kind_name(uint32_t kind);
size_t cli_kinds_text(uint32_t kinds, char *buf, size_t cap);
const char *cli_restart_name(uint32_t restart);
const char *cli_failover_name(uint32_t failover);
const char *cli_state_name(uint32_t state);
void cli_copy(char *dst, size_t cap, const char *src, size_t max);

/* cli-uv.c: requests. Each → 0, or -1 with why set. */
struct uv_op *cli_uv_begin(struct cli *c, uint16_t kind, uint32_t ops);
int cli_uv_call(struct cli *c);                 /* answered, any status */
int cli_uv_txn(struct cli *c);                  /* committed: c->rs.generation */
int cli_read_parts(struct cli *c);              /* c->snap.parts, generation */
int cli_read_res(struct cli *c);                /* c->snap pools .. chans */
int cli_snapshot(struct cli *c);                /* both */
const struct uv_part_rec *cli_find(struct cli *c, const char *name);
int cli_need(struct cli *c, const char *name, const struct uv_part_rec **p);
const char *cli_zone_name(struct cli *c, uint32_t zone);
const char *cli_part_name(struct cli *c, uint64_t id); /* "-" for 0, "#7" if unknown */
void cli_pol_part(struct cli *c, const struct uv_part_rec *r, struct pol_part *out);
void cli_pol_begin(struct cli *c, uint16_t kind);
int cli_pol_call(struct cli *c);                /* answered, any status */
int cli_pol_check(struct cli *c, uint32_t action, const struct pol_part *subject);
int cli_pol_show(struct cli *c, const char *zone, struct pol_response *into);
void cli_op_text(const struct uv_op *op, char *buf, size_t cap);

/* The verbs. */
int cli_cmd_list(struct cli *c, int argc, char **argv, bool json);
int cli_cmd_show(struct cli *c, int argc, char **argv, bool json);
int cli_cmd_policy_show(struct cli *c, int argc, char **argv, bool json);
int cli_cmd_journal(struct cli *c, int argc, char **argv, bool json);
int cli_cmd_lifecycle(struct cli *c, int argc, char **argv, bool json);
int cli_cmd_create(struct cli *c, int argc, char **argv, bool json);
int cli_cmd_assign(struct cli *c, int argc, char **argv, bool json);
int cli_cmd_policy_set(struct cli *c, int argc, char **argv, bool json);
int cli_cmd_console(struct cli *c, int argc, char **argv, bool json);

#endif
