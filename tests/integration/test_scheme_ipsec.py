# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 15: the scheme's activation step over real IPsec (README, "The
whole scheme").

    H_vpc 10.20.0.2 --vpc0-- A  cloud VPN gateway: zebra + vpnhad + two charons
                             |  ipsec0 169.254.1.1 (IKE 500/4500)
                             |  ipsec1 169.254.2.1 (IKE 510/4510)
           tunnel B (weight 0)                     tunnel C (weight 100)
    upd 203.0.113.10 == 198.51.100.1 upa    upe 203.0.113.11 == 198.51.100.2 upa
                             D  ipsec0 169.254.1.2   E  ipsec0 169.254.2.2
                             |  (zebra + vpnhad + charon, advertise-table 100)
                            ethd 10.10.1.0/24        ethe 10.10.2.0/24
                             +------ H_idc 10.10.0.2 (on lo) ------+

Real IKEv2/ESP on every tunnel: strongSwan with kernel-libipsec
(userspace ESP over a TUN, ESP in UDP), as tests/ipsec/testbed.py
(whose Charon this reuses).  kernel-libipsec gives one TUN per charon,
so A runs two charons, the second on ports 510/4510 as the testbed's R;
A rewrites the ports of what E sends to and receives from it (nft,
stateless), so that E talks to a charon on the standard ports and can
initiate.  Every charon starts empty: vpnhad on A, D and E loads its
connections over VICI from its own `ipsec` configuration (vtysh) -- no
swanctl.conf on any router.

Who initiates: the IDC devices D and E; A, the cloud side, is `ipsec
passive` (loads its connections, never initiates them).  vpnhad's
connections never start by themselves and install no trap policy
(start_action = none): traffic from the VPC side cannot bring them up
-- the vendor's activation step (on-demand negotiation) is replaced by
vpnhad initiating as soon as the configuration is committed, and again
whenever the SA is lost.  Only one end may do that: without `passive`
on A, both ends re-initiated a lost SA at the same moment and each
tunnel ended with two IKE SAs.  The IDC end initiates because it is the
one that knows when it is ready (and the one a cloud gateway expects to
connect; the cloud side sees its SA over VICI as responder).

1. activation: A configured first, then D and E; no IPv4 packet sent by
   either host (nft counters); within ACTIVATION_S both SAs are up on
   all three routers, every health check is alive, A's RIB routes the
   IDC prefix via B, D and E advertise the VPC prefix; one IKE SA per
   tunnel, initiated by D (E), whose charon got the initiate over VICI
   (vpnhad is its only VICI client), A never initiated.  Then the first
   packets both ways all arrive, at once (none lost, none late).
2. control: D and E passive too -- nothing initiates: no SA anywhere for
   CONTROL_S, also while H_vpc sends into B's TUN (A keeps the route to
   the IDC on B with every tunnel down: keep-best); `no ipsec passive` on
   D and E: both tunnels come up, traffic flows.
3. B fails silently (ESP dropped at both ends, IKE and its DPD alive):
   A's verdict moves cloud->IDC to C within the detection bound (+ slack);
   ESP back: failback through the health check (recovery + hold-down);
   B's IKE SA deleted by A: A fails over at once (SA event), D's vpnhad
   re-initiates, the tunnel comes back by itself (one IKE SA) and A fails
   back.

