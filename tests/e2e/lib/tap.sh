# shellcheck shell=bash
# TAP for the bash end-to-end tests (sourced): ok, check, is, like, diag,
# done_testing. e2e.sh sources it; tests that boot nothing source it alone.
t_count=0
t_failed=0
ok() { # ok STATUS DESCRIPTION...
	local status=$1
	shift
	t_count=$((t_count + 1))
	if [ "$status" = 0 ]; then
		echo "ok $t_count - $*"
	else
		echo "not ok $t_count - $*"
		t_failed=$((t_failed + 1))
	fi
}
check() { # check DESCRIPTION COMMAND... : ok if the command succeeds
	local desc=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$desc"
}
is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1'"; echo "#   expected '$2'"; fi
}
like() { # like FILE PATTERN DESCRIPTION: an extended regex matches a line
	if grep -qE -- "$2" "$1"; then ok 0 "$3"; else ok 1 "$3"; sed 's/^/#   /' "$1" | head -5; fi
}
diag() { sed 's/^/# /'; }
# The plan, then exit 0 only if every test passed; TAP_FAIL_HINT (where the
# logs are) is said after a failure.
done_testing() {
	echo "1..$t_count"
	if [ "$t_failed" -gt 0 ]; then
		echo "# $t_failed failed${TAP_FAIL_HINT:+; $TAP_FAIL_HINT}"
		exit 1
	fi
	exit 0
}
