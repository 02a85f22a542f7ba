/* SPDX-License-Identifier: MIT */
/* disk.c - guest-pv's disk: the block channels to two I/O partitions (lib/blk/blk-client.h),
 * and the workloads the system tests and benchmarks run on it.
 *
 * Command line:
 *   disk=<peer>,<peer>   the I/O partitions to reach, in order of preference: the block
 *                        channels whose other ends have these names are paths 0 and 1
 *   disk-test=pattern    write a checksummed pattern over disk-mib MiB from sector
 *                        disk-base, read it all back and verify every sector
 *   disk-test=bench      the same reads only, timed (the pattern must be there already)
 *   disk-test=hostile    break the block protocol on path 0 (hostile.c), then stop
 *   disk-seed=<n>        the pattern's seed (default 1)
 *   disk-base=<sector>   where the pattern starts (default 0); disk-mib=<n> (default 16)
 *   disk-linger=1        afterwards, keep the paths watched (their events logged) for ever
 *   disk-delay-ms=<n>    sleep that long before the workload (a benchmark lets the machine
 *                        settle)
 * Lines "guest-pv: disk: ..." are the system tests' oracle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/config.h>
#include <bulkhead/errno.h>
#include "blk/blk-client.h"
#include "disk.h"
#include "rt/guest-test.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define TICK_NS     10000000ull    /* a sleeping client looks again at least this often */
#define DEADLINE_NS 20000000000ull /* a request waits this long for some path to come up */
#define DEPTH       8              /* requests kept in flight */
#define PREFER_NS   5000000000ull  /* the first partition of disk= is waited for this long */

struct disk {
	struct blk_client cl;
	bool failed_over;      /* a failover happened and no answer came since */
	struct blk_env env;
	uint32_t chan_id[2];
	const char *peer[2];   /* the I/O partitions at the ends, from the info page */
	void *scratch;
};

static void env_signal(void *ctx, unsigned path)
{
	struct disk *d = ctx;

	bh_hc1(BH_HC_SIGNAL, d->chan_id[path & 1]);
}

static int env_wait(void *ctx)
{
	bh_timer_set((uint64_t)bh_time_ns() + TICK_NS);
	bh_wait();
	return 0;
}

static uint64_t env_now(void *ctx)
{
	return (uint64_t)bh_time_ns();
}

static void env_log(void *ctx, enum blk_event ev, unsigned path, uint64_t value)
{
	struct disk *d = ctx;
	const char *peer = d->peer[path & 1];
	if (ev == BLK_EV_PATH_UP)
		printf("guest-pv: disk: path %u (%.31s) up\n", path, peer);
	else if (ev == BLK_EV_PATH_LOST)
		printf("guest-pv: disk: path %u (%.31s) lost (%s) at t=%lld ns\n", path, peer,
		       value == BLK_WHY_PROTOCOL ? "protocol broken" : "channel dead",
		       (long long)bh_time_ns());
	else {
		printf("guest-pv: disk: failover to path %u (%.31s), %llu requests to replay\n",
		       path, peer, (unsigned long long)value);
		d->failed_over = true;
	}
}

/* The block channel whose other end is named `peer`: its info-page index, or -1. */
int disk_channel(const char *peer, size_t len)
{
	const struct bh_partition_info *info = bh_info_page();

	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++)
		if (info->mem[i].kind % 256 == BH_MEM_KIND_CHANNEL &&
		    info->chan_type[i] == BH_CFG_CHAN_BLOCK &&
		    strnlen(info->peer_name[i], BH_NAME_MAX) == len &&
		    !strncmp(info->peer_name[i], peer, len))
			return (int)i;
	return -1;
}

/* disk=a,b → the two paths' info-page indices. */
static int disk_paths(int idx[2])
{
	char arg[2 * BH_NAME_MAX + 2];
	const char *comma;

	if (bh_arg("disk", arg, sizeof(arg)) || !(comma = strchr(arg, ',')))
		return -BH_ENOENT;
	idx[0] = disk_channel(arg, (size_t)(comma - arg));
	idx[1] = disk_channel(comma + 1, strlen(comma + 1));
	return idx[0] < 0 || idx[1] < 0 ? -BH_ENOENT : 0;
}

