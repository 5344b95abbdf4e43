#!/usr/bin/env bash
# snpboot disk-pin against images made by the host's cryptsetup on regular
# files (no root, no dm-crypt, no QEMU), and headers edited the way a
# hostile host can (tests/e2e/lib/luks2_edit.py rewrites the JSON and both
# checksums; cryptsetup accepts the results):
#   1. a normal image: the pin is printed (toml and cmdline), and its digest
#      recomputed from cryptsetup's own volume key (luksDump
#      --dump-volume-key) by Python's PBKDF2 equals the printed one;
#      --check-against and --volume-key-file agree;
#   2. refusals, each with its exact reason: LUKS1, a cipher_null-ecb data
#      segment (which cryptsetup itself opens), a cipher_null keyslot area,
#      two segments, a reencryption requirement (edited, and a real
#      `reencrypt --init-only` header), a non-zero iv_tweak, the owner's
#      keyslots grafted over a null segment;
#   3. the pin of image A does not validate image B, and says why;
#   4. a partition of a GPT disk, qcow2, unreadable input, usage;
#   5. encrypt-disk prints the same pin as disk-pin.
set -uo pipefail
BUILD=${BUILD:-build}
SNPBOOT=${SNPBOOT:-$BUILD/host/snpboot}
. "$(dirname "$0")/lib/tap.sh"
EDIT=$(realpath "$(dirname "$0")/lib/luks2_edit.py")

if [ ! -x "$SNPBOOT" ] || ! command -v cryptsetup >/dev/null || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP needs $SNPBOOT, cryptsetup (cryptsetup-bin) and python3"
	exit 0
fi
SNPBOOT=$(realpath "$SNPBOOT")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
pin() { "$SNPBOOT" disk-pin "$@"; }
# luks IMG [cryptsetup options]: a 24 MiB LUKS2 image keyed by $work/key
luks() {
	local img=$1
	shift
	rm -f "$img" && truncate -s 24M "$img" &&
		cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
			--key-file key "$@" "$img"
}
# refused IMG REASON NAME: exit 1 and exactly that reason on stderr
refused() {
	pin "$1" >out 2>err
	local rc=$?
	is "$rc" 1 "$3: exit 1"
	is "$(cat err)" "snpboot disk-pin: $1: the first stage would refuse this disk: $2" "$3: the reason"
}
# value FILE KEY: a pin_* value from toml lines (quotes removed)
value() { sed -n "s/^$2 = \"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\}\$/\\1/p" "$1"; }

head -c 32 /dev/urandom >key

# ---- 1. a normal image ---------------------------------------------------------
pin --help >help 2>&1
ok $? "--help exits 0"
check "--help lists the exit codes" grep -q '^Exit: 0 printed' help
luks a.img --sector-size 4096
pin a.img >a.toml 2>err
ok $? "a normal LUKS2 image: pin printed"
check "... a comment names the image and its UUID" grep -q "^# disk pin of a.img (LUKS UUID $(cryptsetup luksUUID a.img))" a.toml
is "$(grep -c '^pin_' a.toml)" 11 "... the eleven pin_* keys"
is "$(value a.toml pin_cipher) $(value a.toml pin_key_size) $(value a.toml pin_sector_size)" "aes-xts-plain64 64 4096" \
	"... cipher, key size, sector size as cryptsetup wrote them"
is "$(value a.toml pin_offset) $(value a.toml pin_iv_tweak) $(value a.toml pin_size)" "16777216 0 dynamic" \
	"... offset, iv_tweak, size"
cryptsetup luksDump --dump-volume-key --volume-key-file a.vk --batch-mode --key-file key a.img >/dev/null 2>&1
ok $? "cryptsetup luksDump --dump-volume-key"
digest=$(python3 - a.toml a.vk <<'PY'
import hashlib, re, sys
pin = dict(re.findall(r'^(pin_\w+) = "?([^"\n]*)"?$', open(sys.argv[1]).read(), re.M))
vk = open(sys.argv[2], 'rb').read()
salt = bytes.fromhex(pin['pin_digest_salt'])
n = len(bytes.fromhex(pin['pin_digest']))
print(hashlib.pbkdf2_hmac(pin['pin_digest_hash'], vk, salt, int(pin['pin_digest_iterations']), n).hex())
PY
)
is "$digest" "$(value a.toml pin_digest)" "PBKDF2 of cryptsetup's volume key with the printed salt and iterations is the printed digest"
pin --check-against a.toml --volume-key-file a.vk a.img >out 2>&1
ok $? "--check-against its own pin, with its volume key: exit 0"
check "... says both" grep -qx 'a.vk: the volume key matches the pinned digest' out
pin --format cmdline a.img >a.cmdline
ok $? "--format cmdline"
is "$(tr ' ' '\n' <a.cmdline | sed 's/^snpboot\.root\.//' | sed 's/=/ = /')" \
	"$(grep '^pin_' a.toml | tr -d '"')" "... the same keys and values as the toml lines"
