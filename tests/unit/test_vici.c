// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CUnit tests of the VICI wire format (vpnha_vici.c): builder golden
 * bytes, build/parse round trip, framing, malformed input, SA and
 * response extraction.
 */
#include <zebra.h>


#include "vpnha_cunit.h"
#include "vpnha_vici.h"

/* --- Helpers --- */

/* Record of a walk, one line per element, e.g. "2 KV key=value". */
struct rec {
	char s[4096];
	size_t n;
};

static int rec_walk(void *arg, enum vpnha_vici_elem type, unsigned int depth,
		    const char *name, const uint8_t *v, size_t vlen)
{
	/* clang-format off */
	static const char *const tn[] = {
		"?", "SEC", "END", "KV", "LIST", "ITEM", "LEND",
	};
	/* clang-format on */
	struct rec *r = arg;

	r->n += snprintf(r->s + r->n, sizeof(r->s) - r->n, "%u %s %s%s%.*s\n",
			 depth, tn[type], name, v ? "=" : "", (int)vlen,
			 v ? (const char *)v : "");
	return 0;
}

static int walk(const uint8_t *msg, size_t len, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	return vpnha_vici_parse(msg, len, rec_walk, r);
}

/* The README's encoding example (its message bytes). */
/* clang-format off */
static const uint8_t readme_msg[] = {
	3, 4, 'k', 'e', 'y', '1', 0, 6, 'v', 'a', 'l', 'u', 'e', '1',
	1, 8, 's', 'e', 'c', 't', 'i', 'o', 'n', '1',
	1, 11, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',
	3, 4, 'k', 'e', 'y', '2', 0, 6, 'v', 'a', 'l', 'u', 'e', '2',
	2,
	4, 5, 'l', 'i', 's', 't', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '2',
	6,
	2,
};
/* clang-format on */

static void build_readme(struct vpnha_vici_buf *b)
{
	CU_ASSERT_EQUAL(vpnha_vici_begin(b, VPNHA_VICI_CMD_REQUEST, "x"), 0);
	CU_ASSERT_EQUAL(vpnha_vici_kv(b, "key1", "value1"), 0);
	CU_ASSERT_EQUAL(vpnha_vici_section_start(b, "section1"), 0);
	CU_ASSERT_EQUAL(vpnha_vici_section_start(b, "sub-section"), 0);
	CU_ASSERT_EQUAL(vpnha_vici_kv(b, "key2", "value2"), 0);
	CU_ASSERT_EQUAL(vpnha_vici_section_end(b), 0);
	CU_ASSERT_EQUAL(vpnha_vici_list_start(b, "list1"), 0);
	CU_ASSERT_EQUAL(vpnha_vici_list_item(b, "item1"), 0);
	CU_ASSERT_EQUAL(vpnha_vici_list_item(b, "item2"), 0);
	CU_ASSERT_EQUAL(vpnha_vici_list_end(b), 0);
	CU_ASSERT_EQUAL(vpnha_vici_section_end(b), 0);
}

/* --- Builder --- */

static void test_golden_readme(void)
{
	struct vpnha_vici_buf b;
	const uint8_t *pkt;
	size_t len, n = sizeof(readme_msg) + 3;

	build_readme(&b);
	pkt = vpnha_vici_end(&b, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pkt);
	CU_ASSERT_EQUAL_FATAL(len, 4 + n);
	CU_ASSERT(pkt[0] == 0 && pkt[1] == 0 && pkt[2] == n >> 8 &&
		  pkt[3] == (n & 0xff));
	CU_ASSERT(pkt[4] == 0 && pkt[5] == 1 && pkt[6] == 'x');
	CU_ASSERT(memcmp(pkt + 7, readme_msg, sizeof(readme_msg)) == 0);
	/* end is idempotent, nothing can be added after it */
	CU_ASSERT_PTR_EQUAL(vpnha_vici_end(&b, &len), pkt);
	CU_ASSERT_EQUAL(vpnha_vici_kv(&b, "k", "v"), -1);
	CU_ASSERT_PTR_NULL(vpnha_vici_end(&b, &len));
	vpnha_vici_buf_free(&b);
	CU_ASSERT_PTR_NULL(b.data);
}

