/* SPDX-License-Identifier: MIT */
/* vmx-hvm.h - the VMX backend's part of full virtualization (vmx-hvm.c). */
#ifndef MONITOR_VMX_VMX_HVM_H
#define MONITOR_VMX_VMX_HVM_H

#include "../vcpu.h"

/* The vendor_ops entries for HVM vCPUs (vcpu.h says what each does). */
bool vmx_irq_open(struct vcpu *v);
bool vmx_event_busy(struct vcpu *v);
void vmx_inject(struct vcpu *v, unsigned type, uint8_t vector, int64_t error);
void vmx_irq_window(struct vcpu *v, bool on);
void vmx_sipi(struct vcpu *v, uint8_t vector);
uint64_t vmx_msr_get(struct vcpu *v, uint32_t msr);
int vmx_msr_set(struct vcpu *v, uint32_t msr, uint64_t val);

/* After the start state is written (VMCS current): unrestricted guest, CR0 writes of PE, PG,
 * NE exit. 0, or -1 if the CPU cannot run real mode. */
int vmx_hvm_setup(struct vcpu *v);

/* Right after each exit: re-queue an interrupted event delivery; a CR0 write is handled
 * here (e->reason becomes EXIT_NONE). */
void vmx_hvm_exit(struct vcpu *v, struct exit_info *e);

#endif
