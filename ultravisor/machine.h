/* SPDX-License-Identifier: MIT */
/* machine.h - the monitor made to match the database (machine.c). */
#ifndef ULTRAVISOR_MACHINE_H
#define ULTRAVISOR_MACHINE_H

#include <stdint.h>
#include <bulkhead/uvcall.h>
#include "db.h"

/* The boot modules (images by name) and the ultravisor's own id, which it never touches. */
void machine_init(const struct bh_uv_bootinfo *bi, uint32_t ultravisor_id);

/* The boot module whose command line's first word is name, or NULL. */
const struct bh_uv_module *machine_module(const char *name);

/* Bring every partition to its recorded state; destroy those the database dropped. Loading
 * an image commits EV_LOADED (and START, for a restart), logged like every state change. */
void machine_sync(struct db *db);

/* The monitor reported e: EV_CRASHED or EV_EXITED is committed; the caller syncs next. */
void machine_ended(struct db *db, const struct bh_uv_event *e);

/* Commit one lifecycle event for partition id as the ultravisor. → the response status. */
int machine_event(struct db *db, uint32_t id, uint16_t code);

#endif
