; SPDX-License-Identifier: MIT
; efi-entry.asm - the monitor's 64-bit entry from bulkhead.efi, and the hand-over header
; that lets the loader find it. Contract: include/bulkhead/handover.h.
;
; Firmware state is left behind here, in this order: .bss zeroed (boot page tables and
; boot stack live there), the same identity map of [0, 4 GiB) as the Multiboot2 path built
; and loaded (CR4.PGE cleared first so that no global firmware translation survives), the
; boot GDT loaded and every segment register reloaded, the boot stack. Then
; boot_efi(bi) (monitor/boot-efi.c) replaces the IDT and continues in C.

%include "boot-tables.inc"

CR0_WP  equ 1 << 16
CR4_PGE equ 1 << 7
HANDOVER_MAGIC   equ 0x4f484542     ; BH_EFI_HANDOVER_MAGIC
HANDOVER_VERSION equ 1

extern __bss_start, __bss_end, boot_efi, boot_stack, boot_pml4, boot_pdpt, boot_pd

section .multiboot                      ; scanned for, like the Multiboot2 header
align 8
efi_handover:
	dd HANDOVER_MAGIC, HANDOVER_VERSION, -(HANDOVER_MAGIC + HANDOVER_VERSION), 0
	dq efi_entry64

section .text
bits 64
global efi_entry64
efi_entry64:                            ; RDI = struct bh_bootinfo *, below 4 GiB
	cli
	cld
	mov r15, rdi                    ; callee-saved, survives the C call below too
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb

	BUILD_BOOT_TABLES
	mov rax, cr4
	and rax, ~CR4_PGE
	mov cr4, rax
	mov eax, boot_pml4
	mov cr3, rax
	mov rax, cr0
	or rax, CR0_WP
	mov cr0, rax

	lgdt [efi_gdt_ptr]
	mov esp, boot_stack + BOOT_STACK
	push BOOT_CS                    ; far return: reload CS from the new GDT
	push .reload
	o64 retf
.reload:
	mov ax, BOOT_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rdi, r15
	call boot_efi
.hang:	cli
	hlt
	jmp .hang

section .rodata
align 8
efi_gdt:
	BOOT_GDT_ENTRIES
efi_gdt_ptr:                            ; 64-bit LGDT operand: 2-byte limit, 8-byte base
	dw efi_gdt_ptr - efi_gdt - 1
	dq efi_gdt
