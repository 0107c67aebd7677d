#!/bin/sh
# tests/vm/vpnha-vrf.sh — run INSIDE the test VM (the host kernel has no
# VRF):  tests/vm/run.sh tests/vm/vpnha-vrf.sh   (host side: run-vpnha-vrf.sh)
#
# Tunnels and routes in a VRF (issue 15).  No IPsec: the "tunnels" are
# veth pairs, which is all vpnhad's routes and probes see of them.
#
#   R (zebra + vpnhad); VRF cust1 (table 1001) holds r-c1 and r-c2
#     r-c1 169.254.1.1/30 ---- .1.2 G1   cust1 primary   (tunnel c-primary)
#     r-c2 169.254.2.1/30 ---- .2.2 G2   cust1 backup    (tunnel c-backup)
#     r-c3 2001:db8:1::1/64 ---- ::2 G3  cust1, IPv6     (tunnel c-v6)
#     r-d1 169.254.3.1/30 ---- .3.2 H1   default primary (tunnel d-primary)
#     r-d2 169.254.4.1/30 ---- .4.2 H2   default backup  (tunnel d-backup)
#   10.20.0.0/16 on lo of G1, G2, H1, H2: the same prefix in both VRFs,
#   weight 0 over the primary, 100 over the backup, ICMP health checks;
#   2001:db8:20::/48 over c-v6 (ICMPv6 probes through the VRF).
#
# Checks (PASS/FAIL lines; exit 0 only if all pass):
#   1. configured before the VRF exists: the cust1 tunnels are down
#      ("interface r-c1 is not in VRF cust1"), nothing in table 1001
#   2. VRF created and the interfaces enslaved (zebra's interface
#      vrf-update): the cust1 tunnels come up, probes through the VRF
#      (no reply refused); 10.20.0.0/16 in the kernel's table 1001 and
#      zebra's VRF cust1 via r-c1, in the main table via r-d1 only
#   3. ICMP silently dropped at G1 (nft): cust1 fails over to r-c2,
#      the default VRF's route stays on r-d1; drop removed: failback
#   4. the default VRF's primary fails (nft at H1): main table to r-d2,
#      cust1 stays on r-c1; failback
#   5. show vpn-ha route vrf cust1 json / running-config carry the VRF
#   6. VRF deleted: the cust1 tunnels go down with the reason, the route
#      goes from zebra and the kernel; the default VRF's stays
set -u
W=/tmp/vpnha-vrf
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/vm/vpnha-lib.sh"
VPNHAD=${VPNHAD:-$TOP/build/frr-plugin/vpnhad}
VTYSH=${VTYSH:-$(ls -d "$TOP"/.frr-kit/frr-*/vtysh/.libs/vtysh 2>/dev/null | tail -n 1)}
ZEBRA=${ZEBRA:-/usr/lib/frr/zebra}
BOUND=${BOUND:-10}
NAME=R
PIDS=""
NFAIL=0
NS="R G1 G2 G3 H1 H2"

die() { echo "FAIL: $*"; NFAIL=$((NFAIL+1)); dump; finish; }
# kdev TABLE: the device of the kernel's route to 10.20.0.0/16 in TABLE
kdev() {
    d=$(ip -n R -4 route show table "$1" 10.20.0.0/16 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n 1)
    echo "${d:-none}"
}
# zdev VRF: the interface of zebra's selected route to 10.20.0.0/16 in VRF
zdev() {
    vty -c "show ip route vrf $1 10.20.0.0/16 json" 2>/dev/null | python3 -c '
import json, sys
try:
    j = json.load(sys.stdin)
    for r in j.get("10.20.0.0/16", []):
        if r.get("selected"):
            print(",".join(n.get("interfaceName", "?") for n in r["nexthops"]
                           if n.get("active")))
            sys.exit(0)
    print("none")
except Exception as e:
    print("ERR:%s" % e)
'
}
# wait_for CMD WANT BOUND: poll until CMD prints WANT; prints elapsed s;
# returns 1 if the bound passed
wait_for() {
    s=$(t)
    while :; do
        now=$(t)
        [ "$(eval "$1")" = "$2" ] && { awk -v a="$s" -v b="$now" 'BEGIN{printf "%.2f\n", b-a}'; return 0; }
        awk -v a="$s" -v b="$now" -v m="$3" 'BEGIN{exit !(b-a > m)}' && {
            awk -v a="$s" -v b="$now" 'BEGIN{printf "%.2f\n", b-a}'; return 1; }
        sleep 0.1
    done
}
check() {  # check LABEL CMD WANT BOUND
    el=$(wait_for "$2" "$3" "$4") &&
        pass "$1 ($2 = $3 after $el s)" ||
        bad "$1: $2 = '$(eval "$2")' after $el s, expected '$3'"
}
drop() {  # drop NS IFNAME: silently drop the echo requests R sends NS
    ip netns exec "$1" nft -f - <<EOF || bad "nft in $1"
table inet vpnha {
  chain in {
    type filter hook input priority 0; policy accept;
    iifname "$2" icmp type echo-request counter drop
  }
}
EOF
}
undrop() { ip netns exec "$1" nft delete table inet vpnha || bad "nft delete in $1"; }
dump() {
    echo "==== diagnostics"
    echo "---- R links"; ip -n R -d -br link 2>/dev/null
    echo "---- R addrs"; ip -n R -br addr 2>/dev/null
    echo "---- R main"; ip -n R route 2>/dev/null
    echo "---- R table 1001"; ip -n R route show table 1001 2>/dev/null
    echo "---- show vpn-ha"; vty -c "show vpn-ha" 2>/dev/null
    echo "---- show ip route vrf all"; vty -c "show ip route vrf all" 2>/dev/null
    echo "---- zebra log"; tail -n 30 "$W/log/zebra.log" 2>/dev/null
    echo "---- vpnhad log"; tail -n 60 "$W/log/vpnhad.log" 2>/dev/null
}
finish() {
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    i=0
    for p in $PIDS; do
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do i=$((i+1)); sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    if [ $NFAIL -eq 0 ]; then echo "RESULT: PASS"; exit 0; fi
    echo "RESULT: FAIL ($NFAIL failed checks)"; exit 1
}

