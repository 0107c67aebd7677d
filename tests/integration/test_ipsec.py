# SPDX-License-Identifier: GPL-2.0-or-later
"""vpnhad over real IPsec: two strongSwan kernel-libipsec tunnels.

Topology (tests/ipsec/testbed.py): S 192.168.10.10 -> R (zebra + vpnhad,
two charon instances, TUNs ipsec0/ipsec1) => IKEv2/ESP-in-UDP => G1 / G2
(one charon each) -> V 10.20.0.10, which answers by the gateway a
request came from. vpnhad: the README config with interface ipsec0 /
ipsec1 and health checks 169.254.1.1 -> .1.2, 169.254.2.1 -> .2.2
through the tunnels (default parameters: interval 100 ms, miss-count 5).

A 1 kHz UDP sequence stream S -> V (vt.UdpStream) measures what the data
plane loses. The failure of interest: ESP dropped on G1 while IKE (same
UDP port 4500, zero non-ESP marker) stays alive and the TUNs stay UP --
only the health check can see it.

Skipped when strongSwan's kernel-libipsec is not installed.
"""

import os
import sys
import time

import pytest

import vpnha_topo as vt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ipsec"))
import testbed  # noqa: E402

RATE_HZ = 1000
LATE_MS = 100
PORT = 5101
# Defaults: at most (5 - 1) x 100 + 500 ms timeout + 100 ms (the timeout
# rule; adaptive detection is faster), plus the switch.
FAILOVER_BOUND_MS = 1600
# recovery-count 10 x 100 ms + hold-down 3000 ms, plus slack.
FAILBACK_BOUND_S = 1.0 + 3.0 + 3.0

_ok, _why = testbed.available()
pytestmark = pytest.mark.skipif(not _ok, reason=_why or "strongSwan kernel-libipsec available")


def _require_vpnha():
    missing = [p for p in (vt.vpnha_daemon_path(), vt.vpnha_vtysh_path()) if not vt.is_executable(p)]
    if missing:
        pytest.fail("not built: %s (set VPNHA_DAEMON / VPNHA_VTYSH)" % ", ".join(missing), pytrace=False)


def probes_lost(tb, name="primary"):
    t = tb.rt.vtysh_json("show vpn-ha tunnel %s json" % name)["tunnels"][name]
    return t["healthCheck"]["counters"]["probesLost"]


def tunnels(tb):
    t = tb.rt.vtysh_json("show vpn-ha tunnel json")["tunnels"]
    return {n: (t[n]["state"], t[n].get("healthCheck", {}).get("verdict")) for n in t}


@pytest.fixture
def ipsec(logdir, request):
    """The testbed with both SAs up, vpnhad configured, both tunnels
    healthy and the kernel route of 10.20.0.0/16 on ipsec0."""
    _require_vpnha()
    tb = testbed.Testbed(logdir)
    try:
        tb.build()
        tb.rt.start_vpnhad()
        tb.rt.configure(tb.vpnha_config())
        vt.wait_for(lambda: tunnels(tb), 10,
                    ok=lambda v: len(v) == 2 and all(x == ("up", "alive") for x in v.values()),
                    desc="both IPsec tunnels up with a passing health check")
        tb.wait_kernel_devs(["ipsec0"])
        print("\ntestbed timing: %s" % {k: round(v) for k, v in tb.timing.items()})
        yield tb
    except BaseException:
        sys.stderr.write(tb.logs())
        raise
    finally:
        tb.teardown()
        print("testbed teardown: %.0f ms" % tb.timing.get("teardown_ms", -1))
        left = [c for c in tb.charons.values() if c.alive()]
        assert not left, "charons left running: %s" % left


def stream(tb, port=PORT, max_s=40):
    return vt.UdpStream(tb.s, tb.v, testbed.V_ADDR, port, RATE_HZ, late_ms=LATE_MS, max_s=max_s).start()


def delta(a, b):
    return {k: b[k] - a[k] for k in a}


def assert_clean(st):
    assert not st.send_errors, st.summary()
    assert st.socket_drops == 0, "receiver socket overflowed (machine overloaded?): %s" % st.summary()


