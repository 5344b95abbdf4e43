# Shared by the scripts in scripts/deps/ (sourced, never run).
#
# Every package script builds one Debian source package with the musl
# toolchain into $DEPS_MUSL. It is idempotent and safe to run from two make
# processes at once: it takes a per-package lock, then compares a cache key
# (source version, these scripts, toolchain versions, keys of the libraries it
# links) with the key of the last successful build and does nothing when they
# match. The key file doubles as the make target (see mk/deps.mk).
#
# Environment from mk/deps.mk: DEPS_DIR (e.g. build/deps), DEPS_MUSL.

set -euo pipefail
umask 022
export LC_ALL=C
export DEBIAN_FRONTEND=noninteractive
# The packages' own makefiles must not see our make's command-line variables
# (BUILD=... would redirect BearSSL's output); they get -j$DEPS_JOBS instead:
# 2, or 1 when our make already runs several package builds side by side, so
# the machine's two cores are not oversubscribed either way.
case " ${MAKEFLAGS:-} " in
*" -j"*) DEPS_JOBS=${DEPS_JOBS:-1} ;;
esac
DEPS_JOBS=${DEPS_JOBS:-2}
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS

: "${DEPS_DIR:?DEPS_DIR is not set (run through make deps)}"
: "${DEPS_MUSL:=$DEPS_DIR/musl}"
DEPS_DIR=$(realpath -m -- "$DEPS_DIR")
DEPS_MUSL=$(realpath -m -- "$DEPS_MUSL")
DEPS_SCRIPTS=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
DEPS_SRC=$DEPS_DIR/src
DEPS_LOGS=$DEPS_DIR/logs
DEPS_KEYS=$DEPS_DIR/keys
DEPS_LOCKS=$DEPS_DIR/locks
# Libraries cryptsetup links against; only its binary leaves this prefix.
DEPS_PREFIX=$DEPS_MUSL/prefix
DEPS_KINCLUDE=$DEPS_MUSL/kinclude
mkdir -p "$DEPS_SRC" "$DEPS_LOGS" "$DEPS_KEYS" "$DEPS_LOCKS" "$DEPS_PREFIX"

# ---- the musl toolchain ---------------------------------------------------------
# Everything is static and size-optimised; the sections flags let the final
# link drop unused code. The file-prefix map keeps the build directory out of
# the binaries (assert() strings), so the cryptsetup that ends up in the
# initramfs is the same bytes whichever checkout built it.
# Kernel headers come from kinclude/ only: musl-gcc hides /usr/include, which
# is glibc's, and that is what we want.
deps_musl_env() {
	export CC=musl-gcc
	export AR=ar RANLIB=ranlib STRIP=strip
	export CFLAGS="-Os -pipe -ffunction-sections -fdata-sections -ffile-prefix-map=$DEPS_DIR=/deps"
	export CPPFLAGS="-I$DEPS_PREFIX/include -isystem $DEPS_KINCLUDE"
	export LDFLAGS="-static -L$DEPS_PREFIX/lib -Wl,--gc-sections"
	# Only our own .pc files: PKG_CONFIG_LIBDIR replaces the default search
	# path, so the host's glibc libraries are never picked up.
	export PKG_CONFIG="pkg-config --static"
	export PKG_CONFIG_LIBDIR=$DEPS_PREFIX/lib/pkgconfig
	export PKG_CONFIG_PATH=$DEPS_PREFIX/lib/pkgconfig
	unset PKG_CONFIG_SYSROOT_DIR CPATH C_INCLUDE_PATH LIBRARY_PATH
	export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
}

# ---- messages and logged commands --------------------------------------------------
deps_say() { printf 'deps: %s\n' "$*"; }
deps_die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

# run CMD...: runs a build step with all output in the package log. On
# failure shows where it failed and the end of the log, then exits.
run() {
	printf '\n+ [%s] %s\n' "$PWD" "$*" >>"$DEPS_LOG"
	if ! "$@" >>"$DEPS_LOG" 2>&1; then
		printf 'deps: error: %s: step failed: %s\n' "$DEPS_NAME" "$*" >&2
		printf 'deps: ---- last 40 lines of %s ----\n' "$DEPS_LOG" >&2
		tail -n 40 "$DEPS_LOG" | cut -c1-300 >&2
		printf 'deps: ---- end of log ----\n' >&2
		exit 1
	fi
}

