/* SPDX-License-Identifier: MIT */
/* compile.c - YAML source to blob: walk the document, resolve names, pack, validate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bhconfig.h"

static const char *const nouns[BH_CFG_TABLES] = {
	[BH_CFG_PARTITIONS] = "partition", [BH_CFG_POOL] = "pool range",
	[BH_CFG_DEVICES] = "device",       [BH_CFG_CHANNELS] = "channel",
	[BH_CFG_ZONES] = "zone",           [BH_CFG_POLICIES] = "policy",
};

static bool table_of(const char *key, uint32_t *t)
{
	for (*t = 0; *t < BH_CFG_TABLES; (*t)++)
		if (strcmp(cfg_table_name(*t), key) == 0)
			return true;
	return false;
}

static const struct field *field_of(const struct schema *sc, const char *key)
{
	for (size_t i = 0; i < sc->nfields; i++)
		if (strcmp(sc->fields[i].key, key) == 0)
			return &sc->fields[i];
	return NULL;
}

/* "name, kind, zone, ..." for an unknown-key message. */
static void keys_text(const struct schema *sc, bool top, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sc->nfields && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", sc->fields[i].key);
	for (uint32_t t = 0; top && t < BH_CFG_TABLES && len < size; t++)
		len += (size_t)snprintf(buf + len, size - len, ", %s", cfg_table_name(t));
}

static bool key_seen_before(struct src *s, const yaml_node_t *map, const yaml_node_pair_t *p)
{
	const char *key = src_scalar(src_node(s, p->key));

	for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
		yaml_node_t *k = src_node(s, q->key);

		if (k->type == YAML_SCALAR_NODE && strcmp(src_scalar(k), key) == 0)
			return true;
	}
	return false;
}

static void parse_table(struct src *s, uint32_t t, yaml_node_t *key, yaml_node_t *v);

/* One key of a mapping: a table (top level only), a field of the schema, or a mistake. */
static void parse_pair(struct src *s, const yaml_node_t *map, const yaml_node_pair_t *p,
		       uint32_t table, int32_t index, uint8_t *entry)
{
	const struct schema *sc = schema_of(table);
	yaml_node_t *k = src_node(s, p->key), *v = src_node(s, p->value);
	const struct field *f;
	char keys[256];
	uint32_t t;

	if (k->type != YAML_SCALAR_NODE) {
		src_error(s, k, table, index, "", "a key must be a name, found %s", src_type_name(k));
	} else if (key_seen_before(s, map, p)) {
		src_error(s, k, table, index, src_scalar(k), "duplicate key");
	} else if (table == CFG_HEADER && table_of(src_scalar(k), &t)) {
		parse_table(s, t, k, v);
	} else if ((f = field_of(sc, src_scalar(k)))) {
		field_parse(s, f, table, index, v, entry);
	} else {
		keys_text(sc, table == CFG_HEADER, keys, sizeof(keys));
		src_error(s, k, table, index, "", "unknown key \"%s\" (known: %s)", src_scalar(k),
			  keys);
	}
}

/* Required keys are there; a key of one partition kind is on that kind only (no error of
 * either sort for an entry whose kind did not parse: that error is reported already). */
static void check_keys(struct src *s, const yaml_node_t *map, uint32_t table, int32_t index,
		       const uint8_t *entry)
{
	const struct schema *sc = schema_of(table);
	uint32_t kind = entry_kind(table, entry);

	for (size_t i = 0; i < sc->nfields; i++) {
		const struct field *f = &sc->fields[i];
		yaml_node_t *v = src_map_get(s, map, f->key);

		if (v && f->kind && kind && kind != f->kind)
			src_error(s, v, table, index, f->key, "only %s partitions have this key; this "
				  "one is of kind %s", cfg_kind_name(f->kind), cfg_kind_name(kind));
		else if (!v && f->required && (!f->kind || kind == f->kind))
			src_error(s, map, table, index, "", "missing key \"%s\"", f->key);
	}
}

static void parse_mapping(struct src *s, const yaml_node_t *map, uint32_t table, int32_t index,
			  uint8_t *entry)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++)
		parse_pair(s, map, p, table, index, entry);
	check_keys(s, map, table, index, entry);
}

