/* SPDX-License-Identifier: MIT */
/* test_cli.c - the command partition's CLI (command/cli*.c, table.c, docs/cli.md) against a
 * scripted ultravisor and operations partition (cli_fake.h): the verbs that only read
 * (list, show, policy show, journal), their tables and JSON exactly, the JSON checked by a
 * strict parser and against the table; answers that never come or come malformed. The
 * other verbs are in test_cli_act.c, the line rules and random garbage in test_cli_lines.c;
 * main() runs them all. */
#include "cli_fake.h"
#include "test_cli_json.h"

/* ---- list ---- */

static const char LIST[] =
	"NAME        ID  KIND        ZONE    STATE    CPUS  MEMORY\n"
	"ultravisor   1  ultravisor  system  running  0     32M\n"
	"command      2  command     system  running  0     16M\n"
	"opspolicy    3  opspolicy   system  running  0     16M\n"
	"iopart-a     4  iopart      system  running  1     64M\n"
	"iopart-b     5  iopart      system  running  1     64M\n"
	"guest-1      6  guest       guests  running  2,3   64M\n"
	"guest-2      7  guest       guests  stopped  2,3   64M\n"
	"ok";

static const char LIST_JSON[] =
	"{\"partitions\": [\n"
	"{\"name\": \"ultravisor\", \"id\": 1, \"kind\": \"ultravisor\", \"zone\": \"system\", "
	"\"state\": \"running\", \"cpus\": [0], \"memory\": 33554432},\n"
	"{\"name\": \"command\", \"id\": 2, \"kind\": \"command\", \"zone\": \"system\", "
	"\"state\": \"running\", \"cpus\": [0], \"memory\": 16777216},\n"
	"{\"name\": \"opspolicy\", \"id\": 3, \"kind\": \"opspolicy\", \"zone\": \"system\", "
	"\"state\": \"running\", \"cpus\": [0], \"memory\": 16777216},\n"
	"{\"name\": \"iopart-a\", \"id\": 4, \"kind\": \"iopart\", \"zone\": \"system\", "
	"\"state\": \"running\", \"cpus\": [1], \"memory\": 67108864},\n"
	"{\"name\": \"iopart-b\", \"id\": 5, \"kind\": \"iopart\", \"zone\": \"system\", "
	"\"state\": \"running\", \"cpus\": [1], \"memory\": 67108864},\n"
	"{\"name\": \"guest-1\", \"id\": 6, \"kind\": \"guest\", \"zone\": \"guests\", "
	"\"state\": \"running\", \"cpus\": [2, 3], \"memory\": 67108864},\n"
	"{\"name\": \"guest-2\", \"id\": 7, \"kind\": \"guest\", \"zone\": \"guests\", "
	"\"state\": \"stopped\", \"cpus\": [2, 3], \"memory\": 67108864}\n"
	"]}\n"
	"ok";

static void test_list(void **state)
{
	assert_string_equal(answer("list"), LIST);
	assert_int_equal(uv.ntxn + pol.nreq, 0);
	assert_true(uv.nreads >= 3 + 6); /* paged, 3 records at a time */
	assert_string_equal(answer("list --json"), LIST_JSON);
	assert_json_matches_table(LIST, LIST_JSON, "partitions");
}

static void test_list_zones(void **state)
{
	static const char text[] =
		"NAME    POLICY  CPUS  MEMORY  USED  PARTITIONS  MAX-PARTITIONS\n"
		"system  system  0-1   192M    192M           5               5\n"
		"guests  guests  2-3   160M    128M           2               8\n"
		"ok";
	static const char json[] =
		"{\"zones\": [\n"
		"{\"name\": \"system\", \"policy\": \"system\", \"cpus\": [0, 1], \"memory\": "
		"201326592, \"used\": 201326592, \"partitions\": 5, \"max-partitions\": 5},\n"
		"{\"name\": \"guests\", \"policy\": \"guests\", \"cpus\": [2, 3], \"memory\": "
		"167772160, \"used\": 134217728, \"partitions\": 2, \"max-partitions\": 8}\n"
		"]}\n"
		"ok";

	assert_string_equal(answer("list zones"), text);
	assert_int_equal(pol.nreq, 1);
	assert_int_equal(pol.req[0].kind, POL_SHOW);
	assert_string_equal(pol.req[0].zone, "");
	assert_string_equal(answer("list zones --json"), json);
	assert_json_matches_table(text, json, "zones");
}

