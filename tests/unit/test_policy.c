/* SPDX-License-Identifier: MIT */
/* test_policy.c - the operations partition's policy engine (opspolicy/policy*.c): every
 * POL_CHECK rule with its exact reason and their order, POL_SET of every key (applied with
 * a version bump and the zones it changed, or refused with the violators and the database
 * unchanged to the byte), malformed requests, POL_SHOW. */
#include <bulkhead/uvcmd.h>
#include "config_build.h"
#include "opspolicy/policy.h"

static struct policy_db db, saved;
static struct pol_request rq;
static struct pol_response rs;
static uint64_t next_id = 100;

static const char *examples_dir(void)
{
	const char *dir = getenv("BH_CFG_EXAMPLES");

	return dir ? dir : POLICY_EXAMPLES_DIR;
}

/* build/examples/<name>.bin into blob. */
static void load_example(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", examples_dir(), name);
	f = fopen(path, "rb");
	if (!f)
		print_message("%s: missing (make config-examples)\n", path);
	assert_non_null(f);
	blob_len = fread(blob, 1, sizeof(blob), f);
	fclose(f);
}

static void boot_blob(void)
{
	char err[256] = "";
	int r = policy_init_from_blob(&db, blob, blob_len, err, sizeof(err));

	if (r)
		print_message("policy_init_from_blob: %d %s\n", r, err);
	assert_int_equal(r, 0);
	assert_int_equal(db.version, 1);
}

/* examples/default.yaml: zones system (CPUs 0-1, 192 MiB, policy system) and guests (CPUs
 * 2-3, 160 MiB, policy guests: kind guest, 8 partitions, restart-max 5, failover iopart). */
static void boot_default(void)
{
	load_example("default");
	boot_blob();
}

static void begin(uint16_t kind)
{
	memset(&rq, 0, sizeof(rq));
	rq.magic = POL_REQ_MAGIC;
	rq.version = POL_VERSION;
	rq.kind = kind;
	rq.request_id = ++next_id;
	rq.action = kind == POL_CHECK ? POL_ACT_CREATE : 0;
}

/* A partition, running, restart "stop", one vCPU per bit of cpus in ascending order. */
static void fill(struct pol_part *p, const char *name, uint32_t kind, const char *zone,
		 uint64_t mib, uint64_t cpus)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->zone, sizeof(p->zone), "%s", zone);
	p->kind = kind;
	p->state = UV_STATE_RUNNING;
	p->memory = mib * MIB;
	p->restart = BH_CFG_RESTART_STOP;
	for (uint32_t cpu = 0; cpu < 64; cpu++)
		if (cpus & (1ull << cpu))
			p->cpus[p->vcpus++] = (uint8_t)cpu;
}

static struct pol_part *add(const char *name, uint32_t kind, const char *zone, uint64_t mib,
			    uint64_t cpus)
{
	struct pol_part *p = &rq.parts[rq.part_count++];

	fill(p, name, kind, zone, mib, cpus);
	return p;
}

static struct pol_part *restarts(struct pol_part *p, uint32_t max)
{
	p->restart = BH_CFG_RESTART;
	p->restart_max = max;
	return p;
}

static struct pol_part *named(const char *name)
{
	for (uint32_t i = 0; i < rq.part_count; i++)
		if (!strcmp(rq.parts[i].name, name))
			return &rq.parts[i];
	fail();
	return NULL;
}

/* The default example as the command partition would see it with everything running:
 * system holds 192 of 192 MiB, guests 128 of 160 MiB. */
static void default_parts(void)
{
	add("ultravisor", BH_CFG_KIND_ULTRAVISOR, "system", 32, 0x1);
	restarts(add("command", BH_CFG_KIND_COMMAND, "system", 16, 0x1), 3);
	restarts(add("opspolicy", BH_CFG_KIND_OPSPOLICY, "system", 16, 0x1), 3);
	restarts(add("iopart-a", BH_CFG_KIND_IOPART, "system", 64, 0x2), 3);
	restarts(add("iopart-b", BH_CFG_KIND_IOPART, "system", 64, 0x2), 3);
	restarts(add("guest-1", BH_CFG_KIND_GUEST, "guests", 64, 0xc), 5);
	restarts(add("guest-2", BH_CFG_KIND_GUEST, "guests", 64, 0xc), 5);
}

static struct pol_part *subject(const char *name, uint32_t kind, const char *zone,
				uint64_t mib, uint64_t cpus)
{
	fill(&rq.subject, name, kind, zone, mib, cpus);
	rq.subject.state = UV_STATE_CREATED;
	return &rq.subject;
}

static void kv(const char *zone, const char *key, const char *value)
{
	snprintf(rq.zone, sizeof(rq.zone), "%s", zone);
	snprintf(rq.key, sizeof(rq.key), "%s", key);
	snprintf(rq.value, sizeof(rq.value), "%s", value);
}

