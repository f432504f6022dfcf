#!/bin/bash
# run_resume: kill -9 of `migbench run` in the middle of a campaign, then lab down,
# lab up and `run --resume`: raw.csv ends complete, with every run exactly once.
. "$(dirname "$0")/lib.sh"
N=e2e-resume
e2e_lab $N
OUT=$(mktemp -d /tmp/mb-e2e-resume.XXXXXX)
E2E_CLEANUP='[ -n "$PID" ] && kill -9 $PID; rm -rf "$OUT"'
PID=

"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up"
"$MIGBENCH" run --testbed $N --out "$OUT" --progress lines \
    tests/e2e/scenarios/run-resume.yaml >"$OUT/first.log" 2>&1 &
PID=$!
# wait for the first run's row, then kill in the middle of a later run
end=$(($(date +%s) + 120))
until [ "$(cat "$OUT"/e2e-resume/*/raw.csv 2>/dev/null | wc -l)" -ge 2 ]; do
    kill -0 $PID 2>/dev/null || fail "run ended before the kill: $(cat "$OUT/first.log")"
    [ "$(date +%s)" -lt $end ] || fail "no row within 120 s"
    sleep 0.2
done
sleep "${E2E_RESUME_KILL_AFTER:-3}"
kill -9 $PID
wait $PID 2>/dev/null
PID=
DIR=$(ls -d "$OUT"/e2e-resume/*/ | head -1)
before=$(($(wc -l <"$DIR/raw.csv") - 1))
say "killed with $before of 4 runs recorded"
[ "$before" -ge 1 ] && [ "$before" -lt 4 ] || fail "$before runs recorded before the kill"

"$MIGBENCH" lab down --name $N >/dev/null || fail "lab down"
lab_assert_gone $N
"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up again"
if ! "$MIGBENCH" run --testbed $N --resume "$DIR" --progress lines; then
    rc=$?
    # name what failed: the error column of every failed run, and the first run's log
    python3 - "$DIR" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1] + "/raw.csv")):
    if r["status"] != "ok":
        print("  ", r["run_id"], r["status"], r["error"])
PY
    tail -20 "$OUT/first.log"
    fail "resume exited $rc"
fi
python3 - "$DIR" <<'PY' || fail "raw.csv after resume"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/raw.csv")))
ids = [r["run_id"] for r in rows]
assert len(rows) == 4, f"{len(rows)} rows"
assert len(set(ids)) == 4, f"duplicated runs: {ids}"
assert sorted(r["repetition"] for r in rows) == ["1", "2", "3", "4"]
assert all(r["status"] == "ok" for r in rows), [(r["status"], r["error"]) for r in rows]
print("complete:", ids)
PY
