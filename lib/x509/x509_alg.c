/* AlgorithmIdentifier and SubjectPublicKeyInfo parsing shared by certificates and CRLs. */
#include "x509_internal.h"

#include <string.h>

const uint8_t x509_oid_rsassa_pss[9] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
const uint8_t x509_oid_rsa_encryption[9] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
const uint8_t x509_oid_sha384[9] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
const uint8_t x509_oid_mgf1[9] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08};
const uint8_t x509_oid_ec_public_key[7] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
const uint8_t x509_oid_secp384r1[5] = {0x2b, 0x81, 0x04, 0x00, 0x22};
const uint8_t x509_oid_ecdsa_sha384[8] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
const uint8_t x509_oid_basic_constraints[3] = {0x55, 0x1d, 0x13};
const uint8_t x509_oid_key_usage[3] = {0x55, 0x1d, 0x0f};

int x509_fail(struct der *d, const uint8_t *at, const char *what, const char *problem)
{
	der_errf(d->err, d->err_len, "%s at offset %zu: %s", what, (size_t)(at - d->base), problem);
	return -1;
}

/* SHA-384 AlgorithmIdentifier: the OID, then NULL parameters or none (RFC 4055 allows both). */
static int sha384_alg_id(struct der *d, const char *what)
{
	struct der seq;
	struct der_tlv oid;
	if (der_enter(d, DER_SEQUENCE, &seq, what) || der_oid(&seq, &oid, what))
		return -1;
	if (!der_oid_eq(&oid, x509_oid_sha384, sizeof(x509_oid_sha384)))
		return x509_fail(d, oid.tlv, what, "hash algorithm is not SHA-384");
	if (!der_at_end(&seq) && der_null(&seq, what))
		return -1;
	return der_finish(&seq, what);
}

/*
 * RSASSA-PSS-params (RFC 4055 3.1). Every field has a SHA-1 based DEFAULT,
 * so [0], [1] and [2] must be present; [3] trailerField may only be 1.
 */
static int pss_params(struct der *d, const char *what)
{
	struct der params, f, mgf;
	struct der_tlv oid;
	uint32_t v;

	if (der_enter(d, DER_SEQUENCE, &params, what))
		return -1;
	if (der_peek_tag(&params) != DER_CTX_CONS(0))
		return x509_fail(&params, params.p, what,
				 "PSS hashAlgorithm absent (default SHA-1), expected SHA-384");
	if (der_enter(&params, DER_CTX_CONS(0), &f, what) || sha384_alg_id(&f, what) ||
	    der_finish(&f, what))
		return -1;
	if (der_peek_tag(&params) != DER_CTX_CONS(1))
		return x509_fail(&params, params.p, what,
				 "PSS maskGenAlgorithm absent (default MGF1-SHA-1), expected MGF1-SHA-384");
	if (der_enter(&params, DER_CTX_CONS(1), &f, what) || der_enter(&f, DER_SEQUENCE, &mgf, what) ||
	    der_oid(&mgf, &oid, what))
		return -1;
	if (!der_oid_eq(&oid, x509_oid_mgf1, sizeof(x509_oid_mgf1)))
		return x509_fail(&mgf, oid.tlv, what, "PSS mask generation function is not MGF1");
	if (sha384_alg_id(&mgf, what) || der_finish(&mgf, what) || der_finish(&f, what))
		return -1;
	if (der_peek_tag(&params) != DER_CTX_CONS(2))
		return x509_fail(&params, params.p, what, "PSS saltLength absent (default 20), expected 48");
	const uint8_t *at = params.p;
	if (der_enter(&params, DER_CTX_CONS(2), &f, what) || der_uint32(&f, &v, what) ||
	    der_finish(&f, what))
		return -1;
	if (v != 48) {
		der_errf(d->err, d->err_len, "%s at offset %zu: PSS saltLength %u, expected 48", what,
			 (size_t)(at - d->base), (unsigned)v);
		return -1;
	}
	if (der_peek_tag(&params) == DER_CTX_CONS(3)) {
		at = params.p;
		if (der_enter(&params, DER_CTX_CONS(3), &f, what) || der_uint32(&f, &v, what) ||
		    der_finish(&f, what))
			return -1;
		if (v != 1) {
			der_errf(d->err, d->err_len, "%s at offset %zu: PSS trailerField %u, expected 1",
				 what, (size_t)(at - d->base), (unsigned)v);
			return -1;
		}
	}
	return der_finish(&params, what);
}

