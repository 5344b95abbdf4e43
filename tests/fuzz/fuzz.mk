# libFuzzer targets: tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/.
# The library is rebuilt with clang and the sanitizers for them.
FUZZ_CC := clang
FUZZ_CFLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -Ilib -Ihost -Iinit -Wall -Wextra -Werror -Wno-unused-command-line-argument \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/fuzz/libsnpboot.a: $$(call objs,fuzz,$(LIB_SRCS) $(HOST_LOGIC_SRCS) $(INIT_HOST_TESTABLE))
	@rm -f $@
	$(Q)ar rcs $@ $^
$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o $(BUILD)/fuzz/libsnpboot.a
	$(call quiet,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(HOST_LIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS)
# `make fuzz FUZZ_SECONDS=600`: each target for that long; new inputs go to
# $(BUILD)/fuzz/corpus/NAME (the repo's seeds are read, not written).
fuzz: $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_TARGETS); do n=$${t##*/fuzz_}; mkdir -p $(BUILD)/fuzz/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(BUILD)/fuzz/corpus/$$n tests/fuzz/corpus/$$n \
			$$(case $$n in der) echo ../shared/testvectors/amd/* ../shared/testvectors/real/*;; report) echo ../shared/testvectors/real/milan;; esac) 2>&1 | \
			grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' || true; \
		test $${PIPESTATUS[0]} -eq 0; done
