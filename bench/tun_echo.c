// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tun_echo - benchmark peer: the remote end of N point-to-point tunnels.
 *
 * It creates N TUN devices PREFIX1..PREFIXN (IFF_TUN | IFF_NO_PI, not
 * persistent: they vanish when the process exits) and answers every ICMP
 * echo request (IPv4 and IPv6) the kernel routes into them by writing the
 * echo reply back into the same device.  To the host this looks like N
 * real tunnels whose remote ends run on other machines.  The point is
 * accounting: the kernel receive path of each reply runs when this process
 * writes it, so that work is charged to this process and not to the
 * process being benchmarked (the sender of the echo requests).
 *
 * Usage (as root, normally inside a network namespace):
 *
 *	ip netns exec NS bench/tun_echo PREFIX N [READYFILE]
 *
 * Once all N devices exist, "ready\n" is written to READYFILE (if given);
 * the caller then adds addresses (e.g. with ip -batch) and sets the links
 * up.  SIGTERM or SIGINT prints a counter line to stderr and exits 0.
 *
 * Teardown: on exit the kernel unregisters the devices one by one, each
 * waiting for RCU (about 17 ms per device: 16384 devices took 4.5 min).
 * For many devices put them in a link group and delete them in one batch
 * first ("ip link set vtiX group G" for each, then "ip link del group G":
 * about 2 s for 16384); a device deleted from outside is closed here.
 *
 * Build (the benchmark script does this itself when the binary is missing
 * or older than this source):
 *
 *	cc -O2 -Wall -o bench/tun_echo bench/tun_echo.c
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#define MAX_DEVS 16384
#define MAX_EVENTS 256
#define MAX_PER_WAKEUP 64
#define EXTRA_FILES 64
#define REPLY_TTL 64

static volatile sig_atomic_t stop;

static unsigned char buf[65536];

static unsigned long replied4, replied6, dropped, write_errors;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: tun_echo PREFIX N [READYFILE]\n"
		"  creates TUN devices PREFIX1..PREFIXN (1 <= N <= %d)\n"
		"  and answers ICMP/ICMPv6 echo requests sent into them\n",
		MAX_DEVS);
}

static int num_digits(unsigned long n)
{
	int d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m'); all values in host order. */
static uint16_t csum_replace16(uint16_t hc, uint16_t m, uint16_t m_new)
{
	uint32_t sum = (uint32_t)(uint16_t)~hc + (uint16_t)~m + m_new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)(v & 0xff);
}

static uint16_t ip_hdr_csum(const unsigned char *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t len)
{
	unsigned char t;
	size_t i;

	for (i = 0; i < len; i++) {
		t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

/*
 * Turn an IPv4 ICMP echo request into the echo reply in place.
 * Returns the length to write back, or 0 if the packet is not a unicast
 * echo request we answer.
 */
static size_t echo4(unsigned char *p, size_t n)
{
	size_t ihl, tot;
	unsigned char *icmp;

	if (n < 20)
		return 0;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = get16(p + 2);
	if (ihl < 20 || tot < ihl + 8 || tot > n)
		return 0;
	if (p[9] != 1) /* IPPROTO_ICMP */
		return 0;
	if (get16(p + 6) & 0x3fff) /* MF or fragment offset */
		return 0;
	/* multicast/broadcast destination: a reply could not use it */
	if (p[16] >= 224 || memcmp(p + 16, "\xff\xff\xff\xff", 4) == 0)
		return 0;
	icmp = p + ihl;
	if (icmp[0] != 8 || icmp[1] != 0) /* echo request, code 0 */
		return 0;

	icmp[0] = 0; /* echo reply */
	put16(icmp + 2, csum_replace16(get16(icmp + 2), 0x0800, 0x0000));

	swap_bytes(p + 12, p + 16, 4);
	p[8] = REPLY_TTL;
	put16(p + 10, 0);
	put16(p + 10, ip_hdr_csum(p, ihl));
	return tot;
}

/* Same for IPv6 / ICMPv6 (no extension headers). */
static size_t echo6(unsigned char *p, size_t n)
{
	size_t tot;
	unsigned char *icmp;

	if (n < 40 + 8)
		return 0;
	tot = 40 + (size_t)get16(p + 4);
	if (tot < 40 + 8 || tot > n)
		return 0;
	if (p[6] != 58) /* IPPROTO_ICMPV6 */
		return 0;
	if (p[24] == 0xff) /* multicast destination */
		return 0;
	icmp = p + 40;
	if (icmp[0] != 128 || icmp[1] != 0) /* echo request, code 0 */
		return 0;

	/* pseudo-header sum is unchanged by swapping the addresses */
	icmp[0] = 129; /* echo reply */
	put16(icmp + 2, csum_replace16(get16(icmp + 2), 0x8000, 0x8100));

	swap_bytes(p + 8, p + 24, 16);
	p[7] = REPLY_TTL; /* hop limit */
	return tot;
}

/*
 * Answer up to MAX_PER_WAKEUP packets from fd.  Returns -1 if the device
 * is gone (deleted from outside, e.g. "ip link del"), 0 otherwise.
 */
static int handle_fd(int fd)
{
	ssize_t r, w;
	size_t len;
	int i;

	for (i = 0; i < MAX_PER_WAKEUP; i++) {
		r = read(fd, buf, sizeof(buf));
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			/* EBADFD: device deleted; it would poll as EPOLLERR */
			return -1;
		}
		if (r == 0)
			return 0;

		len = 0;
		switch (buf[0] >> 4) {
		case 4:
			len = echo4(buf, (size_t)r);
			break;
		case 6:
			len = echo6(buf, (size_t)r);
			break;
		}
		if (len == 0) {
			dropped++;
			continue;
		}

		w = write(fd, buf, len);
		if (w != (ssize_t)len) {
			write_errors++;
			continue;
		}
		if ((buf[0] >> 4) == 4)
			replied4++;
		else
			replied6++;
	}
	return 0;
}

static int raise_nofile(unsigned long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("tun_echo: getrlimit(RLIMIT_NOFILE)");
		return -1;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = need;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		rl.rlim_max = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		fprintf(stderr,
			"tun_echo: cannot raise RLIMIT_NOFILE to %lu: %s\n",
			need, strerror(errno));
		return -1;
	}
	return 0;
}

