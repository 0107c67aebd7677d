#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test.sh: set up (packages, FRR kit, build) and run every test:
# the CUnit unit tests, the namespace integration tests (make check), the
# Debian package test (tools/pkgtest.sh) and the full-kernel (QEMU)
# libreswan failover test (tests/vm/run-vpnha.sh).
# Tests the platform it runs on (Debian 12 / FRR 8.4.4 or Debian 13 /
# FRR 10.3); it never builds the other one.
# Usage: tools/test.sh [--quick]   (as root, on Debian 12 or 13)
#   --quick  only what needs no network namespace, package build or VM:
#            the CUnit tests, YANG lint, the documentation check and the
#            fuzz smoke (a minute or two, for development)

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
quick=0
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*)
	echo "usage: tools/test.sh [--quick]" >&2
	exit 2
	;;
esac
tools/setup.sh
if [ $quick = 1 ]; then
	rc=0
	make -s -C build check TESTS= >/dev/null # builds the unit tests
	units=$(cd build && for f in tests/unit/test_*; do
		case "$f" in *.*) continue ;; esac
		[ -f "$f" ] && [ -x "$f" ] && echo "$f"
	done)
	make -C build check VERBOSE=1 TESTS="$(echo $units) tests/yang/lint.sh tests/doc/check-doc.sh tests/fuzz/run.sh" || rc=$?
	summary=$(cat build/tests/unit/*.log 2>/dev/null |
		awk '$1 == "tests" && NF >= 6 { p += $4; f += $5 }
		END { printf "%d passed, %d failed", p, f }')
	for t in tests/yang/lint.sh tests/doc/check-doc.sh tests/fuzz/run.sh; do
		r=$(sed -n 's/^:test-result: //p' "build/$t.trs" 2>/dev/null)
		case "$r" in
		PASS) summary=$(echo "$summary" | awk -F'[ ,]+' '{ printf "%d passed, %d failed", $1 + 1, $3 }') ;;
		SKIP) echo "skipped: $t (reason in build/$t.log)" ;;
		*) summary=$(echo "$summary" | awk -F'[ ,]+' '{ printf "%d passed, %d failed", $1, $3 + 1 }') ;;
		esac
	done
	echo "platform: $(. /etc/os-release && echo "$PRETTY_NAME"), frr $(dpkg-query -W -f='${Version}' frr) (--quick)"
	echo "$summary"
	exit $rc
fi
# The unpacked libreswan (never installed: it conflicts with strongSwan)
# and the QEMU kernel: the host-side libreswan tests need the former.
tests/vm/prepare.sh

rc=0
make -C build check VERBOSE=1 || rc=$?

# Whole-system tests, one result each:
# - the Debian package: build, lintian, install/use/remove/purge in a
#   throwaway root (the machine is not changed);
# - full-kernel mode: a Debian kernel under QEMU, two libreswan xfrmi
#   tunnels generated and brought up by vpnhad, kernel ESP: traffic,
#   ESP-drop and SA-loss failover and failback, no failover at 5 % loss;
# - full-kernel mode, strongSwan backend: charon with kernel ESP and an
#   XFRM interface, driven by vpnhad over VICI against a libreswan peer:
#   SA up, traffic, SA loss seen at once, re-initiation, recovery.
# - full-kernel mode, VRF: tunnels (veth pairs) and routes in VRF cust1
#   beside the same prefix in the default VRF: routes in the VRF's
#   table, probes through it, failover and failback in each VRF alone,
#   the VRF created after the configuration and deleted.
extra_pass=0
extra_fail=0
failed_extra=
for t in tools/pkgtest.sh tests/vm/run-vpnha.sh tests/vm/run-strongswan-xfrm.sh tests/vm/run-vpnha-vrf.sh; do
	case $t in
	# The package build skips its unit tests (nocheck): the same sources'
	# unit, YANG and doc tests ran above in "make check".
	tools/pkgtest.sh)
		set -- env DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }nocheck" "$t"
		;;
	*) set -- "$t" ;;
	esac
	if "$@"; then
		extra_pass=$((extra_pass + 1))
	else
		echo "FAIL: $t"
		failed_extra="$failed_extra $t"
		extra_fail=$((extra_fail + 1))
		rc=1
	fi
done

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
# The script tests of make check (YANG lint, documentation, fuzz smoke):
# one case each, from automake's .trs.
for t in tests/yang/lint.sh tests/doc/check-doc.sh tests/fuzz/run.sh; do
	case "$(sed -n 's/^:test-result: //p' "build/$t.trs" 2>/dev/null)" in
	PASS) extra_pass=$((extra_pass + 1)) ;;
	SKIP) echo "skipped: $t (reason in build/$t.log)" ;;
	*)
		failed_extra="$failed_extra $t"
		extra_fail=$((extra_fail + 1))
		;;
	esac
done
summary=$(printf '%s\n%d passed, %d failed\n' "$summary" $extra_pass $extra_fail |
	awk -F'[ ,]+' '{ p += $1; f += $3 } END { printf "%d passed, %d failed", p, f }')
# Skips print their reason where they happen; here their number.
skipped=$(cat build/tests/unit/*.log build/tests/integration/*.log 2>/dev/null |
	awk '/^=+ .*(passed|failed|skipped).* in [0-9.]+s/ {
		for (i = 1; i <= NF; i++) if ($(i) ~ /^skipped/) s += $(i - 1) }
	END { print s + 0 }')
echo "skipped: $skipped (reasons above: pytest -rs, SKIP lines)"
# The failed cases by name (pytest's short summary, CUnit's failures),
# so that the end of the output says which.
cat build/tests/integration/*.log 2>/dev/null | sed -n 's/^\(FAILED\|ERROR\) \([^ ]*\).*/failed: \2/p'
for f in build/tests/unit/*.log; do
	[ -f "$f" ] || continue
	sed -n "s|^ *Test: \(.*\) \.\.\.FAILED.*|failed: ${f#build/}: \1|p" "$f"
done
for t in $failed_extra; do echo "failed: $t"; done

echo "platform: $(. /etc/os-release && echo "$PRETTY_NAME"), frr $(dpkg-query -W -f='${Version}' frr)"
echo "$summary"
exit $rc
