/*
 * The simulated platform's TEST PKI, shaped like AMD's so the client's
 * unchanged chain code accepts it once told to trust the test root:
 *   ARK  RSA-4096, self-signed, RSASSA-PSS SHA-384/MGF1-SHA-384/salt 48,
 *        basicConstraints cA (critical), keyUsage keyCertSign|cRLSign (critical)
 *   ASK  RSA-4096, signed by the ARK the same way, cA pathLen 0, keyCertSign
 *   VCEK EC P-384, signed by the ASK, with AMD's extensions
 *        (1.3.6.1.4.1.3704.1.x): .1 structVersion, .2 productName
 *        ("Milan-B0", "Genoa-B1", "Turin"), .3.1 blSPL .3.2 teeSPL .3.3
 *        snpSPL .3.4-.3.7 reserved 0, .3.8 ucodeSPL (.3.9 fmcSPL on Turin)
 *        as DER INTEGERs, .4 hwID = CHIP_ID (Turin: its first 8 bytes).
 * Every name says SNPBOOT TEST ONLY, e.g. "CN=ARK-Milan SNPBOOT-TEST-ONLY,
 * O=SNPBOOT TEST ONLY - NOT AMD", so nobody mistakes the certificates.
 *
 * The state directory (mode 0700; keys 0600) holds it between runs:
 *   ark.pem ask.pem cert_chain.pem (ASK then ARK, as KDS serves it)
 *   vcek.der  ark.key ask.key (PKCS#1 PEM) vcek.key (SEC1 PEM)  chip_id (hex)
 *   crl.der (the ARK's CRL)  revoked (hex serials it lists)
 * so it doubles as a `snpboot report verify --certs DIR`. Host only.
 */
#ifndef SNPBOOT_SNPSIM_PKI_H
#define SNPBOOT_SNPSIM_PKI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <bearssl.h>

#include "snp/snp_report.h"
#include "snpsim_identity.h"

#define SNPSIM_ERR_LEN 512

struct snpsim_rsa_key {
	br_rsa_private_key sk; /* -> priv */
	br_rsa_public_key pk;  /* -> pub */
	uint8_t priv[BR_RSA_KBUF_PRIV_SIZE(SNPSIM_RSA_BITS)];
	uint8_t pub[BR_RSA_KBUF_PUB_SIZE(SNPSIM_RSA_BITS)];
};

/* Keys and certificates. Points into itself: pass by pointer, never copy. */
struct snpsim_pki {
	struct snpsim_identity id;
	struct snpsim_rsa_key ark, ask;
	uint8_t vcek_priv[SNPSIM_EC_SCALAR_LEN]; /* secret */
	uint8_t vcek_pub[SNPSIM_EC_POINT_LEN];
	br_ec_private_key vcek_sk; /* -> vcek_priv */
	uint8_t ark_der[SNPSIM_CERT_MAX], ask_der[SNPSIM_CERT_MAX], vcek_der[SNPSIM_CERT_MAX];
	size_t ark_len, ask_len, vcek_len;
};

/* An HMAC-DRBG (SHA-384) seeded from getrandom(). 0, or -1 with err. */
int snpsim_rng_init(br_hmac_drbg_context *rng, char *err, size_t err_len);

/* Fresh RSA-4096 key (e = 65537); takes seconds. 0, or -1 with err. */
int snpsim_rsa_generate(struct snpsim_rsa_key *k, br_hmac_drbg_context *rng, char *err, size_t err_len);
/* Re-points sk/pk at the struct's own buffers (after a copy of the struct). */
void snpsim_rsa_fix_pointers(struct snpsim_rsa_key *k);
/* k = the private key sk (copied, packed into k's buffers) with the public
 * key (n, e big-endian); then k's pointers are fixed. 0, or -1 if too large. */
int snpsim_rsa_set(struct snpsim_rsa_key *k, const br_rsa_private_key *sk, const uint8_t *n, size_t nlen,
		   const uint8_t *e, size_t elen);

/* The ARK and ASK certificates for pki->ark/ask keys, valid from now - 1 day for 25 years. */
int snpsim_pki_issue_roots(struct snpsim_pki *pki, br_hmac_drbg_context *rng, int64_t now, char *err,
			   size_t err_len);
/* A fresh VCEK key and certificate for pki->id, signed by the ASK, valid for 7 years. */
int snpsim_pki_issue_vcek(struct snpsim_pki *pki, br_hmac_drbg_context *rng, int64_t now, char *err,
			  size_t err_len);
/*
 * Test fault: re-signs the VCEK certificate (same key, same ASK) for
 * `claimed` instead of pki->id, in memory only. Reports still verify with
 * the key; only the certificate's hwID / TCB extensions disagree with the
 * report's CHIP_ID / REPORTED_TCB, which a client must refuse.
 */
int snpsim_pki_reissue_vcek_for(struct snpsim_pki *pki, const struct snpsim_identity *claimed,
				br_hmac_drbg_context *rng, int64_t now, char *err, size_t err_len);
/* Sets the VCEK key from a scalar (0 < x < n), computing the public point. */
int snpsim_pki_set_vcek_key(struct snpsim_pki *pki, const uint8_t scalar[SNPSIM_EC_SCALAR_LEN], char *err,
			    size_t err_len);

/*
 * Checks the set as a client would: the chain verifies with the ARK as the
 * explicit anchor at `now`, each private key belongs to its certificate,
 * and the VCEK's extensions name pki->id. 0, or -1 with err.
 */
int snpsim_pki_check(const struct snpsim_pki *pki, int64_t now, char *err, size_t err_len);

/*
 * Loads the PKI from dir or creates it (the directory too, mode 0700),
 * under a lock file so two simulators do not both create it. want->product
 * must match a stored PKI (else refused: another product needs another
 * directory). want_chip_id: NULL keeps the stored chip ID, or picks a random
 * one for a new PKI. A VCEK that no longer matches the wanted chip ID or TCB
 * is re-issued (new key) under the stored ASK. Progress and what was done go
 * to log (may be NULL). 0, or -1 with err.
 */
int snpsim_pki_open(const char *dir, enum snp_product product, const uint8_t *want_chip_id,
		    const struct snp_tcb *want_tcb, struct snpsim_pki *pki, FILE *log, char *err, size_t err_len);

/*
 * The test ARK's CRL in dir/crl.der (what a definition's certs directory, or
 * the client looking at [sim] state_dir, consults). The serials revoked so
 * far are kept in dir/revoked (hex, one per line); revoke adds the current
 * VCEK's (SNPSIM_REVOKE_VCEK) or ASK's serial to it. The CRL is (re)issued,
 * valid from now - 1 hour for SNPSIM_CRL_VALID_S, when revoke is given, when
 * it is missing, unreadable, not signed by this ARK, or has less than a day
 * left; otherwise left alone. Under the directory's lock. *serial_hex (may
 * be NULL, >= 2 * SNPSIM_SERIAL_MAX + 1 bytes) receives the serial revoked.
 * 0, or -1 with err.
 */
enum snpsim_revoke { SNPSIM_REVOKE_NONE = 0, SNPSIM_REVOKE_VCEK, SNPSIM_REVOKE_ASK };
#define SNPSIM_CRL_VALID_S (7 * 24 * 3600)
int snpsim_pki_crl(const char *dir, const struct snpsim_pki *pki, enum snpsim_revoke revoke, char *serial_hex,
		   FILE *log, char *err, size_t err_len);

/* Wipes every key. */
void snpsim_pki_wipe(struct snpsim_pki *pki);

#endif
