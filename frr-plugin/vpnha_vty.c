// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad show commands: "show vpn-ha [gateway|peer|tunnel|route] [json]"
 * and "clear vpn-ha tunnel NAME".
 */
#include <zebra.h>

#include "lib/command.h"
#include "lib/json.h"
#include "lib/printfrr.h"
#include "lib/vty.h"
#include "lib/vrf.h"

#include "vpnha.h"
#include "vpnha_probe_io.h"
#include "vpnha_ipsec_io.h"
#include "vpnha_vty.h"
#include "vpnha_zebra_io.h"

#ifndef VTYSH_EXTRACT_PL
#include "vpnha_vty_clippy.c"
#endif

#define VPNHA_SHOW_STR "VPN high availability (vpnhad)\n"

static void vpnha_json_ms(json_object *j, const char *key, int64_t from,
			  int64_t to)
{
	int64_t ms = vpnha_timeline_ms(from, to);

	if (ms >= 0)
		json_object_int_add(j, key, ms);
	else
		json_object_object_add(j, key, NULL);
}

/* Age of a monotonic timestamp, in ms before now, or null. */
static void vpnha_json_ago(json_object *j, const char *key, int64_t when)
{
	vpnha_json_ms(j, key, when, when ? vpnha->now() : 0);
}

static json_object *vpnha_json_gateway(void)
{
	json_object *j = json_object_new_object();

	if (vpnha->gw_name[0])
		json_object_string_add(j, "name", vpnha->gw_name);
	if (vpnha->gw_addr.ipa_type != IPADDR_NONE)
		json_object_string_addf(j, "localAddress", "%pIA",
					&vpnha->gw_addr);
	return j;
}

static json_object *vpnha_json_peer(const struct vpnha_peer *p)
{
	json_object *j = json_object_new_object();
	json_object *ja = json_object_new_array();
	struct vpnha_tunnel *t;

	if (p->addr.ipa_type != IPADDR_NONE)
		json_object_string_addf(j, "address", "%pIA", &p->addr);
	vpnha_each_tunnel (vpnha, t)
		if (strcmp(t->peer, p->name) == 0)
			json_object_array_add(ja,
					      json_object_new_string(t->name));
	json_object_object_add(j, "tunnels", ja);
	return j;
}

/* Echo replies refused, by cause (late and duplicate included). */
static json_object *vpnha_json_rejects(const struct vpnha_tunnel *t)
{
	json_object *j = json_object_new_object();

	for (enum vpnha_probe_check c = VPNHA_PROBE_OK + 1;
	     c < VPNHA_PROBE_CHECK_MAX; c++)
		json_object_int_add(j, vpnha_probe_check_key(c), t->rejects[c]);
	return j;
}

