/* SPDX-License-Identifier: MIT */
/* uvtest.c - partitions for the ultravisor's system tests (tests/system/test_ultravisor.py).
 *
 *   role=beat [crash=N]  prints "uvtest: <name> up", then "uvtest: <name> beat <i>" every
 *                        100 ms; with crash=N it touches an I/O port it does not own after
 *                        beat N (the monitor contains it: a crash the restart rule handles)
 *   role=client          the command partition's stand-in on the command channel: lists the
 *                        partitions, has a transaction for more memory than is free refused
 *                        and reads the database back unchanged, stops and restarts "spare"
 *                        cycles=N times (20) and compares the pool before and after, then
 *                        destroys crash-stop once it is down and reads what came back
 *   role=hostile         attaches as the client, starts the partitions like the client, then
 *                        writes garbage into the channel: indices,
 *                        states, slots (the ultravisor must go on serving nobody else harm)
 *   role=watch           lays out each of its channels and serves it; says when a client
 *                        attaches and when the channel's state says the client died;
 *                        out=<port> writes that I/O port once first (a device it owns)
 *   attach=1 (beat)      attach as the client of its first channel first
 *   every=N (beat)       print every Nth beat only (0: none)
 *   role=canary          fills the page uvtest_canary with "BH-CANARY-PAGE-0" (16 bytes,
 *                        repeated), checks it every 200 ms, and after check-ms=N (4000) says
 *                        "uvtest: canary intact" or how many bytes changed, and exits 0
 *                        (test_iommu.py: a device's DMA aimed at it)
 * Every result is a console line the test asserts on.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/config.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/uvcmd.h>
#include "chan/chan.h"
#include "rt/guest-test.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define MS 1000000ull

static const struct bh_partition_info *info;

static void sleep_ms(uint64_t ms)
{
	uint64_t until = (uint64_t)bh_time_ns() + ms * MS;

	bh_timer_set(until);
	while ((uint64_t)bh_time_ns() < until)
		bh_wait();
}

/* What the partition sees: "<RAM> MiB RAM, <n> vCPU(s), channels <id>,<id>". */
static const char *memory_map(void)
{
	static char line[160];
	uint64_t ram = 0;
	int n = 0;

	for (uint32_t k = 0; k < info->mem_count; k++)
		if ((info->mem[k].kind & 0xff) == BH_MEM_KIND_RAM)
			ram += info->mem[k].size;
	n = snprintf(line, sizeof(line), "%" PRIu64 " MiB RAM, %u vCPU(s), channels", ram >> 20,
		     info->vcpu_count);
	for (uint32_t k = 0; k < info->mem_count; k++)
		if ((info->mem[k].kind & 0xff) == BH_MEM_KIND_CHANNEL && n < (int)sizeof(line) - 12)
			n += snprintf(line + n, sizeof(line) - n, " %u",
				      BH_MEM_KIND_CHAN_ID(info->mem[k].kind));
	return line;
}

static const uint8_t WATCH_TYPE[16] = "bh-uvtest-v1";

/* ---- role=beat ---- */

static __attribute__((noreturn)) int beat(void)
{
	uint64_t crash = 0, attach = 0, every = 1;
	static struct chan c;

	bh_arg_u64("crash", &crash);
	bh_arg_u64("every", &every);
	bh_arg_u64("attach", &attach);
	for (uint32_t k = 0; attach && k < info->mem_count; k++) {
		const struct bh_mem_region *m = &info->mem[k];
		if ((m->kind & 0xff) != BH_MEM_KIND_CHANNEL)
			continue;
		while (chan_attach(&c, (void *)(uintptr_t)m->gpa, m->size, CHAN_CLIENT, WATCH_TYPE))
			sleep_ms(10); /* until the server has laid it out */
		bh_hc1(BH_HC_SIGNAL, BH_MEM_KIND_CHAN_ID(m->kind));
		printf("uvtest: %s attached to channel %u\n", info->name, BH_MEM_KIND_CHAN_ID(m->kind));
		break;
	}
	printf("uvtest: %s up: %s\n", info->name, memory_map());
	for (uint64_t i = 1;; i++) {
		sleep_ms(100);
		if (every && i % every == 0)
			printf("uvtest: %s beat %" PRIu64 "\n", info->name, i);
		if (crash && i == crash) {
			printf("uvtest: %s crashes now\n", info->name);
			fflush(stdout);
			__asm__ volatile("outb %%al, $0x80" : : "a"(0)); /* a port it does not own */
		}
	}
}

/* ---- the command channel ---- */

static struct chan ch;
static uint64_t chan_id;
static struct uv_request rq;
static struct uv_response rs;
static uint64_t next_id = 1;

