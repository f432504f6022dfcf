#!/bin/bash
# bench/disturb.sh — does migbench change what it measures?  An idle 512 MiB guest,
# freshly booted and left DISTURB_WARMUP seconds, migrates hostA -> hostB by a bare
# `virsh migrate --live --p2p` and by `migbench run` (one run, default settings), and by
# migbench with each of its agents alone (probe, integrity checker, monitor), in rounds
# whose order rotates so that drift falls on every variant alike.  Both sides read one
# figure: the source's JOB_COMPLETED event (libvirt's "time elapsed" and "data
# processed"), which migbench records (stats_source "event") and which, for bare virsh, a
# `virsh event` listener on the source catches.  The destination's `domjobinfo
# --completed` reads 20-30 ms less for the same migration, so mixing the two would bias
# the ratio.  Target: migbench's default settings at most 1.05 x bare virsh (ratio of
# medians; a bootstrap 95 % interval is printed beside it).  Needs root; uses its own lab
# instance (bench-dist), tears it down.
#   DISTURB_ROUNDS (default 10)  migrations per variant
#   DISTURB_VARIANTS             which besides bare (see VAR below)
set -uo pipefail
MB=${MIGBENCH:-bin/migbench}
ROUNDS=${DISTURB_ROUNDS:-10}
WARMUP=${DISTURB_WARMUP:-5}
LAB=bench-dist
[ "$(id -u)" -eq 0 ] || { echo "bench/disturb.sh: needs root (skipped)"; exit 0; }
tmp=$(mktemp -d /tmp/migbench-bench-disturb.XXXXXX)
trap '"$MB" lab down --name $LAB >/dev/null 2>&1; rm -rf "$tmp"' EXIT
"$MB" lab up --name $LAB >/dev/null || { echo "lab up $LAB failed"; exit 3; }
tb=/tmp/migbench/$LAB/testbed.yaml
# KEY of host $1 in the testbed file: uri (the harness's, a UNIX socket on the lab) or
# migrate_uri (the one the source's libvirtd reaches the destination at)
uri() { sed -n "/^  $1:/,/^  [a-z]/s/^    $2: //p" "$tb" | head -1; }
A=$(uri hostA uri) B=$(uri hostB uri) B_MIG=$(uri hostB migrate_uri)

# The variants: name, then the scenario lines that make it.
declare -A VAR=(
    [migbench]=""
    [no-agents]="probe: {interval: 0}
integrity: {memory: 0}"
    [probe-10ms]="probe: {interval: 10ms}
integrity: {memory: 0}"
    [checker-4MiB]="probe: {interval: 0}
integrity: {memory: 4MiB, rate: 4MiB/s}"
    [probe-1ms]="probe: {interval: 1ms}
integrity: {memory: 0}"
    [checker-16MiB]="probe: {interval: 0}
integrity: {memory: 16MiB, rate: 16MiB/s}"
    [probe-20ms]="probe: {interval: 20ms}
integrity: {memory: 0}"
    [no-monitor]="probe: {interval: 0}
integrity: {memory: 0}
monitor: {interval: 1min}"
    [probe-10ms-checker]="probe: {interval: 10ms}"
    [old-defaults]="probe: {interval: 1ms}
integrity: {memory: 16MiB, rate: 16MiB/s}"
)
# DISTURB_VARIANTS picks some (bare is always measured): by default migbench as it is, no
# in-guest agent (the monitor and the kept SSH session only), not even the monitor's
# sampling during the migration (no-monitor: one sample a minute), and each in-guest agent
# alone at its default.
read -r -a ORDER <<<"bare ${DISTURB_VARIANTS:-migbench no-agents no-monitor probe-20ms checker-4MiB}"
for v in "${!VAR[@]}"; do
    cat >"$tmp/$v.yaml" <<Y
name: disturb-$v
repeat: 1
trim: 0
vms: {count: 1, memory: 512MiB, workload: idle}
windows: {warmup: ${WARMUP}s, baseline: 0, after: 0}
${VAR[$v]}
Y
done

