#!/usr/bin/env bash
# `snpboot timeline`: console logs of real boots (the seeds of the parser's
# fuzz target: the demo's log and a failed boot) rendered as one SVG, checked
# with python3's XML parser (well formed, one row per log, phases labelled
# with their ms, the owner's wait, a time axis); logs without or with a
# broken timeline refused with a clear error. No QEMU.
set -uo pipefail
BUILD=${BUILD:-build}
SNPBOOT=${SNPBOOT:-$BUILD/host/snpboot}
SEEDS=tests/fuzz/corpus/boot_timeline
. "$(dirname "$0")/lib/tap.sh"
if [ ! -x "$SNPBOOT" ] || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs $SNPBOOT and python3"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The SVG's facts as lines "KEY VALUE", read with xml.etree (a parse error
# fails here: not well formed).
svg_facts() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
print("root", root.tag)
rows = root.findall("s:g[@class='row']", ns)
print("rows", len(rows))
for i, g in enumerate(rows):
    print("row%d.title" % i, g.find("s:title", ns).text)
    print("row%d.phases" % i, " ".join(r.get("data-phase") for r in g.findall("s:rect[@class='phase']", ns)))
    print("row%d.waits" % i, len(g.findall("s:rect[@class='owner-wait']", ns)))
    print("row%d.list" % i, g.find("s:text[@class='phase-list']", ns).text)
    print("row%d.total" % i, g.find("s:text[@class='row-total']", ns).text)
    print("row%d.labels" % i, "|".join(t.text for t in g.findall("s:text[@class='phase-label']", ns)))
axis = root.find("s:g[@class='axis']", ns)
print("ticks", " ".join(t.text for t in axis.findall("s:text", ns) if t.get("class") is None))
print("axis.title", axis.find("s:text[@class='axis-title']", ns).text)
PY
}
fact() { grep -m1 "^$1 " "$work/facts" | cut -d' ' -f2-; }

"$SNPBOOT" timeline --svg "$work/t.svg" "$SEEDS/demo.console" "$SEEDS/failed-config.console" \
	"$SEEDS/kmsg-stamped.console" >"$work/out" 2>"$work/err"
ok $? "three console logs rendered"
svg_facts "$work/t.svg" >"$work/facts" 2>"$work/facts.err"
ok $? "the SVG is well-formed XML (python3 xml.etree)"
sed 's/^/# /' "$work/facts.err"
is "$(fact root)" "{http://www.w3.org/2000/svg}svg" "its root is an SVG element"
is "$(fact rows)" 3 "one row per log"
is "$(fact row0.title)" "$SEEDS/demo.console" "row 1 is titled with its log"
is "$(fact row0.phases)" "mounts config modules network rootdev unlock switch_root" "row 1: every phase, in order"
is "$(fact row0.waits)" 1 "row 1: the owner's wait drawn on its own"
is "$(fact row0.list)" \
	"mounts 12 ms · config 6 ms · modules 424 ms · network 816 ms · rootdev 1 ms · unlock 3630 ms (owner wait 2616 ms) · switch_root 0 ms" \
	"row 1: each phase labelled with its ms"
grep -q '|unlock 3630 ms|' <<<"|$(fact row0.labels)|"
ok $? "row 1: the long phase labelled inside its bar"
is "$(fact row0.total)" "work 2273 ms, done at 7060 ms, RSS 432 KiB" "row 1: work, end and RSS beside it"
is "$(fact row1.list)" "mounts 5 ms · config 12 ms FAILED" "row 2: the failed boot, its failed phase named"
is "$(fact row2.phases)" "mounts unlock" "row 3: kernel-stamped /dev/kmsg lines read"
is "$(fact ticks)" "0 1000 2000 3000 4000 5000 6000 7000 8000" "a time axis in whole seconds up to the last end"
is "$(fact axis.title)" "ms since the kernel started (CLOCK_BOOTTIME)" "the axis says what it counts"
grep -q "^$SEEDS/demo.console: work 2273 ms, done at 7060 ms" "$work/out"
ok $? "the table on stdout"
grep -q "unlock 3630 ms (owner wait 2616 ms)" "$work/out"
ok $? "the table names the owner's wait"
grep -q "wrote $work/t.svg (3 rows)" "$work/err"
ok $? "says what it wrote"
if command -v rsvg-convert >/dev/null; then # what `make timeline` does for the PNG
	rsvg-convert -o "$work/t.png" "$work/t.svg" 2>"$work/rsvg.err" && [ "$(head -c 8 "$work/t.png" | xxd -p)" = 89504e470d0a1a0a ] &&
		[ ! -s "$work/rsvg.err" ]
	ok $? "librsvg renders it to a PNG without complaint"
fi

"$SNPBOOT" timeline --svg - "$SEEDS/two-boots.console" >"$work/stdout.svg" 2>/dev/null
ok $? "--svg -: the chart on stdout"
svg_facts "$work/stdout.svg" >"$work/facts" 2>/dev/null
ok $? "  well-formed, without the table mixed in"
is "$(fact rows)" 1 "  one row"
is "$(fact row0.list)" "mounts 2 ms" "  the last boot of a log that has two"

# Errors: clear, exit 3, no chart left behind.
printf 'Linux version 6.12\nKernel panic - not syncing\n' >"$work/panic.log"
"$SNPBOOT" timeline --svg "$work/bad.svg" "$SEEDS/demo.console" "$work/panic.log" >/dev/null 2>"$work/err"
is $? 3 "a log without timeline lines: exit 3"
grep -q "^snpboot timeline: $work/panic.log: no 'snpboot: timeline: ' lines" "$work/err"
ok $? "  names the log and what is missing"
[ ! -e "$work/bad.svg" ]
ok $? "  no chart written"
sed 's/took=424 ms/took=4x4 ms/' "$SEEDS/demo.console" >"$work/broken.log"
"$SNPBOOT" timeline "$work/broken.log" >/dev/null 2>"$work/err"
is $? 3 "a malformed timeline line: exit 3"
grep -q "broken.log: line 21: malformed timeline line: expected 'NAME start=N ms took=N ms wait=N ms ok|failed', got 'modules" "$work/err"
ok $? "  names the line and the expected form"
head -n 22 "$SEEDS/demo.console" >"$work/cut.log"
"$SNPBOOT" timeline "$work/cut.log" >/dev/null 2>"$work/err"
is $? 3 "a log cut after some phases: exit 3"
grep -q "no 'total' line after them (log cut short?)" "$work/err"
ok $? "  says the log was cut short"
"$SNPBOOT" timeline "$work/none.log" >/dev/null 2>"$work/err"
is $? 3 "a missing log: exit 3"
grep -q "none.log" "$work/err"
ok $? "  names it"
"$SNPBOOT" timeline --svg "$work/x.svg" >/dev/null 2>&1
is $? 2 "no log: usage error"
"$SNPBOOT" timeline --help | grep -q "usage: snpboot timeline \[--svg OUT.svg\] LOG..."
ok $? "--help"
"$SNPBOOT" timeline --svg "$work/no-such-dir/x.svg" "$SEEDS/demo.console" >/dev/null 2>"$work/err"
is $? 1 "an unwritable chart path: exit 1"

done_testing
