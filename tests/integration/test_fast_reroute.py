# SPDX-License-Identifier: GPL-2.0-or-later
"""fast-reroute (issue 14, Scale: a failover of a tunnel carrying many
prefixes reaches the kernel at once).

With `fast-reroute`, every route carried by one tunnel alone refers to a
zebra nexthop group of that tunnel (gateway: its health-check
destination, onlink); when the tunnel fails and all its prefixes go to
one other tunnel, vpnhad points the group at that tunnel before it
withdraws the routes.  The kernel must then show one nexthop-object
replace that moves every prefix, before any per-prefix route change over
the backup, and the prefixes must come back through the group after the
failback.  The control: without fast-reroute the same failure moves the
prefixes one route at a time (no group, no replace).
"""

import os
import re
import subprocess
import time

import vpnha_topo as vt

N = 100
PREFIXES = ["10.40.%d.0/24" % i for i in range(N)]
ROUTES = "vpn-ha\n%s\nexit\n" % "\n".join(
    " route %s tunnel primary weight 0\n route %s tunnel backup weight 100" % (p, p)
    for p in PREFIXES)
GW = {"vti1": "169.254.1.2", "vti2": "169.254.2.2"}
NH_RE = re.compile(r"^\[[^\]]+\]\s*id (\d+) (?:.*\bdev (\S+)|group (\d+))")
ROUTE_RE = re.compile(r"^\[[^\]]+\]\s*(Deleted )?(10\.40\.\d+\.0/24) (?:nhid (\d+) )?.*\bdev (\S+)")


def our_routes(s):
    """{prefix: (dev, nhid, gateway)} of the 10.40 routes in R's kernel."""
    got = {}
    for r in s.r.ip_json("-4", "route", "show"):
        if r["dst"] in PREFIXES:
            got[r["dst"]] = (r.get("dev"), r.get("nhid"), r.get("gateway"))
    return got


def wait_all(s, dev, grouped, timeout=10):
    """All N prefixes over dev; through one gateway nexthop object (the
    tunnel's group) when grouped, else interface-only.  Returns the
    nexthop id they share."""
    def ok(v):
        return (len(v) == N and {x[0] for x in v.values()} == {dev}
                and {x[2] for x in v.values()} == ({GW[dev]} if grouped else {None})
                and len({x[1] for x in v.values()}) == 1)
    v = vt.wait_for(lambda: our_routes(s), timeout, ok=ok,
                    desc="%d prefixes over %s %s a group" % (N, dev, "through" if grouped else "without"))
    return next(iter(v.values()))[1]


def monitor(s, logdir, tag):
    path = os.path.join(logdir, "monitor-%s.txt" % tag)
    f = open(path, "w")
    p = s.r.popen(["ip", "-ts", "monitor", "route", "nexthop"], stdout=f, stderr=subprocess.STDOUT)
    vt.current_registry().push(lambda: (p.kill(), p.wait(), f.close()), "ip monitor %s" % tag)
    time.sleep(0.3)  # the monitor is listening
    return p, f, path


def stop_monitor(p, f):
    p.terminate()
    p.wait(timeout=5)
    f.close()


def nexthop_devs(s):
    """{id: device} of R's singleton nexthop objects now."""
    return {n["id"]: n["dev"] for n in s.r.ip_json("nexthop", "show") if "dev" in n}


def events(path, nh_dev):
    """The monitor's lines, parsed: ("nh", id, dev) for a nexthop object
    (a group resolved to its first member's device; nh_dev: the devices
    of the objects before the monitor started), ("route", prefix, nhid,
    dev) for a 10.40 route added or replaced."""
    out, nh_dev = [], dict(nh_dev)
    with open(path) as f:
        for line in f:
            m = NH_RE.match(line.strip())
            if m:
                dev = m.group(2) or nh_dev.get(int(m.group(3)))
                nh_dev[int(m.group(1))] = dev
                out.append(("nh", int(m.group(1)), dev))
                continue
            m = ROUTE_RE.match(line.strip())
            if m and not m.group(1):
                out.append(("route", m.group(2), int(m.group(3) or 0), m.group(4)))
    return out


def fail_and_watch(s, block, logdir, tag, grouped):
    """Silently fail the primary; return (events, the prefixes' nhid
    before)."""
    before = wait_all(s, "vti1", grouped)
    p, f, path = monitor(s, logdir, tag)
    devs = nexthop_devs(s)
    try:
        block.drop("cvti1")
        wait_all(s, "vti2", grouped)
    finally:
        stop_monitor(p, f)
    return events(path, devs), before


def test_fast_reroute_moves_every_prefix_at_once(vpnha_hc, block, logdir):
    s = vpnha_hc
    s.rt.configure(ROUTES)
    # On by default: not in the running configuration.
    assert not [l for l in vt.config_block(s.rt.running_config(), "vpn-ha") if "fast-reroute" in l]
    assert s.rt.vtysh_json("show vpn-ha gateway json")["fastReroute"] is True

    ev, group = fail_and_watch(s, block, logdir, "fast", True)
    # The first change of ours over vti2 is the group moving there, and
    # no route of ours changes before it.
    first = next(i for i, e in enumerate(ev)
                 if (e[0] == "nh" and e[1] == group) or (e[0] == "route" and e[3] == "vti2"))
    assert ev[first] == ("nh", group, "vti2"), ev[:first + 3]
    assert "fast reroute: nexthop group %d now through backup" % group in \
        open(s.rt.daemons["vpnhad"].log_path).read()

    # Failback: the prefixes return through the primary's group, which
    # points at the primary again.
    block.allow("cvti1")
    assert wait_all(s, "vti1", True, timeout=15) == group

    # Control: off, the same failure moves the routes one by one, with
    # no group of vpnhad's.
    s.rt.configure("vpn-ha\n no fast-reroute\nexit\n")
    assert s.rt.vtysh_json("show vpn-ha gateway json")["fastReroute"] is False
    assert " no fast-reroute" in vt.config_block(s.rt.running_config(), "vpn-ha")
    ev, plain = fail_and_watch(s, block, logdir, "plain", False)
    assert plain != group
    moved = {e[1] for e in ev if e[0] == "route" and e[3] == "vti2"}
    assert moved == set(PREFIXES), "%d of %d moved by their own route change" % (len(moved), N)
    assert not [e for e in ev if e[0] == "nh" and e[1] == group and e[2] == "vti2"], ev[:5]
