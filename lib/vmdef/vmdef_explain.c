/* measure_explain() for a VM definition: its files read once (measure_explain.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "measure/measure_explain.h"
#include "vmdef.h"

/* The SVSM launch the definition describes; the same firmware launched
 * without it is one of the candidates. */
static int svsm_explain(const struct vmdef *def, struct measure_explain *x, const struct measure_explain_input *in,
			const uint8_t target[MEASURE_DIGEST_LEN], char *err, size_t err_len)
{
	uint8_t *svsm;
	size_t len;
	uint64_t vars_size;
	char why[MEASURE_ERR_LEN];
	if (vmdef_svsm_vars_size(def, &vars_size, err, err_len) != 0)
		return -1;
	if (measure_read_file(&svsm, &len, def->svsm.image, MEASURE_OVMF_MAX_LEN, why, sizeof why) != 0) {
		snprintf(err, err_len, "'svsm.image': %s", why);
		return -1;
	}
	struct measure_svsm_params p = {.ovmf = in->ovmf, .ovmf_len = in->ovmf_len, .svsm = svsm, .svsm_len = len,
					.vars_size = vars_size, .vcpus = def->vcpus,
					.vcpu_sig = def->vcpu_sig};
	struct measure_params plain = {.ovmf = in->ovmf, .ovmf_len = in->ovmf_len, .kernel = in->kernel,
				       .vcpus = def->vcpus, .vcpu_sig = def->vcpu_sig, .vmm = MEASURE_VMM_QEMU,
				       .guest_features = def->guest_features};
	int rc = measure_explain_svsm(x, &p, &plain, target, err, err_len);
	free(svsm);
	return rc;
}

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
	int rc;
	if (def->has_svsm)
		rc = svsm_explain(def, x, &in, target, why, sizeof why);
	else
		rc = measure_explain(x, &in, target, why, sizeof why);
	free(ovmf);
	if (rc != 0)
		snprintf(err, err_len, "%s: cannot compute the definition's launch digest: %s: %s", def->file, def->ovmf,
			 why);
	return rc;
}
