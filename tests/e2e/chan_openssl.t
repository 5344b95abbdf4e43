#!/usr/bin/env bash
# The attested channel's TLS server checked by an independent TLS stack:
# `snpboot chan-selftest` (the guest's server code, run once on the host)
# against `openssl s_client`. Policy (TLS 1.2, ECDHE-ECDSA, AEAD only), the
# fresh P-384 self-signed certificate, its SPKI fingerprint, the RFC 5705
# exporter, and owner key pinning with OpenSSL-made client certificates.
# Needs build/host/snpboot and openssl; no QEMU.
set -uo pipefail
BUILD=${BUILD:-build}
SNPBOOT=${SNPBOOT:-$BUILD/host/snpboot}
. "$(dirname "$0")/lib/tap.sh"

if [ ! -x "$SNPBOOT" ] || ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP needs $SNPBOOT and openssl"
	exit 0
fi
work=$(mktemp -d)
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# start_server NAME [ARGS...]: chan-selftest on a free port; sets $port.
start_server() {
	local name=$1
	shift
	"$SNPBOOT" chan-selftest --listen 127.0.0.1:0 --timeout-ms 10000 "$@" >"$work/$name.out" 2>"$work/$name.err" &
	server_pid=$!
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/^listening 127\.0\.0\.1://p' "$work/$name.out" 2>/dev/null)
		[ -n "$port" ] && return 0
		sleep 0.05
	done
	echo "# chan-selftest did not start: $(cat "$work/$name.err")"
	return 1
}
# wait_server: exit status of the server started last.
wait_server() {
	wait "$server_pid"
	local rc=$?
	server_pid=
	return $rc
}
# client NAME [s_client ARGS...]: one connection, stdin closed so it ends.
client() {
	local name=$1
	shift
	timeout 20 openssl s_client -connect "127.0.0.1:$port" -no_ign_eof "$@" </dev/null >"$work/$name.cli" 2>&1
}

# ---- the normal handshake ------------------------------------------------------
start_server main
client main -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384 -keymatexport EXPORTER-snpboot -keymatexportlen 32
ok $? "openssl s_client completes a TLS 1.2 handshake"
wait_server
ok $? "chan-selftest reports success"
like "$work/main.cli" '^New, TLSv1\.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384$' "client: TLS 1.2 with ECDHE-ECDSA-AES256-GCM-SHA384"
like "$work/main.out" '^handshake ok ECDHE-ECDSA-AES256-GCM-SHA384$' "server: the same suite"
like "$work/main.cli" '^Server public key is 384 bit$' "server key is 384-bit"
sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$work/main.cli" >"$work/guest.pem"
openssl x509 -in "$work/guest.pem" -noout -text >"$work/guest.txt" 2>&1
like "$work/guest.txt" 'NIST CURVE: P-384' "certificate key is EC P-384 (openssl x509)"
like "$work/guest.txt" 'Signature Algorithm: ecdsa-with-SHA384' "certificate signed with ecdsa-with-SHA384"
like "$work/guest.txt" 'Version: 3 ' "X.509 v3"
openssl verify -partial_chain -trusted "$work/guest.pem" "$work/guest.pem" >/dev/null 2>&1
ok $? "openssl verifies the self-signature"
fp=$(openssl x509 -in "$work/guest.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
is "$fp" "$(sed -n 's/^guest-key-sha256 //p' "$work/main.out")" "SHA-256 of the SPKI (openssl) = the fingerprint the guest binds"
want=$(sed -n 's/^ *Keying material: //p' "$work/main.cli" | tr 'A-F' 'a-f')
is "$(sed -n 's/^exporter-no-context //p' "$work/main.out")" "$want" "RFC 5705 exporter value equals OpenSSL's"

start_server chacha
client chacha -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305
wait_server
ok $? "ECDHE-ECDSA-CHACHA20-POLY1305 accepted"

start_server pref
client pref -tls1_2
wait_server
ok $? "a default OpenSSL client connects"
like "$work/pref.out" '^handshake ok ECDHE-ECDSA-AES256-GCM-SHA384$' "  and gets the server's preferred suite"

# ---- refused ----------------------------------------------------------------------
server_args=()
refused() { # refused NAME DESCRIPTION SERVER_PATTERN s_client ARGS... (server gets ${server_args[@]})
	local name=$1 desc=$2 pat=$3
	shift 3
	start_server "$name" "${server_args[@]}"
	client "$name" "$@"
	local crc=$?
	wait_server
	local src=$?
	if [ "$crc" -ne 0 ] && [ "$src" -ne 0 ]; then ok 0 "$desc is refused"; else
		ok 1 "$desc is refused"
		echo "#   client $crc, server $src"
	fi
	like "$work/$name.err" "$pat" "  server says: $(head -c 200 "$work/$name.err")"
}
refused tls11 "TLS 1.1" 'protocol_version.*does not offer TLS 1\.2' -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
refused tls13 "TLS 1.3 only" 'handshake_failure|protocol_version' -tls1_3
refused rsa "an RSA-key-exchange-only client" 'handshake_failure.*offered nothing acceptable' \
	-tls1_2 -cipher AES128-GCM-SHA256:AES256-GCM-SHA384
refused cbc "an ECDHE-ECDSA CBC-only client" 'handshake_failure.*offered nothing acceptable' \
	-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA
refused ecdhe_rsa "an ECDHE-RSA-only client" 'handshake_failure.*offered nothing acceptable' \
	-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256

# ---- owner key pinning with OpenSSL-made owner certificates ------------------------
mkowner() { # mkowner NAME CURVE
	openssl req -x509 -newkey ec -pkeyopt "ec_paramgen_curve:$2" -nodes -subj "/CN=$1" -days 2 \
		-keyout "$work/$1.key" -out "$work/$1.pem" 2>/dev/null
	openssl pkey -in "$work/$1.key" -pubout -outform DER | sha256sum | cut -d' ' -f1
}
pin_a=$(mkowner owner_a P-384)
mkowner owner_b P-384 >/dev/null
mkowner owner_p256 P-256 >/dev/null
other=0000000000000000000000000000000000000000000000000000000000000001

start_server pinned --pin "$other" --pin "$pin_a"
client pinned -tls1_2 -cert "$work/owner_a.pem" -key "$work/owner_a.key"
wait_server
ok $? "pinned owner key (OpenSSL certificate, SHA-256 signed) is accepted"
is "$(sed -n 's/^owner-key-sha256 //p' "$work/pinned.out")" "$pin_a" "  server saw that key's fingerprint"
server_args=(--pin "$other" --pin "$pin_a")
refused wrongkey "another P-384 owner key" 'client.s key \(SPKI SHA-256 [0-9a-f]{64}\) is not one of the 2 pinned keys' \
	-tls1_2 -cert "$work/owner_b.pem" -key "$work/owner_b.key"
refused nocert "no client certificate when pinning is on" 'the client sent no certificate, and owner keys are pinned' \
	-tls1_2
refused p256 "a P-256 owner key" 'certificate key is EC on P-256, expected P-384' \
	-tls1_2 -cert "$work/owner_p256.pem" -key "$work/owner_p256.key"
server_args=()

done_testing
