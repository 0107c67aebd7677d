// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NETCONF core: the protocol logic that libyang lacks, free of libnetconf2,
 * FRR's event loop and the northbound, so that CUnit can test it.
 *
 * - the <edit-config> engine: merge / replace / create / delete / remove
 *   with a default operation, applied to a libyang data tree;
 * - the RFC 6241 subtree filter, turned into XPath selections;
 * - the confirmed-commit state machine (RFC 6241 8.4), without timers;
 * - the NACM-lite role check.
 */
#ifndef _FRR_VPNHA_NETCONF_H
#define _FRR_VPNHA_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libyang/libyang.h>

/* RFC 6241 edit operations; NONE is only a default operation. */
enum vpnha_nc_op {
	VPNHA_NC_OP_NONE = 0,
	VPNHA_NC_OP_MERGE,
	VPNHA_NC_OP_REPLACE,
	VPNHA_NC_OP_CREATE,
	VPNHA_NC_OP_DELETE,
	VPNHA_NC_OP_REMOVE,
};

/* An <rpc-error> in the making (RFC 6241 4.3). */
/* The rpc-errors one reply carries at most (continue-on-error). */
#define VPNHA_NC_ERRORS_MAX 16

struct vpnha_nc_error {
	const char *type; /* "protocol", "application" */
	const char *tag;  /* "invalid-value", "data-missing", ... */
	char path[512];	  /* error-path, may be empty */
	char message[512];
};

/*
 * The data path and error-tag of a northbound validation message, in
 * FRR 8.4's words ('... (Data location "PATH")') or FRR 10's ("Path:
 * PATH" lines).  Returns false when the message names none.
 */
extern bool vpnha_nc_nb_error_path(const char *msg, char *path, size_t size,
				   const char **tag);

/*
 * Parse an operation name ("merge", ...).  Returns -1 when unknown.
 */
extern int vpnha_nc_op_parse(const char *name, enum vpnha_nc_op *op);

/*
 * Apply an edit (data tree whose nodes may carry the ietf-netconf
 * "operation" metadata) to a datastore tree.
 *
 * target
 *    The datastore's first top-level sibling; updated in place (may
 *    become NULL or change when top-level nodes come or go).  On error
 *    the tree may be half edited: callers edit a copy.
 * edit
 *    First top-level node of the edit.
 * dflt
 *    The <default-operation>: MERGE, REPLACE or NONE.
 * err
 *    Filled on failure.
 *
 * Returns:
 *    0 on success, -1 on error (err filled).
 */
extern int vpnha_nc_edit_apply(struct lyd_node **target,
			       const struct lyd_node *edit,
			       enum vpnha_nc_op dflt,
			       struct vpnha_nc_error *err);

/*
 * error-option continue-on-error (RFC 6241 7.2): apply the edit unit by
 * unit -- each child of a merged container (a peer, a tunnel, a route
 * of <vpnhad>), else each top-level element whole -- keeping the units
 * that pass and recording an error for each that does not (the first
 * max in errs).  Returns the number of units that failed.
 */
extern size_t vpnha_nc_edit_apply_continue(struct lyd_node **target,
					   const struct lyd_node *edit,
					   enum vpnha_nc_op dflt,
					   struct vpnha_nc_error *errs,
					   size_t max);

/*
 * The content of an anyxml/anydata node (<config>, <filter>) as XML
 * text, to be parsed against the schema.  Elements with an undeclared
 * namespace prefix are refused (unknown-namespace): libyang
 * keeps them without namespace and its printer would crash on them.
 *
 * Returns:
 *    0 and *xml (NULL when empty; free()), or -1 with err filled.
 */
extern int vpnha_nc_any_to_xml(const struct lyd_node *any, char **xml,
			       struct vpnha_nc_error *err);

/*
 * Turn a subtree filter into XPath expressions (RFC 6241 6.2): one
 * selection per selection node or leaf of a containment node, content
 * match nodes as predicates.  filter is the first child of <filter>
 * (opaque or data nodes, as libyang parsed the anyxml).
 *
 * Returns:
 *    0 and *xpaths (NULL terminated, free with vpnha_nc_xpaths_free),
 *    or -1 with err filled (unknown namespace, ...).  An empty filter
 *    gives an empty list (selects nothing).
 */
extern int vpnha_nc_subtree_to_xpaths(const struct ly_ctx *ctx,
				      const struct lyd_node *filter,
				      char ***xpaths,
				      struct vpnha_nc_error *err);
extern void vpnha_nc_xpaths_free(char **xpaths);

/*
 * Select from a data tree: the nodes matching any of the XPaths, with
 * their parents and all their descendants.  NULL xpaths: everything.
 *
 * Returns:
 *    0 and *out (may be NULL: nothing selected), or -1 (bad XPath).
 */
extern int vpnha_nc_select(const struct lyd_node *data, char *const *xpaths,
			   struct lyd_node **out, struct vpnha_nc_error *err);

/* Confirmed commit (RFC 6241 8.4), as pure state. */
struct vpnha_nc_confirm {
	bool pending;	     /* a confirmed commit waits for confirmation */
	uint32_t session_id; /* who issued it */
	char persist[128];   /* persist token ("" = none) */
	int64_t deadline_ms; /* rollback time, monotonic ms */
};

enum vpnha_nc_confirm_action {
	VPNHA_NC_CC_COMMIT,  /* plain commit: nothing pending */
	VPNHA_NC_CC_START,   /* save a rollback copy, commit, arm timer */
	VPNHA_NC_CC_EXTEND,  /* commit, re-arm the timer (keep the copy) */
	VPNHA_NC_CC_CONFIRM, /* commit, drop the copy and the timer */
	VPNHA_NC_CC_REFUSED, /* error filled */
};

/*
 * A <commit> arrives.  confirmed: the <confirmed/> flag; timeout_s:
 * <confirm-timeout> (0: the default of 600 s); persist: <persist> or
 * NULL; persist_id: <persist-id> or NULL.
 */
extern enum vpnha_nc_confirm_action
vpnha_nc_confirm_commit(struct vpnha_nc_confirm *cc, uint32_t session_id,
			bool confirmed, uint32_t timeout_s, const char *persist,
			const char *persist_id, int64_t now_ms,
			struct vpnha_nc_error *err);

/*
 * <cancel-commit>: true when the caller must roll back now.
 */
extern bool vpnha_nc_confirm_cancel(struct vpnha_nc_confirm *cc,
				    uint32_t session_id, const char *persist_id,
				    struct vpnha_nc_error *err);

/*
 * A session ended: true when the caller must roll back now (a pending
 * confirmed commit without persist, issued by that session).
 */
extern bool vpnha_nc_confirm_session_end(struct vpnha_nc_confirm *cc,
					 uint32_t session_id);

/*
 * The timer fired (or time passed): true when the caller must roll back.
 */
extern bool vpnha_nc_confirm_expired(struct vpnha_nc_confirm *cc,
				     int64_t now_ms);

/*
 * RFC 5277 notification replay: the newest notifications, kept in the
 * order they came (a bounded ring; the oldest goes first).
 */
#define VPNHA_NC_REPLAY_MAX 256

struct vpnha_nc_replay {
	unsigned int head, count; /* the oldest is ent[head] */
	int64_t created_us;	  /* replayLogCreationTime */
	struct {
		int64_t time_us; /* eventTime, microseconds since the epoch */
		void *item;
	} ent[VPNHA_NC_REPLAY_MAX];
};

/*
 * Keep item with its eventTime.  Returns the item pushed out to make
 * room (the caller frees it), or NULL.
 */
extern void *vpnha_nc_replay_add(struct vpnha_nc_replay *r, int64_t time_us,
				 void *item);

/*
 * The kept items with start_us <= eventTime <= stop_us, oldest first,
 * at most max of them into out.  Returns how many.
 */
extern unsigned int vpnha_nc_replay_select(const struct vpnha_nc_replay *r,
					   int64_t start_us, int64_t stop_us,
					   void **out, unsigned int max);

/* A <create-subscription>'s replay window (RFC 5277 2.1.1). */
struct vpnha_nc_subscription {
	bool replay;	  /* startTime given */
	int64_t start_us; /* startTime */
	bool has_stop;	  /* stopTime given */
	int64_t stop_us;  /* stopTime */
};

/*
 * Parse and check startTime and stopTime (date-and-time text, NULL when
 * absent) against now_us: a stopTime needs a startTime
 * (missing-element), a startTime may not be in the future and a
 * stopTime not before the startTime (bad-element).  Returns 0, or -1
 * with err filled.
 */
extern int vpnha_nc_subscription_parse(const char *start, const char *stop,
				       int64_t now_us,
				       struct vpnha_nc_subscription *sub,
				       struct vpnha_nc_error *err);

/* Roles (NACM-lite). */
enum vpnha_nc_role {
	VPNHA_NC_ROLE_NONE = 0,
	VPNHA_NC_ROLE_READ_ONLY,
	VPNHA_NC_ROLE_READ_WRITE,
};

extern int vpnha_nc_role_parse(const char *name, enum vpnha_nc_role *role);

/*
 * May a user of this role run this RPC (its schema name, e.g.
 * "edit-config", "get")?  Read-only users may read, subscribe and close
 * their own session; everything that writes, locks or kills needs
 * read-write; unknown RPCs need read-write.
 */
extern bool vpnha_nc_role_allows(enum vpnha_nc_role role, const char *rpc);

/* The server's configuration file (the -M module argument). */
#define VPNHA_NC_USERS_MAX 32
#define VPNHA_NC_PORT_DEFAULT 830
#define VPNHA_NC_SESSIONS_DEFAULT 8
#define VPNHA_NC_MSG_SIZE_DEFAULT (1024 * 1024)

struct vpnha_nc_user {
	char name[64];
	enum vpnha_nc_role role;
	char keys[256]; /* authorized_keys file */
};

struct vpnha_nc_config {
	char address[64];
	uint16_t port;
	char host_key[256];
	char yang_dir[256];
	unsigned int max_sessions;
	unsigned int max_message_size; /* of a <config>/<filter> content */
	unsigned int idle_timeout_s;
	unsigned int hello_timeout_s;
	unsigned int n_users;
	struct vpnha_nc_user users[VPNHA_NC_USERS_MAX];
};

/*
 * Parse the configuration text (see vpnhad(8)): "listen ADDR [PORT]",
 * "host-key PATH", "yang-dir PATH", "max-sessions N",
 * "max-message-size BYTES", "idle-timeout S", "hello-timeout S",
 * "user NAME read-only|read-write AUTHORIZED-KEYS-FILE"; '#' comments.
 * Defaults first, then the text.  Returns 0, or -1 with msg naming the
 * line and the field.
 */
extern int vpnha_nc_config_parse(struct vpnha_nc_config *cfg, const char *text,
				 char *msg, size_t msg_len);

/* The configured user of that name, or NULL. */
extern const struct vpnha_nc_user *
vpnha_nc_config_user(const struct vpnha_nc_config *cfg, const char *name);

#endif /* _FRR_VPNHA_NETCONF_H */