The IDC LAN router L and OSPF are left out (test_scheme.py covers the
routing side over veth); H_idc answers by D.  Every wait polls with a
bound; the only sleeps are measuring periods.
"""

import os
import shutil
import signal
import sys
import tempfile
import time

import pytest

import vpnha_topo as vt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ipsec"))
import testbed  # noqa: E402

_ok, _why = testbed.available()
pytestmark = pytest.mark.skipif(not _ok, reason=_why or "strongSwan kernel-libipsec available")

VPC, IDC = "10.20.0.0/16", "10.10.0.0/16"
H_VPC, H_IDC = "10.20.0.2", "10.10.0.2"
TABLE = 100
HOLD_DOWN_MS = 1000
RATE_HZ = 1000
LATE_MS = 100
# Bounds. Activation: the last configuration committed -> every SA,
# check, route and advertisement in place (measured 0.3-2.1 s here; probes
# prove a tunnel after recovery-count x interval).
ACTIVATION_S = 10.0
CONTROL_S = 3.0  # no SA while nothing initiates (and traffic is sent)
CONVERGE_S = 8.0
SLACK_MS = 800  # a shared 2-core machine

# A's tunnels and the edge router at the other end of each.
TUNNELS = {
    "b": dict(edge="d", a_tun="ipsec0", a_up="upd", a_ul="203.0.113.10", e_ul="198.51.100.1",
              a_hc="169.254.1.1", e_hc="169.254.1.2", a_ports=(500, 4500), table=201, lan="10.10.1"),
    "c": dict(edge="e", a_tun="ipsec1", a_up="upe", a_ul="203.0.113.11", e_ul="198.51.100.2",
              a_hc="169.254.2.1", e_hc="169.254.2.2", a_ports=(510, 4510), table=202, lan="10.10.2"),
}
# Proposals the testbed's charons can do (x25519: no gmp/openssl
# plugin); DPD every second: IKE seen alive while ESP is dropped.
IPSEC_LINES = ["ipsec interface-type tun",
               "ipsec ike encryption aes128 integrity sha256 group x25519",
               "ipsec esp encryption aes128 integrity sha256 pfs none",
               "ipsec dpd 1"]
ESP = "udp dport 4500 @th,64,32 != 0"  # ESP in UDP: non-zero SPI (IKE: zero marker)


def tunnel_config(name, ifname, peer, src, dst, local, vici, passive):
    # Each line is committed on its own: a passive tunnel says so right
    # after the line that creates its IPsec block (before the VICI socket
    # and the proposals), or the first complete connection is initiated.
    return ([" tunnel %s" % name, "  interface %s" % ifname, "  peer %s" % peer,
             "  health-check source %s destination %s" % (src, dst),
             "  health-check hold-down %d" % HOLD_DOWN_MS]
            + ["  ipsec pre-shared-key %s" % testbed.PSK] + ["  ipsec passive"] * passive
            + ["  ipsec local-address %s" % local, "  ipsec vici-socket %s" % vici]
            + ["  " + x for x in IPSEC_LINES] + [" exit"])


class Topo:
    """Namespaces, links, charons and FRR daemons (module docstring);
    everything goes to the test's cleanup registry."""

    def __init__(self, logdir):
        reg = vt.current_registry()
        self.a, self.d, self.e = vt.Netns("a"), vt.Netns("d"), vt.Netns("e")
        self.hv, self.hi = vt.Netns("hvpc"), vt.Netns("hidc")
        vt.veth_pair(self.a, "vpc0", self.hv, "eth0", "10.20.0.1/24", H_VPC + "/24")
        self.hv.ip("route", "add", "default", "via", "10.20.0.1")
        self.hi.add_addr("lo", H_IDC + "/32")
        for t in TUNNELS.values():
            edge = getattr(self, t["edge"])
            vt.veth_pair(self.a, t["a_up"], edge, "upa")
            self.a.ip("addr", "add", t["a_ul"], "peer", t["e_ul"] + "/32", "dev", t["a_up"])
            edge.ip("addr", "add", t["e_ul"], "peer", t["a_ul"] + "/32", "dev", "upa")
            vt.veth_pair(edge, "lan0", self.hi, "eth" + t["edge"], t["lan"] + ".1/24", t["lan"] + ".2/24")
            edge.ip("route", "add", H_IDC + "/32", "via", t["lan"] + ".2")
        self.hi.ip("route", "add", "default", "via", "10.10.1.1")  # back by D
        for ns in (self.a, self.d, self.e, self.hi):
            ns.sysctl("net.ipv4.ip_forward", 1)
            # H_idc receives via D or E, answers via D.
            for link in ns.ip_json("link", "show"):
                ns.sysctl("net.ipv4.conf.%s.rp_filter" % link["ifname"], 0)
            for key in ("all", "default"):
                ns.sysctl("net.ipv4.conf.%s.rp_filter" % key, 0)
        # E sees A's second charon on the standard ports.
        vt.nft_table(self.a, "inet", "vpnhat_ports", """\
table inet vpnhat_ports {
 chain pre {
  type filter hook prerouting priority -300; policy accept;
  iifname "upe" udp dport 500 udp dport set 510 notrack
  iifname "upe" udp dport 4500 udp dport set 4510 notrack
 }
 chain out {
  type filter hook output priority -300; policy accept;
  oifname "upe" udp sport 510 udp sport set 500 notrack
  oifname "upe" udp sport 4510 udp sport set 4500 notrack
 }
}
""")
        # Whatever the hosts send (IPv4), counted from the start.
        for ns in (self.hv, self.hi):
            vt.nft_table(ns, "inet", "vpnhat_quiet",
                         "table inet vpnhat_quiet {\n chain out {\n  type filter hook output priority 0;\n"
                         "  policy accept;\n  meta nfproto ipv4 counter\n }\n}\n")

        # charons: empty, their VICI sockets where vpnhad (user frr) reaches them.
        self.vici_dir = tempfile.mkdtemp(prefix="vpnhat-vici-", dir="/run")
        os.chmod(self.vici_dir, 0o755)
        reg.push(lambda: shutil.rmtree(self.vici_dir, ignore_errors=True), "rm " + self.vici_dir)
        self.charons = {}  # (router, tunnel) -> testbed.Charon
        work = os.path.join(logdir, "ipsec")
        for name, t in TUNNELS.items():
            self.charons[("a", name)] = testbed.Charon(
                self.a, os.path.join(work, "a-" + name), "vpnha-" + name, t["a_ports"], t["table"],
                t["a_tun"], "", vici=os.path.join(self.vici_dir, "a-%s.vici" % name))
            self.charons[(t["edge"], name)] = testbed.Charon(
                getattr(self, t["edge"]), os.path.join(work, t["edge"]), "vpnha-" + name, (500, 4500),
                201, "ipsec0", "", vici=os.path.join(self.vici_dir, "%s.vici" % t["edge"]))
        reg.push(self.stop_charons, "stop charons")
        # A's one after the other: TUNs are named in order (ipsec0, ipsec1).
        for key, c in self.charons.items():
            c.start()
        for name, t in TUNNELS.items():
            for ns, tun, addr in ((self.a, t["a_tun"], t["a_hc"]),
                                  (getattr(self, t["edge"]), "ipsec0", t["e_hc"])):
                ns.add_addr(tun, addr + "/30")
                ns.link_set(tun, "up")

        self.rt = {}
        for name in ("a", "d", "e"):
            rt = vt.FrrRouter(getattr(self, name), os.path.join(logdir, name))
            # conftest attaches rt.logs() of failed tests: add the charons'.
            frr_logs = rt.logs
            rt.logs = lambda lines=80, name=name, f=frr_logs: f(lines) + "\n" + self.charon_logs(name, lines)
            rt.start_zebra()
            rt.start_vpnhad()
            self.rt[name] = rt
        self.block = {"a": vt.NftBlock(self.a), "d": vt.NftBlock(self.d)}

    def stop_charons(self):
        alive = [c for c in self.charons.values() if c.alive()]
        for c in alive:
            c.proc.send_signal(signal.SIGTERM)
        for c in alive:
            vt.terminate(c.proc, timeout=3)

    def charon_logs(self, router, lines=30):
        return "\n".join("--- charon %s %s ---\n%s" % (k[0], k[1], c.log_tail(lines))
                         for k, c in self.charons.items() if k[0] == router)

    def vici(self, router, tunnel):
        return self.charons[(router, tunnel)].vici

    def configure(self, edge_passive=False):
        """A first (the cloud side is set up first; passive), then D and
        E (initiating unless edge_passive); returns the time the last
        configuration was committed."""
        lines = ["vpn-ha", " gateway cloud-gw local-address %s" % TUNNELS["b"]["a_ul"],
                 " ipsec backend strongswan"]
        for name, t in TUNNELS.items():
            lines += [" peer idc-%s" % t["edge"], "  address %s" % t["e_ul"], " exit"]
        for name, t in TUNNELS.items():
            lines += tunnel_config(name, t["a_tun"], "idc-" + t["edge"], t["a_hc"], t["e_hc"], t["a_ul"],
                                   self.vici("a", name), passive=True)
        lines += [" route %s tunnel b weight 0" % IDC, " route %s tunnel c weight 100" % IDC, "exit"]
        self.rt["a"].configure(lines)
        for name, t in TUNNELS.items():
            e = t["edge"]
            self.rt[e].configure(
                ["ip import-table %d distance 5" % TABLE, "vpn-ha",
                 " gateway idc-%s local-address %s" % (e, t["e_ul"]), " ipsec backend strongswan",
                 " peer cloud", "  address %s" % t["a_ul"], " exit",
                 " distance-base 10", " advertise-table %d" % TABLE]
                + tunnel_config(name, "ipsec0", "cloud", t["e_hc"], t["a_hc"], t["e_ul"], self.vici(e, name),
                                passive=edge_passive)
                + [" route %s tunnel %s weight 0" % (VPC, name), "exit"])
        return time.monotonic()

    # ---- observation

    def tunnel(self, router, name):
        return self.rt[router].vtysh_json("show vpn-ha tunnel %s json" % name)["tunnels"][name]

    def tunnel_states(self):
        """{"a b": (state, SA state, health verdict), ...} for every
        tunnel of A, D and E."""
        out = {}
        for router, names in (("a", ("b", "c")), ("d", ("b",)), ("e", ("c",))):
            j = self.rt[router].vtysh_json("show vpn-ha tunnel json")["tunnels"]
            for n in names:
                out["%s %s" % (router, n)] = (j[n]["state"], j[n].get("ipsec", {}).get("saState"),
                                              j[n].get("healthCheck", {}).get("verdict"))
        return out

    def advertised(self, router):
        return self.rt[router].vtysh_json("show vpn-ha route json")["routes"][VPC].get("advertised")

    def a_devs(self):
        return vt.kernel_route_devs(self.a, IDC)

    def a_rib_selected(self):
        """A's zebra: interfaces of the selected route to the IDC prefix."""
        return sorted(n.get("interfaceName") for e in self.rt["a"].rib(IDC) if e.get("selected")
                      for n in e.get("nexthops", []) if n.get("active"))

    def ike_sas(self, router, tunnel):
        """[(IKE state, initiator?)] of the IKE SAs the charon holds."""
        out = self.charons[(router, tunnel)].swanctl("--list-sas", "--raw").stdout
        sas = []
        for line in out.splitlines():
            head = line.partition("child-sas")[0]
            if "state=" in head:
                state = [tok.split("=", 1)[1] for tok in head.split() if tok.startswith("state=")][0]
                sas.append((state, "initiator=yes" in head.split()))
        return sas

    def host_ipv4_sent(self):
        out = {}
        for name, ns in (("H_vpc", self.hv), ("H_idc", self.hi)):
            text = ns.run(["nft", "list", "chain", "inet", "vpnhat_quiet", "out"]).stdout
            out[name] = int(text.split("counter packets ", 1)[1].split()[0])
        return out

    def diag(self):
        out = []
        for name, rt in self.rt.items():
            for cmd in ("show ip route", "show vpn-ha", "show vpn-ha ipsec"):
                out.append("--- %s: %s\n%s" % (name, cmd, rt.vtysh_raw(cmd, timeout=5).stdout))
        for (r, n), c in self.charons.items():
            out.append("--- charon %s %s: %s" % (r, n, c.sas()))
        return "\n".join(out)

    def wait(self, fn, timeout, desc, **kw):
        return vt.wait_for(fn, timeout, desc=desc, diag=self.diag, **kw)

    def wait_active(self, timeout):
        """Both tunnels up on A, D and E (SA up, check alive), A routing
        the IDC prefix via B, D and E advertising the VPC prefix."""
        self.wait(self.tunnel_states, timeout, ok=lambda v: all(x == ("up", "up", "alive") for x in v.values()),
                  desc="every tunnel up with its SA up and its health check alive")
        self.wait(self.a_devs, 5, ok=lambda v: v == ["ipsec0"], desc="A routes %s via tunnel B" % IDC)
        for r in ("d", "e"):
            self.wait(lambda: self.advertised(r), 5, ok=lambda v: v == {"table": TABLE, "distance": 10},
                      desc="%s advertises %s" % (r, VPC))
        return time.monotonic()


