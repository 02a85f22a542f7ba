/* SPDX-License-Identifier: MIT */
/* test_cli_act.c - the CLI's verbs that change something (start stop restart destroy,
 * create, assign release, policy set) and the boot intent: the policy checks and
 * transactions each sends, exactly, and every refusal's answer. */
#include "cli_fake.h"

/* ---- lifecycle ---- */

static void assert_check(uint32_t i, uint32_t action, const char *subject)
{
	assert_true(i < pol.nreq);
	assert_int_equal(pol.req[i].kind, POL_CHECK);
	assert_int_equal(pol.req[i].action, action);
	assert_string_equal(pol.req[i].subject.name, subject);
	for (uint32_t k = 0; k < pol.req[i].part_count && k < uv.nparts; k++)
		assert_string_equal(pol.req[i].parts[k].name, uv.parts[k].name);
}

static void assert_txn1(uint32_t i, uint16_t op, const char *name)
{
	assert_true(i < uv.ntxn);
	assert_int_equal(uv.txn[i].kind, UV_REQ_TXN);
	assert_int_equal(uv.txn[i].op_count, 1);
	assert_int_equal(uv.txn[i].ops[0].op, op);
	assert_string_equal(uv.txn[i].ops[0].name, name);
}

void test_start(void **state)
{
	const struct pol_part *s = &pol.req[0].subject;

	assert_string_equal(answer("start guest-2"), "start guest-2: generation 9\nok");
	assert_int_equal(pol.nreq, 1);
	assert_check(0, POL_ACT_START, "guest-2");
	assert_int_equal(s->kind, BH_CFG_KIND_GUEST);
	assert_string_equal(s->zone, "guests");
	assert_int_equal(s->state, UV_STATE_STOPPED);
	assert_int_equal(s->vcpus, 2);
	assert_int_equal(s->cpus[0], 2);
	assert_int_equal(s->cpus[1], 3);
	assert_int_equal(s->memory, 64 * MIB);
	assert_int_equal(s->restart, BH_CFG_RESTART);
	assert_int_equal(pol.req[0].parts[5].memory, 64 * MIB);
	assert_string_equal(pol.req[0].parts[5].zone, "guests");
	assert_int_equal(uv.ntxn, 1);
	assert_txn1(0, UV_OP_START, "guest-2");
	assert_int_equal(fpart("guest-2")->state, UV_STATE_RUNNING);

	/* the state rule is the ultravisor's: its reason */
	clear_requests();
	assert_string_equal(answer("start guest-1"), "error: op 0 (start guest-1): guest-1 is "
			    "running; start needs loaded or stopped");
	assert_int_equal(uv.ntxn, 1);
}

void test_start_denied(void **state)
{
	pol.deny = -BH_EPERM;
	strcpy(pol.deny_reason, "zone guests: memory budget 160 MiB, 192 MiB needed (policy "
	       "guests)");
	assert_string_equal(answer("start guest-2"), "error: denied by policy: zone guests: "
			    "memory budget 160 MiB, 192 MiB needed (policy guests)");
	assert_int_equal(uv.ntxn, 0);
	pol.deny = -BH_EINVAL;
	strcpy(pol.deny_reason, "subject.zone: no zone \"x\"");
	assert_string_equal(answer("restart guest-2"), "error: policy: subject.zone: no zone "
			    "\"x\"");
	assert_int_equal(uv.ntxn, 0);
}

void test_stop_restart_destroy(void **state)
{
	assert_string_equal(answer("stop guest-1"), "stop guest-1: generation 9\nok");
	assert_int_equal(pol.nreq, 0); /* no policy check */
	assert_txn1(0, UV_OP_STOP, "guest-1");
	assert_string_equal(answer("restart guest-1"), "restart guest-1: generation 10\nok");
	assert_check(0, POL_ACT_START, "guest-1");
	assert_txn1(1, UV_OP_RESTART, "guest-1");
	assert_string_equal(answer("destroy guest-2"), "destroy guest-2: generation 11\nok");
	assert_int_equal(pol.nreq, 1);
	assert_txn1(2, UV_OP_DESTROY, "guest-2");
	assert_null(fpart("guest-2"));
	uv.refuse = -BH_EPERM;
	strcpy(uv.refuse_reason, "op 0 (stop ultravisor): the ultravisor holds this database "
	       "and runs until the machine stops");
	assert_string_equal(answer("stop ultravisor"), "error: op 0 (stop ultravisor): the "
			    "ultravisor holds this database and runs until the machine stops");
	uv.refuse = -BH_EIO;
	uv.refuse_reason[0] = 0;
	assert_string_equal(answer("stop guest-1"), "error: the ultravisor refused (error -5)");
}

