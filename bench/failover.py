#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""failover.py: how long a silent primary failure costs the data plane,
per health-check profile, over two real IKEv2/ESP tunnels.

For every cell (scenario x probe profile x zebra work-queue setting) the
script builds the host-mode IPsec testbed (tests/ipsec/testbed.py: S - R
(zebra + vpnhad, two charons) == two strongSwan tunnels == G1/G2 - V),
starts vpnhad with the profile's health check, then repeats N times:

  1. a 1 kHz UDP sequence stream S -> V (tests/integration UdpStream;
     packets later than 100 ms count as lost) runs through the primary;
  2. the failure is injected (esp_drop: G1 drops ESP, IKE stays alive and
     both TUNs stay UP; underlay_down: R's uplink to G1 goes down);
  3. the kernel route of 10.20.0.0/16 on R is polled (20 ms) until it is
     on the backup (bounded), vpnhad's lastFailover timeline is read
     (show vpn-ha tunnel primary json), the stream is stopped;
  4. the failure is repaired and the failback awaited (bounded).

Profiles (all with recovery-count 2 and hold-down 0 so that the failback
between repetitions is quick; failback is not what is measured here):

  cloud-fastest   interval 1000, timeout 1000, miss-count 3 (Tencent's
                  best), detection timeout (as the cloud's check decides)
  cloud-default   interval 5000, timeout 150, miss-count 3 (Tencent
                  default), detection timeout
  vpnhad-timeout  100/500/5, detection timeout (the old default)
  vpnhad-default  100/500/5, detection adaptive (the default)
  fast            20/60/3 adaptive
  fastest         10/30/3 adaptive (10 ms is the smallest interval)
  bfd-100x3       health-check type bfd: FRR's bfdd in R, a bfdd peer in
                  G1 (and G2), 100 ms x 3
  bfd-fastest     the same at 10 ms x 3
  dpd-only        no vpnhad health check at all: only IKE dead-peer
                  detection (R's charons: dpd_delay 1 s, dpd_action
                  restart, 3 retransmits from 1 s x 1.4^n); a failover
                  happens only if the tunnel interface goes down.

Per cell: stream loss window p50/p95/max against the design's own bound
(see bound_ms()) and against the bound plus the switch, the ratio to
bfdd 100x3's loss window in the same run, and per failure where every
millisecond went: vpnhad's down verdict, zebra's "installed"
notification, the kernel route (ip -ts monitor route in R), the first
packet sent via the backup and its arrival; vpnhad and zebra CPU % over
the cell.  Output: Markdown on stdout, bench/results/failover.md and
failover.json, timeline plots bench/results/failover_timeline*.png
(gnuplot).

Usage (root, after tools/setup.sh):  bench/failover.py [options]
Options / environment (option wins):
  --reps N           BENCH_REPS       repetitions per cell (default 10)
  --reps-slow N      BENCH_REPS_SLOW  for cloud-default and cloud-fastest (default 3)
  --reps-dpd N       BENCH_REPS_DPD   for dpd-only (default 1)
  --dpd-wait S       BENCH_DPD_WAIT   bound on waiting for a DPD failover (60)
  --scenarios LIST   BENCH_SCENARIOS  esp_drop,underlay_down (default esp_drop)
  --profiles LIST    BENCH_PROFILES   (default: all of PROFILES)
  --wq LIST          BENCH_WQ         zebra work-queue: default,0 (default: default)
  --out DIR          BENCH_OUT        results directory (default bench/results)
  --no-plot                           skip the PNG
dpd-only runs with zebra's default work-queue only (nothing to install
when there is no failover) unless --dpd-all-wq.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import benchlib  # also puts tests/integration and tests/ipsec on sys.path
from benchlib import LATE_MS, RATE_HZ, STREAMS, TESTBEDS, TOP, fmt, log, pct, testbed, vt

T1, T2 = testbed.TUNNELS[1], testbed.TUNNELS[2]
CLK_TCK = os.sysconf("SC_CLK_TCK")

PROFILES = {
    # name: dict(interval, timeout, miss, type icmp|bfd, detection
    # adaptive|timeout), or None (no health check).  The cloud anchors
    # run with detection timeout: that is how their checks decide.
    "cloud-fastest": dict(interval=1000, timeout=1000, miss=3, type="icmp", detection="timeout"),
    "cloud-default": dict(interval=5000, timeout=150, miss=3, type="icmp", detection="timeout"),
    "vpnhad-timeout": dict(interval=100, timeout=500, miss=5, type="icmp", detection="timeout"),
    "vpnhad-default": dict(interval=100, timeout=500, miss=5, type="icmp", detection="adaptive"),
    "fast": dict(interval=20, timeout=60, miss=3, type="icmp", detection="adaptive"),
    "fastest": dict(interval=10, timeout=30, miss=3, type="icmp", detection="adaptive"),
    "bfd-100x3": dict(interval=100, timeout=500, miss=3, type="bfd", detection="adaptive"),
    "bfd-fastest": dict(interval=10, timeout=30, miss=3, type="bfd", detection="adaptive"),
    "dpd-only": None,
}
PROFILE_NOTE = {
    "cloud-fastest": "interval 1000 ms, timeout 1000 ms, miss-count 3, detection timeout "
                     "(Tencent Cloud's best, ~3 s)",
    "cloud-default": "interval 5000 ms, timeout 150 ms, miss-count 3, detection timeout "
                     "(Tencent Cloud's default, ~15 s)",
    "vpnhad-timeout": "interval 100 ms, timeout 500 ms, miss-count 5, detection timeout "
                      "(vpnhad's defaults before adaptive detection)",
    "vpnhad-default": "interval 100 ms, timeout 500 ms, miss-count 5, detection adaptive "
                      "(vpnhad's defaults)",
    "fast": "interval 20 ms, timeout 60 ms, miss-count 3, detection adaptive",
    "fastest": "interval 10 ms (vpnhad's minimum), timeout 30 ms, miss-count 3, detection adaptive",
    "bfd-100x3": "FRR bfdd, transmit/receive 100 ms, detect-multiplier 3 (health-check type bfd; "
                 "the peer: a bfdd in G1's namespace, same timers)",
    "bfd-fastest": "FRR bfdd at its fastest, transmit/receive 10 ms, detect-multiplier 3 "
                   "(health-check type bfd, peer bfdd in G1)",
    "dpd-only": "no vpnhad health check: IKE DPD only (dpd_delay 1 s, dpd_action restart, "
                "retransmit_tries 3, retransmit_timeout 1.0 s, base 1.4)",
}
RECOVERY_COUNT = 2
HOLD_DOWN = 0


# ---- helpers -----------------------------------------------------------------

class RecStream(vt.UdpStream):
    """UdpStream that keeps the raw sender/receiver records (for the plot)
    and leaves the list of live streams when stopped."""

    def stop(self, drain=None, keep=False):
        stats = super().stop(drain, keep)
        if self in STREAMS:
            STREAMS.remove(self)
        return stats


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def bound_ms(prof, hc=None):
    """The design's own detection bound, from the failure to the verdict:
    detection timeout: the failure just after a probe, miss-count probes,
    the last one's timeout; adaptive: interval + 2 D + (miss - 2) x
    interval/4 with the tunnel's current D (vpnhad's detectBoundUs in
    hc, the health check's show json); BFD: detect-multiplier x interval
    (RFC 5880's detection time)."""
    if prof["type"] == "bfd":
        return prof["miss"] * prof["interval"]
    if prof["detection"] == "adaptive" and hc and hc.get("detectBoundUs"):
        return hc["detectBoundUs"] / 1000.0
    return prof["miss"] * prof["interval"] + prof["timeout"]


def prof_label(prof):
    if prof is None:
        return "IKE DPD only"
    if prof["type"] == "bfd":
        return "BFD %dx%d" % (prof["interval"], prof["miss"])
    return "%d/%d/%d %s" % (prof["interval"], prof["timeout"], prof["miss"], prof["detection"])


def vpnha_config(prof):
    lines = ["vpn-ha", " gateway idc-gw local-address %s" % T1["r_ul"]]
    for t in testbed.TUNNELS.values():
        lines += [" peer %s" % t["peer"], "  address %s" % t["g_ul"], " exit"]
    for t in testbed.TUNNELS.values():
        lines += [" tunnel %s" % t["name"], "  interface %s" % t["r_tun"], "  peer %s" % t["peer"]]
        if prof is not None:
            lines += ["  health-check source %s destination %s" % (t["r_hc"], t["g_hc"]),
                      "  health-check type %s" % prof["type"],
                      "  health-check detection %s" % prof["detection"],
                      # timeout first: each line is committed alone, and
                      # a timeout over 16 x interval is refused
                      "  health-check timeout %d" % prof["timeout"],
                      "  health-check interval %d" % prof["interval"],
                      "  health-check miss-count %d" % prof["miss"],
                      "  health-check recovery-count %d" % RECOVERY_COUNT,
                      "  health-check hold-down %d" % HOLD_DOWN]
        lines += [" exit"]
    lines += [" route %s tunnel primary weight 0" % testbed.VPC_PREFIX,
              " route %s tunnel backup weight 100" % testbed.VPC_PREFIX, "exit"]
    return "\n".join(lines) + "\n"


def gateway_bfd_config(i, prof):
    """The BFD peer of tunnel i's health check, in gateway i."""
    t = testbed.TUNNELS[i]
    return ("bfd\n peer %s local-address %s interface %s\n  receive-interval %d\n"
            "  transmit-interval %d\n  detect-multiplier %d\n exit\nexit\n"
            % (t["r_hc"], t["g_hc"], testbed.G_TUN, prof["interval"], prof["interval"],
               prof["miss"]))


def start_bfd(tb, prof, logdir):
    """bfdd in R (vpnhad's sessions) and zebra + bfdd in both gateways."""
    tb.rt.start_daemon("bfdd")
    peers = []
    for i in (1, 2):
        g = vt.FrrRouter(tb.g[i], os.path.join(logdir, "g%d-frr" % i), vtysh=tb.vtysh,
                         registry=tb.registry)
        g.start_zebra()
        g.start_daemon("bfdd")
        g.configure(gateway_bfd_config(i, prof))
        peers.append(g)
    return peers


class RouteMonitor:
    """`ip -ts monitor route` in R: when the kernel's route to the VPC
    prefix moved to the backup's interface (monotonic s)."""

    def __init__(self, tb):
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", tb.r.name, "ip", "-ts", "monitor", "route"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines = []
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()

    def _read(self):
        for line in self.proc.stdout:
            # realtime -> monotonic at reading: a few us of error
            self.lines.append((time.time() - time.monotonic(), line.rstrip()))

    def switched_at(self, since_mono, dev):
        prefix = testbed.VPC_PREFIX
        for off, line in self.lines:
            if not line.startswith("[") or prefix not in line or "dev %s " % dev not in line + " ":
                continue
            body = line.split("]", 1)[1].strip()
            if body.startswith("Deleted"):
                continue
            ts = line[1:line.index("]")]
            # ip -ts prints local time, microseconds
            t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f").timestamp() - off
            if t >= since_mono - 0.002:
                return t
        return None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def tunnels_json(tb):
    return tb.rt.vtysh_json("show vpn-ha tunnel json").get("tunnels", {})


def last_failover(tb):
    """(query monotonic s, lastFailover dict or {})."""
    t_a = time.monotonic()
    j = tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]
    t_b = time.monotonic()
    return (t_a + t_b) / 2, (j.get("lastFailover") or {})


