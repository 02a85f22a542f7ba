/* SPDX-License-Identifier: MIT */
/* uvcmd.h - the ultravisor's command channel: transactions and read queries (ABI v1).
 *
 * A client (the command partition) writes one struct uv_request and reads back one
 * struct uv_response. Little-endian, fixed size, no pointers. Append only; never reorder.
 *
 *   request  0x0000  uv_request header  magic "UVRQ", version, kind, request id, op count
 *            0x0020  ops[UV_REQ_OPS_MAX] one struct uv_op (0x1c0 bytes) each; op_count used
 *   response 0x0000  uv_response header magic "UVRS", request id, status, failing op,
 *                                       generation, reason text, data size and count
 *            0x0140  data[UV_RESP_DATA_MAX]  READ records (below); empty for a transaction
 *
 * kind UV_REQ_TXN: ops are applied all together or not at all (docs/ultravisor.md). On
 * commit: status 0, failed_op -1, generation = the new generation. On rejection: status
 * -BH_E*, failed_op = index of the op that failed (-1: the request header), generation =
 * the unchanged current generation, reason = one line, for example
 *   op 2 (assign memory to guest-1): needs 64 MiB, 12 MiB free in the pool
 *
 * kind UV_REQ_READ: exactly one READ_* op; nothing changes. data holds `count` records of
 * the op's record type; `next` is the `from` to pass to continue; UV_RESP_MORE in flags
 * says there is more to read.
 *
 * Every op names its target in `name`: a partition, or the channel for channel ops.
 * Strings are NUL-terminated inside their field. Bytes past an op's arguments (the union
 * member its code uses) and every reserved field are zero, so one request has one meaning.
 */
#ifndef BULKHEAD_UVCMD_H
#define BULKHEAD_UVCMD_H

#include <bulkhead/abi.h>

#define UV_CHAN_TYPE      "bh-uvcmd-v1\0\0\0\0" /* the channel's type: 16 bytes */
#define UV_REQ_MAGIC      0x51525655u /* "UVRQ" */
#define UV_RESP_MAGIC     0x53525655u /* "UVRS" */
#define UV_VERSION        1
#define UV_REQ_OPS_MAX    16
#define UV_NAME_LEN       32     /* = BH_CFG_NAME_LEN */
#define UV_IMAGE_LEN      64     /* = BH_CFG_IMAGE_LEN */
#define UV_CMDLINE_LEN    256    /* = BH_CFG_CMDLINE_LEN */
#define UV_VCPUS_MAX      16     /* = BH_CFG_VCPUS_MAX */
#define UV_REASON_LEN     256
#define UV_RESP_DATA_MAX  0x4000 /* holds at least one journal record of UV_REQ_OPS_MAX ops */

enum uv_req_kind {
	UV_REQ_TXN  = 1,
	UV_REQ_READ = 2,
};

