// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad configuration commands (DEFPY_YANG) and their cli_show
 * callbacks, which print the running configuration from the YANG tree.
 *
 * vpn-ha
 *  gateway NAME [local-address ADDR]
 *  peer NAME
 *   address ADDR
 *  tunnel NAME
 *   interface IFNAME
 *   peer NAME
 *   [no] shutdown
 *   health-check source ADDR destination ADDR
 *   health-check interval|timeout|miss-count|... VALUE
 *   ipsec pre-shared-key [7] KEY
 *   ipsec local-id|remote-id|local-address|vici-socket VALUE
 *   ipsec interface-type xfrm|vti|tun [if-id N]
 *   ipsec ike|esp encryption ... integrity ... group|pfs ... [lifetime S]
 *   ipsec dpd SECONDS
 *   [no] ipsec passive
 *  ipsec backend libreswan|strongswan
 *  ipsec libreswan directory|ctl-socket|libexec PATH
 *  ipsec libreswan poll-interval MS
 *  ipsec strongswan vici-socket PATH
 *  route PREFIX tunnel NAME weight (0-100)
 */
#include <zebra.h>

#include "lib/command.h"
#include "lib/jhash.h"
#include "lib/network.h"
#include "lib/northbound_cli.h"
#include "lib/vty.h"
#include "lib/yang.h"
#include "lib/yang_wrappers.h"

#include "vpnha.h"
#include "vpnha_check.h"
#include "vpnha_compat.h"
#include "vpnha_memory.h"
#include "vpnha_nb.h"
#include "vpnha_nodes.h"
#include "vpnha_vty.h"

#ifndef VTYSH_EXTRACT_PL
#include "vpnha_cli_clippy.c"

DEFINE_MTYPE_STATIC(VPNHAD, VPNHA_CLI_IF, "vpnhad CLI interface index");
#endif

#define VPNHA_XPATH "/frr-vpnhad:vpnhad"
#define VPNHA_STR "VPN high availability (vpnhad)\n"
#define HC_STR "Tunnel health check\n"

/*
 * The CLI checks values itself before editing the candidate: FRR 8.4
 * keeps a failed edit in the candidate, where the next command would
 * commit it.  The YANG module checks the same rules for NETCONF.
 */
