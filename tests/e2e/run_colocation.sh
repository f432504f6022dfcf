#!/bin/bash
# run_colocation: Table 3 and workload-aware placement through `migbench run`, on a
# three-host lab.  (1) A sysbench VM migrates to hostB, which already runs a sysbench
# resident: the migrating VM's throughput after landing and the resident's before and
# after are recorded, with both losses and their sum.  (2) With that campaign as the
# co-location matrix, workload-aware placement between hostB (sysbench, measured) and
# hostC (jbb, never measured) must pick hostB; random placement picks by run id.
# No resident is left on any host.
. "$(dirname "$0")/lib.sh"
N=e2e-coloc
e2e_lab $N
OUT=$(mktemp -d /tmp/mb-e2e-coloc.XXXXXX)
E2E_CLEANUP='rm -rf "$OUT"'
cat >"$OUT/t3.yaml" <<'Y'
name: e2e-table3
repeat: 1
vms: {count: 1, memory: 256MiB, workload: sysbench}
migration: {to: hostB}
colocation: {workload: sysbench}
windows: {warmup: 1s, baseline: 2s, after: 2s}
Y
cat >"$OUT/place.yaml" <<'Y'
name: e2e-place
repeat: 1
vms: {count: 1, memory: 256MiB, workload: sysbench}
placement: {hosts: "hostB=sysbench,hostC=jbb", policy: [workload-aware, random]}
windows: {warmup: 1s, baseline: 2s, after: 2s}
Y
"$MIGBENCH" lab up --name $N --hosts 3 >/dev/null || fail "lab up"
"$MIGBENCH" run --testbed $N --out "$OUT" --progress lines "$OUT/t3.yaml" || fail "table3 run exited $?"
T3=$(ls -d "$OUT"/e2e-table3/*/)
python3 - "$T3" <<'PY' || fail "co-location columns"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/raw.csv")))
assert len(rows) == 1, rows
r = rows[0]
assert r["status"] == "ok", (r["status"], r["error"])
assert r["workload"] == "sysbench" and r["colocated_workload"] == "sysbench", r
for k in ("workload_baseline", "workload_after", "after_loss_pct", "colocated_baseline",
          "colocated_after", "colocated_loss_pct", "colocation_loss_pct"):
    assert r[k] != "", f"{k} empty"
assert float(r["workload_after"]) > 0 and float(r["colocated_after"]) > 0, r
s = float(r["after_loss_pct"]) + float(r["colocated_loss_pct"])
assert abs(s - float(r["colocation_loss_pct"])) < 0.02, (s, r["colocation_loss_pct"])
print(f"sysbench next to sysbench: {r['workload_baseline']} -> {r['workload_after']} "
      f"({r['after_loss_pct']} %), resident {r['colocated_baseline']} -> {r['colocated_after']} "
      f"({r['colocated_loss_pct']} %)")
PY
"$MIGBENCH" run --testbed $N --out "$OUT" --matrix "$T3" --progress lines "$OUT/place.yaml" ||
    fail "placement run exited $?"
P=$(ls -d "$OUT"/e2e-place/*/)
python3 - "$P" <<'PY' || fail "placement"
import csv, sys, json
rows = list(csv.DictReader(open(sys.argv[1] + "/raw.csv")))
assert len(rows) == 2, rows
by = {r["placement"]: r for r in rows}
wa = by["workload-aware"]
assert wa["status"] == "ok", (wa["status"], wa["error"])
assert wa["host_to"] == "hostB" and wa["colocated_workload"] == "sysbench", wa["host_to"]
rnd = by["random"]
assert rnd["host_to"] in ("hostB", "hostC"), rnd["host_to"]
assert rnd["colocated_workload"] == {"hostB": "sysbench", "hostC": "jbb"}[rnd["host_to"]]
meta = json.load(open(sys.argv[1] + "/metadata.json"))
assert meta["placement_matrix"]["rows"] == 1, meta.get("placement_matrix")
print(f"workload-aware -> {wa['host_to']}, random -> {rnd['host_to']} ({rnd['status']})")
PY
for h in hostA hostB hostC; do
    [ -z "$(lab_virsh $N $h list --name)" ] || fail "domains left on $h"
done
say "no VM left on any host"
