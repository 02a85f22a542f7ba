/* SPDX-License-Identifier: MIT */
/* machine.c - make the machine match the database. After every commit, each partition the
 * database holds is brought to its recorded state through the monitor's calls (publish its
 * view, load its image, start or stop it), and each one it no longer holds is destroyed.
 * What the monitor reports (a partition ended on its own) becomes a lifecycle event
 * transaction first, so the database decides what follows (the restart rule). */
#include <stdio.h>
#include <string.h>
#include <bulkhead/channel.h>
#include <bulkhead/errno.h>
#include <bulkhead/uvcall.h>
#include "cmdchan.h"
#include "config/validate.h"
#include "fmt.h"
#include "loader.h"
#include "machine.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

/* What the monitor has of one partition, as far as the ultravisor has told it. */
struct shadow {
	uint32_t id;           /* 0: free */
	uint32_t state;        /* the database state last logged */
	bool installed;        /* the monitor holds a view */
	bool running;          /* started, and neither stopped nor reported ended since */
	bool loaded;           /* its memory holds a fresh image: lr is valid */
	uint32_t failed_restarts; /* load failed at this restart count + 1; 0: not failed */
	struct load_result lr;
	struct bh_view view;   /* as last published */
	uint32_t serves;       /* bit i: view region i is a channel it is the server of */
};

static struct shadow shadows[DB_PARTS_MAX];
static const struct bh_uv_bootinfo *boot;
static uint32_t self_id;

void machine_init(const struct bh_uv_bootinfo *bi, uint32_t ultravisor_id)
{
	boot = bi;
	self_id = ultravisor_id;
}

static struct shadow *shadow_of(uint32_t id, bool create)
{
	struct shadow *free_slot = NULL;

