/* SPDX-License-Identifier: MIT */
/* main.c - the boot sequence: from the loader's information to every CPU online. */
#define pr_fmt(fmt) "boot: " fmt
#include <string.h>
#include "acpi.h"
#include "pci.h"
#include "iommu/iommu.h"
#include "bootpart.h"
#include "clock.h"
#include "cmdline.h"
#include "cpu.h"
#include "enforce.h"
#include "modspec.h"
#include "log.h"
#include "main.h"
#include "mb2.h"
#include "memmap.h"
#include "paging.h"
#include "part.h"
#include "sched.h"
#include "palloc.h"
#include "percpu.h"
#include "pic.h"
#include "serial.h"
#include "smp.h"
#include "stop.h"
#include "testhook.h"
#include "timer.h"
#include "trap.h"
#include "uvcall.h"
#include "x86.h"

extern const char __image_start[], __image_end[];
extern char boot_stack[];

static struct bh_bootinfo bootinfo;

static void log_bootinfo(const struct bh_bootinfo *bi)
{
	pr_info("loader \"%s\", command line \"%s\"", bi->loader, bi->cmdline);
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		pr_info("mem [0x%012lx-0x%012lx) type %u", bi->mmap[i].base,
			bi->mmap[i].base + bi->mmap[i].len, bi->mmap[i].type);
	for (uint32_t i = 0; i < bi->module_count; i++)
		pr_info("module %u [%#lx-%#lx) \"%s\"", i, bi->modules[i].start,
			bi->modules[i].end, bi->modules[i].name);
}

static void memory_init(const struct bh_bootinfo *bi, uint64_t trampoline)
{
	const struct frame_range reserved[] = {
		{ (uint64_t)__image_start, (uint64_t)__image_end },
		{ trampoline, trampoline + FRAME_SIZE },
	};

	if (palloc_init(bi, reserved, sizeof(reserved) / sizeof(reserved[0]))) {
		pr_err("memory map has too many holes for the frame pool");
		machine_stop(STOP_BAD_BOOT);
	}
	if (paging_init(bi, cpus[0].feat.pages_1g)) {
		pr_err("cannot build the direct map");
		machine_stop(STOP_BAD_BOOT);
	}
	pr_info("frame pool %lu KiB free", palloc_free_bytes() >> 10);
}

#define PAGE_DOWN(x) ((x) & ~0xfffull)
#define PAGE_UP(x)   PAGE_DOWN((x) + 0xfff)

static bool shares_page(const struct bh_bootinfo *bi, uint32_t i)
{
	uint64_t b = PAGE_DOWN(bi->modules[i].start), e = PAGE_UP(bi->modules[i].end);

	if (bi->info_start < e && b < bi->info_end)
		return true;
	for (uint32_t j = 0; j < bi->module_count; j++)
		if (j != i && PAGE_DOWN(bi->modules[j].start) < e && b < PAGE_UP(bi->modules[j].end))
			return true;
	return false;
}

/* A module may be mapped read-only into a partition, whole pages: one that shares a page
 * with the boot information or another module moves to pages of its own first. */
static void modules_isolate(struct bh_bootinfo *bi)
{
	for (uint32_t i = 0; i < bi->module_count; i++) {
		struct bh_module *m = &bi->modules[i];
		uint64_t len = m->end - m->start, copy;
		if (!shares_page(bi, i))
			continue;
		if (!(copy = palloc(PAGE_UP(len) / FRAME_SIZE + !len, 0, 0))) {
			pr_warn("module %u \"%s\" shares a page and cannot be moved: never mapped", i,
				m->name);
			continue;
		}
		memcpy((void *)copy, (const void *)m->start, len);
		pr_info("module %u \"%s\" moved to [%#lx-%#lx): it shared a page", i, m->name,
			copy, copy + len);
		m->start = copy;
		m->end = copy + len;
	}
}

static void cpus_init(const struct bh_bootinfo *bi, uint64_t trampoline)
{
	static uint32_t apic_ids[MAX_CPUS];
	unsigned n = acpi_cpus(bi, apic_ids, MAX_CPUS);

	if (!n)
		pr_warn("no usable MADT: running on the boot CPU only");
	smp_park_aps();
	if (timer_calibrate())
		machine_stop(STOP_BAD_BOOT);
	clock_init();
	if (n > 1 && !trampoline)
		pr_err("no free page below 640 KiB for the AP trampoline: APs stay off");
	else if (n > 1)
		smp_boot(trampoline, apic_ids, n);
}

