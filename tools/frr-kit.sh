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
		apt-get -o DPkg::Lock::Timeout=900 update -qq >&2 || say "apt-get update had errors"
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

# link_plugin DIR: vpnhad's sources as vpnhad/ in the FRR tree (vtysh
# includes vpnhad/vpnha_nodes.h; 8.4's extract.pl scans the CLI files).
link_plugin() {
	if [ -e "$src/vpnhad" ] && [ ! -L "$src/vpnhad" ]; then
		die "$src/vpnhad exists and is not a symlink"
	fi
	if [ "$(readlink "$src/vpnhad" 2>/dev/null)" != "$1" ]; then
		ln -sfn "$1" "$src/vpnhad"
		# make cannot see that the scanned files changed: extract anew
		rm -f "$src/vtysh/vtysh_cmd.c"
	fi
}

# apply_patch PATCH GENERATED: the stamp is a copy of the applied patch:
# a changed patch is reverted with the old copy and the new one applied.
# GENERATED (the daemon list header) has no make dependency on it.
apply_patch() {
	applied=$src/.vpnha-vtysh-patched
	[ -f "$1" ] || die "$1 missing"
	if [ -f "$applied" ] && ! cmp -s "$1" "$applied"; then
		say "vtysh patch changed, reverting the old one"
		(cd "$src" && patch -p1 -R -N -s --no-backup-if-mismatch \
			<"$applied") ||
			die "cannot revert the old vtysh patch: remove $kit"
		rm -f "$applied"
	fi
	if [ ! -f "$applied" ]; then
		say "patching vtysh for vpnhad"
		(cd "$src" && patch -p1 -N -s --no-backup-if-mismatch <"$1") ||
			die "vtysh patch $(basename "$1") does not apply to frr $ver"
		cp "$1" "$applied"
		rm -f "$src/$2" "$src/vtysh/vtysh_cmd.c"
	fi
}

# build_vtysh [MAKE-ARG...]: vtysh links Debian's installed libfrr.so.0,
# the library it runs on (RUNPATH, as FRR's own vtysh), not a libfrr.la
# compiled from the kit: same source and configure arguments, and the
# kit's lib/ (libtool compiles each of its ~150 files twice) is not
# built, which made most of the kit's build time.  The binary is also
# put at vtysh/.libs/vtysh, where libtool used to put the real binary
# (behind its wrapper script vtysh/vtysh) and where callers look for it.
build_vtysh() {
	# a kit from before: vtysh/vtysh is libtool's wrapper script
	if [ -f "$src/vtysh/vtysh" ] && ! head -c 4 "$src/vtysh/vtysh" | grep -q ELF; then
		rm -f "$src/vtysh/vtysh" "$src/vtysh/.libs/vtysh"
	fi
	# shellcheck disable=SC2016
	(cd "$src" && make -j"$(nproc)" "$@" \
		vtysh_vtysh_LDADD="$libfrr -Wl,-rpath,${libfrr%/*}"' $(LIBCAP) $(LIBREADLINE) $(LIBS) $(LIBPAM)' \
		vtysh_vtysh_DEPENDENCIES= vtysh/vtysh >>"$kit/vtysh.log" 2>&1) ||
		die "vtysh build failed, see $kit/vtysh.log"
	head -c 4 "$src/vtysh/vtysh" | grep -q ELF ||
		die "$src/vtysh/vtysh is not a binary (libtool wrapper?), see $kit/vtysh.log"
	mkdir -p "$src/vtysh/.libs"
	ln -f "$src/vtysh/vtysh" "$src/vtysh/.libs/vtysh"
}

# check_vtysh: the binary runs on Debian's libfrr through its RUNPATH.
check_vtysh() {
	vbin=$src/vtysh/.libs/vtysh
	env -u LD_LIBRARY_PATH ldd "$vbin" | grep -q "libfrr.so.0 => $libfrr " ||
		die "$vbin does not resolve libfrr.so.0 to $libfrr"
	env -u LD_LIBRARY_PATH "$vbin" --help >/dev/null 2>&1 ||
		die "$vbin --help fails"
	say "vtysh for vpnhad: $vbin"
}

if [ $want_vtysh = 1 ] && [ $major = 8 ]; then
	# 8.4: extract.pl scans vpnhad's CLI sources as vpnhad/ in the FRR
	# tree (VPNHAD_SRC overrides the directory, e.g. for a test stub).
	plugin=${VPNHAD_SRC:-$top/frr-plugin}
	plugin=$(cd "$plugin" 2>/dev/null && pwd) ||
		die "no vpnhad sources at ${VPNHAD_SRC:-$top/frr-plugin}"
	for f in vpnha_nodes.h vpnha_cli.c vpnha_vty.c vpnha_debug.c; do
		[ -f "$plugin/$f" ] || die "$plugin/$f missing (vtysh needs it)"
	done
	link_plugin "$plugin"
	apply_patch "$top/tools/vtysh-vpnhad.patch" vtysh/vtysh_daemons.h
	say "building vtysh"
	: >"$kit/vtysh.log"
	build_vtysh
	check_vtysh
