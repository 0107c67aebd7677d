#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""prefix_scale.py: how long a failover of a tunnel carrying N prefixes
takes to reach the kernel (issue 14, Scale: 10 000 prefixes in < 200 ms).

For each size N:
  - two namespaces of the test topology, two veth "tunnels" vti1/vti2
    with permanent neighbours (probe_scale.build_net);
  - zebra + vpnhad in the router namespace; tunnels t1 (primary) and t2
    (backup), health check at 100 ms, recovery-count 1, hold-down 0;
  - N prefixes 10.a.b.0/24, each routed over t1 (weight 0) and t2
    (weight 100); wait until all N are in the kernel over vti1;
  - in each mode (BENCH_MODES, default "withdraw nexthop-group": `no
    fast-reroute` / `fast-reroute`), each failure (BENCH_TRIGGERS,
    default "drop link shutdown": the peer silently dropping t1's
    traffic, t1's carrier lost, `shutdown`) and its repair; an `ip -ts
    monitor route nexthop` in the router namespace gives the kernel time
    of each route change and of each nexthop-object replace; measured:
    the failure (for drop: vpnhad's verdict) -> first and last of the N
    prefixes over vti2, and back;
  - CPU time of vpnhad and zebra from the command to the last route.

Usage: bench/prefix_scale.py   (as root, after tools/setup.sh)
Env: BENCH_SIZES (default "1000 10000"), BENCH_OUT (bench/results),
     BENCH_TIMEOUT (s, bound on each wait; default 120)
Results: $BENCH_OUT/prefix_scale.json and prefix_scale.md (also on stdout).
"""

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import benchlib as bl
from benchlib import log, vt
import probe_scale as ps

TOP = bl.TOP
SIZES_TXT = os.environ.get("BENCH_SIZES", "1000 10000")
OUT = os.environ.get("BENCH_OUT", os.path.join(TOP, "bench", "results"))
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "120"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
INTERVAL = 100
MODES = os.environ.get("BENCH_MODES", "withdraw nexthop-group").split()
TRIGGERS = os.environ.get("BENCH_TRIGGERS", "drop link shutdown").split()


def prefix(i):
    return "10.%d.%d.0/24" % (i // 256, i % 256)


def config_text(n):
    L = ["vpn-ha", " peer cloud-a", "  address 203.0.113.1", " exit"]
    for i in (1, 2):
        L += [" tunnel t%d" % i, "  interface vti%d" % i, "  peer cloud-a",
              "  health-check source %s destination %s" % (ps.tun_addr(i, 1), ps.tun_addr(i, 2)),
              "  health-check interval %d" % INTERVAL,
              "  health-check recovery-count 1", "  health-check hold-down 0", " exit"]
    for k in range(n):
        L.append(" route %s tunnel t1 weight 0" % prefix(k))
        L.append(" route %s tunnel t2 weight 100" % prefix(k))
    L.append("exit")
    return "\n".join(L) + "\n"


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def kernel_count(ns, dev):
    out = ns.run(["ip", "-4", "route", "show", "dev", dev], check=False, timeout=60).stdout
    return sum(1 for l in out.splitlines() if l.startswith("10."))


def wait_count(ns, dev, n, what):
    t0 = time.monotonic()
    while True:
        c = kernel_count(ns, dev)
        if c >= n:
            return
        if time.monotonic() - t0 > TIMEOUT:
            raise RuntimeError("%s: %d/%d prefixes over %s after %d s" % (what, c, n, dev, TIMEOUT))
        time.sleep(0.1)


MON_RE = re.compile(r"^\[([0-9T:.\-]+)\]\s*(Deleted )?(10\.\d+\.\d+\.0/24)\b(.*)$")


def route_nhids(ns, dev, with_gw=False):
    """{prefix: nhid} of the 10.x prefixes over dev (with_gw: {prefix:
    (nhid, has a gateway)})."""
    out = ns.run(["ip", "-j", "-4", "route", "show", "dev", dev], check=False, timeout=60).stdout
    return {e["dst"]: ((e.get("nhid"), bool(e.get("gateway"))) if with_gw else e.get("nhid"))
            for e in json.loads(out or "[]") if e["dst"].startswith("10.")}


def wait_mode(r, n, fast):
    """All n prefixes over vti1, through vpnhad's group (a gateway nexthop
    object) when fast, else through zebra's own (interface only)."""
    t0 = time.monotonic()
    while True:
        ids = route_nhids(r, "vti1", with_gw=True)
        if len(ids) >= n and {gw for _, gw in ids.values()} == {fast}:
            return
        if time.monotonic() - t0 > TIMEOUT:
            raise RuntimeError("fast-reroute %s: routes not as expected after %d s" % (fast, TIMEOUT))
        time.sleep(0.2)


MON_NH_RE = re.compile(r"^\[([0-9T:.\-]+)\]\s*id (\d+) (?:.*\bdev (\S+)|group (\d+))")


def nexthop_devs(ns):
    """{id: device} of the singleton nexthop objects in ns now."""
    out = ns.run(["ip", "-j", "nexthop", "show"], check=False, timeout=60).stdout
    return {e["id"]: e["dev"] for e in json.loads(out or "[]") if "dev" in e}


def parse_monitor(path, t_cmd, dev, nhids, nh_dev):
    """(first, last, count) seconds after t_cmd at which each prefix first
    went over dev after t_cmd: its own RTM_NEWROUTE over dev, or the
    RTM_NEWNEXTHOP that moved the nexthop object it used (nhids: prefix ->
    id before the command; nh_dev: singleton id -> device then) to dev."""
    seen, moved, nh_dev = {}, {}, dict(nh_dev)
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            m = MON_NH_RE.match(line)
            if m:
                # a singleton names its device, a group (zebra puts a
                # protocol's group over singletons) its first member
                d = m.group(3) or nh_dev.get(int(m.group(4)))
                nh_dev[int(m.group(2))] = d
                ts = datetime.datetime.fromisoformat(m.group(1)).timestamp()
                if d == dev and ts >= t_cmd:
                    moved.setdefault(int(m.group(2)), ts)
                continue
            m = MON_RE.match(line)
            if not m or m.group(2) or (" dev %s " % dev) not in (m.group(4) + " "):
                continue
            ts = datetime.datetime.fromisoformat(m.group(1)).timestamp()
            if ts < t_cmd:
                continue
            seen.setdefault(m.group(3), ts)
    for pfx, nhid in nhids.items():
        if nhid in moved:
            seen[pfx] = min(seen.get(pfx, moved[nhid]), moved[nhid])
    if not seen:
        return None, None, 0
    v = sorted(seen.values())
    return v[0] - t_cmd, v[-1] - t_cmd, len(v)


def verdict_wall(rt, t_cmd):
    """Wall-clock time of vpnhad's verdict on t1 (lastFailover, CLOCK_MONOTONIC)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        t = rt.vtysh_json("show vpn-ha tunnel t1 json", timeout=60)["tunnels"]["t1"]
        down = t.get("lastFailover", {}).get("monotonicUs", {}).get("down", 0)
        wall = down / 1e6 + (time.time() - time.monotonic())
        if down and wall >= t_cmd - 0.01:
            return wall
        time.sleep(0.1)
    raise RuntimeError("no verdict on t1 after the drop")


def flip(rt, r, mon_path, n, no, dev, vpn, zebra, peer=None, how="shutdown"):
    """Switch (no=False) or fail back over tunnel t1: by vtysh `shutdown`;
    with peer given, by the peer-side veth end going down/up (how="link":
    vti1 loses its carrier, zebra reports the interface down to vpnhad, no
    configuration commit involved) or by the peer dropping everything
    arriving on it (how="drop": vpnhad's health check decides, the
    interface stays up; times from vpnhad's verdict)."""
    nhids = route_nhids(r, "vti1") if not no else {}
    devs = nexthop_devs(r)
    if peer is None:
        cmd = ("no " if no else "") + "shutdown"
        argv, ns = rt.vtysh_argv(["conf t", "vpn-ha", "tunnel t1", cmd]), r
    elif how == "link":
        cmd = "link %s" % ("up" if no else "down")
        argv, ns = ["ip", "link", "set", "cvti1", "up" if no else "down"], peer
    else:
        cmd = "drop %s" % ("off" if no else "on")
        argv, ns = (["nft", "flush", "chain", "inet", "prefix_scale", "pre"] if no else
                    ["nft", "add", "rule", "inet", "prefix_scale", "pre", "iifname", "cvti1", "drop"]), peer
    c0, z0 = cpu_s(vpn.pid), cpu_s(zebra.pid)
    t_cmd = time.time()
    cp = ns.run(argv, check=False, timeout=60)
    t_ret = time.time()
    if cp.returncode != 0:
        raise RuntimeError("%s: rc=%s %s" % (cmd, cp.returncode, cp.stdout + cp.stderr))
    wait_count(r, dev, n, cmd)
    c1, z1 = cpu_s(vpn.pid), cpu_s(zebra.pid)
    t_from = verdict_wall(rt, t_cmd) if how == "drop" and not no else t_cmd
    time.sleep(0.5)  # the monitor catches up
    first, last, cnt = parse_monitor(mon_path, t_from, dev, nhids, devs)
    if cnt < n:
        raise RuntimeError("%s: monitor saw %d/%d prefixes over %s" % (cmd, cnt, n, dev))
    return {"first_ms": round(first * 1000, 1), "last_ms": round(last * 1000, 1),
            "vtysh_ms": round((t_ret - t_cmd) * 1000, 1),
            "vpnhad_cpu_s": round(c1 - c0, 2), "zebra_cpu_s": round(z1 - z0, 2)}


def run_size(work, vpnhad, n):
    logs = tempfile.mkdtemp(prefix="n%d." % n, dir=work)
    os.chmod(logs, 0o777)
    row = {"n": n}
    with vt.registry_scope("prefix_scale N=%d" % n):
        r, p = ps.build_net(work, 2)
        vt.nft_table(p, "inet", "prefix_scale",
                     "table inet prefix_scale {\n chain pre { type filter hook prerouting priority -300; }\n}\n")
        rt = vt.FrrRouter(r, logs)
        zebra = rt.start_zebra()
        vpn = rt.start_daemon("vpnhad", binary=vpnhad)
        conf = os.path.join(logs, "vpnhad.conf")
        with open(conf, "w") as f:
            f.write(config_text(n))
        os.chmod(conf, 0o644)
        t0 = time.monotonic()
        cp = r.run(rt.vtysh_argv([], extra=["-f", conf]), check=False, timeout=600)
        if cp.returncode != 0:
            raise RuntimeError("vtysh -f: rc=%s %s" % (cp.returncode, (cp.stdout + cp.stderr)[:300]))
        wait_count(r, "vti1", n, "initial install")
        row["install_s"] = round(time.monotonic() - t0, 2)
        log("N=%d: all in the kernel over vti1 after %.2f s" % (n, row["install_s"]))
        t_n = time.time()
        r.run(rt.vtysh_argv(["conf t", "vpn-ha", "tunnel t2", "no shutdown"]), timeout=60)
        row["vtysh_noop_ms"] = round((time.time() - t_n) * 1000, 1)
        if os.environ.get("BENCH_DEBUG"):
            r.run(rt.vtysh_argv(["debug zebra events", "debug zebra kernel", "debug vpn-ha zebra", "conf t", "log timestamp precision 3"]), timeout=60)
        time.sleep(1.0)
        mon_path = os.path.join(logs, "monitor.txt")
        mon_f = open(mon_path, "w")
        mon = r.popen(["ip", "-ts", "monitor", "route", "nexthop"], stdout=mon_f,
                      stderr=subprocess.STDOUT)
        try:
            time.sleep(0.5)
            for mode in MODES:
                fast = mode == "nexthop-group"
                r.run(rt.vtysh_argv(["conf t", "vpn-ha", ("" if fast else "no ") + "fast-reroute"]),
                      timeout=120)
                wait_mode(r, n, fast)
                time.sleep(1.0)
                res = row.setdefault(mode, {})
                for how in TRIGGERS:
                    peer = None if how == "shutdown" else p
                    res[how] = flip(rt, r, mon_path, n, False, "vti2", vpn, zebra, peer, how)
                    log("N=%d %s: %s %s" % (n, mode, how, res[how]))
                    time.sleep(1.0)
                    res[how + "_back"] = flip(rt, r, mon_path, n, True, "vti1", vpn, zebra, peer, how)
                    log("N=%d %s: %s back %s" % (n, mode, how, res[how + "_back"]))
                    wait_mode(r, n, fast)
                    time.sleep(1.0)
        finally:
            mon.terminate()
            mon.wait(timeout=10)
            mon_f.close()
        if not vpn.alive():
            raise RuntimeError("vpnhad died")
    return row


TRIGGER_TXT = {
    "drop": "silent failure (the peer drops everything arriving on t1's veth end; times from "
            "vpnhad's verdict, `lastFailover.monotonicUs.down`)",
    "link": "link down (the peer-side veth end set down: vti1 loses its carrier, zebra tells "
            "vpnhad; times from the `ip link` command)",
    "shutdown": "`tunnel t1` / `shutdown` by vtysh (times from just before vtysh starts: they "
                "include vtysh and the configuration commit, see *vtysh no-op*)",
}


def report(rows, meta):
    L = bl.results_head(os.path.join(OUT, "prefix_scale.json"),
                        "Failover of a tunnel carrying N prefixes: time to the kernel", meta, rows)
    L += ["- FRR kit: %s; load average before the run: %s"
          % (os.path.basename(vt.FRR_KIT), meta["loadavg_start"]),
          "- 2 tunnels (veth, permanent neighbours), N prefixes each over t1 (weight 0) and "
          "t2 (weight 100); health check 100 ms, recovery-count 1, hold-down 0.  Each failure "
          "in both modes of one vpnhad: *withdraw* (`no fast-reroute`: one route change per "
          "prefix) and *nexthop-group* (`fast-reroute`, the default: vpnhad points t1's "
          "nexthop group at t2 first).  Time to the first / last of the N prefixes over vti2 in "
          "the kernel (`ip -ts monitor route nexthop`: a prefix's own RTM_NEWROUTE, or the "
          "RTM_NEWNEXTHOP that moved the object it used); failback = the same back over vti1 "
          "once the failure is undone (includes the probe that proves t1: ~1 interval).  CPU = "
          "vpnhad / zebra utime+stime until the last prefix was seen by polling `ip route`.",
          ""] + ["- *%s*: %s" % (t, TRIGGER_TXT[t]) for t in TRIGGERS] + [
          "",
          "| N | mode | " + " | ".join("%s: first / last ms (vpnhad / zebra CPU s)" % t
                                     for t in TRIGGERS)
          + " | " + " | ".join("%s back: first / last ms" % t for t in TRIGGERS) + " |",
          "|---:|---|" + "---:|" * (2 * len(TRIGGERS))]
    for r in rows:
        if r.get("error"):
            L.append("| %d | ERROR: %s |" % (r["n"], r["error"]))
            continue
        for mode in MODES:
            res = r.get(mode, {})
            cells = []
            for t in TRIGGERS:
                x = res.get(t)
                cells.append("%.1f / %.1f (%.2f / %.2f)" % (x["first_ms"], x["last_ms"], x["vpnhad_cpu_s"],
                                                             x["zebra_cpu_s"]) if x else "-")
            for t in TRIGGERS:
                x = res.get(t + "_back")
                cells.append("%.1f / %.1f" % (x["first_ms"], x["last_ms"]) if x else "-")
            L.append("| %d | %s | %s |" % (r["n"], mode, " | ".join(cells)))
    L += ["", "vtysh no-op change (ms): " + ", ".join("N=%d: %s" % (r["n"], r.get("vtysh_noop_ms"))
                                                       for r in rows if not r.get("error"))]
    bl.write_table(os.path.join(OUT, "prefix_scale.md"), L)


def main():
    bl.preflight_frr("prefix_scale")
    todo = [int(s) for s in SIZES_TXT.split()]
    work, vpnhad, stale = bl.daemon_copy("prefix_scale.")
    meta = bl.base_meta()
    meta.update({"sizes": SIZES_TXT, "vpnhad_older_than_sources": stale})
    os.makedirs(OUT, exist_ok=True)
    return bl.run_sizes("prefix_scale", todo, lambda n: run_size(work, vpnhad, n), work,
                        lambda rows: report(rows, meta))


if __name__ == "__main__":
    sys.exit(main())
