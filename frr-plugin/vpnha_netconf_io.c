// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad NETCONF server: an FRR module (vpnhad -M netconf:CONFIG-FILE)
 * embedding libnetconf2 on FRR's own libyang context.  Loaded by
 * vpnha_netconf_load.c (see there why in two steps).
 *
 * Threads: libnetconf2's nc_accept() blocks for a whole SSH handshake and
 * nc_ps_poll() busy-waits, so an accept thread and a poll thread own the
 * sockets; every RPC is handed to FRR's main thread (as FRR's gRPC
 * northbound does) and runs there through the northbound, the same
 * validate/prepare/apply as vtysh.  A notifier thread writes
 * notifications, so a slow client never blocks the main thread.
 *
 * The protocol logic (edit-config engine, subtree filter, confirmed
 * commit, roles, configuration file) is in vpnha_netconf.c; the
 * libnetconf2 2.0/3.x differences are in vpnha_netconf_compat.h.
 */
#include <zebra.h>

#include <pthread.h>
#include <sys/stat.h>

#include "lib/frrcu.h"
#include "lib/hook.h"
#include "lib/libfrr.h"
#include "lib/log.h"
#include "lib/memory.h"
#include "lib/module.h"
#include "lib/monotime.h"
#include "lib/northbound.h"
#include "lib/privs.h"
#include "lib/version.h"
#include "lib/yang.h"

#include "vpnha_compat.h"
#include "vpnha.h"
#include "vpnha_netconf_io.h"
#include "vpnha_netconf_compat.h"
#include "vpnha_netconf.h"

#ifndef VPNHA_NETCONF_YANGDIR
#define VPNHA_NETCONF_YANGDIR "/usr/share/yang/vpnhad-netconf"
#endif

extern struct zebra_privs_t vpnha_privs;

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_NC_SESSION, "NETCONF session");
DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_NC_SESSIONS, "NETCONF session table");

/*
 * nc_accept() runs a whole SSH handshake: with several accepting
 * threads, a client stalling its handshake (until hello-timeout) does
 * not hold up the others' logins unless it opens this many at once.
 */
#define VPNHA_NC_ACCEPT_THREADS 8
/*
 * How long one nc_accept() call waits for a connection.  libnetconf2
 * lets one thread at a time poll the listening socket, so at shutdown
 * the accepting threads leave one after the other, each after its own
 * wait: with 200 ms vpnhad took 1.6 s to exit on SIGTERM (strace), now
 * at most 8 x 50 ms.  Idle, that is 20 polls a second.
 */
#define VPNHA_NC_ACCEPT_POLL_MS 50

/* One NETCONF session, as vpnhad sees it (nc_session_get_data). */
struct vpnha_nc_sess {
	struct nc_session *s;
	uint32_t id;
	char user[64];
	char host[64];
	enum vpnha_nc_role role;
	bool subscribed;
	/* Its <create-subscription> reply is not written yet: the
	 * notifier waits (RFC 5277: replay after the <ok>). */
	bool hold;
	vpnha_event_t *t_stop;		  /* stopTime (main thread) */
	struct vpnha_nc_sess *ended_next; /* on nc.ended */
};

/* An RPC handed from the poll thread to the main thread. */
struct vpnha_nc_job {
	struct lyd_node *rpc;
	struct nc_session *s;
	struct nc_server_reply *reply;
	bool done;
};

/* A notification waiting for the notifier thread. */
struct vpnha_nc_notif {
	struct vpnha_nc_notif *next;
	struct lyd_node *tree;
	char *eventtime;
	uint32_t target; /* 0: every subscribed session; else that one */
	bool ends;	 /* notificationComplete: the subscription ends */
};

/* A notification kept for replay (main thread). */
struct vpnha_nc_kept {
	struct lyd_node *tree;
	char *eventtime;
};

static struct {
	struct vpnha_nc_config cfg;
	bool started;
	volatile bool stop;
	pthread_t accept_thr[VPNHA_NC_ACCEPT_THREADS], poll_thr, notif_thr;
	struct nc_pollsession *ps;

	/* Guards sessions, jobs and the notification queue. */
	pthread_mutex_t mtx;
	pthread_cond_t job_cond, notif_cond;
	struct vpnha_nc_sess **sessions;
	unsigned int n_sessions;
	/* Ended, not yet released by the main thread. */
	struct vpnha_nc_sess *ended;
	struct vpnha_nc_notif *notif_head, **notif_tail;

	/* Main thread only. */
	struct nb_config *candidate;	       /* NULL: same as running */
	uint32_t lock_running, lock_candidate; /* holder session ids */
	struct vpnha_nc_sess *lock_running_owner;
	struct vpnha_nc_confirm cc;
	struct nb_config *rollback; /* running before the confirmed commit */
	vpnha_event_t *t_confirm;
	vpnha_event_t *t_start;
	struct vpnha_nc_replay replay; /* of struct vpnha_nc_kept */
} nc = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.job_cond = PTHREAD_COND_INITIALIZER,
	.notif_cond = PTHREAD_COND_INITIALIZER,
};

#define NC_CLIENT NB_CLIENT_NONE

/* Monotonic milliseconds. */
static int64_t nc_now_ms(void)
{
	struct timeval tv;

	monotime(&tv);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Wall-clock microseconds (eventTime, startTime). */
static int64_t nc_realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Replies and errors. */

static NC_ERR nc_tag(const char *tag)
{
	static const struct {
		const char *name;
		NC_ERR tag;
	} tags[] = {
		{"in-use", NC_ERR_IN_USE},
		{"invalid-value", NC_ERR_INVALID_VALUE},
		{"too-big", NC_ERR_TOO_BIG},
		{"bad-attribute", NC_ERR_BAD_ATTR},
		{"unknown-element", NC_ERR_UNKNOWN_ELEM},
		{"missing-element", NC_ERR_MISSING_ELEM},
		{"bad-element", NC_ERR_BAD_ELEM},
		{"unknown-namespace", NC_ERR_UNKNOWN_NS},
		{"access-denied", NC_ERR_ACCESS_DENIED},
		{"lock-denied", NC_ERR_LOCK_DENIED},
		{"resource-denied", NC_ERR_RES_DENIED},
		{"data-exists", NC_ERR_DATA_EXISTS},
		{"data-missing", NC_ERR_DATA_MISSING},
		{"operation-not-supported", NC_ERR_OP_NOT_SUPPORTED},
		{"operation-failed", NC_ERR_OP_FAILED},
	};

	for (size_t i = 0; i < array_size(tags); i++)
		if (strcmp(tag, tags[i].name) == 0)
			return tags[i].tag;
	return NC_ERR_OP_FAILED;
}

static struct lyd_node *nc_err_node(const struct vpnha_nc_error *e)
{
	NC_ERR_TYPE type = strcmp(e->type, "protocol") == 0 ? NC_ERR_TYPE_PROT
							    : NC_ERR_TYPE_APP;
	NC_ERR tag = nc_tag(e->tag);
	const char *elem = strrchr(e->path, '/');
	struct lyd_node *err;

	/* error-info's bad-element: the path's last node, unprefixed. */
	elem = elem ? elem + 1 : e->path;
	if (strchr(elem, ':'))
		elem = strchr(elem, ':') + 1;
	switch (tag) {
	case NC_ERR_MISSING_ELEM:
	case NC_ERR_BAD_ELEM:
		err = nc_err(ly_native_ctx, tag, type, elem);
		break;
	case NC_ERR_BAD_ATTR:
		err = nc_err(ly_native_ctx, tag, type, "operation", "");
		break;
	case NC_ERR_UNKNOWN_ELEM:
		err = nc_err(ly_native_ctx, tag, type, "");
		break;
	case NC_ERR_UNKNOWN_NS:
		err = nc_err(ly_native_ctx, tag, type, "", "");
		break;
	case NC_ERR_LOCK_DENIED:
		err = nc_err(ly_native_ctx, tag, (uint32_t)0);
		break;
	case NC_ERR_DATA_EXISTS:
	case NC_ERR_DATA_MISSING:
		err = nc_err(ly_native_ctx, tag);
		break;
	default:
		err = nc_err(ly_native_ctx, tag, type);
		break;
	}
	if (e->path[0])
		nc_err_set_path(err, e->path);
	nc_err_set_msg(err, e->message, "en");
	return err;
}

static struct nc_server_reply *nc_reply_err(const struct vpnha_nc_error *e)
{
	return nc_server_reply_err(nc_err_node(e));
}

/* reply (an error reply, or NULL) with the n errors of errs added. */
static struct nc_server_reply *
nc_reply_add_errs(struct nc_server_reply *reply,
		  const struct vpnha_nc_error *errs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!reply)
			reply = nc_reply_err(&errs[i]);
		else
			nc_server_reply_add_err(reply, nc_err_node(&errs[i]));
	}
	return reply;
}

