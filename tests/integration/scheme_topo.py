# SPDX-License-Identifier: GPL-2.0-or-later
"""The scheme as the cloud vendor draws it, end to end (issue 15; README,
"The whole scheme"): the topology, its two streams and the measured
sequence, shared by tests/integration/test_scheme.py (which asserts) and
`tools/demo.sh --scheme` (which narrates).

    H_vpc 10.20.0.2 --vpc0-- A (cloud VPN gateway: zebra + vpnhad)
                             |  tunb 169.254.1.1/30  tunc 169.254.2.1/30
                   tunnel B  |                      |  tunnel C
                   (weight 0)|                      |  (weight 100)
                             |  tuna 169.254.1.2/30  tuna 169.254.2.2/30
                             D                      E   (IDC edge routers:
                             |  lan0 .100.1/30       |   zebra + vpnhad +
                             |  preferred            |   ospfd or bgpd,
                             |                      |   advertise-table)
                             +----ethd-- L --ethe---+   (IDC LAN router:
                                         |               zebra + ospfd or bgpd)
                                        idc0
                                         |
                                   H_idc 10.10.0.2

The tunnels are veth pairs standing in for route-based IPsec interfaces
(as in the other namespace tests).  A routes the IDC prefix 10.10.0.0/16
over B (weight 0) and C (weight 100) with a health check on each; D and
E each route the VPC prefix 10.20.0.0/16 over their single tunnel with a
health check toward A and advertise it to L (`advertise-table 100`,
`ip import-table 100 distance 5`, `redistribute table 100 metric 10|20`)
in one of two IGPs, the `proto` of Topo:

- "ospf": D, E and L in OSPF area 0; D's and E's external LSAs carry
  metric 10 and 20 (E2), L prefers D's;
- "bgp": iBGP (AS 65000), L peering with D and E, no route reflection;
  D's and E's routes carry MED 10 and 20 (both internal, empty AS path:
  compared), L prefers D's; L advertises the IDC LAN by `redistribute
  connected`, D and E advertise with themselves as nexthop (the table
  route's nexthop is the tunnel interface).

Which edge router carried a packet: D and E set the DSCP of the UDP
streams they forward (D cs1, E cs2), the receivers read the TOS byte of
each datagram (vt.UdpStream records it).  Two 1 kHz streams run through
the whole sequence (run()), H_vpc -> H_idc ("cloud->IDC") and H_idc ->
H_vpc ("IDC->cloud"):

1. steady state: both directions via B/D only (DSCP marks; A's and L's
   interface counters agree);
2. tunnel B fails silently (nft drops everything arriving on both of its
   ends, the interfaces stay up): A's verdict moves cloud->IDC to C, D's
   verdict withdraws D's advertisement, L moves to E; each loss window is
   bounded by its vpnhad's detection bound (detectBoundUs) plus, for
   IDC->cloud, the IGP's convergence, plus slack for a loaded 2-core
   machine; the time the two directions use different edge routers is
   measured (both delivering, one via D, the other via E);
3. repair: each direction returns to B/D only after its vpnhad declared
   the tunnel up again (recovery-count x interval + hold-down after the
   repair, and never before vpnhad was last seen still down); the
   disagreement is measured again.

The IGPs run fast timers (OSPF: hello 1 s, dead 3 s, `timers throttle
spf 0 50 500`, `timers throttle lsa all 0`, `timers lsa min-arrival 0`;
BGP: keepalive 1 s, hold 3 s, connect retry 1 s, advertisement-interval
0); the health checks run the defaults except hold-down 1000 ms.  Every
wait polls with a bound; the only sleeps are the streams' measuring
periods.
"""

import bisect
import os
import time

import vpnha_topo as vt
from test_advertise import OSPF_IF  # the same lab OSPF timers

PROTOS = ("ospf", "bgp")
VPC = "10.20.0.0/16"
IDC = "10.10.0.0/16"
H_VPC = "10.20.0.2"
H_IDC = "10.10.0.2"
TABLE = 100
HOLD_DOWN_MS = 1000
RATE_HZ = 1000
LATE_MS = 100
# DSCP marks set by D and E on the streams they forward (TOS byte, ECN
# bits masked).
DSCP = {"d": "cs1", "e": "cs2"}
TOS_LABEL = {0x20: "D", 0x40: "E"}
# The edge routers: name, tunnel, LAN address, L's address, preference
# (OSPF metric, BGP MED).
EDGES = {"d": ("b", "192.168.100.1", "192.168.100.2", 10),
         "e": ("c", "192.168.100.5", "192.168.100.6", 20)}