head -c 64 /dev/urandom >wrong.vk
pin --volume-key-file wrong.vk a.img >out 2>&1
is $? 1 "another volume key: exit 1"
check "... says why" grep -qx 'wrong.vk: volume key: does not match the pinned digest' out

# ---- 2. refusals -----------------------------------------------------------------
rm -f l1.img && truncate -s 24M l1.img && cryptsetup luksFormat --type luks1 --batch-mode --iter-time 1 --key-file key l1.img
refused l1.img "version 1 (LUKS1) is not supported (LUKS2 only)" "LUKS1"

cp a.img null.img && "$EDIT" set-segment-cipher null.img cipher_null-ecb
check "cryptsetup itself opens a cipher_null-ecb segment with the owner's key" \
	cryptsetup open --test-passphrase --key-file key null.img
refused null.img "segments.0.encryption: cipher_null-ecb is not allowed (the null cipher stores plaintext)" \
	"cipher_null-ecb data segment"

cp a.img ks.img && "$EDIT" set-keyslot-cipher ks.img cipher_null-ecb
refused ks.img "keyslots.0.area.encryption: cipher_null-ecb is not allowed (the null cipher stores plaintext)" \
	"cipher_null-ecb keyslot area"

cp a.img two.img && "$EDIT" set two.img segments.1 '{"type":"linear","offset":"33554432","size":"dynamic"}' &&
	"$EDIT" set two.img segments.0.size '"4194304"'
refused two.img "segments: 2 segments (exactly one is supported: more mean a reencryption or a layout the first stage does not map)" \
	"two segments"

cp a.img req.img && "$EDIT" add-requirement req.img online-reencrypt-v2
refused req.img "config.requirements.mandatory: \"online-reencrypt-v2\": a reencryption is in progress (finish it with cryptsetup first)" \
	"online-reencrypt requirement"

rm -f re.img && truncate -s 64M re.img
cryptsetup reencrypt --encrypt --init-only --type luks2 --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--reduce-device-size 32M --disable-locks --key-file key re.img >/dev/null 2>&1
ok $? "cryptsetup reencrypt --encrypt --init-only"
pin re.img >out 2>err
is $? 1 "... an unfinished encryption: exit 1"
like err 'config\.requirements\.mandatory: "online-reencrypt-v[0-9]+": a reencryption is in progress' "... says so"

cp a.img tweak.img && "$EDIT" set tweak.img segments.0.iv_tweak '"8"'
refused tweak.img "segments.0.iv_tweak: 8 is not supported (0 only: cryptsetup maps one segment with IV offset 0)" \
	"non-zero iv_tweak"

cp a.img integ.img && "$EDIT" set integ.img segments.0.integrity \
	'{"type":"hmac(sha256)","journal_encryption":"none","journal_integrity":"none"}'
refused integ.img "segments.0.integrity: authenticated encryption (dm-integrity) is not supported" "integrity"

# The attack the pin stops: the owner's keyslot and digest in a header of
# the host's, whose segment maps plaintext.
head -c 32 /dev/urandom >hostkey
rm -f host.img && truncate -s 24M host.img &&
	cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file hostkey host.img
"$EDIT" graft-keyslots --from a.img --into host.img && "$EDIT" set-segment-cipher host.img cipher_null-ecb
check "grafted header: the owner's key opens it (cryptsetup --test-passphrase)" \
	cryptsetup open --test-passphrase --key-file key host.img
refused host.img "segments.0.encryption: cipher_null-ecb is not allowed (the null cipher stores plaintext)" \
	"owner's keyslots over a cipher_null segment"

