#!/usr/bin/env bash
# `snpboot launch-qemu --sim`: QEMU (TCG) and snp-sim started from the VM
# definition alone, a real attested boot to the second stage with `snpboot
# client`, and the two processes living and dying together: QEMU's exit
# status is launch-qemu's, snp-sim stops with QEMU and QEMU with snp-sim or
# a signal.
. "$(dirname "$0")/lib/e2e.sh"
lq() { "$snpboot" launch-qemu "$@"; }
# gone PATTERN: no process whose command line has PATTERN (our definitions' unique paths).
gone() { ! pgrep -f -- "$1" >/dev/null; }

# ---- a real boot ------------------------------------------------------------------
port=$(free_port)
def=$work/boot.toml
vmdef "$def" "$base_append" "127.0.0.1:$port" connect \
	'[launch]' "disk = \"$TEST_DISK_DIR/disk.img\"" 'disk_snapshot = true' "console = \"$work/boot.console\""
"$snpboot" config-generator --check "$def" >"$work/boot.check" 2>&1
ok $? "config-generator --check accepts the definition"
console=$work/boot.console
rm -f "$console"
timeout --kill-after=10 "$QEMU_TIMEOUT" "$snpboot" launch-qemu --vm-definition "$def" --sim \
	--sim-log "$work/boot.sim.log" </dev/null >"$work/boot.launch" 2>&1 &
lpid=$!
client boot --vm-definition "$def" --disk-key-file "$TEST_DISK_DIR/disk.key"
ok "$client_rc" "the client verified the report and released the key (exit $client_rc)"
wait "$lpid"
lrc=$?
ok "$lrc" "launch-qemu exits 0: QEMU's status after the guest powered off"
[ "$client_rc" = 0 ] && [ "$lrc" = 0 ] || { tail -n 20 "$console" "$work/boot.launch" "$work/boot.client" 2>&1 | diag; }
check "the second stage ran from the unlocked disk" has "$console" "second-stage: nonce=$nonce"
check "the guest's report came from snp-sim over the virtio-serial port" grep -q 'snp-sim: report for VMPL 0' "$work/boot.sim.log"
check "snp-sim was stopped with QEMU" grep -q 'snp-sim: stopped after 1 report' "$work/boot.sim.log"
check "no QEMU or snp-sim left behind" eval 'gone "file:$console" && gone "snp-sim --vm-definition $def"'

# ---- exit status and lifetimes, with a stand-in QEMU -----------------------------
# The stand-in records its arguments and whether snp-sim already listened.
fake=$work/fake-qemu
cat >"$fake" <<'SH'
#!/bin/sh
out=$(dirname "$0")
[ "$1" = --version ] && { echo "QEMU emulator version 9.2.0"; exit 0; }
printf '%s\n' "$@" >"$out/fake.args"
sock=$(printf '%s\n' "$@" | sed -n 's/^socket,id=snpsim,path=\([^,]*\),.*/\1/p')
[ -S "$sock" ] && echo listening >"$out/fake.sock-state"
case " $* " in *" -name sleep "*) echo $$ >"$out/fake.pid"; exec sleep 300 ;; esac
exit 7
SH
chmod +x "$fake"
fdef=$work/fake.toml
vmdef "$fdef" "$base_append" "127.0.0.1:$(free_port)" connect '[launch]' "qemu = \"$fake\""
rm -f "$work/fake.args" "$work/fake.sock-state"
timeout 300 "$snpboot" launch-qemu --vm-definition "$fdef" --sim --sim-socket "$work/fake.sock" \
	--sim-log "$work/fake.sim.log" </dev/null >"$work/fake.launch" 2>&1
ok "$([ $? = 7 ]; echo $?)" "launch-qemu's exit status is QEMU's (7)"
check "QEMU started only once snp-sim listened" grep -qx listening "$work/fake.sock-state"
check "QEMU 9.2 or later (from --version): reconnect-ms" grep -qx "socket,id=snpsim,path=$work/fake.sock,reconnect-ms=1000" "$work/fake.args"
lq --vm-definition "$fdef" --sim --print --sim-socket "$work/fake.sock" | sed -n '/^[^#]/,$p' | tail -n +2 |
	sed 's/^    //; s/ \\$//' >"$work/fake.printed"
