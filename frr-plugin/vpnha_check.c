// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad core: checks of operator input (see vpnha_check.h).
 */
#include <zebra.h>

#include "lib/ipaddr.h"

#include "vpnha_check.h"
#include "vpnha_health.h"

/* clang-format off */
const struct vpnha_range vpnha_hc_ranges[] = {
	{"interval", 10, 60000, "ms"},
	{"timeout", 10, 60000, "ms"},
	{"miss-count", 1, 100, "probes"},
	{"recovery-count", 1, 1000, "probes"},
	{"hold-down", 0, 3600000, "ms"},
	{"loss-threshold", 1, 100, "%"},
	{"latency-threshold", 1, 60000, "ms"},
	{"window", VPNHA_HC_WINDOW_MIN, VPNHA_HC_WINDOW_MAX, "probes"},
};
const size_t vpnha_hc_ranges_n = array_size(vpnha_hc_ranges);

const struct vpnha_range vpnha_range_weight = {"weight", 0, 100, "(0 preferred, 100 backup)"};
const struct vpnha_range vpnha_range_distance_base = {"distance-base", 1, 155, "(distance of weight 0)"};
const struct vpnha_range vpnha_range_adv_table = {"advertise-table", 1, 252, "(a kernel table other than main, local, default)"};
const struct vpnha_range vpnha_range_poll_interval = {"poll-interval", 200, 60000, "ms"};
const struct vpnha_range vpnha_range_lifetime = {"lifetime", 120, 86400, "s"};
const struct vpnha_range vpnha_range_dpd = {"dpd", 0, 3600, "s (0: off)"};
const struct vpnha_range vpnha_range_if_id = {"if-id", 1, 65535, ""};
/* clang-format on */

const struct vpnha_range *vpnha_range_find(const struct vpnha_range *table,
					   size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

int vpnha_range_parse(const struct vpnha_range *r, const char *field,
		      const char *str, uint32_t *val, char *err, size_t errlen)
{
	unsigned long long v = 0;
	size_t len = strlen(str);

	if (len == 0 || len > 10 || strspn(str, "0123456789") != len) {
		snprintf(err, errlen,
			 "%s '%.40s' is not a number: allowed %u-%u %s", field,
			 str, r->min, r->max, r->unit);
		return -1;
	}
	v = strtoull(str, NULL, 10);
	if (v < r->min || v > r->max) {
		snprintf(err, errlen, "%s %s out of range: allowed %u-%u %s",
			 field, str, r->min, r->max, r->unit);
		return -1;
	}
	*val = v;
	return 0;
}

int vpnha_word_check(const char *field, const char *str,
		     const char *const words[], char *err, size_t errlen)
{
	size_t n;

	for (size_t i = 0; words[i]; i++)
		if (strcmp(words[i], str) == 0)
			return 0;
	n = snprintf(err, errlen, "%s '%.40s' is not one of:", field, str);
	for (size_t i = 0; words[i] && n < errlen; i++)
		n += snprintf(err + n, errlen - n, "%s %s", i ? "," : "",
			      words[i]);
	return -1;
}

static const char *vpnha_hc_addr_problem(const char *field,
					 const struct ipaddr *a)
{
	bool source = strstr(field, "source") != NULL;

	if (a->ipa_type == IPADDR_V4) {
		uint32_t v = ntohl(a->ipaddr_v4.s_addr);

		if (v == 0)
			return "unspecified (0.0.0.0)";
		if ((v >> 24) == 127)
			return "a loopback address";
		if ((v >> 28) == 0xe)
			return "a multicast address";
		if (v == 0xffffffff)
			return "the broadcast address";
		if ((v >> 28) == 0xf)
			return "a reserved (class E) address";
		return NULL;
	}
	if (a->ipa_type == IPADDR_V6) {
		const struct in6_addr *v = &a->ipaddr_v6;

		if (IN6_IS_ADDR_UNSPECIFIED(v))
			return "unspecified (::)";
		if (IN6_IS_ADDR_LOOPBACK(v))
			return "a loopback address";
		if (IN6_IS_ADDR_MULTICAST(v))
			return "a multicast address";
		if (IN6_IS_ADDR_LINKLOCAL(v))
			return source ? "link-local: vpnhad adds the source to the tunnel interface as a global address; use a global or unique-local one"
				      : "link-local: probes carry no interface scope; use a global or unique-local address";
		if (IN6_IS_ADDR_V4MAPPED(v))
			return "an IPv4-mapped address: use the IPv4 address";
		return NULL;
	}
	return "not an IPv4 or IPv6 address";
}

int vpnha_hc_addr_check(const char *field, const struct ipaddr *a, char *err,
			size_t errlen)
{
	const char *why = vpnha_hc_addr_problem(field, a);

	if (!why)
		return 0;
	snprintfrr(err, errlen, "%s %pIA is %s", field, a, why);
	return -1;
}

int vpnha_path_check(const char *field, const char *path, char *err,
		     size_t errlen)
{
	const char *p = path, *end;

	if (path[0] != '/') {
		snprintf(err, errlen, "%s '%.80s' is not an absolute path",
			 field, path);
		return -1;
	}
	while (*p == '/') {
		size_t n;

		p++;
		end = strchrnul(p, '/');
		n = end - p;
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(
				err, errlen,
				"%s '%.80s' is not a normalized path: no empty, '.' or '..' component, no trailing '/'",
				field, path);
			return -1;
		}
		p = end;
	}
	return 0;
}
