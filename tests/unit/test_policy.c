/* SPDX-License-Identifier: MIT */
/* test_policy.c - the operations partition's policy engine (opspolicy/policy*.c): boot from
 * the blob, every POL_CHECK rule with its exact reason and their order, malformed requests,
 * POL_SHOW. POL_SET is test_policy_set.c's. */
#include "policy_test.h"

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
	assert_int_equal(zone_named("guests")->memory, 448 * MIB);
	assert_string_equal(policy_of("guests")->name, "guests");
	assert_int_equal(policy_of("guests")->kinds, (1u << BH_CFG_KIND_GUEST) |
			 (1u << BH_CFG_KIND_LINUX) | (1u << BH_CFG_KIND_DEVMODEL));
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
	assert_string_equal(value("guests", "memory"), "448 MiB");
	assert_string_equal(value("guests", "cpus"), "2-3");
	assert_string_equal(value("guests", "max-partitions"), "8");
	assert_string_equal(value("guests", "kinds"), "guest,linux,devmodel");
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
		linux_parts();
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
	linux_parts(); /* guests: 400 of 448 MiB */
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 64, 0x4);
	unchanged(-BH_EPERM, "zone guests: memory budget 448 MiB, 464 MiB needed (policy guests)");
	subject("guest-3", BH_CFG_KIND_GUEST, "guests", 48, 0x4);
	unchanged(0, "");
	rq.action = POL_ACT_ASSIGN; /* guest-1 as it would be: it replaces itself */
	subject("guest-1", BH_CFG_KIND_GUEST, "guests", 112, 0xc);
	unchanged(0, "");
	subject("guest-1", BH_CFG_KIND_GUEST, "guests", 128, 0xc);
	named("linux")->state = UV_STATE_CRASHED; /* every state counts */
	unchanged(-BH_EPERM, "zone guests: memory budget 448 MiB, 464 MiB needed (policy guests)");
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
	unchanged(-BH_EPERM, "zone guests: memory budget 448 MiB, 1162 MiB needed (policy guests)");
	rq.subject.memory = 20 * MIB;
	unchanged(0, "");
}

/* ---- POL_SET ---- */

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
	unchanged(-BH_EINVAL, "subject.kind 8 unknown");
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
	assert_int_equal(rs.zones[1].memory, 448 * MIB);
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
		cmocka_unit_test(test_malformed_header),
		cmocka_unit_test(test_malformed_strings),
		cmocka_unit_test(test_malformed_parts),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_response_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
