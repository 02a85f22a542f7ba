; SPDX-License-Identifier: MIT
; ap-trampoline.asm - real-mode start of an application processor (see trampoline.h).
; Copied to a page below 1 MiB; a SIPI starts it at CS = page >> 4, IP = 0 (SDM vol 3,
; 9.4.4 "MP Initialization Example"). Position independent: the page base is taken from CS.

TP_CR3    equ 0xf00
TP_EFER   equ 0xf04
TP_STACK  equ 0xf08
TP_PERCPU equ 0xf10
TP_ENTRY  equ 0xf18

section .rodata
global ap_trampoline_start, ap_trampoline_end

bits 16
ap_trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	xor ebx, ebx
	mov bx, ax
	shl ebx, 4                      ; ebx = linear base of this page
	lea eax, [ebx + (tramp_gdt - ap_trampoline_start)]
	mov [tramp_gdt_ptr - ap_trampoline_start + 2], eax
	lea eax, [ebx + (tramp32 - ap_trampoline_start)]
	mov [tramp_far32 - ap_trampoline_start], eax
	lea eax, [ebx + (tramp64 - ap_trampoline_start)]
	mov [tramp_far64 - ap_trampoline_start], eax
	lgdt [tramp_gdt_ptr - ap_trampoline_start]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp far dword [tramp_far32 - ap_trampoline_start]

bits 32
tramp32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, [ebx + TP_CR3]
	mov cr3, eax
	mov ecx, 0xc0000080
	mov eax, [ebx + TP_EFER]
	xor edx, edx
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)   ; PG | WP
	mov cr0, eax
	jmp far dword [ebx + (tramp_far64 - ap_trampoline_start)]

bits 64
tramp64:
	mov ebx, ebx                    ; upper halves are undefined after the mode switch
	mov rsp, [rbx + TP_STACK]
	mov rdi, [rbx + TP_PERCPU]
	mov rax, [rbx + TP_ENTRY]
	push 0                          ; a null return address ends backtraces
	jmp rax

align 8
tramp_gdt:
	dq 0
	dq 0x00cf9a000000ffff           ; 0x08 code, 32-bit
	dq 0x00cf92000000ffff           ; 0x10 data
	dq 0x00af9a000000ffff           ; 0x18 code, 64-bit
tramp_gdt_ptr:
	dw tramp_gdt_ptr - tramp_gdt - 1
	dd 0
tramp_far32:
	dd 0
	dw 0x08
tramp_far64:
	dd 0
	dw 0x18
ap_trampoline_end:
