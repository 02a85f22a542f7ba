/* SPDX-License-Identifier: MIT */
/* console.c - bulkhead.efi's messages: ConOut, plus the serial port when ConOut lacks it.
 *
 * Each message is one line starting "bulkhead.efi: ". It goes to ConOut (screen and, when
 * the firmware put a serial terminal on the console, the serial port) and, when the ConOut
 * variable names no UART (UEFI 2.10, 10.4.3 "UART Device Path"), to the first Serial I/O
 * protocol too, so that a headless server's serial console sees every error. OVMF under QEMU
 * lists its serial terminal in ConOut: there, mirroring would print every line twice.
 * Writing to a console can fail; there is nowhere to report that, so it is ignored.
 * Once ExitBootServices() has been called, lines go straight to the COM1 UART.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include "fmt.h"
#include "loader.h"
#include "portio.h"

#define CON_LINE_MAX  384
#define CON_CHUNK     128 /* characters per OutputString() */
#define CON_VAR_MAX   4096
#define COM1_PORT     0x3f8
#define UART_LSR      5
#define UART_LSR_THRE 0x20
#define UART_SPIN_MAX 100000

static EFI_SIMPLE_TEXT_OUT_PROTOCOL *con_out;
static EFI_SERIAL_IO_PROTOCOL *con_serial; /* NULL: ConOut reaches the serial port already */
static bool con_raw;                        /* boot services are ending: COM1 only */

static void com1_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			com1_write("\r", 1);
		for (unsigned spin = 0; spin < UART_SPIN_MAX; spin++)
			if (inb(COM1_PORT + UART_LSR) & UART_LSR_THRE)
				break;
		outb(COM1_PORT, (uint8_t)s[i]);
	}
}

static void conout_write(const char *s, size_t n)
{
	CHAR16 buf[2 * CON_CHUNK + 1];
	size_t i = 0;

	while (i < n) {
		unsigned k = 0;

		for (; i < n && k < 2 * CON_CHUNK - 1; i++) {
			unsigned char ch = (unsigned char)s[i];

			if (ch == '\n')
				buf[k++] = L'\r';
			buf[k++] = ch < 0x80 ? ch : L'?';
		}
		buf[k] = 0;
		con_out->OutputString(con_out, buf);
	}
}

static void serial_mirror_write(const char *s, size_t n)
{
	char buf[2 * CON_LINE_MAX];
	UINTN k = 0;

	for (size_t i = 0; i < n && k < sizeof(buf) - 1; i++) {
		if (s[i] == '\n')
			buf[k++] = '\r';
		buf[k++] = s[i];
	}
	con_serial->Write(con_serial, &k, buf);
}

static void con_write(const char *s, size_t n)
{
	if (con_raw) {
		com1_write(s, n);
		return;
	}
	if (con_out)
		conout_write(s, n);
	if (con_serial)
		serial_mirror_write(s, n);
}

/* Does the device path list (instances separated by end-of-instance nodes) hold a UART? */
static bool devpath_has_uart(const uint8_t *p, UINTN size)
{
	UINTN off = 0;

	while (off + 4 <= size) {
		uint16_t len = (uint16_t)(p[off + 2] | p[off + 3] << 8);

		if (p[off] == MESSAGING_DEVICE_PATH && p[off + 1] == MSG_UART_DP)
			return true;
		if (len < 4)
			return false; /* malformed: stop, and mirror to be safe */
		off += len;
	}
	return false;
}

static bool conout_has_uart(EFI_SYSTEM_TABLE *st)
{
	static uint8_t var[CON_VAR_MAX];
	EFI_GUID global = EFI_GLOBAL_VARIABLE;
	UINTN size = sizeof(var);
	EFI_STATUS s = st->RuntimeServices->GetVariable(L"ConOut", &global, NULL, &size, var);

	return !EFI_ERROR(s) && devpath_has_uart(var, size);
}

void con_init(EFI_SYSTEM_TABLE *st)
{
	EFI_GUID serial_guid = EFI_SERIAL_IO_PROTOCOL_GUID;
	void *serial = NULL;

	con_out = st->ConOut;
	if (conout_has_uart(st))
		return;
	if (!EFI_ERROR(st->BootServices->LocateProtocol(&serial_guid, NULL, &serial)))
		con_serial = serial;
}

void con_boot_services_ending(void)
{
	con_raw = true;
}

static void con_vline(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char line[CON_LINE_MAX];
	size_t n = bh_snprintf(line, sizeof(line), "bulkhead.efi: %s", prefix);

	if (n < sizeof(line))
		n += bh_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n < sizeof(line))
		n += bh_snprintf(line + n, sizeof(line) - n, "%s\n", suffix);
	if (n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	con_write(line, n);
}

void con_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vline("", fmt, ap, "");
	va_end(ap);
}

EFI_STATUS con_fail(EFI_STATUS st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vline("error: ", fmt, ap, "");
	va_end(ap);
	return st;
}

EFI_STATUS con_fw_fail(EFI_STATUS st, const char *fmt, ...)
{
	char suffix[48];
	va_list ap;

	bh_snprintf(suffix, sizeof(suffix), ": %s", efi_status_name(st));
	va_start(ap, fmt);
	con_vline("error: ", fmt, ap, suffix);
	va_end(ap);
	return st;
}

/* UEFI 2.10, Appendix D "Status Codes". */
static const char *const efi_errors[] = {
	[1] = "EFI_LOAD_ERROR",          [2] = "EFI_INVALID_PARAMETER",
	[3] = "EFI_UNSUPPORTED",         [4] = "EFI_BAD_BUFFER_SIZE",
	[5] = "EFI_BUFFER_TOO_SMALL",    [6] = "EFI_NOT_READY",
	[7] = "EFI_DEVICE_ERROR",        [8] = "EFI_WRITE_PROTECTED",
	[9] = "EFI_OUT_OF_RESOURCES",    [10] = "EFI_VOLUME_CORRUPTED",
	[11] = "EFI_VOLUME_FULL",        [12] = "EFI_NO_MEDIA",
	[13] = "EFI_MEDIA_CHANGED",      [14] = "EFI_NOT_FOUND",
	[15] = "EFI_ACCESS_DENIED",      [16] = "EFI_NO_RESPONSE",
	[17] = "EFI_NO_MAPPING",         [18] = "EFI_TIMEOUT",
	[19] = "EFI_NOT_STARTED",        [20] = "EFI_ALREADY_STARTED",
	[21] = "EFI_ABORTED",            [24] = "EFI_PROTOCOL_ERROR",
	[25] = "EFI_INCOMPATIBLE_VERSION", [26] = "EFI_SECURITY_VIOLATION",
	[27] = "EFI_CRC_ERROR",          [28] = "EFI_END_OF_MEDIA",
	[31] = "EFI_END_OF_FILE",        [33] = "EFI_COMPROMISED_DATA",
};

const char *efi_status_name(EFI_STATUS st)
{
	static char unknown[32];
	UINTN code = st & ~EFI_ERROR_MASK;

	if (st == EFI_SUCCESS)
		return "EFI_SUCCESS";
	if (EFI_ERROR(st) && code < sizeof(efi_errors) / sizeof(efi_errors[0]) && efi_errors[code])
		return efi_errors[code];
	bh_snprintf(unknown, sizeof(unknown), "EFI status %#lx", (unsigned long)st);
	return unknown;
}