/* ---- create ---- */

void test_create(void **state)
{
	const struct uv_create *a = &uv.txn[0].ops[0].args.create;
	const struct pol_part *s = &pol.req[1].subject;

	assert_string_equal(answer("create g3 image=guest-pv zone=guests cpus=2 mem=32M "
				   "cmdline=\"name=g3 disk=a,b\""),
			    "created g3: running (generation 10)\nok");
	/* SHOW the zone, CHECK create, CHECK start */
	assert_int_equal(pol.nreq, 3);
	assert_int_equal(pol.req[0].kind, POL_SHOW);
	assert_string_equal(pol.req[0].zone, "guests");
	assert_check(1, POL_ACT_CREATE, "g3");
	assert_int_equal(s->kind, BH_CFG_KIND_GUEST);
	assert_string_equal(s->zone, "guests");
	assert_int_equal(s->state, UV_STATE_CREATED);
	assert_int_equal(s->vcpus, 2);
	assert_memory_equal(s->cpus, "\x02\x03\0", 3); /* round robin on CPUs 2-3 */
	assert_int_equal(s->memory, 32 * MIB);
	assert_int_equal(s->restart, BH_CFG_RESTART);
	assert_int_equal(s->restart_max, 5); /* the zone policy's */
	assert_int_equal(pol.req[1].part_count, 7);
	assert_check(2, POL_ACT_START, "g3");
	assert_int_equal(pol.req[2].part_count, 8);
	assert_int_equal(pol.req[2].subject.state, UV_STATE_LOADED);
	/* CREATE, then START once loaded */
	assert_int_equal(uv.ntxn, 2);
	assert_txn1(0, UV_OP_CREATE, "g3");
	assert_int_equal(a->kind, BH_CFG_KIND_GUEST);
	assert_string_equal(a->zone, "guests");
	assert_int_equal(a->vcpus, 2);
	assert_memory_equal(a->cpus, "\x02\x03\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(a->memory, 32 * MIB);
	assert_int_equal(a->restart, BH_CFG_RESTART);
	assert_int_equal(a->restart_max, 5);
	assert_int_equal(a->flags, 0);
	assert_int_equal(a->phys_base, 0);
	assert_string_equal(a->image, "guest-pv");
	assert_string_equal(a->cmdline, "name=g3 disk=a,b");
	/* nothing past the arguments */
	for (size_t i = sizeof(*a); i < sizeof(uv.txn[0].ops[0].args); i++)
		assert_int_equal(uv.txn[0].ops[0].args.raw[i], 0);
	assert_txn1(1, UV_OP_START, "g3");
	assert_true(now_ms >= 60 && now_ms <= 80); /* polled every 20 ms until loaded */
	assert_int_equal(fpart("g3")->state, UV_STATE_RUNNING);

	/* kind= */
	clear_requests();
	uv.load_ms = 0;
	assert_string_equal(answer("create io3 kind=iopart image=iopart zone=system cpus=1 "
				   "mem=64M"), "created io3: running (generation 12)\nok");
	assert_int_equal(uv.txn[0].ops[0].args.create.kind, BH_CFG_KIND_IOPART);
	assert_int_equal(uv.txn[0].ops[0].args.create.cpus[0], 0);
	assert_int_equal(uv.txn[0].ops[0].args.create.restart_max, 3);
	assert_string_equal(uv.txn[0].ops[0].args.create.cmdline, "");
}

void test_create_errors(void **state)
{
	assert_string_equal(answer("create"), "error: usage: create <name> image=<module> "
			    "zone=<zone> cpus=<n> mem=<size> [kind=<kind>] [cmdline=\"...\"]");
	assert_string_equal(answer("create g3"), "error: create needs image=, zone=, cpus=, mem=");
	assert_string_equal(answer("create g3 zone=guests cpus=1"),
			    "error: create needs image=, mem=");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=1 mem=12Q"),
			    "error: bad size \"12Q\" for mem (a number with K, M or G)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=1 mem=M"),
			    "error: bad size \"M\" for mem (a number with K, M or G)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=1 mem=3M"),
			    "error: mem=3M is not a multiple of 2M (partition memory comes in 2M "
			    "blocks)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=1 mem=0"),
			    "error: mem=0 is not a multiple of 2M (partition memory comes in 2M "
			    "blocks)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=x mem=2M"),
			    "error: bad number \"x\" for cpus (a decimal number)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=-1 mem=2M"),
			    "error: bad number \"-1\" for cpus (a decimal number)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=99999999999999999999 "
				   "mem=2M"), "error: bad number \"99999999999999999999\" for cpus "
			    "(a decimal number)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=17 mem=2M"),
			    "error: cpus=17 is out of range (1 to 16)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=0 mem=2M"),
			    "error: cpus=0 is out of range (1 to 16)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=1 mem=2M kind=vm"),
			    "error: bad kind \"vm\" (ultravisor, command, opspolicy, iopart or guest)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=1 mem=2M disk=1"),
			    "error: unknown argument \"disk=1\" for create (try help)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=1 mem=2M mem=4M"),
			    "error: mem= given twice");
	assert_string_equal(answer("create image=a zone=guests cpus=1 mem=2M"),
			    "error: usage: create <name> image=<module> zone=<zone> cpus=<n> "
			    "mem=<size> [kind=<kind>] [cmdline=\"...\"]");
	assert_string_equal(answer("create 0123456789012345678901234567890123 image=a "
				   "zone=guests cpus=1 mem=2M"), "error: bad name \"0123456789012345678"
			    "901234567890123\" (1 to 31 of A-Z a-z 0-9 . _ -)");
	assert_string_equal(answer("create \"g 3\" image=a zone=guests cpus=1 mem=2M"),
			    "error: bad name \"g 3\" (1 to 31 of A-Z a-z 0-9 . _ -)");
	assert_string_equal(answer("create \"\" image=a zone=guests cpus=1 mem=2M"),
			    "error: bad name \"\" (1 to 31 of A-Z a-z 0-9 . _ -)");
	assert_string_equal(answer("create g3 image= zone=guests cpus=1 mem=2M"),
			    "error: bad image \"\" (a module name of 1 to 63 bytes)");
	assert_int_equal(uv.nreads + pol.nreq, 0); /* all found before asking anyone */
	assert_string_equal(answer("create guest-1 image=a zone=guests cpus=1 mem=2M"),
			    "error: a partition named \"guest-1\" exists");
	assert_string_equal(answer("create g3 image=a zone=nowhere cpus=1 mem=2M"),
			    "error: no zone named \"nowhere\"");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=3 mem=2M"),
			    "error: cpus=3: zone guests has 2 CPUs, and a partition has at most one "
			    "vCPU on each");
	pol.deny = -BH_EPERM;
	strcpy(pol.deny_reason, "zone guests: memory budget 160 MiB, 192 MiB needed (policy "
	       "guests)");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=1 mem=64M"),
			    "error: denied by policy: zone guests: memory budget 160 MiB, 192 MiB "
			    "needed (policy guests)");
	uv.refuse = -BH_ENOMEM;
	strcpy(uv.refuse_reason, "op 0 (create g3): needs 64 MiB, 12 MiB free in the pool");
	assert_string_equal(answer("create g3 image=a zone=guests cpus=1 mem=64M"),
			    "error: op 0 (create g3): needs 64 MiB, 12 MiB free in the pool");
	assert_int_equal(uv.ntxn, 1);
	assert_null(fpart("g3"));
}

