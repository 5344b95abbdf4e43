# Shared helpers for the end-to-end tests (bash, TAP output for prove).
# Each test boots the real kernel with a real initramfs in QEMU (TCG) and
# checks what the guest printed on its serial console.
set -uo pipefail
BUILD=${BUILD:-build}
E2E_LOGS=${E2E_LOGS:-$BUILD/test/logs}
KERNEL=$BUILD/kernel/vmlinuz
# Every boot uses the production /init: the key comes only over the attested
# channel, from snp-sim and `snpboot client` (see attested_run below). The
# image's boot.toml pins the test owner key and the test disk (tests/tests.mk).
INITRAMFS=${INITRAMFS:-$(realpath "$BUILD/test/initramfs.cpio.gz")}
OWNER_KEY=${OWNER_KEY:-$(realpath "$BUILD/test/owner.pem")}
# The client keeps its caches and its record of released keys (one release
# per launch) under XDG_CACHE_HOME: the tests' stay in the build tree.
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-$(realpath -m "$BUILD/test/cache")}
TEST_DISK_DIR=$(realpath -m "$BUILD/test/disk") # absolute: definitions in other directories name it
QEMU_TIMEOUT=${QEMU_TIMEOUT:-300}

# Per-test timeout: a hung test fails with a message instead of hanging the
# whole run (E2E_TEST_TIMEOUT seconds, default 900). The watchdog ends the
# test's process group, QEMU included, and says so in TAP.
E2E_TEST_TIMEOUT=${E2E_TEST_TIMEOUT:-900}
(
	sleep "$E2E_TEST_TIMEOUT" </dev/null >/dev/null 2>&1 # must not hold the TAP pipe open
	echo "not ok 999 - $(basename "$0") timed out after $E2E_TEST_TIMEOUT s (logs in $E2E_LOGS)"
	me=$BASHPID # outside $(...), whose subshell has its own
	kids=$(pgrep -P $$ | grep -vx "$me")
	kill -KILL $$ 2>/dev/null # first, so the test cannot carry on; TERM would wait
	[ -n "$kids" ] && kill -TERM $kids 2>/dev/null
) &
e2e_watchdog=$!
# Kill the watchdog before its sleep, or bash reports "Terminated" on stderr.
e2e_stop_watchdog() {
	local sleeper
	sleeper=$(pgrep -P "$e2e_watchdog")
	kill -KILL "$e2e_watchdog" 2>/dev/null
	[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
	return 0
}
trap e2e_stop_watchdog EXIT

t_name=$(basename "$0" .t)
mkdir -p "$E2E_LOGS/$t_name"

. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
TAP_FAIL_HINT="console logs kept in $E2E_LOGS/$t_name/"

# has LOG PATTERN (fixed string)
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }


# boot_guest NAME APPEND [QEMU ARGS...]: boots the test image; the console goes
# to $E2E_LOGS/$t_name/NAME.console and its path is in $console. Sets $qemu_rc.
boot_guest() {
	local name=$1 append=$2
	shift 2
	console=$E2E_LOGS/$t_name/$name.console
	rm -f "$console"
	timeout --kill-after=10 "$QEMU_TIMEOUT" qemu-system-x86_64 \
		-machine q35 -accel tcg -cpu max -smp 1 -m 512 \
		-display none -monitor none -no-reboot -serial "file:$console" \
		-kernel "$KERNEL" -initrd "$INITRAMFS" \
		-append "console=ttyS0 panic=-1 loglevel=4 $append" \
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
		"$@" </dev/null >"$E2E_LOGS/$t_name/$name.qemu" 2>&1
	qemu_rc=$?
	if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
		echo "# $name: QEMU timed out after $QEMU_TIMEOUT s; last console lines:"
		tail -n 15 "$console" | diag
	fi
}

disk_args() { # the test disk, copy-on-write so tests never change it
	echo "-drive file=$TEST_DISK_DIR/disk.img,if=virtio,format=raw,snapshot=on"
}


