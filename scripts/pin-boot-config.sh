#!/usr/bin/env bash
# pin-boot-config.sh SNPBOOT IN.toml OWNER.pem DISK.img OUT.toml [disk-pin options]
# Writes OUT.toml: IN.toml (config/boot.toml) with the owner key's pin in
# [channel] owner_key_sha256 and the disk's pin (snpboot disk-pin) in [root].
# What the demo and the tests build their images from; an owner does the
# same by pasting the lines the two commands print.
set -euo pipefail
[ $# -ge 5 ] || { echo "usage: $0 SNPBOOT IN.toml OWNER.pem DISK.img OUT.toml [disk-pin options]" >&2; exit 2; }
snpboot=$1 in=$2 owner=$3 disk=$4 out=$5
shift 5
owner_line=$("$snpboot" owner-key "$owner")
pin_lines=$("$snpboot" disk-pin "$@" "$disk")
grep -q '^owner_key_sha256 = \[\]$' "$in" || { echo "$0: $in has no 'owner_key_sha256 = []' line to fill" >&2; exit 1; }
grep -q '^\[root\]$' "$in" || { echo "$0: $in has no [root] table" >&2; exit 1; }
tmp=$(mktemp "$out.XXXXXX")
OWNER_LINE=$owner_line PIN_LINES=$pin_lines awk '
	$0 == "owner_key_sha256 = []" { print ENVIRON["OWNER_LINE"]; next }
	{ print }
	$0 == "[root]" { print ENVIRON["PIN_LINES"] }
' "$in" >"$tmp"
"$snpboot" boot-config --quiet "$tmp"
mv -f "$tmp" "$out"
