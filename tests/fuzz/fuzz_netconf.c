// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer: NETCONF RPCs as a client sends them, through the pure core
 * (vpnha_netconf.c) the way vpnha_netconf_io.c drives it, on a libyang
 * context with frr-vpnhad and ietf-netconf loaded:
 *
 * - the input is parsed as a NETCONF <rpc> (libyang's own parser, as
 *   libnetconf2 does), the operation dispatched by name;
 * - <edit-config>: <default-operation> parsed, <config> parsed strictly
 *   (else opaque, as the server falls back), applied by the edit-config
 *   engine to a copy of a running datastore, the result validated;
 * - <get>/<get-config>: <filter> type xpath or subtree; a subtree
 *   filter turned into XPaths, which then select from the datastore;
 * - <commit>/<cancel-commit>/<close-session>: the confirmed-commit
 *   state machine;
 * - every RPC name through the role check of both roles;
 * - the whole input also as the module's configuration file text.
 *
 * The engine must not crash, leak or report failure without a tag.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>
#include <libyang/version.h>

#include "vpnha_netconf.h"
#include "fuzz.h"

#ifndef VPNHA_YANG_DIR
#error "VPNHA_YANG_DIR: the source tree's yang/ directory"
#endif

static struct ly_ctx *ctx;
static struct lyd_node *running;
static struct vpnha_nc_confirm confirm;

static const char running_xml[] =
	"<vpnhad xmlns=\"http://frrouting.org/yang/vpnhad\">"
	"<peer><name>cloud-a</name><address>203.0.113.1</address></peer>"
	"<tunnel><name>t1</name><interface>vti1</interface>"
	"<peer>cloud-a</peer></tunnel>"
	"<tunnel><name>t2</name><interface>vti2</interface>"
	"<peer>cloud-a</peer></tunnel>"
	"<route><prefix>10.0.0.0/16</prefix><tunnel>t1</tunnel>"
	"<weight>0</weight></route>"
	"<route><prefix>10.0.0.0/16</prefix><tunnel>t2</tunnel>"
	"<weight>100</weight></route>"
	"</vpnhad>";

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *features[] = {"*", NULL};

	(void)argc;
	(void)argv;
	ly_log_options(0);
	if (ly_ctx_new(VPNHA_YANG_DIR, 0, &ctx) ||
	    ly_ctx_set_searchdir(ctx, VPNHA_YANG_DIR "/netconf") ||
	    !ly_ctx_load_module(ctx, "frr-vpnhad", NULL, NULL) ||
	    !ly_ctx_load_module(ctx, "ietf-netconf", NULL, features) ||
	    !ly_ctx_load_module(ctx, "notifications", NULL, NULL) ||
	    lyd_parse_data_mem(ctx, running_xml, LYD_XML,
			       LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0,
			       &running)) {
		fprintf(stderr, "fuzz_netconf: cannot load %s\n",
			VPNHA_YANG_DIR);
		abort();
	}
	return 0;
}

/* A child of the operation by name (any module). */
static struct lyd_node *child(const struct lyd_node *op, const char *name)
{
	struct lyd_node *c;

	LY_LIST_FOR (lyd_child(op), c)
		if (strcmp(LYD_NAME(c), name) == 0)
			return c;
	return NULL;
}

static const char *child_value(const struct lyd_node *op, const char *name)
{
	struct lyd_node *c = child(op, name);

	return c && c->schema && (c->schema->nodetype & LYD_NODE_TERM)
		       ? lyd_get_value(c)
		       : NULL;
}

/* A failure must say what it is. */
static void check_err(int ret, const struct vpnha_nc_error *err)
{
	if (ret < 0 && (!err->type || !err->tag))
		abort();
}

/* An anyxml/anydata value as a data tree, as nc_any_parse() does. */
static struct lyd_node *any_parse(const struct lyd_node *any, uint32_t opts)
{
	struct lyd_node *tree = NULL;
	struct vpnha_nc_error err = {};
	char *xml = NULL;
	int ret = vpnha_nc_any_to_xml(any, &xml, &err);

	check_err(ret, &err);
	if (ret < 0 || !xml)
		return NULL;
	if (lyd_parse_data_mem(ctx, xml, LYD_XML, LYD_PARSE_ONLY | opts, 0,
			       &tree) != LY_SUCCESS) {
		/* libyang 3 may leave a partial tree behind on an error. */
		lyd_free_all(tree);
		tree = NULL;
	}
	free(xml);
	return tree;
}

static void edit_config(const struct lyd_node *op)
{
	struct lyd_node *config = child(op, "config"), *edit, *ds = NULL;
	const char *dflt = child_value(op, "default-operation");
	enum vpnha_nc_op dop = VPNHA_NC_OP_MERGE;
	struct vpnha_nc_error err = {};
	int ret;

	if (!config || (dflt && vpnha_nc_op_parse(dflt, &dop) < 0))
		return;
	edit = any_parse(config, LYD_PARSE_NO_STATE | LYD_PARSE_STRICT);
	if (!edit)
		edit = any_parse(config, LYD_PARSE_OPAQ);
	if (!edit)
		return;
	if (lyd_dup_siblings(running, NULL, LYD_DUP_RECURSIVE, &ds))
		abort();
	ret = vpnha_nc_edit_apply(&ds, edit, dop, &err);
	check_err(ret, &err);
	if (ret == 0 && ds)
		/* What the northbound does next: the result must be a
		 * tree libyang can validate (valid or not). */
		lyd_validate_all(&ds, NULL, LYD_VALIDATE_NO_STATE, NULL);
	lyd_free_all(ds);
	lyd_free_all(edit);
}

