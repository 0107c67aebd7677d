// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad northbound: configuration callbacks.
 *
 * Structural checks (ranges, names, leafrefs, unique interfaces, the
 * health-check source != destination rule) are in the YANG module; the
 * few checks YANG cannot express are done on NB_EV_VALIDATE.  On
 * NB_EV_APPLY the callbacks only update the core model.  What needs a
 * whole container (a tunnel's health check, interface and IPsec
 * connection; the global IPsec settings) is read from the committed
 * tree once per commit by that container's apply_finish callback, as
 * staticd does; routes are recomputed in the root's.
 */
#include <zebra.h>

#include "lib/log.h"
#include "lib/northbound.h"
#include "lib/vrf.h"
#include "lib/yang.h"
#include "lib/yang_wrappers.h"

#include "vpnha.h"
#include "vpnha_debug.h"
#include "vpnha_nb.h"
#include "vpnha_zebra_io.h"

/* /frr-vpnhad:vpnhad ---------------------------------------------------- */

int vpnha_nb_create(struct nb_cb_create_args *args)
{
	if (args->event == NB_EV_APPLY)
		nb_running_set_entry(args->dnode, vpnha);
	return NB_OK;
}

/*
 * "no vpn-ha": FRR calls only this destroy callback, not those of the
 * children, so remove everything here.
 */
int vpnha_nb_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event != NB_EV_APPLY)
		return NB_OK;
	nb_running_unset_entry(args->dnode);
	vpnha_clear(vpnha);
	return NB_OK;
}

void vpnha_nb_apply_finish(struct nb_cb_apply_finish_args *args)
{
	if (VPNHA_DEBUG(nb))
		zlog_debug("northbound: commit applied, recomputing routes");
	vpnha_recompute(vpnha);
}

/*
 * The global IPsec settings as committed.  Called by every apply_finish
 * that hands a tunnel to the IPsec adapter, whichever FRR runs first,
 * so that a connection is never generated with the old settings.
 */
static void vpnha_nb_ipsec_global_sync(const struct lyd_node *dnode)
{
	const struct lyd_node *root =
		yang_dnode_get(dnode, "/frr-vpnhad:vpnhad");
	struct vpnha_ipsec_global g;

	vpnha_nb_ipsec_global_read(
		root ? yang_dnode_get(root, "./ipsec") : NULL, &g);
	if (memcmp(&g, &vpnha->ipsec, sizeof(g)) == 0)
		return;
	if (VPNHA_DEBUG(nb))
		zlog_debug("northbound: global ipsec settings changed");
	memcpy(&vpnha->ipsec, &g, sizeof(g));
	if (vpnha->ipsec_ops && vpnha->ipsec_ops->global_apply)
		vpnha->ipsec_ops->global_apply();
}

/*
 * Hand the tunnel's committed IPsec connection (or its absence) to the
 * core.  The adapter regenerates it and only touches the IPsec daemon
 * when the result differs from what it loaded.
 */
static void vpnha_nb_tunnel_ipsec_sync(const struct lyd_node *tdnode,
				       struct vpnha_tunnel *t)
{
	const struct lyd_node *ipsec = yang_dnode_get(tdnode, "./ipsec");
	struct vpnha_ipsec_conf c;

	vpnha_nb_ipsec_global_sync(tdnode);
	if (!ipsec) {
		if (t->ipsec)
			vpnha_tunnel_set_ipsec(vpnha, t, NULL);
		return;
	}
	vpnha_nb_tunnel_ipsec_read(ipsec, &c);
	vpnha_tunnel_set_ipsec(vpnha, t, &c);
	explicit_bzero(&c, sizeof(c));
}

/* Tunnels whose connection takes an address from the gateway or a peer. */
static void vpnha_nb_ipsec_resync(const struct lyd_node *dnode,
				  const char *peer)
{
	struct vpnha_tunnel *t;

	vpnha_each_tunnel (vpnha, t) {
		const struct lyd_node *tdnode;

		if (!t->ipsec || (peer && strcmp(t->peer, peer) != 0))
			continue;
		tdnode = yang_dnode_getf(
			dnode, "/frr-vpnhad:vpnhad/tunnel[name='%s']", t->name);
		if (tdnode)
			vpnha_nb_tunnel_ipsec_sync(tdnode, t);
	}
}

void vpnha_nb_gateway_apply_finish(struct nb_cb_apply_finish_args *args)
{
	vpnha_nb_ipsec_resync(args->dnode, NULL);
}

