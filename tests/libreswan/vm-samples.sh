#!/bin/sh
# tests/libreswan/vm-samples.sh [SECTION...] — run tests/libreswan/probe.py
# inside the full-kernel QEMU VM (tests/vm/run.sh), where Child SAs and
# xfrm interfaces work, and store the whack outputs it prints as
# tests/libreswan/samples/vm-*.txt.  The full log goes to
# tests/libreswan/samples/vm-probe.log (overwritten on every run).
# Sections (default: iface outputs peerdown disturb crash xfrmi): see probe.py.
# Needs: sudo tests/vm/prepare.sh (once).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=$HERE/samples
mkdir -p "$OUT"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
cd "$TOP"
rc=0
VM_TIMEOUT=${VM_TIMEOUT:-400} tests/vm/run.sh \
    "LIBRESWAN_ROOT=/ /usr/bin/python3 tests/libreswan/probe.py --vm --emit $*" \
    > "$LOG" 2>&1 || rc=$?
# split "=== SAMPLE name ===" ... "=== END ===" blocks into files
awk -v dir="$OUT" '
    /^=== SAMPLE [^ ]+ ===$/ { f = dir "/" $3; printf "" > f; next }
    /^=== END ===$/          { if (f) close(f); f = ""; next }
    f                        { print > f; next }
                             { print }
' "$LOG" > "$OUT/vm-probe.log"
n=$(grep -c '^=== SAMPLE ' "$LOG" || true)
echo "vm-samples: probe rc=$rc, $n samples in $OUT, log $OUT/vm-probe.log"
tail -n 3 "$OUT/vm-probe.log"
exit $rc
