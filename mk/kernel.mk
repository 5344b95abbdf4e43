# The guest kernel: Debian's cloud kernel, unpacked with dpkg-deb (see
# scripts/fetch-kernel.sh). KERNEL_DIR may point at another unpacked tree with
# the same layout (vmlinuz, modules/, version).
KERNEL_PACKAGE ?= linux-image-6.12.*-cloud-amd64-unsigned
KERNEL_DIR ?= $(BUILD)/kernel
KERNEL_STAMP := $(KERNEL_DIR)/version

$(BUILD)/kernel/version: | $(DEPS_STAMP)
	scripts/fetch-kernel.sh $(BUILD)/kernel '$(KERNEL_PACKAGE)'

.PHONY: kernel
kernel: $(KERNEL_STAMP)
