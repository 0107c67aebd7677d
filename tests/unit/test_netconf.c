// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CUnit tests of the NETCONF core (vpnha_netconf.c): the
 * edit-config engine on frr-vpnhad data, the subtree filter, the
 * confirmed-commit state machine, roles and the configuration file.
 * libyang only: no daemon, no libnetconf2.
 */
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "vpnha_cunit.h"
#include "vpnha_netconf.h"

static struct ly_ctx *ctx;

static int setup(void)
{
	static const char *features[] = {"*", NULL};

	if (ly_ctx_new(VPNHA_YANG_DIR, 0, &ctx))
		return -1;
	ly_ctx_set_searchdir(ctx, VPNHA_YANG_DIR "/netconf");
	if (!ly_ctx_load_module(ctx, "frr-vpnhad", NULL, NULL) ||
	    !ly_ctx_load_module(ctx, "ietf-netconf", NULL, features))
		return -1;
	return 0;
}

static int teardown(void)
{
	ly_ctx_destroy(ctx);
	return 0;
}

#define NS                                                                     \
	"xmlns=\"http://frrouting.org/yang/vpnhad\" "                          \
	"xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\""

/* Strictly, or (as the server does) opaque where a value is invalid. */
static struct lyd_node *xml(const char *text)
{
	struct lyd_node *t = NULL;

	if (lyd_parse_data_mem(ctx, text, LYD_XML,
			       LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0,
			       &t) == LY_SUCCESS)
		return t;
	CU_ASSERT_FATAL(lyd_parse_data_mem(ctx, text, LYD_XML,
					   LYD_PARSE_ONLY | LYD_PARSE_OPAQ, 0,
					   &t) == LY_SUCCESS);
	return t;
}

/* Apply an edit (XML text) to *tree. */
static int edit(struct lyd_node **tree, const char *text, enum vpnha_nc_op dflt,
		struct vpnha_nc_error *err)
{
	struct lyd_node *e = xml(text);
	int ret = vpnha_nc_edit_apply(tree, e, dflt, err);

	lyd_free_all(e);
	return ret;
}

static const char *value(const struct lyd_node *tree, const char *xpath)
{
	struct lyd_node *n = NULL;

	if (!tree || lyd_find_path(tree, xpath, 0, &n))
		return NULL;
	return lyd_get_value(n);
}

static const char base[] =
	"<vpnhad " NS
	">"
	"<peer><name>cloud-a</name><address>203.0.113.1</address></peer>"
	"<tunnel><name>t1</name><interface>vti1</interface>"
	"<peer>cloud-a</peer></tunnel>"
	"<route><prefix>10.0.0.0/16</prefix><tunnel>t1</tunnel>"
	"<weight>0</weight></route>"
	"</vpnhad>";

static void test_merge(void)
{
	struct lyd_node *t = NULL;
	struct vpnha_nc_error err;

	CU_ASSERT_EQUAL(edit(&t, base, VPNHA_NC_OP_MERGE, &err), 0);
	CU_ASSERT_STRING_EQUAL(
		value(t, "/frr-vpnhad:vpnhad/peer[name='cloud-a']/address"),
		"203.0.113.1");
	/* Merge changes one leaf and keeps the rest. */
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS
			     "><route><prefix>10.0.0.0/16</prefix>"
			     "<tunnel>t1</tunnel><weight>100</weight></route>"
			     "</vpnhad>",
			     VPNHA_NC_OP_MERGE, &err),
			0);
	CU_ASSERT_STRING_EQUAL(
		value(t,
		      "/frr-vpnhad:vpnhad/route[prefix='10.0.0.0/16'][tunnel='t1']/weight"),
		"100");
	CU_ASSERT_STRING_EQUAL(
		value(t, "/frr-vpnhad:vpnhad/tunnel[name='t1']/interface"),
		"vti1");
	lyd_free_all(t);
}

