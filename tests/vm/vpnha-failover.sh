#!/bin/sh
# tests/vm/vpnha-failover.sh — run INSIDE the test VM:
#   tests/vm/run.sh /work/main/tests/vm/vpnha-failover.sh
#
# vpnhad failover over two real kernel IKEv2/ESP xfrmi tunnels
# (libreswan 4.10, kernel ESP).  R's two connections are not written by
# hand: vpnhad generates them from its vtysh configuration (issue 5),
# loads them into R's pluto, brings them up and watches their SAs:
#
#   R (router: pluto + zebra + vpnhad)
#     r-g1 192.0.2.1/30 ---- 192.0.2.2/30 g1-r  G1 (pluto, ipsec1)
#     r-g2 192.0.2.5/30 ---- 192.0.2.6/30 g2-r  G2 (pluto, ipsec2)
#   tunnels: R conn vpnha-primary (vpnhad) / G1 conn g1, ipsec-interface=1
#              -> R:ipsec1 169.254.1.1/30, G1:ipsec1 .1.2
#            R conn vpnha-backup (vpnhad) / G2 conn g2, ipsec-interface=2
#              -> R:ipsec2 169.254.2.1/30, G2:ipsec2 .2.2
#   selectors 0.0.0.0/0 <-> 0.0.0.0/0; 10.20.0.0/16 lives on lo of G1 and G2.
#   vpnhad (README example): primary on ipsec1 (weight 0), backup on ipsec2
#   (weight 100), ICMP health checks 169.254.N.1 -> 169.254.N.2; the
#   primary's failback hold-down 1 s instead of 3 (the test fails back
#   several times within the damping period and flap damping doubles
#   the hold-down each time: the last failback waited 24 s).
#
# Checks (PASS/FAIL lines; exit 0 only if all pass):
#   1. both IKE/ESP tunnels established by vpnhad from its configuration
#      (files generated, accepted by libreswan, SAs up)
#   2. vpnhad: both tunnels up; kernel route 10.20.0.0/16 dev ipsec1;
#      ESP counters of the G1 SAs rising
#   3. ESP silently dropped at G1 (nft; IKE and ipsec1 stay up) ->
#      route moves to ipsec2 within FAILOVER_BOUND s (measured time and
#      vpnhad's lastFailover printed)
#   4. drop removed -> failback to ipsec1 within FAILBACK_BOUND s
#   5. SA loss: G1 deletes the SAs -> vpnhad sees the SA gone, fails over
#      ("IPsec SA down"), re-initiates the tunnel and fails back
#   6. netem loss 5% on G1's underlay for LOSS_SECS s: no failover
#      (primary failovers counter unchanged, route stays on ipsec1)
#   7. netem delay on G1's underlay (adaptive detection, defaults): an
#      RTT step of +50 ms is learnt without a failover; a step to 300 ms
#      fails over once and fails back by itself; then a steady 300 ms,
#      300 +- 40 ms and 100 +- 40 ms: no failover for RTT_SECS s each
set -u
W=/tmp/vpnha-vm
PSK='vpnha-test-psk-0123456789abcdef0123456789'
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/vm/vpnha-lib.sh"
VPNHAD=${VPNHAD:-$TOP/build/frr-plugin/vpnhad}
VTYSH=${VTYSH:-$(ls -d "$TOP"/.frr-kit/frr-*/vtysh/.libs/vtysh 2>/dev/null | tail -n 1)}
ZEBRA=${ZEBRA:-/usr/lib/frr/zebra}
FAILOVER_BOUND=${FAILOVER_BOUND:-5}
FAILBACK_BOUND=${FAILBACK_BOUND:-10}
LOSS_PCT=${LOSS_PCT:-5}
LOSS_SECS=${LOSS_SECS:-20}
RTT_SECS=${RTT_SECS:-10}
NAME=R
PIDS=""
NFAIL=0

