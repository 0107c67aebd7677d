// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad core: IPsec connection generators (see vpnha_ipsec.h).
 */
#include <zebra.h>

#include "lib/memory.h"
#include "lib/printfrr.h"

#include "vpnha_memory.h"
#include "vpnha_ipsec.h"

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_TEXT, "vpnhad generated text");

/* Text buffer ------------------------------------------------------------ */

void vpnha_text_printf(struct vpnha_text *t, const char *fmt, ...)
{
	va_list ap;
	ssize_t n;

	for (;;) {
		size_t room = t->size - t->len;

		va_start(ap, fmt);
		n = vsnprintfrr(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			t->len += n;
			return;
		}
		/* Grow; clear the old buffer: it may hold a key. */
		size_t size = MAX(t->size * 2, t->len + n + 256);
		char *buf = XCALLOC(MTYPE_VPNHA_TEXT, size);

		if (t->buf) {
			memcpy(buf, t->buf, t->len);
			explicit_bzero(t->buf, t->size);
			XFREE(MTYPE_VPNHA_TEXT, t->buf);
		}
		t->buf = buf;
		t->size = size;
	}
}

void vpnha_text_free(struct vpnha_text *t)
{
	if (t->buf) {
		explicit_bzero(t->buf, t->size);
		XFREE(MTYPE_VPNHA_TEXT, t->buf);
	}
	t->len = t->size = 0;
}

/* Names ------------------------------------------------------------------ */

const char *vpnha_ipsec_backend_name(enum vpnha_ipsec_backend b)
{
	return b == VPNHA_IPSEC_STRONGSWAN ? "strongswan" : "libreswan";
}

const char *vpnha_ipsec_iftype_name(enum vpnha_ipsec_iftype t)
{
	switch (t) {
	case VPNHA_IF_XFRM:
		return "xfrm";
	case VPNHA_IF_VTI:
		return "vti";
	case VPNHA_IF_TUN:
		return "tun";
	}
	return "?";
}

const char *vpnha_ipsec_enc_name(enum vpnha_ipsec_enc e)
{
	switch (e) {
	case VPNHA_ENC_AES128:
		return "aes128";
	case VPNHA_ENC_AES256:
		return "aes256";
	case VPNHA_ENC_AES128_GCM16:
		return "aes128-gcm16";
	case VPNHA_ENC_AES256_GCM16:
		return "aes256-gcm16";
	}
	return "?";
}

const char *vpnha_ipsec_integ_name(enum vpnha_ipsec_integ i)
{
	switch (i) {
	case VPNHA_INTEG_SHA256:
		return "sha256";
	case VPNHA_INTEG_SHA384:
		return "sha384";
	case VPNHA_INTEG_SHA512:
		return "sha512";
	}
	return "?";
}

/* DH groups: YANG name, libreswan name, strongSwan name. */
static const struct {
	uint8_t group;
	const char *name, *ls, *ss;
} vpnha_dh_groups[] = {
	{14, "modp2048", "modp2048", "modp2048"},
	{15, "modp3072", "modp3072", "modp3072"},
	{19, "ecp256", "dh19", "ecp256"},
	{20, "ecp384", "dh20", "ecp384"},
	{31, "x25519", "dh31", "curve25519"},
};

static int vpnha_dh_index(uint8_t group)
{
	for (size_t i = 0; i < array_size(vpnha_dh_groups); i++)
		if (vpnha_dh_groups[i].group == group)
			return i;
	return -1;
}

const char *vpnha_ipsec_dh_name(uint8_t group)
{
	int i = vpnha_dh_index(group);

	if (group == VPNHA_DH_NONE)
		return "none";
	return i < 0 ? "?" : vpnha_dh_groups[i].name;
}

const char *vpnha_sa_state_name(enum vpnha_sa_state s)
{
	switch (s) {
	case VPNHA_SA_UNKNOWN:
		return "unknown";
	case VPNHA_SA_DOWN:
		return "down";
	case VPNHA_SA_CONNECTING:
		return "connecting";
	case VPNHA_SA_UP:
		return "up";
	}
	return "?";
}

