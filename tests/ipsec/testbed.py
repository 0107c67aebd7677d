# SPDX-License-Identifier: GPL-2.0-or-later
"""A dual-IPsec-tunnel testbed in network namespaces (issue 4, host mode).

Real IKEv2/ESP with strongSwan's kernel-libipsec plugin (userspace ESP
over a TUN device, ESP-in-UDP on 4500), which works on kernels without
XFRM ESP support:

    S --- R ==(uplink1, IKE/ESP-in-UDP)== G1 --- V
              ==(uplink2, IKE/ESP-in-UDP)== G2 ---/

  S   site host 192.168.10.10/24, default via R 192.168.10.1
  R   router: zebra (+ vpnhad, started by the caller); two charon
      instances, one per tunnel (kernel-libipsec gives one TUN per
      process): tunnel 1 = IKE ports 500/4500, TUN ipsec0,
      169.254.1.1/30; tunnel 2 = IKE ports 510/4510, TUN ipsec1,
      169.254.2.1/30. Underlay up1 198.51.100.1 peer 203.0.113.1,
      up2 198.51.100.2 peer 203.0.113.2.
  G1  gateway 203.0.113.1, one charon, TUN ipsec0 169.254.1.2/30;
      routes the site prefix 192.168.10.0/24 into its TUN, V over
      10.20.1.0/24.
  G2  the same with 203.0.113.2, 169.254.2.2/30, 10.20.2.0/24.
  V   VPC host 10.20.0.10/32 (on lo) with two links (v1 to G1, v2 to
      G2). Replies leave by the link the request came in on (conntrack
      mark set on ingress, restored on output, fwmark rules), so each
      gateway sends the return traffic back into the tunnel the traffic
      came in on: the remote side never chooses the tunnel.

Both Child SAs are 0.0.0.0/0 === 0.0.0.0/0 (the scheme), PSK, IKEv2,
mobike=no, encap. kernel-libipsec installs a 0/0 route via its TUN in
its own routing table with an `ip rule` even with install_routes=no:
that rule is deleted, so routing is zebra's (R) or ours (G1/G2).

With vpnha_ipsec=True (issue 5) R's charons start without any
connection: vpnhad loads them over each charon's VICI socket from its
own configuration (vpnha_config() then carries the ipsec lines), brings
them up and watches their SAs.  The VICI sockets then live in a
directory under /run that vpnhad (user frr) can reach.

Usage (pytest or a demo; cleanup goes to the vpnha_topo registry):

    tb = Testbed(logdir).build()      # bounded: raises on timeout
    tb.rt.start_vpnhad(); tb.rt.configure(tb.vpnha_config())
    tb.esp_drop(1); ...; tb.esp_restore(1)
    tb.teardown()                     # also run by the registry

Requires strongSwan (charon-systemd, swanctl, kernel-libipsec plugin):
`available()` says whether it is there and why not.
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
_INTEG = os.path.join(os.path.dirname(_HERE), "integration")
if _INTEG not in sys.path:
    sys.path.insert(0, _INTEG)

import vpnha_topo as vt  # noqa: E402

CHARON = "/usr/sbin/charon-systemd"
SWANCTL = "/usr/sbin/swanctl"
PLUGIN_DIR = "/usr/lib/ipsec/plugins"
LIBIPSEC_PLUGIN = os.path.join(PLUGIN_DIR, "libstrongswan-kernel-libipsec.so")
# charon-systemd (pulls strongswan-libcharon, libstrongswan), swanctl +
# vici, kernel-libipsec (libcharon-extra-plugins), curve25519
# (libstrongswan-extra-plugins). Not libreswan: the packages conflict.
APT_PACKAGES = ["charon-systemd", "strongswan-swanctl", "libcharon-extra-plugins",
                "libstrongswan-extra-plugins"]

SITE_PREFIX = "192.168.10.0/24"
VPC_PREFIX = "10.20.0.0/16"
S_ADDR, R_LAN = "192.168.10.10", "192.168.10.1"
V_ADDR = "10.20.0.10"
PSK = "vpnha-testbed-psk-0123456789"

# Plugins loaded by every charon (kernel-libipsec BEFORE kernel-netlink:
# the first registered IPsec backend wins).
PLUGINS = ("random nonce aes sha1 sha2 hmac kdf pem pkcs1 x509 pubkey curve25519 "
           "kernel-libipsec kernel-netlink socket-default vici updown")

# Per tunnel: R side and gateway side.
TUNNELS = {
    1: dict(name="primary", peer="cloud-a", r_up="up1", g_up="r1",
            r_ul="198.51.100.1", g_ul="203.0.113.1",
            r_ike=(500, 4500), table=201,
            r_tun="ipsec0", r_hc="169.254.1.1", g_hc="169.254.1.2",
            g_v="v1", v_if="v1", g_vaddr="10.20.1.1", v_vaddr="10.20.1.10", mark=1),
    2: dict(name="backup", peer="cloud-b", r_up="up2", g_up="r2",
            r_ul="198.51.100.2", g_ul="203.0.113.2",
            r_ike=(510, 4510), table=202,
            r_tun="ipsec1", r_hc="169.254.2.1", g_hc="169.254.2.2",
            g_v="v2", v_if="v2", g_vaddr="10.20.2.1", v_vaddr="10.20.2.10", mark=2),
}
G_TUN = "ipsec0"  # one charon per gateway: its TUN is the first
G_TABLE = 201


def available():
    """(True, "") when strongSwan with kernel-libipsec is installed and the
    kernel has TUN, else (False, reason)."""
    plugins = [os.path.join(PLUGIN_DIR, "libstrongswan-%s.so" % p) for p in PLUGINS.split()]
    missing = [p for p in [CHARON, SWANCTL] + plugins if not os.path.exists(p)]
    if missing:
        return False, ("strongSwan kernel-libipsec not installed (%s); apt-get install -y %s"
                       % (", ".join(missing), " ".join(APT_PACKAGES)))
    if not os.path.exists("/dev/net/tun"):
        return False, "no /dev/net/tun (kernel-libipsec needs TUN)"
    return True, ""


def strongswan_conf(workdir, ports, table, logfile, vici):
    return """\
