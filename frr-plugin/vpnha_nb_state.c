// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad northbound: operational state (config false) callbacks.
 */
#include <zebra.h>

#include "lib/northbound.h"
#include "lib/yang.h"
#include "lib/yang_wrappers.h"

#include "vpnha.h"
#include "vpnha_nb.h"

/* tunnel ----------------------------------------------------------------- */

const void *vpnha_nb_tunnel_get_next(struct nb_cb_get_next_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t)
		return vpnha_tunnels_const_first(&vpnha->tunnels);
	return vpnha_tunnels_const_next(&vpnha->tunnels, t);
}

int vpnha_nb_tunnel_get_keys(struct nb_cb_get_keys_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	args->keys->num = 1;
	strlcpy(args->keys->key[0], t->name, sizeof(args->keys->key[0]));
	return NB_OK;
}

const void *vpnha_nb_tunnel_lookup_entry(struct nb_cb_lookup_entry_args *args)
{
	return vpnha_tunnel_find(vpnha, args->keys->key[0]);
}

/* One getter per state leaf, as bfdd does. */

/* The window's figures; false without a health check. */
static bool vpnha_nb_hc_figures(const struct vpnha_tunnel *t,
				struct vpnha_hc_figures *f)
{
	memset(f, 0, sizeof(*f));
	if (!t->hc_enabled)
		return false;
	vpnha_health_figures(&t->health, f);
	return true;
}

struct yang_data *
vpnha_nb_tunnel_state_state_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_enum(args->xpath, t->state);
}

struct yang_data *
vpnha_nb_tunnel_state_reason_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_string(args->xpath, t->reason);
}

struct yang_data *
vpnha_nb_tunnel_state_interface_up_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_bool(args->xpath, t->if_up);
}

struct yang_data *
vpnha_nb_tunnel_state_transitions_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_uint32(args->xpath, t->stats.transitions);
}

struct yang_data *vpnha_nb_tunnel_state_routes_installed_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_uint32(args->xpath,
				    vpnha_tunnel_routes_installed(vpnha, t));
}

struct yang_data *vpnha_nb_tunnel_state_counters_probes_sent_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_uint64(args->xpath, t->health.stats.sent);
}

struct yang_data *vpnha_nb_tunnel_state_counters_probes_received_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_uint64(args->xpath, t->health.stats.received);
}

struct yang_data *vpnha_nb_tunnel_state_counters_probes_lost_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_uint64(args->xpath, t->health.stats.lost);
}

struct yang_data *vpnha_nb_tunnel_state_counters_probes_late_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_uint64(args->xpath, t->health.stats.late);
}

struct yang_data *vpnha_nb_tunnel_state_counters_probes_invalid_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_uint64(args->xpath, t->health.stats.invalid);
}

struct yang_data *vpnha_nb_tunnel_state_window_loss_percent_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	struct vpnha_hc_figures f;

	if (!vpnha_nb_hc_figures(t, &f))
		return NULL;
	return yang_data_new_uint8(args->xpath, f.loss_pct);
}

struct yang_data *vpnha_nb_tunnel_state_window_rtt_min_us_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	struct vpnha_hc_figures f;

	if (!vpnha_nb_hc_figures(t, &f))
		return NULL;
	return yang_data_new_uint32(args->xpath, f.rtt_min_us);
}

struct yang_data *vpnha_nb_tunnel_state_window_rtt_avg_us_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	struct vpnha_hc_figures f;

	if (!vpnha_nb_hc_figures(t, &f))
		return NULL;
	return yang_data_new_uint32(args->xpath, f.rtt_avg_us);
}

struct yang_data *vpnha_nb_tunnel_state_window_rtt_max_us_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	struct vpnha_hc_figures f;

	if (!vpnha_nb_hc_figures(t, &f))
		return NULL;
	return yang_data_new_uint32(args->xpath, f.rtt_max_us);
}

struct yang_data *vpnha_nb_tunnel_state_window_jitter_us_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	struct vpnha_hc_figures f;

	if (!vpnha_nb_hc_figures(t, &f))
		return NULL;
	return yang_data_new_uint32(args->xpath, f.jitter_us);
}

/* Detection state: ICMP health checks only. */
static const struct vpnha_health *
vpnha_nb_detection(const struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t->hc_enabled || t->hc.type != VPNHA_HC_TYPE_ICMP)
		return NULL;
	return &t->health;
}

