/* SPDX-License-Identifier: MIT */
/* serial.h - 16550 UART output: COM1 is the operator console, COM2 the monitor log. */
#ifndef MONITOR_SERIAL_H
#define MONITOR_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define COM1 0x3f8
#define COM2 0x2f8

void serial_init(uint16_t port);
void serial_write(uint16_t port, const char *s, size_t n); /* "\n" goes out as "\r\n" */
void serial_drain(uint16_t port);
/* The bytes received so far, at most n; never waits. */
size_t serial_read(uint16_t port, char *buf, size_t n); /* wait until the transmitter is empty (LSR.TEMT) */

#endif
