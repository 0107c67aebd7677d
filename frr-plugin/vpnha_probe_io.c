// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad probe I/O: one raw ICMP socket and one raw ICMPv6 socket shared
 * by all health-checked tunnels (opened with the first probing tunnel
 * of the family, closed with the last).  A reply is demultiplexed to
 * its tunnel by ICMP identifier (unique per family, a hash table), and
 * must then have come through the tunnel interface, from the
 * health-check destination to the health-check source: what a socket
 * per tunnel, bound to the interface and to the source, gave for free
 * (IP_PKTINFO / IPV6_PKTINFO tell the arrival interface and address).
 * Probes leave through the tunnel interface with the source address:
 * IP_PKTINFO (ipi_ifindex, ipi_spec_dst) on sendmmsg() for IPv4, whose
 * route lookup is then restricted to that interface; for IPv6 the
 * output interface of IPV6_PKTINFO is only a preference (a probe would
 * leave through another interface when the tunnel's is down), so a
 * second ICMPv6 socket, receiving nothing, is bound to the tunnel
 * interface (SO_BINDTOIFINDEX) before each send.
 *
 * Why: with a socket per tunnel, the kernel delivered every reply to
 * every raw socket of the family in turn (a walk of N sockets per
 * packet) and the event loop polled N descriptors per wakeup: 14 us of
 * CPU per probe at 100 tunnels, 29 at 1 000 (bench/README.md).
 *
 * All tunnels share the daemon's single event loop: one timerfd armed
 * at the earliest event of the scheduler heap (probe sends on a shared
 * grid, the core's deadlines), one read event per shared socket
 * (recvmmsg(), bounded per event), and the probes due in one wakeup go
 * out in one sendmmsg().
 *
 * Packet building, parsing and verification, the health decision and
 * the timer heap are in the core (vpnha_probe.c, vpnha_health.c,
 * vpnha.c's entry points vpnha_tunnel_tick/_probe_input/_external,
 * vpnha_sched.c): this file only moves bytes and time, and arms its
 * timer at the deadline each entry point returns.
 *
 * It also makes sure the local health-check address is present on the
 * tunnel interface, since the peer probes it through the same tunnel:
 * if the interface lacks it, vpnhad adds "source peer destination" and
 * removes it again when the health check goes (never an address it did
 * not add).
 */
#include <zebra.h>

#include <netinet/icmp6.h>
#include <linux/icmp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <sys/timerfd.h>

#include "lib/bfd.h"
#include "lib/if.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/memory.h"
#include "lib/privs.h"
#include "lib/sockopt.h"
#include "lib/typesafe.h"
#include "lib/network.h"
#include "lib/vrf.h"

#include "vpnha_compat.h"
#include "vpnha_debug.h"
#include "vpnha_probe_io.h"
#include "vpnha_nl.h"
#include "vpnha_probe.h"
#include "vpnha_sched.h"
#include "vpnha_zebra_io.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12 /* Linux 4.20 */
#endif

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_IO, "VPN HA probe socket");

extern struct zebra_privs_t vpnha_privs;

/*
 * Timing: one timerfd for all tunnels, armed at the earliest of their
 * next events (probe send or health deadline) kept in the core's
 * scheduler heap (vpnha_sched.c).  libfrr 8.4's event loop rounds timer
 * waits down to whole milliseconds and then polls with a zero timeout
 * until the timer is due, which costs up to a millisecond of spinning
 * per timer: with one FRR timer per probe, 100 tunnels at 100 ms kept
 * half a core busy.  A timerfd wakes the loop exactly on time through an
 * ordinary read event.
 */
PREDECL_HASH(vpnha_io_idents);

struct vpnha_io {
	struct vpnha_sched_item sitm;	  /* next send or deadline */
	struct vpnha_io_idents_item iitm; /* in its socket's idents */
	bool probing;			  /* ICMP probes (not BFD) */
	bool registered;		  /* in iitm: replies come */
	uint16_t ident;			  /* t->probe_ident when registered */
	struct vpnha_tunnel *t;
	int family;
	int64_t next_send;		    /* monotonic us of the next probe */
	int64_t deadline;		    /* the core's, 0 = none */
	bool addr_added;		    /* we added the source address */
	ifindex_t added_ifindex;	    /* ... on this interface */
	struct ipaddr added_src, added_dst; /* ... as "src peer dst" */
	int send_errno;			    /* last send error, 0 when fine */
	struct bfd_session_params *bsp;	    /* health-check type bfd */
	vpnha_event_t *t_bfd_grace;
};

/* This adapter's share of the per-tunnel budget (vpnha.h): no socket,
 * no event of its own any more. */
_Static_assert(VPNHA_MALLOC_CHUNK(sizeof(struct vpnha_io)) <=
		       VPNHA_PROBE_IO_SIZE_MAX,
	       "probe adapter state per tunnel over its budget");
_Static_assert(VPNHA_MALLOC_CHUNK(sizeof(struct vpnha_tunnel)) +
			       VPNHA_PROBE_IO_SIZE_MAX <=
		       VPNHA_TUNNEL_MEM_MAX,
	       "per-tunnel memory over its budget");

static int vpnha_io_ident_cmp(const struct vpnha_io *a,
			      const struct vpnha_io *b)
{
	return numcmp(a->ident, b->ident);
}

/* The typesafe hash takes its slot from the top bits: spread them. */
static uint32_t vpnha_io_ident_hash(const struct vpnha_io *a)
{
	return (uint32_t)a->ident * 0x9e3779b1U;
}

DECLARE_HASH(vpnha_io_idents, struct vpnha_io, iitm, vpnha_io_ident_cmp,
	     vpnha_io_ident_hash);

/*
 * The shared socket of a family.  IPv6 has a second one to send with:
 * bound to each probe's tunnel interface in turn (see the top comment),
 * it never receives (ICMP6_FILTER blocks everything).
 */
struct vpnha_io_sock {
	int family;
	int fd;	 /* receives (and sends IPv4); -1 = closed */
	int sfd; /* IPv6: sends; -1 */
	int bufsize;
	bool open_failed;		    /* logged; cleared when it opens */
	bool neigh_warned;		    /* vpnha_io_neigh_check() */
	long neigh_limit;		    /* its gc_thresh3 as last read */
	struct vpnha_io_idents_head idents; /* the probing tunnels */
	vpnha_event_t *t_read;
};

static struct vpnha_io_sock vpnha_io_socks[2] = {
	{.family = AF_INET, .fd = -1, .sfd = -1},
	{.family = AF_INET6, .fd = -1, .sfd = -1},
};

static struct vpnha_io_sock *vpnha_io_sock_of(int family)
{
	return &vpnha_io_socks[family == AF_INET6];
}

/* Probes built but not sent yet: the ones due in this wakeup, sent
 * together (sendmmsg) when it ends or the batch is full. */
#define VPNHA_IO_BATCH 64

struct vpnha_io_batch {
	unsigned int n;
	struct vpnha_io *io[VPNHA_IO_BATCH];
	ifindex_t ifindex[VPNHA_IO_BATCH];
	int64_t sched[VPNHA_IO_BATCH]; /* scheduled send time */
	uint8_t buf[VPNHA_IO_BATCH][VPNHA_PROBE_LEN];
	union sockunion dst[VPNHA_IO_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cmsg[VPNHA_IO_BATCH];
	struct iovec iov[VPNHA_IO_BATCH];
	struct mmsghdr msg[VPNHA_IO_BATCH];
};

static struct vpnha_io_batch vpnha_io_batches[2];

/* Replies read per recvmmsg() call, calls per read event. */
#define VPNHA_IO_RX_BATCH 64
#define VPNHA_IO_RX_ROUNDS 4
/*
 * All the replies waiting (VPNHA_IO_RX_ALL), read before timeouts are
 * judged: one read late counts at its arrival (kernel timestamp), one
 * left in the socket would be a lost probe now and a late reply later.
 * Bounded all the same, so that a flood of forged replies cannot hold
 * the loop: four replies per tunnel of the socket.
 */
#define VPNHA_IO_RX_ALL (-1)

/*
 * Engine counters ("show vpn-ha gateway json", probeEngine): how late
 * probes were sent after their scheduled time, in power-of-two buckets
 * of microseconds (bucket i: below 2^i us; the last one: the rest).
 */
#define VPNHA_IO_LATE_BUCKETS 20

static struct {
	uint64_t sent, send_errors;
	uint64_t replies, unmatched; /* read; for no tunnel */
	uint64_t late[VPNHA_IO_LATE_BUCKETS];
	/* The timer's own wakeups after the time it was armed for: the
	 * event loop's (and the machine's) part of the lateness. */
	uint64_t wake_late[VPNHA_IO_LATE_BUCKETS];
	int64_t late_max;
	uint64_t rx_calls, tx_calls;
	uint64_t rx_events; /* read events (the rest: read by the timer) */
	uint64_t overdue;   /* sent VPNHA_PROBE_OVERDUE_US late or more */
} vpnha_io_stats;

/* vpnha_probe.h: probes sent VPNHA_PROBE_OVERDUE_US late, judged per period. */
static struct vpnha_probe_overload vpnha_io_overload;

static struct vpnha_sched vpnha_sched;
static int vpnha_timer_fd = -1;
static int64_t vpnha_timer_armed; /* absolute us, 0 = disarmed */
static vpnha_event_t *t_timer;

static void vpnha_io_schedule(struct vpnha_io *io, int64_t deadline);

/* Address management (netlink) ------------------------------------------ */

static int vpnha_io_addr_msg(int type, int flags, ifindex_t ifindex,
			     const struct ipaddr *src, const struct ipaddr *dst)
{
	struct {
		struct nlmsghdr n;
		struct ifaddrmsg ifa;
		char buf[64];
	} req = {};
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	struct rtattr *rta;
	size_t alen = IS_IPADDR_V4(src) ? 4 : 16;
	int fd, ret = 0;
	static uint32_t seq;
	uint8_t ack[512];
	ssize_t got;

	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.n.nlmsg_type = type;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	req.n.nlmsg_seq = ++seq;
	req.ifa.ifa_family = IS_IPADDR_V4(src) ? AF_INET : AF_INET6;
	req.ifa.ifa_prefixlen = alen * 8;
	req.ifa.ifa_index = ifindex;

	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.n.nlmsg_len));
	rta->rta_type = IFA_LOCAL;
	rta->rta_len = RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta), &src->ip, alen);
	req.n.nlmsg_len = NLMSG_ALIGN(req.n.nlmsg_len) + rta->rta_len;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.n.nlmsg_len));
	rta->rta_type = IFA_ADDRESS;
	rta->rta_len = RTA_LENGTH(alen);
	memcpy(RTA_DATA(rta), &dst->ip, alen);
	req.n.nlmsg_len = NLMSG_ALIGN(req.n.nlmsg_len) + rta->rta_len;

	frr_with_privs (&vpnha_privs) {
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (fd < 0)
			return -errno;
		if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&nl,
			   sizeof(nl)) < 0)
			ret = -errno;
		else if ((got = recv(fd, ack, sizeof(ack), 0)) < 0)
			ret = -errno;
		else
			ret = vpnha_nl_ack(ack, got, req.n.nlmsg_seq);
		close(fd);
	}
	return ret;
}