void vpnha_nb_peer_apply_finish(struct nb_cb_apply_finish_args *args)
{
	vpnha_nb_ipsec_resync(args->dnode,
			      yang_dnode_get_string(args->dnode, "./name"));
}

void vpnha_nb_ipsec_global_apply_finish(struct nb_cb_apply_finish_args *args)
{
	vpnha_nb_ipsec_global_sync(args->dnode);
}

/* gateway ---------------------------------------------------------------- */

int vpnha_nb_gateway_name_modify(struct nb_cb_modify_args *args)
{
	if (args->event != NB_EV_APPLY)
		return NB_OK;
	yang_dnode_get_string_buf(vpnha->gw_name, sizeof(vpnha->gw_name),
				  args->dnode, NULL);
	return NB_OK;
}

int vpnha_nb_gateway_name_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha->gw_name[0] = '\0';
	return NB_OK;
}

int vpnha_nb_gateway_address_modify(struct nb_cb_modify_args *args)
{
	if (args->event == NB_EV_APPLY)
		yang_dnode_get_ip(&vpnha->gw_addr, args->dnode, NULL);
	return NB_OK;
}

int vpnha_nb_gateway_address_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event == NB_EV_APPLY)
		memset(&vpnha->gw_addr, 0, sizeof(vpnha->gw_addr));
	return NB_OK;
}

int vpnha_nb_distance_base_modify(struct nb_cb_modify_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha->distance_base = yang_dnode_get_uint8(args->dnode, NULL);
	return NB_OK;
}

/* Every path is sent again, with or without its nexthop group. */
int vpnha_nb_fast_reroute_modify(struct nb_cb_modify_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha_set_fast_reroute(vpnha,
				       yang_dnode_get_bool(args->dnode, NULL));
	return NB_OK;
}

/* Routes move or are withdrawn by the root's apply_finish (recompute). */
int vpnha_nb_adv_table_modify(struct nb_cb_modify_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha_set_adv_table(vpnha,
				    yang_dnode_get_uint32(args->dnode, NULL));
	return NB_OK;
}

int vpnha_nb_adv_table_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha_set_adv_table(vpnha, 0);
	return NB_OK;
}

int vpnha_nb_all_down_action_modify(struct nb_cb_modify_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha->all_down = yang_dnode_get_enum(args->dnode, NULL);
	return NB_OK;
}

/* peer ------------------------------------------------------------------- */

int vpnha_nb_peer_create(struct nb_cb_create_args *args)
{
	struct vpnha_peer *p;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	p = vpnha_peer_add(vpnha, yang_dnode_get_string(args->dnode, "./name"));
	nb_running_set_entry(args->dnode, p);
	return NB_OK;
}

int vpnha_nb_peer_destroy(struct nb_cb_destroy_args *args)
{
	struct vpnha_peer *p;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	p = nb_running_unset_entry(args->dnode);
	vpnha_peer_del(vpnha, p);
	return NB_OK;
}

int vpnha_nb_peer_address_modify(struct nb_cb_modify_args *args)
{
	struct vpnha_peer *p;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	p = nb_running_get_entry(args->dnode, NULL, true);
	yang_dnode_get_ip(&p->addr, args->dnode, NULL);
	return NB_OK;
}

int vpnha_nb_peer_address_destroy(struct nb_cb_destroy_args *args)
{
	struct vpnha_peer *p;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	p = nb_running_get_entry(args->dnode, NULL, true);
	memset(&p->addr, 0, sizeof(p->addr));
	return NB_OK;
}

/* tunnel ----------------------------------------------------------------- */

int vpnha_nb_tunnel_create(struct nb_cb_create_args *args)
{
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	t = vpnha_tunnel_add(vpnha,
			     yang_dnode_get_string(args->dnode, "./name"));
	nb_running_set_entry(args->dnode, t);
	return NB_OK;
}

int vpnha_nb_tunnel_destroy(struct nb_cb_destroy_args *args)
{
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	t = nb_running_unset_entry(args->dnode);
	vpnha_tunnel_del(vpnha, t);
	return NB_OK;
}

int vpnha_nb_tunnel_interface_modify(struct nb_cb_modify_args *args)
{
	/* Applied with the tunnel: vpnha_nb_tunnel_apply_finish(). */
	return NB_OK;
}

int vpnha_nb_tunnel_interface_destroy(struct nb_cb_destroy_args *args)
{
	/* Applied with the tunnel: vpnha_nb_tunnel_apply_finish(). */
	return NB_OK;
}

