/* DER writer, self-signed P-384 certificates and the channel's SPKI reader;
 * certificates are checked with the independent X.509 reader (x509.h). */
#include <stdint.h>
#include <string.h>

#include "../tap.h"
#include "chan/chan_cert.h"
#include "der/der.h"
#include "der/der_write.h"
#include "chan/selfcert.h"
#include "x509/x509.h"

static int written(struct der_writer *w, const uint8_t *want, size_t want_len)
{
	size_t len;
	return der_writer_finish(w, &len, NULL) == 0 && len == want_len && memcmp(w->buf, want, len) == 0;
}

static void test_der_integers(void)
{
	uint8_t buf[64];
	struct der_writer w;
	static const uint8_t zero[] = {0x02, 0x01, 0x00}, small[] = {0x02, 0x01, 0x7f}, pad[] = {0x02, 0x02, 0x00, 0x80},
			     v2[] = {0x02, 0x01, 0x02}, big[] = {0x02, 0x04, 0x12, 0x34, 0x56, 0x78};
	static const uint8_t mag80[] = {0x00, 0x00, 0x80}, zeros[] = {0, 0, 0};

	der_writer_init(&w, buf, sizeof(buf));
	der_put_uint(&w, zeros, sizeof(zeros));
	ok(written(&w, zero, sizeof(zero)), "INTEGER 0 from all-zero bytes is 02 01 00");
	der_writer_init(&w, buf, sizeof(buf));
	der_put_small_uint(&w, 0x7f);
	ok(written(&w, small, sizeof(small)), "INTEGER 127 is one content byte");
	der_writer_init(&w, buf, sizeof(buf));
	der_put_uint(&w, mag80, sizeof(mag80));
	ok(written(&w, pad, sizeof(pad)), "INTEGER 128: leading zeros dropped, sign byte added");
	der_writer_init(&w, buf, sizeof(buf));
	der_put_small_uint(&w, 2);
	ok(written(&w, v2, sizeof(v2)), "INTEGER 2");
	der_writer_init(&w, buf, sizeof(buf));
	der_put_small_uint(&w, 0x12345678);
	ok(written(&w, big, sizeof(big)), "INTEGER 0x12345678");
}

static void test_der_lengths_and_nesting(void)
{
	static uint8_t buf[1024], val[300];
	struct der_writer w;
	size_t len;
	const char *why;

	memset(val, 0x5a, sizeof(val));
	der_writer_init(&w, buf, sizeof(buf));
	der_put_octet_string(&w, val, 127);
	ok(der_writer_finish(&w, &len, NULL) == 0 && len == 129 && buf[1] == 127, "127 bytes: short length form");
	der_writer_init(&w, buf, sizeof(buf));
	der_put_octet_string(&w, val, 200);
	ok(der_writer_finish(&w, &len, NULL) == 0 && len == 203 && buf[1] == 0x81 && buf[2] == 200,
	   "200 bytes: 81 c8");
	der_writer_init(&w, buf, sizeof(buf));
	der_put_octet_string(&w, val, 300);
	ok(der_writer_finish(&w, &len, NULL) == 0 && len == 304 && buf[1] == 0x82 && buf[2] == 1 && buf[3] == 0x2c,
	   "300 bytes: 82 01 2c");

	/* Nested elements whose lengths need the long form: contents moved right. */
	der_writer_init(&w, buf, sizeof(buf));
	der_begin(&w, DER_SEQUENCE);
	der_begin(&w, DER_SEQUENCE);
	der_put_octet_string(&w, val, 250);
	der_end(&w);
	der_put_null(&w);
	der_end(&w);
	ok(der_writer_finish(&w, &len, NULL) == 0, "nested SEQUENCEs finish");
	struct der d, outer, inner;
	const uint8_t *v;
	size_t vlen;
	char err[160];
	der_init(&d, buf, len, err, sizeof(err));
	ok(der_enter(&d, DER_SEQUENCE, &outer, "outer") == 0 && der_finish(&d, "top") == 0 &&
		   der_enter(&outer, DER_SEQUENCE, &inner, "inner") == 0 &&
		   der_octet_string(&inner, &v, &vlen, "os") == 0 && vlen == 250 && memcmp(v, val, 250) == 0 &&
		   der_finish(&inner, "inner") == 0 && der_null(&outer, "null") == 0 && der_finish(&outer, "outer") == 0,
	   "the strict DER reader reads it back exactly");

	der_writer_init(&w, buf, 100);
	der_put_octet_string(&w, val, 200);
	der_put_null(&w);
	ok(der_writer_finish(&w, &len, &why) < 0, "overflow is reported at finish");
	is_str(why, "DER output buffer too small", "  message");
	der_writer_init(&w, buf, sizeof(buf));
	der_begin(&w, DER_SEQUENCE);
	ok(der_writer_finish(&w, &len, &why) < 0, "unclosed element reported");
	der_writer_init(&w, buf, sizeof(buf));
	der_end(&w);
	ok(der_writer_finish(&w, &len, &why) < 0, "der_end without der_begin reported");
	is_str(why, "der_end without der_begin", "  message");
	der_writer_init(&w, buf, sizeof(buf));
	for (int i = 0; i <= DER_WRITER_MAX_DEPTH; i++)
		der_begin(&w, DER_SEQUENCE);
	ok(der_writer_finish(&w, &len, &why) < 0, "nesting deeper than the limit reported");

	der_writer_init(&w, buf, sizeof(buf));
	der_begin(&w, DER_BIT_STRING);
	der_put_null(&w);
	der_end(&w);
	static const uint8_t bits[] = {0x03, 0x03, 0x00, 0x05, 0x00};
	ok(written(&w, bits, sizeof(bits)), "BIT STRING wrapper gets its unused-bits octet");
}

