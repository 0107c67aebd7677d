# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 3: health checks, silent failures, failover and failback timing.

Topology: the README scheme (conftest `vpnha`) with a health check on both
tunnels (`vpnha_hc`: primary 169.254.1.1 -> 169.254.1.2 over vti1, backup
169.254.2.1 -> 169.254.2.2 over vti2). Failures are injected in P with
nftables (`block`: a prerouting rule at priority -300 dropping what
arrives on cvti1/cvti2), so the tunnel interfaces stay UP: only the
health check can notice -- a silent failure, like an IPsec SA that stops
passing traffic.

Timing model (vpnha_health.h, defaults interval 100 ms, timeout 500,
miss-count 5, recovery-count 10, hold-down 3000, detection adaptive): a
tunnel is declared down when miss-count consecutive probes, none
answered, are overdue (unanswered for D = srtt + max(4 rttvar, 10 ms)),
the first overdue one confirmed by probes interval/4 apart: at most
interval + 2 D + (miss - 2) x interval/4 after the failure (the tunnel's
detectBoundUs in show json).  With detection timeout: on the
miss-count-th consecutive lost probe, at most (miss - 1) x interval +
timeout + interval = 1000 ms.  It fails back once the last lost probes
have expired (timeout), recovery-count replies were counted and the
hold-down passed without a loss.

The kernel route is sampled by a background thread (RouteWatch) every
10-50 ms, so every change and its time is recorded; states are sampled
from `show vpn-ha tunnel json` the same way (StateWatch). Fixed sleeps
are only used to let an observation window pass.
"""

import json
import os
import re
import select
import signal
import subprocess
import threading
import time

import pytest

import vpnha_topo as vt

PREFIX = vt.SCHEME_PREFIX
INSTANCE = 5

# Defaults (README / vpnha_health.h), in ms.
INTERVAL, TIMEOUT, MISS, RECOVERY, HOLD_DOWN = 100, 500, 5, 10, 3000


def detection_bound_ms(interval=INTERVAL, timeout=TIMEOUT, miss=MISS):
    """Worst case from a silent failure to the down verdict with detection
    timeout (and so a bound for adaptive too): the first lost probe leaves
    up to one interval after the failure, the miss-th one (miss - 1)
    intervals later and is lost timeout after that."""
    return (miss - 1) * interval + timeout + interval


def adaptive_bound_ms(s, name="primary"):
    """The tunnel's own adaptive bound now: interval + 2 D + (miss - 2) C."""
    return tunnel(s, name)["healthCheck"]["detectBoundUs"] / 1000


def failback_ms(interval=INTERVAL, timeout=TIMEOUT, recovery=RECOVERY, hold_down=HOLD_DOWN):
    """Expected time from the end of a failure to the failback: the last
    lost probe expires (timeout), then recovery-count replies (counted in
    send order: max(timeout, recovery x interval) after the end), then
    the hold-down."""
    return max(timeout, recovery * interval) + hold_down


BACKUP_RIB_ACTIVE = {
    "protocol": "static", "instance": INSTANCE, "distance": 101,
    "selected": True, "installed": True,
    "nexthops": [{"interfaceName": "vti2", "active": True}],
}


# ---------------------------------------------------------------------------
# helpers


def tunnel(s, name):
    return s.rt.vtysh_json("show vpn-ha tunnel %s json" % name)["tunnels"][name]


def tunnels(s):
    return s.rt.vtysh_json("show vpn-ha tunnel json")["tunnels"]


def static_rib(s):
    return s.rt.rib_sorted(PREFIX, protocol="static")


def wait_state(s, name, state, timeout, verdict=None):
    def ok(t):
        return t["state"] == state and (verdict is None or t["healthCheck"]["verdict"] == verdict)
    return vt.wait_for(lambda: tunnel(s, name), timeout, ok=ok,
                       desc="tunnel %s state %s%s" % (name, state, " / " + verdict if verdict else ""))


class Watch(threading.Thread):
    """Samples sample() every `interval` s in the background and records
    each change as (time.monotonic() after the sample, value). Stopped at
    cleanup (also on failure)."""

    def __init__(self, sample, interval, name):
        super().__init__(name=name, daemon=True)
        self.sample = sample
        self.interval = interval
        self.changes = []
        self.samples = 0
        self._stop_ev = threading.Event()
        self._lock = threading.Lock()
        vt.current_registry().push(self.stop, "stop %s" % name)
        self.start()
        # The first value is there when the constructor returns.
        vt.wait_for(lambda: self.changes, 5, interval=0.005, desc="first sample of %s" % name)

    def run(self):
        while not self._stop_ev.is_set():
            try:
                v = self.sample()
            except Exception as e:  # noqa: BLE001 - recorded as a value
                v = "error: %s" % e
            t = time.monotonic()
            with self._lock:
                self.samples += 1
                if not self.changes or self.changes[-1][1] != v:
                    self.changes.append((t, v))
            self._stop_ev.wait(self.interval)

    def stop(self):
        self._stop_ev.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(5)

    def history(self, since=None, until=None):
        """Changes within [since, until], plus the value current at since."""
        with self._lock:
            ch = list(self.changes)
        out = []
        for i, (t, v) in enumerate(ch):
            if until is not None and t > until:
                break
            if since is not None and t < since:
                if i + 1 < len(ch) and ch[i + 1][0] <= since:
                    continue
                out.append((since, v))
                continue
            out.append((t, v))
        return out

    def current(self):
        with self._lock:
            return self.changes[-1][1]

    def wait(self, pred, timeout, since=None, desc="value"):
        """Wait until the current value satisfies pred and return the time
        of the change that made it so (not before since)."""
        def find():
            with self._lock:
                t, v = self.changes[-1]
            if not pred(v):
                return None
            return max(t, since) if since is not None else t
        try:
            return vt.wait_for(find, timeout, interval=0.005, desc=desc)
        except AssertionError as e:
            raise AssertionError("%s\nhistory: %s" % (e, self.fmt())) from None

    def fmt(self, t0=None):
        with self._lock:
            ch = list(self.changes)
        t0 = ch[0][0] if t0 is None and ch else t0
        return ", ".join("%+.3fs %s" % (t - t0, v) for t, v in ch)


def route_watch(s, interval=0.01):
    """Kernel devices of the scheme prefix in R."""
    return Watch(s.kernel_devs, interval, "route watch")


def state_watch(s, names=("primary", "backup"), interval=0.02):
    """(state of each tunnel in names) as a tuple."""
    def sample():
        t = tunnels(s)
        return tuple(t[n]["state"] for n in names)
    return Watch(sample, interval, "state watch")


def dedup(values):
    out = []
    for v in values:
        if not out or out[-1] != v:
            out.append(v)
    return out


def yang_tunnel(s, name):
    data = s.rt.vtysh_json("show yang operational-data /frr-vpnhad:vpnhad vpnhad")
    for t in data.get("frr-vpnhad:vpnhad", {}).get("tunnel", []):
        if t.get("name") == name:
            return t
    raise AssertionError("no tunnel %s in YANG operational data:\n%s" % (name, json.dumps(data, indent=1)))


