#!/bin/sh
# tests/vm/prepare.sh — one-time, idempotent preparation of the QEMU
# "full-kernel" test VM (see tests/vm/README.md).
#
#  * installs qemu-system-x86 + busybox-static on the host (apt-get);
#  * downloads (apt-get download, never installs) Debian's
#    linux-image-6.1.*-amd64, kmod, libreswan and the libreswan runtime
#    dependencies that are not installed on the host, into $VM_CACHE;
#  * unpacks them (dpkg -x) into a merged-/usr overlay layer
#    ($VM_CACHE/layer), runs depmod -b on the kernel modules;
#  * extracts the uncompressed vmlinux from the vmlinuz;
#  * builds a tiny initramfs (static busybox + virtio/9p/overlay modules).
#
# Nothing here is committed; $VM_CACHE defaults to <repo>/build/vm-cache.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
VM_CACHE=${VM_CACHE:-$TOP/build/vm-cache}
DEB=$VM_CACHE/debs
LAYER=$VM_CACHE/layer
STAGE=$VM_CACHE/stage
export DEBIAN_FRONTEND=noninteractive

log() { echo "prepare: $*" >&2; }

[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }
mkdir -p "$DEB"

# ---- 1. host packages -------------------------------------------------
need=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
# (a minimal Debian root has none of these; the kernel image is xz or
# zstd compressed)
command -v file >/dev/null 2>&1 || need="$need file"
command -v xz >/dev/null 2>&1 || need="$need xz-utils"
command -v zstd >/dev/null 2>&1 || need="$need zstd"
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' \
    || need="$need busybox-static"
if [ -n "$need" ]; then
    log "installing on host:$need"
    apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends $need >/dev/null
fi
BUSYBOX=/bin/busybox
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' \
    || { log "$BUSYBOX is not static"; exit 1; }

# ---- 2. download -------------------------------------------------------
# Kernel: whatever linux-image-amd64 points at (6.1.x on bookworm,
# 6.12.x on trixie).
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null \
       | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