/* Defaults and checks ---------------------------------------------------- */

void vpnha_ipsec_global_default(struct vpnha_ipsec_global *g)
{
	memset(g, 0, sizeof(*g));
	g->backend = VPNHA_IPSEC_LIBRESWAN;
	strlcpy(g->ls_dir, "/etc/ipsec.d/vpnhad", sizeof(g->ls_dir));
	strlcpy(g->ls_ctl, "/run/pluto/pluto.ctl", sizeof(g->ls_ctl));
	strlcpy(g->ls_libexec, "/usr/libexec/ipsec", sizeof(g->ls_libexec));
	g->poll_ms = 1000;
	strlcpy(g->vici_socket, "/var/run/charon.vici", sizeof(g->vici_socket));
}

void vpnha_ipsec_conf_default(struct vpnha_ipsec_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->iftype = VPNHA_IF_XFRM;
	c->ike_enc = VPNHA_ENC_AES256;
	c->ike_integ = VPNHA_INTEG_SHA256;
	c->ike_dh = 14;
	c->ike_lifetime = 28800;
	c->esp_enc = VPNHA_ENC_AES256;
	c->esp_integ = VPNHA_INTEG_SHA256;
	c->esp_pfs = 14;
	c->sa_lifetime = 3600;
}

bool vpnha_ipsec_value_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++, n++) {
		if (n >= max)
			return false;
		if (!isalnum((unsigned char)*s) && !strchr("@_.:/+-", *s))
			return false;
	}
	return true;
}

/* The number at the end of an interface name, 0 when there is none. */
static uint32_t vpnha_ifname_number(const char *ifname)
{
	const char *p = ifname + strlen(ifname);
	unsigned long n;

	while (p > ifname && isdigit((unsigned char)p[-1]))
		p--;
	if (!*p || strlen(p) > 5)
		return 0;
	n = strtoul(p, NULL, 10);
	return n <= 65535 ? n : 0;
}

int vpnha_ipsec_values_check(const char *tunnel,
			     const struct vpnha_ipsec_conf *c, char *errmsg,
			     size_t errmsg_len)
{
	if (!vpnha_psk_valid(c->psk)) {
		snprintf(errmsg, errmsg_len,
			 "tunnel %s: ipsec pre-shared-key is malformed",
			 tunnel);
		return -1;
	}
	if ((c->local_id[0] &&
	     !vpnha_ipsec_value_ok(c->local_id, VPNHA_IPSEC_ID_MAX)) ||
	    (c->remote_id[0] &&
	     !vpnha_ipsec_value_ok(c->remote_id, VPNHA_IPSEC_ID_MAX)) ||
	    (c->vici_socket[0] &&
	     !vpnha_ipsec_value_ok(c->vici_socket, VPNHA_IPSEC_PATH_MAX))) {
		snprintf(
			errmsg, errmsg_len,
			"tunnel %s: ipsec identity or path has characters IPsec configuration cannot carry",
			tunnel);
		return -1;
	}
	return 0;
}

int vpnha_ipsec_check(enum vpnha_ipsec_backend backend, const char *tunnel,
		      const char *ifname, const struct vpnha_ipsec_conf *c,
		      uint32_t *if_id_out, char *errmsg, size_t errmsg_len)
{
	uint32_t if_id = c->if_id;

	if (vpnha_ipsec_values_check(tunnel, c, errmsg, errmsg_len) < 0)
		return -1;
	if (c->iftype == VPNHA_IF_TUN) {
		if (backend == VPNHA_IPSEC_LIBRESWAN) {
			snprintf(
				errmsg, errmsg_len,
				"tunnel %s: interface-type tun is strongSwan's kernel-libipsec; libreswan needs xfrm or vti",
				tunnel);
			return -1;
		}
		*if_id_out = 0;
		return 0;
	}
	if (!if_id && ifname && ifname[0])
		if_id = vpnha_ifname_number(ifname);
	if (!if_id) {
		snprintf(
			errmsg, errmsg_len,
			"tunnel %s: ipsec needs an if-id (or an interface name ending in a number from 1)",
			tunnel);
		return -1;
	}
	/* libreswan names the XFRM interface itself: ipsec<if_id>. */
	if (c->iftype == VPNHA_IF_XFRM && backend == VPNHA_IPSEC_LIBRESWAN &&
	    ifname && ifname[0]) {
		char want[16];

		snprintf(want, sizeof(want), "ipsec%u", if_id);
		if (strcmp(ifname, want) != 0) {
			snprintf(
				errmsg, errmsg_len,
				"tunnel %s: libreswan names the XFRM interface of if-id %u '%s', not '%s'",
				tunnel, if_id, want, ifname);
			return -1;
		}
	}
	*if_id_out = if_id;
	return 0;
}

