; SPDX-License-Identifier: MIT
; multiboot2.asm - Multiboot2 header and 32-bit entry: identity-map 4 GiB, enter long mode,
; call boot_mb2(magic, mbi) on the boot stack. (Multiboot2 spec 1.0, 3.2 "Machine state":
; EAX = 0x36d76289, EBX = physical address of the information block, protected mode, paging
; off, interrupts off, no valid stack or GDT.)

MB2_MAGIC  equ 0xe85250d6
MB2_ARCH   equ 0                   ; i386 protected mode

%include "boot-tables.inc"

section .multiboot
align 8
mb2_header:
	dd MB2_MAGIC, MB2_ARCH, mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH + (mb2_header_end - mb2_header))
	dw 0, 0                         ; end tag
	dd 8
mb2_header_end:

section .text.boot
bits 32
global mb2_entry32
extern __bss_start, __bss_end, boot_mb2

mb2_entry32:
	cli
	cld
	mov esi, eax                    ; loader magic
	mov ebp, ebx                    ; information block
	mov edi, __bss_start            ; a loader need not zero our .bss
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, boot_stack + BOOT_STACK

	mov eax, 0x80000000             ; long mode available? (CPUID 0x80000001 EDX.LM[29])
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	bt edx, 29
	jnc .no_long_mode

	call build_boot_tables
	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, 0xc0000080             ; EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1 ; PG | WP | PE
	mov cr0, eax
	lgdt [boot_gdt_ptr]
	jmp BOOT_CS:entry64

.no_long_mode:                          ; say so on COM1, then stop
	mov ebx, no_lm_msg
.putc:	mov al, [ebx]
	test al, al
	jz .stop
	mov dx, 0x3f8
	out dx, al
	inc ebx
	jmp .putc
.stop:	hlt
	jmp .stop

; Identity map [0, 4 GiB) (boot-tables.inc, shared with efi-entry.asm).
build_boot_tables:
	BUILD_BOOT_TABLES
	ret

bits 64
entry64:
	mov ax, BOOT_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov edi, esi                    ; boot_mb2(magic, mbi)
	mov esi, ebp
	call boot_mb2
.hang:	cli
	hlt
	jmp .hang

section .rodata
no_lm_msg: db "bulkhead: this CPU has no long mode (CPUID 0x80000001 EDX.LM)", 13, 10, 0

align 8
boot_gdt:
	BOOT_GDT_ENTRIES
boot_gdt_ptr:
	dw boot_gdt_ptr - boot_gdt - 1
	dd boot_gdt

section .bss
align 4096
global boot_pml4, boot_pdpt, boot_pd    ; efi-entry.asm builds the same tables
boot_pml4: resb 4096
boot_pdpt: resb 4096
boot_pd:   resb 4 * 4096
global boot_stack
boot_stack: resb BOOT_STACK
