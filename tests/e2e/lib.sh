# shellcheck shell=bash
# tests/e2e/lib.sh — helpers of the end-to-end tests on the embedded testbed.
#
#   . "$(dirname "$0")/lib.sh"
#   e2e_lab NAME          use lab instance NAME: removes its remains now, and on EXIT runs
#                         `migbench lab down --name NAME` and lab_assert_gone NAME
#   lab_leftovers NAME    print what exists of instance NAME (nothing = it is gone)
#   lab_assert_gone NAME  fail unless nothing of NAME is left: network namespaces, cgroups,
#                         processes, mounts, bridge and veths, run directory
#   lab_env NAME KEY      a value from the instance's lab.env (lab/up writes it)
#   lab_cg_v2             true when this machine's /sys/fs/cgroup is the unified hierarchy
#                         (the lab runs there as v2; a hybrid machine is run as v1)
#   lab_cg NAME HOST CONTROLLER   the host's cgroup directory holding CONTROLLER:
#                         /sys/fs/cgroup/CONTROLLER/migbench/NAME/HOST on v1, on v2
#                         /sys/fs/cgroup/migbench/NAME/HOST whatever the controller
#   guest_ssh NAME IP CMD / host_ssh NAME IP CMD   ssh with the instance's key, host keys
#                         checked strictly against its known_hosts files
#   guest_xml NAME N HOST_INDEX [MEM_MIB]   domain XML of guest N from the testbed file
#   wait_ssh NAME IP SECONDS                  until the guest answers over SSH
#   fail MSG / say MSG
# Tests run from the repository root (tools/run-tests); $MIGBENCH is the binary.
set -uo pipefail
MIGBENCH=${MIGBENCH:-bin/migbench}
E2E_RUN_BASE=${MIGBENCH_RUN_DIR:-/tmp/migbench}
E2E_T0=$(date +%s%N)

say() { printf '[%6.2f] %s\n' "$((($(date +%s%N) - E2E_T0) / 10000000))e-2" "$*"; }
fail() {
    say "FAIL: $*"
    exit 1
}

# the names lab/common.sh derives from an instance name
_lab_hash() { printf '%s' "$1" | sha256sum | cut -c1-8; }

