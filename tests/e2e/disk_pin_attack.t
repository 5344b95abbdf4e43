#!/usr/bin/env bash
# The host's attacks on the disk, end to end (issue: "hand over only to the
# owner's disk"). Whatever runs after switch_root can obtain genuine reports
# for this MEASUREMENT, so the first stage must open only the disk its
# measured boot.toml pins (tests/tests.mk pins the test disk), mapped as pinned:
#   1. a disk the host made with the pinned UUID, its own key and volume key:
#      refused before the owner is asked for anything;
#   2. the owner's keyslots and digest under a header whose segment is
#      cipher_null-ecb over a plaintext root the host wrote. First shown to
#      WORK against a first stage that checks no pin (the owner's key maps the
#      host's root and its code runs; the test image carries crypto_null, so
#      nothing but the pin stops it), then refused: at the header when served
#      as it is, and on the kernel's live mapping when the host serves the
#      owner's header to the check and the forged one to cryptsetup. There the
#      owner is told "refused: disk does not match the pin";
#   3. a keyslot area encrypted with cipher_null: refused by policy, before
#      cryptsetup runs. (cryptsetup's own "Cannot use cipher_null-ecb cipher
#      for keyslot encryption" only appears where the kernel lacks
#      crypto_null; with it loaded, as in this image, cryptsetup would try it.)
# The key never appears on the console or in the client's output.
. "$(dirname "$0")/lib/e2e.sh"
edit="python3 $(dirname "$0")/lib/luks2_edit.py"
uuid=$(cat "$TEST_DISK_DIR/luks.uuid")
offset=$(sed -n 's/^pin_offset = //p' "$BUILD/test/boot.toml")
[ -n "$offset" ] || { echo "Bail out! no pin_offset in $BUILD/test/boot.toml"; exit 1; }
append="$base_append snpboot.failure.retries=0"
vda() { echo "-drive file=$1,if=virtio,format=raw${2:+,$2}"; }

# ---- 1. the host's own disk under the pinned UUID ------------------------------
head -c 64 /dev/urandom >"$work/host.key"
truncate -s 40M "$work/impostor.img"
cryptsetup luksFormat --batch-mode --type luks2 --uuid "$uuid" --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$work/host.key" "$work/impostor.img" >"$work/impostor.log" 2>&1
ok $? "the host makes its own LUKS2 disk with the pinned UUID $uuid"
boot_guest impostor "$append" $(vda "$work/impostor.img" snapshot=on)
check "impostor: refused before any key is asked for" \
	has "$console" "rootdev failed: the disk does not match the pin, not asking for a key: /dev/vda: LUKS2 header:"
check "impostor: the reason is the volume-key digest" grep -qE 'rootdev failed: .*digest' "$console"
check "impostor: the channel never opened" lacks "$console" "channel: listening"
check "impostor: powered off" has "$console" "giving up: powering off"

# ---- 2. the owner's keyslots over a cipher_null segment and the host's root ----
mkdir -p "$work/hostextra/etc"
hostnonce="HOST-ROOT-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
echo "$hostnonce" >"$work/hostextra/etc/test-nonce"
scripts/mkrootfs-demo.sh --label host-root --extra "$work/hostextra" "$work/hostroot.img" >"$work/hostroot.log" 2>&1
ok $? "the host writes a plaintext root of its own"
cp "$TEST_DISK_DIR/disk.img" "$work/forged.img"
dd if="$work/hostroot.img" of="$work/forged.img" bs=1M seek=$((offset / 1048576)) conv=notrunc status=none
$edit set-segment-cipher "$work/forged.img" cipher_null-ecb >"$work/forged.edit" 2>&1
ok $? "forged: the owner's header, keyslots and digest, segment cipher_null-ecb, over the host's root"

# 2a. Without a pin check the attack works: the owner's key maps the host's root.
scripts/mk-shell-initramfs.sh "$INITRAMFS" "$TEST_DISK_DIR/disk.key" "$work/nopin.cpio.gz"
INITRAMFS=$work/nopin.cpio.gz boot_guest nopin "console=ttyS0 panic=-1 loglevel=4" $(vda "$work/forged.img" snapshot=on)
check "no pin check: the owner's key opens the forged disk and the HOST's root runs" \
	has "$console" "second-stage: nonce=$hostnonce"

# 2b. Served as it is: refused at the header.
boot_guest forged "$append" $(vda "$work/forged.img" snapshot=on)
check "forged header: refused before any key is asked for" \
	grep -qE 'rootdev failed: the disk does not match the pin, not asking for a key: .*cipher_null-ecb' "$console"
check "forged header: the channel never opened" lacks "$console" "channel: listening"

# 2c. The host serves the owner's header to the check, then the forged one.
cp "$TEST_DISK_DIR/disk.img" "$work/swap.img"
port=$(free_port)
vmdef "$work/swap.toml" "$append" "127.0.0.1:$port" connect
start_sim "$work/swap.toml" swap
start_guest swap "$append" -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443" \
	-device virtio-net-pci,netdev=n0 $(sim_args) $(vda "$work/swap.img" cache=writethrough)
wait_console "matches the disk pin" 120
ok $? "swap: the first stage checked the owner's header"
wait_console "channel: listening" 60
cp "$work/forged.img" "$work/swap.img.new" && dd if="$work/swap.img.new" of="$work/swap.img" bs=1M conv=notrunc,fsync status=none
ok $? "swap: the host now serves the forged disk"
client swap --vm-definition "$work/swap.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
wait_guest
stop_sim
is "$client_rc" 4 "swap: the client verified and sent the key, the guest refused the mapping (exit 4)"
check "swap: the owner is told why" grep -q "refused: disk does not match the pin" "$work/swap.client"
check "swap: the live mapping was checked and refused" \
	grep -qE 'refused: disk does not match the pin: the live mapping: .*cipher_null-ecb' "$console"
check "swap: the mapping was removed" has "$console" "unlock: mapping root removed"
check "swap: nothing was mounted" lacks "$console" "mounted on /newroot"
check "swap: the host's root never ran" lacks "$console" "$hostnonce"
check "swap: no second stage" lacks "$console" "SNPBOOT-SECOND-STAGE-UP"
for f in "$work"/*.console "$work"/*.client; do
	check "the key is not in $(basename "$f")" lacks "$f" "$keyhex"
done

# ---- 3. a keyslot area with cipher_null ------------------------------------------
cp "$TEST_DISK_DIR/disk.img" "$work/nullslot.img"
$edit set-keyslot-cipher "$work/nullslot.img" cipher_null-ecb >"$work/nullslot.edit" 2>&1
ok $? "nullslot: keyslot 0's area is declared cipher_null-ecb"
boot_guest nullslot "$append" $(vda "$work/nullslot.img" snapshot=on)
check "nullslot: refused before any key is asked for" \
	grep -qE 'rootdev failed: the disk does not match the pin, not asking for a key: .*keyslots.0.area.encryption' "$console"
done_testing
