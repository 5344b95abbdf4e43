#!/usr/bin/env bash
# snpboot encrypt-disk end to end: plain images built by scripts/mkrootfs-demo.sh
# with random files under /data and a checksum manifest, encrypted to LUKS2
# offline (no root, no dm-crypt on the host), then booted through the
# attested path; the second stage checksums /data from the decrypted blocks
# and the test compares with the manifest.
#   1. refusals: usage, missing file, loose key file, not a filesystem, no
#      such partition, already LUKS, no room in a partition;
#   2. a 160 MiB whole-image filesystem (96 MiB of data): encrypt-disk is
#      SIGKILLed while cryptsetup is encrypting (the header says so), the same
#      command resumes and finishes; boot and compare;
#   3. partition 2 of a GPT disk, booted by PARTUUID; the other partition and
#      the table are unchanged; partition 1 of an MBR disk, checked offline
#      (cryptsetup --test-passphrase on its bytes) and booted by its PARTUUID;
#   4. qcow2 in, qcow2 out, booted as qcow2.
. "$(dirname "$0")/lib/e2e.sh"

d=$work/img
rm -rf "$d" && mkdir -p "$d"
enc() { "$snpboot" encrypt-disk "$@"; }
# data DIR MIB...: random files of those sizes under DIR/data, and DIR.manifest
data() {
	local dir=$1 i=0 mib
	shift
	mkdir -p "$dir/data/sub"
	for mib in "$@"; do
		i=$((i + 1))
		head -c "${mib}M" /dev/urandom >"$dir/data/sub/f$i.bin"
	done
	echo "small file" >"$dir/data/readme.txt"
	(cd "$dir/data" && find . -type f | LC_ALL=C sort | xargs sha256sum) >"$dir.manifest"
}
# same_data CONSOLE MANIFEST: the second stage printed exactly the manifest
same_data() {
	sed -n 's/^second-stage: data-sha256 //p' "$1" | tr -d '\r' | LC_ALL=C sort -k2 >"$1.data"
	LC_ALL=C sort -k2 "$2" | cmp -s - "$1.data"
}
pending() { cryptsetup luksDump "$1" 2>/dev/null | grep -q 'online-reencrypt'; }

# ---- 1. refusals -------------------------------------------------------------
data "$d/small" 1 2
scripts/mkrootfs-demo.sh --size 32M --label enc-small --extra "$d/small" "$d/small.img"
head -c 32 /dev/urandom >"$d/k" && chmod 600 "$d/k"
enc --help >"$d/help" 2>&1
ok $? "--help exits 0"
check "--help documents the exit codes" grep -q 'Exit: 0 encrypted' "$d/help"
enc --key-file "$d/k" --bogus "$d/small.img" 2>/dev/null
ok "$([ $? = 2 ]; echo $?)" "unknown option: exit 2"
enc "$d/small.img" 2>/dev/null
ok "$([ $? = 2 ]; echo $?)" "no key option: exit 2"
enc --key-file "$d/k" "$d/missing.img" 2>"$d/err"
ok "$([ $? = 3 ]; echo $?)" "missing input: exit 3"
check "... says so" grep -q 'missing.img: No such file or directory' "$d/err"
cp "$d/k" "$d/k644" && chmod 644 "$d/k644"
cp "$d/small.img" "$d/small-copy.img"
enc --key-file "$d/k644" "$d/small-copy.img" 2>"$d/err"
ok "$([ $? = 3 ]; echo $?)" "key file readable by others: exit 3"
check "... with the reason" grep -q 'must be a regular file of mode 0600 or stricter (it is 644)' "$d/err"
check "... and the image is untouched" cmp -s "$d/small.img" "$d/small-copy.img"
head -c 8M /dev/urandom >"$d/noise.img"
enc --key-file "$d/k" "$d/noise.img" 2>"$d/err"
ok "$([ $? = 3 ]; echo $?)" "random bytes: exit 3"
check "... not a filesystem" grep -q 'holds no filesystem this tool knows' "$d/err"
enc --key-file "$d/k" --partition 1 "$d/small.img" "$d/out-none.img" 2>"$d/err"
ok "$([ $? = 3 ]; echo $?)" "--partition on a disk without a table: exit 3"
check "... no table" grep -q 'no MBR or GPT partition table' "$d/err"
check "... and no output or work file left" bash -c "! ls '$d'/out-none.img* 2>/dev/null"
enc --generate-key "$d/k" "$d/small.img" "$d/out-x.img" 2>"$d/err"
ok "$([ $? = 3 ]; echo $?)" "--generate-key never overwrites a key file"
if ! command -v qemu-img >/dev/null; then
	ok 0 "# SKIP qemu-img missing"
