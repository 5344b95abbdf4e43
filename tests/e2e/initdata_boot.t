#!/usr/bin/env bash
# Initdata: one image for many VMs. The image's boot.toml has no pins of its
# own and says [initdata] mode = "required"; each VM's owner pin and disk pin
# come from a per-VM document the host hands in by QEMU fw_cfg, which the
# guest uses only when its report's HOST_DATA is the document's SHA-256.
#   a. the definition names the initdata: the client expects HOST_DATA =
#      SHA-256(initdata), snp-sim reports it, the guest unlocks;
#   b. the host hands in B while the launch's HOST_DATA is SHA-256(A): the
#      guest refuses (HOST_DATA mismatch) before asking anyone for a key;
#   c. initdata that sets attestation.provider: refused by the guest.
. "$(dirname "$0")/lib/e2e.sh"

# ---- the fleet image ------------------------------------------------------------
{
	sed '/^\[initdata\]/,$d' config/boot.toml
	printf '[initdata]\nmode = "required"\nallow = ["channel.owner_key_sha256", "root.pin_*"]\n'
} >"$work/boot.toml"
"$snpboot" boot-config "$work/boot.toml" >"$work/boot-config.out" 2>&1
ok $? "boot-config accepts an image that leaves both pins to initdata"
check "... and says so" grep -qF "left to initdata: channel.owner_key_sha256 root.pin_*" "$work/boot-config.out"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
scripts/mkinitramfs.sh --init "$BUILD/musl/init" --cryptsetup "$BUILD/deps/musl/bin/cryptsetup" \
	--snpboot "$snpboot" --modules-dir "$BUILD/kernel/modules" --kmods "$BUILD/test/kmods.list" \
	--config "$work/boot.toml" --skel rootfs-skel --out "$work/fleet.cpio.gz" >"$work/mkinitramfs.log" 2>&1
ok $? "fleet image built"
INITRAMFS=$work/fleet.cpio.gz
INITRD=$INITRAMFS

# ---- the documents ------------------------------------------------------------------
owner_line=$("$snpboot" owner-key "$OWNER_KEY")
doc() { # doc FILE NAME [extra lines]
	local f=$1 name=$2
	shift 2
	{
		printf '[vm]\nname = "%s"\n[channel]\n%s\n[root]\n' "$name" "$owner_line"
		"$snpboot" disk-pin "$TEST_DISK_DIR/disk.img" | grep '^pin_'
		printf '%s\n' "$@"
	} >"$f"
}
doc "$work/a.toml" vm-a
doc "$work/b.toml" vm-b
doc "$work/c.toml" vm-c '[attestation]' 'provider = "sim"'
sha() { sha256sum <"$1" | cut -c1-64; }
"$snpboot" initdata --boot-config "$work/boot.toml" "$work/a.toml" >"$work/initdata-a.out" 2>&1
ok $? "snpboot initdata accepts A against the image's boot.toml"
check "... and prints its SHA-256 as host_data" grep -qxF "host_data = \"$(sha "$work/a.toml")\"" "$work/initdata-a.out"
"$snpboot" initdata "$work/c.toml" >"$work/initdata-c.out" 2>&1
is "$?" 1 "snpboot initdata refuses C (attestation.provider)"
check "... with its position" grep -qF "c.toml:$(grep -n '^\[attestation\]' "$work/c.toml" | cut -d: -f1):1: initdata may never set [attestation]" "$work/initdata-c.out"

# with_initdata DEF FILE [sim host_data]: names FILE in the definition's [vm]
with_initdata() {
	sed -i "s|^name = \"e2e-$t_name\"\$|&\ninitdata = \"$2\"|" "$1"
	[ -n "${3:-}" ] && printf 'host_data = "%s"\n' "$3" >>"$1"
	return 0
}

# ---- a. the owner's document: unlocked --------------------------------------------
port=$(free_port)
append="$base_append"
vmdef "$work/a-vm.toml" "$append" "127.0.0.1:$port" connect
with_initdata "$work/a-vm.toml" "$work/a.toml"
"$snpboot" launch-qemu --sim --print --vm-definition "$work/a-vm.toml" >"$work/a-launch.txt" 2>&1
check "launch-qemu --sim passes the initdata by fw_cfg" grep -qF -- "-fw_cfg name=opt/org.snpboot/initdata,file=$work/a.toml" "$work/a-launch.txt"
start_sim "$work/a-vm.toml" a
start_guest a "$append" $(disk_args) -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443" \
	-device virtio-net-pci,netdev=n0 $(sim_args) -fw_cfg "name=opt/org.snpboot/initdata,file=$work/a.toml"
client a --vm-definition "$work/a-vm.toml" --disk-key-file "$TEST_DISK_DIR/disk.key"
wait_guest
stop_sim
ok "$([ $client_rc = 0 ]; echo $?)" "a: the owner released the key, the guest unlocked (client exit $client_rc)"
check "a: the guest checked HOST_DATA = SHA-256(initdata)" has "$console" "initdata: $(stat -c %s "$work/a.toml") bytes, SHA-256 $(sha "$work/a.toml") = the launch's HOST_DATA (checked)"
check "a: the guest applied it" has "$console" 'initdata: applied for VM "vm-a"'
check "a: the client saw HOST_DATA = SHA-256(initdata)" grep -qE "HOST_DATA.*$(sha "$work/a.toml")" "$work/a.client"
check "a: second stage is up" has "$console" "SNPBOOT-SECOND-STAGE-UP"

# ---- b. the host hands in B, the launch says A ------------------------------------------
vmdef "$work/b-vm.toml" "$append" "127.0.0.1:$(free_port)" connect
with_initdata "$work/b-vm.toml" "$work/b.toml" "$(sha "$work/a.toml")"
start_sim "$work/b-vm.toml" b
start_guest b "$append" $(sim_args) -fw_cfg "name=opt/org.snpboot/initdata,file=$work/b.toml"
wait_guest
stop_sim
check "b: the guest refuses the initdata" has "$console" "initdata failed: initdata refused: HOST_DATA mismatch"
check "b: expected vs got in hex" has "$console" "expected $(sha "$work/b.toml") (SHA-256 of initdata), got $(sha "$work/a.toml")"
check "b: no channel was opened" lacks "$console" "channel: "

# ---- c. initdata that names the attestation provider ---------------------------------
vmdef "$work/c-vm.toml" "$append" "127.0.0.1:$(free_port)" connect
with_initdata "$work/c-vm.toml" "$work/c.toml"
start_sim "$work/c-vm.toml" c
start_guest c "$append" $(sim_args) -fw_cfg "name=opt/org.snpboot/initdata,file=$work/c.toml"
wait_guest
stop_sim
check "c: HOST_DATA matched" has "$console" "SHA-256 $(sha "$work/c.toml") = the launch's HOST_DATA (checked)"
check "c: the guest refuses [attestation] in initdata" has "$console" "initdata may never set [attestation]"
check "c: no channel was opened" lacks "$console" "channel: "
done_testing