static void test_der_time(void)
{
	static const struct {
		int64_t t;
		const char *text;
	} cases[] = {
		{0, "700101000000Z"},
		{951782400, "000229000000Z"},           /* leap day 2000 */
		{2524607999, "491231235959Z"},          /* last UTCTime second */
		{2524608000, "20500101000000Z"},        /* first GeneralizedTime year */
		{-631152001, "19491231235959Z"},        /* before UTCTime's range */
		{253402300799, "99991231235959Z"},      /* RFC 5280 "no expiration" */
	};
	uint8_t buf[32];
	struct der_writer w;
	size_t len;
	char err[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t tl = strlen(cases[i].text);
		der_writer_init(&w, buf, sizeof(buf));
		der_put_time(&w, cases[i].t);
		ok(der_writer_finish(&w, &len, NULL) == 0 && len == tl + 2 &&
			   buf[0] == (tl == 13 ? DER_UTC_TIME : DER_GENERALIZED_TIME) && memcmp(buf + 2, cases[i].text, tl) == 0,
		   "time %lld is %s", (long long)cases[i].t, cases[i].text);
		/* The 1950-2049 window is UTCTime only; other years read back
		 * through the independent reader where it accepts them. */
		struct der d;
		int64_t back = 0;
		der_init(&d, buf, len, err, sizeof(err));
		if (der_time(&d, &back, "t") == 0)
			is_int(back, cases[i].t, "  reads back as the same second");
		else
			diag("der_time does not read %s: %s", cases[i].text, err);
	}
	der_writer_init(&w, buf, sizeof(buf));
	der_put_time(&w, 253402300800);
	ok(der_writer_finish(&w, &len, NULL) < 0, "year 10000 refused");
}

