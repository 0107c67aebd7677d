#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mem_scale.py: vpnhad's memory per health-checked tunnel.

For each size N (and each binary): the probe_scale.py topology (two
namespaces, N veth pairs as tunnels), zebra + vpnhad started, vpnhad's
VmRSS and `show memory` read with no tunnel, then N tunnels with a health
check (no routes: the tunnel is what is measured) configured with one
`vtysh -f`, a bounded wait until every tunnel is up, BENCH_SETTLE seconds,
and VmRSS and `show memory` again.  Per tunnel = the difference / N: the
RSS (everything: libyang's configuration trees, libfrr events, malloc),
and vpnhad's own MTYPEs (FRR's allocation counters, exact bytes asked).

Usage: bench/mem_scale.py        (as root, after tools/setup.sh)
Env:
  BENCH_SIZES      tunnel counts                  (default "1000")
  BENCH_BASELINE   another vpnhad binary to measure the same way, e.g.
                   one built from an earlier commit  (default: none)
  BENCH_BASELINE_LABEL  its name in the table     (default "baseline")
  BENCH_SETTLE     seconds between all-up and the reading (default 3)
  BENCH_UP_TIMEOUT bound on waiting for all-up, s (default 120)
  BENCH_OUT        results directory              (default bench/results)
  VPNHA_DAEMON, VPNHA_VTYSH  binaries under test
Results: $BENCH_OUT/mem_scale.json and mem_scale.md (also on stdout).
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import benchlib as bl
from benchlib import log, vt
import probe_scale as ps

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000").split()]
BASELINE = os.environ.get("BENCH_BASELINE", "")
BASELINE_LABEL = os.environ.get("BENCH_BASELINE_LABEL", "baseline")
SETTLE = float(os.environ.get("BENCH_SETTLE", "3"))
UP_TIMEOUT = int(os.environ.get("BENCH_UP_TIMEOUT", "120"))
OUT = os.environ.get("BENCH_OUT", os.path.join(bl.TOP, "bench", "results"))


def write_config(n, path):
    lines = ["vpn-ha", " peer cloud-a", "  address 203.0.113.1", " exit"]
    for i in range(1, n + 1):
        lines += [" tunnel t%d" % i, "  interface vti%d" % i, "  peer cloud-a",
                  "  health-check source %s destination %s"
                  % (ps.tun_addr(i, 1), ps.tun_addr(i, 2)), " exit"]
    lines.append("exit")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def show_memory(rt):
    """Every MTYPE of vpnhad's `show memory`: {"group/name": (count, bytes)}.
    FRR prints "--- qmem GROUP ---" and then "name : count size [total
    ...]"; size is per item, or "variably" (then the total column, when
    present, is the bytes)."""
    out = rt.vtysh("show memory", daemon="vpnhad", timeout=60)
    res, group = {}, "?"
    for line in out.splitlines():
        m = re.match(r"\s*--- qmem (.*) ---", line)
        if m:
            group = m.group(1).strip()
            continue
        if ":" not in line or group == "?":
            continue
        name, rest = line.split(":", 1)
        f = rest.split()
        nums = [x for x in f if re.fullmatch(r"\d+", x)]
        if not nums or not name.strip() or name.strip().startswith("Type"):
            continue
        count = int(nums[0])
        if len(f) > 1 and f[1].startswith("variab"):
            total = int(nums[1]) if len(nums) > 1 else None
        else:
            total = int(nums[2]) if len(nums) > 2 else None
        res["%s/%s" % (group, name.strip())] = (count, total)
    # glibc's mallinfo, as libfrr prints it: "Used ordinary blocks:  2245 KiB".
    units = {"bytes": 1, "KiB": 1024, "MiB": 1 << 20, "GiB": 1 << 30}
    for key, label in (("heap/total", "Total heap allocated"),
                       ("heap/used", "Used ordinary blocks"),
                       ("heap/free", "Free ordinary blocks")):
        m = re.search(r"%s:\s*(\d+) (bytes|KiB|MiB|GiB)" % label, out)
        if m:
            res[key] = (0, int(m.group(1)) * units[m.group(2)])
    return res