static bool attach(void)
{
	for (int tries = 0; tries < 100; tries++) {
		for (uint32_t i = 0; i < info->mem_count; i++) {
			const struct bh_mem_region *m = &info->mem[i];
			if ((m->kind & 0xff) != BH_MEM_KIND_CHANNEL)
				continue;
			if (!chan_attach(&ch, (void *)(uintptr_t)m->gpa, m->size, CHAN_CLIENT,
					 (const uint8_t *)UV_CHAN_TYPE)) {
				chan_id = BH_MEM_KIND_CHAN_ID(m->kind);
				return true;
			}
		}
		sleep_ms(10);
	}
	return false;
}

static void notify(void)
{
	if (chan_need_notify(&ch))
		bh_hc1(BH_HC_SIGNAL, chan_id);
}

/* Send rq, wait for the answer in rs. → rs.status. */
static int call(void)
{
	long n;

	rq.magic = UV_REQ_MAGIC;
	rq.version = UV_VERSION;
	rq.request_id = next_id++;
	GUEST_ASSERT_EQ(chan_send(&ch, &rq, sizeof(rq)), 0);
	notify();
	while ((n = chan_recv(&ch, &rs, sizeof(rs))) == -BH_ENOENT) {
		notify();
		if (chan_prepare_wait(&ch) == 0)
			bh_wait();
		chan_cancel_wait(&ch);
	}
	GUEST_ASSERT(n >= (long)offsetof(struct uv_response, data));
	GUEST_ASSERT_EQ(rs.request_id, rq.request_id);
	return rs.status;
}

static struct uv_op *begin(uint16_t kind, uint32_t ops)
{
	memset(&rq, 0, sizeof(rq));
	rq.kind = kind;
	rq.op_count = ops;
	return rq.ops;
}

static int txn1(uint16_t code, const char *name)
{
	struct uv_op *op = begin(UV_REQ_TXN, 1);

	op->op = code;
	strncpy(op->name, name, sizeof(op->name) - 1);
	return call();
}

static void read_all(uint16_t code, uint8_t *out, size_t cap, size_t *len)
{
	uint64_t from = 0;

	*len = 0;
	do {
		struct uv_op *op = begin(UV_REQ_READ, 1);
		op->op = code;
		op->args.read.from = from;
		GUEST_ASSERT_EQ(call(), 0);
		GUEST_ASSERT(*len + rs.data_size <= cap);
		memcpy(out + *len, rs.data, rs.data_size);
		*len += rs.data_size;
		from = rs.next;
	} while (rs.flags & UV_RESP_MORE);
}

static uint8_t parts_buf[0x8000], res_buf[0x20000];

static const struct uv_part_rec *part_named(const char *name)
{
	size_t len;

	read_all(UV_OP_READ_PARTITIONS, parts_buf, sizeof(parts_buf), &len);
	for (size_t off = 0; off + sizeof(struct uv_part_rec) <= len;
	     off += sizeof(struct uv_part_rec)) {
		const struct uv_part_rec *p = (const void *)(parts_buf + off);
		if (!strcmp(p->name, name))
			return p;
	}
	return NULL;
}

static const char *state_name(uint32_t s)
{
	static const char *const names[] = { "?", "created", "loaded", "running", "stopped",
					     "crashed" };
	return s < UV_STATE_NR ? names[s] : "?";
}

static bool wait_state(const char *name, uint32_t state)
{
	for (int i = 0; i < 500; i++) {
		const struct uv_part_rec *p = part_named(name);
		if (p && p->state == state)
			return true;
		sleep_ms(10);
	}
	return false;
}

static uint64_t pool_free(void)
{
	size_t len;
	uint64_t free_bytes = 0;

	read_all(UV_OP_READ_RESOURCES, res_buf, sizeof(res_buf), &len);
	for (size_t off = 0; off + sizeof(struct uv_res_rec) <= len; off += sizeof(struct uv_res_rec)) {
		const struct uv_res_rec *r = (const void *)(res_buf + off);
		if (r->type == UV_RES_POOL)
			free_bytes += r->value;
	}
	return free_bytes;
}

/* The command partition's part of the boot: every loaded partition started, I/O partitions
 * first, one transaction each. */
static void boot_intent(void)
{
	static uint8_t snapshot[sizeof(parts_buf)];
	size_t len;

	GUEST_ASSERT(wait_state("spare", UV_STATE_LOADED) || wait_state("spare", UV_STATE_RUNNING));
	read_all(UV_OP_READ_PARTITIONS, snapshot, sizeof(snapshot), &len);
	for (int pass = 0; pass < 2; pass++)
		for (size_t off = 0; off < len; off += sizeof(struct uv_part_rec)) {
			const struct uv_part_rec *p = (const void *)(snapshot + off);
			if (p->state != UV_STATE_LOADED || (p->kind == BH_CFG_KIND_IOPART) != (pass == 0))
				continue;
			printf("uvtest: boot: start %s: status %d\n", p->name, txn1(UV_OP_START, p->name));
		}
}

