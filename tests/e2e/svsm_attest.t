#!/usr/bin/env bash
# The SVSM's service attestation, end to end, in one boot: the production
# initramfs asks (boot config, here on the measured command line) for the
# vTPM service attestation; snp-sim plays a COCONUT-SVSM at VMPL 0 whose
# report binds SHA-512(session binding || manifest), the manifest being the
# simulated vTPM's endorsement key (a TPMT_PUBLIC). The owner's definition
# says [svsm] attest_services = true. Attacks first, while the guest waits:
# a host swapping the manifest (the guest refuses to send it), a definition
# pinning another vTPM EK, a definition that expects no SVSM service (both
# refused by the client); then the right definition unlocks the disk.
# An SVSM launch measures no kernel hashes, so the definitions name the
# MEASUREMENT this TCG launch gets (snpboot measure of the same launch
# without [svsm]) in [expect] and in [sim].
. "$(dirname "$0")/lib/e2e.sh"
vtpm=c476f1eb-0123-45a5-9641-b4e7dde5bfe3
port=$(free_port)
append="$base_append snpboot.attestation.service_provider=svsm snpboot.attestation.service_guid=$vtpm"
vmdef "$work/plain.toml" "$append" "127.0.0.1:$port" connect
m=$("$snpboot" measure --vm-definition "$work/plain.toml")
check "the launch's MEASUREMENT computed" test ${#m} = 96
head -c 8192 /dev/zero >"$work/svsm.bin"
svsm_def() { # svsm_def FILE [SVSM KEY LINES...]
	local file=$1
	shift
	vmdef "$file" "$append" "127.0.0.1:$port" connect "measurement = \"$m\"" '[expect]' "measurement = \"$m\"" \
		'[svsm]' "image = \"$work/svsm.bin\"" 'ovmf_vars_size = 540672' "$@"
}
svsm_def "$work/svsm.toml" 'attest_services = true' "service_guid = \"$vtpm\""

# The host's simulated SVSM hands over another manifest than its report binds.
"$snpboot" snp-sim --vm-definition "$work/plain.toml" --socket "$work/refused.sock" \
	--fault svsm-manifest-mismatch >"$work/refused.sim.log" 2>&1
ok "$([ $? = 3 ]; echo $?)" "snp-sim: the manifest fault needs [svsm] attest_services (exit 3)"
sock=$work/sim.sock
rm -f "$sock"
"$snpboot" snp-sim --vm-definition "$work/svsm.toml" --socket "$sock" --fault svsm-manifest-mismatch \
	>"$work/tamper.sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.1; done
check "snp-sim announces the test fault" grep -q 'TEST FAULT svsm-manifest-mismatch' "$work/tamper.sim.log"
start_guest svsm "$append" $(disk_args) -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443" \
	-device virtio-net-pci,netdev=n0 $(sim_args)
wait_console "channel: listening on port 7443" 120
ok $? "guest waits for its owner"
client tamper --vm-definition "$work/svsm.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 5 ]; echo $?)" "swapped manifest: the guest sends no evidence (client exit $client_rc)"
wait_console "is not SHA-512(nonce || the 122-byte service manifest)" 30
ok $? "swapped manifest: the guest names REPORT_DATA vs the manifest"
check "the guest asked for the SVSM's vTPM service attestation" \
	has "$console" "the SVSM's service attestation (service $vtpm, manifest version 0)"
check "swapped manifest: no evidence left the guest" lacks "$console" "channel: evidence sent"
stop_sim

# From here on an honest simulated SVSM, on the same port (QEMU reconnects).
rm -f "$sock"
"$snpboot" snp-sim --vm-definition "$work/svsm.toml" --socket "$sock" >"$work/sim.sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.1; done
ek=$(sed -n 's/.*vTPM service attestation, EK SHA-256 \([0-9a-f]\{64\}\).*/\1/p' "$work/sim.sim.log")
check "snp-sim prints its simulated vTPM EK" test ${#ek} = 64
sleep 2

other=$(printf '%s' "$ek" | tr '0-9a-f' '1-9a-f0')
svsm_def "$work/other-ek.toml" 'attest_services = true' "service_guid = \"$vtpm\"" "vtpm_ek_sha256 = \"$other\""
client other-ek --vm-definition "$work/other-ek.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 1 ]; echo $?)" "another vTPM EK pinned: refused (exit $client_rc)"
check "another vTPM EK: expected the pin, got the EK" bash -c \
	"grep -qE 'FAIL +vTPM EK SHA-256 +expected $other ' '$work/other-ek.client' &&
	 grep -A1 'FAIL  vTPM EK' '$work/other-ek.client' | grep -qE 'got +$ek \(TPMT_PUBLIC, ECC NIST P-256'"
check "another vTPM EK: the key was not sent" grep -q 'result: refused: the disk key was not sent' "$work/other-ek.client"
wait_console "the owner refused the attestation" 30
ok $? "the guest logged the refusal and kept waiting"

vmdef "$work/no-svsm.toml" "$append" "127.0.0.1:$port" connect "measurement = \"$m\"" '[expect]' "measurement = \"$m\""
client no-svsm --vm-definition "$work/no-svsm.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 1 ]; echo $?)" "a manifest the definition does not expect: refused (exit $client_rc)"
check "no [svsm]: the SVSM manifest named" grep -qE 'FAIL +SVSM manifest +expected none' "$work/no-svsm.client"

svsm_def "$work/pinned.toml" 'attest_services = true' "service_guid = \"$vtpm\"" "vtpm_ek_sha256 = \"$ek\""
client good --vm-definition "$work/pinned.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$([ $client_rc = 0 ]; echo $?)" "the SVSM's vTPM attestation with the pinned EK: unlocked (exit $client_rc)"
check "VMPL 0, REPORT_DATA over binding and manifest, the EK pin" bash -c \
	"grep -qE 'ok +VMPL +0$' '$work/good.client' && grep -qE 'ok +REPORT_DATA' '$work/good.client' &&
	 grep -qE 'ok +SVSM manifest' '$work/good.client' && grep -qE 'ok +vTPM EK SHA-256 +$ek ' '$work/good.client'"
check "result: unlocked" grep -q 'result: unlocked' "$work/good.client"
check "snp-sim served the vTPM service attestation" grep -q "simulated SVSM's vTPM service attestation" "$work/sim.sim.log"
wait_guest
ok $qemu_rc "guest switched root and powered off (rc $qemu_rc)"
check "second stage read the encrypted disk" has "$console" "second-stage: nonce=$nonce"
check "the guest checked the manifest binding itself" has "$console" "service manifest is bound by REPORT_DATA (checked)"
check "the key never appears on the console" lacks "$console" "$keyhex"
stop_sim
done_testing