die() { echo "FAIL: $*"; NFAIL=$((NFAIL+1)); dump; finish; }
# wait_dev DEV BOUND : poll R's route until it is on DEV; prints elapsed s;
# returns 1 if the bound passed
wait_dev() {
    s=$(t)
    while :; do
        now=$(t)
        [ "$(rdev)" = "$1" ] && { awk -v a="$s" -v b="$now" 'BEGIN{printf "%.2f\n", b-a}'; return 0; }
        awk -v a="$s" -v b="$now" -v m="$2" 'BEGIN{exit !(b-a > m)}' && {
            awk -v a="$s" -v b="$now" 'BEGIN{printf "%.2f\n", b-a}'; return 1; }
        sleep 0.05
    done
}
dump() {
    echo "==== diagnostics"
    echo "---- R routes"; ip -n R route 2>/dev/null
    echo "---- R links"; ip -n R -br link 2>/dev/null
    echo "---- R addrs"; ip -n R -br addr 2>/dev/null
    for n in R G1 G2; do
        echo "---- xfrm state ($n)"; ip -n $n -s xfrm state 2>/dev/null | head -n 40
        echo "---- pluto log ($n)"; tail -n 20 "$W/$n/pluto.log" 2>/dev/null
    done
    echo "---- show vpn-ha"; vty -c "show vpn-ha" 2>/dev/null
    echo "---- show vpn-ha tunnel json"; vty -c "show vpn-ha tunnel json" 2>/dev/null | head -c 6000
    echo "---- zebra log"; tail -n 30 "$W/log/zebra.log" 2>/dev/null
    echo "---- vpnhad log"; tail -n 60 "$W/log/vpnhad.log" 2>/dev/null
}
finish() {
    # vpnhad first, then zebra (it removes its routes), then plutos
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    i=0
    for p in $PIDS; do
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do i=$((i+1)); sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    for n in R G1 G2; do
        [ -S "$W/$n/run/pluto.ctl" ] &&
            timeout 10 ip netns exec $n ipsec whack --rundir "$W/$n/run" --shutdown >/dev/null 2>&1
    done
    if [ $NFAIL -eq 0 ]; then echo "RESULT: PASS"; exit 0; fi
    echo "RESULT: FAIL ($NFAIL failed checks)"; exit 1
}

[ -e /vmjob ] || { echo "run me inside the VM: tests/vm/run.sh $0"; exit 2; }
for f in "$VPNHAD" "$VTYSH" "$ZEBRA"; do [ -x "$f" ] || { echo "FAIL: missing $f"; exit 1; }; done
T0=$(t)
rm -rf "$W"; mkdir -p "$W/log"; chmod 777 "$W/log"

# ---- topology
for n in R G1 G2; do ip netns add $n || die "netns $n"; ip -n $n link set lo up; done
ip link add r-g1 netns R type veth peer name g1-r netns G1 || die "veth g1"
ip link add r-g2 netns R type veth peer name g2-r netns G2 || die "veth g2"
ip -n R addr add 192.0.2.1/30 dev r-g1
ip -n R addr add 192.0.2.5/30 dev r-g2
ip -n G1 addr add 192.0.2.2/30 dev g1-r
ip -n G2 addr add 192.0.2.6/30 dev g2-r
ip -n R link set r-g1 up; ip -n R link set r-g2 up
ip -n G1 link set g1-r up; ip -n G2 link set g2-r up
ip -n G1 addr add 10.20.0.1/16 dev lo
ip -n G2 addr add 10.20.0.1/16 dev lo

