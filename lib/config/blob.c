/* SPDX-License-Identifier: MIT */
/* blob.c - config blob structure: header, checksum and table directory checks, entry access. */
#include <string.h>
#include <bulkhead/errno.h>
#include "checks.h"
#include "fmt.h"

struct table_info {
	const char *name;
	uint32_t entry_size;
	uint32_t limit;
};

static const struct table_info tables[BH_CFG_TABLES + 1] = {
#define TABLE(id, name, s, max) [id] = { name, sizeof(struct s), max }
	TABLE(BH_CFG_PARTITIONS, "partitions", bh_cfg_partition, BH_CFG_PARTITIONS_MAX),
	TABLE(BH_CFG_POOL, "memory-pool", bh_cfg_pool, BH_CFG_POOL_MAX),
	TABLE(BH_CFG_DEVICES, "devices", bh_cfg_device, BH_CFG_DEVICES_MAX),
	TABLE(BH_CFG_CHANNELS, "channels", bh_cfg_channel, BH_CFG_CHANNELS_MAX),
	TABLE(BH_CFG_ZONES, "zones", bh_cfg_zone, BH_CFG_ZONES_MAX),
	TABLE(BH_CFG_POLICIES, "policies", bh_cfg_policy, BH_CFG_POLICIES_MAX),
	TABLE(CFG_HEADER, "header", bh_cfg_header, 1),
#undef TABLE
};

const char *cfg_table_name(uint32_t table)
{
	return table <= CFG_HEADER ? tables[table].name : NULL;
}

uint32_t cfg_entry_size(uint32_t table)
{
	return table < BH_CFG_TABLES ? tables[table].entry_size : 0;
}

uint32_t cfg_table_limit(uint32_t table)
{
	return table < BH_CFG_TABLES ? tables[table].limit : 0;
}

/* CRC-32 (IEEE 802.3, reflected), four bits at a time: small enough for the boot image. */
uint32_t cfg_crc32(const void *data, size_t len)
{
	static const uint32_t nibble[16] = {
		0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
		0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
		0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ nibble[crc & 15];
		crc = (crc >> 4) ^ nibble[crc & 15];
	}
	return ~crc;
}

uint32_t cfg_count(const struct cfg_blob *b, uint32_t table)
{
	return table < BH_CFG_TABLES ? b->hdr.tables[table].count : 0;
}

bool cfg_read(const struct cfg_blob *b, uint32_t table, uint32_t i, void *out)
{
	if (table >= BH_CFG_TABLES || i >= b->hdr.tables[table].count)
		return false;
	const struct bh_cfg_table *t = &b->hdr.tables[table];
	memcpy(out, b->data + t->offset + (size_t)i * t->entry_size, t->entry_size);
	return true;
}

int cfg_format_error(char *buf, size_t size, const struct cfg_error *e)
{
	const char *table = cfg_table_name(e->table);
	char where[24] = "";

	if (e->index >= 0)
		bh_snprintf(where, sizeof(where), "[%d]", (int)e->index);
	return bh_snprintf(buf, size, "%s%s%s%s: %s", table ? table : "?", where,
			   e->field[0] ? "." : "", e->field, e->msg);
}

/* Header fields that decide whether the rest can be read at all; each failure stops. */
static bool open_header(struct cfg_ctx *c, struct cfg_blob *b, size_t len)
{
	const struct bh_cfg_header *h = &b->hdr;

	if (len < sizeof(*h)) {
		cfg_err(c, CFG_HEADER, -1, "", "blob is %lu bytes, shorter than its 0x%lx-byte "
			"header (truncated)", (unsigned long)len, (unsigned long)sizeof(*h));
		return false;
	}
	memcpy(&b->hdr, b->data, sizeof(b->hdr));
	c->check = "magic";
	if (h->magic != BH_CFG_MAGIC) {
		cfg_err(c, CFG_HEADER, -1, "magic", "0x%08x is not a Bulkhead config blob (0x%08x, "
			"\"BCFG\")", h->magic, BH_CFG_MAGIC);
		return false;
	}
	c->check = "version";
	if (h->version != BH_CFG_VERSION) {
		cfg_err(c, CFG_HEADER, -1, "version", "unknown version %u (this build reads %u)",
			h->version, BH_CFG_VERSION);
		return false;
	}
	return true;
}

static bool open_size(struct cfg_ctx *c, const struct bh_cfg_header *h, size_t len)
{
	c->check = "blob-size";
	if (h->total_size < sizeof(*h))
		cfg_err(c, CFG_HEADER, -1, "total-size", "0x%x is smaller than the 0x%lx-byte "
			"header", h->total_size, (unsigned long)sizeof(*h));
	else if (h->total_size > BH_CFG_BLOB_MAX)
		cfg_err(c, CFG_HEADER, -1, "total-size", "0x%x exceeds the limit of 0x%x",
			h->total_size, BH_CFG_BLOB_MAX);
	else if (h->total_size > len)
		cfg_err(c, CFG_HEADER, -1, "total-size", "0x%x but only 0x%lx bytes are present "
			"(truncated)", h->total_size, (unsigned long)len);
	else
		return true;
	return false;
}