[ -e /vmjob ] || { echo "run me inside the VM: tests/vm/run.sh $0"; exit 2; }
for f in "$VPNHAD" "$VTYSH" "$ZEBRA"; do [ -x "$f" ] || { echo "FAIL: missing $f"; exit 1; }; done
T0=$(t)
rm -rf "$W"; mkdir -p "$W/log"; chmod 777 "$W/log"
modprobe vrf 2>/dev/null
echo "sysctl net.ipv4.raw_l3mdev_accept=$(cat /proc/sys/net/ipv4/raw_l3mdev_accept 2>/dev/null)"

# ---- topology (the VRF comes later)
for n in $NS; do ip netns add $n || die "netns $n"; ip -n $n link set lo up; done
i=1
for p in "c1 G1" "c2 G2" "d1 H1" "d2 H2"; do
    set -- $p
    ip link add r-$1 netns R type veth peer name p-$1 netns $2 || die "veth r-$1"
    ip -n R addr add 169.254.$i.1/30 dev r-$1
    ip -n $2 addr add 169.254.$i.2/30 dev p-$1
    ip -n R link set r-$1 up; ip -n $2 link set p-$1 up
    ip -n $2 addr add 10.20.0.1/16 dev lo
    i=$((i+1))
done
ip link add r-c3 netns R type veth peer name p-c3 netns G3 || die "veth r-c3"
ip -n G3 addr add 2001:db8:1::2/64 dev p-c3 nodad
ip -n G3 addr add 2001:db8:20::1/48 dev lo
ip -n R link set r-c3 up; ip -n G3 link set p-c3 up

# ---- FRR, configured before the VRF exists
frr_start
cfg=$(vty -c "configure terminal" -c "vpn-ha" \
    -c "tunnel c-primary" -c "interface r-c1" -c "vrf cust1" \
    -c "health-check source 169.254.1.1 destination 169.254.1.2" -c "exit" \
    -c "tunnel c-backup" -c "interface r-c2" -c "vrf cust1" \
    -c "health-check source 169.254.2.1 destination 169.254.2.2" -c "exit" \
    -c "tunnel d-primary" -c "interface r-d1" \
    -c "health-check source 169.254.3.1 destination 169.254.3.2" -c "exit" \
    -c "tunnel d-backup" -c "interface r-d2" \
    -c "health-check source 169.254.4.1 destination 169.254.4.2" -c "exit" \
    -c "tunnel c-v6" -c "interface r-c3" -c "vrf cust1" \
    -c "health-check source 2001:db8:1::1 destination 2001:db8:1::2" -c "exit" \
    -c "route 2001:db8:20::/48 tunnel c-v6" \
    -c "route 10.20.0.0/16 tunnel c-primary weight 0" \
    -c "route 10.20.0.0/16 tunnel c-backup weight 100" \
    -c "route 10.20.0.0/16 tunnel d-primary weight 0" \
    -c "route 10.20.0.0/16 tunnel d-backup weight 100" -c "exit" 2>&1)
rc=$?
if [ $rc -ne 0 ] || echo "$cfg" | grep -q '^ *%'; then
    echo "$cfg"; die "vpnhad configuration rejected (rc=$rc)"
