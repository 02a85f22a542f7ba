/* SPDX-License-Identifier: MIT */
/* console_fake.c - the console tests' fakes (console_test.h): a UART in memory, the I/O
 * partition's info page over up to three console channels in host memory, and client ops
 * with a fake clock and fallback. */
#include "console_test.h"

char uart_tx[1 << 20];
size_t uart_ntx;
unsigned server_signals;
static const uint8_t *uart_rx;
static size_t uart_nrx;
static struct bh_partition_info rt_info;

const struct bh_partition_info *bh_info_page(void) /* lib/rt/args.c */
{
	return &rt_info;
}

int uart_init(struct uart *u, uint16_t base)
{
	u->base = base;
	u->present = true;
	return 0;
}

void uart_putc(struct uart *u, uint8_t c)
{
	assert_true(uart_ntx < sizeof(uart_tx));
	uart_tx[uart_ntx++] = (char)c;
}

void uart_write(struct uart *u, const void *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uart_putc(u, ((const uint8_t *)buf)[i]);
}

int uart_getc(struct uart *u)
{
	if (!uart_nrx)
		return -1;
	uart_nrx--;
	return *uart_rx++;
}

void console_signal(uint32_t chan_id)
{
	server_signals++;
}

char *uart_take(void)
{
	static char out[sizeof(uart_tx) + 1];

	memcpy(out, uart_tx, uart_ntx);
	out[uart_ntx] = 0;
	uart_ntx = 0;
	return out;
}

void uart_type(const char *s)
{
	uart_rx = (const uint8_t *)s;
	uart_nrx = strlen(s);
}

static void f_signal(void *ctx, uint32_t id)
{
	((struct fake *)ctx)->signals++;
}

static long f_fallback(void *ctx, const void *buf, size_t len)
{
	struct fake *f = ctx;

	assert_true(f->nfb + len <= sizeof(f->fb));
	memcpy(f->fb + f->nfb, buf, len);
	f->nfb += len;
	return (long)len;
}

static uint64_t f_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static void f_sleep(void *ctx, uint64_t deadline)
{
	struct fake *f = ctx;

	f->sleeps++;
	if (!f->drain_in_sleep) {
		f->now = deadline;
		return;
	}
	f->now += f->step;
	console_poll();
}

static const char *const names[] = { "command", "guest-1", "guest-2" };

void client_open(struct machine *m, unsigned i)
{
	m->ops[i] = (struct bh_con_ops){ f_signal, f_fallback, f_now, f_sleep, &m->f[i] };
	assert_int_equal(bh_con_open(&m->cli[i], m->mem[i], CHAN_SIZE, CHAN_ID0 + i, &m->ops[i]),
			 0);
}

struct machine *machine_up(unsigned n, bool with_command, bool open_clients)
{
	struct machine *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->n = n;
	strcpy(m->io.name, "iopart-a");
	m->io.mem[0] = (struct bh_mem_region){ 0, 0x200000, BH_MEM_R | BH_MEM_W, BH_MEM_KIND_RAM };
	m->io.mem_count = n + 1;
	for (unsigned i = 0; i < n; i++) {
		unsigned who = with_command ? i : i + 1;

		m->mem[i] = aligned_alloc(BH_CHAN_PAGE, CHAN_SIZE);
		assert_non_null(m->mem[i]);
		memset(m->mem[i], 0, CHAN_SIZE);
		m->io.mem[i + 1] = (struct bh_mem_region){ (uintptr_t)m->mem[i], CHAN_SIZE,
			BH_MEM_R | BH_MEM_W, BH_MEM_KIND_CHANNEL | (CHAN_ID0 + i) << 8 };
		m->io.chan_type[i + 1] = BH_CFG_CHAN_CONSOLE;
		m->io.peer_kind[i + 1] = who ? BH_CFG_KIND_GUEST : BH_CFG_KIND_COMMAND;
		strcpy(m->io.peer_name[i + 1], names[who]);
		if (open_clients)
			client_open(m, i);
	}
	uart_init(&m->u, 0x3f8);
	assert_int_equal(console_init(&m->io, &m->u), (int)n);
	uart_take();
	uart_type("");
	return m;
}

void machine_down(struct machine *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free(m->mem[i]);
	free(m);
}

void cwrite(struct machine *m, unsigned i, const char *s)
{
	assert_int_equal(bh_con_write(&m->cli[i], s, strlen(s)), (long)strlen(s));
}

struct bh_chan_hdr *chdr(struct machine *m, unsigned i)
{
	return (struct bh_chan_hdr *)m->mem[i];
}

