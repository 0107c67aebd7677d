// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad northbound: configuration callbacks.
 *
 * Structural checks (ranges, names, leafrefs, unique interfaces, the
 * health-check source != destination rule) are in the YANG module; the
 * few checks YANG cannot express are done on NB_EV_VALIDATE.  On
 * NB_EV_APPLY the callbacks only update the core model; routes are
 * recomputed once per commit in vpnha_nb_apply_finish().
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

static void vpnha_nb_ipsec_apply(const struct lyd_node *root);

void vpnha_nb_apply_finish(struct nb_cb_apply_finish_args *args)
{
	struct vpnha_tunnel *t;
	struct interface *ifp;

	/*
	 * Once per commit: health-check config first, then the interface,
	 * so a new tunnel goes straight to its real state.
	 */
	vpnha_each_tunnel (vpnha, t) {
		if (!t->nb_dirty)
			continue;
		t->nb_dirty = false;
		vpnha_tunnel_hc_changed(vpnha, t);
		ifp = t->ifname[0] ? if_lookup_by_name(t->ifname, VRF_DEFAULT)
				   : NULL;
		if (ifp && ifp->ifindex != IFINDEX_INTERNAL)
			vpnha_interface_update(vpnha, t->ifname, ifp->ifindex,
					       if_is_operative(ifp));
	}
	vpnha_nb_ipsec_apply(args->dnode);
	vpnha_recompute(vpnha);
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
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	t = nb_running_get_entry(args->dnode, NULL, true);
	vpnha_tunnel_set_ifname(vpnha, t,
				yang_dnode_get_string(args->dnode, NULL));
	t->nb_dirty = true;
	return NB_OK;
}

int vpnha_nb_tunnel_interface_destroy(struct nb_cb_destroy_args *args)
{
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	t = nb_running_get_entry(args->dnode, NULL, true);
	vpnha_tunnel_set_ifname(vpnha, t, "");
	t->nb_dirty = true;
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
	cfg->loss_threshold = 0;
	if (yang_dnode_exists(hc, "./loss-threshold"))
		cfg->loss_threshold =
			yang_dnode_get_uint8(hc, "./loss-threshold");
	cfg->latency_threshold_ms = 0;
	if (yang_dnode_exists(hc, "./latency-threshold"))
		cfg->latency_threshold_ms =
			yang_dnode_get_uint32(hc, "./latency-threshold");
}

