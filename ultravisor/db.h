/* SPDX-License-Identifier: MIT */
/* db.h - the ultravisor's master resource database: state, transactions, journal, views.
 *
 * Freestanding, no allocation: fixed tables sized by the config limits. One struct db holds
 * everything; its bytes are the whole truth (no pointers), so two databases that went
 * through the same transactions compare equal with memcmp. See docs/ultravisor.md.
 *
 *   struct db
 *   +-- st: struct db_state ------------------------------------------+
 *   |   generation, id counters                                       |
 *   |   pool[] zones[] policies[]  from the blob; SET_ZONE/POLICY      |
 *   |   devices[]   blob entry + owner (partition id, 0: none)         |
 *   |   parts[]     partitions: slot free when id == 0                 |
 *   |   chans[]     channels: slot free when id == 0                   |
 *   |   extents[]   the pool, cut into extents sorted by base; each    |
 *   |               free, or owned by a partition (at a GPA offset) or |
 *   |               by a channel; together they cover the pool exactly |
 *   |   cpus[] zone_used[]   derived from the above after every change |
 *   +-----------------------------------------------------------------+
 *   +-- journal: ring of committed transactions (ops as applied) -----+
 *
 * A transaction runs on a scratch copy of st (static in db.c: one transaction at a time)
 * and replaces st only when every op and every invariant passed.
 */
#ifndef ULTRAVISOR_DB_H
#define ULTRAVISOR_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/config.h>
#include <bulkhead/uvcall.h>
#include <bulkhead/uvcmd.h>
#include <bulkhead/view.h>

#define DB_PARTS_MAX     BH_CFG_PARTITIONS_MAX
#define DB_CHANS_MAX     BH_CFG_CHANNELS_MAX
#define DB_DEVICES_MAX   BH_CFG_DEVICES_MAX
#define DB_EXTENTS_MAX   1024
#define DB_JOURNAL_BYTES 0x10000u
#define DB_MEM_ALIGN     BH_CFG_MEM_ALIGN /* partition RAM: 2 MiB, for large NPT pages */
#define DB_PAGE          BH_CFG_PAGE      /* channels: 4 KiB */

struct db_extent {
	uint64_t base;     /* host-physical */
	uint64_t size;
	uint64_t gpa;      /* partition RAM: guest-physical address of base; else 0 */
	uint32_t owner;    /* enum uv_res_owner */
	uint32_t id;       /* partition or channel id; 0 when free */
};

struct db_part {
	char     name[BH_CFG_NAME_LEN];
	uint32_t id;       /* 1.., never reused; 0: free slot */
	uint32_t kind;     /* enum bh_cfg_kind */
	uint32_t zone;     /* zones[] index */
	uint32_t flags;    /* BH_CFG_PART_* */
	uint32_t state;    /* enum uv_state */
	uint32_t vcpus;
	uint8_t  cpus[BH_CFG_VCPUS_MAX];
	uint32_t restart;  /* enum bh_cfg_restart */
	uint32_t restart_max;
	uint32_t restarts;      /* every restart */
	uint32_t auto_restarts; /* by the restart rule, counted against restart_max */
	uint32_t start_pending; /* restarted: start it once loaded */
	uint32_t guest;    /* devmodel: id of its linux partition; 0 for every other kind */
	uint64_t memory;   /* derived: bytes of RAM extents */
	uint64_t phys_base; /* as created (0: anywhere) */
	char     image[BH_CFG_IMAGE_LEN];   /* linux: the kernel (an ELF vmlinux) */
	char     cmdline[BH_CFG_CMDLINE_LEN];
	char     initrd[BH_CFG_IMAGE_LEN];  /* linux: the initramfs module, or empty */
	uint64_t disk_base;  /* its disk window (bytes) on the devices its block channels export */
	uint64_t disk_size;  /* 0: the whole device */
	uint32_t disk_flags; /* BH_CFG_DISK_RO */
	uint8_t  mac[6];     /* its net channels' MAC address, zero: none */
};

struct db_chan {
	char     name[BH_CFG_NAME_LEN];
	uint32_t id;       /* 1.., never reused; 0: free slot */
	uint32_t type;     /* enum bh_cfg_chan_type */
	uint32_t server;   /* partition ids */
	uint32_t client;
	uint32_t device;   /* devices[] index or BH_CFG_NONE */
	uint32_t reserved;
	uint64_t size;
	uint64_t hpa;      /* its extent */
	uint64_t server_gpa; /* where each endpoint sees it; 0: not placed yet */
	uint64_t client_gpa;
};

