/* SPDX-License-Identifier: MIT */
/* msix-attack.c - a test hook (`msix-attack=1`): the I/O partition turns hostile against its
 * own NVMe function's MSI-X table and reports what the monitor let through
 * (tests/system/test_iopart.py, test_msix_table_is_not_the_partitions).
 *
 *   0. Configuration space abuse: a BAR moved, an offset past the end, a width of 3, an
 *      unknown write flag, another function's space, 1000 refused writes; answers printed.
 *   1. BH_HC_PCI_MSI with hostile arguments: another function, an entry past the table,
 *      an unknown operation; each answer is printed.
 *   2. Entry 0 as the monitor programmed it, read back through the (read-only) table.
 *   3. A direct write of one forged message into entry 0, the next of four each run (the
 *      run count is kept in the disk's last sector, so the restart rule's runs go through
 *      them all): vector 0x30 broadcast, NMI, INIT, another function's vector. The store
 *      must fault and end this partition; a line after it means the table was writable. */
#include <stdint.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "iopart.h"
#include "msix-attack.h"
#include "nvme.h"
#include "platform.h"
#include "rt/hypercall.h"

/* Forged messages (SDM vol 3, 11.11.1-2): address 0xFEE00000 | destination << 12; data
 * delivery mode << 8 | vector. */
static const struct { const char *what; uint32_t addr, data; } forged[] = {
	{ "vector 0x30 broadcast", 0xfeeff000u, 0x0030 },
	{ "NMI", 0xfee00000u, 4u << 8 },
	{ "INIT", 0xfee00000u, 5u << 8 },
	{ "another function's vector", 0xfee00000u, 0x0041 },
};

#define RUNS_MAGIC 0x5853494du /* "MSIX" */

/* This run's number: the disk's last sector counts the runs (0 on a fresh disk). */
static unsigned next_run(struct nvme *n)
{
	uint64_t dma, last = nvme_info(n)->sectors - 1;
	uint32_t *s = plat_dma_alloc(4096, &dma);
	unsigned run;

	if (!s || nvme_read(n, last, 1, s))
		return 0;
	run = s[0] == RUNS_MAGIC ? s[1] : 0;
	s[0] = RUNS_MAGIC;
	s[1] = run + 1;
	if (nvme_write(n, last, 1, s) || nvme_flush(n))
		iopart_log("msix-attack: could not count this run on the disk");
	return run;
}

void msix_attack(struct nvme *n, const struct pci_dev *d)
{
	uint16_t other = d->bdf ^ 0x08; /* the next device number: not this partition's */
	unsigned run = next_run(n), v = run % (sizeof(forged) / sizeof(forged[0]));
	volatile uint32_t *e;

	/* configuration space abuse: a BAR moved, past the end, a width of 3, write = 2,
	 * another function's space; then 1000 refused writes, which the monitor's log must
	 * show only in part */
	long bar = bh_hc5(BH_HC_PCI_CONFIG, d->bdf, 0x10, 4, 1, 0xdead0000);
	long end = bh_hc4(BH_HC_PCI_CONFIG, d->bdf, 0xff, 2, 0);
	long w3 = bh_hc4(BH_HC_PCI_CONFIG, d->bdf, 0, 3, 0);
	long wr2 = bh_hc4(BH_HC_PCI_CONFIG, d->bdf, 0, 4, 2);
	long oth = bh_hc4(BH_HC_PCI_CONFIG, other, 0, 4, 0);
	unsigned flood = 0;
	for (unsigned i = 0; i < 1000; i++)
		flood += bh_hc5(BH_HC_PCI_CONFIG, d->bdf, 0x3c, 1, 1, 0xff) == -BH_EPERM;
	iopart_log("msix-attack: config: BAR write %ld, past the end %ld, width 3 %ld, "
		   "write 2 %ld, other function %ld; %u of 1000 refused writes refused", bar, end,
		   w3, wr2, oth, flood);
	iopart_log("msix-attack: other function: %ld, entry past the table: %ld, unknown op: %ld",
		   bh_hc3(BH_HC_PCI_MSI, other, 0, BH_PCI_MSI_PROGRAM),
		   bh_hc3(BH_HC_PCI_MSI, d->bdf, d->msix_size, BH_PCI_MSI_PROGRAM),
		   bh_hc3(BH_HC_PCI_MSI, d->bdf, 0, 7));
	e = plat_mmio(d->bar[d->msix_table_bir] + d->msix_table_off, 16);
	if (!d->msix_cap || !e) {
		iopart_log("msix-attack: no MSI-X table to attack");
		return;
	}
	iopart_log("msix-attack: entry 0 reads address %#x upper %#x data %#x control %#x", e[0],
		   e[1], e[2], e[3]);
	iopart_log("msix-attack: run %u: writing entry 0 directly: %s", run, forged[v].what);
	e[2] = forged[v].data;
	e[0] = forged[v].addr;
	iopart_log("msix-attack: the table took the write: entry 0 reads address %#x data %#x",
		   e[0], e[2]);
}
