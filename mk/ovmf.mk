# The AmdSev OVMF firmware: `make ovmf-amdsev` (scripts/ovmf-amdsev.sh).
#
# OvmfPkg/AmdSev/AmdSevX64.dsc from Debian 13's edk2 source package (Debian's
# patches applied), built into $(OVMF_DIR). It is the firmware whose SEV
# metadata has an SNP_KERNEL_HASHES section, so the launch digest covers the
# kernel, initrd and command line; the demo, the end-to-end tests and snp-sim
# measure with it. Under TCG guests still boot through SeaBIOS: this image
# only boots SEV guests (for others it wants Grub, which is a placeholder).
#
# Cached like the other deps: $(OVMF_AMDSEV_KEY) records the source version,
# the script's hash and the toolchain, and the script rebuilds only when that
# changes. `make deps-refresh` also refreshes the private trixie source lists
# (OVMF_REFRESH=1) so a new Debian version is picked up. `make clean` keeps it.
OVMF_DIR := $(BUILD)/ovmf
OVMF_AMDSEV := $(OVMF_DIR)/OVMF.amdsev.fd
OVMF_AMDSEV_KEY := $(OVMF_DIR)/OVMF.amdsev.key

$(OVMF_AMDSEV_KEY): scripts/ovmf-amdsev.sh | $(DEPS_STAMP)
	@OVMF_REFRESH=$(OVMF_REFRESH) scripts/ovmf-amdsev.sh $(OVMF_DIR)

.PHONY: ovmf-amdsev ovmf-amdsev-refresh
ovmf-amdsev: $(OVMF_AMDSEV_KEY)
deps: $(OVMF_AMDSEV_KEY)
# Runs before deps-refresh's own recipe: re-read the trixie lists, rebuild
# only if the key changed.
deps-refresh: ovmf-amdsev-refresh
ovmf-amdsev-refresh:
	@$(MAKE) --no-print-directory -W scripts/ovmf-amdsev.sh OVMF_REFRESH=1 ovmf-amdsev
