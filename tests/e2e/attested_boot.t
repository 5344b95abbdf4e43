#!/usr/bin/env bash
# The whole chain: the PRODUCTION initramfs earns the disk key by attestation.
# snp-sim plays the AMD Secure Processor (virtio-serial), the guest's TLS
# server binds its report to the session, `snpboot client` verifies it against
# the owner's VM definition and only then sends the key; dm-crypt opens the
# real LUKS2 disk and the second stage runs. The refusals leave the guest
# alive and waiting, so later owner attempts in the same boot succeed.
# Under TCG the firmware measured is the AmdSev OVMF built by `make ovmf-amdsev`
# (the guest itself boots through SeaBIOS); kernel, initrd and command line are the
# real ones, so changing any of them changes MEASUREMENT.
. "$(dirname "$0")/lib/e2e.sh"
# ---- boot 1: the guest listens; refusals, a wrong key, then success ---------------
port=$(free_port)
append="$base_append"
vmdef "$work/good.toml" "$append" "127.0.0.1:$port" connect
start_sim "$work/good.toml" sim1
check "snp-sim made its test PKI and serves" test -S "$sock"
start_guest listen "$append" $(disk_args) -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443" \
	-device virtio-net-pci,netdev=n0 $(sim_args)
wait_console "channel: listening on port 7443" 120
ok $? "guest waits for its owner"

# Broken peers: garbage instead of a TLS handshake, and a peer that hangs up.
python3 - "$port" <<'PY'
import socket, sys, time
for payload in (b"\x16\x03\x01\xff\xffGARBAGE" * 50, b""):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    if payload:
        s.sendall(payload)
    time.sleep(0.3)
    s.close()
PY
wait_console "channel: " 5
sleep 2
check "garbage and hang-ups are logged, the guest keeps waiting" bash -c \
	"grep -c 'snpboot: warning: channel: ' '$console' | grep -qv '^0$' && ! grep -q 'giving up' '$console'"

vmdef "$work/wrong-append.toml" "$append quiet" "127.0.0.1:$port" connect
client wrong-measurement --vm-definition "$work/wrong-append.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 1 ]; echo $?)" "changed command line: attestation refused (exit $client_rc)"
check "changed command line: MEASUREMENT named, expected vs got" grep -qE 'FAIL +MEASUREMENT' "$work/wrong-measurement.client"
check "changed command line: the key was not sent" grep -q 'result: refused: the disk key was not sent' "$work/wrong-measurement.client"
check "changed command line: the refusal names the word the launch lacks" \
	grep -qF 'why   MEASUREMENT matches the definition with append without "quiet" (the definition has it)' \
	"$work/wrong-measurement.client"
check "the client says loudly that the platform is simulated" grep -q 'WARNING: SIMULATED SNP PLATFORM' "$work/wrong-measurement.client"
wait_console "the owner refused the attestation" 30
ok $? "guest logged the refusal and kept waiting"

# The owner pinned a MEASUREMENT (96 hex) that is not this launch's.
wrong_m=$(printf 'ab%.0s' $(seq 48))
vmdef "$work/pinned-m.toml" "$append" "127.0.0.1:$port" connect '[expect]' "measurement = \"$wrong_m\""
client pinned-m --vm-definition "$work/pinned-m.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 1 ]; echo $?)" "wrong expected measurement: refused (exit $client_rc)"
check "wrong expected measurement: the pinned value is the expected one" grep -qE "FAIL +MEASUREMENT +expected $wrong_m" "$work/pinned-m.client"

# The host launched 1 vCPU (snp-sim measures good.toml), the owner expects 4:
# the refusal names the vCPU count, and the saved evidence explains the same.
sed 's/^vcpus = 1$/vcpus = 4/' "$work/good.toml" >"$work/vcpus.toml"
client vcpus --vm-definition "$work/vcpus.toml" --disk-key-file "$TEST_DISK_DIR/disk.key" \
	--save-evidence "$work/vcpus.evidence"