static void test_golden_load_conn(void)
{
	/* load-conn { c { remote_addrs [ 1.2.3.4 ] children { c { } } } } */
	/* clang-format off */
	static const uint8_t want[] = {
		0, 0, 0, 64, 0, 9, 'l', 'o', 'a', 'd', '-', 'c', 'o', 'n', 'n',
		1, 1, 'c',
		4, 12, 'r', 'e', 'm', 'o', 't', 'e', '_', 'a', 'd', 'd', 'r',
		's',
		5, 0, 7, '1', '.', '2', '.', '3', '.', '4',
		6,
		3, 3, 'p', 's', 'k', 0, 2, 0, 0xff,
		1, 8, 'c', 'h', 'i', 'l', 'd', 'r', 'e', 'n',
		1, 1, 'c', 2,
		2,
		2,
	};
	/* clang-format on */
	struct vpnha_vici_buf b;
	const uint8_t *pkt;
	size_t len;

	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "load-conn");
	vpnha_vici_section_start(&b, "c");
	vpnha_vici_list_start(&b, "remote_addrs");
	vpnha_vici_list_item(&b, "1.2.3.4");
	vpnha_vici_list_end(&b);
	vpnha_vici_kv_bin(&b, "psk", "\0\xff", 2);
	vpnha_vici_section_start(&b, "children");
	vpnha_vici_section_start(&b, "c");
	vpnha_vici_section_end(&b);
	vpnha_vici_section_end(&b);
	vpnha_vici_section_end(&b);
	pkt = vpnha_vici_end(&b, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pkt);
	CU_ASSERT_EQUAL(len, sizeof(want));
	CU_ASSERT(len == sizeof(want) && memcmp(pkt, want, len) == 0);
	vpnha_vici_buf_free(&b);
}

static void test_golden_unnamed_and_register(void)
{
	static const char reg[] = "\0\0\0\x09\x03\x07list-sa";
	static const uint8_t resp[] = {0, 0, 0, 1, 1};
	struct vpnha_vici_buf b;
	const uint8_t *pkt;
	size_t len;

	vpnha_vici_begin(&b, VPNHA_VICI_EVENT_REGISTER, "list-sa");
	pkt = vpnha_vici_end(&b, &len);
	CU_ASSERT(pkt && len == sizeof(reg) - 1 && !memcmp(pkt, reg, len));
	/* a registration carries no message */
	CU_ASSERT_EQUAL(vpnha_vici_kv(&b, "k", "v"), -1);
	vpnha_vici_buf_free(&b);

	vpnha_vici_begin(&b, VPNHA_VICI_CMD_RESPONSE, "ignored");
	pkt = vpnha_vici_end(&b, &len);
	CU_ASSERT(pkt && len == sizeof(resp) && !memcmp(pkt, resp, len));
	vpnha_vici_buf_free(&b);
}

