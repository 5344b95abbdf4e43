#!/usr/bin/env bash
# The owner's side fails closed, checked from outside with the real client,
# the real snp-sim and a fake first stage (`snpboot chan-selftest
# --attest-sim`: TLS, HELLO, a snp-sim report bound to the session, EVIDENCE,
# then it says what the client sent). No QEMU.
#   - one key release per launch: a second request with the REPORT_ID that
#     was unlocked is refused before any key is sent; a new launch may ask;
#   - revocation: snp-sim's test ARK CRL is consulted; a revoked VCEK, a
#     revoked ASK and (offline) a CRL past its nextUpdate are refused;
#     check_crl = false works but says so on every run;
#   - VMPL 0 unless the definition names another;
#   - a real (simulated = false) definition needs expect.min_tcb, and
#     config-generator --min-tcb-from fills it;
#   - secrets: disk key and owner key files checked on their descriptor,
#     --disk-key-fd, no --disk-key-env;
#   - encrypt-disk leaves only 0600 files behind, whatever the umask.
set -uo pipefail
BUILD=${BUILD:-build}
SNPBOOT=${SNPBOOT:-$BUILD/host/snpboot}
SHARED=${SNPBOOT_SHARED:-../shared}
. "$(dirname "$0")/lib/tap.sh"

if [ ! -x "$SNPBOOT" ] || ! command -v python3 >/dev/null || ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP needs $SNPBOOT, python3 and openssl"
	exit 0
fi
SNPBOOT=$(realpath "$SNPBOOT")
lib=$(realpath "$(dirname "$0")/lib")
ovmf=$(realpath "$SHARED/testvectors/measurement/ovmf_AmdSev_suffix.bin")
work=$(mktemp -d)
sim_pid=
guest_pid=
cleanup() {
	[ -n "${KEEP:-}" ] && { echo "# kept $work"; return; }
	[ -n "$guest_pid" ] && kill "$guest_pid" 2>/dev/null
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
# The client's record of releases and its KDS cache live here, not in ~/.cache.
export XDG_CACHE_HOME=$work/cache

# def FILE STATE: a simulated definition trusting STATE's test root; the
# variables EXPECT, PLATFORM and CHANNEL add lines to those tables.
def() {
	local file=$1 state=$2
	cat >"$file" <<TOML
[vm]
name = "fail-closed"
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "/dev/null"
initrd = "/dev/null"
append = "console=ttyS0"
[expect]
${EXPECT:-}
[platform]
product = "milan"
trust_anchor = "$work/$state/ark.pem"
simulated = true
${PLATFORM:-}
[channel]
timeout_s = 30
${CHANNEL:-}
[sim]
state_dir = "$work/$state"
TOML
}
start_sim() { # start_sim: a new launch (a new REPORT_ID)
	stop_sim
	rm -f sim.sock
	"$SNPBOOT" snp-sim --vm-definition vm.toml --socket "$work/sim.sock" >>sim.log 2>&1 &
	sim_pid=$!
	for _ in $(seq 300); do [ -S sim.sock ] && break; sleep 0.1; done
}
stop_sim() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null; sim_pid=; }
# attempt NAME [chan-selftest args] -- [client args]: a fake first stage and
# the client facing it. Sets $rc (the client's); output in NAME.client, NAME.guest.
attempt() {
	local name=$1 port
	shift
	local gargs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do gargs+=("$1"); shift; done
	shift
	: >"$name.guest"
	"$SNPBOOT" chan-selftest --listen 127.0.0.1:0 --attest-sim "$work/sim.sock" --timeout-ms 20000 "${gargs[@]}" \
		>"$name.guest" 2>&1 &
	guest_pid=$!
	for _ in $(seq 100); do grep -q '^listening' "$name.guest" && break; sleep 0.1; done
	port=$(sed -n 's/^listening 127.0.0.1:\([0-9]*\)$/\1/p' "$name.guest")
	"$SNPBOOT" client --connect "127.0.0.1:$port" "$@" >"$name.client" 2>&1 <&-
	rc=$?
	wait "$guest_pid" 2>/dev/null
	guest_pid=
}
has() { grep -qF -- "$2" "$1"; }

head -c 32 /dev/urandom >disk.key && chmod 600 disk.key
def vm.toml state
PLATFORM='check_crl = false' def vm-nocrl.toml state