static int client(void)
{
	static uint8_t before_p[sizeof(parts_buf)], before_r[sizeof(res_buf)];
	size_t lp, lr, lp2, lr2;
	bool same_p, same_r;
	uint64_t gen, free0, free1;
	struct uv_op *op;

	uint64_t cycles = 20;

	bh_arg_u64("cycles", &cycles);
	printf("uvtest: %s up: %s\n", info->name, memory_map());
	GUEST_ASSERT(attach());
	printf("uvtest: attached to the command channel (id %" PRIu64 ")\n", chan_id);
	boot_intent();
	GUEST_ASSERT(wait_state("spare", UV_STATE_RUNNING));
	read_all(UV_OP_READ_PARTITIONS, parts_buf, sizeof(parts_buf), &lp);
	for (size_t off = 0; off < lp; off += sizeof(struct uv_part_rec)) {
		const struct uv_part_rec *p = (const void *)(parts_buf + off);
		printf("uvtest: list %s %s %" PRIu64 " MiB %u vcpus\n", p->name,
		       state_name(p->state), p->memory >> 20, p->vcpus);
	}

	/* A transaction for more memory than is free: refused, nothing changes. */
	free0 = pool_free();
	read_all(UV_OP_READ_PARTITIONS, before_p, sizeof(before_p), &lp);
	read_all(UV_OP_READ_RESOURCES, before_r, sizeof(before_r), &lr);
	gen = rs.generation;
	op = begin(UV_REQ_TXN, 2);
	op[0].op = UV_OP_STOP;
	strcpy(op[0].name, "beat");
	op[1].op = UV_OP_ASSIGN_MEMORY;
	strcpy(op[1].name, "beat");
	op[1].args.memory.bytes = (free0 + 0x400000) & ~0x1fffffull;
	call();
	printf("uvtest: too much memory: status %d, op %d, generation %s, reason \"%s\"\n",
	       rs.status, rs.failed_op, rs.generation == gen ? "unchanged" : "NEW", rs.reason);
	read_all(UV_OP_READ_PARTITIONS, parts_buf, sizeof(parts_buf), &lp2);
	read_all(UV_OP_READ_RESOURCES, res_buf, sizeof(res_buf), &lr2);
	same_p = lp == lp2 && !memcmp(before_p, parts_buf, lp);
	same_r = lr == lr2 && !memcmp(before_r, res_buf, lr);
	printf("uvtest: after the refusal: generation %s, partitions %s, resources %s, beat %s\n",
	       rs.generation == gen ? "same" : "moved", same_p ? "same" : "changed",
	       same_r ? "same" : "changed", state_name(part_named("beat")->state));

	/* Stop and restart a guest 20 times: the pool ends as it began. */
	free0 = pool_free();
	for (int i = 1; i <= (int)cycles; i++) {
		int s1 = txn1(UV_OP_STOP, "spare");
		bool stopped = wait_state("spare", UV_STATE_STOPPED);
		int s2 = txn1(UV_OP_RESTART, "spare");
		bool running = wait_state("spare", UV_STATE_RUNNING);
		printf("uvtest: cycle %d: stop %d %s, restart %d %s\n", i, s1,
		       stopped ? "stopped" : "NOT STOPPED", s2, running ? "running" : "NOT RUNNING");
	}
	free1 = pool_free();
	printf("uvtest: pool free before %" PRIu64 " after %" PRIu64 " KiB\n", free0 >> 10,
	       free1 >> 10);
	printf("uvtest: spare restarts %u\n", part_named("spare")->restarts);

	/* Destroy a partition that is down: everything it held goes back to the pool. */
	if (wait_state("crash-stop", UV_STATE_CRASHED)) {
		free0 = pool_free();
		int st = txn1(UV_OP_DESTROY, "crash-stop");
		printf("uvtest: destroy crash-stop: status %d, gone %s, pool free +%" PRIu64 " KiB\n",
		       st, part_named("crash-stop") ? "no" : "yes", (pool_free() - free0) >> 10);
	}
	GUEST_DONE();
}

/* ---- role=hostile ---- */

