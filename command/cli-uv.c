/* SPDX-License-Identifier: MIT */
/* cli-uv.c - requests to the ultravisor and the operations partition, checked answers, and
 * the snapshot of the partitions that every policy request carries. */
#include <string.h>
#include "cli-int.h"
#include "fmt.h"

#define READ_PAGES_MAX 256 /* a READ that goes on longer is malformed */

struct uv_op *cli_uv_begin(struct cli *c, uint16_t kind, uint32_t ops)
{
	memset(&c->rq, 0, sizeof(c->rq));
	c->rq.kind = kind;
	c->rq.op_count = ops;
	return c->rq.ops;
}

int cli_uv_call(struct cli *c)
{
	c->rq.magic = UV_REQ_MAGIC;
	c->rq.version = UV_VERSION;
	c->rq.request_id = c->next_id++;
	memset(&c->rs, 0, offsetof(struct uv_response, data));
	c->no_answer = c->io.uv(c->io.ctx, &c->rq, &c->rs) != 0;
	if (c->no_answer)
		return cli_fail(c, "the ultravisor did not answer");
	if (c->rs.magic != UV_RESP_MAGIC || c->rs.request_id != c->rq.request_id ||
	    c->rs.data_size > UV_RESP_DATA_MAX)
		return cli_fail(c, "the ultravisor's answer is malformed");
	c->rs.reason[UV_REASON_LEN - 1] = 0;
	return 0;
}

static int uv_refused(struct cli *c)
{
	if (c->rs.reason[0])
		return cli_fail(c, "%s", c->rs.reason);
	return cli_fail(c, "the ultravisor refused (error %d)", c->rs.status);
}

int cli_uv_txn(struct cli *c)
{
	if (cli_uv_call(c))
		return -1;
	return c->rs.status ? uv_refused(c) : 0;
}

/* ---- reads ---- */

typedef void (*rec_fn)(struct cli *c, const uint8_t *rec);

/* Every record of one READ op, in order, through each(). */
static int read_all(struct cli *c, uint16_t code, size_t size, rec_fn each)
{
	uint64_t from = 0;

	for (int page = 0; page < READ_PAGES_MAX; page++) {
		struct uv_op *op = cli_uv_begin(c, UV_REQ_READ, 1);

		op->op = code;
		op->args.read.from = from;
		if (cli_uv_call(c))
			return -1;
		if (c->rs.status)
			return uv_refused(c);
		if ((uint64_t)c->rs.count * size > c->rs.data_size ||
		    (!c->rs.count && (c->rs.flags & UV_RESP_MORE)))
			return cli_fail(c, "the ultravisor's answer is malformed");
		c->snap.generation = c->rs.generation;
		for (uint32_t i = 0; i < c->rs.count; i++)
			each(c, c->rs.data + (size_t)i * size);
		if (!(c->rs.flags & UV_RESP_MORE))
			return 0;
		if (c->rs.next != from + c->rs.count) /* records in order, none twice */
			return cli_fail(c, "the ultravisor's answer is malformed (paging)");
		from = c->rs.next;
	}
	return cli_fail(c, "the ultravisor's answer is malformed (a read without end)");
}

static void add_part(struct cli *c, const uint8_t *rec)
{
	struct uv_part_rec *p;

	if (c->snap.nparts == POL_PARTS_MAX)
		return;
	p = &c->snap.parts[c->snap.nparts++];
	memcpy(p, rec, sizeof(*p));
	p->name[UV_NAME_LEN - 1] = 0;
	if (p->vcpus > UV_VCPUS_MAX)
		p->vcpus = UV_VCPUS_MAX;
}

int cli_read_parts(struct cli *c)
{
	c->snap.nparts = 0;
	return read_all(c, UV_OP_READ_PARTITIONS, sizeof(struct uv_part_rec), add_part);
}

static void add_res(struct cli *c, const uint8_t *rec)
{
	struct cli_snap *s = &c->snap;
	struct uv_res_rec r, *to = NULL;

	memcpy(&r, rec, sizeof(r));
	r.name[UV_NAME_LEN - 1] = 0;
	if (r.type == UV_RES_POOL && s->npools < 16)
		to = &s->pools[s->npools++];
	else if (r.type == UV_RES_ZONE && s->nzones < POL_ZONES_MAX)
		to = &s->zones[s->nzones++];
	else if (r.type == UV_RES_CPU && s->ncpus < 64)
		to = &s->cpus[s->ncpus++];
	else if (r.type == UV_RES_DEVICE && s->ndevs < 64)
		to = &s->devs[s->ndevs++];
	else if (r.type == UV_RES_CHANNEL && s->nchans < 256)
		to = &s->chans[s->nchans++];
	if (to)
		*to = r;
}

