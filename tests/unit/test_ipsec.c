// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CUnit tests of the IPsec generators (vpnha_ipsec.c): golden files for
 * libreswan and strongSwan, refusal of values that would inject
 * configuration, obscured keys, and libreswan's status output.
 *
 * Golden files are tests/unit/golden/<name>; VPNHA_GOLDEN_UPDATE=1
 * rewrites them (review the diff before committing).
 */
#include <zebra.h>


#include "vpnha_cunit.h"
#include "vpnha_ipsec.h"

#ifndef VPNHA_GOLDEN_DIR
#error "VPNHA_GOLDEN_DIR must be defined"
#endif

/* The clear key of every fixture; it must never show up in a conn. */
#define KEY "s3cret-Key+with/odd=chars\"'#"

static void golden(const char *name, const struct vpnha_text *text)
{
	char path[512], buf[8192];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", VPNHA_GOLDEN_DIR, name);
	if (getenv("VPNHA_GOLDEN_UPDATE")) {
		f = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fwrite(text->buf, 1, text->len, f);
		fclose(f);
		return;
	}
	f = fopen(path, "r");
	if (!f)
		fprintf(stderr, "\nmissing golden file %s\n", path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n != text->len || memcmp(buf, text->buf, n) != 0)
		fprintf(stderr, "\n%s differs; generated:\n%s\n", name,
			text->buf);
	CU_ASSERT(n == text->len && memcmp(buf, text->buf, n) == 0);
}

static struct vpnha_ipsec_conf conf;
static struct ipaddr gw, peer;

static void set_key(struct vpnha_ipsec_conf *c, const char *key)
{
	char err[128];

	CU_ASSERT_EQUAL_FATAL(vpnha_psk_obscure(key, 7, c->psk, sizeof(c->psk),
						err, sizeof(err)),
			      0);
}

static void setup(void)
{
	vpnha_ipsec_conf_default(&conf);
	set_key(&conf, KEY);
	str2ipaddr("198.51.100.1", &gw);
	str2ipaddr("203.0.113.1", &peer);
}

