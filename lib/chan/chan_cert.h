/*
 * The one thing the attested channel needs from a peer's certificate: its
 * EC P-384 public key and the SubjectPublicKeyInfo bytes that hold it.
 *
 * Nothing else of the certificate is looked at on purpose (names, dates,
 * extensions, the signature): the channel never trusts a certificate as
 * such. The guest's key is authenticated by the attestation report binding
 * SHA-256(SPKI), an owner's key by its pinned fingerprint; TLS itself proves
 * that the peer holds the private key (ServerKeyExchange / CertificateVerify
 * signatures are checked against the key found here).
 */
#ifndef SNPBOOT_CHAN_CERT_H
#define SNPBOOT_CHAN_CERT_H

#include <stddef.h>
#include <stdint.h>

#define CHAN_P384_POINT_LEN 97 /* 0x04 || X || Y */
#define CHAN_P384_SPKI_LEN 120 /* the DER of a P-384 SubjectPublicKeyInfo */

struct chan_cert_key {
	const uint8_t *spki; /* SubjectPublicKeyInfo TLV, inside the certificate */
	size_t spki_len;
	const uint8_t *q;    /* uncompressed point, inside the certificate */
};

/*
 * Walks Certificate -> tbsCertificate up to subjectPublicKeyInfo (strict
 * DER, der.h) and requires id-ecPublicKey with namedCurve secp384r1 and an
 * uncompressed 97-byte point. Returns 0, or -1 with err saying what it found.
 */
int chan_cert_p384_key(const uint8_t *der, size_t len, struct chan_cert_key *key, char *err, size_t err_len);

#endif