/* Handles rq: status and reason exact, the header always filled. */
static void expect(int status, const char *reason)
{
	int r = policy_handle(&db, &rq, &rs);

	if (r != status || strcmp(rs.reason, reason))
		print_message("expected %d \"%s\"\n     got %d \"%s\"\n", status, reason, r,
			      rs.reason);
	assert_int_equal(r, status);
	assert_int_equal(rs.status, status);
	assert_string_equal(rs.reason, reason);
	assert_int_equal(rs.magic, POL_RESP_MAGIC);
	assert_int_equal(rs.version, POL_VERSION);
	assert_int_equal(rs.kind, rq.kind);
	assert_int_equal(rs.request_id, rq.request_id);
	assert_int_equal(rs.policy_version, db.version);
	if (status)
		assert_int_equal(rs.zone_count, 0);
}

/* Handled, and the database is unchanged to the byte (refused, allowed, or shown). */
static void unchanged(int status, const char *reason)
{
	saved = db;
	expect(status, reason);
	assert_memory_equal(&saved, &db, sizeof(db));
}

/* Applied: version + 1, and the answer lists exactly these zones. */
static void applied(const char *zone1, const char *zone2)
{
	uint32_t version = db.version;

	expect(0, "");
	assert_int_equal(db.version, version + 1);
	assert_int_equal(rs.violator_count, 0);
	assert_int_equal(rs.zone_count, zone2 ? 2 : 1);
	assert_string_equal(rs.zones[0].name, zone1);
	if (zone2)
		assert_string_equal(rs.zones[1].name, zone2);
}

static void expect_violators(const char *v1, const char *v2)
{
	assert_int_equal(rs.violator_count, v2 ? 2 : 1);
	assert_string_equal(rs.violators[0], v1);
	if (v2)
		assert_string_equal(rs.violators[1], v2);
}

static const char *value(const char *zone, const char *key)
{
	static char buf[96];

	assert_int_equal(policy_value_text(&db, zone, key, buf, sizeof(buf)), 0);
	return buf;
}

static struct policy_zone *zone_named(const char *name)
{
	for (uint32_t i = 0; i < db.zone_count; i++)
		if (!strcmp(db.zones[i].name, name))
			return &db.zones[i];
	fail();
	return NULL;
}

static struct policy_rule *policy_of(const char *zone)
{
	return &db.policies[zone_named(zone)->policy];
}

/* ---- Boot ---- */

static void test_init_examples(void **state)
{
	static const char *const names[] = { "default", "dense", "minimal", "two-zones" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		load_example(names[i]);
		boot_blob();
	}
	boot_default();
	assert_int_equal(db.zone_count, 2);
	assert_int_equal(db.rule_count, 2);
	assert_int_equal(db.cpu_count, 4);
	assert_int_equal(zone_named("guests")->cpus, 0xc);
	assert_int_equal(zone_named("guests")->memory, 160 * MIB);
	assert_string_equal(policy_of("guests")->name, "guests");
	assert_int_equal(policy_of("guests")->kinds, 1u << BH_CFG_KIND_GUEST);
	assert_int_equal(policy_of("guests")->max_partitions, 8);
	assert_int_equal(policy_of("guests")->restart, BH_CFG_RESTART);
	assert_int_equal(policy_of("guests")->restart_max, 5);
	assert_int_equal(policy_of("guests")->failover, BH_CFG_FAILOVER_IOPART);
	assert_int_equal(policy_of("system")->kinds, 0x1e);
}

static void test_init_refuses_bad_blob(void **state)
{
	static const struct policy_db zero;
	char err[256];

	boot_default();
	blob[0x200] ^= 1;
	assert_int_equal(policy_init_from_blob(&db, blob, blob_len, err, sizeof(err)), -BH_EINVAL);
	assert_non_null(strstr(err, "config blob: header.checksum"));
	assert_memory_equal(&db, &zero, sizeof(db));
	assert_int_equal(policy_init_from_blob(&db, blob, 16, err, sizeof(err)), -BH_EINVAL);
	assert_memory_equal(&db, &zero, sizeof(db));
}

