/* SPDX-License-Identifier: MIT */
/* vtd-ir.c - VT-d queued invalidation (6.5.2) and interrupt remapping (5.1): one remapping
 * table for every unit, one entry per PCI function found at boot (its index among them);
 * an entry names the vector and CPU the monitor chose and the only requester that may use
 * it (source-id verification). Compatibility-format interrupts stay blocked (GCMD.CFI is
 * never set; QEMU 7.2 lets them pass regardless: docs/iommu.md). */
#define pr_fmt(fmt) "vt-d: " fmt
#include <bulkhead/errno.h>
#include "../log.h"
#include "../palloc.h"
#include "../x86.h"
#include "vtd.h"

#define REG_IQH  0x80
#define REG_IQT  0x88
#define REG_IQA  0x90 /* base | QS (0: 256 descriptors, one page) */
#define REG_IRTA 0xb8 /* base | EIME (bit 11) | S (2^(S+1) entries) */
#define QUEUE_BYTES 4096u

/* Descriptors (6.5.2.x): type in bits 3:0 of the first qword. */
#define DESC_CC_GLOBAL    (0x1ull | 1ull << 4)              /* context cache, global */
#define DESC_IOTLB_GLOBAL (0x2ull | 1ull << 4 | 3ull << 6)  /* IOTLB, global, drain R/W */
#define DESC_IEC_GLOBAL   0x4ull                            /* interrupt entry cache */
#define DESC_WAIT         (0x5ull | 1ull << 5)              /* status write */

#define IRT_S     7 /* 256 entries of 16 bytes: one page */
#define IRTE_P    1ull
#define IRTE_SVT  (1ull << 18) /* verify the requester id against SID, all 16 bits */

static uint64_t *irt;
static bool eim;
static volatile uint32_t status;

static void push(struct unit *u, uint64_t lo, uint64_t hi)
{
	while ((u->tail + 16) % QUEUE_BYTES == (uint32_t)rd64(u, REG_IQH))
		cpu_relax(); /* full */
	u->queue[u->tail / 8] = lo;
	u->queue[u->tail / 8 + 1] = hi;
	u->tail = (u->tail + 16) % QUEUE_BYTES;
}

/* Everything queued so far done: the unit writes the token last (6.5.2.8). */
static void wait_done(struct unit *u)
{
	static uint32_t token;

	token++;
	push(u, DESC_WAIT | (uint64_t)token << 32, (uint64_t)&status);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr64(u, REG_IQT, u->tail);
	while (status != token)
		cpu_relax();
}

int vtd_qi_init(struct unit *u)
{
	if (!(u->queue = (uint64_t *)palloc(1, 0, 0)))
		return -BH_ENOMEM;
	u->tail = 0;
	wr64(u, REG_IQT, 0);
	wr64(u, REG_IQA, (uint64_t)u->queue);
	if (vtd_command(u, GCMD_QIE)) {
		u->queue = NULL;
		return -BH_EIO;
	}
	return 0;
}

void vtd_qi_flush(struct unit *u)
{
	push(u, DESC_CC_GLOBAL, 0);
	push(u, DESC_IOTLB_GLOBAL, 0);
	if (irt)
		push(u, DESC_IEC_GLOBAL, 0);
	wait_done(u);
}

bool vtd_ir_on(void)
{
	return irt != NULL;
}

int vtd_ir_init(struct unit *u)
{
	uint64_t *t = irt ? irt : (uint64_t *)palloc(1, 0, 0);

	if (!t)
		return -BH_ENOMEM;
	eim = ECAP_EIM(u->ecap); /* x2APIC destinations, 32 bits */
	wr64(u, REG_IRTA, (uint64_t)t | (eim ? 1ull << 11 : 0) | IRT_S);
	if (vtd_command(u, GCMD_SIRTP))
		return -BH_EIO;
	irt = t;
	vtd_qi_flush(u);
	return vtd_command(u, GCMD_IRE);
}

void vtd_ir_set(unsigned index, uint16_t bdf, uint32_t apic_id, uint8_t vector,
		uint64_t *addr, uint32_t *data)
{
	uint64_t *e = &irt[2 * index];
	uint64_t dest = eim ? (uint64_t)apic_id << 32 : (uint64_t)(apic_id & 0xff) << 40;

	e[0] = 0; /* not present while it changes */
	e[1] = vector ? IRTE_SVT | bdf : 0;
	e[0] = vector ? IRTE_P | (uint64_t)vector << 16 | dest : 0; /* fixed, physical, edge */
	*addr = 0xfee00000u | (index & 0x7fff) << 5 | 1u << 4 | (index >> 15 & 1) << 2;
	*data = 0;
}
