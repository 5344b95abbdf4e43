#!/usr/bin/env bash
# Puts the LUKS2 test volume into partition 1 of a GPT disk, so boots can find
# the root by PARTUUID (the first stage reads the GPT itself: no udev, no blkid).
#   make-gpt-disk.sh LUKS_IMAGE OUT.img  -> OUT.img, OUT.partuuid
set -euo pipefail
luks=$1 out=$2
size=$(stat -c %s "$luks")
sectors=$((size / 512))
partuuid=$(cat /proc/sys/kernel/random/uuid)
rm -f "$out"
truncate -s $((size + 2 * 1024 * 1024)) "$out"
printf 'label: gpt\nstart=2048, size=%d, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=%s\n' \
	"$sectors" "$partuuid" | sfdisk --quiet "$out"
dd if="$luks" of="$out" bs=512 seek=2048 conv=notrunc status=none
echo "$partuuid" >"$out.partuuid"
