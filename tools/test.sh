#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test.sh: set up (packages, FRR kit, build) and run every test:
# the CUnit unit tests, the namespace integration tests (make check) and
# the Debian package test (tools/pkgtest.sh).
# Usage: tools/test.sh   (as root, on Debian 12)

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/setup.sh

rc=0
make -C build check VERBOSE=1 || rc=$?

# The Debian package: build, lintian, install/use/remove/purge in a
# throwaway root (the machine is not changed).
pkg_rc=0
tools/pkgtest.sh || pkg_rc=$?
[ $pkg_rc = 0 ] || rc=$pkg_rc

# One summary line over all test cases: CUnit's "tests" rows and
# pytest's closing line, from the logs automake kept.
summary=$(cat build/tests/unit/*.log build/tests/integration/*.log 2>/dev/null |
	awk '
	$1 == "tests" && NF >= 6 { p += $4; f += $5 }
	/^=+ .*(passed|failed).* in [0-9.]+s/ {
		for (i = 1; i <= NF; i++) {
			if ($(i) ~ /^passed/) p += $(i - 1)
			if ($(i) ~ /^failed/ || $(i) ~ /^error/) f += $(i - 1)
		}
	}
	END { printf "%d passed, %d failed", p, f }')
# pkgtest counts as one test.
if [ $pkg_rc = 0 ]; then pkgres="1 passed, 0 failed"; else pkgres="0 passed, 1 failed"; fi
summary=$(printf '%s\n%s\n' "$summary" "$pkgres" |
	awk -F'[ ,]+' '{ p += $1; f += $3 } END { printf "%d passed, %d failed", p, f }')
echo "$summary"
exit $rc
