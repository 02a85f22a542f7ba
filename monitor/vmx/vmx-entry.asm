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

%include "gpr.inc"
%include "rsb.inc"
%define HOST_RSP 0x6c14                 ; vmcs.h
%define SEL_DATA 0x10                   ; percpu.h
extern vmx_verw

vmx_world_switch:
	push rdi                        ; [rsp] = regs, where the exit finds it
	mov eax, HOST_RSP
	vmwrite rax, rsp
	cmp byte [rel vmx_verw], 0      ; mitigate.c: this CPU's buffers need clearing (MDS)
	je .no_verw
	verw [rel verw_selector]        ; after the last host data it could leak
.no_verw:
	test esi, esi                   ; ZF = already launched; the MOVs below keep it
	GUEST_GPRS_LOAD rax
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
	RSB_FILL
	push rdi                        ; guest RDI; [rsp + 8] = regs
	mov rdi, [rsp + 8]
	GUEST_GPRS_STORE rax
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

section .rodata
verw_selector: dw SEL_DATA              ; VERW needs a writable data segment's selector
