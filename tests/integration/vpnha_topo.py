# SPDX-License-Identifier: GPL-2.0-or-later
"""Network-namespace test infrastructure for vpnhad.

Building blocks, all registered in a cleanup registry so that a failing
test still removes what it created:

- Netns: a network namespace named "vpnhat-<id>-<role>", with run()/popen().
- veth_pair(): a veth pair between two namespaces, with addresses.
- FrrRouter: FRR daemons (zebra, staticd, bgpd, vpnhad, ...) running in a
  namespace with FRR's pathspace option "-N <name>" (config in
  /etc/frr/<name>/, sockets in /var/run/frr/<name>/), driven by vtysh.
- kernel_routes(), wait_for(), json_subset().

Synchronisation is always by bounded polling (wait_for), never by sleeps.

Environment:
  VPNHA_DAEMON   vpnhad binary (default: the first existing of
                 $VPNHA_BUILDDIR, <repo>, <repo>/build + /frr-plugin/vpnhad)
  VPNHA_VTYSH    vtysh that knows vpnhad (default $FRR_KIT/vtysh/.libs/vtysh)
  FRR_KIT        configured FRR tree (default <repo>/.frr-kit/frr-<ver>)
  FRR_SBINDIR    stock FRR daemons (default /usr/lib/frr)
  VPNHA_KEEP_LOGS  set to keep per-test log directories of passing tests
"""

import errno
import glob
import grp
import json
import os
import pwd
import secrets
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

PREFIX = "vpnhat-"
FRR_ETC = "/etc/frr"
FRR_RUN = "/var/run/frr"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --------------------------------------------------------------------------
# Paths of the things under test


def _frr_kit():
    kit = os.environ.get("FRR_KIT")
    if kit:
        return kit
    kits = sorted(glob.glob(os.path.join(REPO, ".frr-kit", "frr-*/")))
    return kits[-1].rstrip("/") if kits else os.path.join(REPO, ".frr-kit", "frr")


FRR_KIT = _frr_kit()
FRR_SBINDIR = os.environ.get("FRR_SBINDIR", "/usr/lib/frr")
STOCK_VTYSH = "/usr/bin/vtysh"
# FRR 10.x (Debian 13): mgmtd exists and is required.
HAS_MGMTD = os.path.exists(os.path.join(FRR_SBINDIR, "mgmtd"))
# FRR 10.x is built with libyang 3, which keeps the entries of a list
# ("ordered-by system", the YANG default) sorted by key: running-config
# prints tunnels and routes in key order, not in the order configured
# (libyang 2 under 8.4 keeps the order configured).
LISTS_SORTED_BY_KEY = HAS_MGMTD


def system_order(block):
    """block (config_block lines) as libyang 3 prints it: within each run
    of top-level items of one kind (first word: tunnel, route, ...), the
    items sorted by their first line; an item is a line at one space of
    indentation plus the deeper lines under it."""
    head, body, tail = block[:1], block[1:-1], block[-1:]
    items = []
    for line in body:
        if line.startswith(" ") and not line.startswith("  ") and line.strip() != "exit":
            items.append([line])
        else:
            items[-1].append(line)
    out, run = [], []
    for item in items + [None]:
        if run and (item is None or item[0].split()[0] != run[0][0].split()[0]):
            for it in sorted(run, key=lambda it: it[0]):
                out.extend(it)
            run = []
        if item is not None:
            run.append(item)
    return head + out + tail


def vpnha_daemon_path():
    if os.environ.get("VPNHA_DAEMON"):
        return os.environ["VPNHA_DAEMON"]
    for bdir in (os.environ.get("VPNHA_BUILDDIR"), REPO, os.path.join(REPO, "build")):
        if bdir and os.path.exists(os.path.join(bdir, "frr-plugin", "vpnhad")):
            return os.path.join(bdir, "frr-plugin", "vpnhad")
    return os.path.join(REPO, "frr-plugin", "vpnhad")


def vpnha_vtysh_path():
    """The real binary (.libs/vtysh, on Debian's libfrr through its
    RUNPATH, as shipped) rather than libtool's wrapper script, which
    doubles every vtysh call (~100 ms more here) and made the timing of
    the tests depend on it."""
    if os.environ.get("VPNHA_VTYSH"):
        return os.environ["VPNHA_VTYSH"]
    real = os.path.join(FRR_KIT, "vtysh", ".libs", "vtysh")
    return real if os.path.exists(real) else os.path.join(FRR_KIT, "vtysh", "vtysh")


def is_executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


# --------------------------------------------------------------------------
# Errors and polling


class CommandError(Exception):
    """A command failed; carries everything needed to understand why."""

    def __init__(self, argv, returncode, stdout, stderr, why=""):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        msg = "command failed%s (rc=%s): %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            (": " + why) if why else "",
            returncode,
            " ".join(shlex.quote(str(a)) for a in argv),
            (stdout or "").rstrip(),
            (stderr or "").rstrip(),
        )
        super().__init__(msg)


def wait_for(predicate, timeout, interval=0.05, desc="condition", ok=bool, diag=None):
    """Poll predicate() until ok(value) holds; return that value.

    Exceptions raised by predicate are remembered as the observed value and
    polling goes on. On timeout raise AssertionError with desc and the last
    observed value (or exception), followed by diag()'s text if given.
    """
    deadline = time.monotonic() + timeout
    last = None
    tries = 0
    while True:
        tries += 1
        try:
            last = predicate()
            if ok(last):
                return last
        except Exception as e:  # noqa: BLE001 - reported on timeout
            last = e
        if time.monotonic() >= deadline:
            raise AssertionError(
                "timed out after %.1fs (%d tries) waiting for %s; last observed:\n%s%s"
                % (timeout, tries, desc, _fmt(last), _diag(diag))
            )
        time.sleep(interval)


def _diag(diag):
    if diag is None:
        return ""
    try:
        return "\n" + diag()
    except Exception as e:  # noqa: BLE001 - the timeout is the news
        return "\n(diagnostics failed: %s)" % e


