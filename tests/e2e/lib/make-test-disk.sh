#!/usr/bin/env bash
# Builds the test second stage (busybox-static) into an ext4 image and encrypts
# it to LUKS2 offline (cryptsetup reencrypt --encrypt on the file: no dm-crypt
# or root needed on the host), keyed with a random 64-byte key.
#   make-test-disk.sh OUTDIR     -> OUTDIR/{disk.img,disk.key,nonce,payload.sha256,luks.uuid}
set -euo pipefail
out=$1
here=$(dirname "$0")
rm -rf "$out" && mkdir -p "$out/root"/{bin,sbin,etc,proc,sys,dev,run,tmp}
root=$out/root
cp /bin/busybox "$root/bin/busybox"
for cmd in sh cat echo awk tail cut sha256sum poweroff mount ls sleep; do ln -s busybox "$root/bin/$cmd"; done
install -m 0755 "$here/second-stage-init" "$root/sbin/init"
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$out/nonce"
cp "$out/nonce" "$root/etc/test-nonce"
head -c 1048576 /dev/urandom > "$root/etc/test-payload"
sha256sum < "$root/etc/test-payload" | cut -d' ' -f1 > "$out/payload.sha256"
mkfs.ext4 -q -F -E root_owner=0:0 -L snpboot-test -d "$root" "$out/disk.img" 24M
# The LUKS2 header needs room at the start: grow the file, reencrypt shifts the data.
truncate -s 40M "$out/disk.img"
head -c 64 /dev/urandom > "$out/disk.key"
chmod 0600 "$out/disk.key"
# The owner's key is high-entropy, so a fast PBKDF is as strong as a slow one.
cryptsetup reencrypt --encrypt --type luks2 --batch-mode --reduce-device-size 16M \
	--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$out/disk.key" "$out/disk.img" >/dev/null
cryptsetup luksUUID "$out/disk.img" > "$out/luks.uuid"
rm -rf "$root"
