/* Owner key pins; see owner_pin.h. */
#include "owner_pin.h"

#include <string.h>
#include <time.h>

#include "base/bytes.h"
#include "chan/selfcert.h"
#include "snp/idblock_key.h"

int owner_pin_of_scalar(const uint8_t scalar[48], uint8_t out[32], char *err, size_t err_len)
{
	/* Taken from the certificate the client will present, so it is what the
	 * guest compares, whatever the encoding details of the key file. */
	static struct selfcert cert;
	int rc = selfcert_from_scalar(&cert, scalar, "snpboot owner", time(NULL) - 3600, time(NULL) + 3600, err,
				      err_len);
	if (rc == 0)
		memcpy(out, cert.spki_sha256, 32);
	selfcert_wipe(&cert);
	return rc;
}

int owner_pin_of_key_file(const char *path, uint8_t out[32], char *err, size_t err_len)
{
	struct idblock_key key;
	int rc = idblock_key_load(&key, path, err, err_len);
	if (rc == 0)
		rc = owner_pin_of_scalar(key.priv, out, err, err_len);
	idblock_key_wipe(&key);
	return rc;
}
