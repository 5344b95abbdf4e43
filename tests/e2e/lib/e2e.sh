# Shared helpers for the end-to-end tests (bash, TAP output for prove).
# Each test boots the real kernel with a real initramfs in QEMU (TCG) and
# checks what the guest printed on its serial console.
set -uo pipefail
BUILD=${BUILD:-build}
E2E_LOGS=${E2E_LOGS:-$BUILD/test/logs}
KERNEL=$BUILD/kernel/vmlinuz
TEST_INITRAMFS=$BUILD/test/initramfs-test.cpio.gz
TEST_DISK_DIR=$BUILD/test/disk
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

t_count=0
t_failed=0
t_name=$(basename "$0" .t)
mkdir -p "$E2E_LOGS/$t_name"

ok() { # ok STATUS DESCRIPTION
	local status=$1
	shift
	t_count=$((t_count + 1))
	if [ "$status" = 0 ]; then
		echo "ok $t_count - $*"
	else
		echo "not ok $t_count - $*"
		t_failed=$((t_failed + 1))
	fi
}
check() { # check DESCRIPTION COMMAND... : ok if the command succeeds
	local desc=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$desc"
}
diag() { sed 's/^/# /'; }

# has LOG PATTERN (fixed string)
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }

done_testing() {
	echo "1..$t_count"
	if [ "$t_failed" -gt 0 ]; then
		echo "# $t_failed failed; console logs kept in $E2E_LOGS/$t_name/"
		exit 1
	fi
	exit 0
}

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
		-kernel "$KERNEL" -initrd "${INITRAMFS:-$TEST_INITRAMFS}" \
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

# start_key_server KEYFILE...: serves the keys in order; sets $key_port, $answers, $key_pid.
start_key_server() {
	local portfile=$E2E_LOGS/$t_name/key.port
	answers=$E2E_LOGS/$t_name/key.answers
	rm -f "$portfile" "$answers"
	python3 "$(dirname "$0")/lib/testkey_server.py" --port-file "$portfile" --answers "$answers" \
		--timeout "$QEMU_TIMEOUT" "$@" &
	key_pid=$!
	for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.1; done
	key_port=$(cat "$portfile")
}
stop_key_server() { kill "$key_pid" 2>/dev/null; wait "$key_pid" 2>/dev/null; }

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
		-kernel "$KERNEL" -initrd "${INITRAMFS:-$TEST_INITRAMFS}" -append "$append" \
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
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
