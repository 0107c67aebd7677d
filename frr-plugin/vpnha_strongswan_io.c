// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad IPsec adapter, strongSwan backend (see vpnha_ipsec_io_private.h).
 *
 * Connections and keys go to charon over VICI (load-shared, load-conn,
 * initiate, terminate, unload-*); nothing on disk.  One VICI connection
 * per socket, shared by the tunnels that use it.  SA state comes from
 * VICI events and a list-sas dump on every (re)connect and every 5 s,
 * after which every connection is loaded again (charon may have
 * restarted and forgotten them).
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/memory.h"
#include "lib/monotime.h"

#include "vpnha_compat.h"
#include "vpnha.h"
#include "vpnha_debug.h"
#include "vpnha_ipsec_io_private.h"
#include "vpnha_vici_io.h"

/* strongSwan: a full SA dump this often (byte counters, missed events). */
#define SS_DUMP_MS 5000
#define VREF_LINGER_MS 3000
/*
 * After a restart the configuration arrives one commit per line, so a
 * connection is loaded (charon reached) before its last lines and then
 * changes with each of them.  An SA found up that this vpnhad did not
 * initiate was built from the whole configuration by the previous one:
 * changes reaching the connection less than this apart from its
 * adoption (or from the previous such change) complete it, and are
 * loaded without terminating the SA.
 */
#define SS_ADOPT_SETTLE_MS 10000
/* A changed connection is initiated after this long without a change. */
#define SS_SETTLE_MS 250
/*
 * charon lists an initiated IKE SA only once it has queued the job: a
 * dump right after the initiate may not show it yet.  Marking that
 * tunnel down would initiate it a second time (a duplicate IKE SA, and
 * one of the two deleted later).  A dump says "no IKE SA" about a
 * connecting tunnel only this long after the initiate.
 */
#define SS_CONNECT_GRACE_MS SS_DUMP_MS

/* A VICI connection shared by the tunnels that use its socket. */
struct vref {
	struct vref *next;
	char path[VPNHA_IPSEC_PATH_MAX + 1];
	struct vpnha_vici *vc;
	unsigned int refs;
	vpnha_event_t *t_dump, *t_free;
};

static struct vref *vrefs;

static void ss_status(bool connected, const char *fmt, ...) PRINTFRR(2, 3);