static void test_list_resources(void **state)
{
	static const char text[] =
		"POOL  BASE       SIZE  FREE\n"
		"   0  0x4000000  384M  60M\n"
		"CPU  VCPUS  PARTITIONS  DEDICATED\n"
		"  0      3           3  -\n"
		"  1      2           2  -\n"
		"  2      2           2  -\n"
		"  3      2           2  iopart-a\n"
		"DEVICE  CLASS    OWNER\n"
		"com1    serial   iopart-a\n"
		"nvme-a  storage  iopart-a\n"
		"spare   other    -\n"
		"ok";
	static const char json[] =
		"{\"pool\": [\n"
		"{\"pool\": 0, \"base\": 67108864, \"size\": 402653184, \"free\": 62914560}\n"
		"],\n"
		"\"cpus\": [\n"
		"{\"cpu\": 0, \"vcpus\": 3, \"partitions\": 3, \"dedicated\": null},\n"
		"{\"cpu\": 1, \"vcpus\": 2, \"partitions\": 2, \"dedicated\": null},\n"
		"{\"cpu\": 2, \"vcpus\": 2, \"partitions\": 2, \"dedicated\": null},\n"
		"{\"cpu\": 3, \"vcpus\": 2, \"partitions\": 2, \"dedicated\": \"iopart-a\"}\n"
		"],\n"
		"\"devices\": [\n"
		"{\"device\": \"com1\", \"class\": \"serial\", \"owner\": \"iopart-a\"},\n"
		"{\"device\": \"nvme-a\", \"class\": \"storage\", \"owner\": \"iopart-a\"},\n"
		"{\"device\": \"spare\", \"class\": \"other\", \"owner\": null}\n"
		"]}\n"
		"ok";

	assert_string_equal(answer("list resources"), text);
	assert_string_equal(answer("list resources --json"), json);
	assert_json_valid(json);
}

static void test_list_channels(void **state)
{
	static const char text[] =
		"NAME                ID  TYPE     SERVER      CLIENT   SIZE\n"
		"control-ultravisor   1  control  ultravisor  command  64K\n"
		"control-opspolicy    2  control  opspolicy   command  64K\n"
		"console-guest-1      3  -        iopart-a    guest-1  64K\n"
		"block-guest-1-a      4  -        iopart-a    guest-1  1M\n"
		"ok";

	const char *json;

	assert_string_equal(answer("list channels"), text);
	json = answer("list channels --json");
	assert_json_valid(json);
	assert_non_null(strstr(json, "{\"name\": \"block-guest-1-a\", \"id\": 4, \"type\": null, "
			       "\"server\": \"iopart-a\", \"client\": \"guest-1\", \"size\": "
			       "1048576}\n]}\nok"));
}

/* ---- show ---- */

