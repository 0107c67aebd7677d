// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad IPsec adapter, common part (see vpnha_ipsec_io.h and, for the
 * files of the adapter, vpnha_ipsec_io_private.h).
 *
 * The core calls the ops below when a tunnel's ipsec configuration or
 * the global settings change; they resolve the connection (core,
 * vpnha_ipsec.c) and hand it to the configured backend:
 *
 * libreswan: per tunnel, DIR/<conn>.conf and DIR/<conn>.secrets (0600),
 * each starting with VPNHA_FILE_MARK; a file without the mark is never
 * overwritten or removed.  pluto is driven with whack and addconn run
 * one at a time as child processes, and polled for SA state.
 *
 * strongSwan: connections and keys go over VICI (load-shared,
 * load-conn, initiate, terminate, unload-*); nothing on disk.  SA state
 * comes from VICI events and a list-sas dump on every (re)connect,
 * after which every connection is loaded again (charon may have
 * restarted and forgotten them).
 *
 * Either way a tunnel whose SA is gone is re-initiated after 1 s,
 * backing off to 30 s, and an unreachable IPsec daemon leaves the SA
 * state unknown: routing then follows the probes alone.
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/memory.h"

#include "vpnha_compat.h"
#include "vpnha.h"
#include "vpnha_debug.h"
#include "vpnha_ipsec_io.h"
#include "vpnha_ipsec_io_private.h"

DEFINE_MTYPE(VPNHAD, VPNHA_IPSEC_IO, "VPN HA IPsec adapter state");

#define INIT_BACKOFF_MIN_MS 1000
#define INIT_BACKOFF_MAX_MS 30000

/* Indexed by enum vpnha_ipsec_backend. */
static const struct vpnha_ipsec_io_backend *const backends[] = {
	[VPNHA_IPSEC_LIBRESWAN] = &vpnha_libreswan_backend,
	[VPNHA_IPSEC_STRONGSWAN] = &vpnha_strongswan_backend,
};

static const struct vpnha_ipsec_io_backend *backend_of(void)
{
	return backends[vpnha->ipsec.backend];
}

void vpnha_ipsec_io_first_line(char *dst, size_t len, const char *out)
{
	size_t n = strcspn(out, "\n");

	strlcpy(dst, out, MIN(len, n + 1));
}

bool vpnha_ipsec_io_same(const struct itun *it, const struct vpnha_text *text,
			 const struct vpnha_ipsec_params *p)
{
	return it->applied.buf && strcmp(it->applied.buf, text->buf) == 0 &&
	       strcmp(it->psk, p->conf->psk) == 0;
}

void vpnha_ipsec_io_applied(struct itun *it, struct vpnha_text *text,
			    const struct vpnha_ipsec_params *p)
{
	vpnha_text_free(&it->applied);
	it->applied = *text;
	memset(text, 0, sizeof(*text));
	strlcpy(it->psk, p->conf->psk, sizeof(it->psk));
}

/* Re-initiation with backoff ------------------------------------------- */

static void itun_init(vpnha_event_t *e)
{
	struct itun *it = VPNHA_EVENT_ARG(e);

	if (it->t->sa.state != VPNHA_SA_DOWN || !it->loaded)
		return;
	zlog_info("tunnel %s: IPsec SA down, initiating %s", it->t->name,
		  it->conn);
	vpnha_tunnel_sa_initiated(vpnha, it->t);
	it->be->initiate(it);
	/*
	 * Negotiating now: no second initiate while IKE is under way.  If
	 * it fails, the next report (poll, dump, or the initiate's own
	 * answer) says "down" again and the next try follows the backoff.
	 */
	vpnha_ipsec_io_sa(it, VPNHA_SA_CONNECTING, "initiated by vpnhad");
}

static void itun_init_schedule(struct itun *it)
{
	/* passive: the peer initiates; ours would cross its (two IKE SAs). */
	if (it->t_init || it->t->ipsec->passive)
		return;
	/* First try after backoff_ms (0: at once; strongSwan sets its
	 * settle time for a new or changed connection), then doubling:
	 * 1 s, 2 s, ... 30 s from 0. */
	vpnha_add_timer_msec(master, itun_init, it, it->backoff_ms,
			     &it->t_init);
	it->backoff_ms = it->backoff_ms
				 ? MIN(it->backoff_ms * 2, INIT_BACKOFF_MAX_MS)
				 : INIT_BACKOFF_MIN_MS;
}

