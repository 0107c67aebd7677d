// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: bytes read from the strongSwan VICI socket.  Framing
 * (vpnha_vici_frame), packet split (vpnha_vici_packet), then the
 * message through every reader: the generic walk, the SA extraction of
 * list-sa / ike-updown / child-updown events, and command results.
 */
#include <zebra.h>

#include "vpnha_vici.h"
#include "fuzz.h"

static int walk(void *arg, enum vpnha_vici_elem type, unsigned int depth,
		const char *name, const uint8_t *value, size_t value_len)
{
	size_t *n = arg;

	/* name is NUL-terminated, value readable: touch every byte. */
	*n += strlen(name) + depth + type;
	for (size_t i = 0; i < value_len; i++)
		*n += value[i];
	return 0;
}

static void message(const uint8_t *msg, size_t len)
{
	struct vpnha_vici_sa sa;
	char errmsg[256];
	size_t n = 0;

	vpnha_vici_parse(msg, len, walk, &n);
	if (vpnha_vici_parse_sa(msg, len, &sa) == 0) {
		if (sa.n_child > VPNHA_VICI_MAX_CHILD ||
		    strnlen(sa.ike_name, sizeof(sa.ike_name)) ==
			    sizeof(sa.ike_name))
			abort();
	}
	if (vpnha_vici_result(msg, len, errmsg, sizeof(errmsg)) >= 0 &&
	    strnlen(errmsg, sizeof(errmsg)) == sizeof(errmsg))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpnha_vici_pkt p;
	size_t off = 0, pkt_len;

	/* The stream as the adapter reads it: packet after packet. */
	while (off < size &&
	       vpnha_vici_frame(data + off, size - off, &pkt_len) == 1) {
		if (pkt_len > size - off)
			abort();
		if (vpnha_vici_packet(data + off, pkt_len, &p) == 0)
			message(p.msg, p.msg_len);
		off += pkt_len;
	}
	/* And the whole input as one message. */
	message(data, size);
	return 0;
}