@pytest.fixture
def topo(logdir):
    for p in (vt.vpnha_daemon_path(), vt.vpnha_vtysh_path()):
        if not vt.is_executable(p):
            pytest.fail("not built: %s" % p, pytrace=False)
    t0 = time.monotonic()
    tp = Topo(logdir)
    print("\nbuilt in %.1f s" % (time.monotonic() - t0))
    # Nothing in any charon before vpnhad.
    assert all(c.sas() == {"ike": None, "child": None} for c in tp.charons.values())
    return tp


@pytest.fixture
def sch(topo):
    """topo configured and activated: both tunnels up everywhere."""
    tp = topo
    tp.t_cfg = tp.configure()
    tp.t_active = tp.wait_active(ACTIVATION_S)
    print("activation: last configuration -> everything up %.2f s" % (tp.t_active - tp.t_cfg))
    return tp


def test_activation_without_traffic(sch):
    tp = sch
    # No host has sent a single IPv4 packet: no "traffic from the VPC side".
    assert tp.host_ipv4_sent() == {"H_vpc": 0, "H_idc": 0}
    assert tp.a_rib_selected() == ["ipsec0"], tp.diag()
    for r in ("d", "e"):
        rib = [e for e in tp.rt[r].rib(VPC) if e.get("selected")]
        assert [n.get("interfaceName") for e in rib for n in e.get("nexthops", [])] == ["ipsec0"], rib
    who = {}
    for name, t in TUNNELS.items():
        ends = ("a", t["edge"])
        # the connections are vpnhad's only (no swanctl.conf loaded)
        for r in ends:
            conns = tp.charons[(r, name)].swanctl("--list-conns").stdout
            assert [l.split(":")[0] for l in conns.splitlines() if l and not l[0].isspace()] == \
                ["vpnha-" + name], conns
            j = tp.rt[r].vtysh_json("show vpn-ha ipsec json")
            assert j["connected"] is True and j["tunnels"][name]["saState"] == "up", j
        # one IKE SA per tunnel at each end, one side its initiator
        sas = {r: tp.ike_sas(r, name) for r in ends}
        assert all(len(v) == 1 and v[0][0] == "ESTABLISHED" for v in sas.values()), sas
        init = [r for r in ends if sas[r][0][1]]
        assert init == [t["edge"]], sas  # A is passive
        who[name] = init[0]
        ja = tp.tunnel("a", name)["ipsec"]
        assert ja["passive"] is True and ja["initiations"] == 0, ja
        # ... which got its initiate over VICI, from vpnhad (its only client)
        with open(tp.charons[(init[0], name)].log, errors="replace") as f:
            log = f.read()
        assert any("vici initiate" in l and "'vpnha-%s'" % name in l for l in log.splitlines()), log[-3000:]
        inits = tp.tunnel(init[0], name)["ipsec"]["initiations"]
        assert inits >= 1, inits
        # One IKE SA initiated for the whole line-by-line configuration:
        # each line used to reload the connection and drop the IKE SA just
        # initiated ("without notification", its IKE_AUTH already sent),
        # and A, authenticating two of them at once, kept a stale one.
        ike = [l for l in log.splitlines() if "initiating IKE_SA vpnha-%s[" % name in l]
        assert len(ike) == 1 and "without notification" not in log, ike

    # The first packets, both ways, at once: none lost, none late.
    streams = [vt.UdpStream(tp.hv, tp.hi, H_IDC, 5001, RATE_HZ, late_ms=LATE_MS, max_s=10).start(),
               vt.UdpStream(tp.hi, tp.hv, H_VPC, 5002, RATE_HZ, late_ms=LATE_MS, max_s=10).start()]
    time.sleep(0.5)  # measuring period
    st1, st2 = (s.stop() for s in streams)
    for st in (st1, st2):
        assert st.sent >= 100 and st.received == st.sent and not st.lost, st.summary()
        assert 0 in st.delivered, st.summary()  # the very first one too (late: > LATE_MS is lost)
    assert st1.by_interface == {"ethd": st1.received}, st1.summary()  # via B and D
    print("initiators: %s; first packets: cloud->IDC %d/%d, max latency %.1f ms; IDC->cloud %d/%d, %.1f ms"
          % (who, st1.received, st1.sent, st1.max_latency_ms, st2.received, st2.sent, st2.max_latency_ms))