# The printed words, one per option line; the run's argv, one per line: same options in the same order.
check "--print shows the command that runs" bash -c "diff <(grep -o '^-[a-z-]*' '$work/fake.printed') <(grep '^-' '$work/fake.args')"
check "snp-sim stopped after QEMU ended" grep -q 'snp-sim: stopped after 0 reports' "$work/fake.sim.log"
check "the socket is gone" test ! -e "$work/fake.sock"

# The socket path: a stale socket (nobody listening) is replaced, a live one refused.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$work/fake.sock"
rm -f "$work/fake.sock-state"
timeout 300 "$snpboot" launch-qemu --vm-definition "$fdef" --sim --sim-socket "$work/fake.sock" \
	--sim-log "$work/stale.sim.log" </dev/null >"$work/stale.launch" 2>&1
ok "$([ $? = 7 ]; echo $?)" "a stale socket at --sim-socket is replaced"
check "... and QEMU still waited for snp-sim" grep -qx listening "$work/fake.sock-state"
python3 -c 'import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(60)' \
	"$work/live.sock" &
listener=$!
for _ in $(seq 100); do [ -S "$work/live.sock" ] && break; sleep 0.1; done
rm -f "$work/fake.args"
timeout 300 "$snpboot" launch-qemu --vm-definition "$fdef" --sim --sim-socket "$work/live.sock" \
	</dev/null >"$work/live.launch" 2>&1
ok "$([ $? = 1 ]; echo $?)" "a socket someone listens on is refused (exit 1)"
check "... saying so, before starting anything" bash -c "grep -q 'is in use' '$work/live.launch' && test ! -e '$work/fake.args'"
check "... and leaves that socket alone" test -S "$work/live.sock"
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
rm -f "$work/live.sock"

# snp-sim ending first stops QEMU: exit 1.
sdef=$work/sleep.toml
vmdef "$sdef" "$base_append" "127.0.0.1:$(free_port)" connect '[launch]' "qemu = \"$fake\"" \
	'extra_args = ["-name", "sleep"]'
# sleeping FILE: waits until the stand-in QEMU sleeps (its pid in FILE).
sleeping() { for _ in $(seq 600); do [ -s "$work/fake.pid" ] && break; sleep 0.1; done; }
fake_stopped() { [ -s "$work/fake.pid" ] && ! kill -0 "$(cat "$work/fake.pid")" 2>/dev/null; }
rm -f "$work/fake.pid"
timeout 300 "$snpboot" launch-qemu --vm-definition "$sdef" --sim --sim-socket "$work/sleep.sock" \
	--sim-log "$work/sleep.sim.log" </dev/null >"$work/sleep.launch" 2>&1 &
lpid=$!
sleeping
sim=$(pgrep -f -- "snp-sim --vm-definition $sdef")
ok "$([ -n "$sim" ]; echo $?)" "snp-sim runs beside the (sleeping) QEMU"
[ -n "$sim" ] && kill "$sim"
wait "$lpid"
ok "$([ $? = 1 ]; echo $?)" "snp-sim ending first: launch-qemu exits 1"
check "... and says why" grep -q 'snp-sim ended' "$work/sleep.launch"
check "... and QEMU was stopped" fake_stopped

# A signal to launch-qemu stops both.
rm -f "$work/fake.pid"
timeout 300 "$snpboot" launch-qemu --vm-definition "$sdef" --sim --sim-socket "$work/sleep.sock" \
	--sim-log "$work/sleep2.sim.log" </dev/null >"$work/sleep2.launch" 2>&1 &
lpid=$!
sleeping
kill -TERM "$lpid"
wait "$lpid"
lrc=$?
ok "$([ $lrc = 143 ]; echo $?)" "SIGTERM: passed to QEMU, whose status is ours (143, got $lrc)"
check "... snp-sim stopped too" gone "snp-sim --vm-definition $sdef"
check "... QEMU stopped" fake_stopped
done_testing
