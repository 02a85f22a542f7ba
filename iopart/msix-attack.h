/* SPDX-License-Identifier: MIT */
/* msix-attack.h - the `msix-attack=1` test hook (msix-attack.c). */
#ifndef IOPART_MSIX_ATTACK_H
#define IOPART_MSIX_ATTACK_H

#include "nvme.h"
#include "pci.h"

/* Attack d's MSI-X table through the hypercall and directly; logs every step; n (d's
 * controller) keeps the run count. Returns only if the table was writable (the monitor
 * failed to contain the partition). */
void msix_attack(struct nvme *n, const struct pci_dev *d);

#endif
