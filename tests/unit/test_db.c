/* SPDX-License-Identifier: MIT */
/* test_db.c - the ultravisor's resource database (ultravisor/db*.c): boot from every example
 * blob, one test per rejection reason (reason text exact, database unchanged to the byte),
 * lifecycle and restart rules, views, the journal and the read queries. */
#include <bulkhead/partition.h>
#include "db_test.h"

static struct db db;

static void test_boot_examples(void **state)
{
	static const char *const names[] = { "default", "dense", "minimal", "two-zones" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		boot(&db, names[i]);
		assert_invariants(&db);
		assert_int_equal(db.st.generation, 1);
		assert_int_equal(db.journal.count, 0);
		assert_int_equal(part_state(&db, "ultravisor"), UV_STATE_RUNNING);
		assert_int_equal(part_state(&db, "command"), UV_STATE_CREATED);
		assert_int_equal(part_state(&db, i == 2 ? "iopart" : "iopart-a"), UV_STATE_CREATED);
	}
}

static void test_boot_refuses_bad_blob(void **state)
{
	char err[256];

	load_example("default");
	blob_buf[0x200] ^= 1;
	assert_int_equal(db_init_from_blob(&db, blob_buf, blob_len, err, sizeof(err)), -BH_EINVAL);
	assert_non_null(strstr(err, "config blob: header.checksum"));
}

static uint64_t view_ram(const struct bh_view *v)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < v->region_count; i++)
		n += v->regions[i].kind == BH_VIEW_PRIVATE ? v->regions[i].size : 0;
	return n;
}

static void test_boot_views(void **state)
{
	struct bh_view v;

	boot(&db, "default");
	assert_int_equal(db_view(&db, db_id_of(&db, "guest-1"), &v), 0);
	/* RAM (page 0, the read-only info page, the rest), console, block to a, block to b */
	assert_int_equal(v.region_count, 6);
	assert_int_equal(v.regions[0].gpa, 0);
	assert_int_equal(v.regions[0].size + v.regions[1].size + v.regions[2].size, 64 * MIB);
	assert_int_equal(v.regions[1].gpa, BH_INFO_GPA);
	assert_int_equal(v.regions[1].flags, BH_VIEW_R);
	assert_int_equal(v.regions[2].hpa, v.regions[0].hpa + 2 * BH_INFO_GPA);
	for (int i = 0; i < 3; i++)
		assert_int_equal(v.regions[i].kind, BH_VIEW_PRIVATE);
	assert_int_equal(v.regions[0].hpa % (2 * MIB), 0);
	for (int i = 3; i < 6; i++) {
		assert_int_equal(v.regions[i].kind, BH_VIEW_CHANNEL);
		assert_true(v.regions[i].gpa >= 64 * MIB);
	}
	assert_int_equal(v.regions[3].peer_id, db_id_of(&db, "iopart-a"));
	assert_int_equal(v.vcpu_count, 2);
	assert_int_equal(v.cpus[1], 3);
	assert_int_equal(db_view(&db, db_id_of(&db, "iopart-a"), &v), 0);
	assert_int_equal(v.port_count, 1);
	assert_int_equal(v.ports[0].base, 0x3f8);
	assert_int_equal(v.ports[0].count, 8);
	assert_int_equal(db_view(&db, 999, &v), -BH_ENOENT);
	boot(&db, "two-zones");
	assert_int_equal(db_view(&db, db_id_of(&db, "iopart-a"), &v), 0);
	assert_int_equal(v.regions[0].hpa, 0x10000000); /* phys-base honoured */
	assert_int_equal(v.regions[v.region_count - 1].kind, BH_VIEW_MMIO);
	assert_int_equal(v.regions[v.region_count - 1].gpa, 0xfed40000);
}

