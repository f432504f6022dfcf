#!/bin/bash
# report_html: `migbench report` on the synthetic results of tests/data/report/ (no lab):
# figures of every kind drawn as PNG and SVG, one merged report, and report.html opened in
# headless chromium: no script error, every figure decoded; then every malformed results
# directory refused with exit 2 and its file and row named.
. "$(dirname "$0")/lib.sh"
OUT=$(mktemp -d /tmp/mb-e2e-report.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
D=tests/data/report

"$MIGBENCH" report --out "$OUT" $D/sweep $D/parallel $D/colocation >"$OUT/log" 2>&1 ||
    fail "report exited $?: $(cat "$OUT/log")"
for f in report.md report.html summary.csv; do [ -s "$OUT/$f" ] || fail "no $f"; done
figs=$(ls "$OUT"/figures/*.png | wc -l)
[ "$figs" -eq 7 ] || fail "$figs figures, want 7"
[ "$(ls "$OUT"/figures/*.svg | wc -l)" -eq 7 ] || fail "SVGs missing"
say "$figs figures, PNG and SVG; $(wc -c <"$OUT/report.html") bytes of HTML"
grep -q "claim confirmed" "$OUT/log" || fail "no verdict printed"
grep -qx "Claims: 3 confirmed, 0 refuted, 0 inconclusive (3 decided of 3)" "$OUT/log" ||
    fail "no claims summary line"

# report.html in a headless browser: a copy with a probe script (the report has none)
chromium_check() { # HTML_FILE WANT_IMAGES
    local bin
    bin=$(command -v chromium || command -v chromium-browser) ||
        fail "chromium not installed (deps/report.list; make deps)"
    sed 's|</body>|<script>window.addEventListener("load",()=>{const b=[...document.images].filter(i=>!i.complete\|\|i.naturalWidth===0);document.body.setAttribute("data-images",document.images.length);document.body.setAttribute("data-broken",b.length);document.body.setAttribute("data-h2",document.querySelectorAll("h2").length)});window.addEventListener("error",e=>document.body.setAttribute("data-error",e.message));</script></body>|' \
        "$1" >"$OUT/probe.html"
    local prof
    prof=$(mktemp -d "$OUT/chrome.XXXXXX")
    timeout 60 "$bin" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$prof" \
        --enable-logging=stderr --v=0 --virtual-time-budget=10000 --dump-dom \
        "file://$OUT/probe.html" >"$OUT/dom.html" 2>"$OUT/chrome.log" || fail "chromium exited $?"
    grep -q "data-images=\"$2\"" "$OUT/dom.html" ||
        fail "chromium saw $(grep -o 'data-images="[0-9]*"' "$OUT/dom.html") images, want $2"
    grep -q 'data-broken="0"' "$OUT/dom.html" ||
        fail "figures chromium could not decode: $(grep -o 'data-broken="[0-9]*"' "$OUT/dom.html")"
    ! grep -q 'data-error=' "$OUT/dom.html" || fail "script error in the page"
    ! grep -E 'CONSOLE|Uncaught|Not allowed to load|net::ERR' "$OUT/chrome.log" ||
        fail "chromium reported errors for the page"
    say "chromium: $2 figures decoded, $(grep -o 'data-h2="[0-9]*"' "$OUT/dom.html"), no error"
}
chromium_check "$OUT/report.html" 7

# a single directory: the report goes into it (a copy, so the fixture stays clean)
cp -r $D/sweep "$OUT/one"
"$MIGBENCH" report -q "$OUT/one" || fail "report of one directory"
[ -s "$OUT/one/report.html" ] && [ -s "$OUT/one/figures/fix-sweep-1-total_time_ms.svg" ] ||
    fail "report not written into the results directory"
"$MIGBENCH" report -q "$D/sweep" "$D/parallel" 2>"$OUT/err" && fail "several directories need --out"
grep -q -- "--out DIR" "$OUT/err" || fail "no hint about --out: $(cat "$OUT/err")"

# malformed results: exit 2, the message names the file and the row
for d in $D/bad-*; do
    want=$(cat "$d/EXPECT")
    "$MIGBENCH" report --no-figures --out "$OUT/bad" "$d" >/dev/null 2>"$OUT/err"
    rc=$?
    [ $rc -eq 2 ] || fail "$d: exit $rc, want 2"
    grep -qF -- "$want" "$OUT/err" || fail "$d: '$(cat "$OUT/err")' lacks '$want'"
    "$MIGBENCH" compare "$D/sweep" "$d" >/dev/null 2>"$OUT/err2"
    [ $? -eq 2 ] || fail "compare with $d: want exit 2"
done
say "$(ls -d $D/bad-* | wc -l) malformed directories refused with file and row"
say "PASS"
