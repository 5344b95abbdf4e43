/* X.509 v3 certificate reader and checks (RFC 5280 section 4). */
#include "x509.h"

#include <string.h>

#include "rsa_pss.h"
#include "x509_internal.h"

static int parse_tbs(struct der *d, struct x509_cert *c, struct x509_span *tbs_alg_span)
{
	struct der tbs, f, validity;
	struct der_tlv t;

	if (der_expect(d, DER_SEQUENCE, &t, "tbsCertificate"))
		return -1;
	c->tbs.p = t.tlv;
	c->tbs.len = t.tlv_len;
	der_open(d, &t, &tbs);

	c->version = 1;
	if (der_peek_tag(&tbs) == DER_CTX_CONS(0)) {
		uint32_t v;
		const uint8_t *at = tbs.p;
		if (der_enter(&tbs, DER_CTX_CONS(0), &f, "tbsCertificate.version") ||
		    der_uint32(&f, &v, "tbsCertificate.version") || der_finish(&f, "tbsCertificate.version"))
			return -1;
		/* v1 is the DEFAULT and so never encoded in DER. */
		if (v != 1 && v != 2)
			return x509_fail(&tbs, at, "tbsCertificate.version", "version value is not 1 (v2) or 2 (v3)");
		c->version = v + 1;
	}
	if (der_serial(&tbs, &t, "tbsCertificate.serialNumber"))
		return -1;
	c->serial.p = t.val;
	c->serial.len = t.len;

	enum x509_sig_alg tbs_alg;
	tbs_alg_span->p = tbs.p;
	if (x509_parse_sig_alg(&tbs, &tbs_alg, "tbsCertificate.signature"))
		return -1;
	tbs_alg_span->len = (size_t)(tbs.p - tbs_alg_span->p);

	if (x509_parse_name(&tbs, &c->issuer, "tbsCertificate.issuer"))
		return -1;
	if (der_enter(&tbs, DER_SEQUENCE, &validity, "tbsCertificate.validity") ||
	    der_time(&validity, &c->not_before, "tbsCertificate.validity.notBefore") ||
	    der_time(&validity, &c->not_after, "tbsCertificate.validity.notAfter") ||
	    der_finish(&validity, "tbsCertificate.validity"))
		return -1;
	if (x509_parse_name(&tbs, &c->subject, "tbsCertificate.subject"))
		return -1;
	if (x509_parse_spki(&tbs, c))
		return -1;
	/* issuerUniqueID [1], subjectUniqueID [2]: v2/v3 only, ignored. */
	for (int id = 1; id <= 2; id++) {
		if (der_peek_tag(&tbs) == DER_CTX_PRIM(id)) {
			if (c->version < 2)
				return x509_fail(&tbs, tbs.p, "tbsCertificate.uniqueID", "unique ID in a v1 certificate");
			if (der_next(&tbs, &t, "tbsCertificate.uniqueID"))
				return -1;
		}
	}
	c->n_ext = 0;
	if (der_peek_tag(&tbs) == DER_CTX_CONS(3)) {
		if (c->version != 3)
			return x509_fail(&tbs, tbs.p, "tbsCertificate.extensions", "extensions in a pre-v3 certificate");
		if (der_enter(&tbs, DER_CTX_CONS(3), &f, "tbsCertificate.extensions") ||
		    x509_parse_extensions(&f, c->ext, X509_MAX_EXTENSIONS, &c->n_ext,
					  "tbsCertificate.extensions") ||
		    der_finish(&f, "tbsCertificate.extensions"))
			return -1;
	}
	return der_finish(&tbs, "tbsCertificate");
}

int x509_parse(struct x509_cert *c, const uint8_t *der, size_t len, char *err, size_t err_len)
{
	struct der top, cert;
	struct der_tlv t;
	struct x509_span tbs_alg_span, outer_alg_span;

	memset(c, 0, sizeof(*c));
	der_init(&top, der, len, err, err_len);
	if (der_expect(&top, DER_SEQUENCE, &t, "Certificate") || der_finish(&top, "Certificate"))
		return -1;
	c->der.p = t.tlv;
	c->der.len = t.tlv_len;
	der_open(&top, &t, &cert);
	if (parse_tbs(&cert, c, &tbs_alg_span))
		return -1;
	outer_alg_span.p = cert.p;
	if (x509_parse_sig_alg(&cert, &c->sig_alg, "signatureAlgorithm"))
		return -1;
	outer_alg_span.len = (size_t)(cert.p - outer_alg_span.p);
	/* RFC 5280 4.1.1.2: the two must be identical (so checking one checks both). */
	if (!x509_span_equal(&tbs_alg_span, &outer_alg_span))
		return x509_fail(&cert, outer_alg_span.p, "signatureAlgorithm",
				 "differs from tbsCertificate.signature");
	if (der_bit_string(&cert, &c->sig.p, &c->sig.len, "signatureValue") ||
	    der_finish(&cert, "Certificate"))
		return -1;
	return 0;
}

const struct x509_ext *x509_find_ext(const struct x509_cert *c, const uint8_t *oid, size_t oid_len)
{
	for (size_t i = 0; i < c->n_ext; i++)
		if (c->ext[i].oid.len == oid_len && memcmp(c->ext[i].oid.p, oid, oid_len) == 0)
			return &c->ext[i];
	return NULL;
}

int x509_rsa_key(const struct x509_cert *c, br_rsa_public_key *pk, char *err, size_t err_len)
{
	if (c->key_type != X509_KEY_RSA) {
		der_errf(err, err_len, "public key is not RSA");
		return -1;
	}
	/* BearSSL's key struct is not const-qualified; it never writes through it. */
	pk->n = (unsigned char *)(uintptr_t)c->rsa_n.p;
	pk->nlen = c->rsa_n.len;
	pk->e = (unsigned char *)(uintptr_t)c->rsa_e.p;
	pk->elen = c->rsa_e.len;
	return 0;
}

