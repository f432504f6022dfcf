#!/bin/bash
# lab_migrate: the harness's own modules on the embedded testbed, through `migbench vm`
# (libvirt C API, libssh2): boot a guest on hostA; run a command in it over libssh2 with
# the host key checked; live-migrate it A -> B -> A through the libvirt API, the guest
# answering after each hop; the integrity checker reports no lost write; a CPU cap is
# measured within 5 percentage points of its target; a balloon reaches its target; then
# migbench is killed -9 during a migration, and lab down leaves nothing (checked by
# e2e_lab's exit hook).
. "$(dirname "$0")/lib.sh"
N=e2e-migrate
e2e_lab $N
VM() { "$MIGBENCH" vm --testbed $N "$@"; }
val() { sed -n "s/^$1=//p"; }

"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up"
out=$(VM start hostA 1 --memory 256MiB) || fail "vm start: $out"
say "$(echo "$out" | tr '\n' ' ')"
[ "$(VM exec 1 -- hostname)" = vm1 ] || fail "exec over libssh2"
VM exec 1 -- 'memcheck -d -m 32 -r 32 -s /run/memcheck.status >/run/memcheck.log 2>&1' >/dev/null ||
    fail "memcheck did not start"

for hop in "hostA hostB" "hostB hostA"; do
    set -- $hop
    out=$(VM migrate 1 "$1" "$2" --max-downtime 100) || fail "migrate $1 -> $2: $out"
    [ "$(echo "$out" | val status)" = ok ] || fail "migrate $1 -> $2: $out"
    [ -n "$(echo "$out" | val downtime_ms)" ] || fail "no downtime from libvirt"
    say "$1 -> $2: total $(echo "$out" | val total_ms) ms, downtime $(echo "$out" | val downtime_ms) ms ($(echo "$out" | val stats_source))"
    VM list | grep -qE "^$2 +vm1 +running" || fail "vm1 is not running on $2: $(VM list)"
    [ "$(VM exec 1 -- hostname)" = vm1 ] || fail "vm1 does not answer after $1 -> $2"
done
# a verdict covers the pages after the last hop only once two more passes ended
p0=$(VM exec 1 -- cat /run/memcheck.status | val passes)
for _ in $(seq 50); do
    st=$(VM exec 1 -- cat /run/memcheck.status) || fail "memcheck status"
    [ "$(echo "$st" | val passes)" -ge $((p0 + 2)) ] && break
    sleep 0.2
done
echo "$st" | grep -q '^status=ok$' && echo "$st" | grep -q '^bad=0$' ||
    fail "integrity checker: $(echo "$st" | tr '\n' ' ')"
say "integrity: $(echo "$st" | grep -E '^(passes|bad|status)=' | tr '\n' ' ')"

VM exec 1 -- 'cpuburn -d -p /run/cpuburn.pid' >/dev/null || fail "cpuburn"
out=$(VM cap 1 40 --measure 5s) || fail "cap: $out"
m=$(echo "$out" | val measured_percent)
python3 -c "import sys; m=float('$m'); sys.exit(0 if abs(m - 40) <= 5 else 1)" ||
    fail "cap 40%: measured $m%"
say "cap 40%: applied $(echo "$out" | val applied_percent)%, measured $m%"
VM cap 1 0 >/dev/null || fail "uncap"

out=$(VM balloon 1 192MiB) || fail "balloon: $out"
[ "$(echo "$out" | val reached)" = yes ] || fail "balloon: $out"
say "balloon 256 -> 192 MiB in $(echo "$out" | val seconds) s"

# kill -9 of migbench in the middle of a migration (slowed to 2 MiB/s), then lab down
# (the exit hook) must leave nothing: guest, QEMUs on both hosts, daemons, namespaces
VM migrate 1 hostA hostB --bandwidth 2MiB/s --timeout 60s >/dev/null 2>&1 &
pid=$!
end=$(($(date +%s) + 20))
until lab_virsh $N hostB list --name 2>/dev/null | grep -q vm1; do # incoming domain
    [ "$(date +%s)" -lt $end ] || fail "the migration did not start"
    sleep 0.1
done
sleep 0.5
kill -0 $pid 2>/dev/null || fail "the migration ended before the kill"
kill -9 $pid
wait $pid 2>/dev/null
say "migbench killed -9 during a migration; lab down follows"
