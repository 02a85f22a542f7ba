/* SPDX-License-Identifier: MIT */
/* vmx-exit.c - the colder half of VM-exit decoding (the frequent exits are decoded inline,
 * vmx-exit.h): vectored events, exit qualifications, and the report of a refused VM entry. */
#define pr_fmt(fmt) "vmx: " fmt
#include "fmt.h"
#include "../insn.h"
#include "../log.h"
#include "../percpu.h"
#include "vmx.h"

/* Exit reason 0: an NMI, or an exception the bitmap intercepts (#DB, #UD, #AC, #MC); 28.2.2
 * "Information for VM Exits Due to Vectored Events". */
static void decode_event(struct vcpu *v, struct exit_info *e, uint64_t rip)
{
	uint32_t info = (uint32_t)vmread(EXIT_INTR_INFO);

	e->qual = INTR_INFO_VECTOR(info);
	if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI) {
		e->reason = EXIT_NMI;
		this_cpu()->nmis++; /* it was taken by the exit: counted as trap.c would */
		vmx_nmi_unblock();
	} else if (e->qual == 1 && INTR_INFO_TYPE(info) == INTR_TYPE_PRIV_SW) {
		e->reason = EXIT_FORBIDDEN; /* ICEBP (INT1), as SVM's intercept of it */
	} else if (e->qual == 6 && insn_is_hypercall(v)) {
		/* VMMCALL: the exit instruction length is not defined for a #UD (28.2.5) */
		e->reason = EXIT_HYPERCALL;
		e->next_rip = rip + insn_length(EXIT_HYPERCALL);
	}
}

void vmx_decode_more(struct vcpu *v, struct exit_info *e, uint64_t rip)
{
	switch (e->reason) {
	case EXIT_INVALID:
		vmx_entry_failed(v, e, VMX_ENTERED);
		break;
	case EXIT_EXCEPTION:
		decode_event(v, e, rip);
		break;
	case EXIT_MSR_READ:
	case EXIT_MSR_WRITE:
		e->addr = (uint32_t)v->regs.rcx;
		break;
	default: /* the port (Table 28-5 "Exit Qualification for I/O Instructions") or the
		  * guest-physical address (28.2.1) for the containment log */
		e->qual = vmread(EXIT_QUALIFICATION);
		if ((uint16_t)e->code == VMX_EXIT_IO) { /* size - 1 in 2:0, IN 3, string 4, REP 5 */
			e->addr = (uint16_t)(e->qual >> 16);
			e->qual = ((e->qual & 7) + 1) | (e->qual & 8 ? EXIT_IO_IN : 0) |
				  (e->qual & 0x30 ? EXIT_IO_STRING : 0);
		}
		else if ((uint16_t)e->code == VMX_EXIT_EPT_VIOLATION)
			e->addr = vmread(GUEST_PHYS_ADDR);
	}
}

/* 31.4 "VM Instruction Error Numbers": those VMLAUNCH and VMRESUME can give. */
static const char *const insn_errors[] = {
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "invalid control field(s) (27.2.1 \"Checks on VMX Controls\")",
	[8] = "invalid host-state field(s) (27.2.2 \"Checks on Host Control Registers, MSRs, "
	      "and SSP\", 27.2.3 \"Checks on Host Segment and Descriptor-Table Registers\")",
	[16] = "invalid executive-VMCS pointer",
	[26] = "events blocked by MOV SS",
};

/* Exit qualification of a failure while loading guest state (27.8 "VM-Entry Failures
 * During or After Loading Guest State"). */
static const char *const guest_state_errors[] = {
	[0] = "invalid guest state (27.3.1 \"Checks on the Guest State Area\")",
	[2] = "PDPTE loading failed",
	[3] = "NMI injection blocked by STI",
	[4] = "invalid VMCS link pointer",
};

#define PICK(table, i) \
	((i) < sizeof(table) / sizeof(table[0]) && (table)[i] ? (table)[i] : "unlisted")

static const char *entry_failure(int fail, uint32_t reason, uint64_t *qual)
{
	if (fail == VMX_FAIL_INVALID)
		return "VMfailInvalid: its VMCS is not current (VMPTRLD refused it)";
	if (fail == VMX_FAIL_VALID) {
		*qual = vmread(VM_INSN_ERROR);
		return PICK(insn_errors, *qual);
	}
	*qual = vmread(EXIT_QUALIFICATION);
	if ((uint16_t)reason == VMX_EXIT_BAD_GUEST_STATE)
		return PICK(guest_state_errors, *qual);
	return (uint16_t)reason == VMX_EXIT_MSR_LOADING ? "MSR loading failed" :
							 "machine-check event during VM entry";
}

/* The fields the failed check category covers, as "encoding=value" (vmcs.h names them). */
static const enum vmcs_field dump_guest[] = {
	GUEST_CR0, GUEST_CR3, GUEST_CR4, GUEST_EFER, GUEST_RIP, GUEST_RSP, GUEST_RFLAGS,
	GUEST_ES_AR + 2 * SEG_CS, GUEST_ES_AR + 2 * SEG_SS, GUEST_ES_AR + 2 * SEG_TR,
	GUEST_INTERRUPTIBILITY, GUEST_ACTIVITY, VMCS_LINK_POINTER,
};
static const enum vmcs_field dump_controls[] = {
	PIN_CONTROLS, PROC_CONTROLS, PROC_CONTROLS2, EXIT_CONTROLS, ENTRY_CONTROLS,
	EPT_POINTER, VMCS_VPID, ENTRY_INTR_INFO,
};
static const enum vmcs_field dump_host[] = {
	HOST_CR0, HOST_CR3, HOST_CR4, HOST_EFER, HOST_RIP, HOST_RSP, HOST_TR_BASE, HOST_GS_BASE,
};

static void dump(const struct vcpu *v, const enum vmcs_field *f, unsigned n)
{
	char line[320];
	int len = 0;

	for (unsigned i = 0; i < n && len < (int)sizeof(line); i++)
		len += bh_snprintf(line + len, sizeof(line) - len, " %#x=%#lx", f[i], vmread(f[i]));
	pr_err("partition %s: vcpu %u: VMCS%s", v->part->name, v->index, line);
}

#define DUMP(v, t) dump(v, t, sizeof(t) / sizeof(t[0]))

void vmx_entry_failed(struct vcpu *v, struct exit_info *e, int fail)
{
	uint32_t reason = fail ? 0 : (uint32_t)vmread(EXIT_REASON);
	uint64_t qual = 0;
	const char *why = entry_failure(fail, reason, &qual);

	pr_err("partition %s: vcpu %u: VM entry failed: %s (exit reason %#x, %s %lu)",
	       v->part->name, v->index, why, reason,
	       fail ? "VM-instruction error" : "exit qualification", qual);
	if (fail == VMX_FAIL_VALID && qual == 7)
		DUMP(v, dump_controls);
	else if (fail == VMX_FAIL_VALID && qual == 8)
		DUMP(v, dump_host);
	else if (fail != VMX_FAIL_INVALID)
		DUMP(v, dump_guest);
	*e = (struct exit_info){ .reason = EXIT_INVALID, .code = fail ? ~0u : reason,
				 .qual = qual };
}