charon-systemd {
  journal {
    default = -1
  }
  filelog {
    log {
      path = %(log)s
      time_format = %%H:%%M:%%S
      default = 1
      ike = 1
      knl = 1
      flush_line = yes
    }
  }
}
charon {
  port = %(p)d
  port_nat_t = %(pn)d
  routing_table = %(t)d
  routing_table_prio = %(t)d
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 3
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  load_modular = no
  load = %(plugins)s
  plugins {
    vici {
      socket = unix://%(vici)s
    }
    kernel-libipsec {
      allow_peer_ts = no
    }
  }
}
swanctl {
  load = pem pkcs1 x509 pubkey revocation constraints random nonce aes sha1 sha2 hmac curve25519
}
""" % dict(log=logfile, p=ports[0], pn=ports[1], t=table, plugins=PLUGINS, vici=vici)


def swanctl_conf(conn, local_addr, remote_addr, local_id, remote_id, initiator):
    # The initiator (R) runs DPD every second while no ESP arrives: IKE
    # INFORMATIONAL exchanges on 4500 (non-ESP marker) that prove the IKE
    # SA alive while ESP is dropped (Charon.ike_responses()).
    return """\
connections {
  %(c)s {
    version = 2
    local_addrs = %(la)s
    remote_addrs = %(ra)s
    encap = yes
    mobike = no
    proposals = aes128-sha256-x25519
    rekey_time = 0
    dpd_delay = %(dpd)s
    local {
      auth = psk
      id = %(li)s
    }
    remote {
      auth = psk
      id = %(ri)s
    }
    children {
      %(c)s {
        local_ts = 0.0.0.0/0
        remote_ts = 0.0.0.0/0
        esp_proposals = aes128-sha256
        rekey_time = 0
        start_action = %(sa)s
        close_action = none
        dpd_action = %(dpda)s
      }
    }
  }
}
secrets {
  ike-%(c)s {
    id-a = %(li)s
    id-b = %(ri)s
    secret = "%(psk)s"
  }
}
""" % dict(c=conn, la=local_addr, ra=remote_addr, li=local_id, ri=remote_id,
           sa="start" if initiator else "none", psk=PSK,
           dpd="1s" if initiator else "0", dpda="restart" if initiator else "none")


class Charon:
    """One charon-systemd in ns with its own strongswan.conf, IKE ports,
    routing table, vici socket and log, all in workdir."""

    def __init__(self, ns, workdir, conn, ports, table, tun, swanctl_text, vici=None):
        self.ns = ns
        self.workdir = workdir
        self.conn = conn
        self.ports = ports
        self.table = table
        self.tun = tun
        self.proc = None
        os.makedirs(workdir, exist_ok=True)
        self.log = os.path.join(workdir, "charon.log")
        self.conf = os.path.join(workdir, "strongswan.conf")
        self.swanctl_conf = os.path.join(workdir, "swanctl.conf")
        self.vici = vici or os.path.join(workdir, "charon.vici")
        with open(self.conf, "w") as f:
            f.write(strongswan_conf(workdir, ports, table, self.log, self.vici))
        with open(self.swanctl_conf, "w") as f:
            f.write(swanctl_text)
        self.env = dict(os.environ, STRONGSWAN_CONF=self.conf)

    def start(self, timeout=10.0):
        """Start charon; return when its TUN exists and vici answers."""
        try:
            os.unlink(self.vici)
        except FileNotFoundError:
            pass
        with open(self.log, "a") as f:
            f.write("==== %s start charon in %s\n" % (time.strftime("%H:%M:%S"), self.ns.name))
        out = open(os.path.join(self.workdir, "charon.out"), "a")
        self.proc = self.ns.popen([CHARON], stdout=out, stderr=subprocess.STDOUT, env=self.env)
        out.close()

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("charon exited rc=%s:\n%s" % (self.proc.returncode, self.log_tail()))
            return (os.path.exists(self.vici) and self._tun_exists()
                    and self.swanctl("--stats", check=False).returncode == 0)

        vt.wait_for(ready, timeout, desc="charon in %s (vici %s, TUN %s)" % (self.ns.name, self.vici, self.tun))
        # vpnhad runs as frr: let it talk VICI (as FRR's nhrpd needs too).
        shutil.chown(self.vici, group="frr")
        os.chmod(self.vici, 0o660)
        self._drop_rule()
        return self

    def _tun_exists(self):
        return self.ns.ip("link", "show", "dev", self.tun, check=False).returncode == 0

    def _drop_rule(self):
        """kernel-libipsec routes 0/0 into its TUN in its own table (also
        with install_routes=no) behind an `ip rule`: remove the rule."""
        while self.ns.ip("rule", "del", "table", self.table, check=False).returncode == 0:
            pass

    def swanctl(self, *args, check=True, timeout=10):
        # --uri is an option of each command: it goes after the command.
        return self.ns.run([SWANCTL, args[0], "--uri", "unix://" + self.vici] + list(args[1:]),
                           check=check, timeout=timeout, env=self.env)

    def load(self):
        return self.swanctl("--load-all", "--noprompt", "--file", self.swanctl_conf)

    def sas(self):
        """{"ike": IKE SA state or None, "child": Child SA state or None}."""
        out = self.swanctl("--list-sas", "--raw", check=False).stdout
        ike = child = None
        # --raw: one line per SA: "list-sa event {conn {... state=ESTABLISHED ...
        # child-sas {name {... state=INSTALLED ...}}}}"
        for line in out.splitlines():
            if "state=" not in line:
                continue
            head, _, rest = line.partition("child-sas")
            for tok in head.split():
                if tok.startswith("state="):
                    ike = tok.split("=", 1)[1]
            for tok in rest.split():
                if tok.startswith("state="):
                    child = tok.split("=", 1)[1]
        return {"ike": ike, "child": child}

    def established(self):
        s = self.sas()
        return s["ike"] == "ESTABLISHED" and s["child"] == "INSTALLED"

    def ike_responses(self):
        """IKE INFORMATIONAL responses (DPD replies) received so far."""
        try:
            with open(self.log, errors="replace") as f:
                return sum(1 for l in f if "parsed INFORMATIONAL response" in l)
        except OSError:
            return 0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=5.0):
        if self.proc is not None:
            vt.terminate(self.proc, timeout=timeout)

    def kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=5)

    def log_tail(self, lines=40):
        return vt.log_tail(self.log, lines)


class Testbed:
    """The namespaces S, R, G1, G2, V with two IPsec tunnels R<->G1, R<->G2.
    See the module docstring. tunnel arguments are 1 or 2."""

    def __init__(self, logdir, vtysh=None, start_zebra=True, registry=None, vpnha_ipsec=False):
        ok, why = available()
        if not ok:
            raise RuntimeError(why)
        self.logdir = logdir
        self.vtysh = vtysh
        self.start_zebra = start_zebra
        self.registry = registry or vt.current_registry()
        self.workdir = os.path.join(logdir, "ipsec")
        self.charons = {}  # ("r", 1), ("g", 1), ...
        self.nft = {}
        self.flappers = {}
        self.flap_windows = {}
        self.timing = {}
        self.rt = None
        self.vpnha_ipsec = vpnha_ipsec
        self.vici_dir = None

    # ---- build / teardown

    def build(self, timeout=20.0):
        t0 = time.monotonic()
        self.registry.push(self.teardown, "ipsec testbed teardown")
        os.makedirs(self.workdir, exist_ok=True)
        self.s = vt.Netns("s", self.registry)
        self.r = vt.Netns("r", self.registry)
        self.g = {1: vt.Netns("g1", self.registry), 2: vt.Netns("g2", self.registry)}
        self.v = vt.Netns("v", self.registry)
        vt.veth_pair(self.s, "eth0", self.r, "lan", "192.168.10.10/24", "192.168.10.1/24")
        self.s.ip("route", "add", "default", "via", R_LAN)
        for ns in (self.r, self.g[1], self.g[2], self.v):
            ns.sysctl("net.ipv4.ip_forward", 1)
            for key in ("all", "default"):
                ns.sysctl("net.ipv4.conf.%s.rp_filter" % key, 0)
        self.v.add_addr("lo", V_ADDR + "/32")
        for i, t in TUNNELS.items():
            g = self.g[i]
            vt.veth_pair(self.r, t["r_up"], g, t["g_up"])
            self.r.ip("addr", "add", t["r_ul"], "peer", t["g_ul"] + "/32", "dev", t["r_up"])
            g.ip("addr", "add", t["g_ul"], "peer", t["r_ul"] + "/32", "dev", t["g_up"])
            vt.veth_pair(g, t["g_v"], self.v, t["v_if"], t["g_vaddr"] + "/24", t["v_vaddr"] + "/24")
            g.ip("route", "add", V_ADDR + "/32", "via", t["v_vaddr"])
            # V: replies leave by the link their request came in on.
            self.v.ip("route", "add", "default", "via", t["g_vaddr"], "table", 100 + i)
            self.v.ip("rule", "add", "fwmark", t["mark"], "table", 100 + i, "priority", 100 + i)
        self.v.ip("route", "add", "default", "via", TUNNELS[1]["g_vaddr"])
        vt.nft_table(self.v, "inet", "vpnhat_return", """\
