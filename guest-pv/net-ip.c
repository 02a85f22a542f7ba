/* SPDX-License-Identifier: MIT */
/* net-ip.c - guest-pv's minimal Ethernet/ARP/IPv4/ICMP/UDP (net-ip.h). RFC 826 (ARP),
 * RFC 791 (IPv4), RFC 792 (ICMP echo), RFC 768 (UDP), RFC 1071 (the checksum). Every
 * length is checked against the frame before a field is read. */
#include <stdio.h>
#include <string.h>
#include "net-ip.h"

#define ETH_HDR   14
#define ETH_ARP   0x0806
#define ETH_IP    0x0800
#define IP_HDR    20
#define IP_ICMP   1
#define IP_UDP    17
#define ARP_LEN   28
#define ICMP_HDR  8
#define UDP_HDR   8

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* RFC 1071: the one's complement of the one's complement sum, seeded with sum. */
static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void ip_init(struct ip_stack *s, const uint8_t mac[6], uint32_t ip, const struct ip_ops *ops)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->mac, mac, 6);
	s->ip = ip;
	s->ops = ops;
}

uint32_t ip_parse(const char *str)
{
	unsigned a, b, c, d;
	char end;

	if (sscanf(str, "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) != 4 || (a | b | c | d) > 255)
		return 0;
	return a << 24 | b << 16 | c << 8 | d;
}

/* ---- ARP ------------------------------------------------------------------------------ */

static void arp_learn(struct ip_stack *s, uint32_t ip, const uint8_t *mac)
{
	unsigned i;

	if (!ip || (mac[0] & 1))
		return;
	for (i = 0; i < IP_ARP_SLOTS; i++)
		if (s->arp[i].used && s->arp[i].ip == ip)
			break;
	if (i == IP_ARP_SLOTS)
		i = s->arp_next++ % IP_ARP_SLOTS;
	s->arp[i].ip = ip;
	s->arp[i].used = true;
	memcpy(s->arp[i].mac, mac, 6);
}

bool ip_arp_lookup(const struct ip_stack *s, uint32_t ip, uint8_t mac[6])
{
	for (unsigned i = 0; i < IP_ARP_SLOTS; i++)
		if (s->arp[i].used && s->arp[i].ip == ip) {
			memcpy(mac, s->arp[i].mac, 6);
			return true;
		}
	return false;
}

static uint8_t *eth(struct ip_stack *s, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(s->out, dst, 6);
	memcpy(s->out + 6, src, 6);
	put16(s->out + 12, type);
	return s->out + ETH_HDR;
}

static void arp_send(struct ip_stack *s, uint16_t op, const uint8_t *dst, uint32_t tip,
		     const uint8_t *tha)
{
	uint8_t *a = eth(s, dst, s->mac, ETH_ARP);

	put16(a, 1);
	put16(a + 2, ETH_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, s->mac, 6);
	put32(a + 14, s->ip);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tip);
	s->ops->send(s->ops->ctx, s->out, ETH_HDR + ARP_LEN);
}

void ip_arp_request(struct ip_stack *s, uint32_t ip)
{
	static const uint8_t zero[6];

	arp_send(s, 1, bcast, ip, zero);
}

static void arp_input(struct ip_stack *s, const uint8_t *a, size_t len)
{
	uint32_t spa, tpa;

	if (len < ARP_LEN || get16(a) != 1 || get16(a + 2) != ETH_IP || a[4] != 6 || a[5] != 4)
		return;
	spa = get32(a + 14);
	tpa = get32(a + 24);
	if (tpa == s->ip || ip_arp_lookup(s, spa, (uint8_t[6]){ 0 }))
		arp_learn(s, spa, a + 8);
	if (get16(a + 6) == 1 && tpa == s->ip) {
		s->arp_answered++;
		arp_send(s, 2, a + 8, spa, a + 8);
	}
}

/* ---- IPv4 ------------------------------------------------------------------------------ */

/* An IPv4 packet of len payload bytes (already at out + 34) to ip at mac. */
static void ip_send(struct ip_stack *s, const uint8_t *mac, const uint8_t *src_mac, uint32_t ip,
		    uint8_t proto, size_t len)
{
	uint8_t *h = eth(s, mac, src_mac, ETH_IP);

	h[0] = 0x45;
	h[1] = 0;
	put16(h + 2, (uint16_t)(IP_HDR + len));
	put16(h + 4, s->ip_id++);
	put16(h + 6, 0x4000); /* don't fragment */
	h[8] = 64;
	h[9] = proto;
	put16(h + 10, 0);
	put32(h + 12, s->ip);
	put32(h + 16, ip);
	put16(h + 10, csum(h, IP_HDR, 0));
	s->ops->send(s->ops->ctx, s->out, ETH_HDR + IP_HDR + len);
}

void ip_ping(struct ip_stack *s, uint32_t ip, const uint8_t mac[6], uint16_t seq, size_t len)
{
	uint8_t *m = s->out + ETH_HDR + IP_HDR;

	if (len > 1000)
		len = 1000;
	m[0] = 8;
	m[1] = 0;
	put16(m + 2, 0);
	put16(m + 4, IP_PING_ID);
	put16(m + 6, seq);
	for (size_t i = 0; i < len; i++)
		m[ICMP_HDR + i] = (uint8_t)(i + seq);
	put16(m + 2, csum(m, ICMP_HDR + len, 0));
	ip_send(s, mac, s->mac, ip, IP_ICMP, ICMP_HDR + len);
}

/* UDP checksum over the pseudo header (RFC 768); 0 is sent as 0xffff. */
static uint16_t udp_csum(uint32_t src, uint32_t dst, const uint8_t *u, size_t len)
{
	uint32_t sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + IP_UDP +
		       (uint32_t)len;
	uint16_t c = csum(u, len, sum);

	return c ? c : 0xffff;
}

static void udp_send(struct ip_stack *s, uint32_t ip, const uint8_t *mac, const uint8_t *src_mac,
		     uint16_t sport, uint16_t dport, size_t len)
{
	uint8_t *u = s->out + ETH_HDR + IP_HDR;

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(UDP_HDR + len));
	put16(u + 6, 0);
	put16(u + 6, udp_csum(s->ip, ip, u, UDP_HDR + len));
	ip_send(s, mac, src_mac, ip, IP_UDP, UDP_HDR + len);
}