static void test_reject_unknown_names(void **state)
{
	struct uv_request rq;

	boot(&db, "default");
	rq_begin(&rq, 7);
	rq_op(&rq, UV_OP_START, "nope");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOENT, 0,
		    "op 0 (start nope): no partition named \"nope\"");
	assert_int_equal(resp.request_id, 7);
	rq_begin(&rq, 1);
	rq_device(&rq, UV_OP_ASSIGN_DEVICE, "iopart-b", "floppy");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOENT, 0,
		    "op 0 (assign device floppy to iopart-b): no device named \"floppy\"");
	rq_begin(&rq, 1);
	rq_channel(&rq, "c", BH_CFG_CHAN_CONSOLE, "iopart-a", "ghost", "com1", 64 * KIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOENT, 0,
		    "op 0 (assign channel c): no partition named \"ghost\" (client)");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_RELEASE_CHANNEL, "ghost");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOENT, 0,
		    "op 0 (release channel ghost): no channel named \"ghost\"");
	rq_begin(&rq, 1);
	rq_create(&rq, "g3", BH_CFG_KIND_GUEST, "moon", 2, 8 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOENT, 0,
		    "op 0 (create g3): no zone named \"moon\"");
}

static void test_reject_wrong_state(void **state)
{
	struct uv_request rq;

	boot(&db, "default");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_START, "guest-1");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EBUSY, 0,
		    "op 0 (start guest-1): guest-1 is created; start needs loaded or stopped");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_RESTART, "guest-1");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EBUSY, 0, "op 0 (restart guest-1): guest-1 "
		    "is created; restart needs running, stopped or crashed");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_EV_LOADED, "guest-1");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EPERM, 0, "op 0 (guest-1 loaded): lifecycle "
		    "events come from the ultravisor only");
	step(&db, UV_OP_EV_LOADED, "guest-1");
	must_reject(&db, &rq, UV_ORIGIN_ULTRAVISOR, -BH_EBUSY, 0, "op 0 (guest-1 loaded): "
		    "guest-1 is loaded; an image is loaded only into a created partition");
	step(&db, UV_OP_START, "guest-1");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_DESTROY, "guest-1");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EBUSY, 0,
		    "op 0 (destroy guest-1): guest-1 is running; stop it first");
	rq_begin(&rq, 1);
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-1", 2 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EBUSY, 0,
		    "op 0 (assign memory to guest-1): guest-1 is running; stop it first");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_STOP, "guest-1");
	rq_op(&rq, UV_OP_STOP, "guest-1");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EBUSY, 1,
		    "op 1 (stop guest-1): guest-1 is stopped; stop needs running");
	assert_invariants(&db);
}

/* examples/default.yaml's pool: 768 MiB, of which partitions hold 592 (192 in zone system,
 * 400 in zone guests) and channels 7232 KiB from the top (two controls and seven consoles of
 * 64 KiB, six blocks of 1 MiB, two nets of 256 KiB): 172992 KiB free in one extent, 168 MiB
 * of it in whole 2 MiB blocks (the channels, "extra" below too, are inside the top four). The pool is counted
 * before the zone budget, so guest-1 asks for more than the pool has. */
static void test_reject_out_of_memory(void **state)
{
	struct uv_request rq;

	boot(&db, "default");
	rq_begin(&rq, 1);
	rq_channel(&rq, "extra", BH_CFG_CHAN_CONSOLE, "iopart-a", "guest-1", "com1", 64 * KIB);
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-1", 176 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOMEM, 1, "op 1 (assign memory to "
		    "guest-1): needs 176 MiB, 168 MiB free in the pool");
	rq_begin(&rq, 1);
	rq_memory(&rq, UV_OP_RELEASE_MEMORY, "guest-1", 128 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ERANGE, 0, "op 0 (release memory from "
		    "guest-1): releasing 128 MiB, but guest-1 has only 64 MiB");
	rq.ops[0].args.memory.bytes = 64 * MIB;
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ERANGE, 0, "op 0 (release memory from "
		    "guest-1): releasing all 64 MiB of guest-1 would leave it none");
	rq_begin(&rq, 1);
	rq_channel(&rq, "huge", BH_CFG_CHAN_NET, "iopart-a", "guest-1", "", 176 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOMEM, 0, "op 0 (assign channel huge): "
		    "needs 176 MiB in one piece; the largest free extent holds 172992 KiB (172992 "
		    "KiB free in the pool)");
}

/* Zones and policies change only as recorded: a raised budget lets the assignment through,
 * a lowered one under what the zone holds is refused and blamed on the change. */
