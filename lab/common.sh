# shellcheck shell=bash
# lab/common.sh — names, addresses and helpers of one embedded-testbed instance.
# Sourced by lab/up, lab/down, lab/status, lab/host-init and lab/exec.
#
# An instance NAME (default "lab") owns, and only it:
#   $MB_RUN/                          /tmp/migbench/NAME ($MIGBENCH_RUN_DIR/NAME): config,
#                                     overlays, sockets and logs of its hosts, lab.env,
#                                     testbed.yaml, known_hosts files, scratch disks
#   netns migbench-NAME-hostA ...     one network namespace per host
#   bridge mbrXXXXXXXX, veths mbvXXXXXXXX{A,B,..}   in the root namespace (X = hash of NAME)
#   cgroups <hierarchy>/migbench/NAME/{hostA,..,probe}   in every cgroup v1 hierarchy, or
#                                     in the unified one (v2; the host's processes in hostA/init)
#   10.P.Q.0/24                       derived from the hash of NAME, moved on if it would
#                                     collide with a route or address of this machine
# so a CI run and a developer's lab on one machine never meet.  Everything is found again
# from NAME alone (lab/down works after a kill -9 of anything, with or without $MB_RUN).
#
# Every process an instance starts lives in its cgroups; it is ended by PID from there.

MB_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MB_NAME=${MB_LAB_NAME:-lab}
MB_RUN_BASE=${MIGBENCH_RUN_DIR:-/tmp/migbench}
MB_CACHE=${MIGBENCH_CACHE_DIR:-/var/cache/migbench}/lab
MB_LOCK=${MB_LAB_LOCK:-/run/lock/migbench-lab.lock}
MB_MAX_HOSTS=16
MB_LETTERS=ABCDEFGHIJKLMNOP
# the guest image's QEMU is bound over this path inside each host (per-host QEMU choice)
MB_HOST_QEMU=/usr/bin/qemu-system-x86_64

mb_log() { printf '%s lab/%s: %s\n' "$(date +%T.%3N)" "${MB_SELF:-lab}" "$*" >&2; }
# die with the exit status migbench maps: 2 usage, 3 environment
mb_die() { printf 'lab/%s: error: %s\n' "${MB_SELF:-lab}" "$*" >&2; exit 3; }
mb_usage_die() { printf 'lab/%s: %s\n' "${MB_SELF:-lab}" "$*" >&2; exit 2; }
mb_now_ms() { echo $(($(date +%s%N) / 1000000)); }

mb_valid_name() { [[ "$1" =~ ^[a-z0-9][a-z0-9_-]{0,31}$ ]]; }

# mb_set_instance NAME: every derived name of an instance
mb_set_instance() {
    MB_NAME=$1
    mb_valid_name "$MB_NAME" || mb_usage_die "bad instance name '$MB_NAME' (a-z 0-9 _ -, at most 32)"
    MB_RUN=$MB_RUN_BASE/$MB_NAME
    MB_HASH=$(printf '%s' "$MB_NAME" | sha256sum | cut -c1-8)
    MB_BR=mbr$MB_HASH               # root-namespace bridge (IFNAMSIZ: 15 chars at most)
    MB_VETH_PREFIX=mbv$MB_HASH      # + host letter
    MB_NETNS_PREFIX=migbench-$MB_NAME-
    MB_CG_REL=migbench/$MB_NAME     # below the root of every cgroup hierarchy
}
mb_set_instance "$MB_NAME"

