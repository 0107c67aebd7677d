// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CUnit tests of the vpnhad core: weight -> distance, route selection
 * per prefix, the tunnel state machine's effect on routes, zebra
 * (re)connect replay, install notifications and the failover timeline,
 * and the validation rules of the frr-vpnhad YANG module (loaded with
 * libyang, no daemon).
 *
 * The core is linked without zebra: a fake RIB records what would be
 * sent.
 */
#include <zebra.h>

#include <libyang/libyang.h>

#include "lib/checksum.h"
#include "lib/debug.h"

#include "vpnha.h"
#include "vpnha_cunit.h"

/* Fake clock --------------------------------------------------------------- */

static int64_t fake_now_us = 1000000;

static int64_t fake_now(void)
{
	return fake_now_us;
}

/*
 * Fake RIB: what zebra holds, keyed by (prefix, distance) in the main
 * table (ZEBRA_FLAG_RR_USE_DISTANCE) and by prefix in another table (an
 * advertise-table route, sent without that flag). ----------------------- */

#define RIB_MAX 32

struct rib_entry {
	bool used;
	char vrf[VPNHA_VRF_NAMSIZ];
	struct prefix p;
	uint32_t table;
	uint8_t distance;
	unsigned int nh_num;
	ifindex_t nh[VPNHA_ECMP_MAX];
};

static struct rib_entry rib[RIB_MAX];
static unsigned int rib_adds, rib_dels;

static struct rib_entry *rib_find_vrf(const char *vrf, const struct prefix *p,
				      uint32_t table, uint8_t distance)
{
	for (int i = 0; i < RIB_MAX; i++)
		if (rib[i].used && !strcmp(rib[i].vrf, vrf) &&
		    prefix_same(&rib[i].p, p) && rib[i].table == table &&
		    (table || rib[i].distance == distance))
			return &rib[i];
	return NULL;
}

static struct rib_entry *rib_find(const struct prefix *p, uint32_t table,
				  uint8_t distance)
{
	return rib_find_vrf(VPNHA_VRF_DEFAULT, p, table, distance);
}

static bool fake_route_add(const struct vpnha_path *path)
{
	struct rib_entry *e = rib_find_vrf(path->vrf, &path->prefix,
					   path->table, path->distance);

	for (int i = 0; !e && i < RIB_MAX; i++)
		if (!rib[i].used)
			e = &rib[i];
	CU_ASSERT_FATAL(e != NULL);
	e->used = true;
	strlcpy(e->vrf, path->vrf, sizeof(e->vrf));
	prefix_copy(&e->p, &path->prefix);
	e->table = path->table;
	e->distance = path->distance;
	e->nh_num = path->nh_num;
	memcpy(e->nh, path->nh_ifindex, sizeof(e->nh));
	rib_adds++;
	return true;
}

static bool fake_route_del(const struct vpnha_path *path)
{
	struct rib_entry *e = rib_find_vrf(path->vrf, &path->prefix,
					   path->table, path->distance);

	/*
	 * A delete must carry the distance of an existing route; in an
	 * advertise table it may also be a route vpnhad does not know of
	 * (zebra ignores it when absent).
	 */
	if (!path->table)
		CU_ASSERT_PTR_NOT_NULL(e);
	if (e)
		e->used = false;
	rib_dels++;
	return true;
}

static unsigned int rib_completes;

static void fake_update_complete(void)
{
	rib_completes++;
}

/* Leftover deletes: how many, and what had been sent before the last. */
static unsigned int rib_leftovers, leftover_adds, leftover_completes;
static struct prefix leftover_last;

static void fake_leftover_del(const char *vrf, const struct prefix *p)
{
	rib_leftovers++;
	leftover_adds = rib_adds;
	leftover_completes = rib_completes;
	prefix_copy(&leftover_last, p);
}

/* Fast reroutes asked for: how many, the last, and the withdrawals sent
 * before it. */
static struct {
	unsigned int n;
	const struct vpnha_tunnel *from, *to;
	unsigned int dels;
} reroute;

static void fake_tunnel_reroute(const struct vpnha_tunnel *from,
				const struct vpnha_tunnel *to)
{
	reroute.n++;
	reroute.from = from;
	reroute.to = to;
	reroute.dels = rib_dels;
}

static const struct vpnha_rib_ops fake_rib = {
	.route_add = fake_route_add,
	.route_del = fake_route_del,
	.update_complete = fake_update_complete,
	.leftover_del = fake_leftover_del,
	.tunnel_reroute = fake_tunnel_reroute,
};

static unsigned int rib_count(void)
{
	unsigned int n = 0;

	for (int i = 0; i < RIB_MAX; i++)
		n += rib[i].used;
	return n;
}

/* The lowest-distance main-table entry for a prefix: what zebra would
 * select. */
static struct rib_entry *rib_best_vrf(const char *vrf, const struct prefix *p)
{
	struct rib_entry *best = NULL;

	for (int i = 0; i < RIB_MAX; i++)
		if (rib[i].used && !strcmp(rib[i].vrf, vrf) &&
		    prefix_same(&rib[i].p, p) && !rib[i].table &&
		    (!best || rib[i].distance < best->distance))
			best = &rib[i];
	return best;
}

static struct rib_entry *rib_best(const struct prefix *p)
{
	return rib_best_vrf(VPNHA_VRF_DEFAULT, p);
}

/* Scheme fixture ----------------------------------------------------------- */

static struct vpnha *v;
static struct prefix remote;
static struct vpnha_tunnel *primary, *backup;

#define IF_PRIMARY 11
#define IF_BACKUP 12

static void hc_enable(struct vpnha_tunnel *t, uint8_t type,
		      uint32_t hold_down_ms, bool preempt);

/* The README scheme; with hold, as at a daemon start (start-up hold). */
static void scheme_setup_hold(bool hold, bool hc_primary)
{
	memset(rib, 0, sizeof(rib));
	rib_adds = rib_dels = rib_completes = rib_leftovers = 0;
	v = vpnha_new(&fake_rib, NULL, NULL, fake_now);
	if (hold)
		vpnha_rib_hold(v);
	vpnha_rib_connected(v);

	vpnha_peer_add(v, "cloud-a");
	vpnha_peer_add(v, "cloud-b");
	primary = vpnha_tunnel_add(v, "primary");
	strlcpy(primary->peer, "cloud-a", sizeof(primary->peer));
	vpnha_tunnel_set_ifname(v, primary, "vti1");
	backup = vpnha_tunnel_add(v, "backup");
	strlcpy(backup->peer, "cloud-b", sizeof(backup->peer));
	vpnha_tunnel_set_ifname(v, backup, "vti2");

	str2prefix("10.20.0.0/16", &remote);
	vpnha_route_add(v, &remote, "primary", 0);
	vpnha_route_add(v, &remote, "backup", 100);
	vpnha_recompute(v);
	if (hc_primary)
		hc_enable(primary, VPNHA_HC_TYPE_ICMP, 0, true);

	vpnha_interface_update(v, "vti1", IF_PRIMARY, true);
	vpnha_interface_update(v, "vti2", IF_BACKUP, true);
}

static void scheme_setup(void)
{
	scheme_setup_hold(false, false);
}

static void scheme_teardown(void)
{
	vpnha_free(v);
	v = NULL;
	/* Freeing withdraws everything. */
	CU_ASSERT_EQUAL(rib_count(), 0);
}

/* The runner's teardown: a test stopped by a fatal assertion left its
 * scheme up. */
static void model_teardown(void)
{
	if (v)
		scheme_teardown();
}

/* Health events ------------------------------------------------------------ */

/*
 * Tests drive the tunnels' health only through the core's entry points:
 * probes built by vpnha_tunnel_tick(), their replies (real packets) fed
 * to vpnha_tunnel_probe_input(), BFD events to vpnha_tunnel_external().
 */
static void hc_enable(struct vpnha_tunnel *t, uint8_t type,
		      uint32_t hold_down_ms, bool preempt)
{
	t->hc_enabled = true;
	t->hc.type = type;
	str2ipaddr("169.254.1.1", &t->hc.source);
	str2ipaddr(t == primary ? "169.254.1.2" : "169.254.2.2",
		   &t->hc.destination);
	t->hc.interval_ms = 100;
	t->hc.timeout_ms = 200;
	t->hc.miss_count = 3;
	t->hc.recovery_count = 2;
	t->hc.hold_down_ms = hold_down_ms;
	t->hc.preempt = preempt;
	vpnha_tunnel_hc_changed(v, t);
}

static void hc_event(struct vpnha_tunnel *t, bool up)
{
	vpnha_tunnel_external(v, t, up, fake_now_us);
}

/* The echo reply a raw IPv4 socket reads for probe o, from src. */
static size_t hc_reply(const struct vpnha_tunnel *t,
		       const struct vpnha_probe_out *o, const char *src,
		       uint8_t *pkt)
{
	size_t total = 20 + o->len;
	uint16_t sum;

	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	pkt[2] = total >> 8;
	pkt[3] = total & 0xff;
	pkt[8] = 64;
	pkt[9] = IPPROTO_ICMP;
	if (src)
		inet_pton(AF_INET, src, pkt + 12);
	else
		memcpy(pkt + 12, &t->hc.destination.ipaddr_v4, 4);
	memcpy(pkt + 16, &t->hc.source.ipaddr_v4, 4);
	memcpy(pkt + 20, o->buf, o->len);
	pkt[20] = 0; /* echo reply */
	pkt[22] = pkt[23] = 0;
	sum = in_cksum(pkt + 20, o->len);
	memcpy(pkt + 22, &sum, sizeof(sum));
	return total;
}

