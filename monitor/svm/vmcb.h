/* SPDX-License-Identifier: MIT */
/* vmcb.h - the Virtual Machine Control Block (APM vol 2, Appendix B "Layout of VMCB",
 * Tables B-1 "VMCB Layout, Control Area" and B-2 "VMCB Layout, State Save Area"). Every
 * byte is a named field or reserved_0xNNN; offsets the monitor touches are checked. */
#ifndef MONITOR_SVM_VMCB_H
#define MONITOR_SVM_VMCB_H

#include <bulkhead/abi.h>

struct vmcb_seg {
	uint16_t sel;
	uint16_t attrib; /* descriptor bits 47:40 in 7:0, 55:52 in 11:8 */
	uint32_t limit;
	uint64_t base;
};
BH_SIZE(vmcb_seg, 16);

struct vmcb_control {
	uint16_t cr_read, cr_write;     /* 0x000 */
	uint16_t dr_read, dr_write;     /* 0x004 */
	uint32_t exceptions;            /* 0x008 */
	uint32_t intercept1;            /* 0x00c  INTR ... SHUTDOWN */
	uint32_t intercept2;            /* 0x010  VMRUN ... */
	uint32_t intercept3;            /* 0x014 */
	uint8_t  reserved_0x018[0x03c - 0x018];
	uint16_t pause_threshold;       /* 0x03c */
	uint16_t pause_count;           /* 0x03e */
	uint64_t iopm_pa;               /* 0x040 */
	uint64_t msrpm_pa;              /* 0x048 */
	uint64_t tsc_offset;            /* 0x050 */
	uint32_t asid;                  /* 0x058 */
	uint8_t  tlb_control;           /* 0x05c */
	uint8_t  reserved_0x05d[3];
	uint64_t vintr;                 /* 0x060  V_TPR, V_IRQ, V_INTR_MASKING, vector */
	uint64_t int_shadow;            /* 0x068 */
	uint64_t exitcode;              /* 0x070 */
	uint64_t exitinfo1;             /* 0x078 */
	uint64_t exitinfo2;             /* 0x080 */
	uint64_t exitintinfo;           /* 0x088 */
	uint64_t np_enable;             /* 0x090 */
	uint8_t  reserved_0x098[0x0a8 - 0x098];
	uint64_t eventinj;              /* 0x0a8 */
	uint64_t ncr3;                  /* 0x0b0 */
	uint64_t lbr_virt;              /* 0x0b8 */
	uint32_t clean;                 /* 0x0c0 */
	uint32_t reserved_0x0c4;
	uint64_t nrip;                  /* 0x0c8 */
	uint8_t  insn_len;              /* 0x0d0 */
	uint8_t  insn_bytes[15];        /* 0x0d1 */
	uint8_t  reserved_0x0e0[0x400 - 0x0e0];
};
BH_OFFSET(vmcb_control, intercept1, 0x00c);
BH_OFFSET(vmcb_control, iopm_pa, 0x040);
BH_OFFSET(vmcb_control, asid, 0x058);
BH_OFFSET(vmcb_control, vintr, 0x060);
BH_OFFSET(vmcb_control, exitcode, 0x070);
BH_OFFSET(vmcb_control, np_enable, 0x090);
BH_OFFSET(vmcb_control, eventinj, 0x0a8);
BH_OFFSET(vmcb_control, ncr3, 0x0b0);
BH_OFFSET(vmcb_control, nrip, 0x0c8);
BH_SIZE(vmcb_control, 0x400);

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t  reserved_0x4a0[0x4cb - 0x4a0];
	uint8_t  cpl;                   /* 0x4cb */
	uint32_t reserved_0x4cc;
	uint64_t efer;                  /* 0x4d0 */
	uint8_t  reserved_0x4d8[0x548 - 0x4d8];
	uint64_t cr4;                   /* 0x548 */
	uint64_t cr3;                   /* 0x550 */
	uint64_t cr0;                   /* 0x558 */
	uint64_t dr7;                   /* 0x560 */
	uint64_t dr6;                   /* 0x568 */
	uint64_t rflags;                /* 0x570 */
	uint64_t rip;                   /* 0x578 */
	uint8_t  reserved_0x580[0x5d8 - 0x580];
	uint64_t rsp;                   /* 0x5d8 */
	uint8_t  reserved_0x5e0[0x5f8 - 0x5e0];
	uint64_t rax;                   /* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;    /* 0x600 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;       /* 0x628 */
	uint64_t cr2;                   /* 0x640 */
	uint8_t  reserved_0x648[0x668 - 0x648];
	uint64_t g_pat;                 /* 0x668 */
	uint8_t  reserved_0x670[0x1000 - 0x670];
};

