/* SPDX-License-Identifier: MIT */
/* source.c - YAML source through libyaml: loading, node helpers, numbers, located errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bhconfig.h"

static void print_at(const struct src *s, const yaml_node_t *at, const struct cfg_error *e)
{
	char text[CFG_FIELD_MAX + CFG_MSG_MAX + 64];

	cfg_format_error(text, sizeof(text), e);
	if (at)
		fprintf(stderr, "%s:%lu:%lu: %s\n", s->path, (unsigned long)at->start_mark.line + 1,
			(unsigned long)at->start_mark.column + 1, text);
	else
		fprintf(stderr, "%s: %s\n", s->path, text);
}

void src_error(struct src *s, const yaml_node_t *at, uint32_t table, int32_t index,
	       const char *field, const char *fmt, ...)
{
	struct cfg_error e = { .check = "source", .table = table, .index = index };
	va_list ap;

	snprintf(e.field, sizeof(e.field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	print_at(s, at, &e);
	s->errors++;
}

/* libyaml's own error, e.g. "f.yaml:4:1: YAML: did not find expected ',' or ']' (while
 * parsing a flow sequence started at 3:7)". */
static int parser_error(struct src *s, const yaml_parser_t *p)
{
	fprintf(stderr, "%s:%lu:%lu: YAML: %s", s->path, (unsigned long)p->problem_mark.line + 1,
		(unsigned long)p->problem_mark.column + 1, p->problem ? p->problem : "malformed");
	if (p->context)
		fprintf(stderr, " (%s started at %lu:%lu)", p->context,
			(unsigned long)p->context_mark.line + 1,
			(unsigned long)p->context_mark.column + 1);
	fputc('\n', stderr);
	s->errors++;
	return -1;
}

/* Loads exactly one YAML document whose root is a mapping. */
int src_load(struct src *s, const char *path, const uint8_t *text, size_t len)
{
	yaml_parser_t p;
	yaml_document_t extra;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->path = path;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, text, len);
	if (!yaml_parser_load(&p, &s->doc)) {
		rc = parser_error(s, &p);
		goto out;
	}
	s->loaded = true;
	if (!yaml_parser_load(&p, &extra)) {
		rc = parser_error(s, &p);
		goto out;
	}
	if (yaml_document_get_root_node(&extra)) {
		src_error(s, yaml_document_get_root_node(&extra), CFG_HEADER, -1, "",
			  "a second YAML document; a config is one document");
		rc = -1;
	}
	yaml_document_delete(&extra);
out:
	yaml_parser_delete(&p);
	return rc;
}

void src_free(struct src *s)
{
	for (uint32_t t = 0; t < BH_CFG_TABLES; t++) {
		free(s->entries[t]);
		free(s->nodes[t]);
	}
	free(s->refs);
	if (s->loaded)
		yaml_document_delete(&s->doc);
}

yaml_node_t *src_node(struct src *s, int id)
{
	return yaml_document_get_node(&s->doc, id);
}

const char *src_scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

bool src_is_scalar(const yaml_node_t *n, size_t *len)
{
	if (n->type != YAML_SCALAR_NODE)
		return false;
	if (len)
		*len = n->data.scalar.length;
	return true;
}

const char *src_type_name(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? "a scalar" :
	       n->type == YAML_SEQUENCE_NODE ? "a list" : "a mapping";
}

/* Value of key in a mapping node, or NULL. */
yaml_node_t *src_map_get(struct src *s, const yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = src_node(s, p->key);

		if (k && k->type == YAML_SCALAR_NODE && strcmp(src_scalar(k), key) == 0)
			return src_node(s, p->value);
	}
	return NULL;
}

static bool digit_value(char ch, unsigned base, unsigned *d)
{
	if (ch >= '0' && ch <= '9')
		*d = (unsigned)(ch - '0');
	else if (base == 16 && ch >= 'a' && ch <= 'f')
		*d = (unsigned)(ch - 'a' + 10);
	else if (base == 16 && ch >= 'A' && ch <= 'F')
		*d = (unsigned)(ch - 'A' + 10);
	else
		return false;
	return *d < base;
}

/* Binary multiplier of a size suffix: K, M, G, T, alone or followed by "iB". */
static bool suffix_shift(const char *s, size_t len, unsigned *shift)
{
	static const char units[] = "KMGT";
	const char *u = len ? memchr(units, s[0], 4) : NULL;

	if (len == 0) {
		*shift = 0;
		return true;
	}
	if (!u || !(len == 1 || (len == 3 && s[1] == 'i' && s[2] == 'B')))
		return false;
	*shift = 10 * (unsigned)(u - units + 1);
	return true;
}

/* Decimal or 0x hex, with an optional size suffix ("64M", "2G", "0x1000"). */
bool parse_number(const char *text, size_t len, uint64_t *out)
{
	unsigned base = 10, shift, d;
	size_t i = 0;
	uint64_t v = 0;

	if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		base = 16, i = 2;
	if (i == len || !digit_value(text[i], base, &d))
		return false;
	for (; i < len && digit_value(text[i], base, &d); i++) {
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (!suffix_shift(text + i, len - i, &shift) || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*out = v << shift;
	return true;
}

/* Where a validator error points: the key's value, the list element, the entry, the table. */
static const yaml_node_t *locate(struct src *s, const struct cfg_error *e)
{
	yaml_node_t *root = yaml_document_get_root_node(&s->doc);
	char key[CFG_FIELD_MAX];
	const yaml_node_t *at, *v;
	unsigned long sub = 0;
	char *br;

	snprintf(key, sizeof(key), "%s", e->field);
	br = strchr(key, '[');
	if (br) {
		sub = strtoul(br + 1, NULL, 10);
		*br = '\0';
	}
	if (e->table == CFG_HEADER)
		return (v = src_map_get(s, root, key)) ? v : root;
	if (e->table >= BH_CFG_TABLES)
		return root;
	if (e->index < 0 || (uint32_t)e->index >= s->count[e->table])
		return s->table_key[e->table] ? s->table_key[e->table] : root;
	at = s->nodes[e->table][e->index];
	v = key[0] ? src_map_get(s, at, key) : NULL;
	if (!v)
		return at;
	if (br && v->type == YAML_SEQUENCE_NODE &&
	    sub < (unsigned long)(v->data.sequence.items.top - v->data.sequence.items.start))
		return src_node(s, v->data.sequence.items.start[sub]);
	return v;
}

void src_report(void *ctx, const struct cfg_error *e)
{
	struct src *s = ctx;

	print_at(s, locate(s, e), e);
	s->errors++;
}