static void ss_status(bool connected, const char *fmt, ...)
{
	char buf[sizeof(vpnha->ipsec_status.error)];
	va_list ap;

	if (!fmt) {
		vpnha_ipsec_status_set(vpnha, connected, NULL);
		return;
	}
	va_start(ap, fmt);
	vsnprintfrr(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vpnha_ipsec_status_set(vpnha, connected, buf);
}

static void ss_connected(struct vpnha_vici *vc, void *arg);
static void ss_disconnected(struct vpnha_vici *vc, void *arg, const char *why);
static void ss_sa_event(struct vpnha_vici *vc, void *arg,
			const struct vpnha_vici_sa *sa, bool updown);

static const struct vpnha_vici_ops ss_ops = {
	.connected = ss_connected,
	.disconnected = ss_disconnected,
	.sa_event = ss_sa_event,
};

static void ss_dump_timer(vpnha_event_t *e);

static struct vref *vref_get(const char *path)
{
	struct vref *vr;

	for (vr = vrefs; vr; vr = vr->next)
		if (strcmp(vr->path, path) == 0) {
			vr->refs++;
			VPNHA_EVENT_OFF(vr->t_free);
			return vr;
		}
	vr = XCALLOC(MTYPE_VPNHA_IPSEC_IO, sizeof(*vr));
	strlcpy(vr->path, path, sizeof(vr->path));
	vr->refs = 1;
	vr->next = vrefs;
	vrefs = vr;
	vr->vc = vpnha_vici_new(path, &ss_ops, vr);
	vpnha_add_timer_msec(master, ss_dump_timer, vr, SS_DUMP_MS,
			     &vr->t_dump);
	return vr;
}

static void vref_destroy(struct vref *vr)
{
	struct vref **pp;

	for (pp = &vrefs; *pp != vr; pp = &(*pp)->next)
		;
	*pp = vr->next;
	VPNHA_EVENT_OFF(vr->t_dump);
	VPNHA_EVENT_OFF(vr->t_free);
	vpnha_vici_free(vr->vc);
	XFREE(MTYPE_VPNHA_IPSEC_IO, vr);
}

static void vref_free(vpnha_event_t *e)
{
	vref_destroy(VPNHA_EVENT_ARG(e));
}

static bool ss_all_connected(void)
{
	struct vref *vr;
	bool any = false;

	for (vr = vrefs; vr; vr = vr->next) {
		if (!vr->refs)
			continue; /* lingering, unused */
		if (!vpnha_vici_connected(vr->vc))
			return false;
		any = true;
	}
	return any;
}

/* The last user gone: close later, so queued requests (unload,
 * terminate) still reach charon. */
static void vref_put(struct vref *vr)
{
	if (--vr->refs)
		return;
	/* An error about a socket no longer used is no longer news. */
	vpnha_ipsec_status_forget(vpnha, ss_all_connected(), vr->path);
	VPNHA_EVENT_OFF(vr->t_dump);
	vpnha_add_timer_msec(master, vref_free, vr, VREF_LINGER_MS,
			     &vr->t_free);
}

static bool ss_begin(struct vpnha_vici_buf *b, const char *cmd)
{
	memset(b, 0, sizeof(*b));
	if (VPNHA_DEBUG(ipsec))
		zlog_debug("IPsec (strongswan): request %s", cmd);
	return vpnha_vici_begin(b, VPNHA_VICI_CMD_REQUEST, cmd) == 0;
}

static void ss_result(void *arg, bool ok, const char *errmsg,
		      const uint8_t *msg, size_t len)
{
	const char *what = arg;

	if (!ok && msg)
		zlog_warn("IPsec (strongswan): %s failed: %s", what, errmsg);
}

/* charon's answer to an initiate: a refusal is a down SA (retried). */
static void ss_initiated(void *arg, bool ok, const char *errmsg,
			 const uint8_t *msg, size_t len)
{
	char *tunnel = arg;
	struct vpnha_tunnel *t = vpnha_tunnel_find(vpnha, tunnel);
	struct itun *it = t ? itun_of(t) : NULL;

	if (!ok && msg && it && t->sa.state == VPNHA_SA_CONNECTING) {
		zlog_warn("tunnel %s: charon: %s", t->name, errmsg);
		vpnha_ipsec_io_sa(it, VPNHA_SA_DOWN, "initiate failed: %s",
				  errmsg);
	}
	XFREE(MTYPE_VPNHA_IPSEC_IO, tunnel);
}

static void ss_initiate(struct itun *it)
{
	struct vpnha_vici_buf b;
	char *tunnel;

	if (!it->vr || !vpnha_vici_connected(it->vr->vc))
		return;
	if (!ss_begin(&b, "initiate"))
		return;
	it->initiated = true;
	it->adopting = false;
	monotime(&it->init_tv);
	vpnha_vici_kv(&b, "child", it->conn);
	vpnha_vici_kv(&b, "ike", it->conn);
	vpnha_vici_kv(&b, "timeout", "-1"); /* do not wait */
	tunnel = XSTRDUP(MTYPE_VPNHA_IPSEC_IO, it->t->name);
	if (vpnha_vici_request(it->vr->vc, &b, ss_initiated, tunnel) < 0)
		XFREE(MTYPE_VPNHA_IPSEC_IO, tunnel);
	vpnha_vici_buf_free(&b);
}

/* Close the connection's IKE SA (and its Child SAs), without waiting. */
static void ss_terminate(struct itun *it)
{
	struct vpnha_vici_buf b;

	if (ss_begin(&b, "terminate")) {
		vpnha_vici_kv(&b, "ike", it->conn);
		vpnha_vici_kv(&b, "force", "yes");
		vpnha_vici_kv(&b, "timeout", "-1");
		vpnha_vici_request(it->vr->vc, &b, NULL, NULL);
	}
	vpnha_vici_buf_free(&b);
}

static void ss_remove(struct itun *it)
{
	struct vpnha_vici_buf b;

	if (!it->vr)
		return;
	if (it->conn[0] && vpnha_vici_connected(it->vr->vc)) {
		ss_terminate(it);
		if (ss_begin(&b, "unload-conn")) {
			vpnha_vici_kv(&b, "name", it->conn);
			vpnha_vici_request(it->vr->vc, &b, ss_result,
					   (void *)"unload-conn");
		}
		vpnha_vici_buf_free(&b);
		if (ss_begin(&b, "unload-shared")) {
			vpnha_vici_kv(&b, "id", it->conn);
			vpnha_vici_request(it->vr->vc, &b, NULL, NULL);
		}
		vpnha_vici_buf_free(&b);
	}
	vref_put(it->vr);
	it->vr = NULL;
	it->loaded = false;
}

/* load-shared + load-conn from the same items as the swanctl text. */
static int ss_load(struct itun *it, const struct vpnha_ipsec_params *p,
		   const struct vpnha_cfg *cfg)
{
	char key[VPNHA_PSK_MAX + 1];
	struct vpnha_vici_buf b;
	int len;

	len = vpnha_psk_reveal(p->conf->psk, key, sizeof(key));
	if (len < 0 || !ss_begin(&b, "load-shared"))
		return -1;
	vpnha_vici_kv(&b, "id", p->conn);
	vpnha_vici_kv(&b, "type", "IKE");
	vpnha_vici_kv_bin(&b, "data", key, len);
	explicit_bzero(key, sizeof(key));
	vpnha_vici_list_start(&b, "owners");
	vpnha_vici_list_item(&b, p->local_id);
	vpnha_vici_list_item(&b, p->remote_id);
	vpnha_vici_list_end(&b);
	vpnha_vici_request(it->vr->vc, &b, ss_result, (void *)"load-shared");
	vpnha_vici_buf_free(&b);

	if (!ss_begin(&b, "load-conn"))
		return -1;
	for (unsigned int i = 0; i < cfg->n; i++) {
		const struct vpnha_cfg_item *ci = &cfg->item[i];

		switch (ci->kind) {
		case VPNHA_CFG_SECTION:
			vpnha_vici_section_start(&b, ci->key);
			break;
		case VPNHA_CFG_END:
			vpnha_vici_section_end(&b);
			break;
		case VPNHA_CFG_KV:
			vpnha_vici_kv(&b, ci->key, ci->value);
			break;
		case VPNHA_CFG_LIST:
			vpnha_vici_list_start(&b, ci->key);
			vpnha_vici_list_item(&b, ci->value);
			vpnha_vici_list_end(&b);
			break;
		}
	}
	vpnha_vici_request(it->vr->vc, &b, ss_result, (void *)"load-conn");
	vpnha_vici_buf_free(&b);
	return 0;
}

static void ss_dumped(void *arg, bool ok, const char *errmsg,
		      const uint8_t *msg, size_t len);

/* Take stock: SAs are reported, then ss_dumped() marks the rest down. */
static void ss_dump(struct vref *vr)
{
	struct vpnha_vici_buf b;
	struct vpnha_tunnel *t;

	vpnha_each_tunnel (vpnha, t)
		if (itun_of(t) && itun_of(t)->vr == vr)
			itun_of(t)->seen = false;
	if (ss_begin(&b, "list-sas"))
		vpnha_vici_request(vr->vc, &b, ss_dumped, vr);
	vpnha_vici_buf_free(&b);
}

static void ss_dump_timer(vpnha_event_t *e)
{
	struct vref *vr = VPNHA_EVENT_ARG(e);

	if (vpnha_vici_connected(vr->vc))
		ss_dump(vr);
	vpnha_add_timer_msec(master, ss_dump_timer, vr, SS_DUMP_MS,
			     &vr->t_dump);
}

static void ss_apply(struct itun *it, const struct vpnha_ipsec_params *p)
{
	const char *path = p->conf->vici_socket[0] ? p->conf->vici_socket
						   : vpnha->ipsec.vici_socket;
	struct vpnha_text text = {};
	struct vpnha_cfg cfg;
	bool reload;

	vpnha_swanctl_conn(&cfg, p);
	vpnha_swanctl_text(&text, &cfg);
	if (it->vr && strcmp(it->vr->path, path) != 0)
		ss_remove(it);
	if (!it->vr)
		it->vr = vref_get(path);
	if (it->loaded && vpnha_ipsec_io_same(it, &text, p)) {
		vpnha_text_free(&text);
		return;
	}
	/* A changed connection: its SAs go, the new one comes up; unless
	 * it completes an adopted SA's connection (SS_ADOPT_SETTLE_MS). */
	reload = it->loaded && it->applied.buf;
	if (it->adopting &&
	    monotime_since(&it->adopt_tv, NULL) >= SS_ADOPT_SETTLE_MS * 1000)
		it->adopting = false;
	if (reload && it->adopting) {
		zlog_info(
			"tunnel %s: %s completed, its SA from before the restart kept",
			it->t->name, it->conn);
		monotime(&it->adopt_tv);
		reload = false;
	}
	vpnha_ipsec_io_applied(it, &text, p);
	it->loaded = false;
	/*
	 * A new or changed connection is initiated once it has been
	 * unchanged for SS_SETTLE_MS, not when the backoff of the previous
	 * one's failures says: typed line by line, a connection is loaded
	 * (and fails) with default proposals before its `ipsec ike` line
	 * arrives, and the backoff grew to 8 s before the complete one was
	 * tried.  Not at once either: configured line by line (each line a
	 * commit), each line reloaded the connection and its IKE SA, just
	 * initiated, went "without notification" after its IKE_AUTH had
	 * left; the responder authenticated two of them on two threads at
	 * once, its INITIAL_CONTACT check missed one, and it kept that
	 * stale IKE and Child SA (test_scheme_ipsec, 1 run in ~8).
	 */
	it->backoff_ms = SS_SETTLE_MS;
	VPNHA_EVENT_OFF(it->t_init);
	if (!vpnha_vici_connected(it->vr->vc)) {
		vpnha_ipsec_io_sa(it, VPNHA_SA_UNKNOWN,
				  "charon not reachable at %s: %s", path,
				  vpnha_vici_last_error(it->vr->vc));
		if (vpnha_vici_last_error(it->vr->vc)[0])
			ss_status(false, "charon at %s: %s", path,
				  vpnha_vici_last_error(it->vr->vc));
		return; /* loaded on connect */
	}
	if (reload)
		ss_terminate(it);
	if (ss_load(it, p, &cfg) < 0) {
		vpnha_ipsec_io_sa(it, VPNHA_SA_UNKNOWN,
				  "cannot build the VICI request");
		return;
	}
	it->loaded = true;
	/*
	 * An IKE SA still being negotiated went with the old connection,
	 * and charon reports nothing about it (no ike-updown for an SA never
	 * established).  Left "connecting", the dump's grace skipped it and
	 * the new connection was initiated only when a dump 5 to 10 s later
	 * found nothing; meanwhile the peer, as responder, could hold the
	 * SA we dropped.  Down now: initiated at once.
	 */
	if (reload && it->t->sa.state == VPNHA_SA_CONNECTING)
		vpnha_ipsec_io_sa(it, VPNHA_SA_DOWN,
				  "connection changed while negotiating");
	/* Up already (vpnhad restarted)?  The dump says; if not: initiate. */
	ss_dump(it->vr);
}

/* The list-sas response: every SA has been reported. */
static void ss_dumped(void *arg, bool ok, const char *errmsg,
		      const uint8_t *msg, size_t len)
{
	struct vref *vr = arg;
	struct vpnha_tunnel *t;

	if (!msg)
		return;
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (!it || it->vr != vr || it->seen)
			continue;
		if (t->sa.state == VPNHA_SA_CONNECTING &&
		    monotime_since(&it->init_tv, NULL) <
			    SS_CONNECT_GRACE_MS * 1000)
			continue; /* initiated just now: not listed yet */
		vpnha_ipsec_io_sa(it, VPNHA_SA_DOWN, "no IKE SA");
	}
}

