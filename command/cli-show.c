/* SPDX-License-Identifier: MIT */
/* cli-show.c - the verbs that only read: list, show, policy show, journal. Each reads what
 * it shows afresh, fills one table, and prints it as text or as JSON (table.h). */
#include <string.h>
#include "cli-int.h"
#include "fmt.h"
#include "config/validate.h"

#define JOURNAL_DEFAULT 10
#define JOURNAL_MAX     100

/* Text, or JSON as {"<key>": [ rows ]}. */
static void print(struct cli *c, bool json, const char *key)
{
	char open[48];

	if (!json) {
		table_print(&c->table, 0, c->table.ncols, cli_table_out, c);
		return;
	}
	bh_snprintf(open, sizeof(open), "{\"%s\": [", key);
	table_json(&c->table, open, "]}", cli_table_out, c);
}

/* ---- list: partitions ---- */

static const struct table_col part_cols[] = {
	{ "NAME", false },        { "ID", true },           { "KIND", false },
	{ "ZONE", false },        { "STATE", false },       { "CPUS", false },
	{ "MEMORY", false },      /* list stops here; show goes on */
	{ "RESTART", false },     { "RESTART-MAX", true },  { "RESTARTS", true },
	{ "AUTO-RESTARTS", true }, { "DEVICES", true },     { "CHANNELS", true },
	{ "DISK", false },        { "MAC", false },
};
#define LIST_COLS 7
#define SHOW_COLS (sizeof(part_cols) / sizeof(part_cols[0]))

struct text32 {
	char s[32];
};

/* Its disk window as "SIZE@BASE" (",ro" when read-only), "-" when none was given. */
static struct text32 disk_text(const struct uv_part_rec *p)
{
	struct text32 t = { "-" };
	char size[16], base[16];

	if (!p->disk_size)
		return t;
	table_size_text(size, sizeof(size), p->disk_size);
	table_size_text(base, sizeof(base), p->disk_base);
	bh_snprintf(t.s, sizeof(t.s), "%s@%s%s", size, base,
		    p->disk_flags & BH_CFG_DISK_RO ? ",ro" : "");
	return t;
}

static struct text32 mac_text(const uint8_t m[6])
{
	struct text32 t = { "-" };

