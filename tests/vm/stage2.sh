#!/bin/sh
# Runs as PID 1 in the guest after switch_root (host / + overlay).
# Sets up the usual pseudo file systems, loads the IPsec modules, runs
# /vmjob/cmd as root, stores its exit status in /vmjob/rc and reboots
# (qemu runs with -no-reboot, so that ends the VM).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
# /tmp stays the overlay of the host's /tmp (writable through the
# tmpfs upper layer): a checkout under /tmp must stay visible.
mount -t tmpfs -o mode=755 tmpfs /var/run 2>/dev/null || true
mount -t tmpfs tmpfs /var/tmp 2>/dev/null || true
mkdir -p /run/netns /run/pluto /var/run/pluto
[ -d /sys/fs/cgroup ] && mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
hostname vm 2>/dev/null || echo vm > /proc/sys/kernel/hostname
ip link set lo up 2>/dev/null
# Pre-load what IPsec tests need (saves auto-loading delays).
for m in $(cat /vmjob/modules 2>/dev/null); do modprobe -q "$m" 2>/dev/null; done
read up _ < /proc/uptime
echo "$up" > /vmjob/t_cmd
cd "$(cat /vmjob/cwd 2>/dev/null || echo /)" 2>/dev/null || cd /
/bin/sh /vmjob/cmd > /vmjob/out 2>&1 < /dev/null
rc=$?
read up _ < /proc/uptime
echo "$up" > /vmjob/t_end
echo "$rc" > /vmjob/rc
sync
echo b > /proc/sysrq-trigger
sleep 10
