/* libFuzzer target for the certificate side: the input is read as an X.509
 * certificate, as a CRL, and as PEM text. Whatever parses must keep its
 * promises (spans inside the input, key sizes, extension values), and the
 * follow-on steps (signature check, AMD extensions, report comparison,
 * revocation lookup) must fail cleanly, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snp/amd_cert.h"
#include "x509/pem.h"
#include "x509/x509.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static int inside(const struct x509_span *s, const uint8_t *buf, size_t len)
{
	return s->len == 0 || (s->p >= buf && s->len <= len && (size_t)(s->p - buf) <= len - s->len);
}

static void cert(const uint8_t *buf, size_t size)
{
	static struct x509_cert c;
	char err[256];
	err[0] = 'x';
	if (x509_parse(&c, buf, size, err, sizeof err) != 0) {
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));
		return;
	}
	CHECK(c.der.p == buf && c.der.len == size);
	CHECK(inside(&c.tbs, buf, size) && inside(&c.serial, buf, size) && inside(&c.issuer, buf, size));
	CHECK(inside(&c.subject, buf, size) && inside(&c.spki, buf, size) && inside(&c.sig, buf, size));
	CHECK(c.sig_alg == X509_SIG_RSA_PSS_SHA384 || c.sig_alg == X509_SIG_ECDSA_SHA384);
	CHECK(c.n_ext <= X509_MAX_EXTENSIONS);
	for (size_t i = 0; i < c.n_ext; i++)
		CHECK(inside(&c.ext[i].oid, buf, size) && inside(&c.ext[i].value, buf, size));
	if (c.key_type == X509_KEY_RSA)
		CHECK(c.rsa_n.len >= 1 && c.rsa_n.len <= 512 && c.rsa_n.p[0] != 0 && c.rsa_e.len <= 4);
	else
		CHECK(c.key_type == X509_KEY_EC_P384 && c.ec_q.len == 97 && c.ec_q.p[0] == 4);

	int ca;
	unsigned ku;
	x509_basic_constraints(&c, &ca, err, sizeof err);
	x509_key_usage(&c, &ku, err, sizeof err);
	x509_check_validity(&c, 1717200000, err, sizeof err);
	/* Self-signature: exercises RSA-PSS / ECDSA on attacker-chosen keys and signatures. */
	x509_check_signature(&c, &c, err, sizeof err);

	struct amd_vcek_ext ext;
	if (amd_vcek_ext_parse(buf, size, &ext, err, sizeof err) == 0) {
		CHECK(memchr(ext.product_name, '\0', sizeof ext.product_name));
		CHECK(memchr(ext.csp_id, '\0', sizeof ext.csp_id));
		CHECK(ext.hwid_len == 0 || ext.hwid_len == 8 || ext.hwid_len == 64);
		static const uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 0x73};
		uint8_t chip[64] = {0};
		memcpy(chip, ext.hwid, ext.hwid_len);
		for (int p = AMD_PRODUCT_UNKNOWN; p <= AMD_PRODUCT_TURIN; p++) {
			int n = amd_vcek_match_report(&ext, (enum amd_product)p, tcb, chip, err, sizeof err);
			CHECK(n >= -1 && n <= 6);
		}
	}
	br_ec_public_key pk;
	uint8_t q[AMD_EC_P384_POINT_LEN];
	if (amd_vcek_public_key(buf, size, &pk, q, err, sizeof err) == 0)
		CHECK(pk.q == q && pk.qlen == 97);
	/* The input as its own anchor and chain: every step may refuse, none may crash. */
	struct amd_certs certs = {NULL, 0, buf, size, buf, size, NULL, 0};
	struct amd_chain_opts o = {AMD_PRODUCT_UNKNOWN, buf, size, 1717200000, 0};
	struct amd_chain_result res;
	amd_chain_verify(&certs, &o, &res, err, sizeof err);
}

static void crl(const uint8_t *buf, size_t size)
{
	static struct x509_crl l;
	char err[256];
	if (x509_crl_parse(&l, buf, size, err, sizeof err) != 0)
		return;
	CHECK(l.der.p == buf && l.der.len == size && inside(&l.tbs, buf, size) && inside(&l.revoked, buf, size));
	static const struct x509_span serials[] = {
		{(const uint8_t *)"\x00", 1}, {(const uint8_t *)"\x10\x02", 2}, {(const uint8_t *)"\xff\x80", 2}};
	for (size_t i = 0; i < 3; i++)
		x509_crl_lists(&l, &serials[i]);
}

static void pem(const uint8_t *buf, size_t size)
{
	static uint8_t out[4096];
	size_t pos = 0, len, last = 0;
	char err[256];
	for (int i = 0; i < 8; i++) {
		int r = pem_next((const char *)buf, size, &pos, i & 1 ? NULL : "CERTIFICATE", out, sizeof out, &len, err,
				 sizeof err);
		if (r != 1)
			break;
		CHECK(len > 0 && len <= sizeof out && pos > last && pos <= size);
		last = pos;
		cert(out, len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy so ASan sees any read past the end. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	cert(buf, size);
	crl(buf, size);
	pem(buf, size);
	free(buf);
	return 0;
}