static void test_create_delete_remove(void)
{
	struct lyd_node *t = NULL;
	struct vpnha_nc_error err;

	CU_ASSERT_EQUAL(edit(&t, base, VPNHA_NC_OP_MERGE, &err), 0);
	/* create on an existing peer: data-exists, naming it. */
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS "><peer nc:operation=\"create\">"
			     "<name>cloud-a</name></peer></vpnhad>",
			     VPNHA_NC_OP_MERGE, &err),
			-1);
	CU_ASSERT_STRING_EQUAL(err.tag, "data-exists");
	CU_ASSERT_STRING_EQUAL(err.path,
			       "/frr-vpnhad:vpnhad/peer[name='cloud-a']");
	/* delete of a missing node: data-missing; remove: fine. */
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS "><peer nc:operation=\"delete\">"
			     "<name>nope</name></peer></vpnhad>",
			     VPNHA_NC_OP_MERGE, &err),
			-1);
	CU_ASSERT_STRING_EQUAL(err.tag, "data-missing");
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS "><peer nc:operation=\"remove\">"
			     "<name>nope</name></peer></vpnhad>",
			     VPNHA_NC_OP_MERGE, &err),
			0);
	/* delete of a leaf. */
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS "><tunnel><name>t1</name>"
			     "<interface nc:operation=\"delete\"/></tunnel>"
			     "</vpnhad>",
			     VPNHA_NC_OP_MERGE, &err),
			0);
	CU_ASSERT_PTR_NULL(
		value(t, "/frr-vpnhad:vpnhad/tunnel[name='t1']/interface"));
	CU_ASSERT_PTR_NOT_NULL(
		value(t, "/frr-vpnhad:vpnhad/tunnel[name='t1']/peer"));
	/* An invalid value (not a delete): invalid-value naming the leaf. */
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS
			     "><route><prefix>10.0.0.0/16</prefix>"
			     "<tunnel>t1</tunnel><weight>300</weight></route>"
			     "</vpnhad>",
			     VPNHA_NC_OP_MERGE, &err),
			-1);
	CU_ASSERT_STRING_EQUAL(err.tag, "invalid-value");
	CU_ASSERT_STRING_EQUAL(
		err.path,
		"/frr-vpnhad:vpnhad/route[prefix='10.0.0.0/16'][tunnel='t1']/weight");
	lyd_free_all(t);
}

static void test_replace_and_none(void)
{
	struct lyd_node *t = NULL;
	struct vpnha_nc_error err;

	CU_ASSERT_EQUAL(edit(&t, base, VPNHA_NC_OP_MERGE, &err), 0);
	/* replace: the tunnel loses the leaves the edit does not name. */
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS "><tunnel nc:operation=\"replace\">"
			     "<name>t1</name><interface>vti9</interface>"
			     "</tunnel></vpnhad>",
			     VPNHA_NC_OP_MERGE, &err),
			0);
	CU_ASSERT_STRING_EQUAL(
		value(t, "/frr-vpnhad:vpnhad/tunnel[name='t1']/interface"),
		"vti9");
	CU_ASSERT_PTR_NULL(
		value(t, "/frr-vpnhad:vpnhad/tunnel[name='t1']/peer"));
	/* default-operation none: plain nodes change nothing. */
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS "><tunnel><name>t1</name>"
			     "<interface>vti5</interface></tunnel>"
			     "<tunnel><name>t2</name></tunnel></vpnhad>",
			     VPNHA_NC_OP_NONE, &err),
			0);
	CU_ASSERT_STRING_EQUAL(
		value(t, "/frr-vpnhad:vpnhad/tunnel[name='t1']/interface"),
		"vti9");
	CU_ASSERT_PTR_NULL(
		value(t, "/frr-vpnhad:vpnhad/tunnel[name='t2']/name"));
	/* ... but their explicit operations apply. */
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS "><peer nc:operation=\"delete\">"
			     "<name>cloud-a</name></peer></vpnhad>",
			     VPNHA_NC_OP_NONE, &err),
			0);
	CU_ASSERT_PTR_NULL(
		value(t, "/frr-vpnhad:vpnhad/peer[name='cloud-a']/name"));
	/* default-operation replace of everything. */
	CU_ASSERT_EQUAL(edit(&t,
			     "<vpnhad " NS "><distance-base>50</distance-base>"
			     "</vpnhad>",
			     VPNHA_NC_OP_REPLACE, &err),
			0);
	CU_ASSERT_PTR_NULL(
		value(t, "/frr-vpnhad:vpnhad/tunnel[name='t1']/name"));
	CU_ASSERT_STRING_EQUAL(value(t, "/frr-vpnhad:vpnhad/distance-base"),
			       "50");
	lyd_free_all(t);
}

/*
 * An invalid value inside a subtree that is copied whole (replace,
 * create, merge of a new list entry) is refused, naming it.  Before, the
 * opaque element went into the configuration and libyang 2's validation
 * crashed on it (found by fuzz_netconf: an empty <address> in a peer,
 * default-operation replace; the seed crash-opaque-in-copied-subtree).
 */
