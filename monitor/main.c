/* SPDX-License-Identifier: MIT */
/* main.c - the boot sequence: from the loader's information to every CPU online. */
#define pr_fmt(fmt) "boot: " fmt
#include <string.h>
#include "acpi.h"
#include "cmdline.h"
#include "cpu.h"
#include "log.h"
#include "mb2.h"
#include "memmap.h"
#include "paging.h"
#include "palloc.h"
#include "percpu.h"
#include "serial.h"
#include "smp.h"
#include "stop.h"
#include "testhook.h"
#include "timer.h"
#include "trap.h"
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

static void cpus_init(const struct bh_bootinfo *bi, uint64_t trampoline)
{
	static uint32_t apic_ids[MAX_CPUS];
	unsigned n = acpi_cpus(bi, apic_ids, MAX_CPUS);

	if (!n)
		pr_warn("no usable MADT: running on the boot CPU only");
	if (timer_calibrate())
		machine_stop(STOP_BAD_BOOT);
	if (n > 1 && !trampoline)
		pr_err("no free page below 640 KiB for the AP trampoline: APs stay off");
	else if (n > 1)
		smp_boot(trampoline, apic_ids, n);
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
	cpus[0].stack_top = (uint64_t)boot_stack + STACK_SIZE;
	if (cpu_alloc_stacks(&cpus[0]))
		machine_stop(STOP_BAD_BOOT);
	cpu_start(&cpus[0]);
	cpus_init(bi, trampoline);
	log_raw(LOG_NOTICE, "bulkhead: %u cpus online, %s, %lu MiB RAM", cpu_count,
		virt_name(cpus[0].feat.virt), memmap_ram_bytes(bi) >> 20);
	testhook_late();
	cpu_halt_forever();
}

/* Called by boot/multiboot2.asm in 64-bit mode on the boot stack. */
__attribute__((noreturn)) void boot_mb2(uint32_t magic, uint64_t mbi)
{
	char err[160];

	serial_init(COM1);
	serial_init(COM2);
	idt_init();
	percpu_load(&cpus[0]);
	pr_info("bulkhead monitor starting");
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