static void hc_input(struct vpnha_tunnel *t, const uint8_t *pkt, size_t n)
{
	vpnha_tunnel_probe_input(v, t, pkt, n, NULL, t->ifindex, NULL,
				 fake_now_us);
}

static int64_t hc_next_send;
static struct vpnha_probe_out hc_last; /* the last probe sent */

/*
 * Run t's health check for ms milliseconds in 10 ms steps: a probe
 * every interval, answered 10 ms later or not at all.  Stops early when
 * t reaches state stop (unless VPNHA_TUNNEL_INIT).
 */
static void hc_run(struct vpnha_tunnel *t, int64_t ms, bool answer,
		   enum vpnha_tunnel_state stop)
{
	int64_t end = fake_now_us + ms * 1000;
	bool pending = false;
	struct vpnha_probe_out o = {};

	if (hc_next_send < fake_now_us)
		hc_next_send = fake_now_us;
	while (fake_now_us < end) {
		fake_now_us += 10000;
		if (pending) {
			uint8_t pkt[128];

			hc_input(t, pkt, hc_reply(t, &o, NULL, pkt));
			pending = false;
		}
		bool due = fake_now_us >= hc_next_send;

		/* Regular probes, and the confirmation probes the core asks
		 * for (see vpnha_health.h, Detection). */
		memset(&o, 0, sizeof(o));
		vpnha_tunnel_tick(v, t, fake_now_us, due, &o);
		if (due) {
			CU_ASSERT_EQUAL_FATAL(o.len, VPNHA_PROBE_LEN);
			hc_next_send += t->hc.interval_ms * 1000;
		}
		if (o.len) {
			hc_last = o;
			pending = answer;
		}
		if (stop != VPNHA_TUNNEL_INIT && t->state == stop)
			return;
	}
}

/* Fake probe adapter: records what the core asks it to arm. */
static struct {
	struct vpnha_tunnel *t;
	int64_t deadline;
	unsigned int n;
} rearm;

static void fake_rearm(struct vpnha_tunnel *t, int64_t deadline)
{
	rearm.t = t;
	rearm.deadline = deadline;
	rearm.n++;
}

static const struct vpnha_io_ops fake_io = {
	.tunnel_rearm = fake_rearm,
};

/* Tests -------------------------------------------------------------------- */

static void test_distance(void)
{
	struct vpnha *x = vpnha_new(&fake_rib, NULL, NULL, fake_now);

	CU_ASSERT_EQUAL(vpnha_distance(x, 0), 1);
	CU_ASSERT_EQUAL(vpnha_distance(x, 100), 101);
	x->distance_base = 155;
	CU_ASSERT_EQUAL(vpnha_distance(x, 100), 255);
	x->distance_base = 10;
	CU_ASSERT_EQUAL(vpnha_distance(x, 50), 60);
	vpnha_free(x);
}

static void test_prefix_parse(void)
{
	struct prefix p;
	char err[128];

	CU_ASSERT_EQUAL(
		vpnha_route_prefix_parse("10.20.0.0/16", &p, err, sizeof(err)),
		0);
	CU_ASSERT_EQUAL(p.prefixlen, 16);
	CU_ASSERT_EQUAL(
		vpnha_route_prefix_parse("2001:db8::/32", &p, err, sizeof(err)),
		0);
	CU_ASSERT_EQUAL(p.family, AF_INET6);

	CU_ASSERT_EQUAL(
		vpnha_route_prefix_parse("10.20.0.0/33", &p, err, sizeof(err)),
		-1);
	VPNHA_CU_MSG_EQUAL(
		err,
		"route prefix '10.20.0.0/33' is malformed: expected A.B.C.D/M or X:X::X:X/M");
	CU_ASSERT_EQUAL(
		vpnha_route_prefix_parse("10.20.0.0/16x", &p, err, sizeof(err)),
		-1);
	VPNHA_CU_MSG_EQUAL(
		err,
		"route prefix '10.20.0.0/16x' is malformed: expected A.B.C.D/M or X:X::X:X/M");
	CU_ASSERT_EQUAL(
		vpnha_route_prefix_parse("10.20.0.0", &p, err, sizeof(err)),
		-1);
	VPNHA_CU_MSG_EQUAL(
		err,
		"route prefix '10.20.0.0' is malformed: expected A.B.C.D/M or X:X::X:X/M");
	CU_ASSERT_EQUAL(vpnha_route_prefix_parse("bogus", &p, err, sizeof(err)),
			-1);
	VPNHA_CU_MSG_EQUAL(
		err,
		"route prefix 'bogus' is malformed: expected A.B.C.D/M or X:X::X:X/M");
	CU_ASSERT_EQUAL(
		vpnha_route_prefix_parse("10.20.1.0/16", &p, err, sizeof(err)),
		-1);
	VPNHA_CU_MSG_EQUAL(
		err,
		"route prefix 10.20.1.0/16 has host bits set (did you mean 10.20.0.0/16?)");
}

static void test_both_up(void)
{
	struct rib_entry *e;

	scheme_setup();
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(backup->state, VPNHA_TUNNEL_UP);
	/* Both routes in zebra, with distinct distances. */
	CU_ASSERT_EQUAL(rib_count(), 2);
	e = rib_find(&remote, 0, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->nh_num, 1);
	CU_ASSERT_EQUAL(e->nh[0], IF_PRIMARY);
	e = rib_find(&remote, 0, 101);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->nh[0], IF_BACKUP);
	CU_ASSERT_PTR_EQUAL(vpnha_prefix_active_tunnel(v, &remote), primary);
	scheme_teardown();
}

static void test_no_resend_when_unchanged(void)
{
	unsigned int adds;

	scheme_setup();
	adds = rib_adds;
	vpnha_recompute(v);
	vpnha_interface_update(v, "vti1", IF_PRIMARY, true);
	CU_ASSERT_EQUAL(rib_adds, adds);
	scheme_teardown();
}

static void test_shutdown_primary(void)
{
	scheme_setup();
	vpnha_tunnel_set_shutdown(v, primary, true);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_ADMIN_DOWN);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	CU_ASSERT_PTR_EQUAL(vpnha_prefix_active_tunnel(v, &remote), backup);
	CU_ASSERT_NOT_EQUAL(primary->timeline.declared_down, 0);
	CU_ASSERT_NOT_EQUAL(primary->timeline.withdraw_sent, 0);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_TUNNEL_ADMIN_DOWN);

	vpnha_tunnel_set_shutdown(v, primary, false);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_count(), 2);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	scheme_teardown();
}

static void test_interface_down(void)
{
	scheme_setup();
	vpnha_interface_update(v, "vti1", IF_PRIMARY, false);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	/* A failover like any other: counted, with its timeline. */
	CU_ASSERT_EQUAL(primary->stats.failovers, 1);
	CU_ASSERT_EQUAL(primary->timeline.declared_down, fake_now_us);
	CU_ASSERT_EQUAL(primary->timeline.withdraw_sent, fake_now_us);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_INTERFACE_DOWN);
	/* Re-created while up: the route follows the new ifindex. */
	vpnha_interface_update(v, "vti1", IF_PRIMARY, true);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	vpnha_interface_update(v, "vti1", 77, true);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], 77);
	/* Interface gone, comes back with another ifindex. */
	vpnha_interface_update(v, "vti1", IFINDEX_INTERNAL, false);
	vpnha_interface_update(v, "vti1", 42, true);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], 42);
	scheme_teardown();
}

/*
 * A tunnel's state change recomputes only the prefixes it carries
 * (routes indexed by tunnel), and interface events find their tunnels
 * through an index by name.  After every event of a long pseudo-random
 * series over 8 tunnels and 6 prefixes, a full recompute must find
 * nothing left to send, and the indexes must agree with a sweep.
 */