int x509_parse_sig_alg(struct der *d, enum x509_sig_alg *alg, const char *what)
{
	struct der seq;
	struct der_tlv oid;
	if (der_enter(d, DER_SEQUENCE, &seq, what) || der_oid(&seq, &oid, what))
		return -1;
	if (der_oid_eq(&oid, x509_oid_rsassa_pss, sizeof(x509_oid_rsassa_pss))) {
		if (pss_params(&seq, what))
			return -1;
		*alg = X509_SIG_RSA_PSS_SHA384;
	} else if (der_oid_eq(&oid, x509_oid_ecdsa_sha384, sizeof(x509_oid_ecdsa_sha384))) {
		/* RFC 5758: parameters MUST be absent. */
		*alg = X509_SIG_ECDSA_SHA384;
	} else {
		return x509_fail(&seq, oid.tlv, what,
				 "unsupported signature algorithm, expected RSASSA-PSS or ecdsa-with-SHA384");
	}
	return der_finish(&seq, what);
}

static int rsa_public_key(struct der *d, struct x509_cert *c, const uint8_t *bits, size_t len)
{
	struct der k, seq;
	const char *what = "subjectPublicKeyInfo.RSAPublicKey";
	/* Same input base so offsets stay absolute. */
	k = *d;
	k.p = bits;
	k.end = bits + len;
	if (der_enter(&k, DER_SEQUENCE, &seq, what) || der_finish(&k, what))
		return -1;
	if (der_unsigned(&seq, &c->rsa_n.p, &c->rsa_n.len, "RSAPublicKey.modulus") ||
	    der_unsigned(&seq, &c->rsa_e.p, &c->rsa_e.len, "RSAPublicKey.publicExponent") ||
	    der_finish(&seq, what))
		return -1;
	if (c->rsa_e.len > 4 || (c->rsa_e.len == 1 && c->rsa_e.p[0] < 3))
		return x509_fail(d, c->rsa_e.p, "RSAPublicKey.publicExponent",
				 "exponent out of range, expected 3..2^32-1");
	if (c->rsa_n.len > 512)
		return x509_fail(d, c->rsa_n.p, "RSAPublicKey.modulus", "modulus longer than 4096 bits");
	c->key_type = X509_KEY_RSA;
	return 0;
}

