#!/usr/bin/env bash
# The fleet path end to end: ONE measured image, two VMs told apart only by
# their initdata (fw_cfg, bound to HOST_DATA), real LUKS2 disks opened by
# dm-crypt, and `snpboot broker serve` on SQLite releasing the keys with no
# one at the keyboard. The image's boot.toml says [initdata] mode =
# "required", [channel] mode = "connect" and leaves the broker's address and
# pin, root.device and the disk pin to initdata; each guest dials the broker
# at 10.0.2.2:PORT (QEMU user networking to this host). Every boot is
# `snpboot launch-qemu --sim` with the VM's definition ([vm] initdata =
# ...), which starts its own snp-sim (QEMU under TCG).
#   1. VM A and VM B boot at once against the same running broker: each
#      reaches the second stage of ITS OWN disk (each disk carries a nonce);
#      the broker released each its own key (log line and audit log:
#      released, the VM, the REPORT_ID); both reports carry the same
#      MEASUREMENT (one image) and different HOST_DATA;
#   2. unattended reboot: VM A is launched again (a host restart: a new
#      launch, a new REPORT_ID) and gets its key again; meanwhile VM B,
#      revoked with `broker revoke`, is refused and does not unlock (its
#      failure action powers it off: snpboot.failure.retries=0 on the
#      image's command line keeps that short);
#   3. the host hands VM A's launch VM B's disk relabelled with A's LUKS
#      UUID: the first stage refuses it by the disk pin before asking anyone
#      for a key, so the broker is not even contacted (the check runs before
#      the channel; had the host swapped the disk after that check, the
#      broker would have released A's key, which A's attestation earns, and
#      the live-mapping check would refuse B's disk: disk_pin_attack.t 2c);
#   4. the audit log: every REPORT_ID released exactly once, two releases
#      for VM A with different REPORT_IDs, one for B, one refusal for B.
# (A second request with a REPORT_ID already unlocked is refused: the fake
# guests of broker_serve.t prove it; a real first stage never asks twice.)
. "$(dirname "$0")/lib/e2e.sh"

launch_pids=() broker_pid=
cleanup() {
	local p
	for p in "${launch_pids[@]}"; do # timeout leads a process group: launch-qemu, QEMU, snp-sim
		kill -TERM -- "-$p" 2>/dev/null
	done
	[ -n "$broker_pid" ] && kill -TERM "$broker_pid" 2>/dev/null
	e2e_stop_watchdog # before the wait, which would wait for it too
	wait 2>/dev/null
}
trap cleanup EXIT
sha() { sha256sum <"$1" | cut -c1-64; }
t0=$SECONDS

# ---- two disks, the broker's keys ------------------------------------------------
for v in a b; do
	tests/e2e/lib/make-test-disk.sh "$work/disk-$v" "$snpboot" >"$work/disk-$v.log" 2>&1
	ok $? "disk $v: the demo second stage with a nonce of its own, LUKS2 by encrypt-disk"
done
uuid_a=$(cat "$work/disk-a/luks.uuid")
check "the two disks have different keys" bash -c "! cmp -s '$work/disk-a/disk.key' '$work/disk-b/disk.key'"
rm -f "$work/master.key" "$work/broker.pem" "$work/fleet.db"* "$work/ready"
"$snpboot" broker init-key "$work/master.key" >"$work/init-key.out" 2>&1
ok $? "broker init-key: the master key"
"$snpboot" owner-key --generate "$work/broker.pem" >"$work/broker-pin.out" 2>&1
pin_line=$(grep '^owner_key_sha256 = \["[0-9a-f]\{64\}"\]$' "$work/broker-pin.out")
check "owner-key --generate: the broker's key and its pin line" test -n "$pin_line"
port=$(free_port)

