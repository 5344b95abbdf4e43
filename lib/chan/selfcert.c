/* P-384 key + self-signed certificate; see selfcert.h. */
#include "selfcert.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "base/bytes.h"
#include "chan_cert.h"
#include "der/der.h"
#include "der/der_write.h"
#include "base/err_text.h"

#define SERIAL_LEN 16

static const uint8_t oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_secp384r1[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t oid_ecdsa_sha384[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
static const uint8_t oid_common_name[] = {0x55, 0x04, 0x03};
static const uint8_t oid_basic_constraints[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_key_usage[] = {0x55, 0x1d, 0x0f};

/* Order n of the P-384 group, big-endian. */
static const uint8_t p384_order[SELFCERT_SCALAR_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
	0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73};

void selfcert_sha256(const uint8_t *der, size_t len, uint8_t out[32])
{
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, der, len);
	br_sha256_out(&h, out);
}

/* 1 if 0 < x < n (BearSSL takes a scalar as given and does not check it). */
static int scalar_in_range(const uint8_t x[SELFCERT_SCALAR_LEN])
{
	if (bytes_all_zero(x, SELFCERT_SCALAR_LEN))
		return 0;
	for (size_t i = 0; i < SELFCERT_SCALAR_LEN; i++)
		if (x[i] != p384_order[i])
			return x[i] < p384_order[i];
	return 0;
}

/* Name ::= SEQUENCE { SET { SEQUENCE { id-at-commonName, UTF8String } } } */
static void put_name(struct der_writer *w, const char *cn)
{
	der_begin(w, DER_SEQUENCE);
	der_begin(w, DER_SET);
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, oid_common_name, sizeof(oid_common_name));
	der_put_utf8_string(w, cn);
	der_end(w);
	der_end(w);
	der_end(w);
}

static void put_sig_alg(struct der_writer *w)
{
	/* RFC 5758 3.2: ecdsa-with-SHA384 has no parameters (absent, not NULL). */
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, oid_ecdsa_sha384, sizeof(oid_ecdsa_sha384));
	der_end(w);
}

static void put_extensions(struct der_writer *w)
{
	/* keyUsage digitalSignature: named bit list, trailing zero bits dropped
	 * (DER), so 7 unused bits in one 0x80 octet. */
	static const uint8_t ku_digital_signature[] = {0x07, 0x80};

	der_begin(w, DER_CTX_CONS(3));
	der_begin(w, DER_SEQUENCE);

	der_begin(w, DER_SEQUENCE); /* basicConstraints, critical: not a CA */
	der_put_oid(w, oid_basic_constraints, sizeof(oid_basic_constraints));
	der_put_boolean(w, 1);
	der_begin(w, DER_OCTET_STRING);
	der_begin(w, DER_SEQUENCE); /* cA DEFAULT FALSE: omitted in DER */
	der_end(w);
	der_end(w);
	der_end(w);

	der_begin(w, DER_SEQUENCE); /* keyUsage, critical: signatures only */
	der_put_oid(w, oid_key_usage, sizeof(oid_key_usage));
	der_put_boolean(w, 1);
	der_begin(w, DER_OCTET_STRING);
	der_put_tlv(w, DER_BIT_STRING, ku_digital_signature, sizeof(ku_digital_signature));
	der_end(w);
	der_end(w);

	der_end(w);
	der_end(w);
}

static int build_tbs(struct selfcert *c, uint8_t *tbs, size_t cap, size_t *tbs_len,
		     const uint8_t serial[SERIAL_LEN], const char *cn, int64_t not_before, int64_t not_after,
		     const char **why)
{
	struct der_writer w;
	der_writer_init(&w, tbs, cap);
	der_begin(&w, DER_SEQUENCE);
	der_begin(&w, DER_CTX_CONS(0)); /* version v3 (2) */
	der_put_small_uint(&w, 2);
	der_end(&w);
	der_put_uint(&w, serial, SERIAL_LEN);
	put_sig_alg(&w);
	put_name(&w, cn); /* issuer */
	der_begin(&w, DER_SEQUENCE);
	der_put_time(&w, not_before);
	der_put_time(&w, not_after);
	der_end(&w);
	put_name(&w, cn); /* subject */
	der_begin(&w, DER_SEQUENCE); /* subjectPublicKeyInfo */
	der_begin(&w, DER_SEQUENCE);
	der_put_oid(&w, oid_ec_public_key, sizeof(oid_ec_public_key));
	der_put_oid(&w, oid_secp384r1, sizeof(oid_secp384r1));
	der_end(&w);
	der_put_bit_string(&w, c->pub, sizeof(c->pub));
	der_end(&w);
	put_extensions(&w);
	der_end(&w);
	return der_writer_finish(&w, tbs_len, why);
}

static int check_args(const char *cn, int64_t not_before, int64_t not_after, char *err, size_t err_len)
{
	size_t n = cn ? strlen(cn) : 0;
	if (n == 0 || n > SELFCERT_MAX_CN)
		return err_set(err, err_len, "certificate common name must be 1 to %d bytes, got %zu", SELFCERT_MAX_CN, n);
	if (not_before > not_after)
		return err_set(err, err_len, "certificate notBefore (%lld) is after notAfter (%lld)",
			    (long long)not_before, (long long)not_after);
	return 0;
}

