#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The live demo over real IPsec (run by tools/demo.sh after setup).

In network namespaces (tests/ipsec/testbed.py):

    S 192.168.10.10 -- R (zebra + vpnhad) ==IKEv2/ESP ipsec0==> G1 --+
                                          ==IKEv2/ESP ipsec1==> G2 --+-- V 10.20.0.10

vpnhad runs the README configuration (gateway idc-gw, peers cloud-a /
cloud-b, tunnels primary / backup on the two IPsec interfaces with
health checks, 10.20.0.0/16 weight 0 / 100). A 1 kHz UDP stream S -> V
measures what the data plane loses while:

  1. both tunnels are healthy: traffic on the primary;
  2. the primary dies silently (ESP dropped at G1; IKE alive, interface
     up): vpnhad detects it, zebra moves the route to the backup;
  3. ESP comes back: failback after recovery count + hold-down, without
     losing a packet.

A NETCONF client (ncclient over SSH to vpnhad's -M netconf server)
subscribes first and prints the failover notification as it arrives.

Every wait is bounded; everything is torn down at the end, also on a
failure or Ctrl-C. Usage: tools/demo.sh [--scheme [ospf|bgp]] (as root; it
sets up first); --scheme runs the whole scheme instead (demo_scheme()).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
sys.path.insert(0, os.path.join(TOP, "tests", "ipsec"))

import vpnha_topo as vt  # noqa: E402
import testbed  # noqa: E402
import nc_topo  # noqa: E402
import scheme_topo  # noqa: E402

RATE_HZ = 1000
LATE_MS = 100
FAILOVER_WAIT_S = 5.0    # bound on the switch (expected < 0.2 s)
FAILBACK_WAIT_S = 12.0   # bound on the failback (expected ~4-5 s)
T1, T2 = testbed.TUNNELS[1], testbed.TUNNELS[2]

# Published failover times users compare with (docs/what-to-beat.md).
ANCHORS = [
    ("Tencent Cloud VPN health check (default)", "~15 s"),
    ("Alibaba Cloud VPN (3 s x 3)", "~9 s"),
    ("Cisco IP SLA + track + floating static", "~3-10 s"),
]

T_START = time.monotonic()
TESTBEDS = []  # torn down explicitly first: charons and daemons are reaped
STREAMS = []   # stopped (and reaped) before that, e.g. after a Ctrl-C
BOLD, OFF = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")


def step(msg):
    print("\n%s==> [%5.1f s] %s%s" % (BOLD, time.monotonic() - T_START, msg, OFF), flush=True)


def info(msg=""):
    for line in str(msg).splitlines() or [""]:
        print("    " + line, flush=True)


def kroute(tb):
    out = tb.r.run(["ip", "route", "show", testbed.VPC_PREFIX]).stdout.strip()
    return re.sub(r" nhid [0-9]+", "", out) or "(no route)"


def sa_lines(tb, side="r"):
    """One line per tunnel: IKE / Child SA state as swanctl --list-sas shows it."""
    out = []
    for i, t in testbed.TUNNELS.items():
        c = tb.charons[(side, i)]
        s = c.sas()
        out.append("%-8s %s  %s[%d] <-> %s  IKE SA %s, Child SA %s (0.0.0.0/0 === 0.0.0.0/0)"
                   % (t["name"], t["r_tun"], t["r_ul"], c.ports[0], t["g_ul"], s["ike"] or "none",
                      s["child"] or "none"))
    return out


def tun_rx_per_s(tb, seconds=1.0):
    a = tb.gw_tun_rx()
    time.sleep(seconds)
    b = tb.gw_tun_rx()
    return {i: (b[i] - a[i]) / seconds for i in a}


def stream(tb, port):
    st = vt.UdpStream(tb.s, tb.v, testbed.V_ADDR, port, RATE_HZ, late_ms=LATE_MS, max_s=60)
    STREAMS.append(st)
    return st.start()


def last_failover(tb):
    t = tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]
    return t.get("lastFailover") or {}