/*
 * Is the tunnel's health-check source address on its interface?  The
 * kernel's answer (an address dump), not zebra's view: that lags behind
 * our own RTM_DELADDR, and behind whoever else changes addresses.
 * Returns 1 or 0, or a negative errno when the kernel could not be asked.
 */
static int vpnha_io_addr_in_kernel(const struct vpnha_tunnel *t)
{
	struct {
		struct nlmsghdr n;
		struct ifaddrmsg ifa;
	} req = {};
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	bool v4 = IS_IPADDR_V4(&t->hc.source);
	static uint8_t buf[32768]; /* a dump part is at most 32 KiB */
	ssize_t got;
	int fd, ret, one = 1;
	static uint32_t seq;

	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.n.nlmsg_type = RTM_GETADDR;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.n.nlmsg_seq = ++seq;
	req.ifa.ifa_family = v4 ? AF_INET : AF_INET6;
	req.ifa.ifa_index = t->ifindex;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* Strict: the kernel dumps only ifa_index's addresses (Linux
	 * 4.20); otherwise every address of the family, for every tunnel
	 * started: O(N^2), seconds at 10 000 tunnels.  Filtered below
	 * either way. */
	setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&nl,
		   sizeof(nl)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	do {
		got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0)
			ret = errno == EINTR ? VPNHA_NL_MORE : -errno;
		else
			ret = vpnha_nl_addr_find(buf, got, req.n.nlmsg_seq,
						 req.ifa.ifa_family, t->ifindex,
						 &t->hc.source.ip, v4 ? 4 : 16);
	} while (ret == VPNHA_NL_MORE && got != 0);
	close(fd);
	if (ret == VPNHA_NL_MORE) /* the socket closed mid-dump */
		return -EBADMSG;
	return ret < 0 ? ret : ret == VPNHA_NL_FOUND;
}

/* Is addr the tunnel's health-check source address? */
static bool vpnha_io_is_source(const struct vpnha_tunnel *t,
			       const struct prefix *addr)
{
	if (IS_IPADDR_V4(&t->hc.source))
		return addr->family == AF_INET &&
		       IPV4_ADDR_SAME(&addr->u.prefix4,
				      &t->hc.source.ipaddr_v4);
	if (IS_IPADDR_V6(&t->hc.source))
		return addr->family == AF_INET6 &&
		       IPV6_ADDR_SAME(&addr->u.prefix6,
				      &t->hc.source.ipaddr_v6);
	return false;
}

/*
 * Which interface of t's VRF has the source address (zebra's view), or
 * NULL.  The tunnel's own interface first: where it normally is, found
 * without walking every interface of the VRF (a show of 10 000 tunnels
 * would otherwise be O(N^2): 48 s of CPU).
 */
static struct interface *vpnha_io_addr_owner(const struct vpnha_tunnel *t)
{
	vrf_id_t vrf_id = vpnha_zebra_vrf_id(t->vrf);
	struct interface *ifp;
	struct connected *c;