# Bounds.  The IGP: D's withdrawal reaches L and L's new route is
# installed; measured in tens of ms here, 1 s allowed.  The slack is for
# a shared 2-core machine (zebra, the IGP and vtysh of five routers plus
# the streams).
IGP_BUDGET_MS = 1000
SLACK_MS = 800
CONVERGE_S = 8.0  # polls for a switch (failover, failback)
LEARN_S = 30.0  # adjacencies/sessions and first advertisements


OSPF_TIMERS = """\
 timers throttle spf 0 50 500
 timers throttle lsa all 0
 timers lsa min-arrival 0
"""

BGP_NEIGHBOUR = """\
 neighbor {addr} remote-as internal
 neighbor {addr} timers 1 3
 neighbor {addr} timers connect 1
 neighbor {addr} advertisement-interval 0
"""


def bgp_config(router_id, neighbours, af_lines):
    return ("router bgp 65000\n bgp router-id %s\n no bgp ebgp-requires-policy\n" % router_id
            + "".join(BGP_NEIGHBOUR.format(addr=n) for n in neighbours)
            + " address-family ipv4 unicast\n" + af_lines + " exit-address-family\nexit\n")


def igp_edge_config(proto, name):
    """ospfd's or bgpd's configuration of an IDC edge router."""
    _, addr, l_addr, pref = EDGES[name]
    if proto == "bgp":
        return bgp_config(addr, [l_addr], "  redistribute table %d metric %d\n" % (TABLE, pref))
    net = "%s/30" % addr
    return (OSPF_IF.format(ifname="lan0")
            + "router ospf\n ospf router-id %s\n" % addr + OSPF_TIMERS
            + " redistribute table %d metric %d\n network %s area 0\nexit\n" % (TABLE, pref, net))


def igp_lan_config(proto):
    """L: the IDC LAN router, advertising the IDC LAN to D and E."""
    if proto == "bgp":
        return bgp_config("192.168.100.2", [EDGES[n][1] for n in ("d", "e")],
                          "  redistribute connected\n")
    return (OSPF_IF.format(ifname="ethd") + OSPF_IF.format(ifname="ethe")
            + "router ospf\n ospf router-id 192.168.100.2\n" + OSPF_TIMERS
            + " redistribute connected\n network 192.168.100.0/29 area 0\nexit\n")


def edge_config(name):
    """zebra + vpnhad configuration of an IDC edge router."""
    tunnel = EDGES[name][0]
    local, peer = ("169.254.1.2", "169.254.1.1") if name == "d" else ("169.254.2.2", "169.254.2.1")
    return ("ip import-table %d distance 5\n" % TABLE
            + """\
vpn-ha
 gateway idc-{name} local-address 198.51.100.{gw}
 peer cloud
  address 203.0.113.10
 exit
 distance-base 10
 advertise-table {table}
 tunnel {tunnel}
  interface tuna
  peer cloud
  health-check source {local} destination {peer}
  health-check hold-down {hold}
 exit
 route {vpc} tunnel {tunnel} weight 0
exit
""".format(name=name, gw=1 if name == "d" else 2, table=TABLE, tunnel=tunnel, local=local,
           peer=peer, hold=HOLD_DOWN_MS, vpc=VPC))


A_CONFIG = """\
vpn-ha
 gateway cloud-gw local-address 203.0.113.10
 peer idc-d
  address 198.51.100.1
 exit
 peer idc-e
  address 198.51.100.2
 exit
 tunnel b
  interface tunb
  peer idc-d
  health-check source 169.254.1.1 destination 169.254.1.2
  health-check hold-down {hold}
 exit
 tunnel c
  interface tunc
  peer idc-e
  health-check source 169.254.2.1 destination 169.254.2.2
  health-check hold-down {hold}
 exit
 route {idc} tunnel b weight 0
 route {idc} tunnel c weight 100
exit
""".format(hold=HOLD_DOWN_MS, idc=IDC)