int vpnha_nb_tunnel_vrf_modify(struct nb_cb_modify_args *args)
{
	/* Applied with the tunnel: vpnha_nb_tunnel_apply_finish(). */
	return NB_OK;
}

int vpnha_nb_tunnel_peer_destroy(struct nb_cb_destroy_args *args)
{
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	t = nb_running_get_entry(args->dnode, NULL, true);
	t->peer[0] = '\0';
	return NB_OK;
}

int vpnha_nb_tunnel_peer_modify(struct nb_cb_modify_args *args)
{
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	t = nb_running_get_entry(args->dnode, NULL, true);
	yang_dnode_get_string_buf(t->peer, sizeof(t->peer), args->dnode, NULL);
	return NB_OK;
}

int vpnha_nb_tunnel_shutdown_modify(struct nb_cb_modify_args *args)
{
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	t = nb_running_get_entry(args->dnode, NULL, true);
	vpnha_tunnel_set_shutdown(vpnha, t,
				  yang_dnode_get_bool(args->dnode, NULL));
	return NB_OK;
}

/* health-check ----------------------------------------------------------- */

void vpnha_nb_hc_read(const struct lyd_node *hc, struct vpnha_hc_config *cfg)
{
	vpnha_hc_config_default(cfg);
	if (yang_dnode_exists(hc, "./source"))
		yang_dnode_get_ip(&cfg->source, hc, "./source");
	if (yang_dnode_exists(hc, "./destination"))
		yang_dnode_get_ip(&cfg->destination, hc, "./destination");
	cfg->interval_ms = yang_dnode_get_uint32(hc, "./interval");
	cfg->timeout_ms = yang_dnode_get_uint32(hc, "./timeout");
	cfg->miss_count = yang_dnode_get_uint8(hc, "./miss-count");
	cfg->recovery_count = yang_dnode_get_uint16(hc, "./recovery-count");
	cfg->hold_down_ms = yang_dnode_get_uint32(hc, "./hold-down");
	cfg->preempt = yang_dnode_get_bool(hc, "./preempt");
	cfg->window = yang_dnode_get_uint16(hc, "./window");
	cfg->type = yang_dnode_get_enum(hc, "./type");
	cfg->detection = yang_dnode_get_enum(hc, "./detection");
	cfg->loss_threshold = 0;
	if (yang_dnode_exists(hc, "./loss-threshold"))
		cfg->loss_threshold =
			yang_dnode_get_uint8(hc, "./loss-threshold");
	cfg->latency_threshold_ms = 0;
	if (yang_dnode_exists(hc, "./latency-threshold"))
		cfg->latency_threshold_ms =
			yang_dnode_get_uint32(hc, "./latency-threshold");
}

/*
 * Rules YANG cannot express: every probe in flight fits the probe ring,
 * same address family on both ends.
 */
static int vpnha_nb_hc_validate(const struct lyd_node *hc, char *errmsg,
				size_t errmsg_len)
{
	struct vpnha_hc_config cfg;
	struct ipaddr src, dst;

	vpnha_nb_hc_read(hc, &cfg);
	if (vpnha_hc_config_check(&cfg, errmsg, errmsg_len) < 0)
		return NB_ERR_VALIDATION;
	if (!yang_dnode_exists(hc, "./source") ||
	    !yang_dnode_exists(hc, "./destination"))
		return NB_OK;
	yang_dnode_get_ip(&src, hc, "./source");
	yang_dnode_get_ip(&dst, hc, "./destination");
	if (src.ipa_type != dst.ipa_type) {
		snprintf(
			errmsg, errmsg_len,
			"health-check source and destination must be of the same address family");
		return NB_ERR_VALIDATION;
	}
	return NB_OK;
}

/*
 * The health check, its parameters and the tunnel's other leaves are
 * applied together by vpnha_nb_tunnel_apply_finish(), from the
 * committed tree: these callbacks only validate.
 */
int vpnha_nb_hc_create(struct nb_cb_create_args *args)
{
	return NB_OK;
}

int vpnha_nb_hc_destroy(struct nb_cb_destroy_args *args)
{
	return NB_OK;
}

int vpnha_nb_hc_leaf_modify(struct nb_cb_modify_args *args)
{
	if (args->event == NB_EV_VALIDATE)
		return vpnha_nb_hc_validate(lyd_parent(args->dnode),
					    args->errmsg, args->errmsg_len);
	return NB_OK;
}

int vpnha_nb_hc_leaf_destroy(struct nb_cb_destroy_args *args)
{
	return NB_OK;
}