	for (unsigned i = 0; i < DB_PARTS_MAX; i++) {
		if (shadows[i].id == id)
			return &shadows[i];
		if (!shadows[i].id && !free_slot)
			free_slot = &shadows[i];
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->id = id;
	return free_slot;
}

const struct bh_uv_module *machine_module(const char *name)
{
	size_t n = strlen(name);

	for (uint32_t i = 0; n && i < boot->module_count; i++) {
		const char *m = boot->modules[i].name;
		if (!strncmp(m, name, n) && (m[n] == '\0' || m[n] == ' '))
			return &boot->modules[i];
	}
	return NULL;
}

/* A log line for every state change, at the commit that made it. */
static void note(const struct db *db)
{
	for (unsigned i = 0; i < DB_PARTS_MAX; i++) {
		const struct db_part *p = &db->st.parts[i];
		struct shadow *s = p->id ? shadow_of(p->id, true) : NULL;
		if (!s || s->state == p->state)
			continue;
		printf("ultravisor: %s: %s -> %s (generation %llu)\n", p->name,
		       s->state ? db_state_name(s->state) : "new", db_state_name(p->state),
		       (unsigned long long)db->st.generation);
		s->state = p->state;
	}
}

int machine_event(struct db *db, uint32_t id, uint16_t code)
{
	static struct uv_request rq;
	static struct uv_response rs;
	const struct db_part *p = db_part_by_id(&db->st, id);

	if (!p)
		return -BH_ENOENT;
	memset(&rq, 0, sizeof(rq));
	rq.magic = UV_REQ_MAGIC;
	rq.version = UV_VERSION;
	rq.kind = UV_REQ_TXN;
	rq.op_count = 1;
	rq.ops[0].op = code;
	memcpy(rq.ops[0].name, p->name, sizeof(rq.ops[0].name) - 1);
	if (code == UV_OP_EV_LOADED && p->start_pending) {
		rq.op_count = 2; /* restarted: loaded and started in one commit */
		rq.ops[1] = rq.ops[0];
		rq.ops[1].op = UV_OP_START;
	}
	if (db_apply_as(db, &rq, &rs, UV_ORIGIN_ULTRAVISOR))
		printf("ultravisor: event for %s refused: %s\n", p->name, rs.reason);
	note(db);
	return rs.status;
}

/* The device model of linux partition id, or NULL. */
/* A linux partition and its device model name each other (view.peer_id); the device
 * model's request ring is its RAM's first page (which its own page tables leave unmapped),
 * seen again above everything else it maps (include/bulkhead/ioreq.h). */
static int view_hvm(const struct db *db, const struct db_part *p, struct bh_view *v)
{
	const struct db_part *dm = p->kind == BH_CFG_KIND_LINUX ? db_devmodel_of(&db->st, p->id) : NULL;
	uint64_t top = 0;

	if (p->kind == BH_CFG_KIND_LINUX) {
		v->flags |= BH_VIEW_HVM;
		v->peer_id = dm ? dm->id : 0;
		return dm ? 0 : -BH_ENOENT;
	}
	v->flags |= BH_VIEW_DEVMODEL;
	v->peer_id = p->guest;
	if (v->region_count == BH_VIEW_REGIONS_MAX || !v->region_count || v->regions[0].gpa)
		return -BH_E2BIG;
	for (unsigned i = 0; i < v->region_count; i++)
		if (v->regions[i].kind != BH_VIEW_MMIO && v->regions[i].gpa + v->regions[i].size > top)
			top = v->regions[i].gpa + v->regions[i].size;
	v->regions[v->region_count++] = (struct bh_view_region){
		.gpa = (top + 0x1fffff) & ~0x1fffffull, .hpa = v->regions[0].hpa, .size = 0x1000,
		.kind = BH_VIEW_PRIVATE, .flags = BH_VIEW_R | BH_VIEW_W | BH_VIEW_IOREQ };
	return 0;
}

/* The database's view, and what the ultravisor adds by kind: the operations partition reads
 * the config blob (read-only, above everything else it maps), the command partition reads
 * the operator's typing until an I/O partition serves the console. */
static int view_of(const struct db *db, const struct db_part *p, struct bh_view *v)
{
	const struct bh_uv_module *blob = machine_module("config");
	uint64_t top = 0;
	int r = db_view(db, p->id, v);

	if (r)
		return r;
	if (p->kind == BH_CFG_KIND_COMMAND)
		v->flags |= BH_VIEW_CONSOLE_IN;
	if (p->kind == BH_CFG_KIND_LINUX || p->kind == BH_CFG_KIND_DEVMODEL)
		return view_hvm(db, p, v);
	if (p->kind != BH_CFG_KIND_OPSPOLICY || !blob || v->region_count == BH_VIEW_REGIONS_MAX)
		return 0;
	for (unsigned i = 0; i < v->region_count; i++)
		if (v->regions[i].kind != BH_VIEW_MMIO && v->regions[i].gpa + v->regions[i].size > top)
			top = v->regions[i].gpa + v->regions[i].size;
	v->regions[v->region_count++] = (struct bh_view_region){
		.gpa = (top + 0x1fffff) & ~0x1fffffull, .hpa = blob->hpa,
		.size = (blob->size + 0xfff) & ~0xfffull, .kind = BH_VIEW_MODULE, .flags = BH_VIEW_R };
	return 0;
}

static bool view_changed(const struct shadow *s, const struct bh_view *v)
{
	struct bh_view a = s->view, b = *v;

	a.generation = b.generation = 0; /* the same map under a newer generation is the same */
	return !s->installed || memcmp(&a, &b, sizeof(a));
}

static const struct db_chan *chan_by_id(const struct db *db, uint32_t id)
{
	for (unsigned i = 0; i < DB_CHANS_MAX; i++)
		if (db->st.chans[i].id && db->st.chans[i].id == id)
			return &db->st.chans[i];
	return NULL;
}

static int publish(const struct db *db, struct shadow *s, const struct bh_view *v)
{
	int r = (int)bh_hc3(BH_HC_VIEW_PUBLISH, bh_gpa(v), sizeof(*v), 0);

	if (r) {
		printf("ultravisor: %s: the monitor refused its view (error %d)\n", v->name, r);
		return r;
	}
	s->view = *v;
	s->installed = true;
	s->loaded = false;
	s->serves = 0; /* which end it is of each channel: for its death notice, even after the
			* database has forgotten it (destroy) */
	for (unsigned i = 0; i < v->region_count; i++) {
		const struct db_chan *c = v->regions[i].kind == BH_VIEW_CHANNEL ?
			chan_by_id(db, v->regions[i].chan_id) : NULL;
		if (c && c->server == s->id)
			s->serves |= 1u << i;
	}
	return 0;
}

/* A linux partition: its kernel, initramfs and command line (loader-linux.c). */
static int load_kernel(struct shadow *s, const struct db_part *p, const struct bh_uv_module *m,
		       char *err, size_t errlen)
{
	const struct bh_uv_module *initrd = p->initrd[0] ? machine_module(p->initrd) : NULL;

	if (p->initrd[0] && !initrd) {
		bh_snprintf(err, errlen, "initramfs \"%s\" is not among the boot modules", p->initrd);
		return -BH_ENOENT;
	}
	return load_linux(&s->view, (const void *)(uintptr_t)m->gpa, m->size,
			  initrd ? (const void *)(uintptr_t)initrd->gpa : NULL,
			  initrd ? initrd->size : 0, p->cmdline, bh_info_page()->tsc_hz, &s->lr,
			  err, errlen);
}

/* What the configuration gives the client of block or net channel c (for a device model, its
 * guest): its disk window in sectors and its MAC. Zero for other channels. */
static struct bh_chan_client chan_client(const struct db *db, const struct db_chan *c)
{
	const struct db_part *cl = db_part_by_id(&db->st, c->client);
	struct bh_chan_client r = { 0 };

