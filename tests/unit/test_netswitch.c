/* SPDX-License-Identifier: MIT */
/* test_netswitch.c - the I/O partition's switch (iopart/netswitch.c) over fake ports:
 * every forwarding rule, forged source MACs, learning and ageing, round-robin budgets
 * against a flooding port, full and broken ports, and rate-limited log lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "iopart/netswitch.h"

#define QLEN 2048
#define SEC  1000000000ull

struct fport {
	/* in: frames the port will hand the switch (each 60 bytes: to, from, seq) */
	uint8_t  in[QLEN][64];
	unsigned in_head, in_tail;
	/* out: what the switch queued, with its flags */
	uint8_t  out[QLEN][64];
	unsigned out_flags[QLEN];
	unsigned nout;
	unsigned room;     /* frames the port takes before -BH_ENOSPC */
	bool     broken;   /* every call -BH_EIO */
};

static struct fport *fp;   /* NSW_PORTS of them */
static unsigned nlog;
static char last_log[256];

static void log_fn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	nlog++;
}

static long f_recv(void *ctx, void *buf, size_t len)
{
	struct fport *p = ctx;

	assert_true(len >= BH_NET_FRAME_MAX);
	if (p->broken)
		return -BH_EIO;
	if (p->in_head == p->in_tail)
		return -BH_ENOENT;
	memcpy(buf, p->in[p->in_head++ % QLEN], 60);
	return 60;
}

static int f_send(void *ctx, const void *frame, size_t len, unsigned flags)
{
	struct fport *p = ctx;

	if (p->broken)
		return -BH_EIO;
	if (p->nout >= p->room)
		return -BH_ENOSPC;
	assert_true(len == 60 && p->nout < QLEN);
	memcpy(p->out[p->nout], frame, 60);
	p->out_flags[p->nout++] = flags;
	return 0;
}

static const struct nsw_port_ops ops = { f_recv, f_send };

static void mac(uint8_t *m, unsigned id) /* 02:00:00:00:00:id, or ff:.. for 0xff */
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 0, 0 };

	memcpy(m, base, 6);
	m[5] = (uint8_t)id;
	if (id == 0xff)
		memset(m, 0xff, 6);
	if (id == 0xee) { /* IPv4 multicast 01:00:5e:00:00:01 */
		static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
		memcpy(m, mc, 6);
	}
}

static void push(struct fport *p, unsigned to, unsigned from, uint32_t seq)
{
	uint8_t *f = p->in[p->in_tail++ % QLEN];

	memset(f, 0, 64);
	mac(f, to);
	mac(f + 6, from);
	f[12] = 0x88;
	f[13] = 0xb5;
	memcpy(f + 14, &seq, 4);
}

static uint32_t seq_of(const uint8_t *f)
{
	uint32_t s;

	memcpy(&s, f + 14, 4);
	return s;
}

/* Uplink on port 0 (fport 0); clients 1..n with MACs 02::01..n on fports 1..n. */
static struct netswitch *sw_new(unsigned clients)
{
	struct netswitch *sw = malloc(sizeof(*sw));
	uint8_t m[6];

	fp = calloc(NSW_PORTS, sizeof(*fp));
	assert_true(sw && fp);
	nlog = 0;
	nsw_init(sw, log_fn);
	assert_int_equal(nsw_add_uplink(sw, &ops, &fp[0], "uplink"), 0);
	nsw_port_up(sw, 0, true);
	for (unsigned i = 1; i <= clients; i++) {
		char name[16];

		snprintf(name, sizeof(name), "guest-%u", i);
		mac(m, i);
		assert_int_equal(nsw_add_client(sw, m, &ops, &fp[i], name), (int)i);
		nsw_port_up(sw, i, true);
	}
	for (unsigned i = 0; i < NSW_PORTS; i++)
		fp[i].room = QLEN;
	return sw;
}

static void sw_free(struct netswitch *sw)
{
	free(sw);
	free(fp);
}

static void test_ports(void **state)
{
	struct netswitch *sw = sw_new(2);
	uint8_t m[6];

	mac(m, 1);
	assert_int_equal(nsw_add_client(sw, m, &ops, &fp[5], "dup"), -BH_EEXIST);
	mac(m, 0xff);
	assert_int_equal(nsw_add_client(sw, m, &ops, &fp[5], "bcast"), -BH_EINVAL);
	mac(m, 0xee);
	assert_int_equal(nsw_add_client(sw, m, &ops, &fp[5], "mcast"), -BH_EINVAL);
	memset(m, 0, 6);
	assert_int_equal(nsw_add_client(sw, m, &ops, &fp[5], "zero"), -BH_EINVAL);
	assert_int_equal(nsw_add_uplink(sw, &ops, &fp[5], "again"), -BH_EEXIST);
	for (unsigned i = 3; i < NSW_PORTS; i++) {
		mac(m, i);
		assert_int_equal(nsw_add_client(sw, m, &ops, &fp[i], "x"), (int)i);
	}
	mac(m, 0x40);
	assert_int_equal(nsw_add_client(sw, m, &ops, &fp[0], "full"), -BH_ENOSPC);
	sw_free(sw);
}

