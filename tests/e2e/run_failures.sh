#!/bin/bash
# run_failures: migrations made to fail are data, not the end of the campaign.
#  1. a timeout too short to finish: recorded as timeout, the guest cleaned up, and the
#     next point still runs (ok);
#  2. the destination's libvirt daemon stopped: every run recorded as failed with
#     libvirt's reason, the campaign finishes (exit 1), nothing left on the source.
. "$(dirname "$0")/lib.sh"
N=e2e-fail
e2e_lab $N
OUT=$(mktemp -d /tmp/mb-e2e-fail.XXXXXX)
E2E_CLEANUP='rm -rf "$OUT"'

"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up"
say "1. timeout"
"$MIGBENCH" run --testbed $N --out "$OUT" --progress lines tests/e2e/scenarios/run-failures.yaml
rc=$?
[ $rc -eq 1 ] || fail "run exited $rc, want 1 (a run failed)"
python3 - "$OUT"/e2e-failures/*/raw.csv <<'PY' || fail "timeout rows"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 2, rows
slow, fast = rows
assert slow["f.migration.bandwidth"] == "1MiB/s" and slow["status"] == "timeout", slow
assert fast["f.migration.bandwidth"] == "0B/s" and fast["status"] == "ok", fast
assert float(slow["wall_time_ms"]) < 3000 + 4000, slow["wall_time_ms"]
print("timeout row:", slow["status"], slow["wall_time_ms"], "ms;", slow["error"][:100])
PY
for h in hostA hostB; do
    [ -z "$(lab_virsh $N $h list --name)" ] || fail "domains left on $h after the timeout"
done

say "2. destination daemon stopped"
B=$(lab_env $N host.hostB.ip)
host_ssh $N "$B" 'kill $(cat /run/libvirtd.pid)' || fail "cannot stop hostB's libvirtd"
sleep 1
cat >"$OUT/nodst.yaml" <<Y
name: e2e-nodst
repeat: 2
trim: 0
vms: {count: 1, memory: 256MiB}
migration: {timeout: 30s}
windows: {warmup: 0, baseline: 0, after: 0}
Y
"$MIGBENCH" run --testbed $N --out "$OUT" --progress lines "$OUT/nodst.yaml"
rc=$?
[ $rc -eq 1 ] || fail "run exited $rc, want 1"
python3 - "$OUT"/e2e-nodst/*/raw.csv <<'PY' || fail "failed rows"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 2, rows
for r in rows:
    assert r["status"] == "failed", r
    assert r["error"], r
print("failed rows:", [r["error"][:90] for r in rows])
PY
[ -z "$(lab_virsh $N hostA list --name)" ] || fail "domains left on hostA"
say "failures recorded, campaign finished, nothing left"
