# Guest /init. Files listed in INIT_HOST_TESTABLE are pure logic (no PID-1
# side effects) and are also linked into the host unit tests.
INIT_HOST_TESTABLE :=
INIT_HOST_TESTABLE += init/mount_options.c
INIT_HOST_TESTABLE += init/initdata_bind.c

# The /init gets its key only from the attested channel (keysource_attested.c).
# The guest links the lib/ folders whose README says "Linked into /init: yes",
# and nothing else: a call into a host-only folder fails to link. Objects go to
# the linker in the order of their file names (not their folders), as before
# lib/ had folders, so moving a file between folders does not move code in /init.
GUEST_LIB_DIRS := $(sort $(patsubst %/README.md,%,$(shell grep -l '^Linked into /init: yes' lib/*/README.md)))
by_file_name = $(foreach p,$(sort $(foreach f,$(1),$(notdir $(f))@$(f))),$(lastword $(subst @, ,$(p))))
INIT_LIB_SRCS = $(call by_file_name,$(wildcard $(addsuffix /*.c,$(GUEST_LIB_DIRS))))
INIT_OBJS = $(call objs,musl,$(sort $(wildcard init/*.c)) $(INIT_LIB_SRCS))

$(BUILD)/musl/init: $$(INIT_OBJS) $(MUSL_DEPS_STAMP)
	$(call quiet,LD,$@)
	$(Q)$(MUSL_CC) $(MUSL_LDFLAGS) -o $@ $(INIT_OBJS) $(MUSL_LIBS)
INIT_HOST_TESTABLE += init/dhcp_msg.c
INIT_HOST_TESTABLE += init/attest_check.c init/attest_select.c init/attest_sevguest.c init/attest_sim.c init/attest_tsm.c
