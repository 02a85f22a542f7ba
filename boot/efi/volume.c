/* SPDX-License-Identifier: MIT */
/* volume.c - where bulkhead.efi reads from: its own volume, its own directory, the config
 * file it was told about, and whole files into memory. */
#include <stdbool.h>
#include <string.h>
#include "fmt.h"
#include "loader.h"

static bool is_printable(unsigned ch)
{
	return ch == '\t' || (ch >= 0x20 && ch <= 0x7e);
}

/* The last '\\' in s (every path built here has one), or NULL. */
static char *last_sep(char *s)
{
	char *last = NULL;

	for (; *s; s++)
		if (*s == '\\')
			last = s;
	return last;
}

static char to_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* Append a UCS-2 path fragment (unaligned, up to n units or a NUL) to dst as ASCII, with
 * '\' separators. Returns false if a character is not printable ASCII or dst is full. */
static bool path_append_ucs2(char *dst, size_t size, const uint8_t *src, size_t n)
{
	size_t len = strlen(dst);

	for (size_t i = 0; i < n; i++) {
		unsigned ch = src[2 * i] | src[2 * i + 1] << 8;
		bool sep = i == 0 && ch != '\\' && ch != '/' && (!len || dst[len - 1] != '\\');

		if (!ch)
			break;
		if (!is_printable(ch) || len + sep + 2 > size)
			return false;
		if (sep)
			dst[len++] = '\\';
		dst[len++] = ch == '/' ? '\\' : (char)ch;
	}
	dst[len] = '\0';
	return true;
}

/* The directory of bulkhead.efi: its file path nodes (UEFI 2.10, 10.3.5.4 "File Path Media
 * Device Path") joined, up to the last '\'. No file path node (loaded from memory): root. */
static EFI_STATUS app_dir(struct loader *L)
{
	const uint8_t *p = (const uint8_t *)L->li->FilePath;
	char path[LOADER_PATH_MAX] = "";
	char *slash;

	while (p && !(p[0] == END_DEVICE_PATH_TYPE && p[1] == END_ENTIRE_DEVICE_PATH_SUBTYPE)) {
		size_t len = p[2] | p[3] << 8;

		if (len < 4)
			return con_fail(EFI_LOAD_ERROR, "bulkhead.efi's device path has a node of "
					"length %zu", len);
		if (p[0] == MEDIA_DEVICE_PATH && p[1] == MEDIA_FILEPATH_DP &&
		    !path_append_ucs2(path, sizeof(path), p + 4, (len - 4) / 2))
			return con_fail(EFI_UNSUPPORTED, "the path of bulkhead.efi is longer than %u "
					"characters or not ASCII", LOADER_PATH_MAX - 1);
		p += len;
	}
	slash = last_sep(path);
	if (slash)
		*slash = '\0';
	memcpy(L->dir, path, strlen(path) + 1);
	return EFI_SUCCESS;
}

/* Join base and name into an absolute path: name from the root when it starts with '\' or
 * '/', else below base. '/' becomes '\'. */
static EFI_STATUS path_join(const char *base, const char *name, char *out, size_t size)
{
	bool absolute = name[0] == '\\' || name[0] == '/';
	int n = bh_snprintf(out, size, "%s\\%s", absolute ? "" : base, absolute ? name + 1 : name);

	if (n < 0 || (size_t)n >= size)
		return con_fail(EFI_BAD_BUFFER_SIZE, "path %s\\%s is longer than %zu characters",
				base, name, size - 1);
	for (char *c = out; *c; c++)
		if (*c == '/')
			*c = '\\';
	return EFI_SUCCESS;
}

EFI_STATUS path_resolve(const struct loader *L, const char *name, char *out, size_t size)
{
	return path_join(L->cfg_dir, name, out, size);
}