static void test_set_zone_and_policy(void **state)
{
	struct uv_request rq;
	struct uv_op *op;

	/* zone guests holds 400 of its 448 MiB: guest-1, guest-2, linux-dm and linux */
	boot(&db, "default");
	rq_begin(&rq, 1);
	op = rq_op(&rq, UV_OP_SET_ZONE, "guests");
	op->args.zone = (struct uv_zone_set){ .cpus = 0xc, .memory = 512 * MIB };
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-1", 80 * MIB);
	must_commit(&db, &rq, UV_ORIGIN_CLIENT);
	assert_int_equal(db.st.zones[1].memory, 512 * MIB);
	rq_begin(&rq, 2);
	op = rq_op(&rq, UV_OP_SET_ZONE, "guests");
	op->args.zone = (struct uv_zone_set){ .cpus = 0xc, .memory = 256 * MIB };
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOMEM, 0, "op 0 (set zone guests): zone "
		    "guests memory: partitions in zone \"guests\" need 480 MiB, over its 256 MiB "
		    "budget");
	rq_begin(&rq, 3);
	op = rq_op(&rq, UV_OP_SET_POLICY, "guests");
	op->args.policy = (struct uv_policy_set){ .kinds = (1u << BH_CFG_KIND_GUEST) |
		(1u << BH_CFG_KIND_LINUX) | (1u << BH_CFG_KIND_DEVMODEL), .max_partitions = 1,
		.restart = BH_CFG_RESTART, .restart_max = 5, .failover = BH_CFG_FAILOVER_IOPART };
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOSPC, 0, "~op 0 (set policy guests): ");
	op->args.policy.max_partitions = 8;
	must_commit(&db, &rq, UV_ORIGIN_CLIENT);
	rq_begin(&rq, 4);
	op = rq_op(&rq, UV_OP_SET_ZONE, "nope");
	op->args.zone = (struct uv_zone_set){ .cpus = 1, .memory = 2 * MIB };
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOENT, 0, "op 0 (set zone nope): no zone "
		    "named \"nope\"");
	rq_begin(&rq, 5);
	op = rq_op(&rq, UV_OP_SET_ZONE, "guests");
	op->args.zone = (struct uv_zone_set){ .cpus = 0xc, .memory = 3 * MIB };
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (set zone guests): a zone "
		    "needs CPUs and a memory budget in 2 MiB steps");
	assert_invariants(&db);
}

static void test_reject_budgets(void **state)
{
	struct uv_request rq;

	boot(&db, "default"); /* zone guests holds 400 of 448 MiB; the pool has 168 MiB free */
	rq_begin(&rq, 1);
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-1", 64 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOMEM, 0, "op 0 (assign memory to guest-1): "
		    "zone guests memory: partitions in zone \"guests\" need 464 MiB, over its 448 "
		    "MiB budget");
	boot(&db, "minimal");
	rq_begin(&rq, 1);
	rq_create(&rq, "g2", BH_CFG_KIND_GUEST, "guests", 1, 2 * MIB);
	rq_memory(&rq, UV_OP_RELEASE_MEMORY, "guest", 2 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOSPC, 0, "op 0 (create g2): zone guests "
		    "policy: 2 partitions in zone \"guests\", but policy \"guests\" allows 1");
}

static void test_reject_cpus(void **state)
{
	struct uv_request rq;

	boot(&db, "default");
	rq_begin(&rq, 1);
	rq_cpu(&rq, UV_OP_ASSIGN_CPU, "guest-1", 0);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (assign CPU 0 to guest-1): "
		    "partition guest-1 cpus[2]: CPU 0 is outside zone \"guests\" (CPUs 2-3)");
	rq.ops[0].args.cpu.cpu = 9;
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ERANGE, 0, "op 0 (assign CPU 9 to guest-1): "
		    "CPU 9 does not exist; the machine has CPUs 0-3");
	rq_begin(&rq, 1);
	rq_cpu(&rq, UV_OP_RELEASE_CPU, "iopart-a", 1);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (release CPU 1 from "
		    "iopart-a): CPU 1 runs the only vCPU of iopart-a; a partition needs one");
	boot(&db, "two-zones");
	rq_begin(&rq, 1);
	rq_cpu(&rq, UV_OP_ASSIGN_CPU, "iopart-b", 1);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EBUSY, 0, "~(assign CPU 1 to iopart-b): "
		    "partition iopart-b cpus: CPU 1 is dedicated to partitions[3] \"iopart-a\"");
}

