#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""config_scale.py: how long vpnhad takes to load a large configuration,
and how long `show vpn-ha json` of all of it blocks the daemon.

For each size N (tunnels):
  - two namespaces of the test topology (vpnha_topo.Netns); the first
    BENCH_LIVE tunnels (default 4) get real veth pairs and probe at
    100 ms, the other N - BENCH_LIVE name interfaces that do not exist
    (state "down, interface not found": no probe, no route sent to
    zebra; everything else -- the YANG tree, the northbound callbacks,
    the model, the show commands -- is the same as for a live tunnel);
  - zebra + vpnhad started in the router namespace (vpnha_topo.FrrRouter);
  - the configuration: 2 peers, N tunnels (interface, peer, health check
    with its own source/destination pair, interval 100 ms), each block
    closed by " exit" as `show running-config` writes it; tunnels in
    primary/backup pairs, each pair carrying 2 prefixes with a route over
    each tunnel of the pair (weight 0 and 100): 2 routes per tunnel,
    2 N routes in all;
  - *vtysh -f*: wall time of one `vtysh -f FILE`;
  - `write memory`, vpnhad restarted empty, *boot*: wall time of
    `vtysh -b` (what frrinit.sh/watchfrr run at boot) reading that
    frr.conf;
  - *show*: wall time of `show vpn-ha json` and `show vpn-ha tunnel json`
    (output size), and the largest gap between two probes of a live
    tunnel seen on the wire (peer side, AF_PACKET, kernel receive time)
    while the show commands ran: the event loop's stall is that gap
    minus the 100 ms interval;
  - RSS of vpnhad after the load, and a check that every tunnel and
    route is in the `show` output.

Usage: bench/config_scale.py       (as root, after tools/setup.sh)
Env:
  BENCH_SIZES     tunnel counts (default "100 1000 3000 10000"; even)
  BENCH_LIVE      tunnels with a real interface (default 4)
  BENCH_TIMEOUT   bound on one vtysh -f / -b, s (default 900)
  BENCH_NO_BOOT   set: skip the boot measurement
  BENCH_CONFIG_EXIT  0: tunnel blocks without " exit" (diagnostic; default 1,
                  as `show running-config` writes them)
  BENCH_PERF      set: `perf record -g` vpnhad during vtysh -f, report
                  kept in the results directory (perf-N.txt)
  BENCH_OUT       results directory (default bench/results)
  VPNHA_DAEMON, VPNHA_VTYSH  binaries under test
Results: $BENCH_OUT/config_scale.json and config_scale.md (also on stdout).
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import time

import benchlib as bl
from benchlib import log, vt
import probe_scale as ps

TOP = bl.TOP
INTERVAL = 100
SIZES_TXT = os.environ.get("BENCH_SIZES", "100 1000 3000 10000")
LIVE = int(os.environ.get("BENCH_LIVE", "4"))
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "900"))
NO_BOOT = bool(os.environ.get("BENCH_NO_BOOT"))
PERF = bool(os.environ.get("BENCH_PERF"))
CONFIG_EXIT = os.environ.get("BENCH_CONFIG_EXIT", "1") != "0"
OUT = os.environ.get("BENCH_OUT", os.path.join(TOP, "bench", "results"))
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Runs in the peer namespace: prints the kernel receive time (s) of every
# ICMP echo request arriving on the interfaces given, until stdin closes.
SNIFFER = r"""
import os, select, socket, struct, sys, time
socks = []
for ifn in sys.argv[1:]:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((ifn, 0))
    s.setsockopt(socket.SOL_SOCKET, 35, 1)  # SO_TIMESTAMPNS
    socks.append(s)
print("ready", flush=True)
out = []
while True:
    r, _, _ = select.select(socks + [sys.stdin], [], [])
    if sys.stdin in r:
        break
    for s in r:
        data, anc, _, _ = s.recvmsg(2048, 64)
        # Ethernet header, then IPv4: protocol ICMP, type echo request.
        if len(data) < 35 or data[23] != 1 or data[14 + (data[14] & 15) * 4] != 8:
            continue
        ts = None
        for lvl, typ, val in anc:
            if lvl == socket.SOL_SOCKET and typ == 35:
                sec, nsec = struct.unpack("qq", val[:16])
                ts = sec + nsec / 1e9
        out.append("%s %.6f" % (s.getsockname()[0], ts if ts else time.time()))
print("\n".join(out), flush=True)
"""


