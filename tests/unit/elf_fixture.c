/* SPDX-License-Identifier: MIT */
/* elf_fixture.c - the smallest program linked with lib/rt/partition.ld; test_elf.c loads it. */
static const char message[] = "fixture rodata";
int counter = 42;       /* .data */
char scratch[300];      /* .bss */

__attribute__((section(".text.start"), noreturn)) void _start(void)
{
	scratch[0] = message[counter & 7];
	for (;;)
		__asm__ volatile("hlt");
}
