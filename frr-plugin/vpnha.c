// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad core: model, tunnel state machine, route decision.
 */
#include <zebra.h>

#include "lib/memory.h"
#include "lib/monotime.h"
#include "lib/log.h"
#include "lib/debug.h"

#include "vpnha.h"

DEFINE_MGROUP(VPNHAD, "vpnhad");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA, "VPN HA instance");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_PEER, "VPN HA peer");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_TUNNEL, "VPN HA tunnel");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_ROUTE, "VPN HA route");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_PATH, "VPN HA zebra route");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_IPSEC, "VPN HA tunnel IPsec config");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_SA_DETAIL, "VPN HA tunnel IPsec SA detail");

DEFINE_HOOK(vpnha_tunnel_transition,
	    (const struct vpnha_tunnel *t, enum vpnha_tunnel_state old_state),
	    (t, old_state));
DEFINE_HOOK(vpnha_tunnel_sa_change,
	    (const struct vpnha_tunnel *t, enum vpnha_sa_state old_state),
	    (t, old_state));

struct vpnha *vpnha;

static const char *const vpnha_tunnel_state_names[] = {
	[VPNHA_TUNNEL_INIT] = "init",
	[VPNHA_TUNNEL_UP] = "up",
	[VPNHA_TUNNEL_DOWN] = "down",
	[VPNHA_TUNNEL_ADMIN_DOWN] = "admin-down",
	[VPNHA_TUNNEL_RECOVERING] = "recovering",
};

static const char *const vpnha_route_reason_names[] = {
	[VPNHA_RR_NONE] = "none",
	[VPNHA_RR_ACTIVE] = "active",
	[VPNHA_RR_KEPT_ALL_DOWN] = "kept: all tunnels down",
	[VPNHA_RR_TUNNEL_ADMIN_DOWN] = "admin-down",
	[VPNHA_RR_TUNNEL_DOWN] = "tunnel down",
	[VPNHA_RR_TUNNEL_RECOVERING] = "tunnel in failback hold-down",
	[VPNHA_RR_INTERFACE_DOWN] = "interface down",
	[VPNHA_RR_NO_INTERFACE] = "interface not found",
	[VPNHA_RR_ZEBRA_DOWN] = "zebra not connected",
	[VPNHA_RR_ECMP_LIMIT] = "ecmp limit reached",
	[VPNHA_RR_SA_DOWN] = "IPsec SA down",
	[VPNHA_RR_TUNNEL_INIT] = "tunnel health unknown, another tunnel is up",
	[VPNHA_RR_STARTUP_HOLD] =
		"start: waiting for the first health verdicts",
};

const char *vpnha_tunnel_state_name(enum vpnha_tunnel_state s)
{
	if ((size_t)s < array_size(vpnha_tunnel_state_names))
		return vpnha_tunnel_state_names[s];
	return "unknown";
}

const char *vpnha_route_reason_name(enum vpnha_route_reason r)
{
	if ((size_t)r < array_size(vpnha_route_reason_names))
		return vpnha_route_reason_names[r];
	return "unknown";
}

