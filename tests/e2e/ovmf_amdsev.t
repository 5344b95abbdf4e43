#!/usr/bin/env bash
# The AmdSev OVMF that `make ovmf-amdsev` builds, checked from outside: an
# independent reader (Python, below) walks the footer GUID table and the SEV
# metadata and finds every SNP section, SNP_KERNEL_HASHES included, with the
# SEV hashes table (where QEMU writes the kernel/initrd/cmdline hashes) inside
# it; `snpboot measure` accepts it with a kernel and reports the kernel as
# measured, and MEASUREMENT moves with the kernel, the initrd and the command
# line; Debian 12's own OVMF (no such section) is refused for the same boot.
# The definitions the other tests write (vmdef in lib/e2e.sh) name this image.
# No QEMU: under TCG guests boot through SeaBIOS, this image only boots SEV.
. "$(dirname "$0")/lib/e2e.sh"
fd=$BUILD/ovmf/OVMF.amdsev.fd
is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"
		echo "#   got '$1'"
		echo "#   expected '$2'"
	fi
}
if [ ! -s "$fd" ]; then
	ok 1 "$fd exists (make BUILD=$BUILD ovmf-amdsev)"
	done_testing
fi
fd=$(realpath "$fd")

# ---- what was built, from which source ----------------------------------------------
version=$(cat "$BUILD/ovmf/OVMF.amdsev.version" 2>/dev/null)
# Trixie's edk2 (2025.02): bookworm's 2022.11 has no SNP_KERNEL_HASHES.
check "built from Debian's edk2 2025.x source (got '$version')" grep -qE '^2025\.[0-9]+-' <<<"$version"
check "cache key names the version and AmdSevX64.dsc" \
	grep -qxF "ovmf-amdsev source edk2 $version dsc OvmfPkg/AmdSev/AmdSevX64.dsc target RELEASE GCC5" \
	"$BUILD/ovmf/OVMF.amdsev.key"
is "$(stat -c %s "$fd")" 4194304 "image is 4 MiB (AmdSevX64.fdf: one 4 MiB flash device)"

# ---- the SEV metadata, read independently of lib/measure_ovmf.c -------------------------
python3 - "$fd" >"$work/sections" 2>&1 <<'PY'
import struct, sys, uuid
img = open(sys.argv[1], "rb").read()
def g(s): return uuid.UUID(s).bytes_le
FOOTER, META = g("96b582de-1fb2-45f7-baea-a366c55a082d"), g("dc886566-984a-4798-a75e-5585a7bf67cc")
RESET, HASHES = g("00f771de-1a7e-4fcb-890e-68c77e2fb44e"), g("7255371f-3a3b-4b04-927b-1da6efa8d454")
end = len(img) - 0x20
assert img[end - 16:end] == FOOTER, "no GUID table footer"
start = end - struct.unpack_from("<H", img, end - 18)[0]
end -= 18
entries = {}
while end > start:
    n, guid = struct.unpack_from("<H", img, end - 18)[0], img[end - 16:end]
    entries[guid] = img[end - n:end - 18]
    end -= n
for name, guid in (("metadata", META), ("reset", RESET), ("hashes", HASHES)):
    print("entry", name, "yes" if guid in entries else "no")
hgpa, hsize = struct.unpack_from("<II", entries[HASHES])
print("hashes_table gpa=0x%x size=0x%x" % (hgpa, hsize))
off = len(img) - struct.unpack_from("<I", entries[META])[0]
sig, _size, ver, count = struct.unpack_from("<4sIII", img, off)
print("metadata", sig.decode(), "version", ver)
names = {1: "SNP_SEC_MEM", 2: "SNP_SECRETS", 3: "CPUID", 4: "SVSM_CAA", 0x10: "SNP_KERNEL_HASHES"}
for i in range(count):
    gpa, size, typ = struct.unpack_from("<III", img, off + 16 + 12 * i)
    inside = gpa <= hgpa and hgpa + hsize <= gpa + size
    print("section %s gpa=0x%x size=0x%x%s" % (names.get(typ, hex(typ)), gpa, size,
          " holds_hashes_table" if inside else ""))
