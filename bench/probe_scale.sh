#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# probe_scale.sh: how vpnhad's health checking scales with the number of
# tunnels.  For each size N it builds two network namespaces joined by N
# veth pairs (one per "tunnel"), starts zebra + vpnhad in the router
# namespace, configures N tunnels with a health check and one route each,
# waits until every tunnel is up, then measures over a fixed window:
# vpnhad CPU (utime+stime, % of one core), RSS, probe counters (deltas),
# probes/s, RTT figures and any state change (a false failover).
# Everything is torn down before the next size.
#
# Usage: bench/probe_scale.sh        (as root, after tools/setup.sh)
# Env:
#   BENCH_SIZES       tunnel counts                 (default "1 10 50 100 200 400")
#   BENCH_INTERVAL    probe interval, ms            (default 100)
#   BENCH_SECONDS     measurement window, s         (default 20)
#   BENCH_SECONDS_BIG window for N >= BENCH_BIG_N   (default BENCH_SECONDS)
#   BENCH_BIG_N       see above                     (default 1000000: off)
#   BENCH_UP_TIMEOUT  bound on waiting for all-up, s (default 120)
#   BENCH_SETTLE      pause between all-up and the window, s (default 2)
#   BENCH_OUT         results directory             (default bench/results)
#   BENCH_KEEP_LOGS   set to keep the daemon logs of every size
#   BENCH_PERF        after each window, count vpnhad's syscalls for
#                     BENCH_PERF_SECONDS (default 3) with perf, if present
#                     (default 1; 0 = off).  Kept out of the CPU window.
#   BENCH_STATIC_NEIGH  permanent neighbour entries on the veths, no ARP
#                     (default 1; 0 = dynamic ARP, fails from N = 512, see
#                     build_net)
#   BENCH_CONFIG_EXIT close each tunnel block with " exit" as
#                     "show running-config" does (default 1; 0 = leave
#                     blocks implicitly: every "exit" is a non-YANG
#                     command, so libfrr commits the pending changes
#                     there, one commit per tunnel)
#   BENCH_VPNHAD_PRELOAD  LD_PRELOAD for vpnhad only (diagnostic experiments)
#   VPNHA_DAEMON, VPNHA_VTYSH  binaries under test
# Results: $BENCH_OUT/probe_scale.json and probe_scale.md (also on stdout).

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
VPNHAD=${VPNHA_DAEMON:-$top/build/frr-plugin/vpnhad}
if [ -z "${VPNHA_VTYSH:-}" ]; then
	for v in "$top"/.frr-kit/frr-*/vtysh/.libs/vtysh; do VPNHA_VTYSH=$v; done
fi
VTY=${VPNHA_VTYSH:-}
ZEBRA=${FRR_SBINDIR:-/usr/lib/frr}/zebra
PY=/usr/bin/python3

SIZES=${BENCH_SIZES:-"1 10 50 100 200 400"}
INTERVAL=${BENCH_INTERVAL:-100}
WINDOW=${BENCH_SECONDS:-20}
WINDOW_BIG=${BENCH_SECONDS_BIG:-$WINDOW}
BIG_N=${BENCH_BIG_N:-1000000}
UP_TIMEOUT=${BENCH_UP_TIMEOUT:-120}
SETTLE=${BENCH_SETTLE:-2}
STATIC_NEIGH=${BENCH_STATIC_NEIGH:-1}
CONFIG_EXIT=${BENCH_CONFIG_EXIT:-1}
PERF=${BENCH_PERF:-1}
PERF_SECONDS=${BENCH_PERF_SECONDS:-3}
command -v perf >/dev/null 2>&1 || PERF=0
OUT=${BENCH_OUT:-$top/bench/results}
MAX_TUNNELS=1000

die() {
	echo "probe_scale: $*" >&2
	exit 1
}
log() {
	echo "probe_scale: $*" >&2
}