# ---- libreswan: one pluto in R (two conns), one in each gateway
conn() {  # conn NAME RADDR GADDR GID IFNUM
    cat <<EOF

conn $1
	ikev2=insist
	authby=secret
	left=$2
	leftid=@r
	leftsubnet=0.0.0.0/0
	right=$3
	rightid=@$4
	rightsubnet=0.0.0.0/0
	ike=aes256-sha2_256-modp2048
	esp=aes256-sha2_256-modp2048
	leftupdown=/bin/true
	rightupdown=/bin/true
	ipsec-interface=$5
	auto=add
EOF
}
for n in R G1 G2; do
    d=$W/$n; mkdir -p "$d/run" "$d/nss" "$d/ipsec.d"
    {
        printf 'config setup\n\tlogfile=%s/pluto.log\n\tlogtime=yes\n\tdumpdir=%s/run\n\tnssdir=%s/nss\n' "$d" "$d" "$d"
        case $n in
        R)  ;;  # vpnhad's connections only
        G1) echo "	listen=192.0.2.2"; conn g1 192.0.2.1 192.0.2.2 g1 1 ;;
        G2) echo "	listen=192.0.2.6"; conn g2 192.0.2.5 192.0.2.6 g2 2 ;;
        esac
    } > "$d/ipsec.conf"
    case $n in
    R)  mkdir -p "$d/vpnhad"; chown frr:frr "$d/vpnhad"; chmod 700 "$d/vpnhad"
        printf 'include %s/vpnhad/*.secrets\n' "$d" ;;
    G1) printf '@r @g1 : PSK "%s"\n' "$PSK" ;;
    G2) printf '@r @g2 : PSK "%s"\n' "$PSK" ;;
    esac > "$d/ipsec.secrets"
    chmod 600 "$d/ipsec.secrets"
    certutil -N -d "sql:$d/nss" --empty-password || die "certutil ($n)"
    ip netns exec $n ipsec pluto --config "$d/ipsec.conf" \
        --rundir "$d/run" --nssdir "$d/nss" \
        --secretsfile "$d/ipsec.secrets" --ipsecdir "$d/ipsec.d" \
        --logfile "$d/pluto.log" || die "pluto start ($n)"
done
for n in R G1 G2; do
    d=$W/$n; i=0
    until [ -S "$d/run/pluto.ctl" ]; do
        i=$((i+1)); [ $i -gt 150 ] && die "no pluto.ctl ($n)"; sleep 0.1
    done
    # vpnhad runs as frr: pluto's control socket (root, 0770) must be
    # open to group frr (frr-vpnha's ipsec.service drop-in does this).
    [ $n = R ] && chgrp frr "$d/run/pluto.ctl" && chmod 0770 "$d/run/pluto.ctl"
    case $n in R) cs="" ;; G1) cs=g1 ;; G2) cs=g2 ;; esac
    for c in $cs; do
        ip netns exec $n ipsec addconn --ctlsocket "$d/run/pluto.ctl" \
            --config "$d/ipsec.conf" $c || die "addconn $c ($n)"
    done
    ip netns exec $n ipsec whack --rundir "$d/run" --listen >/dev/null
done
T1=$(t)

# ---- FRR: zebra + vpnhad in R; vpnhad brings the tunnels up
frr_start
ipsec_cmds() {  # ipsec_cmds GW : the tunnel's ipsec lines
    echo "-c|ipsec pre-shared-key $PSK|-c|ipsec local-id @r|-c|ipsec remote-id @$1"
}
IFS='|'
cfg=$(vty -c "configure terminal" -c "vpn-ha" \
    -c "gateway idc-gw local-address 192.0.2.1" \
    -c "ipsec libreswan directory $W/R/vpnhad" \
    -c "ipsec libreswan ctl-socket $W/R/run/pluto.ctl" \
    -c "peer cloud-a" -c "address 192.0.2.2" -c "exit" \
    -c "peer cloud-b" -c "address 192.0.2.6" -c "exit" \
    -c "tunnel primary" -c "interface ipsec1" -c "peer cloud-a" \
    -c "health-check source 169.254.1.1 destination 169.254.1.2" \
    -c "health-check hold-down 1000" \
    $(ipsec_cmds g1) -c "exit" \
    -c "tunnel backup" -c "interface ipsec2" -c "peer cloud-b" \
    -c "health-check source 169.254.2.1 destination 169.254.2.2" \
    $(ipsec_cmds g2) -c "ipsec local-address 192.0.2.5" -c "exit" \
    -c "route 10.20.0.0/16 tunnel primary weight 0" \
    -c "route 10.20.0.0/16 tunnel backup weight 100" -c "exit" 2>&1)
