#!/bin/bash
# json-c (cryptsetup parses the LUKS2 header with it), static, into $DEPS_PREFIX.
. "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
deps_begin json-c json-c prefix/lib/libjson-c.a prefix/include/json-c/json.h prefix/lib/pkgconfig/json-c.pc
deps_fetch json-c "$DEPS_VERSION"
mkdir -p "$DEPS_SRCDIR/build-musl"
cd "$DEPS_SRCDIR/build-musl"
# CMake ignores CPPFLAGS, so the include paths go into the C flags. Build type
# None: our flags only (json-c would default to a debug build). No libbsd
# (DISABLE_EXTRA_LIBS): musl has getrandom for the hash seed.
run cmake .. -G "Unix Makefiles" \
	-DCMAKE_BUILD_TYPE=None \
	-DCMAKE_C_COMPILER="$CC" \
	-DCMAKE_C_FLAGS="$CFLAGS $CPPFLAGS" \
	-DCMAKE_INSTALL_PREFIX="$DEPS_PREFIX" \
	-DCMAKE_INSTALL_LIBDIR=lib \
	-DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON \
	-DBUILD_TESTING=OFF -DDISABLE_STATIC_FPIC=ON \
	-DDISABLE_WERROR=ON -DDISABLE_EXTRA_LIBS=ON \
	-DENABLE_THREADING=OFF -DENABLE_RDRAND=OFF
# "all" also builds the json_parse demo (not installed); let it, it is tiny
# and "make install" wants it.
run make -j"$DEPS_JOBS"
run make install
deps_end
