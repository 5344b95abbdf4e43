#!/usr/bin/env bash
# snp-sim as a program, checked from outside: a fresh test PKI (made in a
# temporary directory every run), its chain verified by OpenSSL, reports
# fetched over the unix socket by a small Python client and verified by
# `snpboot report verify` with the MEASUREMENT from `snpboot measure` and by
# OpenSSL (ECDSA P-384 over bytes 0x000-0x29F with the VCEK's key),
# malformed requests that leave it serving, --once, SIGTERM. No QEMU.
set -uo pipefail
BUILD=${BUILD:-build}
SNPBOOT=${SNPBOOT:-$BUILD/host/snpboot}
SHARED=${SNPBOOT_SHARED:-../shared}
. "$(dirname "$0")/lib/tap.sh"

if [ ! -x "$SNPBOOT" ] || ! command -v openssl >/dev/null || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs $SNPBOOT, openssl and python3"
	exit 0
fi
SNPBOOT=$(realpath "$SNPBOOT")
ovmf=$(realpath "$SHARED/testvectors/measurement/ovmf_AmdSev_suffix.bin")
work=$(mktemp -d)
sim_pid=
cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# vmdef FILE APPEND: a definition trusting the simulator's root in $work/state.
vmdef() {
	cat >"$1" <<TOML
[vm]
name = "sim-e2e"
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "/dev/null"
initrd = "/dev/null"
append = "$2"
[platform]
product = "milan"
trust_anchor = "state/ark.pem"
simulated = true
[sim]
state_dir = "state"
TOML
}

# The client: `client.py SOCKET MODE OUT` sends requests and writes what came back.
cat >"$work/client.py" <<'PY'
import socket, struct, sys
sock, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
def req(vmpl=0, rd=bytes(range(64)), magic=b"SNPQ", ver=2):
    # version 2: no service (0), zero GUID, manifest version 0
    return magic + struct.pack("<II", ver, vmpl) + rd + struct.pack("<I", 0) + bytes(16) + struct.pack("<I", 0)
def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed after %d of %d bytes" % (len(b), n))
        b += c
    return b