static void test_invalid_value_in_copied_subtree(void)
{
	static const char *const edits[] = {
		"<vpnhad " NS
		"><peer><name>cloud-b</name><address></address>"
		"</peer></vpnhad>",
		"<vpnhad " NS
		"><peer nc:operation=\"create\"><name>cloud-c</name>"
		"<address>300.1.1.1</address></peer></vpnhad>",
		"<vpnhad " NS
		"><peer nc:operation=\"replace\"><name>cloud-a</name>"
		"<address>nowhere</address></peer></vpnhad>",
	};
	static const enum vpnha_nc_op dflt[] = {
		VPNHA_NC_OP_REPLACE, VPNHA_NC_OP_MERGE, VPNHA_NC_OP_MERGE};
	struct lyd_node *t = NULL;
	struct vpnha_nc_error err;

	CU_ASSERT_EQUAL(edit(&t, base, VPNHA_NC_OP_MERGE, &err), 0);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct lyd_node *c = NULL;

		/* As the server: on a copy, dropped when the edit fails. */
		CU_ASSERT_FATAL(lyd_dup_siblings(t, NULL, LYD_DUP_RECURSIVE,
						 &c) == LY_SUCCESS);
		memset(&err, 0, sizeof(err));
		CU_ASSERT_EQUAL(edit(&c, edits[i], dflt[i], &err), -1);
		lyd_free_all(c);
		CU_ASSERT_PTR_NOT_NULL_FATAL(err.tag);
		CU_ASSERT_STRING_EQUAL(err.tag, "invalid-value");
		CU_ASSERT_PTR_NOT_NULL(strstr(err.path, "/address"));
		CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "address"));
	}
	/* Nothing changed, and the tree is one libyang can validate. */
	CU_ASSERT_STRING_EQUAL(
		value(t, "/frr-vpnhad:vpnhad/peer[name='cloud-a']/address"),
		"203.0.113.1");
	CU_ASSERT_EQUAL(lyd_validate_all(&t, NULL, LYD_VALIDATE_NO_STATE, NULL),
			LY_SUCCESS);
	lyd_free_all(t);
}

/* An edit (XML text) with continue-on-error; errs holds 4. */
static size_t edit_continue(struct lyd_node **tree, const char *text,
			    enum vpnha_nc_op dflt, struct vpnha_nc_error *errs)
{
	struct lyd_node *e = xml(text);
	size_t n = vpnha_nc_edit_apply_continue(tree, e, dflt, errs, 4);

	lyd_free_all(e);
	return n;
}

/*
 * error-option continue-on-error: the units that pass are applied, one
 * error per unit that does not; a container replaced is one unit.
 */
static void test_continue_on_error(void)
{
	struct lyd_node *t = NULL;
	struct vpnha_nc_error errs[4];
	size_t n;

	CU_ASSERT_EQUAL(edit(&t, base, VPNHA_NC_OP_MERGE, errs), 0);
	n = edit_continue(
		&t,
		"<vpnhad " NS
		"><peer><name>cloud-b</name>"
		"<address>203.0.113.2</address></peer>"
		"<peer nc:operation=\"create\"><name>cloud-a</name></peer>"
		"<peer><name>cloud-c</name><address>nowhere</address></peer>"
		"<route><prefix>10.0.0.0/16</prefix><tunnel>t1</tunnel>"
		"<weight>50</weight></route></vpnhad>",
		VPNHA_NC_OP_MERGE, errs);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(errs[0].tag, "data-exists");
	CU_ASSERT_PTR_NOT_NULL(strstr(errs[0].path, "cloud-a"));
	CU_ASSERT_STRING_EQUAL(errs[1].tag, "invalid-value");
	CU_ASSERT_PTR_NOT_NULL(strstr(errs[1].path, "cloud-c"));
	/* The good units are in, the bad ones left nothing. */
	CU_ASSERT_STRING_EQUAL(
		value(t, "/frr-vpnhad:vpnhad/peer[name='cloud-b']/address"),
		"203.0.113.2");
	CU_ASSERT_STRING_EQUAL(
		value(t,
		      "/frr-vpnhad:vpnhad/route[prefix='10.0.0.0/16'][tunnel='t1']/weight"),
		"50");
	CU_ASSERT_PTR_NULL(
		value(t, "/frr-vpnhad:vpnhad/peer[name='cloud-c']/name"));
	CU_ASSERT_STRING_EQUAL(
		value(t, "/frr-vpnhad:vpnhad/peer[name='cloud-a']/address"),
		"203.0.113.1");
	/* More failing units than errs: all counted, max recorded. */
	n = edit_continue(
		&t,
		"<vpnhad " NS
		"><peer nc:operation=\"delete\"><name>x1</name>"
		"</peer><peer nc:operation=\"delete\"><name>x2</name></peer>"
		"<peer nc:operation=\"delete\"><name>x3</name></peer>"
		"<peer nc:operation=\"delete\"><name>x4</name></peer>"
		"<peer nc:operation=\"delete\"><name>x5</name></peer>"
		"</vpnhad>",
		VPNHA_NC_OP_MERGE, errs);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_STRING_EQUAL(errs[3].tag, "data-missing");
	/* default-operation replace: the container is one unit. */
	n = edit_continue(
		&t,
		"<vpnhad " NS
		"><distance-base>50</distance-base>"
		"<peer><name>cloud-d</name><address>bad</address></peer>"
		"</vpnhad>",
		VPNHA_NC_OP_REPLACE, errs);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_STRING_EQUAL(
		value(t, "/frr-vpnhad:vpnhad/peer[name='cloud-b']/address"),
		"203.0.113.2");
	CU_ASSERT_EQUAL(lyd_validate_all(&t, NULL, LYD_VALIDATE_NO_STATE, NULL),
			LY_SUCCESS);
	lyd_free_all(t);
}

