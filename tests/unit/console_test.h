/* SPDX-License-Identifier: MIT */
/* console_test.h - fakes shared by the console tests: a UART in memory, a machine of one
 * I/O partition serving up to three console clients over real channels in host memory,
 * and client ops with a fake clock and fallback. */
#ifndef TESTS_UNIT_CONSOLE_TEST_H
#define TESTS_UNIT_CONSOLE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/config.h>
#include <bulkhead/console.h>
#include <bulkhead/errno.h>
#include "chan/chan.h"
#include "iopart/console-line.h"
#include "iopart/console.h"
#include "rt/console.h"

#define CLIENTS_MAX 3
#define CHAN_SIZE   0x10000 /* 64 slots of 256 bytes each way */
#define CHAN_ID0    10

/* ---- UART (test_console.c) ---- */
extern char uart_tx[1 << 20];
extern size_t uart_ntx;
extern unsigned server_signals;
char *uart_take(void);          /* what the UART sent since the last call, NUL-terminated */
void uart_type(const char *s);  /* bytes for uart_getc(), replacing any not read yet */

/* ---- a client's world ---- */
struct fake {
	uint64_t now;
	unsigned signals, sleeps;
	bool drain_in_sleep; /* the server runs a round (and step ns pass) while it sleeps */
	uint64_t step;
	char fb[1 << 17];    /* what took the fallback */
	size_t nfb;
};

struct machine {
	struct bh_partition_info io; /* the I/O partition's info page */
	uint8_t *mem[CLIENTS_MAX];
	unsigned n;
	struct uart u;
	struct bh_con cli[CLIENTS_MAX];
	struct fake f[CLIENTS_MAX];
	struct bh_con_ops ops[CLIENTS_MAX];
};

/* n clients: "command" (kind command) if with_command, then "guest-1", "guest-2". Clients
 * lay their channels out when open_clients; the server is initialized, not polled. */
struct machine *machine_up(unsigned n, bool with_command, bool open_clients);
void machine_down(struct machine *m);
void client_open(struct machine *m, unsigned i);
/* bh_con_write of a string; asserts it all went somewhere. */
void cwrite(struct machine *m, unsigned i, const char *s);
struct bh_chan_hdr *chdr(struct machine *m, unsigned i);

/* ---- attached mode (test_console_attach.c) ---- */
void test_attach_detach(void **state);
void test_attach_escape_mid_round(void **state);
void test_attach_output(void **state);
void test_attach_hold_overflow(void **state);
void test_attach_ring0_full(void **state);
void test_attach_auto_detach(void **state);
void test_attach_refused_from_guest(void **state);
void test_attach_refused_names(void **state);
void test_attach_answer_behind_a_line(void **state);

#endif