else
	qemu-img convert -O qcow2 "$d/small.img" "$d/small.qcow2"
	enc --key-file "$d/k" --qemu-img /nonexistent/qemu-img "$d/small.qcow2" "$d/o.qcow2" 2>"$d/err"
	ok "$([ $? = 4 ]; echo $?)" "qcow2 without qemu-img: exit 4"
fi

# In place: the file grows by the header's room and becomes LUKS2.
cp "$d/small.img" "$d/inplace.img"
enc --key-file "$d/k" "$d/inplace.img" >"$d/inplace.out" 2>&1
ok $? "in place: encrypted"
check "in place: the file grew by 32 MiB" test "$(stat -c %s "$d/inplace.img")" = $(((32 + 32) << 20))
check "in place: the key opens it (offline)" cryptsetup open --test-passphrase --key-file "$d/k" "$d/inplace.img"
check "in place: no work file" bash -c "! ls '$d'/inplace.img.* '$d'/LUKS2-temp-* 2>/dev/null"

# Without root: as nobody, in a directory of its own (no /run/cryptsetup for it).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir -p "$d/nobody" && cp "$d/small.img" "$d/nobody/n.img" && chown -R 65534:65534 "$d/nobody"
	(cd "$d/nobody" && setpriv --reuid=65534 --regid=65534 --clear-groups env PATH=/usr/bin:/bin \
		"$snpboot" encrypt-disk --generate-key n.key n.img) >"$d/nobody.out" 2>&1
	ok $? "as an unprivileged user (uid 65534, cryptsetup not in its PATH): encrypted"
	check "... and its key opens it" cryptsetup open --test-passphrase --key-file "$d/nobody/n.key" "$d/nobody/n.img"
else
	ok 0 "# SKIP not root: the whole test already runs unprivileged"
fi

# ---- 2. whole image, killed midway, resumed, booted ----------------------------
data "$d/big" 24 24 24 24
scripts/mkrootfs-demo.sh --size 160M --label enc-big --extra "$d/big" "$d/big.img"
check "plain image with 96 MiB of data" test "$(stat -c %s "$d/big.img")" = $((160 << 20))
# Kill as soon as the header in the work file says "reencryption in progress".
# The window is short on a fast disk: try again (from scratch) until a kill
# lands inside it; whether it did is checked on the header, not assumed.
killed=
for attempt in 1 2 3 4 5 6; do
	rm -f "$d/big.key" "$d"/out.img* "$d"/LUKS2-temp-*
	# not through enc(): $! must be encrypt-disk itself, not a subshell
	"$snpboot" encrypt-disk --generate-key "$d/big.key" --progress "$d/big.img" "$d/out.img" \
		>"$d/enc1.out" 2>"$d/enc1.err" &
	pid=$!
	for _ in $(seq 3000); do
		head -c 65536 "$d/out.img.snpboot-work" 2>/dev/null | grep -qa online-reencrypt && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.005
	done
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	sleep 0.5 # cryptsetup dies with its parent (PR_SET_PDEATHSIG)
	if [ -e "$d/out.img.snpboot-work" ] && pending "$d/out.img.snpboot-work"; then
		killed=$attempt
		break
	fi
done
ok "$([ -n "$killed" ]; echo $?)" "SIGKILLed while encrypting: the header says reencryption in progress (attempt ${killed:-none})"
check "the progress display had started" grep -q 'snpboot encrypt-disk: copying' "$d/enc1.err"
check "no cryptsetup outlives the killed encrypt-disk" bash -c "! pgrep -f '[r]eencrypt.*$d/out.img' >/dev/null"
check "no output yet, only the work file beside it" bash -c "[ ! -e '$d/out.img' ] && [ -e '$d/out.img.snpboot-work' ]"
check "the generated key is 32 bytes, mode 0600" test "$(stat -c '%s %a' "$d/big.key")" = "32 600"
enc --generate-key "$d/big.key" --progress "$d/big.img" "$d/out.img" >"$d/enc2.out" 2>"$d/enc2.err"
ok $? "the same command again resumes and finishes"
check "... it said it resumed" grep -q 'resuming the interrupted encryption' "$d/enc2.err"
check "... with progress on a non-terminal stderr (--progress)" grep -qE 'encrypting +[0-9]+% \([0-9]+ of [0-9]+ MiB\)' "$d/enc2.err"
uuid=$(sed -n 's/^LUKS UUID: //p' "$d/enc2.out")
check "the LUKS UUID is printed" test "$(cryptsetup luksUUID "$d/out.img")" = "$uuid"
check "the header is complete" bash -c "! cryptsetup luksDump '$d/out.img' | grep -q online-reencrypt"
cryptsetup luksDump "$d/out.img" >"$d/dump" 2>&1
check "LUKS2, aes-xts-plain64, 512-bit key, PBKDF2" bash -c "grep -qE '^Version:[[:space:]]+2' '$d/dump' &&
	grep -qE 'cipher:[[:space:]]+aes-xts-plain64' '$d/dump' && grep -qE 'Cipher key:[[:space:]]+512 bits' '$d/dump' &&
	grep -qE 'PBKDF:[[:space:]]+pbkdf2' '$d/dump'"
