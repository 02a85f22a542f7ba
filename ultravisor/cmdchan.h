/* SPDX-License-Identifier: MIT */
/* cmdchan.h - the command channel's server side (cmdchan.c). */
#ifndef ULTRAVISOR_CMDCHAN_H
#define ULTRAVISOR_CMDCHAN_H

#include <stdint.h>
#include "db.h"

/* Lay out the control channel the ultravisor serves (the first one in the database) and
 * attach as its server. 0, -BH_ENOENT (the config has none), -BH_EIO. */
int cmdchan_open(const struct db *db, uint32_t self_id);

/* Answer every request waiting (at most 16 in one go), syncing the machine after each
 * commit. Then announce a wait: → 0 to sleep, else look again before sleeping. */
int cmdchan_serve(struct db *db);
void cmdchan_wait_done(void);

/* Partition id is about to start: if it is the client, it gets a freshly laid out channel
 * (whatever its earlier life left there, or broke). */
void cmdchan_client_starts(uint32_t id);

#endif
