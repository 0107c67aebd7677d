// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad probe packets: ICMP / ICMPv6 echo build, parse and validation.
 * See vpnha_probe.h for the wire format.
 */
#include <zebra.h>

#include <sys/random.h>

#include "lib/checksum.h"

#include "vpnha_probe.h"
#include "vpnha_health.h"

/* A reply read late must still move its deadline before it is due. */
_Static_assert(VPNHA_PROBE_RX_COALESCE_US < VPNHA_HC_DETECT_SLACK_MS * 1000,
	       "replies may wait past a detection deadline");

#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40

/* Payload offsets. */
#define PL_MAGIC 0
#define PL_VERSION 5
#define PL_NONCE 8
#define PL_SENT 16

static const char *const vpnha_probe_check_names[][2] = {
	[VPNHA_PROBE_OK] = {"ok", "ok"},
	[VPNHA_PROBE_WRONG_IDENT] = {"wrong-ident", "wrongIdent"},
	[VPNHA_PROBE_WRONG_NONCE] = {"wrong-nonce", "wrongNonce"},
	[VPNHA_PROBE_WRONG_SOURCE] = {"wrong-source", "wrongSource"},
	[VPNHA_PROBE_WRONG_INTERFACE] = {"wrong-interface", "wrongInterface"},
	[VPNHA_PROBE_MALFORMED] = {"malformed", "malformed"},
	[VPNHA_PROBE_UNKNOWN_SEQ] = {"unknown-seq", "unknownSeq"},
	[VPNHA_PROBE_WRONG_TIME] = {"wrong-send-time", "wrongSendTime"},
	[VPNHA_PROBE_DUPLICATE] = {"duplicate", "duplicate"},
	[VPNHA_PROBE_LATE] = {"late", "late"},
};

const char *vpnha_probe_check_name(enum vpnha_probe_check c)
{
	if ((unsigned int)c >= array_size(vpnha_probe_check_names))
		return "invalid";
	return vpnha_probe_check_names[c][0];
}

const char *vpnha_probe_check_key(enum vpnha_probe_check c)
{
	if ((unsigned int)c >= array_size(vpnha_probe_check_names))
		return "invalid";
	return vpnha_probe_check_names[c][1];
}

bool vpnha_probe_rx_can_wait(int64_t now, int64_t next_wakeup)
{
	return next_wakeup && next_wakeup - now <= VPNHA_PROBE_RX_COALESCE_US;
}

int vpnha_probe_overload_update(struct vpnha_probe_overload *o, int64_t now,
				uint64_t sent, uint64_t overdue)
{
	bool was = o->on;

	if (o->start) {
		if (now - o->start < VPNHA_PROBE_OVERLOAD_PERIOD_US)
			return 0;
		o->period_us = now - o->start;
		o->period_sent = sent - o->sent;
		o->period_overdue = overdue - o->overdue;
		o->on = o->period_overdue >= VPNHA_PROBE_OVERLOAD_MIN &&
			o->period_overdue * 100 >= o->period_sent;
	}
	o->start = now;
	o->sent = sent;
	o->overdue = overdue;
	return o->on == was ? 0 : o->on ? 1 : -1;
}

/* A pool refilled by one getrandom() call per 32 nonces. */
void vpnha_probe_random(void *buf, size_t len)
{
	static uint8_t pool[256];
	static size_t avail;
	uint8_t *out = buf;

	while (len) {
		size_t n;

		if (!avail) {
			ssize_t got = getrandom(pool, sizeof(pool), 0);

			/* Only fails before the pool is seeded or with
			 * EINTR: retry (never fall back to predictable). */
			if (got != (ssize_t)sizeof(pool))
				continue;
			avail = sizeof(pool);
		}
		n = MIN(len, avail);
		memcpy(out, pool + sizeof(pool) - avail, n);
		/* Used bytes are not kept around. */
		explicit_bzero(pool + sizeof(pool) - avail, n);
		avail -= n;
		out += n;
		len -= n;
	}
}

