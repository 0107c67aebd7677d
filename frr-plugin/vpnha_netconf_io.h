// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NETCONF server's entry point, between the module loader
 * (vpnha_netconf_load.c, the -M module) and the server
 * (vpnha_netconf_io.c, in vpnhad_netconf_impl.so).
 */
#ifndef _FRR_VPNHA_NETCONF_IO_H
#define _FRR_VPNHA_NETCONF_IO_H

/*
 * Read the configuration file at path and register the server's start
 * for after start-up (frr_late_init).  Called while FRR loads modules,
 * before privileges drop.  Returns 0, or -1 (logged).
 */
extern int vpnha_netconf_init(const char *path);

#define VPNHA_NETCONF_IMPL "vpnhad_netconf_impl.so"

#endif /* _FRR_VPNHA_NETCONF_IO_H */
