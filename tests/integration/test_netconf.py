# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 12: NETCONF (RFC 6241 over SSH) for vpnhad, driven by ncclient.

vpnhad runs in R of the README scheme with its NETCONF module
(nc_topo.NetconfServer: users ops = read-write, noc = read-only).  Every
change must reach zebra's RIB and the kernel like a vtysh change, bad
edits must come back as rpc-errors and change nothing, and a stalled
or garbage-sending client must not delay vtysh or the probes.
"""

import datetime
import os
import pwd
import re
import stat
import threading
import time

import pytest

pytest.importorskip("ncclient", reason="python3-ncclient is not installed")

from ncclient.operations.rpc import RPCError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402
from ncclient.transport.errors import AuthenticationError, SSHError  # noqa: E402

import nc_topo  # noqa: E402
from nc_topo import README_XML, VPNHA_NS, config_xml  # noqa: E402
import vpnha_topo as vt  # noqa: E402

PREFIX = vt.SCHEME_PREFIX
NSMAP = {"v": VPNHA_NS}


@pytest.fixture(autouse=True)
def _module_built():
    if not os.path.exists(nc_topo.module_path()):
        pytest.skip("NETCONF module not built (configure found no libnetconf2)")


@pytest.fixture
def ncd(scheme):
    """vpnhad with the NETCONF module in R; nothing configured."""
    return nc_topo.NetconfServer(scheme)


@pytest.fixture
def ncd_scheme(ncd):
    """ncd plus the README scheme applied through vtysh."""
    ncd.rt.configure(vt.README_CONFIG)
    return ncd


def running(rt):
    return rt.running_config(daemon="vpnhad")


def wait_rib_distances(rt, distances, timeout=5.0):
    return vt.wait_for(
        lambda: sorted(e["distance"] for e in rt.rib_sorted(PREFIX, protocol="static")),
        timeout, ok=lambda d: d == distances, desc="static distances %s" % distances)


def rpc_error(excinfo):
    """(tag, path, message) of an ncclient RPCError."""
    e = excinfo.value
    return e.tag, (e.path or "").strip(), (e.message or "").strip()


# ---------------------------------------------------------------------------
# hello, schema, the README scheme over NETCONF


def test_hello_and_schema(ncd):
    m = ncd.connect()
    caps = list(m.server_capabilities)
    assert any(c.startswith(VPNHA_NS + "?module=frr-vpnhad") for c in caps), "\n".join(caps)
    assert any("yang-library" in c for c in caps), caps
    for c in ("urn:ietf:params:netconf:capability:candidate:1.0",
              "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
              "urn:ietf:params:netconf:capability:validate:1.1",
              "urn:ietf:params:netconf:capability:xpath:1.0"):
        assert c in caps
    # The host key: created at the first start, 0600, owned by frr.
    st = os.stat(os.path.join(ncd.rt.confdir, "netconf_host_key"))
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert pwd.getpwuid(st.st_uid).pw_name == "frr"
    key = open(os.path.join(ncd.rt.confdir, "netconf_host_key"), "rb").read()
    schema = m.get_schema("frr-vpnhad")
    text = schema.data if hasattr(schema, "data") else str(schema)
    assert "module frr-vpnhad" in text
    assert "notification tunnel-state-change" in text
    # A restart keeps the host key.
    m.close_session()
    ncd.rt.stop("vpnhad")
    ncd.start()
    assert open(os.path.join(ncd.rt.confdir, "netconf_host_key"), "rb").read() == key
    ncd.connect().get_config(source="running")


def test_scheme_over_netconf_reaches_rib_and_kernel(ncd):
    m = ncd.connect()
    m.edit_config(target="running", config=README_XML)
    wait_rib_distances(ncd.rt, [1, 101])
    ncd.s.wait_kernel_devs(["vti1"])
    cfg = running(ncd.rt)
    for line in ("tunnel primary", "interface vti1",
                 "route 10.20.0.0/16 tunnel backup weight 100"):
        assert line in cfg
    # get-config with a subtree filter: only the primary tunnel.
    flt = ('<vpnhad xmlns="%s"><tunnel><name>primary</name></tunnel></vpnhad>' % VPNHA_NS)
    data = m.get_config(source="running", filter=("subtree", flt)).data_ele
    names = data.xpath("//v:tunnel/v:name/text()", namespaces=NSMAP)
    assert names == ["primary"]
    assert data.xpath("//v:vpnhad/v:peer", namespaces=NSMAP) == []
    assert data.xpath("//v:tunnel/v:interface/text()", namespaces=NSMAP) == ["vti1"]
    # XPath filter, and <get> with state.
    data = m.get(filter=("xpath", (NSMAP, "/v:vpnhad/v:tunnel[v:name='backup']"))).data_ele
    assert data.xpath("//v:tunnel/v:name/text()", namespaces=NSMAP) == ["backup"]
    states = data.xpath("//v:tunnel/v:state/v:state/text()", namespaces=NSMAP)
    assert states and states[0] in ("up", "init", "down", "recovering")
    # The YANG library names frr-vpnhad; FRR's own state view still works.
    yl = m.get(filter=("xpath", ({"yl": "urn:ietf:params:xml:ns:yang:ietf-yang-library"},
                                 "/yl:yang-library"))).data_xml
    assert "<name>frr-vpnhad</name>" in yl
    yl = m.get(filter=("subtree", '<yang-library xmlns="urn:ietf:params:xml:ns:yang:'
                                  'ietf-yang-library"/>')).data_xml
    assert "<name>frr-vpnhad</name>" in yl
    oper = ncd.rt.vtysh_json("show yang operational-data /frr-vpnhad:vpnhad vpnhad")
    assert oper["frr-vpnhad:vpnhad"]["tunnel"]


def test_candidate_commit_discard_validate_lock(ncd_scheme):
    ncd = ncd_scheme
    m = ncd.connect()
    m2 = ncd.connect()
    before = running(ncd.rt)
    # An edit of the candidate changes nothing until <commit>.
    m.edit_config(target="candidate", config=config_xml(
        "<route><prefix>10.20.0.0/16</prefix><tunnel>backup</tunnel><weight>50</weight></route>"))
    assert running(ncd.rt) == before
    m.validate(source="candidate")
    m.discard_changes()
    m.commit()
    assert running(ncd.rt) == before
    m.edit_config(target="candidate", config=config_xml(
        "<route><prefix>10.20.0.0/16</prefix><tunnel>backup</tunnel><weight>50</weight></route>"))
    m.commit()
    wait_rib_distances(ncd.rt, [1, 51])
    # lock: the other session and vtysh are refused, unlock frees both.
    m.lock(target="running")
    with pytest.raises(RPCError) as ei:
        m2.edit_config(target="running", config=config_xml(
            "<route><prefix>10.20.0.0/16</prefix><tunnel>backup</tunnel>"
            "<weight>60</weight></route>"))
    assert rpc_error(ei)[0] == "in-use"
    with pytest.raises(RPCError) as ei:
        m2.lock(target="running")
    assert rpc_error(ei)[0] == "lock-denied"
    cp = ncd.rt.configure("vpn-ha\n route 10.20.0.0/16 tunnel backup weight 70\nexit\n",
                          check=False)
    assert "weight 70" not in running(ncd.rt), cp.stdout
    m.unlock(target="running")
    ncd.rt.configure("vpn-ha\n route 10.20.0.0/16 tunnel backup weight 70\nexit\n")
    wait_rib_distances(ncd.rt, [1, 71])
    # kill-session: the other session's lock goes with it.
    m2.lock(target="running")
    with pytest.raises(RPCError) as ei:
        m.kill_session(m.session_id)
    assert rpc_error(ei)[0] == "invalid-value"
    m.kill_session(m2.session_id)
    vt.wait_for(lambda: not m2.connected, 5, desc="killed session closed")
    m.lock(target="running")
    m.unlock(target="running")


# ---------------------------------------------------------------------------
# rejected edits: rpc-error, nothing changed


@pytest.mark.parametrize("inner,op,tag,path_part", [
    ("<route><prefix>10.20.0.0/16</prefix><tunnel>primary</tunnel><weight>300</weight></route>",
     None, "invalid-value", "weight"),
    ('<peer nc:operation="create"><name>cloud-a</name></peer>', None, "data-exists",
     "peer[name='cloud-a']"),
    ('<peer nc:operation="delete"><name>nowhere</name></peer>', None, "data-missing",
     "peer[name='nowhere']"),
    ("<tunnel><name>t3</name><peer>no-such-peer</peer></tunnel>", None, "data-missing",
     "peer"),
])
def test_bad_edit_is_rpc_error_and_changes_nothing(ncd_scheme, inner, op, tag, path_part):
    ncd = ncd_scheme
    m = ncd.connect()
    before = running(ncd.rt)
    with pytest.raises(RPCError) as ei:
        m.edit_config(target="running", config=config_xml(inner))
    etag, epath, emsg = rpc_error(ei)
    assert etag == tag, (etag, epath, emsg)
    # libnetconf2 3.x's error-path is libyang 3's canonical xpath1.0:
    # every node carries its module prefix ("/m:a/m:b[m:k='v']").
    assert path_part in epath.replace("frr-vpnhad:", ""), (etag, epath, emsg)
    assert emsg
    assert running(ncd.rt) == before
    wait_rib_distances(ncd.rt, [1, 101])


def test_invalid_value_in_replaced_subtree_is_refused_not_fatal(ncd_scheme):
    """fuzz_netconf's finding: an invalid value inside a subtree that is
    copied whole (here an empty <address> with default-operation replace)
    went into the configuration as an opaque element, and libyang 2's
    validation crashed vpnhad.  Now: invalid-value naming the leaf,
    nothing changed, vpnhad alive."""
    ncd = ncd_scheme
    m = ncd.connect()
    before = running(ncd.rt)
    with pytest.raises(RPCError) as ei:
        m.edit_config(target="running", default_operation="replace", config=config_xml(
            "<peer><name>cloud-a</name><address></address></peer>"))
    etag, epath, emsg = rpc_error(ei)
    assert etag == "invalid-value", (etag, epath, emsg)
    assert "address" in epath, (etag, epath, emsg)
    assert ncd.rt.daemons["vpnhad"].alive()
    assert running(ncd.rt) == before
    wait_rib_distances(ncd.rt, [1, 101])


def test_error_option(ncd_scheme):
    """RFC 6241 7.2: rollback-on-error (advertised) and stop-on-error
    (the default) leave nothing of a failing edit (it is one northbound
    transaction); continue-on-error applies the units that pass (each
    peer, tunnel, route) and returns an rpc-error for each that does
    not."""
    ncd = ncd_scheme
    m = ncd.connect()
    assert "urn:ietf:params:netconf:capability:rollback-on-error:1.0" in m.server_capabilities
    before = running(ncd.rt)
    # A good peer, then a bad weight in the same edit.
    edit = config_xml(
        "<peer><name>cloud-c</name><address>203.0.113.9</address></peer>"
        "<route><prefix>10.20.0.0/16</prefix><tunnel>primary</tunnel><weight>300</weight></route>")
    for option in ("rollback-on-error", "stop-on-error"):
        with pytest.raises(RPCError) as ei:
            m.edit_config(target="running", config=edit, error_option=option)
        assert rpc_error(ei)[0] == "invalid-value", (option, rpc_error(ei))
        assert running(ncd.rt) == before, option
    # continue-on-error: the peer goes in, the bad weight and a create of
    # an existing peer come back as two rpc-errors; the RIB still right.
    edit = config_xml(
        "<peer><name>cloud-c</name><address>203.0.113.9</address></peer>"
        "<route><prefix>10.20.0.0/16</prefix><tunnel>primary</tunnel><weight>300</weight></route>"
        '<peer nc:operation="create"><name>cloud-a</name><address>203.0.113.1</address></peer>')
    with pytest.raises(RPCError) as ei:
        m.edit_config(target="running", config=edit, error_option="continue-on-error")
    errs = ei.value.errlist if getattr(ei.value, "errlist", None) else [ei.value]
    tags = sorted(e.tag for e in errs)
    assert tags == ["data-exists", "invalid-value"], [(e.tag, e.path, e.message) for e in errs]
    after = running(ncd.rt)
    assert "peer cloud-c" in after and after != before
    assert "weight 300" not in after
    wait_rib_distances(ncd.rt, [1, 101])


def test_copy_config(ncd_scheme):
    """RFC 6241 7.3: the whole target replaced by the source, through
    the northbound like any commit (running, candidate, inline config)."""
    ncd = ncd_scheme
    m = ncd.connect()
    before = running(ncd.rt)
    # running -> candidate, edit it, candidate -> running.
    m.copy_config(source="running", target="candidate")
    m.edit_config(target="candidate", config=config_xml(
        "<route><prefix>10.20.0.0/16</prefix><tunnel>backup</tunnel><weight>50</weight></route>"))
    assert running(ncd.rt) == before
    m.copy_config(source="candidate", target="running")
    wait_rib_distances(ncd.rt, [1, 51])
    # An inline configuration replaces all of running: no backup route.
    without_backup = README_XML.replace(
        "  <route><prefix>10.20.0.0/16</prefix><tunnel>backup</tunnel><weight>100</weight></route>\n",
        "")
    assert without_backup != README_XML
    source = '<source xmlns="%s">%%s</source>' % nc_topo.NC_NS
    m.copy_config(source=source % without_backup, target="running")
    wait_rib_distances(ncd.rt, [1])
    assert "tunnel backup weight" not in running(ncd.rt)
    # A bad source: rpc-error, nothing changed; read-only users may not.
    now = running(ncd.rt)
    bad = without_backup.replace("<weight>0</weight>", "<weight>300</weight>")
    with pytest.raises(RPCError) as ei:
        m.copy_config(source=source % bad, target="running")
    assert rpc_error(ei)[0] == "invalid-value", rpc_error(ei)
    with pytest.raises(RPCError) as ei:
        ncd.connect("noc").copy_config(source=source % README_XML,
                                       target="running")
    assert rpc_error(ei)[0] == "access-denied"
    assert running(ncd.rt) == now


def test_read_only_user_and_wrong_keys_refused(ncd_scheme):
    ncd = ncd_scheme
    ro = ncd.connect("noc")
    assert ro.get_config(source="running").data_ele.xpath("//v:tunnel", namespaces=NSMAP)
    before = running(ncd.rt)
    with pytest.raises(RPCError) as ei:
        ro.edit_config(target="running", config=config_xml(
            "<route><prefix>10.20.0.0/16</prefix><tunnel>backup</tunnel><weight>9</weight></route>"))
    assert rpc_error(ei)[0] == "access-denied"
    with pytest.raises(RPCError) as ei:
        ro.lock(target="running")
    assert rpc_error(ei)[0] == "access-denied"
    assert running(ncd.rt) == before
    # A key that is not in the user's file, an unknown user, root.
    for user, key in (("ops", "intruder"), ("intruder", "intruder"), ("root", "ops")):
        with pytest.raises((AuthenticationError, SSHError)):
            ncd.connect(user, key_user=key)
    log = ncd.log()
    assert re.search(r"login refused: user ops from 127\.0\.0\.1: key not in", log), log[-2000:]
    assert re.search(r"login refused: unknown user root from 127\.0\.0\.1", log), log[-2000:]


def test_vtysh_and_netconf_interleave_and_write_memory(ncd_scheme):
    ncd = ncd_scheme
    m = ncd.connect()
    m.edit_config(target="running", config=config_xml(
        "<route><prefix>10.30.0.0/16</prefix><tunnel>primary</tunnel><weight>0</weight></route>"))
    assert "route 10.30.0.0/16 tunnel primary weight 0" in running(ncd.rt)
    ncd.rt.configure("vpn-ha\n route 10.40.0.0/16 tunnel backup weight 100\nexit\n")
    data = m.get_config(source="running").data_ele
    prefixes = sorted(set(data.xpath("//v:route/v:prefix/text()", namespaces=NSMAP)))
    assert prefixes == ["10.20.0.0/16", "10.30.0.0/16", "10.40.0.0/16"]
    # NETCONF deletes what vtysh created, vtysh sees it at once.
    m.edit_config(target="running", config=config_xml(
        '<route nc:operation="delete"><prefix>10.40.0.0/16</prefix><tunnel>backup</tunnel></route>'))
    assert "10.40.0.0/16" not in running(ncd.rt)
    ncd.rt.write_memory()
    with open("%s/frr.conf" % ncd.rt.confdir) as f:
        saved = f.read()
    assert "route 10.30.0.0/16 tunnel primary weight 0" in saved
    assert "10.40.0.0/16" not in saved


# ---------------------------------------------------------------------------
# confirmed commit


def test_confirmed_commit_not_confirmed_is_rolled_back(ncd_scheme):
    ncd = ncd_scheme
    m = ncd.connect()
    before = running(ncd.rt)
    m.edit_config(target="candidate", config=config_xml(
        "<tunnel><name>primary</name><shutdown>true</shutdown></tunnel>"))
    t0 = time.monotonic()
    m.commit(confirmed=True, timeout="2")
    ncd.s.wait_kernel_devs(["vti2"])
    assert "shutdown" in running(ncd.rt)
    # Not confirmed: back to the previous configuration by itself.
    vt.wait_for(lambda: running(ncd.rt) == before, 6, desc="rollback")
    assert time.monotonic() - t0 >= 1.9
    ncd.s.wait_kernel_devs(["vti1"])
    assert "confirmed commit not confirmed in time: configuration rolled back" in ncd.log()
    # Confirmed in time: stays.
    m.edit_config(target="candidate", config=config_xml(
        "<tunnel><name>primary</name><shutdown>true</shutdown></tunnel>"))
    m.commit(confirmed=True, timeout="2")
    m.commit()
    time.sleep(2.5)
    assert "shutdown" in running(ncd.rt)


# ---------------------------------------------------------------------------
# notifications


def test_failover_notification_with_timeline(ncd_scheme, block):
    ncd = ncd_scheme
    s = ncd.s
    vt.pin_scheme_neighbours(s)
    s.rt.configure(vt.health_check_config({"primary": {}, "backup": {}}))
    vt.wait_for(lambda: s.rt.vtysh_json("show vpn-ha tunnel json")["tunnels"]["primary"]["state"],
                10, ok=lambda v: v == "up", desc="primary up")
    m = ncd.connect()
    m.create_subscription()
    t0, _ = block.drop("cvti1")
    deadline = time.monotonic() + 5
    got = None
    while time.monotonic() < deadline and got is None:
        n = m.take_notification(block=True, timeout=0.5)
        if n is None:
            continue
        t_recv = time.monotonic()
        ele = n.notification_ele
        ev = ele.xpath("//v:tunnel-state-change", namespaces=NSMAP)
        if ev and ev[0].findtext("{%s}new-state" % VPNHA_NS) == "down":
            got = ev[0]
    assert got is not None, "no tunnel-state-change to down"
    assert got.findtext("{%s}tunnel" % VPNHA_NS) == "primary"
    assert got.findtext("{%s}old-state" % VPNHA_NS) == "up"
    det = int(got.findtext("{%s}detection-ms" % VPNHA_NS))
    assert 0 < det <= 2000
    # Delivered within milliseconds of the daemon's down verdict.
    tl = s.rt.vtysh_json("show vpn-ha tunnel primary json")["tunnels"]["primary"]
    assert t_recv - t0 < 3.0
    assert tl["failovers"] == 1


NOTIF_NS = "urn:ietf:params:xml:ns:netconf:notification:1.0"
MANAGE_NS = "urn:ietf:params:xml:ns:netmod:notification"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def notifications(m, until, timeout=5.0):
    """(name, tunnel, new-state, eventTime) of m's notifications up to
    and with the first whose name is until (or None: whatever comes
    within timeout)."""
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = m.take_notification(block=True, timeout=0.2)
        if n is None:
            if until is None and got:
                break
            continue
        ele = n.notification_ele
        body = [c for c in ele if c.tag != "{%s}eventTime" % NOTIF_NS][0]
        name = body.tag.split("}")[1]
        got.append((name, body.findtext("{%s}tunnel" % VPNHA_NS),
                    body.findtext("{%s}new-state" % VPNHA_NS),
                    ele.findtext("{%s}eventTime" % NOTIF_NS)))
        if name == until:
            return got
    assert until is None, "no %s within %ss: %s" % (until, timeout, got)
    return got


def shutdown_primary(m, on):
    m.edit_config(target="running", config=config_xml(
        "<tunnel><name>primary</name><shutdown>%s</shutdown></tunnel>"
        % ("true" if on else "false")))


def test_notification_replay(ncd_scheme):
    """RFC 5277 replay: a subscription with startTime first gets the
    kept notifications since then, then replayComplete; with a stopTime
    in the past also notificationComplete, and nothing after."""
    ncd = ncd_scheme
    live = ncd.connect()
    # The stream says it replays.
    data = live.get(filter=("subtree", '<netconf xmlns="%s"/>' % MANAGE_NS)).data_xml
    assert "<replaySupport>true</replaySupport>" in data, data
    live.create_subscription()
    t0 = utc_now()
    shutdown_primary(live, True)
    shutdown_primary(live, False)
    seen = notifications(live, None)
    changes = [(n, t, s) for n, t, s, _ in seen if n == "tunnel-state-change"]
    assert changes and changes[0][1] == "primary", seen
    t1 = utc_now()
    # Replay from t0: the same changes, in order, then replayComplete.
    r = ncd.connect()
    r.create_subscription(start_time=t0)
    got = notifications(r, "replayComplete")
    assert [(n, t, s) for n, t, s, _ in got[:-1]] == changes, (got, changes)
    assert all(e >= t0[:19] for _, _, _, e in got)
    # A window that ended: the changes, replayComplete,
    # notificationComplete; then nothing more for that session.
    w = ncd.connect()
    w.create_subscription(start_time=t0, stop_time=t1)
    got = notifications(w, "notificationComplete")
    assert [n for n, _, _, _ in got] == ["tunnel-state-change"] * len(changes) + [
        "replayComplete", "notificationComplete"], got
    # From now: nothing to replay.
    e = ncd.connect()
    e.create_subscription(start_time=utc_now())
    assert [n for n, _, _, _ in notifications(e, "replayComplete")] == ["replayComplete"]
    shutdown_primary(live, True)
    assert [n for n, _, _, _ in notifications(r, None)] == ["tunnel-state-change"]
    assert [n for n, _, _, _ in notifications(e, None)] == ["tunnel-state-change"]
    assert notifications(w, None, timeout=1.0) == []
    # A stopTime still to come: notificationComplete when it comes.
    t_stop = (datetime.datetime.now(datetime.timezone.utc)
              + datetime.timedelta(seconds=1.5))
    f = ncd.connect()
    f.create_subscription(start_time=t0, stop_time=t_stop.isoformat())
    got = notifications(f, "notificationComplete", timeout=6.0)
    assert [n for n, _, _, _ in got[-2:]] == ["replayComplete", "notificationComplete"], got
    assert datetime.datetime.now(datetime.timezone.utc) >= t_stop
    # RFC 5277 2.1.1's errors (ncclient refuses a stopTime without a
    # startTime itself: sent as written).
    for start, stop, tag in ((None, t1, "missing-element"),
                             ("2999-01-01T00:00:00Z", None, "bad-element"),
                             (t1, t0, "bad-element")):
        body = "".join("<%s>%s</%s>" % (k, v, k) for k, v in
                       (("startTime", start), ("stopTime", stop)) if v)
        with pytest.raises(RPCError) as ei:
            ncd.connect().dispatch(to_ele(
                '<create-subscription xmlns="%s">%s</create-subscription>'
                % (NOTIF_NS, body)))
        assert rpc_error(ei)[0] == tag, (start, stop, rpc_error(ei))


# ---------------------------------------------------------------------------
# misbehaving clients do not delay the daemon


def vtysh_latency(rt, n=10):
    worst = 0.0
    for _ in range(n):
        dt, _ = nc_topo.timed(rt.vtysh, "show vpn-ha")
        worst = max(worst, dt)
    return worst


def probe_counters(rt):
    t = rt.vtysh_json("show vpn-ha tunnel json")["tunnels"]
    return {n: (t[n]["state"], t[n]["healthCheck"]["counters"]) for n in t}


def test_stalled_and_garbage_clients_do_not_delay_vtysh_or_probes(ncd_scheme):
    ncd = ncd_scheme
    s = ncd.s
    vt.pin_scheme_neighbours(s)
    s.rt.configure(vt.health_check_config({"primary": {}, "backup": {}}))
    vt.wait_for(lambda: {n: v[0] for n, v in probe_counters(s.rt).items()}, 10,
                ok=lambda v: set(v.values()) == {"up"}, desc="both tunnels up")
    base = vtysh_latency(ncd.rt)
    before = probe_counters(ncd.rt)
    t0 = time.monotonic()
    # Clients stall their SSH handshake, another sends garbage, another
    # a huge document after a good login.
    stalled = [ncd.raw_socket() for _ in range(3)]
    garbage = ncd.raw_socket()
    garbage.sendall(b"SSH-2.0-x\r\n" + b"\x00\xff" * 50000)
    big = ncd.connect()
    big_cfg = config_xml("".join(
        "<peer><name>p%d</name><address>192.0.2.%d</address></peer>" % (i, i % 250 + 1)
        for i in range(3000)))

    def huge():
        try:
            big.edit_config(target="candidate", config=big_cfg)
        except Exception:  # noqa: BLE001 -- only its effect on others counts
            pass
    th = threading.Thread(target=huge, daemon=True)
    th.start()
    stalled_lat = vtysh_latency(ncd.rt)
    th.join(30)
    time.sleep(max(0.0, 3.0 - (time.monotonic() - t0)))
    after = probe_counters(ncd.rt)
    # vtysh answers as fast as before (within noise) ...
    assert stalled_lat < max(0.5, base * 5), (base, stalled_lat)
    # ... and no probe was lost or late, no tunnel moved.
    for n in before:
        b, a = before[n][1], after[n][1]
        assert after[n][0] == "up", after
        assert a["probesSent"] - b["probesSent"] >= 20, (n, b, a)
        assert a["probesLost"] == b["probesLost"], (n, b, a)
        assert a.get("probesLate", 0) == b.get("probesLate", 0), (n, b, a)
    for sock in stalled + [garbage]:
        sock.close()
    # A good client still gets in, and the daemon is alive.
    m = ncd.connect()
    m.get_config(source="running")
    assert ncd.rt.daemons["vpnhad"].alive()


# ---------------------------------------------------------------------------
# a second, independent client: yuma123's yangcli (libssh2)


def test_yangcli_reads_schema_and_edits(ncd_scheme, tmp_path):
    ncd = ncd_scheme
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    # yangcli takes --private-key but reads the public key from its
    # default place: use the default names (the key is ECDSA anyway).
    key = str(home / ".ssh" / "id_rsa")
    # libssh2 1.10 (yangcli): a PEM ECDSA key (its RSA signs with SHA-1).
    vt._run(["ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", key])
    path = "%s/ops.authorized_keys" % ncd.rt.confdir
    with open(path, "a") as f:
        f.write(open(key + ".pub").read())
    if nc_topo.keys_read_at_start():
        # libnetconf2 3.x: a new key counts from vpnhad's next start.
        ncd.rt.stop("vpnhad")
        ncd.start()
    script = tmp_path / "script"
    script.write_text(
        "get-schema identifier=frr-vpnhad format=yang\n"
        "merge /vpnhad/peer -- name=cloud-c address=203.0.113.9\n"
        "commit\n"
        "sget /vpnhad/peer\n")
    cp = ncd.rt.ns.run(
        ["env", "HOME=%s" % home, "yangcli", "--batch-mode", "--server=127.0.0.1",
         "--ncport=%d" % nc_topo.NC_PORT, "--user=ops", "--password=",
         "--public-key=%s.pub" % key, "--private-key=%s" % key,
         "--run-script=%s" % script, "--log-level=info"],
        check=False, timeout=60)
    out = cp.stdout + cp.stderr
    assert "module frr-vpnhad" in out, out[-3000:]
    assert "peer cloud-c" in running(ncd.rt), out[-3000:]
    assert "address 203.0.113.9" in running(ncd.rt)


def test_bad_config_file_and_session_limit(scheme):
    # A bad file: vpnhad does not start, the log names line and field.
    ncd = nc_topo.NetconfServer(scheme, extra_conf="user eve admin /nonexistent\n", start=False)
    with pytest.raises(Exception):
        ncd.start()
    vt.wait_for(lambda: not ncd.rt.daemons["vpnhad"].alive(), 5, desc="vpnhad exits")
    assert re.search(r"netconf: .*line \d+: bad user role", ncd.log()), ncd.log()[-1500:]
    # max-sessions 2: a third session is refused, the first two work.
    ncd = nc_topo.NetconfServer(scheme, extra_conf="max-sessions 2\n", start=False)
    ncd.start()
    a, b = ncd.connect(), ncd.connect()
    with pytest.raises(Exception):
        c = ncd.connect(timeout=5)
        c.get_config(source="running")
    assert "max-sessions reached" in ncd.log()
    a.get_config(source="running")
    b.get_config(source="running")


def test_too_big_document_refused_before_the_main_thread(scheme):
    ncd = nc_topo.NetconfServer(scheme, extra_conf="max-message-size 20000\n")
    ncd.rt.configure(vt.README_CONFIG)
    m = ncd.connect()
    before = running(ncd.rt)
    big = config_xml("".join("<peer><name>p%d</name><address>192.0.2.%d</address></peer>"
                             % (i, i % 250 + 1) for i in range(500)))
    with pytest.raises(RPCError) as ei:
        m.edit_config(target="running", config=big)
    assert rpc_error(ei)[0] == "too-big"
    assert running(ncd.rt) == before
    # A normal edit still works on the same session.
    m.edit_config(target="running", config=config_xml(
        "<peer><name>p1</name><address>192.0.2.2</address></peer>"))
    assert "peer p1" in running(ncd.rt)
