/* SPDX-License-Identifier: MIT */
/* test_policy_set.c - POL_SET of every key of the policy engine (opspolicy/policy-set.c):
 * applied with a version bump and the zones it changed, or refused with the violators and
 * the database unchanged to the byte; bad values; a policy shared by two zones. */
#include "policy_test.h"

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
	kv("guests", "kinds", "devmodel,guest,linux");
	applied("guests", NULL);
	assert_string_equal(value("guests", "kinds"), "guest,linux,devmodel");
	kv("system", "kinds", "ultravisor,command,opspolicy,iopart,guest,guest");
	applied("system", NULL);
	assert_int_equal(policy_of("system")->kinds, 0x3e);
	kv("guests", "kinds", "vm");
	unchanged(-BH_EINVAL, "zone guests: kinds=vm: unknown kind \"vm\" (ultravisor command "
		"opspolicy iopart guest linux devmodel)");
	kv("guests", "kinds", "guest,");
	unchanged(-BH_EINVAL, "zone guests: kinds=guest,: unknown kind \"\" (ultravisor command "
		"opspolicy iopart guest linux devmodel)");
	kv("guests", "kinds", "");
	unchanged(-BH_EINVAL, "zone guests: kinds=: unknown kind \"\" (ultravisor command "
		"opspolicy iopart guest linux devmodel)");
	kv("guests", "kinds", "guests");
	unchanged(-BH_EINVAL, "zone guests: kinds=guests: unknown kind \"guests\" (ultravisor "
		"command opspolicy iopart guest linux devmodel)");
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


int main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
