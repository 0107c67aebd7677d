#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""loss_soak.py: random loss on the primary for a long time, with the
default health check (adaptive detection): no false failover.

The host-mode IPsec testbed (tests/ipsec/testbed.py: S - R (zebra +
vpnhad) - two strongSwan tunnels - G1/G2 - V), vpnhad with the defaults
(interval 100 ms, timeout 500, miss-count 5, detection adaptive), then
for DURATION seconds gateway 1 drops PCT % of everything it receives
from R (nft numgen: probes, ESP and IKE alike) while a 1 kHz UDP stream
S -> V runs through the primary.  Every second: R's kernel route to the
VPC prefix.  At the end: the primary's failover and transition counters
(must not move), its probe counters (sent, lost, and the confirmation
probes adaptive detection added on top of the 10/s schedule), and the
stream's longest run of lost packets -- what tells a real stall of the
testbed (all traffic stops) from the random loss, if a failover happens.

Usage (root, after tools/setup.sh):  bench/loss_soak.py [--duration S]
  [--pct P] [--out DIR]
Output: bench/results/loss_soak.md and loss_soak.json (and stdout).
"""

import argparse
import os
import sys
import tempfile
import time

import benchlib
from benchlib import RATE_HZ, STREAMS, TESTBEDS, TOP, fmt, log, testbed, vt

T1 = testbed.TUNNELS[1]


def config():
    lines = ["vpn-ha", " gateway idc-gw local-address %s" % T1["r_ul"]]
    for t in testbed.TUNNELS.values():
        lines += [" peer %s" % t["peer"], "  address %s" % t["g_ul"], " exit"]
    for t in testbed.TUNNELS.values():
        lines += [" tunnel %s" % t["name"], "  interface %s" % t["r_tun"], "  peer %s" % t["peer"],
                  "  health-check source %s destination %s" % (t["r_hc"], t["g_hc"]), " exit"]
    lines += [" route %s tunnel primary weight 0" % testbed.VPC_PREFIX,
              " route %s tunnel backup weight 100" % testbed.VPC_PREFIX, "exit"]
    return "\n".join(lines) + "\n"


def primary(tb):
    return tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 600)))
    ap.add_argument("--pct", type=int, default=int(os.environ.get("BENCH_PCT", 5)))
    ap.add_argument("--out", default=os.environ.get("BENCH_OUT", os.path.join(TOP, "bench", "results")))
    args = ap.parse_args()
    benchlib.preflight("loss_soak.py")
    os.makedirs(args.out, exist_ok=True)
    meta = benchlib.base_meta()
    meta.update(duration_s=args.duration, loss_pct=args.pct)
    logdir = tempfile.mkdtemp(prefix="vpnha-loss-soak-")
    res = {}
    with benchlib.Run("loss-soak"):
        tb = testbed.Testbed(logdir)
        TESTBEDS.append(tb)
        try:
            tb.build(timeout=30.0)
            tb.rt.start_vpnhad()
            tb.rt.configure(config())
            vt.wait_for(lambda: tb.rt.vtysh_json("show vpn-ha tunnel json")["tunnels"], 20,
                        ok=lambda t: all(x["state"] == "up" for x in t.values()),
                        desc="both tunnels up")
            tb.wait_kernel_devs([T1["r_tun"]], 10)
            time.sleep(2)
            p0 = primary(tb)
            st = vt.UdpStream(tb.s, tb.v, testbed.V_ADDR, 5400, RATE_HZ, late_ms=100,
                              max_s=args.duration + 30)
            STREAMS.append(st)
            st.start()
            t0 = time.monotonic()
            tb.random_loss(1, args.pct)
            moves, samples = [], 0
            while time.monotonic() - t0 < args.duration:
                devs = tb.kernel_devs()
                samples += 1
                if devs != [T1["r_tun"]]:
                    moves.append((round(time.monotonic() - t0, 1), devs))
                    log("route on %s at +%.1f s" % (devs, time.monotonic() - t0))
                time.sleep(1.0)
            tb.loss_restore(1)
            elapsed = time.monotonic() - t0
            stats = st.stop()
            STREAMS.remove(st)
            p1 = primary(tb)
            c0, c1 = p0["healthCheck"]["counters"], p1["healthCheck"]["counters"]
            sent = c1["probesSent"] - c0["probesSent"]
            regular = elapsed * 1000.0 / p1["healthCheck"]["intervalMs"]
            longest = max((r[3] for r in stats.runs), default=0.0)
            res = {
                "elapsed_s": round(elapsed, 1), "route_samples": samples, "route_moves": moves,
                "failovers": p1["failovers"] - p0["failovers"],
                "transitions": p1["transitions"] - p0["transitions"],
                "probes_sent": sent, "probes_lost": c1["probesLost"] - c0["probesLost"],
                "probe_loss_pct": round(100.0 * (c1["probesLost"] - c0["probesLost"]) / max(sent, 1), 2),
                "confirmation_probes": round(sent - regular),
                "srtt_us": p1["healthCheck"]["srttUs"], "deadline_us": p1["healthCheck"]["detectDeadlineUs"],
                "stream_sent": stats.sent, "stream_lost": len(stats.lost),
                "stream_loss_pct": round(100.0 * len(stats.lost) / max(stats.sent, 1), 2),
                "stream_longest_loss_ms": round(longest, 1),
                "stream_socket_drops": stats.socket_drops,
            }
        finally:
            for s in list(STREAMS):
                s._kill()
                STREAMS.remove(s)
            tb.teardown()
            TESTBEDS.remove(tb)
    meta["loadavg_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
    lines = benchlib.results_head(os.path.join(args.out, "loss_soak.json"),
                                  "vpnhad: %d %% random loss on the primary, default health check"
                                  % args.pct, meta, [res])
    lines += ["- load average at the start / end: %s / %s" % (meta["loadavg_start"], meta["loadavg_end"]),
              "- testbed: tests/ipsec/testbed.py, gateway 1 drops %d %% of what it receives from R "
              "(nft numgen); vpnhad defaults (100 ms / 500 ms / miss 5, detection adaptive)" % args.pct,
              "",
              "| duration s | false failovers | state changes | route samples off the primary "
              "| probes sent | lost (%) | confirmation probes | srtt / deadline ms "
              "| stream lost (%) | stream longest loss run ms |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    if res:
        lines.append("| %s | %d | %d | %d of %d | %d | %d (%s) | %d | %s / %s | %d (%s) | %s |" % (
            fmt(res["elapsed_s"]), res["failovers"], res["transitions"], len(res["route_moves"]),
            res["route_samples"], res["probes_sent"], res["probes_lost"], res["probe_loss_pct"],
            res["confirmation_probes"], fmt(res["srtt_us"] / 1000, 2), fmt(res["deadline_us"] / 1000, 2),
            res["stream_lost"], res["stream_loss_pct"], fmt(res["stream_longest_loss_ms"])))
    lines += ["",
              "*confirmation probes* = probes sent beyond one per interval (adaptive detection "
              "confirms a probe unanswered after the deadline with probes interval/4 apart); "
              "*stream longest loss run*: a failover with a run as long as the detection time "
              "would be a real stall of the testbed, not random loss."]
    benchlib.write_table(os.path.join(args.out, "loss_soak.md"), lines)
    ok = res and res["failovers"] == 0 and res["transitions"] == 0 and not res["route_moves"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