check "the key opens it (offline, --test-passphrase)" cryptsetup open --test-passphrase --key-file "$d/big.key" "$d/out.img"
check "work files are gone" bash -c "! ls '$d'/out.img.snpboot-* '$d'/LUKS2-temp-* 2>/dev/null"
check "the input is unchanged (a new output was asked for)" bash -c "[ \"\$(blkid -o value -s TYPE '$d/big.img')\" = ext4 ]"
# 4 KiB from the middle of each data file: none may be found in the output.
check "no plaintext of the data in the output" python3 -c '
import glob, sys
img = open(sys.argv[1], "rb").read()
sys.exit(any(open(f, "rb").read()[1 << 20:(1 << 20) + 4096] in img for f in glob.glob(sys.argv[2] + "/*")))
' "$d/out.img" "$d/big/data/sub"
enc --key-file "$d/big.key" "$d/out.img" 2>"$d/err"
ok "$([ $? = 3 ]; echo $?)" "encrypting it again is refused (exit 3)"
check "... because it is already LUKS" grep -q "already LUKS (UUID $uuid)" "$d/err"
DISK_KEY=$d/big.key attested_run whole "snpboot.root.device=UUID=$uuid $(disk_pin_words "$d/out.img")" \
	-drive "file=$d/out.img,if=virtio,format=raw,snapshot=on"
ok "$([ $client_rc = 0 ]; echo $?)" "whole: attested boot unlocked it (client exit $client_rc)"
check "whole: the second stage ran" has "$console" "SNPBOOT-SECOND-STAGE-DONE"
check "whole: /data read through dm-crypt matches the manifest" same_data "$console" "$d/big.manifest"
check "whole: all $(wc -l <"$d/big.manifest") files" has "$console" "second-stage: data-files=$(wc -l <"$d/big.manifest")"

# ---- 3. a partition of a GPT disk and of an MBR disk, each booted by PARTUUID ----
# GPT: partition 1 (8 MiB of a known pattern), partition 2 the root (64 MiB
# for a 32 MiB filesystem: the header needs 32 MiB free at the end).
truncate -s 80M "$d/gpt.img"
printf 'label: gpt\nstart=2048, size=16384\nstart=18432, size=131072\n' | sfdisk -q "$d/gpt.img"
head -c 8M /dev/urandom | dd of="$d/gpt.img" bs=1M seek=1 conv=notrunc status=none
dd if="$d/small.img" of="$d/gpt.img" bs=1M seek=9 conv=notrunc status=none
cp "$d/gpt.img" "$d/gpt-before.img"
enc --key-file "$d/k" --partition 2 "$d/gpt.img" >"$d/gpt.out" 2>"$d/gpt.err"
ok $? "GPT partition 2 encrypted in place"
partuuid=$(sed -n 's/^PARTUUID: \([^ ]*\) .*/\1/p' "$d/gpt.out")
check "the PARTUUID printed is the partition's" test "$partuuid" = "$(sfdisk --part-uuid "$d/gpt.img" 2 | tr A-Z a-z)"
check "partition 1 and the table are unchanged" cmp -s <(head -c 9M "$d/gpt.img") <(head -c 9M "$d/gpt-before.img")
check "the space after partition 2 is unchanged" cmp -s <(tail -c 7M "$d/gpt.img") <(tail -c 7M "$d/gpt-before.img")
check "no partition work file left" bash -c "! ls '$d'/gpt.img.snpboot-* 2>/dev/null"
DISK_KEY=$d/k attested_run gpt "snpboot.root.device=PARTUUID=$partuuid $(disk_pin_words --partition 2 "$d/gpt.img")" -drive "file=$d/gpt.img,if=virtio,format=raw,snapshot=on"
ok "$([ $client_rc = 0 ]; echo $?)" "gpt: attested boot unlocked it (client exit $client_rc)"
check "gpt: root found by PARTUUID as partition 2" has "$console" "unlock: root device PARTUUID=$partuuid is /dev/vda2"
check "gpt: /data matches the manifest" same_data "$console" "$d/small.manifest"

