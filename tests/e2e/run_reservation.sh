#!/bin/bash
# run_reservation: the paper's reservation through `migbench run`, read back and measured.
# Source: a busy guest capped at 40 % and 70 % of a CPU and ballooned to 384 MiB: the
# monitor measures the cap within 5 points and the balloon within 2 %.  Destination: a
# CPU placeholder and 256 MiB of memory held, then released before the migration.
# monitor.csv holds every host's and VM's samples.
. "$(dirname "$0")/lib.sh"
N=e2e-rsv
e2e_lab $N
OUT=$(mktemp -d /tmp/mb-e2e-rsv.XXXXXX)
E2E_CLEANUP='rm -rf "$OUT"'
cat >"$OUT/rsv.yaml" <<'Y'
name: e2e-reservation
repeat: 1
vms: {count: 1, memory: 512MiB, workload: burn}
reservation:
  source: {cpu_cap: [40%, 70%], memory: 384MiB}
  destination: {cpu: 1, memory: 256MiB, mode: release}
windows: {warmup: 1s, baseline: 0, after: 0}
Y
"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up"
"$MIGBENCH" run --testbed $N --out "$OUT" --progress lines "$OUT/rsv.yaml" || fail "run exited $?"
D=$(ls -d "$OUT"/e2e-reservation/*/)
python3 - "$D" <<'PY' || fail "reservation columns"
import csv, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/raw.csv")))
mon = list(csv.DictReader(open(d + "/monitor.csv")))
def series(r, col):
    """The run's VM on its source, as monitor.csv has it: what a failed check saw."""
    return [(m["t_s"], m[col]) for m in mon if m["label"] == r["run_id"] and m["kind"] == "vm"
            and m["name"] == "mbr-" + r["vm"] and m["host"] == r["host_from"]]
assert len(rows) == 2, rows
for r in rows:
    assert r["status"] == "ok", (r["status"], r["error"])
    cap = float(r["f.reservation.source.cpu_cap"].rstrip("%"))
    assert abs(float(r["cpu_cap_applied_pct"]) - cap) < 0.5, r["cpu_cap_applied_pct"]
    m = float(r["cpu_cap_measured_pct"])
    assert abs(m - cap) <= 5 and r["cpu_cap_check"] == "ok", \
        (cap, m, r["cpu_cap_check"], series(r, "cpu_pct"))
    b = float(r["balloon_measured_kib"])
    assert abs(b - 393216) <= 0.02 * 393216 and r["balloon_check"] == "ok", \
        (b, r["balloon_check"], series(r, "mem_bytes"))
    assert float(r["dst_cpu_held"]) > 0.3, r["dst_cpu_held"]
    assert int(r["dst_memory_held_bytes"]) >= 0.95 * 256 * 2**20, r["dst_memory_held_bytes"]
    assert r["dst_release_s"] != "", "not released"
    print(f"cap {cap:g}%: measured {m:g}%; balloon {b:.0f} KiB; placeholders held "
          f"{r['dst_cpu_held']} CPU, {int(r['dst_memory_held_bytes']) >> 20} MiB, released in {r['dst_release_s']} s")
hosts = {r["host"] for r in mon}
kinds = {r["kind"] for r in mon}
assert {"hostA", "hostB"} <= hosts and "host" in kinds and "vm" in kinds, (hosts, kinds)
print(f"monitor.csv: {len(mon)} samples, kinds {sorted(kinds)}")
PY
for h in hostA hostB; do
    [ -z "$(lab_virsh $N $h list --name)" ] || fail "domains left on $h (placeholders?)"
done
