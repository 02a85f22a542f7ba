/* SPDX-License-Identifier: MIT */
/* test_cli_json.h - for test_cli.c: a strict JSON checker (RFC 8259 grammar, no extensions)
 * and a check that a --json answer holds the same rows as the table answer. */
#ifndef TESTS_UNIT_TEST_CLI_JSON_H
#define TESTS_UNIT_TEST_CLI_JSON_H

#include <ctype.h>

static const char *js_value(const char *p, int depth);

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return NULL; /* the CLI writes ASCII only */
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)p[i]))
					return NULL;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *js_number(const char *p)
{
	const char *s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char)*p))
			p++;
	else
		return NULL;
	if (*p == '.') {
		s = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == s)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		s = p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == s)
			return NULL;
	}
	return p;
}

/* Object or array: members separated by commas, each key: value or value. */
static const char *js_compound(const char *p, int depth, char close, bool keys)
{
	p = js_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keys) {
			if (!(p = js_string(p)))
				return NULL;
			p = js_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if (!(p = js_value(js_ws(p), depth + 1)))
			return NULL;
		p = js_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = js_ws(p);
	}
}

static const char *js_value(const char *p, int depth)
{
	if (depth > 32)
		return NULL;
	if (*p == '{')
		return js_compound(p, depth, '}', true);
	if (*p == '[')
		return js_compound(p, depth, ']', false);
	if (*p == '"')
		return js_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	return js_number(p);
}

static bool js_valid(const char *doc)
{
	const char *end = js_value(js_ws(doc), 0);

	return end && !*js_ws(end);
}

/* The answer's lines before "ok", joined with sep. */
static const char *json_doc(const char *answer, const char *sep)
{
	static char doc[2][1 << 16];
	static int which;
	char *d = doc[which++ % 2];
	size_t len = 0;

	d[0] = 0;
	for (const char *p = answer; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (!nl && n == 2 && !strncmp(p, "ok", 2))
			break; /* the last line */
		if (len)
			len += (size_t)sprintf(d + len, "%s", sep);
		memcpy(d + len, p, n);
		len += n;
		d[len] = 0;
		p += n + (nl ? 1 : 0);
	}
	return d;
}

/* A --json answer (lines, then "ok") is one valid JSON document, joined either way. */
static void assert_json_valid(const char *answer)
{
	const char *a = json_doc(answer, ""), *b = json_doc(answer, "\n");

	if (!js_valid(a) || !js_valid(b))
		print_message("not JSON:\n%s\n", b);
	assert_true(js_valid(a));
	assert_true(js_valid(b));
}

/* A table cell as the JSON value of its column. */
static void cell_json(const char *col, const char *cell, char *out, size_t cap)
{
	size_t n = strlen(cell), len = 0;
	char unit = n ? cell[n - 1] : 0;
	bool digits = n > 0;

	for (size_t i = 0; i < n; i++)
		digits &= isdigit((unsigned char)cell[i]) != 0;
	if (!strcmp(col, "cpus") || !strcmp(col, "kinds")) {
		char item[64];
		const char *p = cell;

		len += (size_t)snprintf(out + len, cap - len, "[");
		while (*p) {
			size_t k = strcspn(p, ",");
			unsigned a, b;

			snprintf(item, sizeof(item), "%.*s", (int)k, p);
			if (sscanf(item, "%u-%u", &a, &b) == 2)
				for (unsigned i = a; i <= b; i++)
					len += (size_t)snprintf(out + len, cap - len, "%s%u",
								len > 1 ? ", " : "", i);
			else if (isdigit((unsigned char)item[0]))
				len += (size_t)snprintf(out + len, cap - len, "%s%s",
							len > 1 ? ", " : "", item);
			else
				len += (size_t)snprintf(out + len, cap - len, "%s\"%s\"",
							len > 1 ? ", " : "", item);
			p += k + (p[k] == ',');
		}
		snprintf(out + len, cap - len, "]");
	} else if (!strcmp(cell, "-")) {
		snprintf(out, cap, "null");
	} else if (digits) {
		snprintf(out, cap, "%s", cell);
	} else if (n > 1 && (unit == 'K' || unit == 'M' || unit == 'G') &&
		   strspn(cell, "0123456789") == n - 1) {
		unsigned long long v = strtoull(cell, NULL, 10);
		snprintf(out, cap, "%llu", v << (unit == 'K' ? 10 : unit == 'M' ? 20 : 30));
	} else {
		snprintf(out, cap, "\"%s\"", cell);
	}
}

/* Every cell of every table row is a member of the same row's JSON object under key. */
static void assert_json_matches_table(const char *table, const char *answer, const char *key)
{
	char head[16][32], cells[16][64], want[256], open[64];
	const char *doc = json_doc(answer, ""), *p, *nl;
	int ncols = 0, row = 0;

	assert_json_valid(answer);
	snprintf(open, sizeof(open), "\"%s\": [", key);
	assert_non_null(p = strstr(doc, open));
	p += strlen(open);
	nl = strchr(table, '\n');
	for (const char *h = table; h < nl; ncols++) {
		int n = 0;
		sscanf(h, "%31s%n", head[ncols], &n);
		for (char *c = head[ncols]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		h += n;
		while (*h == ' ')
			h++;
	}
	for (const char *line = nl + 1; strncmp(line, "ok", 2); line = strchr(line, '\n') + 1) {
		const char *obj_end;
		char obj[1024];
		const char *l = line;

		for (int c = 0; c < ncols; c++) {
			int n = 0;
			sscanf(l, "%63s%n", cells[c], &n);
			l += n;
		}
		p = strchr(p, '{');
		assert_non_null(p);
		obj_end = js_value(p, 0);
		assert_non_null(obj_end);
		snprintf(obj, sizeof(obj), "%.*s", (int)(obj_end - p), p);
		for (int c = 0; c < ncols; c++) {
			char v[200];
			cell_json(head[c], cells[c], v, sizeof(v));
			snprintf(want, sizeof(want), "\"%s\": %s", head[c], v);
			if (!strstr(obj, want))
				print_message("row %d: %s not in %s\n", row, want, obj);
			assert_non_null(strstr(obj, want));
		}
		p = obj_end;
		row++;
	}
	assert_null(strchr(p, '{')); /* no more rows in JSON than in the table */
}

#endif
