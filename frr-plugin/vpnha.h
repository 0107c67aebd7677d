// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad core: the model of the VPN HA scheme (gateway, peers, tunnels,
 * routes), the tunnel state machine and the route decision.
 *
 * Nothing here talks to zebra, a vty or a socket: the adapters
 * (vpnha_zebra_io.c, vpnha_nb*.c, vpnha_cli.c, vpnha_vty.c, vpnha_probe_io.c,
 * vpnha_ipsec_io.c) call in, and the core calls out through the ops
 * given to vpnha_new() (struct vpnha_rib_ops, vpnha_io_ops,
 * vpnha_ipsec_ops), so unit tests link it alone with a fake RIB.
 */
#ifndef _FRR_VPNHA_H
#define _FRR_VPNHA_H

#include "lib/prefix.h"
#include "lib/ipaddr.h"
#include "lib/if.h"
#include "lib/typesafe.h"
#include "vpnha_memory.h"
#include "lib/hook.h"

#include "vpnha_health.h"
#include "vpnha_ipsec.h"
#include "vpnha_probe.h"

/* lib/debug.h pulls in vty.h/buffer.h, whose buffer_new() clashes with
 * libssh's legacy API in the NETCONF module; vpnha.c includes it. */
struct debug;

#ifdef __cplusplus
extern "C" {
#endif


#define VPNHA_NAME_MAX 60
#define VPNHA_IFNAME_MAX 15
/* A VRF name, with its NUL: lib/vrf.h's VRF_NAMSIZ. */
#define VPNHA_VRF_NAMSIZ 36
/* The VRF of a tunnel without 'vrf' (zebra's default VRF name). */
#define VPNHA_VRF_DEFAULT "default"

/* Most nexthops one zebra route of ours carries (ECMP over tunnels). */
#define VPNHA_ECMP_MAX 16
/* Longest IPsec SA detail kept (t->sa.detail). */
#define VPNHA_SA_DETAIL_MAX 255

enum vpnha_tunnel_state {
	/* Same values as frr-vpnhad:tunnel-state-type. */
	VPNHA_TUNNEL_INIT = 0,
	VPNHA_TUNNEL_UP = 1,
	VPNHA_TUNNEL_DOWN = 2,
	VPNHA_TUNNEL_ADMIN_DOWN = 3,
	VPNHA_TUNNEL_RECOVERING = 4,
};

enum vpnha_all_down_action {
	VPNHA_ALL_DOWN_KEEP_BEST = 0,
	VPNHA_ALL_DOWN_WITHDRAW = 1,
};

/* Why a route is (not) sent to zebra. */
enum vpnha_route_reason {
	VPNHA_RR_NONE = 0,
	VPNHA_RR_ACTIVE,	/* tunnel usable, sent to zebra */
	VPNHA_RR_KEPT_ALL_DOWN, /* all tunnels down, kept (keep-best) */
	VPNHA_RR_TUNNEL_ADMIN_DOWN,
	VPNHA_RR_TUNNEL_DOWN,	    /* health check failed */
	VPNHA_RR_TUNNEL_RECOVERING, /* in failback hold-down */
	VPNHA_RR_INTERFACE_DOWN,
	VPNHA_RR_NO_INTERFACE,
	VPNHA_RR_ZEBRA_DOWN, /* not connected to zebra */
	VPNHA_RR_ECMP_LIMIT,
	VPNHA_RR_SA_DOWN,      /* IPsec SA not established */
	VPNHA_RR_TUNNEL_INIT,  /* health unknown, another tunnel is up */
	VPNHA_RR_STARTUP_HOLD, /* start: waiting for the first verdicts */
};

PREDECL_RBTREE_UNIQ(vpnha_peers);
PREDECL_RBTREE_UNIQ(vpnha_tunnels);
PREDECL_RBTREE_UNIQ(vpnha_tunnels_byif);
PREDECL_RBTREE_UNIQ(vpnha_routes);
PREDECL_RBTREE_UNIQ(vpnha_routes_bytun);
PREDECL_RBTREE_UNIQ(vpnha_paths);

struct vpnha_peer {
	struct vpnha_peers_item itm;
	char name[VPNHA_NAME_MAX + 1];
	struct ipaddr addr;
};

/* Timeline of the last failover, monotonic microseconds (0 = unset). */
struct vpnha_timeline {
	int64_t last_good;     /* last good reply before the failure */
	int64_t first_miss;    /* send time of the first probe lost */
	int64_t declared_down; /* the down verdict */
	int64_t withdraw_sent; /* route delete sent to zebra */
	int64_t switched;      /* zebra: replacement route installed */
};

/*
 * Memory per tunnel (issue 14: under 2 KiB, whatever the health-check
 * window).  What a health-checked tunnel allocates, in glibc malloc
 * chunks: struct vpnha_tunnel (with its health checker,
 * VPNHA_HC_SIZE_MAX) and the probe adapter's part (its struct vpnha_io;
 * the probe sockets and their read events are shared by all tunnels,
 * one per address family, since issue 14's probe engine: 352 bytes
 * before, with a socket and a read event per tunnel).  test_health.c
 * checks the core's part, vpnha_probe_io.c the adapter's;
 * bench/mem_scale.py measures the daemon's RSS per tunnel.  Not in
 * this budget: a managed
 * IPsec connection (struct vpnha_ipsec_conf, the adapter's struct itun
 * and the generated text), a BFD session, the routes, and libyang's
 * copy of the configuration.
 */
#define VPNHA_TUNNEL_MEM_MAX 2040
/* 1712: the tunnel's VRF name (issue 15) took it past 1664. */
#define VPNHA_TUNNEL_SIZE_MAX 1712
#define VPNHA_PROBE_IO_SIZE_MAX 176
/* glibc's chunk for a malloc(n) on 64-bit: n + 8, 16-aligned, >= 32. */
#define VPNHA_MALLOC_CHUNK(n)                                                  \
	((n) + 8 + 15 < 32 ? 32 : ((n) + 8 + 15) & ~(size_t)15)

struct vpnha_tunnel {
	struct vpnha_tunnels_item itm;
	/* In vpnha->tunnels_byif: interface events without a sweep. */
	struct vpnha_tunnels_byif_item iitm;

	/* Configuration. */
	char name[VPNHA_NAME_MAX + 1];
	char ifname[VPNHA_IFNAME_MAX + 1];
	char peer[VPNHA_NAME_MAX + 1];
	/* The VRF of the interface, its routes and its probes. */
	char vrf[VPNHA_VRF_NAMSIZ];
	bool shutdown;
	bool hc_enabled;
	struct vpnha_hc_config hc;

	/* Runtime. */
	ifindex_t ifindex; /* IFINDEX_INTERNAL when absent */
	bool if_up;
	/* The interface exists, but in another VRF than t->vrf (then
	 * ifindex is IFINDEX_INTERNAL: the tunnel has no interface). */
	bool if_other_vrf;
	enum vpnha_tunnel_state state;
	char reason[160];
	int64_t last_change; /* monotonic us */
	bool was_up;	     /* has been up (failovers count from then) */
	struct vpnha_health health;
	/* Probes: random identifier (new at every start), replies refused
	 * by cause (index VPNHA_PROBE_OK unused), debug log rate limit. */
	uint16_t probe_ident;
	uint64_t rejects[VPNHA_PROBE_CHECK_MAX];
	int64_t reject_logged;
	uint32_t reject_unlogged;
	struct vpnha_timeline timeline;
	struct {
		uint32_t transitions;
		uint32_t failovers;
	} stats;

	/* IPsec connection (NULL: not managed by vpnhad). */
	struct vpnha_ipsec_conf *ipsec;
	/* What the IPsec daemon last said (reset when ipsec goes away). */
	struct {
		enum vpnha_sa_state state;
		/* The daemon's words (at most VPNHA_SA_DETAIL_MAX
		 * characters); NULL when empty, which is most tunnels:
		 * vpnha_tunnel_sa_detail() reads it. */
		char *detail;
		uint64_t established_s;
		uint64_t bytes_in, bytes_out;
		uint32_t rekeys, initiations, downs;
	} sa;

	/* Owned by the probe I/O adapter and the IPsec adapter. */
	void *io;
	void *ipsec_io;
};

/* The IPsec daemon's description of t's SA, "" when none. */
static inline const char *vpnha_tunnel_sa_detail(const struct vpnha_tunnel *t)
{
	return t->sa.detail ? t->sa.detail : "";
}

struct vpnha_route {
	struct vpnha_routes_item itm;
	/* In vpnha->routes_bytun: a tunnel's routes without a sweep. */
	struct vpnha_routes_bytun_item bitm;

	/* Configuration; key is (prefix, tunnel). */
	struct prefix prefix;
	char tunnel[VPNHA_NAME_MAX + 1];
	uint8_t weight;
	/*
	 * Its tunnel's VRF (VPNHA_VRF_DEFAULT while the tunnel does not
	 * exist), kept here to sort by: the same prefix in two VRFs is two
	 * independent route sets.  vpnha_tunnel_set_vrf() moves a tunnel's
	 * routes.
	 */
	char vrf[VPNHA_VRF_NAMSIZ];

	/* Runtime. */
	enum vpnha_route_reason reason;
	bool installed; /* part of a path sent to zebra */
};

/* What we have sent to zebra: one zebra route per (prefix, distance). */
enum vpnha_path_state {
	VPNHA_PATH_SENT = 0,
	VPNHA_PATH_INSTALLED,	  /* zebra: in the FIB */
	VPNHA_PATH_NOT_INSTALLED, /* zebra: another route won, or failure */
};

struct vpnha_path {
	struct vpnha_paths_item itm;
	struct prefix prefix;
	/* The VRF (by name: the adapter resolves it when sending). */
	char vrf[VPNHA_VRF_NAMSIZ];
	/* Routing table: 0 = zebra's main table, else advertise-table. */
	uint32_t table;
	uint8_t distance;
	unsigned int nh_num;
	ifindex_t nh_ifindex[VPNHA_ECMP_MAX];
	enum vpnha_path_state state;
};

/* Containers: sorted by name, routes by (prefix, VRF, tunnel), paths by
 * (prefix, VRF, distance): the routes of one prefix in one VRF are
 * neighbours, one route set. */
static inline int vpnha_peer_cmp(const struct vpnha_peer *a,
				 const struct vpnha_peer *b)
{
	return strcmp(a->name, b->name);
}
DECLARE_RBTREE_UNIQ(vpnha_peers, struct vpnha_peer, itm, vpnha_peer_cmp);

static inline int vpnha_tunnel_cmp(const struct vpnha_tunnel *a,
				   const struct vpnha_tunnel *b)
{
	return strcmp(a->name, b->name);
}
DECLARE_RBTREE_UNIQ(vpnha_tunnels, struct vpnha_tunnel, itm, vpnha_tunnel_cmp);

/* By (interface, name): within a commit two may name one interface. */
static inline int vpnha_tunnel_byif_cmp(const struct vpnha_tunnel *a,
					const struct vpnha_tunnel *b)
{
	int ret = strcmp(a->ifname, b->ifname);

	if (ret)
		return ret;
	return strcmp(a->name, b->name);
}
DECLARE_RBTREE_UNIQ(vpnha_tunnels_byif, struct vpnha_tunnel, iitm,
		    vpnha_tunnel_byif_cmp);

static inline int vpnha_route_cmp(const struct vpnha_route *a,
				  const struct vpnha_route *b)
{
	int ret = prefix_cmp(&a->prefix, &b->prefix);

	if (ret)
		return ret;
	ret = strcmp(a->vrf, b->vrf);
	if (ret)
		return ret;
	return strcmp(a->tunnel, b->tunnel);
}
DECLARE_RBTREE_UNIQ(vpnha_routes, struct vpnha_route, itm, vpnha_route_cmp);

/* a and b are in one route set: the same prefix in the same VRF. */
static inline bool vpnha_route_same_set(const struct vpnha_route *a,
					const struct vpnha_route *b)
{
	return prefix_same(&a->prefix, &b->prefix) && !strcmp(a->vrf, b->vrf);
}

/* The same routes by (tunnel, prefix). */
static inline int vpnha_route_bytun_cmp(const struct vpnha_route *a,
					const struct vpnha_route *b)
{
	int ret = strcmp(a->tunnel, b->tunnel);

	if (ret)
		return ret;
	return prefix_cmp(&a->prefix, &b->prefix);
}
DECLARE_RBTREE_UNIQ(vpnha_routes_bytun, struct vpnha_route, bitm,
		    vpnha_route_bytun_cmp);

static inline int vpnha_path_cmp(const struct vpnha_path *a,
				 const struct vpnha_path *b)
{
	int ret = prefix_cmp(&a->prefix, &b->prefix);

	if (ret)
		return ret;
	ret = strcmp(a->vrf, b->vrf);
	if (ret)
		return ret;
	return (int)a->distance - (int)b->distance;
}
DECLARE_RBTREE_UNIQ(vpnha_paths, struct vpnha_path, itm, vpnha_path_cmp);

/* The core calls out to the RIB (zebra) through these. */
struct vpnha_rib_ops {
	/* Send (add or replace) one route; return false when not sent. */
	bool (*route_add)(const struct vpnha_path *path);
	/* Withdraw one route (same prefix and distance). */
	bool (*route_del)(const struct vpnha_path *path);
	/*
	 * Every route is sent after a start: zebra may drop what an
	 * earlier vpnhad left (graceful restart).  May be NULL.
	 */
	void (*update_complete)(void);
	/*
	 * Remove what an earlier zebra left for this prefix: the kernel
	 * route a killed zebra read back at its start (static, instance 0,
	 * not staticd's), which zebra 10.x's start-up sweep misses.  Called
	 * after every route is sent, before update_complete().  May be NULL.
	 */
	void (*leftover_del)(const char *vrf, const struct prefix *p);
	/*
	 * Fast reroute (fast-reroute on; may be NULL): tunnel `from` has
	 * just become unusable, and every prefix whose selected path was
	 * `from` alone goes next to `to` alone (a tunnel in state up).
	 * Called before the withdrawals of `from`'s routes are sent: an
	 * adapter whose routes share a nexthop group per tunnel moves them
	 * all at once by pointing `from`'s group at `to`.
	 */
	void (*tunnel_reroute)(const struct vpnha_tunnel *from,
			       const struct vpnha_tunnel *to);
};

/* Hooks to the probe I/O adapter; any may be NULL. */
struct vpnha_io_ops {
	void (*tunnel_start)(struct vpnha_tunnel *t);
	void (*tunnel_stop)(struct vpnha_tunnel *t);
	/*
	 * The core changed t's health outside one of t's own entry points
	 * (no-preempt release, operator release, SA loss): arm the
	 * tunnel's timer at deadline (monotonic us, 0 = none).
	 */
	void (*tunnel_rearm)(struct vpnha_tunnel *t, int64_t deadline);
};

/* Hooks to the IPsec adapter; any may be NULL. */
struct vpnha_ipsec_ops {
	/* Generate and (re)load the tunnel's connection, bring it up. */
	void (*tunnel_apply)(struct vpnha_tunnel *t);
	/* Tear the connection down and remove what vpnhad created. */
	void (*tunnel_remove)(struct vpnha_tunnel *t);
	/* Global settings changed: reconnect, re-apply every tunnel. */
	void (*global_apply)(void);
};

struct vpnha {
	char gw_name[VPNHA_NAME_MAX + 1];
	struct ipaddr gw_addr;
	uint8_t distance_base;
	enum vpnha_all_down_action all_down;

	struct vpnha_peers_head peers;
	struct vpnha_tunnels_head tunnels;
	struct vpnha_tunnels_byif_head tunnels_byif;
	struct vpnha_routes_head routes;
	struct vpnha_routes_bytun_head routes_bytun;
	struct vpnha_paths_head paths;
	/*
	 * advertise-table (0: off), and what is sent there: at most one
	 * path per prefix, the lowest distance of paths carried by usable
	 * tunnels (vpnha_recompute_prefix()).
	 */
	uint32_t adv_table;
	uint32_t adv_table_prev; /* the one before, being withdrawn */
	struct vpnha_paths_head adv_paths;
	/* fast-reroute: see vpnha_rib_ops.tunnel_reroute. */
	bool fast_reroute;
	/* Tunnels in state RECOVERING (no-preempt release checks). */
	unsigned int recovering;
	/* The tunnel being evaluated from a health entry point (probe
	 * sent/received, timeout, BFD), NULL otherwise: see
	 * vpnha_tunnel_set_state(). */
	const struct vpnha_tunnel *eval_health;
	/* The tunnel an interface event is evaluating, and whether it was
	 * usable before the event changed it. */
	const struct vpnha_tunnel *if_changed;
	bool if_was_usable;

	struct vpnha_ipsec_global ipsec;
	/* Reported by the IPsec adapter (vpnha_ipsec_status_set()). */
	struct {
		bool connected;
		char error[160];
	} ipsec_status;

	bool rib_up; /* connected to zebra */
	/*
	 * Start-up hold (vpnha_rib_hold()): routes are not sent before the
	 * first verdicts are in, or until this time (monotonic us); 0 when
	 * not holding.
	 */
	int64_t rib_hold_start;
	const struct vpnha_rib_ops *rib;
	const struct vpnha_io_ops *io;
	const struct vpnha_ipsec_ops *ipsec_ops;

	/* Clock, injectable for tests: monotonic microseconds. */
	int64_t (*now)(void);

	/* "debug vpn-ha probe" (set by the daemon; NULL: off). */
	const struct debug *dbg_probe;
};

/* The daemon's single instance. */
extern struct vpnha *vpnha;

/* Defaults, mirrored from the YANG module. */
#define VPNHA_DISTANCE_BASE_DEFAULT 1

/*
 * Create the instance.
 *
 * rib
 *    Callbacks that reach zebra (may be NULL until connected).
 *
 * io
 *    Probe I/O hooks (may be NULL).
 *
 * ipsec
 *    IPsec adapter hooks (may be NULL).
 *
 * now
 *    Monotonic clock in microseconds; NULL means monotime().
 *
 * Returns:
 *    The new instance, also stored in the global vpnha.
 */
extern struct vpnha *vpnha_new(const struct vpnha_rib_ops *rib,
			       const struct vpnha_io_ops *io,
			       const struct vpnha_ipsec_ops *ipsec,
			       int64_t (*now)(void));

/* Remove the whole configuration, withdrawing every route. */
extern void vpnha_clear(struct vpnha *v);

/* Withdraw everything and free the instance. */
extern void vpnha_free(struct vpnha *v);

/* Lookups; NULL when absent. */
extern struct vpnha_peer *vpnha_peer_find(struct vpnha *v, const char *name);
extern struct vpnha_tunnel *vpnha_tunnel_find(struct vpnha *v,
					      const char *name);
extern struct vpnha_tunnel *vpnha_tunnel_find_ifname(struct vpnha *v,
						     const char *ifname);
extern struct vpnha_route *
vpnha_route_find(struct vpnha *v, const struct prefix *p, const char *tunnel);

/* Peers. */
extern struct vpnha_peer *vpnha_peer_add(struct vpnha *v, const char *name);
extern void vpnha_peer_del(struct vpnha *v, struct vpnha_peer *peer);

/* Tunnels. */
extern struct vpnha_tunnel *vpnha_tunnel_add(struct vpnha *v, const char *name);
extern void vpnha_tunnel_del(struct vpnha *v, struct vpnha_tunnel *t);
/*
 * Set the interface name; the tunnel is without interface until the
 * adapter reports it (vpnha_interface_update()).
 */
extern void vpnha_tunnel_set_ifname(struct vpnha *v, struct vpnha_tunnel *t,
				    const char *ifname);
/*
 * Set the tunnel's VRF: its routes move with it (withdrawn from the
 * old VRF at the next vpnha_recompute()), and the interface is looked
 * up again (vpnha_interface_update_vrf()), as for a new interface name.
 */
extern void vpnha_tunnel_set_vrf(struct vpnha *v, struct vpnha_tunnel *t,
				 const char *vrf);
extern void vpnha_tunnel_set_shutdown(struct vpnha *v, struct vpnha_tunnel *t,
				      bool shutdown);
/*
 * Set (conf != NULL, copied) or remove the tunnel's IPsec connection;
 * the IPsec adapter generates, loads and brings it up, or removes it.
 */
extern void vpnha_tunnel_set_ipsec(struct vpnha *v, struct vpnha_tunnel *t,
				   const struct vpnha_ipsec_conf *conf);
/*
 * What the IPsec adapter reports about a tunnel's SA besides its state
 * (vpnha_tunnel_sa_update()): traffic counters, IKE SA age, a rekey
 * seen, an initiation sent.
 */
extern void vpnha_tunnel_sa_traffic(struct vpnha *v, struct vpnha_tunnel *t,
				    uint64_t bytes_in, uint64_t bytes_out);
extern void vpnha_tunnel_sa_established(struct vpnha *v, struct vpnha_tunnel *t,
					uint64_t established_s);
extern void vpnha_tunnel_sa_rekeyed(struct vpnha *v, struct vpnha_tunnel *t);
extern void vpnha_tunnel_sa_initiated(struct vpnha *v, struct vpnha_tunnel *t);
/*
 * The IPsec daemon's reachability and its last error (NULL: unchanged),
 * as the adapter found them; changes are logged.
 */
extern void vpnha_ipsec_status_set(struct vpnha *v, bool connected,
				   const char *error);
/*
 * Forget without logging (settings changed, a socket no longer used):
 * set connected and clear the last error if it mentions about (any
 * error when about is NULL).
 */
extern void vpnha_ipsec_status_forget(struct vpnha *v, bool connected,
				      const char *about);
/* Health check configuration changed (enabled, or any parameter). */
extern void vpnha_tunnel_hc_changed(struct vpnha *v, struct vpnha_tunnel *t);

/* Routes. */
extern struct vpnha_route *vpnha_route_add(struct vpnha *v,
					   const struct prefix *p,
					   const char *tunnel, uint8_t weight);
extern void vpnha_route_del(struct vpnha *v, struct vpnha_route *r);
extern void vpnha_route_set_weight(struct vpnha *v, struct vpnha_route *r,
				   uint8_t weight);

/*
 * Check a route destination as typed by a user: an IPv4 or IPv6 prefix
 * in A.B.C.D/M or X:X::X:X/M form without host bits.
 *
 * Returns:
 *    0 with *p filled in, or -1 with a message naming the problem.
 */
extern int vpnha_route_prefix_parse(const char *str, struct prefix *p,
				    char *errmsg, size_t errmsg_len);

/*
 * Set advertise-table (0: off).  The advertised routes move to the new
 * table, or are withdrawn, at the next vpnha_recompute().
 */
extern void vpnha_set_adv_table(struct vpnha *v, uint32_t table);

/*
 * Set fast-reroute: every path is sent again (the adapter changes how it
 * sends them).
 */
extern void vpnha_set_fast_reroute(struct vpnha *v, bool on);

/* Send every path to the RIB again, now. */
extern void vpnha_rib_resend(struct vpnha *v);

/*
 * Where the prefixes that tunnel t carried alone go if t fails: the one
 * tunnel, in state up, that the next path of every such prefix uses
 * alone; NULL when they go to different tunnels, to ECMP, to a tunnel
 * of unknown health, or nowhere.  Call before t's routes are withdrawn.
 */
extern struct vpnha_tunnel *vpnha_reroute_target(struct vpnha *v,
						 const struct vpnha_tunnel *t);

/*
 * A zebra notification for table is about a route sent to an advertise
 * table (the current or one being left), not one of the main table's:
 * vpnha_rib_notify_adv(), not vpnha_rib_notify().
 */
extern bool vpnha_rib_notify_adv_table(const struct vpnha *v, uint32_t table);

/*
 * zebra's notification for the advertise-table copy of prefix p.  With
 * 'ip import-table' below distance-base, zebra selects its import of
 * that copy (same nexthops) over our routes in the main table and
 * reports ours beaten: the copy's install stands for the prefix's (the
 * lowest path installed, failover timeline), and the main table's
 * "not installed" is not taken for a prefix that has a copy.
 */
extern void vpnha_rib_notify_adv(struct vpnha *v, const struct prefix *p,
				 uint32_t table, bool installed);

/* The path advertised for prefix p, NULL when none.  Only routes of
 * the default VRF are advertised (advertise-table is a table of it). */
extern const struct vpnha_path *vpnha_adv_path(struct vpnha *v,
					       const struct prefix *p);

/*
 * Weight -> zebra administrative distance: distance-base + weight.
 * With the default base 1, weight 0 -> 1 and weight 100 -> 101.
 */
extern uint8_t vpnha_distance(const struct vpnha *v, uint8_t weight);

/*
 * Recompute what zebra must hold for every prefix and send only the
 * differences.  Cheap enough to call after every commit and event.
 */
extern void vpnha_recompute(struct vpnha *v);

/* Events from the adapters. */
/*
 * Interface ifname is in VRF vrf (by name), with ifindex (IFINDEX_INTERNAL:
 * gone) and up.  A tunnel whose VRF is another takes it as absent.
 */
extern void vpnha_interface_update_vrf(struct vpnha *v, const char *ifname,
				       const char *vrf, ifindex_t ifindex,
				       bool up);
/* The same for an interface of the default VRF. */
static inline void vpnha_interface_update(struct vpnha *v, const char *ifname,
					  ifindex_t ifindex, bool up)
{
	vpnha_interface_update_vrf(v, ifname, VPNHA_VRF_DEFAULT, ifindex, up);
}
extern void vpnha_rib_connected(struct vpnha *v);
/*
 * Daemon start: hold the routes until every tunnel has a first verdict
 * (or is known down), at most vpnha_rib_hold_deadline().  zebra keeps
 * the routes of the previous vpnhad meanwhile (graceful restart); at the
 * end the core sends every route, then rib->update_complete().
 */
extern void vpnha_rib_hold(struct vpnha *v);
/* When the hold ends at the latest (monotonic us), 0 when not holding;
 * the adapter calls vpnha_rib_hold_check() then. */
extern int64_t vpnha_rib_hold_deadline(const struct vpnha *v);
/* End the hold if the verdicts are in or its time is up. */
extern void vpnha_rib_hold_check(struct vpnha *v);
extern void vpnha_rib_disconnected(struct vpnha *v);
/*
 * Stop for good: withdraw every route zebra holds from us (each path,
 * whatever its state, once), forget the configuration, then
 * rib->update_complete() so that zebra drops anything stale.
 */
extern void vpnha_withdraw_all(struct vpnha *v);
/* zebra's notification for a prefix in a VRF (by name). */
extern void vpnha_rib_notify_vrf(struct vpnha *v, const char *vrf,
				 const struct prefix *p, bool installed);
static inline void vpnha_rib_notify(struct vpnha *v, const struct prefix *p,
				    bool installed)
{
	vpnha_rib_notify_vrf(v, VPNHA_VRF_DEFAULT, p, installed);
}

/*
 * Health entry points: the only ways the health of a tunnel changes.
 * Each updates the verdict, changes the tunnel state through the single
 * choke point (logged at info with the reason) and returns the tunnel's
 * next health deadline (monotonic us, 0 = none): the adapter must call
 * vpnha_tunnel_tick() then.
 */

/* A probe to send: filled by vpnha_tunnel_tick(). */
struct vpnha_probe_out {
	uint8_t buf[VPNHA_PROBE_LEN];
	size_t len; /* 0: nothing to send */
	uint16_t seq;
};

/*
 * Time passed: probes time out, hold-downs end.  probe != NULL for a
 * tunnel that sends ICMP probes: the core builds one into it (sequence,
 * nonce, send time; probe->len 0 if none) when send_due (the regular
 * schedule) or when the health checker wants a confirmation probe now
 * (vpnha_health_confirm_at(); its time is part of the deadline
 * returned).
 */
extern int64_t vpnha_tunnel_tick(struct vpnha *v, struct vpnha_tunnel *t,
				 int64_t now, bool send_due,
				 struct vpnha_probe_out *probe);

/*
 * A datagram for t (its identifier) arrived at now: parsed, checked
 * against the probe it claims to answer, counted by cause when refused.
 * src and dst are the sender and the local address for sockets without
 * IP header (IPv6), else NULL (read from the header); ifindex the
 * arrival interface.  A reply not from the health-check destination,
 * not to the health-check source or not through the tunnel interface
 * is refused.
 */
extern int64_t vpnha_tunnel_probe_input(struct vpnha *v, struct vpnha_tunnel *t,
					const uint8_t *pkt, size_t len,
					const struct ipaddr *src,
					ifindex_t ifindex,
					const struct ipaddr *dst, int64_t now);

/* The external check (BFD) says the tunnel is up or down. */
extern int64_t vpnha_tunnel_external(struct vpnha *v, struct vpnha_tunnel *t,
				     bool up, int64_t now);

/*
 * Operator release of a recovered no-preempt tunnel (clear vpn-ha
 * tunnel NAME): as when the backup fails, the tunnel fails back at the
 * end of its hold-down.
 *
 * Returns:
 *    0, or -1 with a message when the tunnel is not waiting for one.
 */
extern int vpnha_tunnel_release(struct vpnha *v, struct vpnha_tunnel *t,
				char *errmsg, size_t errmsg_len);

/* The tunnel's next health deadline (0 = none). */
extern int64_t vpnha_tunnel_deadline(const struct vpnha_tunnel *t);

/*
 * The IPsec daemon's view of the tunnel's SA.  DOWN or CONNECTING (no
 * Child SA) fail the tunnel over at once (and make the probes prove
 * recovery);
 * VPNHA_SA_UNKNOWN (daemon unreachable) leaves routing to the probes.
 * detail is the daemon's own state text (or an error), for show.
 */
extern void vpnha_tunnel_sa_update(struct vpnha *v, struct vpnha_tunnel *t,
				   enum vpnha_sa_state state,
				   const char *detail);

/*
 * The adapters' hooks on state changes, called at the choke point after
 * the state and t->reason are set, and where the SA state changes.
 */
DECLARE_HOOK(vpnha_tunnel_transition,
	     (const struct vpnha_tunnel *t, enum vpnha_tunnel_state old_state),
	     (t, old_state));
DECLARE_HOOK(vpnha_tunnel_sa_change,
	     (const struct vpnha_tunnel *t, enum vpnha_sa_state old_state),
	     (t, old_state));

/*
 * The tunnel may carry traffic (init or up, interface up).  A tunnel in
 * init (health unknown) does not take a prefix from a tunnel that is up.
 */
extern bool vpnha_tunnel_usable(const struct vpnha_tunnel *t);

/* The tunnel a prefix of a VRF currently uses (lowest distance
 * installed). */
extern struct vpnha_tunnel *
vpnha_prefix_active_tunnel_vrf(struct vpnha *v, const char *vrf,
			       const struct prefix *p);
static inline struct vpnha_tunnel *
vpnha_prefix_active_tunnel(struct vpnha *v, const struct prefix *p)
{
	return vpnha_prefix_active_tunnel_vrf(v, VPNHA_VRF_DEFAULT, p);
}

/* The route is part of the path zebra reports as installed in the FIB. */
extern bool vpnha_route_selected(struct vpnha *v, const struct vpnha_route *r);

/* Routes of tunnel t currently sent to zebra. */
extern unsigned int vpnha_tunnel_routes_installed(struct vpnha *v,
						  const struct vpnha_tunnel *t);

/*
 * Milliseconds between two timeline points (monotonic us), or -1 when
 * either is unknown (0) or they are out of order.
 */
extern int64_t vpnha_timeline_ms(int64_t from, int64_t to);

/* Names for show output and logs. */
extern const char *vpnha_tunnel_state_name(enum vpnha_tunnel_state s);
extern const char *vpnha_route_reason_name(enum vpnha_route_reason r);

/* Iteration helpers for adapters. */
#define vpnha_each_peer(v, p) frr_each (vpnha_peers, &(v)->peers, (p))
#define vpnha_each_tunnel(v, t) frr_each (vpnha_tunnels, &(v)->tunnels, (t))
#define vpnha_each_route(v, r) frr_each (vpnha_routes, &(v)->routes, (r))
#define vpnha_each_path(v, p) frr_each (vpnha_paths, &(v)->paths, (p))

/* A tunnel's routes, by prefix (vpnha->routes_bytun). */
static inline struct vpnha_route *vpnha_tunnel_route_first(struct vpnha *v,
							   const char *tunnel)
{
	struct vpnha_route key = {}, *r;

	strlcpy(key.tunnel, tunnel, sizeof(key.tunnel));
	r = vpnha_routes_bytun_find_gteq(&v->routes_bytun, &key);
	return r && strcmp(r->tunnel, tunnel) == 0 ? r : NULL;
}

static inline struct vpnha_route *vpnha_tunnel_route_next(struct vpnha *v,
							  const char *tunnel,
							  struct vpnha_route *r)
{
	r = vpnha_routes_bytun_next(&v->routes_bytun, r);
	return r && strcmp(r->tunnel, tunnel) == 0 ? r : NULL;
}

#define vpnha_each_tunnel_route(v, t, r)                                       \
	for ((r) = vpnha_tunnel_route_first((v), (t)->name); (r);              \
	     (r) = vpnha_tunnel_route_next((v), (t)->name, (r)))

#ifdef __cplusplus
}
#endif

#endif /* _FRR_VPNHA_H */
