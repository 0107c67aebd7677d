// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The libnetconf2 calls that differ between 2.0 (Debian 12) and 3.x
 * (Debian 13), in one place, like vpnha_compat.h for FRR.
 *
 * 2.0 sets a server up with nc_server_add_endpt() & co and per-server
 * SSH callbacks; 3.x configures endpoints, host keys and users through
 * an ietf-netconf-server data tree.  Everything else vpnhad uses
 * (nc_accept, nc_ps_*, replies, errors, notifications) is the same.
 */
#ifndef _FRR_VPNHA_NETCONF_COMPAT_H
#define _FRR_VPNHA_NETCONF_COMPAT_H

#include <nc_server.h>

#include "vpnha_netconf_core.h"

#if defined(NC_VERSION_MAJOR) && NC_VERSION_MAJOR >= 3
#define VPNHA_NC_LIBNETCONF2_3 1
#endif

/*
 * Decides whether a public key may log in as the session's user (the
 * adapter checks the user's authorized-keys file).  Returns 0 to accept.
 */
typedef int (*vpnha_ncc_pubkey_cb)(const struct nc_session *s, ssh_key key);

/* Name of the one SSH endpoint vpnhad listens on. */
#define VPNHA_NCC_ENDPT "vpnhad"

#ifndef VPNHA_NC_LIBNETCONF2_3
/* libnetconf2 2.0 */

static char vpnha_ncc_hostkey_path[256];
static vpnha_ncc_pubkey_cb vpnha_ncc_pubkey;

static int vpnha_ncc_hostkey_clb(const char *name, void *user_data,
				 char **privkey_path, char **privkey_data,
				 NC_SSH_KEY_TYPE *privkey_type)
{
	*privkey_path = strdup(vpnha_ncc_hostkey_path);
	return *privkey_path ? 0 : -1;
}

static int vpnha_ncc_pubkey_clb(const struct nc_session *s, ssh_key key,
				void *user_data)
{
	return vpnha_ncc_pubkey(s, key);
}

/* Never fall back to system accounts (the 2.0 default without these). */
static int vpnha_ncc_passwd_clb(const struct nc_session *s,
				const char *password, void *user_data)
{
	return 1;
}

static int vpnha_ncc_kbdint_clb(const struct nc_session *s,
				const ssh_message msg, void *user_data)
{
	return 1;
}

/*
 * Create the SSH endpoint: address, port, host key, public keys only.
 * Returns 0, or -1 (libnetconf2 printed why).
 */
static inline int vpnha_ncc_server_setup(const struct vpnha_nc_config *cfg,
					 vpnha_ncc_pubkey_cb pubkey)
{
	snprintf(vpnha_ncc_hostkey_path, sizeof(vpnha_ncc_hostkey_path), "%s",
		 cfg->host_key);
	vpnha_ncc_pubkey = pubkey;
	nc_server_ssh_set_hostkey_clb(vpnha_ncc_hostkey_clb, NULL, NULL);
	nc_server_ssh_set_pubkey_auth_clb(vpnha_ncc_pubkey_clb, NULL, NULL);
	nc_server_ssh_set_passwd_auth_clb(vpnha_ncc_passwd_clb, NULL, NULL);
	nc_server_ssh_set_interactive_auth_clb(vpnha_ncc_kbdint_clb, NULL,
					       NULL);
	nc_server_set_hello_timeout(cfg->hello_timeout_s);
	nc_server_set_idle_timeout(cfg->idle_timeout_s);
	if (nc_server_add_endpt(VPNHA_NCC_ENDPT, NC_TI_LIBSSH) ||
	    nc_server_ssh_endpt_add_hostkey(VPNHA_NCC_ENDPT, "hostkey", -1) ||
	    nc_server_ssh_endpt_set_auth_methods(VPNHA_NCC_ENDPT,
						 NC_SSH_AUTH_PUBLICKEY) ||
	    nc_server_ssh_endpt_set_auth_attempts(VPNHA_NCC_ENDPT, 3) ||
	    nc_server_ssh_endpt_set_auth_timeout(VPNHA_NCC_ENDPT,
						 cfg->hello_timeout_s) ||
	    nc_server_endpt_set_address(VPNHA_NCC_ENDPT, cfg->address) ||
	    nc_server_endpt_set_port(VPNHA_NCC_ENDPT, cfg->port))
		return -1;
	return 0;
}

static inline int vpnha_ncc_accept(int timeout_ms, struct ly_ctx *ctx,
				   struct nc_session **s)
{
	return nc_accept(timeout_ms, s);
}

#else
/* libnetconf2 3.x */
#error "libnetconf2 3.x: the server set-up is not written yet"
#endif

#endif /* _FRR_VPNHA_NETCONF_COMPAT_H */
