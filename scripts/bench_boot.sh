#!/usr/bin/env bash
# Boot benchmarks of `make bench`, called by scripts/bench.sh: QEMU boots of
# snpboot's TEST initramfs against a BASELINE initramfs that does the same
# steps with busybox-static shell commands (bench/baseline/init), both in the
# e2e QEMU setup (q35, TCG, -cpu max, 1 vCPU, -no-reboot, virtio-net on user
# networking, the LUKS2 test disk copy-on-write), one boot at a time.
# Prints rows "name|value|unit|baseline|ratio" on stdout, progress on stderr;
# every console stays in $BUILD/bench/boots/.
#
# Ours is the production image, attested through snp-sim with `snpboot client`
# as the owner (its TLS key, report and verification are in the figures; the
# owner's own time is not). The baseline image
# (build/bench/initramfs-baseline.cpio.gz) is ours with /init replaced: same kernel modules (.ko.xz, same
# etc/snpboot/modules.order), same static musl cryptsetup, plus
# /bin/busybox (the host's busybox-static) with applet links, the shell
# /init, a udhcpc event script and the test disk's key in /etc/bench/disk.key
# (no attestation: it reads the key from the image). Packed like
# scripts/mkinitramfs.sh does (sorted names, 0:0, mtime SOURCE_DATE_EPOCH,
# gzip -9n), so the same inputs give the same bytes.
#
# Figures (all times on the guest's CLOCK_BOOTTIME, i.e. ms since kernel start,
# as the guest reports them; the median of BOOTS boots each):
#   boot: kernel start -> switch_root, minus owner wait.
#     ours: timeline "total ... at=" (taken right before switch_root moves the
#       mounts and execs /sbin/init) minus the sum of the timeline's wait= (the
#       time spent waiting for the owner);
#     baseline: /proc/uptime read right before switch_root (no wait: the key
#       is a file).
#   first-stage work: /init start -> switch_root, minus owner wait.
#     ours: "at=" minus the mounts phase's start= (the first thing main()
#       does) minus the waits; it also counts the time between phases (logging),
#       so it is a bit more than the timeline's "work=" (kept in the boot log);
#     baseline: the two /proc/uptime readings (start: right after mounting
#       /proc, the first command, so the baseline's clock starts a mount later;
#       10 ms resolution).
#   smallest guest RAM: the least -m (MiB) with which the guest reaches the
#     second stage (it prints the secret nonce read through dm-crypt), found by
#     bisection over [48, 512] MiB to STEP MiB (1 MiB: at 16 MiB both images
#     land on the same 80 MiB and the figure says nothing); 512 is known good
#     from the timed boots, 48 is tried first (if it boots, the figure is 48).
#     A boot fails when QEMU exits, the kernel panics or a time limit passes
#     without the marker; the log says which part failed. On this kernel the
#     floor is the kernel's: below about 73 MiB it cannot unpack the initrd
#     (the larger image needs one MiB more); the first stages never ran out.
#   init peak RSS: VmHWM of PID 1 as printed before switch_root (ours: the
#     timeline's peak_rss, baseline: the shell's own VmHWM), last timed boot.
# BENCH_QUICK=1: 1 timed boot each instead of 3 and a 16 MiB bisection step
# instead of 1 (for a quick look: noisier times, and the RAM figure is only
# good to 16 MiB). BENCH_BOOTS=N and BENCH_RAM_STEP=MiB set either alone.
set -euo pipefail
BUILD=${BUILD:-build}
QUICK=${BENCH_QUICK:-0}
BOOTS=${BENCH_BOOTS:-$([ "$QUICK" = 1 ] && echo 1 || echo 3)}
STEP=${BENCH_RAM_STEP:-$([ "$QUICK" = 1 ] && echo 16 || echo 1)}
RAM_LO=48 RAM_HI=512
# As the Makefile sets it (it exports it to `make bench`).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
out=$BUILD/bench
boots=$out/boots
kernel=$BUILD/kernel/vmlinuz
ours_img=$BUILD/test/initramfs.cpio.gz
diskdir=$BUILD/test/disk
base_img=$out/initramfs-baseline.cpio.gz
for f in "$kernel" "$ours_img" "$BUILD/ovmf/OVMF.amdsev.fd" "$diskdir/disk.img" "$diskdir/disk.key" "$diskdir/nonce" /bin/busybox; do
	[ -e "$f" ] || { echo "bench_boot: missing $f (make bench builds them)" >&2; exit 1; }
