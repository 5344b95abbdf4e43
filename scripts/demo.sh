#!/usr/bin/env bash
# `make demo`: the main job end to end on a machine without SNP hardware.
#  1. a busybox second stage in an ext4 image, encrypted offline to LUKS2;
#  2. snp-sim, the simulated AMD Secure Processor, with its TEST root;
#  3. QEMU (TCG) boots the production initramfs; its first stage listens
#     for the owner on the attested TLS channel;
#  4. `snpboot client` verifies the report against the VM definition and
#     only then sends the disk key; the guest unlocks, switches root and the
#     second stage greets us; the boot timeline follows.
# Exit 0 only if all of that happened.
set -euo pipefail
BUILD=${BUILD:-build}
demo=$(mkdir -p "$BUILD/demo" && realpath "$BUILD/demo")
snpboot=$(realpath "$BUILD/host/snpboot")
initrd=$(realpath "$BUILD/initramfs.cpio.gz")
kernel=$(realpath "$BUILD/kernel/vmlinuz")
# The firmware snp-sim measures. Under TCG the guest boots through SeaBIOS, so
# only its measurement matters; until `make ovmf-amdsev` exists this is the
# AmdSev OVMF tail from the shared test vectors.
ovmf=$(realpath "${DEMO_OVMF:-../shared/testvectors/measurement/ovmf_AmdSev_suffix.bin}")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
append="console=ttyS0 panic=-1 loglevel=4 snpboot.attestation.provider=sim"

step() { printf '\ndemo: == %s\n' "$*"; }
step "making the encrypted demo disk"
tests/e2e/lib/make-test-disk.sh "$demo/disk" >/dev/null
echo "demo: LUKS2 disk $demo/disk/disk.img (uuid $(cat "$demo/disk/luks.uuid")), key $demo/disk/disk.key (0600)"

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
[sim]
state_dir = "$demo/sim-state"
TOML
step "expected MEASUREMENT from the definition"
"$snpboot" measure --vm-definition "$demo/vm.toml"

step "starting snp-sim (simulated AMD Secure Processor, TEST keys)"
rm -f "$demo/sim.sock"
"$snpboot" snp-sim --vm-definition "$demo/vm.toml" --socket "$demo/sim.sock" >"$demo/sim.log" 2>&1 &
sim=$!
qemu=
cleanup() { kill $sim ${qemu:+$qemu} 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 600); do [ -S "$demo/sim.sock" ] && break; kill -0 $sim 2>/dev/null || break; sleep 0.1; done
[ -S "$demo/sim.sock" ] || { echo "demo: snp-sim did not start:" >&2; cat "$demo/sim.log" >&2; exit 1; }

step "booting the production initramfs in QEMU (TCG); console in $demo/console.log"
timeout 600 qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 1 -m 512 \
	-display none -monitor none -no-reboot -serial "file:$demo/console.log" \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443" -device virtio-net-pci,netdev=n0 \
	-drive "file=$demo/disk/disk.img,if=virtio,format=raw,snapshot=on" \
	-chardev "socket,id=snpsim,path=$demo/sim.sock,reconnect=1" -device virtio-serial-pci \
	-device virtserialport,chardev=snpsim,name=org.snpboot.sim </dev/null >"$demo/qemu.log" 2>&1 &
qemu=$!

step "the owner: snpboot client --vm-definition $demo/vm.toml"
set +e
"$snpboot" client --vm-definition "$demo/vm.toml" --disk-key-file "$demo/disk/disk.key"
rc=$?
set -e
wait $qemu || true
qemu=
step "what the guest printed"
grep -E 'snpboot: |second-stage|SNPBOOT-SECOND' "$demo/console.log" || true
if [ $rc -ne 0 ] || ! grep -q "second-stage: nonce=$(cat "$demo/disk/nonce")" "$demo/console.log"; then
	echo "demo: FAILED (client exit $rc); logs in $demo" >&2
	exit 1
fi
step "OK: attested, key released, disk unlocked by dm-crypt, second stage ran"
