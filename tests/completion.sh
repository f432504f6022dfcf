#!/bin/bash
# tests/completion.sh [BIN] — the bash completion `migbench help completion` prints, loaded
# into bash: what <TAB> offers after a few command lines.  Exit 0 when every case holds.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-${MIGBENCH:-bin/migbench}}
script=$(mktemp /tmp/mb-completion.XXXXXX)
dir=$(mktemp -d /tmp/mb-completion-dir.XXXXXX)
trap 'rm -rf "$script" "$dir"' EXIT
"$BIN" help completion >"$script" || { echo "help completion failed"; exit 1; }
bash -n "$script" || { echo "the completion script is not valid bash"; exit 1; }
touch "$dir/a.yaml" "$dir/b.txt"
fail=0
# complete WORDS... (the last is the word under the cursor): the candidates, one a line
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
        _migbench; printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' _ "$script" "$@"
}
# expect "WANT" WORDS...: the candidates, joined by spaces, are WANT
expect() {
    local want=$1 got
    shift
    got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
    if [ "$got" = "$want" ]; then echo "  ok    $* -> $got"
    else echo "  FAIL  $*: got '$got', want '$want'"; fail=1; fi
}
expect "report run" "$BIN" r
expect "--help --history" "$BIN" run --h
# a scenario key, for `help keys PREFIX`
expect "migration.auto_converge" "$BIN" help keys migration.au
expect "workload.web.page workload.web.port" "$BIN" help keys workload.web.p
expect "keys" "$BIN" help ke
expect "status" "$BIN" lab st
expect "--list" "$BIN" lab status --li
expect "bar" "$BIN" run --progress b
expect "$dir/a.yaml" "$BIN" check "$dir/"
expect "kvm" "$BIN" lab up --accel k
# a value is not the command: `vm --testbed ci st<TAB>` completes vm's subcommands
expect "start" "$BIN" vm --testbed ci st
[ "$fail" -eq 0 ] && echo "completion: all cases hold"
exit $fail