class Topo:
    """The six namespaces, their links, marks and FRR daemons; proto is
    the IDC's IGP ("ospf" or "bgp")."""

    def __init__(self, logdir, proto="ospf"):
        assert proto in PROTOS, proto
        self.proto = proto
        self.a, self.d, self.e = vt.Netns("a"), vt.Netns("d"), vt.Netns("e")
        self.l, self.hv, self.hi = vt.Netns("l"), vt.Netns("hvpc"), vt.Netns("hidc")
        vt.veth_pair(self.a, "tunb", self.d, "tuna", "169.254.1.1/30", "169.254.1.2/30")
        vt.veth_pair(self.a, "tunc", self.e, "tuna", "169.254.2.1/30", "169.254.2.2/30")
        vt.veth_pair(self.a, "vpc0", self.hv, "eth0", "10.20.0.1/24", H_VPC + "/24")
        vt.veth_pair(self.d, "lan0", self.l, "ethd", "192.168.100.1/30", "192.168.100.2/30")
        vt.veth_pair(self.e, "lan0", self.l, "ethe", "192.168.100.5/30", "192.168.100.6/30")
        vt.veth_pair(self.l, "idc0", self.hi, "eth0", "10.10.0.1/24", H_IDC + "/24")
        self.hv.ip("route", "add", "default", "via", "10.20.0.1")
        self.hi.ip("route", "add", "default", "via", "10.10.0.1")
        for ns in (self.a, self.d, self.e, self.l, self.hv, self.hi):
            ns.sysctl("net.ipv4.ip_forward", 1)
            # Asymmetric paths are the point of steps 2 and 3.
            for link in ns.ip_json("link", "show"):
                ns.sysctl("net.ipv4.conf.%s.rp_filter" % link["ifname"], 0)
            for key in ("all", "default"):
                ns.sysctl("net.ipv4.conf.%s.rp_filter" % key, 0)
        # The tunnels' routes are interface routes: the neighbours the
        # test talks to are pinned (vt.pin_neighbour), both ends.
        for far, far_addr, near, near_if, host in (
                (self.d, "169.254.1.2", self.a, "tunb", H_IDC),
                (self.e, "169.254.2.2", self.a, "tunc", H_IDC)):
            for addr in (far_addr, host):
                vt.pin_neighbour(near, near_if, addr, far, "tuna")
            a_addr = "169.254.1.1" if near_if == "tunb" else "169.254.2.1"
            for addr in (a_addr, H_VPC):
                vt.pin_neighbour(far, "tuna", addr, near, near_if)
        for ns, name in ((self.d, "d"), (self.e, "e")):
            vt.nft_table(ns, "ip", "vpnhat_mark",
                         "table ip vpnhat_mark {\n chain dscp_by_edge {\n  type filter hook forward priority 0;\n"
                         "  policy accept;\n  udp dport { 5001, 5002 } ip dscp set %s\n }\n}\n" % DSCP[name])
        self.rt = {}
        for name in ("a", "d", "e", "l"):
            rt = vt.FrrRouter(getattr(self, name), os.path.join(logdir, name))
            rt.start_zebra()
            self.rt[name] = rt
        for name in ("a", "d", "e"):
            self.rt[name].start_vpnhad()
        for name in ("d", "e"):
            self.rt[name].start_daemon(proto + "d")
        # bgpd: L listens, D and E connect (the framework starts bgpd
        # without a listener).
        self.rt["l"].start_daemon(proto + "d", extra_args=["-p", "179"] if proto == "bgp" else [])
        self.rt["d"].start_daemon("staticd")  # for the test's control only
        self.rt["a"].configure(A_CONFIG)
        for name in ("d", "e"):
            self.rt[name].configure(edge_config(name) + igp_edge_config(proto, name))
        self.rt["l"].configure(igp_lan_config(proto))
        # Silent failure of tunnel B, both directions.
        self.block_a = vt.NftBlock(self.a)
        self.block_d = vt.NftBlock(self.d)

    def tunnel(self, name, tunnel):
        return self.rt[name].vtysh_json("show vpn-ha tunnel %s json" % tunnel)["tunnels"][tunnel]

    def state(self, name, tunnel):
        return self.tunnel(name, tunnel)["state"]

    def advertised(self, name):
        return self.rt[name].vtysh_json("show vpn-ha route json")["routes"][VPC].get("advertised")

    def a_devs(self):
        """A's kernel route to the IDC prefix: its output devices."""
        return vt.kernel_route_devs(self.a, IDC)

    def l_devs(self):
        """L's kernel route to the VPC prefix: its output devices."""
        return vt.kernel_route_devs(self.l, VPC)

    def l_rib_devs(self):
        """L's zebra: interfaces of the selected IGP route to the VPC."""
        return sorted(n.get("interfaceName") for e in self.rt["l"].rib(VPC)
                      if e.get("protocol") == self.proto and e.get("selected")
                      for n in e.get("nexthops", []) if n.get("active"))

    def l_knows_both(self):
        """Whether L holds D's and E's advertisement of the VPC prefix
        (E's is the one it moves to)."""
        l_rt = self.rt["l"]
        if self.proto == "bgp":
            paths = l_rt.vtysh_json("show bgp ipv4 unicast %s json" % VPC).get("paths", [])
            return sorted(p.get("peer", {}).get("peerId") for p in paths) == \
                [EDGES["d"][1], EDGES["e"][1]]
        out = l_rt.vtysh("show ip ospf database external %s" % VPC.split("/")[0])
        return all("Advertising Router: %s" % EDGES[n][1] in out for n in ("d", "e"))

    def a_rib_selected(self):
        """A's zebra: interfaces of the selected route to the IDC prefix."""
        return sorted(n.get("interfaceName") for e in self.rt["a"].rib(IDC) if e.get("selected")
                      for n in e.get("nexthops", []) if n.get("active"))

    def break_b(self):
        t0, _ = self.block_a.drop("tunb", "counter")
        _, t1 = self.block_d.drop("tuna", "counter")
        return t0, t1

    def repair_b(self):
        t0, _ = self.block_a.allow("tunb")
        _, t1 = self.block_d.allow("tuna")
        return t0, t1

    def dropped(self):
        """Packets the B block dropped at A and at D."""
        out = {}
        for side, blk in (("a", self.block_a), ("d", self.block_d)):
            out[side] = sum(x["counter"]["packets"] for r in blk.rules()
                            for x in r.get("expr", []) if "counter" in x)
        return out

    def diag(self):
        igp = {"ospf": ["show ip ospf neighbor", "show ip ospf database"],
               "bgp": ["show bgp summary", "show bgp ipv4 unicast"]}[self.proto]
        out = []
        for name, rt in self.rt.items():
            cmds = ["show ip route"]
            if name != "a":
                cmds += igp
            if name != "l":
                cmds += ["show vpn-ha"]
            for cmd in cmds:
                out.append("--- %s: %s\n%s" % (name, cmd, rt.vtysh_raw(cmd).stdout))
        return "\n".join(out)

    def wait(self, fn, timeout, desc, **kw):
        try:
            return vt.wait_for(fn, timeout, desc=desc, **kw)
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.diag())) from None


