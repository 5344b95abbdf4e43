/* P-384 SubjectPublicKeyInfo out of a certificate; see chan_cert.h. */
#include "chan_cert.h"

#include "der/der.h"

static const uint8_t oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}; /* 1.2.840.10045.2.1 */
static const uint8_t oid_secp384r1[] = {0x2b, 0x81, 0x04, 0x00, 0x22};                /* 1.3.132.0.34 */
static const uint8_t oid_rsa_encryption[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_secp256r1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_secp521r1[] = {0x2b, 0x81, 0x04, 0x00, 0x23};

/* A name for the key types people will actually try, so the refusal is clear. */
static const char *curve_name(const struct der_tlv *oid)
{
	if (der_oid_eq(oid, oid_secp256r1, sizeof(oid_secp256r1)))
		return "P-256";
	if (der_oid_eq(oid, oid_secp521r1, sizeof(oid_secp521r1)))
		return "P-521";
	return "an unknown curve";
}

static int parse_spki(const struct der *tbs, const struct der_tlv *spki, struct chan_cert_key *key, char *err,
		      size_t err_len)
{
	struct der s, alg;
	struct der_tlv oid;
	const uint8_t *bits;
	size_t nbits;

	der_open(tbs, spki, &s);
	if (der_enter(&s, DER_SEQUENCE, &alg, "subjectPublicKeyInfo.algorithm") ||
	    der_oid(&alg, &oid, "subjectPublicKeyInfo.algorithm.algorithm"))
		return -1;
	if (!der_oid_eq(&oid, oid_ec_public_key, sizeof(oid_ec_public_key))) {
		der_errf(err, err_len, "certificate key is %s, expected EC P-384",
			 der_oid_eq(&oid, oid_rsa_encryption, sizeof(oid_rsa_encryption)) ? "RSA" : "not EC");
		return -1;
	}
	/* ECParameters: only namedCurve; explicit curve parameters are refused. */
	if (der_oid(&alg, &oid, "subjectPublicKeyInfo.algorithm.namedCurve") ||
	    der_finish(&alg, "subjectPublicKeyInfo.algorithm"))
		return -1;
	if (!der_oid_eq(&oid, oid_secp384r1, sizeof(oid_secp384r1))) {
		der_errf(err, err_len, "certificate key is EC on %s, expected P-384 (secp384r1)", curve_name(&oid));
		return -1;
	}
	if (der_bit_string(&s, &bits, &nbits, "subjectPublicKeyInfo.subjectPublicKey") ||
	    der_finish(&s, "subjectPublicKeyInfo"))
		return -1;
	if (nbits != CHAN_P384_POINT_LEN || bits[0] != 0x04) {
		der_errf(err, err_len, "certificate P-384 key is not an uncompressed point (%zu bytes, first 0x%02x)",
			 nbits, nbits ? bits[0] : 0u);
		return -1;
	}
	key->spki = spki->tlv;
	key->spki_len = spki->tlv_len;
	key->q = bits;
	return 0;
}

int chan_cert_p384_key(const uint8_t *der, size_t len, struct chan_cert_key *key, char *err, size_t err_len)
{
	struct der top, cert, tbs;
	struct der_tlv t;

	key->spki = key->q = NULL;
	key->spki_len = 0;
	der_init(&top, der, len, err, err_len);
	if (der_enter(&top, DER_SEQUENCE, &cert, "Certificate") || der_finish(&top, "Certificate") ||
	    der_enter(&cert, DER_SEQUENCE, &tbs, "tbsCertificate"))
		return -1;
	if (der_peek_tag(&tbs) == DER_CTX_CONS(0) && der_next(&tbs, &t, "tbsCertificate.version"))
		return -1;
	if (der_serial(&tbs, &t, "tbsCertificate.serialNumber") ||
	    der_expect(&tbs, DER_SEQUENCE, &t, "tbsCertificate.signature") ||
	    der_expect(&tbs, DER_SEQUENCE, &t, "tbsCertificate.issuer") ||
	    der_expect(&tbs, DER_SEQUENCE, &t, "tbsCertificate.validity") ||
	    der_expect(&tbs, DER_SEQUENCE, &t, "tbsCertificate.subject") ||
	    der_expect(&tbs, DER_SEQUENCE, &t, "tbsCertificate.subjectPublicKeyInfo"))
		return -1;
	return parse_spki(&tbs, &t, key, err, err_len);
}