/* Monotonic microseconds (FRR's monotime() returns seconds). */
static int64_t vpnha_monotime(void)
{
	struct timeval tv;

	monotime(&tv);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

struct vpnha *vpnha_new(const struct vpnha_rib_ops *rib,
			const struct vpnha_io_ops *io,
			const struct vpnha_ipsec_ops *ipsec,
			int64_t (*now)(void))
{
	struct vpnha *v = XCALLOC(MTYPE_VPNHA, sizeof(*v));

	v->distance_base = VPNHA_DISTANCE_BASE_DEFAULT;
	v->fast_reroute = true;
	v->all_down = VPNHA_ALL_DOWN_KEEP_BEST;
	vpnha_ipsec_global_default(&v->ipsec);
	vpnha_peers_init(&v->peers);
	vpnha_tunnels_init(&v->tunnels);
	vpnha_tunnels_byif_init(&v->tunnels_byif);
	vpnha_routes_init(&v->routes);
	vpnha_routes_bytun_init(&v->routes_bytun);
	vpnha_paths_init(&v->paths);
	vpnha_paths_init(&v->adv_paths);
	v->rib = rib;
	v->io = io;
	v->ipsec_ops = ipsec;
	v->now = now ? now : vpnha_monotime;
	vpnha = v;
	return v;
}

void vpnha_clear(struct vpnha *v)
{
	struct vpnha_route *r;
	struct vpnha_tunnel *t;
	struct vpnha_peer *p;

	/* Routes first: they refer to tunnels. */
	while ((r = vpnha_routes_first(&v->routes)))
		vpnha_route_del(v, r);
	while ((t = vpnha_tunnels_first(&v->tunnels)))
		vpnha_tunnel_del(v, t);
	while ((p = vpnha_peers_first(&v->peers)))
		vpnha_peer_del(v, p);
	v->gw_name[0] = '\0';
	memset(&v->gw_addr, 0, sizeof(v->gw_addr));
	v->distance_base = VPNHA_DISTANCE_BASE_DEFAULT;
	v->all_down = VPNHA_ALL_DOWN_KEEP_BEST;
	v->fast_reroute = true;
	vpnha_set_adv_table(v, 0);
	vpnha_ipsec_global_default(&v->ipsec);
	vpnha_recompute(v);
}

void vpnha_free(struct vpnha *v)
{
	vpnha_clear(v);
	vpnha_routes_fini(&v->routes);
	vpnha_routes_bytun_fini(&v->routes_bytun);
	vpnha_tunnels_fini(&v->tunnels);
	vpnha_tunnels_byif_fini(&v->tunnels_byif);
	vpnha_peers_fini(&v->peers);
	vpnha_paths_fini(&v->paths);
	vpnha_paths_fini(&v->adv_paths);
	if (vpnha == v)
		vpnha = NULL;
	XFREE(MTYPE_VPNHA, v);
}

void vpnha_set_adv_table(struct vpnha *v, uint32_t table)
{
	if (table == v->adv_table)
		return;
	v->adv_table_prev = v->adv_table;
	v->adv_table = table;
}

static void vpnha_rib_reset(struct vpnha *v, bool up);
static enum vpnha_route_reason vpnha_route_eval(const struct vpnha_route *r,
						const struct vpnha_tunnel *t);

void vpnha_set_fast_reroute(struct vpnha *v, bool on)
{
	if (on == v->fast_reroute)
		return;
	v->fast_reroute = on;
	vpnha_rib_resend(v);
}

void vpnha_rib_resend(struct vpnha *v)
{
	/* Forget what was sent: the recompute sends every path again (an
	 * add replaces zebra's route of the same distance). */
	vpnha_rib_reset(v, v->rib_up);
}

bool vpnha_rib_notify_adv_table(const struct vpnha *v, uint32_t table)
{
	return table && (table == v->adv_table || table == v->adv_table_prev);
}

void vpnha_rib_notify_adv(struct vpnha *v, const struct prefix *p,
			  uint32_t table, bool installed)
{
	const struct vpnha_path *adv = vpnha_adv_path(v, p);

	if (installed && adv && adv->table == table)
		vpnha_rib_notify(v, p, true);
}

const struct vpnha_path *vpnha_adv_path(struct vpnha *v, const struct prefix *p)
{
	struct vpnha_path key = {}, *path;

	prefix_copy(&key.prefix, p);
	strlcpy(key.vrf, VPNHA_VRF_DEFAULT, sizeof(key.vrf));
	path = vpnha_paths_find_gteq(&v->adv_paths, &key);
	return path && prefix_same(&path->prefix, p) &&
			       !strcmp(path->vrf, VPNHA_VRF_DEFAULT)
		       ? path
		       : NULL;
}

uint8_t vpnha_distance(const struct vpnha *v, uint8_t weight)
{
	unsigned int d = v->distance_base + weight;

	return d > 255 ? 255 : d;
}

/* Lookups --------------------------------------------------------------- */

struct vpnha_peer *vpnha_peer_find(struct vpnha *v, const char *name)
{
	struct vpnha_peer key = {};

	strlcpy(key.name, name, sizeof(key.name));
	return vpnha_peers_find(&v->peers, &key);
}

struct vpnha_tunnel *vpnha_tunnel_find(struct vpnha *v, const char *name)
{
	/*
	 * Only the name is compared: not "= {}", which zeroed the whole
	 * tunnel (its probe ring) on every lookup.
	 */
	struct vpnha_tunnel key;

	strlcpy(key.name, name, sizeof(key.name));
	return vpnha_tunnels_find(&v->tunnels, &key);
}

/* The first tunnel (by name) with interface IFNAME, or NULL. */
struct vpnha_tunnel *vpnha_tunnel_find_ifname(struct vpnha *v,
					      const char *ifname)
{
	struct vpnha_tunnel key; /* only ifname and name are compared */
	struct vpnha_tunnel *t;

	strlcpy(key.ifname, ifname, sizeof(key.ifname));
	key.name[0] = '\0';
	t = vpnha_tunnels_byif_find_gteq(&v->tunnels_byif, &key);
	return t && strcmp(t->ifname, ifname) == 0 ? t : NULL;
}

struct vpnha_route *vpnha_route_find(struct vpnha *v, const struct prefix *p,
				     const char *tunnel)
{
	struct vpnha_route key = {};

	/* (tunnel, prefix) is unique: a tunnel is in one VRF. */
	prefix_copy(&key.prefix, p);
	apply_mask(&key.prefix);
	strlcpy(key.tunnel, tunnel, sizeof(key.tunnel));
	return vpnha_routes_bytun_find(&v->routes_bytun, &key);
}

/* Peers ---------------------------------------------------------------- */

struct vpnha_peer *vpnha_peer_add(struct vpnha *v, const char *name)
{
	struct vpnha_peer *p = XCALLOC(MTYPE_VPNHA_PEER, sizeof(*p));

	strlcpy(p->name, name, sizeof(p->name));
	vpnha_peers_add(&v->peers, p);
	return p;
}

void vpnha_peer_del(struct vpnha *v, struct vpnha_peer *p)
{
	vpnha_peers_del(&v->peers, p);
	XFREE(MTYPE_VPNHA_PEER, p);
}

/* Tunnel state machine -------------------------------------------------- */

bool vpnha_tunnel_usable(const struct vpnha_tunnel *t)
{
	return (t->state == VPNHA_TUNNEL_UP || t->state == VPNHA_TUNNEL_INIT) &&
	       t->if_up && t->ifindex != IFINDEX_INTERNAL;
}

static unsigned int vpnha_recompute_tunnel_count(struct vpnha *v,
						 const struct vpnha_tunnel *t);
static void vpnha_recompute_tunnel(struct vpnha *v,
				   const struct vpnha_tunnel *t);
static void vpnha_preempt_release(struct vpnha *v);
static void vpnha_tunnel_eval(struct vpnha *v, struct vpnha_tunnel *t);
static void vpnha_tunnel_release_now(struct vpnha *v, struct vpnha_tunnel *t);
static void vpnha_fast_reroute(struct vpnha *v, const struct vpnha_tunnel *t);

/*
 * The single place where a tunnel changes state: counts, logs at info
 * with the reason, records the failover timeline and recomputes routes.
 */
static void vpnha_tunnel_set_state(struct vpnha *v, struct vpnha_tunnel *t,
				   enum vpnha_tunnel_state state,
				   const char *reason)
{
	enum vpnha_tunnel_state old = t->state;
	/* An interface event changed the tunnel before evaluating it. */
	bool if_event = v->if_changed == t;
	bool was_usable = if_event ? v->if_was_usable : vpnha_tunnel_usable(t);
	int64_t now;

	/*
	 * Same state: nothing to log, but nexthops (ifindex) may differ...
	 * except from a health entry point: those change only the health
	 * data, which no route decision reads (vpnha_route_eval: state,
	 * ifindex, if_up, SA), so the routes stand.  Recomputing them there
	 * took a tenth of the CPU per probe (bench/probe_scale.py, N=400).
	 */
	if (old == state && strcmp(t->reason, reason) == 0) {
		if (v->eval_health != t)
			vpnha_recompute_tunnel(v, t);
		else if (v->rib_hold_start)
			vpnha_rib_hold_check(v);
		return;
	}

	now = v->now();
	strlcpy(t->reason, reason, sizeof(t->reason));
	if (old != state) {
		if (old == VPNHA_TUNNEL_RECOVERING)
			v->recovering--;
		if (state == VPNHA_TUNNEL_RECOVERING)
			v->recovering++;
		t->state = state;
		t->last_change = now;
		t->stats.transitions++;
		zlog_info("tunnel %s: %s -> %s (%s)", t->name,
			  vpnha_tunnel_state_name(old),
			  vpnha_tunnel_state_name(state), reason);
		hook_call(vpnha_tunnel_transition, t, old);
	}

	if (state == VPNHA_TUNNEL_UP)
		t->was_up = true;

	/*
	 * A failover starts: record its timeline.  Only for a tunnel that
	 * has been up: a new tunnel whose first verdict (or IPsec SA) says
	 * "down" never carried traffic.
	 */
	if (was_usable && !vpnha_tunnel_usable(t) && t->was_up) {
		memset(&t->timeline, 0, sizeof(t->timeline));
		if (state == VPNHA_TUNNEL_DOWN && t->hc_enabled) {
			t->timeline.last_good = t->health.last_good;
			t->timeline.first_miss = t->health.first_miss;
		}
		t->timeline.declared_down = now;
		t->stats.failovers++;
		if (!if_event) /* else done before the interface changed */
			vpnha_fast_reroute(v, t);
		if (vpnha_recompute_tunnel_count(v, t))
			t->timeline.withdraw_sent = v->now();
		if (v->rib_hold_start)
			vpnha_rib_hold_check(v);
	} else
		vpnha_recompute_tunnel(v, t);

	if (old != state)
		vpnha_preempt_release(v);
}

/* fast-reroute: t is failing, its routes not yet withdrawn. */
static void vpnha_fast_reroute(struct vpnha *v, const struct vpnha_tunnel *t)
{
	struct vpnha_tunnel *to;

	if (!v->fast_reroute || !v->rib_up || v->rib_hold_start || !v->rib ||
	    !v->rib->tunnel_reroute)
		return;
	to = vpnha_reroute_target(v, t);
	if (to)
		v->rib->tunnel_reroute(t, to);
}

struct vpnha_tunnel *vpnha_reroute_target(struct vpnha *v,
					  const struct vpnha_tunnel *t)
{
	struct vpnha_tunnel *to = NULL;
	struct vpnha_route *r, *o;
	struct vpnha_route key = {};
	struct vpnha_path pkey = {}, *sel;

	if (t->ifindex == IFINDEX_INTERNAL)
		return NULL;
	vpnha_each_tunnel_route (v, t, r) {
		struct vpnha_tunnel *cand = NULL;
		uint8_t cd = 255;
		bool tie = false;

		/* Our selected path of the prefix: its lowest distance. */
		prefix_copy(&pkey.prefix, &r->prefix);
		strlcpy(pkey.vrf, r->vrf, sizeof(pkey.vrf));
		pkey.distance = 0;
		sel = vpnha_paths_find_gteq(&v->paths, &pkey);
		if (!sel || !prefix_same(&sel->prefix, &r->prefix) ||
		    strcmp(sel->vrf, r->vrf) != 0 || sel->nh_num != 1 ||
		    sel->nh_ifindex[0] != t->ifindex)
			continue;
		prefix_copy(&key.prefix, &r->prefix);
		strlcpy(key.vrf, r->vrf, sizeof(key.vrf));
		key.tunnel[0] = '\0';
		for (o = vpnha_routes_find_gteq(&v->routes, &key);
		     o && vpnha_route_same_set(o, r);
		     o = vpnha_routes_next(&v->routes, o)) {
			struct vpnha_tunnel *ot;
			uint8_t d;

			if (o == r)
				continue;
			ot = vpnha_tunnel_find(v, o->tunnel);
			if (!ot || vpnha_route_eval(o, ot) != VPNHA_RR_ACTIVE)
				continue;
			d = vpnha_distance(v, o->weight);
			if (d < cd) {
				cd = d;
				cand = ot;
				tie = false;
			} else if (d == cd)
				tie = true;
		}
		if (!cand || tie || cand->state != VPNHA_TUNNEL_UP)
			return NULL;
		if (to && to != cand)
			return NULL;
		to = cand;
	}
	return to;
}

/*
 * No-preempt: a recovered tunnel waits in RECOVERING while another
 * tunnel carries its prefixes.  Release it as soon as, for one of its
 * prefixes, no other tunnel is usable (the backup failed too).
 */
static bool vpnha_tunnel_needed(struct vpnha *v, const struct vpnha_tunnel *t)
{
	struct vpnha_route *r, *o;
	struct vpnha_route key = {};

	vpnha_each_tunnel_route (v, t, r) {
		bool other = false;

		prefix_copy(&key.prefix, &r->prefix);
		strlcpy(key.vrf, r->vrf, sizeof(key.vrf));
		for (o = vpnha_routes_find_gteq(&v->routes, &key);
		     o && vpnha_route_same_set(o, r);
		     o = vpnha_routes_next(&v->routes, o)) {
			const struct vpnha_tunnel *ot;

			if (o == r)
				continue;
			ot = vpnha_tunnel_find(v, o->tunnel);
			if (ot && vpnha_tunnel_usable(ot))
				other = true;
		}
		if (!other)
			return true;
	}
	return false;
}

static void vpnha_preempt_release(struct vpnha *v)
{
	struct vpnha_tunnel *t;

	if (!v->recovering)
		return;
	vpnha_each_tunnel (v, t) {
		if (t->state != VPNHA_TUNNEL_RECOVERING ||
		    !t->health.preempt_block || !vpnha_tunnel_needed(v, t))
			continue;
		zlog_info(
			"tunnel %s: released from no-preempt: no other tunnel carries its prefixes",
			t->name);
		vpnha_tunnel_release_now(v, t);
	}
}

/* Derive the tunnel's state from admin state, interface and health. */
static void vpnha_tunnel_eval(struct vpnha *v, struct vpnha_tunnel *t)
{
	if (t->shutdown) {
		vpnha_tunnel_set_state(v, t, VPNHA_TUNNEL_ADMIN_DOWN,
				       "administratively shut down");
		return;
	}
	if (t->ifindex == IFINDEX_INTERNAL) {
		char why[sizeof(t->reason)];

		if (t->if_other_vrf)
			snprintf(why, sizeof(why),
				 "interface %s is not in VRF %s", t->ifname,
				 t->vrf);
		else if (strcmp(t->vrf, VPNHA_VRF_DEFAULT) != 0)
			snprintf(why, sizeof(why),
				 "interface not found in VRF %s", t->vrf);
		else
			strlcpy(why, "interface not found", sizeof(why));
		vpnha_tunnel_set_state(v, t, VPNHA_TUNNEL_DOWN, why);
		return;
	}
	if (!t->if_up) {
		vpnha_tunnel_set_state(v, t, VPNHA_TUNNEL_DOWN,
				       "interface down");
		return;
	}
	if (t->ipsec && (t->sa.state == VPNHA_SA_DOWN ||
			 t->sa.state == VPNHA_SA_CONNECTING)) {
		vpnha_tunnel_set_state(v, t, VPNHA_TUNNEL_DOWN,
				       t->sa.state == VPNHA_SA_DOWN
					       ? "IPsec SA down"
					       : "IPsec SA negotiating");
		return;
	}
	if (!t->hc_enabled) {
		vpnha_tunnel_set_state(
			v, t, VPNHA_TUNNEL_UP,
			t->ipsec && t->sa.state == VPNHA_SA_UP
				? "IPsec SA up, no health check"
				: "interface up, no health check");
		return;
	}
	switch (t->health.verdict) {
	case VPNHA_HC_UNKNOWN:
		vpnha_tunnel_set_state(
			v, t, VPNHA_TUNNEL_INIT,
			t->hc.type == VPNHA_HC_TYPE_BFD
				? "waiting for the BFD session"
				: "waiting for the first probe reply");
		break;
	case VPNHA_HC_ALIVE:
		vpnha_tunnel_set_state(v, t, VPNHA_TUNNEL_UP,
				       "health check passing");
		break;
	case VPNHA_HC_DEAD: {
		char why[sizeof(t->reason)];

		vpnha_health_reason(&t->health, why, sizeof(why));
		vpnha_tunnel_set_state(v, t, VPNHA_TUNNEL_DOWN,
				       why[0] ? why : "health check failed");
		break;
	}
	case VPNHA_HC_RECOVERING:
		vpnha_tunnel_set_state(
			v, t, VPNHA_TUNNEL_RECOVERING,
			t->health.preempt_block
				? "recovered, no-preempt: waiting for release"
				: "recovered, in failback hold-down");
		break;
	}
}

/* Health entry points ---------------------------------------------------- */

/* vpnha_tunnel_eval() after a change of t's health data only. */
static void vpnha_tunnel_eval_health(struct vpnha *v, struct vpnha_tunnel *t)
{
	const struct vpnha_tunnel *saved = v->eval_health;

	v->eval_health = t;
	vpnha_tunnel_eval(v, t);
	v->eval_health = saved;
}

int64_t vpnha_tunnel_deadline(const struct vpnha_tunnel *t)
{
	return vpnha_health_next_deadline(&t->health);
}

/* t's health changed outside its own entry point: re-arm its timer. */
static void vpnha_tunnel_rearm(struct vpnha *v, struct vpnha_tunnel *t)
{
	if (v->io && v->io->tunnel_rearm)
		v->io->tunnel_rearm(t, vpnha_tunnel_deadline(t));
}

/* Release from no-preempt: fail back at the end of the hold-down. */
static void vpnha_tunnel_release_now(struct vpnha *v, struct vpnha_tunnel *t)
{
	vpnha_health_release(&t->health, v->now());
	/* Past its hold-down, the release fails back at once... */
	vpnha_tunnel_eval(v, t);
	/* ... else at its end, whatever the health check (BFD: no probe
	 * timer runs meanwhile). */
	vpnha_tunnel_rearm(v, t);
}

int vpnha_tunnel_release(struct vpnha *v, struct vpnha_tunnel *t, char *errmsg,
			 size_t errmsg_len)
{
	if (t->state != VPNHA_TUNNEL_RECOVERING) {
		snprintf(errmsg, errmsg_len,
			 "Tunnel %s is %s, not recovering: nothing to release",
			 t->name, vpnha_tunnel_state_name(t->state));
		return -1;
	}
	zlog_info("tunnel %s: released from no-preempt by the operator",
		  t->name);
	vpnha_tunnel_release_now(v, t);
	return 0;
}

int64_t vpnha_tunnel_tick(struct vpnha *v, struct vpnha_tunnel *t, int64_t now,
			  bool send_due, struct vpnha_probe_out *probe)
{
	int64_t confirm;

	vpnha_health_tick(&t->health, now);
	confirm = vpnha_health_confirm_at(&t->health);
	if (probe && (send_due || (confirm && confirm <= now))) {
		int family = IS_IPADDR_V6(&t->hc.source) ? AF_INET6 : AF_INET;
		uint64_t nonce;
		struct vpnha_hc_slot *s;

		vpnha_probe_random(&nonce, sizeof(nonce));
		probe->seq = vpnha_health_probe_sent(&t->health, now);
		s = vpnha_health_slot_find(&t->health, probe->seq);
		s->nonce = nonce;
		probe->len = vpnha_probe_build(probe->buf, sizeof(probe->buf),
					       family, t->probe_ident,
					       probe->seq, nonce, now);
	}
	vpnha_tunnel_eval_health(v, t);
	return vpnha_tunnel_deadline(t);
}

/* Count a refused reply; debug log at most once a second per tunnel. */
static void vpnha_tunnel_reject(struct vpnha *v, struct vpnha_tunnel *t,
				enum vpnha_probe_check check,
				const struct vpnha_probe_reply *r, int64_t now,
				const char *detail)
{
	t->rejects[check]++;
	/* probesInvalid: replies to our identifier that failed a check
	 * (not late or duplicate ones, not other programs' pings). */
	if (check != VPNHA_PROBE_LATE && check != VPNHA_PROBE_DUPLICATE &&
	    check != VPNHA_PROBE_WRONG_IDENT && check != VPNHA_PROBE_MALFORMED)
		vpnha_health_invalid(&t->health);
	if (!v->dbg_probe || !DEBUG_MODE_CHECK(v->dbg_probe, DEBUG_MODE_ALL))
		return;
	if (t->reject_logged && now - t->reject_logged < 1000000) {
		t->reject_unlogged++;
		return;
	}
	zlog_debug(
		"tunnel %s: refused echo reply seq %u from %pIA: %s%s%s (%u more not logged)",
		t->name, r->seq, &r->src, vpnha_probe_check_name(check),
		detail ? ": " : "", detail ? detail : "", t->reject_unlogged);
	t->reject_logged = now;
	t->reject_unlogged = 0;
}

int64_t vpnha_tunnel_probe_input(struct vpnha *v, struct vpnha_tunnel *t,
				 const uint8_t *pkt, size_t len,
				 const struct ipaddr *src, ifindex_t ifindex,
				 const struct ipaddr *dst, int64_t now)
{
	int family = IS_IPADDR_V6(&t->hc.source) ? AF_INET6 : AF_INET;
	struct vpnha_probe_expect expect = {
		.ident = t->probe_ident,
		.peer = t->hc.destination,
		.ifindex = t->ifindex,
		.local = t->hc.source,
	};
	struct vpnha_probe_reply r;
	enum vpnha_probe_check check;
	char errmsg[128];

	if (vpnha_probe_parse(pkt, len, family, family == AF_INET, &r, errmsg,
			      sizeof(errmsg)) < 0) {
		if (src)
			r.src = *src;
		vpnha_tunnel_reject(v, t, VPNHA_PROBE_MALFORMED, &r, now,
				    errmsg);
		return vpnha_tunnel_deadline(t);
	}
	if (src)
		r.src = *src;
	if (dst)
		r.dst = *dst;
	r.ifindex = ifindex;

	check = vpnha_probe_validate(&r, &expect);
	if (check == VPNHA_PROBE_OK)
		check = vpnha_probe_verify(
			&r, vpnha_health_slot_find(&t->health, r.seq));
	if (check == VPNHA_PROBE_OK) {
		switch (vpnha_health_reply(&t->health, r.seq, now)) {
		case VPNHA_HC_REPLY_OK:
			if (v->dbg_probe &&
			    DEBUG_MODE_CHECK(v->dbg_probe, DEBUG_MODE_ALL))
				zlog_debug(
					"tunnel %s: reply seq %u rtt %lld us",
					t->name, r.seq,
					(long long)(now - r.sent_us));
			break;
		case VPNHA_HC_REPLY_LATE:
			check = VPNHA_PROBE_LATE;
			break;
		case VPNHA_HC_REPLY_DUPLICATE:
			check = VPNHA_PROBE_DUPLICATE;
			break;
		case VPNHA_HC_REPLY_UNKNOWN:
			check = VPNHA_PROBE_UNKNOWN_SEQ;
			break;
		}
	} else
		/* Refused: the health checker never sees it, but the
		 * clock still advances (losses are due). */
		vpnha_health_tick(&t->health, now);
	if (check != VPNHA_PROBE_OK)
		vpnha_tunnel_reject(v, t, check, &r, now, NULL);
	vpnha_tunnel_eval_health(v, t);
	return vpnha_tunnel_deadline(t);
}

int64_t vpnha_tunnel_external(struct vpnha *v, struct vpnha_tunnel *t, bool up,
			      int64_t now)
{
	vpnha_health_external(&t->health, up, now);
	vpnha_tunnel_eval_health(v, t);
	return vpnha_tunnel_deadline(t);
}

void vpnha_tunnel_sa_update(struct vpnha *v, struct vpnha_tunnel *t,
			    enum vpnha_sa_state state, const char *detail)
{
	enum vpnha_sa_state old = t->sa.state;

	if (!detail)
		detail = "";
	if (strncmp(vpnha_tunnel_sa_detail(t), detail, VPNHA_SA_DETAIL_MAX)) {
		size_t n = strnlen(detail, VPNHA_SA_DETAIL_MAX);

		XFREE(MTYPE_VPNHA_SA_DETAIL, t->sa.detail);
		if (n) {
			t->sa.detail = XMALLOC(MTYPE_VPNHA_SA_DETAIL, n + 1);
			memcpy(t->sa.detail, detail, n);
			t->sa.detail[n] = '\0';
		}
	}
	if (old == state)
		return;
	t->sa.state = state;
	hook_call(vpnha_tunnel_sa_change, t, old);
	if (old != VPNHA_SA_UNKNOWN || state != VPNHA_SA_DOWN)
		zlog_info("tunnel %s: IPsec SA %s -> %s%s%s", t->name,
			  vpnha_sa_state_name(old), vpnha_sa_state_name(state),
			  t->sa.detail ? ": " : "", vpnha_tunnel_sa_detail(t));
	/*
	 * No Child SA (gone, or being negotiated again): nothing crosses
	 * the tunnel.  The probes must then prove the new SA (recovery
	 * count + hold-down) before routes return.
	 */
	if (old == VPNHA_SA_UP && state != VPNHA_SA_UP) {
		t->sa.downs++;
		if (t->hc_enabled && state != VPNHA_SA_UNKNOWN)
			vpnha_health_force_dead(&t->health, v->now(),
						VPNHA_HC_CAUSE_SA);
	}
	vpnha_tunnel_eval(v, t);
	vpnha_tunnel_rearm(v, t);
}

void vpnha_tunnel_sa_traffic(struct vpnha *v, struct vpnha_tunnel *t,
			     uint64_t bytes_in, uint64_t bytes_out)
{
	t->sa.bytes_in = bytes_in;
	t->sa.bytes_out = bytes_out;
}

void vpnha_tunnel_sa_established(struct vpnha *v, struct vpnha_tunnel *t,
				 uint64_t established_s)
{
	t->sa.established_s = established_s;
}

void vpnha_tunnel_sa_rekeyed(struct vpnha *v, struct vpnha_tunnel *t)
{
	t->sa.rekeys++;
}

void vpnha_tunnel_sa_initiated(struct vpnha *v, struct vpnha_tunnel *t)
{
	t->sa.initiations++;
}

void vpnha_ipsec_status_set(struct vpnha *v, bool connected, const char *error)
{
	const char *backend = vpnha_ipsec_backend_name(v->ipsec.backend);

	if (error) {
		if (strcmp(error, v->ipsec_status.error) != 0)
			zlog_warn("IPsec (%s): %s", backend, error);
		strlcpy(v->ipsec_status.error, error,
			sizeof(v->ipsec_status.error));
	}
	if (connected != v->ipsec_status.connected)
		zlog_info("IPsec (%s): %s", backend,
			  connected ? "reachable" : "not reachable");
	v->ipsec_status.connected = connected;
}

void vpnha_ipsec_status_forget(struct vpnha *v, bool connected,
			       const char *about)
{
	if (!about || strstr(v->ipsec_status.error, about))
		v->ipsec_status.error[0] = '\0';
	v->ipsec_status.connected = connected;
}

static void vpnha_tunnel_io_restart(struct vpnha *v, struct vpnha_tunnel *t)
{
	if (!v->io)
		return;
	if (v->io->tunnel_stop)
		v->io->tunnel_stop(t);
	/* A new identifier: replies to the old socket's probes are not
	 * taken for this one's. */
	vpnha_probe_random(&t->probe_ident, sizeof(t->probe_ident));
	if (t->hc_enabled && !t->shutdown && t->ifindex != IFINDEX_INTERNAL &&
	    v->io->tunnel_start)
		v->io->tunnel_start(t);
}

struct vpnha_tunnel *vpnha_tunnel_add(struct vpnha *v, const char *name)
{
	struct vpnha_tunnel *t = XCALLOC(MTYPE_VPNHA_TUNNEL, sizeof(*t));

	strlcpy(t->name, name, sizeof(t->name));
	strlcpy(t->vrf, VPNHA_VRF_DEFAULT, sizeof(t->vrf));
	t->ifindex = IFINDEX_INTERNAL;
	t->state = VPNHA_TUNNEL_DOWN;
	strlcpy(t->reason, "interface not found", sizeof(t->reason));
	t->last_change = v->now();
	vpnha_hc_config_default(&t->hc);
	/* Unpredictable first sequence number and identifier. */
	vpnha_probe_random(&t->health.next_seq, sizeof(t->health.next_seq));
	vpnha_probe_random(&t->probe_ident, sizeof(t->probe_ident));
	vpnha_health_init(&t->health, &t->hc, true);
	vpnha_tunnels_add(&v->tunnels, t);
	vpnha_tunnels_byif_add(&v->tunnels_byif, t);
	return t;
}

/* The routes naming tunnel go to VRF vrf (re-sorted). */
static void vpnha_routes_set_vrf(struct vpnha *v, const char *tunnel,
				 const char *vrf)
{
	struct vpnha_route *r;

	for (r = vpnha_tunnel_route_first(v, tunnel); r;
	     r = vpnha_tunnel_route_next(v, tunnel, r)) {
		if (!strcmp(r->vrf, vrf))
			continue;
		vpnha_routes_del(&v->routes, r);
		strlcpy(r->vrf, vrf, sizeof(r->vrf));
		vpnha_routes_add(&v->routes, r);
	}
}

void vpnha_tunnel_del(struct vpnha *v, struct vpnha_tunnel *t)
{
	if (v->io && v->io->tunnel_stop)
		v->io->tunnel_stop(t);
	if (t->ipsec)
		vpnha_tunnel_set_ipsec(v, t, NULL);
	if (t->state == VPNHA_TUNNEL_RECOVERING)
		v->recovering--;
	vpnha_tunnels_del(&v->tunnels, t);
	vpnha_tunnels_byif_del(&v->tunnels_byif, t);
	vpnha_routes_set_vrf(v, t->name, VPNHA_VRF_DEFAULT);
	XFREE(MTYPE_VPNHA_SA_DETAIL, t->sa.detail);
	XFREE(MTYPE_VPNHA_TUNNEL, t);
	vpnha_recompute(v);
}

void vpnha_tunnel_set_ifname(struct vpnha *v, struct vpnha_tunnel *t,
			     const char *ifname)
{
	vpnha_tunnels_byif_del(&v->tunnels_byif, t);
	strlcpy(t->ifname, ifname, sizeof(t->ifname));
	vpnha_tunnels_byif_add(&v->tunnels_byif, t);
	/* The adapter resolves the name; until then, not found. */
	t->ifindex = IFINDEX_INTERNAL;
	t->if_up = false;
	if (v->io && v->io->tunnel_stop)
		v->io->tunnel_stop(t);
}

void vpnha_tunnel_set_vrf(struct vpnha *v, struct vpnha_tunnel *t,
			  const char *vrf)
{
	if (!strcmp(t->vrf, vrf))
		return;
	strlcpy(t->vrf, vrf, sizeof(t->vrf));
	vpnha_routes_set_vrf(v, t->name, t->vrf);
	/* The adapter looks the interface up in the new VRF. */
	t->ifindex = IFINDEX_INTERNAL;
	t->if_up = false;
	t->if_other_vrf = false;
	if (v->io && v->io->tunnel_stop)
		v->io->tunnel_stop(t);
	vpnha_tunnel_eval(v, t);
	/* The route sets left in the old VRF. */
	vpnha_recompute(v);
}

void vpnha_tunnel_set_ipsec(struct vpnha *v, struct vpnha_tunnel *t,
			    const struct vpnha_ipsec_conf *conf)
{
	if (!conf) {
		if (t->ipsec && v->ipsec_ops && v->ipsec_ops->tunnel_remove)
			v->ipsec_ops->tunnel_remove(t);
		if (t->ipsec) {
			explicit_bzero(t->ipsec, sizeof(*t->ipsec));
			XFREE(MTYPE_VPNHA_IPSEC, t->ipsec);
		}
		if (t->sa.state != VPNHA_SA_UNKNOWN) {
			enum vpnha_sa_state old = t->sa.state;

			t->sa.state = VPNHA_SA_UNKNOWN;
			hook_call(vpnha_tunnel_sa_change, t, old);
		}
		XFREE(MTYPE_VPNHA_SA_DETAIL, t->sa.detail);
		memset(&t->sa, 0, sizeof(t->sa));
		vpnha_tunnel_eval(v, t);
		return;
	}
	if (!t->ipsec)
		t->ipsec = XCALLOC(MTYPE_VPNHA_IPSEC, sizeof(*t->ipsec));
	*t->ipsec = *conf;
	if (v->ipsec_ops && v->ipsec_ops->tunnel_apply)
		v->ipsec_ops->tunnel_apply(t);
}

void vpnha_tunnel_set_shutdown(struct vpnha *v, struct vpnha_tunnel *t,
			       bool shutdown)
{
	if (t->shutdown == shutdown)
		return;
	t->shutdown = shutdown;
	/* Back from shutdown: start afresh, optimistic as at boot. */
	vpnha_health_init(&t->health, &t->hc, false);
	vpnha_tunnel_io_restart(v, t);
	vpnha_tunnel_eval(v, t);
}

void vpnha_tunnel_hc_changed(struct vpnha *v, struct vpnha_tunnel *t)
{
	/*
	 * The verdict stays until the probes decide: a parameter change
	 * must neither flap a healthy tunnel nor make a dead one usable.
	 * Without a check there is no verdict: enabled again, it starts
	 * afresh (init, which never takes a prefix from a tunnel that is
	 * up).
	 */
	if (t->hc_enabled)
		vpnha_health_reconfigure(&t->health, &t->hc);
	else
		vpnha_health_init(&t->health, &t->hc, false);
	vpnha_tunnel_io_restart(v, t);
	vpnha_tunnel_eval(v, t);
}

void vpnha_interface_update_vrf(struct vpnha *v, const char *ifname,
				const char *vrf, ifindex_t ifindex, bool up)
{
	struct vpnha_tunnel *t, *next;
	const ifindex_t ifindex_seen = ifindex;
	const bool up_seen = up;

	for (t = vpnha_tunnel_find_ifname(v, ifname); t; t = next) {
		bool had = t->ifindex != IFINDEX_INTERNAL;
		bool other_vrf = ifindex_seen != IFINDEX_INTERNAL &&
				 strcmp(vrf, t->vrf) != 0;

		next = vpnha_tunnels_byif_next(&v->tunnels_byif, t);
		if (next && strcmp(next->ifname, ifname) != 0)
			next = NULL;
		/* In another VRF than the tunnel's: not its interface. */
		ifindex = other_vrf ? IFINDEX_INTERNAL : ifindex_seen;
		up = other_vrf ? false : up_seen;
		if (t->if_other_vrf != other_vrf) {
			t->if_other_vrf = other_vrf;
			if (t->ifindex == ifindex && t->if_up == up) {
				/* Only the reason changes. */
				vpnha_tunnel_eval(v, t);
				continue;
			}
		}
		if (t->ifindex == ifindex && t->if_up == up)
			continue;
		/*
		 * Interface gone or down: the probes stop or cannot pass, so
		 * the verdict they left proves nothing about what comes back.
		 * A healthy verdict would take traffic at once into a new,
		 * unproven interface: dead until recovery-count replies and
		 * the hold-down, as after an SA loss.
		 */
		if (t->hc_enabled && t->if_up &&
		    (!up || ifindex == IFINDEX_INTERNAL))
			vpnha_health_force_dead(&t->health, v->now(),
						VPNHA_HC_CAUSE_INTERFACE);
		/*
		 * A failover by this event: rerouted before the interface's
		 * routes are withdrawn, recorded (timeline, count) by
		 * vpnha_tunnel_set_state() from what was usable before.
		 */
		v->if_was_usable = vpnha_tunnel_usable(t);
		if (v->if_was_usable && t->was_up &&
		    (!up || ifindex != t->ifindex))
			vpnha_fast_reroute(v, t);
		t->ifindex = ifindex;
		t->if_up = up && ifindex != IFINDEX_INTERNAL;
		if (had != (ifindex != IFINDEX_INTERNAL))
			vpnha_tunnel_io_restart(v, t);
		v->if_changed = t;
		vpnha_tunnel_eval(v, t);
		v->if_changed = NULL;
	}
}

/* Routes ---------------------------------------------------------------- */

struct vpnha_route *vpnha_route_add(struct vpnha *v, const struct prefix *p,
				    const char *tunnel, uint8_t weight)
{
	struct vpnha_route *r = XCALLOC(MTYPE_VPNHA_ROUTE, sizeof(*r));
	struct vpnha_tunnel *t;

	prefix_copy(&r->prefix, p);
	apply_mask(&r->prefix);
	strlcpy(r->tunnel, tunnel, sizeof(r->tunnel));
	r->weight = weight;
	t = vpnha_tunnel_find(v, tunnel);
	strlcpy(r->vrf, t ? t->vrf : VPNHA_VRF_DEFAULT, sizeof(r->vrf));
	vpnha_routes_add(&v->routes, r);
	vpnha_routes_bytun_add(&v->routes_bytun, r);
	return r;
}

void vpnha_route_del(struct vpnha *v, struct vpnha_route *r)
{
	vpnha_routes_del(&v->routes, r);
	vpnha_routes_bytun_del(&v->routes_bytun, r);
	XFREE(MTYPE_VPNHA_ROUTE, r);
}

void vpnha_route_set_weight(struct vpnha *v, struct vpnha_route *r,
			    uint8_t weight)
{
	r->weight = weight;
}

int vpnha_route_prefix_parse(const char *str, struct prefix *p, char *errmsg,
			     size_t errmsg_len)
{
	const char *slash = strchr(str, '/');
	struct prefix masked;

	/* str2prefix() takes "10.0.0.0/16x" for /16: check the length. */
	if (!slash || !slash[1] ||
	    strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    !str2prefix(str, p) ||
	    (p->family != AF_INET && p->family != AF_INET6)) {
		snprintf(
			errmsg, errmsg_len,
			"route prefix '%s' is malformed: expected A.B.C.D/M or X:X::X:X/M",
			str);
		return -1;
	}
	prefix_copy(&masked, p);
	apply_mask(&masked);
	if (!prefix_same(p, &masked)) {
		snprintfrr(
			errmsg, errmsg_len,
			"route prefix %s has host bits set (did you mean %pFX?)",
			str, &masked);
		return -1;
	}
	return 0;
}

/* Route decision -------------------------------------------------------- */

static enum vpnha_route_reason vpnha_route_eval(const struct vpnha_route *r,
						const struct vpnha_tunnel *t)
{
	if (!t)
		return VPNHA_RR_NO_INTERFACE;
	if (t->state == VPNHA_TUNNEL_ADMIN_DOWN)
		return VPNHA_RR_TUNNEL_ADMIN_DOWN;
	if (t->ifindex == IFINDEX_INTERNAL)
		return VPNHA_RR_NO_INTERFACE;
	if (!t->if_up)
		return VPNHA_RR_INTERFACE_DOWN;
	if (t->state == VPNHA_TUNNEL_RECOVERING)
		return VPNHA_RR_TUNNEL_RECOVERING;
	if (t->state == VPNHA_TUNNEL_DOWN)
		return t->ipsec && (t->sa.state == VPNHA_SA_DOWN ||
				    t->sa.state == VPNHA_SA_CONNECTING)
			       ? VPNHA_RR_SA_DOWN
			       : VPNHA_RR_TUNNEL_DOWN;
	return VPNHA_RR_ACTIVE;
}

static bool vpnha_path_same(const struct vpnha_path *a,
			    const struct vpnha_path *b)
{
	return a->nh_num == b->nh_num &&
	       memcmp(a->nh_ifindex, b->nh_ifindex,
		      a->nh_num * sizeof(a->nh_ifindex[0])) == 0;
}

static void vpnha_path_add_nh(struct vpnha_path *path, ifindex_t ifindex)
{
	unsigned int i;

	for (i = 0; i < path->nh_num; i++)
		if (path->nh_ifindex[i] == ifindex)
			return;
	/* Keep nexthops sorted so equal sets compare equal. */
	for (i = path->nh_num; i > 0 && path->nh_ifindex[i - 1] > ifindex; i--)
		path->nh_ifindex[i] = path->nh_ifindex[i - 1];
	path->nh_ifindex[i] = ifindex;
	path->nh_num++;
}

/*
 * advertise-table: withdraw whatever copy of p zebra may hold in the
 * table without our knowing (left by the vpnhad before us: zebra keeps a
 * client's routes over its restart, and its graceful-restart sweep
 * covers the main table only, zebra/zebra_gr.c in 8.4 and 10.3).  zebra
 * ignores the delete of a route it does not have.
 */
static unsigned int vpnha_adv_del_unknown(struct vpnha *v,
					  const struct prefix *p)
{
	struct vpnha_path stale = {};

	if (!v->adv_table || !v->rib_up || !v->rib || !v->rib->route_del)
		return 0;
	prefix_copy(&stale.prefix, p);
	strlcpy(stale.vrf, VPNHA_VRF_DEFAULT, sizeof(stale.vrf));
	stale.table = v->adv_table;
	v->rib->route_del(&stale);
	return 1;
}

/*
 * advertise-table: make the table hold want for p (NULL: nothing), one
 * route per prefix, sent without ZEBRA_FLAG_RR_USE_DISTANCE.  An add is
 * always a withdraw, then the add, never a replace in place: zebra 8.4's
 * import-table loses its copy of a table route replaced in place (its
 * implicit delete of the old route takes the new copy with it: seen in
 * test_advertise.py), and with the flag set its delete of the copy
 * would match no distance.  A first add withdraws an unknown copy.
 * Returns the messages sent.
 */
static unsigned int vpnha_adv_sync(struct vpnha *v, const struct prefix *p,
				   const struct vpnha_path *want)
{
	struct vpnha_path *path = (struct vpnha_path *)vpnha_adv_path(v, p);
	unsigned int sent = 0;

	if (path && want && path->table == want->table &&
	    path->distance == want->distance && vpnha_path_same(path, want))
		return 0;
	if (path) {
		if (v->rib_up && v->rib && v->rib->route_del) {
			v->rib->route_del(path);
			sent++;
		}
		vpnha_paths_del(&v->adv_paths, path);
		XFREE(MTYPE_VPNHA_PATH, path);
	} else if (want)
		sent += vpnha_adv_del_unknown(v, p);
	if (!want)
		return sent;
	path = XCALLOC(MTYPE_VPNHA_PATH, sizeof(*path));
	*path = *want;
	path->state = VPNHA_PATH_SENT;
	vpnha_paths_add(&v->adv_paths, path);
	if (v->rib && v->rib->route_add) {
		v->rib->route_add(path);
		sent++;
	}
	return sent;
}

/*
 * Recompute one prefix: routes [first, ...) sharing first's prefix.
 * Returns the number of zebra messages sent.
 */
static unsigned int vpnha_recompute_prefix(struct vpnha *v,
					   struct vpnha_route *first)
{
	struct vpnha_path want[VPNHA_ECMP_MAX] = {};
	unsigned int nwant = 0, sent = 0, i;
	struct vpnha_route *r;
	struct vpnha_path key = {}, *path, *next, *adv;
	bool any_usable = false, any_up = false;
	uint8_t best = 255;

	/* Pass 0: is a tunnel known to be healthy carrying the prefix? */
	for (r = first; r && vpnha_route_same_set(r, first);
	     r = vpnha_routes_next(&v->routes, r)) {
		struct vpnha_tunnel *t = vpnha_tunnel_find(v, r->tunnel);

		if (t && t->state == VPNHA_TUNNEL_UP &&
		    vpnha_route_eval(r, t) == VPNHA_RR_ACTIVE)
			any_up = true;
	}

	/* Pass 1: reasons, and whether any tunnel is usable. */
	for (r = first; r && vpnha_route_same_set(r, first);
	     r = vpnha_routes_next(&v->routes, r)) {
		struct vpnha_tunnel *t = vpnha_tunnel_find(v, r->tunnel);

		r->reason = vpnha_route_eval(r, t);
		r->installed = false;
		/* Unknown health never takes traffic from a healthy tunnel. */
		if (r->reason == VPNHA_RR_ACTIVE && any_up &&
		    t->state == VPNHA_TUNNEL_INIT)
			r->reason = VPNHA_RR_TUNNEL_INIT;
		if (r->reason == VPNHA_RR_ACTIVE)
			any_usable = true;
		else if (t && t->ifindex != IFINDEX_INTERNAL &&
			 t->state != VPNHA_TUNNEL_ADMIN_DOWN)
			best = MIN(best, vpnha_distance(v, r->weight));
	}

	/*
	 * All down: keep-best keeps the most preferred routes whose
	 * interface exists (not admin-down: an operator's shutdown is
	 * always honoured).
	 */
	if (!any_usable && v->all_down == VPNHA_ALL_DOWN_KEEP_BEST) {
		for (r = first; r && vpnha_route_same_set(r, first);
		     r = vpnha_routes_next(&v->routes, r)) {
			struct vpnha_tunnel *t =
				vpnha_tunnel_find(v, r->tunnel);

			if (t && t->ifindex != IFINDEX_INTERNAL &&
			    t->state != VPNHA_TUNNEL_ADMIN_DOWN &&
			    vpnha_distance(v, r->weight) == best)
				r->reason = VPNHA_RR_KEPT_ALL_DOWN;
		}
	}

	/* Pass 2: group what goes to zebra by distance. */
	for (r = first; r && vpnha_route_same_set(r, first);
	     r = vpnha_routes_next(&v->routes, r)) {
		struct vpnha_tunnel *t;
		uint8_t d = vpnha_distance(v, r->weight);

		if (r->reason != VPNHA_RR_ACTIVE &&
		    r->reason != VPNHA_RR_KEPT_ALL_DOWN)
			continue;
		if (!v->rib_up) {
			r->reason = VPNHA_RR_ZEBRA_DOWN;
			continue;
		}
		if (v->rib_hold_start) {
			r->reason = VPNHA_RR_STARTUP_HOLD;
			continue;
		}
		t = vpnha_tunnel_find(v, r->tunnel);
		for (i = 0; i < nwant; i++)
			if (want[i].distance == d)
				break;
		if (i == nwant) {
			if (nwant == VPNHA_ECMP_MAX) {
				r->reason = VPNHA_RR_ECMP_LIMIT;
				continue;
			}
			prefix_copy(&want[i].prefix, &first->prefix);
			strlcpy(want[i].vrf, first->vrf, sizeof(want[i].vrf));
			want[i].distance = d;
			nwant++;
		}
		if (want[i].nh_num == VPNHA_ECMP_MAX) {
			r->reason = VPNHA_RR_ECMP_LIMIT;
			continue;
		}
		vpnha_path_add_nh(&want[i], t->ifindex);
		r->installed = true;
	}

	/* Pass 3: withdraw what is no longer wanted (first: make room). */
	prefix_copy(&key.prefix, &first->prefix);
	strlcpy(key.vrf, first->vrf, sizeof(key.vrf));
	key.distance = 0;
	for (path = vpnha_paths_find_gteq(&v->paths, &key);
	     path && prefix_same(&path->prefix, &first->prefix) &&
	     !strcmp(path->vrf, first->vrf);
	     path = next) {
		next = vpnha_paths_next(&v->paths, path);
		for (i = 0; i < nwant; i++)
			if (want[i].distance == path->distance)
				break;
		if (i < nwant)
			continue;
		if (v->rib_up && v->rib && v->rib->route_del) {
			v->rib->route_del(path);
			sent++;
		}
		vpnha_paths_del(&v->paths, path);
		XFREE(MTYPE_VPNHA_PATH, path);
	}

	/* Pass 4: add or replace. */
	for (i = 0; i < nwant; i++) {
		path = vpnha_paths_find(&v->paths, &want[i]);
		if (path && vpnha_path_same(path, &want[i]))
			continue;
		if (!path) {
			path = XCALLOC(MTYPE_VPNHA_PATH, sizeof(*path));
			*path = want[i];
			vpnha_paths_add(&v->paths, path);
		} else {
			path->nh_num = want[i].nh_num;
			memcpy(path->nh_ifindex, want[i].nh_ifindex,
			       sizeof(path->nh_ifindex));
		}
		path->state = VPNHA_PATH_SENT;
		if (v->rib && v->rib->route_add) {
			v->rib->route_add(path);
			sent++;
		}
	}

	/*
	 * advertise-table: the lowest distance sent, only while a tunnel
	 * is usable (a route kept by keep-best is not advertised).
	 */
	adv = NULL;
	if (strcmp(first->vrf, VPNHA_VRF_DEFAULT) != 0)
		return sent;
	if (v->adv_table && any_usable)
		for (i = 0; i < nwant; i++)
			if (!adv || want[i].distance < adv->distance)
				adv = &want[i];
	if (adv)
		adv->table = v->adv_table;
	sent += vpnha_adv_sync(v, &first->prefix, adv);
	return sent;
}

/* Withdraw paths whose prefix has no route left. */
static unsigned int vpnha_recompute_orphans(struct vpnha *v)
{
	struct vpnha_path *path, *next;
	struct vpnha_route key = {}, *r;
	unsigned int sent = 0;

	for (path = vpnha_paths_first(&v->paths); path; path = next) {
		next = vpnha_paths_next(&v->paths, path);
		prefix_copy(&key.prefix, &path->prefix);
		strlcpy(key.vrf, path->vrf, sizeof(key.vrf));
		key.tunnel[0] = '\0';
		r = vpnha_routes_find_gteq(&v->routes, &key);
		if (r && prefix_same(&r->prefix, &path->prefix) &&
		    !strcmp(r->vrf, path->vrf))
			continue;
		if (v->rib_up && v->rib && v->rib->route_del) {
			v->rib->route_del(path);
			sent++;
		}
		vpnha_paths_del(&v->paths, path);
		XFREE(MTYPE_VPNHA_PATH, path);
	}
	for (path = vpnha_paths_first(&v->adv_paths); path; path = next) {
		next = vpnha_paths_next(&v->adv_paths, path);
		prefix_copy(&key.prefix, &path->prefix);
		strlcpy(key.vrf, path->vrf, sizeof(key.vrf));
		key.tunnel[0] = '\0';
		r = vpnha_routes_find_gteq(&v->routes, &key);
		if (r && prefix_same(&r->prefix, &path->prefix) &&
		    !strcmp(r->vrf, path->vrf))
			continue;
		sent += vpnha_adv_sync(v, &path->prefix, NULL);
	}
	return sent;
}

static unsigned int vpnha_recompute_count(struct vpnha *v)
{
	struct vpnha_route *r;
	unsigned int sent;

	sent = vpnha_recompute_orphans(v);
	for (r = vpnha_routes_first(&v->routes); r;) {
		struct vpnha_route *first = r;

		sent += vpnha_recompute_prefix(v, first);
		while (r && vpnha_route_same_set(r, first))
			r = vpnha_routes_next(&v->routes, r);
	}
	return sent;
}

/*
 * Recompute the prefixes a tunnel carries (its state changed): the
 * decision for a prefix depends only on its own routes and their
 * tunnels, so the other prefixes stand.  Returns the zebra messages sent.
 */
static unsigned int vpnha_recompute_tunnel_count(struct vpnha *v,
						 const struct vpnha_tunnel *t)
{
	struct vpnha_route *r, *first;
	struct vpnha_route key = {};
	unsigned int sent = 0;

	vpnha_each_tunnel_route (v, t, r) {
		prefix_copy(&key.prefix, &r->prefix);
		strlcpy(key.vrf, r->vrf, sizeof(key.vrf));
		first = vpnha_routes_find_gteq(&v->routes, &key);
		if (first)
			sent += vpnha_recompute_prefix(v, first);
	}
	return sent;
}

static void vpnha_recompute_tunnel(struct vpnha *v,
				   const struct vpnha_tunnel *t)
{
	vpnha_recompute_tunnel_count(v, t);
	if (v->rib_hold_start)
		vpnha_rib_hold_check(v);
}

void vpnha_recompute(struct vpnha *v)
{
	vpnha_recompute_count(v);
	if (v->rib_hold_start)
		vpnha_rib_hold_check(v);
}

/*
 * Every route is sent (hold end, replay after a reconnect): clear, for
 * each of our prefixes, what an earlier zebra left and, when not
 * advertised, an advertise-table copy an earlier vpnhad left, then tell
 * zebra the update is complete (it drops what an earlier vpnhad left in
 * the main table).
 */
static void vpnha_rib_sent_all(struct vpnha *v)
{
	const struct vpnha_route *r, *prev = NULL;

	if (!v->rib_up || !v->rib)
		return;
	for (r = vpnha_routes_const_first(&v->routes); r;
	     r = vpnha_routes_const_next(&v->routes, r)) {
		if (!prev || !vpnha_route_same_set(prev, r)) {
			if (v->rib->leftover_del)
				v->rib->leftover_del(r->vrf, &r->prefix);
			/* Not advertised: no copy either, ours or not. */
			if (!strcmp(r->vrf, VPNHA_VRF_DEFAULT) &&
			    !vpnha_adv_path(v, &r->prefix))
				vpnha_adv_del_unknown(v, &r->prefix);
		}
		prev = r;
	}
	if (v->rib->update_complete)
		v->rib->update_complete();
}

/* Start-up hold ---------------------------------------------------------- */

/* At least this long: the configuration may arrive after the start. */
#define VPNHA_RIB_HOLD_MIN_US 3000000
/* At most this long, whatever the health-check timers. */
#define VPNHA_RIB_HOLD_MAX_US 30000000

void vpnha_rib_hold(struct vpnha *v)
{
	v->rib_hold_start = v->now();
	zlog_info(
		"start: routes held until the first health verdicts (at most %lld ms)",
		(long long)(vpnha_rib_hold_deadline(v) - v->rib_hold_start) /
			1000);
}

/*
 * A tunnel whose first verdict is still to come: health-checked, up,
 * with no verdict; or its interface not known yet.
 */
static bool vpnha_tunnel_unsettled(const struct vpnha_tunnel *t)
{
	if (t->shutdown)
		return false;
	if (t->ifindex == IFINDEX_INTERNAL)
		return true;
	return t->if_up && t->hc_enabled &&
	       t->health.verdict == VPNHA_HC_UNKNOWN &&
	       t->state == VPNHA_TUNNEL_INIT;
}

int64_t vpnha_rib_hold_deadline(const struct vpnha *v)
{
	const struct vpnha_tunnel *t;
	int64_t span = VPNHA_RIB_HOLD_MIN_US;

	if (!v->rib_hold_start)
		return 0;
	/* Long enough for a dead tunnel's down verdict: miss-count + 1
	 * probes and the timeout, plus a second. */
	frr_each (vpnha_tunnels_const, &v->tunnels, t) {
		int64_t need;

		if (!t->hc_enabled)
			continue;
		need = ((int64_t)(t->hc.miss_count + 1) * t->hc.interval_ms +
			t->hc.timeout_ms + 1000) *
		       1000;
		if (t->hc.type == VPNHA_HC_TYPE_BFD)
			need += 3000000; /* the BFD session's grace time */
		span = MAX(span, need);
	}
	return v->rib_hold_start + MIN(span, VPNHA_RIB_HOLD_MAX_US);
}

void vpnha_rib_hold_check(struct vpnha *v)
{
	const struct vpnha_tunnel *t;
	bool waiting = vpnha_routes_count(&v->routes) == 0;
	int64_t now = v->now();

	if (!v->rib_hold_start)
		return;
	frr_each (vpnha_tunnels_const, &v->tunnels, t)
		if (vpnha_tunnel_unsettled(t))
			waiting = true;
	if (waiting && now < vpnha_rib_hold_deadline(v))
		return;
	zlog_info("start: %s after %lld ms, sending the routes",
		  waiting ? "hold timed out" : "first verdicts in",
		  (long long)(now - v->rib_hold_start) / 1000);
	v->rib_hold_start = 0;
	vpnha_recompute_count(v);
	vpnha_rib_sent_all(v);
}

/* zebra events ---------------------------------------------------------- */

/*
 * zebra is a cache of our intent: a new connection starts empty (zebra
 * drops a disconnected client's routes), and we replay everything.
 */
static void vpnha_rib_reset(struct vpnha *v, bool up)
{
	struct vpnha_path *path;

	v->rib_up = up;
	while ((path = vpnha_paths_pop(&v->paths)))
		XFREE(MTYPE_VPNHA_PATH, path);
	while ((path = vpnha_paths_pop(&v->adv_paths)))
		XFREE(MTYPE_VPNHA_PATH, path);
	vpnha_recompute(v);
}

void vpnha_rib_connected(struct vpnha *v)
{
	bool held = v->rib_hold_start != 0;

	vpnha_rib_reset(v, true);
	/* While held, the hold's end sends everything. */
	if (!held)
		vpnha_rib_sent_all(v);
}

void vpnha_rib_disconnected(struct vpnha *v)
{
	vpnha_rib_reset(v, false);
}

void vpnha_withdraw_all(struct vpnha *v)
{
	struct vpnha_path *path;

	vpnha_each_path (v, path)
		v->rib->route_del(path);
	frr_each (vpnha_paths, &v->adv_paths, path)
		v->rib->route_del(path);
	/* Nothing is ours in zebra now: clearing must not delete again. */
	vpnha_rib_reset(v, false);
	vpnha_clear(v);
	if (v->rib->update_complete)
		v->rib->update_complete();
}

void vpnha_rib_notify_vrf(struct vpnha *v, const char *vrf,
			  const struct prefix *p, bool installed)
{
	struct vpnha_path key = {}, *path, *lowest = NULL;
	struct vpnha_route rkey = {}, *r;
	unsigned int n = 0;
	int64_t now = v->now();

	prefix_copy(&key.prefix, p);
	strlcpy(key.vrf, vrf, sizeof(key.vrf));
	for (path = vpnha_paths_find_gteq(&v->paths, &key);
	     path && prefix_same(&path->prefix, p) && !strcmp(path->vrf, vrf);
	     path = vpnha_paths_next(&v->paths, path)) {
		if (!lowest)
			lowest = path;
		n++;
	}
	if (!lowest)
		return;

	/*
	 * zebra's notification names the prefix, not the distance; of our
	 * routes zebra always selects the lowest distance.
	 */
	if (installed) {
		for (path = lowest; path && prefix_same(&path->prefix, p) &&
				    !strcmp(path->vrf, vrf);
		     path = vpnha_paths_next(&v->paths, path))
			path->state = path == lowest ? VPNHA_PATH_INSTALLED
						     : VPNHA_PATH_NOT_INSTALLED;
	} else if (n == 1 &&
		   (strcmp(vrf, VPNHA_VRF_DEFAULT) || !vpnha_adv_path(v, p)))
		/*
		 * With an advertise-table copy, zebra's import of it beats
		 * our route by design: vpnha_rib_notify_adv() reports.
		 */
		lowest->state = VPNHA_PATH_NOT_INSTALLED;

	if (!installed)
		return;

	/* Close the timeline of tunnels whose failover this completes. */
	prefix_copy(&rkey.prefix, p);
	strlcpy(rkey.vrf, vrf, sizeof(rkey.vrf));
	for (r = vpnha_routes_find_gteq(&v->routes, &rkey);
	     r && prefix_same(&r->prefix, p) && !strcmp(r->vrf, vrf);
	     r = vpnha_routes_next(&v->routes, r)) {
		struct vpnha_tunnel *t = vpnha_tunnel_find(v, r->tunnel);

		if (t && t->timeline.withdraw_sent && !t->timeline.switched &&
		    !r->installed) {
			t->timeline.switched = now;
			zlog_info(
				"tunnel %s: %pFX switched over, %lld ms after the down verdict",
				t->name, p,
				(long long)(now - t->timeline.declared_down) /
					1000);
		}
	}
}

struct vpnha_tunnel *vpnha_prefix_active_tunnel_vrf(struct vpnha *v,
						    const char *vrf,
						    const struct prefix *p)
{
	struct vpnha_route key = {}, *r, *best = NULL;

	prefix_copy(&key.prefix, p);
	strlcpy(key.vrf, vrf, sizeof(key.vrf));
	for (r = vpnha_routes_find_gteq(&v->routes, &key);
	     r && prefix_same(&r->prefix, p) && !strcmp(r->vrf, vrf);
	     r = vpnha_routes_next(&v->routes, r))
		if (r->installed && (!best || r->weight < best->weight))
			best = r;
	return best ? vpnha_tunnel_find(v, best->tunnel) : NULL;
}

bool vpnha_route_selected(struct vpnha *v, const struct vpnha_route *r)
{
	struct vpnha_path key = {}, *path;

	if (!r->installed)
		return false;
	prefix_copy(&key.prefix, &r->prefix);
	strlcpy(key.vrf, r->vrf, sizeof(key.vrf));
	key.distance = vpnha_distance(v, r->weight);
	path = vpnha_paths_find(&v->paths, &key);
	return path && path->state == VPNHA_PATH_INSTALLED;
}

unsigned int vpnha_tunnel_routes_installed(struct vpnha *v,
					   const struct vpnha_tunnel *t)
{
	struct vpnha_route *r;
	unsigned int n = 0;

	vpnha_each_tunnel_route (v, t, r)
		if (r->installed)
			n++;
	return n;
}

int64_t vpnha_timeline_ms(int64_t from, int64_t to)
{
	if (!from || !to || to < from)
		return -1;
	return (to - from) / 1000;
}
