#!/usr/bin/env bash
# ID block / ID auth info checked by an independent implementation: the
# signatures snpboot writes (R, S little-endian in AMD's layout) are turned
# into DER ECDSA-Sig-Value here and verified with the openssl CLI; the key
# digests are recomputed with openssl. idblock-generator --vm-definition. Also
# the `measure` CLI on the vectors, and `measure --explain` on patched reports.
# Needs build/host/snpboot and openssl; no QEMU.
set -uo pipefail
BUILD=${BUILD:-build}
SNPBOOT=${SNPBOOT:-$BUILD/host/snpboot}
SHARED=${SNPBOOT_SHARED:-../shared}
VEC=$SHARED/testvectors
. "$(dirname "$0")/lib/tap.sh"

if [ ! -x "$SNPBOOT" ] || ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP needs $SNPBOOT and openssl"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Bytes [off, off+len) of a file as hex, reversed (little-endian -> big-endian).
le_hex() { xxd -p -s "$2" -l "$3" "$1" | tr -d '\n' | fold -w2 | tac | tr -d '\n'; }

# DER ECDSA-Sig-Value from the AMD layout at offset off of file (R 72 LE, S 72 LE).
amd_sig_to_der() { # FILE OFFSET OUT
	local r s
	r=$(le_hex "$1" "$2" 48)
	s=$(le_hex "$1" $(($2 + 72)) 48)
	printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "$r" "$s" >"$3.cnf"
	openssl asn1parse -genconf "$3.cnf" -out "$3" -noout >/dev/null
}

LD=a14d638341e5674628fe1e02fbedebe5e5ab4faf1dd72d8966068e615bb99efd13d214b35c231715b38e263dc6059745
WANT_BLOCK=oU1jg0HlZ0Yo/h4C++3r5eWrT68d1y2JZgaOYVu5nv0T0hSzXCMXFbOOJj3GBZdFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA
WANT_ID_DIGEST=WfssaG36T+9J84M5qndckAUcKNVzg93DuvO160sUlt87DbvcuuX+J2d6ZEggdz/i
WANT_AUTH_DIGEST=7tgRafsMteDsNHlPEo/U4MSkb2fGWhrfqB/LJLzAiMJyNpt//D6ytq9qQoShs2xf

# verify_dir DIR IDKEY AUTHKEY LABEL: checks DIR/id-block.base64 and id-auth.base64 with openssl.
verify_dir() {
	local d=$1 idk=$2 ak=$3 label=$4
	base64 -d "$d/id-block.base64" >"$d/block.bin" 2>/dev/null
	base64 -d "$d/id-auth.base64" >"$d/auth.bin" 2>/dev/null
	is "$(stat -c %s "$d/block.bin" 2>/dev/null)/$(stat -c %s "$d/auth.bin" 2>/dev/null)" "96/4096" \
		"$label: ID block 96 bytes, ID auth info 4096 bytes"
	openssl pkey -in "$idk" -pubout -out "$d/id_pub.pem" 2>/dev/null
	openssl pkey -in "$ak" -pubout -out "$d/auth_pub.pem" 2>/dev/null
	amd_sig_to_der "$d/auth.bin" $((0x40)) "$d/id_sig.der"
	openssl dgst -sha384 -verify "$d/id_pub.pem" -signature "$d/id_sig.der" "$d/block.bin" >/dev/null 2>&1
	ok $? "$label: openssl verifies the ID block signature with the ID key"
	dd if="$d/auth.bin" of="$d/id_key_area.bin" bs=1 skip=$((0x240)) count=1028 status=none
	amd_sig_to_der "$d/auth.bin" $((0x680)) "$d/auth_sig.der"
	openssl dgst -sha384 -verify "$d/auth_pub.pem" -signature "$d/auth_sig.der" "$d/id_key_area.bin" >/dev/null 2>&1
	ok $? "$label: openssl verifies the author signature over the ID key area"
	# The ID key area holds openssl's view of the public point, little-endian.
	local x
	x=$(openssl pkey -pubin -in "$d/id_pub.pem" -outform DER 2>/dev/null | tail -c 96 | head -c 48 | xxd -p | tr -d '\n')
	is "$(le_hex "$d/auth.bin" $((0x244)) 48)" "$x" "$label: QX in the ID key area is the key's X (LE)"
	cp "$d/block.bin" "$d/tampered.bin"
	printf '\x01' | dd of="$d/tampered.bin" bs=1 seek=95 conv=notrunc status=none
	openssl dgst -sha384 -verify "$d/id_pub.pem" -signature "$d/id_sig.der" "$d/tampered.bin" >/dev/null 2>&1
	[ $? -ne 0 ]
	ok $? "$label: a modified ID block does not verify (the check is real)"
}

