/* SPDX-License-Identifier: MIT */
/* virtio-pci.c - the legacy virtio PCI transport of virtio-pci.h. */
#include <stddef.h>
#include "virtio-pci.h"

#define VENDOR_VIRTIO  0x1af4
#define CMD_IO         0x0001
#define CMD_MEM        0x0002
#define CMD_MASTER     0x0004
#define CMD_INTX_OFF   0x0400
#define STATUS_CAPS    0x0010  /* PCI status: a capability list at 0x34 */
#define CAP_MSIX       0x40
#define MSIX_ENABLE    0x8000
#define MSIX_MASKALL   0x4000
#define ISR_QUEUE      1
#define ISR_CONFIG     2
#define FEATURES_RING  (VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX)

static unsigned nqueues(const struct vpci *v)
{
	unsigned n = 0;

	while (n < VPCI_QUEUES_MAX && v->dev->queue_size[n])
		n++;
	return n;
}

static unsigned table_size(const struct vpci *v)
{
	return 1 + nqueues(v); /* the configuration vector and one per queue */
}

static uint32_t class_of(uint8_t type)
{
	return type == VIRTIO_ID_NET ? 0x020000 : 0x010000; /* Ethernet; SCSI storage, as QEMU */
}

static bool msix_on(const struct vpci *v)
{
	return v->msix_ctrl & MSIX_ENABLE;
}

static void set_intx(struct vpci *v)
{
	bool level = v->isr && !msix_on(v) && !(v->command & CMD_INTX_OFF);

	v->ops->intx(v->ops->ctx, v->irq, level);
}

/* One dword of the configuration space, as the guest reads it. */
static uint32_t cfg_dword(const struct vpci *v, unsigned reg)
{
	switch (reg) {
	case 0x00: return (uint32_t)(0x1000 + v->type - 1) << 16 | VENDOR_VIRTIO;
	case 0x04: return (uint32_t)STATUS_CAPS << 16 | v->command;
	case 0x08: return class_of(v->type) << 8; /* revision 0: transitional */
	case 0x0c: return 0;                      /* header type 0, single function */
	case 0x10: return v->bar0_sizing ? (uint32_t)-VPCI_IO_SIZE | 1 : (uint32_t)v->io_base | 1;
	case 0x14: return v->bar1_sizing ? 0xfffff000u : v->bar1;
	case 0x2c: return (uint32_t)v->type << 16 | VENDOR_VIRTIO;
	case 0x34: return CAP_MSIX;
	case 0x3c: return 1u << 8 | v->irq;       /* INTA#, its 8259 line */
	case CAP_MSIX: return (uint32_t)(v->msix_ctrl | (table_size(v) - 1)) << 16 | 0x11;
	case CAP_MSIX + 4: return 1;                      /* table at BAR1 + 0 */
	case CAP_MSIX + 8: return VPCI_MSIX_PBA | 1;      /* PBA at BAR1 + 0x800 */
	default: return 0;
	}
}

uint32_t vpci_cfg_read(void *ctx, unsigned off, unsigned size)
{
	uint32_t d = cfg_dword(ctx, off & ~3u) >> (8 * (off & 3));

	return size >= 4 ? d : d & ((1u << (8 * size)) - 1);
}

void vpci_cfg_write(void *ctx, unsigned off, unsigned size, uint32_t val)
{
	struct vpci *v = ctx;
	unsigned reg = off & ~3u, sh = 8 * (off & 3);
	uint32_t mask = (size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1) << sh;
	uint32_t d = (cfg_dword(v, reg) & ~mask) | (val << sh & mask);

	switch (reg) {
	case 0x04:
		if (mask & 0xffff)
			v->command = (uint16_t)(d & (CMD_IO | CMD_MEM | CMD_MASTER | CMD_INTX_OFF));
		set_intx(v);
		break;
	case 0x10: /* I/O BAR: sized by all ones, else moved (port bits 15:6) */
		v->bar0_sizing = size == 4 && val == 0xffffffffu;
		if (size == 4 && !v->bar0_sizing)
			v->io_base = (uint16_t)(val & 0xffc0);
		break;
	case 0x14: /* the BAR page is where the ultravisor maps it: sized, never moved */
		v->bar1_sizing = size == 4 && val == 0xffffffffu;
		break;
	case CAP_MSIX:
		if (mask & 0xffff0000u) {
			v->msix_ctrl = (uint16_t)(d >> 16) & (MSIX_ENABLE | MSIX_MASKALL);
			set_intx(v);
			vpci_poll(v);
		}
		break;
	default: /* read-only; the interrupt line is ours */
		break;
	}
}

