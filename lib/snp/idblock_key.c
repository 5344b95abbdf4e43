/* P-384 key handling and ECDSA for the ID block (BearSSL). */
#include "idblock_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <bearssl.h>

#include "base/bytes.h"
#include "base/fd_io.h"
#include "base/err_text.h"

#define DER_MAX 2048

struct der_buf {
	uint8_t data[DER_MAX];
	size_t len;
	int overflow;
};

static void der_append(void *ctx, const void *src, size_t len)
{
	struct der_buf *d = ctx;
	if (len > sizeof d->data - d->len) {
		d->overflow = 1;
		return;
	}
	memcpy(d->data + d->len, src, len);
	d->len += len;
}

/* Order n of the P-384 group, big-endian. */
static const uint8_t p384_order[IDAUTH_P384_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
	0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73};

/* 1 if 0 < x < n: BearSSL expects a valid scalar and does not check it. */
static int scalar_in_range(const uint8_t x[IDAUTH_P384_LEN])
{
	if (bytes_all_zero(x, IDAUTH_P384_LEN))
		return 0;
	for (size_t i = 0; i < IDAUTH_P384_LEN; i++)
		if (x[i] != p384_order[i])
			return x[i] < p384_order[i];
	return 0;
}

static int key_from_der(struct idblock_key *k, const uint8_t *der, size_t len, const char *format, char *err,
			size_t err_len)
{
	br_skey_decoder_context dc;
	br_skey_decoder_init(&dc);
	br_skey_decoder_push(&dc, der, len);
	int e = br_skey_decoder_last_error(&dc);
	if (e != 0) {
		(void)err_set(err, err_len, "%s key: not a valid private key (BearSSL error %d)", format, e);
		return -1;
	}
	if (br_skey_decoder_key_type(&dc) != BR_KEYTYPE_EC) {
		(void)err_set(err, err_len, "%s key: not an EC key (P-384 required)", format);
		return -1;
	}
	const br_ec_private_key *sk = br_skey_decoder_get_ec(&dc);
	if (sk->curve != BR_EC_secp384r1 || sk->xlen == 0 || sk->xlen > IDAUTH_P384_LEN) {
		(void)err_set(err, err_len, "%s key: EC curve %d is not P-384 (secp384r1)", format, sk->curve);
		return -1;
	}
	memset(k->priv, 0, sizeof k->priv);
	memcpy(k->priv + IDAUTH_P384_LEN - sk->xlen, sk->x, sk->xlen);
	if (!scalar_in_range(k->priv)) {
		(void)err_set(err, err_len, "%s key: private scalar is zero or not below the P-384 group order", format);
		secure_wipe(k, sizeof *k);
		secure_wipe(&dc, sizeof dc);
		return -1;
	}
	br_ec_private_key priv = {BR_EC_secp384r1, k->priv, IDAUTH_P384_LEN};
	/* Derive the public point rather than trusting the optional copy in the file. */
	if (br_ec_compute_pub(&br_ec_prime_i31, NULL, k->pub, &priv) != IDBLOCK_KEY_POINT_LEN) {
		(void)err_set(err, err_len, "%s key: cannot compute the public key (invalid scalar?)", format);
		secure_wipe(k, sizeof *k);
		secure_wipe(&dc, sizeof dc);
		return -1;
	}
	secure_wipe(&dc, sizeof dc);
	k->format = format;
	return 0;
}

