/* measure_explain() for a VM definition: its files read once (measure_explain.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "measure/measure_explain.h"
#include "vmdef.h"

int vmdef_explain_measurement(const struct vmdef *def, const uint8_t target[MEASURE_DIGEST_LEN],
			      struct measure_explain *x, char *err, size_t err_len)
{
	char why[MEASURE_ERR_LEN];
	memset(x, 0, sizeof *x);
	if (!def->ovmf[0]) {
		snprintf(err, err_len, "%s: cannot recompute MEASUREMENT: [firmware] names no ovmf", def->file);
		return -1;
	}
	uint8_t seed[MEASURE_DIGEST_LEN];
	if (def->ovmf_hash[0] && hex_decode(seed, sizeof seed, def->ovmf_hash, strlen(def->ovmf_hash)) != 0) {
		snprintf(err, err_len, "%s: 'firmware.ovmf_hash' is not %d hex digits", def->file, 2 * MEASURE_DIGEST_LEN);
		return -1;
	}
	struct measure_kernel_hashes kh;
	if (def->kernel[0] &&
	    measure_kernel_hashes_files(&kh, def->kernel, def->initrd[0] ? def->initrd : NULL,
					def->has_append ? def->append : NULL, why, sizeof why) != 0) {
		snprintf(err, err_len, "%s: [boot]: %s", def->file, why);
		return -1;
	}
	uint8_t *ovmf;
	size_t len;
	if (measure_read_file(&ovmf, &len, def->ovmf, MEASURE_OVMF_MAX_LEN, why, sizeof why) != 0) {
		snprintf(err, err_len, "%s: 'firmware.ovmf': %s", def->file, why);
		return -1;
	}
	struct measure_explain_input in = {
		.ovmf = ovmf,
		.ovmf_len = len,
		.ovmf_hash = def->ovmf_hash[0] ? seed : NULL,
		.kernel = def->kernel[0] ? &kh : NULL,
		.has_initrd = def->initrd[0] != '\0',
		.append = def->has_append ? def->append : NULL,
		.vcpus = def->vcpus,
		.vcpu_sig = def->vcpu_sig,
		.vcpu_type = def->vcpu_type,
		.vmm = def->vmm,
		.guest_features = def->guest_features,
	};
	int rc = measure_explain(x, &in, target, why, sizeof why);
	free(ovmf);
	if (rc != 0)
		snprintf(err, err_len, "%s: cannot compute the definition's launch digest: %s: %s", def->file, def->ovmf,
			 why);
	return rc;
}
