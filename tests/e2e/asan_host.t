#!/usr/bin/env bash
# The host tool under ASan/UBSan, driven by the end-to-end tests themselves:
# every test that runs `snpboot` (client, snp-sim, kds-fetch, measure,
# report, config-generator, idblock-generator, timeline, launch-qemu) runs
# again with the sanitizer build, two of them with real guests in QEMU (the
# client and snp-sim then face real TLS, malformed frames, a relay and the
# fault modes). A sanitizer finding fails: it halts the process with exit
# code 86 (so the wrapped test fails), and its report is looked for in the
# logs as well, since tests may redirect the process's stderr to files there.
set -uo pipefail
BUILD=${BUILD:-build}
asan=$(realpath -m "$BUILD/asan/snpboot")
if [ ! -x "$asan" ]; then
	echo "1..0 # SKIP no $asan (make $BUILD/asan/snpboot)"
	exit 0
fi
logs=$(realpath -m "$BUILD/test/logs/asan")
rm -rf "$logs" && mkdir -p "$logs"
export SNPBOOT=$asan E2E_LOGS=$logs
export ASAN_OPTIONS="halt_on_error=1:exitcode=86:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86"
n=0
failed=0
for t in chan_openssl config_generator idblock_openssl kds_fetch report_vmdef snp_sim timeline ovmf_amdsev launch_qemu \
	encrypt_disk sim_faults attested_boot owner_fail_closed disk_pin; do
	n=$((n + 1))
	touch "$logs/.stamp" && sleep 1 # files this test writes are newer
	bash "tests/e2e/$t.t" >"$logs/$t.tap" 2>"$logs/$t.err"
	rc=$?
	reports=$(find "$logs" -type f -newer "$logs/.stamp" -exec \
		grep -lE 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer)' {} + 2>/dev/null)
	if [ $rc -eq 0 ] && [ -z "$reports" ]; then
		echo "ok $n - $t.t passes with the ASan/UBSan snpboot ($(grep -c '^ok' "$logs/$t.tap") checks)"
	else
		echo "not ok $n - $t.t with the ASan/UBSan snpboot (exit $rc; logs in $logs)"
		grep '^not ok' "$logs/$t.tap" | head -5 | sed 's/^/# /'
		for r in $reports; do
			echo "# $r:"
			grep -m1 -A12 -E 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer)' "$r" | sed 's/^/# /'
		done
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
