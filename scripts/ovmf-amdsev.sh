#!/bin/bash
# Usage: ovmf-amdsev.sh OUTDIR   (run by `make ovmf-amdsev`, see mk/ovmf.mk)
#
# Builds the AmdSev OVMF firmware (OvmfPkg/AmdSev/AmdSevX64.dsc) from Debian's
# edk2 source package into OUTDIR/OVMF.amdsev.fd. This variant has the
# SNP_KERNEL_HASHES metadata section: QEMU writes the hashes of -kernel,
# -initrd and -append into that page before launch, so the SNP launch digest
# covers them. Debian's own `ovmf` binary package (OvmfPkgX64) has no such
# section, and bookworm's edk2 2022.11 source has it in no variant, hence
# trixie's source package (2025.02).
#
# The trixie deb-src entry lives in a private apt configuration under
# OUTDIR/apt (its own sources, lists and cache): adding trixie sources to the
# system's lists would make `apt-get source` pick trixie versions for every
# bookworm package scripts/deps/ builds. Needs the network only to fetch; no
# root. Downloads are kept in OUTDIR/dl, the unpacked tree is removed after a
# build unless OVMF_KEEP_SRC=1, the log is OUTDIR/logs/ovmf-amdsev.log.
#
# Cache: OUTDIR/OVMF.amdsev.key (the make target) holds the source version,
# this script's hash and the toolchain versions; when it matches and the
# image is there nothing is done. OVMF_REFRESH=1 (make deps-refresh) first
# updates the private trixie lists, so a new Debian version is picked up.
set -euo pipefail
umask 022
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
# edk2's makefiles must not see our make's command line (BUILD=... would
# change where BaseTools builds) nor an edk2 workspace from the caller.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS BUILD
unset WORKSPACE PACKAGES_PATH EDK_TOOLS_PATH CONF_PATH EDK_TOOLS_BIN EFI_SOURCE EDK_SOURCE ECP_SOURCE
JOBS=${OVMF_JOBS:-2}

