/* SPDX-License-Identifier: MIT */
/* main.c - bhconfig: compile, check and dump Bulkhead partition config blobs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bhconfig.h"

static int usage(void)
{
	fputs("usage: bhconfig compile SRC.yaml -o BLOB   YAML source to blob\n"
	      "       bhconfig check SRC.yaml|BLOB        validate either (told apart by magic)\n"
	      "       bhconfig dump BLOB                  blob back to YAML on stdout\n"
	      "exit: 0 valid, 1 invalid input, 2 usage\n", stderr);
	return EXIT_USAGE;
}

/* "config.bin: partitions[3].memory: 0x1000 not a multiple of 2 MiB" */
void blob_report(void *ctx, const struct cfg_error *e)
{
	char text[CFG_FIELD_MAX + CFG_MSG_MAX + 64];

	cfg_format_error(text, sizeof(text), e);
	fprintf(stderr, "%s: %s\n", (const char *)ctx, text);
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16;

	*buf = NULL;
	*len = 0;
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return EXIT_INVALID;
	}
	for (;;) {
		uint8_t *nb = realloc(*buf, cap + 1);

		if (!nb) {
			fclose(f);
			fprintf(stderr, "%s: out of memory\n", path);
			return EXIT_INVALID;
		}
		*buf = nb;
		*len += fread(*buf + *len, 1, cap - *len, f);
		if (*len < cap || cap >= SRC_FILE_MAX)
			break;
		cap *= 2;
	}
	int bad = ferror(f) || (*len == cap && fgetc(f) != EOF);

	fclose(f);
	if (bad)
		fprintf(stderr, "%s: unreadable or larger than %u bytes\n", path, SRC_FILE_MAX);
	return bad ? EXIT_INVALID : EXIT_OK;
}

static bool is_blob(const uint8_t *buf, size_t len)
{
	uint32_t magic;

	if (len < sizeof(magic))
		return false;
	memcpy(&magic, buf, sizeof(magic));
	return magic == BH_CFG_MAGIC;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (f)
			remove(path);
		return EXIT_INVALID;
	}
	return EXIT_OK;
}

static int cmd_compile(const char *src, const char *out)
{
	uint8_t *text, *blob = NULL;
	size_t len, blob_len;
	int rc = read_file(src, &text, &len);

	if (rc == EXIT_OK && is_blob(text, len)) {
		fprintf(stderr, "%s: already a config blob; compile reads YAML source\n", src);
		rc = EXIT_INVALID;
	}
	if (rc == EXIT_OK)
		rc = compile_source(src, text, len, &blob, &blob_len);
	if (rc == EXIT_OK)
		rc = write_file(out, blob, blob_len);
	free(text);
	free(blob);
	return rc;
}

static int cmd_check(const char *path)
{
	uint8_t *text, *blob = NULL;
	size_t len, blob_len;
	int rc = read_file(path, &text, &len);

	if (rc == EXIT_OK && is_blob(text, len))
		rc = cfg_validate(text, len, blob_report, (void *)path) ? EXIT_INVALID : EXIT_OK;
	else if (rc == EXIT_OK)
		rc = compile_source(path, text, len, &blob, &blob_len);
	free(text);
	free(blob);
	return rc;
}

static int cmd_dump(const char *path)
{
	uint8_t *blob;
	size_t len;
	int rc = read_file(path, &blob, &len);

	if (rc == EXIT_OK && !is_blob(blob, len)) {
		fprintf(stderr, "%s: not a config blob (no \"BCFG\" magic); dump reads blobs\n",
			path);
		rc = EXIT_INVALID;
	}
	if (rc == EXIT_OK)
		rc = dump_blob(blob, len, stdout, path);
	free(blob);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "compile") == 0 && strcmp(argv[3], "-o") == 0)
		return cmd_compile(argv[2], argv[4]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2]);
	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		return cmd_dump(argv[2]);
	return usage();
}
