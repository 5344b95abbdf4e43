#!/usr/bin/env bash
# The QEMU command lines `snpboot launch-qemu --print` writes, read by a real
# QEMU >= 9.1: Debian 13's (scripts/qemu-trixie.sh, `make qemu-trixie`, under
# build/qemu-trixie; the system's /usr/bin QEMU stays Debian 12's 7.2). Every
# definition this test writes into $work/defs/ is checked, SNP forms and the
# --sim form (names starting with "sim"); to cover another form add one `def`
# line below. The [svsm] form (names starting with "svsm") is COCONUT-SVSM's
# launch protocol: upstream QEMU, trixie's 10.0 included, has neither the
# sev-snp-guest property svsm=on nor a third pflash unit on q35 (nor IGVM
# in trixie's build). Those two, by name, must be the only things it
# refuses in that form (C below); everything else is read as in A and B.
#
# Without KVM (there is none here) QEMU cannot launch an SNP guest, so each
# SNP line is read twice, under TCG, and nothing else is changed:
#
#  A. The line exactly as printed, with -accel kvm -> tcg (and -S). QEMU
#     creates every -object with each property (unknown names and values
#     its setters refuse, such as an ID block that is not 96 bytes, fail
#     here), the -drive and -netdev backends, applies the -machine options
#     (confidential-guest-support must resolve to an object), then allocates
#     guest RAM; SNP asks for private (guest_memfd) memory there, and that is
#     the first step that needs KVM: "cannot set up private guest memory for
#     sev-snp-guest: KVM required". That message, and nothing else, is the
#     pass: it names the machine's confidential-guest-support object's type,
#     and every rejection before it exits with its own message instead.
#     (Found by misspelling each kind of option: an -object, -machine,
#     -drive or -netdev error shows here; -cpu, -device, -serial, -bios and
#     -kernel are read later, hence B.)
#  B. The same line without confidential-guest-support=... (the only change:
#     then no private memory is needed), with -S and a QMP socket: QEMU builds
#     the whole machine (every -device with its properties, -cpu, -serial,
#     -bios, -kernel/-initrd, the memfd backend) and waits; QMP answers only
#     then (from the main loop), in state "prelaunch". Over QMP
#     (qmp_check.py below) every -object's properties are compared by name
#     with qom-list-properties of its type (not `-object TYPE,help`, which
#     omits the instance properties cbitpos and reduced-phys-bits), and each
#     value is read back with qom-get (policy=0x30000 must read 196608,
#     kernel-hashes=on true, the base64 of id-block, id-auth and host-data
#     the same text). The --sim form must build the same way.
#  C. An [svsm] line: as printed QEMU must refuse exactly 'svsm'; without
#     svsm=on it must pass A; without confidential-guest-support, B must stop
#     exactly at pflash unit 2. Any other refusal fails.
#
# Not covered: what only KVM and the AMD Secure Processor check (cbitpos and
# reduced-phys-bits against the host, the policy against the firmware, the
# ID block's signatures, booting). The negative cases at the end prove the
# checks can fail: a misspelled sev-snp-guest property is refused in A, a
# misspelled -device property in B, and the name and value comparison
# reports a name QEMU does not have and a value it does not hold.
. "$(dirname "$0")/lib/e2e.sh"
QEMU91=$(realpath -m "$BUILD/qemu-trixie/bin/qemu-system-x86_64")
[ -x "$QEMU91" ] || { echo "Bail out! no $QEMU91 (make qemu-trixie)"; exit 1; }
# The one message of a good SNP line under TCG (A above).
KVM_ONLY="qemu-system-x86_64: cannot set up private guest memory for sev-snp-guest: KVM required"
qmp_sock=$work/qmp.sock
SHARED=${SNPBOOT_SHARED:-../shared}

# ---- the QEMU under test ------------------------------------------------------------
version=$("$QEMU91" --version </dev/null 2>&1 | head -n 1)
num=$(sed -n 's/^QEMU emulator version \([0-9]*\.[0-9]*\).*/\1/p' <<<"$version")
ok "$([ -n "$num" ] && [ "$(printf '9.1\n%s\n' "$num" | sort -V | head -n 1)" = 9.1 ]; echo $?)" \
	"QEMU >= 9.1: $version"
