// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the operator-input checks (vpnha_check.c): ranges,
 * words, health-check addresses, paths.  Each message must name the
 * field, the value and what is allowed.
 */
#include <zebra.h>

#include "vpnha_check.h"
#include "vpnha_cunit.h"

static void test_ranges(void)
{
	const struct vpnha_range *r = vpnha_range_find(
		vpnha_hc_ranges, vpnha_hc_ranges_n, "interval");
	char err[160];
	uint32_t v = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NULL(
		vpnha_range_find(vpnha_hc_ranges, vpnha_hc_ranges_n, "bogus"));
	CU_ASSERT_EQUAL(vpnha_range_parse(r, "health-check interval", "10", &v,
					  err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(v, 10);
	CU_ASSERT_EQUAL(vpnha_range_parse(r, "health-check interval", "60000",
					  &v, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(vpnha_range_parse(r, "health-check interval", "9", &v,
					  err, sizeof(err)),
			-1);
	CU_ASSERT_STRING_EQUAL(
		err,
		"health-check interval 9 out of range: allowed 10-60000 ms");
	CU_ASSERT_EQUAL(vpnha_range_parse(r, "health-check interval", "-5", &v,
					  err, sizeof(err)),
			-1);
	CU_ASSERT_STRING_EQUAL(
		err,
		"health-check interval '-5' is not a number: allowed 10-60000 ms");
	CU_ASSERT_EQUAL(vpnha_range_parse(r, "x", "", &v, err, sizeof(err)),
			-1);
	CU_ASSERT_EQUAL(
		vpnha_range_parse(r, "x", "4294967296", &v, err, sizeof(err)),
		-1);
	CU_ASSERT_EQUAL(
		vpnha_range_parse(r, "x", "99999999999", &v, err, sizeof(err)),
		-1);
	CU_ASSERT_EQUAL(vpnha_range_parse(&vpnha_range_weight, "route weight",
					  "0", &v, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(vpnha_range_parse(&vpnha_range_weight, "route weight",
					  "101", &v, err, sizeof(err)),
			-1);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(err, "route weight 101 out of range: allowed 0-100"));
	/* Every health-check range is a real one. */
	for (size_t i = 0; i < vpnha_hc_ranges_n; i++)
		CU_ASSERT(vpnha_hc_ranges[i].min < vpnha_hc_ranges[i].max);
}

static void test_words(void)
{
	static const char *const words[] = {"keep-best", "withdraw", NULL};
	char err[160];

	CU_ASSERT_EQUAL(vpnha_word_check("all-down-action", "withdraw", words,
					 err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(vpnha_word_check("all-down-action", "drop", words, err,
					 sizeof(err)),
			-1);
	CU_ASSERT_STRING_EQUAL(
		err,
		"all-down-action 'drop' is not one of: keep-best, withdraw");
}

static int hc(const char *field, const char *addr, char *err, size_t len)
{
	struct ipaddr a;

	CU_ASSERT_EQUAL_FATAL(str2ipaddr(addr, &a), 0);
	return vpnha_hc_addr_check(field, &a, err, len);
}

static void test_hc_addresses(void)
{
	static const struct {
		const char *addr, *why;
	} bad[] = {
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"127.0.0.1", "loopback"},
		{"127.1.2.3", "loopback"},
		{"::1", "loopback"},
		{"224.0.0.5", "multicast"},
		{"239.255.255.255", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"fe80::1", "link-local"},
		{"febf::1", "link-local"},
		{"::ffff:10.0.0.1", "IPv4-mapped"},
	};
	static const char *const good[] = {
		"169.254.1.1", "10.0.0.1", "192.0.2.1",	      "2001:db8::1",
		"fd00::1",     "fec0::1",  "223.255.255.255",
	};
	char err[200];

	for (size_t i = 0; i < array_size(bad); i++) {
		CU_ASSERT_EQUAL(hc("health-check source", bad[i].addr, err,
				   sizeof(err)),
				-1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].why));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "health-check source "));
		CU_ASSERT_EQUAL(hc("health-check destination", bad[i].addr, err,
				   sizeof(err)),
				-1);
	}
	for (size_t i = 0; i < array_size(good); i++) {
		CU_ASSERT_EQUAL(
			hc("health-check source", good[i], err, sizeof(err)),
			0);
		CU_ASSERT_EQUAL(hc("health-check destination", good[i], err,
				   sizeof(err)),
				0);
	}
	hc("health-check destination", "255.255.255.255", err, sizeof(err));
	CU_ASSERT_STRING_EQUAL(
		err,
		"health-check destination 255.255.255.255 is the broadcast address");
}

static void test_paths(void)
{
	static const char *const good[] = {
		"/etc/ipsec.d/vpnhad",
		"/run/pluto/pluto.ctl",
		"/a",
		"/x/...",
		"/x/.hidden",
		"/x/..y",
	};
	static const char *const bad[] = {
		"relative/path", "/etc/../tmp", "/etc/..", "/./x", "/x/.",
		"/x//y",	 "/x/",		"//x",	   "/",
	};
	char err[200];

	for (size_t i = 0; i < array_size(good); i++)
		CU_ASSERT_EQUAL(vpnha_path_check("ipsec path", good[i], err,
						 sizeof(err)),
				0);
	for (size_t i = 0; i < array_size(bad); i++) {
		CU_ASSERT_EQUAL(vpnha_path_check("ipsec path", bad[i], err,
						 sizeof(err)),
				-1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i]));
	}
	vpnha_path_check("ipsec path", "/etc/ipsec.d/../../tmp", err,
			 sizeof(err));
	CU_ASSERT_STRING_EQUAL(
		err,
		"ipsec path '/etc/ipsec.d/../../tmp' is not a normalized path: no empty, '.' or '..' component, no trailing '/'");
}

static const struct vpnha_cunit_test tests[] = {
	{"ranges and their messages", test_ranges},
	{"words and their messages", test_words},
	{"health-check addresses", test_hc_addresses},
	{"normalized absolute paths", test_paths},
};

int main(void)
{
	return vpnha_cunit_run("check", tests, array_size(tests), NULL, NULL);
}
