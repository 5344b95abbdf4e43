#!/usr/bin/env bash
# The initramfs is reproducible (the owner predicts the measurement from it),
# and small.
. "$(dirname "$0")/lib/e2e.sh"
work=$E2E_LOGS/$t_name
build_image() { # build_image INIT OUT [extra args]
	local init=$1 out=$2
	shift 2
	scripts/mkinitramfs.sh --init "$init" --cryptsetup "$BUILD/deps/musl/bin/cryptsetup" \
		--snpboot "$BUILD/host/snpboot" --modules-dir "$BUILD/kernel/modules" --kmods kmods.list \
		--config config/boot.toml --skel rootfs-skel --out "$out" "$@"
}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
(umask 022 && build_image "$BUILD/musl/init" "$work/a.cpio.gz" >"$work/a.log" 2>&1)
ok $? "first build"
sleep 1.1 # a different wall-clock second must not change anything
(umask 077 && build_image "$BUILD/musl/init" "$work/b.cpio.gz" >"$work/b.log" 2>&1)
ok $? "second build (other umask, later time)"
a=$(sha256sum <"$work/a.cpio.gz" | cut -c1-64)
b=$(sha256sum <"$work/b.cpio.gz" | cut -c1-64)
ok "$([ -n "$a" ] && [ "$a" = "$b" ]; echo $?)" "same inputs give the same bytes ($a)"
size=$(stat -c %s "$work/a.cpio.gz")
ok "$([ "$size" -lt $((2 * 1024 * 1024)) ]; echo $?)" "compressed size $size bytes is under 2 MiB"
grep '^initramfs:' "$work/a.log" | diag
listing=$(gzip -dc "$work/a.cpio.gz" | cpio -it --quiet 2>/dev/null)
for f in init sbin/cryptsetup etc/snpboot/boot.toml etc/snpboot/modules.order lib/modules/dm-crypt.ko.xz; do
	ok "$(grep -qx "$f" <<<"$listing"; echo $?)" "image contains $f"
done
owners=$(gzip -dc "$work/a.cpio.gz" | cpio -itv --quiet 2>/dev/null | awk '{print $3 ":" $4}' | sort -u)
ok "$([ "$owners" = "root:root" ] || [ "$owners" = "0:0" ]; echo $?)" "every entry is owned by 0:0 ($owners)"
ok "$(file "$BUILD/musl/init" | grep -q 'statically linked'; echo $?)" "/init is a static binary"
ok "$(grep -q 'attested channel' "$BUILD/musl/init"; echo $?)" "/init's key source is the attested channel"
done_testing
