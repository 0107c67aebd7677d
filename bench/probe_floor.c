// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe_floor - the kernel's share of a probe, measured without vpnhad.
 *
 * It does what vpnhad's probe engine asks of the kernel, and nothing
 * else: one raw ICMP socket with the same options (echo-reply filter,
 * IP_PKTINFO, SO_TIMESTAMPNS, IP_FREEBIND, IP_TRANSPARENT,
 * IP_PMTUDISC_PROBE), one 40-byte echo request per tunnel per interval
 * on a shared grid of interval/20 (1 to 10 ms) woken by one timerfd,
 * sent with sendmmsg() in batches of 64, each bound to its tunnel's
 * interface and source address (IP_PKTINFO), and every reply read with
 * recvmmsg() (64 at a time, with its timestamp and arrival interface)
 * at the next wakeup.  No health bookkeeping, no scheduler, no event
 * loop: its CPU per probe is the floor under vpnhad's on the same
 * machine and tunnels (bench/probe_scale.py runs both, column *kernel
 * floor us/probe*).
 *
 * Usage (as root, in the namespace of the tunnels):
 *
 *	probe_floor PREFIX N INTERVAL_MS SECONDS [unbound|packet]
 *
 * Tunnel i (1..N) is interface PREFIX<i> with the /30 block i-1 of
 * 169.254.0.0/16: source .1, destination .2 (bench/probe_scale.py's
 * layout).  After one second of warm-up it measures SECONDS and prints
 * one JSON line: probes sent, send errors, replies read, CPU (user and
 * system, getrusage) and CPU per probe.  With "unbound" the probes carry
 * no IP_PKTINFO (the kernel routes them by destination alone, any
 * interface) and the replies no timestamp or arrival interface: what
 * those guarantees cost in the kernel.  With "packet" the probes go out
 * through an AF_PACKET socket straight to their tunnel's interface, IPv4
 * header built here: no route lookup, no netfilter OUTPUT hook, no
 * conntrack entry (replies read as in the default mode).
 *
 *	cc -O2 -Wall -o probe_floor bench/probe_floor.c
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <linux/icmp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif

#define BATCH 64
#define PROBE_LEN 40
#define IP_LEN 20
#define MAX_TUNNELS 16384

struct tunnel {
	int ifindex;
	struct in_addr src, dst;
};

static struct tunnel tun[MAX_TUNNELS];