	if (vrf_id == VRF_UNKNOWN)
		return NULL;
	ifp = t->ifindex != IFINDEX_INTERNAL
		      ? if_lookup_by_index(t->ifindex, vrf_id)
		      : NULL;
	if (ifp)
		vpnha_if_connected_each (ifp, c)
			if (c->address && vpnha_io_is_source(t, c->address))
				return ifp;
	return if_lookup_address_local(
		&t->hc.source.ip,
		IS_IPADDR_V4(&t->hc.source) ? AF_INET : AF_INET6, vrf_id);
}

static void vpnha_io_addr_ensure(struct vpnha_io *io)
{
	struct vpnha_tunnel *t = io->t;
	int ret;
	struct interface *owner;

	if (io->addr_added)
		return;
	ret = vpnha_io_addr_in_kernel(t);
	if (ret < 0)
		zlog_warn(
			"tunnel %s: cannot read the addresses of %s from the kernel: %s",
			t->name, t->ifname, safe_strerror(-ret));
	if (ret != 0)
		return; /* there (someone's, not ours), or unknown */
	owner = vpnha_io_addr_owner(t);
	if (owner && owner->ifindex != t->ifindex) {
		/* Someone put it elsewhere on purpose: leave it alone. */
		zlog_warn(
			"tunnel %s: health-check address %pIA is on %s, not on %s: the peer's probes may not be answered through the tunnel",
			t->name, &t->hc.source, owner->name, t->ifname);
		return;
	}
	ret = vpnha_io_addr_msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
				t->ifindex, &t->hc.source, &t->hc.destination);
	if (ret == 0) {
		io->addr_added = true;
		io->added_ifindex = t->ifindex;
		io->added_src = t->hc.source;
		io->added_dst = t->hc.destination;
		zlog_info(
			"tunnel %s: added health-check address %pIA peer %pIA to %s",
			t->name, &t->hc.source, &t->hc.destination, t->ifname);
	} else if (ret != -EEXIST)
		zlog_warn(
			"tunnel %s: health-check address %pIA is not on %s and could not be added: %s",
			t->name, &t->hc.source, t->ifname, safe_strerror(-ret));
}

static void vpnha_io_addr_release(struct vpnha_io *io)
{
	struct vpnha_tunnel *t = io->t;

	if (!io->addr_added)
		return;
	io->addr_added = false;
	/* What we added, not the (possibly already changed) config. */
	if (vpnha_io_addr_msg(RTM_DELADDR, 0, io->added_ifindex, &io->added_src,
			      &io->added_dst) == 0)
		zlog_info(
			"tunnel %s: removed health-check address %pIA from %s",
			t->name, &io->added_src, t->ifname);
}

void vpnha_io_address_deleted(ifindex_t ifindex, const struct prefix *addr)
{
	struct vpnha_tunnel *t;

	frr_each (vpnha_tunnels, &vpnha->tunnels, t) {
		struct vpnha_io *io = t->io;

		/* Only the health-check source address matters, and only
		 * when the kernel no longer has it on the tunnel. */
		if (!io || t->ifindex != ifindex ||
		    !vpnha_io_is_source(t, addr) ||
		    vpnha_io_addr_in_kernel(t) != 0)
			continue;
		/* Ours or not, it is gone: add it again. */
		zlog_info(
			"tunnel %s: health-check address %pIA was removed from %s",
			t->name, &t->hc.source, t->ifname);
		io->addr_added = false;
		vpnha_io_addr_ensure(io);
	}
}

const char *vpnha_io_source_status(const struct vpnha_tunnel *t)
{
	const struct vpnha_io *io = t->io;
	struct interface *owner = vpnha_io_addr_owner(t);

	if (!owner)
		return "missing";
	if (owner->ifindex != t->ifindex)
		return "on another interface";
	return io && io->addr_added ? "added by vpnhad" : "present";
}

/* Sockets ----------------------------------------------------------------- */

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62 /* Linux 5.0 */
#endif

static void vpnha_io_read(vpnha_event_t *e);
static void vpnha_io_rx_arm(int64_t when);

/*
 * Socket buffers for the replies of a whole send slot (one burst: all
 * of them may be queued before the loop reads one), about 1 KiB of
 * kernel memory each: 2 KiB per tunnel, at least 256 KiB, at most
 * 64 MiB.  SO_RCVBUFFORCE (CAP_NET_ADMIN), as net.core.rmem_max is
 * only 208 KiB by default; the send buffer likewise, for the probes of
 * a slot that wait for a slow (crypto) tunnel device.
 */
static void vpnha_io_sock_size(struct vpnha_io_sock *s)
{
	size_t users = vpnha_io_idents_count(&s->idents);
	int want = users > 32768 ? 64 << 20 : MAX((int)users * 2048, 256 << 10);
	int ret = 0;

	if (s->fd < 0 || want <= s->bufsize)
		return;
	/* Grow by doubling: a setsockopt per tunnel started is cheap, but
	 * 10 000 of them in a configuration commit are not. */
	want = MIN(MAX(want, s->bufsize * 2), 64 << 20);
	frr_with_privs (&vpnha_privs) {
		if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &want,
			       sizeof(want)) < 0 ||
		    setsockopt(s->sfd >= 0 ? s->sfd : s->fd, SOL_SOCKET,
			       SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
			ret = -1;
	}
	if (ret < 0) {
		/* No CAP_NET_ADMIN: as much as rmem_max / wmem_max allow. */
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
		setsockopt(s->sfd >= 0 ? s->sfd : s->fd, SOL_SOCKET, SO_SNDBUF,
			   &want, sizeof(want));
	}
	s->bufsize = want;
}

static int vpnha_io_raw_socket(int family)
{
	int fd;

	frr_with_privs (&vpnha_privs) {
		fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	}
	return fd;
}