static void test_state_refused(void)
{
	struct lyd_node *t = NULL, *e = NULL;
	struct vpnha_nc_error err;

	CU_ASSERT_EQUAL(edit(&t, base, VPNHA_NC_OP_MERGE, &err), 0);
	CU_ASSERT_FATAL(lyd_parse_data_mem(
				ctx,
				"<vpnhad " NS "><tunnel><name>t1</name>"
				"<state><transitions>3</transitions>"
				"</state></tunnel></vpnhad>",
				LYD_XML, LYD_PARSE_ONLY, 0, &e) == LY_SUCCESS);
	CU_ASSERT_EQUAL(vpnha_nc_edit_apply(&t, e, VPNHA_NC_OP_MERGE, &err),
			-1);
	CU_ASSERT_STRING_EQUAL(err.tag, "invalid-value");
	lyd_free_all(e);
	lyd_free_all(t);
}

/* Opaque filter tree, as libnetconf2 hands <filter> over. */
static struct lyd_node *filter(const char *text)
{
	struct lyd_node *f = NULL;

	CU_ASSERT_FATAL(lyd_parse_data_mem(ctx, text, LYD_XML,
					   LYD_PARSE_ONLY | LYD_PARSE_OPAQ, 0,
					   &f) == LY_SUCCESS);
	return f;
}

