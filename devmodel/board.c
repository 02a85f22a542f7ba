/* SPDX-License-Identifier: MIT */
/* board.c - the platform of board.h: port map, interrupt wiring, console batching.
 * Port assignments: the IBM PC/AT Technical Reference ("System I/O Address Map") and the
 * PIIX3 datasheet (82371SB, "ISA-Compatible Registers": 0x61 NMI Status and Control, ELCR
 * at 0x4d0/0x4d1); 0xf4 is QEMU's isa-debug-exit, which must never reach hardware. */
#include <stdio.h>
#include <bulkhead/errno.h>
#include "board.h"

#define W1  1u /* io_range.widths: sizes taken as one access */
#define W12 (1u | 2u | 4u)

struct io_range {
	uint16_t first, count;
	uint8_t widths;
	uint32_t (*in)(struct board *b, unsigned off, unsigned size);
	void (*out)(struct board *b, unsigned off, unsigned size, uint32_t val);
};

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static uint32_t quiet_in(struct board *b, unsigned off, unsigned size)
{
	return ones(size);
}

static void quiet_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
}

static uint32_t pic_master_in(struct board *b, unsigned off, unsigned size)
{
	return pic_read(&b->pic, 0, off);
}

static uint32_t pic_slave_in(struct board *b, unsigned off, unsigned size)
{
	return pic_read(&b->pic, 1, off);
}

static void pic_out(struct board *b, unsigned chip, unsigned off, uint32_t val)
{
	if (!(off & 1) && (val & 0x10))
		b->pic_reset |= 1u << chip; /* ICW1: what that chip had in service is gone */
	pic_write(&b->pic, chip, off, val);
}

static void pic_master_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
	pic_out(b, 0, off, val);
}

static void pic_slave_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
	pic_out(b, 1, off, val);
}

static uint32_t elcr_in(struct board *b, unsigned off, unsigned size)
{
	return pic_elcr_read(&b->pic, off);
}

static void elcr_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
	pic_elcr_write(&b->pic, off, val);
}

static uint32_t rtc_in(struct board *b, unsigned off, unsigned size)
{
	return rtc_read(&b->rtc, off);
}

static void rtc_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
	rtc_write(&b->rtc, off, val);
}

static uint32_t uart_in(struct board *b, unsigned off, unsigned size)
{
	return uart_read(&b->uart, off);
}

static void uart_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
	uart_write(&b->uart, off, val);
}

static uint32_t pci_in(struct board *b, unsigned off, unsigned size)
{
	return pci_io_read(&b->pci, off, size);
}

static void pci_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
	pci_io_write(&b->pci, off, size, val);
}

/* Port 0x61: no PIT behind it, but a loop that waits for OUT2 (Linux's PIT calibration)
 * ends at once, and no NMI reason is ever reported. */
static uint32_t port61_in(struct board *b, unsigned off, unsigned size)
{
	b->refresh = !b->refresh;
	return (b->port61 & 0x0f) | 0x20 | (b->refresh ? 0x10 : 0);
}

static void port61_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
	b->port61 = val & 0x0f;
}

#define QUIET(first, count) { first, count, W12, quiet_in, quiet_out }

/* PIT counters: no PIT. They read 0, never the 0xff a counter reloaded with 0xffff starts
 * at, so Linux's quick PIT calibration (which waits for the MSB to leave 0xff, up to 50000
 * reads) gives up at its first read instead of after 100000 exits. */
static uint32_t pit_in(struct board *b, unsigned off, unsigned size)
{
	return 0;
}

/* The FADT's PM1a event and control blocks (ultravisor/acpi-tables.h): no event is ever
 * pending (status 0-1 reads 0), the enable register (2-3) keeps what the guest writes, and
 * SCI_EN reads set: the platform is in ACPI mode from the start, there is no SMI command
 * port to switch it (ACPI 6.4, 4.8.3 "PM1 Event Grouping" and "PM1 Control Grouping"). */