/* Open the shared socket(s) of s's family, if not open yet. */
static int vpnha_io_sock_open(struct vpnha_io_sock *s)
{
	int on = 1, pmtu = IP_PMTUDISC_PROBE;

	if (s->fd >= 0)
		return 0;
	s->fd = vpnha_io_raw_socket(s->family);
	if (s->fd < 0)
		goto fail;
	if (s->family == AF_INET) {
		struct icmp_filter filt = {
			.data = ~(1U << ICMP_ECHOREPLY),
		};

		/* Echo replies only; where they arrived and to which
		 * address; probes from a source address not (yet) on the
		 * interface. */
		if (setsockopt(s->fd, SOL_RAW, ICMP_FILTER, &filt,
			       sizeof(filt)) < 0 ||
		    setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) <
			    0 ||
		    setsockopt(s->fd, IPPROTO_IP, IP_FREEBIND, &on,
			       sizeof(on)) < 0)
			goto fail;
		/* Don't fragment (a 60-byte probe never needs it): then the
		 * kernel leaves the IP ID 0 instead of hashing one per
		 * packet (__ip_select_ident, 4 % of the CPU at 1 000
		 * tunnels). */
		setsockopt(s->fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu,
			   sizeof(pmtu));
		/*
		 * Transparent: the kernel then skips its check that the
		 * source address is local (__ip_dev_find(), a walk of a
		 * 256-bucket hash of every IPv4 address: 15 % of the CPU
		 * at 10 000 tunnels).  The source is the tunnel's own
		 * health-check address, which vpnhad keeps on the tunnel
		 * (vpnha_io_addr_ensure()); if it is missing all the same,
		 * no reply can reach us and the tunnel goes down, as it
		 * did when the send failed.  Needs CAP_NET_RAW or
		 * CAP_NET_ADMIN (vpnhad has both): without, only slower.
		 */
		frr_with_privs (&vpnha_privs) {
			setsockopt(s->fd, IPPROTO_IP, IP_TRANSPARENT, &on,
				   sizeof(on));
		}
	} else {
		struct icmp6_filter filt;

		ICMP6_FILTER_SETBLOCKALL(&filt);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
		if (setsockopt(s->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
			       sizeof(filt)) < 0 ||
		    setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
			       sizeof(on)) < 0)
			goto fail;
		s->sfd = vpnha_io_raw_socket(AF_INET6);
		if (s->sfd < 0)
			goto fail;
		ICMP6_FILTER_SETBLOCKALL(&filt);
		if (setsockopt(s->sfd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
			       sizeof(filt)) < 0 ||
		    setsockopt(s->sfd, IPPROTO_IPV6, IPV6_FREEBIND, &on,
			       sizeof(on)) < 0)
			goto fail;
	}
	/* Arrival times from the kernel: a reply read late (the daemon was
	 * busy) counts when it came. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
		goto fail;
	s->bufsize = 0;
	vpnha_io_sock_size(s);
	vpnha_io_rx_arm(0);
	if (VPNHA_DEBUG(probe) || s->open_failed)
		zlog_info("probe socket (%s) opened",
			  s->family == AF_INET ? "ICMP" : "ICMPv6");
	s->open_failed = false;
	return 0;

fail:
	/* Tried again at each probe of a tunnel without it: logged once. */
	if (!s->open_failed)
		zlog_warn("cannot open the %s probe socket: %s",
			  s->family == AF_INET ? "ICMP" : "ICMPv6",
			  safe_strerror(errno));
	s->open_failed = true;
	if (s->fd >= 0)
		close(s->fd);
	if (s->sfd >= 0)
		close(s->sfd);
	s->fd = s->sfd = -1;
	return -1;
}

static void vpnha_io_sock_close(struct vpnha_io_sock *s)
{
	if (s->fd < 0)
		return;
	VPNHA_EVENT_OFF(s->t_read);
	close(s->fd);
	if (s->sfd >= 0)
		close(s->sfd);
	s->fd = s->sfd = -1;
	s->bufsize = 0;
	if (VPNHA_DEBUG(probe))
		zlog_debug("probe socket (%s) closed",
			   s->family == AF_INET ? "ICMP" : "ICMPv6");
}

/*
 * Every tunnel interface has a neighbour entry for its peer (a point to
 * point one too), and the kernel's table holds gc_thresh3 of them (1024
 * by default, one table for all namespaces).  Beyond it, an entry is
 * recycled on nearly every probe, each time with a netlink message
 * zebra reads (10 000 tunnels: 8 % of vpnhad's CPU, 30 % of zebra's).
 * Said once, when the tunnels of a family first outnumber the limit; the
 * file is read again only then.
 */
static void vpnha_io_neigh_check(struct vpnha_io_sock *s)
{
	const char *fam = s->family == AF_INET ? "ipv4" : "ipv6";
	size_t n = vpnha_io_idents_count(&s->idents);
	char path[64];
	long limit = -1;
	FILE *f;

	if (s->neigh_warned || n <= (size_t)s->neigh_limit)
		return;
	snprintf(path, sizeof(path),
		 "/proc/sys/net/%s/neigh/default/gc_thresh3", fam);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &limit) != 1)
			limit = -1;
		fclose(f);
	}
	if (limit < 0) {
		s->neigh_warned = true; /* unknown: never mind */
		return;
	}
	s->neigh_limit = limit;
	if (n <= (size_t)limit)
		return;
	s->neigh_warned = true;
	zlog_warn(
		"%zu tunnels probe over %s, more than the kernel's neighbour table holds (net.%s.neigh.default.gc_thresh3 = %ld): its entries will be recycled on nearly every probe; raise gc_thresh1-3 above the number of tunnels",
		n, s->family == AF_INET ? "IPv4" : "IPv6", fam, limit);
}

/*
 * Take io's tunnel into its family's socket: the socket opened if it is
 * the first, an identifier no other tunnel of the family has (a new
 * random one while taken: replies are told apart by it).
 */
static int vpnha_io_register(struct vpnha_io *io)
{
	struct vpnha_io_sock *s = vpnha_io_sock_of(io->family);
	struct vpnha_tunnel *t = io->t;
	struct vpnha_io key;

	if (vpnha_io_sock_open(s) < 0)
		return -1;
	key.ident = t->probe_ident;
	while (vpnha_io_idents_find(&s->idents, &key)) {
		vpnha_probe_random(&t->probe_ident, sizeof(t->probe_ident));
		key.ident = t->probe_ident;
	}
	io->ident = t->probe_ident;
	vpnha_io_idents_add(&s->idents, io);
	io->registered = true;
	vpnha_io_sock_size(s);
	vpnha_io_neigh_check(s);
	return 0;
}

static void vpnha_io_unregister(struct vpnha_io *io)
{
	struct vpnha_io_sock *s = vpnha_io_sock_of(io->family);

	if (!io->registered)
		return;
	vpnha_io_idents_del(&s->idents, io);
	io->registered = false;
	if (!vpnha_io_idents_count(&s->idents))
		vpnha_io_sock_close(s);
}

/*
 * Inside the timer, read and yield handlers, which requeue many tunnels
 * in turn, the timerfd is armed once at the end (one timerfd_settime()
 * per wakeup, not one per tunnel whose requeue moved the earliest
 * event).
 */
static int vpnha_io_busy;

/*
 * A read event for each open socket whose replies the next timer wakeup
 * (when, absolute us; 0: none) would not read soon enough, see
 * VPNHA_PROBE_RX_COALESCE_US.  One already armed stays armed.
 */
static void vpnha_io_rx_arm(int64_t when)
{
	struct vpnha_io_sock *s;
	int64_t now = 0;

	for (s = vpnha_io_socks; s < vpnha_io_socks + 2; s++) {
		if (s->fd < 0 || s->t_read)
			continue;
		if (when && !now)
			now = vpnha->now();
		if (vpnha_probe_rx_can_wait(now, when))
			continue;
		vpnha_add_read(master, vpnha_io_read, s, s->fd, &s->t_read);
	}
}

/* Arm the timerfd for the earliest event, if that changed, and the read
 * events the replies then need. */
