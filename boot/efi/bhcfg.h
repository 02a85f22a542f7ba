/* SPDX-License-Identifier: MIT */
/* bhcfg.h - bulkhead.cfg, the text file that tells bulkhead.efi what to load.
 *
 * One directive per line; a line whose first non-blank character is '#' is a comment,
 * blank lines are ignored, lines end in LF or CRLF:
 *
 *   kernel  FILE            the monitor image; at most once (default: bulkhead.elf)
 *   cmdline TEXT...         the monitor's command line, to the end of the line; at most once
 *   module  FILE [TEXT...]  a boot module and its command line (default: FILE), in order,
 *                           at most BH_BOOT_MODULES_MAX
 *
 * FILE is relative to the directory of the config file, or absolute from the root of its
 * volume when it starts with '\' or '/'; either character separates directories. Printable
 * ASCII only (a tab counts as a blank). The parser is pure: no firmware, no allocation.
 */
#ifndef BOOT_EFI_BHCFG_H
#define BOOT_EFI_BHCFG_H

#include <stddef.h>
#include <bulkhead/bootinfo.h>

#define BHCFG_FILE_MAX      128 /* bytes of a FILE, NUL included */
#define BHCFG_KERNEL_DEFAULT "bulkhead.elf"

struct bhcfg_module {
	char file[BHCFG_FILE_MAX];
	char cmdline[BH_BOOT_MODNAME_MAX];
	unsigned line;
};

struct bhcfg {
	char kernel[BHCFG_FILE_MAX];
	unsigned kernel_line; /* 0: the default */
	char cmdline[BH_BOOT_CMDLINE_MAX];
	unsigned cmdline_line;
	unsigned module_count;
	struct bhcfg_module modules[BH_BOOT_MODULES_MAX];
};

/* Parse len bytes of text into *cfg (cleared first). Returns 0, or -BH_EINVAL with
 * "line N: ..." in err (always NUL-terminated when errlen > 0). */
int bhcfg_parse(const char *text, size_t len, struct bhcfg *cfg, char *err, size_t errlen);

#endif