# start_guest NAME "FULL APPEND" [QEMU ARGS...]: boots in the background (for
# tests that talk to the guest while it runs); sets $guest_pid and $console.
start_guest() {
	local name=$1 append=$2
	shift 2
	console=$E2E_LOGS/$t_name/$name.console
	rm -f "$console"
	timeout --kill-after=10 "$QEMU_TIMEOUT" qemu-system-x86_64 \
		-machine q35 -accel tcg -cpu max -smp 1 -m 512 \
		-display none -monitor none -no-reboot -serial "file:$console" \
		-kernel "$KERNEL" -initrd "$INITRAMFS" -append "$append" \
		"$@" </dev/null >"$E2E_LOGS/$t_name/$name.qemu" 2>&1 &
	guest_pid=$!
}
# wait_guest: waits for the background guest; sets $qemu_rc.
wait_guest() { wait "$guest_pid"; qemu_rc=$?; }
stop_guest() { kill "$guest_pid" 2>/dev/null; wait "$guest_pid" 2>/dev/null; }
# wait_console PATTERN SECONDS: until the console shows PATTERN (fixed string).
wait_console() {
	local i
	for i in $(seq $(($2 * 10))); do
		grep -qF -- "$1" "$console" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# disk_pin_words [--partition N] IMAGE: the disk pin of IMAGE as kernel
# command-line overrides, for boots of a disk other than the test disk that
# the test image's boot.toml pins (the command line is measured too).
disk_pin_words() { "$snpboot" disk-pin --format cmdline "$@" | tr '\n' ' '; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- the attested path: snp-sim, a VM definition, the owner's client ------------
# One simulator PKI for all tests of a run (its RSA-4096 keys take seconds).
sim_state=$(mkdir -p "$BUILD/test" && realpath "$BUILD/test")/sim-state
work=$(realpath "$E2E_LOGS/$t_name")
snpboot=$(realpath "${SNPBOOT:-$BUILD/host/snpboot}") # tests/e2e/asan_host.t sets the ASan build
kernel=$(realpath "$KERNEL")
# The firmware the definitions measure: the AmdSev OVMF of `make ovmf-amdsev`
# (tests/tests.mk's e2e-assets builds it). QEMU still boots through SeaBIOS
# under TCG; only snp-sim and the client read this image.
ovmf=$(realpath -m "$BUILD/ovmf/OVMF.amdsev.fd")
[ -s "$ovmf" ] || { echo "Bail out! no firmware $BUILD/ovmf/OVMF.amdsev.fd (make ovmf-amdsev)"; exit 1; }
nonce=$(cat "$TEST_DISK_DIR/nonce")
keyhex=$(od -An -tx1 "$TEST_DISK_DIR/disk.key" | tr -d ' \n')
# The command line of attested boots; the definition must carry it exactly.
base_append="console=ttyS0 panic=-1 loglevel=4 snpboot.attestation.provider=sim snpboot.failure.retries=0"

# vmdef FILE APPEND ADDRESS MODE [extra TOML lines]: a VM definition.
vmdef() {
	local file=$1 append=$2 address=$3 mode=$4 owner_line=
	shift 4
	[ -n "${OWNER_KEY:-}" ] && owner_line="owner_key = \"$OWNER_KEY\""
	cat >"$file" <<TOML
[vm]
name = "e2e-$t_name"
vcpus = 1
vcpu_type = "EPYC-v4"
memory_mib = 512
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "$kernel"
initrd = "${INITRD:-$INITRAMFS}"
append = "$append"
[platform]
product = "milan"
trust_anchor = "${ANCHOR:-$sim_state/ark.pem}"
simulated = true
[channel]
mode = "$mode"
address = "$address"
timeout_s = 120
$owner_line
[sim]
state_dir = "$sim_state"
TOML
	printf '%s\n' "$@" >>"$file"
}
start_sim() { # start_sim DEFINITION NAME
	sock=$work/$2.sock
	rm -f "$sock"
	"$snpboot" snp-sim --vm-definition "$1" --socket "$sock" >"$work/$2.sim.log" 2>&1 &
	sim_pid=$!
	for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.1; done
}
stop_sim() { kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; }
sim_args() { echo "-chardev socket,id=snpsim,path=$sock,reconnect=1 -device virtio-serial-pci -device virtserialport,chardev=snpsim,name=org.snpboot.sim"; }
client() { # client NAME ARGS...: sets $client_rc, output in $work/NAME.client
	local name=$1
	shift
	"$snpboot" client "$@" >"$work/$name.client" 2>&1 <&-
	client_rc=$?
}

# attested_run NAME "APPEND WORDS" [QEMU ARGS...]: boots the production image
# with the simulator, runs the client with the right key (DISK_KEY overrides)
# and waits for the guest. Sets $console, $client_rc, $qemu_rc.
attested_run() {
	local name=$1 words=$2 port
	shift 2
	port=$(free_port)
	local append="$base_append $words"
	vmdef "$work/$name.toml" "$append" "127.0.0.1:$port" connect
	start_sim "$work/$name.toml" "$name"
	start_guest "$name" "$append" -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443" \
		-device virtio-net-pci,netdev=n0 $(sim_args) "$@"
	client "$name" --vm-definition "$work/$name.toml" --disk-key-file "${DISK_KEY:-$TEST_DISK_DIR/disk.key}"
	wait_guest
	stop_sim
}