void test_create_never_loads(void **state)
{
	uv.load_ms = -1;
	assert_string_equal(answer("create g3 image=nope zone=guests cpus=1 mem=2M"),
			    "error: created g3, but image \"nope\" was not loaded in 10 s: it stays "
			    "created");
	assert_int_equal(now_ms, 10000);
	assert_int_equal(uv.ntxn, 1);
	assert_int_equal(fpart("g3")->state, UV_STATE_CREATED);
	assert_int_equal(pol.nreq, 2); /* no start check */
	/* loaded at last, it starts as any other */
	uv.load_ms = 0;
	assert_string_equal(answer("start g3"), "start g3: generation 10\nok");
}

/* The ultravisor may be too busy loading to answer a poll in time: that counts as waiting. */
void test_create_busy_loader(void **state)
{
	uv.mute_after_create = 2;
	assert_string_equal(answer("create g3 image=guest-pv zone=guests cpus=1 mem=2M"),
			    "created g3: running (generation 10)\nok");
	uv.mute_after_create = 5;
	assert_string_equal(answer("create g4 image=guest-pv zone=guests cpus=1 mem=2M"),
			    "error: created g4, but the ultravisor did not answer while loading it "
			    "(see list)");
	assert_int_equal(fpart("g4")->state, UV_STATE_CREATED);
}

