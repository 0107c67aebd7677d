#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pkgtest.sh: build the Debian package from a clean copy of this tree,
# lint it, and install, use, upgrade, remove and purge it in a throwaway
# root, so that this machine is never changed:
#   unshare --mount --pid --net: an overlay of / (changes in a tmpfs),
#   fresh /proc, /sys, /run, /tmp, chroot; FRR started by its init script
#   (no systemd there); debian/tests/vpnhad-scheme does the README scheme.
# When the namespaces end, every process and mount in them goes too.
#
# Usage: tools/pkgtest.sh [--debs DIR]            (as root, Debian 12 or 13)
#   --debs DIR   test DIR/frr-vpnha_*.deb instead of building one
# Env: FRR_KIT_CACHE  Debian's FRR source (default /var/cache/frr-vpnha;
#                     the build needs the network only if it is empty)
#      PKGTEST_KEEP=1 keep the work directory (/var/tmp/frr-vpnha-pkgtest.*)
#      PKGTEST_TREE=head  build "git archive HEAD" (default: the working
#                     tree's tracked and untracked, not ignored files)
#
# Internal: "--inside WORK" sets up the root in the new namespaces,
# "--chroot" runs the steps in it.

set -eu

# --------------------------------------------------------------------------
# Steps inside the throwaway root (pid 1's child, own network namespace).