static void test_scoped_recompute_complete(void)
{
	struct vpnha_tunnel *t[8];
	struct prefix p[6];
	/* (prefix, tunnel, weight): single, shared, ECMP, three-way. */
	static const uint8_t routes[][3] = {
		{0, 0, 0}, {0, 1, 100}, {1, 1, 0},  {1, 2, 0},	{1, 3, 50},
		{2, 2, 0}, {3, 3, 0},	{3, 4, 10}, {3, 5, 20}, {4, 5, 0},
		{4, 6, 0}, {4, 7, 0},	{5, 7, 30},
	};
	uint32_t rnd = 12345;
	char name[16];

	memset(rib, 0, sizeof(rib));
	rib_adds = rib_dels = 0;
	v = vpnha_new(&fake_rib, NULL, NULL, fake_now);
	vpnha_rib_connected(v);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		t[i] = vpnha_tunnel_add(v, name);
		snprintf(name, sizeof(name), "vti%d", i);
		vpnha_tunnel_set_ifname(v, t[i], name);
	}
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "10.%d.0.0/16", i);
		str2prefix(name, &p[i]);
	}
	for (size_t i = 0; i < array_size(routes); i++)
		vpnha_route_add(v, &p[routes[i][0]], t[routes[i][1]]->name,
				routes[i][2]);
	vpnha_recompute(v);
	for (int i = 0; i < 8; i++)
		vpnha_interface_update(v, t[i]->ifname, 100 + i, true);

	for (int step = 0; step < 400; step++) {
		struct vpnha_tunnel *x, *y, *o;
		unsigned int adds, dels;

		rnd = rnd * 1103515245 + 12345;
		x = t[(rnd >> 8) % 8];
		switch ((rnd >> 16) % 5) {
		case 0:
			vpnha_tunnel_set_shutdown(v, x, !x->shutdown);
			break;
		case 1:
			vpnha_interface_update(v, x->ifname, x->ifindex,
					       !x->if_up);
			break;
		case 2: /* gone, or back with another ifindex */
			vpnha_interface_update(v, x->ifname,
					       x->ifindex == IFINDEX_INTERNAL
						       ? (ifindex_t)(200 + step)
						       : IFINDEX_INTERNAL,
					       x->ifindex == IFINDEX_INTERNAL);
			break;
		case 3: /* swap two tunnels' interfaces, as one commit would */
			y = t[(rnd >> 24) % 8];
			if (x == y)
				break;
			strlcpy(name, x->ifname, sizeof(name));
			vpnha_tunnel_set_ifname(v, x, y->ifname);
			vpnha_tunnel_set_ifname(v, y, name);
			vpnha_interface_update(v, x->ifname, 300 + step, true);
			vpnha_interface_update(v, y->ifname, 400 + step, true);
			break;
		default:
			vpnha_route_set_weight(
				v,
				vpnha_tunnel_route_first(v, x->name)
					? vpnha_tunnel_route_first(v, x->name)
					: vpnha_routes_first(&v->routes),
				(rnd >> 4) % 101);
			vpnha_recompute(v);
			break;
		}
		adds = rib_adds;
		dels = rib_dels;
		vpnha_recompute(v);
		CU_ASSERT_EQUAL(rib_adds, adds);
		CU_ASSERT_EQUAL(rib_dels, dels);

		for (int i = 0; i < 8; i++) {
			struct vpnha_route *r;
			unsigned int n = 0;

			vpnha_each_route (v, r)
				if (r->installed &&
				    strcmp(r->tunnel, t[i]->name) == 0)
					n++;
			CU_ASSERT_EQUAL(vpnha_tunnel_routes_installed(v, t[i]),
					n);
			o = NULL;
			vpnha_each_tunnel (v, y)
				if (!o && strcmp(y->ifname, t[i]->ifname) == 0)
					o = y;
			CU_ASSERT_PTR_EQUAL(
				vpnha_tunnel_find_ifname(v, t[i]->ifname), o);
		}
	}
	vpnha_free(v);
	v = NULL;
	CU_ASSERT_EQUAL(rib_count(), 0);
}

static void test_health_down_timeline(void)
{
	unsigned int tr0;

	scheme_setup();
	hc_enable(primary, VPNHA_HC_TYPE_ICMP, 1000, true);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_INIT);
	/* Up on the first reply; the RTT estimate drives detection from
	 * its VPNHA_HC_DETECT_SAMPLES-th sample on. */
	hc_run(primary, 300, true, VPNHA_TUNNEL_INIT);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(vpnha_health_detect_us(&primary->health), 200000);
	hc_run(primary, 600, true, VPNHA_TUNNEL_INIT);
	CU_ASSERT(vpnha_health_detect_us(&primary->health) < 200000);
	tr0 = primary->stats.transitions;

	/* Silence: down on the third consecutive loss. */
	hc_run(primary, 2000, false, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_NOT_EQUAL(primary->timeline.last_good, 0);
	CU_ASSERT_EQUAL(primary->timeline.last_good, primary->health.last_good);
	CU_ASSERT_EQUAL(primary->timeline.first_miss,
			primary->health.first_miss);
	CU_ASSERT(primary->timeline.first_miss > primary->timeline.last_good);
	CU_ASSERT_EQUAL(primary->timeline.declared_down, fake_now_us);
	CU_ASSERT_EQUAL(primary->timeline.withdraw_sent, fake_now_us);
	/* Detection (vpnha_health.h): the first probe unanswered for D,
	 * the third one (two confirmations, C = 25 ms apart after the
	 * first) overdue after D: 2 D + 25 ms, plus up to 10 ms at each
	 * of the three steps (hc_run ticks every 10 ms). */
	{
		int64_t d = vpnha_health_detect_us(&primary->health);
		int64_t took = primary->timeline.declared_down -
			       primary->timeline.first_miss;
		char want[80];

		CU_ASSERT(d >= 20000 && d <= 25000);
		CU_ASSERT(took >= 2 * d + 25000 && took <= 2 * d + 55000);
		CU_ASSERT(primary->health.dead_at <=
			  primary->timeline.declared_down);
		snprintf(want, sizeof(want),
			 "3 consecutive misses, last reply %lld ms before",
			 (long long)(primary->health.dead_at -
				     primary->health.last_good) /
				 1000);
		VPNHA_CU_MSG_EQUAL(primary->reason, want);
	}
	CU_ASSERT_EQUAL(primary->timeline.switched, 0);
	CU_ASSERT_EQUAL(primary->stats.failovers, 1);

	/* zebra installs the backup: the failover is complete. */
	fake_now_us += 400;
	vpnha_rib_notify(v, &remote, true);
	CU_ASSERT_EQUAL(primary->timeline.switched, fake_now_us);
	CU_ASSERT_TRUE(vpnha_route_selected(
		v, vpnha_route_find(v, &remote, "backup")));

	/* Recovering: routes stay withdrawn until the verdict is ALIVE. */
	hc_run(primary, 1000, true, VPNHA_TUNNEL_RECOVERING);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_RECOVERING);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_TUNNEL_RECOVERING);
	hc_run(primary, 1500, true, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_count(), 2);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	CU_ASSERT_EQUAL(primary->stats.transitions - tr0, 3);
	scheme_teardown();
}

/*
 * advertise-table: one route per prefix in that table, the lowest
 * distance of the usable tunnels' routes; none while every tunnel is
 * down (even when keep-best keeps a main-table route); it follows a
 * change of table and goes with the configuration.
 */
