#!/bin/bash
# Usage: qemu-trixie.sh OUTDIR   (run by `make qemu-trixie`, see tests/tests.mk)
#
# Debian 13 (trixie)'s qemu-system-x86 (QEMU 10.0, so >= 9.1: the
# sev-snp-guest object that `snpboot launch-qemu` writes for a real SNP host)
# for tests/e2e/qemu91_cmdline.t, beside the system's QEMU and never in
# its place: /usr/bin/qemu-system-x86_64 stays Debian 12's 7.2, which the
# other tests boot with. Building QEMU from source would take most of CI's
# time; unpacking trixie's binary packages takes seconds.
#
# The trixie entry lives in a private apt configuration under OUTDIR/apt (its
# own sources, lists, cache and an empty dpkg status, so apt resolves the
# whole dependency closure without recommends as for an empty system), like
# scripts/ovmf-amdsev.sh: the system's apt lists never see trixie. apt checks
# the lists against the signed trixie Release files (debian-archive-keyring)
# and each .deb against the lists' hashes; this script checks the .debs once
# more. Nothing is installed and no maintainer script runs: every package is
# unpacked with dpkg-deb -x into OUTDIR/root, and OUTDIR/bin/qemu-system-x86_64
# runs trixie's binary through the tree's own dynamic loader with the tree's
# libraries only (no chroot, no root needed to run it). Firmware, keymaps and
# modules come from the tree too: QEMU looks for its data and module
# directories under "qemu-bundle" beside its executable (/proc/self/exe, here
# the tree's loader) before the compiled-in /usr paths, so a qemu-bundle
# symbolic link to the tree's root makes them resolve inside it (checked
# below with -L help).
#
# Cache: OUTDIR/qemu-trixie.key (the make target) holds this script's hash and
# the packages unpacked; when the script is unchanged and the tree is there
# nothing is done (no network). QEMU_TRIXIE_REFRESH=1 (make deps-refresh)
# re-reads the trixie lists, so a new trixie point release is picked up. Needs
# the network only to fetch; the log is OUTDIR/logs/qemu-trixie.log.
set -euo pipefail
umask 022
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(realpath -- "$1")
script=$(realpath -- "${BASH_SOURCE[0]}")
PKG=qemu-system-x86
MIN_VERSION=9.1 # sev-snp-guest
root=$out/root
wrapper=$out/bin/qemu-system-x86_64
keyfile=$out/qemu-trixie.key
log=$out/logs/qemu-trixie.log
aptdir=$out/apt
mkdir -p "$out/logs" "$out/bin" "$aptdir/etc/sources.list.d" "$aptdir/etc/preferences.d" \
	"$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$aptdir/log"

say() { printf 'qemu-trixie: %s\n' "$*"; }
die() { printf 'qemu-trixie: error: %s\n' "$*" >&2; exit 1; }
# run WHAT CMD...: a step, its output in the log; on failure WHAT and the log's end.
run() {
	local what=$1
	shift
	printf '\n+ %s\n' "$*" >>"$log"
	if ! "$@" </dev/null >>"$log" 2>&1; then
		printf 'qemu-trixie: error: %s\n---- last 20 lines of %s ----\n' "$what" "$log" >&2
		tail -n 20 "$log" | cut -c1-300 >&2
		exit 1
	fi
}

# Two make processes may ask at once: one unpacks.
exec 9>"$out/.lock"
flock 9

script_hash=$(sha256sum <"$script" | cut -d' ' -f1)
tree_ok() { [ -x "$wrapper" ] && [ -x "$root/usr/bin/qemu-system-x86_64" ]; }
refresh=${QEMU_TRIXIE_REFRESH:-0}
if [ "$refresh" != 1 ] && tree_ok && [ "$(head -n 1 "$keyfile" 2>/dev/null)" = "script $script_hash" ]; then
	touch "$keyfile" # make asked because the script's time changed; its bytes did not
	exit 0
fi
t0=$(date +%s)
: >"$log"