bare() { # one bare virsh migration of a fresh guest: prints "TOTAL_MS DATA_BYTES"
    "$MB" vm --testbed $LAB start hostA 1 --memory 512MiB >/dev/null || return 1
    sleep "$WARMUP"
    # the listener connects before the migration starts (outside the measured time)
    virsh -c "$A" event --domain vm1 --event job-completed --timeout 120 >"$tmp/event.txt" 2>&1 &
    local ev=$!
    sleep 1
    if ! virsh -q -c "$A" migrate --live --p2p vm1 "$B_MIG" >/dev/null; then
        kill "$ev" 2>/dev/null
        wait "$ev" 2>/dev/null
        virsh -q -c "$A" destroy vm1 >/dev/null 2>&1
        return 1
    fi
    wait "$ev"
    virsh -q -c "$B" destroy vm1 >/dev/null
    sed -n 's/^[[:space:]]*time_elapsed: *\([0-9]*\)$/\1/p; s/^[[:space:]]*data_processed: *\([0-9]*\)$/\1/p' \
        "$tmp/event.txt" | paste -sd' '
}
with_migbench() { # VARIANT: one migbench run; prints total_time_ms
    local out=$tmp/out-$1
    "$MB" run -q --testbed $LAB --out "$out" "$tmp/$1.yaml" || return 1
    python3 - "$out" <<'PY'
import csv, glob, sys
f = sorted(glob.glob(sys.argv[1] + "/*/*/raw.csv"))[-1]
row = list(csv.DictReader(open(f)))[-1]
if row["status"] == "ok" and row["stats_source"] == "event":
    print(row["total_time_ms"], row["data_bytes"])
PY
}

echo "bench/disturb.sh: $ROUNDS rounds of ${#ORDER[@]} variants (idle 512 MiB guest, warm-up ${WARMUP} s, $LAB)"
: >"$tmp/times.txt"
t0=$(date +%s)
for ((r = 0; r < ROUNDS; r++)); do
    n=${#ORDER[@]}
    for ((k = 0; k < n; k++)); do
        v=${ORDER[$(((k + r) % n))]}
        if [ "$v" = bare ]; then ms=$(bare); else ms=$(with_migbench "$v"); fi
        [ "$(wc -w <<<"$ms")" -eq 2 ] && echo "$v $ms" >>"$tmp/times.txt" || echo "  round $((r + 1)) $v: failed"
    done
    el=$(($(date +%s) - t0))
    echo "  round $((r + 1))/$ROUNDS done (${el} s, ETA $((el * (ROUNDS - r - 1) / (r + 1))) s)"
done
python3 - "$tmp/times.txt" "${ORDER[@]}" <<'PY'
import random, statistics as st, sys
t, data = {}, {}
for line in open(sys.argv[1]):
    v, ms, b = line.split()
    t.setdefault(v, []).append(float(ms))
    data.setdefault(v, []).append(float(b) / 2**20)
bare = t.get("bare", [])
rnd = random.Random(1)
def ci(a, b):  # bootstrap 95 % interval of median(a) / median(b)
    rs = sorted(st.median(rnd.choices(a, k=len(a))) / st.median(rnd.choices(b, k=len(b)))
                for _ in range(2000))
    return rs[50], rs[1949]
print(f"{'variant':<15} {'n':>3} {'data MiB':>8} {'median ms':>10} {'IQR ms':>13} {'/ bare':>7}  95 % interval")
for v in sys.argv[2:]:
    a = t.get(v, [])
    if not a:
        print(f"{v:<15}   0  (no successful migration)")
        continue
    q = st.quantiles(a, n=4) if len(a) > 1 else [a[0]] * 3
    line = f"{v:<15} {len(a):>3} {st.median(data[v]):>8.1f} {st.median(a):>10.0f} {q[0]:>6.0f}-{q[2]:<6.0f}"
    if v != "bare" and len(bare) > 1 and len(a) > 1:
        lo, hi = ci(a, bare)
        line += f" {st.median(a) / st.median(bare):>7.3f}  {lo:.3f} - {hi:.3f}"
    print(line)
if bare and t.get("migbench"):
    r = st.median(t["migbench"]) / st.median(bare)
    print(f"figure: migbench / bare virsh (idle 512 MiB, median total time) = {r:.3f} (target <= 1.05: {'met' if r <= 1.05 else 'NOT met'})")
PY