static void test_adv_table(void)
{
	struct rib_entry *e;
	const struct vpnha_path *adv;

	scheme_setup();
	CU_ASSERT_PTR_NULL(vpnha_adv_path(v, &remote));
	CU_ASSERT_PTR_NULL(rib_find(&remote, 100, 0));
	vpnha_set_adv_table(v, 100);
	vpnha_recompute(v);
	e = rib_find(&remote, 100, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->distance, 1);
	CU_ASSERT_EQUAL(e->nh_num, 1);
	CU_ASSERT_EQUAL(e->nh[0], IF_PRIMARY);
	CU_ASSERT_EQUAL(rib_count(), 3);
	adv = vpnha_adv_path(v, &remote);
	CU_ASSERT_PTR_NOT_NULL_FATAL(adv);
	CU_ASSERT_EQUAL(adv->table, 100);
	/* The main table is untouched: both routes, primary best. */
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	CU_ASSERT_PTR_NOT_NULL(rib_find(&remote, 0, 101));

	/* Nothing changed: nothing sent. */
	rib_adds = rib_dels = 0;
	vpnha_recompute(v);
	CU_ASSERT_EQUAL(rib_adds + rib_dels, 0);

	/*
	 * zebra's import of the copy beats our route: the main table's
	 * "not installed" is not taken, the copy's install stands for the
	 * prefix's; another table's or a failure's notification is not.
	 */
	vpnha_rib_notify(v, &remote, false);
	CU_ASSERT_FALSE(vpnha_route_selected(
		v, vpnha_route_find(v, &remote, "primary")));
	vpnha_rib_notify_adv(v, &remote, 200, true);
	vpnha_rib_notify_adv(v, &remote, 100, false);
	CU_ASSERT_FALSE(vpnha_route_selected(
		v, vpnha_route_find(v, &remote, "primary")));
	vpnha_rib_notify_adv(v, &remote, 100, true);
	CU_ASSERT_TRUE(vpnha_route_selected(
		v, vpnha_route_find(v, &remote, "primary")));
	vpnha_rib_notify(v, &remote, false);
	CU_ASSERT_TRUE(vpnha_route_selected(
		v, vpnha_route_find(v, &remote, "primary")));

	/* The primary fails: the backup's route replaces it in place. */
	hc_enable(primary, VPNHA_HC_TYPE_BFD, 0, true);
	hc_enable(backup, VPNHA_HC_TYPE_BFD, 0, true);
	hc_event(primary, true);
	hc_event(backup, true);
	hc_event(primary, false);
	e = rib_find(&remote, 100, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->distance, 101);
	CU_ASSERT_EQUAL(e->nh[0], IF_BACKUP);
	CU_ASSERT_EQUAL(rib_count(), 2);
	/* The copy's install closes the failover's timeline. */
	CU_ASSERT_EQUAL(primary->timeline.switched, 0);
	fake_now_us += 5000;
	vpnha_rib_notify_adv(v, &remote, 100, true);
	CU_ASSERT_NOT_EQUAL(primary->timeline.switched, 0);
	CU_ASSERT_TRUE(vpnha_route_selected(
		v, vpnha_route_find(v, &remote, "backup")));

	/* Both down: keep-best keeps the main route, nothing advertised. */
	hc_event(backup, false);
	CU_ASSERT_PTR_NULL(rib_find(&remote, 100, 0));
	CU_ASSERT_PTR_NULL(vpnha_adv_path(v, &remote));
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_KEPT_ALL_DOWN);
	CU_ASSERT_EQUAL(rib_count(), 1);

	/* The backup back: advertised again, then the primary. */
	hc_event(backup, true);
	CU_ASSERT_EQUAL(rib_find(&remote, 100, 0)->nh[0], IF_BACKUP);
	hc_event(primary, true);
	CU_ASSERT_EQUAL(rib_find(&remote, 100, 0)->nh[0], IF_PRIMARY);
	CU_ASSERT_EQUAL(rib_find(&remote, 100, 0)->distance, 1);

	/* Another table: withdrawn from the old one, sent to the new. */
	vpnha_set_adv_table(v, 200);
	CU_ASSERT_TRUE(vpnha_rib_notify_adv_table(v, 200));
	CU_ASSERT_TRUE(vpnha_rib_notify_adv_table(v, 100));
	CU_ASSERT_FALSE(vpnha_rib_notify_adv_table(v, 0));
	CU_ASSERT_FALSE(vpnha_rib_notify_adv_table(v, 254));
	vpnha_recompute(v);
	CU_ASSERT_PTR_NULL(rib_find(&remote, 100, 0));
	CU_ASSERT_PTR_NOT_NULL(rib_find(&remote, 200, 0));

	/* zebra reconnects: the advertised route is replayed too. */
	vpnha_rib_disconnected(v);
	memset(rib, 0, sizeof(rib));
	vpnha_rib_connected(v);
	CU_ASSERT_PTR_NOT_NULL(rib_find(&remote, 200, 0));
	CU_ASSERT_EQUAL(rib_count(), 3);

	/*
	 * A copy an earlier vpnhad left (zebra's graceful-restart sweep
	 * skips other tables): withdrawn at the replay when the prefix is
	 * not advertised.
	 */
	hc_event(primary, false);
	hc_event(backup, false);
	CU_ASSERT_PTR_NULL(rib_find(&remote, 200, 0));
	vpnha_rib_disconnected(v);
	e = NULL;
	for (int i = 0; !e && i < RIB_MAX; i++)
		if (!rib[i].used)
			e = &rib[i];
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	*e = (struct rib_entry){.used = true,
				.table = 200,
				.distance = 10,
				.vrf = VPNHA_VRF_DEFAULT};
	prefix_copy(&e->p, &remote);
	vpnha_rib_connected(v);
	CU_ASSERT_PTR_NULL(rib_find(&remote, 200, 0));
	hc_event(primary, true);
	hc_event(backup, true);
	CU_ASSERT_EQUAL(rib_find(&remote, 200, 0)->nh[0], IF_PRIMARY);

	/* Off: withdrawn; the main table keeps both routes. */
	vpnha_set_adv_table(v, 0);
	vpnha_recompute(v);
	CU_ASSERT_PTR_NULL(rib_find(&remote, 200, 0));
	CU_ASSERT_EQUAL(rib_count(), 2);

	/* On again; freeing withdraws it with the rest (teardown). */
	vpnha_set_adv_table(v, 100);
	vpnha_recompute(v);
	CU_ASSERT_EQUAL(rib_count(), 3);
	scheme_teardown();
}

static void test_all_down_keep_best(void)
{
	scheme_setup();
	hc_enable(primary, VPNHA_HC_TYPE_BFD, 0, true);
	hc_enable(backup, VPNHA_HC_TYPE_BFD, 0, true);
	hc_event(backup, false);
	hc_event(primary, false);
	/* Default keep-best: the primary's route stays. */
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(rib_best(&remote)->distance, 1);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_KEPT_ALL_DOWN);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "backup")->reason,
			VPNHA_RR_TUNNEL_DOWN);

	/* withdraw: nothing left, a less specific route takes over. */
	v->all_down = VPNHA_ALL_DOWN_WITHDRAW;
	vpnha_recompute(v);
	CU_ASSERT_EQUAL(rib_count(), 0);

	/* The backup comes back: it alone carries the prefix. */
	hc_event(backup, true);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(rib_best(&remote)->distance, 101);
	scheme_teardown();
}

static void test_keep_best_honours_shutdown(void)
{
	scheme_setup();
	vpnha_tunnel_set_shutdown(v, primary, true);
	hc_enable(backup, VPNHA_HC_TYPE_BFD, 0, true);
	hc_event(backup, false);
	/* Primary shut: keep-best keeps the backup, never the shut one. */
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(rib_best(&remote)->distance, 101);
	scheme_teardown();
}

static void test_ecmp(void)
{
	struct vpnha_tunnel *third;
	struct rib_entry *e;

	scheme_setup();
	third = vpnha_tunnel_add(v, "third");
	vpnha_tunnel_set_ifname(v, third, "vti3");
	vpnha_interface_update(v, "vti3", 13, true);
	vpnha_route_add(v, &remote, "third", 0);
	vpnha_recompute(v);
	/* Equal weights: one zebra route with two nexthops. */
	e = rib_find(&remote, 0, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->nh_num, 2);
	CU_ASSERT_EQUAL(rib_count(), 2);

	vpnha_tunnel_set_shutdown(v, primary, true);
	e = rib_find(&remote, 0, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->nh_num, 1);
	CU_ASSERT_EQUAL(e->nh[0], 13);
	scheme_teardown();
}

/*
 * fast-reroute: when a tunnel fails, the adapter is told where all its
 * prefixes go, before the first withdrawal; only when every prefix it
 * carried alone goes to the same tunnel, alone and known up.
 */
static void test_fast_reroute(void)
{
	struct vpnha_tunnel *third;
	struct prefix other;
	unsigned int adds, dels;

	scheme_setup();
	memset(&reroute, 0, sizeof(reroute));
	/* Off: never asked. */
	vpnha_set_fast_reroute(v, false);
	vpnha_recompute(v);
	vpnha_tunnel_set_shutdown(v, primary, true);
	vpnha_tunnel_set_shutdown(v, primary, false);
	CU_ASSERT_EQUAL(reroute.n, 0);

	/* On: every path is sent again. */
	adds = rib_adds;
	vpnha_set_fast_reroute(v, true);
	vpnha_recompute(v);
	CU_ASSERT_EQUAL(rib_adds - adds, 2);
	CU_ASSERT_EQUAL(rib_count(), 2);

	/* Shutdown, then interface down: to the backup, before the
	 * withdrawal. */
	dels = rib_dels;
	vpnha_tunnel_set_shutdown(v, primary, true);
	CU_ASSERT_EQUAL(reroute.n, 1);
	CU_ASSERT_PTR_EQUAL(reroute.from, primary);
	CU_ASSERT_PTR_EQUAL(reroute.to, backup);
	CU_ASSERT_EQUAL(reroute.dels, dels);
	CU_ASSERT_EQUAL(rib_dels, dels + 1);
	vpnha_tunnel_set_shutdown(v, primary, false);
	dels = rib_dels;
	vpnha_interface_update(v, "vti1", IF_PRIMARY, false);
	CU_ASSERT_EQUAL(reroute.n, 2);
	CU_ASSERT_PTR_EQUAL(reroute.to, backup);
	CU_ASSERT_EQUAL(reroute.dels, dels);
	vpnha_interface_update(v, "vti1", IF_PRIMARY, true);

	/* The backup failing carries nothing alone: not asked. */
	vpnha_tunnel_set_shutdown(v, backup, true);
	CU_ASSERT_EQUAL(reroute.n, 2);
	/* Nowhere to go (backup down): not asked. */
	vpnha_tunnel_set_shutdown(v, primary, true);
	CU_ASSERT_EQUAL(reroute.n, 2);
	vpnha_tunnel_set_shutdown(v, primary, false);
	vpnha_tunnel_set_shutdown(v, backup, false);

	/* Another prefix of the primary's goes elsewhere: not asked. */
	third = vpnha_tunnel_add(v, "third");
	vpnha_tunnel_set_ifname(v, third, "vti3");
	vpnha_interface_update(v, "vti3", 13, true);
	str2prefix("10.30.0.0/16", &other);
	vpnha_route_add(v, &other, "primary", 0);
	vpnha_route_add(v, &other, "third", 50);
	vpnha_recompute(v);
	vpnha_tunnel_set_shutdown(v, primary, true);
	CU_ASSERT_EQUAL(reroute.n, 2);
	vpnha_tunnel_set_shutdown(v, primary, false);
	/* Both go to the third: asked, to the third. */
	vpnha_route_add(v, &remote, "third", 50);
	vpnha_recompute(v);
	vpnha_tunnel_set_shutdown(v, primary, true);
	CU_ASSERT_EQUAL(reroute.n, 3);
	CU_ASSERT_PTR_EQUAL(reroute.to, third);
	vpnha_tunnel_set_shutdown(v, primary, false);
	/* ECMP next (backup and third both at 50 for one prefix): not
	 * asked. */
	vpnha_route_set_weight(v, vpnha_route_find(v, &remote, "backup"), 50);
	vpnha_recompute(v);
	vpnha_tunnel_set_shutdown(v, primary, true);
	CU_ASSERT_EQUAL(reroute.n, 3);
	vpnha_tunnel_set_shutdown(v, primary, false);
	/* Next tunnel of unknown health (init): not asked. */
	vpnha_route_set_weight(v, vpnha_route_find(v, &remote, "backup"), 100);
	vpnha_recompute(v);
	hc_enable(third, VPNHA_HC_TYPE_ICMP, 0, true);
	CU_ASSERT_EQUAL(third->state, VPNHA_TUNNEL_INIT);
	vpnha_tunnel_set_shutdown(v, primary, true);
	CU_ASSERT_EQUAL(reroute.n, 3);
	scheme_teardown();
}

