/* The pin of an owner key: SHA-256 of the SubjectPublicKeyInfo of the
 * certificate the client presents with it, which is exactly what the first
 * stage compares with boot.toml channel.owner_key_sha256. */
#ifndef SNPBOOT_HOST_OWNER_PIN_H
#define SNPBOOT_HOST_OWNER_PIN_H

#include <stddef.h>
#include <stdint.h>

/* Reads the P-384 key at path (PKCS#8 or SEC1 PEM). 0 with out filled, or
 * -1 with why in err. The private scalar is wiped before returning. */
int owner_pin_of_key_file(const char *path, uint8_t out[32], char *err, size_t err_len);

/* The same for a key in memory (the 48-byte scalar). */
int owner_pin_of_scalar(const uint8_t scalar[48], uint8_t out[32], char *err, size_t err_len);

#endif