static void test_value_text(void **state)
{
	char buf[8];

	boot_default();
	assert_string_equal(value("guests", "memory"), "160 MiB");
	assert_string_equal(value("guests", "cpus"), "2-3");
	assert_string_equal(value("guests", "max-partitions"), "8");
	assert_string_equal(value("guests", "kinds"), "guest");
	assert_string_equal(value("system", "kinds"), "ultravisor,command,opspolicy,iopart");
	assert_string_equal(value("guests", "restart"), "restart");
	assert_string_equal(value("guests", "restart-max"), "5");
	assert_string_equal(value("guests", "failover"), "iopart");
	assert_string_equal(value("system", "failover"), "none");
	assert_int_equal(policy_value_text(&db, "nowhere", "memory", buf, sizeof(buf)), -BH_ENOENT);
	assert_int_equal(policy_value_text(&db, "guests", "colour", buf, sizeof(buf)), -BH_ENOENT);
	assert_int_equal(policy_value_text(&db, "system", "kinds", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ultravi"); /* truncated, terminated */
}

/* ---- POL_CHECK ---- */

static void test_check_allowed(void **state)
{
	boot_default();
	for (uint32_t action = POL_ACT_CREATE; action <= POL_ACT_ASSIGN; action++) {
		begin(POL_CHECK);
		rq.action = action;
		default_parts();
		restarts(subject("guest-3", BH_CFG_KIND_GUEST, "guests", 32, 0x4), 5);
		unchanged(0, "");
		assert_int_equal(rs.zone_count, 0);
		assert_int_equal(rs.violator_count, 0);
		assert_int_equal(rs.policy_version, 1);
	}
	begin(POL_CHECK); /* no restarts asked: no ceiling applies */
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 160, 0xc);
	unchanged(0, "");
}

static void test_check_zone(void **state)
{
	boot_default();
	begin(POL_CHECK);
	default_parts();
	subject("guest-3", BH_CFG_KIND_GUEST, "nowhere", 32, 0x4);
	unchanged(-BH_ENOENT, "zone nowhere: no such zone");
}

static void test_check_kind(void **state)
{
	boot_default();
	begin(POL_CHECK);
	default_parts();
	subject("guest-3", BH_CFG_KIND_GUEST, "system", 2, 0x1);
	unchanged(-BH_EPERM, "zone system: policy system does not allow kind guest");
	subject("io-3", BH_CFG_KIND_IOPART, "guests", 2, 0x4);
	unchanged(-BH_EPERM, "zone guests: policy guests does not allow kind iopart");
}

static void test_check_cpus(void **state)
{
	boot_default();
	begin(POL_CHECK);
	default_parts();
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0x1);
	unchanged(-BH_EPERM, "zone guests: CPU 0 is not in the zone (CPUs 2-3)");
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	rq.subject.cpus[rq.subject.vcpus++] = 200; /* a second vCPU, far outside */
	unchanged(-BH_EPERM, "zone guests: CPU 200 is not in the zone (CPUs 2-3)");
}

static void test_check_restart(void **state)
{
	boot_default();
	begin(POL_CHECK);
	default_parts();
	restarts(subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0x4), 9);
	unchanged(-BH_EPERM, "zone guests: restart-max 9 over the policy's ceiling 5");
	rq.subject.restart_max = 0;
	unchanged(-BH_EPERM, "zone guests: restart-max unlimited over the policy's ceiling 5");
	rq.subject.restart_max = 5;
	unchanged(0, "");
	rq.subject.restart = BH_CFG_RESTART_STOP;
	rq.subject.restart_max = 0;
	unchanged(0, "");

	begin(POL_SET); /* nothing running: the policy may forbid restarts */
	kv("guests", "restart", "stop");
	applied("guests", NULL);
	begin(POL_CHECK);
	restarts(subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0x4), 1);
	unchanged(-BH_EPERM, "zone guests: policy guests does not allow restart");
	rq.subject.restart = BH_CFG_RESTART_STOP;
	rq.subject.restart_max = 0;
	unchanged(0, "");
}

static void test_check_count(void **state)
{
	char name[24];

	boot_default();
	begin(POL_CHECK);
	default_parts();
	for (int i = 3; i <= 8; i++) { /* stopped ones count too */
		snprintf(name, sizeof(name), "guest-%d", i);
		add(name, BH_CFG_KIND_GUEST, "guests", 2, 0x4)->state = UV_STATE_STOPPED;
	}
	subject("guest-9", BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	unchanged(-BH_EPERM, "zone guests: policy guests allows at most 8 partitions, 9 needed");
	subject("guest-8", BH_CFG_KIND_GUEST, "guests", 2, 0x4); /* replaces its namesake */
	rq.action = POL_ACT_START;
	unchanged(0, "");
	subject("guest-9", BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	named("guest-8")->zone[0] = 'x'; /* in another zone now: it does not count here */
	unchanged(0, "");
}

static void test_check_memory(void **state)
{
	boot_default();
	begin(POL_CHECK);
	default_parts();
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 64, 0x4);
	unchanged(-BH_EPERM, "zone guests: memory budget 160 MiB, 192 MiB needed (policy guests)");
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 32, 0x4);
	unchanged(0, "");
	rq.action = POL_ACT_ASSIGN; /* guest-1 as it would be: it replaces itself */
	subject("guest-1", BH_CFG_KIND_GUEST, "guests", 96, 0xc);
	unchanged(0, "");
	subject("guest-1", BH_CFG_KIND_GUEST, "guests", 128, 0xc);
	named("guest-2")->state = UV_STATE_CRASHED; /* every state counts */
	unchanged(-BH_EPERM, "zone guests: memory budget 160 MiB, 192 MiB needed (policy guests)");
	subject("ultravisor", BH_CFG_KIND_ULTRAVISOR, "system", 34, 0x1);
	unchanged(-BH_EPERM, "zone system: memory budget 192 MiB, 194 MiB needed (policy system)");
}