static void test_builder_limits(void)
{
	struct vpnha_vici_buf b;
	char name[300];
	static char big[70000];
	size_t len;

	memset(name, 'n', sizeof(name));
	name[255] = '\0';
	memset(big, 'v', sizeof(big));
	big[65535] = '\0';

	/* 255-byte key and 65535-byte value are fine */
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "load-shared");
	CU_ASSERT_EQUAL(vpnha_vici_kv(&b, name, big), 0);
	CU_ASSERT_PTR_NOT_NULL(vpnha_vici_end(&b, &len));
	CU_ASSERT_EQUAL(len, 4 + 1 + 1 + 11 + 1 + 1 + 255 + 2 + 65535);
	vpnha_vici_buf_free(&b);

	/* one more each way is not; errors are sticky */
	name[255] = 'n';
	name[256] = '\0';
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	CU_ASSERT_EQUAL(vpnha_vici_kv(&b, name, "v"), -1);
	CU_ASSERT_EQUAL(vpnha_vici_kv(&b, "k", "v"), -1);
	CU_ASSERT_PTR_NULL(vpnha_vici_end(&b, &len));
	vpnha_vici_buf_free(&b);

	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	CU_ASSERT_EQUAL(vpnha_vici_kv_bin(&b, "k", big, 65536), -1);
	CU_ASSERT_PTR_NULL(vpnha_vici_end(&b, &len));
	vpnha_vici_buf_free(&b);

	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	CU_ASSERT_EQUAL(vpnha_vici_list_start(&b, name), -1);
	vpnha_vici_buf_free(&b);

	CU_ASSERT_EQUAL(vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, name), -1);
	CU_ASSERT_PTR_NULL(vpnha_vici_end(&b, &len));
	vpnha_vici_buf_free(&b);

	/* a packet longer than 512 KiB */
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	for (int i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(vpnha_vici_kv(&b, "k", big), 0);
	CU_ASSERT_EQUAL(vpnha_vici_kv(&b, "k", big), -1);
	CU_ASSERT_PTR_NULL(vpnha_vici_end(&b, &len));
	vpnha_vici_buf_free(&b);
}

static void test_builder_nesting(void)
{
	struct vpnha_vici_buf b;
	size_t len;

	/* unbalanced section */
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	vpnha_vici_section_start(&b, "s");
	CU_ASSERT_PTR_NULL(vpnha_vici_end(&b, &len));
	vpnha_vici_buf_free(&b);

	/* section end at the top */
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	CU_ASSERT_EQUAL(vpnha_vici_section_end(&b), -1);
	vpnha_vici_buf_free(&b);

	/* in a list only items and its end */
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	vpnha_vici_list_start(&b, "l");
	CU_ASSERT_EQUAL(vpnha_vici_kv(&b, "k", "v"), -1);
	vpnha_vici_buf_free(&b);
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	vpnha_vici_list_start(&b, "l");
	CU_ASSERT_EQUAL(vpnha_vici_section_start(&b, "s"), -1);
	vpnha_vici_buf_free(&b);
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	vpnha_vici_list_start(&b, "l");
	CU_ASSERT_PTR_NULL(vpnha_vici_end(&b, &len)); /* unclosed list */
	vpnha_vici_buf_free(&b);

	/* items only in a list */
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	CU_ASSERT_EQUAL(vpnha_vici_list_item(&b, "i"), -1);
	vpnha_vici_buf_free(&b);
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_REQUEST, "x");
	CU_ASSERT_EQUAL(vpnha_vici_list_end(&b), -1);
	vpnha_vici_buf_free(&b);
}

/* --- Parser --- */

static void test_round_trip(void)
{
	struct vpnha_vici_buf b;
	struct vpnha_vici_pkt p;
	struct rec r;
	const uint8_t *pkt;
	size_t len, plen;

	build_readme(&b);
	pkt = vpnha_vici_end(&b, &len);
	CU_ASSERT_EQUAL(vpnha_vici_frame(pkt, len, &plen), 1);
	CU_ASSERT_EQUAL(plen, len);
	CU_ASSERT_EQUAL_FATAL(vpnha_vici_packet(pkt, len, &p), 0);
	CU_ASSERT_EQUAL(p.type, VPNHA_VICI_CMD_REQUEST);
	CU_ASSERT_STRING_EQUAL(p.name, "x");
	CU_ASSERT_EQUAL(p.msg_len, sizeof(readme_msg));
	CU_ASSERT_EQUAL(walk(p.msg, p.msg_len, &r), 0);
	CU_ASSERT_STRING_EQUAL(r.s,
			       "0 KV key1=value1\n"
			       "0 SEC section1\n"
			       "1 SEC sub-section\n"
			       "2 KV key2=value2\n"
			       "1 END \n"
			       "1 LIST list1\n"
			       "1 ITEM =item1\n"
			       "1 ITEM =item2\n"
			       "1 LEND \n"
			       "0 END \n");
	vpnha_vici_buf_free(&b);

	/* binary values and empty ones survive */
	vpnha_vici_begin(&b, VPNHA_VICI_EVENT, "ev");
	vpnha_vici_kv_bin(&b, "bin", "a\0b", 3);
	vpnha_vici_kv(&b, "empty", "");
	vpnha_vici_list_start(&b, "none");
	vpnha_vici_list_end(&b);
	pkt = vpnha_vici_end(&b, &len);
	CU_ASSERT_EQUAL_FATAL(vpnha_vici_packet(pkt, len, &p), 0);
	CU_ASSERT_EQUAL(p.type, VPNHA_VICI_EVENT);
	CU_ASSERT_STRING_EQUAL(p.name, "ev");
	CU_ASSERT_EQUAL(walk(p.msg, p.msg_len, &r), 0);
	CU_ASSERT(p.msg_len == 2 + 3 + 2 + 3 + 2 + 5 + 2 + 2 + 4 + 1);
	CU_ASSERT(memcmp(p.msg + 5, "\0\3a\0b", 5) == 0);
	vpnha_vici_buf_free(&b);
}