static void vpnha_id_default(char *id, size_t len, const char *conf,
			     const struct ipaddr *addr)
{
	if (conf[0])
		strlcpy(id, conf, len);
	else
		snprintfrr(id, len, "%pIA", addr);
}

int vpnha_ipsec_resolve(struct vpnha_ipsec_params *p,
			enum vpnha_ipsec_backend backend, const char *tunnel,
			const char *ifname, const struct vpnha_ipsec_conf *c,
			const struct ipaddr *gw_addr,
			const struct ipaddr *peer_addr, char *errmsg,
			size_t errmsg_len)
{
	memset(p, 0, sizeof(*p));
	if (vpnha_ipsec_check(backend, tunnel, ifname, c, &p->if_id, errmsg,
			      errmsg_len) < 0)
		return -1;
	if (!ifname || !ifname[0]) {
		snprintf(errmsg, errmsg_len, "tunnel has no interface");
		return -1;
	}
	p->local = c->local_addr.ipa_type != IPADDR_NONE ? c->local_addr
							 : *gw_addr;
	if (p->local.ipa_type == IPADDR_NONE) {
		snprintf(
			errmsg, errmsg_len,
			"no local address (gateway local-address or ipsec local-address)");
		return -1;
	}
	if (!peer_addr || peer_addr->ipa_type == IPADDR_NONE) {
		snprintf(errmsg, errmsg_len, "peer has no address");
		return -1;
	}
	p->remote = *peer_addr;
	snprintf(p->conn, sizeof(p->conn), VPNHA_CONN_PREFIX "%s", tunnel);
	if (!vpnha_ipsec_value_ok(p->conn, VPNHA_CONN_MAX) ||
	    !vpnha_ipsec_value_ok(ifname, 15)) {
		snprintf(
			errmsg, errmsg_len,
			"tunnel or interface name unusable in IPsec configuration");
		return -1;
	}
	p->tunnel = tunnel;
	p->ifname = ifname;
	p->conf = c;
	vpnha_id_default(p->local_id, sizeof(p->local_id), c->local_id,
			 &p->local);
	vpnha_id_default(p->remote_id, sizeof(p->remote_id), c->remote_id,
			 &p->remote);
	return 0;
}

/* libreswan -------------------------------------------------------------- */

static bool vpnha_enc_aead(enum vpnha_ipsec_enc e)
{
	return e == VPNHA_ENC_AES128_GCM16 || e == VPNHA_ENC_AES256_GCM16;
}

static const char *vpnha_ls_enc(enum vpnha_ipsec_enc e)
{
	static const char *const names[] = {"aes128", "aes256", "aes_gcm128",
					    "aes_gcm256"};

	return names[e];
}

static const char *vpnha_ls_integ(enum vpnha_ipsec_integ i)
{
	static const char *const names[] = {"sha2_256", "sha2_384", "sha2_512"};

	return names[i];
}

static void vpnha_file_header(struct vpnha_text *out,
			      const struct vpnha_ipsec_params *p,
			      const char *what)
{
	vpnha_text_printf(
		out,
		VPNHA_FILE_MARK
		" for tunnel %s (%s): do not edit, vpnhad rewrites and removes it.\n",
		p->tunnel, what);
}

