#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""NETCONF benchmark: vpnhad's NETCONF server beside vtysh.

Runs in the README scheme of the integration tests (namespaces R and P,
zebra + vpnhad with the NETCONF module in R, ncclient in R's namespace):

- SSH session set-up: connect + <hello> of ncclient (N sessions);
- edit-config -> kernel route: from sending a new route to it being in
  R's kernel table; beside `vtysh -c` doing the same;
- sustained edits per second over one session (weight changes of one
  route, each committed to running); beside one `vtysh -c` per edit and
  one vtysh process with all edits;
- notification latency after a failover: the daemon logs the down
  verdict with microseconds (`log timestamp precision 6`), the client
  stamps the <notification> on arrival (same clock);
- memory per session: vpnhad's RSS with 10 idle sessions open, minus
  without.

Usage (root, after tools/setup.sh):  bench/netconf.py [--quick]
Writes bench/results/netconf.json and netconf.md.
"""

import datetime
import json
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import nc_topo  # noqa: E402
import vpnha_topo as vt  # noqa: E402
from nc_topo import README_XML, VPNHA_NS, config_xml  # noqa: E402

QUICK = "--quick" in sys.argv
N = 5 if QUICK else 20
EDITS = 50 if QUICK else 300
FAILOVERS = 2 if QUICK else 5


def stats(values):
    v = sorted(values)
    return {"n": len(v), "p50": statistics.median(v), "max": v[-1], "min": v[0],
            "mean": statistics.mean(v)}


def ms(d):
    return {k: (round(x * 1000, 2) if k != "n" else x) for k, x in d.items()}


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def kernel_has(s, prefix):
    return bool(vt.kernel_routes(s.r, prefix))


def wait_kernel(s, prefix, present=True, timeout=5):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if kernel_has(s, prefix) == present:
            return time.monotonic()
        time.sleep(0.0005)
    raise RuntimeError("kernel route %s never %s" % (prefix, "came" if present else "left"))


def route_xml(prefix, tunnel, weight):
    return config_xml("<route><prefix>%s</prefix><tunnel>%s</tunnel><weight>%d</weight></route>"
                      % (prefix, tunnel, weight))


def main():
    out = {"date": datetime.datetime.utcnow().isoformat(timespec="seconds") + "Z",
           "host": os.uname().nodename, "cpus": os.cpu_count(), "quick": QUICK}
    logdir = "/tmp/nc-bench-%d" % os.getpid()
    with vt.registry_scope("bench-netconf"):
        s = vt.Scheme(logdir)
        ncd = nc_topo.NetconfServer(s)
        pid = ncd.rt.daemons["vpnhad"].pid
        m = ncd.connect()
        m.edit_config(target="running", config=README_XML)
        s.wait_kernel_devs(["vti1"])

        # SSH session set-up.
        setup = []
        for _ in range(N):
            dt, c = nc_topo.timed(ncd.connect)
            setup.append(dt)
            c.close_session()
        out["session_setup_ms"] = ms(stats(setup))

        # edit-config -> kernel route, beside vtysh.
        lat_nc, lat_vty = [], []
        for i in range(N):
            p = "10.50.%d.0/24" % i
            t0 = time.monotonic()
            m.edit_config(target="running", config=route_xml(p, "primary", 0))
            lat_nc.append(wait_kernel(s, p) - t0)
            p = "10.51.%d.0/24" % i
            t0 = time.monotonic()
            ncd.rt.vtysh("configure terminal", "vpn-ha",
                         "route %s tunnel primary weight 0" % p)
            lat_vty.append(wait_kernel(s, p) - t0)
        out["edit_to_kernel_ms"] = {"netconf": ms(stats(lat_nc)), "vtysh": ms(stats(lat_vty))}

        # Sustained edits per second.
        t0 = time.monotonic()
        for i in range(EDITS):
            m.edit_config(target="running",
                          config=route_xml("10.20.0.0/16", "backup", 100 - i % 2))
        nc_rate = EDITS / (time.monotonic() - t0)
        n_vty = max(10, EDITS // 10)
        t0 = time.monotonic()
        for i in range(n_vty):
            ncd.rt.vtysh("configure terminal", "vpn-ha",
                         "route 10.20.0.0/16 tunnel backup weight %d" % (100 - i % 2))
        vty_rate = n_vty / (time.monotonic() - t0)
        cmds = ["configure terminal", "vpn-ha"]
        cmds += ["route 10.20.0.0/16 tunnel backup weight %d" % (100 - i % 2) for i in range(EDITS)]
        t0 = time.monotonic()
        ncd.rt.vtysh(*cmds, timeout=120)
        vty_batch = EDITS / (time.monotonic() - t0)
        out["edits_per_s"] = {"netconf_one_session": round(nc_rate, 1),
                              "vtysh_one_process_per_edit": round(vty_rate, 1),
                              "vtysh_one_process_all_edits": round(vty_batch, 1)}

        # Memory per session.
        time.sleep(0.5)
        r0 = rss_kib(pid)
        extra = [ncd.connect() for _ in range(6)]
        time.sleep(0.5)
        r1 = rss_kib(pid)
        for c in extra:
            c.close_session()
        out["memory"] = {"rss_kib_base": r0, "rss_kib_with_6_more_sessions": r1,
                         "kib_per_session": round((r1 - r0) / 6, 1)}

        # Notification latency after a failover.
        vt.pin_scheme_neighbours(s)
        ncd.rt.vtysh("configure terminal", "log timestamp precision 6")
        ncd.rt.configure(vt.health_check_config({"primary": {"hold_down": 500},
                                                 "backup": {"hold_down": 500}}))
        block = vt.NftBlock(s.p)
        m.create_subscription()
        lat = []
        for k in range(FAILOVERS):
            vt.wait_for(lambda: ncd.rt.vtysh_json("show vpn-ha tunnel json")["tunnels"]
                        ["primary"]["state"], 15, ok=lambda v: v == "up", desc="primary up")
            while m.take_notification(block=False):
                pass
            block.drop("cvti1")
            t_recv = None
            t_end = time.monotonic() + 5
            while time.monotonic() < t_end and t_recv is None:
                n = m.take_notification(block=True, timeout=0.5)
                if n is not None and "<new-state>down</new-state>" in n.notification_xml \
                        and VPNHA_NS in n.notification_xml:
                    t_recv = time.time()
            block.allow("cvti1")
            logt = None
            for line in open(ncd.rt.daemons["vpnhad"].log_path):
                mm = re.match(r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) .*tunnel primary: up -> down",
                              line)
                if mm:
                    logt = datetime.datetime.strptime(mm.group(1), "%Y/%m/%d %H:%M:%S.%f")
            if t_recv and logt:
                lat.append(t_recv - logt.timestamp())
        out["notification_after_down_verdict_ms"] = ms(stats(lat)) if lat else None
        ncd.rt.stop_all()
        s.close() if hasattr(s, "close") else None

    res = os.path.join(HERE, "results")
    with open(os.path.join(res, "netconf.json"), "w") as f:
        json.dump(out, f, indent=1)
    with open(os.path.join(res, "netconf.md"), "w") as f:
        f.write(markdown(out))
    print(markdown(out))


def markdown(o):
    e, r = o["edit_to_kernel_ms"], o["edits_per_s"]
    lines = [
        "# NETCONF benchmark (`bench/netconf.py`%s)" % (" --quick" if o["quick"] else ""),
        "",
        "%s, %s, %d CPUs; vpnhad + zebra in a namespace, ncclient (TICK 1 ms) in it."
        % (o["date"], o["host"], o["cpus"]),
        "",
        "| measure | NETCONF | vtysh |",
        "|---|---|---|",
        "| session set-up (SSH + hello), p50 / max | %.1f / %.1f ms | (no session) |"
        % (o["session_setup_ms"]["p50"], o["session_setup_ms"]["max"]),
        "| new route: edit -> kernel route, p50 / max | %.1f / %.1f ms | %.1f / %.1f ms |"
        % (e["netconf"]["p50"], e["netconf"]["max"], e["vtysh"]["p50"], e["vtysh"]["max"]),
        "| sustained edits/s | %s (one session) | %s (`vtysh -c` each), %s (one vtysh) |"
        % (r["netconf_one_session"], r["vtysh_one_process_per_edit"],
           r["vtysh_one_process_all_edits"]),
        "| memory per session | %s KiB | - |" % o["memory"]["kib_per_session"],
    ]
    n = o.get("notification_after_down_verdict_ms")
    if n:
        lines.append("| notification after the down verdict, p50 / max (N = %d) | %.1f / %.1f ms | - |"
                     % (n["n"], n["p50"], n["max"]))
    lines += ["", "vpnhad RSS: %d KiB with one session." % o["memory"]["rss_kib_base"], ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