in_chroot() {
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
	cd /
	start=$(date +%s.%N)
	say() {
		printf '[%6.1fs] pkgtest: %s\n' \
			"$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }')" "$*"
	}
	fail() {
		echo "pkgtest: FAIL: $*" >&2
		echo "--- /var/log/frr/pkgtest.log (last 40 lines) ---" >&2
		tail -n 40 /var/log/frr/pkgtest.log >&2 2>/dev/null || true
		cp /var/log/frr/pkgtest.log /pkgtest/frr.log 2>/dev/null || true
		exit 1
	}
	md5() {
		md5sum "$1" | cut -d' ' -f1
	}
	deb=$(ls /pkgtest/frr-vpnha_*.deb)
	# The previous build (host side: this build with a lower version)
	# is installed first, and upgraded to $deb after the scheme runs.
	prev=$(ls /pkgtest/prev/frr-vpnha_*.deb)
	ver=$(dpkg-deb -f "$deb" Version)
	prevver=$(dpkg-deb -f "$prev" Version)
	dpkg --compare-versions "$prevver" lt "$ver" || fail "previous $prevver is not older than $ver"
	ip link set lo up

	[ ! -d /run/systemd/system ] || fail "systemd visible in the throwaway root"
	! pgrep -x zebra >/dev/null || fail "a zebra runs in the new pid namespace already"

	# Daemons log to a file here (no syslog in the root).
	echo 'frr_global_options="--log file:/var/log/frr/pkgtest.log"' >>/etc/frr/daemons
	d0=$(md5 /etc/frr/daemons)
	v0=$(md5 /usr/bin/vtysh)
	c0=$(md5 /usr/lib/frr/frrcommon.sh)
	frrconf0=$(md5 /etc/frr/frr.conf)

	# apt as on a router; offline: frr is installed, Recommends are not
	# fetched (apt-get would download libreswan).  The pkgcache options
	# undo Docker-style images' "Dir::Cache::pkgcache \"\";", with which
	# apt cannot install a .deb file ("Pathname to install is not absolute").
	say "install (the previous build, $prevver): apt-get install --no-install-recommends $prev"
	DEBIAN_FRONTEND=noninteractive timeout 120 apt-get install -y \
		-o Dir::Cache::pkgcache=/var/cache/apt/pkgcache.bin \
		-o Dir::Cache::srcpkgcache=/var/cache/apt/srcpkgcache.bin \
		--no-install-recommends "$prev" >/tmp/install.log 2>&1 ||
		{ cat /tmp/install.log; fail "apt-get install $prev"; }
	grep -E '^(Setting up|Preparing|Adding)' /tmp/install.log || true
	[ "$(dpkg-divert --listpackage /usr/bin/vtysh)" = frr-vpnha ] || fail "vtysh not diverted"
	[ "$(dpkg-divert --listpackage /usr/lib/frr/frrcommon.sh)" = frr-vpnha ] ||
		fail "frrcommon.sh not diverted"
	[ "$(md5 /usr/bin/vtysh.distrib)" = "$v0" ] || fail "vtysh.distrib is not FRR's vtysh"
	[ "$(md5 /usr/bin/vtysh)" != "$v0" ] || fail "/usr/bin/vtysh is still FRR's"
	[ "$(md5 /usr/lib/frr/frrcommon.sh.distrib)" = "$c0" ] || fail "frrcommon.sh.distrib is not FRR's"
	[ -x /usr/lib/frr/vpnhad ] || fail "/usr/lib/frr/vpnhad missing"
	[ "$(md5 /etc/frr/daemons)" = "$d0" ] || fail "the package changed /etc/frr/daemons"
	[ -f /usr/share/man/man8/vpnhad.8.gz ] || fail "no vpnhad(8)"
	[ "$(stat -c %U:%a /etc/ipsec.d/vpnhad)" = frr:700 ] ||
		fail "/etc/ipsec.d/vpnhad is not frr's, 0700"
	grep -qx 'include /etc/ipsec.d/vpnhad/\*.conf' /etc/ipsec.d/vpnhad.conf ||
		fail "/etc/ipsec.d/vpnhad.conf does not include vpnhad's conns"
	grep -qx 'include /etc/ipsec.d/vpnhad/\*.secrets' /etc/ipsec.d/vpnhad.secrets ||
		fail "/etc/ipsec.d/vpnhad.secrets does not include vpnhad's keys"
	grep -q 'chgrp frr /run/pluto/pluto.ctl' /usr/lib/systemd/system/ipsec.service.d/frr-vpnha.conf ||
		fail "no ipsec.service drop-in opening pluto's control socket to frr"

	# A NETCONF failure is reported at the end, after the rest of the
	# package test ran (fail() in the subshell ends only the check);
	# what the check left behind is removed here.
	ncfail=
	if ! (netconf_check); then
		ncfail=yes
		echo "pkgtest: the NETCONF check FAILED; going on with the rest, failing at the end" >&2
		pid=$(cat /run/frr/vpnhad.pid 2>/dev/null) && kill "$pid" 2>/dev/null && sleep 1
		kill -KILL "$pid" 2>/dev/null || true
		rm -rf /run/frr/vpnhad.pid /etc/frr/vpnhad-netconf.conf /etc/frr/netconf \
			/etc/frr/vpnhad_netconf_host_key /tmp/nc-ops /tmp/nc-ops.pub
		dpkg -r frr-vpnha-netconf >/dev/null 2>&1 || true
	fi

	say "while frr-vpnha is being removed, FRR's scripts refuse to start vpnhad"
	touch /run/frr-vpnha.removing
	/usr/lib/frr/watchfrr.sh start vpnhad >/tmp/start.log 2>&1 || true
	grep -q "not starting vpnhad" /tmp/start.log || { cat /tmp/start.log; fail "vpnhad start not refused"; }
	! pgrep -x vpnhad >/dev/null || fail "vpnhad started despite /run/frr-vpnha.removing"
	rm -f /run/frr-vpnha.removing

	say "scheme: debian/tests/vpnhad-scheme"
	VPNHA_TEST_KEEP=1 sh /pkgtest/vpnhad-scheme || fail "debian/tests/vpnhad-scheme"
	d1=$(md5 /etc/frr/daemons) # with the test's vpnhad=yes

	say "upgrade: dpkg -i $deb over $prevver, vpnhad running"
	pid=$(cat /run/frr/vpnhad.pid)
	dpkg -i "$deb" >/tmp/upgrade.log 2>&1 || { cat /tmp/upgrade.log; fail "dpkg -i (upgrade)"; }
	cat /tmp/upgrade.log
	grep -qF "Unpacking frr-vpnha ($ver) over ($prevver)" /tmp/upgrade.log ||
		fail "dpkg did not upgrade from $prevver"
	[ "$(dpkg-query -W -f='${Version} ${Status}' frr-vpnha)" = "$ver install ok installed" ] ||
		fail "frr-vpnha is not $ver, installed, after the upgrade"
	[ -f /usr/lib/systemd/system/ipsec.service.d/frr-vpnha.conf ] ||
		fail "the upgrade lost the ipsec.service drop-in (moved from /lib to /usr/lib)"
	grep -q "still runs the previous version" /tmp/upgrade.log ||
		fail "no notice about the vpnhad still running the old binary"
	if [ "$(cat /run/frr/vpnhad.pid)" != "$pid" ] || ! kill -0 "$pid"; then
		fail "the upgrade stopped vpnhad"
	fi
	[ "$(dpkg-divert --listpackage /usr/bin/vtysh)" = frr-vpnha ] || fail "upgrade lost the vtysh diversion"
	[ "$(dpkg-divert --listpackage /usr/lib/frr/frrcommon.sh)" = frr-vpnha ] ||
		fail "upgrade lost the frrcommon.sh diversion"
	[ "$(md5 /usr/bin/vtysh.distrib)" = "$v0" ] || fail "vtysh.distrib changed on upgrade"
	vtysh -c 'show vpn-ha json' | jq -e '.tunnels.primary.state == "up"' >/dev/null ||
		fail "vtysh after the upgrade: no vpn-ha state"
	say "upgrade path: FRR restart runs the new vpnhad, configuration kept"
	/usr/lib/frr/frrinit.sh restart >/tmp/restart.log 2>&1 || { cat /tmp/restart.log; fail "frrinit.sh restart"; }
	n=0
	until vtysh -c 'show ip route 10.20.0.0/16 json' 2>/dev/null |
		jq -e '[.["10.20.0.0/16"][]? | select(.instance == 5)] | length == 2' >/dev/null; do
		n=$((n + 1))
		[ $n -lt 150 ] || fail "routes not back within 30 s after the restart"
		sleep 0.2
	done
	pid=$(cat /run/frr/vpnhad.pid)
	[ "$(readlink "/proc/$pid/exe")" = /usr/lib/frr/vpnhad ] || fail "vpnhad runs a stale binary"

	say "remove: dpkg -r frr-vpnha"
	logpos=$(wc -l </var/log/frr/pkgtest.log)
	dpkg -r frr-vpnha >/tmp/remove.log 2>&1 || { cat /tmp/remove.log; fail "dpkg -r"; }
	cat /tmp/remove.log
	! kill -0 "$pid" 2>/dev/null || fail "vpnhad still runs after dpkg -r"
	# watchfrr notices, and tries to restart it (after its 5 s period):
	# that must fail.
	n=0
	until tail -n +"$((logpos + 1))" /var/log/frr/pkgtest.log |
		grep -q 'restart vpnhad process [0-9]* exited'; do
		n=$((n + 1))
		[ $n -lt 75 ] || fail "watchfrr did not try to restart vpnhad within 15 s"
		sleep 0.2
	done
	tail -n +"$((logpos + 1))" /var/log/frr/pkgtest.log | grep -E 'vpnhad (state|process)|restart vpnhad'
	! pgrep -x vpnhad >/dev/null || fail "vpnhad came back after dpkg -r"
	pgrep -x zebra >/dev/null || fail "zebra died"
	[ "$(md5 /usr/bin/vtysh)" = "$v0" ] || fail "/usr/bin/vtysh is not FRR's after dpkg -r"
	[ "$(md5 /usr/lib/frr/frrcommon.sh)" = "$c0" ] || fail "frrcommon.sh is not FRR's after dpkg -r"
	if [ -e /usr/bin/vtysh.distrib ] || [ -e /usr/lib/frr/frrcommon.sh.distrib ]; then
		fail "*.distrib left after dpkg -r"
	fi
	! dpkg-divert --list | grep -q frr-vpnha || fail "diversions left: $(dpkg-divert --list | grep frr-vpnha)"
	dpkg -V frr | grep -v ' c /etc/' >/tmp/verify || true
	[ ! -s /tmp/verify ] || { cat /tmp/verify; fail "dpkg -V frr"; }
	rib=$(vtysh -c 'show ip route 10.20.0.0/16 json') || fail "FRR's vtysh: show ip route"
	echo "$rib" | jq -e '[.["10.20.0.0/16"][]? | select(.protocol == "static" and .instance == 5)] | length == 0' \
		>/dev/null || fail "vpnhad's routes left in zebra: $rib"
	[ -z "$(ip route show 10.20.0.0/16)" ] || fail "kernel route left: $(ip route show 10.20.0.0/16)"
	grep -qx 'vpn-ha' /etc/frr/frr.conf || fail "dpkg -r removed the saved configuration"
	dpkg -s frr-vpnha | grep -qx 'Status: deinstall ok config-files' || fail "not in config-files state"
	[ "$(md5 /etc/frr/daemons)" = "$d1" ] || fail "dpkg -r changed /etc/frr/daemons"

	say "after remove: FRR restart with FRR's vtysh and the saved vpn-ha section"
	/usr/lib/frr/frrinit.sh restart >/tmp/restart2.log 2>&1 || true
	n=0
	until vtysh -c 'show version' >/dev/null 2>&1 && pgrep -x staticd >/dev/null; do
		n=$((n + 1))
		[ $n -lt 100 ] || { cat /tmp/restart2.log; fail "FRR did not come back after dpkg -r"; }
		sleep 0.2
	done
	! pgrep -x vpnhad >/dev/null || fail "vpnhad started after removal"
	wpid=$(cat /run/frr/watchfrr.pid)
	! tr '\0' '\n' <"/proc/$wpid/cmdline" | grep -qx vpnhad || fail "watchfrr still lists vpnhad after a restart"

	say "purge: dpkg -P frr-vpnha"
	# As FRR creates it for split configuration (daemon_prep).
	install -o frr -g frr -m 0640 /dev/null /etc/frr/vpnhad.conf
	dpkg -P frr-vpnha >/tmp/purge.log 2>&1 || { cat /tmp/purge.log; fail "dpkg -P"; }
	cat /tmp/purge.log
	[ ! -e /etc/frr/vpnhad.conf ] || fail "/etc/frr/vpnhad.conf left after purge"
	[ ! -e /etc/ipsec.d/vpnhad ] || fail "/etc/ipsec.d/vpnhad left after purge"
	[ ! -e /etc/ipsec.d/vpnhad.conf ] || fail "/etc/ipsec.d/vpnhad.conf left after purge"
	! dpkg -s frr-vpnha >/dev/null 2>&1 || fail "frr-vpnha still known to dpkg"
	! dpkg-divert --list | grep -q frr-vpnha || fail "diversions left after purge"
	[ "$(md5 /etc/frr/daemons)" = "$d1" ] || fail "dpkg -P changed /etc/frr/daemons"
	sed '/^vpnhad=yes$/d' /etc/frr/daemons >/tmp/daemons
	[ "$(md5 /tmp/daemons)" = "$d0" ] ||
		fail "/etc/frr/daemons differs from before by more than the test's vpnhad=yes"
	grep -q "frr.conf still has a vpn-ha section" /tmp/purge.log || fail "no notice about frr.conf"
	vtysh -c 'write memory' >/dev/null || fail "FRR's vtysh: write memory"
	! grep -qx 'vpn-ha' /etc/frr/frr.conf || fail "write memory kept the vpn-ha section"
	[ -z "$(find /usr/lib/frr /usr/share/doc/frr-vpnha /usr/share/yang -name '*vpnha*' 2>/dev/null)" ] ||
		fail "files left: $(find /usr/lib/frr /usr/share/doc/frr-vpnha /usr/share/yang -name '*vpnha*')"

	/usr/lib/frr/frrinit.sh stop >/dev/null 2>&1 || true
	[ "$(md5 /etc/frr/frr.conf)" != "$frrconf0" ] || fail "frr.conf was never written"
	cp /var/log/frr/pkgtest.log /pkgtest/frr.log 2>/dev/null || true
	[ -z "$ncfail" ] || fail "the NETCONF check failed (see above); everything else passed"
	say "PASS"
}