/* Kinds, CPUs, restart, count, memory: the first broken rule is the one named. */
static void test_check_order(void **state)
{
	char name[24];

	boot_default();
	begin(POL_CHECK);
	default_parts();
	for (int i = 3; i <= 8; i++) {
		snprintf(name, sizeof(name), "guest-%d", i);
		add(name, BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	}
	restarts(subject("x", BH_CFG_KIND_IOPART, "guests", 1024, 0x1), 9);
	unchanged(-BH_EPERM, "zone guests: policy guests does not allow kind iopart");
	rq.subject.kind = BH_CFG_KIND_GUEST;
	unchanged(-BH_EPERM, "zone guests: CPU 0 is not in the zone (CPUs 2-3)");
	rq.subject.cpus[0] = 3;
	unchanged(-BH_EPERM, "zone guests: restart-max 9 over the policy's ceiling 5");
	rq.subject.restart_max = 4;
	unchanged(-BH_EPERM, "zone guests: policy guests allows at most 8 partitions, 9 needed");
	rq.part_count--;
	unchanged(-BH_EPERM, "zone guests: memory budget 160 MiB, 1162 MiB needed (policy guests)");
	rq.subject.memory = 20 * MIB;
	unchanged(0, "");
}

/* ---- POL_SET ---- */

static void test_set_memory(void **state)
{
	boot_default();
	begin(POL_SET);
	default_parts();
	kv("guests", "memory", "256M");
	applied("guests", NULL);
	assert_int_equal(db.version, 2);
	assert_int_equal(rs.policy_version, 2);
	assert_string_equal(rs.zones[0].policy, "guests");
	assert_int_equal(rs.zones[0].memory, 256 * MIB);
	assert_int_equal(rs.zones[0].cpus, 0xc);
	assert_int_equal(rs.zones[0].max_partitions, 8);
	assert_int_equal(zone_named("guests")->memory, 256 * MIB);
	assert_int_equal(zone_named("system")->memory, 192 * MIB);
	kv("guests", "memory", "128m"); /* exactly what the zone holds */
	applied("guests", NULL);
	assert_string_equal(value("guests", "memory"), "128 MiB");
	kv("guests", "memory", "1g");
	applied("guests", NULL);
	assert_string_equal(value("guests", "memory"), "1 GiB");
	kv("guests", "memory", "262144K");
	applied("guests", NULL);
	assert_string_equal(value("guests", "memory"), "256 MiB");
	kv("guests", "memory", "134217728");
	applied("guests", NULL);
	assert_int_equal(zone_named("guests")->memory, 128 * MIB);
	assert_int_equal(db.version, 6);
}

static void test_set_memory_refused(void **state)
{
	boot_default();
	begin(POL_SET);
	default_parts();
	kv("guests", "memory", "64M");
	unchanged(-BH_EPERM, "zone guests: memory=64M would break the rule for 2 running "
		"partition(s): memory budget 64 MiB, 128 MiB in use");
	expect_violators("guest-1", "guest-2");
	assert_int_equal(db.version, 1);
	named("guest-2")->state = UV_STATE_STOPPED; /* counts, but is no violator */
	unchanged(-BH_EPERM, "zone guests: memory=64M would break the rule for 1 running "
		"partition(s): memory budget 64 MiB, 128 MiB in use");
	expect_violators("guest-1", NULL);
	named("guest-1")->state = UV_STATE_LOADED;
	applied("guests", NULL); /* nothing running breaks it */
	assert_int_equal(zone_named("guests")->memory, 64 * MIB);
}

static void test_set_memory_bad(void **state)
{
	static const struct {
		const char *value, *why;
	} bad[] = {
		{ "abc", "not a size (<n>[K|M|G])" },
		{ "", "not a size (<n>[K|M|G])" },
		{ "160MB", "not a size (<n>[K|M|G])" },
		{ "1T", "not a size (<n>[K|M|G])" },
		{ " 64M", "not a size (<n>[K|M|G])" },
		{ "-2M", "not a size (<n>[K|M|G])" },
		{ "99999999999999999999M", "not a size (<n>[K|M|G])" },
		{ "5000000G", "ends above the 52-bit physical limit" },
		{ "0", "a budget must be above zero" },
		{ "0M", "a budget must be above zero" },
		{ "3M", "3 MiB is not a multiple of 2 MiB" },
		{ "1000", "0x3e8 is not a multiple of 2 MiB" },
	};
	char reason[POL_REASON_LEN];

	boot_default();
	begin(POL_SET);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kv("guests", "memory", bad[i].value);
		snprintf(reason, sizeof(reason), "zone guests: memory=%s: %s", bad[i].value,
			 bad[i].why);
		unchanged(-BH_EINVAL, reason);
	}
}

