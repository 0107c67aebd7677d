#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sanitize.sh: vpnhad and the unit tests under AddressSanitizer +
# UndefinedBehaviorSanitizer (+ LeakSanitizer at exit), in build-asan/.
#
#   tools/sanitize.sh [--unit] [--valgrind] [--integration [PYTEST ARGS...]]
#
#   --unit         build, run the CUnit tests under ASan/UBSan (default)
#   --valgrind     run the (normal build's) unit tests under valgrind
#                  memcheck, errors and definite leaks fatal
#   --integration  the namespace integration suite against the ASan
#                  vpnhad (VPNHA_DAEMON); any sanitizer report fails the
#                  test during which it appeared (tests/integration/
#                  conftest.py, VPNHA_SANITIZER_LOGDIR)
#
# Reports go to files (log_path) under $VPNHA_SANITIZER_LOGDIR (default
# build-asan/sanitizer-logs); a report file = failure.  libfrr and
# libyang are Debian's, not instrumented; the only suppressions are in
# tools/lsan.supp, each with its reason.
#
# Exit: 0 clean, 1 a failure or a report.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bdir=${VPNHA_ASAN_BUILDDIR:-$top/build-asan}
nbuild=${VPNHA_BUILDDIR:-$top/build}
kit=$(sed -n 's/^FRR_KIT = //p' "$nbuild/Makefile" 2>/dev/null || true)
if [ -z "$kit" ]; then
	echo "run tools/setup.sh first (it prepares the FRR kit and build/)" >&2
	exit 1
fi

unit=0 valgrind=0 integration=0
[ $# -eq 0 ] && unit=1
while [ $# -gt 0 ]; do
	case "$1" in
	--unit) unit=1; shift ;;
	--valgrind) valgrind=1; shift ;;
	--integration) integration=1; shift; break ;;
	*) echo "usage: $0 [--unit] [--valgrind] [--integration [PYTEST ARGS...]]" >&2; exit 2 ;;
	esac
done

# No --enable-werror: -O1 makes gcc warn of intended truncations
# (snprintf into fixed fields); the normal build keeps -Werror.
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [ ! -f "$bdir/Makefile" ] || [ configure.ac -nt "$bdir/Makefile" ] ||
	[ Makefile.am -nt "$bdir/Makefile" ] || [ "$0" -nt "$bdir/Makefile" ]; then
	mkdir -p "$bdir"
	(cd "$bdir" && "$top/configure" -q --with-frr-kit="$kit" \
		CFLAGS="-g -O1 $san" \
		LDFLAGS="$san -Wl,--no-as-needed -lcrypto -Wl,--as-needed")
fi
# Not make check's MAKEFLAGS (TESTS=...): called from make, that would recurse.
unset MAKEFLAGS MFLAGS MAKELEVEL TESTS
make -s -C "$bdir" -j2 all
make -s -C "$bdir" -j2 check TESTS= >/dev/null

logs=${VPNHA_SANITIZER_LOGDIR:-$bdir/sanitizer-logs}
rm -rf "$logs"
mkdir -p "$logs"
# vpnhad runs as frr after start-up: it must be able to create reports.
chmod 1777 "$logs"
VPNHA_SANITIZER_LOGDIR=$logs
ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1:check_initialization_order=1"
UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
LSAN_OPTIONS="suppressions=$top/tools/lsan.supp:print_suppressions=0"
export VPNHA_SANITIZER_LOGDIR ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

rc=0
reports() {
	if ls "$logs" | grep -q .; then
		for f in "$logs"/*; do
			echo "=== sanitizer report $f"
			cat "$f"
		done
		return 1
	fi
}

if [ $unit = 1 ]; then
	for t in "$bdir"/tests/unit/test_*; do
		case "$t" in *.o | *.log | *.trs) continue ;; esac
		[ -x "$t" ] || continue
		if "$t" >"$t.asan.out" 2>&1; then
			echo "PASS (asan+ubsan): ${t#$bdir/}"
		else
			echo "FAIL (asan+ubsan): ${t#$bdir/}"
			tail -20 "$t.asan.out"
			rc=1
		fi
	done
	reports || rc=1
fi

if [ $valgrind = 1 ]; then
	make -s -C "$nbuild" -j2 check TESTS= >/dev/null
	for t in "$nbuild"/tests/unit/test_*; do
		case "$t" in *.o | *.log | *.trs) continue ;; esac
		[ -x "$t" ] || continue
		if valgrind -q --error-exitcode=3 --leak-check=full \
			--errors-for-leak-kinds=definite \
			--suppressions="$top/tools/valgrind.supp" \
			"$t" >"$t.valgrind.out" 2>&1; then
			echo "PASS (valgrind memcheck): ${t#$nbuild/}"
		else
			echo "FAIL (valgrind memcheck): ${t#$nbuild/}"
			grep -A15 '==[0-9]*==' "$t.valgrind.out" | head -60
			rc=1
		fi
	done
fi

if [ $integration = 1 ]; then
	VPNHA_DAEMON=$bdir/frr-plugin/vpnhad
	VPNHA_BUILDDIR=$bdir VPNHA_SRCDIR=$top FRR_KIT=$kit
	export VPNHA_DAEMON VPNHA_BUILDDIR VPNHA_SRCDIR FRR_KIT
	tests/integration/run.sh "$@" || rc=1
	reports || rc=1
fi
exit $rc