static bool vpnha_cli_name_ok(struct vty *vty, const char *what,
			      const char *name, size_t max)
{
	size_t len = strlen(name);

	if (len >= 1 && len <= max && isalnum((unsigned char)name[0]) &&
	    strspn(name,
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		    len)
		return true;
	vty_out(vty,
		"%% %s '%s' is invalid: 1 to %zu letters, digits, '_', '.' or '-', starting with a letter or digit\n",
		what, name, max);
	return false;
}

static bool vpnha_cli_addr_ok(struct vty *vty, const char *what,
			      const char *str)
{
	struct ipaddr ip;

	if (str2ipaddr(str, &ip) == 0)
		return true;
	vty_out(vty, "%% %s '%s' is not an IPv4 or IPv6 address\n", what, str);
	return false;
}

/* An error from a vpnha_check.h function, as a CLI error. */
static int vpnha_cli_refuse(struct vty *vty, const char *err)
{
	vty_out(vty, "%% %s\n", err);
	return CMD_WARNING_CONFIG_FAILED;
}

/* A numeric value typed as a word: in range, or refused naming it. */
static bool vpnha_cli_range_ok(struct vty *vty, const struct vpnha_range *r,
			       const char *field, const char *str)
{
	char err[160];
	uint32_t v;

	if (vpnha_range_parse(r, field, str, &v, err, sizeof(err)) == 0)
		return true;
	vpnha_cli_refuse(vty, err);
	return false;
}

/*
 * Catch-all for a keyword argument that is not one of its words (the
 * command with the words wins when one matches): say which are allowed
 * instead of "% Unknown command".
 */
static int vpnha_cli_bad_word(struct vty *vty, const char *field,
			      const char *str, const char *const words[])
{
	char err[200];

	vpnha_word_check(field, str, words, err, sizeof(err));
	return vpnha_cli_refuse(vty, err);
}

#if VPNHA_PENDING_BUF_SCAN
/*
 * nb_cli_apply_changes(vty, NULL), but in a configuration file libfrr
 * gets an empty pending-commands buffer, so that its strlcat() does not
 * measure all the commands before this one, and the command it wrote
 * there ("- LINE") is appended here at the known end of the real
 * buffer, which ends up as libfrr would have written it; on 10.x its
 * command count is kept below its batch size (vpnha_compat.h,
 * VPNHA_PENDING_BUF_SCAN, VPNHA_PENDING_BATCH).
 */
static int vpnha_cli_apply(struct vty *vty)
{
	char *buf = vty->pending_cmds_buf;
	size_t len = vty->pending_cmds_buflen, pos = vty->pending_cmds_bufpos;
#if VPNHA_PENDING_BATCH
	size_t count = vty->buffer_cmd_count;
#endif
	int ret;

	if (!vty->pending_allowed || !buf)
		return nb_cli_apply_changes(vty, NULL);
	vty->pending_cmds_buf = NULL;
	vty->pending_cmds_buflen = 0;
	vty->pending_cmds_bufpos = 0;
#if VPNHA_PENDING_BATCH
	vty->buffer_cmd_count = 0;
#endif
	ret = nb_cli_apply_changes(vty, NULL);
	if (vty->pending_cmds_buf) {
		size_t add = vty->pending_cmds_bufpos;

		if (pos + add + 1 > len) {
			while (pos + add + 1 > len)
				len *= 2;
			buf = XREALLOC(MTYPE_TMP, buf, len);
		}
		memcpy(buf + pos, vty->pending_cmds_buf, add + 1);
		pos += add;
		XFREE(MTYPE_TMP, vty->pending_cmds_buf);
#if VPNHA_PENDING_BATCH
		count++;
#endif
	}
	vty->pending_cmds_buf = buf;
	vty->pending_cmds_buflen = len;
	vty->pending_cmds_bufpos = pos;
#if VPNHA_PENDING_BATCH
	vty->buffer_cmd_count = count;
#endif
	return ret;
}
#else
#define vpnha_cli_apply(vty) nb_cli_apply_changes(vty, NULL)
#endif

/* The candidate's node at xpath (printf-style), or NULL. */
static const struct lyd_node *vpnha_cli_get(struct vty *vty, const char *fmt,
					    ...) PRINTFRR(2, 3);
static const struct lyd_node *vpnha_cli_get(struct vty *vty, const char *fmt,
					    ...)
{
	char xpath[XPATH_MAXLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintfrr(xpath, sizeof(xpath), fmt, ap);
	va_end(ap);
	return yang_dnode_get(vty->candidate_config->dnode, xpath);
}

/*
 * "no LEAF [VALUE]" in the current node: VALUE, when given, must be
 * what is configured; deleting what is not there is refused too.
 */
static bool vpnha_cli_no_leaf_ok(struct vty *vty, const char *field,
				 const char *leaf, const char *value)
{
	const struct lyd_node *dn =
		vpnha_cli_get(vty, "%s/%s", VTY_CURR_XPATH, leaf);
	const char *cur;

	if (!dn) {
		vty_out(vty, "%% %s is not configured\n", field);
		return false;
	}
	cur = yang_dnode_get_string(dn, NULL);
	if (value && strcmp(value, cur) != 0) {
		vty_out(vty, "%% %s is %s, not %s: nothing removed\n", field,
			cur, value);
		return false;
	}
	return true;
}

/*
 * "no peer|tunnel NAME": refused when it does not exist, or when
 * in_use says what still refers to it (YANG's leafref, which libyang
 * would report in its own words).
 */
static int vpnha_cli_list_del(struct vty *vty, const char *list,
			      const char *name, const char *in_use)
{
	char xpath[XPATH_MAXLEN];

	snprintf(xpath, sizeof(xpath), VPNHA_XPATH "/%s[name='%s']", list,
		 name);
	if (!vpnha_cli_get(vty, "%s", xpath)) {
		vty_out(vty, "%% %s %s does not exist: nothing removed\n", list,
			name);
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (in_use[0]) {
		vty_out(vty, "%% %s %s %s\n", list, name, in_use);
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, xpath, NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

/* Names cannot contain spaces: "peer a b" names one peer "a b". */
static int vpnha_cli_name_spaces(struct vty *vty, const char *what, int argc,
				 struct cmd_token *argv[], int first)
{
	char *name = argv_concat(argv, argc, first);

	vty_out(vty,
		"%% %s '%s' is invalid: 1 to %d letters, digits, '_', '.' or '-', no spaces\n",
		what, name, VPNHA_NAME_MAX);
	XFREE(MTYPE_TMP, name);
	return CMD_WARNING_CONFIG_FAILED;
}

/* vpn-ha ----------------------------------------------------------------- */

DEFPY_YANG_NOSH(vpnha_enter, vpnha_enter_cmd, "vpn-ha", VPNHA_STR)
{
	int ret;

	nb_cli_enqueue_change(vty, VPNHA_XPATH, NB_OP_CREATE, NULL);
	ret = vpnha_cli_apply(vty);
	if (ret == CMD_SUCCESS)
		VTY_PUSH_XPATH(VPNHA_NODE, VPNHA_XPATH);
	return ret;
}

DEFPY_YANG(no_vpnha, no_vpnha_cmd, "no vpn-ha", NO_STR VPNHA_STR)
{
	nb_cli_enqueue_change(vty, VPNHA_XPATH, NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show(struct vty *vty, const struct lyd_node *dnode,
		    bool show_defaults)
{
	vty_out(vty, "vpn-ha\n");
}

void vpnha_cli_show_end(struct vty *vty, const struct lyd_node *dnode)
{
	vty_out(vty, "exit\n!\n");
}

DEFPY_YANG(vpnha_gateway, vpnha_gateway_cmd,
	   "gateway NAME$name [local-address ADDRESS$addr]",
	   "The local VPN gateway (this router)\n"
	   "Gateway name (up to 60 characters)\n"
	   "Public/local address the tunnels originate from\n"
	   "IPv4 or IPv6 address\n")
{
	if (!vpnha_cli_name_ok(vty, "gateway name", name, VPNHA_NAME_MAX) ||
	    (addr && !vpnha_cli_addr_ok(vty, "gateway local-address", addr)))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./gateway/name", NB_OP_MODIFY, name);
	nb_cli_enqueue_change(vty, "./gateway/local-address",
			      addr ? NB_OP_MODIFY : NB_OP_DESTROY, addr);
	return vpnha_cli_apply(vty);
}

DEFUN_YANG(vpnha_gateway_spaces, vpnha_gateway_spaces_cmd,
	   "gateway NAME LINE...",
	   "The local VPN gateway (this router)\n"
	   "Gateway name\n"
	   "Gateway name\n")
{
	return vpnha_cli_name_spaces(vty, "gateway name", argc, argv, 1);
}

DEFPY_YANG(no_vpnha_gateway, no_vpnha_gateway_cmd, "no gateway [NAME$name]",
	   NO_STR
	   "The local VPN gateway (this router)\n"
	   "Gateway name\n")
{
	if (!vpnha_cli_no_leaf_ok(vty, "gateway", "gateway/name", name))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./gateway/name", NB_OP_DESTROY, NULL);
	nb_cli_enqueue_change(vty, "./gateway/local-address", NB_OP_DESTROY,
			      NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_gateway(struct vty *vty, const struct lyd_node *dnode,
			    bool show_defaults)
{
	if (!yang_dnode_exists(dnode, "./name"))
		return;
	vty_out(vty, " gateway %s", yang_dnode_get_string(dnode, "./name"));
	if (yang_dnode_exists(dnode, "./local-address"))
		vty_out(vty, " local-address %s",
			yang_dnode_get_string(dnode, "./local-address"));
	vty_out(vty, "\n");
}

DEFPY_YANG(
	vpnha_distance_base, vpnha_distance_base_cmd,
	"distance-base (1-155)$base",
	"zebra administrative distance of a weight-0 route (distance = base + weight)\n"
	"Distance (default 1)\n")
{
	nb_cli_enqueue_change(vty, "./distance-base", NB_OP_MODIFY, base_str);
	return vpnha_cli_apply(vty);
}

/* Out of range or not a number: refused with the range. */
DEFPY_YANG(
	vpnha_distance_base_bad, vpnha_distance_base_bad_cmd,
	"distance-base WORD$base",
	"zebra administrative distance of a weight-0 route (distance = base + weight)\n"
	"Distance, 1-155\n")
{
	vpnha_cli_range_ok(vty, &vpnha_range_distance_base, "distance-base",
			   base);
	return CMD_WARNING_CONFIG_FAILED;
}

DEFPY_YANG(
	no_vpnha_distance_base, no_vpnha_distance_base_cmd,
	"no distance-base [(1-155)]",
	NO_STR
	"zebra administrative distance of a weight-0 route (distance = base + weight)\n"
	"Distance\n")
{
	nb_cli_enqueue_change(vty, "./distance-base", NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_distance_base(struct vty *vty, const struct lyd_node *dnode,
				  bool show_defaults)
{
	if (show_defaults || !yang_dnode_is_default(dnode, NULL))
		vty_out(vty, " distance-base %s\n",
			yang_dnode_get_string(dnode, NULL));
}

DEFPY_YANG(
	vpnha_adv_table, vpnha_adv_table_cmd, "advertise-table (1-252)$table",
	"Also send each prefix's route while a tunnel is usable to a routing table (for ip import-table)\n"
	"Table number\n")
{
	nb_cli_enqueue_change(vty, "./advertise-table", NB_OP_MODIFY,
			      table_str);
	return vpnha_cli_apply(vty);
}

/* Out of range or not a number: refused with the range. */
DEFPY_YANG(
	vpnha_adv_table_bad, vpnha_adv_table_bad_cmd,
	"advertise-table WORD$table",
	"Also send each prefix's route while a tunnel is usable to a routing table (for ip import-table)\n"
	"Table number, 1-252\n")
{
	vpnha_cli_range_ok(vty, &vpnha_range_adv_table, "advertise-table",
			   table);
	return CMD_WARNING_CONFIG_FAILED;
}

DEFPY_YANG(
	no_vpnha_adv_table, no_vpnha_adv_table_cmd,
	"no advertise-table [(1-252)]",
	NO_STR
	"Also send each prefix's route while a tunnel is usable to a routing table (for ip import-table)\n"
	"Table number\n")
{
	nb_cli_enqueue_change(vty, "./advertise-table", NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_adv_table(struct vty *vty, const struct lyd_node *dnode,
			      bool show_defaults)
{
	vty_out(vty, " advertise-table %s\n",
		yang_dnode_get_string(dnode, NULL));
}

DEFPY_YANG(
	vpnha_fast_reroute, vpnha_fast_reroute_cmd, "[no] fast-reroute",
	NO_STR
	"Move a failed tunnel's prefixes at once through a zebra nexthop group\n")
{
	nb_cli_enqueue_change(vty, "./fast-reroute", NB_OP_MODIFY,
			      no ? "false" : "true");
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_fast_reroute(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults)
{
	vty_out(vty, " %sfast-reroute\n",
		yang_dnode_get_bool(dnode, NULL) ? "" : "no ");
}

DEFPY_YANG(vpnha_all_down, vpnha_all_down_cmd,
	   "all-down-action <keep-best|withdraw>$action",
	   "What to do for a prefix whose tunnels are all down\n"
	   "Keep the most preferred route installed (default)\n"
	   "Withdraw them all so a less specific route takes over\n")
{
	nb_cli_enqueue_change(vty, "./all-down-action", NB_OP_MODIFY, action);
	return vpnha_cli_apply(vty);
}

static const char *const vpnha_all_down_words[] = {"keep-best", "withdraw",
						   NULL};

DEFPY_YANG(vpnha_all_down_bad, vpnha_all_down_bad_cmd,
	   "all-down-action WORD$action",
	   "What to do for a prefix whose tunnels are all down\n"
	   "keep-best or withdraw\n")
{
	return vpnha_cli_bad_word(vty, "all-down-action", action,
				  vpnha_all_down_words);
}

DEFPY_YANG(no_vpnha_all_down, no_vpnha_all_down_cmd,
	   "no all-down-action [<keep-best|withdraw>]",
	   NO_STR
	   "What to do for a prefix whose tunnels are all down\n"
	   "Keep the most preferred route installed\n"
	   "Withdraw them all\n")
{
	nb_cli_enqueue_change(vty, "./all-down-action", NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_all_down_action(struct vty *vty,
				    const struct lyd_node *dnode,
				    bool show_defaults)
{
	if (show_defaults || !yang_dnode_is_default(dnode, NULL))
		vty_out(vty, " all-down-action %s\n",
			yang_dnode_get_string(dnode, NULL));
}

/* peer ------------------------------------------------------------------- */

DEFPY_YANG_NOSH(vpnha_peer, vpnha_peer_cmd, "peer NAME$name",
		"Peer (remote) VPN gateway\n"
		"Peer name (up to 60 characters)\n")
{
	char xpath[XPATH_MAXLEN];
	int ret;

	if (!vpnha_cli_name_ok(vty, "peer name", name, VPNHA_NAME_MAX))
		return CMD_WARNING_CONFIG_FAILED;
	snprintf(xpath, sizeof(xpath), VPNHA_XPATH "/peer[name='%s']", name);
	nb_cli_enqueue_change(vty, xpath, NB_OP_CREATE, NULL);
	ret = vpnha_cli_apply(vty);
	if (ret == CMD_SUCCESS)
		VTY_PUSH_XPATH(VPNHA_PEER_NODE, xpath);
	return ret;
}

DEFUN_YANG(vpnha_peer_spaces, vpnha_peer_spaces_cmd, "peer NAME LINE...",
	   "Peer (remote) VPN gateway\n"
	   "Peer name\n"
	   "Peer name\n")
{
	return vpnha_cli_name_spaces(vty, "peer name", argc, argv, 1);
}

DEFPY_YANG(no_vpnha_peer, no_vpnha_peer_cmd, "no peer NAME$name",
	   NO_STR
	   "Peer (remote) VPN gateway\n"
	   "Peer name\n")
{
	const struct lyd_node *tn =
		vpnha_cli_get(vty, VPNHA_XPATH "/tunnel[peer='%s']", name);
	char in_use[160] = "";

	if (tn)
		snprintf(
			in_use, sizeof(in_use),
			"is still used by tunnel %s: remove it from the tunnel first",
			yang_dnode_get_string(tn, "./name"));
	return vpnha_cli_list_del(vty, "peer", name, in_use);
}

void vpnha_cli_show_peer(struct vty *vty, const struct lyd_node *dnode,
			 bool show_defaults)
{
	vty_out(vty, " peer %s\n", yang_dnode_get_string(dnode, "./name"));
}

void vpnha_cli_show_sub_end(struct vty *vty, const struct lyd_node *dnode)
{
	vty_out(vty, " exit\n");
}

DEFPY_YANG(vpnha_peer_address, vpnha_peer_address_cmd, "address ADDRESS$addr",
	   "Public IP address of the remote device\n"
	   "IPv4 or IPv6 address\n")
{
	if (!vpnha_cli_addr_ok(vty, "peer address", addr))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./address", NB_OP_MODIFY, addr);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(no_vpnha_peer_address, no_vpnha_peer_address_cmd,
	   "no address [<A.B.C.D|X:X::X:X>$address]",
	   NO_STR
	   "Public IP address of the remote device\n"
	   "IPv4 address\n"
	   "IPv6 address\n")
{
	struct ipaddr want, cur;
	const struct lyd_node *dn =
		vpnha_cli_get(vty, "%s/address", VTY_CURR_XPATH);

	if (!dn) {
		vty_out(vty, "%% peer address is not configured\n");
		return CMD_WARNING_CONFIG_FAILED;
	}
	yang_dnode_get_ip(&cur, dn, NULL);
	if (address_str && (str2ipaddr(address_str, &want) < 0 ||
			    ipaddr_cmp(&want, &cur) != 0)) {
		vty_out(vty, "%% peer address is %s, not %s: nothing removed\n",
			yang_dnode_get_string(dn, NULL), address_str);
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./address", NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_peer_address(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults)
{
	vty_out(vty, "  address %s\n", yang_dnode_get_string(dnode, NULL));
}

/* tunnel ----------------------------------------------------------------- */

DEFPY_YANG_NOSH(vpnha_tunnel, vpnha_tunnel_cmd, "tunnel NAME$name",
		"Route-based IPsec tunnel\n"
		"Tunnel name (up to 60 characters)\n")
{
	char xpath[XPATH_MAXLEN];
	int ret;

	if (!vpnha_cli_name_ok(vty, "tunnel name", name, VPNHA_NAME_MAX))
		return CMD_WARNING_CONFIG_FAILED;
	snprintf(xpath, sizeof(xpath), VPNHA_XPATH "/tunnel[name='%s']", name);
	nb_cli_enqueue_change(vty, xpath, NB_OP_CREATE, NULL);
	ret = vpnha_cli_apply(vty);
	if (ret == CMD_SUCCESS)
		VTY_PUSH_XPATH(VPNHA_TUNNEL_NODE, xpath);
	return ret;
}

DEFUN_YANG(vpnha_tunnel_spaces, vpnha_tunnel_spaces_cmd, "tunnel NAME LINE...",
	   "Route-based IPsec tunnel\n"
	   "Tunnel name\n"
	   "Tunnel name\n")
{
	return vpnha_cli_name_spaces(vty, "tunnel name", argc, argv, 1);
}

DEFPY_YANG(no_vpnha_tunnel, no_vpnha_tunnel_cmd, "no tunnel NAME$name",
	   NO_STR
	   "Route-based IPsec tunnel\n"
	   "Tunnel name\n")
{
	const struct lyd_node *rn =
		vpnha_cli_get(vty, VPNHA_XPATH "/route[tunnel='%s']", name);
	char in_use[160] = "";

	if (rn)
		snprintf(
			in_use, sizeof(in_use),
			"still has routes (route %s tunnel %s ...): remove them first",
			yang_dnode_get_string(rn, "./prefix"), name);
	return vpnha_cli_list_del(vty, "tunnel", name, in_use);
}

void vpnha_cli_show_tunnel(struct vty *vty, const struct lyd_node *dnode,
			   bool show_defaults)
{
	vty_out(vty, " tunnel %s\n", yang_dnode_get_string(dnode, "./name"));
}

/*
 * Which candidate tunnel has interface IFNAME.  Interactively, one
 * search of the candidate.  In a configuration file (vtysh -f/-b,
 * pending commits: vty->pending_allowed) that search made the load
 * O(N^2); there an index IFNAME -> tunnel name answers instead, built
 * from the candidate when first needed (again after a commit or when
 * the candidate is replaced) and kept up to date by this command.  An
 * entry is only a hint: the tunnel it names is looked up by key and
 * must still have that interface.  Should the index miss a tunnel, the
 * YANG "unique interface" still refuses the commit.
 */
PREDECL_HASH(vpnha_cli_ifs);
struct vpnha_cli_if {
	struct vpnha_cli_ifs_item itm;
	char ifname[VPNHA_IFNAME_MAX + 1];
	char tunnel[VPNHA_NAME_MAX + 1];
};

static int vpnha_cli_if_cmp(const struct vpnha_cli_if *a,
			    const struct vpnha_cli_if *b)
{
	return strcmp(a->ifname, b->ifname);
}

static uint32_t vpnha_cli_if_hash(const struct vpnha_cli_if *a)
{
	return jhash(a->ifname, strlen(a->ifname), 0x76706e68);
}

DECLARE_HASH(vpnha_cli_ifs, struct vpnha_cli_if, itm, vpnha_cli_if_cmp,
	     vpnha_cli_if_hash);

static struct {
	struct vpnha_cli_ifs_head head;
	bool valid;
	uint64_t running_version;
	const struct lyd_node *dnode;
} vpnha_cli_ifidx = {.head = INIT_HASH(vpnha_cli_ifidx.head)};

static void vpnha_cli_if_set(const char *ifname, const char *tunnel)
{
	struct vpnha_cli_if key = {}, *e;

	strlcpy(key.ifname, ifname, sizeof(key.ifname));
	e = vpnha_cli_ifs_find(&vpnha_cli_ifidx.head, &key);
	if (!e) {
		e = XCALLOC(MTYPE_VPNHA_CLI_IF, sizeof(*e));
		strlcpy(e->ifname, ifname, sizeof(e->ifname));
		vpnha_cli_ifs_add(&vpnha_cli_ifidx.head, e);
	}
	strlcpy(e->tunnel, tunnel, sizeof(e->tunnel));
}

/* The index describes this vty's candidate (no commit since it was made). */
static bool vpnha_cli_if_fresh(struct vty *vty)
{
	return vpnha_cli_ifidx.valid &&
	       vpnha_cli_ifidx.running_version == running_config->version &&
	       vpnha_cli_ifidx.dnode == vty->candidate_config->dnode;
}

static void vpnha_cli_if_index(struct vty *vty)
{
	const struct lyd_node *dnode = vty->candidate_config->dnode;
	const struct lyd_node *root, *tn;
	struct vpnha_cli_if *e;

	if (vpnha_cli_if_fresh(vty))
		return;
	while ((e = vpnha_cli_ifs_pop(&vpnha_cli_ifidx.head)))
		XFREE(MTYPE_VPNHA_CLI_IF, e);
	root = yang_dnode_get(dnode, VPNHA_XPATH);
	if (root)
		LY_LIST_FOR (lyd_child(root), tn) {
			if (strcmp(tn->schema->name, "tunnel") != 0 ||
			    !yang_dnode_exists(tn, "./interface"))
				continue;
			vpnha_cli_if_set(
				yang_dnode_get_string(tn, "./interface"),
				yang_dnode_get_string(tn, "./name"));
		}
	vpnha_cli_ifidx.valid = true;
	vpnha_cli_ifidx.running_version = running_config->version;
	vpnha_cli_ifidx.dnode = dnode;
}

static const struct lyd_node *vpnha_cli_if_owner(struct vty *vty,
						 const char *ifname)
{
	struct vpnha_cli_if key = {}, *e;
	const struct lyd_node *tn;

	if (!vty->pending_allowed)
		return vpnha_cli_get(vty, VPNHA_XPATH "/tunnel[interface='%s']",
				     ifname);
	vpnha_cli_if_index(vty);
	strlcpy(key.ifname, ifname, sizeof(key.ifname));
	e = vpnha_cli_ifs_find(&vpnha_cli_ifidx.head, &key);
	if (!e)
		return NULL;
	tn = vpnha_cli_get(vty, VPNHA_XPATH "/tunnel[name='%s']", e->tunnel);
	if (!tn || !yang_dnode_exists(tn, "./interface") ||
	    strcmp(yang_dnode_get_string(tn, "./interface"), ifname) != 0)
		return NULL;
	return tn;
}

/* The current tunnel now has IFNAME in the candidate. */
static void vpnha_cli_if_note(struct vty *vty, const char *ifname)
{
	if (!vty->pending_allowed || !vpnha_cli_if_fresh(vty))
		return;
	vpnha_cli_if_set(ifname,
			 yang_dnode_get_string(vty->candidate_config->dnode,
					       "%s/name", VTY_CURR_XPATH));
}

DEFPY_YANG(vpnha_tunnel_interface, vpnha_tunnel_interface_cmd,
	   "interface IFNAME$ifname",
	   "The tunnel's route-based interface\n"
	   "Interface name (e.g. vti1, ipsec0)\n")
{
	const struct lyd_node *tn;
	int ret;

	if (!vpnha_cli_name_ok(vty, "tunnel interface", ifname,
			       VPNHA_IFNAME_MAX))
		return CMD_WARNING_CONFIG_FAILED;
	/* YANG's "unique interface", in the model's words. */
	tn = vpnha_cli_if_owner(vty, ifname);
	if (tn &&
	    strcmp(yang_dnode_get_string(tn, "./name"),
		   yang_dnode_get_string(vty->candidate_config->dnode,
					 "%s/name", VTY_CURR_XPATH)) != 0) {
		vty_out(vty,
			"%% tunnel interface %s is already tunnel %s's: two tunnels cannot share an interface\n",
			ifname, yang_dnode_get_string(tn, "./name"));
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./interface", NB_OP_MODIFY, ifname);
	ret = vpnha_cli_apply(vty);
	if (ret == CMD_SUCCESS)
		vpnha_cli_if_note(vty, ifname);
	return ret;
}

DEFPY_YANG(no_vpnha_tunnel_interface, no_vpnha_tunnel_interface_cmd,
	   "no interface [IFNAME$ifname]",
	   NO_STR
	   "The tunnel's route-based interface\n"
	   "Interface name\n")
{
	if (!vpnha_cli_no_leaf_ok(vty, "tunnel interface", "interface", ifname))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./interface", NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_tunnel_interface(struct vty *vty,
				     const struct lyd_node *dnode,
				     bool show_defaults)
{
	vty_out(vty, "  interface %s\n", yang_dnode_get_string(dnode, NULL));
}

DEFPY_YANG(vpnha_tunnel_vrf, vpnha_tunnel_vrf_cmd, "vrf NAME$vrfname",
	   "The VRF of the tunnel's interface, routes and probes\n"
	   "VRF name (zebra's; default: the default VRF)\n")
{
	if (!vpnha_cli_name_ok(vty, "tunnel vrf", vrfname,
			       VPNHA_VRF_NAMSIZ - 1))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./vrf", NB_OP_MODIFY, vrfname);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(no_vpnha_tunnel_vrf, no_vpnha_tunnel_vrf_cmd,
	   "no vrf [NAME$vrfname]",
	   NO_STR
	   "The VRF of the tunnel's interface, routes and probes\n"
	   "VRF name\n")
{
	if (!vpnha_cli_no_leaf_ok(vty, "tunnel vrf", "vrf", vrfname))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./vrf", NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_tunnel_vrf(struct vty *vty, const struct lyd_node *dnode,
			       bool show_defaults)
{
	const char *vrf = yang_dnode_get_string(dnode, NULL);

	if (show_defaults || strcmp(vrf, VPNHA_VRF_DEFAULT) != 0)
		vty_out(vty, "  vrf %s\n", vrf);
}

DEFPY_YANG(vpnha_tunnel_peer, vpnha_tunnel_peer_cmd, "peer NAME$name",
	   "The peer gateway the tunnel leads to\n"
	   "Peer name\n")
{
	/* YANG's leafref, in the model's words. */
	if (!vpnha_cli_get(vty, VPNHA_XPATH "/peer[name='%s']", name)) {
		vty_out(vty,
			"%% tunnel peer %s does not exist: configure 'peer %s' first\n",
			name, name);
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./peer", NB_OP_MODIFY, name);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(no_vpnha_tunnel_peer, no_vpnha_tunnel_peer_cmd,
	   "no peer [NAME$name]",
	   NO_STR
	   "The peer gateway the tunnel leads to\n"
	   "Peer name\n")
{
	if (!vpnha_cli_no_leaf_ok(vty, "tunnel peer", "peer", name))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./peer", NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_tunnel_peer(struct vty *vty, const struct lyd_node *dnode,
				bool show_defaults)
{
	vty_out(vty, "  peer %s\n", yang_dnode_get_string(dnode, NULL));
}

DEFPY_YANG(vpnha_tunnel_shutdown, vpnha_tunnel_shutdown_cmd, "[no] shutdown",
	   NO_STR
	   "Shut the tunnel down: withdraw its routes (planned switch)\n")
{
	nb_cli_enqueue_change(vty, "./shutdown", NB_OP_MODIFY,
			      no ? "false" : "true");
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_tunnel_shutdown(struct vty *vty,
				    const struct lyd_node *dnode,
				    bool show_defaults)
{
	if (yang_dnode_get_bool(dnode, NULL))
		vty_out(vty, "  shutdown\n");
	else if (show_defaults)
		vty_out(vty, "  no shutdown\n");
}

/* health-check ----------------------------------------------------------- */

DEFPY_YANG(vpnha_hc, vpnha_hc_cmd,
	   "health-check source ADDRESS$src destination ADDRESS$dst",
	   HC_STR
	   "Local probe address (on the tunnel interface)\n"
	   "IPv4 or IPv6 address\n"
	   "Peer probe address (reached through the tunnel)\n"
	   "IPv4 or IPv6 address\n")
{
	struct ipaddr s, d;
	char err[200];

	if (!vpnha_cli_addr_ok(vty, "health-check source", src) ||
	    !vpnha_cli_addr_ok(vty, "health-check destination", dst))
		return CMD_WARNING_CONFIG_FAILED;
	str2ipaddr(src, &s);
	str2ipaddr(dst, &d);
	if (vpnha_hc_addr_check("health-check source", &s, err, sizeof(err)) <
		    0 ||
	    vpnha_hc_addr_check("health-check destination", &d, err,
				sizeof(err)) < 0)
		return vpnha_cli_refuse(vty, err);
	if (ipaddr_cmp(&s, &d) == 0) {
		vty_out(vty,
			"%% health-check destination %s must differ from source\n",
			dst);
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (s.ipa_type != d.ipa_type) {
		vty_out(vty,
			"%% health-check source and destination must be of the same address family\n");
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./health-check", NB_OP_CREATE, NULL);
	nb_cli_enqueue_change(vty, "./health-check/source", NB_OP_MODIFY, src);
	nb_cli_enqueue_change(vty, "./health-check/destination", NB_OP_MODIFY,
			      dst);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(no_vpnha_hc, no_vpnha_hc_cmd, "no health-check", NO_STR HC_STR)
{
	nb_cli_enqueue_change(vty, "./health-check", NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_hc(struct vty *vty, const struct lyd_node *dnode,
		       bool show_defaults)
{
	vty_out(vty, "  health-check source %s destination %s\n",
		yang_dnode_get_string(dnode, "./source"),
		yang_dnode_get_string(dnode, "./destination"));
}

/* Health-check parameters need the health check itself first. */
static bool vpnha_cli_hc_configured(struct vty *vty)
{
	if (yang_dnode_existsf(vty->candidate_config->dnode, "%s/health-check",
			       VTY_CURR_XPATH))
		return true;
	vty_out(vty,
		"%% configure 'health-check source ADDR destination ADDR' first\n");
	return false;
}

DEFPY_YANG(vpnha_hc_type, vpnha_hc_type_cmd,
	   "[no] health-check type [<icmp|bfd>$type]",
	   NO_STR HC_STR
	   "How liveness is checked\n"
	   "vpnhad's own ICMP echo probes (default)\n"
	   "A BFD session run by FRR's bfdd (the peer must speak BFD)\n")
{
	if (!vpnha_cli_hc_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	if (!no && !type) {
		vty_out(vty, "%% health-check type needs icmp or bfd\n");
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./health-check/type",
			      no ? NB_OP_DESTROY : NB_OP_MODIFY, type);
	return vpnha_cli_apply(vty);
}

static const char *const vpnha_hc_type_words[] = {"icmp", "bfd", NULL};

DEFPY_YANG(vpnha_hc_type_bad, vpnha_hc_type_bad_cmd,
	   "health-check type WORD$type",
	   HC_STR
	   "How liveness is checked\n"
	   "icmp or bfd\n")
{
	return vpnha_cli_bad_word(vty, "health-check type", type,
				  vpnha_hc_type_words);
}

DEFPY_YANG(
	vpnha_hc_detection, vpnha_hc_detection_cmd,
	"[no] health-check detection [<adaptive|timeout>$mode]",
	NO_STR HC_STR
	"How a failure is detected\n"
	"From missing replies against the RTT, confirmed by faster probes (default)\n"
	"Only per-probe timeouts: miss-count consecutive probes lost\n")
{
	if (!vpnha_cli_hc_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	if (!no && !mode) {
		vty_out(vty,
			"%% health-check detection needs adaptive or timeout\n");
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./health-check/detection",
			      no ? NB_OP_DESTROY : NB_OP_MODIFY, mode);
	return vpnha_cli_apply(vty);
}

static const char *const vpnha_hc_detection_words[] = {"adaptive", "timeout",
						       NULL};

DEFPY_YANG(vpnha_hc_detection_bad, vpnha_hc_detection_bad_cmd,
	   "health-check detection WORD$mode",
	   HC_STR
	   "How a failure is detected\n"
	   "adaptive or timeout\n")
{
	return vpnha_cli_bad_word(vty, "health-check detection", mode,
				  vpnha_hc_detection_words);
}

/*
 * One command for every numeric health-check parameter; "no" restores
 * the default (or disables an optional threshold).  Values are taken
 * wide and range-checked here, so that an out-of-range value gets an
 * error naming the parameter rather than "% Unknown command".
 */
DEFPY_YANG(
	vpnha_hc_param, vpnha_hc_param_cmd,
	"[no] health-check <interval|timeout|miss-count|recovery-count|hold-down|loss-threshold|latency-threshold|window>$p [WORD$v]",
	NO_STR HC_STR
	"Time between two probes, 10-60000 ms (default 100)\n"
	"Time after which an unanswered probe counts as lost, 10-60000 ms (default 500)\n"
	"Consecutive lost probes that declare the tunnel down, 1-100 (default 5)\n"
	"Consecutive answered probes that end a down state, 1-1000 (default 10)\n"
	"Failback hold-down: loss-free time before routes come back, 0-3600000 ms (default 3000)\n"
	"Declare down when the loss over the window reaches this, 1-100 percent\n"
	"Declare down when the average RTT over the window reaches this, 1-60000 ms\n"
	"Probes the loss and RTT figures are computed over, 10-1000 (default 100)\n"
	"Value\n")
{
	const struct vpnha_range *r =
		vpnha_range_find(vpnha_hc_ranges, vpnha_hc_ranges_n, p);
	char xpath[64], field[48];

	assert(r);
	if (!no && !v) {
		vty_out(vty, "%% health-check %s needs a value: %u-%u %s\n", p,
			r->min, r->max, r->unit);
		return CMD_WARNING_CONFIG_FAILED;
	}
	snprintf(field, sizeof(field), "health-check %s", p);
	if (!no && !vpnha_cli_range_ok(vty, r, field, v))
		return CMD_WARNING_CONFIG_FAILED;
	if (!vpnha_cli_hc_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	snprintf(xpath, sizeof(xpath), "./health-check/%s", p);
	nb_cli_enqueue_change(vty, xpath, no ? NB_OP_DESTROY : NB_OP_MODIFY,
			      no ? NULL : v);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(
	vpnha_hc_preempt, vpnha_hc_preempt_cmd, "[no] health-check preempt",
	NO_STR HC_STR
	"Fail back to this tunnel once it recovers (default); 'no': stay on the backup until it fails or 'clear vpn-ha tunnel'\n")
{
	if (!vpnha_cli_hc_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./health-check/preempt", NB_OP_MODIFY,
			      no ? "false" : "true");
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_hc_leaf(struct vty *vty, const struct lyd_node *dnode,
			    bool show_defaults)
{
	const char *name = dnode->schema->name;

	if (!show_defaults && yang_dnode_is_default(dnode, NULL))
		return;
	if (strcmp(name, "preempt") == 0)
		vty_out(vty, "  %shealth-check preempt\n",
			yang_dnode_get_bool(dnode, NULL) ? "" : "no ");
	else
		vty_out(vty, "  health-check %s %s\n", name,
			yang_dnode_get_string(dnode, NULL));
}

/* ipsec ------------------------------------------------------------------ */

#define IPSEC_STR "IPsec connection generated and driven by vpnhad\n"
#define ENC_CMD "<aes128|aes256|aes128-gcm16|aes256-gcm16>"
#define ENC_STR                                                                \
	"Encryption\n"                                                         \
	"AES-CBC 128\n"                                                        \
	"AES-CBC 256 (default)\n"                                              \
	"AES-GCM 128, 16-byte ICV\n"                                           \
	"AES-GCM 256, 16-byte ICV\n"
#define INTEG_CMD "<sha256|sha384|sha512>"
#define INTEG_STR                                                              \
	"Integrity (IKE: also the PRF)\n"                                      \
	"SHA2-256 (default)\n"                                                 \
	"SHA2-384\n"                                                           \
	"SHA2-512\n"
#define DH_CMD "<modp2048|modp3072|ecp256|ecp384|x25519>"
#define DH_STR                                                                 \
	"Group 14 (default)\n"                                                 \
	"Group 15\n"                                                           \
	"Group 19\n"                                                           \
	"Group 20\n"                                                           \
	"Group 31\n"

/* As the YANG patterns: identities and paths without special characters. */
static bool vpnha_cli_ipsec_id_ok(struct vty *vty, const char *what,
				  const char *id)
{
	const char *p = id[0] == '@' ? id + 1 : id;

	if (isalnum((unsigned char)p[0]) &&
	    vpnha_ipsec_value_ok(id, VPNHA_IPSEC_ID_MAX) && !strchr(p, '/') &&
	    !strchr(p, '+') && !strchr(p, '@'))
		return true;
	vty_out(vty,
		"%% %s '%s' is invalid: an address or a name of up to %d letters, digits, '_', '.', ':' or '-' ('@' first forces a FQDN)\n",
		what, id, VPNHA_IPSEC_ID_MAX);
	return false;
}

static bool vpnha_cli_path_ok(struct vty *vty, const char *what,
			      const char *path)
{
	char err[200];

	if (!(path[0] == '/' && strlen(path) >= 2 &&
	      vpnha_ipsec_value_ok(path, VPNHA_IPSEC_PATH_MAX) &&
	      !strchr(path, '@') && !strchr(path, ':'))) {
		vty_out(vty,
			"%% %s '%s' is invalid: an absolute path of letters, digits, '_', '.', '/', '+' or '-'\n",
			what, path);
		return false;
	}
	if (vpnha_path_check(what, path, err, sizeof(err)) < 0) {
		vpnha_cli_refuse(vty, err);
		return false;
	}
	return true;
}

/* Any ipsec leaf other than the key needs the key first (YANG must). */
static bool vpnha_cli_ipsec_configured(struct vty *vty)
{
	if (yang_dnode_existsf(vty->candidate_config->dnode, "%s/ipsec",
			       VTY_CURR_XPATH))
		return true;
	vty_out(vty, "%% configure 'ipsec pre-shared-key KEY' first\n");
	return false;
}

DEFPY_YANG(
	vpnha_ipsec_psk, vpnha_ipsec_psk_cmd,
	"ipsec pre-shared-key [7$obscured] WORD$key",
	IPSEC_STR
	"IKE pre-shared key (shown obscured, never in clear)\n"
	"The key that follows is in obscured form (as shown by show running-config)\n"
	"The key: 8-128 printable characters without spaces\n")
{
	char buf[VPNHA_PSK_OBSCURED_MAX + 1], errmsg[128];

	if (obscured) {
		if (!vpnha_psk_valid(key)) {
			vty_out(vty,
				"%% obscured pre-shared-key is malformed\n");
			return CMD_WARNING_CONFIG_FAILED;
		}
		strlcpy(buf, key, sizeof(buf));
	} else if (vpnha_psk_obscure(key, frr_weak_random() % 32, buf,
				     sizeof(buf), errmsg, sizeof(errmsg)) < 0) {
		vty_out(vty, "%% %s\n", errmsg);
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./ipsec", NB_OP_CREATE, NULL);
	nb_cli_enqueue_change(vty, "./ipsec/pre-shared-key", NB_OP_MODIFY, buf);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(no_vpnha_ipsec, no_vpnha_ipsec_cmd, "no ipsec", NO_STR IPSEC_STR)
{
	nb_cli_enqueue_change(vty, "./ipsec", NB_OP_DESTROY, NULL);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(
	vpnha_ipsec_word, vpnha_ipsec_word_cmd,
	"[no] ipsec <local-id|remote-id|vici-socket>$what [WORD$val]",
	NO_STR IPSEC_STR
	"Local IKE identity (default: the local address)\n"
	"Peer IKE identity (default: the peer's address)\n"
	"strongSwan: this tunnel's own charon VICI socket (one charon per tunnel)\n"
	"Identity (address, name, @fqdn) or path\n")
{
	char xpath[32];

	if (!vpnha_cli_ipsec_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	if (!no && !val) {
		vty_out(vty, "%% ipsec %s needs a value\n", what);
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (!no && strcmp(what, "vici-socket") == 0 &&
	    !vpnha_cli_path_ok(vty, "ipsec vici-socket", val))
		return CMD_WARNING_CONFIG_FAILED;
	if (!no && strcmp(what, "vici-socket") != 0 &&
	    !vpnha_cli_ipsec_id_ok(vty, what, val))
		return CMD_WARNING_CONFIG_FAILED;
	snprintf(xpath, sizeof(xpath), "./ipsec/%s", what);
	nb_cli_enqueue_change(vty, xpath, no ? NB_OP_DESTROY : NB_OP_MODIFY,
			      no ? NULL : val);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(vpnha_ipsec_local_addr, vpnha_ipsec_local_addr_cmd,
	   "[no] ipsec local-address [ADDRESS$addr]",
	   NO_STR IPSEC_STR
	   "Local IKE address (default: the gateway's local-address)\n"
	   "IPv4 or IPv6 address\n")
{
	if (!vpnha_cli_ipsec_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	if (!no &&
	    (!addr || !vpnha_cli_addr_ok(vty, "ipsec local-address", addr)))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./ipsec/local-address",
			      no ? NB_OP_DESTROY : NB_OP_MODIFY,
			      no ? NULL : addr);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(
	vpnha_ipsec_iftype, vpnha_ipsec_iftype_cmd,
	"[no] ipsec interface-type [<xfrm|vti|tun>$type [if-id (0-4294967295)$id]]",
	NO_STR IPSEC_STR
	"How the interface is bound to the SA\n"
	"XFRM interface ipsecN, N = if-id (default)\n"
	"VTI with mark = if-id\n"
	"strongSwan kernel-libipsec TUN (userspace ESP)\n"
	"XFRM if_id / VTI mark (default: the number ending the interface name)\n"
	"1-65535\n")
{
	if (!vpnha_cli_ipsec_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	if (!no && !type) {
		vty_out(vty,
			"%% ipsec interface-type needs xfrm, vti or tun\n");
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (!no && id_str && (id < 1 || id > 65535)) {
		vty_out(vty, "%% ipsec if-id %s out of range: 1-65535\n",
			id_str);
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./ipsec/interface-type",
			      no ? NB_OP_DESTROY : NB_OP_MODIFY,
			      no ? NULL : type);
	nb_cli_enqueue_change(vty, "./ipsec/if-id",
			      no || !id_str ? NB_OP_DESTROY : NB_OP_MODIFY,
			      no ? NULL : id_str);
	return vpnha_cli_apply(vty);
}

/* The leaves of a proposal, in the order of its command's values. */
static const char *const vpnha_ike_leaves[] = {
	"ike-encryption", "ike-integrity", "ike-dh-group", "ike-lifetime"};
static const char *const vpnha_esp_leaves[] = {
	"esp-encryption", "esp-integrity", "esp-pfs-group", "sa-lifetime"};

/* Set a proposal's leaves; a NULL value restores that leaf's default. */
static int vpnha_cli_ipsec_proposal(struct vty *vty, const char *which,
				    const char *enc, const char *integ,
				    const char *dh, const char *life_str,
				    long life)
{
	const char *const *leaves =
		which[0] == 'i' ? vpnha_ike_leaves : vpnha_esp_leaves;
	const char *values[] = {enc, integ, dh, life_str};
	char xpath[32];

	if (!vpnha_cli_ipsec_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	if (life_str && (life < 120 || life > 86400)) {
		vty_out(vty,
			"%% ipsec %s lifetime %s out of range: 120-86400 s\n",
			which, life_str);
		return CMD_WARNING_CONFIG_FAILED;
	}
	for (size_t i = 0; i < array_size(values); i++) {
		snprintf(xpath, sizeof(xpath), "./ipsec/%s", leaves[i]);
		nb_cli_enqueue_change(vty, xpath,
				      values[i] ? NB_OP_MODIFY : NB_OP_DESTROY,
				      values[i]);
	}
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(vpnha_ipsec_ike, vpnha_ipsec_ike_cmd,
	   "ipsec ike encryption " ENC_CMD "$enc integrity " INTEG_CMD
	   "$integ group " DH_CMD "$dh [lifetime (0-4294967295)$life]",
	   IPSEC_STR "IKE SA proposal\n" ENC_STR INTEG_STR
		     "Diffie-Hellman group\n" DH_STR
		     "IKE SA lifetime (default 28800)\n"
		     "Seconds, 120-86400\n")
{
	return vpnha_cli_ipsec_proposal(vty, "ike", enc, integ, dh, life_str,
					life);
}

DEFPY_YANG(vpnha_ipsec_esp, vpnha_ipsec_esp_cmd,
	   "ipsec esp encryption " ENC_CMD "$enc integrity " INTEG_CMD
	   "$integ pfs <" DH_CMD "|none>$pfs [lifetime (0-4294967295)$life]",
	   IPSEC_STR "Child SA (ESP) proposal\n" ENC_STR INTEG_STR
		     "Perfect forward secrecy group\n" DH_STR
		     "No PFS\n"
		     "Child SA lifetime (default 3600)\n"
		     "Seconds, 120-86400\n")
{
	return vpnha_cli_ipsec_proposal(vty, "esp", enc, integ, pfs, life_str,
					life);
}

static const char *const vpnha_enc_words[] = {
	"aes128", "aes256", "aes128-gcm16", "aes256-gcm16", NULL};
static const char *const vpnha_integ_words[] = {"sha256", "sha384", "sha512",
						NULL};
static const char *const vpnha_dh_words[] = {"modp2048", "modp3072", "ecp256",
					     "ecp384",	 "x25519",   NULL};
static const char *const vpnha_pfs_words[] = {
	"modp2048", "modp3072", "ecp256", "ecp384", "x25519", "none", NULL};

/*
 * A proposal with an unknown algorithm or a bad lifetime (the commands
 * above take the known words): name the first bad value and what is
 * allowed.
 */
DEFPY_YANG(
	vpnha_ipsec_proposal_bad, vpnha_ipsec_proposal_bad_cmd,
	"ipsec <ike|esp>$which encryption WORD$enc integrity WORD$integ <group|pfs>$g WORD$dh [lifetime WORD$life]",
	IPSEC_STR
	"IKE SA proposal\n"
	"Child SA (ESP) proposal\n"
	"Encryption\n"
	"aes128, aes256, aes128-gcm16 or aes256-gcm16\n"
	"Integrity\n"
	"sha256, sha384 or sha512\n"
	"Diffie-Hellman group (ike)\n"
	"Perfect forward secrecy group (esp)\n"
	"modp2048, modp3072, ecp256, ecp384, x25519 (esp: or none)\n"
	"SA lifetime\n"
	"Seconds, 120-86400\n")
{
	bool ike = strcmp(which, "ike") == 0;
	char field[48], err[200];
	uint32_t v;

	if (strcmp(g, ike ? "group" : "pfs") != 0) {
		vty_out(vty, "%% ipsec %s takes '%s', not '%s'\n", which,
			ike ? "group" : "pfs", g);
		return CMD_WARNING_CONFIG_FAILED;
	}
	snprintf(field, sizeof(field), "ipsec %s encryption", which);
	if (vpnha_word_check(field, enc, vpnha_enc_words, err, sizeof(err)) < 0)
		return vpnha_cli_refuse(vty, err);
	snprintf(field, sizeof(field), "ipsec %s integrity", which);
	if (vpnha_word_check(field, integ, vpnha_integ_words, err,
			     sizeof(err)) < 0)
		return vpnha_cli_refuse(vty, err);
	snprintf(field, sizeof(field), "ipsec %s %s", which, g);
	if (vpnha_word_check(field, dh, ike ? vpnha_dh_words : vpnha_pfs_words,
			     err, sizeof(err)) < 0)
		return vpnha_cli_refuse(vty, err);
	snprintf(field, sizeof(field), "ipsec %s lifetime", which);
	if (life && vpnha_range_parse(&vpnha_range_lifetime, field, life, &v,
				      err, sizeof(err)) < 0)
		return vpnha_cli_refuse(vty, err);
	/* Every word known: only reachable through an odd abbreviation. */
	vty_out(vty, "%% ipsec %s: type the algorithms in full\n", which);
	return CMD_WARNING_CONFIG_FAILED;
}

DEFPY_YANG(vpnha_ipsec_dpd_bad, vpnha_ipsec_dpd_bad_cmd, "ipsec dpd WORD$secs",
	   IPSEC_STR
	   "IKE dead peer detection interval\n"
	   "Seconds, 0-3600\n")
{
	vpnha_cli_range_ok(vty, &vpnha_range_dpd, "ipsec dpd", secs);
	return CMD_WARNING_CONFIG_FAILED;
}

static const char *const vpnha_iftype_words[] = {"xfrm", "vti", "tun", NULL};

DEFPY_YANG(vpnha_ipsec_iftype_bad, vpnha_ipsec_iftype_bad_cmd,
	   "ipsec interface-type WORD$type [if-id WORD$id]",
	   IPSEC_STR
	   "How the interface is bound to the SA\n"
	   "xfrm, vti or tun\n"
	   "XFRM if_id / VTI mark\n"
	   "1-65535\n")
{
	char err[200];
	uint32_t v;

	if (vpnha_word_check("ipsec interface-type", type, vpnha_iftype_words,
			     err, sizeof(err)) < 0)
		return vpnha_cli_refuse(vty, err);
	if (id && vpnha_range_parse(&vpnha_range_if_id, "ipsec if-id", id, &v,
				    err, sizeof(err)) < 0)
		return vpnha_cli_refuse(vty, err);
	vty_out(vty, "%% ipsec interface-type: type the words in full\n");
	return CMD_WARNING_CONFIG_FAILED;
}

DEFPY_YANG(no_vpnha_ipsec_proposal, no_vpnha_ipsec_proposal_cmd,
	   "no ipsec <ike|esp>$which",
	   NO_STR IPSEC_STR
	   "IKE SA proposal: back to the defaults\n"
	   "Child SA proposal: back to the defaults\n")
{
	return vpnha_cli_ipsec_proposal(vty, which, NULL, NULL, NULL, NULL, 0);
}

DEFPY_YANG(
	vpnha_ipsec_dpd, vpnha_ipsec_dpd_cmd,
	"[no] ipsec dpd [(0-4294967295)$secs]",
	NO_STR IPSEC_STR
	"IKE dead peer detection interval (default 0 = off: the health check is faster)\n"
	"Seconds, 0-3600\n")
{
	if (!vpnha_cli_ipsec_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	if (!no && (!secs_str || secs > 3600)) {
		vty_out(vty, "%% ipsec dpd needs 0-3600 seconds\n");
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./ipsec/dpd-interval",
			      no ? NB_OP_DESTROY : NB_OP_MODIFY,
			      no ? NULL : secs_str);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(
	vpnha_ipsec_passive, vpnha_ipsec_passive_cmd, "[no] ipsec passive",
	NO_STR IPSEC_STR
	"Never initiate: the peer brings the connection up (default: vpnhad initiates)\n")
{
	if (!vpnha_cli_ipsec_configured(vty))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./ipsec/passive", NB_OP_MODIFY,
			      no ? "false" : "true");
	return vpnha_cli_apply(vty);
}

static bool vpnha_cli_is_default(const struct lyd_node *dnode, const char *leaf)
{
	return !yang_dnode_exists(dnode, leaf) ||
	       yang_dnode_is_default(dnode, leaf);
}

void vpnha_cli_show_tunnel_ipsec(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults)
{
	static const char *const words[] = {"local-address", "local-id",
					    "remote-id", "vici-socket"};

	if (yang_dnode_exists(dnode, "./pre-shared-key"))
		vty_out(vty, "  ipsec pre-shared-key 7 %s\n",
			yang_dnode_get_string(dnode, "./pre-shared-key"));
	for (size_t i = 0; i < array_size(words); i++) {
		char xpath[32];

		snprintf(xpath, sizeof(xpath), "./%s", words[i]);
		if (yang_dnode_exists(dnode, xpath))
			vty_out(vty, "  ipsec %s %s\n", words[i],
				yang_dnode_get_string(dnode, "%s", xpath));
	}
	if (show_defaults || !vpnha_cli_is_default(dnode, "./interface-type") ||
	    yang_dnode_exists(dnode, "./if-id")) {
		vty_out(vty, "  ipsec interface-type %s",
			yang_dnode_get_string(dnode, "./interface-type"));
		if (yang_dnode_exists(dnode, "./if-id"))
			vty_out(vty, " if-id %s",
				yang_dnode_get_string(dnode, "./if-id"));
		vty_out(vty, "\n");
	}
	if (show_defaults || !vpnha_cli_is_default(dnode, "./ike-encryption") ||
	    !vpnha_cli_is_default(dnode, "./ike-integrity") ||
	    !vpnha_cli_is_default(dnode, "./ike-dh-group") ||
	    !vpnha_cli_is_default(dnode, "./ike-lifetime"))
		vty_out(vty,
			"  ipsec ike encryption %s integrity %s group %s lifetime %s\n",
			yang_dnode_get_string(dnode, "./ike-encryption"),
			yang_dnode_get_string(dnode, "./ike-integrity"),
			yang_dnode_get_string(dnode, "./ike-dh-group"),
			yang_dnode_get_string(dnode, "./ike-lifetime"));
	if (show_defaults || !vpnha_cli_is_default(dnode, "./esp-encryption") ||
	    !vpnha_cli_is_default(dnode, "./esp-integrity") ||
	    !vpnha_cli_is_default(dnode, "./esp-pfs-group") ||
	    !vpnha_cli_is_default(dnode, "./sa-lifetime"))
		vty_out(vty,
			"  ipsec esp encryption %s integrity %s pfs %s lifetime %s\n",
			yang_dnode_get_string(dnode, "./esp-encryption"),
			yang_dnode_get_string(dnode, "./esp-integrity"),
			yang_dnode_get_string(dnode, "./esp-pfs-group"),
			yang_dnode_get_string(dnode, "./sa-lifetime"));
	if (show_defaults || !vpnha_cli_is_default(dnode, "./dpd-interval"))
		vty_out(vty, "  ipsec dpd %s\n",
			yang_dnode_get_string(dnode, "./dpd-interval"));
	if (yang_dnode_exists(dnode, "./passive") &&
	    yang_dnode_get_bool(dnode, "./passive"))
		vty_out(vty, "  ipsec passive\n");
	else if (show_defaults)
		vty_out(vty, "  no ipsec passive\n");
}

/* Global IPsec backend settings (vpn-ha node). */
DEFPY_YANG(vpnha_ipsec_backend, vpnha_ipsec_backend_cmd,
	   "[no] ipsec backend [<libreswan|strongswan>$backend]",
	   NO_STR IPSEC_STR
	   "The IPsec daemon vpnhad drives\n"
	   "libreswan's pluto (default)\n"
	   "strongSwan's charon (VICI)\n")
{
	if (!no && !backend) {
		vty_out(vty,
			"%% ipsec backend needs libreswan or strongswan\n");
		return CMD_WARNING_CONFIG_FAILED;
	}
	nb_cli_enqueue_change(vty, "./ipsec/backend",
			      no ? NB_OP_DESTROY : NB_OP_MODIFY,
			      no ? NULL : backend);
	return vpnha_cli_apply(vty);
}

static const char *const vpnha_backend_words[] = {"libreswan", "strongswan",
						  NULL};

DEFPY_YANG(vpnha_ipsec_backend_bad, vpnha_ipsec_backend_bad_cmd,
	   "ipsec backend WORD$backend",
	   IPSEC_STR
	   "The IPsec daemon vpnhad drives\n"
	   "libreswan or strongswan\n")
{
	return vpnha_cli_bad_word(vty, "ipsec backend", backend,
				  vpnha_backend_words);
}

static int vpnha_cli_ipsec_path(struct vty *vty, bool no, const char *leaf,
				const char *path)
{
	if (!no && (!path || !vpnha_cli_path_ok(vty, "ipsec path", path)))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, leaf, no ? NB_OP_DESTROY : NB_OP_MODIFY,
			      no ? NULL : path);
	return vpnha_cli_apply(vty);
}

DEFPY_YANG(
	vpnha_ipsec_ls_path, vpnha_ipsec_ls_path_cmd,
	"[no] ipsec libreswan <directory|ctl-socket|libexec>$what [WORD$path]",
	NO_STR IPSEC_STR
	"libreswan settings\n"
	"Directory of the generated conn and secrets files (default /etc/ipsec.d/vpnhad)\n"
	"pluto's control socket (default /run/pluto/pluto.ctl)\n"
	"Directory with whack and addconn (default /usr/libexec/ipsec)\n"
	"Absolute path\n")
{
	char leaf[48];

	snprintf(leaf, sizeof(leaf), "./ipsec/libreswan-%s", what);
	return vpnha_cli_ipsec_path(vty, !!no, leaf, path);
}

DEFPY_YANG(vpnha_ipsec_ss_path, vpnha_ipsec_ss_path_cmd,
	   "[no] ipsec strongswan vici-socket [WORD$path]",
	   NO_STR IPSEC_STR
	   "strongSwan settings\n"
	   "charon's VICI socket (default /var/run/charon.vici)\n"
	   "Absolute path\n")
{
	return vpnha_cli_ipsec_path(vty, !!no, "./ipsec/vici-socket", path);
}

DEFPY_YANG(vpnha_ipsec_poll, vpnha_ipsec_poll_cmd,
	   "[no] ipsec libreswan poll-interval [WORD$ms]",
	   NO_STR IPSEC_STR
	   "libreswan settings\n"
	   "How often SA state is read with whack (default 1000)\n"
	   "Milliseconds, 200-60000\n")
{
	if (!no && !ms) {
		vty_out(vty,
			"%% ipsec libreswan poll-interval needs 200-60000 ms\n");
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (!no && !vpnha_cli_range_ok(vty, &vpnha_range_poll_interval,
				       "ipsec libreswan poll-interval", ms))
		return CMD_WARNING_CONFIG_FAILED;
	nb_cli_enqueue_change(vty, "./ipsec/sa-poll-interval",
			      no ? NB_OP_DESTROY : NB_OP_MODIFY,
			      no ? NULL : ms);
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_ipsec_global(struct vty *vty, const struct lyd_node *dnode,
				 bool show_defaults)
{
	static const struct {
		const char *leaf, *cmd;
	} lines[] = {
		{"./backend", "backend"},
		{"./libreswan-directory", "libreswan directory"},
		{"./libreswan-ctl-socket", "libreswan ctl-socket"},
		{"./libreswan-libexec", "libreswan libexec"},
		{"./sa-poll-interval", "libreswan poll-interval"},
		{"./vici-socket", "strongswan vici-socket"},
	};

	for (size_t i = 0; i < array_size(lines); i++)
		if (show_defaults ||
		    !vpnha_cli_is_default(dnode, lines[i].leaf))
			vty_out(vty, " ipsec %s %s\n", lines[i].cmd,
				yang_dnode_get_string(dnode, "%s",
						      lines[i].leaf));
}

/* route ------------------------------------------------------------------ */

/*
 * The prefix is taken as a word and the weight with a wide range, so
 * that bad input gets an error naming the field instead of the parser's
 * "% Unknown command".
 */
DEFPY_YANG(vpnha_route, vpnha_route_cmd,
	   "[no] route WORD$pfx tunnel NAME$tunnel [weight WORD$weight]",
	   NO_STR
	   "Route to a remote prefix over a tunnel\n"
	   "Destination prefix (A.B.C.D/M or X:X::X:X/M)\n"
	   "Next-hop tunnel\n"
	   "Tunnel name\n"
	   "Priority: 0 preferred .. 100 backup (default 0)\n"
	   "Weight, 0-100\n")
{
	char xpath[XPATH_MAXLEN];
	const struct lyd_node *rn;
	struct prefix p;
	char errmsg[128];

	if (vpnha_route_prefix_parse(pfx, &p, errmsg, sizeof(errmsg)) < 0) {
		vty_out(vty, "%% %s\n", errmsg);
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (weight && !vpnha_cli_range_ok(vty, &vpnha_range_weight,
					  "route weight", weight))
		return CMD_WARNING_CONFIG_FAILED;
	if (!no &&
	    !yang_dnode_existsf(vty->candidate_config->dnode,
				VPNHA_XPATH "/tunnel[name='%s']", tunnel)) {
		vty_out(vty, "%% route tunnel '%s' does not exist\n", tunnel);
		return CMD_WARNING_CONFIG_FAILED;
	}

	snprintfrr(xpath, sizeof(xpath),
		   VPNHA_XPATH "/route[prefix='%pFX'][tunnel='%s']", &p,
		   tunnel);
	/* Only "no route" needs it (one XPath search less per route). */
	rn = no ? vpnha_cli_get(vty, "%s", xpath) : NULL;
	if (no && !rn) {
		vty_out(vty,
			"%% route %pFX tunnel %s does not exist: nothing removed\n",
			&p, tunnel);
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (no && weight &&
	    strcmp(yang_dnode_get_string(rn, "./weight"), weight) != 0) {
		vty_out(vty,
			"%% route %pFX tunnel %s has weight %s, not %s: nothing removed\n",
			&p, tunnel, yang_dnode_get_string(rn, "./weight"),
			weight);
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (no) {
		nb_cli_enqueue_change(vty, xpath, NB_OP_DESTROY, NULL);
	} else {
		nb_cli_enqueue_change(vty, xpath, NB_OP_CREATE, NULL);
		strlcat(xpath, "/weight", sizeof(xpath));
		nb_cli_enqueue_change(vty, xpath,
				      weight ? NB_OP_MODIFY : NB_OP_DESTROY,
				      weight);
	}
	return vpnha_cli_apply(vty);
}

void vpnha_cli_show_route(struct vty *vty, const struct lyd_node *dnode,
			  bool show_defaults)
{
	vty_out(vty, " route %s tunnel %s weight %s\n",
		yang_dnode_get_string(dnode, "./prefix"),
		yang_dnode_get_string(dnode, "./tunnel"),
		yang_dnode_get_string(dnode, "./weight"));
}

/* Nodes ------------------------------------------------------------------ */

static int vpnha_config_write(struct vty *vty)
{
	const struct lyd_node *dnode;

	dnode = yang_dnode_get(running_config->dnode, VPNHA_XPATH);
	if (!dnode)
		return 0;
	nb_cli_show_dnode_cmds(vty, dnode, false);
	return 1;
}

static struct cmd_node vpnha_node = {
	.name = "vpn-ha",
	.node = VPNHA_NODE,
	.parent_node = CONFIG_NODE,
	.prompt = "%s(config-vpn-ha)# ",
	.config_write = vpnha_config_write,
};

static struct cmd_node vpnha_peer_node = {
	.name = "vpn-ha peer",
	.node = VPNHA_PEER_NODE,
	.parent_node = VPNHA_NODE,
	.prompt = "%s(config-vpn-ha-peer)# ",
};

static struct cmd_node vpnha_tunnel_node = {
	.name = "vpn-ha tunnel",
	.node = VPNHA_TUNNEL_NODE,
	.parent_node = VPNHA_NODE,
	.prompt = "%s(config-vpn-ha-tunnel)# ",
};

#if !VPNHA_EXIT_IS_YANG && !defined(VTYSH_EXTRACT_PL)
/*
 * FRR 8.4: libfrr's "exit"/"quit" are not YANG commands, so in a
 * configuration file each " exit" closing a block commits what is
 * pending (vpnha_compat.h, VPNHA_EXIT_IS_YANG).  In vpnhad's nodes they
 * are replaced by the same commands marked YANG, as 10.x has them: a
 * file is one commit, at XFRR_end_configuration (or before a non-YANG
 * command).  Hidden from vtysh's extract.pl: vtysh has its own exit.
 */
static int vpnha_config_exit(const struct cmd_element *self, struct vty *vty,
			     int argc, struct cmd_token *argv[])
{
	cmd_exit(vty);
	return CMD_SUCCESS;
}

DEFUN_CMD_ELEMENT(vpnha_config_exit, vpnha_config_exit_cmd, "exit",
		  "Exit current mode and down to previous mode\n",
		  CMD_ATTR_YANG, 0);
DEFUN_CMD_ELEMENT(vpnha_config_exit, vpnha_config_quit_cmd, "quit",
		  "Exit current mode and down to previous mode\n",
		  CMD_ATTR_YANG, 0);

static void vpnha_cli_exit_yang(enum node_type node)
{
	struct cmd_node *cnode = vector_slot(cmdvec, node);
	unsigned int i;

	for (i = 0; i < vector_active(cnode->cmd_vector); i++) {
		const struct cmd_element *cmd =
			vector_slot(cnode->cmd_vector, i);

		if (cmd && cmd->attr != CMD_ATTR_YANG &&
		    (strcmp(cmd->string, "exit") == 0 ||
		     strcmp(cmd->string, "quit") == 0))
			uninstall_element(node, cmd);
	}
	_install_element(node, &vpnha_config_exit_cmd);
	_install_element(node, &vpnha_config_quit_cmd);
}
#else
#define vpnha_cli_exit_yang(node) ((void)(node))
#endif

void vpnha_cli_init(void)
{
	install_node(&vpnha_node);
	install_node(&vpnha_peer_node);
	install_node(&vpnha_tunnel_node);
	install_default(VPNHA_NODE);
	install_default(VPNHA_PEER_NODE);
	install_default(VPNHA_TUNNEL_NODE);
	vpnha_cli_exit_yang(VPNHA_NODE);
	vpnha_cli_exit_yang(VPNHA_PEER_NODE);
	vpnha_cli_exit_yang(VPNHA_TUNNEL_NODE);

	install_element(CONFIG_NODE, &vpnha_enter_cmd);
	install_element(CONFIG_NODE, &no_vpnha_cmd);

	install_element(VPNHA_NODE, &vpnha_gateway_cmd);
	install_element(VPNHA_NODE, &vpnha_gateway_spaces_cmd);
	install_element(VPNHA_NODE, &vpnha_distance_base_bad_cmd);
	install_element(VPNHA_NODE, &vpnha_adv_table_bad_cmd);
	install_element(VPNHA_NODE, &vpnha_all_down_bad_cmd);
	install_element(VPNHA_NODE, &vpnha_peer_spaces_cmd);
	install_element(VPNHA_NODE, &vpnha_tunnel_spaces_cmd);
	install_element(VPNHA_NODE, &vpnha_ipsec_backend_bad_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_hc_type_bad_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_hc_detection_bad_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_proposal_bad_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_dpd_bad_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_iftype_bad_cmd);
	install_element(VPNHA_NODE, &no_vpnha_gateway_cmd);
	install_element(VPNHA_NODE, &vpnha_distance_base_cmd);
	install_element(VPNHA_NODE, &no_vpnha_distance_base_cmd);
	install_element(VPNHA_NODE, &vpnha_adv_table_cmd);
	install_element(VPNHA_NODE, &vpnha_fast_reroute_cmd);
	install_element(VPNHA_NODE, &no_vpnha_adv_table_cmd);
	install_element(VPNHA_NODE, &vpnha_all_down_cmd);
	install_element(VPNHA_NODE, &no_vpnha_all_down_cmd);
	install_element(VPNHA_NODE, &vpnha_peer_cmd);
	install_element(VPNHA_NODE, &no_vpnha_peer_cmd);
	install_element(VPNHA_NODE, &vpnha_tunnel_cmd);
	install_element(VPNHA_NODE, &no_vpnha_tunnel_cmd);
	install_element(VPNHA_NODE, &vpnha_route_cmd);
	install_element(VPNHA_NODE, &vpnha_ipsec_backend_cmd);
	install_element(VPNHA_NODE, &vpnha_ipsec_ls_path_cmd);
	install_element(VPNHA_NODE, &vpnha_ipsec_ss_path_cmd);
	install_element(VPNHA_NODE, &vpnha_ipsec_poll_cmd);

	install_element(VPNHA_PEER_NODE, &vpnha_peer_address_cmd);
	install_element(VPNHA_PEER_NODE, &no_vpnha_peer_address_cmd);

	install_element(VPNHA_TUNNEL_NODE, &vpnha_tunnel_interface_cmd);
	install_element(VPNHA_TUNNEL_NODE, &no_vpnha_tunnel_interface_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_tunnel_vrf_cmd);
	install_element(VPNHA_TUNNEL_NODE, &no_vpnha_tunnel_vrf_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_tunnel_peer_cmd);
	install_element(VPNHA_TUNNEL_NODE, &no_vpnha_tunnel_peer_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_tunnel_shutdown_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_hc_cmd);
	install_element(VPNHA_TUNNEL_NODE, &no_vpnha_hc_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_hc_param_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_hc_type_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_hc_detection_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_hc_preempt_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_psk_cmd);
	install_element(VPNHA_TUNNEL_NODE, &no_vpnha_ipsec_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_word_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_local_addr_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_iftype_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_ike_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_esp_cmd);
	install_element(VPNHA_TUNNEL_NODE, &no_vpnha_ipsec_proposal_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_dpd_cmd);
	install_element(VPNHA_TUNNEL_NODE, &vpnha_ipsec_passive_cmd);
}