def wait_stream_on(tb, tunnel, packets=100, timeout=5.0):
    """Bounded poll (instead of a fixed sleep) until the stream reaches
    gateway `tunnel`: its TUN has received `packets` more packets."""
    start = tb.gw_tun_rx()[tunnel]
    vt.wait_for(lambda: tb.gw_tun_rx()[tunnel] - start, timeout, interval=0.02,
                ok=lambda n: n >= packets, desc="stream reaching gateway %d" % tunnel)


def test_traffic_on_primary_tunnel(ipsec):
    tb = ipsec
    st = stream(tb, PORT)
    wait_stream_on(tb, 1)
    rx0 = tb.gw_tun_rx()
    time.sleep(1.0)
    rx1 = tb.gw_tun_rx()
    s = st.stop()
    d = delta(rx0, rx1)
    print("stream over real ESP: %s; gateway TUN rx in 1 s: %s" % (s.summary(), d))
    assert_clean(s)
    assert s.lost == [], s.summary()
    # G1 decrypts the stream (~1000/s) + probes; G2 only its probes (10/s).
    assert d[1] >= 800 and d[2] < 50, d
    assert s.by_interface.get("v1", 0) >= 1000 and s.by_interface.get("v2", 0) == 0, s.summary()


def test_esp_drop_failover_and_failback(ipsec):
    tb = ipsec
    st = stream(tb, PORT + 1)
    wait_stream_on(tb, 1)
    dpd0 = tb.charons[("r", 1)].ike_responses()

    t0, _ = tb.esp_drop(1)
    tb.wait_kernel_devs(["ipsec1"], FAILOVER_BOUND_MS / 1000 + 3)
    t_fail = time.monotonic()
    lf = vt.wait_for(lambda: tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"], 3,
                     ok=lambda t: t.get("lastFailover", {}).get("switchMs") is not None,
                     desc="lastFailover of primary")["lastFailover"]
    # ESP stays dropped for a while: IKE must stay alive (DPD answered
    # over 4500 with the non-ESP marker), both TUNs UP.
    rx0 = tb.gw_tun_rx()
    time.sleep(2.5)
    rx1 = tb.gw_tun_rx()
    sas = {side: tb.sas(1, side) for side in ("r", "g")}
    dpd = tb.charons[("r", 1)].ike_responses() - dpd0
    tun_up = (tb.tun_up(1, "r"), tb.tun_up(1, "g"))
    state_down = tunnels(tb)["primary"]

    t1, _ = tb.esp_restore(1)
    tb.wait_kernel_devs(["ipsec0"], FAILBACK_BOUND_S)
    t_back = time.monotonic()
    time.sleep(0.5)
    s = st.stop()

    d = delta(rx0, rx1)
    print("ESP drop: %s" % s.summary())
    print("ESP drop: failure -> kernel route on ipsec1 %.0f ms (polled 20 ms); vpnhad lastFailover %s; "
          "stream loss window %.1f ms" % ((t_fail - t0) * 1000, lf, s.loss_window_ms))
    print("ESP drop: during the drop SAs %s, DPD responses %d, TUN up (R, G1) %s, gateway TUN rx in 2.5 s %s"
          % (sas, dpd, tun_up, d))
    print("ESP restore -> kernel route back on ipsec0 %.0f ms (recovery 1 s + hold-down 3 s)"
          % ((t_back - t1) * 1000))
    assert_clean(s)
    assert state_down[0] == "down", state_down
    assert (t_fail - t0) * 1000 <= FAILOVER_BOUND_MS, "failover took %.0f ms" % ((t_fail - t0) * 1000)
    assert all(v == {"ike": "ESTABLISHED", "child": "INSTALLED"} for v in sas.values()), sas
    assert dpd >= 1, "no IKE exchange answered while ESP was dropped"
    assert tun_up == (True, True), tun_up
    assert d[1] == 0 and d[2] >= 1000, "during the drop the stream must be on G2: %s" % d
    assert len(s.runs) == 1, "expected one loss window (the failover): %s" % s.summary()
    assert s.loss_window_ms <= FAILOVER_BOUND_MS, s.summary()
    assert 3.5 <= t_back - t1 <= FAILBACK_BOUND_S, t_back - t1
    assert s.by_interface.get("v1", 0) >= 300 and s.by_interface.get("v2", 0) >= 2000, s.summary()