static void parse_table(struct src *s, uint32_t t, yaml_node_t *key, yaml_node_t *v)
{
	uint32_t size = cfg_entry_size(t);
	size_t n;

	s->table_key[t] = key;
	if (v->type != YAML_SEQUENCE_NODE) {
		src_error(s, v, t, -1, "", "expected a list of entries, found %s", src_type_name(v));
		return;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > SRC_ENTRIES_MAX) {
		src_error(s, v, t, -1, "", "%lu entries exceed the limit of %u", (unsigned long)n,
			  cfg_table_limit(t));
		return;
	}
	s->entries[t] = calloc(n + 1, size);
	s->nodes[t] = calloc(n + 1, sizeof(*s->nodes[t]));
	if (!s->entries[t] || !s->nodes[t]) {
		perror("bhconfig");
		exit(EXIT_INVALID);
	}
	s->count[t] = (uint32_t)n;
	for (uint32_t i = 0; i < n; i++) {
		yaml_node_t *item = src_node(s, v->data.sequence.items.start[i]);
		uint8_t *entry = s->entries[t] + (size_t)i * size;

		s->nodes[t][i] = item;
		schema_of(t)->defaults(entry);
		if (item->type == YAML_MAPPING_NODE)
			parse_mapping(s, item, t, (int32_t)i, entry);
		else
			src_error(s, item, t, (int32_t)i, "", "expected a mapping of keys, found %s",
				  src_type_name(item));
	}
}

/* Index of the entry named like node in table t, or BH_CFG_NONE. */
static uint32_t lookup(const struct src *s, uint32_t t, const yaml_node_t *node)
{
	size_t len = node->data.scalar.length;

	for (uint32_t j = 0; len < BH_CFG_NAME_LEN && j < s->count[t]; j++) {
		const uint8_t *name = s->entries[t] + (size_t)j * cfg_entry_size(t);

		if (memcmp(name, node->data.scalar.value, len) == 0 && name[len] == '\0')
			return j;
	}
	return BH_CFG_NONE;
}

static void resolve(struct src *s)
{
	for (size_t i = 0; i < s->nrefs; i++) {
		const struct ref *r = &s->refs[i];
		uint32_t to = r->f->aux, j = lookup(s, to, r->node);
		uint8_t *entry = s->entries[r->table] + (size_t)r->index * cfg_entry_size(r->table);

		if (j == BH_CFG_NONE)
			src_error(s, r->node, r->table, (int32_t)r->index, r->f->key,
				  "unknown %s \"%s\"", nouns[to], src_scalar(r->node));
		else
			memcpy(entry + r->f->off, &j, 4);
	}
}

/* Header, then each table in id order, packed (every entry size is a multiple of 8). */
static uint8_t *pack(struct src *s, size_t *len)
{
	struct bh_cfg_header *h = &s->hdr;
	size_t size = sizeof(*h), off = sizeof(*h);
	uint8_t *blob;

	for (uint32_t t = 0; t < BH_CFG_TABLES; t++)
		size += (size_t)s->count[t] * cfg_entry_size(t);
	blob = calloc(1, size);
	if (!blob) {
		perror("bhconfig");
		exit(EXIT_INVALID);
	}
	h->magic = BH_CFG_MAGIC;
	h->table_count = BH_CFG_TABLES;
	h->total_size = (uint32_t)size;
	for (uint32_t t = 0; t < BH_CFG_TABLES; t++) {
		size_t bytes = (size_t)s->count[t] * cfg_entry_size(t);

		h->tables[t] = (struct bh_cfg_table){ (uint32_t)off, s->count[t], cfg_entry_size(t), 0 };
		if (bytes)
			memcpy(blob + off, s->entries[t], bytes);
		off += bytes;
	}
	memcpy(blob, h, sizeof(*h));
	h->checksum = cfg_crc32(blob + BH_CFG_CHECKSUM_START, size - BH_CFG_CHECKSUM_START);
	memcpy(blob, h, sizeof(*h));
	*len = size;
	return blob;
}

static void parse_root(struct src *s)
{
	yaml_node_t *root = yaml_document_get_root_node(&s->doc);

	if (!root)
		src_error(s, NULL, CFG_HEADER, -1, "", "empty; expected a mapping with version, cpus "
			  "and the tables");
	else if (root->type != YAML_MAPPING_NODE)
		src_error(s, root, CFG_HEADER, -1, "", "expected a mapping at the top, found %s",
			  src_type_name(root));
	else
		parse_mapping(s, root, CFG_HEADER, -1, (uint8_t *)&s->hdr);
}

/* 0 with *blob set, or EXIT_INVALID after printing every source or semantic error. */
int compile_source(const char *path, const uint8_t *text, size_t len, uint8_t **blob,
		   size_t *blob_len)
{
	struct src s;
	int rc = EXIT_INVALID;
	uint8_t *b;

	if (src_load(&s, path, text, len))
		goto out;
	parse_root(&s);
	resolve(&s);
	if (s.errors)
		goto out;
	b = pack(&s, blob_len);
	if (cfg_validate(b, *blob_len, src_report, &s)) {
		free(b);
		goto out;
	}
	*blob = b;
	rc = EXIT_OK;
out:
	src_free(&s);
	return rc;
}
