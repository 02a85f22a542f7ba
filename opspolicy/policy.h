/* SPDX-License-Identifier: MIT */
/* policy.h - the operations partition's policy engine: zones, policies, and the answers to
 * the policy channel's requests (include/bulkhead/policy.h). Pure functions, no I/O:
 * freestanding, host-tested in tests/unit/test_policy.c, linked into opspolicy/main.c.
 *
 * The engine holds only the zones and their policies (copied from a validated config blob)
 * and a version; everything it knows of partitions comes in each request, so an answer is
 * a function of (policy_db, request). A refused request leaves the policy_db unchanged to
 * the byte.
 */
#ifndef OPSPOLICY_POLICY_H
#define OPSPOLICY_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/config.h>
#include <bulkhead/policy.h>

#define POLICY_RULES_MAX BH_CFG_POLICIES_MAX

struct policy_zone {
	char     name[POL_NAME_LEN];
	uint64_t cpus;   /* bit n: CPU n */
	uint64_t memory; /* budget, bytes, multiple of 2 MiB */
	uint32_t policy; /* policies[] index */
	uint32_t reserved; /* zero: no padding, so two databases compare with memcmp */
};

struct policy_rule {
	char     name[POL_NAME_LEN];
	uint32_t kinds;          /* bit (1 << enum bh_cfg_kind) */
	uint32_t max_partitions; /* 0: no limit */
	uint32_t restart;        /* enum bh_cfg_restart: the most a partition may ask */
	uint32_t restart_max;    /* ceiling, 0: none (always 0 with STOP) */
	uint32_t failover;       /* enum bh_cfg_failover */
};

struct policy_db {
	uint32_t version;      /* 1 at boot, + 1 per applied POL_SET */
	uint32_t cpu_count;    /* CPUs of the machine (the blob's header): 0 .. cpu_count - 1 */
	uint32_t zone_count;
	uint32_t rule_count;
	struct policy_zone zones[POL_ZONES_MAX];
	struct policy_rule policies[POLICY_RULES_MAX];
};

/* Zones and policies from a blob that passes cfg_validate(); version 1. Anything else:
 * -BH_EINVAL, the first problem in err, db zeroed. */
int policy_init_from_blob(struct policy_db *db, const void *blob, size_t len, char *err,
			  size_t errlen);

/* Answers one request (include/bulkhead/policy.h): fills all of *rs and returns rs->status.
 * Only an applied POL_SET changes db. */
int policy_handle(struct policy_db *db, const struct pol_request *rq, struct pol_response *rs);

/* The value of key in zone as a POL_SET would name it ("160 MiB", "2-3", "guest,iopart",
 * "restart", ...), for logs. → 0, -BH_ENOENT (no such zone or key). */
int policy_value_text(const struct policy_db *db, const char *zone, const char *key, char *buf,
		      size_t len);

#endif
