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
