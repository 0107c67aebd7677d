# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 13 items 3-6: operator input, driven through vtysh.

Every case is refused with a '%' message that names the field, the value
and what is allowed (never FRR's bare '% Unknown command' or libyang's
text), vtysh exits non-zero, and the running configuration is
byte-identical afterwards.  Topology and configuration: the README
scheme (conftest `vpnha`).
"""

import os
import re

import pytest

import vpnha_topo as vt

T = ["vpn-ha", "tunnel primary"]
V = ["vpn-ha"]

# (id, commands after `configure terminal`, regex the message must match)
CASES = [
    # item 3: "no" commands match what they name, or say why not
    ("no-gateway-other", V + ["no gateway other-gw"],
     r"% gateway is idc-gw, not other-gw: nothing removed"),
    ("no-tunnel-peer-other", T + ["no peer cloud-b"],
     r"% tunnel peer is cloud-a, not cloud-b: nothing removed"),
    ("no-route-wrong-weight", V + ["no route 10.20.0.0/16 tunnel primary weight 100"],
     r"% route 10\.20\.0\.0/16 tunnel primary has weight 0, not 100: nothing removed"),
    ("no-route-absent", V + ["no route 10.99.0.0/16 tunnel primary"],
     r"% route 10\.99\.0\.0/16 tunnel primary does not exist: nothing removed"),
    ("no-peer-absent", V + ["no peer nosuch"], r"% peer nosuch does not exist: nothing removed"),
    ("no-tunnel-absent", V + ["no tunnel nosuch"], r"% tunnel nosuch does not exist: nothing removed"),
    ("no-interface-other", T + ["no interface vti9"],
     r"% tunnel interface is vti1, not vti9: nothing removed"),
    ("no-address-other", V + ["peer cloud-a", "no address 192.0.2.99"],
     r"% peer address is 203\.0\.113\.1, not 192\.0\.2\.99: nothing removed"),
    # item 5: YANG's errors in the model's words
    ("peer-in-use", V + ["no peer cloud-a"],
     r"% peer cloud-a is still used by tunnel primary"),
    ("tunnel-has-routes", V + ["no tunnel primary"],
     r"% tunnel primary still has routes \(route 10\.20\.0\.0/16 tunnel primary"),
    ("interface-shared", T + ["interface vti2"],
     r"% tunnel interface vti2 is already tunnel backup's: two tunnels cannot share an interface"),
    ("tunnel-peer-unknown", T + ["peer nosuch"],
     r"% tunnel peer nosuch does not exist: configure 'peer nosuch' first"),
    # item 4: health-check addresses that cannot work
    ("hc-src-any", T + ["health-check source 0.0.0.0 destination 169.254.1.2"],
     r"% health-check source 0\.0\.0\.0 is unspecified"),
    ("hc-dst-any6", T + ["health-check source 2001:db8::1 destination ::"],
     r"% health-check destination :: is unspecified"),
    ("hc-src-loopback", T + ["health-check source 127.0.0.1 destination 169.254.1.2"],
     r"% health-check source 127\.0\.0\.1 is a loopback address"),
    ("hc-dst-loopback6", T + ["health-check source 2001:db8::1 destination ::1"],
     r"% health-check destination ::1 is a loopback address"),
    ("hc-dst-multicast", T + ["health-check source 169.254.1.1 destination 224.0.0.5"],
     r"% health-check destination 224\.0\.0\.5 is a multicast address"),
    ("hc-dst-multicast6", T + ["health-check source 2001:db8::1 destination ff02::1"],
     r"% health-check destination ff02::1 is a multicast address"),
    ("hc-dst-broadcast", T + ["health-check source 169.254.1.1 destination 255.255.255.255"],
     r"% health-check destination 255\.255\.255\.255 is the broadcast address"),
    ("hc-src-linklocal6", T + ["health-check source fe80::1 destination 2001:db8::2"],
     r"% health-check source fe80::1 is link-local"),
    ("hc-dst-linklocal6", T + ["health-check source 2001:db8::1 destination fe80::2"],
     r"% health-check destination fe80::2 is link-local"),
    # item 5: field, value and range or words instead of "% Unknown command"
    ("weight-negative", V + ["route 10.20.0.0/16 tunnel primary weight -1"],
     r"% route weight '-1' is not a number: allowed 0-100"),
    ("weight-word", V + ["route 10.20.0.0/16 tunnel primary weight high"],
     r"% route weight 'high' is not a number: allowed 0-100"),
    ("weight-101", V + ["route 10.20.0.0/16 tunnel primary weight 101"],
     r"% route weight 101 out of range: allowed 0-100"),
    ("interval-negative", T + ["health-check interval -5"],
     r"% health-check interval '-5' is not a number: allowed 10-60000 ms"),
    ("interval-word", T + ["health-check interval fast"],
     r"% health-check interval 'fast' is not a number: allowed 10-60000 ms"),
    ("miss-count-0", T + ["health-check miss-count 0"],
     r"% health-check miss-count 0 out of range: allowed 1-100 probes"),
    ("window-huge", T + ["health-check window 99999999999"],
     r"% health-check window '99999999999' is not a number: allowed 10-1000 probes"),
    ("distance-base-0", V + ["distance-base 0"],
     r"% distance-base 0 out of range: allowed 1-155"),
    ("distance-base-156", V + ["distance-base 156"],
     r"% distance-base 156 out of range: allowed 1-155"),
    ("distance-base-negative", V + ["distance-base -3"],
     r"% distance-base '-3' is not a number: allowed 1-155"),
    ("advertise-table-0", V + ["advertise-table 0"],
     r"% advertise-table 0 out of range: allowed 1-252"),
    ("advertise-table-254", V + ["advertise-table 254"],
     r"% advertise-table 254 out of range: allowed 1-252"),
    ("advertise-table-word", V + ["advertise-table main"],
     r"% advertise-table 'main' is not a number: allowed 1-252"),
    ("all-down-bogus", V + ["all-down-action drop"],
     r"% all-down-action 'drop' is not one of: keep-best, withdraw"),
    ("hc-type-bogus", T + ["health-check type tcp"],
     r"% health-check type 'tcp' is not one of: icmp, bfd"),
    ("backend-bogus", V + ["ipsec backend openswan"],
     r"% ipsec backend 'openswan' is not one of: libreswan, strongswan"),
    ("poll-word", V + ["ipsec libreswan poll-interval often"],
     r"% ipsec libreswan poll-interval 'often' is not a number: allowed 200-60000 ms"),
    ("peer-name-space", V + ["peer cloud a"],
     r"% peer name 'cloud a' is invalid: .*no spaces"),
    ("tunnel-name-space", V + ["tunnel my tunnel"],
     r"% tunnel name 'my tunnel' is invalid: .*no spaces"),
    ("gateway-name-space", V + ["gateway idc gw"],
     r"% gateway name 'idc gw' is invalid: .*no spaces"),
    ("ike-enc-bogus", T + ["ipsec ike encryption des integrity sha256 group modp2048"],
     r"% ipsec ike encryption 'des' is not one of: aes128, aes256, aes128-gcm16, aes256-gcm16"),
    ("ike-integ-bogus", T + ["ipsec ike encryption aes256 integrity md5 group modp2048"],
     r"% ipsec ike integrity 'md5' is not one of: sha256, sha384, sha512"),
    ("esp-pfs-bogus", T + ["ipsec esp encryption aes256 integrity sha256 pfs modp1024"],
     r"% ipsec esp pfs 'modp1024' is not one of: modp2048, modp3072, ecp256, ecp384, x25519, none"),
    ("ike-lifetime-negative",
     T + ["ipsec ike encryption aes256 integrity sha256 group modp2048 lifetime -1"],
     r"% ipsec ike lifetime '-1' is not a number: allowed 120-86400 s"),
    ("dpd-negative", T + ["ipsec dpd -1"], r"% ipsec dpd '-1' is not a number: allowed 0-3600 s"),
    ("iftype-bogus", T + ["ipsec interface-type gre"],
     r"% ipsec interface-type 'gre' is not one of: xfrm, vti, tun"),
    ("if-id-negative", T + ["ipsec interface-type xfrm if-id -1"],
     r"% ipsec if-id '-1' is not a number: allowed 1-65535"),
    # item 6: normalized absolute paths only
    ("ls-dir-dotdot", V + ["ipsec libreswan directory /etc/ipsec.d/../../tmp"],
     r"% ipsec path '/etc/ipsec\.d/\.\./\.\./tmp' is not a normalized path"),
    ("vici-dot", V + ["ipsec strongswan vici-socket /run/./charon.vici"],
     r"% ipsec path '/run/\./charon\.vici' is not a normalized path"),
    ("ctl-trailing-slash", V + ["ipsec libreswan ctl-socket /run/pluto/"],
     r"% ipsec path '/run/pluto/' is not a normalized path"),
    ("ctl-double-slash", V + ["ipsec libreswan ctl-socket /run//pluto.ctl"],
     r"% ipsec path '/run//pluto\.ctl' is not a normalized path"),
]


@pytest.mark.parametrize("case_id,cmds,want", CASES, ids=[c[0] for c in CASES])
def test_bad_input_named_and_nothing_changed(vpnha, case_id, cmds, want):
    s = vpnha
    before = s.rt.running_config()
    cp = s.rt.configure(cmds, check=False)
    out = cp.stdout + cp.stderr
    assert "Unknown command" not in out, out
    assert not re.search(r"libyang|Unique data|Invalid leafref", out), out
    assert re.search(want, out), "want /%s/, got %r" % (want, out)
    assert cp.returncode != 0, "vtysh exited 0 on a refused command: %r" % out
    assert s.rt.running_config() == before


def test_no_commands_that_match_still_work(vpnha):
    """The checks do not refuse what is right: matching arguments delete."""
    s = vpnha
    s.rt.configure(["vpn-ha", "route 10.30.0.0/16 tunnel backup weight 100"])
    s.rt.configure(["vpn-ha", "no route 10.30.0.0/16 tunnel backup weight 100"])
    s.rt.configure(["vpn-ha", "tunnel backup", "no peer cloud-b"])
    s.rt.configure(["vpn-ha", "peer spare", "address 192.0.2.7", "no address 192.0.2.7"])
    s.rt.configure(["vpn-ha", "no peer spare", "no gateway idc-gw"])
    rc = s.rt.running_config()
    block = "\n".join(vt.config_block(rc, "vpn-ha"))
    assert "10.30.0.0/16" not in block and "spare" not in block, block
    assert "gateway" not in block, block
    assert "  peer cloud-b" not in block, block


def test_debug_northbound_and_ipsec_log(vpnha):
    """`debug vpn-ha northbound` logs what each commit applies; `debug
    vpn-ha ipsec` exists and is shown (issue 10 item 5)."""
    s = vpnha
    log = os.path.join(s.rt.logdir, "vpnhad.log")
    s.rt.configure(["debug vpn-ha northbound", "debug vpn-ha ipsec"])
    shown = s.rt.running_config()
    assert "debug vpn-ha northbound" in shown and "debug vpn-ha ipsec" in shown, shown
    s.rt.configure(["vpn-ha", "tunnel primary", "health-check source 169.254.1.1 destination 169.254.1.2"])
    vt.wait_for(lambda: open(log).read(), 5,
                ok=lambda t: "northbound: tunnel primary: health check or interface changed" in t
                and "northbound: commit applied" in t,
                desc="northbound debug lines in %s" % log)
    s.rt.configure(["no debug vpn-ha"])