echo "# $(head -n 1 "$BUILD/qemu-trixie/qemu-trixie.version" 2>/dev/null), from $QEMU91"
echo "# loading kernel $(cat "$BUILD/kernel/version" 2>/dev/null), OVMF (AmdSev) from edk2 $(cat "$BUILD/ovmf/OVMF.amdsev.version" 2>/dev/null)"
check "the system's QEMU is not replaced (qemu-system-x86_64 in PATH is not $QEMU91)" \
	bash -c "[ \"\$(realpath \"\$(command -v qemu-system-x86_64)\")\" != '$QEMU91' ]"

# qmp_check.py RUN_WORDS CHECK_WORDS SOCK LOG: B above. Runs the NUL-separated
# argv in RUN_WORDS (which carries -S and -qmp unix:SOCK), then checks each
# -object of CHECK_WORDS (normally the same words) against the running QEMU.
# Prints "STATUS<TAB>description" lines (0 ok) and "# " notes.
cat >"$work/qmp_check.py" <<'PY'
import json, os, socket, subprocess, sys, time

run_file, check_file, sock_path, log_path = sys.argv[1:5]
run_words = open(run_file).read().split('\0')
check_words = open(check_file).read().split('\0')

def say(good, desc):
    print('%d\t%s' % (0 if good else 1, desc), flush=True)

def note(text):
    for line in text.splitlines():
        print('# ' + line, flush=True)

def keyval(value):
    """QEMU's TYPE,key=value,... (',,' is a comma) as a list of (key, value)."""
    items, cur, i = [], '', 0
    while i < len(value):
        if value[i] == ',' and value[i + 1:i + 2] == ',':
            cur, i = cur + ',', i + 2
            continue
        if value[i] == ',':
            items.append(cur)
            cur = ''
        else:
            cur += value[i]
        i += 1
    items.append(cur)
    return [tuple(x.split('=', 1)) if '=' in x else (x, None) for x in items]

def same(got, want):
    if isinstance(got, bool):
        return want in (('on', 'true', 'yes') if got else ('off', 'false', 'no'))
    if isinstance(got, int):
        mult = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}
        try:
            return (int(want[:-1], 0) * mult[want[-1]] if want[-1:] in mult else int(want, 0)) == got
        except ValueError:
            return False
    return str(got) == want

def short(v):
    s = v if isinstance(v, str) else json.dumps(v)
    return s if len(s) <= 24 else '%s...%s (%d chars)' % (s[:8], s[-6:], len(s))

log = open(log_path, 'w')
if os.path.exists(sock_path):
    os.unlink(sock_path)
