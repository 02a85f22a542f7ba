/* SPDX-License-Identifier: MIT */
/* table.c - aligned tables and row-per-line JSON from the same cells (table.h). */
#include <string.h>
#include "fmt.h"
#include "table.h"

/* One cell's two renderings are built here, then copied into the arena. */
static char text_buf[TABLE_CELL_MAX], json_buf[TABLE_CELL_MAX];

/* Appends s (at most n bytes, stops at NUL) to buf[cap] at *len; always terminated. */
static void app(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i] && *len + 1 < cap; i++)
		buf[(*len)++] = s[i];
	buf[*len] = 0;
}

static void app_s(char *buf, size_t cap, size_t *len, const char *s)
{
	app(buf, cap, len, s, (size_t)-1);
}

/* Text: printable ASCII as is, every other byte '?'. */
static void app_text(char *buf, size_t cap, size_t *len, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i] && *len + 1 < cap; i++) {
		uint8_t b = (uint8_t)s[i];
		buf[(*len)++] = b >= 0x20 && b < 0x7f ? (char)b : '?';
	}
	buf[*len] = 0;
}

/* JSON string with quotes: \" \\ and \u00XX for control bytes and bytes past ASCII. */
static void app_json_str(char *buf, size_t cap, size_t *len, const char *s, size_t max)
{
	app_s(buf, cap, len, "\"");
	for (size_t i = 0; i < max && s[i]; i++) {
		uint8_t b = (uint8_t)s[i];
		char esc[8];

		if (b == '"' || b == '\\')
			bh_snprintf(esc, sizeof(esc), "\\%c", b);
		else if (b < 0x20 || b >= 0x7f)
			bh_snprintf(esc, sizeof(esc), "\\u%04x", b);
		else
			bh_snprintf(esc, sizeof(esc), "%c", b);
		if (*len + strlen(esc) + 2 >= cap)
			break; /* room for the closing quote */
		app_s(buf, cap, len, esc);
	}
	app_s(buf, cap, len, "\"");
}

void table_init(struct table *t, const struct table_col *cols, uint32_t ncols)
{
	t->cols = cols;
	t->ncols = ncols < TABLE_COLS_MAX ? ncols : TABLE_COLS_MAX;
	t->nrows = 0;
	t->ncell = 0;
	t->arena[0] = t->arena[1] = 0; /* offset 0: the empty cell */
	t->used = 2;
	t->overflow = false;
}

void table_row(struct table *t)
{
	if (t->nrows == TABLE_ROWS_MAX) {
		t->overflow = true;
		return;
	}
	memset(t->cell[t->nrows], 0, sizeof(t->cell[t->nrows]));
	t->nrows++;
	t->ncell = 0;
}

static void put(struct table *t)
{
	size_t lt = strlen(text_buf) + 1, lj = strlen(json_buf) + 1;

	if (!t->nrows || t->ncell >= t->ncols || t->nrows > TABLE_ROWS_MAX)
		return;
	if (t->used + lt + lj > TABLE_ARENA) {
		t->overflow = true;
		t->ncell++;
		return;
	}
	memcpy(t->arena + t->used, text_buf, lt);
	memcpy(t->arena + t->used + lt, json_buf, lj);
	t->cell[t->nrows - 1][t->ncell++] = t->used;
	t->used += (uint32_t)(lt + lj);
}

static void put2(struct table *t, const char *text, const char *json)
{
	size_t a = 0, b = 0;

	app_s(text_buf, sizeof(text_buf), &a, text);
	app_s(json_buf, sizeof(json_buf), &b, json);
	put(t);
}

void table_str(struct table *t, const char *s, size_t max)
{
	size_t a = 0, b = 0;

	app_text(text_buf, sizeof(text_buf), &a, s, max);
	app_json_str(json_buf, sizeof(json_buf), &b, s, max);
	put(t);
}