/* UCS-2 text up to a NUL or the end: printable ASCII characters only. */
static bool options_ucs2(const uint8_t *p, UINT32 size, char *out, size_t outsize)
{
	size_t n = 0;

	if (size % 2)
		return false;
	for (UINT32 i = 0; i + 1 < size && (p[i] || p[i + 1]); i += 2) {
		if (p[i + 1] || !is_printable(p[i]) || n + 1 >= outsize)
			return false;
		out[n++] = (char)p[i];
	}
	out[n] = '\0';
	return true;
}

static bool options_ascii(const uint8_t *p, UINT32 size, char *out, size_t outsize)
{
	size_t n = 0;

	for (; n < size && p[n]; n++) {
		if (!is_printable(p[n]) || n + 1 >= outsize)
			return false;
		out[n] = (char)p[n];
	}
	out[n] = '\0';
	return true;
}

/* Load options as text: UCS-2 (firmware boot entries made with efibootmgr -u, the UEFI
 * shell) or ASCII. Anything else is not text and is ignored: EDK II puts binary data (a
 * GUID) in the options of the boot entries it creates by itself. */
static bool options_text(const uint8_t *p, UINT32 size, char *out, size_t outsize)
{
	return options_ucs2(p, size, out, outsize) || options_ascii(p, size, out, outsize);
}

static bool ends_with_efi(const char *w, size_t n)
{
	return n >= 4 && w[n - 4] == '.' && to_lower(w[n - 3]) == 'e' &&
	       to_lower(w[n - 2]) == 'f' && to_lower(w[n - 1]) == 'i';
}

/* The config file named by the load options: one word, after the program's own name
 * (a first word ending in ".efi", as the UEFI shell passes it). "" when none is named. */
static EFI_STATUS options_cfg(const struct loader *L, char *name, size_t size)
{
	char text[LOADER_PATH_MAX], *w[3] = { NULL };
	unsigned nw = 0;

	name[0] = '\0';
	if (!L->li->LoadOptionsSize ||
	    !options_text(L->li->LoadOptions, L->li->LoadOptionsSize, text, sizeof(text)))
		return EFI_SUCCESS;
	for (char *c = text; *c && nw < 3;) {
		while (*c == ' ' || *c == '\t')
			*c++ = '\0';
		if (*c)
			w[nw++] = c;
		while (*c && *c != ' ' && *c != '\t')
			c++;
	}
	if (nw && ends_with_efi(w[0], strlen(w[0]))) {
		w[0] = w[1]; /* the program's own name */
		w[1] = w[2];
		nw--;
	}
	if (nw > 1)
		return con_fail(EFI_INVALID_PARAMETER, "load options: expected one word, the config "
				"file to read, found \"%s\" and more", w[0]);
	if (nw && strlen(w[0]) >= size)
		return con_fail(EFI_INVALID_PARAMETER, "load options: config file name longer than "
				"%zu characters", size - 1);
	if (nw)
		memcpy(name, w[0], strlen(w[0]) + 1);
	return EFI_SUCCESS;
}

static EFI_STATUS cfg_location(struct loader *L)
{
	char name[BHCFG_FILE_MAX];
	EFI_STATUS s = options_cfg(L, name, sizeof(name));
	char *slash;

	if (!EFI_ERROR(s))
		s = path_join(L->dir, name[0] ? name : LOADER_CFG_DEFAULT, L->cfg_path,
			      sizeof(L->cfg_path));
	if (EFI_ERROR(s))
		return s;
	memcpy(L->cfg_dir, L->cfg_path, sizeof(L->cfg_dir));
	slash = last_sep(L->cfg_dir);
	if (slash) /* path_join always writes one */
		*slash = '\0';
	return EFI_SUCCESS;
}

EFI_STATUS volume_open(struct loader *L)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS s;

	s = L->bs->HandleProtocol(L->image, &li_guid, (void **)&L->li);
	if (EFI_ERROR(s))
		return con_fw_fail(s, "cannot get bulkhead.efi's loaded image protocol");
	s = L->bs->HandleProtocol(L->li->DeviceHandle, &fs_guid, (void **)&fs);
	if (EFI_ERROR(s))
		return con_fw_fail(s, "the device bulkhead.efi was loaded from has no file system "
				   "(put it on a FAT partition such as the ESP)");
	s = fs->OpenVolume(fs, &L->root);
	if (EFI_ERROR(s))
		return con_fw_fail(s, "cannot open the volume bulkhead.efi was loaded from");
	s = app_dir(L);
	return EFI_ERROR(s) ? s : cfg_location(L);
}