qemu = subprocess.Popen(run_words, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
conn, deadline = None, time.time() + 120
while conn is None and time.time() < deadline and qemu.poll() is None:
    try:
        conn = socket.socket(socket.AF_UNIX)
        conn.connect(sock_path)
    except OSError:
        conn = None
        time.sleep(0.1)
def no_machine():
    """QEMU exited (or hung) before QMP answered: a line it refused."""
    if qemu.poll() is None:
        qemu.kill()
    qemu.wait()
    log.close()
    say(False, 'QEMU built the machine and answered QMP (it exited %s)' % qemu.returncode)
    note('\n'.join(l for l in open(log_path).read().splitlines() if "TCG doesn't support" not in l)[-1500:])
    sys.exit(0)

def qmp(cmd, **args):
    f.write(json.dumps({'execute': cmd, 'arguments': args}) + '\n')
    f.flush()
    while True:
        line = f.readline()
        if not line:
            raise EOFError('QEMU closed QMP')
        msg = json.loads(line)
        if 'return' in msg or 'error' in msg:
            return msg

if conn is None:
    no_machine()
conn.settimeout(120)
f = conn.makefile('rw')
# The QMP socket listens before the devices are made (a refused -device ends
# QEMU after the connection, before the greeting), but QMP answers only from
# the main loop, once the machine and every device are made: -S then holds it
# in "prelaunch".
try:
    json.loads(f.readline())  # the greeting
    qmp('qmp_capabilities')
    v = qmp('query-version')['return']['qemu']
    state = qmp('query-status')['return']['status']
except (OSError, EOFError, ValueError):
    no_machine()
say(state == 'prelaunch', 'QEMU %d.%d.%d built the machine under TCG (-device, -cpu, -serial, -bios, -kernel) '
    'and waits (%s)' % (v['major'], v['minor'], v['micro'], state))
for i in range(len(check_words) - 1):
    if check_words[i] != '-object':
        continue
    kv = keyval(check_words[i + 1])
    typename, oid = kv[0][0], dict(kv).get('id')
    r = qmp('qom-list-properties', typename=typename)
    if 'error' in r:
        say(False, '%s: qom-list-properties: %s' % (typename, r['error']['desc']))
        continue
    known = {p['name']: p['type'] for p in r['return']}
    for key, want in kv[1:]:
        if key == 'id':
            continue
        if key not in known:
            say(False, '-object %s: QEMU has no property %s' % (typename, key))
            note('its properties: ' + ' '.join(sorted(known)))
            continue
        g = qmp('qom-get', path='/objects/' + oid, property=key)
        if 'error' in g:
            say(False, '-object %s: %s (%s): qom-get: %s' % (typename, key, known[key], g['error']['desc']))
            continue
        good = same(g['return'], want)
        say(good, '-object %s: %s (%s) = %s reads back as %s' % (typename, key, known[key], short(want),
                                                                 short(g['return'])))
        if not good:
            note('wrote %r, QEMU holds %r' % (want, g['return']))
qmp('quit')
rc = qemu.wait(timeout=60)
log.close()
say(rc == 0, 'QEMU quit on request (exit %d)' % rc)
PY

# words FILE OUT: the shell-quoted command QEMU_PATH \ ... in FILE as NUL-separated words.
words() {
	python3 -c 'import shlex, sys; sys.stdout.write("\0".join(shlex.split(open(sys.argv[1]).read().replace("\\\n", " "))))' \
		"$1" >"$2"
}
# qmp_check NAME RUN_WORDS [CHECK_WORDS]: B, its lines as TAP; the log in $work/NAME.qemu.
qmp_check() {
	local name=$1 status desc
	while IFS=$'\t' read -r status desc; do
		case $status in
		'#'*) echo "$status${desc:+ $desc}" ;;
		*) ok "$status" "$name: $desc" ;;
		esac
	done < <(timeout 180 python3 "$work/qmp_check.py" "$2" "${3:-$2}" "$qmp_sock" "$work/$name.qemu" 2>&1)
}
# with_words IN OUT SED-EXPR...: OUT is IN with each word rewritten by sed -E.
with_words() {
	local in=$1 out=$2
	shift 2
	local w args=()
	for w in "$@"; do args+=(-e "$w"); done
	sed -z -E "${args[@]}" "$in" >"$out"
}
# with_qmp IN OUT: OUT is IN with -S and a QMP socket added (B).
with_qmp() { { cat "$1"; printf '\0-S\0-qmp\0unix:%s,server=on,wait=off' "$qmp_sock"; } >"$2"; }
# run_a NAME WORDS: A (with -S, 60 s at most); sets $a_out to QEMU's output, returns its status.
run_a() {
	local w
	mapfile -d '' -t w <"$2"
	timeout --kill-after=5 60 "${w[@]}" -S </dev/null >"$work/$1.a.out" 2>&1
	local rc=$?
	a_out=$(cat "$work/$1.a.out")
	return "$rc"
}

