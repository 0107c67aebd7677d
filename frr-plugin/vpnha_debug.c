// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpnhad debugging: "debug vpn-ha [events|probe|zebra|northbound|ipsec]".
 */
#include <zebra.h>

#include "lib/command.h"
#include "lib/debug.h"

#include "vpnha_compat.h"
#include "vpnha_debug.h"

/* clang-format off */
struct debug vpnha_dbg_events =
	VPNHA_DEBUG_INIT("debug vpn-ha events", "VPN HA state machine events");
struct debug vpnha_dbg_probe =
	VPNHA_DEBUG_INIT("debug vpn-ha probe", "VPN HA health-check probes");
struct debug vpnha_dbg_zebra =
	VPNHA_DEBUG_INIT("debug vpn-ha zebra", "VPN HA zebra messages");
struct debug vpnha_dbg_nb =
	VPNHA_DEBUG_INIT("debug vpn-ha northbound", "VPN HA northbound");
struct debug vpnha_dbg_ipsec =
	VPNHA_DEBUG_INIT("debug vpn-ha ipsec", "VPN HA IPsec adapter");

static struct debug *const vpnha_debugs[] = {
	&vpnha_dbg_events,
	&vpnha_dbg_probe,
	&vpnha_dbg_zebra,
	&vpnha_dbg_nb,
	&vpnha_dbg_ipsec,
};

static const char *const vpnha_debugs_conflines[] = {
	"debug vpn-ha events",
	"debug vpn-ha probe",
	"debug vpn-ha zebra",
	"debug vpn-ha northbound",
	"debug vpn-ha ipsec",
};
/* clang-format on */

#ifndef VTYSH_EXTRACT_PL
#include "vpnha_debug_clippy.c"
#endif

#if !VPNHA_DEBUG_LIB_WRITES
static void vpnha_debug_set_all(uint32_t flags, bool set)
{
	for (unsigned int i = 0; i < array_size(vpnha_debugs); i++) {
		DEBUG_FLAGS_SET(vpnha_debugs[i], flags, set);
		if (!DEBUG_MODE_CHECK(vpnha_debugs[i], DEBUG_MODE_ALL))
			DEBUG_CLEAR(vpnha_debugs[i]);
	}
}
#endif

static int vpnha_debug_write(struct vty *vty, uint32_t mode)
{
	int n = 0;

	for (unsigned int i = 0; i < array_size(vpnha_debugs); i++)
		if (DEBUG_MODE_CHECK(vpnha_debugs[i], mode)) {
			vty_out(vty, "%s\n", vpnha_debugs_conflines[i]);
			n++;
		}
	return n;
}

#if !VPNHA_DEBUG_LIB_WRITES
static int vpnha_debug_config_write(struct vty *vty)
{
	return vpnha_debug_write(vty, DEBUG_MODE_CONF);
}
#endif

DEFPY(vpnha_debug, vpnha_debug_cmd,
      "[no] debug vpn-ha [<events$ev|probe$pr|zebra$zb|northbound$nb|ipsec$ip>]",
      NO_STR DEBUG_STR
      "VPN high availability (vpnhad)\n"
      "Tunnel state machine events\n"
      "Health-check probes\n"
      "zebra messages\n"
      "Northbound (configuration) callbacks\n"
      "IPsec adapter (backend requests and SA reports)\n")
{
	uint32_t mode = DEBUG_NODE2MODE(vty->node);
	bool all = !ev && !pr && !zb && !nb && !ip;

	if (all || ev)
		DEBUG_MODE_SET(&vpnha_dbg_events, mode, !no);
	if (all || pr)
		DEBUG_MODE_SET(&vpnha_dbg_probe, mode, !no);
	if (all || zb)
		DEBUG_MODE_SET(&vpnha_dbg_zebra, mode, !no);
	if (all || nb)
		DEBUG_MODE_SET(&vpnha_dbg_nb, mode, !no);
	if (all || ip)
		DEBUG_MODE_SET(&vpnha_dbg_ipsec, mode, !no);
	return CMD_SUCCESS;
}

DEFUN_NOSH(vpnha_show_debugging, vpnha_show_debugging_cmd,
	   "show debugging [vpn-ha]",
	   SHOW_STR DEBUG_STR "VPN high availability (vpnhad)\n")
{
	vty_out(vty, "vpnhad debugging status:\n");
	vpnha_debug_write(vty, DEBUG_MODE_ALL);
	return CMD_SUCCESS;
}

#if !VPNHA_DEBUG_LIB_WRITES
static struct debug_callbacks vpnha_dbg_cbs = {
	.debug_set_all = vpnha_debug_set_all,
};

static struct cmd_node vpnha_debug_node = {
	.name = "debug",
	.node = DEBUG_NODE,
	.prompt = "",
	.config_write = vpnha_debug_config_write,
};
#endif

void vpnha_debug_init(void)
{
#if VPNHA_DEBUG_LIB_WRITES
	for (unsigned int i = 0; i < array_size(vpnha_debugs); i++)
		debug_install(vpnha_debugs[i]);
#else
	debug_init(&vpnha_dbg_cbs);
	install_node(&vpnha_debug_node);
#endif
	install_element(ENABLE_NODE, &vpnha_debug_cmd);
	install_element(CONFIG_NODE, &vpnha_debug_cmd);
	install_element(ENABLE_NODE, &vpnha_show_debugging_cmd);
}
