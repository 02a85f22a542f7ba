/* SPDX-License-Identifier: MIT */
/* uvcall.h - what only the ultravisor may ask of the monitor (ABI v1). Append only.
 *
 * The monitor starts the ultravisor first, from the image built into bulkhead.elf, with
 * BH_UV_BOOT_MEM bytes of RAM of the monitor's choosing (the bootstrap) on CPU 0 and every
 * boot module mapped read-only from BH_UV_MODULE_GPA. Everything else is the ultravisor's
 * doing, through these calls (numbers in hypercall.h):
 *
 *   BH_HC_UV_BOOTINFO   the machine as the monitor found it: CPUs, RAM, boot modules.
 *   BH_HC_UV_POOL       the memory pool of the config blob. Each range must be usable RAM,
 *                       2 MiB aligned, and wholly free in the monitor's frame allocator; the
 *                       monitor takes the frames and from then on accepts only views whose
 *                       memory (but modules) lies in the pool. Once; all or nothing.
 *   BH_HC_VIEW_PUBLISH  a partition's view (view.h), copied, checked against every
 *                       containment rule and then enforced. A new partition id creates the
 *                       partition (not running); a known one must not be running. Its private
 *                       memory is zeroed, and so is a channel no other partition maps yet.
 *                       The ultravisor's own id moves the ultravisor: its bootstrap RAM is
 *                       copied, page by page at the same GPAs, into the new view's RAM.
 *   BH_HC_PART_LOAD     the load window: copy len bytes from the ultravisor's GPA src (src
 *                       0: zeros; GPA 0 is never a source) to GPA dst of a partition that is
 *                       not running. [dst, dst + len) must lie in its private RAM (the
 *                       read-only info page included; it may span several regions), src in
 *                       one region of the ultravisor's view.
 *   BH_HC_PART_START    new vCPUs per the view's placement in the start state of partition.h:
 *                       RIP = entry, RSP = stack top - i * BH_STACK_SIZE, CR3 = BH_PT_GPA.
 *   BH_HC_PART_STOP     every vCPU off its CPU before the call returns; memory kept.
 *   BH_HC_PART_DESTROY  nested page tables freed, the id forgotten.
 *   BH_HC_PART_EVENTS   partitions that ended on their own (exit or containment) since the
 *                       last call, each once; BH_EVENT_PARTITION tells the ultravisor to ask.
 *   BH_HC_CHAN_DEAD     partition id, which is not running, was endpoint `side` (channel.h)
 *                       of channel chan_id in its view: the monitor writes the death into
 *                       the channel header (bh_chan_mark_dead) and raises BH_EVENT_CHANNEL
 *                       on the peer. The ultravisor maps no other partition's channels.
 * Errors: -BH_EPERM (not the ultravisor), -BH_ENOENT (no such id), -BH_EBUSY (running, or
 * pool frames in use), -BH_EFAULT (a buffer), -BH_EINVAL (a view the checks refuse; the
 * monitor's log on COM2 names the partition, region and rule), -BH_ENOMEM.
 */
#ifndef BULKHEAD_UVCALL_H
#define BULKHEAD_UVCALL_H

#include <bulkhead/abi.h>

#define BH_UV_BOOT_MEM      0x1000000ull     /* 16 MiB: the ultravisor's bootstrap RAM */
#define BH_UV_MODULE_GPA    0x8000000000ull  /* 512 GiB: boot modules, in boot order */
#define BH_UV_MODULES_MAX   32
#define BH_UV_RAM_MAX       64
#define BH_UV_POOL_MAX      16
#define BH_UV_EVENTS_MAX    64

/* BH_HC_VIEW_PUBLISH flags */
#define BH_UV_PUBLISH_SELF  (1u << 0) /* the caller's own view: move into it (its id may change) */

struct bh_uv_module {
	uint64_t gpa;        /* 0x00  where it is mapped in the ultravisor, read-only */
	uint64_t size;       /* 0x08  bytes */
	uint64_t hpa;        /* 0x10  host-physical (page aligned): for the MODULE regions of
			      *       the ultravisor's own view */
	char     name[104];  /* 0x18  the loader's module command line, NUL-terminated */
};
BH_SIZE(bh_uv_module, 0x80);

struct bh_uv_range {
	uint64_t base;       /* 0x00  host-physical */
	uint64_t size;       /* 0x08 */
};
BH_SIZE(bh_uv_range, 0x10);

/* A PCI function as the monitor found it at boot (legacy configuration mechanism, bus 0 and
 * the buses behind its bridges), with its memory BARs sized. */
#define BH_UV_PCI_MAX  32
#define BH_UV_PCI_BARS 6
struct bh_uv_pci_bar {
	uint64_t base;         /* 0x00  host-physical; 0 with size 0: no memory BAR here */
	uint64_t size;         /* 0x08 */
};
BH_SIZE(bh_uv_pci_bar, 0x10);

struct bh_uv_pci {
	uint16_t bdf;          /* 0x00  bus << 8 | device << 3 | function */
	uint16_t vendor;       /* 0x02 */
	uint16_t device;       /* 0x04 */
	uint16_t reserved_0x06;
	uint32_t class;        /* 0x08  class << 16 | subclass << 8 | programming interface */
	uint32_t reserved_0x0c;
	struct bh_uv_pci_bar bar[BH_UV_PCI_BARS]; /* 0x10  a 64-bit BAR fills its first slot */
};
BH_OFFSET(bh_uv_pci, class, 0x08);
BH_OFFSET(bh_uv_pci, bar, 0x10);
BH_SIZE(bh_uv_pci, 0x70);

/* bh_uv_bootinfo.flags */
#define BH_UV_BOOT_IOMMU (1u << 0) /* an IOMMU confines device DMA to each partition's view
				    * (IOVA = GPA): I/O partitions need no GPA = HPA alias */

struct bh_uv_bootinfo {
	uint32_t cpu_count;    /* 0x00  CPUs online */
	uint32_t module_count; /* 0x04 */
	uint32_t ram_count;    /* 0x08  usable RAM ranges */
	uint32_t flags;        /* 0x0c  BH_UV_BOOT_* */
	uint64_t tsc_hz;       /* 0x10 */
	struct bh_uv_module modules[BH_UV_MODULES_MAX]; /* 0x18 */
	struct bh_uv_range  ram[BH_UV_RAM_MAX];         /* 0x1018 */
	uint32_t pci_count;    /* 0x1418  PCI functions found at boot */
	uint32_t reserved_0x141c;
	struct bh_uv_pci pci[BH_UV_PCI_MAX];            /* 0x1420 */
};
BH_OFFSET(bh_uv_bootinfo, modules, 0x18);
BH_OFFSET(bh_uv_bootinfo, ram, 0x1018);
BH_OFFSET(bh_uv_bootinfo, pci_count, 0x1418);
BH_OFFSET(bh_uv_bootinfo, pci, 0x1420);
BH_SIZE(bh_uv_bootinfo, 0x1420 + BH_UV_PCI_MAX * 0x70);

/* bh_uv_event.how */
enum bh_uv_end {
	BH_UV_EXITED  = 1, /* BH_HC_EXIT; status is its argument */
	BH_UV_CRASHED = 2, /* contained by the monitor; status -1 */
};

struct bh_uv_event {
	uint32_t id;         /* 0x00  partition id */
	uint32_t how;        /* 0x04  enum bh_uv_end */
	int32_t  status;     /* 0x08 */
	uint32_t reserved_0x0c;
};
BH_SIZE(bh_uv_event, 0x10);

#endif