static void resolve(struct vpnha_ipsec_params *p, enum vpnha_ipsec_backend b,
		    const char *ifname)
{
	char err[160] = "";
	int ret = vpnha_ipsec_resolve(p, b, "primary", ifname, &conf, &gw,
				      &peer, err, sizeof(err));

	if (ret)
		fprintf(stderr, "\nresolve: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
}

static void test_psk(void)
{
	char ob[VPNHA_PSK_OBSCURED_MAX + 1], clear[VPNHA_PSK_MAX + 1];
	char err[128];

	CU_ASSERT_EQUAL(
		vpnha_psk_obscure(KEY, 7, ob, sizeof(ob), err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(strstr(ob, "s3cret"));
	CU_ASSERT_EQUAL(vpnha_psk_reveal(ob, clear, sizeof(clear)),
			(int)strlen(KEY));
	CU_ASSERT_STRING_EQUAL(clear, KEY);
	CU_ASSERT_TRUE(vpnha_psk_valid(ob));
	/* Another salt, another form, same key. */
	CU_ASSERT_EQUAL(vpnha_psk_obscure(KEY, 8, clear, sizeof(clear), err,
					  sizeof(err)),
			0);
	CU_ASSERT_STRING_NOT_EQUAL(clear, ob);

	/* Too short, too long, spaces, newlines, control characters. */
	CU_ASSERT_EQUAL(
		vpnha_psk_obscure("short", 1, ob, sizeof(ob), err, sizeof(err)),
		-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "8 to 128"));
	CU_ASSERT_EQUAL(vpnha_psk_obscure("with space inside", 1, ob,
					  sizeof(ob), err, sizeof(err)),
			-1);
	CU_ASSERT_EQUAL(vpnha_psk_obscure("line\nbreak!!", 1, ob, sizeof(ob),
					  err, sizeof(err)),
			-1);
	/* Malformed obscured forms. */
	CU_ASSERT_FALSE(vpnha_psk_valid(""));
	CU_ASSERT_FALSE(vpnha_psk_valid("0"));
	CU_ASSERT_FALSE(vpnha_psk_valid("zz00000000000000000000"));
	CU_ASSERT_FALSE(vpnha_psk_valid("ff7770707070707070707070")); /* salt */
	/* A form that decodes to a control character. */
	CU_ASSERT_FALSE(vpnha_psk_valid("00767172737475767778797a"));
}

static void test_value_ok(void)
{
	static const char *const bad[] = {
		"a\"b", "a'b", "a b", "a\nb", "a\tb", "a#b", "a=b", "a{b",
		"a}b",	"a;b", "a,b", "a\\b", "a$b",  "a%b", "",
	};

	CU_ASSERT_TRUE(vpnha_ipsec_value_ok("@vpn.example.com", 64));
	CU_ASSERT_TRUE(vpnha_ipsec_value_ok("2001:db8::1", 64));
	CU_ASSERT_TRUE(vpnha_ipsec_value_ok("/run/charon.vici", 64));
	for (size_t i = 0; i < array_size(bad); i++) {
		if (vpnha_ipsec_value_ok(bad[i], 64))
			fprintf(stderr, "\naccepted '%s'\n", bad[i]);
		CU_ASSERT_FALSE(vpnha_ipsec_value_ok(bad[i], 64));
	}
	CU_ASSERT_FALSE(vpnha_ipsec_value_ok("abcdef", 5));
}

static void test_check(void)
{
	char err[256];
	uint32_t id;

	setup();
	/* if_id from the interface name; libreswan names XFRM ipsecN. */
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_LIBRESWAN, "t", "ipsec7",
					  &conf, &id, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(id, 7);
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_LIBRESWAN, "t", "vti1",
					  &conf, &id, err, sizeof(err)),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'ipsec1', not 'vti1'"));
	conf.iftype = VPNHA_IF_VTI;
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_LIBRESWAN, "t", "vti1",
					  &conf, &id, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_LIBRESWAN, "t", "vtiA",
					  &conf, &id, err, sizeof(err)),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "if-id"));
	conf.if_id = 42;
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_LIBRESWAN, "t", "vtiA",
					  &conf, &id, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(id, 42);
	/* tun is strongSwan only. */
	conf.iftype = VPNHA_IF_TUN;
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_LIBRESWAN, "t", "ipsec0",
					  &conf, &id, err, sizeof(err)),
			-1);
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_STRONGSWAN, "t", "ipsec0",
					  &conf, &id, err, sizeof(err)),
			0);
	/* Injection through an identity or a path (NETCONF bypassing the
	 * CLI, or a YANG pattern mistake) is refused. */
	strlcpy(conf.local_id, "a\"\n conn evil", sizeof(conf.local_id));
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_STRONGSWAN, "t", "ipsec0",
					  &conf, &id, err, sizeof(err)),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot carry"));
	conf.local_id[0] = '\0';
	strlcpy(conf.vici_socket, "/tmp/x }", sizeof(conf.vici_socket));
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_STRONGSWAN, "t", "ipsec0",
					  &conf, &id, err, sizeof(err)),
			-1);
	conf.vici_socket[0] = '\0';
	strlcpy(conf.psk, "nothex", sizeof(conf.psk));
	CU_ASSERT_EQUAL(vpnha_ipsec_check(VPNHA_IPSEC_STRONGSWAN, "t", "ipsec0",
					  &conf, &id, err, sizeof(err)),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "pre-shared-key"));
}