static json_object *vpnha_json_tunnel(const struct vpnha_tunnel *t)
{
	json_object *j = json_object_new_object();
	struct vpnha_peer *peer = vpnha_peer_find(vpnha, t->peer);
	const struct vpnha_timeline *tl = &t->timeline;

	json_object_string_add(j, "interface", t->ifname);
	json_object_string_add(j, "vrf", t->vrf);
	json_object_int_add(j, "ifindex", t->ifindex);
	json_object_boolean_add(j, "interfaceUp", t->if_up);
	json_object_string_add(j, "peer", t->peer);
	if (peer && peer->addr.ipa_type != IPADDR_NONE)
		json_object_string_addf(j, "peerAddress", "%pIA", &peer->addr);
	json_object_boolean_add(j, "adminShutdown", t->shutdown);
	json_object_string_add(j, "state", vpnha_tunnel_state_name(t->state));
	json_object_string_add(j, "reason", t->reason);
	vpnha_json_ago(j, "lastChangeMsAgo", t->last_change);
	json_object_int_add(j, "transitions", t->stats.transitions);
	json_object_int_add(j, "failovers", t->stats.failovers);
	json_object_int_add(j, "routesInstalled",
			    vpnha_tunnel_routes_installed(vpnha, t));

	if (t->hc_enabled) {
		const struct vpnha_health *h = &t->health;
		json_object *jh = json_object_new_object();
		json_object *jc = json_object_new_object();
		json_object *jw = json_object_new_object();
		struct vpnha_hc_figures f;

		json_object_string_addf(jh, "source", "%pIA", &t->hc.source);
		json_object_string_add(
			jh, "type",
			t->hc.type == VPNHA_HC_TYPE_BFD ? "bfd" : "icmp");
		if (vpnha_io_bfd_state(t))
			json_object_string_add(jh, "bfdState",
					       vpnha_io_bfd_state(t));
		json_object_string_add(jh, "sourceOnInterface",
				       vpnha_io_source_status(t));
		json_object_string_addf(jh, "destination", "%pIA",
					&t->hc.destination);
		json_object_int_add(jh, "intervalMs", t->hc.interval_ms);
		json_object_int_add(jh, "timeoutMs", t->hc.timeout_ms);
		json_object_int_add(jh, "missCount", t->hc.miss_count);
		json_object_int_add(jh, "recoveryCount", t->hc.recovery_count);
		json_object_int_add(jh, "holdDownMs", t->hc.hold_down_ms);
		/* With flap damping: what the next failback waits for. */
		json_object_int_add(jh, "holdDownEffectiveMs",
				    vpnha_health_hold_down_ms(h));
		json_object_boolean_add(jh, "preempt", t->hc.preempt);
		if (t->hc.loss_threshold)
			json_object_int_add(jh, "lossThresholdPercent",
					    t->hc.loss_threshold);
		if (t->hc.latency_threshold_ms)
			json_object_int_add(jh, "latencyThresholdMs",
					    t->hc.latency_threshold_ms);
		json_object_int_add(jh, "windowSize", t->hc.window);
		json_object_string_add(jh, "detection",
				       t->hc.detection ==
						       VPNHA_HC_DETECT_TIMEOUT
					       ? "timeout"
					       : "adaptive");
		json_object_int_add(jh, "srttUs", h->srtt_us);
		json_object_int_add(jh, "rttvarUs", h->rttvar_us);
		json_object_int_add(jh, "rttSamples", h->rtt_samples);
		json_object_int_add(jh, "detectDeadlineUs",
				    vpnha_health_detect_us(h));
		json_object_int_add(jh, "detectBoundUs",
				    vpnha_health_detect_bound_us(h));
		json_object_string_add(jh, "verdict",
				       vpnha_hc_verdict_name(h->verdict));
		json_object_int_add(jh, "consecutiveMisses", h->consec_miss);
		json_object_int_add(jh, "consecutiveReplies", h->consec_ok);
		vpnha_json_ago(jh, "lastReplyMsAgo", h->last_good);

		json_object_int_add(jc, "probesSent", h->stats.sent);
		json_object_int_add(jc, "probesReceived", h->stats.received);
		json_object_int_add(jc, "probesLost", h->stats.lost);
		json_object_int_add(jc, "probesLate", h->stats.late);
		json_object_int_add(jc, "probesInvalid", h->stats.invalid);
		json_object_object_add(jh, "counters", jc);
		json_object_object_add(jh, "rejectedReplies",
				       vpnha_json_rejects(t));

		vpnha_health_figures(h, &f);
		json_object_int_add(jw, "probes", f.probes);
		json_object_int_add(jw, "lossPercent", f.loss_pct);
		json_object_int_add(jw, "rttMinUs", f.rtt_min_us);
		json_object_int_add(jw, "rttAvgUs", f.rtt_avg_us);
		json_object_int_add(jw, "rttMaxUs", f.rtt_max_us);
		json_object_int_add(jw, "jitterUs", f.jitter_us);
		json_object_object_add(jh, "window", jw);
		json_object_object_add(j, "healthCheck", jh);
	}

	if (t->ipsec) {
		json_object *ji = json_object_new_object();

		json_object_string_add(
			ji, "backend",
			vpnha_ipsec_backend_name(vpnha->ipsec.backend));
		json_object_string_add(ji, "connection",
				       vpnha_ipsec_io_conn(t));
		json_object_string_add(
			ji, "interfaceType",
			vpnha_ipsec_iftype_name(t->ipsec->iftype));
		json_object_boolean_add(ji, "passive", t->ipsec->passive);
		json_object_string_add(ji, "saState",
				       vpnha_sa_state_name(t->sa.state));
		json_object_string_add(ji, "detail", vpnha_tunnel_sa_detail(t));
		json_object_int_add(ji, "establishedSeconds",
				    t->sa.established_s);
		json_object_int_add(ji, "bytesIn", t->sa.bytes_in);
		json_object_int_add(ji, "bytesOut", t->sa.bytes_out);
		json_object_int_add(ji, "rekeys", t->sa.rekeys);
		json_object_int_add(ji, "initiations", t->sa.initiations);
		json_object_int_add(ji, "saDowns", t->sa.downs);
		json_object_object_add(j, "ipsec", ji);
	}

	if (tl->declared_down) {
		json_object *jf = json_object_new_object();
		json_object *jm;

		vpnha_json_ago(jf, "msAgo", tl->declared_down);
		vpnha_json_ms(jf, "detectionMs", tl->last_good,
			      tl->declared_down);
		vpnha_json_ms(jf, "firstMissToDownMs", tl->first_miss,
			      tl->declared_down);
		vpnha_json_ms(jf, "downToWithdrawMs", tl->declared_down,
			      tl->withdraw_sent);
		vpnha_json_ms(jf, "switchMs", tl->declared_down, tl->switched);
		vpnha_json_ms(jf, "totalMs", tl->last_good, tl->switched);
		/* The same events on CLOCK_MONOTONIC (us, 0 = unknown), for
		 * tools that line them up with their own timestamps. */
		jm = json_object_new_object();
		json_object_int_add(jm, "lastGood", tl->last_good);
		json_object_int_add(jm, "firstMiss", tl->first_miss);
		json_object_int_add(jm, "down", tl->declared_down);
		json_object_int_add(jm, "withdrawSent", tl->withdraw_sent);
		json_object_int_add(jm, "switched", tl->switched);
		json_object_object_add(jf, "monotonicUs", jm);
		json_object_object_add(j, "lastFailover", jf);
	}
	return j;
}