void ip_udp(struct ip_stack *s, uint32_t ip, const uint8_t mac[6], const uint8_t src_mac[6],
	    const char *tag, uint32_t seq, size_t len)
{
	uint8_t *p = s->out + ETH_HDR + IP_HDR + UDP_HDR;
	size_t t = strlen(tag);

	if (len < t + 4)
		len = t + 4;
	if (len > 1400)
		len = 1400;
	memcpy(p, tag, t);
	put32(p + t, seq);
	for (size_t i = t + 4; i < len; i++)
		p[i] = (uint8_t)(i ^ seq);
	udp_send(s, ip, mac, src_mac, IP_CLIENT_PORT, IP_ECHO_PORT, len);
}

static void icmp_input(struct ip_stack *s, const uint8_t *f, const uint8_t *ip, const uint8_t *m,
		       size_t len)
{
	if (len < ICMP_HDR || csum(m, len, 0) != 0)
		return;
	if (m[0] == 0 && get16(m + 4) == IP_PING_ID && s->ops->ping_reply) {
		s->ops->ping_reply(s->ops->ctx, get32(ip + 12), get16(m + 6));
		return;
	}
	if (m[0] != 8 || len > sizeof(s->out) - ETH_HDR - IP_HDR)
		return;
	memmove(s->out + ETH_HDR + IP_HDR, m, len);
	s->out[ETH_HDR + IP_HDR] = 0;
	put16(s->out + ETH_HDR + IP_HDR + 2, 0);
	put16(s->out + ETH_HDR + IP_HDR + 2, csum(s->out + ETH_HDR + IP_HDR, len, 0));
	s->icmp_answered++;
	ip_send(s, f + 6, s->mac, get32(ip + 12), IP_ICMP, len);
}

static void udp_input(struct ip_stack *s, const uint8_t *f, const uint8_t *ip, const uint8_t *u,
		      size_t len)
{
	size_t n, t = strlen(IP_FORGED_TAG);
	uint16_t sport, dport;

	if (len < UDP_HDR || (n = get16(u + 4)) < UDP_HDR || n > len)
		return;
	sport = get16(u);
	dport = get16(u + 2);
	n -= UDP_HDR;
	if (n >= t && !memcmp(u + UDP_HDR, IP_FORGED_TAG, t) && s->ops->forged_seen)
		s->ops->forged_seen(s->ops->ctx, f + 6);
	if (dport == IP_CLIENT_PORT && sport == IP_ECHO_PORT) {
		size_t q = strlen(IP_SEQ_TAG);

		if (n >= q + 4 && !memcmp(u + UDP_HDR, IP_SEQ_TAG, q) && s->ops->udp_echoed)
			s->ops->udp_echoed(s->ops->ctx, get32(ip + 12), get32(u + UDP_HDR + q));
		return;
	}
	if (dport != IP_ECHO_PORT || n > sizeof(s->out) - ETH_HDR - IP_HDR - UDP_HDR)
		return;
	memmove(s->out + ETH_HDR + IP_HDR + UDP_HDR, u + UDP_HDR, n);
	s->udp_answered++;
	udp_send(s, get32(ip + 12), f + 6, s->mac, IP_ECHO_PORT, sport, n);
}

static void ipv4_input(struct ip_stack *s, const uint8_t *f, const uint8_t *h, size_t len)
{
	size_t ihl, total;

	if (len < IP_HDR || (h[0] >> 4) != 4 || (ihl = (h[0] & 15u) * 4) < IP_HDR ||
	    (total = get16(h + 2)) < ihl || total > len || csum(h, ihl, 0) != 0 ||
	    get32(h + 16) != s->ip || (get16(h + 6) & 0x3fff)) /* no fragments */
		return;
	arp_learn(s, get32(h + 12), f + 6);
	if (h[9] == IP_ICMP)
		icmp_input(s, f, h, h + ihl, total - ihl);
	else if (h[9] == IP_UDP)
		udp_input(s, f, h, h + ihl, total - ihl);
}

void ip_input(struct ip_stack *s, const uint8_t *f, size_t len)
{
	uint16_t type;

	if (len < ETH_HDR || (memcmp(f, s->mac, 6) && memcmp(f, bcast, 6))) {
		s->ignored++;
		return;
	}
	type = get16(f + 12);
	if (type == ETH_ARP)
		arp_input(s, f + ETH_HDR, len - ETH_HDR);
	else if (type == ETH_IP)
		ipv4_input(s, f, f + ETH_HDR, len - ETH_HDR);
	else
		s->ignored++;
}