static void vpnha_io_sched_arm(void)
{
	int64_t when = vpnha_sched_next(&vpnha_sched);
	struct itimerspec its = {};

	if (vpnha_io_busy)
		return;
	if (vpnha_timer_fd >= 0 && when != vpnha_timer_armed) {
		vpnha_timer_armed = when;
		if (when) {
			its.it_value.tv_sec = when / 1000000;
			its.it_value.tv_nsec = (when % 1000000) * 1000;
		}
		if (timerfd_settime(vpnha_timer_fd, TFD_TIMER_ABSTIME, &its,
				    NULL) < 0)
			zlog_err("probe timer: timerfd_settime: %s",
				 safe_strerror(errno));
	}
	/* No timer (it could not be created): nothing else reads them. */
	vpnha_io_rx_arm(vpnha_timer_fd >= 0 ? when : 0);
}

/*
 * The core returned the tunnel's next deadline: (re)queue the tunnel at
 * the earlier of it and its next probe.
 */
static void vpnha_io_schedule(struct vpnha_io *io, int64_t deadline)
{
	io->deadline = deadline;
	vpnha_sched_set(
		&vpnha_sched, &io->sitm,
		vpnha_sched_min(io->probing ? io->next_send : 0, deadline));
	vpnha_io_sched_arm();
}

/* Sending ----------------------------------------------------------------- */

static void vpnha_io_sent(struct vpnha_io *io, int err)
{
	struct vpnha_tunnel *t = io->t;

	/* The probe counts as sent either way: it will time out. */
	if (err && io->send_errno != err)
		zlog_warn("tunnel %s: probe to %pIA failed: %s", t->name,
			  &t->hc.destination, safe_strerror(err));
	io->send_errno = err;
	if (err)
		vpnha_io_stats.send_errors++;
	else
		vpnha_io_stats.sent++;
}

/* Histogram bucket of a lateness: below 2^bucket us. */
static int vpnha_io_late_bucket(int64_t late)
{
	int bucket = late > 0 ? 64 - __builtin_clzll((uint64_t)late) : 0;

	return MIN(bucket, VPNHA_IO_LATE_BUCKETS - 1);
}

/* At each flush: an overload started or ended?  Said once each. */
static void vpnha_io_overload_check(int64_t now)
{
	struct vpnha_probe_overload *o = &vpnha_io_overload;
	int change = vpnha_probe_overload_update(
		o, now, vpnha_io_stats.sent + vpnha_io_stats.send_errors,
		vpnha_io_stats.overdue);

	if (change > 0)
		zlog_warn(
			"probe engine overloaded: %" PRIu64 " of %" PRIu64
			" probes in the last %lld s left %d ms late or more (this CPU does not keep up with %zu tunnels at their intervals: failures are detected later than configured)",
			o->period_overdue, o->period_sent,
			(long long)o->period_us / 1000000,
			VPNHA_PROBE_OVERDUE_US / 1000,
			vpnha_io_idents_count(&vpnha_io_socks[0].idents) +
				vpnha_io_idents_count(
					&vpnha_io_socks[1].idents));
	else if (change < 0)
		zlog_info("probe engine no longer overloaded: %" PRIu64
			  " of %" PRIu64 " probes late in the last %lld s",
			  o->period_overdue, o->period_sent,
			  (long long)o->period_us / 1000000);
}

/* Send the probes of a family's batch. */
static void vpnha_io_flush(int family)
{
	struct vpnha_io_sock *s = vpnha_io_sock_of(family);
	struct vpnha_io_batch *b = &vpnha_io_batches[family == AF_INET6];
	unsigned int i = 0, k;
	int64_t now;
	int ret;

	if (!b->n)
		return;
	if (s->fd < 0) {
		for (i = 0; i < b->n; i++)
			vpnha_io_sent(b->io[i], EBADF);
	} else if (family == AF_INET) {
		/* On a partial send, the first one not sent failed: its
		 * error is the next call's. */
		while (i < b->n) {
			vpnha_io_stats.tx_calls++;
			ret = sendmmsg(s->fd, &b->msg[i], b->n - i, 0);
			if (ret > 0) {
				for (k = i; k < i + (unsigned int)ret; k++)
					vpnha_io_sent(b->io[k], 0);
				i += ret;
			} else {
				vpnha_io_sent(b->io[i], ret < 0 ? errno : EIO);
				i++;
			}
		}
	} else {
		/* Bound to the tunnel interface: the route lookup is
		 * restricted to it (IPV6_PKTINFO alone is not).  Rebinding a
		 * bound socket needs CAP_NET_RAW. */
		frr_with_privs (&vpnha_privs) {
			for (i = 0; i < b->n; i++) {
				int err = 0;

				vpnha_io_stats.tx_calls++;
				if (setsockopt(s->sfd, SOL_SOCKET,
					       SO_BINDTOIFINDEX, &b->ifindex[i],
					       sizeof(b->ifindex[i])) < 0 ||
				    sendmsg(s->sfd, &b->msg[i].msg_hdr, 0) < 0)
					err = errno;
				b->msg[i].msg_len = err;
			}
		}
		for (i = 0; i < b->n; i++)
			vpnha_io_sent(b->io[i], b->msg[i].msg_len);
	}
	/* How late after their scheduled time they left. */
	now = vpnha->now();
	for (i = 0; i < b->n; i++) {
		int64_t late = now - b->sched[i];

		vpnha_io_stats.late[vpnha_io_late_bucket(late)]++;
		if (late > vpnha_io_stats.late_max)
			vpnha_io_stats.late_max = late;
		if (late >= VPNHA_PROBE_OVERDUE_US)
			vpnha_io_stats.overdue++;
	}
	b->n = 0;
	vpnha_io_overload_check(now);
}

static void vpnha_io_flush_all(void)
{
	vpnha_io_flush(AF_INET);
	vpnha_io_flush(AF_INET6);
}

