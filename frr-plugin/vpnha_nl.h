// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad: netlink replies it reads (core, no I/O).
 *
 * vpnhad learns interfaces and addresses from zebra (ZAPI, parsed by
 * libfrr) and SA state from the IPsec daemon (VICI, whack); the only
 * netlink messages it reads itself are the acknowledgements of the
 * RTM_NEWADDR/RTM_DELADDR requests that put the health-check source
 * address on a tunnel interface.
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

#ifdef __cplusplus
}
#endif

#endif /* _FRR_VPNHA_NL_H */
