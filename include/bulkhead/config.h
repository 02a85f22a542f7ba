/* SPDX-License-Identifier: MIT */
/* config.h - the partition config blob that GRUB hands the image as a module (ABI v1).
 *
 * Little-endian, versioned, position independent: every reference is an offset or an index.
 *
 *   0x00  +-------------------------------+
 *         | bh_cfg_header          (0x80) |  magic, version, total_size, checksum, cpu_count,
 *         |   tables[BH_CFG_TABLES]       |  one {offset, count, entry_size} per table
 *   0x80  +-------------------------------+
 *         | partitions[]   bh_cfg_partition  each table starts 8-byte aligned inside
 *         | memory pool[]  bh_cfg_pool       [0x80, total_size); tables never overlap;
 *         | devices[]      bh_cfg_device     entries are packed, entry_size bytes each
 *         | channels[]     bh_cfg_channel
 *         | zones[]        bh_cfg_zone
 *         | policies[]     bh_cfg_policy
 *         +-------------------------------+  total_size
 *
 * checksum: CRC-32 (IEEE 802.3: reflected polynomial 0xedb88320, initial value and final
 * XOR 0xffffffff, the zlib crc32()) over bytes [0x10, total_size), everything after the
 * checksum field. Magic, version and total_size come first and are checked on their own.
 *
 * Strings (names, image module, command line) are fixed fields: NUL-terminated inside the
 * field, every byte after the terminator zero. Cross references are table indices; an
 * optional one holds BH_CFG_NONE. Reserved fields and unused array slots are zero, so one
 * configuration has exactly one blob. Enumerations start at 1: a zeroed field is invalid.
 * Version 1 readers require entry_size == sizeof the entry; append only, never reorder.
 */
#ifndef BULKHEAD_CONFIG_H
#define BULKHEAD_CONFIG_H

#include <bulkhead/abi.h>

#define BH_CFG_MAGIC   0x47464342u /* "BCFG" as bytes */
#define BH_CFG_VERSION 2
#define BH_CFG_NONE    0xffffffffu /* "no reference" in an optional index field */

/* Limits. Every count and size in a blob is checked against these. */
#define BH_CFG_BLOB_MAX        0x40000u /* total_size */
#define BH_CFG_PARTITIONS_MAX  64
#define BH_CFG_POOL_MAX        16
#define BH_CFG_DEVICES_MAX     64
#define BH_CFG_CHANNELS_MAX    256
#define BH_CFG_ZONES_MAX       16
#define BH_CFG_POLICIES_MAX    16
#define BH_CFG_CPUS_MAX        64       /* physical CPUs: zones hold them in a 64-bit mask */
#define BH_CFG_VCPUS_MAX       16       /* vCPUs of one partition */
#define BH_CFG_NAME_LEN        32       /* bytes, NUL included: 31 characters */
#define BH_CFG_IMAGE_LEN       64       /* = BH_BOOT_MODNAME_MAX */
#define BH_CFG_CMDLINE_LEN     256      /* = BH_BOOT_CMDLINE_MAX */
#define BH_CFG_DEV_PORTS_MAX   4
#define BH_CFG_DEV_MMIO_MAX    4
#define BH_CFG_DEV_IRQS_MAX    4
#define BH_CFG_IRQ_MAX         255      /* highest GSI */
#define BH_CFG_RESTART_MAX     1000     /* highest restart count a rule may name */

/* Sizes and alignment. */
#define BH_CFG_MEM_ALIGN       0x200000ull     /* partition memory, pool, zone budgets: 2 MiB */
#define BH_CFG_PAGE            0x1000ull       /* channels and MMIO ranges: 4 KiB */
#define BH_CFG_PART_MEM_MAX    0x10000000000ull /* 1 TiB per partition */
#define BH_CFG_CHAN_MIN        0x2000ull       /* header page + one ring page */
#define BH_CFG_CHAN_MAX        0x4000000ull    /* 64 MiB */
#define BH_CFG_PHYS_LIMIT      (1ull << 52)    /* no range may end above this */
#define BH_CFG_PORT_LIMIT      0x10000u        /* I/O port space */
/* Least memory of a linux partition, the floor below which it can never boot: the Debian
 * kernel's vmlinux loads at 16 MiB (its physical start) and its init_size is 63.6 MiB, and
 * the initramfs and the kernel's first allocations come on top. The ultravisor checks the
 * exact figure against the real kernel (start + init_size) when it loads it. */
#define BH_CFG_LINUX_MEM_MIN   0x8000000ull    /* 128 MiB */

