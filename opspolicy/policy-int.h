/* SPDX-License-Identifier: MIT */
/* policy-int.h - private to the policy engine: the rules, shared by policy.c (POL_CHECK,
 * POL_SHOW) and policy-set.c (POL_SET). */
#ifndef OPSPOLICY_POLICY_INT_H
#define OPSPOLICY_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "policy.h"

/* The rules of a zone. POL_CHECK applies them in this order, the first broken one wins;
 * each POL_SET key sets one of them (RULE_NONE: failover, which no partition can break). */
enum rule { RULE_KINDS, RULE_CPUS, RULE_RESTART, RULE_COUNT, RULE_MEMORY, RULE_NONE };

/* What the partitions of one zone hold together. */
struct usage {
	uint32_t count;
	uint64_t memory;
};

/* Writes the reason into rs; → status. */
int pol_fail(struct pol_response *rs, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* zones[] index of the zone named, or -1. */
int pol_zone_index(const struct policy_db *db, const char *name);

bool pol_in_zone(const struct pol_part *q, const struct policy_zone *z);

/* Every partition of parts[] in zone z, whatever its state, but the one named skip (NULL:
 * none). */
struct usage pol_usage(const struct pol_request *rq, const struct policy_zone *z,
		       const char *skip);

/* Does q, in zone z under policy p, break rule r while the zone holds u? */
bool pol_breaks(enum rule r, const struct pol_part *q, const struct policy_zone *z,
		const struct policy_rule *p, const struct usage *u);

/* Why q breaks rule r, to follow "zone <name>: ". check: the words of POL_CHECK (what the
 * subject would need), else those of POL_SET (what the zone holds). */
void pol_rule_text(char *buf, size_t len, enum rule r, const struct pol_part *q,
		   const struct policy_zone *z, const struct policy_rule *p,
		   const struct usage *u, bool check);

/* Zone i and its policy, as the channel carries them. */
void pol_flatten(const struct policy_db *db, uint32_t i, struct pol_zone *out);

/* policy-set.c: POL_SET on a well-formed request. */
int pol_set(struct policy_db *db, const struct pol_request *rq, struct pol_response *rs);
/* policy_value_text() for key, or -BH_ENOENT when there is no such key. */
int pol_key_text(const char *key, const struct policy_zone *z, const struct policy_rule *p,
		 char *buf, size_t len);

#endif