done
rm -rf "$boots" && mkdir -p "$boots"
snpboot=$(realpath "$BUILD/host/snpboot")
# The firmware snp-sim and the client measure, as in the demo and the tests.
ovmf=$(realpath "$BUILD/ovmf/OVMF.amdsev.fd")
sim_state=$(realpath "$out")/sim-state
nonce=$(cat "$diskdir/nonce")
log() { echo "bench: $*" >&2; }

# ---- the baseline image -------------------------------------------------------
build_baseline() {
	SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH scripts/mk-shell-initramfs.sh "$ours_img" "$diskdir/disk.key" "$base_img"
	log "baseline image $base_img: $(stat -c %s "$base_img") bytes (ours $(stat -c %s "$ours_img"))"
}

# ---- one boot -----------------------------------------------------------------
# boot KIND MEM NAME TIMEOUT: boots ours|base with -m MEM; sets $console,
# $boot_ok (1 when the second stage printed the nonce) and $boot_wall (host s).
# QEMU is stopped as soon as the outcome is known.
boot() {
	local kind=$1 mem=$2 name=$3 limit=$4 img append="console=ttyS0 panic=-1 loglevel=4" ks='' port
	console=$boots/$name.console
	rm -f "$console" "$boots/$name.port"
	local qemu_net="user,id=n0" sim_dev=()
	if [ "$kind" = ours ]; then
		# The real path: snp-sim plays the platform, `snpboot client` the owner.
		# The owner's time is the timeline's wait, left out of the figures.
		img=$ours_img
		append="$append snpboot.attestation.provider=sim"
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		cat >"$boots/$name.toml" <<TOML
[vm]
name = "bench"
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "$(realpath "$kernel")"
initrd = "$(realpath "$img")"
append = "$append"
[platform]
product = "milan"
trust_anchor = "$sim_state/ark.pem"
simulated = true
[channel]
address = "127.0.0.1:$port"
timeout_s = $limit
owner_key = "$(realpath "$BUILD/test/owner.pem")"
[sim]
state_dir = "$sim_state"
TOML
		"$snpboot" snp-sim --vm-definition "$boots/$name.toml" --socket "$boots/$name.sock" \
			>"$boots/$name.sim" 2>&1 &
		ks=$!
		for _ in $(seq 600); do [ -S "$boots/$name.sock" ] && break; sleep 0.1; done
		"$snpboot" client --vm-definition "$boots/$name.toml" --disk-key-file "$diskdir/disk.key" \
			>"$boots/$name.client" 2>&1 </dev/null &
		ks="$ks $!"
		qemu_net="user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7443"
		sim_dev=(-chardev "socket,id=snpsim,path=$boots/$name.sock,reconnect=1" -device virtio-serial-pci
			-device virtserialport,chardev=snpsim,name=org.snpboot.sim)
	else
		img=$base_img
	fi
	local t0 qemu
	t0=$(date +%s%N)
	timeout --kill-after=5 "$limit" qemu-system-x86_64 \
		-machine q35 -accel tcg -cpu max -smp 1 -m "$mem" \
		-display none -monitor none -no-reboot -serial "file:$console" \
		-kernel "$kernel" -initrd "$img" -append "$append" \
		-netdev "$qemu_net" -device virtio-net-pci,netdev=n0 "${sim_dev[@]}" \
		-drive "file=$diskdir/disk.img,if=virtio,format=raw,snapshot=on" \
		</dev/null >"$boots/$name.qemu" 2>&1 &
	qemu=$!
	boot_ok=0
	while kill -0 "$qemu" 2>/dev/null; do
		if grep -qF "second-stage: nonce=$nonce" "$console" 2>/dev/null; then
			boot_ok=1
			break
		fi
		grep -qF "Kernel panic" "$console" 2>/dev/null && break
		sleep 0.1
	done
	grep -qF "second-stage: nonce=$nonce" "$console" 2>/dev/null && boot_ok=1
	kill "$qemu" 2>/dev/null || true
	wait "$qemu" 2>/dev/null || true
	if [ -n "$ks" ]; then
		kill $ks 2>/dev/null || true
		wait $ks 2>/dev/null || true
	fi
	boot_wall=$((($(date +%s%N) - t0) / 1000000))
	boot_why=boots
	[ "$boot_ok" = 1 ] && return
	if [ ! -s "$console" ]; then
		boot_why="fails: no console output (the kernel died before its console)"
	elif grep -qF "Initramfs unpacking failed" "$console"; then
		boot_why="fails: the kernel could not unpack the initrd"
	elif grep -qE "Out of memory|oom-kill" "$console"; then
		boot_why="fails: out of memory ($(grep -oE 'Killed process [0-9]+ \([^)]*\)' "$console" | head -1))"
	elif grep -qF "Kernel panic" "$console"; then
		boot_why="fails: $(grep -oE 'Kernel panic.*' "$console" | head -1)"
	else
		boot_why="fails: $(grep -E 'snpboot: error|bench-baseline: FAILED' "$console" | tail -1)"
	fi
}