# --------------------------------------------------------------------------
# frr-vpnha-netconf (in the throwaway root, the previous build of
# frr-vpnha installed, no vpnhad running): install the previous build of
# frr-vpnha-netconf, start a vpnhad with -M netconf:FILE, an ncclient
# hello must list frr-vpnhad; then remove it again (frr-vpnha's removal
# below needs that).  say/fail come from in_chroot.

netconf_check() {
	ncdeb=$(ls /pkgtest/prev/frr-vpnha-netconf_*.deb 2>/dev/null | head -n 1)
	if [ -z "$ncdeb" ]; then
		say "no frr-vpnha-netconf_*.deb: NETCONF check skipped"
		return 0
	fi
	say "netconf: apt-get install --no-install-recommends $ncdeb"
	DEBIAN_FRONTEND=noninteractive timeout 120 apt-get install -y \
		-o Dir::Cache::pkgcache=/var/cache/apt/pkgcache.bin \
		-o Dir::Cache::srcpkgcache=/var/cache/apt/srcpkgcache.bin \
		--no-install-recommends "$ncdeb" >/tmp/nc-install.log 2>&1 ||
		{ cat /tmp/nc-install.log; fail "apt-get install $ncdeb"; }
	ls /usr/lib/*/frr/modules/vpnhad_netconf.so \
		/usr/lib/*/frr/modules/vpnhad_netconf_impl.so >/dev/null ||
		fail "the NETCONF modules are not in FRR's module directory"
	[ -f /usr/share/yang/vpnhad-netconf/ietf-netconf@2013-09-29.yang ] ||
		fail "no /usr/share/yang/vpnhad-netconf/ietf-netconf@2013-09-29.yang"

	say "netconf: vpnhad -M netconf:/etc/frr/vpnhad-netconf.conf answers a hello"
	install -d -o frr -g frr -m 0755 /run/frr
	install -d -o frr -g frr -m 0750 /etc/frr/netconf
	ssh-keygen -q -t ed25519 -N '' -C ops -f /tmp/nc-ops
	install -o frr -g frr -m 0640 /tmp/nc-ops.pub /etc/frr/netconf/ops.keys
	printf 'listen 127.0.0.1 830\nuser ops read-write /etc/frr/netconf/ops.keys\n' \
		>/etc/frr/vpnhad-netconf.conf
	/usr/lib/frr/vpnhad -d -A 127.0.0.1 --log file:/var/log/frr/pkgtest.log \
		-M netconf:/etc/frr/vpnhad-netconf.conf ||
		fail "vpnhad -M netconf did not start"
	n=0
	until python3 - <<'PY' >/tmp/nc-hello.log 2>&1; do
from ncclient import manager
# password="": Debian 13's ncclient 0.6.17 loads the key file with
# password.encode() and fails on None (as tests/integration/nc_topo.py).
m = manager.connect(host="127.0.0.1", port=830, username="ops",
                    key_filename="/tmp/nc-ops", password="", hostkey_verify=False,
                    allow_agent=False, look_for_keys=False, timeout=5)
caps = list(m.server_capabilities)
m.close_session()
assert any("module=frr-vpnhad" in c for c in caps), caps
print("hello: %d capabilities, session %s" % (len(caps), m.session_id))
PY
		n=$((n + 1))
		[ $n -lt 50 ] || { cat /tmp/nc-hello.log; fail "no NETCONF hello with frr-vpnhad within 10 s"; }
		sleep 0.2
	done
	cat /tmp/nc-hello.log
	[ "$(stat -c %U:%a /etc/frr/vpnhad_netconf_host_key)" = frr:600 ] ||
		fail "the NETCONF host key is not frr's, 0600"
	pid=$(cat /run/frr/vpnhad.pid)
	kill "$pid"
	n=0
	while kill -0 "$pid" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 50 ] || fail "vpnhad (NETCONF) did not stop on SIGTERM"
		sleep 0.2
	done
	rm -rf /run/frr/vpnhad.pid /etc/frr/vpnhad-netconf.conf /etc/frr/netconf \
		/etc/frr/vpnhad_netconf_host_key /tmp/nc-ops /tmp/nc-ops.pub

	say "netconf: dpkg -r frr-vpnha-netconf"
	dpkg -r frr-vpnha-netconf >/tmp/nc-remove.log 2>&1 ||
		{ cat /tmp/nc-remove.log; fail "dpkg -r frr-vpnha-netconf"; }
	! ls /usr/lib/*/frr/modules/vpnhad_netconf* >/dev/null 2>&1 ||
		fail "NETCONF modules left after dpkg -r frr-vpnha-netconf"
}

# --------------------------------------------------------------------------
# The throwaway root, as pid 1 of new mount, pid and network namespaces.

inside() {
	work=$1
	root=$work/root
	mkdir -p "$work/ovl" "$root"
	mount -t tmpfs -o size=2g,mode=0755 pkgtest "$work/ovl"
	mkdir "$work/ovl/upper" "$work/ovl/work"
	mount -t overlay overlay \
		-o "lowerdir=/,upperdir=$work/ovl/upper,workdir=$work/ovl/work" "$root"
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs -o mode=0755 tmpfs "$root/run"
	mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
	mkdir -p "$root/pkgtest"
	mount --bind "$work/pkg" "$root/pkgtest"
	rc=0
	chroot "$root" /bin/sh /pkgtest/pkgtest.sh --chroot || rc=$?
	exit $rc
}

case "${1:-}" in
--chroot)
	in_chroot
	exit 0
	;;
--inside)
	inside "$2"
	;;
esac

# --------------------------------------------------------------------------
# On the host: build, lint, then the namespaces.

top=$(cd "$(dirname "$0")/.." && pwd)
debs=
if [ "${1:-}" = "--debs" ]; then
	debs=$(cd "$2" && pwd)
fi
t0=$(date +%s)
say() {
	printf '[%4ds] pkgtest: %s\n' $(($(date +%s) - t0)) "$*"
}
die() {
	echo "pkgtest: error: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root (dpkg in a throwaway root, namespaces)"
for tool in unshare chroot dpkg-buildpackage timeout; do
	command -v $tool >/dev/null || die "$tool missing"
done

work=$(mktemp -d /var/tmp/frr-vpnha-pkgtest.XXXXXX)
ns_pid=
lint_pid=
cleanup() {
	rc=$?
	[ -z "$lint_pid" ] || kill "$lint_pid" 2>/dev/null || true
	# The namespaces die with their pid 1, which unshare --kill-child
	# kills when unshare ends; timeout passes SIGTERM on to unshare.
	if [ -n "$ns_pid" ] && kill -0 "$ns_pid" 2>/dev/null; then
		kill -TERM "$ns_pid" 2>/dev/null || true
		n=0
		while kill -0 "$ns_pid" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.2
			n=$((n + 1))
		done
	fi
	if [ "${PKGTEST_KEEP:-0}" = 1 ]; then
		echo "pkgtest: work directory kept: $work" >&2
	else
		# never follow into a mount that is somehow still there
		if ! grep -q " $work/" /proc/mounts; then
			rm -rf "$work"
		else
			echo "pkgtest: $work still has mounts, not removed" >&2
		fi
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/pkg"

if [ -z "$debs" ]; then
	mkdir "$work/src"
	if [ "${PKGTEST_TREE:-}" = head ]; then
		say "clean copy of the tree: git archive HEAD"
		(cd "$top" && git archive --format=tar HEAD) | tar -xf - -C "$work/src"
	else
		say "clean copy of the tree (tracked and untracked, not ignored files)"
		(cd "$top" && git ls-files -z --cached --others --exclude-standard |
			xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
			tar --null -T - -cf -) | tar -xf - -C "$work/src"
	fi

	# "Unmet" in Debian 12's dpkg, "unmet" in 13's; build-essential
	# comes as build-essential:native
	missing=$(cd "$work/src" && dpkg-checkbuilddeps 2>&1 |
		sed -n 's/.*[Uu]nmet build dependencies: //p' |
		sed 's/([^)]*)//g; s/|[^ ]*//g; s/:native//g') || true
	pkgs="$missing"
	command -v lintian >/dev/null || pkgs="$pkgs lintian"
	command -v jq >/dev/null || pkgs="$pkgs jq"
	if [ -n "$(echo $pkgs)" ]; then
		say "installing:" $pkgs
		export DEBIAN_FRONTEND=noninteractive
		apt-get -o DPkg::Lock::Timeout=900 update -qq
		# shellcheck disable=SC2086
		timeout 1200 apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
			--no-install-recommends $pkgs >/dev/null
	fi

	case " ${DEB_BUILD_OPTIONS:-} " in
	*" nocheck "*) say "DEB_BUILD_OPTIONS has nocheck: the package build does not run its unit tests" ;;
	esac
	say "dpkg-buildpackage -us -uc -b (log: build.log)"
	if ! (cd "$work/src" && timeout 1200 dpkg-buildpackage -us -uc -b) \
		>"$work/build.log" 2>&1; then
		tail -n 40 "$work/build.log" >&2
		die "dpkg-buildpackage failed"
	fi
	debs=$work
	grep -E '^# (TOTAL|PASS|FAIL)' "$work/build.log" | tr '\n' ' '
	echo
