/* SPDX-License-Identifier: MIT */
/* vmx-hvm.c - what full-virtualization vCPUs need of the VMX backend (hvm.c): event
 * injection and interrupt windows (27.6 "Event Injection", 25.6.2), re-injection of an event
 * whose delivery an exit interrupted (28.2.4 "Information for VM Exits During Event
 * Delivery"), real-mode start at a SIPI with unrestricted guest (27.3.1.1), and the CR0 writes
 * that switch paging on and off, which decide IA-32e mode (26.3 "Changes to Instruction
 * Behavior in VMX Non-Root Operation", 10.8.5 "Initializing IA-32e Mode"). All of it runs on
 * the vCPU's CPU with its VMCS current. */
#define pr_fmt(fmt) "vmx: " fmt
#include "../hvm.h"
#include "../log.h"
#include "../x86.h"
#include "vmx-hvm.h"
#include "vmx.h"

#define INTR_VALID      (1u << 31)
#define INTR_ERROR      (1u << 11)
#define INTR_NMI_UNBLOCK (1u << 12) /* IDT-vectoring only: not for VM entry */
#define BLOCK_STI_MOVSS 3u          /* guest interruptibility bits 0 and 1 */
#define RFLAGS_IF       (1u << 9)
#define CR0_PE          (1ul << 0)
#define CR0_PG          (1ul << 31)
#define CR0_OWNED       (CR0_PE | CR0_PG | CR0_NE) /* writes that change them exit */
#define REAL_CR0        0x60000010ul                /* CD NW ET: after INIT (SDM 9.1.1) */

/* CR0 as the hardware needs it: the fixed bits set, except PE and PG, which unrestricted
 * guest leaves to the guest (A.7 "VMX-Fixed Bits in CR0"). */
static uint64_t cr0_hw(uint64_t cr0)
{
	return (cr0 | (rdmsr(MSR_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG))) & rdmsr(MSR_VMX_CR0_FIXED1);
}

int vmx_hvm_setup(struct vcpu *v)
{
	uint64_t allowed = rdmsr(MSR_VMX_PROCBASED2) >> 32;

	if (!(allowed & PROC2_UNRESTRICTED)) {
		pr_err("partition %s: full virtualization needs unrestricted guest", v->part->name);
		return -1;
	}
	vmwrite(PROC_CONTROLS2, vmread(PROC_CONTROLS2) | PROC2_UNRESTRICTED);
	vmwrite(CR0_GUEST_HOST_MASK, vmread(CR0_GUEST_HOST_MASK) | CR0_OWNED);
	return 0;
}

bool vmx_event_busy(struct vcpu *v)
{
	return vmread(ENTRY_INTR_INFO) & INTR_VALID;
}

