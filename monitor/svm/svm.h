/* SPDX-License-Identifier: MIT */
/* svm.h - internals shared by the SVM backend's files. */
#ifndef MONITOR_SVM_SVM_H
#define MONITOR_SVM_SVM_H

#include "../vcpu.h"
#include "vmcb.h"

/* Fill *e from the VMCB after a #VMEXIT. */
void svm_decode_exit(struct vcpu *v, const struct vmcb *vmcb, struct exit_info *e);

#endif