static void test_subtree(void)
{
	struct lyd_node *t = NULL, *f, *out = NULL;
	struct vpnha_nc_error err;
	char **x = NULL;

	CU_ASSERT_EQUAL(edit(&t, base, VPNHA_NC_OP_MERGE, &err), 0);
	f =
		filter("<vpnhad xmlns=\"http://frrouting.org/yang/vpnhad\">"
		       "<tunnel><name>t1</name><interface/></tunnel></vpnhad>");
	CU_ASSERT_EQUAL(vpnha_nc_subtree_to_xpaths(ctx, f, &x, &err), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	/* The content match node (the key) is part of the selection. */
	CU_ASSERT_STRING_EQUAL(x[0],
			       "/frr-vpnhad:vpnhad/tunnel[name='t1']/name");
	CU_ASSERT_STRING_EQUAL(
		x[1], "/frr-vpnhad:vpnhad/tunnel[name='t1']/interface");
	CU_ASSERT_EQUAL(vpnha_nc_select(t, x, &out, &err), 0);
	CU_ASSERT_STRING_EQUAL(
		value(out, "/frr-vpnhad:vpnhad/tunnel[name='t1']/interface"),
		"vti1");
	CU_ASSERT_PTR_NULL(
		value(out, "/frr-vpnhad:vpnhad/tunnel[name='t1']/peer"));
	CU_ASSERT_PTR_NULL(
		value(out, "/frr-vpnhad:vpnhad/peer[name='cloud-a']/name"));
	lyd_free_all(out);
	vpnha_nc_xpaths_free(x);
	lyd_free_all(f);

	/* A content match that matches nothing selects nothing. */
	f =
		filter("<vpnhad xmlns=\"http://frrouting.org/yang/vpnhad\">"
		       "<peer><name>zzz</name></peer></vpnhad>");
	CU_ASSERT_EQUAL(vpnha_nc_subtree_to_xpaths(ctx, f, &x, &err), 0);
	CU_ASSERT_EQUAL(vpnha_nc_select(t, x, &out, &err), 0);
	CU_ASSERT_PTR_NULL(out);
	vpnha_nc_xpaths_free(x);
	lyd_free_all(f);

	/* Unknown namespace: an error naming it. */
	f = filter("<foo xmlns=\"urn:nothing\"/>");
	CU_ASSERT_EQUAL(vpnha_nc_subtree_to_xpaths(ctx, f, &x, &err), -1);
	CU_ASSERT_STRING_EQUAL(err.tag, "unknown-namespace");
	lyd_free_all(f);

	/* No filter: everything. */
	CU_ASSERT_EQUAL(vpnha_nc_select(t, NULL, &out, &err), 0);
	CU_ASSERT_STRING_EQUAL(
		value(out, "/frr-vpnhad:vpnhad/peer[name='cloud-a']/address"),
		"203.0.113.1");
	lyd_free_all(out);
	lyd_free_all(t);
}

static void test_confirm(void)
{
	struct vpnha_nc_confirm cc = {};
	struct vpnha_nc_error err;

	/* Plain commit. */
	CU_ASSERT_EQUAL(
		vpnha_nc_confirm_commit(&cc, 1, false, 0, NULL, NULL, 0, &err),
		VPNHA_NC_CC_COMMIT);
	/* Confirmed commit, default 600 s; expires unless confirmed. */
	CU_ASSERT_EQUAL(vpnha_nc_confirm_commit(&cc, 1, true, 0, NULL, NULL,
						1000, &err),
			VPNHA_NC_CC_START);
	CU_ASSERT_EQUAL(cc.deadline_ms, 601000);
	CU_ASSERT_FALSE(vpnha_nc_confirm_expired(&cc, 600999));
	/* Another session can neither confirm nor commit. */
	CU_ASSERT_EQUAL(vpnha_nc_confirm_commit(&cc, 2, false, 0, NULL, NULL,
						2000, &err),
			VPNHA_NC_CC_REFUSED);
	CU_ASSERT_STRING_EQUAL(err.tag, "in-use");
	CU_ASSERT_TRUE(vpnha_nc_confirm_expired(&cc, 601000));
	CU_ASSERT_FALSE(cc.pending);

	/* Confirmed, extended, then confirmed by a plain commit. */
	CU_ASSERT_EQUAL(
		vpnha_nc_confirm_commit(&cc, 1, true, 5, NULL, NULL, 0, &err),
		VPNHA_NC_CC_START);
	CU_ASSERT_EQUAL(vpnha_nc_confirm_commit(&cc, 1, true, 5, NULL, NULL,
						4000, &err),
			VPNHA_NC_CC_EXTEND);
	CU_ASSERT_EQUAL(cc.deadline_ms, 9000);
	CU_ASSERT_EQUAL(vpnha_nc_confirm_commit(&cc, 1, false, 0, NULL, NULL,
						5000, &err),
			VPNHA_NC_CC_CONFIRM);
	CU_ASSERT_FALSE(vpnha_nc_confirm_expired(&cc, 100000));

	/* Session end rolls back, unless persist was given. */
	vpnha_nc_confirm_commit(&cc, 3, true, 5, NULL, NULL, 0, &err);
	CU_ASSERT_FALSE(vpnha_nc_confirm_session_end(&cc, 4));
	CU_ASSERT_TRUE(vpnha_nc_confirm_session_end(&cc, 3));
	vpnha_nc_confirm_commit(&cc, 3, true, 5, "tok", NULL, 0, &err);
	CU_ASSERT_FALSE(vpnha_nc_confirm_session_end(&cc, 3));
	/* Persisted: any session with the persist-id confirms. */
	CU_ASSERT_EQUAL(
		vpnha_nc_confirm_commit(&cc, 9, false, 0, NULL, "bad", 0, &err),
		VPNHA_NC_CC_REFUSED);
	CU_ASSERT_EQUAL(
		vpnha_nc_confirm_commit(&cc, 9, false, 0, NULL, "tok", 0, &err),
		VPNHA_NC_CC_CONFIRM);
	/* cancel-commit. */
	CU_ASSERT_FALSE(vpnha_nc_confirm_cancel(&cc, 1, NULL, &err));
	vpnha_nc_confirm_commit(&cc, 1, true, 5, NULL, NULL, 0, &err);
	CU_ASSERT_FALSE(vpnha_nc_confirm_cancel(&cc, 2, NULL, &err));
	CU_ASSERT_TRUE(vpnha_nc_confirm_cancel(&cc, 1, NULL, &err));
	CU_ASSERT_FALSE(cc.pending);
}

static void test_replay(void)
{
	static struct vpnha_nc_replay r;
	static int items[VPNHA_NC_REPLAY_MAX + 2];
	void *out[VPNHA_NC_REPLAY_MAX];
	unsigned int n;

	/* Kept in order; the window is inclusive. */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_PTR_NULL(
			vpnha_nc_replay_add(&r, 1000 * (i + 1), &items[i]));
	n = vpnha_nc_replay_select(&r, 2000, INT64_MAX, out, 10);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_PTR_EQUAL(out[0], &items[1]);
	CU_ASSERT_PTR_EQUAL(out[1], &items[2]);
	CU_ASSERT_EQUAL(vpnha_nc_replay_select(&r, 0, 2000, out, 10), 2);
	CU_ASSERT_EQUAL(vpnha_nc_replay_select(&r, 0, INT64_MAX, out, 1), 1);
	CU_ASSERT_EQUAL(vpnha_nc_replay_select(&r, 3001, INT64_MAX, out, 10),
			0);
	/* Bounded: the oldest goes out, handed back to be freed. */
	for (int i = 3; i < VPNHA_NC_REPLAY_MAX; i++)
		CU_ASSERT_PTR_NULL(
			vpnha_nc_replay_add(&r, 1000 * (i + 1), &items[i]));
	CU_ASSERT_PTR_EQUAL(
		vpnha_nc_replay_add(&r, 999999999, &items[VPNHA_NC_REPLAY_MAX]),
		&items[0]);
	CU_ASSERT_EQUAL(r.count, VPNHA_NC_REPLAY_MAX);
	n = vpnha_nc_replay_select(&r, 0, INT64_MAX, out, VPNHA_NC_REPLAY_MAX);
	CU_ASSERT_EQUAL(n, VPNHA_NC_REPLAY_MAX);
	CU_ASSERT_PTR_EQUAL(out[0], &items[1]);
	CU_ASSERT_PTR_EQUAL(out[n - 1], &items[VPNHA_NC_REPLAY_MAX]);
}

static void test_subscription(void)
{
	/* 2026-12-03T10:00:00Z */
	const int64_t now = 1796292000LL * 1000000;
	struct vpnha_nc_subscription sub;
	struct vpnha_nc_error err;

	CU_ASSERT_EQUAL(
		vpnha_nc_subscription_parse(NULL, NULL, now, &sub, &err), 0);
	CU_ASSERT_FALSE(sub.replay);
	CU_ASSERT_EQUAL(vpnha_nc_subscription_parse("2026-12-03T09:59:59.25Z",
						    "2026-12-03T11:00:00+01:00",
						    now, &sub, &err),
			0);
	CU_ASSERT_TRUE(sub.replay && sub.has_stop);
	CU_ASSERT_EQUAL(sub.start_us, now - 750000);
	CU_ASSERT_EQUAL(sub.stop_us, now);
	/* RFC 5277 2.1.1's errors. */
	CU_ASSERT_EQUAL(vpnha_nc_subscription_parse(
				NULL, "2026-12-03T09:00:00Z", now, &sub, &err),
			-1);
	CU_ASSERT_STRING_EQUAL(err.tag, "missing-element");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.path, "startTime"));
	CU_ASSERT_EQUAL(vpnha_nc_subscription_parse("2026-12-03T10:00:01Z",
						    NULL, now, &sub, &err),
			-1);
	CU_ASSERT_STRING_EQUAL(err.tag, "bad-element");
	CU_ASSERT_STRING_EQUAL(
		err.message, "startTime 2026-12-03T10:00:01Z is in the future");
	CU_ASSERT_EQUAL(vpnha_nc_subscription_parse("2026-12-03T09:00:00Z",
						    "2026-12-03T08:00:00Z", now,
						    &sub, &err),
			-1);
	CU_ASSERT_STRING_EQUAL(err.tag, "bad-element");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.path, "stopTime"));
	CU_ASSERT_EQUAL(
		vpnha_nc_subscription_parse("yesterday", NULL, now, &sub, &err),
		-1);
	CU_ASSERT_STRING_EQUAL(err.tag, "bad-element");
}

