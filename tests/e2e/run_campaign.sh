#!/bin/bash
# run_campaign: `migbench run` on the lab — 2 VMs x {sequential, parallel} x repeat 3,
# real live migrations.  raw.csv must have every row (12), status ok, downtime from both
# the hypervisor and the UDP probe, the integrity checker's ok, and a batch makespan;
# metadata.json must name both hosts' hypervisor; no guest may be left on the hosts.
. "$(dirname "$0")/lib.sh"
N=e2e-run
e2e_lab $N
OUT=$(mktemp -d /tmp/mb-e2e-run.XXXXXX)
E2E_CLEANUP='rm -rf "$OUT"'

"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up"
say "run the campaign"
"$MIGBENCH" run --testbed $N --out "$OUT" --progress lines tests/e2e/scenarios/run-campaign.yaml ||
    fail "run exited $?"
DIR=$(ls -d "$OUT"/e2e-campaign/*/ | head -1)
[ -n "$DIR" ] || fail "no results directory"
for f in scenario.yaml metadata.json raw.csv; do [ -s "$DIR/$f" ] || fail "no $f"; done
cmp -s "$DIR/scenario.yaml" tests/e2e/scenarios/run-campaign.yaml || fail "scenario.yaml differs"

python3 - "$DIR" <<'PY' || fail "raw.csv check"
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/raw.csv")))
assert len(rows) == 12, f"{len(rows)} rows, want 12"
runs = {}
for r in rows:
    runs.setdefault(r["run_id"], []).append(r)
    assert r["status"] == "ok", f"{r['run_id']} {r['vm']}: {r['status']} {r['error']}"
    for k in ("total_time_ms", "downtime_ms", "probe_downtime_ms", "wall_time_ms",
              "batch_makespan_ms", "data_bytes", "iterations"):
        assert r[k] != "", f"{r['run_id']} {r['vm']}: no {k}"
    assert r["integrity"] == "ok", r["integrity"]
    assert float(r["probe_downtime_ms"]) > 0 and float(r["downtime_ms"]) >= 0
    assert r["f.migration.strategy"] in ("sequential", "parallel")
    assert r["hypervisor"].startswith("QEMU 10."), r["hypervisor"]
    assert r["image_hash"].startswith("sha256:")
assert len(runs) == 6, f"{len(runs)} runs"
for rid, rs in runs.items():
    assert sorted(r["vm"] for r in rs) == ["vm1", "vm2"], rid
    st = rs[0]["f.migration.strategy"]
    ms = float(rs[0]["batch_makespan_ms"])
    walls = [float(r["wall_time_ms"]) for r in rs]
    # sequential: the makespan covers both migrations one after the other
    if st == "sequential":
        assert ms >= sum(walls) * 0.95, (rid, ms, walls)
        assert [r["batch"] for r in rs] == ["1", "2"] or sorted(r["batch"] for r in rs) == ["1", "2"]
    else:
        assert ms < sum(walls), (rid, ms, walls)
        assert all(r["batch"] == "1" for r in rs)
meta = json.load(open(d + "/metadata.json"))
assert meta["state"] == "finished", meta["state"]
assert [h["name"] for h in meta["hosts"]] == ["hostA", "hostB"]
assert all(h["hypervisor"].startswith("QEMU 10.") for h in meta["hosts"]), meta["hosts"]
print("raw.csv: 12 rows, 6 runs, all ok; probe downtime ms:",
      sorted(round(float(r["probe_downtime_ms"])) for r in rows))
PY
for h in hostA hostB; do
    left=$(lab_virsh $N $h list --name | grep -c . || true)
    [ "$left" -eq 0 ] || fail "$left domains left on $h"
done
say "campaign recorded and cleaned up"
