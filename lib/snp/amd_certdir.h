/*
 * Loads an AMD certificate set from a directory (host side: stdio + malloc).
 * Accepted file names, first match wins per slot:
 *   ARK:  ark.pem, ark.der
 *   ASK:  ask.pem, ask.der, asvk.pem, asvk.der
 *   both: cert_chain.pem (as KDS serves it: ASK then ARK)
 *   VCEK: vcek.der, vcek.pem, vlek.der, vlek.pem
 *   CRL:  crl.der, crl.pem (optional)
 * ark.pem/ask.pem take precedence over cert_chain.pem; if both exist they
 * must agree byte for byte.
 */
#ifndef SNPBOOT_AMD_CERTDIR_H
#define SNPBOOT_AMD_CERTDIR_H

#include "amd_cert.h"

struct amd_certdir {
	struct amd_certs certs; /* spans into the buffers below */
	uint8_t *ark, *ask, *vcek, *crl;
};

/* Fills cd (zeroed first); on failure nothing stays allocated. */
int amd_certdir_load(const char *dir, struct amd_certdir *cd, char *err, size_t err_len);
/* Reads one certificate file, PEM (first block) or DER, into a malloc'd buffer. */
int amd_certdir_read_cert(const char *path, uint8_t **out, size_t *out_len, char *err,
			  size_t err_len);
void amd_certdir_free(struct amd_certdir *cd);

#endif
