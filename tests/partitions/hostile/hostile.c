/* SPDX-License-Identifier: MIT */
/* hostile.c - a partition that misbehaves in one way per run, for the containment tests.
 *
 * Command line "do=<act> [addr=G] [port=P] [msr=M] [value=V]":
 *   read [addr=G]         read GPA G (default: just past the memory map) after mapping it in
 *   write [addr=G]        its own page tables, so the access reaches nested paging (NPF)
 *   write-monitor addr=G  write to G, the host-physical address of monitor memory
 *   port port=P           OUT to I/O port P: a dword for 0xcf8, a byte otherwise
 *   rdmsr msr=M           RDMSR M (e.g. 0x1b APIC_BASE, 0xc0010117 VM_HSAVE_PA)
 *   wrmsr msr=M [value=V] WRMSR M, V (default 0)
 *   efer-svme             WRMSR EFER = LME | LMA | NXE, i.e. with SVME clear
 *   triple-fault          load an empty IDT, then UD2 (#UD → #GP → #DF → shutdown)
 *   triple-fault-int3     the same with INT3
 *   spin-cli              CLI, then loop forever
 *   bad-hypercalls        hypercalls with pointers outside its memory and huge lengths: each
 *                         must fail with the right error and the partition keeps running
 *                         ("GUEST_ASSERT failed" / "GUEST_DONE")
 * Every act first prints "hostile: about to <act>[: <detail>]". An act that comes back prints
 * "hostile: survived <act>" and exits 99: the monitor failed to contain it. Usage errors
 * (unknown act, missing or self-owned address) print "hostile: usage: ..." and exit 2.
 */
#include <stdio.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "rt/guest-test.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define EXIT_SURVIVED 99
#define EXIT_USAGE    2

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_PS   (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

#define MSR_EFER  0xc0000080u
#define EFER_LME  (1ull << 8)
#define EFER_LMA  (1ull << 10)
#define EFER_NXE  (1ull << 11)

static const struct bh_partition_info *info;
static char act[32];

_Noreturn static void usage(const char *why)
{
	printf("hostile: usage: %s (do=read|write|write-monitor|port|rdmsr|wrmsr|efer-svme|"
	       "triple-fault|triple-fault-int3|spin-cli|bad-hypercalls)\n", why);
	exit(EXIT_USAGE);
}

_Noreturn static void survived(void)
{
	printf("hostile: survived %s\n", act);
	exit(EXIT_SURVIVED);
}

/* "hostile: about to <act>[: <detail>]" */
__attribute__((format(printf, 1, 2))) static void about_to(const char *fmt, ...)
{
	char detail[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	printf("hostile: about to %s%s%s\n", act, *detail ? ": " : "", detail);
	fflush(stdout);
}

static int in_map(uint64_t gpa, uint64_t len)
{
	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++) {
		const struct bh_mem_region *m = &info->mem[i];

		if (gpa >= m->gpa && gpa - m->gpa <= m->size && len <= m->size - (gpa - m->gpa))
			return 1;
	}
	return 0;
}

static uint64_t map_end(void)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++)
		if (info->mem[i].gpa + info->mem[i].size > end)
			end = info->mem[i].gpa + info->mem[i].size;
	return end;
}

static uint64_t arg_or(const char *key, uint64_t dflt)
{
	uint64_t v;
	int rc = bh_arg_u64(key, &v);

	if (rc == -BH_ENOENT)
		return dflt;
	if (rc)
		usage("bad number");
	return v;
}

/* The table one level down from entry e, allocated (zeroed, from the heap: VA = GPA) if
 * the entry is not present. */