# 1. The test keys (PKCS#8) and the vector's ID block.
mkdir "$work/a"
"$SNPBOOT" idblock-generator --id-key-path "$VEC/idblock/test_id_key.pem" \
	--auth-key-path "$VEC/idblock/test_auth_key.pem" --measurement "$LD" --out-dir "$work/a" \
	>"$work/a/out" 2>"$work/a/err"
ok $? "idblock-generator with the test keys"
is "$(cat "$work/a/id-block.base64")" "$WANT_BLOCK" "ID block base64 equals the vector"
grep -q "PKCS#8" "$work/a/err"
ok $? "says the keys were read as PKCS#8"
is "$(awk '$1 == "ID_KEY_DIGEST" && $2 == "base64" {print $3}' "$work/a/out")" "$WANT_ID_DIGEST" \
	"printed ID_KEY_DIGEST equals the vector"
is "$(awk '$1 == "AUTHOR_KEY_DIGEST" && $2 == "base64" {print $3}' "$work/a/out")" "$WANT_AUTH_DIGEST" \
	"printed AUTHOR_KEY_DIGEST equals the vector"
verify_dir "$work/a" "$VEC/idblock/test_id_key.pem" "$VEC/idblock/test_auth_key.pem" "test keys"
digest=$(openssl dgst -sha384 -binary "$work/a/id_key_area.bin" | base64)
is "$digest" "$WANT_ID_DIGEST" "openssl SHA-384 of the ID key area equals ID_KEY_DIGEST"
cmp -s <(head -c 64 "$work/a/auth.bin") <(head -c 64 "$VEC/idblock/expected_id_auth.bin") &&
	cmp -s <(tail -c +$((0x240 + 1)) "$work/a/auth.bin" | head -c 1088) \
		<(tail -c +$((0x240 + 1)) "$VEC/idblock/expected_id_auth.bin" | head -c 1088) &&
	cmp -s <(tail -c +$((0x880 + 1)) "$work/a/auth.bin") <(tail -c +$((0x880 + 1)) "$VEC/idblock/expected_id_auth.bin")
ok $? "ID auth info equals expected_id_auth.bin outside the two signatures"

# 2. SEC1 keys, family/image ID, SVN and policy.
mkdir "$work/b"
openssl ec -in "$VEC/idblock/test_id_key.pem" -out "$work/b/id_sec1.pem" 2>/dev/null
openssl ec -in "$VEC/idblock/test_auth_key.pem" -out "$work/b/auth_sec1.pem" 2>/dev/null
grep -q "BEGIN EC PRIVATE KEY" "$work/b/id_sec1.pem"
ok $? "openssl wrote a SEC1 key"
"$SNPBOOT" idblock-generator --id-key-path "$work/b/id_sec1.pem" --auth-key-path "$work/b/auth_sec1.pem" \
	--measurement "$LD" --family-id 00112233445566778899aabbccddeeff --image-id ffeeddccbbaa99887766554433221100 \
	--guest-svn 7 --policy 0x70000 --out-dir "$work/b" >"$work/b/out" 2>"$work/b/err"