fi
bad_vrf=$(vty -c "configure terminal" -c "vpn-ha" -c "tunnel c-primary" -c "vrf bad/name" 2>&1)
echo "$bad_vrf" | grep -q "tunnel vrf 'bad/name' is invalid" \
    && pass "a bad VRF name is refused: $(echo "$bad_vrf" | grep -m1 '%')" \
    || bad "bad VRF name not refused as expected: $bad_vrf"
T1=$(t)

# 1. the VRF does not exist yet
check "default VRF: d-primary up" "jget d-primary 'j[\"state\"]'" up "$BOUND"
check "default VRF: main table via r-d1" "kdev main" r-d1 "$BOUND"
r=$(jget c-primary 'j["reason"]')
[ "$(jget c-primary 'j["state"]')" = down ] && [ "$r" = "interface r-c1 is not in VRF cust1" ] \
    && pass "before the VRF exists: c-primary down ($r)" \
    || bad "before the VRF exists: c-primary $(jget c-primary 'j["state"]') ($r)"
[ "$(kdev main)" = r-d1 ] && pass "main table holds only the default VRF's route" \
    || bad "main table route on $(kdev main)"

# 2. VRF up, interfaces enslaved
ip -n R link add cust1 type vrf table 1001 || die "ip link add cust1 type vrf (no VRF in this kernel?)"
ip -n R link set cust1 up
ip -n R link set r-c1 master cust1 || die "enslave r-c1"
ip -n R link set r-c2 master cust1 || die "enslave r-c2"
ip -n R link set r-c3 master cust1 || die "enslave r-c3"
# (after enslaving: the link cycles and IPv6 addresses would go)
ip -n R addr add 2001:db8:1::1/64 dev r-c3 nodad
T2=$(t)
check "cust1: c-primary up through the VRF" "jget c-primary 'j[\"state\"]'" up "$BOUND"
check "cust1: c-backup up through the VRF" "jget c-backup 'j[\"state\"]'" up "$BOUND"
check "kernel table 1001 via r-c1" "kdev 1001" r-c1 "$BOUND"
check "cust1: c-v6 up (ICMPv6 probes through the VRF)" "jget c-v6 'j[\"state\"]'" up "$BOUND"
check "kernel table 1001 routes 2001:db8:20::/48 via r-c3" \
    "ip -n R -6 route show table 1001 2001:db8:20::/48 | sed -n 's/.* dev \([^ ]*\).*/\1/p'" r-c3 "$BOUND"
rej6=$(jget c-v6 'sum(j["healthCheck"]["rejectedReplies"].values())')
[ "$rej6" = 0 ] && pass "ICMPv6 probes through cust1: no reply refused" \
    || bad "ICMPv6 probes through cust1: refused $(jget c-v6 'j["healthCheck"]["rejectedReplies"]')"
ip -n R -6 route show table main | grep -q 2001:db8:20:: && bad "2001:db8:20::/48 leaked to the main table" \
    || pass "2001:db8:20::/48 not in the main table"
check "zebra VRF cust1 selects r-c1" "zdev cust1" r-c1 "$BOUND"
T3=$(t)
echo "VRF up to routes installed: $(awk -v a="$T2" -v b="$T3" 'BEGIN{printf "%.2f", b-a}') s"
echo "---- ip route show vrf cust1"; ip -n R route show vrf cust1
echo "---- show ip route vrf cust1"; vty -c "show ip route vrf cust1"
[ "$(zdev default)" = r-d1 ] && pass "zebra default VRF still selects r-d1" || bad "zebra default VRF: $(zdev default)"
[ "$(kdev main)" = r-d1 ] && pass "main table still via r-d1 (no cust1 route leaked)" \
    || bad "main table route on $(kdev main)"
ip -n R route show table main | grep -q 'r-c[123]' && bad "a route via r-c1/r-c2/r-c3 in the main table" \
    || pass "no route via r-c1/r-c2/r-c3 in the main table"
rej=$(jget c-primary 'sum(j["healthCheck"]["rejectedReplies"].values())')
rx=$(jget c-primary 'j["healthCheck"]["counters"]["probesReceived"]')
[ "$rej" = 0 ] && [ "$rx" -gt 0 ] 2>/dev/null \
    && pass "probes through cust1: $rx replies taken, none refused (IP_PKTINFO names the enslaved interface)" \
    || bad "probes through cust1: received $rx, refused $rej: $(jget c-primary 'j["healthCheck"]["rejectedReplies"]')"
ip netns exec R busybox ping -c 1 -W 3 -I cust1 10.20.0.1 >/dev/null 2>&1 \
    && pass "traffic: ping 10.20.0.1 in VRF cust1" || bad "ping 10.20.0.1 in VRF cust1"

# 3. silent failure of cust1's primary
drop G1 p-c1
el=$(wait_for "kdev 1001" r-c2 "$BOUND"); ok=$?
[ $ok -eq 0 ] && pass "cust1 failover: table 1001 on r-c2 ${el} s after the drop at G1" \
    || bad "cust1 failover: table 1001 still on $(kdev 1001) after ${el} s"
