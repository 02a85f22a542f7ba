; SPDX-License-Identifier: MIT
; vmx-entry.asm - the VMX world switch (SDM vol 3C, 27 "VM Entries", 28 "VM Exits", 31.3
; "VMLAUNCH/VMRESUME").
;
; vmx_world_switch - RDI = struct gpr *regs, RSI = launch (1: VMLAUNCH, 0: VMRESUME);
; returns EAX. Not a C function: it preserves no register (every GPR carries guest values in
; between), so its one caller (vmx.c) calls it from inline assembly that declares them all
; clobbered, and the compiler saves only what it needs, as for svm-entry.asm.
;
; It loads every guest GPR but RSP from *regs (vcpu.h order; RSP and RIP live in the VMCS)
; and enters. A VM exit lands at vmx_exit_stub (HOST_RIP) on the stack saved in HOST_RSP,
; which stores the guest GPRs back and returns VMX_ENTERED (0). When the instruction itself
; fails it returns VMX_FAIL_VALID (1: ZF, the reason is in the VM-instruction error field)
; or VMX_FAIL_INVALID (2: CF, no current VMCS), 31.2 "Conventions". Host RFLAGS after an
; exit is 2 (28.5.3 "Loading Host RIP, RSP, RFLAGS, and SSP"): interrupts stay off until
; the scheduler takes them, so a physical interrupt that caused the exit is still pending
; then (external-interrupt exiting without "acknowledge interrupt on exit").

bits 64
section .text
global vmx_world_switch, vmx_exit_stub, vmx_nmi_unblock

%define R_RAX 0
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
%define HOST_RSP 0x6c14                 ; vmcs.h

vmx_world_switch:
	push rdi                        ; [rsp] = regs, where the exit finds it
	mov eax, HOST_RSP
	vmwrite rax, rsp
	test esi, esi                   ; ZF = already launched; the MOVs below keep it
	mov rax, [rdi + R_RAX]
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
	jnz .launch
	vmresume
	jmp .failed
.launch:
	vmlaunch
.failed:                                ; still here: the entry did not happen
	mov eax, 1                      ; VMX_FAIL_VALID
	mov ecx, 2                      ; VMX_FAIL_INVALID
	cmovc eax, ecx
	add rsp, 8
	ret

vmx_exit_stub:
	push rdi                        ; guest RDI; [rsp + 8] = regs
	mov rdi, [rsp + 8]
	mov [rdi + R_RAX], rax
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
	add rsp, 8
	xor eax, eax                    ; VMX_ENTERED
	ret

; void vmx_nmi_unblock(void) - a C function. A VM exit caused by an NMI leaves NMIs blocked
; (28.1 "Architectural State Before a VM Exit"); an IRET ends that: IRET to the next
; instruction, on this stack.
vmx_nmi_unblock:
	mov rax, rsp
	mov ecx, ss
	push rcx
	push rax
	pushfq
	mov ecx, cs
	push rcx
	lea rax, [rel .back]
	push rax
	iretq
.back:
	ret
