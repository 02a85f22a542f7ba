/* SPDX-License-Identifier: MIT */
/* vtd.h - inside the VT-d driver: a unit's registers, shared by vtd.c (translation) and
 * vtd-ir.c (queued invalidation and interrupt remapping). Intel VT-d spec 3.x. */
#ifndef MONITOR_IOMMU_VTD_H
#define MONITOR_IOMMU_VTD_H

#include <stdbool.h>
#include <stdint.h>

#define REG_GCMD   0x18
#define REG_GSTS   0x1c
#define GCMD_QIE   (1u << 26) /* GSTS: QIES */
#define GCMD_IRE   (1u << 25) /* GSTS: IRES */
#define GCMD_SIRTP (1u << 24) /* GSTS: IRTPS */
#define ECAP_QI(e)  ((e) >> 1 & 1)
#define ECAP_IR(e)  ((e) >> 3 & 1)
#define ECAP_EIM(e) ((e) >> 4 & 1)

struct unit {
	volatile uint8_t *regs;
	uint64_t cap, ecap;
	uint64_t *queue;   /* invalidation queue (6.5.2), NULL: register-based invalidation */
	uint32_t tail;     /* its next free byte */
};

static inline uint32_t rd32(const struct unit *u, unsigned off)
{
	return *(volatile uint32_t *)(u->regs + off);
}
static inline uint64_t rd64(const struct unit *u, unsigned off)
{
	return *(volatile uint64_t *)(u->regs + off);
}
static inline void wr32(struct unit *u, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(u->regs + off) = v;
}
static inline void wr64(struct unit *u, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(u->regs + off) = v;
}

/* A command through GCMD and its status bit in GSTS (11.4.4): 0 once it shows. */
int vtd_command(struct unit *u, uint32_t bit);

/* Queued invalidation on (needs ECAP.QI): 0, or -BH_E* and register-based stays. */
int vtd_qi_init(struct unit *u);
/* Global context-cache and IOTLB invalidation (and the interrupt entry cache) through the
 * queue, then an invalidation wait descriptor, waited for. */
void vtd_qi_flush(struct unit *u);

/* Interrupt remapping on (needs the queue and ECAP.IR): the table, SIRTP, IRE. */
int vtd_ir_init(struct unit *u);
bool vtd_ir_on(void);
/* IRTE index for bdf: vector to apic_id, verified against bdf; or cleared (vector 0). Then
 * flushed by the caller. → the remappable MSI address and data (5.1.5.2). */
void vtd_ir_set(unsigned index, uint16_t bdf, uint32_t apic_id, uint8_t vector,
		uint64_t *addr, uint32_t *data);

#endif
