#!/usr/bin/env bash
# mk-shell-initramfs.sh IMAGE.cpio.gz DISK.key OUT.cpio.gz
# A first stage WITHOUT attestation or disk pin: IMAGE with its /init
# replaced by bench/baseline/init (busybox-static shell: modules, DHCP,
# cryptsetup open with DISK.key read from the image, mount, switch_root).
# `make bench` measures against it; tests/e2e/disk_pin_attack.t boots it to
# show that a host-made disk really is an attack when nothing checks the pin.
# Never an image to deploy: the key sits inside. Packed like
# scripts/mkinitramfs.sh (sorted names, 0:0, mtime SOURCE_DATE_EPOCH, gzip -9n).
set -euo pipefail
[ $# = 3 ] || { echo "usage: $0 IMAGE.cpio.gz DISK.key OUT.cpio.gz" >&2; exit 2; }
in=$1 key=$2 out=$3
here=$(cd "$(dirname "$0")/.." && pwd)
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
stage=$(mktemp -d "${TMPDIR:-/tmp}/shell-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
gzip -dc "$in" | (cd "$stage" && cpio -idm --quiet 2>/dev/null)
rm -f "$stage/init" "$stage/etc/snpboot/boot.toml"
mkdir -p "$stage/bin" "$stage/etc/bench"
cp /bin/busybox "$stage/bin/busybox"
for a in sh mount cat echo insmod ip udhcpc mkdir usleep switch_root poweroff; do
	ln -s busybox "$stage/bin/$a"
done
install -m 0755 "$here/bench/baseline/init" "$stage/init"
install -m 0755 "$here/bench/baseline/udhcpc.script" "$stage/etc/bench/udhcpc.script"
install -m 0600 "$key" "$stage/etc/bench/disk.key"
# Normalise what umasks may vary, as scripts/mkinitramfs.sh does.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -perm /111 -exec chmod 0755 {} +
find "$stage" -type f ! -perm /111 -exec chmod 0644 {} +
chmod 0600 "$stage/etc/bench/disk.key"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc --reproducible -R 0:0) | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
