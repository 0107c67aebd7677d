// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad: netlink replies it reads (core, no I/O).
 *
 * vpnhad learns interfaces and addresses from zebra (ZAPI, parsed by
 * libfrr) and SA state from the IPsec daemon (VICI, whack); the only
 * netlink messages it reads itself are the acknowledgements of the
 * RTM_NEWADDR/RTM_DELADDR requests that put the health-check source
 * address on a tunnel interface, and the kernel's address dump that
 * says whether that address is there (zebra's view may lag).
 */
#ifndef _FRR_VPNHA_NL_H
#define _FRR_VPNHA_NL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The answer to the request with sequence number seq, in the len bytes
 * received from a NETLINK_ROUTE socket (one or more messages).
 *
 * Returns:
 *    0 if acknowledged, a negative errno from the kernel's NLMSG_ERROR,
 *    or -EBADMSG when buf holds no complete NLMSG_ERROR for seq
 *    (truncated, malformed, or someone else's message).
 */
int vpnha_nl_ack(const void *buf, size_t len, uint32_t seq);

/* vpnha_nl_addr_find() results (errors are negative errnos). */
#define VPNHA_NL_MORE 0	 /* not found yet: read the next part */
#define VPNHA_NL_FOUND 1 /* the address is on the interface */
#define VPNHA_NL_DONE 2	 /* end of the dump, not found */

/*
 * One part (len bytes from one recv) of the kernel's answer to the
 * RTM_GETADDR dump request with sequence number seq: is the local
 * address addr (alen bytes: 4 for AF_INET, 16 for AF_INET6) of family on
 * interface ifindex?  IPv4 matches IFA_LOCAL, IPv6 IFA_ADDRESS (or
 * IFA_LOCAL).  Messages of other requests are skipped.
 *
 * Returns VPNHA_NL_FOUND, VPNHA_NL_DONE, VPNHA_NL_MORE, the kernel's
 * negative errno from an NLMSG_ERROR for seq, or -EBADMSG (malformed
 * message or attribute, or an address of the wrong length).
 */
int vpnha_nl_addr_find(const void *buf, size_t len, uint32_t seq, int family,
		       int ifindex, const void *addr, size_t alen);

#ifdef __cplusplus
}
#endif

#endif /* _FRR_VPNHA_NL_H */
