#!/usr/bin/env bash
# Packs the first-stage initramfs as a gzip'd newc cpio, reproducibly: the same
# inputs give the same bytes (sorted names, owner 0:0, mtime SOURCE_DATE_EPOCH,
# normalised modes, gzip without name/time), because the owner predicts the
# SNP measurement from them.
#   mkinitramfs.sh --init F --cryptsetup F --snpboot F --modules-dir D --kmods F
#                  --config F --skel D --out F.cpio.gz
set -euo pipefail
: "${SOURCE_DATE_EPOCH:?SOURCE_DATE_EPOCH must be set}"
while [ $# -gt 0 ]; do
	case $1 in
	--init) init=$2 ;;
	--cryptsetup) cryptsetup=$2 ;;
	--snpboot) snpboot=$2 ;;
	--modules-dir) modules_dir=$2 ;;
	--kmods) kmods=$2 ;;
	--config) config=$2 ;;
	--skel) skel=$2 ;;
	--out) out=$2 ;;
	*) echo "mkinitramfs: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
staging=$out.staging
rm -rf "$staging"
mkdir -p "$staging"/{dev,proc,sys,run,newroot,sbin,etc/snpboot}
cp -a "$skel"/. "$staging"/
install -m 0755 "$init" "$staging/init"
install -m 0755 "$cryptsetup" "$staging/sbin/cryptsetup"
install -m 0644 "$config" "$staging/etc/snpboot/boot.toml"
"$snpboot" kmods --modules-dir "$modules_dir" --list "$kmods" --out-dir "$staging" >/dev/null

# Normalise what git checkouts and umasks may vary.
find "$staging" -type d -exec chmod 0755 {} +
find "$staging" -type f -perm /111 -exec chmod 0755 {} +
find "$staging" -type f ! -perm /111 -exec chmod 0644 {} +
find "$staging" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

(cd "$staging" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc --reproducible -R 0:0) | gzip -9n > "$out.tmp"
mv "$out.tmp" "$out"

size_of() { (cd "$staging" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | gzip -9n | wc -c); }
printf 'initramfs: %s %d bytes compressed (init %d, cryptsetup %d, modules %d, gzip of each alone)\n' \
	"$out" "$(stat -c %s "$out")" "$(size_of init)" "$(size_of sbin/cryptsetup)" "$(size_of lib/modules)"
rm -rf "$staging"