def sizes():
    out = []
    for s in SIZES_TXT.split():
        if not s.isdigit() or int(s) < 2 or int(s) % 2 or int(s) > 16000:
            raise SystemExit("config_scale: size %r: an even number in 2..16000" % s)
        out.append(int(s))
    return out


tun_addr = ps.tun_addr  # tunnel i: the /30 block i-1 of 169.254.0.0/16


def pair_prefix(k, j):
    """Prefix j (0, 1) of tunnel pair k (0-based): 10.x.y.0/24."""
    n = 2 * k + j
    return "10.%d.%d.0/24" % (n // 256, n % 256)


def config_text(n):
    L = ["vpn-ha", " peer cloud-a", "  address 203.0.113.1", " exit",
         " peer cloud-b", "  address 203.0.113.2", " exit"]
    for i in range(1, n + 1):
        L += [" tunnel t%d" % i, "  interface vti%d" % i,
              "  peer %s" % ("cloud-a" if i % 2 else "cloud-b"),
              "  health-check source %s destination %s" % (tun_addr(i, 1), tun_addr(i, 2)),
              "  health-check interval %d" % INTERVAL] + ([" exit"] if CONFIG_EXIT else [])
    for k in range(n // 2):
        for j in (0, 1):
            L.append(" route %s tunnel t%d weight 0" % (pair_prefix(k, j), 2 * k + 1))
            L.append(" route %s tunnel t%d weight 100" % (pair_prefix(k, j), 2 * k + 2))
    L.append("exit")
    return "\n".join(L) + "\n"


def check_output(cp, what):
    bad = [l for l in (cp.stdout + cp.stderr).splitlines()
           if l.startswith("%") or "rror" in l or "nknown" in l or "line " in l]
    if cp.returncode != 0 or bad:
        raise RuntimeError("%s: rc=%s %s" % (what, cp.returncode, " | ".join(bad[:5])))


def loaded(rt, n):
    """(tunnels, routes) vpnhad reports; raise unless N and 2 N."""
    j = rt.vtysh_json("show vpn-ha json", timeout=TIMEOUT)
    nt = len(j.get("tunnels", {}))
    nr = sum(len(p["paths"]) for p in j.get("routes", {}).values())
    return nt, nr


def cpu_s(pid):
    """utime + stime of a process, s."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def timed(rt, ns, argv, what, pid):
    """Wall time of argv, vpnhad's CPU time meanwhile, the command's own
    (vtysh's) CPU time."""
    c0, ch0 = cpu_s(pid), os.times()
    t0 = time.monotonic()
    cp = ns.run(argv, check=False, timeout=TIMEOUT)
    dt = time.monotonic() - t0
    c1, ch1 = cpu_s(pid), os.times()
    check_output(cp, what)
    return dt, round(c1 - c0, 2), round((ch1.children_user + ch1.children_system)
                                        - (ch0.children_user + ch0.children_system), 2)


def show_stall(rt, p, live):
    """Time the show commands while sniffing the live tunnels' probes."""
    if live:
        sn = p.popen(["python3", "-c", SNIFFER] + ["cvti%d" % i for i in range(1, live + 1)],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert sn.stdout.readline().strip() == "ready"
        time.sleep(1.0)
    res = {}
    marks = []
    for key, cmd in (("show_json", "show vpn-ha json"),
                     ("show_tunnel_json", "show vpn-ha tunnel json")):
        t0 = time.time()
        cp = rt.vtysh_raw(cmd, timeout=TIMEOUT)
        t1 = time.time()
        marks.append((t0, t1))
        if cp.returncode != 0:
            raise RuntimeError("%s: rc=%s" % (cmd, cp.returncode))
        res[key + "_s"] = round(t1 - t0, 3)
        res[key + "_mb"] = round(len(cp.stdout) / 1e6, 2)
        time.sleep(1.0)
    if live:
        out, _ = sn.communicate("", timeout=30)
        per_if = {}
        for line in out.split("\n"):
            if not line.strip():
                continue
            ifn, ts = line.split()
            per_if.setdefault(ifn, []).append(float(ts))
        gaps = []
        for ifn, ts in per_if.items():
            ts.sort()
            for a, b in zip(ts, ts[1:]):
                # Gaps that overlap a show command.
                if any(b >= m0 and a <= m1 for m0, m1 in marks):
                    gaps.append(b - a)
        res["probe_gap_max_ms"] = round(max(gaps) * 1000, 1) if gaps else None
        res["probes_seen"] = sum(len(v) for v in per_if.values())
    return res


def run_size(work, vpnhad, n):
    logs = tempfile.mkdtemp(prefix="n%d." % n, dir=work)
    os.chmod(logs, 0o777)
    live = min(LIVE, n)
    row = {"n": n, "routes": 2 * n, "live": live}
    with vt.registry_scope("config_scale N=%d" % n):
        r, p = ps.build_net(work, live)  # permanent neighbours
        rt = vt.FrrRouter(r, logs)
        rt.start_zebra()
        vpn = rt.start_daemon("vpnhad", binary=vpnhad)
        conf = os.path.join(logs, "vpnhad.conf")
        with open(conf, "w") as f:
            f.write(config_text(n))
        os.chmod(conf, 0o644)
        log("N=%d: vtysh -f (%d lines)" % (n, config_text(n).count("\n")))
        perf = None
        if PERF:
            pdata = os.path.join(logs, "perf.data")
            perf = subprocess.Popen(["perf", "record", "-F", os.environ.get("BENCH_PERF_HZ", "500"), "--call-graph", os.environ.get("BENCH_PERF_CG", "dwarf,16384"), "-o", pdata, "-p", str(vpn.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        dt, row["vtysh_f_vpnhad_cpu_s"], row["vtysh_f_vtysh_cpu_s"] = timed(
            rt, r, rt.vtysh_argv([], extra=["-f", conf]), "vtysh -f", vpn.pid)
        if perf:
            perf.send_signal(2)
            perf.wait(timeout=120)
            os.makedirs(OUT, exist_ok=True)
            with open(os.path.join(OUT, "perf-config-%d.txt" % n), "w") as f:
                for how in ("--no-children", "--children"):
                    f.flush()
                    subprocess.run(["perf", "report", "-i", pdata, how, "--stdio",
                                    "--sort", "dso,symbol", "--percent-limit", "2", "-g", "none"],
                                   stdout=f, stderr=subprocess.DEVNULL, check=False, timeout=600)
        row["vtysh_f_s"] = round(dt, 3)
        log("N=%d: vtysh -f %.3f s" % (n, dt))
        nt, nr = loaded(rt, n)
        row["loaded_f"] = [nt, nr]
        if (nt, nr) != (n, 2 * n):
            raise RuntimeError("after vtysh -f: %d tunnels, %d routes" % (nt, nr))
        row["rss_mb"] = round(ps.status_kb(vpn.pid, "VmRSS") / 1024.0, 1)
        time.sleep(2.0)
        row.update(show_stall(rt, p, live))
        log("N=%d: show json %s s, tunnel json %s s, probe gap max %s ms" % (
            n, row["show_json_s"], row["show_tunnel_json_s"], row.get("probe_gap_max_ms")))

        if not NO_BOOT:
            rt.vtysh("write memory", timeout=TIMEOUT)
            rt.stop("vpnhad")
            vpn = rt.start_daemon("vpnhad", binary=vpnhad)
            dt, row["boot_vpnhad_cpu_s"], row["boot_vtysh_cpu_s"] = timed(
                rt, r, [rt.vtysh_bin, "-N", rt.name, "-b"], "vtysh -b", vpn.pid)
            row["boot_s"] = round(dt, 3)
            log("N=%d: vtysh -b %.3f s" % (n, dt))
            nt, nr = loaded(rt, n)
            row["loaded_b"] = [nt, nr]
            if (nt, nr) != (n, 2 * n):
                raise RuntimeError("after vtysh -b: %d tunnels, %d routes" % (nt, nr))
        if not vpn.alive():
            raise RuntimeError("vpnhad died")
    return row


def report(rows, meta):
    L = bl.results_head(os.path.join(OUT, "config_scale.json"), "vpnhad configuration scaling",
                        meta, rows)
    L += ["- vpnhad binary sha256 %s..." % meta["vpnhad_sha256_16"],
         "- FRR kit: %s; vtysh %s" % (os.path.basename(vt.FRR_KIT), meta["vtysh"]),
         "- load average before the run: %s" % meta["loadavg_start"],
         "- configuration: 2 peers; N tunnels (interface, peer, health check source/destination, "
         "interval 100 ms; each block closed by ` exit`); N/2 primary/backup pairs, each with 2 "
         "prefixes routed over both tunnels (weight 0 / 100): 2 N routes. The first %d tunnels "
         "have real veth interfaces and probe; the others name interfaces that do not exist." % LIVE,
         "",
         "| N tunnels | routes | vtysh -f s (vpnhad / vtysh CPU s) | vpnhad CPU per tunnel, ms | "
         "boot: vtysh -b s (vpnhad / vtysh CPU s) | "
         "show vpn-ha json s (MB) | show vpn-ha tunnel json s (MB) | "
         "largest probe gap during the shows, ms | vpnhad RSS MiB |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.get("error"):
            L.append("| %d | %d | %s | | %s | ERROR: %s | | | |" % (
                r["n"], r["routes"], r.get("vtysh_f_s", "-"), r.get("boot_s", "-"), r["error"]))
            continue
        L.append("| %d | %d | %.2f (%.2f / %.2f) | %.3f | %s | %.3f (%.1f) | %.3f (%.1f) | %s | %.1f |" % (
            r["n"], r["routes"], r["vtysh_f_s"], r["vtysh_f_vpnhad_cpu_s"], r["vtysh_f_vtysh_cpu_s"],
            r["vtysh_f_vpnhad_cpu_s"] * 1000.0 / r["n"],
            "%.2f (%.2f / %.2f)" % (r["boot_s"], r["boot_vpnhad_cpu_s"], r["boot_vtysh_cpu_s"])
            if "boot_s" in r else "-",
            r["show_json_s"], r["show_json_mb"], r["show_tunnel_json_s"], r["show_tunnel_json_mb"],
            r.get("probe_gap_max_ms", "-"), r["rss_mb"]))
    L += ["", "Columns: *vtysh -f* = wall time of one `vtysh -f` with the whole configuration, "
          "and the CPU time vpnhad and vtysh used meanwhile (the machine is shared: CPU time is "
          "the steadier figure); "
          "*boot* = `write memory`, vpnhad restarted, wall time of `vtysh -b` (integrated frr.conf "
          "as `write memory` wrote it, sent to zebra and vpnhad); *show* = wall time of the vtysh "
          "command (daemon + vtysh + pipe) and the output size; *largest probe gap* = the longest "
          "interval between two probes of one live tunnel (interval %d ms) arriving at the peer "
          "while a show command ran: above the interval, it is how long the event loop was blocked; "
          "RSS after `vtysh -f`." % INTERVAL]
    bl.write_table(os.path.join(OUT, "config_scale.md"), L)


def main():
    bl.preflight_frr("config_scale")
    src = vt.vpnha_daemon_path()
    todo = sizes()
    work, vpnhad, stale = bl.daemon_copy("config_scale.")
    meta = bl.base_meta()
    with open(vpnhad, "rb") as f:
        meta["vpnhad_sha256_16"] = hashlib.sha256(f.read()).hexdigest()[:16]
    meta.update({"sizes": SIZES_TXT, "live": LIVE, "vpnhad_binary": src,
                 "vpnhad_older_than_sources": stale})
    os.makedirs(OUT, exist_ok=True)
    return bl.run_sizes("config_scale", todo, lambda n: run_size(work, vpnhad, n), work,
                        lambda rows: report(rows, meta), lambda n: {"n": n, "routes": 2 * n})


if __name__ == "__main__":
    sys.exit(main())