def netconf_down_notification(m, tunnel, timeout):
    """The tunnel-state-change to down of tunnel that m received (XML)."""
    from lxml import etree

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = m.take_notification(block=True, timeout=0.5)
        if n is None:
            continue
        ev = n.notification_ele.xpath("//v:tunnel-state-change",
                                      namespaces={"v": nc_topo.VPNHA_NS})
        if (ev and ev[0].findtext("{%s}tunnel" % nc_topo.VPNHA_NS) == tunnel
                and ev[0].findtext("{%s}new-state" % nc_topo.VPNHA_NS) == "down"):
            return etree.tostring(n.notification_ele, pretty_print=True).decode().rstrip()
    raise RuntimeError("no NETCONF tunnel-state-change to down for %s within %.0f s"
                       % (tunnel, timeout))


def demo(logdir):
    ok, why = testbed.available()
    if not ok:
        raise SystemExit("demo: %s (tools/setup.sh installs it)" % why)
    for p in (vt.vpnha_daemon_path(), vt.vpnha_vtysh_path()):
        if not vt.is_executable(p):
            raise SystemExit("demo: %s is not built (run tools/setup.sh)" % p)

    step("Note: the tunnels are real IKEv2/ESP (strongSwan, driven by vpnhad), ESP in userspace")
    info("This machine's kernel has no XFRM ESP, so strongSwan's kernel-libipsec plugin")
    info("encrypts in userspace and gives each tunnel a TUN interface (ipsec0, ipsec1).")
    info("vpnhad only needs a route-based interface per tunnel: the same daemon works")
    info("with libreswan / VTI / xfrm interfaces on a kernel with ESP.")

    step("Building the testbed: S -- R (zebra + vpnhad) == 2 IPsec tunnels == G1/G2 -- V")
    tb = testbed.Testbed(logdir, vpnha_ipsec=True)
    TESTBEDS.append(tb)
    tb.build(timeout=30.0)
    info("namespaces S, R, G1, G2, V; 4 charons (2 on R, one per gateway); zebra on R")
    info("built in %.1f s; R's charons have no connection yet: vpnhad will load them"
         % (tb.timing["build_ms"] / 1000))

    step("Starting vpnhad and configuring it from vtysh: tunnels, IPsec, health checks, routes")
    nc = nc_topo.NetconfServer(tb)
    info("vpnhad runs with its NETCONF server (-M netconf:FILE, 127.0.0.1:830 in R, SSH keys)")
    conf = tb.vpnha_config()
    info(conf.rstrip())
    t_conf = time.monotonic()
    tb.rt.configure(conf)
    vt.wait_for(lambda: tb.rt.vtysh_json("show vpn-ha tunnel json")["tunnels"], 15,
                ok=lambda t: len(t) == 2 and all(x.get("state") == "up" for x in t.values()),
                desc="both tunnels up with a passing health check")
    tb.wait_kernel_devs([T1["r_tun"]], 5)
    step("vpnhad generated both IPsec connections, loaded them over VICI and brought them up")
    info("(%.1f s from the configuration to both tunnels up and proven by the probes)"
         % (time.monotonic() - t_conf))
    info(tb.rt.vtysh("show vpn-ha ipsec").rstrip())
    for line in sa_lines(tb):
        info(line)
    step("show vpn-ha tunnel primary ipsec-config (what vpnhad loaded; the key never leaves it in clear)")
    info(tb.rt.vtysh("show vpn-ha tunnel primary ipsec-config").rstrip())

    step("A NETCONF client (ncclient, user ops) subscribes to vpnhad's notifications (RFC 5277)")
    m = nc.connect()
    m.create_subscription()
    info("session %s; %d capabilities, frr-vpnhad among them: %s"
         % (m.session_id, len(list(m.server_capabilities)),
            any("frr-vpnhad" in c for c in m.server_capabilities)))

    step("Starting a 1 kHz UDP stream S 192.168.10.10 -> V %s" % testbed.V_ADDR)
    st1 = stream(tb, 5201)
    time.sleep(0.3)
    rx = tun_rx_per_s(tb)
    info("packets/s decrypted by the gateways: G1 (primary) %.0f, G2 (backup) %.0f"
         % (rx[1], rx[2]))
    info("(the backup only carries its health-check probes, 10/s)")
    info("kernel on R: %s" % kroute(tb))

    step("show vpn-ha")
    info(tb.rt.vtysh("show vpn-ha").rstrip())
    step("IKE SAs (swanctl --list-sas on R, one line per tunnel)")
    for line in sa_lines(tb):
        info(line)

    step("Killing the primary silently: G1 drops all ESP (IKE still answered, interfaces UP)")
    dpd0 = tb.charons[("r", 1)].ike_responses()
    t0, _ = tb.esp_drop(1)
    tb.wait_kernel_devs([T2["r_tun"]], FAILOVER_WAIT_S)
    t_switch = time.monotonic() - t0
    info("kernel route moved to the backup %.0f ms after the drop (polled every 20 ms)" % (t_switch * 1000))
    info("kernel on R: %s" % kroute(tb))
    lf = vt.wait_for(lambda: last_failover(tb), 3, ok=lambda f: f.get("switchMs") is not None,
                     desc="lastFailover of tunnel primary")
    # Overlapping stream for the failback phase, so the first one can end
    # (it holds the failover's loss window) with no unmeasured gap.
    st2 = stream(tb, 5202)
    time.sleep(1.2)
    s1 = st1.stop()
    rx = tun_rx_per_s(tb)
    step("show vpn-ha tunnel primary")
    info(tb.rt.vtysh("show vpn-ha tunnel primary").rstrip())
    step("The primary is dead only for data: IKE and the interface are fine")
    for line in sa_lines(tb):
        info(line)
    info("DPD exchanges answered over the primary since the drop: %d"
         % (tb.charons[("r", 1)].ike_responses() - dpd0))
    info("ipsec0 up on R and on G1: %s; packets/s decrypted: G1 %.0f, G2 %.0f"
         % (tb.tun_up(1, "r") and tb.tun_up(1, "g"), rx[1], rx[2]))
    step("The NETCONF client's notification of the failover, as it arrived")
    info(netconf_down_notification(m, "primary", 3.0))
    step("Failover, measured twice")
    info("UDP stream: lost %d packets, loss window %.1f ms (%d loss run%s)"
         % (len(s1.lost), s1.loss_window_ms, len(s1.runs), "" if len(s1.runs) == 1 else "s"))
    info("vpnhad lastFailover: detection %s ms (last good reply -> down verdict), "
         "switch %s ms (verdict -> zebra installed)" % (lf.get("detectionMs"), lf.get("switchMs")))
    info("defaults: probe every 100 ms, 500 ms timeout, down after 5 misses")

    step("Restoring ESP on the primary; waiting for failback (recovery 10 x 100 ms + 3 s hold-down)")
    t1, _ = tb.esp_restore(1)
    tb.wait_kernel_devs([T1["r_tun"]], FAILBACK_WAIT_S)
    t_back = time.monotonic() - t1
    info("kernel route back on the primary %.1f s after ESP came back" % t_back)
    info("kernel on R: %s" % kroute(tb))
    time.sleep(0.5)
    s2 = st2.stop()
    step("show vpn-ha route")
    info(tb.rt.vtysh("show vpn-ha route").rstrip())
    step("Failback: UDP stream")
    info("sent %d, lost %d%s; via G1 %d, via G2 %d"
         % (s2.sent, len(s2.lost), " (no loss)" if not s2.lost else " (loss window %.1f ms)" % s2.loss_window_ms,
            s2.by_interface.get(T1["v_if"], 0), s2.by_interface.get(T2["v_if"], 0)))

    step("The cloud side deletes the primary's IKE SA (swanctl --terminate on G1)")
    st3 = stream(tb, 5203)
    time.sleep(0.3)
    t2 = time.monotonic()
    tb.charons[("g", 1)].swanctl("--terminate", "--ike", "t1", "--timeout", "2")
    tb.wait_kernel_devs([T2["r_tun"]], FAILOVER_WAIT_S)
    t_sa = time.monotonic() - t2
    p = tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]
    info("kernel route on the backup %.0f ms after the delete: charon told vpnhad over VICI"
         % (t_sa * 1000))
    info("primary: %s (%s); IPsec: %s" % (p["state"], p["reason"], p["ipsec"]["detail"]))
    tb.wait_kernel_devs([T1["r_tun"]], FAILBACK_WAIT_S + 5)
    t_re = time.monotonic() - t2
    time.sleep(0.3)
    s3 = st3.stop()
    p = tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]
    info("vpnhad re-initiated it (%d initiations so far); probes proved it; back on the primary "
         "%.1f s after the delete" % (p["ipsec"]["initiations"], t_re))
    info("UDP stream: lost %d packets, loss window %.1f ms" % (len(s3.lost), s3.loss_window_ms))

    step("Summary")
    rows = [
        ("silent failure -> traffic on backup", "%.0f ms lost (UDP stream loss window)" % s1.loss_window_ms),
        ("  vpnhad: detection / switch", "%s ms / %s ms" % (lf.get("detectionMs"), lf.get("switchMs"))),
        ("  kernel route moved (20 ms polling)", "%.0f ms" % (t_switch * 1000)),
        ("recovery -> traffic back on primary", "%.1f s (by design: 1 s recovery + 3 s hold-down)" % t_back),
        ("  failback: packets lost", "%d of %d" % (len(s2.lost), s2.sent)),
        ("IPsec SA deleted by the peer -> on backup", "%.0f ms (kernel route); stream loss window %.0f ms"
         % (t_sa * 1000, s3.loss_window_ms)),
    ]
    rows += [("compare: " + a, b) for a, b in ANCHORS]
    for a, b in rows:
        info("%-52s %s" % (a, b))
    problems = []
    if len(s1.runs) != 1:
        problems.append("failover phase had %d loss runs (expected 1)" % len(s1.runs))
    if s2.lost:
        problems.append("failback lost %d packets" % len(s2.lost))
    if s1.socket_drops or s2.socket_drops:
        problems.append("the receiver socket overflowed (machine overloaded)")
    for p in problems:
        info("WARNING: " + p)
    if problems:
        # What the streams measured, so that a failed run says why
        # (missing or late packets, the sender's own pauses, per
        # interface).
        for name, st in (("failover", s1), ("failback", s2), ("SA delete", s3)):
            info("%s stream: %s" % (name, st.summary()))
    return 1 if problems else 0


