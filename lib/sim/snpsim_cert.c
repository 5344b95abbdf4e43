/* DER of the simulated platform's test certificates, laid out like AMD's
 * (compare `openssl asn1parse` of the real Milan VCEK and ARK). */
#include "snpsim_cert.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "der/der.h"
#include "der/der_write.h"
#include "x509/rsa_pss.h"
#include "x509/x509.h"
#include "base/err_text.h"

static const uint8_t oid_ou[] = {0x55, 0x04, 0x0b};
static const uint8_t oid_c[] = {0x55, 0x04, 0x06};
static const uint8_t oid_l[] = {0x55, 0x04, 0x07};
static const uint8_t oid_st[] = {0x55, 0x04, 0x08};
static const uint8_t oid_o[] = {0x55, 0x04, 0x0a};
static const uint8_t oid_cn[] = {0x55, 0x04, 0x03};
/* 1.3.6.1.4.1.3704.1 (AMD SEV arc); the extensions append one or two arcs. */
static const uint8_t amd_arc[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x9c, 0x78, 0x01};

#define SERIAL_LEN 16

static void put_attr(struct der_writer *w, const uint8_t *oid, size_t oid_len, uint8_t tag, const char *value)
{
	der_begin(w, DER_SET);
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, oid, oid_len);
	der_put_tlv(w, tag, value, strlen(value));
	der_end(w);
	der_end(w);
}

/* AMD's attribute order (OU, C, L, ST, O, CN), with names no one can take for AMD's. */
static void put_name(struct der_writer *w, enum snpsim_cert_kind kind, enum snp_product product)
{
	char cn[64];
	const char *family = snp_product_name(product);
	if (kind == SNPSIM_CERT_ARK)
		snprintf(cn, sizeof cn, "ARK-%s SNPBOOT-TEST-ONLY", family);
	else if (kind == SNPSIM_CERT_ASK)
		snprintf(cn, sizeof cn, "SEV-%s SNPBOOT-TEST-ONLY", family);
	else
		snprintf(cn, sizeof cn, "SEV-VCEK SNPBOOT-TEST-ONLY");
	der_begin(w, DER_SEQUENCE);
	put_attr(w, oid_ou, sizeof oid_ou, DER_UTF8_STRING, "SNPBOOT TEST ONLY");
	put_attr(w, oid_c, sizeof oid_c, DER_PRINTABLE_STRING, "US");
	put_attr(w, oid_l, sizeof oid_l, DER_UTF8_STRING, "Nowhere");
	put_attr(w, oid_st, sizeof oid_st, DER_UTF8_STRING, "CA");
	put_attr(w, oid_o, sizeof oid_o, DER_UTF8_STRING, "SNPBOOT TEST ONLY - NOT AMD");
	put_attr(w, oid_cn, sizeof oid_cn, DER_UTF8_STRING, cn);
	der_end(w);
}

static void put_sha384_alg(struct der_writer *w)
{
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, x509_oid_sha384, sizeof x509_oid_sha384);
	der_put_null(w);
	der_end(w);
}

/* RSASSA-PSS-params as AMD writes them: all four fields, trailerField 1 included. */
static void put_pss_alg(struct der_writer *w)
{
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, x509_oid_rsassa_pss, sizeof x509_oid_rsassa_pss);
	der_begin(w, DER_SEQUENCE);
	der_begin(w, DER_CTX_CONS(0));
	put_sha384_alg(w);
	der_end(w);
	der_begin(w, DER_CTX_CONS(1));
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, x509_oid_mgf1, sizeof x509_oid_mgf1);
	put_sha384_alg(w);
	der_end(w);
	der_end(w);
	der_begin(w, DER_CTX_CONS(2));
	der_put_small_uint(w, RSA_PSS_SHA384_SALT_LEN);
	der_end(w);
	der_begin(w, DER_CTX_CONS(3));
	der_put_small_uint(w, 1);
	der_end(w);
	der_end(w);
	der_end(w);
}

static void put_spki(struct der_writer *w, const struct snpsim_cert_spec *s)
{
	der_begin(w, DER_SEQUENCE);
	der_begin(w, DER_SEQUENCE);
	if (s->kind == SNPSIM_CERT_VCEK) {
		der_put_oid(w, x509_oid_ec_public_key, sizeof x509_oid_ec_public_key);
		der_put_oid(w, x509_oid_secp384r1, sizeof x509_oid_secp384r1);
		der_end(w);
		der_put_bit_string(w, s->ec_point, SNPSIM_EC_POINT_LEN);
	} else {
		der_put_oid(w, x509_oid_rsa_encryption, sizeof x509_oid_rsa_encryption);
		der_put_null(w);
		der_end(w);
		der_begin(w, DER_BIT_STRING);
		der_begin(w, DER_SEQUENCE);
		der_put_uint(w, s->rsa->n, s->rsa->nlen);
		der_put_uint(w, s->rsa->e, s->rsa->elen);
		der_end(w);
		der_end(w);
	}
	der_end(w);
}

