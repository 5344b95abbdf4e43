#!/usr/bin/env bash
# The boot flow end to end on the real path: the production image gets its key
# over the attested channel (snp-sim + `snpboot client`), the guest kernel's
# dm-crypt opens a real LUKS2 disk, switch_root runs the second stage. Covers
# DHCP and static networking, the root by path, LUKS UUID and GPT PARTUUID,
# init arguments and the timeline. (attested_boot.t covers the refusals.)
. "$(dirname "$0")/lib/e2e.sh"
payload=$(cat "$TEST_DISK_DIR/payload.sha256")

check "the nonce is not readable in the encrypted image" bash -c "! grep -qF '$nonce' '$TEST_DISK_DIR/disk.img'"

# 1. DHCP, root by path.
attested_run dhcp "" $(disk_args)
ok "$([ $client_rc = 0 ]; echo $?)" "dhcp: the owner released the key, the guest unlocked (client exit $client_rc)"
ok $qemu_rc "dhcp: guest powered off by itself (rc $qemu_rc)"
check "dhcp: network configured by DHCP" grep -qE 'net: .*10\.0\.2\.15/24.*dhcp' "$console"
check "dhcp: second stage is up" has "$console" "SNPBOOT-SECOND-STAGE-UP"
check "dhcp: data read through dm-crypt (secret nonce)" has "$console" "second-stage: nonce=$nonce"
check "dhcp: 1 MiB payload intact" has "$console" "second-stage: content-sha256=$payload"
check "dhcp: root is the dm-crypt mapping" grep -qE 'second-stage: dm name=root uuid=CRYPT-LUKS2-' "$console"
check "dhcp: root mount source is a dm device" grep -qE 'second-stage: root-source=/dev/(mapper/root|dm-0)' "$console"
for phase in mounts config modules network rootdev unlock switch_root; do
	check "dhcp: timeline has $phase" grep -qE "timeline: $phase +start=[0-9]+ ms took=[0-9]+ ms" "$console"
done
check "dhcp: owner time is counted as wait, not work" grep -qE 'timeline: unlock .* wait=[1-9][0-9]* ms' "$console"
check "dhcp: timeline total with peak RSS" grep -qE 'timeline: total +work=[0-9]+ ms .*peak_rss=[1-9][0-9]* KiB' "$console"
check "dhcp: key never printed by the guest" lacks "$console" "$keyhex"
check "dhcp: key never printed by the client" lacks "$work/dhcp.client" "$keyhex"
check "dhcp: second stage ran to the end" has "$console" "SNPBOOT-SECOND-STAGE-DONE"

# 2. Static addressing from the kernel command line, init arguments, and the
#    root found by the UUID in its LUKS header.
uuid=$(cat "$TEST_DISK_DIR/luks.uuid")
attested_run static "snpboot.network.mode=static snpboot.network.address=10.0.2.15/24 \
snpboot.network.gateway=10.0.2.2 snpboot.network.dns=10.0.2.3 snpboot.switch_root.args=hello,world \
snpboot.root.device=UUID=$uuid" $(disk_args)
ok "$([ $client_rc = 0 ]; echo $?)" "static: unlocked (client exit $client_rc)"
ok $qemu_rc "static: guest powered off by itself (rc $qemu_rc)"
check "static: static address configured" grep -qE 'net: .*10\.0\.2\.15/24.*static' "$console"
check "static: second stage read the encrypted data" has "$console" "second-stage: nonce=$nonce"
check "static: init got its arguments" has "$console" "second-stage: args=hello world"
check "static: root found by LUKS UUID" has "$console" "unlock: root device UUID=$uuid is /dev/vda"

# 3. A GPT disk: the root is partition 1, found by its PARTUUID from the GPT.
tests/e2e/lib/make-gpt-disk.sh "$TEST_DISK_DIR/disk.img" "$work/gpt.img"
partuuid=$(cat "$work/gpt.img.partuuid")
attested_run gpt "snpboot.root.device=PARTUUID=$partuuid" -drive "file=$work/gpt.img,if=virtio,format=raw,snapshot=on"
ok "$([ $client_rc = 0 ]; echo $?)" "gpt: unlocked (client exit $client_rc)"
ok $qemu_rc "gpt: guest powered off by itself (rc $qemu_rc)"
check "gpt: root found by PARTUUID as partition 1" has "$console" "unlock: root device PARTUUID=$partuuid is /dev/vda1"
check "gpt: second stage read the encrypted data" has "$console" "second-stage: nonce=$nonce"
done_testing
