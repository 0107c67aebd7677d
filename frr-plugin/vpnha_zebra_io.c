// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad <-> zebra (ZAPI) adapter: thin, every callback delegates to
 * the core.  Routes are ZEBRA_ROUTE_STATIC with instance
 * VPNHA_ZEBRA_INSTANCE and ZEBRA_FLAG_RR_USE_DISTANCE, so one prefix
 * can carry several of our routes with different distances, beside
 * staticd's own routes.
 */
#include <zebra.h>

#include "lib/if.h"
#include "lib/log.h"
#include "lib/prefix.h"
#include "lib/privs.h"
#include "lib/vrf.h"
#include "lib/zclient.h"
#include "lib/bfd.h"
#include "lib/typesafe.h"
#include "lib/jhash.h"

#include "vpnha_compat.h"
#include "vpnha_debug.h"
#include "vpnha_probe_io.h"
#include "vpnha_zebra_io.h"

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_NHG, "VPN HA zebra nexthop group");

extern struct zebra_privs_t vpnha_privs;

static struct zclient *zclient;
/*
 * zebra 8.4 forwards BFD status only to clients of a routing-protocol
 * type (zebra_ptm.h: bgp, ospf, ospf6, isis, pim, openfabric), never to
 * "static" ones.  BFD sessions therefore go through a second client,
 * registered as openfabric, that carries no routes.  zebra 8.5 and
 * later include static: there the one client carries BFD too
 * (VPNHA_BFD_OWN_ZCLIENT, vpnha_compat.h).
 */
#if VPNHA_BFD_OWN_ZCLIENT
static struct zclient *bfd_zclient;
#endif
static bool bfd_enabled;
static vpnha_event_t *t_disconnected;
static vpnha_event_t *t_watchdog;
static vpnha_event_t *t_hold;
static bool vpnha_zebra_was_connected;

/* How often to check the zebra connection, and retry it when lost. */
#define VPNHA_ZEBRA_WATCHDOG_MS 1000

bool vpnha_zebra_connected(void)
{
	return zclient && zclient->sock >= 0;
}

static void vpnha_zebra_disconnected_ev(vpnha_event_t *e)
{
	if (!vpnha_zebra_connected() && vpnha->rib_up) {
		zlog_warn(
			"lost the connection to zebra; routes will be replayed on reconnect");
		vpnha_rib_disconnected(vpnha);
	}
}

/* A send failed: the zclient is reconnecting.  Tell the core, later. */
static void vpnha_zebra_send_failed(void)
{
	vpnha_add_event(master, vpnha_zebra_disconnected_ev, NULL, 0,
			&t_disconnected);
}

/*
 * fast-reroute: one zebra nexthop group per tunnel interface, id
 * nhg_base + ifindex, one nexthop: the tunnel's health-check destination
 * through the tunnel interface, onlink (zebra takes only gateway
 * nexthops in a protocol's group).  A main-table route whose path is one
 * tunnel alone refers to its tunnel's group.  When the tunnel fails and
 * its prefixes all go to one other tunnel (vpnha_reroute_target()), the
 * group is pointed at that tunnel first: zebra replaces the kernel
 * nexthop object, and every route using it moves in one netlink
 * message, before the N withdrawals reach zebra (they then move each
 * route to the backup's own group, through the same interface).  The
 * group gets its own nexthop back before a route of its tunnel is sent
 * again.  A group zebra refused or removed is sent again, or the routes
 * go without it.
 */
PREDECL_HASH(vpnha_nhgs);

struct vpnha_nhg {
	struct vpnha_nhgs_item itm;
	uint32_t id;
	ifindex_t ifindex;  /* the tunnel interface the group is for */
	ifindex_t via;	    /* where it points now (0: not sent) */
	struct ipaddr gate; /* through this gateway */
	bool failed;	    /* zebra refused it: routes go without */
};

static int vpnha_nhg_cmp(const struct vpnha_nhg *a, const struct vpnha_nhg *b)
{
	return numcmp(a->id, b->id);
}

