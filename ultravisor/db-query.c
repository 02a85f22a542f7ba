/* SPDX-License-Identifier: MIT */
/* db-query.c - READ_PARTITIONS and READ_RESOURCES: the committed state as records. */
#include <string.h>
#include <bulkhead/errno.h>
#include "db-int.h"

/* The k-th live partition (slot order), or NULL. */
static const struct db_part *nth_part(const struct db_state *st, uint64_t k)
{
	for (uint32_t s = 0; s < DB_PARTS_MAX; s++)
		if (st->parts[s].id && k-- == 0)
			return &st->parts[s];
	return NULL;
}

static const struct db_chan *nth_chan(const struct db_state *st, uint64_t k)
{
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++)
		if (st->chans[s].id && k-- == 0)
			return &st->chans[s];
	return NULL;
}

static void part_rec(const struct db_state *st, const struct db_part *p, struct uv_part_rec *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->name, p->name, sizeof(r->name));
	r->id = p->id;
	r->kind = p->kind;
	r->zone = p->zone;
	r->state = p->state;
	r->flags = p->flags;
	r->vcpus = p->vcpus;
	r->restarts = p->restarts;
	r->auto_restarts = p->auto_restarts;
	r->restart = p->restart;
	r->restart_max = p->restart_max;
	r->memory = p->memory;
	memcpy(r->cpus, p->cpus, sizeof(r->cpus));
	r->disk_base = p->disk_base;
	r->disk_size = p->disk_size;
	r->disk_flags = p->disk_flags;
	memcpy(r->mac, p->mac, sizeof(r->mac));
	for (uint32_t d = 0; d < st->device_count; d++)
		r->devices += st->devices[d].owner == p->id;
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++)
		r->channels += st->chans[s].id &&
			       (st->chans[s].server == p->id || st->chans[s].client == p->id);
}

/* Records from index `from` while they fit; `get` fills record k or says there is none. */
static int fill(const struct db_state *st, uint64_t from, struct uv_response *resp, size_t size,
		bool (*get)(const struct db_state *, uint64_t, void *))
{
	union {
		struct uv_part_rec p;
		struct uv_res_rec r;
	} probe;
	uint64_t k = from;

	while (resp->data_size + size <= UV_RESP_DATA_MAX &&
	       get(st, k, resp->data + resp->data_size)) {
		resp->data_size += (uint32_t)size;
		resp->count++;
		k++;
	}
	if (get(st, k, &probe))
		resp->flags |= UV_RESP_MORE;
	resp->next = k;
	return 0;
}

static bool get_part(const struct db_state *st, uint64_t k, void *out)
{
	const struct db_part *p = nth_part(st, k);

	if (p)
		part_rec(st, p, out);
	return p != NULL;
}

int query_partitions(const struct db_state *st, uint64_t from, struct uv_response *resp)
{
	return fill(st, from, resp, sizeof(struct uv_part_rec), get_part);
}

static void res_named(struct uv_res_rec *r, uint32_t type, const char *name)
{
	r->type = type;
	memcpy(r->name, name, sizeof(r->name));
}

static bool res_fixed(const struct db_state *st, uint64_t k, struct uv_res_rec *r)
{
	if (k < st->pool_count) {
		r->type = UV_RES_POOL;
		r->base = st->pool[k].base;
		r->size = st->pool[k].size;
		for (uint32_t i = 0; i < st->extent_count; i++) {
			const struct db_extent *e = &st->extents[i];

			if (e->owner == UV_OWNER_FREE && e->base >= r->base &&
			    e->base < r->base + r->size)
				r->value += e->size;
		}
		return true;
	}
	k -= st->pool_count;
	if (k < st->extent_count) {
		r->type = UV_RES_EXTENT;
		r->base = st->extents[k].base;
		r->size = st->extents[k].size;
		r->owner = st->extents[k].id;
		r->value = st->extents[k].owner;
		r->aux = st->extents[k].gpa;
		return true;
	}
	k -= st->extent_count;
	if (k < st->zone_count) {
		res_named(r, UV_RES_ZONE, st->zones[k].name);
		r->base = st->zones[k].cpus;
		r->size = st->zones[k].memory;
		r->value = st->zone_used[k];
		return true;
	}
	return false;
}

static bool get_res(const struct db_state *st, uint64_t k, void *out)
{
	uint64_t fixed = (uint64_t)st->pool_count + st->extent_count + st->zone_count;
	struct uv_res_rec *r = out;
	const struct db_chan *c;

	memset(r, 0, sizeof(*r));
	if (k < fixed)
		return res_fixed(st, k, r);
	k -= fixed;
	if (k < st->cpu_count) {
		r->type = UV_RES_CPU;
		r->owner = (uint32_t)k;
		r->value = st->cpus[k].vcpus;
		r->aux = st->cpus[k].dedicated;
		for (uint32_t s = 0; s < DB_PARTS_MAX; s++)
			r->base += (st->cpus[k].slots >> s) & 1;
		return true;
	}
	k -= st->cpu_count;
	if (k < st->device_count) {
		res_named(r, UV_RES_DEVICE, st->devices[k].cfg.name);
		r->owner = st->devices[k].owner;
		r->value = st->devices[k].cfg.class;
		return true;
	}
	k -= st->device_count;
	if (!(c = nth_chan(st, k)))
		return false;
	res_named(r, UV_RES_CHANNEL, c->name);
	r->owner = c->id;
	r->base = c->hpa;
	r->size = c->size;
	r->value = c->server;
	r->aux = c->client;
	return true;
}

int query_resources(const struct db_state *st, uint64_t from, struct uv_response *resp)
{
	return fill(st, from, resp, sizeof(struct uv_res_rec), get_res);
}
