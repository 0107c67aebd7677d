// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad: netlink replies it reads (core, no I/O).
 */
#include <errno.h>
#include <sys/socket.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>

#include "vpnha_nl.h"

int vpnha_nl_ack(const void *buf, size_t len, uint32_t seq)
{
	const uint8_t *p = buf;

	while (len >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr n;
		struct nlmsgerr e;
		size_t step;

		memcpy(&n, p, sizeof(n));
		if (n.nlmsg_len < sizeof(n) || n.nlmsg_len > len)
			return -EBADMSG;
		if (n.nlmsg_type == NLMSG_ERROR && n.nlmsg_seq == seq) {
			if (n.nlmsg_len < NLMSG_LENGTH(sizeof(e)))
				return -EBADMSG;
			memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
			/* The kernel sends 0 or -errno; anything else is
			 * not an errno. */
			if (e.error > 0 || e.error < -4095)
				return -EBADMSG;
			return e.error;
		}
		step = NLMSG_ALIGN(n.nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return -EBADMSG;
}

/* The attributes of one RTM_NEWADDR message (body: len bytes at p). */
static int addr_msg_match(const uint8_t *p, size_t len, int family, int ifindex,
			  const void *addr, size_t alen)
{
	struct ifaddrmsg ifa;
	size_t off;

	if (len < NLMSG_ALIGN(sizeof(ifa)))
		return -EBADMSG;
	memcpy(&ifa, p, sizeof(ifa));
	if (ifa.ifa_family != family || (int)ifa.ifa_index != ifindex)
		return 0;
	for (off = NLMSG_ALIGN(sizeof(ifa));
	     off + sizeof(struct rtattr) <= len;) {
		struct rtattr rta;

		memcpy(&rta, p + off, sizeof(rta));
		if (rta.rta_len < sizeof(rta) || rta.rta_len > len - off)
			return -EBADMSG;
		if ((rta.rta_type == IFA_LOCAL ||
		     (rta.rta_type == IFA_ADDRESS && family != AF_INET)) &&
		    RTA_PAYLOAD(&rta) == alen &&
		    !memcmp(p + off + RTA_LENGTH(0), addr, alen))
			return 1;
		off += RTA_ALIGN(rta.rta_len);
	}
	return 0;
}

int vpnha_nl_addr_find(const void *buf, size_t len, uint32_t seq, int family,
		       int ifindex, const void *addr, size_t alen)
{
	const uint8_t *p = buf;

	if (alen != (family == AF_INET ? 4u : 16u))
		return -EBADMSG;
	while (len >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr n;
		size_t step;
		int ret;

		memcpy(&n, p, sizeof(n));
		if (n.nlmsg_len < sizeof(n) || n.nlmsg_len > len)
			return -EBADMSG;
		if (n.nlmsg_seq == seq) {
			switch (n.nlmsg_type) {
			case NLMSG_DONE:
				return VPNHA_NL_DONE;
			case NLMSG_ERROR:
				ret = vpnha_nl_ack(p, n.nlmsg_len, seq);
				/* An error ends the dump; 0 is not one. */
				return ret ? ret : -EBADMSG;
			case RTM_NEWADDR:
				ret = addr_msg_match(p + NLMSG_HDRLEN,
						     n.nlmsg_len - NLMSG_HDRLEN,
						     family, ifindex, addr,
						     alen);
				if (ret)
					return ret < 0 ? ret : VPNHA_NL_FOUND;
				break;
			}
		}
		step = NLMSG_ALIGN(n.nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return VPNHA_NL_MORE;
}