static uint32_t vpnha_nhg_hash(const struct vpnha_nhg *a)
{
	return jhash_1word(a->id, 0x5ca1ab1e);
}

DECLARE_HASH(vpnha_nhgs, struct vpnha_nhg, itm, vpnha_nhg_cmp, vpnha_nhg_hash);

static struct vpnha_nhgs_head vpnha_nhgs[1];
static uint32_t vpnha_nhg_base;

static struct vpnha_nhg *vpnha_nhg_find(uint32_t id)
{
	struct vpnha_nhg key = {.id = id};

	return vpnha_nhgs_find(vpnha_nhgs, &key);
}

/* zebra forgot every group (new connection) or fast-reroute went off. */
static void vpnha_nhg_forget(void)
{
	struct vpnha_nhg *g;

	while ((g = vpnha_nhgs_pop(vpnha_nhgs)))
		XFREE(MTYPE_VPNHA_NHG, g);
}

/* The tunnel with interface ifindex in VRF vrf_id, when it has a usable
 * gateway. */
static const struct vpnha_tunnel *vpnha_nhg_tunnel(ifindex_t ifindex,
						   vrf_id_t vrf_id, int family)
{
	struct interface *ifp = if_lookup_by_index(ifindex, vrf_id);
	const struct vpnha_tunnel *t;

	if (!ifp)
		return NULL;
	t = vpnha_tunnel_find_ifname(vpnha, ifp->name);
	if (!t || t->ifindex != ifindex || !t->hc_enabled)
		return NULL;
	if (family == AF_INET ? !IS_IPADDR_V4(&t->hc.destination)
			      : !IS_IPADDR_V6(&t->hc.destination))
		return NULL;
	/*
	 * The gateway must not need a neighbour other than the peer: the
	 * interface has none (point-to-point or NOARP: xfrm, vti, tun), or
	 * the gateway is on one of its subnets.
	 */
	if (!if_is_pointopoint(ifp) && !CHECK_FLAG(ifp->flags, IFF_NOARP)) {
		struct prefix hp = {};

		if (family == AF_INET) {
			hp.family = AF_INET;
			hp.prefixlen = IPV4_MAX_BITLEN;
			hp.u.prefix4 = t->hc.destination.ipaddr_v4;
		} else {
			hp.family = AF_INET6;
			hp.prefixlen = IPV6_MAX_BITLEN;
			hp.u.prefix6 = t->hc.destination.ipaddr_v6;
		}
		if (!connected_lookup_prefix(ifp, &hp))
			return NULL;
	}
	return t;
}

/* Point group g at tunnel t's interface and gateway. */
static bool vpnha_nhg_send(struct vpnha_nhg *g, const struct vpnha_tunnel *t)
{
	struct zapi_nhg api = {};
	struct zapi_nexthop *nh = &api.nexthops[0];

	api.id = g->id;
	api.nexthop_num = 1;
	nh->vrf_id = vpnha_zebra_vrf_id(t->vrf);
	nh->ifindex = t->ifindex;
	SET_FLAG(nh->flags, ZAPI_NEXTHOP_FLAG_ONLINK);
	if (IS_IPADDR_V4(&t->hc.destination)) {
		nh->type = NEXTHOP_TYPE_IPV4_IFINDEX;
		nh->gate.ipv4 = t->hc.destination.ipaddr_v4;
	} else {
		nh->type = NEXTHOP_TYPE_IPV6_IFINDEX;
		nh->gate.ipv6 = t->hc.destination.ipaddr_v6;
	}
	if (VPNHA_DEBUG(zebra))
		zlog_debug("zebra: nexthop group %u -> %pIA dev %s", g->id,
			   &t->hc.destination, t->ifname);
	if (zclient_nhg_send(zclient, ZEBRA_NHG_ADD, &api) ==
	    ZCLIENT_SEND_FAILURE) {
		vpnha_zebra_send_failed();
		return false;
	}
	g->via = t->ifindex;
	g->gate = t->hc.destination;
	return true;
}

