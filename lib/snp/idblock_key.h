/* P-384 keys for the SNP ID block: load (PKCS#8 or SEC1 PEM), generate,
 * save as PKCS#8 PEM (mode 0600), sign and verify in AMD's signature
 * layout. Signing hashes with SHA-384; BearSSL derives the ECDSA nonce
 * deterministically (RFC 6979), so no randomness is needed to sign. */
#ifndef SNPBOOT_IDBLOCK_KEY_H
#define SNPBOOT_IDBLOCK_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "idblock.h"

#define IDBLOCK_KEY_POINT_LEN (1 + 2 * IDAUTH_P384_LEN)
#define IDBLOCK_KEY_MAX_FILE 16384

struct idblock_key {
	uint8_t priv[IDAUTH_P384_LEN];             /* scalar, big-endian */
	uint8_t pub[IDBLOCK_KEY_POINT_LEN];        /* 0x04 || X || Y */
	const char *format;                        /* "PKCS#8", "SEC1" or "generated" */
};

/* Parses one private key from PEM text ("PRIVATE KEY" = PKCS#8 or "EC
 * PRIVATE KEY" = SEC1; an "EC PARAMETERS" block is skipped). The key must
 * be on P-384. Returns 0, or -1 with err. */
int idblock_key_from_pem(struct idblock_key *k, const char *pem, size_t len, char *err, size_t err_len);
/* Same, reading the file at path. */
int idblock_key_load(struct idblock_key *k, const char *path, char *err, size_t err_len);
/* Fresh key from getrandom() through HMAC-DRBG. Returns 0, or -1 with err. */
int idblock_key_generate(struct idblock_key *k, char *err, size_t err_len);
/* PKCS#8 PEM text into out (NUL terminated). Returns its length, or 0 if cap is too small. */
size_t idblock_key_to_pem(char *out, size_t cap, const struct idblock_key *k);
/* Writes the PKCS#8 PEM to a new file with mode 0600 (refuses to overwrite). */
int idblock_key_save(const struct idblock_key *k, const char *path, char *err, size_t err_len);
void idblock_key_wipe(struct idblock_key *k);

/* The 1028-byte public key area of the key. */
void idblock_key_area(uint8_t out[IDAUTH_PUBKEY_LEN], const struct idblock_key *k);
/* ECDSA P-384/SHA-384 over msg, in AMD's 512-byte layout. Returns 0, or -1 with err. */
int idblock_sign(uint8_t sig[IDAUTH_SIG_LEN], const struct idblock_key *k, const uint8_t *msg, size_t len,
		 char *err, size_t err_len);
/* 1 if sig (AMD layout) is a valid signature of msg by the key in area, else 0. */
int idblock_verify(const uint8_t sig[IDAUTH_SIG_LEN], const uint8_t area[IDAUTH_PUBKEY_LEN], const uint8_t *msg,
		   size_t len);

#endif