ok $? "idblock-generator with SEC1 keys and explicit IDs"
grep -q "(SEC1, P-384)" "$work/b/err"
ok $? "says the keys were read as SEC1"
is "$(awk '$1 == "ID_KEY_DIGEST" && $2 == "base64" {print $3}' "$work/b/out")" "$WANT_ID_DIGEST" \
	"same ID_KEY_DIGEST from the SEC1 form"
verify_dir "$work/b" "$work/b/id_sec1.pem" "$work/b/auth_sec1.pem" "SEC1 keys"
is "$(xxd -p -s 48 -l 40 "$work/b/block.bin" | tr -d '\n')" \
	"00112233445566778899aabbccddeeffffeeddccbbaa998877665544332211000100000007000000" \
	"FAMILY_ID, IMAGE_ID, VERSION, GUEST_SVN in place"
is "$(xxd -p -s 88 -l 8 "$work/b/block.bin")" "0000070000000000" "POLICY 0x70000 in place"

# 3. --generate-keys: new keys, mode 0600, usable by openssl.
mkdir "$work/c"
"$SNPBOOT" idblock-generator --id-key-path "$work/c/id.pem" --auth-key-path "$work/c/author.pem" \
	--measurement "$LD" --out-dir "$work/c" --generate-keys >"$work/c/out" 2>"$work/c/err"
ok $? "--generate-keys"
is "$(stat -c %a "$work/c/id.pem" 2>/dev/null) $(stat -c %a "$work/c/author.pem" 2>/dev/null)" "600 600" \
	"generated keys have mode 0600"
openssl pkey -in "$work/c/id.pem" -text -noout 2>/dev/null | grep -qE "NIST CURVE: P-384|secp384r1"
ok $? "openssl reads the generated key as P-384"
grep -q "BEGIN PRIVATE KEY" "$work/c/id.pem"
ok $? "generated key is PKCS#8 PEM"
verify_dir "$work/c" "$work/c/id.pem" "$work/c/author.pem" "generated keys"
before=$(sha256sum "$work/c/id.pem")
"$SNPBOOT" idblock-generator --id-key-path "$work/c/id.pem" --auth-key-path "$work/c/author.pem" \
	--measurement "$LD" --out-dir "$work/c" --generate-keys >"$work/c/out2" 2>"$work/c/err2"
ok $? "--generate-keys again: existing keys are reused"
is "$(sha256sum "$work/c/id.pem")" "$before" "existing key not overwritten"
is "$(cat "$work/c/out2")" "$(cat "$work/c/out")" "same key digests the second time"

# 4. Argument errors.
"$SNPBOOT" idblock-generator --id-key-path x --auth-key-path y --measurement abcd >/dev/null 2>&1
is $? 2 "short --measurement: usage error"
"$SNPBOOT" idblock-generator --id-key-path "$work/none.pem" --auth-key-path y --measurement "$LD" >/dev/null 2>&1
is $? 3 "missing key file: input error"
"$SNPBOOT" idblock-generator --id-key-path x --auth-key-path y --measurement "$LD" --policy 0x10000 >/dev/null 2>&1
is $? 2 "policy without the reserved bit 17: usage error"
if [ -x "$(dirname "$SNPBOOT")/idblock-generator" ]; then
	"$(dirname "$SNPBOOT")/idblock-generator" --help | grep -q "id-auth.base64"
	ok $? "reachable as idblock-generator (argv[0])"
fi

