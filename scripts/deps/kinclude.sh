#!/bin/bash
# Makes $DEPS_MUSL/kinclude: the Linux UAPI headers (linux-libc-dev) and
# nothing else, for musl-gcc, which hides /usr/include because it is glibc's.
# Symlinks, not copies: the key file records the linux-libc-dev version, and
# these headers only describe the kernel ABI, so a newer version is harmless.
. "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

exec 9>"$DEPS_LOCKS/kinclude.lock"
flock 9

multiarch=$(gcc -print-multiarch)
declare -A links=(
	[linux]=/usr/include/linux
	[asm-generic]=/usr/include/asm-generic
	[asm]=/usr/include/$multiarch/asm
	[mtd]=/usr/include/mtd
)
same=1
for name in "${!links[@]}"; do
	target=${links[$name]}
	[ -d "$target" ] || deps_die "kinclude: $target is missing (package linux-libc-dev)"
	[ "$(readlink "$DEPS_KINCLUDE/$name" 2>/dev/null)" = "$target" ] || same=0
done
# Rebuilt only when it differs, so a compile running meanwhile never finds
# the headers gone.
if [ $same = 0 ]; then
	tmp=$DEPS_KINCLUDE.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	for name in "${!links[@]}"; do
		ln -s "${links[$name]}" "$tmp/$name"
	done
	rm -rf "$DEPS_KINCLUDE"
	mv "$tmp" "$DEPS_KINCLUDE"
fi
dpkg-query -W -f='${Package}=${Version}\n' linux-libc-dev >"$DEPS_KEYS/kinclude.key"