bool vpci_claims(const struct vpci *v, uint16_t port)
{
	return v->command & CMD_IO && v->io_base && port >= v->io_base &&
	       port - v->io_base < VPCI_IO_SIZE;
}

bool vpci_live(const struct vpci *v)
{
	return (v->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) ==
	       VIRTIO_STATUS_DRIVER_OK && v->command & CMD_MASTER;
}

static unsigned cfg_base(const struct vpci *v)
{
	return msix_on(v) ? 0x18 : 0x14;
}

static void reset(struct vpci *v)
{
	v->guest_features = 0;
	v->queue_sel = 0;
	v->status = 0;
	v->isr = 0;
	v->config_vector = VPCI_NO_VECTOR;
	v->pending = 0;
	for (unsigned q = 0; q < VPCI_QUEUES_MAX; q++) {
		v->queue_vector[q] = VPCI_NO_VECTOR;
		v->queue_pfn[q] = 0;
		vq_setup_legacy(&v->vq[q], v->mem, 0, 0, 0);
	}
	set_intx(v);
	v->dev->reset(v->dev->ctx);
}

static uint32_t io_byte(struct vpci *v, unsigned off)
{
	unsigned q = v->queue_sel;
	uint32_t word;

	if (off >= cfg_base(v)) {
		unsigned c = off - cfg_base(v);
		return c < v->dev->cfg_len ? v->dev->cfg_read(v->dev->ctx, c) : 0xff;
	}
	switch (off & ~3u) {
	case 0x00: word = v->dev->features | FEATURES_RING; break;
	case 0x04: word = v->guest_features; break;
	case 0x08: word = q < VPCI_QUEUES_MAX ? v->queue_pfn[q] : 0; break;
	case 0x0c: word = (uint32_t)v->queue_sel << 16 |
			  (q < VPCI_QUEUES_MAX ? v->dev->queue_size[q] : 0); break;
	case 0x10: word = (uint32_t)v->isr << 24 | (uint32_t)v->status << 16; break;
	default: /* 0x14: the MSI-X vectors */
		word = (q < VPCI_QUEUES_MAX ? (uint32_t)v->queue_vector[q] : VPCI_NO_VECTOR) << 16 |
		       v->config_vector;
	}
	return word >> (8 * (off & 3)) & 0xff;
}

uint32_t vpci_io_read(struct vpci *v, unsigned off, unsigned size)
{
	uint32_t val = 0;

	for (unsigned i = 0; i < size && off + i < VPCI_IO_SIZE; i++)
		val |= io_byte(v, off + i) << (8 * i);
	if (off <= 0x13 && off + size > 0x13) { /* reading ISR clears it and lowers INTx */
		v->isr = 0;
		set_intx(v);
	}
	return val;
}

static uint16_t checked_vector(const struct vpci *v, uint32_t val)
{
	return val < table_size(v) ? (uint16_t)val : VPCI_NO_VECTOR;
}