# ---- figures from a console -----------------------------------------------------
# ours_times CONSOLE -> "boot_ms init_ms peak_kib work_ms"
ours_times() {
	awk '
	/timeline: mounts +start=/ { if (!s) { match($0, /start=[0-9]+/); s = substr($0, RSTART + 6, RLENGTH - 6) } }
	/timeline: / && /wait=/ { match($0, /wait=[0-9]+/); w += substr($0, RSTART + 5, RLENGTH - 5) }
	/timeline: total/ {
		match($0, /at=[0-9]+/); at = substr($0, RSTART + 3, RLENGTH - 3)
		match($0, /work=[0-9]+/); work = substr($0, RSTART + 5, RLENGTH - 5)
		match($0, /peak_rss=-?[0-9]+/); peak = substr($0, RSTART + 9, RLENGTH - 9)
	}
	END { if (at == "" || s == "") exit 1; printf "%d %d %d %d\n", at - w, at - s - w, peak, work }' "$1"
}
# base_times CONSOLE -> "boot_ms init_ms peak_kib"
base_times() {
	awk '
	/bench-baseline: start uptime=/ { match($0, /uptime=[0-9.]+/); s = substr($0, RSTART + 7, RLENGTH - 7) }
	/bench-baseline: switch_root uptime=/ {
		match($0, /uptime=[0-9.]+/); e = substr($0, RSTART + 7, RLENGTH - 7)
		match($0, /peak_rss=[0-9]+/); peak = substr($0, RSTART + 9, RLENGTH - 9)
	}
	END { if (s == "" || e == "") exit 1; printf "%d %d %d\n", e * 1000 + 0.5, (e - s) * 1000 + 0.5, peak }' "$1"
}
# phases_ours / phases_base CONSOLE -> "mounts=N modules=N ..." (ms, for the log)
phases_ours() {
	awk '/timeline: [a-z_]+ +start=/ && !/total/ {
		match($0, /took=[0-9]+/); t = substr($0, RSTART + 5, RLENGTH - 5)
		match($0, /wait=[0-9]+/); w = substr($0, RSTART + 5, RLENGTH - 5)
		split($0, f, /timeline: */); split(f[2], g, / +/)
		if (g[1] != "switch_root" && g[1] != "config") printf "%s=%d%s ", g[1], t - w, (w + 0 ? "(+" w " wait)" : "")
		else if (g[1] == "config") printf "config=%d ", t
	}' "$1"
}
phases_base() {
	awk '/bench-baseline: [a-z_]+ uptime=/ {
		split($0, f, /bench-baseline: /); split(f[2], g, / /)
		match($0, /uptime=[0-9.]+/); u = substr($0, RSTART + 7, RLENGTH - 7) * 1000
		if (g[1] != "start" && g[1] != "switch_root") printf "%s=%d ", g[1], u - prev + 0.5
		prev = u
	}' "$1"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b ? a / b : 0) }'; }

