// SPDX-License-Identifier: MIT
/* bhhostile.c - a hostile Linux guest's tools, a static x86-64 program without libc that
 * tests/system/test_virtio_net.py types into the guest (like bhexits.c). Run as root.
 *
 *   bhhostile frames IFINDEX SRC DST COUNT ETHERTYPE
 *       COUNT raw Ethernet frames (60 bytes) from MAC SRC to MAC DST on interface IFINDEX,
 *       as fast as the socket takes them: a forged source address, or a flood
 *   bhhostile desc IOBASE QUEUE CASE
 *       drives the legacy virtio-pci function whose I/O BAR is IOBASE itself (its driver
 *       unbound first, bus mastering on): resets it, sets queue QUEUE up in a 2 MiB huge page (physically
 *       contiguous: its frame from /proc/self/pagemap), offers one malformed chain and
 *       kicks; prints the device status afterwards ("status 0x4b": DEVICE_NEEDS_RESET 0x40
 *       set) and resets the device again. CASE: loop (a chain whose next is itself), far (a
 *       buffer 1 TiB up, past the guest's RAM), nested (an indirect table holding an
 *       indirect descriptor), ring (a queue frame past the guest's RAM)
 * Each line it prints starts "bhhostile: ". Exit status 0, or 1 with the reason.
 */
#include <stdint.h>

#define NR_WRITE 1
#define NR_OPEN 2
#define NR_CLOSE 3
#define NR_MMAP 9
#define NR_PREAD 17
#define NR_SOCKET 41
#define NR_SENDTO 44
#define NR_EXIT 60
#define NR_IOPL 172

typedef unsigned long ul;

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;

	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			 "r"(r9) : "rcx", "r11", "memory");
	return r;
}

static void out(const char *s)
{
	ul n = 0;

	while (s[n])
		n++;
	sys6(NR_WRITE, 1, (long)s, (long)n, 0, 0, 0);
}

static void die(const char *s)
{
	out("bhhostile: ");
	out(s);
	out("\n");
	sys6(NR_EXIT, 1, 0, 0, 0, 0, 0);
}

static ul num(const char *s)
{
	ul v = 0, base = 10;

	if (s[0] == '0' && s[1] == 'x')
		base = 16, s += 2;
	for (; *s; s++)
		v = v * base + (ul)(*s <= '9' ? *s - '0' : (*s | 32) - 'a' + 10);
	return v;
}

static void mac(const char *s, uint8_t m[6])
{
	for (int i = 0; i < 6; i++, s += 3) {
		char b[3] = { s[0], s[1], 0 };
		char h[5] = { '0', 'x', b[0], b[1], 0 };
		m[i] = (uint8_t)num(h);
	}
}

