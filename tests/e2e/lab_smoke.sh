#!/bin/bash
# lab_smoke: the embedded testbed end to end with plain virsh and ssh (no harness module
# but `migbench lab`): lab up writes a testbed file; a guest boots on hostA from its kernel
# and initrd; the in-guest memory checker runs while the guest live-migrates hostA -> hostB
# -> hostA (virsh migrate --live --p2p over qemu+tcp); after each hop the guest answers
# over SSH (host key checked strictly) and over UDP (udpecho), runs on the right host and
# has lost no write; then lab down, and nothing of the instance is left.
. "$(dirname "$0")/lib.sh"
N=e2e-smoke
e2e_lab $N

say "lab up --name $N"
"$MIGBENCH" lab up --name $N || fail "lab up"
TB=$E2E_RUN_BASE/$N/testbed.yaml
[ -s "$TB" ] || fail "no testbed file $TB"
for k in "name: $N" "hosts:" "  hostA:" "  hostB:" "    uri: qemu+unix:///system?socket=" "migrate_uri: qemu+tcp://" "load_client:" "guest:" \
    "  kernel:" "  initrd:" "  hash: sha256:" "  network: {first_ip:"; do
    grep -qF -- "$k" "$TB" || fail "testbed file lacks '$k'"
done
"$MIGBENCH" lab status --name $N >/dev/null || fail "lab status: not up"

# the hosts: strict host keys, own namespaces, QEMU 10 by default
for h in hostA hostB; do
    ip=$(lab_env $N "host.$h.ip")
    [ "$(host_ssh $N "$ip" hostname)" = "$h" ] || fail "ssh to $h ($ip)"
    host_ssh $N "$ip" 'virsh -q version' | grep -q 'Running hypervisor: QEMU 10\.' ||
        fail "$h does not run QEMU 10"
done

IP=$(guest_ip $N 1)
say "boot vm1 ($IP) on hostA"
guest_xml $N 1 256 >"$E2E_RUN_BASE/$N/vm1.xml"
t0=$(date +%s%N)
lab_virsh $N hostA create "$E2E_RUN_BASE/$N/vm1.xml" >/dev/null || fail "virsh create"
wait_ssh $N "$IP" 60 || fail "vm1 does not answer over ssh"
say "vm1 answers over ssh after $((($(date +%s%N) - t0) / 1000000)) ms"
guest_ssh $N "$IP" 'memcheck -d -m 32 -r 64 -s /run/memcheck.status >/run/memcheck.log 2>&1' >/dev/null ||
    fail "memcheck did not start"

udp_echo() { # a datagram to udpecho in the guest and its echo back
    local r
    exec 5<>"/dev/udp/$IP/7777" || return 1
    printf 'ping-%s\n' "$1" >&5
    # one read() takes one datagram (bash's read would take it a byte at a time)
    r=$(timeout 2 dd bs=256 count=1 status=none <&5)
    exec 5>&-
    [ "$r" = "ping-$1" ]
}
check() { # HOST: vm1 runs there, answers, lost no write
    local h=$1 st passes
    [ "$(lab_virsh $N "$h" domstate vm1 2>/dev/null)" = running ] || fail "vm1 not running on $h"
    udp_echo "$h" || fail "no UDP echo from vm1 on $h"
    st=$(guest_ssh $N "$IP" cat /run/memcheck.status) || fail "no ssh to vm1 on $h"
    grep -qx 'status=ok' <<<"$st" || fail "memcheck on $h: $(tr '\n' ' ' <<<"$st")"
    grep -qx 'state=running' <<<"$st" || fail "memcheck stopped on $h: $(tr '\n' ' ' <<<"$st")"
    passes=$(sed -n 's/^passes=//p' <<<"$st")
    say "vm1 on $h: memcheck ok, $passes passes"
}
sleep 1
check hostA
for hop in "hostA hostB" "hostB hostA"; do
    set -- $hop
    t0=$(date +%s%N)
    # 64 MiB/s of rewrites converges even on a loaded machine; the timeout suspends the
    # guest rather than let a migration that does not converge hang the test
    lab_virsh $N "$1" migrate --live --p2p --timeout 60 --timeout-suspend vm1 "$(host_uri $N "$2")" ||
        fail "virsh migrate $1 -> $2"
    say "migrated $1 -> $2 in $((($(date +%s%N) - t0) / 1000000)) ms"
    sleep 1.2 # a fresh status line from the guest
    check "$2"
done
final=$(guest_ssh $N "$IP" 'kill -TERM $(sed -n "s/^pid=//p" /run/memcheck.status); sleep 0.5; tail -1 /run/memcheck.log')
grep -q 'memcheck final .* bad=0 status=ok' <<<"$final" || fail "memcheck final: $final"
say "memcheck: $final"

say "lab down --name $N"
"$MIGBENCH" lab down --name $N || fail "lab down"
lab_assert_gone $N
"$MIGBENCH" lab status --name $N >/dev/null
[ $? -eq 1 ] || fail "lab status after down: not 'absent'"