fi
command -v jq >/dev/null || die "jq missing (apt-get install jq)"
deb=$(ls "$debs"/frr-vpnha_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "no frr-vpnha_*.deb in $debs"
dpkg-deb -f "$deb" Package Version Depends Recommends

# lintian runs beside the throwaway root (~30-40 s of one core, while the
# test there mostly waits for daemons); its verdict is read at the end.
if command -v lintian >/dev/null; then
	changes=$(ls "$debs"/frr-vpnha_*.changes 2>/dev/null | head -n 1)
	say "lintian -I --pedantic ${changes:+$(basename "$changes")} (in the background)"
	lintian -I --pedantic --fail-on error,warning "${changes:-$deb}" \
		>"$work/lintian.log" 2>&1 &
	lint_pid=$!
fi

cp "$deb" "$0" "$work/pkg/"
# frr-vpnha-netconf, when there (netconf_check)
ncdeb=$(ls "$debs"/frr-vpnha-netconf_*.deb 2>/dev/null | head -n 1)
[ -z "$ncdeb" ] || cp "$ncdeb" "$work/pkg/"

# The previous build for the upgrade test: these packages with a lower
# version, VERSION~pkgtest.prev (no earlier release of frr-vpnha exists to
# download; the maintainer scripts are therefore this build's too).  dpkg
# runs the real upgrade sequence on it: prerm upgrade, preinst upgrade
# with the diversions in place, the binaries replaced under the running
# vpnhad, postinst configure PREVIOUS-VERSION.
ver=$(dpkg-deb -f "$deb" Version)
prevver="$ver~pkgtest.prev"
mkdir "$work/pkg/prev"
for d in "$deb" $ncdeb; do
	x=$work/prev.tree
	rm -rf "$x"
	dpkg-deb -R "$d" "$x"
	sed -i -e "s/^Version: .*/Version: $prevver/" \
		-e "/^Depends:/s/frr-vpnha (= $ver)/frr-vpnha (= $prevver)/" "$x/DEBIAN/control"
	# Builds before this one shipped the ipsec.service drop-in as
	# /lib/systemd/... (an aliased location on merged-/usr systems):
	# the previous build keeps that layout, so that the upgrade proves
	# the move to /usr/lib does not lose the file.
	if [ -d "$x/usr/lib/systemd" ]; then
		mkdir -p "$x/lib"
		mv "$x/usr/lib/systemd" "$x/lib/"
		sed -i 's|  usr/lib/systemd/|  lib/systemd/|' "$x/DEBIAN/md5sums"
	fi
	dpkg-deb -b "$x" "$work/pkg/prev/" >/dev/null ||
		die "dpkg-deb -b of the previous build of $(basename "$d") failed"
	rm -rf "$x"
done
cp "$top/debian/tests/vpnhad-scheme" "$work/pkg/"
[ "$(basename "$0")" = pkgtest.sh ] || mv "$work/pkg/$(basename "$0")" "$work/pkg/pkgtest.sh"

say "throwaway root: unshare --mount --pid --net, overlay of /, chroot"
rc=0
timeout --kill-after=10 300 unshare --mount --pid --net --fork --kill-child=KILL \
	--propagation private /bin/sh "$work/pkg/pkgtest.sh" --inside "$work" &
ns_pid=$!
wait $ns_pid || rc=$?
ns_pid=
lrc=0
if [ -n "$lint_pid" ]; then
	wait "$lint_pid" || lrc=$?
	lint_pid=
	say "lintian: exit status $lrc"
	grep -v 'running with root privileges' "$work/lintian.log" || true
fi
[ $rc = 0 ] || die "package test failed (rc=$rc)"
[ $lrc = 0 ] || die "lintian reports errors or warnings"
say "PASS"