static void test_selfcert_generated(void)
{
	static struct selfcert a, b;
	struct x509_cert x;
	char err[200];
	int is_ca;
	unsigned ku;

	ok(selfcert_generate(&a, "snpboot test", 1700000000, SELFCERT_NOT_AFTER_NEVER, err, sizeof(err)) == 0,
	   "generate a P-384 key and certificate");
	ok(a.der_len > 300 && a.der_len < SELFCERT_MAX_DER, "certificate of %zu bytes", a.der_len);
	ok(x509_parse(&x, a.der, a.der_len, err, sizeof(err)) == 0, "the strict X.509 reader parses it");
	if (err[0])
		diag("%s", err);
	is_int(x.version, 3, "  v3");
	is_int(x.sig_alg, X509_SIG_ECDSA_SHA384, "  ecdsa-with-SHA384");
	is_int(x.key_type, X509_KEY_EC_P384, "  EC P-384 key");
	ok(x509_span_equal(&x.issuer, &x.subject), "  issuer == subject");
	ok(x509_check_signature(&x, &x, err, sizeof(err)) == 0, "  self-signature verifies");
	is_int(x.not_before, 1700000000, "  notBefore as given");
	is_int(x.not_after, SELFCERT_NOT_AFTER_NEVER, "  notAfter 9999-12-31T23:59:59Z");
	ok(x.serial.len == 16 && (x.serial.p[0] & 0x80) == 0 && x.serial.p[0] != 0, "  positive 16-byte serial");
	ok(x509_basic_constraints(&x, &is_ca, err, sizeof(err)) == 0 && is_ca == 0, "  basicConstraints cA FALSE");
	ok(x509_key_usage(&x, &ku, err, sizeof(err)) == 0 && ku == 0x8000, "  keyUsage digitalSignature only");
	ok(x.spki.p == a.spki && x.spki.len == a.spki_len && a.spki_len == CHAN_P384_SPKI_LEN,
	   "  SPKI span is the reader's (120 bytes)");
	uint8_t h[32];
	selfcert_sha256(x.spki.p, x.spki.len, h);
	is_mem(h, a.spki_sha256, 32, "  fingerprint = SHA-256(SPKI)");
	ok(x.ec_q.len == 97 && memcmp(x.ec_q.p, a.pub, 97) == 0, "  public point matches the key");
	ok(a.chain.data == a.der && a.chain.data_len == a.der_len && a.sk.xlen == 48, "  BearSSL views set");

	ok(selfcert_generate(&b, "snpboot test", 0, 0, err, sizeof(err)) == 0, "second key");
	ok(memcmp(a.priv, b.priv, 48) != 0 && memcmp(a.spki_sha256, b.spki_sha256, 32) != 0, "  a different key");

	selfcert_wipe(&a);
	uint8_t zero[sizeof(a)];
	memset(zero, 0, sizeof(zero));
	ok(memcmp(&a, zero, sizeof(a)) == 0, "selfcert_wipe clears everything, the private key included");

	ok(selfcert_generate(&a, "", 0, 0, err, sizeof(err)) < 0, "empty common name refused");
	is_str(err, "certificate common name must be 1 to 64 bytes, got 0", "  message");
	ok(selfcert_generate(&a, "x", 10, 9, err, sizeof(err)) < 0, "notBefore after notAfter refused");
	selfcert_wipe(&b);
}

static void test_selfcert_from_scalar(void)
{
	static struct selfcert a, b;
	uint8_t k[48];
	char err[200];
	struct x509_cert x;

	memset(k, 0, sizeof(k));
	k[47] = 7;
	ok(selfcert_from_scalar(&a, k, "owner", 0, SELFCERT_NOT_AFTER_NEVER, err, sizeof(err)) == 0, "key 7 accepted");
	ok(selfcert_from_scalar(&b, k, "owner", 0, SELFCERT_NOT_AFTER_NEVER, err, sizeof(err)) == 0, "again");
	ok(a.der_len == b.der_len && memcmp(a.der, b.der, a.der_len) == 0, "  the same certificate bytes both times");
	ok(x509_parse(&x, a.der, a.der_len, err, sizeof(err)) == 0 && x509_check_signature(&x, &x, err, sizeof(err)) == 0,
	   "  parses and verifies");
	memset(k, 0, sizeof(k));
	ok(selfcert_from_scalar(&a, k, "owner", 0, 0, err, sizeof(err)) < 0, "zero scalar refused");
	is_str(err, "P-384 private key is zero or not below the group order", "  message");
	memset(k, 0xff, sizeof(k));
	ok(selfcert_from_scalar(&a, k, "owner", 0, 0, err, sizeof(err)) < 0, "scalar >= n refused");
	selfcert_wipe(&a);
	selfcert_wipe(&b);
}