/* Byte-wise accessors: receive buffers need not be aligned. */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

size_t vpnha_probe_build(uint8_t *buf, size_t len, int family, uint16_t ident,
			 uint16_t seq, uint64_t nonce, int64_t sent_us)
{
	uint8_t *pl = buf + VPNHA_PROBE_ICMP_HDR_LEN;

	if (len < VPNHA_PROBE_LEN)
		return 0;
	if (family != AF_INET && family != AF_INET6)
		return 0;

	memset(buf, 0, VPNHA_PROBE_LEN);
	buf[0] = family == AF_INET ? VPNHA_ICMP_ECHO_REQUEST
				   : VPNHA_ICMP6_ECHO_REQUEST;
	buf[1] = 0; /* code */
	put16(buf + 4, ident);
	put16(buf + 6, seq);

	memcpy(pl + PL_MAGIC, VPNHA_PROBE_MAGIC, VPNHA_PROBE_MAGIC_LEN);
	pl[PL_VERSION] = VPNHA_PROBE_VERSION;
	put64(pl + PL_NONCE, nonce);
	put64(pl + PL_SENT, (uint64_t)sent_us);

	if (family == AF_INET) {
		/* in_cksum() yields the value in network byte order. */
		uint16_t sum = in_cksum(buf, VPNHA_PROBE_LEN);

		memcpy(buf + 2, &sum, sizeof(sum));
	}

	return VPNHA_PROBE_LEN;
}

