/* PBKDF2 (RFC 8018) with HMAC-SHA256 or HMAC-SHA512 on BearSSL's br_hmac:
 * what a LUKS2 "pbkdf2" digest is (../shared/reference/LUKS2.md). */
#ifndef SNPBOOT_PBKDF2_H
#define SNPBOOT_PBKDF2_H

#include <stddef.h>
#include <stdint.h>

/* Derives out_len bytes into out from the password and salt with
 * HMAC-<hash> ("sha256" or "sha512") and iterations >= 1. 0, or -1 for an
 * unknown hash, zero iterations or out_len 0. Its intermediate values
 * (HMAC keys, blocks) are wiped before it returns. */
int pbkdf2_hmac(const char *hash, const uint8_t *password, size_t password_len, const uint8_t *salt, size_t salt_len,
		uint32_t iterations, uint8_t *out, size_t out_len);

#endif
