#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# setup.sh: everything a fresh Debian 12 or 13 machine needs before vpnhad can
# be built, tested or demonstrated: Debian packages, the FRR build kit
# (Debian's FRR source of the installed version, configured), the
# patched vtysh, and the build itself in ./build.
#
# Idempotent: a second run only rebuilds what changed.
# Usage: tools/setup.sh   (as root)

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() {
	echo "setup: $*"
}

[ "$(id -u)" = 0 ] || {
	echo "setup: run as root (apt-get, network namespaces)" >&2
	exit 1
}

# Per release: the same tools, Debian's names for them (trixie has
# libyang 3; FRR 10.3's configure needs lua for --enable-scripting and
# protobuf-c for mgmtd).
. /etc/os-release
case "${VERSION_CODENAME:-}" in
bookworm)
	relpkgs="libyang2-dev libyang2-tools"
	;;
trixie)
	relpkgs="libyang-dev libyang3-tools lua5.3 liblua5.3-dev libprotobuf-c-dev
protobuf-c-compiler"
	;;
*)
	echo "setup: Debian ${VERSION_CODENAME:-?} is not supported (Debian 12 bookworm or 13 trixie)" >&2
	exit 1
	;;
esac
pkgs="frr frr-pythontools autoconf automake libtool make gcc bison flex gawk
pkg-config libjson-c-dev libelf-dev python3-dev $relpkgs
libreadline-dev libcap-dev libc-ares-dev libsnmp-dev librtr-dev libpam0g-dev
dpkg-dev libcunit1-dev iproute2 nftables python3-pytest procps psmisc git
charon-systemd strongswan-swanctl libcharon-extra-plugins
libstrongswan-extra-plugins debhelper fakeroot lintian jq gnuplot-nox
libnetconf2-dev libssh-dev python3-ncclient python3-lxml yangcli openssh-client
clang libclang-rt-dev"
# libnetconf2-dev, libssh-dev: the NETCONF server module; python3-ncclient,
# yangcli (yuma123), openssh-client (ssh-keygen): its tests.
# clang, libclang-rt-dev: the libFuzzer harnesses (tests/fuzz).
# strongSwan (with kernel-libipsec, in libcharon-extra-plugins) carries
# the IPsec testbed's tunnels in userspace: this kernel has no ESP.
missing=$(for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q "install ok installed" || echo "$p"
done)
if [ -n "$missing" ]; then
	say "installing Debian packages:" $missing
	export DEBIAN_FRONTEND=noninteractive
	# another apt (.ci/run's Debian 13 root installs debootstrap on
	# this machine meanwhile) holds the dpkg lock for a while: wait
	apt-get -o DPkg::Lock::Timeout=900 update -qq
	# shellcheck disable=SC2086
	apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
		--no-install-recommends $missing >/dev/null
fi
# Debian's frr package starts its daemons through systemd; tests run
# their own FRR instances in namespaces, so nothing else is needed.

say "preparing the FRR build kit"
kit=$(tools/frr-kit.sh)

if [ ! -f build/Makefile ] || [ configure.ac -nt build/Makefile ] ||
	[ Makefile.am -nt build/Makefile ]; then
	say "configuring"
	./bootstrap.sh >/dev/null 2>&1
	mkdir -p build
	(cd build && ../configure -q --enable-werror --with-frr-kit="$kit")
fi
say "building"
make -s -C build -j"$(nproc)" all
make -s -C build -j"$(nproc)" check TESTS= >/dev/null
# The patched vtysh: FRR 10.x generates its command table from the
# binaries, vpnhad's included, so it comes after the build.
say "building the patched vtysh"
VPNHAD_BIN=$top/build/frr-plugin/vpnhad tools/frr-kit.sh --vtysh >/dev/null
say "ready: build/frr-plugin/vpnhad, vtysh at $kit/vtysh/vtysh"
