#!/usr/bin/env bash
# `make demo`: boots the first stage in QEMU (TCG) against a real LUKS2 disk
# and switch_roots into a busybox second stage that greets us.
# Until the attested channel lands, the key comes from the INSECURE test key
# source of a test image: this demo shows the boot flow, not attestation.
set -euo pipefail
BUILD=${BUILD:-build}
demo=$BUILD/demo
mkdir -p "$demo"
tests/e2e/lib/make-test-disk.sh "$demo/disk" >/dev/null
python3 tests/e2e/lib/testkey_server.py --port-file "$demo/key.port" --answers "$demo/key.answers" \
	--timeout 300 "$demo/disk/disk.key" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$demo/key.port" ] && break; sleep 0.1; done
echo "demo: booting $BUILD/kernel/vmlinuz with $BUILD/test/initramfs-test.cpio.gz (TCG, this takes a while)"
timeout 300 qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 1 -m 512 \
	-display none -monitor none -no-reboot -serial stdio \
	-kernel "$BUILD/kernel/vmlinuz" -initrd "$BUILD/test/initramfs-test.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4 snpboot_test.key_server=10.0.2.2:$(cat "$demo/key.port")" \
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
	-drive "file=$demo/disk/disk.img,if=virtio,format=raw,snapshot=on" </dev/null | tee "$demo/console.log" |
	grep --line-buffered -E 'snpboot: |second-stage|SNPBOOT-SECOND'
grep -q "second-stage: nonce=$(cat "$demo/disk/nonce")" "$demo/console.log" || {
	echo "demo: FAILED: the second stage did not come up (console: $demo/console.log)" >&2
	exit 1
}
echo "demo: OK: the encrypted root was unlocked and the second stage ran"