/* ---- assign, release ---- */

void test_assign_release(void **state)
{
	assert_string_equal(answer("assign guest-2 cpu=3"), "assign guest-2 cpu=3: generation "
			    "9\nok");
	assert_check(0, POL_ACT_ASSIGN, "guest-2");
	assert_int_equal(pol.req[0].subject.vcpus, 3);
	assert_memory_equal(pol.req[0].subject.cpus, "\x02\x03\x03", 3);
	assert_int_equal(pol.req[0].subject.memory, 64 * MIB);
	assert_txn1(0, UV_OP_ASSIGN_CPU, "guest-2");
	assert_int_equal(uv.txn[0].ops[0].args.cpu.cpu, 3);
	assert_string_equal(answer("assign guest-2 mem=64M"), "assign guest-2 mem=64M: "
			    "generation 10\nok");
	assert_check(1, POL_ACT_ASSIGN, "guest-2");
	assert_int_equal(pol.req[1].subject.memory, 128 * MIB);
	assert_int_equal(pol.req[1].subject.vcpus, 3);
	assert_txn1(1, UV_OP_ASSIGN_MEMORY, "guest-2");
	assert_int_equal(uv.txn[1].ops[0].args.memory.bytes, 64 * MIB);
	clear_requests();
	assert_string_equal(answer("release guest-2 mem=1G"), "release guest-2 mem=1G: "
			    "generation 11\nok");
	assert_int_equal(pol.nreq, 0);
	assert_txn1(0, UV_OP_RELEASE_MEMORY, "guest-2");
	assert_int_equal(uv.txn[0].ops[0].args.memory.bytes, 1024 * MIB);
	assert_string_equal(answer("release guest-2 cpu=2"), "release guest-2 cpu=2: generation "
			    "12\nok");
	assert_txn1(1, UV_OP_RELEASE_CPU, "guest-2");
	assert_int_equal(uv.txn[1].ops[0].args.cpu.cpu, 2);

	clear_requests();
	assert_string_equal(answer("assign guest-2 cpu=64"), "error: cpu=64 is out of range "
			    "(0 to 63)");
	assert_string_equal(answer("assign guest-2 cpu=two"), "error: bad number \"two\" for cpu "
			    "(a decimal number)");
	assert_string_equal(answer("assign guest-2 mem=1T"), "error: bad size \"1T\" for mem "
			    "(a number with K, M or G)");
	assert_string_equal(answer("assign guest-2 mem=99999999999999999G"),
			    "error: bad size \"99999999999999999G\" for mem (a number with K, M or G)");
	assert_string_equal(answer("assign nope mem=2M"), "error: no partition named \"nope\"");
	assert_int_equal(uv.ntxn + pol.nreq, 0);
	uv.refuse = -BH_ENOMEM;
	strcpy(uv.refuse_reason, "op 0 (assign memory to guest-1): needs 64 MiB, 12 MiB free in "
	       "the pool");
	assert_string_equal(answer("assign guest-1 mem=64M"), "error: op 0 (assign memory to "
			    "guest-1): needs 64 MiB, 12 MiB free in the pool");
	pol.deny = -BH_EPERM;
	strcpy(pol.deny_reason, "zone guests: CPU 0 is not in the zone (CPUs 2-3)");
	assert_string_equal(answer("assign guest-1 cpu=0"), "error: denied by policy: zone "
			    "guests: CPU 0 is not in the zone (CPUs 2-3)");
	assert_int_equal(uv.ntxn, 1);
	for (int i = 0; i < 14; i++)
		fpart("guest-1")->cpus[fpart("guest-1")->vcpus++] = 2;
	assert_string_equal(answer("assign guest-1 cpu=2"), "error: guest-1 has 16 vCPUs, the "
			    "most a partition may have");
}


