/* SPDX-License-Identifier: MIT */
/* bhconfig.h - internals of the config compiler: the source schema, the model, its parts. */
#ifndef TOOLS_BHCONFIG_H
#define TOOLS_BHCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <yaml.h>
#include "config/validate.h"

/* Exit codes. */
#define EXIT_OK      0
#define EXIT_INVALID 1
#define EXIT_USAGE   2

#define SRC_ENTRIES_MAX 4096 /* per table: beyond every limit, so limits report it */
#define SRC_FILE_MAX    (16u << 20)

/* How a source key maps onto bytes of an entry (or of the header). */
enum ftype {
	F_NAME,    /* string, fixed field of len bytes */
	F_NUM,     /* width-byte unsigned number */
	F_BOOL,    /* bit aux of the uint32 at off */
	F_ENUM,    /* width-byte enumeration aux (enum etype) by name */
	F_KINDS,   /* uint32 mask of partition kinds, as a list of names */
	F_CPUS,    /* uint8 list at off, uint32 count at aux, len slots */
	F_CPUMASK, /* uint64 mask, as a list of CPU numbers */
	F_REF,     /* uint32 index into table aux, by name; BH_CFG_NONE when absent */
	F_PORTS,   /* bh_cfg_ioport list at off, uint8 count at aux, as "first-last" */
	F_MMIO,    /* bh_cfg_mmio list at off, uint8 count at aux, as "first-last" */
	F_IRQS,    /* uint16 list at off, uint8 count at aux */
	F_PCI,     /* uint16 BDF at off as "bb:dd.f"; sets the uint16 bus at aux to PCI */
	F_MAC,     /* 6 bytes at off as "xx:xx:xx:xx:xx:xx" (hex, as ip link prints it) */
};

enum fstyle { S_DEC, S_HEX, S_SIZE }; /* how dump prints an F_NUM */
enum etype { E_KIND, E_RESTART, E_CLASS, E_CHAN, E_FAILOVER };

struct field {
	const char *key;
	uint8_t type;  /* enum ftype */
	uint8_t width; /* F_NUM, F_ENUM: bytes */
	uint8_t style; /* F_NUM: enum fstyle */
	uint8_t kind;  /* partitions: 0, a key of every kind; else the only kind that has it
			* (required: by that kind), refused on others and never dumped for them */
	bool required;
	uint16_t off;
	uint16_t aux;
	uint16_t len;  /* F_NAME: field size; lists: slots */
};

struct schema {
	const struct field *fields;
	size_t nfields;
	void (*defaults)(void *entry);
};

/* schema.c: index BH_CFG_* tables, CFG_HEADER for the top-level scalar keys. */
const struct schema *schema_of(uint32_t table);
const char *enum_name(uint32_t etype, uint32_t v);
/* The partition kind of an entry of table (0 for other tables, or while it is unparsed). */
uint32_t entry_kind(uint32_t table, const uint8_t *entry);
/* Tables in source and dump order. */
extern const uint32_t table_order[BH_CFG_TABLES];

/* A source file being compiled: the YAML document, the model built from it, where each
 * entry came from (so validator errors point at lines), and references still by name. */
struct ref {
	uint32_t table, index;
	const struct field *f;
	yaml_node_t *node;
};

struct src {
	const char *path;
	yaml_document_t doc;
	bool loaded;
	unsigned errors;
	struct bh_cfg_header hdr;
	uint8_t *entries[BH_CFG_TABLES];
	uint32_t count[BH_CFG_TABLES];
	yaml_node_t **nodes[BH_CFG_TABLES];   /* mapping node of each entry */
	yaml_node_t *table_key[BH_CFG_TABLES]; /* the key node naming each table */
	struct ref *refs;
	size_t nrefs, refs_cap;
};

/* source.c */
int src_load(struct src *s, const char *path, const uint8_t *text, size_t len);
void src_free(struct src *s);
void src_error(struct src *s, const yaml_node_t *at, uint32_t table, int32_t index,
	       const char *field, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
yaml_node_t *src_node(struct src *s, int id);
yaml_node_t *src_map_get(struct src *s, const yaml_node_t *map, const char *key);
const char *src_scalar(const yaml_node_t *n);
bool src_is_scalar(const yaml_node_t *n, size_t *len);
const char *src_type_name(const yaml_node_t *n);
bool parse_number(const char *text, size_t len, uint64_t *out);
void src_report(void *ctx, const struct cfg_error *e); /* validator errors at source lines */

/* fields.c: one key of one entry. */
void field_parse(struct src *s, const struct field *f, uint32_t table, int32_t index,
		 yaml_node_t *v, uint8_t *entry);

/* compile.c */
int compile_source(const char *path, const uint8_t *text, size_t len, uint8_t **blob,
		   size_t *blob_len);

/* dump.c */
int dump_blob(const uint8_t *blob, size_t len, FILE *out, const char *path);

/* main.c */
void blob_report(void *ctx, const struct cfg_error *e); /* ctx: the blob's path */

#endif
