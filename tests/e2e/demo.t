#!/usr/bin/env bash
# The README's main job, `make demo`, run as a user would: it must exit 0,
# show the client's verdict and the guest's unlock, the second stage's
# greeting from the dm-crypt root and the boot timeline, and never print the
# disk key it generated.
set -uo pipefail
BUILD=${BUILD:-build}
. "$(dirname "$0")/lib/tap.sh"
has() { grep -qF -- "$1" "$out"; }
out=$BUILD/test/logs/demo/make-demo.out
mkdir -p "$(dirname "$out")"

# The prerequisites are built by `make check` already; this make only runs.
timeout 900 make --no-print-directory BUILD="$BUILD" demo </dev/null >"$out" 2>&1
rc=$?
ok $rc "make demo exits 0 (output in $out)"
[ $rc -eq 0 ] || tail -n 30 "$out" | sed 's/^/# /'

has "demo: == encrypting the demo second stage"
ok $? "it encrypted the demo root with snpboot encrypt-disk"
grep -q "^LUKS UUID: [0-9a-f-]\{36\}$" "$out"
ok $? "  and printed its LUKS UUID"
has "snpboot launch-qemu --sim"
ok $? "it started snp-sim and QEMU with launch-qemu --sim"
grep -q "(SIMULATED platform, test root)" "$out"
ok $? "the client says loudly that the platform is simulated"
grep -Eq "^  ok +MEASUREMENT" "$out" && grep -Eq "^  ok +REPORT_DATA" "$out"
ok $? "the client verified MEASUREMENT and REPORT_DATA"
! grep -Eq "^  FAIL" "$out"
ok $? "  with no failed check"
grep -q "^verdict: VERIFIED" "$out" && grep -q "^result: unlocked" "$out"
ok $? "verdict VERIFIED, and the guest's result: unlocked"
has "second-stage: hello from the decrypted root"
ok $? "the second stage greets"
grep -q "second-stage: dm name=root uuid=CRYPT-LUKS2-" "$out"
ok $? "  from the dm-crypt mapping of the LUKS2 disk"
grep -Eq ": work [0-9]+ ms, done at [0-9]+ ms" "$out" && grep -Eq "unlock [0-9]+ ms" "$out"
ok $? "the boot timeline is shown"
[ -s "$BUILD/demo/timeline.svg" ] && python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' \
	"$BUILD/demo/timeline.svg"
ok $? "  and charted as well-formed SVG"
has "demo: == OK: attested, key released, disk unlocked by dm-crypt, second stage ran"
ok $? "it ends with OK"

key=$BUILD/demo/disk/disk.key
hex=$(od -An -tx1 "$key" | tr -d ' \n')
b64=$(base64 -w0 <"$key")
[ ${#hex} -eq 64 ] && ! grep -qiF -- "$hex" "$out" "$BUILD/demo/console.log" &&
	! grep -qF -- "$b64" "$out" "$BUILD/demo/console.log"
ok $? "the disk key (32 bytes) appears neither in the demo's output nor on the guest console"
[ "$(stat -c %a "$key")" = 600 ]
ok $? "  and its file is mode 0600"

done_testing