# ---- ONE image for the fleet ---------------------------------------------------------
{
	sed -e '/^\[initdata\]/,$d' -e 's/^mode = "listen"$/mode = "connect"/' -e '/^device = "\/dev\/vda"$/d' config/boot.toml
	printf '[initdata]\nmode = "required"\n'
	printf 'allow = ["channel.owner_address", "channel.owner_key_sha256", "root.device", "root.pin_*"]\n'
} >"$work/boot.toml"
"$snpboot" boot-config "$work/boot.toml" >"$work/boot-config.out" 2>&1
ok $? "boot-config accepts the fleet image's boot.toml (connect mode, pins and address left to initdata)"
check "... it says what is left to initdata" grep -q "left to initdata: .*channel.owner_address" "$work/boot-config.out"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
scripts/mkinitramfs.sh --init "$BUILD/musl/init" --cryptsetup "$BUILD/deps/musl/bin/cryptsetup" \
	--snpboot "$snpboot" --modules-dir "$BUILD/kernel/modules" --kmods "$BUILD/test/kmods.list" \
	--config "$work/boot.toml" --skel rootfs-skel --out "$work/fleet.cpio.gz" >"$work/mkinitramfs.log" 2>&1
ok $? "the fleet image is built"

# ---- one initdata and one definition per VM ---------------------------------------------
initdata() { # initdata FILE NAME DISKDIR
	{
		printf '[vm]\nname = "%s"\n[channel]\nowner_address = "10.0.2.2:%s"\n%s\n' "$2" "$port" "$pin_line"
		printf '[root]\ndevice = "UUID=%s"\n' "$(cat "$3/luks.uuid")"
		"$snpboot" disk-pin "$3/disk.img" | grep '^pin_'
	} >"$1"
}
# The image's command line (measured, the same for every VM): the simulated
# platform, no failure retries, and a guest that gives up on the broker
# after 30 s instead of 600 (a refused guest dials again every second until
# then), so that the revoked VM powers off soon.
fleet_append="$base_append snpboot.channel.deadline_s=30"
# fleetdef FILE NAME INITDATA DISK: the same firmware, kernel, image and
# command line for every VM; only [vm] (and so HOST_DATA) and the disk differ.
fleetdef() {
	cat >"$1" <<TOML
[vm]
name = "$2"
initdata = "$3"
vcpus = 1
vcpu_type = "EPYC-v4"
memory_mib = 512
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "$kernel"
initrd = "$work/fleet.cpio.gz"
append = "$fleet_append"
[platform]
product = "milan"
trust_anchor = "$sim_state/ark.pem"
simulated = true
[channel]
mode = "listen"
address = "127.0.0.1:$port"
[launch]
disk = "$4"
disk_snapshot = true
[sim]
state_dir = "$sim_state"
TOML
}
initdata "$work/a.initdata.toml" fleet-a "$work/disk-a"
initdata "$work/b.initdata.toml" fleet-b "$work/disk-b"
for v in a b; do
	"$snpboot" initdata "$work/$v.initdata.toml" --boot-config "$work/boot.toml" >"$work/$v.initdata.out" 2>&1
	ok $? "snpboot initdata checks VM $v's document against the image's boot.toml"
	check "... and prints its host_data" grep -qxF "host_data = \"$(sha "$work/$v.initdata.toml")\"" "$work/$v.initdata.out"
done
fleetdef "$work/a.vm.toml" fleet-a "$work/a.initdata.toml" "$work/disk-a/disk.img"
fleetdef "$work/b.vm.toml" fleet-b "$work/b.initdata.toml" "$work/disk-b/disk.img"
"$snpboot" snp-sim --vm-definition "$work/a.vm.toml" --print-anchor >/dev/null 2>"$work/sim-pki.log"
ok $? "snp-sim's TEST root exists (the definitions trust it)"

adm() { "$snpboot" broker --db "sqlite:$work/fleet.db" --master-key "$work/master.key" "$@"; }
for v in a b; do
	adm add "$work/$v.vm.toml" --disk-key-file "$work/disk-$v/disk.key" >"$work/add-$v.out" 2>&1
	ok $? "broker add fleet-$v with its disk key"
done
m_a=$(sed -n "s/.*MEASUREMENT \([0-9a-f]\{96\}\).*/\1/p" "$work/add-a.out")
m_b=$(sed -n "s/.*MEASUREMENT \([0-9a-f]\{96\}\).*/\1/p" "$work/add-b.out")
check "broker add computed one MEASUREMENT for both (one image): ${m_a:0:16}..." \
	test -n "$m_a" -a "$m_a" = "$m_b"