# ---------------------------------------------------------------------------
# Stream analysis


class Path:
    """One stream's record: which edge router carried each packet."""

    def __init__(self, name, stream, stats):
        self.name = name
        self.stats = stats
        self.times = [t / 1e9 for t in stream.raw[0]["times"]]  # send time of every seq (s)
        self.pkts = []  # (send s, "D"/"E"/"?") of on-time packets, by send time
        for seq, (sent, rx, tos) in sorted(stats.delivered.items()):
            if (rx - sent) / 1e6 <= LATE_MS:
                self.pkts.append((sent / 1e9, TOS_LABEL.get(tos & 0xfc, "?")))
        self.sends = [p[0] for p in self.pkts]

    def labels(self, t0, t1):
        """{label: packets} of the on-time packets sent in [t0, t1)."""
        out = {}
        for t, lab in self.pkts[bisect.bisect_left(self.sends, t0):bisect.bisect_left(self.sends, t1)]:
            out[lab] = out.get(lab, 0) + 1
        return out

    def at(self, t):
        """The edge router of the packet sent last at or before t, if it
        was sent within 2 periods of t (else None: nothing delivered)."""
        i = bisect.bisect_right(self.sends, t) - 1
        if i < 0 or t - self.sends[i] > 2.0 / RATE_HZ:
            return None
        return self.pkts[i][1]

    def first(self, label, t0, t1=float("inf")):
        """Send time of the first packet via label in [t0, t1), or None."""
        for t, lab in self.pkts[bisect.bisect_left(self.sends, t0):]:
            if t >= t1:
                return None
            if lab == label:
                return t
        return None

    def last(self, label, t0, t1):
        """Send time of the last packet via label in [t0, t1), or None."""
        found = None
        for t, lab in self.pkts[bisect.bisect_left(self.sends, t0):bisect.bisect_left(self.sends, t1)]:
            if lab == label:
                found = t
        return found

    def loss_runs(self, t0, t1):
        """[(first send s, packets, window ms)] of the stream's loss runs
        that began in [t0, t1)."""
        return [(self.times[a], n, w) for a, b, n, w in self.stats.runs if t0 <= self.times[a] < t1]


