/* SPDX-License-Identifier: MIT */
/* dump.c - a validated blob back to YAML source through libyaml's emitter. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "bhconfig.h"

struct out {
	yaml_emitter_t em;
	const struct cfg_blob *b;
	bool failed;
};

static void emit(struct out *o, yaml_event_t *ev)
{
	if (!o->failed && !yaml_emitter_emit(&o->em, ev)) {
		fprintf(stderr, "bhconfig: YAML emitter: %s\n", o->em.problem ? o->em.problem : "?");
		o->failed = true;
	}
}

static void scalar_styled(struct out *o, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style);
	emit(o, &ev);
}

static void scalar(struct out *o, const char *s, size_t len)
{
	scalar_styled(o, s, len, YAML_ANY_SCALAR_STYLE);
}

static void text(struct out *o, const char *s)
{
	scalar(o, s, strlen(s));
}

static void textf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void textf(struct out *o, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text(o, buf);
}

static void seq(struct out *o, bool start, bool flow)
{
	yaml_event_t ev;

	if (start)
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE :
						     YAML_BLOCK_SEQUENCE_STYLE);
	else
		yaml_sequence_end_event_initialize(&ev);
	emit(o, &ev);
}

static void map(struct out *o, bool start)
{
	yaml_event_t ev;

	if (start)
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	else
		yaml_mapping_end_event_initialize(&ev);
	emit(o, &ev);
}

static uint64_t get(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Sizes read best with a suffix; anything not a whole KiB stays hex. */
static void size(struct out *o, uint64_t v)
{
	static const char units[] = "TGMK";

	for (int u = 0; u < 4 && v; u++) {
		unsigned shift = 40 - 10 * (unsigned)u;

		if (v % (1ull << shift) == 0) {
			textf(o, "%lu%c", (unsigned long)(v >> shift), units[u]);
			return;
		}
	}
	textf(o, v ? "0x%lx" : "%lu", (unsigned long)v);
}

static void number(struct out *o, const struct field *f, uint64_t v)
{
	if (f->style == S_SIZE)
		size(o, v);
	else
		textf(o, f->style == S_HEX && v ? "0x%lx" : "%lu", (unsigned long)v);
}

static void list_of(struct out *o, const struct field *f, const uint8_t *e)
{
	uint32_t n = (uint32_t)get(e + f->aux, f->type == F_CPUS ? 4 : 1);
	const uint8_t *p = e + f->off;

	seq(o, true, true);
	for (uint32_t i = 0; i < n && i < f->len; i++) {
		if (f->type == F_CPUS)
			textf(o, "%u", p[i]);
		else if (f->type == F_IRQS)
			textf(o, "%lu", (unsigned long)get(p + 2 * i, 2));
		else if (f->type == F_PORTS)
			textf(o, "0x%lx-0x%lx", (unsigned long)get(p + 4 * i, 2),
			      (unsigned long)(get(p + 4 * i, 2) + get(p + 4 * i + 2, 2) - 1));
		else
			textf(o, "0x%lx-0x%lx", (unsigned long)get(p + 16 * i, 8),
			      (unsigned long)(get(p + 16 * i, 8) + get(p + 16 * i + 8, 8) - 1));
	}
	seq(o, false, true);
}

static void mask_of(struct out *o, const struct field *f, uint64_t mask)
{
	seq(o, true, true);
	for (uint32_t k = 0; k < 64; k++) {
		if (!(mask & (1ull << k)))
			continue;
		if (f->type == F_KINDS)
			text(o, cfg_kind_name(k));
		else
			textf(o, "%u", k);
	}
	seq(o, false, true);
}