/* Op codes. The lifecycle events are the ultravisor's own: a client may not send them. */
enum uv_op_code {
	UV_OP_CREATE         = 1,  /* args.create: a new partition, state created */
	UV_OP_ASSIGN_MEMORY  = 2,  /* args.memory: bytes (2 MiB multiple) added at the top */
	UV_OP_RELEASE_MEMORY = 3,  /* args.memory: bytes taken from the top */
	UV_OP_ASSIGN_CPU     = 4,  /* args.cpu: one more vCPU, placed on that CPU */
	UV_OP_RELEASE_CPU    = 5,  /* args.cpu: the vCPU placed on that CPU goes */
	UV_OP_ASSIGN_DEVICE  = 6,  /* args.device: an unowned device */
	UV_OP_RELEASE_DEVICE = 7,  /* args.device: one the partition owns */
	UV_OP_ASSIGN_CHANNEL = 8,  /* name = the new channel; args.channel */
	UV_OP_RELEASE_CHANNEL = 9, /* name = the channel */
	UV_OP_START          = 10, /* loaded or stopped -> running */
	UV_OP_STOP           = 11, /* running -> stopped */
	UV_OP_RESTART        = 12, /* running, stopped or crashed -> created (reload, start) */
	UV_OP_DESTROY        = 13, /* not running -> gone; every resource back to the pool */
	UV_OP_SET_ZONE       = 14, /* name = zone; args.zone: its CPUs and memory budget, whole */
	UV_OP_SET_POLICY     = 15, /* name = policy; args.policy: every field, whole */
	UV_OP_CLIENT_NR,
	/* ultravisor-internal lifecycle events (origin UV_ORIGIN_ULTRAVISOR only) */
	UV_OP_EV_LOADED      = 32, /* created -> loaded: the image was copied in */
	UV_OP_EV_CRASHED     = 33, /* running -> crashed, or created again by the restart rule */
	UV_OP_EV_EXITED      = 34, /* running -> stopped: the partition ended itself */
	UV_OP_EV_NR,
	/* read queries, kind UV_REQ_READ */
	UV_OP_READ_JOURNAL    = 64, /* from = generation: committed transactions after it */
	UV_OP_READ_PARTITIONS = 65, /* from = record index: struct uv_part_rec */
	UV_OP_READ_RESOURCES  = 66, /* from = record index: struct uv_res_rec */
	UV_OP_READ_NR,
};

/* Who sent a transaction; journal records keep it so a replay applies the same rules. */
enum uv_origin {
	UV_ORIGIN_CLIENT     = 1, /* the command channel: client ops only */
	UV_ORIGIN_ULTRAVISOR = 2, /* the ultravisor itself: lifecycle events too */
};

/* Partition states (docs/ultravisor.md has the diagram). */
enum uv_state {
	UV_STATE_CREATED = 1, /* resources held, no image yet; load window open */
	UV_STATE_LOADED  = 2, /* image copied in; load window open */
	UV_STATE_RUNNING = 3,
	UV_STATE_STOPPED = 4, /* memory kept; START resumes from the image as loaded */
	UV_STATE_CRASHED = 5, /* died and the restart rule kept it down */
	UV_STATE_NR,
	/* destroyed partitions leave the table; their names may be reused */
};

/* uv_create.flags */
#define UV_CREATE_DEDICATED (1u << 0) /* = BH_CFG_PART_DEDICATED */

struct uv_create {
	uint32_t kind;        /* 0x00  enum bh_cfg_kind */
	uint32_t flags;       /* 0x04  UV_CREATE_* */
	char     zone[UV_NAME_LEN]; /* 0x08 */
	uint32_t vcpus;       /* 0x28  1..UV_VCPUS_MAX */
	uint32_t restart;     /* 0x2c  enum bh_cfg_restart */
	uint32_t restart_max; /* 0x30 */
	uint32_t reserved_0x34;
	uint8_t  cpus[UV_VCPUS_MAX]; /* 0x38  physical CPU of vCPU i; zero past vcpus */
	uint64_t memory;      /* 0x48  bytes, 2 MiB multiple */
	uint64_t phys_base;   /* 0x50  fixed host-physical placement in the pool, 0: anywhere */
	char     image[UV_IMAGE_LEN];     /* 0x58  module name */
	char     cmdline[UV_CMDLINE_LEN]; /* 0x98 */
};
BH_OFFSET(uv_create, zone, 0x08);
BH_OFFSET(uv_create, vcpus, 0x28);
BH_OFFSET(uv_create, restart, 0x2c);
BH_OFFSET(uv_create, restart_max, 0x30);
BH_OFFSET(uv_create, cpus, 0x38);
BH_OFFSET(uv_create, memory, 0x48);
BH_OFFSET(uv_create, phys_base, 0x50);
BH_OFFSET(uv_create, image, 0x58);
BH_OFFSET(uv_create, cmdline, 0x98);
BH_SIZE(uv_create, 0x198);

