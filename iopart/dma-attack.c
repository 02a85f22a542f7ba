/* SPDX-License-Identifier: MIT */
/* dma-attack.c - test only (tests/system/test_iommu.py): a hostile I/O partition aims its
 * NVMe controller's DMA at memory that is not its own, by bus address:
 *
 *   dma-victim=<addr>   WRITE 8 sectors from it (another partition's canary page) to
 *                       DMA_LEAK_LBA + 8 * round, then READ 8 sectors from DMA_ATTACK_LBA
 *                       over it
 *   dma-monitor=<addr>  READ 8 sectors from DMA_ATTACK_LBA over it (monitor memory)
 *   dma-msi=1           READ 1 sector from DMA_MSI_LBA to 0xfee00000 (the MSI window)
 *   dma-at=<ms>         not before the monitor's clock reads this (the victim is ready)
 *   dma-rounds=<n>      all of the above n times (1), dma-period-ms=<ms> apart (250): a
 *                       victim that starts late is still hit after it set its canary
 *   dma-exit=1          end the partition after the shots (its function is then blocked)
 *
 * The controller reports success whatever the IOMMU did: the statuses are logged, never
 * evidence. The oracles are the victim's bytes, the monitor's, the disk and the fault log. */
#include <stdlib.h>
#include <bulkhead/errno.h>
#include "iopart.h"
#include "nvme.h"
#include "rt/hypercall.h"
#include "rt/rt.h"
#include "dma-attack.h"

#define DMA_ATTACK_LBA 2048 /* the test fills 8 sectors here with its overwrite pattern */
#define DMA_LEAK_LBA   4096 /* where the victim's page would land */
#define DMA_MSI_LBA    2056 /* one sector of MSI data words */
#define MSI_WINDOW     0xfee00000ull

static void shot(const char *what, int r)
{
	iopart_log("dma-attack: %s: controller status %d (no evidence either way)", what, r);
}

static void sleep_until(uint64_t ns)
{
	while ((uint64_t)bh_time_ns() < ns) {
		bh_timer_set(ns);
		bh_wait();
	}
}

static void one_round(struct nvme *n, uint64_t victim, uint64_t monitor, uint64_t msi,
		      unsigned round)
{
	if (victim)
		shot("write of the victim's page to the disk",
		     nvme_write_dma(n, DMA_LEAK_LBA + 8 * round, 8, victim));
	if (victim)
		shot("read over the victim's page", nvme_read_dma(n, DMA_ATTACK_LBA, 8, victim));
	if (monitor)
		shot("read over monitor memory", nvme_read_dma(n, DMA_ATTACK_LBA, 8, monitor));
	if (msi)
		shot("read into the MSI window", nvme_read_dma(n, DMA_MSI_LBA, 1, MSI_WINDOW));
}

void dma_attack(struct nvme *n)
{
	uint64_t victim = 0, monitor = 0, msi = 0, at = 0, quit = 0, rounds = 1, period = 250;

	bh_arg_u64("dma-victim", &victim);
	bh_arg_u64("dma-monitor", &monitor);
	bh_arg_u64("dma-msi", &msi);
	bh_arg_u64("dma-at", &at);
	bh_arg_u64("dma-exit", &quit);
	bh_arg_u64("dma-rounds", &rounds);
	bh_arg_u64("dma-period-ms", &period);
	if ((!victim && !monitor && !msi) || !rounds || rounds > 64)
		return;
	for (unsigned i = 0; i < rounds; i++) {
		sleep_until((at + i * period) * 1000000);
		one_round(n, victim, monitor, msi, i);
	}
	iopart_log("dma-attack: done, %u round(s)", (unsigned)rounds);
	if (quit)
		exit(0);
}