void test_policy_set(void **state)
{
	const struct uv_request *rq;

	assert_string_equal(answer("policy set guests memory=192M"),
			    "policy version 2: zone guests memory=192M\nok");
	/* SHOW (to put it back), SET with the snapshot */
	assert_int_equal(pol.nreq, 2);
	assert_int_equal(pol.req[0].kind, POL_SHOW);
	assert_int_equal(pol.req[1].kind, POL_SET);
	assert_string_equal(pol.req[1].zone, "guests");
	assert_string_equal(pol.req[1].key, "memory");
	assert_string_equal(pol.req[1].value, "192M");
	assert_int_equal(pol.req[1].part_count, 7);
	assert_string_equal(pol.req[1].parts[6].name, "guest-2");
	/* one transaction: SET_ZONE and SET_POLICY, as the operations partition now has them */
	assert_int_equal(uv.ntxn, 1);
	rq = &uv.txn[0];
	assert_int_equal(rq->op_count, 2);
	assert_int_equal(rq->ops[0].op, UV_OP_SET_ZONE);
	assert_string_equal(rq->ops[0].name, "guests");
	assert_int_equal(rq->ops[0].args.zone.cpus, 0xc);
	assert_int_equal(rq->ops[0].args.zone.memory, 192 * MIB);
	assert_int_equal(rq->ops[1].op, UV_OP_SET_POLICY);
	assert_string_equal(rq->ops[1].name, "guests");
	assert_int_equal(rq->ops[1].args.policy.kinds, K(GUEST));
	assert_int_equal(rq->ops[1].args.policy.max_partitions, 8);
	assert_int_equal(rq->ops[1].args.policy.restart, BH_CFG_RESTART);
	assert_int_equal(rq->ops[1].args.policy.restart_max, 5);
	assert_int_equal(rq->ops[1].args.policy.failover, BH_CFG_FAILOVER_IOPART);
	assert_int_equal(rq->ops[1].args.policy.reserved_0x14, 0);
	for (size_t i = sizeof(struct uv_zone_set); i < sizeof(rq->ops[0].args); i++)
		assert_int_equal(rq->ops[0].args.raw[i], 0);
	assert_string_equal(answer("policy set guests max-partitions=3"),
			    "policy version 3: zone guests max-partitions=3\nok");
}

void test_policy_set_refused(void **state)
{
	pol.set_status = -BH_EPERM;
	strcpy(pol.set_reason, "zone guests: memory budget 64 MiB, 128 MiB in use by running "
	       "partitions");
	pol.nviolators = 2;
	strcpy(pol.violators[0], "guest-1");
	strcpy(pol.violators[1], "guest-2");
	assert_string_equal(answer("policy set guests memory=64M"),
			    "running partitions in the way: guest-1, guest-2\n"
			    "error: denied by policy: zone guests: memory budget 64 MiB, 128 MiB in "
			    "use by running partitions");
	assert_int_equal(uv.ntxn, 0);
	pol.set_status = -BH_EINVAL;
	strcpy(pol.set_reason, "memory=3M: a multiple of 2 MiB");
	pol.nviolators = 0;
	assert_string_equal(answer("policy set guests memory=3M"),
			    "error: policy: memory=3M: a multiple of 2 MiB");
	assert_string_equal(answer("policy set nowhere memory=2M"),
			    "error: no zone named \"nowhere\"");
	assert_string_equal(answer("policy set guests size=2M"),
			    "error: unknown policy key \"size\" (memory, cpus, max-partitions, kinds, "
			    "restart, restart-max or failover)");
	assert_string_equal(answer("policy set guests"), "error: usage: policy show [zone] "
			    "[--json] | policy set <zone> <key>=<value>");
	assert_string_equal(answer("policy set guests =2"), "error: usage: policy show [zone] "
			    "[--json] | policy set <zone> <key>=<value>");
	assert_int_equal(uv.ntxn, 0);
	assert_int_equal(pol.version, 1);
}

