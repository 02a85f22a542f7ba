/* SPDX-License-Identifier: MIT */
/* table.h - answers as aligned tables or as JSON a row per line (docs/cli.md, Answers).
 *
 * A table is filled a row at a time; each cell keeps two renderings, the table's text and
 * the JSON value, so both forms of an answer come from the same rows:
 *
 *   table_row(t); table_str(t, "guest-1"); table_num(t, 6); table_size(t, 64 << 20);
 *   table_print(t, 0, t->ncols, out, ctx)   NAME     ID  MEMORY
 *                                           guest-1   6  64M
 *   table_json(t, "{\"partitions\": [", "]}", out, ctx)
 *                                           {"partitions": [
 *                                           {"name": "guest-1", "id": 6, "memory": 67108864}
 *                                           ]}
 *
 * Columns are separated by two spaces; numbers align right, the last column is not padded.
 * JSON keys are the column names in lower case. No output line is longer than
 * TABLE_LINE_MAX: a long last column wraps onto indented lines, a long JSON line is cut
 * after a comma between values (the document stays valid whether a reader joins the lines
 * with newlines or with nothing). Every byte from outside is shown safely: '?' in text,
 * \u00XX in JSON. Freestanding: no allocation, no libc beyond string.h.
 */
#ifndef COMMAND_TABLE_H
#define COMMAND_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TABLE_COLS_MAX 16
#define TABLE_ROWS_MAX 320      /* 256 channels, and room */
#define TABLE_ARENA    0x40000  /* bytes of cell text */
#define TABLE_LINE_MAX 149      /* characters per output line (the monitor splits at 160) */
#define TABLE_CELL_MAX 4096     /* one cell's rendering, longer is cut */

typedef void (*table_out_fn)(void *ctx, const char *line);

struct table_col {
	const char *name; /* header, upper case; the JSON key is its lower case */
	bool right;       /* numbers: aligned right */
};

struct table {
	const struct table_col *cols;
	uint32_t ncols;
	uint32_t nrows;
	uint32_t ncell;    /* cells filled in the last row */
	uint32_t used;     /* arena bytes */
	bool overflow;     /* a row or a cell did not fit: it shows empty */
	uint32_t cell[TABLE_ROWS_MAX][TABLE_COLS_MAX]; /* arena offset of "text\0json\0" */
	char arena[TABLE_ARENA];
};

void table_init(struct table *t, const struct table_col *cols, uint32_t ncols);
void table_row(struct table *t);

/* Cells, left to right. Strings are read up to max bytes or a NUL (fixed-size fields). */
void table_str(struct table *t, const char *s, size_t max);
void table_opt(struct table *t, const char *s, size_t max); /* NULL or "": "-", null */
void table_num(struct table *t, uint64_t v);
void table_opt_num(struct table *t, uint64_t v);              /* 0: "-", null */
void table_hex(struct table *t, uint64_t v);                  /* "0x4000000", number */
void table_size(struct table *t, uint64_t bytes);             /* "64M", bytes */
void table_cpus(struct table *t, const uint8_t *cpus, uint32_t n); /* "2,3", [2, 3] */
void table_mask(struct table *t, uint64_t mask);              /* "0-3,5", [0, 1, 2, 3, 5] */
void table_list(struct table *t, const char *const *items, uint32_t n, const char *sep);

/* Columns [from, to): a header line and one line per row. */
void table_print(const struct table *t, uint32_t from, uint32_t to, table_out_fn out, void *ctx);
/* open, one object per row (comma after all but the last), close. */
void table_json(const struct table *t, const char *open, const char *close, table_out_fn out,
		void *ctx);
/* One row's object between prefix and suffix, on one logical line. */
void table_json_row(const struct table *t, uint32_t row, const char *prefix, const char *suffix,
		    table_out_fn out, void *ctx);
/* A long line of text wrapped at blanks, the rest indented by indent. */
void table_wrap(const char *line, size_t indent, table_out_fn out, void *ctx);
/* One logical line, cut after commas where it is too long (JSON that is not a table). */
void table_emit(const char *line, table_out_fn out, void *ctx);

/* Renderings shared with other answers. */
size_t table_size_text(char *buf, size_t cap, uint64_t bytes); /* "64M", "4K", "0", "1000" */
size_t table_mask_text(char *buf, size_t cap, uint64_t mask);  /* "0-3,5", "2-3", "" */

#endif