/* The scalar in c->priv is set: the key structs and the public point. */
static int set_public_key(struct selfcert *c, char *err, size_t err_len)
{
	c->sk.curve = BR_EC_secp384r1;
	c->sk.x = c->priv;
	c->sk.xlen = sizeof(c->priv);
	if (br_ec_compute_pub(br_ec_get_default(), NULL, c->pub, &c->sk) != sizeof(c->pub))
		return err_set(err, err_len, "certificate: BearSSL could not compute the P-384 public key");
	c->pk.curve = BR_EC_secp384r1;
	c->pk.q = c->pub;
	c->pk.qlen = sizeof(c->pub);
	return 0;
}

/* The key is set: certificate, SPKI span, fingerprint. */
static int make_cert(struct selfcert *c, const uint8_t serial[SERIAL_LEN], const char *cn, int64_t not_before,
		     int64_t not_after, char *err, size_t err_len)
{
	const br_ec_impl *ec = br_ec_get_default();
	uint8_t tbs[SELFCERT_MAX_DER], hash[48], sig[128];
	size_t tbs_len, sig_len;
	const char *why = NULL;
	struct chan_cert_key key;
	char perr[160];

	if (build_tbs(c, tbs, sizeof(tbs), &tbs_len, serial, cn, not_before, not_after, &why))
		return err_set(err, err_len, "certificate: encoding tbsCertificate: %s", why);
	br_sha384_context h;
	br_sha384_init(&h);
	br_sha384_update(&h, tbs, tbs_len);
	br_sha384_out(&h, hash);
	/* RFC 6979 deterministic nonce: no randomness needed to sign. */
	sig_len = br_ecdsa_sign_asn1_get_default()(ec, &br_sha384_vtable, hash, &c->sk, sig);
	if (sig_len == 0)
		return err_set(err, err_len, "certificate: ECDSA P-384 signing failed");

	struct der_writer w;
	der_writer_init(&w, c->der, sizeof(c->der));
	der_begin(&w, DER_SEQUENCE);
	der_put_raw(&w, tbs, tbs_len);
	put_sig_alg(&w);
	der_put_bit_string(&w, sig, sig_len);
	der_end(&w);
	if (der_writer_finish(&w, &c->der_len, &why))
		return err_set(err, err_len, "certificate: encoding: %s", why);

	/* Read back what was written: the SPKI span comes from the same
	 * parser that reads peers' certificates, so both sides hash the
	 * same bytes. */
	if (chan_cert_p384_key(c->der, c->der_len, &key, perr, sizeof(perr)))
		return err_set(err, err_len, "certificate: own certificate does not parse: %s", perr);
	c->spki = key.spki;
	c->spki_len = key.spki_len;
	selfcert_sha256(c->spki, c->spki_len, c->spki_sha256);
	c->chain.data = c->der;
	c->chain.data_len = c->der_len;
	return 0;
}

int selfcert_from_scalar(struct selfcert *c, const uint8_t scalar[SELFCERT_SCALAR_LEN], const char *common_name,
			 int64_t not_before, int64_t not_after, char *err, size_t err_len)
{
	uint8_t digest[32];

	memset(c, 0, sizeof(*c));
	if (check_args(common_name, not_before, not_after, err, err_len))
		return -1;
	if (!scalar_in_range(scalar))
		return err_set(err, err_len, "P-384 private key is zero or not below the group order");
	memcpy(c->priv, scalar, sizeof(c->priv));
	if (set_public_key(c, err, err_len))
		goto fail;
	/* Serial from the public key: the same key gives the same certificate. */
	selfcert_sha256(c->pub, sizeof(c->pub), digest);
	digest[0] = (uint8_t)((digest[0] & 0x7f) | 0x40); /* positive, 16 significant bytes */
	if (make_cert(c, digest, common_name, not_before, not_after, err, err_len))
		goto fail;
	return 0;
fail:
	selfcert_wipe(c);
	return -1;
}

static int fill_random(uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int selfcert_generate(struct selfcert *c, const char *common_name, int64_t not_before, int64_t not_after,
		      char *err, size_t err_len)
{
	uint8_t seed[48], serial[SERIAL_LEN];
	br_hmac_drbg_context rng;

	memset(c, 0, sizeof(*c));
	if (check_args(common_name, not_before, not_after, err, err_len))
		return -1;
	if (fill_random(seed, sizeof(seed)))
		return err_set(err, err_len, "key generation: getrandom: %s", strerror(errno));
	br_hmac_drbg_init(&rng, &br_sha384_vtable, seed, sizeof(seed));
	secure_wipe(seed, sizeof(seed));
	br_ec_private_key sk;
	size_t xlen = br_ec_keygen(&rng.vtable, br_ec_get_default(), &sk, c->priv, BR_EC_secp384r1);
	br_hmac_drbg_generate(&rng, serial, sizeof(serial));
	secure_wipe(&rng, sizeof(rng));
	secure_wipe(&sk, sizeof(sk));
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
	if (xlen != SELFCERT_SCALAR_LEN || !scalar_in_range(c->priv)) {
		selfcert_wipe(c);
		return err_set(err, err_len, "key generation: BearSSL P-384 key generation failed");
	}
	if (set_public_key(c, err, err_len) ||
	    make_cert(c, serial, common_name, not_before, not_after, err, err_len)) {
		selfcert_wipe(c);
		return -1;
	}
	return 0;
}

void selfcert_wipe(struct selfcert *c) { secure_wipe(c, sizeof(*c)); }