static void test_show(void **state)
{
	static const char text[] =
		"NAME     ID  KIND   ZONE    STATE    CPUS  MEMORY\n"
		"guest-1   6  guest  guests  running  2,3   64M\n"
		"RESTART  RESTART-MAX  RESTARTS  AUTO-RESTARTS  DEVICES  CHANNELS  DISK         "
		"MAC\n"
		"restart            3         2              1        0         2  64M@256M,ro  "
		"52:54:00:12:34:56\n"
		"CHANNEL          ID  TYPE  SERVER    CLIENT   SIZE\n"
		"console-guest-1   3  -     iopart-a  guest-1  64K\n"
		"block-guest-1-a   4  -     iopart-a  guest-1  1M\n"
		"ok";
	static const char json[] =
		"{\"partition\": {\"name\": \"guest-1\", \"id\": 6, \"kind\": \"guest\", \"zone\": "
		"\"guests\", \"state\": \"running\", \"cpus\": [2, 3], \"memory\": 67108864,\n"
		"\"restart\": \"restart\", \"restart-max\": 3, \"restarts\": 2, \"auto-restarts\": 1, "
		"\"devices\": 0, \"channels\": 2, \"disk\": \"64M@256M,ro\",\n"
		"\"mac\": \"52:54:00:12:34:56\"},\n"
		"\"channels\": [\n"
		"{\"channel\": \"console-guest-1\", \"id\": 3, \"type\": null, \"server\": "
		"\"iopart-a\", \"client\": \"guest-1\", \"size\": 65536},\n"
		"{\"channel\": \"block-guest-1-a\", \"id\": 4, \"type\": null, \"server\": "
		"\"iopart-a\", \"client\": \"guest-1\", \"size\": 1048576}\n"
		"]}\n"
		"ok";

	assert_string_equal(answer("show guest-1"), text);
	assert_string_equal(answer("show guest-1 --json"), json);
	assert_json_valid(json);
	assert_string_equal(answer("show --json ultravisor"),
			    "{\"partition\": {\"name\": \"ultravisor\", \"id\": 1, \"kind\": "
			    "\"ultravisor\", \"zone\": \"system\", \"state\": \"running\", \"cpus\": "
			    "[0], \"memory\": 33554432,\n"
			    "\"restart\": \"stop\", \"restart-max\": null, \"restarts\": 0, \"auto-restarts\": 0, "
			    "\"devices\": 0, \"channels\": 0, \"disk\": \"-\", \"mac\": \"-\"},\n"
			    "\"channels\": [\n"
			    "{\"channel\": \"control-ultravisor\", \"id\": 1, \"type\": \"control\", "
			    "\"server\": \"ultravisor\", \"client\": \"command\", \"size\": 65536}\n"
			    "]}\n"
			    "ok");
}


/* ---- policy ---- */

static const char POLICY[] =
	"policy version 1\n"
	"ZONE    POLICY  CPUS  MEMORY  KINDS                                MAX-PARTITIONS  "
	"RESTART  RESTART-MAX  FAILOVER\n"
	"system  system  0-1   192M    ultravisor,command,opspolicy,iopart               5  "
	"restart            3  none\n"
	"guests  guests  2-3   160M    guest                                             8  "
	"restart            5  iopart\n"
	"ok";

static void test_policy_show(void **state)
{
	const char *json;

	assert_string_equal(answer("policy show"), POLICY);
	assert_int_equal(pol.req[0].kind, POL_SHOW);
	assert_int_equal(pol.req[0].part_count, 0);
	assert_string_equal(answer("policy show guests --json"),
			    "{\"version\": 1, \"zones\": [\n"
			    "{\"zone\": \"guests\", \"policy\": \"guests\", \"cpus\": [2, 3], "
			    "\"memory\": 167772160, \"kinds\": [\"guest\"], \"max-partitions\": 8, "
			    "\"restart\": \"restart\",\n"
			    "\"restart-max\": 5, \"failover\": \"iopart\"}\n"
			    "]}\n"
			    "ok");
	assert_string_equal(pol.req[1].zone, "guests");
	assert_string_equal(answer("policy show nowhere"), "error: no zone named \"nowhere\"");
	json = answer("policy show --json");
	assert_json_valid(json);
	assert_json_matches_table(POLICY + strlen("policy version 1\n"), json, "zones");
}


/* ---- journal ---- */

static void add_journal(uint32_t origin, uint16_t op, const char *name)
{
	struct jrec *j = &uv.journal[uv.njournal++];

	memset(j, 0, sizeof(*j));
	j->generation = ++uv.generation;
	j->origin = origin;
	j->nops = 1;
	j->ops[0].op = op;
	strcpy(j->ops[0].name, name);
}