static uint32_t pm1_in(struct board *b, unsigned off, unsigned size)
{
	uint32_t regs = (uint32_t)b->pm1_en << 16; /* status 0, enable at offset 2 */

	if (off >= 4)
		return off == 4 ? 1 : 0;          /* PM1a_CNT.SCI_EN */
	return (regs >> (8 * off)) & (size >= 4 ? ~0u : (1u << (8 * size)) - 1);
}

static void pm1_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
	if (off == 2 || (off == 0 && size == 4))
		b->pm1_en = (uint16_t)(off == 2 ? val : val >> 16);
}

static void test_out(struct board *b, unsigned off, unsigned size, uint32_t val)
{
	if (b->test_crash && (val & 0xff) == BOARD_TEST_CRASH)
		__builtin_trap(); /* the monitor contains it; its guest ends with it */
}

/* Sorted by port. */
static const struct io_range ranges[] = {
	QUIET(0x0000, 0x20),                        /* DMA controller 1 */
	{ 0x0020, 2, W1, pic_master_in, pic_master_out },
	QUIET(0x002e, 2),                           /* Super I/O index/data (Fintek probe) */
	{ 0x0040, 4, W12, pit_in, quiet_out },      /* PIT 8254: absent */
	QUIET(0x004e, 2),                           /* Super I/O, second address */
	QUIET(0x0060, 1),                           /* i8042 data */
	{ 0x0061, 1, W1, port61_in, port61_out },
	QUIET(0x0064, 1),                           /* i8042 status/command */
	{ 0x0070, 2, W1, rtc_in, rtc_out },
	QUIET(0x0080, 0x10),                        /* POST code, DMA page registers */
	QUIET(0x0092, 1),                           /* system control port A (fast A20) */
	{ 0x00a0, 2, W1, pic_slave_in, pic_slave_out },
	QUIET(0x00c0, 0x20),                        /* DMA controller 2 */
	QUIET(0x00ed, 1),                           /* Linux's alternative I/O delay port */
	QUIET(0x00f0, 0x10),                        /* FPU error, 0xf4 QEMU debug exit */
	QUIET(0x02e8, 8),                           /* COM4: absent */
	QUIET(0x02f8, 8),                           /* COM2: absent */
	QUIET(0x03b0, 0x30),                        /* MDA / VGA */
	QUIET(0x03e8, 8),                           /* COM3: absent */
	{ UART_COM1_BASE, 8, W1, uart_in, uart_out },
	{ PIC_ELCR, 2, W1, elcr_in, elcr_out },
	{ BOARD_TEST_PORT, 1, W1, quiet_in, test_out }, /* the tests' crash hook */
	{ 0x0600, 6, W12, pm1_in, pm1_out },        /* ACPI PM1a event and control */
	{ PCI_CONFIG_ADDRESS, 8, W12, pci_in, pci_out },
};

static const struct io_range *find(uint16_t port)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if ((unsigned)(port - ranges[i].first) < ranges[i].count)
			return &ranges[i];
	return NULL;
}

static void unknown(struct board *b, uint16_t port, bool in)
{
	unsigned blk = port >> 4;

	b->stats.unknown++;
	if (b->seen[blk / 8] & (1u << (blk % 8)))
		return;
	b->seen[blk / 8] |= 1u << (blk % 8);
	if (b->unknown_named++ < BOARD_UNKNOWN_LOG)
		board_log(b, "no device at port %#x (%s; ports %#x-%#x read all ones)", port,
			  in ? "read" : "write", blk << 4, (blk << 4) + 15);
	else
		board_log_once(b, SAID_UNKNOWN, "more unknown ports: not named");
}

/* Device lines into the 8259s; a UART line that pulsed shows as an edge. */
static void lines(struct board *b)
{
	if (uart_take_pulse(&b->uart))
		pic_set_irq(&b->pic, UART_COM1_IRQ, false);
	pic_set_irq(&b->pic, UART_COM1_IRQ, uart_irq(&b->uart));
	pic_set_irq(&b->pic, RTC_IRQ, rtc_irq(&b->rtc));
	for (unsigned i = 0; i < b->nvirtio; i++)
		pic_set_irq(&b->pic, b->virtio[i]->irq, b->intx >> b->virtio[i]->irq & 1);
}