"$snpboot" broker serve --db "sqlite:$work/fleet.db" --master-key "$work/master.key" --owner-key "$work/broker.pem" \
	--listen "127.0.0.1:$port" --workers 3 --handshake-timeout 60 --evidence-timeout 120 \
	--ready-file "$work/ready" >"$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 300); do [ -s "$work/ready" ] && break; sleep 0.1; done
check "broker serve is up on 127.0.0.1:$port (the guests' 10.0.2.2:$port)" grep -qx "listen_port=$port" "$work/ready"
echo "# setup took $((SECONDS - t0)) s"

# launch NAME DEFINITION: `snpboot launch-qemu --sim` in the background
# (QEMU and its own snp-sim); the console is $work/NAME.console.
launch() {
	rm -f "$work/$1.console" "$work/$1.sock"
	timeout --kill-after=10 "$QEMU_TIMEOUT" "$snpboot" launch-qemu --sim --vm-definition "$2" \
		--console "$work/$1.console" --sim-socket "$work/$1.sock" --sim-log "$work/$1.sim.log" \
		</dev/null >"$work/$1.qemu" 2>&1 &
	launch_pids+=($!)
}
wait_all() { # waits for every launch; launch_rc holds their exit statuses
	local p
	launch_rc=()
	for p in "${launch_pids[@]}"; do
		wait "$p"
		launch_rc+=($?)
	done
	launch_pids=()
}
released() { # released VM: the REPORT_IDs the broker's log says it released to VM, in order
	sed -n "s/^<5>snpboot broker: released vm=$1 report_id=\([0-9a-f]\{64\}\) .*/\1/p" "$work/broker.log"
}
sim_measurement() { sed -n 's/^snp-sim: MEASUREMENT \([0-9a-f]\{96\}\)$/\1/p' "$work/$1.sim.log"; }

# ---- 1. both VMs, one broker ----------------------------------------------------------
t1=$SECONDS
launch a1 "$work/a.vm.toml"
launch b1 "$work/b.vm.toml"
wait_all
echo "# 1: both boots took $((SECONDS - t1)) s (launch-qemu exits ${launch_rc[*]})"
for v in a b; do
	c=$work/${v}1.console
	check "$v: the guest checked HOST_DATA = SHA-256(its initdata)" \
		has "$c" "SHA-256 $(sha "$work/$v.initdata.toml") = the launch's HOST_DATA (checked)"
	check "$v: applied for VM fleet-$v" has "$c" "initdata: applied for VM \"fleet-$v\""
	check "$v: dialled the broker at 10.0.2.2:$port" has "$c" "channel: connected to the owner at 10.0.2.2:$port"
	check "$v: unlocked with the key from the broker" has "$c" "unlock: root unlocked with key from"
	check "$v: the second stage of ITS OWN disk is up" \
		bash -c "grep -qF 'second-stage: nonce=$(cat "$work/disk-$v/nonce")' '$c' && grep -qF SNPBOOT-SECOND-STAGE-UP '$c'"
done
rid_a1=$(released fleet-a | sed -n 1p)
rid_b1=$(released fleet-b | sed -n 1p)
check "the broker's log: released to fleet-a (REPORT_ID ${rid_a1:0:16}...)" test -n "$rid_a1"
check "the broker's log: released to fleet-b (REPORT_ID ${rid_b1:0:16}...)" test -n "$rid_b1"
check "... two launches, two REPORT_IDs" test "$rid_a1" != "$rid_b1"
check "... one broker process served both" bash -c "[ \$(grep -c '^<5>snpboot broker: released' '$work/broker.log') = 2 ] && kill -0 $broker_pid"
adm log >"$work/log1.out" 2>&1
check "the audit log: released, fleet-a, its REPORT_ID" grep -qE "released +fleet-a .*$rid_a1" "$work/log1.out"
check "the audit log: released, fleet-b, its REPORT_ID" grep -qE "released +fleet-b .*$rid_b1" "$work/log1.out"
ma=$(sim_measurement a1) mb=$(sim_measurement b1)
check "the two launches' reports: the same MEASUREMENT (${ma:0:16}...), the one broker add computed" \
	test -n "$ma" -a "$ma" = "$mb" -a "$ma" = "$m_a"