struct uv_memory {
	uint64_t bytes;       /* 0x00 */
};
BH_SIZE(uv_memory, 0x08);

struct uv_cpu {
	uint32_t cpu;         /* 0x00  physical CPU */
	uint32_t reserved_0x04;
};
BH_SIZE(uv_cpu, 0x08);

struct uv_device {
	char     device[UV_NAME_LEN]; /* 0x00 */
};
BH_SIZE(uv_device, 0x20);

struct uv_channel {
	uint32_t type;        /* 0x00  enum bh_cfg_chan_type */
	uint32_t reserved_0x04;
	uint64_t size;        /* 0x08  bytes, 4 KiB multiple */
	char     server[UV_NAME_LEN]; /* 0x10 */
	char     client[UV_NAME_LEN]; /* 0x30 */
	char     device[UV_NAME_LEN]; /* 0x50  exported device, "" for none */
};
BH_OFFSET(uv_channel, size, 0x08);
BH_OFFSET(uv_channel, server, 0x10);
BH_OFFSET(uv_channel, client, 0x30);
BH_OFFSET(uv_channel, device, 0x50);
BH_SIZE(uv_channel, 0x70);

/* SET_ZONE and SET_POLICY record what the operations partition decided (policy.h): the
 * database's invariants then hold partitions to the new zone and policy. */
struct uv_zone_set {
	uint64_t cpus;        /* 0x00  bit n: CPU n; nonzero */
	uint64_t memory;      /* 0x08  budget, bytes, 2 MiB multiple */
};
BH_SIZE(uv_zone_set, 0x10);

struct uv_policy_set {
	uint32_t kinds;          /* 0x00  bit (1 << enum bh_cfg_kind) */
	uint32_t max_partitions; /* 0x04  0: no limit */
	uint32_t restart;        /* 0x08  enum bh_cfg_restart */
	uint32_t restart_max;    /* 0x0c  0: no ceiling */
	uint32_t failover;       /* 0x10  enum bh_cfg_failover */
	uint32_t reserved_0x14;
};
BH_SIZE(uv_policy_set, 0x18);

struct uv_read {
	uint64_t from;        /* 0x00  READ_JOURNAL: a generation; others: a record index */
};
BH_SIZE(uv_read, 0x08);

struct uv_op {
	uint16_t op;          /* 0x00  enum uv_op_code */
	uint16_t flags;       /* 0x02  zero */
	uint32_t reserved_0x04;
	char     name[UV_NAME_LEN]; /* 0x08  target partition, or channel for channel ops */
	union {               /* 0x28 */
		struct uv_create create;
		struct uv_memory memory;
		struct uv_cpu cpu;
		struct uv_device device;
		struct uv_channel channel;
		struct uv_read read;
		struct uv_zone_set zone;
		struct uv_policy_set policy;
		uint8_t raw[0x198];
	} args;
};
BH_OFFSET(uv_op, flags, 0x02);
BH_OFFSET(uv_op, name, 0x08);
BH_OFFSET(uv_op, args, 0x28);
BH_SIZE(uv_op, 0x1c0);

/* Bytes of args an op code uses; the rest must be zero. 0 for an unknown code. */
static inline uint32_t uv_op_args_size(uint32_t op)
{
	switch (op) {
	case UV_OP_CREATE:
		return sizeof(struct uv_create);
	case UV_OP_ASSIGN_MEMORY:
	case UV_OP_RELEASE_MEMORY:
		return sizeof(struct uv_memory);
	case UV_OP_ASSIGN_CPU:
	case UV_OP_RELEASE_CPU:
		return sizeof(struct uv_cpu);
	case UV_OP_ASSIGN_DEVICE:
	case UV_OP_RELEASE_DEVICE:
		return sizeof(struct uv_device);
	case UV_OP_ASSIGN_CHANNEL:
		return sizeof(struct uv_channel);
	case UV_OP_SET_ZONE:
		return sizeof(struct uv_zone_set);
	case UV_OP_SET_POLICY:
		return sizeof(struct uv_policy_set);
	case UV_OP_READ_JOURNAL:
	case UV_OP_READ_PARTITIONS:
	case UV_OP_READ_RESOURCES:
		return sizeof(struct uv_read);
	default:
		return 0; /* no arguments, or unknown */
	}
}