# ---- the definitions ------------------------------------------------------------------
# def NAME MODE [TOML lines...]: a definition as the other tests write them (vmdef
# in lib/e2e.sh), launched with $QEMU91; lines after MODE go on in [launch].
mkdir -p "$work/defs"
rm -f "$work/defs"/*.toml
def() {
	local name=$1 mode=$2
	shift 2
	vmdef "$work/defs/$name.toml" "$base_append" "127.0.0.1:$(free_port)" "$mode" \
		'[launch]' "qemu = \"$QEMU91\"" "$@"
}
# The ID block and its auth information from idblock-generator, for the
# definition's own measurement (new test keys each run).
def idsrc connect
rm -rf "$work/idb"
mkdir -p "$work/idb"
"$snpboot" idblock-generator --vm-definition "$work/defs/idsrc.toml" --generate-keys --out-dir "$work/idb" \
	--id-key-path "$work/idb/id.pem" --auth-key-path "$work/idb/author.pem" >"$work/idb.out" 2>&1
ok $? "idblock-generator wrote an ID block and ID auth info"
rm -f "$work/defs/idsrc.toml"
# A disk QEMU may write to (the test disk is only ever opened with snapshot=on); a
# comma in its name, which -drive must get doubled, and one in a console's, which
# -serial file: must get as it is.
scratch="$work/scratch,1.qcow2"
con_comma="$work/snp-idblock,1.console"
rm -f "$scratch" "$con_comma"
qemu-img create -q -f qcow2 "$scratch" 64M
host_data=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

# SNP, the plain form: kernel-hashes, user networking with the port forwarded, console on stdout.
def snp-plain connect
# ID block and auth (author key on), host data, the test disk as a snapshot, console to a file,
# listen mode (user networking, no forward), another policy and vCPU model.
def snp-idblock listen "id_block = \"$work/idb/id-block.base64\"" "id_auth = \"$work/idb/id-auth.base64\"" \
	"disk = \"$TEST_DISK_DIR/disk.img\"" 'disk_snapshot = true' "console = \"$con_comma\"" \
	'[expect]' "host_data = \"$host_data\"" '[policy]' 'smt = "required-off"' 'single_socket = true'
sed -i 's/^vcpu_type = .*/vcpu_type = "EPYC-Milan"/; s/^vcpus = .*/vcpus = 2/' "$work/defs/snp-idblock.toml"
# ID block without the author key, a writable qcow2 disk, no network, other cbitpos and
# reduced-phys-bits, extra arguments, a Genoa vCPU.
def snp-noauthor connect "id_block = \"$work/idb/id-block.base64\"" "id_auth = \"$work/idb/id-auth.base64\"" \
	'author_key_enabled = false' "disk = \"$scratch\"" 'disk_format = "qcow2"' 'network = "none"' \
	'cbitpos = 47' 'reduced_phys_bits = 5' 'extra_args = ["-device", "virtio-rng-pci"]'
sed -i 's/^vcpu_type = .*/vcpu_type = "EPYC-Genoa"/' "$work/defs/snp-noauthor.toml"
# No kernel: OVMF boots from the disk, no kernel-hashes.
def snp-nokernel connect "disk = \"$TEST_DISK_DIR/disk.img\"" 'disk_snapshot = true'
sed -i '/^\(kernel\|initrd\|append\) = /d' "$work/defs/snp-nokernel.toml"
# An SVSM (COCONUT's launch protocol): no kernel, the firmware as three pflash units.
head -c 540672 /dev/zero >"$work/svsm-vars.fd"
def svsm connect "disk = \"$TEST_DISK_DIR/disk.img\"" 'disk_snapshot = true' \
	'[svsm]' "image = \"$(realpath "$SHARED/testvectors/svsm/svsm.bin")\"" "ovmf_vars = \"$work/svsm-vars.fd\""
sed -i '/^\(kernel\|initrd\|append\) = /d' "$work/defs/svsm.toml"
# The simulated platform's form (launch-qemu --sim): QEMU >= 9.2 gets reconnect-ms.
def sim connect "disk = \"$TEST_DISK_DIR/disk.img\"" 'disk_snapshot = true'

