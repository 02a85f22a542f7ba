/* SPDX-License-Identifier: MIT */
/* console-hc.c - the console mux's one hypercall (console.h): the signal to a client. */
#include "console.h"
#include "rt/hypercall.h"

void console_signal(uint32_t chan_id)
{
	bh_hc1(BH_HC_SIGNAL, chan_id); /* -BH_EIO when the client is not running: fine */
}
