/* SPDX-License-Identifier: MIT */
/* main.c - guest-pv, the first paravirtual guest: exercises the runtime and every hypercall.
 *
 * Its console output is a system-test oracle: every line starts with "guest-pv: ", "mem[" or
 * "GUEST_" and is the same on every run of a given configuration (no timings, nothing that
 * depends on scheduling). A failed check prints "GUEST_ASSERT failed: ..." and exits 1.
 * Command line: exit=<status> (0..255, default 0), the status it ends with; disk= and
 * disk-test= run a disk workload last (disk.c), then net= ip= net-test= a network one
 * (net.c).
 * Needs a heap of at least 2 MiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <bulkhead/errno.h>
#include "disk.h"
#include "net-run.h"
#include "regs.h"
#include "rt/guest-test.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define MIB          (1024 * 1024)
#define MSEC         1000000ll
#define SIEVE_N      1000000
#define SIEVE_PRIMES 78498 /* primes below 10^6 */

static const struct bh_partition_info *info;
static uint32_t secondaries_in; /* atomic: vCPUs > 0 that ran bh_secondary() */
static uint32_t secondaries_bad;

/* One past the highest byte of the memory map: guest-physical memory that is not ours. */
static uint64_t map_end(void)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++)
		if (info->mem[i].gpa + info->mem[i].size > end)
			end = info->mem[i].gpa + info->mem[i].size;
	return end;
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

static void print_identity(void)
{
	printf("guest-pv: name=%.*s id=%u vcpus=%u abi=%u\n", BH_NAME_MAX, info->name, info->id,
	       info->vcpu_count, info->abi_version);
	printf("guest-pv: cmdline \"%.*s\"\n", (int)sizeof(info->cmdline), info->cmdline);
	printf("guest-pv: heap gpa=0x%llx size=0x%llx\n", (unsigned long long)info->heap_start,
	       (unsigned long long)(info->heap_end - info->heap_start));
	GUEST_ASSERT(info->vcpu_count >= 1);
}

static void print_memmap(void)
{
	int local;

	GUEST_ASSERT(info->mem_count >= 1 && info->mem_count <= BH_INFO_MEM_MAX);
	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++) {
		const struct bh_mem_region *m = &info->mem[i];

		printf("mem[%u] gpa=0x%llx size=0x%llx flags=%c%c%c\n", i,
		       (unsigned long long)m->gpa, (unsigned long long)m->size,
		       m->flags & BH_MEM_R ? 'r' : '-', m->flags & BH_MEM_W ? 'w' : '-',
		       m->flags & BH_MEM_X ? 'x' : '-');
		GUEST_ASSERT(m->size > 0 && m->gpa + m->size > m->gpa);
	}
	GUEST_ASSERT(in_map(BH_INFO_GPA, sizeof(*info)));
	GUEST_ASSERT(in_map(BH_IMAGE_BASE, 4096));
	GUEST_ASSERT(in_map(info->heap_start, info->heap_end - info->heap_start));
	GUEST_ASSERT(in_map(bh_gpa(&local), sizeof(local)));
}

static void check_cpuid(void)
{
	uint32_t abi = 0, a, b, c, d;

	GUEST_ASSERT(bh_hv_present(&abi));
	GUEST_ASSERT_EQ(abi, BH_ABI_VERSION);
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	GUEST_ASSERT(!(c & (1u << 5))); /* CPUID.1:ECX.VMX */
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
	if (a >= 0x80000001u) {
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
		GUEST_ASSERT(!(c & (1u << 2))); /* CPUID.80000001h:ECX.SVM */
	}
	printf("guest-pv: cpuid %s abi=%u, vmx/svm hidden\n", BH_CPUID_SIGNATURE, abi);
}