static void test_reconnect_replay(void)
{
	unsigned int adds;

	scheme_setup();
	/* zebra restarts: it forgets our routes. */
	vpnha_rib_disconnected(v);
	memset(rib, 0, sizeof(rib));
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_ZEBRA_DOWN);
	/* Nothing is sent while disconnected. */
	adds = rib_adds;
	vpnha_tunnel_set_shutdown(v, backup, true);
	vpnha_tunnel_set_shutdown(v, backup, false);
	CU_ASSERT_EQUAL(rib_adds, adds);

	rib_leftovers = rib_completes = 0;
	adds = rib_adds;
	vpnha_rib_connected(v);
	CU_ASSERT_EQUAL(rib_count(), 2);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	/*
	 * What a killed zebra left in the kernel is cleared once per prefix
	 * (two routes, one prefix), after our routes are in (no gap), before
	 * the update is complete.
	 */
	CU_ASSERT_EQUAL(rib_leftovers, 1);
	CU_ASSERT(prefix_same(&leftover_last, &remote));
	CU_ASSERT_EQUAL(leftover_adds, adds + 2);
	CU_ASSERT_EQUAL(leftover_completes, 0);
	CU_ASSERT_EQUAL(rib_completes, 1);
	scheme_teardown();
}

/*
 * SIGUSR2 (stop for good): every route withdrawn exactly once -- the
 * fake RIB fails a delete of a route it does not hold, so the duplicate
 * deletes the clearing used to send after the explicit ones show here --
 * and zebra told the update is complete.
 */
static void test_withdraw_all(void)
{
	unsigned int dels, completes;

	scheme_setup();
	CU_ASSERT_EQUAL(rib_count(), 2);
	dels = rib_dels;
	completes = rib_completes;
	vpnha_withdraw_all(v);
	CU_ASSERT_EQUAL(rib_count(), 0);
	CU_ASSERT_EQUAL(rib_dels - dels, 2);
	CU_ASSERT_EQUAL(rib_completes - completes, 1);
	CU_ASSERT_EQUAL(vpnha_tunnels_count(&v->tunnels), 0);
	/* Nothing more is sent, not even by freeing. */
	vpnha_free(v);
	v = NULL;
	CU_ASSERT_EQUAL(rib_dels - dels, 2);
}

/*
 * Tunnels in a VRF (issue 15): the same prefix in the default VRF and in
 * VRF cust1 is two independent route sets; an interface counts only in
 * its tunnel's VRF; a tunnel moving VRF takes its routes along.
 */
static void test_vrf(void)
{
	struct vpnha_tunnel *cp, *cb;
	struct vpnha_route *r;

	scheme_setup();
	cp = vpnha_tunnel_add(v, "c-primary");
	vpnha_tunnel_set_ifname(v, cp, "vti11");
	cb = vpnha_tunnel_add(v, "c-backup");
	vpnha_tunnel_set_ifname(v, cb, "vti12");
	vpnha_route_add(v, &remote, "c-primary", 0);
	/* Routes before the VRF is set move with the tunnel. */
	vpnha_tunnel_set_vrf(v, cp, "cust1");
	vpnha_tunnel_set_vrf(v, cb, "cust1");
	r = vpnha_route_add(v, &remote, "c-backup", 100);
	CU_ASSERT_STRING_EQUAL(r->vrf, "cust1");
	CU_ASSERT_STRING_EQUAL(vpnha_route_find(v, &remote, "c-primary")->vrf,
			       "cust1");
	CU_ASSERT_STRING_EQUAL(vpnha_route_find(v, &remote, "primary")->vrf,
			       VPNHA_VRF_DEFAULT);
	vpnha_recompute(v);

	/* The interfaces are still in the default VRF: not the tunnels'. */
	vpnha_interface_update_vrf(v, "vti11", VPNHA_VRF_DEFAULT, 21, true);
	vpnha_interface_update_vrf(v, "vti12", VPNHA_VRF_DEFAULT, 22, true);
	CU_ASSERT_EQUAL(cp->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(cp->ifindex, IFINDEX_INTERNAL);
	CU_ASSERT_STRING_EQUAL(cp->reason,
			       "interface vti11 is not in VRF cust1");
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "c-primary")->reason,
			VPNHA_RR_NO_INTERFACE);
	CU_ASSERT_PTR_NULL(rib_best_vrf("cust1", &remote));
	CU_ASSERT_EQUAL(rib_count(), 2);

	/* Enslaved to cust1 (zebra's vrf-update, then add): up there. */
	vpnha_interface_update_vrf(v, "vti11", "cust1", 21, true);
	vpnha_interface_update_vrf(v, "vti12", "cust1", 22, true);
	CU_ASSERT_EQUAL(cp->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(cb->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_count(), 4);
	CU_ASSERT_EQUAL(rib_best_vrf("cust1", &remote)->nh[0], 21);
	CU_ASSERT_EQUAL(rib_best_vrf("cust1", &remote)->distance, 1);
	CU_ASSERT_PTR_NOT_NULL(rib_find_vrf("cust1", &remote, 0, 101));
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);

	/* Failover in cust1 leaves the default VRF alone, and back. */
	vpnha_tunnel_set_shutdown(v, cp, true);
	CU_ASSERT_EQUAL(rib_best_vrf("cust1", &remote)->nh[0], 22);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	vpnha_rib_notify_vrf(v, "cust1", &remote, true);
	CU_ASSERT_PTR_EQUAL(vpnha_prefix_active_tunnel_vrf(v, "cust1", &remote),
			    cb);
	CU_ASSERT(vpnha_route_selected(
		v, vpnha_route_find(v, &remote, "c-backup")));
	CU_ASSERT_FALSE(vpnha_route_selected(
		v, vpnha_route_find(v, &remote, "primary")));
	CU_ASSERT_PTR_EQUAL(vpnha_prefix_active_tunnel(v, &remote), primary);
	vpnha_tunnel_set_shutdown(v, cp, false);
	CU_ASSERT_EQUAL(rib_best_vrf("cust1", &remote)->nh[0], 21);

	/* advertise-table is of the default VRF: cust1 is not copied. */
	vpnha_set_adv_table(v, 100);
	vpnha_recompute(v);
	CU_ASSERT_PTR_NOT_NULL(rib_find(&remote, 100, 0));
	CU_ASSERT_PTR_NULL(rib_find_vrf("cust1", &remote, 100, 0));
	vpnha_set_adv_table(v, 0);
	vpnha_recompute(v);

	/* Released from the VRF (or the VRF deleted): down, routes gone. */
	vpnha_interface_update_vrf(v, "vti11", VPNHA_VRF_DEFAULT, 21, true);
	CU_ASSERT_EQUAL(cp->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_STRING_EQUAL(cp->reason,
			       "interface vti11 is not in VRF cust1");
	CU_ASSERT_EQUAL(rib_best_vrf("cust1", &remote)->nh[0], 22);
	CU_ASSERT_PTR_NULL(rib_find_vrf("cust1", &remote, 0, 1));
	/* Gone altogether. */
	vpnha_interface_update_vrf(v, "vti11", VPNHA_VRF_DEFAULT,
				   IFINDEX_INTERNAL, false);
	CU_ASSERT_STRING_EQUAL(cp->reason, "interface not found in VRF cust1");

	/* c-backup moves to the default VRF with its route: it joins the
	 * default set (ECMP with backup at 101), cust1 is left empty. */
	vpnha_tunnel_set_vrf(v, cb, VPNHA_VRF_DEFAULT);
	CU_ASSERT_STRING_EQUAL(vpnha_route_find(v, &remote, "c-backup")->vrf,
			       VPNHA_VRF_DEFAULT);
	CU_ASSERT_PTR_NULL(rib_best_vrf("cust1", &remote));
	vpnha_interface_update_vrf(v, "vti12", "cust1", 22, true);
	CU_ASSERT_EQUAL(cb->state, VPNHA_TUNNEL_DOWN);
	vpnha_interface_update_vrf(v, "vti12", VPNHA_VRF_DEFAULT, 22, true);
	CU_ASSERT_EQUAL(cb->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_find(&remote, 0, 101)->nh_num, 2);
	CU_ASSERT_EQUAL(rib_count(), 2);

	scheme_teardown();
}

static void test_route_and_tunnel_delete(void)
{
	struct prefix p6;

	scheme_setup();
	str2prefix("2001:db8:20::/48", &p6);
	vpnha_route_add(v, &p6, "backup", 10);
	vpnha_recompute(v);
	CU_ASSERT_EQUAL(rib_count(), 3);
	CU_ASSERT_PTR_NOT_NULL(rib_find(&p6, 0, 11));

	vpnha_route_del(v, vpnha_route_find(v, &p6, "backup"));
	vpnha_recompute(v);
	CU_ASSERT_EQUAL(rib_count(), 2);

	vpnha_route_del(v, vpnha_route_find(v, &remote, "primary"));
	vpnha_tunnel_del(v, primary);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);

	/* Weight change moves the route to another distance. */
	vpnha_route_set_weight(v, vpnha_route_find(v, &remote, "backup"), 5);
	vpnha_recompute(v);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_PTR_NOT_NULL(rib_find(&remote, 0, 6));
	scheme_teardown();
}

