/* SPDX-License-Identifier: MIT */
/* dma-attack.h - test only: DMA aimed at memory not the partition's (dma-attack.c). */
#ifndef IOPART_DMA_ATTACK_H
#define IOPART_DMA_ATTACK_H

struct nvme;

/* With dma-victim=, dma-monitor= or dma-msi= on the command line: the shots, logged. */
void dma_attack(struct nvme *n);

#endif
