/* libFuzzer target for the VM definition loader: any bytes as vm.toml.
 * Loading must either succeed with values inside their documented ranges
 * or fail with a message; it never reads the files the definition names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmdef.h"

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
	return 0;
}
