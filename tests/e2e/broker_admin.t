#!/usr/bin/env bash
# snpboot broker (admin side) on SQLite: init-key, add a definition made by
# config-generator with its disk key, list, show, rotate-key, revoke, log;
# the refusals: a duplicate VM, a master key of mode 0644, another master
# key, an unreachable PostgreSQL server, usage.
set -uo pipefail
BUILD=${BUILD:-build}
SNPBOOT=${SNPBOOT:-$BUILD/host/snpboot}
. "$(dirname "$0")/lib/tap.sh"
if [ ! -x "$SNPBOOT" ]; then
	echo "1..0 # SKIP needs $SNPBOOT"
	exit 0
fi
SNPBOOT=$(realpath "$SNPBOOT")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
b() { "$SNPBOOT" broker "$@"; }
adm() { b --db sqlite:fleet.db --master-key master.key "$@"; }

b init-key master.key >out 2>&1
ok $? "init-key"
is "$(stat -c %a master.key) $(stat -c %s master.key)" "600 32" "the master key: mode 0600, 32 bytes"
b init-key master.key >out 2>&1
is "$?" 1 "init-key never overwrites"
like out "already exists" "... and says so"

"$SNPBOOT" config-generator --output vm.toml --force >/dev/null 2>&1
# A fixed MEASUREMENT: the generated definition's files do not exist here
# (a computed one is computed by add from the files; broker_serve.t does that).
sed -i -e '0,/^name = .*/s//name = "web-1"/' -e 's/^measurement = "computed"/measurement = "'"$(printf 'cd%.0s' $(seq 48))"'"/' \
	-e '0,/^# host_data = .*/s//host_data = "ab00000000000000000000000000000000000000000000000000000000000001"/' vm.toml
head -c 64 /dev/urandom >disk.key && chmod 600 disk.key
head -c 64 /dev/urandom >disk2.key && chmod 600 disk2.key
adm add vm.toml --disk-key-file disk.key >out 2>&1
ok $? "add web-1"
adm add vm.toml --disk-key-file disk.key >out 2>&1
is "$?" 1 "adding it twice is refused"
like out "vm 'web-1' already exists" "... saying why"
adm list >out 2>&1
like out "^web-1 +active +key v1 " "list: active, key v1"
adm rotate-key web-1 --disk-key-file disk2.key >out 2>&1
like out "disk key version 2 is current" "rotate-key"
adm show web-1 >out 2>&1
like out "^host_data +ab0+1$" "show: host_data"
like out "^key v1 +retired" "show: v1 retired"
like out "^key v2 +current" "show: v2 current"
cmp -s <(sed '1,/^--- definition/d' out) vm.toml
ok $? "show: the definition, verbatim"
adm revoke web-1 --reason "decommissioned" >out 2>&1
ok $? "revoke"
adm show web-1 >out 2>&1
like out "^revoked .*: decommissioned$" "show: revoked, when and why"
adm log --since 1h >out 2>&1
ok $? "log --since 1h"
adm log --since tomorrow >out 2>&1
is "$?" 2 "log --since with a bad time is a usage error"
chmod 644 master.key
adm list >out 2>&1
is "$?" 3 "a master key of mode 0644 is refused"
like out "mode 0600 or stricter" "... saying why"
chmod 600 master.key
b init-key other.key >/dev/null 2>&1
b --db fleet.db --master-key other.key list >out 2>&1
is "$?" 1 "another master key is refused"
like out "is not the one the database was made with" "... saying why"
b --db "host=$work/nowhere dbname=x connect_timeout=2" --master-key master.key list >out 2>&1
is "$?" 1 "an unreachable PostgreSQL server"
like out "postgresql: cannot connect" "... a clear message"
b list >out 2>&1
is "$?" 2 "no --db: usage"
done_testing