static void test_client_frames(void **state)
{
	struct netswitch *sw = sw_new(3);

	push(&fp[1], 2, 1, 1);    /* to guest-2 only */
	push(&fp[1], 0x40, 1, 2); /* unknown unicast: the uplink only */
	push(&fp[1], 0xff, 1, 3); /* broadcast: guests 2, 3 and the uplink */
	push(&fp[1], 0xee, 1, 4); /* multicast: the same */
	push(&fp[1], 1, 1, 5);    /* to itself: dropped */
	assert_int_equal(nsw_round(sw, 8, 1), 5);
	assert_int_equal(fp[2].nout, 3);
	assert_int_equal(seq_of(fp[2].out[0]), 1);
	assert_int_equal(seq_of(fp[2].out[1]), 3);
	assert_int_equal(seq_of(fp[2].out[2]), 4);
	assert_int_equal(fp[2].out_flags[0], 0); /* from a client, not the uplink */
	assert_int_equal(fp[3].nout, 2);
	assert_int_equal(fp[0].nout, 3);
	assert_int_equal(seq_of(fp[0].out[0]), 2);
	assert_int_equal(fp[1].nout, 0); /* never its own frames back */
	assert_int_equal(sw->port[1].stats.rx, 5);
	assert_int_equal(sw->port[1].stats.looped, 1);
	assert_int_equal(sw->port[1].stats.unknown, 1);
	assert_int_equal(sw->port[2].stats.tx, 3);
	sw_free(sw);
}

static void test_forged(void **state)
{
	struct netswitch *sw = sw_new(3);

	for (uint32_t i = 0; i < 100; i++) {
		push(&fp[3], 0xff, 1, i);      /* guest-3 claims guest-1's MAC */
		push(&fp[3], 2, 0x40, 1000 + i); /* and an invented one */
	}
	push(&fp[1], 2, 1, 7);
	push(&fp[2], 1, 2, 8);
	for (int r = 0; r < 100; r++)
		nsw_round(sw, 4, 1);
	assert_int_equal(sw->port[3].stats.forged, 200);
	assert_int_equal(fp[2].nout, 1); /* guest-1's only */
	assert_int_equal(seq_of(fp[2].out[0]), 7);
	assert_int_equal(fp[1].nout, 1);
	assert_int_equal(fp[0].nout, 0);
	/* the log: 4 lines at once, then the count of those held back (at most once a
	 * second), then one line a second */
	assert_int_equal(nlog, 5);
	assert_string_equal(last_log, "net: port guest-3: 1 more log lines not shown");
	push(&fp[3], 2, 0x41, 1);
	nsw_round(sw, 4, 1 + 2 * SEC);
	assert_int_equal(nlog, 7);
	assert_non_null(strstr(last_log, "02:00:00:00:00:41"));
	sw_free(sw);
}

static void test_uplink_frames(void **state)
{
	struct netswitch *sw = sw_new(2);
	uint8_t m[6];

	push(&fp[0], 1, 0x40, 1);    /* for guest-1 */
	push(&fp[0], 0xff, 0x40, 2); /* broadcast: both guests */
	push(&fp[0], 0xee, 0x41, 3); /* multicast: both */
	push(&fp[0], 0x42, 0x40, 4); /* for someone else on the LAN: filtered */
	push(&fp[0], 0xff, 2, 5);    /* guest-2's MAC from outside: looped */
	push(&fp[0], 1, 0xff, 6);    /* a broadcast source: delivered, not learned */
	assert_int_equal(nsw_round(sw, 8, 1), 6);
	assert_int_equal(fp[1].nout, 4);
	assert_int_equal(fp[1].out_flags[0], BH_NET_F_UPLINK);
	assert_int_equal(fp[2].nout, 2);
	assert_int_equal(fp[0].nout, 0);
	assert_int_equal(sw->port[0].stats.filtered, 1);
	assert_int_equal(sw->port[0].stats.looped, 1);
	mac(m, 0x40);
	assert_true(nsw_learned(sw, m));
	mac(m, 0xff);
	assert_false(nsw_learned(sw, m));
	/* a learned destination is no longer unknown; after 300 s it is again */
	push(&fp[1], 0x40, 1, 7);
	nsw_round(sw, 8, 2);
	assert_int_equal(sw->port[1].stats.unknown, 0);
	push(&fp[1], 0x40, 1, 8);
	nsw_round(sw, 8, 2 + NSW_AGE_NS);
	assert_int_equal(sw->port[1].stats.unknown, 1);
	assert_int_equal(fp[0].nout, 2);
	sw_free(sw);
}

