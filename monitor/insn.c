/* SPDX-License-Identifier: MIT */
/* insn.c - guest page walk (SDM vol 3, 4.5 "4-Level Paging") and fixed instruction lengths. */
#include <string.h>
#include <bulkhead/errno.h>
#include "insn.h"
#include "pgtable.h"

static int walk(struct vcpu *v, uint64_t gva, uint64_t *gpa)
{
	uint64_t table = vendor->get_cr3(v) & PT_ADDR_MASK;

	for (int level = 3; level >= 0; level--) {
		unsigned shift = 12 + 9 * level;
		const uint64_t *e = gpa_to_host(v->part, table + ((gva >> shift) & 511) * 8, 8);
		if (!e || !(*e & PTE_P))
			return -BH_EFAULT;
		if (level == 0 || ((*e & PT_LARGE) && level <= 2)) {
			uint64_t span = 1ull << shift;
			*gpa = (*e & PT_ADDR_MASK & ~(span - 1)) | (gva & (span - 1));
			return 0;
		}
		table = *e & PT_ADDR_MASK;
	}
	return -BH_EFAULT;
}

int guest_read_virt(struct vcpu *v, uint64_t gva, void *buf, size_t n)
{
	uint8_t *out = buf;

	while (n) {
		size_t chunk = 0x1000 - (gva & 0xfff);
		uint64_t gpa;
		const void *src;
		if (chunk > n)
			chunk = n;
		if (walk(v, gva, &gpa) || !(src = gpa_to_host(v->part, gpa, chunk)))
			return -BH_EFAULT;
		memcpy(out, src, chunk);
		out += chunk;
		gva += chunk;
		n -= chunk;
	}
	return 0;
}

bool insn_is_hypercall(struct vcpu *v)
{
	uint8_t b[3];

	if (guest_read_virt(v, vendor->get_rip(v), b, sizeof(b)))
		return false;
	return b[0] == 0x0f && b[1] == 0x01 && (b[2] == 0xd9 || b[2] == 0xc1);
}
