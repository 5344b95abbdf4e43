/* SEV-SNP attestation report: parsing and shape checks.
 * Offsets are from AMD SNP ABI spec 56860 (ATTESTATION_REPORT), checked
 * against virtee/sev and google/go-sev-guest and the real Milan report. */
#include "snp_report.h"

#include <string.h>

#include "base/bytes.h"
#include "base/err_text.h"

/* Reserved ranges must be zero; the message names the range and the first offending byte. */
static int check_zero(const uint8_t *raw, size_t lo, size_t hi, char *err, size_t errlen)
{
	for (size_t i = lo; i < hi; i++)
		if (raw[i])
			return err_set(err, errlen, "RESERVED[0x%03zx-0x%03zx]: expected all zero, got 0x%02x at 0x%03zx", lo,
				    hi - 1, raw[i], i);
	return 0;
}

int snp_report_parse(struct snp_report *r, const uint8_t *buf, size_t len, enum snp_product product, unsigned flags,
		     char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	memset(r, 0, sizeof *r);
	if (!buf || len != SNP_REPORT_SIZE)
		return err_set(err, errlen, "report size: expected %u bytes, got %zu", SNP_REPORT_SIZE, buf ? len : 0);
	memcpy(r->raw, buf, SNP_REPORT_SIZE);
	const uint8_t *p = r->raw;

	r->version = le32_load(p + 0x000);
	if (r->version < 2 || r->version > 5)
		return err_set(err, errlen, "VERSION: expected 2, 3, 4 or 5, got %u", r->version);
	r->guest_svn = le32_load(p + 0x004);
	r->policy = le64_load(p + 0x008);
	if (!(r->policy & SNP_POLICY_RESERVED_1))
		return err_set(err, errlen, "POLICY bit 17 (reserved): expected 1, got 0 (policy 0x%llx)",
			    (unsigned long long)r->policy);
	if (r->policy & ~SNP_POLICY_KNOWN_MASK)
		return err_set(err, errlen, "POLICY bits 63:26 (reserved): expected 0, got 0x%llx (policy 0x%llx)",
			    (unsigned long long)(r->policy & ~SNP_POLICY_KNOWN_MASK), (unsigned long long)r->policy);
	memcpy(r->family_id, p + 0x010, 16);
	memcpy(r->image_id, p + 0x020, 16);
	r->vmpl = le32_load(p + 0x030);
	if (r->vmpl > 3)
		return err_set(err, errlen, "VMPL: expected 0-3, got %u", r->vmpl);
	r->signature_algo = le32_load(p + 0x034);
	memcpy(r->current_tcb, p + 0x038, 8);
	r->platform_info = le64_load(p + 0x040);
	r->key_info = le32_load(p + 0x048);
	r->author_key_en = (int)(r->key_info & 1u);
	r->mask_chip_key = (int)((r->key_info >> 1) & 1u);
	r->signing_key = (r->key_info >> 2) & 7u;
	if (r->key_info >> 5)
		return err_set(err, errlen, "KEY_INFO bits 31:5 (reserved, 0x048): expected 0, got 0x%x", r->key_info >> 5);
	if (r->signing_key != SNP_SIGNING_KEY_VCEK && r->signing_key != SNP_SIGNING_KEY_VLEK &&
	    r->signing_key != SNP_SIGNING_KEY_NONE)
		return err_set(err, errlen, "SIGNING_KEY: expected 0 (VCEK), 1 (VLEK) or 7 (none), got %u (reserved)",
			    r->signing_key);
	int unsigned_ok = (flags & SNP_PARSE_ALLOW_UNSIGNED) != 0;
	if (r->signing_key == SNP_SIGNING_KEY_NONE && !unsigned_ok)
		return err_set(err, errlen, "SIGNING_KEY: expected 0 (VCEK) or 1 (VLEK), got 7 (none: report is not signed)");
	if (r->signature_algo != SNP_SIG_ALGO_ECDSA_P384_SHA384 && !(unsigned_ok && r->signature_algo == 0))
		return err_set(err, errlen, "SIGNATURE_ALGO: expected 1 (ECDSA P-384 with SHA-384), got %u",
			    r->signature_algo);
	if (check_zero(p, 0x04C, 0x050, err, errlen))
		return -1;
	memcpy(r->report_data, p + 0x050, 64);
	memcpy(r->measurement, p + 0x090, 48);
	memcpy(r->host_data, p + 0x0C0, 32);
	memcpy(r->id_key_digest, p + 0x0E0, 48);
	memcpy(r->author_key_digest, p + 0x110, 48);
	memcpy(r->report_id, p + 0x140, 32);
	memcpy(r->report_id_ma, p + 0x160, 32);
	memcpy(r->reported_tcb, p + 0x180, 8);
	if (r->version >= 3) {
		r->has_cpuid = 1;
		r->cpuid_fam_id = p[0x188];
		r->cpuid_mod_id = p[0x189];
		r->cpuid_step = p[0x18A];
		if (check_zero(p, 0x18B, 0x1A0, err, errlen))
			return -1;
	} else if (check_zero(p, 0x188, 0x1A0, err, errlen)) {
		return -1;
	}
	memcpy(r->chip_id, p + 0x1A0, 64);
	memcpy(r->committed_tcb, p + 0x1E0, 8);
	r->current_build = p[0x1E8];
	r->current_minor = p[0x1E9];
	r->current_major = p[0x1EA];
	if (check_zero(p, 0x1EB, 0x1EC, err, errlen))
		return -1;
	r->committed_build = p[0x1EC];
	r->committed_minor = p[0x1ED];
	r->committed_major = p[0x1EE];
	if (check_zero(p, 0x1EF, 0x1F0, err, errlen))
		return -1;
	memcpy(r->launch_tcb, p + 0x1F0, 8);
	if (r->version >= 5) {
		r->has_mit_vectors = 1;
		r->launch_mit_vector = le64_load(p + 0x1F8);
		r->current_mit_vector = le64_load(p + 0x200);
		if (check_zero(p, 0x208, SNP_REPORT_SIGNED_SIZE, err, errlen))
			return -1;
	} else if (check_zero(p, 0x1F8, SNP_REPORT_SIGNED_SIZE, err, errlen)) {
		return -1;
	}
	memcpy(r->sig_r, p + SNP_REPORT_SIG_OFFSET, SNP_SIG_COMPONENT_SIZE);
	memcpy(r->sig_s, p + SNP_REPORT_SIG_OFFSET + SNP_SIG_COMPONENT_SIZE, SNP_SIG_COMPONENT_SIZE);
	/* The rest of the 512-byte signature area is reserved. */
	if (check_zero(p, SNP_REPORT_SIG_OFFSET + 2 * SNP_SIG_COMPONENT_SIZE, SNP_REPORT_SIZE, err, errlen))
		return -1;

	r->product = product;
	if (r->product == SNP_PRODUCT_UNKNOWN && r->has_cpuid)
		r->product = snp_product_from_cpuid(r->cpuid_fam_id, r->cpuid_mod_id);
	r->tcb_layout = snp_tcb_layout_for(r->product);
	/* A later generation we cannot name still tells its family: 0x1A onwards
	 * uses the Turin layout. */
	if (r->product == SNP_PRODUCT_UNKNOWN && r->has_cpuid && r->cpuid_fam_id >= 0x1A)
		r->tcb_layout = SNP_TCB_LAYOUT_TURIN;
	return 0;
}
