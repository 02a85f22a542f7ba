/* SPDX-License-Identifier: MIT */
/* disk.h - guest-pv's disk workloads (disk.c) and its hostile block client (hostile.c). */
#ifndef GUEST_PV_DISK_H
#define GUEST_PV_DISK_H

#include <stddef.h>
#include <stdint.h>

/* Runs the disk-test= of the command line, if any. → 0 or a negative error. */
int disk_run(void);

/* The block channel whose other end is the partition named peer[0, len): its info-page
 * index, or -1. */
int disk_channel(const char *peer, size_t len);

/* Word k (0..63) of sector lba of the test pattern under seed. */
uint64_t disk_word(uint64_t seed, uint64_t lba, unsigned k);

/* disk-test=hostile. */
int disk_hostile(void);

#endif