def response(s):
    magic, st, rl, cl, mfl, ml = struct.unpack("<4sIIIII", recv_exact(s, 24))
    assert magic == b"SNPR", magic
    body = recv_exact(s, rl + cl + mfl + ml)
    return st, body[:rl], body[rl:rl + cl], body[rl + cl + mfl:].decode()
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
if mode == "report":
    s.sendall(req())
    st, rep, certs, msg = response(s)
    open(out + ".report", "wb").write(rep)
    open(out + ".certs", "wb").write(certs)
    # The signature for OpenSSL: DER SEQUENCE { INTEGER r, INTEGER s } from the LE fields.
    def der_int(v):
        b = v.to_bytes((v.bit_length() + 8) // 8, "big")
        return b"\x02" + bytes([len(b)]) + b
    r = int.from_bytes(rep[0x2A0:0x2A0 + 72], "little")
    t = int.from_bytes(rep[0x2A0 + 72:0x2A0 + 144], "little")
    seq = der_int(r) + der_int(t)
    open(out + ".sig", "wb").write(b"\x30" + bytes([len(seq)]) + seq)
    open(out + ".signed", "wb").write(rep[:0x2A0])
    print(st, len(rep), len(certs))
elif mode == "vmpl":
    s.sendall(req(vmpl=9))
    st, _, _, msg = response(s)
    s.sendall(req(vmpl=1))
    print(st, response(s)[0], msg)
elif mode == "garbage":
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    st, _, _, msg = response(s)
    try:
        closed = s.recv(1) == b""
    except ConnectionResetError:
        closed = True
    print(st, "closed" if closed else "open", msg)
elif mode == "half":
    s.sendall(req()[:30])
    print("sent half")
PY

cd "$work" || exit 1
vmdef vm.toml "console=ttyS0 loglevel=7"

# ---- the test PKI ------------------------------------------------------------------
"$SNPBOOT" snp-sim --vm-definition vm.toml --print-anchor >anchor.out 2>pki.err
ok $? "--print-anchor creates the test PKI"
[ "$(cat anchor.out)" = "$work/state/ark.pem" ]
ok $? "--print-anchor prints the anchor path"
check "RSA-4096 key generation reported with progress" grep -q 'generating the test ARK key (RSA-4096' pki.err
check "loud banner" grep -q 'SIMULATED SNP PLATFORM - TEST KEYS - PROVES NOTHING ABOUT REAL HARDWARE' pki.err
[ "$(stat -c %a state)" = 700 ] && [ "$(stat -c %a state/ark.key)" = 600 ] && [ "$(stat -c %a state/vcek.key)" = 600 ]
ok $? "state directory 0700, private keys 0600"
openssl x509 -inform der -in state/vcek.der -out vcek.pem
check "OpenSSL verifies ARK -> ASK -> VCEK (RSA-PSS)" openssl verify -CAfile state/ark.pem -untrusted state/ask.pem vcek.pem
check "cert_chain.pem is ASK then ARK, as KDS serves it" \
	bash -c "cat state/ask.pem state/ark.pem | cmp -s - state/cert_chain.pem"
check "names say SNPBOOT TEST ONLY" bash -c "openssl x509 -in state/ark.pem -noout -subject | grep -q 'ARK-Milan SNPBOOT-TEST-ONLY'"
openssl asn1parse -inform der -in state/vcek.der >vcek.asn1
check "VCEK carries AMD's extensions (productName Milan-B0, ucodeSPL 115, hwID)" \
	bash -c "grep -q '1.3.6.1.4.1.3704.1.2' vcek.asn1 && grep -A1 '3704.1.3.8\$' vcek.asn1 | grep -q ':020173' &&
		grep -A1 '3704.1.4\$' vcek.asn1 | grep -q 'l=  64'"
openssl rsa -in state/ark.key -check -noout >/dev/null 2>&1
ok $? "OpenSSL reads the stored ARK key"
"$SNPBOOT" snp-sim --vm-definition vm.toml --print-anchor >/dev/null 2>again.err
check "a second run loads the PKI instead of making a new one" \
	bash -c "grep -q 'loaded the test PKI' again.err && ! grep -q generating again.err"

# ---- serving -------------------------------------------------------------------------
"$SNPBOOT" snp-sim --vm-definition vm.toml --socket sim.sock --timeout-s 1 >sim.out 2>sim.err &
sim_pid=$!
for _ in $(seq 100); do [ -S sim.sock ] && break; sleep 0.1; done
check "serving on the socket" test -S sim.sock
check "self-check passed before serving" grep -q 'self-check passed' sim.err
check "says a client of the definition would accept" grep -q 'would accept these reports' sim.err
"$SNPBOOT" snp-sim --vm-definition vm.toml --socket sim.sock >second.out 2>second.err
[ $? = 1 ] && grep -q 'another process is serving' second.err
ok $? "a second simulator on the same socket is refused"

python3 client.py sim.sock report r1 >r1.out 2>&1
[ "$(cat r1.out)" = "0 1184 $(stat -c %s r1.certs 2>/dev/null)" ]
ok $? "report and certificate table received ($(cat r1.out))"
m=$("$SNPBOOT" measure --ovmf "$ovmf" --kernel /dev/null --initrd /dev/null --append "console=ttyS0 loglevel=7")
"$SNPBOOT" report verify r1.report --cert-table r1.certs --trust-anchor state/ark.pem --product milan \
	--measurement "$m" --report-data "$(python3 -c 'print(bytes(range(64)).hex())')" >verify.out 2>&1
ok $? "snpboot report verify accepts it with the MEASUREMENT of snpboot measure"
"$SNPBOOT" report verify r1.report --cert-table r1.certs --measurement "$m" --report-data any >pinned.out 2>&1
[ $? = 1 ] && grep -q 'not the pinned AMD Milan root' pinned.out
ok $? "without the trust anchor (AMD's pinned roots) it is refused"
openssl x509 -in vcek.pem -pubkey -noout >vcek.pub
check "OpenSSL verifies the report signature with the VCEK key" \
	openssl dgst -sha384 -verify vcek.pub -signature r1.sig r1.signed
check "request logged with VMPL, REPORT_DATA and MEASUREMENT" \
	grep -q "report for VMPL 0, REPORT_DATA 0001020304050607..., MEASUREMENT ${m:0:16}" sim.err

out=$(python3 client.py sim.sock vmpl x 2>&1)
[ "$out" = "2 0 VMPL 9: expected 0..3" ]
ok $? "VMPL 9 refused, the next request on the connection served ($out)"
out=$(python3 client.py sim.sock garbage x 2>&1)
[[ "$out" == "1 closed request does not start with \"SNPQ\"" ]]
ok $? "garbage: error response, connection closed ($out)"
python3 client.py sim.sock half x >/dev/null 2>&1
sleep 1.5
check "half a request: dropped" grep -q 'dropping the connection' sim.err
python3 client.py sim.sock report r2 >r2.out 2>&1
[ "$(head -c 1 r2.out)" = 0 ] && cmp -s r1.report r2.report
ok $? "still serving after malformed requests (same request, same launch: the same report)"
kill -TERM "$sim_pid"
wait "$sim_pid"
rc=$?
sim_pid=
[ $rc = 0 ] && [ ! -e sim.sock ] && grep -q 'stopped after 3 reports' sim.err
ok $? "SIGTERM: clean exit, socket removed (rc $rc)"

# ---- another command line, --once ---------------------------------------------------
vmdef other.toml "console=ttyS0 loglevel=8"
"$SNPBOOT" snp-sim --vm-definition other.toml --socket once.sock --once >once.out 2>once.err &
sim_pid=$!
for _ in $(seq 100); do [ -S once.sock ] && break; sleep 0.1; done
python3 client.py once.sock report r3 >/dev/null 2>&1
wait "$sim_pid"
rc=$?
sim_pid=
[ $rc = 0 ] && grep -q 'stopped after 1 report' once.err
ok $? "--once: exits after one report (rc $rc)"
m2=$(python3 -c "import sys; print(open('r3.report','rb').read()[0x90:0xC0].hex())")
[ "$m2" != "$m" ] && [ "$m2" = "$("$SNPBOOT" measure --ovmf "$ovmf" --kernel /dev/null --initrd /dev/null --append "console=ttyS0 loglevel=8")" ]
ok $? "another append: another MEASUREMENT, the one snpboot measure computes"
"$SNPBOOT" report verify r3.report --cert-table r3.certs --trust-anchor state/ark.pem --measurement "$m" --report-data any >r3.verify 2>&1
[ $? = 1 ] && grep -qE 'FAIL +MEASUREMENT' r3.verify
ok $? "the owner expecting the first command line refuses it"

# ---- refusals at start ----------------------------------------------------------------
cat >bad.toml <<TOML
[vm]
name = "bad"
vcpus = 0
TOML
"$SNPBOOT" snp-sim --vm-definition bad.toml --socket bad.sock >bad.out 2>bad.err
[ $? = 3 ] && grep -q 'bad.toml:3:9:' bad.err
ok $? "bad definition: exit 3 with file:line:col"
"$SNPBOOT" snp-sim --socket x.sock >usage.out 2>&1
[ $? = 2 ]
ok $? "missing --vm-definition: exit 2"
"$SNPBOOT" snp-sim --help | grep -q 'virtserialport,chardev=snpsim,name=org.snpboot.sim'
ok $? "--help shows the QEMU options"

done_testing
