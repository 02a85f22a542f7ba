/* SPDX-License-Identifier: MIT */
/* modspec.h - partitions named by boot modules, until the ultravisor starts them from the
 * config blob: the module's command line, and the view it gives the partition. */
#ifndef MONITOR_MODSPEC_H
#define MONITOR_MODSPEC_H

#include <bulkhead/bootinfo.h>
#include <bulkhead/uvcall.h>
#include "vcpu.h"

#define CHANS_MAX   4
#define MMIO_MAX    4 /* mmio= and pci= words each (the view checks decide what is allowed) */
#define MODULES_MAX 28 /* with 3 RAM regions, within BH_VIEW_REGIONS_MAX */
#define MODULE_GPA  BH_UV_MODULE_GPA /* boot modules, in module= order */
#define CHAN_SIZE PAGE_2M /* channels between module-started partitions (test vehicle) */

struct part_spec {
	char name[BH_NAME_MAX];
	unsigned cpus[MAX_VCPUS], ncpus;
	unsigned chans[CHANS_MAX], nchans; /* chan=<id>: shared with the other partition naming it */
	const struct bh_module *modules[MODULES_MAX]; /* module=<name>: mapped read-only */
	unsigned nmodules;
	uint64_t mem_mib;
	const char *cmdline; /* after "--", or "" */
	struct { uint64_t base, size; } mmio[MMIO_MAX]; /* mmio=<hex base>+<hex size>: at GPA = HPA */
	unsigned nmmio;
	uint16_t pci[MMIO_MAX]; /* pci=<bus>:<dev>.<fn>: the function and its memory BARs */
	unsigned npci;
};

/* The boot modules module=<name> may name (the first word of their command line). */
void modspec_init(const struct bh_bootinfo *bi);

/* "partition name=g1 cpus=0,1 mem=16 chan=7 mmio=0xfed40000+0x5000 pci=00:02.0 -- args"
 * (part.h) → *s. 0, or -BH_EINVAL with
 * *bad pointing at the offending word (or naming what is missing). */
int modspec_parse(const char *line, struct part_spec *s, const char **bad);

/* p's view: its extent at guest-physical 0 with the info page read-only, then one 2 MiB
 * region per channel, shared with the partition already holding the same channel id (whose
 * view learns its peer now), or new; boot modules; MMIO at GPA = HPA (mmio=, and the
 * memory BARs of each pci= function as found at boot). 0, -BH_ENOMEM or -BH_E2BIG. */
int modspec_view(struct partition *p, const struct part_spec *s);

#endif