struct yang_data *vpnha_nb_tunnel_state_detection_srtt_us_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_health *h = vpnha_nb_detection(args);

	if (!h)
		return NULL;
	return yang_data_new_uint32(args->xpath, (uint32_t)(h->srtt_us));
}

struct yang_data *vpnha_nb_tunnel_state_detection_rtt_samples_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_health *h = vpnha_nb_detection(args);

	if (!h)
		return NULL;
	return yang_data_new_uint8(args->xpath, h->rtt_samples);
}

struct yang_data *vpnha_nb_tunnel_state_detection_deadline_us_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_health *h = vpnha_nb_detection(args);

	if (!h)
		return NULL;
	return yang_data_new_uint32(args->xpath,
				    (uint32_t)(vpnha_health_detect_us(h)));
}

struct yang_data *vpnha_nb_tunnel_state_detection_bound_us_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_health *h = vpnha_nb_detection(args);

	if (!h)
		return NULL;
	return yang_data_new_uint32(
		args->xpath, (uint32_t)(vpnha_health_detect_bound_us(h)));
}

struct yang_data *
vpnha_nb_tunnel_state_detection_hold_down_effective_ms_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	const struct vpnha_health *h = &t->health;

	/* BFD health checks have a hold-down too. */
	if (!t->hc_enabled)
		return NULL;
	return yang_data_new_uint32(args->xpath,
				    (uint32_t)(vpnha_health_hold_down_ms(h)));
}

struct yang_data *vpnha_nb_tunnel_state_last_failover_detection_ms_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	const struct vpnha_timeline *tl = &t->timeline;
	int64_t ms;

	if (!t->hc_enabled)
		return NULL;
	ms = vpnha_timeline_ms(tl->last_good, tl->declared_down);
	return ms < 0 ? NULL : yang_data_new_uint32(args->xpath, ms);
}

struct yang_data *vpnha_nb_tunnel_state_last_failover_switch_ms_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	const struct vpnha_timeline *tl = &t->timeline;
	int64_t ms;

	if (!t->hc_enabled)
		return NULL;
	ms = vpnha_timeline_ms(tl->declared_down, tl->switched);
	return ms < 0 ? NULL : yang_data_new_uint32(args->xpath, ms);
}

struct yang_data *vpnha_nb_tunnel_state_last_failover_total_ms_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	const struct vpnha_timeline *tl = &t->timeline;
	int64_t ms;

	if (!t->hc_enabled)
		return NULL;
	ms = vpnha_timeline_ms(tl->last_good, tl->switched);
	return ms < 0 ? NULL : yang_data_new_uint32(args->xpath, ms);
}

/* tunnel/state/rejected-replies: one getter per leaf ---------------------- */

static struct yang_data *vpnha_nb_rejected(struct nb_cb_get_elem_args *args,
					   enum vpnha_probe_check c)
{
	const struct vpnha_tunnel *t = args->list_entry;

	return yang_data_new_uint64(args->xpath, t->rejects[c]);
}

struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_ident_get_elem(
	struct nb_cb_get_elem_args *args)
{
	return vpnha_nb_rejected(args, VPNHA_PROBE_WRONG_IDENT);
}

struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_nonce_get_elem(
	struct nb_cb_get_elem_args *args)
{
	return vpnha_nb_rejected(args, VPNHA_PROBE_WRONG_NONCE);
}

struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_source_get_elem(
	struct nb_cb_get_elem_args *args)
{
	return vpnha_nb_rejected(args, VPNHA_PROBE_WRONG_SOURCE);
}

struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_interface_get_elem(
	struct nb_cb_get_elem_args *args)
{
	return vpnha_nb_rejected(args, VPNHA_PROBE_WRONG_INTERFACE);
}

struct yang_data *vpnha_nb_tunnel_state_rejected_malformed_get_elem(
	struct nb_cb_get_elem_args *args)
{
	return vpnha_nb_rejected(args, VPNHA_PROBE_MALFORMED);
}

struct yang_data *vpnha_nb_tunnel_state_rejected_unknown_seq_get_elem(
	struct nb_cb_get_elem_args *args)
{
	return vpnha_nb_rejected(args, VPNHA_PROBE_UNKNOWN_SEQ);
}

struct yang_data *vpnha_nb_tunnel_state_rejected_wrong_send_time_get_elem(
	struct nb_cb_get_elem_args *args)
{
	return vpnha_nb_rejected(args, VPNHA_PROBE_WRONG_TIME);
}

struct yang_data *vpnha_nb_tunnel_state_rejected_duplicate_get_elem(
	struct nb_cb_get_elem_args *args)
{
	return vpnha_nb_rejected(args, VPNHA_PROBE_DUPLICATE);
}