# 5. From a VM definition: measurement computed from its files (vector row 1),
# policy, FAMILY_ID, IMAGE_ID and GUEST_SVN from it; flags override; the TOML
# lines printed paste into [expect] and the definition still loads.
mkdir "$work/d"
VEC_LD1=6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa
cat >"$work/d/vm.toml" <<TOML
[vm]
name = "idblock-e2e"
[firmware]
ovmf = "$(realpath "$VEC/measurement/ovmf_AmdSev_suffix.bin")"
[boot]
kernel = "/dev/null"
initrd = "/dev/null"
append = "console=ttyS0 loglevel=7"
[policy]
single_socket = true
[expect]
family_id = "00112233445566778899aabbccddeeff"
image_id = "ffeeddccbbaa99887766554433221100"
min_guest_svn = 5
TOML
"$SNPBOOT" idblock-generator --vm-definition "$work/d/vm.toml" --id-key-path "$work/b/id_sec1.pem" \
	--auth-key-path "$VEC/idblock/test_auth_key.pem" --out-dir "$work/d" >"$work/d/out" 2>"$work/d/err"
ok $? "idblock-generator --vm-definition"
base64 -d "$work/d/id-block.base64" >"$work/d/block.bin" 2>/dev/null
is "$(xxd -p -l 48 "$work/d/block.bin" | tr -d '\n')" "$VEC_LD1" "launch digest computed from the definition's files"
is "$(xxd -p -s 48 -l 48 "$work/d/block.bin" | tr -d '\n')" \
	"00112233445566778899aabbccddeeffffeeddccbbaa9988776655443322110001000000050000000000130000000000" \
	"FAMILY_ID, IMAGE_ID, GUEST_SVN (min_guest_svn) and POLICY 0x130000 from the definition"
grep -q "read ID key .*(SEC1, P-384)" "$work/d/err" && grep -q "read author key .*(PKCS#8, P-384)" "$work/d/err"
ok $? "names the format of each key (SEC1, PKCS#8)"
want_id_hex=$(echo "$WANT_ID_DIGEST" | base64 -d | xxd -p | tr -d '\n')
grep -qx "id_key_digest = \"$want_id_hex\"" "$work/d/out"
ok $? "prints id_key_digest as a TOML line"
grep -qx "author_key_digest = \"$(echo "$WANT_AUTH_DIGEST" | base64 -d | xxd -p | tr -d '\n')\"" "$work/d/out"
ok $? "prints author_key_digest as a TOML line"
verify_dir "$work/d" "$work/b/id_sec1.pem" "$VEC/idblock/test_auth_key.pem" "from the definition"
grep -E '^(id_key_digest|author_key_digest) = ' "$work/d/out" >>"$work/d/vm.toml"
"$SNPBOOT" measure --vm-definition "$work/d/vm.toml" >/dev/null 2>&1
ok $? "the printed lines paste into [expect]: the definition still loads"
"$SNPBOOT" idblock-generator --vm-definition "$work/d/vm.toml" --id-key-path "$VEC/idblock/test_auth_key.pem" \
	--auth-key-path "$VEC/idblock/test_auth_key.pem" --out-dir "$work/d" >/dev/null 2>"$work/d/err2"
grep -q "has other key digests in \[expect\]" "$work/d/err2"
ok $? "another ID key than the definition expects: says so"
"$SNPBOOT" idblock-generator --vm-definition "$work/d/vm.toml" --id-key-path "$VEC/idblock/test_id_key.pem" \
	--auth-key-path "$VEC/idblock/test_auth_key.pem" --out-dir "$work/d" --measurement "$LD" --policy 0x30000 \
	--guest-svn 9 >"$work/d/out3" 2>"$work/d/err3"