static void test_resolve(void)
{
	struct vpnha_ipsec_params p;
	struct ipaddr none = {};
	char err[160];

	setup();
	resolve(&p, VPNHA_IPSEC_LIBRESWAN, "ipsec1");
	CU_ASSERT_STRING_EQUAL(p.conn, "vpnha-primary");
	CU_ASSERT_STRING_EQUAL(p.local_id, "198.51.100.1");
	CU_ASSERT_STRING_EQUAL(p.remote_id, "203.0.113.1");
	/* Missing addresses: a reason, no connection. */
	CU_ASSERT_EQUAL(vpnha_ipsec_resolve(&p, VPNHA_IPSEC_LIBRESWAN, "t",
					    "ipsec1", &conf, &gw, &none, err,
					    sizeof(err)),
			-1);
	CU_ASSERT_STRING_EQUAL(err, "peer has no address");
	CU_ASSERT_EQUAL(vpnha_ipsec_resolve(&p, VPNHA_IPSEC_LIBRESWAN, "t",
					    "ipsec1", &conf, &none, &peer, err,
					    sizeof(err)),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no local address"));
	/* A tunnel-specific local address wins over the gateway's. */
	str2ipaddr("198.51.100.2", &conf.local_addr);
	resolve(&p, VPNHA_IPSEC_LIBRESWAN, "ipsec1");
	CU_ASSERT_STRING_EQUAL(p.local_id, "198.51.100.2");
	/* A tunnel name that would break out of the conn name. */
	CU_ASSERT_EQUAL(vpnha_ipsec_resolve(&p, VPNHA_IPSEC_LIBRESWAN,
					    "x\nconn y", "ipsec1", &conf, &gw,
					    &peer, err, sizeof(err)),
			-1);
}

/* The generated text holds neither the clear key nor any of its bytes
 * outside hex (secrets files only). */
static void no_key(const struct vpnha_text *t)
{
	CU_ASSERT_PTR_NULL(strstr(t->buf, "s3cret"));
	CU_ASSERT_PTR_NULL(strstr(t->buf, conf.psk));
}

static void test_libreswan_golden(void)
{
	struct vpnha_ipsec_params p;
	struct vpnha_text t = {};

	setup();
	resolve(&p, VPNHA_IPSEC_LIBRESWAN, "ipsec1");
	vpnha_libreswan_conn(&t, &p, 4);
	no_key(&t);
	golden("libreswan4-xfrm.conf", &t);
	vpnha_text_free(&t);
	/* 5.x: keyexchange=ikev2 (4.x refuses it, 5.x warns on ikev2=). */
	vpnha_libreswan_conn(&t, &p, 5);
	golden("libreswan5-xfrm.conf", &t);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.buf, "\tkeyexchange=ikev2\n"));
	CU_ASSERT_PTR_NULL(strstr(t.buf, "ikev2=insist"));
	vpnha_text_free(&t);

	CU_ASSERT_EQUAL(vpnha_libreswan_secrets(&t, &p), 0);
	CU_ASSERT_PTR_NULL(strstr(t.buf, "s3cret"));
	golden("libreswan-xfrm.secrets", &t);
	vpnha_text_free(&t);

	/* VTI, AES-GCM, no PFS, identities, DPD on. */
	conf.iftype = VPNHA_IF_VTI;
	conf.ike_enc = VPNHA_ENC_AES256_GCM16;
	conf.ike_integ = VPNHA_INTEG_SHA384;
	conf.ike_dh = 20;
	conf.esp_enc = VPNHA_ENC_AES128_GCM16;
	conf.esp_pfs = VPNHA_DH_NONE;
	conf.dpd = 10;
	strlcpy(conf.local_id, "@idc.example.com", sizeof(conf.local_id));
	strlcpy(conf.remote_id, "@cloud.example.com", sizeof(conf.remote_id));
	resolve(&p, VPNHA_IPSEC_LIBRESWAN, "vti5");
	vpnha_libreswan_conn(&t, &p, 4);
	golden("libreswan4-vti-gcm.conf", &t);
	/* dpdtimeout= is IKEv1's: pluto 4.10 warns at add. */
	CU_ASSERT_PTR_NULL(strstr(t.buf, "dpdtimeout"));
	vpnha_text_free(&t);
	/* 5.x: dpdaction= is obsolete. */
	vpnha_libreswan_conn(&t, &p, 5);
	golden("libreswan5-vti-gcm.conf", &t);
	CU_ASSERT_PTR_NULL(strstr(t.buf, "dpdaction"));
	CU_ASSERT_PTR_NULL(strstr(t.buf, "dpdtimeout"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t.buf, "\tdpddelay=10s\n"));
	vpnha_text_free(&t);
	CU_ASSERT_EQUAL(vpnha_libreswan_secrets(&t, &p), 0);
	golden("libreswan-vti-gcm.secrets", &t);
	vpnha_text_free(&t);
}