void vpnha_libreswan_conn(struct vpnha_text *out,
			  const struct vpnha_ipsec_params *p,
			  unsigned int ls_major)
{
	const struct vpnha_ipsec_conf *c = p->conf;

	vpnha_file_header(out, p, "libreswan conn");
	vpnha_text_printf(out, "conn %s\n", p->conn);
	/* 4.x refuses keyexchange=ikev2, 5.x warns about ikev2=. */
	vpnha_text_printf(out, "\t%s\n\tauthby=secret\n",
			  ls_major < 5 ? "ikev2=insist" : "keyexchange=ikev2");
	vpnha_text_printf(out, "\tleft=%pIA\n\tleftid=%s\n", &p->local,
			  p->local_id);
	vpnha_text_printf(out, "\tright=%pIA\n\trightid=%s\n", &p->remote,
			  p->remote_id);
	vpnha_text_printf(out,
			  "\tleftsubnet=0.0.0.0/0\n\trightsubnet=0.0.0.0/0\n");
	vpnha_text_printf(out, "\tike=%s-%s-%s\n", vpnha_ls_enc(c->ike_enc),
			  vpnha_ls_integ(c->ike_integ),
			  vpnha_dh_groups[vpnha_dh_index(c->ike_dh)].ls);
	if (vpnha_enc_aead(c->esp_enc))
		vpnha_text_printf(out, "\tesp=%s", vpnha_ls_enc(c->esp_enc));
	else
		vpnha_text_printf(out, "\tesp=%s-%s", vpnha_ls_enc(c->esp_enc),
				  vpnha_ls_integ(c->esp_integ));
	if (c->esp_pfs != VPNHA_DH_NONE)
		vpnha_text_printf(
			out, "-%s\n\tpfs=yes\n",
			vpnha_dh_groups[vpnha_dh_index(c->esp_pfs)].ls);
	else
		vpnha_text_printf(out, "\n\tpfs=no\n");
	vpnha_text_printf(out, "\tikelifetime=%us\n\tsalifetime=%us\n",
			  c->ike_lifetime, c->sa_lifetime);
	switch (c->iftype) {
	case VPNHA_IF_XFRM:
		/*
		 * pluto creates ipsecN itself; its updown script would route
		 * 0/0 into it, and routing is zebra's: no updown.
		 */
		vpnha_text_printf(
			out, "\tipsec-interface=%u\n\tleftupdown=%%disabled\n",
			p->if_id);
		/*
		 * Every tunnel's selectors are 0/0 === 0/0; 5.x takes two
		 * such conns for one policy (it ignores the if_id) and
		 * keeps tearing down the other's Child SA unless both say
		 * overlapip=yes (libreswan issue 2783).
		 */
		if (ls_major >= 5)
			vpnha_text_printf(out, "\toverlapip=yes\n");
		break;
	case VPNHA_IF_VTI:
		/* The updown script creates the VTI device, routes nothing. */
		vpnha_text_printf(out,
				  "\tmark=%u/0xffffffff\n\tvti-interface=%s\n"
				  "\tvti-routing=no\n\tvti-shared=no\n",
				  p->if_id, p->ifname);
		break;
	case VPNHA_IF_TUN:
		break;
	}
	/*
	 * IKEv2 liveness gives up after retransmit-timeout (default 60 s);
	 * dpdtimeout= is IKEv1's (4.10's pluto warns "IKEv2 liveness uses
	 * retransmit-timeout=, dpdtimeout= ignored" at add, 5.x already in
	 * addconn).  4.x: without dpdaction=restart a dead peer leaves the
	 * conn on hold.  5.x: dpdaction= is obsolete (a warning).  Either
	 * way vpnhad re-initiates a conn whose SA is gone.
	 */
	if (c->dpd)
		vpnha_text_printf(out, "\tdpddelay=%us\n", c->dpd);
	if (c->dpd && ls_major < 5)
		vpnha_text_printf(out, "\tdpdaction=%s\n",
				  c->passive ? "clear" : "restart");
	/* vpnhad brings it up, and re-initiates it when its SA is gone. */
	vpnha_text_printf(out, "\tauto=add\n");
}