def fail_primary(s, block, routes):
    """Silent failure of the primary; return when the kernel is on vti2
    and the primary is down."""
    t0, _ = block.drop("cvti1")
    routes.wait(lambda v: v == ["vti2"], 5, since=t0, desc="kernel route on vti2")
    wait_state(s, "primary", "down", 3)
    return t0


# ---------------------------------------------------------------------------
# 1. silent failure of the primary: detection and switch time


def test_silent_failure_fails_over_in_time(vpnha_hc, block):
    s = vpnha_hc
    before = tunnel(s, "primary")
    assert before["failovers"] == 0
    hc0 = before["healthCheck"]
    assert hc0["detection"] == "adaptive", hc0
    # Short veth path: srtt well under a ms, D = srtt + 10 ms slack.
    d_ms = hc0["detectDeadlineUs"] / 1000
    assert 10 <= d_ms <= 20, hc0
    bound = hc0["detectBoundUs"] / 1000
    assert bound == pytest.approx(INTERVAL + 2 * d_ms + (MISS - 2) * INTERVAL / 4, abs=0.01), hc0
    routes = route_watch(s, 0.01)
    t0, _ = block.drop("cvti1")
    t_switch = routes.wait(lambda v: v == ["vti2"], 5, since=t0, desc="kernel route on vti2")
    took_ms = (t_switch - t0) * 1000
    print("silent failure -> kernel on vti2: %.0f ms (adaptive bound %.0f + 600 ms)" % (took_ms, bound))
    assert took_ms <= bound + 600, "kernel route moved %.0f ms after the failure: %s" % (took_ms, routes.fmt(t0))
    # Straight from the primary to the backup, never without a route.
    assert dedup(v for _, v in routes.history(since=t0)) == [["vti1"], ["vti2"]], routes.fmt(t0)

    # vpnhad's own figures; switchMs comes with zebra's notification.
    t = vt.wait_for(lambda: tunnel(s, "primary"), 3,
                    ok=lambda t: t.get("lastFailover", {}).get("switchMs") is not None,
                    desc="lastFailover.switchMs of primary")
    lf, hc = t["lastFailover"], t["healthCheck"]
    print("lastFailover: %s" % json.dumps(lf, sort_keys=True))
    assert t["state"] == "down", t
    assert t["failovers"] == 1, t
    # detectionMs runs from the first unanswered probe's send: 2 D + (miss
    # - 2) C of the design, well before any probe's 500 ms timeout.
    assert 2 * d_ms + (MISS - 2) * INTERVAL / 4 - 5 <= lf["detectionMs"] <= bound + 50, (lf, hc0)
    assert 0 <= lf["switchMs"] < 300, lf
    assert lf["totalMs"] is not None and lf["totalMs"] >= lf["detectionMs"], lf
    assert hc["verdict"] == "dead", hc
    # Confirmation probes: miss - 1 of them on top of the schedule.
    assert hc["counters"]["probesSent"] - hc0["counters"]["probesSent"] >= MISS, (hc0, hc)
    # The probes of the failure time out later, as lost.
    vt.wait_for(lambda: tunnel(s, "primary")["healthCheck"], 3,
                ok=lambda h: h["counters"]["probesLost"] >= MISS and h["consecutiveMisses"] >= MISS,
                desc="the unanswered probes counted lost")
    assert routes.current() == ["vti2"]

    # zebra: only the backup's S[5] route is left, and it is selected.
    diff = vt.json_subset(static_rib(s), [BACKUP_RIB_ACTIVE], exact_lists=True)
    assert diff is None, diff

    # The same failover in YANG operational state.
    y = yang_tunnel(s, "primary")["state"]
    ylf = y.get("last-failover", {})
    assert y["state"] == "down", y
    assert ylf.get("detection-ms") == lf["detectionMs"], (ylf, lf)
    assert ylf.get("switch-ms") == lf["switchMs"], (ylf, lf)
    assert int(y["counters"]["probes-lost"]) >= MISS, y
    # ... and the detection state (NETCONF users see what show json shows).
    yd = y["detection"]
    assert 10000 <= int(yd["deadline-us"]) <= 20000, yd
    assert int(yd["bound-us"]) == INTERVAL * 1000 + 2 * int(yd["deadline-us"]) + (MISS - 2) * INTERVAL * 250, yd
    assert 0 < int(yd["srtt-us"]) < 10000 and int(yd["hold-down-effective-ms"]) == HOLD_DOWN, yd
    assert int(yd["rtt-samples"]) == 8, yd


# ---------------------------------------------------------------------------
# 2. failback: not before recovery-count x interval + hold-down


FB = dict(hold_down=1000, recovery_count=5)


@pytest.mark.vpnha_hc(**FB)
def test_failback_timing(vpnha_hc, block):
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    fail_primary(s, block, routes)
    states = state_watch(s, ("primary",))

    t_before, t_after = block.allow("cvti1")
    t_back = routes.wait(lambda v: v == ["vti1"], 10, since=t_before, desc="kernel route back on vti1")
    lower_ms = FB["recovery_count"] * INTERVAL + FB["hold_down"] - 200
    upper_ms = TIMEOUT + FB["recovery_count"] * INTERVAL + FB["hold_down"] + 1000
    took_ms = (t_back - t_before) * 1000
    print("recovery -> kernel back on vti1: %.0f ms (expected ~%d, allowed [%d, %d])"
          % (took_ms, failback_ms(recovery=FB["recovery_count"], hold_down=FB["hold_down"]),
             lower_ms, upper_ms))
    # Lower bound from the end of the nft command (when the rule was
    # certainly gone), upper bound from its start.
    assert (t_back - t_after) * 1000 >= lower_ms, "failback too early: %s" % routes.fmt(t_before)
    assert took_ms <= upper_ms, "failback too late: %s" % routes.fmt(t_before)
    assert dedup(v for _, v in routes.history(since=t_before)) == [["vti2"], ["vti1"]], routes.fmt(t_before)

    # Wait on the watcher itself, so that its history is complete.
    states.wait(lambda v: v[0] == "up", 2, since=t_back, desc="primary up")
    seq = dedup(v[0] for _, v in states.history(since=t_before))
    assert seq == ["down", "recovering", "up"], "primary states after recovery: %s" % states.fmt(t_before)
    t = tunnel(s, "primary")
    assert t["failovers"] == 1 and t["healthCheck"]["verdict"] == "alive", t


# ---------------------------------------------------------------------------
# 3. 5 % random loss does not fail over (defaults)


LOSS_WINDOW_S = 30