int cli_read_res(struct cli *c)
{
	struct cli_snap *s = &c->snap;

	s->npools = s->nzones = s->ncpus = s->ndevs = s->nchans = 0;
	return read_all(c, UV_OP_READ_RESOURCES, sizeof(struct uv_res_rec), add_res);
}

int cli_snapshot(struct cli *c)
{
	return cli_read_parts(c) || cli_read_res(c) ? -1 : 0;
}

const struct uv_part_rec *cli_find(struct cli *c, const char *name)
{
	for (uint32_t i = 0; i < c->snap.nparts; i++)
		if (!strcmp(c->snap.parts[i].name, name))
			return &c->snap.parts[i];
	return NULL;
}

int cli_need(struct cli *c, const char *name, const struct uv_part_rec **p)
{
	if (cli_snapshot(c))
		return -1;
	if (!(*p = cli_find(c, name)))
		return cli_fail(c, "no partition named \"%s\"", name);
	return 0;
}

const char *cli_zone_name(struct cli *c, uint32_t zone)
{
	return zone < c->snap.nzones ? c->snap.zones[zone].name : "?";
}

const char *cli_part_name(struct cli *c, uint64_t id)
{
	static char unknown[4][24];
	static unsigned next;
	char *s;

	if (!id)
		return "-";
	for (uint32_t i = 0; i < c->snap.nparts; i++)
		if (c->snap.parts[i].id == id)
			return c->snap.parts[i].name;
	s = unknown[next++ % 4];
	bh_snprintf(s, sizeof(unknown[0]), "#%llu", (unsigned long long)id);
	return s;
}

void cli_pol_part(struct cli *c, const struct uv_part_rec *r, struct pol_part *out)
{
	memset(out, 0, sizeof(*out));
	cli_copy(out->name, sizeof(out->name), r->name, sizeof(r->name));
	out->kind = r->kind;
	cli_copy(out->zone, sizeof(out->zone), cli_zone_name(c, r->zone), UV_NAME_LEN);
	out->state = r->state;
	out->vcpus = r->vcpus;
	memcpy(out->cpus, r->cpus, sizeof(out->cpus));
	out->restart = r->restart;
	out->restart_max = r->restart_max;
	out->memory = r->memory;
}

/* ---- the operations partition ---- */

void cli_pol_begin(struct cli *c, uint16_t kind)
{
	memset(&c->prq, 0, sizeof(c->prq));
	c->prq.kind = kind;
	if (kind == POL_SHOW)
		return;
	c->prq.part_count = c->snap.nparts;
	for (uint32_t i = 0; i < c->snap.nparts; i++)
		cli_pol_part(c, &c->snap.parts[i], &c->prq.parts[i]);
}

int cli_pol_call(struct cli *c)
{
	struct pol_response *rs = &c->prs;

	c->prq.magic = POL_REQ_MAGIC;
	c->prq.version = POL_VERSION;
	c->prq.request_id = c->next_id++;
	memset(rs, 0, sizeof(*rs));
	if (c->io.pol(c->io.ctx, &c->prq, rs))
		return cli_fail(c, "the operations partition did not answer");
	if (rs->magic != POL_RESP_MAGIC || rs->request_id != c->prq.request_id ||
	    rs->zone_count > POL_ZONES_MAX || rs->violator_count > POL_VIOLATORS_MAX)
		return cli_fail(c, "the operations partition's answer is malformed");
	rs->reason[POL_REASON_LEN - 1] = 0;
	for (uint32_t i = 0; i < POL_VIOLATORS_MAX; i++)
		rs->violators[i][POL_NAME_LEN - 1] = 0;
	for (uint32_t i = 0; i < POL_ZONES_MAX; i++) {
		rs->zones[i].name[POL_NAME_LEN - 1] = 0;
		rs->zones[i].policy[POL_NAME_LEN - 1] = 0;
	}
	return 0;
}

/* The answer's status as why: -BH_EPERM is a denial. */
static int pol_refused(struct cli *c)
{
	const struct pol_response *rs = &c->prs;

	if (rs->status == -BH_EPERM)
		return cli_fail(c, "denied by policy: %s",
				rs->reason[0] ? rs->reason : "no reason given");
	if (rs->reason[0])
		return cli_fail(c, "policy: %s", rs->reason);
	return cli_fail(c, "policy: the operations partition refused (error %d)", rs->status);
}

int cli_pol_check(struct cli *c, uint32_t action, const struct pol_part *subject)
{
	cli_pol_begin(c, POL_CHECK);
	c->prq.action = action;
	c->prq.subject = *subject;
	if (cli_pol_call(c))
		return -1;
	return c->prs.status ? pol_refused(c) : 0;
}

