// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: an ICMP/ICMPv6 datagram received on a probe socket
 * (vpnha_probe_demux, the shared socket's identifier; vpnha_probe_parse;
 * a datagram parse accepts has an identifier demux finds), then the checks a
 * parsed reply goes through (vpnha_probe_validate, vpnha_probe_verify).  First
 * input byte: bit 0 family (IPv4/IPv6), bit 1 has_ip_header.
 */
#include <zebra.h>

#include "vpnha_health.h"
#include "vpnha_probe.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpnha_probe_reply r;
	struct vpnha_probe_expect e = {.ident = 0x1234};
	struct vpnha_hc_slot s = {.sent = 1000000,
				  .nonce = 0x0123456789abcdefULL,
				  .status = VPNHA_HC_SLOT_SENT};
	char err[128];
	int family, demux;
	uint16_t ident = 0;

	if (size < 1)
		return 0;
	family = (data[0] & 1) ? AF_INET6 : AF_INET;
	demux = vpnha_probe_demux(data + 1, size - 1, family, data[0] & 2,
				  &ident);
	if (vpnha_probe_parse(data + 1, size - 1, family, data[0] & 2, &r, err,
			      sizeof(err)) == 0) {
		if (demux != 0 || ident != r.ident)
			abort(); /* the shared socket would lose it */
		vpnha_probe_validate(&r, &e);
		vpnha_probe_verify(&r, &s);
		vpnha_probe_verify(&r, NULL);
	} else if (!err[0])
		abort(); /* a refusal always says why */
	return 0;
}