/* YANG validation rules ------------------------------------------------------
 */

static struct ly_ctx *ly;

static int yang_setup(void)
{
	if (ly_ctx_new(VPNHA_YANG_DIR, 0, &ly) != LY_SUCCESS)
		return -1;
	if (!ly_ctx_load_module(ly, "frr-vpnhad", NULL, NULL))
		return -1;
	ly_log_options(LY_LOSTORE_LAST);
	return 0;
}

static int yang_teardown(void)
{
	ly_ctx_destroy(ly);
	return 0;
}

#define SCHEME_HEAD                                                            \
	"{\"frr-vpnhad:vpnhad\":{"                                             \
	"\"peer\":[{\"name\":\"cloud-a\",\"address\":\"203.0.113.1\"},"        \
	"{\"name\":\"cloud-b\",\"address\":\"203.0.113.2\"}],"

/* Parse and validate a config; return NULL when valid, else the error. */
static const char *yang_check(const char *json)
{
	static char err[512];
	struct lyd_node *tree = NULL;
	LY_ERR ret;

	ret = lyd_parse_data_mem(ly, json, LYD_JSON,
				 LYD_PARSE_NO_STATE | LYD_PARSE_STRICT,
				 LYD_VALIDATE_NO_STATE, &tree);
	lyd_free_all(tree);
	if (ret == LY_SUCCESS)
		return NULL;
	snprintf(err, sizeof(err), "%s",
		 ly_errmsg(ly) ? ly_errmsg(ly) : "error");
	return err;
}

static void test_yang_valid(void)
{
	const char *err = yang_check(
		SCHEME_HEAD
		"\"gateway\":{\"name\":\"idc-gw\",\"local-address\":\"198.51.100.1\"},"
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"cloud-a\","
		"\"health-check\":{\"source\":\"169.254.1.1\",\"destination\":\"169.254.1.2\"}},"
		"{\"name\":\"backup\",\"interface\":\"vti2\",\"vrf\":\"cust1\",\"peer\":\"cloud-b\"}],"
		"\"route\":[{\"prefix\":\"10.20.0.0/16\",\"tunnel\":\"primary\",\"weight\":0},"
		"{\"prefix\":\"10.20.0.0/16\",\"tunnel\":\"backup\",\"weight\":100},"
		"{\"prefix\":\"2001:db8::/32\",\"tunnel\":\"backup\"}]}}");

	CU_ASSERT_PTR_NULL(err);
	if (err)
		fprintf(stderr, "unexpected: %s\n", err);
}

static void expect_invalid(const char *json, const char *needle)
{
	const char *err = yang_check(json);

	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
	if (!strstr(err, needle))
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
}

static void test_yang_invalid(void)
{
	/* weight out of range */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"cloud-a\"}],"
		"\"route\":[{\"prefix\":\"10.20.0.0/16\",\"tunnel\":\"primary\",\"weight\":101}]}}",
		"route weight out of range: allowed 0-100 (0 preferred, 100 backup)");
	/* route over a nonexistent tunnel */
	expect_invalid(
		SCHEME_HEAD
		"\"route\":[{\"prefix\":\"10.20.0.0/16\",\"tunnel\":\"nope\"}]}}",
		"nope");
	/* bad VRF names, the error naming the field */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"vrf\":\"cust 1\",\"peer\":\"cloud-a\"}]}}",
		"vrf: a VRF name is letters, digits");
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"vrf\":\"abcdefghijabcdefghijabcdefghijabcdef\",\"peer\":\"cloud-a\"}]}}",
		"vrf: a VRF name is 1 to 35 characters");
	/* malformed prefix */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"cloud-a\"}],"
		"\"route\":[{\"prefix\":\"10.20.0.0/33\",\"tunnel\":\"primary\"}]}}",
		"10.20.0.0/33");
	/* same probe address on both ends */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"cloud-a\","
		"\"health-check\":{\"source\":\"169.254.1.1\",\"destination\":\"169.254.1.1\"}}]}}",
		"must differ");
	/* health check without destination */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"cloud-a\","
		"\"health-check\":{\"source\":\"169.254.1.1\"}}]}}",
		"needs both");
	/* two tunnels on one interface */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"cloud-a\"},"
		"{\"name\":\"backup\",\"interface\":\"vti1\",\"peer\":\"cloud-b\"}]}}",
		"Unique data leaf(s) \"interface\" not satisfied in \"/frr-vpnhad:vpnhad/tunnel[name='");
	/* ... naming both tunnels (in either order: libyang 2 and 3 differ) */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"cloud-a\"},"
		"{\"name\":\"backup\",\"interface\":\"vti1\",\"peer\":\"cloud-b\"}]}}",
		"\"/frr-vpnhad:vpnhad/tunnel[name='primary']\"");
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"cloud-a\"},"
		"{\"name\":\"backup\",\"interface\":\"vti1\",\"peer\":\"cloud-b\"}]}}",
		"\"/frr-vpnhad:vpnhad/tunnel[name='backup']\"");
	/* tunnel to an unknown peer */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"nobody\"}]}}",
		"nobody");
	/* name longer than 60 characters */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"a123456789012345678901234567890123456789012345678901234567890\","
		"\"interface\":\"vti1\",\"peer\":\"cloud-a\"}]}}",
		"a1234567890");
	/* bad peer address */
	expect_invalid(
		"{\"frr-vpnhad:vpnhad\":{\"peer\":[{\"name\":\"x\",\"address\":\"203.0.113.300\"}]}}",
		"203.0.113.300");
	/* interval below 10 ms */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"vti1\",\"peer\":\"cloud-a\","
		"\"health-check\":{\"source\":\"169.254.1.1\",\"destination\":\"169.254.1.2\",\"interval\":5}}]}}",
		"health-check interval out of range: allowed 10-60000 ms");
}

/* IPsec adapter double: records what the core asks for. */
static unsigned int ipsec_applies, ipsec_removes;

static void fake_ipsec_apply(struct vpnha_tunnel *t)
{
	ipsec_applies++;
}

static void fake_ipsec_remove(struct vpnha_tunnel *t)
{
	ipsec_removes++;
}

static const struct vpnha_ipsec_ops fake_ipsec = {
	.tunnel_apply = fake_ipsec_apply,
	.tunnel_remove = fake_ipsec_remove,
};

static void test_ipsec_sa_feed(void)
{
	struct vpnha_ipsec_conf c;

	scheme_setup();
	v->ipsec_ops = &fake_ipsec;
	ipsec_applies = ipsec_removes = 0;
	vpnha_ipsec_conf_default(&c);
	vpnha_tunnel_set_ipsec(v, primary, &c);
	CU_ASSERT_EQUAL(ipsec_applies, 1);
	hc_enable(primary, VPNHA_HC_TYPE_BFD, 0, true);
	hc_event(primary, true);

	/* Unknown SA state (daemon unreachable): the probes decide. */
	vpnha_tunnel_sa_update(v, primary, VPNHA_SA_UNKNOWN, "no pluto");
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	vpnha_tunnel_sa_update(v, primary, VPNHA_SA_UP, "IKE up");
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);

	/* SA gone: down at once, without waiting for lost probes. */
	fake_now_us += 1000;
	vpnha_tunnel_sa_update(v, primary, VPNHA_SA_DOWN, "no IKE SA");
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_STRING_EQUAL(primary->reason, "IPsec SA down");
	CU_ASSERT_EQUAL(primary->sa.downs, 1);
	CU_ASSERT_EQUAL(primary->health.verdict, VPNHA_HC_DEAD);
	CU_ASSERT_EQUAL(primary->health.cause, VPNHA_HC_CAUSE_SA);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_SA_DOWN);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);

	/* SA back: still down until the probes prove it (recovery). */
	vpnha_tunnel_sa_update(v, primary, VPNHA_SA_UP, "IKE up");
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_STRING_EQUAL(primary->reason,
			       "IPsec SA was lost: waiting for the probes");

	/* Without a health check the SA state alone decides. */
	primary->hc_enabled = false;
	vpnha_tunnel_hc_changed(v, primary);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_STRING_EQUAL(primary->reason, "IPsec SA up, no health check");
	vpnha_tunnel_sa_update(v, primary, VPNHA_SA_DOWN, "gone");
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);

	/* Removing the ipsec configuration forgets the SA state. */
	vpnha_tunnel_set_ipsec(v, primary, NULL);
	CU_ASSERT_EQUAL(ipsec_removes, 1);
	CU_ASSERT_PTR_NULL(primary->ipsec);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	scheme_teardown();
}

