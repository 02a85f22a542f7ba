/* SPDX-License-Identifier: MIT */
/* test_e1000.c - iopart/e1000.c against a fake 82540EM in host memory: its registers are a
 * plain 128 KiB array the test plays the device on (CTRL.RST clears itself at the next
 * plat_time_ns(), unless told not to). Device addresses are CPU addresses plus DMA_BIAS,
 * so a driver that hands the device a CPU pointer fails. */
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
#include "iopart/e1000.h"
#include "iopart/pci.h"
#include "iopart/platform.h"

#define BDF      PCI_BDF(0, 6, 0)
#define BAR      0xfeb80000ull
#define DMA_BIAS 0x300000000000ull

static struct {
	uint8_t cfg[256];
	uint32_t *regs;       /* E1000_REGS bytes */
	uint64_t now;
	bool stuck_reset;
	void *dma[8];
	unsigned ndma;
} F;

static uint32_t *reg(unsigned off)
{
	return &F.regs[off / 4];
}

/* ---- platform.h over the fake ---------------------------------------------------------- */

uint32_t plat_pci_read(uint16_t bdf, unsigned off, unsigned width)
{
	uint32_t v = 0;

	if (bdf != BDF)
		return ~0u;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)F.cfg[off + i] << (8 * i);
	return v;
}

int plat_pci_write(uint16_t bdf, unsigned off, unsigned width, uint32_t v)
{
	if (bdf != BDF)
		return -BH_EPERM;
	for (unsigned i = 0; i < width; i++)
		F.cfg[off + i] = (uint8_t)(v >> (8 * i));
	return 0;
}

int plat_pci_msix(uint16_t bdf, unsigned entry, unsigned op)
{
	return -BH_ENOTSUP;
}

volatile void *plat_mmio(uint64_t bar_addr, uint64_t size)
{
	if (bar_addr < BAR || bar_addr + size > BAR + E1000_REGS)
		return NULL;
	return (uint8_t *)F.regs + (bar_addr - BAR);
}

void *plat_dma_alloc(size_t bytes, uint64_t *dma_addr)
{
	void *p = aligned_alloc(4096, (bytes + 4095) & ~(size_t)4095);

	assert_non_null(p);
	memset(p, 0, bytes);
	F.dma[F.ndma++] = p;
	*dma_addr = (uint64_t)(uintptr_t)p + DMA_BIAS;
	return p;
}

uint64_t plat_dma_addr(const void *p, size_t len)
{
	return 0;
}

int plat_wait_device(uint64_t deadline_ns)
{
	F.now = deadline_ns;
	return 0;
}

uint64_t plat_time_ns(void)
{
	if (!F.stuck_reset)
		*reg(E1000_CTRL) &= ~E1000_CTRL_RST;
	return F.now += 1000;
}

void plat_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void *cpu(uint64_t dma)
{
	return (void *)(uintptr_t)(dma - DMA_BIAS);
}

/* ---- The fake device ------------------------------------------------------------------- */

static void fake_new(void)
{
	memset(&F, 0, sizeof(F));
	F.regs = calloc(1, E1000_REGS);
	assert_non_null(F.regs);
	F.cfg[0] = 0x86, F.cfg[1] = 0x80, F.cfg[2] = 0x0e, F.cfg[3] = 0x10;
	F.cfg[0x0b] = 0x02; /* class 020000 */
	F.cfg[0x10] = (uint8_t)BAR, F.cfg[0x11] = (uint8_t)(BAR >> 8);
	F.cfg[0x12] = (uint8_t)(BAR >> 16), F.cfg[0x13] = (uint8_t)(BAR >> 24);
	*reg(E1000_STATUS) = E1000_STATUS_LU;
	*reg(E1000_RAL(0)) = 0x00545452; /* 52:54:54:00 ... */
	*reg(E1000_RAH(0)) = 0x0201 | E1000_RAH_AV;
}

