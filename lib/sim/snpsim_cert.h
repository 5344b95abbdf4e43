/* Internal to snpsim_pki*.c: the DER of the test ARK, ASK and VCEK
 * certificates (see snpsim_pki.h for their shape). It needs only
 * the identity (snpsim_identity.h), so the PKI code uses it and not the reverse. */
#ifndef SNPBOOT_SNPSIM_CERT_H
#define SNPBOOT_SNPSIM_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "snpsim_identity.h"

enum snpsim_cert_kind {
	SNPSIM_CERT_ARK,
	SNPSIM_CERT_ASK,
	SNPSIM_CERT_VCEK,
};

struct snpsim_cert_spec {
	enum snpsim_cert_kind kind;
	const struct snpsim_identity *id;  /* product (all), chip ID and TCB (VCEK) */
	const br_rsa_public_key *rsa;      /* subject key of an ARK or ASK */
	const uint8_t *ec_point;           /* subject key of a VCEK (97 bytes) */
	const br_rsa_private_key *issuer;  /* signs the certificate (PSS) */
	int64_t not_before, not_after;
};

/* Writes the signed certificate into out (cap bytes). 0 and *len, or -1 with err. */
int snpsim_cert_build(uint8_t *out, size_t cap, size_t *len, const struct snpsim_cert_spec *spec,
		      br_hmac_drbg_context *rng, char *err, size_t err_len);

/* A serial number as the certificate encodes it (INTEGER contents). */
struct snpsim_serial {
	uint8_t b[SNPSIM_SERIAL_MAX];
	size_t len;
};

/*
 * The test ARK's CRL (RFC 5280 v2, RSASSA-PSS SHA-384 like AMD's KDS CRL):
 * issuer the ARK's name, thisUpdate this_update, nextUpdate next_update,
 * one entry per serial (revoked at this_update); no revokedCertificates
 * when n_serials is 0. 0 and *len, or -1 with err.
 */
int snpsim_crl_build(uint8_t *out, size_t cap, size_t *len, enum snp_product product, const br_rsa_private_key *ark,
		     const struct snpsim_serial *serials, size_t n_serials, int64_t this_update, int64_t next_update,
		     br_hmac_drbg_context *rng, char *err, size_t err_len);

#endif
