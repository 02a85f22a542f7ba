/* SPDX-License-Identifier: MIT */
/* validate.h - the one config-blob validator, freestanding, shared by bhconfig and the image.
 *
 * cfg_validate() treats the blob as hostile: it first checks the structure (header, version,
 * size, checksum, table directory) and stops there if that fails; then it runs every
 * invariant in the check table and reports each violation it finds through the callback.
 * Only a blob that passes may be read with cfg_count()/cfg_read().
 */
#ifndef BH_CONFIG_VALIDATE_H
#define BH_CONFIG_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/config.h>

#define CFG_HEADER    BH_CFG_TABLES /* "table" id of the header in a cfg_error */
#define CFG_FIELD_MAX 48
#define CFG_MSG_MAX   192

/* One violation: "<table>[<index>].<field>: <msg>". Field names are the source keys. */
struct cfg_error {
	const char *check;        /* name of the check that found it, e.g. "memory-align" */
	uint32_t table;           /* enum bh_cfg_table_id, or CFG_HEADER */
	int32_t index;            /* entry, or -1: the table as a whole */
	char field[CFG_FIELD_MAX]; /* "memory", "cpus[1]", or "" */
	char msg[CFG_MSG_MAX];
};

typedef void (*cfg_report_fn)(void *ctx, const struct cfg_error *e);

/* A blob whose structure has been checked. */
struct cfg_blob {
	const uint8_t *data;
	uint32_t size;             /* header.total_size */
	struct bh_cfg_header hdr;  /* aligned copy */
};

/* Validates len bytes at data; returns 0, or -BH_EINVAL after reporting every error. */
int cfg_validate(const void *data, size_t len, cfg_report_fn report, void *ctx);

/* Structural checks only; on success b describes the blob. Returns 0 or -BH_EINVAL. */
int cfg_open(struct cfg_blob *b, const void *data, size_t len, cfg_report_fn report, void *ctx);

uint32_t cfg_count(const struct cfg_blob *b, uint32_t table);
/* Copies entry i of table into out (sizeof the entry struct); false if i is out of range. */
bool cfg_read(const struct cfg_blob *b, uint32_t table, uint32_t i, void *out);

uint32_t cfg_crc32(const void *data, size_t len);

/* "partitions[3].memory: msg" into buf; returns the length the whole text needs. */
int cfg_format_error(char *buf, size_t size, const struct cfg_error *e);

/* Names shared by messages, the source format and dumps. NULL when out of range. */
const char *cfg_table_name(uint32_t table);     /* "partitions", "memory-pool", ..., "header" */
const char *cfg_kind_name(uint32_t kind);       /* "ultravisor" ... "guest" ... "devmodel" */
const char *cfg_restart_name(uint32_t restart); /* "stop", "restart" */
const char *cfg_class_name(uint32_t cls);       /* "serial", "storage", "network", "other" */
const char *cfg_chan_type_name(uint32_t type);  /* "console", "block", "net", "control" */
const char *cfg_failover_name(uint32_t f);      /* "none", "iopart" */

/* Size of one entry of table in this version. */
uint32_t cfg_entry_size(uint32_t table);
uint32_t cfg_table_limit(uint32_t table);

#endif