def _fmt(value):
    if isinstance(value, str):
        return value
    if isinstance(value, Exception):
        return "%s: %s" % (type(value).__name__, value)
    try:
        return json.dumps(value, indent=2, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def json_subset(actual, expected, path="$", exact_lists=False):
    """Compare like FRR topotest's json_cmp.

    dicts: every key of expected must be in actual and match; a value of
    None in expected means the key must be ABSENT from actual.
    lists: compared by position; actual may be longer unless exact_lists.
    scalars: equal (booleans only match booleans).
    Returns None when actual matches, else a human-readable diff.
    """
    errors = []
    _subset(actual, expected, path, exact_lists, errors)
    return "\n".join(errors) if errors else None


def _subset(actual, expected, path, exact_lists, errors):
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            errors.append("%s: expected an object, got %s" % (path, _short(actual)))
            return
        for key, exp in expected.items():
            sub = "%s.%s" % (path, key)
            if exp is None:
                if key in actual:
                    errors.append("%s: expected absent, got %s" % (sub, _short(actual[key])))
                continue
            if key not in actual:
                errors.append("%s: missing (expected %s)" % (sub, _short(exp)))
                continue
            _subset(actual[key], exp, sub, exact_lists, errors)
    elif isinstance(expected, list):
        if not isinstance(actual, list):
            errors.append("%s: expected a list, got %s" % (path, _short(actual)))
            return
        if len(actual) < len(expected) or (exact_lists and len(actual) != len(expected)):
            errors.append(
                "%s: expected %s%d elements, got %d: %s"
                % (path, "" if exact_lists else ">= ", len(expected), len(actual), _short(actual))
            )
            return
        for i, exp in enumerate(expected):
            _subset(actual[i], exp, "%s[%d]" % (path, i), exact_lists, errors)
    else:
        same = actual == expected
        if isinstance(expected, bool) or isinstance(actual, bool):
            same = same and type(actual) is type(expected)
        if not same:
            errors.append("%s: expected %s, got %s" % (path, _short(expected), _short(actual)))


def _short(value, limit=300):
    s = json.dumps(value, sort_keys=True) if not isinstance(value, str) else repr(value)
    return s if len(s) <= limit else s[:limit] + "..."


# --------------------------------------------------------------------------
# Cleanup registry


class Registry:
    """LIFO list of cleanup actions; close() runs them all, bounded."""

    def __init__(self, name):
        self.name = name
        self._actions = []

    def push(self, fn, desc):
        self._actions.append((fn, desc))
        return fn

    def discard(self, fn):
        self._actions = [(f, d) for (f, d) in self._actions if f is not fn]

    def close(self):
        errors = []
        while self._actions:
            fn, desc = self._actions.pop()
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - keep cleaning
                errors.append("%s: %s" % (desc, e))
        return errors


_registries = [Registry("global")]


def current_registry():
    return _registries[-1]


class registry_scope:
    """with registry_scope("test") as reg: ... everything created inside is
    registered in reg and cleaned up on exit (also on exceptions)."""

    def __init__(self, name):
        self.reg = Registry(name)
        self.errors = []

    def __enter__(self):
        _registries.append(self.reg)
        return self.reg

    def __exit__(self, *exc):
        try:
            self.errors = self.reg.close()
        finally:
            _registries.remove(self.reg)
        if self.errors:
            sys.stderr.write("cleanup errors in %s:\n  %s\n" % (self.reg.name, "\n  ".join(self.errors)))
        return False


def _close_all():
    for reg in reversed(list(_registries)):
        reg.close()


import atexit  # noqa: E402

atexit.register(_close_all)


# --------------------------------------------------------------------------
# Processes


def terminate(proc, timeout=5.0, kill_timeout=3.0):
    """SIGTERM, wait up to timeout, then SIGKILL; bounded. Returns rc."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        try:
            return proc.wait(timeout=kill_timeout)
        except subprocess.TimeoutExpired:
            return None
    except ProcessLookupError:
        return proc.poll()


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _kill_pids(pids, timeout=3.0):
    """SIGTERM the pids (ours: found in our own namespaces), then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [p for p in pids if _pid_alive(p)]
            if not pids:
                return
            time.sleep(0.02)


def _run(argv, check=True, timeout=15, input=None, env=None):
    try:
        cp = subprocess.run(
            argv,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as e:
        raise CommandError(argv, None, _txt(e.stdout), _txt(e.stderr), "timeout %ss" % timeout) from None
    if check and cp.returncode != 0:
        raise CommandError(argv, cp.returncode, cp.stdout, cp.stderr)
    return cp


def _txt(b):
    if b is None:
        return ""
    return b.decode(errors="replace") if isinstance(b, bytes) else b


# --------------------------------------------------------------------------
# Namespaces


def unique_name(role):
    """vpnhat-<owner pid>-<4 hex>-<role>; valid as netns name and FRR
    pathspace. The pid lets a sweep tell a crashed run's leftovers from
    a concurrent live run's."""
    name = "%s%d-%s-%s" % (PREFIX, os.getpid(), secrets.token_hex(2), role)
    if "." in name or "/" in name:
        raise ValueError("no dots or slashes in names: %r" % name)
    return name


def _owner_alive(name):
    """True when name belongs to a live process other than us."""
    rest = os.path.basename(name)[len(PREFIX):]
    pid = rest.split("-", 1)[0]
    if not pid.isdigit():
        return False
    pid = int(pid)
    return pid != os.getpid() and _pid_alive(pid)


def netns_list():
    out = _run(["ip", "netns", "list"], check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def netns_pids(name):
    cp = _run(["ip", "netns", "pids", name], check=False)
    return [int(p) for p in cp.stdout.split() if p.isdigit()]


def sweep_stale(include_own=False):
    """Remove leftovers of crashed runs: vpnhat-* namespaces (and the
    processes inside them), /etc/frr/vpnhat-*, /var/run/frr/vpnhat-*,
    unless their owner (pid in the name) still runs. Our own are kept
    unless include_own. Returns what was removed."""

    def stale(name):
        own = os.path.basename(name).startswith("%s%d-" % (PREFIX, os.getpid()))
        return include_own if own else not _owner_alive(name)

    removed = []
    for ns in netns_list():
        if ns.startswith(PREFIX) and stale(ns):
            _kill_pids(netns_pids(ns))
            _run(["ip", "netns", "del", ns], check=False)
            removed.append(ns)
    for base in (FRR_ETC, FRR_RUN):
        for d in glob.glob(os.path.join(base, PREFIX + "*")):
            if stale(d):
                shutil.rmtree(d, ignore_errors=True)
                removed.append(d)
    return removed


class Netns:
    """A network namespace "vpnhat-<id>-<role>", deleted at cleanup."""

    def __init__(self, role, registry=None):
        self.role = role
        self.name = unique_name(role)
        self.registry = registry or current_registry()
        _run(["ip", "netns", "add", self.name])
        self.registry.push(self.delete, "delete netns %s" % self.name)
        self.run(["ip", "link", "set", "lo", "up"])

    def __repr__(self):
        return "Netns(%s)" % self.name

    def argv(self, cmd):
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        return ["ip", "netns", "exec", self.name] + [str(c) for c in cmd]

    def run(self, cmd, check=True, timeout=15, input=None, env=None):
        """Run cmd (list, or str for sh -c) in the namespace; return a
        CompletedProcess (text); raise CommandError if check and rc != 0."""
        return _run(self.argv(cmd), check=check, timeout=timeout, input=input, env=env)

    def popen(self, cmd, **kwargs):
        """Start cmd in the namespace. `ip netns exec` execs, so the Popen's
        pid is the command's. The caller owns the process (see Daemon)."""
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        kwargs.setdefault("start_new_session", True)
        return subprocess.Popen(self.argv(cmd), **kwargs)

    def sysctl(self, key, value):
        self.run(["sysctl", "-q", "-w", "%s=%s" % (key, value)])

    def ip(self, *args, check=True):
        return _run(["ip", "-n", self.name] + [str(a) for a in args], check=check)

    def ip_json(self, *args):
        out = _run(["ip", "-j", "-n", self.name] + [str(a) for a in args]).stdout.strip()
        return json.loads(out) if out else []

    def link_set(self, ifname, state):
        self.ip("link", "set", ifname, state)

    def ifindex(self, ifname):
        return self.ip_json("link", "show", ifname)[0]["ifindex"]

    def add_addr(self, ifname, addr):
        fam = ["-6"] if ":" in addr else []
        _run(["ip", "-n", self.name] + fam + ["addr", "add", addr, "dev", ifname] +
             (["nodad"] if fam else []))

    def delete(self):
        if self.name not in netns_list():
            return
        _kill_pids(netns_pids(self.name))
        _run(["ip", "netns", "del", self.name], check=False)


def veth_pair(ns_a, if_a, ns_b, if_b, addrs_a=(), addrs_b=(), up=True):
    """Create veth if_a (in ns_a) <-> if_b (in ns_b); add addresses
    ("A.B.C.D/len" or IPv6, a string or a list); bring both up. The pair
    disappears with its namespaces."""
    _run(["ip", "-n", ns_a.name, "link", "add", if_a, "type", "veth",
          "peer", "name", if_b, "netns", ns_b.name])
    for ns, ifname, addrs in ((ns_a, if_a, addrs_a), (ns_b, if_b, addrs_b)):
        if isinstance(addrs, str):
            addrs = [addrs]
        for a in addrs:
            ns.add_addr(ifname, a)
        if up:
            ns.link_set(ifname, "up")


def kernel_routes(ns, prefix, family=4, table=None):
    """Kernel routes exactly matching prefix, as `ip -j route show` dicts
    (keys: dst, dev, protocol, metric, nhid, ...)."""
    ns_name = ns.name if isinstance(ns, Netns) else ns
    argv = ["ip", "-j", "-%d" % family, "-n", ns_name, "route", "show"]
    if table is not None:
        argv += ["table", str(table)]
    argv += ["exact", prefix]
    out = _run(argv).stdout.strip()
    return json.loads(out) if out else []


def kernel_route_devs(ns, prefix, family=4):
    """Sorted output devices of the exact-match kernel routes of prefix."""
    devs = []
    for r in kernel_routes(ns, prefix, family):
        if "dev" in r:
            devs.append(r["dev"])
        for nh in r.get("nexthops", []):
            if "dev" in nh:
                devs.append(nh["dev"])
    return sorted(devs)


def nft_table(ns, family, table, ruleset_text):
    """Load an nft ruleset (text containing `table <family> <table> {...}`)
    in ns; the table is deleted at cleanup."""
    ns.run(["nft", "-f", "-"], input=ruleset_text)
    current_registry().push(
        lambda: ns.run(["nft", "delete", "table", family, table], check=False),
        "nft table %s %s in %s" % (family, table, ns.name),
    )


# --------------------------------------------------------------------------
# FRR


def _frr_ids():
    try:
        return pwd.getpwnam("frr").pw_uid, grp.getgrnam("frr").gr_gid
    except KeyError:
        return 0, 0


class Daemon:
    """One FRR daemon process running in the foreground under Popen."""

    def __init__(self, name, argv, proc, log_path):
        self.name = name
        self.argv = argv
        self.proc = proc
        self.log_path = log_path

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=5.0):
        return terminate(self.proc, timeout=timeout)

    def kill(self):
        if self.alive():
            self.proc.kill()
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass
        return self.proc.poll()


def log_tail(path, lines=60):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return "<%s>" % e


# Routers alive in the current test (conftest prints their logs on failure).
ACTIVE_ROUTERS = []


class FrrRouter:
    """FRR daemons in namespace ns, pathspace = ns.name.

    logdir: directory that receives <daemon>.log (stdout+stderr of each
    daemon run; a restart appends).
    """

    # Extra options per stock daemon.
    DAEMON_ARGS = {
        "bgpd": ["-p", "0"],  # no BGP listener
    }

    def __init__(self, ns, logdir, vtysh=None, registry=None):
        self.ns = ns
        self.name = ns.name
        self.logdir = logdir
        self.vtysh_bin = vtysh or vpnha_vtysh_path()
        self.registry = registry or current_registry()
        self.daemons = {}
        self.confdir = os.path.join(FRR_ETC, self.name)
        self.rundir = os.path.join(FRR_RUN, self.name)
        os.makedirs(logdir, exist_ok=True)
        uid, gid = _frr_ids()
        for d, mode in ((self.confdir, 0o750), (self.rundir, 0o755)):
            os.makedirs(d, exist_ok=True)
            os.chown(d, uid, gid)
            os.chmod(d, mode)
            self.registry.push(lambda d=d: shutil.rmtree(d, ignore_errors=True), "rm %s" % d)
        # Integrated config, so that `write memory` writes frr.conf.
        self.write_conf_file("vtysh.conf", "service integrated-vtysh-config\n")
        self.registry.push(self.stop_all, "stop daemons of %s" % self.name)
        ACTIVE_ROUTERS.append(self)
        self.registry.push(lambda: ACTIVE_ROUTERS.remove(self), "forget router %s" % self.name)

    def write_conf_file(self, fname, text):
        path = os.path.join(self.confdir, fname)
        with open(path, "w") as f:
            f.write(text)
        uid, gid = _frr_ids()
        os.chown(path, uid, gid)
        os.chmod(path, 0o640)
        return path

    # ---- daemons

    def daemon_argv(self, daemon, binary=None, extra_args=()):
        binary = binary or os.path.join(FRR_SBINDIR, daemon)
        return ([binary, "-N", self.name, "-A", "127.0.0.1", "-P", "0", "--log", "stdout"]
                + self.DAEMON_ARGS.get(daemon, []) + list(extra_args))

    def vty_socket(self, daemon):
        return os.path.join(self.rundir, "%s.vty" % daemon)

    def start_daemon(self, daemon, extra_args=(), binary=None, wait=True, timeout=10.0):
        """Start daemon in the foreground (no -d) with its log in logdir;
        return when its vty socket accepts connections."""
        old = self.daemons.get(daemon)
        if old is not None and old.alive():
            raise RuntimeError("%s already running in %s" % (daemon, self.name))
        argv = self.daemon_argv(daemon, binary, extra_args)
        log_path = os.path.join(self.logdir, "%s.log" % daemon)
        # Remove a stale socket so readiness means "this instance".
        for sock in (self.vty_socket(daemon),):
            try:
                os.unlink(sock)
            except FileNotFoundError:
                pass
        with open(log_path, "a") as logf:
            logf.write("==== %s start: %s\n" % (time.strftime("%H:%M:%S"), " ".join(argv)))
            logf.flush()
            proc = self.ns.popen(argv, stdout=logf, stderr=subprocess.STDOUT)
        d = Daemon(daemon, argv, proc, log_path)
        self.daemons[daemon] = d
        if wait:
            self.wait_daemon_ready(daemon, timeout)
        return d

    def start_zebra(self, extra_args=(), **kw):
        # FRR 10.x requires mgmtd (staticd's and zebra's YANG config go
        # through it): it starts first and stops last.  8.4 has none.
        if HAS_MGMTD and not self.running("mgmtd"):
            self.start_daemon("mgmtd")
        return self.start_daemon("zebra", extra_args, **kw)

    def start_vpnhad(self, extra_args=(), **kw):
        return self.start_daemon("vpnhad", extra_args, binary=vpnha_daemon_path(), **kw)

    def wait_daemon_ready(self, daemon, timeout=10.0):
        d = self.daemons[daemon]
        # zebra opens zserv.api before its vty socket; only check that it
        # exists (a probe connection makes zebra log a client error).
        files = [os.path.join(self.rundir, "zserv.api")] if daemon == "zebra" else []

        def ready():
            if not d.alive():
                raise RuntimeError("%s exited rc=%s; log:\n%s" % (daemon, d.proc.returncode, log_tail(d.log_path)))
            return _unix_connectable(self.vty_socket(daemon)) and all(os.path.exists(f) for f in files)

        try:
            wait_for(ready, timeout, desc="%s in %s to accept vty connections" % (daemon, self.name))
        except AssertionError as e:
            raise AssertionError("%s\n--- %s log ---\n%s" % (e, daemon, log_tail(d.log_path))) from None

    def stop(self, daemon, timeout=5.0):
        d = self.daemons.get(daemon)
        return d.stop(timeout) if d else None

    def kill(self, daemon):
        d = self.daemons.get(daemon)
        return d.kill() if d else None

    def restart(self, daemon, extra_args=None, **kw):
        d = self.daemons.get(daemon)
        binary = d.argv[0] if d else None
        if d:
            d.stop()
            if extra_args is None:
                extra_args = d.argv[len(self.daemon_argv(daemon, binary)):]
        return self.start_daemon(daemon, extra_args or (), binary=binary, **kw)

    def running(self, daemon):
        d = self.daemons.get(daemon)
        return bool(d and d.alive())

    def stop_all(self):
        # Clients first, zebra last (zebra then removes its kernel routes).
        last = ("zebra", "mgmtd")
        names = [n for n in self.daemons if n not in last] + [n for n in last if n in self.daemons]
        for n in names:
            self.daemons[n].stop()

    def logs(self, lines=80):
        """Tails of all daemon logs, for failure reports."""
        out = []
        for n, d in self.daemons.items():
            out.append("--- %s (%s) %s ---\n%s" % (n, self.name, d.log_path, log_tail(d.log_path, lines)))
        return "\n".join(out)

    # ---- vtysh

    def vtysh_argv(self, cmds, daemon=None, extra=()):
        argv = [self.vtysh_bin, "-N", self.name] + list(extra)
        if daemon:
            argv += ["-d", daemon]
        for c in cmds:
            argv += ["-c", c]
        return argv

    def vtysh_raw(self, *cmds, daemon=None, extra=(), timeout=15):
        """Run vtysh -c ... in the namespace; return the CompletedProcess."""
        return self.ns.run(self.vtysh_argv(cmds, daemon, extra), check=False, timeout=timeout)

    def vtysh(self, *cmds, daemon=None, check=True, timeout=15):
        """Run commands in one vtysh invocation; return stdout. Raise
        CommandError on a non-zero exit or when an output line starts
        with "%" (FRR's error marker)."""
        cp = self.vtysh_raw(*cmds, daemon=daemon, timeout=timeout)
        if check:
            bad = [l for l in cp.stdout.splitlines() if l.lstrip().startswith("%")]
            if cp.returncode != 0 or bad:
                raise CommandError(cp.args, cp.returncode, cp.stdout, cp.stderr,
                                   "vtysh error" if bad else "")
        return cp.stdout

    def vtysh_json(self, cmd, daemon=None, timeout=15):
        out = self.vtysh(cmd, daemon=daemon, timeout=timeout)
        try:
            return json.loads(out) if out.strip() else {}
        except ValueError as e:
            raise AssertionError("%r returned no JSON (%s):\n%s" % (cmd, e, out)) from None

    @staticmethod
    def config_lines(text):
        lines = []
        for line in (text.splitlines() if isinstance(text, str) else text):
            s = line.strip()
            if not s or s.startswith("!") or s.startswith("#"):
                continue
            lines.append(s)
        return lines

    def configure(self, text, check=True):
        """Send a multi-line configuration as one vtysh -c chain after
        'configure terminal'. Return the CompletedProcess; with check,
        raise CommandError on failure (rc or "%" output)."""
        cmds = ["configure terminal"] + self.config_lines(text)
        cp = self.vtysh_raw(*cmds)
        # FRR 10.3's mgmtd releases the running datastore's lock only
        # after its commit reply has resumed the vty, so the next command
        # of the chain (staticd's, zebra's) can find it still taken:
        # "could not lock running DS" (fixed upstream after 10.3: FRR
        # PR 22404).  The chain again, a few times: what the first try
        # applied is applied again (ip route is idempotent; a "no" of
        # something already gone still fails, as it should).
        for attempt in range(3):
            if not (HAS_MGMTD and "could not lock running DS" in cp.stdout):
                break
            print("configure: mgmtd's running lock race (FRR PR 22404), try %d" % (attempt + 2))
            time.sleep(0.1 * (attempt + 1))
            cp = self.vtysh_raw(*cmds)
        if check:
            bad = [l for l in cp.stdout.splitlines() if l.lstrip().startswith("%")]
            if cp.returncode != 0 or bad:
                raise CommandError(cp.args, cp.returncode, cp.stdout, cp.stderr, "configuration rejected")
        return cp

    def running_config(self, daemon=None):
        return self.vtysh("show running-config", daemon=daemon)

    def write_memory(self):
        return self.vtysh("write memory")

    def boot(self, timeout=30):
        """vtysh -b: apply /etc/frr/<name>/frr.conf to the running daemons."""
        cp = self.ns.run([self.vtysh_bin, "-N", self.name, "-b"], check=False, timeout=timeout)
        if cp.returncode != 0:
            raise CommandError(cp.args, cp.returncode, cp.stdout, cp.stderr, "vtysh -b")
        return cp.stdout

    # ---- RIB

    def rib(self, prefix, family=4):
        """zebra's `show ip[v6] route PREFIX json` entries for prefix ([])."""
        cmd = "show %s route %s json" % ("ip" if family == 4 else "ipv6", prefix)
        return self.vtysh_json(cmd).get(prefix, [])

    def rib_sorted(self, prefix, family=4, protocol=None):
        """rib() entries (optionally only one protocol) sorted by distance,
        then instance: zebra lists them in its internal order."""
        entries = self.rib(prefix, family)
        if protocol:
            entries = [e for e in entries if e.get("protocol") == protocol]
        return sorted(entries, key=lambda e: (e.get("distance", 0), e.get("instance", 0)))


def _unix_connectable(path):
    if not os.path.exists(path):
        return False
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect(path)
        return True
    except OSError as e:
        if e.errno in (errno.ECONNREFUSED, errno.ENOENT, errno.EAGAIN):
            return False
        raise
    finally:
        s.close()


# --------------------------------------------------------------------------
# Running-config helpers


def config_block(running_config, start):
    """The lines of the top-level block that begins with line `start`
    (e.g. "vpn-ha") up to and including its closing "exit" at column 0;
    [] if absent. Lines keep their indentation; "!" lines are dropped."""
    out = []
    inside = False
    for line in running_config.splitlines():
        if not inside:
            if line.rstrip() == start:
                inside = True
                out.append(line.rstrip())
            continue
        if line.strip() in ("", "!"):
            continue
        out.append(line.rstrip())
        if line.rstrip() == "exit":
            break
    return out


_REACH_PY = """
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.settimeout(float(sys.argv[3]))
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("open")
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print("error %s" % e)
"""


def reachable(ns, dst, port=9, timeout=3.0):
    """True when dst answers a TCP SYN from ns (a RST counts: the scheme's
    P owns 10.20.0.0/16 and listens nowhere). Needs no ping binary."""
    cp = ns.run(["/usr/bin/python3", "-c", _REACH_PY, dst, str(port), str(timeout)],
                check=False, timeout=timeout + 10)
    return cp.stdout.strip() in ("open", "refused")


# --------------------------------------------------------------------------
# The dual-tunnel scheme of the README


SCHEME_PREFIX = "10.20.0.0/16"

README_CONFIG = """\
vpn-ha
 gateway idc-gw local-address 198.51.100.1
 peer cloud-a
  address 203.0.113.1
 exit
 peer cloud-b
  address 203.0.113.2
 exit
 tunnel primary
  interface vti1
  peer cloud-a
 exit
 tunnel backup
  interface vti2
  peer cloud-b
 exit
 route 10.20.0.0/16 tunnel primary weight 0
 route 10.20.0.0/16 tunnel backup weight 100
exit
"""


class Scheme:
    """R (the IDC router running FRR) and P (both cloud gateways):

        R vti1 169.254.1.1/30 <-veth-> P cvti1 169.254.1.2/30
        R vti2 169.254.2.1/30 <-veth-> P cvti2 169.254.2.2/30

    P owns 10.20.0.0/16 (10.20.0.1/32 on lo plus a local route for the
    whole /16) and answers ARP on its veth ends (proxy_arp), so an
    ifindex-only route "10.20.0.0/16 dev vti1" in R carries traffic.
    zebra runs in R (self.rt); nothing else is started.
    """

    prefix = SCHEME_PREFIX
    tunnels = {"primary": "vti1", "backup": "vti2"}

    def __init__(self, logdir, vtysh=None, start_zebra=True, zebra_args=()):
        self.logdir = logdir
        self.r = Netns("r")
        self.p = Netns("p")
        veth_pair(self.r, "vti1", self.p, "cvti1", "169.254.1.1/30", "169.254.1.2/30")
        veth_pair(self.r, "vti2", self.p, "cvti2", "169.254.2.1/30", "169.254.2.2/30")
        self.p.add_addr("lo", "10.20.0.1/32")
        self.p.ip("route", "add", "local", SCHEME_PREFIX, "dev", "lo")
        for key in ("all", "default", "cvti1", "cvti2"):
            self.p.sysctl("net.ipv4.conf.%s.rp_filter" % key, 0)
        for ifname in ("cvti1", "cvti2"):
            self.p.sysctl("net.ipv4.conf.%s.proxy_arp" % ifname, 1)
            # Answer at once: proxy ARP replies are delayed up to 0.8 s
            # by default, which a loaded test machine turns into misses.
            self.p.sysctl("net.ipv4.neigh.%s.proxy_delay" % ifname, 0)
        self.rt = FrrRouter(self.r, logdir, vtysh=vtysh)
        if start_zebra:
            self.rt.start_zebra(zebra_args)

    def kernel_devs(self, prefix=SCHEME_PREFIX):
        return kernel_route_devs(self.r, prefix)

    def wait_kernel_devs(self, devs, timeout=5.0, prefix=SCHEME_PREFIX):
        """Wait until the kernel routes for prefix in R leave by exactly
        devs (a list; [] = no route)."""
        return wait_for(lambda: self.kernel_devs(prefix), timeout,
                        ok=lambda v: v == sorted(devs),
                        desc="kernel route %s in %s via %s" % (prefix, self.r.name, devs or "nothing"))


# --------------------------------------------------------------------------
# Health checks (test_health.py): probe addresses, failure injection


# The scheme's health-check addresses: tunnel -> (source in R, destination in P).
HC_ADDRS = {"primary": ("169.254.1.1", "169.254.1.2"), "backup": ("169.254.2.1", "169.254.2.2")}

# health-check parameters as Python keywords -> CLI words.
_HC_PARAMS = {
    "interval": "interval", "timeout": "timeout", "miss_count": "miss-count",
    "recovery_count": "recovery-count", "hold_down": "hold-down", "window": "window",
    "loss_threshold": "loss-threshold", "latency_threshold": "latency-threshold",
    "type": "type",  # icmp | bfd
    "detection": "detection",  # adaptive | timeout
}


def health_check_config(tunnels):
    """vtysh text configuring health checks: tunnels maps a tunnel name to
    a dict with optional "source"/"destination" (default HC_ADDRS), the
    _HC_PARAMS keywords (e.g. hold_down=1000) and "preempt" (bool)."""
    lines = ["vpn-ha"]
    for name, params in tunnels.items():
        params = dict(params or {})
        src, dst = HC_ADDRS.get(name, (None, None))
        src, dst = params.pop("source", src), params.pop("destination", dst)
        lines += [" tunnel %s" % name, "  health-check source %s destination %s" % (src, dst)]
        preempt = params.pop("preempt", None)
        for key, value in params.items():
            if key not in _HC_PARAMS:
                raise ValueError("unknown health-check parameter %r" % key)
            lines.append("  health-check %s %s" % (_HC_PARAMS[key], value))
        if preempt is not None:
            lines.append("  %shealth-check preempt" % ("" if preempt else "no "))
        lines.append(" exit")
    lines.append("exit")
    return "\n".join(lines) + "\n"


def pin_neighbour(ns, ifname, addr, peer_ns, peer_ifname):
    """A permanent neighbour entry for addr (owned by peer_ns:peer_ifname)
    on ns:ifname. Permanent entries are exempt from the neighbour table
    limit (gc_thresh3, 1024 entries shared by ALL namespaces), which a
    concurrent run with hundreds of veth pairs (bench/) can exhaust: then
    the kernel silently discards unresolved packets (IpOutDiscards,
    "neighbor table overflow" in dmesg) and every probe is lost."""
    mac = peer_ns.ip_json("link", "show", peer_ifname)[0]["address"]
    ns.ip("neigh", "replace", addr, "lladdr", mac, "dev", ifname, "nud", "permanent")


def pin_scheme_neighbours(s, extra=()):
    """Permanent neighbour entries for the scheme's tunnel addresses on
    both sides (vt.pin_neighbour: immune to a full shared neighbour
    table). extra: more (r_ifname, r_addr, p_ifname, p_addr) tuples."""
    pairs = [("vti1", "169.254.1.1", "cvti1", "169.254.1.2"),
             ("vti2", "169.254.2.1", "cvti2", "169.254.2.2")] + list(extra)
    for r_if, r_addr, p_if, p_addr in pairs:
        pin_neighbour(s.r, r_if, p_addr, s.p, p_if)
        pin_neighbour(s.p, p_if, r_addr, s.r, r_if)


class NftBlock:
    """Failure injection in a namespace: one nft table with a prerouting
    chain at priority -300 (before conntrack and routing), so a rule on
    iifname drops everything arriving on an interface that stays UP -- a
    silent failure. The table is deleted at cleanup (also on failure).

    drop(ifname, match="") adds `iifname IF [match] drop` (match e.g.
    "numgen random mod 100 < 5"); allow(ifname) removes those rules.
    Both return (t_before, t_after): time.monotonic() around the nft
    command, between which the change took effect."""

    def __init__(self, ns, table="vpnhat_block"):
        self.ns = ns
        self.table = table
        nft_table(ns, "inet", table,
                  "table inet %s {\n chain pre {\n  type filter hook prerouting priority -300;\n"
                  "  policy accept;\n }\n}\n" % table)

    def _nft(self, script):
        t0 = time.monotonic()
        self.ns.run(["nft", "-f", "-"], input=script)
        return t0, time.monotonic()

    def drop(self, ifname, match=""):
        return self._nft("add rule inet %s pre iifname \"%s\" %s drop\n"
                         % (self.table, ifname, match))

    def rules(self):
        out = self.ns.run(["nft", "-j", "list", "chain", "inet", self.table, "pre"]).stdout
        return [e["rule"] for e in json.loads(out)["nftables"] if "rule" in e]

    def _handles(self, ifname):
        handles = []
        for r in self.rules():
            for m in r.get("expr", []):
                mm = m.get("match", {})
                if mm.get("left", {}).get("meta", {}).get("key") == "iifname" and mm.get("right") == ifname:
                    handles.append(r["handle"])
        return handles

    def allow(self, ifname):
        handles = self._handles(ifname)
        if not handles:
            t = time.monotonic()
            return t, t
        return self._nft("".join("delete rule inet %s pre handle %d\n" % (self.table, h) for h in handles))

    def allow_all(self):
        return self._nft("flush chain inet %s pre\n" % self.table)


# --------------------------------------------------------------------------
# Traffic: a constant-rate UDP sequence stream between two namespaces


def link_stats(ns, ifname):
    """`ip -s -j link show IFNAME` statistics of ns:ifname as
    {"rx": {...}, "tx": {...}} (packets, bytes, dropped, ...)."""
    link = ns.ip_json("-s", "link", "show", "dev", ifname)[0]
    st = link.get("stats64") or link.get("stats") or {}
    return {"rx": st.get("rx", {}), "tx": st.get("tx", {})}


def link_rx_packets(ns, ifnames):
    """{ifname: received packets} of ns's interfaces ifnames."""
    return {i: link_stats(ns, i)["rx"].get("packets", 0) for i in ifnames}


# The sender: one datagram per period, "!IQQ" = stream id, sequence
# number, CLOCK_MONOTONIC ns just before sendto() (the monotonic clock
# is the same in every namespace). Runs until SIGTERM or max_s, then
# writes {"sent", "times", "errors"} as JSON on stdout; "ready\n" first.
_UDP_SENDER_PY = r"""
import json, signal, socket, struct, sys, time
dst, port, rate, max_s, sid, size = (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                                     float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 32, 1 << 21)  # SO_SNDBUFFORCE
pad = b"\0" * max(0, size - 20)
period = 1e9 / rate
times, errors = [], {}
sys.stdout.write("ready\n")
sys.stdout.flush()
t0 = time.monotonic_ns()
end = t0 + int(max_s * 1e9)
seq = 0
while not stop:
    now = time.monotonic_ns()
    if now >= end:
        break
    due = t0 + int(seq * period)
    if now < due:
        time.sleep((due - now) / 1e9)
        continue
    t = time.monotonic_ns()
    try:
        s.sendto(struct.pack("!IQQ", sid, seq, t) + pad, (dst, port))
    except OSError as e:
        errors[seq] = e.errno
    times.append(t)
    seq += 1
json.dump({"sent": seq, "times": times, "errors": errors}, sys.stdout)
"""

# The receiver: bound to 0.0.0.0:port; for each datagram of the stream
# records (seq, send ns, receive ns, ifindex, IP TOS byte: a router on
# the path may mark it, test_scheme.py does). The receive time is the
# kernel's (SO_TIMESTAMPNS, CLOCK_REALTIME, mapped to CLOCK_MONOTONIC),
# so a late-scheduled receiver does not make packets "late". Runs until
# SIGTERM or max_s, then writes JSON on stdout; "ready\n" first.
_UDP_RECEIVER_PY = r"""
import json, signal, socket, struct, sys, time
port, max_s, sid = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
SO_TIMESTAMPNS, SO_RXQ_OVFL, IP_PKTINFO, SO_RCVBUFFORCE = 35, 40, 8, 33
IP_TOS, IP_RECVTOS = 1, 13
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 1 << 23)
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
s.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)
s.bind(("0.0.0.0", port))
s.settimeout(0.05)

def offset():
    # CLOCK_REALTIME - CLOCK_MONOTONIC, from the tightest of a few reads.
    best = None
    for _ in range(20):
        a = time.monotonic_ns()
        r = time.clock_gettime_ns(time.CLOCK_REALTIME)
        b = time.monotonic_ns()
        if best is None or b - a < best[0]:
            best = (b - a, r - (a + b) // 2)
    return best[1]

off = offset()
recs, other, drops, kts = [], 0, 0, 0
sys.stdout.write("ready\n")
sys.stdout.flush()
end = time.monotonic_ns() + int(max_s * 1e9)
while not stop and time.monotonic_ns() < end:
    try:
        data, anc, flags, addr = s.recvmsg(2048, 256)
    except socket.timeout:
        continue
    now = time.monotonic_ns()
    rx, ifindex, tos = now, 0, 0
    for level, typ, cdata in anc:
        if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS and len(cdata) >= 16:
            sec, nsec = struct.unpack("qq", cdata[:16])
            k = sec * 1000000000 + nsec - off
            if k <= now + 1000000:  # sane: not after we read it
                rx = k
                kts += 1
        elif level == socket.SOL_SOCKET and typ == SO_RXQ_OVFL and len(cdata) >= 4:
            drops = struct.unpack("I", cdata[:4])[0]
        elif level == socket.IPPROTO_IP and typ == IP_PKTINFO and len(cdata) >= 4:
            ifindex = struct.unpack("i", cdata[:4])[0]
        elif level == socket.IPPROTO_IP and typ == IP_TOS and len(cdata) >= 1:
            tos = cdata[0]
    if len(data) < 20:
        other += 1
        continue
    psid, seq, sent = struct.unpack("!IQQ", data[:20])
    if psid != sid:
        other += 1
        continue
    recs.append((seq, sent, rx, ifindex, tos))
json.dump({"records": recs, "other": other, "socket_drops": drops, "kernel_ts": kts}, sys.stdout)
"""


class UdpStreamStats:
    """What a UdpStream measured. Times in ms; a packet is lost when it
    never arrived or arrived more than late_ms after it was sent.

    sent, received (distinct, on time or not), missing (seqs never
    received), late (seqs received too late), lost (sorted union),
    duplicates, send_errors ({seq: errno}), socket_drops (receiver socket
    overflows: a test-machine problem, not a network loss), other
    (foreign datagrams), by_interface ({receiver ifname: packets}),
    delivered ({seq: (send ns, receive ns, IP TOS byte)} of the first
    copy of each packet received, late or not),
    runs: [(first seq, last seq, packets, window ms)] of consecutive lost
    packets, where window = send time of the last - send time of the
    first + one period (the time during which everything sent was lost),
    loss_window_ms (the longest run's window, 0 without loss),
    max_gap_ms (longest send-time gap between two consecutive delivered
    packets: >= one period), max_latency_ms (of the delivered packets),
    sender_max_interval_ms (the sender's own longest pause between two
    sends: a loaded machine, not the network), duration_ms."""

    def __init__(self, rate_hz, late_ms, sender, receiver, ifnames):
        self.rate_hz = rate_hz
        self.late_ms = late_ms
        period_ms = 1000.0 / rate_hz
        times = sender["times"]
        self.sent = sender["sent"]
        self.send_errors = {int(k): v for k, v in sender["errors"].items()}
        self.socket_drops = receiver["socket_drops"]
        self.other = receiver["other"]
        self.kernel_timestamps = receiver["kernel_ts"]
        self.duration_ms = (times[-1] - times[0]) / 1e6 if times else 0.0
        self.sender_max_interval_ms = max(((b - a) / 1e6 for a, b in zip(times, times[1:])), default=0.0)

        first = {}
        self.duplicates = 0
        self.by_interface = {}
        self.delivered = {}
        for rec in receiver["records"]:
            seq, sent, rx, ifindex = rec[:4]
            if seq >= self.sent:
                continue
            if seq in first:
                self.duplicates += 1
                continue
            first[seq] = (rx - sent) / 1e6
            self.delivered[seq] = (sent, rx, rec[4] if len(rec) > 4 else 0)
            name = ifnames.get(ifindex, str(ifindex))
            self.by_interface[name] = self.by_interface.get(name, 0) + 1
        self.received = len(first)
        self.missing = [q for q in range(self.sent) if q not in first]
        self.late = sorted(q for q, lat in first.items() if lat > late_ms)
        self.lost = sorted(set(self.missing) | set(self.late))
        on_time = [lat for lat in first.values() if lat <= late_ms]
        self.max_latency_ms = max(on_time, default=0.0)

        self.runs = []
        for q in self.lost:
            if self.runs and self.runs[-1][1] == q - 1:
                a = self.runs[-1][0]
                self.runs[-1] = (a, q)
            else:
                self.runs.append((q, q))
        self.runs = [(a, b, b - a + 1, (times[b] - times[a]) / 1e6 + period_ms) for a, b in self.runs]
        self.loss_window_ms = max((r[3] for r in self.runs), default=0.0)
        lost = set(self.lost)
        good = [q for q in range(self.sent) if q not in lost]
        self.max_gap_ms = max(((times[b] - times[a]) / 1e6 for a, b in zip(good, good[1:])), default=0.0)

    def summary(self):
        runs = ", ".join("seq %d-%d (%d pkts, %.1f ms)" % r for r in self.runs[:5])
        if len(self.runs) > 5:
            runs += ", ... (%d runs)" % len(self.runs)
        return ("UDP stream %.0f Hz, %.0f ms: sent %d, received %d, lost %d (missing %d, late > %g ms %d), "
                "duplicates %d, send errors %d, socket drops %d; loss window %.1f ms, max gap %.1f ms, "
                "max latency %.2f ms, sender max interval %.1f ms; per interface %s; lost runs: %s"
                % (self.rate_hz, self.duration_ms, self.sent, self.received, len(self.lost),
                   len(self.missing), self.late_ms, len(self.late), self.duplicates,
                   len(self.send_errors), self.socket_drops, self.loss_window_ms, self.max_gap_ms,
                   self.max_latency_ms, self.sender_max_interval_ms, self.by_interface, runs or "none"))

    def __repr__(self):
        return self.summary()


class UdpStream:
    """A constant-rate UDP sequence stream from sender_ns to dst:port,
    received in receiver_ns on 0.0.0.0:port. Sender and receiver are
    /usr/bin/python3 subprocesses inside the namespaces, bounded by
    max_s and terminated at cleanup (also on failure).

        st = UdpStream(s.r, s.p, "10.20.7.7", 5001, 1000)
        st.start()
        ...
        stats = st.stop()   # UdpStreamStats
    """

    def __init__(self, sender_ns, receiver_ns, dst, port=5001, rate_hz=1000, late_ms=100,
                 size=64, max_s=60, python="/usr/bin/python3"):
        self.sender_ns = sender_ns
        self.receiver_ns = receiver_ns
        self.dst = dst
        self.port = port
        self.rate_hz = rate_hz
        self.late_ms = late_ms
        self.size = size
        self.max_s = max_s
        self.python = python
        self.stream_id = int.from_bytes(secrets.token_bytes(4), "big")
        self.sender = None
        self.receiver = None
        self.t_start = None
        self.stats = None
        self._cleanup = None

    def _spawn(self, ns, script, args, what):
        proc = ns.popen([self.python, "-c", script] + [str(a) for a in args],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        fd = proc.stdout.fileno()
        got = b""
        deadline = time.monotonic() + 10
        while not got.endswith(b"\n"):
            left = deadline - time.monotonic()
            r = select.select([fd], [], [], max(0.0, left))[0] if left > 0 else []
            chunk = os.read(fd, 1) if r else b""
            if not chunk:
                terminate(proc)
                raise AssertionError("UDP stream %s in %s did not start (got %r): %s"
                                     % (what, ns.name, got, _txt(proc.stderr.read())))
            got += chunk
        return proc

    def start(self):
        self._registry = current_registry()
        self._cleanup = self._registry.push(self._kill, "stop UDP stream to %s:%d" % (self.dst, self.port))
        self.receiver = self._spawn(self.receiver_ns, _UDP_RECEIVER_PY,
                                    [self.port, self.max_s + 15, self.stream_id], "receiver")
        self.sender = self._spawn(self.sender_ns, _UDP_SENDER_PY,
                                  [self.dst, self.port, self.rate_hz, self.max_s, self.stream_id, self.size],
                                  "sender")
        self.t_start = time.monotonic()
        return self

    def _kill(self):
        for p in (self.sender, self.receiver):
            if p is not None:
                terminate(p, timeout=3)

    @staticmethod
    def _collect(proc, what, timeout=15):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=5)
            raise AssertionError("UDP stream %s did not stop: %s" % (what, _txt(err))) from None
        try:
            return json.loads(out)
        except ValueError:
            raise AssertionError("UDP stream %s rc=%s gave no result: %r %s"
                                 % (what, proc.returncode, out[:300], _txt(err))) from None

    def stop(self, drain=None, keep=False):
        """Stop the sender, let packets in flight arrive (drain, default
        late_ms + 100 ms), stop the receiver; return UdpStreamStats.
        keep: also keep the raw (sender, receiver, ifnames) records in
        self.raw (for plots)."""
        sender = self._collect(self.sender, "sender")
        time.sleep(drain if drain is not None else (self.late_ms + 100) / 1000.0)
        receiver = self._collect(self.receiver, "receiver")
        if self._cleanup:
            self._registry.discard(self._cleanup)
            self._cleanup = None
        ifnames = {l["ifindex"]: l["ifname"] for l in self.receiver_ns.ip_json("link", "show")}
        self.stats = UdpStreamStats(self.rate_hz, self.late_ms, sender, receiver, ifnames)
        self.raw = (sender, receiver, ifnames) if keep else None
        return self.stats