[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(realpath -- "$1")
script=$(realpath -- "${BASH_SOURCE[0]}")
SRCPKG=edk2
DSC=OvmfPkg/AmdSev/AmdSevX64.dsc
TOOLCHAIN=GCC5
TARGET=RELEASE
fd=$out/OVMF.amdsev.fd
keyfile=$out/OVMF.amdsev.key
log=$out/logs/ovmf-amdsev.log
aptdir=$out/apt
mkdir -p "$out/logs" "$out/dl" "$aptdir/etc/sources.list.d" "$aptdir/etc/preferences.d" \
	"$aptdir/lists/partial" "$aptdir/cache/archives/partial"

say() { printf 'ovmf: %s\n' "$*"; }
die() { printf 'ovmf: error: %s\n' "$*" >&2; exit 1; }
# run CMD...: a build step, its output in the log; on failure the log's end.
run() {
	printf '\n+ [%s] %s\n' "$PWD" "$*" >>"$log"
	if ! "$@" </dev/null >>"$log" 2>&1; then
		printf 'ovmf: error: step failed: %s\n---- last 40 lines of %s ----\n' "$*" "$log" >&2
		tail -n 40 "$log" | cut -c1-300 >&2
		exit 1
	fi
}

# Two make processes (demo and the tests) may ask at once: one builds.
exec 9>"$out/.lock"
flock 9

# ---- the private apt configuration: trixie source packages only ------------------
sources_entry='# Written by snpboot (scripts/ovmf-amdsev.sh): Debian 13 source packages for
# the AmdSev OVMF build. Private to this directory; the system apt never reads it.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
apt_opts=(
	-o "Dir::Etc::SourceList=/dev/null"
	-o "Dir::Etc::SourceParts=$aptdir/etc/sources.list.d"
	-o "Dir::Etc::Preferences=/dev/null"
	-o "Dir::Etc::PreferencesParts=$aptdir/etc/preferences.d"
	-o "Dir::State::Lists=$aptdir/lists"
	-o "Dir::Cache=$aptdir/cache"
	-o "APT::Default-Release="
)
refresh=${OVMF_REFRESH:-0}
if [ "$(cat "$aptdir/etc/sources.list.d/trixie.sources" 2>/dev/null)" != "$sources_entry" ]; then
	printf '%s\n' "$sources_entry" >"$aptdir/etc/sources.list.d/trixie.sources"
	refresh=1
fi
# The lists are authenticated by apt (InRelease signed with the keys of
# debian-archive-keyring); the hashes below come from them.
if [ "$refresh" = 1 ] || ! compgen -G "$aptdir/lists/*_Sources*" >/dev/null; then
	say "apt-get update of the trixie source lists in $aptdir"
	run apt-get -q "${apt_opts[@]}" update
fi

# ---- which version, which files, which hashes (offline, from the lists) --------------
uris=$(apt-get "${apt_opts[@]}" source --print-uris -qq "$SRCPKG" 2>>"$log") ||
	die "apt knows no source package $SRCPKG in $aptdir (see $log)"
# Lines: 'URI' NAME SIZE ALGO:HEX
files=$(printf '%s\n' "$uris" | awk 'NF == 4 && $1 ~ /^'\''/ { gsub(/'\''/, "", $1); print $1, $2, $3, $4 }')
dsc_name=$(printf '%s\n' "$files" | awk '$2 ~ /\.dsc$/ { print $2 }')
[ -n "$dsc_name" ] || die "no .dsc in: $uris"
version=${dsc_name#"${SRCPKG}_"}
version=${version%.dsc}
upstream=${version%-*}
orig=$(printf '%s\n' "$files" | awk -v n="${SRCPKG}_$upstream.orig.tar." 'index($2, n) == 1 { print $2 }')
debtar=$(printf '%s\n' "$files" | awk -v n="${SRCPKG}_$version.debian.tar." 'index($2, n) == 1 { print $2 }')
if [ "$(printf '%s\n' "$files" | wc -l)" != 3 ] || [ -z "$orig" ] || [ -z "$debtar" ]; then
	die "$SRCPKG $version: expected a .dsc, one .orig.tar and one .debian.tar (format 3.0 quilt), got: $(printf '%s\n' "$files" | awk '{print $2}' | xargs)"
fi

tool_versions=$(dpkg-query -W -f='${Package}=${Version} ' gcc-12 g++-12 binutils make nasm acpica-tools \
	uuid-dev python3 quilt 2>/dev/null || true)
key=$(
	printf 'ovmf-amdsev source %s %s dsc %s target %s %s\n' "$SRCPKG" "$version" "$DSC" "$TARGET" "$TOOLCHAIN"
	printf 'toolchain %s\n' "$tool_versions"
	printf 'script %s\n' "$(sha256sum <"$script" | cut -d' ' -f1)"
)
if [ -s "$fd" ] && [ -f "$keyfile" ] && [ "$(cat "$keyfile")" = "$key" ]; then
	touch "$keyfile" # make asked because the script is newer; nothing that matters changed
	exit 0
fi
rm -f "$keyfile"
t0=$(date +%s)
: >"$log"
say "building AmdSev OVMF from $SRCPKG $version (trixie; log: $log)"

# ---- fetch and verify ------------------------------------------------------------------
# verify FILE ALGO:HEX: the file matches the hash from the signed lists.
verify() {
	local f=$1 algo=${2%%:*} want=${2#*:} got
	case $algo in
	SHA256) got=$(sha256sum <"$f" | cut -d' ' -f1) ;;
	SHA512) got=$(sha512sum <"$f" | cut -d' ' -f1) ;;
	*) die "${f##*/}: the lists give only a $algo hash, want SHA256 or SHA512" ;;
	esac
	[ "$got" = "$want" ]
}
dl=$out/dl/$SRCPKG-$version
mkdir -p "$dl"
chmod 755 "$dl" # apt downloads as the _apt user when it can
need_fetch=0
while read -r uri name _size hash; do
	[ -s "$dl/$name" ] && verify "$dl/$name" "$hash" || need_fetch=1
done <<<"$files"
if [ $need_fetch = 1 ]; then
	say "fetching source $SRCPKG $version"
	# apt-get source fails as a whole when one file is missing on the mirror
	# (trixie's .dsc once was while the tarballs were there): what it did get
	# stays, and each file still missing is then fetched from its pool URL.
	(cd "$dl" && apt-get -q "${apt_opts[@]}" source --download-only "$SRCPKG" </dev/null >>"$log" 2>&1) ||
		say "apt-get source did not get everything (see $log); fetching the rest from the pool"
	while read -r uri name _size hash; do
		[ -s "$dl/$name" ] && verify "$dl/$name" "$hash" && continue
		rm -f "$dl/$name"
		printf '\n+ apt-helper download-file %s\n' "$uri" >>"$log"
		/usr/lib/apt/apt-helper download-file "$uri" "$dl/$name" "$hash" </dev/null >>"$log" 2>&1 || rm -f "$dl/$name"
	done <<<"$files"
fi
# The tarballs are required and checked against the lists' hashes. The .dsc
# is not needed to unpack (its checksums are the same as the lists'), so a
# mirror that does not serve it is only noted.
while read -r uri name _size hash; do
	if [ ! -s "$dl/$name" ]; then
		[ "$name" = "$dsc_name" ] && { say "note: $name not available from the mirror; not needed"; continue; }
		die "could not fetch $name ($uri); see $log"
	fi
	verify "$dl/$name" "$hash" || die "$dl/$name does not match the $hash of the trixie Sources index"
	printf 'verified %s %s\n' "$name" "$hash" >>"$log"
done <<<"$files"

# ---- unpack, Debian's patches ---------------------------------------------------------------
src=$out/src/$SRCPKG-$version
rm -rf "$out/src"
mkdir -p "$src"
run tar -x -f "$dl/$orig" -C "$src" --strip-components=1 --no-same-owner
run tar -x -f "$dl/$debtar" -C "$src" --no-same-owner
cd "$src"
[ "$(cat debian/source/format)" = "3.0 (quilt)" ] || die "$SRCPKG $version: source format is not 3.0 (quilt)"
if grep -qv '^[[:space:]]*\(#\|$\)' debian/patches/series 2>/dev/null; then
	run env QUILT_PATCHES=debian/patches QUILT_PC=.pc quilt push -a -q
fi

# ---- build ------------------------------------------------------------------------------------
# AmdSevX64.fdf puts OvmfPkg/AmdSev/Grub/grub.efi into the image and the build
# insists on the file. We never boot through it (QEMU's -kernel is loaded by
# the firmware's kernel loader, checked against the hashes table), so an empty
# placeholder is enough and keeps Grub's build (and its network fetches) out.
: >OvmfPkg/AmdSev/Grub/grub.efi
# Same bytes from any build directory: GenFw (run with --zero) blanks the
# CodeView entry that names the .dll it converts but keeps its room, so the
# image would depend on the length of the build path. Run it beside the .dll
# and name that relatively. (edksetup.sh copies the template to Conf/; its
# lines end in CRLF, hence no grep -x.)
rule=BaseTools/Conf/build_rule.template
# shellcheck disable=SC2016 # make's variables, in edk2's build rules
genfw_old='        "$(GENFW)" -e $(MODULE_TYPE) -o ${dst} ${src} $(GENFW_FLAGS)'
# shellcheck disable=SC2016
genfw_new='        cd $(DEBUG_DIR) && "$(GENFW)" -e $(MODULE_TYPE) -o ${dst} $(MODULE_NAME).dll $(GENFW_FLAGS)'
if [ "$(grep -cF -- "$genfw_old" "$rule")" != 2 ] || [ -e Conf/build_rule.txt ]; then
	die "$rule: not the two GenFw lines this script rewrites (edk2 changed?)"
fi
rules=$(cat "$rule")
printf '%s\n' "${rules//"$genfw_old"/"$genfw_new"}" >"$rule"
[ "$(grep -cF -- "$genfw_new" "$rule")" = 2 ] || die "$rule: rewriting the GenFw lines failed"
# edksetup.sh must be sourced without arguments (it parses them), so the
# settings travel in the environment.
export PYTHON_COMMAND=python3 JOBS TOOLCHAIN TARGET DSC
# shellcheck disable=SC2016 # expanded by the inner shell
run bash -c '. ./edksetup.sh && make -C BaseTools -j"$JOBS" ARCH=X64'
# shellcheck disable=SC2016
run bash -c '. ./edksetup.sh && build -n "$JOBS" -a X64 -t "$TOOLCHAIN" -b "$TARGET" -p "$DSC"'
built=Build/AmdSev/${TARGET}_$TOOLCHAIN/FV/OVMF.fd
[ -s "$built" ] || die "the build left no $built"

# Smoke check before installing: the footer GUID table that OVMF ends with
# (its GUID 0x30 bytes before the end) lists the SEV hashes table (GUID
# 7255371f-...). tests/e2e/ovmf_amdsev.t checks the metadata in depth.
python3 - "$built" <<'PY' || die "$built: no SEV hashes table in its footer GUID table (not an AmdSev image?)"
import sys, uuid
img = open(sys.argv[1], "rb").read()
foot = uuid.UUID("96b582de-1fb2-45f7-baea-a366c55a082d").bytes_le
hashes = uuid.UUID("7255371f-3a3b-4b04-927b-1da6efa8d454").bytes_le
sys.exit(0 if img[-0x30:-0x20] == foot and hashes in img[-4096:] else 1)
PY
install -m 644 "$built" "$fd.tmp"
mv -f "$fd.tmp" "$fd"
printf '%s\n' "$version" >"$out/OVMF.amdsev.version"
printf '%s\n' "$key" >"$keyfile.tmp"
mv -f "$keyfile.tmp" "$keyfile"
cd "$out"
[ "${OVMF_KEEP_SRC:-0}" = 1 ] || rm -rf "$out/src"
say "built $fd ($SRCPKG $version, sha256 $(sha256sum <"$fd" | cut -c1-16)...) in $(($(date +%s) - t0)) s"