static void test_journal(void **state)
{
	struct jrec *j;
	const char *a;

	uv.generation = 1;
	add_journal(UV_ORIGIN_ULTRAVISOR, UV_OP_EV_LOADED, "guest-1");
	add_journal(UV_ORIGIN_CLIENT, UV_OP_START, "guest-1");
	j = &uv.journal[uv.njournal++];
	memset(j, 0, sizeof(*j));
	j->generation = ++uv.generation;
	j->origin = UV_ORIGIN_CLIENT;
	j->nops = 3;
	j->ops[0].op = UV_OP_STOP;
	strcpy(j->ops[0].name, "guest-2");
	j->ops[1].op = UV_OP_ASSIGN_MEMORY;
	strcpy(j->ops[1].name, "guest-2");
	j->ops[1].args.memory.bytes = 64 * MIB;
	j->ops[2].op = UV_OP_ASSIGN_CPU;
	strcpy(j->ops[2].name, "guest-2");
	j->ops[2].args.cpu.cpu = 3;
	for (int i = 0; i < 12; i++)
		add_journal(UV_ORIGIN_ULTRAVISOR, UV_OP_EV_CRASHED, "guest-2");
	assert_string_equal(answer("journal 4"),
			    "generation 16\n"
			    "GENERATION  ORIGIN      OPS\n"
			    "        13  ultravisor  guest-2 crashed\n"
			    "        14  ultravisor  guest-2 crashed\n"
			    "        15  ultravisor  guest-2 crashed\n"
			    "        16  ultravisor  guest-2 crashed\n"
			    "ok");
	assert_string_equal(answer("journal --json 13"),
			    "{\"generation\": 16, \"journal\": [\n"
			    "{\"generation\": 4, \"origin\": \"client\", \"ops\": [\"stop guest-2\", "
			    "\"assign guest-2 mem=64M\", \"assign guest-2 cpu=3\"]},\n"
			    "{\"generation\": 5, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 6, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 7, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 8, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 9, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 10, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 11, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 12, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 13, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 14, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 15, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]},\n"
			    "{\"generation\": 16, \"origin\": \"ultravisor\", \"ops\": [\"guest-2 "
			    "crashed\"]}\n"
			    "]}\n"
			    "ok");
	/* default 10: generations 7-16 */
	a = answer("journal");
	assert_non_null(strstr(a, "GENERATION  ORIGIN      OPS\n         7  ultravisor  guest-2 "
			       "crashed\n"));
	assert_int_equal(uv.njournal, 15);
	/* the journal kept only generations 12 and later: as many as it has */
	uv.journal_first = 12;
	a = answer("journal 14");
	assert_non_null(strstr(a, "OPS\n        12  ultravisor"));
	assert_string_equal(answer("journal 0"), "error: journal shows 1 to 100 transactions, "
			    "not 0");
	assert_string_equal(answer("journal many"), "error: bad number \"many\" for journal "
			    "(a decimal number)");
}

static void test_journal_ops_text(void **state)
{
	struct uv_op op;

	memset(&op, 0, sizeof(op));
	strcpy(op.name, "g3");
	op.op = UV_OP_CREATE;
	op.args.create.kind = BH_CFG_KIND_GUEST;
	strcpy(op.args.create.zone, "guests");
	op.args.create.vcpus = 2;
	op.args.create.memory = 64 * MIB;
	strcpy(op.args.create.image, "guest-pv");
	add_journal(UV_ORIGIN_CLIENT, UV_OP_START, "x");
	uv.journal[uv.njournal - 1].ops[0] = op;
	memset(&op.args, 0, sizeof(op.args));
	op.op = UV_OP_SET_POLICY;
	strcpy(op.name, "guests");
	op.args.policy.kinds = K(IOPART) | K(GUEST);
	op.args.policy.max_partitions = 8;
	op.args.policy.restart = BH_CFG_RESTART;
	op.args.policy.restart_max = 5;
	op.args.policy.failover = BH_CFG_FAILOVER_IOPART;
	add_journal(UV_ORIGIN_CLIENT, UV_OP_START, "x");
	uv.journal[uv.njournal - 1].ops[0] = op;
	memset(&op.args, 0, sizeof(op.args));
	op.op = UV_OP_SET_ZONE;
	op.args.zone.cpus = 0xc;
	op.args.zone.memory = 192 * MIB;
	add_journal(UV_ORIGIN_CLIENT, UV_OP_START, "x");
	uv.journal[uv.njournal - 1].ops[0] = op;
	add_journal(UV_ORIGIN_CLIENT, UV_OP_RELEASE_CHANNEL, "console-g3");
	add_journal(UV_ORIGIN_CLIENT, 99, "what");
	assert_string_equal(answer("journal 5"),
			    "generation 13\n"
			    "GENERATION  ORIGIN  OPS\n"
			    "         9  client  create g3: guest in guests, 2 vCPUs, 64M, image "
			    "guest-pv\n"
			    "        10  client  set policy guests kinds=iopart,guest max-partitions=8 "
			    "restart=restart restart-max=5 failover=iopart\n"
			    "        11  client  set zone guests cpus=2-3 memory=192M\n"
			    "        12  client  release channel console-g3\n"
			    "        13  client  op 99 what\n"
			    "ok");
}

