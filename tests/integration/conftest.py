# SPDX-License-Identifier: GPL-2.0-or-later
"""pytest fixtures for the vpnhad namespace integration tests.

- a session-wide sweep of leftovers from crashed runs (before and after);
- a per-test cleanup registry: namespaces, daemons, nft tables and FRR
  directories created by a test are removed even when it fails;
- `scheme`: the README topology (R with zebra, P playing both clouds);
- `vpnha`: `scheme` plus vpnhad started in R and the README config applied;
- on failure the tails of the daemons' logs are attached to the report.
"""

import os

import pytest

import vpnha_topo as vt


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: waits for a timer of several seconds")
    config.addinivalue_line(
        "markers",
        "vpnha_hc(primary=None, backup=None, **common): health-check parameters for the "
        "`vpnha_hc` fixture (e.g. hold_down=1000, primary={'preempt': False})")


@pytest.fixture(scope="session", autouse=True)
def _session_sweep():
    if os.geteuid() != 0:
        pytest.skip("namespace tests need root")
    vt.sweep_stale()
    yield
    vt._close_all()
    left = vt.sweep_stale(include_own=True)
    assert not left, "leftovers after the session: %s" % left


@pytest.fixture(autouse=True)
def _sanitizer_reports(request):
    """With VPNHA_SANITIZER_LOGDIR set (tools/sanitize.sh --integration:
    the daemon is the ASan/UBSan build, log_path points there), a report
    file that appears during a test, its daemons stopped (LeakSanitizer
    runs at exit), fails that test; the reports are copied to its log."""
    d = os.environ.get("VPNHA_SANITIZER_LOGDIR")
    if not d:
        yield
        return
    before = set(os.listdir(d))
    yield
    new = sorted(set(os.listdir(d)) - before)
    if new:
        text = "".join("=== %s\n%s" % (f, open(os.path.join(d, f), errors="replace").read()) for f in new)
        pytest.fail("sanitizer reports during %s:\n%s" % (request.node.nodeid, text), pytrace=False)


@pytest.fixture(autouse=True)
def _test_registry(request, _sanitizer_reports):
    with vt.registry_scope(request.node.nodeid) as reg:
        yield reg


@pytest.fixture
def logdir(tmp_path):
    d = tmp_path / "logs"
    d.mkdir()
    return str(d)


@pytest.fixture
def scheme(logdir):
    """R + P with both veth "tunnels"; zebra running in R."""
    return vt.Scheme(logdir)


def require_vpnha():
    missing = [p for p in (vt.vpnha_daemon_path(), vt.vpnha_vtysh_path()) if not vt.is_executable(p)]
    if missing:
        pytest.fail("not built: %s (set VPNHA_DAEMON / VPNHA_VTYSH)" % ", ".join(missing), pytrace=False)


@pytest.fixture
def vpnha(scheme):
    """`scheme` with vpnhad running in R and the README config applied."""
    require_vpnha()
    scheme.rt.start_vpnhad()
    scheme.rt.configure(vt.README_CONFIG)
    return scheme


@pytest.fixture
def vpnha_hc(vpnha, request):
    """`vpnha` plus a health check on both tunnels (README addresses),
    both tunnels up (health alive) and the kernel route on vti1.

    Parameters from @pytest.mark.vpnha_hc(primary={...}, backup={...},
    **common): common keywords apply to both tunnels, the per-tunnel
    dicts override them (see vt.health_check_config)."""
    marker = request.node.get_closest_marker("vpnha_hc")
    kw = dict(marker.kwargs) if marker else {}
    per = {name: kw.pop(name, None) or {} for name in ("primary", "backup")}
    tunnels = {name: dict(kw, **per[name]) for name in ("primary", "backup")}
    s = vpnha
    vt.pin_scheme_neighbours(s)
    s.rt.configure(vt.health_check_config(tunnels))

    def both_up():
        t = s.rt.vtysh_json("show vpn-ha tunnel json")["tunnels"]
        return {n: (t[n]["state"], t[n].get("healthCheck", {}).get("verdict"),
                    t[n].get("healthCheck", {}).get("rttSamples", 0) >= 8) for n in t}

    # Up, and the RTT estimate ready: adaptive detection uses it from
    # its 8th sample on (the timeout before; vpnha_health.h, Detection).
    vt.wait_for(both_up, 10, ok=lambda v: all(x == ("up", "alive", True) for x in v.values()),
                desc="both tunnels up with a passing health check and 8 RTT samples")
    s.wait_kernel_devs(["vti1"])
    s.hc = tunnels
    return s


@pytest.fixture
def block(scheme):
    """vt.NftBlock in P: drop(ifname)/allow(ifname) silent failures of the
    tunnels (cvti1 = primary, cvti2 = backup); removed at cleanup."""
    return vt.NftBlock(scheme.p)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and vt.ACTIVE_ROUTERS:
        for rt in vt.ACTIVE_ROUTERS:
            report.sections.append(("daemon logs %s (%s)" % (rt.name, report.when), rt.logs()))
