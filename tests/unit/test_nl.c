// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CUnit tests of the netlink acknowledgement reader (vpnha_nl.c).
 * Before it, the adapter read the error of a fixed-size struct whatever
 * recv() returned: a short or foreign message gave an uninitialized or
 * wrong error.
 */
#include <zebra.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>

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

/* A dump part: messages appended one after the other. */
struct part {
	uint8_t buf[1024];
	size_t len;
};

static void put_msg(struct part *pt, uint16_t type, uint32_t seq,
		    const void *body, size_t blen)
{
	struct nlmsghdr n = {
		.nlmsg_len = NLMSG_LENGTH(blen),
		.nlmsg_type = type,
		.nlmsg_flags = NLM_F_MULTI,
		.nlmsg_seq = seq,
	};

	memcpy(pt->buf + pt->len, &n, sizeof(n));
	memcpy(pt->buf + pt->len + NLMSG_HDRLEN, body, blen);
	pt->len += NLMSG_ALIGN(n.nlmsg_len);
}

/* An RTM_NEWADDR body: ifaddrmsg, then one attribute. */
static size_t addr_body(uint8_t *b, int family, int ifindex, uint16_t type,
			const void *addr, size_t alen)
{
	struct ifaddrmsg ifa = {.ifa_family = family, .ifa_index = ifindex};
	struct rtattr rta = {.rta_len = RTA_LENGTH(alen), .rta_type = type};

	memset(b, 0, 64);
	memcpy(b, &ifa, sizeof(ifa));
	memcpy(b + NLMSG_ALIGN(sizeof(ifa)), &rta, sizeof(rta));
	memcpy(b + NLMSG_ALIGN(sizeof(ifa)) + RTA_LENGTH(0), addr, alen);
	return NLMSG_ALIGN(sizeof(ifa)) + RTA_ALIGN(rta.rta_len);
}

/* Append an RTM_NEWADDR for request 3. */
static void put_addr(struct part *pt, int family, int ifindex, uint16_t type,
		     const void *addr, size_t alen)
{
	uint8_t b[64];
	size_t bl = addr_body(b, family, ifindex, type, addr, alen);

	put_msg(pt, RTM_NEWADDR, 3, b, bl);
}

/* Is the IPv4 address a on interface 7, in the answer to request seq? */
static int find4(const struct part *pt, uint32_t seq, const struct in_addr *a)
{
	return vpnha_nl_addr_find(pt->buf, pt->len, seq, AF_INET, 7, a, 4);
}

static void test_addr_dump(void)
{
	struct in_addr a = {htonl(0xa9fe0101)}, other = {htonl(0xa9fe0201)};
	struct in6_addr a6 = {};
	struct part pt = {};
	int done = 0;

	a6.s6_addr[0] = 0xfd;
	a6.s6_addr[15] = 1;
	/* Another address on the interface, ours on another interface: no. */
	put_addr(&pt, AF_INET, 7, IFA_LOCAL, &other, 4);
	put_addr(&pt, AF_INET, 8, IFA_LOCAL, &a, 4);
	CU_ASSERT_EQUAL(find4(&pt, 3, &a), VPNHA_NL_MORE);
	/* The end of the dump. */
	put_msg(&pt, NLMSG_DONE, 3, &done, sizeof(done));
	CU_ASSERT_EQUAL(find4(&pt, 3, &a), VPNHA_NL_DONE);
	/* IPv4 matches IFA_LOCAL only (IFA_ADDRESS is the peer there). */
	pt.len = 0;
	put_addr(&pt, AF_INET, 7, IFA_ADDRESS, &a, 4);
	CU_ASSERT_EQUAL(find4(&pt, 3, &a), VPNHA_NL_MORE);
	put_addr(&pt, AF_INET, 7, IFA_LOCAL, &a, 4);
	CU_ASSERT_EQUAL(find4(&pt, 3, &a), VPNHA_NL_FOUND);
	/* ... but not in another request's answer. */
	CU_ASSERT_EQUAL(find4(&pt, 4, &a), VPNHA_NL_MORE);
	/* IPv6: IFA_ADDRESS. */
	pt.len = 0;
	put_addr(&pt, AF_INET6, 7, IFA_ADDRESS, &a6, 16);
	CU_ASSERT_EQUAL(
		vpnha_nl_addr_find(pt.buf, pt.len, 3, AF_INET6, 7, &a6, 16),
		VPNHA_NL_FOUND);
}

static void test_addr_dump_bad(void)
{
	struct in_addr a = {htonl(0xa9fe0101)};
	struct part pt = {};
	struct nlmsgerr e = {.error = -EPERM};
	uint8_t b[64];
	size_t bl;

	/* The kernel's error ends the dump with it. */
	put_msg(&pt, NLMSG_ERROR, 3, &e, sizeof(e));
	CU_ASSERT_EQUAL(find4(&pt, 3, &a), -EPERM);
	/* An attribute longer than its message. */
	pt.len = 0;
	bl = addr_body(b, AF_INET, 7, IFA_LOCAL, &a, 4);
	b[NLMSG_ALIGN(sizeof(struct ifaddrmsg))] = 60; /* rta_len */
	put_msg(&pt, RTM_NEWADDR, 3, b, bl);
	CU_ASSERT_EQUAL(find4(&pt, 3, &a), -EBADMSG);
	/* A body shorter than ifaddrmsg; a message longer than the part. */
	pt.len = 0;
	put_msg(&pt, RTM_NEWADDR, 3, b, 2);
	CU_ASSERT_EQUAL(find4(&pt, 3, &a), -EBADMSG);
	bl = addr_body(b, AF_INET, 7, IFA_LOCAL, &a, 4);
	pt.len = 0;
	put_msg(&pt, RTM_NEWADDR, 3, b, bl);
	CU_ASSERT_EQUAL(
		vpnha_nl_addr_find(pt.buf, pt.len - 1, 3, AF_INET, 7, &a, 4),
		-EBADMSG);
	/* An address of the wrong length for the family. */
	CU_ASSERT_EQUAL(
		vpnha_nl_addr_find(pt.buf, pt.len, 3, AF_INET, 7, &a, 16),
		-EBADMSG);
}

static const struct vpnha_cunit_test tests[] = {
	{"acknowledgement", test_ack},
	{"truncated, foreign, malformed", test_bad},
	{"address dump: found, not found, done", test_addr_dump},
	{"address dump: errors, malformed", test_addr_dump_bad},
};

int main(void)
{
	return vpnha_cunit_run("netlink", tests, array_size(tests), NULL, NULL);
}