static void test_set_cpus(void **state)
{
	boot_default();
	begin(POL_SET);
	kv("guests", "cpus", "2");
	applied("guests", NULL);
	assert_int_equal(rs.zones[0].cpus, 0x4);
	kv("guests", "cpus", "3,2");
	applied("guests", NULL);
	assert_int_equal(zone_named("guests")->cpus, 0xc);
	kv("guests", "cpus", "3");
	applied("guests", NULL);
	kv("guests", "cpus", "2-3");
	applied("guests", NULL);
	assert_string_equal(value("guests", "cpus"), "2-3");

	default_parts();
	kv("guests", "cpus", "2");
	unchanged(-BH_EPERM, "zone guests: cpus=2 would break the rule for 2 running partition(s): "
		"CPU 3 is not in the zone (CPUs 2)");
	expect_violators("guest-1", "guest-2");
	named("guest-1")->state = UV_STATE_STOPPED;
	named("guest-2")->cpus[1] = 2; /* (two vCPUs on one CPU: not this engine's business) */
	applied("guests", NULL);
	assert_int_equal(zone_named("guests")->cpus, 0x4);
}

static void test_set_cpus_bad(void **state)
{
	static const struct {
		const char *value, *why;
	} bad[] = {
		{ "", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "x", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "2,,3", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "2,", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "2-", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "-2", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "2;3", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "2 3", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "2-3-", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "3-2", "CPUs 3-2 run backwards" },
		{ "4", "CPU 4 but the machine has CPUs 0-3" },
		{ "2-64", "CPU 64 but the machine has CPUs 0-3" },
		{ "99999999999999999999", "not a CPU list (\"2,3\" or \"2-3\")" },
		{ "1-2", "CPU 1 is in zone system" },
		{ "3,0", "CPU 0 is in zone system" },
	};
	char reason[POL_REASON_LEN];

	boot_default();
	begin(POL_SET);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kv("guests", "cpus", bad[i].value);
		snprintf(reason, sizeof(reason), "zone guests: cpus=%s: %s", bad[i].value,
			 bad[i].why);
		unchanged(-BH_EINVAL, reason);
	}
}

static void test_set_max_partitions(void **state)
{
	boot_default();
	begin(POL_SET);
	default_parts();
	kv("guests", "max-partitions", "1");
	unchanged(-BH_EPERM, "zone guests: max-partitions=1 would break the rule for 2 running "
		"partition(s): policy guests allows at most 1 partitions, 2 in the zone");
	expect_violators("guest-1", "guest-2");
	named("guest-1")->state = UV_STATE_CREATED; /* counts, but is no violator */
	unchanged(-BH_EPERM, "zone guests: max-partitions=1 would break the rule for 1 running "
		"partition(s): policy guests allows at most 1 partitions, 2 in the zone");
	expect_violators("guest-2", NULL);
	kv("guests", "max-partitions", "2");
	applied("guests", NULL);
	assert_int_equal(rs.zones[0].max_partitions, 2);
	kv("guests", "max-partitions", "0"); /* no limit */
	applied("guests", NULL);
	assert_int_equal(policy_of("guests")->max_partitions, 0);
	kv("guests", "max-partitions", "-1");
	unchanged(-BH_EINVAL, "zone guests: max-partitions=-1: not a decimal number");
	kv("guests", "max-partitions", "1x");
	unchanged(-BH_EINVAL, "zone guests: max-partitions=1x: not a decimal number");
	kv("guests", "max-partitions", "");
	unchanged(-BH_EINVAL, "zone guests: max-partitions=: not a decimal number");
	kv("guests", "max-partitions", "4294967296");
	unchanged(-BH_EINVAL, "zone guests: max-partitions=4294967296: 4294967296 over the limit "
		"of 4294967295");
}

static void test_set_kinds(void **state)
{
	boot_default();
	begin(POL_SET);
	default_parts();
	kv("guests", "kinds", "iopart");
	unchanged(-BH_EPERM, "zone guests: kinds=iopart would break the rule for 2 running "
		"partition(s): policy guests does not allow kind guest");
	expect_violators("guest-1", "guest-2");
	kv("guests", "kinds", "guest,iopart");
	applied("guests", NULL);
	assert_int_equal(rs.zones[0].kinds, (1u << BH_CFG_KIND_GUEST) | (1u << BH_CFG_KIND_IOPART));
	assert_string_equal(value("guests", "kinds"), "iopart,guest");
	kv("system", "kinds", "ultravisor,command,opspolicy,iopart,guest,guest");
	applied("system", NULL);
	assert_int_equal(policy_of("system")->kinds, 0x3e);
	kv("guests", "kinds", "vm");
	unchanged(-BH_EINVAL, "zone guests: kinds=vm: unknown kind \"vm\" (ultravisor command "
		"opspolicy iopart guest)");
	kv("guests", "kinds", "guest,");
	unchanged(-BH_EINVAL, "zone guests: kinds=guest,: unknown kind \"\" (ultravisor command "
		"opspolicy iopart guest)");
	kv("guests", "kinds", "");
	unchanged(-BH_EINVAL, "zone guests: kinds=: unknown kind \"\" (ultravisor command "
		"opspolicy iopart guest)");
	kv("guests", "kinds", "guests");
	unchanged(-BH_EINVAL, "zone guests: kinds=guests: unknown kind \"guests\" (ultravisor "
		"command opspolicy iopart guest)");
}

