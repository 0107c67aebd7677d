// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad's CLI nodes.  Shared by the daemon and the patched vtysh: the
 * values sit above FRR's NODE_TYPE_MAX, and they are enum names (not
 * #define expressions) so that vtysh's extract.pl understands them.
 */
#ifndef _FRR_VPNHA_NODES_H
#define _FRR_VPNHA_NODES_H

#include "lib/command.h"

/*
 * install_node()/install_element() take an enum node_type; ours extends
 * it, which gcc reports with -Wenum-conversion in every file that
 * installs commands on our nodes.  The values are valid node ids.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wenum-conversion"
#endif

enum vpnha_node_type {
	VPNHA_NODE = NODE_TYPE_MAX + 1, /* vpn-ha */
	VPNHA_PEER_NODE,		/* vpn-ha / peer NAME */
	VPNHA_TUNNEL_NODE,		/* vpn-ha / tunnel NAME */
};

#endif /* _FRR_VPNHA_NODES_H */