# ---- every definition, through QEMU -----------------------------------------------------
# sim_form NAME FILE: the --sim form must build its machine (B).
sim_form() {
	local name=$1 file=$2 rc
	"$snpboot" launch-qemu --vm-definition "$file" --sim --print --sim-socket "$work/$name.sock" \
		>"$work/$name.print" 2>"$work/$name.print.err"
	rc=$?
	ok "$rc" "$name: launch-qemu --sim --print"
	[ "$rc" = 0 ] || { diag <"$work/$name.print.err"; return; }
	sed -n '/^# then QEMU/,$p' "$work/$name.print" | tail -n +2 >"$work/$name.cmd"
	words "$work/$name.cmd" "$work/$name.words"
	check "$name: QEMU >= 9.2 gets reconnect-ms" grep -qz '^socket,id=snpsim,.*,reconnect-ms=1000$' "$work/$name.words"
	with_qmp "$work/$name.words" "$work/$name.b.words"
	qmp_check "$name" "$work/$name.b.words"
}
# snp_form NAME FILE: A and B.
snp_form() {
	local name=$1 file=$2 rc
	"$snpboot" launch-qemu --vm-definition "$file" --print >"$work/$name.cmd" 2>"$work/$name.print.err"
	rc=$?
	ok "$rc" "$name: launch-qemu --print"
	[ "$rc" = 0 ] || { diag <"$work/$name.print.err"; return; }
	words "$work/$name.cmd" "$work/$name.words"
	is "$(head -z -n 1 "$work/$name.words" | tr -d '\0')" "$QEMU91" "$name: argv[0] is [launch] qemu"
	check "$name: -accel kvm" grep -qzx kvm "$work/$name.words"
	check "$name: -object sev-snp-guest" grep -qz '^sev-snp-guest,' "$work/$name.words"
	# A: as printed, TCG for KVM.
	with_words "$work/$name.words" "$work/$name.a.words" 's/^kvm$/tcg/'
	run_a "$name" "$work/$name.a.words"
	rc=$?
	is "$rc $a_out" "1 $KVM_ONLY" \
		"$name: as printed (TCG), QEMU takes every -object, -machine, -drive and -netdev and stops where SNP needs KVM"
	# B: without confidential-guest-support, the machine is built.
	with_words "$work/$name.a.words" "$work/$name.nocgs.words" 's/^(q35.*),confidential-guest-support=[^,]*/\1/'
	check "$name: B drops only confidential-guest-support" \
		bash -c "diff <(tr '\0' '\n' <'$work/$name.a.words') <(tr '\0' '\n' <'$work/$name.nocgs.words') | grep -c '^[<>]' | grep -qx 2"
	with_qmp "$work/$name.nocgs.words" "$work/$name.b.words"
	qmp_check "$name" "$work/$name.b.words"
}
# svsm_form NAME FILE: C.
svsm_form() {
	local name=$1 file=$2 rc
	"$snpboot" launch-qemu --vm-definition "$file" --print >"$work/$name.cmd" 2>"$work/$name.print.err"
	rc=$?
	ok "$rc" "$name: launch-qemu --print"
	[ "$rc" = 0 ] || { diag <"$work/$name.print.err"; return; }
	words "$work/$name.cmd" "$work/$name.words"
	check "$name: sev-snp-guest with svsm=on, no kernel-hashes" \
		bash -c "grep -qz '^sev-snp-guest,.*,svsm=on' '$work/$name.words' && ! grep -qz 'kernel-hashes' '$work/$name.words'"
	check "$name: OVMF, vars and SVSM as pflash units 0, 1 and 2, no -bios" \
		bash -c "grep -qz '^if=pflash,format=raw,unit=0,file=.*,readonly=on$' '$work/$name.words' &&
			grep -qz '^if=pflash,format=raw,unit=1,file=$work/svsm-vars.fd$' '$work/$name.words' &&
			grep -qz '^if=pflash,format=raw,unit=2,file=.*svsm.bin,readonly=on$' '$work/$name.words' &&
			! grep -qzx -- -bios '$work/$name.words'"
	with_words "$work/$name.words" "$work/$name.a.words" 's/^kvm$/tcg/'
	run_a "$name" "$work/$name.a.words"
	rc=$?
	ok "$([ "$rc" = 1 ] && grep -q "Invalid parameter 'svsm'" <<<"$a_out" && [ "$(wc -l <<<"$a_out")" = 1 ]; echo $?)" \
		"$name: as printed, upstream QEMU refuses only svsm=on (COCONUT's QEMU has it): $a_out"
	with_words "$work/$name.a.words" "$work/$name.nosvsm.words" 's/,svsm=on//'
	run_a "$name-nosvsm" "$work/$name.nosvsm.words"
	rc=$?
	is "$rc $a_out" "1 $KVM_ONLY" "$name: without svsm=on, every -object, -machine, -drive and -netdev is taken"
	with_words "$work/$name.nosvsm.words" "$work/$name.nocgs.words" 's/^(q35.*),confidential-guest-support=[^,]*/\1/'
	# B's machine, without QMP: it must stop at unit 2 (a machine that builds waits at -S: timeout).
	run_a "$name-nocgs" "$work/$name.nocgs.words"
	local out
	out=$(grep -v "warning: TCG doesn't support" <<<"$a_out")
	ok "$(grep -q 'does not support if=pflash,bus=0,unit=2' <<<"$out" && [ "$(wc -l <<<"$out")" = 1 ]; echo $?)" \
		"$name: the machine is built up to pflash unit 2 (COCONUT's QEMU adds it): $out"
}
for file in "$work"/defs/*.toml; do
	name=$(basename "$file" .toml)
	case $name in
	sim*) sim_form "$name" "$file" ;;
	svsm*) svsm_form "$name" "$file" ;;
	*) snp_form "$name" "$file" ;;
	esac
done
check "kernel-hashes=on when there is a kernel, not without" \
	bash -c "grep -qz 'kernel-hashes=on' '$work/snp-plain.words' && ! grep -qz 'kernel-hashes' '$work/snp-nokernel.words'"
check "a comma in the disk's name reached QEMU doubled, in the console's as it is (QEMU made $con_comma)" \
	bash -c "grep -qzF -- 'file=$work/scratch,,1.qcow2,' '$work/snp-noauthor.words' && test -f '$con_comma'"
check "the ID block form: id-block, id-auth, author-key-enabled=on, host-data" \
	grep -qz '^sev-snp-guest,.*,id-block=[^,]*,id-auth=[^,]*,author-key-enabled=on,host-data=' "$work/snp-idblock.words"

# ---- the checks can fail ---------------------------------------------------------------
# A misspelled sev-snp-guest property: refused in A, by name.
with_words "$work/snp-idblock.a.words" "$work/bad-prop.a.words" 's/,id-block=/,id-blok=/'
run_a bad-prop "$work/bad-prop.a.words"
rc=$?
ok "$([ "$rc" = 1 ] && grep -q "Invalid parameter 'id-blok'" <<<"$a_out"; echo $?)" \
	"negative: QEMU refuses sev-snp-guest id-blok= before it gets to memory (exit $rc)"
echo "#   QEMU: ...${a_out: -60}"
# An ID block that is not 96 bytes: refused by QEMU's setter in A.
with_words "$work/snp-idblock.a.words" "$work/bad-len.a.words" 's/,id-block=/,id-block=AAAA/'
run_a bad-len "$work/bad-len.a.words"
rc=$?
ok "$([ "$rc" = 1 ] && grep -q '99 not equal to 96' <<<"$a_out"; echo $?)" "negative: QEMU refuses an id-block of 99 bytes: $a_out"
# A misspelled -device property: B never gets a machine.
with_words "$work/snp-idblock.b.words" "$work/bad-dev.b.words" 's/iommu_platform=on/iommu_platfrom=on/'
(qmp_check bad-dev "$work/bad-dev.b.words") >"$work/bad-dev.tap" # a subshell: not counted
ok "$(grep -q "^not ok [0-9]* - bad-dev: QEMU built the machine and answered QMP" "$work/bad-dev.tap" &&
	grep -q "^# .*'virtio-net-pci.iommu_platfrom' not found" "$work/bad-dev.tap"; echo $?)" \
	"negative: QEMU refuses -device ...,iommu_platfrom=on"
sed -n 's/^#/#  /p' "$work/bad-dev.tap" | grep -m 1 iommu_platfrom
# The comparison itself: checked against words with another name and another value
# than QEMU was given, it reports both.
with_words "$work/snp-plain.words" "$work/bad-check.words" 's/,reduced-phys-bits=/,reduced-phys-bitz=/' 's/,policy=0x[0-9a-f]*/,policy=0x30001/'
(qmp_check bad-check "$work/snp-plain.b.words" "$work/bad-check.words") >"$work/bad-check.tap"
ok "$(grep -q '^not ok .*QEMU has no property reduced-phys-bitz' "$work/bad-check.tap" &&
	grep -q '^not ok .*policy (uint64) = 0x30001 reads back as' "$work/bad-check.tap"; echo $?)" \
	"negative: the name and value comparison reports reduced-phys-bitz and policy=0x30001"
done_testing