void table_opt(struct table *t, const char *s, size_t max)
{
	if (!s || !s[0] || !max)
		put2(t, "-", "null");
	else
		table_str(t, s, max);
}

void table_num(struct table *t, uint64_t v)
{
	char n[24];

	bh_snprintf(n, sizeof(n), "%llu", (unsigned long long)v);
	put2(t, n, n);
}

void table_opt_num(struct table *t, uint64_t v)
{
	if (v)
		table_num(t, v);
	else
		put2(t, "-", "null");
}

void table_hex(struct table *t, uint64_t v)
{
	char h[24], n[24];

	bh_snprintf(h, sizeof(h), "%#llx", (unsigned long long)v);
	bh_snprintf(n, sizeof(n), "%llu", (unsigned long long)v);
	put2(t, v ? h : "0", n);
}

size_t table_size_text(char *buf, size_t cap, uint64_t bytes)
{
	static const char units[] = "GMK";
	unsigned shift = 30;

	for (const char *u = units; *u; u++, shift -= 10)
		if (bytes && !(bytes & ((1ull << shift) - 1)))
			return (size_t)bh_snprintf(buf, cap, "%llu%c",
						   (unsigned long long)(bytes >> shift), *u);
	return (size_t)bh_snprintf(buf, cap, "%llu", (unsigned long long)bytes);
}

void table_size(struct table *t, uint64_t bytes)
{
	char s[24], n[24];

	table_size_text(s, sizeof(s), bytes);
	bh_snprintf(n, sizeof(n), "%llu", (unsigned long long)bytes);
	put2(t, s, n);
}

void table_cpus(struct table *t, const uint8_t *cpus, uint32_t n)
{
	size_t a = 0, b = 0;
	char num[8];

	app_s(json_buf, sizeof(json_buf), &b, "[");
	text_buf[0] = 0;
	for (uint32_t i = 0; i < n; i++) {
		bh_snprintf(num, sizeof(num), "%u", cpus[i]);
		if (i) {
			app_s(text_buf, sizeof(text_buf), &a, ",");
			app_s(json_buf, sizeof(json_buf), &b, ", ");
		}
		app_s(text_buf, sizeof(text_buf), &a, num);
		app_s(json_buf, sizeof(json_buf), &b, num);
	}
	app_s(json_buf, sizeof(json_buf), &b, "]");
	put(t);
}

size_t table_mask_text(char *buf, size_t cap, uint64_t mask)
{
	size_t len = 0;
	char part[16];

	if (cap)
		buf[0] = 0;
	for (unsigned i = 0; i < 64; i++) {
		unsigned j = i;

		if (!((mask >> i) & 1))
			continue;
		while (j + 1 < 64 && ((mask >> (j + 1)) & 1))
			j++;
		if (j == i)
			bh_snprintf(part, sizeof(part), "%s%u", len ? "," : "", i);
		else
			bh_snprintf(part, sizeof(part), "%s%u-%u", len ? "," : "", i, j);
		app_s(buf, cap, &len, part);
		i = j;
	}
	return len;
}

void table_mask(struct table *t, uint64_t mask)
{
	size_t b = 0;
	char num[8];
	bool first = true;

	table_mask_text(text_buf, sizeof(text_buf), mask);
	app_s(json_buf, sizeof(json_buf), &b, "[");
	for (unsigned i = 0; i < 64; i++) {
		if (!((mask >> i) & 1))
			continue;
		bh_snprintf(num, sizeof(num), "%s%u", first ? "" : ", ", i);
		app_s(json_buf, sizeof(json_buf), &b, num);
		first = false;
	}
	app_s(json_buf, sizeof(json_buf), &b, "]");
	put(t);
}

