#!/usr/bin/env bash
# The broker store on a real PostgreSQL server, started here and stopped at
# the end (also on failure):
#   1. initdb in a temporary directory and postgres listening on a unix
#      socket in that directory and on 127.0.0.1 (a free port), run as an
#      unprivileged user: tests and CI run as root, which postgres refuses;
#   2. the store's test program (tests/unit/test_broker_store_pg.c: every
#      operation, as on SQLite, and two connections racing claim_release on
#      one REPORT_ID) against an empty database: the plain build over the
#      socket with a libpq keyword string, the ASan/UBSan build over TCP with
#      a postgresql:// URI;
#   3. the server stopped: opening the store fails with a clear message.
set -uo pipefail
BUILD=${BUILD:-build}
. "$(dirname "$0")/lib/tap.sh"

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
tests=()
for t in "$BUILD/host/tests/test_broker_store_pg" "$BUILD/asan/tests/test_broker_store_pg"; do
	[ -x "$t" ] && tests+=("$(realpath "$t")")
done
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ${#tests[@]} = 0 ]; then
	echo "1..0 # SKIP needs PostgreSQL (/usr/lib/postgresql/*/bin: apt package postgresql) and $BUILD/host/tests/test_broker_store_pg"
	exit 0
fi

work=$(mktemp -d /tmp/snpboot-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
	# postgres will not run as root: the cluster belongs to nobody.
	chown nobody "$work"
	as_pg=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
stop_server() {
	[ -f "$work/data/postmaster.pid" ] && "${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1
	return 0
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bin/initdb" -D "$work/data" -U broker -A trust -E UTF8 --no-sync >"$work/initdb.log" 2>&1
ok $? "initdb in $work as $("${as_pg[@]}" id -un)" || true
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 \
	-o "-k $work -c listen_addresses=127.0.0.1 -p $port -c fsync=off" start >/dev/null 2>&1
ok $? "postgres started (socket in $work, 127.0.0.1:$port)"
if [ "$t_failed" != 0 ]; then
	diag <"$work/initdb.log"
	diag <"$work/server.log" 2>/dev/null
	done_testing
fi

# run_c NAME URL [ENV...]: a TAP program, one line here; its failures as diagnostics.
run_c() {
	local name=$1 url=$2 out rc
	shift 2
	out=$(env SNPBOOT_BROKER_PG_URL="$url" "$@" "$prog" 2>&1)
	rc=$?
	local n_ok n_plan
	n_ok=$(grep -c '^ok ' <<<"$out")
	n_plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' <<<"$out")
	if [ $rc = 0 ] && [ -n "$n_plan" ] && [ "$n_plan" -gt 0 ] && [ "$n_ok" = "$n_plan" ]; then
		ok 0 "$name: $n_ok checks pass"
	else
		ok 1 "$name: exit $rc, $n_ok of ${n_plan:-?} checks pass"
		grep -E -A3 '^not ok|ERROR|Sanitizer|runtime error' <<<"$out" | head -40 | diag
	fi
}

i=0
for prog in "${tests[@]}"; do
	i=$((i + 1))
	db=broker_$i
	"$bin/createdb" -h "$work" -p "$port" -U broker "$db" >/dev/null 2>&1
	ok $? "createdb $db"
	flavour=$(basename "$(dirname "$(dirname "$prog")")")
	if [ $i = 1 ]; then
		run_c "$flavour build, unix socket, keyword string" "host=$work port=$port user=broker dbname=$db"
	else
		run_c "$flavour build, TCP, URI" "postgresql://broker@127.0.0.1:$port/$db"
	fi
done

stop_server
prog=${tests[0]}
run_c "server stopped" "host=$work port=$port user=broker dbname=broker_1 connect_timeout=3" SNPBOOT_BROKER_PG_DOWN=1
done_testing
