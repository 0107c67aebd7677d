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

#include <CUnit/Basic.h>
#include <libyang/libyang.h>

#include "vpnha.h"

/* Fake clock --------------------------------------------------------------- */

static int64_t fake_now_us = 1000000;

static int64_t fake_now(void)
{
	return fake_now_us;
}

/* Fake RIB: what zebra holds, keyed by (prefix, distance). ----------------- */

#define RIB_MAX 32

struct rib_entry {
	bool used;
	struct prefix p;
	uint8_t distance;
	unsigned int nh_num;
	ifindex_t nh[VPNHA_ECMP_MAX];
};

static struct rib_entry rib[RIB_MAX];
static unsigned int rib_adds, rib_dels;

static struct rib_entry *rib_find(const struct prefix *p, uint8_t distance)
{
	for (int i = 0; i < RIB_MAX; i++)
		if (rib[i].used && prefix_same(&rib[i].p, p) &&
		    rib[i].distance == distance)
			return &rib[i];
	return NULL;
}

static bool fake_route_add(const struct vpnha_path *path)
{
	struct rib_entry *e = rib_find(&path->prefix, path->distance);

	for (int i = 0; !e && i < RIB_MAX; i++)
		if (!rib[i].used)
			e = &rib[i];
	CU_ASSERT_FATAL(e != NULL);
	e->used = true;
	prefix_copy(&e->p, &path->prefix);
	e->distance = path->distance;
	e->nh_num = path->nh_num;
	memcpy(e->nh, path->nh_ifindex, sizeof(e->nh));
	rib_adds++;
	return true;
}

static bool fake_route_del(const struct vpnha_path *path)
{
	struct rib_entry *e = rib_find(&path->prefix, path->distance);

	/* A delete must carry the distance of an existing route. */
	CU_ASSERT_PTR_NOT_NULL(e);
	if (e)
		e->used = false;
	rib_dels++;
	return true;
}

static const struct vpnha_rib_ops fake_rib = {
	.route_add = fake_route_add,
	.route_del = fake_route_del,
};

static unsigned int rib_count(void)
{
	unsigned int n = 0;

	for (int i = 0; i < RIB_MAX; i++)
		n += rib[i].used;
	return n;
}

/* The lowest-distance entry for a prefix: what zebra would select. */
static struct rib_entry *rib_best(const struct prefix *p)
{
	struct rib_entry *best = NULL;

	for (int i = 0; i < RIB_MAX; i++)
		if (rib[i].used && prefix_same(&rib[i].p, p) &&
		    (!best || rib[i].distance < best->distance))
			best = &rib[i];
	return best;
}

/* Scheme fixture ----------------------------------------------------------- */

static struct vpnha *v;
static struct prefix remote;
static struct vpnha_tunnel *primary, *backup;

#define IF_PRIMARY 11
#define IF_BACKUP 12

static void scheme_setup(void)
{
	memset(rib, 0, sizeof(rib));
	rib_adds = rib_dels = 0;
	v = vpnha_new(&fake_rib, NULL, NULL, fake_now);
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

	vpnha_interface_update(v, "vti1", IF_PRIMARY, true);
	vpnha_interface_update(v, "vti2", IF_BACKUP, true);
}

static void scheme_teardown(void)
{
	vpnha_free(v);
	/* Freeing withdraws everything. */
	CU_ASSERT_EQUAL(rib_count(), 0);
}

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
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "malformed"));
	CU_ASSERT_EQUAL(
		vpnha_route_prefix_parse("10.20.0.0/16x", &p, err, sizeof(err)),
		-1);
	CU_ASSERT_EQUAL(
		vpnha_route_prefix_parse("10.20.0.0", &p, err, sizeof(err)),
		-1);
	CU_ASSERT_EQUAL(vpnha_route_prefix_parse("bogus", &p, err, sizeof(err)),
			-1);
	CU_ASSERT_EQUAL(
		vpnha_route_prefix_parse("10.20.1.0/16", &p, err, sizeof(err)),
		-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "did you mean 10.20.0.0/16"));
}

static void test_both_up(void)
{
	struct rib_entry *e;

	scheme_setup();
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);
	CU_ASSERT_EQUAL(backup->state, VPNHA_TUNNEL_UP);
	/* Both routes in zebra, with distinct distances. */
	CU_ASSERT_EQUAL(rib_count(), 2);
	e = rib_find(&remote, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->nh_num, 1);
	CU_ASSERT_EQUAL(e->nh[0], IF_PRIMARY);
	e = rib_find(&remote, 101);
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

