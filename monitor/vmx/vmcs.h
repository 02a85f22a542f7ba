/* SPDX-License-Identifier: MIT */
/* vmcs.h - the Virtual-Machine Control Structure as the monitor uses it: field encodings
 * (SDM vol 3, Appendix B "Field Encoding in VMCS"), control bits (25.6-25.8), capability
 * MSRs (Appendix A "VMX Capability Reporting Facility"), exit reasons (Appendix C "VMX
 * Basic Exit Reasons") and VM-instruction error numbers (31.4). The VMCS layout in memory
 * is the processor's own: it is only ever reached through VMREAD and VMWRITE.
 *
 * An encoding carries its width in bits 14:13 (0 16-bit, 1 64-bit, 2 32-bit, 3 natural) and
 * its type in bits 11:10 (0 control, 1 read-only data, 2 guest state, 3 host state): every
 * field below is checked against the table it is listed in (B.1 to B.4).
 *
 * Section numbers in monitor/vmx/ follow the SDM of 2023 and later (vol 3C: VMCS chapter 25,
 * VM entries 27, VM exits 28, EPT 29, instructions 31); the titles find them in any edition.
 */
#ifndef MONITOR_VMX_VMCS_H
#define MONITOR_VMX_VMCS_H

#include <stdint.h>

enum vmcs_field {
	/* B.1.1 16-bit control, B.1.2 16-bit guest state, B.1.3 16-bit host state */
	VMCS_VPID = 0x0000,
	GUEST_ES_SEL = 0x0800, /* ES CS SS DS FS GS LDTR TR follow, 2 apart */
	HOST_ES_SEL = 0x0c00,
	HOST_CS_SEL = 0x0c02,
	HOST_SS_SEL = 0x0c04,
	HOST_DS_SEL = 0x0c06,
	HOST_FS_SEL = 0x0c08,
	HOST_GS_SEL = 0x0c0a,
	HOST_TR_SEL = 0x0c0c,
	/* B.2.1 64-bit control, B.2.2 64-bit read-only data, B.2.3 64-bit guest, B.2.4 host */
	IO_BITMAP_A = 0x2000,
	IO_BITMAP_B = 0x2002,
	MSR_BITMAP = 0x2004,
	TSC_OFFSET = 0x2010,
	VIRTUAL_APIC_ADDR = 0x2012,
	EPT_POINTER = 0x201a,
	ENCLS_EXITING_BITMAP = 0x202e,
	GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_POINTER = 0x2800,
	GUEST_DEBUGCTL = 0x2802,
	GUEST_PAT = 0x2804,
	GUEST_EFER = 0x2806,
	HOST_PAT = 0x2c00,
	HOST_EFER = 0x2c02,
	/* B.3.1 32-bit control, B.3.2 32-bit read-only data, B.3.3 32-bit guest, B.3.4 host */
	PIN_CONTROLS = 0x4000,
	PROC_CONTROLS = 0x4002,
	EXCEPTION_BITMAP = 0x4004,
	PF_ERROR_MASK = 0x4006,
	PF_ERROR_MATCH = 0x4008,
	CR3_TARGET_COUNT = 0x400a,
	EXIT_CONTROLS = 0x400c,
	EXIT_MSR_STORE_COUNT = 0x400e,
	EXIT_MSR_LOAD_COUNT = 0x4010,
	ENTRY_CONTROLS = 0x4012,
	ENTRY_MSR_LOAD_COUNT = 0x4014,
	ENTRY_INTR_INFO = 0x4016,
	ENTRY_EXCEPTION_ERROR = 0x4018,
	ENTRY_INSN_LEN = 0x401a,
	TPR_THRESHOLD = 0x401c,
	PROC_CONTROLS2 = 0x401e,
	VM_INSN_ERROR = 0x4400,
	EXIT_REASON = 0x4402,
	EXIT_INTR_INFO = 0x4404,
	IDT_VECTORING_INFO = 0x4408,
	IDT_VECTORING_ERROR = 0x440a,
	EXIT_INSN_LEN = 0x440c,
	GUEST_ES_LIMIT = 0x4800, /* ES ... TR, 2 apart */
	GUEST_GDTR_LIMIT = 0x4810,
	GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814,    /* ES ... TR, 2 apart */
	GUEST_INTERRUPTIBILITY = 0x4824,
	GUEST_ACTIVITY = 0x4826,
	GUEST_SYSENTER_CS = 0x482a,
	GUEST_PREEMPT_TIMER = 0x482e,
	HOST_SYSENTER_CS = 0x4c00,
	/* B.4.1 natural control, B.4.2 natural read-only, B.4.3 natural guest, B.4.4 host */
	CR0_GUEST_HOST_MASK = 0x6000,
	CR4_GUEST_HOST_MASK = 0x6002,
	CR0_READ_SHADOW = 0x6004,
	CR4_READ_SHADOW = 0x6006,
	EXIT_QUALIFICATION = 0x6400,
	GUEST_CR0 = 0x6800,
	GUEST_CR3 = 0x6802,
	GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806,  /* ES ... TR, 2 apart */
	GUEST_GDTR_BASE = 0x6816,
	GUEST_IDTR_BASE = 0x6818,
	GUEST_DR7 = 0x681a,
	GUEST_RSP = 0x681c,
	GUEST_RIP = 0x681e,
	GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6c00,
	HOST_CR3 = 0x6c02,
	HOST_CR4 = 0x6c04,
	HOST_FS_BASE = 0x6c06,
	HOST_GS_BASE = 0x6c08,
	HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c,
	HOST_IDTR_BASE = 0x6c0e,
	HOST_SYSENTER_ESP = 0x6c10,
	HOST_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14,
	HOST_RIP = 0x6c16,
};