table inet vpnhat_return {
 chain pre {
  type filter hook prerouting priority mangle; policy accept;
  iifname "v1" ct mark set 1
  iifname "v2" ct mark set 2
 }
 chain out {
  type route hook output priority mangle; policy accept;
  ct mark != 0 meta mark set ct mark
 }
}
""")
        for i, t in TUNNELS.items():
            # Gateway nft table: empty chains for the failure injections.
            vt.nft_table(self.g[i], "inet", "vpnhat_inject", """\
table inet vpnhat_inject {
 set esp_flap {
  type ifname; flags timeout;
 }
 chain pre {
  type filter hook prerouting priority -300; policy accept;
  iifname @esp_flap udp dport 4500 @th,64,32 != 0 drop
 }
}
""")
        t_net = time.monotonic()

        if self.vpnha_ipsec:
            self.vici_dir = tempfile.mkdtemp(prefix="vpnhat-vici-", dir="/run")
            os.chmod(self.vici_dir, 0o755)
        # charons: R's two instances one after the other (TUN names are
        # allocated in order: ipsec0, then ipsec1), gateways in parallel.
        for i, t in TUNNELS.items():
            self.charons[("g", i)] = Charon(
                self.g[i], os.path.join(self.workdir, "g%d" % i), "t%d" % i, (500, 4500), G_TABLE, G_TUN,
                swanctl_conf("t%d" % i, t["g_ul"], t["r_ul"], "g%d" % i, "r-t%d" % i, initiator=False))
            self.charons[("r", i)] = Charon(
                self.r, os.path.join(self.workdir, "r-t%d" % i), "t%d" % i, t["r_ike"], t["table"], t["r_tun"],
                swanctl_conf("t%d" % i, t["r_ul"], t["g_ul"], "r-t%d" % i, "g%d" % i, initiator=True),
                vici=os.path.join(self.vici_dir, "r-t%d.vici" % i) if self.vpnha_ipsec else None)
        for i in TUNNELS:
            self.start_gateway(i, initiate=False)
        for i in TUNNELS:
            self.charons[("r", i)].start()
        t_charon = time.monotonic()
        for i, t in TUNNELS.items():
            self.r.add_addr(t["r_tun"], t["r_hc"] + "/30")
            self.r.link_set(t["r_tun"], "up")
            if not self.vpnha_ipsec:
                self.charons[("r", i)].load()
        if not self.vpnha_ipsec:
            self.wait_established(timeout=max(1.0, timeout - (time.monotonic() - t0)))
        t_ike = time.monotonic()
        if self.start_zebra:
            self.rt = vt.FrrRouter(self.r, self.logdir, vtysh=self.vtysh, registry=self.registry)
            # conftest attaches rt.logs() of failed tests: add the charons'.
            frr_logs = self.rt.logs
            self.rt.logs = lambda lines=80: frr_logs(lines) + "\n" + self.logs(lines)
            self.rt.start_zebra()
        self.timing.update(net_ms=(t_net - t0) * 1000, charon_ms=(t_charon - t_net) * 1000,
                           ike_ms=(t_ike - t_charon) * 1000, build_ms=(time.monotonic() - t0) * 1000)
        return self

    def start_gateway(self, i, initiate=True, timeout=10.0):
        """(Re)start gateway i's charon, address its TUN, route the site
        prefix into it; with initiate, bring the tunnel up from R."""
        t, g, c = TUNNELS[i], self.g[i], self.charons[("g", i)]
        c.start(timeout)
        g.add_addr(G_TUN, t["g_hc"] + "/30")
        g.link_set(G_TUN, "up")
        g.ip("route", "replace", SITE_PREFIX, "dev", G_TUN)
        c.load()
        if initiate and not self.vpnha_ipsec:
            r = self.charons[("r", i)]
            r.swanctl("--terminate", "--ike", r.conn, "--force", "--timeout", "2", check=False)
            r.swanctl("--initiate", "--child", r.conn, "--timeout", "5", check=False)
            self.wait_established([i], timeout)

    def wait_established(self, tunnels=(1, 2), timeout=15.0):
        def state():
            return {"%s%d" % k: self.charons[k].sas() for k in self.charons if k[1] in tunnels}
        try:
            return vt.wait_for(state, timeout, interval=0.1, desc="IKE and Child SAs established",
                               ok=lambda v: all(s == {"ike": "ESTABLISHED", "child": "INSTALLED"}
                                                for s in v.values()))
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.logs())) from None

    def teardown(self):
        """Stop everything (idempotent); records teardown_ms."""
        t0 = time.monotonic()
        for f in list(self.flappers.values()):
            f.set()
        self.flappers.clear()
        if self.rt is not None:
            self.rt.stop_all()
        # charons in parallel: each sends its IKE deletes on SIGTERM.
        alive = [c for c in self.charons.values() if c.alive()]
        for c in alive:
            c.proc.send_signal(signal.SIGTERM)
        for c in alive:
            vt.terminate(c.proc, timeout=3)
        for ns in ("v", "g", "r", "s"):
            obj = getattr(self, ns, None)
            for n in (obj.values() if isinstance(obj, dict) else [obj]):
                if n is not None:
                    n.delete()
        if self.vici_dir:
            shutil.rmtree(self.vici_dir, ignore_errors=True)
        self.timing["teardown_ms"] = (time.monotonic() - t0) * 1000

    def logs(self, lines=30):
        return "\n".join("--- charon %s%d (%s) ---\n%s" % (k[0], k[1], c.ns.name, c.log_tail(lines))
                         for k, c in self.charons.items())

    # ---- vpnhad

    def vpnha_config(self, hc_extra=()):
        """README config with the TUNs as interfaces and health checks;
        with vpnha_ipsec, also each tunnel's IPsec connection (matching
        the gateways' proposals), loaded into its own charon."""
        lines = ["vpn-ha", " gateway idc-gw local-address %s" % TUNNELS[1]["r_ul"]]
        if self.vpnha_ipsec:
            lines.append(" ipsec backend strongswan")
        for t in TUNNELS.values():
            lines += [" peer %s" % t["peer"], "  address %s" % t["g_ul"], " exit"]
        for t in TUNNELS.values():
            lines += [" tunnel %s" % t["name"], "  interface %s" % t["r_tun"], "  peer %s" % t["peer"],
                      "  health-check source %s destination %s" % (t["r_hc"], t["g_hc"])]
            lines += ["  " + x for x in hc_extra]
            if self.vpnha_ipsec:
                i = [k for k, v in TUNNELS.items() if v is t][0]
                lines += ["  ipsec pre-shared-key %s" % PSK,
                          "  ipsec local-address %s" % t["r_ul"],
                          "  ipsec local-id r-t%d" % i, "  ipsec remote-id g%d" % i,
                          "  ipsec interface-type tun",
                          "  ipsec vici-socket %s" % self.charons[("r", i)].vici,
                          "  ipsec ike encryption aes128 integrity sha256 group x25519",
                          "  ipsec esp encryption aes128 integrity sha256 pfs none",
                          # as the hand-written R side had: IKE liveness
                          # seen while ESP is dropped (demo, benchmark)
                          "  ipsec dpd 1"]
            lines.append(" exit")
        lines += [" route %s tunnel primary weight 0" % VPC_PREFIX,
                  " route %s tunnel backup weight 100" % VPC_PREFIX, "exit"]
        return "\n".join(lines) + "\n"

    def kernel_devs(self, prefix=VPC_PREFIX):
        return vt.kernel_route_devs(self.r, prefix)

    def wait_kernel_devs(self, devs, timeout=5.0, prefix=VPC_PREFIX):
        return vt.wait_for(lambda: self.kernel_devs(prefix), timeout, interval=0.02,
                           ok=lambda v: v == sorted(devs), desc="kernel route %s via %s" % (prefix, devs))

    # ---- observation

    def gw_tun_rx(self):
        """{1: rx packets of G1's TUN, 2: ... of G2's} (0 when it is gone)."""
        out = {}
        for i, g in self.g.items():
            try:
                out[i] = vt.link_stats(g, G_TUN)["rx"].get("packets", 0)
            except Exception:  # noqa: BLE001 - TUN gone (gateway killed)
                out[i] = 0
        return out

    def tun_up(self, i, side="r"):
        ns, dev = (self.r, TUNNELS[i]["r_tun"]) if side == "r" else (self.g[i], G_TUN)
        link = ns.ip_json("link", "show", "dev", dev)[0]
        return "UP" in link.get("flags", []) and link.get("operstate") in ("UNKNOWN", "UP")

    def sas(self, i, side="r"):
        return self.charons[(side, i)].sas()

    # ---- failure injections (on the gateway side)

    def _nft(self, i, script):
        t0 = time.monotonic()
        self.g[i].run(["nft", "-f", "-"], input=script)
        return t0, time.monotonic()

    def _add(self, i, rule, comment):
        return self._nft(i, 'add rule inet vpnhat_inject pre %s comment "%s"\n' % (rule, comment))

    def _del(self, i, comment):
        out = self.g[i].run(["nft", "-a", "list", "chain", "inet", "vpnhat_inject", "pre"]).stdout
        handles = [l.rsplit("# handle", 1)[1].strip() for l in out.splitlines()
                   if 'comment "%s"' % comment in l and "# handle" in l]
        return self._nft(i, "".join("delete rule inet vpnhat_inject pre handle %s\n" % h for h in handles))

    def esp_drop(self, i):
        """Drop ESP-in-UDP arriving at gateway i (udp dport 4500 with a
        non-zero SPI in the first 4 payload bytes); IKE on 4500 (zero
        non-ESP marker) still passes, so IKE stays up and both TUNs stay
        UP: only the data plane is dead. Returns (t_before, t_after)."""
        t = TUNNELS[i]
        return self._add(i, 'iifname "%s" udp dport 4500 @th,64,32 != 0 drop' % t["g_up"], "esp_drop")

    def esp_restore(self, i):
        return self._del(i, "esp_drop")

    def random_loss(self, i, pct):
        """Drop pct % of everything gateway i receives from R (nft numgen)."""
        t = TUNNELS[i]
        return self._add(i, 'iifname "%s" numgen random mod 100 < %d drop' % (t["g_up"], pct), "loss")

    def loss_restore(self, i):
        return self._del(i, "loss")

    def silence(self, i):
        """Gateway i drops everything it receives from R, IKE included
        (what it sends still leaves). Returns (t_before, t_after)."""
        return self._add(i, 'iifname "%s" drop' % TUNNELS[i]["g_up"], "silence")

    def silence_restore(self, i):
        return self._del(i, "silence")

    def underlay_down(self, i):
        t0 = time.monotonic()
        self.r.link_set(TUNNELS[i]["r_up"], "down")
        return t0, time.monotonic()

    def underlay_up(self, i):
        t0 = time.monotonic()
        self.r.link_set(TUNNELS[i]["r_up"], "up")
        return t0, time.monotonic()

    def kill_gateway(self, i):
        """SIGKILL gateway i's charon (its TUN disappears with it)."""
        t0 = time.monotonic()
        self.charons[("g", i)].kill()
        return t0, time.monotonic()

    def restart_gateway(self, i, timeout=10.0):
        self.start_gateway(i, initiate=True, timeout=timeout)

    def flapping(self, i, period, duration=None, alive=None):
        """ESP on tunnel i alternates dead/alive every period seconds (in a
        thread) until stop_flapping(i) or duration. Returns the thread's
        stop event.  alive=(lo, hi): each alive phase lasts a random time
        between lo and hi seconds instead (a fixed-seed draw), so the
        windows cannot lock onto the probe schedule: dead 40 ms + alive
        40 ms + a 20 ms nft command on a loaded machine is exactly the
        100 ms probe interval, and every probe went out alive (0 lost in
        30 windows).  The kernel times each dead window: the drop matches
        while gateway i's uplink is in the esp_flap set, and the element
        is added with a timeout of period (an nft command takes tens of
        ms, over 100 ms on a loaded machine: timed from here, a dead
        window lasted up to 0.6 s instead of 0.3).  Each window's bounds
        (its start lies between the command's start and end) go to
        flap_windows[i]."""
        stop = threading.Event()
        self.flappers[i] = stop
        windows = self.flap_windows[i] = []
        add = 'add element inet vpnhat_inject esp_flap { "%s" timeout %dms }\n' % (
            TUNNELS[i]["g_up"], round(period * 1000))

        rng = random.Random(i)

        def run():
            end = time.monotonic() + duration if duration else None
            while not stop.is_set() and (end is None or time.monotonic() < end):
                t_before, t_in = self._nft(i, add)
                windows.append((t_before, t_in + period))
                gap = rng.uniform(*alive) if alive else period
                stop.wait(max(0.0, t_in + period + gap - time.monotonic()))

        th = threading.Thread(target=run, daemon=True)
        th.start()
        stop.thread = th
        return stop

    def stop_flapping(self, i):
        stop = self.flappers.pop(i, None)
        if stop:
            stop.set()
            stop.thread.join(timeout=5)
            self._nft(i, "flush set inet vpnhat_inject esp_flap\n")


def main():
    """Build, report timings and SA states, tear down."""
    import tempfile
    logdir = tempfile.mkdtemp(prefix="vpnhat-ipsec-")
    with vt.registry_scope("testbed") as reg:
        tb = Testbed(logdir, registry=reg, start_zebra=False).build()
        print("built: %s" % tb.timing)
        for i in TUNNELS:
            print("tunnel %d: R %s G %s" % (i, tb.sas(i), tb.sas(i, "g")))
        tb.teardown()
        print("teardown: %.0f ms" % tb.timing["teardown_ms"])
    shutil.rmtree(logdir, ignore_errors=True)


if __name__ == "__main__":
    main()
