#!/bin/bash
# bench/report.sh — `migbench report` over 1 000 000 raw.csv rows (the target: at
# most 5 s), figures and all; and `migbench compare` of two such directories.  The rows are
# synthetic (20 points x 50 000 runs, every metric column filled like a real run's), made
# in /tmp and deleted afterwards.  Median of 3; peak RSS from /usr/bin/time.
set -euo pipefail
MB=${MIGBENCH:-bin/migbench}
ROWS=${REPORT_BENCH_ROWS:-1000000}
tmp=$(mktemp -d /tmp/mb-bench-report.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

gen() { # gen DIR SEED SCALE
    mkdir -p "$1"
    cat >"$1/scenario.yaml" <<'Y'
name: bench-report
description: synthetic, for bench/report.sh
paper: Fig. 3
claim: More memory means a longer migration.
repeat: 1000
vms: {count: 5, memory: [128MiB, 192MiB, 256MiB, 384MiB, 512MiB, 768MiB, 1GiB, 2GiB]}
reservation: {source: {cpu_cap: [4%, 8%, 12%, 16%, 20%, 24%, 28%, 32%, 36%, 40%, 44%, 48%, 52%, 56%, 60%, 64%, 68%, 72%, 76%, 80%, 84%, 88%, 92%, 96%, 100%]}}
plots:
  - {x: reservation.source.cpu_cap, y: [total_time_ms, downtime_ms], series: vms.memory}
Y
    echo '{"harness_version": "bench", "testbed": "none", "hosts": []}' >"$1/metadata.json"
    python3 - "$1/raw.csv" "$ROWS" "$2" "$3" <<'PY'
import random, sys
path, rows, seed, scale = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
rnd = random.Random(seed)
mib = {"128MiB": 128, "192MiB": 192, "256MiB": 256, "384MiB": 384, "512MiB": 512,
       "768MiB": 768, "1GiB": 1024, "2GiB": 2048}
caps = ["%d%%" % (4 * i) for i in range(1, 26)]
points = [(m, c) for m in mib for c in caps]
vms = 5
reps = max(1, rows // (len(points) * vms))
cols = ("run_id,scenario,point,repetition,vm,host_from,host_to,strategy,batch,hop,status,"
        "start_time,end_time,f.vms.memory,f.reservation.source.cpu_cap,total_time_ms,downtime_ms,"
        "setup_time_ms,data_bytes,memory_bytes_total,dirty_rate_pps,iterations,wall_time_ms,"
        "probe_downtime_ms,integrity,batch_makespan_ms,cpu_cap_applied_pct,balloon_applied_kib,"
        "workload_baseline,workload_during,overhead_pct,error,stats_source,stats_missing,"
        "harness_version,image_hash,hypervisor,accel")
h = "sha256:" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
g = rnd.gauss
with open(path, "w") as f:
    f.write(cols + "\n")
    for p, (m, c) in enumerate(points, 1):
        base = (300 + 3 * mib[m]) * scale
        out = []
        for r in range(1, reps + 1):
            span = base * vms * g(1, 0.02)
            for v in range(1, vms + 1):
                t = base * g(1, 0.03)
                out.append(f"{p:012x}-r{r},bench-report,{p},{r},vm{v},hostA,hostB,sequential,{v},"
                           f"1,ok,2026-11-26T14:03:07.123Z,2026-11-26T14:03:10.623Z,{m},{c},"
                           f"{t:.1f},{g(40, 4):.1f},{g(12, 1):.1f},{mib[m] * 1048576 + r},"
                           f"{mib[m] * 1048576},{int(g(1200, 50))},{3 + r % 3},{t + 110:.1f},"
                           f"{g(60, 6):.1f},ok,{span:.1f},{c[:-1]},,,,,,event,,bench,{h},"
                           f"QEMU 10.0.2 / libvirt 9.0.0,tcg\n")
            if len(out) >= 10000:
                f.write("".join(out))
                out = []
        f.write("".join(out))
PY
}
t0=$(date +%s)
gen "$tmp/base" 1 1.0
gen "$tmp/new" 2 1.0
echo "generated 2 x $(($(wc -l <"$tmp/base/raw.csv") - 1)) rows ($(du -m "$tmp/base/raw.csv" | cut -f1) MiB each) in $(($(date +%s) - t0)) s"

measure() { # measure NAME TARGET_S CMD...
    local name=$1 target=$2
    shift 2
    python3 - "$name" "$target" "$@" <<'PY'
import statistics, subprocess, sys
name, target, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
times, rss = [], []
for _ in range(3):
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"{name}: exit {r.returncode}: {r.stderr.strip()}")
    e, m = r.stderr.strip().splitlines()[-1].split()
    times.append(float(e))
    rss.append(int(m) / 1024)
med = statistics.median(times)
print(f"figure: {name} = {med:.2f} s (target <= {target:g} s; median of 3, "
      f"peak RSS {max(rss):.0f} MiB) {'OK' if med <= target else 'OVER TARGET'}")
sys.exit(0 if med <= target else 1)
PY
}
rc=0
measure report_1m_rows 5 "$MB" report -q "$tmp/base" || rc=1
n=$(ls "$tmp/base/figures/"*.png | wc -l)
[ "$n" -ge 2 ] || { echo "report drew $n figures"; rc=1; }
measure compare_1m_rows 10 "$MB" compare "$tmp/base" "$tmp/new" || rc=1
exit $rc
