#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# demo.sh: the live demo.  Sets everything up (packages, FRR kit, build),
# then in two network namespaces:
#   router "idc"  -- vti1 (primary) --+
#                 -- vti2 (backup)  --+-- "cloud" (both peer gateways,
#                                          owns 10.20.0.0/16)
# runs zebra + vpnhad configured as in the README, and shows:
#   1. both routes in zebra, the primary in the kernel;
#   2. a planned switch (shutdown of the primary) and back;
#   3. a silent failure (the cloud drops the primary's probes and traffic,
#      interface still up): vpnhad detects it, zebra moves to the backup;
#   4. recovery: failback after the recovery count and hold-down.
# Everything is torn down at the end, also on failure or Ctrl-C.
#
# The tunnels here are veth pairs standing in for route-based IPsec
# interfaces (vti/xfrmi): vpnhad treats both alike.
#
# Usage: tools/demo.sh   (as root, on Debian 12)

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

R=vpnhademo-idc
P=vpnhademo-cloud
NFT_TABLE=vpnhademo

step() {
	printf '\n\033[1m==> %s\033[0m\n' "$*"
}
info() {
	printf '    %s\n' "$*"
}

cleanup() {
	set +e
	for ns in $R $P; do
		for pid in $(ip netns pids $ns 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -z "$(ip netns pids $R 2>/dev/null)$(ip netns pids $P 2>/dev/null)" ] && break
		sleep 0.2
	done
	for ns in $R $P; do
		for pid in $(ip netns pids $ns 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del $ns 2>/dev/null
	done
	rm -rf /etc/frr/$R /var/run/frr/$R
}
trap cleanup EXIT INT TERM

step "Setting up (Debian packages, FRR build kit, build)"
tools/setup.sh
kit=$(tools/frr-kit.sh 2>/dev/null)
VTYSH=$kit/vtysh/.libs/vtysh
VPNHAD=$top/build/frr-plugin/vpnhad

vty() {
	ip netns exec $R "$VTYSH" -N $R "$@"
}
kroute() {
	ip -n $R route show 10.20.0.0/16 | sed 's/ nhid [0-9]*//'
}
# wait_route DEV SECONDS: poll the kernel until 10.20.0.0/16 uses DEV.
wait_route() {
	local dev=$1 deadline=$((SECONDS + $2))
	while [ $SECONDS -le "$deadline" ]; do
		case "$(kroute)" in *"dev $dev "*) return 0 ;; esac
		sleep 0.02
	done
	echo "demo: kernel route did not move to $dev in $2 s" >&2
	return 1
}
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

cleanup
step "Building the topology: router '$R', cloud '$P', tunnels vti1/vti2"
ip netns add $R
ip netns add $P
ip -n $R link set lo up
ip -n $P link set lo up
for i in 1 2; do
	ip -n $R link add vti$i type veth peer name cvti$i netns $P
	ip -n $R addr add 169.254.$i.1/30 dev vti$i
	ip -n $P addr add 169.254.$i.2/30 dev cvti$i
	ip -n $R link set vti$i up
	ip -n $P link set cvti$i up
	ip netns exec $P sysctl -qw net.ipv4.conf.cvti$i.proxy_arp=1 \
		net.ipv4.neigh.cvti$i.proxy_delay=0
done
ip -n $P addr add 10.20.0.1/16 dev lo

mkdir -p /etc/frr/$R /var/run/frr/$R
touch /etc/frr/$R/vtysh.conf /etc/frr/$R/zebra.conf
chown -R frr:frr /etc/frr/$R /var/run/frr/$R
ip netns exec $R /usr/lib/frr/zebra -N $R -d -P 0 --log file:/var/run/frr/$R/zebra.log
ip netns exec $R "$VPNHAD" -N $R -d -P 0 --log file:/var/run/frr/$R/vpnhad.log
for _ in $(seq 50); do vty -c "show vpn-ha" >/dev/null 2>&1 && break; sleep 0.1; done

step "Configuring vpnhad from vtysh (the README example)"
cat >/var/run/frr/$R/example.conf <<'EOF'
vpn-ha
 gateway idc-gw local-address 198.51.100.1
 peer cloud-a
  address 203.0.113.1
 exit
 peer cloud-b
  address 203.0.113.2
 exit
 tunnel primary
  interface vti1
  peer cloud-a
  health-check source 169.254.1.1 destination 169.254.1.2
 exit
 tunnel backup
  interface vti2
  peer cloud-b
  health-check source 169.254.2.1 destination 169.254.2.2
 exit
 route 10.20.0.0/16 tunnel primary weight 0
 route 10.20.0.0/16 tunnel backup weight 100
exit
EOF
sed 's/^/    /' /var/run/frr/$R/example.conf
args=(-c "configure terminal")
while IFS= read -r line; do args+=(-c "$line"); done </var/run/frr/$R/example.conf
vty "${args[@]}"
wait_route vti1 5

step "Both tunnels healthy: show vpn-ha"
sleep 0.5
vty -c "show vpn-ha"
step "zebra holds both routes (distance 1 and 101), the kernel uses the primary"
vty -c "show ip route 10.20.0.0/16" | sed -n '/Routing entry/,$p' | sed 's/^/    /'
info "kernel: $(kroute)"

step "Planned switch: 'shutdown' on tunnel primary"
t0=$(now_ms)
vty -c "configure terminal" -c "vpn-ha" -c "tunnel primary" -c "shutdown"
wait_route vti2 5
info "kernel: $(kroute)   ($(($(now_ms) - t0)) ms, including vtysh)"
vty -c "configure terminal" -c "vpn-ha" -c "tunnel primary" -c "no shutdown"
wait_route vti1 5
info "no shutdown -> kernel: $(kroute)"
sleep 1.5

step "Silent failure: the cloud drops everything arriving over the primary"
info "(nftables in '$P'; vti1 stays UP, like an IPsec SA that stops passing traffic)"
ip netns exec $P nft -f - <<EOF
table inet $NFT_TABLE {
	chain in {
		type filter hook prerouting priority -300;
		iifname "cvti1" drop
	}
}
EOF
t0=$(now_ms)
wait_route vti2 10
fail_ms=$(($(now_ms) - t0))
info "kernel moved to the backup $fail_ms ms after the failure: $(kroute)"
vty -c "show vpn-ha tunnel primary"
json=$(vty -c "show vpn-ha tunnel primary json")
detect=$(echo "$json" | python3 -c 'import json,sys; f=json.load(sys.stdin)["tunnels"]["primary"]["lastFailover"]; print(f["detectionMs"], f["switchMs"])')

step "Recovery: the cloud passes traffic again"
ip netns exec $P nft delete table inet $NFT_TABLE
t0=$(now_ms)
wait_route vti1 20
back_ms=$(($(now_ms) - t0))
info "failback $back_ms ms after recovery (recovery count 10 x 100 ms + 3000 ms hold-down)"
vty -c "show vpn-ha route"

step "Summary"
printf '    %-44s %s\n' "event" "time"
printf '    %-44s %s\n' "silent failure -> kernel on backup" "$fail_ms ms"
printf '    %-44s %s\n' "  vpnhad: last good reply -> down verdict" "${detect% *} ms"
printf '    %-44s %s\n' "  vpnhad: down verdict -> zebra installed" "${detect#* } ms"
printf '    %-44s %s\n' "recovery -> kernel back on primary" "$back_ms ms"
info "defaults: probe every 100 ms, 500 ms timeout, down after 5 misses"
info "logs were in /var/run/frr/$R (removed with the namespaces)"
step "Tearing down"