# ---- 2. A reboots unattended; B is revoked ----------------------------------------------
adm revoke fleet-b --reason "decommissioned" >"$work/revoke.out" 2>&1
ok $? "broker revoke fleet-b"
t2=$SECONDS
launch a2 "$work/a.vm.toml"
launch b2 "$work/b.vm.toml"
wait_all
echo "# 2: both boots took $((SECONDS - t2)) s (launch-qemu exits ${launch_rc[*]})"
rid_a2=$(released fleet-a | sed -n 2p)
check "a, relaunched: the broker released its key again, unattended (REPORT_ID ${rid_a2:0:16}...)" test -n "$rid_a2"
check "... a new launch, a new REPORT_ID" test "$rid_a2" != "$rid_a1"
check "... the second stage is up again" \
	bash -c "grep -qF 'second-stage: nonce=$(cat "$work/disk-a/nonce")' '$work/a2.console' && grep -qF SNPBOOT-SECOND-STAGE-UP '$work/a2.console'"
c=$work/b2.console
check "b, revoked: the broker refused it" grep -qE "^<4>snpboot broker: revoked vm=fleet-b .*vm revoked: decommissioned" "$work/broker.log"
check "... the guest was told" has "$c" "this VM is revoked"
check "... and did not unlock" bash -c "! grep -qF 'unlock: root unlocked' '$c' && ! grep -qF SNPBOOT-SECOND-STAGE '$c'"
check "... it gave up at its deadline" has "$c" "no usable owner session within 30 s"
check "... its failure action: power off" has "$c" "giving up: powering off"
check "... no second release for fleet-b" test "$(released fleet-b | wc -l)" = 1

# ---- 3. A's initdata with B's disk, relabelled with A's UUID -----------------------------------
cp "$work/disk-b/disk.img" "$work/swapped.img"
cryptsetup luksUUID --batch-mode --uuid "$uuid_a" "$work/swapped.img" >"$work/swapped.log" 2>&1
ok $? "the host relabels B's disk with A's LUKS UUID $uuid_a"
sed "s|^disk = .*|disk = \"$work/swapped.img\"|" "$work/a.vm.toml" >"$work/a-swapped.vm.toml"
t3=$SECONDS
launch swap "$work/a-swapped.vm.toml"
wait_all
echo "# 3: the boot took $((SECONDS - t3)) s (launch-qemu exit ${launch_rc[*]})"
c=$work/swap.console
check "swap: A's initdata was applied (HOST_DATA checked)" has "$c" 'initdata: applied for VM "fleet-a"'
check "swap: refused by A's disk pin before any key is asked for" \
	has "$c" "rootdev failed: the disk does not match the pin, not asking for a key"
check "swap: the broker was never contacted" lacks "$c" "channel: connected"
check "swap: B's disk was NOT unlocked" \
	bash -c "! grep -qF 'unlock: root unlocked' '$c' && ! grep -qF '$(cat "$work/disk-b/nonce")' '$c'"
check "swap: powered off" has "$c" "giving up: powering off"
check "swap: no release beyond A's two" test "$(released fleet-a | wc -l)" = 2

# ---- 4. the audit log ----------------------------------------------------------------------
adm log >"$work/log.out" 2>&1
ok $? "broker log"
sed 's/^/#   /' "$work/log.out"
is "$(grep -cE '^[^ ]+ +released +fleet-a ' "$work/log.out")" 2 "the audit log: two releases for fleet-a"
check "... with the two REPORT_IDs of its two launches" \
	bash -c "grep -qE 'released +fleet-a .*$rid_a1' '$work/log.out' && grep -qE 'released +fleet-a .*$rid_a2' '$work/log.out'"
is "$(grep -cE '^[^ ]+ +released +fleet-b ' "$work/log.out")" 1 "... one for fleet-b"
check "... and B's refusal with the reason" grep -qE "refused +fleet-b .*vm revoked: decommissioned" "$work/log.out"
dups=$(grep -E ' released ' "$work/log.out" | grep -oE '[0-9a-f]{64}' | sort | uniq -d)
is "$dups" "" "... every REPORT_ID released exactly once"
for f in "$work"/*.console "$work/broker.log" "$work/log.out"; do
	for v in a b; do
		check "disk $v's key is not in $(basename "$f")" lacks "$f" "$(od -An -tx1 "$work/disk-$v/disk.key" | tr -d ' \n')"
	done
done
echo "# whole test: $((SECONDS - t0)) s"
done_testing
