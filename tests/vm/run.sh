#!/bin/sh
# tests/vm/run.sh CMD...  — run CMD as root inside a throw-away QEMU (TCG)
# guest booting Debian's 6.1 kernel, with the host's / as a read-only
# root (9p) under a tmpfs overlay, plus the kernel-modules/kmod/libreswan
# layer prepared by tests/vm/prepare.sh.
#
# One argument is taken as shell code; several arguments are quoted and
# run as a simple command.  The guest starts in the caller's working
# directory (same path, read-only view of the host file system).
# Prints CMD's output, exits with CMD's exit status; 124 on timeout,
# 125 on VM/setup failure.
#
# Environment: VM_TIMEOUT (s, default 120), VM_MEM (MiB, default 1024),
# VM_SMP (default 2), VM_CACHE (default <repo>/build/vm-cache),
# VM_MODULES (modules to pre-load), VM_KEEP=1 keep the job directory,
# VM_QUIET=1 no timing line on stderr.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
VM_CACHE=${VM_CACHE:-$TOP/build/vm-cache}
VM_TIMEOUT=${VM_TIMEOUT:-120}
VM_MEM=${VM_MEM:-1024}
VM_SMP=${VM_SMP:-2}
VM_MODULES=${VM_MODULES:-"xfrm_user xfrm_interface ip_vti esp4 esp6 xfrm4_tunnel tunnel4 af_key authenc echainiv seqiv cbc aes_generic aesni_intel sha256_generic sha512_generic hmac gcm ghash_generic ccm chacha20poly1305 dummy veth sch_netem vrf"}

[ $# -ge 1 ] || { echo "usage: $0 CMD..." >&2; exit 2; }
for f in vmlinux initramfs.cpio.gz kver layer; do
    [ -e "$VM_CACHE/$f" ] || { echo "run.sh: $VM_CACHE/$f missing: run tests/vm/prepare.sh" >&2; exit 125; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: no qemu-system-x86_64: run tests/vm/prepare.sh" >&2; exit 125; }

mkdir -p "$VM_CACHE/jobs"
JOB=$(mktemp -d "$VM_CACHE/jobs/job.XXXXXX")
cleanup() { [ "${VM_KEEP:-0}" = 1 ] || rm -rf "$JOB"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ $# -eq 1 ]; then
    printf '%s\n' "$1" > "$JOB/cmd"
else
    for a in "$@"; do
        printf "'%s' " "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"
    done > "$JOB/cmd"
    echo >> "$JOB/cmd"
fi
cp "$HERE/stage2.sh" "$JOB/stage2.sh"
pwd > "$JOB/cwd"
echo "$VM_MODULES" | tr ' ' '\n' > "$JOB/modules"

now() { date +%s.%N; }
t0=$(now)
timeout -s TERM -k 5 "$VM_TIMEOUT" qemu-system-x86_64 \
    -accel tcg,thread=multi -cpu max -M pc -m "$VM_MEM" -smp "$VM_SMP" \
    -nodefaults -no-user-config -display none -no-reboot \
    -serial "file:$JOB/console.log" \
    -kernel "$VM_CACHE/vmlinux" -initrd "$VM_CACHE/initramfs.cpio.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 cryptomgr.notests=1 tsc=reliable no_timer_check" \
    -fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=root,mount_tag=root \
    -fsdev "local,id=layer,path=$VM_CACHE/layer,security_model=none,readonly=on,multidevs=remap" \
    -device virtio-9p-pci,fsdev=layer,mount_tag=layer \
    -fsdev "local,id=job,path=$JOB,security_model=none" \
    -device virtio-9p-pci,fsdev=job,mount_tag=job \
    > "$JOB/qemu.log" 2>&1
qrc=$?
t1=$(now)

[ -f "$JOB/out" ] && cat "$JOB/out"
if [ -f "$JOB/rc" ]; then
    rc=$(cat "$JOB/rc")
elif [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
    echo "run.sh: TIMEOUT after ${VM_TIMEOUT}s (qemu killed); console tail:" >&2
    tail -n 30 "$JOB/console.log" >&2
    rc=124
else
    echo "run.sh: VM ended without a result (qemu rc=$qrc); console/qemu log:" >&2
    tail -n 30 "$JOB/console.log" "$JOB/qemu.log" >&2
    rc=125
fi
if [ "${VM_QUIET:-0}" != 1 ]; then
    awk -v t0="$t0" -v t1="$t1" -v tc="$(cat "$JOB/t_cmd" 2>/dev/null || echo -1)" \
        -v te="$(cat "$JOB/t_end" 2>/dev/null || echo -1)" 'BEGIN {
        printf "run.sh: guest uptime at command start %.2fs, command %.2fs, total wall %.2fs\n",
               tc, (te >= 0 && tc >= 0) ? te - tc : -1, t1 - t0 }' >&2
fi
exit "$rc"
