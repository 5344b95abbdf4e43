/*
 * RSASSA-PSS (RFC 8017 section 8.1, EMSA-PSS section 9.1) with the one
 * parameter set AMD uses: SHA-384, MGF1-SHA-384, salt length 48, trailer
 * 0xbc. BearSSL 0.6 has no PSS; this builds it on BearSSL's raw RSA
 * public/private operations.
 */
#ifndef SNPBOOT_RSA_PSS_H
#define SNPBOOT_RSA_PSS_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#define RSA_PSS_SHA384_HLEN 48
#define RSA_PSS_SHA384_SALT_LEN 48
/* Largest modulus handled (bits); AMD keys are RSA-4096. */
#define RSA_PSS_MAX_BITS 4096
/* Smallest modulus accepted for verification: nothing weaker than RSA-2048. */
#define RSA_PSS_MIN_BITS 2048

/* Bit length of an unsigned big-endian integer (0 for zero). */
size_t rsa_pss_bit_length(const uint8_t *n, size_t len);

/*
 * Verifies sig (exactly the modulus length in bytes) over the SHA-384 digest
 * `hash` with EMSA-PSS-VERIFY (salt length exactly 48). 0 if valid, -1 with
 * a reason in err otherwise (signature >= modulus, wrong trailer, nonzero
 * leftmost bits, bad padding, wrong salt length, hash mismatch, ...).
 */
int rsa_pss_sha384_verify(const br_rsa_public_key *pk, const uint8_t hash[RSA_PSS_SHA384_HLEN],
			  const uint8_t *sig, size_t sig_len, char *err, size_t err_len);

/*
 * Signs a SHA-384 digest with a caller-chosen 48-byte salt (callers use fresh
 * random bytes; a fixed salt gives reproducible test vectors). sig must hold
 * the modulus length in bytes (sk->n_bitlen rounded up); *sig_len gets it.
 * For tests and the simulated platform's certificate issuer.
 */
int rsa_pss_sha384_sign(const br_rsa_private_key *sk, const uint8_t hash[RSA_PSS_SHA384_HLEN],
			const uint8_t salt[RSA_PSS_SHA384_SALT_LEN], uint8_t *sig, size_t sig_cap,
			size_t *sig_len, char *err, size_t err_len);

#endif
