/* SPDX-License-Identifier: MIT */
/* test_chan_threads.c - the channel library with real concurrency: a thread scribbling over
 * the region while the honest side runs, two threads exchanging checked messages spinning
 * and sleeping, and the lost-wakeup race. */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <time.h>
#include "chan_test.h"
struct scribbler {
	struct pair *p;
	int stop;
	uint64_t writes;
};

static void *scribble(void *arg)
{
	struct scribbler *sc = arg;
	uint64_t s = 99;

	while (!__atomic_load_n(&sc->stop, __ATOMIC_RELAXED)) {
		size_t off = rnd(&s) % (sc->p->size / 4) * 4;

		__atomic_store_n((uint32_t *)(sc->p->mem + off), (uint32_t)rnd(&s),
				 __ATOMIC_RELAXED);
		sc->writes++;
	}
	return NULL;
}

/* A peer thread writing random words all over the region while the honest side runs. */
static void test_hostile_peer_concurrent(void **state)
{
	for (int trial = 0; trial < 20; trial++) {
		struct pair p;
		struct scribbler sc = { .p = &p };
		pthread_t t;
		uint64_t s = trial;

		pair_open(&p, 0x8000, 64, 8);
		assert_int_equal(pthread_create(&t, NULL, scribble, &sc), 0);
		for (int i = 0; i < 5000; i++)
			honest_op(&p.cli, &s);
		__atomic_store_n(&sc.stop, 1, __ATOMIC_RELAXED);
		pthread_join(t, NULL);
		pair_close(&p);
	}
}

/* ---- Threads ------------------------------------------------------------------------- */


struct worker {
	struct chan *c;
	uint64_t id;     /* stream sent; the peer's is id ^ 1 */
	sem_t *mine;     /* posted by the peer to wake us */
	sem_t *peers;
	bool sleep;      /* follow the wait protocol instead of spinning */
	uint64_t msgs;   /* each way */
	uint64_t bad, timeouts;
};

/* Nothing moved: sleep until the peer signals (or yield, when spinning). */
static void idle(struct worker *w, uint32_t what)
{
	struct timespec ts;

	if (!w->sleep) {
		sched_yield();
		return;
	}
	if (chan_prepare_wait_for(w->c, what) == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		if (sem_timedwait(w->mine, &ts))
			w->timeouts++; /* a lost wakeup */
	}
	chan_cancel_wait(w->c);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint8_t b[0x10000];
	uint64_t sent = 0, got = 0, max = chan_send_max(w->c);

	while ((sent < w->msgs || got < w->msgs) && !w->timeouts && !w->bad) {
		bool moved = false;

		if (sent < w->msgs) {
			size_t len = msg_len(w->id, sent, max);
			int r;

			msg_fill(b, len, w->id, sent);
			r = chan_send(w->c, b, len);
			sent += moved = r == 0;
			w->bad += r != 0 && r != -BH_ENOSPC;
		}
		if (got < w->msgs) {
			long n = chan_recv(w->c, b, sizeof(b));

			if (n >= 0)
				w->bad += !msg_ok(b, n, w->id ^ 1, got++, max), moved = true;
			else
				w->bad += n != -BH_ENOENT;
		}
		if (chan_need_notify(w->c) && w->sleep)
			sem_post(w->peers);
		if (!moved)
			idle(w, (sent < w->msgs ? BH_CHAN_WAIT_TX : 0) |
				(got < w->msgs ? BH_CHAN_WAIT_RX : 0));
	}
	return NULL;
}

