/* ARK -> ASK -> VCEK (or ARK -> ASVK -> VLEK) chain verification. */
#include <stdio.h>
#include <string.h>

#include "amd_cert.h"
#include "amd_internal.h"
#include "der/der.h"
#include "x509/rsa_pss.h"
#include "x509/x509.h"

struct chain {
	struct x509_cert ark, ask, vcek;
	const char *ask_name, *vcek_name; /* "ASK"/"VCEK" or "ASVK"/"VLEK" */
};

static int parse(struct x509_cert *c, const uint8_t *der, size_t len, const char *name, char *err, size_t err_len)
{
	char prefix[16];
	if (!der || !len) {
		der_errf(err, err_len, "%s: certificate missing", name);
		return -1;
	}
	if (x509_parse(c, der, len, err, err_len)) {
		der_errf(prefix, sizeof(prefix), "%s: ", name);
		der_err_prefix(err, err_len, prefix);
		return -1;
	}
	return 0;
}

/* RFC 5280: a critical extension the verifier does not process makes the certificate unusable. */
static int critical_known(const struct x509_cert *c, const char *name, char *err, size_t err_len)
{
	for (size_t i = 0; i < c->n_ext; i++) {
		const struct x509_ext *e = &c->ext[i];
		if (!e->critical)
			continue;
		if ((e->oid.len == 3 && !memcmp(e->oid.p, x509_oid_basic_constraints, 3)) ||
		    (e->oid.len == 3 && !memcmp(e->oid.p, x509_oid_key_usage, 3)))
			continue;
		der_errf(err, err_len, "%s: unknown critical extension #%zu", name, i);
		return -1;
	}
	return 0;
}

static int check_rsa4096(const struct x509_cert *c, const char *name, char *err, size_t err_len)
{
	if (c->key_type != X509_KEY_RSA) {
		der_errf(err, err_len, "%s: key is not RSA, expected RSA-4096", name);
		return -1;
	}
	size_t bits = rsa_pss_bit_length(c->rsa_n.p, c->rsa_n.len);
	if (bits != 4096) {
		der_errf(err, err_len, "%s: RSA key of %zu bits, expected 4096", name, bits);
		return -1;
	}
	return 0;
}

static int check_ca(const struct x509_cert *c, const char *name, char *err, size_t err_len)
{
	int is_ca;
	unsigned ku;
	char prefix[16];
	der_errf(prefix, sizeof(prefix), "%s: ", name);
	if (x509_basic_constraints(c, &is_ca, err, err_len) || x509_key_usage(c, &ku, err, err_len)) {
		der_err_prefix(err, err_len, prefix);
		return -1;
	}
	if (!is_ca) {
		der_errf(err, err_len, "%s: basicConstraints cA is not TRUE, expected a CA certificate", name);
		return -1;
	}
	if (!(ku & X509_KU_KEY_CERT_SIGN)) {
		der_errf(err, err_len, "%s: keyUsage lacks keyCertSign", name);
		return -1;
	}
	return 0;
}

static int check_sig(const struct x509_cert *c, const struct x509_cert *issuer, const char *name,
		     const char *issuer_name, char *err, size_t err_len)
{
	char prefix[64];
	if (c->sig_alg != X509_SIG_RSA_PSS_SHA384) {
		der_errf(err, err_len, "%s: signature algorithm is not RSASSA-PSS SHA-384", name);
		return -1;
	}
	if (!x509_span_equal(&c->issuer, &issuer->subject)) {
		der_errf(err, err_len, "%s: issuer name differs from the %s subject name", name, issuer_name);
		return -1;
	}
	if (x509_check_signature(c, issuer, err, err_len)) {
		der_errf(prefix, sizeof(prefix), "%s: signature by %s invalid: ", name, issuer_name);
		der_err_prefix(err, err_len, prefix);
		return -1;
	}
	return 0;
}

static int check_time(const struct x509_cert *c, time_t now, const char *name, char *err, size_t err_len)
{
	char prefix[16];
	if (x509_check_validity(c, (int64_t)now, err, err_len)) {
		der_errf(prefix, sizeof(prefix), "%s: ", name);
		der_err_prefix(err, err_len, prefix);
		return -1;
	}
	return 0;
}