static void test_set_restart(void **state)
{
	boot_default();
	begin(POL_SET);
	default_parts();
	kv("guests", "restart", "stop");
	unchanged(-BH_EPERM, "zone guests: restart=stop would break the rule for 2 running "
		"partition(s): policy guests does not allow restart");
	expect_violators("guest-1", "guest-2");
	named("guest-1")->restart = named("guest-2")->restart = BH_CFG_RESTART_STOP;
	applied("guests", NULL);
	assert_int_equal(rs.zones[0].restart, BH_CFG_RESTART_STOP);
	assert_int_equal(rs.zones[0].restart_max, 0); /* a count needs "restart" */
	kv("guests", "restart", "restart");
	applied("guests", NULL);
	assert_int_equal(policy_of("guests")->restart, BH_CFG_RESTART);
	assert_int_equal(policy_of("guests")->restart_max, 0);
	kv("guests", "restart", "never");
	unchanged(-BH_EINVAL, "zone guests: restart=never: not stop or restart");
	kv("guests", "restart", "Stop");
	unchanged(-BH_EINVAL, "zone guests: restart=Stop: not stop or restart");
}

static void test_set_restart_max(void **state)
{
	boot_default();
	begin(POL_SET);
	default_parts();
	kv("guests", "restart-max", "3");
	unchanged(-BH_EPERM, "zone guests: restart-max=3 would break the rule for 2 running "
		"partition(s): restart-max 5 over the policy's ceiling 3");
	expect_violators("guest-1", "guest-2");
	named("guest-1")->restart_max = 0;
	named("guest-2")->restart_max = 3;
	unchanged(-BH_EPERM, "zone guests: restart-max=3 would break the rule for 1 running "
		"partition(s): restart-max unlimited over the policy's ceiling 3");
	expect_violators("guest-1", NULL);
	kv("guests", "restart-max", "0"); /* no ceiling */
	applied("guests", NULL);
	named("guest-1")->restart_max = 2;
	kv("guests", "restart-max", "3");
	applied("guests", NULL);
	assert_int_equal(rs.zones[0].restart_max, 3);
	kv("guests", "restart-max", "1001");
	unchanged(-BH_EINVAL, "zone guests: restart-max=1001: 1001 over the limit of 1000");
	kv("guests", "restart-max", "three");
	unchanged(-BH_EINVAL, "zone guests: restart-max=three: not a decimal number");

	begin(POL_SET);
	kv("guests", "restart", "stop");
	applied("guests", NULL);
	kv("guests", "restart-max", "2");
	unchanged(-BH_EINVAL, "zone guests: restart-max=2: policy guests stops partitions that "
		"die: a count needs restart=restart");
	kv("guests", "restart-max", "0");
	applied("guests", NULL);
}

static void test_set_failover(void **state)
{
	boot_default();
	begin(POL_SET);
	default_parts();
	kv("guests", "failover", "none");
	applied("guests", NULL);
	assert_int_equal(rs.zones[0].failover, BH_CFG_FAILOVER_NONE);
	kv("guests", "failover", "iopart");
	applied("guests", NULL);
	assert_int_equal(policy_of("guests")->failover, BH_CFG_FAILOVER_IOPART);
	kv("guests", "failover", "both");
	unchanged(-BH_EINVAL, "zone guests: failover=both: not none or iopart");
}

static void test_set_unknown(void **state)
{
	boot_default();
	begin(POL_SET);
	kv("nowhere", "memory", "64M");
	unchanged(-BH_ENOENT, "zone nowhere: no such zone");
	kv("guests", "colour", "blue");
	unchanged(-BH_ENOENT, "zone guests: no such key \"colour\" (memory cpus max-partitions "
		"kinds restart restart-max failover)");
	kv("guests", "", "");
	unchanged(-BH_ENOENT, "zone guests: no such key \"\" (memory cpus max-partitions kinds "
		"restart restart-max failover)");
}