/* Segment registers in VMCS order (B.1.2): field = base encoding + 2 * seg. */
enum vmcs_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };

#define VMCS_WIDTH(f) (((f) >> 13) & 3)
#define VMCS_TYPE(f)  (((f) >> 10) & 3)
#define VMCS_CHECK(f, width, type) \
	_Static_assert(VMCS_WIDTH(f) == (width) && VMCS_TYPE(f) == (type), #f " encoding")
enum { W16, W64, W32, WNAT };
enum { T_CTL, T_RO, T_GUEST, T_HOST };
VMCS_CHECK(VMCS_VPID, W16, T_CTL);
VMCS_CHECK(GUEST_ES_SEL + 2 * SEG_TR, W16, T_GUEST);
VMCS_CHECK(HOST_TR_SEL, W16, T_HOST);
VMCS_CHECK(EPT_POINTER, W64, T_CTL);
VMCS_CHECK(GUEST_PHYS_ADDR, W64, T_RO);
VMCS_CHECK(GUEST_EFER, W64, T_GUEST);
VMCS_CHECK(HOST_EFER, W64, T_HOST);
VMCS_CHECK(PROC_CONTROLS2, W32, T_CTL);
VMCS_CHECK(EXIT_INSN_LEN, W32, T_RO);
VMCS_CHECK(IDT_VECTORING_INFO, W32, T_RO);
VMCS_CHECK(ENTRY_INSN_LEN, W32, T_CTL);
VMCS_CHECK(GUEST_ES_AR + 2 * SEG_TR, W32, T_GUEST);
VMCS_CHECK(GUEST_PREEMPT_TIMER, W32, T_GUEST);
VMCS_CHECK(HOST_SYSENTER_CS, W32, T_HOST);
VMCS_CHECK(CR4_READ_SHADOW, WNAT, T_CTL);
VMCS_CHECK(EXIT_QUALIFICATION, WNAT, T_RO);
VMCS_CHECK(GUEST_ES_BASE + 2 * SEG_TR, WNAT, T_GUEST);
VMCS_CHECK(GUEST_SYSENTER_EIP, WNAT, T_GUEST);
VMCS_CHECK(HOST_RIP, WNAT, T_HOST);

/* 25.6.1 "Pin-Based VM-Execution Controls" */
#define PIN_EXT_INTR      (1u << 0)
#define PIN_NMI           (1u << 3)
#define PIN_PREEMPT_TIMER (1u << 6)
/* 25.6.2 "Processor-Based VM-Execution Controls", primary */
#define PROC_INTR_WINDOW  (1u << 2)
#define PROC_HLT          (1u << 7)
#define PROC_MWAIT        (1u << 10)
#define PROC_CR3_LOAD     (1u << 15)
#define PROC_CR3_STORE    (1u << 16)
#define PROC_CR8_LOAD     (1u << 19)
#define PROC_CR8_STORE    (1u << 20)
#define PROC_TPR_SHADOW   (1u << 21)
#define PROC_MOV_DR       (1u << 23)
#define PROC_IO_BITMAPS   (1u << 25)
#define PROC_MSR_BITMAPS  (1u << 28)
#define PROC_MONITOR      (1u << 29)
#define PROC_SECONDARY    (1u << 31)
/* ... and secondary */
#define PROC2_EPT         (1u << 1)
#define PROC2_RDTSCP      (1u << 3)
#define PROC2_VPID        (1u << 5)
#define PROC2_WBINVD      (1u << 6)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_INVPCID     (1u << 12)
#define PROC2_ENCLS       (1u << 15)
/* 25.7.1 "VM-Exit Controls" */
#define EXIT_SAVE_DEBUG   (1u << 2)
#define EXIT_HOST_64      (1u << 9)
#define EXIT_ACK_INTR     (1u << 15)
#define EXIT_LOAD_PAT     (1u << 19)
#define EXIT_LOAD_EFER    (1u << 21)
/* 25.8.1 "VM-Entry Controls" */
#define ENTRY_LOAD_DEBUG  (1u << 2)
#define ENTRY_GUEST_64    (1u << 9)
#define ENTRY_LOAD_PAT    (1u << 14)
#define ENTRY_LOAD_EFER   (1u << 15)

/* Appendix A: capability MSRs. Allowed-0 settings in bits 31:0, allowed-1 in 63:32. */
#define MSR_VMX_EXIT        0x483u
#define MSR_VMX_ENTRY       0x484u
#define MSR_VMX_MISC        0x485u
#define MSR_VMX_CR0_FIXED0  0x486u
#define MSR_VMX_CR0_FIXED1  0x487u
#define MSR_VMX_CR4_FIXED0  0x488u
#define MSR_VMX_CR4_FIXED1  0x489u
#define MSR_VMX_TRUE_PIN    0x48du
#define MSR_VMX_TRUE_PROC   0x48eu
#define MSR_VMX_TRUE_EXIT   0x48fu
#define MSR_VMX_TRUE_ENTRY  0x490u

#define VMX_BASIC_REVISION(b) ((uint32_t)(b) & 0x7fffffffu)
#define VMX_MISC_TIMER_RATE(m) ((unsigned)(m) & 0x1f) /* timer ticks every 2^rate TSC */
#define FEATURE_CTL_LOCK      (1u << 0)
#define FEATURE_CTL_VMX       (1u << 2) /* VMXON outside SMX */
#define CR4_VMXE              (1ul << 13)

/* A.10 "VPID and EPT Capabilities" (IA32_VMX_EPT_VPID_CAP) */
#define EPT_CAP_INVEPT         (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE  (1ull << 25)
#define EPT_CAP_INVEPT_ALL     (1ull << 26)
#define EPT_CAP_INVVPID        (1ull << 32)
#define EPT_CAP_INVVPID_SINGLE (1ull << 41)
#define EPT_CAP_INVVPID_ALL    (1ull << 42)
enum { INV_SINGLE = 1, INV_ALL = 2 }; /* INVEPT / INVVPID types (31.3) */

/* 29.3.2 "EPT Translation Mechanism", 25.6.11 "Extended-Page-Table Pointer (EPTP)" */
#define EPT_R       (1ull << 0)
#define EPT_W       (1ull << 1)
#define EPT_X       (1ull << 2)
#define EPT_MT_WB   (6ull << 3) /* leaf memory type (29.3.7 "EPT and Memory Typing") */
#define EPT_MT_UC   (0ull << 3)
#define EPTP_WB     6ull
#define EPTP_4LEVEL (3ull << 3) /* page-walk length - 1 */

/* 25.4.2 "Guest Non-Register State" */
#define ACTIVITY_ACTIVE 0
/* 25.9.2 "Information for VM Exits Due to Vectored Events" */
#define INTR_INFO_VECTOR(i) ((i) & 0xff)
#define INTR_INFO_TYPE(i)   (((i) >> 8) & 7)
#define INTR_TYPE_NMI       2
#define INTR_TYPE_PRIV_SW   5 /* ICEBP (INT1) */
/* Segment access rights (25.4.1 "Guest Register State"): descriptor bits 47:40 in 7:0,
 * 55:52 in 15:12, bit 16 = unusable. */
#define AR_CODE64   0xa09bu /* G L P S, execute/read accessed */
#define AR_DATA     0xc093u /* G D/B P S, read/write accessed */
#define AR_TSS_BUSY 0x008bu /* P, 64-bit busy TSS */
#define AR_UNUSABLE 0x10000u

/* Appendix C "VMX Basic Exit Reasons" (bits 15:0 of the exit reason) */
enum vmx_exit {
	VMX_EXIT_EXCEPTION_NMI = 0,
	VMX_EXIT_EXT_INTR = 1,
	VMX_EXIT_TRIPLE_FAULT = 2,
	VMX_EXIT_INIT = 3,
	VMX_EXIT_SIPI = 4,
	VMX_EXIT_IO_SMI = 5,
	VMX_EXIT_OTHER_SMI = 6,
	VMX_EXIT_INTR_WINDOW = 7,
	VMX_EXIT_TASK_SWITCH = 9,
	VMX_EXIT_CPUID = 10,
	VMX_EXIT_GETSEC = 11,
	VMX_EXIT_HLT = 12,
	VMX_EXIT_INVD = 13,
	VMX_EXIT_RSM = 17,
	VMX_EXIT_VMCALL = 18,
	VMX_EXIT_VMCLEAR = 19, /* ... through VMXON = 27 */
	VMX_EXIT_VMXON = 27,
	VMX_EXIT_CR_ACCESS = 28,
	VMX_EXIT_DR_ACCESS = 29,
	VMX_EXIT_IO = 30,
	VMX_EXIT_RDMSR = 31,
	VMX_EXIT_WRMSR = 32,
	VMX_EXIT_BAD_GUEST_STATE = 33,
	VMX_EXIT_MSR_LOADING = 34,
	VMX_EXIT_MWAIT = 36,
	VMX_EXIT_MONITOR = 39,
	VMX_EXIT_MCE_DURING_ENTRY = 41,
	VMX_EXIT_EPT_VIOLATION = 48,
	VMX_EXIT_EPT_MISCONFIG = 49,
	VMX_EXIT_INVEPT = 50,
	VMX_EXIT_PREEMPT_TIMER = 52,
	VMX_EXIT_INVVPID = 53,
	VMX_EXIT_WBINVD = 54,
	VMX_EXIT_XSETBV = 55,
	VMX_EXIT_VMFUNC = 59,
	VMX_EXIT_ENCLS = 60,
	VMX_EXIT_NR = 70,
};
#define VMX_EXIT_ENTRY_FAILED (1u << 31) /* 25.9.1 "Basic VM-Exit Information" */

#endif
