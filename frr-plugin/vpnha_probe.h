// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad probe packets: ICMP / ICMPv6 echo request build, echo reply
 * parse and validation.  Pure functions on buffers (like vrrpd's
 * vrrp_packet.c): no sockets, no logging.
 *
 * Wire format (all multi-byte fields in network byte order):
 *
 *   ICMP header (8 bytes)
 *     type     8 (echo request) / 0 (echo reply)       IPv4
 *              128 (echo request) / 129 (echo reply)   IPv6
 *     code     0
 *     checksum IPv4: computed here; IPv6: left 0, the kernel always
 *              computes it for IPPROTO_ICMPV6 raw sockets (it needs
 *              the pseudo-header) and verifies it on receive
 *     ident    per tunnel / socket
 *     seq      vpnha_health_probe_sent()
 *   Payload (VPNHA_PROBE_PAYLOAD_LEN = 32 bytes)
 *     0..4     magic "VPNHA"
 *     5        format version (2)
 *     6..7     0
 *     8..15    nonce: a fresh random 64-bit value per probe (getrandom)
 *     16..23   send time, monotonic microseconds (int64)
 *     24..31   0
 *
 * A reply proves it answers this very probe: its sequence must be one
 * of the last 16 probes sent (the health checker's probe ring,
 * VPNHA_HC_INFLIGHT), and it must echo that probe's nonce and
 * send time as recorded when it was sent (vpnha_probe_verify()).  A
 * forger who saw earlier probes cannot predict the next nonce; the
 * identifier and the first sequence number are random too.
 *
 * So a probe is VPNHA_PROBE_LEN = 40 bytes of ICMP (60 on the wire in
 * IPv4, 80 in IPv6, plus the tunnel's own overhead).
 */
#ifndef _FRR_VPNHA_PROBE_H
#define _FRR_VPNHA_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ipaddr.h"
#include "lib/if.h"

#include "vpnha_health.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VPNHA_PROBE_MAGIC "VPNHA"
#define VPNHA_PROBE_MAGIC_LEN 5
#define VPNHA_PROBE_VERSION 2
#define VPNHA_PROBE_ICMP_HDR_LEN 8
#define VPNHA_PROBE_PAYLOAD_LEN 32
/* Bytes vpnha_probe_build() writes: the whole ICMP message. */
#define VPNHA_PROBE_LEN (VPNHA_PROBE_ICMP_HDR_LEN + VPNHA_PROBE_PAYLOAD_LEN)
/* A receive buffer this large holds any reply we accept (IPv4 with
 * options + our message); bigger datagrams are simply truncated. */
#define VPNHA_PROBE_RECV_MAX 1500

#define VPNHA_ICMP_ECHO_REPLY 0
#define VPNHA_ICMP_ECHO_REQUEST 8
#define VPNHA_ICMP6_ECHO_REQUEST 128
#define VPNHA_ICMP6_ECHO_REPLY 129

/* A parsed echo reply. */
struct vpnha_probe_reply {
	/*
	 * Source address.  Filled by vpnha_probe_parse() from the IP header
	 * when has_ip_header (IPv4 raw sockets); otherwise IPADDR_NONE and
	 * the caller fills it from recvmsg()'s msg_name.
	 */
	struct ipaddr src;
	/* Arrival interface; the caller fills it (IP_PKTINFO /
	 * IPV6_RECVPKTINFO).  vpnha_probe_parse() sets IFINDEX_INTERNAL. */
	ifindex_t ifindex;
	/*
	 * Destination address: the local address the reply was sent to.
	 * From the IP header when has_ip_header, else IPADDR_NONE and the
	 * caller fills it (IPV6_PKTINFO).
	 */
	struct ipaddr dst;

	uint16_t ident;
	uint16_t seq;
	uint64_t nonce;
	int64_t sent_us; /* the send time we put in the request */
};

/* What a reply must match to be ours and this tunnel's. */
struct vpnha_probe_expect {
	uint16_t ident;
	struct ipaddr peer;  /* health-check destination; IPADDR_NONE: any */
	ifindex_t ifindex;   /* tunnel interface; IFINDEX_INTERNAL: any */
	struct ipaddr local; /* health-check source; IPADDR_NONE: any */
};

/* What a received echo reply is; every cause but OK is counted. */
enum vpnha_probe_check {
	VPNHA_PROBE_OK = 0,
	VPNHA_PROBE_WRONG_IDENT,     /* someone else's ping */
	VPNHA_PROBE_WRONG_NONCE,     /* not the probe's nonce: forged */
	VPNHA_PROBE_WRONG_SOURCE,    /* not from the peer */
	VPNHA_PROBE_WRONG_INTERFACE, /* not through the tunnel (another
				      * interface or local address) */
	VPNHA_PROBE_MALFORMED,	     /* not a vpnhad reply (magic, length) */
	VPNHA_PROBE_UNKNOWN_SEQ,     /* none of the last 16 probes */
	VPNHA_PROBE_WRONG_TIME,	     /* echoed send time is not the probe's */
	VPNHA_PROBE_DUPLICATE,	     /* probe already answered */
	VPNHA_PROBE_LATE,	     /* probe already counted lost */
	VPNHA_PROBE_CHECK_MAX,
};

/*
 * Build an echo request.
 *
 * buf, len
 *    Output buffer; needs VPNHA_PROBE_LEN bytes.
 *
 * family
 *    AF_INET (ICMP, checksum filled in) or AF_INET6 (ICMPv6, checksum
 *    left 0 for the kernel).
 *
 * ident, seq, nonce, sent_us
 *    Header and payload fields, see the wire format above.
 *
 * Returns:
 *    Bytes written (VPNHA_PROBE_LEN), or 0 if len is too small or the
 *    family unknown.
 */
size_t vpnha_probe_build(uint8_t *buf, size_t len, int family, uint16_t ident,
			 uint16_t seq, uint64_t nonce, int64_t sent_us);

/*
 * Parse a received datagram as one of our echo replies.
 *
 * pkt, len
 *    The datagram as read from the socket.
 *
 * family
 *    AF_INET or AF_INET6.
 *
 * has_ip_header
 *    True when pkt starts with the IP header: AF_INET raw sockets
 *    (SOCK_RAW, IPPROTO_ICMP).  ICMPv6 raw sockets and ping sockets
 *    (SOCK_DGRAM) deliver the ICMP message only.  IPv6 headers with
 *    extension headers are not supported.
 *
 * out
 *    Filled on success: ident, seq, nonce, sent_us, and src from the IP
 *    header (if any); ifindex = IFINDEX_INTERNAL.
 *
 * errmsg, errlen
 *    On failure, a reason; may be NULL.
 *
 * Checks: IP header sane (version, length, protocol), ICMP type is an
 * echo reply with code 0, the ICMP message holds our payload, IPv4
 * checksum, magic and version.
 *
 * Returns:
 *    0 on success, -1 on failure.
 */
int vpnha_probe_parse(const uint8_t *pkt, size_t len, int family,
		      bool has_ip_header, struct vpnha_probe_reply *out,
		      char *errmsg, size_t errlen);

/*
 * Does a parsed reply belong to the tunnel that expects e?  Checked in
 * order: ident, source address, arrival interface, destination address
 * (a reply to another local address did not come through the tunnel
 * either: WRONG_INTERFACE).
 *
 * Returns:
 *    VPNHA_PROBE_OK or the first mismatch.
 */
enum vpnha_probe_check vpnha_probe_validate(const struct vpnha_probe_reply *r,
					    const struct vpnha_probe_expect *e);

/*
 * Does a reply that passed vpnha_probe_validate() answer the probe sent
 * in slot s (vpnha_health_slot_find(), NULL when its sequence is not one
 * of the last 16 probes)?
 *
 * Returns:
 *    VPNHA_PROBE_OK, UNKNOWN_SEQ, WRONG_NONCE or WRONG_TIME.
 */
enum vpnha_probe_check vpnha_probe_verify(const struct vpnha_probe_reply *r,
					  const struct vpnha_hc_slot *s);

/*
 * The shared probe socket's demultiplexer (one raw socket per address
 * family for all tunnels, vpnha_probe_io.c): the identifier of a
 * received datagram, to find the tunnel it is for.  Only what that
 * needs is checked: an IP header (when has_ip_header, as in
 * vpnha_probe_parse()) and an ICMP echo reply header; everything else
 * is vpnha_probe_parse()'s and vpnha_probe_validate()'s job, on the
 * tunnel found.
 *
 * Returns:
 *    0 and *ident set, or -1: not an echo reply (not any tunnel's).
 */
int vpnha_probe_demux(const uint8_t *pkt, size_t len, int family,
		      bool has_ip_header, uint16_t *ident);

/*
 * Where a datagram arrived, from recvmsg()'s control messages
 * (IP_PKTINFO: ipi_ifindex, ipi_addr; IPV6_PKTINFO: ipi6_ifindex,
 * ipi6_addr).  Without such a message: *ifindex = IFINDEX_INTERNAL and
 * dst IPADDR_NONE, which no tunnel accepts.
 */
struct msghdr;
void vpnha_probe_pktinfo(const struct msghdr *msg, int family,
			 ifindex_t *ifindex, struct ipaddr *dst);

/*
 * Unpredictable bytes (getrandom(2), buffered): nonces, identifiers,
 * first sequence numbers.
 */
void vpnha_probe_random(void *buf, size_t len);

/*
 * Probe engine overload: the event loop does not keep up with the
 * probes due (too many tunnels for the CPU at their intervals; a long
 * commit is a moment of it).  Judged per VPNHA_PROBE_OVERLOAD_PERIOD_US
 * of sends: overloaded while at least 1 % of a period's probes, and at
 * least 100, left VPNHA_PROBE_OVERDUE_US after their schedule or later.
 * vpnha_probe_overload_update() takes the engine's running counters
 * (probes sent, probes overdue) at each send and returns 1 when an
 * overload starts, -1 when it ends, 0 otherwise; the period just judged
 * is then in period_us, period_sent and period_overdue.
 */
#define VPNHA_PROBE_OVERDUE_US (50 * 1000)
#define VPNHA_PROBE_OVERLOAD_PERIOD_US (10 * 1000000LL)
#define VPNHA_PROBE_OVERLOAD_MIN 100

struct vpnha_probe_overload {
	int64_t start;		/* of the period; 0 = none yet */
	uint64_t sent, overdue; /* the counters at its start */
	bool on;
	int64_t period_us;
	uint64_t period_sent, period_overdue;
};

int vpnha_probe_overload_update(struct vpnha_probe_overload *o, int64_t now,
				uint64_t sent, uint64_t overdue);

/*
 * Replies are read by the engine's next timer wakeup instead of on a
 * read event of their own when that wakeup is due within
 * VPNHA_PROBE_RX_COALESCE_US: vpnha_probe_rx_can_wait(now, next) (next:
 * absolute us, 0 = no wakeup scheduled).  At scale the timer wakes at
 * every send slot (every 5 ms at the default interval), so the replies
 * of a slot are read, in one recvmmsg(), by the wakeup that sends the
 * next one, instead of one wakeup per burst of replies (each re-adding
 * its read event: on libfrr 8.4 a write to the loop's wake-up pipe and
 * one more poll).  Nothing is judged from the time a reply is read: its
 * kernel timestamp is its arrival (RTT, late), and every timer wakeup
 * reads all the replies waiting before it judges a deadline.  The bound
 * is below the detection slack (VPNHA_HC_DETECT_SLACK_MS, asserted in
 * vpnha_probe.c), so a reply read late still moves its tunnel's deadline
 * before that deadline is due; what the delay can postpone is only a
 * state change a reply causes (recovery), by at most the bound.  With
 * few tunnels the next wakeup is usually further away: replies are read
 * as they come.
 */
#define VPNHA_PROBE_RX_COALESCE_US 5000

bool vpnha_probe_rx_can_wait(int64_t now, int64_t next_wakeup);

/* Name of a check result ("wrong-nonce") and its JSON key ("wrongNonce"). */
const char *vpnha_probe_check_name(enum vpnha_probe_check c);
const char *vpnha_probe_check_key(enum vpnha_probe_check c);

#ifdef __cplusplus
}
#endif

#endif /* _FRR_VPNHA_PROBE_H */