/*
 * Once per commit for every tunnel that changed: the health check
 * first, then the interface, so a new tunnel goes straight to its real
 * state; then its IPsec connection (which may use the peer's address).
 */
void vpnha_nb_tunnel_apply_finish(struct nb_cb_apply_finish_args *args)
{
	struct vpnha_tunnel *t = nb_running_get_entry(args->dnode, NULL, true);
	const struct lyd_node *hc =
		yang_dnode_get(args->dnode, "./health-check");
	const char *ifname = "", *vrf;
	struct vpnha_hc_config cfg;
	struct interface *ifp;
	bool changed = false;

	if (yang_dnode_exists(args->dnode, "./interface"))
		ifname = yang_dnode_get_string(args->dnode, "./interface");
	vrf = yang_dnode_get_string(args->dnode, "./vrf");
	if (strcmp(vrf, t->vrf) != 0) {
		vpnha_tunnel_set_vrf(vpnha, t, vrf);
		changed = true;
	}
	if (strcmp(ifname, t->ifname) != 0) {
		vpnha_tunnel_set_ifname(vpnha, t, ifname);
		changed = true;
	}
	if (hc)
		vpnha_nb_hc_read(hc, &cfg);
	else
		vpnha_hc_config_default(&cfg);
	if (t->hc_enabled != !!hc || memcmp(&cfg, &t->hc, sizeof(cfg)) != 0) {
		t->hc_enabled = !!hc;
		memcpy(&t->hc, &cfg, sizeof(cfg));
		changed = true;
	}
	if (changed) {
		if (VPNHA_DEBUG(nb))
			zlog_debug(
				"northbound: tunnel %s: health check or interface changed",
				t->name);
		vpnha_tunnel_hc_changed(vpnha, t);
	}
	/* In whichever VRF zebra has it: another than t's is reported. */
	ifp = t->ifname[0] ? vpnha_zebra_if_lookup(t->ifname, t->vrf) : NULL;
	if (ifp && ifp->ifindex != IFINDEX_INTERNAL)
		vpnha_interface_update_vrf(vpnha, t->ifname, ifp->vrf->name,
					   ifp->ifindex, if_is_operative(ifp));
	vpnha_nb_tunnel_ipsec_sync(args->dnode, t);
}

/* ipsec ------------------------------------------------------------------ */

void vpnha_nb_ipsec_global_read(const struct lyd_node *dnode,
				struct vpnha_ipsec_global *g)
{
	vpnha_ipsec_global_default(g);
	if (!dnode)
		return;
	g->backend = yang_dnode_get_enum(dnode, "./backend");
	yang_dnode_get_string_buf(g->ls_dir, sizeof(g->ls_dir), dnode,
				  "./libreswan-directory");
	yang_dnode_get_string_buf(g->ls_ctl, sizeof(g->ls_ctl), dnode,
				  "./libreswan-ctl-socket");
	yang_dnode_get_string_buf(g->ls_libexec, sizeof(g->ls_libexec), dnode,
				  "./libreswan-libexec");
	g->poll_ms = yang_dnode_get_uint32(dnode, "./sa-poll-interval");
	yang_dnode_get_string_buf(g->vici_socket, sizeof(g->vici_socket), dnode,
				  "./vici-socket");
}

static void vpnha_nb_get_str(char *buf, size_t len,
			     const struct lyd_node *dnode, const char *xpath)
{
	buf[0] = '\0';
	if (yang_dnode_exists(dnode, xpath))
		yang_dnode_get_string_buf(buf, len, dnode, "%s", xpath);
}

