/* SPDX-License-Identifier: MIT */
/* policy.h - the operations partition's policy channel: queries and changes (ABI v1).
 *
 * The command partition (client) asks the operations partition (server, opspolicy/) on the
 * control channel between them: one struct pol_request in, one struct pol_response out,
 * strictly in turn. The operations partition holds the zones and their policies, read from
 * the config blob at boot and changed only by POL_SET; it knows nothing of the partitions
 * but what each request tells it: `parts` is the command partition's snapshot of every
 * partition (from the ultravisor's READ_PARTITIONS), so every answer is a pure function of
 * the policies and the request. Little-endian, fixed size, no pointers; strings are
 * NUL-terminated inside their field; unused bytes are zero. Append only.
 *
 *   POL_CHECK  may `subject` (the partition as it would be after the action: its kind,
 *              zone, vCPUs and CPUs, memory, restart rule) be created / started / given
 *              resources in its zone? Every partition in `parts` of the same zone counts
 *              against the zone's budgets (memory, partitions) whatever its state, except
 *              one named like the subject (the subject replaces it). status 0: allowed;
 *              -BH_EPERM: denied, reason names the rule, e.g.
 *                zone guests: memory budget 160 MiB, 192 MiB needed (policy guests)
 *                zone guests: policy guests allows at most 2 partitions, 3 needed
 *                zone system: policy system does not allow kind guest
 *                zone guests: CPU 0 is not in the zone (CPUs 2-3)
 *                zone guests: restart-max 9 over the policy's ceiling 5
 *   POL_SET    zone `zone`: key = value, as typed by the operator (docs/cli.md):
 *                memory=<size>        the zone's memory budget (2 MiB multiple)
 *                cpus=<list>          the zone's CPUs ("2,3" or "2-3")
 *                max-partitions=<n>   0: no limit
 *                kinds=<k>[,<k>...]   kinds allowed: ultravisor command opspolicy iopart guest
 *                                     linux devmodel
 *                restart=stop|restart, restart-max=<n>, failover=none|iopart
 *              Keys after "memory" and "cpus" change the zone's policy (shared by every
 *              zone that names it: the answer lists them in `zones`). Refused (-BH_EPERM,
 *              nothing changes) when a *running* partition in `parts` would break the new
 *              rule: they are listed in `violators`, and reason says which rule. Applied:
 *              status 0, `version` + 1, `zones` holds the changed zone(s) as they are now.
 *   POL_SHOW   the zones (all, or the one named) with their policies, and the version.
 * Errors for malformed requests: -BH_EINVAL (reason says which field), -BH_ENOENT (no such
 * zone or key).
 */
#ifndef BULKHEAD_POLICY_H
#define BULKHEAD_POLICY_H

#include <bulkhead/abi.h>

#define POL_CHAN_TYPE      "bh-policy-v1\0\0\0" /* the channel's type: 16 bytes */
#define POL_REQ_MAGIC      0x51524f50u /* "PORQ" */
#define POL_RESP_MAGIC     0x53524f50u /* "PORS" */
#define POL_VERSION        1
#define POL_NAME_LEN       32
#define POL_PARTS_MAX      64   /* = BH_CFG_PARTITIONS_MAX */
#define POL_ZONES_MAX      16   /* = BH_CFG_ZONES_MAX */
#define POL_VIOLATORS_MAX  16
#define POL_REASON_LEN     256

enum pol_req_kind {
	POL_CHECK = 1,
	POL_SET   = 2,
	POL_SHOW  = 3,
};

enum pol_action { /* POL_CHECK */
	POL_ACT_CREATE = 1,
	POL_ACT_START  = 2, /* start or restart */
	POL_ACT_ASSIGN = 3, /* more memory or CPUs: subject as it would be after */
};

