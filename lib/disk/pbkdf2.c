/* PBKDF2-HMAC (RFC 8018, section 5.2). br_hmac_key_context keeps the inner
 * and outer hash states of the password, so each iteration costs two
 * compressions, as in cryptsetup's own backends. */
#include "pbkdf2.h"

#include "base/bytes.h"

#include <bearssl.h>
#include <string.h>

int pbkdf2_hmac(const char *hash, const uint8_t *password, size_t password_len, const uint8_t *salt, size_t salt_len,
		uint32_t iterations, uint8_t *out, size_t out_len)
{
	const br_hash_class *h;
	size_t hlen;
	if (strcmp(hash, "sha256") == 0)
		h = &br_sha256_vtable, hlen = br_sha256_SIZE;
	else if (strcmp(hash, "sha512") == 0)
		h = &br_sha512_vtable, hlen = br_sha512_SIZE;
	else
		return -1;
	if (iterations == 0 || out_len == 0)
		return -1;
	br_hmac_key_context kc;
	br_hmac_context ctx;
	uint8_t u[64], t[64], be[4];
	br_hmac_key_init(&kc, h, password, password_len);
	for (uint32_t block = 1; out_len > 0; block++) {
		be32_store(be, block);
		br_hmac_init(&ctx, &kc, 0);
		br_hmac_update(&ctx, salt, salt_len);
		br_hmac_update(&ctx, be, sizeof be);
		br_hmac_out(&ctx, u);
		memcpy(t, u, hlen);
		for (uint32_t i = 1; i < iterations; i++) {
			br_hmac_init(&ctx, &kc, 0);
			br_hmac_update(&ctx, u, hlen);
			br_hmac_out(&ctx, u);
			for (size_t k = 0; k < hlen; k++)
				t[k] ^= u[k];
		}
		size_t n = out_len < hlen ? out_len : hlen;
		memcpy(out, t, n);
		out += n;
		out_len -= n;
	}
	secure_wipe(&kc, sizeof kc);
	secure_wipe(&ctx, sizeof ctx);
	secure_wipe(u, sizeof u);
	secure_wipe(t, sizeof t);
	return 0;
}
