/* SPDX-License-Identifier: MIT */
/* start.c - C side of partition start (contract in rt.h): runtime set-up, main, secondaries. */
#include <stdlib.h>
#include <string.h>
#include "rt/console.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

_Noreturn void bh_rt_start(const struct bh_partition_info *info, unsigned vcpu);
int main(int argc, char **argv);
void __libc_init_array(void);
void _init(void);
void _fini(void);

extern char __image_end[]; /* partition.ld */

static const struct bh_partition_info *info_page;
static char argv0[BH_NAME_MAX];
static char *argv_main[] = { argv0, NULL };

/* In .data, not .bss: vCPU 0 clears .bss while the other vCPUs poll this. */
static uint32_t rt_ready __attribute__((section(".data"))) = 0;

const struct bh_partition_info *bh_info_page(void)
{
	return info_page;
}

__attribute__((weak)) void bh_secondary(unsigned vcpu)
{
	for (;;)
		bh_wait();
}

/* newlib's __libc_init_array() and __libc_fini_array() call these; .init/.fini are unused. */
void _init(void)
{
}

void _fini(void)
{
}

_Noreturn static void rt_die(const char *msg)
{
	bh_console_write(msg, strlen(msg));
	bh_exit(127);
}

/* The monitor is trusted, but a mismatch here means a wrong image or ABI: stop loudly. */
static void rt_check_info(const struct bh_partition_info *info)
{
	uintptr_t image_end = (uintptr_t)__image_end;

	if (info->magic != BH_INFO_MAGIC || info->abi_version != BH_ABI_VERSION)
		rt_die("rt: info page has a bad magic or ABI version\n");
	if (info->heap_start < image_end || info->heap_end < info->heap_start)
		rt_die("rt: heap in the info page overlaps the image or is inverted\n");
}

_Noreturn void bh_rt_start(const struct bh_partition_info *info, unsigned vcpu)
{
	if (vcpu != 0) {
		while (!__atomic_load_n(&rt_ready, __ATOMIC_ACQUIRE))
			bh_yield();
		bh_secondary(vcpu);
		for (;;)
			bh_wait();
	}
	bh_hc_detect();
	rt_check_info(info);
	info_page = info;
	memcpy(argv0, info->name, sizeof(argv0) - 1);
	bh_rt_heap_init(info->heap_start, info->heap_end);
	bh_rt_sec_lo = info->heap_end; /* the other vCPUs' stacks: partition.h */
	bh_rt_sec_len = info->vcpu_count > 1 ? (info->vcpu_count - 1) * BH_STACK_SIZE : 0;
	bh_console_init(info); /* stdout and stderr: the console channel, if there is one */
	__atomic_store_n(&rt_ready, 1, __ATOMIC_RELEASE);
	__libc_init_array();
	exit(main(1, argv_main));
}