def test_random_loss_no_failover(vpnha_hc, block):
    s = vpnha_hc
    before = tunnel(s, "primary")
    routes = route_watch(s, 0.05)
    t0, _ = block.drop("cvti1", "numgen random mod 100 < 5")
    time.sleep(LOSS_WINDOW_S)  # the observation window
    block.allow("cvti1")
    routes.stop()
    after = tunnel(s, "primary")
    lost = after["healthCheck"]["counters"]["probesLost"] - before["healthCheck"]["counters"]["probesLost"]
    sent = after["healthCheck"]["counters"]["probesSent"] - before["healthCheck"]["counters"]["probesSent"]
    print("5%% loss for %d s: %d of %d probes lost (%.1f %%), %d route samples"
          % (LOSS_WINDOW_S, lost, sent, 100.0 * lost / max(sent, 1), routes.samples))
    assert lost > 0, "no probe lost: the loss was not applied (%s)" % after["healthCheck"]
    assert routes.samples >= LOSS_WINDOW_S * 10, routes.samples
    assert [v for _, v in routes.history(since=t0)] == [["vti1"]], "route changed: %s" % routes.fmt(t0)
    assert after["failovers"] == before["failovers"], (before, after)
    assert after["transitions"] == before["transitions"], "primary changed state: %s" % after
    assert after["state"] == "up", after


# ---------------------------------------------------------------------------
# 4. a flapping primary: one failover, no return while flapping


FLAP_DROP_S, FLAP_PASS_S, FLAP_DROPS = 1.2, 1.2, 6


def test_flapping_primary(vpnha_hc, block):
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    states = state_watch(s, ("primary",), 0.03)
    t_start = None
    for i in range(FLAP_DROPS):
        t_drop, _ = block.drop("cvti1")
        t_start = t_start or t_drop
        time.sleep(max(0.0, t_drop + FLAP_DROP_S - time.monotonic()))
        t_end, t_end_after = block.allow("cvti1")
        if i + 1 < FLAP_DROPS:
            time.sleep(max(0.0, t_end + FLAP_PASS_S - time.monotonic()))
    # t_end: the failure is over for good.
    hist = routes.history(since=t_start, until=t_end)
    print("flapping %.1f s; route changes: %s" % (t_end - t_start, routes.fmt(t_start)))
    print("primary states: %s" % states.fmt(t_start))
    devs = [v for _, v in hist]
    assert devs[0] == ["vti1"] and ["vti2"] in devs, routes.fmt(t_start)
    t_first = next(t for t, v in hist if v == ["vti2"])
    assert t_first - t_start <= (detection_bound_ms() + 600) / 1000, routes.fmt(t_start)
    after_first = [v for t, v in hist if t >= t_first]
    assert all(v == ["vti2"] for v in after_first), "returned to the primary while flapping: %s" % routes.fmt(t_start)
    st = dedup(v[0] for _, v in states.history(since=t_first + 0.2, until=t_end))
    assert "up" not in st, "primary came back up while flapping: %s" % states.fmt(t_start)
    assert "recovering" in st, "primary never reached recovering: %s" % states.fmt(t_start)
    t = tunnel(s, "primary")
    assert t["failovers"] == 1, t

    # After the flapping: the failures all happened in RECOVERING, which
    # does not feed flap damping (only a failure of a tunnel that came
    # back through a failback does), so the plain failback time applies.
    t_back = routes.wait(lambda v: v == ["vti1"], 15, since=t_end, desc="failback after flapping")
    took_ms = (t_back - t_end) * 1000
    expected = failback_ms()
    print("failback %.0f ms after the flapping stopped (undamped ~%d ms)" % (took_ms, expected))
    assert (t_back - t_end_after) * 1000 >= RECOVERY * INTERVAL + HOLD_DOWN - 200, routes.fmt(t_start)
    # Generous: even a doubled hold-down would pass.
    assert took_ms <= 1000 + TIMEOUT + 2 * HOLD_DOWN + 2000, routes.fmt(t_start)
    wait_state(s, "primary", "up", 2, verdict="alive")
    assert tunnel(s, "primary")["failovers"] == 1


# ---------------------------------------------------------------------------
# 5. no-preempt: stay on the backup until released


NP = dict(preempt=False, hold_down=1000, recovery_count=5)


@pytest.mark.vpnha_hc(primary=NP)
def test_no_preempt(vpnha_hc, block):
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    states = state_watch(s)
    assert tunnel(s, "primary")["healthCheck"]["preempt"] is False

    # Fail and restore: recovers, but stays in recovering, on the backup.
    fail_primary(s, block, routes)
    t_allow, _ = block.allow("cvti1")
    t_rec = states.wait(lambda v: v[0] == "recovering", (TIMEOUT + NP["recovery_count"] * INTERVAL) / 1000 + 2,
                        since=t_allow, desc="primary recovering")
    window = NP["hold_down"] / 1000 + 2
    time.sleep(max(0.0, t_rec + window - time.monotonic()))  # the observation window
    assert [v for _, v in routes.history(since=t_rec)] == [["vti2"]], routes.fmt(t_allow)
    assert [v for _, v in states.history(since=t_rec)] == [("recovering", "up")], states.fmt(t_allow)
    t = tunnel(s, "primary")
    assert t["healthCheck"]["verdict"] == "recovering", t

    # Released by the operator: fails back (the hold-down is already over).
    t_clear = time.monotonic()
    s.rt.vtysh("clear vpn-ha tunnel primary")
    t_back = routes.wait(lambda v: v == ["vti1"], NP["hold_down"] / 1000 + 1, since=t_clear,
                         desc="failback after clear")
    print("no-preempt: stayed on the backup %.1f s in recovering; failback %.0f ms after clear"
          % (t_clear - t_rec, (t_back - t_clear) * 1000))
    wait_state(s, "primary", "up", 2, verdict="alive")

    # Second time: blocked in recovering, then the backup fails -> no
    # other tunnel carries the prefix, the primary is released.
    fail_primary(s, block, routes)
    t_allow, _ = block.allow("cvti1")
    t_rec = states.wait(lambda v: v[0] == "recovering", (TIMEOUT + NP["recovery_count"] * INTERVAL) / 1000 + 2,
                        since=t_allow, desc="primary recovering (2)")
    time.sleep(max(0.0, t_rec + NP["hold_down"] / 1000 + 0.3 - time.monotonic()))  # hold-down over
    assert routes.current() == ["vti2"] and states.current()[0] == "recovering", states.fmt(t_allow)
    t_fail_b, _ = block.drop("cvti2")
    t_back = routes.wait(lambda v: v == ["vti1"], (detection_bound_ms() + 600) / 1000 + 1, since=t_fail_b,
                         desc="kernel back on vti1 once the backup failed")
    print("no-preempt: backup failure -> kernel on the released primary in %.0f ms"
          % ((t_back - t_fail_b) * 1000))
    assert dedup(v for _, v in routes.history(since=t_allow)) == [["vti2"], ["vti1"]], routes.fmt(t_allow)
    wait_state(s, "backup", "down", 2)
    # Released, not merely kept by keep-best (which would also put the
    # kernel route on vti1): the primary is up and its route active.
    wait_state(s, "primary", "up", 2, verdict="alive")
    r = s.rt.vtysh_json("show vpn-ha route json")["routes"][PREFIX]
    paths = {p["tunnel"]: p for p in r["paths"]}
    assert r["activeTunnel"] == "primary" and r["allDown"] is False, r
    assert paths["primary"]["reason"] == "active", r