struct uv_request {
	uint32_t magic;       /* 0x00  UV_REQ_MAGIC */
	uint16_t version;     /* 0x04  UV_VERSION */
	uint16_t kind;        /* 0x06  enum uv_req_kind */
	uint64_t request_id;  /* 0x08  the client's, echoed in the response */
	uint32_t op_count;    /* 0x10  1..UV_REQ_OPS_MAX (READ: 1) */
	uint32_t flags;       /* 0x14  zero */
	uint64_t reserved_0x18;
	struct uv_op ops[UV_REQ_OPS_MAX]; /* 0x20 */
};
BH_OFFSET(uv_request, kind, 0x06);
BH_OFFSET(uv_request, request_id, 0x08);
BH_OFFSET(uv_request, op_count, 0x10);
BH_OFFSET(uv_request, flags, 0x14);
BH_OFFSET(uv_request, ops, 0x20);
BH_SIZE(uv_request, 0x20 + UV_REQ_OPS_MAX * 0x1c0);

/* uv_response.flags */
#define UV_RESP_MORE (1u << 0) /* READ: records remain after these */

struct uv_response {
	uint32_t magic;       /* 0x00  UV_RESP_MAGIC */
	uint16_t version;     /* 0x04  UV_VERSION */
	uint16_t kind;        /* 0x06  the request's */
	uint64_t request_id;  /* 0x08 */
	int32_t  status;      /* 0x10  0 or -BH_E* */
	int32_t  failed_op;   /* 0x14  index of the failing op, -1 if none */
	uint64_t generation;  /* 0x18  new on commit; current otherwise */
	uint32_t flags;       /* 0x20  UV_RESP_* */
	uint32_t count;       /* 0x24  READ: records in data */
	uint32_t data_size;   /* 0x28  READ: bytes of data used */
	uint32_t reserved_0x2c;
	uint64_t next;        /* 0x30  READ: `from` to continue with */
	uint64_t reserved_0x38;
	char     reason[UV_REASON_LEN]; /* 0x40  NUL-terminated; "" on success */
	uint8_t  data[UV_RESP_DATA_MAX]; /* 0x140 */
};
BH_OFFSET(uv_response, status, 0x10);
BH_OFFSET(uv_response, failed_op, 0x14);
BH_OFFSET(uv_response, generation, 0x18);
BH_OFFSET(uv_response, flags, 0x20);
BH_OFFSET(uv_response, count, 0x24);
BH_OFFSET(uv_response, data_size, 0x28);
BH_OFFSET(uv_response, next, 0x30);
BH_OFFSET(uv_response, reason, 0x40);
BH_OFFSET(uv_response, data, 0x140);
BH_SIZE(uv_response, 0x140 + UV_RESP_DATA_MAX);

/* READ_JOURNAL record: one committed transaction, followed by op_count struct uv_op
 * (the ops as applied, args zero past their size). Records are 8-byte aligned. */
struct uv_journal_rec {
	uint64_t generation;  /* 0x00  the generation this commit produced */
	uint64_t request_id;  /* 0x08 */
	uint32_t op_count;    /* 0x10 */
	uint32_t origin;      /* 0x14  enum uv_origin */
	uint64_t reserved_0x18;
};
BH_OFFSET(uv_journal_rec, request_id, 0x08);
BH_OFFSET(uv_journal_rec, op_count, 0x10);
BH_OFFSET(uv_journal_rec, origin, 0x14);
BH_SIZE(uv_journal_rec, 0x20);