const struct vendor_ops *vendor;
volatile bool sched_started;

static bool is_partition_module(const struct bh_module *m)
{
	return !strncmp(m->name, "partition", 9) && (m->name[9] == ' ' || !m->name[9]);
}

/* Start the ultravisor when there is a config blob (it starts everything else), or else
 * the partitions the boot modules name (the test harness); then run them on this CPU too.
 * Returns only when there is nothing to run (0) or it cannot be run (-1, said why). */
static int partitions_start(const struct bh_bootinfo *bi)
{
	bool blob = uv_wanted(bi);
	unsigned wanted = 0;

	for (uint32_t i = 0; i < bi->module_count && !blob; i++)
		wanted += is_partition_module(&bi->modules[i]);
	if (!wanted && !blob)
		return 0;
	vendor = cpus[0].feat.virt == VIRT_VMX ? &vmx_ops :
		 cpus[0].feat.virt == VIRT_SVM ? &svm_ops : NULL;
	if (!vendor) {
		pr_err("no monitor backend for %s on this machine (no VMX or SVM, or hidden by the "
		       "firmware or a hypervisor below): partitions not started",
		       virt_name(cpus[0].feat.virt));
		return -1;
	}
	if (vendor->cpu_enable() || (blob && uv_start(bi)))
		return -1;
	for (uint32_t i = 0; i < bi->module_count && !blob; i++)
		if (is_partition_module(&bi->modules[i]))
			part_create_from_module(&bi->modules[i]);
	__atomic_store_n(&sched_started, true, __ATOMIC_RELEASE);
	for (unsigned c = 1; c < cpu_count; c++)
		sched_kick(c);
	sched_loop();
}

/* The common entry of every boot path: bi is complete and normalized. */
__attribute__((noreturn)) void monitor_main(struct bh_bootinfo *bi)
{
	uint64_t trampoline = frame_pick_trampoline(bi);

	cmdline_init(bi->cmdline);
	log_bootinfo(bi);
	testhook_early(bi);
	cpufeat_detect(&cpus[0].feat);
	memory_init(bi, trampoline);
	modules_isolate(bi);
	enforce_init(bi);
	pci_init();
	modspec_init(bi);
	cpus[0].stack_top = (uint64_t)boot_stack + STACK_SIZE;
	if (cpu_alloc_stacks(&cpus[0]))
		machine_stop(STOP_BAD_BOOT);
	cpu_start(&cpus[0]);
	cpus_init(bi, trampoline);
	iommu_init(bi); /* before any partition: every function blocked */
	log_raw(LOG_NOTICE, "bulkhead: %u cpus online, %s, %lu MiB RAM", cpu_count,
		virt_name(cpus[0].feat.virt), memmap_ram_bytes(bi) >> 20);
	testhook_late();
	if (partitions_start(bi) && cmdline_test()[0])
		machine_stop(STOP_BAD_BOOT); /* a test sees the reason and a status, not a hang */
	cpu_halt_forever();
}

void boot_early(void)
{
	serial_init(COM1);
	serial_init(COM2);
	serial_write(COM1, "\n", 1); /* never glued to the loader's last output */
	serial_write(COM2, "\n", 1);
	pic_disable();
	idt_init();
	percpu_load(&cpus[0]);
	pr_info("bulkhead monitor starting");
}

/* Called by boot/multiboot2.asm in 64-bit mode on the boot stack. */
__attribute__((noreturn)) void boot_mb2(uint32_t magic, uint64_t mbi)
{
	char err[160];

	boot_early();
	if (magic != MB2_BOOTLOADER_MAGIC) {
		pr_err("not started by a Multiboot2 loader (EAX %#x)", magic);
		machine_stop(STOP_BAD_BOOT);
	}
	if (mb2_parse((const void *)mbi, mbi, &bootinfo, err, sizeof(err))) {
		pr_err("%s", err);
		machine_stop(STOP_BAD_BOOT);
	}
	monitor_main(&bootinfo);
}