static int check_crl(const struct amd_certs *certs, const struct chain *ch, time_t now, char *err, size_t err_len)
{
	struct x509_crl crl;
	if (x509_crl_parse(&crl, certs->crl, certs->crl_len, err, err_len)) {
		der_err_prefix(err, err_len, "CRL: ");
		return -1;
	}
	if (crl.sig_alg != X509_SIG_RSA_PSS_SHA384) {
		der_errf(err, err_len, "CRL: signature algorithm is not RSASSA-PSS SHA-384");
		return -1;
	}
	if (!x509_span_equal(&crl.issuer, &ch->ark.subject)) {
		der_errf(err, err_len, "CRL: issuer name differs from the ARK subject name");
		return -1;
	}
	if (x509_verify_sig(&crl.tbs, crl.sig_alg, &crl.sig, &ch->ark, err, err_len)) {
		der_err_prefix(err, err_len, "CRL: signature by ARK invalid: ");
		return -1;
	}
	char a[32], b[32];
	x509_format_time(a, sizeof(a), (int64_t)now);
	if ((int64_t)now < crl.this_update) {
		x509_format_time(b, sizeof(b), crl.this_update);
		der_errf(err, err_len, "CRL: not yet valid: now %s is before thisUpdate %s", a, b);
		return -1;
	}
	/* An outdated list may miss recent revocations: refuse it rather than trust it. */
	if (crl.has_next_update && (int64_t)now > crl.next_update) {
		x509_format_time(b, sizeof(b), crl.next_update);
		der_errf(err, err_len, "CRL: stale: now %s is after nextUpdate %s (a current CRL is needed)", a, b);
		return -1;
	}
	const struct {
		const struct x509_cert *c;
		const char *name;
	} listed[] = {{&ch->ask, ch->ask_name}, {&ch->vcek, ch->vcek_name}};
	for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
		if (!x509_crl_lists(&crl, &listed[i].c->serial))
			continue;
		char hex[2 * 32 + 4];
		size_t n = listed[i].c->serial.len < 32 ? listed[i].c->serial.len : 32;
		for (size_t j = 0; j < n; j++)
			snprintf(hex + 2 * j, 3, "%02x", listed[i].c->serial.p[j]);
		x509_format_time(b, sizeof(b), crl.this_update);
		der_errf(err, err_len, "%s serial %s%s: revoked by the ARK's CRL (thisUpdate %s)", listed[i].name, hex,
			 listed[i].c->serial.len > 32 ? "..." : "", b);
		return -1;
	}
	return 0;
}

int amd_chain_verify(const struct amd_certs *certs, const struct amd_chain_opts *opts,
		     struct amd_chain_result *out, char *err, size_t err_len)
{
	/* About 3 KiB of parse state: static would not be reentrant, so it lives on the stack. */
	struct chain ch;
	const uint8_t *ark = certs->ark;
	size_t ark_len = certs->ark_len;
	enum amd_product product = opts->product;

	memset(out, 0, sizeof(*out));
	if (err && err_len)
		err[0] = '\0';
	if (opts->anchor) {
		if (!ark) {
			ark = opts->anchor;
			ark_len = opts->anchor_len;
		} else if (ark_len != opts->anchor_len || memcmp(ark, opts->anchor, ark_len) != 0) {
			der_errf(err, err_len, "ARK: differs from the configured trust anchor");
			return -1;
		}
	}
	if (parse(&ch.ark, ark, ark_len, "ARK", err, err_len) ||
	    parse(&ch.vcek, certs->vcek, certs->vcek_len, "VCEK", err, err_len) ||
	    amd_vcek_ext_from_cert(&ch.vcek, &out->ext, err, err_len))
		return -1;
	out->is_vlek = (out->ext.present & AMD_EXT_CSP_ID) != 0;
	ch.ask_name = out->is_vlek ? "ASVK" : "ASK";
	ch.vcek_name = out->is_vlek ? "VLEK" : "VCEK";
	if (parse(&ch.ask, certs->ask, certs->ask_len, ch.ask_name, err, err_len))
		return -1;
	if (out->is_vlek && (out->ext.present & AMD_EXT_HWID)) {
		der_errf(err, err_len, "VLEK: carries both hwID (.4) and cspId (.5)");
		return -1;
	}
	if (!out->is_vlek && !(out->ext.present & AMD_EXT_HWID)) {
		der_errf(err, err_len, "VCEK: neither hwID (.4) nor cspId (.5) present");
		return -1;
	}