static struct nc_server_reply *nc_fail(const char *type, const char *tag,
				       const char *path, const char *fmt, ...)
	PRINTFRR(4, 5);

static struct nc_server_reply *nc_fail(const char *type, const char *tag,
				       const char *path, const char *fmt, ...)
{
	struct vpnha_nc_error e = {.type = type, .tag = tag};
	va_list ap;

	snprintf(e.path, sizeof(e.path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintfrr(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	return nc_reply_err(&e);
}

/*
 * Reply with value as the RPC's anyxml/anydata output "data" (a data
 * tree, or a string for <get-schema>); value is consumed.
 */
static struct nc_server_reply *nc_reply_any(struct lyd_node *rpc, void *value,
					    LYD_ANYDATA_VALUETYPE type)
{
	struct lyd_node *out = NULL;

	if (lyd_dup_single(rpc, NULL, 0, &out) ||
	    vpnha_ly_new_any_output(out, "data", value, type)) {
		if (type == LYD_ANYDATA_DATATREE)
			lyd_free_siblings(value);
		else
			free(value);
		lyd_free_tree(out);
		return nc_fail("application", "operation-failed", NULL,
			       "cannot build the reply");
	}
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

static struct nc_server_reply *nc_reply_data(struct lyd_node *rpc,
					     struct lyd_node *data)
{
	return nc_reply_any(rpc, data, LYD_ANYDATA_DATATREE);
}

/* Input helpers. */

static struct lyd_node *nc_child(const struct lyd_node *rpc, const char *name)
{
	struct lyd_node *c;

	LY_LIST_FOR (lyd_child(rpc), c)
		if (c->schema && strcmp(c->schema->name, name) == 0)
			return c;
	return NULL;
}

static const char *nc_child_value(const struct lyd_node *rpc, const char *name)
{
	struct lyd_node *c = nc_child(rpc, name);

	return c ? lyd_get_value(c) : NULL;
}

/* The datastore named in <source>/<target>: "running", "candidate", ... */
static const char *nc_datastore(const struct lyd_node *rpc, const char *which,
				struct lyd_node **config)
{
	struct lyd_node *c = nc_child(rpc, which), *ds;

	if (!c || !(ds = lyd_child(c)) || !ds->schema)
		return NULL;
	if (config)
		*config = ds;
	return ds->schema->name;
}

/* An anyxml value as a data tree of ly_native_ctx, strictly parsed. */
static int nc_any_parse(const struct lyd_node *any, bool opaque,
			struct lyd_node **tree, struct vpnha_nc_error *err)
{
	char *xml = NULL;
	/* Filters (opaque) may name state data, edits may not. */
	uint32_t opts = LYD_PARSE_ONLY | (opaque ? 0 : LYD_PARSE_NO_STATE);

	*tree = NULL;
	if (vpnha_nc_any_to_xml(any, &xml, err) < 0)
		return -1;
	if (!xml)
		return 0;
	opts |= opaque ? LYD_PARSE_OPAQ : LYD_PARSE_STRICT;
	ly_err_clean(ly_native_ctx, NULL);
	if (lyd_parse_data_mem(ly_native_ctx, xml, LYD_XML, opts, 0, tree) !=
	    LY_SUCCESS) {
		const struct ly_err_item *e = ly_err_last(ly_native_ctx);

		/* libyang 3 may leave a partial tree behind on an error. */
		lyd_free_all(*tree);
		*tree = NULL;

		snprintf(err->message, sizeof(err->message), "%s",
			 e && e->msg ? e->msg : "invalid content");
		snprintf(err->path, sizeof(err->path), "%s",
			 e && VPNHA_LY_ERR_PATH(e) ? VPNHA_LY_ERR_PATH(e) : "");
		free(xml);
		err->type = "application";
		err->tag = e && e->vecode == LYVE_REFERENCE ? "unknown-element"
							    : "invalid-value";
		return -1;
	}
	free(xml);
	return 0;
}

/*
 * Drop default leaves and the non-presence containers left empty
 * (with-defaults "explicit" basic mode).  Returns true when node itself
 * went away.
 */
static bool nc_strip_node(struct lyd_node *node)
{
	struct lyd_node *c, *next;

	if (!node->schema)
		return false;
	if (node->schema->nodetype & LYD_NODE_TERM) {
		if (!(node->flags & LYD_DEFAULT))
			return false;
		lyd_free_tree(node);
		return true;
	}
	LY_LIST_FOR_SAFE(lyd_child(node), next, c)
	nc_strip_node(c);
	if (node->schema->nodetype != LYS_CONTAINER ||
	    (node->schema->flags & LYS_PRESENCE) || lyd_child(node))
		return false;
	lyd_free_tree(node);
	return true;
}

static void nc_strip_defaults(struct lyd_node **tree)
{
	struct lyd_node *top, *next, *first = NULL;

	LY_LIST_FOR_SAFE(*tree, next, top)
	if (!nc_strip_node(top) && !first)
		first = top;
	*tree = first;
}

/* <filter>: subtree or xpath.  *xpaths NULL: no filter (everything). */
static int nc_filter(const struct lyd_node *rpc, char ***xpaths,
		     struct vpnha_nc_error *err)
{
	struct lyd_node *f = nc_child(rpc, "filter"), *tree;
	struct lyd_meta *type, *select;
	int ret;

	*xpaths = NULL;
	if (!f)
		return 0;
	type = lyd_find_meta(f->meta, NULL, "ietf-netconf:type");
	if (type && strcmp(lyd_get_meta_value(type), "xpath") == 0) {
		select = lyd_find_meta(f->meta, NULL, "ietf-netconf:select");
		if (!select) {
			err->type = "protocol";
			err->tag = "invalid-value";
			err->path[0] = '\0';
			snprintf(err->message, sizeof(err->message),
				 "xpath filter without a select attribute");
			return -1;
		}
		*xpaths = calloc(2, sizeof(char *));
		(*xpaths)[0] = strdup(lyd_get_meta_value(select));
		return 0;
	}
	/* As parsed (printing would lose empty containers), else parse. */
	if (((struct lyd_node_any *)f)->value_type == LYD_ANYDATA_DATATREE)
		return vpnha_nc_subtree_to_xpaths(
			ly_native_ctx, ((struct lyd_node_any *)f)->value.tree,
			xpaths, err);
	if (nc_any_parse(f, true, &tree, err) < 0)
		return -1;
	ret = vpnha_nc_subtree_to_xpaths(ly_native_ctx, tree, xpaths, err);
	lyd_free_siblings(tree);
	return ret;
}

/* Northbound. */

static struct nb_config *nc_candidate(void)
{
	return nc.candidate ? nc.candidate : running_config;
}

static void nc_candidate_discard(void)
{
	if (nc.candidate)
		nb_config_free(nc.candidate);
	nc.candidate = NULL;
}

/* First leaf that differs between running and cfg: the error-path of a
 * northbound callback's refusal, which FRR does not name. */
static void nc_diff_path(const struct nb_config *cfg, char *buf, size_t size)
{
	struct lyd_node *diff = NULL, *top, *elem;

	buf[0] = '\0';
	if (lyd_diff_siblings(running_config->dnode, cfg->dnode,
			      LYD_DIFF_DEFAULTS, &diff) != LY_SUCCESS)
		return;
	LY_LIST_FOR (diff, top) {
		LYD_TREE_DFS_BEGIN (top, elem) {
			if (!buf[0] && elem->schema &&
			    (elem->schema->nodetype & LYD_NODE_TERM) &&
			    !lysc_is_key(elem->schema))
				lyd_path(elem, LYD_PATH_STD, buf, size);
			LYD_TREE_DFS_END(top, elem);
		}
	}
	if (!buf[0] && diff)
		lyd_path(diff, LYD_PATH_STD, buf, size);
	lyd_free_siblings(diff);
}

/* A northbound failure as an rpc-error. */
static struct nc_server_reply *nc_nb_error(int ret, const struct nb_config *cfg,
					   const char *errmsg)
{
	const struct ly_err_item *le = ly_err_last(ly_native_ctx);
	struct vpnha_nc_error e = {.type = "application"};
	size_t len;

	snprintf(e.message, sizeof(e.message), "%s",
		 errmsg[0] ? errmsg : nb_err_name(ret));
	/* FRR appends newlines and a libyang prefix; keep the words. */
	len = strlen(e.message);
	while (len && (e.message[len - 1] == '\n' || e.message[len - 1] == ' '))
		e.message[--len] = '\0';
	switch (ret) {
	case NB_ERR_LOCKED:
		e.tag = "in-use";
		break;
	case NB_ERR_RESOURCE:
		e.tag = "resource-denied";
		break;
	case NB_ERR_VALIDATION:
		/* FRR has cleared libyang's errors: read its message. */
		if (vpnha_nc_nb_error_path(e.message, e.path, sizeof(e.path),
					   &e.tag))
			break;
		if (le && VPNHA_LY_ERR_PATH(le)) {
			snprintf(e.path, sizeof(e.path), "%s",
				 VPNHA_LY_ERR_PATH(le));
			e.tag = (le->vecode == LYVE_REFERENCE ||
				 strstr(le->msg ?: "", "leafref") ||
				 strstr(le->msg ?: "", "andatory"))
					? "data-missing"
					: "invalid-value";
		} else {
			nc_diff_path(cfg, e.path, sizeof(e.path));
			e.tag = "invalid-value";
		}
		break;
	default:
		e.tag = "operation-failed";
		break;
	}
	return nc_reply_err(&e);
}

static int nc_commit(struct vpnha_nc_sess *sess, struct nb_config *cfg,
		     const char *comment, struct nc_server_reply **reply)
{
	struct nb_context ctx = {.client = NC_CLIENT, .user = sess};
	char errmsg[BUFSIZ] = "";
	int ret;

	ly_err_clean(ly_native_ctx, NULL);
	ret = vpnha_nb_commit(&ctx, cfg, comment, errmsg, sizeof(errmsg));
	if (ret == NB_OK || ret == NB_ERR_NO_CHANGES)
		return 0;
	if (reply)
		*reply = nc_nb_error(ret, cfg, errmsg);
	else
		zlog_warn("netconf: %s failed: %s", comment, errmsg);
	return -1;
}

static int nc_validate(struct vpnha_nc_sess *sess, struct nb_config *cfg,
		       struct nc_server_reply **reply)
{
	struct nb_context ctx = {.client = NC_CLIENT, .user = sess};
	char errmsg[BUFSIZ] = "";
	int ret;

	ly_err_clean(ly_native_ctx, NULL);
	ret = nb_candidate_validate(&ctx, cfg, errmsg, sizeof(errmsg));
	if (ret == NB_OK)
		return 0;
	*reply = nc_nb_error(ret, cfg, errmsg);
	return -1;
}

/* Operational state of vpnhad (as 'show yang operational-data'). */
static int nc_oper_cb(const struct lysc_node *snode,
		      struct yang_translator *translator,
		      struct yang_data *data, void *arg)
{
	struct lyd_node *dnode = arg;

	lyd_new_path(dnode, ly_native_ctx, data->xpath, (void *)data->value,
		     LYD_NEW_PATH_UPDATE, NULL);
	vpnha_nb_oper_data_done(data);
	return NB_OK;
}

/* RFC 5277 3.2.1: the one stream, with replay. */
#define NC_STREAM "/nc-notifications:netconf/streams/stream[name='NETCONF']/"

static struct lyd_node *nc_streams(void)
{
	struct timespec ts = {.tv_sec = nc.replay.created_us / 1000000};
	struct lyd_node *st = NULL;
	char *created = NULL;

	if (ly_time_ts2str(&ts, &created) ||
	    lyd_new_path(NULL, ly_native_ctx, NC_STREAM "description",
			 "vpnhad's tunnel-state-change and ipsec-sa-change", 0,
			 &st) ||
	    lyd_new_path(st, NULL, NC_STREAM "replaySupport", "true", 0,
			 NULL) ||
	    lyd_new_path(st, NULL, NC_STREAM "replayLogCreationTime", created,
			 0, NULL)) {
		lyd_free_all(st);
		st = NULL;
	}
	free(created);
	return st;
}

/* The data of <get>: configuration and state, filtered. */
static struct lyd_node *nc_get_data(char **xpaths, struct vpnha_nc_error *err)
{
	struct lyd_node *all, *out = NULL;

	struct lyd_node *yl = NULL;

	all = yang_dnode_new(ly_native_ctx, false);
	vpnha_nb_oper_iterate("/frr-vpnhad:vpnhad", nc_oper_cb, all);
	if (running_config->dnode)
		lyd_merge_siblings(&all, running_config->dnode,
				   LYD_MERGE_DEFAULTS);
	if (ly_ctx_get_yanglib_data(ly_native_ctx, &yl, "%u",
				    ly_ctx_get_change_count(ly_native_ctx)) ==
	    LY_SUCCESS)
		lyd_merge_siblings(&all, yl, LYD_MERGE_DESTRUCT);
	lyd_merge_siblings(&all, nc_streams(), LYD_MERGE_DESTRUCT);
	if (vpnha_nc_select(all, xpaths, &out, err) < 0)
		out = (struct lyd_node *)err; /* marker, see caller */
	lyd_free_all(all);
	return out;
}

/* RPC handlers (main thread). */

typedef struct nc_server_reply *(*nc_handler_t)(struct lyd_node *rpc,
						struct vpnha_nc_sess *sess);

static struct nc_server_reply *nc_op_get(struct lyd_node *rpc,
					 struct vpnha_nc_sess *sess)
{
	struct vpnha_nc_error err;
	char **xpaths;
	struct lyd_node *data;

	if (nc_filter(rpc, &xpaths, &err) < 0)
		return nc_reply_err(&err);
	data = nc_get_data(xpaths, &err);
	vpnha_nc_xpaths_free(xpaths);
	if (data == (struct lyd_node *)&err)
		return nc_reply_err(&err);
	nc_strip_defaults(&data);
	return nc_reply_data(rpc, data);
}

static struct nc_server_reply *nc_op_get_config(struct lyd_node *rpc,
						struct vpnha_nc_sess *sess)
{
	const char *ds = nc_datastore(rpc, "source", NULL);
	struct vpnha_nc_error err;
	struct nb_config *cfg;
	struct lyd_node *data;
	char **xpaths;

	if (!ds)
		return nc_fail("protocol", "missing-element", NULL,
			       "no source datastore");
	if (strcmp(ds, "running") == 0)
		cfg = running_config;
	else if (strcmp(ds, "candidate") == 0)
		cfg = nc_candidate();
	else
		return nc_fail("protocol", "operation-not-supported", NULL,
			       "datastore %s is not supported", ds);
	if (nc_filter(rpc, &xpaths, &err) < 0)
		return nc_reply_err(&err);
	if (vpnha_nc_select(cfg->dnode, xpaths, &data, &err) < 0) {
		vpnha_nc_xpaths_free(xpaths);
		return nc_reply_err(&err);
	}
	vpnha_nc_xpaths_free(xpaths);
	nc_strip_defaults(&data);
	return nc_reply_data(rpc, data);
}

/* Is ds locked by another session?  Then the in-use reply. */
static struct nc_server_reply *nc_locked(const char *ds,
					 struct vpnha_nc_sess *sess)
{
	uint32_t holder = strcmp(ds, "running") == 0 ? nc.lock_running
						     : nc.lock_candidate;

	if (holder && holder != sess->id)
		return nc_fail("protocol", "in-use", NULL,
			       "the %s datastore is locked by session %u", ds,
			       holder);
	return NULL;
}

static struct nc_server_reply *nc_op_edit_config(struct lyd_node *rpc,
						 struct vpnha_nc_sess *sess)
{
	struct lyd_node *config = nc_child(rpc, "config"), *edit = NULL;
	const char *ds = nc_datastore(rpc, "target", NULL);
	const char *dflt = nc_child_value(rpc, "default-operation");
	const char *test = nc_child_value(rpc, "test-option");
	const char *eopt = nc_child_value(rpc, "error-option");
	struct nc_server_reply *reply = NULL;
	struct vpnha_nc_error err, strict;
	bool strict_failed = false;
	enum vpnha_nc_op op = VPNHA_NC_OP_MERGE;
	struct nb_config *cfg;
	bool candidate;

	if (!ds || (strcmp(ds, "running") && strcmp(ds, "candidate")))
		return nc_fail(
			"protocol", "operation-not-supported", NULL,
			"edit-config target must be running or candidate");
	if (!config)
		return nc_fail("protocol", "operation-not-supported", NULL,
			       "only <config> is supported (no <url>)");
	/*
	 * An edit is one northbound transaction: on an error nothing of it
	 * is applied.  That is rollback-on-error, and stop-on-error too
	 * (RFC 6241 7.2 leaves the state after the abort to the server).
	 * continue-on-error applies the units that pass (each peer, tunnel,
	 * route... of the edit) and reports an rpc-error for each that does
	 * not; the result is then one transaction as well.
	 */
	if (eopt && strcmp(eopt, "stop-on-error") &&
	    strcmp(eopt, "rollback-on-error") &&
	    strcmp(eopt, "continue-on-error"))
		return nc_fail("protocol", "invalid-value",
			       "/ietf-netconf:edit-config/error-option",
			       "bad error-option %s", eopt);
	if ((reply = nc_locked(ds, sess)))
		return reply;
	if (dflt && vpnha_nc_op_parse(dflt, &op) < 0)
		return nc_fail("protocol", "invalid-value", NULL,
			       "bad default-operation %s", dflt);
	candidate = strcmp(ds, "candidate") == 0;

	/* Strictly; else opaque where a value is invalid: the engine
	 * accepts that only for deleting a leaf (<leaf nc:operation=
	 * "delete"/>), and otherwise reports libyang's words. */
	if (nc_any_parse(config, false, &edit, &strict) < 0) {
		if (nc_any_parse(config, true, &edit, &err) < 0)
			return nc_reply_err(&strict);
		strict_failed = true;
	}
	cfg = nb_config_dup(candidate ? nc_candidate() : running_config);
	if (eopt && strcmp(eopt, "continue-on-error") == 0) {
		struct vpnha_nc_error errs[VPNHA_NC_ERRORS_MAX];
		size_t n = vpnha_nc_edit_apply_continue(&cfg->dnode, edit, op,
							errs, array_size(errs));

		if (test && strcmp(test, "test-only") == 0)
			nc_validate(sess, cfg, &reply);
		else if (candidate) {
			nc_candidate_discard();
			nc.candidate = cfg;
			cfg = NULL;
		} else
			nc_commit(sess, cfg, "NETCONF edit-config", &reply);
		reply = nc_reply_add_errs(reply, errs,
					  MIN(n, array_size(errs)));
		goto out;
	}
	if (vpnha_nc_edit_apply(&cfg->dnode, edit, op, &err) < 0) {
		if (strict_failed && strcmp(err.tag, "invalid-value") == 0)
			strlcpy(err.message, strict.message,
				sizeof(err.message));
		reply = nc_reply_err(&err);
		goto out;
	}
	if (test && strcmp(test, "test-only") == 0) {
		nc_validate(sess, cfg, &reply);
		goto out;
	}
	if (candidate) {
		/* The candidate may be incomplete until <commit>. */
		nc_candidate_discard();
		nc.candidate = cfg;
		cfg = NULL;
		goto out;
	}
	nc_commit(sess, cfg, "NETCONF edit-config", &reply);
out:
	if (cfg)
		nb_config_free(cfg);
	lyd_free_siblings(edit);
	return reply ? reply : nc_server_reply_ok();
}

/*
 * <copy-config> (RFC 6241 7.3): the whole target replaced by the
 * source.  Targets running (one northbound commit, as vtysh) and
 * candidate; sources running, candidate and an inline <config>.  No
 * startup datastore: FRR's startup configuration is written by vtysh
 * (write memory), not by the daemon.
 */
static struct nc_server_reply *nc_op_copy_config(struct lyd_node *rpc,
						 struct vpnha_nc_sess *sess)
{
	struct lyd_node *config = NULL, *tree = NULL;
	const char *src = nc_datastore(rpc, "source", &config);
	const char *dst = nc_datastore(rpc, "target", NULL);
	struct nc_server_reply *reply = NULL;
	struct vpnha_nc_error err;
	struct nb_config *cfg;

	if (!src || !dst)
		return nc_fail("protocol", "missing-element", NULL,
			       "copy-config needs a source and a target");
	if (strcmp(dst, "running") && strcmp(dst, "candidate"))
		return nc_fail(
			"protocol", "operation-not-supported",
			"/ietf-netconf:copy-config/target",
			"copy-config target %s is not supported (running, candidate)",
			dst);
	if ((reply = nc_locked(dst, sess)))
		return reply;
	if (strcmp(src, "config") == 0) {
		if (nc_any_parse(config, false, &tree, &err) < 0)
			return nc_reply_err(&err);
		cfg = nb_config_new(tree);
	} else if (strcmp(src, "running") == 0)
		cfg = nb_config_dup(running_config);
	else if (strcmp(src, "candidate") == 0)
		cfg = nb_config_dup(nc_candidate());
	else
		return nc_fail(
			"protocol", "operation-not-supported",
			"/ietf-netconf:copy-config/source",
			"copy-config source %s is not supported (running, candidate, config)",
			src);
	if (strcmp(dst, "candidate") == 0) {
		nc_candidate_discard();
		nc.candidate = cfg;
		return nc_server_reply_ok();
	}
	nc_commit(sess, cfg, "NETCONF copy-config", &reply);
	nb_config_free(cfg);
	return reply ? reply : nc_server_reply_ok();
}

static struct nc_server_reply *nc_op_lock(struct lyd_node *rpc,
					  struct vpnha_nc_sess *sess)
{
	const char *ds = nc_datastore(rpc, "target", NULL);
	bool lock = strcmp(rpc->schema->name, "lock") == 0;
	uint32_t *holder;

	if (!ds || (strcmp(ds, "running") && strcmp(ds, "candidate")))
		return nc_fail("protocol", "operation-not-supported", NULL,
			       "only running and candidate can be locked");
	holder = strcmp(ds, "running") == 0 ? &nc.lock_running
					    : &nc.lock_candidate;
	if (!lock) {
		if (*holder != sess->id)
			return nc_fail("protocol", "operation-failed", NULL,
				       "this session does not hold the %s lock",
				       ds);
		if (holder == &nc.lock_running) {
			nb_running_unlock(NC_CLIENT, sess);
			nc.lock_running_owner = NULL;
		}
		*holder = 0;
		return nc_server_reply_ok();
	}
	if (*holder) {
		struct lyd_node *e =
			nc_err(ly_native_ctx, NC_ERR_LOCK_DENIED, *holder);

		nc_err_set_msg(e, "the datastore is locked by another session",
			       "en");
		return nc_server_reply_err(e);
	}
	if (holder == &nc.lock_candidate && nc.candidate)
		return nc_fail("protocol", "lock-denied", NULL,
			       "the candidate has uncommitted changes");
	if (holder == &nc.lock_running) {
		if (nb_running_lock(NC_CLIENT, sess))
			return nc_fail(
				"protocol", "lock-denied", NULL,
				"the running configuration is locked by vtysh (configure exclusive)");
		nc.lock_running_owner = sess;
	}
	*holder = sess->id;
	return nc_server_reply_ok();
}

static void nc_confirm_rollback(const char *why)
{
	if (nc.rollback) {
		struct nb_context ctx = {.client = NC_CLIENT,
					 .user = nc.lock_running_owner};
		char errmsg[BUFSIZ] = "";
		int ret = vpnha_nb_commit(&ctx, nc.rollback,
					  "NETCONF confirmed-commit rollback",
					  errmsg, sizeof(errmsg));

		if (ret == NB_OK || ret == NB_ERR_NO_CHANGES)
			zlog_warn(
				"netconf: confirmed commit %s: configuration rolled back",
				why);
		else
			zlog_err(
				"netconf: confirmed commit %s: rollback failed: %s",
				why, errmsg);
		nb_config_free(nc.rollback);
		nc.rollback = NULL;
	}
	nc_candidate_discard();
	VPNHA_EVENT_OFF(nc.t_confirm);
}

static void nc_confirm_arm(void);

static void nc_confirm_timeout(vpnha_event_t *e)
{
	if (vpnha_nc_confirm_expired(&nc.cc, nc_now_ms()))
		nc_confirm_rollback("not confirmed in time");
	else if (nc.cc.pending)
		nc_confirm_arm(); /* the timer fired a little early */
}

static void nc_confirm_arm(void)
{
	int64_t ms = nc.cc.deadline_ms - nc_now_ms();

	VPNHA_EVENT_OFF(nc.t_confirm);
	vpnha_add_timer_msec(master, nc_confirm_timeout, NULL,
			     ms > 0 ? ms + 1 : 0, &nc.t_confirm);
}

static struct nc_server_reply *nc_op_commit(struct lyd_node *rpc,
					    struct vpnha_nc_sess *sess)
{
	struct nc_server_reply *reply = NULL;
	struct vpnha_nc_error err;
	struct vpnha_nc_confirm saved = nc.cc;
	const char *timeout = nc_child_value(rpc, "confirm-timeout");
	enum vpnha_nc_confirm_action act;
	struct nb_config *before = NULL;

	if ((reply = nc_locked("running", sess)) ||
	    (reply = nc_locked("candidate", sess)))
		return reply;
	act = vpnha_nc_confirm_commit(
		&nc.cc, sess->id, nc_child(rpc, "confirmed") != NULL,
		timeout ? strtoul(timeout, NULL, 10) : 0,
		nc_child_value(rpc, "persist"),
		nc_child_value(rpc, "persist-id"), nc_now_ms(), &err);
	if (act == VPNHA_NC_CC_REFUSED)
		return nc_reply_err(&err);
	if (act == VPNHA_NC_CC_START)
		before = nb_config_dup(running_config);
	if (nc.candidate &&
	    nc_commit(sess, nc.candidate, "NETCONF commit", &reply) < 0) {
		nc.cc = saved;
		if (before)
			nb_config_free(before);
		return reply;
	}
	nc_candidate_discard();
	switch (act) {
	case VPNHA_NC_CC_START:
		nc.rollback = before;
		nc_confirm_arm();
		break;
	case VPNHA_NC_CC_EXTEND:
		nc_confirm_arm();
		break;
	case VPNHA_NC_CC_CONFIRM:
		if (nc.rollback)
			nb_config_free(nc.rollback);
		nc.rollback = NULL;
		VPNHA_EVENT_OFF(nc.t_confirm);
		break;
	default:
		break;
	}
	return nc_server_reply_ok();
}

static struct nc_server_reply *nc_op_cancel_commit(struct lyd_node *rpc,
						   struct vpnha_nc_sess *sess)
{
	struct vpnha_nc_error err;

	if (!vpnha_nc_confirm_cancel(&nc.cc, sess->id,
				     nc_child_value(rpc, "persist-id"), &err))
		return nc_reply_err(&err);
	nc_confirm_rollback("cancelled");
	return nc_server_reply_ok();
}

static struct nc_server_reply *nc_op_discard(struct lyd_node *rpc,
					     struct vpnha_nc_sess *sess)
{
	struct nc_server_reply *reply = nc_locked("candidate", sess);

	if (reply)
		return reply;
	nc_candidate_discard();
	return nc_server_reply_ok();
}

static struct nc_server_reply *nc_op_validate(struct lyd_node *rpc,
					      struct vpnha_nc_sess *sess)
{
	struct lyd_node *config = NULL, *edit = NULL;
	const char *ds = nc_datastore(rpc, "source", &config);
	struct nc_server_reply *reply = NULL;
	struct vpnha_nc_error err;
	struct nb_config *cfg;

	if (!ds)
		return nc_fail("protocol", "missing-element", NULL,
			       "no source");
	if (strcmp(ds, "config") == 0) {
		if (nc_any_parse(config, false, &edit, &err) < 0)
			return nc_reply_err(&err);
		cfg = nb_config_new(edit);
	} else if (strcmp(ds, "candidate") == 0)
		cfg = nb_config_dup(nc_candidate());
	else if (strcmp(ds, "running") == 0)
		cfg = nb_config_dup(running_config);
	else
		return nc_fail("protocol", "operation-not-supported", NULL,
			       "cannot validate %s", ds);
	nc_validate(sess, cfg, &reply);
	nb_config_free(cfg);
	return reply ? reply : nc_server_reply_ok();
}

/* RFC 6022 <get-schema>: libnetconf2 2.0's own corrupts memory. */
static struct nc_server_reply *nc_op_get_schema(struct lyd_node *rpc,
						struct vpnha_nc_sess *sess)
{
	const char *id = nc_child_value(rpc, "identifier");
	const char *rev = nc_child_value(rpc, "version");
	const char *format = nc_child_value(rpc, "format");
	const struct lys_module *mod;
	char *text = NULL;

	if (rev && !rev[0])
		rev = NULL;
	mod = rev ? ly_ctx_get_module(ly_native_ctx, id, rev)
		  : ly_ctx_get_module_implemented(ly_native_ctx, id);
	if (!mod && !rev)
		mod = ly_ctx_get_module_latest(ly_native_ctx, id);
	if (!mod)
		return nc_fail("application", "invalid-value", NULL,
			       "no schema %s%s%s", id, rev ? "@" : "",
			       rev ? rev : "");
	if (format && !strstr(format, "yang"))
		return nc_fail("application", "invalid-value", NULL,
			       "only the yang format is served");
	if (mod->filepath) {
		FILE *f = fopen(mod->filepath, "r");

		if (f) {
			size_t n = 0, size = 0;
			char buf[4096];

			while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
				text = realloc(text, size + n + 1);
				memcpy(text + size, buf, n);
				size += n;
				text[size] = '\0';
			}
			fclose(f);
		}
	}
	if (!text)
		lys_print_mem(&text, mod, LYS_OUT_YANG, 0);
	if (!text)
		return nc_fail("application", "operation-failed", NULL,
			       "cannot print %s", id);
	return nc_reply_any(rpc, text, LYD_ANYDATA_STRING);
}

static struct nc_server_reply *nc_op_close(struct lyd_node *rpc,
					   struct vpnha_nc_sess *sess)
{
	nc_session_set_term_reason(sess->s, NC_SESSION_TERM_CLOSED);
	return nc_server_reply_ok();
}

static struct nc_server_reply *nc_op_kill(struct lyd_node *rpc,
					  struct vpnha_nc_sess *sess)
{
	const char *id = nc_child_value(rpc, "session-id");
	uint32_t sid = id ? strtoul(id, NULL, 10) : 0;
	bool found = false;

	if (sid == sess->id)
		return nc_fail(
			"protocol", "invalid-value",
			"/ietf-netconf:kill-session/session-id",
			"a session cannot kill itself: use close-session");
	pthread_mutex_lock(&nc.mtx);
	for (unsigned int i = 0; i < nc.n_sessions; i++) {
		struct nc_session *s = nc.sessions[i]->s;

		if (nc.sessions[i]->id != sid)
			continue;
		nc_session_set_term_reason(s, NC_SESSION_TERM_KILLED);
		nc_session_set_killed_by(s, sess->id);
		nc_session_set_status(s, NC_STATUS_INVALID);
		found = true;
	}
	pthread_mutex_unlock(&nc.mtx);
	if (!found)
		return nc_fail("protocol", "invalid-value",
			       "/ietf-netconf:kill-session/session-id",
			       "no session %u", sid);
	zlog_info("netconf: session %u (%s) killed session %u", sess->id,
		  sess->user, sid);
	return nc_server_reply_ok();
}

static void nc_queue(struct lyd_node *tree, char *eventtime, uint32_t target,
		     bool ends);
static struct lyd_node *nc_notif_tree(const char *path);

/* Main thread: the stopTime of a session's subscription has come. */
static void nc_subscription_stop(vpnha_event_t *e)
{
	struct vpnha_nc_sess *sess = VPNHA_EVENT_ARG(e);
	char *eventtime = NULL;

	ly_time_time2str(time(NULL), NULL, &eventtime);
	nc_queue(nc_notif_tree("/nc-notifications:notificationComplete"),
		 eventtime, sess->id, true);
}

static struct nc_server_reply *nc_op_subscribe(struct lyd_node *rpc,
					       struct vpnha_nc_sess *sess)
{
	const char *stream = nc_child_value(rpc, "stream");
	struct vpnha_nc_subscription sub;
	struct vpnha_nc_error err;
	void *kept[VPNHA_NC_REPLAY_MAX];
	unsigned int n;
	int64_t now = nc_realtime_us();
	char *eventtime = NULL;

	if (stream && strcmp(stream, "NETCONF"))
		return nc_fail("application", "invalid-value", NULL,
			       "no stream %s (only NETCONF)", stream);
	if (nc_child(rpc, "filter"))
		return nc_fail("application", "operation-not-supported", NULL,
			       "notification filters are not supported");
	if (vpnha_nc_subscription_parse(nc_child_value(rpc, "startTime"),
					nc_child_value(rpc, "stopTime"), now,
					&sub, &err) < 0)
		return nc_reply_err(&err);
	pthread_mutex_lock(&nc.mtx);
	if (sess->subscribed) {
		pthread_mutex_unlock(&nc.mtx);
		return nc_fail("protocol", "in-use", NULL,
			       "this session is already subscribed");
	}
	sess->subscribed = true;
	sess->hold = sub.replay;
	nc_session_inc_notif_status(sess->s);
	pthread_mutex_unlock(&nc.mtx);
	if (!sub.replay)
		return nc_server_reply_ok();

	/* The kept notifications of the window, then replayComplete;
	 * queued now, written once the <ok> is (nc_poll_thread). */
	n = vpnha_nc_replay_select(&nc.replay, sub.start_us,
				   sub.has_stop ? sub.stop_us : INT64_MAX, kept,
				   array_size(kept));
	for (unsigned int i = 0; i < n; i++) {
		struct vpnha_nc_kept *k = kept[i];
		struct lyd_node *dup = NULL;

		if (lyd_dup_single(k->tree, NULL, LYD_DUP_RECURSIVE, &dup) ==
		    LY_SUCCESS)
			nc_queue(dup, strdup(k->eventtime), sess->id, false);
	}
	ly_time_time2str(time(NULL), NULL, &eventtime);
	nc_queue(nc_notif_tree("/nc-notifications:replayComplete"), eventtime,
		 sess->id, false);
	zlog_info("netconf: session %u: replayed %u notification(s)", sess->id,
		  n);
	if (sub.has_stop)
		vpnha_add_timer_msec(
			master, nc_subscription_stop, sess,
			sub.stop_us > now ? (sub.stop_us - now) / 1000 + 1 : 0,
			&sess->t_stop);
	return nc_server_reply_ok();
}

static const struct {
	const char *name;
	nc_handler_t handler;
} nc_ops[] = {
	{"get", nc_op_get},
	{"get-config", nc_op_get_config},
	{"edit-config", nc_op_edit_config},
	{"lock", nc_op_lock},
	{"unlock", nc_op_lock},
	{"commit", nc_op_commit},
	{"cancel-commit", nc_op_cancel_commit},
	{"discard-changes", nc_op_discard},
	{"validate", nc_op_validate},
	{"copy-config", nc_op_copy_config},
	{"get-schema", nc_op_get_schema},
	{"close-session", nc_op_close},
	{"kill-session", nc_op_kill},
	{"create-subscription", nc_op_subscribe},
};

static struct nc_server_reply *nc_dispatch(struct lyd_node *rpc,
					   struct nc_session *s)
{
	struct vpnha_nc_sess *sess = nc_session_get_data(s);
	const char *name = rpc->schema->name;

	if (!vpnha_nc_role_allows(sess->role, name)) {
		zlog_info("netconf: user %s (read-only) refused %s", sess->user,
			  name);
		return nc_fail("application", "access-denied", NULL,
			       "user %s may not %s (read-only)", sess->user,
			       name);
	}
	for (size_t i = 0; i < array_size(nc_ops); i++)
		if (strcmp(name, nc_ops[i].name) == 0)
			return nc_ops[i].handler(rpc, sess);
	return nc_fail("protocol", "operation-not-supported", NULL,
		       "%s is not supported", name);
}

/* Hand-over from the poll thread to the main thread. */

static void nc_job_run(vpnha_event_t *e)
{
	struct vpnha_nc_job *job = VPNHA_EVENT_ARG(e);
	struct nc_server_reply *reply = nc_dispatch(job->rpc, job->s);

	pthread_mutex_lock(&nc.mtx);
	job->reply = reply;
	job->done = true;
	pthread_cond_broadcast(&nc.job_cond);
	pthread_mutex_unlock(&nc.mtx);
}

/*
 * Poll thread: is the content of the RPC's <config> or <filter> larger
 * than max-message-size?  Checked here so that the main thread never
 * spends time on a huge document.  (libnetconf2 2.0 has no limit of
 * its own: the message was read and parsed by now, in this thread.)
 */
static bool nc_too_big(const struct lyd_node *rpc)
{
	const struct lyd_node *c;

	LY_LIST_FOR (lyd_child(rpc), c) {
		const struct lyd_node *any = c;
		char *text = NULL;
		size_t len;

		/* <source><config>...</config></source> of <validate> */
		if (c->schema && c->schema->nodetype == LYS_CONTAINER &&
		    lyd_child(c))
			any = lyd_child(c);
		if (!any->schema || !(any->schema->nodetype & LYD_NODE_ANY))
			continue;
		if (lyd_any_value_str(any, &text) != LY_SUCCESS)
			return true;
		len = text ? strlen(text) : 0;
		free(text);
		if (len > nc.cfg.max_message_size)
			return true;
	}
	return false;
}

static struct nc_server_reply *nc_rpc_handler(struct lyd_node *rpc,
					      struct nc_session *s)
{
	struct vpnha_nc_job job = {.rpc = rpc, .s = s};

	if (nc_too_big(rpc)) {
		struct lyd_node *e =
			nc_err(ly_native_ctx, NC_ERR_TOO_BIG, NC_ERR_TYPE_APP);

		nc_err_set_msg(e, "content larger than max-message-size", "en");
		return nc_server_reply_err(e);
	}

	vpnha_add_event(master, nc_job_run, &job, 0, NULL);
	pthread_mutex_lock(&nc.mtx);
	while (!job.done && !nc.stop)
		pthread_cond_wait(&nc.job_cond, &nc.mtx);
	pthread_mutex_unlock(&nc.mtx);
	if (!job.done)
		return nc_server_reply_err(nc_err(
			ly_native_ctx, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP));
	return job.reply;
}

/* Sessions. */

/* A refused login, in the same words on libnetconf2 2.0 and 3.x. */
static void nc_login_refused(const char *user, const char *host,
			     bool user_known)
{
	const struct vpnha_nc_user *u = vpnha_nc_config_user(&nc.cfg, user);

	if (!user_known || !u)
		zlog_warn("netconf: login refused: unknown user %s from %s",
			  user, host && host[0] ? host : "?");
	else
		zlog_warn(
			"netconf: login refused: user %s from %s: key not in %s",
			user, host && host[0] ? host : "?", u->keys);
}

static int nc_pubkey(const struct nc_session *s, ssh_key key)
{
	const char *user = nc_session_get_username(s);
	const char *host = nc_session_get_host(s);
	const struct vpnha_nc_user *u = vpnha_nc_config_user(&nc.cfg, user);
	char line[8192];
	FILE *f;

	if (!u) {
		nc_login_refused(user, host, false);
		return 1;
	}
	f = fopen(u->keys, "r");
	if (!f) {
		zlog_warn(
			"netconf: login refused: user %s from %s: cannot read %s: %s",
			user, host ? host : "?", u->keys, safe_strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *type = strtok_r(line, " \t\r\n", &save);
		char *b64 = strtok_r(NULL, " \t\r\n", &save);
		ssh_key k = NULL;
		bool same;

		if (!type || type[0] == '#' || !b64)
			continue;
		if (ssh_pki_import_pubkey_base64(
			    b64, ssh_key_type_from_name(type), &k) != SSH_OK)
			continue;
		same = ssh_key_cmp(key, k, SSH_KEY_CMP_PUBLIC) == 0;
		ssh_key_free(k);
		if (same) {
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	nc_login_refused(user, host, true);
	return 1;
}

/* Main thread: the sessions that ended; release what they held. */
static void nc_sessions_ended(vpnha_event_t *e)
{
	struct vpnha_nc_sess *sess, *next;

	pthread_mutex_lock(&nc.mtx);
	sess = nc.ended;
	nc.ended = NULL;
	pthread_mutex_unlock(&nc.mtx);
	for (; sess; sess = next) {
		next = sess->ended_next;
		if (nc.lock_running == sess->id) {
			nb_running_unlock(NC_CLIENT, sess);
			nc.lock_running = 0;
			nc.lock_running_owner = NULL;
		}
		if (nc.lock_candidate == sess->id) {
			nc.lock_candidate = 0;
			nc_candidate_discard();
		}
		if (vpnha_nc_confirm_session_end(&nc.cc, sess->id))
			nc_confirm_rollback("abandoned by its session");
		VPNHA_EVENT_OFF(sess->t_stop);
		XFREE(MTYPE_VPNHA_NC_SESSION, sess);
	}
}

static void nc_session_term(struct nc_session *s)
{
	struct vpnha_nc_sess *sess = nc_session_get_data(s);

	pthread_mutex_lock(&nc.mtx);
	for (unsigned int i = 0; i < nc.n_sessions; i++)
		if (nc.sessions[i] == sess) {
			nc.sessions[i] = nc.sessions[--nc.n_sessions];
			break;
		}
	pthread_mutex_unlock(&nc.mtx);
	nc_ps_del_session(nc.ps, s);
	zlog_info("netconf: session %u (user %s from %s) ended", sess->id,
		  sess->user, sess->host);
	nc_session_free(s, NULL);
	sess->s = NULL;
	/* Released by the main thread (sess is its from here on); on
	 * the list until then, so that a shutdown before that still
	 * frees it (nc_fini). */
	pthread_mutex_lock(&nc.mtx);
	sess->ended_next = nc.ended;
	nc.ended = sess;
	pthread_mutex_unlock(&nc.mtx);
	vpnha_add_event(master, nc_sessions_ended, NULL, 0, NULL);
}

static void *nc_accept_thread(void *arg)
{
	rcu_thread_start(arg); /* zlog needs RCU */
	while (!nc.stop) {
		struct nc_session *s = NULL;
		struct vpnha_nc_sess *sess;
		const struct vpnha_nc_user *u;
		int r = vpnha_ncc_accept(VPNHA_NC_ACCEPT_POLL_MS, ly_native_ctx,
					 &s);

		if (r != NC_MSG_HELLO || !s)
			continue;
		u = vpnha_nc_config_user(&nc.cfg, nc_session_get_username(s));
		pthread_mutex_lock(&nc.mtx);
		if (!u || nc.n_sessions >= nc.cfg.max_sessions) {
			pthread_mutex_unlock(&nc.mtx);
			zlog_warn("netconf: session of %s from %s refused: %s",
				  nc_session_get_username(s),
				  nc_session_get_host(s),
				  u ? "max-sessions reached" : "unknown user");
			nc_session_free(s, NULL);
			continue;
		}
		sess = XCALLOC(MTYPE_VPNHA_NC_SESSION, sizeof(*sess));
		sess->s = s;
		sess->id = nc_session_get_id(s);
		sess->role = u->role;
		strlcpy(sess->user, u->name, sizeof(sess->user));
		strlcpy(sess->host, nc_session_get_host(s) ?: "?",
			sizeof(sess->host));
		nc_session_set_data(s, sess);
		nc.sessions[nc.n_sessions++] = sess;
		pthread_mutex_unlock(&nc.mtx);
		nc_ps_add_session(nc.ps, s);
		zlog_info("netconf: session %u: user %s (%s) from %s", sess->id,
			  sess->user,
			  u->role == VPNHA_NC_ROLE_READ_WRITE ? "read-write"
							      : "read-only",
			  sess->host);
	}
	return NULL;
}

static void *nc_poll_thread(void *arg)
{
	rcu_thread_start(arg); /* zlog needs RCU */
	int64_t last_activity = 0;

	while (!nc.stop) {
		struct nc_session *s = NULL;
		int r = nc_ps_poll(nc.ps, 0, &s);
		int64_t now = nc_now_ms();

		if (r & (NC_PSPOLL_NOSESSIONS | NC_PSPOLL_TIMEOUT)) {
			/* nc_ps_poll() with a timeout spins: sleep here. */
			usleep(now - last_activity < 200 ? 200 : 2000);
			continue;
		}
		last_activity = now;
		if ((r & NC_PSPOLL_RPC) && s) {
			/* The reply is written: the notifier may go on. */
			struct vpnha_nc_sess *sess = nc_session_get_data(s);

			pthread_mutex_lock(&nc.mtx);
			if (sess && sess->hold) {
				sess->hold = false;
				pthread_cond_broadcast(&nc.notif_cond);
			}
			pthread_mutex_unlock(&nc.mtx);
		}
		if ((r & NC_PSPOLL_SESSION_TERM) && s)
			nc_session_term(s);
	}
	return NULL;
}

/* Notifier thread, nc.mtx held: is the session n goes to still
 * waiting for its <create-subscription> reply to be written? */
static bool nc_notif_held(const struct vpnha_nc_notif *n, bool release)
{
	bool held = false;

	for (unsigned int i = 0; i < nc.n_sessions; i++)
		if (nc.sessions[i]->hold &&
		    (!n->target || nc.sessions[i]->id == n->target)) {
			held = true;
			if (release)
				nc.sessions[i]->hold = false;
		}
	return held;
}

static void *nc_notif_thread(void *arg)
{
	rcu_thread_start(arg); /* zlog needs RCU */
	pthread_mutex_lock(&nc.mtx);
	while (!nc.stop) {
		struct vpnha_nc_notif *n = nc.notif_head;
		struct nc_server_notif *notif;
		struct timespec until;

		if (!n) {
			pthread_cond_wait(&nc.notif_cond, &nc.mtx);
			continue;
		}
		/* The poll thread clears hold right after writing the
		 * reply; a second at most, should that session be stuck. */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec++;
		while (!nc.stop && nc_notif_held(n, false) &&
		       pthread_cond_timedwait(&nc.notif_cond, &nc.mtx,
					      &until) != ETIMEDOUT)
			;
		nc_notif_held(n, true); /* never wait for it twice */
		nc.notif_head = n->next;
		if (!nc.notif_head)
			nc.notif_tail = &nc.notif_head;
		notif = nc_server_notif_new(n->tree, n->eventtime,
					    NC_PARAMTYPE_FREE);
		for (unsigned int i = 0; i < nc.n_sessions; i++) {
			struct vpnha_nc_sess *sess = nc.sessions[i];

			if (!sess->subscribed ||
			    (n->target && sess->id != n->target))
				continue;
			nc_server_notif_send(sess->s, notif, 1000);
			if (n->ends) {
				sess->subscribed = false;
				nc_session_dec_notif_status(sess->s);
			}
		}
		nc_server_notif_free(notif);
		free(n);
	}
	pthread_mutex_unlock(&nc.mtx);
	return NULL;
}

/* Queue a notification (tree and eventtime are taken over) for the
 * session target, or for every subscribed session (target 0). */
static void nc_queue(struct lyd_node *tree, char *eventtime, uint32_t target,
		     bool ends)
{
	struct vpnha_nc_notif *n;

	if (!tree || !eventtime) {
		lyd_free_all(tree);
		free(eventtime);
		return;
	}
	n = calloc(1, sizeof(*n));
	n->tree = tree;
	n->eventtime = eventtime;
	n->target = target;
	n->ends = ends;
	pthread_mutex_lock(&nc.mtx);
	*nc.notif_tail = n;
	nc.notif_tail = &n->next;
	pthread_cond_signal(&nc.notif_cond);
	pthread_mutex_unlock(&nc.mtx);
}

/* An empty notification of ly_native_ctx (replayComplete, ...). */
static struct lyd_node *nc_notif_tree(const char *path)
{
	struct lyd_node *n = NULL;

	lyd_new_path(NULL, ly_native_ctx, path, NULL, 0, &n);
	return n;
}

static void nc_kept_free(struct vpnha_nc_kept *k)
{
	if (!k)
		return;
	lyd_free_all(k->tree);
	free(k->eventtime);
	free(k);
}

/* Main thread: keep a notification tree for replay and queue it for
 * the subscribers. */
static void nc_notify(struct lyd_node *tree)
{
	struct vpnha_nc_kept *k;
	struct timespec ts;
	char *eventtime = NULL;
	bool any = false;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ly_time_ts2str(&ts, &eventtime)) {
		lyd_free_all(tree);
		return;
	}
	k = calloc(1, sizeof(*k));
	if (lyd_dup_single(tree, NULL, LYD_DUP_RECURSIVE, &k->tree) ==
	    LY_SUCCESS) {
		k->eventtime = strdup(eventtime);
		nc_kept_free(vpnha_nc_replay_add(
			&nc.replay,
			(int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, k));
	} else
		free(k);
	pthread_mutex_lock(&nc.mtx);
	for (unsigned int i = 0; i < nc.n_sessions; i++)
		any |= nc.sessions[i]->subscribed;
	pthread_mutex_unlock(&nc.mtx);
	if (!any) {
		lyd_free_all(tree);
		free(eventtime);
		return;
	}
	nc_queue(tree, eventtime, 0, false);
}

static int nc_tunnel_transition(const struct vpnha_tunnel *t,
				enum vpnha_tunnel_state old_state)
{
	struct lyd_node *n = NULL;
	char buf[32];
	int64_t ms;

	if (!nc.started ||
	    lyd_new_path(NULL, ly_native_ctx, "/frr-vpnhad:tunnel-state-change",
			 NULL, 0, &n))
		return 0;
	lyd_new_term(n, NULL, "tunnel", t->name, 0, NULL);
	lyd_new_term(n, NULL, "old-state", vpnha_tunnel_state_name(old_state),
		     0, NULL);
	lyd_new_term(n, NULL, "new-state", vpnha_tunnel_state_name(t->state), 0,
		     NULL);
	lyd_new_term(n, NULL, "reason", t->reason, 0, NULL);
	if (t->state == VPNHA_TUNNEL_DOWN &&
	    (ms = vpnha_timeline_ms(t->health.last_good, t->last_change)) >=
		    0) {
		snprintf(buf, sizeof(buf), "%" PRId64, ms);
		lyd_new_term(n, NULL, "detection-ms", buf, 0, NULL);
	}
	nc_notify(n);
	return 0;
}

static int nc_tunnel_sa_change(const struct vpnha_tunnel *t,
			       enum vpnha_sa_state old_state)
{
	struct lyd_node *n = NULL;

	if (!nc.started ||
	    lyd_new_path(NULL, ly_native_ctx, "/frr-vpnhad:ipsec-sa-change",
			 NULL, 0, &n))
		return 0;
	lyd_new_term(n, NULL, "tunnel", t->name, 0, NULL);
	lyd_new_term(n, NULL, "old-state", vpnha_sa_state_name(old_state), 0,
		     NULL);
	lyd_new_term(n, NULL, "new-state", vpnha_sa_state_name(t->sa.state), 0,
		     NULL);
	lyd_new_term(n, NULL, "detail", vpnha_tunnel_sa_detail(t), 0, NULL);
	nc_notify(n);
	return 0;
}

/* Start-up and shutdown. */

/* The host key: created once (ECDSA P-256: libssh2 1.10, i.e. yangcli,
 * verifies no RSA-SHA2 host signature), 0600,
 * owned by vpnhad's user. */
static int nc_host_key(const char *path)
{
	ssh_key key = NULL;
	mode_t old;
	int ret;

	if (access(path, R_OK) == 0)
		return 0;
	if (ssh_pki_generate(SSH_KEYTYPE_ECDSA_P256, 256, &key) != SSH_OK) {
		zlog_err("netconf: cannot generate a host key");
		return -1;
	}
	old = umask(077);
	ret = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path);
	umask(old);
	ssh_key_free(key);
	if (ret != SSH_OK || chmod(path, 0600) < 0) {
		zlog_err("netconf: cannot write the host key %s", path);
		return -1;
	}
	zlog_notice("netconf: created host key %s", path);
	return 0;
}

/*
 * <hello> lists YANG 1.0 modules only (1.1 ones belong in the YANG
 * library): also name the implemented 1.1 modules (frr-vpnhad, ...) so
 * that clients without YANG library support (yangcli) find them.
 */
static uint32_t nc_module_count(void)
{
	uint32_t i = 0;

	while (ly_ctx_get_module_iter(ly_native_ctx, &i))
		;
	return i;
}

/* Only the first n modules: those libnetconf2 3.x loads for its own
 * configuration (ietf-netconf-server, ietf-keystore, ...) come later
 * and are not served (and yangcli cannot parse some of them). */
static void nc_advertise_modules(uint32_t n)
{
	const struct lys_module *mod;
	uint32_t i = 0;
	char buf[512];

	while (i < n && (mod = ly_ctx_get_module_iter(ly_native_ctx, &i))) {
		if (!mod->implemented || !mod->parsed ||
		    mod->parsed->version != LYS_VERSION_1_1 ||
		    strcmp(mod->name, "ietf-yang-library") == 0)
			continue;
		snprintf(buf, sizeof(buf), "%s?module=%s%s%s", mod->ns,
			 mod->name, mod->revision ? "&revision=" : "",
			 mod->revision ? mod->revision : "");
		nc_server_set_capability(buf);
	}
}

static int nc_load_modules(void)
{
	static const char *const nc_features[] = {
		"writable-running",
		"candidate",
		"confirmed-commit",
		"rollback-on-error",
		"validate",
		"xpath",
		NULL,
	};

	ly_ctx_set_searchdir(ly_native_ctx, nc.cfg.yang_dir);
	if (!ly_ctx_load_module(ly_native_ctx, "ietf-netconf", "2013-09-29",
				(const char **)nc_features) ||
	    !ly_ctx_load_module(ly_native_ctx, "ietf-netconf-monitoring",
				"2010-10-04", NULL) ||
	    !ly_ctx_load_module(ly_native_ctx, "notifications", "2008-07-14",
				NULL) ||
	    /* FRR's context lacks ietf-yang-library (LY_CTX_NO_YANGLIBRARY):
	     * the yang-library capability and data need it.  Loaded through
	     * its deviations, in one step: a later deviation would make
	     * libyang recompile the context (FRR keeps pointers in it). */
	    !ly_ctx_load_module(ly_native_ctx, "vpnhad-netconf-deviations",
				NULL, NULL)) {
		zlog_err(
			"netconf: cannot load the NETCONF YANG modules from %s",
			nc.cfg.yang_dir);
		return -1;
	}
	return 0;
}

static void nc_start(vpnha_event_t *e)
{
	uint32_t n_modules;

	if (nc_host_key(nc.cfg.host_key) < 0)
		return;
	n_modules = nc_module_count();
	if (vpnha_ncc_init(ly_native_ctx)) {
		zlog_err("netconf: nc_server_init failed");
		return;
	}
	nc_set_global_rpc_clb(nc_rpc_handler);
	nc_advertise_modules(n_modules);
	/* RFC 5277: notifications, and RPCs while subscribed. */
	nc_server_set_capability(
		"urn:ietf:params:netconf:capability:notification:1.0");
	nc_server_set_capability(
		"urn:ietf:params:netconf:capability:interleave:1.0");
	frr_with_privs (&vpnha_privs) {
		if (vpnha_ncc_server_setup(ly_native_ctx, &nc.cfg, nc_pubkey,
					   nc_login_refused) < 0) {
			zlog_err("netconf: cannot listen on [%s]:%u",
				 nc.cfg.address, nc.cfg.port);
			return;
		}
	}
	nc.ps = nc_ps_new();
	nc.sessions = XCALLOC(MTYPE_VPNHA_NC_SESSIONS,
			      nc.cfg.max_sessions * sizeof(*nc.sessions));
	nc.notif_tail = &nc.notif_head;
	nc.replay.created_us = nc_realtime_us();
	nc.started = true;
	for (int i = 0; i < VPNHA_NC_ACCEPT_THREADS; i++)
		pthread_create(&nc.accept_thr[i], NULL, nc_accept_thread,
			       rcu_thread_prepare());
	pthread_create(&nc.poll_thr, NULL, nc_poll_thread,
		       rcu_thread_prepare());
	pthread_create(&nc.notif_thr, NULL, nc_notif_thread,
		       rcu_thread_prepare());
	zlog_notice("netconf: listening on [%s]:%u (SSH, %u users)",
		    nc.cfg.address, nc.cfg.port, nc.cfg.n_users);
}

static int nc_fini(void)
{
	if (!nc.started)
		return 0;
	pthread_mutex_lock(&nc.mtx);
	nc.stop = true;
	pthread_cond_broadcast(&nc.job_cond);
	pthread_cond_broadcast(&nc.notif_cond);
	pthread_mutex_unlock(&nc.mtx);
	for (int i = 0; i < VPNHA_NC_ACCEPT_THREADS; i++)
		pthread_join(nc.accept_thr[i], NULL);
	pthread_join(nc.poll_thr, NULL);
	pthread_join(nc.notif_thr, NULL);
	nc_ps_clear(nc.ps, 1, NULL);
	nc_ps_free(nc.ps);
	/* The threads are gone: the sessions still open, and those ended
	 * whose release has not run, are only memory now. */
	for (unsigned int i = 0; i < nc.n_sessions; i++) {
		nc.sessions[i]->ended_next = nc.ended;
		nc.ended = nc.sessions[i];
	}
	nc.n_sessions = 0;
	while (nc.ended) {
		struct vpnha_nc_sess *sess = nc.ended;

		nc.ended = sess->ended_next;
		VPNHA_EVENT_OFF(sess->t_stop);
		XFREE(MTYPE_VPNHA_NC_SESSION, sess);
	}
	nc_server_destroy();
	nc_candidate_discard();
	while (nc.replay.count) {
		nc_kept_free(nc.replay.ent[nc.replay.head].item);
		nc.replay.head = (nc.replay.head + 1) % VPNHA_NC_REPLAY_MAX;
		nc.replay.count--;
	}
	XFREE(MTYPE_VPNHA_NC_SESSIONS, nc.sessions);
	nc.started = false;
	return 0;
}

static int nc_late_init(vpnha_loop_t *tm)
{
	if (nc_load_modules() < 0)
		return 0;
	hook_register(vpnha_tunnel_transition, nc_tunnel_transition);
	hook_register(vpnha_tunnel_sa_change, nc_tunnel_sa_change);
	hook_register(frr_fini, nc_fini);
	/* Threads only after frr_config_fork() has daemonized. */
	vpnha_add_event(tm, nc_start, NULL, 0, &nc.t_start);
	return 0;
}

int vpnha_netconf_init(const char *path)
{
	static zebra_capabilities_t caps[16];
	char msg[256], *text = NULL;
	size_t size = 0;
	FILE *f;

	if (!path || !path[0]) {
		zlog_err(
			"netconf: no configuration file: -M netconf:/etc/frr/vpnhad-netconf.conf");
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		zlog_err("netconf: cannot read %s: %s", path,
			 safe_strerror(errno));
		return -1;
	}
	if (getdelim(&text, &size, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	if (vpnha_nc_config_parse(&nc.cfg, text, msg, sizeof(msg)) < 0) {
		zlog_err("netconf: %s: %s", path, msg);
		free(text);
		return -1;
	}
	free(text);
	if (!nc.cfg.host_key[0])
		strlcpy(nc.cfg.host_key, "/etc/frr/vpnhad_netconf_host_key",
			sizeof(nc.cfg.host_key));
	if (!nc.cfg.yang_dir[0])
		strlcpy(nc.cfg.yang_dir, VPNHA_NETCONF_YANGDIR,
			sizeof(nc.cfg.yang_dir));

	/* Port 830 needs CAP_NET_BIND_SERVICE once privileges drop. */
	if ((size_t)vpnha_privs.cap_num_p < array_size(caps)) {
		memcpy(caps, vpnha_privs.caps_p,
		       vpnha_privs.cap_num_p * sizeof(caps[0]));
		caps[vpnha_privs.cap_num_p] = ZCAP_BIND;
		vpnha_privs.caps_p = caps;
		vpnha_privs.cap_num_p++;
	}
	hook_register(frr_late_init, nc_late_init);
	return 0;
}

/* This object's log messages carry their xref ids. */
XREF_SETUP();
