// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad probe I/O: one raw ICMP/ICMPv6 socket per health-checked
 * tunnel, bound to the tunnel interface and to the health-check source
 * address, so probes leave (and replies are accepted) through that
 * tunnel only.  All tunnels share the daemon's single event loop: a
 * send timer on an absolute schedule, a read event and one deadline
 * timer (probe timeouts, failback hold-down) per tunnel.
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
#include "lib/log.h"
#include "lib/memory.h"
#include "lib/privs.h"
#include "lib/sockopt.h"
#include "lib/network.h"
#include "lib/vrf.h"

#include "vpnha_compat.h"
#include "vpnha_debug.h"
#include "vpnha_probe_io.h"
#include "vpnha_nl.h"
#include "vpnha_probe.h"
#include "vpnha_sched.h"
#include "vpnha_zebra_io.h"

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
struct vpnha_io {
	struct vpnha_sched_item sitm; /* next send or deadline */
	bool probing;		      /* ICMP probes (not BFD) */
	struct vpnha_tunnel *t;
	int fd;
	int family;
	int64_t next_send;		    /* monotonic us of the next probe */
	int64_t deadline;		    /* the core's, 0 = none */
	bool addr_added;		    /* we added the source address */
	ifindex_t added_ifindex;	    /* ... on this interface */
	struct ipaddr added_src, added_dst; /* ... as "src peer dst" */
	int send_errno;			    /* last send error, 0 when fine */
	struct bfd_session_params *bsp;	    /* health-check type bfd */
	vpnha_event_t *t_bfd_grace;
	vpnha_event_t *t_read;
};

/* This adapter's share of the per-tunnel budget (vpnha.h). */
_Static_assert(VPNHA_MALLOC_CHUNK(sizeof(struct vpnha_io)) +
			       VPNHA_MALLOC_CHUNK(sizeof(vpnha_event_t)) <=
		       VPNHA_PROBE_IO_SIZE_MAX,
	       "probe adapter state per tunnel over its budget");
_Static_assert(VPNHA_MALLOC_CHUNK(sizeof(struct vpnha_tunnel)) +
			       VPNHA_PROBE_IO_SIZE_MAX <=
		       VPNHA_TUNNEL_MEM_MAX,
	       "per-tunnel memory over its budget");

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
	int fd, ret;
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

/* Which interface has the source address (zebra's view), or NULL. */
static struct interface *vpnha_io_addr_owner(const struct vpnha_tunnel *t)
{
	return if_lookup_address_local(
		&t->hc.source.ip,
		IS_IPADDR_V4(&t->hc.source) ? AF_INET : AF_INET6, VRF_DEFAULT);
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

static int vpnha_io_socket(struct vpnha_tunnel *t, int family)
{
	union sockunion su = {};
	int fd, on = 1, ret = 0;

	frr_with_privs (&vpnha_privs) {
		fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
		if (fd < 0)
			return -1;
		/* Probes leave, and replies are taken, via the tunnel only. */
		if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->ifname,
			       strlen(t->ifname) + 1) < 0)
			ret = -1;
	}
	if (ret < 0)
		goto fail;
	/* Arrival times from the kernel: a reply read late (the daemon was
	 * busy) still counts when it came. */
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0)
		goto fail;

	if (family == AF_INET) {
		struct icmp_filter filt = {
			.data = ~(1U << ICMP_ECHOREPLY),
		};

		if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)) <
			    0 ||
		    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) <
			    0 ||
		    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) <
			    0)
			goto fail;
		su.sin.sin_family = AF_INET;
		su.sin.sin_addr = t->hc.source.ipaddr_v4;
	} else {
		struct icmp6_filter filt;

		ICMP6_FILTER_SETBLOCKALL(&filt);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
		if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
			       sizeof(filt)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
			       sizeof(on)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &on,
			       sizeof(on)) < 0)
			goto fail;
		su.sin6.sin6_family = AF_INET6;
		su.sin6.sin6_addr = t->hc.source.ipaddr_v6;
		su.sin6.sin6_scope_id = t->ifindex;
	}
	/* The scheme's local probe address is the source. */
	if (bind(fd, &su.sa, sockunion_sizeof(&su)) < 0)
		goto fail;
	return fd;

fail:
	zlog_warn("tunnel %s: cannot open the probe socket on %s: %s", t->name,
		  t->ifname, safe_strerror(errno));
	close(fd);
	return -1;
}