/* splitmix64's finalizer: word k of sector lba under seed. The host test computes the
 * same (tests/system/test_iopart.py). */
uint64_t disk_word(uint64_t seed, uint64_t lba, unsigned k)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ull + (lba << 6 | k);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill(uint64_t *buf, uint64_t seed, uint64_t lba, uint32_t sectors)
{
	for (uint32_t s = 0; s < sectors; s++)
		for (unsigned k = 0; k < BH_BLK_SECTOR / 8; k++)
			buf[s * (BH_BLK_SECTOR / 8) + k] = disk_word(seed, lba + s, k);
}

static uint32_t bad_sectors(const uint64_t *buf, uint64_t seed, uint64_t lba, uint32_t sectors)
{
	uint32_t bad = 0;

	for (uint32_t s = 0; s < sectors; s++)
		for (unsigned k = 0; k < BH_BLK_SECTOR / 8; k++)
			if (buf[s * (BH_BLK_SECTOR / 8) + k] != disk_word(seed, lba + s, k)) {
				if (bad < 4)
					printf("guest-pv: disk: sector %llu word %u wrong\n",
					       (unsigned long long)(lba + s), k);
				bad++;
				break;
			}
	return bad;
}

static struct disk disk;

static int disk_open(void)
{
	const struct bh_partition_info *info = bh_info_page();
	int idx[2], r;
	void *mem[2];
	size_t size[2];

	if ((r = disk_paths(idx)))
		return r;
	for (int p = 0; p < 2; p++) {
		mem[p] = (void *)(uintptr_t)info->mem[idx[p]].gpa;
		size[p] = info->mem[idx[p]].size;
		disk.chan_id[p] = BH_MEM_KIND_CHAN_ID(info->mem[idx[p]].kind);
		disk.peer[p] = info->peer_name[idx[p]];
	}
	disk.env = (struct blk_env){ &disk, env_signal, env_wait, env_now, env_log };
	disk.scratch = malloc(size[0] > size[1] ? size[0] : size[1]);
	GUEST_ASSERT(disk.scratch);
	if ((r = blk_client_init(&disk.cl, &disk.env, mem, size, disk.scratch,
				 size[0] > size[1] ? size[0] : size[1])))
		return r;
	return blk_client_connect_prefer(&disk.cl, (uint64_t)bh_time_ns() + PREFER_NS,
					 (uint64_t)bh_time_ns() + DEADLINE_NS);
}

/* Sequential requests of max_sectors over [base, base + sectors), DEPTH in flight; write
 * fills each from the pattern, read checks it unless told not to (a benchmark times the
 * channel, not the check). → bad sectors, or a negative error. */
static long stream(bool write, bool check, uint64_t seed, uint64_t base, uint64_t sectors,
		   uint8_t *bufs)
{
	const uint32_t max = disk.cl.max_sectors;
	struct { int64_t id; uint64_t lba; uint32_t n; } slot[DEPTH] = { 0 };
	uint64_t next = base, end = base + sectors;
	unsigned busy = 0;
	long bad = 0;

	while (next < end || busy) {
		for (unsigned i = 0; i < DEPTH && next < end; i++) {
			uint8_t *buf = bufs + (size_t)i * max * BH_BLK_SECTOR;
			uint32_t n = end - next < max ? (uint32_t)(end - next) : max;
			uint64_t deadline = (uint64_t)bh_time_ns() + DEADLINE_NS;

			if (slot[i].id)
				continue;
			if (write)
				fill((uint64_t *)buf, seed, next, n);
			slot[i].id = write ? blk_submit_write(&disk.cl, next, n, buf, deadline)
					   : blk_submit_read(&disk.cl, next, n, buf, deadline);
			if (slot[i].id < 0)
				return (long)slot[i].id;
			slot[i].lba = next;
			slot[i].n = n;
			next += n;
			busy++;
		}
		struct blk_done done[DEPTH];
		int n = blk_poll(&disk.cl, done, DEPTH);

		if (n > 0 && disk.failed_over) { /* the benchmark's failover time ends here */
			disk.failed_over = false;
			printf("guest-pv: disk: first answer after the failover at t=%lld ns\n",
			       (long long)bh_time_ns());
		}
		if (!n)
			blk_wait(&disk.cl);
		for (int k = 0; k < n; k++)
			for (unsigned i = 0; i < DEPTH; i++) {
				if (slot[i].id != (int64_t)done[k].id)
					continue;
				if (done[k].status) {
					printf("guest-pv: disk: request at sector %llu failed (%d)\n",
					       (unsigned long long)slot[i].lba, done[k].status);
					return done[k].status;
				}
				if (!write && check)
					bad += bad_sectors((const uint64_t *)(bufs + (size_t)i * max *
									       BH_BLK_SECTOR),
							   seed, slot[i].lba, slot[i].n);
				slot[i].id = 0;
				busy--;
			}
	}
	return bad;
}

