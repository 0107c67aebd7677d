// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The -M module (vpnhad_netconf.so): loads the NETCONF server
 * (vpnhad_netconf_impl.so) with RTLD_DEEPBIND.
 *
 * Why: libfrr exports its own SHA256_Init/Update/Final.  Loaded the
 * ordinary way, the libcrypto that libssh pulls in binds its SHA-256 to
 * libfrr's (the global scope comes first) and every SSH key exchange
 * fails ("Signature verification failed" in the client; checked on
 * Debian 12 and on Debian 13, FRR 10.3's libfrr still exports them).  With
 * RTLD_DEEPBIND the server's own dependencies (libnetconf2, libssh,
 * libcrypto) resolve among themselves first, and only what they lack
 * (FRR, vpnhad) comes from the daemon.
 *
 * AddressSanitizer refuses RTLD_DEEPBIND (google/sanitizers#611): the
 * sanitizer build (tools/sanitize.sh) loads the server the ordinary way
 * and links libcrypto ahead of libfrr instead, so that SHA-256 binds to
 * libcrypto's there.
 */
#include <zebra.h>

#include <dlfcn.h>

#include "lib/libfrr.h"
#include "lib/module.h"
#include "lib/version.h"

#include "vpnha_netconf_io.h"

static int vpnha_netconf_load(void)
{
	int (*init)(const char *path);
	char path[PATH_MAX];
	const char *slash;
	Dl_info info;
	void *h;

	if (!dladdr((void *)vpnha_netconf_load, &info) || !info.dli_fname) {
		zlog_err("netconf: cannot find the module's own path");
		return -1;
	}
	slash = strrchr(info.dli_fname, '/');
	snprintf(path, sizeof(path), "%.*s%s",
		 slash ? (int)(slash - info.dli_fname + 1) : 0, info.dli_fname,
		 VPNHA_NETCONF_IMPL);
#ifdef __SANITIZE_ADDRESS__
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
#else
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
#endif
	if (!h) {
		zlog_err("netconf: %s", dlerror());
		return -1;
	}
	init = (int (*)(const char *))dlsym(h, "vpnha_netconf_init");
	if (!init) {
		zlog_err("netconf: %s: no vpnha_netconf_init", path);
		return -1;
	}
	return init(THIS_MODULE->load_args);
}

FRR_MODULE_SETUP(.name = "vpnhad_netconf", .version = FRR_VERSION,
		 .description = "vpnhad NETCONF server (libnetconf2)",
		 .init = vpnha_netconf_load, );
