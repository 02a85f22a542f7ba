/* SPDX-License-Identifier: MIT */
/* hvm.h - full-virtualization partitions (BH_VIEW_HVM): what the monitor adds for an
 * unmodified OS, and nothing more (docs/linux.md): a local x2APIC per vCPU (vlapic.c), the
 * CPUID and MSR table of this kind (hvm-cpu.c), interrupt injection, INIT/SIPI, and port I/O
 * forwarded to the partition's device model (include/bulkhead/ioreq.h). No device is
 * emulated here. */
#ifndef MONITOR_HVM_H
#define MONITOR_HVM_H

#include "exit.h"
#include "vcpu.h"

/* Event types of vendor_ops.inject: the same numbers in SVM's EVENTINJ (APM 15.20) and
 * VMX's interruption-information field (SDM 25.8.3). */
enum { HVM_EV_INTR = 0, HVM_EV_NMI = 2, HVM_EV_EXCEPTION = 3 };
#define HVM_NO_ERROR (-1ll)

/* v's start state as an HVM vCPU: its local APIC reset, vCPUs > 0 parked until a SIPI. On
 * v's CPU or while v is off every CPU. */
void hvm_vcpu_start(struct vcpu *v);

/* Device model d starts: its guest's requests are numbered from 0 again, in its fresh ring. */
void hvm_devmodel_starts(struct partition *d);

/* Device model d is ending (part_end): its guest's vCPUs waiting on an IN run on. */
void hvm_devmodel_ends(struct partition *d);

/* Before each entry of an HVM vCPU, on its CPU: fire its APIC timer, start it at a SIPI,
 * inject the most urgent interrupt it can take, or ask for a window to do so. */
void hvm_prepare(struct vcpu *v);

/* The exit handlers of HVM vCPUs, indexed by reason (exit.c dispatches). */
typedef enum exit_action (*exit_fn)(struct vcpu *v, const struct exit_info *e);
extern const exit_fn hvm_exit_handlers[EXIT_REASONS];

/* hvm-cpu.c: CPUID as an HVM guest sees it; its MSRs. */
enum exit_action hvm_cpuid(struct vcpu *v, const struct exit_info *e);
/* 0, or -1: the access raises #GP in the guest */
int hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
/* hvm.c: a write to the local APIC (x2APIC MSRs, TSC deadline), with its IPIs and timer */
int hvm_lapic_write(struct vcpu *v, uint32_t msr, uint64_t val);

/* The device model's calls (BH_HC_DM_*), checked here: the caller must be the device model
 * of a running HVM partition. */
int64_t hc_dm_answer(struct vcpu *v, uint64_t vcpu, uint64_t value, uint64_t seq, uint64_t a3);
int64_t hc_dm_irq(struct vcpu *v, uint64_t vcpu, uint64_t vector, uint64_t mode, uint64_t a3);

#endif