ok "$([ $client_rc = 1 ]; echo $?)" "owner expects 4 vCPUs, host launched 1: refused (exit $client_rc)"
check "4 vs 1 vCPUs: the refusal names the vCPU count" \
	grep -qF 'why   MEASUREMENT matches the definition with vcpus = 1 (definition says 4)' "$work/vcpus.client"
check "4 vs 1 vCPUs: and says which fields are not part of MEASUREMENT" \
	grep -qF 'note  not part of MEASUREMENT at all: memory size, POLICY' "$work/vcpus.client"
client vcpus-json --vm-definition "$work/vcpus.toml" --disk-key-file "$TEST_DISK_DIR/disk.key" --json
ok "$([ $client_rc = 1 ]; echo $?)" "the same with --json: refused (exit $client_rc)"
check "--json: the explanation is in the verdict" \
	grep -qF '"measurement_explanation": "MEASUREMENT matches the definition with vcpus = 1 (definition says 4)",' \
	"$work/vcpus-json.client"
"$snpboot" measure --explain "$work/vcpus.evidence" --vm-definition "$work/vcpus.toml" >"$work/vcpus.explain" 2>&1
ok "$([ $? = 1 ]; echo $?)" "measure --explain on the saved evidence: mismatch (exit 1)"
check "measure --explain names the same single change" \
	grep -qxF 'MEASUREMENT matches the definition with vcpus = 1 (definition says 4)' "$work/vcpus.explain"
"$snpboot" measure --explain "$work/vcpus.evidence" --vm-definition "$work/good.toml" >"$work/good.explain" 2>&1
ok $? "measure --explain against the launch's own definition: matches (exit 0)"

"$snpboot" snp-sim --vm-definition "$work/good.toml" --state-dir "$work/other-root" --print-anchor >/dev/null 2>&1
ANCHOR=$work/other-root/ark.pem vmdef "$work/other-root.toml" "$append" "127.0.0.1:$port" connect
client other-root --vm-definition "$work/other-root.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 1 ]; echo $?)" "chain under another root: refused (exit $client_rc)"
check "chain under another root: the chain check failed" grep -qE 'FAIL +certificate chain' "$work/other-root.client"

vmdef "$work/min-tcb.toml" "$append" "127.0.0.1:$port" connect '[expect]' 'min_tcb = { bootloader = 3, tee = 0, snp = 9, microcode = 115 }'
client min-tcb --vm-definition "$work/min-tcb.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 1 ]; echo $?)" "TCB below the definition's minimum: refused (exit $client_rc)"
check "TCB below minimum: the SNP component is named" grep -qiE 'FAIL +.*tcb.*snp' "$work/min-tcb.client"

# A relay joining two TLS sessions, then a replay of the evidence it saw. The
# guest talks only to the pinned owner key, so the relay is given it (a man in
# the middle who stole the owner's key): REPORT_DATA must still stop it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$work/mitm.key" \
	-out "$work/mitm.crt" -subj /CN=mitm -days 1 2>/dev/null
openssl req -x509 -key "$OWNER_KEY" -out "$work/owner.crt" -subj /CN=owner -days 1 2>/dev/null
owner_tls="--owner-cert $work/owner.crt --owner-key $OWNER_KEY"
mitm_port=$(free_port)
vmdef "$work/via-mitm.toml" "$append" "127.0.0.1:$mitm_port" connect
python3 "$(dirname "$0")/lib/mitm.py" relay --listen "$mitm_port" --guest "127.0.0.1:$port" $owner_tls \
	--cert "$work/mitm.crt" --key "$work/mitm.key" --save "$work/evidence.frame" >"$work/relay.mitm" 2>&1 &
mitm_pid=$!
sleep 0.5
client relay --vm-definition "$work/via-mitm.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
wait $mitm_pid
ok "$([ $client_rc = 1 ]; echo $?)" "relay between two TLS sessions: refused (exit $client_rc)"
check "relay: REPORT_DATA named" grep -qE 'FAIL +REPORT_DATA' "$work/relay.client"
check "relay: the owner answered REJECT, no key crossed the relay" grep -q 'owner answered frame type 3' "$work/relay.mitm"
mitm_port=$(free_port)
vmdef "$work/via-replay.toml" "$append" "127.0.0.1:$mitm_port" connect
python3 "$(dirname "$0")/lib/mitm.py" replay --listen "$mitm_port" --evidence "$work/evidence.frame" \
	--cert "$work/mitm.crt" --key "$work/mitm.key" >"$work/replay.mitm" 2>&1 &
