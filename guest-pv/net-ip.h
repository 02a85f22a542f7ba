/* SPDX-License-Identifier: MIT */
/* net-ip.h - guest-pv's minimal Ethernet/ARP/IPv4 stack (net-ip.c): ARP requests and
 * replies with a small cache, ICMP echo (answering and asking), UDP echo on port 7.
 * Pure: frames in, frames out through a callback; net.c wires it to lib/net's client. */
#ifndef GUEST_PV_NET_IP_H
#define GUEST_PV_NET_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IP_ARP_SLOTS  8
#define IP_ECHO_PORT  7
#define IP_CLIENT_PORT 40007
#define IP_PING_ID    0x4250
#define IP_FORGED_TAG "FORGED"
#define IP_SEQ_TAG    "SEQ:"   /* an echo's payload: this, then the sequence number */

struct ip_stack;

/* What the stack hands its owner: a frame to send, or an event. */
struct ip_ops {
	void *ctx;
	void (*send)(void *ctx, const uint8_t *frame, size_t len);
	/* an ICMP echo reply to our IP_PING_ID, a UDP echo to IP_CLIENT_PORT: seq as sent */
	void (*ping_reply)(void *ctx, uint32_t from, uint16_t seq);
	void (*udp_echoed)(void *ctx, uint32_t from, uint32_t seq);
	/* a datagram whose payload starts IP_FORGED_TAG: the switch let a forged frame by */
	void (*forged_seen)(void *ctx, const uint8_t *src_mac);
};

struct ip_stack {
	uint8_t  mac[6];
	uint32_t ip;               /* host order */
	struct { uint32_t ip; uint8_t mac[6]; bool used; } arp[IP_ARP_SLOTS];
	unsigned arp_next;
	uint16_t ip_id;
	const struct ip_ops *ops;
	uint64_t arp_answered, icmp_answered, udp_answered, ignored;
	uint8_t  out[1514];
};

void ip_init(struct ip_stack *s, const uint8_t mac[6], uint32_t ip, const struct ip_ops *ops);

/* One received frame: learn, answer, report. */
void ip_input(struct ip_stack *s, const uint8_t *f, size_t len);

/* The MAC of ip if the cache has it. */
bool ip_arp_lookup(const struct ip_stack *s, uint32_t ip, uint8_t mac[6]);

/* Broadcast "who has ip". */
void ip_arp_request(struct ip_stack *s, uint32_t ip);

/* ICMP echo request seq to ip at mac, with len bytes of payload. */
void ip_ping(struct ip_stack *s, uint32_t ip, const uint8_t mac[6], uint16_t seq, size_t len);

/* UDP datagram from port IP_CLIENT_PORT to the echo port of ip at mac, carrying tag, seq
 * and len bytes of payload in all; the echo comes back to IP_CLIENT_PORT. src_mac: normally
 * s->mac; another one forges the frame (net-test=forge). tag: the payload's start. */
void ip_udp(struct ip_stack *s, uint32_t ip, const uint8_t mac[6], const uint8_t src_mac[6],
	    const char *tag, uint32_t seq, size_t len);

/* "a.b.c.d" → host order; 0 if malformed. */
uint32_t ip_parse(const char *s);

#endif