/* A certificate-shaped DER with the given SPKI algorithm (unsigned: chan_cert ignores signatures). */
static size_t fake_cert(uint8_t *out, size_t cap, const uint8_t *alg_oid, size_t alg_len, const uint8_t *curve,
			size_t curve_len, const uint8_t *point, size_t point_len)
{
	static const uint8_t sigoid[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
	struct der_writer w;
	size_t len = 0;
	der_writer_init(&w, out, cap);
	der_begin(&w, DER_SEQUENCE);
	der_begin(&w, DER_SEQUENCE);
	der_put_small_uint(&w, 1);
	der_begin(&w, DER_SEQUENCE);
	der_put_oid(&w, sigoid, sizeof(sigoid));
	der_end(&w);
	der_begin(&w, DER_SEQUENCE);
	der_end(&w);
	der_begin(&w, DER_SEQUENCE);
	der_put_time(&w, 0);
	der_put_time(&w, 1);
	der_end(&w);
	der_begin(&w, DER_SEQUENCE);
	der_end(&w);
	der_begin(&w, DER_SEQUENCE);
	der_begin(&w, DER_SEQUENCE);
	der_put_oid(&w, alg_oid, alg_len);
	if (curve)
		der_put_oid(&w, curve, curve_len);
	else
		der_put_null(&w);
	der_end(&w);
	der_put_bit_string(&w, point, point_len);
	der_end(&w);
	der_end(&w);
	der_begin(&w, DER_SEQUENCE);
	der_put_oid(&w, sigoid, sizeof(sigoid));
	der_end(&w);
	der_put_bit_string(&w, point, 8);
	der_end(&w);
	der_writer_finish(&w, &len, NULL);
	return len;
}

static void test_chan_cert(void)
{
	static const uint8_t ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
	static const uint8_t p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
	static const uint8_t p256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	static const uint8_t rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
	uint8_t point[97], cert[512];
	struct chan_cert_key key;
	char err[200];
	size_t n;

	memset(point, 0x11, sizeof(point));
	point[0] = 0x04;
	n = fake_cert(cert, sizeof(cert), ec, sizeof(ec), p384, sizeof(p384), point, sizeof(point));
	ok(n > 0 && chan_cert_p384_key(cert, n, &key, err, sizeof(err)) == 0 && key.spki_len == CHAN_P384_SPKI_LEN &&
		   memcmp(key.q, point, 97) == 0,
	   "P-384 SPKI found in a certificate");
	ok(chan_cert_p384_key(cert, n - 1, &key, err, sizeof(err)) < 0, "truncated certificate refused");
	cert[n] = 0;
	ok(chan_cert_p384_key(cert, n + 1, &key, err, sizeof(err)) < 0, "trailing byte refused");
	n = fake_cert(cert, sizeof(cert), ec, sizeof(ec), p256, sizeof(p256), point, 65);
	ok(chan_cert_p384_key(cert, n, &key, err, sizeof(err)) < 0, "P-256 key refused");
	is_str(err, "certificate key is EC on P-256, expected P-384 (secp384r1)", "  message");
	n = fake_cert(cert, sizeof(cert), rsa, sizeof(rsa), NULL, 0, point, sizeof(point));
	ok(chan_cert_p384_key(cert, n, &key, err, sizeof(err)) < 0, "RSA key refused");
	is_str(err, "certificate key is RSA, expected EC P-384", "  message");
	point[0] = 0x02;
	n = fake_cert(cert, sizeof(cert), ec, sizeof(ec), p384, sizeof(p384), point, 49);
	ok(chan_cert_p384_key(cert, n, &key, err, sizeof(err)) < 0, "compressed point refused");
	is_str(err, "certificate P-384 key is not an uncompressed point (49 bytes, first 0x02)", "  message");
}

int main(void)
{
	test_der_integers();
	test_der_lengths_and_nesting();
	test_der_time();
	test_selfcert_generated();
	test_selfcert_from_scalar();
	test_chan_cert();
	return done_testing();
}