static int stop_at_kv(void *arg, enum vpnha_vici_elem type, unsigned int depth,
		      const char *name, const uint8_t *v, size_t vlen)
{
	(*(int *)arg)++;
	return type == VPNHA_VICI_KEY_VALUE ? 42 : 0;
}

static void test_parse_stop(void)
{
	int n = 0;

	CU_ASSERT_EQUAL(vpnha_vici_parse(readme_msg, sizeof(readme_msg),
					 stop_at_kv, &n),
			42);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(vpnha_vici_parse(readme_msg, 0, stop_at_kv, &n), 0);
}

static void test_parse_malformed(void)
{
	/* clang-format off */
	static const uint8_t bad_nest[][4] = {
		{ 2 },		     /* section end at the top */
		{ 6 },		     /* list end outside a list */
		{ 5, 0, 0 },	     /* item outside a list */
		{ 1, 1, 's' },	     /* unclosed section */
		{ 4, 1, 'l' },	     /* unclosed list */
		{ 4, 1, 'l', 2 },    /* section end inside a list */
		{ 4, 1, 'l', 1 },    /* section start inside a list */
		{ 7 },		     /* unknown element */
		{ 0 },		     /* unknown element */
		{ 3, 1, 'k', 0 },    /* value length truncated */
		{ 3, 1, 'k', 0 },    /* ... */
		{ 3, 2, 'k' },	     /* name truncated */
		{ 3, 1, 'k' },	     /* no value */
		{ 3 },		     /* no name */
	};
	static const size_t bad_len[] = { 1, 1, 3, 3, 3, 4, 4, 1, 1,
					  4, 4, 3, 3, 1 };
	/* clang-format on */
	static const uint8_t list_kv[] = {4, 1, 'l', 3, 1, 'k', 0, 0, 6};
	static const uint8_t val_trunc[] = {3, 1, 'k', 0, 5, 'a', 'b'};
	struct rec r;
	size_t i, n;

	for (i = 0; i < array_size(bad_len); i++) {
		if (walk(bad_nest[i], bad_len[i], &r) != -1)
			fprintf(stderr, "\ncase %zu parsed\n", i);
		CU_ASSERT_EQUAL(walk(bad_nest[i], bad_len[i], &r), -1);
	}
	CU_ASSERT_EQUAL(walk(list_kv, sizeof(list_kv), &r), -1);
	CU_ASSERT_EQUAL(walk(val_trunc, sizeof(val_trunc), &r), -1);

	/* every proper prefix of a valid message is rejected */
	for (n = 1; n < sizeof(readme_msg); n++) {
		/* prefixes ending right after an element at depth 0 are
		 * valid messages: only the first KV ends there */
		if (n == 14)
			continue;
		CU_ASSERT_EQUAL(walk(readme_msg, n, &r), -1);
	}
	CU_ASSERT_EQUAL(walk(readme_msg, 14, &r), 0);
}