static void test_swanctl_golden(void)
{
	struct vpnha_ipsec_params p;
	struct vpnha_text t = {};
	struct vpnha_cfg cfg;

	setup();
	resolve(&p, VPNHA_IPSEC_STRONGSWAN, "ipsec1");
	vpnha_swanctl_conn(&cfg, &p);
	vpnha_swanctl_text(&t, &cfg);
	no_key(&t);
	golden("swanctl-xfrm.conf", &t);
	vpnha_text_free(&t);

	conf.iftype = VPNHA_IF_TUN;
	conf.ike_enc = VPNHA_ENC_AES128;
	conf.ike_dh = 31;
	conf.esp_enc = VPNHA_ENC_AES256_GCM16;
	conf.esp_pfs = 19;
	conf.dpd = 5;
	resolve(&p, VPNHA_IPSEC_STRONGSWAN, "ipsec0");
	vpnha_swanctl_conn(&cfg, &p);
	vpnha_swanctl_text(&t, &cfg);
	golden("swanctl-tun-gcm.conf", &t);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.buf, "dpd_action = restart\n"));
	vpnha_text_free(&t);

	/* passive: DPD clears, charon never restarts it (the peer does). */
	conf.passive = true;
	resolve(&p, VPNHA_IPSEC_STRONGSWAN, "ipsec0");
	vpnha_swanctl_conn(&cfg, &p);
	vpnha_swanctl_text(&t, &cfg);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.buf, "dpd_action = clear\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t.buf, "start_action = none\n"));
	vpnha_text_free(&t);
	conf.iftype = VPNHA_IF_XFRM;
	resolve(&p, VPNHA_IPSEC_LIBRESWAN, "ipsec1");
	vpnha_libreswan_conn(&t, &p, 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.buf, "\tdpdaction=clear\n"));
	vpnha_text_free(&t);
	conf.passive = false;
}

static char *slurp(const char *name)
{
	char path[512];
	char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", VPNHA_GOLDEN_DIR, name);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	CU_ASSERT_EQUAL(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	return buf;
}

/*
 * Real output of libreswan 4.10's whack (captured by
 * tests/libreswan/probe.py on the host and in the VM; conns "t", "t1",
 * "t2").
 */
static void test_ls_parse(void)
{
	char *traffic = slurp("whack-established-trafficstatus.txt");
	char *states = slurp("whack-established-showstates.txt");
	char *ike_only = slurp("whack-ike-only-showstates.txt");
	char *again = slurp("whack-reconnecting-showstates.txt");
	struct vpnha_ls_sa sa;

	/* IKE SA #3 + Child SA #4, with byte counts. */
	vpnha_ls_parse("t", traffic, states, &sa);
	CU_ASSERT_EQUAL(sa.state, VPNHA_SA_UP);
	CU_ASSERT_EQUAL(sa.bytes_in, 420);
	CU_ASSERT_EQUAL(sa.bytes_out, 420);
	CU_ASSERT_EQUAL(sa.child_serial, 4);
	CU_ASSERT_EQUAL(sa.ike_serial, 3);
	CU_ASSERT_STRING_EQUAL(
		sa.detail,
		"IKE V2_ESTABLISHED_IKE_SA, child V2_ESTABLISHED_CHILD_SA");
	/* Another conn's lines are not this conn's ("t" vs "t1"). */
	vpnha_ls_parse("t1", traffic, states, &sa);
	CU_ASSERT_EQUAL(sa.state, VPNHA_SA_DOWN);
	CU_ASSERT_STRING_EQUAL(sa.detail, "no IKE SA");
	/* IKE SA without Child SA (this kernel: no ESP): no traffic. */
	vpnha_ls_parse("t2", "", ike_only, &sa);
	CU_ASSERT_EQUAL(sa.state, VPNHA_SA_CONNECTING);
	CU_ASSERT_STRING_EQUAL(sa.detail, "IKE V2_ESTABLISHED_IKE_SA, child -");
	vpnha_ls_parse("t", "", ike_only, &sa);
	CU_ASSERT_EQUAL(sa.state, VPNHA_SA_DOWN);
	/* The peer deleted the IKE SA; pluto is negotiating again. */
	vpnha_ls_parse("t", "", again, &sa);
	CU_ASSERT_EQUAL(sa.state, VPNHA_SA_CONNECTING);
	CU_ASSERT_PTR_NOT_NULL(strstr(sa.detail, "V2_PARENT_I2"));
	/* Nothing at all. */
	vpnha_ls_parse("t", "", "", &sa);
	CU_ASSERT_EQUAL(sa.state, VPNHA_SA_DOWN);
	free(traffic);
	free(states);
	free(ike_only);
	free(again);
}

/*
 * Real output of libreswan 5.2's whack (Debian 13; captured by
 * tests/libreswan/probe.py in a trixie root, conn "t";
 * tests/libreswan/samples/libreswan-5.2): state names without 4.x's
 * "STATE_" prefix and status code.
 */
