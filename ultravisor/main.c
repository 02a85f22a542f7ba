/* SPDX-License-Identifier: MIT */
/* main.c - the ultravisor partition. Started first by the monitor, from bulkhead.elf, with
 * every boot module mapped read-only (uvcall.h). It validates the config blob with the
 * shared validator, builds the resource database, claims the memory pool, moves into the
 * memory the database gives it, starts the operations and command partitions (and, when no
 * command partition runs, the rest of the boot intent), and then serves: the monitor's
 * reports of partitions that ended, and transactions on the command channel. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/uvcall.h>
#include "cmdchan.h"
#include "config/validate.h"
#include "db.h"
#include "loader.h"
#include "machine.h"
#include "rt/console.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

/* Its RAM and its channels (just above) stay inside the first GiB it maps (map_first_gib). */
#define UV_MEM_MAX 0x20000000ull

static struct db db;
static struct bh_uv_bootinfo bootinfo;

static void report(void *ctx, const struct cfg_error *e)
{
	char line[CFG_FIELD_MAX + CFG_MSG_MAX + 32];

	cfg_format_error(line, sizeof(line), e);
	printf("ultravisor: config: %s\n", line);
	(*(unsigned *)ctx)++;
}

/* The blob, validated, as the database. → the ultravisor's own entry, or NULL (said why). */
static const struct db_part *database(void)
{
	static char err[256];
	const struct bh_uv_module *m = machine_module("config");
	const struct db_part *self = NULL;
	unsigned errors = 0;

	if (!m) {
		printf("ultravisor: no boot module named \"config\": nothing to run\n");
		return NULL;
	}
	printf("ultravisor: config blob %llu bytes, read-only at %#llx\n",
	       (unsigned long long)m->size, (unsigned long long)m->gpa);
	if (cfg_validate((const void *)(uintptr_t)m->gpa, m->size, report, &errors)) {
		printf("ultravisor: config refused with %u error(s): nothing started\n", errors);
		return NULL;
	}
	if (db_init_from_blob(&db, (const void *)(uintptr_t)m->gpa, m->size, err, sizeof(err))) {
		printf("ultravisor: database: %s\n", err);
		return NULL;
	}
	for (unsigned i = 0; i < DB_PARTS_MAX && !self; i++)
		if (db.st.parts[i].id && db.st.parts[i].kind == BH_CFG_KIND_ULTRAVISOR)
			self = &db.st.parts[i];
	if (!self)
		return NULL; /* the validator requires one; never here */
	if (self->vcpus != 1 || self->cpus[0] != 0 || self->memory < BH_UV_BOOT_MEM ||
	    self->memory > UV_MEM_MAX) {
		printf("ultravisor: config: partition %s: the ultravisor runs on one vCPU on CPU 0 "
		       "with %llu to %llu MiB of memory\n", self->name,
		       (unsigned long long)(BH_UV_BOOT_MEM >> 20),
		       (unsigned long long)(UV_MEM_MAX >> 20));
		return NULL;
	}
	db.st.iommu = loader_dma_by_gpa = bootinfo.flags & BH_UV_BOOT_IOMMU;
	db_set_pci(&db, bootinfo.pci, bootinfo.pci_count < BH_UV_PCI_MAX ? bootinfo.pci_count :
								       BH_UV_PCI_MAX);
	for (uint32_t d = 0; d < db.st.device_count; d++) {
		const struct db_device *dev = &db.st.devices[d];
		uint16_t bdf = dev->cfg.pci_bdf;

		if (dev->cfg.bus == BH_CFG_BUS_PCI)
			printf("ultravisor: device %s: PCI %02x:%02x.%x %s\n", dev->cfg.name, bdf >> 8,
			       bdf >> 3 & 31, bdf & 7, dev->pci_found ? "found" :
			       "not on this machine: its owner runs without it");
	}
	printf("ultravisor: database generation %llu, pool %llu MiB, %llu MiB free\n",
	       (unsigned long long)db.st.generation, (unsigned long long)(db.st.pool_total >> 20),
	       (unsigned long long)(db.st.pool_free >> 20));
	return self;
}

/* The pool to the monitor, then the ultravisor into its own RAM from the pool. */
static int take_the_machine(const struct db_part *self)
{
	static struct bh_uv_range pool[BH_UV_POOL_MAX];
	static struct bh_view v;
	int r;

	for (uint32_t i = 0; i < db.st.pool_count; i++)
		pool[i] = (struct bh_uv_range){ db.st.pool[i].base, db.st.pool[i].size };
	if ((r = (int)bh_hc2(BH_HC_UV_POOL, bh_gpa(pool), db.st.pool_count))) {
		printf("ultravisor: the monitor refused the memory pool (error %d): see its log\n", r);
		return r;
	}
	db_view(&db, self->id, &v);
	for (uint32_t i = 0; i < bootinfo.module_count; i++) {
		if (v.region_count == BH_VIEW_REGIONS_MAX) {
			printf("ultravisor: too many boot modules for one view\n");
			return -BH_E2BIG;
		}
		v.regions[v.region_count++] = (struct bh_view_region){
			.gpa = bootinfo.modules[i].gpa, .hpa = bootinfo.modules[i].hpa,
			.size = (bootinfo.modules[i].size + 0xfff) & ~0xfffull,
			.kind = BH_VIEW_MODULE, .flags = BH_VIEW_R };
		if (!v.regions[v.region_count - 1].size)
			v.regions[v.region_count - 1].size = 0x1000;
	}
	if ((r = (int)bh_hc3(BH_HC_VIEW_PUBLISH, bh_gpa(&v), sizeof(v), BH_UV_PUBLISH_SELF))) {
		printf("ultravisor: the monitor refused to move the ultravisor (error %d)\n", r);
		return r;
	}
	return 0;
}

