#!/usr/bin/env bash
# The initramfs is reproducible (the owner predicts the measurement from it),
# and small; `make initramfs` refuses, before packing, a boot.toml the first
# stage would refuse at boot (its own parser: file:line:column and why), and
# one that pins no owner or no disk.
. "$(dirname "$0")/lib/e2e.sh"
work=$E2E_LOGS/$t_name
build_image() { # build_image INIT OUT [extra args]
	local init=$1 out=$2
	shift 2
	scripts/mkinitramfs.sh --init "$init" --cryptsetup "$BUILD/deps/musl/bin/cryptsetup" \
		--snpboot "$BUILD/host/snpboot" --modules-dir "$BUILD/kernel/modules" --kmods "$BUILD/test/kmods.list" \
		--config "$BUILD/test/boot.toml" --skel rootfs-skel --out "$out" "$@"
}
# As the Makefile sets it, so that make_image below can compare with the test image.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 1700000000)}
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

# What the first stage would refuse never becomes an image.
make_image() { # make_image CONFIG NAME: `make initramfs` with BOOT_CONFIG=CONFIG; sets $make_rc
	rm -f "$work/$2.cpio.gz" # a leftover from an earlier run would look up to date to make
	make --no-print-directory -s BUILD="$BUILD" BOOT_CONFIG="$1" KMODS_LIST="$BUILD/test/kmods.list" INITRAMFS="$work/$2.cpio.gz" \
		"$work/$2.cpio.gz" >"$work/$2.make" 2>&1
	make_rc=$?
}
make_image config/boot.toml shipped
ok "$([ $make_rc != 0 ]; echo $?)" "config/boot.toml as shipped (no owner, no disk pinned): make initramfs fails"
check "it says how to make the owner key" \
	grep -qF "config/boot.toml: channel.owner_key_sha256 is empty: the first stage talks only to a pinned owner. Make a key with \`snpboot owner-key --generate owner.pem\`" "$work/shipped.make"
check "nothing was packed" test ! -e "$work/shipped.cpio.gz"
sed 's/^mode = "dhcp"$/mdoe = "dhcp"/' "$BUILD/test/boot.toml" >"$work/typo.toml"
line=$(grep -n '^mdoe = ' "$work/typo.toml" | cut -d: -f1)
make_image "$work/typo.toml" typo
ok "$([ $make_rc != 0 ]; echo $?)" "a typo (mdoe = \"dhcp\"): make initramfs fails"
check "it names file:line:column and the key" grep -qF "$work/typo.toml:$line:1: unknown key 'network.mdoe'" "$work/typo.make"
check "nothing was packed" test ! -e "$work/typo.cpio.gz"
grep -v '^pin_cipher' "$BUILD/test/boot.toml" >"$work/halfpin.toml"
make_image "$work/halfpin.toml" halfpin
check "a disk pin with a key missing: refused, naming it" \
	grep -qF "the disk pin is incomplete, missing: root.pin_cipher" "$work/halfpin.make"
cp "$BUILD/test/boot.toml" "$work/pinned.toml" # a copy: the inner make must not remake the test disk
make_image "$work/pinned.toml" pinned
ok $make_rc "the pinned test configuration builds"
a=$(sha256sum <"$work/pinned.cpio.gz" | cut -c1-64)
b=$(sha256sum <"$BUILD/test/initramfs.cpio.gz" | cut -c1-64)
is "$a" "$b" "make initramfs gives the same bytes as the test image built from the same inputs"
done_testing
