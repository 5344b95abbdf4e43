/* The disk key of `snpboot encrypt-disk`: read from a private file or made
 * and written to one. Never from argv or the environment. */
#ifndef SNPBOOT_HOST_ENCRYPT_KEY_H
#define SNPBOOT_HOST_ENCRYPT_KEY_H

#include <stddef.h>
#include <stdint.h>

/* A fast PBKDF is safe only for a high-entropy key: at least 32 bytes. At most
 * what the attested channel carries (CHAN_DISK_KEY_MAX). */
#define ENCRYPT_KEY_MIN 32
#define ENCRYPT_KEY_MAX 512
#define ENCRYPT_KEY_GENERATED 32

/* Reads the key from path, which must be a regular file of mode 0600 or
 * stricter (no group or other bits). 0, or -1 with a message on stderr. */
int encrypt_key_load(const char *prog, const char *path, uint8_t key[ENCRYPT_KEY_MAX], size_t *len);
/* Makes ENCRYPT_KEY_GENERATED random bytes and writes them to path (created,
 * never overwritten, mode 0600, fsynced). 0, or -1 with a message. */
int encrypt_key_generate(const char *prog, const char *path, uint8_t key[ENCRYPT_KEY_MAX], size_t *len);

#endif
