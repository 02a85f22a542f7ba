/* SPDX-License-Identifier: MIT */
/* pic.h - the legacy 8259 pair, remapped and masked at boot. */
#ifndef MONITOR_PIC_H
#define MONITOR_PIC_H

void pic_disable(void);

#endif