rc=$?
unset IFS
if [ $rc -ne 0 ] || echo "$cfg" | grep -q '^ *%'; then
    echo "$cfg"; die "vpnhad configuration rejected (rc=$rc)"
fi
T2=$(t)
i=0
while :; do
    ts=$(ip netns exec R ipsec whack --rundir "$W/R/run" --trafficstatus 2>&1)
    echo "$ts" | grep -q '"vpnha-primary"' && echo "$ts" | grep -q '"vpnha-backup"' && break
    i=$((i+1)); [ $i -gt 300 ] && break; sleep 0.1
done
T3=$(t)
echo "$ts"
for c in primary backup; do
    f=$W/R/vpnhad/vpnha-$c.conf
    head -n 1 "$f" | grep -q '^# Generated by vpnhad' && [ "$(stat -c %a "$W/R/vpnhad/vpnha-$c.secrets")" = 600 ] \
        || bad "generated files for $c missing or not 0600"
    ip netns exec R ipsec addconn --config "$f" --checkconfig >/dev/null 2>&1 \
        && pass "libreswan's parser accepts vpnhad's $f" || bad "addconn --checkconfig rejects $f"
done
echo "$ts" | grep -q '"vpnha-primary"' && echo "$ts" | grep -q '"vpnha-backup"' \
    && pass "vpnhad brought both IKEv2/ESP tunnels up from its configuration in $(awk -v a="$T2" -v b="$T3" 'BEGIN{printf "%.2f", b-a}') s" \
    || { vty -c "show vpn-ha ipsec"; die "tunnels not both established by vpnhad"; }
vty -c "show vpn-ha ipsec"
echo "---- whack --showstates (R)"
ip netns exec R ipsec whack --rundir "$W/R/run" --showstates

# xfrm interfaces: up + link addresses (updown is disabled, 4.10 has no interface-ip=)
for p in "R ipsec1 169.254.1.1" "R ipsec2 169.254.2.1" "G1 ipsec1 169.254.1.2" "G2 ipsec2 169.254.2.2"; do
    set -- $p
    i=0; until ip -n $1 link show $2 >/dev/null 2>&1; do
        i=$((i+1)); [ $i -gt 50 ] && die "$2 missing in $1"; sleep 0.1; done
    ip -n $1 link set $2 up
    ip -n $1 addr replace $3/30 dev $2 || die "addr $3 on $1:$2"
done
# gateways answer for 10.20.0.0/16 and reach R's probe source via their tunnel
ip -n G1 route add 10.0.0.0/8 dev ipsec1 2>/dev/null
ip -n G2 route add 10.0.0.0/8 dev ipsec2 2>/dev/null
# sanity: ICMP through both tunnels before FRR starts
for p in "169.254.1.1 169.254.1.2" "169.254.2.1 169.254.2.2"; do
    set -- $p
    ip netns exec R busybox ping -c 2 -W 3 -I $1 $2 >/dev/null 2>&1 \
        || die "ping $1 -> $2 through the tunnel"
done
pass "ICMP crosses both tunnels"


# ---- steady state
i=0
while :; do
    s1=$(jget primary 'j["state"]'); s2=$(jget backup 'j["state"]')
    [ "$s1" = up ] && [ "$s2" = up ] && [ "$(rdev)" = ipsec1 ] && break
    i=$((i+1)); [ $i -gt 40 ] && break; sleep 0.2
