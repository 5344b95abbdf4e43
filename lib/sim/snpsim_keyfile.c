/* Files of the simulator's state directory (snpsim_keyfile.h). */
#include "snpsim_keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/fd_io.h"
#include "x509/pem.h"
#include "base/err_text.h"

int snpsim_file_write(const char *dir, const char *name, const void *data, size_t len, unsigned mode, char *err,
		      size_t err_len)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
	if (fd < 0)
		return err_set(err, err_len, "%s: %s", tmp, strerror(errno));
	if (fd_write_all(fd, data, len) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return err_set(err, err_len, "%s: write: %s", tmp, strerror(e));
	}
	/* The umask may have narrowed the mode; never widened it: set it exactly. */
	if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0 || close(fd) != 0) {
		int e = errno;
		unlink(tmp);
		return err_set(err, err_len, "%s: %s", tmp, strerror(e));
	}
	if (rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return err_set(err, err_len, "%s: rename: %s", path, strerror(e));
	}
	return 0;
}

int snpsim_file_read(const char *dir, const char *name, uint8_t *buf, size_t cap, size_t *len, char *err,
		     size_t err_len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return err_set(err, err_len, "%s: %s", path, strerror(errno));
	}
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return err_set(err, err_len, "%s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == cap) {
			close(fd);
			return err_set(err, err_len, "%s: larger than %zu bytes", path, cap);
		}
	}
	close(fd);
	*len = got;
	return 0;
}

static size_t der_to_pem(char *out, size_t cap, const uint8_t *der, size_t len, const char *label)
{
	size_t need = br_pem_encode(NULL, der, len, label, BR_PEM_LINE64);
	if (need + 1 > cap)
		return 0;
	return br_pem_encode(out, der, len, label, BR_PEM_LINE64);
}

size_t snpsim_rsa_key_to_pem(char *out, size_t cap, const struct snpsim_rsa_key *k)
{
	uint8_t d[SNPSIM_RSA_BITS / 8], der[SNPSIM_FILE_MAX];
	uint32_t e = br_rsa_compute_pubexp_get_default()(&k->sk);
	size_t dlen = br_rsa_compute_privexp_get_default()(d, &k->sk, e);
	size_t n = 0;
	if (dlen && br_encode_rsa_raw_der(NULL, &k->sk, &k->pk, d, dlen) <= sizeof der) {
		size_t der_len = br_encode_rsa_raw_der(der, &k->sk, &k->pk, d, dlen);
		n = der_to_pem(out, cap, der, der_len, BR_ENCODE_PEM_RSA_RAW);
	}
	secure_wipe(d, sizeof d);
	secure_wipe(der, sizeof der);
	return n;
}

size_t snpsim_ec_key_to_pem(char *out, size_t cap, const uint8_t scalar[SNPSIM_EC_SCALAR_LEN],
			    const uint8_t point[SNPSIM_EC_POINT_LEN])
{
	br_ec_private_key sk = {.curve = BR_EC_secp384r1, .x = (unsigned char *)(uintptr_t)scalar,
				.xlen = SNPSIM_EC_SCALAR_LEN};
	br_ec_public_key pk = {.curve = BR_EC_secp384r1, .q = (unsigned char *)(uintptr_t)point,
			       .qlen = SNPSIM_EC_POINT_LEN};
	uint8_t der[512];
	size_t n = 0;
	if (br_encode_ec_raw_der(NULL, &sk, &pk) <= sizeof der)
		n = der_to_pem(out, cap, der, br_encode_ec_raw_der(der, &sk, &pk), BR_ENCODE_PEM_EC_RAW);
	secure_wipe(der, sizeof der);
	return n;
}

