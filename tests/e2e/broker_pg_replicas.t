#!/usr/bin/env bash
# Two `snpboot broker serve` replicas sharing one PostgreSQL database behind
# a TCP load balancer, checked from outside with snp-sim and fake first
# stages (`chan-selftest --connect --attest-sim`). No QEMU.
#   - PostgreSQL started here as nobody in a temporary directory (as in
#     broker_store_pg.t); two VMs added; two replicas (the ASan/UBSan build
#     when there is one) with one worker each; a round-robin forwarder in
#     Python whose outgoing connections come from 127.0.0.2 (replica A) or
#     127.0.0.3 (replica B), so the audit log's peers say which replica
#     served; a replica that refuses connections is skipped (the next one
#     that accepts gets the guest);
#   - guests get their keys from either replica, the audit log shows both;
#     the same launch asking again through the other replica is refused
#     (one release per REPORT_ID, across replicas);
#   - a replica SIGKILLed (parent and workers) while a guest is mid-session,
#     before any claim (snp-sim paused so the guest is stuck between HELLO
#     and EVIDENCE): the guest fails, its retry is served by the other
#     replica at once, one "released" for that REPORT_ID;
#   - a replica SIGKILLed after it sent the key and before the guest's
#     RESULT (the fake guest holds its answer): the claim stays pending
#     with its key on record as sent (release_sent, written before the key
#     leaves). Every retry of that launch is REFUSED, before and after
#     --claim-timeout ("launch the VM again"); a new launch (a new
#     REPORT_ID) is served. Why: the broker cannot tell whether the key
#     arrived (it did here) nor whether the guest unlocked with it, and the
#     invariant is "one release per REPORT_ID once unlocked"; handing the
#     key out again would let any crash (or a host that cuts the connection
#     after SECRETS on purpose) turn one release into two. A first stage
#     that really lost its broker fails, and its failure action (reboot)
#     makes a new launch. A claim whose key never left (the replica died
#     before sending) is taken over after --claim-timeout, which must
#     exceed --result-timeout (a live session's claim is never taken over;
#     `broker serve` refuses it otherwise). The key went out once;
#   - the database stopped (pg_ctl stop -m fast) while the replicas run:
#     a guest is refused at once with "the broker cannot read its store",
#     both replicas stay up, the metrics count an internal error; the
#     database started again: the next guests are served by both replicas
#     (each reconnects, also the one whose connection died while idle),
#     earlier releases are still in the audit log;
#   - at the end: exactly one "released" per REPORT_ID, no sanitizer
#     report, SIGTERM stops both replicas (exit 0).
set -uo pipefail
BUILD=${BUILD:-build}
SNPBOOT=${SNPBOOT:-$BUILD/host/snpboot}
SHARED=${SNPBOOT_SHARED:-../shared}
. "$(dirname "$0")/lib/tap.sh"
lib=$(realpath "$(dirname "$0")/lib")

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ ! -x "$SNPBOOT" ] || ! command -v python3 >/dev/null || [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "1..0 # SKIP needs $SNPBOOT, python3 and PostgreSQL (/usr/lib/postgresql/*/bin: apt package postgresql)"
	exit 0
fi
SNPBOOT=$(realpath "$SNPBOOT")
BROKER=$(realpath "${SNPBOOT_BROKER:-$BUILD/asan/snpboot}" 2>/dev/null)
[ -x "$BROKER" ] || BROKER=$SNPBOOT
ovmf=$(realpath "$SHARED/testvectors/measurement/ovmf_AmdSev_suffix.bin")
work=$(mktemp -d /tmp/snpboot-replicas.XXXXXX)
mkdir "$work/pg"
as_pg=()
if [ "$(id -u)" = 0 ]; then
	chmod 711 "$work" # nobody must reach pg/ (the files here stay 0600 or root's)
	chown nobody "$work/pg"
	as_pg=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi
sim_pid='' lb_pid='' orphans=''
rpid=("" "")
pg_stop() {
	[ -f "$work/pg/data/postmaster.pid" ] && "${as_pg[@]}" "$bin/pg_ctl" -D "$work/pg/data" -m "${1:-immediate}" -w stop >/dev/null 2>&1
	return 0
}
kill_replica() { # kill_replica I SIG: the parent and its workers
	local p=${rpid[$1]} kids
	[ -n "$p" ] || return 0
	kids=$(pgrep -P "$p")
	# shellcheck disable=SC2086
	kill -"$2" "$p" $kids 2>/dev/null
	wait "$p" 2>/dev/null
	rpid[$1]=
}
cleanup() {
	kill_replica 0 KILL
	kill_replica 1 KILL
	# shellcheck disable=SC2086
	[ -n "$orphans" ] && kill -KILL $orphans 2>/dev/null
	[ -n "$lb_pid" ] && kill "$lb_pid" 2>/dev/null
	[ -n "$sim_pid" ] && kill -CONT "$sim_pid" 2>/dev/null && kill "$sim_pid" 2>/dev/null
	wait 2>/dev/null
	pg_stop
	if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$work" || exit 1
export XDG_CACHE_HOME=$work/cache
echo "# broker binary: $BROKER"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- PostgreSQL ------------------------------------------------------------------
pgport=$(free_port)
pg_start() {
	"${as_pg[@]}" "$bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
		-o "-k $work/pg -c listen_addresses=127.0.0.1 -p $pgport -c fsync=off" start >/dev/null 2>&1
}
"${as_pg[@]}" "$bin/initdb" -D "$work/pg/data" -U broker -A trust -E UTF8 --no-sync >pg-initdb.log 2>&1 &&
	pg_start && "$bin/createdb" -h 127.0.0.1 -p "$pgport" -U broker fleet >/dev/null 2>&1
ok $? "PostgreSQL as $("${as_pg[@]}" id -un) on 127.0.0.1:$pgport, database fleet"
if [ "$t_failed" != 0 ]; then
	diag <pg-initdb.log
	diag <"$work/pg/server.log" 2>/dev/null
	done_testing
fi
db="postgresql://broker@127.0.0.1:$pgport/fleet"

. "$lib/broker.sh" # def, start_sim
adm() { "$SNPBOOT" broker --db "$db" --master-key master.key "$@"; }

hd_a=a100000000000000000000000000000000000000000000000000000000000001
hd_b=b200000000000000000000000000000000000000000000000000000000000002
def vm-a.toml web-a "$hd_a"
def vm-b.toml web-b "$hd_b"
head -c 32 /dev/urandom >disk-a.key && chmod 600 disk-a.key
head -c 48 /dev/urandom >disk-b.key && chmod 600 disk-b.key
"$SNPBOOT" broker init-key master.key >/dev/null 2>&1
"$SNPBOOT" owner-key --generate broker.pem >pin.out 2>&1
pin=$(sed -n 's/.*owner_key_sha256 = \["\([0-9a-f]*\)"\].*/\1/p' pin.out)
start_sim vm-a.toml
adm add vm-a.toml --disk-key-file disk-a.key >/dev/null 2>&1 && adm add vm-b.toml --disk-key-file disk-b.key >/dev/null 2>&1
ok $? "broker add web-a, web-b into the PostgreSQL store"

# ---- two replicas and a load balancer ------------------------------------------------
rport=("$(free_port)" "$(free_port)")
name=(A B)
start_replica() { # start_replica I
	rm -f "ready$1"
	"$BROKER" broker serve --db "$db" --master-key master.key --owner-key broker.pem \
		--listen "127.0.0.1:${rport[$1]}" --metrics 127.0.0.1:0 --workers 1 --handshake-timeout 5 \
		--result-timeout 3 --claim-timeout 6 --source-rate 0 --source-sessions 0 --vm-rate 0 \
		--ready-file "ready$1" >>"replica$1.log" 2>&1 &
	rpid[$1]=$!
	for _ in $(seq 300); do [ -s "ready$1" ] && break; sleep 0.1; done
	mport[$1]=$(sed -n 's/^metrics_port=//p' "ready$1")
	[ -n "${mport[$1]}" ]
}
mport=("" "")
check "replica A up (port ${rport[0]})" start_replica 0
check "replica B up (port ${rport[1]})" start_replica 1

cat >lb.py <<'PY'
# Round robin over the backends; a backend that refuses is skipped. Backend
# i's connections come from 127.0.0.(2+i). One line per connection in the log.
import asyncio, sys
listen_port_file, log_path, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
count = 0
log = open(log_path, "a", buffering=1)

async def pipe(r, w):
    try:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
    except Exception:
        pass
    finally:
        try:
            w.close()
        except Exception:
            pass

async def handle(cr, cw):
    global count
    n = count
    count += 1
    for k in range(len(ports)):
        i = (n + k) % len(ports)
        try:
            br, bw = await asyncio.wait_for(asyncio.open_connection(
                "127.0.0.1", ports[i], local_addr=("127.0.0.%d" % (2 + i), 0)), 3)
        except Exception as e:
            log.write("conn %d backend %d refused %s\n" % (n, i, e))
            continue
        log.write("conn %d backend %d from %s:%d\n" % (n, i, *bw.get_extra_info("sockname")[:2]))
        await asyncio.gather(pipe(cr, bw), pipe(br, cw))
        return
    log.write("conn %d no backend\n" % n)
    cw.close()

async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    with open(listen_port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.sockets[0].getsockname()[1])
    import os
    os.rename(listen_port_file + ".tmp", listen_port_file)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
PY
python3 lb.py lb.port lb.log "${rport[@]}" 2>lb.err &
lb_pid=$!
for _ in $(seq 100); do [ -s lb.port ] && break; sleep 0.1; done
port=$(cat lb.port 2>/dev/null)
check "load balancer up (port $port) in front of both" test -n "$port"

# guest NAME [args]: a fake first stage dials the balancer; $rc its exit status,
# $via the replica (A/B) the balancer gave it.
guest() {
	local gname=$1 before
	shift
	before=$(wc -l <lb.log 2>/dev/null || echo 0)
	"$SNPBOOT" chan-selftest --connect "127.0.0.1:$port" --attest-sim "$work/sim.sock" --timeout-ms 20000 \
		--pin "$pin" "$@" >"$gname.guest" 2>&1
	rc=$?
	via=$(tail -n +"$((before + 1))" lb.log | sed -n 's/^conn [0-9]* backend \([01]\) from.*/\1/p' | tail -1)
	via=${via:+${name[$via]}}
}
rid_of() { sed -n 's/^report-id //p' "$1.guest"; }
metric_sum() { # metric_sum NAME: summed over both replicas' metrics
	python3 -c 'import sys, urllib.request
total = 0
for port in sys.argv[2:]:
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5).read().decode()
    except Exception:
        continue
    for line in body.splitlines():
        if line.startswith(sys.argv[1] + " "):
            total += int(float(line.split()[-1]))
print(total)' "$1" "${mport[@]}"
}
released_count() { adm log 2>/dev/null | grep -cE "^[^ ]+ released +[^ ]+ +report_id=$1 "; }

# ---- keys from either replica ------------------------------------------------------------
guest a1
is "$rc" 0 "web-a's launch through the balancer: key received (via replica $via)"
via_a1=$via
rid_a1=$(rid_of a1)
start_sim vm-b.toml
guest b1
is "$rc" 0 "web-b's launch: key received (via replica $via)"
via_b1=$via
rid_b1=$(rid_of b1)
check "... the two were served by different replicas ($via_a1, $via_b1)" test "$via_a1" != "$via_b1" -a -n "$via_a1$via_b1"
adm log >log1.out 2>&1
check "audit log: web-a released through 127.0.0.2 or .3" grep -qE "released +web-a +report_id=$rid_a1 .*peer=127\.0\.0\.[23]:" log1.out
check "... releases from both replicas' peers (127.0.0.2 and 127.0.0.3)" \
	bash -c "grep -q ' released .*peer=127\.0\.0\.2:' log1.out && grep -q ' released .*peer=127\.0\.0\.3:' log1.out"
guest b2
is "$rc" 1 "web-b's launch asks again, through replica $via (not $via_b1): refused"
check "... through the other replica" test -n "$via" -a "$via" != "$via_b1"
check "... one release per launch, across replicas" grep -q '^owner refused: one key release per launch' b2.guest
is "$(rid_of b2)" "$rid_b1" "... the same REPORT_ID"

# ---- a replica killed mid-session, before any claim ---------------------------------------------
start_sim vm-a.toml
kill -STOP "$sim_pid" # the guest will wait for its report between HELLO and EVIDENCE
before=$(wc -l <lb.log)
"$SNPBOOT" chan-selftest --connect "127.0.0.1:$port" --attest-sim "$work/sim.sock" --timeout-ms 20000 \
	--pin "$pin" >k1.guest 2>&1 &
gpid=$!
for _ in $(seq 100); do grep -q '^handshake ok' k1.guest && break; sleep 0.1; done
victim=$(tail -n +"$((before + 1))" lb.log | sed -n 's/^conn [0-9]* backend \([01]\) from.*/\1/p' | tail -1)
check "a guest mid-session (TLS done, no EVIDENCE yet) on replica ${name[${victim:-0}]}" \
	bash -c "[ -n '$victim' ] && grep -q '^handshake ok' k1.guest"
victim=${victim:-0}
kill_replica "$victim" KILL
kill -CONT "$sim_pid"
wait "$gpid"
grc=$?
ok "$([ $grc != 0 ]; echo $?)" "replica ${name[$victim]} SIGKILLed: the guest's session fails (exit $grc)"
check "... and no key" bash -c "! grep -q 'disk key received' k1.guest"
rid_k=$(rid_of k1)
guest k2
is "$rc" 0 "the guest retries (same launch): key from replica $via"
check "... the other one" test -n "$via" -a "$via" != "${name[$victim]}"
is "$(rid_of k2)" "$rid_k" "... the same REPORT_ID"
is "$(released_count "$rid_k")" 1 "... exactly one 'released' for it in the audit log"
check "replica ${name[$victim]} restarted on its port" start_replica "$victim"

# ---- a replica killed after sending the key, before the guest's answer -------------------------
start_sim vm-b.toml
before=$(wc -l <lb.log)
"$SNPBOOT" chan-selftest --connect "127.0.0.1:$port" --attest-sim "$work/sim.sock" --timeout-ms 20000 \
	--pin "$pin" --hold-result-ms 30000 >p1.guest 2>&1 &
gpid=$!
for _ in $(seq 200); do grep -q '^disk key received' p1.guest && break; sleep 0.1; done
t_claim=$(date +%s)
victim=$(tail -n +"$((before + 1))" lb.log | sed -n 's/^conn [0-9]* backend \([01]\) from.*/\1/p' | tail -1)
check "a guest holds the key without answering (replica ${name[${victim:-0}]} waits for RESULT)" \
	bash -c "[ -n '$victim' ] && grep -q '^disk key received' p1.guest"
victim=${victim:-0}
kill_replica "$victim" KILL
kill "$gpid" 2>/dev/null
wait "$gpid" 2>/dev/null
rid_p=$(rid_of p1)
guest p2
is "$rc" 1 "replica ${name[$victim]} SIGKILLed after sending the key: the retry (via $via) is refused"
check "... because that key went out and no answer came" \
	grep -q '^owner refused: the key was sent for this REPORT_ID and no answer came: launch the VM again' p2.guest
is "$(rid_of p2)" "$rid_p" "... the same REPORT_ID"
while [ "$(date +%s)" -le $((t_claim + 7)) ]; do sleep 0.5; done
guest p3
is "$rc" 1 "... and still after --claim-timeout 6: never twice for one launch"
check "... no key in either retry" bash -c "! grep -q 'disk key received' p2.guest p3.guest"
is "$(released_count "$rid_p")" 0 "... no 'released' for it (the replica died before its answer came)"
start_sim vm-b.toml
guest p4
is "$rc" 0 "a new launch of the VM (a new REPORT_ID) is served (via $via)"
check "replica ${name[$victim]} restarted" start_replica "$victim"

# ---- a claim timeout shorter than the result deadline is refused -------------------------------
"$SNPBOOT" broker serve --db "$db" --master-key master.key --owner-key broker.pem --listen 127.0.0.1:0 \
	--result-timeout 10 --claim-timeout 5 >short.out 2>&1
is "$?" 2 "--claim-timeout not above --result-timeout: refused (a live session's claim could be taken over)"
check "... saying why" grep -q 'claim-timeout' short.out

# ---- the database stopped and started again -----------------------------------------------------
internal0=$(metric_sum 'snpboot_broker_sessions_total{outcome="internal"}')
pg_stop fast
start_sim vm-a.toml
t0=$(date +%s)
guest d1
t1=$(date +%s)
is "$rc" 1 "database stopped: the guest is refused (via $via, $((t1 - t0)) s)"
check "... told the broker cannot read its store" grep -q '^owner refused: the broker cannot read its store' d1.guest
check "... at once, not after a hang" test $((t1 - t0)) -le 10
check "... both replicas are up" bash -c "kill -0 ${rpid[0]} && kill -0 ${rpid[1]}"
sleep 0.5
internal1=$(metric_sum 'snpboot_broker_sessions_total{outcome="internal"}')
check "... counted as an internal error in the metrics ($internal0 -> $internal1)" test "$internal1" -gt "$internal0"
check "... and logged as one" grep -qE '^<3>snpboot broker: internal .*reason=.*(unreachable|closed|connect)' replica0.log replica1.log
pg_start
ok $? "database started again"
guest d2
is "$rc" 0 "the same launch retries: served (via $via)"
first_via=$via
start_sim vm-b.toml
guest d3
is "$rc" 0 "a new launch: served (via $via)"
check "... both replicas serve again (each reconnected: $first_via, $via)" test "$first_via" != "$via"
adm log >log2.out 2>&1
check "earlier releases are still in the audit log" \
	bash -c "grep -q 'released .*report_id=$rid_a1 ' log2.out && grep -q 'released .*report_id=$rid_b1 ' log2.out"

# ---- the parent alone killed: its workers must not live on unsupervised ------------------------
orphans=$(pgrep -P "${rpid[1]}")
kill -KILL "${rpid[1]}"
wait "${rpid[1]}" 2>/dev/null
rpid[1]=
gone=1
for _ in $(seq 50); do
	alive=0
	for k in $orphans; do kill -0 "$k" 2>/dev/null && alive=1; done
	[ $alive = 0 ] && gone=0 && break
	sleep 0.1
done
ok $gone "replica B's parent SIGKILLed: its workers stop too (none keeps serving unsupervised)"
check "... and replica B starts again on its port" start_replica 1
start_sim vm-a.toml
guest e1
served="$rc$via"
start_sim vm-b.toml
guest e2 # one of the two goes through the restarted replica
served="$served $rc$via"
check "... and serves (exit and replica: $served)" bash -c "[[ '$served' == *0B* && '$served' != *1* ]]"

# ---- invariants over the whole run ---------------------------------------------------------------
dups=$(grep -E '^[^ ]+ released ' log2.out | sed -n 's/.* report_id=\([0-9a-f]*\) .*/\1/p' | sort | uniq -d)
n_rel=$(grep -cE '^[^ ]+ released ' log2.out)
is "$dups" "" "exactly one 'released' per REPORT_ID in the audit log ($n_rel releases)"
check "no sanitizer report in either replica's log" bash -c "! grep -q 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer' replica0.log replica1.log"
for i in 0 1; do
	p=${rpid[$i]}
	kill -TERM "$p"
	wait "$p"
	is "$?" 0 "replica ${name[$i]}: SIGTERM, clean stop"
	rpid[i]=''
done
if [ "$t_failed" != 0 ]; then
	for f in replica0.log replica1.log lb.log; do
		echo "# --- $f"
		tail -15 "$f" | diag
	done
fi
done_testing