static int vpnha_route_pref_cmp(const void *a, const void *b)
{
	const struct vpnha_route *ra = *(const struct vpnha_route *const *)a;
	const struct vpnha_route *rb = *(const struct vpnha_route *const *)b;

	if (ra->weight != rb->weight)
		return ra->weight < rb->weight ? -1 : 1;
	return strcmp(ra->tunnel, rb->tunnel);
}

/*
 * Call cb once per prefix and VRF (route set) with its routes, most
 * preferred first; only VRF vrf's when not NULL.
 */
static void vpnha_each_prefix(void (*cb)(struct vpnha_route **rs,
					 unsigned int n, void *arg),
			      void *arg, const char *vrf)
{
	struct vpnha_route *r, *first;
	struct vpnha_route **rs;
	unsigned int n;

	for (first = vpnha_routes_first(&vpnha->routes); first; first = r) {
		n = 0;
		for (r = first; r && vpnha_route_same_set(r, first);
		     r = vpnha_routes_next(&vpnha->routes, r))
			n++;
		if (vrf && strcmp(vrf, first->vrf))
			continue;
		rs = XCALLOC(MTYPE_TMP, n * sizeof(*rs));
		n = 0;
		for (r = first; r && vpnha_route_same_set(r, first);
		     r = vpnha_routes_next(&vpnha->routes, r))
			rs[n++] = r;
		qsort(rs, n, sizeof(*rs), vpnha_route_pref_cmp);
		cb(rs, n, arg);
		XFREE(MTYPE_TMP, rs);
	}
}

/* What the JSON of routes is for (vpnha_json_prefix()). */
struct vpnha_json_routes {
	json_object *jroutes;
	/* Filtered by VRF: the prefix alone is the key. */
	bool one_vrf;
};

