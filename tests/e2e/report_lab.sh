#!/bin/bash
# report_lab: two short campaigns of one scenario on one lab instance (2 points x 2 runs,
# four real migrations each); `migbench compare` of the pair gives a verdict for every
# point and metric and names no difference of the hosts; `migbench report` of both draws
# the figures and a merged report whose HTML headless chromium renders.
# With two runs a side compare must not judge (Welch's test there flags a regression by
# chance often enough to make it a coin toss: seen total_time +20.8 %, p 0.003, between
# two campaigns of one configuration): every metric is "too few runs", and it exits 0.
# Detection and false alarms are shown on synthetic data in tests/unit/test_compare.c.
. "$(dirname "$0")/lib.sh"
N=e2e-report
e2e_lab $N
OUT=$(mktemp -d /tmp/mb-e2e-report-lab.XXXXXX)
E2E_CLEANUP='rm -rf "$OUT"'
cat >"$OUT/pair.yaml" <<'Y'
# tests/e2e/report_lab.sh: one configuration, measured twice
name: e2e-report
description: One idle VM migrated twice at each of two downtime limits
paper: Fig. 2
claim: "A 1 ms larger downtime limit changes nothing. (check: flat(total_time_ms, migration.max_downtime, 50%))"
repeat: 2
trim: 0
vms: {count: 1, memory: 128MiB, workload: idle}
migration: {max_downtime: [100ms, 101ms], timeout: 60s}
windows: {warmup: 0, baseline: 0, after: 0}
Y

"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up"
for c in base new; do
    say "campaign $c"
    "$MIGBENCH" run --testbed $N --out "$OUT/$c" --quiet "$OUT/pair.yaml" ||
        fail "run $c exited $?"
done
BASE=$(ls -d "$OUT"/base/e2e-report/*/ | head -1)
NEW=$(ls -d "$OUT"/new/e2e-report/*/ | head -1)

"$MIGBENCH" compare "$BASE" "$NEW" >"$OUT/compare.txt" 2>&1
rc=$?
cat "$OUT/compare.txt"
[ $rc -eq 0 ] || fail "compare of two 2-run campaigns exited $rc"
grep -qE "^0 regressed, 0 improved, 0 unchanged, 0 too noisy, [1-9][0-9]* too few runs" \
    "$OUT/compare.txt" || fail "2 runs a side were judged, or no summary line"
# one lab, one hypervisor: nothing about the hosts may differ (the harness version may, when
# a commit lands between the two campaigns)
sed -n '/^environment/,/^$/p' "$OUT/compare.txt" >"$OUT/env.txt"
[ -s "$OUT/env.txt" ] || fail "no environment section"
! grep -E 'hosts\[|hypervisor|accel|kernel' "$OUT/env.txt" || fail "the hosts differ"

"$MIGBENCH" report --out "$OUT/report" "$BASE" "$NEW" >"$OUT/report.log" 2>&1 ||
    fail "report exited $?: $(cat "$OUT/report.log")"
cat "$OUT/report.log"
[ "$(ls "$OUT"/report/figures/*.svg | wc -l)" -ge 4 ] || fail "figures missing"
grep -q "QEMU 10" "$OUT/report/report.md" || fail "no hypervisor in the report"
bin=$(command -v chromium) || fail "chromium not installed (deps/report.list; make deps)"
timeout 60 "$bin" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$(mktemp -d "$OUT/chrome.XXXXXX")" --dump-dom \
    "file://$OUT/report/report.html" >"$OUT/dom.html" 2>/dev/null || fail "chromium exited $?"
grep -q '<h2 id="s2-e2e-report"' "$OUT/dom.html" || fail "chromium did not render the report"
say "report of the pair rendered"