static void ss_connected(struct vpnha_vici *vc, void *arg)
{
	struct vref *vr = arg;
	struct vpnha_tunnel *t;

	ss_status(ss_all_connected(), NULL);
	/* Load (again) what charon may have forgotten, then take stock. */
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (!it || it->vr != vr)
			continue;
		it->loaded = false;
		vpnha_text_free(&it->applied);
		vpnha_ipsec_io_reapply(t);
	}
	ss_dump(vr);
}

static void ss_disconnected(struct vpnha_vici *vc, void *arg, const char *why)
{
	struct vref *vr = arg;
	struct vpnha_tunnel *t;

	ss_status(false, "charon at %s: %s", vr->path, why);
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (!it || it->vr != vr)
			continue;
		it->loaded = false;
		VPNHA_EVENT_OFF(it->t_init);
		vpnha_ipsec_io_sa(it, VPNHA_SA_UNKNOWN,
				  "charon not reachable: %s", why);
	}
}

static void ss_sa_event(struct vpnha_vici *vc, void *arg,
			const struct vpnha_vici_sa *sa, bool updown)
{
	struct vref *vr = arg;
	const struct vpnha_vici_child *c = NULL;
	struct vpnha_tunnel *t;
	struct itun *it = NULL;

	vpnha_each_tunnel (vpnha, t) {
		it = itun_of(t);
		if (it && it->vr == vr && strcmp(it->conn, sa->ike_name) == 0)
			break;
	}
	if (!t)
		return; /* not ours */
	it->seen = true;
	/* Around a rekey the old child (DELETING) sits beside the new. */
	for (unsigned int i = 0; i < sa->n_child; i++)
		if (strcmp(sa->child[i].name, it->conn) == 0 &&
		    (!c || strcmp(sa->child[i].state, "INSTALLED") == 0))
			c = &sa->child[i];
	vpnha_tunnel_sa_established(vpnha, t, sa->established_s);

	if (updown && !sa->up_event) {
		vpnha_ipsec_io_sa(it, VPNHA_SA_DOWN, "IKE %s, child %s down",
				  sa->ike_state, c ? c->state : "-");
		return;
	}
	if (c && (strcmp(c->state, "INSTALLED") == 0 ||
		  strcmp(c->state, "REKEYING") == 0 ||
		  strcmp(c->state, "REKEYED") == 0)) {
		vpnha_tunnel_sa_traffic(vpnha, t, c->bytes_in, c->bytes_out);
		if (it->child_id && c->spi_in && c->spi_in != it->child_id &&
		    strcmp(c->state, "INSTALLED") == 0)
			vpnha_tunnel_sa_rekeyed(vpnha, t);
		if (c->spi_in)
			it->child_id = c->spi_in;
		if (!it->initiated && !it->adopting) {
			it->adopting = true;
			monotime(&it->adopt_tv);
		}
		vpnha_ipsec_io_sa(it, VPNHA_SA_UP, "IKE %s, child %s",
				  sa->ike_state, c->state);
		return;
	}
	if (updown)
		return; /* ike up, child to follow */
	vpnha_ipsec_io_sa(
		it,
		strcmp(sa->ike_state, "DELETING") == 0 ? VPNHA_SA_DOWN
						       : VPNHA_SA_CONNECTING,
		"IKE %s, child %s", sa->ike_state, c ? c->state : "none");
}

/* The backend ------------------------------------------------------------ */

static void ss_render(struct vpnha_text *out,
		      const struct vpnha_ipsec_params *p)
{
	struct vpnha_cfg cfg;

	vpnha_swanctl_conn(&cfg, p);
	vpnha_swanctl_text(out, &cfg);
	vpnha_text_printf(
		out,
		"# secrets: IKE key '%s' for %s %s <hidden> (loaded over VICI)\n",
		p->conn, p->local_id, p->remote_id);
}

static void ss_stop(void)
{
}

static void ss_fini(void)
{
	while (vrefs)
		vref_destroy(vrefs);
}

const struct vpnha_ipsec_io_backend vpnha_strongswan_backend = {
	.kind = VPNHA_IPSEC_STRONGSWAN,
	.apply = ss_apply,
	.remove = ss_remove,
	.initiate = ss_initiate,
	.render = ss_render,
	.stop = ss_stop,
	.fini = ss_fini,
};