static void vpnha_json_prefix(struct vpnha_route **rs, unsigned int n,
			      void *arg)
{
	struct vpnha_json_routes *jr_arg = arg;
	json_object *jroutes = jr_arg->jroutes;
	json_object *jp = json_object_new_object();
	json_object *jpaths = json_object_new_array();
	struct vpnha_tunnel *at, *rt;
	const struct vpnha_path *adv;
	bool all_down = true;
	unsigned int i;

	json_object_string_add(jp, "vrf", rs[0]->vrf);
	at = vpnha_prefix_active_tunnel_vrf(vpnha, rs[0]->vrf, &rs[0]->prefix);
	if (at)
		json_object_string_add(jp, "activeTunnel", at->name);
	else
		json_object_object_add(jp, "activeTunnel", NULL);
	/* advertise-table: the route sent there, if any. */
	adv = strcmp(rs[0]->vrf, VPNHA_VRF_DEFAULT)
		      ? NULL
		      : vpnha_adv_path(vpnha, &rs[0]->prefix);
	if (adv) {
		json_object *ja = json_object_new_object();

		json_object_int_add(ja, "table", adv->table);
		json_object_int_add(ja, "distance", adv->distance);
		json_object_object_add(jp, "advertised", ja);
	} else
		json_object_object_add(jp, "advertised", NULL);

	for (i = 0; i < n; i++) {
		json_object *jr = json_object_new_object();
		struct vpnha_route *r = rs[i];

		json_object_string_add(jr, "tunnel", r->tunnel);
		json_object_int_add(jr, "weight", r->weight);
		json_object_int_add(jr, "distance",
				    vpnha_distance(vpnha, r->weight));
		json_object_boolean_add(jr, "installed", r->installed);
		json_object_boolean_add(jr, "selected",
					vpnha_route_selected(vpnha, r));
		json_object_string_add(jr, "reason",
				       vpnha_route_reason_name(r->reason));
		json_object_array_add(jpaths, jr);
		/* Every tunnel of the prefix down, whatever all-down-action. */
		rt = vpnha_tunnel_find(vpnha, r->tunnel);
		if (rt && vpnha_tunnel_usable(rt))
			all_down = false;
	}
	json_object_boolean_add(jp, "allDown", all_down);
	json_object_object_add(jp, "paths", jpaths);
	/*
	 * Keyed by prefix; the same prefix in another VRF than the
	 * default is "PREFIX vrf NAME", unless the output is of one VRF.
	 */
	if (jr_arg->one_vrf || !strcmp(rs[0]->vrf, VPNHA_VRF_DEFAULT))
		json_object_object_addf(jroutes, jp, "%pFX", &rs[0]->prefix);
	else
		json_object_object_addf(jroutes, jp, "%pFX vrf %s",
					&rs[0]->prefix, rs[0]->vrf);
}

/*
 * Streamed JSON.  "show vpn-ha json" of 10 000 tunnels is 15 MB: built
 * as one json-c object and printed with vty_json(), it blocked the
 * event loop for 0.4 s, and the probes with it.  The big members are
 * written one entry at a time instead, each serialized by json-c and
 * indented to its depth, byte for byte what vty_json() printed
 * (pretty, two spaces per level); between entries, every few
 * milliseconds, the probes due are sent (vpnha_io_yield()).
 */
#define VPNHA_JSON_FLAGS                                                       \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)
#define VPNHA_JSON_YIELD_US 5000

struct vpnha_js {
	struct vty *vty;
	int level;	 /* of the object being written */
	bool first[4];	 /* no member yet, per level */
	int64_t yielded; /* monotonic us of the last yield */
	bool one_vrf;	 /* routes of one VRF (show ... vrf NAME) */
};

static void vpnha_js_text(struct vpnha_js *js, const char *text)
{
	const char *nl;

	/* Strings are escaped: every newline is json-c's indentation. */
	while ((nl = strchr(text, '\n'))) {
		vty_out(js->vty, "%.*s\n%*s", (int)(nl - text), text,
			js->level * 2, "");
		text = nl + 1;
	}
	vty_out(js->vty, "%s", text);
}

static void vpnha_js_key(struct vpnha_js *js, const char *key)
{
	json_object *k = json_object_new_string(key);

	vty_out(js->vty, "%s\n%*s%s:", js->first[js->level] ? "" : ",",
		(js->level + 1) * 2, "",
		json_object_to_json_string_ext(k, VPNHA_JSON_FLAGS));
	json_object_free(k);
	js->first[js->level] = false;
}

/* Member KEY: VAL (freed) in the current object. */
static void vpnha_js_member(struct vpnha_js *js, const char *key,
			    json_object *val)
{
	vpnha_js_key(js, key);
	js->level++;
	vpnha_js_text(js,
		      json_object_to_json_string_ext(val, VPNHA_JSON_FLAGS));
	js->level--;
	json_object_free(val);
}