static bool open_checksum(struct cfg_ctx *c, const struct cfg_blob *b)
{
	uint32_t sum = cfg_crc32(b->data + BH_CFG_CHECKSUM_START,
				 b->hdr.total_size - BH_CFG_CHECKSUM_START);

	c->check = "checksum";
	if (sum == b->hdr.checksum)
		return true;
	cfg_err(c, CFG_HEADER, -1, "checksum", "0x%08x but the blob's CRC-32 is 0x%08x "
		"(corrupted or edited)", b->hdr.checksum, sum);
	return false;
}

static void open_fields(struct cfg_ctx *c, const struct bh_cfg_header *h)
{
	c->check = "header-fields";
	if (h->table_count != BH_CFG_TABLES)
		cfg_err(c, CFG_HEADER, -1, "table-count", "%u, expected %u", h->table_count,
			BH_CFG_TABLES);
	if (h->flags)
		cfg_err(c, CFG_HEADER, -1, "flags", "0x%x, must be zero", h->flags);
	if (h->reserved_0x18)
		cfg_err(c, CFG_HEADER, -1, "reserved-0x18", "0x%lx, must be zero",
			(unsigned long)h->reserved_0x18);
}

/* One directory entry: size, count, alignment and extent. */
static void open_table(struct cfg_ctx *c, const struct bh_cfg_header *h, uint32_t i)
{
	const struct bh_cfg_table *t = &h->tables[i];
	uint64_t end = t->offset + (uint64_t)t->count * t->entry_size; /* < 2^64: 32 x 32 bits */

	c->check = "table-entry-size";
	if (t->entry_size != tables[i].entry_size)
		cfg_err(c, i, -1, "", "entry size 0x%x, expected 0x%x", t->entry_size,
			tables[i].entry_size);
	c->check = "table-count";
	if (t->count > tables[i].limit)
		cfg_err(c, i, -1, "", "%u entries exceed the limit of %u", t->count,
			tables[i].limit);
	c->check = "table-bounds";
	if (t->reserved_0x0c)
		cfg_err(c, i, -1, "", "directory reserved field 0x%x, must be zero",
			t->reserved_0x0c);
	if (t->offset % 8)
		cfg_err(c, i, -1, "", "table offset 0x%x not 8-byte aligned", t->offset);
	else if (t->count && (t->offset < sizeof(*h) || end > h->total_size))
		cfg_err(c, i, -1, "", "table 0x%x-0x%lx lies outside the blob body 0x%lx-0x%x",
			t->offset, (unsigned long)end, (unsigned long)sizeof(*h), h->total_size);
}

static uint64_t table_end(const struct bh_cfg_table *t)
{
	return t->offset + (uint64_t)t->count * t->entry_size;
}

static void open_overlap(struct cfg_ctx *c, const struct bh_cfg_header *h)
{
	c->check = "table-overlap";
	for (uint32_t i = 0; i < BH_CFG_TABLES; i++) {
		const struct bh_cfg_table *a = &h->tables[i];

		for (uint32_t j = 0; j < i && a->count; j++) {
			const struct bh_cfg_table *o = &h->tables[j];

			if (!o->count || a->offset >= table_end(o) || o->offset >= table_end(a))
				continue;
			cfg_err(c, i, -1, "", "table 0x%x-0x%lx overlaps table %s", a->offset,
				(unsigned long)table_end(a), tables[j].name);
			break;
		}
	}
}

int cfg_open(struct cfg_blob *b, const void *data, size_t len, cfg_report_fn report, void *ctx)
{
	struct cfg_ctx c = { .b = b, .report = report, .rctx = ctx, .check = "blob-size" };

	memset(b, 0, sizeof(*b));
	b->data = data;
	if (!open_header(&c, b, len) || !open_size(&c, &b->hdr, len) || !open_checksum(&c, b))
		goto bad;
	open_fields(&c, &b->hdr);
	if (c.errors)
		goto bad;
	for (uint32_t i = 0; i < BH_CFG_TABLES; i++)
		open_table(&c, &b->hdr, i);
	if (c.errors)
		goto bad;
	open_overlap(&c, &b->hdr);
	if (c.errors)
		goto bad;
	b->size = b->hdr.total_size;
	return 0;
bad:
	memset(&b->hdr, 0, sizeof(b->hdr));
	return -BH_EINVAL;
}
