# SPDX-License-Identifier: GPL-2.0-or-later
"""What the benchmarks (failover.py, sa_loss.py, probe_scale.py) share:
logging, percentiles, the checks before a run, the run's metadata, and
a run scope that stops every stream, testbed and namespace a run
started, also on Ctrl-C / SIGTERM / SIGHUP."""

import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
sys.path.insert(0, os.path.join(TOP, "tests", "ipsec"))

import vpnha_topo as vt  # noqa: E402
import testbed  # noqa: E402

RATE_HZ = 1000
LATE_MS = 100
T_START = time.monotonic()

# Live streams and testbeds of the run (the scripts add and remove them).
STREAMS = []
TESTBEDS = []


def log(msg):
    print("[%7.1f s] %s" % (time.monotonic() - T_START, msg), file=sys.stderr, flush=True)


def pct(values, q):
    """Percentile with linear interpolation between closest ranks."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    k = (len(v) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def fmt(v, nd=0):
    if v is None:
        return "-"
    return ("%." + str(nd) + "f") % v


def git(*a):
    try:
        return subprocess.run(["git", "-C", TOP] + list(a), capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001
        return ""


def preflight(name):
    """Root, strongSwan's kernel-libipsec, vpnhad and vtysh built: else exit."""
    if os.geteuid() != 0:
        raise SystemExit("%s: run as root" % name)
    ok, why = testbed.available()
    if not ok:
        raise SystemExit("%s: %s" % (name, why))
    for p in (vt.vpnha_daemon_path(), vt.vpnha_vtysh_path()):
        if not vt.is_executable(p):
            raise SystemExit("%s: %s is not built (tools/setup.sh)" % (name, p))


def preflight_frr(name):
    """Root, vpnhad, the patched vtysh and zebra there: else exit (the
    namespace benchmarks that need no IPsec testbed)."""
    if os.geteuid() != 0:
        raise SystemExit("%s: run as root (network namespaces)" % name)
    for p in (vt.vpnha_daemon_path(), vt.vpnha_vtysh_path(),
              os.path.join(vt.FRR_SBINDIR, "zebra")):
        if not vt.is_executable(p):
            raise SystemExit("%s: %s is not there (tools/setup.sh)" % (name, p))


def write_table(path, lines):
    """The results table: written to path and printed."""
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def results_head(json_path, title, meta, rows):
    """Save {meta, results} as JSON at json_path; return the first lines
    of the Markdown table file: title, date, machine, commit."""
    with open(json_path, "w") as f:
        json.dump({"meta": meta, "results": rows}, f, indent=2)
    return ["# " + title, "",
            "- date: %s" % meta["date"],
            "- machine: %s x %s, kernel %s" % (meta["nproc"], meta["cpu_model"], meta["kernel"]),
            "- vpnhad commit: %s%s (HEAD when the run started)"
            % (meta["git_commit"], " (frr-plugin has uncommitted changes)" if meta["git_dirty"] else "")]


def daemon_copy(prefix):
    """A work directory (readable by the daemons, which run as frr) and
    a copy of vpnhad in it, so that a rebuild during the run cannot mix
    binaries.  Returns (work, copy, stale): stale = the binary is older
    than a source in frr-plugin/ (warned)."""
    import glob
    import shutil
    import tempfile
    src = vt.vpnha_daemon_path()
    work = tempfile.mkdtemp(prefix=prefix)
    os.chmod(work, 0o755)
    copy = os.path.join(work, "vpnhad")
    shutil.copy2(src, copy)
    stale = any(os.path.getmtime(f) > os.path.getmtime(src)
                for f in glob.glob(os.path.join(TOP, "frr-plugin", "*.[ch]")))
    if stale:
        log("warning: %s is older than frr-plugin sources (make -C build)" % src)
    return work, copy, stale


def run_sizes(name, sizes, run_one, work, report, error_row=lambda n: {"n": n}):
    """run_one(n) for each size inside Run(name); a size that fails
    gives error_row(n) + "error" and the run goes on; report(rows) at
    the end; work is removed unless something failed (its logs stay).
    Returns the exit status: 1 if a size failed."""
    import shutil
    rows, failed = [], False
    with Run(name):
        for n in sizes:
            try:
                row = run_one(n)
            except (vt.CommandError, RuntimeError, AssertionError,
                    subprocess.SubprocessError) as e:
                row = dict(error_row(n), error=str(e).splitlines()[0][:200])
                failed = True
                log("N=%d failed: %s (logs in %s)" % (n, row["error"], work))
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    report(rows)
    if not failed and not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def base_meta():
    """Date, machine, commit and the vpnhad binary the results belong to."""
    daemon = vt.vpnha_daemon_path()
    with open(daemon, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "nproc": os.cpu_count(),
        "cpu_model": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                           if l.startswith("model name")), platform.processor()),
        "kernel": platform.release(),
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--", "frr-plugin")),
        "vpnhad_binary": daemon, "vpnhad_sha256_16": sha[:16],
        "vtysh": vt.vpnha_vtysh_path(),
        "loadavg_start": " ".join(open("/proc/loadavg").read().split()[:3]),
        "rate_hz": RATE_HZ, "late_ms": LATE_MS,
    }


class Run:
    """with Run("name"): signals raise KeyboardInterrupt, stale namespaces
    are swept first, and at the end every stream, testbed and registered
    cleanup of the run goes, and leftover namespaces are reported."""

    def __init__(self, name):
        self.name = name
        self.scope = None

    def __enter__(self):
        def _raise(signum, frame):
            raise KeyboardInterrupt("signal %d" % signum)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _raise)
        vt.sweep_stale()
        self.scope = vt.registry_scope(self.name)
        self.scope.__enter__()
        return self

    def __exit__(self, *exc):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        for st in list(STREAMS):
            st._kill()
        for tb in list(TESTBEDS):
            try:
                tb.teardown()
            except Exception as e:  # noqa: BLE001
                log("teardown: %s" % e)
        self.scope.__exit__(None, None, None)
        left = [n for n in vt.netns_list() if n.startswith("%s%d-" % (vt.PREFIX, os.getpid()))]
        if left:
            log("LEFT namespaces: %s" % left)
        return False
