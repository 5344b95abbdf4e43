#!/usr/bin/env bash
# The key broker under load (called by scripts/bench.sh; rows on stdout in its
# NAME|VALUE|UNIT|BASELINE|RATIO format, details on stderr and in
# $BUILD/bench/broker/). No QEMU: fake guests (bench/broker_load.c) play the
# first stage's protocol with reports from snp-sim --report-id-per-request.
#   - `snpboot broker serve` on SQLite, then on PostgreSQL (a server started
#     here as nobody in a temporary directory, fsync on, stopped after), at
#     1, 16 and 64 guests in a closed loop (each starts its next session when
#     one ends), BENCH_BROKER_SECONDS each (default 8);
#   - the baseline in the same run: 16 guests, each session facing its own
#     `snpboot client` process (one verifying process per guest, no broker)
#     with the same definition: the test image's real firmware, kernel and
#     initramfs, which the client measures on every run and `broker add`
#     once;
#   - the floor: broker_floor, the public-key operations a release cannot
#     avoid, back to back (see bench/broker_floor.c).
# Goals (issue "broker", part 5): throughput >= 10x the baseline's, broker
# CPU per release <= 1.5x the floor, p99 < 500 ms at 64 guests. Everything
# (load generator, snp-sim, broker, database) shares this machine's cores.
set -euo pipefail
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
BUILD=$(realpath "$BUILD")
SNPBOOT=$(realpath "$BUILD/host/snpboot")
LOAD=$(realpath "$BUILD/bench/broker_load")
FLOOR=$(realpath "$BUILD/bench/broker_floor")
secs=${BENCH_BROKER_SECONDS:-8}
workers=${BENCH_BROKER_WORKERS:-8}
out=$(realpath -m "$BUILD/bench/broker")
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d /tmp/snpboot-bench-broker.XXXXXX)
sim_pid= broker_pid= pgbin=
as_pg=()
cleanup() {
	[ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	[ -f "$work/pg/postmaster.pid" ] && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export XDG_CACHE_HOME=$work/cache # the baseline client's release records

# The VM definition is the test image's real one (the AmdSev OVMF, the
# kernel, the initramfs `make check` boots): what an owner's client reads and
# measures on every run, and what `broker add` measures once.
ovmf=$(realpath "$BUILD/ovmf/OVMF.amdsev.fd")
kernel=$(realpath "$BUILD/kernel/vmlinuz")
initrd=$(realpath "$BUILD/test/initramfs.cpio.gz")
for f in "$ovmf" "$kernel" "$initrd"; do [ -s "$f" ] || { echo "bench_broker: $f missing (make bench builds it)" >&2; exit 1; }; done
hd=b0000000000000000000000000000000000000000000000000000000000000b1
"$SNPBOOT" owner-key --generate broker.pem >pin.out 2>&1
pin=$(sed -n 's/.*owner_key_sha256 = \["\([0-9a-f]*\)"\].*/\1/p' pin.out)
head -c 32 /dev/urandom >disk.key && chmod 600 disk.key
cat >vm.toml <<TOML
[vm]
name = "bench"
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "$kernel"
initrd = "$initrd"
append = "console=ttyS0 panic=-1"
[expect]
host_data = "$hd"
[platform]
product = "milan"
trust_anchor = "$work/state/ark.pem"
simulated = true
[sim]
state_dir = "$work/state"
[channel]
owner_key = "$work/broker.pem"
TOML
"$SNPBOOT" snp-sim --vm-definition vm.toml --socket "$work/sim.sock" --report-id-per-request >sim.log 2>&1 &
sim_pid=$!
for _ in $(seq 1200); do [ -S sim.sock ] && break; sleep 0.1; done # the first run makes RSA-4096 test keys
"$SNPBOOT" broker init-key master.key >/dev/null 2>&1

# serve DB: a broker on DB with the bench VM; sets $port and $broker_pid.
serve() {
	"$SNPBOOT" broker --db "$1" --master-key master.key add vm.toml --disk-key-file disk.key >add.log 2>&1
	rm -f ready
	"$SNPBOOT" broker serve --db "$1" --master-key master.key --owner-key broker.pem --listen 127.0.0.1:0 \
		--workers "$workers" --source-rate 0 --source-sessions 0 --vm-rate 0 --ready-file ready \
		>>"$out/broker.log" 2>&1 &
	broker_pid=$!
	for _ in $(seq 300); do [ -s ready ] && break; sleep 0.1; done
	port=$(sed -n 's/^listen_port=//p' ready)
}
stop() { kill "$broker_pid" && wait "$broker_pid" || true; broker_pid=; }
# load LABEL GUESTS: one closed-loop run against the broker; its line in $out/LABEL-GUESTS.txt.
load() {
	"$LOAD" broker --connect "127.0.0.1:$port" --broker-pid "$broker_pid" --sim "$work/sim.sock" --pin "$pin" \
		--guests "$2" --seconds "$secs" >"$out/$1-$2.txt" 2>"$out/$1-$2.err" || true
	echo "bench_broker: $1: $(cat "$out/$1-$2.txt")" >&2
}
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$out/$1.txt"; }

serve "sqlite:$work/fleet.db"
for n in 1 16 64; do load sqlite "$n"; done
stop

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ]; then
	mkdir -p pg && [ "$(id -u)" = 0 ] && chown nobody pg "$work" && as_pg=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"${as_pg[@]}" "$pgbin/initdb" -D "$work/pg" -U broker -A trust -E UTF8 --no-sync >"$work/initdb.log" 2>&1
	"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg" -l "$work/postgres.log" -w -t 60 \
		-o "-k $work -c listen_addresses=127.0.0.1 -p $pgport -c max_connections=200" start >/dev/null 2>&1
	serve "host=$work port=$pgport dbname=postgres user=broker"
	for n in 1 16 64; do load pg "$n"; done
	stop
	cp "$work/postgres.log" "$out/" 2>/dev/null || true
else
	echo "bench_broker: no PostgreSQL (/usr/lib/postgresql/*/bin): its rows are skipped" >&2
fi

"$LOAD" baseline --client "$SNPBOOT" --vm-definition vm.toml --disk-key-file disk.key --sim "$work/sim.sock" \
	--pin "$pin" --guests 16 --seconds "$secs" >"$out/baseline-16.txt" 2>"$out/baseline-16.err" || true
echo "bench_broker: baseline: $(cat "$out/baseline-16.txt")" >&2
curve=$(field sqlite-16 curve)
"$FLOOR" "${curve:-24}" 200 >"$out/floor.txt"
echo "bench_broker: $(cat "$out/floor.txt")" >&2

# Rows: value | unit | baseline | ratio, then a verdict against the goal.
base=$(field baseline-16 rate)
floor=$(sed -n 's/.*cpu_ms_per_release=\([0-9.]*\).*/\1/p' "$out/floor.txt")
row() { # row NAME VALUE UNIT BASE GOAL_OP GOAL_LIMIT
	awk -v n="$1" -v v="$2" -v u="$3" -v b="$4" -v op="$5" -v g="$6" 'BEGIN {
		r = b > 0 ? v / b : 0; pass = (op == "ge" ? r >= g : r <= g)
		printf "%s (goal %s %s)|%s|%s|%s|%.3f %s\n", n, op == "ge" ? ">=" : "<=", g, v, u, b, r, pass ? "PASS" : "MISS" }'
}
for db in sqlite pg; do
	[ -s "$out/$db-64.txt" ] || continue
	for n in 1 16 64; do
		row "broker $db, $n guests: releases/s vs baseline" "$(field "$db-$n" rate)" "release/s" "$base" ge 10
	done
	row "broker $db, 64 guests: CPU per release vs floor" "$(field "$db-64" cpu_ms_per_release)" ms "$floor" le 1.5
	for n in 1 16 64; do
		echo "broker $db, $n guests: p50 / p99 connect to key|$(field "$db-$n" p50_ms) / $(field "$db-$n" p99_ms)|ms|$(field baseline-16 p50_ms) / $(field baseline-16 p99_ms)|-"
	done
	p99=$(field "$db-64" p99_ms)
	row "broker $db, 64 guests: p99 vs 500 ms" "$p99" ms 500 le 1
done