# ---------------------------------------------------------------------------
# 6. every tunnel down: keep-best, then withdraw


def test_all_tunnels_down(vpnha_hc, block):
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    t0, _ = block.drop("cvti1")
    block.drop("cvti2")
    for name in ("primary", "backup"):
        wait_state(s, name, "down", 3)

    def route_view():
        return s.rt.vtysh_json("show vpn-ha route json")["routes"][PREFIX]

    r = vt.wait_for(route_view, 3, ok=lambda r: r["allDown"] is True, desc="allDown")
    paths = {p["tunnel"]: p for p in r["paths"]}
    assert paths["primary"]["reason"] == "kept: all tunnels down", r
    assert paths["primary"]["installed"] is True and paths["backup"]["installed"] is False, r
    # keep-best: the most preferred route stays in the kernel.
    routes.wait(lambda v: v == ["vti1"], 2, desc="kernel keeps vti1")
    print("all down (keep-best), kernel route history: %s" % routes.fmt(t0))

    s.rt.configure("vpn-ha\n all-down-action withdraw\nexit\n")
    s.wait_kernel_devs([], 3)
    vt.wait_for(lambda: static_rib(s), 3, ok=lambda v: v == [], desc="no S[5] route in zebra")
    r = route_view()
    assert r["allDown"] is True, r
    assert all(not p["installed"] for p in r["paths"]), r
    assert s.rt.vtysh_json("show vpn-ha json")["allDownAction"] == "withdraw"


# ---------------------------------------------------------------------------
# 7. the health-check source address is added to the tunnel interface


HC_SRC, HC_DST = "169.254.11.1", "169.254.11.2"
HC_SRC2, HC_DST2 = "169.254.12.1", "169.254.12.2"
VTI1_OWN = ("169.254.1.1", None, 30)


def vti1_addrs(s):
    """(local, peer-or-None, prefixlen) of R's IPv4 addresses on vti1."""
    out = []
    for link in s.r.ip_json("addr", "show", "dev", "vti1"):
        for a in link.get("addr_info", []):
            if a.get("family") == "inet":
                out.append((a["local"], a.get("address"), a["prefixlen"]))
    return sorted(out)


def wait_vti1_addrs(s, want, desc):
    want = sorted(want)
    return vt.wait_for(lambda: vti1_addrs(s), 3, ok=lambda v: v == want, desc="vti1 addresses: " + desc)


def test_health_check_source_address_added(vpnha):
    """A source address that is not on the tunnel interface is added as
    `source peer destination` (so the peer can answer through the
    tunnel), reported as "added by vpnhad", and removed -- only it --
    when the health check changes or goes."""
    s = vpnha
    vt.pin_scheme_neighbours(s, [("vti1", HC_SRC, "cvti1", HC_DST), ("vti1", HC_SRC2, "cvti1", HC_DST2)])
    s.p.ip("addr", "add", HC_DST, "peer", HC_SRC, "dev", "cvti1")
    s.p.ip("addr", "add", HC_DST2, "peer", HC_SRC2, "dev", "cvti1")
    assert vti1_addrs(s) == [VTI1_OWN]

    s.rt.configure(vt.health_check_config({"primary": {"source": HC_SRC, "destination": HC_DST},
                                           "backup": {}}))
    wait_vti1_addrs(s, [VTI1_OWN, (HC_SRC, HC_DST, 32)], "%s peer %s added" % (HC_SRC, HC_DST))
    t = wait_state(s, "primary", "up", 5, verdict="alive")
    hc = t["healthCheck"]
    assert hc["sourceOnInterface"] == "added by vpnhad", hc
    assert (hc["source"], hc["destination"]) == (HC_SRC, HC_DST), hc
    assert hc["counters"]["probesReceived"] > 0, hc
    b = wait_state(s, "backup", "up", 5, verdict="alive")
    assert b["healthCheck"]["sourceOnInterface"] == "present", b["healthCheck"]
    s.wait_kernel_devs(["vti1"])

    # New addresses: the old added address goes, the new one comes.
    s.rt.configure(vt.health_check_config({"primary": {"source": HC_SRC2, "destination": HC_DST2}}))
    wait_vti1_addrs(s, [VTI1_OWN, (HC_SRC2, HC_DST2, 32)],
                    "%s replaced by %s peer %s" % (HC_SRC, HC_SRC2, HC_DST2))
    t = wait_state(s, "primary", "up", 5, verdict="alive")
    assert t["healthCheck"]["sourceOnInterface"] == "added by vpnhad", t["healthCheck"]

    # No health check: the added address goes, 169.254.1.1/30 stays.
    s.rt.configure("vpn-ha\n tunnel primary\n  no health-check\n exit\nexit\n")
    wait_vti1_addrs(s, [VTI1_OWN], "only 169.254.1.1/30 left")
    t = tunnel(s, "primary")
    assert "healthCheck" not in t, t
    assert t["state"] == "up", t
    s.wait_kernel_devs(["vti1"])


# ---------------------------------------------------------------------------
# 8. BFD as the health check: stock bfdd in R (driven by vpnhad through
#    zebra) and in P (configured by hand, as a cloud gateway would be)


BFD_GRACE_MS = 3000  # vpnha_probe_io.c: a session not up by then counts as down

P_BFD_CONFIG = """\
bfd
 peer 169.254.1.1 local-address 169.254.1.2 interface cvti1
  receive-interval 100
  transmit-interval 100
 exit
 peer 169.254.2.1 local-address 169.254.2.2 interface cvti2
  receive-interval 100
  transmit-interval 100
 exit
exit
"""


def bfd_peers(rt):
    """`show bfd peers json` of rt's bfdd as {(peer, interface): session}."""
    return {(p.get("peer"), p.get("interface")): p for p in rt.vtysh_json("show bfd peers json")}


def start_bfd(s, logdir):
    """bfdd in R (driven by vpnhad) and zebra + bfdd in P (the peer's
    sessions); returns P's FrrRouter."""
    vt.pin_scheme_neighbours(s)
    s.rt.start_daemon("bfdd")
    p = vt.FrrRouter(s.p, os.path.join(logdir, "p"))
    p.start_zebra()
    p.start_daemon("bfdd")
    p.configure(P_BFD_CONFIG)
    return p


