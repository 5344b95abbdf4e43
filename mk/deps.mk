# Dependencies: `make deps`.
#
# 1. $(DEPS_STAMP): the Debian packages the build and the tests use, installed
#    with apt (scripts/deps/apt.sh; a no-op when all are there), plus our own
#    deb-src entry so the source packages below can be fetched.
# 2. $(MUSL_DEPS_STAMP): what Debian does not ship for musl, built from
#    Debian's source packages (`apt-get source`, Debian patches applied) with
#    musl-gcc, static, -Os, into $(DEPS_MUSL):
#      include/bearssl*.h, lib/libbearssl.a   BearSSL, for the guest /init
#      kinclude/                              Linux UAPI headers only (no glibc)
#      bin/cryptsetup                         static, stripped
#      prefix/                                popt, json-c, libuuid, libblkid,
#                                             libdevmapper: cryptsetup's libraries
#
# One script per package in scripts/deps/. Each keeps a key file in
# $(DEPS_DIR)/keys/ (source version, script hash, toolchain versions, keys of
# the libraries it links) and rebuilds only when the key changes, so a second
# `make deps` does nothing; see scripts/deps/common.sh. Sources and downloads
# are under $(DEPS_DIR)/src/, full build logs under $(DEPS_DIR)/logs/.
#
# Depend on $(MUSL_DEPS_STAMP) for anything built with musl-gcc. To only need
# the packages, depend on $(DEPS_STAMP) order-only (`| $(DEPS_STAMP)`): it is
# rewritten whenever scripts/deps/apt.sh runs.

DEPS_DIR := $(BUILD)/deps
DEPS_MUSL := $(DEPS_DIR)/musl
DEPS_STAMP := $(DEPS_DIR)/.apt-done
MUSL_DEPS_STAMP := $(DEPS_MUSL)/.done
MUSL_CRYPTSETUP := $(DEPS_MUSL)/bin/cryptsetup
DEPS_KEYS := $(DEPS_DIR)/keys

DEPS_APT_PACKAGES := \
	musl-tools linux-libc-dev gcc make binutils \
	autoconf automake libtool pkg-config gettext autopoint bison flex cmake \
	dpkg-dev file \
	qemu-system-x86 ovmf seabios busybox-static cpio xz-utils zstd \
	cryptsetup-bin e2fsprogs libbearssl-dev openssl socat kmod python3 fdisk qemu-utils \
	clang llvm libclang-rt-14-dev librsvg2-bin \
	nasm acpica-tools uuid-dev g++ quilt \
	libsqlite3-dev libpq-dev postgresql

DEPS_ENV := DEPS_DIR=$(DEPS_DIR) DEPS_MUSL=$(DEPS_MUSL)
DEPS_COMMON := scripts/deps/common.sh

$(DEPS_STAMP): mk/deps.mk scripts/deps/apt.sh
	@scripts/deps/apt.sh $@ $(DEPS_APT_PACKAGES)

$(DEPS_KEYS)/kinclude.key: scripts/deps/kinclude.sh $(DEPS_COMMON) | $(DEPS_STAMP)
	@$(DEPS_ENV) scripts/deps/kinclude.sh

# A package's key depends on its script; the script itself decides whether
# anything really changed. Libraries come before what links them.
$(DEPS_KEYS)/%.key: scripts/deps/%.sh $(DEPS_COMMON) | $(DEPS_STAMP) $(DEPS_KEYS)/kinclude.key
	@$(DEPS_ENV) scripts/deps/$*.sh
$(DEPS_KEYS)/cryptsetup.key: $(addprefix $(DEPS_KEYS)/,popt.key json-c.key util-linux.key lvm2.key)

$(MUSL_DEPS_STAMP): scripts/deps/finish.sh $(DEPS_KEYS)/kinclude.key \
		$(addprefix $(DEPS_KEYS)/,bearssl.key cryptsetup.key)
	@$(DEPS_ENV) scripts/deps/finish.sh

.PHONY: deps deps-refresh
deps: $(DEPS_STAMP) $(MUSL_DEPS_STAMP)
# Make only reruns a package script when the script changed. This asks every
# script to compare its key again, so a new Debian source version or
# toolchain is picked up (only what changed is rebuilt).
deps-refresh:
	@$(MAKE) --no-print-directory -W $(DEPS_COMMON) deps
