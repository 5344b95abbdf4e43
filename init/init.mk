# Guest /init. Files listed in INIT_HOST_TESTABLE are pure logic (no PID-1
# side effects) and are also linked into the host unit tests.
INIT_HOST_TESTABLE :=
INIT_HOST_TESTABLE += init/bootcfg.c init/cmdline.c
INIT_HOST_TESTABLE += init/rootdev_match.c
INIT_HOST_TESTABLE += init/mount_options.c

# The /init gets its key only from the attested channel (keysource_attested.c).
# The guest links only the parts of lib/ it uses.
INIT_LIB_SRCS = $(filter lib/bytes.c lib/fd_io.c lib/toml%.c lib/der.c lib/der_write.c lib/selfcert.c lib/chan_%.c \
	lib/sim_proto.c,$(LIB_SRCS))
INIT_OBJS = $(call objs,musl,$(sort $(wildcard init/*.c)) $(INIT_LIB_SRCS))

$(BUILD)/musl/init: $$(INIT_OBJS) $(MUSL_DEPS_STAMP)
	$(call quiet,LD,$@)
	$(Q)$(MUSL_CC) $(MUSL_LDFLAGS) -o $@ $(INIT_OBJS) $(MUSL_LIBS)
INIT_HOST_TESTABLE += init/dhcp_msg.c
INIT_HOST_TESTABLE += init/attest_check.c init/attest_select.c init/attest_sevguest.c init/attest_sim.c init/attest_tsm.c