/* A policy key changes every zone that names the policy; a zone key only its zone. */
static void test_set_shared_policy(void **state)
{
	good(); /* config_build.h, plus a zone "lab" on CPUs 4-5 under policy guests */
	T.hdr.cpu_count = 6;
	T.zone[T.n[BH_CFG_ZONES]++] = (struct bh_cfg_zone){ "lab", 0x30, 64 * MIB, 1, 0, 0 };
	pack();
	boot_blob();
	begin(POL_SET);
	restarts(add("guest-1", BH_CFG_KIND_GUEST, "guests", 64, 0xc), 3);
	add("lab-1", BH_CFG_KIND_GUEST, "lab", 32, 0x10);
	kv("guests", "kinds", "iopart");
	unchanged(-BH_EPERM, "zone guests: kinds=iopart would break the rule for 2 running "
		"partition(s): policy guests does not allow kind guest");
	expect_violators("guest-1", "lab-1");
	named("guest-1")->state = UV_STATE_STOPPED;
	unchanged(-BH_EPERM, "zone guests: kinds=iopart would break the rule for 1 running "
		"partition(s): zone lab: policy guests does not allow kind guest");
	expect_violators("lab-1", NULL);
	kv("guests", "max-partitions", "3");
	applied("guests", "lab");
	assert_int_equal(rs.zones[0].max_partitions, 3);
	assert_int_equal(rs.zones[1].max_partitions, 3);
	assert_string_equal(rs.zones[1].policy, "guests");
	kv("lab", "memory", "32M");
	applied("lab", NULL);
	kv("lab", "cpus", "4");
	applied("lab", NULL);
	kv("lab", "cpus", "5,3");
	unchanged(-BH_EINVAL, "zone lab: cpus=5,3: CPU 3 is in zone guests");
	kv("lab", "restart-max", "2");
	applied("guests", "lab");
	assert_int_equal(policy_of("lab")->restart_max, 2);
	assert_int_equal(policy_of("system")->restart_max, 3);
}

static void test_set_violators_capped(void **state)
{
	char name[24];

	boot_default();
	begin(POL_SET);
	for (int i = 1; i <= 20; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		add(name, BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	}
	kv("guests", "max-partitions", "4");
	unchanged(-BH_EPERM, "zone guests: max-partitions=4 would break the rule for 20 running "
		"partition(s): policy guests allows at most 4 partitions, 20 in the zone");
	assert_int_equal(rs.violator_count, POL_VIOLATORS_MAX);
	assert_string_equal(rs.violators[0], "g1");
	assert_string_equal(rs.violators[POL_VIOLATORS_MAX - 1], "g16");
}

/* ---- Malformed requests ---- */

static void test_malformed_header(void **state)
{
	boot_default();
	begin(POL_SHOW);
	rq.magic = 0x12345678;
	unchanged(-BH_EINVAL, "magic 0x12345678, expected 0x51524f50");
	begin(POL_SHOW);
	rq.version = 2;
	unchanged(-BH_EINVAL, "version 2, expected 1");
	begin(0);
	unchanged(-BH_EINVAL, "kind 0 unknown");
	begin(4);
	unchanged(-BH_EINVAL, "kind 4 unknown");
	assert_int_equal(rs.kind, 4);
	begin(POL_SET);
	kv("guests", "memory", "256M");
	rq.part_count = POL_PARTS_MAX + 1;
	unchanged(-BH_EINVAL, "part_count 65 over 64");
	begin(POL_CHECK);
	rq.action = 0;
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	unchanged(-BH_EINVAL, "action 0 unknown (1 create, 2 start, 3 assign)");
	rq.action = POL_ACT_ASSIGN + 1;
	unchanged(-BH_EINVAL, "action 4 unknown (1 create, 2 start, 3 assign)");
}

static void test_malformed_strings(void **state)
{
	boot_default();
	begin(POL_SHOW);
	memset(rq.zone, 'a', sizeof(rq.zone));
	unchanged(-BH_EINVAL, "zone not NUL-terminated");
	begin(POL_SET);
	kv("guests", "memory", "256M");
	memset(rq.key, 'k', sizeof(rq.key));
	unchanged(-BH_EINVAL, "key not NUL-terminated");
	kv("guests", "memory", "256M");
	memset(rq.value, '1', sizeof(rq.value));
	unchanged(-BH_EINVAL, "value not NUL-terminated");
	kv("guests", "memory", "256M");
	default_parts();
	memset(rq.parts[3].zone, 'z', sizeof(rq.parts[3].zone));
	unchanged(-BH_EINVAL, "parts[3].zone not NUL-terminated");
	memset(rq.parts[0].name, 'n', sizeof(rq.parts[0].name));
	unchanged(-BH_EINVAL, "parts[0].name not NUL-terminated");
	begin(POL_CHECK);
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	memset(rq.subject.name, 's', sizeof(rq.subject.name));
	unchanged(-BH_EINVAL, "subject.name not NUL-terminated");
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	memset(rq.subject.zone, 's', sizeof(rq.subject.zone));
	unchanged(-BH_EINVAL, "subject.zone not NUL-terminated");
}

static void test_malformed_parts(void **state)
{
	boot_default();
	begin(POL_CHECK);
	subject("guest-3", 0, "guests", 2, 0x4);
	unchanged(-BH_EINVAL, "subject.kind 0 unknown");
	rq.subject.kind = BH_CFG_KIND_NR;
	unchanged(-BH_EINVAL, "subject.kind 6 unknown");
	rq.subject.kind = 40; /* never a shift past 31 */
	unchanged(-BH_EINVAL, "subject.kind 40 unknown");
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	rq.subject.restart = 3;
	unchanged(-BH_EINVAL, "subject.restart 3 unknown");
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0);
	unchanged(-BH_EINVAL, "subject.vcpus 0, expected 1 to 16");
	rq.subject.vcpus = 17;
	unchanged(-BH_EINVAL, "subject.vcpus 17, expected 1 to 16");
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 2, 0x4);
	default_parts();
	rq.parts[1].kind = 9;
	unchanged(-BH_EINVAL, "parts[1].kind 9 unknown");
	rq.parts[1].kind = BH_CFG_KIND_COMMAND;
	rq.parts[6].vcpus = 0xffffffff;
	unchanged(-BH_EINVAL, "parts[6].vcpus 4294967295, expected 1 to 16");
	rq.part_count = 6; /* parts past part_count are not looked at */
	unchanged(0, "");
	begin(POL_SHOW); /* the subject of a SHOW is not looked at */
	rq.subject.kind = 99;
	unchanged(0, "");
}

