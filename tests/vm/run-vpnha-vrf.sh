#!/bin/sh
# tests/vm/run-vpnha-vrf.sh — host side: prepare the test VM (idempotent,
# needs root) and run tests/vm/vpnha-vrf.sh inside it (tunnels and
# routes in VRF cust1 beside the same prefix in the default VRF; the
# host kernel has no VRF).  Exits with the guest script's status (124
# timeout, 125 VM failure).  Needs build/frr-plugin/vpnhad and the
# patched vtysh (.frr-kit).  Environment: VM_TIMEOUT (default 180), plus
# everything run.sh takes.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
if [ "$(id -u)" = 0 ]; then
    "$HERE/prepare.sh" || { echo "run-vpnha-vrf.sh: prepare.sh failed" >&2; exit 125; }
else
    sudo -n "$HERE/prepare.sh" || { echo "run-vpnha-vrf.sh: prepare.sh failed (needs root)" >&2; exit 125; }
fi
[ -x "$TOP/build/frr-plugin/vpnhad" ] || { echo "run-vpnha-vrf.sh: build/frr-plugin/vpnhad missing (build first)" >&2; exit 125; }
ls "$TOP"/.frr-kit/frr-*/vtysh/.libs/vtysh >/dev/null 2>&1 || { echo "run-vpnha-vrf.sh: patched vtysh missing (tools/frr-kit.sh --vtysh)" >&2; exit 125; }
cd "$TOP" || exit 125
VM_TIMEOUT=${VM_TIMEOUT:-180} exec "$HERE/run.sh" "$TOP/tests/vm/vpnha-vrf.sh"
