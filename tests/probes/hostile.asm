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
; Ports the machine's reset, NMI mask, timers, log and emulator exit live on (no partition
; may have them): R 0xcf9  K 0x64  F 0x92  Q 0xf4 (QEMU's exit)  L 0x2f8 (COM2)  I in 0x21
;   B 0x61  G 0x43
; MSRs: x FEATURE_CONTROL  m microcode update  X x2APIC ICR (an IPI)  M MTRR default type
;   S TSC  H HWCR  D DEBUGCTL (all writes)
; Instructions: i INVD  b XSETBV (XCR0 is the monitor's)  o MONITOR  q MWAIT
;   W WBINVD 1000 times (a no-op: it must return)  g CLI; HLT (blocked for good)
; MMIO outside its memory: A local APIC  O IO-APIC  J HPET  P firmware flash  E PCIe ECAM
; T  single-step for ever: its #DB handler returns with TF set (an exit per instruction,
;    the XSA-156 shape; it must be preempted like any spinner)
; C  5000 console lines as fast as it can (rate-limited, the dropped ones counted)
; l  x87/SSE state: finds XMM0-15 zero at start, fills them with its own byte (second
;    character of its command line), yields 200 times and checks they still hold it
; Z  100000 locked adds across a cache-line boundary (split locks: each locks the bus; under
;    TCG each stops every vCPU); then exits normally
; Y  AVX state: sets CR4.OSXSAVE and XCR0 = x87|SSE|AVX itself (only where the emulator has
;    no XSETBV intercept: QEMU), then as l with YMM0-15's upper halves
; U  timer probe: twenty 10 ms timers; prints the latest one's lateness in microseconds
; Each case prints "hostile: <case>" first. If the act returns, it exits with status 42
; (for h that is success; for every other case the monitor must have stopped it first).

bits 64
section .text
global _start

HC_CONSOLE_WRITE equ 1
HC_YIELD         equ 2
HC_TIME          equ 3
HC_TIMER_SET     equ 4
HC_WAIT          equ 5
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
	mov r15, rdi                          ; the info page, kept
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

;; ---- ports, MSRs, instructions, MMIO: each must stop the partition ----
do_port_cf9:
	mov dx, 0xcf9
	jmp out_byte
do_port_kbd:
	mov dx, 0x64
	jmp out_byte
do_port_a20:
	mov dx, 0x92
	jmp out_byte
do_port_exit:
	mov dx, 0xf4
	mov eax, 0
	out dx, eax
	jmp _start.done
do_port_com2:
	mov dx, 0x2f8
	jmp out_byte
do_port_pic:
	in al, 0x21
	jmp _start.done
do_port_61:
	mov dx, 0x61
	jmp out_byte
do_port_pit:
	mov dx, 0x43
	jmp out_byte

%macro WRMSR_CASE 2
%1:
	mov ecx, %2
	xor eax, eax
	xor edx, edx
	wrmsr
	jmp _start.done
%endmacro
WRMSR_CASE do_msr_featctl, 0x3a
WRMSR_CASE do_msr_ucode, 0x79
WRMSR_CASE do_msr_tsc, 0x10
WRMSR_CASE do_msr_mtrr, 0x2ff
WRMSR_CASE do_msr_hwcr, 0xc0010015
WRMSR_CASE do_msr_debugctl, 0x1d9
do_msr_icr:                               ; an NMI to every other CPU, if it got through
	mov ecx, 0x830
	mov eax, 0x000c4400
	xor edx, edx
	wrmsr
	jmp _start.done

do_invd:
	invd
	jmp _start.done
do_xsetbv:
	mov rax, cr4
	bts rax, 18                           ; OSXSAVE, or XSETBV is #UD before any intercept
	mov cr4, rax
	xor ecx, ecx
	mov eax, 7
	xor edx, edx
	xsetbv
	jmp _start.done
do_monitor:
	lea rax, [tag]
	xor ecx, ecx
	xor edx, edx
	monitor
	jmp _start.done
do_mwait:
	xor eax, eax
	xor ecx, ecx
	mwait
	jmp _start.done
do_wbinvd:
	mov ecx, 1000
.l:	wbinvd
	dec ecx
	jnz .l
	SAY wbinvd_ok
	jmp _start.done
do_halt:
	cli
	hlt
	jmp do_halt

%macro MMIO_CASE 3                        ; name, 2 MiB page, offset in it
%1:
	mov eax, %2
	call map_far
	mov eax, [0x20000000 + %3]
	jmp _start.done
%endmacro
MMIO_CASE do_mmio_lapic, 0xfee00000, 0x20
MMIO_CASE do_mmio_ioapic, 0xfec00000, 0
MMIO_CASE do_mmio_hpet, 0xfec00000, 0x100000
MMIO_CASE do_mmio_flash, 0xffe00000, 0x1ffff0
MMIO_CASE do_mmio_ecam, 0xb0000000, 0

;; ---- exceptions: single-step for ever ----
do_single_step:
	lgdt [gdt_ptr]
	lea rax, [db_handler]                 ; IDT entry 1: 64-bit interrupt gate to db_handler
	mov [idt + 16], ax
	mov word [idt + 16 + 2], 0x08
	mov word [idt + 16 + 4], 0x8e00
	shr rax, 16
	mov [idt + 16 + 6], ax
	shr rax, 16
	mov [idt + 16 + 8], eax
	lidt [idt_ptr]
	pushfq
	or qword [rsp], 0x100                 ; TF: #DB after every instruction from here on
	popfq
.l:	jmp .l
db_handler:
	iretq                                 ; TF comes back with RFLAGS

;; ---- console flood ----
do_flood:
	mov r12d, 5000
.l:	SAY flood
	dec r12d
	jnz .l
	jmp _start.done

;; ---- x87/SSE state stays the partition's own ----
do_sse_leak:
	pxor xmm15, xmm15                     ; all sixteen zero at start?
	%assign r 0
	%rep 15
	por xmm15, xmm %+ r
	%assign r r + 1
	%endrep
	ptest xmm15, xmm15
	jnz .leak
	movzx eax, byte [r15 + INFO_CMDLINE + 1]
	movd xmm0, eax
	punpcklbw xmm0, xmm0
	pshuflw xmm0, xmm0, 0
	punpcklqdq xmm0, xmm0                 ; its byte in all sixteen lanes
	%assign r 1
	%rep 15
	movdqa xmm %+ r, xmm0
	%assign r r + 1
	%endrep
	movdqa [own], xmm0
	mov r12d, 200
.yield:	mov eax, HC_YIELD
	vmmcall
	%assign r 0
	%rep 16
	pcmpeqb xmm %+ r, [own]
	pmovmskb eax, xmm %+ r
	cmp eax, 0xffff
	jne .lost
	movdqa xmm %+ r, [own]
	%assign r r + 1
	%endrep
	dec r12d
	jnz .yield
	SAY sse_ok
	jmp _start.done
.leak:	SAY sse_leak
	jmp fail
.lost:	SAY sse_lost
	jmp fail

;; ---- split locks ----
do_split_lock:
	mov ecx, 100000
.l:	lock add dword [split + 62], 1        ; 4 bytes over a 64-byte line's end
	dec ecx
	jnz .l
	SAY split_ok
	jmp _start.done

;; ---- AVX state stays the partition's own ----
do_avx_leak:
	mov rax, cr4
	bts rax, 18                           ; OSXSAVE
	mov cr4, rax
	xor ecx, ecx
	mov eax, 7                            ; x87 | SSE | AVX
	xor edx, edx
	xsetbv
	vpxor ymm15, ymm15, ymm15             ; all sixteen upper halves zero at start?
	%assign r 0
	%rep 15
	vpor ymm15, ymm15, ymm %+ r
	%assign r r + 1
	%endrep
	vextracti128 xmm15, ymm15, 1
	ptest xmm15, xmm15
	jnz do_sse_leak.leak
	movzx eax, byte [r15 + INFO_CMDLINE + 1]
	movd xmm0, eax
	vpbroadcastb ymm0, xmm0               ; its byte in all 32 lanes
	%assign r 1
	%rep 15
	vmovdqa ymm %+ r, ymm0
	%assign r r + 1
	%endrep
	vmovdqu [own32], ymm0
	mov r12d, 200
.yield:	mov eax, HC_YIELD
	vmmcall
	%assign r 0
	%rep 16
	vpcmpeqb ymm %+ r, ymm %+ r, [own32]
	vpmovmskb eax, ymm %+ r
	cmp eax, -1
	jne do_sse_leak.lost
	vmovdqu ymm %+ r, [own32]
	%assign r r + 1
	%endrep
	dec r12d
	jnz .yield
	SAY avx_ok
	jmp _start.done

;; ---- timer probe: 20 timers of 10 ms, the latest lateness printed ----
do_timer:
	mov r12d, 20
	xor r14, r14                          ; the latest lateness seen
.next:	mov eax, HC_TIME
	vmmcall
	lea r13, [rax + 10000000]
	mov eax, HC_TIMER_SET
	mov rdi, r13
	vmmcall
.wait:	mov eax, HC_WAIT
	vmmcall
	mov eax, HC_TIME
	vmmcall
	cmp rax, r13
	jb .wait                              ; an early wake-up: wait on
	sub rax, r13
	cmp rax, r14
	cmova r14, rax
	dec r12d
	jnz .next
	mov rax, r14                          ; ns -> us, in decimal before the newline
	xor edx, edx
	mov ecx, 1000
	div rcx
	lea rdi, [timer_digits + 10]
	mov ecx, 10
.digit:	xor edx, edx
	div rcx
	add dl, '0'
	dec rdi
	mov [rdi], dl
	cmp rdi, timer_digits
	jne .digit
	SAY timer_late
	jmp _start.done
fail:	mov eax, HC_EXIT
	mov edi, 1
	vmmcall
	ud2

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
	db 'R'
	dq do_port_cf9
	db 'K'
	dq do_port_kbd
	db 'F'
	dq do_port_a20
	db 'Q'
	dq do_port_exit
	db 'L'
	dq do_port_com2
	db 'I'
	dq do_port_pic
	db 'B'
	dq do_port_61
	db 'G'
	dq do_port_pit
	db 'x'
	dq do_msr_featctl
	db 'm'
	dq do_msr_ucode
	db 'X'
	dq do_msr_icr
	db 'M'
	dq do_msr_mtrr
	db 'S'
	dq do_msr_tsc
	db 'H'
	dq do_msr_hwcr
	db 'D'
	dq do_msr_debugctl
	db 'i'
	dq do_invd
	db 'b'
	dq do_xsetbv
	db 'o'
	dq do_monitor
	db 'q'
	dq do_mwait
	db 'W'
	dq do_wbinvd
	db 'g'
	dq do_halt
	db 'A'
	dq do_mmio_lapic
	db 'O'
	dq do_mmio_ioapic
	db 'J'
	dq do_mmio_hpet
	db 'P'
	dq do_mmio_flash
	db 'E'
	dq do_mmio_ecam
	db 'T'
	dq do_single_step
	db 'C'
	dq do_flood
	db 'l'
	dq do_sse_leak
	db 'U'
	dq do_timer
	db 'Z'
	dq do_split_lock
	db 'Y'
	dq do_avx_leak
	db 0
null_idt:
	dw 0
	dq 0
align 64
split:	times 128 db 0
align 32
own32:	times 32 db 0
align 16
own:	times 16 db 0
gdt:	dq 0
	dq 0x00af9a000000ffff                 ; 0x08: 64-bit code
	dq 0x00cf92000000ffff                 ; 0x10: data
gdt_ptr:
	dw 3 * 8 - 1
	dq gdt
align 16
idt:	times 2 * 16 db 0
idt_ptr:
	dw 2 * 16 - 1
	dq idt
said:	db "hostile: "
tag:	db "?", 10
said_len equ $ - said
ok:	db "hostile: hypercall errors ok", 10
ok_len equ $ - ok
bad:	db "hostile: hypercall error missing", 10
bad_len equ $ - bad
wbinvd_ok: db "hostile: wbinvd returned", 10
wbinvd_ok_len equ $ - wbinvd_ok
flood:	db "hostile: flood", 10
flood_len equ $ - flood
split_ok: db "hostile: split locks done", 10
split_ok_len equ $ - split_ok
avx_ok:	db "hostile: avx state kept", 10
avx_ok_len equ $ - avx_ok
sse_ok:	db "hostile: sse state kept", 10
sse_ok_len equ $ - sse_ok
sse_leak: db "hostile: sse state LEAKED in", 10
sse_leak_len equ $ - sse_leak
sse_lost: db "hostile: sse state LOST", 10
sse_lost_len equ $ - sse_lost
timer_late: db "hostile: timers late by at most "
timer_digits: db "0000000000 us", 10
timer_late_len equ $ - timer_late
