#!/bin/bash
# Usage: apt.sh STAMP PACKAGE...
# Installs the Debian packages the build uses and adds the deb-src entry the
# musl builds fetch their sources with. Needs the network and root only when
# something is missing: when every package is installed and the source lists
# are there it changes nothing, so a second run is instant and offline.
# STAMP (the package list) is written on success.
set -euo pipefail
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

stamp=$1
shift
packages=("$@")
sources_file=/etc/apt/sources.list.d/snpboot-deb-src.sources

# Debian's own mirrors, as on a stock bookworm install, for source packages only.
sources_entry='# Added by snpboot (scripts/deps/apt.sh): Debian source packages for the musl builds.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

. /etc/os-release 2>/dev/null || true
if [ "${ID:-}" != debian ] || [ "${VERSION_CODENAME:-}" != bookworm ]; then
	say "warning: written for Debian 12 (bookworm), this is ${PRETTY_NAME:-unknown}"
fi

need_root() {
	[ "$(id -u)" = 0 ] || die "$1; run 'make deps' as root once"
}

# One dpkg-query for all: packages it does not know print nothing (and an
# error we drop), so anything not reported as installed is missing.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null |
	awk '$2 == "ii" { print $1 }' || true)
missing=()
for p in "${packages[@]}"; do
	grep -qxF -- "$p" <<<"$installed" || missing+=("$p")
done

sources_stale=0
if [ "$(cat "$sources_file" 2>/dev/null)" != "$sources_entry" ]; then
	sources_stale=1
fi
# The deb-src index files apt expects; any missing means no 'apt-get update'
# ran since the entry was added. (apt may store them compressed.)
lists_missing=0
if [ $sources_stale = 0 ]; then
	# shellcheck disable=SC2016 # $(FILENAME) is apt's format, not ours
	lists=$(apt-get indextargets --format '$(FILENAME)' 'Identifier: Sources')
	[ -n "$lists" ] || lists_missing=1
	while read -r f; do
		[ -z "$f" ] || compgen -G "$f*" >/dev/null || { lists_missing=1; break; }
	done <<<"$lists"
fi

if [ $sources_stale = 1 ]; then
	need_root "$sources_file is missing or differs"
	say "adding the deb-src entry $sources_file"
	printf '%s\n' "$sources_entry" >"$sources_file.tmp"
	mv -f "$sources_file.tmp" "$sources_file"
fi

# apt's output goes to a log; a failure shows its end.
log=$(dirname "$stamp")/logs/apt.log
mkdir -p "$(dirname "$log")"
apt_run() {
	printf '\n+ apt-get %s\n' "$*" >>"$log"
	if ! apt-get -q -o DPkg::Lock::Timeout=600 "$@" </dev/null >>"$log" 2>&1; then
		printf 'deps: error: apt-get %s failed; last lines of %s:\n' "$1" "$log" >&2
		tail -n 25 "$log" >&2
		exit 1
	fi
}
if [ $sources_stale = 1 ] || [ $lists_missing = 1 ] || [ ${#missing[@]} -gt 0 ]; then
	need_root "packages or source lists missing: ${missing[*]:-deb-src lists}"
	say "apt-get update (log: $log)"
	apt_run update
fi
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	apt_run install -y --no-install-recommends "${missing[@]}"
fi

printf '%s\n' "${packages[@]}" | sort >"$stamp.tmp"
mv -f "$stamp.tmp" "$stamp"
