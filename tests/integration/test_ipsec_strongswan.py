# SPDX-License-Identifier: GPL-2.0-or-later
"""vpnhad drives strongSwan (issue 5): the tunnels' IPsec connections
come from vpnhad's own configuration, entered with vtysh.

The testbed (tests/ipsec/testbed.py, vpnha_ipsec=True) starts R's two
charons (one per tunnel: kernel-libipsec gives one TUN per process)
without any connection. vpnhad loads each tunnel's connection and key
over that charon's VICI socket, initiates it, follows its SA through
VICI events, fails the tunnel over at once when the SA goes, and
re-initiates it. The gateways G1/G2 keep their hand-written swanctl
configuration (they stand for the cloud side).

Skipped when strongSwan's kernel-libipsec is not installed.
"""

import os
import sys
import time

import pytest

import vpnha_topo as vt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ipsec"))
import testbed  # noqa: E402

_ok, _why = testbed.available()
pytestmark = pytest.mark.skipif(not _ok, reason=_why or "strongSwan kernel-libipsec available")

# Probes alone would need 50 x 100 ms to see a dead tunnel: a failover
# well inside that comes from the SA signal.
HC_SLOW = ("health-check miss-count 50", "health-check hold-down 500",
           "health-check recovery-count 5")
SA_FAILOVER_BOUND_S = 2.0


def ipsec_state(tb):
    j = tb.rt.vtysh_json("show vpn-ha tunnel json")["tunnels"]
    return {n: (j[n]["state"], j[n].get("ipsec", {}).get("saState")) for n in j}


@pytest.fixture
def sw(logdir):
    """Testbed whose R-side connections come from vpnhad only."""
    for p in (vt.vpnha_daemon_path(), vt.vpnha_vtysh_path()):
        if not vt.is_executable(p):
            pytest.fail("not built: %s" % p, pytrace=False)
    tb = testbed.Testbed(logdir, vpnha_ipsec=True)
    try:
        tb.build()
        # Nothing on R before vpnhad: no SA, no connection.
        for i in testbed.TUNNELS:
            assert tb.sas(i) == {"ike": None, "child": None}
        tb.rt.start_vpnhad()
        tb.rt.configure(tb.vpnha_config(hc_extra=HC_SLOW))
        vt.wait_for(lambda: ipsec_state(tb), 15,
                    ok=lambda v: v == {"primary": ("up", "up"), "backup": ("up", "up")},
                    desc="both tunnels brought up by vpnhad, SAs up, probes passing")
        tb.wait_kernel_devs(["ipsec0"])
        yield tb
    except BaseException:
        sys.stderr.write(tb.logs())
        raise
    finally:
        tb.teardown()


def test_tunnels_come_up_from_vtysh_config(sw):
    tb = sw
    # charon holds exactly the connections vpnhad generated.
    for i, name in ((1, "primary"), (2, "backup")):
        conns = tb.charons[("r", i)].swanctl("--list-conns").stdout
        assert "vpnha-%s:" % name in conns, conns
        assert tb.sas(i) == {"ike": "ESTABLISHED", "child": "INSTALLED"}
    j = tb.rt.vtysh_json("show vpn-ha ipsec json")
    assert j["backend"] == "strongswan" and j["connected"] is True, j
    assert {n: t["saState"] for n, t in j["tunnels"].items()} == {"primary": "up", "backup": "up"}
    # A dump sent before charon listed a just-initiated IKE SA did not
    # call it gone (that initiated it a second time: a duplicate IKE SA).
    with open(os.path.join(tb.logdir, "vpnhad.log")) as f:
        assert "connecting -> down: no IKE SA" not in f.read()
    # Traffic crosses the primary tunnel.
    st = vt.UdpStream(tb.s, tb.v, testbed.V_ADDR, 5301, 200, late_ms=100, max_s=10).start()
    time.sleep(1.0)
    res = st.stop()
    assert res.received > 150 and not res.lost, vars(res)
    assert tb.gw_tun_rx()[1] > 150
    # The key: obscured in the configuration, absent from show and logs.
    rc = tb.rt.vtysh("show running-config")
    assert "ipsec pre-shared-key 7 " in rc and testbed.PSK not in rc
    gen = tb.rt.vtysh("show vpn-ha tunnel primary ipsec-config")
    assert "vpnha-primary" in gen and "<hidden>" in gen and testbed.PSK not in gen
    with open(os.path.join(tb.logdir, "vpnhad.log")) as f:
        assert testbed.PSK not in f.read()


