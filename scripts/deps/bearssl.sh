#!/bin/bash
# BearSSL for the guest /init: libbearssl.a and its headers, straight into
# $DEPS_MUSL/lib and $DEPS_MUSL/include (the top-level Makefile uses them).
. "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
deps_begin bearssl bearssl include/bearssl.h lib/libbearssl.a
deps_fetch bearssl "$DEPS_VERSION"
cd "$DEPS_SRCDIR"

# BearSSL's own build reads conf/$(CONF).mk; ours is Unix.mk with the musl
# compiler, no -fPIC (static only) and no shared library, tools or tests.
cat >conf/snpboot-musl.mk <<CONF
include conf/Unix.mk
BUILD = build-musl
CC = $CC
CFLAGS = -W -Wall $CFLAGS
AR = $AR
DLL = no
TOOLS = no
TESTS = no
CONF
run make -j"$DEPS_JOBS" CONF=snpboot-musl lib

mkdir -p "$DEPS_MUSL/include" "$DEPS_MUSL/lib"
rm -f "$DEPS_MUSL"/include/bearssl*.h
run install -m 644 inc/bearssl*.h "$DEPS_MUSL/include/"
# Through a temporary name: a musl link running meanwhile never sees half a file.
run install -m 644 build-musl/libbearssl.a "$DEPS_MUSL/lib/libbearssl.a.tmp"
mv -f "$DEPS_MUSL/lib/libbearssl.a.tmp" "$DEPS_MUSL/lib/libbearssl.a"

# Smoke test: a static musl program using the installed copy gets the
# FIPS 180-2 SHA-256 of "abc" right.
cat >"$DEPS_SRCDIR/smoke.c" <<'C'
#include <bearssl.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	static const unsigned char want[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde,
		0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
	unsigned char got[32];
	br_sha256_context ctx;
	br_sha256_init(&ctx);
	br_sha256_update(&ctx, "abc", 3);
	br_sha256_out(&ctx, got);
	if (memcmp(got, want, sizeof got) != 0) {
		fputs("bearssl smoke: SHA-256(\"abc\") mismatch\n", stderr);
		return 1;
	}
	return 0;
}
C
run "$CC" -static -Os -I"$DEPS_MUSL/include" "$DEPS_SRCDIR/smoke.c" "$DEPS_MUSL/lib/libbearssl.a" -o "$DEPS_SRCDIR/smoke"
run "$DEPS_SRCDIR/smoke"
deps_end