def test_planned_switch_loses_no_packets(ipsec):
    tb = ipsec

    def shut(down):
        tb.rt.configure("vpn-ha\n tunnel primary\n  %sshutdown\n exit\nexit\n" % ("" if down else "no "))

    st = stream(tb, PORT + 2)
    wait_stream_on(tb, 1)
    shut(True)
    tb.wait_kernel_devs(["ipsec1"], 5)
    rx0 = tb.gw_tun_rx()
    time.sleep(1.0)
    rx1 = tb.gw_tun_rx()
    shut(False)
    tb.wait_kernel_devs(["ipsec0"], 5)
    time.sleep(1.0)
    s = st.stop()
    d = delta(rx0, rx1)
    print("planned switch over IPsec: %s; gateway TUN rx 1 s on the backup %s" % (s.summary(), d))
    assert_clean(s)
    assert s.lost == [], "a planned switch lost packets: %s" % s.summary()
    assert d[2] >= 800 and d[1] < 50, d
    assert s.by_interface.get("v1", 0) >= 800 and s.by_interface.get("v2", 0) >= 800, s.summary()


@pytest.mark.parametrize("failure", ["underlay_down", "kill_gateway"])
def test_hard_failure_failover(ipsec, failure):
    """The underlay of tunnel 1 goes down / G1's charon dies: the health
    check moves the traffic to tunnel 2 within the bound."""
    tb = ipsec
    st = stream(tb, PORT + 3)
    wait_stream_on(tb, 1)
    t0, _ = getattr(tb, failure)(1)
    tb.wait_kernel_devs(["ipsec1"], FAILOVER_BOUND_MS / 1000 + 3)
    t_fail = time.monotonic()
    time.sleep(0.5)
    s = st.stop()
    print("%s: failure -> kernel route on ipsec1 %.0f ms; %s" % (failure, (t_fail - t0) * 1000, s.summary()))
    assert_clean(s)
    assert (t_fail - t0) * 1000 <= FAILOVER_BOUND_MS
    assert s.loss_window_ms <= FAILOVER_BOUND_MS, s.summary()
    if failure == "kill_gateway":
        tb.restart_gateway(1)
        tb.wait_kernel_devs(["ipsec0"], FAILBACK_BOUND_S)
    else:
        tb.underlay_up(1)
        tb.wait_kernel_devs(["ipsec0"], FAILBACK_BOUND_S)


def _watch_routes(tb, seconds):
    """Kernel route devices of 10.20.0.0/16 polled every 20 ms for seconds:
    [(t, devs)] whenever they change (first sample included)."""
    seen, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        devs = tb.kernel_devs()
        if not seen or seen[-1][1] != devs:
            seen.append((time.monotonic(), devs))
        time.sleep(0.02)
    return seen


def test_short_esp_flaps_do_not_switch(ipsec):
    """ESP dropped 30 ms at a time, alive 40 to 120 ms (random, so that
    the windows drift across the probe schedule) in between: shorter than
    the silence adaptive detection needs (D + (miss - 2) x interval/4,
    about 85 ms with the defaults, see vpnha_health.h; the rest of the
    margin is the RTT through userspace ESP, tens of ms when the machine
    is loaded): the health check must ride it out although probes are
    lost."""
    tb = ipsec
    lost0 = probes_lost(tb)
    t0 = time.monotonic()
    tb.flapping(1, 0.03, duration=4.0, alive=(0.04, 0.12))
    seen = _watch_routes(tb, 4.3)
    tb.stop_flapping(1)
    windows = [(round((a - t0) * 1000), round((b - t0) * 1000)) for a, b in tb.flap_windows[1]]
    lost = probes_lost(tb) - lost0
    print("short flaps: route changes %s; ESP dead 30 ms from within each of %s ms; %d probes lost"
          % ([(round((t - t0) * 1000), d) for t, d in seen], windows, lost))
    # The flaps were real: many, and they cost probes (about one window
    # in four catches a probe; fewer windows fit when nft is slow).
    assert len(windows) >= 10 and lost >= 2, (windows, lost)
    assert [d for _, d in seen] == [["ipsec0"]], seen
    assert tunnels(tb)["primary"][0] == "up"