static void test_reject_devices(void **state)
{
	struct uv_request rq;

	boot(&db, "default");
	rq_begin(&rq, 1);
	rq_device(&rq, UV_OP_ASSIGN_DEVICE, "iopart-b", "com1");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EBUSY, 0, "op 0 (assign device com1 to "
		    "iopart-b): device com1 is owned by iopart-a");
	rq_begin(&rq, 1);
	rq_device(&rq, UV_OP_RELEASE_DEVICE, "iopart-b", "com1");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EPERM, 0, "op 0 (release device com1 from "
		    "iopart-b): device com1 is owned by iopart-a, not iopart-b");
	rq_begin(&rq, 1);
	rq_device(&rq, UV_OP_RELEASE_DEVICE, "iopart-a", "nvme-a");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (release device nvme-a from "
		    "iopart-a): channel block-guest-1-a device: \"nvme-a\" belongs to no "
		    "partition, not to the server \"iopart-a\"");
	boot(&db, "two-zones");
	rq_begin(&rq, 1);
	rq_device(&rq, UV_OP_ASSIGN_DEVICE, "dev-1", "spare-uart");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (assign device spare-uart to "
		    "dev-1): device spare-uart owner: \"dev-1\" is a guest; devices belong to I/O "
		    "partitions");
	rq_begin(&rq, 1);
	rq_device(&rq, UV_OP_ASSIGN_DEVICE, "iopart-b", "spare-uart");
	must_commit(&db, &rq, UV_ORIGIN_CLIENT);
	assert_invariants(&db);
}

static void test_reject_channels(void **state)
{
	struct uv_request rq;

	boot(&db, "default");
	rq_begin(&rq, 1);
	rq_channel(&rq, "loop", BH_CFG_CHAN_CONSOLE, "iopart-a", "iopart-a", "com1", 64 * KIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (assign channel loop): "
		    "channel loop client: same partition as the server (\"iopart-a\"); a channel "
		    "joins two partitions");
	rq_begin(&rq, 1);
	rq_channel(&rq, "ctl", BH_CFG_CHAN_CONTROL, "command", "guest-1", "", 64 * KIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (assign channel ctl): "
		    "channel ctl client: \"guest-1\" is a guest; control channels join system "
		    "partitions");
	rq_begin(&rq, 1);
	rq_channel(&rq, "con", BH_CFG_CHAN_CONSOLE, "guest-2", "guest-1", "", 64 * KIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "~channel con server: \"guest-2\" "
		    "is not an I/O partition; console channels are served by one");
	rq_begin(&rq, 1);
	rq_channel(&rq, "console-guest-1", BH_CFG_CHAN_CONSOLE, "iopart-a", "guest-1", "", 8 * KIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EEXIST, 0, "op 0 (assign channel "
		    "console-guest-1): channel console-guest-1 already exists");
	rq_begin(&rq, 1);
	rq_channel(&rq, "odd", BH_CFG_CHAN_CONSOLE, "iopart-a", "guest-1", "", 5000);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (assign channel odd): size "
		    "0x1388 is not a nonzero multiple of 4 KiB");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_RELEASE_CHANNEL, "block-guest-1-b");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EPERM, 0, "op 0 (release channel "
		    "block-guest-1-b): partition guest-1: policy \"guests\" fails over between I/O "
		    "partitions, but this guest has block channels to 1 (needs 2)");
}

