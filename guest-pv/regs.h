/* SPDX-License-Identifier: MIT */
/* regs.h - does a hypercall (BH_HC_YIELD) preserve every register but RAX, as the ABI says? */
#ifndef GUEST_PV_REGS_H
#define GUEST_PV_REGS_H

#include <stdbool.h>
#include <stdint.h>

/* Loads a distinct pattern into RBX, RCX, RDX, RSI, RDI, RBP, R8-R15, yields, and returns
 * the OR of (register XOR pattern): 0 when all survived. Safe on any vCPU. */
uint64_t regs_gpr_check(void);

/* The same for XMM0-XMM15 (vCPU 0 or any vCPU with SSE on). */
bool regs_xmm_check(void);

#endif