/* Open an object: the root (key NULL) or member KEY of the current one. */
static void vpnha_js_open(struct vpnha_js *js, const char *key)
{
	if (key) {
		vpnha_js_key(js, key);
		js->level++;
	}
	vty_out(js->vty, "{");
	js->first[js->level] = true;
}

static void vpnha_js_close(struct vpnha_js *js)
{
	static int empty_nl = -1;

	/* As json-c closes an object: "{\n<indent>}" when empty too, in
	 * the json-c of Debian 12; asked once, in case another differs. */
	if (empty_nl < 0) {
		json_object *e = json_object_new_object();

		empty_nl = !!strchr(
			json_object_to_json_string_ext(e, VPNHA_JSON_FLAGS),
			'\n');
		json_object_free(e);
	}
	if (!js->first[js->level] || empty_nl)
		vty_out(js->vty, "\n%*s", js->level * 2, "");
	vty_out(js->vty, "}");
	if (js->level)
		js->level--;
	else
		vty_out(js->vty, "\n");
}

static void vpnha_js_yield(struct vpnha_js *js)
{
	int64_t now = vpnha->now();

	if (now - js->yielded < VPNHA_JSON_YIELD_US)
		return;
	vpnha_io_yield();
	js->yielded = vpnha->now();
}

static void vpnha_js_prefix(struct vpnha_route **rs, unsigned int n, void *arg)
{
	struct vpnha_js *js = arg;
	json_object *jroutes = json_object_new_object();
	struct vpnha_json_routes jr_arg = {.jroutes = jroutes,
					   .one_vrf = js->one_vrf};
	struct json_object_iterator it, end;

	/* One prefix in a throw-away object, then moved into the stream. */
	vpnha_json_prefix(rs, n, &jr_arg);
	it = json_object_iter_begin(jroutes);
	end = json_object_iter_end(jroutes);
	if (!json_object_iter_equal(&it, &end))
		vpnha_js_member(
			js, json_object_iter_peek_name(&it),
			json_object_get(json_object_iter_peek_value(&it)));
	json_object_free(jroutes);
	vpnha_js_yield(js);
}

/* Text renderers. --------------------------------------------------------- */

static void vpnha_show_gateway_text(struct vty *vty)
{
	vty_out(vty, "Gateway: %s", vpnha->gw_name[0] ? vpnha->gw_name : "-");
	if (vpnha->gw_addr.ipa_type != IPADDR_NONE)
		vty_out(vty, " (%pIA)", &vpnha->gw_addr);
	vty_out(vty, ", zebra %s, distance = %u + weight, all down: %s",
		vpnha_zebra_connected() ? "connected" : "NOT connected",
		vpnha->distance_base,
		vpnha->all_down == VPNHA_ALL_DOWN_KEEP_BEST ? "keep best"
							    : "withdraw");
	if (vpnha->adv_table)
		vty_out(vty, ", advertise table %u", vpnha->adv_table);
	if (vpnha->fast_reroute)
		vty_out(vty, ", fast reroute");
	if (vpnha_io_overloaded())
		vty_out(vty, ", probe engine OVERLOADED (probes leave late)");
	vty_out(vty, "\n");
}

static void vpnha_show_peers_text(struct vty *vty, const char *name)
{
	struct vpnha_peer *p;

	vty_out(vty, "%-20s %-40s\n", "Peer", "Address");
	vpnha_each_peer (vpnha, p) {
		if (name && strcmp(name, p->name))
			continue;
		vty_out(vty, "%-20s %-40pIA\n", p->name, &p->addr);
	}
}