static void fake_free(void)
{
	for (unsigned i = 0; i < F.ndma; i++)
		free(F.dma[i]);
	free(F.regs);
}

static void up(struct e1000 *e, struct pci_dev *d)
{
	fake_new();
	assert_int_equal(pci_probe(d, BDF), 0);
	assert_true(e1000_supported(d));
	assert_int_equal(e1000_init(e, d), 0);
}

/* The device receives a frame into descriptor i. */
static void deliver(struct e1000 *e, unsigned i, const uint8_t *f, uint16_t len, uint8_t err)
{
	struct e1000_rx_desc *d = &e->rx[i];

	memcpy(cpu(d->addr), f, len < E1000_BUF ? len : E1000_BUF);
	d->length = len;
	d->errors = err;
	d->status = E1000_RXD_DD | E1000_RXD_EOP;
}

/* ---- Tests ----------------------------------------------------------------------------- */

static void test_init(void **state)
{
	struct pci_dev d;
	struct e1000 e;
	static const uint8_t mac[6] = { 0x52, 0x54, 0x54, 0x00, 0x01, 0x02 };
	uint64_t ring;

	up(&e, &d);
	assert_memory_equal(e.mac, mac, 6);
	assert_true(plat_pci_read(BDF, PCI_COMMAND, 2) & (PCI_CMD_MEMORY | PCI_CMD_MASTER));
	assert_int_equal(*reg(E1000_RCTL), E1000_RCTL_EN | E1000_RCTL_MPE | E1000_RCTL_BAM |
						   E1000_RCTL_SECRC);
	assert_true(*reg(E1000_TCTL) & (E1000_TCTL_EN | E1000_TCTL_PSP));
	assert_true(*reg(E1000_CTRL) & E1000_CTRL_SLU);
	ring = *reg(E1000_RDBAL) | (uint64_t)*reg(E1000_RDBAH) << 32;
	assert_ptr_equal(cpu(ring), e.rx);
	ring = *reg(E1000_TDBAL) | (uint64_t)*reg(E1000_TDBAH) << 32;
	assert_ptr_equal(cpu(ring), e.tx);
	assert_int_equal(*reg(E1000_RDLEN), E1000_RX * 16);
	assert_int_equal(*reg(E1000_RDT), E1000_RX - 1);
	for (unsigned i = 0; i < E1000_RX; i++) /* device addresses, in the DMA area */
		assert_true(e.rx[i].addr > DMA_BIAS);
	assert_true(e1000_link_up(&e));
	fake_free();
}

static void test_refusals(void **state)
{
	struct pci_dev d;
	struct e1000 e;

	fake_new();
	assert_int_equal(pci_probe(&d, BDF), 0);
	d.device = 0x10d3; /* 82574L: another register set */
	assert_false(e1000_supported(&d));
	d.device = 0x100e;
	F.stuck_reset = true;
	assert_int_equal(e1000_init(&e, &d), -BH_EIO);
	F.stuck_reset = false;
	d.bar[0] = 0;
	assert_int_equal(e1000_init(&e, &d), -BH_EIO);
	fake_free();
}

