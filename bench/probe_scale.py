#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""probe_scale.py: how vpnhad's health checking scales with the number
of tunnels.

For each size N: two namespaces of the test topology (vpnha_topo.Netns)
joined by N veth pairs (one per "tunnel"), zebra + vpnhad started in the
router namespace (vpnha_topo.FrrRouter), N tunnels with a health check
and one route each configured with one `vtysh -f`, a bounded wait until
every tunnel is up, then over a fixed window: vpnhad CPU (utime+stime, %
of one core), RSS, probe counters (deltas), probes/s, RTT figures and any
state change (a false failover).  Everything is torn down before the
next size, and on Ctrl-C / SIGTERM (benchlib.Run).

Usage: bench/probe_scale.py        (as root, after tools/setup.sh)
Env:
  BENCH_SIZES       tunnel counts                 (default "1 10 50 100 200 400")
  BENCH_INTERVAL    probe interval, ms            (default 100)
  BENCH_SECONDS     measurement window, s         (default 20)
  BENCH_SECONDS_BIG window for N >= BENCH_BIG_N   (default BENCH_SECONDS)
  BENCH_BIG_N       see above                     (default 1000000: off)
  BENCH_UP_TIMEOUT  bound on waiting for all-up, s (default 120)
  BENCH_SETTLE      pause between all-up and the window, s (default 2)
  BENCH_OUT         results directory             (default bench/results)
  BENCH_KEEP_LOGS   set to keep the daemon logs of every size
  BENCH_PERF        after each window, count vpnhad's syscalls for
                    BENCH_PERF_SECONDS (default 3) with perf, if present
                    (default 1; 0 = off).  Kept out of the CPU window.
  BENCH_STATIC_NEIGH  permanent neighbour entries on the veths, no ARP
                    (default 1; 0 = dynamic ARP, fails from N = 512, see
                    build_net)
  BENCH_CONFIG_EXIT close each tunnel block with " exit" as
                    "show running-config" does (default 1; 0 = leave
                    blocks implicitly: every "exit" is a non-YANG
                    command, so libfrr commits the pending changes
                    there, one commit per tunnel)
  BENCH_PEER        "veth" (default): a peer namespace joined by N veth
                    pairs, its kernel answers the echo (run in vpnhad's
                    context: softirq of the sending veth); "tun": N TUN
                    devices in the router namespace whose remote end is
                    bench/tun_echo, a process answering the echo (the
                    peer's work and the reply's receive path are charged
                    to it, as on a real tunnel; point-to-point, no ARP)
  BENCH_FLOOR       with BENCH_PEER=tun, after each window stop vpnhad
                    and run bench/probe_floor on the same tunnels for
                    BENCH_FLOOR_SECONDS (default 10) each way (bound,
                    unbound, AF_PACKET): the kernel's share of a probe
                    as vpnhad's engine sends and reads it, without
                    vpnhad's own work (default 1; 0 = off)
  BENCH_NEIGH_GC    with BENCH_PEER=tun, raise the kernel's neighbour
                    table limits (net.ipv{4,6}.neigh.default.gc_thresh1-3,
                    global, not per namespace) above the tunnel count
                    for the run, restored after (default 1; 0 = leave
                    the defaults: from ~1 000 tunnels a neighbour entry
                    is recycled on almost every probe, see
                    bench/README.md)
  BENCH_VPNHAD_PRELOAD  LD_PRELOAD for vpnhad (diagnostic experiments;
                    `ip netns exec` in front of it gets it too)
  BENCH_BASELINE    another vpnhad binary (e.g. a copy built from main):
                    each size is run with it first, then with the one
                    under test, rows labelled "baseline" / "this"
  BENCH_BASELINE_MAX_N  largest size run with the baseline (default 1000)
  VPNHA_DAEMON, VPNHA_VTYSH  binaries under test
Results: $BENCH_OUT/probe_scale.json and probe_scale.md (also on stdout).
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import benchlib as bl
from benchlib import log, vt

TOP = bl.TOP
MAX_TUNNELS = 16384  # 169.254.0.0/16 in /30 blocks


def env_int(name, default):
    v = os.environ.get(name, str(default))
    try:
        return int(v)
    except ValueError:
        raise SystemExit("probe_scale: %s=%r is not a number" % (name, v)) from None


SIZES_TXT = os.environ.get("BENCH_SIZES", "1 10 50 100 200 400")
INTERVAL = env_int("BENCH_INTERVAL", 100)
WINDOW = env_int("BENCH_SECONDS", 20)
WINDOW_BIG = env_int("BENCH_SECONDS_BIG", WINDOW)
BIG_N = env_int("BENCH_BIG_N", 1000000)
UP_TIMEOUT = env_int("BENCH_UP_TIMEOUT", 120)
SETTLE = float(os.environ.get("BENCH_SETTLE", "2"))
STATIC_NEIGH = os.environ.get("BENCH_STATIC_NEIGH", "1") == "1"
CONFIG_EXIT = os.environ.get("BENCH_CONFIG_EXIT", "1") != "0"
PERF_SECONDS = env_int("BENCH_PERF_SECONDS", 3)
PERF = os.environ.get("BENCH_PERF", "1") != "0" and shutil.which("perf") is not None
FLOOR = os.environ.get("BENCH_FLOOR", "1") != "0"
FLOOR_SECONDS = env_int("BENCH_FLOOR_SECONDS", 10)
PRELOAD = os.environ.get("BENCH_VPNHAD_PRELOAD", "")
PEER = os.environ.get("BENCH_PEER", "veth")
NEIGH_GC = os.environ.get("BENCH_NEIGH_GC", "1") != "0"
if PEER not in ("veth", "tun"):
    raise SystemExit("probe_scale: BENCH_PEER=%r is not \"veth\" or \"tun\"" % PEER)