truncate -s 72M "$d/mbr.img"
printf 'label: dos\nstart=2048, size=131072, type=83\n' | sfdisk -q "$d/mbr.img"
dd if="$d/small.img" of="$d/mbr.img" bs=1M seek=1 conv=notrunc status=none
enc --key-file "$d/k" --partition 1 "$d/mbr.img" "$d/mbr-enc.img" >"$d/mbr.out" 2>"$d/mbr.err"
ok $? "MBR partition 1 encrypted into a new file"
dd if="$d/mbr-enc.img" of="$d/mbr-p1.img" bs=1M skip=1 count=64 status=none
check "MBR: the partition's bytes are LUKS2 the key opens (offline)" \
	cryptsetup open --test-passphrase --key-file "$d/k" "$d/mbr-p1.img"
check "MBR: the UUID printed is the partition's header" grep -qx "LUKS UUID: $(cryptsetup luksUUID "$d/mbr-p1.img")" "$d/mbr.out"
mbr_partuuid=$(sed -n 's/^PARTUUID: \([^ ]*\) .*/\1/p' "$d/mbr.out")
check "MBR: the PARTUUID printed is the kernel's signature-number form" \
	test "$mbr_partuuid" = "$(blkid -p -o value -s PTUUID "$d/mbr-enc.img")-01"
DISK_KEY=$d/k attested_run mbr "snpboot.root.device=PARTUUID=$mbr_partuuid $(disk_pin_words --partition 1 "$d/mbr-enc.img")" \
	-drive "file=$d/mbr-enc.img,if=virtio,format=raw,snapshot=on"
ok "$([ $client_rc = 0 ]; echo $?)" "mbr: attested boot unlocked it (client exit $client_rc)"
check "mbr: root found by PARTUUID as partition 1" has "$console" "unlock: root device PARTUUID=$mbr_partuuid is /dev/vda1"
check "mbr: /data matches the manifest" same_data "$console" "$d/small.manifest"
enc --key-file "$d/k" --partition 3 "$d/mbr.img" "$d/mbr-x.img" 2>"$d/err"
ok "$([ $? = 3 ]; echo $?)" "MBR partition 3 does not exist: exit 3"
check "... says so" grep -q 'no partition 3 in the MBR table' "$d/err"
printf 'label: dos\nstart=2048, size=73728, type=83\n' | sfdisk -q "$d/mbr.img" 2>/dev/null
enc --key-file "$d/k" --partition 1 "$d/mbr.img" "$d/mbr-y.img" 2>"$d/err"
ok "$([ $? = 3 ]; echo $?)" "a partition without 32 MiB free after its filesystem: exit 3"
check "... says to shrink the filesystem" grep -q 'shrink the filesystem first' "$d/err"

# ---- 4. qcow2 to LUKS2 in qcow2 (booted) -----------------------------------------
if command -v qemu-img >/dev/null; then
	enc --key-file "$d/k" "$d/small.qcow2" "$d/enc.qcow2" >"$d/q.out" 2>"$d/q.err"
	ok $? "qcow2 converted and encrypted"
	check "the output is qcow2" bash -c "qemu-img info '$d/enc.qcow2' | grep -q 'file format: qcow2'"
	check "the input qcow2 is unchanged" bash -c "qemu-img compare -q '$d/small.qcow2' '$d/small.img'"
	quuid=$(sed -n 's/^LUKS UUID: //p' "$d/q.out")
	qemu-img convert -O raw "$d/enc.qcow2" "$d/enc-qcow2.raw"
	DISK_KEY=$d/k attested_run qcow2 "snpboot.root.device=UUID=$quuid $(disk_pin_words "$d/enc-qcow2.raw")" -drive "file=$d/enc.qcow2,if=virtio,format=qcow2,snapshot=on"
	ok "$([ $client_rc = 0 ]; echo $?)" "qcow2: attested boot unlocked it (client exit $client_rc)"
	check "qcow2: /data matches the manifest" same_data "$console" "$d/small.manifest"
fi
[ "$t_failed" = 0 ] && rm -rf "$d" # kept for a look when something failed
done_testing
