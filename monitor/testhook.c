/* SPDX-License-Identifier: MIT */
/* testhook.c - the test= words:
 *   boot      stop with status 0 once bring-up is done
 *   run       run the partitions, stop with status 0 when every one has ended, or when
 *             limit=<ms> (optional) has passed since they started; with storm=<ms>, every
 *             <ms> CPU 0 sends every CPU (itself too) an NMI and fixed IPIs on vectors no
 *             handler expects, as a hostile device's forged MSIs would (trap.c); with
 *             canary=<address> the monitor takes that page (outside the pool: above every
 *             partition's GPAs), fills it with a pattern and reports at the limit whether it
 *             changed: a device's DMA aimed at monitor memory (test_iommu.py) must not
 *             change it
 *   fault     write to an unmapped address after bring-up (#PF dump, status 3)
 *   dump-mbi  print the raw Multiboot2 information block in hex on COM2, then stop (status 0);
 *             tools/record-mbi.py turns it into a unit-test fixture */
#define pr_fmt(fmt) "test: " fmt
#include <string.h>
#include "clock.h"
#include "cmdline.h"
#include "lapic.h"
#include "log.h"
#include "percpu.h"
#include "palloc.h"
#include "stop.h"
#include "testhook.h"
#include "x86.h"

#define UNMAPPED_ADDRESS 0xdead0000000ull /* above any RAM of the test machines */

uint64_t test_deadline_tsc;
static uint64_t stop_at_tsc, storm_tsc, storm_next_tsc;
/* 17 (#AC) and 19 (#XM) land on exception gates; 0x30 and 0xa5 on no handler's vector. */
static const uint8_t storm_vectors[] = { 17, 19, 0x30, 0xa5 };
static volatile uint8_t *canary;

static uint8_t canary_byte(unsigned i)
{
	return (uint8_t)(0x5a ^ i ^ i >> 8);
}

static void dump_mbi(const struct bh_bootinfo *bi)
{
	const uint8_t *p = (const uint8_t *)bi->info_start;
	uint64_t len = bi->info_end - bi->info_start;

	log_raw(LOG_INFO, "mbi-dump begin %lu", len);
	for (uint64_t off = 0; off < len; off += 32) {
		char hex[65];
		unsigned n = len - off < 32 ? (unsigned)(len - off) : 32;
		for (unsigned i = 0; i < n; i++) {
			hex[2 * i] = "0123456789abcdef"[p[off + i] >> 4];
			hex[2 * i + 1] = "0123456789abcdef"[p[off + i] & 15];
		}
		hex[2 * n] = '\0';
		log_raw(LOG_INFO, "mbi-dump %06lx %s", off, hex);
	}
	log_raw(LOG_INFO, "mbi-dump end");
}

void testhook_early(const struct bh_bootinfo *bi)
{
	if (!strcmp(cmdline_test(), "dump-mbi") && bi->source == BH_BOOT_MULTIBOOT2) {
		dump_mbi(bi);
		machine_stop(STOP_OK);
	}
}

/* key=<ms> on the command line, 0 when absent. */
static uint64_t ms_arg(const char *key)
{
	char ms[16];
	uint64_t n = 0;

	if (cmdline_get(key, ms, sizeof(ms)))
		for (const char *c = ms; *c >= '0' && *c <= '9' && n < 1000000; c++)
			n = n * 10 + (uint64_t)(*c - '0');
	return n;
}

static void deadline_update(void)
{
	test_deadline_tsc = !storm_next_tsc || (stop_at_tsc && stop_at_tsc < storm_next_tsc) ?
				    stop_at_tsc : storm_next_tsc;
}

static void storm(void)
{
	for (unsigned c = 0; c < cpu_count; c++) {
		lapic_send_nmi(cpus[c].apic_id);
		for (unsigned i = 0; i < sizeof(storm_vectors); i++)
			lapic_send_ipi(cpus[c].apic_id, storm_vectors[i]);
	}
}

static void canary_take(void)
{
	char s[24];
	uint64_t pa = 0;

	if (!cmdline_get("canary", s, sizeof(s)))
		return;
	for (const char *c = s + (s[0] == '0' && s[1] == 'x' ? 2 : 0); *c; c++)
		pa = pa << 4 | (uint64_t)(*c <= '9' ? *c - '0' : (*c | 0x20) - 'a' + 10);
	if (pa & 0xfff || palloc_take(pa, 1)) {
		pr_err("canary=%s: not a free page of RAM", s);
		return;
	}
	canary = (volatile uint8_t *)pa;
	for (unsigned i = 0; i < 4096; i++)
		canary[i] = canary_byte(i);
}

void testhook_late(void)
{
	const char *t = cmdline_test();

	if (!t[0])
		return;
	pr_info("hook \"%s\"", t);
	if (!strcmp(t, "boot"))
		machine_stop(STOP_OK);
	if (!strcmp(t, "run")) {
		uint64_t limit = ms_arg("limit"), storm = ms_arg("storm");

		stop_at_tsc = limit ? clock_ns_to_deadline(clock_ns() + limit * 1000000) : 0;
		storm_tsc = storm ? clock_ns_to_tsc(storm * 1000000) : 0;
		storm_next_tsc = storm ? rdtsc() + storm_tsc : 0;
		deadline_update();
		canary_take();
		return;
	}
	if (!strcmp(t, "fault"))
		*(volatile uint64_t *)UNMAPPED_ADDRESS = 1;
	pr_err("unknown test hook \"%s\"", t);
	machine_stop(STOP_FAIL);
}

void testhook_tick(uint64_t now_tsc)
{
	if (stop_at_tsc && now_tsc >= stop_at_tsc) {
		unsigned bad = 0;
		for (unsigned i = 0; canary && i < 4096; i++)
			bad += canary[i] != canary_byte(i);
		if (canary)
			pr_notice("monitor canary at %#lx: %s (%u bytes changed)", (uint64_t)canary,
				  bad ? "overwritten" : "intact", bad);
		pr_notice("time limit reached");
		machine_stop(STOP_OK);
	}
	if (storm_next_tsc && now_tsc >= storm_next_tsc) {
		storm();
		storm_next_tsc = now_tsc + storm_tsc;
	}
	deadline_update();
}
