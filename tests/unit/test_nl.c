// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CUnit tests of the netlink acknowledgement reader (vpnha_nl.c).
 * Before it, the adapter read the error of a fixed-size struct whatever
 * recv() returned: a short or foreign message gave an uninitialized or
 * wrong error.
 */
#include <zebra.h>

#include <linux/netlink.h>

#include "vpnha_cunit.h"
#include "vpnha_nl.h"

struct ack {
	struct nlmsghdr n;
	struct nlmsgerr e;
};

static struct ack mk_ack(uint32_t seq, int error)
{
	struct ack a = {};

	a.n.nlmsg_len = sizeof(a);
	a.n.nlmsg_type = NLMSG_ERROR;
	a.n.nlmsg_seq = seq;
	a.e.error = error;
	return a;
}

static void test_ack(void)
{
	struct ack a = mk_ack(5, 0), b = mk_ack(5, -EEXIST);

	CU_ASSERT_EQUAL(vpnha_nl_ack(&a, sizeof(a), 5), 0);
	CU_ASSERT_EQUAL(vpnha_nl_ack(&b, sizeof(b), 5), -EEXIST);
}

static void test_bad(void)
{
	struct ack a = mk_ack(5, 0), big = mk_ack(5, 7);
	struct {
		struct nlmsghdr n;
		uint32_t pad;
		struct ack a;
	} two = {};

	/* Truncated: header only, or shorter. */
	CU_ASSERT_EQUAL(vpnha_nl_ack(&a, sizeof(a.n), 5), -EBADMSG);
	CU_ASSERT_EQUAL(vpnha_nl_ack(&a, 3, 5), -EBADMSG);
	CU_ASSERT_EQUAL(vpnha_nl_ack(&a, 0, 5), -EBADMSG);
	/* Another request's answer. */
	CU_ASSERT_EQUAL(vpnha_nl_ack(&a, sizeof(a), 6), -EBADMSG);
	/* Length field larger than what was received, or too small. */
	a.n.nlmsg_len = sizeof(a) + 1;
	CU_ASSERT_EQUAL(vpnha_nl_ack(&a, sizeof(a), 5), -EBADMSG);
	a.n.nlmsg_len = 4;
	CU_ASSERT_EQUAL(vpnha_nl_ack(&a, sizeof(a), 5), -EBADMSG);
	/* Not an errno. */
	CU_ASSERT_EQUAL(vpnha_nl_ack(&big, sizeof(big), 5), -EBADMSG);
	/* A message before the ack is skipped. */
	two.n.nlmsg_len = sizeof(two.n) + sizeof(two.pad);
	two.n.nlmsg_type = NLMSG_NOOP;
	two.a = mk_ack(9, -ENODEV);
	CU_ASSERT_EQUAL(vpnha_nl_ack(&two, sizeof(two), 9), -ENODEV);
}

static const struct vpnha_cunit_test tests[] = {
	{"acknowledgement", test_ack},
	{"truncated, foreign, malformed", test_bad},
};

int main(void)
{
	return vpnha_cunit_run("netlink", tests, array_size(tests), NULL, NULL);
}