/* ---- POL_SHOW ---- */

static void test_show(void **state)
{
	boot_default();
	begin(POL_SHOW);
	unchanged(0, "");
	assert_int_equal(rs.policy_version, 1);
	assert_int_equal(rs.zone_count, 2);
	assert_string_equal(rs.zones[0].name, "system");
	assert_string_equal(rs.zones[0].policy, "system");
	assert_int_equal(rs.zones[0].cpus, 0x3);
	assert_int_equal(rs.zones[0].memory, 192 * MIB);
	assert_int_equal(rs.zones[0].kinds, 0x1e);
	assert_int_equal(rs.zones[0].max_partitions, 5);
	assert_int_equal(rs.zones[0].restart, BH_CFG_RESTART);
	assert_int_equal(rs.zones[0].restart_max, 3);
	assert_int_equal(rs.zones[0].failover, BH_CFG_FAILOVER_NONE);
	assert_string_equal(rs.zones[1].name, "guests");
	assert_int_equal(rs.zones[1].cpus, 0xc);
	assert_int_equal(rs.zones[1].memory, 160 * MIB);
	assert_int_equal(rs.zones[1].failover, BH_CFG_FAILOVER_IOPART);
	kv("guests", "", "");
	unchanged(0, "");
	assert_int_equal(rs.zone_count, 1);
	assert_string_equal(rs.zones[0].name, "guests");
	kv("nowhere", "", "");
	unchanged(-BH_ENOENT, "zone nowhere: no such zone");

	begin(POL_SET);
	kv("guests", "memory", "256M");
	applied("guests", NULL);
	begin(POL_SHOW);
	kv("guests", "", "");
	unchanged(0, "");
	assert_int_equal(rs.policy_version, 2);
	assert_int_equal(rs.zones[0].memory, 256 * MIB);
}

/* The header of every answer, whatever the request. */
static void test_response_header(void **state)
{
	boot_default();
	for (uint16_t kind = 0; kind <= 5; kind++) {
		begin(kind);
		rq.request_id = 0xdeadbeefcafe0000ull + kind;
		memset(&rs, 0xa5, sizeof(rs));
		policy_handle(&db, &rq, &rs);
		assert_int_equal(rs.magic, POL_RESP_MAGIC);
		assert_int_equal(rs.version, POL_VERSION);
		assert_int_equal(rs.kind, kind);
		assert_int_equal(rs.request_id, 0xdeadbeefcafe0000ull + kind);
		assert_int_equal(rs.policy_version, 1);
		assert_int_equal(rs.zones[POL_ZONES_MAX - 1].memory, 0); /* unused bytes zero */
		assert_int_equal(rs.violators[POL_VIOLATORS_MAX - 1][0], 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_examples),
		cmocka_unit_test(test_init_refuses_bad_blob),
		cmocka_unit_test(test_value_text),
		cmocka_unit_test(test_check_allowed),
		cmocka_unit_test(test_check_zone),
		cmocka_unit_test(test_check_kind),
		cmocka_unit_test(test_check_cpus),
		cmocka_unit_test(test_check_restart),
		cmocka_unit_test(test_check_count),
		cmocka_unit_test(test_check_memory),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_set_memory),
		cmocka_unit_test(test_set_memory_refused),
		cmocka_unit_test(test_set_memory_bad),
		cmocka_unit_test(test_set_cpus),
		cmocka_unit_test(test_set_cpus_bad),
		cmocka_unit_test(test_set_max_partitions),
		cmocka_unit_test(test_set_kinds),
		cmocka_unit_test(test_set_restart),
		cmocka_unit_test(test_set_restart_max),
		cmocka_unit_test(test_set_failover),
		cmocka_unit_test(test_set_unknown),
		cmocka_unit_test(test_set_shared_policy),
		cmocka_unit_test(test_set_violators_capped),
		cmocka_unit_test(test_malformed_header),
		cmocka_unit_test(test_malformed_strings),
		cmocka_unit_test(test_malformed_parts),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_response_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