static void test_error_paths(void)
{
	char path[128];
	const char *tag;

	/* FRR 8.4's and FRR 10's validation messages. */
	CU_ASSERT_TRUE(vpnha_nc_nb_error_path(
		"Invalid leafref value \"x\" - no target instance. (Data "
		"location \"/frr-vpnhad:vpnhad/tunnel[name='t3']/peer\".)",
		path, sizeof(path), &tag));
	CU_ASSERT_STRING_EQUAL(path,
			       "/frr-vpnhad:vpnhad/tunnel[name='t3']/peer");
	CU_ASSERT_STRING_EQUAL(tag, "data-missing");
	CU_ASSERT_TRUE(vpnha_nc_nb_error_path(
		"YANG error(s):\n Path: /frr-vpnhad:vpnhad/tunnel[name='t3']/"
		"peer\n Error: Invalid leafref value \"x\" - no target.\n",
		path, sizeof(path), &tag));
	CU_ASSERT_STRING_EQUAL(path,
			       "/frr-vpnhad:vpnhad/tunnel[name='t3']/peer");
	CU_ASSERT_STRING_EQUAL(tag, "data-missing");
	CU_ASSERT_TRUE(vpnha_nc_nb_error_path(
		"YANG error(s):\n Path: /frr-vpnhad:vpnhad/x\n Error: Value "
		"\"300\" is out of bounds.\n",
		path, sizeof(path), &tag));
	CU_ASSERT_STRING_EQUAL(tag, "invalid-value");
	CU_ASSERT_FALSE(vpnha_nc_nb_error_path("no path here", path,
					       sizeof(path), &tag));
}