int vpnha_libreswan_secrets(struct vpnha_text *out,
			    const struct vpnha_ipsec_params *p)
{
	char key[VPNHA_PSK_MAX + 1];
	int len = vpnha_psk_reveal(p->conf->psk, key, sizeof(key));

	if (len < 0)
		return -1;
	vpnha_file_header(out, p, "libreswan secrets");
	/* Hex: no quoting or escaping question for any key. */
	vpnha_text_printf(out, "%s %s : PSK 0x", p->local_id, p->remote_id);
	for (int i = 0; i < len; i++)
		vpnha_text_printf(out, "%02x", (uint8_t)key[i]);
	vpnha_text_printf(out, "\n");
	explicit_bzero(key, sizeof(key));
	return 0;
}

/* strongSwan ------------------------------------------------------------- */

static void vpnha_cfg_add(struct vpnha_cfg *cfg, enum vpnha_cfg_kind kind,
			  const char *key, const char *fmt, ...) PRINTFRR(4, 5);

static void vpnha_cfg_add(struct vpnha_cfg *cfg, enum vpnha_cfg_kind kind,
			  const char *key, const char *fmt, ...)
{
	struct vpnha_cfg_item *it;
	va_list ap;

	assert(cfg->n < VPNHA_CFG_MAX);
	it = &cfg->item[cfg->n++];
	it->kind = kind;
	it->key = key;
	it->value[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintfrr(it->value, sizeof(it->value), fmt, ap);
		va_end(ap);
	}
}

#define CFG_SEC(cfg, key) vpnha_cfg_add(cfg, VPNHA_CFG_SECTION, key, NULL)
#define CFG_END(cfg) vpnha_cfg_add(cfg, VPNHA_CFG_END, NULL, NULL)

static const char *vpnha_ss_enc(enum vpnha_ipsec_enc e)
{
	static const char *const names[] = {"aes128", "aes256", "aes128gcm16",
					    "aes256gcm16"};

	return names[e];
}