/* One partition as the command partition reads it from the ultravisor (uv_part_rec). */
struct pol_part {
	char     name[POL_NAME_LEN]; /* 0x00 */
	uint32_t kind;         /* 0x20  enum bh_cfg_kind */
	char     zone[POL_NAME_LEN]; /* 0x24 */
	uint32_t state;        /* 0x44  enum uv_state (uvcmd.h) */
	uint32_t vcpus;        /* 0x48 */
	uint8_t  cpus[16];     /* 0x4c  physical CPU of vCPU i */
	uint32_t restart;      /* 0x5c  enum bh_cfg_restart */
	uint32_t restart_max;  /* 0x60 */
	uint32_t reserved_0x64;
	uint64_t memory;       /* 0x68  bytes */
};
BH_OFFSET(pol_part, zone, 0x24);
BH_OFFSET(pol_part, state, 0x44);
BH_OFFSET(pol_part, cpus, 0x4c);
BH_OFFSET(pol_part, restart, 0x5c);
BH_OFFSET(pol_part, memory, 0x68);
BH_SIZE(pol_part, 0x70);

/* A zone and its policy, flattened. */
struct pol_zone {
	char     name[POL_NAME_LEN];   /* 0x00 */
	char     policy[POL_NAME_LEN]; /* 0x20  the policy's name */
	uint64_t cpus;           /* 0x40  bit n: CPU n */
	uint64_t memory;         /* 0x48  budget, bytes */
	uint32_t kinds;          /* 0x50  bit (1 << enum bh_cfg_kind) */
	uint32_t max_partitions; /* 0x54  0: no limit */
	uint32_t restart;        /* 0x58  enum bh_cfg_restart: the most a partition may ask */
	uint32_t restart_max;    /* 0x5c  ceiling, 0: none */
	uint32_t failover;       /* 0x60  enum bh_cfg_failover */
	uint32_t reserved_0x64;
};
BH_OFFSET(pol_zone, policy, 0x20);
BH_OFFSET(pol_zone, cpus, 0x40);
BH_OFFSET(pol_zone, kinds, 0x50);
BH_OFFSET(pol_zone, failover, 0x60);
BH_SIZE(pol_zone, 0x68);

struct pol_request {
	uint32_t magic;        /* 0x000  POL_REQ_MAGIC */
	uint16_t version;      /* 0x004  POL_VERSION */
	uint16_t kind;         /* 0x006  enum pol_req_kind */
	uint64_t request_id;   /* 0x008  echoed */
	uint32_t action;       /* 0x010  CHECK: enum pol_action */
	uint32_t part_count;   /* 0x014  entries of parts used, 0..POL_PARTS_MAX */
	char     zone[POL_NAME_LEN]; /* 0x018  SET, SHOW ("" = every zone) */
	char     key[POL_NAME_LEN];  /* 0x038  SET */
	char     value[64];    /* 0x058  SET: as typed */
	struct pol_part subject; /* 0x098  CHECK */
	struct pol_part parts[POL_PARTS_MAX]; /* 0x108 */
};
BH_OFFSET(pol_request, action, 0x010);
BH_OFFSET(pol_request, zone, 0x018);
BH_OFFSET(pol_request, key, 0x038);
BH_OFFSET(pol_request, value, 0x058);
BH_OFFSET(pol_request, subject, 0x098);
BH_OFFSET(pol_request, parts, 0x108);
BH_SIZE(pol_request, 0x108 + POL_PARTS_MAX * 0x70);

struct pol_response {
	uint32_t magic;        /* 0x000  POL_RESP_MAGIC */
	uint16_t version;      /* 0x004  POL_VERSION */
	uint16_t kind;         /* 0x006  the request's */
	uint64_t request_id;   /* 0x008 */
	int32_t  status;       /* 0x010  0 or -BH_E* */
	uint32_t policy_version; /* 0x014  after the request: 1 at boot, + 1 per change */
	uint32_t zone_count;   /* 0x018  zones used */
	uint32_t violator_count; /* 0x01c */
	char     reason[POL_REASON_LEN]; /* 0x020  "" when allowed */
	char     violators[POL_VIOLATORS_MAX][POL_NAME_LEN]; /* 0x120 */
	struct pol_zone zones[POL_ZONES_MAX]; /* 0x320 */
};
BH_OFFSET(pol_response, status, 0x010);
BH_OFFSET(pol_response, policy_version, 0x014);
BH_OFFSET(pol_response, reason, 0x020);
BH_OFFSET(pol_response, violators, 0x120);
BH_OFFSET(pol_response, zones, 0x320);
BH_SIZE(pol_response, 0x320 + POL_ZONES_MAX * 0x68);

#endif