def test_control_nobody_initiates(topo):
    """Control: D and E passive too -- nothing initiates: no SA for
    CONTROL_S, also while H_vpc sends into B (A keeps B's route with
    every tunnel down); `no ipsec passive` on D and E: both come up."""
    tp = topo
    tp.configure(edge_passive=True)
    tp.wait(tp.a_devs, ACTIVATION_S, ok=lambda v: v == ["ipsec0"],
            desc="A routes %s via B although down (keep-best)" % IDC)
    st = vt.UdpStream(tp.hv, tp.hi, H_IDC, 5003, RATE_HZ, late_ms=LATE_MS, max_s=30).start()
    tx0 = vt.link_stats(tp.a, "ipsec0")["tx"].get("packets", 0)
    t_end = time.monotonic() + CONTROL_S
    while time.monotonic() < t_end:  # measuring period
        s = {k: c.sas() for k, c in tp.charons.items()}
        assert all(x == {"ike": None, "child": None} for x in s.values()), \
            "an SA with nobody initiating: %s\n%s" % (s, tp.diag())
        time.sleep(0.1)
    into_b = vt.link_stats(tp.a, "ipsec0")["tx"].get("packets", 0) - tx0
    assert into_b > 0.5 * RATE_HZ * CONTROL_S, into_b  # H_vpc's packets went into B's TUN
    states = tp.tunnel_states()
    assert all(v[:2] == ("down", "down") for v in states.values()), states
    inits = {(r, n): tp.tunnel(r, n)["ipsec"]["initiations"] for r, n in (("a", "b"), ("a", "c"),
                                                                           ("d", "b"), ("e", "c"))}
    assert not any(inits.values()), inits
    # vpnhad's initiation back on at the IDC end.
    t_on = time.monotonic()
    for name, t in TUNNELS.items():
        tp.rt[t["edge"]].configure(["vpn-ha", " tunnel %s" % name, "  no ipsec passive", " exit", "exit"])
    tp.wait(lambda: all(c.established() for c in tp.charons.values()), ACTIVATION_S, interval=0.02,
            desc="every SA up once D and E initiate")
    t_sa = time.monotonic()
    t_active = tp.wait_active(ACTIVATION_S)
    time.sleep(0.2)  # measuring period
    res = st.stop()
    first = min((sent for sent, _, _ in res.delivered.values()), default=None)
    assert first is not None and first / 1e9 >= t_on, \
        "delivered before the initiation was on: %s" % res.summary()
    print("control: %.1f s without any SA while H_vpc sent %d packets into B's TUN; "
          "`no ipsec passive` on D and E -> SAs up in %.2f s, everything (health checks after 3 s of misses: "
          "recovery + hold-down) in %.2f s" % (CONTROL_S, into_b, t_sa - t_on, t_active - t_on))