def run_one(work, label, binary, n):
    logs = os.path.join(work, "%s-n%d" % (label, n))
    os.makedirs(logs)
    os.chmod(logs, 0o777)
    with vt.registry_scope("mem_scale %s N=%d" % (label, n)):
        log("%s N=%d: building namespaces" % (label, n))
        r, _p = ps.build_net(work, n)
        rt = vt.FrrRouter(r, logs)
        rt.start_zebra()
        vpn = rt.start_daemon("vpnhad", binary=binary)
        time.sleep(1)
        rss0 = ps.status_kb(vpn.pid, "VmRSS")
        mem0 = show_memory(rt)
        conf = os.path.join(logs, "vpnhad.conf")
        write_config(n, conf)
        log("%s N=%d: configuring" % (label, n))
        t0 = time.monotonic()
        cp = r.run(rt.vtysh_argv([], extra=["-f", conf]), check=False, timeout=600)
        t1 = time.monotonic()
        bad = [ln for ln in (cp.stdout + cp.stderr).splitlines()
               if ln.startswith("%") or "rror" in ln or "nknown" in ln]
        if cp.returncode != 0 or bad:
            return {"label": label, "n": n, "error": "configuration failed: %s" % bad[:3]}
        while True:
            t = rt.vtysh_json("show vpn-ha tunnel json", timeout=120)["tunnels"]
            up = sum(1 for v in t.values() if v["state"] == "up")
            if len(t) == n and up == n:
                break
            if time.monotonic() - t1 > UP_TIMEOUT:
                return {"label": label, "n": n,
                        "error": "only %d/%d up after %d s" % (up, n, UP_TIMEOUT)}
            time.sleep(0.5)
        time.sleep(SETTLE)
        rss1 = ps.status_kb(vpn.pid, "VmRSS")
        mem1 = show_memory(rt)
        if not vpn.alive():
            raise RuntimeError("vpnhad died (see %s)" % vpn.log_path)
        log("%s N=%d: tearing down" % (label, n))
    mtypes = {}
    for name, (c1, b1) in mem1.items():
        c0, b0 = mem0.get(name, (0, 0))
        if c1 != c0 or (b1 or 0) != (b0 or 0):
            mtypes[name] = {"count": c1 - c0,
                            "bytes": (b1 - (b0 or 0)) if b1 is not None else None}
    heap = {k: mtypes.pop(k, {"bytes": 0})["bytes"] for k in ("heap/total", "heap/used", "heap/free")}
    mt_bytes = sum(v["bytes"] for k, v in mtypes.items()
                   if v["bytes"] is not None and k.startswith("vpnhad/"))
    all_bytes = sum(v["bytes"] for v in mtypes.values() if v["bytes"] is not None)
    with open(binary, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:16]
    return {"label": label, "n": n, "binary_sha256_16": sha, "config_s": round(t1 - t0, 2),
            "rss0_kb": rss0, "rss1_kb": rss1,
            "rss_per_tunnel_b": round((rss1 - rss0) * 1024 / n),
            "mtype_bytes_per_tunnel": round(mt_bytes / n),
            "all_mtype_bytes_per_tunnel": round(all_bytes / n),
            "heap_used_per_tunnel_b": round(heap["heap/used"] / n),
            "heap_total_per_tunnel_b": round(heap["heap/total"] / n), "mtypes": mtypes}


def report(rows, meta):
    L = bl.results_head(os.path.join(OUT, "mem_scale.json"), "vpnhad memory per tunnel", meta, rows)
    L += ["- binaries: %s" % ", ".join("%s = %s" % kv for kv in meta["binaries"].items()),
         "- tunnels with a health check at the defaults (interval 100 ms, window 100), "
         "no routes; reading %s s after all are up" % SETTLE, "",
         "| binary | N | RSS before MiB | RSS after MiB | RSS per tunnel (bytes) | vpnhad MTYPEs per tunnel (bytes) | all MTYPEs per tunnel (bytes) | malloc in use per tunnel (bytes) | config s |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.get("error"):
            L.append("| %s | %d | ERROR: %s | | | | | | |" % (r["label"], r["n"], r["error"]))
            continue
        L.append("| %s | %d | %.1f | %.1f | %d | %d | %d | %d | %s |" % (
            r["label"], r["n"], r["rss0_kb"] / 1024.0, r["rss1_kb"] / 1024.0,
            r["rss_per_tunnel_b"], r["mtype_bytes_per_tunnel"],
            r["all_mtype_bytes_per_tunnel"], r["heap_used_per_tunnel_b"], r["config_s"]))
    L += ["", "Per MTYPE (FRR `show memory` of vpnhad, group/name; bytes as FRR "
          "counts them, malloc's usable size; malloc adds about 8 bytes per "
          "allocation), difference / N, those of at least 0.01 allocation per tunnel:", "",
          "| binary | N | MTYPE | allocations per tunnel | bytes per tunnel |", "|---|---:|---|---:|---:|"]
    for r in rows:
        for name, v in sorted((r.get("mtypes") or {}).items()):
            if abs(v["count"]) < 0.01 * r["n"]:
                continue
            L.append("| %s | %d | %s | %.2f | %s |" % (
                r["label"], r["n"], name, v["count"] / r["n"],
                "%.0f" % (v["bytes"] / r["n"]) if v["bytes"] is not None else "-"))
    L += ["", "RSS per tunnel also holds what is not vpnhad's own MTYPEs: libyang's "
          "trees of the configuration (running and candidate), libfrr's events, the "
          "northbound's per-node data and malloc's free lists, so it is the upper "
          "bound a deployment sees; the MTYPE column is the part this code controls."]
    bl.write_table(os.path.join(OUT, "mem_scale.md"), L)


def main():
    bl.preflight_frr("mem_scale")
    work = tempfile.mkdtemp(prefix="mem_scale.")
    os.chmod(work, 0o755)
    binaries = {}
    for label, src in (("this", vt.vpnha_daemon_path()), (BASELINE_LABEL, BASELINE)):
        if not src:
            continue
        if not vt.is_executable(src):
            raise SystemExit("mem_scale: %s is not there" % src)
        dst = os.path.join(work, "vpnhad-%s" % label)
        shutil.copy2(src, dst)
        binaries[label] = (src, dst)
    meta = bl.base_meta()
    for k in ("rate_hz", "late_ms", "vtysh"):
        meta.pop(k, None)
    meta.update({"binaries": {k: v[0] for k, v in binaries.items()}, "sizes": SIZES,
                 "settle_s": SETTLE})
    rows = []
    with bl.Run("mem_scale"):
        for n in SIZES:
            for label, (_src, dst) in binaries.items():
                try:
                    rows.append(run_one(work, label, dst, n))
                except (vt.CommandError, RuntimeError, subprocess.SubprocessError) as e:
                    rows.append({"label": label, "n": n, "error": str(e).splitlines()[0][:200]})
    os.makedirs(OUT, exist_ok=True)
    report(rows, meta)
    shutil.rmtree(work, ignore_errors=True)
    return 1 if any(r.get("error") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
