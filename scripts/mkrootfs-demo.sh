#!/usr/bin/env bash
# Builds the demo second stage as a plain ext4 image: busybox-static (Debian's
# /bin/busybox), its applet links and scripts/rootfs-demo/init as /sbin/init.
# mke2fs -d fills the filesystem from a directory, so no root and no mount.
# The same inputs give the same bytes: fixed UUID and hash seed, every
# timestamp SOURCE_DATE_EPOCH (E2FSPROGS_FAKE_TIME for mke2fs's own), modes
# normalised, owner 0:0.
#   mkrootfs-demo.sh [--size SIZE] [--extra DIR] [--label LABEL] OUT.img
# --extra DIR: copied over the root (tests add a nonce, payloads, /data).
set -euo pipefail
size=24M extra='' label=snpboot-demo
usage() { echo "usage: mkrootfs-demo.sh [--size SIZE] [--extra DIR] [--label LABEL] OUT.img" >&2; exit 2; }
while [ $# -gt 1 ]; do
	case $1 in
	--size) size=$2 ;;
	--extra) extra=$2 ;;
	--label) label=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[ $# = 1 ] || usage
out=$1
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
# mke2fs takes a fake time of 0 as "now": use 1 at least.
epoch=${SOURCE_DATE_EPOCH:-1}
[ "$epoch" -gt 0 ] || epoch=1
[ -x "$busybox" ] || { echo "mkrootfs-demo: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
# A static busybox only: the image has no libc.
if file -L "$busybox" | grep -q 'dynamically linked'; then
	echo "mkrootfs-demo: $busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$out.root.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp}
cp "$busybox" "$root/bin/busybox"
for cmd in sh cat echo awk tail cut sha256sum poweroff mount ls sleep find sort wc; do
	ln -s busybox "$root/bin/$cmd"
done
cp "$here/rootfs-demo/init" "$root/sbin/init"
echo "snpboot demo second stage, busybox $("$busybox" 2>&1 | head -n 1 | awk '{ print $2 }')" \
	>"$root/etc/snpboot-demo-release"
[ -z "$extra" ] || cp -R "$extra"/. "$root"/

find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -perm /111 -exec chmod 0755 {} +
find "$root" -type f ! -perm /111 -exec chmod 0644 {} +
chmod 1777 "$root/tmp"
find "$root" -exec touch -h -d "@$epoch" {} +

# Fixed identifiers derived from the label: reproducible, distinct per label.
h=$(printf '%s' "$label" | sha256sum | cut -c1-32)
fsuuid=${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-${h:20:12}
h=$(printf 'hash-seed:%s' "$label" | sha256sum | cut -c1-32)
seed=${h:0:8}-${h:8:4}-4${h:13:3}-8${h:17:3}-${h:20:12}
rm -f "$out.tmp"
truncate -s "$size" "$out.tmp" # an existing file: mke2fs would say it creates one
E2FSPROGS_FAKE_TIME=$epoch mke2fs -q -F -t ext4 -L "$label" -U "$fsuuid" \
	-E "root_owner=0:0,hash_seed=$seed,lazy_itable_init=0,nodiscard" -d "$root" "$out.tmp"
# mke2fs -d copies each file's ctime, which is when we touched it: set every
# inode's ctime (and creation time) to the epoch too.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | sed 's|^\.||') |
	awk -v t="$epoch" '{ printf "sif \"%s\" ctime %s\nsif \"%s\" crtime %s\n", $0, t, $0, t }
		END { printf "sif / ctime %s\nsif / crtime %s\n", t, t }' >"$tmp/debugfs.cmds"
E2FSPROGS_FAKE_TIME=$epoch debugfs -w -f "$tmp/debugfs.cmds" "$out.tmp" >/dev/null 2>"$tmp/debugfs.err" ||
	{ cat "$tmp/debugfs.err" >&2; exit 1; }
mv -f "$out.tmp" "$out"
