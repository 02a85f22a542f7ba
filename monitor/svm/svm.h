/* SPDX-License-Identifier: MIT */
/* svm.h - internals shared by the SVM backend's files. */
#ifndef MONITOR_SVM_SVM_H
#define MONITOR_SVM_SVM_H

#include "../vcpu.h"
#include "vmcb.h"

extern bool svm_has_nrips; /* CPUID Fn8000_000A EDX[3], the same on every CPU */

#endif
