/* From a loaded VM definition to what the client verifies: the expected
 * launch digest and the snp_verify_policy (vmdef.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snp/amd_certdir.h"
#include "vmdef.h"
#include "x509/x509.h"
#include "base/err_text.h"

void vmdef_warn_if_simulated(FILE *out, const char *prog, const struct vmdef *def)
{
	if (!def->simulated)
		return;
	/* Every line carries the program name, so no line reads as an ordinary message. */
	const char *text = VMDEF_SIMULATED_WARNING;
	while (*text) {
		const char *nl = strchr(text, '\n');
		int len = nl ? (int)(nl - text) : (int)strlen(text);
		fprintf(out, "%s: %.*s\n", prog, len, text);
		text += len + (nl ? 1 : 0);
	}
	fprintf(out, "%s: WARNING: trust anchor %s (from %s)\n", prog, def->trust_anchor, def->file);
}

int vmdef_measure(const struct vmdef *def, uint8_t out[MEASURE_DIGEST_LEN], char *err, size_t err_len)
{
	if (!def->ovmf[0])
		return err_set(err, err_len, "%s: cannot compute the launch digest: [firmware] names no ovmf", def->file);
	struct measure_files f = {
		.ovmf = def->ovmf,
		.ovmf_hash_hex = def->ovmf_hash[0] ? def->ovmf_hash : NULL,
		.kernel = def->kernel[0] ? def->kernel : NULL,
		.initrd = def->initrd[0] ? def->initrd : NULL,
		.append = def->has_append ? def->append : NULL,
		.vcpus = def->vcpus,
		.vcpu_sig = def->vcpu_sig,
		.vmm = def->vmm,
		.guest_features = def->guest_features,
		.svsm = def->has_svsm ? def->svsm.image : NULL,
	};
	if (def->has_svsm && vmdef_svsm_vars_size(def, &f.ovmf_vars_size, err, err_len) != 0)
		return -1;
	struct measure_result res;
	char why[MEASURE_ERR_LEN];
	int rc = measure_launch_digest_files(&res, &f, why, sizeof why);
	if (rc == MEASURE_ERR_KERNEL_NOT_MEASURED && def->has_svsm)
		return err_set(err, err_len,
			       "%s:%u:%u: 'boot.kernel' with [svsm]: an SVSM launch measures no kernel hashes, so the "
			       "kernel, initrd and command line would run unattested. Boot the first stage from the "
			       "firmware image instead (an OVMF with the kernel built in is covered by its pages), or "
			       "set [expect] measurement to a digest you obtained for this exact launch",
			       def->file, def->pos_kernel.line, def->pos_kernel.column);
	if (rc == MEASURE_ERR_KERNEL_NOT_MEASURED)
		return err_set(err, err_len,
			       "%s:%u:%u: 'boot.kernel': firmware %s cannot measure a kernel (no SEV kernel-hashes "
			       "table): kernel, initrd and command line would be unattested; use an AmdSev OVMF build (%s)",
			       def->file, def->pos_kernel.line, def->pos_kernel.column, def->ovmf, why);
	if (rc && def->has_svsm)
		return err_set(err, err_len, "%s:%u:%u: 'svsm.image': cannot compute the launch digest: %s", def->file,
			       def->svsm.pos_image.line, def->svsm.pos_image.column, why);
	if (rc)
		return err_set(err, err_len, "%s:%u:%u: 'firmware.ovmf' and [boot]: cannot compute the launch digest: %s",
			       def->file, def->pos_ovmf.line, def->pos_ovmf.column, why);
	memcpy(out, res.digest, MEASURE_DIGEST_LEN);
	return 0;
}

int vmdef_read_cert(const char *path, uint8_t *out, size_t cap, size_t *len, char *err, size_t err_len)
{
	uint8_t *buf;
	size_t n;
	if (amd_certdir_read_cert(path, &buf, &n, err, err_len))
		return -1;
	int rc = 0;
	struct x509_cert cert;
	char why[200];
	if (n > cap)
		rc = err_set(err, err_len, "%s: certificate of %zu bytes, at most %zu expected", path, n, cap);
	else if (x509_parse(&cert, buf, n, why, sizeof why)) /* junk must fail here, not at verification */
		rc = err_set(err, err_len, "%s: not an X.509 certificate: %s", path, why);
	else {
		memcpy(out, buf, n);
		*len = n;
	}
	free(buf);
	return rc;
}

/* A trust anchor the definition does not call simulated must be one of AMD's pinned roots. */
static int check_real_anchor(const struct vmdef *def, char *err, size_t err_len)
{
	char why[256];
	if (def->product != SNP_PRODUCT_UNKNOWN) {
		if (amd_root_is_pinned(def->anchor_der, def->anchor_len, snp_product_to_amd(def->product), why,
				       sizeof why) == 0)
			return 0;
	} else {
		for (int p = AMD_PRODUCT_MILAN; p <= AMD_PRODUCT_TURIN; p++)
			if (amd_root_is_pinned(def->anchor_der, def->anchor_len, (enum amd_product)p, why, sizeof why) == 0)
				return 0;
	}
	return err_set(err, err_len,
		       "%s:%u:%u: 'platform.trust_anchor' %s is not AMD's pinned %s root (%s); if it is snp-sim's "
		       "test root, say so with 'platform.simulated = true'",
		       def->file, def->pos_trust_anchor.line, def->pos_trust_anchor.column, def->trust_anchor,
		       def->product == SNP_PRODUCT_UNKNOWN ? "(any product)" : snp_product_name(def->product), why);
}

