#!/usr/bin/env bash
# Platforms that are wrong on purpose (snp-sim --fault), in one boot of the
# production image whose first stage listens for its owner:
#  - a VCEK certificate issued for another CHIP_ID, then for another TCB: the
#    reports are still signed by that VCEK's key and the chain is intact, so
#    only the VCEK-vs-report comparison can catch them; the client must refuse
#    and name the field, and the guest must keep waiting;
#  - reports without a certificate table (hosts often supply none): the client
#    refuses to guess, KDS answering 429 is a network failure (exit 5), and
#    with --kds it fetches the chain and the VCEK from a local HTTPS server laid
#    out like AMD KDS, verifies everything, and the guest unlocks.
# snp-sim is restarted on the same socket between cases; QEMU reconnects.
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/lib/kds.sh"

port=$(free_port)
append="$base_append"
vmdef "$work/vm.toml" "$append" "127.0.0.1:$port" connect
sock=$work/faults.sock
sim_pid=
sim() { # sim FAULT: (re)starts snp-sim on $sock; waits until QEMU is connected unless no guest runs yet
	[ -n "$sim_pid" ] && stop_sim
	rm -f "$sock"
	"$snpboot" snp-sim --vm-definition "$work/vm.toml" --socket "$sock" --fault "$1" >"$work/sim-$1.log" 2>&1 &
	sim_pid=$!
	for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -z "${guest_pid:-}" ] && return 0
	for _ in $(seq 300); do grep -q 'client connected' "$work/sim-$1.log" && return 0; sleep 0.1; done
	return 1
}
key=$TEST_DISK_DIR/disk.key

sim vcek-other-chip
check "snp-sim announces the fault" grep -q 'TEST FAULT vcek-other-chip' "$work/sim-vcek-other-chip.log"
check "snp-sim's own self-check refuses the faulty platform" grep -q 'as intended, the self-check refuses' "$work/sim-vcek-other-chip.log"
start_guest faults "$append" $(disk_args) -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443" \
	-device virtio-net-pci,netdev=n0 $(sim_args)
wait_console "channel: listening on port 7443" 120
ok $? "guest waits for its owner"

client chip --vm-definition "$work/vm.toml" --disk-key-file "$key"
ok "$([ $client_rc = 1 ]; echo $?)" "VCEK for another CHIP_ID: attestation refused (exit $client_rc)"
check "... CHIP_ID named, expected (the VCEK's hwID) vs got" grep -qE 'FAIL +CHIP_ID' "$work/chip.client"
check "... the chain and the report signature themselves passed" bash -c \
	"grep -qE 'ok +certificate chain' '$work/chip.client' && grep -qE 'ok +SIGNATURE' '$work/chip.client'"
check "... the key was not sent" grep -q 'result: refused: the disk key was not sent' "$work/chip.client"
wait_console "the owner refused the attestation" 30
ok $? "... the guest logged the refusal and keeps waiting"

sim vcek-other-tcb
ok $? "snp-sim restarted with a VCEK for another TCB; QEMU reconnected"
client tcb --vm-definition "$work/vm.toml" --disk-key-file "$key"
ok "$([ $client_rc = 1 ]; echo $?)" "VCEK for another TCB: attestation refused (exit $client_rc)"
check "... REPORTED_TCB.snp named against the VCEK's snpSPL" grep -qE 'FAIL +REPORTED_TCB.snp .*VCEK snpSPL' "$work/tcb.client"
check "... CHIP_ID itself matched" grep -qE 'ok +CHIP_ID' "$work/tcb.client"

sim no-cert-table
ok $? "snp-sim restarted without certificate tables; QEMU reconnected"
client nocerts --vm-definition "$work/vm.toml" --disk-key-file "$key"
ok "$([ $client_rc = 3 ]; echo $?)" "no certificates anywhere: the client refuses to verify (exit $client_rc)"
check "... and says where certificates could come from" grep -q 'neither --certs, \[platform\] certs nor --kds' "$work/nocerts.client"

# A local KDS serving snp-sim's TEST chain and VCEK at AMD's paths.
kds_pki "$work/pki"
chip=$(cat "$sim_state/chip_id")
rm -rf "$work/kds" "$work/kds-cache"
mkdir -p "$work/kds/vcek/v1/Milan"
cp "$sim_state/cert_chain.pem" "$work/kds/vcek/v1/Milan/cert_chain"
cp "$sim_state/vcek.der" "$work/kds/vcek/v1/Milan/$chip"
kds_args() { echo --kds --cache "$work/kds-cache" --kds-url "https://localhost:$1" --ca-file "$work/pki/ca.pem"; }

kds_serve busy "$work/kds" 429
client kds-busy --vm-definition "$work/vm.toml" --disk-key-file "$key" $(kds_args "$port")
ok "$([ $client_rc = 5 ]; echo $?)" "KDS rate-limiting: a network failure (exit $client_rc), nothing verified"
check "... the client says rate-limited" grep -q 'rate-limited' "$work/kds-busy.client"

kds_serve kds "$work/kds" normal
client kds --vm-definition "$work/vm.toml" --disk-key-file "$key" $(kds_args "$port")
ok $client_rc "with --kds: certificates fetched over HTTPS, verified, key released (exit $client_rc)"
[ $client_rc = 0 ] || diag <"$work/kds.client"
check "... KDS was asked for this chip's VCEK at the report's TCB" grep -qE "GET /vcek/v1/Milan/$chip\?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115" "$work/kds.log"
check "... every check passed, the chain under the definition's (test) root" grep -qE 'ok +certificate chain' "$work/kds.client"
check "... the fetched VCEK is cached per chip and TCB" test -f "$work/kds-cache/Milan/$chip-0300000000000873/vcek.der"
wait_guest
stop_sim
check "the second stage ran" has "$console" "second-stage: nonce=$nonce"
check "the disk key never reached the console" lacks "$console" "$keyhex"
check "... nor any client output" bash -c "! grep -qF '$keyhex' '$work'/*.client"
done_testing
