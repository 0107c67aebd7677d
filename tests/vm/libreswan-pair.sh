#!/bin/sh
# tests/vm/libreswan-pair.sh [xfrmi|vti] — run INSIDE the test VM:
#   tests/vm/run.sh tests/vm/libreswan-pair.sh [xfrmi|vti]
#
# Two network namespaces (lsw-l, lsw-r) joined by a veth pair
# (192.0.2.1 <-> 192.0.2.2), one libreswan 4.10 pluto in each, a
# route-based IKEv2 PSK tunnel between 10.1.0.0/24 and 10.2.0.0/24,
# either over an XFRM interface (ipsec-interface=1 -> ipsec1, if_id 1)
# or over VTI (mark=5/0xffffffff vti-interface=vti5).  Then traffic
# crosses it (busybox ping + python3 UDP echo) and the ESP counters of
# the SAs must have risen.  Exit 0 = pass.
set -u
MODE=${1:-xfrmi}
W=/tmp/lsw
PSK='vpnha-test-psk-0123456789abcdef0123456789'   # >= 32 bytes (FIPS)
BB=/bin/busybox
fail() { echo "FAIL: $*"; dump; exit 1; }
dump() {
    for s in l r; do
        echo "---- pluto log ($s)"; tail -n 25 "$W/$s/pluto.log" 2>/dev/null
        echo "---- xfrm state ($s)"; ip -n lsw-$s -s xfrm state 2>/dev/null | head -n 40
        echo "---- links ($s)"; ip -n lsw-$s -br link 2>/dev/null
    done
}
t() { awk '{print $1}' /proc/uptime; }

[ -e /vmjob ] || { echo "run me inside the VM: tests/vm/run.sh $0"; exit 2; }
T0=$(t)
rm -rf "$W"; mkdir -p "$W"
ip netns add lsw-l && ip netns add lsw-r || fail "netns"
ip link add veth-l netns lsw-l type veth peer name veth-r netns lsw-r || fail "veth"
ip -n lsw-l addr add 192.0.2.1/24 dev veth-l
ip -n lsw-r addr add 192.0.2.2/24 dev veth-r
for s in l r; do
    ip -n lsw-$s link set lo up
    ip -n lsw-$s link set veth-$s up
done
# inner (protected) addresses
ip -n lsw-l link add inner type dummy; ip -n lsw-l link set inner up
ip -n lsw-r link add inner type dummy; ip -n lsw-r link set inner up
ip -n lsw-l addr add 10.1.0.1/24 dev inner
ip -n lsw-r addr add 10.2.0.1/24 dev inner

case $MODE in
xfrmi) ROUTE_CONF="ipsec-interface=1"; IFACE=ipsec1 ;;
vti)   ROUTE_CONF="mark=5/0xffffffff
	vti-interface=vti5
	vti-routing=no
	leftvti=10.1.0.1/32
	rightvti=10.2.0.1/32"; IFACE=vti5 ;;
*) echo "usage: $0 [xfrmi|vti]"; exit 2 ;;
esac

for s in l r; do
    d=$W/$s; mkdir -p "$d/run" "$d/nss" "$d/ipsec.d"
    cat > "$d/ipsec.conf" <<EOF
config setup
	logfile=$d/pluto.log
	logtime=yes
	dumpdir=$d/run
	nssdir=$d/nss
	listen=$([ $s = l ] && echo 192.0.2.1 || echo 192.0.2.2)

conn t
	ikev2=insist
	authby=secret
	left=192.0.2.1
	leftid=@left
	leftsubnet=10.1.0.0/24
	right=192.0.2.2
	rightid=@right
	rightsubnet=10.2.0.0/24
	ike=aes256-sha2_256-modp2048
	esp=aes256-sha2_256
	leftupdown=/bin/true
	rightupdown=/bin/true
	$ROUTE_CONF
	auto=add
EOF
    echo "@left @right : PSK \"$PSK\"" > "$d/ipsec.secrets"
    chmod 600 "$d/ipsec.secrets"
    certutil -N -d "sql:$d/nss" --empty-password || fail "certutil ($s)"
    # --config first: it re-applies "config setup" defaults, so the
    # per-instance directories must come after it.
    ip netns exec lsw-$s ipsec pluto --config "$d/ipsec.conf" \
        --rundir "$d/run" --nssdir "$d/nss" \
        --secretsfile "$d/ipsec.secrets" --ipsecdir "$d/ipsec.d" \
        --logfile "$d/pluto.log" \
        || fail "pluto start ($s)"
