# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 15: the scheme as the cloud vendor draws it, end to end, both
directions, the IDC network following over OSPF and over BGP (README,
"The whole scheme").  Topology, streams and the measured sequence
(steady state, silent failure of tunnel B, repair) are in scheme_topo.py
(shared with `tools/demo.sh --scheme`); this test runs them for each IGP
and adds the control:

4. D advertising unconditionally (a static route in table 100 instead of
   advertise-table) -- the same failure leaves L on D, its traffic into
   the dead tunnel: the check of step 2 would fail.
"""

import time

import pytest

import scheme_topo as st


def control(tp, igp_ms):
    """Step 4: without advertise-table L stays on the dead D.  Returns how
    long it was watched (s)."""
    d = tp.rt["d"]
    # vpnhad's advertisement goes, then staticd's route in table 100
    # takes its place (in this order: FRR 10.3's import-table drops the
    # imported copy when one of two routes of the prefix in table 100
    # goes, even if the other stays selected), and L is back on D.
    d.configure("vpn-ha\n no advertise-table\nexit\n")
    tp.wait(lambda: tp.advertised("d"), 5, ok=lambda v: v is None, desc="D's advertise-table removed")
    d.configure("ip route %s tuna table %d\n" % (st.VPC, st.TABLE))
    tp.wait(lambda: d.vtysh_json("show ip route table %d json" % st.TABLE).get(st.VPC, []), 5,
            ok=lambda es: any(x.get("selected") and x.get("distance") == 1 for x in es),
            desc="D's static route selected in table %d" % st.TABLE)
    tp.wait(tp.l_devs, st.CONVERGE_S, ok=lambda v: v == ["ethd"], desc="L on D again (static advertisement)")
    tp.break_b()
    tp.wait(lambda: tp.state("d", "b"), st.CONVERGE_S, ok=lambda v: v == "down", desc="D's tunnel down")
    tp.wait(tp.a_devs, st.CONVERGE_S, ok=lambda v: v == ["tunc"], desc="A on C (control)")
    # L stays on the dead D: 10 x the IGP convergence measured before
    # and at least 2 s after D's verdict.
    hold = max(2.0, 10 * igp_ms / 1000.0)
    t_stop = time.monotonic() + hold
    while time.monotonic() < t_stop:
        if tp.l_devs() != ["ethd"]:
            raise AssertionError("control: L moved without advertise-table?!\n%s" % (
                tp.diag() + "\n--- d: show ip route table %d\n%s" % (
                    st.TABLE, d.vtysh_raw("show ip route table %d" % st.TABLE).stdout)))
        time.sleep(0.05)
    assert tp.l_rib_devs() == ["ethd"]
    return hold


@pytest.mark.parametrize("proto", st.PROTOS)
def test_scheme_both_directions(logdir, proto):
    t_begin = time.monotonic()
    tp = st.Topo(logdir, proto)
    res = st.run(tp)
    hold = control(tp, res["igp_ms"])
    print("\n" + st.figures(tp, res))
    print("control without advertise-table: L stayed on the dead D for %.1f s" % hold)
    print("set-up %.1f s, test %.1f s; observed: %s" % (
        res["setup_s"], time.monotonic() - t_begin, res["seen"]))
    print("streams: %s\n         %s" % res["streams"])