int idblock_key_from_pem(struct idblock_key *k, const char *pem, size_t len, char *err, size_t err_len)
{
	br_pem_decoder_context pc;
	struct der_buf der = {.len = 0};
	const char *format = NULL;
	int in_key = 0, done = 0;
	br_pem_decoder_init(&pc);
	memset(k, 0, sizeof *k);
	/* Push the text, then one newline: the decoder needs a line end to
	 * close an object whose last line lacks one. */
	for (int pass = 0; pass < 2 && !done; pass++) {
		const char *p = pass == 0 ? pem : "\n";
		size_t n = pass == 0 ? len : 1;
		while (n > 0 && !done) {
			size_t used = br_pem_decoder_push(&pc, p, n);
			p += used;
			n -= used;
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ: {
				const char *name = br_pem_decoder_name(&pc);
				if (strcmp(name, "PRIVATE KEY") == 0)
					format = "PKCS#8";
				else if (strcmp(name, "EC PRIVATE KEY") == 0)
					format = "SEC1";
				else if (strcmp(name, "EC PARAMETERS") == 0)
					format = NULL; /* openssl ecparam -genkey writes this first */
				else {
					(void)err_set(err, err_len,
						       "PEM object \"%s\" is not a private key (want PRIVATE KEY or EC "
						       "PRIVATE KEY; encrypted keys are not supported)",
						       name);
					goto fail;
				}
				in_key = format != NULL;
				br_pem_decoder_setdest(&pc, in_key ? der_append : NULL, &der);
				break;
			}
			case BR_PEM_END_OBJ:
				if (in_key)
					done = 1;
				break;
			case BR_PEM_ERROR:
				(void)err_set(err, err_len, "PEM: malformed base64 or framing");
				goto fail;
			default:
				break;
			}
		}
	}
	if (!done) {
		(void)err_set(err, err_len, "PEM: no complete PRIVATE KEY or EC PRIVATE KEY object");
		goto fail;
	}
	if (der.overflow) {
		(void)err_set(err, err_len, "PEM: %s key object larger than %d bytes", format, DER_MAX);
		goto fail;
	}
	int r = key_from_der(k, der.data, der.len, format, err, err_len);
	secure_wipe(&der, sizeof der);
	secure_wipe(&pc, sizeof pc);
	return r;
fail:
	secure_wipe(&der, sizeof der);
	secure_wipe(&pc, sizeof pc);
	return -1;
}

