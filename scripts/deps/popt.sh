#!/bin/bash
# popt (cryptsetup's command-line parser), static, into $DEPS_PREFIX.
. "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
deps_begin popt popt prefix/lib/libpopt.a prefix/include/popt.h prefix/lib/pkgconfig/popt.pc
deps_fetch popt "$DEPS_VERSION"
cd "$DEPS_SRCDIR"
run ./configure --prefix="$DEPS_PREFIX" --disable-shared --enable-static \
	--disable-nls --disable-rpath --disable-dependency-tracking
# Only the library and its .pc file: the tests and po/ are not needed.
run make -j"$DEPS_JOBS" -C src
run make -C src install
run make install-pkgconfigDATA
rm -f "$DEPS_PREFIX/lib/libpopt.la"
deps_end