/* Extension { OID, [critical TRUE], OCTET STRING { value } }; the value is written by the caller. */
static void begin_ext(struct der_writer *w, const uint8_t *oid, size_t oid_len, int critical)
{
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, oid, oid_len);
	if (critical)
		der_put_boolean(w, 1);
	der_begin(w, DER_OCTET_STRING);
}

static void end_ext(struct der_writer *w)
{
	der_end(w);
	der_end(w);
}

static void put_ca_extensions(struct der_writer *w, enum snpsim_cert_kind kind)
{
	/* keyUsage named bits, trailing zero bits dropped: keyCertSign|cRLSign = 0x06
	 * with 1 unused bit (ARK), keyCertSign = 0x04 with 2 unused bits (ASK). */
	static const uint8_t ku_ark[] = {0x01, 0x06};
	static const uint8_t ku_ask[] = {0x02, 0x04};
	begin_ext(w, x509_oid_key_usage, sizeof x509_oid_key_usage, 1);
	if (kind == SNPSIM_CERT_ARK)
		der_put_tlv(w, DER_BIT_STRING, ku_ark, sizeof ku_ark);
	else
		der_put_tlv(w, DER_BIT_STRING, ku_ask, sizeof ku_ask);
	end_ext(w);
	begin_ext(w, x509_oid_basic_constraints, sizeof x509_oid_basic_constraints, 1);
	der_begin(w, DER_SEQUENCE);
	der_put_boolean(w, 1);
	if (kind == SNPSIM_CERT_ASK)
		der_put_small_uint(w, 0); /* pathLenConstraint 0: the ASK signs leaves only */
	der_end(w);
	end_ext(w);
}

/* One AMD extension 1.3.6.1.4.1.3704.1.<a>[.<b>] (b = 0: none) holding an INTEGER. */
static void put_amd_int(struct der_writer *w, uint8_t a, uint8_t b, uint32_t value)
{
	uint8_t oid[sizeof amd_arc + 2];
	memcpy(oid, amd_arc, sizeof amd_arc);
	oid[sizeof amd_arc] = a;
	oid[sizeof amd_arc + 1] = b;
	begin_ext(w, oid, sizeof amd_arc + (b ? 2 : 1), 0);
	der_put_small_uint(w, value);
	end_ext(w);
}

static void put_vcek_extensions(struct der_writer *w, const struct snpsim_identity *id)
{
	int turin = id->product == SNP_PRODUCT_TURIN;
	uint8_t oid[sizeof amd_arc + 1];
	memcpy(oid, amd_arc, sizeof amd_arc);

	put_amd_int(w, 1, 0, turin ? 1 : 0); /* structVersion, as in the real VCEKs */
	oid[sizeof amd_arc] = 2;
	begin_ext(w, oid, sizeof oid, 0);
	const char *name = snpsim_product_name(id->product);
	der_put_tlv(w, DER_IA5_STRING, name, strlen(name));
	end_ext(w);
	if (turin)
		put_amd_int(w, 3, 9, id->tcb.fmc);
	put_amd_int(w, 3, 1, id->tcb.bootloader);
	put_amd_int(w, 3, 2, id->tcb.tee);
	for (uint8_t r = turin ? 5 : 4; r <= 7; r++)
		put_amd_int(w, 3, r, 0); /* reserved SPLs */
	put_amd_int(w, 3, 3, id->tcb.snp);
	put_amd_int(w, 3, 8, id->tcb.microcode);
	/* hwID: the raw CHIP_ID bytes are the extension value (no inner TLV). */
	oid[sizeof amd_arc] = 4;
	begin_ext(w, oid, sizeof oid, 0);
	der_put_raw(w, id->chip_id, turin ? 8 : 64);
	end_ext(w);
}

static int build_tbs(uint8_t *out, size_t cap, size_t *len, const struct snpsim_cert_spec *s,
		     const uint8_t serial[SERIAL_LEN], const char **why)
{
	struct der_writer w;
	der_writer_init(&w, out, cap);
	der_begin(&w, DER_SEQUENCE);
	der_begin(&w, DER_CTX_CONS(0));
	der_put_small_uint(&w, 2); /* v3 */
	der_end(&w);
	der_put_uint(&w, serial, SERIAL_LEN);
	put_pss_alg(&w);
	/* issuer: the ARK issues itself and the ASK, the ASK the VCEK */
	put_name(&w, s->kind == SNPSIM_CERT_VCEK ? SNPSIM_CERT_ASK : SNPSIM_CERT_ARK, s->id->product);
	der_begin(&w, DER_SEQUENCE);
	der_put_time(&w, s->not_before);
	der_put_time(&w, s->not_after);
	der_end(&w);
	put_name(&w, s->kind, s->id->product); /* subject */
	put_spki(&w, s);
	der_begin(&w, DER_CTX_CONS(3));
	der_begin(&w, DER_SEQUENCE);
	if (s->kind == SNPSIM_CERT_VCEK)
		put_vcek_extensions(&w, s->id);
	else
		put_ca_extensions(&w, s->kind);
	der_end(&w);
	der_end(&w);
	der_end(&w);
	return der_writer_finish(&w, len, why);
}

