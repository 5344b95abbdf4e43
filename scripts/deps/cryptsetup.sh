#!/bin/bash
# A static musl cryptsetup for the guest, into $DEPS_MUSL/bin/cryptsetup.
#  - crypto backend "kernel" (AF_ALG): keeps OpenSSL/gcrypt out of the guest;
#    the guest kernel needs CONFIG_CRYPTO_USER_API_HASH and _SKCIPHER.
#  - Argon2 built in (internal, SSE variant: every SNP guest has SSE2).
#  - No udev (libdevmapper creates the /dev/mapper nodes), no SSH or external
#    tokens (no dlopen in a static binary), no selinux, nls, pwquality, docs,
#    and no veritysetup/integritysetup.
#  - blkid kept, see util-linux.sh.
#  - Reproducible: no build path may end up in the binary (the token path
#    would default to our prefix), so any checkout gives the same bytes.
. "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
deps_begin cryptsetup cryptsetup bin/cryptsetup -- popt json-c util-linux lvm2
deps_fetch cryptsetup "$DEPS_VERSION"
cd "$DEPS_SRCDIR"
# Debian's orig tarball is a git export without configure.
run ./autogen.sh
run ./configure --prefix="$DEPS_PREFIX" --disable-shared --enable-static \
	--enable-static-cryptsetup --disable-dependency-tracking \
	--with-crypto_backend=kernel \
	--enable-internal-argon2 --disable-libargon2 --enable-internal-sse-argon2 \
	--enable-blkid --enable-keyring \
	--disable-ssh-token --disable-external-tokens \
	--disable-udev --disable-selinux --disable-nls --disable-rpath \
	--disable-asciidoc --disable-pwquality --disable-passwdqc --disable-fips \
	--disable-veritysetup --disable-integritysetup \
	--with-luks2-external-tokens-path=/usr/lib/cryptsetup
# cryptsetup.static is the -all-static link of the tool; building just it
# skips the dynamic twin, the man pages and the translations.
run make -j"$DEPS_JOBS" cryptsetup.static

mkdir -p "$DEPS_MUSL/bin"
run strip --strip-all -o "$DEPS_MUSL/bin/cryptsetup.tmp" cryptsetup.static
file -b "$DEPS_MUSL/bin/cryptsetup.tmp" | grep -q 'statically linked' ||
	deps_die "cryptsetup: not a static binary: $(file -b "$DEPS_MUSL/bin/cryptsetup.tmp")"
run "$DEPS_MUSL/bin/cryptsetup.tmp" --version
mv -f "$DEPS_MUSL/bin/cryptsetup.tmp" "$DEPS_MUSL/bin/cryptsetup"
deps_end