void test_policy_set_rolled_back(void **state)
{
	uv.refuse = -BH_ENOMEM;
	strcpy(uv.refuse_reason, "op 0 (set zone guests): zone guests memory: partitions in "
	       "zone \"guests\" need 128 MiB, over its 96 MiB budget");
	assert_string_equal(answer("policy set guests memory=96M"),
			    "error: op 0 (set zone guests): zone guests memory: partitions in zone "
			    "\"guests\" need 128 MiB, over its 96 MiB budget");
	/* SHOW, SET 96M, then every key of the zone back to what SHOW said, in order */
	static const char *const keys[] = { "memory", "cpus", "max-partitions", "kinds",
					     "restart", "restart-max", "failover" };
	assert_int_equal(pol.nreq, 2 + 7);
	for (unsigned i = 0; i < 7; i++) {
		assert_int_equal(pol.req[2 + i].kind, POL_SET);
		assert_string_equal(pol.req[2 + i].key, keys[i]);
	}
	assert_string_equal(pol.req[2].value, "160M");
	assert_int_equal(pzone("guests")->memory, 160 * MIB);
	assert_int_equal(pol.version, 2 + 7);
	/* and when the operations partition will not go back, the answer says so */
	uv.refuse = -BH_ENOMEM;
	strcpy(uv.refuse_reason, "op 1 (set policy guests): no");
	pol.nreq = 0;
	pol.set_status = -BH_EPERM;
	pol.set_skip = 1;
	strcpy(pol.set_reason, "no way back");
	assert_string_equal(answer("policy set guests max-partitions=1"), "error: op 1 (set "
			    "policy guests): no; the operations partition could not be put back to "
			    "memory=160M"); /* the first key put back already fails */
	assert_string_equal(pol.req[2].value, "160M");
	assert_int_equal(pzone("guests")->max_partitions, 1);
}


/* ---- the boot intent ---- */

void test_boot(void **state)
{
	struct uv_part_rec t;

	fpart("iopart-a")->state = UV_STATE_LOADED;
	fpart("iopart-b")->state = UV_STATE_LOADED;
	fpart("guest-1")->state = UV_STATE_LOADED;
	fpart("guest-2")->state = UV_STATE_LOADED;
	/* listed guest-1, iopart-b, iopart-a, guest-2: the I/O partitions go first */
	t = uv.parts[3];
	uv.parts[3] = uv.parts[5];
	uv.parts[5] = t;
	pol.deny = -BH_EPERM;
	strcpy(pol.deny_reason, "zone system: policy system allows at most 5 partitions, 6 "
	       "needed");
	nout = 0;
	cli_boot(&cli);
	assert_string_equal(output(),
			    "boot: start iopart-b: denied by policy: zone system: policy system "
			    "allows at most 5 partitions, 6 needed\n"
			    "boot: start iopart-a: allowed; generation 9\n"
			    "boot: start guest-1: allowed; generation 10\n"
			    "boot: start guest-2: allowed; generation 11\n"
			    "ready");
	assert_int_equal(pol.nreq, 4);
	assert_string_equal(pol.req[1].subject.name, "iopart-a");
	assert_string_equal(pol.req[2].subject.name, "guest-1");
	/* the started ones count as running in the next checks */
	assert_int_equal(pol.req[1].parts[5].state, UV_STATE_LOADED);
	assert_int_equal(pol.req[2].parts[5].state, UV_STATE_RUNNING);
	assert_int_equal(uv.ntxn, 3);
	assert_int_equal(fpart("iopart-b")->state, UV_STATE_LOADED);
	assert_int_equal(answers, 0);
}

/* The guests wait for the console's server (their first lines need a reader), at most
 * CLI_CONSOLE_WAIT_MS; the I/O partitions do not. */
