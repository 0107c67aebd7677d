# SPDX-License-Identifier: GPL-2.0-or-later
"""Fault matrix (issue 13): with the README scheme and health checks on
both tunnels (conftest `vpnha_hc`), the kernel route of the scheme prefix
is polled every 10 ms throughout each fault (test_health.Watch) and the
test asserts:

- never into a dead tunnel: once a tunnel is dead (by probes, or its
  interface gone), the route leaves it within the detection bound and
  does not come back until the tunnel is proven healthy again;
- never without a route while a healthy tunnel exists;
- nothing stale afterwards: zebra's RIB holds vpnhad's routes only, the
  kernel the expected device, and the states are the expected ones.

Faults here: zebra SIGKILL + restart (and what the killed zebra left in
the kernel); the tunnel interface deleted and
re-created; the health-check source address removed by someone else;
the peer "rebooting" (its interface down then up); a configuration
change in the middle of a failover.  Elsewhere: vpnhad SIGKILL under
watchfrr (test_core.py::test_restart_never_routes_into_dead_tunnel),
the IPsec daemon killed and restarted (test_ipsec_strongswan.py::
test_charon_killed_and_restarted).
"""

import time

import pytest

import vpnha_topo as vt
from test_health import (detection_bound_ms, route_watch, state_watch, tunnel,
                         wait_state)

PREFIX = vt.SCHEME_PREFIX
HC = dict(hold_down=1000, recovery_count=5)
# Slack for a loaded 2-core machine: zebra's and the kernel's share of a
# switch (scheduling, netlink), on top of vpnhad's own bound.
SLACK_MS = 400


# The soonest a tunnel back from a failure can carry the route again:
# recovery-count replies to probes 100 ms apart (the first may leave at
# once, so the last is (recovery-count - 1) intervals later), then the
# hold-down; 50 ms for the clocks.  (It was recovery-count intervals:
# seen 1.439 s < 1.45 on 10.3, legitimately.)
PROVEN_MIN_S = ((HC["recovery_count"] - 1) * 100 + HC["hold_down"]) / 1000 - 0.05


def check_routes(routes, t0, dead=(), gap_ok=()):
    """Assert on the route history since t0: never empty (except within
    the (from, until) windows in gap_ok), never on a device in dead, a
    list of (dev, from, until): that device must not carry the route
    between from and until (until None = to the end)."""
    hist = routes.history(since=t0)
    assert routes.samples > 10, routes.samples
    for t, v in hist:
        if not v and not any(a <= t <= b for a, b in gap_ok):
            raise AssertionError("no route at %+.3fs: %s" % (t - t0, routes.fmt(t0)))
        for dev, a, b in dead:
            if dev in v and t >= a and (b is None or t <= b):
                raise AssertionError("route into dead %s at %+.3fs: %s" % (dev, t - t0, routes.fmt(t0)))
    return hist


def rib_is_vpnhad_only(s, want_devs):
    """zebra's RIB for the prefix: only vpnhad's routes (static instance
    5), the selected one through want_devs; nothing stale."""
    rib = s.rt.rib_sorted(PREFIX)
    assert all(r["protocol"] == "static" and r.get("instance") == 5 for r in rib), rib
    sel = [r for r in rib if r.get("selected")]
    assert len(sel) == 1 and sorted(nh["interfaceName"] for nh in sel[0]["nexthops"]) == want_devs, rib
    assert len(rib) <= 2, rib


def settle_back(s, timeout=15):
    """Both tunnels up and alive, the route on the primary again."""
    wait_state(s, "primary", "up", timeout, verdict="alive")
    wait_state(s, "backup", "up", timeout, verdict="alive")
    s.wait_kernel_devs(["vti1"], timeout=5)


# zebra's own graceful restart: -K keeps the kernel routes of a previous
# zebra for that long; without it the new zebra removes them at start,
# and the route is missing until vpnhad has replayed its own.
ZEBRA_GAP_MAX_S = 1.0


