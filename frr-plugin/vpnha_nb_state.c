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

struct yang_data *
vpnha_nb_tunnel_state_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	const struct vpnha_timeline *tl = &t->timeline;
	const char *leaf = strrchr(args->xpath, '/') + 1;
	struct vpnha_hc_figures f = {};
	int64_t ms;

	if (strcmp(leaf, "state") == 0)
		return yang_data_new_enum(args->xpath, t->state);
	if (strcmp(leaf, "reason") == 0)
		return yang_data_new_string(args->xpath, t->reason);
	if (strcmp(leaf, "interface-up") == 0)
		return yang_data_new_bool(args->xpath, t->if_up);
	if (strcmp(leaf, "transitions") == 0)
		return yang_data_new_uint32(args->xpath, t->stats.transitions);
	if (strcmp(leaf, "routes-installed") == 0)
		return yang_data_new_uint32(
			args->xpath, vpnha_tunnel_routes_installed(vpnha, t));
	if (strcmp(leaf, "probes-sent") == 0)
		return yang_data_new_uint64(args->xpath, t->health.stats.sent);
	if (strcmp(leaf, "probes-received") == 0)
		return yang_data_new_uint64(args->xpath,
					    t->health.stats.received);
	if (strcmp(leaf, "probes-lost") == 0)
		return yang_data_new_uint64(args->xpath, t->health.stats.lost);
	if (strcmp(leaf, "probes-late") == 0)
		return yang_data_new_uint64(args->xpath, t->health.stats.late);
	if (strcmp(leaf, "probes-invalid") == 0)
		return yang_data_new_uint64(args->xpath,
					    t->health.stats.invalid);

	if (!t->hc_enabled)
		return NULL;
	vpnha_health_figures(&t->health, &f);
	if (strcmp(leaf, "loss-percent") == 0)
		return yang_data_new_uint8(args->xpath, f.loss_pct);
	if (strcmp(leaf, "rtt-min-us") == 0)
		return yang_data_new_uint32(args->xpath, f.rtt_min_us);
	if (strcmp(leaf, "rtt-avg-us") == 0)
		return yang_data_new_uint32(args->xpath, f.rtt_avg_us);
	if (strcmp(leaf, "rtt-max-us") == 0)
		return yang_data_new_uint32(args->xpath, f.rtt_max_us);
	if (strcmp(leaf, "jitter-us") == 0)
		return yang_data_new_uint32(args->xpath, f.jitter_us);

	if (strcmp(leaf, "detection-ms") == 0)
		ms = vpnha_timeline_ms(tl->last_good, tl->declared_down);
	else if (strcmp(leaf, "switch-ms") == 0)
		ms = vpnha_timeline_ms(tl->declared_down, tl->switched);
	else if (strcmp(leaf, "total-ms") == 0)
		ms = vpnha_timeline_ms(tl->last_good, tl->switched);
	else
		return NULL;
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
vpnha_nb_route_state_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_route *r = args->list_entry;
	const char *leaf = strrchr(args->xpath, '/') + 1;

	if (strcmp(leaf, "distance") == 0)
		return yang_data_new_uint8(args->xpath,
					   vpnha_distance(vpnha, r->weight));
	if (strcmp(leaf, "installed") == 0)
		return yang_data_new_bool(args->xpath, r->installed);
	if (strcmp(leaf, "selected") == 0)
		return yang_data_new_bool(args->xpath,
					  vpnha_route_selected(vpnha, r));
	if (strcmp(leaf, "reason") == 0)
		return yang_data_new_string(args->xpath,
					    vpnha_route_reason_name(r->reason));
	return NULL;
}

/* ipsec ------------------------------------------------------------------ */

struct yang_data *
vpnha_nb_tunnel_ipsec_state_get_elem(struct nb_cb_get_elem_args *args)
{
	const struct vpnha_tunnel *t = args->list_entry;
	const char *leaf = strrchr(args->xpath, '/') + 1;

	if (!t->ipsec)
		return NULL;
	if (strcmp(leaf, "sa-state") == 0)
		return yang_data_new_enum(args->xpath, t->sa.state);
	if (strcmp(leaf, "detail") == 0)
		return yang_data_new_string(args->xpath, t->sa.detail);
	if (strcmp(leaf, "established-seconds") == 0)
		return yang_data_new_uint64(args->xpath, t->sa.established_s);
	if (strcmp(leaf, "bytes-in") == 0)
		return yang_data_new_uint64(args->xpath, t->sa.bytes_in);
	if (strcmp(leaf, "bytes-out") == 0)
		return yang_data_new_uint64(args->xpath, t->sa.bytes_out);
	if (strcmp(leaf, "rekeys") == 0)
		return yang_data_new_uint32(args->xpath, t->sa.rekeys);
	if (strcmp(leaf, "initiations") == 0)
		return yang_data_new_uint32(args->xpath, t->sa.initiations);
	if (strcmp(leaf, "sa-downs") == 0)
		return yang_data_new_uint32(args->xpath, t->sa.downs);
	return NULL;
}

struct yang_data *
vpnha_nb_ipsec_state_get_elem(struct nb_cb_get_elem_args *args)
{
	const char *leaf = strrchr(args->xpath, '/') + 1;

	if (strcmp(leaf, "connected") == 0)
		return yang_data_new_bool(args->xpath,
					  vpnha->ipsec_status.connected);
	if (strcmp(leaf, "last-error") == 0 && vpnha->ipsec_status.error[0])
		return yang_data_new_string(args->xpath,
					    vpnha->ipsec_status.error);
	return NULL;
}
