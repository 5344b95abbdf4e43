/* Internal to the simulator's state directory: small files written
 * atomically with a given mode, private keys as PEM (PKCS#1 RSA, SEC1 EC,
 * readable by OpenSSL), certificates as PEM or DER. */
#ifndef SNPBOOT_SNPSIM_KEYFILE_H
#define SNPBOOT_SNPSIM_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "snpsim_pki.h"

#define SNPSIM_FILE_MAX 16384

/* dir/name = data, through a temporary file and rename(). 0, or -1 with err. */
int snpsim_file_write(const char *dir, const char *name, const void *data, size_t len, unsigned mode, char *err,
		      size_t err_len);
/* Reads dir/name (at most cap bytes). 0, 1 if it does not exist, or -1 with err. */
int snpsim_file_read(const char *dir, const char *name, uint8_t *buf, size_t cap, size_t *len, char *err,
		     size_t err_len);

/* PEM text of the key into out (NUL-terminated). Returns its length, or 0 on failure. */
size_t snpsim_rsa_key_to_pem(char *out, size_t cap, const struct snpsim_rsa_key *k);
size_t snpsim_ec_key_to_pem(char *out, size_t cap, const uint8_t scalar[SNPSIM_EC_SCALAR_LEN],
			    const uint8_t point[SNPSIM_EC_POINT_LEN]);
/* From PEM text ("RSA PRIVATE KEY" or "PRIVATE KEY"; "EC PRIVATE KEY" or "PRIVATE KEY"). 0, or -1 with err. */
int snpsim_rsa_key_from_pem(struct snpsim_rsa_key *k, const char *pem, size_t len, char *err, size_t err_len);
int snpsim_ec_key_from_pem(uint8_t scalar[SNPSIM_EC_SCALAR_LEN], const char *pem, size_t len, char *err,
			   size_t err_len);
/* "-----BEGIN CERTIFICATE-----" text of der appended at out[*pos]; 0, or -1 if it does not fit. */
int snpsim_cert_to_pem(char *out, size_t cap, size_t *pos, const uint8_t *der, size_t len);

#endif
