; SPDX-License-Identifier: MIT
; crt0.asm - partition entry on every vCPU: enable x87/SSE, clear .bss (vCPU 0), call C.
;
; Entered in the start state of include/bulkhead/partition.h: 64-bit mode, CPL 0, IF = 0,
; RDI = info page GPA, RSI = vCPU index, RSP = top of this vCPU's stack.
; Partitions and newlib use SSE (the x86-64 ABI passes double in XMM registers), so each
; vCPU turns it on before any C code runs (SDM vol 3, 13.1.3 "Initialization of the SSE
; Extensions"): CR0.EM = 0, CR0.TS = 0, CR0.MP = 1, CR0.NE = 1, CR4.OSFXSR = 1,
; CR4.OSXMMEXCPT = 1, then FNINIT and the default MXCSR. A control register is written only
; if it must change, so a monitor that already starts vCPUs this way sees no CR write.
; IF stays 0: partitions take no interrupts, they wait for events with BH_HC_WAIT.

bits 64
default rel

CR0_MP         equ 1 << 1
CR0_EM         equ 1 << 2
CR0_TS         equ 1 << 3
CR0_NE         equ 1 << 5
CR4_OSFXSR     equ 1 << 9
CR4_OSXMMEXCPT equ 1 << 10
MXCSR_DEFAULT  equ 0x1f80 ; all exceptions masked, round to nearest

extern bh_rt_start        ; start.c: _Noreturn void bh_rt_start(info, vcpu)
extern __bss_start        ; partition.ld
extern __bss_end

section .text.start progbits alloc exec nowrite align=16
global _start
_start:
	mov rax, cr0
	mov rdx, rax
	and rdx, ~(CR0_EM | CR0_TS)
	or rdx, CR0_MP | CR0_NE
	cmp rdx, rax
	je .cr0_ready
	mov cr0, rdx
.cr0_ready:
	mov rax, cr4
	mov rdx, rax
	or rdx, CR4_OSFXSR | CR4_OSXMMEXCPT
	cmp rdx, rax
	je .cr4_ready
	mov cr4, rdx
.cr4_ready:
	fninit
	ldmxcsr [mxcsr_default]

	test esi, esi             ; only vCPU 0 clears .bss; the others wait in bh_rt_start
	jnz .call_c
	mov r8, rdi
	lea rdi, [__bss_start]
	lea rcx, [__bss_end]
	sub rcx, rdi
	xor eax, eax
	cld
	rep stosb
	mov rdi, r8

.call_c:
	and rsp, -16              ; SysV: RSP 16-byte aligned at the call
	xor ebp, ebp              ; end of frame-pointer chains
	call bh_rt_start
	ud2                       ; not reached

section .rodata
align 4
mxcsr_default: dd MXCSR_DEFAULT

section .note.GNU-stack noalloc noexec nowrite progbits
