// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad core: checks of operator input, shared by the CLI and the
 * northbound so that both refuse the same values with the same words
 * (the field, the value, what is allowed).  Pure: no vty, no zebra.
 *
 * The numeric ranges below are those of yang/frr-vpnhad.yang; the
 * CLI's messages take them from here (one table, not three copies).
 */
#ifndef _FRR_VPNHA_CHECK_H
#define _FRR_VPNHA_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ipaddr.h"

/* A numeric configuration value and its range (as in the YANG). */
struct vpnha_range {
	const char *name; /* the command's word, e.g. "interval" */
	uint32_t min, max;
	const char *unit; /* "ms", "probes", "%", ... */
};

/* health-check interval|timeout|miss-count|... */
extern const struct vpnha_range vpnha_hc_ranges[];
extern const size_t vpnha_hc_ranges_n;

extern const struct vpnha_range vpnha_range_weight;
extern const struct vpnha_range vpnha_range_distance_base;
extern const struct vpnha_range vpnha_range_adv_table;
extern const struct vpnha_range vpnha_range_poll_interval;
extern const struct vpnha_range vpnha_range_lifetime; /* IKE and ESP */
extern const struct vpnha_range vpnha_range_dpd;
extern const struct vpnha_range vpnha_range_if_id;

/* The entry called name, or NULL. */
extern const struct vpnha_range *
vpnha_range_find(const struct vpnha_range *table, size_t n, const char *name);

/*
 * Parse str as a decimal number within r.
 *
 * field
 *    How the message names the value ("health-check interval").
 *
 * Returns:
 *    0 with *val set, or -1 with "FIELD VALUE ...: allowed MIN-MAX UNIT"
 *    in err.
 */
extern int vpnha_range_parse(const struct vpnha_range *r, const char *field,
			     const char *str, uint32_t *val, char *err,
			     size_t errlen);

/*
 * Is str one of words (NULL-terminated)?  -1 with "FIELD 'VALUE' is
 * not one of: a, b, c" in err otherwise.
 */
extern int vpnha_word_check(const char *field, const char *str,
			    const char *const words[], char *err,
			    size_t errlen);

/*
 * Can a health check use this address?  Refused, with the reason:
 * unspecified (0.0.0.0, ::), loopback, multicast, limited broadcast,
 * and IPv6 link-local (the probe socket carries no scope, and the
 * source is added to the tunnel interface as a global address).  IPv4
 * link-local (169.254/16) is what cloud VPNs use for tunnel inside
 * addresses and is accepted.
 *
 * field
 *    "health-check source" or "health-check destination".
 *
 * Returns:
 *    0, or -1 with "FIELD ADDR is REASON" in err.
 */
extern int vpnha_hc_addr_check(const char *field, const struct ipaddr *a,
			       char *err, size_t errlen);

/*
 * A normalized absolute path: starts with '/', no empty, "." or ".."
 * component, no trailing '/'.  -1 with the reason in err otherwise.
 * (Characters are checked separately: vpnha_ipsec_value_ok().)
 */
extern int vpnha_path_check(const char *field, const char *path, char *err,
			    size_t errlen);

#endif /* _FRR_VPNHA_CHECK_H */