static void test_health_down_timeline(void)
{
	scheme_setup();
	primary->hc_enabled = true;
	primary->health.verdict = VPNHA_HC_ALIVE;
	vpnha_tunnel_health_update(v, primary);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_UP);

	primary->health.last_good = fake_now_us;
	primary->health.first_miss = fake_now_us + 50000;
	fake_now_us += 600000;
	primary->health.verdict = VPNHA_HC_DEAD;
	vpnha_tunnel_health_update(v, primary);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_DOWN);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(primary->timeline.last_good, fake_now_us - 600000);
	CU_ASSERT_EQUAL(primary->timeline.declared_down, fake_now_us);
	CU_ASSERT_EQUAL(primary->timeline.withdraw_sent, fake_now_us);
	CU_ASSERT_EQUAL(primary->timeline.switched, 0);
	CU_ASSERT_EQUAL(primary->stats.failovers, 1);

	/* zebra installs the backup: the failover is complete. */
	fake_now_us += 400;
	vpnha_rib_notify(v, &remote, true);
	CU_ASSERT_EQUAL(primary->timeline.switched, fake_now_us);
	CU_ASSERT_TRUE(vpnha_route_selected(
		v, vpnha_route_find(v, &remote, "backup")));

	/* Recovering: routes stay withdrawn until the verdict is ALIVE. */
	primary->health.verdict = VPNHA_HC_RECOVERING;
	vpnha_tunnel_health_update(v, primary);
	CU_ASSERT_EQUAL(primary->state, VPNHA_TUNNEL_RECOVERING);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(vpnha_route_find(v, &remote, "primary")->reason,
			VPNHA_RR_TUNNEL_RECOVERING);
	primary->health.verdict = VPNHA_HC_ALIVE;
	vpnha_tunnel_health_update(v, primary);
	CU_ASSERT_EQUAL(rib_count(), 2);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
	CU_ASSERT_EQUAL(primary->stats.transitions, 4);
	scheme_teardown();
}

static void test_all_down_keep_best(void)
{
	scheme_setup();
	primary->hc_enabled = backup->hc_enabled = true;
	primary->health.verdict = backup->health.verdict = VPNHA_HC_DEAD;
	vpnha_tunnel_health_update(v, backup);
	vpnha_tunnel_health_update(v, primary);
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
	backup->health.verdict = VPNHA_HC_ALIVE;
	vpnha_tunnel_health_update(v, backup);
	CU_ASSERT_EQUAL(rib_count(), 1);
	CU_ASSERT_EQUAL(rib_best(&remote)->distance, 101);
	scheme_teardown();
}

static void test_keep_best_honours_shutdown(void)
{
	scheme_setup();
	vpnha_tunnel_set_shutdown(v, primary, true);
	backup->hc_enabled = true;
	backup->health.verdict = VPNHA_HC_DEAD;
	vpnha_tunnel_health_update(v, backup);
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
	e = rib_find(&remote, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->nh_num, 2);
	CU_ASSERT_EQUAL(rib_count(), 2);

	vpnha_tunnel_set_shutdown(v, primary, true);
	e = rib_find(&remote, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->nh_num, 1);
	CU_ASSERT_EQUAL(e->nh[0], 13);
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

	vpnha_rib_connected(v);
	CU_ASSERT_EQUAL(rib_count(), 2);
	CU_ASSERT_EQUAL(rib_best(&remote)->nh[0], IF_PRIMARY);
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
	CU_ASSERT_PTR_NOT_NULL(rib_find(&p6, 11));

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
	CU_ASSERT_PTR_NOT_NULL(rib_find(&remote, 6));
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
		"{\"name\":\"backup\",\"interface\":\"vti2\",\"peer\":\"cloud-b\"}],"
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
		"Unique data leaf(s) \"interface\" not satisfied in \"/frr-vpnhad:vpnhad/tunnel[name='primary']\" and \"/frr-vpnhad:vpnhad/tunnel[name='backup']\"");
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
	primary->hc_enabled = true;
	primary->health.verdict = VPNHA_HC_ALIVE;
	vpnha_tunnel_health_update(v, primary);

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
	vpnha_tunnel_health_update(v, primary);
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
	t->health.verdict = VPNHA_HC_ALIVE;
	vpnha_tunnel_health_update(v, t);
	CU_ASSERT_EQUAL(t->state, VPNHA_TUNNEL_UP);
	vpnha_tunnel_sa_update(v, t, VPNHA_SA_DOWN, "gone");
	CU_ASSERT_EQUAL(t->stats.failovers, 1);
	CU_ASSERT_NOT_EQUAL(t->timeline.declared_down, 0);
	scheme_teardown();
}

int main(void)
{
	CU_pSuite s;
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();

	s = CU_add_suite("model", NULL, NULL);
	CU_add_test(s, "weight to distance", test_distance);
	CU_add_test(s, "route prefix parsing", test_prefix_parse);
	CU_add_test(s, "both tunnels up", test_both_up);
	CU_add_test(s, "no resend when unchanged",
		    test_no_resend_when_unchanged);
	CU_add_test(s, "shutdown primary", test_shutdown_primary);
	CU_add_test(s, "interface down", test_interface_down);
	CU_add_test(s, "health down and timeline", test_health_down_timeline);
	CU_add_test(s, "all down: keep-best / withdraw",
		    test_all_down_keep_best);
	CU_add_test(s, "keep-best honours shutdown",
		    test_keep_best_honours_shutdown);
	CU_add_test(s, "ecmp on equal weights", test_ecmp);
	CU_add_test(s, "zebra reconnect replay", test_reconnect_replay);
	CU_add_test(s, "route and tunnel delete", test_route_and_tunnel_delete);
	CU_add_test(s, "IPsec SA state feeds the tunnel", test_ipsec_sa_feed);
	CU_add_test(s, "no failover before the tunnel was up",
		    test_no_failover_before_up);

	s = CU_add_suite("yang", yang_setup, yang_teardown);
	CU_add_test(s, "valid scheme", test_yang_valid);
	CU_add_test(s, "invalid input rejected", test_yang_invalid);
	CU_add_test(s, "ipsec containers", test_yang_ipsec);

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures =
		CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
