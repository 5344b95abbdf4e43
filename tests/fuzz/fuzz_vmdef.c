/* libFuzzer target for the VM definition loader: any bytes as vm.toml.
 * Loading must either succeed with values inside their documented ranges
 * or fail with a message; it never reads the files the definition names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmdef/vmdef.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmdef def;
	char err[VMDEF_ERR_LEN];
	err[0] = '\0';
	if (vmdef_parse("fuzz/vm.toml", (const char *)data, size, &def, err, sizeof err) != 0) {
		CHECK(err[0] != '\0');
		return 0;
	}
	CHECK(def.name[0] && def.vcpus >= 1 && def.vcpus <= VMDEF_MAX_VCPUS);
	CHECK(def.guest_features & 1);
	CHECK((def.guest_policy & SNP_POLICY_RESERVED_1) && !(def.guest_policy & ~SNP_POLICY_KNOWN_MASK));
	CHECK(!def.debug == !(def.guest_policy & SNP_POLICY_DEBUG));
	CHECK(!def.measurement_computed || def.ovmf[0]);
	CHECK(!def.simulated || def.trust_anchor[0]);
	CHECK(def.sim.report_version == 2 || def.sim.report_version == 3);
	CHECK(!def.has_vmpl || def.vmpl <= 3);
	CHECK(def.kernel[0] || (!def.initrd[0] && !def.has_append));
	/* [launch]: ranges, ID block files in pairs, extra_args packed inside their buffer. */
	const struct vmdef_launch *l = &def.launch;
	CHECK(l->qemu[0] && l->guest_port >= 1 && l->cbitpos >= 1 && l->cbitpos <= 63 && l->reduced_phys_bits <= 63);
	CHECK(!l->id_block[0] == !l->id_auth[0]);
	CHECK(l->n_extra_args <= VMDEF_EXTRA_ARGS_COUNT);
	size_t used = 0;
	for (unsigned i = 0; i < l->n_extra_args; i++) {
		size_t n = strnlen(l->extra_args + used, sizeof l->extra_args - used);
		CHECK(n > 0 && used + n < sizeof l->extra_args);
		used += n + 1;
	}
	return 0;
}
