# SPDX-License-Identifier: GPL-2.0-or-later
"""Data-plane view of a switch: what a constant-rate UDP stream loses.

Topology: the README scheme (conftest `vpnha` / `vpnha_hc`). R sends a
1 kHz UDP sequence stream (vt.UdpStream: sequence number + send time on
the monotonic clock shared by all namespaces) to 10.20.7.7; P receives it
on 0.0.0.0, whichever tunnel it arrives on. A packet is lost when it
never arrives or arrives more than 100 ms after it was sent.

1. planned switch (`shutdown` / `no shutdown` of the primary): zebra
   replaces the kernel route, so not a single packet may be lost, and
   the stream must really have used both tunnels.
2. silent failure (nft drop on P's cvti1, default health check): what
   the stream loses is the loss window, which the health check bounds:
   detection (<= 1000 ms with the defaults) plus the switch.
"""

import json
import time

import vpnha_topo as vt

PREFIX = vt.SCHEME_PREFIX
DST = "10.20.7.7"
RATE_HZ = 1000
LATE_MS = 100
P_IFS = ("cvti1", "cvti2")
# Default health check (README): interval 100, timeout 500, miss-count 5;
# worst case from a silent failure to the down verdict, as in
# test_health.detection_bound_ms(): (5 - 1) x 100 + 500 + 100 ms.
DETECTION_BOUND_MS = (5 - 1) * 100 + 500 + 100


def shutdown_primary(s, down):
    s.rt.configure("vpn-ha\n tunnel primary\n  %sshutdown\n exit\nexit\n" % ("" if down else "no "))


def pin_stream_neighbours(s):
    """Permanent neighbour entries for the stream's destination on both
    tunnels of R (P answers for 10.20.0.0/16 by proxy ARP): a real VTI
    has no neighbours at all, and a full shared neighbour table (a
    concurrent bench/ run) must not drop the stream (vt.pin_neighbour)."""
    for r_if, p_if in (("vti1", "cvti1"), ("vti2", "cvti2")):
        vt.pin_neighbour(s.r, r_if, DST, s.p, p_if)


def rx_delta(before, after):
    return {i: after[i] - before[i] for i in before}


def wait_stream_on(s, ifname, packets=100, timeout=5.0):
    """Bounded poll (instead of a fixed sleep) until the stream arrives
    at P over `ifname`: `packets` more received there."""
    start = vt.link_rx_packets(s.p, P_IFS)[ifname]
    vt.wait_for(lambda: vt.link_rx_packets(s.p, P_IFS)[ifname] - start, timeout, interval=0.02,
                ok=lambda n: n >= packets, desc="stream arriving on %s" % ifname)


