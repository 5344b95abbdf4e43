/* The owner's TLS identity from its key file (owner_identity.h). */
#include "owner_identity.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/bytes.h"
#include "cli/secret_file.h"
#include "snp/idblock_key.h"

#define PEM_MAX 16384

int owner_identity_load(const char *path, struct selfcert *cert, char *err, size_t err_len)
{
	uint8_t *pem = malloc(PEM_MAX);
	size_t n = 0;
	struct idblock_key k;
	char why[512];
	if (!pem) {
		snprintf(err, err_len, "owner key %s: out of memory", path);
		return -1;
	}
	int rc = secret_read_file(path, "owner key", pem, 1, PEM_MAX - 1, &n, why, sizeof why);
	if (rc != 0) {
		snprintf(err, err_len, "%s", why);
		free(pem);
		return -1;
	}
	pem[n] = '\0';
	rc = idblock_key_from_pem(&k, (const char *)pem, n, why, sizeof why);
	secure_wipe(pem, PEM_MAX);
	free(pem);
	if (rc == 0)
		rc = selfcert_from_scalar(cert, k.priv, "snpboot owner", time(NULL) - 3600, time(NULL) + 86400, why,
					  sizeof why);
	idblock_key_wipe(&k);
	if (rc != 0)
		snprintf(err, err_len, "owner key %s: %s", path, why);
	return rc;
}
