# snpboot: top-level build. `make help` lists the targets.
#
# Three flavours of object code are built from the same sources:
#   host  gcc + Debian's BearSSL          -> build/host/   (snpboot tools, unit tests)
#   asan  gcc with ASan/UBSan             -> build/asan/   (same code, sanitized, under make check)
#   musl  musl-gcc, static, BearSSL built -> build/musl/   (the guest's /init)
#         from Debian's source package
# Sources are picked up by wildcard, a folder at a time: lib/*/*.c (one folder per
# concept, lib/README.md), host/*.c and host/*/*.c, init/*.c, tests/unit/test_*.c.

SHELL := /bin/bash
.SECONDEXPANSION:
# Objects are never deleted as intermediates (they feed archives and tests).
.SECONDARY:
# `make V=1` shows full command lines.
ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-6s %s\n' $(1) $(2)
endif
.DEFAULT_GOAL := all
BUILD ?= build
# Everything that ends up in the initramfs is stamped with this time, so the
# same inputs give the same bytes (the owner predicts the measurement from them).
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH

WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
HOST_CC ?= gcc
HOST_CFLAGS := $(WARN) -O2 -g -D_GNU_SOURCE -Ilib -Ihost -Iinit -fstack-protector-strong -D_FORTIFY_SOURCE=2
ASAN_CFLAGS := $(WARN) -O1 -g -D_GNU_SOURCE -Ilib -Ihost -Iinit -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all
HOST_LIBS := -lbearssl -lsqlite3 -lpq

include mk/deps.mk
include mk/kernel.mk
include mk/ovmf.mk

MUSL_CC := musl-gcc
MUSL_CFLAGS := $(WARN) -Os -D_GNU_SOURCE -Ilib -Iinit -I$(DEPS_MUSL)/include -isystem $(DEPS_MUSL)/kinclude \
	-ffunction-sections -fdata-sections -fstack-protector-strong
MUSL_LDFLAGS := -static -Wl,--gc-sections -s
MUSL_LIBS := $(DEPS_MUSL)/lib/libbearssl.a

