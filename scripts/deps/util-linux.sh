#!/bin/bash
# libuuid and libblkid from util-linux, static, into $DEPS_PREFIX; no programs.
# cryptsetup keeps blkid: luksFormat uses it to refuse a device that already
# holds a filesystem or another LUKS header, and it costs little.
. "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
deps_begin util-linux util-linux prefix/lib/libuuid.a prefix/lib/libblkid.a \
	prefix/lib/pkgconfig/uuid.pc prefix/lib/pkgconfig/blkid.pc
deps_fetch util-linux "$DEPS_VERSION"
cd "$DEPS_SRCDIR"
run ./configure --prefix="$DEPS_PREFIX" --disable-shared --enable-static \
	--disable-all-programs --enable-libuuid --enable-libblkid \
	--disable-nls --disable-rpath --disable-asciidoc --disable-poman \
	--disable-bash-completion --disable-dependency-tracking \
	--without-udev --without-systemd --without-selinux --without-python \
	--without-readline --without-ncurses --without-ncursesw --without-tinfo \
	--without-cap-ng --without-libz --without-libmagic --without-user \
	--without-btrfs --without-econf --without-audit --without-utempter \
	--without-smack
run make -j"$DEPS_JOBS" libuuid.la libblkid.la
run make install-usrlib_execLTLIBRARIES install-pkgconfigDATA \
	install-uuidincHEADERS install-nodist_blkidincHEADERS
rm -f "$DEPS_PREFIX"/lib/lib{uuid,blkid}.la
deps_end