static void test_reject_malformed(void **state)
{
	struct uv_request rq;

	boot(&db, "default");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_STOP, "guest-1");
	rq.magic = 0;
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, -1, "~request: magic 0x00000000");
	rq_begin(&rq, 1);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_E2BIG, -1, "request: 0 ops; 1 to 16 allowed");
	rq.op_count = UV_REQ_OPS_MAX + 1;
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_E2BIG, -1, "request: 17 ops; 1 to 16 allowed");
	rq_begin(&rq, 1);
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-1", 2 * MIB);
	rq.ops[0].args.raw[100] = 1;
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (assign memory to guest-1): "
		    "flags, reserved fields and the bytes after the op's arguments must be zero");
	rq_begin(&rq, 1);
	memset(rq_op(&rq, UV_OP_STOP, "")->name, 'x', UV_NAME_LEN);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "~name has no NUL terminator");
	rq_begin(&rq, 1);
	rq_op(&rq, 99, "guest-1");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOSYS, 0, "op 0 (op code 99): unknown op "
		    "code 99 for a transaction request");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_READ_JOURNAL, "");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOSYS, 0, "~unknown op code 64");
	rq_begin(&rq, 1);
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-1", 3 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (assign memory to guest-1): "
		    "memory 0x300000 is not a nonzero multiple of 2 MiB");
}

static void test_reject_system_partitions(void **state)
{
	struct uv_request rq;
	static const uint16_t ops[] = { UV_OP_STOP, UV_OP_RESTART, UV_OP_DESTROY };

	boot(&db, "minimal");
	for (size_t i = 0; i < 3; i++) {
		rq_begin(&rq, 1);
		rq_op(&rq, ops[i], "ultravisor");
		must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EPERM, 0, "~: the ultravisor holds "
			    "this database and runs until the machine stops");
	}
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_DESTROY, "iopart");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (destroy iopart): partitions: "
		    "no I/O partition (kind iopart); need at least one");
	rq_begin(&rq, 1);
	rq_create(&rq, "command-2", BH_CFG_KIND_COMMAND, "system", 0, 2 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EEXIST, 0, "~partition command-2 kind: a "
		    "second command (the first is partitions[1] \"command\"); need exactly one");
	boot(&db, "two-zones");
	rq_begin(&rq, 1);
	rq_create(&rq, "g3", BH_CFG_KIND_GUEST, "dev", 3, 8 * MIB);
	rq.ops[0].args.create.phys_base = 0x10000000;
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EBUSY, 0, "op 0 (create g3): phys-base "
		    "0x10000000-0x107fffff is not free: 0x10000000-0x12ffffff belongs to partition "
		    "iopart-a");
}

/* Three good ops and a bad fourth: nothing happens; the three alone commit. */
static void test_all_or_nothing(void **state)
{
	struct uv_request rq;

	boot(&db, "default");
	rq_begin(&rq, 1);
	rq_op(&rq, UV_OP_DESTROY, "guest-2");
	rq_create(&rq, "guest-3", BH_CFG_KIND_GUEST, "guests", 2, 32 * MIB);
	rq_channel(&rq, "b3a", BH_CFG_CHAN_BLOCK, "iopart-a", "guest-3", "nvme-a", 1 * MIB);
	rq_channel(&rq, "b3b", BH_CFG_CHAN_BLOCK, "iopart-b", "guest-3", "nvme-b", 1 * MIB);
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-3", 512 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_ENOMEM, 4, "~op 4 (assign memory to guest-3)"
		    ": needs 512 MiB");
	rq.op_count = 4;
	must_commit(&db, &rq, UV_ORIGIN_CLIENT);
	assert_null(db_part_by_name(&db.st, "guest-2"));
	assert_int_equal(db_part_by_name(&db.st, "guest-3")->memory, 32 * MIB);
	assert_invariants(&db);
}

