#!/usr/bin/env bash
# `make demo-fleet`, run as a user would: one fleet image, a VM's initdata,
# `snpboot broker serve` on SQLite; the VM boots through the broker, is
# launched again and gets its key again, unattended. It must exit 0, show
# both releases with two REPORT_IDs, and never print the disk key.
set -uo pipefail
BUILD=${BUILD:-build}
. "$(dirname "$0")/lib/tap.sh"
out=$BUILD/test/logs/demo_fleet/make-demo-fleet.out
mkdir -p "$(dirname "$out")"

timeout 900 make --no-print-directory BUILD="$BUILD" demo-fleet </dev/null >"$out" 2>&1
rc=$?
ok $rc "make demo-fleet exits 0 (output in $out)"
[ $rc -eq 0 ] || tail -n 30 "$out" | sed 's/^/# /'
check "the image leaves the broker's address and pin and the disk pin to initdata" \
	grep -q "initdata required, left to initdata: .*channel.owner_address.*root.pin_\*" "$out"
check "snpboot initdata printed the VM's host_data" grep -q '^host_data = "[0-9a-f]\{64\}"$' "$out"
check "broker add sealed the VM's key and computed its MEASUREMENT" \
	grep -q "^added vm 'fleet-vm1' (disk key version 1, MEASUREMENT [0-9a-f]\{96\}, computed now)" "$out"
is "$(grep -c '^snpboot: unlock: root unlocked with key from attested channel' "$out")" 2 \
	"both boots unlocked with the key from the broker"
is "$(grep -c '^second-stage: dm name=root uuid=CRYPT-LUKS2-' "$out")" 2 "... and ran the second stage from dm-crypt"
rids=$(grep -E '^[^ ]+ +released +fleet-vm1 ' "$out" | grep -oE 'report_id=[0-9a-f]{64}' | sort -u | wc -l)
is "$rids" 2 "the audit log: two releases, two REPORT_IDs"
check "it ends with OK" grep -q "demo-fleet: == OK: two launches, two REPORT_IDs" "$out"
key=$BUILD/demo-fleet/disk/disk.key
hex=$(od -An -tx1 "$key" | tr -d ' \n')
check "the disk key appears neither in the output nor on the consoles" \
	bash -c "[ -n '$hex' ] && ! grep -qiF -- '$hex' '$out' $BUILD/demo-fleet/*.console $BUILD/demo-fleet/broker.log"
done_testing
