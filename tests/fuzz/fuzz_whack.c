// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: libreswan's `whack --trafficstatus` and `whack --showstates`
 * output as vpnha_ls_parse() reads it.  Input: connection name, '\n',
 * then the two outputs separated by a line holding only "\f" (0x0c).
 */
#include <zebra.h>

#include "vpnha_ipsec.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpnha_ls_sa sa;
	char *copy = malloc(size + 1), *conn, *ts, *ss, *cut;

	memcpy(copy, data, size);
	copy[size] = '\0';
	conn = copy;
	ts = strchr(copy, '\n');
	if (ts)
		*ts++ = '\0';
	else
		ts = copy + size;
	ss = copy + size;
	cut = strstr(ts, "\n\f\n");
	if (cut) {
		*cut = '\0';
		ss = cut + 3;
	}
	vpnha_ls_parse(conn, ts, ss, &sa);
	if (strnlen(sa.detail, sizeof(sa.detail)) == sizeof(sa.detail))
		abort();
	free(copy);
	return 0;
}
