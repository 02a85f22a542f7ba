/* SPDX-License-Identifier: MIT */
/* platform.h - what the I/O partition's drivers (pci.c, nvme.c) need from their host.
 *
 * The partition implements it in iopart/platform.c over hypercalls; the unit tests
 * (tests/unit/test_nvme.c) implement it over a fake controller in host memory. Drivers
 * call nothing else: no hypercall, no newlib I/O, no global of the partition.
 *
 * Addresses. A driver sees three kinds:
 *   CPU pointer    what C dereferences (VA = GPA in the partition's start state);
 *   device address what a device is given for DMA: the host-physical address, reached in
 *                  the partition through the identity alias (bh_partition_info.ident_base:
 *                  device address = ident_base + GPA for GPA < ident_size);
 *   BAR address    a memory BAR as firmware programmed it (host-physical, mapped in the
 *                  partition at GPA = HPA, uncached).
 */
#ifndef IOPART_PLATFORM_H
#define IOPART_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/errno.h>

/* PCI configuration space of an assigned function (BH_HC_PCI_CONFIG). width is 1, 2 or 4
 * and off is aligned to it. Reads → the value, or ~0u on any error (not assigned, bad
 * offset): note ~0u is also what an absent function reads as, so callers check IDs. */
uint32_t plat_pci_read(uint16_t bdf, unsigned off, unsigned width);

/* → 0, or -BH_EPERM (not this partition's function, or bits the monitor does not let the
 * partition change), -BH_EINVAL. The monitor lets through only the command register's
 * memory-space, bus-master and INTx-disable bits and the MSI-X enable and function-mask
 * bits; drivers write whole registers read-modify-write, the other bits unchanged. */
int plat_pci_write(uint16_t bdf, unsigned off, unsigned width, uint32_t v);

/* BH_HC_PCI_MSI: the monitor writes MSI-X table entry `entry` of bdf, which the partition
 * may read but never write: PLAT_MSIX_PROGRAM the message the monitor chose (its
 * interrupts then wake plat_wait_device()), unmasked; PLAT_MSIX_MASK / _UNMASK the mask
 * bit only. → 0 or -BH_E*. */
#define PLAT_MSIX_PROGRAM 0
#define PLAT_MSIX_MASK    1
#define PLAT_MSIX_UNMASK  2
int plat_pci_msix(uint16_t bdf, unsigned entry, unsigned op);

/* CPU pointer to [bar_addr, bar_addr + size) of a memory BAR, or NULL when that range is
 * not mapped for this partition (outside the function's BARs as the monitor published
 * them, or above what the page tables map). In the partition: the identity (VA = GPA =
 * HPA) after a range check. Drivers access the result with volatile 32-bit loads and
 * stores only. */
volatile void *plat_mmio(uint64_t bar_addr, uint64_t size);

/* DMA memory: page aligned, zeroed, physically contiguous, never freed. → CPU pointer and,
 * in *dma_addr, the device address of its first byte; NULL when out of memory. */
void *plat_dma_alloc(size_t bytes, uint64_t *dma_addr);

/* Device address of CPU pointer p, valid for the len bytes from p (contiguous for the
 * device as they are for the CPU); 0 when [p, p + len) is not all DMA-able memory. In the
 * partition: ident_base + (uintptr_t)p when (uintptr_t)p + len <= ident_size. */
uint64_t plat_dma_addr(const void *p, size_t len);

/* Sleeps until BH_EVENT_DEVICE or until plat_time_ns() >= deadline_ns, whichever is
 * first; other events that arrive meanwhile are kept for the partition's main loop.
 * → 1 on a device interrupt (possibly one latched before the call), 0 at the deadline.
 * Spurious returns are allowed: drivers look at their queues after every return. */
int plat_wait_device(uint64_t deadline_ns);

/* Monotonic nanoseconds (bh_time_ns()). */
uint64_t plat_time_ns(void);

/* One log line; no trailing newline in fmt. */
void plat_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
