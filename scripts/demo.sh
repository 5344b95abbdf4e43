#!/usr/bin/env bash
# `make demo`: the main job end to end on a machine without SNP hardware.
#  1. a busybox second stage in an ext4 image, encrypted offline to LUKS2;
#     an owner key, and an image whose measured boot.toml pins that key and
#     the encrypted disk (snpboot owner-key, snpboot disk-pin, make initramfs);
#  2. snp-sim, the simulated AMD Secure Processor, with its TEST root;
#  3. QEMU (TCG) boots that production image; its first stage listens
#     for the owner on the attested TLS channel (2 and 3: `snpboot
#     launch-qemu --sim` from the VM definition, after config-generator --check);
#  4. `snpboot client` verifies the report against the VM definition and
#     only then sends the disk key; the guest unlocks, switches root and the
#     second stage greets us; the boot timeline follows.
# Exit 0 only if all of that happened.
set -euo pipefail
BUILD=${BUILD:-build}
demo=$(mkdir -p "$BUILD/demo" && realpath "$BUILD/demo")
snpboot=$(realpath "$BUILD/host/snpboot")
initrd=$demo/initramfs.cpio.gz
kernel=$(realpath "$BUILD/kernel/vmlinuz")
# The firmware snp-sim measures: the AmdSev OVMF that `make ovmf-amdsev` builds
# (its SNP_KERNEL_HASHES section puts kernel, initrd and command line into
# MEASUREMENT). Under TCG the guest still boots through SeaBIOS: that image
# boots only SEV guests, so only its measurement matters here.
ovmf=$(realpath "${DEMO_OVMF:-$BUILD/ovmf/OVMF.amdsev.fd}")
[ -s "$ovmf" ] || { echo "demo: no firmware $ovmf (make ovmf-amdsev builds it)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
append="console=ttyS0 panic=-1 loglevel=4 snpboot.attestation.provider=sim"

step() { printf '\ndemo: == %s\n' "$*"; }
step "encrypting the demo second stage (make rootfs-demo) to LUKS2: snpboot encrypt-disk"
rootfs=$BUILD/rootfs-demo/rootfs.img
[ -s "$rootfs" ] || { echo "demo: no $rootfs (make rootfs-demo builds it)" >&2; exit 1; }
rm -rf "$demo/disk" && mkdir -p "$demo/disk"
"$snpboot" encrypt-disk --generate-key "$demo/disk/disk.key" "$rootfs" "$demo/disk/disk.img" | tee "$demo/disk/encrypt.out"
uuid=$(sed -n 's/^LUKS UUID: //p' "$demo/disk/encrypt.out")
echo "demo: LUKS2 disk $demo/disk/disk.img (uuid $uuid), key $demo/disk/disk.key (0600)"

step "the owner's key and the measured boot.toml that pins it and the disk: snpboot owner-key, config-generator --boot-config"
rm -f "$demo/owner.pem"
"$snpboot" owner-key --generate "$demo/owner.pem"
"$snpboot" config-generator --owner-key "$demo/owner.pem" --disk "$demo/disk/disk.img" \
	--boot-config-from config/boot.toml --boot-config "$demo/boot.toml" --force >/dev/null
grep -E '^(owner_key_sha256|pin_)' "$demo/boot.toml"
step "building the image from it: make initramfs BOOT_CONFIG=$demo/boot.toml"
make --no-print-directory -s BUILD="$BUILD" BOOT_CONFIG="$demo/boot.toml" INITRAMFS="$initrd" "$initrd"

cat >"$demo/vm.toml" <<TOML
# Demo VM definition (written by scripts/demo.sh). It trusts snp-sim's TEST
# root: nothing it verifies says anything about real hardware.
[vm]
name = "snpboot-demo"
vcpus = 1
vcpu_type = "EPYC-v4"
memory_mib = 512
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "$kernel"
initrd = "$initrd"
append = "$append"
[platform]
product = "milan"
trust_anchor = "$demo/sim-state/ark.pem"
simulated = true
[channel]
mode = "connect"
address = "127.0.0.1:$port"
timeout_s = 300
disk_key_file = "$demo/disk/disk.key"
owner_key = "$demo/owner.pem"
[launch]
disk = "$demo/disk/disk.img"
disk_snapshot = true
console = "$demo/console.log"
[sim]
state_dir = "$demo/sim-state"
TOML
step "snp-sim's TEST root (made on its first run), which the definition trusts"
"$snpboot" snp-sim --vm-definition "$demo/vm.toml" --print-anchor 2>"$demo/sim-pki.log" ||
	{ cat "$demo/sim-pki.log" >&2; exit 1; }
step "reviewing the definition: snpboot config-generator --check (all findings in $demo/vm.check)"
"$snpboot" config-generator --check "$demo/vm.toml" >"$demo/vm.check" 2>&1 || { cat "$demo/vm.check" >&2; exit 1; }
tail -n 1 "$demo/vm.check"
step "expected MEASUREMENT from the definition"
"$snpboot" measure --vm-definition "$demo/vm.toml"

step "starting snp-sim (simulated AMD Secure Processor, TEST keys) and QEMU (TCG): snpboot launch-qemu --sim"
"$snpboot" launch-qemu --vm-definition "$demo/vm.toml" --sim --print --sim-socket "$demo/sim.sock" >"$demo/launch.cmd"
echo "demo: the commands are in $demo/launch.cmd; console in $demo/console.log, snp-sim's log in $demo/sim.log"
qemu=
cleanup() { [ -n "$qemu" ] && kill "$qemu" 2>/dev/null || true; } # launch-qemu stops QEMU and snp-sim
trap cleanup EXIT
timeout 600 "$snpboot" launch-qemu --vm-definition "$demo/vm.toml" --sim --sim-socket "$demo/sim.sock" \
	--sim-log "$demo/sim.log" </dev/null >"$demo/qemu.log" 2>&1 &
qemu=$!

step "the owner: snpboot client --vm-definition $demo/vm.toml"
set +e
"$snpboot" client --vm-definition "$demo/vm.toml" # the key: [channel] disk_key_file
rc=$?
set -e
wait $qemu || true
qemu=
step "what the guest printed"
grep -E 'snpboot: |second-stage|SNPBOOT-SECOND' "$demo/console.log" || true
# The root the second stage runs from is the dm-crypt mapping of this LUKS2 disk.
if [ $rc -ne 0 ] || ! grep -q "second-stage: dm name=root uuid=CRYPT-LUKS2-${uuid//-/}-root" "$demo/console.log" ||
	! grep -q "SNPBOOT-SECOND-STAGE-DONE" "$demo/console.log"; then
	echo "demo: FAILED (client exit $rc); logs in $demo" >&2
	exit 1
fi
step "the boot timeline (chart: $demo/timeline.svg; make timeline compares boots)"
"$snpboot" timeline --svg "$demo/timeline.svg" "$demo/console.log"
step "OK: attested, key released, disk unlocked by dm-crypt, second stage ran"
echo "demo: next, the unattended path for a fleet (the key broker, a reboot): make demo-fleet"
