#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# frr-kit.sh: prepare an FRR "build kit" for the frr package installed on
# this machine: Debian's own source of exactly that version, configured
# with the arguments embedded in Debian's libfrr.so.0, plus lib/clippy.
# vpnhad's build takes headers, config.h and clippy from it and links
# Debian's libfrr.so.0.  It also builds the patched vtysh (--vtysh).
#
# Usage: tools/frr-kit.sh [--vtysh] [KITDIR]     (default KITDIR: .frr-kit)
# Prints the path of the configured FRR tree on its last line.

set -eu

want_vtysh=0
if [ "${1:-}" = "--vtysh" ]; then
	want_vtysh=1
	shift
fi
top=$(cd "$(dirname "$0")/.." && pwd)
kit=${1:-$top/.frr-kit}
mkdir -p "$kit"
kit=$(cd "$kit" && pwd)

die() {
	echo "frr-kit: error: $*" >&2
	exit 1
}
say() {
	echo "frr-kit: $*" >&2
}

arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
libfrr=/usr/lib/$arch/frr/libfrr.so.0

ver=$(dpkg-query -W -f='${Version}' frr 2>/dev/null) || ver=
[ -n "$ver" ] || die "the frr package is not installed (apt-get install frr)"
[ -e "$libfrr" ] || die "$libfrr missing: frr $ver looks broken"
upver=${ver#*:}
upver=${upver%%-*}
src=$kit/frr-$upver
# The two tested: Debian 12's 8.4.4 and Debian 13's 10.3.  Other 10.x
# builds should work (same API as 10.3) but are not tested: opt in.
case "$upver" in
8.4.4) major=8 ;;
10.3) major=10 ;;
10.*)
	[ "${FRR_KIT_UNTESTED:-0}" = 1 ] ||
		die "frr $ver is not supported (tested: 8.4.4 on Debian 12, 10.3 on Debian 13); FRR_KIT_UNTESTED=1 tries it like 10.3"
	major=10
	;;
*) die "frr $ver is not supported (tested: 8.4.4 on Debian 12, 10.3 on Debian 13)" ;;
esac
stamp=$kit/.stamp-$ver

# fetch_source DIR: download Debian's source of frr $ver into DIR,
# enabling deb-src first if needed; a few tries (the archive may hiccup).
fetch_source() {
	if [ -z "$(apt-get source --print-uris --only-source "frr=$ver" 2>/dev/null | grep "\.dsc")" ]; then
		say "enabling deb-src for Debian's archive"
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			case "$f" in *vpnha-src*) continue ;; esac
			sed 's/^Types: deb$/Types: deb-src/' "$f" \
				>"/etc/apt/sources.list.d/vpnha-src-$(basename "$f")"
		done
		if [ -f /etc/apt/sources.list ]; then
			sed -n 's/^deb /deb-src /p' /etc/apt/sources.list \
				>/etc/apt/sources.list.d/vpnha-src.list
		fi
		apt-get update -qq >&2 || say "apt-get update had errors"
	fi
	mkdir -p "$1"
	for try in 1 2 3 4 5; do
		say "fetching Debian's source of frr $ver (try $try)"
		if (cd "$1" && apt-get source -qq --download-only \
			--only-source "frr=$ver" >&2); then
			return 0
		fi
		sleep $((try * 5))
	done
	die "apt-get source frr=$ver failed (network? is $ver still in the archive?)"
}

if [ -f "$stamp" ] && [ -f "$src/config.h" ] && [ -x "$src/lib/clippy" ]; then
	say "kit for frr $ver ready in $src"
