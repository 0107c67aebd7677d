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
  - switch: `vtysh -c 'conf t' -c 'vpn-ha' -c 'tunnel t1' -c 'shutdown'`
    (withdraws at once, no probe timing involved); an `ip -ts monitor
    route` in the router namespace (started before) gives the kernel
    time of each route change; measured: command start -> first and
    last of the N prefixes over vti2;
  - failback: `no shutdown` -> first and last of the N back over vti1
    (the tunnel must see 1 probe reply, hold-down 0: about one probe
    interval of the failback is the health check, not the route churn);
  - CPU time of vpnhad and zebra from the command to the last route.

Usage: bench/prefix_scale.py   (as root, after tools/setup.sh)
Env: BENCH_SIZES (default "1000 10000"), BENCH_OUT (bench/results),
     BENCH_TIMEOUT (s, bound on each wait; default 120)
Results: $BENCH_OUT/prefix_scale.json and prefix_scale.md (also on stdout).
"""

import datetime
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


def parse_monitor(path, t_cmd, dev):
    """(first, last, count) seconds after t_cmd of the prefixes' first
    RTM_NEWROUTE over dev after t_cmd."""
    seen = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = MON_RE.match(line.strip())
            if not m or m.group(2) or (" dev %s " % dev) not in (m.group(4) + " "):
                continue
            ts = datetime.datetime.fromisoformat(m.group(1)).timestamp()
            if ts < t_cmd:
                continue
            seen.setdefault(m.group(3), ts)
    if not seen:
        return None, None, 0
    v = sorted(seen.values())
    return v[0] - t_cmd, v[-1] - t_cmd, len(v)


def flip(rt, r, mon_path, n, no, dev, vpn, zebra, peer=None):
    """Switch (no=False) or fail back over tunnel t1: by vtysh `shutdown`,
    or with peer given by the peer-side veth end going down/up (vti1
    loses its carrier: zebra reports the interface down to vpnhad, no
    configuration commit involved)."""
    if peer is None:
        cmd = ("no " if no else "") + "shutdown"
        argv, ns = rt.vtysh_argv(["conf t", "vpn-ha", "tunnel t1", cmd]), r
    else:
        cmd = "link %s" % ("up" if no else "down")
        argv, ns = ["ip", "link", "set", "cvti1", "up" if no else "down"], peer
    c0, z0 = cpu_s(vpn.pid), cpu_s(zebra.pid)
    t_cmd = time.time()
    cp = ns.run(argv, check=False, timeout=60)
    t_ret = time.time()
    if cp.returncode != 0:
        raise RuntimeError("%s: rc=%s %s" % (cmd, cp.returncode, cp.stdout + cp.stderr))
    wait_count(r, dev, n, cmd)
    c1, z1 = cpu_s(vpn.pid), cpu_s(zebra.pid)
    time.sleep(0.5)  # the monitor catches up
    first, last, cnt = parse_monitor(mon_path, t_cmd, dev)
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
        time.sleep(1.0)
        mon_path = os.path.join(logs, "monitor.txt")
        mon_f = open(mon_path, "w")
        mon = r.popen(["ip", "-ts", "monitor", "route"], stdout=mon_f, stderr=subprocess.STDOUT)
        try:
            time.sleep(0.5)
            row["switch"] = flip(rt, r, mon_path, n, False, "vti2", vpn, zebra)
            log("N=%d: switch %s" % (n, row["switch"]))
            time.sleep(1.0)
            row["failback"] = flip(rt, r, mon_path, n, True, "vti1", vpn, zebra)
            log("N=%d: failback %s" % (n, row["failback"]))
            time.sleep(1.0)
            row["link_switch"] = flip(rt, r, mon_path, n, False, "vti2", vpn, zebra, peer=p)
            log("N=%d: link down %s" % (n, row["link_switch"]))
            time.sleep(1.0)
            row["link_failback"] = flip(rt, r, mon_path, n, True, "vti1", vpn, zebra, peer=p)
            log("N=%d: link up %s" % (n, row["link_failback"]))
        finally:
            mon.terminate()
            mon.wait(timeout=10)
            mon_f.close()
        if not vpn.alive():
            raise RuntimeError("vpnhad died")
    return row


def report(rows, meta):
    L = bl.results_head(os.path.join(OUT, "prefix_scale.json"),
                        "Failover of a tunnel carrying N prefixes: time to the kernel", meta, rows)
    L += ["- FRR kit: %s; load average before the run: %s"
          % (os.path.basename(vt.FRR_KIT), meta["loadavg_start"]),
          "- 2 tunnels (veth, permanent neighbours), N prefixes each over t1 (weight 0) and "
          "t2 (weight 100); health check 100 ms, recovery-count 1, hold-down 0. Switch = "
          "`tunnel t1` / `shutdown` by vtysh; failback = `no shutdown`. Times from just before "
          "vtysh starts to the first/last prefix's RTM_NEWROUTE over the other tunnel "
          "(`ip -ts monitor route`); CPU = utime+stime from the command to the last prefix "
          "seen by polling `ip route`. *vtysh no-op change* = wall time of a "
          "vtysh configuration change that changes nothing (`tunnel t2` / `no shutdown`): "
          "vtysh's own start-up and commit, included in the first-prefix times. "
          "*link down/up* = the peer-side veth end of t1 set down/up (`ip link set cvti1 "
          "down`): vti1 loses its carrier, zebra tells vpnhad; no configuration commit; "
          "link up includes one probe reply (interval 100 ms).",
          "",
          "| N | switch first ms | switch last ms | failback first ms | failback last ms | "
          "vpnhad CPU s (switch / failback) | zebra CPU s (switch / failback) | "
          "vtysh no-op change ms | link down: first / last ms (vpnhad / zebra CPU s) | "
          "link up: first / last ms (vpnhad / zebra CPU s) |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.get("error"):
            L.append("| %d | ERROR: %s | | | | | |" % (r["n"], r["error"]))
            continue
        s, b = r["switch"], r["failback"]
        L.append("| %d | %.1f | %.1f | %.1f | %.1f | %.2f / %.2f | %.2f / %.2f | %.1f |" % (
            r["n"], s["first_ms"], s["last_ms"], b["first_ms"], b["last_ms"],
            s["vpnhad_cpu_s"], b["vpnhad_cpu_s"], s["zebra_cpu_s"], b["zebra_cpu_s"],
            r["vtysh_noop_ms"]) + "".join(
            " %.1f / %.1f (%.2f / %.2f) |" % (x["first_ms"], x["last_ms"], x["vpnhad_cpu_s"],
                                              x["zebra_cpu_s"])
            for x in (r["link_switch"], r["link_failback"])))
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