static void test_receive(void **state)
{
	struct pci_dev d;
	struct e1000 e;
	uint8_t f[E1000_BUF], buf[1514];

	up(&e, &d);
	for (unsigned i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)i;
	assert_int_equal(e1000_recv(&e, buf, sizeof(buf)), -BH_ENOENT);
	deliver(&e, 0, f, 60, 0);
	deliver(&e, 1, f, 200, 0x01);  /* CRC error */
	deliver(&e, 2, f, 1600, 0);    /* longer than the caller's buffer */
	deliver(&e, 3, f, 10, 0);      /* shorter than a header */
	deliver(&e, 4, f + 1, 1514, 0);
	assert_int_equal(e1000_recv(&e, buf, sizeof(buf)), 60);
	assert_memory_equal(buf, f, 60);
	assert_int_equal(*reg(E1000_RDT), 0); /* handed back */
	assert_int_equal(e1000_recv(&e, buf, sizeof(buf)), 1514);
	assert_memory_equal(buf, f + 1, 1514);
	assert_int_equal(*reg(E1000_RDT), 4);
	assert_int_equal(e.stats.rx_err, 3);
	assert_int_equal(e1000_recv(&e, buf, sizeof(buf)), -BH_ENOENT);
	/* round the ring twice */
	for (unsigned k = 0; k < 2 * E1000_RX; k++) {
		unsigned i = (5 + k) % E1000_RX;

		deliver(&e, i, f + k, 100, 0);
		assert_int_equal(e1000_recv(&e, buf, sizeof(buf)), 100);
		assert_memory_equal(buf, f + k, 100);
		assert_int_equal(*reg(E1000_RDT), i);
	}
	fake_free();
}

static void test_transmit(void **state)
{
	struct pci_dev d;
	struct e1000 e;
	uint8_t f[1514];
	unsigned n = 0;

	up(&e, &d);
	memset(f, 0xab, sizeof(f));
	assert_int_equal(e1000_send(&e, f, 13), -BH_EINVAL);
	assert_int_equal(e1000_send(&e, f, 42), 0);
	assert_int_equal(*reg(E1000_TDT), 1);
	assert_int_equal(e.tx[0].length, 42);
	assert_int_equal(e.tx[0].cmd, E1000_TXD_EOP | E1000_TXD_IFCS | E1000_TXD_RS);
	assert_memory_equal(cpu(e.tx[0].addr), f, 42);
	while (e1000_send(&e, f, 1514) == 0)
		n++;
	assert_int_equal(n, E1000_TX - 2); /* one slot stays empty: tail never meets head */
	assert_int_equal(e.stats.tx_full, 1);
	/* the device sends the first four */
	for (unsigned i = 0; i < 4; i++)
		e.tx[i].status = E1000_TXD_DD;
	for (n = 0; e1000_send(&e, f, 60) == 0; n++)
		;
	assert_int_equal(n, 4);
	assert_int_equal(*reg(E1000_TDT), 3);
	fake_free();
}

static void test_filter(void **state)
{
	struct pci_dev d;
	struct e1000 e;
	uint8_t macs[20][6];

	up(&e, &d);
	for (unsigned i = 0; i < 20; i++) {
		static const uint8_t base[6] = { 2, 0, 0, 0, 0, 0 };
		memcpy(macs[i], base, 6);
		macs[i][5] = (uint8_t)(i + 1);
	}
	e1000_filter(&e, (const uint8_t(*)[6])macs, 3);
	assert_int_equal(*reg(E1000_RAL(1)), 0x00000002);
	assert_int_equal(*reg(E1000_RAH(1)), 0x0100 | E1000_RAH_AV);
	assert_int_equal(*reg(E1000_RAH(3)), 0x0300 | E1000_RAH_AV);
	assert_int_equal(*reg(E1000_RAH(4)), 0);
	assert_false(*reg(E1000_RCTL) & E1000_RCTL_UPE);
	assert_true(*reg(E1000_RAH(0)) & E1000_RAH_AV); /* its own stays */
	e1000_filter(&e, (const uint8_t(*)[6])macs, 20);
	assert_true(*reg(E1000_RCTL) & E1000_RCTL_UPE);
	assert_int_equal(*reg(E1000_RAH(15)), 0x0f00 | E1000_RAH_AV);
	e1000_filter(&e, (const uint8_t(*)[6])macs, 0);
	assert_false(*reg(E1000_RCTL) & E1000_RCTL_UPE);
	assert_int_equal(*reg(E1000_RAH(1)), 0);
	fake_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_receive),
		cmocka_unit_test(test_transmit),
		cmocka_unit_test(test_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