/* The start-state page tables map the bootstrap RAM; the ultravisor's channels lie above
 * its RAM: map the first GiB VA = GPA with 2 MiB pages wherever nothing is mapped yet. */
static void map_first_gib(void)
{
	uint64_t cr3, *pml4, *pdpt, *pd;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
	pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0x000ffffffffff000ull);
	pd = (uint64_t *)(uintptr_t)(pdpt[0] & 0x000ffffffffff000ull);
	for (uint64_t i = 1; i < 512; i++)
		if (!(pd[i] & 1))
			pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB */
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

/* Until it moved, the ultravisor had no channel mapped: its console was the monitor's
 * hypercall. Now its console channel to an I/O partition is there (lib/rt/console.h). */
static void console_open(const struct db_part *self)
{
	for (unsigned i = 0; i < DB_CHANS_MAX; i++) {
		const struct db_chan *c = &db.st.chans[i];
		int r;

		if (!c->id || c->client != self->id || c->type != BH_CFG_CHAN_CONSOLE)
			continue;
		if ((r = bh_console_attach((void *)(uintptr_t)c->client_gpa, c->size, c->id)))
			printf("ultravisor: console channel %s: not used (error %d)\n", c->name, r);
		else
			printf("ultravisor: console on channel %s from now on\n", c->name);
		return;
	}
}

static void start(const struct db_part *p)
{
	printf("ultravisor: boot: start %s\n", p->name);
	machine_event(&db, p->id, UV_OP_START);
	machine_sync(&db);
}

/* ARCHITECTURE.md, Boot: the ultravisor starts the operations and command partitions; the
 * command partition applies the rest of the boot intent. Without a command partition that
 * runs (no image), the ultravisor does that too: every loaded partition, I/O partitions
 * first, one transaction each. */
static void boot_intent(void)
{
	const struct db_part *command = NULL;

	for (int kind = BH_CFG_KIND_OPSPOLICY; kind >= BH_CFG_KIND_COMMAND; kind--)
		for (unsigned i = 0; i < DB_PARTS_MAX; i++) {
			const struct db_part *p = &db.st.parts[i];
			if (p->id && p->kind == (uint32_t)kind && p->state == UV_STATE_LOADED)
				start(p);
			if (p->id && p->kind == BH_CFG_KIND_COMMAND && p->state == UV_STATE_RUNNING)
				command = p;
		}
	if (command) {
		printf("ultravisor: boot: %s applies the rest of the boot intent\n", command->name);
		return;
	}
	printf("ultravisor: boot: no command partition runs: the ultravisor starts the rest\n");
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < DB_PARTS_MAX; i++) {
			const struct db_part *p = &db.st.parts[i];
			if (p->id && p->state == UV_STATE_LOADED &&
			    (p->kind == BH_CFG_KIND_IOPART) == (pass == 0))
				start(p);
		}
}

static void partitions_ended(void)
{
	static struct bh_uv_event ev[BH_UV_EVENTS_MAX];
	long n;

	while ((n = bh_hc2(BH_HC_PART_EVENTS, bh_gpa(ev), BH_UV_EVENTS_MAX)) > 0) {
		for (long i = 0; i < n; i++)
			machine_ended(&db, &ev[i]);
		machine_sync(&db);
	}
}

int main(void)
{
	const struct db_part *self;
	long n = bh_hc2(BH_HC_UV_BOOTINFO, bh_gpa(&bootinfo), sizeof(bootinfo));

	if (n != (long)sizeof(bootinfo)) {
		printf("ultravisor: the monitor gives no boot information (%ld): not privileged?\n",
		       n);
		return 1;
	}
	machine_init(&bootinfo, 0);
	if (!(self = database()))
		return 2;
	if (take_the_machine(self))
		return 3;
	map_first_gib();
	console_open(self);
	printf("ultravisor: running in its own memory from the pool: partition id %u, %llu MiB\n",
	       self->id, (unsigned long long)(self->memory >> 20));
	machine_init(&bootinfo, self->id);
	cmdchan_open(&db, self->id);
	machine_sync(&db);
	boot_intent();
	printf("ultravisor: ready, generation %llu\n", (unsigned long long)db.st.generation);
	for (;;) {
		partitions_ended();
		if (cmdchan_serve(&db) == 0)
			bh_wait(); /* the monitor's events and the client's signals wake us */
		cmdchan_wait_done();
	}
}
