// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: what vpnhad reads from its NETLINK_ROUTE socket: the
 * acknowledgement of an address request (vpnha_nl_ack) and a part of an
 * address dump (vpnha_nl_addr_find, IPv4 and IPv6).  First 4 bytes: the
 * sequence number expected.
 */
#include <zebra.h>

#include "vpnha_nl.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seq;
	void *buf;
	int ret;

	if (size < 4)
		return 0;
	memcpy(&seq, data, 4);
	/* An exact-size copy so ASan sees any read past the end. */
	buf = malloc(size - 4);
	memcpy(buf, data + 4, size - 4);
	static const uint8_t addr[16] = {169, 254, 1, 1};

	ret = vpnha_nl_ack(buf, size - 4, seq);
	if (ret > 0 || ret < -4095)
		abort();
	ret = vpnha_nl_addr_find(buf, size - 4, seq, AF_INET, 7, addr, 4);
	if (ret > VPNHA_NL_DONE || ret < -4095)
		abort();
	ret = vpnha_nl_addr_find(buf, size - 4, seq, AF_INET6, 7, addr, 16);
	if (ret > VPNHA_NL_DONE || ret < -4095)
		abort();
	free(buf);
	return 0;
}
