# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 15: telling the IDC network.  The IDC edge router D (the
scheme's R: zebra + vpnhad + ospfd or bgpd) advertises the cloud prefix
to a LAN router L only while its tunnel carries it.

    L eth0 192.168.100.2/30 <-veth-> R lan0 192.168.100.1/30
    R vti1 (primary) / vti2 (backup) <-> P (the cloud), as in the README

D is a one-tunnel router for the prefix (the backup's route is removed)
with `advertise-table 100` and `distance-base 10`; zebra re-originates
table 100 with `ip import-table 100 distance 5` and ospfd/bgpd pick it up
with `redistribute table 100` (README, "Telling the IDC network").
Without advertise-table L never learns the prefix (zebra gives an
instanced static route only to a client asking for that instance:
zebra/redistribute.c, zebra_redistribute_check(), FRR 8.4 and 10.3).

Silent failure of the primary (ESP-like: probes dropped in P) -> D's
vpnhad withdraws the table-100 route -> L loses the route within the
detection bound plus the protocol's propagation; after the failback, L
learns it again, never before vpnhad declared the tunnel up.  Every wait
polls L's zebra RIB (`show ip route PREFIX json`) with a bound.
"""

import os
import time

import pytest

import vpnha_topo as vt

PREFIX = vt.SCHEME_PREFIX
TABLE = 100
# Detection (defaults: about 1 s, detectBoundUs) plus the protocol's own
# propagation (OSPF: LSA flush and L's SPF; BGP: an UPDATE) and this
# machine's load: a generous bound that still tells a stuck route apart.
LOSE_BOUND_S = 6.0
LEARN_BOUND_S = 20.0  # adjacency/session and first advertisement

D_ZEBRA = "ip import-table %d distance 5\n" % TABLE

D_VPNHA = """\
vpn-ha
 distance-base 10
 no route 10.20.0.0/16 tunnel backup weight 100
exit
"""

OSPF_IF = """\
interface {ifname}
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 3
exit
"""

OSPF_D = OSPF_IF.format(ifname="lan0") + """\
router ospf
 ospf router-id 192.168.100.1
 timers throttle spf 0 50 500
 redistribute connected
 redistribute table %d
 network 192.168.100.0/30 area 0
exit
""" % TABLE

OSPF_L = OSPF_IF.format(ifname="eth0") + """\
router ospf
 ospf router-id 192.168.100.2
 timers lsa min-arrival 0
 timers throttle spf 0 50 500
 network 192.168.100.0/30 area 0
exit
"""

BGP_D = """\
router bgp 65000
 bgp router-id 192.168.100.1
 no bgp ebgp-requires-policy
 neighbor 192.168.100.2 remote-as internal
 neighbor 192.168.100.2 timers 1 3
 neighbor 192.168.100.2 timers connect 1
 address-family ipv4 unicast
  redistribute connected
  redistribute table %d
 exit-address-family
exit
""" % TABLE

BGP_L = """\
router bgp 65000
 bgp router-id 192.168.100.2
 no bgp ebgp-requires-policy
 neighbor 192.168.100.1 remote-as internal
 neighbor 192.168.100.1 timers 1 3
 neighbor 192.168.100.1 timers connect 1
exit
"""

# An address on R's lo, redistributed as connected: the control that
# redistribution from D to L works (zebra never redistributes the
# tunnels' 169.254/16 networks: zebra_check_addr()).
CONTROL = "172.16.99.1/32"


def l_route(l_rt, prefix, proto):
    """L's selected route for prefix learnt by proto, or None."""
    for e in l_rt.rib(prefix):
        if e.get("protocol") == proto and e.get("selected"):
            return e
    return None


def state(s, name="primary"):
    return s.rt.vtysh_json("show vpn-ha tunnel %s json" % name)["tunnels"][name]["state"]


def advertised(s):
    return s.rt.vtysh_json("show vpn-ha route json")["routes"][PREFIX].get("advertised")


def lan(s, logdir):
    """L: a namespace with zebra, joined to R by lan0 <-> eth0."""
    ns = vt.Netns("l")
    vt.veth_pair(s.r, "lan0", ns, "eth0", "192.168.100.1/30", "192.168.100.2/30")
    l_rt = vt.FrrRouter(ns, os.path.join(logdir, "l"))
    l_rt.start_zebra()
    return l_rt


DIAG = {"ospf": ["show ip ospf neighbor", "show ip ospf database"],
        "bgp": ["show bgp summary", "show bgp ipv4 unicast"]}


def diag(s, l_rt, proto):
    """What D and L hold, for a failure message."""
    out = []
    for rt in (s.rt, l_rt):
        for cmd in DIAG[proto] + ["show ip route", "show running-config"]:
            cp = rt.vtysh_raw(cmd)
            out.append("--- %s: %s\n%s" % (rt.name, cmd, cp.stdout))
    return "\n".join(out)


def wait_l(s, l_rt, proto, fn, timeout, desc, **kw):
    try:
        return vt.wait_for(fn, timeout, desc=desc, **kw)
    except AssertionError as e:
        raise AssertionError("%s\n%s" % (e, diag(s, l_rt, proto))) from None


def run_scenario(s, block, l_rt, proto):
    """The common sequence; returns the measured times (s)."""
    # 1. The control: L learns R's connected network through proto.
    wait_l(s, l_rt, proto, lambda: l_route(l_rt, CONTROL, proto), LEARN_BOUND_S,
           desc="control: L learns %s from D by %s" % (CONTROL, proto))

    # 2. Without advertise-table, L never learns the prefix (import-table
    #    and `redistribute table` alone carry nothing).
    time.sleep(3.0)
    assert l_route(l_rt, PREFIX, proto) is None, \
        "L learnt %s without advertise-table: %r" % (PREFIX, l_rt.rib(PREFIX))
    assert advertised(s) is None

    # 3. With it, L learns the prefix; D's FIB route goes through vti1.
    t0 = time.monotonic()
    s.rt.configure("vpn-ha\n advertise-table %d\nexit\n" % TABLE)
    wait_l(s, l_rt, proto, lambda: l_route(l_rt, PREFIX, proto), LEARN_BOUND_S,
           desc="L learns %s from D by %s" % (PREFIX, proto))
    t_learn = time.monotonic() - t0
    assert advertised(s) == {"table": TABLE, "distance": 10}
    assert " advertise-table %d" % TABLE in s.rt.running_config()
    assert vt.kernel_routes(s.r, PREFIX, table=TABLE), "no kernel route in table %d" % TABLE
    s.wait_kernel_devs(["vti1"])
    # D's zebra: the imported copy (T[100], distance 5) is selected over
    # vpnhad's own route (S[5], distance 10): same nexthop, vti1.
    rib = {e["protocol"]: e for e in s.rt.rib(PREFIX)}
    assert rib["table"].get("selected") and rib["table"]["distance"] == 5, rib
    assert [n.get("interfaceName") for n in rib["table"]["nexthops"]] == ["vti1"], rib
    assert rib["static"]["distance"] == 10 and not rib["static"].get("selected"), rib
    # vpnhad takes the copy's install for the prefix's.
    vt.wait_for(lambda: s.rt.vtysh_json("show vpn-ha route json")["routes"][PREFIX]["paths"][0],
                5, ok=lambda p: p["selected"], desc="vpnhad's route reported selected")

    # 3b. vpnhad restarts: zebra keeps its routes (graceful restart; the
    #     sweep covers the main table only), the new vpnhad withdraws
    #     the copy it did not send and sends its own: D's T route stands
    #     and L keeps or regains the prefix.
    s.rt.stop("vpnhad")
    s.rt.start_vpnhad()
    s.rt.configure(vt.README_CONFIG)
    s.rt.configure(vt.health_check_config({"primary": {}, "backup": {}}))
    s.rt.configure(D_VPNHA)
    s.rt.configure("vpn-ha\n advertise-table %d\nexit\n" % TABLE)
    vt.wait_for(lambda: advertised(s), 10, ok=lambda a: a == {"table": TABLE, "distance": 10},
                desc="advertised again after the restart's hold")
    vt.wait_for(lambda: [e.get("selected") for e in s.rt.rib(PREFIX) if e["protocol"] == "table"],
                5, ok=lambda v: v == [True], desc="D's T[%d] route after vpnhad's restart" % TABLE)
    wait_l(s, l_rt, proto, lambda: l_route(l_rt, PREFIX, proto), LOSE_BOUND_S,
           desc="L has %s after D's vpnhad restarted" % PREFIX)

    # 4. Silent failure of D's tunnel: L loses the route.
    t0, _ = block.drop("cvti1")
    wait_l(s, l_rt, proto, lambda: l_route(l_rt, PREFIX, proto), LOSE_BOUND_S,
           interval=0.02, ok=lambda r: r is None,
           desc="L loses %s after D's tunnel failed" % PREFIX)
    t_lose = time.monotonic() - t0
    assert state(s) == "down"
    assert advertised(s) is None
    assert not vt.kernel_routes(s.r, PREFIX, table=TABLE)
    # keep-best keeps D's own route (all its tunnels are down) but it is
    # not advertised: L stays without it.
    time.sleep(1.0)
    assert l_route(l_rt, PREFIX, proto) is None

    # 5. Failback: L learns it again, only after vpnhad's failback.
    t0, _ = block.allow("cvti1")
    t_up = None
    deadline = time.monotonic() + 15.0
    while True:
        # L first: L holding the route while vpnhad, asked after, does
        # not say up means L learnt it before the failback.
        learnt = l_route(l_rt, PREFIX, proto) is not None
        up = state(s) == "up"
        now = time.monotonic()
        if up and t_up is None:
            t_up = now
        assert not learnt or up, \
            "L learnt %s again before vpnhad declared the tunnel up" % PREFIX
        if learnt:
            break
        assert now < deadline, "L did not learn %s again after the failback" % PREFIX
        time.sleep(0.02)
    t_relearn = time.monotonic() - t0
    t_after_up = time.monotonic() - t_up
    assert t_after_up < LOSE_BOUND_S

    # 6. No advertise-table: withdrawn from the table, L loses it.
    s.rt.configure("vpn-ha\n no advertise-table\nexit\n")
    wait_l(s, l_rt, proto, lambda: l_route(l_rt, PREFIX, proto), LOSE_BOUND_S,
           ok=lambda r: r is None,
           desc="L loses %s once advertise-table is removed" % PREFIX)
    assert not vt.kernel_routes(s.r, PREFIX, table=TABLE)
    s.wait_kernel_devs(["vti1"])
    times = {"learn": t_learn, "lose": t_lose, "relearn": t_relearn,
             "relearn_after_up": t_after_up}
    print("%s times (s): %s" % (proto, {k: round(v, 2) for k, v in times.items()}))
    return times


def setup_d(s):
    s.r.add_addr("lo", CONTROL)
    s.rt.configure(D_VPNHA)
    s.rt.configure(D_ZEBRA)
    s.wait_kernel_devs(["vti1"])


def test_ospf_advertises_only_while_tunnel_healthy(vpnha_hc, block, logdir):
    s = vpnha_hc
    setup_d(s)
    l_rt = lan(s, logdir)
    s.rt.start_daemon("ospfd")
    l_rt.start_daemon("ospfd")
    s.rt.configure(OSPF_D)
    l_rt.configure(OSPF_L)
    run_scenario(s, block, l_rt, "ospf")


def test_bgp_redistribute_table_without_network(vpnha_hc, block, logdir):
    s = vpnha_hc
    setup_d(s)
    l_rt = lan(s, logdir)
    s.rt.start_daemon("bgpd")
    # L listens (the framework starts bgpd without a listener).
    l_rt.start_daemon("bgpd", extra_args=["-p", "179"])
    s.rt.configure(BGP_D)
    l_rt.configure(BGP_L)
    run_scenario(s, block, l_rt, "bgp")


def test_ospf_backup_tunnel_keeps_advertising(vpnha_hc, block, logdir):
    """D with both tunnels: the primary's silent failure moves the
    advertised route to the backup (D's FIB follows, L keeps the prefix),
    and vpnhad's failover timeline closes on the copy's install."""
    s = vpnha_hc
    s.r.add_addr("lo", CONTROL)
    s.rt.configure("vpn-ha\n distance-base 10\n advertise-table %d\nexit\n" % TABLE)
    s.rt.configure(D_ZEBRA)
    l_rt = lan(s, logdir)
    s.rt.start_daemon("ospfd")
    l_rt.start_daemon("ospfd")
    s.rt.configure(OSPF_D)
    l_rt.configure(OSPF_L)
    wait_l(s, l_rt, "ospf", lambda: l_route(l_rt, PREFIX, "ospf"), LEARN_BOUND_S,
           desc="L learns %s from D by ospf" % PREFIX)
    assert advertised(s) == {"table": TABLE, "distance": 10}

    # L keeps the prefix through the whole failover (the copy moves to
    # the backup as a withdraw and an add, which zebra must not turn
    # into a withdrawal towards ospfd): polled from the failure until
    # 1.5 s after the backup's route is advertised.
    block.drop("cvti1")
    t_end, polls = time.monotonic() + LOSE_BOUND_S, 0
    moved = None
    while True:
        assert l_route(l_rt, PREFIX, "ospf") is not None, \
            "L lost %s during D's failover to its backup tunnel" % PREFIX
        polls += 1
        now = time.monotonic()
        if moved is None and advertised(s) == {"table": TABLE, "distance": 110}:
            moved = now
        if moved is not None and now > moved + 1.5:
            break
        assert now < t_end, "the backup's route not advertised: %r" % advertised(s)
    print("L polled %d times through the failover" % polls)
    s.wait_kernel_devs(["vti2"])

    def table_devs():
        return [n.get("interfaceName") for e in s.rt.rib(PREFIX)
                if e["protocol"] == "table" and e.get("selected") for n in e["nexthops"]]

    vt.wait_for(table_devs, 5, ok=lambda d: d == ["vti2"], desc="D's T[%d] route via vti2" % TABLE)
    fo = vt.wait_for(lambda: s.rt.vtysh_json("show vpn-ha tunnel primary json")
                     ["tunnels"]["primary"].get("lastFailover", {}), 5,
                     ok=lambda f: f.get("switchMs") is not None,
                     desc="failover timeline closed by the copy's install")
    assert fo["totalMs"] < LOSE_BOUND_S * 1000, fo