int x509_ec_key(const struct x509_cert *c, br_ec_public_key *pk, uint8_t *q, size_t q_cap, char *err,
		size_t err_len)
{
	if (c->key_type != X509_KEY_EC_P384) {
		der_errf(err, err_len, "public key is not EC P-384");
		return -1;
	}
	if (q_cap < c->ec_q.len) {
		der_errf(err, err_len, "EC point buffer of %zu bytes, need %zu", q_cap, c->ec_q.len);
		return -1;
	}
	memcpy(q, c->ec_q.p, c->ec_q.len);
	pk->curve = BR_EC_secp384r1;
	pk->q = q;
	pk->qlen = c->ec_q.len;
	return 0;
}

int x509_verify_sig(const struct x509_span *signed_data, enum x509_sig_alg alg, const struct x509_span *sig,
		    const struct x509_cert *issuer, char *err, size_t err_len)
{
	uint8_t hash[48];
	br_sha384_context h;
	br_sha384_init(&h);
	br_sha384_update(&h, signed_data->p, signed_data->len);
	br_sha384_out(&h, hash);

	switch (alg) {
	case X509_SIG_RSA_PSS_SHA384: {
		br_rsa_public_key pk;
		if (issuer->key_type != X509_KEY_RSA) {
			der_errf(err, err_len, "RSA-PSS signature but the issuer key is not RSA");
			return -1;
		}
		x509_rsa_key(issuer, &pk, NULL, 0);
		return rsa_pss_sha384_verify(&pk, hash, sig->p, sig->len, err, err_len);
	}
	case X509_SIG_ECDSA_SHA384: {
		br_ec_public_key pk;
		uint8_t q[97];
		if (x509_ec_key(issuer, &pk, q, sizeof(q), err, err_len)) {
			der_err_prefix(err, err_len, "ECDSA signature but ");
			return -1;
		}
		if (!br_ecdsa_i31_vrfy_asn1(br_ec_get_default(), hash, sizeof(hash), &pk, sig->p, sig->len)) {
			der_errf(err, err_len, "ECDSA P-384 signature does not verify");
			return -1;
		}
		return 0;
	}
	default:
		der_errf(err, err_len, "unsupported signature algorithm");
		return -1;
	}
}

int x509_check_signature(const struct x509_cert *c, const struct x509_cert *issuer, char *err, size_t err_len)
{
	return x509_verify_sig(&c->tbs, c->sig_alg, &c->sig, issuer, err, err_len);
}

void x509_format_time(char *out, size_t cap, int64_t t)
{
	/* civil_from_days, the inverse of der.c's days_from_civil */
	int64_t z = (t >= 0 ? t : t - 86399) / 86400;
	int64_t secs = t - z * 86400;
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	der_errf(out, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m,
		 (long long)dd, (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60));
}

int x509_check_validity(const struct x509_cert *c, int64_t now, char *err, size_t err_len)
{
	char a[32], b[32];
	if (now < c->not_before) {
		x509_format_time(a, sizeof(a), now);
		x509_format_time(b, sizeof(b), c->not_before);
		der_errf(err, err_len, "not yet valid: now %s is before notBefore %s", a, b);
		return -1;
	}
	if (now > c->not_after) {
		x509_format_time(a, sizeof(a), now);
		x509_format_time(b, sizeof(b), c->not_after);
		der_errf(err, err_len, "expired: now %s is after notAfter %s", a, b);
		return -1;
	}
	return 0;
}

int x509_basic_constraints(const struct x509_cert *c, int *is_ca, char *err, size_t err_len)
{
	const struct x509_ext *e = x509_find_ext(c, x509_oid_basic_constraints, sizeof(x509_oid_basic_constraints));
	struct der d, seq;
	*is_ca = 0;
	if (!e)
		return 0;
	der_init(&d, e->value.p, e->value.len, err, err_len);
	if (der_enter(&d, DER_SEQUENCE, &seq, "basicConstraints") || der_finish(&d, "basicConstraints"))
		return -1;
	if (der_peek_tag(&seq) == DER_BOOLEAN && der_boolean(&seq, is_ca, "basicConstraints.cA"))
		return -1;
	if (!der_at_end(&seq)) {
		uint32_t plen;
		if (der_uint32(&seq, &plen, "basicConstraints.pathLenConstraint"))
			return -1;
	}
	return der_finish(&seq, "basicConstraints");
}

int x509_key_usage(const struct x509_cert *c, unsigned *key_usage, char *err, size_t err_len)
{
	const struct x509_ext *e = x509_find_ext(c, x509_oid_key_usage, sizeof(x509_oid_key_usage));
	struct der d;
	struct der_tlv t;
	*key_usage = 0xffff;
	if (!e)
		return 0;
	der_init(&d, e->value.p, e->value.len, err, err_len);
	if (der_expect(&d, DER_BIT_STRING, &t, "keyUsage") || der_finish(&d, "keyUsage"))
		return -1;
	/* A named bit list: unused-bits octet 0..7, and those bits zero. */
	if (t.len < 1 || t.val[0] > 7 || (t.len == 1 && t.val[0] != 0) ||
	    (t.len > 1 && (t.val[t.len - 1] & ((1u << t.val[0]) - 1)))) {
		der_errf(err, err_len, "keyUsage: malformed BIT STRING");
		return -1;
	}
	unsigned v = 0;
	if (t.len > 1)
		v |= (unsigned)t.val[1] << 8;
	if (t.len > 2)
		v |= t.val[2];
	*key_usage = v;
	return 0;
}
