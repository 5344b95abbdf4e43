#!/bin/bash
# Checks what the musl builds left in $DEPS_MUSL and writes the stamp
# ($DEPS_MUSL/.done) that everything compiled with musl-gcc depends on. The
# stamp lists the source versions and the hashes of what goes into the guest,
# so a changed initramfs measurement can be traced to a changed dependency.
. "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

for f in include/bearssl.h lib/libbearssl.a kinclude/linux/types.h \
	kinclude/asm/types.h kinclude/asm-generic/types.h bin/cryptsetup; do
	[ -e "$DEPS_MUSL/$f" ] || deps_die "missing $DEPS_MUSL/$f after the musl builds"
done
cryptsetup=$DEPS_MUSL/bin/cryptsetup
kind=$(file -b "$cryptsetup")
case $kind in
*"statically linked"*) ;;
*) deps_die "$cryptsetup: expected a statically linked ELF, got: $kind" ;;
esac
version=$("$cryptsetup" --version 2>&1) || deps_die "$cryptsetup --version failed: $version"

{
	printf '# snpboot musl dependencies (scripts/deps/finish.sh)\n'
	for k in kinclude bearssl popt json-c util-linux lvm2 cryptsetup; do
		head -n1 "$DEPS_KEYS/$k.key"
	done
	printf 'cryptsetup --version: %s\n' "$version"
	(cd "$DEPS_MUSL" && sha256sum bin/cryptsetup lib/libbearssl.a)
} >"$DEPS_MUSL/.done.tmp"
mv -f "$DEPS_MUSL/.done.tmp" "$DEPS_MUSL/.done"
deps_say "musl dependencies ready in $DEPS_MUSL ($version)"