bool vmx_irq_open(struct vcpu *v)
{
	return (vmread(GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmread(GUEST_INTERRUPTIBILITY) & BLOCK_STI_MOVSS) && !vmx_event_busy(v);
}

void vmx_inject(struct vcpu *v, unsigned type, uint8_t vector, int64_t error)
{
	if (!(vmread(CR0_READ_SHADOW) & CR0_PE))
		error = HVM_NO_ERROR; /* real mode pushes none (27.2.1.3) */
	vmwrite(ENTRY_INTR_INFO, vector | type << 8 | INTR_VALID | (error >= 0 ? INTR_ERROR : 0));
	if (error >= 0)
		vmwrite(ENTRY_EXCEPTION_ERROR, (uint32_t)error);
}

void vmx_irq_window(struct vcpu *v, bool on)
{
	uint64_t proc = vmread(PROC_CONTROLS);

	if (!!(proc & PROC_INTR_WINDOW) != on)
		vmwrite(PROC_CONTROLS, on ? proc | PROC_INTR_WINDOW : proc & ~PROC_INTR_WINDOW);
}

static void seg(enum vmcs_seg s, uint16_t sel, uint64_t base, uint32_t ar)
{
	vmwrite(GUEST_ES_SEL + 2 * s, sel);
	vmwrite(GUEST_ES_BASE + 2 * s, base);
	vmwrite(GUEST_ES_LIMIT + 2 * s, 0xffff);
	vmwrite(GUEST_ES_AR + 2 * s, ar);
}

/* The state after INIT (SDM 10.4.7.3, 9.1.1 Table 9-1) with CS:IP = vector << 8 : 0. */
void vmx_sipi(struct vcpu *v, uint8_t vector)
{
	for (enum vmcs_seg s = SEG_ES; s <= SEG_GS; s++)
		seg(s, 0, 0, 0x93);
	seg(SEG_CS, (uint16_t)(vector << 8), (uint64_t)vector << 12, 0x9b);
	seg(SEG_LDTR, 0, 0, 0x82);
	seg(SEG_TR, 0, 0, 0x8b);
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(CR0_READ_SHADOW, REAL_CR0);
	vmwrite(GUEST_CR0, cr0_hw(REAL_CR0));
	vmwrite(CR4_READ_SHADOW, 0);
	vmwrite(GUEST_CR4, (rdmsr(MSR_VMX_CR4_FIXED0) | CR4_VMXE) & rdmsr(MSR_VMX_CR4_FIXED1));
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_EFER, 0);
	vmwrite(ENTRY_CONTROLS, vmread(ENTRY_CONTROLS) & ~ENTRY_GUEST_64);
	vmwrite(GUEST_RIP, 0);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_RFLAGS, 0x2);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	v->regs = (struct gpr){ 0 };
}

uint64_t vmx_msr_get(struct vcpu *v, uint32_t msr)
{
	return vmread(msr == MSR_EFER ? GUEST_EFER : GUEST_PAT);
}

/* EFER.LMA is the processor's: kept as CR0 writes left it. */
int vmx_msr_set(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (msr == MSR_EFER)
		val = (val & ~(uint64_t)EFER_LMA) | (vmread(GUEST_EFER) & EFER_LMA);
	vmwrite(msr == MSR_EFER ? GUEST_EFER : GUEST_PAT, val);
	return 0;
}

/* MOV to CR0 changing PE, PG or NE (exit qualification, Table 28-3): the guest's value in
 * the read shadow, the hardware's with the fixed bits; paging on with EFER.LME enters
 * IA-32e mode, paging off leaves it. false: not such a write. */
static bool cr0_write(struct vcpu *v)
{
	uint64_t q = vmread(EXIT_QUALIFICATION);
	uint64_t val, efer = vmread(GUEST_EFER), entry = vmread(ENTRY_CONTROLS);

	if ((q & 0xf) != 0 || ((q >> 4) & 3) != 0)
		return false;
	val = *gpr_by_number(&v->regs, q >> 8) & 0xffffffffu;
	if ((val & CR0_PG) && !(val & CR0_PE)) {
		vmx_inject(v, HVM_EV_EXCEPTION, 13, 0);
		return true;
	}
	if ((val & CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA, entry |= ENTRY_GUEST_64;
	else if (!(val & CR0_PG))
		efer &= ~(uint64_t)EFER_LMA, entry &= ~(uint64_t)ENTRY_GUEST_64;
	vmwrite(GUEST_EFER, efer);
	vmwrite(ENTRY_CONTROLS, entry);
	vmwrite(CR0_READ_SHADOW, val);
	vmwrite(GUEST_CR0, cr0_hw(val));
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSN_LEN));
	return true;
}

void vmx_hvm_exit(struct vcpu *v, struct exit_info *e)
{
	uint32_t idt = (uint32_t)vmread(IDT_VECTORING_INFO);

	if (idt & INTR_VALID) { /* delivered again at the next entry */
		vmwrite(ENTRY_INTR_INFO, idt & ~INTR_NMI_UNBLOCK);
		if (idt & INTR_ERROR)
			vmwrite(ENTRY_EXCEPTION_ERROR, vmread(IDT_VECTORING_ERROR));
		vmwrite(ENTRY_INSN_LEN, vmread(EXIT_INSN_LEN));
	}
	if ((uint16_t)e->code == VMX_EXIT_CR_ACCESS && cr0_write(v))
		e->reason = EXIT_NONE;
}
