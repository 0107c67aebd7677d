# SPDX-License-Identifier: GPL-2.0-or-later
"""Configuration files through vtysh -f and vtysh -b: a large file loads
in linear time (one pending commit, no sweeps), checks still name the
offending line, and a file whose grouped commit fails is refused whole.
bench/config_scale.py measures the same up to 10 000 tunnels."""

import os
import time

import pytest

import vpnha_topo as vt
from conftest import require_vpnha

# 2000 tunnels, 4000 routes: ~1-3 s here since the O(N^2) went (it took
# ~80 s before: 18 s for 1000).  The bound leaves room for a loaded CI.
N_BIG = 2000
BOUND_S = 25.0


def big_config(n):
    L = ["vpn-ha", " peer cloud-a", "  address 203.0.113.1", " exit"]
    for i in range(1, n + 1):
        off = (i - 1) * 4
        L += [" tunnel t%d" % i, "  interface vti%d" % i, "  peer cloud-a",
              "  health-check source 169.254.%d.%d destination 169.254.%d.%d"
              % (off // 256, off % 256 + 1, off // 256, off % 256 + 2),
              " exit"]
    for k in range(n // 2):
        for j in (0, 1):
            p = 2 * k + j
            L.append(" route 10.%d.%d.0/24 tunnel t%d weight 0" % (p // 256, p % 256, 2 * k + 1))
            L.append(" route 10.%d.%d.0/24 tunnel t%d weight 100" % (p // 256, p % 256, 2 * k + 2))
    L.append("exit")
    return "\n".join(L) + "\n"


@pytest.fixture
def router(logdir):
    require_vpnha()
    r = vt.Netns("r")
    rt = vt.FrrRouter(r, logdir)
    rt.start_zebra()
    rt.start_vpnhad()
    return rt


def vtysh_file(rt, logdir, name, text, timeout=60):
    path = os.path.join(logdir, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    t0 = time.monotonic()
    cp = rt.ns.run(rt.vtysh_argv([], extra=["-f", path]), check=False, timeout=timeout)
    return time.monotonic() - t0, cp.stdout + cp.stderr


def counts(rt):
    j = rt.vtysh_json("show vpn-ha json", timeout=60)
    return len(j["tunnels"]), sum(len(p["paths"]) for p in j["routes"].values())


def test_big_file_loads_in_linear_time(router, logdir):
    rt = router
    dt, out = vtysh_file(rt, logdir, "big.conf", big_config(N_BIG), timeout=300)
    assert "%" not in out and "line " not in out, out[:2000]
    print("vtysh -f, %d tunnels: %.2f s" % (N_BIG, dt))
    assert dt < BOUND_S, "vtysh -f of %d tunnels took %.1f s" % (N_BIG, dt)
    assert counts(rt) == (N_BIG, 2 * N_BIG)

    # The same at boot: write memory, a fresh vpnhad, vtysh -b.
    rt.write_memory()
    rt.stop("vpnhad")
    rt.start_vpnhad()
    t0 = time.monotonic()
    rt.boot(timeout=300)
    dt = time.monotonic() - t0
    print("vtysh -b, %d tunnels: %.2f s" % (N_BIG, dt))
    assert dt < BOUND_S, "vtysh -b of %d tunnels took %.1f s" % (N_BIG, dt)
    assert counts(rt) == (N_BIG, 2 * N_BIG)


def test_file_check_names_its_line(router, logdir):
    """The unique-interface check answers from its index in a file: the
    second tunnel on vti1 is refused at its line, the rest applies."""
    rt = router
    _, out = vtysh_file(rt, logdir, "dup.conf", "\n".join([
        "vpn-ha", " tunnel a", "  interface vti1", " exit",
        " tunnel b", "  interface vti2", " exit",
        " tunnel c", "  interface vti1", " exit",
        " tunnel b", "  interface vti3", " exit",
        " tunnel d", "  interface vti2", " exit", "exit", ""]))
    assert "% tunnel interface vti1 is already tunnel a's" in out, out
    assert "line 9:" in out, out
    # vti2 was freed by b earlier in the same file: d may take it.
    assert "vti2 is already" not in out, out
    cfg = vt.config_block(rt.running_config(daemon="vpnhad"), "vpn-ha")
    want = ["vpn-ha", " tunnel a", "  interface vti1", " exit", " tunnel b", "  interface vti3",
            " exit", " tunnel c", " exit", " tunnel d", "  interface vti2", " exit", "exit"]
    if vt.LISTS_SORTED_BY_KEY:
        want = vt.system_order(want)
    assert cfg == want, cfg


def test_file_commit_failure_refuses_the_file(router, logdir):
    """One transaction per file (also on FRR 8.4, where `exit` used to
    commit each block): a failed commit refuses every line of it and
    lists them."""
    rt = router
    _, out = vtysh_file(rt, logdir, "bad.conf", "\n".join([
        "vpn-ha", " tunnel a", "  interface vti1",
        "  health-check source 169.254.0.1 destination 169.254.0.2",
        "  health-check interval 10", "  health-check timeout 5000", " exit",
        " tunnel b", "  interface vti2", " exit",
        " route 10.0.0.0/24 tunnel b", "exit", ""]))
    assert "health-check timeout 5000 ms needs more than 16 probes in flight" in out, out
    assert "dynamically grouped into the same transaction" in out, out
    assert "-  route 10.0.0.0/24 tunnel b" in out, out
    assert counts(rt) == (0, 0)