static uint64_t *next_table(uint64_t *e)
{
	if (!(*e & PTE_P)) {
		void *t = memalign(4096, 4096);

		GUEST_ASSERT(t);
		memset(t, 0, 4096);
		*e = bh_gpa(t) | PTE_P | PTE_W;
	}
	*e |= PTE_W;
	return (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
}

/* Map the 4 KiB page holding gpa at VA = gpa, writable, in the tables CR3 points to (the
 * start state's identity map covers only the partition's memory). */
static void map_page(uint64_t gpa)
{
	uint64_t cr3, *t;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	t = (uint64_t *)(uintptr_t)(cr3 & PTE_ADDR);
	for (int level = 3; level > 0; level--) { /* PML4, PDPT, PD */
		uint64_t *e = &t[(gpa >> (12 + 9 * level)) & 511];

		if (level < 3 && (*e & PTE_P) && (*e & PTE_PS)) {
			*e |= PTE_W; /* already mapped by a 1 GiB or 2 MiB page */
			goto flush;
		}
		t = next_table(e);
	}
	t[(gpa >> 12) & 511] = (gpa & PTE_ADDR) | PTE_P | PTE_W;
flush:
	__asm__ volatile("invlpg (%0)" : : "r"(gpa) : "memory");
}

static uint64_t target(int required)
{
	uint64_t gpa = arg_or("addr", required ? 0 : map_end());

	if (required && !gpa)
		usage("addr=<gpa> missing");
	if (in_map(gpa, 8))
		usage("addr is inside my own memory");
	map_page(gpa);
	return gpa;
}

static void do_read(void)
{
	uint64_t gpa = target(0), v;

	about_to("gpa=0x%llx", (unsigned long long)gpa);
	v = *(volatile uint64_t *)(uintptr_t)gpa;
	printf("hostile: read 0x%llx\n", (unsigned long long)v);
}

static void do_write_at(uint64_t gpa)
{
	about_to("gpa=0x%llx", (unsigned long long)gpa);
	*(volatile uint64_t *)(uintptr_t)gpa = 0x6b6b6b6b6b6b6b6bull;
}

static void do_write(void)
{
	do_write_at(target(0));
}

static void do_write_monitor(void)
{
	do_write_at(target(1));
}

static void do_port(void)
{
	uint64_t port = arg_or("port", 0x10000);

	if (port > 0xffff)
		usage("port=<0..0xffff> missing");
	about_to("out 0x%llx", (unsigned long long)port);
	if (port == 0xcf8)
		__asm__ volatile("outl %0, %w1" : : "a"(0x80000000u), "Nd"((uint16_t)port));
	else
		__asm__ volatile("outb %b0, %w1" : : "a"(0), "Nd"((uint16_t)port));
}

static uint32_t msr_arg(void)
{
	uint64_t msr = arg_or("msr", UINT64_MAX);

	if (msr > UINT32_MAX)
		usage("msr=<number> missing");
	return (uint32_t)msr;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	about_to("wrmsr 0x%x value=0x%llx", msr, (unsigned long long)v);
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void do_rdmsr(void)
{
	uint32_t msr = msr_arg(), lo, hi;

	about_to("rdmsr 0x%x", msr);
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	printf("hostile: rdmsr 0x%x = 0x%llx\n", msr, (unsigned long long)hi << 32 | lo);
}

static void do_wrmsr(void)
{
	uint32_t msr = msr_arg();

	wrmsr(msr, arg_or("value", 0));
}

static void do_efer_svme(void)
{
	wrmsr(MSR_EFER, EFER_LME | EFER_LMA | EFER_NXE);
}

static void empty_idt(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { 0, 0 };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

static void do_triple_fault(void)
{
	about_to("empty IDT, ud2");
	empty_idt();
	__asm__ volatile("ud2");
}

static void do_triple_fault_int3(void)
{
	about_to("empty IDT, int3");
	empty_idt();
	__asm__ volatile("int3");
}

static void do_spin_cli(void)
{
	about_to("cli; jmp .");
	__asm__ volatile("cli\n1: jmp 1b");
}

#define REFUSED(call, err) GUEST_ASSERT_EQ(call, -(err))

static void do_bad_hypercalls(void)
{
	static struct bh_partition_info buf;
	uint64_t end = map_end(), monitor = arg_or("addr", 0);
	long rc;

	about_to("pointers outside memory, huge lengths");
	REFUSED(bh_hc2(BH_HC_CONSOLE_WRITE, end, 16), BH_EFAULT);
	REFUSED(bh_hc2(BH_HC_CONSOLE_WRITE, end - 8, 16), BH_EFAULT);
	REFUSED(bh_hc2(BH_HC_CONSOLE_WRITE, 1ull << 52, 1), BH_EFAULT);
	REFUSED(bh_hc2(BH_HC_CONSOLE_WRITE, UINT64_MAX - 7, 16), BH_EFAULT);
	REFUSED(bh_hc2(BH_HC_CONSOLE_WRITE, bh_gpa(&buf), BH_CONSOLE_MAX + 1), BH_E2BIG);
	REFUSED(bh_hc2(BH_HC_CONSOLE_WRITE, bh_gpa(&buf), UINT64_MAX), BH_E2BIG);
	rc = bh_hc2(BH_HC_CONSOLE_WRITE, end, 1ull << 40);
	GUEST_ASSERT(rc == -BH_E2BIG || rc == -BH_EFAULT);
	if (!in_map(0, 1))
		REFUSED(bh_hc2(BH_HC_CONSOLE_WRITE, 0, 1), BH_EFAULT);

	REFUSED(bh_hc2(BH_HC_INFO, end, sizeof(buf)), BH_EFAULT);
	REFUSED(bh_hc2(BH_HC_INFO, end - 8, sizeof(buf)), BH_EFAULT);
	REFUSED(bh_hc2(BH_HC_INFO, UINT64_MAX - 7, sizeof(buf)), BH_EFAULT);
	/* The info page is read-only to the partition (partition.h), whatever its region says:
	 * the monitor must not write it on the partition's behalf. */
	REFUSED(bh_hc2(BH_HC_INFO, BH_INFO_GPA, sizeof(buf)), BH_EFAULT);
	if (monitor && !in_map(monitor, 1)) { /* the monitor as a confused deputy */
		REFUSED(bh_hc2(BH_HC_CONSOLE_WRITE, monitor, 64), BH_EFAULT);
		REFUSED(bh_hc2(BH_HC_INFO, monitor, sizeof(buf)), BH_EFAULT);
	}

	REFUSED(bh_hc0(BH_HC_COUNT), BH_ENOSYS);
	REFUSED(bh_hc0(UINT64_MAX), BH_ENOSYS);
	REFUSED(bh_hc0(1ull << 32 | BH_HC_EXIT), BH_ENOSYS); /* must not be read as exit */
	GUEST_ASSERT_EQ(bh_info(&buf, sizeof(buf)), sizeof(buf)); /* still served */
	printf("hostile: bad hypercalls all refused, still running\n");
	GUEST_DONE();
}

static const struct {
	const char *name;
	void (*fn)(void);
} acts[] = {
	{ "read", do_read },
	{ "write", do_write },
	{ "write-monitor", do_write_monitor },
	{ "port", do_port },
	{ "rdmsr", do_rdmsr },
	{ "wrmsr", do_wrmsr },
	{ "efer-svme", do_efer_svme },
	{ "triple-fault", do_triple_fault },
	{ "triple-fault-int3", do_triple_fault_int3 },
	{ "spin-cli", do_spin_cli },
	{ "bad-hypercalls", do_bad_hypercalls },
};

int main(void)
{
	info = bh_info_page();
	if (bh_arg("do", act, sizeof(act)))
		usage("do=<act> missing");
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		if (!strcmp(act, acts[i].name)) {
			acts[i].fn();
			survived();
		}
	}
	usage("unknown act");
}