static void value(struct out *o, const struct field *f, const uint8_t *e)
{
	uint8_t ref[sizeof(struct bh_cfg_partition)];
	char bdf[24];
	uint64_t v = get(e + f->off, f->width);

	switch (f->type) {
	case F_NAME:
		scalar(o, (const char *)e + f->off, strnlen((const char *)e + f->off, f->len));
		break;
	case F_NUM:
		number(o, f, v);
		break;
	case F_BOOL:
		text(o, v & (1u << f->aux) ? "true" : "false");
		break;
	case F_ENUM:
		text(o, enum_name(f->aux, (uint32_t)v));
		break;
	case F_KINDS:
	case F_CPUMASK:
		mask_of(o, f, v);
		break;
	case F_REF:
		cfg_read(o->b, f->aux, (uint32_t)v, ref); /* a validated blob: in range */
		scalar(o, (const char *)ref, strnlen((const char *)ref, BH_CFG_NAME_LEN));
		break;
	case F_PCI: /* quoted: YAML 1.1 tools would read 00:04.0 as a base-60 number */
		snprintf(bdf, sizeof(bdf), "%02x:%02x.%x", (unsigned)(v >> 8),
			 (unsigned)(v >> 3) & 31, (unsigned)v & 7);
		scalar_styled(o, bdf, strlen(bdf), YAML_DOUBLE_QUOTED_SCALAR_STYLE);
		break;
	case F_MAC: /* quoted, like a PCI address: plain, YAML 1.1 would see sexagesimal */
		snprintf(bdf, sizeof(bdf), "%02x:%02x:%02x:%02x:%02x:%02x", e[f->off],
			 e[f->off + 1], e[f->off + 2], e[f->off + 3], e[f->off + 4], e[f->off + 5]);
		scalar_styled(o, bdf, strlen(bdf), YAML_DOUBLE_QUOTED_SCALAR_STYLE);
		break;
	default:
		list_of(o, f, e);
	}
}

/* Optional keys left at their default are left out, and so are keys of another partition
 * kind: compiling fills the same default, so the blob comes back byte for byte. */
static bool is_default(const struct field *f, const uint8_t *e, const uint8_t *def)
{
	switch (f->type) {
	case F_CPUS:
		return get(e + f->aux, 4) == 0;
	case F_PORTS:
	case F_MMIO:
	case F_IRQS:
		return get(e + f->aux, 1) == 0;
	case F_PCI:
		return get(e + f->aux, 2) != BH_CFG_BUS_PCI;
	case F_BOOL:
		return !(get(e + f->off, 4) & (1u << f->aux));
	case F_NAME:
		return memcmp(e + f->off, def + f->off, f->len) == 0;
	default:
		return memcmp(e + f->off, def + f->off, f->width) == 0;
	}
}

static void entry(struct out *o, uint32_t t, const uint8_t *e)
{
	const struct schema *sc = schema_of(t);
	uint8_t def[sizeof(struct bh_cfg_header) + sizeof(struct bh_cfg_partition)] = { 0 };
	uint32_t kind = entry_kind(t, e);

	sc->defaults(def);
	map(o, true);
	for (size_t i = 0; i < sc->nfields; i++) {
		const struct field *f = &sc->fields[i];

		if ((f->kind && f->kind != kind) || (!f->required && is_default(f, e, def)))
			continue;
		text(o, f->key);
		value(o, f, e);
	}
	if (t != CFG_HEADER)
		map(o, false);
}

static void table(struct out *o, uint32_t t)
{
	uint8_t e[sizeof(struct bh_cfg_partition)];

	if (!cfg_count(o->b, t))
		return;
	text(o, cfg_table_name(t));
	seq(o, true, false);
	for (uint32_t i = 0; cfg_read(o->b, t, i, e); i++)
		entry(o, t, e);
	seq(o, false, false);
}

static void document(struct out *o)
{
	yaml_event_t ev;

	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(o, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit(o, &ev);
	entry(o, CFG_HEADER, (const uint8_t *)&o->b->hdr); /* opens the top-level mapping */
	for (uint32_t i = 0; i < BH_CFG_TABLES; i++)
		table(o, table_order[i]);
	map(o, false);
	yaml_document_end_event_initialize(&ev, 1);
	emit(o, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(o, &ev);
}

/* Validates first: only a sound blob is dumped. */
int dump_blob(const uint8_t *blob, size_t len, FILE *file, const char *path)
{
	struct cfg_blob b;
	struct out o = { .b = &b };

	if (cfg_validate(blob, len, blob_report, (void *)path) ||
	    cfg_open(&b, blob, len, blob_report, (void *)path))
		return EXIT_INVALID;
	yaml_emitter_initialize(&o.em);
	yaml_emitter_set_output_file(&o.em, file);
	yaml_emitter_set_unicode(&o.em, 0);
	yaml_emitter_set_width(&o.em, -1); /* never fold a long command line */
	document(&o);
	yaml_emitter_flush(&o.em);
	yaml_emitter_delete(&o.em);
	return o.failed ? EXIT_INVALID : EXIT_OK;
}
