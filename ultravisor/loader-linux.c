/* SPDX-License-Identifier: MIT */
/* loader-linux.c - a linux partition's memory made ready to start, through the load window:
 * its RAM, kernel, boot structures and initramfs (linux-boot.c, layout in linux-boot.h),
 * then the start-state page tables (loader.c). */
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "linux-boot.h"
#include "loader.h"
#include "rt/hypercall.h"

static int window_copy(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
	return (int)bh_hc4(BH_HC_PART_LOAD, *(const uint32_t *)ctx, gpa, bh_gpa(src), len);
}

static int window_zero(void *ctx, uint64_t gpa, uint64_t len)
{
	return (int)bh_hc4(BH_HC_PART_LOAD, *(const uint32_t *)ctx, gpa, 0, len);
}

int load_linux(const struct bh_view *v, const void *kernel, size_t kernel_len,
	       const void *initrd, size_t initrd_len, const char *cmdline, uint64_t tsc_hz,
	       struct load_result *out, char *err, size_t errlen)
{
	uint32_t id = v->partition_id;
	const struct elf_sink window = { .ctx = &id, .copy = window_copy, .zero = window_zero };
	struct linux_boot b = {
		.vcpus = v->vcpu_count, .kernel = kernel, .kernel_len = kernel_len,
		.initrd = initrd, .initrd_len = initrd_len, .cmdline = cmdline, .tsc_hz = tsc_hz,
	};
	struct linux_plan p;
	uint64_t top;
	int r;

	b.ram = loader_view_extent(v, &top);
	for (unsigned i = 0; i < v->region_count; i++) /* the BAR pages are not RAM to it */
		if (v->regions[i].flags & BH_VIEW_BAR && v->regions[i].size < b.ram)
			b.ram -= v->regions[i].size;
	if ((r = linux_load(&b, &window, &p, err, errlen)) ||
	    (r = loader_put_tables(v, top, err, errlen)))
		return r;
	out->entry = p.entry;
	out->stack_top = LINUX_ZERO_PAGE_GPA; /* startup_64 sets its own stack first */
	out->boot_arg = LINUX_ZERO_PAGE_GPA;
	return 0;
}