void vpnha_nb_tunnel_ipsec_read(const struct lyd_node *dnode,
				struct vpnha_ipsec_conf *c)
{
	vpnha_ipsec_conf_default(c);
	if (yang_dnode_exists(dnode, "./local-address"))
		yang_dnode_get_ip(&c->local_addr, dnode, "./local-address");
	vpnha_nb_get_str(c->local_id, sizeof(c->local_id), dnode, "./local-id");
	vpnha_nb_get_str(c->remote_id, sizeof(c->remote_id), dnode,
			 "./remote-id");
	vpnha_nb_get_str(c->psk, sizeof(c->psk), dnode, "./pre-shared-key");
	vpnha_nb_get_str(c->vici_socket, sizeof(c->vici_socket), dnode,
			 "./vici-socket");
	c->iftype = yang_dnode_get_enum(dnode, "./interface-type");
	if (yang_dnode_exists(dnode, "./if-id"))
		c->if_id = yang_dnode_get_uint32(dnode, "./if-id");
	c->ike_enc = yang_dnode_get_enum(dnode, "./ike-encryption");
	c->ike_integ = yang_dnode_get_enum(dnode, "./ike-integrity");
	c->ike_dh = yang_dnode_get_enum(dnode, "./ike-dh-group");
	c->ike_lifetime = yang_dnode_get_uint32(dnode, "./ike-lifetime");
	c->esp_enc = yang_dnode_get_enum(dnode, "./esp-encryption");
	c->esp_integ = yang_dnode_get_enum(dnode, "./esp-integrity");
	/* A union of two enumerations: compare the name. */
	if (strcmp(yang_dnode_get_string(dnode, "./esp-pfs-group"), "none") ==
	    0)
		c->esp_pfs = VPNHA_DH_NONE;
	else
		c->esp_pfs = yang_dnode_get_enum(dnode, "./esp-pfs-group");
	c->sa_lifetime = yang_dnode_get_uint32(dnode, "./sa-lifetime");
	c->dpd = yang_dnode_get_uint16(dnode, "./dpd-interval");
	c->passive = yang_dnode_get_bool(dnode, "./passive");
}

/*
 * On every commit: no tunnel's IPsec values may carry characters that
 * would inject configuration (the YANG patterns say the same; this is
 * the second line of defence).  Consistency checks that depend on
 * several settings (if-id, interface name, backend) are run when the
 * connection is generated: see vpnha_ipsec_check().
 */
int vpnha_nb_pre_validate(struct nb_cb_pre_validate_args *args)
{
	const struct lyd_node *tn;

	LY_LIST_FOR (lyd_child(args->dnode), tn) {
		struct vpnha_ipsec_conf c;
		const struct lyd_node *ipsec;

		if (strcmp(tn->schema->name, "tunnel") != 0)
			continue;
		ipsec = yang_dnode_get(tn, "./ipsec");
		if (!ipsec)
			continue;
		vpnha_nb_tunnel_ipsec_read(ipsec, &c);
		if (vpnha_ipsec_values_check(
			    yang_dnode_get_string(tn, "./name"), &c,
			    args->errmsg, args->errmsg_len) < 0)
			return NB_ERR_VALIDATION;
	}
	return NB_OK;
}

/*
 * IPsec leaves: applied by the apply_finish callbacks of their
 * container (vpnha_nb_ipsec_global_apply_finish(), and
 * vpnha_nb_tunnel_apply_finish() for a tunnel's).
 */
int vpnha_nb_ipsec_global_modify(struct nb_cb_modify_args *args)
{
	return NB_OK;
}

int vpnha_nb_tunnel_ipsec_create(struct nb_cb_create_args *args)
{
	return NB_OK;
}

int vpnha_nb_tunnel_ipsec_destroy(struct nb_cb_destroy_args *args)
{
	return NB_OK;
}

int vpnha_nb_tunnel_ipsec_leaf_modify(struct nb_cb_modify_args *args)
{
	return NB_OK;
}

int vpnha_nb_tunnel_ipsec_leaf_destroy(struct nb_cb_destroy_args *args)
{
	return NB_OK;
}

/* route ------------------------------------------------------------------ */

int vpnha_nb_route_create(struct nb_cb_create_args *args)
{
	struct prefix p;
	struct vpnha_route *r;

	switch (args->event) {
	case NB_EV_VALIDATE:
		if (vpnha_route_prefix_parse(
			    yang_dnode_get_string(args->dnode, "./prefix"), &p,
			    args->errmsg, args->errmsg_len) < 0)
			return NB_ERR_VALIDATION;
		return NB_OK;
	case NB_EV_APPLY:
		yang_dnode_get_prefix(&p, args->dnode, "./prefix");
		r = vpnha_route_add(
			vpnha, &p,
			yang_dnode_get_string(args->dnode, "./tunnel"),
			yang_dnode_get_uint8(args->dnode, "./weight"));
		nb_running_set_entry(args->dnode, r);
		break;
	default:
		break;
	}
	return NB_OK;
}

int vpnha_nb_route_destroy(struct nb_cb_destroy_args *args)
{
	struct vpnha_route *r;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	r = nb_running_unset_entry(args->dnode);
	vpnha_route_del(vpnha, r);
	return NB_OK;
}

int vpnha_nb_route_weight_modify(struct nb_cb_modify_args *args)
{
	struct vpnha_route *r;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	r = nb_running_get_entry(args->dnode, NULL, true);
	vpnha_route_set_weight(vpnha, r,
			       yang_dnode_get_uint8(args->dnode, NULL));
	return NB_OK;
}