def test_planned_switch_loses_no_packets(vpnha):
    s = vpnha
    s.wait_kernel_devs(["vti1"])
    pin_stream_neighbours(s)
    stream = vt.UdpStream(s.r, s.p, DST, 5001, RATE_HZ, late_ms=LATE_MS, max_s=30)
    stream.start()
    wait_stream_on(s, "cvti1")  # the stream settles on the primary

    t_down = time.monotonic()
    shutdown_primary(s, True)
    s.wait_kernel_devs(["vti2"], 5)
    t_on_backup = time.monotonic()
    rx_a = vt.link_rx_packets(s.p, P_IFS)
    time.sleep(1.0)  # traffic on the backup
    rx_b = vt.link_rx_packets(s.p, P_IFS)

    t_up = time.monotonic()
    shutdown_primary(s, False)
    s.wait_kernel_devs(["vti1"], 5)
    t_on_primary = time.monotonic()
    rx_c = vt.link_rx_packets(s.p, P_IFS)
    time.sleep(1.0)  # traffic back on the primary
    rx_d = vt.link_rx_packets(s.p, P_IFS)
    st = stream.stop()

    on_backup, on_primary = rx_delta(rx_a, rx_b), rx_delta(rx_c, rx_d)
    print("\nplanned switch: %s" % st.summary())
    print("shutdown -> kernel route seen on vti2 %.0f ms, no shutdown -> on vti1 %.0f ms (polled every 50 ms)"
          % ((t_on_backup - t_down) * 1000, (t_on_primary - t_up) * 1000))
    print("P rx packets: 1 s on the backup %s, 1 s back on the primary %s" % (on_backup, on_primary))

    assert st.sent >= 2.5 * RATE_HZ * 0.8, st.summary()
    assert not st.send_errors, st.summary()
    assert st.socket_drops == 0, "receiver socket overflowed (machine overloaded?): %s" % st.summary()
    assert st.lost == [], "a planned switch lost packets: %s" % st.summary()
    # Both paths really carried the stream (~1 s each = ~1000 packets),
    # seen by the receiver (arrival interface) and by P's link counters.
    assert st.by_interface.get("cvti1", 0) >= 300 and st.by_interface.get("cvti2", 0) >= 300, st.summary()
    assert on_backup["cvti2"] >= 300 and on_backup["cvti1"] < 20, \
        "1 s after the shutdown the stream is not on the backup: P rx deltas %s" % on_backup
    assert on_primary["cvti1"] >= 300 and on_primary["cvti2"] < 20, \
        "1 s after no shutdown the stream is not on the primary: P rx deltas %s" % on_primary


def test_silent_failure_loss_window(vpnha_hc, block):
    s = vpnha_hc
    pin_stream_neighbours(s)
    stream = vt.UdpStream(s.r, s.p, DST, 5002, RATE_HZ, late_ms=LATE_MS, max_s=30)
    stream.start()
    wait_stream_on(s, "cvti1")  # the stream settles on the primary

    t0, _ = block.drop("cvti1")
    s.wait_kernel_devs(["vti2"], (DETECTION_BOUND_MS + 2000) / 1000)
    t_switch = time.monotonic()
    t = vt.wait_for(lambda: s.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"], 3,
                    ok=lambda t: t.get("lastFailover", {}).get("switchMs") is not None,
                    desc="lastFailover.switchMs of primary")
    time.sleep(max(0.0, t_switch + 0.5 - time.monotonic()))  # traffic on the backup
    st = stream.stop()

    lf = t["lastFailover"]
    bound = DETECTION_BOUND_MS
    print("\nsilent failure: %s" % st.summary())
    print("silent failure: stream loss window %.0f ms; vpnhad lastFailover detectionMs %s, switchMs %s, "
          "totalMs %s; failure -> kernel route seen on vti2 <= %.0f ms (polled); bound %d + 600 ms"
          % (st.loss_window_ms, lf.get("detectionMs"), lf.get("switchMs"), lf.get("totalMs"),
             (t_switch - t0) * 1000, bound))
    print("lastFailover: %s" % json.dumps(lf, sort_keys=True))

    assert t["state"] == "down", t
    assert st.socket_drops == 0, "receiver socket overflowed (machine overloaded?): %s" % st.summary()
    assert not st.send_errors, st.summary()
    # One contiguous loss: the failure until the switch; nothing else.
    assert len(st.runs) == 1, "expected one loss window: %s" % st.summary()
    # Adaptive detection (vpnha_health.h): at least the silence it needs
    # (2 D + (miss - 2) x interval/4 with D >= 10 ms: 95 ms), at most its
    # bound (about 200 ms here), plus the switch; the timeout rule's
    # 1000 ms stays the outer limit.
    assert 90 <= st.loss_window_ms <= bound + 600, st.summary()
    assert lf["firstMissToDownMs"] <= lf["detectionMs"] <= 400, lf
    # The loss window is the failure-to-switch time that vpnhad times
    # from the last good reply: they agree within ~2 probe intervals
    # plus the machine's scheduling noise.
    assert abs(st.loss_window_ms - lf["totalMs"]) <= 400, (st.summary(), lf)
    assert st.by_interface.get("cvti2", 0) >= 300, st.summary()