lab_cg_v2() { [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; }
lab_cg() {
    if lab_cg_v2; then echo "/sys/fs/cgroup/migbench/$1/$2"; else echo "/sys/fs/cgroup/$3/migbench/$1/$2"; fi
}

lab_leftovers() {
    local name=$1 h d p
    h=$(_lab_hash "$name")
    ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^migbench-$name-host[A-P]$" |
        sed 's/^/netns /'
    # v1: one directory in each hierarchy; v2: one in the unified hierarchy
    for d in /sys/fs/cgroup/*/migbench/"$name" /sys/fs/cgroup/migbench/"$name"; do
        [ -d "$d" ] && echo "cgroup $d"
    done
    ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
        grep -E "^(mbr$h|mbv$h[A-P])$" | sed 's/^/link /'
    grep -F " $E2E_RUN_BASE/$name/" /proc/self/mountinfo | awk '{print "mount " $5}'
    grep -F "/run/netns/migbench-$name-host" /proc/self/mountinfo | awk '{print "mount " $5}'
    [ -e "$E2E_RUN_BASE/$name" ] && echo "dir $E2E_RUN_BASE/$name"
    # processes: in the instance's cgroups ("N:ctrl:/migbench/NAME/..." on v1,
    # "0::/migbench/NAME/..." on v2), or started with its files or its name
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
        if grep -qsE ":/migbench/$name(/|$)" "/proc/$p/cgroup" ||
            tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" |
            grep -qE "(host-init $name host[A-P]|$E2E_RUN_BASE/$name/|guest=vm[0-9]+.*$E2E_RUN_BASE/$name/)"; then
            echo "process $p $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-120)"
        fi
    done
    return 0
}

lab_assert_gone() {
    local left
    left=$(lab_leftovers "$1")
    [ -z "$left" ] || fail "instance $1 left behind:
$left"
    say "nothing of instance $1 is left"
}

# E2E_CLEANUP: shell code a test wants run at exit (temporary files, a process of its
# own), before the labs go down; the test's exit status is kept.
E2E_CLEANUP=
_e2e_exit() {
    local rc=$?
    [ -n "$E2E_CLEANUP" ] && eval "$E2E_CLEANUP" >/dev/null 2>&1
    local n
    for n in $E2E_LABS; do
        "$MIGBENCH" lab down --name "$n" >/dev/null 2>&1 || say "lab down --name $n failed"
        local left
        left=$(lab_leftovers "$n")
        if [ -n "$left" ]; then
            say "FAIL: instance $n left behind after lab down:"
            echo "$left"
            rc=1
        fi
    done
    [ $rc -eq 0 ] && say "PASS" || say "exit $rc"
    exit $rc
}
E2E_LABS=
e2e_lab() {
    [ "$(id -u)" -eq 0 ] || {
        echo "SKIP: the lab needs root"
        exit 0
    }
    E2E_LABS="$E2E_LABS $1"
    trap _e2e_exit EXIT
    "$MIGBENCH" lab down --name "$1" >/dev/null 2>&1 || true
}

lab_env() { sed -n "s/^$2=//p" "$E2E_RUN_BASE/$1/lab.env"; }
_ssh_opts() { # NAME KNOWN_HOSTS_FILE
    echo "-i $E2E_RUN_BASE/$1/id_ed25519 -o UserKnownHostsFile=$E2E_RUN_BASE/$1/$2" \
        "-o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes" \
        "-o ConnectTimeout=2 -o LogLevel=ERROR"
}
guest_ssh() {
    local n=$1 ip=$2
    shift 2
    # shellcheck disable=SC2046
    ssh $(_ssh_opts "$n" guest_known_hosts) "root@$ip" "$@"
}
host_ssh() {
    local n=$1 ip=$2
    shift 2
    # shellcheck disable=SC2046
    ssh $(_ssh_opts "$n" known_hosts) "root@$ip" "$@"
}
wait_ssh() { # NAME IP SECONDS
    local end=$(($(date +%s) + $3))
    until timeout 1 bash -c "</dev/tcp/$2/22" 2>/dev/null && guest_ssh "$1" "$2" true 2>/dev/null; do
        [ "$(date +%s)" -lt $end ] || return 1
        sleep 0.05
    done
}
# a value of the testbed file (flat "  key: value" lines are enough here)
_tb() { sed -n "s/^  $2: *\"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" "$E2E_RUN_BASE/$1/testbed.yaml" | head -1; }
guest_ip() { # NAME N
    local first
    first=$(lab_env "$1" guest_first_ip)
    echo "${first%.*}.$((${first##*.} + $2 - 1))"
}
guest_xml() { # NAME N [MEM_MIB]
    local name=$1 n=$2 mem=${3:-256} ip mac gw
    ip=$(guest_ip "$name" "$n")
    mac=$(printf '%s:%02x:%02x' "$(lab_env "$name" guest_mac_prefix)" $((n >> 8)) $((n & 255)))
    gw=$(lab_env "$name" guest_gateway)
    cat <<EOF
<domain type='$([ "$(lab_env "$name" accel)" = kvm ] && echo kvm || echo qemu)'>
  <name>vm$n</name>
  <memory unit='MiB'>$mem</memory>
  <currentMemory unit='MiB'>$mem</currentMemory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$(_tb "$name" kernel)</kernel>
    <initrd>$(_tb "$name" initrd)</initrd>
    <cmdline>$(_tb "$name" cmdline) lab.ip=$ip/24 lab.gw=$gw lab.name=vm$n</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>$([ "$(lab_env "$name" accel)" = kvm ] && echo kvm64 || echo qemu64)</model></cpu>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$(lab_env "$name" emulator_path)</emulator>
    <controller type='usb' model='none'/>
    <interface type='bridge'>
      <source bridge='br0'/>
      <mac address='$mac'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <log file='/var/log/libvirt/qemu/vm$n-console.log' append='on'/>
    </serial>
    <console type='pty'/>
    <memballoon model='virtio'><stats period='2'/></memballoon>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
</domain>
EOF
}
host_uri() { echo "qemu+tcp://$(lab_env "$1" "host.$2.ip")/system"; }
lab_virsh() { # NAME HOST ARGS...
    local n=$1 h=$2
    shift 2
    virsh -q -c "$(host_uri "$n" "$h")" "$@"
}
