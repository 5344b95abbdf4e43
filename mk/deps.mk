# Placeholder until the dependency build lands.
DEPS_MUSL := $(BUILD)/deps/musl
MUSL_DEPS_STAMP := $(DEPS_MUSL)/.done