def test_bfd_health_check(vpnha, block, logdir):
    s = vpnha
    p = start_bfd(s, logdir)
    t_cfg = time.monotonic()
    s.rt.configure(vt.health_check_config({"primary": {"type": "bfd"}, "backup": {"type": "bfd"}}))

    def bfd_up(name):
        t = tunnel(s, name)
        hc = t.get("healthCheck", {})
        # bfdState: libfrr's bfd_get_status_str() ("Up"/"Down" in 8.4).
        return (t["state"], hc.get("type"), str(hc.get("bfdState")).lower())

    # Up within the grace time; a session not up after it would count as
    # down and then need the hold-down as well.
    bound_s = (BFD_GRACE_MS + HOLD_DOWN) / 1000 + 4
    for name in ("primary", "backup"):
        vt.wait_for(lambda: bfd_up(name), bound_s, ok=lambda v: v == ("up", "bfd", "up"),
                    desc="tunnel %s up with BFD up" % name)
    print("BFD: both tunnels up %.0f ms after the configuration" % ((time.monotonic() - t_cfg) * 1000))
    t = tunnel(s, "primary")
    hc = t["healthCheck"]
    assert (hc["type"], hc["bfdState"].lower(), hc["verdict"]) == ("bfd", "up", "alive"), hc
    assert (hc["source"], hc["destination"], hc["intervalMs"], hc["missCount"]) == \
        ("169.254.1.1", "169.254.1.2", INTERVAL, MISS), hc
    assert t["failovers"] == 0 and "lastFailover" not in t, t
    s.wait_kernel_devs(["vti1"])

    # R's stock bfdd (through the patched vtysh) runs the sessions vpnhad
    # asked for, with its timers; P's bfdd sees them up too.
    peers = vt.wait_for(lambda: bfd_peers(s.rt), 3,
                        ok=lambda v: all(v.get(k, {}).get("status") == "up"
                                         for k in (("169.254.1.2", "vti1"), ("169.254.2.2", "vti2"))),
                        desc="R's bfdd: both sessions up")
    bp = peers[("169.254.1.2", "vti1")]
    print("R bfd peer primary: %s" % json.dumps(bp, sort_keys=True))
    diff = vt.json_subset(bp, {"local": "169.254.1.1", "detect-multiplier": MISS,
                               "receive-interval": INTERVAL, "transmit-interval": INTERVAL})
    assert diff is None, diff
    pp = vt.wait_for(lambda: bfd_peers(p), 3,
                     ok=lambda v: v.get(("169.254.1.1", "cvti1"), {}).get("status") == "up",
                     desc="P's bfdd: primary session up")
    assert pp[("169.254.2.1", "cvti2")]["status"] == "up", pp

    # Silent failure: P hears nothing from R on cvti1; P's bfdd declares
    # the session down after R's multiplier x interval and tells R.
    routes = route_watch(s, 0.01)
    t0, _ = block.drop("cvti1")
    bound_ms = MISS * INTERVAL + 1000
    t_switch = routes.wait(lambda v: v == ["vti2"], bound_ms / 1000 + 3, since=t0, desc="kernel route on vti2")
    took_ms = (t_switch - t0) * 1000
    t = vt.wait_for(lambda: tunnel(s, "primary"), 3,
                    ok=lambda t: t["state"] == "down" and t.get("lastFailover", {}).get("switchMs") is not None,
                    desc="primary down with lastFailover.switchMs")
    lf = t["lastFailover"]
    print("BFD: silent failure -> kernel on vti2 in %.0f ms (bound %d ms); lastFailover %s"
          % (took_ms, bound_ms, json.dumps(lf, sort_keys=True)))
    assert took_ms <= bound_ms, "kernel route moved %.0f ms after the failure: %s" % (took_ms, routes.fmt(t0))
    assert dedup(v for _, v in routes.history(since=t0)) == [["vti1"], ["vti2"]], routes.fmt(t0)
    assert t["healthCheck"]["bfdState"].lower() == "down", t["healthCheck"]
    assert t["healthCheck"]["verdict"] == "dead", t["healthCheck"]
    assert t["failovers"] == 1, t
    # vpnhad does not know when bfdd last heard the peer: no detection time.
    assert "detectionMs" in lf and lf["detectionMs"] is None, lf
    assert 0 <= lf["switchMs"] < 300, lf
    assert tunnel(s, "backup")["state"] == "up"
    # R's session is not up.  Only R -> P is dropped: R still hears P's
    # Down packets, and a session in Down that receives Down goes to Init
    # (RFC 5880 6.8.6) until P hears R again; which of the two R's bfdd
    # shows depends on when P's next (slow, 1 s) packet came in: seen
    # "down" on 8.4 and "init" on 10.3, both correct.
    assert bfd_peers(s.rt)[("169.254.1.2", "vti1")]["status"] in ("down", "init")

    # Recovery: BFD comes back up, then the hold-down, then the failback.
    t_allow, t_allow_after = block.allow("cvti1")
    t_back = routes.wait(lambda v: v == ["vti1"], (HOLD_DOWN + 6000) / 1000, since=t_allow,
                         desc="kernel route back on vti1")
    t_bfd = vt.wait_for(lambda: bfd_peers(s.rt)[("169.254.1.2", "vti1")], 2,
                        ok=lambda v: v.get("status") == "up", desc="R's bfdd: primary up again")
    took_ms = (t_back - t_allow) * 1000
    print("BFD: recovery -> kernel back on vti1 in %.0f ms (hold-down %d ms; R's session up for %s s)"
          % (took_ms, HOLD_DOWN, t_bfd.get("uptime")))
    assert (t_back - t_allow_after) * 1000 >= HOLD_DOWN - 200, "failback before the hold-down: %s" % routes.fmt(t0)
    assert took_ms <= HOLD_DOWN + 5000, routes.fmt(t0)
    assert dedup(v for _, v in routes.history(since=t_allow)) == [["vti2"], ["vti1"]], routes.fmt(t_allow)
    t = wait_state(s, "primary", "up", 2, verdict="alive")
    assert t["healthCheck"]["bfdState"].lower() == "up" and t["failovers"] == 1, t


# ---------------------------------------------------------------------------
# 9. Issue 13: a forged reply never revives a dead tunnel; a health-check
# change never makes one usable; the reason says why (late replies).

ICMP_PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "icmp_peer.py")