[ "$(id -u)" = 0 ] || die "run as root (network namespaces)"
[ -x "$VPNHAD" ] || die "no vpnhad at $VPNHAD (run tools/setup.sh)"
[ -n "$VTY" ] && [ -x "$VTY" ] || die "no vpnhad-aware vtysh (run tools/setup.sh)"
[ -x "$ZEBRA" ] || die "no zebra at $ZEBRA"
[ -x "$PY" ] || die "no $PY"
for n in $SIZES; do
	case $n in '' | *[!0-9]*) die "bad size '$n'" ;; esac
	[ "$n" -ge 1 ] && [ "$n" -le $MAX_TUNNELS ] || die "size $n not in 1..$MAX_TUNNELS"
done

# Unique names: several runs (or the integration tests) may share the box.
R=pbr$$
P=pbp$$
WORK=$(mktemp -d /tmp/probe_scale.XXXXXX)
chmod 755 "$WORK" # the daemons run as frr and write their logs there
CLK_TCK=$(getconf CLK_TCK)
# Run a copy: a rebuild during the run must not mix binaries.
VPNHAD_SRC=$VPNHAD
cp "$VPNHAD_SRC" "$WORK/vpnhad"
VPNHAD=$WORK/vpnhad
VPNHAD_SHA=$(sha256sum "$VPNHAD" | cut -c1-16)
VPNHAD_MTIME=$(date -u -r "$VPNHAD_SRC" +%Y-%m-%dT%H:%M:%SZ)
GIT_COMMIT=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
GIT_DIRTY=false
[ -n "$(git -C "$top" status --porcelain -- frr-plugin 2>/dev/null)" ] && GIT_DIRTY=true
# Is the binary older than a source file (a rebuild is pending)?
VPNHAD_STALE=false
for f in "$top"/frr-plugin/*.[ch]; do
	[ "$f" -nt "$VPNHAD_SRC" ] && VPNHAD_STALE=true
done
[ $VPNHAD_STALE = false ] ||
	log "warning: $VPNHAD_SRC is older than frr-plugin sources (make -C build)"
PIDS=""

# --- teardown ---------------------------------------------------------------

stop_daemons() {
	local pid p
	for p in vpnhad zebra; do
		[ -f "/var/run/frr/$R/$p.pid" ] || continue
		pid=$(cat "/var/run/frr/$R/$p.pid" 2>/dev/null || true)
		case $pid in '' | *[!0-9]*) continue ;; esac
		PIDS="$PIDS $pid"
	done
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for _ in $(seq 50); do
		local alive=0
		for pid in $PIDS; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for pid in $PIDS; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	PIDS=""
}

teardown() {
	stop_daemons
	ip netns del "$R" 2>/dev/null || true
	ip netns del "$P" 2>/dev/null || true
	rm -rf "/etc/frr/$R" "/var/run/frr/$R"
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	teardown
	if [ -n "${BENCH_KEEP_LOGS:-}" ] || [ $rc != 0 ]; then
		log "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers ----------------------------------------------------------------

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

vty() {
	ip netns exec "$R" "$VTY" -N "$R" "$@"
}

# Tunnel i (1..1000) uses the /30 block number i-1 of 169.254.0.0/16:
# router side .1 of the block, peer side .2.
tun_addr() { # i host(1|2)
	local off=$((($1 - 1) * 4 + $2))
	echo "169.254.$((off / 256)).$((off % 256))"
}
tun_route() { # i
	echo "10.$((100 + $1 / 250)).$(($1 % 250)).0/24"
}

# utime+stime of a process, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
stime_ticks() {
	awk '{ print $15 }' "/proc/$1/stat"
}
status_kb() { # pid field
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# The json/summary work is done in Python (stdlib only).
cat >"$WORK/summ.py" <<'EOF'
import json, sys

def load(path):
    with open(path) as f:
        return json.load(f)["tunnels"]

mode = sys.argv[1]
if mode == "up":            # up: print "<up> <total> <routesInstalled>"
    t = load(sys.argv[2])
    up = sum(1 for v in t.values() if v["state"] == "up")
    routes = sum(v.get("routesInstalled", 0) for v in t.values())
    print(up, len(t), routes)
elif mode == "window":      # window A.json B.json: deltas over the window
    a, b = load(sys.argv[2]), load(sys.argv[3])
    out = {k: 0 for k in ("sent", "received", "lost", "late", "invalid",
                          "transitions", "failovers")}
    left_up, not_up_end, rtt_avg, rtt_max, loss_max = [], [], [], 0, 0
    for name, tb in b.items():
        ta = a.get(name)
        if ta is None:
            continue
        ca, cb = ta["healthCheck"]["counters"], tb["healthCheck"]["counters"]
        for k, j in (("sent", "probesSent"), ("received", "probesReceived"),
                     ("lost", "probesLost"), ("late", "probesLate"),
                     ("invalid", "probesInvalid")):
            out[k] += cb[j] - ca[j]
        dt = tb["transitions"] - ta["transitions"]
        out["transitions"] += dt
        out["failovers"] += tb["failovers"] - ta["failovers"]
        if dt or ta["state"] != "up" or tb["state"] != "up":
            left_up.append(name)
        if tb["state"] != "up":
            not_up_end.append("%s=%s(%s)" % (name, tb["state"], tb["reason"]))
        w = tb["healthCheck"]["window"]
        if w["probes"]:
            rtt_avg.append(w["rttAvgUs"])
        rtt_max = max(rtt_max, w["rttMaxUs"])
        loss_max = max(loss_max, w["lossPercent"])
    out["tunnels_left_up"] = len(left_up)
    out["tunnels_left_up_names"] = left_up[:20]
    out["not_up_at_end"] = not_up_end[:20]
    out["rtt_avg_us_mean"] = round(sum(rtt_avg) / len(rtt_avg)) if rtt_avg else None
    out["rtt_max_us"] = rtt_max
    out["window_loss_pct_max"] = loss_max
    print(json.dumps(out))
elif mode == "report":      # report results.jsonl meta.json out.json out.md
    rows = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
    meta = json.load(open(sys.argv[3]))
    json.dump({"meta": meta, "results": rows}, open(sys.argv[4], "w"), indent=2)
    L = []
    L.append("# vpnhad probe scaling")
    L.append("")
    L.append("- date: %s" % meta["date"])
    L.append("- machine: %s x %s, kernel %s" % (meta["nproc"], meta["cpu_model"], meta["kernel"]))
    L.append("- vpnhad commit: %s%s%s (HEAD when the run started)" % (meta["git_commit"],
             " (frr-plugin has uncommitted changes)" if meta["git_dirty"] else "",
             " (WARNING: binary older than the sources)" if meta["vpnhad_older_than_sources"] else ""))
    L.append("- probe interval %s ms (timeout/miss/recovery at their defaults); window %s"
             % (meta["interval_ms"], meta["window_note"]))
    L.append("- tunnels: veth pairs between two namespaces, %s"
             % ("permanent neighbour entries (no ARP, like a real tunnel interface)"
                if meta["static_neighbours"] else "dynamic ARP"))
    if meta.get("vpnhad_preload"):
        L.append("- **diagnostic run: vpnhad started with LD_PRELOAD=%s**" % meta["vpnhad_preload"])
    L.append("- vpnhad binary: %s (built %s, sha256 %s...)" % (meta["vpnhad_binary"], meta["vpnhad_built"], meta["vpnhad_sha256_16"]))
    L.append("- load average before the run: %s; other zebra/vpnhad processes on the box: %s"
             % (meta["loadavg_start"], meta["foreign_frr_procs"]))
    L.append("")
    L.append("| N | window s | config s | all up s | vpnhad CPU % | zebra CPU % | RSS MiB | probes sent | received | lost | late | probes/s (expected) | tunnels leaving up | RTT avg/max ms |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        w = r.get("window") or {}
        if r.get("error"):
            L.append("| %d | - | %s | %s | - | - | - | - | - | - | - | - | ERROR: %s | - |"
                     % (r["n"], r.get("config_s", "-"), r.get("all_up_s", "-"), r["error"]))
            continue
        rtt = "%.3f / %.3f" % ((w["rtt_avg_us_mean"] or 0) / 1000.0, w["rtt_max_us"] / 1000.0)
        L.append("| %d | %s | %.2f | %.2f | %.2f | %.2f | %.1f | %d | %d | %d | %d | %.0f (%.0f) | %d | %s |" % (
            r["n"], r["window_s"], r["config_s"], r["all_up_s"], r["vpnhad_cpu_pct"],
            r["zebra_cpu_pct"], r["vpnhad_rss_kb"] / 1024.0, w["sent"], w["received"],
            w["lost"], w["late"], r["probes_per_s"], r["probes_per_s_expected"],
            w["tunnels_left_up"], rtt))
    L.append("")
    L.append("Columns: *config s* = one `vtysh -f` with the whole configuration (%s); "
             % ("each tunnel block closed by ` exit`, as `show running-config` writes it"
                if meta["config_exit_lines"] else "tunnel blocks without ` exit` lines") +
             "*all up s* = end of configuration until every tunnel reports `up` "
             "(polled every 0.2 s); CPU = (utime+stime) delta over the window in % of "
             "one core; RSS = VmRSS at the end of the window; probe counts are "
             "deltas of `show vpn-ha json` counters over the window; *tunnels leaving "
             "up* = tunnels whose transition counter moved or which were not `up` at "
             "either end of the window (any non-zero value is a false failover); RTT = "
             "mean of the per-tunnel window averages / largest per-tunnel max.")
    L.append("")
    L.append("Second table: CPU us/probe = vpnhad CPU over the window / probes sent; "
             "*stime %%* = the kernel (system time) part of the CPU %% column; syscall rates "
             "from `perf stat` on vpnhad for %s s right after the window (not inside it)."
             % meta.get("perf_seconds", "-"))
    L.append("")
    L.append("| N | vpnhad CPU us/probe | vpnhad stime % | ppoll/s | sendto/s | recvmsg/s | netns+veth s | daemons s | teardown s | kernel routes | VmHWM MiB | vpnhad log warnings | state changes logged in window |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        pf = r.get("perf") or {}
        L.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["n"], r.get("vpnhad_cpu_us_per_probe", "-"),
            r.get("vpnhad_sys_pct", "-"), pf.get("ppoll_per_s", "-"),
            pf.get("sendto_per_s", "-"), pf.get("recvmsg_per_s", "-"),
            r.get("netns_s", "-"), r.get("daemons_s", "-"), r.get("teardown_s", "-"),
            r.get("kernel_routes", "-"),
            "%.1f" % (r["vpnhad_hwm_kb"] / 1024.0) if r.get("vpnhad_hwm_kb") else "-",
            r.get("log_warnings", "-"), r.get("log_state_changes_in_window", "-")))
    open(sys.argv[5], "w").write("\n".join(L) + "\n")
    print("\n".join(L))
EOF

# --- one size ---------------------------------------------------------------

# Build namespaces and N veth pairs (ip -batch: one process per side).
# With BENCH_STATIC_NEIGH=1 (default) both ends get permanent neighbour
# entries: real tunnel interfaces (VTI/XFRM) need no ARP, and the
# kernel's ARP table is global with gc_thresh3 = 1024 entries across ALL
# namespaces by default, so dynamic ARP on 2 x N veth ends fails from
# N = 512 on ("neighbor table overflow"); permanent entries are exempt.
build_net() {
	local n=$1 i
	ip netns add "$R"
	ip netns add "$P"
	: >"$WORK/r.batch"
	: >"$WORK/p.batch"
	echo "link set lo up" >>"$WORK/r.batch"
	echo "link set lo up" >>"$WORK/p.batch"
	for i in $(seq "$n"); do
		local rmac pmac
		rmac=$(printf '02:00:00:00:%02x:%02x' $((i / 256)) $((i % 256)))
		pmac=$(printf '02:00:00:01:%02x:%02x' $((i / 256)) $((i % 256)))
		echo "link add vti$i address $rmac type veth peer name cvti$i address $pmac netns $P" >>"$WORK/r.batch"
		echo "addr add $(tun_addr "$i" 1)/30 dev vti$i" >>"$WORK/r.batch"
		echo "link set vti$i up" >>"$WORK/r.batch"
		echo "addr add $(tun_addr "$i" 2)/30 dev cvti$i" >>"$WORK/p.batch"
		echo "link set cvti$i up" >>"$WORK/p.batch"
		if [ "$STATIC_NEIGH" = 1 ]; then
			echo "neigh add $(tun_addr "$i" 2) lladdr $pmac dev vti$i nud permanent" >>"$WORK/r.batch"
			echo "neigh add $(tun_addr "$i" 1) lladdr $rmac dev cvti$i nud permanent" >>"$WORK/p.batch"
		fi
	done
	ip -n "$R" -batch "$WORK/r.batch"
	ip -n "$P" -batch "$WORK/p.batch"
}

start_daemons() {
	local logs=$1 p
	mkdir -p "/etc/frr/$R" "/var/run/frr/$R"
	touch "/etc/frr/$R/vtysh.conf" "/etc/frr/$R/zebra.conf" "/etc/frr/$R/vpnhad.conf"
	chown -R frr:frr "/etc/frr/$R" "/var/run/frr/$R"
	ip netns exec "$R" "$ZEBRA" -N "$R" -d -P 0 --log "file:$logs/zebra.log"
	ip netns exec "$R" env ${BENCH_VPNHAD_PRELOAD:+LD_PRELOAD=$BENCH_VPNHAD_PRELOAD} \
		"$VPNHAD" -N "$R" -d -P 0 --log "file:$logs/vpnhad.log"
	for p in zebra vpnhad; do
		for _ in $(seq 100); do
			[ -S "/var/run/frr/$R/$p.vty" ] && [ -s "/var/run/frr/$R/$p.pid" ] && break
			sleep 0.05
		done
		[ -S "/var/run/frr/$R/$p.vty" ] || die "$p did not start (see $logs/$p.log)"
	done
	ZPID=$(cat "/var/run/frr/$R/zebra.pid")
	VPID=$(cat "/var/run/frr/$R/vpnhad.pid")
}

write_config() {
	local n=$1 f=$2 i
	{
		echo "vpn-ha"
		echo " peer cloud-a"
		echo "  address 203.0.113.1"
		echo " exit"
		for i in $(seq "$n"); do
			echo " tunnel t$i"
			echo "  interface vti$i"
			echo "  peer cloud-a"
			echo "  health-check source $(tun_addr "$i" 1) destination $(tun_addr "$i" 2)"
			echo "  health-check interval $INTERVAL"
			[ "$CONFIG_EXIT" = 0 ] || echo " exit"
		done
		for i in $(seq "$n"); do
			echo " route $(tun_route "$i") tunnel t$i weight 0"
		done
		echo "exit"
	} >"$f"
}

show_json() { # file
	vty -c "show vpn-ha tunnel json" >"$1"
}

run_size() {
	local n=$1 win=$2 logs="$WORK/n$1" t0 t1 t2 t3 up total routes
	local c0 c1 s0 s1 z0 z1 ta0 ta1 tb0 tb1 w0 w1 lines0 rc=0
	mkdir -p "$logs"
	chmod 777 "$logs"
	log "N=$n: building namespaces"
	t0=$(now)
	build_net "$n"
	t1=$(now)
	start_daemons "$logs"
	t2=$(now)
	write_config "$n" "$logs/vpnhad.conf"
	log "N=$n: configuring"
	vty -f "$logs/vpnhad.conf" >"$logs/config.out" 2>&1 || rc=$?
	t3=$(now)
	if [ $rc != 0 ] || grep -q '^%\|[Ee]rror\|[Uu]nknown' "$logs/config.out"; then
		echo "{\"n\": $n, \"error\": \"configuration failed\"}" >>"$WORK/results.jsonl"
		sed -n 1,20p "$logs/config.out" >&2
		return 1
	fi

	# All up, bounded.
	local deadline t_up="" tries=0
	deadline=$(awk -v a="$t3" -v b="$UP_TIMEOUT" 'BEGIN { printf "%.3f", a + b }')
	while :; do
		tries=$((tries + 1))
		show_json "$logs/poll.json"
		read -r up total routes < <($PY "$WORK/summ.py" up "$logs/poll.json")
		if [ "$total" = "$n" ] && [ "$up" = "$n" ] && [ "$routes" = "$n" ]; then
			t_up=$(now)
			break
		fi
		if awk -v a="$(now)" -v b="$deadline" 'BEGIN { exit !(a > b) }'; then
			log "N=$n: only $up/$total tunnels up, $routes routes after ${UP_TIMEOUT}s"
			cp "$logs/poll.json" "$logs/not-up.json"
			echo "{\"n\": $n, \"config_s\": $(elapsed "$t2" "$t3"), \"all_up_s\": null, \"error\": \"only $up/$total up after ${UP_TIMEOUT}s\"}" >>"$WORK/results.jsonl"
			return 1
		fi
		sleep 0.2
	done
	log "N=$n: all $n up after $(elapsed "$t3" "$t_up") s ($tries polls); window ${win}s"
	sleep "$SETTLE"

	# Measurement window.  The two show commands stay outside the CPU
	# window; the counter window is taken between their midpoints.
	lines0=$(wc -l <"$logs/vpnhad.log")
	ta0=$(now)
	show_json "$logs/w0.json"
	ta1=$(now)
	c0=$(cpu_ticks "$VPID")
	s0=$(stime_ticks "$VPID")
	z0=$(cpu_ticks "$ZPID")
	w0=$(now)
	sleep "$win"
	c1=$(cpu_ticks "$VPID")
	s1=$(stime_ticks "$VPID")
	z1=$(cpu_ticks "$ZPID")
	w1=$(now)
	local rss hwm
	rss=$(status_kb "$VPID" VmRSS)
	hwm=$(status_kb "$VPID" VmHWM)
	tb0=$(now)
	show_json "$logs/w1.json"
	tb1=$(now)
	kill -0 "$VPID" 2>/dev/null || die "N=$n: vpnhad died (see $logs/vpnhad.log)"

	# Where the CPU goes: syscalls per second (after the window).
	local perf_json=null
	if [ "$PERF" != 0 ]; then
		perf stat -x, -o "$logs/perf.csv" -e syscalls:sys_enter_ppoll \
			-e syscalls:sys_enter_sendto -e syscalls:sys_enter_recvmsg \
			-e task-clock -p "$VPID" -- sleep "$PERF_SECONDS" \
			>/dev/null 2>&1 || true
		perf_json=$(awk -F, -v s="$PERF_SECONDS" '
			$3 ~ /sys_enter_/ { sub(/.*sys_enter_/, "", $3); v[$3] = $1 / s }
			$3 == "task-clock" { cpu = $1 / (s * 10) }
			END {
				if (!length(v)) { print "null"; exit }
				printf "{\"seconds\": %s, \"ppoll_per_s\": %.0f, \"sendto_per_s\": %.0f, \"recvmsg_per_s\": %.0f, \"cpu_pct\": %.2f}",
					s, v["ppoll"], v["sendto"], v["recvmsg"], cpu
			}' "$logs/perf.csv" 2>/dev/null || echo null)
	fi

	local summ span kroutes warnings changes
	summ=$($PY "$WORK/summ.py" window "$logs/w0.json" "$logs/w1.json")
	span=$(awk -v a0="$ta0" -v a1="$ta1" -v b0="$tb0" -v b1="$tb1" \
		'BEGIN { printf "%.3f", (b0 + b1) / 2 - (a0 + a1) / 2 }')
	kroutes=$(ip -n "$R" -4 route show | grep -c '^10\.1[0-9][0-9]\.' || true)
	warnings=$(grep -c 'warn' "$logs/vpnhad.log" || true)
	changes=$(tail -n +"$((lines0 + 1))" "$logs/vpnhad.log" | grep -c 'tunnel .*: .* -> ' || true)

	log "N=$n: tearing down"
	local td0 td1
	td0=$(now)
	teardown
	td1=$(now)

	$PY - "$n" "$win" "$summ" "$perf_json" <<EOF >>"$WORK/results.jsonl"
import json, sys
n, win, w = int(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3])
span = $span
cpu = ($c1 - $c0) / $CLK_TCK / ($w1 - $w0) * 100
zcpu = ($z1 - $z0) / $CLK_TCK / ($w1 - $w0) * 100
print(json.dumps({
    "n": n, "interval_ms": $INTERVAL, "window_s": win,
    "netns_s": $(elapsed "$t0" "$t1"), "daemons_s": $(elapsed "$t1" "$t2"),
    "config_s": $(elapsed "$t2" "$t3"), "all_up_s": $(elapsed "$t3" "$t_up"),
    "all_up_polls": $tries,
    "vpnhad_cpu_pct": round(cpu, 2), "zebra_cpu_pct": round(zcpu, 2),
    "vpnhad_cpu_s": round(($c1 - $c0) / $CLK_TCK, 2),
    "vpnhad_sys_pct": round(($s1 - $s0) / $CLK_TCK / ($w1 - $w0) * 100, 2),
    "vpnhad_cpu_us_per_probe": round(($c1 - $c0) / $CLK_TCK * 1e6 / w["sent"], 1) if w["sent"] else None,
    "vpnhad_rss_kb": $rss, "vpnhad_hwm_kb": $hwm,
    "counter_span_s": span,
    "probes_per_s": round(w["sent"] / span, 1),
    "probes_per_s_expected": round(n * 1000.0 / $INTERVAL, 1),
    "kernel_routes": $kroutes, "log_warnings": $warnings,
    "log_state_changes_in_window": $changes,
    "teardown_s": $(elapsed "$td0" "$td1"),
    "perf": json.loads(sys.argv[4]),
    "window": w,
}))
EOF
	tail -n 1 "$WORK/results.jsonl" >&2
	if [ -n "${BENCH_KEEP_LOGS:-}" ]; then
		mkdir -p "$OUT/logs"
		cp -r "$logs" "$OUT/logs/"
	fi
}

# --- main -------------------------------------------------------------------

mkdir -p "$OUT"
: >"$WORK/results.jsonl"
run_start=$(now)
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
foreign=$(pgrep -c -x 'zebra|vpnhad' || true)
window_note="$WINDOW s"
[ "$WINDOW_BIG" != "$WINDOW" ] && window_note="$WINDOW s ($WINDOW_BIG s for N >= $BIG_N)"

failed=0
for n in $SIZES; do
	win=$WINDOW
	[ "$n" -ge "$BIG_N" ] && win=$WINDOW_BIG
	# A subshell, so a failing size does not end the run.  Not in an
	# if/|| condition: bash would ignore "set -e" in there.
	set +e
	(
		set -e
		run_size "$n" "$win"
	)
	rc=$?
	set -e
	if [ $rc != 0 ]; then
		log "N=$n failed (rc $rc); logs in $WORK/n$n"
		failed=1
		BENCH_KEEP_LOGS=1
	fi
	teardown
done

cat >"$WORK/meta.json" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "nproc": $(nproc),
  "cpu_model": "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)",
  "kernel": "$(uname -r)",
  "git_commit": "$GIT_COMMIT",
  "git_dirty": $GIT_DIRTY,
  "vpnhad_older_than_sources": $VPNHAD_STALE,
  "vpnhad_binary": "$VPNHAD_SRC",
  "vpnhad_sha256_16": "$VPNHAD_SHA",
  "vpnhad_built": "$VPNHAD_MTIME",
  "interval_ms": $INTERVAL,
  "window_s": $WINDOW,
  "window_big_s": $WINDOW_BIG,
  "big_n": $BIG_N,
  "window_note": "$window_note",
  "sizes": "$SIZES",
  "config_exit_lines": $( [ "$CONFIG_EXIT" = 0 ] && echo false || echo true ),
  "static_neighbours": $( [ "$STATIC_NEIGH" = 1 ] && echo true || echo false ),
  "vpnhad_preload": "${BENCH_VPNHAD_PRELOAD:-}",
  "perf_seconds": $( [ "$PERF" != 0 ] && echo "$PERF_SECONDS" || echo null ),
  "loadavg_start": "$loadavg_start",
  "foreign_frr_procs": $foreign,
  "total_run_s": $(elapsed "$run_start" "$(now)")
}
EOF
$PY "$WORK/summ.py" report "$WORK/results.jsonl" "$WORK/meta.json" \
	"$OUT/probe_scale.json" "$OUT/probe_scale.md"
exit $failed