# ---- the CRL snp-sim issues ---------------------------------------------------
start_sim
cp -a state state-ask && cp -a state state-fresh # copies of the test PKI (RSA-4096 keys are slow to make)
check "snp-sim serves a fresh launch" test -S sim.sock
check "snp-sim issued its test ARK's CRL into the state directory" \
	bash -c "test -s state/crl.der && grep -q 'issued the test ARK.s CRL $work/state/crl.der listing 0 serials' sim.log"
check "it says a client of the definition would accept its reports (CRL included)" grep -q 'would accept these reports' sim.log
check "OpenSSL verifies the CRL's signature by the test ARK" \
	bash -c "openssl crl -inform der -in state/crl.der -CAfile state/ark.pem -noout 2>&1 | grep -q 'verify OK'"
check "the CRL has a nextUpdate" bash -c "openssl crl -inform der -in state/crl.der -noout -nextupdate | grep -q nextUpdate="

# ---- one release per launch ------------------------------------------------------
attempt first -- --vm-definition vm.toml --disk-key-file disk.key
is "$rc" 0 "first request of the launch: unlocked (client exit $rc)"
check "... the CRL from snp-sim's state directory was consulted" \
	bash -c "grep -qF 'CRL from $work/state/crl.der' first.client && grep -qE 'ok +certificate chain.*CRL checked' first.client"