/* The ipsec containers as NETCONF would send them. */
static void test_yang_ipsec(void)
{
	const char *err = yang_check(
		SCHEME_HEAD
		"\"ipsec\":{\"backend\":\"strongswan\",\"vici-socket\":\"/run/charon.vici\"},"
		"\"tunnel\":[{\"name\":\"primary\",\"interface\":\"ipsec1\",\"peer\":\"cloud-a\","
		"\"ipsec\":{\"pre-shared-key\":\"07001122334455667788\",\"local-id\":\"@idc.example\","
		"\"ike-encryption\":\"aes256-gcm16\",\"ike-dh-group\":\"x25519\","
		"\"esp-pfs-group\":\"none\",\"if-id\":7}}]}}");

	if (err)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_PTR_NULL(err);
	/* a key must be given */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"t\",\"peer\":\"cloud-a\",\"ipsec\":{\"local-id\":\"a\"}}]}}",
		"pre-shared-key");
	/* the key only in obscured (hex) form */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"t\",\"ipsec\":{\"pre-shared-key\":\"clear-text-key!\"}}]}}",
		"clear-text-key!");
	/* identities and paths cannot carry quotes, spaces or newlines */
	expect_invalid(
		SCHEME_HEAD
		"\"tunnel\":[{\"name\":\"t\",\"ipsec\":{\"pre-shared-key\":\"07001122334455667788\","
		"\"remote-id\":\"a\\\"\\nconn x\"}}]}}",
		"does not conform");
	expect_invalid(SCHEME_HEAD
		       "\"ipsec\":{\"libreswan-directory\":\"etc/ipsec.d\"}}}",
		       "etc/ipsec.d");
	expect_invalid(SCHEME_HEAD "\"ipsec\":{\"backend\":\"openswan\"}}}",
		       "openswan");
}

/* A tunnel that never carried traffic has no failover to report. */
static void test_no_failover_before_up(void)
{
	struct vpnha_ipsec_conf c;
	struct vpnha_tunnel *t;

	scheme_setup();
	t = vpnha_tunnel_add(v, "third");
	vpnha_ipsec_conf_default(&c);
	vpnha_tunnel_set_ipsec(v, t, &c);
	t->hc_enabled = true;
	vpnha_tunnel_set_ifname(v, t, "vti3");
	vpnha_interface_update(v, "vti3", 13, true);
	CU_ASSERT_EQUAL(t->state, VPNHA_TUNNEL_INIT);
	/* Its SA is being negotiated: down, but no failover. */
	vpnha_tunnel_sa_update(v, t, VPNHA_SA_CONNECTING, "IKE");
	CU_ASSERT_EQUAL(t->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(t->stats.failovers, 0);
	CU_ASSERT_EQUAL(t->timeline.declared_down, 0);
	/* Up, then lost: that is a failover. */
	vpnha_tunnel_sa_update(v, t, VPNHA_SA_UP, "IKE, child");
	vpnha_tunnel_external(v, t, true, fake_now_us);
	CU_ASSERT_EQUAL(t->state, VPNHA_TUNNEL_UP);
	vpnha_tunnel_sa_update(v, t, VPNHA_SA_DOWN, "gone");
	CU_ASSERT_EQUAL(t->stats.failovers, 1);
	CU_ASSERT_NOT_EQUAL(t->timeline.declared_down, 0);
	scheme_teardown();
}

static struct debug dbg_on = {.flags = DEBUG_MODE_ALL};

/*
 * Issue 13.1: with the primary dead, replies forged from the peer's
 * address (identifier and nonce copied from a captured probe, sequence
 * and send time extrapolated at the interval) never revive it; every
 * refused reply is counted by cause.
 */
static void test_forged_replies(void)
{
	struct vpnha_probe_out cap, o;
	uint64_t received;
	uint8_t pkt[128];
	size_t n;
	int k;

	scheme_setup();
	hc_enable(primary, VPNHA_HC_TYPE_ICMP, 0, true);
	hc_run(primary, 300, true, VPNHA_TUNNEL_INIT);
	CU_ASSERT_EQUAL_FATAL(primary->state, VPNHA_TUNNEL_UP);
	hc_run(primary, 2000, false, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL_FATAL(primary->state, VPNHA_TUNNEL_DOWN);
	cap = hc_last; /* the forger's capture */
	received = primary->health.stats.received;
	/* debug vpn-ha probe: refused replies logged once a second. */
	v->dbg_probe = &dbg_on;

	/* 3 s of forged replies, one per probe the peer drops. */
	for (k = 1; k <= 30; k++) {
		int64_t sent;

		hc_run(primary, 100, false, VPNHA_TUNNEL_INIT);
		o = cap;
		o.buf[6] = (uint8_t)((cap.seq + k) >> 8);
		o.buf[7] = (uint8_t)(cap.seq + k);
		sent = (int64_t)0;
		for (int b = 0; b < 8; b++)
			sent = (sent << 8) | cap.buf[8 + 16 + b];
		sent += k * 100000;
		for (int b = 7; b >= 0; b--) {
			o.buf[8 + 16 + b] = sent & 0xff;
			sent >>= 8;
		}
		hc_input(primary, pkt, hc_reply(primary, &o, NULL, pkt));
		CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
		CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	}
	CU_ASSERT_EQUAL(primary->health.stats.received, received);
	CU_ASSERT(primary->rejects[VPNHA_PROBE_WRONG_NONCE] +
			  primary->rejects[VPNHA_PROBE_UNKNOWN_SEQ] ==
		  30);
	CU_ASSERT(primary->rejects[VPNHA_PROBE_WRONG_NONCE] >= 25);
	/* 30 refusals in 3 s: a line a second; since the last one, the
	 * refusals are counted, not logged. */
	CU_ASSERT(primary->reject_unlogged >= 5 &&
		  primary->reject_unlogged <= 10);
	CU_ASSERT(primary->reject_logged >= fake_now_us - 1000000);
	v->dbg_probe = NULL;

	/* The real probe's nonce with another send time. */
	o = hc_last;
	o.buf[8 + 23] ^= 1;
	hc_input(primary, pkt, hc_reply(primary, &o, NULL, pkt));
	CU_ASSERT_EQUAL(primary->rejects[VPNHA_PROBE_WRONG_TIME], 1);
	/* From another address; someone else's identifier; not ours. */
	o = hc_last;
	hc_input(primary, pkt, hc_reply(primary, &o, "169.254.9.9", pkt));
	CU_ASSERT_EQUAL(primary->rejects[VPNHA_PROBE_WRONG_SOURCE], 1);
	o.buf[4] ^= 0xff;
	hc_input(primary, pkt, hc_reply(primary, &o, NULL, pkt));
	CU_ASSERT_EQUAL(primary->rejects[VPNHA_PROBE_WRONG_IDENT], 1);
	o = hc_last;
	o.buf[8] = 'X';
	hc_input(primary, pkt, hc_reply(primary, &o, NULL, pkt));
	CU_ASSERT_EQUAL(primary->rejects[VPNHA_PROBE_MALFORMED], 1);
	/* Through another interface. */
	o = hc_last;
	n = hc_reply(primary, &o, NULL, pkt);
	vpnha_tunnel_probe_input(v, primary, pkt, n, NULL, IF_BACKUP, NULL,
				 fake_now_us);
	CU_ASSERT_EQUAL(primary->rejects[VPNHA_PROBE_WRONG_INTERFACE], 1);
	/* To another local address (the shared socket sees them all). */
	o = hc_last;
	n = hc_reply(primary, &o, NULL, pkt);
	pkt[19] ^= 0x01; /* IPv4 destination; the header has no checksum */
	hc_input(primary, pkt, n);
	CU_ASSERT_EQUAL(primary->rejects[VPNHA_PROBE_WRONG_INTERFACE], 2);
	pkt[19] ^= 0x01;
	/* The genuine reply, after its timeout: late; then a duplicate. */
	fake_now_us += 250000;
	vpnha_tunnel_tick(v, primary, fake_now_us, false, NULL);
	hc_input(primary, pkt, n);
	CU_ASSERT_EQUAL(primary->rejects[VPNHA_PROBE_LATE], 1);
	hc_input(primary, pkt, n);
	CU_ASSERT_EQUAL(primary->rejects[VPNHA_PROBE_DUPLICATE], 1);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	scheme_teardown();
}

/*
 * Issue 10.1 bug: a no-preempt BFD tunnel released during its hold-down
 * (by clear, or by the backup failing) fails back at the end of the
 * hold-down: the core asks the adapter to arm that deadline (no probe
 * timer runs for BFD, and no BFD event comes).
 */
static void test_bfd_release_rearms(void)
{
	char err[160];
	int64_t hold_until;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		scheme_setup();
		v->io = &fake_io;
		hc_enable(primary, VPNHA_HC_TYPE_BFD, 1000, false);
		hc_event(primary, true);
		CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
		CU_ASSERT_EQUAL(
			vpnha_tunnel_release(v, primary, err, sizeof(err)), -1);
		VPNHA_CU_MSG_EQUAL(
			err,
			"Tunnel primary is up, not recovering: nothing to release");
		fake_now_us += 100000;
		hc_event(primary, false);
		CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
		fake_now_us += 100000;
		hc_event(primary, true);
		CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_RECOVERING);
		/* Blocked by no-preempt: no deadline. */
		CU_ASSERT_EQUAL(vpnha_tunnel_deadline(primary), 0);
		hold_until = fake_now_us + 1000000;

		fake_now_us += 300000;
		memset(&rearm, 0, sizeof(rearm));
		if (pass == 0) {
			CU_ASSERT_EQUAL(vpnha_tunnel_release(v, primary, err,
							     sizeof(err)),
					0);
		} else {
			/* The backup fails: the primary is needed. */
			vpnha_interface_update(v, "vti2", IF_BACKUP, false);
		}
		CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_RECOVERING);
		CU_ASSERT(rearm.n >= 1);
		CU_ASSERT_PTR_EQUAL(rearm.t, primary);
		CU_ASSERT_EQUAL(rearm.deadline, hold_until);

		/* The adapter's timer fires at the deadline. */
		fake_now_us = rearm.deadline;
		CU_ASSERT_EQUAL(
			vpnha_tunnel_tick(v, primary, fake_now_us, false, NULL),
			0);
		CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
		CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
		scheme_teardown();
	}
}