ok $? "flags with --vm-definition"
grep -q "note: --policy 0x30000 is not .*vm.toml's guest policy 0x130000" "$work/d/err3"
ok $? "a --policy other than the definition's: says the client will check the definition's"
base64 -d "$work/d/id-block.base64" >"$work/d/block3.bin" 2>/dev/null
is "$(xxd -p -l 48 "$work/d/block3.bin" | tr -d '\n')" "$LD" "--measurement overrides the computed one"
is "$(xxd -p -s 80 -l 16 "$work/d/block3.bin")" "01000000090000000000030000000000" "--guest-svn and --policy override"
grep -qx "min_guest_svn = 9" "$work/d/out3"
ok $? "a flag's value is printed as a TOML line too"
printf '[vm]\nname = "fixed"\n[expect]\nmeasurement = "%s"\n' "$LD" >"$work/d/fixed.toml"
"$SNPBOOT" idblock-generator --vm-definition "$work/d/fixed.toml" --id-key-path "$VEC/idblock/test_id_key.pem" \
	--auth-key-path "$VEC/idblock/test_auth_key.pem" --out-dir "$work/d" >/dev/null 2>&1
is "$(cat "$work/d/id-block.base64")" "$WANT_BLOCK" "a fixed [expect] measurement, no firmware: the vector's ID block"
"$SNPBOOT" idblock-generator --vm-definition "$work/none.toml" --id-key-path x --auth-key-path y >/dev/null 2>&1
is $? 3 "missing definition: input error"

# 6. `measure` on the vectors of testvectors/README.md.
M=$VEC/measurement
A=$M/ovmf_AmdSev_suffix.bin
is "$("$SNPBOOT" measure --ovmf "$A" --kernel /dev/null --initrd /dev/null --append 'console=ttyS0 loglevel=7' --vcpus 1 --vcpu-type EPYC-v4)" \
	6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa \
	"measure: AmdSev, kernel, append, 0x1"
is "$("$SNPBOOT" measure --ovmf "$A" --kernel /dev/null --initrd /dev/null --append 'console=ttyS0 loglevel=7' --guest-features 0x21)" \
	803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977 \
	"measure: AmdSev, kernel, append, 0x21"
is "$("$SNPBOOT" measure --ovmf "$A")" \
	19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d \
	"measure: AmdSev, no kernel, 0x1"
is "$("$SNPBOOT" measure --ovmf "$A" --guest-features=0x21)" \
	e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b \
	"measure: AmdSev, no kernel, 0x21"
is "$("$SNPBOOT" measure --ovmf "$A" --kernel /dev/null --initrd /dev/null --vmm-type ec2-2025)" \
	7d3756157c805bf6adf617064c8552e8c1688fa1c8756f11cbf56ba5d25c9270fb69c0505c1cbe1c5c66c0e34c6ed3be \
	"measure: AmdSev, kernel, EC2 before 2026 (RDX 0)"
is "$("$SNPBOOT" measure --ovmf "$A" --kernel /dev/null --initrd /dev/null --vmm-type ec2)" \
	0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056 \
	"measure: AmdSev, kernel, EC2 today (RDX 0x600)"
is "$("$SNPBOOT" measure --ovmf "$A" --kernel /dev/null --initrd /dev/null --vmm-type gce)" \
	5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e \
	"measure: AmdSev, kernel, GCE"
is "$("$SNPBOOT" measure --ovmf "$A" --kernel /dev/null --initrd /dev/null \
	--ovmf-hash 086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74)" \
	ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5 \
	"measure: from the OVMF hash"
is "$("$SNPBOOT" measure --ovmf "$A" --output base64 | base64 -d | xxd -p | tr -d '\n')" \
	19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d \
	"measure --output base64"
