# `make check`: every test under one prove run, so there is one summary line.
#   unit tests (TAP programs), plain and under ASan/UBSan;
#   end-to-end tests (tests/e2e/*.t): QEMU boots of the real kernel and initramfs;
#   asan_host.t reruns those that drive snpboot with its ASan/UBSan build.
TEST_DISK := $(BUILD)/test/disk/disk.img
E2E_TESTS := $(sort $(wildcard tests/e2e/*.t))
include tests/fuzz/fuzz.mk
# The tests boot the production /init from an image pinned like an owner's:
# a test owner key and the test disk's pin (config-generator --boot-config). It
# also carries crypto_null, so that a cipher_null mapping is refused by the
# pin check and not by a module that happens to be missing.
TEST_OWNER_KEY := $(BUILD)/test/owner.pem
TEST_BOOT_CONFIG := $(BUILD)/test/boot.toml
TEST_KMODS := $(BUILD)/test/kmods.list
TEST_INITRAMFS := $(BUILD)/test/initramfs.cpio.gz
E2E_ASSETS := $(TEST_DISK) $(KERNEL_STAMP) $(TEST_INITRAMFS)

$(TEST_OWNER_KEY): | $(SNPBOOT)
	@mkdir -p $(@D)
	$(SNPBOOT) owner-key --generate $@ >/dev/null
$(TEST_BOOT_CONFIG): config/boot.toml $(TEST_DISK) $(TEST_OWNER_KEY) $(SNPBOOT)
	$(SNPBOOT) config-generator --owner-key $(TEST_OWNER_KEY) --disk $(TEST_DISK) \
		--boot-config-from config/boot.toml --boot-config $@ --force >/dev/null
$(TEST_KMODS): kmods.list
	@mkdir -p $(@D)
	{ cat kmods.list; echo crypto_null; } >$@
$(TEST_INITRAMFS): $(IMAGE_INPUTS) $(TEST_BOOT_CONFIG) $(TEST_KMODS)
	$(call build_initramfs,$@,$(TEST_BOOT_CONFIG),$(TEST_KMODS))

$(TEST_DISK): tests/e2e/lib/make-test-disk.sh scripts/mkrootfs-demo.sh scripts/rootfs-demo/init $(SNPBOOT) | $(DEPS_STAMP)
	tests/e2e/lib/make-test-disk.sh $(@D) $(SNPBOOT)

# Debian 13's QEMU (>= 9.1) unpacked under $(BUILD)/qemu-trixie beside the
# system's, never in its place: tests/e2e/qemu91_cmdline.t feeds it launch-qemu's
# SNP command lines (scripts/qemu-trixie.sh; deps-refresh re-reads trixie's lists).
QEMU_TRIXIE_DIR := $(BUILD)/qemu-trixie
QEMU_TRIXIE_KEY := $(QEMU_TRIXIE_DIR)/qemu-trixie.key
$(QEMU_TRIXIE_KEY): scripts/qemu-trixie.sh
	@scripts/qemu-trixie.sh $(QEMU_TRIXIE_DIR)
.PHONY: qemu-trixie qemu-trixie-refresh
qemu-trixie: $(QEMU_TRIXIE_KEY)
deps-refresh: qemu-trixie-refresh
qemu-trixie-refresh:
	@QEMU_TRIXIE_REFRESH=1 scripts/qemu-trixie.sh $(QEMU_TRIXIE_DIR)

.PHONY: check check-unit check-e2e e2e-assets
# The definitions tests write (vmdef in tests/e2e/lib/e2e.sh) measure the built
# AmdSev OVMF; qemu91_cmdline.t runs trixie's QEMU.
e2e-assets: $(E2E_ASSETS) $(SNPBOOT) $(OVMF_AMDSEV_KEY) $(ROOTFS_DEMO) $(QEMU_TRIXIE_KEY)
check: $(HOST_TESTS) $(ASAN_TESTS) $(FUZZ_TARGETS) e2e-assets $(BUILD)/asan/snpboot
	BUILD=$(BUILD) prove --exec '' --timer $(HOST_TESTS) $(ASAN_TESTS) tests/fuzz/smoke.t tests/lint.t tests/layout.t $(E2E_TESTS)
check-unit: $(HOST_TESTS) $(ASAN_TESTS)
	prove --exec '' $(HOST_TESTS) $(ASAN_TESTS)
check-e2e: e2e-assets
	BUILD=$(BUILD) prove --exec '' --timer -v $(E2E_TESTS)
