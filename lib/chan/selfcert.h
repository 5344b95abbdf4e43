/*
 * A P-384 key pair and a self-signed X.509 v3 certificate for it
 * (ecdsa-with-SHA384), for the attested channel's TLS:
 *   - the guest makes a fresh one at every boot: its TLS server identity,
 *     trusted by the owner only through the attestation report, which binds
 *     SHA-256 of the certificate's SubjectPublicKeyInfo (chan_binding.h);
 *   - the owner wraps its own key in one when the guest pins owner keys
 *     (TLS client certificate; only the key's fingerprint is checked).
 *
 * No allocation; the private scalar lives in the struct and is wiped by
 * selfcert_wipe. The struct points into itself (sk.x, pk.q, chain.data,
 * spki): do not copy it, pass a pointer.
 */
#ifndef SNPBOOT_SELFCERT_H
#define SNPBOOT_SELFCERT_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define SELFCERT_SCALAR_LEN 48
#define SELFCERT_POINT_LEN 97            /* 0x04 || X || Y */
#define SELFCERT_MAX_DER 768              /* a P-384 certificate here is ~450 bytes */
#define SELFCERT_MAX_CN 64

struct selfcert {
	uint8_t priv[SELFCERT_SCALAR_LEN];   /* secret: wiped by selfcert_wipe */
	uint8_t pub[SELFCERT_POINT_LEN];
	br_ec_private_key sk;                /* -> priv */
	br_ec_public_key pk;                 /* -> pub */
	uint8_t der[SELFCERT_MAX_DER];       /* the certificate */
	size_t der_len;
	br_x509_certificate chain;           /* -> der, a chain of one for BearSSL */
	const uint8_t *spki;                 /* SubjectPublicKeyInfo inside der */
	size_t spki_len;
	uint8_t spki_sha256[32];             /* the key's fingerprint (pin, binding) */
};

/* Validity to give when the clock cannot be trusted: the certificate is
 * never checked for dates by snpboot (it is trusted through attestation or
 * a key pin, never through a CA), so it is valid from 1970 to the RFC 5280
 * "no well-defined expiration" date 9999-12-31T23:59:59Z. */
#define SELFCERT_NOT_BEFORE_ANY ((int64_t)0)
#define SELFCERT_NOT_AFTER_NEVER ((int64_t)253402300799)

/*
 * Fresh key from getrandom() (through HMAC-DRBG/SHA-384) and its
 * certificate with subject = issuer = CN=common_name (1..SELFCERT_MAX_CN
 * bytes), a random positive 16-byte serial, basicConstraints cA=FALSE and
 * keyUsage digitalSignature (both critical). Returns 0, or -1 with err.
 */
int selfcert_generate(struct selfcert *c, const char *common_name, int64_t not_before, int64_t not_after,
		      char *err, size_t err_len);

/*
 * The same for an existing key (an owner key loaded from a file): scalar is
 * 48 bytes big-endian, 0 < scalar < n. The serial is derived from the public
 * key, so the same key and names give the same certificate bytes.
 */
int selfcert_from_scalar(struct selfcert *c, const uint8_t scalar[SELFCERT_SCALAR_LEN], const char *common_name,
			 int64_t not_before, int64_t not_after, char *err, size_t err_len);

/* Wipes the private key and everything else. */
void selfcert_wipe(struct selfcert *c);

/* SHA-256 of DER bytes (the fingerprint of a SubjectPublicKeyInfo). */
void selfcert_sha256(const uint8_t *der, size_t len, uint8_t out[32]);

#endif