/*
 * The group a route over tunnel interface ifindex alone refers to,
 * holding that tunnel's own nexthop (sent now if needed), or 0.
 */
static uint32_t vpnha_nhg_for(ifindex_t ifindex, vrf_id_t vrf_id, int family)
{
	const struct vpnha_tunnel *t;
	struct vpnha_nhg *g;
	uint32_t id;

	if (ifindex <= 0 || (uint32_t)ifindex >= ZEBRA_NHG_PROTO_SPACING)
		return 0;
	t = vpnha_nhg_tunnel(ifindex, vrf_id, family);
	if (!t)
		return 0;
	id = vpnha_nhg_base + ifindex;
	g = vpnha_nhg_find(id);
	if (!g) {
		g = XCALLOC(MTYPE_VPNHA_NHG, sizeof(*g));
		g->id = id;
		g->ifindex = ifindex;
		vpnha_nhgs_add(vpnha_nhgs, g);
	}
	if (g->failed)
		return 0;
	if ((g->via != ifindex ||
	     ipaddr_cmp(&g->gate, &t->hc.destination) != 0) &&
	    !vpnha_nhg_send(g, t))
		return 0;
	return id;
}

static void vpnha_zebra_tunnel_reroute(const struct vpnha_tunnel *from,
				       const struct vpnha_tunnel *to)
{
	struct vpnha_nhg *g;

	if (!vpnha_zebra_connected() || from->ifindex <= 0)
		return;
	g = vpnha_nhg_find(vpnha_nhg_base + from->ifindex);
	if (!g || g->failed || g->via != from->ifindex ||
	    to->ifindex == IFINDEX_INTERNAL ||
	    to->hc.destination.ipa_type != g->gate.ipa_type ||
	    !vpnha_nhg_tunnel(to->ifindex, vpnha_zebra_vrf_id(to->vrf),
			      IS_IPADDR_V4(&g->gate) ? AF_INET : AF_INET6))
		return;
	zlog_info("tunnel %s: fast reroute: nexthop group %u now through %s",
		  from->name, g->id, to->name);
	vpnha_nhg_send(g, to);
}

static int vpnha_zebra_nhg_notify(ZAPI_CALLBACK_ARGS)
{
	enum zapi_nhg_notify_owner note;
	struct vpnha_nhg *g;
	uint32_t id;

	if (!zapi_nhg_notify_decode(zclient->ibuf, &id, &note))
		return -1;
	if (VPNHA_DEBUG(zebra))
		zlog_debug("zebra: nexthop group %u: %s", id,
			   zapi_nhg_notify_owner2str(note));
	g = vpnha_nhg_find(id);
	if (!g)
		return 0;
	switch (note) {
	case ZAPI_NHG_FAIL_INSTALL:
		/* Routes over it go without groups from now on. */
		zlog_warn(
			"zebra failed to install nexthop group %u; fast reroute off for its tunnel",
			id);
		g->failed = true;
		g->via = 0;
		vpnha_rib_resend(vpnha);
		break;
	case ZAPI_NHG_REMOVED:
		/* Sent again with the next route that needs it. */
		g->via = 0;
		break;
	case ZAPI_NHG_INSTALLED:
	case ZAPI_NHG_REMOVE_FAIL:
		break;
	}
	return 0;
}

vrf_id_t vpnha_zebra_vrf_id(const char *name)
{
	struct vrf *vrf = vrf_lookup_by_name(name);

	return vrf && vrf_is_enabled(vrf) ? vrf->vrf_id : VRF_UNKNOWN;
}

struct interface *vpnha_zebra_if_lookup(const char *ifname, const char *vrf)
{
	struct vrf *v = vrf_lookup_by_name(vrf);
	struct interface *ifp = v ? if_lookup_by_name_vrf(ifname, v) : NULL;

