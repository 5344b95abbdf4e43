#!/usr/bin/env bash
# The e2e test disk: the demo second stage (scripts/mkrootfs-demo.sh) plus a
# secret nonce and a 1 MiB payload, encrypted to LUKS2 offline by
# `snpboot encrypt-disk` (cryptsetup reencrypt --encrypt on the file: no
# dm-crypt or root on the host), keyed with a random key.
#   make-test-disk.sh OUTDIR [SNPBOOT] -> OUTDIR/{disk.img,disk.key,nonce,payload.sha256,luks.uuid}
set -euo pipefail
out=$1
snpboot=${2:-${BUILD:-build}/host/snpboot}
here=$(dirname "$0")
rm -rf "$out" && mkdir -p "$out/extra/etc"
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$out/nonce"
cp "$out/nonce" "$out/extra/etc/test-nonce"
head -c 1048576 /dev/urandom > "$out/extra/etc/test-payload"
sha256sum < "$out/extra/etc/test-payload" | cut -d' ' -f1 > "$out/payload.sha256"
"$here/../../../scripts/mkrootfs-demo.sh" --label snpboot-test --extra "$out/extra" "$out/plain.img"
rm -rf "$out/extra"
"$snpboot" encrypt-disk --generate-key "$out/disk.key" "$out/plain.img" "$out/disk.img" >"$out/encrypt.out"
rm -f "$out/plain.img"
sed -n 's/^LUKS UUID: *//p' "$out/encrypt.out" > "$out/luks.uuid"
[ -s "$out/luks.uuid" ] || { echo "make-test-disk: no LUKS UUID from encrypt-disk" >&2; exit 1; }