done
T1=$(t)
for s in l r; do
    d=$W/$s; i=0
    until [ -S "$d/run/pluto.ctl" ]; do
        i=$((i+1)); [ $i -gt 100 ] && fail "no pluto.ctl ($s)"; sleep 0.1
    done
    ip netns exec lsw-$s ipsec addconn --ctlsocket "$d/run/pluto.ctl" \
        --config "$d/ipsec.conf" t || fail "addconn ($s)"
    ip netns exec lsw-$s ipsec whack --rundir "$d/run" --listen >/dev/null
done
T2=$(t)
ip netns exec lsw-l ipsec whack --rundir "$W/l/run" --initiate --name t \
    || fail "initiate"
T3=$(t)
ip netns exec lsw-l ipsec whack --rundir "$W/l/run" --trafficstatus

# VTI: the (disabled) updown script would create vti5; do it here
if [ "$MODE" = vti ]; then
    ip -n lsw-l link add vti5 type vti local 192.0.2.1 remote 192.0.2.2 key 5 || fail "vti5 (l)"
    ip -n lsw-r link add vti5 type vti local 192.0.2.2 remote 192.0.2.1 key 5 || fail "vti5 (r)"
fi
# route-based: we address/route the interface ourselves (4.10 has no
# interface-ip=, and the updown scripts are disabled above)
for s in l r; do
    ip -n lsw-$s link show $IFACE >/dev/null 2>&1 || fail "$IFACE missing ($s)"
    ip -n lsw-$s link set $IFACE up
done
ip -n lsw-l route add 10.2.0.0/24 dev $IFACE src 10.1.0.1
ip -n lsw-r route add 10.1.0.0/24 dev $IFACE src 10.2.0.1
if [ "$MODE" = vti ]; then
    for s in l r; do
        ip netns exec lsw-$s sysctl -qw net.ipv4.conf.$IFACE.disable_policy=1
    done
fi

# traffic 1: busybox ping (the host has no ping binary)
ip netns exec lsw-l $BB ping -c 3 -W 2 -I 10.1.0.1 10.2.0.1 || fail "ping"
# traffic 2: python3 UDP echo
ip netns exec lsw-r python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.2.0.1", 5000))
s.settimeout(10)
for _ in range(5):
    d, a = s.recvfrom(2048); s.sendto(d, a)
' &
srv=$!
sleep 0.5
ip netns exec lsw-l python3 -c '
import socket, sys
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.bind(("10.1.0.1", 0)); c.settimeout(3)
ok = 0
for i in range(5):
    m = b"vpnha-%d" % i
    c.sendto(m, ("10.2.0.1", 5000))
    try:
        if c.recvfrom(2048)[0] == m: ok += 1
    except socket.timeout: pass
print("udp echo: %d/5" % ok); sys.exit(0 if ok == 5 else 1)
' || fail "udp echo"
wait $srv
T4=$(t)

# ESP counters: every SA in the left namespace must have carried packets
echo "---- ip -s xfrm state (left)"
ip -n lsw-l -s xfrm state
pk=$(ip -n lsw-l -s xfrm state | sed -n 's/^[[:space:]]*[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p')
echo "ESP packet counters (left SAs): $pk"
nz=0; n=0
for p in $pk; do n=$((n+1)); [ "$p" -gt 0 ] && nz=$((nz+1)); done
[ $n -ge 2 ] && [ $nz -eq $n ] || fail "ESP counters not rising ($pk)"
ip -n lsw-l -s link show $IFACE

for s in l r; do ip netns exec lsw-$s ipsec whack --rundir "$W/$s/run" --shutdown >/dev/null 2>&1; done
awk -v a="$T0" -v b="$T1" -v c="$T2" -v d="$T3" -v e="$T4" 'BEGIN {
  printf "timing (guest s): setup+pluto start %.2f, conn load %.2f, IKE initiate->up %.2f, traffic %.2f, total %.2f\n",
         b-a, c-b, d-c, e-d, e-a }'
echo "PASS: libreswan $MODE tunnel up, traffic crossed, ESP counters rose"
