/* SPDX-License-Identifier: MIT */
/* console-hc.c - the partition's one console (rt/console.h) over hypercalls: the channel
 * found in the info page or given later, the console hypercall as fallback, the runtime's
 * own sleep (which hands the events it takes back to bh_wait()). vCPU 0 only, like stdio. */
#include <bulkhead/errno.h>
#include "rt/console.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

static struct bh_con con;
static long (*con_sink)(const void *buf, size_t len);

static void hc_signal(void *ctx, uint32_t chan_id)
{
	bh_hc1(BH_HC_SIGNAL, chan_id); /* -BH_EIO while the server is not running: fine */
}

/* BH_HC_CONSOLE_WRITE in chunks of at most BH_CONSOLE_MAX. → len, or the error when
 * nothing went out (what went out before an error is not reported). */
static long hc_fallback(void *ctx, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < BH_CONSOLE_MAX ? len - done : BH_CONSOLE_MAX;
		long rc = bh_console_write(p + done, n);

		if (rc <= 0)
			return done ? (long)done : (rc ? rc : -BH_EIO);
		done += (size_t)rc < n ? (size_t)rc : n;
	}
	return (long)len;
}

static uint64_t hc_now(void *ctx)
{
	return (uint64_t)bh_time_ns();
}

static void hc_sleep_until(void *ctx, uint64_t deadline)
{
	bh_rt_sleep_until(deadline);
}

static const struct bh_con_ops hc_ops = {
	.signal = hc_signal,
	.fallback = hc_fallback,
	.now = hc_now,
	.sleep_until = hc_sleep_until,
};

void bh_console_init(const struct bh_partition_info *info)
{
	int i = bh_con_find(info);

	if (i < 0 || bh_con_open(&con, (void *)(uintptr_t)info->mem[i].gpa, info->mem[i].size,
				 BH_MEM_KIND_CHAN_ID(info->mem[i].kind), &hc_ops))
		bh_con_open(&con, NULL, 0, 0, &hc_ops);
}

int bh_console_attach(void *mem, size_t size, uint32_t chan_id)
{
	int err = bh_con_open(&con, mem, size, chan_id, &hc_ops);

	if (err)
		bh_con_open(&con, NULL, 0, 0, &hc_ops);
	return err;
}

long bh_console_out(const void *buf, size_t len)
{
	if (con_sink)
		return con_sink(buf, len);
	if (!con.ops) /* before bh_console_init() */
		return hc_fallback(NULL, buf, len);
	return bh_con_write(&con, buf, len);
}

void bh_console_redirect(long (*sink)(const void *buf, size_t len))
{
	con_sink = sink;
}

long bh_console_read_line(char *buf, size_t len)
{
	if (!con.ops)
		return -BH_ENOENT;
	return bh_con_read_line(&con, buf, len);
}

bool bh_console_served(void)
{
	return con.mem && chan_peer_alive(&con.ch);
}

int bh_console_ask_attach(const char *name)
{
	return con.ops ? bh_con_ask_attach(&con, name) : -BH_ENOENT;
}

int bh_console_answer(int *status)
{
	return con.ops ? bh_con_answer(&con, status) : 0;
}

long bh_console_read(void *buf, size_t len)
{
	return con.ops ? bh_con_read(&con, buf, len) : -BH_ENOENT;
}

int bh_console_prepare_read_wait(void)
{
	return con.ops ? bh_con_prepare_read_wait(&con) : -BH_ENOENT;
}

void bh_console_cancel_read_wait(void)
{
	if (con.ops)
		bh_con_cancel_read_wait(&con);
}