/* A guest stopped and restarted 20 times: every pool total as before. */
static void test_restart_20_times(void **state)
{
	static struct db_state first;
	const struct db_part *g;

	boot(&db, "default");
	step(&db, UV_OP_EV_LOADED, "guest-1");
	step(&db, UV_OP_START, "guest-1");
	memcpy(&first, &db.st, sizeof(first));
	for (int i = 0; i < 20; i++) {
		step(&db, UV_OP_STOP, "guest-1");
		step(&db, UV_OP_RESTART, "guest-1");
		assert_int_equal(part_state(&db, "guest-1"), UV_STATE_CREATED);
		step(&db, UV_OP_EV_LOADED, "guest-1");
		step(&db, UV_OP_START, "guest-1");
		assert_invariants(&db);
	}
	g = db_part_by_name(&db.st, "guest-1");
	assert_int_equal(g->restarts, 20);
	assert_int_equal(g->auto_restarts, 0);
	assert_int_equal(db.st.generation, first.generation + 80);
	assert_int_equal(db.st.pool_free, first.pool_free);
	assert_int_equal(db.st.pool_total, first.pool_total);
	assert_memory_equal(db.st.zone_used, first.zone_used, sizeof(first.zone_used));
	assert_int_equal(db.st.extent_count, first.extent_count);
	assert_memory_equal(db.st.extents, first.extents, sizeof(first.extents));
	assert_memory_equal(db.st.chans, first.chans, sizeof(first.chans));
}

/* guest-1 (restart, at most 5) comes back 5 times then stays down; neighbours untouched. */
static void test_crash_rules(void **state)
{
	const struct db_part *g;

	boot(&db, "default");
	step(&db, UV_OP_EV_LOADED, "guest-2");
	step(&db, UV_OP_START, "guest-2");
	for (int i = 0; i < 6; i++) {
		step(&db, UV_OP_EV_LOADED, "guest-1");
		step(&db, UV_OP_START, "guest-1");
		step(&db, UV_OP_EV_CRASHED, "guest-1");
		g = db_part_by_name(&db.st, "guest-1");
		assert_int_equal(g->state, i < 5 ? UV_STATE_CREATED : UV_STATE_CRASHED);
		assert_int_equal(g->start_pending, i < 5);
		assert_int_equal(part_state(&db, "guest-2"), UV_STATE_RUNNING);
	}
	assert_int_equal(g->auto_restarts, 5);
	step(&db, UV_OP_RESTART, "guest-1"); /* the operator may still restart it */
	boot(&db, "dense");                   /* guests: restart rule stop */
	step(&db, UV_OP_EV_LOADED, "g01");
	step(&db, UV_OP_START, "g01");
	step(&db, UV_OP_EV_CRASHED, "g01");
	assert_int_equal(part_state(&db, "g01"), UV_STATE_CRASHED);
	step(&db, UV_OP_EV_LOADED, "g02");
	step(&db, UV_OP_START, "g02");
	step(&db, UV_OP_EV_EXITED, "g02");
	assert_int_equal(part_state(&db, "g02"), UV_STATE_STOPPED);
	assert_invariants(&db);
}

static void test_destroy_returns_everything(void **state)
{
	uint64_t free0;
	struct bh_view v;

	boot(&db, "default");
	free0 = db.st.pool_free;
	step(&db, UV_OP_DESTROY, "guest-2");
	assert_int_equal(db.st.pool_free, free0 + 64 * MIB + 2 * MIB + 64 * KIB);
	assert_null(db_chan_by_name(&db.st, "block-guest-2-a"));
	assert_int_equal(db_view(&db, db_id_of(&db, "iopart-b"), &v), 0);
	/* RAM (3), RAM again at GPA = HPA from past the read-only info page (an alias is never
	 * more permissive than what it aliases), console from a, block to guest-1, block and
	 * net to linux */
	assert_int_equal(v.region_count, 8);
	assert_int_equal(v.regions[3].flags, BH_VIEW_R | BH_VIEW_W | BH_VIEW_IDENT);
	assert_int_equal(v.regions[3].gpa, v.regions[0].hpa + BH_INFO_GPA + 0x1000);
	assert_int_equal(v.regions[3].size, 64 * MIB - BH_INFO_GPA - 0x1000);
	assert_invariants(&db);
}

/* First fit: a hole is reused; RAM that fits no single hole comes in pieces, contiguous in
 * guest-physical space, and the partition's channels move above it (it is not running). */
