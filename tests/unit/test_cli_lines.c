/* SPDX-License-Identifier: MIT */
/* test_cli_lines.c - the CLI's lines: help and dispatch, the line rules of docs/cli.md
 * (length, bytes, blanks, quotes, line ends), and seeded random garbage after which help
 * still answers. */
#include "cli_fake.h"

/* ---- help and dispatch ---- */

void test_help(void **state)
{
	/* one line per command form, each beginning with its verb */
	static const char *const verbs[] = { "help", "list", "list", "list", "list", "show",
		"start", "stop", "restart", "destroy", "create", "assign", "release", "policy",
		"policy", "journal", "console" };
	const char *a;

	nout = 0;
	cli_line(&cli, "help");
	assert_int_equal(nout, 2 + sizeof(verbs) / sizeof(verbs[0]));
	assert_string_equal(out[0], "> help");
	assert_string_equal(out[nout - 1], "ok");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		assert_memory_equal(out[1 + i], verbs[i], strlen(verbs[i]));
	a = output();
	assert_non_null(strstr(a, "\ncreate <name> image=<module> zone=<zone> cpus=<n> mem=<size> "
			       "[kind=<kind>] [cmdline=\"...\"]\n"));
	assert_int_equal(uv.ntxn + uv.nreads + pol.nreq, 0);
}

void test_unknown_and_usage(void **state)
{
	assert_string_equal(run("lsit"), "> lsit\nerror: unknown command \"lsit\" (try help)");
	assert_string_equal(answer("help me"), "error: usage: help");
	assert_string_equal(answer("start"), "error: usage: start <p>");
	assert_string_equal(answer("start a b"), "error: usage: start <p>");
	assert_string_equal(answer("start guest-1 --json"), "error: usage: start <p>");
	assert_string_equal(answer("list --yaml"), "error: unknown option \"--yaml\" (try help)");
	assert_string_equal(answer("list foo"),
			    "error: unknown list \"foo\" (zones, resources or channels)");
	assert_string_equal(answer("policy"), "error: usage: policy show [zone] [--json] | "
			    "policy set <zone> <key>=<value>");
	assert_string_equal(answer("policy drop x"),
			    "error: unknown policy command \"drop\" (show or set)");
	assert_string_equal(answer("journal 1 2"), "error: usage: journal [n] [--json]");
	assert_string_equal(answer("assign guest-1"),
			    "error: usage: assign <p> cpu=<n> | assign <p> mem=<size>");
	assert_string_equal(answer("release guest-1 disk=1"),
			    "error: usage: release <p> cpu=<n> | release <p> mem=<size>");
	assert_string_equal(answer("show"), "error: usage: show <partition> [--json]");
	assert_string_equal(answer("show nope"), "error: no partition named \"nope\"");
	assert_string_equal(answer("stop nope"), "error: no partition named \"nope\"");
	assert_int_equal(uv.ntxn + pol.nreq, 0);
}

/* ---- line rules ---- */

void test_line_rules(void **state)
{
	char line[300];
	const char *a;

	/* CR, LF, CRLF end lines; empty and blank lines are ignored */
	nout = 0;
	cli_input(&cli, "\r\n\n   \t \r", 9);
	assert_int_equal(nout, 0);
	cli_input(&cli, "he", 2);
	cli_input(&cli, "lp\r\nhelp\r", 9);
	assert_int_equal(answers, 2);
	answers = 0;
	output();

	/* 200 bytes pass the length rule, 201 do not; the rest to the newline is dropped */
	memset(line, 'x', 200);
	line[200] = 0;
	/* the error line is wrapped, not cut: 7 + 142 and 7 + 59 + 12 characters */
	a = answer(line);
	assert_memory_equal(a, "error: unknown command\n       \"xxxxxxxxxx", 41);
	assert_string_equal(strrchr(a, '\n'), "\n       xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			    "xxxxxxxxxxxxxxxx\" (try help)");
	assert_int_equal(strlen(a), 22 + 1 + 149 + 1 + 78);
	memset(line, 'x', 250);
	strcpy(line + 250, " help");
	assert_string_equal(answer(line), "error: line too long (at most 200 bytes)");
	cli_line(&cli, line);
	assert_string_equal(out[nout - 1], "error: line too long (at most 200 bytes)");
	assert_int_equal(strlen(out[0]), CLI_OUT_MAX);
	assert_string_equal(out[0] + CLI_OUT_MAX - 5, "xx...");
	output();

	/* bytes outside printable ASCII and tab */
	assert_string_equal(run("list\x01 x"), "> list? x\nerror: line holds a byte that is not "
			    "printable ASCII (0x01 at column 5)");
	assert_string_equal(answer("help \xc3\xa9"), "error: line holds a byte that is not "
			    "printable ASCII (0xc3 at column 6)");
	cli_line_n(&cli, "help\0", 5);
	assert_string_equal(output(), "> help?\nerror: line holds a byte that is not printable "
			    "ASCII (0x00 at column 5)");
	/* tab is a blank, and echoed as it is */
	assert_string_equal(run("\tstart\tnope "), "> \tstart\tnope \nerror: no partition named "
			    "\"nope\"");
	/* quotes */
	assert_string_equal(answer("show \"guest-1"), "error: unterminated quote (column 6)");
	assert_string_equal(answer("stop \"guest-1\"x"), "error: no partition named \"guest-1x\"");
	assert_string_equal(answer("a b c d e f g h i j k l m n o p q"),
			    "error: too many words (at most 16)");
}


