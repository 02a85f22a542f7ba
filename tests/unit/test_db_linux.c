/* SPDX-License-Identifier: MIT */
/* test_db_linux.c - the resource database with a linux partition and its device model: both
 * come from the blob with their initrd and guest, and a transaction keeps the pair whole. */
#include "config_build.h"
#include "db_test.h"

static struct db db;

/* config_build.h's good_linux(), packed and booted. */
static void boot_linux(void)
{
	char err[256] = "";
	int r;

	good_linux();
	pack();
	r = db_init_from_blob(&db, blob, blob_len, err, sizeof(err));
	if (r)
		print_message("boot: %d %s\n", r, err);
	assert_int_equal(r, 0);
	assert_invariants(&db);
}

static void test_boot_pair(void **state)
{
	const struct db_part *linux_, *dm, *g;

	boot_linux();
	linux_ = db_part_by_name(&db.st, "linux");
	dm = db_part_by_name(&db.st, "linux-dm");
	g = db_part_by_name(&db.st, "guest-1");
	assert_non_null(linux_);
	assert_non_null(dm);
	assert_non_null(g);
	assert_int_equal(linux_->kind, BH_CFG_KIND_LINUX);
	assert_string_equal(linux_->image, "vmlinux");
	assert_string_equal(linux_->initrd, "initramfs");
	assert_string_equal(linux_->cmdline, "console=ttyS0 root=/dev/vda");
	assert_int_equal(linux_->guest, 0);
	assert_int_equal(linux_->memory, 256 * MIB);
	assert_int_equal(dm->kind, BH_CFG_KIND_DEVMODEL);
	assert_int_equal(dm->guest, linux_->id);
	assert_string_equal(dm->initrd, "");
	assert_int_equal(g->guest, 0);
	assert_string_equal(g->initrd, "");
	assert_int_equal(part_state(&db, "linux"), UV_STATE_CREATED);
	/* the device model holds the client end of its guest's channels (db-boot.c) */
	assert_int_equal(db_chan_by_name(&db.st, "console-linux")->client, dm->id);
	assert_int_equal(db_chan_by_name(&db.st, "block-linux")->client, dm->id);
	assert_int_equal(db_chan_by_name(&db.st, "block-a")->client, g->id);
}

/* Every transaction re-validates the state as a blob (db-check.c): the pair must come back
 * out of it, and the channels the device model holds name its guest as their client. */
static void test_commit_keeps_pair(void **state)
{
	boot_linux();
	step(&db, UV_OP_DESTROY, "guest-1");
	assert_int_equal(db_part_by_name(&db.st, "linux-dm")->guest, db_id_of(&db, "linux"));
	assert_string_equal(db_part_by_name(&db.st, "linux")->initrd, "initramfs");
	assert_invariants(&db);
}

/* Either half alone breaks the pair; both in one transaction do not. */
static void test_destroy_pair(void **state)
{
	struct uv_request rq;

	boot_linux();
	rq_begin(&rq, 3);
	rq_op(&rq, UV_OP_DESTROY, "linux-dm");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "op 0 (destroy linux-dm): partition "
		    "linux: no device model; a linux partition needs exactly one partition of kind "
		    "devmodel with guest: linux");
	rq_begin(&rq, 4);
	rq_op(&rq, UV_OP_DESTROY, "linux");
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "~partition linux-dm guest: missing");
	rq_op(&rq, UV_OP_DESTROY, "linux-dm");
	must_commit(&db, &rq, UV_ORIGIN_CLIENT);
	assert_null(db_part_by_name(&db.st, "linux"));
	assert_null(db_part_by_name(&db.st, "linux-dm"));
	assert_invariants(&db);
}

/* A create op carries no guest: a linux partition made at run time has no device model. */
static void test_create_linux_refused(void **state)
{
	struct uv_request rq;

	boot_linux();
	rq_begin(&rq, 5);
	rq_create(&rq, "linux-2", BH_CFG_KIND_LINUX, "vms", 4, 128 * MIB);
	must_reject(&db, &rq, UV_ORIGIN_CLIENT, -BH_EINVAL, 0, "~no device model");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_pair),
		cmocka_unit_test(test_commit_keeps_pair),
		cmocka_unit_test(test_destroy_pair),
		cmocka_unit_test(test_create_linux_refused),
	};

	return cmocka_run_group_tests_name("database: linux and devmodel", tests, NULL, NULL);
}
