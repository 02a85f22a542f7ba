/* SPDX-License-Identifier: MIT */
/* unaligned.h - little-endian fields read out of byte buffers at any alignment: firmware
 * tables (ACPI), the Multiboot2 information. x86 is little-endian; memcpy keeps the compiler
 * from assuming alignment. */
#ifndef LIB_UNALIGNED_H
#define LIB_UNALIGNED_H

#include <stdint.h>

static inline uint16_t get_u16(const uint8_t *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

#endif