mitm_pid=$!
sleep 0.5
client replay --vm-definition "$work/via-replay.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
wait $mitm_pid
ok "$([ $client_rc = 1 ]; echo $?)" "replayed EVIDENCE: refused (exit $client_rc)"
check "replay: REPORT_DATA named" grep -qE 'FAIL +REPORT_DATA' "$work/replay.client"
check "replay: the owner answered REJECT" grep -q 'owner answered frame type 3' "$work/replay.mitm"

# An owner that vanishes after the evidence, and an oversized frame.
python3 "$(dirname "$0")/lib/mitm.py" abandon --guest "127.0.0.1:$port" $owner_tls >"$work/abandon.mitm" 2>&1
check "killed owner: it had received the EVIDENCE" grep -q 'got frame type 2 from the guest' "$work/abandon.mitm"
wait_console "closed the connection while" 30
ok $? "killed owner: the guest logged it and waits for the next"
python3 "$(dirname "$0")/lib/mitm.py" oversize --guest "127.0.0.1:$port" $owner_tls >"$work/oversize.mitm" 2>&1
wait_console "HELLO frame of 70000 bytes, expected exactly 32" 30
ok $? "oversized frame: refused from its header"
# A peer's REJECT reason that would forge a console/kmsg line (which `snpboot
# timeline` parses) is not printed; a plain one is.
python3 "$(dirname "$0")/lib/mitm.py" reject --guest "127.0.0.1:$port" $owner_tls \
	--reason 'nope\n<0>snpboot: timeline: total work=1 ms FORGED' >"$work/reject-forged.mitm" 2>&1
wait_console "the owner refused the attestation (its 49-byte reason is not printable text; not shown)" 30
ok $? "a REJECT reason with a newline is not printed"
check "... and the forged line is not on the console" lacks "$console" "FORGED"
python3 "$(dirname "$0")/lib/mitm.py" reject --guest "127.0.0.1:$port" $owner_tls \
	--reason 'plain reason 4711' >"$work/reject-plain.mitm" 2>&1
wait_console "the owner refused the attestation: plain reason 4711" 30
ok $? "a printable REJECT reason is logged"
# The owner's decision (a first KDS fetch, say) has its own budget, longer
# than a protocol step's 30 s: a 35 s decision still reaches the guest.
python3 "$(dirname "$0")/lib/mitm.py" reject --guest "127.0.0.1:$port" $owner_tls --delay 35 \
	--reason 'slow owner 4712' >"$work/reject-slow.mitm" 2>&1
wait_console "the owner refused the attestation: slow owner 4712" 30
ok $? "a decision taking longer than a protocol step (35 s) is still received"

head -c 32 /dev/urandom >"$work/loose.key" && chmod 644 "$work/loose.key"
"$snpboot" client --vm-definition "$work/good.toml" --disk-key-file "$work/loose.key" >"$work/loose.out" 2>&1
ok "$([ $? = 3 ]; echo $?)" "a disk key file others can read is refused (exit 3), before any connection"
check "... saying what to do" grep -q 'must be a regular file of mode 0600 or stricter (it is 644); chmod 600 it' "$work/loose.out"
head -c 64 /dev/urandom >"$work/wrong.key" && chmod 600 "$work/wrong.key"
client wrong-key --vm-definition "$work/good.toml" --disk-key-file "$work/wrong.key"
ok "$([ $client_rc = 4 ]; echo $?)" "wrong disk key: verified, sent, the guest could not unlock (exit $client_rc)"
check "wrong disk key: the guest asks for another attempt" grep -q 'result: unlock-failed-retry' "$work/wrong-key.client"

client good --vm-definition "$work/good.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 0 ]; echo $?)" "right key: unlocked (exit $client_rc)"
check "verdict VERIFIED with MEASUREMENT and REPORT_DATA checks" \
	bash -c "grep -q 'verdict: VERIFIED' '$work/good.client' && grep -qE 'ok +MEASUREMENT' '$work/good.client' && grep -qE 'ok +REPORT_DATA' '$work/good.client'"
