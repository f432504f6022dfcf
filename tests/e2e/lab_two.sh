#!/bin/bash
# lab_two: two lab instances up at the same time do not interfere.  Instance A has
# per-host limits and QEMUs (hostA: CPU 0, 1GiB, QEMU 10; hostB: CPU 1, 2GiB, Debian's
# QEMU 7.2), instance B the defaults.  Both boot a guest with the same name and number;
# each is reachable at its own address, the instances get different networks, bridges
# and cgroups, a host of one cannot reach the other's guests, and taking A down leaves
# B (and its guest) intact.
. "$(dirname "$0")/lib.sh"
A=e2e-two-a
B=e2e-two-b
e2e_lab $A
e2e_lab $B

say "lab up $A (limits, hostB on system QEMU) and $B (defaults)"
"$MIGBENCH" lab up --name $A --host-cpus 0:1 --host-memory 1GiB:2GiB --qemu hostB=system ||
    fail "lab up $A"
"$MIGBENCH" lab up --name $B || fail "lab up $B"
[ "$(lab_env $A net)" != "$(lab_env $B net)" ] || fail "both instances on $(lab_env $A net)"
[ "$(lab_env $A bridge)" != "$(lab_env $B bridge)" ] || fail "both instances on one bridge"
say "$A on $(lab_env $A net), $B on $(lab_env $B net)"

# A's limits: in the cgroups (v1: memory.limit_in_bytes; v2: memory.max), in the testbed
# file, in what the host's QEMU may use
memlim=memory.limit_in_bytes
lab_cg_v2 && memlim=memory.max
[ "$(cat "$(lab_cg $A hostA cpuset)/cpuset.cpus")" = 0 ] || fail "$A hostA cpuset"
[ "$(cat "$(lab_cg $A hostB cpuset)/cpuset.cpus")" = 1 ] || fail "$A hostB cpuset"
[ "$(cat "$(lab_cg $A hostA memory)/$memlim")" = $((1 << 30)) ] || fail "$A hostA memory"
[ "$(cat "$(lab_cg $A hostB memory)/$memlim")" = $((2 << 30)) ] || fail "$A hostB memory"
TB=$E2E_RUN_BASE/$A/testbed.yaml
grep -q 'memory: 1GiB' "$TB" && grep -q 'memory: 2GiB' "$TB" || fail "$A testbed lacks the memory limits"
grep -q 'cpus: "0"' "$TB" && grep -q 'cpus: "1"' "$TB" || fail "$A testbed lacks the CPU lists"
host_ssh $A "$(lab_env $A host.hostA.ip)" 'virsh -q version' | grep -q 'hypervisor: QEMU 10\.' ||
    fail "$A hostA is not on QEMU 10"
host_ssh $A "$(lab_env $A host.hostB.ip)" 'virsh -q version' | grep -q 'hypervisor: QEMU 7\.2' ||
    fail "$A hostB is not on QEMU 7.2"
# inside a host its own cgroup is the root of /sys/fs/cgroup (v1: of each hierarchy)
host_ssh $B "$(lab_env $B host.hostB.ip)" \
    'cat /sys/fs/cgroup/cpuset/cpuset.cpus 2>/dev/null || cat /sys/fs/cgroup/cpuset.cpus' \
    >/dev/null || fail "$B hostB: no cpuset view"

say "boot vm1 in both"
for n in $A $B; do
    guest_xml $n 1 192 >"$E2E_RUN_BASE/$n/vm1.xml"
    lab_virsh $n hostA create "$E2E_RUN_BASE/$n/vm1.xml" >/dev/null || fail "virsh create in $n"
done
IPA=$(guest_ip $A 1)
IPB=$(guest_ip $B 1)
wait_ssh $A "$IPA" 60 || fail "$A vm1 ($IPA) does not answer"
wait_ssh $B "$IPB" 60 || fail "$B vm1 ($IPB) does not answer"
[ "$(guest_ssh $A "$IPA" 'ip -4 -o addr show eth0' | awk '{print $4}')" = "$IPA/24" ] ||
    fail "$A vm1 has the wrong address"
[ "$(guest_ssh $B "$IPB" 'ip -4 -o addr show eth0' | awk '{print $4}')" = "$IPB/24" ] ||
    fail "$B vm1 has the wrong address"
# A's guest QEMU may run on CPU 0 only (hostA's cpuset)
qp=
for p in $(find "$(lab_cg $A hostA cpuset)" -name cgroup.procs -path '*machine*' -exec cat {} +); do
    grep -qa qemu-system "/proc/$p/cmdline" 2>/dev/null && qp=$p
done
[ -n "$qp" ] || fail "no QEMU of $A vm1 in hostA's machine cgroup"
[ "$(awk '/^Cpus_allowed_list/ {print $2}' "/proc/$qp/status")" = 0 ] ||
    fail "$A vm1's QEMU may run on $(awk '/^Cpus_allowed_list/ {print $2}' "/proc/$qp/status")"
# separate L2 segments: A's host cannot reach B's guest
if host_ssh $A "$(lab_env $A host.hostA.ip)" "timeout 2 bash -c '</dev/tcp/$IPB/22'" 2>/dev/null; then
    fail "$A hostA reaches $B's guest $IPB"
fi
say "both guests answer; limits hold; instances are separate"

say "lab down $A"
"$MIGBENCH" lab down --name $A || fail "lab down $A"
lab_assert_gone $A
"$MIGBENCH" lab status --name $B >/dev/null || fail "$B is not up after $A went down"
guest_ssh $B "$IPB" true || fail "$B vm1 does not answer after $A went down"
[ -s "$E2E_RUN_BASE/$B/testbed.yaml" ] || fail "$B lost its testbed file"
say "$B intact"
"$MIGBENCH" lab down --name $B || fail "lab down $B"
lab_assert_gone $B
