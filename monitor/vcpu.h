/* SPDX-License-Identifier: MIT */
/* vcpu.h - partitions and their vCPUs as the monitor sees them, and the vendor ops table.
 *
 * A vendor backend (monitor/svm/, later monitor/vmx/) turns each hardware exit into a
 * struct exit_info with a vendor-neutral reason; monitor/exit.c handles those, so every
 * policy decision lives in one place for both vendors.
 */
#ifndef MONITOR_VCPU_H
#define MONITOR_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/partition.h>
#include <bulkhead/view.h>
#include "pgtable.h"
#include "ratelimit.h"
#include "spinlock.h"
#include "vlapic.h"

#define MAX_PARTITIONS 64 /* = BH_CFG_PARTITIONS_MAX */
#define MAX_VCPUS      16 /* per partition, = BH_VIEW_VCPUS_MAX */

/* Guest general-purpose registers the world switch saves and restores (RSP and RAX live in
 * the VMCB on AMD and are mirrored here around each exit). Order is the ABI of *-entry.asm. */
struct gpr {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rsp;
};
/* monitor/gpr.inc uses these offsets */
_Static_assert(__builtin_offsetof(struct gpr, rdi) == 40, "gpr.inc R_RDI");
_Static_assert(__builtin_offsetof(struct gpr, rbp) == 48, "gpr.inc R_RBP");
_Static_assert(__builtin_offsetof(struct gpr, r15) == 112, "gpr.inc R_R15");

/* The register an instruction names by its 4-bit number (ModRM.reg/rm with REX, or an exit
 * qualification's GPR field): 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8-15
 * r8-r15 (SDM vol 2A, Table 2-2). */
static inline uint64_t *gpr_by_number(struct gpr *r, unsigned n)
{
	static const uint8_t field[16] = { 0, 2, 3, 1, 15, 6, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14 };

	return &((uint64_t *)r)[field[n & 15]];
}

enum vcpu_state { VCPU_RUNNABLE, VCPU_BLOCKED, VCPU_DEAD };

/* RUNNABLE <-> BLOCKED only if still in `from`: VCPU_DEAD, which another CPU may store at any
 * time (part_end), is never overwritten. */
static inline bool vcpu_move(volatile enum vcpu_state *state, enum vcpu_state from,
			     enum vcpu_state to)
{
	enum vcpu_state expected = from;

