#!/usr/bin/env bash
# snpboot broker serve on SQLite, checked from outside with the real snp-sim
# and fake first stages that dial it like a guest in connect mode (`snpboot
# chan-selftest --connect --attest-sim`: TLS with the broker's key pinned,
# HELLO, a snp-sim report bound to the session, EVIDENCE). No QEMU.
#   - a VM found by the HOST_DATA of its report gets its key (and only
#     after verification against its definition); the audit log, the log
#     line and the metrics say so;
#   - one release per REPORT_ID once unlocked; a new launch may ask again;
#   - a revoked VM and an unknown HOST_DATA are refused at once;
#   - policy: another MEASUREMENT only once `broker measurement add`ed (a
#     rolling upgrade), CHIP_IDs once the VM lists some, the fleet's
#     min_tcb raising the definition's;
#   - a guest pinning another owner key never talks to the broker;
#   - malformed and slow peers: garbage, a silent connection, a flood from
#     one address; the broker answers the next guest all the same (the
#     broker runs the ASan/UBSan build when there is one);
#   - SIGHUP starts a fresh pool, SIGTERM stops cleanly (exit 0).
set -uo pipefail
BUILD=${BUILD:-build}
SNPBOOT=${SNPBOOT:-$BUILD/host/snpboot}
SHARED=${SNPBOOT_SHARED:-../shared}
. "$(dirname "$0")/lib/tap.sh"
lib=$(realpath "$(dirname "$0")/lib")
if [ ! -x "$SNPBOOT" ] || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs $SNPBOOT and python3"
	exit 0
