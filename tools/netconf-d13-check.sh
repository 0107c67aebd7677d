#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# netconf-d13-check.sh: does the NETCONF server build for Debian 13
# (libnetconf2 3.x, libyang 3, FRR 10.3)?  In a throwaway trixie root:
#  1. the core (vpnha_netconf.c) compiles against libyang 3;
#  2. the compat file's 3.x side compiles and links against libnetconf2
#     3.x (a small program calling vpnha_ncc_init/server_setup/accept);
#  3. vpnha_netconf_io.c and vpnha_netconf_load.c pass gcc -fsyntax-only
#     against FRR 10.3's headers (a stand-in config.h, see below).
# It does not run anything: the d13 port runs the daemon.
#
# Usage: tools/netconf-d13-check.sh [ROOT [FRR_10_3_ORIG_TARBALL]]   (root)
#   ROOT      default /var/tmp/nc-trixie (debootstrap'ed if missing)
#   tarball   default /var/cache/frr-vpnha/trixie/src/frr_10.3.orig.tar.xz
#             (else apt-get source frr in the root)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/var/tmp/nc-trixie}
tarball=${2:-/var/cache/frr-vpnha/trixie/src/frr_10.3.orig.tar.xz}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

say() {
	echo "netconf-d13: $*"
}

if [ ! -x "$root/usr/bin/apt-get" ]; then
	say "debootstrap trixie into $root"
	debootstrap --variant=minbase trixie "$root" "$mirror" >/dev/null
fi
say "packages"
chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq --no-install-recommends libnetconf2-dev \
	libyang-dev libssh-dev libjson-c-dev libcap-dev gcc libc6-dev \
	pkg-config perl xz-utils dpkg-dev >/dev/null'
chroot "$root" dpkg-query -W libnetconf2-dev libyang-dev

src=$root/src/vpnha
rm -rf "$src"
mkdir -p "$src"
cp "$top"/frr-plugin/*.h "$top"/frr-plugin/vpnha_netconf*.c "$src/"
if [ -f "$tarball" ]; then
	tar -C "$src" -xf "$tarball"
else
	chroot "$root" sh -c "cd /src/vpnha && apt-get source -qq --download-only frr >/dev/null &&
		tar xf frr_*.orig.tar.*"
fi
frr=$(cd "$src" && ls -d frr-10.* | head -1)
# Generated FRR headers, and a stand-in config.h (syntax check only).
(cd "$src/$frr" && perl lib/route_types.pl <lib/route_types.txt >lib/route_types.h &&
	sed -e 's/@PACKAGE_NAME@/frr/' -e 's/@PACKAGE_VERSION@/10.3/' \
		lib/version.h.in >lib/version.h &&
	echo '#define GIT_SUFFIX ""' >lib/gitversion.h)
cat >"$src/config.h" <<'EOF'
#define _GNU_SOURCE 1
#define PACKAGE_NAME "frr"
#define PACKAGE_VERSION "10.3"
#define GNU_LINUX 1
#define HAVE_CLOCK_MONOTONIC 1
#define HAVE_CLOCK_THREAD_CPUTIME_ID 1
#define HAVE_STRUCT_IN_PKTINFO 1
#define HAVE_STRLCPY 1
#define HAVE_STRLCAT 1
#define HAVE_LCAPS 1
#define FRR_AUTOCONF_ATOMIC 1
#define HAVE_STDATOMIC_H 1
#define HAVE_NETLINK 1
#define FRR_USER "frr"
#define FRR_GROUP "frr"
#define VTY_GROUP "frrvty"
#define MULTIPATH_NUM 64
#include <time.h>
#include <sys/resource.h>
EOF
cat >"$src/compat_check.c" <<'EOF'
/* Calls the compat file's 3.x side (no FRR): compile and link check. */
#include "vpnha_netconf_compat.h"

static int pubkey(const struct nc_session *s, ssh_key k)
{
	return 1;
}

int main(void)
{
	struct vpnha_nc_config cfg;
	struct ly_ctx *ctx = NULL;
	struct nc_session *s = NULL;
	char msg[128];

	vpnha_nc_config_parse(&cfg, "user ops read-write /dev/null\n", msg,
			      sizeof(msg));
	ly_ctx_new(NULL, 0, &ctx);
	if (vpnha_ncc_init(ctx) || vpnha_ncc_server_setup(ctx, &cfg, pubkey, NULL))
		return 1;
	return vpnha_ncc_accept(0, ctx, &s) == NC_MSG_HELLO;
}
EOF
warn="-Wall -Wextra -Wno-unused-parameter -Wno-unused-function -Werror"
chroot "$root" sh -c "cd /src/vpnha &&
	gcc $warn -c vpnha_netconf.c &&
	gcc $warn compat_check.c vpnha_netconf.o -lnetconf2 -lyang -o compat_check"
say "core and compat (libnetconf2 3.x): compiled and linked"
for f in vpnha_netconf_io.c vpnha_netconf_load.c; do
	chroot "$root" sh -c "cd /src/vpnha && gcc -fsyntax-only -DHAVE_CONFIG_H \
		-include config.h -I. -I$frr -I$frr/lib -I$frr/include -Wall \
		-Wno-unused-parameter -Werror=implicit-function-declaration \
		-Werror=int-conversion -Werror=incompatible-pointer-types $f" 2>&1 |
		grep -E ": (fatal )?error:" && exit 1
	say "$f: syntax check against $frr passed"
done
say "ok"