enum bh_cfg_table_id {
	BH_CFG_PARTITIONS = 0,
	BH_CFG_POOL       = 1,
	BH_CFG_DEVICES    = 2,
	BH_CFG_CHANNELS   = 3,
	BH_CFG_ZONES      = 4,
	BH_CFG_POLICIES   = 5,
	BH_CFG_TABLES     = 6,
};

enum bh_cfg_kind {
	BH_CFG_KIND_ULTRAVISOR = 1,
	BH_CFG_KIND_COMMAND    = 2,
	BH_CFG_KIND_OPSPOLICY  = 3,
	BH_CFG_KIND_IOPART     = 4,
	BH_CFG_KIND_GUEST      = 5,
	BH_CFG_KIND_LINUX      = 6, /* full virtualization: an unmodified Linux kernel (image: its
				     * vmlinux ELF, initrd: its initramfs, cmdline: the kernel's) */
	BH_CFG_KIND_DEVMODEL   = 7, /* the device model of one linux partition (guest) */
	BH_CFG_KIND_NR,
};

enum bh_cfg_restart {
	BH_CFG_RESTART_STOP = 1, /* a partition that dies stays stopped */
	BH_CFG_RESTART      = 2, /* restarted, at most restart_max times (0: no limit) */
	BH_CFG_RESTART_NR,
};

enum bh_cfg_bus {
	BH_CFG_BUS_ISA = 1, /* legacy: ports, MMIO and IRQs as listed */
	BH_CFG_BUS_PCI = 2, /* pci_bdf names it; BARs are read from the device */
	BH_CFG_BUS_NR,
};

enum bh_cfg_class {
	BH_CFG_CLASS_SERIAL  = 1,
	BH_CFG_CLASS_STORAGE = 2,
	BH_CFG_CLASS_NETWORK = 3,
	BH_CFG_CLASS_OTHER   = 4,
	BH_CFG_CLASS_NR,
};

enum bh_cfg_chan_type {
	BH_CFG_CHAN_CONSOLE = 1, /* served by an I/O partition */
	BH_CFG_CHAN_BLOCK   = 2, /* served by an I/O partition, exports one device */
	BH_CFG_CHAN_NET     = 3, /* served by an I/O partition */
	BH_CFG_CHAN_CONTROL = 4, /* command/policy requests between system partitions */
	BH_CFG_CHAN_NR,
};

enum bh_cfg_failover {
	BH_CFG_FAILOVER_NONE   = 1,
	BH_CFG_FAILOVER_IOPART = 2, /* guests keep block channels to two I/O partitions */
	BH_CFG_FAILOVER_NR,
};

/* bh_cfg_partition.flags */
#define BH_CFG_PART_DEDICATED (1u << 0) /* its CPUs run no other partition */
#define BH_CFG_PART_FLAGS     BH_CFG_PART_DEDICATED

/* bh_cfg_partition.disk_flags */
#define BH_CFG_DISK_RO    (1u << 0) /* the partition may read its disk, never write it */
#define BH_CFG_DISK_FLAGS BH_CFG_DISK_RO
#define BH_CFG_SECTOR     512u      /* the disk window's unit */

struct bh_cfg_table {
	uint32_t offset;     /* 0x00  from the start of the blob, 8-byte aligned */
	uint32_t count;      /* 0x04  entries */
	uint32_t entry_size; /* 0x08  sizeof the entry struct */
	uint32_t reserved_0x0c;
};
BH_OFFSET(bh_cfg_table, count, 0x04);
BH_OFFSET(bh_cfg_table, entry_size, 0x08);
BH_SIZE(bh_cfg_table, 0x10);

struct bh_cfg_header {
	uint32_t magic;        /* 0x00  BH_CFG_MAGIC */
	uint16_t version;      /* 0x04  BH_CFG_VERSION */
	uint16_t table_count;  /* 0x06  BH_CFG_TABLES */
	uint32_t total_size;   /* 0x08  bytes, header included */
	uint32_t checksum;     /* 0x0c  CRC-32 of [0x10, total_size) */
	uint32_t cpu_count;    /* 0x10  physical CPUs the configuration is written for */
	uint32_t flags;        /* 0x14  zero */
	uint64_t reserved_0x18;
	struct bh_cfg_table tables[BH_CFG_TABLES]; /* 0x20  indexed by enum bh_cfg_table_id */
};
BH_OFFSET(bh_cfg_header, version, 0x04);
BH_OFFSET(bh_cfg_header, table_count, 0x06);
BH_OFFSET(bh_cfg_header, total_size, 0x08);
BH_OFFSET(bh_cfg_header, checksum, 0x0c);
BH_OFFSET(bh_cfg_header, cpu_count, 0x10);
BH_OFFSET(bh_cfg_header, flags, 0x14);
BH_OFFSET(bh_cfg_header, tables, 0x20);
BH_SIZE(bh_cfg_header, 0x80);