#define VPNHA_PKT_VCHECK(cond, _f, ...)                                        \
	do {                                                                   \
		if (!(cond)) {                                                 \
			if (errmsg && errlen)                                  \
				snprintf(errmsg, errlen, (_f), ##__VA_ARGS__); \
			return -1;                                             \
		}                                                              \
	} while (0)

int vpnha_probe_parse(const uint8_t *pkt, size_t len, int family,
		      bool has_ip_header, struct vpnha_probe_reply *out,
		      char *errmsg, size_t errlen)
{
	const uint8_t *icmp = pkt;
	const uint8_t *pl;
	size_t icmp_len = len;
	uint8_t type, code, want, req;

	VPNHA_PKT_VCHECK(family == AF_INET || family == AF_INET6,
			 "Unsupported address family %d", family);

	memset(out, 0, sizeof(*out));
	out->src.ipa_type = IPADDR_NONE;
	out->dst.ipa_type = IPADDR_NONE;
	out->ifindex = IFINDEX_INTERNAL;

	if (has_ip_header && family == AF_INET) {
		size_t hl, total;

		VPNHA_PKT_VCHECK(
			len >= IPV4_HDR_MIN,
			"Datagram too short for an IPv4 header (%zu bytes)",
			len);
		VPNHA_PKT_VCHECK((pkt[0] >> 4) == 4, "Not IPv4 (version %u)",
				 pkt[0] >> 4);
		hl = (size_t)(pkt[0] & 0x0f) << 2;
		VPNHA_PKT_VCHECK(
			hl >= IPV4_HDR_MIN && hl <= len,
			"Bad IPv4 header length %zu (%zu bytes received)", hl,
			len);
		/* Linux raw sockets deliver ip_len in network byte order. */
		total = get16(pkt + 2);
		VPNHA_PKT_VCHECK(total >= hl,
				 "Bad IPv4 total length %zu (header %zu)",
				 total, hl);
		VPNHA_PKT_VCHECK(
			total <= len,
			"Truncated datagram: IPv4 length %zu, %zu bytes received",
			total, len);
		VPNHA_PKT_VCHECK(pkt[9] == IPPROTO_ICMP,
				 "Not ICMP (IPv4 protocol %u)", pkt[9]);
		VPNHA_PKT_VCHECK((get16(pkt + 6) & 0x3fff) == 0,
				 "IPv4 fragment");

		out->src.ipa_type = IPADDR_V4;
		memcpy(&out->src.ipaddr_v4, pkt + 12, sizeof(struct in_addr));
		out->dst.ipa_type = IPADDR_V4;
		memcpy(&out->dst.ipaddr_v4, pkt + 16, sizeof(struct in_addr));
		icmp = pkt + hl;
		icmp_len = total - hl;
	} else if (has_ip_header) {
		size_t plen;

		VPNHA_PKT_VCHECK(
			len >= IPV6_HDR_LEN,
			"Datagram too short for an IPv6 header (%zu bytes)",
			len);
		VPNHA_PKT_VCHECK((pkt[0] >> 4) == 6, "Not IPv6 (version %u)",
				 pkt[0] >> 4);
		plen = get16(pkt + 4);
		VPNHA_PKT_VCHECK(
			plen <= len - IPV6_HDR_LEN,
			"Truncated datagram: IPv6 payload length %zu, %zu bytes received",
			plen, len - IPV6_HDR_LEN);
		VPNHA_PKT_VCHECK(pkt[6] == IPPROTO_ICMPV6,
				 "Not ICMPv6 (IPv6 next header %u)", pkt[6]);

		out->src.ipa_type = IPADDR_V6;
		memcpy(&out->src.ipaddr_v6, pkt + 8, sizeof(struct in6_addr));
		out->dst.ipa_type = IPADDR_V6;
		memcpy(&out->dst.ipaddr_v6, pkt + 24, sizeof(struct in6_addr));
		icmp = pkt + IPV6_HDR_LEN;
		icmp_len = plen;
	}

	VPNHA_PKT_VCHECK(icmp_len >= VPNHA_PROBE_ICMP_HDR_LEN,
			 "Truncated ICMP header (%zu bytes)", icmp_len);

	type = icmp[0];
	code = icmp[1];
	if (family == AF_INET) {
		want = VPNHA_ICMP_ECHO_REPLY;
		req = VPNHA_ICMP_ECHO_REQUEST;
	} else {
		want = VPNHA_ICMP6_ECHO_REPLY;
		req = VPNHA_ICMP6_ECHO_REQUEST;
	}
	VPNHA_PKT_VCHECK(type != req, "Echo request, not an echo reply");
	VPNHA_PKT_VCHECK(type == want, "ICMP%s type %u is not an echo reply",
			 family == AF_INET ? "" : "v6", type);
	VPNHA_PKT_VCHECK(code == 0, "Echo reply with code %u", code);

	VPNHA_PKT_VCHECK(icmp_len >= VPNHA_PROBE_LEN,
			 "Truncated echo reply: %zu bytes of ICMP, need %u",
			 icmp_len, (unsigned int)VPNHA_PROBE_LEN);

	/* ICMPv6: the kernel verified it (it needs the pseudo-header). */
	if (family == AF_INET)
		VPNHA_PKT_VCHECK(in_cksum(icmp, icmp_len) == 0,
				 "Bad ICMP checksum 0x%04x", get16(icmp + 2));

	pl = icmp + VPNHA_PROBE_ICMP_HDR_LEN;
	VPNHA_PKT_VCHECK(memcmp(pl + PL_MAGIC, VPNHA_PROBE_MAGIC,
				VPNHA_PROBE_MAGIC_LEN) == 0,
			 "No vpnhad magic in echo reply payload");
	VPNHA_PKT_VCHECK(pl[PL_VERSION] == VPNHA_PROBE_VERSION,
			 "Unsupported probe version %u", pl[PL_VERSION]);

	out->ident = get16(icmp + 4);
	out->seq = get16(icmp + 6);
	out->nonce = get64(pl + PL_NONCE);
	out->sent_us = (int64_t)get64(pl + PL_SENT);

	return 0;
}

static bool vpnha_probe_same_addr(const struct ipaddr *a,
				  const struct ipaddr *b)
{
	if (a->ipa_type != b->ipa_type)
		return false;
	switch (a->ipa_type) {
	case IPADDR_V4:
		return a->ipaddr_v4.s_addr == b->ipaddr_v4.s_addr;
	case IPADDR_V6:
		return memcmp(&a->ipaddr_v6, &b->ipaddr_v6,
			      sizeof(struct in6_addr)) == 0;
	case IPADDR_NONE:
		return true;
	}
	return false;
}

enum vpnha_probe_check vpnha_probe_validate(const struct vpnha_probe_reply *r,
					    const struct vpnha_probe_expect *e)
{
	if (r->ident != e->ident)
		return VPNHA_PROBE_WRONG_IDENT;
	if (!IS_IPADDR_NONE(&e->peer) &&
	    !vpnha_probe_same_addr(&r->src, &e->peer))
		return VPNHA_PROBE_WRONG_SOURCE;
	if (e->ifindex != IFINDEX_INTERNAL && r->ifindex != e->ifindex)
		return VPNHA_PROBE_WRONG_INTERFACE;
	if (!IS_IPADDR_NONE(&e->local) &&
	    !vpnha_probe_same_addr(&r->dst, &e->local))
		return VPNHA_PROBE_WRONG_INTERFACE;
	return VPNHA_PROBE_OK;
}

int vpnha_probe_demux(const uint8_t *pkt, size_t len, int family,
		      bool has_ip_header, uint16_t *ident)
{
	size_t off = 0;
	uint8_t want;

	if (family == AF_INET && has_ip_header) {
		if (len < IPV4_HDR_MIN || (pkt[0] >> 4) != 4)
			return -1;
		off = (size_t)(pkt[0] & 0x0f) << 2;
		if (off < IPV4_HDR_MIN || pkt[9] != IPPROTO_ICMP)
			return -1;
	} else if (family == AF_INET6 && has_ip_header) {
		if (len < IPV6_HDR_LEN || (pkt[0] >> 4) != 6 ||
		    pkt[6] != IPPROTO_ICMPV6)
			return -1;
		off = IPV6_HDR_LEN;
	} else if (family != AF_INET && family != AF_INET6)
		return -1;
	want = family == AF_INET ? VPNHA_ICMP_ECHO_REPLY
				 : VPNHA_ICMP6_ECHO_REPLY;
	if (len < off + VPNHA_PROBE_ICMP_HDR_LEN || pkt[off] != want)
		return -1;
	*ident = get16(pkt + off + 4);
	return 0;
}

void vpnha_probe_pktinfo(const struct msghdr *msg, int family,
			 ifindex_t *ifindex, struct ipaddr *dst)
{
	struct cmsghdr *cm;

	*ifindex = IFINDEX_INTERNAL;
	memset(dst, 0, sizeof(*dst));
	dst->ipa_type = IPADDR_NONE;
	for (cm = CMSG_FIRSTHDR(msg); cm;
	     cm = CMSG_NXTHDR((struct msghdr *)msg, cm)) {
		if (family == AF_INET && cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			*ifindex = pi.ipi_ifindex;
			dst->ipa_type = IPADDR_V4;
			dst->ipaddr_v4 = pi.ipi_addr;
		} else if (family == AF_INET6 &&
			   cm->cmsg_level == IPPROTO_IPV6 &&
			   cm->cmsg_type == IPV6_PKTINFO &&
			   cm->cmsg_len >=
				   CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			*ifindex = pi.ipi6_ifindex;
			dst->ipa_type = IPADDR_V6;
			dst->ipaddr_v6 = pi.ipi6_addr;
		}
	}
}

enum vpnha_probe_check vpnha_probe_verify(const struct vpnha_probe_reply *r,
					  const struct vpnha_hc_slot *s)
{
	if (!s)
		return VPNHA_PROBE_UNKNOWN_SEQ;
	if (r->nonce != s->nonce)
		return VPNHA_PROBE_WRONG_NONCE;
	if (r->sent_us != s->sent)
		return VPNHA_PROBE_WRONG_TIME;
	return VPNHA_PROBE_OK;
}