def disagreement(p1, p2, t0, t1):
    """Milliseconds (a 1 ms grid over [t0, t1)) during which both streams
    delivered and over different edge routers; and the first and last
    such instant (s) or None."""
    n, first, last = 0, None, None
    t = t0
    while t < t1:
        x, y = p1.at(t), p2.at(t)
        if x and y and x != y:
            n += 1
            first = t if first is None else first
            last = t
        t += 0.001
    return n, first, last


def ms(x):
    return None if x is None else round(x * 1000, 1)


def _quiet(msg):
    pass


# ---------------------------------------------------------------------------
# The sequence


def run(tp, say=_quiet, snap=_quiet, streams=None):
    """Steps 1-3 of the module docstring on tp (a new Topo), asserting
    every expectation (AssertionError with the routers' state); say(msg)
    narrates, snap(stage) is called in each measuring period ("steady",
    "failover", "failback"); streams, a list, collects the vt.UdpStream
    objects (the demo stops them on a Ctrl-C).  Returns the results: "fig" (rows of
    the figures table: label, cloud->IDC, IDC->cloud), "igp_ms" (D's
    withdraw -> first IDC->cloud packet via E), and the streams'
    summaries."""
    igp = tp.proto.upper()
    t_begin = time.monotonic()

    # ---- set-up: tunnels up, D and E advertise, L prefers D
    say("waiting: the health checks of A (tunnels B, C), D (B) and E (C) up")
    for name, tunnel in (("a", "b"), ("a", "c"), ("d", "b"), ("e", "c")):
        tp.wait(lambda: (tp.state(name, tunnel), tp.tunnel(name, tunnel)["healthCheck"]["verdict"]),
                15, ok=lambda v: v == ("up", "alive"), desc="%s's tunnel %s up" % (name, tunnel))
    say("waiting: D and E advertise %s (advertise-table %d), %s up with L" % (VPC, TABLE, igp))
    for name in ("d", "e"):
        tp.wait(lambda: tp.advertised(name), 10, ok=lambda v: v == {"table": TABLE, "distance": 10},
                desc="%s advertises %s" % (name, VPC))
        # D/E learn the IDC LAN from L (their way back to H_idc).
        tp.wait(lambda: vt.kernel_route_devs(getattr(tp, name), "10.10.0.0/24"), LEARN_S,
                ok=lambda v: v == ["lan0"], desc="%s learns 10.10.0.0/24 from L" % name)
    tp.wait(tp.l_devs, LEARN_S, ok=lambda v: v == ["ethd"], desc="L routes %s via D" % VPC)
    assert tp.l_rib_devs() == ["ethd"], tp.diag()
    # ...and knows E's advertisement too, the one it moves to.
    tp.wait(tp.l_knows_both, LEARN_S,
            desc="L holds D's and E's %s advertisements of %s" % (igp, VPC))
    tp.wait(tp.a_devs, 5, ok=lambda v: v == ["tunb"], desc="A routes %s via tunnel B" % IDC)
    assert tp.a_rib_selected() == ["tunb"], tp.diag()
    bound_a = tp.tunnel("a", "b")["healthCheck"]["detectBoundUs"] / 1000.0
    bound_d = tp.tunnel("d", "b")["healthCheck"]["detectBoundUs"] / 1000.0
    hc_d = tp.tunnel("d", "b")["healthCheck"]
    t_ready = time.monotonic()
    say("ready after %.1f s: A routes %s via tunnel B; L routes %s via D (%s, preferred), "
        "E's advertisement held as the alternative" % (t_ready - t_begin, IDC, VPC, igp))

    # ---- 1. steady state
    s1 = vt.UdpStream(tp.hv, tp.hi, H_IDC, 5001, RATE_HZ, late_ms=LATE_MS, max_s=50)
    s2 = vt.UdpStream(tp.hi, tp.hv, H_VPC, 5002, RATE_HZ, late_ms=LATE_MS, max_s=50)
    if streams is not None:
        streams.extend((s1, s2))
    s1.start()
    s2.start()
    t_streams = time.monotonic()
    say("1 kHz UDP streams both ways: H_vpc -> H_idc (cloud->IDC), H_idc -> H_vpc (IDC->cloud)")
    t_rx0 = time.monotonic()
    rx0 = (vt.link_rx_packets(tp.a, ["tunb", "tunc"]), vt.link_rx_packets(tp.l, ["ethd", "ethe"]))
    snap("steady")
    time.sleep(max(0.0, 1.0 - (time.monotonic() - t_rx0)))  # measuring period
    rx1 = (vt.link_rx_packets(tp.a, ["tunb", "tunc"]), vt.link_rx_packets(tp.l, ["ethd", "ethe"]))
    dt = time.monotonic() - t_rx0
    # packets per second
    steady_rx = {k: (rx1[i][k] - rx0[i][k]) / dt for i in (0, 1) for k in rx0[i]}
    say("steady state, packets/s received: A tunb %(tunb)d tunc %(tunc)d; L ethd %(ethd)d ethe %(ethe)d"
        % steady_rx)

    # ---- 2. tunnel B fails silently
    say("tunnel B fails silently: both ends drop everything arriving (interfaces stay up)")
    t_fail, t_fail1 = tp.break_b()
    seen = {}
    deadline = time.monotonic() + CONVERGE_S
    while len(seen) < 3:
        now = time.monotonic()
        if "a" not in seen and tp.a_devs() == ["tunc"]:
            seen["a"] = time.monotonic()
        if "d" not in seen and tp.advertised("d") is None:
            seen["d"] = time.monotonic()
        if "l" not in seen and tp.l_devs() == ["ethe"]:
            seen["l"] = time.monotonic()
        if now > deadline:
            raise AssertionError("after B's failure, seen only %s (a: A's route via tunc, d: D "
                                 "withdrew, l: L via E)\n%s" % (sorted(seen), tp.diag()))
        time.sleep(0.01)
    assert tp.state("a", "b") == "down" and tp.state("d", "b") == "down"
    assert tp.a_rib_selected() == ["tunc"], tp.diag()
    assert tp.l_rib_devs() == ["ethe"], tp.diag()
    assert not vt.kernel_routes(tp.d, VPC, table=TABLE), "D's table %d still has %s" % (TABLE, VPC)
    fo_a = tp.tunnel("a", "b")["lastFailover"]
    fo_d = tp.tunnel("d", "b")["lastFailover"]
    say("seen (polling, ms after the failure): A's kernel route via tunc %s, D's advertisement "
        "withdrawn %s, L's kernel route via E %s" % tuple(ms(seen[k] - t_fail) for k in "adl"))
    t_on_backup = time.monotonic()
    snap("failover")
    time.sleep(max(0.0, 1.0 - (time.monotonic() - t_on_backup)))  # measuring period on the backup
    assert tp.l_devs() == ["ethe"] and tp.a_devs() == ["tunc"], tp.diag()
    dropped = tp.dropped()

    # ---- 3. repair: back only after the health checks' failback
    say("tunnel B repaired: each side fails back through its own health check "
        "(recovery-count, then hold-down %d ms)" % HOLD_DOWN_MS)
    t_rep, t_rep1 = tp.repair_b()
    not_up = {"a": t_rep1, "d": t_rep1}  # vpnhad last seen not up (yet)
    up = {}
    moved = {}
    deadline = time.monotonic() + CONVERGE_S + (HOLD_DOWN_MS + 10 * 100) / 1000.0
    while len(moved) < 2:
        # The routes first: a route back while vpnhad, asked after, does
        # not say up is a failback before the health check's.
        t = time.monotonic()
        a_back = tp.a_devs() == ["tunb"]
        l_back = tp.l_devs() == ["ethd"]
        for name, back in (("a", a_back), ("l", l_back)):
            if back and name not in moved:
                moved[name] = t
        for name in ("a", "d"):
            if name not in up:
                t_q = time.monotonic()
                if tp.state(name, "b") == "up":
                    up[name] = time.monotonic()
                else:
                    not_up[name] = t_q  # not up at some instant after t_q
        assert not a_back or "a" in up, "A's route back on tunnel B before A's vpnhad said up"
        assert not l_back or "d" in up, "L back on D before D's vpnhad said its tunnel up"
        assert time.monotonic() < deadline, "no failback: moved %s, up %s\n%s" % (moved, up, tp.diag())
        time.sleep(0.01)
    t_back = time.monotonic()
    snap("failback")
    time.sleep(max(0.0, 1.0 - (time.monotonic() - t_back)))  # measuring period after the failback
    assert tp.l_devs() == ["ethd"] and tp.a_devs() == ["tunb"], tp.diag()
    assert tp.l_rib_devs() == ["ethd"] and tp.a_rib_selected() == ["tunb"], tp.diag()
    t_end = time.monotonic()
    st1, st2 = s1.stop(keep=True), s2.stop(keep=True)
    p1, p2 = Path("cloud->IDC", s1, st1), Path("IDC->cloud", s2, st2)

    # ---- the streams' verdict
    for p, st in ((p1, st1), (p2, st2)):
        assert st.socket_drops == 0 and not st.send_errors, st.summary()
    # 1. steady: everything via D; the links agree.
    for p in (p1, p2):
        lab = p.labels(t_streams + 0.1, t_fail)
        assert set(lab) == {"D"} and lab["D"] >= 0.8 * RATE_HZ * (t_fail - t_streams - 0.1), \
            "%s in steady state: %s\n%s" % (p.name, lab, p.stats.summary())
        # (a few late packets allowed: a loaded machine, not the scheme)
        assert sum(r[1] for r in p.loss_runs(t_streams + 0.1, t_fail)) <= 5, \
            "%s lost in steady state: %s" % (p.name, p.loss_runs(t_streams + 0.1, t_fail))
    # A receives IDC->cloud on tunb, L cloud->IDC... via ethd; the other
    # links carry only probes and hellos/keepalives (10-30/s).
    assert steady_rx["tunb"] > 800 and steady_rx["tunc"] < 100, steady_rx
    assert steady_rx["ethd"] > 800 and steady_rx["ethe"] < 100, steady_rx

    # 2. failover: one loss run per direction, then only via E.
    res = {}
    for p, bound, key in ((p1, bound_a, "c2i"), (p2, bound_d + IGP_BUDGET_MS, "i2c")):
        runs = p.loss_runs(t_fail - 0.01, t_rep)
        assert len(runs) >= 1, "%s: the failure of B cut nothing?! %s" % (p.name, p.stats.summary())
        # the failure's run starts at the failure (one packet in flight)
        assert runs[0][0] < t_fail1 + 0.01, (p.name, runs, t_fail, p.stats.summary())
        window = max(r[2] for r in runs)
        lost = sum(r[1] for r in runs)
        assert window <= bound + SLACK_MS, \
            "%s: loss window %.1f ms > bound %.1f + slack %d ms\n%s" % (
                p.name, window, bound, SLACK_MS, p.stats.summary())
        lab = p.labels(runs[0][0], t_rep)
        assert set(lab) == {"E"}, "%s after the failure: %s" % (p.name, lab)
        res[key] = {"window": window, "lost": lost, "runs": len(runs),
                    "switch": p.first("E", t_fail) - t_fail}
    # the block really cut B (the streams' packets and the probes)
    assert dropped["a"] > res["i2c"]["lost"] * 0.5 and dropped["d"] > res["c2i"]["lost"] * 0.5, \
        (dropped, res)
    # The IGP: from D's withdraw (vpnhad's timeline, CLOCK_MONOTONIC) to
    # the first IDC->cloud packet via E.
    d_withdraw = fo_d["monotonicUs"]["withdrawSent"] / 1e6
    a_withdraw = fo_a["monotonicUs"]["withdrawSent"] / 1e6
    igp_s = p2.first("E", t_fail) - d_withdraw
    assert 0 <= igp_s * 1000 <= IGP_BUDGET_MS + SLACK_MS, (igp_s, fo_d)
    dis_fo = disagreement(p1, p2, t_fail, t_rep)

    # 3. failback: each direction back on D no earlier than its vpnhad's
    # recovery (recovery-count x interval + hold-down) after the repair,
    # and never before vpnhad was seen still down; no loss, no flapping.
    min_back = (hc_d["recoveryCount"] - 1) * hc_d["intervalMs"] / 1000.0 + HOLD_DOWN_MS / 1000.0
    for p, name, key in ((p1, "a", "c2i"), (p2, "d", "i2c")):
        back = p.first("D", t_rep)
        assert back is not None, p.stats.summary()
        assert back >= t_rep + min_back - 0.05, \
            "%s back on D %.0f ms after the repair, before the failback (>= %.0f ms)" % (
                p.name, (back - t_rep) * 1000, min_back * 1000)
        assert back >= not_up[name] - 0.005, \
            "%s back on D %.1f ms before %s's vpnhad was last seen not up" % (
                p.name, (not_up[name] - back) * 1000, name)
        assert p.last("E", back, t_end) is None, "%s flapped back to E" % p.name
        res[key]["back"] = back - t_rep
        res[key]["repair_lost"] = sum(r[1] for r in p.loss_runs(t_rep, t_end))
        assert res[key]["repair_lost"] <= 5, (p.name, p.loss_runs(t_rep, t_end))
    dis_fb = disagreement(p1, p2, t_rep, t_end)

    fig = [
        ("detection bound (detectBoundUs)", "A %.0f" % bound_a, "D %.0f" % bound_d),
        ("vpnhad down after failure", "A %.0f" % ((fo_a["monotonicUs"]["down"] / 1e6 - t_fail) * 1000),
         "D %.0f" % ((fo_d["monotonicUs"]["down"] / 1e6 - t_fail) * 1000)),
        ("failover loss window", "%.1f" % res["c2i"]["window"], "%.1f" % res["i2c"]["window"]),
        ("  packets lost", "%d" % res["c2i"]["lost"], "%d" % res["i2c"]["lost"]),
        ("  first packet via E after failure", "%.1f" % (res["c2i"]["switch"] * 1000),
         "%.1f" % (res["i2c"]["switch"] * 1000)),
        ("  local switch: withdraw -> via E", "%.1f" % ((p1.first("E", t_fail) - a_withdraw) * 1000),
         "%s %.1f" % (igp, igp_s * 1000)),
        ("directions disagree, failover", "%d ms" % dis_fo[0], ""),
        ("failback: back on D after repair", "%.0f" % (res["c2i"]["back"] * 1000),
         "%.0f" % (res["i2c"]["back"] * 1000)),
        ("  packets lost in failback", "%d" % res["c2i"]["repair_lost"], "%d" % res["i2c"]["repair_lost"]),
        ("directions disagree, failback", "%d ms" % dis_fb[0], ""),
    ]
    return {"fig": fig, "igp_ms": igp_s * 1000, "setup_s": t_ready - t_begin,
            "seen": {k: ms(v - t_fail) for k, v in seen.items()},
            "streams": (st1.summary(), st2.summary())}


def figures(tp, res):
    """The figures table of run()'s results, as text."""
    lines = ["The whole scheme over %s (ms; H_vpc->H_idc is cloud->IDC; slack %d ms, %s budget %d ms)"
             % (tp.proto.upper(), SLACK_MS, tp.proto.upper(), IGP_BUDGET_MS),
             "%-36s %-16s %-16s" % ("", "cloud->IDC", "IDC->cloud")]
    lines += ["%-36s %-16s %-16s" % row for row in res["fig"]]
    return "\n".join(lines)