@pytest.mark.parametrize("zebra_args", [(), ("-K", "10")], ids=["default", "graceful-K10"])
@pytest.mark.vpnha_hc(**HC)
def test_zebra_sigkill_restart_primary_dead(vpnha_hc, block, zebra_args):
    """Primary dead (probes dropped), route on the backup; zebra SIGKILLed
    and restarted: the kernel keeps the backup route while zebra is gone,
    the restarted zebra gets vpnhad's routes again, and at no time does
    the route point into the dead primary.  With zebra -K (graceful
    restart) the route never vanishes; with zebra's default, the new
    zebra sweeps the kernel at start: the gap until vpnhad's replay is
    measured and bounded."""
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    block.drop("cvti1")
    s.wait_kernel_devs(["vti2"], timeout=5)
    wait_state(s, "primary", "down", 3)
    t0 = time.monotonic()
    s.rt.kill("zebra")
    vt.wait_for(lambda: s.rt.vtysh_json("show vpn-ha json", daemon="vpnhad")["zebraConnected"], 5,
                ok=lambda v: v is False, desc="vpnhad notices zebra is gone")
    time.sleep(0.5)
    t_start = time.monotonic()
    s.rt.start_zebra(list(zebra_args))
    vt.wait_for(lambda: s.rt.vtysh_json("show vpn-ha json", daemon="vpnhad")["zebraConnected"], 10,
                ok=lambda v: v is True, desc="vpnhad reconnected to zebra")
    # A down tunnel's route is withdrawn: only the backup's comes back.
    vt.wait_for(lambda: s.rt.rib_sorted(PREFIX), 10, ok=lambda r: len(r) == 1,
                desc="the backup route back in zebra")
    # zebra sweeps routes it did not get back; give it the time to.
    time.sleep(3)
    hist = routes.history(since=t0)
    gaps = [(t, hist[i + 1][0] if i + 1 < len(hist) else time.monotonic())
            for i, (t, v) in enumerate(hist) if not v]
    print("zebra SIGKILL+restart %s, primary dead: kernel route %s; gaps %s ms"
          % (" ".join(zebra_args) or "(default)", routes.fmt(t0), [round((b - a) * 1000) for a, b in gaps]))
    if zebra_args:
        check_routes(routes, t0, dead=[("vti1", t0, None)])
    else:
        assert all(b - a <= ZEBRA_GAP_MAX_S for a, b in gaps), routes.fmt(t0)
        check_routes(routes, t0, dead=[("vti1", t0, None)], gap_ok=[(t_start, time.monotonic())])
    rib_is_vpnhad_only(s, ["vti2"])
    assert s.kernel_devs() == ["vti2"]
    assert tunnel(s, "primary")["state"] == "down"
    block.allow("cvti1")
    settle_back(s)


@pytest.mark.vpnha_hc(**HC)
def test_zebra_sigkill_leftover_never_routes_into_dead_primary(vpnha_hc, block):
    """zebra SIGKILLed and restarted (default, no -K) while the route is on
    the primary; then the primary dies.  The killed zebra's kernel route
    (through vti1) is read back by the new zebra as a static route of
    instance 0; zebra 10.x's start-up sweep misses it (FRRouting/frr
    issue 21824: the sweep runs before the meta-queue has put it in the
    RIB), so it stayed selected at distance 1 for good and the route
    stayed in the dead primary.  vpnhad now deletes that leftover after
    replaying its routes.  zebra 8.4's sweep removes it itself: the same
    assertions hold there.  An operator's staticd route for the same
    prefix (distance 250) must survive: the delete can only match a route
    read back from the kernel."""
    s = vpnha_hc
    s.rt.start_daemon("staticd")
    s.rt.configure("ip route %s vti2 250" % PREFIX)
    vt.wait_for(lambda: s.rt.rib_sorted(PREFIX), 5, ok=lambda r: any(e.get("distance") == 250 for e in r),
                desc="staticd's route in zebra")
    assert s.kernel_devs() == ["vti1"]
    s.rt.kill("zebra")
    vt.wait_for(lambda: s.rt.vtysh_json("show vpn-ha json", daemon="vpnhad")["zebraConnected"], 5,
                ok=lambda v: v is False, desc="vpnhad notices zebra is gone")
    s.rt.start_zebra()
    vt.wait_for(lambda: s.rt.vtysh_json("show vpn-ha json", daemon="vpnhad")["zebraConnected"], 10,
                ok=lambda v: v is True, desc="vpnhad reconnected to zebra")

    def rib_ok(rib):
        ours = [e for e in rib if e.get("instance") == 5]
        others = [(e["protocol"], e.get("instance"), e.get("distance")) for e in rib if e.get("instance") != 5]
        return len(ours) == 2 and others == [("static", None, 250)]
    rib = vt.wait_for(lambda: s.rt.rib_sorted(PREFIX), 10, ok=rib_ok,
                      desc="vpnhad's two routes and staticd's, nothing left by the killed zebra")
    assert [nh["interfaceName"] for e in rib if e.get("selected") for nh in e["nexthops"]] == ["vti1"], rib
    s.wait_kernel_devs(["vti1"])

    routes = route_watch(s, 0.01)
    t0, _ = block.drop("cvti1")
    wait_state(s, "primary", "down", 3)
    s.wait_kernel_devs(["vti2"], timeout=3)
    time.sleep(1.0)
    bound = (detection_bound_ms() + SLACK_MS) / 1000
    print("zebra SIGKILL+restart on the primary, then primary dead: kernel route %s" % routes.fmt(t0))
    check_routes(routes, t0, dead=[("vti1", t0 + bound, None)])
    rib = s.rt.rib_sorted(PREFIX)
    sel = [e for e in rib if e.get("selected")]
    assert len(sel) == 1 and sel[0].get("instance") == 5 and sel[0]["distance"] == 101, rib
    assert any(e.get("distance") == 250 and e.get("instance") is None for e in rib), rib
    block.allow("cvti1")
    settle_back(s)


