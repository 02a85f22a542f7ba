; SPDX-License-Identifier: MIT
; hostile.asm - a partition that misbehaves on purpose, one way per run, chosen by the first
; character of its command line (info page + 0x1d0, partition.h):
;   r  read a guest-physical address outside its memory (mapped in its own page tables)
;   w  write to 0x1fe00000, host-physical monitor memory on a 512 MiB machine, as a GPA
;   p  out to port 0x3f8          c  out to port 0xcf8          n  out to port 0x70
;   e  wrmsr EFER with SVME clear a  rdmsr APIC_BASE             v  wrmsr VM_HSAVE_PA
;   t  triple fault               s  spin for ever with interrupts off
;   d  mov from DR0 (debug registers are not the partition's)
;   h  hypercalls with bad pointers and lengths: each must fail and the caller go on
; Each case prints "hostile: <case>" first. If the act returns, it exits with status 42
; (for h that is success; for every other case the monitor must have stopped it first).

bits 64
section .text
global _start

HC_CONSOLE_WRITE equ 1
HC_EXIT          equ 6
INFO_CMDLINE     equ 0x1d0
PTE_PSW          equ 0x83              ; present, writable, 2 MiB

%macro SAY 1
	mov eax, HC_CONSOLE_WRITE
	lea rdi, [%1]
	mov esi, %1_len
	vmmcall
%endmacro

_start:
	movzx ebx, byte [rdi + INFO_CMDLINE]
	mov [tag], bl
	SAY said
	lea rsi, [cases]
.find:	movzx eax, byte [rsi]
	test al, al
	jz .done
	cmp al, bl
	je .hit
	add rsi, 9
	jmp .find
.hit:	jmp [rsi + 1]
.done:	mov eax, HC_EXIT
	mov edi, 42
	vmmcall
	ud2

; Map VA 0x40000000 (PD index 0 of PDPT entry 1... kept simple: PD0 entry 256 = VA 512 MiB)
; to the guest-physical 2 MiB page in rax, in the partition's own page tables.
map_far:
	mov rcx, [0x2000]                     ; PML4[0] -> PDPT
	and rcx, ~0xfff
	mov rcx, [rcx]                        ; PDPT[0] -> PD0
	and rcx, ~0xfff
	or rax, PTE_PSW
	mov [rcx + 256 * 8], rax
	invlpg [0x20000000]
	ret

do_read:
	mov eax, 0x30000000
	call map_far
	mov rax, [0x20000000]
	jmp _start.done
do_write:
	mov eax, 0x1fe00000
	call map_far
	mov qword [0x20000000], 1
	jmp _start.done
do_port_com1:
	mov dx, 0x3f8
	jmp out_byte
do_port_pci:
	mov dx, 0xcf8
	jmp out_byte
do_port_cmos:
	mov dx, 0x70
out_byte:
	mov al, 0
	out dx, al
	jmp _start.done
do_efer:
	mov ecx, 0xc0000080
	mov eax, (1 << 8) | (1 << 10)         ; LME | LMA, SVME clear
	xor edx, edx
	wrmsr
	jmp _start.done
do_apic_base:
	mov ecx, 0x1b
	rdmsr
	jmp _start.done
do_hsave:
	mov ecx, 0xc0010117
	xor eax, eax
	xor edx, edx
	wrmsr
	jmp _start.done
do_debug_reg:
	mov rax, dr0
	jmp _start.done
do_triple:
	lidt [null_idt]
	int3
do_spin:
	cli
.l:	jmp .l
do_hypercalls:
	mov eax, HC_CONSOLE_WRITE             ; pointer far outside its memory
	mov rdi, 0x7fffffff000
	mov esi, 16
	vmmcall
	cmp rax, -14                          ; -BH_EFAULT
	jne .bad
	mov eax, HC_CONSOLE_WRITE             ; huge length
	lea rdi, [said]
	mov esi, 0xffffffff
	vmmcall
	cmp rax, -7                           ; -BH_E2BIG
	jne .bad
	mov eax, HC_CONSOLE_WRITE             ; runs off the end of its 8 MiB
	mov edi, 0x7ff800
	mov esi, 0x1000
	vmmcall
	cmp rax, -14
	jne .bad
	mov eax, 0                            ; info into a buffer outside its memory
	mov rdi, -4096
	mov esi, 4096
	vmmcall
	cmp rax, -14
	jne .bad
	mov eax, 0                            ; info onto its own read-only info page
	mov edi, 0x1000
	mov esi, 4096
	vmmcall
	cmp rax, -14
	jne .bad
	mov eax, 99                           ; no such call
	vmmcall
	cmp rax, -38                          ; -BH_ENOSYS
	jne .bad
	SAY ok
	jmp _start.done
.bad:	SAY bad
	mov eax, HC_EXIT
	mov edi, 1
	vmmcall

section .data
align 8
cases:
	db 'r'
	dq do_read
	db 'w'
	dq do_write
	db 'p'
	dq do_port_com1
	db 'c'
	dq do_port_pci
	db 'n'
	dq do_port_cmos
	db 'e'
	dq do_efer
	db 'a'
	dq do_apic_base
	db 'v'
	dq do_hsave
	db 't'
	dq do_triple
	db 'd'
	dq do_debug_reg
	db 's'
	dq do_spin
	db 'h'
	dq do_hypercalls
	db 0
null_idt:
	dw 0
	dq 0
said:	db "hostile: "
tag:	db "?", 10
said_len equ $ - said
ok:	db "hostile: hypercall errors ok", 10
ok_len equ $ - ok
bad:	db "hostile: hypercall error missing", 10
bad_len equ $ - bad