static void virtio_msi(void *ctx, uint32_t dest, uint8_t vector)
{
	struct board *b = ctx;

	if (b->ops->msi && b->ops->msi(b->ops->ctx, dest, vector))
		board_log_once(b, SAID_IRQ_FAIL, "BH_HC_DM_IRQ refused MSI vector %u for vCPU %u",
			       vector, dest);
}

static void virtio_intx(void *ctx, unsigned irq, bool level)
{
	struct board *b = ctx;

	if (irq < 16)
		b->intx = (uint16_t)((b->intx & ~(1u << irq)) | (uint16_t)level << irq);
}

static void virtio_log(void *ctx, const char *what)
{
	struct board *b = ctx;

	if (b->virtio_said++ < BOARD_VIRTIO_LOG)
		board_log(b, "virtio: %s", what);
}

int board_add_virtio(struct board *b, struct vpci *v)
{
	const struct pci_fn fn = { v->bdf, vpci_cfg_read, vpci_cfg_write, v };
	int r;

	if (b->nvirtio == BOARD_VIRTIO_MAX)
		return -BH_ENOSPC;
	if ((r = pci_add(&b->pci, &fn)))
		return r;
	b->virtio[b->nvirtio++] = v;
	return 0;
}

static bool whole(const struct io_range *r, uint16_t port, unsigned size)
{
	return r && (r->widths & size) && port - r->first + size <= r->count;
}

static uint32_t access_in(struct board *b, uint16_t port, unsigned size)
{
	const struct io_range *r = find(port);
	uint32_t v = 0;

	if (whole(r, port, size))
		return r->in(b, port - r->first, size) & ones(size);
	if (size == 1 && !r) {
		unknown(b, port, true);
		return 0xff;
	}
	for (unsigned i = 0; i < size; i++)
		v |= access_in(b, (uint16_t)(port + i), 1) << (8 * i);
	return v;
}

static void access_out(struct board *b, uint16_t port, unsigned size, uint32_t val)
{
	const struct io_range *r = find(port);

	if (whole(r, port, size)) {
		r->out(b, port - r->first, size, val & ones(size));
	} else if (size == 1 && !r) {
		unknown(b, port, false);
	} else {
		for (unsigned i = 0; i < size; i++)
			access_out(b, (uint16_t)(port + i), 1, val >> (8 * i));
	}
}

/* The virtio function whose I/O BAR holds the whole access, or NULL. */
static struct vpci *virtio_at(struct board *b, uint16_t port, unsigned size)
{
	for (unsigned i = 0; i < b->nvirtio; i++)
		if (vpci_claims(b->virtio[i], port) &&
		    vpci_claims(b->virtio[i], (uint16_t)(port + size - 1)))
			return b->virtio[i];
	return NULL;
}

uint32_t board_in(struct board *b, uint16_t port, unsigned size)
{
	struct vpci *f = virtio_at(b, port, size);
	uint32_t v = f ? vpci_io_read(f, port - f->io_base, size) : access_in(b, port, size);

	lines(b);
	return v;
}

void board_out(struct board *b, uint16_t port, unsigned size, uint32_t val)
{
	struct vpci *f = virtio_at(b, port, size);

	if (f)
		vpci_io_write(f, port - f->io_base, size, val & ones(size));
	else
		access_out(b, port, size, val);
	lines(b);
}

/* ---- console ---- */

static void flush(struct board *b)
{
	if (!b->out_len)
		return;
	b->ops->out(b->ops->ctx, b->out, b->out_len);
	b->mid_line = b->out[b->out_len - 1] != '\n';
	b->out_len = 0;
}

static void uart_tx(void *ctx, uint8_t byte)
{
	struct board *b = ctx;

	b->out_at = b->now; /* a line still growing stays whole */
	b->out[b->out_len++] = (char)byte;
	if (byte == '\n' || b->out_len == sizeof(b->out))
		flush(b);
}