TUN_GROUP = 77  # link group of the TUN devices, deleted in one batch
KEEP_LOGS = bool(os.environ.get("BENCH_KEEP_LOGS"))
BASELINE = os.environ.get("BENCH_BASELINE", "")
BASELINE_MAX_N = env_int("BENCH_BASELINE_MAX_N", 1000)
OUT = os.environ.get("BENCH_OUT", os.path.join(TOP, "bench", "results"))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def sizes():
    out = []
    for s in SIZES_TXT.split():
        if not s.isdigit() or not 1 <= int(s) <= MAX_TUNNELS:
            raise SystemExit("probe_scale: size %r not in 1..%d" % (s, MAX_TUNNELS))
        out.append(int(s))
    return out


def tun_addr(i, host):
    """Tunnel i (1..16384) uses the /30 block i-1 of 169.254.0.0/16:
    router side .1 of the block, peer side .2."""
    off = (i - 1) * 4 + host
    return "169.254.%d.%d" % (off // 256, off % 256)


def tun_route(i):
    return "10.%d.%d.0/24" % (100 + i // 250, i % 250)


def proc_ticks(pid):
    """(utime+stime, stime) of a process, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[12])


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


# --- one size ---------------------------------------------------------------

def build_net(work, n):
    """Namespaces and N veth pairs (ip -batch: one process per side).
    With BENCH_STATIC_NEIGH=1 (default) both ends get permanent neighbour
    entries: real tunnel interfaces (VTI/XFRM) need no ARP, and the
    kernel's ARP table is global with gc_thresh3 = 1024 entries across ALL
    namespaces by default, so dynamic ARP on 2 x N veth ends fails from
    N = 512 on ("neighbor table overflow"); permanent entries are exempt."""
    if PEER == "tun":
        return build_tun(work, n), None
    r, p = vt.Netns("r"), vt.Netns("p")
    rb, pb = [], []
    for i in range(1, n + 1):
        rmac = "02:00:00:00:%02x:%02x" % (i // 256, i % 256)
        pmac = "02:00:00:01:%02x:%02x" % (i // 256, i % 256)
        rb += ["link add vti%d address %s type veth peer name cvti%d address %s netns %s"
               % (i, rmac, i, pmac, p.name),
               "addr add %s/30 dev vti%d" % (tun_addr(i, 1), i), "link set vti%d up" % i]
        pb += ["addr add %s/30 dev cvti%d" % (tun_addr(i, 2), i), "link set cvti%d up" % i]
        if STATIC_NEIGH:
            rb.append("neigh add %s lladdr %s dev vti%d nud permanent" % (tun_addr(i, 2), pmac, i))
            pb.append("neigh add %s lladdr %s dev cvti%d nud permanent" % (tun_addr(i, 1), rmac, i))
    for ns, lines, tag in ((r, rb, "r"), (p, pb, "p")):
        path = os.path.join(work, "%s.batch" % tag)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["ip", "-n", ns.name, "-batch", path], check=True, timeout=300)
    return r, p


def bench_binary(work, name):
    """bench/NAME.c built into the run's work directory."""
    src = os.path.join(TOP, "bench", name + ".c")
    out = os.path.join(work, name)
    if not os.path.exists(out):
        subprocess.run(["cc", "-O2", "-Wall", "-o", out, src], check=True, timeout=120)
    return out


def tun_echo_binary(work):
    return bench_binary(work, "tun_echo")


def kernel_floor(work, r, n, vpn_pid, peer_pid):
    """bench/probe_floor on the same tunnels, with vpnhad stopped
    (SIGSTOP, continued after): the kernel's share of a probe sent and
    answered as vpnhad's engine does it, without vpnhad's own work; then
    unbound and through a packet socket.  Pinned like vpnhad.  Returns
    the first JSON line, the others under "unbound" and "packet", each
    with the TUN peer's CPU per probe meanwhile; None on failure."""
    binary = bench_binary(work, "probe_floor")
    cpus = ",".join(map(str, sorted(VPNHAD_CPUS)))
    out = {}
    os.kill(vpn_pid, signal.SIGSTOP)
    try:
        for mode in ("bound", "unbound", "packet"):
            q0 = proc_ticks(peer_pid)[0] if peer_pid else 0
            cp = r.run(["taskset", "-c", cpus, binary, "vti", str(n), str(INTERVAL), str(FLOOR_SECONDS)]
                       + ([mode] if mode != "bound" else []),
                       check=False, timeout=FLOOR_SECONDS + 60)
            q1 = proc_ticks(peer_pid)[0] if peer_pid else 0
            try:
                res = json.loads(cp.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                log("N=%d: probe_floor failed: %s" % (n, (cp.stdout + cp.stderr).strip()[:500]))
                return None
            if peer_pid and res.get("sent"):
                res["peer_cpu_us_per_probe"] = round((q1 - q0) / CLK_TCK * 1e6 / res["sent"], 1)
            out[mode] = res
    finally:
        os.kill(vpn_pid, signal.SIGCONT)
    return dict(out["bound"], unbound=out["unbound"], packet=out["packet"])


# With the TUN peer, tun_echo runs on the last CPU and vpnhad on the
# others: the peer stands for a remote machine.  Sharing a CPU, each
# sendmmsg() woke tun_echo, which then preempted vpnhad in the middle of
# the batch (a third of vpnhad's samples were context switches).
CPUS = sorted(os.sched_getaffinity(0))
PEER_CPUS = set(CPUS[-1:]) if len(CPUS) > 1 else set(CPUS)
VPNHAD_CPUS = set(CPUS[:-1]) if len(CPUS) > 1 else set(CPUS)


def pin(pid, cpus):
    """Every thread of pid on cpus."""
    for tid in os.listdir("/proc/%d/task" % pid):
        os.sched_setaffinity(int(tid), cpus)


def raise_neigh_gc(n):
    """Point-to-point (NOARP) devices still get a neighbour entry each;
    the kernel's table is one for all namespaces, gc_thresh3 1024 by
    default.  Above it, entries are recycled on almost every packet,
    each with a netlink notification that zebra reads.  A concentrator
    of that size needs the same setting; here for the run only."""
    want = {"gc_thresh1": n + 128, "gc_thresh2": 2 * n + 512, "gc_thresh3": 4 * n + 1024}
    saved = {}
    for fam in ("ipv4", "ipv6"):
        for k, v in want.items():
            path = "/proc/sys/net/%s/neigh/default/%s" % (fam, k)
            with open(path) as f:
                old = int(f.read())
            saved[path] = old
    for fam in ("ipv4", "ipv6"):
        for k in want:
            path = "/proc/sys/net/%s/neigh/default/%s" % (fam, k)
            with open(path, "w") as f:
                f.write("%d\n" % max(saved[path], want[k]))

    def restore():
        for path in saved:
            with open(path, "w") as f:
                f.write("%d\n" % saved[path])
    vt.current_registry().push(restore, "restore the neighbour table limits")


def build_tun(work, n):
    """The router namespace with N TUN devices vti1..vtiN held by
    tun_echo, which answers the echo requests routed into them (the
    peer's address .2 of each /30 is the device's point-to-point peer).
    Cleanup: the devices deleted in one batch (link group), then the
    process stopped (on its exit the kernel would delete them one by
    one, ~17 ms each)."""
    if NEIGH_GC:
        raise_neigh_gc(n)
    r = vt.Netns("r")
    ready = os.path.join(work, "tun_echo.ready")
    if os.path.exists(ready):  # the size's other run (BENCH_BASELINE)
        os.unlink(ready)
    binary = tun_echo_binary(work)
    errlog = open(os.path.join(work, "tun_echo.err"), "w")
    proc = r.popen([binary, "vti", n, ready], stdout=errlog, stderr=errlog)
    r.tun_echo_pid = proc.pid
    pin(proc.pid, PEER_CPUS)

    def stop():
        # Minutes at 10 000 devices with their addresses and routes.
        subprocess.run(["ip", "-n", r.name, "link", "del", "group", str(TUN_GROUP)],
                       check=False, timeout=900)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=600)
        errlog.close()
    vt.current_registry().push(stop, "stop tun_echo in %s" % r.name)
    deadline = time.monotonic() + 60
    while not os.path.exists(ready):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("tun_echo did not start (see %s)" % errlog.name)
        time.sleep(0.05)
    lines = []
    for i in range(1, n + 1):
        lines += ["addr add %s peer %s/30 dev vti%d" % (tun_addr(i, 1), tun_addr(i, 2), i),
                  "link set vti%d group %d up" % (i, TUN_GROUP)]
    path = os.path.join(work, "r.batch")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run(["ip", "-n", r.name, "-batch", path], check=True, timeout=300)
    return r


def write_config(n, path):
    lines = ["vpn-ha", " peer cloud-a", "  address 203.0.113.1", " exit"]
    for i in range(1, n + 1):
        lines += [" tunnel t%d" % i, "  interface vti%d" % i, "  peer cloud-a",
                  "  health-check source %s destination %s" % (tun_addr(i, 1), tun_addr(i, 2)),
                  "  health-check interval %d" % INTERVAL]
        if CONFIG_EXIT:
            lines.append(" exit")
    lines += [" route %s tunnel t%d weight 0" % (tun_route(i), i) for i in range(1, n + 1)]
    lines.append("exit")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def tunnels(rt):
    return rt.vtysh_json("show vpn-ha tunnel json", timeout=120)["tunnels"]


def window_summary(a, b):
    """Deltas of the per-tunnel counters between two `show` snapshots."""
    out = {k: 0 for k in ("sent", "received", "lost", "late", "invalid",
                          "transitions", "failovers")}
    left_up, not_up_end, rtt_avg, rtt_max, loss_max = [], [], [], 0, 0
    for name, tb in b.items():
        ta = a.get(name)
        if ta is None:
            continue
        ca, cb = ta["healthCheck"]["counters"], tb["healthCheck"]["counters"]
        for k, j in (("sent", "probesSent"), ("received", "probesReceived"),
                     ("lost", "probesLost"), ("late", "probesLate"),
                     ("invalid", "probesInvalid")):
            out[k] += cb[j] - ca[j]
        dt = tb["transitions"] - ta["transitions"]
        out["transitions"] += dt
        out["failovers"] += tb["failovers"] - ta["failovers"]
        if dt or ta["state"] != "up" or tb["state"] != "up":
            left_up.append(name)
        if tb["state"] != "up":
            not_up_end.append("%s=%s(%s)" % (name, tb["state"], tb["reason"]))
        w = tb["healthCheck"]["window"]
        if w["probes"]:
            rtt_avg.append(w["rttAvgUs"])
        rtt_max = max(rtt_max, w["rttMaxUs"])
        loss_max = max(loss_max, w["lossPercent"])
    out["tunnels_left_up"] = len(left_up)
    out["tunnels_left_up_names"] = left_up[:20]
    out["not_up_at_end"] = not_up_end[:20]
    out["rtt_avg_us_mean"] = round(sum(rtt_avg) / len(rtt_avg)) if rtt_avg else None
    out["rtt_max_us"] = rtt_max
    out["window_loss_pct_max"] = loss_max
    return out


def engine(rt):
    """vpnhad's probe engine counters (issue 14), None before them."""
    try:
        return rt.vtysh_json("show vpn-ha gateway json", timeout=60).get("probeEngine")
    except (vt.CommandError, ValueError):
        return None


def lateness(a, b):
    """Send lateness over the window from two probeEngine snapshots: the
    histogram's delta (buckets "belowNUs"), as percentiles given by
    their bucket's upper bound, and the run's maximum so far."""
    if not a or not b:
        return None
    ha, hb = a.get("sendLate", {}), b.get("sendLate", {})
    delta = {k: hb[k] - ha.get(k, 0) for k in hb if hb[k] - ha.get(k, 0) > 0}

    def bound(k):
        return int(k[5:-2]) if k.startswith("below") else 1 << 40
    keys = sorted(delta, key=bound)
    total = sum(delta.values())
    out = {"probes": total, "hist": delta, "max_us_run": b.get("sendLateMaxUs"),
           "send_errors": b.get("sendErrors", 0) - a.get("sendErrors", 0),
           "replies_no_tunnel": b.get("repliesNoTunnel", 0) - a.get("repliesNoTunnel", 0)}
    for name, q in (("p50_us", 0.5), ("p99_us", 0.99), ("p999_us", 0.999)):
        acc = 0
        for k in keys:
            acc += delta[k]
            if acc >= q * total:
                out[name] = bound(k)
                break
    out["max_bucket_us"] = bound(keys[-1]) if keys else None
    wa, wb = a.get("timerWakeLate", {}), b.get("timerWakeLate", {})
    out["timer_wake_late_hist"] = {k: wb[k] - wa.get(k, 0) for k in wb if wb[k] - wa.get(k, 0) > 0}
    return out


def perf_stat(pid, logs):
    """Where the CPU goes: syscalls per second (after the window)."""
    csv = os.path.join(logs, "perf.csv")
    subprocess.run(["perf", "stat", "-x,", "-o", csv, "-e", "syscalls:sys_enter_ppoll",
                    "-e", "syscalls:sys_enter_sendto", "-e", "syscalls:sys_enter_recvmsg",
                    "-e", "syscalls:sys_enter_sendmmsg", "-e", "syscalls:sys_enter_recvmmsg",
                    "-e", "task-clock", "-p", str(pid), "--", "sleep", str(PERF_SECONDS)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   timeout=PERF_SECONDS + 30)
    v, cpu = {}, None
    try:
        for line in open(csv):
            f = line.strip().split(",")
            if len(f) < 3 or not f[0].replace(".", "", 1).isdigit():
                continue
            if "sys_enter_" in f[2]:
                v[f[2].split("sys_enter_", 1)[1]] = float(f[0]) / PERF_SECONDS
            elif f[2] == "task-clock":
                cpu = float(f[0]) / (PERF_SECONDS * 10)
    except OSError:
        return None
    if not v:
        return None
    return {"seconds": PERF_SECONDS, "ppoll_per_s": round(v.get("ppoll", 0)),
            "sendto_per_s": round(v.get("sendto", 0)), "recvmsg_per_s": round(v.get("recvmsg", 0)),
            "sendmmsg_per_s": round(v.get("sendmmsg", 0)), "recvmmsg_per_s": round(v.get("recvmmsg", 0)),
            "cpu_pct": round(cpu, 2) if cpu is not None else None}


def run_size(work, vpnhad, n, win, tag="this"):
    logs = os.path.join(work, "n%d%s" % (n, "" if tag == "this" else "-" + tag))
    k = 1
    while os.path.exists(logs):  # the same size listed again
        k += 1
        logs = os.path.join(work, "n%d%s-%d" % (n, "" if tag == "this" else "-" + tag, k))
    os.makedirs(logs)
    os.chmod(logs, 0o777)
    row = {"n": n, "binary": tag}
    with vt.registry_scope("probe_scale N=%d" % n):
        log("N=%d: building namespaces" % n)
        t0 = time.monotonic()
        r, _p = build_net(work, n)
        t1 = time.monotonic()
        rt = vt.FrrRouter(r, logs)
        zebra = rt.start_zebra()
        saved = os.environ.get("LD_PRELOAD")
        if PRELOAD:
            os.environ["LD_PRELOAD"] = PRELOAD
        try:
            vpn = rt.start_daemon("vpnhad", binary=vpnhad)
        finally:
            if PRELOAD:
                if saved is None:
                    os.environ.pop("LD_PRELOAD", None)
                else:
                    os.environ["LD_PRELOAD"] = saved
        if PEER == "tun":
            pin(vpn.pid, VPNHAD_CPUS)
        t2 = time.monotonic()
        conf = os.path.join(logs, "vpnhad.conf")
        write_config(n, conf)
        log("N=%d: configuring" % n)
        cp = r.run(rt.vtysh_argv([], extra=["-f", conf]), check=False, timeout=600)
        t3 = time.monotonic()
        with open(os.path.join(logs, "config.out"), "w") as f:
            f.write(cp.stdout + cp.stderr)
        bad = [l for l in (cp.stdout + cp.stderr).splitlines()
               if l.startswith("%") or "rror" in l or "nknown" in l]
        if cp.returncode != 0 or bad:
            sys.stderr.write("".join((cp.stdout + cp.stderr).splitlines(True)[:20]))
            return dict(row, error="configuration failed")
        row["config_s"] = round(t3 - t2, 3)

        # All up, bounded.
        tries = 0
        while True:
            tries += 1
            t = tunnels(rt)
            up = sum(1 for v in t.values() if v["state"] == "up")
            routes = sum(v.get("routesInstalled", 0) for v in t.values())
            if len(t) == n and up == n and routes == n:
                t_up = time.monotonic()
                break
            if time.monotonic() - t3 > UP_TIMEOUT:
                log("N=%d: only %d/%d tunnels up, %d routes after %ds" % (n, up, len(t), routes, UP_TIMEOUT))
                with open(os.path.join(logs, "not-up.json"), "w") as f:
                    json.dump(t, f)
                return dict(row, all_up_s=None, error="only %d/%d up after %ds" % (up, len(t), UP_TIMEOUT))
            time.sleep(0.2)
        log("N=%d: all %d up after %.3f s (%d polls); window %ss" % (n, n, t_up - t3, tries, win))
        time.sleep(SETTLE)

        # Measurement window.  The two per-tunnel show commands stay
        # outside the CPU window (at 10 000 tunnels each takes tens of
        # seconds, its counters read tunnel by tunnel meanwhile): the
        # per-tunnel counter window is taken between their midpoints.
        # Probes sent per CPU second come from the engine's own counter
        # (one show, milliseconds), read right at the CPU window's ends.
        with open(vpn.log_path, errors="replace") as f:
            lines0 = sum(1 for _ in f)
        ta0 = time.monotonic()
        w0 = tunnels(rt)
        ta1 = time.monotonic()
        peer_pid = getattr(r, "tun_echo_pid", None)
        e0 = engine(rt)
        q0 = proc_ticks(peer_pid)[0] if peer_pid else 0
        (c0, s0), (z0, _) = proc_ticks(vpn.pid), proc_ticks(zebra.pid)
        tw0 = time.monotonic()
        time.sleep(win)
        (c1, s1), (z1, _) = proc_ticks(vpn.pid), proc_ticks(zebra.pid)
        tw1 = time.monotonic()
        q1 = proc_ticks(peer_pid)[0] if peer_pid else 0
        e1 = engine(rt)
        rss, hwm = status_kb(vpn.pid, "VmRSS"), status_kb(vpn.pid, "VmHWM")
        tb0 = time.monotonic()
        w1 = tunnels(rt)
        tb1 = time.monotonic()
        if not vpn.alive():
            raise RuntimeError("N=%d: vpnhad died (see %s)" % (n, vpn.log_path))
        perf = perf_stat(vpn.pid, logs) if PERF else None

        w = window_summary(w0, w1)
        span = (tb0 + tb1) / 2 - (ta0 + ta1) / 2
        kroutes = sum(1 for x in r.ip("-4", "route", "show").stdout.splitlines()
                      if x.startswith("10.1"))
        with open(vpn.log_path, errors="replace") as f:
            vlog = f.readlines()
        warnings = sum(1 for x in vlog if "warn" in x)
        changes = sum(1 for x in vlog[lines0:] if " -> " in x and "tunnel " in x)
        # Last: vpnhad, stopped for it, misses every reply meanwhile.
        floor = None
        if PEER == "tun" and FLOOR and tag == "this":
            log("N=%d: kernel floor (bench/probe_floor, %d s, vpnhad stopped)" % (n, FLOOR_SECONDS))
            floor = kernel_floor(work, r, n, vpn.pid, peer_pid)

        log("N=%d: tearing down" % n)
        td0 = time.monotonic()
    td1 = time.monotonic()
    cpu_s = (c1 - c0) / CLK_TCK
    # Probes sent in the CPU window: the engine's counter; without it
    # (an older vpnhad as the baseline) the per-tunnel counters' window,
    # scaled to the CPU window's length.
    if e0 and e1 and "probesSent" in e0:
        sent_cpu = e1["probesSent"] - e0["probesSent"]
    else:
        sent_cpu = w["sent"] * (tw1 - tw0) / span if span > 0 else 0
    row.update({
        "interval_ms": INTERVAL, "window_s": float(win),
        "netns_s": round(t1 - t0, 3), "daemons_s": round(t2 - t1, 3),
        "config_s": round(t3 - t2, 3), "all_up_s": round(t_up - t3, 3),
        "all_up_polls": tries,
        "vpnhad_cpu_pct": round(cpu_s / (tw1 - tw0) * 100, 2),
        "zebra_cpu_pct": round((z1 - z0) / CLK_TCK / (tw1 - tw0) * 100, 2),
        "vpnhad_cpu_s": round(cpu_s, 2),
        "vpnhad_sys_pct": round((s1 - s0) / CLK_TCK / (tw1 - tw0) * 100, 2),
        "vpnhad_cpu_us_per_probe": round(cpu_s * 1e6 / sent_cpu, 1) if sent_cpu else None,
        "probes_sent_cpu_window": round(sent_cpu),
        "vpnhad_rss_kb": rss, "vpnhad_hwm_kb": hwm,
        "counter_span_s": round(span, 3),
        "probes_per_s": round(sent_cpu / (tw1 - tw0), 1),
        "probes_per_s_expected": round(n * 1000.0 / INTERVAL, 1),
        "kernel_routes": kroutes, "log_warnings": warnings,
        "log_state_changes_in_window": changes,
        "teardown_s": round(td1 - td0, 3),
        "perf": perf, "window": w, "send_late": lateness(e0, e1),
        "kernel_floor": floor,
    })
    if peer_pid:
        qs = (q1 - q0) / CLK_TCK
        row["peer_cpu_pct"] = round(qs / (tw1 - tw0) * 100, 2)
        row["peer_cpu_us_per_probe"] = round(qs * 1e6 / sent_cpu, 1) if sent_cpu else None
    print(json.dumps(row), file=sys.stderr)
    if KEEP_LOGS:
        os.makedirs(os.path.join(OUT, "logs"), exist_ok=True)
        shutil.copytree(logs, os.path.join(OUT, "logs", os.path.basename(logs)), dirs_exist_ok=True)
    return row


# --- report -------------------------------------------------------------------

def report(rows, meta, out_json, out_md):
    with open(out_json, "w") as f:
        json.dump({"meta": meta, "results": rows}, f, indent=2)
    L = []
    L.append("# vpnhad probe scaling")
    L.append("")
    L.append("- date: %s" % meta["date"])
    L.append("- machine: %s x %s, kernel %s" % (meta["nproc"], meta["cpu_model"], meta["kernel"]))
    L.append("- vpnhad commit: %s%s%s (HEAD when the run started)" % (meta["git_commit"],
             " (frr-plugin has uncommitted changes)" if meta["git_dirty"] else "",
             " (WARNING: binary older than the sources)" if meta["vpnhad_older_than_sources"] else ""))
    L.append("- probe interval %s ms (timeout/miss/recovery at their defaults); window %s"
             % (meta["interval_ms"], meta["window_note"]))
    if meta.get("peer") == "tun":
        L.append("- tunnels: TUN devices in the router namespace, answered by bench/tun_echo "
                 "(a process: the peer's work and the reply's receive path are charged to it, "
                 "column *peer CPU us/probe*); tun_echo pinned to CPU %s, vpnhad to CPU %s; %s"
                 % (meta.get("peer_cpus"), meta.get("vpnhad_cpus"),
                    "neighbour table limits (gc_thresh1-3) raised above N for the run"
                    if meta.get("neigh_gc_raised") else "neighbour table limits at the kernel's defaults"))
    else:
        L.append("- tunnels: veth pairs between two namespaces, %s"
                 % ("permanent neighbour entries (no ARP, like a real tunnel interface)"
                    if meta["static_neighbours"] else "dynamic ARP"))
    if meta.get("vpnhad_preload"):
        L.append("- **diagnostic run: vpnhad started with LD_PRELOAD=%s**" % meta["vpnhad_preload"])
    L.append("- vpnhad binary: %s (built %s, sha256 %s...)" % (meta["vpnhad_binary"], meta["vpnhad_built"], meta["vpnhad_sha256_16"]))
    if meta.get("baseline_binary"):
        L.append("- baseline vpnhad (rows \"baseline\", sizes up to %d, run just before the same size): %s (built %s, sha256 %s...)"
                 % (meta["baseline_max_n"], meta["baseline_binary"], meta["baseline_built"], meta["baseline_sha256_16"]))
    L.append("- load average before the run: %s; other zebra/vpnhad processes on the box: %s"
             % (meta["loadavg_start"], meta["foreign_frr_procs"]))
    L.append("")
    L.append("| N | vpnhad | window s | config s | all up s | vpnhad CPU % | zebra CPU % | RSS MiB | probes sent | received | lost | late | probes/s (expected) | tunnels leaving up | RTT avg/max ms |")
    L.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        w = r.get("window") or {}
        if r.get("error"):
            L.append("| %d | %s | - | %s | %s | - | - | - | - | - | - | - | - | ERROR: %s | - |"
                     % (r["n"], r.get("binary", "this"), r.get("config_s", "-"), r.get("all_up_s", "-"), r["error"]))
            continue
        rtt = "%.3f / %.3f" % ((w["rtt_avg_us_mean"] or 0) / 1000.0, w["rtt_max_us"] / 1000.0)
        L.append("| %d | %s | %s | %.2f | %.2f | %.2f | %.2f | %.1f | %d | %d | %d | %d | %.0f (%.0f) | %d | %s |" % (
            r["n"], r.get("binary", "this"), r["window_s"], r["config_s"], r["all_up_s"], r["vpnhad_cpu_pct"],
            r["zebra_cpu_pct"], r["vpnhad_rss_kb"] / 1024.0, w["sent"], w["received"],
            w["lost"], w["late"], r["probes_per_s"], r["probes_per_s_expected"],
            w["tunnels_left_up"], rtt))
    L.append("")
    L.append("Columns: *config s* = one `vtysh -f` with the whole configuration (%s); "
             % ("each tunnel block closed by ` exit`, as `show running-config` writes it"
                if meta["config_exit_lines"] else "tunnel blocks without ` exit` lines") +
             "*all up s* = end of configuration until every tunnel reports `up` "
             "(polled every 0.2 s); CPU = (utime+stime) delta over the window in % of "
             "one core; RSS = VmRSS at the end of the window; probe counts are "
             "deltas of the per-tunnel counters of `show vpn-ha tunnel json` taken "
             "around the window (at thousands of tunnels that show takes seconds, so "
             "their span is longer than the window); *probes/s* = the probe engine's "
             "own counter (`show vpn-ha gateway json`) over the CPU window; *tunnels leaving "
             "up* = tunnels whose transition counter moved or which were not `up` at "
             "either end of the window (any non-zero value is a false failover); RTT = "
             "mean of the per-tunnel window averages / largest per-tunnel max.")
    L.append("")
    L.append("Second table: CPU us/probe = vpnhad CPU over the window / probes sent in it "
             "(the engine's counter); "
             "*stime %%* = the kernel (system time) part of the CPU %% column (on veths it "
             "includes the peer namespace's kernel answering the echo, run in vpnhad's "
             "context); *peer CPU us/probe* = tun_echo's CPU over the window / those probes "
             "(TUN peer only: reading the request, writing the reply and the kernel's "
             "receive path of that reply up to vpnhad's socket); *send late* = how long after its scheduled time each probe of the "
             "window left (vpnhad's own histogram, `show vpn-ha gateway json` probeEngine: "
             "percentiles as power-of-two bucket bounds; max = largest since vpnhad started, "
             "including the configuration); syscall rates "
             "from `perf stat` on vpnhad for %s s right after the window (not inside it)."
             % (meta.get("perf_seconds") or "-"))
    L.append("")
    L.append("| N | vpnhad | vpnhad CPU us/probe | vpnhad stime % | peer CPU us/probe | send late p50 / p99 / p99.9 / max us | ppoll/s | sendto/s | recvmsg/s | sendmmsg/s | recvmmsg/s | netns+veth s | daemons s | teardown s | kernel routes | VmHWM MiB | vpnhad log warnings | state changes logged in window |")
    L.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        pf = r.get("perf") or {}
        sl = r.get("send_late")
        late = "-"
        if sl and sl.get("probes"):
            late = "< %s / < %s / < %s / %s" % (sl.get("p50_us"), sl.get("p99_us"), sl.get("p999_us"),
                                                sl.get("max_us_run"))
        L.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["n"], r.get("binary", "this"), r.get("vpnhad_cpu_us_per_probe", "-"),
            r.get("vpnhad_sys_pct", "-"), r.get("peer_cpu_us_per_probe", "-"), late, pf.get("ppoll_per_s", "-"),
            pf.get("sendto_per_s", "-"), pf.get("recvmsg_per_s", "-"),
            pf.get("sendmmsg_per_s", "-"), pf.get("recvmmsg_per_s", "-"),
            r.get("netns_s", "-"), r.get("daemons_s", "-"), r.get("teardown_s", "-"),
            r.get("kernel_routes", "-"),
            "%.1f" % (r["vpnhad_hwm_kb"] / 1024.0) if r.get("vpnhad_hwm_kb") else "-",
            r.get("log_warnings", "-"), r.get("log_state_changes_in_window", "-")))
    fl = [r for r in rows if r.get("kernel_floor") and r.get("vpnhad_cpu_us_per_probe")]
    if fl:
        L.append("")
        L.append("Kernel floor: bench/probe_floor on the same tunnels right after the window "
                 "(vpnhad stopped, pinned to its CPU, %s s): the same socket options, the "
                 "same 40-byte probes on the same send grid, sendmmsg() in batches of 64 "
                 "each bound to its tunnel (IP_PKTINFO), every reply read with recvmmsg() "
                 "at the next wakeup; no health bookkeeping, scheduler or event loop.  "
                 "*vpnhad's own* = vpnhad's CPU per probe minus the floor.  *unbound*: the "
                 "same without IP_PKTINFO on the probes (routed by destination alone, through "
                 "any interface) and without timestamp and arrival interface on the replies, "
                 "i.e. without the guarantees vpnhad keeps.  *AF_PACKET*: the probes, IPv4 "
                 "header built by the program, written to their tunnel's interface through a "
                 "packet socket (no route lookup, no netfilter OUTPUT hook, no conntrack "
                 "entry for the request), replies read as in the floor."
                 % (fl[0]["kernel_floor"].get("seconds")))
        L.append("")
        L.append("| N | vpnhad CPU us/probe | kernel floor us/probe | vpnhad's own us/probe | floor unbound us/probe | floor AF_PACKET us/probe | floor: probes sent / replies / send errors | peer CPU us/probe (floor run) |")
        L.append("|---:|---:|---:|---:|---:|---:|---|---:|")
        for r in fl:
            f = r["kernel_floor"]
            u = f.get("unbound") or {}
            pk = f.get("packet") or {}
            L.append("| %d | %s | %.2f | %.2f | %s | %s | %d / %d / %d | %s |" % (
                r["n"], r["vpnhad_cpu_us_per_probe"], f["cpu_us_per_probe"],
                r["vpnhad_cpu_us_per_probe"] - f["cpu_us_per_probe"],
                "%.2f" % u["cpu_us_per_probe"] if u else "-",
                "%.2f" % pk["cpu_us_per_probe"] if pk else "-",
                f["sent"], f["replies"], f["send_errors"], f.get("peer_cpu_us_per_probe", "-")))
    bl.write_table(out_md, L)


# --- main -------------------------------------------------------------------

def main():
    bl.preflight_frr("probe_scale")
    src = vt.vpnha_daemon_path()
    todo = sizes()
    work, vpnhad, stale = bl.daemon_copy("probe_scale.")
    meta = bl.base_meta()
    for k in ("rate_hz", "late_ms", "vtysh"):
        meta.pop(k, None)
    with open(vpnhad, "rb") as f:
        meta["vpnhad_sha256_16"] = hashlib.sha256(f.read()).hexdigest()[:16]
    window_note = "%d s" % WINDOW
    if WINDOW_BIG != WINDOW:
        window_note = "%d s (%d s for N >= %d)" % (WINDOW, WINDOW_BIG, BIG_N)
    meta.update({
        "vpnhad_older_than_sources": stale, "vpnhad_binary": src,
        "vpnhad_built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(src))),
        "interval_ms": INTERVAL, "window_s": WINDOW, "window_big_s": WINDOW_BIG, "big_n": BIG_N,
        "window_note": window_note, "sizes": SIZES_TXT, "config_exit_lines": CONFIG_EXIT,
        "static_neighbours": STATIC_NEIGH,
        "neigh_gc_raised": NEIGH_GC if PEER == "tun" else None, "vpnhad_preload": PRELOAD, "peer": PEER,
        "peer_cpus": ",".join(map(str, sorted(PEER_CPUS))) if PEER == "tun" else None,
        "vpnhad_cpus": ",".join(map(str, sorted(VPNHAD_CPUS))) if PEER == "tun" else None,
        "perf_seconds": PERF_SECONDS if PERF else None,
        "foreign_frr_procs": len(subprocess.run(["pgrep", "-x", "zebra|vpnhad"], capture_output=True,
                                                text=True).stdout.split()),
    })
    base = None
    if BASELINE:
        base = os.path.join(work, "vpnhad-baseline")
        shutil.copy2(BASELINE, base)
        with open(base, "rb") as f:
            meta["baseline_sha256_16"] = hashlib.sha256(f.read()).hexdigest()[:16]
        meta["baseline_binary"] = BASELINE
        meta["baseline_built"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(BASELINE)))
        meta["baseline_max_n"] = BASELINE_MAX_N
    run_start = time.monotonic()
    rows, failed = [], False
    global KEEP_LOGS
    with bl.Run("probe_scale"):
        for n in todo:
            runs = [("this", vpnhad)]
            if base and n <= BASELINE_MAX_N:
                runs.insert(0, ("baseline", base))
            for tag, binary in runs:
                log("N=%d: %s vpnhad %s" % (n, tag, binary))
                try:
                    row = run_size(work, binary, n, WINDOW_BIG if n >= BIG_N else WINDOW, tag)
                except (vt.CommandError, RuntimeError, AssertionError, subprocess.SubprocessError) as e:
                    row = {"n": n, "binary": tag, "error": str(e).splitlines()[0][:200]}
                rows.append(row)
                if row.get("error"):
                    log("N=%d (%s) failed: %s; logs in %s" % (n, tag, row["error"], work))
                    failed = KEEP_LOGS = True
    meta["total_run_s"] = round(time.monotonic() - run_start, 3)
    os.makedirs(OUT, exist_ok=True)
    report(rows, meta, os.path.join(OUT, "probe_scale.json"), os.path.join(OUT, "probe_scale.md"))
    if KEEP_LOGS:
        log("logs kept in %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
