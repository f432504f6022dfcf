#!/bin/bash
# bench/lab.sh — how fast the embedded testbed comes up, goes down and boots guests.
# Targets: from a clean clone, `make deps && bin/migbench lab up` in at most 60 s
# including the guest build (apt excluded: the packages are installed; the kernel .deb is
# downloaded, as a clean clone would); `lab up` warm in at most 5 s; boot-to-SSH of a guest
# in at most 5 s under TCG.  Uses its own instances (bench-lab-cold, bench-lab) and fresh
# cache directories for the cold case; tears everything down.  Needs root.
set -uo pipefail
MB=${MIGBENCH:-bin/migbench}
TOP=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || {
    echo "bench/lab.sh: needs root (skipped)"
    exit 0
}
tmp=$(mktemp -d /tmp/migbench-bench-lab.XXXXXX)
COLD=bench-lab-cold
WARM=bench-lab
cleanup() {
    [ -x "$tmp/src/bin/migbench" ] && MIGBENCH_CACHE_DIR=$tmp/cache "$tmp/src/bin/migbench" \
        lab down --name $COLD >/dev/null 2>&1
    "$MB" lab down --name $COLD >/dev/null 2>&1
    "$MB" lab down --name $WARM >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b - a) / 1e9}'; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
max() { sort -n | tail -1; }
figure() { echo "figure: $1 = $2 $3 ($4)"; }
die() {
    echo "bench/lab.sh: $*" >&2
    exit 1
}

# ---- 1. cold: a clean clone, fresh image, fresh caches (libvirt capabilities, accel probe)
git -C "$TOP" clone -q "$TOP" "$tmp/src" || die "git clone failed"
export MIGBENCH_CACHE_DIR=$tmp/cache
t0=$(now)
(cd "$tmp/src" && make -s deps >/dev/null) || die "make deps in the clone failed"
CMB=$tmp/src/bin/migbench
note=
if ! (cd "$tmp/src" && make -s bin/migbench >"$tmp/make.log" 2>&1); then
    # someone's commit does not build: time the rest with this tree's binary driving the
    # clone's scripts and guest recipe (what the figure is about)
    mkdir -p "$tmp/src/bin"
    cp "$MB" "$CMB"
    export MIGBENCH_DATA=$tmp/src
    note="; HEAD did not build, $MB used"
fi
t1=$(now)
"$CMB" lab up --name $COLD >"$tmp/cold.out" 2>"$tmp/cold.err" ||
    die "cold lab up failed: $(tail -5 "$tmp/cold.err")"
t2=$(now)
built=$(grep -o 'built in [0-9.]* s' "$tmp/cold.out" | grep -o '[0-9.]*')
accel=$(sed -n 's/^accel=//p' /tmp/migbench/$COLD/lab.env 2>/dev/null)
why=$(sed -n 's/^accel_why=//p' /tmp/migbench/$COLD/lab.env 2>/dev/null)
t3=$(now)
"$CMB" lab down --name $COLD >/dev/null 2>&1 || die "cold lab down failed"
t4=$(now)
unset MIGBENCH_CACHE_DIR MIGBENCH_DATA
figure lab_cold_start "$(secs "$t0" "$t2")" s \
    "target <= 60 s: clean clone, make deps, make bin/migbench ($(secs "$t0" "$t1") s$note), lab up with the guest build, apt excluded"
figure lab_up_cold "$(secs "$t1" "$t2")" s \
    "guest image from nothing (kernel .deb download included: ${built:-?} s), no libvirt capability cache, accelerator probed: $accel ($why)"
figure lab_down_cold "$(secs "$t3" "$t4")" s "no target"

# ---- 2. the guest image: from scratch (kernel .deb cached) and up to date
out=$tmp/img
t0=$(now)
MIGBENCH_IMAGE_OUT=$out "$TOP/vm-images/build" >/dev/null 2>&1 || die "guest build failed"
t1=$(now)
MIGBENCH_IMAGE_OUT=$out "$TOP/vm-images/build" >/dev/null 2>&1 || die "guest build (2) failed"
t2=$(now)
size=$(($(stat -c %s "$out"/current/initrd.img) / 1048576))
figure guest_build "$(secs "$t0" "$t1")" s "no target: busybox, dropbear, virtio modules, workloads, sysbench; initrd $size MiB"
figure guest_build_uptodate "$(secs "$t1" "$t2")" s "no target: inputs hashed, build skipped"

# ---- 3. warm: lab up and down again and again (image and caches in place)
"$MB" lab up --name $WARM >/dev/null 2>&1 || die "lab up failed"
"$MB" lab down --name $WARM >/dev/null 2>&1 || die "lab down failed"
ups=() downs=()
for i in 1 2 3; do
    t0=$(now)
    "$MB" lab up --name $WARM >/dev/null 2>&1 || die "warm lab up failed"
    t1=$(now)
    "$MB" lab down --name $WARM >/dev/null 2>&1 || die "lab down failed"
    t2=$(now)
    ups+=("$(secs "$t0" "$t1")")
    downs+=("$(secs "$t1" "$t2")")
done
figure lab_up_warm "$(printf '%s\n' "${ups[@]}" | median)" s "target <= 5 s; median of 3: ${ups[*]}"
figure lab_down "$(printf '%s\n' "${downs[@]}" | median)" s "no target; idle, median of 3: ${downs[*]}"

# ---- 4. boot to SSH under the chosen accelerator: virsh create until the first ssh command
. "$TOP/tests/e2e/lib.sh"
"$MB" lab up --name $WARM >/dev/null 2>&1 || die "lab up failed"
IP=$(guest_ip $WARM 1)
guest_xml $WARM 1 256 >"$tmp/vm1.xml"
boots=()
for i in 1 2 3 4 5; do
    t0=$(now)
    lab_virsh $WARM hostA create "$tmp/vm1.xml" >/dev/null || die "virsh create failed"
    wait_ssh $WARM "$IP" 60 || die "no ssh to the guest"
    t1=$(now)
    boots+=("$(secs "$t0" "$t1")")
    [ $i -lt 5 ] && { lab_virsh $WARM hostA destroy vm1 >/dev/null || die "virsh destroy failed"; }
done
acc=$(lab_env $WARM accel)
figure guest_boot_to_ssh "$(printf '%s\n' "${boots[@]}" | median)" s \
    "target <= 5 s under TCG; accel $acc, 256 MiB, median of 5: ${boots[*]}"
t0=$(now)
"$MB" lab down --name $WARM >/dev/null 2>&1 || die "lab down failed"
t1=$(now)
figure lab_down_with_guest "$(secs "$t0" "$t1")" s "no target; one guest running"
echo "# load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