/* write: write the pattern first; bench: then read it back unchecked, for the time. */
static void disk_pattern(uint64_t seed, uint64_t base, uint64_t mib, bool write, bool bench)
{
	uint64_t sectors = mib * 1024 * 1024 / BH_BLK_SECTOR;
	uint8_t *bufs = malloc((size_t)DEPTH * disk.cl.max_sectors * BH_BLK_SECTOR);
	int64_t t0, t1;
	long r;

	GUEST_ASSERT(bufs);
	if (write) {
		t0 = bh_time_ns();
		r = stream(true, false, seed, base, sectors, bufs);
		GUEST_ASSERT_EQ(r, 0);
		GUEST_ASSERT_EQ(blk_flush(&disk.cl, (uint64_t)bh_time_ns() + DEADLINE_NS), 0);
		t1 = bh_time_ns();
		printf("guest-pv: disk: wrote %llu MiB from sector %llu, seed %llu\n",
		       (unsigned long long)mib, (unsigned long long)base, (unsigned long long)seed);
		printf("guest-pv: disk: write time %lld ns\n", (long long)(t1 - t0));
	}
	t0 = bh_time_ns();
	r = stream(false, !bench, seed, base, sectors, bufs);
	t1 = bh_time_ns();
	GUEST_ASSERT(r >= 0);
	if (!bench)
		printf("guest-pv: disk: verified %llu sectors, %ld bad\n",
		       (unsigned long long)sectors, r);
	printf("guest-pv: disk: read time %lld ns for %llu MiB\n", (long long)(t1 - t0),
	       (unsigned long long)mib);
	printf("guest-pv: disk: failovers %llu, replays %llu, requests %llu\n",
	       (unsigned long long)disk.cl.stats.failovers,
	       (unsigned long long)disk.cl.stats.replays,
	       (unsigned long long)disk.cl.stats.completed);
	free(bufs);
}

int disk_run(void)
{
	char test[16];
	uint64_t seed = 1, base = 0, mib = 16, linger = 0, delay = 0;
	int r;

	if (bh_arg("disk-test", test, sizeof(test)))
		return 0;
	bh_arg_u64("disk-seed", &seed);
	bh_arg_u64("disk-base", &base);
	bh_arg_u64("disk-mib", &mib);
	if (!strcmp(test, "hostile"))
		return disk_hostile();
	if (!bh_arg_u64("disk-delay-ms", &delay))
		bh_rt_sleep_until((uint64_t)bh_time_ns() + delay * 1000000);
	if ((r = disk_open())) {
		printf("guest-pv: disk: cannot connect (error %d)\n", r);
		return r;
	}
	printf("guest-pv: disk: %llu sectors of %u bytes, %u per request\n",
	       (unsigned long long)disk.cl.capacity, BH_BLK_SECTOR, disk.cl.max_sectors);
	disk_pattern(seed, base, mib, strcmp(test, "bench") != 0, !strcmp(test, "bench"));
	if (!bh_arg_u64("disk-linger", &linger) && linger)
		for (;;) { /* a path coming back is noticed, and logged, by blk_poll */
			struct blk_done done[1];
			blk_poll(&disk.cl, done, 1);
			blk_wait(&disk.cl);
		}
	return 0;
}
