#!/usr/bin/env bash
# Boot flow end to end with the TEST key source: DHCP and static networking,
# a real LUKS2 disk opened by the guest kernel's dm-crypt, switch_root into the
# second stage, the timeline, and a wrong key followed by the right one.
. "$(dirname "$0")/lib/e2e.sh"
nonce=$(cat "$TEST_DISK_DIR/nonce")
payload=$(cat "$TEST_DISK_DIR/payload.sha256")
keyhex=$(od -An -tx1 "$TEST_DISK_DIR/disk.key" | tr -d ' \n')

check "the nonce is not readable in the encrypted image" bash -c "! grep -qF '$nonce' '$TEST_DISK_DIR/disk.img'"

# 1. DHCP, a wrong key first, then the right one.
head -c 64 /dev/urandom > "$E2E_LOGS/$t_name/wrong.key"
start_key_server "$E2E_LOGS/$t_name/wrong.key" "$TEST_DISK_DIR/disk.key"
boot_guest dhcp "snpboot_test.key_server=10.0.2.2:$key_port" $(disk_args)
stop_key_server
ok $qemu_rc "dhcp: guest powered off by itself (rc $qemu_rc)"
check "dhcp: network configured by DHCP" grep -qE 'net: .*10\.0\.2\.15/24.*dhcp' "$console"
check "dhcp: wrong key reported back as an error" bash -c "head -n1 '$answers' | grep -q '^error: '"
check "dhcp: right key reported back as ok" bash -c "sed -n 2p '$answers' | grep -qx ok"
check "dhcp: second stage is up" has "$console" "SNPBOOT-SECOND-STAGE-UP"
check "dhcp: data read through dm-crypt (secret nonce)" has "$console" "second-stage: nonce=$nonce"
check "dhcp: 1 MiB payload intact" has "$console" "second-stage: content-sha256=$payload"
check "dhcp: root is the dm-crypt mapping" grep -qE 'second-stage: dm name=root uuid=CRYPT-LUKS2-' "$console"
check "dhcp: root mount source is a dm device" grep -qE 'second-stage: root-source=/dev/(mapper/root|dm-0)' "$console"
for phase in mounts config modules network rootdev unlock switch_root; do
	check "dhcp: timeline has $phase" grep -qE "timeline: $phase +start=[0-9]+ ms took=[0-9]+ ms" "$console"
done
check "dhcp: timeline total with peak RSS" grep -qE 'timeline: total +work=[0-9]+ ms .*peak_rss=[0-9]+ KiB' "$console"
check "dhcp: key never printed" lacks "$console" "$keyhex"
check "dhcp: second stage ran to the end" has "$console" "SNPBOOT-SECOND-STAGE-DONE"

# 2. Static addressing from the kernel command line, init arguments, and the
#    root found by the UUID in its LUKS header.
uuid=$(cat "$TEST_DISK_DIR/luks.uuid")
start_key_server "$TEST_DISK_DIR/disk.key"
boot_guest static "snpboot_test.key_server=10.0.2.2:$key_port snpboot.network.mode=static \
snpboot.network.address=10.0.2.15/24 snpboot.network.gateway=10.0.2.2 snpboot.network.dns=10.0.2.3 \
snpboot.switch_root.args=hello,world snpboot.root.device=UUID=$uuid" $(disk_args)
stop_key_server
ok $qemu_rc "static: guest powered off by itself (rc $qemu_rc)"
check "static: static address configured" grep -qE 'net: .*10\.0\.2\.15/24.*static' "$console"
check "static: second stage read the encrypted data" has "$console" "second-stage: nonce=$nonce"
check "static: init got its arguments" has "$console" "second-stage: args=hello world"
check "static: root found by LUKS UUID" has "$console" "unlock: root device UUID=$uuid is /dev/vda"
# 3. A GPT disk: the root is partition 1, found by its PARTUUID from the GPT.
tests/e2e/lib/make-gpt-disk.sh "$TEST_DISK_DIR/disk.img" "$E2E_LOGS/$t_name/gpt.img"
partuuid=$(cat "$E2E_LOGS/$t_name/gpt.img.partuuid")
start_key_server "$TEST_DISK_DIR/disk.key"
boot_guest gpt "snpboot_test.key_server=10.0.2.2:$key_port snpboot.root.device=PARTUUID=$partuuid" \
	-drive "file=$E2E_LOGS/$t_name/gpt.img,if=virtio,format=raw,snapshot=on"
stop_key_server
ok $qemu_rc "gpt: guest powered off by itself (rc $qemu_rc)"
check "gpt: root found by PARTUUID as partition 1" has "$console" "unlock: root device PARTUUID=$partuuid is /dev/vda1"
check "gpt: second stage read the encrypted data" has "$console" "second-stage: nonce=$nonce"
done_testing
