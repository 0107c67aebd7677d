// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The libnetconf2 calls that differ between 2.0 (Debian 12) and 3.x
 * (Debian 13), in one place, like vpnha_compat.h for FRR.
 *
 * 2.0 sets a server up with nc_server_add_endpt() & co and per-server
 * SSH callbacks; 3.x configures endpoints, host keys and users through
 * an ietf-netconf-server data tree (nc_server_config_*).  Everything else
 * vpnhad uses (nc_ps_*, replies, errors, notifications, the global RPC
 * callback) is the same.
 *
 *   vpnha_ncc_init(ctx)          nc_server_init on FRR's libyang context
 *   vpnha_ncc_server_setup(...)  listen, host key, users' public keys
 *   vpnha_ncc_accept(...)        nc_accept
 */
#ifndef _FRR_VPNHA_NETCONF_COMPAT_H
#define _FRR_VPNHA_NETCONF_COMPAT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libyang/libyang.h>
#include <libyang/version.h>
/* libssh's legacy.h (pulled in by nc_server.h) declares buffer_new() and
 * buffer_free(), which clash with FRR's lib/buffer.h (through vpnha.h ->
 * lib/debug.h -> lib/vty.h): leave it out, nothing here uses it. */
#ifndef LIBSSH_LEGACY_0_4
#define LIBSSH_LEGACY_0_4
#endif
#include <nc_server.h>

#include "vpnha_netconf.h"

/* 3.x has server_config.h; 2.0 has not. */
#if __has_include(<libnetconf2/server_config.h>)
#define VPNHA_NC_LIBNETCONF2_3 1
#endif

/*
 * Decides whether a public key may log in as the session's user (the
 * adapter checks the user's authorized-keys file and logs refusals with
 * the peer address).  Returns 0 to accept.  2.0 only: 3.x compares the
 * keys itself.
 */
typedef int (*vpnha_ncc_pubkey_cb)(const struct nc_session *s, ssh_key key);

/* libyang 2 (Debian 12) and 3 (Debian 13, with libnetconf2 3.x). */
#if LY_VERSION_MAJOR >= 3
/* An anydata/anyxml output node taking over value. */
#define vpnha_ly_new_any_output(parent, name, value, type)                     \
	lyd_new_any(parent, NULL, name, value, type,                           \
		    LYD_NEW_ANY_USE_VALUE | LYD_NEW_VAL_OUTPUT, NULL)
#define VPNHA_LY_ERR_PATH(e)                                                   \
	((e)->data_path ? (e)->data_path : (e)->schema_path)
#else
#define vpnha_ly_new_any_output(parent, name, value, type)                     \
	lyd_new_any(parent, NULL, name, value, 1, type, 1, NULL)
#define VPNHA_LY_ERR_PATH(e) ((e)->path)
#endif

/* Name of the one SSH endpoint vpnhad listens on. */
#define VPNHA_NCC_ENDPT "vpnhad"

#ifndef VPNHA_NC_LIBNETCONF2_3
/* libnetconf2 2.0 ---------------------------------------------------- */

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
 * nc_server_init() on FRR's context.  It puts its default <get-schema>
 * and <close-session> callbacks into the schema nodes' priv pointers,
 * which FRR owns (and frees at shutdown): take them out again, vpnhad's
 * global callback handles every RPC.
 */
static inline int vpnha_ncc_init(struct ly_ctx *ctx)
{
	static const char *const rpcs[] = {
		"/ietf-netconf-monitoring:get-schema",
		"/ietf-netconf:close-session",
	};

	if (nc_server_init(ctx))
		return -1;
	for (size_t i = 0; i < sizeof(rpcs) / sizeof(rpcs[0]); i++) {
		struct lysc_node *n = (struct lysc_node *)lys_find_path(
			ctx, NULL, rpcs[i], 0);

		if (n)
			n->priv = NULL;
	}
	return 0;
}

/*
 * Create the SSH endpoint: address, port, host key, public keys only.
 * Returns 0, or -1 (libnetconf2 printed why).
 */
static inline int vpnha_ncc_server_setup(struct ly_ctx *ctx,
					 const struct vpnha_nc_config *cfg,
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

static inline NC_MSG_TYPE vpnha_ncc_accept(int timeout_ms, struct ly_ctx *ctx,
					   struct nc_session **s)
{
	return nc_accept(timeout_ms, s);
}

#else
/* libnetconf2 3.x ---------------------------------------------------- */

#include <libnetconf2/server_config.h>

/* Where each user's keys go, one file per key (3.x reads one key a file). */
#ifndef VPNHA_NCC_KEYDIR
#define VPNHA_NCC_KEYDIR "/run/frr/vpnhad-netconf"
#endif

/*
 * 3.x: libnetconf2 keeps its own state; the ietf-netconf-server modules
 * (and their keystore/truststore companions) join FRR's context.
 */
static inline int vpnha_ncc_init(struct ly_ctx *ctx)
{
	if (nc_server_init())
		return -1;
	return nc_server_config_load_modules(&ctx) ? -1 : 0;
}

/* Split an authorized_keys file into one public-key file per key and
 * add each to the user's configuration. */
static inline int vpnha_ncc_user_keys(struct ly_ctx *ctx,
				      const struct vpnha_nc_user *u,
				      struct lyd_node **config)
{
	char line[8192], path[512], name[32];
	int n = 0;
	FILE *in = fopen(u->keys, "r");

	if (!in)
		return -1;
	while (fgets(line, sizeof(line), in)) {
		FILE *out;

		if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
			continue;
		snprintf(name, sizeof(name), "key%d", n++);
		snprintf(path, sizeof(path), "%s/%s.%s.pub", VPNHA_NCC_KEYDIR,
			 u->name, name);
		out = fopen(path, "w");
		if (!out || fputs(line, out) < 0) {
			if (out)
				fclose(out);
			fclose(in);
			return -1;
		}
		fclose(out);
		if (nc_server_config_add_ssh_user_pubkey(ctx, VPNHA_NCC_ENDPT,
							 u->name, name, path,
							 config)) {
			fclose(in);
			return -1;
		}
	}
	fclose(in);
	return 0;
}

/*
 * Only the configured users' public keys: 3.x uses local users from the
 * configuration (never system accounts) as long as ietf-ssh-server's
 * local-users-supported feature is on, which is its default.  Failed
 * logins are logged by libnetconf2 (not with vpnhad's words).
 */
static inline int vpnha_ncc_server_setup(struct ly_ctx *ctx,
					 const struct vpnha_nc_config *cfg,
					 vpnha_ncc_pubkey_cb pubkey)
{
	struct lyd_node *config = NULL;
	int ret = -1;

	(void)pubkey;
	if (nc_server_config_add_address_port(ctx, VPNHA_NCC_ENDPT, NC_TI_SSH,
					      cfg->address, cfg->port,
					      &config) ||
	    nc_server_config_add_ssh_hostkey(ctx, VPNHA_NCC_ENDPT, "hostkey",
					     cfg->host_key, NULL, &config))
		goto out;
	for (unsigned int i = 0; i < cfg->n_users; i++)
		if (vpnha_ncc_user_keys(ctx, &cfg->users[i], &config) < 0)
			goto out;
	ret = nc_server_config_setup_data(config) ? -1 : 0;
out:
	lyd_free_all(config);
	return ret;
}

static inline NC_MSG_TYPE vpnha_ncc_accept(int timeout_ms, struct ly_ctx *ctx,
					   struct nc_session **s)
{
	return nc_accept(timeout_ms, ctx, s);
}
#endif

#endif /* _FRR_VPNHA_NETCONF_COMPAT_H */