static void check_info_hypercall(void)
{
	static struct bh_partition_info copy;

	GUEST_ASSERT_EQ(bh_info(&copy, sizeof(copy)), sizeof(copy));
	GUEST_ASSERT(!memcmp(&copy, info, sizeof(copy)));
	GUEST_ASSERT_EQ(bh_hc2(BH_HC_INFO, map_end(), sizeof(copy)), -BH_EFAULT);
	printf("guest-pv: info hypercall matches the info page\n");
}

static uint32_t crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

static void check_malloc(void)
{
	uint8_t *big = malloc(MIB);
	void *small[1000];
	size_t heap = info->heap_end - info->heap_start;

	GUEST_ASSERT(big);
	GUEST_ASSERT(bh_gpa(big) >= info->heap_start && bh_gpa(big) + MIB <= info->heap_end);
	for (size_t i = 0; i < MIB; i++)
		big[i] = pattern(i);
	for (size_t i = 0; i < MIB; i++)
		GUEST_ASSERT(big[i] == pattern(i));
	printf("guest-pv: malloc 1 MiB pattern ok, crc32=0x%08x\n", crc32(big, MIB));
	free(big);
	for (int i = 0; i < 1000; i++) {
		small[i] = malloc(16 + i);
		GUEST_ASSERT(small[i]);
		memset(small[i], i & 0xff, 16 + i);
	}
	for (int i = 0; i < 1000; i++)
		GUEST_ASSERT(((uint8_t *)small[i])[15 + i] == (i & 0xff));
	for (int i = 0; i < 1000; i++)
		free(small[i]);
	errno = 0;
	GUEST_ASSERT(malloc(heap + 1) == NULL);
	GUEST_ASSERT_EQ(errno, ENOMEM);
	printf("guest-pv: 1000 small blocks ok, oversize malloc refused (ENOMEM)\n");
}

static void compute(void)
{
	uint8_t *composite = calloc(SIEVE_N, 1);
	unsigned count = 0;

	GUEST_ASSERT(composite);
	for (unsigned i = 2; i < SIEVE_N; i++) {
		if (composite[i])
			continue;
		count++;
		for (unsigned long j = (unsigned long)i * i; j < SIEVE_N; j += i)
			composite[j] = 1;
	}
	free(composite);
	GUEST_ASSERT_EQ(count, SIEVE_PRIMES);
	GUEST_ASSERT_EQ(crc32("123456789", 9), 0xcbf43926u);
	printf("guest-pv: primes below %d: %u; crc32(\"123456789\")=0x%08x\n", SIEVE_N, count,
	       crc32("123456789", 9));
}

/* Doubles kept in XMM registers across yields must survive other vCPUs' FPU use. */
static double fp_series(int yield_every)
{
	double x = 1.0;

	for (int i = 1; i <= 2000; i++) {
		x = x * 1.0001 + 1.0 / i;
		if (yield_every && i % yield_every == 0)
			bh_yield();
	}
	return x;
}

static void check_fp(void)
{
	char buf[32];
	double a = fp_series(0), b = fp_series(10);

	GUEST_ASSERT(a == b);
	snprintf(buf, sizeof(buf), "%.6f", sqrt(2.0));
	GUEST_ASSERT(!strcmp(buf, "1.414214"));
	printf("guest-pv: fp sqrt(2)=%s exp(1)=%.6f series=%.6f\n", buf, exp(1.0), a);
}

static void check_regs(void)
{
	GUEST_ASSERT_EQ(regs_gpr_check(), 0);
	GUEST_ASSERT(regs_xmm_check());
	printf("guest-pv: hypercalls preserve general-purpose and XMM registers\n");
}