fi
SNPBOOT=$(realpath "$SNPBOOT")
# The broker itself under the sanitizers when they are built (make check builds them).
BROKER=$(realpath "${SNPBOOT_BROKER:-$BUILD/asan/snpboot}" 2>/dev/null)
[ -x "$BROKER" ] || BROKER=$SNPBOOT
ovmf=$(realpath "$SHARED/testvectors/measurement/ovmf_AmdSev_suffix.bin")
work=$(mktemp -d)
sim_pid= broker_pid=
cleanup() {
	[ -n "${KEEP:-}" ] && { echo "# kept $work"; return; }
	[ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
export XDG_CACHE_HOME=$work/cache
echo "# broker binary: $BROKER"

. "$lib/broker.sh" # def, start_sim
# guest NAME [args]: a fake first stage dials the broker; $rc is its exit status.
guest() {
	local name=$1
	shift
	"$SNPBOOT" chan-selftest --connect "127.0.0.1:$port" --attest-sim "$work/sim.sock" --timeout-ms 20000 \
		--pin "$pin" "$@" >"$name.guest" 2>&1
	rc=$?
}
has() { grep -qF -- "$2" "$1"; }
metric() { python3 -c 'import sys, urllib.request
for line in urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode().splitlines():
    if line.startswith(sys.argv[2] + " ") or line.startswith(sys.argv[2] + "{"):
        print(line)' "$mport" "$1"; }
adm() { "$SNPBOOT" broker --db sqlite:fleet.db --master-key master.key "$@"; }

hd_a=a100000000000000000000000000000000000000000000000000000000000001
hd_b=b200000000000000000000000000000000000000000000000000000000000002
def vm-a.toml web-a "$hd_a"
def vm-b.toml web-b "$hd_b"
head -c 32 /dev/urandom >disk-a.key && chmod 600 disk-a.key
head -c 48 /dev/urandom >disk-b.key && chmod 600 disk-b.key
"$SNPBOOT" broker init-key master.key >/dev/null 2>&1
"$SNPBOOT" owner-key --generate broker.pem >pin.out 2>&1
pin=$(sed -n 's/.*owner_key_sha256 = \["\([0-9a-f]*\)"\].*/\1/p' pin.out)
check "the broker's key and the pin guests put in boot.toml" test -n "$pin"
start_sim vm-a.toml # makes the test PKI the definitions trust
adm add vm-a.toml --disk-key-file disk-a.key >add.out 2>&1
ok $? "broker add web-a (MEASUREMENT computed from its files now)"
check "... saying the MEASUREMENT it computed" grep -q "added vm 'web-a' (disk key version 1, MEASUREMENT [0-9a-f]\{96\}, computed now)" add.out
check "... and warning that the definition trusts a TEST root" grep -q "WARNING: vm 'web-a' trusts snp-sim's TEST root" add.out
adm add vm-b.toml --disk-key-file disk-b.key >/dev/null 2>&1
ok $? "broker add web-b"

"$BROKER" broker serve --db sqlite:fleet.db --master-key master.key --owner-key broker.pem \
	--listen 127.0.0.1:0 --metrics 127.0.0.1:0 --workers 3 --handshake-timeout 2 --source-sessions 0 \
	--source-rate 0 --vm-rate 0 --ready-file ready >broker.log 2>&1 &
broker_pid=$!
for _ in $(seq 300); do [ -s ready ] && break; sleep 0.1; done
port=$(sed -n 's/^listen_port=//p' ready)
mport=$(sed -n 's/^metrics_port=//p' ready)
check "broker serve is up (ports $port, metrics $mport)" test -n "$port" -a -n "$mport"

# ---- a release, found by HOST_DATA ------------------------------------------------
guest a1
is "$rc" 0 "web-a's first request: the key arrives (fake guest exit $rc)"
check "... 32 bytes: web-a's key, not web-b's (48)" has a1.guest "disk key received 32 bytes"
rid=$(sed -n 's/^report-id //p' a1.guest)
sleep 0.3
check "... log line: released, the VM, the REPORT_ID" grep -qE "^<5>snpboot broker: released vm=web-a report_id=$rid " broker.log
adm log >log.out 2>&1
check "... audit log: released, web-a, the REPORT_ID" grep -qE "released +web-a .*$rid" log.out
metric snpboot_broker_sessions_total >m1.out
metric snpboot_broker_verify_seconds_count >>m1.out
check "... metrics: one release" grep -qx 'snpboot_broker_sessions_total{outcome="released"} 1' m1.out
check "... metrics: the verification latency histogram counted it" grep -qx 'snpboot_broker_verify_seconds_count 1' m1.out

# ---- one release per REPORT_ID ------------------------------------------------------
guest a2
is "$rc" 1 "the same launch asks again: refused (exit $rc)"
is "$(sed -n 's/^report-id //p' a2.guest)" "$rid" "... the same REPORT_ID"
check "... the guest was told why, and got no key" \
	bash -c "grep -q '^owner refused: one key release per launch' a2.guest && ! grep -q 'disk key received' a2.guest"
start_sim vm-a.toml
guest a3
is "$rc" 0 "a new launch of web-a (new REPORT_ID): released (exit $rc)"
check "... a REPORT_ID of its own" bash -c "[ \"\$(sed -n 's/^report-id //p' a3.guest)\" != '$rid' ]"

# ---- which VM: HOST_DATA ------------------------------------------------------------
start_sim vm-b.toml
guest b1
is "$rc" 0 "web-b's launch: released (exit $rc)"
check "... web-b's key (48 bytes)" has b1.guest "disk key received 48 bytes"
def vm-c.toml web-c c300000000000000000000000000000000000000000000000000000000000003
start_sim vm-c.toml
guest c1
is "$rc" 1 "a HOST_DATA no VM has: refused (exit $rc)"
check "... told so" grep -q '^owner refused: no VM is registered with this HOST_DATA' c1.guest

# ---- revoked --------------------------------------------------------------------------
adm revoke web-b --reason "host retired" >/dev/null 2>&1
start_sim vm-b.toml
guest b2
is "$rc" 1 "revoked web-b: refused at once (exit $rc)"
check "... told so" grep -q '^owner refused: this VM is revoked' b2.guest
adm log >log.out 2>&1
check "... the audit log has the refusal and why" grep -qE "refused +web-b .*vm revoked: host retired" log.out

# ---- verification still applies --------------------------------------------------------
start_sim vm-a.toml
guest vmpl1 --vmpl 1
is "$rc" 1 "web-a's report from VMPL 1: refused by verification (exit $rc)"
check "... expected vs got" grep -q '^owner refused: attestation refused: VMPL: expected 0' vmpl1.guest

# ---- policy: accepted MEASUREMENTs, CHIP_IDs, the fleet's minimum TCB --------------------
new_m=$(printf 'e1%.0s' $(seq 48))
cp vm-a.toml vm-a-new.toml
printf 'measurement = "%s"\n' "$new_m" >>vm-a-new.toml # [sim] is last: the new image's launch
start_sim vm-a-new.toml
guest up1
is "$rc" 1 "web-a reporting another MEASUREMENT (a new image): refused (exit $rc)"
check "... MEASUREMENT: expected the accepted one, got the new" grep -q "^owner refused: attestation refused: MEASUREMENT: expected .*, got $new_m" up1.guest
adm measurement add web-a "$new_m" >m.out 2>&1
ok $? "broker measurement add web-a NEW (a rolling upgrade)"
guest up2
is "$rc" 0 "... then the new image is released (exit $rc)"
adm measurement remove web-a "$new_m" >/dev/null 2>&1
start_sim vm-a.toml
chip=$(cat state/chip_id)
adm chip add web-a "$(printf 'ab%.0s' $(seq 64))" >/dev/null 2>&1
ok $? "broker chip add web-a OTHER-CHIP"
guest chip1
is "$rc" 1 "web-a on a chip it does not list: refused (exit $rc)"
check "... told so" grep -q '^owner refused: attestation refused: CHIP_ID not allowed' chip1.guest
adm chip add web-a "$chip" >/dev/null 2>&1
guest chip2
is "$rc" 0 "... once its chip is listed too: released (exit $rc)"
start_sim vm-a.toml
adm set min_tcb bootloader=9,tee=0,snp=8,microcode=115 >/dev/null 2>&1
ok $? "broker set min_tcb (above the simulated platform's bootloader 3)"
guest tcb1
is "$rc" 1 "the fleet's minimum TCB raises web-a's: refused (exit $rc)"
check "... told which component" grep -qi '^owner refused: attestation refused: .*TCB.*bootloader' tcb1.guest
adm unset min_tcb >/dev/null 2>&1
guest tcb2
is "$rc" 0 "... unset: released (exit $rc)"
adm set min_tcb bootloader=3,tee=x >set.out 2>&1
is "$?" 2 "a malformed min_tcb is a usage error"

# ---- a guest that pins another owner never talks to the broker ---------------------------
other=$(printf '0%.0s' $(seq 64))
"$SNPBOOT" chan-selftest --connect "127.0.0.1:$port" --attest-sim "$work/sim.sock" --timeout-ms 5000 \
	--pin "$other" >pin-other.guest 2>&1
ok "$([ $? != 0 ]; echo $?)" "a guest pinning another key: the handshake fails, nothing is exchanged"
check "... no key" bash -c "! grep -q 'disk key received' pin-other.guest"

# ---- malformed and slow peers --------------------------------------------------------------
python3 - "$port" <<'PY' >peers.out 2>&1
import socket, sys, time
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=10)
# Garbage instead of a TLS ServerHello, at once and after a pause.
for payload in (b"\x16\x03\x01\xff\xff" + b"A" * 4096, b"GET / HTTP/1.0\r\n\r\n", bytes(range(256)) * 8):
    s = conn(); s.recv(4096); s.sendall(payload)
    try: s.recv(4096)
    except Exception: pass
    s.close()
# Connect, say nothing, close; connect and hang up at once.
for _ in range(5):
    conn().close()
# Silent peers holding connections open past the handshake deadline (2 s).
silent = [conn() for _ in range(3)]
time.sleep(3)
for s in silent: s.close()
print("done")
PY
check "garbage, hang-ups and silent peers were thrown at the broker" grep -qx done peers.out
start_sim vm-a.toml
guest after
is "$rc" 0 "the next guest is served all the same (exit $rc)"
check "... the broker process is alive" kill -0 "$broker_pid"
metric snpboot_broker_sessions_total >m2.out
check "... protocol failures are counted" grep -q 'outcome="protocol"} [1-9]' m2.out
check "... a silent peer is cut at the handshake deadline" grep -q "protocol .*reason=\"TLS: .*timed out" broker.log
check "... no sanitizer report" bash -c "! grep -q 'ERROR: AddressSanitizer\|runtime error:' broker.log"

# ---- a flood from one address ---------------------------------------------------------------
kill "$broker_pid"; wait "$broker_pid" 2>/dev/null
"$BROKER" broker serve --db sqlite:fleet.db --master-key master.key --owner-key broker.pem \
	--listen 127.0.0.1:0 --metrics 127.0.0.1:0 --workers 2 --source-rate 3 --ready-file ready2 >broker2.log 2>&1 &
broker_pid=$!
for _ in $(seq 300); do [ -s ready2 ] && break; sleep 0.1; done
port=$(sed -n 's/^listen_port=//p' ready2)
mport=$(sed -n 's/^metrics_port=//p' ready2)
python3 -c 'import socket, sys
for _ in range(6): socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()' "$port"
sleep 0.5
metric snpboot_broker_sessions_total >m3.out
check "more than --source-rate 3 sessions a minute from one address: the rest are cut before TLS" \
	grep -q 'outcome="rate_limited"} [1-9]' m3.out

# ---- reload and stop ---------------------------------------------------------------------------
kill -HUP "$broker_pid"
sleep 1
check "SIGHUP: a fresh pool, the old one retired gently" grep -q "SIGHUP: starting a new pool" broker2.log
check "... and the broker is still up" kill -0 "$broker_pid"
kill -TERM "$broker_pid"
wait "$broker_pid"
is "$?" 0 "SIGTERM: a clean stop, exit 0"
broker_pid=
check "... it said so" grep -q "snpboot broker: stopped" broker2.log
done_testing