[ -n "$KPKG" ] || { log "cannot resolve linux-image-amd64's kernel"; exit 1; }
KVER=${KPKG#linux-image-}

# libreswan runtime deps missing on the host (we only take the ones that
# matter at run time; iptables/bind9-host/dns-root-data are not needed).
pkgs="$KPKG kmod libreswan"
for d in libnss3-tools libevent-pthreads-2.1-7 libldns3 libunbound8 \
         libevent-core-2.1-7 libnspr4 libnss3 libcap-ng0 libcurl3-nss \
         libldap-2.5-0 libaudit1 libpam0g libselinux1 libsystemd0 libcrypt1 \
         libkmod2 liblzma5 libzstd1 libssl3 nss-plugin-pem \
         libcurl3t64-gnutls libevent-core-2.1-7t64 libevent-pthreads-2.1-7t64 \
         libldap2 libldns3t64 libssl3t64 libevent-2.1-7t64; do
    # bookworm's and trixie's names (t64): only those this release has
    # (a name only provided by another package has no candidate)
    apt-cache policy "$d" 2>/dev/null | grep -q 'Candidate: [^(]' || continue
    dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'ok installed' \
        || pkgs="$pkgs $d"
done
# Downloaded .debs are also kept in a machine-wide cache, so that a fresh
# clone (CI right after a session) does not depend on the network.
SHARED=${VM_SHARED_CACHE:-/var/cache/frr-vpnha/vm-debs}
mkdir -p "$SHARED" 2>/dev/null || true
for p in $pkgs; do
    if ! ls "$DEB/${p}_"*.deb >/dev/null 2>&1; then
        if ls "$SHARED/${p}_"*.deb >/dev/null 2>&1; then
            cp "$SHARED/${p}_"*.deb "$DEB/"
            continue
        fi
        log "downloading $p"
        ok=0
        for try in 1 2 3; do
            (cd "$DEB" && apt-get download "$p" >/dev/null 2>&1) && { ok=1; break; }
            sleep $((try * 5))
        done
        [ $ok = 1 ] || { log "apt-get download $p failed"; exit 1; }
        cp "$DEB/${p}_"*.deb "$SHARED/" 2>/dev/null || true
    fi
done

# ---- 3. unpack into a merged-/usr layer --------------------------------
stamp=$VM_CACHE/.layer-stamp
want="$KVER $(ls "$DEB" | sort | tr '\n' ' ')"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "unpacking into $LAYER"
    rm -rf "$LAYER" "$STAGE"
    mkdir -p "$LAYER/usr" "$STAGE"
    for f in "$DEB"/*.deb; do dpkg -x "$f" "$STAGE"; done
    # The host's / is merged-/usr (/bin -> usr/bin ...); an overlay layer
    # with real /bin, /lib ... directories would hide those symlinks.
    for d in bin sbin lib lib64; do
        if [ -d "$STAGE/$d" ] && [ ! -L "$STAGE/$d" ]; then
            mkdir -p "$STAGE/usr/$d"
            cp -a "$STAGE/$d/." "$STAGE/usr/$d/"
            rm -rf "${STAGE:?}/$d"
        fi
    done
    # Only take what we need: /usr and /etc (libreswan defaults).  Skip
    # /boot (kernel image handled below), docs and man pages.
    rm -rf "$STAGE/usr/share/doc" "$STAGE/usr/share/man" "$STAGE/var" "$STAGE/run"
    cp -a "$STAGE/usr/." "$LAYER/usr/"
    mkdir -p "$LAYER/etc"
    [ -d "$STAGE/etc" ] && cp -a "$STAGE/etc/." "$LAYER/etc/"
    # kmod: modprobe & co. are symlinks to kmod in /sbin
    for t in modprobe insmod rmmod lsmod depmod modinfo; do
        [ -e "$LAYER/usr/sbin/$t" ] || ln -sf ../bin/kmod "$LAYER/usr/sbin/$t"
    done
    "$LAYER/usr/bin/kmod" --version >/dev/null 2>&1 || \
        { log "unpacked kmod does not run"; exit 1; }
    "$LAYER/usr/sbin/depmod" -b "$LAYER/usr" "$KVER"
    # boot image
    mkdir -p "$VM_CACHE/boot"
    cp "$STAGE/boot/vmlinuz-$KVER" "$VM_CACHE/boot/"
    rm -rf "$STAGE"
    rm -f "$VM_CACHE/vmlinux" "$VM_CACHE/initramfs.cpio.gz"
    echo "$want" > "$stamp"
fi
echo "$KVER" > "$VM_CACHE/kver"

# ---- 4. vmlinux ------------------------------------------------------------
# Same idea as linux/scripts/extract-vmlinux: find a compression magic in
# the bzImage, decompress from there, keep the first result that is an ELF.
if [ ! -s "$VM_CACHE/vmlinux" ]; then
    log "extracting vmlinux"
    python3 - "$VM_CACHE/boot/vmlinuz-$KVER" "$VM_CACHE/vmlinux" <<'EOF'
import sys, subprocess
src, dst = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
magics = [(b'\x1f\x8b\x08', ['gzip', '-dc']),
          (b'\xfd7zXZ\x00', ['xz', '-dc']),
          (b'(\xb5/\xfd', ['zstd', '-dc']),
          (b'\x5d\x00\x00\x00', ['xz', '--format=lzma', '-dc'])]
for magic, cmd in magics:
    pos = data.find(magic)
    while pos >= 0:
        p = subprocess.run(cmd, input=data[pos:], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        out = p.stdout
        if out[:4] == b'\x7fELF':
            open(dst, 'wb').write(out)
            print("vmlinux: %s at offset %d, %d bytes" % (cmd[0], pos, len(out)),
                  file=sys.stderr)
            sys.exit(0)
        pos = data.find(magic, pos + 1)
sys.exit("no compressed ELF found in " + src)
EOF
fi

# ---- 5. initramfs ----------------------------------------------------------
if [ ! -s "$VM_CACHE/initramfs.cpio.gz" ] || \
   [ "$HERE/init" -nt "$VM_CACHE/initramfs.cpio.gz" ]; then
    log "building initramfs"
    IR=$VM_CACHE/initramfs
    rm -rf "$IR"
    mkdir -p "$IR/bin" "$IR/modules" "$IR/proc" "$IR/sys" "$IR/dev" \
             "$IR/newroot" "$IR/lower" "$IR/layer" "$IR/rw" "$IR/job"
    cp "$BUSYBOX" "$IR/bin/busybox"
    for a in sh mount umount mkdir insmod switch_root cat echo sleep ln \
             poweroff reboot ls; do
        ln -s busybox "$IR/bin/$a"
    done
    MODPROBE="$LAYER/usr/sbin/modprobe -d $LAYER/usr -S $KVER"
    : > "$IR/modules/order"
    for m in virtio_pci 9pnet_virtio 9p overlay; do
        $MODPROBE --show-depends "$m" | while read -r kw path rest; do
            [ "$kw" = insmod ] || continue
            b=$(basename "$path")
            case "$b" in
                *.ko.xz) n=${b%.xz}; xz -dc "$LAYER/usr$path" > "$IR/modules/$n" 2>/dev/null \
                        || xz -dc "$path" > "$IR/modules/$n";;
                *.ko.zst) n=${b%.zst}; zstd -qdc "$LAYER/usr$path" > "$IR/modules/$n";;
                *) n=$b; cp "$path" "$IR/modules/$n" 2>/dev/null || cp "$LAYER/usr$path" "$IR/modules/$n";;
            esac
            grep -qx "$n" "$IR/modules/order" || echo "$n" >> "$IR/modules/order"
        done
    done
    cp "$HERE/init" "$IR/init"
    chmod 755 "$IR/init"
    # host has no cpio; busybox's applet writes newc archives
    (cd "$IR" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) > "$VM_CACHE/initramfs.cpio"
    gzip -1 -f "$VM_CACHE/initramfs.cpio"
fi
log "ready: kernel $KVER, cache $VM_CACHE"
ls -la "$VM_CACHE/vmlinux" "$VM_CACHE/initramfs.cpio.gz" >&2