mb_host_name() { echo "host${MB_LETTERS:$1:1}"; }  # index 0.. -> hostA..
mb_host_index() { local l=${1#host}; local p=${MB_LETTERS%%"$l"*}; echo ${#p}; }
mb_netns() { echo "$MB_NETNS_PREFIX$1"; }
mb_veth() { echo "$MB_VETH_PREFIX${1#host}"; }
# a stable UUID per instance and host: libvirt refuses to migrate between hosts with
# the same host_uuid ("Attempt to migrate guest to the same host")
mb_host_uuid() {
    local h
    h=$(printf 'migbench %s %s' "$MB_NAME" "$1" | sha256sum | cut -c1-32)
    echo "${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-${h:20:12}"
}

# ---- addresses ---------------------------------------------------------------------
# 10.P.Q.0/24 with P in 100..249: .1 the root namespace (load client), .11.. the hosts,
# .101...254 the guests (vm N = .100+N, MAC 52:54:00:XX:HH:LL of N).
mb_ip2int() { local IFS=.; set -- $1; echo $((($1 << 24) | ($2 << 16) | ($3 << 8) | $4)); }
# does A.B.C.0/24 overlap an address or route of the root namespace?
mb_net_in_use() {
    local net=$1 lo hi p a len s e
    lo=$(mb_ip2int "$net.0")
    hi=$((lo + 255))
    for p in $( (ip -4 -o addr show | awk '{print $4}'; ip -4 route show table all |
        awk '$1 != "default" && $1 != "broadcast" && $1 != "local" && $1 != "unreachable" {print $1}
             $1 == "broadcast" || $1 == "local" {print $2}') | sort -u); do
        a=${p%/*}
        [[ "$a" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || continue
        len=32
        [ "$a" != "$p" ] && len=${p#*/}
        [ "$len" -eq 0 ] && continue   # a default route is not a collision
        s=$(($(mb_ip2int "$a") & ~((1 << (32 - len)) - 1) & 0xffffffff))
        e=$((s + (1 << (32 - len)) - 1))
        [ "$s" -le "$hi" ] && [ "$e" -ge "$lo" ] && return 0
    done
    return 1
}
# the instance's /24 (first 3 octets): the hash's, or the next free one
mb_pick_net() {
    local i h p q
    for i in $(seq 0 63); do
        h=$(printf 'migbench-net %s %d' "$MB_NAME" "$i" | sha256sum)
        p=$((100 + 0x${h:0:2} % 150))
        q=$((0x${h:2:2}))
        mb_net_in_use "10.$p.$q" || { echo "10.$p.$q"; return 0; }
    done
    return 1
}

# ---- cgroups (v1, or v2) ----------------------------------------------------------
# v1 (every v1 hierarchy with a controller): <hierarchy>/migbench/NAME/HOST, one per
# hierarchy, the holder directly in HOST.  v2 (a machine whose /sys/fs/cgroup is the
# unified hierarchy): $MB_CG2/migbench/NAME/HOST with cpuset.cpus, cpu.max, memory.max;
# controllers enabled down the tree through cgroup.subtree_control; the no-internal-
# process rule keeps every process in a leaf: the host's own in HOST/init, libvirt's
# guests in HOST/machine/... (HOST is the root of the host's cgroup namespace).  A hybrid
# machine (v1 controllers, an empty unified hierarchy beside them) is run as v1.
MB_CG2=${MB_LAB_CG2_ROOT:-/sys/fs/cgroup}   # the unified hierarchy (tests point it elsewhere)
MB_CG2_CONTROLLERS="cpuset cpu memory pids"
mb_cg_v2() { [ "$(stat -f -c %T "$MB_CG2" 2>/dev/null)" = cgroup2fs ]; }
# "mountpoint controllers" of every v1 hierarchy with controllers (not name=systemd), or
# on v2 the unified hierarchy's one line
mb_cg_hierarchies() {
    if mb_cg_v2; then
        echo "$MB_CG2 $(tr ' ' ',' <"$MB_CG2/cgroup.controllers")"
        return 0
    fi
    awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break
           if ($(i + 1) != "cgroup") next
           n = split($(i + 3), o, ","); c = ""
           for (j = 1; j <= n; j++)
               if (o[j] ~ /^(cpu|cpuacct|cpuset|memory|devices|freezer|net_cls|net_prio|blkio|perf_event|hugetlb|pids|rdma|misc)$/)
                   c = c (c == "" ? "" : ",") o[j]
           if (c != "") print $5, c }' /proc/self/mountinfo
}
mb_cg_check() {
    if mb_cg_v2; then
        local c
        for c in cpuset cpu memory; do
            grep -qw "$c" "$MB_CG2/cgroup.controllers" ||
                mb_die "cgroup v2: the $c controller is not available ($MB_CG2/cgroup.controllers: $(cat "$MB_CG2/cgroup.controllers"))"
        done
        return 0
    fi
    local n
    n=$(mb_cg_hierarchies | wc -l)
    [ "$n" -gt 0 ] || mb_die "no cgroup hierarchy is mounted under /sys/fs/cgroup (neither v1 nor v2)"
    mb_cg_hierarchies | grep -qw memory || mb_die "the cgroup v1 memory controller is not mounted"
    mb_cg_hierarchies | grep -qw cpuset || mb_die "the cgroup v1 cpuset controller is not mounted"
}
# v2: the controllers the lab uses that this machine has, as "+c +c ..."
mb_cg2_enable_list() {
    local c out=
    for c in $MB_CG2_CONTROLLERS; do
        grep -qw "$c" "$MB_CG2/cgroup.controllers" && out="$out +$c"
    done
    echo "${out# }"
}
# v2: migbench/ and migbench/NAME/ (no process ever lives in them), with the controllers
# enabled for their children; the root too (it is exempt from the no-internal-process rule)
mb_cg2_prepare() {
    local en d
    en=$(mb_cg2_enable_list)
    echo "$en" >"$MB_CG2/cgroup.subtree_control" ||
        mb_die "cgroup v2: cannot enable '$en' in $MB_CG2/cgroup.subtree_control"
    for d in "$MB_CG2/migbench" "$MB_CG2/$MB_CG_REL"; do
        [ -d "$d" ] || mkdir "$d"
        echo "$en" >"$d/cgroup.subtree_control" ||
            mb_die "cgroup v2: cannot enable '$en' in $d/cgroup.subtree_control"
    done
}
# every cgroup directory of the instance (deepest first)
mb_cg_dirs() {
    local mnt c
    while read -r mnt c; do
        [ -d "$mnt/$MB_CG_REL" ] && find "$mnt/$MB_CG_REL" -depth -type d
    done < <(mb_cg_hierarchies)
    return 0
}
# PIDs (root namespace) of every process in the instance's cgroups
mb_cg_pids() {
    local d
    for d in $(mb_cg_dirs); do cat "$d/cgroup.procs" 2>/dev/null; done | sort -un
}
# the cgroup directory of host/probe $1 in the hierarchy holding controller $2
mb_cg_dir() {
    local mnt c
    while read -r mnt c; do
        case ",$c," in *",$2,"*) echo "$mnt/$MB_CG_REL/$1"; return 0 ;; esac
    done < <(mb_cg_hierarchies)
    return 1
}

# ---- hosts of an instance, found again from anything left -------------------------
# (lab.env, the run directory, network namespaces, cgroup directories)
mb_found_hosts() {
    {
        [ -f "$MB_RUN/lab.env" ] && sed -n 's/^hosts=//p' "$MB_RUN/lab.env" | tr ' ' '\n'
        ls -d "$MB_RUN"/host? 2>/dev/null | xargs -r -n1 basename
        ip netns list 2>/dev/null | awk '{print $1}' | sed -n "s/^$MB_NETNS_PREFIX\(host[A-P]\)$/\1/p"
        local mnt c
        while read -r mnt c; do
            [ -d "$mnt/$MB_CG_REL" ] && find "$mnt/$MB_CG_REL" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'
        done < <(mb_cg_hierarchies) | grep -E '^host[A-P]$'
    } | sed '/^$/d' | sort -u
}
# the PID (root namespace) of a host's namespace holder (lab/host-init, PID 1 in it; on
# v2 in the host's leaf init/)
mb_holder_pid() {
    local d p
    d=$(mb_cg_dir "$1" pids || mb_cg_dir "$1" memory) || return 1
    for p in $(cat "$d/cgroup.procs" "$d/init/cgroup.procs" 2>/dev/null); do
        if grep -qa "lab/host-init" "/proc/$p/cmdline" 2>/dev/null &&
            [ "$(awk '/^NSpid:/ {print $NF}' "/proc/$p/status" 2>/dev/null)" = 1 ]; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
# run a command inside a host's namespaces (the view its libvirtd has)
mb_host_exec() {
    local h=$1 p
    shift
    p=$(mb_holder_pid "$h") || { echo "lab: $h of instance $MB_NAME is not running" >&2; return 3; }
    nsenter -t "$p" -n -m -u -C -p -- "$@"
}
# mb_shape_uplink NETNS RATE: the host's link to the others sends at most RATE bits/s.
# htb on the egress of its uplink (every host's: together both directions of host-to-host
# traffic), one class at RATE, its burst 2 ms of it and a FIFO of ~50 ms behind it.  The
# host's own TCP sends through br0 and uplink, so TSO and GSO are off on both (the shaper
# then sees wire-sized packets, as on a real link) and GRO off on uplink.
mb_shape_uplink() {
    local ns=$1 rate=$2 burst limit d
    burst=$((rate / 8 / 500))
    [ "$burst" -ge 15140 ] || burst=15140
    limit=$((rate / 8 / 20 / 1514))
    [ "$limit" -ge 100 ] || limit=100
    [ "$limit" -le 10000 ] || limit=10000
    for d in uplink br0; do
        ip netns exec "$ns" ethtool -K "$d" tso off gso off gro off >/dev/null || return 1
    done
    tc -n "$ns" qdisc replace dev uplink root handle 1: htb default 10 &&
        tc -n "$ns" class add dev uplink parent 1: classid 1:10 htb rate "${rate}bit" \
            ceil "${rate}bit" burst "$burst" cburst "$burst" quantum 15140 &&
        tc -n "$ns" qdisc add dev uplink parent 1:10 handle 10: pfifo limit "$limit"
}
mb_lock() {
    mkdir -p "$(dirname "$MB_LOCK")"
    exec 8>"$MB_LOCK"
    flock -w "${1:-120}" 8 || mb_die "another 'lab up/down' holds $MB_LOCK"
}
# instance names found on this machine (run directories, netns, cgroups)
mb_all_instances() {
    {
        local d
        for d in "$MB_RUN_BASE"/*/; do
            [ -f "$d/lab.env" ] || [ -f "$d/state" ] && basename "$d"
        done
        ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^migbench-\(.*\)-host[A-P]$/\1/p'
        local mnt c
        while read -r mnt c; do
            [ -d "$mnt/migbench" ] && find "$mnt/migbench" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'
        done < <(mb_cg_hierarchies)
    } | grep -E '^[a-z0-9][a-z0-9_-]{0,31}$' | sort -u
}
