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
def _test_registry(request):
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and vt.ACTIVE_ROUTERS:
        for rt in vt.ACTIVE_ROUTERS:
            report.sections.append(("daemon logs %s (%s)" % (rt.name, report.when), rt.logs()))
