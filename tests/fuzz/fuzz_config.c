/* SPDX-License-Identifier: MIT */
/* fuzz_config.c - libFuzzer harness: config blob parse + validate, as the boot image runs it.
 *
 * Each input is validated twice: as it is (header, size and checksum paths), and with its
 * total_size and checksum fixed up so that mutations reach the table and invariant checks
 * instead of dying at the CRC. Every error is formatted, as bhconfig and the console do. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config/validate.h"

static void format(void *ctx, const struct cfg_error *e)
{
	char text[CFG_FIELD_MAX + CFG_MSG_MAX + 8];

	cfg_format_error(text, sizeof(text), e);
	*(size_t *)ctx += strlen(text);
}

/* A valid blob must also be readable entry by entry. */
static void read_all(const uint8_t *data, size_t size)
{
	uint8_t entry[sizeof(struct bh_cfg_partition)];
	struct cfg_blob b;

	if (cfg_open(&b, data, size, NULL, NULL))
		abort(); /* cfg_validate passed: the structure must open */
	for (uint32_t t = 0; t < BH_CFG_TABLES; t++)
		for (uint32_t i = 0; cfg_read(&b, t, i, entry); i++)
			;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chars = 0;
	uint8_t *copy;
	uint32_t total, sum;

	if (cfg_validate(data, size, format, &chars) == 0)
		read_all(data, size);
	if (size < sizeof(struct bh_cfg_header) || size > BH_CFG_BLOB_MAX)
		return 0;
	copy = malloc(size); /* exact size: ASan catches any read past the end */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	total = (uint32_t)size;
	memcpy(copy + offsetof(struct bh_cfg_header, total_size), &total, 4);
	sum = cfg_crc32(copy + BH_CFG_CHECKSUM_START, size - BH_CFG_CHECKSUM_START);
	memcpy(copy + offsetof(struct bh_cfg_header, checksum), &sum, 4);
	if (cfg_validate(copy, size, format, &chars) == 0)
		read_all(copy, size);
	free(copy);
	return 0;
}