# ---- Debian source packages -----------------------------------------------------------
# deps_source_version SRCPKG: the version apt would fetch, from the local
# deb-src lists (no network). Prints it without the epoch.
deps_source_version() {
	local src=$1 uris dsc
	uris=$(apt-get source --print-uris -qq "$src" 2>/dev/null) ||
		deps_die "$src: apt knows no source package (is the deb-src entry from scripts/deps/apt.sh there and 'apt-get update' done?)"
	dsc=$(printf '%s\n' "$uris" | awk '{print $2}' | grep -E "^${src}_.*\\.dsc\$" | head -n1)
	[ -n "$dsc" ] || deps_die "$src: no .dsc in: $uris"
	dsc=${dsc#"${src}_"}
	printf '%s\n' "${dsc%.dsc}"
}

# deps_fetch SRCPKG VERSION: unpacks the source package (Debian patches
# applied) into a fresh $DEPS_SRC/SRCPKG-VERSION and sets DEPS_SRCDIR. The
# download is cached in $DEPS_SRC/dl/SRCPKG; dpkg-source checks the cached
# files against the .dsc, so a damaged cache is noticed.
deps_fetch() {
	local src=$1 ver=$2 dl=$DEPS_SRC/dl/$1
	local dsc=$dl/${src}_${ver}.dsc
	mkdir -p "$dl"
	if [ ! -s "$dsc" ]; then
		deps_say "fetching source $src $ver"
		# apt-get source runs as root here; it warns that _apt cannot write the
		# directory and downloads unsandboxed. That is expected.
		# Unpinned on purpose: it resolves from the same local lists as
		# deps_source_version, and a pin would need the epoch back.
		(cd "$dl" && run apt-get source --download-only -q "$src")
		[ -s "$dsc" ] || deps_die "$src: apt-get source did not give ${dsc##*/} (lists changed meanwhile?)"
	fi
	DEPS_SRCDIR=$DEPS_SRC/$src-$ver
	rm -rf "$DEPS_SRCDIR"
	run dpkg-source --no-copy -x "$dsc" "$DEPS_SRCDIR"
}

# ---- cache keys, locking ----------------------------------------------------------------
# deps_begin NAME SRCPKG OUTPUT... [-- DEPNAME...]
# Takes the package lock, works out the key and returns only when a build is
# needed (exits 0 when the cached build is current). OUTPUTs are paths below
# $DEPS_MUSL that a finished build leaves; a missing one forces a rebuild.
# DEPNAMEs are packages whose keys feed into this one, so a rebuilt library
# rebuilds what links it.
deps_begin() {
	DEPS_NAME=$1 DEPS_SRCPKG=$2
	shift 2
	local outputs=() deps=() seen_sep=0 a
	for a in "$@"; do
		if [ "$a" = -- ]; then seen_sep=1; continue; fi
		if [ $seen_sep = 0 ]; then outputs+=("$a"); else deps+=("$a"); fi
	done
	DEPS_LOG=$DEPS_LOGS/$DEPS_NAME.log
	DEPS_KEYFILE=$DEPS_KEYS/$DEPS_NAME.key

	exec 9>"$DEPS_LOCKS/$DEPS_NAME.lock"
	flock 9

	DEPS_VERSION=$(deps_source_version "$DEPS_SRCPKG")
	local key d
	key=$(
		printf 'package %s source %s %s\n' "$DEPS_NAME" "$DEPS_SRCPKG" "$DEPS_VERSION"
		printf 'toolchain %s\n' "$(dpkg-query -W -f='${Package}=${Version} ' \
			musl-dev linux-libc-dev gcc-12 binutils autoconf automake libtool cmake pkg-config 2>/dev/null)"
		printf 'scripts %s\n' "$(cd "$DEPS_SCRIPTS" && cat common.sh "$DEPS_NAME.sh" | sha256sum | cut -d' ' -f1)"
		for d in "${deps[@]}"; do
			[ -s "$DEPS_KEYS/$d.key" ] || deps_die "$DEPS_NAME needs $d built first (no $DEPS_KEYS/$d.key)"
			printf 'dep %s %s\n' "$d" "$(sha256sum <"$DEPS_KEYS/$d.key" | cut -d' ' -f1)"
		done
	)
	DEPS_KEY=$key
	local current=1 o
	if [ -f "$DEPS_KEYFILE" ] && [ "$(cat "$DEPS_KEYFILE")" = "$key" ]; then
		for o in "${outputs[@]}"; do
			[ -e "$DEPS_MUSL/$o" ] || { current=0; break; }
		done
	else
		current=0
	fi
	if [ $current = 1 ]; then
		# Make asked because a script is newer than the key; nothing that
		# matters changed, so just mark the key file as current.
		touch "$DEPS_KEYFILE"
		exit 0
	fi
	rm -f "$DEPS_KEYFILE"
	DEPS_T0=$(date +%s)
	: >"$DEPS_LOG"
	deps_say "building $DEPS_NAME $DEPS_VERSION (log: $DEPS_LOG)"
	deps_musl_env
	[ -d "$DEPS_KINCLUDE/linux" ] || deps_die "$DEPS_KINCLUDE is missing (scripts/deps/kinclude.sh makes it)"
}

# deps_end: records the key; only now does the build count as done. The
# unpacked tree goes (the download and the log stay) unless DEPS_KEEP_SRC=1.
deps_end() {
	printf '%s\n' "$DEPS_KEY" >"$DEPS_KEYFILE.tmp"
	mv -f "$DEPS_KEYFILE.tmp" "$DEPS_KEYFILE"
	if [ "${DEPS_KEEP_SRC:-0}" != 1 ] && [ -n "${DEPS_SRCDIR:-}" ]; then
		cd "$DEPS_SRC"
		rm -rf "$DEPS_SRCDIR"
	fi
	deps_say "built $DEPS_NAME in $(($(date +%s) - DEPS_T0)) s"
}
