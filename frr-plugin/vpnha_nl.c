// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad: netlink replies it reads (core, no I/O).
 */
#include <errno.h>
#include <string.h>
#include <linux/netlink.h>

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