done
T4=$(t)
[ "$s1" = up ] && [ "$s2" = up ] \
    && pass "vpnhad: primary and backup up ($(awk -v a="$T3" -v b="$T4" 'BEGIN{printf "%.2f", b-a}') s after config)" \
    || die "vpnhad tunnels not up: primary=$s1 backup=$s2"
[ "$(rdev)" = ipsec1 ] && pass "kernel route: $(ip -n R -4 route show 10.20.0.0/16)" \
    || die "kernel route for 10.20.0.0/16 not via ipsec1: '$(ip -n R -4 route show 10.20.0.0/16)'"
vty -c "show vpn-ha"
e0=$(esp_pkts G1); sleep 1; e1=$(esp_pkts G1)
[ "$e1" -gt "$e0" ] && pass "ESP counters at G1 rising ($e0 -> $e1 packets)" \
    || bad "ESP counters at G1 not rising ($e0 -> $e1)"
F0=$(jget primary 'j["failovers"]')
echo "primary failovers before: $F0"

# ---- failover: drop ESP from R at G1 (IKE on UDP 500/4500 still passes)
ip netns exec G1 nft -f - <<'EOF' || die "nft"
table inet vpnha {
  chain in {
    type filter hook input priority 0; policy accept;
    iifname "g1-r" meta l4proto esp counter drop
  }
}
EOF
el=$(wait_dev ipsec2 "$FAILOVER_BOUND"); ok=$?
[ $ok -eq 0 ] && pass "failover: route moved to ipsec2 ${el} s after ESP drop at G1 (bound ${FAILOVER_BOUND} s)" \
    || bad "failover: route still '$(rdev)' after ${el} s (bound ${FAILOVER_BOUND} s)"
echo "lastFailover (primary): $(jget primary 'json.dumps(j.get("lastFailover"))')"
echo "primary state: $(jget primary 'j["state"]') / reason: $(jget primary 'j["reason"]')"
ip netns exec G1 nft list ruleset | grep -o 'counter packets [0-9]* bytes [0-9]*' | sed 's/^/G1 nft esp drop: /'
ip -n R link show ipsec1 | grep -q ',UP' && pass "ipsec1 still UP during the ESP drop" \
    || bad "ipsec1 not UP during the ESP drop: $(ip -n R -br link show ipsec1)"
ip netns exec R ipsec whack --rundir "$W/R/run" --trafficstatus | grep -q '"vpnha-primary"' \
    && pass "IKE/child SA vpnha-primary still established during the ESP drop" \
    || bad "vpnha-primary SA gone during the ESP drop"
sleep 1   # let the verdict settle before restoring

# ---- failback
ip netns exec G1 nft delete table inet vpnha || die "nft delete"
el=$(wait_dev ipsec1 "$FAILBACK_BOUND"); ok=$?
[ $ok -eq 0 ] && pass "failback: route back on ipsec1 ${el} s after restore (bound ${FAILBACK_BOUND} s)" \
    || bad "failback: route still '$(rdev)' after ${el} s (bound ${FAILBACK_BOUND} s)"
F1=$(jget primary 'j["failovers"]')
echo "primary failovers after failover/failback: $F1"
[ "$F1" = "$((F0+1))" ] 2>/dev/null && pass "primary failovers counter $F0 -> $F1" \
    || bad "primary failovers counter $F0 -> $F1 (expected +1)"
# wait until the primary is fully 'up' again before the loss phase
i=0; until [ "$(jget primary 'j["state"]')" = up ] || [ $i -gt 50 ]; do i=$((i+1)); sleep 0.2; done