/* A full table replaces the entry heard from longest ago. */
static void test_fdb_full(void **state)
{
	struct netswitch *sw = sw_new(1);
	uint8_t m[6];

	for (unsigned i = 0; i < NSW_FDB + 1; i++) {
		push(&fp[0], 1, 0x40 + i, i);
		nsw_round(sw, 1, 10 + i);
	}
	mac(m, 0x40);
	assert_false(nsw_learned(sw, m));
	mac(m, 0x41);
	assert_true(nsw_learned(sw, m));
	mac(m, 0x40 + NSW_FDB);
	assert_true(nsw_learned(sw, m));
	sw_free(sw);
}

/* guest-1 floods the uplink; guest-2 sends a little. With budget 4, guest-2's 10 frames
 * all leave within 3 rounds, and no round takes more than 4 of guest-1's. */
static void test_fairness(void **state)
{
	struct netswitch *sw = sw_new(2);
	unsigned g2 = 0, rounds = 0;

	for (uint32_t i = 0; i < 1000; i++)
		push(&fp[1], 0x40, 1, i);
	for (uint32_t i = 0; i < 10; i++)
		push(&fp[2], 0x40, 2, 5000 + i);
	while (g2 < 10) {
		uint64_t before = sw->port[1].stats.rx;

		nsw_round(sw, 4, 1);
		rounds++;
		assert_true(sw->port[1].stats.rx - before <= 4);
		g2 = (unsigned)sw->port[2].stats.rx;
	}
	assert_true(rounds <= 3);
	assert_int_equal(fp[0].nout, sw->port[1].stats.rx + sw->port[2].stats.rx);
	sw_free(sw);
}

/* A port that takes no more drops (counted); a broken one goes down. */
static void test_full_and_broken(void **state)
{
	struct netswitch *sw = sw_new(3);

	fp[2].room = 2;
	for (uint32_t i = 0; i < 5; i++)
		push(&fp[1], 2, 1, i);
	nsw_round(sw, 8, 1);
	assert_int_equal(fp[2].nout, 2);
	assert_int_equal(sw->port[2].stats.drop_full, 3);
	assert_int_equal(sw->port[1].stats.nodest, 3);
	fp[3].broken = true;
	push(&fp[1], 0xff, 1, 9);
	nsw_round(sw, 8, 2);
	assert_false(sw->port[3].up);
	assert_true(sw->port[1].up && sw->port[2].up && sw->port[0].up);
	assert_int_equal(fp[0].nout, 1);
	/* a broken port's receive takes it down too */
	fp[1].broken = true;
	nsw_round(sw, 8, 3);
	assert_false(sw->port[1].up);
	/* a port down gets nothing */
	push(&fp[0], 1, 0x40, 10);
	fp[1].broken = false;
	nsw_round(sw, 8, 4);
	assert_int_equal(fp[1].nout, 0);
	assert_int_equal(sw->port[0].stats.nodest, 1);
	sw_free(sw);
}

static void test_bad_lengths(void **state)
{
	struct netswitch *sw = sw_new(2);
	uint8_t f[BH_NET_FRAME_MAX + 1] = { 0 };
	char line[200];

	nsw_forward(sw, 1, f, 13);
	nsw_forward(sw, 0, f, BH_NET_FRAME_MAX + 1);
	assert_int_equal(sw->port[1].stats.bad, 1);
	assert_int_equal(sw->port[0].stats.bad, 1);
	assert_int_equal(fp[0].nout + fp[1].nout + fp[2].nout, 0);
	nsw_port_line(sw, 1, line, sizeof(line));
	assert_string_equal(line, "guest-1: rx 0 tx 0 forged 0 bad 1 looped 0 filtered 0 unknown 0 "
				  "nodest 0 full 0");
	sw_free(sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_client_frames),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_uplink_frames),
		cmocka_unit_test(test_fdb_full),
		cmocka_unit_test(test_fairness),
		cmocka_unit_test(test_full_and_broken),
		cmocka_unit_test(test_bad_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
