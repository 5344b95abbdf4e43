#!/usr/bin/env bash
# Each fuzz target runs briefly over its seeds and fresh inputs; any crash,
# leak or sanitizer report fails the test. `make fuzz` runs them for longer.
set -uo pipefail
BUILD=${BUILD:-build}
seconds=${FUZZ_SMOKE_SECONDS:-10}
n=0
failed=0
for t in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=${t##*/fuzz_}
	n=$((n + 1))
	log=$BUILD/fuzz/$name.smoke.log
	work=$(mktemp -d)
	# Real AMD data stays in ../shared (never copied here) but seeds the readers of it.
	extra=()
	case $name in
	der) extra=(../shared/testvectors/amd/milan ../shared/testvectors/amd/genoa ../shared/testvectors/amd/turin
		../shared/testvectors/real/milan ../shared/testvectors/real/turin) ;;
	report) extra=(../shared/testvectors/real/milan) ;;
	esac
	for d in "${extra[@]}"; do [ -d "$d" ] || extra=(); done
	if "$t" -max_total_time="$seconds" -print_final_stats=1 "$work" "tests/fuzz/corpus/$name" "${extra[@]}" >"$log" 2>&1; then
		echo "ok $n - fuzz $name: $(grep -o 'number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') inputs, no crash"
	else
		echo "not ok $n - fuzz $name crashed (log: $log)"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
	rm -rf "$work"
done
echo "1..$n"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
