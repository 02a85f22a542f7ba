/* SPDX-License-Identifier: MIT */
/* platform.c - platform.h in the I/O partition: hypercalls, the identity alias for DMA,
 * the runtime's heap, and the partition's log. */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/hypercall.h>
#include "iopart.h"
#include "platform.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define PAGE 4096u

static uint32_t kept; /* events plat_wait_device() took that the main loop wants */

uint32_t plat_take_events(void)
{
	uint32_t ev = kept;

	kept = 0;
	return ev;
}

uint32_t plat_pci_read(uint16_t bdf, unsigned off, unsigned width)
{
	long r = bh_hc5(BH_HC_PCI_CONFIG, bdf, off, width, 0, 0);

	return r < 0 ? ~0u : (uint32_t)r;
}

int plat_pci_write(uint16_t bdf, unsigned off, unsigned width, uint32_t v)
{
	return (int)bh_hc5(BH_HC_PCI_CONFIG, bdf, off, width, 1, v);
}

_Static_assert(PLAT_MSIX_PROGRAM == BH_PCI_MSI_PROGRAM && PLAT_MSIX_MASK == BH_PCI_MSI_MASK &&
	       PLAT_MSIX_UNMASK == BH_PCI_MSI_UNMASK, "platform.h mirrors hypercall.h");

int plat_pci_msix(uint16_t bdf, unsigned entry, unsigned op)
{
	return (int)bh_hc3(BH_HC_PCI_MSI, bdf, entry, op);
}

volatile void *plat_mmio(uint64_t bar_addr, uint64_t size)
{
	if (!size || bar_addr + size < bar_addr || bar_addr + size > BH_START_MAP_MAX)
		return NULL;
	return (volatile void *)(uintptr_t)bar_addr;
}

/* With an IOMMU (BH_INFO_DMA_GPA) RAM and channels as they are: IOVA = GPA. Without, RAM
 * through the identity alias, a channel mapped at GPA = HPA as it is. */
uint64_t plat_dma_addr(const void *p, size_t len)
{
	const struct bh_partition_info *info = bh_info_page();
	uintptr_t a = (uintptr_t)p;

	if (a + len < a)
		return 0;
	for (uint32_t i = 0; info->dma_flags & BH_INFO_DMA_GPA && i < info->mem_count &&
	     i < BH_INFO_MEM_MAX; i++) {
		const struct bh_mem_region *m = &info->mem[i];
		if ((m->kind & 0xff) <= BH_MEM_KIND_CHANNEL && m->flags & BH_MEM_W &&
		    a >= m->gpa && a + len <= m->gpa + m->size)
			return a;
	}
	if (info->dma_flags & BH_INFO_DMA_GPA)
		return 0;
	if (info->ident_base && a + len <= info->ident_size)
		return info->ident_base + a;
	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++) {
		const struct bh_mem_region *m = &info->mem[i];
		if (m->flags & BH_MEM_IDENT && a >= m->gpa && a + len <= m->gpa + m->size)
			return a;
	}
	return 0;
}

void *plat_dma_alloc(size_t bytes, uint64_t *dma_addr)
{
	size_t len = (bytes + PAGE - 1) & ~(size_t)(PAGE - 1);
	void *p = len ? memalign(PAGE, len) : NULL;

	if (!p || !(*dma_addr = plat_dma_addr(p, len))) {
		free(p);
		return NULL;
	}
	memset(p, 0, len);
	return p;
}

int plat_wait_device(uint64_t deadline_ns)
{
	for (;;) {
		if (kept & BH_EVENT_DEVICE) {
			kept &= ~BH_EVENT_DEVICE;
			return 1;
		}
		if ((uint64_t)bh_time_ns() >= deadline_ns)
			return 0;
		bh_timer_set(deadline_ns);
		kept |= (uint32_t)bh_wait() | BH_EVENT_TIMER; /* our timer replaced the loop's */
	}
}

uint64_t plat_time_ns(void)
{
	return (uint64_t)bh_time_ns();
}

void plat_log(const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	iopart_log("%s", line);
}
