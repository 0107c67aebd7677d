# SPDX-License-Identifier: GPL-2.0-or-later
"""Least privilege, checked on the running daemon (issue 13): vpnhad runs
as user and group frr with only the capabilities it needs, its secrets
file is 0600, and nothing it created or holds open is world-writable.

Why these capabilities (frr-plugin/vpnha_main.c, vpnha_caps_p):
- CAP_NET_RAW: the ICMP/ICMPv6 probe sockets are raw sockets (one per
  address family, issue 14); the IPv6 send socket is bound to each
  probe's tunnel interface in turn (SO_BINDTOIFINDEX on a bound socket);
- CAP_NET_ADMIN: adding a missing health-check source address to the
  tunnel interface (RTM_NEWADDR) and the probe sockets' buffers
  (SO_RCVBUFFORCE / SO_SNDBUFFORCE, beyond net.core.rmem_max).
libfrr keeps them permitted and raises them into the effective set only
around the calls that need them (frr_with_privs)."""

import grp
import os
import pwd
import stat

import vpnha_topo as vt
from test_core import frr_dir  # noqa: F401 - the fixture

CAP_NET_ADMIN = 12
CAP_NET_RAW = 13
NEEDED = (1 << CAP_NET_ADMIN) | (1 << CAP_NET_RAW)


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()
    return out


def world_writable(path):
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        return False
    # Sticky directories (/tmp) are not ours to judge.
    return bool(st.st_mode & stat.S_IWOTH) and not (stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX)


def test_daemon_runs_with_least_privilege(vpnha_hc, frr_dir):
    s = vpnha_hc
    d = frr_dir
    # Generated IPsec files with a key (no pluto needed for that).
    s.rt.configure(["vpn-ha", "ipsec libreswan directory %s" % d,
                    "ipsec libreswan ctl-socket /run/vpnhat-no-pluto.ctl",
                    "ipsec libreswan libexec /nonexistent/libexec",
                    "tunnel primary", "ipsec pre-shared-key 0123456789abcdef",
                    "ipsec interface-type vti"])
    secrets, conf = d / "vpnha-primary.secrets", d / "vpnha-primary.conf"
    # vpnhad writes the secrets, then the conn file (each atomically).
    vt.wait_for(lambda: secrets.exists() and conf.exists(), 5, desc="secrets and conn files written")
    pid = s.rt.daemons["vpnhad"].pid
    st = proc_status(pid)
    print("vpnhad pid %d: Uid %s Gid %s CapInh %s CapPrm %s CapEff %s CapAmb %s NoNewPrivs %s"
          % (pid, st["Uid"], st["Gid"], st["CapInh"], st["CapPrm"], st["CapEff"], st.get("CapAmb"),
             st.get("NoNewPrivs")))

    frr_uid, frr_gid = pwd.getpwnam("frr").pw_uid, grp.getgrnam("frr").gr_gid
    assert st["Uid"] == [str(frr_uid)] * 4, st["Uid"]  # real, effective, saved, fs
    assert st["Gid"] == [str(frr_gid)] * 4, st["Gid"]
    groups = {int(g) for g in st["Groups"]}
    allowed = {frr_gid}
    try:
        allowed.add(grp.getgrnam("frrvty").gr_gid)
    except KeyError:
        pass
    assert groups <= allowed, "supplementary groups %s beyond frr/frrvty %s" % (groups, allowed)

    prm, eff = int(st["CapPrm"][0], 16), int(st["CapEff"][0], 16)
    assert prm == NEEDED, "permitted capabilities %#x, expected NET_ADMIN|NET_RAW (%#x)" % (prm, NEEDED)
    assert eff & ~prm == 0 and eff & ~NEEDED == 0, "effective %#x" % eff
    assert int(st["CapInh"][0], 16) == 0, st["CapInh"]
    assert int(st.get("CapAmb", ["0"])[0], 16) == 0, st.get("CapAmb")

    # Secrets: 0600, owned by frr; the conf file holds no key.
    sst = secrets.stat()
    assert stat.S_IMODE(sst.st_mode) == 0o600 and sst.st_uid == frr_uid, (oct(sst.st_mode), sst.st_uid)
    assert "0123456789abcdef" not in conf.read_text()

    # Nothing vpnhad created or holds open is world-writable: the files
    # it generated, its vty socket and run directory, every path among
    # its open file descriptors.
    paths = [p for p in d.iterdir()]
    paths += [s.rt.vty_socket("vpnhad"), s.rt.rundir]
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except FileNotFoundError:
            continue
        if target.startswith("/") and not target.startswith("/dev/") and os.path.exists(target):
            paths.append(target)
    bad = [(str(p), oct(os.lstat(p).st_mode)) for p in paths if world_writable(p)]
    print("checked %d paths: %s" % (len(paths), sorted(set(str(p) for p in paths))))
    assert not bad, "world-writable: %s" % bad