def test_silent_failure_and_sa_loss(sch):
    tp = sch
    bound = tp.tunnel("a", "b")["healthCheck"]["detectBoundUs"] / 1000.0
    hc = tp.tunnel("a", "b")["healthCheck"]
    st = vt.UdpStream(tp.hv, tp.hi, H_IDC, 5004, RATE_HZ, late_ms=LATE_MS, max_s=40).start()

    # ---- ESP of B dropped at both ends; IKE (DPD) goes on
    # DPD answers across B, either way: whichever end's DPD runs first
    # (inbound IKE resets the other's timer) is answered by the other.
    def ike_answered():
        return sum(tp.charons[(side, "b")].ike_responses() for side in ("a", "d"))

    dpd0 = ike_answered()
    t_fail, t_fail1 = tp.block["a"].drop("upd", ESP)
    tp.block["d"].drop("upa", ESP)
    tp.wait(tp.a_devs, CONVERGE_S, interval=0.01, ok=lambda v: v == ["ipsec1"], desc="A's route on C")
    t_fo = time.monotonic()
    rx0 = vt.link_rx_packets(tp.hi, ["ethd", "ethe"])
    j = tp.tunnel("a", "b")
    assert j["state"] == "down" and j["ipsec"]["saState"] == "up", j  # A's verdict, not the SA's
    time.sleep(1.5)  # measuring period on C (and DPD rounds)
    assert tp.a_devs() == ["ipsec1"] and tp.a_rib_selected() == ["ipsec1"], tp.diag()
    rx1 = vt.link_rx_packets(tp.hi, ["ethd", "ethe"])
    # via C and E (ethd: a few IPv6 neighbour packets at most)
    assert rx1["ethe"] - rx0["ethe"] > 0.5 * RATE_HZ * 1.5 and rx1["ethd"] - rx0["ethd"] < 20, (rx0, rx1)
    assert tp.charons[("a", "b")].established() and tp.charons[("d", "b")].established()
    # DPD (delay 1 s) runs once a second without inbound traffic: up to
    # about 2 s after ESP stopped; polled with a bound, ESP still dropped.
    dpd = tp.wait(lambda: ike_answered() - dpd0, 5, interval=0.05,
                  desc="an IKE exchange (DPD) answered across B while ESP was dropped")
    assert tp.a_devs() == ["ipsec1"], tp.diag()
    t_rep, t_rep1 = tp.block["a"].allow("upd")
    tp.block["d"].allow("upa")
    tp.wait(tp.a_devs, CONVERGE_S, interval=0.01, ok=lambda v: v == ["ipsec0"], desc="A back on B")
    t_fb = time.monotonic()
    time.sleep(0.5)  # measuring period on B

    # ---- B's IKE SA deleted by A (the cloud side): D's vpnhad
    # re-initiates it, A fails back through its health check
    before = tp.tunnel("a", "b")["ipsec"]
    t_del = time.monotonic()
    tp.charons[("a", "b")].swanctl("--terminate", "--ike", "vpnha-b", "--timeout", "3")
    tp.wait(tp.a_devs, 2.0, interval=0.01, ok=lambda v: v == ["ipsec1"], desc="A on C at once (SA event)")
    t_sa_fo = time.monotonic()
    hold_sa = tp.tunnel("a", "b")["healthCheck"]["holdDownEffectiveMs"]  # flap damping included
    sa_down_seen = [t_del]  # a check that found no SA began then: the SA came up later

    def sa_up():
        t = time.monotonic()
        up = tp.charons[("a", "b")].established() and tp.charons[("d", "b")].established()
        if not up:
            sa_down_seen[0] = t
        return up

    tp.wait(sa_up, CONVERGE_S, interval=0.02, desc="B's SA re-initiated")
    t_sa_up = time.monotonic()
    tp.wait(tp.a_devs, CONVERGE_S, interval=0.01, ok=lambda v: v == ["ipsec0"], desc="A back on B after SA loss")
    t_sa_fb = time.monotonic()
    tp.wait_active(5)
    after = tp.tunnel("a", "b")["ipsec"]
    time.sleep(0.3)  # measuring period
    res = st.stop(keep=True)
    assert after["saDowns"] == before["saDowns"] + 1, (before, after)
    sas = {r: tp.ike_sas(r, "b") for r in ("a", "d")}
    assert all(len(v) == 1 for v in sas.values()), "duplicate IKE SAs: %s" % sas
    re_init = [r for r in ("a", "d") if sas[r][0][1]]
    assert re_init == ["d"], sas

    # The stream: the ESP failure's loss run within the detection bound;
    # failback no earlier than the health check allows.
    times = [x / 1e9 for x in st.raw[0]["times"]]
    runs = [r for r in res.runs if t_fail - 0.01 <= times[r[0]] < t_rep]
    assert runs, "the ESP drop cut nothing?! %s" % res.summary()
    window = max(r[3] for r in runs)
    assert window <= bound + SLACK_MS, "loss window %.1f ms > bound %.1f + %d ms\n%s" % (
        window, bound, SLACK_MS, res.summary())
    min_back = (hc["recoveryCount"] - 1) * hc["intervalMs"] / 1000.0 + HOLD_DOWN_MS / 1000.0
    assert t_fb - t_rep1 >= min_back - 0.05, "failback %.0f ms after the repair, before %.0f" % (
        (t_fb - t_rep1) * 1000, min_back * 1000)
    # back on B only once the probes proved the new SA
    assert t_sa_fb - sa_down_seen[0] >= min_back - 0.05, "back on B %.0f ms after the SA, before %.0f" % (
        (t_sa_fb - sa_down_seen[0]) * 1000, min_back * 1000)
    sa_runs = [r for r in res.runs if times[r[0]] >= t_del - 0.01]
    sa_window = max((r[3] for r in sa_runs), default=0.0)
    print("ESP dropped on B: A on C after %.0f ms (bound %.0f), loss window %.1f ms, DPD answered %d; "
          "repair: back on B after %.0f ms (>= %.0f)"
          % ((t_fo - t_fail) * 1000, bound, window, dpd, (t_fb - t_rep1) * 1000, min_back * 1000))
    print("IKE SA deleted by A: A on C after %.0f ms, SA re-initiated (by %s) after %.0f ms, A back on B "
          "after %.0f ms (hold-down %d ms with damping); loss window %.1f ms; stream %s"
          % ((t_sa_fo - t_del) * 1000, re_init, (t_sa_up - t_del) * 1000, (t_sa_fb - t_del) * 1000,
             hold_sa, sa_window, res.summary()))