else
	# Kit for another version? Start over.
	rm -rf "$kit"/frr-* "$kit"/frr_* "$kit"/.stamp-*

	# Debian's source files are cached outside the kit, so that a fresh
	# clone (CI right after a session) does not need the network.
	cache=${FRR_KIT_CACHE:-/var/cache/frr-vpnha}
	dsc=frr_${ver#*:}.dsc
	if [ ! -f "$cache/$dsc" ]; then
		fetch_source "$cache"
	fi
	say "unpacking Debian's source of frr $ver"
	(cd "$kit" && dpkg-source -q -x "$cache/$dsc" "$src" >&2) ||
		die "dpkg-source -x $cache/$dsc failed"
	[ -d "$src" ] || die "unpacked source not found at $src"

	# The exact arguments Debian configured with, from the binary itself.
	args=$(strings -n 40 "$libfrr" | grep -m1 "^ *'--build=") ||
		die "no configure arguments embedded in $libfrr"
	say "configuring with Debian's arguments"
	[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >&2)
	# Relative path to configure: extract.pl breaks with an absolute one.
	(cd "$src" &&
		eval "./configure $args --disable-doc --disable-doc-html PYTHON=/usr/bin/python3" \
			>"$kit/configure.log" 2>&1) ||
		die "configure failed, see $kit/configure.log"
	# 10.x: mgmtd's protobuf header is included by lib/ headers too.
	gen="lib/clippy lib/route_types.h lib/version.h"
	[ $major = 8 ] || gen="$gen lib/mgmt.pb-c.h"
	# shellcheck disable=SC2086
	(cd "$src" && make -s $gen >"$kit/make.log" 2>&1) ||
		die "make $gen failed, see $kit/make.log"
	touch "$stamp"
fi

# ABI guard: the configured tree must describe the installed libfrr:
# same version, same configure arguments (they decide struct layouts,
# e.g. --enable-multipath=256 sizes struct zapi_route).
args=$(strings -n 40 "$libfrr" | grep -m1 "^ *'--build=")
kargs=$(sed -n 's/^#define FRR_CONFIG_ARGS "\(.*\)"$/\1/p' "$src/lib/version.h")
case "$kargs" in
"$args"*) ;;
*) die "kit configure arguments differ from those of $libfrr" ;;
esac
hv=$(sed -n 's/^#define FRR_VERSION *"\([^"]*\)".*/\1/p' "$src/lib/version.h")
[ "$hv" = "$upver" ] || die "kit is FRR $hv, installed frr is $upver"
strings "$libfrr" | grep -q "version $hv)" ||
	die "$libfrr does not announce version $hv"

if [ $want_vtysh = 1 ]; then
	# The patched vtysh scans vpnhad's CLI sources as vpnhad/ in the FRR
	# tree (VPNHAD_SRC overrides the directory, e.g. for a test stub).
	plugin=${VPNHAD_SRC:-$top/frr-plugin}
	plugin=$(cd "$plugin" 2>/dev/null && pwd) ||
		die "no vpnhad sources at ${VPNHAD_SRC:-$top/frr-plugin}"
	for f in vpnha_nodes.h vpnha_cli.c vpnha_vty.c vpnha_debug.c; do
		[ -f "$plugin/$f" ] || die "$plugin/$f missing (vtysh needs it)"
	done
	if [ -e "$src/vpnhad" ] && [ ! -L "$src/vpnhad" ]; then
		die "$src/vpnhad exists and is not a symlink"
	fi
	if [ "$(readlink "$src/vpnhad" 2>/dev/null)" != "$plugin" ]; then
		ln -sfn "$plugin" "$src/vpnhad"
		# make cannot see that the scanned files changed: extract anew
		rm -f "$src/vtysh/vtysh_cmd.c"
	fi

	# The stamp is a copy of the applied patch: a changed patch is
	# reverted with the old copy and the new one applied.
	patch=$top/tools/vtysh-vpnhad.patch
	applied=$src/.vpnha-vtysh-patched
	[ -f "$patch" ] || die "$patch missing"
	if [ -f "$applied" ] && ! cmp -s "$patch" "$applied"; then
		say "vtysh patch changed, reverting the old one"
		(cd "$src" && patch -p1 -R -N -s --no-backup-if-mismatch \
			<"$applied") ||
			die "cannot revert the old vtysh patch: remove $kit"
		rm -f "$applied"
	fi
	if [ ! -f "$applied" ]; then
		say "patching vtysh for vpnhad"
		(cd "$src" && patch -p1 -N -s --no-backup-if-mismatch <"$patch") ||
			die "vtysh patch does not apply to frr $ver"
		cp "$patch" "$applied"
		# Generated without make dependencies on what the patch changes.
		# (make itself re-runs automake/config.status for subdir.am and
		# extract.pl.in.)
		rm -f "$src/vtysh/vtysh_daemons.h" "$src/vtysh/vtysh_cmd.c"
	fi
	say "building vtysh"
	(cd "$src" && make -j"$(nproc)" vtysh/vtysh >"$kit/vtysh.log" 2>&1) ||
		die "vtysh build failed, see $kit/vtysh.log"
	# vtysh/vtysh is libtool's wrapper (kit libfrr); the real binary runs
	# on Debian's libfrr through its RUNPATH.
	bin=$src/vtysh/.libs/vtysh
	env -u LD_LIBRARY_PATH ldd "$bin" | grep -q "libfrr.so.0 => $libfrr " ||
		die "$bin does not resolve libfrr.so.0 to $libfrr"
	env -u LD_LIBRARY_PATH "$bin" --help >/dev/null 2>&1 ||
		die "$bin --help fails"
	say "vtysh for vpnhad: $bin"
fi

echo "$src"
