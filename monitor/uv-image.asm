; SPDX-License-Identifier: MIT
; uv-image.asm - the ultravisor partition's ELF image, inside bulkhead.elf (uvcall.c loads it).
; UV_ELF is the path of build/partitions/ultravisor.elf, given by monitor/monitor.mk.
section .rodata
align 16
global uv_image_start, uv_image_end
uv_image_start:
	incbin UV_ELF
uv_image_end:
