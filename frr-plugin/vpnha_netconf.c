// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NETCONF core: edit-config engine, subtree filter, confirmed-commit
 * state and role check.  Links only libyang (see vpnha_netconf.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpnha_netconf.h"

static void nc_err(struct vpnha_nc_error *err, const char *type,
		   const char *tag, const struct lyd_node *node,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void nc_err(struct vpnha_nc_error *err, const char *type,
		   const char *tag, const struct lyd_node *node,
		   const char *fmt, ...)
{
	va_list ap;

	err->type = type;
	err->tag = tag;
	err->path[0] = '\0';
	if (node)
		lyd_path(node, LYD_PATH_STD, err->path, sizeof(err->path));
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

bool vpnha_nc_nb_error_path(const char *msg, char *path, size_t size,
			    const char **tag)
{
	const char *p, *end;

	if ((p = strstr(msg, "Data location \""))) {
		p += strlen("Data location \"");
		end = p + strcspn(p, "\"");
	} else if ((p = strstr(msg, "Path: "))) {
		p += strlen("Path: ");
		end = p + strcspn(p, "\r\n");
	} else
		return false;
	snprintf(path, size, "%.*s", (int)(end - p), p);
	*tag = (strstr(msg, "leafref") || strstr(msg, "andatory"))
		       ? "data-missing"
		       : "invalid-value";
	return true;
}

static const char *const nc_op_names[] = {
	[VPNHA_NC_OP_NONE] = "none",	   [VPNHA_NC_OP_MERGE] = "merge",
	[VPNHA_NC_OP_REPLACE] = "replace", [VPNHA_NC_OP_CREATE] = "create",
	[VPNHA_NC_OP_DELETE] = "delete",   [VPNHA_NC_OP_REMOVE] = "remove",
};

int vpnha_nc_op_parse(const char *name, enum vpnha_nc_op *op)
{
	for (size_t i = 0; i < sizeof(nc_op_names) / sizeof(nc_op_names[0]);
	     i++) {
		if (strcmp(name, nc_op_names[i]) == 0) {
			*op = i;
			return 0;
		}
	}
	return -1;
}

/* The node's own "operation" attribute, or the inherited one. */
static int nc_node_op(const struct lyd_node *node, enum vpnha_nc_op inherited,
		      enum vpnha_nc_op *op, struct vpnha_nc_error *err)
{
	struct lyd_meta *meta;

	*op = inherited;
	meta = lyd_find_meta(node->meta, NULL, "ietf-netconf:operation");
	if (!meta)
		return 0;
	if (vpnha_nc_op_parse(lyd_get_meta_value(meta), op) < 0 ||
	    *op == VPNHA_NC_OP_NONE) {
		nc_err(err, "protocol", "bad-attribute", node,
		       "unknown operation \"%s\"", lyd_get_meta_value(meta));
		return -1;
	}
	return 0;
}

/*
 * The first element below (or at) n that libyang could only parse as
 * opaque (a value that is not valid), or NULL.  Depth: the model's.
 */
static const struct lyd_node *nc_first_opaque(const struct lyd_node *n)
{
	const struct lyd_node *c, *o;

	if (!n->schema)
		return n;
	LY_LIST_FOR (lyd_child(n), c)
		if ((o = nc_first_opaque(c)))
			return o;
	return NULL;
}

/*
 * A subtree copied whole (create, replace, merge of a new node) must hold
 * valid values only: an opaque element in the configuration made
 * libyang 2's validation crash (the fuzz seed
 * crash-opaque-in-copied-subtree).  Returns -1 with err set if not.
 */
static int nc_check_values(const struct lyd_node *edit,
			   struct vpnha_nc_error *err)
{
	const struct lyd_node *o = nc_first_opaque(edit);
	const struct lyd_node_opaq *q = (const struct lyd_node_opaq *)o;
	size_t len;

	if (!o)
		return 0;
	nc_err(err, "application", "invalid-value", lyd_parent(o),
	       "invalid value \"%s\" of %s", q->value, q->name.name);
	len = strlen(err->path);
	snprintf(err->path + len, sizeof(err->path) - len, "/%s", q->name.name);
	return -1;
}

/* Insert a copy of edit (all of it, or only the node and list keys). */
static int nc_insert_copy(struct lyd_node *parent, struct lyd_node **first,
			  const struct lyd_node *edit, bool recursive,
			  struct lyd_node **copy, struct vpnha_nc_error *err)
{
	uint32_t opts = LYD_DUP_NO_META | (recursive ? LYD_DUP_RECURSIVE : 0);

	if (recursive && nc_check_values(edit, err) < 0)
		return -1;
	if (lyd_dup_single(edit, NULL, opts, copy) != LY_SUCCESS) {
		nc_err(err, "application", "operation-failed", edit,
		       "cannot copy the edit");
		return -1;
	}
	if ((parent ? lyd_insert_child(parent, *copy)
		    : lyd_insert_sibling(*first, *copy, first)) != LY_SUCCESS) {
		lyd_free_tree(*copy);
		nc_err(err, "application", "operation-failed", edit,
		       "cannot insert the edit");
		return -1;
	}
	return 0;
}

static int nc_edit_node(struct lyd_node *parent, struct lyd_node **first,
			const struct lyd_node *edit, enum vpnha_nc_op inherited,
			struct vpnha_nc_error *err);

static int nc_edit_children(struct lyd_node *tnode, const struct lyd_node *edit,
			    enum vpnha_nc_op op, struct vpnha_nc_error *err)
{
	const struct lyd_node *c;

	LY_LIST_FOR (lyd_child(edit), c) {
		struct lyd_node *tfirst = lyd_child(tnode);

		if (c->schema && lysc_is_key(c->schema))
			continue;
		if (nc_edit_node(tnode, &tfirst, c, op, err) < 0)
			return -1;
	}
	return 0;
}

#define NC_BASE_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

/*
 * An element libyang could only parse as opaque (no valid value): only
 * the delete or remove of a leaf, e.g. <interface nc:operation="delete"/>.
 */
static int nc_edit_opaque(struct lyd_node *parent, struct lyd_node **first,
			  const struct lyd_node *edit, enum vpnha_nc_op op,
			  struct vpnha_nc_error *err)
{
	const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)edit;
	const struct lys_module *mod = NULL;
	const struct lysc_node *snode = NULL;
	const struct lyd_attr *a;
	struct lyd_node *match = NULL;

	for (a = o->attr; a; a = a->next)
		if (strcmp(a->name.name, "operation") == 0 &&
		    a->name.module_ns &&
		    strcmp(a->name.module_ns, NC_BASE_NS) == 0 &&
		    vpnha_nc_op_parse(a->value, &op) < 0) {
			nc_err(err, "protocol", "bad-attribute", parent,
			       "unknown operation \"%s\"", a->value);
			return -1;
		}
	if (o->name.module_ns)
		mod = ly_ctx_get_module_implemented_ns(LYD_CTX(edit),
						       o->name.module_ns);
	if (mod)
		snode = lys_find_child(parent ? parent->schema : NULL, mod,
				       o->name.name, 0, 0, 0);
	if (!snode) {
		nc_err(err, "application", "unknown-element", parent,
		       "unknown element \"%s\"", o->name.name);
		return -1;
	}
	if (snode->nodetype != LYS_LEAF ||
	    (op != VPNHA_NC_OP_DELETE && op != VPNHA_NC_OP_REMOVE)) {
		nc_err(err, "application", "invalid-value", parent,
		       "invalid value \"%s\" of %s", o->value, o->name.name);
		if (parent) {
			size_t len = strlen(err->path);

			snprintf(err->path + len, sizeof(err->path) - len,
				 "/%s", o->name.name);
		}
		return -1;
	}
	if (*first)
		lyd_find_sibling_val(*first, snode, NULL, 0, &match);
	if (!match) {
		if (op == VPNHA_NC_OP_REMOVE)
			return 0;
		nc_err(err, "application", "data-missing", parent,
		       "\"%s\" does not exist", o->name.name);
		return -1;
	}
	if (match == *first)
		*first = match->next;
	lyd_free_tree(match);
	return 0;
}

static int nc_edit_node(struct lyd_node *parent, struct lyd_node **first,
			const struct lyd_node *edit, enum vpnha_nc_op inherited,
			struct vpnha_nc_error *err)
{
	struct lyd_node *match = NULL, *copy;
	enum vpnha_nc_op op;

	if (!edit->schema)
		return nc_edit_opaque(parent, first, edit, inherited, err);
	if (edit->schema->flags & LYS_CONFIG_R) {
		nc_err(err, "application", "invalid-value", edit,
		       "\"%s\" is state data, not configuration",
		       edit->schema->name);
		return -1;
	}
	if (nc_node_op(edit, inherited, &op, err) < 0)
		return -1;
	/* Lists and leaf-lists by key/value, the rest by schema node. */
	if (*first && (edit->schema->nodetype & (LYS_LIST | LYS_LEAFLIST)))
		lyd_find_sibling_first(*first, edit, &match);
	else if (*first)
		lyd_find_sibling_val(*first, edit->schema, NULL, 0, &match);

	switch (op) {
	case VPNHA_NC_OP_CREATE:
		if (match) {
			nc_err(err, "application", "data-exists", edit,
			       "\"%s\" already exists", edit->schema->name);
			return -1;
		}
		return nc_insert_copy(parent, first, edit, true, &copy, err);
	case VPNHA_NC_OP_DELETE:
	case VPNHA_NC_OP_REMOVE:
		if (!match) {
			if (op == VPNHA_NC_OP_REMOVE)
				return 0;
			nc_err(err, "application", "data-missing", edit,
			       "\"%s\" does not exist", edit->schema->name);
			return -1;
		}
		if (match == *first)
			*first = match->next;
		lyd_free_tree(match);
		return 0;
	case VPNHA_NC_OP_REPLACE:
		if (nc_check_values(edit, err) < 0)
			return -1;
		if (match) {
			if (match == *first)
				*first = match->next;
			lyd_free_tree(match);
		}
		return nc_insert_copy(parent, first, edit, true, &copy, err);
	case VPNHA_NC_OP_MERGE:
		if (edit->schema->nodetype & LYD_NODE_TERM) {
			if (!match)
				return nc_insert_copy(parent, first, edit, true,
						      &copy, err);
			if (edit->schema->nodetype == LYS_LEAF &&
			    lyd_change_term(match, lyd_get_value(edit)) ==
				    LY_EINVAL) {
				nc_err(err, "application", "invalid-value",
				       edit, "invalid value \"%s\"",
				       lyd_get_value(edit));
				return -1;
			}
			return 0;
		}
		if (!match &&
		    nc_insert_copy(parent, first, edit, false, &match, err) < 0)
			return -1;
		return nc_edit_children(match, edit, op, err);
	case VPNHA_NC_OP_NONE:
		if (edit->schema->nodetype & LYD_NODE_TERM)
			return 0;
		if (match)
			return nc_edit_children(match, edit, op, err);
		/* Only a path to deeper operations: create it on the way. */
		if (nc_insert_copy(parent, first, edit, false, &match, err) < 0)
			return -1;
		if (nc_edit_children(match, edit, op, err) < 0)
			return -1;
		/* Nothing was created below: leave no trace. */
		for (copy = lyd_child(match); copy; copy = copy->next)
			if (!copy->schema || !lysc_is_key(copy->schema))
				return 0;
		if (match == *first)
			*first = match->next;
		lyd_free_tree(match);
		return 0;
	}
	return 0;
}

int vpnha_nc_edit_apply(struct lyd_node **target, const struct lyd_node *edit,
			enum vpnha_nc_op dflt, struct vpnha_nc_error *err)
{
	const struct lyd_node *e;

	LY_LIST_FOR (edit, e) {
		if (nc_edit_node(NULL, target, e, dflt, err) < 0)
			return -1;
		/* Top-level siblings: always start from the first one. */
		if (*target)
			*target = lyd_first_sibling(*target);
	}
	return 0;
}

/* Apply one unit of an edit to a copy of *target; keep it if it passes. */
static int nc_apply_unit(struct lyd_node **target, const struct lyd_node *unit,
			 enum vpnha_nc_op dflt, struct vpnha_nc_error *err)
{
	struct lyd_node *copy = NULL;

	if (*target &&
	    lyd_dup_siblings(*target, NULL, LYD_DUP_RECURSIVE, &copy)) {
		nc_err(err, "application", "operation-failed", NULL,
		       "cannot copy the configuration");
		return -1;
	}
	if (vpnha_nc_edit_apply(&copy, unit, dflt, err) < 0) {
		lyd_free_all(copy);
		return -1;
	}
	lyd_free_all(*target);
	*target = copy;
	return 0;
}

/* unit = a copy of e alone, with only its child c if c is given. */
static int nc_unit(const struct lyd_node *e, const struct lyd_node *c,
		   struct lyd_node **unit, struct vpnha_nc_error *err)
{
	struct lyd_node *cc = NULL;

	*unit = NULL;
	if (lyd_dup_single(e, NULL, c ? 0 : LYD_DUP_RECURSIVE, unit) ||
	    (c && lyd_dup_single(c, (struct lyd_node_inner *)*unit,
				 LYD_DUP_RECURSIVE, &cc))) {
		lyd_free_all(*unit);
		*unit = NULL;
		nc_err(err, "application", "operation-failed", e,
		       "cannot copy the edit");
		return -1;
	}
	return 0;
}

size_t vpnha_nc_edit_apply_continue(struct lyd_node **target,
				    const struct lyd_node *edit,
				    enum vpnha_nc_op dflt,
				    struct vpnha_nc_error *errs, size_t max)
{
	const struct lyd_node *e, *c;
	struct lyd_node *unit;
	struct vpnha_nc_error scratch;
	size_t n = 0;

#define NC_NEXT_ERR (n < max ? &errs[n] : &scratch)
	LY_LIST_FOR (edit, e) {
		bool split =
			e->schema && e->schema->nodetype == LYS_CONTAINER &&
			(dflt == VPNHA_NC_OP_MERGE ||
			 dflt == VPNHA_NC_OP_NONE) &&
			!lyd_find_meta(e->meta, NULL, "ietf-netconf:operation");

		/*
		 * The units: each child of a merged container (a peer, a
		 * tunnel, a route of <vpnhad>), else the element whole (a
		 * container replaced or created is one unit).
		 */
		if (!split || !lyd_child(e)) {
			if (nc_unit(e, NULL, &unit, NC_NEXT_ERR) < 0 ||
			    nc_apply_unit(target, unit, dflt, NC_NEXT_ERR) < 0)
				n++;
			lyd_free_all(unit);
			continue;
		}
		LY_LIST_FOR (lyd_child(e), c) {
			if (nc_unit(e, c, &unit, NC_NEXT_ERR) < 0 ||
			    nc_apply_unit(target, unit, dflt, NC_NEXT_ERR) < 0)
				n++;
			lyd_free_all(unit);
		}
	}
#undef NC_NEXT_ERR
	return n;
}

/* Subtree filter (RFC 6241 6.2) to XPath. */

/*
 * libyang keeps an anyxml element whose prefix has no xmlns
 * declaration as an opaque node without namespace, and its XML
 * printer then dereferences that NULL namespace (libyang 2.1): refuse
 * such content before printing it.
 */
static int nc_any_check(const struct lyd_node *first,
			struct vpnha_nc_error *err)
{
	const struct lyd_node *n;

	LY_LIST_FOR (first, n) {
		const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;

		if (n->schema && (n->schema->nodetype & LYD_NODE_ANY)) {
			/* An anyxml inside the content (e.g. a <filter>
			 * of an ietf-netconf operation) has its own tree. */
			const struct lyd_node_any *a =
				(const struct lyd_node_any *)n;

			if (a->value_type == LYD_ANYDATA_DATATREE &&
			    nc_any_check(a->value.tree, err) < 0)
				return -1;
			continue;
		}
		if (n->schema) {
			if (nc_any_check(lyd_child(n), err) < 0)
				return -1;
			continue;
		}
		if (o->name.prefix && !o->name.module_ns) {
			nc_err(err, "protocol", "unknown-namespace", NULL,
			       "element <%s:%s>: namespace prefix \"%s\" is not declared",
			       o->name.prefix, o->name.name, o->name.prefix);
			return -1;
		}
		if (nc_any_check(o->child, err) < 0)
			return -1;
	}
	return 0;
}

int vpnha_nc_any_to_xml(const struct lyd_node *any, char **xml,
			struct vpnha_nc_error *err)
{
	const struct lyd_node_any *a = (const struct lyd_node_any *)any;

	*xml = NULL;
	if (a->value_type == LYD_ANYDATA_DATATREE &&
	    nc_any_check(a->value.tree, err) < 0)
		return -1;
	if (lyd_any_value_str(any, xml) != LY_SUCCESS) {
		nc_err(err, "application", "invalid-value", NULL,
		       "cannot read the content");
		return -1;
	}
	return 0;
}

struct nc_xpaths {
	char **v;
	size_t n, size;
};

static int nc_xpaths_add(struct nc_xpaths *x, const char *s)
{
	if (x->n + 2 > x->size) {
		size_t size = x->size ? x->size * 2 : 8;
		char **v = realloc(x->v, size * sizeof(*v));

		if (!v)
			return -1;
		x->v = v;
		x->size = size;
	}
	x->v[x->n] = strdup(s);
	if (!x->v[x->n])
		return -1;
	x->v[++x->n] = NULL;
	return 0;
}

void vpnha_nc_xpaths_free(char **xpaths)
{
	if (!xpaths)
		return;
	for (char **p = xpaths; *p; p++)
		free(*p);
	free(xpaths);
}

/* Element name, namespace and text of a filter node. */
static void nc_filter_node(const struct lyd_node *n, const char **name,
			   const char **ns, const char **value)
{
	if (n->schema) {
		*name = n->schema->name;
		*ns = n->schema->module->ns;
		*value = (n->schema->nodetype & LYD_NODE_TERM)
				 ? lyd_get_value(n)
				 : NULL;
	} else {
		const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;

		*name = o->name.name;
		*ns = o->name.module_ns;
		*value = o->value;
	}
	/* Whitespace between elements is no content. */
	if (*value && strspn(*value, " \t\r\n") == strlen(*value))
		*value = NULL;
}

static bool nc_filter_is_content(const struct lyd_node *n)
{
	const char *name, *ns, *value;

	nc_filter_node(n, &name, &ns, &value);
	return !lyd_child(n) && value;
}

/* Append "/[prefix:]name" for a filter node; -1 if its namespace is unknown. */
static int nc_filter_step(const struct ly_ctx *ctx, const struct lyd_node *n,
			  const char *parent_mod, char *buf, size_t size,
			  const char **mod, struct vpnha_nc_error *err)
{
	const char *name, *ns, *value;
	const struct lys_module *m = NULL;
	size_t len = strlen(buf);

	nc_filter_node(n, &name, &ns, &value);
	if (ns && ns[0])
		m = ly_ctx_get_module_implemented_ns(ctx, ns);
	else if (parent_mod)
		m = ly_ctx_get_module_implemented(ctx, parent_mod);
	if (!m) {
		nc_err(err, "protocol", "unknown-namespace", NULL,
		       "filter element \"%s\": unknown namespace \"%s\"", name,
		       ns ? ns : "");
		return -1;
	}
	*mod = m->name;
	if (parent_mod && strcmp(parent_mod, m->name) == 0)
		snprintf(buf + len, size - len, "/%s", name);
	else
		snprintf(buf + len, size - len, "/%s:%s", m->name, name);
	return 0;
}

static void nc_filter_pred(char *buf, size_t size, const char *name,
			   const char *value)
{
	size_t len = strlen(buf);
	char q = strchr(value, '\'') ? '"' : '\'';

	snprintf(buf + len, size - len, "[%s=%c%s%c]", name, q, value, q);
}

static int nc_subtree(const struct ly_ctx *ctx, const struct lyd_node *n,
		      const char *parent_mod, const char *prefix,
		      struct nc_xpaths *x, struct vpnha_nc_error *err)
{
	char path[2048];
	const char *mod, *name, *ns, *value;
	const struct lyd_node *c;
	bool deeper = false;

	snprintf(path, sizeof(path), "%s", prefix);
	if (nc_filter_step(ctx, n, parent_mod, path, sizeof(path), &mod, err) <
	    0)
		return -1;
	nc_filter_node(n, &name, &ns, &value);

	/* A content match node on its own selects that leaf if equal. */
	if (!lyd_child(n) && value) {
		nc_filter_pred(path, sizeof(path), ".", value);
		return nc_xpaths_add(x, path);
	}
	/* Content match children become predicates. */
	LY_LIST_FOR (lyd_child(n), c) {
		const char *cname, *cns, *cvalue;

		if (!nc_filter_is_content(c)) {
			deeper = true;
			continue;
		}
		nc_filter_node(c, &cname, &cns, &cvalue);
		nc_filter_pred(path, sizeof(path), cname, cvalue);
	}
	/* Selection node, or only content matches: the whole node. */
	if (!deeper)
		return nc_xpaths_add(x, path);
	LY_LIST_FOR (lyd_child(n), c) {
		if (nc_filter_is_content(c)) {
			/* Also return the matched leaves themselves. */
			char leaf[2048];
			const char *cmod;

			snprintf(leaf, sizeof(leaf), "%s", path);
			if (nc_filter_step(ctx, c, mod, leaf, sizeof(leaf),
					   &cmod, err) < 0 ||
			    nc_xpaths_add(x, leaf) < 0)
				return -1;
			continue;
		}
		if (nc_subtree(ctx, c, mod, path, x, err) < 0)
			return -1;
	}
	return 0;
}

int vpnha_nc_subtree_to_xpaths(const struct ly_ctx *ctx,
			       const struct lyd_node *filter, char ***xpaths,
			       struct vpnha_nc_error *err)
{
	struct nc_xpaths x = {};
	const struct lyd_node *n;

	x.v = calloc(1, sizeof(*x.v));
	if (!x.v)
		goto fail_mem;
	x.size = 1;
	LY_LIST_FOR (filter, n) {
		if (nc_subtree(ctx, n, NULL, "", &x, err) < 0) {
			vpnha_nc_xpaths_free(x.v);
			return -1;
		}
	}
	*xpaths = x.v;
	return 0;

fail_mem:
	vpnha_nc_xpaths_free(x.v);
	nc_err(err, "application", "resource-denied", NULL, "out of memory");
	return -1;
}

int vpnha_nc_select(const struct lyd_node *data, char *const *xpaths,
		    struct lyd_node **out, struct vpnha_nc_error *err)
{
	*out = NULL;
	if (!data)
		return 0;
	if (!xpaths) {
		if (lyd_dup_siblings(data, NULL, LYD_DUP_RECURSIVE, out) !=
		    LY_SUCCESS)
			goto fail;
		return 0;
	}
	for (; *xpaths; xpaths++) {
		struct ly_set *set = NULL;

		if (lyd_find_xpath(data, *xpaths, &set) != LY_SUCCESS) {
			lyd_free_siblings(*out);
			*out = NULL;
			nc_err(err, "protocol", "invalid-value", NULL,
			       "invalid filter XPath \"%s\"", *xpaths);
			return -1;
		}
		for (uint32_t i = 0; i < set->count; i++) {
			struct lyd_node *dup, *top;

			if (lyd_dup_single(set->dnodes[i], NULL,
					   LYD_DUP_RECURSIVE |
						   LYD_DUP_WITH_PARENTS,
					   &dup) != LY_SUCCESS) {
				ly_set_free(set, NULL);
				goto fail;
			}
			for (top = dup; top->parent; top = lyd_parent(top))
				;
			if (!*out)
				*out = top;
			else if (lyd_merge_siblings(out, top,
						    LYD_MERGE_DESTRUCT) !=
				 LY_SUCCESS) {
				ly_set_free(set, NULL);
				goto fail;
			}
		}
		ly_set_free(set, NULL);
	}
	return 0;

fail:
	lyd_free_siblings(*out);
	*out = NULL;
	nc_err(err, "application", "operation-failed", NULL,
	       "cannot copy the selected data");
	return -1;
}

/* Confirmed commit. */

#define VPNHA_NC_CONFIRM_DEFAULT_S 600

enum vpnha_nc_confirm_action
vpnha_nc_confirm_commit(struct vpnha_nc_confirm *cc, uint32_t session_id,
			bool confirmed, uint32_t timeout_s, const char *persist,
			const char *persist_id, int64_t now_ms,
			struct vpnha_nc_error *err)
{
	if (!timeout_s)
		timeout_s = VPNHA_NC_CONFIRM_DEFAULT_S;

	if (cc->pending) {
		if (cc->persist[0]) {
			if (!persist_id || strcmp(persist_id, cc->persist)) {
				nc_err(err, "protocol", "invalid-value", NULL,
				       "a persistent confirmed commit is pending: give its persist-id");
				return VPNHA_NC_CC_REFUSED;
			}
		} else if (session_id != cc->session_id) {
			nc_err(err, "protocol", "in-use", NULL,
			       "a confirmed commit of session %u is pending",
			       cc->session_id);
			return VPNHA_NC_CC_REFUSED;
		}
		if (!confirmed) {
			cc->pending = false;
			cc->persist[0] = '\0';
			return VPNHA_NC_CC_CONFIRM;
		}
		cc->deadline_ms = now_ms + (int64_t)timeout_s * 1000;
		if (persist)
			snprintf(cc->persist, sizeof(cc->persist), "%s",
				 persist);
		return VPNHA_NC_CC_EXTEND;
	}
	if (persist_id) {
		nc_err(err, "protocol", "invalid-value", NULL,
		       "no confirmed commit with persist-id \"%s\" is pending",
		       persist_id);
		return VPNHA_NC_CC_REFUSED;
	}
	if (!confirmed)
		return VPNHA_NC_CC_COMMIT;
	cc->pending = true;
	cc->session_id = session_id;
	snprintf(cc->persist, sizeof(cc->persist), "%s",
		 persist ? persist : "");
	cc->deadline_ms = now_ms + (int64_t)timeout_s * 1000;
	return VPNHA_NC_CC_START;
}

bool vpnha_nc_confirm_cancel(struct vpnha_nc_confirm *cc, uint32_t session_id,
			     const char *persist_id, struct vpnha_nc_error *err)
{
	if (!cc->pending) {
		nc_err(err, "protocol", "operation-failed", NULL,
		       "no confirmed commit is pending");
		return false;
	}
	if (cc->persist[0] ? (!persist_id || strcmp(persist_id, cc->persist))
			   : session_id != cc->session_id) {
		nc_err(err, "protocol", "invalid-value", NULL,
		       "the pending confirmed commit is not this session's (or the persist-id differs)");
		return false;
	}
	cc->pending = false;
	cc->persist[0] = '\0';
	return true;
}

bool vpnha_nc_confirm_session_end(struct vpnha_nc_confirm *cc,
				  uint32_t session_id)
{
	if (!cc->pending || cc->persist[0] || cc->session_id != session_id)
		return false;
	cc->pending = false;
	return true;
}

bool vpnha_nc_confirm_expired(struct vpnha_nc_confirm *cc, int64_t now_ms)
{
	if (!cc->pending || now_ms < cc->deadline_ms)
		return false;
	cc->pending = false;
	cc->persist[0] = '\0';
	return true;
}

/* Notification replay. */

void *vpnha_nc_replay_add(struct vpnha_nc_replay *r, int64_t time_us,
			  void *item)
{
	void *old = NULL;
	unsigned int i;

	if (r->count == VPNHA_NC_REPLAY_MAX) {
		old = r->ent[r->head].item;
		r->head = (r->head + 1) % VPNHA_NC_REPLAY_MAX;
		r->count--;
	}
	i = (r->head + r->count) % VPNHA_NC_REPLAY_MAX;
	r->ent[i].time_us = time_us;
	r->ent[i].item = item;
	r->count++;
	return old;
}

unsigned int vpnha_nc_replay_select(const struct vpnha_nc_replay *r,
				    int64_t start_us, int64_t stop_us,
				    void **out, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < r->count && n < max; k++) {
		unsigned int i = (r->head + k) % VPNHA_NC_REPLAY_MAX;

		if (r->ent[i].time_us >= start_us &&
		    r->ent[i].time_us <= stop_us)
			out[n++] = r->ent[i].item;
	}
	return n;
}

/* date-and-time text (RFC 3339) to microseconds since the epoch.  (In an
 * RPC libyang has checked the type; ly_time_str2time() does not.) */
static int nc_time_us(const char *text, int64_t *us)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	char *frac = NULL;
	time_t t;
	int64_t f = 0;
	int digits = 0;
	size_t i;

	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)text[i])
				    : text[i] != shape[i])
			return -1;
	if (ly_time_str2time(text, &t, &frac) != LY_SUCCESS)
		return -1;
	for (const char *c = frac; c && *c && digits < 6; c++, digits++)
		f = f * 10 + (*c - '0');
	for (; digits < 6; digits++)
		f *= 10;
	free(frac);
	*us = (int64_t)t * 1000000 + f;
	return 0;
}

int vpnha_nc_subscription_parse(const char *start, const char *stop,
				int64_t now_us,
				struct vpnha_nc_subscription *sub,
				struct vpnha_nc_error *err)
{
	memset(sub, 0, sizeof(*sub));
	if (stop && !start) {
		nc_err(err, "protocol", "missing-element", NULL,
		       "stopTime needs a startTime");
		snprintf(err->path, sizeof(err->path),
			 "/notifications:create-subscription/startTime");
		return -1;
	}
	if (start && nc_time_us(start, &sub->start_us) < 0) {
		nc_err(err, "protocol", "bad-element", NULL,
		       "startTime %s is not a date-and-time", start);
		snprintf(err->path, sizeof(err->path),
			 "/notifications:create-subscription/startTime");
		return -1;
	}
	if (start && sub->start_us > now_us) {
		nc_err(err, "protocol", "bad-element", NULL,
		       "startTime %s is in the future", start);
		snprintf(err->path, sizeof(err->path),
			 "/notifications:create-subscription/startTime");
		return -1;
	}
	if (stop && (nc_time_us(stop, &sub->stop_us) < 0 ||
		     sub->stop_us < sub->start_us)) {
		nc_err(err, "protocol", "bad-element", NULL,
		       "stopTime %s is not a date-and-time after startTime",
		       stop);
		snprintf(err->path, sizeof(err->path),
			 "/notifications:create-subscription/stopTime");
		return -1;
	}
	sub->replay = start != NULL;
	sub->has_stop = stop != NULL;
	return 0;
}

/* Roles. */

int vpnha_nc_role_parse(const char *name, enum vpnha_nc_role *role)
{
	if (strcmp(name, "read-only") == 0)
		*role = VPNHA_NC_ROLE_READ_ONLY;
	else if (strcmp(name, "read-write") == 0)
		*role = VPNHA_NC_ROLE_READ_WRITE;
	else
		return -1;
	return 0;
}

bool vpnha_nc_role_allows(enum vpnha_nc_role role, const char *rpc)
{
	static const char *const readers[] = {
		"get",	    "get-config",	   "get-schema",
		"validate", "create-subscription", "close-session",
	};

	if (role == VPNHA_NC_ROLE_READ_WRITE)
		return true;
	if (role != VPNHA_NC_ROLE_READ_ONLY)
		return false;
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (strcmp(rpc, readers[i]) == 0)
			return true;
	return false;
}

/* Configuration file. */

static int nc_cfg_uint(const char *word, unsigned int min, unsigned int max,
		       unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!word)
		return -1;
	v = strtoul(word, &end, 10);
	if (*end || end == word || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int nc_cfg_copy(char *dst, size_t size, const char *word)
{
	if (!word || strlen(word) >= size)
		return -1;
	strcpy(dst, word);
	return 0;
}

static int nc_cfg_line(struct vpnha_nc_config *cfg, char **w, int n,
		       const char **field)
{
	unsigned int v;

	*field = w[0];
	if (strcmp(w[0], "listen") == 0) {
		if (n < 2 || n > 3 ||
		    nc_cfg_copy(cfg->address, sizeof(cfg->address), w[1]) < 0)
			return -1;
		if (n == 3) {
			*field = "listen port";
			if (nc_cfg_uint(w[2], 1, 65535, &v) < 0)
				return -1;
			cfg->port = v;
		}
		return 0;
	}
	if (strcmp(w[0], "host-key") == 0)
		return n == 2 ? nc_cfg_copy(cfg->host_key,
					    sizeof(cfg->host_key), w[1])
			      : -1;
	if (strcmp(w[0], "yang-dir") == 0)
		return n == 2 ? nc_cfg_copy(cfg->yang_dir,
					    sizeof(cfg->yang_dir), w[1])
			      : -1;
	if (strcmp(w[0], "max-sessions") == 0)
		return n == 2 ? nc_cfg_uint(w[1], 1, 1024, &cfg->max_sessions)
			      : -1;
	if (strcmp(w[0], "max-message-size") == 0)
		return n == 2 ? nc_cfg_uint(w[1], 4096, 256 * 1024 * 1024,
					    &cfg->max_message_size)
			      : -1;
	if (strcmp(w[0], "idle-timeout") == 0)
		return n == 2 ? nc_cfg_uint(w[1], 0, 65535,
					    &cfg->idle_timeout_s)
			      : -1;
	if (strcmp(w[0], "hello-timeout") == 0)
		return n == 2 ? nc_cfg_uint(w[1], 1, 65535,
					    &cfg->hello_timeout_s)
			      : -1;
	if (strcmp(w[0], "user") == 0) {
		struct vpnha_nc_user *u;

		if (n != 4)
			return -1;
		if (cfg->n_users >= VPNHA_NC_USERS_MAX) {
			*field = "user (too many users)";
			return -1;
		}
		if (vpnha_nc_config_user(cfg, w[1])) {
			*field = "user (defined twice)";
			return -1;
		}
		u = &cfg->users[cfg->n_users];
		*field = "user name";
		if (nc_cfg_copy(u->name, sizeof(u->name), w[1]) < 0)
			return -1;
		*field = "user role (read-only or read-write)";
		if (vpnha_nc_role_parse(w[2], &u->role) < 0)
			return -1;
		*field = "user authorized-keys file";
		if (nc_cfg_copy(u->keys, sizeof(u->keys), w[3]) < 0)
			return -1;
		cfg->n_users++;
		return 0;
	}
	*field = NULL;
	return -1;
}

int vpnha_nc_config_parse(struct vpnha_nc_config *cfg, const char *text,
			  char *msg, size_t msg_len)
{
	char *copy = strdup(text), *line, *save = NULL;
	int lineno = 0;

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->address, "::");
	cfg->port = VPNHA_NC_PORT_DEFAULT;
	cfg->max_sessions = VPNHA_NC_SESSIONS_DEFAULT;
	cfg->max_message_size = VPNHA_NC_MSG_SIZE_DEFAULT;
	cfg->idle_timeout_s = 3600;
	cfg->hello_timeout_s = 10;
	if (!copy) {
		snprintf(msg, msg_len, "out of memory");
		return -1;
	}
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *w[8], *wsave = NULL, *hash = strchr(line, '#');
		const char *field;
		int n = 0;

		lineno++;
		if (hash)
			*hash = '\0';
		for (char *t = strtok_r(line, " \t\r", &wsave); t && n < 8;
		     t = strtok_r(NULL, " \t\r", &wsave))
			w[n++] = t;
		if (!n)
			continue;
		if (nc_cfg_line(cfg, w, n, &field) < 0) {
			if (field)
				snprintf(msg, msg_len,
					 "line %d: bad %s (\"%s\")", lineno,
					 field, w[0]);
			else
				snprintf(msg, msg_len,
					 "line %d: unknown setting \"%s\"",
					 lineno, w[0]);
			free(copy);
			return -1;
		}
	}
	free(copy);
	if (!cfg->n_users) {
		snprintf(msg, msg_len,
			 "no user configured: nobody could log in");
		return -1;
	}
	return 0;
}

const struct vpnha_nc_user *
vpnha_nc_config_user(const struct vpnha_nc_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->n_users; i++)
		if (strcmp(cfg->users[i].name, name) == 0)
			return &cfg->users[i];
	return NULL;
}