#define BH_CFG_CHECKSUM_START 0x10 /* offsetof(struct bh_cfg_header, cpu_count) */

struct bh_cfg_partition {
	char     name[BH_CFG_NAME_LEN]; /* 0x00 */
	uint32_t kind;         /* 0x20  enum bh_cfg_kind */
	uint32_t zone;         /* 0x24  zones[] index */
	uint32_t flags;        /* 0x28  BH_CFG_PART_* */
	uint32_t vcpus;        /* 0x2c  1..BH_CFG_VCPUS_MAX */
	uint8_t  cpus[BH_CFG_VCPUS_MAX]; /* 0x30  physical CPU of vCPU i; zero past vcpus */
	uint64_t memory;       /* 0x40  bytes, multiple of 2 MiB */
	uint64_t phys_base;    /* 0x48  fixed host-physical placement, 0: anywhere in the pool */
	uint32_t restart;      /* 0x50  enum bh_cfg_restart */
	uint32_t restart_max;  /* 0x54  restarts allowed, 0: no limit (zero for STOP) */
	uint32_t guest;        /* 0x58  devmodel: partitions[] index of its linux partition;
				* zero for every other kind */
	uint32_t reserved_0x5c;
	char     image[BH_CFG_IMAGE_LEN];     /* 0x60  module name; empty: embedded (ultravisor);
					       * linux: the kernel (an ELF vmlinux) */
	char     cmdline[BH_CFG_CMDLINE_LEN]; /* 0xa0  printable ASCII */
	char     initrd[BH_CFG_IMAGE_LEN];    /* 0x1a0 linux: the initramfs module, or empty;
					       * empty for every other kind */
	/* v2: its disk, the window of the device its block channels export (sectors of
	 * BH_CFG_SECTOR bytes; size 0: the whole device), and its network address */
	uint64_t disk_base;    /* 0x1e0  bytes from the device's start, sector aligned */
	uint64_t disk_size;    /* 0x1e8  bytes, sector multiple; 0: the whole device */
	uint32_t disk_flags;   /* 0x1f0  BH_CFG_DISK_* */
	uint8_t  mac[6];       /* 0x1f4  net channels: its MAC address; zero: none */
	uint16_t reserved_0x1fa;
	uint32_t reserved_0x1fc;
};
BH_OFFSET(bh_cfg_partition, kind, 0x20);
BH_OFFSET(bh_cfg_partition, zone, 0x24);
BH_OFFSET(bh_cfg_partition, flags, 0x28);
BH_OFFSET(bh_cfg_partition, vcpus, 0x2c);
BH_OFFSET(bh_cfg_partition, cpus, 0x30);
BH_OFFSET(bh_cfg_partition, memory, 0x40);
BH_OFFSET(bh_cfg_partition, phys_base, 0x48);
BH_OFFSET(bh_cfg_partition, restart, 0x50);
BH_OFFSET(bh_cfg_partition, restart_max, 0x54);
BH_OFFSET(bh_cfg_partition, guest, 0x58);
BH_OFFSET(bh_cfg_partition, image, 0x60);
BH_OFFSET(bh_cfg_partition, cmdline, 0xa0);
BH_OFFSET(bh_cfg_partition, initrd, 0x1a0);
BH_OFFSET(bh_cfg_partition, disk_base, 0x1e0);
BH_OFFSET(bh_cfg_partition, disk_size, 0x1e8);
BH_OFFSET(bh_cfg_partition, disk_flags, 0x1f0);
BH_OFFSET(bh_cfg_partition, mac, 0x1f4);
BH_SIZE(bh_cfg_partition, 0x200);

/* A range of host-physical RAM the ultravisor may give to partitions and channels. */
struct bh_cfg_pool {
	uint64_t base; /* 0x00  2 MiB aligned */
	uint64_t size; /* 0x08  multiple of 2 MiB */
};
BH_OFFSET(bh_cfg_pool, size, 0x08);
BH_SIZE(bh_cfg_pool, 0x10);

struct bh_cfg_ioport {
	uint16_t base;  /* 0x00 */
	uint16_t count; /* 0x02  ports, base + count <= 0x10000 */
};
BH_OFFSET(bh_cfg_ioport, count, 0x02);
BH_SIZE(bh_cfg_ioport, 0x04);

struct bh_cfg_mmio {
	uint64_t base; /* 0x00  4 KiB aligned */
	uint64_t size; /* 0x08  multiple of 4 KiB */
};
BH_OFFSET(bh_cfg_mmio, size, 0x08);
BH_SIZE(bh_cfg_mmio, 0x10);