/*
 * Issue 13.8: a health-check change on a dead tunnel keeps it dead, its
 * routes withdrawn and its failover figures, until the probes decide.
 */
/*
 * The primary's interface goes away while its health check is alive and
 * comes back (another ifindex): the verdict the probes left before
 * proves nothing about the new interface.  Before, the tunnel was up
 * again at once and took the prefix back with no reply at all.
 */
static void test_interface_back_needs_probes(void)
{
	scheme_setup();
	hc_enable(primary, VPNHA_HC_TYPE_ICMP, 500, true);
	hc_run(primary, 300, true, VPNHA_TUNNEL_INIT);
	CU_ASSERT_EQUAL_FATAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);

	vpnha_interface_update(v, "vti1", IFINDEX_INTERNAL, false);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	vpnha_interface_update(v, "vti1", 42, true);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(primary->health.verdict, VPNHA_HC_DEAD);
	CU_ASSERT_EQUAL(primary->health.cause, VPNHA_HC_CAUSE_INTERFACE);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	/* One reply is not enough: recovery-count (2) and the hold-down. */
	hc_run(primary, 110, true, VPNHA_TUNNEL_INIT);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	hc_run(primary, 2000, true, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], 42);

	/* Carrier lost (oper down) and back: the same. */
	vpnha_interface_update(v, "vti1", 42, false);
	vpnha_interface_update(v, "vti1", 42, true);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	scheme_teardown();
}

/*
 * Health-check changes during a silent failure: the run of misses goes
 * on counting.  Before, each change restarted it (and dropped the probes
 * in flight): an operator tuning every 150 ms kept the route in the dead
 * primary for ever.
 */
static void test_hc_change_mid_failure(void)
{
	int i;

	scheme_setup();
	hc_enable(primary, VPNHA_HC_TYPE_ICMP, 500, true);
	hc_run(primary, 300, true, VPNHA_TUNNEL_INIT);
	CU_ASSERT_EQUAL_FATAL(primary->state, VPNHA_TUNNEL_UP);
	/* Bound with miss-count 4: 3 x 100 + 200 + 100 = 600 ms. */
	for (i = 0; i < 6 && primary->state == VPNHA_TUNNEL_UP; i++) {
		hc_run(primary, 150, false, VPNHA_TUNNEL_DOWN);
		primary->hc.miss_count = 4;
		primary->hc.timeout_ms = i % 2 ? 200 : 190;
		vpnha_tunnel_hc_changed(v, primary);
	}
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT(i <= 5);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	scheme_teardown();
}

static void test_hc_change_keeps_dead(void)
{
	struct vpnha_timeline tl;
	unsigned int adds, dels;

	scheme_setup();
	hc_enable(primary, VPNHA_HC_TYPE_ICMP, 500, true);
	hc_run(primary, 300, true, VPNHA_TUNNEL_INIT);
	hc_run(primary, 2000, false, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL_FATAL(primary->state, VPNHA_TUNNEL_DOWN);
	vpnha_rib_notify(v, &remote, true);
	tl = primary->timeline;
	adds = rib_adds;
	dels = rib_dels;

	primary->hc.miss_count = 6;
	vpnha_tunnel_hc_changed(v, primary);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(primary->health.cfg.miss_count, 6);
	CU_ASSERT_EQUAL(rib_adds, adds);
	CU_ASSERT_EQUAL(rib_dels, dels);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	CU_ASSERT_EQUAL(primary->stats.failovers, 1);
	CU_ASSERT(memcmp(&primary->timeline, &tl, sizeof(tl)) == 0);
	hc_run(primary, 2000, false, VPNHA_TUNNEL_INIT);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(rib_adds, adds);

	/* The probes decide: recovery, hold-down, back. */
	hc_run(primary, 2000, true, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	CU_ASSERT_EQUAL(primary->stats.failovers, 1);

	/* Without a check there is no verdict; enabled again it starts in
	 * init, which does not take the prefix from the backup (up). */
	primary->hc_enabled = false;
	vpnha_tunnel_hc_changed(v, primary);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	primary->hc_enabled = true;
	vpnha_tunnel_hc_changed(v, primary);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_INIT);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_TUNNEL_INIT);
	scheme_teardown();
}

/*
 * Issue 13.2: at a start, no route is sent before the first verdicts
 * (zebra keeps the previous vpnhad's meanwhile); a tunnel in init never
 * takes the prefix from one that is up.
 */
static void test_startup_hold(void)
{
	/* The dead primary's verdict comes first: only the backup, ever. */
	scheme_setup_hold(true, true);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_INIT);
	CU_ASSERT_EQUAL(backup->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_adds, 0);
	CU_ASSERT_EQUAL(rib_leftovers, 0);
	CU_ASSERT_EQUAL(rib_completes, 0);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "backup")->reason,
			VPNHA_RR_STARTUP_HOLD);
	CU_ASSERT_EQUAL(vpnha_rib_hold_deadline(v) - v->rib_hold_start,
			3000000);
	hc_run(primary, 2000, false, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(vpnha_rib_hold_deadline(v), 0);
	CU_ASSERT_EQUAL(rib_adds, 1);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	CU_ASSERT_EQUAL(rib_completes, 1);
	/* Leftovers cleared at the hold's end, after the route, not before. */
	CU_ASSERT_EQUAL(rib_leftovers, 1);
	CU_ASSERT_EQUAL(leftover_adds, 1);
	/* Nothing sent, nothing counted as a failover. */
	CU_ASSERT_EQUAL(primary->stats.failovers, 0);
	scheme_teardown();

	/* No verdict in time: the hold ends at its deadline; the primary
	 * (init) does not take the prefix from the backup (up). */
	scheme_setup_hold(true, true);
	vpnha_rib_hold_check(v);
	CU_ASSERT_EQUAL(rib_adds, 0);
	fake_now_us = vpnha_rib_hold_deadline(v);
	vpnha_rib_hold_check(v);
	CU_ASSERT_EQUAL(rib_completes, 1);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_BACKUP);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_TUNNEL_INIT);
	/* Its first reply: up, it takes the prefix. */
	hc_run(primary, 200, true, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	scheme_teardown();

	/* Health-checked tunnels all alive: the hold ends at once. */
	scheme_setup_hold(true, true);
	hc_run(primary, 100, true, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(rib_completes, 1);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	scheme_teardown();
}

static const struct vpnha_cunit_test model_tests[] = {
	{"weight to distance", test_distance},
	{"route prefix parsing", test_prefix_parse},
	{"both tunnels up", test_both_up},
	{"no resend when unchanged", test_no_resend_when_unchanged},
	{"shutdown primary", test_shutdown_primary},
	{"interface down", test_interface_down},
	{"a tunnel's recompute is complete", test_scoped_recompute_complete},
	{"health down and timeline", test_health_down_timeline},
	{"all down: keep-best / withdraw", test_all_down_keep_best},
	{"keep-best honours shutdown", test_keep_best_honours_shutdown},
	{"advertise-table follows the usable route", test_adv_table},
	{"ecmp on equal weights", test_ecmp},
	{"zebra reconnect replay", test_reconnect_replay},
	{"fast reroute: one target, before the withdrawals", test_fast_reroute},
	{"route and tunnel delete", test_route_and_tunnel_delete},
	{"same prefix in two VRFs", test_vrf},
	{"stop for good withdraws each route once", test_withdraw_all},
	{"IPsec SA state feeds the tunnel", test_ipsec_sa_feed},
	{"no failover before the tunnel was up", test_no_failover_before_up},
	{"forged replies never revive a dead tunnel", test_forged_replies},
	{"no-preempt BFD release re-arms the timer", test_bfd_release_rearms},
	{"health-check change keeps a dead tunnel dead",
	 test_hc_change_keeps_dead},
	{"health-check changes do not restart a failure",
	 test_hc_change_mid_failure},
	{"interface back: the probes must prove it",
	 test_interface_back_needs_probes},
	{"start-up hold and init vs up", test_startup_hold},
};

static const struct vpnha_cunit_test yang_tests[] = {
	{"valid scheme", test_yang_valid},
	{"invalid input rejected", test_yang_invalid},
	{"ipsec containers", test_yang_ipsec},
};

static const struct vpnha_cunit_suite suites[] = {
	{.name = "model",
	 .tests = model_tests,
	 .n = array_size(model_tests),
	 .teardown = model_teardown},
	{.name = "yang",
	 .tests = yang_tests,
	 .n = array_size(yang_tests),
	 .init = yang_setup,
	 .cleanup = yang_teardown},
};

int main(void)
{
	return vpnha_cunit_run_suites(suites, array_size(suites));
}