void vpnha_ipsec_io_sa(struct itun *it, enum vpnha_sa_state state,
		       const char *fmt, ...)
{
	char detail[VPNHA_SA_DETAIL_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintfrr(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (VPNHA_DEBUG(ipsec))
		zlog_debug("tunnel %s: %s reports SA %s: %s", it->t->name,
			   vpnha_ipsec_backend_name(it->be->kind),
			   vpnha_sa_state_name(state), detail);
	/* Up again: the next loss is re-initiated at once, not when a
	 * retry timer of the previous one fires. */
	if (state == VPNHA_SA_UP) {
		it->backoff_ms = 0;
		VPNHA_EVENT_OFF(it->t_init);
	}
	vpnha_tunnel_sa_update(vpnha, it->t, state, detail);
	if (state == VPNHA_SA_DOWN && it->loaded)
		itun_init_schedule(it);
}

/* The core's ipsec ops ------------------------------------------------- */

static void itun_unload(struct itun *it)
{
	it->be->remove(it);
	if (it->conn[0])
		zlog_info("tunnel %s: IPsec connection %s removed", it->t->name,
			  it->conn);
	it->conn[0] = '\0';
	vpnha_text_free(&it->applied);
}

static void vpnha_ipsec_tunnel_remove(struct vpnha_tunnel *t)
{
	struct itun *it = itun_of(t);

	if (!it)
		return;
	VPNHA_EVENT_OFF(it->t_init);
	itun_unload(it);
	XFREE(MTYPE_VPNHA_IPSEC_IO, it);
	t->ipsec_io = NULL;
}

/* Another loaded connection with this if_id (XFRM id or VTI mark). */
static struct vpnha_tunnel *vpnha_ipsec_if_id_user(struct vpnha_tunnel *t,
						   uint32_t if_id)
{
	struct vpnha_tunnel *o;

	vpnha_each_tunnel (vpnha, o) {
		struct itun *oi = itun_of(o);

		if (o != t && oi && oi->conn[0] && oi->if_id == if_id &&
		    oi->be == backend_of())
			return o;
	}
	return NULL;
}

static void vpnha_ipsec_tunnel_apply(struct vpnha_tunnel *t)
{
	struct itun *it = itun_of(t);
	struct vpnha_peer *peer =
		t->peer[0] ? vpnha_peer_find(vpnha, t->peer) : NULL;
	struct vpnha_ipsec_params p;
	struct vpnha_tunnel *dup;
	char err[128];

	if (!it) {
		it = XCALLOC(MTYPE_VPNHA_IPSEC_IO, sizeof(*it));
		it->t = t;
		it->be = backend_of();
		t->ipsec_io = it;
	}
	/* Backend changed, or the connection name: unload the old one. */
	if (it->be != backend_of()) {
		itun_unload(it);
		it->be = backend_of();
	}
	if (vpnha_ipsec_resolve(&p, it->be->kind, t->name, t->ifname, t->ipsec,
				&vpnha->gw_addr, peer ? &peer->addr : NULL, err,
				sizeof(err)) < 0) {
		if (it->conn[0])
			itun_unload(it);
		const char *was = vpnha_tunnel_sa_detail(t);

		if (strcmp(err, was + MIN(strlen(was), 15)))
			zlog_warn(
				"tunnel %s: IPsec connection not generated: %s",
				t->name, err);
		vpnha_ipsec_io_sa(it, VPNHA_SA_UNKNOWN, "not generated: %s",
				  err);
		return;
	}
	if (p.if_id && (dup = vpnha_ipsec_if_id_user(t, p.if_id))) {
		if (it->conn[0])
			itun_unload(it);
		vpnha_ipsec_io_sa(
			it, VPNHA_SA_UNKNOWN,
			"not generated: if-id %u is tunnel %s's already",
			p.if_id, dup->name);
		return;
	}
	strlcpy(it->conn, p.conn, sizeof(it->conn));
	it->if_id = p.if_id;
	it->be->apply(it, &p);
	/* passive set: stop trying; cleared: initiate a connection that is
	 * down (an unchanged connection is not loaded again). */
	if (t->ipsec->passive)
		VPNHA_EVENT_OFF(it->t_init);
	else if (it->loaded && t->sa.state == VPNHA_SA_DOWN)
		itun_init_schedule(it);
}

void vpnha_ipsec_io_reapply(struct vpnha_tunnel *t)
{
	if (t->ipsec)
		vpnha_ipsec_tunnel_apply(t);
}

static void vpnha_ipsec_global_apply(void)
{
	struct vpnha_tunnel *t;

	vpnha_ipsec_status_forget(vpnha, false, NULL);
	/* Settings changed: reload every connection with them. */
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (!it)
			continue;
		itun_unload(it);
		it->be = backend_of();
	}
	for (size_t i = 0; i < array_size(backends); i++)
		backends[i]->stop();
	vpnha_each_tunnel (vpnha, t)
		if (t->ipsec)
			vpnha_ipsec_tunnel_apply(t);
}

const struct vpnha_ipsec_ops vpnha_ipsec_io_ops = {
	.tunnel_apply = vpnha_ipsec_tunnel_apply,
	.tunnel_remove = vpnha_ipsec_tunnel_remove,
	.global_apply = vpnha_ipsec_global_apply,
};

/* Show ------------------------------------------------------------------ */

const char *vpnha_ipsec_io_conn(const struct vpnha_tunnel *t)
{
	const struct itun *it = itun_of(t);

	return it ? it->conn : "";
}

int vpnha_ipsec_io_render(const struct vpnha_tunnel *t, struct vpnha_text *out)
{
	struct vpnha_peer *peer =
		t->peer[0] ? vpnha_peer_find(vpnha, t->peer) : NULL;
	struct vpnha_ipsec_params p;
	char err[128];

	if (!t->ipsec) {
		vpnha_text_printf(out, "tunnel has no ipsec configuration");
		return -1;
	}
	if (vpnha_ipsec_resolve(&p, vpnha->ipsec.backend, t->name, t->ifname,
				t->ipsec, &vpnha->gw_addr,
				peer ? &peer->addr : NULL, err,
				sizeof(err)) < 0) {
		vpnha_text_printf(out, "not generated: %s", err);
		return -1;
	}
	backend_of()->render(out, &p);
	return 0;
}

void vpnha_ipsec_io_fini(void)
{
	struct vpnha_tunnel *t;

	/* Leave the IPsec daemon's connections as they are (a restart of
	 * vpnhad must not cut traffic); just free our state. */
	vpnha_each_tunnel (vpnha, t) {
		struct itun *it = itun_of(t);

		if (!it)
			continue;
		VPNHA_EVENT_OFF(it->t_init);
		vpnha_text_free(&it->applied);
		XFREE(MTYPE_VPNHA_IPSEC_IO, it);
		t->ipsec_io = NULL;
	}
	for (size_t i = 0; i < array_size(backends); i++)
		backends[i]->fini();
}
