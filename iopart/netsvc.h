/* SPDX-License-Identifier: MIT */
/* netsvc.h - the I/O partition's network service (docs/net.md): its NIC (e1000.c) as the
 * uplink and its net channels as client ports of one switch (netswitch.c). main.c calls:
 *
 *   netsvc_init(info)      find the NIC among the partition's PCI functions, the net
 *                          channels in the info page with their clients' MACs
 *   netsvc_round()         attach newly laid-out channels, one switch round, signal the
 *                          clients that wait, drop broken channels; → frames moved
 *   netsvc_may_sleep()     before sleeping: every attached channel asks to be woken for a
 *                          frame; → false if one has work now
 *   netsvc_woken()         after waking
 *
 * Command line: net-stats-ms=<ms> (each port's counters, when they changed, at most this
 * often; default 10000, 0: never), net-fault-after=<n> (test only: crash on purpose after
 * switching n frames from clients).
 */
#ifndef IOPART_NETSVC_H
#define IOPART_NETSVC_H

#include <stdbool.h>
#include <bulkhead/partition.h>

void netsvc_init(const struct bh_partition_info *info);
unsigned netsvc_round(void);
bool netsvc_may_sleep(void);
void netsvc_woken(void);
/* A NIC is polled: the loop's tick must be short. */
bool netsvc_polls(void);

#endif