check "... the fake guest received the key" has first.guest "disk key received 32 bytes"
rid=$(sed -n 's/^report-id //p' first.guest)
record=$(ls cache/snpboot/releases/*.log 2>/dev/null)
check "... the release is recorded with its REPORT_ID" grep -q "^$rid [0-9T:-]*Z fail-closed\$" "$record"
is "$(stat -c %a cache/snpboot/releases) $(stat -c %a "$record")" "700 600" "record directory 0700, record 0600"

attempt again -- --vm-definition vm.toml --disk-key-file disk.key
is "$rc" 1 "second request with the same REPORT_ID: refused (client exit $rc)"
is "$(sed -n 's/^report-id //p' again.guest)" "$rid" "... snp-sim gave the same launch the same REPORT_ID"
check "... saying why, expected vs got" grep -qF "REPORT_ID $rid: expected a launch that has not received the disk key, got one whose guest already reported \"unlocked\"" again.client
check "... and that only code after switch_root can ask again" has again.client "a second request in the same launch can only come from code after switch_root"
check "... no key reached the guest, which was told why" \
	bash -c "! grep -q 'disk key received' again.guest && grep -q '^owner refused: one key release per launch' again.guest"
check "... the verdict still lists every check as passed" grep -q 'verdict: VERIFIED' again.client

# ---- VMPL -------------------------------------------------------------------------
attempt vmpl1 --vmpl 1 -- --vm-definition vm.toml --disk-key-file disk.key
is "$rc" 1 "a report from VMPL 1, the definition names none: refused (exit $rc)"
check "... VMPL expected 0 (the default), got 1" \
	bash -c "grep -A1 -E 'FAIL +VMPL +expected 0 \(the default; \[expect\] vmpl names another\)' vmpl1.client | grep -qE '^ +got +1\$'"
check "... the key was not sent" bash -c "! grep -q 'disk key received' vmpl1.guest"
EXPECT='vmpl = 1' def vm-vmpl1.toml state
start_sim
attempt vmpl1-named --vmpl 1 -- --vm-definition vm-vmpl1.toml --disk-key-file disk.key
is "$rc" 0 "the same from a definition naming vmpl = 1: unlocked (exit $rc)"

# ---- a new launch, check_crl = false, the key from a descriptor -----------------
start_sim
attempt nocrl -- --vm-definition vm-nocrl.toml --disk-key-fd 3 3<disk.key
is "$rc" 0 "a new launch may unlock again; check_crl = false, key from --disk-key-fd 3 (exit $rc)"
check "... the key came through the descriptor" has nocrl.guest "disk key received 32 bytes"
check "... and the client says no CRL was consulted" \
	bash -c "grep -qF 'WARNING: [platform] check_crl = false: no CRL was consulted' nocrl.client && grep -qE 'ok +certificate chain.*no CRL consulted' nocrl.client"
check "... a new REPORT_ID" bash -c "[ \"\$(sed -n 's/^report-id //p' nocrl.guest)\" != '$rid' ]"

# ---- revocation -----------------------------------------------------------------
start_sim
def vm-ask.toml state-ask
"$SNPBOOT" snp-sim --vm-definition vm-ask.toml --revoke ask >revoke-ask.out 2>revoke-ask.err
ok $? "snp-sim --revoke ask"
ask_serial=$(sed -n 's/^revoked ASK serial \([0-9a-f]*\) in .*/\1/p' revoke-ask.out)
attempt ask -- --vm-definition vm-ask.toml --disk-key-file disk.key
is "$rc" 1 "a CRL listing the ASK's serial: refused (exit $rc)"
check "... the chain check names the revoked ASK" \
	bash -c "grep -A1 -E 'FAIL +certificate chain' ask.client | grep -qE \"got +ASK serial $ask_serial: revoked by the ARK's CRL\""
check "... the key was not sent" bash -c "! grep -q 'disk key received' ask.guest"

"$SNPBOOT" snp-sim --vm-definition vm.toml --revoke vcek >revoke-vcek.out 2>revoke-vcek.err
ok $? "snp-sim --revoke vcek"
vcek_serial=$(sed -n 's/^revoked VCEK serial \([0-9a-f]*\) in .*/\1/p' revoke-vcek.out)
check "... the CRL lists exactly that serial (OpenSSL)" \
	bash -c "openssl crl -inform der -in state/crl.der -noout -text | tr -d ' \n' | grep -qi 'SerialNumber:$vcek_serial'"
check "... the serial is the VCEK's (OpenSSL)" \
	bash -c "openssl x509 -inform der -in state/vcek.der -noout -serial | grep -qix 'serial=$vcek_serial'"
attempt vcek -- --vm-definition vm.toml --disk-key-file disk.key
is "$rc" 1 "a CRL listing the VCEK's serial: refused (exit $rc)"
check "... the chain check names the revoked VCEK" \
	bash -c "grep -A1 -E 'FAIL +certificate chain' vcek.client | grep -qE \"got +VCEK serial $vcek_serial: revoked by the ARK's CRL\""
check "... the guest was told why and got no key" \
	bash -c "grep -q \"^owner refused: attestation refused: certificate chain: .*VCEK serial $vcek_serial: revoked\" vcek.guest && ! grep -q 'disk key received' vcek.guest"
stop_sim

# A CRL past its nextUpdate (snp-sim's are valid 7 days): checked 8 days from now.
def vm-fresh.toml state-fresh
"$SNPBOOT" snp-sim --vm-definition vm-fresh.toml --socket "$work/fresh.sock" --once >fresh.log 2>&1 &
sim_pid=$!
for _ in $(seq 600); do [ -S fresh.sock ] && break; sleep 0.1; done
rd=$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')
timeout 30 python3 "$lib/sim_request.py" "$work/fresh.sock" report.bin "$rd" || stop_sim
wait $sim_pid 2>/dev/null
sim_pid=
"$SNPBOOT" report verify report.bin --cert-table report.bin.certs --vm-definition vm-fresh.toml --report-data "$rd" \
	>now.out 2>&1
ok $? "report verify --vm-definition: the report verifies today with snp-sim's CRL"
"$SNPBOOT" report verify report.bin --cert-table report.bin.certs --vm-definition vm-fresh.toml --report-data "$rd" \
	--now $(($(date +%s) + 8 * 86400)) >stale.out 2>&1
is "$?" 1 "... 8 days later its CRL is stale: refused"
check "... saying now is after nextUpdate" grep -qE 'FAIL +certificate chain.*CRL: stale: now .* is after nextUpdate' stale.out
mv state-fresh/crl.der state-fresh/crl.der.away
"$SNPBOOT" report verify report.bin --cert-table report.bin.certs --vm-definition vm-fresh.toml --report-data "$rd" \
	>nocrl.out 2>&1
is "$?" 1 "no CRL at all: refused"
check "... saying where it looked and that one is required" \
	bash -c "grep -qF 'no CRL: none in $work/state-fresh/crl.der' nocrl.out && grep -qE 'FAIL +certificate chain.*CRL: required but none given' nocrl.out"

# ---- a real definition needs a minimum TCB ------------------------------------------
cat >real.toml <<TOML
[vm]
name = "real"
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "/dev/null"
initrd = "/dev/null"
append = "console=ttyS0"
[platform]
product = "milan"
TOML
"$SNPBOOT" client --vm-definition real.toml --disk-key-file disk.key >real.out 2>&1
is "$?" 3 "client with a real definition without expect.min_tcb: refused before connecting (exit 3)"
check "... saying what is missing and how to fix it" \
	bash -c "grep -qF 'real.toml: [expect] min_tcb is required for a real platform (simulated = false), got none' real.out && grep -qF 'config-generator --min-tcb-from FILE' real.out"
"$SNPBOOT" report verify report.bin --cert-table report.bin.certs --vm-definition real.toml --report-data any >real-rv.out 2>&1
is "$?" 3 "report verify with it: refused too (exit 3)"
"$SNPBOOT" config-generator --check real.toml --no-files >real.check 2>&1
is "$?" 1 "config-generator --check: an error (exit 1)"
check "... named with its fix" bash -c "grep -qE 'real.toml: error: no expect.min_tcb' real.check && grep -q 'fix: .*--min-tcb-from FILE' real.check"
"$SNPBOOT" config-generator --name real --ovmf "$ovmf" --kernel /dev/null --product milan \
	--owner-key owner.pem --min-tcb-from state/vcek.der --output gen.toml 2>gen.err
ok $? "config-generator --min-tcb-from a VCEK"
check "... names the values it wrote" \
	grep -qF "expect.min_tcb = bootloader=3,tee=0,snp=8,microcode=115 (the TCB extensions of a VCEK for Milan-B0 in state/vcek.der)" gen.err
check "... into the definition" grep -qx 'min_tcb = { bootloader = 3, tee = 0, snp = 8, microcode = 115 }' gen.toml
"$SNPBOOT" config-generator --name real --ovmf "$ovmf" --kernel /dev/null --min-tcb-from report.bin \
	--output gen2.toml 2>gen2.err
ok $? "config-generator --min-tcb-from a report"
check "... its REPORTED_TCB" grep -qF "(REPORTED_TCB of a version 2 report in report.bin)" gen2.err
"$SNPBOOT" config-generator --check gen.toml --no-files >gen.check 2>&1
check "... and --check no longer reports the error (the owner key named, not read)" bash -c "grep -q ' 0 errors' gen.check"

# ---- a real definition: the product's CRL from KDS, cached --------------------------
# A local stand-in for KDS (no Internet here) serving a CRL at AMD's path. The
# fake guest's report is under the test root, so the chain check itself fails
# afterwards: what is checked here is that the CRL was fetched and cached first.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=kds test CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -keyout srv.key -out srv.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >srv.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile srv.ext -out srv.pem 2>/dev/null
mkdir -p kds/vcek/v1/Milan && cp state-fresh/crl.der.away kds/vcek/v1/Milan/crl
python3 "$lib/kds_server.py" "$work/kds" srv.pem srv.key kds.port kds.log normal >kds.out 2>&1 &
kds_pid=$!
for _ in $(seq 100); do [ -s kds.port ] && break; sleep 0.1; done
kds=(--cache "$work/kds-cache" --kds-url "https://localhost:$(cat kds.port)" --ca-file "$work/ca.pem")
cat >real-tcb.toml <<TOML
$(cat real.toml)
[expect]
min_tcb = { bootloader = 3, tee = 0, snp = 8, microcode = 115 }
TOML
start_sim
attempt kdscrl -- --vm-definition real-tcb.toml --disk-key-file disk.key "${kds[@]}"
is "$rc" 1 "real definition, certificates from the guest's table: refused (the test root is not AMD's)"
check "... but first the product's CRL was fetched from KDS" \
	bash -c "grep -q '^GET /vcek/v1/Milan/crl\$' kds.log && grep -qF 'CRL: fetched https://localhost' kdscrl.client"
check "... into the cache" cmp -s kds-cache/Milan/crl.der state-fresh/crl.der.away
attempt kdscrl2 -- --vm-definition real-tcb.toml --disk-key-file disk.key "${kds[@]}"
is "$(grep -c 'crl$' kds.log)" 1 "a second run uses the cached CRL (still before its nextUpdate): no new request"
check "... and says so" grep -qF "CRL: cached $work/kds-cache/Milan/crl.der" kdscrl2.client
touch -d '2 days ago' kds-cache/Milan/crl.der
attempt kdscrl3 -- --vm-definition real-tcb.toml --disk-key-file disk.key "${kds[@]}"
is "$(grep -c 'crl$' kds.log)" 2 "a cached CRL older than a day is fetched again"
kill "$kds_pid" 2>/dev/null
wait "$kds_pid" 2>/dev/null
touch -d '2 days ago' kds-cache/Milan/crl.der
attempt kdscrl4 -- --vm-definition real-tcb.toml --disk-key-file disk.key "${kds[@]}"
check "KDS gone, the cached CRL still before its nextUpdate: kept, with a warning" \
	bash -c "grep -q 'warning: cannot refresh the CRL (.*); keeping the cached one' kdscrl4.client && grep -qF 'CRL: cached $work/kds-cache/Milan/crl.der' kdscrl4.client"
rm -rf kds-cache
attempt kdsdown -- --vm-definition real-tcb.toml --disk-key-file disk.key "${kds[@]}"
is "$rc" 1 "KDS unreachable and no cached CRL: refused"
check "... saying why there is no CRL" grep -qF 'no CRL: no usable CRL for Milan from KDS: ' kdsdown.client
check "... and no key was sent" bash -c "! grep -q 'disk key received' kdsdown.guest"
stop_sim

# ---- secrets -------------------------------------------------------------------------
"$SNPBOOT" client --vm-definition vm.toml --disk-key-env KEY >env.out 2>&1
is "$?" 2 "--disk-key-env is gone (usage error)"
ln -s disk.key link.key
"$SNPBOOT" client --vm-definition vm.toml --disk-key-file link.key >link.out 2>&1
is "$?" 3 "a symlinked disk key file: refused (exit 3)"
check "... naming the file itself is asked for" grep -qF 'disk key file link.key: is a symbolic link: name the file itself' link.out
cp disk.key loose.key && chmod 640 loose.key
"$SNPBOOT" client --vm-definition vm.toml --disk-key-fd 4 4<loose.key >loosefd.out 2>&1
is "$?" 3 "a group-readable key file on --disk-key-fd: refused (exit 3)"
check "... with the mode and the fix" grep -qF 'disk key on descriptor 4: must be a regular file of mode 0600 or stricter (it is 640); chmod 600 it' loosefd.out
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out owner.pem 2>/dev/null && chmod 644 owner.pem
CHANNEL="owner_key = \"$work/owner.pem\"" def vm-owner.toml state
"$SNPBOOT" client --vm-definition vm-owner.toml --disk-key-file disk.key >owner.out 2>&1
is "$?" 3 "an owner key others can read: refused (exit 3)"
check "... with the mode and the fix" grep -qF "owner key $work/owner.pem: must be a regular file of mode 0600 or stricter (it is 644); chmod 600 it" owner.out

# ---- encrypt-disk leaves only 0600 files, even with umask 022 ------------------------
if command -v cryptsetup >/dev/null && command -v qemu-img >/dev/null && command -v mkfs.ext4 >/dev/null; then
	mkdir enc && truncate -s 40M enc/plain.img && mkfs.ext4 -q -F enc/plain.img
	qemu-img convert -O qcow2 enc/plain.img enc/plain.qcow2
	before=$(ls enc)
	(umask 022 && exec "$SNPBOOT" encrypt-disk --generate-key enc/disk.key enc/plain.qcow2 enc/out.qcow2) \
		>enc.out 2>&1 &
	pid=$!
	# Catch it while its plaintext work copy exists (made by qemu-img), then finish it.
	for _ in $(seq 400); do ls enc | grep -q snpboot- && break; kill -0 $pid 2>/dev/null || break; sleep 0.02; done
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	left=$(cd enc && for f in $(ls); do echo "$before" | grep -qx "$f" || stat -c '%a %n' "$f"; done)
	echo "$left" | diag
	ok "$([ -n "$left" ] && ! echo "$left" | grep -qv '^600 '; echo $?)" "killed midway: every file it left is 0600"
	# A helper of the killed run (qemu-img) may still hold the directory's lock
	# for a moment: the command says so; wait as it asks.
	for _ in $(seq 20); do
		(umask 022 && exec "$SNPBOOT" encrypt-disk --generate-key enc/disk.key enc/plain.qcow2 enc/out.qcow2) \
			>enc2.out 2>&1
		erc=$?
		grep -q 'is working in' enc2.out || break
		sleep 1
	done
	ok $erc "the same command finishes (reusing the key it made, if it got that far)"
	[ $erc = 0 ] || diag <enc2.out
	left=$(cd enc && for f in $(ls); do echo "$before" | grep -qx "$f" || stat -c '%a %n' "$f"; done)
	echo "$left" | diag
	ok "$(echo "$left" | grep -qx '600 disk.key' && echo "$left" | grep -qx '600 out.qcow2' &&
		! echo "$left" | grep -qv '^600 ' && ! echo "$left" | grep -q snpboot-work; echo $?)" \
		"done: the key and the output are 0600, the work file is gone, anything else left is 0600"
else
	ok 0 "# SKIP encrypt-disk modes: needs cryptsetup, qemu-img and mkfs.ext4"
fi
done_testing
