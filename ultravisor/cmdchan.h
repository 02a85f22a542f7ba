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

/* Partition id ended: if it was the client, the channel is laid out afresh for its next
 * life. */
void cmdchan_peer_ended(uint32_t id);

#endif
