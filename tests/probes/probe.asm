; SPDX-License-Identifier: MIT
; probe.asm - the smallest partition: no runtime, raw hypercalls. Prints its CPUID
; hypervisor signature and vCPU index, then exits with status 0. Used to test the monitor's
; entry path independently of lib/rt, and as the null-hypercall benchmark (bench=N on its
; command line is not parsed here: see bench.asm).

bits 64
section .text
global _start

HC_CONSOLE_WRITE equ 1
HC_EXIT          equ 6

_start:                                 ; rdi = info page, rsi = vCPU index
	mov r12, rsi
	mov eax, 0x40000000
	cpuid
	mov [sig], ebx
	mov [sig + 4], ecx
	mov [sig + 8], edx
	add r12b, '0'
	mov [vcpu_digit], r12b
	mov eax, HC_CONSOLE_WRITE
	lea rdi, [msg]
	mov esi, msg_len
	vmmcall
	mov eax, HC_CONSOLE_WRITE       ; the Intel instruction must work on AMD too
	lea rdi, [msg2]
	mov esi, msg2_len
	vmcall
	mov eax, HC_EXIT
	xor edi, edi
	vmmcall
	ud2

section .data
msg:	db "probe: signature "
sig:	times 12 db 0
	db " vcpu "
vcpu_digit: db "?", 10
msg_len equ $ - msg
msg2:	db "probe: vmcall ok", 10
msg2_len equ $ - msg2