/* The first key block of pem through BearSSL's key decoder (ctx holds the key afterwards). */
static int decode_key(br_skey_decoder_context *ctx, const char *pem, size_t len, int want_type, char *err,
		      size_t err_len)
{
	uint8_t der[SNPSIM_FILE_MAX];
	size_t pos = 0, der_len = 0;
	char why[160];
	int rc = -1;
	static const char *const labels[] = {"RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"};
	for (size_t i = 0; i < sizeof labels / sizeof labels[0] && rc != 1; i++) {
		pos = 0;
		rc = pem_next(pem, len, &pos, labels[i], der, sizeof der, &der_len, why, sizeof why);
		if (rc < 0)
			return err_set(err, err_len, "%s", why);
	}
	if (rc != 1)
		return err_set(err, err_len, "no private key PEM block");
	br_skey_decoder_init(ctx);
	br_skey_decoder_push(ctx, der, der_len);
	secure_wipe(der, sizeof der);
	int e = br_skey_decoder_last_error(ctx);
	if (e)
		return err_set(err, err_len, "private key does not decode (BearSSL error %d)", e);
	if (br_skey_decoder_key_type(ctx) != want_type)
		return err_set(err, err_len, "expected an %s private key", want_type == BR_KEYTYPE_RSA ? "RSA" : "EC");
	return 0;
}

int snpsim_rsa_key_from_pem(struct snpsim_rsa_key *k, const char *pem, size_t len, char *err, size_t err_len)
{
	br_skey_decoder_context ctx;
	memset(&ctx, 0, sizeof ctx);
	memset(k, 0, sizeof *k);
	if (decode_key(&ctx, pem, len, BR_KEYTYPE_RSA, err, err_len))
		return -1;
	const br_rsa_private_key *sk = br_skey_decoder_get_rsa(&ctx);
	int rc = -1;
	/* The public half is not in BearSSL's private key: recompute it. The
	 * i31 modulus code of BearSSL 0.6 returns 0 for 4096-bit keys (an
	 * internal size limit); the i15 one handles them. */
	static uint8_t n[SNPSIM_RSA_BITS / 8 + 8];
	uint8_t e[4];
	uint32_t pubexp = br_rsa_compute_pubexp_get_default()(sk);
	size_t nlen = br_rsa_i15_compute_modulus(NULL, sk);
	if (sk->n_bitlen != SNPSIM_RSA_BITS || !pubexp || !nlen || nlen > sizeof n) {
		err_set(err, err_len, "RSA key of %u bits, expected a valid %d-bit key", sk->n_bitlen, SNPSIM_RSA_BITS);
		goto out;
	}
	br_rsa_i15_compute_modulus(n, sk);
	be32_store(e, pubexp);
	size_t skip = 0;
	while (skip < 3 && e[skip] == 0)
		skip++;
	if (snpsim_rsa_set(k, sk, n, nlen, e + skip, 4 - skip)) {
		err_set(err, err_len, "RSA key: parts larger than a %d-bit key has", SNPSIM_RSA_BITS);
		goto out;
	}
	rc = 0;
out:
	secure_wipe(&ctx, sizeof ctx);
	return rc;
}

int snpsim_ec_key_from_pem(uint8_t scalar[SNPSIM_EC_SCALAR_LEN], const char *pem, size_t len, char *err,
			   size_t err_len)
{
	br_skey_decoder_context ctx;
	memset(&ctx, 0, sizeof ctx);
	if (decode_key(&ctx, pem, len, BR_KEYTYPE_EC, err, err_len))
		return -1;
	const br_ec_private_key *sk = br_skey_decoder_get_ec(&ctx);
	int rc = 0;
	if (sk->curve != BR_EC_secp384r1 || sk->xlen == 0 || sk->xlen > SNPSIM_EC_SCALAR_LEN) {
		rc = err_set(err, err_len, "EC key: expected a P-384 private key");
	} else { /* other writers may drop leading zero bytes */
		memset(scalar, 0, SNPSIM_EC_SCALAR_LEN - sk->xlen);
		memcpy(scalar + SNPSIM_EC_SCALAR_LEN - sk->xlen, sk->x, sk->xlen);
	}
	secure_wipe(&ctx, sizeof ctx);
	return rc;
}

int snpsim_cert_to_pem(char *out, size_t cap, size_t *pos, const uint8_t *der, size_t len)
{
	size_t n = der_to_pem(out + *pos, cap - *pos, der, len, "CERTIFICATE");
	if (!n)
		return -1;
	*pos += n;
	return 0;
}