@pytest.mark.vpnha_hc(**HC)
def test_tunnel_interface_deleted_and_recreated(vpnha_hc):
    """The primary's interface is deleted (the route moves to the backup
    at once) and re-created: the primary is used again only once the
    probes prove it (recovery-count replies and the hold-down), never
    before."""
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    states = state_watch(s, ("primary",))
    t0 = time.monotonic()
    s.r.ip("link", "del", "vti1")
    t_del = time.monotonic()
    s.wait_kernel_devs(["vti2"], timeout=3)
    wait_state(s, "primary", "down", 3)
    time.sleep(0.5)
    t_new = time.monotonic()
    vt.veth_pair(s.r, "vti1", s.p, "cvti1", "169.254.1.1/30", "169.254.1.2/30")
    s.p.sysctl("net.ipv4.conf.cvti1.rp_filter", 0)
    s.p.sysctl("net.ipv4.conf.cvti1.proxy_arp", 1)
    s.p.sysctl("net.ipv4.neigh.cvti1.proxy_delay", 0)
    vt.pin_scheme_neighbours(s)
    settle_back(s)
    t_alive = routes.wait(lambda v: v == ["vti1"], 1, desc="route on vti1 again")
    print("interface deleted at +%.3fs, re-created at +%.3fs: kernel route %s; primary %s"
          % (t_del - t0, t_new - t0, routes.fmt(t0), states.fmt(t0)))
    # The kernel drops the deleted device's route itself; zebra installs
    # the backup on the link-delete event: a gap of a few ms is the
    # kernel's, bounded here.
    check_routes(routes, t0, dead=[("vti1", t_del, t_new)], gap_ok=[(t0, t_del + 0.3)])
    # Back on vti1 only once proven: recovery-count replies and the
    # hold-down (before the fix: at once, on the verdict the old
    # interface's probes had left).
    assert t_alive - t_new >= PROVEN_MIN_S, \
        (t_alive - t_new, routes.fmt(t0))
    rib_is_vpnhad_only(s, ["vti1"])


@pytest.mark.vpnha_hc(**HC)
def test_health_check_address_removed_by_someone_else(vpnha_hc):
    """Someone removes the primary's health-check source address from
    vti1: vpnhad puts it back at once (as it adds a missing one at start;
    before, it noticed nothing and the primary failed on its probes for
    good), the route never vanishes, and it ends on the primary with
    nothing stale."""
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    t0 = time.monotonic()
    s.r.ip("addr", "del", "169.254.1.1/30", "dev", "vti1")

    def has_src():
        out = s.r.ip_json("addr", "show", "dev", "vti1")
        return any(a.get("local") == "169.254.1.1" for link in out for a in link.get("addr_info", []))
    vt.wait_for(has_src, 2, desc="169.254.1.1 back on vti1")
    t_back = time.monotonic()
    settle_back(s)
    # Watched through a whole detection time after the removal: probes
    # failing for want of their source address would have failed the
    # primary over by then.  (Without this the test could end after a
    # few samples: 7 under ASan.)
    until = t0 + detection_bound_ms() / 1000
    vt.wait_for(lambda: time.monotonic() >= until and routes.samples > 10,
                detection_bound_ms() / 1000 + 5, desc="route watched a detection time")
    t = tunnel(s, "primary")
    print("address removed: back after %.0f ms, sourceOnInterface %s; kernel route %s"
          % ((t_back - t0) * 1000, t["healthCheck"]["sourceOnInterface"], routes.fmt(t0)))
    check_routes(routes, t0)
    rib_is_vpnhad_only(s, ["vti1"])