PY
ok $? "the image's GUID table and SEV metadata parse"
diag <"$work/sections"
for e in metadata reset hashes; do
	check "GUID table has the $e entry" grep -qx "entry $e yes" "$work/sections"
done
check "SEV metadata signature ASEV, version 1" grep -qx "metadata ASEV version 1" "$work/sections"
for s in SNP_SEC_MEM SNP_SECRETS CPUID SNP_KERNEL_HASHES; do
	check "metadata has a $s section" grep -q "^section $s " "$work/sections"
done
check "the SEV hashes table lies inside the SNP_KERNEL_HASHES section" \
	grep -q "^section SNP_KERNEL_HASHES .* holds_hashes_table$" "$work/sections"

# ---- snpboot measure with it ----------------------------------------------------------------
initrd=${INITRD:-$INITRAMFS}
append="console=ttyS0 loglevel=4"
measure() { "$snpboot" measure --ovmf "$fd" "$@" 2>>"$work/measure.err"; }
: >"$work/measure.err"
json=$(measure --kernel "$kernel" --initrd "$initrd" --append "$append" --output json)
ok $? "measure accepts it with --kernel, --initrd and --append (no --allow-unmeasured-kernel)"
check "measure says the kernel is measured" grep -qF '"kernel_measured": true' <<<"$json"
check "measure gives no unmeasured-kernel warning" lacks "$work/measure.err" "NOT measured"
base=$(measure --kernel "$kernel" --initrd "$initrd" --append "$append")
check "MEASUREMENT is 96 hex digits" grep -qxE '[0-9a-f]{96}' <<<"$base"
check "json and hex agree" grep -qF "\"measurement\": \"$base\"" <<<"$json"
is "$(measure --kernel "$kernel" --initrd "$initrd" --append "$append")" "$base" "same inputs, same MEASUREMENT"

cp "$kernel" "$work/kernel.changed" && printf '\0' >>"$work/kernel.changed"
cp "$initrd" "$work/initrd.changed" && printf '\0' >>"$work/initrd.changed"
m_kernel=$(measure --kernel "$work/kernel.changed" --initrd "$initrd" --append "$append")
m_initrd=$(measure --kernel "$kernel" --initrd "$work/initrd.changed" --append "$append")
m_append=$(measure --kernel "$kernel" --initrd "$initrd" --append "$append quiet")
m_noinitrd=$(measure --kernel "$kernel" --append "$append")
m_fwonly=$(measure)
for v in m_kernel m_initrd m_append m_noinitrd m_fwonly; do
	check "MEASUREMENT changes: $v" test -n "${!v}" -a "${!v}" != "$base"
done
is "$(printf '%s\n' "$m_kernel" "$m_initrd" "$m_append" "$m_noinitrd" "$m_fwonly" | sort -u | wc -l)" 5 \
	"the five changed boots give five different MEASUREMENTs"

# Debian 12's own OVMF (OvmfPkgX64) has SEV metadata but no SNP_KERNEL_HASHES:
# the same boot is refused there, which is why this image is built.
# (OVMF_CODE.fd, the 2 MiB build; the 4 MiB one has no SEV metadata at all.)
debian_ovmf=/usr/share/OVMF/OVMF_CODE.fd
"$snpboot" measure --ovmf "$debian_ovmf" --kernel "$kernel" --initrd "$initrd" --append "$append" \
	>/dev/null 2>"$work/debian.err"
is "$?" 1 "Debian 12's OVMF_CODE.fd (package ovmf) with a kernel is refused (exit 1)"
check "refusal names the missing SNP_KERNEL_HASHES section" has "$work/debian.err" SNP_KERNEL_HASHES

# ---- the definitions the tests write measure this image ---------------------------------------
is "$ovmf" "$fd" "lib/e2e.sh's definitions name the built image"
vmdef "$work/vm.toml" "$append" 127.0.0.1:1 connect
is "$("$snpboot" measure --vm-definition "$work/vm.toml" 2>&1)" \
	"$(measure --kernel "$kernel" --initrd "$initrd" --append "$append")" \
	"measure --vm-definition on such a definition = measure with the same files"
done_testing
