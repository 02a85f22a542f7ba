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

%include "gpr.inc"
%include "rsb.inc"

svm_world_switch:
	push rdx                        ; [rsp + 8] host area
	push rdi                        ; [rsp]     regs
	mov rax, rsi
	vmload
	GUEST_GPRS_LOAD no_rax
	vmrun
	vmsave                      ; #VMEXIT: host RAX (VMCB) and RSP are back
	RSB_FILL
	push rdi
	mov rdi, [rsp + 8]
	GUEST_GPRS_STORE no_rax
	pop qword [rdi + R_RDI]
	pop rdi
	pop rax
	vmload                          ; host FS/GS/TR/... back
	ret
