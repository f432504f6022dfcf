#!/bin/bash
# bench/lab-physics.sh — the lab's physics on a small machine (issue 15): hosts on
# disjoint CPUs sized by CPU bandwidth, and a shaped link between them.  Brings up its own
# instance (bench-physics) with --host-cpus 0:1 --host-cpu-max 50%:100% --link-rate RATE
# (the paper's 4 : 8 cores as 1 : 2 on two cores, room left on CPU 0 for the harness), then
#   (a) one bulk TCP flow hostA -> hostB for SECONDS (python3 in the hosts' namespaces):
#       goodput (bytes the receiver read over its time) and wire rate (hostB's uplink rx
#       bytes, frames with their headers) against the rate set; target within 5 %;
#   (b) each host's CPU capacity: one busy loop per CPU of the host, in the host's cgroup,
#       for SECONDS at once, and the CPU time each host's cgroup got (cpuacct.usage on v1,
#       cpu.stat usage_usec on v2); target hostB / hostA = 2 within 5 %;
#   (c) that no CPU is in two hosts' lists of the testbed file.
# Takes the instance down on any exit.  Needs root and 2 CPUs (else skipped).
# Env: MB_PHYS_RATE (default 200Mbit), MB_PHYS_SECONDS (default 5).
set -uo pipefail
MB=${MIGBENCH:-bin/migbench}
TOP=$(cd "$(dirname "$0")/.." && pwd)
NAME=bench-physics
RATE=${MB_PHYS_RATE:-200Mbit}
SECS=${MB_PHYS_SECONDS:-5}
[ "$(id -u)" -eq 0 ] || {
    echo "bench/lab-physics.sh: needs root (skipped)"
    exit 0
}
[ "$(nproc)" -ge 2 ] || {
    echo "bench/lab-physics.sh: needs 2 CPUs (skipped)"
    exit 0
}
tmp=$(mktemp -d /tmp/migbench-bench-physics.XXXXXX)
RECV_PID=
cleanup() {
    [ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null
    timeout 60 "$MB" lab down --name $NAME >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() {
    echo "bench/lab-physics.sh: $*" >&2
    exit 1
}
figure() { echo "figure: $1 = $2 $3 ($4)"; }
within() { awk -v r="$1" -v w="$2" 'BEGIN {exit !(r >= w * 0.95 && r <= w * 1.05)}'; }

timeout 300 "$MB" lab up --name $NAME --host-cpus 0:1 --host-cpu-max 50%:100% --link-rate "$RATE" \
    >"$tmp/up.out" 2>&1 || die "lab up failed: $(tail -5 "$tmp/up.out")"
export MB_LAB_NAME=$NAME
# shellcheck source=../lab/common.sh
. "$TOP/lab/common.sh"
ENV=$MB_RUN/lab.env
get() { sed -n "s/^$1=//p" "$ENV"; }
set_bps=$(get link_rate)
IPB=$(get host.hostB.ip)
echo "lab $NAME: $(grep -E '^ +host[AB]: ' <("$MB" lab status --name $NAME) | sed 's/  */ /g')"

# ---- (a) one bulk TCP flow hostA -> hostB ------------------------------------------------
RECV='
import socket, sys, time
rx = lambda: int(open("/sys/class/net/uplink/statistics/rx_bytes").read())
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5201))
s.listen(1)
s.settimeout(30)
print("ready", flush=True)
c, _ = s.accept()
c.settimeout(30)
first = c.recv(1 << 20)
t0, r0, n = time.monotonic(), rx(), 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    n += len(b)
t1, r1 = time.monotonic(), rx()
print("bytes %d seconds %.6f wire_bytes %d" % (n, t1 - t0, r1 - r0), flush=True)
'
SEND='
import socket, sys, time
c = socket.create_connection((sys.argv[1], 5201), timeout=10)
buf, end = b"\0" * (1 << 20), time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    c.sendall(buf)
c.close()
'
timeout $((SECS + 60)) "$TOP/lab/exec" hostB python3 -c "$RECV" "$IPB" >"$tmp/recv.out" 2>&1 &
RECV_PID=$!
for _ in $(seq 100); do
    grep -q ready "$tmp/recv.out" && break
    sleep 0.05
done
grep -q ready "$tmp/recv.out" || die "the receiver on hostB did not start: $(cat "$tmp/recv.out")"
timeout $((SECS + 30)) "$TOP/lab/exec" hostA python3 -c "$SEND" "$IPB" "$SECS" ||
    die "the sender on hostA failed"