def wait_healthy(tb, prof, timeout):
    def ok(t):
        if len(t) != 2 or not all(x.get("state") == "up" for x in t.values()):
            return False
        return True
    vt.wait_for(lambda: tunnels_json(tb), timeout, interval=0.1, ok=ok,
                desc="both tunnels up")
    tb.wait_kernel_devs([T1["r_tun"]], timeout)


# ---- failure injection / repair ----------------------------------------------

def inject(tb, scenario):
    if scenario == "esp_drop":
        return tb.esp_drop(1)
    if scenario == "underlay_down":
        return tb.underlay_down(1)
    raise ValueError(scenario)


def repair(tb, scenario):
    if scenario == "esp_drop":
        tb.esp_restore(1)
        return
    tb.underlay_up(1)
    # The IKE SA may have been declared dead by DPD meanwhile: re-initiate.
    try:
        tb.wait_established([1], timeout=3.0)
    except AssertionError:
        r = tb.charons[("r", 1)]
        r.swanctl("--terminate", "--ike", r.conn, "--force", "--timeout", "2", check=False)
        r.swanctl("--initiate", "--child", r.conn, "--timeout", "5", check=False)
        tb.wait_established([1], timeout=15.0)


# ---- one repetition ------------------------------------------------------------

def first_on_backup(st, t_inj):
    """(send s, receive s) of the first packet sent after the failure
    that arrived via the backup (V's v2), or (None, None)."""
    sender, receiver, ifnames = st.raw
    times = sender["times"]
    best = None
    for seq, sent, rx, ifindex, *_ in receiver["records"]:
        if seq >= len(times) or ifnames.get(ifindex) != T2["v_if"]:
            continue
        if times[seq] / 1e9 < t_inj:
            continue
        if best is None or times[seq] < best[0]:
            best = (times[seq], rx)
    if best is None:
        return None, None
    return best[0] / 1e9, best[1] / 1e9