def test_sa_loss_fails_over_at_once_and_is_reinitiated(sw):
    tb = sw
    before = tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]["ipsec"]
    # The cloud side deletes the IKE SA (and its Child SA): R's charon
    # reports it over VICI, long before 50 probes could be missed.
    t0 = time.monotonic()
    tb.charons[("g", 1)].swanctl("--terminate", "--ike", "t1", "--timeout", "2")
    tb.wait_kernel_devs(["ipsec1"], timeout=SA_FAILOVER_BOUND_S)
    took = time.monotonic() - t0
    print("\nSA deleted -> kernel route on the backup: %.0f ms" % (took * 1000))
    # vpnhad re-initiated the tunnel; the probes then prove it and the
    # routes come back after the (shortened) hold-down.
    after = vt.wait_for(lambda: tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"],
                        15, ok=lambda t: t["state"] == "up" and t["ipsec"]["saState"] == "up",
                        desc="primary re-initiated by vpnhad and back up")
    assert after["ipsec"]["initiations"] > before["initiations"], after
    assert after["ipsec"]["saDowns"] == before["saDowns"] + 1, after
    assert after["healthCheck"]["counters"]["probesLost"] < 50
    tb.wait_kernel_devs(["ipsec0"], timeout=5)
    log = vt.log_tail(os.path.join(tb.logdir, "vpnhad.log"), 200)
    assert "tunnel primary: up -> down (IPsec SA down)" in log, log


def test_connection_changed_while_negotiating_is_initiated_at_once(sw):
    """Seen in CI (scheme testbed): a connection that changed while its
    IKE SA was being negotiated was terminated by the reload and left
    "connecting"; the new one was initiated only when a dump found
    nothing, 5 to 10 s later.  Here: G1 drops what R sends, deletes the
    SA, vpnhad re-initiates (stuck connecting); G1 answers again and the
    connection changes (ipsec dpd): the SA must be up within 3 s."""
    tb = sw
    tb.silence(1)
    # Its DELETE reaches R; the answer does not (so "failed").
    tb.charons[("g", 1)].swanctl("--terminate", "--ike", "t1", "--timeout", "1", check=False)
    vt.wait_for(lambda: ipsec_state(tb)["primary"][1], 10, ok=lambda v: v == "connecting",
                desc="primary re-initiated, negotiating with a silent G1")
    tb.silence_restore(1)
    t0 = time.monotonic()
    tb.rt.configure("vpn-ha\n tunnel primary\n  ipsec dpd 2\n exit\nexit\n")
    vt.wait_for(lambda: ipsec_state(tb)["primary"][1], 3, ok=lambda v: v == "up",
                desc="the changed connection initiated at once and up")
    print("\nconnection changed -> SA up: %.0f ms" % ((time.monotonic() - t0) * 1000))
    log = vt.log_tail(os.path.join(tb.logdir, "vpnhad.log"), 200)
    assert "connection changed while negotiating" in log, log


def test_foreign_connections_are_never_touched(sw):
    tb = sw
    c = tb.charons[("r", 1)]
    foreign = os.path.join(c.workdir, "foreign.conf")
    with open(foreign, "w") as f:
        f.write("connections {\n other {\n  remote_addrs = 192.0.2.99\n"
                "  local { auth = psk }\n  remote { auth = psk }\n"
                "  children { other { } }\n }\n}\n")
    c.swanctl("--load-conns", "--file", foreign)
    # Removing the tunnel's ipsec: vpnhad unloads its own connection only.
    tb.rt.vtysh("configure terminal", "vpn-ha", "tunnel primary", "no ipsec")
    conns = vt.wait_for(lambda: c.swanctl("--list-conns").stdout, 5,
                        ok=lambda out: "vpnha-primary" not in out, desc="vpnha-primary unloaded")
    assert "other:" in conns, conns
    vt.wait_for(lambda: tb.sas(1)["ike"], 5, ok=lambda v: v is None, desc="vpnha-primary's IKE SA closed")
    # Routing goes on with the probes alone (they now fail: no SA).
    j = tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]
    assert "ipsec" not in j


def _ike_ids(c):
    """Unique ids of the IKE SAs a charon holds."""
    out = c.swanctl("--list-sas", "--raw").stdout
    return sorted(tok.split("=", 1)[1] for tok in out.split() if tok.startswith("uniqueid="))


def test_restart_keeps_sas_and_unreachable_charon_leaves_routing_to_probes(sw):
    tb = sw
    r1, r2 = tb.charons[("r", 1)], tb.charons[("r", 2)]
    ids1, ids2 = _ike_ids(r1), _ike_ids(r2)
    assert len(ids1) == 1 and len(ids2) == 1, (ids1, ids2)
    # charon 2's socket disappears (charon itself, and its SA, stay).
    hidden = r2.vici + ".hidden"
    os.rename(r2.vici, hidden)
    try:
        tb.rt.restart("vpnhad")
        tb.rt.configure(tb.vpnha_config(hc_extra=HC_SLOW))
        t = vt.wait_for(lambda: tb.rt.vtysh_json("show vpn-ha tunnel backup json")["tunnels"]["backup"],
                        10, ok=lambda t: t["ipsec"]["saState"] == "unknown" and t["state"] == "up",
                        desc="backup: SA state unknown, tunnel up on its probes")
        assert "charon not reachable" in t["ipsec"]["detail"], t
        j = tb.rt.vtysh_json("show vpn-ha ipsec json")
        assert "connect" in j["lastError"], j
        vt.wait_for(lambda: ipsec_state(tb)["primary"], 10, ok=lambda v: v == ("up", "up"),
                    desc="primary found up again after the restart")
        with open(os.path.join(tb.logdir, "vpnhad.log")) as f:
            assert "r-t2.vici: connect" in f.read()
    finally:
        os.rename(hidden, r2.vici)
    vt.wait_for(lambda: ipsec_state(tb)["backup"], 5, ok=lambda v: v == ("up", "up"),
                desc="backup SA seen again once charon is reachable")
    # The restart cut nothing: the same IKE SAs, no duplicate initiated.
    assert _ike_ids(r1) == ids1 and _ike_ids(r2) == ids2


