# tests/vm/vpnha-lib.sh — sourced by the guest scripts that run vpnhad in
# the VM (vpnha-failover.sh, vpnha-vrf.sh, vpnha-strongswan-xfrm.sh; the
# last has its own vty and jget).  Expects W (work
# dir, with $W/log), NAME (FRR pathspace), ZEBRA, VPNHAD, NFAIL, PIDS and
# a die() of the caller.

t() { awk '{print $1}' /proc/uptime; }
pass() { echo "PASS: $*"; }
# vtysh in R for vpnhad instance $NAME
vty() { ip netns exec R "$VTYSH" -N "$NAME" "$@"; }
jget() {  # jget TUNNEL PYEXPR  (j = show vpn-ha tunnel TUNNEL json)
    vty -c "show vpn-ha tunnel $1 json" 2>/dev/null | python3 -c '
import json, sys
try:
    j = json.load(sys.stdin)
    j = j.get("tunnels", {}).get(sys.argv[2], j)
    print(eval(sys.argv[1]))
except Exception as e:
    print("ERR:%s" % e)
' "$2" "$1"
}

bad() { echo "FAIL: $*"; NFAIL=$((NFAIL+1)); }

rdev() {  # device of R's kernel route to 10.20.0.0/16 (or "none")
    d=$(ip -n R -4 route show 10.20.0.0/16 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n 1)
    echo "${d:-none}"
}

esp_pkts() {  # esp_pkts NS : sum of packet counters of all SAs in NS
    ip -n "$1" -s xfrm state 2>/dev/null |
        sed -n 's/^[[:space:]]*[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p' |
        awk '{s+=$1} END {print s+0}'
}

# frr_start: zebra, then vpnhad, in namespace R with pathspace $NAME
# (integrated config), logs in $W/log; sets ZPID and VPID and puts both
# in front of PIDS (stopped vpnhad first); returns once both answer.
frr_start() {
    mkdir -p /etc/frr/$NAME /var/run/frr/$NAME
    printf 'service integrated-vtysh-config\n' > /etc/frr/$NAME/vtysh.conf
    chown -R frr:frr /etc/frr/$NAME /var/run/frr/$NAME
    chmod 750 /etc/frr/$NAME; chmod 755 /var/run/frr/$NAME
    chmod 640 /etc/frr/$NAME/vtysh.conf
    # FRR 10.x (Debian 13) requires mgmtd: first up, last stopped.
    if [ -x /usr/lib/frr/mgmtd ]; then
        ip netns exec R /usr/lib/frr/mgmtd -N $NAME -A 127.0.0.1 -P 0 \
            --log file:$W/log/mgmtd.log >>"$W/log/mgmtd.out" 2>&1 &
        PIDS="$PIDS $!"
        i=0; until [ -S /var/run/frr/$NAME/mgmtd.vty ]; do
            i=$((i+1)); [ $i -gt 200 ] && die "mgmtd did not start"; sleep 0.1; done
    fi
    ip netns exec R "$ZEBRA" -N $NAME -A 127.0.0.1 -P 0 --log file:$W/log/zebra.log \
        >>"$W/log/zebra.out" 2>&1 &
    ZPID=$!
    PIDS="$ZPID $PIDS"
    i=0; until [ -S /var/run/frr/$NAME/zserv.api ]; do
        i=$((i+1)); [ $i -gt 200 ] && die "zebra did not start"; sleep 0.1; done
    ip netns exec R "$VPNHAD" -N $NAME -A 127.0.0.1 -P 0 --log file:$W/log/vpnhad.log \
        >>"$W/log/vpnhad.out" 2>&1 &
    VPID=$!
    PIDS="$VPID $PIDS"
    i=0; until [ -S /var/run/frr/$NAME/vpnhad.vty ] && [ -S /var/run/frr/$NAME/zebra.vty ]; do
        i=$((i+1)); [ $i -gt 200 ] && die "vpnhad did not start"; sleep 0.1; done
}