LIB_DIRS := $(sort $(patsubst %/README.md,%,$(wildcard lib/*/README.md)))
LIB_SRCS := $(sort $(wildcard $(addsuffix /*.c,$(LIB_DIRS))))
HOST_SRCS := $(sort $(wildcard host/*.c host/*/*.c))
# host/main.c holds main(); everything else in host/ is also linked into the unit tests.
HOST_LOGIC_SRCS := $(filter-out host/main.c,$(HOST_SRCS))

include init/init.mk

$(BUILD)/host/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/asan/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(HOST_CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/musl/obj/%.o: %.c $(MUSL_DEPS_STAMP)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(MUSL_CC) $(MUSL_CFLAGS) -MMD -MP -c $< -o $@

objs = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(2))

# ---- host tools ---------------------------------------------------------------
SNPBOOT := $(BUILD)/host/snpboot
$(BUILD)/%/libsnpboot.a: $$(call objs,$$*,$(LIB_SRCS) $(HOST_LOGIC_SRCS) $(INIT_HOST_TESTABLE))
	@rm -f $@
	$(call quiet,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/host/snpboot: $(call objs,host,host/main.c) $(BUILD)/host/libsnpboot.a
	$(call quiet,LD,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS)
	@for n in client config-generator idblock-generator; do ln -sf snpboot $(@D)/$$n; done
$(BUILD)/asan/snpboot: $(call objs,asan,host/main.c) $(BUILD)/asan/libsnpboot.a
	$(HOST_CC) $(ASAN_CFLAGS) -o $@ $^ $(HOST_LIBS)

# config/default-vm-config.toml is config-generator's output without options;
# tests/e2e/config_generator.t fails, with a diff, when the two drift apart.
.PHONY: default-vm-config
default-vm-config: $(SNPBOOT)
	$(SNPBOOT) config-generator --output config/default-vm-config.toml --force

# ---- unit tests (TAP, run by prove) ---------------------------------------------
UNIT_TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(UNIT_TEST_SRCS))
HOST_TESTS := $(addprefix $(BUILD)/host/tests/,$(UNIT_TESTS))
ASAN_TESTS := $(addprefix $(BUILD)/asan/tests/,$(UNIT_TESTS))
$(BUILD)/host/tests/%: $(BUILD)/host/obj/tests/unit/%.o $(BUILD)/host/libsnpboot.a
	@mkdir -p $(@D)
	$(call quiet,LD,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS)
$(BUILD)/asan/tests/%: $(BUILD)/asan/obj/tests/unit/%.o $(BUILD)/asan/libsnpboot.a
	@mkdir -p $(@D)
	$(call quiet,LD,$@)
	$(Q)$(HOST_CC) $(ASAN_CFLAGS) -o $@ $^ $(HOST_LIBS)


.PHONY: all host asan unit-tests help
all: $(SNPBOOT)
host: $(SNPBOOT)
asan: $(BUILD)/asan/snpboot
unit-tests: $(HOST_TESTS) $(ASAN_TESTS)

help:
	@echo "make deps-refresh re-check Debian source versions and rebuild what changed"
	@echo "make deps        install Debian packages, build BearSSL/cryptsetup for musl, fetch the kernel"
	@echo "make initramfs   build $(INITRAMFS) from BOOT_CONFIG=$(BOOT_CONFIG) (reproducible; it must pin"
	@echo "                 the owner key and the disk: snpboot owner-key, snpboot disk-pin)"
	@echo "make host        build the host tool $(SNPBOOT)"
	@echo "make check       run every test (unit, sanitizers, fuzz smoke, QEMU end to end)"
	@echo "make demo        boot the demo VM end to end"
	@echo "make demo-fleet  the unattended path: a VM gets its key from snpboot broker serve, twice"
	@echo "make default-vm-config  regenerate config/default-vm-config.toml (snpboot config-generator)"
	@echo "make ovmf-amdsev build the AmdSev OVMF (SNP kernel hashes) the demo and tests measure: $(OVMF_AMDSEV)"
	@echo "make timeline    chart the boot timeline of the demo (and TIMELINE_LOGS=...) into $(BUILD)/timeline.svg"
	@echo "make rootfs-demo build the demo second stage, plain ext4: $(ROOTFS_DEMO)"
	@echo "make qemu-trixie unpack Debian 13's QEMU (>= 9.1) for the tests into $(QEMU_TRIXIE_DIR) (not installed)"
	@echo "make clean       remove $(BUILD)/ except the dependency cache"

.PHONY: clean distclean
clean:
	rm -rf $(BUILD)/host $(BUILD)/asan $(BUILD)/musl $(BUILD)/initramfs $(BUILD)/test
distclean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/host/obj $(BUILD)/asan/obj $(BUILD)/musl/obj $(BUILD)/fuzz/obj -name '*.d' 2>/dev/null)

# ---- initramfs ------------------------------------------------------------------
# BOOT_CONFIG is the measured first-stage configuration. It must pin the owner
# (channel.owner_key_sha256: `snpboot owner-key`) and the disk (root.pin_*:
# `snpboot disk-pin`); config/boot.toml as shipped pins neither, so building
# from it stops and says how. The check is the first stage's own parser and
# rules (`snpboot boot-config`), run before anything is packed.
BOOT_CONFIG ?= config/boot.toml
KMODS_LIST ?= kmods.list
INITRAMFS ?= $(BUILD)/initramfs.cpio.gz
IMAGE_INPUTS := $(BUILD)/musl/init $(SNPBOOT) $(KERNEL_STAMP) $(MUSL_DEPS_STAMP) scripts/mkinitramfs.sh \
	$(shell find rootfs-skel -type f)