static __attribute__((noreturn)) int hostile(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t *mem = NULL;
	size_t size = 0;

	GUEST_ASSERT(attach());
	printf("uvtest: hostile attached, writing garbage\n"); /* before anything crashes */
	boot_intent(); /* first as a proper client: the partitions run */
	mem = (uint8_t *)ch.hdr;
	size = ch.size;
	for (uint64_t i = 0;; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (i % 3 == 0)
			((volatile uint32_t *)mem)[(x >> 8) % 0x100] = (uint32_t)x; /* header, indices */
		else
			((volatile uint32_t *)mem)[(x >> 8) % (size / 4)] = (uint32_t)(x >> 32);
		if (i % 64 == 0) {
			bh_hc1(BH_HC_SIGNAL, chan_id);
			bh_yield();
		}
		if (i % 100000 == 0)
			printf("uvtest: hostile round %" PRIu64 "\n", i / 100000);
	}
}

/* ---- role=watch ---- */

static __attribute__((noreturn)) int watch(void)
{
	static struct chan ch_[BH_INFO_MEM_MAX];
	static struct bh_chan_hdr *hdr[BH_INFO_MEM_MAX];
	static uint32_t id[BH_INFO_MEM_MAX], said[BH_INFO_MEM_MAX];
	uint64_t port;
	unsigned n = 0;

	for (uint32_t k = 0; k < info->mem_count; k++) {
		const struct bh_mem_region *m = &info->mem[k];
		void *mem = (void *)(uintptr_t)m->gpa;
		if ((m->kind & 0xff) != BH_MEM_KIND_CHANNEL)
			continue;
		GUEST_ASSERT_EQ(chan_init(mem, m->size, WATCH_TYPE, 64, 4), 0);
		GUEST_ASSERT_EQ(chan_attach(&ch_[n], mem, m->size, CHAN_SERVER, WATCH_TYPE), 0);
		hdr[n] = mem;
		id[n++] = BH_MEM_KIND_CHAN_ID(m->kind);
	}
	printf("uvtest: %s watching %u channel(s)\n", info->name, n);
	if (!bh_arg_u64("out", &port)) { /* a port of a device it owns: no exit, no containment */
		__asm__ volatile("outb %%al, %%dx" : : "a"(0x42), "d"((uint16_t)port));
		printf("uvtest: %s wrote I/O port %#llx\n", info->name, (unsigned long long)port);
	}
	for (;;) {
		for (unsigned i = 0; i < n; i++) {
			uint32_t client = __atomic_load_n(&hdr[i]->ep[BH_CHAN_CLIENT].status,
							  __ATOMIC_ACQUIRE);
			uint16_t state = __atomic_load_n(&hdr[i]->state, __ATOMIC_ACQUIRE);
			if (client == BH_CHAN_EP_ALIVE && !said[i]) {
				printf("uvtest: %s: channel %u: client attached\n", info->name, id[i]);
				said[i] = 1;
			}
			if (client == BH_CHAN_EP_DEAD && state == BH_CHAN_DEAD && said[i] == 1) {
				printf("uvtest: %s: channel %u: the channel says its client died\n",
				       info->name, id[i]);
				said[i] = 2;
			}
		}
		bh_wait(); /* a client's signal, or the monitor's word of a death */
	}
}

/* ---- role=canary ---- */

static const char CANARY[16] = "BH-CANARY-PAGE-0";
uint8_t uvtest_canary[4096] __attribute__((aligned(4096))); /* nm finds it */

static int canary(void)
{
	uint64_t check_ms = 4000;
	unsigned bad = 0, first = 0;

	bh_arg_u64("check-ms", &check_ms);
	for (unsigned i = 0; i < sizeof(uvtest_canary); i++)
		uvtest_canary[i] = (uint8_t)CANARY[i % 16];
	printf("uvtest: canary set at gpa %#lx\n", (unsigned long)(uintptr_t)uvtest_canary);
	for (uint64_t t = 0; t < check_ms && !bad; t += 200) {
		sleep_ms(200);
		for (unsigned i = 0; i < sizeof(uvtest_canary); i++)
			if (((volatile uint8_t *)uvtest_canary)[i] != (uint8_t)CANARY[i % 16] && !bad++)
				first = i;
	}
	if (bad)
		printf("uvtest: canary overwritten: first at offset %u\n", first);
	else
		printf("uvtest: canary intact\n");
	fflush(stdout);
	return 0;
}

int main(void)
{
	char role[16] = "";

	info = bh_info_page();
	bh_arg("role", role, sizeof(role));
	if (!strcmp(role, "beat"))
		return beat();
	if (!strcmp(role, "client"))
		return client();
	if (!strcmp(role, "hostile"))
		return hostile();
	if (!strcmp(role, "watch"))
		return watch();
	if (!strcmp(role, "canary"))
		return canary();
	printf("uvtest: role=beat|client|hostile|watch, not \"%s\"\n", role);
	return 2;
}
