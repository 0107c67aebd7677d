// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: configuration values as a user (CLI, vtysh -b, NETCONF)
 * types them, through the core's validation: route prefixes, IPsec
 * identities, paths, pre-shared keys (obscured and clear), interface
 * names and if_ids; whatever passes goes on through address resolution
 * and the libreswan / swanctl generators, which must then not be able
 * to break out of a value (no newline, quote or brace in the output
 * beyond the generator's own).
 *
 * Input fields ('\n' separated): prefix, local-id, remote-id, obscured
 * psk, vici-socket, interface name, tunnel name, clear psk, flags (byte
 * 0: backend, iftype; bytes 1-4: if_id).
 */
#include <zebra.h>

#include "lib/prefix.h"

#include "vpnha_ipsec.h"
#include "vpnha.h"
#include "fuzz.h"

/* frr-vpnhad:name-type, checked by libyang before the core sees it. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 60 && isalnum((unsigned char)s[0]) &&
	       strspn(s,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_.-") == n;
}

static void copy_field(char *dst, size_t dstsz, const char *src)
{
	/* What the northbound hands over: YANG length-checked strings. */
	strlcpy(dst, src, dstsz);
}

/* Count of c in s. */
static size_t count(const char *s, size_t len, char c)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == c;
	return n;
}

static void generate(const struct vpnha_ipsec_conf *c, const char *tunnel,
		     const char *ifname, enum vpnha_ipsec_backend backend)
{
	struct vpnha_ipsec_params p;
	struct ipaddr gw = {.ipa_type = IPADDR_V4}, peer = gw;
	struct vpnha_text t = {};
	struct vpnha_cfg *cfg;
	char err[256];

	gw.ipaddr_v4.s_addr = htonl(0xc0000201);
	peer.ipaddr_v4.s_addr = htonl(0xc6336402);
	if (vpnha_ipsec_resolve(&p, backend, tunnel, ifname, c, &gw, &peer, err,
				sizeof(err)))
		return;
	if (backend == VPNHA_IPSEC_LIBRESWAN) {
		vpnha_libreswan_conn(&t, &p, 4 + (c->dpd & 1));
		/* Every value is on its own "key=value" line: the number
		 * of lines does not depend on the values. */
		if (t.buf && count(t.buf, t.len, '"') % 2)
			abort();
		vpnha_text_free(&t);
		vpnha_libreswan_secrets(&t, &p);
		vpnha_text_free(&t);
		return;
	}
	cfg = calloc(1, sizeof(*cfg));
	vpnha_swanctl_conn(cfg, &p);
	for (unsigned int i = 0; i < cfg->n; i++)
		if (strpbrk(cfg->item[i].value, "\n{}\"#="))
			abort();
	vpnha_swanctl_text(&t, cfg);
	if (t.buf && count(t.buf, t.len, '{') != count(t.buf, t.len, '}'))
		abort();
	vpnha_text_free(&t);
	free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[9];
	char *copy = fuzz_fields(data, size, f, 9);
	struct vpnha_ipsec_conf c;
	struct prefix p;
	char err[512], obscured[VPNHA_PSK_OBSCURED_MAX + 1];
	char clear[VPNHA_PSK_MAX + 1];
	enum vpnha_ipsec_backend backend;
	uint32_t if_id;
	const char *tunnel;

	tunnel = name_ok(f[6]) ? f[6] : "t";

	/* Route prefix: accepted means a clean IPv4/IPv6 prefix. */
	if (vpnha_route_prefix_parse(f[0], &p, err, sizeof(err)) == 0) {
		struct prefix m;

		prefix_copy(&m, &p);
		apply_mask(&m);
		if ((p.family != AF_INET && p.family != AF_INET6) ||
		    !prefix_same(&m, &p))
			abort();
	} else if (!err[0])
		abort();

	/* Pre-shared key: obscure/reveal round trip. */
	if (vpnha_psk_obscure(f[7], (uint8_t)size, obscured, sizeof(obscured),
			      err, sizeof(err)) == 0) {
		if (!vpnha_psk_valid(obscured) ||
		    vpnha_psk_reveal(obscured, clear, sizeof(clear)) !=
			    (int)strlen(f[7]) ||
		    strcmp(clear, f[7]))
			abort();
	}
	if (vpnha_psk_reveal(f[3], clear, sizeof(clear)) >= 0 &&
	    !vpnha_psk_valid(f[3]))
		abort();

	/* IPsec values of one tunnel. */
	vpnha_ipsec_conf_default(&c);
	copy_field(c.local_id, sizeof(c.local_id), f[1]);
	copy_field(c.remote_id, sizeof(c.remote_id), f[2]);
	copy_field(c.psk, sizeof(c.psk), f[3]);
	copy_field(c.vici_socket, sizeof(c.vici_socket), f[4]);
	backend =
		(f[8][0] & 1) ? VPNHA_IPSEC_STRONGSWAN : VPNHA_IPSEC_LIBRESWAN;
	c.iftype = (f[8][0] >> 1) & 1 ? VPNHA_IF_VTI : VPNHA_IF_XFRM;
	if (strlen(f[8]) >= 5)
		memcpy(&c.if_id, f[8] + 1, 4);
	if (vpnha_ipsec_values_check(tunnel, &c, err, sizeof(err)) != 0) {
		if (!strstr(err, tunnel))
			abort(); /* the message names the tunnel */
		goto out;
	}
	if (vpnha_ipsec_check(backend, tunnel, f[5], &c, &if_id, err,
			      sizeof(err)) != 0)
		goto out;
	/* Names the YANG model has already checked. */
	if (vpnha_ipsec_value_ok(f[5], 15))
		generate(&c, tunnel, f[5], backend);
out:
	free(copy);
	return 0;
}
