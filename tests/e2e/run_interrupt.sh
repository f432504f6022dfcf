#!/bin/bash
# run_interrupt: SIGINT in the middle of a campaign (during a slowed migration) aborts the
# migration, cleans up the run's guests, keeps the rows already written, marks the
# campaign interrupted in metadata.json and exits 130; --resume then completes it (the
# slow run, limited to 10 s, as a timeout).
. "$(dirname "$0")/lib.sh"
N=e2e-int
e2e_lab $N
OUT=$(mktemp -d /tmp/mb-e2e-int.XXXXXX)
E2E_CLEANUP='[ -n "$PID" ] && kill -9 $PID; rm -rf "$OUT"'
PID=
cat >"$OUT/int.yaml" <<'Y'
name: e2e-int
repeat: 1
vms: {count: 1, memory: 256MiB}
migration: {bandwidth: [0, 4MiB/s], timeout: 10s}
windows: {warmup: 0, baseline: 0, after: 0}
Y
"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up"
"$MIGBENCH" run --testbed $N --out "$OUT" --progress lines "$OUT/int.yaml" >"$OUT/log" 2>&1 &
PID=$!
# the second point migrates at 4 MiB/s: wait until its guest is arriving on hostB
end=$(($(date +%s) + 90))
until [ "$(cat "$OUT"/e2e-int/*/raw.csv 2>/dev/null | wc -l)" -ge 2 ] &&
    lab_virsh $N hostB list --name 2>/dev/null | grep -q mbr-vm1; do
    kill -0 $PID 2>/dev/null || fail "run ended early: $(cat "$OUT/log")"
    [ "$(date +%s)" -lt $end ] || fail "the second migration did not start"
    sleep 0.1
done
t0=$(date +%s%N)
kill -INT $PID
wait $PID
rc=$?
PID=
ms=$((($(date +%s%N) - t0) / 1000000))
cat "$OUT/log"
[ $rc -eq 130 ] || fail "exit $rc after SIGINT, want 130"
[ $ms -lt 15000 ] || fail "took $ms ms to stop"
say "stopped in $ms ms with exit 130"
for h in hostA hostB; do
    [ -z "$(lab_virsh $N $h list --name)" ] || fail "guests left on $h"
done
DIR=$(ls -d "$OUT"/e2e-int/*/)
[ "$(($(wc -l <"$DIR/raw.csv") - 1))" -eq 1 ] || fail "raw.csv should keep exactly the first run"
grep -q '"state": "interrupted"' "$DIR/metadata.json" || fail "metadata.json not marked interrupted"
grep -q -- "--resume ${DIR%/}$" "$OUT/log" || fail "no resume hint"
# the slow point cannot finish in its 10 s: resumed, it is recorded as timeout (exit 1)
"$MIGBENCH" run --testbed $N --resume "$DIR" --quiet
rc=$?
[ $rc -eq 1 ] || fail "resume exited $rc, want 1 (the slow run times out)"
[ "$(($(wc -l <"$DIR/raw.csv") - 1))" -eq 2 ] || fail "resume did not complete the campaign"
tail -1 "$DIR/raw.csv" | grep -q ',timeout,' || fail "the resumed run is not a timeout"
say "resumed: 2 runs, the slow one a timeout"
