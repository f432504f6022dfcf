#!/bin/bash
# lab_kill: `lab down` removes an instance whatever was killed with SIGKILL, and when:
#   1. `migbench lab up` killed -9 half-way (its script then ends too: parent-death signal);
#   2. `migbench lab up` and its lab/up script both killed -9 half-way;
#   3. a running instance whose hostA namespace holder (PID 1 of the host, hence libvirtd,
#      dropbear and a booting guest's QEMU) and hostB's libvirtd were killed -9,
#      and whose run directory was then deleted: down works from the name alone.
# After each, nothing of the instance may be left (lib.sh: lab_assert_gone).
. "$(dirname "$0")/lib.sh"
N=e2e-kill
e2e_lab $N

# the child processes of a PID
children() { cat "/proc/$1/task/$1/children" 2>/dev/null; }

# wait until `lab up` has made some of the instance (a host namespace), max 30 s
wait_partial() {
    local end=$(($(date +%s) + 30))
    until ip netns list | grep -q "^migbench-$N-hostB"; do
        [ "$(date +%s)" -lt $end ] || fail "lab up made no namespace in 30 s"
        kill -0 "$1" 2>/dev/null || fail "lab up ended before it could be killed"
        sleep 0.02
    done
}

for variant in migbench-only migbench-and-script; do
    say "case: kill -9 of $variant mid-way through lab up"
    "$MIGBENCH" lab up --name $N >/dev/null 2>&1 &
    pid=$!
    wait_partial $pid
    script=
    if [ $variant = migbench-and-script ]; then
        for c in $(children $pid); do
            grep -qa 'lab/up' "/proc/$c/cmdline" 2>/dev/null && script=$c
        done
        [ -n "$script" ] || fail "no lab/up child of migbench ($pid)"
        kill -KILL "$script"
    fi
    kill -KILL $pid
    wait $pid 2>/dev/null
    say "killed migbench $pid${script:+ and lab/up $script}; left: $(lab_leftovers $N | wc -l) items"
    [ -n "$(lab_leftovers $N)" ] || fail "nothing was left to clean: the kill came too late"
    "$MIGBENCH" lab down --name $N || fail "lab down after kill -9 ($variant)"
    lab_assert_gone $N
done

say "case: a running instance with its daemons killed -9, then its run directory removed"
"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up"
guest_xml $N 1 192 >"/tmp/$N-vm1.xml"
lab_virsh $N hostA create "/tmp/$N-vm1.xml" >/dev/null || fail "virsh create"
rm -f "/tmp/$N-vm1.xml"
holder=$(lab_env $N host.hostA.holder)
grep -qa host-init "/proc/$holder/cmdline" || fail "hostA holder $holder is not lab/host-init"
lvb=
# v1: the host's processes in its pids cgroup; v2: in its leaf init/ (and its guests below)
for p in $(find "$(lab_cg $N hostB pids)" -name cgroup.procs -exec cat {} +); do
    [ "$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -d' ' -f1)" = libvirtd ] && lvb=$p
done
[ -n "$lvb" ] || fail "no libvirtd of hostB"
kill -KILL "$holder" "$lvb"
sleep 0.3
rm -rf "${E2E_RUN_BASE:?}/$N"
say "killed hostA's holder $holder and hostB's libvirtd $lvb, removed the run directory"
"$MIGBENCH" lab down --name $N || fail "lab down after kill -9 of the daemons"
lab_assert_gone $N
"$MIGBENCH" lab down --name $N || fail "a second lab down is not a no-op"
lab_assert_gone $N