static void check_timer(void)
{
	int64_t t0 = bh_time_ns(), t1;
	long ev = 0;
	struct timespec ts0, ts1, req = { .tv_nsec = 5 * MSEC };

	GUEST_ASSERT(t0 >= 0);
	GUEST_ASSERT_EQ(bh_timer_set(t0 + 10 * MSEC), 0);
	for (int i = 0; i < 1000 && !(ev & BH_EVENT_TIMER); i++) {
		ev = bh_wait();
		GUEST_ASSERT(ev >= 0);
	}
	t1 = bh_time_ns();
	GUEST_ASSERT(ev & BH_EVENT_TIMER);
	GUEST_ASSERT(t1 - t0 >= 10 * MSEC);
	GUEST_ASSERT_EQ(bh_timer_set(t1 + 1000 * MSEC), 0);
	GUEST_ASSERT_EQ(bh_timer_set(0), 0); /* cancel */

	GUEST_ASSERT_EQ(clock_gettime(CLOCK_MONOTONIC, &ts0), 0);
	GUEST_ASSERT_EQ(nanosleep(&req, NULL), 0);
	GUEST_ASSERT_EQ(clock_gettime(CLOCK_MONOTONIC, &ts1), 0);
	GUEST_ASSERT((ts1.tv_sec - ts0.tv_sec) * 1000000000ll + ts1.tv_nsec - ts0.tv_nsec >= 5 * MSEC);
	printf("guest-pv: timer slept >= 10 ms, nanosleep >= 5 ms\n");
}

static void check_console(void)
{
	static const char line[] = "guest-pv: console hypercall ok\n";
	static char big[BH_CONSOLE_MAX + 1];
	uint64_t end = map_end();

	fflush(stdout);
	GUEST_ASSERT_EQ(bh_console_write(line, sizeof(line) - 1), sizeof(line) - 1);
	GUEST_ASSERT_EQ(bh_console_write(line, 0), 0);
	GUEST_ASSERT_EQ(bh_hc2(BH_HC_CONSOLE_WRITE, end, 16), -BH_EFAULT);
	GUEST_ASSERT_EQ(bh_hc2(BH_HC_CONSOLE_WRITE, end - 8, 16), -BH_EFAULT);
	GUEST_ASSERT_EQ(bh_hc2(BH_HC_CONSOLE_WRITE, 1ull << 52, 1), -BH_EFAULT);
	GUEST_ASSERT_EQ(bh_hc2(BH_HC_CONSOLE_WRITE, UINT64_MAX - 7, 16), -BH_EFAULT);
	GUEST_ASSERT_EQ(bh_console_write(big, BH_CONSOLE_MAX + 1), -BH_E2BIG);
	GUEST_ASSERT_EQ(bh_console_write(big, SIZE_MAX), -BH_E2BIG);
	printf("guest-pv: console errors: outside -> EFAULT, too long -> E2BIG\n");
}

/* 40 lines of 120 bytes in one write(): more than BH_CONSOLE_MAX, so write() splits it,
 * inside line 35. A lost or repeated byte shows as a malformed line. */
#define CHUNK_LINES 40
#define CHUNK_LEN   120

static void check_chunked_write(void)
{
	static char buf[CHUNK_LINES * CHUNK_LEN];

	for (int i = 0; i < CHUNK_LINES; i++) {
		char *l = buf + i * CHUNK_LEN;

		memset(l, '.', CHUNK_LEN - 1);
		memcpy(l, "guest-pv: chunk 00/40 ", 22);
		l[16] = (char)('0' + (i + 1) / 10);
		l[17] = (char)('0' + (i + 1) % 10);
		l[CHUNK_LEN - 1] = '\n';
	}
	fflush(stdout);
	GUEST_ASSERT_EQ(write(1, buf, sizeof(buf)), sizeof(buf));
}

static void check_unknown_calls(void)
{
	GUEST_ASSERT_EQ(bh_hc0(BH_HC_COUNT), -BH_ENOSYS);
	GUEST_ASSERT_EQ(bh_hc0(0x1000), -BH_ENOSYS);
	GUEST_ASSERT_EQ(bh_hc0(UINT64_MAX), -BH_ENOSYS);
	GUEST_ASSERT_EQ(bh_hc0(1ull << 32 | BH_HC_YIELD), -BH_ENOSYS); /* RAX is 64 bits */
	GUEST_ASSERT_EQ(bh_yield(), 0);
	GUEST_ASSERT_EQ(bh_hc0(BH_HC_NULL), 0);
	long e0 = bh_hc0(BH_HC_VCPU_EXITS);
	GUEST_ASSERT(e0 > 0 && bh_hc0(BH_HC_VCPU_EXITS) > e0);
	printf("guest-pv: unknown hypercalls -> ENOSYS, null and exit-count diagnostics ok\n");
}

