#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# demo.sh: the live demo.  Sets everything up (packages incl. strongSwan,
# FRR kit, build), then runs tools/demo.py over the real IPsec testbed
# (tests/ipsec/testbed.py), in network namespaces:
#
#   S -- R (zebra + vpnhad) == IKEv2/ESP tunnel ipsec0 (primary) == G1 --+
#                           == IKEv2/ESP tunnel ipsec1 (backup)  == G2 --+-- V
#
# vpnhad is configured as in the README; a 1 kHz UDP stream S -> V
# measures the loss while the primary dies silently (ESP dropped, IKE
# alive, interface up), traffic moves to the backup, and fails back.
# Everything is torn down at the end, also on failure or Ctrl-C.
#
# ESP is done in userspace by strongSwan's kernel-libipsec (TUN
# interfaces) because this kernel has no XFRM ESP; vpnhad works the same
# over libreswan / VTI / xfrm interfaces.
#
# --scheme [ospf|bgp] runs the whole scheme instead (README, "The whole
# scheme"; tests/integration/scheme_topo.py): the cloud gateway A with
# two tunnels to the IDC edge routers D and E, the IDC LAN router L
# following over OSPF (the default) or BGP, two 1 kHz streams both ways
# through a silent failure of the primary tunnel and its repair.
#
# Usage: tools/demo.sh [--scheme [ospf|bgp]]   (as root, on Debian 12 or 13)

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

printf '\n\033[1m==> Setting up (Debian packages incl. strongSwan, FRR build kit, build)\033[0m\n'
tools/setup.sh
FRR_KIT=$(tools/frr-kit.sh 2>/dev/null)
export FRR_KIT
exec /usr/bin/python3 tools/demo.py "$@"