"$SNPBOOT" measure --ovmf "$A" --output json | grep -q '"measurement": "19358ba9'
ok $? "measure --output json"
"$SNPBOOT" measure --ovmf "$M/ovmf_OvmfX64_suffix.bin" --kernel /dev/null --append x >"$work/m.out" 2>"$work/m.err"
rc=$?
is "$rc" 1 "measure: OvmfX64 + kernel refused (exit 1)"
grep -q "would NOT be measured" "$work/m.err" && [ ! -s "$work/m.out" ]
ok $? "  says kernel, initrd and command line would NOT be measured; prints no digest"
"$SNPBOOT" measure --ovmf "$M/ovmf_OvmfX64_suffix.bin" --kernel /dev/null --allow-unmeasured-kernel >"$work/m.out" 2>"$work/m.err"
ok $? "measure: --allow-unmeasured-kernel computes anyway"
grep -q "WARNING" "$work/m.err" && [ "$(wc -c <"$work/m.out")" -eq 97 ]
ok $? "  with a loud warning and the digest"
head -c 100 "$A" >"$work/short.bin"
"$SNPBOOT" measure --ovmf "$work/short.bin" >/dev/null 2>"$work/m.err"
is $? 3 "measure: truncated OVMF is an input error"
"$SNPBOOT" measure --ovmf "$A" --vcpu-type Pentium >/dev/null 2>&1
is $? 2 "measure: unknown vCPU type is a usage error"
"$SNPBOOT" measure --ovmf "$A" --append x >/dev/null 2>&1
is $? 2 "measure: --append without --kernel is a usage error"

# 7. `measure --explain`: the real Milan report with its MEASUREMENT replaced by
# vector rows, against the definition of row 1 (vm.toml of section 5).
patch_report() { # OUT HEX: the report with MEASUREMENT (offset 0x90) = HEX
	{ head -c 144 "$VEC/real/milan/report.bin"; echo "$2" | xxd -r -p; tail -c +193 "$VEC/real/milan/report.bin"; } >"$1"
}
patch_report "$work/r21.bin" 803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977
is "$(wc -c <"$work/r21.bin")" 1184 "a 1184-byte report with the 0x21 vector's MEASUREMENT"
"$SNPBOOT" measure --explain "$work/r21.bin" --vm-definition "$work/d/vm.toml" >"$work/x.out" 2>&1
is $? 1 "measure --explain: a mismatch is exit 1"
grep -qxF "MEASUREMENT matches the definition with guest_features = 0x21 (definition says 0x1: the host turned DebugSwap, bit 5 on)" "$work/x.out"
ok $? "  names DebugSwap (guest_features 0x21 vs 0x1)"
grep -q "POLICY 0x30000 differs from the definition's guest_policy 0x130000, but POLICY is not part of MEASUREMENT" "$work/x.out"
ok $? "  notes the POLICY difference is not part of MEASUREMENT"
patch_report "$work/r1.bin" "$VEC_LD1"
"$SNPBOOT" measure --explain "$work/r1.bin" --vm-definition "$work/d/vm.toml" >"$work/x.out" 2>&1
is $? 0 "measure --explain: the definition's own MEASUREMENT is exit 0"
grep -qxF "MEASUREMENT matches the definition as it is" "$work/x.out"
ok $? "  and says so"
patch_report "$work/rx.bin" "$(printf '%096d' 7)"
"$SNPBOOT" measure --explain "$work/rx.bin" --vm-definition "$work/d/vm.toml" >"$work/x.out" 2>&1
is $? 1 "measure --explain: an unrelated MEASUREMENT is exit 1"
grep -q "^no single change explains it; checked: guest_features .*vcpus 1..64.*vmm_type ec2, ec2-2025, gce, firmware-only digest" "$work/x.out"
ok $? "  no single change explains it, with what was checked"
"$SNPBOOT" measure --explain "$work/r21.bin" >/dev/null 2>&1
is $? 2 "measure --explain without --vm-definition: usage error"
"$SNPBOOT" measure --explain "$work/r21.bin" --vm-definition "$work/d/vm.toml" --output json >/dev/null 2>&1
is $? 2 "measure --explain --output: usage error"
"$SNPBOOT" measure --explain "$work/short.bin" --vm-definition "$work/d/vm.toml" >/dev/null 2>"$work/x.err"
is $? 3 "measure --explain on a 100-byte file: input error"
grep -q "neither a raw 1184-byte SNP report nor a saved EVIDENCE frame" "$work/x.err"
ok $? "  says what it expected"

done_testing
