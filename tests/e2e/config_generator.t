#!/usr/bin/env bash
# `snpboot config-generator` and `snpboot launch-qemu --print` (no VM is
# started): the committed config/default-vm-config.toml is the generator's
# output; what it writes loads in the other tools and measures like a
# hand-written definition; --check's verdicts and exit codes; the printed
# QEMU commands for SNP and for the simulated platform.
. "$(dirname "$0")/lib/e2e.sh"
gen() { "$snpboot" config-generator "$@"; }
rc_of() { "$@" >/dev/null 2>&1; echo $?; }
is_rc() { # is_rc WANT DESCRIPTION COMMAND...
	local want=$1 desc=$2 got
	shift 2
	got=$(rc_of "$@")
	ok "$([ "$got" = "$want" ]; echo $?)" "$desc (exit $got, want $want)"
}

# ---- the committed default -------------------------------------------------------
gen >"$work/default.toml"
ok $? "config-generator without options writes a definition"
if diff -u config/default-vm-config.toml "$work/default.toml" >"$work/default.diff"; then
	ok 0 "config/default-vm-config.toml is up to date"
else
	ok 1 "config/default-vm-config.toml differs from config-generator's output (make default-vm-config):"
	diag <"$work/default.diff"
fi
ln -sfn "$snpboot" "$work/config-generator" # as the build links it, for any build flavour
"$work/config-generator" >"$work/argv0.toml" 2>&1
check "reachable as config-generator (argv[0])" cmp "$work/default.toml" "$work/argv0.toml"
check "debug is off, with its comment" bash -c "grep -B2 -x 'debug = false' '$work/default.toml' | grep -q '^# Allow the SNP debug'"
is_rc 1 "--check --no-files on the default: two errors, no minimum TCB for a real platform and no owner key" \
	gen --check "$work/default.toml" --no-files
gen --min-tcb bootloader=3,tee=0,snp=8,microcode=115 --owner-key "$work/owner.pem" >"$work/default-tcb.toml"
is_rc 0 "... with a minimum TCB and an owner key: notes only" gen --check "$work/default-tcb.toml" --no-files
gen --min-tcb bootloader=3,tee=0,snp=8,microcode=115 --owner-key "$work/owner.pem" --set channel.timeout_s=10 \
	>"$work/short.toml"
is_rc 0 "a short timeout is a warning" gen --check "$work/short.toml" --no-files
is_rc 1 "--strict turns its warnings into failure" gen --check "$work/short.toml" --no-files --strict
gen --check "$work/default.toml" --no-files >"$work/default.check" 2>&1
check "the missing owner key is an error, with its position and the fix" \
	bash -c "grep -qE '^$work/default.toml:[0-9]+:1: error: no owner key \(channel.owner_key\)' '$work/default.check' && grep -qF '    fix: make a key with \`snpboot owner-key --generate owner.pem\`' '$work/default.check'"

# ---- the first stage's boot.toml it proposes (--boot-config) ------------------
rm -f "$work/boot.toml" "$work/b3.toml"
gen --owner-key "$OWNER_KEY" --disk "$TEST_DISK_DIR/disk.img" --boot-config "$work/boot.toml" >/dev/null 2>"$work/boot.err"
ok $? "--boot-config writes the first stage's boot.toml for the owner key and the disk"
check "... which the first stage's own parser accepts" "$snpboot" boot-config --quiet "$work/boot.toml"
check "... with the owner key's pin" grep -qxF "$("$snpboot" owner-key "$OWNER_KEY")" "$work/boot.toml"
check "... and the disk pin, as disk-pin prints it" \
	bash -c "'$snpboot' disk-pin '$TEST_DISK_DIR/disk.img' | grep '^pin_' | while read -r l; do grep -qxF \"\$l\" '$work/boot.toml' || exit 1; done"
check "... under [root]" bash -c "sed -n '/^\[root\]/,/^\[/p' '$work/boot.toml' | grep -q '^pin_cipher = '"
is_rc 1 "it never replaces an existing file without --force" \
	gen --owner-key "$OWNER_KEY" --disk "$TEST_DISK_DIR/disk.img" --boot-config "$work/boot.toml"
is_rc 2 "--boot-config without --disk: usage error" gen --owner-key "$OWNER_KEY" --boot-config "$work/b2.toml"
head -c 40M /dev/zero >"$work/plain.img"
is_rc 3 "a disk that is not LUKS2: refused" \
	gen --owner-key "$OWNER_KEY" --disk "$work/plain.img" --boot-config "$work/b3.toml"
gen --owner-key "$OWNER_KEY" --disk "$work/plain.img" --boot-config "$work/b3.toml" 2>"$work/b3.err" >/dev/null
check "... saying why" grep -q "^snpboot config-generator: --disk $work/plain.img: " "$work/b3.err"
check "... and nothing was written" test ! -e "$work/b3.toml"
rm -f "$work/plain.img"

