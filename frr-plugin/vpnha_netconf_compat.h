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

#include <errno.h>
#include <stdbool.h>
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

/*
 * A login was refused (3.x only: 2.0 asks vpnha_ncc_pubkey_cb, which
 * logs).  user_known: the user is configured but the key is not his.
 */
typedef void (*vpnha_ncc_refused_cb)(const char *user, const char *host,
				     bool user_known);

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
					 vpnha_ncc_pubkey_cb pubkey,
					 vpnha_ncc_refused_cb refused)
{
	(void)refused;
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

/* libnetconf2's own YANG modules (pkg-config libnetconf2 LN2_SCHEMAS_DIR). */
#ifndef VPNHA_NCC_SCHEMAS_DIR
#define VPNHA_NCC_SCHEMAS_DIR "/usr/share/yang/modules/libnetconf2"
#endif

#define VPNHA_NCC_ENDPT_PATH                                                                   \
	"/ietf-netconf-server:netconf-server/listen/endpoints/endpoint[name='" VPNHA_NCC_ENDPT \
	"']/ssh/ssh-server-parameters/client-authentication"

static vpnha_ncc_refused_cb vpnha_ncc_refused;
/* The peer of the connection this accepting thread is authenticating. */
static __thread char vpnha_ncc_peer[64];

/* "...: the quoted word" of a libnetconf2 message into buf. */
static inline bool vpnha_ncc_quoted(const char *msg, const char *prefix,
				    const char *suffix, char *buf, size_t size)
{
	size_t plen = strlen(prefix), len;
	const char *end;

	if (strncmp(msg, prefix, plen) || !(end = strstr(msg + plen, suffix)))
		return false;
	len = end - (msg + plen);
	snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1),
		 msg + plen);
	return true;
}

/*
 * 3.x authenticates by itself and only says so in its log: turn its
 * messages about refused logins into vpnha_ncc_refused() calls, with the
 * peer address that nc_accept() logged in this thread before ("Accepted
 * a connection on A:P from HOST:PORT.").  Errors and warnings go to
 * stderr as without a callback; the verbose rest is dropped.
 */
static void vpnha_ncc_print_clb(const struct nc_session *s, NC_VERB_LEVEL level,
				const char *msg)
{
	char user[64], host[64];
	const char *from, *colon;

	if (strncmp(msg, "Accepted a connection on ", 25) == 0 &&
	    (from = strstr(msg, " from "))) {
		from += strlen(" from ");
		colon = strrchr(from, ':');
		snprintf(vpnha_ncc_peer, sizeof(vpnha_ncc_peer), "%.*s",
			 colon ? (int)(colon - from) : (int)strlen(from), from);
		return;
	}
	snprintf(host, sizeof(host), "%s",
		 s && nc_session_get_host(s) ? nc_session_get_host(s)
					     : vpnha_ncc_peer);
	if (vpnha_ncc_quoted(msg, "User \"", "\" not known by the server.",
			     user, sizeof(user))) {
		vpnha_ncc_refused(user, host, false);
		return;
	}
	if (vpnha_ncc_quoted(
		    msg, "User \"",
		    "\" tried to use an unknown (unauthorized) public key.",
		    user, sizeof(user))) {
		vpnha_ncc_refused(user, host, true);
		return;
	}
	if (level <= NC_VERB_WARNING)
		fprintf(stderr, "libnetconf2: %s\n", msg);
}

/*
 * 3.x: libnetconf2 keeps its own state; the ietf-netconf-server modules
 * (and their keystore/truststore companions) join FRR's context, found
 * in libnetconf2's schema directory.
 */
static inline int vpnha_ncc_init(struct ly_ctx *ctx)
{
	if (nc_server_init())
		return -1;
	ly_ctx_set_searchdir(ctx, VPNHA_NCC_SCHEMAS_DIR);
	return nc_server_config_load_modules(&ctx) ? -1 : 0;
}

/* Set the leaf path/name (name NULL: path is the leaf) of the server's
 * configuration tree. */
static inline int vpnha_ncc_set(struct ly_ctx *ctx, struct lyd_node **config,
				const char *path, const char *name,
				const char *value)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s%s", path, name ? "/" : "",
		 name ? name : "");
	return lyd_new_path(*config, ctx, buf, value, LYD_NEW_PATH_UPDATE,
			    *config ? NULL : config)
		       ? -1
		       : 0;
}

/*
 * The user's authorized_keys file as inline public keys of his (the
 * base64 field of each line is the ssh-public-key-format value).  A
 * file that cannot be read gives the user no key: he cannot log in.
 */
static inline int vpnha_ncc_user_keys(struct ly_ctx *ctx,
				      const struct vpnha_nc_user *u,
				      struct lyd_node **config)
{
	char line[8192], path[768];
	int n = 0;
	FILE *in = fopen(u->keys, "r");

	if (!in) {
		fprintf(stderr, "netconf: cannot read %s: %s\n", u->keys,
			strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), in)) {
		char *save = NULL, *type = strtok_r(line, " \t\r\n", &save);
		char *b64 = strtok_r(NULL, " \t\r\n", &save);

		if (!type || type[0] == '#' || !b64)
			continue;
		snprintf(
			path, sizeof(path),
			VPNHA_NCC_ENDPT_PATH
			"/users/user[name='%s']/public-keys/inline-definition/public-key[name='key%d']",
			u->name, n++);
		if (lyd_new_path(*config, ctx, path, NULL, LYD_NEW_PATH_UPDATE,
				 NULL) ||
		    vpnha_ncc_set(ctx, config, path, "public-key-format",
				  "ietf-crypto-types:ssh-public-key-format") ||
		    vpnha_ncc_set(ctx, config, path, "public-key", b64)) {
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
 * local-users-supported feature is on, which is its default.  The
 * keys are read here, once: a changed authorized_keys file counts from
 * vpnhad's next start (2.0 reads it at each login).  Refused logins
 * reach refused() through the log.
 */
static inline int vpnha_ncc_server_setup(struct ly_ctx *ctx,
					 const struct vpnha_nc_config *cfg,
					 vpnha_ncc_pubkey_cb pubkey,
					 vpnha_ncc_refused_cb refused)
{
	struct lyd_node *config = NULL;
	LY_LOG_LEVEL ly_level;
	char idle[16], hello[16];
	int ret = -1;

	(void)pubkey;
	snprintf(idle, sizeof(idle), "%u", cfg->idle_timeout_s);
	snprintf(hello, sizeof(hello), "%u", cfg->hello_timeout_s);
	vpnha_ncc_refused = refused;
	/* Verbose messages are where 3.x names refused logins; keep
	 * libyang's level (nc_verbosity() sets both). */
	ly_level = ly_log_level(LY_LLERR);
	nc_set_print_clb_session(vpnha_ncc_print_clb);
	nc_verbosity(NC_VERB_VERBOSE);
	ly_log_level(ly_level);
	if (nc_server_config_add_address_port(ctx, VPNHA_NCC_ENDPT, NC_TI_SSH,
					      cfg->address, cfg->port,
					      &config) ||
	    nc_server_config_add_ssh_hostkey(ctx, VPNHA_NCC_ENDPT, "hostkey",
					     cfg->host_key, NULL, &config) ||
	    vpnha_ncc_set(
		    ctx, &config,
		    "/ietf-netconf-server:netconf-server/listen/idle-timeout",
		    NULL, idle) ||
	    vpnha_ncc_set(ctx, &config, VPNHA_NCC_ENDPT_PATH,
			  "libnetconf2-netconf-server:auth-timeout", hello))
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