void vpnha_swanctl_conn(struct vpnha_cfg *cfg,
			const struct vpnha_ipsec_params *p)
{
	const struct vpnha_ipsec_conf *c = p->conf;
	const char *dh = vpnha_dh_groups[vpnha_dh_index(c->ike_dh)].ss;
	const char *integ = vpnha_ipsec_integ_name(c->ike_integ);

	cfg->n = 0;
	CFG_SEC(cfg, p->conn);
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "version", "2");
	vpnha_cfg_add(cfg, VPNHA_CFG_LIST, "local_addrs", "%pIA", &p->local);
	vpnha_cfg_add(cfg, VPNHA_CFG_LIST, "remote_addrs", "%pIA", &p->remote);
	if (vpnha_enc_aead(c->ike_enc))
		vpnha_cfg_add(cfg, VPNHA_CFG_LIST, "proposals", "%s-prf%s-%s",
			      vpnha_ss_enc(c->ike_enc), integ, dh);
	else
		vpnha_cfg_add(cfg, VPNHA_CFG_LIST, "proposals", "%s-%s-%s",
			      vpnha_ss_enc(c->ike_enc), integ, dh);
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "rekey_time", "%us", c->ike_lifetime);
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "mobike", "no");
	/* kernel-libipsec receives ESP in UDP only. */
	if (c->iftype == VPNHA_IF_TUN)
		vpnha_cfg_add(cfg, VPNHA_CFG_KV, "encap", "yes");
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "dpd_delay", "%us", c->dpd);
	CFG_SEC(cfg, "local");
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "auth", "psk");
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "id", "%s", p->local_id);
	CFG_END(cfg);
	CFG_SEC(cfg, "remote");
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "auth", "psk");
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "id", "%s", p->remote_id);
	CFG_END(cfg);
	CFG_SEC(cfg, "children");
	CFG_SEC(cfg, p->conn);
	vpnha_cfg_add(cfg, VPNHA_CFG_LIST, "local_ts", "0.0.0.0/0");
	vpnha_cfg_add(cfg, VPNHA_CFG_LIST, "remote_ts", "0.0.0.0/0");
	/* AEAD: no integrity algorithm; PFS: the group last. */
	vpnha_cfg_add(
		cfg, VPNHA_CFG_LIST, "esp_proposals", "%s%s%s%s%s",
		vpnha_ss_enc(c->esp_enc), vpnha_enc_aead(c->esp_enc) ? "" : "-",
		vpnha_enc_aead(c->esp_enc)
			? ""
			: vpnha_ipsec_integ_name(c->esp_integ),
		c->esp_pfs ? "-" : "",
		c->esp_pfs ? vpnha_dh_groups[vpnha_dh_index(c->esp_pfs)].ss
			   : "");
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "rekey_time", "%us", c->sa_lifetime);
	/* vpnhad initiates (unless passive), and re-initiates when the SA
	 * is gone: charon never starts it by itself, no trap either. */
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "start_action", "none");
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "close_action", "none");
	/* passive: the peer restarts it, never us. */
	vpnha_cfg_add(cfg, VPNHA_CFG_KV, "dpd_action",
		      c->dpd && !c->passive ? "restart" : "clear");
	switch (c->iftype) {
	case VPNHA_IF_XFRM:
		vpnha_cfg_add(cfg, VPNHA_CFG_KV, "if_id_in", "%u", p->if_id);
		vpnha_cfg_add(cfg, VPNHA_CFG_KV, "if_id_out", "%u", p->if_id);
		break;
	case VPNHA_IF_VTI:
		vpnha_cfg_add(cfg, VPNHA_CFG_KV, "mark_in", "%u", p->if_id);
		vpnha_cfg_add(cfg, VPNHA_CFG_KV, "mark_out", "%u", p->if_id);
		break;
	case VPNHA_IF_TUN:
		break;
	}
	CFG_END(cfg);
	CFG_END(cfg);
	CFG_END(cfg);
}

void vpnha_swanctl_text(struct vpnha_text *out, const struct vpnha_cfg *cfg)
{
	unsigned int depth = 1;

	vpnha_text_printf(out, "connections {\n");
	for (unsigned int i = 0; i < cfg->n; i++) {
		const struct vpnha_cfg_item *it = &cfg->item[i];

		switch (it->kind) {
		case VPNHA_CFG_SECTION:
			vpnha_text_printf(out, "%*s%s {\n", 2 * depth, "",
					  it->key);
			depth++;
			break;
		case VPNHA_CFG_END:
			depth--;
			vpnha_text_printf(out, "%*s}\n", 2 * depth, "");
			break;
		case VPNHA_CFG_KV:
		case VPNHA_CFG_LIST:
			vpnha_text_printf(out, "%*s%s = %s\n", 2 * depth, "",
					  it->key, it->value);
			break;
		}
	}
	vpnha_text_printf(out, "}\n");
}

/* Pre-shared keys -------------------------------------------------------- */

/* Not a secret: obscuring, like FRR's and Cisco's type 7. */
static const uint8_t vpnha_psk_stream[32] = {
	0x76, 0x70, 0x6e, 0x68, 0x61, 0x64, 0x2d, 0x6f, 0x62, 0x73, 0x63,
	0x75, 0x72, 0x65, 0x2d, 0x6e, 0x6f, 0x74, 0x2d, 0x65, 0x6e, 0x63,
	0x72, 0x79, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x21, 0x5a, 0xa5,
};