	if (m[0] | m[1] | m[2] | m[3] | m[4] | m[5])
		bh_snprintf(t.s, sizeof(t.s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
			    m[3], m[4], m[5]);
	return t;
}

static void part_row(struct cli *c, const struct uv_part_rec *p, bool full)
{
	struct table *t = &c->table;

	table_row(t);
	table_str(t, p->name, sizeof(p->name));
	table_num(t, p->id);
	table_str(t, cli_kind_name(p->kind), UV_NAME_LEN);
	table_str(t, cli_zone_name(c, p->zone), UV_NAME_LEN);
	table_str(t, cli_state_name(p->state), UV_NAME_LEN);
	table_cpus(t, p->cpus, p->vcpus);
	table_size(t, p->memory);
	if (!full)
		return;
	table_str(t, cli_restart_name(p->restart), UV_NAME_LEN);
	table_opt_num(t, p->restart_max);
	table_num(t, p->restarts);
	table_num(t, p->auto_restarts);
	table_num(t, p->devices);
	table_num(t, p->channels);
	table_str(t, disk_text(p).s, sizeof(struct text32));
	table_str(t, mac_text(p->mac).s, sizeof(struct text32));
}

static int list_partitions(struct cli *c, bool json)
{
	if (cli_snapshot(c))
		return -1;
	table_init(&c->table, part_cols, LIST_COLS);
	for (uint32_t i = 0; i < c->snap.nparts; i++)
		part_row(c, &c->snap.parts[i], false);
	print(c, json, "partitions");
	return 0;
}

/* ---- list zones ---- */

static const struct table_col zone_cols[] = {
	{ "NAME", false },   { "POLICY", false },    { "CPUS", false },
	{ "MEMORY", false }, { "USED", false },      { "PARTITIONS", true },
	{ "MAX-PARTITIONS", true },
};

static const struct pol_zone *pol_zone_named(const struct pol_response *rs, const char *name)
{
	for (uint32_t i = 0; i < rs->zone_count; i++)
		if (!strcmp(rs->zones[i].name, name))
			return &rs->zones[i];
	return NULL;
}

static int list_zones(struct cli *c, bool json)
{
	struct table *t = &c->table;

	if (cli_snapshot(c) || cli_pol_show(c, "", &c->prs))
		return -1;
	table_init(t, zone_cols, sizeof(zone_cols) / sizeof(zone_cols[0]));
	for (uint32_t z = 0; z < c->snap.nzones; z++) {
		const struct uv_res_rec *r = &c->snap.zones[z];
		const struct pol_zone *pz = pol_zone_named(&c->prs, r->name);
		uint32_t n = 0;

		for (uint32_t i = 0; i < c->snap.nparts; i++)
			n += c->snap.parts[i].zone == z;
		table_row(t);
		table_str(t, r->name, UV_NAME_LEN);
		table_opt(t, pz ? pz->policy : NULL, POL_NAME_LEN);
		table_mask(t, r->base);
		table_size(t, r->size);
		table_size(t, r->value);
		table_num(t, n);
		table_opt_num(t, pz ? pz->max_partitions : 0);
	}
	print(c, json, "zones");
	return 0;
}

/* ---- list resources ---- */

static const struct table_col pool_cols[] = {
	{ "POOL", true }, { "BASE", false }, { "SIZE", false }, { "FREE", false },
};
static const struct table_col cpu_cols[] = {
	{ "CPU", true }, { "VCPUS", true }, { "PARTITIONS", true }, { "DEDICATED", false },
};
static const struct table_col dev_cols[] = {
	{ "DEVICE", false }, { "CLASS", false }, { "OWNER", false },
};

/* One section of a document of several: text as a table, JSON as "key": [ rows ]. */
static void section(struct cli *c, bool json, const char *open, const char *close)
{
	if (json)
		table_json(&c->table, open, close, cli_table_out, c);
	else
		table_print(&c->table, 0, c->table.ncols, cli_table_out, c);
}

static int list_resources(struct cli *c, bool json)
{
	struct table *t = &c->table;
	const struct cli_snap *s = &c->snap;

	if (cli_snapshot(c))
		return -1;
	table_init(t, pool_cols, 4);
	for (uint32_t i = 0; i < s->npools; i++) {
		table_row(t);
		table_num(t, i);
		table_hex(t, s->pools[i].base);
		table_size(t, s->pools[i].size);
		table_size(t, s->pools[i].value);
	}
	section(c, json, "{\"pool\": [", "],");
	table_init(t, cpu_cols, 4);
	for (uint32_t i = 0; i < s->ncpus; i++) {
		const struct uv_res_rec *r = &s->cpus[i];

		table_row(t);
		table_num(t, r->owner);
		table_num(t, r->value);
		table_num(t, r->base);
		table_opt(t, r->aux ? cli_part_name(c, r->aux) : NULL, UV_NAME_LEN);
	}
	section(c, json, "\"cpus\": [", "],");
	table_init(t, dev_cols, 3);
	for (uint32_t i = 0; i < s->ndevs; i++) {
		const char *cls = cfg_class_name((uint32_t)s->devs[i].value);

		table_row(t);
		table_str(t, s->devs[i].name, UV_NAME_LEN);
		table_str(t, cls ? cls : "?", UV_NAME_LEN);
		table_opt(t, s->devs[i].owner ? cli_part_name(c, s->devs[i].owner) : NULL,
			  UV_NAME_LEN);
	}
	section(c, json, "\"devices\": [", "]}");
	return 0;
}

/* ---- list channels ---- */

static const struct table_col chan_cols[] = {
	{ "NAME", false },   { "ID", true },      { "TYPE", false },
	{ "SERVER", false }, { "CLIENT", false }, { "SIZE", false },
};
static const struct table_col show_chan_cols[] = {
	{ "CHANNEL", false }, { "ID", true },      { "TYPE", false },
	{ "SERVER", false },  { "CLIENT", false }, { "SIZE", false },
};

/* READ_RESOURCES does not carry a channel's type. Only I/O partitions serve console,
 * block and net channels (lib/config check-refs), so one served by anything else is a
 * control channel; for the others the type is not known here. */
static const char *chan_type(struct cli *c, const struct uv_res_rec *r)
{
	for (uint32_t i = 0; i < c->snap.nparts; i++)
		if (c->snap.parts[i].id == r->value)
			return c->snap.parts[i].kind == BH_CFG_KIND_IOPART ? NULL : "control";
	return NULL;
}

static void chan_row(struct cli *c, const struct uv_res_rec *r)
{
	struct table *t = &c->table;

	table_row(t);
	table_str(t, r->name, UV_NAME_LEN);
	table_num(t, r->owner);
	table_opt(t, chan_type(c, r), UV_NAME_LEN);
	table_str(t, cli_part_name(c, r->value), UV_NAME_LEN);
	table_str(t, cli_part_name(c, r->aux), UV_NAME_LEN);
	table_size(t, r->size);
}

static int list_channels(struct cli *c, bool json)
{
	if (cli_snapshot(c))
		return -1;
	table_init(&c->table, chan_cols, 6);
	for (uint32_t i = 0; i < c->snap.nchans; i++)
		chan_row(c, &c->snap.chans[i]);
	print(c, json, "channels");
	return 0;
}

int cli_cmd_list(struct cli *c, int argc, char **argv, bool json)
{
	if (argc > 2)
		return cli_usage(c, "list");
	if (argc == 1)
		return list_partitions(c, json);
	if (!strcmp(argv[1], "zones"))
		return list_zones(c, json);
	if (!strcmp(argv[1], "resources"))
		return list_resources(c, json);
	if (!strcmp(argv[1], "channels"))
		return list_channels(c, json);
	return cli_fail(c, "unknown list \"%s\" (zones, resources or channels)", argv[1]);
}

/* ---- show <partition> ---- */

int cli_cmd_show(struct cli *c, int argc, char **argv, bool json)
{
	const struct uv_part_rec *p;
	struct table *t = &c->table;

	if (argc != 2)
		return cli_usage(c, "show");
	if (cli_need(c, argv[1], &p))
		return -1;
	table_init(t, part_cols, SHOW_COLS);
	part_row(c, p, true);
	if (json) {
		table_json_row(t, 0, "{\"partition\": ", ",", cli_table_out, c);
	} else {
		table_print(t, 0, LIST_COLS, cli_table_out, c);
		table_print(t, LIST_COLS, SHOW_COLS, cli_table_out, c);
	}
	table_init(t, show_chan_cols, 6);
	for (uint32_t i = 0; i < c->snap.nchans; i++)
		if (c->snap.chans[i].value == p->id || c->snap.chans[i].aux == p->id)
			chan_row(c, &c->snap.chans[i]);
	section(c, json, "\"channels\": [", "]}");
	return 0;
}

/* ---- policy show [zone] ---- */

static const struct table_col policy_cols[] = {
	{ "ZONE", false },          { "POLICY", false },  { "CPUS", false },
	{ "MEMORY", false },        { "KINDS", false },   { "MAX-PARTITIONS", true },
	{ "RESTART", false },       { "RESTART-MAX", true }, { "FAILOVER", false },
};

int cli_cmd_policy_show(struct cli *c, int argc, char **argv, bool json)
{
	struct table *t = &c->table;
	char open[48];

	if (argc > 2)
		return cli_usage(c, "policy");
	if (cli_pol_show(c, argc == 2 ? argv[1] : "", &c->prs))
		return -1;
	table_init(t, policy_cols, sizeof(policy_cols) / sizeof(policy_cols[0]));
	for (uint32_t i = 0; i < c->prs.zone_count; i++) {
		const struct pol_zone *z = &c->prs.zones[i];
		const char *kinds[BH_CFG_KIND_NR];
		uint32_t n = 0;

		for (uint32_t k = 1; k < BH_CFG_KIND_NR; k++)
			if (z->kinds & (1u << k))
				kinds[n++] = cli_kind_name(k);
		table_row(t);
		table_str(t, z->name, POL_NAME_LEN);
		table_str(t, z->policy, POL_NAME_LEN);
		table_mask(t, z->cpus);
		table_size(t, z->memory);
		table_list(t, kinds, n, ",");
		table_opt_num(t, z->max_partitions);
		table_str(t, cli_restart_name(z->restart), UV_NAME_LEN);
		table_opt_num(t, z->restart_max);
		table_str(t, cli_failover_name(z->failover), UV_NAME_LEN);
	}
	if (json) {
		bh_snprintf(open, sizeof(open), "{\"version\": %u, \"zones\": [",
			    c->prs.policy_version);
		table_json(t, open, "]}", cli_table_out, c);
	} else {
		cli_out(c, "policy version %u", c->prs.policy_version);
		table_print(t, 0, t->ncols, cli_table_out, c);
	}
	return 0;
}

/* ---- journal [n] ---- */

static const struct table_col journal_cols[] = {
	{ "GENERATION", true }, { "ORIGIN", false }, { "OPS", false },
};

/* The records of one READ_JOURNAL page as rows, at most `max` in all. → 0, -1 malformed. */
static int journal_rows(struct cli *c, uint64_t max)
{
	static char text[UV_REQ_OPS_MAX][160];
	const char *items[UV_REQ_OPS_MAX];
	size_t off = 0, end = c->rs.data_size;

	for (uint32_t k = 0; k < c->rs.count && c->table.nrows < max; k++) {
		struct uv_journal_rec rec;
		struct uv_op op;

		if (off + sizeof(rec) > end)
			return -1;
		memcpy(&rec, c->rs.data + off, sizeof(rec));
		off += sizeof(rec);
		if (rec.op_count > UV_REQ_OPS_MAX || off + rec.op_count * sizeof(op) > end)
			return -1;
		for (uint32_t i = 0; i < rec.op_count; i++, off += sizeof(op)) {
			memcpy(&op, c->rs.data + off, sizeof(op));
			cli_op_text(&op, text[i], sizeof(text[i]));
			items[i] = text[i];
		}
		table_row(&c->table);
		table_num(&c->table, rec.generation);
		table_str(&c->table, rec.origin == UV_ORIGIN_CLIENT ? "client" :
				     rec.origin == UV_ORIGIN_ULTRAVISOR ? "ultravisor" : "?", 16);
		table_list(&c->table, items, rec.op_count, "; ");
	}
	return 0;
}

/* At most `max` records after generation `from` as rows. → 0, 1: from is older than the
 * journal keeps, -1 with why set. */
static int journal_read(struct cli *c, uint64_t from, uint64_t max)
{
	table_init(&c->table, journal_cols, 3);
	for (int page = 0; page < 256; page++) {
		struct uv_op *op = cli_uv_begin(c, UV_REQ_READ, 1);

		op->op = UV_OP_READ_JOURNAL;
		op->args.read.from = from;
		if (cli_uv_call(c))
			return -1;
		if (c->rs.status == -BH_ERANGE)
			return 1;
		if (c->rs.status)
			return cli_fail(c, "%s", c->rs.reason[0] ? c->rs.reason :
						 "the journal was refused");
		if (journal_rows(c, max) || (!c->rs.count && (c->rs.flags & UV_RESP_MORE)) ||
		    ((c->rs.flags & UV_RESP_MORE) && c->rs.next <= from))
			return cli_fail(c, "the ultravisor's answer is malformed");
		if (!(c->rs.flags & UV_RESP_MORE) || c->table.nrows >= max)
			return 0;
		from = c->rs.next;
	}
	return cli_fail(c, "the ultravisor's answer is malformed (a read without end)");
}

int cli_cmd_journal(struct cli *c, int argc, char **argv, bool json)
{
	uint64_t n = JOURNAL_DEFAULT, gen, from;
	char open[64];
	int r;

	if (argc > 2)
		return cli_usage(c, "journal");
	if (argc == 2 && cli_number(c, "journal", argv[1], &n))
		return -1;
	if (n < 1 || n > JOURNAL_MAX)
		return cli_fail(c, "journal shows 1 to %d transactions, not %s", JOURNAL_MAX,
				argv[1]);
	if (cli_read_parts(c))
		return -1;
	gen = c->snap.generation;
	from = gen > n ? gen - n : 0;
	r = journal_read(c, from, n);
	if (r == 1) { /* fell behind the oldest record kept: the first `from` that is kept */
		uint64_t lo = from, hi = gen;

		for (int i = 0; i < 64 && hi - lo > 1; i++) {
			uint64_t mid = lo + (hi - lo) / 2;
			int k = journal_read(c, mid, n);

			if (k < 0)
				return -1;
			*(k ? &lo : &hi) = mid;
		}
		r = journal_read(c, hi, n);
	}
	if (r < 0)
		return -1;
	if (r == 1)
		table_init(&c->table, journal_cols, 3);
	if (json) {
		bh_snprintf(open, sizeof(open), "{\"generation\": %llu, \"journal\": [",
			    (unsigned long long)gen);
		table_json(&c->table, open, "]}", cli_table_out, c);
	} else {
		cli_out(c, "generation %llu", (unsigned long long)gen);
		table_print(&c->table, 0, 3, cli_table_out, c);
	}
	return 0;
}
