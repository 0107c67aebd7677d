# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-test of the namespace infrastructure with stock FRR only (zebra +
staticd): no vpnhad needed. Runs with the stock vtysh and, when built,
the patched one (which must still drive the stock daemons)."""

import os

import pytest

import vpnha_topo as vt

VTYSHES = [pytest.param(vt.STOCK_VTYSH, id="stock-vtysh")]
if vt.is_executable(vt.vpnha_vtysh_path()):
    VTYSHES.append(pytest.param(vt.vpnha_vtysh_path(), id="vpnha-vtysh"))


def test_json_subset():
    a = {"x": {"y": [1, {"z": True}], "w": 2}}
    assert vt.json_subset(a, {"x": {"y": [1, {"z": True}]}}) is None
    assert vt.json_subset(a, {"x": {"v": None}}) is None
    assert "expected absent" in vt.json_subset(a, {"x": {"w": None}})
    assert "missing" in vt.json_subset(a, {"q": 1})
    assert vt.json_subset(a, {"x": {"y": [1, {"z": 1}]}}) is not None  # bool != int
    assert vt.json_subset(a, {"x": {"y": [1]}}) is None
    assert vt.json_subset(a, {"x": {"y": [1]}}, exact_lists=True) is not None


def test_wait_for_reports_last_value():
    with pytest.raises(AssertionError, match="last observed:\n41"):
        vt.wait_for(lambda: 41, 0.1, ok=lambda v: v == 42, desc="the answer")


@pytest.mark.parametrize("vtysh", VTYSHES)
def test_static_route_over_veth(logdir, vtysh):
    s = vt.Scheme(logdir, vtysh=vtysh)
    rt = s.rt
    rt.start_daemon("staticd")
    assert s.kernel_devs() == []
    rt.configure("ip route 10.20.0.0/16 vti1 10\nip route 10.20.0.0/16 vti2 20\n")
    s.wait_kernel_devs(["vti1"])
    rib = vt.wait_for(lambda: rt.rib_sorted(s.prefix), 5, ok=lambda r: len(r) == 2, desc="two RIB entries")
    diff = vt.json_subset(rib, [
        {"protocol": "static", "distance": 10, "selected": True, "installed": True,
         "instance": None, "nexthops": [{"interfaceName": "vti1"}]},
        {"protocol": "static", "distance": 20, "selected": None, "installed": None,
         "nexthops": [{"interfaceName": "vti2"}]},
    ], exact_lists=True)
    assert diff is None, diff
    # Traffic follows the ifindex-only route to P's 10.20.0.0/16.
    assert vt.reachable(s.r, "10.20.7.7")
    # Withdraw the primary: the kernel moves to vti2.
    rt.configure("no ip route 10.20.0.0/16 vti1 10")
    s.wait_kernel_devs(["vti2"])
    assert vt.reachable(s.r, "10.20.7.7")
    # Error detection: a bad command raises, with FRR's message.
    with pytest.raises(vt.CommandError, match="%"):
        rt.configure("ip route 10.20.0.0/33 vti1")
    # write memory + restart staticd + vtysh -b: the route comes back.
    rt.write_memory()
    conf = open(rt.confdir + "/frr.conf").read()
    assert "ip route 10.20.0.0/16 vti2 20" in conf
    rt.stop("staticd")
    s.wait_kernel_devs([])
    rt.start_daemon("staticd")
    rt.boot()
    s.wait_kernel_devs(["vti2"])
    assert "ip route 10.20.0.0/16 vti2 20" in rt.running_config()


def test_cleanup_after_failure(logdir):
    names = []
    with pytest.raises(RuntimeError):
        with vt.registry_scope("inner"):
            s = vt.Scheme(logdir)
            names += [s.r.name, s.p.name]
            raise RuntimeError("boom")
    left = set(vt.netns_list()) & set(names)
    assert not left
    assert not any(os.path.exists("/var/run/frr/" + n) for n in names)