/* READ_PARTITIONS record: one live partition. */
struct uv_part_rec {
	char     name[UV_NAME_LEN]; /* 0x00 */
	uint32_t id;          /* 0x20  partition id, as in its view */
	uint32_t kind;        /* 0x24  enum bh_cfg_kind */
	uint32_t zone;        /* 0x28  zone index (READ_RESOURCES names it) */
	uint32_t state;       /* 0x2c  enum uv_state */
	uint32_t flags;       /* 0x30  UV_CREATE_* */
	uint32_t vcpus;       /* 0x34 */
	uint32_t restarts;    /* 0x38  every restart, by command or by the rule */
	uint32_t auto_restarts; /* 0x3c  restarts by the rule, counted against restart_max */
	uint32_t restart;     /* 0x40  enum bh_cfg_restart */
	uint32_t restart_max; /* 0x44 */
	uint32_t devices;     /* 0x48  devices owned */
	uint32_t channels;    /* 0x4c  channels it is an endpoint of */
	uint64_t memory;      /* 0x50  bytes of private RAM */
	uint8_t  cpus[UV_VCPUS_MAX]; /* 0x58 */
	uint64_t disk_base;   /* 0x68  its disk window (config disk-base, disk-size): bytes */
	uint64_t disk_size;   /* 0x70  0: none given (the whole device, if it has a disk) */
	uint32_t disk_flags;  /* 0x78  BH_CFG_DISK_RO */
	uint8_t  mac[6];      /* 0x7c  its net channels' MAC; zero: none */
	uint16_t reserved_0x82;
	uint32_t reserved_0x84;
};
BH_OFFSET(uv_part_rec, id, 0x20);
BH_OFFSET(uv_part_rec, state, 0x2c);
BH_OFFSET(uv_part_rec, restarts, 0x38);
BH_OFFSET(uv_part_rec, devices, 0x48);
BH_OFFSET(uv_part_rec, memory, 0x50);
BH_OFFSET(uv_part_rec, cpus, 0x58);
BH_OFFSET(uv_part_rec, disk_base, 0x68);
BH_OFFSET(uv_part_rec, mac, 0x7c);
BH_SIZE(uv_part_rec, 0x88);

/* READ_RESOURCES record types, in the order they are listed. */
enum uv_res_type {
	UV_RES_POOL    = 1, /* base, size of a pool range; value = free bytes in it */
	UV_RES_EXTENT  = 2, /* base, size; owner = partition or channel id (0: free);
			     * value = enum uv_res_owner, aux = GPA offset for a partition */
	UV_RES_ZONE    = 3, /* name; base = CPU mask, size = budget, value = memory used */
	UV_RES_CPU     = 4, /* owner = CPU number; base = partitions with a vCPU there,
			     * value = vCPUs placed, aux = id of the partition it is dedicated
			     * to (0: shared) */
	UV_RES_DEVICE  = 5, /* name; owner = partition id (0: none); value = class */
	UV_RES_CHANNEL = 6, /* name; owner = channel id; base, size = host extent;
			     * value = server id, aux = client id */
};

enum uv_res_owner {
	UV_OWNER_FREE      = 0,
	UV_OWNER_PARTITION = 1,
	UV_OWNER_CHANNEL   = 2,
};

struct uv_res_rec {
	uint32_t type;        /* 0x00  enum uv_res_type */
	uint32_t owner;       /* 0x04 */
	char     name[UV_NAME_LEN]; /* 0x08  "" where the resource has none */
	uint64_t base;        /* 0x28 */
	uint64_t size;        /* 0x30 */
	uint64_t value;       /* 0x38 */
	uint64_t aux;         /* 0x40 */
};
BH_OFFSET(uv_res_rec, name, 0x08);
BH_OFFSET(uv_res_rec, base, 0x28);
BH_OFFSET(uv_res_rec, value, 0x38);
BH_SIZE(uv_res_rec, 0x48);

#endif
