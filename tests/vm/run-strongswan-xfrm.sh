#!/bin/sh
# tests/vm/run-strongswan-xfrm.sh — host side: prepare the test VM
# (idempotent, needs root) and run tests/vm/vpnha-strongswan-xfrm.sh
# inside it (vpnhad's strongSwan backend over VICI, charon with
# kernel-netlink = kernel ESP, XFRM interface ipsec1 if_id 1, against a
# libreswan peer; SA up, traffic, SA loss and re-initiation).
# Exits with the guest script's status (124 timeout, 125 VM failure).
# Needs build/frr-plugin/vpnhad, the patched vtysh (.frr-kit) and
# strongSwan on the host (charon-systemd, swanctl: the VM's root is /).
# Environment: VM_TIMEOUT (default 300), plus everything run.sh takes;
# SA_UP_BOUND, SA_DOWN_BOUND, RECOVER_BOUND and ALL_DOWN_ACTION are
# passed to the guest script.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
if [ "$(id -u)" = 0 ]; then
    "$HERE/prepare.sh" || { echo "run-strongswan-xfrm.sh: prepare.sh failed" >&2; exit 125; }
else
    sudo -n "$HERE/prepare.sh" || { echo "run-strongswan-xfrm.sh: prepare.sh failed (needs root)" >&2; exit 125; }
fi
[ -x "$TOP/build/frr-plugin/vpnhad" ] || { echo "run-strongswan-xfrm.sh: build/frr-plugin/vpnhad missing (build first)" >&2; exit 125; }
ls "$TOP"/.frr-kit/frr-*/vtysh/.libs/vtysh >/dev/null 2>&1 || { echo "run-strongswan-xfrm.sh: patched vtysh missing (tools/frr-kit.sh --vtysh)" >&2; exit 125; }
for f in /usr/sbin/charon-systemd /usr/sbin/swanctl /usr/lib/ipsec/plugins/libstrongswan-kernel-netlink.so /usr/lib/ipsec/plugins/libstrongswan-vici.so /usr/lib/ipsec/plugins/libstrongswan-gmp.so; do
    [ -e "$f" ] || { echo "run-strongswan-xfrm.sh: $f missing (apt-get install charon-systemd strongswan-swanctl)" >&2; exit 125; }
done
cd "$TOP" || exit 125
env=""
for v in SA_UP_BOUND SA_DOWN_BOUND RECOVER_BOUND ALL_DOWN_ACTION; do
    eval "x=\${$v:-}"
    case $x in *[!A-Za-z0-9.-]*) echo "run-strongswan-xfrm.sh: bad $v" >&2; exit 2 ;; esac
    [ -n "$x" ] && env="$env $v=$x"
done
VM_TIMEOUT=${VM_TIMEOUT:-300} exec "$HERE/run.sh" "${env:+env$env }$TOP/tests/vm/vpnha-strongswan-xfrm.sh"