static void run_threads(bool sleep, size_t size, uint32_t slots, uint64_t msgs)
{
	struct pair p;
	sem_t a, b;
	struct worker ws = { .id = 10, .mine = &a, .peers = &b, .sleep = sleep, .msgs = msgs };
	struct worker wc = { .id = 11, .mine = &b, .peers = &a, .sleep = sleep, .msgs = msgs };
	pthread_t ts, tc;

	pair_open(&p, size, 64, slots);
	ws.c = &p.srv;
	wc.c = &p.cli;
	sem_init(&a, 0, 0);
	sem_init(&b, 0, 0);
	assert_int_equal(pthread_create(&ts, NULL, work, &ws), 0);
	assert_int_equal(pthread_create(&tc, NULL, work, &wc), 0);
	pthread_join(ts, NULL);
	pthread_join(tc, NULL);
	assert_int_equal(ws.bad + wc.bad, 0);
	assert_int_equal(ws.timeouts + wc.timeouts, 0);
	assert_int_equal(p.srv.stats.received, msgs);
	assert_int_equal(p.cli.stats.received, msgs);
	print_message("threads (%s, %u slots): %llu notifications for %llu messages\n",
		      sleep ? "sleep" : "spin", slots,
		      (unsigned long long)(p.srv.stats.notifies + p.cli.stats.notifies),
		      (unsigned long long)(2 * msgs));
	sem_destroy(&a);
	sem_destroy(&b);
	pair_close(&p);
}

static void test_threads_spin(void **state)
{
	run_threads(false, 0x28000, 16, 100000);
}

/* The same, each side sleeping whenever it can neither send nor receive and woken only by
 * the other's signals: a lost wakeup times out. */
static void test_threads_sleep(void **state)
{
	run_threads(true, 0x28000, 16, 50000);
}

/* Two slots: nearly every message is a sleep and a signal. */
static void test_threads_sleep_small(void **state)
{
	run_threads(true, 0x6000, 2, 20000);
}

/* The race the fences close: the consumer announces its sleep and re-checks while the
 * producer publishes and checks for a sleeper. Neither thread really sleeps: a "sleep"
 * that no signal ends within 2 s, while the producer still has messages to send (it
 * cannot finish: the ring fills), is a lost wakeup. */
struct racer {
	struct chan *c;
	int signal, done;
	uint64_t lost, sleeps;
};

static void *race_producer(void *arg)
{
	struct racer *r = arg;
	uint64_t s = 5, n = 0;

	while (n < 300000) {
		if (chan_send(r->c, &n, sizeof(n)) == 0)
			n++;
		if (chan_need_notify(r->c))
			__atomic_store_n(&r->signal, 1, __ATOMIC_RELEASE);
		for (uint64_t k = rnd(&s) % 64; k; k--) /* vary the phase */
			__asm__ volatile("" ::: "memory");
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool race_doze(struct racer *r)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (__atomic_exchange_n(&r->signal, 0, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000000l + t.tv_nsec - t0.tv_nsec > 2000000000l)
			return false;
	}
}

static void test_lost_wakeup_race(void **state)
{
	struct pair p;
	struct racer r = { 0 };
	uint64_t v, want = 0;
	pthread_t t;

	pair_open(&p, 0x2000, 16, 4);
	r.c = &p.srv;
	assert_int_equal(pthread_create(&t, NULL, race_producer, &r), 0);
	while (want < 300000 && !r.lost) {
		long n = chan_recv(&p.cli, &v, sizeof(v));

		if (n == sizeof(v)) {
			assert_int_equal(v, want++);
			assert_false(chan_need_notify(&p.cli)); /* the producer never sleeps */
			continue;
		}
		assert_int_equal(n, -BH_ENOENT);
		if (chan_prepare_wait(&p.cli) == 0) {
			r.sleeps++;
			if (!race_doze(&r))
				r.lost++;
		}
		chan_cancel_wait(&p.cli);
	}
	pthread_join(t, NULL);
	print_message("lost wakeup race: %llu sleeps, %llu lost\n", (unsigned long long)r.sleeps,
		      (unsigned long long)r.lost);
	assert_int_equal(r.lost, 0);
	pair_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_peer_concurrent),
		cmocka_unit_test(test_threads_spin),
		cmocka_unit_test(test_threads_sleep),
		cmocka_unit_test(test_threads_sleep_small),
		cmocka_unit_test(test_lost_wakeup_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