/* The ultravisor's calls, and the operator console's, fail for a guest and harm nothing:
 * plausible arguments (its own id, its info page, a length) all the same. */
static void check_privileged_calls(void)
{
	uint64_t page = bh_gpa(info);

	for (uint64_t nr = BH_HC_UV_BOOTINFO; nr <= BH_HC_CHAN_DEAD; nr++)
		GUEST_ASSERT_EQ(bh_hc4(nr, info->id, page, 64, 0), -BH_EPERM);
	GUEST_ASSERT_EQ(bh_hc2(BH_HC_CONSOLE_READ, page, 16), -BH_EPERM);
	printf("guest-pv: the ultravisor's and the console's calls -> EPERM\n");
}

static void check_libc_glue(void)
{
	struct stat st;
	struct timeval tv;
	char c;

	GUEST_ASSERT_EQ(isatty(1), 1);
	GUEST_ASSERT_EQ(fstat(1, &st), 0);
	GUEST_ASSERT(S_ISCHR(st.st_mode));
	GUEST_ASSERT_EQ(read(0, &c, 1), 0);
	GUEST_ASSERT(open("/x", O_RDONLY) == -1 && errno == ENOSYS);
	GUEST_ASSERT(lseek(1, 0, SEEK_SET) == -1 && errno == ESPIPE);
	GUEST_ASSERT(write(7, &c, 1) == -1 && errno == EBADF);
	GUEST_ASSERT_EQ(gettimeofday(&tv, NULL), 0);
	GUEST_ASSERT(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	GUEST_ASSERT(bh_gpa(sbrk(0)) >= info->heap_start && bh_gpa(sbrk(0)) <= info->heap_end);
	printf("guest-pv: libc glue ok\n");
}

void bh_secondary(unsigned vcpu)
{
	if (bh_time_ns() < 0 || regs_gpr_check() != 0)
		__atomic_fetch_add(&secondaries_bad, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&secondaries_in, 1, __ATOMIC_RELEASE);
	for (;;)
		bh_wait();
}

static void check_secondaries(void)
{
	uint32_t want = info->vcpu_count - 1;
	int64_t deadline = bh_time_ns() + 10000 * MSEC;

	while (__atomic_load_n(&secondaries_in, __ATOMIC_ACQUIRE) < want && bh_time_ns() < deadline)
		bh_yield();
	GUEST_ASSERT_EQ(__atomic_load_n(&secondaries_in, __ATOMIC_ACQUIRE), want);
	GUEST_ASSERT_EQ(__atomic_load_n(&secondaries_bad, __ATOMIC_RELAXED), 0);
	printf("guest-pv: %u secondary vCPUs checked in\n", want);
}

int main(int argc, char **argv)
{
	uint64_t status = 0;
	int rc;

	info = bh_info_page();
	rc = bh_arg_u64("exit", &status);
	GUEST_ASSERT(rc == 0 || rc == -BH_ENOENT);
	GUEST_ASSERT(status <= 255);
	GUEST_ASSERT(argc == 1 && !strncmp(argv[0], info->name, BH_NAME_MAX - 1));

	print_identity();
	print_memmap();
	check_cpuid();
	check_info_hypercall();
	check_malloc();
	compute();
	check_fp();
	check_regs();
	check_timer();
	check_console();
	check_chunked_write();
	check_unknown_calls();
	check_privileged_calls();
	check_libc_glue();
	check_secondaries();
	GUEST_ASSERT_EQ(disk_run(), 0);
	GUEST_ASSERT_EQ(net_run(), 0);
	GUEST_DONE_EXIT((int)status);
}