static void vpnha_show_tunnels_text(struct vty *vty, const char *name,
				    const char *vrf)
{
	struct vpnha_tunnel *t;

	vty_out(vty, "%-16s %-12s %-10s %-16s %-11s %-7s %s\n", "Tunnel",
		"Interface", "VRF", "Peer", "State", "Routes", "Reason");
	vpnha_each_tunnel (vpnha, t) {
		if (name && strcmp(name, t->name))
			continue;
		if (vrf && strcmp(vrf, t->vrf))
			continue;
		vty_out(vty, "%-16s %-12s %-10s %-16s %-11s %-7u %s\n", t->name,
			t->ifname, t->vrf, t->peer,
			vpnha_tunnel_state_name(t->state),
			vpnha_tunnel_routes_installed(vpnha, t), t->reason);
		if (name && t->hc_enabled) {
			const struct vpnha_health *h = &t->health;
			struct vpnha_hc_figures f;

			vpnha_health_figures(h, &f);
			vty_out(vty,
				"  health-check %pIA -> %pIA every %u ms, timeout %u ms, down after %u misses, up after %u replies + %u ms hold-down%s\n",
				&t->hc.source, &t->hc.destination,
				t->hc.interval_ms, t->hc.timeout_ms,
				t->hc.miss_count, t->hc.recovery_count,
				t->hc.hold_down_ms,
				t->hc.preempt ? "" : ", no preempt");
			if (t->hc.detection == VPNHA_HC_DETECT_TIMEOUT)
				vty_out(vty,
					"  detection timeout: a silent failure is down within %.0f ms\n",
					vpnha_health_detect_bound_us(h) /
						1000.0);
			else
				vty_out(vty,
					"  detection adaptive: srtt %.3f ms, rttvar %.3f ms, probe overdue after %.3f ms, a silent failure is down within %.0f ms\n",
					h->srtt_us / 1000.0,
					h->rttvar_us / 1000.0,
					vpnha_health_detect_us(h) / 1000.0,
					vpnha_health_detect_bound_us(h) /
						1000.0);
			vty_out(vty, "  source address on %s: %s\n", t->ifname,
				vpnha_io_source_status(t));
			vty_out(vty,
				"  probes sent %" PRIu64 ", received %" PRIu64
				", lost %" PRIu64 ", late %" PRIu64
				", invalid %" PRIu64 "\n",
				h->stats.sent, h->stats.received, h->stats.lost,
				h->stats.late, h->stats.invalid);
			vty_out(vty, "  replies refused:");
			for (enum vpnha_probe_check c = VPNHA_PROBE_OK + 1;
			     c < VPNHA_PROBE_CHECK_MAX; c++)
				vty_out(vty, "%s %s %" PRIu64,
					c == VPNHA_PROBE_OK + 1 ? "" : ",",
					vpnha_probe_check_name(c),
					t->rejects[c]);
			vty_out(vty, "\n");
			vty_out(vty,
				"  last %u probes: loss %u%%, rtt min/avg/max %.3f/%.3f/%.3f ms, jitter %.3f ms\n",
				f.probes, f.loss_pct, f.rtt_min_us / 1000.0,
				f.rtt_avg_us / 1000.0, f.rtt_max_us / 1000.0,
				f.jitter_us / 1000.0);
		}
		if (name && t->ipsec)
			vty_out(vty,
				"  IPsec (%s) %s: SA %s (%s), %" PRIu64
				" bytes in, %" PRIu64
				" out, %u rekeys, %u initiations%s, %u SA losses\n",
				vpnha_ipsec_backend_name(vpnha->ipsec.backend),
				vpnha_ipsec_io_conn(t)[0]
					? vpnha_ipsec_io_conn(t)
					: "(none)",
				vpnha_sa_state_name(t->sa.state),
				vpnha_tunnel_sa_detail(t), t->sa.bytes_in,
				t->sa.bytes_out, t->sa.rekeys,
				t->sa.initiations,
				t->ipsec->passive ? " (passive)" : "",
				t->sa.downs);
		if (name && t->timeline.declared_down) {
			const struct vpnha_timeline *tl = &t->timeline;

			vty_out(vty, "  last failover: ");
			if (tl->last_good)
				vty_out(vty, "detection %lld ms, ",
					(long long)(tl->declared_down -
						    tl->last_good) /
						1000);
			if (tl->switched)
				vty_out(vty, "switch %lld ms",
					(long long)(tl->switched -
						    tl->declared_down) /
						1000);
			else
				vty_out(vty, "no switch confirmed by zebra");
			vty_out(vty, ", %d transitions\n",
				(int)t->stats.transitions);
		}
	}
}

static void vpnha_text_prefix(struct vpnha_route **rs, unsigned int n,
			      void *arg)
{
	struct vty *vty = arg;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct vpnha_route *r = rs[i];

		vty_out(vty, "%c%c %-24pFX %-10s %-16s %6u %8u  %s\n",
			vpnha_route_selected(vpnha, r) ? '>' : ' ',
			r->installed ? '*' : ' ', &r->prefix, r->vrf, r->tunnel,
			r->weight, vpnha_distance(vpnha, r->weight),
			vpnha_route_reason_name(r->reason));
	}
}

