#!/usr/bin/env python3
"""tests/libreswan/probe.py -- the experiments behind FACTS.md, re-runnable.

    python3 tests/libreswan/probe.py [SECTION...]        # on the host (root)
    tests/libreswan/vm-samples.sh                        # same, in the VM

Sections: perms iface psk ids outputs peerdown disturb (default: all).
On the host the Child SA cannot be installed (no ESP in the kernel), so
only IKE SAs are established.  With --vm (inside tests/vm/run.sh, full
kernel) the connections get `ipsec-interface=1`, a Child SA is
established, traffic crosses ipsec1, and the same outputs are captured.

Raw `whack` outputs are written to --samples DIR (default
tests/libreswan/samples) as <prefix>-<what>.txt, prefix "host" or "vm".
With --emit the samples are printed between `=== SAMPLE name ===` and
`=== END ===` lines instead (the VM cannot write to the repository).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swan  # noqa: E402

PSK = "vpnha-test-psk-0123456789abcdef0123456789"
ARGS = None


def say(*a):
    print(*a, flush=True)


def sample(name, text):
    name = "%s-%s.txt" % ("vm" if ARGS.vm else "host", name)
    if ARGS.emit:
        print("=== SAMPLE %s ===" % name)
        if text:
            print(text, end="" if text.endswith("\n") else "\n")
        print("=== END ===", flush=True)
    else:
        os.makedirs(ARGS.samples, exist_ok=True)
        with open(os.path.join(ARGS.samples, name), "w") as f:
            f.write(text)
    say("  [sample %s: %d lines]" % (name, text.count("\n")))


def show(tag, r):
    say("$ %s\n  -> rc %d%s" % (tag, r.returncode, ("\n" + r.stdout.rstrip())
                                if r.stdout.strip() else " (no output)"))


def ns_sh(ns, cmd):
    return subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", cmd],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=60).stdout


class Bed:
    """Namespace pair + two plutos (A initiator, B responder)."""

    def __init__(self, tag, secrets=None, extra_addrs=()):
        self.work = tempfile.mkdtemp(prefix="swan-probe-%s." % tag)
        os.chmod(self.work, 0o755)
        self.pair = swan.NsPair("lsw%s%d" % (tag[:4], os.getpid() % 10000))
        self.secrets = secrets if secrets is not None else \
            '@left @right : PSK "%s"\n' % PSK
        self.extra_addrs = extra_addrs
        self.a = self.b = None

    def __enter__(self):
        self.pair.up()
        for i, (aa, ba) in enumerate(self.extra_addrs):
            swan.sh("ip", "-n", self.pair.a, "addr", "add", aa + "/24",
                    "dev", "veth0")
            swan.sh("ip", "-n", self.pair.b, "addr", "add", ba + "/24",
                    "dev", "veth0")
        self.a = swan.Pluto(self.pair.a, os.path.join(self.work, "a"),
                            secrets=self.secrets)
        self.b = swan.Pluto(self.pair.b, os.path.join(self.work, "b"),
                            secrets=self.secrets)
        self.a.start()
        self.b.start()
        return self

    def __exit__(self, *exc):
        for p in (self.a, self.b):
            if p:
                p.stop()
        self.pair.down()
        if exc[0] is None and not os.environ.get("SWAN_KEEP"):
            subprocess.run(["rm", "-rf", self.work])
        else:
            say("  (work dir kept: %s)" % self.work)

    def conn(self, name, extra="", a_addr=None, b_addr=None,
             aid="@left", bid="@right", add=True, ifnum=1):
        """Same conn NAME on both ends (left = local end).  In the VM the
        conn is route-based: ipsec-interface=IFNUM, updown disabled."""
        a_addr = a_addr or self.pair.a_addr
        b_addr = b_addr or self.pair.b_addr
        if ARGS.vm and "ipsec-interface" not in extra and "vti" not in extra:
            extra = "ipsec-interface=%d\nleftupdown=/bin/true\n" \
                    "rightupdown=/bin/true\n%s" % (ifnum, extra)
        self.a.write_conn(name, swan.psk_conn(a_addr, b_addr, aid, bid, extra))
        self.b.write_conn(name, swan.psk_conn(b_addr, a_addr, bid, aid, extra))
        if add:
            for p in (self.a, self.b):
                r = p.add(name, check=False)
                if r.returncode != 0:
                    raise RuntimeError("addconn %s in %s: rc %d\n%s" % (
                        name, p.ns, r.returncode, p.log_tail(5)))

    def up(self, name, timeout=15):
        """Initiate from A, wait for the IKE SA (and, in the VM, the Child
        SA).  Returns seconds or None."""
        t0 = time.monotonic()
        self.a.initiate(name)
        if ARGS.vm:
            pred = lambda o: re.search(  # noqa: E731
                r'"%s"[^\n]*(?:STATE_V2_)?ESTABLISHED_CHILD_SA' % re.escape(name), o)
        else:
            pred = lambda o: re.search(  # noqa: E731
                r'"%s"[^\n]*(?:STATE_V2_)?ESTABLISHED_IKE_SA' % re.escape(name), o)
        ok, out, _ = self.a.wait_for(pred, timeout)
        return time.monotonic() - t0 if ok else None

    def traffic(self):
        """VM only: address ipsec1 on both ends, ping across, UDP echo."""
        for ns, me, peer in ((self.pair.a, "169.254.100.1", "169.254.100.2"),
                             (self.pair.b, "169.254.100.2", "169.254.100.1")):
            ns_sh(ns, "ip addr add %s/30 dev ipsec1 && ip link set ipsec1 up"
                  % me)
        out = ns_sh(self.pair.a, "/bin/busybox ping -c 5 -i 0.2 -W 2 "
                    "169.254.100.2")
        say(out.rstrip())
        return " 0% packet loss" in out


def state_numbers(out, conn):
    return re.findall(r'#(\d+): "%s"' % re.escape(conn), out)


# --------------------------------------------------------------------------

def sec_config():
    say("\n##### config: swan.check_config() on a good file and bad ones")
    work = tempfile.mkdtemp(prefix="swan-probe-cfg.")
    good = swan.psk_conn("192.0.2.1", "192.0.2.2",
                         extra="ike=aes256-sha2_256-modp2048\n"
                               "esp=aes_gcm256-null-dh19")
    cases = [
        ("good", good),
        ("unknown keyword", good + "\nfoobar=1"),
        ("ikev2=maybe", good.replace("ikev2=insist", "ikev2=maybe")),
        ("keyexchange=ikev2", good + "\nkeyexchange=ikev2"),
        ("bad subnet (octet)", good.replace("leftsubnet=0.0.0.0/0",
                                            "leftsubnet=10.0.0.300/24")),
        ("bad subnet (/33)", good.replace("leftsubnet=0.0.0.0/0",
                                          "leftsubnet=10.0.0.0/33")),
        ("unterminated quote", good.replace("leftid=@left",
                                            'leftid="@left')),
        ("unquoted space", good.replace("leftid=@left", "leftid=@le ft")),
        ("bad ike=", good.replace("modp2048", "modp1024")),
        ("bad esp= (GCM+integ)", good.replace("esp=aes_gcm256-null-dh19",
                                              "esp=aes_gcm256-sha2_256")),
        ("bad left= address", good.replace("left=192.0.2.1",
                                           "left=192.0.2.999")),
        ("duplicate key", good + "\nleftsubnet=10.0.0.0/8"),
    ]
    try:
        for i, (tag, body) in enumerate(cases):
            d = os.path.join(work, "c%d" % i)
            os.makedirs(os.path.join(d, "conf.d"))
            with open(os.path.join(d, "ipsec.conf"), "w") as f:
                f.write("config setup\n\tlogfile=/dev/null\n\n"
                        "include %s/conf.d/*.conf\n" % d)
            with open(os.path.join(d, "conf.d", "t.conf"), "w") as f:
                f.write("conn t\n" + "".join("\t%s\n" % l
                                              for l in body.splitlines()))
            p = swan.run([swan.tool("addconn"), "--config",
                          os.path.join(d, "ipsec.conf"), "--checkconfig"])
            ok, out = swan.check_config(os.path.join(d, "ipsec.conf"))
            say("--- %s\n  addconn --checkconfig: rc=%d %s\n"
                "  check_config: %s: %s" % (
                    tag, p.returncode, p.stdout.strip().replace(d, "D")
                    or "(no output)", "OK" if ok else "REJECTED",
                    out.replace(d, "D").replace("\n", "\n    ")))
    finally:
        subprocess.run(["rm", "-rf", work])


def sec_perms():
    say("\n##### perms: ctl socket ownership/mode, whack as user frr")
    with Bed("perm") as bed:
        p = bed.a
        say(subprocess.run(["ls", "-la", p.rundir], stdout=subprocess.PIPE,
                           text=True).stdout.rstrip())
        say(subprocess.run(["stat", "-c", "%A %U:%G %n", p.ctl, p.rundir],
                           stdout=subprocess.PIPE, text=True).stdout.rstrip())
        base = ["setpriv", "--reuid", "frr", "--regid", "frr", "--init-groups"]
        caps = ["--inh-caps", "+dac_override", "--ambient-caps",
                "+dac_override"]
        connect = ("import socket,sys; s=socket.socket(socket.AF_UNIX); "
                   "s.connect(sys.argv[1]); print('connect() ok')")

        def as_frr(tag, extra, argv):
            r = subprocess.run(base + extra + argv, env=swan.env(),
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=20)
            say("  frr %-34s rc=%d %s" % (tag, r.returncode,
                                           r.stdout.strip().splitlines()[-1]
                                           if r.stdout.strip() else ""))
        as_frr("whack --status", [], p.cmd_status())
        as_frr("+CAP_DAC_OVERRIDE whack --status", caps, p.cmd_status())
        as_frr("python connect()", [], ["/usr/bin/python3", "-c", connect,
                                        p.ctl])
        as_frr("+CAP_DAC_OVERRIDE python connect()", caps,
               ["/usr/bin/python3", "-c", connect, p.ctl])
        os.chown(p.ctl, 0, int(subprocess.run(
            ["id", "-g", "frr"], stdout=subprocess.PIPE,
            text=True).stdout))
        os.chmod(p.ctl, 0o770)
        say(subprocess.run(["stat", "-c", "%A %U:%G %n", p.ctl],
                           stdout=subprocess.PIPE, text=True).stdout.rstrip())
        as_frr("whack --status (chgrp frr, 0770)", [], p.cmd_status())
        bed.conn("t", add=False)
        as_frr("addconn (chgrp frr, 0770)", [], p.cmd_add("t")[4:])
        as_frr("whack --initiate (chgrp frr,0770)", [], p.cmd_initiate("t"))
        time.sleep(0.5)
        as_frr("whack --showstates", [], p.cmd_showstates())
        os.chmod(p.ctl, 0o750)
        as_frr("whack --status (chgrp frr, 0750)", [], p.cmd_status())
        # restart: pluto re-creates the socket 0700 root:root
        p.stop()
        p.start()
        say(subprocess.run(["stat", "-c", "after restart: %A %U:%G %n", p.ctl],
                           stdout=subprocess.PIPE, text=True).stdout.rstrip())
        # missing rundir
        q = swan.Pluto(bed.pair.a, os.path.join(bed.work, "q"))
        q.prepare()
        os.rmdir(q.rundir)
        try:
            q.start(timeout=3)
            say("  pluto with a missing --rundir: started; %s" % subprocess.run(
                ["stat", "-c", "%A %U:%G %n", q.rundir],
                stdout=subprocess.PIPE, text=True).stdout.strip())
        except swan.PlutoError as e:
            say("  pluto with a missing --rundir: FAILED: %s" %
                str(e).splitlines()[-1])
        finally:
            q.stop()


def sec_iface():
    say("\n##### iface: ipsec-interface= / vti-interface= on this kernel")
    with Bed("ifc") as bed:
        for name, extra in (
                ("xfrmi", "ipsec-interface=1\nleftupdown=/bin/true"),
                ("xfrmi7", "ipsec-interface=7"),
                ("vti", "mark=5/0xffffffff\nvti-interface=vti5\n"
                        "vti-routing=no\nleftvti=10.1.0.1/32\n"
                        "rightvti=10.2.0.1/32")):
            bed.conn(name, extra, add=False)
            rcs = []
            for p in (bed.a, bed.b):
                off = p.log_size()
                r = p.add(name, check=False)
                rcs.append(r.returncode)
                show(" ".join(p.cmd_add(name)), r)
                say("  log: " + "\n  log: ".join(
                    l for l in p.log_since(off).splitlines()
                    if "proposals" not in l and not re.search(r'":?\s+\d:', l)))
            if rcs == [0, 0]:
                offa, offb = bed.a.log_size(), bed.b.log_size()
                r = bed.a.initiate(name, asynchronous=False, timeout=20)
                show(" ".join(bed.a.cmd_initiate(name, False)), r)
                time.sleep(0.3)
                say("  initiator log:\n    " + "\n    ".join(
                    bed.a.log_since(offa).splitlines()))
                say("  responder log:\n    " + "\n    ".join(
                    l[:240] for l in bed.b.log_since(offb).splitlines()))
                say("  links A: " + " | ".join(ns_sh(
                    bed.pair.a, "ip -br link").splitlines()))
                if name == "vti" and not ARGS.vm:
                    sample("ike-only-vti-showstates", bed.a.show_states())
                bed.a.delete(name)
                bed.b.delete(name)


def sec_psk():
    say("\n##### psk: secrets formats, end to end")
    hexkey = PSK.encode().hex()
    import base64
    b64 = base64.b64encode(PSK.encode()).decode()
    cases = [
        ("text @ids", '@left @right : PSK "%s"' % PSK,
         '@left @right : PSK "%s"' % PSK, "@left", "@right"),
        ("hex vs text (same bytes) @ids", '@left @right : PSK 0x%s' % hexkey,
         '@left @right : PSK "%s"' % PSK, "@left", "@right"),
        ("hex IP ids (leftid unset)", "192.0.2.1 192.0.2.2 : PSK 0x%s" % hexkey,
         "192.0.2.2 192.0.2.1 : PSK 0x%s" % hexkey, None, None),
        ("base64 0s vs text", '@left @right : PSK 0s%s' % b64,
         '@left @right : PSK "%s"' % PSK, "@left", "@right"),
        ("hex with _ separators", '@left @right : PSK 0x%s_%s' % (
            hexkey[:8], hexkey[8:]), '@left @right : PSK "%s"' % PSK,
         "@left", "@right"),
        ("bare word (unquoted) PSK", '@left @right : PSK %s' % PSK,
         '@left @right : PSK "%s"' % PSK, "@left", "@right"),
        ("mismatch", '@left @right : PSK "%s"' % PSK,
         '@left @right : PSK "%s-other"' % PSK, "@left", "@right"),
        ("short PSK (FIPS warning)", '@left @right : PSK "short"',
         '@left @right : PSK "short"', "@left", "@right"),
        ("no secret for the ids", '@x @y : PSK "%s"' % PSK,
         '@x @y : PSK "%s"' % PSK, "@left", "@right"),
        ("%any wildcard", '%%any : PSK "%s"' % PSK,
         '%%any : PSK "%s"' % PSK, "@left", "@right"),
    ]
    with Bed("psk", secrets="") as bed:
        for i, (tag, sa, sb, aid, bid) in enumerate(cases):
            name = "p%d" % i
            bed.a.write_secrets(sa)
            bed.b.write_secrets(sb)
            ra = bed.a.reread_secrets()
            bed.b.reread_secrets()
            extra = ""
            ida = aid or bed.pair.a_addr
            idb = bid or bed.pair.b_addr
            bed.conn(name, extra, aid=ida, bid=idb)
            offa, offb = bed.a.log_size(), bed.b.log_size()
            t = bed.up(name, timeout=4)
            la = [l for l in bed.a.log_since(offa).splitlines()
                  if "proposal" not in l]
            lb = [l for l in bed.b.log_since(offb).splitlines()
                  if "proposal" not in l]
            say("--- %s\n  A secrets: %s\n  B secrets: %s\n  -> %s" % (
                tag, sa[:70], sb[:70], "IKE established in %.3fs" % t if t
                else "NOT established"))
            if i == 0 or len(ra.stdout.strip().splitlines()) > 1:
                say("  $ %s -> %s" % (" ".join(bed.a.cmd_rereadsecrets()),
                                      ra.stdout.strip() or "(no output)"))
            if not t or "short" in tag:
                for l in (la[-4:] + ["(B)"] + lb[-4:]):
                    say("    " + l[:230])
            for p in (bed.a, bed.b):
                p.delete(name)
            if "short" in tag:
                r = bed.a.whack("--listpsks")
                say("  whack --listpsks:\n    " + "\n    ".join(
                    r.stdout.splitlines()))


def sec_ids():
    say("\n##### ids: leftid/rightid forms")
    forms = ['@vpn-1.example.com', '@vpn_1', '192.0.2.1', 'user@example.com',
             '@@user@example.com', '"@a b"', '@a#b', '@a=b', '@a,b',
             '@a\\b', '@ä', '@a"b', "'@ab'", '@[raw]', '%fromcert',
             '"CN=a, O=b"', '@', '%any', '@a;b', '@0123456789' * 10]
    with Bed("ids", secrets="") as bed:
        for i, form in enumerate(forms):
            name = "i%d" % i
            text = "conn %s\n%s\n" % (name, "\n".join(
                "\t" + l for l in swan.psk_conn(
                    "192.0.2.1", "192.0.2.2", form, "@right").splitlines()))
            path = os.path.join(bed.work, "id%d.conf" % i)
            with open(path, "w") as f:
                f.write(text)
            ok, out = swan.check_config(path)
            off = bed.a.log_size()
            r = swan.run(bed.a.cmd_add(name, config=path))
            st = bed.a.whack("--status").stdout
            m = re.search(r'"%s":\s+our idtype: (\S+); our id=(.*?); their'
                          % name, st)
            say("  leftid=%-28s check_config=%s addconn rc=%d %s %s" % (
                form[:28], "ok " if ok else "BAD", r.returncode,
                "-> %s %s" % m.groups() if m else "",
                ("| " + (out.splitlines()[-1][:90])) if not ok else ""))
            if r.returncode:
                say("      log: " + " | ".join(
                    bed.a.log_since(off).splitlines()[-2:])[:200])
            bed.a.delete(name)
        # end to end with an unusual but legal FQDN and a user@fqdn
        for aid, bid in (("@vpn-1.example.com", "@gw_2.example.net"),
                         ("user@example.com", "@right")):
            secrets = '%s %s : PSK "%s"\n' % (aid, bid, PSK)
            bed.a.write_secrets(secrets)
            bed.b.write_secrets(secrets)
            bed.a.reread_secrets()
            bed.b.reread_secrets()
            bed.conn("e2e", aid=aid, bid=bid)
            t = bed.up("e2e", timeout=4)
            say("  end to end leftid=%s rightid=%s: %s" % (
                aid, bid, "IKE established %.3fs" % t if t else "FAILED\n" +
                bed.a.log_tail(4)))
            if t:
                say("    " + bed.a.show_states().strip())
            bed.a.delete("e2e")
            bed.b.delete("e2e")


def _norm(states):
    return re.sub(r"in \d+s", "in Ns", states)


def watch(bed, tag, what, action, seconds):
    """Run action (on B), then poll A's --showstates for SECONDS and save
    every distinct state (timers ignored) as TAG-N-{showstates,
    trafficstatus,briefstatus}."""
    offa = bed.a.log_size()
    seen = [_norm(bed.a.show_states())]
    t0 = time.monotonic()
    show(what, action())
    n = 0
    while time.monotonic() - t0 < seconds:
        s = bed.a.show_states()
        if _norm(s) not in seen:
            seen.append(_norm(s))
            n += 1
            tr, br = bed.a.traffic_status(), bed.a.brief_status()
            say("  A t+%.2fs showstates:\n    %s" % (
                time.monotonic() - t0, "\n    ".join(s.splitlines())))
            sample("%s-%d-showstates" % (tag, n), s)
            sample("%s-%d-trafficstatus" % (tag, n), tr)
            sample("%s-%d-briefstatus" % (tag, n), br)
        time.sleep(0.02)
    say("  A log:\n    " + "\n    ".join(
        l[:220] for l in bed.a.log_since(offa).splitlines()))


def sec_outputs():
    say("\n##### outputs: added / connecting / established / peer deletes")
    with Bed("out") as bed:
        bed.conn("t")
        sample("added-trafficstatus", bed.a.traffic_status())
        sample("added-showstates", bed.a.show_states())
        sample("added-briefstatus", bed.a.brief_status())
        sample("added-status", bed.a.status())
        # connecting: the responder has no such connection yet
        bed.b.delete("t")
        bed.a.initiate("t")
        time.sleep(1.2)
        sample("connecting-noconn-showstates", bed.a.show_states())
        sample("connecting-noconn-trafficstatus", bed.a.traffic_status())
        sample("connecting-noconn-briefstatus", bed.a.brief_status())
        say("  initiator log:\n    " + "\n    ".join(
            bed.a.log_tail(6).splitlines()))
        bed.a.whack("--name", "t", "--terminate")
        # connecting: the responder's pluto is down (packets unanswered)
        bed.b.stop()
        bed.a.initiate("t")
        time.sleep(1.2)
        sample("connecting-peerdown-showstates", bed.a.show_states())
        sample("connecting-peerdown-briefstatus", bed.a.brief_status())
        say("  initiator log:\n    " + "\n    ".join(
            bed.a.log_tail(5).splitlines()))
        bed.a.whack("--name", "t", "--terminate")
        bed.b.start()
        r = bed.b.add("t", check=False)
        # established
        t = bed.up("t")
        say("  up in %s" % ("%.3fs" % t if t else "NOT ESTABLISHED"))
        time.sleep(0.5)
        if ARGS.vm:
            say("  traffic: %s" % ("ok" if bed.traffic() else "FAILED"))
            say(ns_sh(bed.pair.a, "ip -s xfrm state | head -40; "
                      "ip -s link show ipsec1"))
        sample("established-trafficstatus", bed.a.traffic_status())
        sample("established-showstates", bed.a.show_states())
        sample("established-briefstatus", bed.a.brief_status())
        sample("established-status", bed.a.status())
        sample("established-responder-showstates", bed.b.show_states())
        sample("established-responder-trafficstatus", bed.b.traffic_status())
        # peer deletes the Child SA (VM) and then the IKE SA
        sb = bed.b.show_states()
        say("  responder states:\n    " + "\n    ".join(sb.splitlines()))
        child = re.search(r'#(\d+): "t"[^\n]*(?:STATE_V2_)?ESTABLISHED_CHILD_SA',
                          sb)
        ike = re.search(r'#(\d+): "t"[^\n]*(?:STATE_V2_)?ESTABLISHED_IKE_SA', sb)
        if child:
            watch(bed, "child-deleted-by-peer",
                  "B: whack --deletestate %s (Child SA)" % child.group(1),
                  lambda: bed.b.whack("--deletestate", child.group(1)), 6)
        if ike:
            watch(bed, "ike-deleted-by-peer",
                  "B: whack --deletestate %s (IKE SA)" % ike.group(1),
                  lambda: bed.b.whack("--deletestate", ike.group(1)), 4)
        # the peer deletes the whole conn: A gets a Delete, revives, fails
        watch(bed, "peer-conn-deleted", "B: " + " ".join(bed.b.cmd_delete("t")),
              lambda: bed.b.delete("t"), 3)
        bed.a.whack("--name", "t", "--terminate")
        bed.b.add("t", check=False)
        # local terminate
        t = bed.up("t")
        offa = bed.a.log_size()
        r = bed.a.whack("--name", "t", "--terminate")
        show("A: " + " ".join(bed.a.cmd_terminate("t")), r)
        sample("terminated-showstates", bed.a.show_states())


def sec_peerdown():
    say("\n##### peerdown: peer pluto SIGKILLed; liveness (DPD) on A")
    # on the host there is no Child SA, hence no liveness probe: no samples
    sample_ = sample if ARGS.vm else (lambda *a: None)
    with Bed("pdn") as bed:
        for action in ("clear", "restart"):
            name = "dpd" + action
            bed.conn(name, "dpddelay=1\ndpdtimeout=3\ndpdaction=%s\n"
                     "retransmit-timeout=3" % action)
            t = bed.up(name)
            say("--- dpdaction=%s: up in %s" % (action, t))
            if ARGS.vm:
                bed.traffic()
            say("  " + "\n  ".join(l for l in bed.a.status().splitlines()
                                   if "liveness" in l))
            sample_("peerdown-%s-before-showstates" % action,
                   bed.a.show_states())
            offa = bed.a.log_size()
            t0 = time.monotonic()
            bed.b.kill()
            say("  B pluto SIGKILLed")
            seen = [_norm(bed.a.show_states())]
            n = 0
            while time.monotonic() - t0 < 15:
                s = bed.a.show_states()
                if _norm(s) not in seen:
                    seen.append(_norm(s))
                    n += 1
                    say("  t+%.1fs showstates:\n    %s" % (
                        time.monotonic() - t0, "\n    ".join(s.splitlines())))
                    sample_("peerdown-%s-%d-showstates" % (action, n), s)
                    sample_("peerdown-%s-%d-trafficstatus" % (action, n),
                           bed.a.traffic_status())
                    sample_("peerdown-%s-%d-briefstatus" % (action, n),
                           bed.a.brief_status())
                    if n >= 3:
                        break
                time.sleep(0.1)
            say("  A log:\n    " + "\n    ".join(
                l[:200] for l in bed.a.log_since(offa).splitlines()))
            if action == "clear":
                sample_("peerdown-clear-after-status", bed.a.status())
            bed.a.delete(name)
            if ARGS.vm:   # the killed pluto left ipsec1 behind (see "crash")
                ns_sh(bed.pair.b, "ip link del ipsec1")
            bed.b.start()


def sec_disturb():
    say("\n##### disturb: addconn / --delete of one conn vs others")
    extra = (("192.0.2.11", "192.0.2.12"), ("192.0.2.21", "192.0.2.22"))
    secrets = '@left @right : PSK "%s"\n@left2 @right2 : PSK "%s"\n' % (
        PSK, PSK)
    with Bed("dst", secrets=secrets, extra_addrs=extra) as bed:
        bed.conn("t1")
        bed.conn("t2", a_addr="192.0.2.11", b_addr="192.0.2.12",
                 aid="@left2", bid="@right2", ifnum=2)
        for c in ("t1", "t2"):
            say("  %s up in %s" % (c, bed.up(c)))
        before = bed.a.show_states()
        say("  before:\n    " + "\n    ".join(before.splitlines()))
        sample("two-conns-showstates", before)
        if ARGS.vm:
            say("  A ipsecN (ifindex: name): " + " | ".join(
                l.split("<")[0] for l in ns_sh(
                    bed.pair.a, "ip -o link show").splitlines()
                if "ipsec" in l))
        sample("two-conns-trafficstatus", bed.a.traffic_status())

        def step(tag, fn):
            offa = bed.a.log_size()
            r = fn()
            show(tag, r)
            time.sleep(0.5)
            s = bed.a.show_states()
            say("  states:\n    " + "\n    ".join(s.splitlines()))
            if ARGS.vm:
                say("  A ipsecN (ifindex: name): " + " | ".join(
                    l.split("<")[0] for l in ns_sh(
                        bed.pair.a, "ip -o link show").splitlines()
                    if "ipsec" in l))
            say("  A log:\n    " + "\n    ".join(
                l[:200] for l in bed.a.log_since(offa).splitlines()
                if not re.search(r'":?\s+\d:|proposals', l)))
            return s
        # add a brand-new third conn
        bed.conn("t3", a_addr="192.0.2.21", b_addr="192.0.2.22", add=False,
                 ifnum=3)
        s = step("A: addconn t3 (new)", lambda: bed.a.add("t3", check=False))
        # re-add t1 unchanged (replace)
        s = step("A: addconn t1 (re-add, unchanged)",
                 lambda: bed.a.add("t1", check=False))
        say("  t1 states after re-add: %s; t2: %s (before: t1 %s, t2 %s)" % (
            state_numbers(s, "t1"), state_numbers(s, "t2"),
            state_numbers(before, "t1"), state_numbers(before, "t2")))
        # modify t1 (different ike=) and re-add
        bed.a.write_conn("t1", swan.psk_conn(
            bed.pair.a_addr, bed.pair.b_addr, "@left", "@right",
            ("ipsec-interface=1\nleftupdown=/bin/true\n" if ARGS.vm else "")
            + "ike=aes256-sha2_256-modp2048"))
        s = step("A: addconn t1 (changed ike=)",
                 lambda: bed.a.add("t1", check=False))
        say("  bring t1 up again: %s" % bed.up("t1"))
        before = bed.a.show_states()
        s = step("A: whack --name t1 --delete",
                 lambda: bed.a.delete("t1"))
        say("  t2 states before/after delete of t1: %s / %s" % (
            state_numbers(before, "t2"), state_numbers(s, "t2")))
        s = step("A: whack --name t2 --delete (bring down the other)",
                 lambda: bed.a.delete("t2"))


def sec_xfrmi():
    say("\n##### xfrmi: when does pluto create/delete ipsecN (VM)")
    with Bed("xfi") as bed:
        def links(tag):
            say("  %-44s A: %s" % (tag, " | ".join(
                l.split("<")[0].strip() + " " + l.split(">")[0].split("<")[1]
                for l in ns_sh(bed.pair.a, "ip -o link show").splitlines()
                if "ipsec" in l) or "(no ipsecN)"))
        links("pluto started, nothing added")
        bed.conn("t")
        links("after addconn t")
        say("  up: %s" % bed.up("t"))
        links("after initiate (Child SA up)")
        bed.a.whack("--name", "t", "--terminate")
        links("after whack --terminate")
        bed.a.add("t")
        links("after addconn t again (replace)")
        say("  up: %s" % bed.up("t"))
        links("after initiate")
        bed.a.delete("t")
        links("after whack --delete")
        bed.a.add("t")
        links("after addconn t")


def sec_crash():
    say("\n##### crash: pluto SIGKILLed and restarted; leftover ipsecN")
    with Bed("crs") as bed:
        bed.conn("t")
        say("  up in %s" % bed.up("t"))
        say("  links B: " + " | ".join(ns_sh(bed.pair.b, "ip -br link")
                                       .splitlines()))
        bed.b.kill()
        say("  B SIGKILLed; links B: " + " | ".join(
            ns_sh(bed.pair.b, "ip -br link").splitlines()))
        say("  B xfrm state/policy left behind: %d / %d lines" % (
            len(ns_sh(bed.pair.b, "ip xfrm state").splitlines()),
            len(ns_sh(bed.pair.b, "ip xfrm policy").splitlines())))
        off = bed.b.log_size()
        bed.b.start()
        time.sleep(1.0)   # pluto's own start-up `addconn --autoall`
        r = bed.b.add("t", check=False)
        show("B (restarted): addconn t", r)
        say("  B log:\n    " + "\n    ".join(
            l for l in bed.b.log_since(off).splitlines()
            if '"t"' in l and not re.search(r'":?\s+\d:|proposals', l)))
        say("  B whack --status conn line: " + " | ".join(
            l for l in bed.b.status().splitlines() if '"t":' in l and "===" in l))
        if r.returncode != 0:
            ns_sh(bed.pair.b, "ip link del ipsec1")
            off = bed.b.log_size()
            r = bed.b.add("t", check=False)
            show("B: ip link del ipsec1; addconn t (same pluto)", r)
            say("  B log: " + " | ".join(
                l for l in bed.b.log_since(off).splitlines()
                if "added" in l or "failed" in l or "ipsec1" in l))
            # clean up BEFORE starting pluto
            bed.b.stop()
            ns_sh(bed.pair.b, "ip link del ipsec1 2>/dev/null; "
                  "ip xfrm state flush; ip xfrm policy flush")
            off = bed.b.log_size()
            bed.b.start()
            time.sleep(1.0)
            r = bed.b.add("t", check=False)
            show("B: stop; ip link del ipsec1 + xfrm flush; start; addconn t",
                 r)
            say("  B log: " + " | ".join(
                l for l in bed.b.log_since(off).splitlines()
                if '"t": added' in l or "failed" in l or "ipsec1" in l))
        r = bed.a.whack("--name", "t", "--terminate")
        say("  re-initiate from A: %s" % bed.up("t"))
        say("  " + bed.a.show_states().rstrip().replace("\n", "\n  "))


SECTIONS = {"config": sec_config, "perms": sec_perms, "iface": sec_iface, "psk": sec_psk,
            "ids": sec_ids, "outputs": sec_outputs, "peerdown": sec_peerdown,
            "disturb": sec_disturb, "crash": sec_crash, "xfrmi": sec_xfrmi}


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("sections", nargs="*")
    ap.add_argument("--vm", action="store_true",
                    help="full kernel: ipsec-interface=1, Child SAs, traffic")
    ap.add_argument("--emit", action="store_true",
                    help="print samples to stdout instead of writing files")
    ap.add_argument("--samples", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "samples"))
    ARGS = ap.parse_args()
    ok, why = swan.available()
    if not ok:
        say("SKIP:", why)
        return 77
    say("libreswan: %s (%s); kernel %s" % (why.splitlines()[0], swan.root(),
                                          os.uname().release))
    t0 = time.monotonic()
    for s in ARGS.sections or (["config", "perms", "iface", "psk", "ids", "outputs",
                                "peerdown", "disturb"] if not ARGS.vm else
                               ["iface", "outputs", "peerdown", "disturb",
                                "crash", "xfrmi"]):
        t = time.monotonic()
        SECTIONS[s]()
        say("  (%s: %.1fs)" % (s, time.monotonic() - t))
    say("total %.1fs" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