struct vmcb {
	struct vmcb_control ctrl;
	struct vmcb_save save;
};
BH_OFFSET(vmcb, save.cs, 0x410);
BH_OFFSET(vmcb, save.tr, 0x490);
BH_OFFSET(vmcb, save.cpl, 0x4cb);
BH_OFFSET(vmcb, save.efer, 0x4d0);
BH_OFFSET(vmcb, save.cr4, 0x548);
BH_OFFSET(vmcb, save.rflags, 0x570);
BH_OFFSET(vmcb, save.rip, 0x578);
BH_OFFSET(vmcb, save.rsp, 0x5d8);
BH_OFFSET(vmcb, save.rax, 0x5f8);
BH_OFFSET(vmcb, save.cr2, 0x640);
BH_OFFSET(vmcb, save.g_pat, 0x668);
BH_SIZE(vmcb, 0x1000);

/* Intercept vector 3 (offset 0x00c), APM Table B-1 */
#define SVM_INT_INTR     (1u << 0)
#define SVM_INT_NMI      (1u << 1)
#define SVM_INT_SMI      (1u << 2)
#define SVM_INT_INIT     (1u << 3)
#define SVM_INT_VINTR    (1u << 4)
#define SVM_INT_CPUID    (1u << 18)
#define SVM_INT_RSM      (1u << 19)
#define SVM_INT_INVD     (1u << 22)
#define SVM_INT_HLT      (1u << 24)
#define SVM_INT_INVLPGA  (1u << 26)
#define SVM_INT_IOIO     (1u << 27)
#define SVM_INT_MSR      (1u << 28)
#define SVM_INT_TASKSW   (1u << 29)
#define SVM_INT_FERR     (1u << 30)
#define SVM_INT_SHUTDOWN (1u << 31)
/* Intercept vector 4 (offset 0x010) */
#define SVM_INT_VMRUN    (1u << 0)
#define SVM_INT_VMMCALL  (1u << 1)
#define SVM_INT_VMLOAD   (1u << 2)
#define SVM_INT_VMSAVE   (1u << 3)
#define SVM_INT_STGI     (1u << 4)
#define SVM_INT_CLGI     (1u << 5)
#define SVM_INT_SKINIT   (1u << 6)
#define SVM_INT_ICEBP    (1u << 8)
#define SVM_INT_WBINVD   (1u << 9)
#define SVM_INT_MONITOR  (1u << 10)
#define SVM_INT_MWAIT    (1u << 11)
#define SVM_INT_XSETBV   (1u << 13)

#define SVM_VINTR_MASKING (1ull << 24)
#define SVM_V_IRQ         (1ull << 8)  /* a virtual interrupt is pending (15.21.4) */
#define SVM_V_IGN_TPR     (1ull << 20) /* ... whatever V_TPR says */
#define SVM_V_PRIO        (0xfull << 16)
#define SVM_EVENT_VALID   (1ull << 31) /* EVENTINJ and EXITINTINFO (15.20) */
#define SVM_EVENT_ERR     (1ull << 11)

/* Exit codes, APM Appendix C "SVM Intercept Exit Codes" */
#define SVM_EXIT_DR_BASE   0x020 /* 0x20-0x2f reads, 0x30-0x3f writes of DR0-15 */
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR      0x060
#define SVM_EXIT_NMI       0x061
#define SVM_EXIT_SMI       0x062
#define SVM_EXIT_INIT      0x063
#define SVM_EXIT_VINTR     0x064
#define SVM_EXIT_CPUID     0x072
#define SVM_EXIT_RSM       0x073
#define SVM_EXIT_INVD      0x076
#define SVM_EXIT_HLT       0x078
#define SVM_EXIT_INVLPGA   0x07a
#define SVM_EXIT_IOIO      0x07b
#define SVM_EXIT_MSR       0x07c
#define SVM_EXIT_TASKSW    0x07d
#define SVM_EXIT_FERR      0x07e
#define SVM_EXIT_SHUTDOWN  0x07f
#define SVM_EXIT_VMRUN     0x080
#define SVM_EXIT_VMMCALL   0x081
#define SVM_EXIT_VMLOAD    0x082
#define SVM_EXIT_VMSAVE    0x083
#define SVM_EXIT_STGI      0x084
#define SVM_EXIT_CLGI      0x085
#define SVM_EXIT_SKINIT    0x086
#define SVM_EXIT_ICEBP     0x088
#define SVM_EXIT_WBINVD    0x089
#define SVM_EXIT_MONITOR   0x08a
#define SVM_EXIT_MWAIT     0x08b
#define SVM_EXIT_XSETBV    0x08d
#define SVM_EXIT_NPF       0x400
#define SVM_EXIT_NR        0x401
#define SVM_EXIT_INVALID   0xffffffffu /* compare the low 32 bits (QEMU stores it unextended) */

#define MSR_VM_HSAVE_PA 0xc0010117u

#endif
