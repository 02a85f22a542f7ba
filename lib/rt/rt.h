/* SPDX-License-Identifier: MIT */
/* rt.h - the partition runtime: start-up, info page, command line, heap (newlib glue).
 *
 * Start (crt0.asm, start.c), on every vCPU: enable x87/SSE in CR0/CR4 if the monitor has
 * not, then
 *   vCPU 0:   clear .bss, pick the hypercall instruction, check the info page, set the heap
 *             bounds, open the console (rt/console.h: stdout and stderr through the console
 *             channel, if any), run constructors, exit(main(1, {name, NULL})) → BH_HC_EXIT.
 *   vCPU n>0: wait until vCPU 0 has done the above, then bh_secondary(n); if that returns,
 *             wait for events forever (the partition ends when any vCPU exits).
 * newlib is built without locks: only vCPU 0 may use stdio, malloc or errno. Secondary
 * vCPUs may use the hypercall wrappers, atomics and their own stack.
 *
 * The page tables of the start state map VA = GPA, so a pointer is its guest-physical
 * address (bh_gpa()).
 */
#ifndef BH_RT_RT_H
#define BH_RT_RT_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/partition.h>

/* The read-only info page the monitor passed in RDI (valid after start). */
const struct bh_partition_info *bh_info_page(void);

/* Runs on vCPU n > 0 once vCPU 0 has initialized the runtime. Weak: the default waits
 * for events forever. Define it in the partition to use more vCPUs. */
void bh_secondary(unsigned vcpu);

/* Command line ("key=value key2=value2 flag", from the info page). A bare word is a key
 * with an empty value; the first occurrence of a key wins. */
int bh_arg(const char *key, char *val, size_t len);   /* 0, -BH_ENOENT, -BH_E2BIG */
int bh_arg_u64(const char *key, uint64_t *out);       /* 0, -BH_ENOENT, -BH_EINVAL */

/* The same on an explicit buffer of at most cmdlen bytes (need not be NUL-terminated):
 * copies the value NUL-terminated into val[len] (truncated, returning -BH_E2BIG, if it
 * does not fit). */
int bh_arg_find(const char *cmdline, size_t cmdlen, const char *key, char *val, size_t len);
/* Parses a whole string as an unsigned number, C syntax (0x.., 0.., decimal). */
int bh_parse_u64(const char *s, uint64_t *out);

/* Heap behind sbrk(): [start, end) from the info page, brk moving inside it. */
struct bh_heap {
	uintptr_t start;
	uintptr_t end;
	uintptr_t brk;
};

/* end < start gives an empty heap. */
void bh_heap_init(struct bh_heap *h, uintptr_t start, uintptr_t end);
/* Moves brk by incr; *old = the previous brk. Returns 0, -BH_ENOMEM when brk would pass
 * end, -BH_EINVAL when it would drop below start; brk is unchanged on error. */
int bh_heap_sbrk(struct bh_heap *h, intptr_t incr, uintptr_t *old);

/* Runtime internals (start.c → syscalls.c). */
void bh_rt_heap_init(uintptr_t start, uintptr_t end);

#endif