/* Rules YANG cannot express: same address family on both ends. */
static int vpnha_nb_hc_validate(const struct lyd_node *hc, char *errmsg,
				size_t errmsg_len)
{
	uint32_t interval = yang_dnode_get_uint32(hc, "./interval");
	uint32_t timeout = yang_dnode_get_uint32(hc, "./timeout");
	uint16_t window = yang_dnode_get_uint16(hc, "./window");
	struct ipaddr src, dst;

	/* The probe ring holds `window` probes: all in flight must fit. */
	if (timeout > (uint64_t)interval * window) {
		snprintf(
			errmsg, errmsg_len,
			"health-check timeout %u ms exceeds window x interval (%u x %u ms): raise the window",
			timeout, window, interval);
		return NB_ERR_VALIDATION;
	}
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

static void vpnha_nb_hc_apply(const struct lyd_node *hc)
{
	struct vpnha_tunnel *t = nb_running_get_entry(hc, NULL, true);

	vpnha_nb_hc_read(hc, &t->hc);
	t->nb_dirty = true;
}

int vpnha_nb_hc_create(struct nb_cb_create_args *args)
{
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	t = nb_running_get_entry(args->dnode, NULL, true);
	t->hc_enabled = true;
	vpnha_nb_hc_apply(args->dnode);
	return NB_OK;
}

int vpnha_nb_hc_destroy(struct nb_cb_destroy_args *args)
{
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	t = nb_running_get_entry(args->dnode, NULL, true);
	t->hc_enabled = false;
	vpnha_hc_config_default(&t->hc);
	t->nb_dirty = true;
	return NB_OK;
}

int vpnha_nb_hc_leaf_modify(struct nb_cb_modify_args *args)
{
	const struct lyd_node *hc = lyd_parent(args->dnode);

	switch (args->event) {
	case NB_EV_VALIDATE:
		return vpnha_nb_hc_validate(hc, args->errmsg, args->errmsg_len);
	case NB_EV_APPLY:
		vpnha_nb_hc_apply(hc);
		break;
	default:
		break;
	}
	return NB_OK;
}

int vpnha_nb_hc_leaf_destroy(struct nb_cb_destroy_args *args)
{
	const struct lyd_node *hc = lyd_parent(args->dnode);
	struct vpnha_tunnel *t;

	if (args->event != NB_EV_APPLY)
		return NB_OK;
	/* The whole container may be on its way out. */
	t = nb_running_get_entry(hc, NULL, true);
	if (!t->hc_enabled)
		return NB_OK;
	vpnha_nb_hc_read(hc, &t->hc);
	/* The destroyed leaf is still in the tree: clear it. */
	if (strcmp(args->dnode->schema->name, "source") == 0)
		memset(&t->hc.source, 0, sizeof(t->hc.source));
	else if (strcmp(args->dnode->schema->name, "destination") == 0)
		memset(&t->hc.destination, 0, sizeof(t->hc.destination));
	else if (strcmp(args->dnode->schema->name, "loss-threshold") == 0)
		t->hc.loss_threshold = 0;
	else if (strcmp(args->dnode->schema->name, "latency-threshold") == 0)
		t->hc.latency_threshold_ms = 0;
	t->nb_dirty = true;
	return NB_OK;
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
		yang_dnode_get_string_buf(buf, len, dnode, xpath);
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

int vpnha_nb_ipsec_global_modify(struct nb_cb_modify_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha->ipsec_dirty = true;
	return NB_OK;
}

static void vpnha_nb_tunnel_ipsec_dirty(const struct lyd_node *dnode)
{
	struct vpnha_tunnel *t = nb_running_get_entry(dnode, NULL, true);

	t->ipsec_dirty = true;
}

int vpnha_nb_tunnel_ipsec_create(struct nb_cb_create_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha_nb_tunnel_ipsec_dirty(args->dnode);
	return NB_OK;
}

int vpnha_nb_tunnel_ipsec_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha_nb_tunnel_ipsec_dirty(args->dnode);
	return NB_OK;
}

int vpnha_nb_tunnel_ipsec_leaf_modify(struct nb_cb_modify_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha_nb_tunnel_ipsec_dirty(args->dnode);
	return NB_OK;
}

int vpnha_nb_tunnel_ipsec_leaf_destroy(struct nb_cb_destroy_args *args)
{
	if (args->event == NB_EV_APPLY)
		vpnha_nb_tunnel_ipsec_dirty(args->dnode);
	return NB_OK;
}

/*
 * Once per commit, after the model is up to date: the IPsec
 * connections.  Every managed tunnel is handed to the adapter again
 * (its addresses may come from the gateway or the peer); the adapter
 * regenerates and only touches the IPsec daemon when the result
 * differs from what it loaded.
 */
static void vpnha_nb_ipsec_apply(const struct lyd_node *root)
{
	struct vpnha_tunnel *t;

	if (vpnha->ipsec_dirty) {
		vpnha_nb_ipsec_global_read(yang_dnode_get(root, "./ipsec"),
					   &vpnha->ipsec);
		vpnha->ipsec_dirty = false;
		if (vpnha->ipsec_ops && vpnha->ipsec_ops->global_apply)
			vpnha->ipsec_ops->global_apply();
	}
	vpnha_each_tunnel (vpnha, t) {
		const struct lyd_node *ipsec;
		struct vpnha_ipsec_conf c;

		if (!t->ipsec && !t->ipsec_dirty)
			continue;
		t->ipsec_dirty = false;
		ipsec = yang_dnode_getf(root, "./tunnel[name='%s']/ipsec",
					t->name);
		if (!ipsec) {
			if (t->ipsec)
				vpnha_tunnel_set_ipsec(vpnha, t, NULL);
			continue;
		}
		vpnha_nb_tunnel_ipsec_read(ipsec, &c);
		vpnha_tunnel_set_ipsec(vpnha, t, &c);
		explicit_bzero(&c, sizeof(c));
	}
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