void table_list(struct table *t, const char *const *items, uint32_t n, const char *sep)
{
	size_t a = 0, b = 0;

	text_buf[0] = 0;
	app_s(json_buf, sizeof(json_buf), &b, "[");
	for (uint32_t i = 0; i < n; i++) {
		if (i) {
			app_s(text_buf, sizeof(text_buf), &a, sep);
			app_s(json_buf, sizeof(json_buf), &b, ", ");
		}
		app_text(text_buf, sizeof(text_buf), &a, items[i], (size_t)-1);
		if (b + 2 < sizeof(json_buf))
			app_json_str(json_buf, sizeof(json_buf) - 1, &b, items[i], (size_t)-1);
	}
	app_s(json_buf, sizeof(json_buf), &b, "]");
	put(t);
}

/* ---- output ---- */

static const char *text_of(const struct table *t, uint32_t row, uint32_t col)
{
	return t->arena + t->cell[row][col];
}

static const char *json_of(const struct table *t, uint32_t row, uint32_t col)
{
	const char *s = text_of(t, row, col);
	const char *j = s + strlen(s) + 1;

	return t->cell[row][col] ? j : "null";
}

/* A line as cells: pads each column but the last to its width. */
static char line_buf[TABLE_CELL_MAX + 4 * TABLE_LINE_MAX];

static size_t pad_cell(size_t len, const char *s, uint32_t width, bool right, bool last)
{
	size_t n = strlen(s);

	for (size_t k = n; right && k < width; k++)
		app_s(line_buf, sizeof(line_buf), &len, " ");
	app_s(line_buf, sizeof(line_buf), &len, s);
	for (size_t k = n; !right && !last && k < width; k++)
		app_s(line_buf, sizeof(line_buf), &len, " ");
	if (!last)
		app_s(line_buf, sizeof(line_buf), &len, "  ");
	return len;
}

/* Cuts s at most max characters in: after "; " (between list items) where that keeps at
 * least half the line, else after a blank, else anywhere. */
static size_t wrap_at(const char *s, size_t max)
{
	size_t n = strlen(s), blank = 0, item = 0;

	if (n <= max)
		return n;
	for (size_t i = 1; i < max; i++) {
		if (s[i] != ' ')
			continue;
		blank = i + 1;
		if (s[i - 1] == ';')
			item = i + 1;
	}
	if (item >= max / 2)
		return item;
	return blank ? blank : max;
}

/* A wrapped piece without the blank it was cut at. */
static char *trim(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == ' ')
		s[--n] = 0;
	return s;
}

/* The line in line_buf; the last column starts at `start`: what passes TABLE_LINE_MAX
 * goes onto lines indented to it (cut short when no room is left there). */
static void emit_wrapped(size_t start, table_out_fn out, void *ctx)
{
	static char piece[TABLE_LINE_MAX + 1];
	const char *rest;
	size_t room, k;

	if (strlen(line_buf) <= TABLE_LINE_MAX || start + 20 > TABLE_LINE_MAX) {
		line_buf[TABLE_LINE_MAX] = 0;
		out(ctx, line_buf);
		return;
	}
	room = TABLE_LINE_MAX - start;
	rest = line_buf + start;
	k = wrap_at(rest, room);
	memcpy(piece, line_buf, start + k);
	piece[start + k] = 0;
	out(ctx, trim(piece));
	for (rest += k; *rest; rest += k) {
		while (*rest == ' ')
			rest++;
		if (!*rest)
			break;
		k = wrap_at(rest, room);
		memset(piece, ' ', start);
		memcpy(piece + start, rest, k);
		piece[start + k] = 0;
		out(ctx, trim(piece));
	}
}

void table_wrap(const char *line, size_t indent, table_out_fn out, void *ctx)
{
	size_t len = 0;

	line_buf[0] = 0;
	app_s(line_buf, sizeof(line_buf), &len, line);
	emit_wrapped(indent, out, ctx);
}