/* A probe for io's tunnel, scheduled at sched: into the batch. */
static void vpnha_io_queue(struct vpnha_io *io,
			   const struct vpnha_probe_out *probe, int64_t sched)
{
	struct vpnha_tunnel *t = io->t;
	struct vpnha_io_batch *b = &vpnha_io_batches[io->family == AF_INET6];
	struct mmsghdr *m;
	struct cmsghdr *cm;
	unsigned int i;

	if (b->n == VPNHA_IO_BATCH)
		vpnha_io_flush(io->family);
	i = b->n++;
	b->io[i] = io;
	b->ifindex[i] = t->ifindex;
	b->sched[i] = sched;
	memcpy(b->buf[i], probe->buf, probe->len);
	b->iov[i].iov_base = b->buf[i];
	b->iov[i].iov_len = probe->len;
	m = &b->msg[i];
	memset(m, 0, sizeof(*m));
	memset(&b->dst[i], 0, sizeof(b->dst[i]));
	memset(&b->cmsg[i], 0, sizeof(b->cmsg[i]));
	m->msg_hdr.msg_name = &b->dst[i];
	m->msg_hdr.msg_iov = &b->iov[i];
	m->msg_hdr.msg_iovlen = 1;
	m->msg_hdr.msg_control = b->cmsg[i].buf;
	cm = (struct cmsghdr *)b->cmsg[i].buf;
	if (io->family == AF_INET) {
		struct in_pktinfo pi = {
			.ipi_ifindex = t->ifindex,
			.ipi_spec_dst = t->hc.source.ipaddr_v4,
		};

		b->dst[i].sin.sin_family = AF_INET;
		b->dst[i].sin.sin_addr = t->hc.destination.ipaddr_v4;
		m->msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		m->msg_hdr.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = {
			.ipi6_ifindex = t->ifindex,
			.ipi6_addr = t->hc.source.ipaddr_v6,
		};

		b->dst[i].sin6.sin6_family = AF_INET6;
		b->dst[i].sin6.sin6_addr = t->hc.destination.ipaddr_v6;
		b->dst[i].sin6.sin6_scope_id = t->ifindex;
		m->msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		m->msg_hdr.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
}

/* Before io goes: its queued probe, if any, leaves now (with the
 * others) rather than later with a dangling pointer. */
static void vpnha_io_unqueue(struct vpnha_io *io)
{
	struct vpnha_io_batch *b = &vpnha_io_batches[io->family == AF_INET6];
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (b->io[i] == io) {
			vpnha_io_flush(io->family);
			return;
		}
}

static void vpnha_io_run(struct vpnha_io *io, int64_t now);
static void vpnha_io_drain_all(int rounds);

static void vpnha_io_timer(vpnha_event_t *e)
{
	struct vpnha_sched_item *it;
	uint64_t expirations;
	int64_t now;
	size_t bound = vpnha_sched_count(&vpnha_sched) * 2 + 1;

	vpnha_add_read(master, vpnha_io_timer, NULL, vpnha_timer_fd, &t_timer);
	if (read(vpnha_timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		zlog_err("probe timer: read: %s", safe_strerror(errno));
	if (vpnha_timer_armed)
		vpnha_io_stats.wake_late[vpnha_io_late_bucket(
			vpnha->now() - vpnha_timer_armed)]++;
	vpnha_timer_armed = 0;

	vpnha_io_busy++;
	/* Every reply already queued first: not taken for a lost probe
	 * when its timeout is due in this wakeup. */
	vpnha_io_drain_all(VPNHA_IO_RX_ALL);
	now = vpnha->now();
	/* Bounded: every run moves its tunnel's next event past now. */
	while (bound-- && (it = vpnha_sched_pop_due(&vpnha_sched, now)))
		vpnha_io_run(container_of(it, struct vpnha_io, sitm), now);
	vpnha_io_flush_all();
	vpnha_io_busy--;
	vpnha_io_sched_arm();
}

/*
 * Probe send times sit on a grid of interval/20 (1 to 10 ms), shared by
 * all tunnels: the sends of many tunnels then take one wakeup and their
 * replies arrive together, instead of one wakeup per probe.  The jitter
 * (at most 5 ms at the default 100 ms) is irrelevant to detection.
 */
static int64_t vpnha_io_send_slot(int64_t when, uint32_t interval_ms)
{
	int64_t q = (int64_t)interval_ms * 1000 / 20;

	q = q < 1000 ? 1000 : q > 10000 ? 10000 : q;
	return (when + q - 1) / q * q;
}

/*
 * A new tunnel's first probe: at a random point of its first interval
 * (at most 1 s away), on the grid.  Tunnels configured together
 * (thousands at boot, in one commit) otherwise all start in the same
 * send slot and stay there: at 5 000 tunnels, bursts of thousands of
 * probes per wakeup, sent up to tens of milliseconds late.
 */
static int64_t vpnha_io_first_send(const struct vpnha_tunnel *t, int64_t now)
{
	uint32_t r, span = MIN(t->hc.interval_ms, 1000U) * 1000;

	vpnha_probe_random(&r, sizeof(r));
	return vpnha_io_send_slot(now + r % span, t->hc.interval_ms);
}

/* A tunnel's event is due: the core advances its clock (and builds the
 * probe when one is due), we queue it for sending and re-arm. */
static void vpnha_io_run(struct vpnha_io *io, int64_t now)
{
	struct vpnha_tunnel *t = io->t;
	struct vpnha_probe_out probe = {};
	bool due = io->probing && io->next_send <= now;
	int64_t sched = io->next_send;
	int64_t deadline;

	if (due) {
		/* Absolute schedule: no drift, and no burst after a stall
		 * (the probes missed are skipped, the phase kept: after a
		 * long configuration commit, "now + interval" put every
		 * tunnel in the same send slot). */
		int64_t iv = (int64_t)t->hc.interval_ms * 1000;

		io->next_send += iv;
		if (io->next_send <= now)
			io->next_send += ((now - io->next_send) / iv + 1) * iv;
		io->next_send =
			vpnha_io_send_slot(io->next_send, t->hc.interval_ms);
	}
	/* The socket could not be opened at start: try again (before the
	 * probe is built: registering may draw a new identifier). */
	if (due && !io->registered)
		vpnha_io_register(io);
	/* A probe when due, or when the health check asks for a
	 * confirmation (adaptive detection). */
	deadline = vpnha_tunnel_tick(vpnha, t, now, due,
				     io->probing ? &probe : NULL);
	if (t->io != io)
		return;
	if (probe.len) {
		vpnha_io_queue(io, &probe, sched);
		if (VPNHA_DEBUG(probe))
			zlog_debug("tunnel %s: probe seq %u to %pIA", t->name,
				   probe.seq, &t->hc.destination);
	}
	vpnha_io_schedule(io, deadline);
}

/* Receiving --------------------------------------------------------------- */

static void vpnha_io_drain(struct vpnha_io_sock *s, int rounds);

/*
 * Up to VPNHA_IO_RX_ROUNDS x VPNHA_IO_RX_BATCH replies per read event:
 * the poll is level-triggered, so more waiting are reported again at
 * once, after the other events of this loop pass (a burst cannot
 * starve the timer).
 */
static void vpnha_io_read(vpnha_event_t *e)
{
	struct vpnha_io_sock *s = VPNHA_EVENT_ARG(e);

	/* Re-armed by vpnha_io_sched_arm() unless the timer is near. */
	vpnha_io_stats.rx_events++;
	vpnha_io_busy++;
	vpnha_io_drain(s, VPNHA_IO_RX_ROUNDS);
	vpnha_io_busy--;
	vpnha_io_sched_arm();
}

static void vpnha_io_drain_all(int rounds)
{
	vpnha_io_drain(&vpnha_io_socks[0], rounds);
	vpnha_io_drain(&vpnha_io_socks[1], rounds);
}

/*
 * A long command (a "show ... json" of thousands of tunnels) calls this
 * now and then: the probes due meanwhile are sent on time.  The replies
 * waiting are read first, so that one waiting in the socket is not
 * taken for a lost probe when its timeout is due.
 */
void vpnha_io_yield(void)
{
	struct vpnha_sched_item *it;
	int64_t now;
	size_t bound = vpnha_sched_count(&vpnha_sched) * 2 + 1;

	vpnha_io_busy++;
	vpnha_io_drain_all(VPNHA_IO_RX_ALL);
	now = vpnha->now();
	while (bound-- && (it = vpnha_sched_pop_due(&vpnha_sched, now)))
		vpnha_io_run(container_of(it, struct vpnha_io, sitm), now);
	vpnha_io_flush_all();
	vpnha_io_busy--;
	vpnha_io_sched_arm();
}

/*
 * The monotonic time a datagram arrived, from its kernel timestamp
 * (SCM_TIMESTAMPNS, CLOCK_REALTIME): now minus how long ago it came,
 * never later than now.  real_now is the realtime clock read with now.
 */
static int64_t vpnha_io_arrival(const struct msghdr *msg, int64_t now,
				int64_t real_now)
{
	struct cmsghdr *cm;
	struct timespec ts;
	int64_t ago;

	for (cm = CMSG_FIRSTHDR(msg); cm;
	     cm = CMSG_NXTHDR((struct msghdr *)msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_TIMESTAMPNS ||
		    cm->cmsg_len < CMSG_LEN(sizeof(ts)))
			continue;
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		ago = real_now -
		      ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
		/* A clock step between the two: trust the read time. */
		if (ago < 0 || ago > 60 * 1000000LL)
			return now;
		return now - ago;
	}
	return now;
}

/* One datagram read from s: to its tunnel (by identifier), if any. */
static void vpnha_io_input(struct vpnha_io_sock *s, const uint8_t *pkt,
			   size_t len, const struct msghdr *msg, int64_t now,
			   int64_t real_now)
{
	const union sockunion *from = msg->msg_name;
	struct ipaddr src = {.ipa_type = IPADDR_NONE}, dst;
	ifindex_t ifindex;
	struct vpnha_io key, *io;
	struct vpnha_tunnel *t;
	bool v6 = s->family == AF_INET6;
	int64_t deadline;

	vpnha_io_stats.replies++;
	if (vpnha_probe_demux(pkt, len, s->family, !v6, &key.ident) < 0 ||
	    !(io = vpnha_io_idents_find(&s->idents, &key))) {
		/* Someone else's ping (or garbage): not any tunnel's. */
		vpnha_io_stats.unmatched++;
		return;
	}
	t = io->t;
	vpnha_probe_pktinfo(msg, s->family, &ifindex, &dst);
	if (v6 && msg->msg_namelen >= sizeof(struct sockaddr_in6)) {
		src.ipa_type = IPADDR_V6;
		src.ipaddr_v6 = from->sin6.sin6_addr;
	}
	deadline = vpnha_tunnel_probe_input(
		vpnha, t, pkt, len, v6 ? &src : NULL, ifindex, v6 ? &dst : NULL,
		vpnha_io_arrival(msg, now, real_now));
	if (t->io == io)
		vpnha_io_schedule(io, deadline);
}

static void vpnha_io_drain(struct vpnha_io_sock *s, int rounds)
{
	static uint8_t buf[VPNHA_IO_RX_BATCH][VPNHA_PROBE_RECV_MAX];
	static union sockunion from[VPNHA_IO_RX_BATCH];
	static union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(struct in_pktinfo)) +
			 CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} cbuf[VPNHA_IO_RX_BATCH];
	static struct iovec iov[VPNHA_IO_RX_BATCH];
	static struct mmsghdr msg[VPNHA_IO_RX_BATCH];
	int i, n, r;
	int64_t now, real_now;
	struct timespec rt;

	if (rounds == VPNHA_IO_RX_ALL)
		rounds = vpnha_io_idents_count(&s->idents) * 4 /
				 VPNHA_IO_RX_BATCH +
			 1;
	for (r = 0; r < rounds && s->fd >= 0; r++) {
		for (i = 0; i < VPNHA_IO_RX_BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			msg[i].msg_hdr = (struct msghdr){
				.msg_name = &from[i],
				.msg_namelen = sizeof(from[i]),
				.msg_iov = &iov[i],
				.msg_iovlen = 1,
				.msg_control = cbuf[i].buf,
				.msg_controllen = sizeof(cbuf[i].buf),
			};
		}
		vpnha_io_stats.rx_calls++;
		n = recvmmsg(s->fd, msg, VPNHA_IO_RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		now = vpnha->now();
		clock_gettime(CLOCK_REALTIME, &rt);
		real_now = (int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000;
		/* A tunnel may stop (and the socket close) on any reply. */
		for (i = 0; i < n && s->fd >= 0; i++)
			vpnha_io_input(s, buf[i], msg[i].msg_len,
				       &msg[i].msg_hdr, now, real_now);
		if (n < VPNHA_IO_RX_BATCH)
			break;
	}
}

/* A lateness histogram: {"below<2^i>Us": count, ..., "rest": count}. */
static json_object *vpnha_io_json_late(const uint64_t *h)
{
	json_object *jl = json_object_new_object();
	char key[24];
	int i;

	for (i = 0; i < VPNHA_IO_LATE_BUCKETS; i++) {
		if (!h[i])
			continue;
		if (i < VPNHA_IO_LATE_BUCKETS - 1)
			snprintf(key, sizeof(key), "below%lldUs",
				 (long long)1 << i);
		else
			snprintf(key, sizeof(key), "rest");
		json_object_int_add(jl, key, h[i]);
	}
	return jl;
}

bool vpnha_io_overloaded(void)
{
	return vpnha_io_overload.on;
}

/* Engine counters, for "show vpn-ha gateway json". */
struct json_object *vpnha_io_json(void)
{
	json_object *j = json_object_new_object();
	uint64_t total = 0, acc = 0;
	int64_t p99 = 0, p50 = 0;
	int i;

	json_object_int_add(j, "icmpSocket", vpnha_io_socks[0].fd >= 0);
	json_object_int_add(j, "icmp6Socket", vpnha_io_socks[1].fd >= 0);
	json_object_int_add(j, "probesSent", vpnha_io_stats.sent);
	json_object_int_add(j, "sendErrors", vpnha_io_stats.send_errors);
	json_object_int_add(j, "sendOverdue", vpnha_io_stats.overdue);
	json_object_boolean_add(j, "overloaded", vpnha_io_overload.on);
	json_object_int_add(j, "sendCalls", vpnha_io_stats.tx_calls);
	json_object_int_add(j, "repliesRead", vpnha_io_stats.replies);
	json_object_int_add(j, "repliesNoTunnel", vpnha_io_stats.unmatched);
	json_object_int_add(j, "receiveCalls", vpnha_io_stats.rx_calls);
	json_object_int_add(j, "readEvents", vpnha_io_stats.rx_events);
	for (i = 0; i < VPNHA_IO_LATE_BUCKETS; i++)
		total += vpnha_io_stats.late[i];
	/* Percentiles as bucket upper bounds (powers of two). */
	for (i = 0; i < VPNHA_IO_LATE_BUCKETS && total; i++) {
		acc += vpnha_io_stats.late[i];
		if (!p50 && acc * 2 >= total)
			p50 = (int64_t)1 << i;
		if (!p99 && acc * 100 >= total * 99)
			p99 = (int64_t)1 << i;
	}
	json_object_int_add(j, "sendLateP50UsAtMost", p50);
	json_object_int_add(j, "sendLateP99UsAtMost", p99);
	json_object_int_add(j, "sendLateMaxUs", vpnha_io_stats.late_max);
	json_object_object_add(j, "sendLate",
			       vpnha_io_json_late(vpnha_io_stats.late));
	json_object_object_add(j, "timerWakeLate",
			       vpnha_io_json_late(vpnha_io_stats.wake_late));
	return j;
}

/* BFD -------------------------------------------------------------------- */

static void vpnha_io_bfd_update(struct bfd_session_params *bsp,
				const struct bfd_session_status *bss, void *arg)
{
	struct vpnha_io *io = arg;
	int64_t deadline;

	if (VPNHA_DEBUG(probe))
		zlog_debug("tunnel %s: BFD %s -> %s", io->t->name,
			   bfd_get_status_str(bss->previous_state),
			   bfd_get_status_str(bss->state));
	/*
	 * A new session reports Down before it first comes up: only an
	 * Up -> Down edge is a failure (as in bgpd); a session that never
	 * comes up is caught by the grace timer.
	 */
	if (bss->state == BSS_UP)
		deadline =
			vpnha_tunnel_external(vpnha, io->t, true, vpnha->now());
	else if (bss->previous_state == BSS_UP)
		deadline = vpnha_tunnel_external(vpnha, io->t, false,
						 vpnha->now());
	else
		return;
	if (io->t->io == io)
		vpnha_io_schedule(io, deadline);
}

/* Time a new BFD session gets to come up before it counts as down. */
#define VPNHA_BFD_GRACE_MS 3000

static void vpnha_io_bfd_grace(vpnha_event_t *e)
{
	struct vpnha_io *io = VPNHA_EVENT_ARG(e);
	int64_t deadline;

	if (bfd_sess_status(io->bsp) == BSS_UP)
		return;
	zlog_warn("tunnel %s: BFD session to %pIA not up after %d ms",
		  io->t->name, &io->t->hc.destination, VPNHA_BFD_GRACE_MS);
	deadline = vpnha_tunnel_external(vpnha, io->t, false, vpnha->now());
	if (io->t->io == io)
		vpnha_io_schedule(io, deadline);
}

static void vpnha_io_bfd_start(struct vpnha_io *io)
{
	struct vpnha_tunnel *t = io->t;

	vpnha_zebra_bfd_enable();
	io->bsp = bfd_sess_new(vpnha_io_bfd_update, io);
	if (io->family == AF_INET)
		bfd_sess_set_ipv4_addrs(io->bsp, &t->hc.source.ipaddr_v4,
					&t->hc.destination.ipaddr_v4);
	else
		bfd_sess_set_ipv6_addrs(io->bsp, &t->hc.source.ipaddr_v6,
					&t->hc.destination.ipaddr_v6);
	bfd_sess_set_interface(io->bsp, t->ifname);
	bfd_sess_set_timers(io->bsp, t->hc.miss_count, t->hc.interval_ms,
			    t->hc.interval_ms);
	bfd_sess_install(io->bsp);
	vpnha_add_timer_msec(master, vpnha_io_bfd_grace, io, VPNHA_BFD_GRACE_MS,
			     &io->t_bfd_grace);
}

const char *vpnha_io_bfd_state(const struct vpnha_tunnel *t)
{
	const struct vpnha_io *io = t->io;

	if (!io || !io->bsp)
		return NULL;
	/* Lower case, like the rest of our JSON and bfdd's own. */
	switch (bfd_sess_status(io->bsp)) {
	case BSS_UP:
		return "up";
	case BSS_DOWN:
		return "down";
	case BSS_ADMIN_DOWN:
		return "admin-down";
	case BSS_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Hooks from the core ----------------------------------------------------- */

static void vpnha_io_tunnel_stop(struct vpnha_tunnel *t)
{
	struct vpnha_io *io = t->io;

	if (!io)
		return;
	vpnha_io_unqueue(io);
	vpnha_io_unregister(io);
	vpnha_sched_set(&vpnha_sched, &io->sitm, 0);
	vpnha_io_sched_arm();
	VPNHA_EVENT_OFF(io->t_bfd_grace);
	bfd_sess_free(&io->bsp);
	vpnha_io_addr_release(io);
	t->io = NULL;
	XFREE(MTYPE_VPNHA_IO, io);
}

static void vpnha_io_tunnel_start(struct vpnha_tunnel *t)
{
	struct vpnha_io *io;

	if (t->io || !t->hc_enabled || t->ifindex == IFINDEX_INTERNAL ||
	    t->hc.source.ipa_type == IPADDR_NONE ||
	    t->hc.destination.ipa_type == IPADDR_NONE)
		return;

	io = XCALLOC(MTYPE_VPNHA_IO, sizeof(*io));
	io->t = t;
	io->family = IS_IPADDR_V4(&t->hc.source) ? AF_INET : AF_INET6;
	t->io = io;

	vpnha_io_addr_ensure(io);
	if (t->hc.type == VPNHA_HC_TYPE_BFD) {
		vpnha_io_bfd_start(io);
		return;
	}
	/* Without the socket, probes are still "sent" (and fail): they
	 * all count as lost. */
	vpnha_io_register(io);

	io->probing = true;
	io->next_send = vpnha_io_first_send(t, vpnha->now());
	vpnha_io_schedule(io, vpnha_tunnel_deadline(t));
	if (VPNHA_DEBUG(probe))
		zlog_debug(
			"tunnel %s: probing %pIA from %pIA on %s every %u ms (ident %u)",
			t->name, &t->hc.destination, &t->hc.source, t->ifname,
			t->hc.interval_ms, t->probe_ident);
}

static void vpnha_io_tunnel_rearm(struct vpnha_tunnel *t, int64_t deadline)
{
	if (t->io)
		vpnha_io_schedule(t->io, deadline);
}

const struct vpnha_io_ops vpnha_io_ops = {
	.tunnel_start = vpnha_io_tunnel_start,
	.tunnel_stop = vpnha_io_tunnel_stop,
	.tunnel_rearm = vpnha_io_tunnel_rearm,
};

void vpnha_io_init(void)
{
	vpnha->dbg_probe = &vpnha_dbg_probe;
	vpnha_sched_init(&vpnha_sched);
	vpnha_io_idents_init(&vpnha_io_socks[0].idents);
	vpnha_io_idents_init(&vpnha_io_socks[1].idents);
	vpnha_timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (vpnha_timer_fd < 0) {
		zlog_err("probe timer: timerfd_create: %s",
			 safe_strerror(errno));
		exit(1);
	}
	vpnha_add_read(master, vpnha_io_timer, NULL, vpnha_timer_fd, &t_timer);
}

void vpnha_io_fini(void)
{
	struct vpnha_tunnel *t;

	if (!vpnha)
		return;
	vpnha_each_tunnel (vpnha, t)
		vpnha_io_tunnel_stop(t);
	VPNHA_EVENT_OFF(t_timer);
	vpnha_io_sock_close(&vpnha_io_socks[0]);
	vpnha_io_sock_close(&vpnha_io_socks[1]);
	vpnha_io_idents_fini(&vpnha_io_socks[0].idents);
	vpnha_io_idents_fini(&vpnha_io_socks[1].idents);
	vpnha_sched_fini(&vpnha_sched);
	if (vpnha_timer_fd >= 0)
		close(vpnha_timer_fd);
	vpnha_timer_fd = -1;
}