void test_boot_waits_for_the_console(void **state)
{
	fpart("iopart-a")->state = UV_STATE_LOADED;
	fpart("guest-1")->state = UV_STATE_LOADED;
	console_up_at = 250;
	nout = 0;
	cli_boot(&cli);
	assert_string_equal(output(),
			    "boot: start iopart-a: allowed; generation 9\n"
			    "boot: start guest-1: allowed; generation 10\n"
			    "ready");
	assert_true(now_ms >= 250 && now_ms < 300);
	fpart("guest-1")->state = UV_STATE_LOADED;
	console_up_at = ~0ull; /* never */
	now_ms = 0;
	cli_boot(&cli);
	assert_string_equal(output(),
			    "boot: no I/O partition serves the console after 10000 ms: starting "
			    "the guests all the same\n"
			    "boot: start guest-1: allowed; generation 11\n"
			    "ready");
	assert_int_equal(now_ms, CLI_CONSOLE_WAIT_MS);
}

void test_boot_denied(void **state)
{
	fpart("guest-1")->state = UV_STATE_LOADED;
	fpart("guest-2")->state = UV_STATE_LOADED;
	pol.deny = -BH_EPERM;
	strcpy(pol.deny_reason, "zone guests: policy guests allows at most 1 partitions, 2 "
	       "needed");
	uv.refuse = 0;
	nout = 0;
	cli_boot(&cli);
	assert_string_equal(output(),
			    "boot: start guest-1: denied by policy: zone guests: policy guests allows "
			    "at most 1 partitions, 2 needed\n"
			    "boot: start guest-2: allowed; generation 9\n"
			    "ready");
	fpart("guest-2")->state = UV_STATE_LOADED;
	fpart("guest-1")->state = UV_STATE_LOADED;
	uv.refuse = -BH_EINVAL;
	strcpy(uv.refuse_reason, "op 0 (start guest-1): guest-1 is created; start needs loaded or "
	       "stopped");
	cli_boot(&cli);
	assert_string_equal(output(),
			    "boot: start guest-1: allowed; op 0 (start guest-1): guest-1 is created; "
			    "start needs loaded or stopped\n"
			    "boot: start guest-2: allowed; generation 10\n"
			    "ready");
	uv.silent = true;
	cli_boot(&cli);
	assert_string_equal(output(), "boot: the ultravisor did not answer\nready");
}


/* ---- console <p> ---- */

void test_console(void **state)
{
	assert_string_equal(run("console guest-1"), "> console guest-1\nok");
	assert_int_equal(fcon.asks, 1);
	assert_string_equal(fcon.asked, "guest-1");
	assert_int_equal(uv.ntxn + pol.nreq, 0); /* a read, nothing changed, nothing checked */
	assert_string_equal(answer("console"), "error: usage: console <p>");
	assert_string_equal(answer("console guest-1 guest-2"), "error: usage: console <p>");
	assert_string_equal(answer("console guest-1 --json"), "error: usage: console <p>");
	assert_string_equal(answer("console \"guest-1\""), "ok");
	assert_int_equal(fcon.asks, 2);
}

void test_console_refused(void **state)
{
	struct cli_io io = cli.io;

	assert_string_equal(answer("console nosuch"), "error: console: no partition named nosuch");
	assert_string_equal(answer("console guest-2"),
			    "error: console: guest-2 is stopped, not running");
	assert_int_equal(fcon.asks, 0); /* the CLI's own checks come first */
	assert_string_equal(answer("console iopart-a"),
			    "error: console: iopart-a has no console channel");
	assert_string_equal(answer("console command"),
			    "error: console: command is this CLI's own console");
	fcon.status = -BH_EIO;
	assert_string_equal(answer("console guest-1"),
			    "error: console: guest-1's console channel is not up, or no console "
			    "server serves ours");
	fcon.status = -BH_ETIMEDOUT;
	assert_string_equal(answer("console guest-1"),
			    "error: console: the console server did not answer in 2000 ms");
	fcon.status = -BH_EBUSY;
	assert_string_equal(answer("console guest-1"),
			    "error: console: the console server refused (error -16)");
	assert_int_equal(fcon.asks, 5);
	uv.silent = true;
	assert_string_equal(answer("console guest-1"), "error: the ultravisor did not answer");
	uv.silent = false;
	assert_int_equal(fcon.asks, 5);

	io.console_attach = NULL; /* no console server at all */
	cli_init(&cli, &io);
	assert_string_equal(answer("console guest-1"),
			    "error: console: no console server to attach through");
}