/* A transaction of 16 ops: the OPS column wraps under itself, the JSON line is cut after
 * commas, and both stay within the line limit (on_out checks). */
static void test_journal_long_lines(void **state)
{
	struct jrec *j = &uv.journal[uv.njournal++];
	const char *a;

	memset(j, 0, sizeof(*j));
	j->generation = ++uv.generation;
	j->origin = UV_ORIGIN_CLIENT;
	j->nops = UV_REQ_OPS_MAX;
	for (int i = 0; i < UV_REQ_OPS_MAX; i++) {
		j->ops[i].op = UV_OP_ASSIGN_MEMORY;
		snprintf(j->ops[i].name, UV_NAME_LEN, "partition-%02d", i);
		j->ops[i].args.memory.bytes = 2 * MIB;
	}
	a = answer("journal 1");
	assert_non_null(strstr(a, "\n         9  client  assign partition-00 mem=2M; assign "
			       "partition-01 mem=2M; "));
	assert_non_null(strstr(a, "\n                    assign partition-"));
	assert_non_null(strstr(a, "assign partition-15 mem=2M\nok"));
	a = answer("journal 1 --json");
	assert_json_valid(a);
	assert_non_null(strstr(a, "\"assign partition-15 mem=2M\"]}\n]}\nok"));
}

/* ---- nobody answers ---- */

static void test_no_answer(void **state)
{
	uv.silent = true;
	assert_string_equal(answer("list"), "error: the ultravisor did not answer");
	assert_string_equal(answer("stop guest-1"), "error: the ultravisor did not answer");
	uv.silent = false;
	pol.silent = true;
	assert_string_equal(answer("start guest-2"),
			    "error: the operations partition did not answer");
	assert_string_equal(answer("policy show"), "error: the operations partition did not "
			    "answer");
	assert_int_equal(uv.ntxn, 0);
	pol.silent = false;
	uv.garble = true;
	assert_string_equal(answer("list"), "error: the ultravisor's answer is malformed");
	uv.garble = false;
	uv.page = 0; /* "more" forever, no records */
	assert_string_equal(answer("list"), "error: the ultravisor's answer is malformed");
	uv.page = 3;
	assert_string_equal(answer("list"), LIST);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_help, setup),
		cmocka_unit_test_setup(test_unknown_and_usage, setup),
		cmocka_unit_test_setup(test_line_rules, setup),
		cmocka_unit_test_setup(test_list, setup),
		cmocka_unit_test_setup(test_list_zones, setup),
		cmocka_unit_test_setup(test_list_resources, setup),
		cmocka_unit_test_setup(test_list_channels, setup),
		cmocka_unit_test_setup(test_show, setup),
		cmocka_unit_test_setup(test_start, setup),
		cmocka_unit_test_setup(test_start_denied, setup),
		cmocka_unit_test_setup(test_stop_restart_destroy, setup),
		cmocka_unit_test_setup(test_create, setup),
		cmocka_unit_test_setup(test_create_errors, setup),
		cmocka_unit_test_setup(test_create_never_loads, setup),
		cmocka_unit_test_setup(test_create_busy_loader, setup),
		cmocka_unit_test_setup(test_assign_release, setup),
		cmocka_unit_test_setup(test_policy_show, setup),
		cmocka_unit_test_setup(test_policy_set, setup),
		cmocka_unit_test_setup(test_policy_set_refused, setup),
		cmocka_unit_test_setup(test_policy_set_rolled_back, setup),
		cmocka_unit_test_setup(test_journal, setup),
		cmocka_unit_test_setup(test_journal_ops_text, setup),
		cmocka_unit_test_setup(test_journal_long_lines, setup),
		cmocka_unit_test_setup(test_no_answer, setup),
		cmocka_unit_test_setup(test_boot, setup),
		cmocka_unit_test_setup(test_boot_waits_for_the_console, setup),
		cmocka_unit_test_setup(test_boot_denied, setup),
		cmocka_unit_test_setup(test_console, setup),
		cmocka_unit_test_setup(test_console_refused, setup),
		cmocka_unit_test_setup(test_random_garbage, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

