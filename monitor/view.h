/* SPDX-License-Identifier: MIT */
/* view.h - the monitor's containment checks on a view the ultravisor publishes
 * (include/bulkhead/view.h). Pure functions: no allocation, no global state, host-tested. */
#ifndef MONITOR_VIEW_H
#define MONITOR_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/uvcall.h>
#include <bulkhead/view.h>

struct view_range {
	uint64_t base, end; /* [base, end) host-physical */
};

/* A named host-physical MMIO range: [base, end). */
struct view_mmio {
	uint64_t base, end;
	const char *name; /* "the local APIC", "ECAM (MCFG)", ... for the refusal line */
};

/* What a view is checked against. */
struct view_world {
	const struct view_range *pool;     /* memory partitions may have */
	unsigned pool_count;
	const struct view_range *monitor;  /* memory no partition may ever see */
	unsigned monitor_count;
	const struct view_range *modules;  /* boot modules: only MODULE regions, read-only */
	unsigned module_count;
	const struct bh_view *const *others; /* the views of every other partition */
	unsigned other_count;
	unsigned cpu_count;
	const struct view_range *ram;      /* all usable RAM: never behind an MMIO region */
	unsigned ram_count;
	const struct view_range *ports;    /* I/O ports this machine's firmware names (ACPI PM,
					    * reset): kept like the fixed list of view.c */
	unsigned port_count;
	const struct bh_uv_pci *pci;       /* the PCI functions found at boot */
	unsigned pci_count;
	/* MMIO by allow-list: a view maps only BARs of the functions it holds and these
	 * platform ranges; the kept ranges (firmware-named: ECAM, IOMMUs, interrupt
	 * controllers, HPET) never, even inside a BAR; the reserved ones (the memory map's)
	 * only inside a BAR, they name the refusal otherwise. */
	const struct view_mmio *platform_mmio;
	unsigned platform_mmio_count;
	const struct view_mmio *kept_mmio;
	unsigned kept_mmio_count;
	const struct view_mmio *reserved_mmio;
	unsigned reserved_mmio_count;
	const struct view_range *kept;     /* MMIO the monitor keeps besides view.c's fixed
					    * list: the IOMMUs' registers (iommu.h) */
	unsigned kept_count;
};

/* The named platform ranges a view may map besides its BARs: the monitor's world holds
 * those of them that overlap nothing the firmware names (enforce.c). */
extern const struct view_mmio view_platform_mmio[];
extern const unsigned view_platform_mmio_count;

/* The first of the n ranges m[] that [base, base + size) overlaps, or NULL. */
const struct view_mmio *view_mmio_hit(const struct view_mmio *m, unsigned n, uint64_t base,
				      uint64_t size);

/* Does view v hold PCI function bdf? */
bool view_holds_pci(const struct bh_view *v, uint16_t bdf);

/* Is [base, base + size) wholly inside one of the n ranges? */
int view_inside(uint64_t base, uint64_t size, const struct view_range *r, unsigned n);

/* 0 if v may be enforced; otherwise -BH_EINVAL / -BH_EPERM with a message in err naming the
 * partition, the region index and the rule (for MMIO, the host-physical range and what
 * lies there), and *bad_region set (-1: not a region). */
int view_check(const struct bh_view *v, const struct view_world *w, int *bad_region, char *err,
	       size_t errlen);

#endif