static int load_anchor(struct vmdef *def, struct snp_verify_policy *p, char *err, size_t err_len)
{
	char why[256];
	def->anchor_len = 0;
	if (!def->trust_anchor[0])
		return 0;
	if (vmdef_read_cert(def->trust_anchor, def->anchor_der, sizeof def->anchor_der, &def->anchor_len, why,
			    sizeof why))
		return err_set(err, err_len, "%s:%u:%u: 'platform.trust_anchor': %s", def->file,
			       def->pos_trust_anchor.line, def->pos_trust_anchor.column, why);
	if (!def->simulated && check_real_anchor(def, err, err_len))
		return -1;
	p->trust_anchor = def->anchor_der;
	p->trust_anchor_len = def->anchor_len;
	return 0;
}

int vmdef_verifier_ready(const struct vmdef *def, char *err, size_t err_len)
{
	if (def->simulated || def->has_min_tcb)
		return 0;
	return err_set(err, err_len,
		       "%s: [expect] min_tcb is required for a real platform (simulated = false), got none: without "
		       "it reports from firmware with known vulnerabilities would be accepted; set expect.min_tcb = "
		       "{ bootloader = .., tee = .., snp = .., microcode = .. } from AMD's security bulletins, or take "
		       "it from a report or VCEK you trust with `snpboot config-generator --min-tcb-from FILE`",
		       def->file);
}

int vmdef_to_policy(struct vmdef *def, struct snp_verify_policy *p, const uint8_t report_data[64], char *err,
		    size_t err_len)
{
	memset(p, 0, sizeof *p);
	if (vmdef_verifier_ready(def, err, err_len))
		return -1;
	return vmdef_policy_fill(def, p, report_data, err, err_len);
}

int vmdef_policy_fill(struct vmdef *def, struct snp_verify_policy *p, const uint8_t report_data[64], char *err,
		      size_t err_len)
{
	memset(p, 0, sizeof *p);
	p->product = def->product;
	p->now = time(NULL);
	p->require_crl = def->check_crl;
	if (load_anchor(def, p, err, err_len))
		return -1;

	p->allow_debug = def->debug;
	p->allow_migrate_ma = def->migrate_ma;
	p->smt = def->smt;
	p->require_single_socket = def->single_socket;
	p->min_abi_major = def->abi_major;
	p->min_abi_minor = def->abi_minor;

	if (def->measurement_computed) {
		if (vmdef_measure(def, p->measurement, err, err_len))
			return -1;
	} else {
		memcpy(p->measurement, def->measurement, sizeof p->measurement);
	}
	p->has_measurement = 1;
	p->has_vmpl = def->has_vmpl;
	p->vmpl = def->vmpl;
	if (def->has_svsm && def->svsm.attest_services) {
		/* The SVSM (at VMPL 0) asks for its service attestation report. */
		p->has_vmpl = 1;
		p->vmpl = 0;
		p->expect_manifest = 1;
		uint8_t vtpm[16];
		(void)guid_parse(GUID_SVSM_VTPM, vtpm);
		p->manifest_is_vtpm = def->svsm.has_service_guid && memcmp(def->svsm.service_guid, vtpm, 16) == 0;
		p->has_manifest_sha256 = def->svsm.has_vtpm_ek_sha256;
		memcpy(p->manifest_sha256, def->svsm.vtpm_ek_sha256, 32);
	}
	p->has_host_data = def->has_host_data;
	memcpy(p->host_data, def->host_data, sizeof p->host_data);
	p->has_id_key_digest = def->has_id_key_digest;
	memcpy(p->id_key_digest, def->id_key_digest, sizeof p->id_key_digest);
	p->has_author_key_digest = def->has_author_key_digest;
	memcpy(p->author_key_digest, def->author_key_digest, sizeof p->author_key_digest);
	p->has_family_id = def->has_family_id;
	memcpy(p->family_id, def->family_id, sizeof p->family_id);
	p->has_image_id = def->has_image_id;
	memcpy(p->image_id, def->image_id, sizeof p->image_id);
	p->min_guest_svn = def->min_guest_svn;
	p->has_min_tcb = def->has_min_tcb;
	p->min_tcb = def->min_tcb;
	if (report_data) {
		p->has_report_data = 1;
		memcpy(p->report_data, report_data, sizeof p->report_data);
	}
	return 0;
}

int vmdef_sim_crl(const struct vmdef *def, uint8_t **crl, size_t *len, char *path, size_t path_cap, char *err,
		  size_t err_len)
{
	static const char *const names[] = {"crl.der", "crl.pem"};
	const char *dirs[2] = {def->certs, def->sim.state_dir};
	*crl = NULL;
	*len = 0;
	path[0] = '\0';
	char looked[2 * VMDEF_PATH_MAX + 16] = "";
	for (size_t d = 0; d < 2; d++) {
		if (!dirs[d][0])
			continue;
		for (size_t i = 0; i < 2; i++) {
			snprintf(path, path_cap, "%s/%s", dirs[d], names[i]);
			FILE *f = fopen(path, "rb");
			if (!f)
				continue;
			fclose(f);
			if (amd_certdir_read_cert(path, crl, len, err, err_len))
				return -1;
			return 0;
		}
		size_t n = strlen(looked);
		snprintf(looked + n, sizeof looked - n, "%s%s/crl.der", n ? ", " : "", dirs[d]);
	}
	snprintf(path, path_cap, "%s", looked[0] ? looked : "(no [platform] certs or [sim] state_dir)");
	return 1;
}
