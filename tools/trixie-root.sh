#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# trixie-root.sh: run a command in a fresh Debian 13 (trixie) machine, as
# a newcomer would have it: a new `debootstrap --variant=minbase trixie`
# root (nothing else installed), a clean clone of this repository's
# current commit in /root/frr-vpnha, the command run there as root.
#
#   unshare --mount --pid --fork: a private mount namespace and a pid
#   namespace; /proc (of the new pid namespace), /sys, /dev, /dev/pts,
#   /run (tmpfs) are mounted in the root; the host's network namespace
#   is shared, so tests create their own network namespaces
#   (/run/netns lives on the root's /run) and QEMU (TCG) works as on the
#   host.  When the command ends (or fails, or is interrupted) the
#   namespaces end: every process and mount in them goes, and the root
#   directory is removed.
#
# Cached on the host, so a second run needs no network: only what
# Debian's archive serves, never results:
#   $TRIXIE_CACHE/debootstrap   .debs debootstrap downloaded
#   $TRIXIE_CACHE/archives      .debs apt-get downloaded in the root
#                               (/var/cache/apt/archives)
#   $TRIXIE_CACHE/src           Debian sources and .debs the repo's tools
#                               fetch (/var/cache/frr-vpnha in the root)
#
# Usage: tools/trixie-root.sh [--keep] [--] COMMAND [ARG...]   (as root)
#   e.g. tools/trixie-root.sh tools/test.sh
#   COMMAND runs in /root/frr-vpnha, by /bin/sh -c "$*".
#   --keep  keep the root directory afterwards (its path is printed)
#   --root DIR  reuse DIR, a root kept before (implies --keep; for
#               development: its /root/frr-vpnha is left as it is)
# Env: TRIXIE_CACHE  default /var/cache/frr-vpnha/trixie
#      TRIXIE_WORK   where the root is made, default /var/tmp
#      TRIXIE_MIRROR Debian archive URI, default: the host's (apt sources)
#
# Internal: "--inside ROOT COMMAND" runs in the new namespaces.

set -eu

say() {
	echo "trixie-root: $*" >&2
}
die() {
	say "error: $*"
	exit 1
}

cache=${TRIXIE_CACHE:-/var/cache/frr-vpnha/trixie}

# --------------------------------------------------------------------------
# In the new namespaces (pid 1 of the new pid namespace).
if [ "${1:-}" = "--inside" ]; then
	root=$2
	shift 2
	mount --make-rprivate /
	mirror=$(cat "$root.mirror")
	if [ ! -x "$root/usr/bin/apt-get" ]; then
		say "debootstrap --variant=minbase trixie ($mirror)"
		mkdir -p "$cache/debootstrap"
		debootstrap --variant=minbase --cache-dir="$cache/debootstrap" \
			trixie "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
			{
				tail -n 20 "$root.debootstrap.log" >&2
				die "debootstrap failed (log above)"
			}
	fi
	# apt sources as a Debian 13 installer writes them (deb only: the
	# tools enable deb-src themselves when they need a source).
	rm -f "$root/etc/apt/sources.list"
	cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	# No init system runs here: package scripts must not start daemons
	# in the host's network namespace (a real machine runs them under
	# systemd; the tests start their own, in their own namespaces).
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$root/etc/resolv.conf"

	mkdir -p "$cache/archives/partial" "$cache/src"
	# The root is a mount point (ip netns exec remounts / as a slave).
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs -o mode=755 tmpfs "$root/run"
	mkdir -p "$root/run/lock" "$root/run/netns"
	mount --bind "$cache/archives" "$root/var/cache/apt/archives"
	mkdir -p "$root/var/cache/frr-vpnha"
	mount --bind "$cache/src" "$root/var/cache/frr-vpnha"
	# apt-get keeps what it downloads (no docker-clean here), say so
	echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' \
		>"$root/etc/apt/apt.conf.d/10keep-debs"
	chroot "$root" chown _apt:root /var/cache/apt/archives/partial

	say "running in the Debian 13 root: $*"
	rc=0
	chroot "$root" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 \
		TERM="${TERM:-dumb}" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c 'cd /root/frr-vpnha && exec /bin/sh -c "$1"' sh "$*" || rc=$?
	exit $rc
fi

# --------------------------------------------------------------------------
# On the host.
keep=0
reuse=
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	--root)
		reuse=$(cd "${2:?--root needs a directory}" && pwd) ||
			die "no root at $2"
		keep=1
		shift
		;;
	--) shift; break ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || die "usage: tools/trixie-root.sh [--keep] [--] COMMAND [ARG...]"
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, namespaces)"
command -v debootstrap >/dev/null || {
	say "installing debootstrap on the host"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
		install -y -qq --no-install-recommends debootstrap >/dev/null ||
		die "apt-get install debootstrap failed"
}
top=$(cd "$(dirname "$0")/.." && pwd)
command -v git >/dev/null || die "git is needed to clone the repository"
commit=$(git -C "$top" rev-parse HEAD) || die "$top is not a git clone"
[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes in $top are not in the root (it gets commit ${commit%"${commit#????????????}"})"

mirror=${TRIXIE_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ { print $2; exit }')
	[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*\) .*/\1/p' \
		/etc/apt/sources.list 2>/dev/null | head -n1)
	[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
fi

if [ -n "$reuse" ]; then
	root=$reuse
	[ -x "$root/usr/bin/apt-get" ] || die "$root is not a Debian root"
else
	mkdir -p "${TRIXIE_WORK:-/var/tmp}"
	root=$(mktemp -d "${TRIXIE_WORK:-/var/tmp}/frr-vpnha-trixie.XXXXXX")
	chmod 755 "$root"
fi
echo "$mirror" >"$root.mirror"

cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	# The mounts were private to the namespace that ended; never remove
	# anything while one is still visible (it could be the host's /dev).
	if grep -q " $root/" /proc/self/mountinfo; then
		say "mounts under $root still present, not removing it"
	elif [ $keep = 1 ]; then
		say "kept the root in $root"
	else
		rm -rf --one-file-system "$root"
	fi
	rm -f "$root.mirror" "$root.debootstrap.log"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The clean clone of the current commit (git clone: only committed
# files, none of this tree's build products).
if [ ! -d "$root/root/frr-vpnha" ]; then
	mkdir -p "$root/root"
	git clone -q --no-hardlinks "$top" "$root/root/frr-vpnha" ||
		die "git clone of $top failed"
	git -C "$root/root/frr-vpnha" checkout -q "$commit"
fi

# unshare ignores SIGTERM/SIGINT while it waits: on a signal, kill the
# new pid namespace's init, which takes every process in it along.
upid=
stop_ns() {
	if [ -n "$upid" ]; then
		init=$(pgrep -P "$upid" 2>/dev/null || true)
		[ -z "$init" ] || kill -KILL $init 2>/dev/null || true
		wait "$upid" 2>/dev/null || true
	fi
}
trap 'stop_ns; exit 130' INT
trap 'stop_ns; exit 143' TERM
trap 'stop_ns; exit 129' HUP

start=$(date +%s)
rc=0
unshare --mount --pid --fork --kill-child --propagation private \
	"$top/tools/trixie-root.sh" --inside "$root" "$@" &
upid=$!
wait "$upid" || rc=$?
upid=
say "exit status $rc after $(($(date +%s) - start)) s"
exit $rc
