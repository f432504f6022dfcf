#!/usr/bin/env python3
# make-fixtures.py — writes the small synthetic results directories of tests/data/report/
# (deterministic: fixed seeds).  Run from anywhere; rewrites every fixture.
#
#   sweep/        vms.memory x reservation.source.cpu_cap, 5 runs, one failed run; claim
#                 with an inline check; line plot with a series
#   parallel/     vms.count x migration.strategy, N rows per run; paper "Fig. 8"
#   colocation/   vms.workload x migration.compression (3 x 3): a heat map and bars
#   bad-*/        malformed directories; each has EXPECT: the text its error must hold
import csv, json, os, random, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
COLS = ("run_id scenario point repetition vm host_from host_to strategy batch hop status "
        "start_time end_time").split()
METRICS = ("total_time_ms downtime_ms setup_time_ms data_bytes memory_bytes_total "
           "dirty_rate_pps iterations wall_time_ms probe_downtime_ms integrity "
           "batch_makespan_ms cpu_cap_applied_pct balloon_applied_kib workload_baseline "
           "workload_during overhead_pct error stats_source stats_missing harness_version "
           "image_hash hypervisor accel").split()
HASH = "sha256:" + "ab" * 32


def header(factors):
    return COLS + ["f." + f for f in factors] + METRICS


def row(scen, point, rep, vm, factors, values, status="ok", strategy="sequential", batch=1,
        hop=1, host_from="hostA", host_to="hostB", **m):
    r = {c: "" for c in header(factors)}
    r.update(run_id="%012x-r%d" % (0xabc000000000 + point, rep), scenario=scen, point=point,
             repetition=rep, vm=vm, host_from=host_from, host_to=host_to, strategy=strategy,
             batch=batch, hop=hop, status=status,
             start_time="2026-11-26T14:%02d:%02d.000Z" % (point % 60, rep % 60),
             end_time="2026-11-26T14:%02d:%02d.900Z" % (point % 60, rep % 60),
             integrity="ok" if status == "ok" else "unchecked", stats_source="event",
             harness_version="v0.1-test", image_hash=HASH,
             hypervisor="QEMU 10.0.2 / libvirt 9.0.0", accel="tcg")
    for f, v in zip(factors, values):
        r["f." + f] = v
    for k, v in m.items():
        r[k] = v if isinstance(v, str) else ("%.1f" % v if isinstance(v, float) else str(v))
    return r


