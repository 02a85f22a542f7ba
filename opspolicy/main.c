/* SPDX-License-Identifier: MIT */
/* main.c - the operations partition: holds the zones and their policies (policy.c) and
 * answers the command partition on the policy channel (include/bulkhead/policy.h): one
 * struct pol_request in, one struct pol_response out, strictly in turn.
 *
 * Its info page lists the config blob as the first read-only boot module and the policy
 * channel as the first channel region; opspolicy is the channel's server and lays it out.
 * The client may be hostile: a message is copied out of the channel once and checked for
 * length here, for everything else by policy_handle(). A corrupt channel is not served
 * any more. Every applied change and every refusal is one console line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/policy.h>
#include "chan/chan.h"
#include "config/validate.h"
#include "fmt.h"
#include "policy.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define SLOT_SIZE 64 /* one slot per ring: the message goes in the slot's data buffer */
#define REQ_MIN   offsetof(struct pol_request, parts) /* the shortest request: no parts */

static struct policy_db db;
static struct chan ch;
static uint32_t chan_id;
static uint64_t answered, refused;

/* The first region of the info page of that kind (BH_MEM_KIND_*), or NULL. */
static const struct bh_mem_region *region(uint32_t kind)
{
	const struct bh_partition_info *info = bh_info_page();

	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++)
		if ((info->mem[i].kind & 0xff) == kind)
			return &info->mem[i];
	return NULL;
}

static void report(void *ctx, const struct cfg_error *e)
{
	char line[CFG_FIELD_MAX + CFG_MSG_MAX + 32];

	cfg_format_error(line, sizeof(line), e);
	printf("opspolicy: config: %s\n", line);
	(*(unsigned *)ctx)++;
}

/* The zones and policies of the config blob. → 0, or says why not. */
static int load(void)
{
	static char err[256];
	const struct bh_mem_region *m = region(BH_MEM_KIND_MODULE);
	const void *blob;
	unsigned errors = 0;

	if (!m) {
		printf("opspolicy: no boot module in the info page: no config blob, no policies\n");
		return -BH_ENOENT;
	}
	blob = (const void *)(uintptr_t)m->gpa;
	if (cfg_validate(blob, m->size, report, &errors)) {
		printf("opspolicy: config blob refused with %u error(s)\n", errors);
		return -BH_EINVAL;
	}
	if (policy_init_from_blob(&db, blob, m->size, err, sizeof(err))) {
		printf("opspolicy: %s\n", err);
		return -BH_EINVAL;
	}
	printf("opspolicy: %u zones, %u policies, version %u\n", db.zone_count, db.rule_count,
	       db.version);
	return 0;
}

/* Lay out the policy channel and attach as its server. → 0, or says why not. */
static int open_channel(void)
{
	const struct bh_mem_region *m = region(BH_MEM_KIND_CHANNEL);
	void *mem;
	int r;

	if (!m) {
		printf("opspolicy: no channel in the info page: nobody to answer\n");
		return -BH_ENOENT;
	}
	mem = (void *)(uintptr_t)m->gpa;
	chan_id = BH_MEM_KIND_CHAN_ID(m->kind);
	r = chan_init(mem, m->size, (const uint8_t *)POL_CHAN_TYPE, SLOT_SIZE, 1);
	if (!r)
		r = chan_attach(&ch, mem, m->size, CHAN_SERVER, (const uint8_t *)POL_CHAN_TYPE);
	if (!r && (chan_recv_max(&ch) < sizeof(struct pol_request) ||
		   chan_send_max(&ch) < sizeof(struct pol_response)))
		r = -BH_E2BIG;
	if (r)
		printf("opspolicy: policy channel %u (%llu KiB): cannot serve on it (error %d)\n",
		       chan_id, (unsigned long long)(m->size >> 10), r);
	else
		printf("opspolicy: serving the policy channel %u (%llu KiB)\n", chan_id,
		       (unsigned long long)(m->size >> 10));
	return r;
}

static void notify(void)
{
	if (chan_need_notify(&ch))
		bh_hc1(BH_HC_SIGNAL, chan_id);
}