static void vlog(struct board *b, const char *fmt, va_list ap)
{
	char line[192];
	size_t n, room;
	int m;

	flush(b);
	n = (size_t)snprintf(line, sizeof(line), "%sdevmodel: ", b->mid_line ? "\n" : "");
	room = sizeof(line) - n - 1; /* one byte for the '\n' */
	m = vsnprintf(line + n, room, fmt, ap);
	if (m > 0)
		n += (size_t)m < room ? (size_t)m : room - 1;
	line[n++] = '\n';
	b->ops->out(b->ops->ctx, line, n);
	b->mid_line = false;
}

void board_log(struct board *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(b, fmt, ap);
	va_end(ap);
}

void board_log_once(struct board *b, unsigned once, const char *fmt, ...)
{
	va_list ap;

	if (b->said & once)
		return;
	b->said |= once;
	va_start(ap, fmt);
	vlog(b, fmt, ap);
	va_end(ap);
}

/* ---- the pass ---- */

void board_init(struct board *b, const struct dm_ops *ops, int64_t wall_ns, uint64_t now)
{
	*b = (struct board){ .ops = ops, .held = -1, .now = now };
	uart_init(&b->uart, uart_tx, b);
	pic_init(&b->pic);
	rtc_init(&b->rtc, wall_ns, now);
	pci_init(&b->pci);
	b->vpci_ops = (struct vpci_ops){ b, virtio_msi, virtio_intx, virtio_log };
}

void board_begin(struct board *b, uint64_t now)
{
	b->now = now;
	rtc_advance(&b->rtc, now);
	for (unsigned i = 0; i < b->nvirtio; i++) /* MSI-X entries unmasked meanwhile */
		vpci_poll(b->virtio[i]);
	lines(b);
}

static void give_vector(struct board *b, uint32_t vector)
{
	long r = b->ops->irq(b->ops->ctx, vector);

	if (r < 0) {
		b->stats.irq_fail++;
		board_log_once(b, SAID_IRQ_FAIL, "BH_HC_DM_IRQ(0, %u, EXTINT) refused: %ld", vector, r);
	}
}

/* The 8259's INTR to the monitor (board.h: "Interrupts"). */
static void sync_intr(struct board *b)
{
	int irq;

	if (b->held >= 0 && (b->pic_reset & (b->held < 8 ? 1u : 3u))) {
		give_vector(b, 0); /* its chip (or the master it cascades through) was reset */
		b->stats.withdrawn++;
		b->held = -1;
	}
	b->pic_reset = 0;
	if (b->held >= 0 && !pic_in_service(&b->pic, (unsigned)b->held))
		b->held = -1; /* the guest took it and acknowledged it */
	if (b->held >= 0 || !pic_intr(&b->pic))
		return;
	if (b->pic.chip[0].base < 16 || b->pic.chip[1].base < 16) {
		b->stats.bad_base++;
		board_log_once(b, SAID_BAD_BASE, "8259 interrupt with vector base %#x/%#x: not raised",
			       b->pic.chip[0].base, b->pic.chip[1].base);
		return;
	}
	b->held_vector = pic_intack(&b->pic, &irq);
	b->held = irq;
	b->stats.raised++;
	give_vector(b, b->held_vector);
}

void board_end(struct board *b)
{
	lines(b);
	if (b->out_len && b->now - b->out_at >= BOARD_OUT_HOLD_NS)
		flush(b);
	sync_intr(b);
}

bool board_rx(struct board *b, uint8_t byte)
{
	bool ok = uart_rx_push(&b->uart, byte);

	lines(b);
	return ok;
}

uint64_t board_deadline(const struct board *b)
{
	uint64_t rtc = rtc_deadline(&b->rtc), out = b->out_len ? b->out_at + BOARD_OUT_HOLD_NS : 0;

	return !out || (rtc && rtc < out) ? rtc : out;
}
