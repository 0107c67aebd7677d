#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Echo replies to vpnhad's probes made on the peer's side (run in P).

  icmp_peer.py delay IFNAME SRC DST MS
      Answer every vpnhad probe arriving on IFNAME MS ms late (the
      kernel's own replies must be dropped, e.g. by an nft rule on
      "icmp type echo-request": the capture sees packets before it).
  icmp_peer.py forge IFNAME SRC DST INTERVAL_MS SECONDS
      The attacker of issue 13.1: capture one probe, print "captured",
      wait for a line on stdin, then for SECONDS forge echo replies from
      SRC to DST with the captured identifier and payload (magic, nonce),
      the sequence and send time extrapolated at INTERVAL_MS (three
      guesses per probe: k-1, k, k+1); print "forged N" at the end.
  icmp_peer.py mirror IFNAME OUT_IFNAME SRC DST
      The genuine reply to every vpnhad probe arriving on IFNAME, sent
      through OUT_IFNAME instead (another tunnel: issue 14's shared
      socket must refuse it for the interface); prints "ready", then
      "mirrored N" on stdin's end-of-file.

Probes are recognised by their payload magic "VPNHA" (vpnha_probe.h).
"""

import heapq
import select
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def capture_socket(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    s.bind((ifname, ETH_P_IP))
    return s


def send_socket(ifname, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.bind((src, 0))
    return s


def probe_of(pkt, dst):
    """The ICMP message of a vpnhad echo request from dst, or None."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != socket.IPPROTO_ICMP:
        return None
    if socket.inet_ntoa(pkt[12:16]) != dst:
        return None
    icmp = pkt[(pkt[0] & 0x0F) * 4:]
    if len(icmp) < 40 or icmp[0] != 8 or icmp[8:13] != b"VPNHA":
        return None
    return icmp


def reply_of(icmp, seq=None, sent_us=None):
    """The echo reply to icmp, optionally with another sequence / send time."""
    msg = bytearray(icmp)
    msg[0] = 0
    if seq is not None:
        struct.pack_into("!H", msg, 6, seq & 0xFFFF)
    if sent_us is not None:
        struct.pack_into("!q", msg, 8 + 16, sent_us)
    struct.pack_into("!H", msg, 2, 0)
    struct.pack_into("!H", msg, 2, cksum(bytes(msg)))
    return bytes(msg)


def delay(ifname, src, dst, ms):
    cap, out = capture_socket(ifname), send_socket(ifname, src)
    pending = []
    print("ready", flush=True)
    while True:
        wait = max(0.0, pending[0][0] - time.monotonic()) if pending else 1.0
        if select.select([cap], [], [], wait)[0]:
            icmp = probe_of(cap.recv(2048), dst)
            if icmp:
                heapq.heappush(pending, (time.monotonic() + ms / 1000.0, reply_of(icmp)))
        while pending and pending[0][0] <= time.monotonic():
            out.sendto(heapq.heappop(pending)[1], (dst, 0))


def forge(ifname, src, dst, interval_ms, seconds):
    cap, out = capture_socket(ifname), send_socket(ifname, src)
    while True:
        icmp = probe_of(cap.recv(2048), dst)
        if icmp:
            break
    cap.close()
    seq0 = struct.unpack_from("!H", icmp, 6)[0]
    sent0 = struct.unpack_from("!q", icmp, 8 + 16)[0]
    print("captured seq %d ident %d" % (seq0, struct.unpack_from("!H", icmp, 4)[0]), flush=True)
    sys.stdin.readline()
    n, step = 0, interval_ms * 1000
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        # The daemon's send times are CLOCK_MONOTONIC microseconds too.
        k = round((time.monotonic_ns() // 1000 - sent0) / step)
        for j in (k - 1, k, k + 1):
            out.sendto(reply_of(icmp, seq0 + j, sent0 + j * step), (dst, 0))
            n += 1
        time.sleep(interval_ms / 1000.0 / 2)
    print("forged %d" % n, flush=True)


def mirror(ifname, out_ifname, src, dst):
    cap, out = capture_socket(ifname), send_socket(out_ifname, src)
    n = 0
    print("ready", flush=True)
    while True:
        r = select.select([cap, sys.stdin], [], [], 1.0)[0]
        if sys.stdin in r and not sys.stdin.readline():
            break
        if cap in r:
            icmp = probe_of(cap.recv(2048), dst)
            if icmp:
                out.sendto(reply_of(icmp), (dst, 0))
                n += 1
    print("mirrored %d" % n, flush=True)


def main(argv):
    if len(argv) == 6 and argv[1] == "delay":
        delay(argv[2], argv[3], argv[4], int(argv[5]))
    elif len(argv) == 6 and argv[1] == "mirror":
        mirror(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 7 and argv[1] == "forge":
        forge(argv[2], argv[3], argv[4], int(argv[5]), float(argv[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
