// SPDX-License-Identifier: MIT
/* bhexits.c - a static Linux x86-64 program (no libc) that counts a Bulkhead partition's
 * exits from inside it, for `make bench` (tools/bench.py, docs/bench.md), which types it
 * into the guest's /tmp through the console.
 *
 *   bhexits        the exits of the vCPU it runs on (BH_HC_VCPU_EXITS, include/bulkhead/
 *                  hypercall.h): the monitor's count so far, this call included
 *   bhexits SECS   sleeps SECS seconds and prints "exits E ns T cpus N": E = the exits all
 *                  N CPUs it may run on took meanwhile (each CPU's count read on that CPU,
 *                  before and after), T = the time slept by CLOCK_MONOTONIC
 *   bhexits -t     the TSC (RDTSC), no hypercall: runs on any x86-64 Linux. Under QEMU TCG
 *                  the guest's TSC is the host's, with or without Bulkhead, so two guests'
 *                  TSC differences compare without either kernel's calibration
 *
 * The counts rely on the monitor serving BH_HC_VCPU_EXITS to an HVM guest at any CPL, one
 * of the two calls it serves there (monitor/hvm.c, hvm_hypercall; docs/abi.md). Should it
 * stop, the call raises #UD and this program dies of SIGILL, or a negative BH_E* value
 * comes back and it prints no count and exits 1: either way the benchmark reports no figure.
 */
#include <stdint.h>

#define BH_HC_VCPU_EXITS 8
#define NR_WRITE 1
#define NR_NANOSLEEP 35
#define NR_SCHED_SETAFFINITY 203
#define NR_SCHED_GETAFFINITY 204
#define NR_CLOCK_GETTIME 228
#define NR_EXIT 60
#define MAX_CPUS 64

struct timespec64 { int64_t sec, nsec; };

static long sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}

static long vcpu_exits(void)
{
	long r;

	__asm__ volatile("vmmcall" : "=a"(r) : "a"((long)BH_HC_VCPU_EXITS) : "memory");
	return r;
}

static __attribute__((noreturn)) void quit(int status)
{
	sys3(NR_EXIT, status, 0, 0);
	__builtin_unreachable();
}

static char *put_u64(char *p, uint64_t v)
{
	char d[20];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = d[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static int64_t now_ns(void)
{
	struct timespec64 t;

	sys3(NR_CLOCK_GETTIME, 1 /* CLOCK_MONOTONIC */, (long)&t, 0);
	return t.sec * 1000000000 + t.nsec;
}

/* The sum over the CPUs of mask of each one's exit count, read on that CPU; -1: refused.
 * *cpus: how many. */
static long all_exits(const uint64_t *mask, unsigned *cpus)
{
	long sum = 0;

	*cpus = 0;
	for (int c = 0; c < MAX_CPUS; c++) {
		uint64_t one = 1ull << c;
		long e;

		if (!(*mask & one))
			continue;
		if (sys3(NR_SCHED_SETAFFINITY, 0, sizeof(one), (long)&one) < 0 ||
		    (e = vcpu_exits()) < 0)
			return -1;
		sum += e;
		++*cpus;
	}
	return sum;
}

static long parse(const char *s)
{
	long v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return *s ? -1 : v;
}

__attribute__((used, noreturn)) void bhexits_main(int argc, char **argv);

void bhexits_main(int argc, char **argv)
{
	char buf[128], *p = buf;
	uint64_t mask = 0;
	long secs, e0, e1;
	int64_t t0, t1;
	unsigned cpus;

	if (argc >= 2 && argv[1][0] == '-' && argv[1][1] == 't' && !argv[1][2]) {
		uint32_t lo, hi;

		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		p = put_u64(p, (uint64_t)hi << 32 | lo);
	} else if (argc < 2) {
		if ((e0 = vcpu_exits()) < 0)
			quit(1);
		p = put_u64(p, (uint64_t)e0);
	} else {
		struct timespec64 d = { (secs = parse(argv[1])), 0 };

		if (secs < 0 || sys3(NR_SCHED_GETAFFINITY, 0, sizeof(mask), (long)&mask) < 0)
			quit(2);
		if ((e0 = all_exits(&mask, &cpus)) < 0)
			quit(1);
		t0 = now_ns();
		sys3(NR_NANOSLEEP, (long)&d, 0, 0);
		t1 = now_ns();
		if ((e1 = all_exits(&mask, &cpus)) < 0)
			quit(1);
		p = put_u64(put_str(p, "exits "), (uint64_t)(e1 - e0));
		p = put_u64(put_str(p, " ns "), (uint64_t)(t1 - t0));
		p = put_u64(put_str(p, " cpus "), cpus);
	}
	*p++ = '\n';
	sys3(NR_WRITE, 1, (long)buf, p - buf);
	quit(0);
}

/* The kernel's entry: rsp points at argc, then argv[] (System V AMD64 ABI, 3.4.1). */
__asm__(".globl _start\n_start:\n"
	"	mov (%rsp), %rdi\n"
	"	lea 8(%rsp), %rsi\n"
	"	and $-16, %rsp\n"
	"	call bhexits_main\n");
