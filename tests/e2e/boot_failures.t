#!/usr/bin/env bash
# Failure actions of the first stage: each failure is logged with what and why
# and ends in the configured action; PID 1 never just exits (that would panic).
. "$(dirname "$0")/lib/e2e.sh"

# Missing disk: the root device never appears; one retry, then power off.
boot_guest nodisk "snpboot.failure.retries=1 snpboot.failure.retry_delay_ms=100 snpboot.root.device_timeout_ms=1500 snpboot.network.mode=none"
ok $qemu_rc "missing disk: guest powered off (rc $qemu_rc)"
check "missing disk: says which device and why" grep -qE 'rootdev failed: root device /dev/vda did not appear within 1500 ms' "$console"
check "missing disk: retried once" grep -qE 'rootdev: retry 1 of 1' "$console"
check "missing disk: final action logged" has "$console" "giving up: powering off"
check "missing disk: no kernel panic" lacks "$console" "Kernel panic"

# Bad configuration on the kernel command line: refused before anything else runs.
boot_guest badcfg "snpboot.network.mode=bogus"
ok $qemu_rc "bad config: guest powered off (rc $qemu_rc)"
check "bad config: names key, allowed values and the bad value" \
	grep -qE "config failed: kernel command line: 'snpboot.network.mode' must be one of none dhcp static, got 'bogus'" "$console"
check "bad config: no kernel panic" lacks "$console" "Kernel panic"
boot_guest unknownkey "snpboot.network.moed=dhcp"
check "unknown key: refused by name" grep -qF "unknown key 'snpboot.network.moed'" "$console"

# Reboot as the configured action: QEMU runs with -no-reboot, so it exits.
boot_guest reboot "snpboot.failure.action=reboot snpboot.root.device_timeout_ms=500 snpboot.network.mode=none"
ok $qemu_rc "reboot action: guest left QEMU (rc $qemu_rc)"
check "reboot action: logged" has "$console" "giving up: rebooting"
# The image gets its key only over the attested channel: with no
# owner turning up before the deadline it must fail closed and power off.
boot_guest production "snpboot.failure.retries=0 snpboot.channel.deadline_s=3" $(disk_args)
ok $qemu_rc "production image: guest powered off (rc $qemu_rc)"
check "production image: reached the unlock phase" has "$console" "unlock: root device /dev/vda is /dev/vda"
check "production image: made a fresh channel key" grep -qE 'channel: guest key made for this boot, SPKI SHA-256 [0-9a-f]{64}' "$console"
check "production image: listened for the owner" has "$console" "channel: listening on port 7443 for the owner"
check "production image: fails closed without an owner" has "$console" "unlock failed: no owner connected within 3 s"
check "production image: never reached the second stage" lacks "$console" "SNPBOOT-SECOND-STAGE-UP"

# A mount that fails after a good unlock removes the mapping first, so the
# retry maps the disk again (it used to fail with "device already exists").
port=$(free_port)
append="$base_append snpboot.root.fstype=xfs snpboot.failure.retries=1 snpboot.failure.retry_delay_ms=100"
vmdef "$work/badfs.toml" "$append" "127.0.0.1:$port" connect
start_sim "$work/badfs.toml" badfs
start_guest badfs "$append" $(disk_args) -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443" \
	-device virtio-net-pci,netdev=n0 $(sim_args)
client badfs1 --vm-definition "$work/badfs.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
is "$client_rc" 4 "wrong fstype: the key was sent and the guest reported the failed mount (exit 4)"
check "... the owner is told the mount failed" grep -q "mount /dev/mapper/root (xfs" "$work/badfs1.client"
client badfs2 --vm-definition "$work/badfs.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
wait_guest
stop_sim
check "the retry unlocked again and failed at the mount, not at the mapping" \
	grep -q "mount /dev/mapper/root (xfs" "$work/badfs2.client"
is "$(grep -c 'unlock: mapping root removed' "$console")" 2 "the mapping was removed after each failed mount"
check "no 'already exists' on the retry" lacks "$console" "already exists"
check "then the final action" has "$console" "giving up: powering off"
done_testing