static void path_to_ucs2(const char *path, CHAR16 *out)
{
	while (*path)
		*out++ = (unsigned char)*path++;
	*out = 0;
}

/* UEFI 2.10, 13.5 "File Protocol": SetPosition(0xFFFFFFFFFFFFFFFF) moves to the end. */
static EFI_STATUS file_size(EFI_FILE_PROTOCOL *f, uint64_t *size)
{
	EFI_STATUS s = f->SetPosition(f, ~0ull);

	if (!EFI_ERROR(s))
		s = f->GetPosition(f, size);
	if (!EFI_ERROR(s))
		s = f->SetPosition(f, 0);
	return s;
}

static EFI_STATUS file_memory(struct loader *L, enum file_place place, uint64_t size,
			      void **data)
{
	EFI_PHYSICAL_ADDRESS pa = EFI_LOW_LIMIT;
	UINTN pages = size ? (size + EFI_PAGE - 1) / EFI_PAGE : 1;
	EFI_STATUS s;

	if (place == FILE_POOL)
		return L->bs->AllocatePool(EfiLoaderData, size ? size : 1, data);
	s = loader_alloc(L, AllocateMaxAddress, EfiLoaderData, pages, &pa);
	*data = (void *)(uintptr_t)pa;
	return s;
}

static EFI_STATUS file_fill(EFI_FILE_PROTOCOL *f, uint8_t *data, uint64_t size, bool *short_read)
{
	uint64_t done = 0;

	*short_read = false;
	while (done < size) {
		UINTN n = size - done;
		EFI_STATUS s = f->Read(f, &n, data + done);

		if (EFI_ERROR(s))
			return s;
		if (!n) {
			*short_read = true;
			return EFI_END_OF_FILE;
		}
		done += n;
	}
	return EFI_SUCCESS;
}

static EFI_STATUS file_load(struct loader *L, EFI_FILE_PROTOCOL *f, const char *path,
			    const char *what, enum file_place place, struct file_data *out)
{
	bool short_read;
	EFI_STATUS s = file_size(f, &out->size);

	if (EFI_ERROR(s))
		return con_fw_fail(s, "%s %s: cannot find its size (is it a directory?)", what, path);
	if (out->size > EFI_LOW_LIMIT)
		return con_fail(EFI_BAD_BUFFER_SIZE, "%s %s: %llu bytes, the limit is 4 GiB", what,
				path, (unsigned long long)out->size);
	s = file_memory(L, place, out->size, &out->data);
	if (EFI_ERROR(s))
		return con_fw_fail(s, "%s %s: no memory for its %llu bytes%s", what, path,
				   (unsigned long long)out->size,
				   place == FILE_POOL ? "" : " below 4 GiB");
	s = file_fill(f, out->data, out->size, &short_read);
	if (!EFI_ERROR(s))
		return EFI_SUCCESS;
	if (place == FILE_POOL)
		L->bs->FreePool(out->data);
	if (short_read)
		return con_fail(s, "%s %s: file ended before its size", what, path);
	return con_fw_fail(s, "%s %s: read failed", what, path);
}

EFI_STATUS file_read(struct loader *L, const char *path, const char *what, enum file_place place,
		     struct file_data *out)
{
	CHAR16 wpath[LOADER_PATH_MAX];
	EFI_FILE_PROTOCOL *f;
	EFI_STATUS s;

	path_to_ucs2(path, wpath);
	s = L->root->Open(L->root, &f, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(s))
		return con_fw_fail(s, "%s %s: cannot open", what, path);
	s = file_load(L, f, path, what, place, out);
	if (EFI_ERROR(f->Close(f))) /* read-only: nothing was lost */
		con_note("warning: closing %s failed", path);
	return s;
}
