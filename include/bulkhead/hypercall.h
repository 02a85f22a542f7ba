/* SPDX-License-Identifier: MIT */
/* hypercall.h - the partition → monitor call interface (ABI v1). Append only.
 *
 * VMMCALL (AMD) or VMCALL (Intel); the monitor accepts either on both vendors (the other
 * one traps as #UD and is treated the same), so one binary runs everywhere.
 *   RAX = call number, RDI, RSI, RDX, R10 = arguments, RAX = result:
 *   0 or a positive value on success, a negative BH_E* error otherwise.
 * Every pointer is a guest-physical address checked against the caller's memory map.
 * A call a partition may not make fails with -BH_EPERM; it never kills the caller.
 * The monitor preserves every register except RAX. The call number is all 64 bits of RAX.
 * The monitor never writes a partition's read-only pages (the info page) on its behalf:
 * such a buffer gets -BH_EFAULT.
 */
#ifndef BULKHEAD_HYPERCALL_H
#define BULKHEAD_HYPERCALL_H

#include <bulkhead/abi.h>

#define BH_ABI_VERSION 1

/* CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX = "BulkheadHV\0\0".
 * Leaf 0x40000001: EAX = BH_ABI_VERSION. */
#define BH_CPUID_LEAF      0x40000000u
#define BH_CPUID_SIGNATURE "BulkheadHV"

enum bh_hypercall {
	BH_HC_INFO          = 0, /* (gpa buf, len): copy min(len, size) bytes of the info; → bytes */
	BH_HC_CONSOLE_WRITE = 1, /* (gpa buf, len ≤ BH_CONSOLE_MAX): → bytes written */
	BH_HC_YIELD         = 2, /* (): give up the CPU to the next runnable vCPU */
	BH_HC_TIME          = 3, /* (): → nanoseconds since the monitor started */
	BH_HC_TIMER_SET     = 4, /* (deadline ns, 0 = cancel): this vCPU's one-shot timer */
	BH_HC_WAIT          = 5, /* (): block until an event is pending (for ever if none can
				  * come); → this vCPU's event mask, cleared */
	BH_HC_EXIT          = 6, /* (status): end this partition (all its vCPUs) */
	/* diagnostics */
	BH_HC_NULL          = 7, /* (): nothing; → 0. The round trip that benchmarks measure */
	BH_HC_VCPU_EXITS    = 8, /* (): → exits this vCPU has taken so far, this one included */
	BH_HC_SIGNAL        = 9, /* (channel id): BH_EVENT_CHANNEL to the peer's vCPU 0, latched;
				  * -BH_ENOENT: no such channel in the caller's view,
				  * -BH_EIO: the peer is not running */
	/* the ultravisor only (include/bulkhead/uvcall.h); -BH_EPERM from anyone else */
	BH_HC_UV_BOOTINFO   = 10, /* (gpa buf, len): struct bh_uv_bootinfo → bytes copied */
	BH_HC_UV_POOL       = 11, /* (gpa ranges, count): claim the memory pool, once */
	BH_HC_VIEW_PUBLISH  = 12, /* (gpa view, len, flags): install a partition's view */
	BH_HC_PART_LOAD     = 13, /* (id, dst gpa, src gpa or 0 = zeros, len): load window */
	BH_HC_PART_START    = 14, /* (id, entry, stack top, boot arg): fresh vCPUs, running;
				  * an HVM partition: vCPU 0 only, RSI = boot arg */
	BH_HC_PART_STOP     = 15, /* (id): not running; returns when no vCPU of it runs */
	BH_HC_PART_DESTROY  = 16, /* (id): forget a partition that is not running */
	BH_HC_PART_EVENTS   = 17, /* (gpa buf, max): ended partitions → bh_uv_event count */
	BH_HC_CHAN_DEAD     = 18, /* (id, channel id, side): that endpoint is dead; peer told */
	/* the partition whose view carries BH_VIEW_CONSOLE_IN only (the command partition),
	 * until an I/O partition serves the operator console */
	BH_HC_CONSOLE_READ  = 19, /* (gpa buf, len): bytes typed on COM1 so far, never waits;
				  * → bytes (0: none), -BH_EPERM */
	/* I/O partitions: the PCI functions of their view (bh_partition_info.pci_bdf[]) only */
	BH_HC_PCI_CONFIG    = 20, /* (bdf, offset, width 1|2|4, write 0|1, value): read → the
				  * value; write → 0. Writes reach only the command register's
				  * memory, bus-master and INTx-disable bits and the MSI-X enable
				  * and mask bits; -BH_EPERM (not this partition's function, or a
				  * write elsewhere), -BH_EINVAL (offset, width) */
	BH_HC_PCI_MSI       = 21, /* (bdf, entry, op BH_PCI_MSI_*): the monitor writes MSI-X
				  * table entry `entry` itself (the table is read-only to the
				  * partition): PROGRAM = the message it chose (fixed delivery,
				  * the function's own vector, the CPU of vCPU 0), unmasked;
				  * MASK / UNMASK = the entry's mask bit only. Its interrupts
				  * reach vCPU 0 as BH_EVENT_DEVICE. -BH_EPERM (not its
				  * function), -BH_ENOTSUP (no usable MSI-X), -BH_EINVAL (entry
				  * past the table, unknown op), -BH_EIO (memory decoding off) */
	/* a device model (BH_VIEW_DEVMODEL), for its own guest only (include/bulkhead/ioreq.h) */
	BH_HC_DM_ANSWER     = 22, /* (guest vCPU, value, seq): the IN that vCPU waits on, request
				  * seq, reads value; -BH_EINVAL: that vCPU waits on no such IN
				  * (a request of an earlier run of the guest, say) */
	BH_HC_DM_IRQ        = 23, /* (guest vCPU, vector, mode BH_DM_IRQ_*): raise (or, EXTINT
				  * with vector 0, withdraw) an interrupt of the guest */
	/* every partition */
	BH_HC_WALLCLOCK     = 24, /* (): → nanoseconds since 1970-01-01 UTC, from the machine's
				  * RTC read at boot plus the monitor's clock; -BH_ENOENT if none */
	BH_HC_COUNT
};

#define BH_CONSOLE_MAX 4096 /* bytes per console write */

/* BH_HC_PCI_MSI operations */
#define BH_PCI_MSI_PROGRAM 0
#define BH_PCI_MSI_MASK    1
#define BH_PCI_MSI_UNMASK  2

/* Event bits returned by BH_HC_WAIT. */
#define BH_EVENT_TIMER   (1u << 0)
#define BH_EVENT_CHANNEL (1u << 1) /* a peer signalled, or died: look at every channel */
#define BH_EVENT_PARTITION (1u << 2) /* ultravisor: a partition ended (BH_HC_PART_EVENTS) */
#define BH_EVENT_DEVICE  (1u << 3) /* an interrupt of one of the partition's PCI functions */
#define BH_EVENT_IOREQ   (1u << 4) /* device model: its guest's I/O request ring has work */

#endif