static void test_ls_parse_5(void)
{
	char *ike_only = slurp("whack5-ike-only-showstates.txt");
	char *connecting = slurp("whack5-connecting-showstates.txt");
	struct vpnha_ls_sa sa;

	/* IKE SA #3 up, Child SA #4 refused by this kernel (no ESP). */
	vpnha_ls_parse("t", "", ike_only, &sa);
	CU_ASSERT_EQUAL(sa.state, VPNHA_SA_CONNECTING);
	CU_ASSERT_EQUAL(sa.ike_serial, 3);
	CU_ASSERT_EQUAL(sa.child_serial, 0);
	CU_ASSERT_STRING_EQUAL(sa.detail,
			       "IKE ESTABLISHED_IKE_SA, child NEW_CHILD_I1");
	vpnha_ls_parse("t1", "", ike_only, &sa);
	CU_ASSERT_EQUAL(sa.state, VPNHA_SA_DOWN);
	/* IKE_SA_INIT sent, no answer; "#2: pending Child SA for "t"" is
	 * not a state line. */
	vpnha_ls_parse("t", "", connecting, &sa);
	CU_ASSERT_EQUAL(sa.state, VPNHA_SA_CONNECTING);
	CU_ASSERT_EQUAL(sa.ike_serial, 2);
	CU_ASSERT_STRING_EQUAL(sa.detail, "IKE IKE_SA_INIT_I, child -");
	free(ike_only);
	free(connecting);
}

/* `whack --version` as libreswan 4.10 (Debian 12) and 5.2 (Debian 13)
 * print it. */
static void test_ls_version(void)
{
	CU_ASSERT_EQUAL(vpnha_ls_version("Libreswan 4.10\n"), 4);
	CU_ASSERT_EQUAL(vpnha_ls_version("Libreswan 5.2\n"), 5);
	CU_ASSERT_EQUAL(vpnha_ls_version("Libreswan 5.2"), 5);
	CU_ASSERT_EQUAL(vpnha_ls_version(""), 0);
	CU_ASSERT_EQUAL(vpnha_ls_version(NULL), 0);
	CU_ASSERT_EQUAL(vpnha_ls_version("Libreswan\n"), 0);
	CU_ASSERT_EQUAL(vpnha_ls_version("Libreswan 5\n"), 0);
	CU_ASSERT_EQUAL(
		vpnha_ls_version("whack: not found: /usr/libexec/ipsec/whack"),
		0);
}

/* addconn's output on success: 4.10 prints nothing, 5.2 a confirmation;
 * warnings are real ones seen from 4.10 and 5.2. */
static void test_ls_addconn_note(void)
{
	char line[96];

	vpnha_ls_addconn_note("vpnha-t1", "", line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "");
	vpnha_ls_addconn_note("vpnha-t1",
			      "\"vpnha-t1\": added IKEv2 connection\n", line,
			      sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "");
	vpnha_ls_addconn_note(
		"vpnha-t1",
		"\"vpnha-t1\": ikev2=yes has been replaced by keyexchange=ikev2\n"
		"\"vpnha-t1\": added IKEv2 connection\n",
		line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(
		line,
		"\"vpnha-t1\": ikev2=yes has been replaced by keyexchange=ikev2");
	vpnha_ls_addconn_note(
		"vpnha-t1",
		"conn: \"vpnha-t1\" warning IKEv2 liveness uses retransmit-timeout=, dpdtimeout= ignored\n",
		line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "dpdtimeout= ignored"));
	/* Another conn's confirmation is not this one's. */
	vpnha_ls_addconn_note("vpnha-t",
			      "\"vpnha-t1\": added IKEv2 connection\n", line,
			      sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "\"vpnha-t1\": added IKEv2 connection");
}

static const struct vpnha_cunit_test tests[] = {
	{"obscured pre-shared keys", test_psk},
	{"values that would inject config", test_value_ok},
	{"checks against the backend", test_check},
	{"resolve addresses and identities", test_resolve},
	{"libreswan golden files", test_libreswan_golden},
	{"swanctl golden files", test_swanctl_golden},
	{"whack status parser", test_ls_parse},
	{"whack status parser, libreswan 5.2", test_ls_parse_5},
	{"libreswan version", test_ls_version},
	{"addconn's output", test_ls_addconn_note},
};

int main(void)
{
	return vpnha_cunit_run("ipsec", tests, array_size(tests), NULL, NULL);
}
