# SPDX-License-Identifier: GPL-2.0-or-later
"""NETCONF test helpers: vpnhad started with its NETCONF module in R of
the README scheme, users with SSH keys, and ncclient sessions opened
inside R's network namespace.

- NetconfServer(scheme): writes the module's configuration file (users
  ops = read-write, noc = read-only; an 'intruder' key that is nobody's),
  starts vpnhad with -M <module>:<file> and waits for port 830.
- in_netns(ns): the calling thread enters a network namespace (setns on
  the thread) for the block; sockets made there stay in it.
- README_XML: the README scheme as <config> for edit-config.
"""

import contextlib
import ctypes
import os
import socket
import subprocess
import time

import vpnha_topo as vt

from ncclient import manager
import ncclient.transport.session as nc_session
import ncclient.transport.ssh as nc_ssh

# ncclient polls its socket every TICK (100 ms): far slower than the
# server.  Lower it so timings measure vpnhad, not the client (TICK is
# in transport.ssh up to 0.6.13, Debian 12; in transport.session in
# 0.6.17, Debian 13).
nc_ssh.TICK = 0.001
nc_session.TICK = 0.001

NC_PORT = 830
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)

VPNHA_NS = "http://frrouting.org/yang/vpnhad"
NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"

README_XML = """\
<config xmlns="%s">
 <vpnhad xmlns="%s">
  <gateway><name>idc-gw</name><local-address>198.51.100.1</local-address></gateway>
  <peer><name>cloud-a</name><address>203.0.113.1</address></peer>
  <peer><name>cloud-b</name><address>203.0.113.2</address></peer>
  <tunnel><name>primary</name><interface>vti1</interface><peer>cloud-a</peer></tunnel>
  <tunnel><name>backup</name><interface>vti2</interface><peer>cloud-b</peer></tunnel>
  <route><prefix>10.20.0.0/16</prefix><tunnel>primary</tunnel><weight>0</weight></route>
  <route><prefix>10.20.0.0/16</prefix><tunnel>backup</tunnel><weight>100</weight></route>
 </vpnhad>
</config>
""" % (NC_NS, VPNHA_NS)


def config_xml(inner):
    """<config> around frr-vpnhad XML (nc: prefix available)."""
    return ('<config xmlns="%s" xmlns:nc="%s"><vpnhad xmlns="%s">%s</vpnhad></config>'
            % (NC_NS, NC_NS, VPNHA_NS, inner))


def module_path():
    for d in (os.environ.get("VPNHA_BUILDDIR"), os.path.join(vt.REPO, "build"), vt.REPO):
        if d and os.path.exists(os.path.join(d, "frr-plugin", "vpnhad_netconf.so")):
            return os.path.join(d, "frr-plugin", "vpnhad_netconf.so")
    return os.path.join(vt.REPO, "frr-plugin", "vpnhad_netconf.so")


def keys_read_at_start():
    """libnetconf2 3.x (Debian 13) takes the users' keys into its
    configuration once, when vpnhad starts; 2.0 reads the
    authorized-keys file at each login (README, NETCONF limits)."""
    impl = os.path.join(os.path.dirname(module_path()), "vpnhad_netconf_impl.so")
    out = subprocess.run(["ldd", impl], capture_output=True, text=True).stdout
    return "libnetconf2.so.4" in out


@contextlib.contextmanager
def in_netns(ns):
    """Run the block with this thread in network namespace ns (a Netns)."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open("/var/run/netns/%s" % ns.name, os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns %s" % ns.name)
        try:
            yield
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(own)
        os.close(target)


class NetconfServer:
    USERS = {"ops": "read-write", "noc": "read-only"}

    def __init__(self, scheme, extra_conf="", start=True):
        self.s = scheme
        self.rt = scheme.rt
        self.keys = {}
        for user in list(self.USERS) + ["intruder"]:
            self.keys[user] = self._keygen(user)
        lines = ["listen 127.0.0.1 %d" % NC_PORT,
                 "host-key %s" % os.path.join(self.rt.confdir, "netconf_host_key"),
                 "yang-dir %s" % os.path.join(vt.REPO, "yang", "netconf")]
        for user, role in self.USERS.items():
            pub = open(self.keys[user] + ".pub").read()
            path = self.rt.write_conf_file("%s.authorized_keys" % user, pub)
            lines.append("user %s %s %s" % (user, role, path))
        self.conf = self.rt.write_conf_file("vpnhad-netconf.conf",
                                            "\n".join(lines) + "\n" + extra_conf)
        if start:
            self.start()

    def _keygen(self, user):
        path = os.path.join(self.rt.confdir, "key-%s" % user)
        if not os.path.exists(path):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", user,
                            "-f", path], check=True)
        return path

    def start(self):
        self.rt.start_vpnhad(["-M", "%s:%s" % (module_path(), self.conf)])
        vt.wait_for(self.port_open, 10, desc="NETCONF port %d in %s" % (NC_PORT, self.rt.name))

    def port_open(self):
        with in_netns(self.rt.ns):
            try:
                socket.create_connection(("127.0.0.1", NC_PORT), timeout=0.5).close()
                return True
            except OSError:
                return False

    def connect(self, user="ops", key_user=None, timeout=10):
        """An ncclient session (a manager) as user with key_user's key."""
        # password="": Debian 13's ncclient 0.6.17 loads every key file
        # with password.encode() and fails on None (the key has no
        # passphrase; the server offers no password method either).
        with in_netns(self.rt.ns):
            m = manager.connect(host="127.0.0.1", port=NC_PORT, username=user,
                                key_filename=self.keys[key_user or user],
                                password="", hostkey_verify=False,
                                allow_agent=False, look_for_keys=False,
                                timeout=timeout)
        vt.current_registry().push(lambda: _close(m), "NETCONF session")
        return m

    def raw_socket(self):
        """A TCP connection to the NETCONF port (for stalling clients)."""
        with in_netns(self.rt.ns):
            sock = socket.create_connection(("127.0.0.1", NC_PORT), timeout=5)
        vt.current_registry().push(sock.close, "raw NETCONF socket")
        return sock

    def log(self):
        with open(os.path.join(self.rt.logdir, "vpnhad.log")) as f:
            return f.read()


def _close(m):
    try:
        if m.connected:
            m.close_session()
    except Exception:  # noqa: BLE001 -- best-effort cleanup
        pass


def timed(fn, *args, **kw):
    """(seconds, result) of fn(*args, **kw)."""
    t0 = time.monotonic()
    r = fn(*args, **kw)
    return time.monotonic() - t0, r
