; SPDX-License-Identifier: MIT
; svm-entry.asm - the SVM world switch (APM vol 2, 15.5 "VMRUN Instruction", 15.5.2 "VMSAVE
; and VMLOAD Instructions").
;
; svm_world_switch: RDI = struct gpr *regs, RSI = VMCB physical address, RDX = host
; VMSAVE area. Not a C function: it preserves no register (every GPR carries guest values
; in between), so its one caller (svm.c) calls it from inline assembly that declares them
; all clobbered, and the compiler saves only what it needs.
;
; Called with GIF = 0 (CLGI) and host RFLAGS.IF = 1, so a physical interrupt that arrives
; while the guest runs exits (V_INTR_MASKING) instead of being taken here. Guest RAX and RSP
; travel in the VMCB; every other GPR is loaded from and stored to *regs (vcpu.h order).
; VMLOAD/VMSAVE switch FS, GS, TR, LDTR and the SYSCALL/SYSENTER MSRs, which VMRUN leaves
; alone: the host's GS base is its per-CPU pointer and must come back.

bits 64
section .text
global svm_world_switch

%define R_RBX 8
%define R_RCX 16
%define R_RDX 24
%define R_RSI 32
%define R_RDI 40
%define R_RBP 48
%define R_R8  56
%define R_R9  64
%define R_R10 72
%define R_R11 80
%define R_R12 88
%define R_R13 96
%define R_R14 104
%define R_R15 112

svm_world_switch:
	push rdx                        ; [rsp + 8] host area
	push rdi                        ; [rsp]     regs
	mov rax, rsi
	vmload
	mov rbx, [rdi + R_RBX]
	mov rcx, [rdi + R_RCX]
	mov rdx, [rdi + R_RDX]
	mov rsi, [rdi + R_RSI]
	mov rbp, [rdi + R_RBP]
	mov r8,  [rdi + R_R8]
	mov r9,  [rdi + R_R9]
	mov r10, [rdi + R_R10]
	mov r11, [rdi + R_R11]
	mov r12, [rdi + R_R12]
	mov r13, [rdi + R_R13]
	mov r14, [rdi + R_R14]
	mov r15, [rdi + R_R15]
	mov rdi, [rdi + R_RDI]
	vmrun
	vmsave                      ; #VMEXIT: host RAX (VMCB) and RSP are back
	push rdi
	mov rdi, [rsp + 8]
	mov [rdi + R_RBX], rbx
	mov [rdi + R_RCX], rcx
	mov [rdi + R_RDX], rdx
	mov [rdi + R_RSI], rsi
	mov [rdi + R_RBP], rbp
	mov [rdi + R_R8],  r8
	mov [rdi + R_R9],  r9
	mov [rdi + R_R10], r10
	mov [rdi + R_R11], r11
	mov [rdi + R_R12], r12
	mov [rdi + R_R13], r13
	mov [rdi + R_R14], r14
	mov [rdi + R_R15], r15
	pop qword [rdi + R_RDI]
	pop rdi
	pop rax
	vmload                          ; host FS/GS/TR/... back
	ret
