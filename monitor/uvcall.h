/* SPDX-License-Identifier: MIT */
/* uvcall.h - starting the ultravisor, and the calls only it may make (uvcall.c). */
#ifndef MONITOR_UVCALL_H
#define MONITOR_UVCALL_H

#include <stdbool.h>
#include <bulkhead/bootinfo.h>
#include "vcpu.h"

/* A config blob (a module named "config") is among the boot modules: the ultravisor runs
 * the machine. Without one, the test harness's "partition" modules do. */
bool uv_wanted(const struct bh_bootinfo *bi);

/* Build and start the ultravisor from the image inside bulkhead.elf: BH_UV_BOOT_MEM of RAM,
 * one vCPU on CPU 0, every page-aligned boot module read-only from BH_UV_MODULE_GPA.
 * 0 or -BH_EIO (logged). */
int uv_start(const struct bh_bootinfo *bi);

/* The handlers of BH_HC_UV_BOOTINFO .. BH_HC_CHAN_DEAD (hypercall.c checks the caller is
 * the ultravisor first); arguments as in include/bulkhead/hypercall.h. */
int64_t uv_bootinfo(struct vcpu *v, uint64_t gpa, uint64_t len, uint64_t a2, uint64_t a3);
int64_t uv_pool(struct vcpu *v, uint64_t gpa, uint64_t count, uint64_t a2, uint64_t a3);
int64_t uv_view_publish(struct vcpu *v, uint64_t gpa, uint64_t len, uint64_t flags,
			uint64_t a3);
int64_t uv_load(struct vcpu *v, uint64_t id, uint64_t dst, uint64_t src, uint64_t len);
int64_t uv_start_part(struct vcpu *v, uint64_t id, uint64_t entry, uint64_t stack_top,
		      uint64_t a3);
int64_t uv_stop(struct vcpu *v, uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3);
int64_t uv_destroy(struct vcpu *v, uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3);
int64_t uv_chan_dead(struct vcpu *v, uint64_t id, uint64_t chan_id, uint64_t side,
		     uint64_t a3);
int64_t uv_events(struct vcpu *v, uint64_t gpa, uint64_t max, uint64_t a2, uint64_t a3);

#endif