	return __atomic_compare_exchange_n(state, &expected, to, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}
/* IDLE: view installed, no vCPU running (created, loaded or stopped by the ultravisor). */
enum part_state { PART_RUNNING, PART_EXITED, PART_CRASHED, PART_IDLE };

enum exit_reason {
	EXIT_NONE,      /* handled inside the backend; just re-enter */
	EXIT_INTR,      /* a physical interrupt arrived */
	EXIT_NMI,
	EXIT_CPUID,
	EXIT_HLT,
	EXIT_HYPERCALL, /* VMMCALL or VMCALL, also when it raised #UD on the other vendor */
	EXIT_IO,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_NPF,       /* nested page fault */
	EXIT_SHUTDOWN,  /* triple fault */
	EXIT_EXCEPTION, /* an intercepted exception that is not a hypercall */
	EXIT_FORBIDDEN, /* an instruction partitions may never use (VMRUN, INVD, XSETBV, ...) */
	EXIT_INVALID,   /* the hardware refused to enter (bad guest state) */
	EXIT_UNKNOWN,   /* anything else: contained */
	EXIT_IRQ_WINDOW, /* the guest can take an interrupt now (SVM VINTR, VMX window) */
	EXIT_DR_ACCESS, /* MOV to or from a debug register */
	EXIT_CACHE_FLUSH, /* WBINVD */
	EXIT_XSETBV,
	EXIT_REASONS
};

struct exit_info {
	enum exit_reason reason;
	uint64_t code;      /* the vendor's raw exit code, for logs */
	uint64_t qual;      /* NPF error code, I/O (EXIT_IO_*), exception vector */
	uint64_t addr;      /* NPF guest-physical address, MSR number, port */
	uint64_t next_rip;  /* RIP after the exiting instruction (NRIP, or RIP + insn_length) */
};

/* exit_info.qual of EXIT_IO, the same on both vendors */
#define EXIT_IO_SIZE   0x7u      /* 1, 2 or 4 bytes */
#define EXIT_IO_IN     (1u << 3)
#define EXIT_IO_STRING (1u << 4) /* INS/OUTS, with or without REP */

/* Events of full-virtualization vCPUs, beside BH_EVENT_*: look at the local APIC and the
 * device model's interrupt line (hvm.c). */
#define VCPU_EVENT_IRQ (1u << 31)

struct partition;

/* What a full-virtualization (BH_VIEW_HVM) vCPU has beyond the common state (hvm.c). */
struct hvm_vcpu {
	struct vlapic lapic;
	volatile uint8_t extint;     /* the device model's 8259 vector waiting, 0 = none */
	volatile bool nmi;           /* an NMI waiting */
	bool wait_sipi;              /* after INIT (and at start for vCPUs > 0): parked */
	volatile int16_t sipi;       /* a SIPI vector to start at, -1 = none */
	bool io_wait;                /* parked until the device model answers an IN */
	uint8_t io_size;
	uint32_t io_seq;             /* the request number of that IN */
	uint64_t dr[4], dr6, dr7;    /* what the guest last wrote to its debug registers */
};

struct vcpu {
	struct gpr regs;
	struct partition *part;
	unsigned index;         /* within the partition */
	unsigned cpu;           /* physical CPU it is pinned to */
	volatile enum vcpu_state state;
	volatile uint32_t events;    /* BH_EVENT_* pending */
	uint64_t timer_deadline;     /* TSC value, 0 = none */
	uint64_t exits;              /* taken so far (BH_HC_VCPU_EXITS) */
	void *vendor;                /* VMCB or VMCS, backend-owned */
	uint64_t vendor_pa;
	bool first_run;
	uint64_t run_until;          /* TSC: the scheduler's next event on its CPU, or ~0 */
	bool tlb_tag_shared;         /* its ASID/VPID is shared with other vCPUs: flush at entry */
	bool yielded;                /* gave up the rest of its slice */
	bool waiting;                /* blocked in BH_HC_WAIT: RAX gets the events on wake */
	volatile bool parked;        /* blocked until someone else wakes it: events do not */
	volatile bool in_guest;      /* its CPU is running it or handling its exit */
	volatile bool retired;       /* dead for good: its CPU unlinks it from the run queue */
	bool fpu_fresh;              /* started again: its CPU reloads the start state's FPU image */
	struct vcpu *next_on_cpu;    /* run-queue ring of its CPU */
	struct hvm_vcpu hvm;         /* BH_VIEW_HVM partitions only */
	/* XSAVE area (standard format: legacy region, header, AVX at 576), or FXSAVE image on a
	 * CPU without XSAVE; and the XCR0 the vCPU runs with */
	uint8_t fpu[1024] __attribute__((aligned(64)));
	uint64_t xcr0;
};

struct partition {
	unsigned id;            /* the ultravisor's (its view's); never 0 */
	unsigned slot;          /* index in partitions[]: the monitor's own small number */
	bool privileged;        /* the ultravisor: may make the calls of uvcall.h */
	bool hvm;               /* its view has BH_VIEW_HVM (hvm.c) */
	struct spinlock ioreq_lock; /* hvm: producers of its device model's request ring */
	uint32_t ioreq_prod;    /* hvm: requests written to that ring, the monitor's own count */
	volatile bool event_pending; /* ended on its own; the ultravisor has not been told */
	char name[BH_NAME_MAX];
	volatile enum part_state state;
	volatile bool ending;       /* set once, by whoever ends it */
	int exit_status;
	uint64_t hpa;           /* one contiguous extent of host memory... */
	uint64_t size;          /* ...mapped at guest-physical 0 */
	struct pgtable npt;     /* nested page tables */
	struct pgtable dma;     /* DMA tables of its PCI functions (iommu.h); root 0: none */
	uint64_t ioperm;        /* its I/O permission bitmap (enforce.h), 0: no port at all */
	unsigned vcpu_count;
	volatile unsigned vcpus_alive;
	struct vcpu *vcpus[MAX_VCPUS];
	struct bh_partition_info *info;
	struct bh_view view;        /* the monitor's own copy: what npt was built from */
	struct spinlock console_lock;
	unsigned line_len;
	char line[160];             /* console output not yet ended by a newline */
	struct ratelimit console_rate; /* lines to the log (part_console) */
	struct ratelimit pci_log_rate; /* refused PCI configuration writes logged (pci.c) */
};

/* The vendor backend, chosen once at boot (Jailhouse-style: one ops table, no #ifdef). */
struct vendor_ops {
	const char *name;
	int (*cpu_enable)(void);                 /* on each CPU */
	int (*vcpu_init)(struct vcpu *v, uint64_t entry, uint64_t stack, uint64_t cr3);
	/* v, dead and off its CPU, starts again on that CPU in the start state: its backend
	 * state is rewritten (now, or by its CPU before the next entry), not reallocated */
	int (*vcpu_reset)(struct vcpu *v, uint64_t entry, uint64_t stack, uint64_t cr3);
	void (*vcpu_run)(struct vcpu *v, struct exit_info *e); /* enter, return at the next exit */
	uint64_t (*get_rip)(struct vcpu *v);
	void (*set_rip)(struct vcpu *v, uint64_t rip);
	uint64_t (*get_cr3)(struct vcpu *v);
	uint64_t (*get_cr4)(struct vcpu *v);     /* as the guest runs (CPUID OSXSAVE) */
	void (*npt_changed)(struct vcpu *v);     /* v, current here, gets part->npt at next entry */
	/* Full-virtualization vCPUs (hvm.c), on v's own CPU between its exit and its next
	 * entry (vcpu_run calls hvm_prepare once the vCPU's state is reachable): */
	bool (*irq_open)(struct vcpu *v);       /* RFLAGS.IF, no interrupt shadow, none being
						 * injected: an interrupt may be injected now */
	bool (*event_busy)(struct vcpu *v);     /* an event is being injected (or re-injected) */
	void (*inject)(struct vcpu *v, unsigned type, uint8_t vector, int64_t error);
	void (*irq_window)(struct vcpu *v, bool on); /* exit as soon as irq_open() holds */
	void (*sipi)(struct vcpu *v, uint8_t vector); /* real mode at vector << 12 (SDM 8.4.4) */
	uint64_t (*msr_get)(struct vcpu *v, uint32_t msr);     /* EFER, PAT */
	int (*msr_set)(struct vcpu *v, uint32_t msr, uint64_t val); /* checked by hvm-cpu.c */
	const struct pt_format *npt_format;
	uint64_t npt_leaf_rw, npt_leaf_ro;      /* leaf bits for RAM, read-write and read-only */
	uint64_t npt_leaf_mmio;                 /* device MMIO: read-write, uncached */
};

extern const struct vendor_ops *vendor;
extern const struct vendor_ops svm_ops;
extern const struct vendor_ops vmx_ops;

/* The x87/SSE state of a CPU after FNINIT: FCW 0x37f, MXCSR 0x1f80 (SDM vol 1, Table 10-2);
 * an XSAVE header of zeros puts every other component in its initial state (13.8). */
static inline void vcpu_fpu_init(struct vcpu *v)
{
	__builtin_memset(v->fpu, 0, sizeof(v->fpu));
	v->xcr0 = 3; /* XCR0_X87 | XCR0_SSE */
	v->fpu[0] = 0x7f;
	v->fpu[1] = 0x03;
	v->fpu[24] = 0x80;
	v->fpu[25] = 0x1f;
}

/* Host pointer to [gpa, gpa + len), which must lie in one memory region of p's view (RAM,
 * channel, module), or NULL. The view is the one map of a partition: what its nested page
 * tables were built from. */
void *gpa_to_host(const struct partition *p, uint64_t gpa, uint64_t len);

/* The same for memory the monitor writes on the partition's behalf: only regions the view
 * makes writable (never the info page, a module). */
void *gpa_to_host_rw(const struct partition *p, uint64_t gpa, uint64_t len);


#endif
