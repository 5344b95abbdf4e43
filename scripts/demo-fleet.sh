#!/usr/bin/env bash
# `make demo-fleet`: the unattended path, after `make demo`'s attended one.
#  1. ONE fleet image: boot.toml says [initdata] mode = "required" and
#     [channel] mode = "connect", and leaves the broker's address and pin,
#     root.device and the disk pin to each VM's initdata;
#  2. the broker's keys (`broker init-key`, `owner-key --generate`), one
#     VM's initdata (`snpboot initdata` checks it and prints its HOST_DATA),
#     its definition ([vm] initdata), `broker add` with its disk key;
#  3. `snpboot broker serve` on SQLite; the VM boots (launch-qemu --sim),
#     dials the broker, which verifies it and releases its key: no client,
#     no person;
#  4. the VM is launched again (what a host restart does: a new launch, a
#     new REPORT_ID): the broker releases the key again, unattended;
#     `broker log` shows both releases.
# Exit 0 only if both boots reached the second stage through the broker.
set -euo pipefail
BUILD=${BUILD:-build}
demo=$(mkdir -p "$BUILD/demo-fleet" && realpath "$BUILD/demo-fleet")
snpboot=$(realpath "$BUILD/host/snpboot")
initrd=$demo/fleet.cpio.gz
kernel=$(realpath "$BUILD/kernel/vmlinuz")
ovmf=$(realpath "${DEMO_OVMF:-$BUILD/ovmf/OVMF.amdsev.fd}")
[ -s "$ovmf" ] || { echo "demo-fleet: no firmware $ovmf (make ovmf-amdsev builds it)" >&2; exit 1; }
rootfs=$BUILD/rootfs-demo/rootfs.img
[ -s "$rootfs" ] || { echo "demo-fleet: no $rootfs (make rootfs-demo builds it)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The image's command line, the same for every VM of the fleet (measured).
append="console=ttyS0 panic=-1 loglevel=4 snpboot.attestation.provider=sim"
step() { printf '\ndemo-fleet: == %s\n' "$*"; }
adm() { "$snpboot" broker --db "sqlite:$demo/broker.sqlite" --master-key "$demo/master.key" "$@"; }

broker= qemu=
cleanup() {
	[ -n "$qemu" ] && kill "$qemu" 2>/dev/null # launch-qemu stops QEMU and snp-sim
	[ -n "$broker" ] && kill -TERM "$broker" 2>/dev/null
	wait 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$demo" && mkdir -p "$demo/disk"

step "the VM's disk: the demo second stage, encrypted to LUKS2 (snpboot encrypt-disk)"
"$snpboot" encrypt-disk --generate-key "$demo/disk/disk.key" "$rootfs" "$demo/disk/disk.img" >"$demo/disk/encrypt.out"
uuid=$(sed -n 's/^LUKS UUID: //p' "$demo/disk/encrypt.out")
echo "demo-fleet: $demo/disk/disk.img (LUKS UUID $uuid), key $demo/disk/disk.key"

step "the broker's keys: snpboot broker init-key (master key), snpboot owner-key --generate (the key guests pin)"
"$snpboot" broker init-key "$demo/master.key"
pin_line=$("$snpboot" owner-key --generate "$demo/broker.pem" | grep '^owner_key_sha256 = ')
echo "$pin_line"

step "ONE image for the fleet: [initdata] mode = \"required\", [channel] mode = \"connect\""
{
	sed -e '/^\[initdata\]/,$d' -e 's/^mode = "listen"$/mode = "connect"/' -e '/^device = "\/dev\/vda"$/d' config/boot.toml
	printf '[initdata]\nmode = "required"\n'
	printf 'allow = ["channel.owner_address", "channel.owner_key_sha256", "root.device", "root.pin_*"]\n'
} >"$demo/boot.toml"
"$snpboot" boot-config "$demo/boot.toml"
make --no-print-directory -s BUILD="$BUILD" BOOT_CONFIG="$demo/boot.toml" INITRAMFS="$initrd" "$initrd"

step "the VM's initdata (its name, the broker's address and pin, its disk): snpboot initdata --boot-config"
{
	printf '# initdata of fleet-vm1 (written by scripts/demo-fleet.sh)\n[vm]\nname = "fleet-vm1"\n'
	printf '[channel]\nowner_address = "10.0.2.2:%s"\n%s\n' "$port" "$pin_line"
	printf '[root]\ndevice = "UUID=%s"\n' "$uuid"
	"$snpboot" disk-pin "$demo/disk/disk.img" | grep '^pin_'
} >"$demo/vm1.initdata.toml"
"$snpboot" initdata "$demo/vm1.initdata.toml" --boot-config "$demo/boot.toml"

cat >"$demo/vm1.toml" <<TOML
# VM definition of fleet-vm1 (written by scripts/demo-fleet.sh). It trusts
# snp-sim's TEST root: nothing it verifies says anything about real hardware.
[vm]
name = "fleet-vm1"
initdata = "$demo/vm1.initdata.toml"
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
mode = "listen"
address = "127.0.0.1:$port"
[launch]
disk = "$demo/disk/disk.img"
disk_snapshot = true
[sim]
state_dir = "$demo/sim-state"
TOML
"$snpboot" snp-sim --vm-definition "$demo/vm1.toml" --print-anchor >/dev/null 2>"$demo/sim-pki.log" ||
	{ cat "$demo/sim-pki.log" >&2; exit 1; }

step "registering the VM with the broker: snpboot broker add vm1.toml --disk-key-file (sealed under the master key)"
adm add "$demo/vm1.toml" --disk-key-file "$demo/disk/disk.key"
adm list

step "the broker: snpboot broker serve --db sqlite:$demo/broker.sqlite on 127.0.0.1:$port (the guests' 10.0.2.2:$port)"
"$snpboot" broker serve --db "sqlite:$demo/broker.sqlite" --master-key "$demo/master.key" \
	--owner-key "$demo/broker.pem" --listen "127.0.0.1:$port" --workers 2 --ready-file "$demo/ready" \
	>"$demo/broker.log" 2>&1 &
broker=$!
for _ in $(seq 300); do [ -s "$demo/ready" ] && break; sleep 0.1; done
[ -s "$demo/ready" ] || { cat "$demo/broker.log" >&2; exit 1; }
head -n 1 "$demo/broker.log"

boot() { # boot N: launch-qemu --sim, and what the guest and the broker said
	step "boot $1: snpboot launch-qemu --sim --vm-definition vm1.toml (no client, nobody at the keyboard)"
	local console=$demo/boot$1.console
	timeout 600 "$snpboot" launch-qemu --vm-definition "$demo/vm1.toml" --sim --console "$console" \
		--sim-socket "$demo/sim.sock" --sim-log "$demo/boot$1.sim.log" </dev/null >"$demo/boot$1.qemu" 2>&1 &
	qemu=$!
	wait $qemu || true
	qemu=
	grep -E 'snpboot: (initdata: applied|channel: (connected|TLS)|unlock: root unlocked)|second-stage: (hello|dm )' "$console" || true
	grep -q "SNPBOOT-SECOND-STAGE-DONE" "$console" ||
		{ echo "demo-fleet: FAILED: boot $1 did not reach the second stage; logs in $demo" >&2; exit 1; }
	echo "demo-fleet: the broker said:"
	tail -n 1 "$demo/broker.log"
}
boot 1
boot 2

step "the audit log: snpboot broker log"
adm log | tee "$demo/audit.out"
releases=$(grep -cE '^[^ ]+ +released +fleet-vm1 ' "$demo/audit.out" || true)
rids=$(grep -E '^[^ ]+ +released +fleet-vm1 ' "$demo/audit.out" | grep -oE 'report_id=[0-9a-f]{64}' | sort -u | wc -l)
if [ "$releases" != 2 ] || [ "$rids" != 2 ]; then
	echo "demo-fleet: FAILED: expected two releases with two REPORT_IDs; logs in $demo" >&2
	exit 1
fi
step "OK: two launches, two REPORT_IDs, the key released twice by the broker, unattended"
