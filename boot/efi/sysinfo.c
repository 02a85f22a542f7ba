/* SPDX-License-Identifier: MIT */
/* sysinfo.c - what the firmware knows that the monitor needs: the ACPI RSDP, the GOP
 * framebuffer, the EFI system table, the loader's name. None of it is required to boot
 * (the monitor runs on one CPU without ACPI, and never draws), so a gap is a warning. */
#include <string.h>
#include "fmt.h"
#include "loader.h"

#define RSDP_V1_LEN 20
#define VENDOR_MAX  24

static int guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* UEFI 2.10, 4.6 "EFI Configuration Table": the ACPI 2.0+ entry is preferred, the ACPI 1.0
 * one is used only without it. ACPI 6.5, 5.2.5.3 "RSDP Structure": 20 bytes in revision 0,
 * 36 from revision 2 on. */
static void sysinfo_rsdp(struct loader *L)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	const uint8_t *rsdp = NULL;
	unsigned len = 0;

	for (UINTN i = 0; i < L->st->NumberOfTableEntries; i++) {
		const EFI_CONFIGURATION_TABLE *t = &L->st->ConfigurationTable[i];

		if (guid_eq(&t->VendorGuid, &acpi20)) {
			rsdp = t->VendorTable;
			len = BH_BOOT_RSDP_MAX;
			break;
		}
		if (guid_eq(&t->VendorGuid, &acpi10) && !rsdp) {
			rsdp = t->VendorTable;
			len = RSDP_V1_LEN;
		}
	}
	if (!rsdp || memcmp(rsdp, "RSD PTR ", 8)) {
		con_note("warning: no ACPI RSDP in the EFI configuration table: the monitor will "
			 "run on the boot CPU only");
		return;
	}
	if (len == BH_BOOT_RSDP_MAX && rsdp[15] < 2)
		len = RSDP_V1_LEN; /* an ACPI 2.0 entry holding a revision 0 RSDP */
	memcpy(L->bi->rsdp, rsdp, len);
	L->bi->rsdp_len = len;
	L->bi->flags |= BH_BOOT_HAS_RSDP;
}

static unsigned mask_bits(const EFI_PIXEL_BITMASK *m)
{
	uint32_t all = m->RedMask | m->GreenMask | m->BlueMask | m->ReservedMask;
	unsigned bits = 0;

	while (all) {
		bits++;
		all >>= 1;
	}
	return bits;
}

/* UEFI 2.10, 12.9 "Graphics Output Protocol": the current mode's linear framebuffer. */
static void sysinfo_gop(struct loader *L)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *mi;
	struct bh_framebuffer *fb = &L->bi->fb;
	EFI_STATUS s = L->bs->LocateProtocol(&gop_guid, NULL, (void **)&gop);
	unsigned bpp;

	if (EFI_ERROR(s)) {
		con_note("no framebuffer: no graphics output protocol (%s)", efi_status_name(s));
		return;
	}
	mi = gop->Mode->Info;
	if (mi->PixelFormat == PixelBltOnly || mi->PixelFormat >= PixelFormatMax) {
		con_note("no framebuffer: the graphics mode has no linear framebuffer");
		return;
	}
	bpp = mi->PixelFormat == PixelBitMask ? mask_bits(&mi->PixelInformation) : 32;
	*fb = (struct bh_framebuffer){
		.addr = gop->Mode->FrameBufferBase,
		.pitch = mi->PixelsPerScanLine * ((bpp + 7) / 8),
		.width = mi->HorizontalResolution,
		.height = mi->VerticalResolution,
		.bpp = (uint8_t)bpp,
		.type = 1, /* RGB, as Multiboot2's "Framebuffer info" type 1 */
	};
	L->bi->flags |= BH_BOOT_HAS_FB;
}

/* "bulkhead.efi (UEFI 2.70, EDK II)" */
static void sysinfo_loader_name(struct loader *L)
{
	char vendor[VENDOR_MAX + 1] = "";
	const CHAR16 *v = L->st->FirmwareVendor;
	uint32_t rev = L->st->Hdr.Revision;

	for (unsigned i = 0; v && v[i] && i < VENDOR_MAX; i++)
		vendor[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	bh_snprintf(L->bi->loader, sizeof(L->bi->loader), "bulkhead.efi (UEFI %u.%u, %s)",
		    rev >> 16, rev & 0xffff, vendor);
}

EFI_STATUS sysinfo_fill(struct loader *L)
{
	sysinfo_rsdp(L);
	sysinfo_gop(L);
	sysinfo_loader_name(L);
	L->bi->efi_system_table = (uintptr_t)L->st;
	L->bi->flags |= BH_BOOT_HAS_EFI_ST;
	return EFI_SUCCESS;
}