elif [ $want_vtysh = 1 ]; then
	# 10.x: vtysh's command table (vtysh/vtysh_cmd.c) is generated from
	# the binaries' ELF xref data.  Debian's installed binaries plus
	# vpnhad (VPNHAD_BIN, built first) are linked in the build tree's
	# layout (the directory names a module's or library's daemon) and
	# read by python/xrelfo.py; then vtysh is built without the daemons.
	plugin=$top/frr-plugin
	[ -f "$plugin/vpnha_nodes.h" ] || die "$plugin/vpnha_nodes.h missing"
	bin=${VPNHAD_BIN:-$top/build/frr-plugin/vpnhad}
	[ -f "$bin" ] || die "vpnhad binary $bin missing: build vpnhad first (VPNHAD_BIN)"
	bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	link_plugin "$plugin"
	apply_patch "$top/tools/vtysh-vpnhad-10.patch" lib/vtysh_daemons.h
	x=$src/.vpnha-xref
	rm -rf "$x"
	mkdir -p "$x/lib" "$x/vpnhad"
	ln -s "$bin" "$x/vpnhad/vpnhad"
	files=vpnhad/vpnhad
	for d in /usr/lib/frr/*; do
		[ -f "$d" ] && head -c 4 "$d" | grep -q ELF || continue
		# as in FRR's tree (xref2vtysh.py knows "isisd/fabricd")
		case "${d##*/}" in
		fabricd) dir=isisd ;;
		pim6d) dir=pimd ;;
		*) dir=${d##*/} ;;
		esac
		mkdir -p "$x/$dir"
		ln -s "$d" "$x/$dir/${d##*/}"
		files="$files $dir/${d##*/}"
	done
	for m in /usr/lib/$arch/frr/modules/*.so; do
		[ -f "$m" ] || continue
		case "${m##*/}" in
		dplane_fpm_nl.so) d=zebra ;;
		*) d=${m##*/}
		   d=${d%%_*} ;;
		esac
		mkdir -p "$x/$d"
		ln -s "$m" "$x/$d/${m##*/}"
		files="$files $d/${m##*/}"
	done
	for l in /usr/lib/$arch/frr/lib*.so.0; do
		case "${l##*/}" in
		libmgmt_be_nb.*) d=mgmtd ;;
		libfrrospfapiclient.*) d=ospfclient ;;
		*) d=lib ;;
		esac
		mkdir -p "$x/$d"
		ln -s "$l" "$x/$d/${l##*/}"
		files="$files $d/${l##*/}"
	done
	say "generating vtysh's command table from the binaries' xref data"
	# vtysh_cmd.c and its parts vtysh_cmd.N.c, as FRR's Makefile names
	# them (a missing part would make make rebuild every daemon).
	split=$(sed -n '/^vtysh_cmd_split = /,/# end/s/^[[:space:]]*vtysh\/\(vtysh_cmd\.[0-9]*\.c\).*/\1/p' "$src/Makefile")
	out=vtysh_cmd.c
	for f in $split; do out="$out $f"; done
	rm -rf "$src/vtysh/new"
	mkdir -p "$src/vtysh/new"
	# Run from a directory one below the tree: Debian builds in a
	# subdirectory, its xref data names sources as "../lib/...".
	# shellcheck disable=SC2086
	(cd "$x" && ../lib/clippy ../python/xrelfo.py -o ../frr.xref $files \
		-c $(for f in $out; do echo "../vtysh/new/$f"; done) \
		>"$kit/xrelfo.log" 2>&1) || die "xrelfo failed, see $kit/xrelfo.log"
	grep -q VTYSH_VPNHAD "$src/vtysh/new/vtysh_cmd.c" ||
		die "no vpnhad command in $bin's xref data"
	for f in $out; do
		cmp -s "$src/vtysh/new/$f" "$src/vtysh/$f" ||
			mv "$src/vtysh/new/$f" "$src/vtysh/$f"
	done
	rm -rf "$src/vtysh/new"
	say "building vtysh"
	# vtysh.c includes the generated daemon list, which only libfrr's
	# objects depend on in 10.x's Makefile
	(cd "$src" && make lib/vtysh_daemons.h >"$kit/vtysh.log" 2>&1) ||
		die "make lib/vtysh_daemons.h failed, see $kit/vtysh.log"
	build_vtysh -o frr.xref
	check_vtysh
fi

echo "$src"