/* ---- garbage ---- */

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static const char *const words[] = {
	"help", "list", "show", "start", "stop", "restart", "destroy", "create", "assign",
	"release", "policy", "journal", "zones", "resources", "channels", "set", "show", "--json",
	"guest-1", "guest-2", "iopart-a", "ultravisor", "nope", "guests", "system", "cpu=3",
	"cpu=99", "mem=64M", "mem=3M", "mem=", "cpus=2", "cpus=0", "image=guest-pv", "zone=guests",
	"zone=", "kind=iopart", "kind=", "cmdline=\"a b\"", "\"", "\"\\\"\"", "memory=192M",
	"max-partitions=1", "kinds=guest", "=", "==", "g9", "12Q", "999999999999999999999", "-1",
	"--", "-", "x=y=z", "\t",
};

void test_random_garbage(void **state)
{
	char line[400];
	uint32_t sent = 0;
	const char *a;

	rnd_state = getenv("CLI_RANDOM_SEED") ? strtoull(getenv("CLI_RANDOM_SEED"), NULL, 0) :
						0x8badf00d;
	uv.load_ms = 40;
	answers = 0;
	for (int i = 0; i < 600; i++) {
		size_t n = 0, len = rnd() % 260;
		uint64_t kind = rnd() % 4;

		if (kind == 0) { /* bytes, line ends included */
			for (n = 0; n < len; n++)
				line[n] = (char)rnd();
		} else { /* words, some of them meaningful */
			while (n < len && n + 40 < sizeof(line)) {
				const char *w = words[rnd() % (sizeof(words) / sizeof(words[0]))];
				n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n ? " " : "",
						      w);
			}
		}
		/* the fakes misbehave now and then */
		uv.silent = rnd() % 23 == 0;
		pol.silent = rnd() % 23 == 0;
		uv.garble = rnd() % 31 == 0;
		pol.deny = rnd() % 5 == 0 ? -BH_EPERM : 0;
		strcpy(pol.deny_reason, "zone guests: no");
		uv.refuse = rnd() % 7 == 0 ? -BH_EINVAL : 0;
		strcpy(uv.refuse_reason, "op 0 (x): no");
		uv.page = (uint32_t)(rnd() % 5); /* 0: a read without end */
		uv.load_ms = rnd() % 3 == 0 ? -1 : 40;
		cli_input(&cli, line, n);
		cli_input(&cli, "\n", 1);
		sent++;
		nout = 0;
	}
	assert_true(answers >= sent / 2);
	uv.silent = uv.garble = false;
	pol.silent = false;
	uv.page = 3;
	uv.refuse = 0;
	pol.deny = 0;
	nout = 0;
	cli_input(&cli, "\r\nhelp\r\n", 8);
	a = output();
	assert_non_null(strstr(a, "> help\nhelp "));
	assert_non_null(strstr(a, "\njournal [n] [--json]"));
	assert_string_equal(a + strlen(a) - 3, "\nok");
	assert_false(awaiting);
}