int idblock_key_load(struct idblock_key *k, const char *path, char *err, size_t err_len)
{
	char buf[IDBLOCK_KEY_MAX_FILE];
	FILE *f = fopen(path, "rb");
	if (!f) {
		(void)err_set(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t n = fread(buf, 1, sizeof buf, f);
	int bad = ferror(f), big = n == sizeof buf;
	fclose(f);
	if (bad || big) {
		(void)err_set(err, err_len, "%s: %s", path, bad ? "read error" : "too large for a key file");
		secure_wipe(buf, sizeof buf);
		return -1;
	}
	char why[200];
	int r = idblock_key_from_pem(k, buf, n, why, sizeof why);
	secure_wipe(buf, sizeof buf);
	if (r != 0)
		(void)err_set(err, err_len, "%s: %s", path, why);
	return r;
}

static int fill_random(uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int idblock_key_generate(struct idblock_key *k, char *err, size_t err_len)
{
	uint8_t seed[48];
	br_hmac_drbg_context rng;
	memset(k, 0, sizeof *k);
	if (fill_random(seed, sizeof seed) != 0) {
		(void)err_set(err, err_len, "key generation: getrandom: %s", strerror(errno));
		return -1;
	}
	br_hmac_drbg_init(&rng, &br_sha384_vtable, seed, sizeof seed);
	secure_wipe(seed, sizeof seed);
	br_ec_private_key sk;
	size_t xlen = br_ec_keygen(&rng.vtable, &br_ec_prime_i31, &sk, k->priv, BR_EC_secp384r1);
	secure_wipe(&rng, sizeof rng);
	if (xlen != IDAUTH_P384_LEN ||
	    br_ec_compute_pub(&br_ec_prime_i31, NULL, k->pub, &sk) != IDBLOCK_KEY_POINT_LEN) {
		secure_wipe(k, sizeof *k);
		(void)err_set(err, err_len, "key generation: BearSSL P-384 key generation failed");
		return -1;
	}
	k->format = "generated";
	return 0;
}

size_t idblock_key_to_pem(char *out, size_t cap, const struct idblock_key *k)
{
	uint8_t priv[IDAUTH_P384_LEN], pub[IDBLOCK_KEY_POINT_LEN], der[DER_MAX];
	memcpy(priv, k->priv, sizeof priv);
	memcpy(pub, k->pub, sizeof pub);
	br_ec_private_key sk = {BR_EC_secp384r1, priv, sizeof priv};
	br_ec_public_key pk = {BR_EC_secp384r1, pub, sizeof pub};
	size_t n = br_encode_ec_pkcs8_der(NULL, &sk, &pk), pem_len = 0;
	if (n > 0 && n <= sizeof der) {
		br_encode_ec_pkcs8_der(der, &sk, &pk);
		pem_len = br_pem_encode(NULL, der, n, BR_ENCODE_PEM_PKCS8, BR_PEM_LINE64);
		if (pem_len < cap)
			br_pem_encode(out, der, n, BR_ENCODE_PEM_PKCS8, BR_PEM_LINE64);
		else
			pem_len = 0;
	}
	secure_wipe(priv, sizeof priv);
	secure_wipe(der, sizeof der);
	return pem_len;
}

int idblock_key_save(const struct idblock_key *k, const char *path, char *err, size_t err_len)
{
	char pem[4096];
	size_t len = idblock_key_to_pem(pem, sizeof pem, k);
	if (len == 0) {
		(void)err_set(err, err_len, "%s: cannot encode the key as PKCS#8", path);
		return -1;
	}
	/* O_EXCL: never overwrite an existing key; 0600 from the start, so
	 * the private key is never readable by others, whatever the umask. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		(void)err_set(err, err_len, "%s: %s", path, strerror(errno));
		secure_wipe(pem, sizeof pem);
		return -1;
	}
	if (fd_write_all(fd, pem, len) != 0) {
		(void)err_set(err, err_len, "%s: write: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		secure_wipe(pem, sizeof pem);
		return -1;
	}
	secure_wipe(pem, sizeof pem);
	if (fsync(fd) != 0 || close(fd) != 0) {
		(void)err_set(err, err_len, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

void idblock_key_wipe(struct idblock_key *k)
{
	secure_wipe(k, sizeof *k);
}

void idblock_key_area(uint8_t out[IDAUTH_PUBKEY_LEN], const struct idblock_key *k)
{
	idblock_pubkey_area(out, k->pub, sizeof k->pub);
}

int idblock_sign(uint8_t sig[IDAUTH_SIG_LEN], const struct idblock_key *k, const uint8_t *msg, size_t len,
		 char *err, size_t err_len)
{
	uint8_t h[48], raw[2 * IDAUTH_P384_LEN], priv[IDAUTH_P384_LEN];
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, msg, len);
	br_sha384_out(&c, h);
	memcpy(priv, k->priv, sizeof priv);
	br_ec_private_key sk = {BR_EC_secp384r1, priv, sizeof priv};
	size_t n = br_ecdsa_i31_sign_raw(&br_ec_prime_i31, &br_sha384_vtable, h, &sk, raw);
	secure_wipe(priv, sizeof priv);
	if (n != sizeof raw) {
		(void)err_set(err, err_len, "ECDSA P-384 signing failed");
		return -1;
	}
	return idblock_sig_from_raw(sig, raw, n);
}

int idblock_verify(const uint8_t sig[IDAUTH_SIG_LEN], const uint8_t area[IDAUTH_PUBKEY_LEN], const uint8_t *msg,
		   size_t len)
{
	uint8_t point[IDBLOCK_KEY_POINT_LEN], raw[2 * IDAUTH_P384_LEN], h[48];
	if (idblock_pubkey_point(point, area) != 0 || idblock_sig_to_raw(raw, sig) != 0)
		return 0;
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, msg, len);
	br_sha384_out(&c, h);
	br_ec_public_key pk = {BR_EC_secp384r1, point, sizeof point};
	return br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, h, sizeof h, &pk, raw, sizeof raw) == 1;
}
