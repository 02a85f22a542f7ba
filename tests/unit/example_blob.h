/* SPDX-License-Identifier: MIT */
/* example_blob.h - the compiled examples (build/examples/<name>.bin) for host tests: found in
 * $BH_CFG_EXAMPLES, else in the directory the test was built with (dflt). Include after
 * cmocka.h. */
#ifndef TESTS_UNIT_EXAMPLE_BLOB_H
#define TESTS_UNIT_EXAMPLE_BLOB_H

#include <stdio.h>
#include <stdlib.h>

/* Reads <name>.bin into buf (cap bytes); → its length. Fails the test if it is missing. */
static inline size_t example_blob(const char *dflt, const char *name, void *buf, size_t cap)
{
	const char *dir = getenv("BH_CFG_EXAMPLES");
	char path[512];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", dir ? dir : dflt, name);
	f = fopen(path, "rb");
	if (!f)
		print_message("%s: missing (make config-examples)\n", path);
	assert_non_null(f);
	len = fread(buf, 1, cap, f);
	fclose(f);
	return len;
}

#endif
