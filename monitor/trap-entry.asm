; SPDX-License-Identifier: MIT
; trap-entry.asm - IDT stubs: give every vector the same frame (struct trap_frame in trap.h)
; and call trap_handler. Vectors that push no error code push a zero (SDM vol 3, 6.13
; "Error Code"); spurious interrupts return at once.

bits 64
section .text
extern trap_handler
global trap_stubs, trap_spurious, trap_irq, trap_device
extern irq_entry

%macro STUB 1
align 16
	%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
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

; Timer and kick interrupts: vector 0 for irq_entry, which only acknowledges them (the
; scheduler loop looks at its vCPUs after every interrupt window).
trap_irq:
	push rdi
	xor edi, edi
	jmp irq_common

; MSI vectors of PCI functions (pci.h: VEC_DEVICE + index): one 16-byte stub each, the
; vector in RDI for irq_entry, which acknowledges it and tells the owning partition.
%macro DEVICE_STUB 1
align 16
	push rdi
	mov edi, %1
	jmp irq_common
%endmacro

align 16
trap_device:                            ; 32 stubs, 16 bytes apart, from vector 0x40
%assign v 0x40
%rep 32
	DEVICE_STUB v
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
