# Shared by the broker tests that drive `broker serve` with fake guests
# (chan-selftest --connect --attest-sim) and snp-sim: the caller sets
# SNPBOOT, work (its temporary directory, also the current directory),
# ovmf (a firmware image to measure) and sim_pid (empty at first).

# def FILE NAME HOST_DATA: a simulated definition whose reports carry HOST_DATA.
def() {
	cat >"$1" <<TOML
[vm]
name = "$2"
[firmware]
ovmf = "$ovmf"
[boot]
kernel = "/dev/null"
initrd = "/dev/null"
append = "console=ttyS0"
[expect]
host_data = "$3"
[platform]
product = "milan"
trust_anchor = "$work/state/ark.pem"
simulated = true
[sim]
state_dir = "$work/state"
TOML
}

start_sim() { # start_sim DEF: a new launch of DEF (a new REPORT_ID)
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	rm -f sim.sock
	"$SNPBOOT" snp-sim --vm-definition "$1" --socket "$work/sim.sock" >>sim.log 2>&1 &
	sim_pid=$!
	# The first launch makes the test PKI (RSA-4096 keys): allow for it.
	for _ in $(seq 1200); do [ -S sim.sock ] && break; sleep 0.1; done
}