/* --- Framing --- */

static void test_frame(void)
{
	uint8_t two[] = {0, 0, 0, 2, 1, 6, 0, 0, 0, 1, 5, 0, 0};
	uint8_t big[] = {0, 8, 0, 0, 1};  /* exactly 512 KiB: ok */
	uint8_t over[] = {0, 8, 0, 1, 1}; /* 512 KiB + 1 */
	uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};
	uint8_t zero[] = {0, 0, 0, 0};
	struct vpnha_vici_pkt p;
	size_t plen = 0, i;

	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(vpnha_vici_frame(two, i, &plen), 0);
	CU_ASSERT_EQUAL(vpnha_vici_frame(two, 5, &plen), 0);
	CU_ASSERT_EQUAL(vpnha_vici_frame(two, 6, &plen), 1);
	CU_ASSERT_EQUAL(plen, 6);
	CU_ASSERT_EQUAL(vpnha_vici_frame(two, sizeof(two), &plen), 1);
	CU_ASSERT_EQUAL(plen, 6);
	/* the second packet in the stream */
	CU_ASSERT_EQUAL(vpnha_vici_frame(two + 6, 4, &plen), 0);
	CU_ASSERT_EQUAL(vpnha_vici_frame(two + 6, 5, &plen), 1);
	CU_ASSERT_EQUAL(plen, 5);
	CU_ASSERT_EQUAL(vpnha_vici_packet(two + 6, 5, &p), 0);
	CU_ASSERT_EQUAL(p.type, VPNHA_VICI_EVENT_CONFIRM);

	CU_ASSERT_EQUAL(vpnha_vici_frame(big, sizeof(big), &plen), 0);
	CU_ASSERT_EQUAL(vpnha_vici_frame(over, sizeof(over), &plen), -1);
	CU_ASSERT_EQUAL(vpnha_vici_frame(huge, sizeof(huge), &plen), -1);
	CU_ASSERT_EQUAL(vpnha_vici_frame(zero, sizeof(zero), &plen), -1);
}