static void test_roles(void)
{
	CU_ASSERT_TRUE(vpnha_nc_role_allows(VPNHA_NC_ROLE_READ_ONLY, "get"));
	CU_ASSERT_TRUE(
		vpnha_nc_role_allows(VPNHA_NC_ROLE_READ_ONLY, "get-config"));
	CU_ASSERT_FALSE(
		vpnha_nc_role_allows(VPNHA_NC_ROLE_READ_ONLY, "edit-config"));
	CU_ASSERT_FALSE(vpnha_nc_role_allows(VPNHA_NC_ROLE_READ_ONLY, "lock"));
	CU_ASSERT_FALSE(
		vpnha_nc_role_allows(VPNHA_NC_ROLE_READ_ONLY, "kill-session"));
	CU_ASSERT_FALSE(vpnha_nc_role_allows(VPNHA_NC_ROLE_NONE, "get"));
	CU_ASSERT_TRUE(
		vpnha_nc_role_allows(VPNHA_NC_ROLE_READ_WRITE, "edit-config"));
}

static void test_config(void)
{
	struct vpnha_nc_config cfg;
	char msg[256];

	CU_ASSERT_EQUAL(
		vpnha_nc_config_parse(&cfg,
				      "# NETCONF\n"
				      "listen 127.0.0.1 8300\n"
				      "max-sessions 4\n"
				      "max-message-size 100000\n"
				      "user ops read-write /etc/k1\n"
				      "user noc read-only /etc/k2 # x\n",
				      msg, sizeof(msg)),
		0);
	CU_ASSERT_STRING_EQUAL(cfg.address, "127.0.0.1");
	CU_ASSERT_EQUAL(cfg.port, 8300);
	CU_ASSERT_EQUAL(cfg.max_sessions, 4);
	CU_ASSERT_EQUAL(cfg.max_message_size, 100000);
	CU_ASSERT_EQUAL(cfg.n_users, 2);
	CU_ASSERT_EQUAL(vpnha_nc_config_user(&cfg, "noc")->role,
			VPNHA_NC_ROLE_READ_ONLY);
	CU_ASSERT_PTR_NULL(vpnha_nc_config_user(&cfg, "root"));

	CU_ASSERT_EQUAL(vpnha_nc_config_parse(&cfg, "user ops admin /etc/k1\n",
					      msg, sizeof(msg)),
			-1);
	VPNHA_CU_MSG_EQUAL(
		msg,
		"line 1: bad user role (read-only or read-write) (\"user\")");
	CU_ASSERT_EQUAL(vpnha_nc_config_parse(&cfg, "listen :: 99999\n", msg,
					      sizeof(msg)),
			-1);
	VPNHA_CU_MSG_EQUAL(msg, "line 1: bad listen port (\"listen\")");
	CU_ASSERT_EQUAL(
		vpnha_nc_config_parse(&cfg, "listen ::\n", msg, sizeof(msg)),
		-1);
	VPNHA_CU_MSG_EQUAL(msg, "no user configured: nobody could log in");
	CU_ASSERT_EQUAL(
		vpnha_nc_config_parse(&cfg, "lisen ::\n", msg, sizeof(msg)),
		-1);
	VPNHA_CU_MSG_EQUAL(msg, "line 1: unknown setting \"lisen\"");
}