int vpnha_psk_obscure(const char *clear, uint8_t salt, char *out,
		      size_t out_len, char *errmsg, size_t errmsg_len)
{
	size_t len = strlen(clear);

	if (len < VPNHA_PSK_MIN || len > VPNHA_PSK_MAX) {
		snprintf(errmsg, errmsg_len,
			 "pre-shared-key must be %d to %d characters",
			 VPNHA_PSK_MIN, VPNHA_PSK_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if (clear[i] <= ' ' || clear[i] > '~') {
			snprintf(
				errmsg, errmsg_len,
				"pre-shared-key must be printable characters without spaces");
			return -1;
		}
	if (out_len < 2 * (len + 1) + 1) {
		snprintf(errmsg, errmsg_len, "pre-shared-key too long");
		return -1;
	}
	salt %= sizeof(vpnha_psk_stream);
	snprintf(out, 3, "%02x", salt);
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * (i + 1), 3, "%02x",
			 (uint8_t)clear[i] ^
				 vpnha_psk_stream[(salt + i) %
						  sizeof(vpnha_psk_stream)]);
	return 0;
}

static int vpnha_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int vpnha_psk_reveal(const char *obscured, char *out, size_t out_len)
{
	size_t hlen = strlen(obscured), len;
	int salt;

	if (hlen % 2 || hlen < 2 * (VPNHA_PSK_MIN + 1) ||
	    hlen > VPNHA_PSK_OBSCURED_MAX)
		return -1;
	len = hlen / 2 - 1;
	if (out_len < len + 1)
		return -1;
	for (size_t i = 0; i < hlen; i++)
		if (vpnha_hexval(obscured[i]) < 0)
			return -1;
	salt = vpnha_hexval(obscured[0]) * 16 + vpnha_hexval(obscured[1]);
	if (salt >= (int)sizeof(vpnha_psk_stream))
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = vpnha_hexval(obscured[2 * i + 2]) * 16 +
			    vpnha_hexval(obscured[2 * i + 3]);

		out[i] =
			b ^
			vpnha_psk_stream[(salt + i) % sizeof(vpnha_psk_stream)];
		if (out[i] <= ' ' || out[i] > '~') {
			explicit_bzero(out, out_len);
			return -1;
		}
	}
	out[len] = '\0';
	return len;
}

bool vpnha_psk_valid(const char *obscured)
{
	char key[VPNHA_PSK_MAX + 1];
	int len = vpnha_psk_reveal(obscured, key, sizeof(key));

	explicit_bzero(key, sizeof(key));
	return len >= 0;
}

/* libreswan status parser ------------------------------------------------ */

/*
 * Next line of text that names conn: contains `#N: "conn"` followed by
 * a character that ends the name (libreswan 4.x may prefix the line with
 * a three-digit status code).  Returns the line start and sets *serial
 * and *len, or NULL.
 */
static const char *vpnha_ls_line(const char *text, const char *conn,
				 uint32_t *serial, size_t *len)
{
	char quoted[VPNHA_CONN_MAX + 4];
	size_t qlen;

	snprintf(quoted, sizeof(quoted), "\"%s\"", conn);
	qlen = strlen(quoted);
	while (text && *text) {
		const char *end = strchr(text, '\n');
		size_t l = end ? (size_t)(end - text) : strlen(text);
		const char *hash = memchr(text, '#', l);

		if (hash && l > qlen) {
			char *colon;
			unsigned long n = strtoul(hash + 1, &colon, 10);

			if (colon > hash + 1 && colon[0] == ':' &&
			    colon[1] == ' ' &&
			    (size_t)(colon + 2 - text) <= l &&
			    strncmp(colon + 2, quoted, qlen) == 0 &&
			    strchr(":, \t[", colon[2 + qlen])) {
				*serial = n;
				*len = l;
				return text;
			}
		}
		text = end ? end + 1 : NULL;
	}
	return NULL;
}

static uint64_t vpnha_ls_num(const char *line, size_t len, const char *key)
{
	const char *p = line;
	size_t klen = strlen(key);

	while ((p = strstr(p, key)) && p < line + len) {
		if (p == line || p[-1] == ' ' || p[-1] == ',')
			return strtoull(p + klen, NULL, 10);
		p += klen;
	}
	return 0;
}

