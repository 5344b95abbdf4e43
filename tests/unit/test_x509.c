/* X.509 reader on the real AMD certificates, signature-algorithm parameter
 * checks on spliced variants, extensions, names, CRLs, and PEM. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "amd_test_vectors.h"
#include "x509/pem.h"
#include "x509/x509.h"
#include "x509/x509_internal.h"

static char err[512];

static uint8_t *read_all(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/testvectors/%s", shared_dir(), rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	uint8_t *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static uint8_t *load_pem(const char *rel, size_t *len)
{
	size_t flen, pos = 0;
	uint8_t *file = read_all(rel, &flen);
	uint8_t *der = malloc(flen);
	if (pem_next((const char *)file, flen, &pos, "CERTIFICATE", der, flen, len, err, sizeof(err)) != 1) {
		printf("Bail out! %s: %s\n", rel, err);
		exit(1);
	}
	free(file);
	return der;
}

/* Tiny DER writer for hand-made variants (short-form lengths only). */
static size_t tlv(uint8_t *out, uint8_t tag, const uint8_t *val, size_t len)
{
	out[0] = tag;
	out[1] = (uint8_t)len;
	if (len)
		memmove(out + 2, val, len);
	return len + 2;
}

static const uint8_t oid_pss[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
static const uint8_t oid_mgf1[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08};
static const uint8_t oid_sha384[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
static const uint8_t oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
static const uint8_t oid_ecdsa384[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
static const uint8_t oid_rsa_sha256[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};

/* hash AlgorithmIdentifier: SEQUENCE { oid [, NULL] } */
static size_t hash_alg(uint8_t *out, const uint8_t *oid, int with_null)
{
	uint8_t body[16];
	size_t n = tlv(body, 0x06, oid, 9);
	if (with_null)
		n += tlv(body + n, 0x05, NULL, 0);
	return tlv(out, 0x30, body, n);
}

struct pss_opts {
	const uint8_t *hash, *mgf, *mgf_hash;
	int hash_null, no_hash, no_mgf, no_salt, salt, trailer; /* trailer 0: absent */
};

static size_t pss_alg(uint8_t *out, const struct pss_opts *o)
{
	uint8_t params[128], tmp[64], mgf[64];
	size_t n = 0, m;
	if (!o->no_hash) {
		m = hash_alg(tmp, o->hash ? o->hash : oid_sha384, o->hash_null);
		n += tlv(params + n, 0xa0, tmp, m);
	}
	if (!o->no_mgf) {
		m = tlv(mgf, 0x06, o->mgf ? o->mgf : oid_mgf1, 9);
		m += hash_alg(mgf + m, o->mgf_hash ? o->mgf_hash : oid_sha384, 1);
		m = tlv(tmp, 0x30, mgf, m);
		n += tlv(params + n, 0xa1, tmp, m);
	}
	if (!o->no_salt) {
		uint8_t v = (uint8_t)o->salt;
		m = tlv(tmp, 0x02, &v, 1);
		n += tlv(params + n, 0xa2, tmp, m);
	}
	if (o->trailer) {
		uint8_t v = (uint8_t)o->trailer;
		m = tlv(tmp, 0x02, &v, 1);
		n += tlv(params + n, 0xa3, tmp, m);
	}
	uint8_t body[160];
	m = tlv(body, 0x06, oid_pss, 9);
	m += tlv(body + m, 0x30, params, n);
	return tlv(out, 0x30, body, m);
}

static size_t simple_alg(uint8_t *out, const uint8_t *oid, size_t oid_len, int with_null)
{
	uint8_t body[32];
	size_t n = tlv(body, 0x06, oid, oid_len);
	if (with_null)
		n += tlv(body + n, 0x05, NULL, 0);
	return tlv(out, 0x30, body, n);
}

/*
 * The real Milan VCEK with its two AlgorithmIdentifiers (tbsCertificate.signature
 * at offset 16, signatureAlgorithm at 771, 72 bytes each) replaced. The
 * Certificate and tbsCertificate headers are 30 82 hi lo and get new lengths.
 */
static uint8_t *vcek;
static size_t vcek_len;

static size_t with_algs(uint8_t *out, const uint8_t *inner, size_t inner_len, const uint8_t *outer, size_t outer_len)
{
	size_t o = 0;
	memcpy(out, vcek, 16);
	o = 16;
	memcpy(out + o, inner, inner_len);
	o += inner_len;
	memcpy(out + o, vcek + 88, 771 - 88);
	o += 771 - 88;
	memcpy(out + o, outer, outer_len);
	o += outer_len;
	memcpy(out + o, vcek + 843, vcek_len - 843);
	o += vcek_len - 843;
	size_t tbs = (16 - 8) + inner_len + (771 - 88);
	out[6] = (uint8_t)(tbs >> 8), out[7] = (uint8_t)tbs;
	out[2] = (uint8_t)((o - 4) >> 8), out[3] = (uint8_t)(o - 4);
	return o;
}

static int parse_algs(const uint8_t *inner, size_t inner_len, const uint8_t *outer, size_t outer_len,
		      struct x509_cert *c)
{
	static uint8_t buf[4096];
	size_t n = with_algs(buf, inner, inner_len, outer, outer_len);
	return x509_parse(c, buf, n, err, sizeof(err));
}

static void test_sig_algs(void)
{
	struct x509_cert c;
	uint8_t a[200], b[200];
	size_t an, bn;
	struct pss_opts amd = {.hash_null = 1, .salt = 48, .trailer = 1};

	ok(vcek_len == 1360 && vcek[16] == 0x30 && vcek[17] == 70 && vcek[771] == 0x30 && vcek[772] == 70,
	   "Milan VCEK layout as expected for splicing");
	an = pss_alg(a, &amd);
	ok(an == 72 && !memcmp(a, vcek + 16, 72), "rebuilt AMD PSS AlgorithmIdentifier equals the real one");
	ok(parse_algs(a, an, a, an, &c) == 0 && c.sig_alg == X509_SIG_RSA_PSS_SHA384, "unchanged splice parses: %s",
	   err);

	struct pss_opts o = amd;
	o.trailer = 0;
	bn = pss_alg(b, &o);
	ok(parse_algs(b, bn, b, bn, &c) == 0 && c.sig_alg == X509_SIG_RSA_PSS_SHA384,
	   "trailerField absent (DEFAULT 1) accepted: %s", err);
	ok(parse_algs(b, bn, a, an, &c) < 0 && strstr(err, "differs from tbsCertificate.signature"),
	   "inner and outer algorithm differ: %s", err);
	o = amd, o.hash_null = 0;
	bn = pss_alg(b, &o);
	ok(parse_algs(b, bn, b, bn, &c) == 0, "SHA-384 without NULL parameters accepted: %s", err);

	static const struct {
		struct pss_opts o;
		const char *name, *want;
	} bad[] = {
		{{.hash_null = 1, .salt = 32, .trailer = 1}, "salt 32", "saltLength 32, expected 48"},
		{{.hash_null = 1, .salt = 20, .trailer = 1}, "salt 20", "saltLength 20"},
		{{.hash_null = 1, .salt = 48, .trailer = 2}, "trailer 2", "trailerField 2, expected 1"},
		{{.hash = oid_sha256, .hash_null = 1, .salt = 48}, "hash SHA-256", "hash algorithm is not SHA-384"},
		{{.mgf_hash = oid_sha256, .hash_null = 1, .salt = 48}, "MGF1-SHA-256", "hash algorithm is not SHA-384"},
		{{.mgf = oid_pss, .hash_null = 1, .salt = 48}, "MGF not MGF1", "not MGF1"},
		{{.no_hash = 1, .salt = 48}, "hash absent (SHA-1 default)", "hashAlgorithm absent"},
		{{.no_mgf = 1, .hash_null = 1, .salt = 48}, "MGF absent (MGF1-SHA-1 default)", "maskGenAlgorithm absent"},
		{{.no_salt = 1, .hash_null = 1}, "salt absent (20 default)", "saltLength absent"},
		{{.no_hash = 1, .no_mgf = 1, .no_salt = 1}, "empty PSS parameters", "hashAlgorithm absent"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bn = pss_alg(b, &bad[i].o);
		ok(parse_algs(b, bn, b, bn, &c) < 0 && strstr(err, bad[i].want), "%s refused: %s", bad[i].name, err);
	}
	/* PSS OID with no parameters at all */
	bn = simple_alg(b, oid_pss, 9, 0);
	ok(parse_algs(b, bn, b, bn, &c) < 0, "PSS without parameters refused: %s", err);
	bn = simple_alg(b, oid_rsa_sha256, 9, 1);
	ok(parse_algs(b, bn, b, bn, &c) < 0 && strstr(err, "unsupported signature algorithm"),
	   "sha256WithRSAEncryption refused: %s", err);
	bn = simple_alg(b, oid_ecdsa384, 8, 1);
	ok(parse_algs(b, bn, b, bn, &c) < 0 && strstr(err, "trailing"), "ecdsa-with-SHA384 with NULL refused: %s", err);
	bn = simple_alg(b, oid_ecdsa384, 8, 0);
	ok(parse_algs(b, bn, b, bn, &c) == 0 && c.sig_alg == X509_SIG_ECDSA_SHA384, "ecdsa-with-SHA384 parses");
	struct x509_cert ask;
	size_t ask_len;
	uint8_t *ask_der = load_pem("amd/milan/ask.pem", &ask_len);
	ok(x509_parse(&ask, ask_der, ask_len, err, sizeof(err)) == 0, "Milan ASK parses");
	ok(x509_check_signature(&c, &ask, err, sizeof(err)) < 0 && strstr(err, "ECDSA signature but"),
	   "ECDSA signature with an RSA issuer refused: %s", err);
	free(ask_der);
}

static void test_real_fields(void)
{
	struct x509_cert ark, ask, v;
	size_t ark_len, ask_len;
	uint8_t *ark_der = load_pem("amd/milan/ark.pem", &ark_len), *ask_der = load_pem("amd/milan/ask.pem", &ask_len);
	ok(x509_parse(&ark, ark_der, ark_len, err, sizeof(err)) == 0, "Milan ARK: %s", err);
	ok(x509_parse(&ask, ask_der, ask_len, err, sizeof(err)) == 0, "Milan ASK: %s", err);
	ok(x509_parse(&v, vcek, vcek_len, err, sizeof(err)) == 0, "Milan VCEK: %s", err);

	is_int(ark.version, 3, "ARK v3");
	ok(ark.serial.len == 3 && !memcmp(ark.serial.p, "\x01\x00\x00", 3), "ARK serial 0x010000");
	is_int(ark.not_before, 1603387385, "ARK notBefore 2020-10-22T17:23:05Z");
	is_int(ark.not_after, 2392305785, "ARK notAfter 2045-10-22T17:23:05Z");
	is_int(ark.key_type, X509_KEY_RSA, "ARK RSA key");
	ok(ark.rsa_n.len == 512 && ark.rsa_n.p[0] == 0xd0, "ARK modulus 512 bytes, sign byte stripped");
	ok(ark.rsa_e.len == 3 && !memcmp(ark.rsa_e.p, "\x01\x00\x01", 3), "ARK e = 65537");
	ok(ark.sig.len == 512, "ARK signature 512 bytes");
	is_int(ark.n_ext, 4, "ARK has 4 extensions");
	ok(x509_span_equal(&ark.issuer, &ark.subject), "ARK self-issued");
	ok(x509_span_equal(&ask.issuer, &ark.subject) && x509_span_equal(&v.issuer, &ask.subject), "names chain");
	ok(!x509_span_equal(&v.subject, &ask.subject), "VCEK subject differs from ASK subject");

	int ca;
	unsigned ku;
	ok(x509_basic_constraints(&ark, &ca, err, sizeof(err)) == 0 && ca == 1, "ARK cA TRUE");
	ok(x509_key_usage(&ark, &ku, err, sizeof(err)) == 0 && ku == (X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN),
	   "ARK keyUsage keyCertSign|cRLSign (0x%04x)", ku);
	ok(x509_basic_constraints(&ask, &ca, err, sizeof(err)) == 0 && ca == 1, "ASK cA TRUE (pathlen 0)");
	ok(x509_key_usage(&ask, &ku, err, sizeof(err)) == 0 && ku == X509_KU_KEY_CERT_SIGN, "ASK keyUsage keyCertSign");
	ok(x509_basic_constraints(&v, &ca, err, sizeof(err)) == 0 && ca == 0, "VCEK has no basicConstraints");
	ok(x509_key_usage(&v, &ku, err, sizeof(err)) == 0 && ku == 0xffff, "VCEK has no keyUsage");
	ok(ark.ext[0].critical == 1, "ARK keyUsage critical");

	ok(v.serial.len == 1 && v.serial.p[0] == 0, "VCEK serial is zero (non-positive, accepted)");
	is_int(v.key_type, X509_KEY_EC_P384, "VCEK key P-384");
	ok(v.ec_q.len == 97 && v.ec_q.p[0] == 0x04 && v.ec_q.p[1] == 0xa1, "VCEK point 04 a1 7a ..");
	is_int(v.n_ext, 11, "VCEK has 11 extensions");
	static const uint8_t pn_oid[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x9c, 0x78, 0x01, 0x02};
	const struct x509_ext *e = x509_find_ext(&v, pn_oid, sizeof(pn_oid));
	ok(e && e->value.len == 10 && !memcmp(e->value.p, "\x16\x08Milan-B0", 10) && !e->critical,
	   "productName extension found");
	ok(x509_find_ext(&v, pn_oid, sizeof(pn_oid) - 1) == NULL, "OID prefix does not match");

	br_rsa_public_key rk;
	br_ec_public_key ek;
	uint8_t q[97];
	ok(x509_rsa_key(&v, &rk, err, sizeof(err)) < 0, "VCEK has no RSA key");
	ok(x509_ec_key(&ark, &ek, q, sizeof(q), err, sizeof(err)) < 0, "ARK has no EC key");
	ok(x509_ec_key(&v, &ek, q, 96, err, sizeof(err)) < 0 && strstr(err, "need 97"), "small point buffer: %s", err);
	ok(x509_ec_key(&v, &ek, q, sizeof(q), err, sizeof(err)) == 0 && ek.q == q && ek.curve == BR_EC_secp384r1,
	   "EC key copied");

	ok(x509_check_validity(&v, v.not_before, err, sizeof(err)) == 0, "valid at notBefore");
	ok(x509_check_validity(&v, v.not_after, err, sizeof(err)) == 0, "valid at notAfter");
	ok(x509_check_validity(&v, v.not_after + 1, err, sizeof(err)) < 0 && strstr(err, "expired"),
	   "expired a second later: %s", err);
	ok(x509_check_validity(&v, v.not_before - 1, err, sizeof(err)) < 0 && strstr(err, "not yet valid"),
	   "not yet valid a second before");
	char t[32];
	x509_format_time(t, sizeof(t), 0);
	is_str(t, "1970-01-01T00:00:00Z", "epoch formatted");
	x509_format_time(t, sizeof(t), -1);
	is_str(t, "1969-12-31T23:59:59Z", "negative time formatted");
	free(ark_der);
	free(ask_der);
}

static void test_pieces(void)
{
	struct der d;
	struct x509_ext ext[4];
	size_t n;
	struct x509_span sp;
	{
		/* Extensions: explicit FALSE accepted, BOOLEAN 0x01 refused, duplicates refused. */
		static const uint8_t ok_ext[] = {0x30, 0x11, 0x30, 0x08, 0x06, 0x01, 0x2a, 0x01, 0x01, 0x00, 0x04, 0x00,
						 0x30, 0x05, 0x06, 0x01, 0x2b, 0x04, 0x00};
		der_init(&d, ok_ext, sizeof(ok_ext), err, sizeof(err));
		ok(x509_parse_extensions(&d, ext, 4, &n, "ext") == 0 && n == 2 && ext[0].critical == 0,
		   "extensions with an explicit FALSE: %s", err);
		der_init(&d, ok_ext, sizeof(ok_ext), err, sizeof(err));
		ok(x509_parse_extensions(&d, ext, 1, &n, "ext") < 0 && strstr(err, "too many"), "too many: %s", err);
		static const uint8_t dup[] = {0x30, 0x0a, 0x30, 0x03, 0x06, 0x01, 0x2a, 0x30, 0x03, 0x06, 0x01, 0x2a};
		der_init(&d, dup, sizeof(dup), err, sizeof(err));
		ok(x509_parse_extensions(&d, ext, 4, &n, "ext") < 0, "extension without a value refused: %s", err);
		static const uint8_t dup2[] = {0x30, 0x0e, 0x30, 0x05, 0x06, 0x01, 0x2a, 0x04, 0x00,
					       0x30, 0x05, 0x06, 0x01, 0x2a, 0x04, 0x00};
		der_init(&d, dup2, sizeof(dup2), err, sizeof(err));
		ok(x509_parse_extensions(&d, ext, 4, &n, "ext") < 0 && strstr(err, "duplicate"), "duplicate: %s", err);
		static const uint8_t empty[] = {0x30, 0x00};
		der_init(&d, empty, sizeof(empty), err, sizeof(err));
		ok(x509_parse_extensions(&d, ext, 4, &n, "ext") < 0 && strstr(err, "empty"), "empty list: %s", err);
		static const uint8_t bool1[] = {0x30, 0x08, 0x30, 0x06, 0x06, 0x01, 0x2a, 0x01, 0x01, 0x01};
		der_init(&d, bool1, sizeof(bool1), err, sizeof(err));
		ok(x509_parse_extensions(&d, ext, 4, &n, "ext") < 0, "critical 0x01 refused: %s", err);
	}
	{
		static const uint8_t name_ok[] = {0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x00};
		der_init(&d, name_ok, sizeof(name_ok), err, sizeof(err));
		ok(x509_parse_name(&d, &sp, "name") == 0 && sp.len == sizeof(name_ok), "Name with one RDN");
		static const uint8_t name_empty_rdn[] = {0x30, 0x02, 0x31, 0x00};
		der_init(&d, name_empty_rdn, sizeof(name_empty_rdn), err, sizeof(err));
		ok(x509_parse_name(&d, &sp, "name") < 0 && strstr(err, "empty RelativeDistinguishedName"),
		   "empty RDN refused: %s", err);
		static const uint8_t name_cons[] = {0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x30, 0x00};
		der_init(&d, name_cons, sizeof(name_cons), err, sizeof(err));
		ok(x509_parse_name(&d, &sp, "name") < 0 && strstr(err, "constructed"), "constructed value refused: %s", err);
		static const uint8_t name_empty[] = {0x30, 0x00};
		der_init(&d, name_empty, sizeof(name_empty), err, sizeof(err));
		ok(x509_parse_name(&d, &sp, "name") == 0, "empty Name allowed (issuer checks compare bytes)");
	}
}

static void test_ecdsa(void)
{
	struct x509_cert c;
	ok(x509_parse(&c, tv_ec_root, sizeof(tv_ec_root), err, sizeof(err)) == 0, "EC root parses: %s", err);
	ok(c.sig_alg == X509_SIG_ECDSA_SHA384 && c.key_type == X509_KEY_EC_P384, "ECDSA-SHA384, P-384 key");
	ok(x509_check_signature(&c, &c, err, sizeof(err)) == 0, "ECDSA self-signature: %s", err);
	uint8_t buf[sizeof(tv_ec_root)];
	memcpy(buf, tv_ec_root, sizeof(buf));
	buf[sizeof(buf) - 1] ^= 1;
	struct x509_cert m;
	ok(x509_parse(&m, buf, sizeof(buf), err, sizeof(err)) < 0 || x509_check_signature(&m, &c, err, sizeof(err)) < 0,
	   "ECDSA signature bit flip refused: %s", err);
	memcpy(buf, tv_ec_root, sizeof(buf));
	buf[c.tbs.p - tv_ec_root + c.tbs.len - 1] ^= 1;
	ok(x509_parse(&m, buf, sizeof(buf), err, sizeof(err)) < 0 || x509_check_signature(&m, &c, err, sizeof(err)) < 0,
	   "ECDSA TBS bit flip refused: %s", err);
}

static void test_crl(void)
{
	struct x509_crl crl;
	ok(x509_crl_parse(&crl, tv_crl, sizeof(tv_crl), err, sizeof(err)) == 0, "test CRL parses: %s", err);
	is_int(crl.n_revoked, 3, "3 revoked entries");
	is_int(crl.this_update, 1704067200, "thisUpdate 2024-01-01");
	ok(crl.has_next_update && crl.next_update == 2493072000, "nextUpdate 2049-01-01");
	is_int(crl.sig_alg, X509_SIG_RSA_PSS_SHA384, "CRL signed with PSS");
	struct x509_span s1002 = {(const uint8_t *)"\x10\x02", 2}, s1002nm = {(const uint8_t *)"\x00\x10\x02", 3},
			 s55 = {(const uint8_t *)"\x55", 1}, s1001 = {(const uint8_t *)"\x10\x01", 2},
			 s0 = {(const uint8_t *)"\x00", 1}, sneg = {(const uint8_t *)"\xff\x55", 2};
	ok(x509_crl_lists(&crl, &s1002), "0x1002 listed");
	ok(x509_crl_lists(&crl, &s1002nm), "0x1002 listed, non-minimal query");
	ok(x509_crl_lists(&crl, &s55), "0x55 listed");
	ok(!x509_crl_lists(&crl, &s1001), "0x1001 not listed");
	ok(!x509_crl_lists(&crl, &s0), "0 not listed");
	ok(!x509_crl_lists(&crl, &sneg), "-171 not listed (sign matters)");
	struct x509_cert ark;
	ok(x509_parse(&ark, tv_ark, sizeof(tv_ark), err, sizeof(err)) == 0, "test ARK parses");
	ok(x509_verify_sig(&crl.tbs, crl.sig_alg, &crl.sig, &ark, err, sizeof(err)) == 0, "CRL signature by test ARK: %s",
	   err);
	ok(x509_crl_parse(&crl, tv_crl_forged, sizeof(tv_crl_forged), err, sizeof(err)) == 0 && crl.n_revoked == 0 &&
		   !x509_crl_lists(&crl, &s1002),
	   "CRL without entries lists nothing");
	ok(x509_crl_parse(&crl, tv_ark, sizeof(tv_ark), err, sizeof(err)) < 0, "a certificate is not a CRL: %s", err);
	uint8_t buf[sizeof(tv_crl) + 1];
	memcpy(buf, tv_crl, sizeof(tv_crl));
	buf[sizeof(tv_crl)] = 0;
	ok(x509_crl_parse(&crl, buf, sizeof(buf), err, sizeof(err)) < 0 && strstr(err, "trailing"),
	   "trailing byte after a CRL refused");
}

static void test_pem(void)
{
	uint8_t out[64];
	size_t len, pos = 0;
	static const char two[] = "junk before\n-----BEGIN CERTIFICATE-----\r\nAAEC\r\nAw==\r\n-----END CERTIFICATE-----\n"
				  "-----BEGIN PRIVATE KEY-----\nBQ==\n-----END PRIVATE KEY-----\n"
				  "-----BEGIN CERTIFICATE-----\n  BAUG \n\t-----END CERTIFICATE-----\n";
	ok(pem_detect(two, strlen(two)), "PEM detected");
	ok(!pem_detect("\x30\x82\x01\x00", 4), "DER not PEM");
	ok(pem_next(two, strlen(two), &pos, "CERTIFICATE", out, sizeof(out), &len, err, sizeof(err)) == 1 && len == 4 &&
		   !memcmp(out, "\x00\x01\x02\x03", 4),
	   "block 1 with CRLF: %s", err);
	ok(pem_next(two, strlen(two), &pos, "CERTIFICATE", out, sizeof(out), &len, err, sizeof(err)) == 1 && len == 3 &&
		   !memcmp(out, "\x04\x05\x06", 3),
	   "key block skipped, block 2 with spaces");
	ok(pem_next(two, strlen(two), &pos, "CERTIFICATE", out, sizeof(out), &len, err, sizeof(err)) == 0, "no more");
	pos = 0;
	ok(pem_next(two, strlen(two), &pos, NULL, out, sizeof(out), &len, err, sizeof(err)) == 1 &&
		   pem_next(two, strlen(two), &pos, NULL, out, sizeof(out), &len, err, sizeof(err)) == 1 && len == 1 &&
		   out[0] == 5,
	   "any label: the key block is returned");
	pos = 0;
	ok(pem_next(two, strlen(two), &pos, NULL, out, 3, &len, err, sizeof(err)) < 0, "output too small: %s", err);

	static const struct {
		const char *text, *want, *name;
	} bad[] = {
		{"-----BEGIN CERTIFICATE-----\nAAEC\n", "no END", "missing END"},
		{"-----BEGIN CERTIFICATE-----\nAAEC\n-----END KEY-----\n", "does not match", "END label differs"},
		{"-----BEGIN CERTIFICATE-----\nAA=C\n-----END CERTIFICATE-----\n", "bad base64", "= inside"},
		{"-----BEGIN CERTIFICATE-----\nAA==AAAA\n-----END CERTIFICATE-----\n", "after padding", "data after ="},
		{"-----BEGIN CERTIFICATE-----\nAAE\n-----END CERTIFICATE-----\n", "multiple of 4", "length 3"},
		{"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", "empty", "empty block"},
		{"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\nAAEC\n-----END CERTIFICATE-----\n", "header",
		 "header line"},
		{"-----BEGIN CERTIFICATE\nAAEC\n-----END CERTIFICATE-----\n", "not closed", "BEGIN without dashes"},
		{"-----BEGIN CERTIFICATE-----\nA*EC\n-----END CERTIFICATE-----\n", "bad base64", "bad character"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pos = 0;
		ok(pem_next(bad[i].text, strlen(bad[i].text), &pos, "CERTIFICATE", out, sizeof(out), &len, err,
			    sizeof(err)) < 0 &&
			   strstr(err, bad[i].want),
		   "%s refused: %s", bad[i].name, err);
	}
	pos = 0;
	ok(pem_next("", 0, &pos, NULL, out, sizeof(out), &len, err, sizeof(err)) == 0, "empty text: no block");
	size_t clen;
	uint8_t *chain = read_all("real/milan/cert_chain.pem", &clen);
	uint8_t der[4096];
	int blocks = 0;
	pos = 0;
	while (pem_next((const char *)chain, clen, &pos, "CERTIFICATE", der, sizeof(der), &len, err, sizeof(err)) == 1)
		blocks++;
	is_int(blocks, 2, "KDS cert_chain.pem holds 2 certificates");
	free(chain);
}

int main(void)
{
	vcek = read_all("real/milan/vcek.der", &vcek_len);
	test_real_fields();
	test_sig_algs();
	test_pieces();
	test_ecdsa();
	test_crl();
	test_pem();
	free(vcek);
	return done_testing();
}