static void hex(ul v)
{
	char b[19] = "0x";
	int n = 2;

	for (int sh = 60; sh >= 0; sh -= 4)
		if ((v >> sh) & 15 || n > 2 || !sh)
			b[n++] = "0123456789abcdef"[(v >> sh) & 15];
	b[n] = 0;
	out(b);
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* ---- raw frames --------------------------------------------------------------------- */

struct sockaddr_ll {
	uint16_t family, protocol;
	int32_t ifindex;
	uint16_t hatype;
	uint8_t pkttype, halen;
	uint8_t addr[8];
};

static int frames(char **av)
{
	uint8_t f[60] = { 0 };
	struct sockaddr_ll to = { .family = 17, .protocol = 0x0300, .ifindex = (int)num(av[0]),
				  .halen = 6 };
	ul count = num(av[3]), type = num(av[4]), sent = 0;
	long s = sys6(NR_SOCKET, 17 /* AF_PACKET */, 3 /* SOCK_RAW */, 0, 0, 0, 0);

	if (s < 0)
		die("no packet socket");
	mac(av[2], f);
	mac(av[1], f + 6);
	mac(av[2], to.addr);
	f[12] = (uint8_t)(type >> 8), f[13] = (uint8_t)type;
	for (ul i = 0; i < count; i++) {
		f[14] = (uint8_t)i, f[15] = (uint8_t)(i >> 8);
		sent += sys6(NR_SENDTO, s, (long)f, sizeof(f), 0, (long)&to, sizeof(to)) == sizeof(f);
	}
	out("bhhostile: frames: ");
	hex(sent);
	out(" of ");
	hex(count);
	out(" sent\n");
	return 0;
}

/* ---- a malformed virtqueue ---------------------------------------------------------- */

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static int desc(char **av)
{
	uint16_t io = (uint16_t)num(av[0]), queue = (uint16_t)num(av[1]);
	const char *c = av[2];
	uint8_t *m = (uint8_t *)sys6(NR_MMAP, 0, 2 << 20, 3, 0x22 | 0x40000 /* HUGETLB */ | 0x2000,
				     -1, 0); /* PROT_RW, MAP_PRIVATE|ANON|HUGETLB|LOCKED */
	uint64_t ent = 0;
	long fd;

	if ((long)m < 0 && (long)m > -4096)
		die("no huge page (echo 2 > /proc/sys/vm/nr_hugepages)");
	m[0] = 1; /* fault it in */
	if ((fd = sys6(NR_OPEN, (long)"/proc/self/pagemap", 0, 0, 0, 0, 0)) < 0 ||
	    sys6(NR_PREAD, fd, (long)&ent, 8, (long)((ul)m >> 12) * 8, 0, 0) != 8 ||
	    !(ent >> 63) || !(ent & ((1ull << 55) - 1)))
		die("no frame number from /proc/self/pagemap");
	sys6(NR_CLOSE, fd, 0, 0, 0, 0, 0);
	uint64_t pa = (ent & ((1ull << 55) - 1)) << 12;
	if (sys6(NR_IOPL, 3, 0, 0, 0, 0, 0))
		die("iopl(3) refused");
	outb(io + 0x12, 0);                 /* reset */
	outb(io + 0x12, 1 | 2);             /* ACKNOWLEDGE | DRIVER */
	outl(io + 0x04, 1u << 28);          /* INDIRECT_DESC */
	outw(io + 0x0e, queue);
	uint16_t size = inw(io + 0x0c);
	if (!size || size > 1024)
		die("the queue has no size");
	struct desc *d = (struct desc *)m;
	uint16_t *avail = (uint16_t *)(m + 16 * size);
	struct desc *table = (struct desc *)(m + (1 << 20));
	d[0] = (struct desc){ pa + (1 << 19), 64, 2, 0 };
	if (streq(c, "loop"))
		d[0] = (struct desc){ pa + (1 << 19), 64, 1 | 2, 0 };
	else if (streq(c, "far"))
		d[0] = (struct desc){ 1ull << 40, 4096, 2, 0 };
	else if (streq(c, "nested")) {
		table[0] = (struct desc){ pa + (1 << 20) + 4096, 16, 4, 0 };
		d[0] = (struct desc){ pa + (1 << 20), 16, 4, 0 };
	} else if (!streq(c, "ring"))
		die("unknown case");
	avail[0] = 0, avail[2] = 0, avail[1] = 1; /* flags, ring[0] = head 0, idx 1 */
	outl(io + 0x08, streq(c, "ring") ? (uint32_t)(1ull << 28) : (uint32_t)(pa >> 12));
	outb(io + 0x12, 1 | 2 | 4);         /* DRIVER_OK */
	outw(io + 0x10, queue);             /* kick */
	uint8_t st = inb(io + 0x12);
	out("bhhostile: desc ");
	out(c);
	out(": status ");
	hex(st);
	out("\n");
	outb(io + 0x12, 0);                 /* reset: the device works again */
	return 0;
}

/* ---- entry -------------------------------------------------------------------------- */

int main_(long argc, char **argv);
int main_(long argc, char **argv)
{
	if (argc == 7 && streq(argv[1], "frames"))
		return frames(argv + 2);
	if (argc == 5 && streq(argv[1], "desc"))
		return desc(argv + 2);
	die("usage: bhhostile frames IFINDEX SRC DST COUNT ETHERTYPE | desc IOBASE QUEUE CASE");
	return 1;
}

__asm__(".globl _start\n_start:\n\tmov (%rsp), %rdi\n\tlea 8(%rsp), %rsi\n\tand $-16, %rsp\n"
	"\tcall main_\n\tmov %eax, %edi\n\tmov $60, %eax\n\tsyscall\n");
