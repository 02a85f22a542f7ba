/* SPDX-License-Identifier: MIT */
/* net-run.h - guest-pv's network workloads (net.c). */
#ifndef GUEST_PV_NET_RUN_H
#define GUEST_PV_NET_RUN_H

/* Runs the net-test= of the command line, if any (echo and forge never return, nor does
 * any with net-linger=1). → 0 or a negative error. */
int net_run(void);

#endif
