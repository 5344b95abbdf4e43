#!/usr/bin/env bash
# Static analysis of the project's own C code: cppcheck and clang-tidy with the
# agreed checks (.clang-tidy). Any finding fails.
set -uo pipefail
BUILD=${BUILD:-build}
log=$BUILD/test/lint
mkdir -p "$log"
rm -f "$log/failed" "$log"/*.tidy
srcs=$(git ls-files -- 'init/*.c' 'lib/*.c' 'host/*.c' 2>/dev/null || ls init/*.c lib/*.c host/*.c)
flags="-std=c11 -D_GNU_SOURCE -Ilib -Iinit -Ihost"

cppcheck --quiet --std=c11 --enable=warning,portability,performance --inline-suppr --error-exitcode=1 \
	-D_GNU_SOURCE -Ilib -Iinit -Ihost --suppress=missingIncludeSystem \
	$srcs >"$log/cppcheck.log" 2>&1
if [ $? = 0 ]; then echo "ok 1 - cppcheck: no findings"; else
	echo "not ok 1 - cppcheck findings:"; sed 's/^/# /' "$log/cppcheck.log" | head -40; fi

printf '%s\n' $srcs | xargs -P2 -I{} sh -c \
	"clang-tidy --quiet {} -- $flags >'$log/'\$(echo {} | tr / _).tidy 2>&1 || echo {} >>'$log/failed'" 
if [ ! -s "$log/failed" ]; then echo "ok 2 - clang-tidy: no findings ($(echo $srcs | wc -w) files)"; else
	echo "not ok 2 - clang-tidy findings in: $(tr '\n' ' ' <"$log/failed")"
	cat "$log"/*.tidy | grep -A2 -E 'warning:|error:' | head -60 | sed 's/^/# /'
fi
failed=$([ -s "$log/failed" ] && echo 1 || echo 0)
rm -f "$log/failed"
echo "1..2"
grep -q . "$log/cppcheck.log" && exit 1
exit "$failed"
