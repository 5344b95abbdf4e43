/*
 * The broker master key: 32 random bytes that seal every disk key in the
 * store (broker_keywrap.h). It lives only in a file the broker's user alone
 * can read (a regular file, not a symbolic link, owned by the caller, mode
 * 0600 or stricter) or in a systemd credential (LoadCredential= /
 * LoadCredentialEncrypted=, read from $CREDENTIALS_DIRECTORY/NAME); never
 * in argv, the environment, the database or a log. Callers wipe the buffer
 * (secure_wipe) as soon as broker_store_open has taken its subkeys.
 */
#ifndef SNPBOOT_HOST_BROKER_MASTER_KEY_H
#define SNPBOOT_HOST_BROKER_MASTER_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "broker_keywrap.h"

/* Reads exactly 32 bytes from path (checks above). 0, or -1 with err; key is wiped on failure. */
int broker_master_key_load_file(const char *path, uint8_t key[BROKER_MASTER_KEY_LEN], char *err, size_t err_len);

/* The same from the systemd credential NAME ($CREDENTIALS_DIRECTORY/NAME); NAME has no '/'. */
int broker_master_key_load_credential(const char *name, uint8_t key[BROKER_MASTER_KEY_LEN], char *err,
				      size_t err_len);

/*
 * "cred:NAME" loads a credential, anything else is a file path: one string
 * for a --master-key option or a configuration line.
 */
int broker_master_key_load(const char *spec, uint8_t key[BROKER_MASTER_KEY_LEN], char *err, size_t err_len);

/*
 * `snpboot broker init-key FILE`: writes 32 fresh random bytes to a new
 * file, mode 0600, created exclusively (an existing file, or a symbolic
 * link, is refused: overwriting a master key would orphan every sealed
 * disk key), synced to disk. 0, or -1 with err; nothing is left behind on
 * failure.
 */
int broker_master_key_generate(const char *path, char *err, size_t err_len);

#endif
