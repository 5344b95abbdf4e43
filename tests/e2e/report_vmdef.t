#!/usr/bin/env bash
# `snpboot measure` and `snpboot report verify` with a VM definition: the same
# expectations the client applies, on a report snp-sim signed for REPORT_DATA
# we chose. A definition whose command line differs is refused by MEASUREMENT.
. "$(dirname "$0")/lib/e2e.sh"
work=$(realpath "$E2E_LOGS/$t_name")
snpboot=$BUILD/host/snpboot
ovmf=$(realpath ../shared/testvectors/measurement/ovmf_AmdSev_suffix.bin)
def() { # def FILE APPEND
	cat >"$1" <<TOML
[vm]
name = "report-vmdef"
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "/dev/null"
initrd = "/dev/null"
append = "$2"
[platform]
product = "milan"
trust_anchor = "$work/state/ark.pem"
simulated = true
[sim]
state_dir = "$work/state"
TOML
}
def "$work/vm.toml" "console=ttyS0 loglevel=7"
def "$work/other.toml" "console=ttyS0 loglevel=7 quiet"
# The README's first vector: AmdSev tail, 1 vCPU EPYC-v4, /dev/null kernel and initrd.
ok "$("$snpboot" measure --vm-definition "$work/vm.toml" | grep -qx 6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa; echo $?)" \
	"measure --vm-definition gives the test vector"
"$snpboot" measure --vm-definition "$work/vm.toml" --vcpus 2 >/dev/null 2>&1
ok "$([ $? = 2 ]; echo $?)" "measure --vm-definition refuses extra launch options"

rm -f "$work/sim.sock"
"$snpboot" snp-sim --vm-definition "$work/vm.toml" --socket "$work/sim.sock" --once >"$work/sim.log" 2>&1 &
sim=$!
rd=$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')
python3 "$(dirname "$0")/lib/sim_request.py" "$work/sim.sock" "$work/report.bin" "$rd"
wait $sim
ok $? "snp-sim served one report and exited (--once)"
verify() { # verify NAME ARGS...: exit code on stdout, output in $work/NAME.out
	local name=$1
	shift
	"$snpboot" report verify "$work/report.bin" --cert-table "$work/report.bin.certs" "$@" >"$work/$name.out" 2>&1
	echo $?
}
ok "$([ "$(verify good --vm-definition "$work/vm.toml" --report-data "$rd")" = 0 ]; echo $?)" "report verifies against its definition"
check "the verdict names MEASUREMENT and REPORT_DATA" bash -c "grep -qE 'ok +MEASUREMENT: 6d287813' '$work/good.out' && grep -qE 'ok +REPORT_DATA: $rd' '$work/good.out'"
check "the simulated trust anchor is announced" grep -q 'WARNING: SIMULATED SNP PLATFORM' "$work/good.out"
ok "$([ "$(verify other --vm-definition "$work/other.toml" --report-data "$rd")" = 1 ]; echo $?)" "another command line: refused"
check "refusal names MEASUREMENT, expected vs got" grep -qE 'FAIL +MEASUREMENT: expected [0-9a-f]{96}, got 6d287813' "$work/other.out"
other_rd=$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')
ok "$([ "$(verify session --vm-definition "$work/vm.toml" --report-data "$other_rd")" = 1 ]; echo $?)" "another session's REPORT_DATA: refused"
ok "$([ "$(verify usage --vm-definition "$work/vm.toml")" = 2 ]; echo $?)" "--vm-definition without --report-data is a usage error"
ok "$([ "$(verify pinned --report-data "$rd" --measurement any)" = 1 ]; echo $?)" "without the test anchor the test chain is refused"
done_testing
