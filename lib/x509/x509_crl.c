/*
 * CRL reader (RFC 5280 section 5). AMD's KDS CRL is signed by the ARK with
 * RSASSA-PSS and lists revoked ASK/VCEK serial numbers. A CRL carrying any
 * critical extension (list-wide or per entry) is refused: this reader
 * understands none, and RFC 5280 forbids using such a CRL otherwise.
 */
#include <string.h>

#include "x509_internal.h"

static int no_critical(struct der *d, const struct x509_ext *ext, size_t n, const uint8_t *at,
		       const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (ext[i].critical)
			return x509_fail(d, at, what, "critical CRL extension not understood");
	return 0;
}

/* Walks revokedCertificates; with serial != NULL, stops at a match (returns 1). */
static int walk_revoked(struct der *list, const struct x509_span *serial, size_t *count)
{
	struct der entry;
	struct der_tlv t;
	struct x509_ext ext[8];
	size_t n_ext, n = 0;
	int64_t when;
	const uint8_t *want = NULL;
	size_t want_len = 0;

	if (serial) {
		want = serial->p;
		want_len = serial->len;
		der_int_normalize(&want, &want_len);
	}
	while (!der_at_end(list)) {
		const uint8_t *at = list->p;
		if (der_enter(list, DER_SEQUENCE, &entry, "revokedCertificates entry") ||
		    der_serial(&entry, &t, "revokedCertificates.userCertificate") ||
		    der_time(&entry, &when, "revokedCertificates.revocationDate"))
			return -1;
		if (!der_at_end(&entry)) {
			if (x509_parse_extensions(&entry, ext, sizeof(ext) / sizeof(ext[0]), &n_ext,
						  "revokedCertificates.crlEntryExtensions") ||
			    no_critical(list, ext, n_ext, at, "revokedCertificates.crlEntryExtensions"))
				return -1;
		}
		if (der_finish(&entry, "revokedCertificates entry"))
			return -1;
		n++;
		if (serial) {
			const uint8_t *got = t.val;
			size_t got_len = t.len;
			der_int_normalize(&got, &got_len);
			if (got_len == want_len && memcmp(got, want, want_len) == 0)
				return 1;
		}
	}
	if (count)
		*count = n;
	return 0;
}

int x509_crl_parse(struct x509_crl *crl, const uint8_t *der, size_t len, char *err, size_t err_len)
{
	struct der top, cl, tbs, f, list;
	struct der_tlv t;
	enum x509_sig_alg tbs_alg;
	struct x509_span a1, a2;
	struct x509_ext ext[16];
	size_t n_ext;

	memset(crl, 0, sizeof(*crl));
	der_init(&top, der, len, err, err_len);
	if (der_expect(&top, DER_SEQUENCE, &t, "CertificateList") || der_finish(&top, "CertificateList"))
		return -1;
	crl->der.p = t.tlv;
	crl->der.len = t.tlv_len;
	der_open(&top, &t, &cl);
	if (der_expect(&cl, DER_SEQUENCE, &t, "tbsCertList"))
		return -1;
	crl->tbs.p = t.tlv;
	crl->tbs.len = t.tlv_len;
	der_open(&cl, &t, &tbs);

	if (der_peek_tag(&tbs) == DER_INTEGER) {
		uint32_t v;
		const uint8_t *at = tbs.p;
		if (der_uint32(&tbs, &v, "tbsCertList.version"))
			return -1;
		if (v != 1)
			return x509_fail(&tbs, at, "tbsCertList.version", "version is not 1 (v2)");
	}
	a1.p = tbs.p;
	if (x509_parse_sig_alg(&tbs, &tbs_alg, "tbsCertList.signature"))
		return -1;
	a1.len = (size_t)(tbs.p - a1.p);
	if (x509_parse_name(&tbs, &crl->issuer, "tbsCertList.issuer") ||
	    der_time(&tbs, &crl->this_update, "tbsCertList.thisUpdate"))
		return -1;
	if (der_peek_tag(&tbs) == DER_UTC_TIME || der_peek_tag(&tbs) == DER_GENERALIZED_TIME) {
		if (der_time(&tbs, &crl->next_update, "tbsCertList.nextUpdate"))
			return -1;
		crl->has_next_update = 1;
	}
	if (der_peek_tag(&tbs) == DER_SEQUENCE) {
		if (der_expect(&tbs, DER_SEQUENCE, &t, "tbsCertList.revokedCertificates"))
			return -1;
		crl->revoked.p = t.val;
		crl->revoked.len = t.len;
		der_open(&tbs, &t, &list);
		if (walk_revoked(&list, NULL, &crl->n_revoked) < 0)
			return -1;
	}
	if (der_peek_tag(&tbs) == DER_CTX_CONS(0)) {
		const uint8_t *at = tbs.p;
		if (der_enter(&tbs, DER_CTX_CONS(0), &f, "tbsCertList.crlExtensions") ||
		    x509_parse_extensions(&f, ext, sizeof(ext) / sizeof(ext[0]), &n_ext,
					  "tbsCertList.crlExtensions") ||
		    der_finish(&f, "tbsCertList.crlExtensions") ||
		    no_critical(&tbs, ext, n_ext, at, "tbsCertList.crlExtensions"))
			return -1;
	}
	if (der_finish(&tbs, "tbsCertList"))
		return -1;
	a2.p = cl.p;
	if (x509_parse_sig_alg(&cl, &crl->sig_alg, "signatureAlgorithm"))
		return -1;
	a2.len = (size_t)(cl.p - a2.p);
	if (!x509_span_equal(&a1, &a2))
		return x509_fail(&cl, a2.p, "signatureAlgorithm", "differs from tbsCertList.signature");
	if (der_bit_string(&cl, &crl->sig.p, &crl->sig.len, "signatureValue") ||
	    der_finish(&cl, "CertificateList"))
		return -1;
	return 0;
}

int x509_crl_lists(const struct x509_crl *crl, const struct x509_span *serial)
{
	struct der list;
	if (!crl->revoked.len)
		return 0;
	/* Already walked strictly by x509_crl_parse, so errors cannot happen here. */
	der_init(&list, crl->revoked.p, crl->revoked.len, NULL, 0);
	return walk_revoked(&list, serial, NULL) == 1;
}
