#!/bin/bash
# bench/aa.sh — can `migbench compare` be believed?  On its own lab instance (bench-aa):
#  1. A/A: one campaign of one idle configuration, AA_RUNS runs (default 20), then
#     `migbench compare --aa AA_SPLITS` on it (default 20 comparisons of random halves):
#     the false-positive rate of compare's decision on lab data, with its exact interval.
#  2. Slowdown: SLOW_RUNS runs (default 6) of the same configuration as a baseline, then
#     SLOW_RUNS with a noisy neighbour — two busy loops, one per CPU, started here,
#     bounded in time and killed by PID on exit — and `migbench compare` of the two, which
#     should flag the slowdown (exit 1).
# Every step has a timeout; the lab, the busy loops and the temporary directory go on exit.
# Needs root.  docs/measurements.md ("A/A calibration of compare") records its figures.
set -uo pipefail
MB=${MIGBENCH:-bin/migbench}
AA_RUNS=${AA_RUNS:-20}
AA_SPLITS=${AA_SPLITS:-20}
SLOW_RUNS=${SLOW_RUNS:-6}
STEP_LIMIT=${AA_STEP_LIMIT:-900} # seconds per campaign
LAB=bench-aa
[ "$(id -u)" -eq 0 ] || { echo "bench/aa.sh: needs root (skipped)"; exit 0; }
tmp=$(mktemp -d /tmp/migbench-bench-aa.XXXXXX)
busy=()
cleanup() {
    [ ${#busy[@]} -gt 0 ] && kill "${busy[@]}" 2>/dev/null
    "$MB" lab down --name $LAB >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One idle 256 MiB guest, hostA -> hostB, the probe and the integrity checker as a normal
# run has them; a short warm-up so the guest has settled after its boot.
scenario() { # NAME REPEAT
    cat >"$tmp/$1.yaml" <<Y
name: aa-idle
description: A/A calibration of compare, one idle configuration
repeat: $2
trim: 0
vms: {count: 1, vcpus: 1, memory: 256MiB, workload: idle}
migration: {strategy: sequential, timeout: 120s}
windows: {warmup: 2s, baseline: 0, after: 0}
Y
}
campaign() { # NAME REPEAT: the campaign's results under $tmp/out-NAME
    scenario "$1" "$2"
    local t0=$SECONDS
    timeout "$STEP_LIMIT" "$MB" run -q --testbed $LAB --out "$tmp/out-$1" "$tmp/$1.yaml"
    local rc=$?
    echo "  $1: $2 runs in $((SECONDS - t0)) s (exit $rc)"
    return $rc
}

"$MB" lab up --name $LAB >/dev/null || { echo "lab up $LAB failed"; exit 3; }
echo "bench/aa.sh: idle 256 MiB guest, hostA -> hostB ($LAB); $(nproc) CPUs"

echo "== A/A: $AA_RUNS runs of one configuration, $AA_SPLITS comparisons of random halves"
campaign aa "$AA_RUNS" || { echo "bench/aa.sh: the A/A campaign failed"; exit 1; }
"$MB" compare --aa "$AA_SPLITS" --seed 1 "$tmp/out-aa" | tee "$tmp/aa.txt"
aa_rc=${PIPESTATUS[0]}
rate=$(tail -1 "$tmp/aa.txt")
echo "figure: compare A/A ($AA_RUNS runs, $AA_SPLITS splits, halves of $((AA_RUNS / 2))) $rate (exit $aa_rc)"

echo "== slowdown: $SLOW_RUNS runs, then $SLOW_RUNS beside two busy loops (one per CPU)"
campaign base "$SLOW_RUNS" || { echo "bench/aa.sh: the baseline campaign failed"; exit 1; }
for cpu in $(seq 0 $(($(nproc) - 1))); do
    [ "$cpu" -lt 2 ] || break
    timeout "$STEP_LIMIT" taskset -c "$cpu" bash -c 'while :; do :; done' &
    busy+=($!)
done
campaign noisy "$SLOW_RUNS"
noisy_rc=$?
kill "${busy[@]}" 2>/dev/null
wait "${busy[@]}" 2>/dev/null
busy=()
[ $noisy_rc -eq 0 ] || { echo "bench/aa.sh: the noisy campaign failed"; exit 1; }
"$MB" compare "$tmp/out-base" "$tmp/out-noisy" | tee "$tmp/slow.txt"
slow_rc=${PIPESTATUS[0]}
echo "figure: compare of $SLOW_RUNS idle runs against $SLOW_RUNS beside two busy loops: $(tail -1 "$tmp/slow.txt") (exit $slow_rc: $([ $slow_rc -eq 1 ] && echo 'slowdown flagged' || echo 'slowdown NOT flagged'))"
[ $aa_rc -le 1 ] && [ $slow_rc -le 1 ]
