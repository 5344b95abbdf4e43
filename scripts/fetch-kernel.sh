#!/usr/bin/env bash
# Fetches Debian's cloud kernel package and unpacks it (no install, no root
# needed for the unpack): vmlinuz, the module tree and a fresh modules.dep.
#   scripts/fetch-kernel.sh OUTDIR [PACKAGE-GLOB]
# The default picks the newest linux-image-6.12.*-cloud-amd64-unsigned that apt
# knows; KERNEL_PACKAGE selects another one.
set -euo pipefail
out=$1
pattern=${2:-'linux-image-6.12.*-cloud-amd64-unsigned'}

pkg=$(apt-cache pkgnames linux-image- 2>/dev/null | grep -E "^${pattern//\*/.*}\$" | sort -V | tail -n1 || true)
if [ -z "$pkg" ]; then
	apt-get update -qq
	pkg=$(apt-cache pkgnames linux-image- | grep -E "^${pattern//\*/.*}\$" | sort -V | tail -n1 || true)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: no package matches '$pattern'" >&2; exit 1; }

tmp=$(mktemp -d)
chmod 755 "$tmp" # apt downloads as the _apt user
trap 'rm -rf "$tmp"' EXIT
echo "kernel: downloading $pkg"
(cd "$tmp" && apt-get download -q "$pkg" >/dev/null)
rm -rf "$out.new"
mkdir -p "$out.new"
dpkg-deb -x "$tmp"/*.deb "$out.new/root"
kver=$(ls "$out.new/root/lib/modules")
# Debian generates modules.dep at install time; do it here for the unpacked tree.
depmod -b "$out.new/root" "$kver"
ln -s "root/boot/vmlinuz-$kver" "$out.new/vmlinuz"
ln -s "root/lib/modules/$kver" "$out.new/modules"
echo "$kver" > "$out.new/version"
echo "$pkg" > "$out.new/package"
rm -rf "$out"
mv "$out.new" "$out"
echo "kernel: $kver ready in $out"