void vpci_io_write(struct vpci *v, unsigned off, unsigned size, uint32_t val)
{
	unsigned q = v->queue_sel;

	if (off >= cfg_base(v)) {
		for (unsigned i = 0; i < size; i++)
			if (off + i - cfg_base(v) < v->dev->cfg_len && v->dev->cfg_write)
				v->dev->cfg_write(v->dev->ctx, off + i - cfg_base(v),
						  (uint8_t)(val >> (8 * i)));
		return;
	}
	switch (off) {
	case 0x04:
		v->guest_features = val & (v->dev->features | FEATURES_RING);
		break;
	case 0x08:
		if (q >= nqueues(v))
			break;
		v->queue_pfn[q] = val;
		if (vq_setup_legacy(&v->vq[q], v->mem, val, v->dev->queue_size[q],
				    v->guest_features) < 0)
			vpci_broken(v, q);
		break;
	case 0x0e:
		v->queue_sel = (uint16_t)val;
		break;
	case 0x10:
		v->stats.kicks++;
		if (val < nqueues(v) && v->vq[val].size && vpci_live(v))
			v->dev->notify(v->dev->ctx, val);
		break;
	case 0x12:
		if (!(val & 0xff))
			reset(v);
		else
			v->status = (uint8_t)val | (v->status & VIRTIO_STATUS_NEEDS_RESET);
		break;
	case 0x14:
		if (msix_on(v))
			v->config_vector = checked_vector(v, val & 0xffff);
		break;
	case 0x16:
		if (msix_on(v) && q < nqueues(v))
			v->queue_vector[q] = checked_vector(v, val & 0xffff);
		break;
	default: /* read-only registers, or a write that straddles two */
		break;
	}
}

/* MSI-X entry e: raise it now, or mark it pending while masked. */
static void msix_raise(struct vpci *v, unsigned e)
{
	volatile uint32_t *ent = v->msix + 4 * e;
	uint32_t lo, hi, data, ctrl;

	if (e >= table_size(v))
		return;
	ctrl = __atomic_load_n(&ent[3], __ATOMIC_ACQUIRE);
	if (ctrl & 1 || v->msix_ctrl & MSIX_MASKALL) {
		v->pending |= 1u << e;
		v->msix[VPCI_MSIX_PBA / 4] = v->pending;
		v->stats.pending++;
		return;
	}
	lo = ent[0], hi = ent[1], data = ent[2]; /* each read once, then checked */
	if (lo >> 20 != 0xfee || hi || (data >> 8 & 7) > 1 || (data & 0xff) < 16) {
		v->stats.bad_entry++;
		v->ops->log(v->ops->ctx, "an MSI-X entry that is no fixed interrupt to a local "
			    "APIC: not raised");
		return;
	}
	v->stats.msi++;
	v->ops->msi(v->ops->ctx, lo >> 12 & 0xff, (uint8_t)data);
}

void vpci_poll(struct vpci *v)
{
	uint32_t p = v->pending;

	if (!p || !msix_on(v) || v->msix_ctrl & MSIX_MASKALL)
		return;
	v->pending = 0;
	for (unsigned e = 0; p; e++, p >>= 1)
		if (p & 1)
			msix_raise(v, e);
	v->msix[VPCI_MSIX_PBA / 4] = v->pending;
}

static void raise(struct vpci *v, uint16_t vector, uint8_t isr)
{
	if (!(v->command & CMD_MASTER))
		return; /* no bus master, no message: the PCI rule for MSI */
	if (msix_on(v)) {
		if (vector != VPCI_NO_VECTOR)
			msix_raise(v, vector);
		return;
	}
	v->isr |= isr;
	v->stats.intx++;
	set_intx(v);
}

void vpci_queue_irq(struct vpci *v, unsigned q)
{
	if (q < VPCI_QUEUES_MAX)
		raise(v, v->queue_vector[q], ISR_QUEUE);
}

void vpci_config_changed(struct vpci *v)
{
	raise(v, v->config_vector, ISR_CONFIG);
}

void vpci_broken(struct vpci *v, unsigned q)
{
	v->status |= VIRTIO_STATUS_NEEDS_RESET;
	v->ops->log(v->ops->ctx, q < VPCI_QUEUES_MAX && v->vq[q].why ? v->vq[q].why :
		    "a queue the guest set up badly");
	raise(v, v->config_vector, ISR_CONFIG);
}

void vpci_init(struct vpci *v, uint16_t bdf, uint8_t type, uint16_t io_base, uint32_t bar1,
	       void *msix, uint8_t irq, const struct vq_mem *mem, const struct vpci_dev *dev,
	       const struct vpci_ops *ops)
{
	*v = (struct vpci){ .bdf = bdf, .type = type, .irq = irq, .io_base = io_base,
			    .bar1 = bar1, .msix = msix, .mem = mem, .dev = dev, .ops = ops };
	reset(v);
}
