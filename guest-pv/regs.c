/* SPDX-License-Identifier: MIT */
/* regs.c - register preservation across a hypercall (contract in regs.h). */
#include <string.h>
#include "regs.h"
#include "rt/hypercall.h"

#define GPR_SET(pat, reg) "movabs $0x" pat ", %%" reg "\n\t"
#define GPR_DIFF(pat, reg) "movabs $0x" pat ", %%rax\n\txor %%rax, %%" reg "\n\tor %%" reg ", %%rbx\n\t"

#define GPR_BODY(insn)                                                              \
	"push %%rbp\n\t"                                                            \
	GPR_SET("0202020202020202", "rcx") GPR_SET("0303030303030303", "rdx")       \
	GPR_SET("0404040404040404", "rsi") GPR_SET("0505050505050505", "rdi")       \
	GPR_SET("0606060606060606", "rbp") GPR_SET("0808080808080808", "r8")        \
	GPR_SET("0909090909090909", "r9")  GPR_SET("0a0a0a0a0a0a0a0a", "r10")       \
	GPR_SET("0b0b0b0b0b0b0b0b", "r11") GPR_SET("0c0c0c0c0c0c0c0c", "r12")       \
	GPR_SET("0d0d0d0d0d0d0d0d", "r13") GPR_SET("0e0e0e0e0e0e0e0e", "r14")       \
	GPR_SET("0f0f0f0f0f0f0f0f", "r15") GPR_SET("0101010101010101", "rbx")       \
	"mov %[nr], %%eax\n\t" insn "\n\t"                                          \
	"movabs $0x0101010101010101, %%rax\n\txor %%rax, %%rbx\n\t"                 \
	GPR_DIFF("0202020202020202", "rcx") GPR_DIFF("0303030303030303", "rdx")     \
	GPR_DIFF("0404040404040404", "rsi") GPR_DIFF("0505050505050505", "rdi")     \
	GPR_DIFF("0606060606060606", "rbp") GPR_DIFF("0808080808080808", "r8")      \
	GPR_DIFF("0909090909090909", "r9")  GPR_DIFF("0a0a0a0a0a0a0a0a", "r10")     \
	GPR_DIFF("0b0b0b0b0b0b0b0b", "r11") GPR_DIFF("0c0c0c0c0c0c0c0c", "r12")     \
	GPR_DIFF("0d0d0d0d0d0d0d0d", "r13") GPR_DIFF("0e0e0e0e0e0e0e0e", "r14")     \
	GPR_DIFF("0f0f0f0f0f0f0f0f", "r15")                                         \
	"mov %%rbx, %%rax\n\t"                                                      \
	"pop %%rbp"

#define GPR_CLOBBERS "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", \
	"r13", "r14", "r15", "memory", "cc"

uint64_t regs_gpr_check(void)
{
	uint64_t diff;

	if (bh_hc_insn == BH_INSN_VMCALL)
		__asm__ volatile(GPR_BODY("vmcall") : "=a"(diff) : [nr] "i"(BH_HC_YIELD) : GPR_CLOBBERS);
	else
		__asm__ volatile(GPR_BODY("vmmcall") : "=a"(diff) : [nr] "i"(BH_HC_YIELD) : GPR_CLOBBERS);
	return diff;
}

#define XMM_LD(n) "movdqu " #n "*16(%[in]), %%xmm" #n "\n\t"
#define XMM_ST(n) "movdqu %%xmm" #n ", " #n "*16(%[out])\n\t"
#define XMM_ALL(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9) op(10) \
	op(11) op(12) op(13) op(14) op(15)
#define XMM_BODY(insn) XMM_ALL(XMM_LD) "mov %[nr], %%eax\n\t" insn "\n\t" XMM_ALL(XMM_ST)
#define XMM_CLOBBERS "rax", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", \
	"xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

bool regs_xmm_check(void)
{
	uint8_t in[16][16], out[16][16];

	for (int r = 0; r < 16; r++)
		for (int b = 0; b < 16; b++)
			in[r][b] = (uint8_t)(r * 16 + b + 1);
	memset(out, 0, sizeof(out));
	if (bh_hc_insn == BH_INSN_VMCALL)
		__asm__ volatile(XMM_BODY("vmcall")
				 : : [in] "r"(in), [out] "r"(out), [nr] "i"(BH_HC_YIELD) : XMM_CLOBBERS);
	else
		__asm__ volatile(XMM_BODY("vmmcall")
				 : : [in] "r"(in), [out] "r"(out), [nr] "i"(BH_HC_YIELD) : XMM_CLOBBERS);
	return !memcmp(in, out, sizeof(in));
}