# ---- the private apt configuration: trixie binary packages, amd64 only --------------
sources_entry='# Written by snpboot (scripts/qemu-trixie.sh): Debian 13 binary packages for the
# QEMU >= 9.1 the tests run. Private to this directory; the system apt never reads it.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
: >"$aptdir/status" # an empty system: apt resolves every dependency
apt_opts=(
	-o "Dir::Etc::SourceList=/dev/null"
	-o "Dir::Etc::SourceParts=$aptdir/etc/sources.list.d"
	-o "Dir::Etc::Preferences=/dev/null"
	-o "Dir::Etc::PreferencesParts=$aptdir/etc/preferences.d"
	-o "Dir::State::Lists=$aptdir/lists"
	-o "Dir::State::status=$aptdir/status"
	-o "Dir::State::extended_states=$aptdir/extended_states"
	-o "Dir::Cache=$aptdir/cache"
	-o "Dir::Log=$aptdir/log"
	-o "APT::Default-Release="
	-o "APT::Architecture=amd64"
	-o "APT::Architectures=amd64"
	-o "APT::Install-Recommends=false"
	-o "APT::Install-Suggests=false"
)
if [ "$(cat "$aptdir/etc/sources.list.d/trixie.sources" 2>/dev/null)" != "$sources_entry" ]; then
	printf '%s\n' "$sources_entry" >"$aptdir/etc/sources.list.d/trixie.sources"
	refresh=1
fi
update_lists() {
	say "apt-get update of the private trixie lists in $aptdir"
	run "apt-get update of the trixie lists failed (network down, or the Debian mirror unreachable or unsigned?)" \
		apt-get -q "${apt_opts[@]}" update --error-on=any
}
if [ "$refresh" = 1 ] || ! compgen -G "$aptdir/lists/*_Packages*" >/dev/null; then
	update_lists
fi