struct yang_data *
vpnha_nb_tunnel_state_rejected_late_get_elem(struct nb_cb_get_elem_args *args)
{
	return vpnha_nb_rejected(args, VPNHA_PROBE_LATE);
}

/* route ------------------------------------------------------------------ */

const void *vpnha_nb_route_get_next(struct nb_cb_get_next_args *args)
{
	const struct vpnha_route *r = args->list_entry;

	if (!r)
		return vpnha_routes_const_first(&vpnha->routes);
	return vpnha_routes_const_next(&vpnha->routes, r);
}

int vpnha_nb_route_get_keys(struct nb_cb_get_keys_args *args)
{
	const struct vpnha_route *r = args->list_entry;

	args->keys->num = 2;
	snprintfrr(args->keys->key[0], sizeof(args->keys->key[0]), "%pFX",
		   &r->prefix);
	strlcpy(args->keys->key[1], r->tunnel, sizeof(args->keys->key[1]));
	return NB_OK;
}

const void *vpnha_nb_route_lookup_entry(struct nb_cb_lookup_entry_args *args)
{
	struct prefix p;

	if (!str2prefix(args->keys->key[0], &p))
		return NULL;
	return vpnha_route_find(vpnha, &p, args->keys->key[1]);
}

struct yang_data *
vpnha_nb_route_state_distance_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_route *r = args->list_entry;

	return yang_data_new_uint8(args->xpath,
				   vpnha_distance(vpnha, r->weight));
}

struct yang_data *
vpnha_nb_route_state_vrf_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_route *r = args->list_entry;

	return yang_data_new_string(args->xpath, r->vrf);
}

struct yang_data *
vpnha_nb_route_state_installed_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_route *r = args->list_entry;

	return yang_data_new_bool(args->xpath, r->installed);
}

struct yang_data *
vpnha_nb_route_state_selected_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_route *r = args->list_entry;

	return yang_data_new_bool(args->xpath, vpnha_route_selected(vpnha, r));
}

struct yang_data *
vpnha_nb_route_state_reason_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_route *r = args->list_entry;

	return yang_data_new_string(args->xpath,
				    vpnha_route_reason_name(r->reason));
}

/* ipsec ------------------------------------------------------------------ */

struct yang_data *
vpnha_nb_tunnel_state_ipsec_sa_state_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t->ipsec)
		return NULL;
	return yang_data_new_enum(args->xpath, t->sa.state);
}

struct yang_data *
vpnha_nb_tunnel_state_ipsec_detail_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t->ipsec)
		return NULL;
	return yang_data_new_string(args->xpath, vpnha_tunnel_sa_detail(t));
}

struct yang_data *vpnha_nb_tunnel_state_ipsec_established_seconds_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t->ipsec)
		return NULL;
	return yang_data_new_uint64(args->xpath, t->sa.established_s);
}

struct yang_data *
vpnha_nb_tunnel_state_ipsec_bytes_in_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t->ipsec)
		return NULL;
	return yang_data_new_uint64(args->xpath, t->sa.bytes_in);
}

struct yang_data *
vpnha_nb_tunnel_state_ipsec_bytes_out_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t->ipsec)
		return NULL;
	return yang_data_new_uint64(args->xpath, t->sa.bytes_out);
}

struct yang_data *
vpnha_nb_tunnel_state_ipsec_rekeys_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t->ipsec)
		return NULL;
	return yang_data_new_uint32(args->xpath, t->sa.rekeys);
}

struct yang_data *vpnha_nb_tunnel_state_ipsec_initiations_get_elem(
	struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t->ipsec)
		return NULL;
	return yang_data_new_uint32(args->xpath, t->sa.initiations);
}

struct yang_data *
vpnha_nb_tunnel_state_ipsec_sa_downs_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;

	if (!t->ipsec)
		return NULL;
	return yang_data_new_uint32(args->xpath, t->sa.downs);
}

struct yang_data *
vpnha_nb_ipsec_state_connected_get_elem(struct nb_cb_get_elem_args *args)
{
	return yang_data_new_bool(args->xpath, vpnha->ipsec_status.connected);
}

struct yang_data *
vpnha_nb_ipsec_state_last_error_get_elem(struct nb_cb_get_elem_args *args)
{
	if (!vpnha->ipsec_status.error[0])
		return NULL;
	return yang_data_new_string(args->xpath, vpnha->ipsec_status.error);
}