static void vpnha_show_routes_text(struct vty *vty, const char *vrf)
{
	vty_out(vty, "Codes: > selected by zebra, * sent to zebra\n");
	vty_out(vty, "   %-24s %-10s %-16s %6s %8s  %s\n", "Prefix", "VRF",
		"Tunnel", "Weight", "Distance", "Reason");
	vpnha_each_prefix(vpnha_text_prefix, vty, vrf);
}

/* Commands. --------------------------------------------------------------- */

DEFPY(vpnha_show, vpnha_show_cmd,
      "show vpn-ha [<gateway$gw|peer$peer [NAME$pname]|tunnel$tun [NAME$tname]|route$route>] [vrf NAME$vrfname] [json$json]",
      SHOW_STR VPNHA_SHOW_STR
      "The local gateway\n"
      "Peer gateways\n"
      "Peer name\n"
      "Tunnels, their health checks and last failover\n"
      "Tunnel name\n"
      "Routes and which tunnel carries each prefix\n" VRF_CMD_HELP_STR JSON_STR)
{
	bool all = !gw && !peer && !tun && !route;
	struct vpnha_peer *p;
	struct vpnha_tunnel *t;

	if (pname && !vpnha_peer_find(vpnha, pname)) {
		vty_out(vty, "%% No peer named '%s'\n", pname);
		return CMD_WARNING;
	}
	if (tname && !vpnha_tunnel_find(vpnha, tname)) {
		vty_out(vty, "%% No tunnel named '%s'\n", tname);
		return CMD_WARNING;
	}

	if (json) {
		struct vpnha_js js = {.vty = vty,
				      .yielded = vpnha->now(),
				      .one_vrf = !!vrfname};

		vpnha_js_open(&js, NULL);
		if (all || gw) {
			vpnha_js_member(&js, "gateway", vpnha_json_gateway());
			vpnha_js_member(&js, "probeEngine", vpnha_io_json());
			vpnha_js_member(&js, "zebraConnected",
					json_object_new_boolean(
						vpnha_zebra_connected()));
			vpnha_js_member(
				&js, "distanceBase",
				json_object_new_int64(vpnha->distance_base));
			vpnha_js_member(
				&js, "fastReroute",
				json_object_new_boolean(vpnha->fast_reroute));
			vpnha_js_member(&js, "advertiseTable",
					vpnha->adv_table
						? json_object_new_int64(
							  vpnha->adv_table)
						: NULL);
			vpnha_js_member(
				&js, "allDownAction",
				json_object_new_string(
					vpnha->all_down ==
							VPNHA_ALL_DOWN_KEEP_BEST
						? "keep-best"
						: "withdraw"));
		}
		if (all || peer) {
			json_object *jp = json_object_new_object();

			vpnha_each_peer (vpnha, p)
				if (!pname || !strcmp(pname, p->name))
					json_object_object_add(
						jp, p->name,
						vpnha_json_peer(p));
			vpnha_js_member(&js, "peers", jp);
		}
		if (all || tun) {
			vpnha_js_open(&js, "tunnels");
			vpnha_each_tunnel (vpnha, t)
				if ((!tname || !strcmp(tname, t->name)) &&
				    (!vrfname || !strcmp(vrfname, t->vrf))) {
					vpnha_js_member(&js, t->name,
							vpnha_json_tunnel(t));
					vpnha_js_yield(&js);
				}
			vpnha_js_close(&js);
		}
		if (all || route) {
			vpnha_js_open(&js, "routes");
			vpnha_each_prefix(vpnha_js_prefix, &js, vrfname);
			vpnha_js_close(&js);
		}
		vpnha_js_close(&js);
		return CMD_SUCCESS;
	}

	if (all || gw)
		vpnha_show_gateway_text(vty);
	if (all || peer) {
		if (all)
			vty_out(vty, "\n");
		vpnha_show_peers_text(vty, pname);
	}
	if (all || tun) {
		if (all)
			vty_out(vty, "\n");
		vpnha_show_tunnels_text(vty, tname, vrfname);
	}
	if (all || route) {
		if (all)
			vty_out(vty, "\n");
		vpnha_show_routes_text(vty, vrfname);
	}
	return CMD_SUCCESS;
}