# ---- writing -------------------------------------------------------------------
rm -f "$work/out.toml"
is_rc 0 "--output writes a new file" gen --output "$work/out.toml"
echo "keep" >"$work/keep.toml"
is_rc 1 "--output refuses to replace a file" gen --output "$work/keep.toml"
check "... and leaves it alone" grep -qx keep "$work/keep.toml"
is_rc 0 "--force replaces it" gen --output "$work/keep.toml" --force
check "... with the definition" cmp "$work/default.toml" "$work/keep.toml"
ln -sf keep.toml "$work/link.toml"
is_rc 1 "--force does not replace what is not a regular file (a symlink)" gen --output "$work/link.toml" --force
check "... the symlink stays" test -L "$work/link.toml"
is_rc 2 "a value the loader refuses: usage error" gen --vcpus 0
gen --vcpus 0 2>"$work/vcpus.err" >/dev/null
check "... the message names the option and the line" grep -qE '^snpboot config-generator: --vcpus 0: \(generated\):[0-9]+:[0-9]+: ' "$work/vcpus.err"
is_rc 2 "unknown key refused" gen --set vm.colour=blue
is_rc 2 "a malformed integer refused" gen --set vm.memory_mib=lots
is_rc 2 "--strict without --check refused" gen --strict
is_rc 0 "--help" gen --help

# ---- what it writes is what the other tools read ------------------------------
# The same launch as tests/e2e/lib/e2e.sh's vmdef, once by hand, once generated.
append="console=ttyS0 panic=-1 loglevel=4 snpboot.attestation.provider=sim"
vmdef "$work/hand.toml" "$append" 127.0.0.1:7443 connect
gen --name "e2e-$t_name" --memory-mib 512 --ovmf "$ovmf" --kernel "$kernel" --initrd "$INITRAMFS" \
	--append "$append" --product milan --trust-anchor "$sim_state/ark.pem" --simulated \
	--set sim.state_dir="$sim_state" --set 'launch.extra_args=-device' --set 'launch.extra_args=virtio-rng-pci' \
	--output "$work/gen.toml" --force 2>"$work/gen.err"
ok $? "a definition with the e2e launch's values written"
m_hand=$("$snpboot" measure --vm-definition "$work/hand.toml" 2>/dev/null)
m_gen=$("$snpboot" measure --vm-definition "$work/gen.toml" 2>/dev/null)
ok "$([ -n "$m_gen" ] && [ "$m_gen" = "$m_hand" ]; echo $?)" "it measures like the hand-written one (${m_gen:0:16}...)"
[ -s "$sim_state/ark.pem" ] || "$snpboot" snp-sim --vm-definition "$work/hand.toml" --print-anchor >/dev/null 2>&1
gen --check "$work/hand.toml" >"$work/hand.check" 2>&1
ok $? "--check on the e2e tests' definition: no errors (files read)"
check "... the simulated platform is loud" grep -q 'WARNING: SIMULATED SNP PLATFORM' "$work/hand.check"
check "... and counted as a warning" grep -qE 'hand.toml:[0-9]+:1: warning: simulated = true' "$work/hand.check"

# --check's findings on weak choices, and the firmware that cannot measure a kernel.
sed -e 's/^\[channel\]$/[policy]\ndebug = true\nmigrate_ma = true\n[channel]/' \
	-e "s#^ovmf = .*#ovmf = \"$(realpath ../shared/testvectors/measurement/ovmf_OvmfX64_suffix.bin)\"#" \
	"$work/hand.toml" >"$work/weak.toml"
is_rc 1 "--check: firmware without SNP_KERNEL_HASHES is an error" gen --check "$work/weak.toml"
gen --check "$work/weak.toml" >"$work/weak.check" 2>&1
check "... named at firmware.ovmf" grep -qE 'weak.toml:[0-9]+:1: error: .*no SNP_KERNEL_HASHES' "$work/weak.check"
check "... debug warned" grep -q 'warning: debug is allowed' "$work/weak.check"
check "... migrate_ma warned" grep -q 'warning: a migration agent is allowed' "$work/weak.check"
printf '[vm]\nname = "x"\nvcpus = "two"\n' >"$work/bad.toml"
is_rc 3 "--check on a definition that does not load" gen --check "$work/bad.toml"
gen --check "$work/bad.toml" 2>"$work/bad.err"
check "... error at file:line:col" grep -qF "$work/bad.toml:3:9:" "$work/bad.err"

# ---- launch-qemu --print -------------------------------------------------------
lq() { "$snpboot" launch-qemu "$@"; }
lq --vm-definition "$work/gen.toml" --print >"$work/snp.cmd" 2>"$work/snp.err"
ok $? "launch-qemu --print (SNP)"
check "SNP: sev-snp-guest with the policy and kernel hashes" \
	grep -qxF '    -object sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,policy=0x30000,kernel-hashes=on \' "$work/snp.cmd"
check "SNP: confidential-guest-support on q35, memfd memory" \
	bash -c "grep -qF -- '-machine q35,confidential-guest-support=sev0,memory-backend=ram1' '$work/snp.cmd' && grep -qF -- '-object memory-backend-memfd,id=ram1,size=512M' '$work/snp.cmd'"
check "SNP: the AmdSev OVMF as -bios, -cpu from vcpu_type" \
	bash -c "grep -qF -- '-bios $ovmf ' '$work/snp.cmd' && grep -qF -- '-cpu EPYC-v4 ' '$work/snp.cmd'"