static void test_first_fit_pieces(void **state)
{
	struct uv_request rq;
	const struct db_part *g3;
	uint64_t hole;
	struct bh_view v;

	boot(&db, "default");
	db_view(&db, db_id_of(&db, "guest-2"), &v);
	hole = v.regions[0].hpa;
	step(&db, UV_OP_DESTROY, "guest-2");
	rq_begin(&rq, 1);
	rq_create(&rq, "guest-3", BH_CFG_KIND_GUEST, "guests", 2, 32 * MIB);
	rq_channel(&rq, "b3a", BH_CFG_CHAN_BLOCK, "iopart-a", "guest-3", "nvme-a", 1 * MIB);
	rq_channel(&rq, "b3b", BH_CFG_CHAN_BLOCK, "iopart-b", "guest-3", "nvme-b", 1 * MIB);
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-1", 62 * MIB);
	must_commit(&db, &rq, UV_ORIGIN_CLIENT);
	g3 = db_part_by_name(&db.st, "guest-3");
	db_view(&db, g3->id, &v);
	assert_int_equal(v.regions[0].hpa, hole);
	db_view(&db, db_id_of(&db, "guest-1"), &v);
	assert_true(v.region_count >= 5); /* RAM in 2 or more pieces, 3 channels */
	for (uint64_t i = 0, gpa = 0; i < v.region_count; i++) {
		if (v.regions[i].kind == BH_VIEW_PRIVATE) {
			assert_int_equal(v.regions[i].gpa, gpa);
			gpa += v.regions[i].size;
		} else {
			assert_true(v.regions[i].gpa >= 126 * MIB);
		}
	}
	assert_invariants(&db);
}

/* Channels above RAM; they move only in a partition that is not running. */
static void test_view_layout(void **state)
{
	struct uv_request rq;
	struct bh_view a0, a1, g;

	boot(&db, "default");
	step(&db, UV_OP_EV_LOADED, "iopart-a");
	step(&db, UV_OP_START, "iopart-a");
	db_view(&db, db_id_of(&db, "iopart-a"), &a0);
	rq_begin(&rq, 1);
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-1", 16 * MIB);
	rq_op(&rq, UV_OP_RELEASE_CHANNEL, "console-guest-2");
	rq_channel(&rq, "console-2", BH_CFG_CHAN_CONSOLE, "iopart-a", "guest-2", "com1", 16 * KIB);
	must_commit(&db, &rq, UV_ORIGIN_CLIENT);
	db_view(&db, db_id_of(&db, "iopart-a"), &a1);
	assert_int_equal(a1.generation, a0.generation + 1);
	for (uint32_t i = 0; i < a0.region_count; i++) /* survivors keep their GPAs */
		for (uint32_t k = 0; k < a1.region_count; k++)
			if (a1.regions[k].chan_id && a1.regions[k].chan_id == a0.regions[i].chan_id)
				assert_int_equal(a1.regions[k].gpa, a0.regions[i].gpa);
	db_view(&db, db_id_of(&db, "guest-1"), &g);
	assert_int_equal(view_ram(&g), 80 * MIB);
	for (uint32_t k = 0; k < g.region_count; k++)
		if (g.regions[k].kind == BH_VIEW_CHANNEL)
			assert_true(g.regions[k].gpa >= 80 * MIB);
	assert_invariants(&db);
}

static void read_req(struct uv_request *rq, uint16_t code, uint64_t from)
{
	rq_begin(rq, 9);
	rq->kind = UV_REQ_READ;
	rq_op(rq, code, "")->args.read.from = from;
}