def icmp_peer(s, *args):
    """tests/integration/icmp_peer.py in P (stopped at cleanup); returns
    the process once it printed its first line, and that line."""
    proc = s.p.popen(["python3", ICMP_PEER] + [str(a) for a in args],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    vt.current_registry().push(lambda: vt.terminate(proc), "stop icmp_peer %s" % args[0])
    fd = proc.stdout.fileno()
    if not select.select([fd], [], [], 15)[0]:
        raise AssertionError("icmp_peer %s printed nothing in 15 s" % (args,))
    line = proc.stdout.readline().strip()
    assert line, "icmp_peer %s: %s" % (args, proc.stderr.read())
    return proc, line


FORGE = dict(recovery_count=5, hold_down=1000)
FORGE_S = 5.0


@pytest.mark.vpnha_hc(**FORGE)
def test_forged_replies_never_revive(vpnha_hc, block):
    """The attack of issue 13.1: the primary's probes are dropped at the
    peer; a forger in P sends echo replies from the peer's probe address
    with the identifier and payload of one captured probe, sequence and
    send time extrapolated at the interval.  On vpnhad before the fix the
    primary went down -> recovering -> up and the kernel route pointed
    into the dead tunnel."""
    s = vpnha_hc
    forger, line = icmp_peer(s, "forge", "cvti1", "169.254.1.2", "169.254.1.1", INTERVAL, FORGE_S)
    print("forger: %s" % line)
    routes = route_watch(s, 0.01)
    states = state_watch(s, ("primary",))
    fail_primary(s, block, routes)
    # The state sampler (vtysh every 20 ms) may lag behind the route on a
    # loaded machine: start once it has seen the primary down too.
    states.wait(lambda v: v == ("down",), 3, desc="state watch sees the primary down")
    t0 = time.monotonic()
    forger.stdin.write("go\n")
    forger.stdin.flush()
    # Longer than recovery-count x interval + hold-down (1.5 s) by far.
    out, err = forger.communicate(timeout=FORGE_S + 10)
    assert out.startswith("forged "), (out, err)
    time.sleep(0.3)  # replies to the last forged probes: timeout is 500 ms
    hist = routes.history(since=t0)
    print("forger %s; kernel route: %s; primary: %s" % (out.strip(), routes.fmt(t0), states.fmt(t0)))
    assert all(v == ["vti2"] for _, v in hist), "route went back into the dead tunnel: %s" % routes.fmt(t0)
    assert all(v == ("down",) for _, v in states.history(since=t0)), states.fmt(t0)
    t = tunnel(s, "primary")
    rej = t["healthCheck"]["rejectedReplies"]
    print("rejectedReplies: %s" % json.dumps(rej, sort_keys=True))
    assert t["healthCheck"]["verdict"] == "dead" and t["failovers"] == 1, t
    # Most guesses name a probe in the window: refused for their nonce.
    assert rej["wrongNonce"] >= FORGE_S * 1000 / INTERVAL, rej
    assert rej["wrongNonce"] + rej["unknownSeq"] + rej["wrongSendTime"] >= int(out.split()[1]) * 0.9, (out, rej)
    text = s.rt.vtysh("show vpn-ha tunnel primary")
    assert "wrong-nonce %d" % rej["wrongNonce"] in text or "wrong-nonce" in text, text
    # The same counters in YANG operational state (read after the JSON:
    # counters only grow).
    yrej = yang_tunnel(s, "primary")["state"]["rejected-replies"]
    print("YANG rejected-replies: %s" % json.dumps(yrej, sort_keys=True))
    for key, leaf in (("wrongNonce", "wrong-nonce"), ("unknownSeq", "unknown-seq"), ("wrongSendTime", "wrong-send-time")):
        assert int(yrej.get(leaf, 0)) >= rej[key], (leaf, yrej, rej)
    assert int(yrej["wrong-nonce"]) > 0 and "late" in yrej and "wrong-ident" in yrej, yrej


@pytest.mark.vpnha_hc(hold_down=1000, recovery_count=5)
def test_hc_change_keeps_dead_tunnel_down(vpnha_hc, block):
    """Issue 13.8: changing a health-check setting on a dead tunnel used
    to reset it to init, which took the route back into it."""
    s = vpnha_hc
    routes = route_watch(s, 0.01)
    fail_primary(s, block, routes)
    before = vt.wait_for(lambda: tunnel(s, "primary"), 3,
                         ok=lambda t: t.get("lastFailover", {}).get("switchMs") is not None,
                         desc="lastFailover of primary")
    t0 = time.monotonic()
    for change in ("health-check miss-count 6", "health-check interval 50", "no health-check preempt"):
        s.rt.configure("vpn-ha\n tunnel primary\n  %s\n exit\nexit\n" % change)
    time.sleep(2.0)  # the observation window: probes still lost
    assert all(v == ["vti2"] for _, v in routes.history(since=t0)), routes.fmt(t0)
    t = tunnel(s, "primary")
    assert (t["state"], t["healthCheck"]["verdict"]) == ("down", "dead"), t
    assert t["healthCheck"]["missCount"] == 6 and t["healthCheck"]["intervalMs"] == 50, t
    assert t["failovers"] == before["failovers"] == 1, t
    def figures(t):
        return {k: v for k, v in t["lastFailover"].items() if k != "msAgo"}
    assert figures(t) == figures(before), (t["lastFailover"], before["lastFailover"])
    assert t["reason"] == before["reason"], (t["reason"], before["reason"])
    # The probes decide: back after recovery and hold-down (no preempt
    # now, but nothing else carries... the backup does: release it).
    block.allow("cvti1")
    wait_state(s, "primary", "recovering", 5)
    s.rt.vtysh("clear vpn-ha tunnel primary")
    t_back = routes.wait(lambda v: v == ["vti1"], 3, since=t0, desc="kernel route back on vti1")
    assert dedup(v for _, v in routes.history(since=t0)) == [["vti2"], ["vti1"]], routes.fmt(t0)
    assert tunnel(s, "primary")["failovers"] == 1
    print("health-check change on a dead tunnel: stayed on vti2, back %.1f s later" % (t_back - t0))


def test_timeout_over_probe_ring_refused(vpnha_hc):
    """The health checker keeps the last 16 probes: a timeout that would
    leave more in flight is refused with both fields named, and nothing
    changes; the bound itself, and a longer timeout at a longer interval,
    are accepted."""
    s = vpnha_hc
    before = s.rt.running_config()
    cp = s.rt.configure("vpn-ha\n tunnel primary\n  health-check timeout 2000\n exit\nexit\n",
                        check=False)
    out = cp.stdout + cp.stderr
    assert re.search(r"health-check timeout 2000 ms needs more than 16 probes in flight at "
                     r"interval 100 ms: allowed up to 16 x interval \(1600 ms\)", out), out
    assert cp.returncode != 0, out
    assert s.rt.running_config() == before
    s.rt.configure("vpn-ha\n tunnel primary\n  health-check timeout 1600\n exit\nexit\n")
    s.rt.configure("vpn-ha\n tunnel primary\n  health-check interval 200\n"
                   "  health-check timeout 3200\n exit\nexit\n")
    hc = tunnel(s, "primary")["healthCheck"]
    assert (hc["intervalMs"], hc["timeoutMs"]) == (200, 3200), hc
    wait_state(s, "primary", "up", 5)


# The timeout rule: the verdict waits for the late replies (with adaptive
# detection it comes before the first of them, 300 ms after its probe).
LATE = dict(timeout=200, detection="timeout")
LATE_MS = 300


@pytest.mark.vpnha_hc(**LATE)
def test_late_replies_reason(vpnha_hc, block):
    """Issue 13.9: replies 300 ms after their probe with a 200 ms timeout;
    the reason names the late replies and their RTT everywhere."""
    s = vpnha_hc
    peer, line = icmp_peer(s, "delay", "cvti1", "169.254.1.2", "169.254.1.1", LATE_MS)
    assert line == "ready", line
    routes = route_watch(s, 0.01)
    # P's kernel no longer answers the primary's probes: icmp_peer does.
    t0, _ = block.drop("cvti1", "icmp type echo-request")
    routes.wait(lambda v: v == ["vti2"], 5, since=t0, desc="kernel route on vti2")
    # The RTT is the last late reply's: it moves a little with each one.
    want = re.compile(r"5 consecutive misses: replies late, rtt (\d+) ms > timeout 200 ms")
    t = vt.wait_for(lambda: tunnel(s, "primary"), 3, ok=lambda t: "replies late" in t["reason"],
                    desc="primary's reason names the late replies")
    print("reason: %s" % t["reason"])
    m = want.fullmatch(t["reason"])
    assert m and LATE_MS <= int(m.group(1)) <= LATE_MS + 150, t["reason"]
    assert t["state"] == "down" and t["healthCheck"]["counters"]["probesLate"] >= 3, t
    assert t["healthCheck"]["rejectedReplies"]["late"] >= 3, t["healthCheck"]
    assert want.search(s.rt.vtysh("show vpn-ha tunnel primary"))
    assert want.fullmatch(yang_tunnel(s, "primary")["state"]["reason"])
    with open(s.rt.daemons["vpnhad"].log_path) as f:
        log = f.read()
    assert "tunnel primary: up -> down (5 consecutive misses: replies late, rtt " in log, log[-3000:]


# A stalled daemon: replies that came while it could not read count
# at their arrival (kernel timestamp), and every reply waiting is read
# before a timeout is judged.  The probe engine leans on both: at scale
# it reads replies only at its next timer wakeup (vpnha_probe.h,
# VPNHA_PROBE_RX_COALESCE_US).  Detection timeout, so the 200 ms RTT step
# is no verdict; the timeout stays 500 ms.
STALL = dict(detection="timeout")
STALL_RTT_MS = 200
STALL_S = 1.0


@pytest.mark.vpnha_hc(**STALL)
def test_replies_queued_during_a_stall_count_at_arrival(vpnha_hc, block):
    """vpnhad stopped for 1 s while the primary's peer answers 200 ms
    late: the replies to the 2 probes in flight wait in the socket past
    their 500 ms timeout, yet none is lost or late, and nothing fails
    over.  Judging timeouts before reading them, or timing a reply when
    it is read, loses them (then counts them late)."""
    s = vpnha_hc
    peer, line = icmp_peer(s, "delay", "cvti1", "169.254.1.2", "169.254.1.1", STALL_RTT_MS)
    assert line == "ready", line
    block.drop("cvti1", "icmp type echo-request")

    # The peer's RTT in place: replies come 200 ms after their probe.
    vt.wait_for(lambda: tunnel(s, "primary")["healthCheck"], 5,
                ok=lambda hc: hc["srttUs"] >= STALL_RTT_MS * 1000 * 0.8,
                desc="primary's smoothed RTT near %d ms" % STALL_RTT_MS)
    time.sleep(0.5)
    before = tunnel(s, "primary")
    assert before["state"] == "up", before
    pid = s.rt.daemons["vpnhad"].pid
    os.kill(pid, signal.SIGSTOP)
    vt.current_registry().push(lambda: os.kill(pid, signal.SIGCONT), "resume vpnhad")
    time.sleep(STALL_S)
    os.kill(pid, signal.SIGCONT)
    # Two intervals of fresh probes after the stall, answered.
    sent0 = before["healthCheck"]["counters"]["probesSent"]
    after = vt.wait_for(lambda: tunnel(s, "primary"), 5,
                        ok=lambda t: t["healthCheck"]["counters"]["probesReceived"]
                        >= before["healthCheck"]["counters"]["probesReceived"] + 3,
                        desc="replies after the stall")
    c0, c1 = before["healthCheck"]["counters"], after["healthCheck"]["counters"]
    print("before %s\nafter %s" % (c0, c1))
    assert c1["probesSent"] > sent0, c1
    assert c1["probesLost"] == c0["probesLost"], (c0, c1)
    assert c1["probesLate"] == c0["probesLate"], (c0, c1)
    assert after["healthCheck"]["rejectedReplies"].get("late", 0) == \
        before["healthCheck"]["rejectedReplies"].get("late", 0), after["healthCheck"]
    assert after["state"] == "up" and after["transitions"] == before["transitions"], after
    # The replies read after the stall kept their RTT (~200 ms, not 1 s).
    assert after["healthCheck"]["window"]["rttMaxUs"] < TIMEOUT * 1000, after["healthCheck"]


BFD_NP = dict(type="bfd", hold_down=3000)


def test_bfd_no_preempt_release_in_hold_down(vpnha, block, logdir):
    """Issue 10.1 bug: a no-preempt BFD tunnel released by `clear` during
    its hold-down stayed `recovering` until the next BFD event: nothing
    armed the end of the hold-down (BFD has no probe timer)."""
    s = vpnha
    start_bfd(s, logdir)
    # Both up first, then no-preempt: a primary whose first BFD session
    # is slower than the grace (a loaded machine) has "failed" already,
    # and no-preempt rightly keeps it from taking the traffic.  A
    # health-check change keeps the verdict (issue 13.8).
    s.rt.configure(vt.health_check_config({"primary": BFD_NP, "backup": BFD_NP}))
    for name in ("primary", "backup"):
        wait_state(s, name, "up", (BFD_GRACE_MS + HOLD_DOWN) / 1000 + 4)
    s.rt.configure(vt.health_check_config({"primary": dict(BFD_NP, preempt=False), "backup": BFD_NP}))
    assert tunnel(s, "primary")["healthCheck"]["preempt"] is False
    wait_state(s, "primary", "up", 1)
    s.wait_kernel_devs(["vti1"])
    routes = route_watch(s, 0.01)
    fail_primary(s, block, routes)
    _, t_allowed = block.allow("cvti1")
    vt.wait_for(lambda: tunnel(s, "primary")["state"], 5, ok=lambda v: v == "recovering",
                desc="primary recovering (BFD up again)")
    # Released at once, inside the hold-down (BFD came up after t_allowed).
    t_clear = time.monotonic()
    s.rt.vtysh("clear vpn-ha tunnel primary")
    assert time.monotonic() - t_allowed < HOLD_DOWN / 1000, "clear came after the hold-down"
    t_back = routes.wait(lambda v: v == ["vti1"], HOLD_DOWN / 1000 + 2, since=t_clear,
                         desc="failback at the end of the hold-down after clear")
    print("BFD no-preempt: clear %.0f ms after the recovery, kernel on vti1 %.0f ms after the clear"
          % ((t_clear - t_allowed) * 1000, (t_back - t_clear) * 1000))
    # Not before the hold-down (counted from BFD up, after t_allowed),
    # and at its end: no BFD event is needed.
    assert (t_back - t_allowed) * 1000 >= HOLD_DOWN - 200, routes.fmt(t_allowed)
    assert (t_back - t_clear) * 1000 <= HOLD_DOWN + 1000, routes.fmt(t_allowed)
    wait_state(s, "primary", "up", 1, verdict="alive")


# ---------------------------------------------------------------------------
# 10. Issue 14: one probe socket per address family, shared by all
# tunnels.  The output interface is now chosen per probe (IP_PKTINFO;
# for IPv6 a send socket bound to the tunnel interface for each probe,
# as IPV6_PKTINFO's interface is only a preference to the kernel), and
# replies are told apart by identifier, then checked for interface and
# addresses.

LEAK_ADDRS = {
    4: (("169.254.1.1", "169.254.1.2"), ("169.254.2.1", "169.254.2.2")),
    6: (("fd00:1::1", "fd00:1::2"), ("fd00:2::1", "fd00:2::2")),
}


def nft_counter(ns, table, chain):
    """Packets counted by the rules of an inet chain, summed."""
    out = ns.run(["nft", "-j", "list", "chain", "inet", table, chain]).stdout
    n = 0
    for item in json.loads(out)["nftables"]:
        for expr in item.get("rule", {}).get("expr", []):
            if "counter" in expr:
                n += expr["counter"]["packets"]
    return n


@pytest.mark.parametrize("family", [4, 6])
def test_probes_never_leave_through_another_interface(vpnha, family):
    """The primary's interface goes down while a route to its
    health-check destination through vti2 exists (the kernel's fallback:
    with IPV6_PKTINFO alone, IPv6 probes did leave through vti2).  No
    probe from the primary's source leaves R other than through vti1
    (an nft counter on R's output, which also drops them); the backup,
    probed through the same socket, stays up; the primary comes back
    when its interface does."""
    s = vpnha
    (src, dst), (bsrc, bdst) = LEAK_ADDRS[family]
    v = "-%d" % family
    plen = 32 if family == 4 else 128
    if family == 6:
        for ns, ifname, a, b in ((s.r, "vti1", src, dst), (s.p, "cvti1", dst, src),
                                 (s.r, "vti2", bsrc, bdst), (s.p, "cvti2", bdst, bsrc)):
            ns.ip("-6", "addr", "add", a, "peer", b, "dev", ifname, "nodad")
    vt.pin_scheme_neighbours(s, [("vti1", src, "cvti1", dst), ("vti2", bsrc, "cvti2", bdst)])
    s.r.ip(v, "route", "add", "%s/%d" % (dst, plen), "dev", "vti2", "metric", "4000")
    proto = "ip saddr %s icmp type echo-request" % src if family == 4 else \
        "ip6 saddr %s icmpv6 type echo-request" % src
    vt.nft_table(s.r, "inet", "vpnha_leak", """\
table inet vpnha_leak {
    chain out {
        type filter hook output priority 0; policy accept;
        oifname != "vti1" %s counter drop
    }
    chain via {
        type filter hook output priority 1; policy accept;
        oifname "vti1" %s counter
    }
}
""" % (proto, proto))
    s.rt.configure(vt.health_check_config({"primary": {"source": src, "destination": dst},
                                           "backup": {"source": bsrc, "destination": bdst}}))
    wait_state(s, "primary", "up", 10, verdict="alive")
    wait_state(s, "backup", "up", 10, verdict="alive")
    assert nft_counter(s.r, "vpnha_leak", "via") > 0, "the rule counting vti1's probes never matched"
    sent0 = tunnel(s, "primary")["healthCheck"]["counters"]["probesSent"]

    s.r.link_set("vti1", "down")
    wait_state(s, "primary", "down", 5)
    time.sleep(2.0)  # 20 probes at 100 ms
    t = tunnel(s, "primary")
    sent = t["healthCheck"]["counters"]["probesSent"] - sent0
    leaked = nft_counter(s.r, "vpnha_leak", "out")
    print("IPv%d, vti1 down: %d probes sent, %d left through another interface" % (family, sent, leaked))
    assert sent >= 15, t["healthCheck"]
    assert leaked == 0, "%d probes left R through another interface" % leaked
    b = tunnel(s, "backup")
    assert b["state"] == "up" and b["healthCheck"]["verdict"] == "alive", b

    s.r.link_set("vti1", "up")
    wait_state(s, "primary", "up", 10, verdict="alive")
    assert nft_counter(s.r, "vpnha_leak", "out") == 0
    gw = s.rt.vtysh_json("show vpn-ha gateway json")["probeEngine"]
    print("probe engine: %s" % json.dumps(gw, sort_keys=True))
    assert gw["icmp%sSocket" % ("" if family == 4 else "6")] == 1, gw
    assert gw["probesSent"] > 0 and gw["repliesRead"] > 0, gw


def test_reply_through_another_tunnel_refused(vpnha_hc, block):
    """The primary fails silently; the genuine replies to its probes
    (right identifier, sequence, nonce, send time) come back through
    vti2 instead, to the primary's source address.  Per-tunnel sockets
    bound to vti1 never saw them; the shared socket does, and must refuse
    them for the interface: the primary stays down.  The backup, on the
    same socket, refuses nothing of its own replies."""
    s = vpnha_hc
    vt.pin_neighbour(s.p, "cvti2", "169.254.1.1", s.r, "vti2")
    for ns in (s.r, s.p):
        for key in ("net.ipv4.conf.all.rp_filter", "net.ipv4.conf.vti2.rp_filter",
                    "net.ipv4.conf.cvti2.rp_filter"):
            ns.run(["sysctl", "-qw", "%s=0" % key], check=False)
    routes = route_watch(s, 0.01)
    fail_primary(s, block, routes)
    mirror, line = icmp_peer(s, "mirror", "cvti1", "cvti2", "169.254.1.2", "169.254.1.1")
    assert line == "ready", line
    t0 = time.monotonic()
    time.sleep(3.0)
    mirror.stdin.close()
    out = mirror.stdout.read()
    mirror.wait(timeout=10)
    n = int(out.split()[1]) if out.startswith("mirrored ") else 0
    t = tunnel(s, "primary")
    rej = t["healthCheck"]["rejectedReplies"]
    print("mirrored %d replies through vti2; primary rejectedReplies %s" % (n, json.dumps(rej, sort_keys=True)))
    assert n >= 20, out
    assert t["state"] == "down" and t["healthCheck"]["verdict"] == "dead", t
    assert all(v == ["vti2"] for _, v in routes.history(since=t0)), routes.fmt(t0)
    # Most came through (a few may be late or lost at the edges).
    assert rej["wrongInterface"] >= n * 0.8, (n, rej)
    b = tunnel(s, "backup")["healthCheck"]
    assert b["rejectedReplies"]["wrongIdent"] == 0 and b["rejectedReplies"]["wrongInterface"] == 0, b
    assert b["verdict"] == "alive", b
