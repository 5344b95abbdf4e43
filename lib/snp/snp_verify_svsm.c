/* The SVSM's service attestation: whether the evidence carries a service
 * manifest as the definition expects, and the manifest's pin. The
 * manifest's binding to the report is REPORT_DATA = SHA-512(binding ||
 * manifest), which the caller puts in the policy and check_mandatory
 * compares (snp_verify_values.c).
 *
 * The vTPM's manifest (service manifest version 0) is its endorsement
 * key's public area, a TPMT_PUBLIC in TPM marshalling (big-endian): COCONUT-
 * SVSM's vtpm_get_manifest() returns the TPMT_PUBLIC that TPM2_CreatePrimary
 * answers for its EK template (kernel/src/vtpm/tcgtpm/mod.rs, get_ekpub:
 * response bytes 20.. after the TPM2B size), and go-tpm-tools compares the
 * manifestblob with the EK's public area byte for byte. The owner pins the
 * SHA-256 of those bytes. */
#include <bearssl.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "snp_verify_internal.h"

#define TPM_ALG_RSA 0x0001u
#define TPM_ALG_ECC 0x0023u
#define TPM_ALG_NULL 0x0010u

static int be16_at(const uint8_t *m, size_t len, size_t at, unsigned *v)
{
	if (at > len || len - at < 2)
		return -1;
	*v = (unsigned)m[at] << 8 | m[at + 1];
	return 0;
}

/* TPMT_PUBLIC (TPM 2.0 Part 2, 12.2.4): type, nameAlg, objectAttributes,
 * authPolicy (TPM2B), then for RSA TPMS_RSA_PARMS (symmetric, scheme,
 * keyBits, exponent) and for ECC TPMS_ECC_PARMS (symmetric, scheme,
 * curveID, kdf). A symmetric or scheme other than TPM_ALG_NULL carries
 * more fields (keyBits and mode; a hash). Only as far as the key size or
 * curve: this names the key for a human, the pin is over all the bytes. */
void snp_svsm_describe_manifest(char *out, size_t cap, const uint8_t *m, size_t len, int is_vtpm)
{
	unsigned type, policy_len, sym, scheme, v;
	size_t at = 8;
	if (!is_vtpm) {
		snprintf(out, cap, "%zu bytes (service manifest, not interpreted)", len);
		return;
	}
	if (be16_at(m, len, 0, &type) || be16_at(m, len, at, &policy_len))
		goto opaque;
	at += 2 + policy_len;
	if (be16_at(m, len, at, &sym))
		goto opaque;
	at += sym == TPM_ALG_NULL ? 2 : 6;
	if (be16_at(m, len, at, &scheme))
		goto opaque;
	at += scheme == TPM_ALG_NULL ? 2 : 4;
	if (be16_at(m, len, at, &v))
		goto opaque;
	if (type == TPM_ALG_RSA) {
		snprintf(out, cap, "TPMT_PUBLIC, RSA %u-bit, %zu bytes", v, len);
		return;
	}
	if (type == TPM_ALG_ECC) {
		static const char *const curves[] = {"", "NIST P-192", "NIST P-224", "NIST P-256", "NIST P-384",
						     "NIST P-521"};
		if (v >= 1 && v <= 5)
			snprintf(out, cap, "TPMT_PUBLIC, ECC %s, %zu bytes", curves[v], len);
		else
			snprintf(out, cap, "TPMT_PUBLIC, ECC curve 0x%04x, %zu bytes", v, len);
		return;
	}
opaque:
	snprintf(out, cap, "%zu bytes, not a TPMT_PUBLIC this client reads (pinned as bytes)", len);
}

void vr_check_svsm(struct snp_verify_result *res, const struct snp_verify_policy *pol)
{
	char expected[SNP_VERIFY_TEXT_LEN], got[SNP_VERIFY_TEXT_LEN], what[96], hex[65];
	if (!pol->expect_manifest) {
		if (pol->has_manifest) {
			snprintf(got, sizeof got, "a %zu-byte service manifest (an SVSM service attestation)",
				 pol->manifest_len);
			vr_fail(res, "SVSM manifest", "none ([svsm] attest_services is not true)", got);
		}
		return;
	}
	const char *want = "a service manifest ([svsm] attest_services = true): the SVSM's service attestation";
	if (!pol->has_manifest) {
		vr_fail(res, "SVSM manifest", want, "none (a plain report, not the SVSM's service attestation)");
		return;
	}
	uint8_t digest[32];
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, pol->manifest, pol->manifest_len);
	br_sha256_out(&h, digest);
	snp_svsm_describe_manifest(what, sizeof what, pol->manifest, pol->manifest_len, pol->manifest_is_vtpm);
	snprintf(got, sizeof got, "%zu bytes, bound by REPORT_DATA = SHA-512(binding || manifest)",
		 pol->manifest_len);
	vr_pass(res, "SVSM manifest", want, got);

	const char *check = pol->manifest_is_vtpm ? "vTPM EK SHA-256" : "SVSM manifest SHA-256";
	hex_encode(hex, digest, 32);
	snprintf(got, sizeof got, "%s (%s)", hex, what);
	if (!pol->has_manifest_sha256) {
		vr_pass(res, check, "any (not pinned: [svsm] vtpm_ek_sha256 would pin it)", got);
		return;
	}
	char want_hex[65];
	hex_encode(want_hex, pol->manifest_sha256, 32);
	snprintf(expected, sizeof expected, "%s ([svsm] vtpm_ek_sha256)", want_hex);
	if (memcmp(digest, pol->manifest_sha256, 32) == 0)
		vr_pass(res, check, expected, got);
	else
		vr_fail(res, check, expected, got);
}