SCHEME_PICTURE = """\
 H_vpc 10.20.0.2 -- A  cloud VPN gateway (zebra + vpnhad)
                    | tunb                 | tunc
       tunnel B     | weight 0             | weight 100     tunnel C
                    | tuna                 | tuna
                    D  IDC edge            E  IDC edge   (zebra + vpnhad + {d}, advertise-table)
                    |                      |
                    +--------- L ----------+   IDC LAN router (zebra + {d})
                               |
                        H_idc 10.10.0.2"""


def demo_scheme(logdir, proto):
    """The whole scheme (README, "The whole scheme"): the cloud side A and
    the IDC's D, E and L, the IDC network over proto; both directions
    fail over and back, each by its own vpnhad's verdict."""
    st = scheme_topo
    for p in (vt.vpnha_daemon_path(), vt.vpnha_vtysh_path()):
        if not vt.is_executable(p):
            raise SystemExit("demo: %s is not built (run tools/setup.sh)" % p)
    igp = proto.upper()
    step("Building the scheme as the cloud vendor draws it, the IDC network over %s" % igp)
    info(SCHEME_PICTURE.format(d=proto + "d"))
    info("L prefers D's advertisement (%s) while D advertises." % (
        "OSPF external metric 10 < E's 20" if proto == "ospf" else "iBGP, MED 10 < E's 20"))
    info("Six network namespaces; veth pairs stand in for the route-based IPsec tunnels")
    info("(the default demo, without --scheme, runs real IKEv2/ESP). A decides cloud->IDC;")
    info("D decides IDC->cloud: its vpnhad advertises %s into %s only while its tunnel" % (st.VPC, igp))
    info("works (advertise-table %d), so L follows without any state sync between boxes." % st.TABLE)
    tp = st.Topo(logdir, proto)
    shows = [("a", "show vpn-ha route"), ("d", "show vpn-ha route"),
             ("l", "show ip route %s" % st.VPC)]

    def show(name, cmd):
        info("%s# %s" % (name.upper(), cmd))
        info("  " + tp.rt[name].vtysh(cmd).rstrip().replace("\n", "\n  "))

    def snap(stage):
        if stage == "steady":
            for name, cmd in shows:
                show(name, cmd)
        elif stage == "failover":
            info("A's and D's vpnhad: tunnel b %s / %s; D advertises: %s" % (
                tp.state("a", "b"), tp.state("d", "b"), tp.advertised("d") or "nothing"))
            for name, cmd in shows[1:]:
                show(name, cmd)
        else:
            info("back: A routes %s via %s, L routes %s via %s" % (
                st.IDC, ",".join(tp.a_devs()), st.VPC, ",".join(tp.l_devs())))

    res = st.run(tp, say=step, snap=snap, streams=STREAMS)
    step("Summary")
    info(st.figures(tp, res))
    info("streams: %s\n         %s" % res["streams"])
    info("Each direction is lost only for its own vpnhad's detection (+ %s for IDC->cloud);" % igp)
    info("each fails back only through its own health check. Test: tests/integration/test_scheme.py")
    return 0


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main():
    if os.geteuid() != 0:
        raise SystemExit("demo: run as root (network namespaces)")
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    args = sys.argv[1:]
    scheme = None
    if args[:1] == ["--scheme"] and len(args) <= 2:
        scheme = args[1] if len(args) == 2 else "ospf"
    if (args and scheme is None) or (scheme and scheme not in scheme_topo.PROTOS):
        raise SystemExit("usage: tools/demo.sh [--scheme [%s]]" % "|".join(scheme_topo.PROTOS))
    vt.sweep_stale()
    logdir = tempfile.mkdtemp(prefix="vpnha-demo-")
    rc = 1
    scope = vt.registry_scope("demo")
    scope.__enter__()
    try:
        rc = demo_scheme(logdir, scheme) if scheme else demo(logdir)
    except KeyboardInterrupt:
        print("\ndemo: interrupted", flush=True)
        rc = 130
    except Exception as e:  # noqa: BLE001 - report, then tear down
        print("\ndemo: FAILED: %s" % e, flush=True)
        rc = 1
    finally:
        # No second Ctrl-C in the middle of the teardown.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        step("Tearing down (daemons, charons, namespaces)")
        t0 = time.monotonic()
        for st in STREAMS:
            # Streams still running after a Ctrl-C: their results are not
            # wanted (a SIGTERMed receiver would block writing them to its
            # unread pipe), so SIGKILL and reap them.
            for p in (st.sender, st.receiver):
                if p is not None and p.poll() is None:
                    p.kill()
                    try:
                        p.wait(timeout=3)
                    except Exception:  # noqa: BLE001 - the registry retries
                        pass
        for tb in TESTBEDS:
            # The testbed's own teardown stops (and reaps) daemons and
            # charons in parallel before the namespaces go; the registry
            # then removes whatever is left (streams, nft, directories).
            try:
                tb.teardown()
            except Exception as e:  # noqa: BLE001 - the registry retries
                info("teardown: %s" % e)
        scope.__exit__(None, None, None)
        left = [n for n in vt.netns_list() if n.startswith("%s%d-" % (vt.PREFIX, os.getpid()))]
        info("done in %.1f s%s" % (time.monotonic() - t0, "; LEFT: %s" % left if left else ""))
        if rc == 0:
            shutil.rmtree(logdir, ignore_errors=True)
        else:
            info("logs kept in %s" % logdir)
        info("total %.1f s" % (time.monotonic() - T_START))
    if rc == 0 and not scheme:
        rc = timeline_plot()
    return rc


def timeline_plot():
    """One more silent failure, recorded packet by packet by the failover
    benchmark (bench/failover.py, one repetition with vpnhad's defaults),
    plotted with the daemon's own events marked."""
    out = os.path.join(TOP, "build", "demo")
    step("Timeline plot: one more failure, recorded by bench/failover.py")
    cp = subprocess.run(["/usr/bin/python3", os.path.join(TOP, "bench", "failover.py"),
                         "--reps", "1", "--scenarios", "esp_drop", "--profiles", "vpnhad-default",
                         "--wq", "default", "--out", out],
                        capture_output=True, text=True, timeout=180)
    png = os.path.join(out, "failover_timeline.png")
    if cp.returncode != 0 or not os.path.exists(png):
        print(cp.stdout[-2000:] + cp.stderr[-2000:], flush=True)
        info("timeline plot FAILED (rc=%d)" % cp.returncode)
        return 1
    info("timeline PNG: %s  (packets received per ms around the failure,"
         " with vpnhad's last good reply, down verdict, withdraw and zebra's"
         " install marked; numbers in %s)" % (png, os.path.join(out, "failover.md")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