int x509_parse_spki(struct der *d, struct x509_cert *c)
{
	struct der spki, alg;
	struct der_tlv t, oid;
	const uint8_t *bits;
	size_t len;
	const char *what = "subjectPublicKeyInfo";

	if (der_expect(d, DER_SEQUENCE, &t, what))
		return -1;
	c->spki.p = t.tlv;
	c->spki.len = t.tlv_len;
	der_open(d, &t, &spki);
	if (der_enter(&spki, DER_SEQUENCE, &alg, "subjectPublicKeyInfo.algorithm") ||
	    der_oid(&alg, &oid, "subjectPublicKeyInfo.algorithm"))
		return -1;
	if (der_oid_eq(&oid, x509_oid_rsa_encryption, sizeof(x509_oid_rsa_encryption))) {
		if (der_null(&alg, "subjectPublicKeyInfo.algorithm.parameters"))
			return -1;
	} else if (der_oid_eq(&oid, x509_oid_rsassa_pss, sizeof(x509_oid_rsassa_pss))) {
		/* id-RSASSA-PSS key: parameters optional; if present they must be ours. */
		if (!der_at_end(&alg) && pss_params(&alg, "subjectPublicKeyInfo.algorithm.parameters"))
			return -1;
	} else if (der_oid_eq(&oid, x509_oid_ec_public_key, sizeof(x509_oid_ec_public_key))) {
		struct der_tlv curve;
		if (der_oid(&alg, &curve, "subjectPublicKeyInfo.algorithm.namedCurve"))
			return -1;
		if (!der_oid_eq(&curve, x509_oid_secp384r1, sizeof(x509_oid_secp384r1)))
			return x509_fail(&alg, curve.tlv, "subjectPublicKeyInfo.algorithm.namedCurve",
					 "EC curve is not P-384 (secp384r1)");
		c->key_type = X509_KEY_EC_P384;
	} else {
		return x509_fail(&alg, oid.tlv, "subjectPublicKeyInfo.algorithm",
				 "unsupported key algorithm, expected RSA or EC P-384");
	}
	if (der_finish(&alg, "subjectPublicKeyInfo.algorithm") ||
	    der_bit_string(&spki, &bits, &len, "subjectPublicKeyInfo.subjectPublicKey") ||
	    der_finish(&spki, what))
		return -1;
	if (c->key_type == X509_KEY_EC_P384) {
		if (len != 97 || bits[0] != 0x04)
			return x509_fail(&spki, bits, "subjectPublicKeyInfo.subjectPublicKey",
					 "EC point is not 97 bytes uncompressed (04||X||Y)");
		c->ec_q.p = bits;
		c->ec_q.len = len;
		return 0;
	}
	return rsa_public_key(&spki, c, bits, len);
}

int x509_parse_name(struct der *d, struct x509_span *out, const char *what)
{
	struct der_tlv t;
	struct der name, rdn, atv;
	struct der_tlv oid, val;
	if (der_expect(d, DER_SEQUENCE, &t, what))
		return -1;
	out->p = t.tlv;
	out->len = t.tlv_len;
	der_open(d, &t, &name);
	/* Walk every RDN so malformed names are refused, not just skipped. */
	while (!der_at_end(&name)) {
		if (der_enter(&name, DER_SET, &rdn, what))
			return -1;
		if (der_at_end(&rdn))
			return x509_fail(&rdn, rdn.p, what, "empty RelativeDistinguishedName");
		while (!der_at_end(&rdn)) {
			if (der_enter(&rdn, DER_SEQUENCE, &atv, what) || der_oid(&atv, &oid, what) ||
			    der_next(&atv, &val, what) || der_finish(&atv, what))
				return -1;
			if (val.tag & 0x20)
				return x509_fail(&atv, val.tlv, what, "attribute value is constructed, expected a string");
		}
	}
	return 0;
}

int x509_parse_extensions(struct der *d, struct x509_ext *ext, size_t max, size_t *n_ext,
			  const char *what)
{
	struct der list, e;
	struct der_tlv oid;
	size_t n = 0;

	if (der_enter(d, DER_SEQUENCE, &list, what))
		return -1;
	if (der_at_end(&list))
		return x509_fail(&list, list.p, what, "empty Extensions, expected at least one");
	while (!der_at_end(&list)) {
		const uint8_t *at = list.p;
		if (n == max)
			return x509_fail(&list, at, what, "too many extensions for this reader");
		if (der_enter(&list, DER_SEQUENCE, &e, what) || der_oid(&e, &oid, what))
			return -1;
		ext[n].critical = 0;
		if (der_peek_tag(&e) == DER_BOOLEAN && der_boolean(&e, &ext[n].critical, what))
			return -1;
		if (der_octet_string(&e, &ext[n].value.p, &ext[n].value.len, what) || der_finish(&e, what))
			return -1;
		ext[n].oid.p = oid.val;
		ext[n].oid.len = oid.len;
		for (size_t i = 0; i < n; i++)
			if (x509_span_equal(&ext[i].oid, &ext[n].oid))
				return x509_fail(&list, at, what, "duplicate extension");
		n++;
	}
	*n_ext = n;
	return 0;
}

int x509_span_equal(const struct x509_span *a, const struct x509_span *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}