check "SNP: the command line shell-quoted" grep -qF -- "-append '$append'" "$work/snp.cmd"
check "SNP: the extra arguments last" bash -c "tail -n 1 '$work/snp.cmd' | grep -qx '    -device virtio-rng-pci'"
check "SNP with a simulated definition: warned" grep -q "trusts snp-sim's TEST root" "$work/snp.err"
check "the printed command is valid shell" bash -n "$work/snp.cmd"
lq --vm-definition "$work/gen.toml" --sim --print --sim-socket "$work/x.sock" >"$work/sim.cmd" 2>&1
ok $? "launch-qemu --sim --print"
check "sim: snp-sim's command first" grep -qE "snp-sim --vm-definition $work/gen.toml --socket $work/x.sock &\$" "$work/sim.cmd"
check "sim: TCG, -cpu max, no OVMF, no SEV object" \
	bash -c "grep -qF -- '-accel tcg' '$work/sim.cmd' && grep -qF -- '-cpu max' '$work/sim.cmd' && ! grep -qE -- '-bios|sev-snp' '$work/sim.cmd'"
check "sim: the virtio-serial port of snp-sim" \
	bash -c "grep -qF 'socket,id=snpsim,path=$work/x.sock,reconnect' '$work/sim.cmd' && grep -qF 'virtserialport,chardev=snpsim,name=org.snpboot.sim' '$work/sim.cmd'"
check "sim: the channel's port forwarded to the guest" grep -qF 'hostfwd=tcp:127.0.0.1:7443-:7443' "$work/sim.cmd"
check "nothing was started (no socket)" test ! -e "$work/x.sock"
# An ID block from idblock-generator: launched by launch-qemu, judged by --check.
rm -rf "$work/idb" && mkdir -p "$work/idb"
"$snpboot" idblock-generator --vm-definition "$work/gen.toml" --id-key-path "$work/idb/id.pem" \
	--auth-key-path "$work/idb/author.pem" --generate-keys --out-dir "$work/idb" >"$work/idb/out" 2>&1
ok $? "idblock-generator signs the generated definition's launch"
idk=$(sed -n 's/^id_key_digest = "\(.*\)"$/\1/p' "$work/idb/out")
idb_args=(--set launch.id_block="$work/idb/id-block.base64" --set launch.id_auth="$work/idb/id-auth.base64"
	--set expect.id_key_digest="$idk" --min-tcb-from "$sim_state/vcek.der" --owner-key "$OWNER_KEY")
gen --name "e2e-$t_name" --memory-mib 512 --ovmf "$ovmf" --kernel "$kernel" --initrd "$INITRAMFS" \
	--append "$append" "${idb_args[@]}" --output "$work/idb.toml" --force
ok $? "a definition launching that ID block"
lq --vm-definition "$work/idb.toml" --print >"$work/idb.cmd" 2>&1
check "SNP: id-block, id-auth (the files' base64) and author-key-enabled=on" grep -qF \
	"policy=0x30000,kernel-hashes=on,id-block=$(cat "$work/idb/id-block.base64"),id-auth=$(cat "$work/idb/id-auth.base64"),author-key-enabled=on" \
	"$work/idb.cmd"
gen --check "$work/idb.toml" >"$work/idb.check" 2>&1
ok $? "--check: the ID block signs this definition's MEASUREMENT and POLICY"
gen --name "e2e-$t_name" --memory-mib 512 --ovmf "$ovmf" --kernel "$kernel" --initrd "$INITRAMFS" \
	--append "$append quiet" "${idb_args[@]}" --output "$work/idb-stale.toml" --force
gen --check "$work/idb-stale.toml" >"$work/idb-stale.check" 2>&1
ok "$([ $? = 1 ]; echo $?)" "--check: an ID block for another command line is an error"
check "... saying the firmware will refuse the launch" grep -q 'error: the ID block signs another launch digest' "$work/idb-stale.check"
echo "not base64!" >"$work/idb/bad.base64"
sed "s#id-block.base64#bad.base64#" "$work/idb.toml" >"$work/idb-bad.toml"
is_rc 3 "launch-qemu refuses an ID block file that is not base64" lq --vm-definition "$work/idb-bad.toml" --print
lq --vm-definition "$work/idb-bad.toml" --print >"$work/idb-bad.err" 2>&1
check "... naming the key and its position" grep -qE "idb-bad.toml:[0-9]+:[0-9]+: 'launch.id_block'" "$work/idb-bad.err"

is_rc 2 "launch-qemu without --vm-definition" lq --print
is_rc 2 "--sim-socket without --sim" lq --vm-definition "$work/gen.toml" --print --sim-socket /tmp/x
is_rc 3 "a definition that does not load" lq --vm-definition "$work/bad.toml" --print
sed 's/^mode = .*/mode = "connect"/; s/^address = .*/address = "[::1]:7443"/' "$work/gen.toml" >"$work/v6.toml"
is_rc 3 "user networking cannot forward an IPv6 channel address" lq --vm-definition "$work/v6.toml" --print
done_testing