# ---- SA loss: the cloud side loses its connection (G1 deletes conn g1:
# its SAs go with a Delete to R).  R's pluto drops them and tries to
# revive them, in vain; vpnhad sees no Child SA on its next whack poll
# and fails over at once.  G1 then gets g1 back: the SA comes back
# (pluto's retries or vpnhad's re-initiation), the probes prove it, and
# vpnhad fails back.
I0=$(jget primary 'j["ipsec"]["initiations"]')
ip netns exec G1 ipsec whack --rundir "$W/G1/run" --delete --name g1 >/dev/null 2>&1 || bad "whack --delete g1"
el=$(wait_dev ipsec2 "$FAILOVER_BOUND"); ok=$?
[ $ok -eq 0 ] && pass "SA loss: route moved to ipsec2 ${el} s after G1 deleted the SAs" \
    || bad "SA loss: route still '$(rdev)' after ${el} s"
grep -Eq 'tunnel primary: IPsec SA up -> (down|connecting)' "$W/log/vpnhad.log" \
    && pass "vpnhad saw the SA go: $(grep -E -m1 'tunnel primary: IPsec SA up -> ' "$W/log/vpnhad.log" | sed 's/.*tunnel primary/tunnel primary/')" \
    || bad "vpnhad did not report the SA loss"
echo "primary after the SA loss: $(jget primary 'j["state"]') / $(jget primary 'j["reason"]') / sa $(jget primary 'j["ipsec"]["detail"]')"
sleep 2
ip netns exec G1 ipsec addconn --ctlsocket "$W/G1/run/pluto.ctl" --config "$W/G1/ipsec.conf" g1 \
    || bad "addconn g1 (G1) again"
# G1's pluto deleted and re-creates its ipsec1: address it again once
# the SA is back (R's ipsec1 is vpnhad's: it re-adds its probe source).
i=0; until ip -n G1 link show ipsec1 >/dev/null 2>&1 || [ $i -gt 300 ]; do i=$((i+1)); sleep 0.1; done
ip -n G1 link set ipsec1 up; ip -n G1 addr replace 169.254.1.2/30 dev ipsec1
ip -n G1 route replace 10.0.0.0/8 dev ipsec1
el=$(wait_dev ipsec1 "$((FAILBACK_BOUND + 30))"); ok=$?
I1=$(jget primary 'j["ipsec"]["initiations"]')
[ $ok -eq 0 ] && pass "SA back (vpnhad initiations $I0 -> $I1), failed back ${el} s after G1 had its conn again" \
    || bad "no failback after the SA loss: route '$(rdev)', initiations $I0 -> $I1, sa $(jget primary 'j["ipsec"]["detail"]')"
i=0; until [ "$(jget primary 'j["state"]')" = up ] || [ $i -gt 50 ]; do i=$((i+1)); sleep 0.2; done
F1=$(jget primary 'j["failovers"]')

# steady LABEL SECS: the route stays on ipsec1 and the primary's failover
# counter does not move for SECS s (route sampled every 0.2 s).
steady() {
    f0=$(jget primary 'j["failovers"]')
    s=$(t); moved=0; n=0
    while awk -v a="$s" -v b="$(t)" -v m="$2" 'BEGIN{exit !(b-a < m)}'; do
        d=$(rdev); n=$((n+1))
        [ "$d" != ipsec1 ] && { moved=$((moved+1)); echo "  route on '$d' at +$(awk -v a="$s" -v b="$(t)" 'BEGIN{printf "%.2f", b-a}') s"; }
        sleep 0.2
    done
    f1=$(jget primary 'j["failovers"]')
    echo "$1: window $(jget primary 'json.dumps(j["healthCheck"]["window"])'), srtt $(jget primary 'j["healthCheck"]["srttUs"]') us, deadline $(jget primary 'j["healthCheck"]["detectDeadlineUs"]') us"
    [ $moved -eq 0 ] && pass "$1 for $2 s: route stayed on ipsec1 ($n samples)" \
        || bad "$1: route left ipsec1 in $moved of $n samples"
    [ "$f1" = "$f0" ] && pass "$1: primary failovers unchanged ($f1)" \
        || bad "$1: primary failovers $f0 -> $f1"
}

