/* SPDX-License-Identifier: MIT */
/* config_build.h - test helpers: a good config as C structs, packed into a blob, validated. */
#ifndef TESTS_UNIT_CONFIG_BUILD_H
#define TESTS_UNIT_CONFIG_BUILD_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "config/validate.h"

#define MIB      (1024ull * 1024)
#define ERRS_MAX 64
#define NONE     BH_CFG_NONE

/* The configuration under test; room past every limit so tests can exceed them. */
static struct {
	struct bh_cfg_header hdr;
	struct bh_cfg_partition part[BH_CFG_PARTITIONS_MAX + 2];
	struct bh_cfg_pool pool[BH_CFG_POOL_MAX + 2];
	struct bh_cfg_device dev[BH_CFG_DEVICES_MAX + 2];
	struct bh_cfg_channel chan[BH_CFG_CHANNELS_MAX + 2];
	struct bh_cfg_zone zone[BH_CFG_ZONES_MAX + 2];
	struct bh_cfg_policy pol[BH_CFG_POLICIES_MAX + 2];
	uint32_t n[BH_CFG_TABLES];
} T;

static _Alignas(8) uint8_t blob[BH_CFG_BLOB_MAX + 4096];
static size_t blob_len;

/* What the validator reported, formatted. */
static struct {
	int n;
	char text[ERRS_MAX][CFG_FIELD_MAX + CFG_MSG_MAX + 8];
	const char *check[ERRS_MAX];
} E;

static inline void part(uint32_t i, const char *name, uint32_t kind, uint32_t zone, uint8_t cpu,
			uint64_t mem, const char *image)
{
	struct bh_cfg_partition *p = &T.part[i];

	memset(p, 0, sizeof(*p));
	strcpy(p->name, name);
	p->kind = kind;
	p->zone = zone;
	p->vcpus = 1;
	p->cpus[0] = cpu;
	p->memory = mem * MIB;
	p->restart = BH_CFG_RESTART_STOP;
	strcpy(p->image, image);
}

static inline void chan(uint32_t i, const char *name, uint32_t type, uint32_t server,
			uint32_t client, uint32_t device, uint64_t size)
{
	T.chan[i] = (struct bh_cfg_channel){ .type = type, .server = server, .client = client,
					     .device = device, .size = size };
	strcpy(T.chan[i].name, name);
}

static inline void device(uint32_t i, const char *name, uint16_t cls, uint32_t owner,
			  uint16_t bdf)
{
	T.dev[i] = (struct bh_cfg_device){ .owner = owner, .bus = BH_CFG_BUS_PCI, .class = cls,
					   .pci_bdf = bdf };
	strcpy(T.dev[i].name, name);
}

/* partitions: 0 ultravisor, 1 command, 2 opspolicy, 3 iopart-a, 4 iopart-b (CPUs 0-1, zone
 * system); 5 guest-1 (CPUs 2-3, zone guests). devices: 0 com1, 1 nvme-a, 2 nvme-b.
 * channels: 0 console-guest-1, 1 block-a, 2 block-b. Pool 64-448 MiB. */
static inline void good(void)
{
	memset(&T, 0, sizeof(T));
	T.hdr.cpu_count = 4;
	T.n[BH_CFG_POLICIES] = 2;
	T.pol[0] = (struct bh_cfg_policy){ "system", 0x1e, 0, BH_CFG_RESTART, 3,
					   BH_CFG_FAILOVER_NONE, 0, 0 };
	T.pol[1] = (struct bh_cfg_policy){ "guests", 1u << BH_CFG_KIND_GUEST, 2, BH_CFG_RESTART, 5,
					   BH_CFG_FAILOVER_IOPART, 0, 0 };
	T.n[BH_CFG_ZONES] = 2;
	T.zone[0] = (struct bh_cfg_zone){ "system", 0x3, 256 * MIB, 0, 0, 0 };
	T.zone[1] = (struct bh_cfg_zone){ "guests", 0xc, 128 * MIB, 1, 0, 0 };
	T.n[BH_CFG_PARTITIONS] = 6;
	part(0, "ultravisor", BH_CFG_KIND_ULTRAVISOR, 0, 0, 32, "");
	part(1, "command", BH_CFG_KIND_COMMAND, 0, 0, 16, "command");
	part(2, "opspolicy", BH_CFG_KIND_OPSPOLICY, 0, 0, 16, "opspolicy");
	part(3, "iopart-a", BH_CFG_KIND_IOPART, 0, 1, 64, "iopart");
	part(4, "iopart-b", BH_CFG_KIND_IOPART, 0, 1, 64, "iopart");
	part(5, "guest-1", BH_CFG_KIND_GUEST, 1, 2, 64, "guest-pv");
	T.part[5].vcpus = 2;
	T.part[5].cpus[1] = 3;
	T.part[5].restart = BH_CFG_RESTART;
	T.part[5].restart_max = 3;
	strcpy(T.part[5].cmdline, "console=chan0 debug");
	T.n[BH_CFG_POOL] = 1;
	T.pool[0] = (struct bh_cfg_pool){ 64 * MIB, 384 * MIB };
	T.n[BH_CFG_DEVICES] = 3;
	device(0, "com1", BH_CFG_CLASS_SERIAL, 3, 0);
	T.dev[0].bus = BH_CFG_BUS_ISA;
	T.dev[0].port_count = 1;
	T.dev[0].ports[0] = (struct bh_cfg_ioport){ 0x3f8, 8 };
	T.dev[0].irq_count = 1;
	T.dev[0].irqs[0] = 4;
	device(1, "nvme-a", BH_CFG_CLASS_STORAGE, 3, 0x0020);
	device(2, "nvme-b", BH_CFG_CLASS_STORAGE, 4, 0x0028);
	T.n[BH_CFG_CHANNELS] = 3;
	chan(0, "console-guest-1", BH_CFG_CHAN_CONSOLE, 3, 5, 0, 0x10000);
	chan(1, "block-a", BH_CFG_CHAN_BLOCK, 3, 5, 1, MIB);
	chan(2, "block-b", BH_CFG_CHAN_BLOCK, 4, 5, 2, MIB);
}