	if (ifp && ifp->ifindex != IFINDEX_INTERNAL)
		return ifp;
	RB_FOREACH (v, vrf_name_head, &vrfs_by_name) {
		ifp = if_lookup_by_name_vrf(ifname, v);
		if (ifp && ifp->ifindex != IFINDEX_INTERNAL)
			return ifp;
	}
	return NULL;
}

static bool vpnha_zebra_route_send(int cmd, const struct vpnha_path *path)
{
	uint32_t nhgid = 0;
	struct zapi_route api = {};
	vrf_id_t vrf_id = vpnha_zebra_vrf_id(path->vrf);
	unsigned int i;

	if (!vpnha_zebra_connected())
		return false;
	/*
	 * A VRF zebra does not know (any more): nothing of ours is in
	 * it (zebra drops a VRF's routes with it), and the core sends a
	 * route only over an interface zebra reported in that VRF.
	 */
	if (vrf_id == VRF_UNKNOWN) {
		if (VPNHA_DEBUG(zebra))
			zlog_debug("zebra: %pFX: VRF %s unknown, not sent",
				   &path->prefix, path->vrf);
		return false;
	}

	api.vrf_id = vrf_id;
	api.type = ZEBRA_ROUTE_STATIC;
	api.instance = VPNHA_ZEBRA_INSTANCE;
	api.safi = SAFI_UNICAST;
	prefix_copy(&api.prefix, &path->prefix);
	/*
	 * advertise-table: one route per prefix in that table, replaced
	 * in place whatever its distance.  zebra 10.x's import-table
	 * clears ZEBRA_FLAG_RR_USE_DISTANCE on the routes it imports
	 * anyway (redistribute.c: zebra_add_import_table_entry()).
	 */
	if (path->table) {
		SET_FLAG(api.message, ZAPI_MESSAGE_TABLEID);
		api.tableid = path->table;
	} else
		SET_FLAG(api.flags, ZEBRA_FLAG_RR_USE_DISTANCE);
	SET_FLAG(api.message, ZAPI_MESSAGE_DISTANCE);
	api.distance = path->distance;

	if (cmd == ZEBRA_ROUTE_ADD && vpnha->fast_reroute && !path->table &&
	    path->nh_num == 1)
		nhgid = vpnha_nhg_for(path->nh_ifindex[0], vrf_id,
				      path->prefix.family);
	if (nhgid) {
		SET_FLAG(api.message, ZAPI_MESSAGE_NHG);
		api.nhgid = nhgid;
	} else if (cmd == ZEBRA_ROUTE_ADD) {
		SET_FLAG(api.message, ZAPI_MESSAGE_NEXTHOP);
		for (i = 0; i < path->nh_num; i++) {
			struct zapi_nexthop *nh = &api.nexthops[i];

			nh->vrf_id = vrf_id;
			nh->type = NEXTHOP_TYPE_IFINDEX;
			nh->ifindex = path->nh_ifindex[i];
		}
		api.nexthop_num = path->nh_num;
	}

	if (VPNHA_DEBUG(zebra))
		zlog_debug(
			"zebra: %s %pFX vrf %s table %u distance %u nexthops %u group %u",
			cmd == ZEBRA_ROUTE_ADD ? "add" : "delete",
			&path->prefix, path->vrf, path->table, path->distance,
			path->nh_num, nhgid);

	if (zclient_route_send(cmd, zclient, &api) == ZCLIENT_SEND_FAILURE) {
		vpnha_zebra_send_failed();
		return false;
	}
	return true;
}

static bool vpnha_zebra_route_add(const struct vpnha_path *path)
{
	return vpnha_zebra_route_send(ZEBRA_ROUTE_ADD, path);
}

static bool vpnha_zebra_route_del(const struct vpnha_path *path)
{
	return vpnha_zebra_route_send(ZEBRA_ROUTE_DELETE, path);
}