check "result: unlocked" grep -q 'result: unlocked' "$work/good.client"
m=$("$snpboot" measure --vm-definition "$work/good.toml")
check "snpboot measure --vm-definition predicts the verified MEASUREMENT" grep -qE "ok +MEASUREMENT +$m" "$work/good.client"
wait_guest
ok $qemu_rc "guest switched root and powered off (rc $qemu_rc)"
check "second stage read the encrypted disk" has "$console" "second-stage: nonce=$nonce"
check "the report came from the simulated platform, said loudly" grep -q 'SIMULATED' "$console"
check "the key never appears on the console" lacks "$console" "$keyhex"
check "the key never appears in client output" bash -c "! grep -qF '$keyhex' '$work'/*.client"
stop_sim

# ---- boot 2: the guest dials the owner, and only a pinned owner key is accepted ---
owner_key() { # owner_key FILE: a P-384 key (PKCS#8 PEM); prints its SPKI SHA-256
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1" 2>/dev/null
	openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -c1-64
}
pin=$(owner_key "$work/owner.pem")
owner_key "$work/intruder.pem" >/dev/null
port=$(free_port)
append="$base_append snpboot.channel.mode=connect snpboot.channel.owner_address=10.0.2.2:$port snpboot.channel.owner_key_sha256=$pin"
OWNER_KEY=$work/owner.pem vmdef "$work/dial.toml" "$append" "127.0.0.1:$port" listen
sed "s|owner.pem|intruder.pem|" "$work/dial.toml" >"$work/intruder.toml"
start_sim "$work/dial.toml" sim2
start_guest dial "$append" $(disk_args) -netdev user,id=n0 -device virtio-net-pci,netdev=n0 $(sim_args)
client intruder --vm-definition "$work/intruder.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 5 ]; echo $?)" "owner pinning: another owner key is refused in the handshake (exit $client_rc)"
check "owner pinning: the guest names the unpinned key" grep -q 'is not one of the 1 pinned keys' "$console"
client dial --vm-definition "$work/dial.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 0 ]; echo $?)" "guest dials the pinned owner: unlocked (exit $client_rc)"
check "owner pinning: the guest saw the pinned key" has "$console" "owner key pinned and matched"
wait_guest
check "guest dials the owner: second stage up" has "$console" "second-stage: nonce=$nonce"
stop_sim

# ---- boot 3: the host launched with debug on and a tampered initrd -----------------
port=$(free_port)
append="$base_append"
cp "$INITRAMFS" "$work/tampered.cpio.gz" && printf 'x' >>"$work/tampered.cpio.gz"
INITRD=$work/tampered.cpio.gz vmdef "$work/host-launched.toml" "$append" "127.0.0.1:$port" connect \
	'[policy]' 'debug = true'
vmdef "$work/owner.toml" "$append" "127.0.0.1:$port" connect
start_sim "$work/host-launched.toml" sim3
start_guest tampered "$append" $(disk_args) -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443" \
	-device virtio-net-pci,netdev=n0 $(sim_args)
client tampered --vm-definition "$work/owner.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 1 ]; echo $?)" "debug policy and tampered initrd: refused (exit $client_rc)"
check "tampered initrd: MEASUREMENT named" grep -qE 'FAIL +MEASUREMENT' "$work/tampered.client"
check "debug policy: DEBUG named" grep -qE 'FAIL +POLICY.DEBUG' "$work/tampered.client"
check "tampered initrd: no single change of the definition explains MEASUREMENT" \
	grep -qF 'why   MEASUREMENT: no single change explains it; checked: ' "$work/tampered.client"
check "debug policy: noted as not part of MEASUREMENT" \
	grep -qF "the report's POLICY 0xb0000 differs from the definition's guest_policy 0x30000, but POLICY is not part of MEASUREMENT" \
	"$work/tampered.client"
wait_console "the owner refused the attestation" 30
ok $? "guest still alive after the refusal"
stop_guest
stop_sim
done_testing