# ---- which packages (offline, from the signed lists) ------------------------------
# closure: lines URI FILE SIZE SHA256:HEX, the closure of $PKG without
# recommends. --print-uris leaves out what the cache already holds, hence an
# empty archives directory for it; it gives MD5 sums, hence apt-cache show for
# the SHA256 of each package (the same signed lists).
closure() {
	local uris specs
	mkdir -p "$aptdir/none/partial"
	# FILE is PACKAGE_VERSION_ARCH.deb, with ':' in VERSION written %3a: the
	# lines get PACKAGE=VERSION in front, for apt-cache show. (No MD5 sum, the
	# fourth word, for packages from trixie-security.)
	uris=$(apt-get "${apt_opts[@]}" -o "Dir::Cache::Archives=$aptdir/none" install --print-uris -qq "$PKG" \
		2>>"$log" | awk '(NF == 3 || NF == 4) && $1 ~ /^'\''/ { gsub(/'\''/, "", $1); split($2, f, "_"); sub(/%3a/, ":", f[2]);
			print f[1] "=" f[2], $1, $2, $3 }') || return 1
	[ -n "$uris" ] || return 1
	mapfile -t specs < <(printf '%s\n' "$uris" | cut -d' ' -f1)
	apt-cache "${apt_opts[@]}" show "${specs[@]}" 2>>"$log" |
		awk 'NR == FNR { want[$1] = $2 " " $3 " " $4; next }
			/^Package: / { p = $2 }
			/^Version: / { v = p "=" $2 }
			/^SHA256: / && (v in want) && !(v in done) { print want[v], "SHA256:" $2; done[v] = 1 }
			/^$/ { p = v = "" }
			END { for (v in want) if (!(v in done)) { print "no SHA256 for " v > "/dev/stderr"; exit 1 } }' \
			<(printf '%s\n' "$uris") -
}
files=$(closure 2>>"$log") || die "apt cannot resolve $PKG from the trixie lists in $aptdir (see $log)"
# pkg_version: the version of $PKG among $files (file names say ':' as %3a).
pkg_version() { printf '%s\n' "$files" | awk -v p="${PKG}_" 'index($2, p) == 1 { print $2 }' | sed 's/^[^_]*_//; s/_[^_]*$//; s/%3a/:/'; }
make_key() {
	printf 'script %s\n' "$script_hash"
	printf '%s\n' "$files" | awk '{ print $2 }' | sort
}
version=$(pkg_version)
[ -n "$version" ] || die "$PKG is not among the packages apt would fetch (see $log)"
key=$(make_key)
if tree_ok && [ "$(cat "$keyfile" 2>/dev/null)" = "$key" ]; then
	touch "$keyfile"
	exit 0
fi
rm -f "$keyfile"

# ---- fetch and verify --------------------------------------------------------------
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
debs=$aptdir/cache/archives
chmod 755 "$aptdir" "$aptdir/cache" "$debs" # apt downloads as the _apt user when it can
all_there() {
	local uri name _size hash
	while read -r uri name _size hash; do
		[ -s "$debs/$name" ] && verify "$debs/$name" "$hash" || return 1
	done <<<"$files"
}
if ! all_there; then
	n=$(printf '%s\n' "$files" | wc -l)
	mib=$(printf '%s\n' "$files" | awk '{ s += $3 } END { printf "%.0f", s / 1048576 }')
	say "fetching $PKG $version and its dependencies ($n packages, $mib MiB)"
	fetch() { apt-get -q "${apt_opts[@]}" install --download-only -y "$PKG" </dev/null >>"$log" 2>&1; }
	if ! fetch; then
		# The lists may name versions the mirror no longer has (a point release
		# since the last update): read them again once, then give up.
		say "download failed (see $log); reading the trixie lists again"
		update_lists
		files=$(closure 2>>"$log") || die "apt cannot resolve $PKG from the trixie lists in $aptdir (see $log)"
		version=$(pkg_version)
		key=$(make_key)
		run "downloading the trixie packages failed (network down or the Debian mirror unreachable?)" \
			apt-get -q "${apt_opts[@]}" install --download-only -y "$PKG"
	fi
fi
while read -r uri name _size hash; do
	[ -s "$debs/$name" ] || die "apt did not fetch $name ($uri); see $log"
	verify "$debs/$name" "$hash" || die "$debs/$name does not match the $hash of the trixie Packages index"
done <<<"$files"
# Old versions from before a refresh are not needed again.
find "$debs" -maxdepth 1 -name '*.deb' -printf '%f\n' | sort |
	comm -23 - <(printf '%s\n' "$files" | awk '{ print $2 }' | sort) | sed "s|^|$debs/|" | xargs -r rm -f

# ---- unpack -------------------------------------------------------------------------
say "unpacking $(printf '%s\n' "$files" | wc -l) packages into $root"
tmp=$out/root.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
while read -r _uri name _size _hash; do
	run "dpkg-deb -x $name failed" dpkg-deb -x "$debs/$name" "$tmp"
done <<<"$files"
# Documentation, manual pages and translations: never read (about 20 MiB).
rm -rf "$tmp/usr/share/doc" "$tmp/usr/share/man" "$tmp/usr/share/locale" "$tmp/usr/share/lintian"
# trixie is merged-/usr: the top-level names as the base system makes them.
for d in bin sbin lib lib64; do [ -e "$tmp/$d" ] || ln -s "usr/$d" "$tmp/$d"; done
lib=usr/lib/x86_64-linux-gnu
ln -sfn ../../.. "$tmp/$lib/qemu-bundle" # data and module directories, see the header
[ -x "$tmp/$lib/ld-linux-x86-64.so.2" ] || die "no $lib/ld-linux-x86-64.so.2 in the unpacked packages"
rm -rf "$root"
mv "$tmp" "$root"

cat >"$wrapper.tmp" <<'SH'
#!/bin/sh
# Debian 13 (trixie)'s QEMU from the tree beside this directory, through the
# tree's own loader and libraries (written by scripts/qemu-trixie.sh).
root=$(dirname "$(dirname "$(readlink -f "$0")")")/root
lib=$root/usr/lib/x86_64-linux-gnu
exec "$lib/ld-linux-x86-64.so.2" --inhibit-cache --library-path "$lib" "$root/usr/bin/qemu-system-x86_64" "$@"
SH
chmod 755 "$wrapper.tmp"
mv -f "$wrapper.tmp" "$wrapper"

# ---- checks: only the tree's libraries and data, and the version ---------------------
libs=$("$root/$lib/ld-linux-x86-64.so.2" --inhibit-cache --library-path "$root/$lib" --list \
	"$root/usr/bin/qemu-system-x86_64" 2>&1) || die "the tree's loader cannot load QEMU: $libs"
outside=$(printf '%s\n' "$libs" | awk '/=>/ && index($3, "'"$root"'/") != 1')
[ -z "$outside" ] || die "QEMU would load libraries from outside $root: $outside"
datadirs=$("$wrapper" -L help 2>&1) || die "$wrapper -L help failed: $datadirs"
outside=$(printf '%s\n' "$datadirs" | grep -v "^$root/" || true)
[ -z "$outside" ] || die "QEMU would read data from outside $root: $outside"
ver=$("$wrapper" --version 2>&1 | head -n 1) || die "$wrapper --version failed: $ver"
num=$(printf '%s\n' "$ver" | sed -n 's/^QEMU emulator version \([0-9]*\.[0-9]*\).*/\1/p')
if [ -z "$num" ] || [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$num" | sort -V | head -n 1)" != "$MIN_VERSION" ]; then
	die "trixie's QEMU says '$ver'; want $MIN_VERSION or later"
fi

printf '%s %s\n%s\n' "$PKG" "$version" "$ver" >"$out/qemu-trixie.version"
printf '%s\n' "$key" >"$keyfile.tmp"
mv -f "$keyfile.tmp" "$keyfile"
say "$ver in $root ($(du -sm "$root" | cut -f1) MiB) in $(($(date +%s) - t0)) s; run it as $wrapper"
