/* SPDX-License-Identifier: MIT */
/* cli.c - typed lines: the line rules, the echo, the verb table, help, "ok" or the error. */
#include <stdarg.h>
#include <string.h>
#include "cli-int.h"
#include "fmt.h"

#define ECHO_MAX (CLI_OUT_MAX - 2) /* "> " and the line */

void cli_init(struct cli *c, const struct cli_io *io)
{
	memset(c, 0, sizeof(*c));
	c->io = *io;
	c->next_id = 1;
}

/* Every line leaves through here: printable ASCII, at most CLI_OUT_MAX characters. */
void cli_table_out(void *ctx, const char *line)
{
	static char safe[CLI_OUT_MAX + 1];
	struct cli *c = ctx;
	size_t n = 0;

	for (; line[n] && n < CLI_OUT_MAX; n++)
		safe[n] = line[n] >= 0x20 && line[n] < 0x7f ? line[n] : '?';
	safe[n] = 0;
	c->io.out(c->io.ctx, safe);
}

void cli_out(struct cli *c, const char *fmt, ...)
{
	static char line[CLI_OUT_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	bh_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	table_wrap(line, 0, cli_table_out, c);
}

int cli_fail(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bh_vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- the verbs ---- */

static int cmd_help(struct cli *c, int argc, char **argv, bool json);
static int cmd_policy(struct cli *c, int argc, char **argv, bool json);

struct verb {
	const char *name;
	cli_verb_fn fn;
	bool json;          /* takes --json */
	const char *usage;
};

static const struct verb verbs[] = {
	{ "help", cmd_help, false, "help" },
	{ "list", cli_cmd_list, true, "list [zones|resources|channels] [--json]" },
	{ "show", cli_cmd_show, true, "show <partition> [--json]" },
	{ "start", cli_cmd_lifecycle, false, "start <p>" },
	{ "stop", cli_cmd_lifecycle, false, "stop <p>" },
	{ "restart", cli_cmd_lifecycle, false, "restart <p>" },
	{ "destroy", cli_cmd_lifecycle, false, "destroy <p>" },
	{ "create", cli_cmd_create, false,
	  "create <name> image=<module> zone=<zone> cpus=<n> mem=<size> [kind=<kind>] "
	  "[cmdline=\"...\"]" },
	{ "assign", cli_cmd_assign, false, "assign <p> cpu=<n> | assign <p> mem=<size>" },
	{ "release", cli_cmd_assign, false, "release <p> cpu=<n> | release <p> mem=<size>" },
	{ "policy", cmd_policy, true,
	  "policy show [zone] [--json] | policy set <zone> <key>=<value>" },
	{ "journal", cli_cmd_journal, true, "journal [n] [--json]" },
	{ "console", cli_cmd_console, false, "console <p>" },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

/* docs/cli.md, Commands: one line each, each starting with its verb. */
static const char *const help_lines[] = {
	"help                             these commands, one line each",
	"list [--json]                    partitions: name, id, kind, zone, state, CPUs, memory",
	"list zones [--json]              zones: policy, CPUs, memory budget and use, partitions",
	"list resources [--json]          pool ranges, CPUs (vCPUs, dedicated to), devices (owner)",
	"list channels [--json]           channels: name, id, type, server, client, size",
	"show <partition> [--json]        one partition: restart rule and counts, its channels",
	"start <p>                        loaded or stopped -> running; checked against policy",
	"stop <p>                         running -> stopped",
	"restart <p>                      loaded again and started; checked against policy",
	"destroy <p>                      not running -> gone, its resources back to the pool",
	"create <name> image=<module> zone=<zone> cpus=<n> mem=<size> [kind=<kind>] "
	"[cmdline=\"...\"]",
	"assign <p> cpu=<n> | mem=<size>  one more vCPU on CPU n, or more memory; checked",
	"release <p> cpu=<n> | mem=<size> the vCPU on CPU n, or that much memory, back",
	"policy show [zone] [--json]      zones with their policies, and the policy version",
	"policy set <zone> <key>=<value>  keys: memory cpus max-partitions kinds restart "
	"restart-max failover",
	"journal [n] [--json]             the last n (default 10) committed transactions",
	"console <p>                      the keyboard to p's console; Ctrl-] returns here",
};

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < NVERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

int cli_usage(struct cli *c, const char *verb)
{
	const struct verb *v = find_verb(verb);

	return cli_fail(c, "usage: %s", v ? v->usage : verb);
}

static int cmd_help(struct cli *c, int argc, char **argv, bool json)
{
	if (argc != 1)
		return cli_usage(c, "help");
	for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]); i++)
		cli_out(c, "%s", help_lines[i]);
	return 0;
}

