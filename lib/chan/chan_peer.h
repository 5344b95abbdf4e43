/*
 * The X.509 "validator" both ends of the attested channel plug into
 * BearSSL (a br_x509_class): it keeps the peer's end-entity certificate,
 * takes its EC P-384 public key and SubjectPublicKeyInfo, and — when given
 * a list of key fingerprints — accepts only a key whose SHA-256(SPKI) is
 * listed.
 *
 * !!! It does NOT validate a certificate chain, on purpose. !!!
 *
 * On the owner's side (TLS client, no fingerprint list) the guest's
 * certificate is self-signed and made fresh at every boot inside the
 * encrypted VM: no CA could vouch for it, and none is needed. What
 * authenticates the guest is the attestation report, signed by the AMD
 * Secure Processor, whose REPORT_DATA binds SHA-256 of exactly this SPKI
 * and a TLS exporter value of exactly this session (chan_binding.h). TLS
 * proves the server holds the private key of this SPKI (it signs the
 * ECDHE parameters with it, checked by BearSSL against the key returned
 * here). So the owner may send nothing but the HELLO nonce before the
 * report has been verified and the binding recomputed from its own view
 * of the session; a man in the middle presenting its own key gets a report
 * (if any) binding a different SPKI hash and exporter, and is caught there.
 * Validating a chain on top would add no security and could only fail.
 *
 * On the guest's side (TLS server, owner pinning on) the owner is
 * authenticated by the pinned fingerprint from the measured boot config,
 * and TLS proves possession through the CertificateVerify signature.
 * Names, dates, extensions and the certificate's own signature are
 * irrelevant to that and ignored (the guest's clock is not trusted anyway).
 */
#ifndef SNPBOOT_CHAN_PEER_H
#define SNPBOOT_CHAN_PEER_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "chan_cert.h"

#define CHAN_PEER_MAX_CERT 4096 /* bytes of the end-entity certificate kept */
#define CHAN_PEER_MAX_PINS 8

struct chan_peer {
	const br_x509_class *vtable; /* first: BearSSL holds a pointer to this */
	const char *role;            /* "server" or "client", for messages */
	uint8_t pins[CHAN_PEER_MAX_PINS][32];
	size_t n_pins;               /* 0: any P-384 key (client side) */

	/* Filled while the chain is read. */
	uint8_t cert[CHAN_PEER_MAX_CERT];
	size_t cert_len;
	unsigned n_certs;
	int too_big;

	/* The accepted key (valid when have_key). */
	int have_key;
	uint8_t q[CHAN_P384_POINT_LEN];
	br_x509_pkey pkey;           /* -> q */
	uint8_t spki[CHAN_P384_SPKI_LEN];
	size_t spki_len;
	uint8_t spki_sha256[32];

	char err[200];               /* why the peer's certificate was refused ("" if not) */
};

/*
 * role: "server" when this checks the guest's certificate (on the owner's
 * side), "client" when it checks the owner's (on the guest's side).
 * pins: n_pins fingerprints of 32 bytes back to back, copied; n_pins 0
 * means any P-384 key. Returns 0, or -1 if n_pins > CHAN_PEER_MAX_PINS.
 */
int chan_peer_init(struct chan_peer *p, const char *role, const uint8_t *pins, size_t n_pins);

#endif