def write(name, scenario_yaml, factors, rows, meta=True):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    if scenario_yaml is not None:
        open(os.path.join(d, "scenario.yaml"), "w").write(scenario_yaml)
    if meta:
        json.dump({"harness_version": "v0.1-test", "testbed": "lab",
                   "guest_image_hash": HASH,
                   "load_client": {"kernel": "Linux 6.1.0", "cpu": "Test CPU", "cpus": 2},
                   "scenario": name, "state": "finished", "runs": 0, "wall_s": 1.0,
                   "hosts": [{"name": h, "uri": "qemu+tcp://10.0.0.%d/system" % (i + 11),
                              "accel": "tcg", "hypervisor": "QEMU 10.0.2", "libvirt": "9.0.0",
                              "kernel": "Linux 6.1.0", "cpu": "Test CPU", "cpus": 2,
                              "memory": 4294967296}
                             for i, h in enumerate(("hostA", "hostB"))]},
                  open(os.path.join(d, "metadata.json"), "w"), indent=2)
    with open(os.path.join(d, "raw.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header(factors), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return d


def sweep():
    rnd = random.Random(7)
    factors = ["vms.memory", "reservation.source.cpu_cap"]
    rows, p = [], 0
    for mem in (128, 256, 512):
        for cap in ("40%", "100%"):
            p += 1
            for rep in range(1, 6):
                if p == 2 and rep == 3:
                    rows.append(row("fix-sweep", p, rep, "vm1", factors, ["%dMiB" % mem, cap],
                                    status="failed", wall_time_ms=5000.0,
                                    error='operation failed: "unexpectedly failed", cancelled'))
                    continue
                t = (400 + 4 * mem) * rnd.gauss(1, 0.03)
                rows.append(row("fix-sweep", p, rep, "vm1", factors, ["%dMiB" % mem, cap],
                                total_time_ms=t, downtime_ms=rnd.gauss(50, 3),
                                wall_time_ms=t + 120, probe_downtime_ms=rnd.gauss(80, 5),
                                batch_makespan_ms=t + 120, data_bytes=mem * 1048576 + 12345,
                                iterations=3))
    write("sweep", """# tests/data/report/sweep: a synthetic memory sweep
name: fix-sweep
description: Memory size sweep with a source CPU cap (synthetic)
paper: Fig. 3
claim: "More memory means a longer migration. (check: rises(total_time_ms, vms.memory, 10%))"
repeat: 5
trim: 1
vms: {count: 1, memory: [128MiB, 256MiB, 512MiB]}
reservation: {source: {cpu_cap: [40%, 100%]}}
windows: {warmup: 0, baseline: 0, after: 0}
plots:
  - {x: vms.memory, y: [total_time_ms, downtime_ms], series: reservation.source.cpu_cap}
""", factors, rows)


def parallel():
    rnd = random.Random(8)
    factors = ["vms.count", "migration.strategy"]
    rows, p = [], 0
    one = 1000.0
    for n in (1, 2, 4):
        for st in ("sequential", "parallel"):
            p += 1
            for rep in range(1, 6):
                if st == "sequential":
                    walls = [one * rnd.gauss(1, 0.03) for _ in range(n)]
                    span = sum(walls) + 20 * n
                else:  # a poor source: parallel is slower than N x one
                    span = n * one * (1 + 0.15 * (n - 1)) * rnd.gauss(1, 0.03)
                    walls = [span * rnd.gauss(0.97, 0.01) for _ in range(n)]
                for v in range(n):
                    rows.append(row("fix-parallel", p, rep, "vm%d" % (v + 1), factors,
                                    [str(n), st], strategy=st,
                                    batch=v + 1 if st == "sequential" else 1,
                                    total_time_ms=walls[v] - 100, downtime_ms=rnd.gauss(40, 2),
                                    wall_time_ms=walls[v], batch_makespan_ms=span))
    write("parallel", """# tests/data/report/parallel: parallel against sequential migration (synthetic)
name: fix-parallel
description: Parallel migration of 1, 2 and 4 VMs from a poor source (synthetic)
paper: Fig. 8
claim: Parallel migration from a resource-poor source is slower than sequential.
repeat: 5
vms: {count: [1, 2, 4], memory: 256MiB}
migration: {strategy: [sequential, parallel]}
windows: {warmup: 0, baseline: 0, after: 0}
""", factors, rows)


def colocation():
    rnd = random.Random(9)
    factors = ["vms.workload", "migration.compression"]
    loads, comps = ("idle", "dirty", "burn"), ("none", "xbzrle", "zstd")
    rows, p = [], 0
    for a in loads:
        for b in comps:
            p += 1
            for rep in range(1, 4):
                over = 2 + 20 * loads.index(a) - 4 * comps.index(b) * loads.index(a) + rnd.gauss(0, 1)
                rows.append(row("fix-colocation", p, rep, "vm1", factors, [a, b],
                                total_time_ms=rnd.gauss(900 + 300 * loads.index(a), 20),
                                downtime_ms=rnd.gauss(40, 2), overhead_pct=over,
                                workload_baseline=1000.0, workload_during=1000 - 10 * over))
    write("colocation", """# tests/data/report/colocation: workload x compression, a matrix (synthetic)
name: fix-colocation
description: "Workload x compression: overhead_pct & total time, a 3 x 3 matrix (synthetic)"
claim: "A dirtying guest suffers more than an idle one. (check: greater(overhead_pct, vms.workload=dirty, vms.workload=idle))"
repeat: 3
vms: {workload: [idle, dirty, burn]}
migration: {compression: [none, xbzrle, zstd]}
windows: {warmup: 0, baseline: 0, after: 0}
plots:
  - {x: migration.compression, series: vms.workload, y: [overhead_pct], kind: heatmap}
  - {x: vms.workload, series: migration.compression, y: [total_time_ms], kind: bars, title: "Total time per workload"}
""", factors, rows)


def bad():
    factors = ["vms.memory"]
    ok = lambda p, rep, mem="128MiB", **k: row("fix-bad", p, rep, "vm1", factors, [mem],
                                               total_time_ms=1000.0, downtime_ms=50.0, **k)
    scen = "name: fix-bad\nrepeat: 2\nvms: {memory: [128MiB, 256MiB]}\n"
    cases = {}
    d = write("bad-truncated", scen, factors, [ok(1, 1), ok(1, 2), ok(2, 1)])
    text = open(d + "/raw.csv").read().rstrip("\n")
    open(d + "/raw.csv", "w").write(text[: len(text) - 200])  # cut inside the last row
    cases["bad-truncated"] = "raw.csv:4: truncated last row"
    write("bad-duplicate", scen, factors, [ok(1, 1), ok(2, 1), ok(1, 1)])
    cases["bad-duplicate"] = "raw.csv:4: run abc000000001-r1 (point 1, repetition 1, hop 1) is recorded twice"
    write("bad-factor", scen, factors, [ok(1, 1), ok(1, 2, mem="256MiB")])
    cases["bad-factor"] = "raw.csv:3: point 1 has f.vms.memory '256MiB' here but '128MiB' at line 2"
    d = write("bad-json", scen, factors, [ok(1, 1)])
    text = open(d + "/metadata.json").read()
    open(d + "/metadata.json", "w").write(text[: len(text) // 2])
    cases["bad-json"] = "metadata.json:19:3: the file ends inside the object opened at line 15"
    write("bad-scenario", "name: fix-bad\nrepaet: 2\nvms: {memory: [128MiB, 256MiB]}\n", factors,
          [ok(1, 1)])
    cases["bad-scenario"] = "scenario.yaml:2:1: unknown key 'repaet'"
    d = write("bad-noraw", scen, factors, [])
    os.remove(d + "/raw.csv")
    cases["bad-noraw"] = "bad-noraw: no raw.csv here or below"
    d = write("bad-value", scen, factors, [ok(1, 1), ok(1, 2)])
    text = open(d + "/raw.csv").read().replace(",1000.0,50.0,", ",1000.0,50ms,", 1)
    open(d + "/raw.csv", "w").write(text)
    cases["bad-value"] = "raw.csv:2: column 'downtime_ms': '50ms' is not a finite decimal number"
    d = write("bad-scenarios-mixed", scen, factors, [ok(1, 1), ok(2, 1)])
    text = open(d + "/raw.csv").read().rsplit("fix-bad", 1)
    open(d + "/raw.csv", "w").write("other-scenario".join(text))
    cases["bad-scenarios-mixed"] = "raw.csv:3: scenario 'other-scenario' here but 'fix-bad' at line 2"
    for name, expect in cases.items():
        open(os.path.join(HERE, name, "EXPECT"), "w").write(expect + "\n")


sweep()
parallel()
colocation()
bad()