struct bh_cfg_device {
	char     name[BH_CFG_NAME_LEN]; /* 0x00 */
	uint32_t owner;        /* 0x20  partitions[] index (an iopart) or BH_CFG_NONE */
	uint16_t bus;          /* 0x24  enum bh_cfg_bus */
	uint16_t class;        /* 0x26  enum bh_cfg_class */
	uint16_t pci_bdf;      /* 0x28  bus << 8 | device << 3 | function; zero unless PCI */
	uint8_t  port_count;   /* 0x2a */
	uint8_t  mmio_count;   /* 0x2b */
	uint8_t  irq_count;    /* 0x2c */
	uint8_t  reserved_0x2d[3];
	struct bh_cfg_ioport ports[BH_CFG_DEV_PORTS_MAX]; /* 0x30 */
	uint16_t irqs[BH_CFG_DEV_IRQS_MAX];              /* 0x40  GSIs */
	uint64_t reserved_0x48;
	struct bh_cfg_mmio mmio[BH_CFG_DEV_MMIO_MAX];    /* 0x50 */
};
BH_OFFSET(bh_cfg_device, owner, 0x20);
BH_OFFSET(bh_cfg_device, bus, 0x24);
BH_OFFSET(bh_cfg_device, class, 0x26);
BH_OFFSET(bh_cfg_device, pci_bdf, 0x28);
BH_OFFSET(bh_cfg_device, port_count, 0x2a);
BH_OFFSET(bh_cfg_device, mmio_count, 0x2b);
BH_OFFSET(bh_cfg_device, irq_count, 0x2c);
BH_OFFSET(bh_cfg_device, ports, 0x30);
BH_OFFSET(bh_cfg_device, irqs, 0x40);
BH_OFFSET(bh_cfg_device, mmio, 0x50);
BH_SIZE(bh_cfg_device, 0x90);

struct bh_cfg_channel {
	char     name[BH_CFG_NAME_LEN]; /* 0x00 */
	uint32_t type;    /* 0x20  enum bh_cfg_chan_type */
	uint32_t server;  /* 0x24  partitions[] index */
	uint32_t client;  /* 0x28  partitions[] index, not the server */
	uint32_t device;  /* 0x2c  devices[] index the server exports, or BH_CFG_NONE */
	uint64_t size;    /* 0x30  bytes, multiple of 4 KiB, BH_CFG_CHAN_MIN..BH_CFG_CHAN_MAX */
	uint64_t reserved_0x38;
};
BH_OFFSET(bh_cfg_channel, type, 0x20);
BH_OFFSET(bh_cfg_channel, server, 0x24);
BH_OFFSET(bh_cfg_channel, client, 0x28);
BH_OFFSET(bh_cfg_channel, device, 0x2c);
BH_OFFSET(bh_cfg_channel, size, 0x30);
BH_SIZE(bh_cfg_channel, 0x40);

struct bh_cfg_zone {
	char     name[BH_CFG_NAME_LEN]; /* 0x00 */
	uint64_t cpus;    /* 0x20  bit n: physical CPU n */
	uint64_t memory;  /* 0x28  budget in bytes, multiple of 2 MiB */
	uint32_t policy;  /* 0x30  policies[] index */
	uint32_t reserved_0x34;
	uint64_t reserved_0x38;
};
BH_OFFSET(bh_cfg_zone, cpus, 0x20);
BH_OFFSET(bh_cfg_zone, memory, 0x28);
BH_OFFSET(bh_cfg_zone, policy, 0x30);
BH_SIZE(bh_cfg_zone, 0x40);

struct bh_cfg_policy {
	char     name[BH_CFG_NAME_LEN]; /* 0x00 */
	uint32_t kinds;          /* 0x20  bit (1 << enum bh_cfg_kind): kinds allowed in the zone */
	uint32_t max_partitions; /* 0x24  0: no limit */
	uint32_t restart;        /* 0x28  most a partition may ask: STOP or RESTART */
	uint32_t restart_max;    /* 0x2c  ceiling on restart_max, 0: none (zero for STOP) */
	uint32_t failover;       /* 0x30  enum bh_cfg_failover */
	uint32_t reserved_0x34;
	uint64_t reserved_0x38;
};
BH_OFFSET(bh_cfg_policy, kinds, 0x20);
BH_OFFSET(bh_cfg_policy, max_partitions, 0x24);
BH_OFFSET(bh_cfg_policy, restart, 0x28);
BH_OFFSET(bh_cfg_policy, restart_max, 0x2c);
BH_OFFSET(bh_cfg_policy, failover, 0x30);
BH_SIZE(bh_cfg_policy, 0x40);

#endif