check "zebra VRF cust1 selects r-c2" "zdev cust1" r-c2 "$BOUND"
echo "c-primary: $(jget c-primary 'j["state"]') ($(jget c-primary 'j["reason"]'))"
[ "$(kdev main)" = r-d1 ] && [ "$(jget d-primary 'j["state"]')" = up ] \
    && pass "default VRF untouched by cust1's failover (main via r-d1, d-primary up)" \
    || bad "default VRF moved: main via $(kdev main), d-primary $(jget d-primary 'j["state"]')"
undrop G1
el=$(wait_for "kdev 1001" r-c1 "$BOUND"); ok=$?
[ $ok -eq 0 ] && pass "cust1 failback: table 1001 on r-c1 ${el} s after restore" \
    || bad "cust1 failback: table 1001 still on $(kdev 1001) after ${el} s"

# 4. silent failure of the default VRF's primary
drop H1 p-d1
el=$(wait_for "kdev main" r-d2 "$BOUND"); ok=$?
[ $ok -eq 0 ] && pass "default VRF failover: main on r-d2 ${el} s after the drop at H1" \
    || bad "default VRF failover: main still on $(kdev main) after ${el} s"
[ "$(kdev 1001)" = r-c1 ] && [ "$(jget c-primary 'j["state"]')" = up ] \
    && pass "cust1 untouched by the default VRF's failover (table 1001 via r-c1)" \
    || bad "cust1 moved: table 1001 via $(kdev 1001), c-primary $(jget c-primary 'j["state"]')"
undrop H1
el=$(wait_for "kdev main" r-d1 "$BOUND"); ok=$?
[ $ok -eq 0 ] && pass "default VRF failback: main on r-d1 ${el} s after restore" \
    || bad "default VRF failback: main still on $(kdev main) after ${el} s"

# 5. show and config
rj=$(vty -c "show vpn-ha route vrf cust1 json" | python3 -c '
import json, sys
j = json.load(sys.stdin)["routes"]
p = j["10.20.0.0/16"]
print(len(j), p["vrf"], p["activeTunnel"], ",".join(x["tunnel"] for x in p["paths"]))')
[ "$rj" = "2 cust1 c-primary c-primary,c-backup" ] \
    && pass "show vpn-ha route vrf cust1 json: $rj" || bad "show vpn-ha route vrf cust1 json: $rj"
ra=$(vty -c "show vpn-ha route json" | python3 -c '
import json, sys
print(",".join(sorted(json.load(sys.stdin)["routes"])))')
[ "$ra" = "10.20.0.0/16,10.20.0.0/16 vrf cust1,2001:db8:20::/48 vrf cust1" ] \
    && pass "show vpn-ha route json keys: $ra" || bad "show vpn-ha route json keys: $ra"
vty -c "show running-config" | grep -A2 "tunnel c-primary" | grep -q "^  vrf cust1" \
    && pass "running-config: vrf cust1 under tunnel c-primary" \
    || bad "running-config lacks vrf cust1: $(vty -c 'show running-config' | grep -A3 'tunnel c-primary')"
vty -c "show vpn-ha tunnel"

# 6. the VRF deleted
ip -n R link del cust1 || bad "ip link del cust1"
check "VRF deleted: c-primary down" "jget c-primary 'j[\"state\"]'" down "$BOUND"
r=$(jget c-primary 'j["reason"]')
[ "$r" = "interface r-c1 is not in VRF cust1" ] && pass "VRF deleted: reason '$r'" \
    || bad "VRF deleted: reason '$r'"
ip -n R route show table 1001 | grep -q 10.20 && bad "table 1001 still routes 10.20.0.0/16" \
    || pass "VRF deleted: nothing left in table 1001"
[ "$(kdev main)" = r-d1 ] && pass "VRF deleted: main table still via r-d1" \
    || bad "VRF deleted: main via $(kdev main)"
# (their connected routes are back in the main table: only ours matter)
ip -n R route show table main 10.20.0.0/16 | grep -q 'r-c[12]' \
    && bad "VRF deleted: 10.20.0.0/16 via a released interface in the main table" \
    || pass "VRF deleted: 10.20.0.0/16 not via the released interfaces in the main table"
[ "$(zdev default)" = r-d1 ] && pass "VRF deleted: zebra's default VRF selects r-d1" \
    || bad "VRF deleted: zebra's default VRF selects $(zdev default)"

T4=$(t)
awk -v a="$T0" -v b="$T1" -v c="$T4" 'BEGIN {
  printf "timing (guest s): topology+FRR+config %.2f, checks %.2f, total %.2f\n", b-a, c-b, c-a }'
[ $NFAIL -eq 0 ] || dump
finish