/*
 * Graceful restart for zebra clients (zebra/zebra_gr.c): with the
 * capability sent, zebra keeps our routes when we disconnect (SIGTERM,
 * SIGKILL, crash) for VPNHA_ZEBRA_GR_STALE_S, and deletes those we did
 * not send again once we say the update is complete.
 */
static void vpnha_zebra_gr_send(uint32_t cap, afi_t afi)
{
	struct zapi_cap api = {
		.cap = cap,
		.stale_removal_time = VPNHA_ZEBRA_GR_STALE_S,
		.afi = afi,
		.safi = SAFI_UNICAST,
		.vrf_id = VRF_DEFAULT,
	};

	if (zclient_capabilities_send(ZEBRA_CLIENT_CAPABILITIES, zclient,
				      &api) == ZCLIENT_SEND_FAILURE)
		vpnha_zebra_send_failed();
}

static void vpnha_zebra_update_complete(void)
{
	if (!vpnha_zebra_connected())
		return;
	/* One per address family (FRR 10.x cleans per AFI, 8.4 all at
	 * once). */
	vpnha_zebra_gr_send(ZEBRA_CLIENT_ROUTE_UPDATE_COMPLETE, AFI_IP);
	vpnha_zebra_gr_send(ZEBRA_CLIENT_ROUTE_UPDATE_COMPLETE, AFI_IP6);
	if (VPNHA_DEBUG(zebra))
		zlog_debug("zebra: route update complete");
}

/*
 * A zebra killed (SIGKILL, crash) leaves its selected routes in the
 * kernel; the next zebra reads them back as its own, of type static and
 * instance 0 (the kernel keeps no instance), and is meant to sweep them
 * at start.  zebra 10.x (at least to 10.5, FRRouting/frr#21824) sweeps
 * before its meta-queue has put them in the RIB: they stay for good,
 * selected at distance 1 over every route of ours, through the tunnel
 * that carried the prefix when zebra died, however dead it is now.
 * Delete that route.  zebra matches a delete by (type, instance,
 * prefix) and, for a route with ZEBRA_FLAG_RR_USE_DISTANCE, by
 * distance; staticd sets that flag on every route, all with a distance
 * of 1 to 255, and this delete carries none (0): it can only match a
 * route zebra read back from the kernel, never staticd's.  With no
 * such route zebra ignores it (8.4 sweeps at start, or, with -K, when
 * its graceful-restart time ends: then this removes it sooner).
 */
static void vpnha_zebra_leftover_del(const char *vrf, const struct prefix *p)
{
	struct zapi_route api = {};
	vrf_id_t vrf_id = vpnha_zebra_vrf_id(vrf);

	if (!vpnha_zebra_connected() || vrf_id == VRF_UNKNOWN)
		return;
	api.vrf_id = vrf_id;
	api.type = ZEBRA_ROUTE_STATIC;
	api.instance = 0;
	api.safi = SAFI_UNICAST;
	prefix_copy(&api.prefix, p);
	if (VPNHA_DEBUG(zebra))
		zlog_debug(
			"zebra: delete %pFX vrf %s static instance 0 left by an earlier zebra, if any",
			p, vrf);
	if (zclient_route_send(ZEBRA_ROUTE_DELETE, zclient, &api) ==
	    ZCLIENT_SEND_FAILURE)
		vpnha_zebra_send_failed();
}

const struct vpnha_rib_ops vpnha_zebra_rib_ops = {
	.route_add = vpnha_zebra_route_add,
	.route_del = vpnha_zebra_route_del,
	.update_complete = vpnha_zebra_update_complete,
	.leftover_del = vpnha_zebra_leftover_del,
	.tunnel_reroute = vpnha_zebra_tunnel_reroute,
};

/* The start-up hold ends at the latest at the core's deadline. */
static void vpnha_zebra_hold_timer(vpnha_event_t *e)
{
	int64_t deadline;

	vpnha_rib_hold_check(vpnha);
	deadline = vpnha_rib_hold_deadline(vpnha);
	if (deadline)
		vpnha_add_timer_msec(
			master, vpnha_zebra_hold_timer, NULL,
			MAX(1, (deadline - vpnha->now() + 999) / 1000),
			&t_hold);
}