DEFPY(vpnha_show_ipsec, vpnha_show_ipsec_cmd, "show vpn-ha ipsec [json$json]",
      SHOW_STR VPNHA_SHOW_STR
      "The IPsec daemon vpnhad drives and each tunnel's SA\n" JSON_STR)
{
	struct vpnha_tunnel *t;
	json_object *j, *jt;

	if (!json) {
		vty_out(vty, "IPsec backend %s: %s%s%s\n",
			vpnha_ipsec_backend_name(vpnha->ipsec.backend),
			vpnha->ipsec_status.connected ? "connected"
						      : "not connected",
			vpnha->ipsec_status.error[0] ? ", last error: " : "",
			vpnha->ipsec_status.error);
		vty_out(vty, "%-16s %-22s %-11s %s\n", "Tunnel", "Connection",
			"SA", "Detail");
		vpnha_each_tunnel (vpnha, t)
			if (t->ipsec)
				vty_out(vty, "%-16s %-22s %-11s %s\n", t->name,
					vpnha_ipsec_io_conn(t),
					vpnha_sa_state_name(t->sa.state),
					vpnha_tunnel_sa_detail(t));
		return CMD_SUCCESS;
	}
	j = json_object_new_object();
	jt = json_object_new_object();
	json_object_string_add(j, "backend",
			       vpnha_ipsec_backend_name(vpnha->ipsec.backend));
	json_object_boolean_add(j, "connected", vpnha->ipsec_status.connected);
	json_object_string_add(j, "lastError", vpnha->ipsec_status.error);
	vpnha_each_tunnel (vpnha, t) {
		json_object *ji;

		if (!t->ipsec)
			continue;
		ji = json_object_new_object();
		json_object_string_add(ji, "connection",
				       vpnha_ipsec_io_conn(t));
		json_object_string_add(ji, "saState",
				       vpnha_sa_state_name(t->sa.state));
		json_object_string_add(ji, "detail", vpnha_tunnel_sa_detail(t));
		json_object_object_add(jt, t->name, ji);
	}
	json_object_object_add(j, "tunnels", jt);
	vty_json(vty, j);
	return CMD_SUCCESS;
}

DEFPY(vpnha_show_ipsec_config, vpnha_show_ipsec_config_cmd,
      "show vpn-ha tunnel NAME$name ipsec-config",
      SHOW_STR VPNHA_SHOW_STR
      "Tunnels\n"
      "Tunnel name\n"
      "The IPsec configuration vpnhad generates for it (key hidden)\n")
{
	struct vpnha_tunnel *t = vpnha_tunnel_find(vpnha, name);
	struct vpnha_text text = {};
	int ret;

	if (!t) {
		vty_out(vty, "%% No tunnel named '%s'\n", name);
		return CMD_WARNING;
	}
	ret = vpnha_ipsec_io_render(t, &text);
	vty_out(vty, "%s%s%s", ret < 0 ? "% " : "", text.buf ? text.buf : "",
		ret < 0 ? "\n" : "");
	vpnha_text_free(&text);
	return ret < 0 ? CMD_WARNING : CMD_SUCCESS;
}

DEFPY(vpnha_clear_tunnel, vpnha_clear_tunnel_cmd,
      "clear vpn-ha tunnel NAME$name",
      CLEAR_STR VPNHA_SHOW_STR
      "Release a recovered no-preempt tunnel: let it carry traffic again\n"
      "Tunnel name\n")
{
	struct vpnha_tunnel *t = vpnha_tunnel_find(vpnha, name);
	char errmsg[160];

	if (!t) {
		vty_out(vty, "%% No tunnel named '%s'\n", name);
		return CMD_WARNING;
	}
	if (vpnha_tunnel_release(vpnha, t, errmsg, sizeof(errmsg)) < 0) {
		vty_out(vty, "%% %s\n", errmsg);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

void vpnha_vty_init(void)
{
	vpnha_cli_init();
	install_element(VIEW_NODE, &vpnha_show_cmd);
	install_element(VIEW_NODE, &vpnha_show_ipsec_cmd);
	install_element(VIEW_NODE, &vpnha_show_ipsec_config_cmd);
	install_element(ENABLE_NODE, &vpnha_clear_tunnel_cmd);
}
