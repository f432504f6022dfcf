#!/bin/bash
# bench/runner.sh — the harness's own cost during a campaign: its CPU time (user + system,
# all threads: probe, libvirt event loop, SSH) as a share of the campaign's wall time.
# Target: at most 2 %.  A campaign with the default measurement windows (warm-up
# 5 s, baseline 10 s, after 5 s), 2 VMs x {sequential, parallel} x 2, on its own lab.
set -uo pipefail
MB=${MIGBENCH:-bin/migbench}
[ "$(id -u)" -eq 0 ] || { echo "bench/runner.sh: needs root (skipped)"; exit 0; }
tmp=$(mktemp -d /tmp/migbench-bench-runner.XXXXXX)
trap '"$MB" lab down --name bench-run >/dev/null 2>&1; rm -rf "$tmp"' EXIT
cat >"$tmp/cpu.yaml" <<'Y'
name: bench-runner-cpu
repeat: 2
trim: 0
vms: {count: 2, memory: 512MiB}
migration: {strategy: [sequential, parallel]}
Y
"$MB" lab up --name bench-run >/dev/null || { echo "lab up failed"; exit 3; }
out=$("$MB" run --testbed bench-run --out "$tmp" --progress lines "$tmp/cpu.yaml") || {
    echo "$out"
    echo "campaign failed"
    exit 1
}
line=$(echo "$out" | grep '^results:')
pct=$(echo "$line" | sed -n 's/.*= \([0-9.]*\)% of.*/\1/p')
echo "$line"
awk -v p="$pct" 'BEGIN {
    printf "figure: runner_cpu_share = %.2f %% of the campaign wall time (target <= 2 %%) %s\n",
        p, (p <= 2 ? "OK" : "OVER TARGET"); exit !(p <= 2) }'
