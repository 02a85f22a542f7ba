; SPDX-License-Identifier: MIT
; trap-entry.asm - IDT stubs for all 256 vectors. Exceptions (0-31) get the same frame
; (struct trap_frame in trap.h) and call trap_handler; vectors that push no error code push a
; zero (SDM vol 3, 6.13 "Error Code"). Of those that do, #AC, #CP, #VC and #SX cannot happen
; at CPL 0 without CET or SEV-ES, so their vectors arrive only as interrupts (a forged MSI or
; IPI): their stubs push a zero too, and trap_handler tells an interrupt by the ISR bit.
; Vectors 32-254 are interrupts: irq_entry gets the vector. 255 (spurious) returns at once.

bits 64
section .text
extern trap_handler
global trap_stubs, trap_spurious, trap_vectors
extern irq_entry

%macro STUB 1
align 16
	%if (%1 == 8) || (%1 >= 10 && %1 <= 14)
	%else
	push 0
	%endif
	push %1
	jmp trap_common
%endmacro

align 16
trap_stubs:                             ; 32 stubs, 16 bytes apart
%assign v 0
%rep 32
	STUB v
%assign v v + 1
%endrep

trap_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rbx, rsp                    ; callee-saved: survives the call
	mov rdi, rsp
	and rsp, -16
	call trap_handler               ; returns only for recoverable traps
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16
	iretq

trap_spurious:
	iretq

; Vectors 32-254: one 16-byte stub each, the vector in RDI for irq_entry, which acknowledges
; it and passes it on (timer, kick, a PCI function's MSI) or counts it as unexpected.
%macro VECTOR_STUB 1
align 16
	push rdi
	mov edi, %1
	jmp irq_common
%endmacro

align 16
trap_vectors:                           ; 223 stubs, 16 bytes apart, from vector 32
%assign v 32
%rep 223
	VECTOR_STUB v
%assign v v + 1
%endrep

irq_common:                             ; RDI (the vector) is saved by the stub
	push rax
	push rcx
	push rdx
	push rsi
	push r8
	push r9
	push r10
	push r11
	mov rsi, rsp
	and rsp, -16
	push rsi
	sub rsp, 8
	cld
	call irq_entry
	add rsp, 8
	pop rsp
	pop r11
	pop r10
	pop r9
	pop r8
	pop rsi
	pop rdx
	pop rcx
	pop rax
	pop rdi
	iretq