static void test_packet_malformed(void)
{
	static const uint8_t bad_type[] = {0, 0, 0, 1, 8};
	static const uint8_t name_trunc[] = {0, 0, 0, 3, 7, 5, 'a'};
	static const uint8_t no_name[] = {0, 0, 0, 1, 0};
	static const uint8_t len_mismatch[] = {0, 0, 0, 2, 1};
	static const uint8_t unknown[] = {0, 0, 0, 1, 2};
	struct vpnha_vici_pkt p;

	CU_ASSERT_EQUAL(vpnha_vici_packet(bad_type, 5, &p), -1);
	CU_ASSERT_EQUAL(vpnha_vici_packet(name_trunc, 7, &p), -1);
	CU_ASSERT_EQUAL(vpnha_vici_packet(no_name, 5, &p), -1);
	CU_ASSERT_EQUAL(vpnha_vici_packet(len_mismatch, 5, &p), -1);
	CU_ASSERT_EQUAL(vpnha_vici_packet(unknown, 4, &p), -1);
	CU_ASSERT_EQUAL(vpnha_vici_packet(unknown, 5, &p), 0);
	CU_ASSERT_EQUAL(p.type, VPNHA_VICI_CMD_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(p.name, "");
	CU_ASSERT_EQUAL(p.msg_len, 0);
}

/* --- SA extraction --- */

/* A child SA section as charon 5.9 sends it ("<name>-<uniqueid>"). */
static void add_child(struct vpnha_vici_buf *b, const char *sect,
		      const char *name, const char *state, const char *bytes)
{
	vpnha_vici_section_start(b, sect);
	vpnha_vici_kv(b, "name", name);
	vpnha_vici_kv(b, "uniqueid", "7");
	vpnha_vici_kv(b, "state", state);
	vpnha_vici_kv(b, "spi-in", "c1a2b3d4");
	vpnha_vici_kv(b, "spi-out", "0badf00d");
	vpnha_vici_kv(b, "bytes-in", bytes);
	vpnha_vici_kv(b, "packets-in", "12");
	vpnha_vici_kv(b, "bytes-out", "18446744073709551615");
	vpnha_vici_kv(b, "packets-out", "13");
	vpnha_vici_kv(b, "install-time", "33");
	vpnha_vici_list_start(b, "local-ts");
	vpnha_vici_list_item(b, "0.0.0.0/0");
	vpnha_vici_list_end(b);
	vpnha_vici_section_end(b);
}

static const uint8_t *build_sa(struct vpnha_vici_buf *b, const char *event,
			       bool up, unsigned int nchild, size_t *len)
{
	struct vpnha_vici_pkt p;
	const uint8_t *pkt;
	char sect[32];

	vpnha_vici_begin(b, VPNHA_VICI_EVENT, event);
	if (up)
		vpnha_vici_kv(b, "up", "yes");
	vpnha_vici_section_start(b, "primary");
	vpnha_vici_kv(b, "uniqueid", "3");
	vpnha_vici_kv(b, "state", "ESTABLISHED");
	vpnha_vici_kv(b, "established", "120");
	vpnha_vici_kv(b, "rekey-time", "3480");
	vpnha_vici_kv(b, "reauth-time", "10000");
	vpnha_vici_list_start(b, "tasks-active");
	vpnha_vici_list_item(b, "IKE_DPD");
	vpnha_vici_list_end(b);
	/* a section named like a child-sas entry but elsewhere */
	vpnha_vici_section_start(b, "other");
	vpnha_vici_section_start(b, "child-sas");
	vpnha_vici_kv(b, "state", "BOGUS");
	vpnha_vici_section_end(b);
	vpnha_vici_section_end(b);
	vpnha_vici_section_start(b, "child-sas");
	for (unsigned int i = 0; i < nchild; i++) {
		snprintf(sect, sizeof(sect), "primary-%u", 7 + i);
		add_child(b, sect, "primary", i ? "REKEYED" : "INSTALLED",
			  "1000");
	}
	vpnha_vici_section_end(b);
	vpnha_vici_section_end(b);
	/* a second IKE SA is ignored */
	vpnha_vici_section_start(b, "backup");
	vpnha_vici_kv(b, "state", "CONNECTING");
	vpnha_vici_section_end(b);
	pkt = vpnha_vici_end(b, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pkt);
	CU_ASSERT_EQUAL_FATAL(vpnha_vici_packet(pkt, *len, &p), 0);
	*len = p.msg_len;
	return p.msg;
}

static void test_sa_list(void)
{
	struct vpnha_vici_buf b;
	struct vpnha_vici_sa sa;
	const uint8_t *msg;
	size_t len;

	msg = build_sa(&b, "list-sa", false, 2, &len);
	CU_ASSERT_EQUAL_FATAL(vpnha_vici_parse_sa(msg, len, &sa), 0);
	CU_ASSERT_STRING_EQUAL(sa.ike_name, "primary");
	CU_ASSERT_STRING_EQUAL(sa.ike_state, "ESTABLISHED");
	CU_ASSERT_EQUAL(sa.ike_id, 3);
	CU_ASSERT_EQUAL(sa.established_s, 120);
	CU_ASSERT_EQUAL(sa.rekey_time_s, 3480);
	CU_ASSERT_EQUAL(sa.reauth_time_s, 10000);
	CU_ASSERT_FALSE(sa.up_event);
	CU_ASSERT_EQUAL_FATAL(sa.n_child, 2);
	CU_ASSERT_EQUAL(sa.n_child_all, 2);
	CU_ASSERT_STRING_EQUAL(sa.child[0].name, "primary");
	CU_ASSERT_STRING_EQUAL(sa.child[0].state, "INSTALLED");
	CU_ASSERT_STRING_EQUAL(sa.child[1].state, "REKEYED");
	CU_ASSERT_EQUAL(sa.child[0].spi_in, 0xc1a2b3d4);
	CU_ASSERT_EQUAL(sa.child[0].spi_out, 0x0badf00d);
	CU_ASSERT_EQUAL(sa.child[0].bytes_in, 1000);
	CU_ASSERT_EQUAL(sa.child[0].bytes_out, UINT64_MAX);
	CU_ASSERT_EQUAL(sa.child[0].packets_in, 12);
	CU_ASSERT_EQUAL(sa.child[0].packets_out, 13);
	CU_ASSERT_EQUAL(sa.child[0].install_time_s, 33);
	vpnha_vici_buf_free(&b);

	/* more child SAs than fit: the first four, all counted */
	msg = build_sa(&b, "list-sa", false, 6, &len);
	CU_ASSERT_EQUAL(vpnha_vici_parse_sa(msg, len, &sa), 0);
	CU_ASSERT_EQUAL(sa.n_child, VPNHA_VICI_MAX_CHILD);
	CU_ASSERT_EQUAL(sa.n_child_all, 6);
	vpnha_vici_buf_free(&b);

	/* IKE SA without child SAs (e.g. ike-updown) */
	msg = build_sa(&b, "ike-updown", true, 0, &len);
	CU_ASSERT_EQUAL(vpnha_vici_parse_sa(msg, len, &sa), 0);
	CU_ASSERT_TRUE(sa.up_event);
	CU_ASSERT_EQUAL(sa.n_child, 0);
	vpnha_vici_buf_free(&b);

	/* malformed or no IKE SA */
	msg = build_sa(&b, "list-sa", false, 1, &len);
	CU_ASSERT_EQUAL(vpnha_vici_parse_sa(msg, len - 1, &sa), -1);
	CU_ASSERT_EQUAL(vpnha_vici_parse_sa(readme_msg, 14, &sa), -1);
	vpnha_vici_buf_free(&b);
}

static void test_sa_child_updown(void)
{
	struct vpnha_vici_buf b;
	struct vpnha_vici_sa sa;
	struct vpnha_vici_pkt p;
	const uint8_t *pkt;
	size_t len;

	/* child-updown down: no "up" key, state DELETING, section name
	 * used when there is no "name" key, long names truncated */
	vpnha_vici_begin(&b, VPNHA_VICI_EVENT, "child-updown");
	vpnha_vici_section_start(&b, "backup");
	vpnha_vici_kv(&b, "state", "ESTABLISHED");
	vpnha_vici_section_start(&b, "child-sas");
	vpnha_vici_section_start(
		&b,
		"a-very-long-child-sa-section-name-that-does-not-fit-in-"
		"sixty-four-bytes");
	vpnha_vici_kv(&b, "state", "DELETING");
	vpnha_vici_kv(&b, "bytes-in",
		      "not-a-number-and-far-too-long-to-be-one");
	vpnha_vici_section_end(&b);
	vpnha_vici_section_end(&b);
	vpnha_vici_section_end(&b);
	pkt = vpnha_vici_end(&b, &len);
	CU_ASSERT_EQUAL_FATAL(vpnha_vici_packet(pkt, len, &p), 0);
	CU_ASSERT_STRING_EQUAL(p.name, "child-updown");
	CU_ASSERT_EQUAL_FATAL(vpnha_vici_parse_sa(p.msg, p.msg_len, &sa), 0);
	CU_ASSERT_FALSE(sa.up_event);
	CU_ASSERT_STRING_EQUAL(sa.ike_name, "backup");
	CU_ASSERT_EQUAL_FATAL(sa.n_child, 1);
	CU_ASSERT_EQUAL(strlen(sa.child[0].name), 63);
	CU_ASSERT(!strncmp(sa.child[0].name, "a-very-long-child", 17));
	CU_ASSERT_STRING_EQUAL(sa.child[0].state, "DELETING");
	CU_ASSERT_EQUAL(sa.child[0].bytes_in, 0);
	vpnha_vici_buf_free(&b);

	/* child-updown up */
	pkt = NULL;
	vpnha_vici_begin(&b, VPNHA_VICI_EVENT, "child-updown");
	vpnha_vici_kv(&b, "up", "yes");
	vpnha_vici_section_start(&b, "backup");
	vpnha_vici_section_start(&b, "child-sas");
	add_child(&b, "backup-9", "backup", "INSTALLED", "0");
	vpnha_vici_section_end(&b);
	vpnha_vici_section_end(&b);
	pkt = vpnha_vici_end(&b, &len);
	CU_ASSERT_EQUAL_FATAL(vpnha_vici_packet(pkt, len, &p), 0);
	CU_ASSERT_EQUAL_FATAL(vpnha_vici_parse_sa(p.msg, p.msg_len, &sa), 0);
	CU_ASSERT_TRUE(sa.up_event);
	CU_ASSERT_EQUAL(sa.n_child, 1);
	CU_ASSERT_STRING_EQUAL(sa.child[0].name, "backup");
	CU_ASSERT_STRING_EQUAL(sa.child[0].state, "INSTALLED");
	vpnha_vici_buf_free(&b);
}

static void test_result(void)
{
	struct vpnha_vici_buf b;
	struct vpnha_vici_pkt p;
	const uint8_t *pkt;
	char err[16];
	size_t len;

	vpnha_vici_begin(&b, VPNHA_VICI_CMD_RESPONSE, NULL);
	vpnha_vici_kv(&b, "success", "no");
	vpnha_vici_kv(&b, "errmsg", "loading connection 'x' failed");
	pkt = vpnha_vici_end(&b, &len);
	CU_ASSERT_EQUAL_FATAL(vpnha_vici_packet(pkt, len, &p), 0);
	CU_ASSERT_EQUAL(vpnha_vici_result(p.msg, p.msg_len, err, sizeof(err)),
			0);
	CU_ASSERT_STRING_EQUAL(err, "loading connect"); /* truncated */
	CU_ASSERT_EQUAL(
		vpnha_vici_result(p.msg, p.msg_len - 1, err, sizeof(err)), -1);
	vpnha_vici_buf_free(&b);

	vpnha_vici_begin(&b, VPNHA_VICI_CMD_RESPONSE, NULL);
	vpnha_vici_kv(&b, "success", "yes");
	pkt = vpnha_vici_end(&b, &len);
	vpnha_vici_packet(pkt, len, &p);
	CU_ASSERT_EQUAL(vpnha_vici_result(p.msg, p.msg_len, err, sizeof(err)),
			1);
	CU_ASSERT_STRING_EQUAL(err, "");
	vpnha_vici_buf_free(&b);

	/* no success key (version, list-sas): success */
	CU_ASSERT_EQUAL(vpnha_vici_result(NULL, 0, err, sizeof(err)), 1);
	/* success only counts at the top level */
	vpnha_vici_begin(&b, VPNHA_VICI_CMD_RESPONSE, NULL);
	vpnha_vici_section_start(&b, "s");
	vpnha_vici_kv(&b, "success", "no");
	vpnha_vici_section_end(&b);
	pkt = vpnha_vici_end(&b, &len);
	vpnha_vici_packet(pkt, len, &p);
	CU_ASSERT_EQUAL(vpnha_vici_result(p.msg, p.msg_len, NULL, 0), 1);
	vpnha_vici_buf_free(&b);
}

static const struct vpnha_cunit_test tests[] = {
	{"golden: README example", test_golden_readme},
	{"golden: load-conn", test_golden_load_conn},
	{"golden: register, response", test_golden_unnamed_and_register},
	{"builder limits", test_builder_limits},
	{"builder nesting", test_builder_nesting},
	{"round trip", test_round_trip},
	{"parse stop", test_parse_stop},
	{"parse malformed", test_parse_malformed},
	{"framing", test_frame},
	{"packet malformed", test_packet_malformed},
	{"SA from list-sa", test_sa_list},
	{"SA from child-updown", test_sa_child_updown},
	{"command result", test_result},
};

int main(void)
{
	return vpnha_cunit_run("vici", tests, array_size(tests), NULL, NULL);
}