# build_initramfs OUT CONFIG KMODS
build_initramfs = $(SNPBOOT) boot-config --quiet $(2) && \
	scripts/mkinitramfs.sh --init $(BUILD)/musl/init --cryptsetup $(DEPS_MUSL)/bin/cryptsetup --snpboot $(SNPBOOT) \
	--modules-dir $(KERNEL_DIR)/modules --kmods $(3) --config $(2) --skel rootfs-skel --out $(1)

.PHONY: initramfs
initramfs: $(INITRAMFS)
$(INITRAMFS): $(IMAGE_INPUTS) $(BOOT_CONFIG) $(KMODS_LIST)
	$(call build_initramfs,$@,$(BOOT_CONFIG),$(KMODS_LIST))

# ---- demo ----------------------------------------------------------------------
# The demo's second stage: busybox-static and an /sbin/init that greets, in a
# plain (unencrypted) ext4 image; `snpboot encrypt-disk` turns it into LUKS2.
ROOTFS_DEMO := $(BUILD)/rootfs-demo/rootfs.img
.PHONY: rootfs-demo
rootfs-demo: $(ROOTFS_DEMO)
$(ROOTFS_DEMO): scripts/mkrootfs-demo.sh scripts/rootfs-demo/init | $(DEPS_STAMP)
	$(call quiet,ROOTFS,$@)
	$(Q)scripts/mkrootfs-demo.sh $@
.PHONY: demo
demo: $(IMAGE_INPUTS) $(SNPBOOT) $(KERNEL_STAMP) $(OVMF_AMDSEV_KEY) $(ROOTFS_DEMO)
	BUILD=$(BUILD) scripts/demo.sh
# The unattended path: one fleet image, initdata, `snpboot broker serve`, a VM
# that boots through the broker and is launched again (scripts/demo-fleet.sh).
.PHONY: demo-fleet
demo-fleet: $(IMAGE_INPUTS) $(SNPBOOT) $(KERNEL_STAMP) $(OVMF_AMDSEV_KEY) $(ROOTFS_DEMO)
	BUILD=$(BUILD) scripts/demo-fleet.sh

# The first stage's boot timeline as a chart: the demo's console log (the demo
# runs first if it never ran) and any logs in TIMELINE_LOGS, one row each. A PNG
# too with rsvg-convert (librsvg2-bin, in the apt list; skipped if absent).
TIMELINE_LOGS ?=
.PHONY: timeline
timeline: $(SNPBOOT)
	@test -f $(BUILD)/demo/console.log || $(MAKE) --no-print-directory BUILD=$(BUILD) demo
	$(SNPBOOT) timeline --svg $(BUILD)/timeline.svg $(BUILD)/demo/console.log $(TIMELINE_LOGS)
	@if command -v rsvg-convert >/dev/null; then rsvg-convert -o $(BUILD)/timeline.png $(BUILD)/timeline.svg && \
		echo "wrote $(BUILD)/timeline.png"; fi

# ---- benchmarks -----------------------------------------------------------------
$(BUILD)/bench/bench_lib: bench/bench_lib.c $(BUILD)/host/libsnpboot.a
	@mkdir -p $(@D)
	$(call quiet,LD,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS)
$(BUILD)/bench/broker_load: bench/broker_load.c bench/bench_proc.c $(BUILD)/host/libsnpboot.a
	@mkdir -p $(@D)
	$(call quiet,LD,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Ibench -o $@ $^ $(HOST_LIBS)
$(BUILD)/bench/broker_floor: bench/broker_floor.c
	@mkdir -p $(@D)
	$(call quiet,LD,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS)
BENCH_TOOLS := $(BUILD)/bench/bench_lib $(BUILD)/bench/broker_load $(BUILD)/bench/broker_floor
.PHONY: bench bench-tools
bench-tools: $(BENCH_TOOLS)
bench: $(BENCH_TOOLS) $(TEST_INITRAMFS) $(SNPBOOT) $(BUILD)/test/disk/disk.img $(KERNEL_STAMP) $(OVMF_AMDSEV_KEY)
	BUILD=$(BUILD) scripts/bench.sh

# Tests last: they name the images and tools defined above.
include tests/tests.mk