def test_long_esp_flaps_held_down(ipsec):
    """ESP dead 1.5 s / alive 1.5 s: each outage fails over, and no alive
    phase is long enough (recovery 1 s + hold-down 3 s) to fail back."""
    tb = ipsec
    t0 = time.monotonic()
    tb.flapping(1, 1.5, duration=6.0)
    seen = _watch_routes(tb, 6.0)
    tb.stop_flapping(1)
    print("long flaps: route changes %s" % [(round((t - t0) * 1000), d) for t, d in seen])
    assert [d for _, d in seen] == [["ipsec0"], ["ipsec1"]], seen
    assert (seen[1][0] - t0) * 1000 <= FAILOVER_BOUND_MS, seen
    tb.wait_kernel_devs(["ipsec0"], FAILBACK_BOUND_S)


def test_random_loss_no_failover(ipsec):
    """5 % random loss on everything tunnel 1's gateway receives (IKE and
    ESP alike), with default settings: no failover in a bounded run."""
    tb = ipsec
    before = tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]
    st = stream(tb, PORT + 7)
    tb.random_loss(1, 5)
    try:
        seen = _watch_routes(tb, 20.0)
    finally:
        tb.loss_restore(1)
    s = st.stop()
    after = tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]
    lost = after["healthCheck"]["counters"]["probesLost"] - before["healthCheck"]["counters"]["probesLost"]
    print("5%% loss for 20 s: %d probes lost, stream %s, route changes %s" % (lost, s.summary(), seen))
    assert [d for _, d in seen] == [["ipsec0"]], seen
    assert after["failovers"] == before["failovers"]
    assert after["state"] == "up"
    # The loss was real: probes and stream packets were dropped.
    assert lost > 0 and len(s.missing) > 0, s.summary()


def _static_rib(tb):
    rib = tb.rt.vtysh_json("show ip route 10.20.0.0/16 json").get("10.20.0.0/16", [])
    return sorted((r.get("distance"), r["nexthops"][0].get("interfaceName")) for r in rib
                  if r.get("protocol") == "static")


def test_daemon_restarts_mid_traffic(ipsec):
    """vpnhad killed and started again (config from write memory through
    vtysh -b), then zebra killed and started again, with traffic flowing:
    the end state is the configured one with nothing stale, and traffic
    flows over the primary again."""
    tb = ipsec
    tb.rt.write_memory()
    st = stream(tb, PORT + 8)
    time.sleep(0.3)

    tb.rt.kill("vpnhad")
    # zebra keeps a killed vpnhad's routes (graceful restart).
    time.sleep(0.5)
    tb.wait_kernel_devs(["ipsec0"], 1)
    tb.rt.start_vpnhad()
    tb.rt.boot()
    tb.wait_kernel_devs(["ipsec0"], 10)

    tb.rt.kill("zebra")
    tb.rt.restart("zebra")
    # vpnhad's watchdog reconnects within a second and replays routes.
    tb.wait_kernel_devs(["ipsec0"], 10)
    vt.wait_for(lambda: _static_rib(tb), 10, ok=lambda r: r == [(1, "ipsec0"), (101, "ipsec1")],
                desc="exactly the two vpnhad routes in zebra")
    vt.wait_for(lambda: tunnels(tb), 10,
                ok=lambda v: all(x == ("up", "alive") for x in v.values()),
                desc="both tunnels up again")
    s = st.stop()
    print("restarts mid-traffic: %s" % s.summary())
    assert_clean(s)
    assert len(vt.kernel_routes(tb.r, "10.20.0.0/16")) == 1
    # And traffic flows over the primary again, without loss.
    st2 = stream(tb, PORT + 9)
    time.sleep(1.0)
    s2 = st2.stop()
    assert_clean(s2)
    assert s2.lost == [] and s2.by_interface.get("v1", 0) >= 900, s2.summary()