void table_print(const struct table *t, uint32_t from, uint32_t to, table_out_fn out, void *ctx)
{
	uint32_t width[TABLE_COLS_MAX] = { 0 };
	size_t len, start = 0;

	if (to > t->ncols)
		to = t->ncols;
	for (uint32_t c = from; c < to; c++) {
		width[c] = (uint32_t)strlen(t->cols[c].name);
		for (uint32_t r = 0; r < t->nrows; r++)
			if (strlen(text_of(t, r, c)) > width[c])
				width[c] = (uint32_t)strlen(text_of(t, r, c));
	}
	for (int32_t r = -1; r < (int32_t)t->nrows; r++) {
		len = 0;
		line_buf[0] = 0;
		for (uint32_t c = from; c < to; c++) {
			const char *s = r < 0 ? t->cols[c].name : text_of(t, (uint32_t)r, c);
			if (c + 1 == to)
				start = len;
			len = pad_cell(len, s, width[c], t->cols[c].right, c + 1 == to);
		}
		emit_wrapped(t->cols[to - 1].right ? 0 : start, out, ctx);
	}
}

static char obj_buf[TABLE_ARENA / 8];

static void row_object(const struct table *t, uint32_t row, const char *prefix, const char *suffix)
{
	size_t len = 0;

	obj_buf[0] = 0;
	app_s(obj_buf, sizeof(obj_buf), &len, prefix);
	app_s(obj_buf, sizeof(obj_buf), &len, "{");
	for (uint32_t c = 0; c < t->ncols; c++) {
		char key[40];
		size_t k = 0;

		for (const char *n = t->cols[c].name; *n && k + 1 < sizeof(key); n++)
			key[k++] = (char)(*n >= 'A' && *n <= 'Z' ? *n - 'A' + 'a' : *n);
		key[k] = 0;
		if (c)
			app_s(obj_buf, sizeof(obj_buf), &len, ", ");
		app_s(obj_buf, sizeof(obj_buf), &len, "\"");
		app_s(obj_buf, sizeof(obj_buf), &len, key);
		app_s(obj_buf, sizeof(obj_buf), &len, "\": ");
		app_s(obj_buf, sizeof(obj_buf), &len, json_of(t, row, c));
	}
	app_s(obj_buf, sizeof(obj_buf), &len, "}");
	app_s(obj_buf, sizeof(obj_buf), &len, suffix);
}

void table_json_row(const struct table *t, uint32_t row, const char *prefix, const char *suffix,
		    table_out_fn out, void *ctx)
{
	if (row >= t->nrows)
		return;
	row_object(t, row, prefix, suffix);
	table_emit(obj_buf, out, ctx);
}

void table_json(const struct table *t, const char *open, const char *close, table_out_fn out,
		void *ctx)
{
	table_emit(open, out, ctx);
	for (uint32_t r = 0; r < t->nrows; r++)
		table_json_row(t, r, "", r + 1 < t->nrows ? "," : "", out, ctx);
	table_emit(close, out, ctx);
}

/* The last place at most max characters in where s may be cut: after a comma outside a
 * string; 0 when there is none. */
static size_t json_cut(const char *s, size_t max)
{
	bool in_str = false, esc = false;
	size_t best = 0;

	for (size_t i = 0; s[i] && i < max; i++) {
		if (esc)
			esc = false;
		else if (in_str && s[i] == '\\')
			esc = true;
		else if (s[i] == '"')
			in_str = !in_str;
		else if (!in_str && s[i] == ',')
			best = i + 1;
	}
	return best;
}

void table_emit(const char *line, table_out_fn out, void *ctx)
{
	static char piece[TABLE_LINE_MAX + 1];
	const char *rest = line;

	while (strlen(rest) > TABLE_LINE_MAX) {
		size_t k = json_cut(rest, TABLE_LINE_MAX);
		bool at_comma = k != 0;

		if (!k)
			k = TABLE_LINE_MAX; /* one string longer than a line: cut inside it */
		memcpy(piece, rest, k);
		piece[k] = 0;
		out(ctx, piece);
		rest += k;
		while (at_comma && *rest == ' ')
			rest++;
	}
	if (*rest || rest == line)
		out(ctx, rest);
}