# ---- 3. the pin of A does not validate B ------------------------------------------------
luks b.img --sector-size 512
pin --check-against a.toml b.img >out 2>err
is $? 1 "image B against A's pin: exit 1"
like out "^b\.img does not match the pin in a\.toml: sector size: pinned 4096, disk has 512; digest salt: pinned [0-9a-f]{16}\.\.\., disk has [0-9a-f]{16}\.\.\.; volume-key digest: pinned [0-9a-f]{16}\.\.\., disk has [0-9a-f]{16}\.\.\. \(another volume key\)$" \
	"... every difference named"
pin --volume-key-file a.vk b.img >out 2>&1
is $? 1 "A's volume key against B's own digest: exit 1"
{
	echo '[root]'
	echo 'device = "UUID=x"'
	grep '^pin_' a.toml
	echo '[switch_root]'
	echo 'init = "/sbin/init"'
} >boot.toml
pin --check-against boot.toml a.img >out 2>&1
ok $? "--check-against a boot.toml with the pin in [root]"
sed 's/^pin_digest_iterations = 1000/pin_digest_iterations = 999/' a.toml >bad.toml
pin --check-against bad.toml a.img >out 2>err
is $? 3 "a pin file that is not a valid pin: exit 3"
is "$(cat err)" "snpboot disk-pin: bad.toml: the disk pin is not one the first stage accepts: pin_digest_iterations: 999 is below 1000" \
	"... says why, as the first stage would"
grep -v '^pin_cipher' a.toml >short.toml
pin --check-against short.toml a.img >out 2>err
is $? 3 "a pin file without pin_cipher: exit 3"
like err "the disk pin is incomplete, missing: root.pin_cipher" "... says which"

# ---- 4. partitions, qcow2, bad input, usage ------------------------------------------
size=$(stat -c %s b.img)
truncate -s $((size + 12 * 1024 * 1024)) gpt.img
printf 'label: gpt\nstart=2048, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\nstart=10240, size=%d, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' \
	$((size / 512)) | sfdisk --quiet gpt.img
dd if=b.img of=gpt.img bs=512 seek=10240 conv=notrunc status=none
pin b.img >b.toml
pin --partition 2 gpt.img >p2.toml
ok $? "--partition 2 of a GPT disk"
is "$(grep '^pin_' p2.toml)" "$(grep '^pin_' b.toml)" "... the same pin as the partition's image"
pin --partition 1 gpt.img >out 2>err
is $? 1 "--partition 1 (no LUKS): exit 1"
is "$(cat err)" "snpboot disk-pin: gpt.img: the first stage would refuse this disk: not a LUKS header (no LUKS magic)" \
	"... says why"
pin --partition 3 gpt.img >out 2>err
is $? 3 "--partition 3 (none): exit 3"
if command -v qemu-img >/dev/null; then
	qemu-img convert -O qcow2 a.img a.qcow2
	pin a.qcow2 >out 2>err
	is $? 3 "qcow2: exit 3"
	is "$(cat err)" "snpboot disk-pin: a.qcow2: a qcow2 image; convert it first: qemu-img convert -O raw a.qcow2 a.qcow2.raw" \
		"... with the conversion to run"
fi
pin missing.img >out 2>err
is $? 3 "missing image: exit 3"
head -c 1000 /dev/zero >tiny.img
pin tiny.img >out 2>err
is $? 3 "a 1000-byte file: exit 3"
is "$(cat err)" "snpboot disk-pin: tiny.img: 1000 bytes, too short for a LUKS2 header" "... says why"
head -c 8192 a.img >cut.img
pin cut.img >out 2>err
is $? 3 "a header cut short: exit 3"
pin >out 2>&1
is $? 2 "no image: exit 2"
pin --format yaml a.img >out 2>&1
is $? 2 "unknown format: exit 2"
pin --bogus a.img >out 2>&1
is $? 2 "unknown option: exit 2"

# ---- 5. encrypt-disk prints the same pin -----------------------------------------------
if command -v mkfs.ext4 >/dev/null; then
	truncate -s 40M plain.img && mkfs.ext4 -q -F plain.img 8M
	"$SNPBOOT" encrypt-disk --generate-key enc.key plain.img >enc.out 2>enc.err
	ok $? "encrypt-disk a small ext4 image"
	pin plain.img >enc.toml
	is "$(grep '^pin_' enc.out)" "$(grep '^pin_' enc.toml)" "... prints the pin disk-pin reads back"
	is "$(value enc.toml pin_sector_size) $(value enc.toml pin_key_size)" "512 64" "... 512-byte sectors, 512-bit key"
fi

done_testing