	/* Product: the caller's, the certificate's productName, and the root must agree. */
	if (out->ext.present & AMD_EXT_PRODUCT_NAME) {
		enum amd_product named = amd_product_from_name(out->ext.product_name, strlen(out->ext.product_name));
		if (named == AMD_PRODUCT_UNKNOWN) {
			der_errf(err, err_len, "%s: productName \"%s\" is not Milan, Genoa or Turin", ch.vcek_name,
				 out->ext.product_name);
			return -1;
		}
		if (product != AMD_PRODUCT_UNKNOWN && product != named) {
			der_errf(err, err_len, "%s: productName \"%s\", expected %s", ch.vcek_name,
				 out->ext.product_name, amd_product_name(product));
			return -1;
		}
		product = named;
	}
	if (product == AMD_PRODUCT_UNKNOWN) {
		der_errf(err, err_len, "%s: no productName and no product given", ch.vcek_name);
		return -1;
	}
	out->product = product;
	if (!opts->anchor && amd_root_is_pinned(ark, ark_len, product, err, err_len))
		return -1;

	if (check_rsa4096(&ch.ark, "ARK", err, err_len) || check_rsa4096(&ch.ask, ch.ask_name, err, err_len))
		return -1;
	if (ch.vcek.key_type != X509_KEY_EC_P384) {
		der_errf(err, err_len, "%s: key is not EC P-384", ch.vcek_name);
		return -1;
	}
	if (critical_known(&ch.ark, "ARK", err, err_len) || critical_known(&ch.ask, ch.ask_name, err, err_len) ||
	    critical_known(&ch.vcek, ch.vcek_name, err, err_len) || check_ca(&ch.ark, "ARK", err, err_len) ||
	    check_ca(&ch.ask, ch.ask_name, err, err_len))
		return -1;
	if (!x509_span_equal(&ch.ark.issuer, &ch.ark.subject)) {
		der_errf(err, err_len, "ARK: not self-issued (issuer name differs from subject name)");
		return -1;
	}
	/* The ARK signs intermediates only: it may not stand in for its own ASK. */
	if (x509_span_equal(&ch.ask.subject, &ch.ark.subject)) {
		der_errf(err, err_len, "%s: has the ARK's subject name, expected an intermediate", ch.ask_name);
		return -1;
	}
	if (check_sig(&ch.ark, &ch.ark, "ARK", "ARK (self)", err, err_len) ||
	    check_sig(&ch.ask, &ch.ark, ch.ask_name, "ARK", err, err_len) ||
	    check_sig(&ch.vcek, &ch.ask, ch.vcek_name, ch.ask_name, err, err_len))
		return -1;
	if (check_time(&ch.ark, opts->now, "ARK", err, err_len) ||
	    check_time(&ch.ask, opts->now, ch.ask_name, err, err_len) ||
	    check_time(&ch.vcek, opts->now, ch.vcek_name, err, err_len))
		return -1;

	if (certs->crl && certs->crl_len) {
		if (check_crl(certs, &ch, opts->now, err, err_len))
			return -1;
		out->crl_checked = 1;
	} else if (opts->require_crl) {
		der_errf(err, err_len, "CRL: required but none given");
		return -1;
	}
	if (x509_ec_key(&ch.vcek, &out->vcek_key, out->vcek_q, sizeof(out->vcek_q), err, err_len)) {
		der_err_prefix(err, err_len, "VCEK: ");
		return -1;
	}
	return 0;
}
