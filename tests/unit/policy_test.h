/* SPDX-License-Identifier: MIT */
/* policy_test.h - fixtures of the policy engine's tests (test_policy.c, test_policy_set.c):
 * the default example booted into a policy_db, requests built field by field, and the
 * expectations on answers. One copy of the state per test binary. */
#ifndef TESTS_UNIT_POLICY_TEST_H
#define TESTS_UNIT_POLICY_TEST_H

#include <bulkhead/uvcmd.h>
#include "config_build.h"
#include "opspolicy/policy.h"
#include "example_blob.h"

static struct policy_db db, saved;
static struct pol_request rq;
static struct pol_response rs;
static uint64_t next_id = 100;

/* build/examples/<name>.bin into blob. */
static inline void load_example(const char *name)
{
	blob_len = example_blob(POLICY_EXAMPLES_DIR, name, blob, sizeof(blob));
}

static inline void boot_blob(void)
{
	char err[256] = "";
	int r = policy_init_from_blob(&db, blob, blob_len, err, sizeof(err));

	if (r)
		print_message("policy_init_from_blob: %d %s\n", r, err);
	assert_int_equal(r, 0);
	assert_int_equal(db.version, 1);
}

/* examples/default.yaml: zones system (CPUs 0-1, 192 MiB, policy system) and guests (CPUs
 * 2-3, 448 MiB, policy guests: kinds guest, linux, devmodel, 8 partitions, restart-max 5,
 * failover iopart). */
static inline void boot_default(void)
{
	load_example("default");
	boot_blob();
}

static inline void begin(uint16_t kind)
{
	memset(&rq, 0, sizeof(rq));
	rq.magic = POL_REQ_MAGIC;
	rq.version = POL_VERSION;
	rq.kind = kind;
	rq.request_id = ++next_id;
	rq.action = kind == POL_CHECK ? POL_ACT_CREATE : 0;
}

/* A partition, running, restart "stop", one vCPU per bit of cpus in ascending order. */
static inline void fill(struct pol_part *p, const char *name, uint32_t kind, const char *zone,
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

static inline struct pol_part *add(const char *name, uint32_t kind, const char *zone, uint64_t mib,
			    uint64_t cpus)
{
	struct pol_part *p = &rq.parts[rq.part_count++];

	fill(p, name, kind, zone, mib, cpus);
	return p;
}

static inline struct pol_part *restarts(struct pol_part *p, uint32_t max)
{
	p->restart = BH_CFG_RESTART;
	p->restart_max = max;
	return p;
}

static inline struct pol_part *named(const char *name)
{
	for (uint32_t i = 0; i < rq.part_count; i++)
		if (!strcmp(rq.parts[i].name, name))
			return &rq.parts[i];
	fail();
	return NULL;
}

/* The default example's system partitions and PV guests as the command partition would see
 * them running: system holds 192 of 192 MiB, guests 128 of 448 MiB. linux and linux-dm are
 * linux_parts(), added only where a test wants the zone as full as the example makes it. */
static inline void default_parts(void)
{
	add("ultravisor", BH_CFG_KIND_ULTRAVISOR, "system", 32, 0x1);
	restarts(add("command", BH_CFG_KIND_COMMAND, "system", 16, 0x1), 3);
	restarts(add("opspolicy", BH_CFG_KIND_OPSPOLICY, "system", 16, 0x1), 3);
	restarts(add("iopart-a", BH_CFG_KIND_IOPART, "system", 64, 0x2), 3);
	restarts(add("iopart-b", BH_CFG_KIND_IOPART, "system", 64, 0x2), 3);
	restarts(add("guest-1", BH_CFG_KIND_GUEST, "guests", 64, 0xc), 5);
	restarts(add("guest-2", BH_CFG_KIND_GUEST, "guests", 64, 0xc), 5);
}

/* The default example's linux (256 MiB, CPUs 2-3) and its device model linux-dm (16 MiB,
 * CPU 2): after default_parts() the guests zone holds 400 of its 448 MiB. */
static inline void linux_parts(void)
{
	restarts(add("linux-dm", BH_CFG_KIND_DEVMODEL, "guests", 16, 0x4), 5);
	restarts(add("linux", BH_CFG_KIND_LINUX, "guests", 256, 0xc), 5);
}

static inline struct pol_part *subject(const char *name, uint32_t kind, const char *zone,
				uint64_t mib, uint64_t cpus)
{
	fill(&rq.subject, name, kind, zone, mib, cpus);
	rq.subject.state = UV_STATE_CREATED;
	return &rq.subject;
}

static inline void kv(const char *zone, const char *key, const char *value)
{
	snprintf(rq.zone, sizeof(rq.zone), "%s", zone);
	snprintf(rq.key, sizeof(rq.key), "%s", key);
	snprintf(rq.value, sizeof(rq.value), "%s", value);
}

/* Handles rq: status and reason exact, the header always filled. */
static inline void expect(int status, const char *reason)
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
static inline void unchanged(int status, const char *reason)
{
	saved = db;
	expect(status, reason);
	assert_memory_equal(&saved, &db, sizeof(db));
}

/* Applied: version + 1, and the answer lists exactly these zones. */
static inline void applied(const char *zone1, const char *zone2)
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

static inline void expect_violators(const char *v1, const char *v2)
{
	assert_int_equal(rs.violator_count, v2 ? 2 : 1);
	assert_string_equal(rs.violators[0], v1);
	if (v2)
		assert_string_equal(rs.violators[1], v2);
}

static inline const char *value(const char *zone, const char *key)
{
	static char buf[96];

	assert_int_equal(policy_value_text(&db, zone, key, buf, sizeof(buf)), 0);
	return buf;
}

static inline struct policy_zone *zone_named(const char *name)
{
	for (uint32_t i = 0; i < db.zone_count; i++)
		if (!strcmp(db.zones[i].name, name))
			return &db.zones[i];
	fail();
	return NULL;
}

static inline struct policy_rule *policy_of(const char *zone)
{
	return &db.policies[zone_named(zone)->policy];
}

#endif
