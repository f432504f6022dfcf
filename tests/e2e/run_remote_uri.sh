#!/bin/bash
# run_remote_uri: a testbed that reaches its hosts' libvirt over SSH (qemu+libssh2://,
# host keys checked against the testbed's known_hosts, ed25519 key) instead of TCP runs a
# campaign like any other: the runner is not tied to the lab's URIs.
. "$(dirname "$0")/lib.sh"
N=e2e-uri
e2e_lab $N
OUT=$(mktemp -d /tmp/mb-e2e-uri.XXXXXX)
E2E_CLEANUP='rm -rf "$OUT"'
"$MIGBENCH" lab up --name $N >/dev/null || fail "lab up"
R=$E2E_RUN_BASE/$N
# the lab's testbed file, with each host's control URI (a UNIX socket on the lab) over
# libssh2 to the host's address (its migrate_uri's, on the next line)
awk -v R="$R" '/^    uri: /{next}
    /^    migrate_uri: qemu\+tcp:\/\// {
        ip = $2; sub(/^qemu\+tcp:\/\//, "", ip); sub(/\/.*/, "", ip)
        printf "    uri: \"qemu+libssh2://root@%s/system?keyfile=%s/id_ed25519&known_hosts=%s/known_hosts&sshauth=privkey\"\n", ip, R, R
    } {print}' "$R/testbed.yaml" >"$OUT/ssh-testbed.yaml"
grep -q 'qemu+libssh2://' "$OUT/ssh-testbed.yaml" || fail "no libssh2 URI in the testbed copy"
"$MIGBENCH" check --testbed "$OUT/ssh-testbed.yaml" || fail "the testbed copy is not valid"
cat >"$OUT/s.yaml" <<'Y'
name: e2e-uri
repeat: 1
vms: {count: 1, memory: 256MiB}
windows: {warmup: 0, baseline: 0, after: 0}
Y
"$MIGBENCH" run --testbed "$OUT/ssh-testbed.yaml" --out "$OUT" --progress lines "$OUT/s.yaml" ||
    fail "run over qemu+libssh2 exited $?"
grep -q ',ok,' "$OUT"/e2e-uri/*/raw.csv || fail "the migration is not ok"
grep -q 'qemu+libssh2://' "$OUT"/e2e-uri/*/metadata.json || fail "metadata lacks the URI"

# a wrong host key is refused, not trusted
sed 's/ssh-ed25519 [A-Za-z0-9+\/=]*/ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBadBadBadBadBadBadBadBadBadBadBadBadBadBadBad/' \
    "$R/known_hosts" >"$OUT/bad_known_hosts"
sed "s#known_hosts=$R/known_hosts#known_hosts=$OUT/bad_known_hosts#" "$OUT/ssh-testbed.yaml" >"$OUT/bad.yaml"
out=$("$MIGBENCH" run --testbed "$OUT/bad.yaml" --out "$OUT/bad" --quiet "$OUT/s.yaml" 2>&1)
grep -qi 'host key\|known_hosts\|verif' <<<"$out$(cat "$OUT"/bad/e2e-uri/*/raw.csv 2>/dev/null)" ||
    fail "a wrong host key was not reported: $out"
say "qemu+libssh2 testbed: migrated ok; a wrong host key is refused"