static int cmd_policy(struct cli *c, int argc, char **argv, bool json)
{
	if (argc < 2)
		return cli_usage(c, "policy");
	if (!strcmp(argv[1], "show"))
		return cli_cmd_policy_show(c, argc - 1, argv + 1, json);
	if (!strcmp(argv[1], "set") && !json)
		return cli_cmd_policy_set(c, argc - 1, argv + 1, json);
	if (!strcmp(argv[1], "set"))
		return cli_usage(c, "policy");
	return cli_fail(c, "unknown policy command \"%s\" (show or set)", argv[1]);
}

/* Takes --json out of argv[1..]; → the verb's answer. */
static int dispatch(struct cli *c, int argc, char **argv)
{
	const struct verb *v;
	bool json = false;
	int n = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			return cli_fail(c, "unknown option \"%s\" (try help)", argv[i]);
		else
			argv[n++] = argv[i];
	}
	if (!(v = find_verb(argv[0])))
		return cli_fail(c, "unknown command \"%s\" (try help)", argv[0]);
	if (json && !v->json)
		return cli_usage(c, v->name);
	return v->fn(c, n, argv, json);
}

/* ---- lines ---- */

static void echo(struct cli *c, const char *line, size_t len)
{
	static char e[CLI_OUT_MAX + 1];
	size_t n = len > ECHO_MAX ? ECHO_MAX - 3 : len, k = 2;

	e[0] = '>';
	e[1] = ' ';
	for (size_t i = 0; i < n; i++)
		e[k++] = (line[i] >= 0x20 && line[i] < 0x7f) || line[i] == '\t' ? line[i] : '?';
	if (n < len)
		memcpy(e + k, "...", 3), k += 3;
	e[k] = 0;
	c->io.out(c->io.ctx, e);
}

static void answer(struct cli *c, int rc)
{
	static char line[8 + CLI_WHY_MAX];

	if (!rc) {
		c->io.out(c->io.ctx, "ok");
		return;
	}
	bh_snprintf(line, sizeof(line), "error: %s", c->why);
	table_wrap(line, 7, cli_table_out, c);
}

static int run(struct cli *c, const char *line, size_t len)
{
	static char words[CLI_LINE_MAX + 1];
	char *argv[CLI_WORDS_MAX];
	int argc;

	if (len > CLI_LINE_MAX)
		return cli_fail(c, "line too long (at most %d bytes)", CLI_LINE_MAX);
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)line[i];
		if ((b < 0x20 || b >= 0x7f) && b != '\t')
			return cli_fail(c, "line holds a byte that is not printable ASCII "
					"(0x%02x at column %zu)", b, i + 1);
	}
	memcpy(words, line, len);
	words[len] = 0;
	argc = cli_split(c, words, argv, CLI_WORDS_MAX);
	if (argc <= 0)
		return argc ? -1 : 0;
	return dispatch(c, argc, argv);
}

void cli_line_n(struct cli *c, const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len)
		return; /* empty: ignored */
	echo(c, line, len);
	c->why[0] = 0;
	answer(c, run(c, line, len));
}

void cli_line(struct cli *c, const char *line)
{
	cli_line_n(c, line, strlen(line));
}

/* A line longer than CLI_LINE_MAX: echoed as far as kept, refused when it ends. */
static void end_line(struct cli *c)
{
	if (c->overlong) {
		echo(c, c->line, c->len + 1); /* the echo shows it was cut */
		cli_fail(c, "line too long (at most %d bytes)", CLI_LINE_MAX);
		answer(c, -1);
	} else if (c->len) {
		cli_line_n(c, c->line, c->len);
	}
	c->len = 0;
	c->overlong = false;
}

void cli_input(struct cli *c, const char *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = bytes[i];

		if (ch == '\r' || ch == '\n')
			end_line(c);
		else if (c->len < CLI_LINE_MAX)
			c->line[c->len++] = ch;
		else
			c->overlong = true;
	}
}