# ---- random loss on the primary: no failover
ip netns exec G1 tc qdisc add dev g1-r root netem loss ${LOSS_PCT}% || die "netem"
steady "${LOSS_PCT}% loss" "$LOSS_SECS"
echo "loss counters: $(jget primary 'json.dumps(j["healthCheck"]["counters"])')"
ip netns exec G1 tc -s qdisc show dev g1-r | head -n 3
ip netns exec G1 tc qdisc del dev g1-r root

# ---- RTT and jitter on the primary (netem delay on G1's underlay, so
# everything G1 sends R), with the defaults: adaptive detection's
# documented behaviour (vpnha_health.h "Detection", README).
#   a. the RTT steps up by 50 ms: learnt, no failover;
#   b. it steps to 300 ms (more than 2 D + (miss - 2) x interval/4, about
#      100 ms here): a failure in that time, so one failover, then the
#      replies teach srtt and the tunnel fails back (recovery-count +
#      hold-down) on its own;
#   c. a steady 300 ms: no failover;  d. 300 +- 40 ms: no failover;
#   e. 100 +- 40 ms: no failover.
F3=$(jget primary 'j["failovers"]')
ip netns exec G1 tc qdisc add dev g1-r root netem delay 50ms || die "netem delay"
steady "RTT step +50 ms" "$RTT_SECS"
ip netns exec G1 tc qdisc change dev g1-r root netem delay 300ms || die "netem delay 300"
el=$(wait_dev ipsec2 "$FAILOVER_BOUND"); ok=$?
[ $ok -eq 0 ] && pass "RTT step to 300 ms: taken for a failure, route on ipsec2 after ${el} s" \
    || bad "RTT step to 300 ms: no failover within ${FAILOVER_BOUND} s (route '$(rdev)')"
echo "primary after the step: $(jget primary 'j["state"]') / $(jget primary 'j["reason"]')"
# The failures before this one were close: flap damping may have
# doubled the hold-down (holdDownEffectiveMs) -- wait for that too.
HD=$(jget primary 'j["healthCheck"]["holdDownEffectiveMs"] // 1000')
el=$(wait_dev ipsec1 "$((FAILBACK_BOUND + HD + 5))"); ok=$?
[ $ok -eq 0 ] && pass "RTT 300 ms learnt: failed back ${el} s later (hold-down ${HD} s), srtt $(jget primary 'j["healthCheck"]["srttUs"]') us" \
    || bad "no failback at a steady 300 ms RTT within $((FAILBACK_BOUND + HD + 5)) s (route '$(rdev)', $(jget primary 'j["state"]'))"
F4=$(jget primary 'j["failovers"]')
[ "$F4" = "$((F3 + 1))" ] && pass "RTT steps: exactly one failover ($F3 -> $F4)" \
    || bad "RTT steps: failovers $F3 -> $F4, expected one"
i=0; until [ "$(jget primary 'j["state"]')" = up ] || [ $i -gt 50 ]; do i=$((i+1)); sleep 0.2; done
steady "steady 300 ms RTT" "$RTT_SECS"
ip netns exec G1 tc qdisc change dev g1-r root netem delay 300ms 40ms || die "netem jitter"
steady "RTT 300 +- 40 ms" "$RTT_SECS"
ip netns exec G1 tc qdisc change dev g1-r root netem delay 100ms 40ms || die "netem jitter 100"
steady "RTT 100 +- 40 ms" "$RTT_SECS"
ip netns exec G1 tc qdisc del dev g1-r root

T5=$(t)
awk -v a="$T0" -v b="$T1" -v c="$T2" -v d="$T3" -v e="$T5" 'BEGIN {
  printf "timing (guest s): topology+plutos %.2f, FRR up+config %.2f, IKE up by vpnhad %.2f, checks %.2f, total %.2f\n",
         b-a, c-b, d-c, e-d, e-a }'
[ $NFAIL -eq 0 ] || dump
finish
