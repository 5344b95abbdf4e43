/*
 * A strict X.509 v3 certificate and CRL reader for the AMD SEV-SNP chain
 * (RFC 5280 profile, DER only). BearSSL 0.6's X.509 decoder cannot read
 * RSASSA-PSS signed certificates, hence this one.
 *
 * Parsing only splits and checks structure; all spans point into the
 * caller's DER. Signature algorithms: RSASSA-PSS with exactly SHA-384,
 * MGF1-SHA-384, salt 48, trailer 1 (parameters parsed and checked), and
 * ecdsa-with-SHA384. Public keys: RSA (rsaEncryption or id-RSASSA-PSS) and
 * EC P-384.
 */
#ifndef SNPBOOT_X509_H
#define SNPBOOT_X509_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "der/der.h"

enum x509_sig_alg {
	X509_SIG_UNKNOWN = 0,
	X509_SIG_RSA_PSS_SHA384, /* RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48 */
	X509_SIG_ECDSA_SHA384,   /* ecdsa-with-SHA384, DER (r, s) signature */
};

enum x509_key_type {
	X509_KEY_NONE = 0,
	X509_KEY_RSA,
	X509_KEY_EC_P384,
};

struct x509_span {
	const uint8_t *p;
	size_t len;
};

struct x509_ext {
	struct x509_span oid;   /* OID contents (no tag/length) */
	int critical;
	struct x509_span value; /* extnValue OCTET STRING contents */
};

#define X509_MAX_EXTENSIONS 24

struct x509_cert {
	struct x509_span der;            /* the whole Certificate */
	struct x509_span tbs;            /* tbsCertificate TLV: the signed bytes */
	uint32_t version;                /* 1, 2 or 3 (the field value + 1) */
	struct x509_span serial;         /* INTEGER contents as encoded (may be zero/negative) */
	enum x509_sig_alg sig_alg;       /* signatureAlgorithm (== tbsCertificate.signature) */
	struct x509_span issuer;         /* Name TLV, compared byte for byte */
	struct x509_span subject;        /* Name TLV */
	int64_t not_before, not_after;   /* seconds since the epoch */
	struct x509_span spki;           /* SubjectPublicKeyInfo TLV (for pinning) */
	enum x509_key_type key_type;
	struct x509_span rsa_n, rsa_e;   /* RSA: unsigned big-endian, no leading zero */
	struct x509_span ec_q;           /* EC: uncompressed point 04||X||Y (97 bytes) */
	size_t n_ext;
	struct x509_ext ext[X509_MAX_EXTENSIONS];
	struct x509_span sig;            /* signatureValue bits (no unused-bits octet) */
};

/* Parses a DER certificate; trailing bytes after it are refused. */
int x509_parse(struct x509_cert *c, const uint8_t *der, size_t len, char *err, size_t err_len);

/* The extension with this OID (contents bytes), or NULL. */
const struct x509_ext *x509_find_ext(const struct x509_cert *c, const uint8_t *oid, size_t oid_len);

/* 1 if two spans hold the same bytes (Names are compared as encoded). */
int x509_span_equal(const struct x509_span *a, const struct x509_span *b);

/* RSA public key of c; n/e point into c's DER. Fails for a non-RSA key. */
int x509_rsa_key(const struct x509_cert *c, br_rsa_public_key *pk, char *err, size_t err_len);
/* EC P-384 public key of c; the point is copied into q (q_cap >= 97). */
int x509_ec_key(const struct x509_cert *c, br_ec_public_key *pk, uint8_t *q, size_t q_cap,
		char *err, size_t err_len);

/*
 * Verifies a signature of alg over signed bytes with the issuer's key:
 * RSA-PSS needs an RSA issuer key, ECDSA a P-384 one.
 */
int x509_verify_sig(const struct x509_span *signed_data, enum x509_sig_alg alg,
		    const struct x509_span *sig, const struct x509_cert *issuer, char *err,
		    size_t err_len);
/* c's signature by issuer's key (c may equal issuer: self-signature). */
int x509_check_signature(const struct x509_cert *c, const struct x509_cert *issuer, char *err,
			 size_t err_len);
/* notBefore <= now <= notAfter. */
/* Seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (cap >= 21). */
void x509_format_time(char *out, size_t cap, int64_t t);
int x509_check_validity(const struct x509_cert *c, int64_t now, char *err, size_t err_len);

/*
 * basicConstraints: *is_ca gets cA (0 if the extension is absent);
 * keyUsage: *key_usage gets the first two bytes of bits as a big-endian
 * number with bit 0 of RFC 5280 = 0x8000 (digitalSignature) ...
 * keyCertSign = 0x0400, cRLSign = 0x0200; 0xffff if absent (no restriction).
 */
#define X509_KU_KEY_CERT_SIGN 0x0400
#define X509_KU_CRL_SIGN 0x0200
int x509_basic_constraints(const struct x509_cert *c, int *is_ca, char *err, size_t err_len);
int x509_key_usage(const struct x509_cert *c, unsigned *key_usage, char *err, size_t err_len);

/* Certificate revocation list (RFC 5280 section 5), v1 or v2. */
struct x509_crl {
	struct x509_span der;
	struct x509_span tbs;            /* tbsCertList TLV */
	enum x509_sig_alg sig_alg;
	struct x509_span issuer;
	int64_t this_update;
	int64_t next_update;             /* 0 if absent */
	int has_next_update;
	struct x509_span revoked;        /* contents of revokedCertificates (may be empty) */
	size_t n_revoked;
	struct x509_span sig;
};

/* Parses a CRL and walks every revoked entry (serial, date, extensions) strictly. */
int x509_crl_parse(struct x509_crl *crl, const uint8_t *der, size_t len, char *err, size_t err_len);
/* 1 if serial (INTEGER contents, any encoding) is listed, 0 if not. */
int x509_crl_lists(const struct x509_crl *crl, const struct x509_span *serial);

/* Well-known OIDs (contents bytes). */
extern const uint8_t x509_oid_rsassa_pss[9];
extern const uint8_t x509_oid_rsa_encryption[9];
extern const uint8_t x509_oid_sha384[9];
extern const uint8_t x509_oid_mgf1[9];
extern const uint8_t x509_oid_ec_public_key[7];
extern const uint8_t x509_oid_secp384r1[5];
extern const uint8_t x509_oid_ecdsa_sha384[8];
extern const uint8_t x509_oid_basic_constraints[3];
extern const uint8_t x509_oid_key_usage[3];

#endif