int cli_pol_show(struct cli *c, const char *zone, struct pol_response *into)
{
	if (strlen(zone) >= POL_NAME_LEN)
		return cli_fail(c, "no zone named \"%s\"", zone);
	cli_pol_begin(c, POL_SHOW);
	strcpy(c->prq.zone, zone);
	if (cli_pol_call(c))
		return -1;
	if (c->prs.status == -BH_ENOENT && zone[0])
		return cli_fail(c, "no zone named \"%s\"", zone);
	if (c->prs.status)
		return pol_refused(c);
	if (into != &c->prs)
		*into = c->prs;
	return 0;
}

/* ---- journal ops as text: "start guest-1" ---- */

void cli_op_text(const struct uv_op *op, char *buf, size_t cap)
{
	const struct uv_create *cr = &op->args.create;
	const struct uv_channel *ch = &op->args.channel;
	const struct uv_policy_set *p = &op->args.policy;
	char n[UV_NAME_LEN], s1[UV_IMAGE_LEN], s2[64], s3[UV_NAME_LEN], s4[UV_NAME_LEN];
	unsigned long long bytes = op->args.memory.bytes;

	cli_copy(n, sizeof(n), op->name, sizeof(op->name));
	switch (op->op) {
	case UV_OP_CREATE:
		cli_copy(s3, sizeof(s3), cr->zone, sizeof(cr->zone));
		cli_copy(s1, sizeof(s1), cr->image, sizeof(cr->image));
		table_size_text(s2, sizeof(s2), cr->memory);
		bh_snprintf(buf, cap, "create %s: %s in %s, %u vCPU%s, %s, image %s", n,
			    cli_kind_name(cr->kind), s3, cr->vcpus, cr->vcpus == 1 ? "" : "s", s2,
			    s1);
		break;
	case UV_OP_ASSIGN_MEMORY:
	case UV_OP_RELEASE_MEMORY:
		table_size_text(s1, sizeof(s1), bytes);
		bh_snprintf(buf, cap, "%s %s mem=%s",
			    op->op == UV_OP_ASSIGN_MEMORY ? "assign" : "release", n, s1);
		break;
	case UV_OP_ASSIGN_CPU:
	case UV_OP_RELEASE_CPU:
		bh_snprintf(buf, cap, "%s %s cpu=%u",
			    op->op == UV_OP_ASSIGN_CPU ? "assign" : "release", n, op->args.cpu.cpu);
		break;
	case UV_OP_ASSIGN_DEVICE:
	case UV_OP_RELEASE_DEVICE:
		cli_copy(s3, sizeof(s3), op->args.device.device, UV_NAME_LEN);
		bh_snprintf(buf, cap, "%s %s device=%s",
			    op->op == UV_OP_ASSIGN_DEVICE ? "assign" : "release", n, s3);
		break;
	case UV_OP_ASSIGN_CHANNEL:
		cli_copy(s3, sizeof(s3), ch->server, UV_NAME_LEN);
		cli_copy(s4, sizeof(s4), ch->client, UV_NAME_LEN);
		table_size_text(s1, sizeof(s1), ch->size);
		bh_snprintf(buf, cap, "assign channel %s: %s -> %s, %s", n, s3, s4, s1);
		break;
	case UV_OP_RELEASE_CHANNEL:
		bh_snprintf(buf, cap, "release channel %s", n);
		break;
	case UV_OP_START:   bh_snprintf(buf, cap, "start %s", n); break;
	case UV_OP_STOP:    bh_snprintf(buf, cap, "stop %s", n); break;
	case UV_OP_RESTART: bh_snprintf(buf, cap, "restart %s", n); break;
	case UV_OP_DESTROY: bh_snprintf(buf, cap, "destroy %s", n); break;
	case UV_OP_SET_ZONE:
		table_mask_text(s1, sizeof(s1), op->args.zone.cpus);
		table_size_text(s2, sizeof(s2), op->args.zone.memory);
		bh_snprintf(buf, cap, "set zone %s cpus=%s memory=%s", n, s1, s2);
		break;
	case UV_OP_SET_POLICY:
		cli_kinds_text(p->kinds, s2, sizeof(s2));
		bh_snprintf(buf, cap, "set policy %s kinds=%s max-partitions=%u restart=%s "
			    "restart-max=%u failover=%s", n, s2, p->max_partitions,
			    cli_restart_name(p->restart), p->restart_max,
			    cli_failover_name(p->failover));
		break;
	case UV_OP_EV_LOADED:  bh_snprintf(buf, cap, "%s loaded", n); break;
	case UV_OP_EV_CRASHED: bh_snprintf(buf, cap, "%s crashed", n); break;
	case UV_OP_EV_EXITED:  bh_snprintf(buf, cap, "%s exited", n); break;
	default:
		bh_snprintf(buf, cap, "op %u %s", op->op, n);
		break;
	}
}
