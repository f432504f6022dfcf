#!/bin/bash
# bench/monitor.sh — the resource monitor's own cost and its accuracy.
# Targets: at most 1 % of one core at 500 ms sampling, counting the harness process AND
# the work it causes on the hosts (libvirtd answering the bulk statistics; over SSH also
# dropbear and the agent's bash); a cpuburn guest capped at 40 % shows 40 +- 5 % of one
# core in the monitor's per-VM series.
#
# On its own lab instance (bench-mon): vm1 on hostA runs cpuburn capped at 40 %, hostB is
# idle.  Three 20 s phases: no monitor (baseline), the monitor reading the hosts locally
# (the lab's way: cgroup files and /proc/PID/net/dev, no SSH), and reading them over SSH
# (a real remote host's way).  Host-side cost = CPU of each host's cgroup outside its
# guests (<host>/ minus <host>/machine/), with the monitor minus without.  The monitor is
# driven by a small C program built here against the harness objects (build/harness).
# Needs root; tears the lab down.
set -uo pipefail
MB=${MIGBENCH:-bin/migbench}
TOP=$(cd "$(dirname "$0")/.." && pwd)
NAME=bench-mon
PHASE_S=${MONITOR_BENCH_SECONDS:-20}
[ "$(id -u)" -eq 0 ] || {
    echo "bench/monitor.sh: needs root (skipped)"
    exit 0
}
tmp=$(mktemp -d /tmp/migbench-bench-monitor.XXXXXX)
cleanup() {
    "$MB" lab down --name $NAME >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
die() {
    echo "bench/monitor.sh: $*" >&2
    exit 1
}
figure() { echo "figure: $1 = $2 $3 ($4)"; }

# ---- the driver --------------------------------------------------------------------------
cat >"$tmp/drive.c" <<'C'
/* drive TESTBED local|ssh SECONDS VM: run the monitor at 500 ms, print what it cost this
 * process and the VM's vCPU share over the run */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "monitor.h"
#include "testbed.h"
#include "lib/util.h"
static double cpu_self(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}
int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    struct mb_error e;
    struct mb_testbed *tb = mb_testbed_load(argv[1], &e);
    if (!tb) {
        fprintf(stderr, "%s\n", e.msg);
        return 3;
    }
    int local = !strcmp(argv[2], "local");
    struct mb_monitor_host h[16];
    struct mb_remote_target t[16];
    for (int i = 0; i < tb->nhosts && i < 16; i++) {
        const struct mb_host *x = &tb->hosts[i];
        t[i] = (struct mb_remote_target){.address = x->ssh.address, .port = x->ssh.port,
                                         .user = x->ssh.user, .key = x->ssh.key,
                                         .known_hosts = x->ssh.known_hosts};
        int pid = 0;
        if (local && mb_monitor_lab_pid(tb->path, x->name, &pid, &e) < 0) {
            fprintf(stderr, "%s\n", e.msg);
            return 3;
        }
        h[i] = (struct mb_monitor_host){.name = x->name, .uri = x->uri, .ssh = &t[i],
                                        .local_pid = pid};
    }
    struct mb_monitor_opts o = {.interval_s = 0.5};
    struct mb_monitor *m;
    if (mb_monitor_new(h, tb->nhosts, &o, &m, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return 3;
    }
    /* connections first (a campaign opens them once): not part of the steady cost */
    mb_monitor_sample_now(m, &e);
    double c0 = cpu_self(), w0 = mb_now_wall();
    mb_monitor_start(m, &e);
    struct timespec ts = {atoi(argv[3]), 0};
    nanosleep(&ts, NULL);
    mb_monitor_stop(m);
    double c1 = cpu_self(), w1 = mb_now_wall();
    struct mb_monitor_status st;
    mb_monitor_status(m, &st);
    struct mb_monitor_usage u;
    mb_monitor_vm_usage(m, tb->hosts[0].name, argv[4], w0, w1, &u, &e);
    printf("cpu_pct=%.3f ticks=%lu errors=%lu source=%s vcpu_pct=%.2f samples=%d\n",
           (c1 - c0) / (w1 - w0) * 100, st.ticks, st.errors, st.host_source[0], u.vcpu_pct,
           u.samples);
    if (st.errors)
        fprintf(stderr, "monitor: %s\n", st.last_error);
    mb_monitor_free(m);
    mb_testbed_free(tb);
    return 0;
}
C
objs=$(ls "$TOP"/build/harness/*.o "$TOP"/build/harness/*/*.o | grep -v '/main\.o$')
# shellcheck disable=SC2046,SC2086
cc -O2 -std=c11 -D_GNU_SOURCE -pthread -I"$TOP/harness" -o "$tmp/drive" "$tmp/drive.c" $objs \
    $(pkg-config --cflags --libs libvirt libssh2 libfyaml) -lcsv -lm ||
    die "cannot build the driver (run make first)"

# ---- the lab and the guest ----------------------------------------------------------------
"$MB" lab up --name $NAME >/dev/null || die "lab up failed"
TB=${MIGBENCH_RUN_DIR:-/tmp/migbench}/$NAME/testbed.yaml
"$MB" vm --testbed $NAME start hostA 1 --memory 256MiB >/dev/null || die "vm start failed"
"$MB" vm --testbed $NAME exec 1 -- 'cpuburn -d -n 1 >/run/cpuburn.log' >/dev/null ||
    die "cpuburn did not start"
"$MB" vm --testbed $NAME cap 1 40 >/dev/null || die "cap failed"

# CPU nanoseconds of the hosts' cgroups outside their guests (machine/ below each host):
# cpuacct.usage in the cpuacct hierarchy (v1), cpu.stat's usage_usec in the unified one (v2)
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
    cg=/sys/fs/cgroup
    usage_ns() { awk '$1 == "usage_usec" {printf "%d\n", $2 * 1000; exit}' "$1/cpu.stat"; }
else
    cg=$(awk '$3 == "cgroup" && $4 ~ /cpuacct/ {print $2; exit}' /proc/mounts)
    usage_ns() { cat "$1/cpuacct.usage"; }
fi
outside() {
    local sum=0 h all vms
    for h in hostA hostB; do
        all=$(usage_ns "$cg/migbench/$NAME/$h")
        vms=$(usage_ns "$cg/migbench/$NAME/$h/machine" 2>/dev/null || echo 0)
        sum=$((sum + all - ${vms:-0}))
    done
    echo $sum
}
now() { date +%s%N; }
# host-side CPU (% of one core) over a phase: command "$@" runs meanwhile, its output
# into $tmp/$1.out and .err
phase() {
    local a b t0 t1 name=$1
    shift
    a=$(outside)
    t0=$(now)
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    t1=$(now)
    b=$(outside)
    awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.3f", (b - a) / (t1 - t0) * 100}'
}

# the guest of `migbench vm start hostA 1` is the domain vm1
base=$(phase base sleep "$PHASE_S")
local_host=$(phase local "$tmp/drive" "$TB" local "$PHASE_S" vm1)
ssh_host=$(phase ssh "$tmp/drive" "$TB" ssh "$PHASE_S" vm1)
cat "$tmp/local.out" "$tmp/ssh.out" "$tmp/local.err" "$tmp/ssh.err"
grep -q '^cpu_pct=' "$tmp/local.out" && grep -q '^cpu_pct=' "$tmp/ssh.out" || die "the driver failed"
val() { awk -v k="$1" '{for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2)}' "$2"; }
"$MB" vm --testbed $NAME destroy 1 >/dev/null 2>&1

lp=$(val cpu_pct "$tmp/local.out")
sp=$(val cpu_pct "$tmp/ssh.out")
acc=$(val vcpu_pct "$tmp/local.out")
echo "host-side CPU outside the guests: baseline $base %, with local monitor $local_host %, with SSH monitor $ssh_host %"
awk -v lp="$lp" -v sp="$sp" -v b="$base" -v lh="$local_host" -v sh="$ssh_host" -v acc="$acc" 'BEGIN {
    lt = lp + (lh - b > 0 ? lh - b : 0)
    st = sp + (sh - b > 0 ? sh - b : 0)
    printf "figure: monitor_cpu_local = %.2f %% of one core, harness + hosts, 2 hosts, 500 ms (target <= 1 %%) %s\n", lt, (lt <= 1 ? "OK" : "OVER TARGET")
    printf "figure: monitor_cpu_local_harness = %.2f %% of one core, the harness process alone (target <= 1 %%)\n", lp
    printf "figure: monitor_cpu_ssh = %.2f %% of one core, harness + hosts, over SSH (informational: the lab reads its hosts locally; each 5 s agent batch starts the login shell of the host, and the root .bashrc of this machine costs ~100 ms)\n", st
    if (acc == "" || acc == "nan") { print "figure: monitor_cap_accuracy = unmeasured (target 40 +- 5 %)"; exit 1 }
    d = acc - 40; if (d < 0) d = -d
    printf "figure: monitor_cap_accuracy = %.1f %% of one core for a cap of 40 %% (target 40 +- 5) %s\n", acc, (d <= 5 ? "OK" : "OFF TARGET")
    exit !(lt <= 1 && d <= 5)
}'
