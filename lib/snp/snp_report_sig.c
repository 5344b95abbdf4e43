/* The report signature: ECDSA P-384 with SHA-384 over bytes 0x000-0x29F,
 * R and S stored as 72-byte little-endian integers (SNP ABI "ECDSA
 * signature" format). BearSSL wants them big-endian, 48 bytes each. */
#include <bearssl.h>
#include <string.h>

#include "base/bytes.h"
#include "snp_report.h"
#include "base/err_text.h"

#define P384_BYTES 48u

int snp_signature_to_raw(uint8_t out[96], const uint8_t r_le[72], const uint8_t s_le[72])
{
	/* A P-384 scalar fits in 48 bytes; anything in the top 24 is not a
	 * valid signature, and silently dropping it would make two byte
	 * strings verify the same. */
	if (!bytes_all_zero(r_le + P384_BYTES, SNP_SIG_COMPONENT_SIZE - P384_BYTES) ||
	    !bytes_all_zero(s_le + P384_BYTES, SNP_SIG_COMPONENT_SIZE - P384_BYTES))
		return -1;
	for (size_t i = 0; i < P384_BYTES; i++) {
		out[i] = r_le[P384_BYTES - 1 - i];
		out[P384_BYTES + i] = s_le[P384_BYTES - 1 - i];
	}
	return 0;
}

int snp_report_verify_signature(const struct snp_report *r, const uint8_t *pub, size_t pub_len, char *err,
				size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (r->signature_algo != SNP_SIG_ALGO_ECDSA_P384_SHA384)
		return err_set(err, errlen, "SIGNATURE_ALGO: expected 1 (ECDSA P-384 with SHA-384), got %u",
			    r->signature_algo);
	if (!pub || pub_len != 1 + 2 * P384_BYTES || pub[0] != 0x04)
		return err_set(err, errlen, "signing key: expected an uncompressed P-384 point (97 bytes), got %zu bytes",
			    pub ? pub_len : 0);

	uint8_t sig[2 * P384_BYTES];
	if (snp_signature_to_raw(sig, r->sig_r, r->sig_s))
		return err_set(err, errlen,
			    "SIGNATURE: R or S does not fit in 48 bytes (bytes 48-71 of a component must be zero)");

	uint8_t digest[br_sha384_SIZE];
	br_sha384_context h;
	br_sha384_init(&h);
	br_sha384_update(&h, r->raw, SNP_REPORT_SIGNED_SIZE);
	br_sha384_out(&h, digest);

	/* BearSSL takes a non-const key buffer; copy rather than cast away const. */
	uint8_t q[1 + 2 * P384_BYTES];
	memcpy(q, pub, sizeof q);
	br_ec_public_key pk = {.curve = BR_EC_secp384r1, .q = q, .qlen = sizeof q};
	if (br_ecdsa_i31_vrfy_raw(br_ec_get_default(), digest, sizeof digest, &pk, sig, sizeof sig) != 1)
		return err_set(err, errlen,
			    "SIGNATURE: does not verify with the signing key (ECDSA P-384/SHA-384 over bytes 0x000-0x29F)");
	return 0;
}