@pytest.mark.vpnha_hc(**HC)
def test_peer_reboots(vpnha_hc):
    """The peer "reboots": its end of the primary goes down (carrier lost
    in R), stays down, comes back.  Route on the backup within the
    bound, back on the primary only after recovery and hold-down."""
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    t0 = time.monotonic()
    s.p.link_set("cvti1", "down")
    t_down = time.monotonic()
    s.wait_kernel_devs(["vti2"], timeout=3)
    wait_state(s, "primary", "down", 3)
    time.sleep(1.0)
    t_up = time.monotonic()
    s.p.link_set("cvti1", "up")
    settle_back(s)
    t_back = routes.wait(lambda v: v == ["vti1"], 1, desc="route on vti1 again")
    print("peer down at +%.3fs, up at +%.3fs: kernel route %s" % (t_down - t0, t_up - t0, routes.fmt(t0)))
    bound = (detection_bound_ms() + SLACK_MS) / 1000
    # A carrier loss is the one case with a short gap: zebra takes the
    # route through the interface that went down out of the kernel before
    # the backup's is in (seen: one 10 ms sample, 17 ms, in CI); no vpnhad
    # decision is involved.  Bounded here, and a known limit (README).
    check_routes(routes, t0, dead=[("vti1", t_down + bound, t_up)],
                 gap_ok=[(t_down, t_down + 0.1)])
    assert t_back - t_up >= PROVEN_MIN_S, routes.fmt(t0)
    rib_is_vpnhad_only(s, ["vti1"])


# Timeout detection: the change must land before the verdict, and with
# adaptive detection the verdict (~150 ms) can come before vtysh returns
# on a loaded machine (CI: configured 199 ms, switched 143 ms after the
# failure); with the timeout rule the verdict is ~1 s away.
@pytest.mark.vpnha_hc(detection="timeout", **HC)
def test_config_change_mid_failover(vpnha_hc, block):
    """The primary fails silently; while vpnhad is still counting misses,
    the operator changes its health check (miss-count) and the backup
    route's weight.  The failover still happens within the new bound,
    the route never goes back into the dead primary, nothing stale."""
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    t0, _ = block.drop("cvti1")
    time.sleep(0.05)  # a probe or two in flight, no verdict yet (bound 1 s)
    s.rt.configure(["vpn-ha", "tunnel primary", "health-check miss-count 6", "exit",
                    "route %s tunnel backup weight 90" % PREFIX])
    t_conf = time.monotonic()
    t_switch = routes.wait(lambda v: v == ["vti2"], 5, since=t0, desc="route on vti2")
    # The change must have landed before the verdict to be "mid-failover".
    assert t_conf < t_switch, "configured only after the switch: %s" % routes.fmt(t0)
    wait_state(s, "primary", "down", 3)
    time.sleep(2.0)
    bound = (detection_bound_ms(miss=6) + SLACK_MS) / 1000
    print("config change mid-failover: switch after %.0f ms (bound %.0f); kernel route %s"
          % ((t_switch - t0) * 1000, bound * 1000, routes.fmt(t0)))
    assert t_switch - t0 <= bound, routes.fmt(t0)
    check_routes(routes, t0, dead=[("vti1", t0 + bound, None)])
    rib = s.rt.rib_sorted(PREFIX)
    assert any(r.get("distance") == 91 and r.get("selected") for r in rib), rib
    rib_is_vpnhad_only(s, ["vti2"])
    block.allow("cvti1")
    settle_back(s)
    rib_is_vpnhad_only(s, ["vti1"])
