#!/usr/bin/env bash
# `make bench`: prints a table where each figure is a ratio against a baseline
# measured in the same run, and keeps the table in build/bench/ for later runs.
# The QEMU boots of scripts/bench_boot.sh use the production image with snp-sim
# and `snpboot client`, and the e2e test disk (build/test/disk/disk.img).
# About 3.5 minutes here (2 cores): QEMU (TCG) boots one at a time, then about
# 80 s of key broker load (scripts/bench_broker.sh; BENCH_BROKER_SECONDS per run).
#   BENCH_QUICK=1  one timed boot per image instead of the median of 3, and
#                  the RAM bisection to 16 MiB instead of 1 MiB (about 1 min);
#                  see scripts/bench_boot.sh for the boot figures' definitions.
set -euo pipefail
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
out=$BUILD/bench
mkdir -p "$out"
rows=$out/rows.txt
: >"$rows"

# 1. Library: report verification and launch digest (bench/bench_lib.c).
"$BUILD/bench/bench_lib" "$SHARED" >>"$rows"

# 2. Keyslot unlock on one LUKS2 disk: our PBKDF2 keyslot vs cryptsetup's
#    default Argon2id keyslot (cryptsetup --test-passphrase: KDF + keyslot only).
disk=$out/kdf.img
head -c 64 /dev/urandom >"$out/kdf.key"
truncate -s 0 "$disk" && truncate -s 32M "$disk"
cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-slot 0 --key-file "$out/kdf.key" "$disk" >/dev/null
cryptsetup luksAddKey --batch-mode --pbkdf argon2id --key-slot 1 --key-file "$out/kdf.key" \
	--new-keyfile "$out/kdf.key" "$disk" >/dev/null
median_ms() { # median_ms RUNS COMMAND...: median wall time in ms
	local runs=$1 t=()
	shift
	for _ in $(seq "$runs"); do
		local s e
		s=$(date +%s%N)
		"$@" >/dev/null
		e=$(date +%s%N)
		t+=($(((e - s) / 1000000)))
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}
pbkdf2=$(median_ms 5 cryptsetup open --test-passphrase --key-slot 0 --key-file "$out/kdf.key" "$disk")
argon=$(median_ms 3 cryptsetup open --test-passphrase --key-slot 1 --key-file "$out/kdf.key" "$disk")
awk -v a="$pbkdf2" -v b="$argon" 'BEGIN { printf "keyslot unlock, PBKDF2 vs default Argon2id (host)|%d|ms|%d|%.3f\n", a, b, (b ? a / b : 0) }' >>"$rows"
rm -f "$disk" "$out/kdf.key"

# 3. Initramfs size: ours vs the same image with busybox + a shell /init.
img=$BUILD/test/initramfs.cpio.gz # the production /init, pinned to the test owner and disk
stage=$out/baseline.staging
rm -rf "$stage" && mkdir -p "$stage"
gzip -dc "$img" | (cd "$stage" && cpio -idm --quiet 2>/dev/null)
gz() { find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 cat | gzip -9n | wc -c; }
ours_init=$(gz "$stage/init")
cp /bin/busybox "$stage/init.busybox"
base_init=$(gz "$stage/init.busybox")
rm -f "$stage/init" && mv "$stage/init.busybox" "$stage/init"
base_total=$( (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9n | wc -c)
total=$(stat -c %s "$img")
echo "initramfs total, compressed|$total|bytes|$base_total|$(awk -v a="$total" -v b="$base_total" 'BEGIN{printf "%.3f", a/b}')" >>"$rows"
echo "  of which /init (vs busybox-static)|$ours_init|bytes|$base_init|$(awk -v a="$ours_init" -v b="$base_init" 'BEGIN{printf "%.3f", a/b}')" >>"$rows"
echo "  of which cryptsetup|$(gz "$stage/sbin/cryptsetup")|bytes|$total|$(awk -v a="$(gz "$stage/sbin/cryptsetup")" -v b="$total" 'BEGIN{printf "%.3f", a/b}')" >>"$rows"
echo "  of which modules|$(gz "$stage/lib/modules")|bytes|$total|$(awk -v a="$(gz "$stage/lib/modules")" -v b="$total" 'BEGIN{printf "%.3f", a/b}')" >>"$rows"
rm -rf "$stage"

# 4. Boots in QEMU: snpboot's image (attested via snp-sim) vs a busybox-shell first stage doing
#    the same steps (boot time, /init time, PID 1 peak RSS, smallest RAM).
scripts/bench_boot.sh >>"$rows"

# 5. First-stage peak memory from the timeline of the last timed boot above
#    (or of the last end-to-end boot), against its cryptsetup child.
log=$BUILD/test/logs/boot_unlock/dhcp.console
for f in "$out"/boots/ours-timed-*.console; do [ -f "$f" ] && log=$f; done
if [ -f "$log" ]; then
	peak=$(grep -o 'peak_rss=[0-9]*' "$log" | tail -1 | cut -d= -f2)
	child=$(grep -o 'children [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	[ -n "$peak" ] && [ -n "$child" ] &&
		echo "init peak RSS (vs its cryptsetup child)|$peak|KiB|$child|$(awk -v a="$peak" -v b="$child" 'BEGIN{printf "%.3f", a/b}')" >>"$rows"
fi

# 6. The key broker under load (`snpboot broker serve`, SQLite and PostgreSQL) vs one
#    `snpboot client` process per guest, and its CPU per release vs the public-key
#    floor; ratios end in PASS/MISS against issue "broker" part 5's goals.
BUILD=$BUILD SHARED=$SHARED scripts/bench_broker.sh >>"$rows"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
{
	echo "snpboot bench $stamp ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
	printf '%-64s %14s %-11s %14s %10s\n' figure value unit baseline ratio
	while IFS='|' read -r name value unit base ratio; do
		printf '%-64s %14s %-11s %14s %10s\n' "$name" "$value" "$unit" "$base" "$ratio"
	done <"$rows"
} | tee "$out/results-$stamp.txt"
echo "bench: written to $out/results-$stamp.txt"
