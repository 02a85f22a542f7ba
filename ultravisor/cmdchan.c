/* SPDX-License-Identifier: MIT */
/* cmdchan.c - the command channel, served: one struct uv_request in, one struct uv_response
 * out (uvcmd.h), strictly in turn. The client may be hostile: a message is copied out of the
 * channel once, checked for length here and for everything else by db_request(), and a
 * client that dies or corrupts the channel gets a freshly laid out one. */
#include <stdio.h>
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "chan/chan.h"
#include "cmdchan.h"
#include "fmt.h"
#include "machine.h"
#include "rt/hypercall.h"

#define SLOT_SIZE 64 /* one slot per ring, the message in the data buffer */

static struct chan ch;
static const struct db_chan *control;
static void *mem;
static uint32_t client_id;
static uint64_t served, refused;
static bool closed; /* corrupted by the client: not served until it starts again */

static int lay_out(void)
{
	int r = chan_init(mem, control->size, (const uint8_t *)UV_CHAN_TYPE, SLOT_SIZE, 1);

	if (!r)
		r = chan_attach(&ch, mem, control->size, CHAN_SERVER,
				(const uint8_t *)UV_CHAN_TYPE);
	if (r)
		printf("ultravisor: command channel %s: cannot lay it out (error %d)\n",
		       control->name, r);
	return r;
}

int cmdchan_open(const struct db *db, uint32_t self_id)
{
	for (unsigned i = 0; i < DB_CHANS_MAX; i++) {
		const struct db_chan *c = &db->st.chans[i];
		if (c->id && c->server == self_id && c->type == BH_CFG_CHAN_CONTROL) {
			control = c;
			break;
		}
	}
	if (!control) {
		printf("ultravisor: no control channel served by the ultravisor: no command "
		       "channel\n");
		return -BH_ENOENT;
	}
	mem = (void *)(uintptr_t)control->server_gpa;
	client_id = control->client;
	if (lay_out())
		return -BH_EIO;
	printf("ultravisor: command channel %s (id %u, %llu KiB): serving partition id %u\n",
	       control->name, control->id, (unsigned long long)(control->size >> 10), client_id);
	return 0;
}

void cmdchan_client_starts(uint32_t id)
{
	if (control && id == client_id) {
		chan_close(&ch);
		closed = lay_out() != 0; /* its next life attaches to a clean channel */
	}
}

static void notify(void)
{
	if (chan_need_notify(&ch))
		bh_hc1(BH_HC_SIGNAL, control->id);
}

/* A message that cannot be a request: answered, never applied. */
static void malformed(struct uv_response *rs, long len)
{
	memset(rs, 0, sizeof(*rs));
	rs->magic = UV_RESP_MAGIC;
	rs->version = UV_VERSION;
	rs->status = -BH_EINVAL;
	rs->failed_op = -1;
	bh_snprintf(rs->reason, sizeof(rs->reason), "request of %ld bytes: a request is %zu to "
		    "%zu bytes", len, offsetof(struct uv_request, ops) + sizeof(struct uv_op),
		    sizeof(struct uv_request));
}

static void serve_one(struct db *db, const uint8_t *msg, long len)
{
	static struct uv_request rq;
	static struct uv_response rs;
	uint64_t gen = db->st.generation;

	if (len < (long)(offsetof(struct uv_request, ops) + sizeof(struct uv_op)) ||
	    len > (long)sizeof(rq)) {
		malformed(&rs, len);
	} else {
		memset(&rq, 0, sizeof(rq));
		memcpy(&rq, msg, (size_t)len);
		db_request(db, &rq, &rs);
	}
	served++;
	if (rs.status) {
		refused++;
		printf("ultravisor: request %llu refused: %s\n", (unsigned long long)rs.request_id,
		       rs.reason);
	}
	if (chan_send(&ch, &rs, offsetof(struct uv_response, data) + rs.data_size))
		printf("ultravisor: command channel: the answer to request %llu was not sent\n",
		       (unsigned long long)rs.request_id);
	notify();
	if (db->st.generation != gen) {
		printf("ultravisor: request %llu committed: generation %llu\n",
		       (unsigned long long)rs.request_id, (unsigned long long)db->st.generation);
		machine_sync(db);
	}
}

int cmdchan_serve(struct db *db)
{
	static uint8_t msg[sizeof(struct uv_request) + 1];
	unsigned budget = 16; /* a client that never stops sending cannot starve the events */
	long n = 0;

	if (!control || closed)
		return 0; /* nothing to serve: sleep until the monitor has news */
	while (budget-- && ((n = chan_recv(&ch, msg, sizeof(msg))) >= 0 || n == -BH_E2BIG)) {
		if (n == -BH_E2BIG) { /* longer than any request: drop it with an answer */
			static uint8_t big[0x10000];
			if ((n = chan_recv(&ch, big, sizeof(big))) < 0) {
				n = -BH_EIO; /* longer still: the channel is treated as broken */
				break;
			}
		}
		serve_one(db, msg, n);
	}
	if (n == -BH_EIO) { /* the client broke the channel: it gets a new one when it restarts */
		printf("ultravisor: command channel %s: corrupt; closed until partition id %u "
		       "starts again (%llu requests served, %llu refused)\n", control->name,
		       client_id, (unsigned long long)served, (unsigned long long)refused);
		chan_close(&ch);
		closed = true;
		return 0;
	}
	notify();
	return budget == (unsigned)-1 ? 1 : chan_prepare_wait(&ch);
}

void cmdchan_wait_done(void)
{
	if (control)
		chan_cancel_wait(&ch);
}