/* good() plus full virtualization on two more CPUs (4-5, zone vms, policy vms: linux and
 * devmodel, failover iopart, which binds kind guest only): partitions 6 linux (2 vCPUs,
 * 256 MiB, vmlinux + initramfs), 7 linux-dm (its device model, 16 MiB); channels
 * 3 console-linux (its ttyS0) and 4 block-linux, both served by iopart-a. Pool 64-768 MiB. */
static inline void good_linux(void)
{
	good();
	T.hdr.cpu_count = 6;
	T.n[BH_CFG_POLICIES] = 3;
	T.pol[2] = (struct bh_cfg_policy){ "vms",
					   (1u << BH_CFG_KIND_LINUX) | (1u << BH_CFG_KIND_DEVMODEL),
					   0, BH_CFG_RESTART, 5, BH_CFG_FAILOVER_IOPART, 0, 0 };
	T.n[BH_CFG_ZONES] = 3;
	T.zone[2] = (struct bh_cfg_zone){ "vms", 0x30, 320 * MIB, 2, 0, 0 };
	T.pool[0].size = 704 * MIB;
	T.n[BH_CFG_PARTITIONS] = 8;
	part(6, "linux", BH_CFG_KIND_LINUX, 2, 4, 256, "vmlinux");
	T.part[6].vcpus = 2;
	T.part[6].cpus[1] = 5;
	strcpy(T.part[6].initrd, "initramfs");
	strcpy(T.part[6].cmdline, "console=ttyS0 root=/dev/vda");
	part(7, "linux-dm", BH_CFG_KIND_DEVMODEL, 2, 5, 16, "devmodel");
	T.part[7].guest = 6;
	T.n[BH_CFG_CHANNELS] = 5;
	chan(3, "console-linux", BH_CFG_CHAN_CONSOLE, 3, 6, 0, 0x10000);
	chan(4, "block-linux", BH_CFG_CHAN_BLOCK, 3, 6, 1, MIB);
}

static inline void *table_data(uint32_t t)
{
	void *const data[BH_CFG_TABLES] = { T.part, T.pool, T.dev, T.chan, T.zone, T.pol };

	return data[t];
}

/* Recomputes the checksum after a test edited the blob bytes. */
static inline void refresh(void)
{
	uint32_t sum = cfg_crc32(blob + BH_CFG_CHECKSUM_START, blob_len - BH_CFG_CHECKSUM_START);

	memcpy(blob + offsetof(struct bh_cfg_header, checksum), &sum, 4);
}

/* Lays T out the way bhconfig does: header, then each table in id order. */
static inline void pack(void)
{
	struct bh_cfg_header *h = &T.hdr;
	size_t off = sizeof(*h);

	memset(blob, 0, sizeof(blob));
	h->magic = BH_CFG_MAGIC;
	h->version = BH_CFG_VERSION;
	h->table_count = BH_CFG_TABLES;
	for (uint32_t t = 0; t < BH_CFG_TABLES; t++) {
		size_t bytes = (size_t)T.n[t] * cfg_entry_size(t);

		assert_true(off + bytes <= sizeof(blob));
		h->tables[t] = (struct bh_cfg_table){ (uint32_t)off, T.n[t], cfg_entry_size(t), 0 };
		memcpy(blob + off, table_data(t), bytes);
		off += bytes;
	}
	h->total_size = (uint32_t)off;
	memcpy(blob, h, sizeof(*h));
	blob_len = off;
	refresh();
}

static inline void capture(void *ctx, const struct cfg_error *e)
{
	if (E.n < ERRS_MAX) {
		cfg_format_error(E.text[E.n], sizeof(E.text[E.n]), e);
		E.check[E.n] = e->check;
	}
	E.n++;
}

static inline int run_blob(void)
{
	memset(&E, 0, sizeof(E));
	return cfg_validate(blob, blob_len, capture, NULL);
}

static inline void print_errors(void)
{
	for (int i = 0; i < E.n && i < ERRS_MAX; i++)
		print_message("  [%s] %s\n", E.check[i], E.text[i]);
}

/* Exactly one error: this check, this message. */
static inline void expect_blob(const char *check, const char *text)
{
	int rc = run_blob();

	if (E.n != 1 || strcmp(E.text[0], text) || strcmp(E.check[0], check)) {
		print_message("expected [%s] %s, got %d:\n", check, text, E.n);
		print_errors();
	}
	assert_int_equal(rc, -BH_EINVAL);
	assert_int_equal(E.n, 1);
	assert_string_equal(E.check[0], check);
	assert_string_equal(E.text[0], text);
}

static inline void expect_one(const char *check, const char *text)
{
	pack();
	expect_blob(check, text);
}

/* This error among others (a change that breaks several invariants at once). */
static inline void expect_has(const char *check, const char *text)
{
	pack();
	assert_int_equal(run_blob(), -BH_EINVAL);
	for (int i = 0; i < E.n && i < ERRS_MAX; i++)
		if (!strcmp(E.text[i], text) && !strcmp(E.check[i], check))
			return;
	print_message("expected [%s] %s among:\n", check, text);
	print_errors();
	fail();
}

#endif