struct db_device {
	struct bh_cfg_device cfg; /* as in the blob; cfg.owner unused (BH_CFG_NONE) */
	uint32_t owner;    /* partition id, 0: none */
	uint32_t pci_found; /* PCI: the monitor found the function at boot; cfg.mmio[] holds its
			     * memory BARs (db_set_pci) */
};

struct db_cpu {
	uint64_t slots;    /* derived: bit s = parts[s] has a vCPU here */
	uint32_t vcpus;    /* derived: vCPUs placed here */
	uint32_t dedicated; /* derived: id of the dedicated partition here, 0: none */
};

struct db_state {
	uint64_t generation;
	uint32_t cpu_count;
	uint32_t next_part_id;
	uint32_t next_chan_id;
	uint32_t pool_count;
	uint32_t zone_count;
	uint32_t policy_count;
	uint32_t device_count;
	uint32_t extent_count;
	uint64_t pool_total; /* bytes */
	uint64_t pool_free;  /* derived */
	struct bh_cfg_pool pool[BH_CFG_POOL_MAX];
	struct bh_cfg_zone zones[BH_CFG_ZONES_MAX];
	uint64_t zone_used[BH_CFG_ZONES_MAX]; /* derived: RAM of the zone's partitions */
	struct bh_cfg_policy policies[BH_CFG_POLICIES_MAX];
	struct db_device devices[DB_DEVICES_MAX];
	struct db_part parts[DB_PARTS_MAX];
	struct db_chan chans[DB_CHANS_MAX];
	struct db_cpu cpus[BH_CFG_CPUS_MAX];
	struct db_extent extents[DB_EXTENTS_MAX];
	bool iommu; /* the monitor confines DMA (BH_UV_BOOT_IOMMU): no identity alias */
};

/* Committed transactions, oldest dropped first when the ring is full. Records: a header
 * then each op's first 0x28 + uv_op_args_size() bytes (the rest is zero by rule). */
struct db_journal {
	uint64_t first;    /* generation of the oldest record kept; 0: none yet */
	uint64_t last;     /* generation of the newest */
	uint32_t head;     /* ring offset of the next record */
	uint32_t tail;     /* ring offset of the oldest */
	uint32_t used;     /* bytes */
	uint32_t count;    /* records */
	uint8_t  ring[DB_JOURNAL_BYTES];
};

struct db {
	struct db_state st;
	struct db_journal journal;
};

/* Builds db from a blob that cfg_validate() accepted: every partition exists in state
 * created (the ultravisor: running), with its memory (phys_base honoured, else first fit),
 * devices and channels; generation 1; empty journal. Returns 0, or -BH_E* with a message in
 * err when the blob cannot be represented (over a database limit, or invalid). */
int db_init_from_blob(struct db *db, const void *blob, size_t len, char *err, size_t errlen);

/* The PCI functions the monitor found at boot (bh_uv_bootinfo): each PCI device of the blob
 * is marked found or not, and a found one's memory BARs (page-rounded, at most
 * BH_CFG_DEV_MMIO_MAX) become its MMIO ranges, which its owner's view maps. */
void db_set_pci(struct db *db, const struct bh_uv_pci *fns, uint32_t n);

/* A transaction from a command-channel client (lifecycle events refused). Fills resp; returns
 * resp->status. Rejected: db unchanged to the byte. Committed: generation + 1, journaled. */
int db_apply(struct db *db, const struct uv_request *req, struct uv_response *resp);
/* The same with an explicit origin: UV_ORIGIN_ULTRAVISOR may send lifecycle events; journal
 * replays pass the origin each record carries. */
int db_apply_as(struct db *db, const struct uv_request *req, struct uv_response *resp,
		uint32_t origin);
/* READ requests: nothing changes. Returns resp->status. */
int db_read(const struct db *db, const struct uv_request *req, struct uv_response *resp);
/* Either kind, from a client: what the command-channel server calls. */
int db_request(struct db *db, const struct uv_request *req, struct uv_response *resp);

/* The view of partition id (0 or -BH_ENOENT): private RAM from GPA 0, channels above it,
 * device MMIO at GPA = HPA, device ports, vCPU placement, generation. Boot modules (the
 * ultravisor's own MODULE regions) are the caller's to append. */
int db_view(const struct db *db, uint32_t id, struct bh_view *out);

/* Lookups on committed state. NULL / 0 when absent. */
const struct db_part *db_part_by_name(const struct db_state *st, const char *name);
const struct db_part *db_part_by_id(const struct db_state *st, uint32_t id);
/* The device model whose guest is linux partition id. */
const struct db_part *db_devmodel_of(const struct db_state *st, uint32_t id);
const struct db_chan *db_chan_by_name(const struct db_state *st, const char *name);
uint32_t db_id_of(const struct db *db, const char *name);

const char *db_state_name(uint32_t state); /* "created" ... "crashed" */

#endif