int snpsim_cert_build(uint8_t *out, size_t cap, size_t *len, const struct snpsim_cert_spec *spec,
		      br_hmac_drbg_context *rng, char *err, size_t err_len)
{
	static const char *const names[] = {"ARK", "ASK", "VCEK"};
	const char *name = names[spec->kind];
	uint8_t tbs[SNPSIM_CERT_MAX], serial[SERIAL_LEN], salt[RSA_PSS_SHA384_SALT_LEN], hash[48];
	uint8_t sig[SNPSIM_RSA_BITS / 8];
	size_t tbs_len, sig_len;
	const char *why;

	br_hmac_drbg_generate(rng, serial, sizeof serial);
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40); /* positive, full length */
	if (build_tbs(tbs, sizeof tbs, &tbs_len, spec, serial, &why))
		return err_set(err, err_len, "%s certificate: %s", name, why);

	br_sha384_context h;
	br_sha384_init(&h);
	br_sha384_update(&h, tbs, tbs_len);
	br_sha384_out(&h, hash);
	br_hmac_drbg_generate(rng, salt, sizeof salt);
	char why_sig[160];
	if (rsa_pss_sha384_sign(spec->issuer, hash, salt, sig, sizeof sig, &sig_len, why_sig, sizeof why_sig))
		return err_set(err, err_len, "%s certificate: %s", name, why_sig);

	struct der_writer w;
	der_writer_init(&w, out, cap);
	der_begin(&w, DER_SEQUENCE);
	der_put_raw(&w, tbs, tbs_len);
	put_pss_alg(&w);
	der_put_bit_string(&w, sig, sig_len);
	der_end(&w);
	if (der_writer_finish(&w, len, &why))
		return err_set(err, err_len, "%s certificate: %s", name, why);
	return 0;
}

/* Signs tbs (SHA-384, PSS, fresh salt) and wraps it: SEQUENCE { tbs, alg, BIT STRING sig }. */
static int sign_wrap(uint8_t *out, size_t cap, size_t *len, const uint8_t *tbs, size_t tbs_len,
		     const br_rsa_private_key *issuer, br_hmac_drbg_context *rng, const char **why, char *why_sig,
		     size_t why_sig_len)
{
	uint8_t salt[RSA_PSS_SHA384_SALT_LEN], hash[48], sig[SNPSIM_RSA_BITS / 8];
	size_t sig_len;
	br_sha384_context h;
	br_sha384_init(&h);
	br_sha384_update(&h, tbs, tbs_len);
	br_sha384_out(&h, hash);
	br_hmac_drbg_generate(rng, salt, sizeof salt);
	if (rsa_pss_sha384_sign(issuer, hash, salt, sig, sizeof sig, &sig_len, why_sig, why_sig_len)) {
		*why = why_sig;
		return -1;
	}
	struct der_writer w;
	der_writer_init(&w, out, cap);
	der_begin(&w, DER_SEQUENCE);
	der_put_raw(&w, tbs, tbs_len);
	put_pss_alg(&w);
	der_put_bit_string(&w, sig, sig_len);
	der_end(&w);
	return der_writer_finish(&w, len, why);
}

int snpsim_crl_build(uint8_t *out, size_t cap, size_t *len, enum snp_product product, const br_rsa_private_key *ark,
		     const struct snpsim_serial *serials, size_t n_serials, int64_t this_update, int64_t next_update,
		     br_hmac_drbg_context *rng, char *err, size_t err_len)
{
	uint8_t tbs[SNPSIM_CERT_MAX];
	size_t tbs_len;
	const char *why;
	char why_sig[160];
	struct der_writer w;
	der_writer_init(&w, tbs, sizeof tbs);
	der_begin(&w, DER_SEQUENCE);
	der_put_small_uint(&w, 1); /* v2 */
	put_pss_alg(&w);
	put_name(&w, SNPSIM_CERT_ARK, product);
	der_put_time(&w, this_update);
	der_put_time(&w, next_update);
	if (n_serials) {
		der_begin(&w, DER_SEQUENCE);
		for (size_t i = 0; i < n_serials; i++) {
			der_begin(&w, DER_SEQUENCE);
			der_put_tlv(&w, DER_INTEGER, serials[i].b, serials[i].len);
			der_put_time(&w, this_update);
			der_end(&w);
		}
		der_end(&w);
	}
	der_end(&w);
	if (der_writer_finish(&w, &tbs_len, &why))
		return err_set(err, err_len, "CRL: %s", why);
	if (sign_wrap(out, cap, len, tbs, tbs_len, ark, rng, &why, why_sig, sizeof why_sig))
		return err_set(err, err_len, "CRL: %s", why);
	return 0;
}