static struct {
	uint8_t buf[BATCH][IP_LEN + PROBE_LEN];
	union {
		struct sockaddr_in in;
		struct sockaddr_ll ll;
	} dst[BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cmsg[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
	unsigned int n;
} tx;

static uint64_t sent, send_errors, replies;
static int bound = 1, packet;

static uint16_t cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static void flush(int fd)
{
	unsigned int i = 0;
	int ret;

	while (i < tx.n) {
		ret = sendmmsg(fd, &tx.msg[i], tx.n - i, 0);
		if (ret > 0) {
			sent += ret;
			i += ret;
		} else {
			send_errors++;
			i++;
		}
	}
	tx.n = 0;
}

static void queue(int fd, unsigned int t, uint16_t seq)
{
	unsigned int i, off = packet ? IP_LEN : 0;
	uint8_t *b;
	struct icmphdr *ic;
	struct cmsghdr *cm;
	struct in_pktinfo pi = {
		.ipi_ifindex = tun[t].ifindex,
		.ipi_spec_dst = tun[t].src,
	};

	if (tx.n == BATCH)
		flush(fd);
	i = tx.n++;
	b = tx.buf[i] + off;
	memset(b, 0x5a, PROBE_LEN);
	ic = (struct icmphdr *)b;
	ic->type = ICMP_ECHO;
	ic->code = 0;
	ic->un.echo.id = htons(t & 0xffff);
	ic->un.echo.sequence = htons(seq);
	ic->checksum = 0;
	ic->checksum = cksum(b, PROBE_LEN);
	tx.iov[i].iov_base = tx.buf[i];
	tx.iov[i].iov_len = off + PROBE_LEN;
	memset(&tx.msg[i], 0, sizeof(tx.msg[i]));
	tx.msg[i].msg_hdr.msg_name = &tx.dst[i];
	tx.msg[i].msg_hdr.msg_iov = &tx.iov[i];
	tx.msg[i].msg_hdr.msg_iovlen = 1;
	if (packet) {
		struct iphdr *ip = (struct iphdr *)tx.buf[i];

		memset(ip, 0, IP_LEN);
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(IP_LEN + PROBE_LEN);
		ip->frag_off = htons(IP_DF);
		ip->ttl = 64;
		ip->protocol = IPPROTO_ICMP;
		ip->saddr = tun[t].src.s_addr;
		ip->daddr = tun[t].dst.s_addr;
		ip->check = cksum(tx.buf[i], IP_LEN);
		memset(&tx.dst[i].ll, 0, sizeof(tx.dst[i].ll));
		tx.dst[i].ll.sll_family = AF_PACKET;
		tx.dst[i].ll.sll_protocol = htons(ETH_P_IP);
		tx.dst[i].ll.sll_ifindex = tun[t].ifindex;
		tx.msg[i].msg_hdr.msg_namelen = sizeof(tx.dst[i].ll);
		return;
	}
	tx.dst[i].in.sin_family = AF_INET;
	tx.dst[i].in.sin_addr = tun[t].dst;
	tx.msg[i].msg_hdr.msg_namelen = sizeof(tx.dst[i].in);
	if (!bound)
		return;
	tx.msg[i].msg_hdr.msg_control = tx.cmsg[i].buf;
	tx.msg[i].msg_hdr.msg_controllen = sizeof(tx.cmsg[i].buf);
	cm = (struct cmsghdr *)tx.cmsg[i].buf;
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
}

/* The same receive loop as vpnha_io_drain() (frr-plugin/vpnha_probe_io.c),
 * on purpose: the floor must ask the kernel for exactly the same. */
static void drain(int fd)
{
	static uint8_t buf[BATCH][1500];
	static struct sockaddr_in from[BATCH];
	static union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo)) +
			 CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} cbuf[BATCH];
	static struct iovec iov[BATCH];
	static struct mmsghdr msg[BATCH];
	int i, n;

	do {
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			msg[i].msg_hdr = (struct msghdr){
				.msg_name = &from[i],
				.msg_namelen = sizeof(from[i]),
				.msg_iov = &iov[i],
				.msg_iovlen = 1,
				.msg_control = bound ? cbuf[i].buf : NULL,
				.msg_controllen =
					bound ? sizeof(cbuf[i].buf) : 0,
			};
		}
		n = recvmmsg(fd, msg, BATCH, MSG_DONTWAIT, NULL);
		if (n > 0)
			replies += n;
	} while (n == BATCH);
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t cpu_us(struct rusage *ru)
{
	getrusage(RUSAGE_SELF, ru);
	return (int64_t)ru->ru_utime.tv_sec * 1000000 + ru->ru_utime.tv_usec +
	       (int64_t)ru->ru_stime.tv_sec * 1000000 + ru->ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
	struct icmp_filter filt = {.data = ~(1U << ICMP_ECHOREPLY)};
	int on = 1, pmtu = IP_PMTUDISC_PROBE, buf = 64 << 20;
	unsigned int n, i, slots, slot = 0;
	long interval_ms, seconds;
	int64_t q, start, end, next, c0 = 0, cu0 = 0, c1, cu1;
	uint64_t sent0 = 0, err0 = 0, rep0 = 0, exp;
	struct itimerspec its = {};
	struct rusage ru;
	uint16_t seq = 0;
	char name[IF_NAMESIZE + 8];
	int fd, sfd, tfd, warm = 1;

	if (argc == 6 && !strcmp(argv[5], "unbound"))
		bound = 0, argc--;
	else if (argc == 6 && !strcmp(argv[5], "packet"))
		packet = 1, argc--;
	if (argc != 5 || (n = strtoul(argv[2], NULL, 10)) < 1 ||
	    n > MAX_TUNNELS || (interval_ms = strtol(argv[3], NULL, 10)) < 1 ||
	    (seconds = strtol(argv[4], NULL, 10)) < 1) {
		fprintf(stderr,
			"usage: probe_floor PREFIX N INTERVAL_MS SECONDS [unbound|packet]\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		uint32_t base = 0xa9fe0000 + i * 4; /* 169.254.0.0/16 */

		snprintf(name, sizeof(name), "%s%u", argv[1], i + 1);
		tun[i].ifindex = if_nametoindex(name);
		if (!tun[i].ifindex) {
			fprintf(stderr, "probe_floor: %s: %s\n", name,
				strerror(errno));
			return 1;
		}
		tun[i].src.s_addr = htonl(base + 1);
		tun[i].dst.s_addr = htonl(base + 2);
	}
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_ICMP);
	/* Protocol 0: sends, receives nothing. */
	sfd = packet ? socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0) : fd;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0 || sfd < 0 || tfd < 0 ||
	    setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &bound, sizeof(bound)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)) <
		    0 ||
	    setsockopt(fd, IPPROTO_IP, IP_TRANSPARENT, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &bound, sizeof(bound)) <
		    0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0) {
		perror("probe_floor: socket");
		return 1;
	}
	q = interval_ms * 1000 / 20;
	q = q < 1000 ? 1000 : q > 10000 ? 10000 : q;
	slots = interval_ms * 1000 / q;
	start = mono_us();
	end = start + (1 + seconds) * 1000000LL;
	for (next = (start / q + 1) * q; next < end; next += q) {
		its.it_value.tv_sec = next / 1000000;
		its.it_value.tv_nsec = next % 1000000 * 1000;
		timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
		if (read(tfd, &exp, sizeof(exp)) < 0 && errno != EINTR) {
			perror("probe_floor: timerfd");
			return 1;
		}
		if (warm && next >= start + 1000000) {
			warm = 0;
			c0 = cpu_us(&ru);
			cu0 = (int64_t)ru.ru_utime.tv_sec * 1000000 +
			      ru.ru_utime.tv_usec;
			sent0 = sent, err0 = send_errors, rep0 = replies;
		}
		drain(fd);
		/* Tunnel i sends in slot i % slots, as vpnhad spreads
		 * them over its grid. */
		for (i = slot; i < n; i += slots)
			queue(sfd, i, seq);
		flush(sfd);
		if (++slot == slots) {
			slot = 0;
			seq++;
		}
	}
	drain(fd);
	c1 = cpu_us(&ru);
	cu1 = (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
	printf("{\"n\": %u, \"mode\": \"%s\", \"interval_ms\": %ld, "
	       "\"seconds\": %ld, "
	       "\"sent\": %llu, \"send_errors\": %llu, \"replies\": %llu, "
	       "\"cpu_us\": %lld, \"user_us\": %lld, "
	       "\"cpu_us_per_probe\": %.2f}\n",
	       n,
	       packet  ? "packet"
	       : bound ? "bound"
		       : "unbound",
	       interval_ms, seconds, (unsigned long long)(sent - sent0),
	       (unsigned long long)(send_errors - err0),
	       (unsigned long long)(replies - rep0), (long long)(c1 - c0),
	       (long long)(cu1 - cu0),
	       sent - sent0 ? (double)(c1 - c0) / (sent - sent0) : 0.0);
	return 0;
}