def rel_ms(t, t0):
    return None if t is None else round((t - t0) * 1000, 1)


def one_rep(tb, scenario, pname, prof, rep, args, keep_raw, mon):
    interval = prof["interval"] if prof else 1000
    # Random phase against the probe grid.
    time.sleep(0.3 + random.uniform(0, interval / 1000.0))
    hc0 = None
    if prof is None:
        wait_s = args.dpd_wait
    else:
        hc0 = tunnels_json(tb).get("primary", {}).get("healthCheck")
        wait_s = bound_ms(prof) / 1000.0 + 5.0
    st = RecStream(tb.s, tb.v, testbed.V_ADDR, 5300 + rep % 500, RATE_HZ, late_ms=LATE_MS,
                   max_s=wait_s + 15)
    STREAMS.append(st)
    st.start()
    time.sleep(0.5)
    dpd0 = tb.charons[("r", 1)].ike_responses()
    t_inj0, t_inj1 = inject(tb, scenario)
    t_inj = (t_inj0 + t_inj1) / 2
    r = {"rep": rep, "inject_ms": round((t_inj1 - t_inj0) * 1000, 2)}
    failed_over = True
    try:
        tb.wait_kernel_devs([T2["r_tun"]], wait_s)
        r["kernel_switch_polled_ms"] = round((time.monotonic() - t_inj) * 1000, 1)
    except AssertionError:
        failed_over = False
        r["kernel_switch_polled_ms"] = None
    r["failed_over"] = failed_over
    r["wait_bound_s"] = wait_s
    lf = {}
    tq = None
    if failed_over and prof is not None:
        def fresh():
            tq_, f = last_failover(tb)
            ago = f.get("msAgo")
            if f.get("switchMs") is not None and ago is not None and tq_ - ago / 1000.0 >= t_inj - 0.002:
                return tq_, f
            return None
        got = vt.wait_for(fresh, 3.0, interval=0.05, desc="fresh lastFailover of tunnel primary")
        tq, lf = got
    time.sleep(0.4)
    stats = st.stop(keep=True)
    r["dpd_responses_during"] = tb.charons[("r", 1)].ike_responses() - dpd0
    r["r_sa_t1_end"] = tb.charons[("r", 1)].sas()
    r["tun_up_r"] = tb.tun_up(1, "r")
    r["sent"] = stats.sent
    r["lost"] = len(stats.lost)
    r["loss_runs"] = len(stats.runs)
    r["loss_window_ms"] = round(stats.loss_window_ms, 1)
    r["socket_drops"] = stats.socket_drops
    r["sender_max_interval_ms"] = round(stats.sender_max_interval_ms, 1)
    # Where the longest loss run started, relative to the injection.
    if stats.runs:
        a = max(stats.runs, key=lambda x: x[3])[0]
        r["loss_start_after_inject_ms"] = round((st.raw[0]["times"][a] / 1e9 - t_inj) * 1000, 1)
    for k in ("detectionMs", "firstMissToDownMs", "downToWithdrawMs", "switchMs", "totalMs"):
        r[k] = lf.get(k)
    # Every millisecond from the failure: vpnhad's verdict, zebra's
    # notification, the kernel's route, the first packet on the backup.
    # vpnhad's own CLOCK_MONOTONIC timestamps (the same clock as
    # time.monotonic()); msAgo measured against the middle of a vtysh
    # call (tens of ms) only when vpnhad is too old to give them.
    mono = lf.get("monotonicUs") or {}
    if mono.get("down"):
        down = mono["down"] / 1e6
        installed = mono["switched"] / 1e6 if mono.get("switched") else None
    else:
        down = tq - lf["msAgo"] / 1000.0 if lf and tq is not None else None
        installed = (down + lf["switchMs"] / 1000.0
                     if down is not None and lf.get("switchMs") is not None else None)
    kernel = mon.switched_at(t_inj, T2["r_tun"]) if mon and failed_over else None
    b_send, b_rx = first_on_backup(st, t_inj) if failed_over else (None, None)
    r["verdict_ms"] = rel_ms(down, t_inj)
    r["installed_ms"] = rel_ms(installed, t_inj)
    r["kernel_ms"] = rel_ms(kernel, t_inj)
    r["first_backup_send_ms"] = rel_ms(b_send, t_inj)
    r["first_backup_rx_ms"] = rel_ms(b_rx, t_inj)
    r["kernel_minus_installed_ms"] = rel_ms(kernel, installed) if kernel and installed else None
    r["backup_send_minus_kernel_ms"] = rel_ms(b_send, kernel) if kernel and b_send else None
    if prof is not None:
        r["bound_ms"] = round(bound_ms(prof, hc0), 1)
        r["loss_over_bound"] = round(stats.loss_window_ms / r["bound_ms"], 3)
        if r["switchMs"] is not None:
            r["loss_over_bound_switch"] = round(stats.loss_window_ms / (r["bound_ms"] + r["switchMs"]), 3)
    if keep_raw:
        ev = {"inject": t_inj}
        if down is not None:
            ev["down verdict"] = down
            if lf.get("detectionMs") is not None:
                ev["last good reply"] = down - lf["detectionMs"] / 1000.0
            if lf.get("downToWithdrawMs") is not None:
                ev["withdraw sent"] = down + lf["downToWithdrawMs"] / 1000.0
            if installed is not None:
                ev["zebra installed"] = installed
        if kernel is not None:
            ev["kernel route"] = kernel
        if b_send is not None:
            ev["first sent via backup"] = b_send
        r["_raw"] = (st.raw, ev)
    # Repair and wait for the failback (bounded).
    repair(tb, scenario)
    fb_bound = (RECOVERY_COUNT * interval + (prof["timeout"] if prof else 0)) / 1000.0 + 15.0
    t_rep = time.monotonic()
    wait_healthy(tb, prof, fb_bound)
    r["failback_s"] = round(time.monotonic() - t_rep, 2)
    return r