# The kernel's share of a device's death (see below); as
# test_faults.py's interface-deleted case.
KERNEL_FLUSH_GAP_S = 0.3


def test_charon_killed_and_restarted(sw):
    """Fault matrix (issue 13): R's charon for the primary is SIGKILLed
    (its SA and, with kernel-libipsec, its TUN die with it) and started
    again empty.  The route leaves the primary at once, never vanishes
    (except for the kernel's own flush right after the kill, see below),
    and comes back only after vpnhad has reloaded and re-initiated the
    connection and the probes have proven it (recovery + hold-down)."""
    from test_health import Watch

    tb = sw
    routes = Watch(tb.kernel_devs, 0.01, "route watch")
    ch = tb.charons[("r", 1)]
    t0 = time.monotonic()
    ch.kill()
    tb.wait_kernel_devs(["ipsec1"], timeout=SA_FAILOVER_BOUND_S)
    t_gone = time.monotonic()
    time.sleep(1.0)
    ch.start()
    t_back = time.monotonic()
    t = vt.wait_for(lambda: tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"],
                    30, ok=lambda t: t["state"] == "up" and t["ipsec"]["saState"] == "up",
                    desc="primary reloaded, re-initiated and up after charon's restart")
    tb.wait_kernel_devs(["ipsec0"], timeout=5)
    t_route = routes.wait(lambda v: v == ["ipsec0"], 1, since=t_back, desc="route on ipsec0 again")
    hist = routes.history(since=t0)
    fmt = routes.fmt(t0)
    print("\ncharon SIGKILL at 0, route on ipsec1 after %.0f ms, charon back at +%.1fs, "
          "primary route back at +%.1fs: %s" % ((t_gone - t0) * 1000, t_back - t0, t_route - t0, fmt))
    # With kernel-libipsec the primary's TUN dies with charon, and the
    # kernel drops the routes through it on its own, at once.  vpnhad
    # (VICI EOF) and zebra (link delete) race with that: zebra 8.4 has
    # the backup's route in first (seen: no gap); zebra 10.3 after it
    # (seen twice: ~25 ms with no route; where 10.3 spends the extra
    # milliseconds was not measured).  No daemon can prevent the kernel's flush, so a gap is
    # allowed right after the kill only, bounded as in test_faults.py's
    # tunnel-interface-deleted case; never later, never into ipsec0.
    gaps = [tt for tt, v in hist if not v]
    assert all(tt <= t0 + KERNEL_FLUSH_GAP_S for tt in gaps), "no route at some point: %s" % fmt
    assert not any("ipsec0" in v for tt, v in hist if t_gone <= tt < t_back + 0.5), fmt
    # Proven first: recovery-count 5 x 100 ms and hold-down 500 ms after
    # the SA came back, which itself follows charon's restart.
    assert t_route - t_back >= 1.0 - 0.05, fmt
    assert t["ipsec"]["initiations"] >= 2, t


def test_restart_with_config_arriving_in_pieces_keeps_sas(sw):
    """After a restart the configuration comes one commit per line: a
    connection loaded from the first lines (charon connected quickly)
    then changes with every further line.  Those changes complete what
    the running SA was built from; they must not terminate it.  Made
    deterministic here by sending the last IPsec lines separately."""
    tb = sw
    r1 = tb.charons[("r", 1)]
    ids1 = _ike_ids(r1)
    assert len(ids1) == 1, ids1
    full = tb.vpnha_config(hc_extra=HC_SLOW)
    late = ("  ipsec ike ", "  ipsec esp ", "  ipsec dpd ")
    first = "".join(l + "\n" for l in full.splitlines() if not l.startswith(late))
    tb.rt.restart("vpnhad")
    tb.rt.configure(first)
    # charon reached, the partial connection loaded, the SA found up.
    vt.wait_for(lambda: ipsec_state(tb)["primary"][1], 10, ok=lambda v: v == "up",
                desc="primary's running SA found by the restarted vpnhad")
    tb.rt.configure(full)
    vt.wait_for(lambda: ipsec_state(tb), 10,
                ok=lambda v: v == {"primary": ("up", "up"), "backup": ("up", "up")},
                desc="both tunnels up with the full configuration")
    time.sleep(1.0)  # a terminate sent without waiting would show by now
    assert _ike_ids(r1) == ids1
    j = tb.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]["ipsec"]
    assert j["saDowns"] == 0 and j["initiations"] == 0, j
    # The generated connection is the full one.
    assert "dpd_delay = 1" in tb.rt.vtysh("show vpn-ha tunnel primary ipsec-config")