/* Arm the timerfd for the earliest event, if that changed. */
static void vpnha_io_sched_arm(void)
{
	int64_t when = vpnha_sched_next(&vpnha_sched);
	struct itimerspec its = {};

	if (when == vpnha_timer_armed || vpnha_timer_fd < 0)
		return;
	vpnha_timer_armed = when;
	if (when) {
		its.it_value.tv_sec = when / 1000000;
		its.it_value.tv_nsec = (when % 1000000) * 1000;
	}
	if (timerfd_settime(vpnha_timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		zlog_err("probe timer: timerfd_settime: %s",
			 safe_strerror(errno));
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

static void vpnha_io_run(struct vpnha_io *io, int64_t now);
static void vpnha_io_drain(struct vpnha_io *io, int max);

static void vpnha_io_timer(vpnha_event_t *e)
{
	struct vpnha_sched_item *it;
	uint64_t expirations;
	int64_t now = vpnha->now();
	size_t bound = vpnha_sched_count(&vpnha_sched) * 2 + 1;

	vpnha_add_read(master, vpnha_io_timer, NULL, vpnha_timer_fd, &t_timer);
	if (read(vpnha_timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		zlog_err("probe timer: read: %s", safe_strerror(errno));
	vpnha_timer_armed = 0;

	/* Bounded: every run moves its tunnel's next event past now. */
	while (bound-- && (it = vpnha_sched_pop_due(&vpnha_sched, now)))
		vpnha_io_run(container_of(it, struct vpnha_io, sitm), now);
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

/* A tunnel's event is due: the core advances its clock (and builds the
 * probe when one is due), we send it and re-arm. */
static void vpnha_io_run(struct vpnha_io *io, int64_t now)
{
	struct vpnha_tunnel *t = io->t;
	struct vpnha_probe_out probe = {};
	union sockunion dst = {};
	bool due = io->probing && io->next_send <= now;
	int64_t deadline;

	/*
	 * A health deadline is due: first the replies already waiting (with
	 * their arrival times), so that a reply the daemon was too busy to
	 * read does not make its probe overdue or lost.
	 */
	if (io->probing && io->deadline && io->deadline <= now) {
		vpnha_io_drain(io, 64);
		if (t->io != io)
			return;
	}

	if (due) {
		/* Absolute schedule: no drift, and no burst after a stall. */
		io->next_send += (int64_t)t->hc.interval_ms * 1000;
		if (io->next_send <= now)
			io->next_send = now + (int64_t)t->hc.interval_ms * 1000;
		io->next_send =
			vpnha_io_send_slot(io->next_send, t->hc.interval_ms);
	}
	deadline = vpnha_tunnel_tick(vpnha, t, now, due,
				     io->probing ? &probe : NULL);
	if (t->io != io)
		return;
	if (probe.len) {
		if (io->family == AF_INET) {
			dst.sin.sin_family = AF_INET;
			dst.sin.sin_addr = t->hc.destination.ipaddr_v4;
		} else {
			dst.sin6.sin6_family = AF_INET6;
			dst.sin6.sin6_addr = t->hc.destination.ipaddr_v6;
			dst.sin6.sin6_scope_id = t->ifindex;
		}
		if (sendto(io->fd, probe.buf, probe.len, 0, &dst.sa,
			   sockunion_sizeof(&dst)) < 0) {
			/* The probe counts as sent: it will time out. */
			if (io->send_errno != errno)
				zlog_warn("tunnel %s: probe to %pIA failed: %s",
					  t->name, &t->hc.destination,
					  safe_strerror(errno));
			io->send_errno = errno;
		} else
			io->send_errno = 0;
		if (VPNHA_DEBUG(probe))
			zlog_debug("tunnel %s: probe seq %u to %pIA", t->name,
				   probe.seq, &t->hc.destination);
	}
	vpnha_io_schedule(io, deadline);
}

/*
 * One reply per read event: the poll is level-triggered, so a second
 * reply waiting is reported again at once, and the common case (one
 * reply per probe) costs one recvmsg() instead of two (the second one
 * only said EAGAIN).
 */
static void vpnha_io_read(vpnha_event_t *e)
{
	struct vpnha_io *io = VPNHA_EVENT_ARG(e);

	vpnha_add_read(master, vpnha_io_read, io, io->fd, &io->t_read);
	vpnha_io_drain(io, 1);
}

/*
 * A long command (a "show ... json" of thousands of tunnels) calls this
 * now and then: the probes due meanwhile are sent on time.  Each due
 * tunnel's replies are read first, so that a reply waiting in its
 * socket is not taken for a lost probe when its timeout is due.
 */
void vpnha_io_yield(void)
{
	struct vpnha_sched_item *it;
	int64_t now = vpnha->now();
	size_t bound = vpnha_sched_count(&vpnha_sched) * 2 + 1;

	while (bound-- && (it = vpnha_sched_pop_due(&vpnha_sched, now))) {
		struct vpnha_io *io = container_of(it, struct vpnha_io, sitm);
		struct vpnha_tunnel *t = io->t;

		if (io->probing)
			vpnha_io_drain(io, 64);
		if (t->io == io)
			vpnha_io_run(io, now);
	}
	vpnha_io_sched_arm();
}

/*
 * The monotonic time a datagram arrived, from its kernel timestamp
 * (CLOCK_REALTIME, at data): now minus how long ago it came, never
 * later than now (real_now: the realtime clock, read once per drain).
 */
static int64_t vpnha_io_arrival(const void *data, int64_t now,
				int64_t *real_now)
{
	struct timespec ts, rt;
	int64_t ago;

	memcpy(&ts, data, sizeof(ts));
	if (!*real_now) {
		clock_gettime(CLOCK_REALTIME, &rt);
		*real_now = (int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000;
	}
	ago = *real_now - ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	/* A clock step between the two: trust the read time. */
	if (ago < 0 || ago > 60 * 1000000LL)
		return now;
	return now - ago;
}

static void vpnha_io_drain(struct vpnha_io *io, int max)
{
	struct vpnha_tunnel *t = io->t;
	uint8_t buf[VPNHA_PROBE_RECV_MAX];
	uint8_t cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		     CMSG_SPACE(sizeof(struct timespec))];
	union sockunion from;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	int64_t deadline = io->deadline;
	int64_t now = vpnha->now(), real_now = 0;
	struct cmsghdr *cm;
	ssize_t n;
	int i;

	/* Drain what is there, bounded so one tunnel cannot starve others. */
	for (i = 0; i < max && t->io == io; i++) {
		struct ipaddr src = {.ipa_type = IPADDR_NONE};
		ifindex_t ifindex = IFINDEX_INTERNAL;
		int64_t at = now;

		msg.msg_namelen = sizeof(from);
		msg.msg_controllen = sizeof(cbuf);
		n = recvmsg(io->fd, &msg, 0);
		if (n < 0)
			break;
		if (io->family == AF_INET6) {
			src.ipa_type = IPADDR_V6;
			src.ipaddr_v6 = from.sin6.sin6_addr;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO)
				ifindex = ((struct in_pktinfo *)CMSG_DATA(cm))
						  ->ipi_ifindex;
			else if (cm->cmsg_level == IPPROTO_IPV6 &&
				 cm->cmsg_type == IPV6_PKTINFO)
				ifindex = ((struct in6_pktinfo *)CMSG_DATA(cm))
						  ->ipi6_ifindex;
			else if (cm->cmsg_level == SOL_SOCKET &&
				 cm->cmsg_type == SCM_TIMESTAMPNS)
				at = vpnha_io_arrival(CMSG_DATA(cm), now,
						      &real_now);
		}
		deadline = vpnha_tunnel_probe_input(
			vpnha, t, buf, n, io->family == AF_INET6 ? &src : NULL,
			ifindex, at);
	}
	if (t->io == io)
		vpnha_io_schedule(io, deadline);
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
	VPNHA_EVENT_OFF(io->t_read);
	vpnha_sched_set(&vpnha_sched, &io->sitm, 0);
	vpnha_io_sched_arm();
	VPNHA_EVENT_OFF(io->t_bfd_grace);
	bfd_sess_free(&io->bsp);
	if (io->fd >= 0)
		close(io->fd);
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
		io->fd = -1;
		vpnha_io_bfd_start(io);
		return;
	}
	io->fd = vpnha_io_socket(t, io->family);
	if (io->fd < 0) {
		/* No probes: they will all count as lost. */
		io->fd = -1;
	} else
		vpnha_add_read(master, vpnha_io_read, io, io->fd, &io->t_read);

	io->probing = true;
	io->next_send = vpnha->now();
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
	vpnha_sched_fini(&vpnha_sched);
	if (vpnha_timer_fd >= 0)
		close(vpnha_timer_fd);
	vpnha_timer_fd = -1;
}