# ---- one cell ------------------------------------------------------------------

def run_cell(scenario, pname, wq, reps, args, logroot, keep_raw_first):
    prof = PROFILES[pname]
    cell = {"scenario": scenario, "profile": pname, "work_queue": wq, "reps_planned": reps,
            "profile_note": PROFILE_NOTE[pname], "reps": []}
    if prof is not None:
        cell.update(interval_ms=prof["interval"], timeout_ms=prof["timeout"], miss_count=prof["miss"],
                    hc_type=prof["type"], detection=prof["detection"])
    logdir = os.path.join(logroot, "%s-%s-wq%s" % (scenario, pname, wq))
    os.makedirs(logdir, exist_ok=True)
    tb = testbed.Testbed(logdir)
    TESTBEDS.append(tb)
    mon = None
    t_cell = time.monotonic()
    try:
        tb.build(timeout=30.0)
        if wq != "default":
            tb.rt.vtysh("configure terminal", "zebra work-queue %s" % wq)
            rc = tb.rt.vtysh("show running-config", daemon="zebra")
            cell["work_queue_confirmed"] = ("zebra work-queue %s" % wq) in rc
        if prof is not None and prof["type"] == "bfd":
            start_bfd(tb, prof, logdir)
        tb.rt.start_vpnhad()
        tb.rt.configure(vpnha_config(prof))
        wait_healthy(tb, prof, 20.0 if prof is None or prof["interval"] < 2000 else 40.0)
        mon = RouteMonitor(tb)
        time.sleep(0.2)
        vpid = tb.rt.daemons["vpnhad"].pid
        zpid = tb.rt.daemons["zebra"].pid
        c0, z0, w0 = cpu_ticks(vpid), cpu_ticks(zpid), time.monotonic()
        for i in range(reps):
            r = one_rep(tb, scenario, pname, prof, i, args, keep_raw_first and i == 0, mon)
            cell["reps"].append(r)
            log("%s %s wq=%s rep %d/%d: loss %.1f ms, detection %s, switch %s, total %s ms%s"
                % (scenario, pname, wq, i + 1, reps, r["loss_window_ms"], r["detectionMs"],
                   r["switchMs"], r["totalMs"], "" if r["failed_over"] else
                   " NO FAILOVER within %.0f s" % r["wait_bound_s"]))
        c1, z1, w1 = cpu_ticks(vpid), cpu_ticks(zpid), time.monotonic()
        cell["vpnhad_cpu_pct"] = round((c1 - c0) / CLK_TCK / (w1 - w0) * 100, 2)
        cell["zebra_cpu_pct"] = round((z1 - z0) / CLK_TCK / (w1 - w0) * 100, 2)
        cell["cpu_window_s"] = round(w1 - w0, 1)
    except Exception as e:  # noqa: BLE001 - record, keep going
        cell["error"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
        log("cell %s/%s/wq=%s FAILED: %s (logs %s)" % (scenario, pname, wq, e, logdir))
        cell["logdir"] = logdir
    finally:
        if mon:
            mon.stop()
        for st in list(STREAMS):
            st._kill()
            STREAMS.remove(st)
        tb.teardown()
        TESTBEDS.remove(tb)
    cell["cell_s"] = round(time.monotonic() - t_cell, 1)
    summarise(cell)
    return cell


def summarise(cell):
    reps = cell["reps"]
    cell["reps_done"] = len(reps)
    cell["failovers"] = sum(1 for r in reps if r["failed_over"])
    fo = [r for r in reps if r["failed_over"]]
    s = {}
    for key in ("loss_window_ms", "detectionMs", "switchMs", "totalMs", "loss_over_bound",
                "loss_over_bound_switch", "bound_ms",
                "kernel_switch_polled_ms", "downToWithdrawMs", "firstMissToDownMs", "verdict_ms",
                "installed_ms", "kernel_ms", "first_backup_send_ms", "first_backup_rx_ms",
                "kernel_minus_installed_ms", "backup_send_minus_kernel_ms",
                "loss_start_after_inject_ms"):
        vals = [r.get(key) for r in fo if r.get(key) is not None]
        s[key] = {"n": len(vals), "p50": pct(vals, 50), "p95": pct(vals, 95),
                  "max": max(vals) if vals else None, "min": min(vals) if vals else None}
    cell["summary"] = s
    cell["no_failover_loss_ms"] = [r["loss_window_ms"] for r in reps if not r["failed_over"]]


# ---- plot --------------------------------------------------------------------

def plot(cell, path, workdir):
    rep = next((r for r in cell["reps"] if r.get("_raw")), None)
    if rep is None or not shutil.which("gnuplot"):
        return None
    (sender, receiver, ifnames), ev = rep["_raw"]
    if sender is None:
        return None
    t_inj = ev["inject"]
    times = sender["times"]
    bin_ms = 10 if cell.get("interval_ms", 1000) <= 1000 else 50
    counts = {}
    seen = set()
    for seq, sent, rx, ifindex, *_ in receiver["records"]:
        if seq in seen or seq >= len(times):
            continue
        seen.add(seq)
        if (rx - sent) / 1e6 > LATE_MS:
            continue
        x = (rx / 1e9 - t_inj) * 1000
        b = int(x // bin_ms)
        name = ifnames.get(ifindex, "?")
        key = "primary" if name == T1["v_if"] else "backup"
        counts.setdefault(b, {"primary": 0, "backup": 0})[key] += 1
    if not counts:
        return None
    x0 = (times[0] / 1e9 - t_inj) * 1000
    x1 = (times[-1] / 1e9 - t_inj) * 1000
    dat = os.path.join(workdir, "timeline.dat")
    with open(dat, "w") as f:
        for b in range(int(x0 // bin_ms), int(x1 // bin_ms) + 1):
            c = counts.get(b, {"primary": 0, "backup": 0})
            f.write("%.1f %.3f %.3f\n" % ((b + 0.5) * bin_ms, c["primary"] / bin_ms, c["backup"] / bin_ms))
    evs = sorted(((v - t_inj) * 1000, k) for k, v in ev.items())
    colors = {"inject": "#d62728", "last good reply": "#2ca02c", "down verdict": "#ff7f0e",
              "withdraw sent": "#9467bd", "zebra installed": "#1f77b4",
              "kernel route": "#8c564b", "first sent via backup": "#17becf"}
    labels = {"inject": {"esp_drop": "ESP dropped at G1",
                         "underlay_down": "R's uplink to G1 down"}.get(cell["scenario"], "failure injected"), "last good reply": "last good probe reply",
              "down verdict": "down verdict", "withdraw sent": "withdraw sent to zebra",
              "zebra installed": "zebra: backup installed",
              "kernel route": "kernel route on backup",
              "first sent via backup": "first packet sent via backup"}
    title = ("%s, profile %s (%s), zebra work-queue %s: loss window %.0f ms; vpnhad detection %s ms, "
             "switch %s ms" % (cell["scenario"], cell["profile"],
                               prof_label(PROFILES.get(cell["profile"])), cell["work_queue"],
                               rep["loss_window_ms"], rep["detectionMs"], rep["switchMs"]))
    lo = min(e[0] for e in evs) - max(300, bin_ms * 20)
    hi = max(max(e[0] for e in evs), rep["loss_window_ms"]) + max(300, bin_ms * 20)
    hi = min(hi, x1)  # lo not clipped: the last good reply may precede the stream
    g = ["set terminal pngcairo size 1400,560 font 'sans,10'",
         "set output '%s'" % path,
         "set title \"%s\" noenhanced" % title.replace('"', "'"),
         "set xlabel 'ms since the failure was injected (CLOCK_MONOTONIC, kernel receive time; packets later than 100 ms not counted)' noenhanced",
         "set ylabel 'packets received per ms (%d ms bins)' noenhanced" % bin_ms,
         "set xrange [%.0f:%.0f]" % (lo, hi), "set yrange [0:2.2]", "set ytics 0,0.2,1.4", "set grid",
         "set key below", "set style fill solid 0.6 noborder"]
    mid = (lo + hi) / 2
    for n, (x, k) in enumerate(evs):
        g.append("set arrow from %.1f, graph 0 to %.1f, graph 1 nohead lw 2 dt %d lc rgb '%s'"
                 % (x, x, 1 if k in ("inject", "zebra installed") else 2, colors.get(k, "black")))
        # Staggered horizontal labels: no two share a height.
        y = 2.1 - 0.15 * n
        g.append("set label \"%s %+.0f ms\" at %.1f, %.2f %s textcolor rgb '%s' noenhanced"
                 % (labels.get(k, k), x, x + (4 if x < mid else -4) * (hi - lo) / 1000.0, y,
                    "left" if x < mid else "right", colors.get(k, "black")))
    g.append("plot '%s' using 1:2 with boxes lc rgb '#4c72b0' title 'via primary (G1)', "
             "'' using 1:3 with boxes lc rgb '#55a868' title 'via backup (G2)'" % dat)
    script = os.path.join(workdir, "timeline.gp")
    with open(script, "w") as f:
        f.write("\n".join(g) + "\n")
    cp = subprocess.run(["gnuplot", script], capture_output=True, text=True, timeout=60)
    if cp.returncode != 0:
        log("gnuplot failed: %s" % cp.stderr.strip()[:500])
        return None
    return path


# ---- report ------------------------------------------------------------------

def report(meta, cells, out_md, out_json):
    clean = []
    for c in cells:
        c2 = dict(c)
        c2["reps"] = [{k: v for k, v in r.items() if k != "_raw"} for r in c["reps"]]
        clean.append(c2)
    with open(out_json, "w") as f:
        json.dump({"meta": meta, "cells": clean}, f, indent=2)
    L = ["# vpnhad failover over real IPsec (strongSwan userspace ESP)", ""]
    L.append("- date: %s; total run %.0f s" % (meta["date"], meta["total_run_s"]))
    L.append("- machine: %s x %s, kernel %s, load average before the run %s"
             % (meta["nproc"], meta["cpu_model"], meta["kernel"], meta["loadavg_start"]))
    L.append("- vpnhad commit: %s%s; binary sha256 %s..."
             % (meta["git_commit"], " (frr-plugin has uncommitted changes)" if meta["git_dirty"] else "",
                meta["vpnhad_sha256_16"]))
    L.append("- testbed: tests/ipsec/testbed.py (S - R (zebra + vpnhad) - two strongSwan IKEv2/ESP "
             "tunnels, kernel-libipsec TUNs - G1/G2 - V); 1 kHz UDP stream S -> V, packets "
             "later than %d ms count as lost" % LATE_MS)
    L.append("- repetitions: %s" % meta["reps_note"])
    L.append("- every profile: recovery-count %d, hold-down %d ms (quick failback between "
             "repetitions; failback is not measured here)" % (RECOVERY_COUNT, HOLD_DOWN))
    L.append("")
    bfd_p50 = {}
    for c in cells:
        if c["profile"] == "bfd-100x3" and c.get("summary", {}).get("loss_window_ms", {}).get("n"):
            bfd_p50[(c["scenario"], c["work_queue"])] = c["summary"]["loss_window_ms"]["p50"]

    def sm(c, k, q="p50", nd=0):
        x = c.get("summary", {}).get(k, {})
        return fmt(x.get(q), nd) if x.get("n") else "-"

    L.append("| scenario | profile | zebra work-queue | failed over | bound ms p50 "
             "| loss window p50 / p95 / max ms | loss / bound p50 / p95 | loss / (bound + switch) p50 / p95 "
             "| loss / bfdd 100x3 loss (p50) | vpnhad CPU % | zebra CPU % |")
    L.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in cells:
        prof = PROFILES.get(c["profile"])
        fo = "%d/%d" % (c.get("failovers", 0), c.get("reps_done", 0))
        if c.get("error"):
            fo += " (ERROR: %s)" % c["error"][:80]
        loss = "%s / %s / %s" % (sm(c, "loss_window_ms"), sm(c, "loss_window_ms", "p95"),
                                 sm(c, "loss_window_ms", "max"))
        if c.get("no_failover_loss_ms"):
            loss = ("no failover within %.0f s (stream lost everything after the failure: "
                    "%s ms)" % (c["reps"][0]["wait_bound_s"],
                                ", ".join("%.0f" % x for x in c["no_failover_loss_ms"])))
        ratio = "-"
        b = bfd_p50.get((c["scenario"], c["work_queue"]))
        lw = c.get("summary", {}).get("loss_window_ms", {})
        if b and lw.get("n"):
            ratio = "%.2f" % (lw["p50"] / b)
        L.append("| %s | %s %s | %s | %s | %s | %s | %s / %s | %s / %s | %s | %s | %s |" % (
            c["scenario"], c["profile"], prof_label(prof), c["work_queue"], fo, sm(c, "bound_ms"), loss,
            sm(c, "loss_over_bound", nd=2), sm(c, "loss_over_bound", "p95", 2),
            sm(c, "loss_over_bound_switch", nd=2), sm(c, "loss_over_bound_switch", "p95", 2), ratio,
            fmt(c.get("vpnhad_cpu_pct"), 2), fmt(c.get("zebra_cpu_pct"), 2)))
    L.append("")
    L.append("Where the milliseconds go (p50 over the repetitions, ms after the failure was "
             "injected; the last two columns are differences within each repetition):")
    L.append("")
    L.append("| scenario | profile | loss starts | down verdict | zebra: backup installed "
             "| kernel route on backup | first packet sent via backup | its arrival at V "
             "| kernel - installed | first via backup - kernel |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in cells:
        if c["profile"] == "dpd-only":
            continue
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            c["scenario"], c["profile"], sm(c, "loss_start_after_inject_ms", nd=1),
            sm(c, "verdict_ms", nd=1), sm(c, "installed_ms", nd=1), sm(c, "kernel_ms", nd=1),
            sm(c, "first_backup_send_ms", nd=1), sm(c, "first_backup_rx_ms", nd=1),
            sm(c, "kernel_minus_installed_ms", nd=1), sm(c, "backup_send_minus_kernel_ms", nd=1)))
    L.append("")
    L.append("Columns: *bound* = the design's own detection bound, from the failure to the "
             "verdict: detection timeout: miss-count x interval + timeout; adaptive: interval "
             "+ 2 D + (miss-count - 2) x interval/4 with the D vpnhad showed before the "
             "failure (`detectBoundUs`); BFD: detect-multiplier x interval. *loss window* = "
             "longest run of lost packets of the 1 kHz stream (send time of the last lost - "
             "of the first lost + 1 ms). *switch* = vpnhad's `lastFailover.switchMs` (down "
             "verdict -> zebra reports the backup installed). *down verdict* and *zebra: "
             "backup installed* come from vpnhad's `lastFailover` (`msAgo`), *kernel route "
             "on backup* from `ip -ts monitor route` in R, *first packet sent via backup* "
             "from the stream (the first packet sent after the failure that V received on "
             "its backup interface), its arrival = V's kernel receive time. Percentiles "
             "interpolate linearly between ranks; CPU = utime+stime delta of the process over "
             "all repetitions of the cell (failback phases included), in % of one core.")
    L.append("")
    L.append("Profiles:")
    for p in meta["profiles"]:
        L.append("- `%s`: %s" % (p, PROFILE_NOTE[p]))
    dpd = [c for c in cells if c["profile"] == "dpd-only"]
    if dpd:
        L.append("")
        L.append("IKE DPD baseline detail (per repetition): " + "; ".join(
            "%s: failed over %s, DPD replies received on the primary during the wait %s, "
            "R's SA at the end %s, ipsec0 on R UP %s" % (
                c["scenario"], r["failed_over"], r["dpd_responses_during"],
                "IKE %s / Child %s" % (r["r_sa_t1_end"]["ike"], r["r_sa_t1_end"]["child"]),
                r["tun_up_r"]) for c in dpd for r in c["reps"]))
    if meta.get("plots"):
        L.append("")
        L.append("Timeline plots (first repetition of the cell): " + ", ".join(
            "`%s`" % os.path.basename(p) for p in meta["plots"]))
    text = "\n".join(L) + "\n"
    with open(out_md, "w") as f:
        f.write(text)
    print(text)


# ---- main --------------------------------------------------------------------

def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=int(env("BENCH_REPS", 10)))
    ap.add_argument("--reps-slow", type=int, default=int(env("BENCH_REPS_SLOW", 3)))
    ap.add_argument("--reps-dpd", type=int, default=int(env("BENCH_REPS_DPD", 1)))
    ap.add_argument("--dpd-wait", type=float, default=float(env("BENCH_DPD_WAIT", 60)))
    ap.add_argument("--scenarios", default=env("BENCH_SCENARIOS", "esp_drop"))
    ap.add_argument("--profiles", default=env("BENCH_PROFILES", ",".join(PROFILES)))
    ap.add_argument("--wq", default=env("BENCH_WQ", "default"))
    ap.add_argument("--dpd-all-wq", action="store_true")
    ap.add_argument("--out", default=env("BENCH_OUT", os.path.join(TOP, "bench", "results")))
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args()
    benchlib.preflight("failover.py")
    scenarios = [s for s in args.scenarios.replace(" ", ",").split(",") if s]
    profiles = [p for p in args.profiles.replace(" ", ",").split(",") if p]
    wqs = [w for w in args.wq.replace(" ", ",").split(",") if w]
    for p in profiles:
        if p not in PROFILES:
            raise SystemExit("unknown profile %s (%s)" % (p, ", ".join(PROFILES)))
    os.makedirs(args.out, exist_ok=True)

    meta = benchlib.base_meta()
    meta.update({
        "recovery_count": RECOVERY_COUNT, "hold_down_ms": HOLD_DOWN,
        "scenarios": scenarios, "profiles": profiles, "work_queues": wqs,
        "reps": args.reps, "reps_slow": args.reps_slow, "reps_dpd": args.reps_dpd,
        "dpd_wait_s": args.dpd_wait,
        "reps_note": "%d per cell; cloud-default and cloud-fastest %d; dpd-only %d with a %.0f s "
                     "bound%s" % (args.reps, args.reps_slow, args.reps_dpd, args.dpd_wait,
                                  "" if args.dpd_all_wq else " (default work-queue only)"),
        "strongswan": "R: dpd_delay 1s, dpd_action restart, retransmit_tries 3, "
                      "retransmit_timeout 1.0, retransmit_base 1.4 (tests/ipsec/testbed.py)",
    })
    logroot = tempfile.mkdtemp(prefix="vpnha-failover-")
    cells = []
    plots = []
    rc = 0
    try:
        with benchlib.Run("failover-bench"):
            for wq in wqs:
                for scenario in scenarios:
                    for p in profiles:
                        if p == "dpd-only" and wq != wqs[0] and not args.dpd_all_wq:
                            continue
                        reps = {"cloud-default": args.reps_slow, "cloud-fastest": args.reps_slow,
                                "dpd-only": args.reps_dpd}.get(p, args.reps)
                        if reps <= 0:
                            continue
                        want_plot = not args.no_plot and wq == wqs[0] and p != "dpd-only"
                        log("cell: %s / %s / work-queue %s, %d reps" % (scenario, p, wq, reps))
                        c = run_cell(scenario, p, wq, reps, args, logroot, want_plot)
                        if c.get("error"):
                            rc = 1
                        if want_plot:
                            name = "failover_timeline%s.png" % (
                                "" if (scenario, p) == ("esp_drop", "vpnhad-default")
                                else "_%s_%s" % (scenario, p))
                            out = plot(c, os.path.join(args.out, name), logroot)
                            if out:
                                plots.append(out)
                        cells.append(c)
    except KeyboardInterrupt:
        log("interrupted")
        rc = 130
    meta["total_run_s"] = round(time.monotonic() - benchlib.T_START, 1)
    meta["plots"] = plots
    meta["logdir"] = logroot
    report(meta, cells, os.path.join(args.out, "failover.md"), os.path.join(args.out, "failover.json"))
    if rc == 0:
        shutil.rmtree(logroot, ignore_errors=True)
    else:
        log("logs kept in %s" % logroot)
    return rc


if __name__ == "__main__":
    sys.exit(main())