# ---- 1. timed boots at 512 MiB, alternating ours and baseline --------------------
build_baseline
declare -A t_boot t_init
slowest=0
for i in $(seq "$BOOTS"); do
	for kind in ours base; do
		boot "$kind" 512 "$kind-timed-$i" 300
		[ "$boot_ok" = 1 ] || { log "$kind boot $i did not reach the second stage; console: $console"; exit 1; }
		[ "$boot_wall" -gt "$slowest" ] && slowest=$boot_wall
		b=''
		if [ "$kind" = ours ]; then
			read -r b n peak work < <(ours_times "$console")
			ours_peak=$peak
			log "ours boot $i: kernel->switch_root ${b} ms, /init->switch_root ${n} ms (timeline work=$work ms), peak_rss $peak KiB, host ${boot_wall} ms"
			log "  phases (ms): $(phases_ours "$console")"
		else
			read -r b n peak < <(base_times "$console")
			base_peak=$peak
			log "baseline boot $i: kernel->switch_root ${b} ms, /init->switch_root ${n} ms, pid1 peak_rss $peak KiB, host ${boot_wall} ms"
			log "  phases (ms): $(phases_base "$console")"
		fi
		[ -n "${b:-}" ] || { log "$kind boot $i: no timing lines; console: $console"; exit 1; }
		t_boot[$kind]+="$b "
		t_init[$kind]+="$n "
	done
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
ob=$(med "${t_boot[ours]}") bb=$(med "${t_boot[base]}")
oi=$(med "${t_init[ours]}") bi=$(med "${t_init[base]}")
echo "boot to switch_root, excl. owner wait (TCG, med $BOOTS)|$ob|ms|$bb|$(ratio "$ob" "$bb")"
echo "  of which /init start to switch_root (vs busybox sh)|$oi|ms|$bi|$(ratio "$oi" "$bi")"
echo "init peak RSS (vs busybox sh /init)|$ours_peak|KiB|$base_peak|$(ratio "$ours_peak" "$base_peak")"

# ---- 2. smallest guest RAM, by bisection --------------------------------------------
# A failing boot ends by itself (panic, OOM of PID 1, or the failure policy's
# poweroff) or by this limit: twice the slowest timed boot plus 20 s.
limit=$((slowest * 2 / 1000 + 20))
min_ram() { # min_ram KIND -> smallest MiB that boots
	local kind=$1 lo=$RAM_LO hi=$RAM_HI mid
	boot "$kind" "$lo" "$kind-ram-$lo" "$limit"
	log "$kind -m $lo: $boot_why (host ${boot_wall} ms)"
	if [ "$boot_ok" = 1 ]; then
		echo "$lo"
		return
	fi
	while [ $((hi - lo)) -gt "$STEP" ]; do
		mid=$(((lo + hi) / 2 / STEP * STEP))
		[ "$mid" -le "$lo" ] && mid=$((lo + STEP))
		boot "$kind" "$mid" "$kind-ram-$mid" "$limit"
		log "$kind -m $mid: $boot_why (host ${boot_wall} ms)"
		if [ "$boot_ok" = 1 ]; then hi=$mid; else lo=$mid; fi
	done
	echo "$hi"
}
oram=$(min_ram ours)
bram=$(min_ram base)
echo "smallest guest RAM reaching 2nd stage (${STEP} MiB step)|$oram|MiB|$bram|$(ratio "$oram" "$bram")"