	if (cl && cl->kind == BH_CFG_KIND_DEVMODEL)
		cl = db_part_by_id(&db->st, cl->guest);
	if (!cl || (c->type != BH_CFG_CHAN_BLOCK && c->type != BH_CFG_CHAN_NET))
		return r;
	if (c->type == BH_CFG_CHAN_BLOCK) {
		r.disk_base = cl->disk_base / BH_CFG_SECTOR;
		r.disk_sectors = cl->disk_size / BH_CFG_SECTOR;
		r.disk_flags = cl->disk_flags & BH_CFG_DISK_RO ? BH_DISK_RO : 0;
	} else {
		memcpy(r.mac, cl->mac, sizeof(r.mac));
	}
	return r;
}

static int load(const struct db *db, struct shadow *s, const struct db_part *p)
{
	static struct load_peer peers[BH_VIEW_REGIONS_MAX];
	static char err[200];
	const struct bh_uv_module *m = machine_module(p->image);
	int r;

	if (s->failed_restarts == p->restarts + 1)
		return -BH_ENOENT; /* said so already; a restart tries again */
	if (!m) {
		printf("ultravisor: %s: image \"%s\" is not among the boot modules: not loaded\n",
		       p->name, p->image);
		s->failed_restarts = p->restarts + 1;
		return -BH_ENOENT;
	}
	memset(peers, 0, sizeof(peers));
	for (unsigned i = 0; i < s->view.region_count; i++) { /* who is at each channel's end */
		const struct bh_view_region *r = &s->view.regions[i];
		const struct db_part *peer = r->kind == BH_VIEW_CHANNEL ?
			db_part_by_id(&db->st, r->peer_id) : NULL;
		const struct db_chan *c = peer ? chan_by_id(db, r->chan_id) : NULL;

		if (!peer)
			continue;
		peers[i].kind = (uint8_t)peer->kind;
		peers[i].chan_type = c ? (uint8_t)c->type : 0;
		if (peer->kind == BH_CFG_KIND_DEVMODEL && db_part_by_id(&db->st, peer->guest))
			peer = db_part_by_id(&db->st, peer->guest); /* it speaks for its guest */
		memcpy(peers[i].name, peer->name, BH_NAME_MAX - 1);
		if (c)
			peers[i].client = chan_client(db, c);
	}
	if (p->kind == BH_CFG_KIND_LINUX)
		r = load_kernel(s, p, m, err, sizeof(err));
	else
		r = load_partition(&s->view, (const void *)(uintptr_t)m->gpa, m->size, p->cmdline,
				   peers, &s->lr, err, sizeof(err));
	if (r) {
		printf("ultravisor: %s: image \"%s\" not loaded: %s\n", p->name, p->image, err);
		s->failed_restarts = p->restarts + 1;
		return r;
	}
	s->loaded = true;
	printf("ultravisor: %s: image \"%s\" loaded, entry %#llx\n", p->name, p->image,
	       (unsigned long long)s->lr.entry);
	return 0;
}

static int start(struct shadow *s, const struct db_part *p)
{
	int r;

	cmdchan_client_starts(p->id);
	r = (int)bh_hc4(BH_HC_PART_START, p->id, s->lr.entry, s->lr.stack_top, s->lr.boot_arg);

	if (r) {
		printf("ultravisor: %s: the monitor did not start it (error %d)\n", p->name, r);
		return r;
	}
	s->running = true;
	s->loaded = false; /* it writes its memory from now on */
	return 0;
}

/* s is down: each channel it has says so, and each peer gets an event. The channels the
 * ultravisor serves itself are laid out afresh when their client starts again. */
static void channels_dead(const struct shadow *s)
{
	for (unsigned i = 0; i < s->view.region_count; i++) {
		const struct bh_view_region *r = &s->view.regions[i];
		int rc;

		if (r->kind != BH_VIEW_CHANNEL || r->peer_id == self_id)
			continue;
		rc = (int)bh_hc3(BH_HC_CHAN_DEAD, s->id, r->chan_id,
				 s->serves & 1u << i ? BH_CHAN_SERVER : BH_CHAN_CLIENT);
		if (rc)
			printf("ultravisor: %s: channel %u: the monitor did not mark it dead "
			       "(error %d)\n", s->view.name, r->chan_id, rc);
	}
}

static void stop(const struct db *db, struct shadow *s, const struct db_part *p)
{
	bh_hc1(BH_HC_PART_STOP, s->id);
	s->running = false;
	s->loaded = false;
	channels_dead(s);
}

/* Not a linux partition, or one whose device model runs (its ports answer from the first
 * instruction on). */
static bool dm_running(const struct db *db, const struct db_part *p)
{
	const struct db_part *dm = p->kind == BH_CFG_KIND_LINUX ? db_devmodel_of(&db->st, p->id) : NULL;
	const struct shadow *s = dm ? shadow_of(dm->id, false) : NULL;

	return p->kind != BH_CFG_KIND_LINUX || (s && s->running);
}

/* One partition one step nearer its recorded state. → true if a transaction committed
 * (the database changed: look at everything again). */
static bool sync_part(struct db *db, const struct db_part *p)
{
	static struct bh_view v;
	struct shadow *s = shadow_of(p->id, true);

	if (!s || view_of(db, p, &v))
		return false;
	if (p->state != UV_STATE_RUNNING && s->running)
		stop(db, s, p);
	if (!s->running && view_changed(s, &v) && publish(db, s, &v))
		return false;
	switch (p->state) {
	case UV_STATE_CREATED:
		return !load(db, s, p) && !machine_event(db, p->id, UV_OP_EV_LOADED);
	case UV_STATE_RUNNING:
		if (!s->running && !dm_running(db, p))
			return false; /* a linux partition starts once its device model runs */
		if (s->running || ((s->loaded || !load(db, s, p)) && !start(s, p)))
			return false;
		printf("ultravisor: %s: recorded running, but it cannot run: a crash\n", p->name);
		return !machine_event(db, p->id, UV_OP_EV_CRASHED); /* the restart rule decides */
	default:
		return false;
	}
}

void machine_sync(struct db *db)
{
	note(db);
	for (unsigned pass = 0; pass < 4; pass++) { /* a commit here can only move forward */
		bool again = false;

		for (unsigned i = 0; i < DB_PARTS_MAX; i++) {
			struct shadow *s = &shadows[i];
			int r;

			if (!s->id || db_part_by_id(&db->st, s->id))
				continue;
			if (s->running) /* [stop, destroy] in one transaction: stop first */
				bh_hc1(BH_HC_PART_STOP, s->id);
			if (s->running || s->installed)
				channels_dead(s);
			if ((r = (int)bh_hc1(BH_HC_PART_DESTROY, s->id))) {
				printf("ultravisor: partition id %u: the monitor did not destroy it "
				       "(error %d): trying again at the next change\n", s->id, r);
				continue;
			}
			printf("ultravisor: partition id %u destroyed (generation %llu)\n", s->id,
			       (unsigned long long)db->st.generation);
			s->id = 0;
		}
		for (unsigned i = 0; i < DB_PARTS_MAX; i++) {
			const struct db_part *p = &db->st.parts[i];
			if (p->id && p->id != self_id)
				again |= sync_part(db, p);
		}
		if (!again)
			return;
	}
}

/* A device model ended: its guest has lost its devices and ends too, as crashed (its
 * restart rule decides; it starts again once a device model runs). */
static void guest_lost_devices(struct db *db, uint32_t id)
{
	const struct db_part *g = id ? db_part_by_id(&db->st, id) : NULL;
	struct shadow *s = g ? shadow_of(id, false) : NULL;

	if (!s || !s->running)
		return;
	bh_hc1(BH_HC_PART_STOP, id);
	s->running = false;
	s->loaded = false;
	channels_dead(s);
	printf("ultravisor: %s: its device model ended: ended as crashed\n", g->name);
	machine_event(db, id, UV_OP_EV_CRASHED);
}

void machine_ended(struct db *db, const struct bh_uv_event *e)
{
	struct shadow *s = shadow_of(e->id, false);
	const struct db_part *p = db_part_by_id(&db->st, e->id);

	if (!s || !p)
		return;
	s->running = false;
	s->loaded = false;
	channels_dead(s); /* first: its peers fail over at once, before any line is printed */
	printf("ultravisor: %s %s (status %d)\n", p->name,
	       e->how == BH_UV_CRASHED ? "crashed" : "exited", e->status);
	uint32_t guest = p->kind == BH_CFG_KIND_DEVMODEL ? p->guest : 0;
	machine_event(db, e->id, e->how == BH_UV_CRASHED ? UV_OP_EV_CRASHED : UV_OP_EV_EXITED);
	guest_lost_devices(db, guest);
}
