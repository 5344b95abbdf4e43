/*
 * Pinned AMD roots (ARKs). What is pinned is the SHA-384 of each ARK's
 * SubjectPublicKeyInfo DER (the exact bytes inside the certificate, tag and
 * length included): the key is what makes a root, and an ARK re-issued with
 * new dates but the same key stays trusted.
 *
 * Computed from AMD's ARK certificates as served by KDS
 * (https://kdsintf.amd.com/vcek/v1/{Milan,Genoa,Turin}/cert_chain, kept in
 * ../shared/testvectors/amd/<product>/ark.pem) with
 *   openssl x509 -in ark.pem -pubkey -noout | openssl pkey -pubin -outform der \
 *     | openssl dgst -sha384
 * and cross-checked by tests/unit/test_amd_chain.c, which hashes the SPKI
 * span found by this project's own X.509 reader.
 */
#include "amd_cert.h"

#include <string.h>

#include "base/bytes.h"
#include "der/der.h"
#include "x509/x509.h"

/* ARK-Milan, RSA-4096, notBefore 2020-10-22 */
static const uint8_t milan_ark_spki_sha384[AMD_ROOT_FP_LEN] = {
	0x12, 0x49, 0xf6, 0x7f, 0x15, 0xcf, 0x22, 0x9a, 0x40, 0x69, 0x19, 0x5e,
	0x1a, 0x9c, 0xe5, 0x37, 0xd1, 0x76, 0x5e, 0xf7, 0x06, 0xa1, 0xf4, 0xa1,
	0x23, 0xc3, 0x6b, 0xe9, 0x51, 0x87, 0x86, 0x51, 0x5d, 0x25, 0xec, 0xc0,
	0x07, 0xf3, 0x66, 0xb5, 0x64, 0xd2, 0xb3, 0xf3, 0x1c, 0x48, 0x08, 0x2e,
};
/* ARK-Genoa, RSA-4096, notBefore 2022-01-26 */
static const uint8_t genoa_ark_spki_sha384[AMD_ROOT_FP_LEN] = {
	0x32, 0xab, 0x53, 0xa6, 0xce, 0x5e, 0xc1, 0x49, 0x26, 0x20, 0x73, 0x96,
	0xe5, 0xc4, 0x75, 0xae, 0x76, 0x8a, 0x6a, 0x98, 0x31, 0xb7, 0xe8, 0x60,
	0xb5, 0xac, 0xf2, 0xe1, 0xc1, 0xdf, 0xf2, 0x22, 0xbc, 0x5a, 0x8b, 0xfc,
	0x43, 0xeb, 0x5e, 0x06, 0x39, 0x31, 0x89, 0xc1, 0xf2, 0x46, 0xd8, 0x80,
};
/* ARK-Turin, RSA-4096, notBefore 2023-05-15 */
static const uint8_t turin_ark_spki_sha384[AMD_ROOT_FP_LEN] = {
	0x34, 0x75, 0xf0, 0x8a, 0x97, 0x27, 0xf8, 0xac, 0x9a, 0x1d, 0xea, 0xea,
	0x5f, 0x2a, 0x20, 0x97, 0xaa, 0x59, 0xd6, 0x4d, 0x05, 0xc2, 0xa6, 0x78,
	0xc2, 0x29, 0xc8, 0x73, 0xe6, 0x35, 0x9d, 0x3a, 0x69, 0x26, 0x28, 0x7a,
	0x2a, 0x22, 0xcd, 0x5f, 0x88, 0xa3, 0x85, 0xe3, 0x33, 0xa2, 0xfc, 0xc5,
};

const uint8_t *amd_root_spki_sha384(enum amd_product p)
{
	switch (p) {
	case AMD_PRODUCT_MILAN: return milan_ark_spki_sha384;
	case AMD_PRODUCT_GENOA: return genoa_ark_spki_sha384;
	case AMD_PRODUCT_TURIN: return turin_ark_spki_sha384;
	default: return NULL;
	}
}

static enum amd_product pinned_product_of(const uint8_t fp[AMD_ROOT_FP_LEN])
{
	for (int p = AMD_PRODUCT_MILAN; p <= AMD_PRODUCT_TURIN; p++)
		if (memcmp(fp, amd_root_spki_sha384((enum amd_product)p), AMD_ROOT_FP_LEN) == 0)
			return (enum amd_product)p;
	return AMD_PRODUCT_UNKNOWN;
}

int amd_root_is_pinned(const uint8_t *der, size_t len, enum amd_product p, char *err, size_t err_len)
{
	struct x509_cert c;
	uint8_t fp[AMD_ROOT_FP_LEN];
	char hex[2 * 8 + 1];
	br_sha384_context h;

	const uint8_t *want = amd_root_spki_sha384(p);
	if (!want) {
		der_errf(err, err_len, "ARK: no pinned root for product %s", amd_product_name(p));
		return -1;
	}
	if (x509_parse(&c, der, len, err, err_len)) {
		der_err_prefix(err, err_len, "ARK: ");
		return -1;
	}
	br_sha384_init(&h);
	br_sha384_update(&h, c.spki.p, c.spki.len);
	br_sha384_out(&h, fp);
	if (memcmp(fp, want, AMD_ROOT_FP_LEN) != 0) {
		enum amd_product other = pinned_product_of(fp);
		hex_encode(hex, fp, 8);
		if (other != AMD_PRODUCT_UNKNOWN)
			der_errf(err, err_len, "ARK: is the pinned %s root, expected the %s root",
				 amd_product_name(other), amd_product_name(p));
		else
			der_errf(err, err_len,
				 "ARK: public key SHA-384 %s... is not the pinned AMD %s root", hex,
				 amd_product_name(p));
		return -1;
	}
	return 0;
}