static int vpnha_zebra_notify_owner(ZAPI_CALLBACK_ARGS)
{
	struct prefix p;
	enum zapi_route_notify_owner note;
	uint32_t table_id;
	safi_t safi;
	struct vrf *vrf;

	if (!zapi_route_notify_decode(zclient->ibuf, &p, &table_id, &note, NULL,
				      &safi))
		return -1;

	vrf = vrf_lookup_by_id(vrf_id);
	if (!vrf)
		return 0;
	if (VPNHA_DEBUG(zebra))
		zlog_debug("zebra: notify %pFX vrf %s table %u: %d", &p,
			   vrf->name, table_id, note);
	/* The copy in an advertise table: the core decides what it
	 * means. */
	if (vrf_id == VRF_DEFAULT &&
	    vpnha_rib_notify_adv_table(vpnha, table_id)) {
		if (note == ZAPI_ROUTE_FAIL_INSTALL)
			zlog_warn("zebra failed to install %pFX in table %u",
				  &p, table_id);
		vpnha_rib_notify_adv(vpnha, &p, table_id,
				     note == ZAPI_ROUTE_INSTALLED);
		return 0;
	}

	switch (note) {
	case ZAPI_ROUTE_INSTALLED:
		vpnha_rib_notify_vrf(vpnha, vrf->name, &p, true);
		break;
	case ZAPI_ROUTE_FAIL_INSTALL:
		zlog_warn("zebra failed to install %pFX in VRF %s", &p,
			  vrf->name);
		vpnha_rib_notify_vrf(vpnha, vrf->name, &p, false);
		break;
	case ZAPI_ROUTE_BETTER_ADMIN_WON:
		vpnha_rib_notify_vrf(vpnha, vrf->name, &p, false);
		break;
	case ZAPI_ROUTE_REMOVED:
	case ZAPI_ROUTE_REMOVE_FAIL:
		break;
	}
	return 0;
}

static void vpnha_zebra_connected_cb(struct zclient *zc)
{
	struct vrf *vrf;

	zclient_send_reg_requests(zc, VRF_DEFAULT);
	/* VRFs known from before a reconnection (new ones: vrf_enable).
	 */
	RB_FOREACH (vrf, vrf_id_head, &vrfs_by_id)
		if (vrf->vrf_id != VRF_DEFAULT && vrf_is_enabled(vrf))
			zclient_send_reg_requests(zc, vrf->vrf_id);
	vpnha_zclient_notify_request(zc);
#if !VPNHA_BFD_OWN_ZCLIENT
	if (bfd_enabled)
		bfd_client_sendmsg(zc, ZEBRA_BFD_CLIENT_REGISTER, VRF_DEFAULT);
#endif
	vpnha_zebra_gr_send(ZEBRA_CLIENT_GR_CAPABILITIES, AFI_IP);
	/* Groups are sent again with the routes (zebra keeps an earlier
	 * vpnhad's across a restart; the same id replaces them). */
	vpnha_nhg_forget();
	if (!vpnha_zebra_was_connected) {
		/*
		 * First connection of this process: zebra may still
		 * hold the routes of the vpnhad before us.  Keep them
		 * until our first verdicts are in, rather than route by
		 * "init".
		 */
		vpnha_zebra_was_connected = true;
		zlog_info("connected to zebra");
		vpnha_rib_hold(vpnha);
		vpnha_rib_connected(vpnha);
		vpnha_zebra_hold_timer(NULL);
		return;
	}
	zlog_info("connected to zebra, replaying all routes");
	/* Sends every route, then clears leftovers, then update
	 * complete. */
	vpnha_rib_connected(vpnha);
}