/* A message that cannot be a request: answered, never applied. */
static void malformed(struct pol_response *rs, const uint8_t *msg, long len)
{
	memset(rs, 0, sizeof(*rs));
	rs->magic = POL_RESP_MAGIC;
	rs->version = POL_VERSION;
	if (len >= (long)offsetof(struct pol_request, action)) { /* echo what we can */
		memcpy(&rs->kind, msg + offsetof(struct pol_request, kind), sizeof(rs->kind));
		memcpy(&rs->request_id, msg + offsetof(struct pol_request, request_id),
		       sizeof(rs->request_id));
	}
	rs->status = -BH_EINVAL;
	rs->policy_version = db.version;
	bh_snprintf(rs->reason, sizeof(rs->reason), "request of %ld bytes: a request is %zu to "
		    "%zu bytes", len, REQ_MIN, sizeof(struct pol_request));
}

/* One line per refusal, naming the violators, and one per applied change. */
static void log_answer(const struct pol_request *rq, const struct pol_response *rs,
		       const struct policy_db *before)
{
	char was[96] = "?";

	if (rs->status) {
		refused++;
		printf("opspolicy: request %llu refused: %s\n", (unsigned long long)rs->request_id,
		       rs->reason);
		for (uint32_t i = 0; i < rs->violator_count; i++) /* a line of their own: short */
			printf("%s%s", i ? " " : "opspolicy: violators: ", rs->violators[i]);
		if (rs->violator_count)
			printf("\n");
	} else if (db.version != before->version) {
		policy_value_text(before, rq->zone, rq->key, was, sizeof(was));
		printf("opspolicy: version %u: zone %s %s=%s (was %s)\n", db.version, rq->zone,
		       rq->key, rq->value, was);
	}
}

static void answer(const uint8_t *msg, long len)
{
	static struct pol_request rq;
	static struct pol_response rs;
	static struct policy_db before;

	memset(&rq, 0, sizeof(rq));
	before = db;
	if (len < (long)REQ_MIN || len > (long)sizeof(rq)) {
		malformed(&rs, msg, len);
	} else {
		memcpy(&rq, msg, (size_t)len);
		policy_handle(&db, &rq, &rs);
	}
	answered++;
	log_answer(&rq, &rs, &before);
	if (chan_send(&ch, &rs, sizeof(rs)))
		printf("opspolicy: policy channel: the answer to request %llu was not sent\n",
		       (unsigned long long)rs.request_id);
	notify();
}

/* Answers requests as they come, asleep in between (lib/chan/chan.h). Returns only when the
 * channel is corrupt or its client gone for good. */
static long serve(uint8_t *msg, size_t cap)
{
	for (;;) {
		long n;

		while ((n = chan_recv(&ch, msg, cap)) >= 0)
			answer(msg, n);
		if (n != -BH_ENOENT)
			return n;
		notify();
		if (chan_prepare_wait(&ch) == 0)
			bh_wait();
		chan_cancel_wait(&ch);
	}
}

/* Sleep until the ultravisor has written the client's death into the channel (it does when
 * the client stops, crashes or exits): its next life finds a freshly laid out channel. */
static void client_gone(void)
{
	const struct bh_mem_region *m = region(BH_MEM_KIND_CHANNEL);
	const struct bh_chan_hdr *h = (const void *)(uintptr_t)m->gpa;

	while (__atomic_load_n(&h->ep[BH_CHAN_CLIENT].status, __ATOMIC_ACQUIRE) != BH_CHAN_EP_DEAD)
		bh_wait();
}

int main(void)
{
	size_t cap;
	uint8_t *msg;
	long r;

	if (load())
		return 1;
	if (open_channel())
		return 2;
	cap = chan_recv_max(&ch); /* every message fits: none is ever left in the ring */
	msg = malloc(cap);
	if (!msg) {
		printf("opspolicy: no memory for a %zu-byte message buffer\n", cap);
		return 3;
	}
	for (;;) {
		r = serve(msg, cap);
		printf("opspolicy: policy channel %u: corrupt or its client is gone (error %ld): "
		       "not served until the client starts again (%llu requests answered, %llu "
		       "refused)\n", chan_id, r, (unsigned long long)answered,
		       (unsigned long long)refused);
		chan_close(&ch);
		client_gone();
		if (open_channel())
			return 2;
	}
}