/* The <config> of an <edit-config> RPC, as libnetconf2 parses it. */
static struct lyd_node *rpc_config(const char *rpc, struct lyd_node **envp,
				   struct lyd_node **op)
{
	struct ly_in *in = NULL;
	struct lyd_node *c;

	CU_ASSERT_FATAL(ly_in_new_memory(rpc, &in) == LY_SUCCESS);
	CU_ASSERT_FATAL(lyd_parse_op(ctx, NULL, in, LYD_XML,
				     LYD_TYPE_RPC_NETCONF, envp,
				     op) == LY_SUCCESS);
	ly_in_free(in, 0);
	LY_LIST_FOR (lyd_child(*op), c)
		if (strcmp(LYD_NAME(c), "config") == 0)
			return c;
	CU_FAIL_FATAL("no <config>");
	return NULL;
}

#define RPC_EDIT(config)                                                       \
	"<rpc xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" "              \
	"message-id=\"1\"><edit-config><target><running/></target>"            \
	"<config>" config "</config></edit-config></rpc>"

/*
 * Found by tests/fuzz/fuzz_netconf.c: an element with an undeclared
 * prefix in <config> crashed libyang's printer (NULL namespace) when the
 * server turned the content into text.  Now an unknown-namespace error.
 * (An undeclared attribute prefix is refused by libyang's parser.)
 */
static void test_any_undeclared_prefix(void)
{
	static const char *const bad[][2] = {
		{RPC_EDIT(
			 "<vpnhad xmlns=\"http://frrouting.org/yang/vpnhad\">"
			 "<tunnel><name>t1</name><inter:c/></tunnel></vpnhad>"),
		 "<inter:c>"},
		/* Inside an anyxml of the content (an ietf-netconf <get>'s
		 * <filter>, in the base namespace): libyang 2 crashed
		 * printing it (found by fuzz_netconf, 7.8 M executions). */
		{RPC_EDIT("<vpnhad><get><filter tp=\"tee\"><o:tk/></filter>"
			  "</get></vpnhad>"),
		 "<o:tk>"},
	};
	struct lyd_node *envp = NULL, *op = NULL, *c;
	struct vpnha_nc_error err;
	char *text = (char *)"unset";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = rpc_config(bad[i][0], &envp, &op);
		CU_ASSERT_EQUAL(vpnha_nc_any_to_xml(c, &text, &err), -1);
		CU_ASSERT_PTR_NULL(text);
		CU_ASSERT_STRING_EQUAL(err.tag, "unknown-namespace");
		CU_ASSERT_PTR_NOT_NULL(strstr(err.message, bad[i][1]));
		lyd_free_all(envp);
		lyd_free_all(op);
	}
	/* Declared prefixes print and parse back. */
	c = rpc_config(RPC_EDIT("<vpnhad xmlns=\"http://frrouting.org/yang/"
				"vpnhad\" xmlns:nc=\"urn:ietf:params:xml:"
				"ns:netconf:base:1.0\"><tunnel "
				"nc:operation=\"delete\"><name>t1</name>"
				"</tunnel></vpnhad>"),
		       &envp, &op);
	CU_ASSERT_EQUAL(vpnha_nc_any_to_xml(c, &text, &err), 0);
	CU_ASSERT_PTR_NOT_NULL(text && strstr(text, "operation=\"delete\""));
	free(text);
	lyd_free_all(envp);
	lyd_free_all(op);
}

static const struct vpnha_cunit_test tests[] = {
	{"edit merge", test_merge},
	{"edit create/delete/remove", test_create_delete_remove},
	{"edit replace and default none", test_replace_and_none},
	{"edit of state data refused", test_state_refused},
	{"error-option continue-on-error", test_continue_on_error},
	{"invalid value in a subtree copied whole",
	 test_invalid_value_in_copied_subtree},
	{"subtree filter", test_subtree},
	{"confirmed commit", test_confirm},
	{"notification replay buffer", test_replay},
	{"create-subscription times", test_subscription},
	{"error paths", test_error_paths},
	{"roles", test_roles},
	{"configuration file", test_config},
	{"undeclared prefix in anyxml", test_any_undeclared_prefix},
};

static const struct vpnha_cunit_suite suite = {
	.name = "netconf core",
	.tests = tests,
	.n = sizeof(tests) / sizeof(tests[0]),
	.init = setup,
	.cleanup = teardown,
};

int main(void)
{
	return vpnha_cunit_run_suites(&suite, 1);
}