/*
 * zebra takes a group whose interface went down for invalid, and a
 * route referring to it is not installed even once the interface is
 * back: a group pointing there is sent again before its next route.
 */
static void vpnha_nhg_interface_down(ifindex_t ifindex)
{
	struct vpnha_nhg *g;

	frr_each (vpnha_nhgs, vpnha_nhgs, g)
		if (g->via == ifindex)
			g->via = 0;
}

/*
 * Interfaces: resolve tunnel interface names to ifindexes, in their
 * VRF. An interface moving to another VRF (enslaved to a VRF device,
 * released, its VRF deleted): zebra sends "down, delete" in the old VRF
 * and "add" in the new one (8.4 also sends ZEBRA_INTERFACE_VRF_UPDATE
 * in between, of no use here: libfrr freed the interface on the
 * delete); the add reports it to the core in its new VRF.
 */
static int vpnha_ifp_update(struct interface *ifp)
{
	bool up = if_is_operative(ifp);

	if (VPNHA_DEBUG(zebra))
		zlog_debug("zebra: interface %s vrf %s ifindex %d %s",
			   ifp->name, ifp->vrf->name, ifp->ifindex,
			   up ? "up" : "down");
	vpnha_interface_update_vrf(vpnha, ifp->name, ifp->vrf->name,
				   ifp->ifindex, up);
	if (!up)
		vpnha_nhg_interface_down(ifp->ifindex);
	return 0;
}

static int vpnha_ifp_destroy(struct interface *ifp)
{
	ifindex_t ifindex = ifp->ifindex;

	vpnha_interface_update_vrf(vpnha, ifp->name, ifp->vrf->name,
				   IFINDEX_INTERNAL, false);
	vpnha_nhg_interface_down(ifindex);
	return 0;
}

/*
 * VRFs (zebra announces each): a new one is registered with zebra as
 * staticd does; its interfaces and their tunnels follow.  A VRF that
 * goes takes its routes with it in zebra; its interfaces move to the
 * default VRF first (the kernel releases them), so its tunnels are
 * already without interface.
 */
static int vpnha_vrf_enable(struct vrf *vrf)
{
	if (vrf->vrf_id == VRF_DEFAULT)
		return 0;
	zlog_info("VRF %s (id %u) is up", vrf->name, vrf->vrf_id);
	if (vpnha_zebra_connected())
		zclient_send_reg_requests(zclient, vrf->vrf_id);
	return 0;
}

static int vpnha_vrf_disable(struct vrf *vrf)
{
	struct vpnha_tunnel *t;

	if (vrf->vrf_id == VRF_DEFAULT)
		return 0;
	zlog_info("VRF %s (id %u) is gone", vrf->name, vrf->vrf_id);
	if (!vpnha)
		return 0;
	/* Its interfaces, if libfrr drops them without telling. */
	vpnha_each_tunnel (vpnha, t)
		if (!strcmp(t->vrf, vrf->name) &&
		    t->ifindex != IFINDEX_INTERNAL)
			vpnha_interface_update_vrf(vpnha, t->ifname, vrf->name,
						   IFINDEX_INTERNAL, false);
	return 0;
}

void vpnha_zebra_vrf_init(void)
{
	vrf_init(NULL, vpnha_vrf_enable, vpnha_vrf_disable, NULL);
}

/* Interface addresses: libfrr keeps them, we use them for probes. */
static int vpnha_zebra_address_add(ZAPI_CALLBACK_ARGS)
{
	zebra_interface_address_read(cmd, zclient->ibuf, vrf_id);
	return 0;
}

static int vpnha_zebra_address_del(ZAPI_CALLBACK_ARGS)
{
	struct connected *c;

	c = zebra_interface_address_read(cmd, zclient->ibuf, vrf_id);
	if (c) {
		ifindex_t ifindex = c->ifp ? c->ifp->ifindex : IFINDEX_INTERNAL;
		struct prefix p = *c->address;

		connected_free(&c);
		vpnha_io_address_deleted(ifindex, &p);
	}
	return 0;
}