static void test_journal(void **state)
{
	struct uv_request rq, rd;
	const struct uv_journal_rec *r;

	boot(&db, "default");
	rq_begin(&rq, 41);
	rq_memory(&rq, UV_OP_ASSIGN_MEMORY, "guest-1", 8 * MIB);
	rq_cpu(&rq, UV_OP_RELEASE_CPU, "guest-1", 3);
	must_commit(&db, &rq, UV_ORIGIN_CLIENT);
	step(&db, UV_OP_EV_LOADED, "guest-1");
	read_req(&rd, UV_OP_READ_JOURNAL, 0);
	assert_int_equal(db_request(&db, &rd, &resp), 0);
	assert_int_equal(resp.count, 2);
	assert_int_equal(resp.next, 3);
	assert_int_equal(resp.flags, 0);
	r = (const struct uv_journal_rec *)resp.data;
	assert_int_equal(r->generation, 2);
	assert_int_equal(r->request_id, 41);
	assert_int_equal(r->op_count, 2);
	assert_int_equal(r->origin, UV_ORIGIN_CLIENT);
	assert_memory_equal(r + 1, rq.ops, 2 * sizeof(struct uv_op));
	read_req(&rd, UV_OP_READ_JOURNAL, 2);
	assert_int_equal(db_read(&db, &rd, &resp), 0);
	assert_int_equal(resp.count, 1);
	assert_int_equal(((const struct uv_journal_rec *)resp.data)->origin, UV_ORIGIN_ULTRAVISOR);
	for (int i = 0; i < 1000; i++) { /* wrap the ring: the oldest records go */
		step(&db, UV_OP_START, "guest-1");
		step(&db, UV_OP_STOP, "guest-1");
	}
	read_req(&rd, UV_OP_READ_JOURNAL, 0);
	assert_int_equal(db_read(&db, &rd, &resp), -BH_ERANGE);
	assert_int_equal(resp.failed_op, 0);
	assert_non_null(strstr(resp.reason, "are no longer kept"));
	read_req(&rd, UV_OP_READ_JOURNAL, db.st.generation - 5);
	assert_int_equal(db_read(&db, &rd, &resp), 0);
	assert_int_equal(resp.count, 5);
	assert_int_equal(resp.next, db.st.generation);
}

static void test_read_queries(void **state)
{
	struct uv_request rd;
	uint64_t owned = 0, from = 0;
	uint32_t n = 0;

	boot(&db, "dense");
	read_req(&rd, UV_OP_READ_PARTITIONS, 0);
	assert_int_equal(db_request(&db, &rd, &resp), 0);
	assert_int_equal(resp.count, 21);
	assert_string_equal(((const struct uv_part_rec *)resp.data)[5].name, "g01");
	assert_int_equal(((const struct uv_part_rec *)resp.data)[3].devices, 2);
	assert_int_equal(((const struct uv_part_rec *)resp.data)[3].channels, 28);
	do { /* page through the resources from the middle of the extents */
		read_req(&rd, UV_OP_READ_RESOURCES, from);
		assert_int_equal(db_read(&db, &rd, &resp), 0);
		for (uint32_t i = 0; i < resp.count; i++) {
			const struct uv_res_rec *r = (const struct uv_res_rec *)resp.data + i;

			owned += r->type == UV_RES_EXTENT ? r->size : 0;
			n++;
		}
		from = resp.next;
	} while (resp.flags & UV_RESP_MORE);
	assert_int_equal(owned, db.st.pool_total);
	assert_int_equal(n, 1 + db.st.extent_count + 2 + 8 + 3 + 38);
	read_req(&rd, UV_OP_READ_PARTITIONS, 0);
	rd.op_count = 2;
	assert_int_equal(db_read(&db, &rd, &resp), -BH_E2BIG);
	read_req(&rd, UV_OP_READ_PARTITIONS, 0);
	rd.ops[0].name[0] = 'x';
	assert_int_equal(db_read(&db, &rd, &resp), -BH_EINVAL);
	assert_string_equal(resp.reason, "op 0 (read partitions): a read names nothing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_examples),
		cmocka_unit_test(test_boot_refuses_bad_blob),
		cmocka_unit_test(test_boot_views),
		cmocka_unit_test(test_reject_unknown_names),
		cmocka_unit_test(test_reject_wrong_state),
		cmocka_unit_test(test_reject_out_of_memory),
		cmocka_unit_test(test_reject_budgets),
		cmocka_unit_test(test_set_zone_and_policy),
		cmocka_unit_test(test_reject_cpus),
		cmocka_unit_test(test_reject_devices),
		cmocka_unit_test(test_reject_channels),
		cmocka_unit_test(test_reject_malformed),
		cmocka_unit_test(test_reject_system_partitions),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_restart_20_times),
		cmocka_unit_test(test_crash_rules),
		cmocka_unit_test(test_destroy_returns_everything),
		cmocka_unit_test(test_first_fit_pieces),
		cmocka_unit_test(test_view_layout),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_read_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
