/* SPDX-License-Identifier: MIT */
/* fields.c - turns one source value into blob bytes, one parser per field type. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bhconfig.h"

#define LIST_MAX 255 /* longest list any count field can hold */

/* The key being parsed, for messages. */
struct at {
	struct src *s;
	const struct field *f;
	uint32_t table;
	int32_t index;
};

typedef void (*parse_fn)(const struct at *a, yaml_node_t *v, uint8_t *e);

/* An error on the key, or on element sub of its list when sub >= 0. */
static void ferr(const struct at *a, const yaml_node_t *n, int sub, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void ferr(const struct at *a, const yaml_node_t *n, int sub, const char *fmt, ...)
{
	char field[CFG_FIELD_MAX], msg[CFG_MSG_MAX];
	va_list ap;

	if (sub >= 0)
		snprintf(field, sizeof(field), "%s[%d]", a->f->key, sub);
	else
		snprintf(field, sizeof(field), "%s", a->f->key);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	src_error(a->s, n, a->table, a->index, field, "%s", msg);
}

/* Little-endian store of the low width bytes of v. */
static void put(uint8_t *p, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static bool want_scalar(const struct at *a, const yaml_node_t *v, int sub)
{
	if (v->type == YAML_SCALAR_NODE)
		return true;
	ferr(a, v, sub, "expected a scalar, found %s", src_type_name(v));
	return false;
}

/* Items of a list value, or NULL after an error. */
static yaml_node_item_t *list(const struct at *a, const yaml_node_t *v, size_t *n)
{
	if (v->type != YAML_SEQUENCE_NODE) {
		ferr(a, v, -1, "expected a list, found %s", src_type_name(v));
		return NULL;
	}
	*n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (*n <= LIST_MAX)
		return v->data.sequence.items.start;
	ferr(a, v, -1, "%lu elements; a list holds at most %d", (unsigned long)*n, LIST_MAX);
	return NULL;
}

static bool number(const struct at *a, const yaml_node_t *v, int sub, uint64_t max,
		   uint64_t *out)
{
	size_t len;

	if (!want_scalar(a, v, sub))
		return false;
	src_is_scalar(v, &len);
	if (!parse_number(src_scalar(v), len, out)) {
		ferr(a, v, sub, "\"%s\" is not a number (decimal or 0x hex, optional K, M, G or T "
		     "suffix)", src_scalar(v));
		return false;
	}
	if (*out <= max)
		return true;
	ferr(a, v, sub, "%s is above %lu, the largest this field holds", src_scalar(v),
	     (unsigned long)max);
	return false;
}

static uint64_t width_max(unsigned width)
{
	return width >= 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
}

static void parse_num(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	uint64_t n;

	if (number(a, v, -1, width_max(a->f->width), &n))
		put(e + a->f->off, a->f->width, n);
}

static void parse_name(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	size_t len;

	if (!want_scalar(a, v, -1))
		return;
	src_is_scalar(v, &len);
	if (len < a->f->len)
		memcpy(e + a->f->off, src_scalar(v), len);
	else
		ferr(a, v, -1, "\"%.40s%s\" is %lu bytes long; at most %u fit", src_scalar(v),
		     len > 40 ? "..." : "", (unsigned long)len, a->f->len - 1u);
}

static void parse_bool(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	uint32_t flags;

	if (!want_scalar(a, v, -1))
		return;
	memcpy(&flags, e + a->f->off, 4);
	if (strcmp(src_scalar(v), "true") == 0)
		flags |= 1u << a->f->aux;
	else if (strcmp(src_scalar(v), "false") == 0)
		flags &= ~(1u << a->f->aux);
	else
		ferr(a, v, -1, "\"%s\" is not true or false", src_scalar(v));
	put(e + a->f->off, 4, flags);
}

/* Value of an enumeration name, 0 after an error listing the names it could be. */
static uint32_t enum_value(const struct at *a, const yaml_node_t *v, uint32_t etype, int sub)
{
	char names[160] = "";
	size_t len = 0;

	if (!want_scalar(a, v, sub))
		return 0;
	for (uint32_t k = 1; enum_name(etype, k); k++) {
		if (strcmp(enum_name(etype, k), src_scalar(v)) == 0)
			return k;
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", k > 1 ? ", " : "",
					enum_name(etype, k));
	}
	ferr(a, v, sub, "unknown value \"%s\" (one of %s)", src_scalar(v), names);
	return 0;
}

static void parse_enum(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	uint32_t k = enum_value(a, v, a->f->aux, -1);

	if (k)
		put(e + a->f->off, a->f->width, k);
}

static void parse_kinds(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	size_t n;
	yaml_node_item_t *it = list(a, v, &n);
	uint32_t mask = 0;

	for (size_t i = 0; it && i < n; i++) {
		yaml_node_t *item = src_node(a->s, it[i]);
		uint32_t k = enum_value(a, item, E_KIND, (int)i);

		if (k && (mask & (1u << k)))
			ferr(a, item, (int)i, "%s listed twice", src_scalar(item));
		mask |= k ? 1u << k : 0;
	}
	put(e + a->f->off, 4, mask);
}

static void parse_cpus(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	size_t n;
	yaml_node_item_t *it = list(a, v, &n);
	uint64_t cpu;

	for (size_t i = 0; it && i < n; i++)
		if (number(a, src_node(a->s, it[i]), (int)i, 255, &cpu) && i < a->f->len)
			e[a->f->off + i] = (uint8_t)cpu;
	put(e + a->f->aux, 4, it ? n : 0); /* more than len: the validator reports the limit */
}

static void parse_cpumask(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	size_t n;
	yaml_node_item_t *it = list(a, v, &n);
	uint64_t mask = 0, cpu;

	for (size_t i = 0; it && i < n; i++) {
		yaml_node_t *item = src_node(a->s, it[i]);

		if (!number(a, item, (int)i, UINT64_MAX, &cpu))
			continue;
		if (cpu >= BH_CFG_CPUS_MAX)
			ferr(a, item, (int)i, "CPU %lu; CPUs are numbered 0 to %d", (unsigned long)cpu,
			     BH_CFG_CPUS_MAX - 1);
		else if (mask & (1ull << cpu))
			ferr(a, item, (int)i, "CPU %lu listed twice", (unsigned long)cpu);
		else
			mask |= 1ull << cpu;
	}
	put(e + a->f->off, 8, mask);
}

static void parse_ref(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	struct src *s = a->s;

	if (!want_scalar(a, v, -1))
		return;
	if (s->nrefs == s->refs_cap) {
		s->refs_cap = s->refs_cap ? 2 * s->refs_cap : 64;
		s->refs = realloc(s->refs, s->refs_cap * sizeof(*s->refs));
		if (!s->refs) {
			perror("bhconfig");
			exit(EXIT_INVALID);
		}
	}
	s->refs[s->nrefs++] = (struct ref){ a->table, (uint32_t)a->index, a->f, v };
}

/* "first-last" or "first": both ends inclusive. */
static bool range(const struct at *a, const yaml_node_t *v, int sub, uint64_t max,
		  uint64_t *first, uint64_t *last)
{
	size_t len;
	const char *s, *dash;

	if (!want_scalar(a, v, sub))
		return false;
	src_is_scalar(v, &len);
	s = src_scalar(v);
	dash = memchr(s, '-', len);
	if (!parse_number(s, dash ? (size_t)(dash - s) : len, first) ||
	    (dash && !parse_number(dash + 1, len - (size_t)(dash - s) - 1, last))) {
		ferr(a, v, sub, "\"%s\" is not a range (first-last, e.g. 0x3f8-0x3ff)", s);
		return false;
	}
	if (!dash)
		*last = *first;
	if (*first <= *last && *last <= max && *last - *first < max)
		return true;
	ferr(a, v, sub, "\"%s\" is not a range inside 0-0x%lx with first <= last", s,
	     (unsigned long)max);
	return false;
}

static void parse_ports(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	size_t n;
	yaml_node_item_t *it = list(a, v, &n);
	uint64_t first, last;

	for (size_t i = 0; it && i < n; i++) {
		if (!range(a, src_node(a->s, it[i]), (int)i, 0xffff, &first, &last) ||
		    i >= a->f->len)
			continue;
		put(e + a->f->off + 4 * i, 2, first);
		put(e + a->f->off + 4 * i + 2, 2, last - first + 1);
	}
	put(e + a->f->aux, 1, it ? n : 0);
}

static void parse_mmio(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	size_t n;
	yaml_node_item_t *it = list(a, v, &n);
	uint64_t first, last;

	for (size_t i = 0; it && i < n; i++) {
		if (!range(a, src_node(a->s, it[i]), (int)i, UINT64_MAX - 1, &first, &last) ||
		    i >= a->f->len)
			continue;
		put(e + a->f->off + 16 * i, 8, first);
		put(e + a->f->off + 16 * i + 8, 8, last - first + 1);
	}
	put(e + a->f->aux, 1, it ? n : 0);
}

static void parse_irqs(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	size_t n;
	yaml_node_item_t *it = list(a, v, &n);
	uint64_t irq;

	for (size_t i = 0; it && i < n; i++)
		if (number(a, src_node(a->s, it[i]), (int)i, 0xffff, &irq) && i < a->f->len)
			put(e + a->f->off + 2 * i, 2, irq);
	put(e + a->f->aux, 1, it ? n : 0);
}

/* "bb:dd.f" in hex, as lspci prints it. */
static void parse_pci(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	unsigned bus, dev, fn;
	int end = -1;
	size_t len;

	if (!want_scalar(a, v, -1))
		return;
	src_is_scalar(v, &len);
	if (sscanf(src_scalar(v), "%2x:%2x.%1x%n", &bus, &dev, &fn, &end) != 3 ||
	    (size_t)end != len || strspn(src_scalar(v), "0123456789abcdefABCDEF:.") != len ||
	    dev > 31 || fn > 7) {
		ferr(a, v, -1, "\"%s\" is not a PCI address bus:device.function (e.g. 00:04.0)",
		     src_scalar(v));
		return;
	}
	put(e + a->f->off, 2, bus << 8 | dev << 3 | fn);
	put(e + a->f->aux, 2, BH_CFG_BUS_PCI);
}

static void parse_mac(const struct at *a, yaml_node_t *v, uint8_t *e)
{
	unsigned b[6];
	int end = -1;
	size_t len;

	if (!want_scalar(a, v, -1))
		return;
	src_is_scalar(v, &len);
	if (sscanf(src_scalar(v), "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &end) != 6 || (size_t)end != len || len != 17 ||
	    strspn(src_scalar(v), "0123456789abcdefABCDEF:") != len) {
		ferr(a, v, -1, "\"%s\" is not a MAC address xx:xx:xx:xx:xx:xx (e.g. "
		     "52:54:00:12:34:56)", src_scalar(v));
		return;
	}
	for (unsigned i = 0; i < 6; i++)
		e[a->f->off + i] = (uint8_t)b[i];
}

static const parse_fn parsers[] = {
	[F_NAME] = parse_name,   [F_NUM] = parse_num,         [F_BOOL] = parse_bool,
	[F_ENUM] = parse_enum,   [F_KINDS] = parse_kinds,     [F_CPUS] = parse_cpus,
	[F_CPUMASK] = parse_cpumask, [F_REF] = parse_ref,     [F_PORTS] = parse_ports,
	[F_MMIO] = parse_mmio,   [F_IRQS] = parse_irqs,       [F_PCI] = parse_pci,
	[F_MAC] = parse_mac,
};

void field_parse(struct src *s, const struct field *f, uint32_t table, int32_t index,
		 yaml_node_t *v, uint8_t *entry)
{
	struct at a = { s, f, table, index };

	parsers[f->type](&a, v, entry);
}
