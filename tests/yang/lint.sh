#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The YANG module must pass libyang's yanglint, strictly (warnings fail),
# and the README's example must be valid data for it.
set -eu
src=${VPNHA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v yanglint >/dev/null || {
	echo "yanglint missing (apt-get install libyang2-tools)"
	exit 99
}
out=$(yanglint "$src/yang/frr-vpnhad.yang" 2>&1) || {
	echo "$out"
	exit 1
}
if [ -n "$out" ]; then
	echo "yanglint warnings:"
	echo "$out"
	exit 1
fi
echo "yanglint: frr-vpnhad.yang ok"

# The README example, as instance data.
data=$(mktemp --suffix=.json)
trap 'rm -f "$data"' EXIT
cat >"$data" <<'JSON'
{"frr-vpnhad:vpnhad": {
  "gateway": {"name": "idc-gw", "local-address": "198.51.100.1"},
  "peer": [{"name": "cloud-a", "address": "203.0.113.1"},
           {"name": "cloud-b", "address": "203.0.113.2"}],
  "tunnel": [
    {"name": "primary", "interface": "vti1", "peer": "cloud-a",
     "health-check": {"source": "169.254.1.1", "destination": "169.254.1.2"}},
    {"name": "backup", "interface": "vti2", "peer": "cloud-b",
     "health-check": {"source": "169.254.2.1", "destination": "169.254.2.2"}}],
  "route": [{"prefix": "10.20.0.0/16", "tunnel": "primary", "weight": 0},
            {"prefix": "10.20.0.0/16", "tunnel": "backup", "weight": 100}]}}
JSON
yanglint -t config "$src/yang/frr-vpnhad.yang" "$data"
echo "yanglint: README example is valid configuration data"

# Values the core refuses (vpnha_check.c) are refused by the module too,
# so NETCONF clients get the same rule; values it accepts are accepted.
case_data() { # SOURCE DESTINATION LIBRESWAN-DIRECTORY
	cat <<JSON
{"frr-vpnhad:vpnhad": {
  "ipsec": {"libreswan-directory": "$3"},
  "tunnel": [{"name": "t", "interface": "vti1",
     "health-check": {"source": "$1", "destination": "$2"}}]}}
JSON
}
check_case() { # want(ok|refused) SOURCE DESTINATION DIR
	case_data "$2" "$3" "$4" >"$data"
	if yanglint -t config "$src/yang/frr-vpnhad.yang" "$data" >/dev/null 2>&1; then
		got=ok
	else
		got=refused
	fi
	if [ "$got" != "$1" ]; then
		echo "FAIL: source $2 destination $3 directory $4: $got, want $1"
		exit 1
	fi
}
d=/etc/ipsec.d/vpnhad
for a in 0.0.0.0 127.0.0.1 127.9.9.9 224.0.0.5 239.1.1.1 255.255.255.255 240.0.0.1; do
	check_case refused "$a" 169.254.1.2 $d
	check_case refused 169.254.1.1 "$a" $d
done
for a in :: ::1 ff02::1 fe80::1 FE80::2 febf::1 ::ffff:10.0.0.1; do
	check_case refused "$a" 2001:db8::2 $d
	check_case refused 2001:db8::1 "$a" $d
done
check_case ok 169.254.1.1 169.254.1.2 $d
check_case ok 10.0.0.1 223.255.255.255 $d
check_case ok 2001:db8::1 fd00::2 $d
for p in /etc/../tmp /etc/ipsec.d/.. /./x /x/. /x//y /x/ / relative; do
	check_case refused 169.254.1.1 169.254.1.2 "$p"
done
for p in /etc/ipsec.d/vpnhad /x/...y /x/.hidden /x/..y /a; do
	check_case ok 169.254.1.1 169.254.1.2 "$p"
done
echo "yanglint: health-check addresses and paths refused as the core refuses them"
