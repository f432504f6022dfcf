#!/bin/bash
# bench/plan.sh — how fast `migbench plan --runs` expands big scenarios.
# Targets: a 600-run plan (10 x 4 x 3 levels, repeat 5) in under
# 0.5 s, a 100 000-run plan in under 2 s.  Median of 5, output to /dev/null.
set -euo pipefail
MB=${MIGBENCH:-bin/migbench}
tmp=$(mktemp -d /tmp/mb-bench-plan.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

levels() { # levels FMT FROM TO -> "[a, b, c]"
    local out="" i
    for ((i = $2; i <= $3; i++)); do out+="${out:+, }$(printf "$1" "$i")"; done
    echo "[$out]"
}
cat >"$tmp/p600.yaml" <<Y
name: bench-600
repeat: 5
vms: {count: 4, memory: $(levels '%dMiB' 128 131)}
reservation: {source: {cpu_cap: $(levels '%d0%%' 1 10)}}
migration: {strategy: [sequential, parallel, 'parallel:2']}
Y
cat >"$tmp/p100k.yaml" <<Y
name: bench-100k
repeat: 5
vms: {count: 4, memory: $(levels '%dMiB' 100 149)}
reservation: {source: {cpu_cap: $(levels '%d%%' 1 100)}}
migration: {strategy: [sequential, parallel, 'parallel:2', 'parallel:3']}
Y
measure() { # measure NAME TARGET_S FILE
    python3 - "$MB" "$3" "$1" "$2" <<'PY'
import resource, statistics, subprocess, sys, time
mb, path, name, target = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
runs = int(subprocess.run([mb, "plan", path], capture_output=True, text=True, check=True)
           .stdout.split("runs")[1].split()[0])
times = []
for _ in range(5):
    t0 = time.perf_counter()
    subprocess.run([mb, "plan", "--runs", path], stdout=subprocess.DEVNULL, check=True)
    times.append(time.perf_counter() - t0)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
med = statistics.median(times)
print(f"figure: {name} = {med:.3f} s (target < {target:g} s; {runs} runs, median of 5, "
      f"peak RSS {rss:.1f} MiB) {'OK' if med < target else 'OVER TARGET'}")
sys.exit(0 if med < target else 1)
PY
}
rc=0
measure plan_600_runs 0.5 "$tmp/p600.yaml" || rc=1
measure plan_100000_runs 2 "$tmp/p100k.yaml" || rc=1
exit $rc
