#!/bin/bash
# bench/integrity.sh — is the integrity checker's verdict trusted?  The same busy 512 MiB
# guest scenario (scenarios/integrity/busy-512mib.yaml: 2 runs x 3 hops) on a lab whose
# hosts run Debian 12's QEMU 7.2 and on one running QEMU 10.  Expected: 7.2 loses writes
# (hops flagged corrupt), QEMU 10 none.  Uses its own lab instances; tears them down.
set -uo pipefail
MB=${MIGBENCH:-bin/migbench}
[ "$(id -u)" -eq 0 ] || { echo "bench/integrity.sh: needs root (skipped)"; exit 0; }
tmp=$(mktemp -d /tmp/migbench-bench-integrity.XXXXXX)
trap '"$MB" lab down --name bench-q72 >/dev/null 2>&1; "$MB" lab down --name bench-q10 >/dev/null 2>&1; rm -rf "$tmp"' EXIT
rc=0
for q in q72 q10; do
    opt=; [ $q = q72 ] && opt="--qemu system"
    # shellcheck disable=SC2086
    "$MB" lab up --name bench-$q $opt >/dev/null || { echo "lab up bench-$q failed"; exit 3; }
    "$MB" run --testbed bench-$q --out "$tmp/$q" --quiet scenarios/integrity/busy-512mib.yaml
    python3 - "$q" "$tmp/$q"/*/*/raw.csv <<'PY' || rc=1
import csv, sys
q, path = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(path)))
corrupt = [r for r in rows if r["status"] == "corrupt"]
bad = [r for r in rows if r["status"] not in ("ok", "corrupt")]
hyp = rows[0]["hypervisor"] if rows else "?"
want = "> 0" if q == "q72" else "0"
ok = (len(corrupt) > 0) if q == "q72" else (len(corrupt) == 0 and not bad)
print(f"figure: integrity_corrupt_hops_{q} = {len(corrupt)} of {len(rows)} hops "
      f"(target {want}; {hyp}; other failures {len(bad)}) {'OK' if ok else 'UNEXPECTED'}")
sys.exit(0 if ok else 1)
PY
    "$MB" lab down --name bench-$q >/dev/null
done
exit $rc