static void get(const struct lyd_node *op)
{
	struct lyd_node *f = child(op, "filter"), *tree = NULL, *out = NULL;
	struct lyd_meta *type, *select;
	struct vpnha_nc_error err = {};
	char **xpaths = NULL;
	int ret;

	if (!f)
		return;
	type = lyd_find_meta(f->meta, NULL, "ietf-netconf:type");
	if (type && strcmp(lyd_get_meta_value(type), "xpath") == 0) {
		select = lyd_find_meta(f->meta, NULL, "ietf-netconf:select");
		if (!select)
			return;
		xpaths = calloc(2, sizeof(char *));
		xpaths[0] = strdup(lyd_get_meta_value(select));
		ret = 0;
	} else if (!(f->schema->nodetype & LYS_ANYDATA)) {
		return;
	} else if (((struct lyd_node_any *)f)->value_type ==
		   LYD_ANYDATA_DATATREE) {
		ret = vpnha_nc_subtree_to_xpaths(
			ctx, ((struct lyd_node_any *)f)->value.tree, &xpaths,
			&err);
	} else {
		tree = any_parse(f, LYD_PARSE_OPAQ);
		ret = vpnha_nc_subtree_to_xpaths(ctx, tree, &xpaths, &err);
		lyd_free_siblings(tree);
	}
	check_err(ret, &err);
	if (ret < 0)
		return;
	ret = vpnha_nc_select(running, xpaths, &out, &err);
	check_err(ret, &err);
	lyd_free_all(out);
	vpnha_nc_xpaths_free(xpaths);
}

static void commit(const struct lyd_node *op, bool cancel)
{
	const char *t = child_value(op, "confirm-timeout");
	struct vpnha_nc_error err = {};
	static int64_t now_ms;

	now_ms += 1000;
	if (cancel) {
		vpnha_nc_confirm_cancel(&confirm, 1,
					child_value(op, "persist-id"), &err);
		return;
	}
	if (vpnha_nc_confirm_commit(&confirm, 1, child(op, "confirmed"),
				    t ? (uint32_t)strtoul(t, NULL, 10) : 0,
				    child_value(op, "persist"),
				    child_value(op, "persist-id"), now_ms,
				    &err) == VPNHA_NC_CC_REFUSED)
		check_err(-1, &err);
	vpnha_nc_confirm_expired(&confirm, now_ms);
}

/* <create-subscription>'s replay window. */
static void subscribe(const struct lyd_node *op)
{
	struct vpnha_nc_subscription sub;
	struct vpnha_nc_error err = {};

	check_err(vpnha_nc_subscription_parse(child_value(op, "startTime"),
					      child_value(op, "stopTime"),
					      1796292000LL * 1000000, &sub,
					      &err),
		  &err);
}

/*
 * libyang 3.12 (Debian 13) reads past the end of an input that stops
 * inside a date-and-time value (tests/fuzz/known/
 * libyang3-overread-truncated-time.xml; libyang alone does it:
 * tests/fuzz/known/ly3leak.c).  Zeroed slack after the input keeps that
 * read inside the buffer so that the run goes on to vpnhad's code; on
 * libyang 2 the input ends at its NUL, so any over-read is seen.
 */
#ifndef LY_VERSION_MAJOR
#error "libyang/version.h: no LY_VERSION_MAJOR"
#elif LY_VERSION_MAJOR >= 3
#define INPUT_SLACK 64
#else
#define INPUT_SLACK 1
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lyd_node *envp = NULL, *op = NULL;
	struct vpnha_nc_config *cfg;
	struct ly_in *in = NULL;
	char *text = calloc(1, size + INPUT_SLACK), msg[256];
	const char *name;

	memcpy(text, data, size);

	/* The -M module's configuration file. */
	cfg = calloc(1, sizeof(*cfg));
	vpnha_nc_config_parse(cfg, text, msg, sizeof(msg));
	free(cfg);

	if (ly_in_new_memory(text, &in) == LY_SUCCESS &&
	    lyd_parse_op(ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &envp,
			 &op) == LY_SUCCESS &&
	    op && op->schema) {
		name = op->schema->name;
		vpnha_nc_role_allows(VPNHA_NC_ROLE_READ_ONLY, name);
		vpnha_nc_role_allows(VPNHA_NC_ROLE_READ_WRITE, name);
		if (strcmp(name, "edit-config") == 0)
			edit_config(op);
		else if (strcmp(name, "get") == 0 ||
			 strcmp(name, "get-config") == 0)
			get(op);
		else if (strcmp(name, "commit") == 0)
			commit(op, false);
		else if (strcmp(name, "cancel-commit") == 0)
			commit(op, true);
		else if (strcmp(name, "close-session") == 0)
			vpnha_nc_confirm_session_end(&confirm, 1);
		else if (strcmp(name, "create-subscription") == 0)
			subscribe(op);
	}
	lyd_free_all(envp);
	lyd_free_all(op);
	ly_in_free(in, 0);
	free(text);
	return 0;
}