wait "$RECV_PID" || die "the receiver on hostB failed: $(cat "$tmp/recv.out")"
RECV_PID=
read -r _ bytes _ secs _ wire < <(grep '^bytes ' "$tmp/recv.out")
good=$(awk -v b="$bytes" -v s="$secs" 'BEGIN {printf "%.1f", b * 8 / s / 1e6}')
wire_mbit=$(awk -v b="$wire" -v s="$secs" 'BEGIN {printf "%.1f", b * 8 / s / 1e6}')
set_mbit=$(awk -v b="$set_bps" 'BEGIN {printf "%g", b / 1e6}')
r_good=$(awk -v g="$good" -v s="$set_mbit" 'BEGIN {printf "%.3f", g / s}')
r_wire=$(awk -v g="$wire_mbit" -v s="$set_mbit" 'BEGIN {printf "%.3f", g / s}')
figure lab_link_goodput "$good" "Mbit/s" "one TCP flow hostA->hostB for $SECS s; set $set_mbit Mbit/s; measured/set $r_good; target within 5 %"
figure lab_link_wire "$wire_mbit" "Mbit/s" "frames with headers at hostB's uplink; measured/set $r_wire; target within 5 %"

# ---- (b) each host's CPU capacity ------------------------------------------------------------
# the cgroup.procs files a host's process joins (v2: its leaf init/), and its CPU time in ns
procs_files() {
    if mb_cg_v2; then
        echo "$MB_CG2/$MB_CG_REL/$1/init/cgroup.procs"
        return
    fi
    local mnt c
    while read -r mnt c; do echo "$mnt/$MB_CG_REL/$1/cgroup.procs"; done < <(mb_cg_hierarchies)
}
cpu_ns() {
    if mb_cg_v2; then
        awk '$1 == "usage_usec" {printf "%d\n", $2 * 1000}' "$MB_CG2/$MB_CG_REL/$1/cpu.stat"
    else
        cat "$(mb_cg_dir "$1" cpuacct)/cpuacct.usage"
    fi
}
declare -A U0 U1 NC
burners=()
for h in hostA hostB; do
    NC[$h]=$(get "host.$h.cpus" | tr ',' '\n' | awk -F- '{n += (NF == 2 ? $2 - $1 + 1 : 1)} END {print n}')
    U0[$h]=$(cpu_ns $h)
done
t0=$(date +%s%N)
for h in hostA hostB; do
    mapfile -t files < <(procs_files $h)
    for ((k = 0; k < NC[$h]; k++)); do
        bash -c 'for f in "${@:2}"; do echo $$ >"$f" || exit 3; done
                 exec timeout "$1" bash -c "while :; do :; done"' _ "$SECS" "${files[@]}" &
        burners+=($!)
    done
done
for p in "${burners[@]}"; do wait "$p"; done
t1=$(date +%s%N)
for h in hostA hostB; do U1[$h]=$(cpu_ns $h); done
capA=$(awk -v a="${U0[hostA]}" -v b="${U1[hostA]}" -v t="$((t1 - t0))" 'BEGIN {printf "%.3f", (b - a) / t}')
capB=$(awk -v a="${U0[hostB]}" -v b="${U1[hostB]}" -v t="$((t1 - t0))" 'BEGIN {printf "%.3f", (b - a) / t}')
ratio=$(awk -v a="$capA" -v b="$capB" 'BEGIN {printf "%.3f", (a > 0 ? b / a : 0)}')
figure lab_cpu_hostA "$capA" "CPUs" "CPU 0 at 50 %; busy loops for $SECS s"
figure lab_cpu_hostB "$capB" "CPUs" "CPU 1 at 100 %"
figure lab_cpu_ratio "$ratio" "" "hostB / hostA; target 2 within 5 %"

# ---- (c) no CPU in two hosts' lists ------------------------------------------------------------
shared=$(awk '/^    cpus: / {gsub(/"/, "", $2); print $2}' "$MB_RUN/testbed.yaml" | tr ',' '\n' |
    awk -F- '{for (i = $1; i <= (NF == 2 ? $2 : $1); i++) print i}' | sort -n | uniq -d | tr '\n' ' ')
figure lab_cpus_shared "${shared:-none}" "" "CPUs in two hosts' cpus lists of the testbed file"

ok=1
within "$r_good" 1 || ok=0
within "$r_wire" 1 || ok=0
within "$ratio" 2 || ok=0
[ -z "$shared" ] || ok=0
[ $ok = 1 ] && echo "lab physics: within targets" || echo "lab physics: OUTSIDE a target (see above)"
exit 0