static zclient_handler *const vpnha_handlers[] = {
	[ZEBRA_ROUTE_NOTIFY_OWNER] = vpnha_zebra_notify_owner,
	[ZEBRA_NHG_NOTIFY_OWNER] = vpnha_zebra_nhg_notify,
	[ZEBRA_INTERFACE_ADDRESS_ADD] = vpnha_zebra_address_add,
	[ZEBRA_INTERFACE_ADDRESS_DELETE] = vpnha_zebra_address_del,
};

/*
 * libfrr notices a lost zebra connection only when a read or write
 * fails, tells nobody, and retries after 10 s (60 s after three
 * failures).  Every route we own is gone from zebra meanwhile, so check
 * every second and reconnect at once.
 */
static void vpnha_zebra_watchdog(vpnha_event_t *e)
{
	vpnha_add_timer_msec(master, vpnha_zebra_watchdog, NULL,
			     VPNHA_ZEBRA_WATCHDOG_MS, &t_watchdog);
	if (vpnha_zebra_connected())
		return;
	if (vpnha->rib_up) {
		zlog_warn("lost the connection to zebra; reconnecting");
		vpnha_rib_disconnected(vpnha);
	}
	VPNHA_EVENT_OFF(zclient->t_connect);
	zclient_start(zclient);
}

void vpnha_zebra_init(void)
{
	vpnha_if_hooks(vpnha_ifp_update, vpnha_ifp_destroy);
	zclient = vpnha_zclient_new(vpnha_handlers, array_size(vpnha_handlers));
	zclient_init(zclient, ZEBRA_ROUTE_STATIC, VPNHA_ZEBRA_INSTANCE,
		     &vpnha_privs);
	zclient->zebra_connected = vpnha_zebra_connected_cb;
	vpnha_nhgs_init(vpnha_nhgs);
	vpnha_nhg_base = zclient_get_nhg_start(ZEBRA_ROUTE_STATIC);
	vpnha_add_timer_msec(master, vpnha_zebra_watchdog, NULL,
			     VPNHA_ZEBRA_WATCHDOG_MS, &t_watchdog);
}

#if VPNHA_BFD_OWN_ZCLIENT
static void vpnha_zebra_bfd_connected(struct zclient *zc)
{
	bfd_client_sendmsg(zc, ZEBRA_BFD_CLIENT_REGISTER, VRF_DEFAULT);
}
#endif

void vpnha_zebra_bfd_enable(void)
{
	if (bfd_enabled)
		return;
	bfd_enabled = true;
#if VPNHA_BFD_OWN_ZCLIENT
	bfd_zclient = zclient_new(master, &zclient_options_default, NULL, 0);
	zclient_init(bfd_zclient, ZEBRA_ROUTE_OPENFABRIC, VPNHA_ZEBRA_INSTANCE,
		     &vpnha_privs);
	bfd_zclient->zebra_connected = vpnha_zebra_bfd_connected;
	bfd_protocol_integration_init(bfd_zclient, master);
	zlog_info(
		"BFD health checks enabled (second zebra client for BFD status)");
#else
	bfd_protocol_integration_init(zclient, master);
	zlog_info("BFD health checks enabled");
#endif
}

void vpnha_zebra_stop(void)
{
	VPNHA_EVENT_OFF(t_disconnected);
	VPNHA_EVENT_OFF(t_watchdog);
	VPNHA_EVENT_OFF(t_hold);
	if (bfd_enabled)
		bfd_protocol_integration_set_shutdown(true);
	bfd_enabled = false;
#if VPNHA_BFD_OWN_ZCLIENT
	if (bfd_zclient) {
		zclient_stop(bfd_zclient);
		zclient_free(bfd_zclient);
		bfd_zclient = NULL;
	}
#endif
	vpnha_nhg_forget();
	if (!zclient)
		return;
	zclient_stop(zclient);
	zclient_free(zclient);
	zclient = NULL;
}