static int tun_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tun_echo: open /dev/net/tun: %s\n",
			strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strnlen(name, IFNAMSIZ - 1));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tun_echo: TUNSETIFF %s: %s\n", name,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int write_ready(const char *path)
{
	char tmp[4096];
	FILE *f;

	/* write a temporary file and rename it: readers never see it empty */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		fprintf(stderr, "tun_echo: READYFILE path too long\n");
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "tun_echo: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (fputs("ready\n", f) == EOF || fclose(f) == EOF) {
		fprintf(stderr, "tun_echo: write %s: %s\n", tmp,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "tun_echo: rename %s -> %s: %s\n", tmp, path,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct epoll_event ev, events[MAX_EVENTS];
	struct sigaction sa;
	const char *prefix, *p;
	char name[IFNAMSIZ];
	unsigned long n, i;
	char *end;
	int epfd, fd, nev, k;

	if (argc < 3 || argc > 4) {
		usage();
		return 2;
	}

	prefix = argv[1];
	if (prefix[0] == '\0') {
		fprintf(stderr, "tun_echo: PREFIX must not be empty\n");
		return 2;
	}
	for (p = prefix; *p; p++) {
		if (*p == '/' || *p == ':' || *p == '%' || *p <= ' ' ||
		    *p == 0x7f) {
			fprintf(stderr,
				"tun_echo: PREFIX '%s' contains an invalid character\n",
				prefix);
			return 2;
		}
	}

	for (p = argv[2]; *p; p++) {
		if (*p < '0' || *p > '9')
			break;
	}
	errno = 0;
	n = strtoul(argv[2], &end, 10);
	if (argv[2][0] == '\0' || *p != '\0' || *end != '\0' || errno ||
	    n < 1 || n > MAX_DEVS) {
		fprintf(stderr,
			"tun_echo: N '%s' must be an integer in 1..%d\n",
			argv[2], MAX_DEVS);
		return 2;
	}

	if (strlen(prefix) + (size_t)num_digits(n) > IFNAMSIZ - 1) {
		fprintf(stderr,
			"tun_echo: PREFIX '%s' too long: '%s%lu' exceeds %d characters\n",
			prefix, prefix, n, IFNAMSIZ - 1);
		return 2;
	}

	if (raise_nofile(n + EXTRA_FILES) < 0)
		return 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: let epoll_wait see EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		perror("tun_echo: epoll_create1");
		return 1;
	}

	for (i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "%s%lu", prefix, i);
		fd = tun_open(name);
		if (fd < 0)
			return 1;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			perror("tun_echo: epoll_ctl");
			return 1;
		}
		if (stop)
			goto out;
	}

	if (argc == 4 && write_ready(argv[3]) < 0)
		return 1;

	while (!stop) {
		nev = epoll_wait(epfd, events, MAX_EVENTS, 200);
		if (nev < 0) {
			if (errno == EINTR)
				continue;
			perror("tun_echo: epoll_wait");
			return 1;
		}
		for (k = 0; k < nev && !stop; k++) {
			fd = events[k].data.fd;
			if (handle_fd(fd) < 0) {
				epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
			}
		}
	}

out:
	fprintf(stderr,
		"tun_echo: replied4=%lu replied6=%lu dropped=%lu write_errors=%lu\n",
		replied4, replied6, dropped, write_errors);
	return 0;
}