/*
 * The state name on a showstates line: the word before " (story);".
 * libreswan 4.x writes "STATE_V2_ESTABLISHED_IKE_SA (established IKE
 * SA);", 5.x "ESTABLISHED_IKE_SA (established IKE SA);"; 4.x's
 * "STATE_" prefix is dropped, so 5.x names read as they are.
 */
static void vpnha_ls_state(const char *line, size_t len, char *out,
			   size_t outlen)
{
	const char *end = line, *p;

	out[0] = '\0';
	while ((end = memchr(end, ' ', line + len - end)) &&
	       (end + 1 >= line + len || end[1] != '('))
		end++;
	if (!end)
		return;
	for (p = end;
	     p > line && (isupper((unsigned char)p[-1]) ||
			  isdigit((unsigned char)p[-1]) || p[-1] == '_');
	     p--)
		;
	if (p == end || (p > line && p[-1] != ' '))
		return;
	if (end - p > 6 && strncmp(p, "STATE_", 6) == 0)
		p += 6;
	strlcpy(out, p, MIN(outlen, (size_t)(end - p) + 1));
}

void vpnha_ls_parse(const char *conn, const char *trafficstatus,
		    const char *showstates, struct vpnha_ls_sa *sa)
{
	const char *line, *text;
	uint32_t serial;
	size_t len;
	char ike[40] = "", child[40] = "", st[40];

	memset(sa, 0, sizeof(*sa));
	/* Established Child SAs, with their byte counts. */
	for (text = trafficstatus;
	     (line = vpnha_ls_line(text, conn, &serial, &len));
	     text = line + len) {
		if (serial < sa->child_serial)
			continue;
		sa->child_serial = serial;
		sa->bytes_in = vpnha_ls_num(line, len, "inBytes=");
		sa->bytes_out = vpnha_ls_num(line, len, "outBytes=");
	}
	/* IKE and Child SA states (newest of each). */
	for (text = showstates;
	     (line = vpnha_ls_line(text, conn, &serial, &len));
	     text = line + len) {
		vpnha_ls_state(line, len, st, sizeof(st));
		if (!st[0])
			continue;
		if (strstr(st, "CHILD") || strstr(st, "IPSEC")) {
			strlcpy(child, st, sizeof(child));
			if (serial > sa->child_serial &&
			    strstr(st, "ESTABLISHED"))
				sa->child_serial = serial;
		} else {
			strlcpy(ike, st, sizeof(ike));
			sa->ike_serial = MAX(sa->ike_serial, serial);
		}
	}
	if (sa->child_serial)
		sa->state = VPNHA_SA_UP;
	else if (ike[0] || child[0])
		sa->state = VPNHA_SA_CONNECTING;
	else
		sa->state = VPNHA_SA_DOWN;
	if (sa->state == VPNHA_SA_DOWN)
		snprintf(sa->detail, sizeof(sa->detail), "no IKE SA");
	else
		snprintf(sa->detail, sizeof(sa->detail), "IKE %s, child %s",
			 ike[0] ? ike : "-", child[0] ? child : "-");
}

void vpnha_ls_addconn_note(const char *conn, const char *out, char *line,
			   size_t len)
{
	char added[VPNHA_CONN_MAX + 40];
	size_t alen;

	snprintf(added, sizeof(added), "\"%s\": added IKEv2 connection", conn);
	alen = strlen(added);
	line[0] = '\0';
	while (out && *out) {
		size_t n = strcspn(out, "\n");

		if (n && !(n == alen && strncmp(out, added, alen) == 0)) {
			strlcpy(line, out, MIN(len, n + 1));
			return;
		}
		out += n;
		out += *out == '\n';
	}
}

unsigned int vpnha_ls_version(const char *text)
{
	const char *p = text ? strstr(text, "Libreswan ") : NULL;
	unsigned long major;
	char *end;

	if (!p)
		return 0;
	p += strlen("Libreswan ");
	if (!isdigit((unsigned char)*p))
		return 0;
	major = strtoul(p, &end, 10);
	if (*end != '.' || major == 0 || major > 99)
		return 0;
	return major;
}
