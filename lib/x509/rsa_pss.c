/*
 * EMSA-PSS encode/verify (RFC 8017 9.1.1 / 9.1.2) for SHA-384, MGF1-SHA-384,
 * salt 48, over BearSSL's raw RSA operations. Every step of 9.1.2 is checked
 * separately so a refusal says which one failed.
 */
#include "rsa_pss.h"

#include <string.h>

#include "base/bytes.h"
#include "der/der.h"

#define HLEN RSA_PSS_SHA384_HLEN
#define SLEN RSA_PSS_SHA384_SALT_LEN
#define MAX_BYTES (RSA_PSS_MAX_BITS / 8)

size_t rsa_pss_bit_length(const uint8_t *n, size_t len)
{
	size_t i = 0;
	while (i < len && n[i] == 0)
		i++;
	if (i == len)
		return 0;
	size_t bits = (len - i) * 8;
	for (uint8_t top = n[i]; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

/* db ^= MGF1-SHA-384(seed, db_len), RFC 8017 B.2.1. */
static void mgf1_sha384_xor(uint8_t *db, size_t db_len, const uint8_t seed[HLEN])
{
	uint8_t ctr[4], mask[HLEN];
	br_sha384_context h;
	for (uint32_t c = 0; (size_t)c * HLEN < db_len; c++) {
		be32_store(ctr, c);
		br_sha384_init(&h);
		br_sha384_update(&h, seed, HLEN);
		br_sha384_update(&h, ctr, sizeof(ctr));
		br_sha384_out(&h, mask);
		size_t off = (size_t)c * HLEN;
		size_t n = db_len - off < HLEN ? db_len - off : HLEN;
		for (size_t i = 0; i < n; i++)
			db[off + i] ^= mask[i];
	}
}

/* H = SHA-384(0x00 * 8 || mHash || salt) */
static void pss_hash(uint8_t out[HLEN], const uint8_t mhash[HLEN], const uint8_t salt[SLEN])
{
	static const uint8_t zeros[8] = {0};
	br_sha384_context h;
	br_sha384_init(&h);
	br_sha384_update(&h, zeros, sizeof(zeros));
	br_sha384_update(&h, mhash, HLEN);
	br_sha384_update(&h, salt, SLEN);
	br_sha384_out(&h, out);
}

/* Strips leading zero bytes of the modulus: BearSSL wants xlen == that length. */
static size_t modulus_len(const br_rsa_public_key *pk, const uint8_t **n)
{
	const uint8_t *p = pk->n;
	size_t len = pk->nlen;
	while (len && p[0] == 0) {
		p++;
		len--;
	}
	*n = p;
	return len;
}

int rsa_pss_sha384_verify(const br_rsa_public_key *pk, const uint8_t hash[HLEN], const uint8_t *sig,
			  size_t sig_len, char *err, size_t err_len)
{
	uint8_t em_buf[MAX_BYTES];
	const uint8_t *n;
	size_t k = modulus_len(pk, &n);
	size_t mod_bits = rsa_pss_bit_length(n, k);

	if (mod_bits < RSA_PSS_MIN_BITS || mod_bits > RSA_PSS_MAX_BITS) {
		der_errf(err, err_len, "RSA-PSS: modulus of %zu bits, expected %d..%d", mod_bits,
			 RSA_PSS_MIN_BITS, RSA_PSS_MAX_BITS);
		return -1;
	}
	/* 8.1.2 step 1: the signature is exactly k octets. */
	if (sig_len != k) {
		der_errf(err, err_len, "RSA-PSS: signature of %zu bytes, expected %zu (modulus length)",
			 sig_len, k);
		return -1;
	}
	/* RSAVP1 requires 0 <= s < n; BearSSL checks too, this names the failure. */
	if (memcmp(sig, n, k) >= 0) {
		der_errf(err, err_len, "RSA-PSS: signature value is not below the modulus");
		return -1;
	}
	memcpy(em_buf, sig, k);
	br_rsa_public pub = br_rsa_public_get_default();
	br_rsa_public_key key = {(unsigned char *)(uintptr_t)n, k, pk->e, pk->elen};
	if (!pub(em_buf, k, &key)) {
		der_errf(err, err_len, "RSA-PSS: RSA public operation failed (bad key or signature)");
		return -1;
	}

	/* 8.1.2 step 2c: EM = I2OSP(m, emLen) with emBits = modBits - 1. */
	size_t em_bits = mod_bits - 1;
	size_t em_len = (em_bits + 7) / 8;
	const uint8_t *em = em_buf + (k - em_len);
	for (size_t i = 0; i < k - em_len; i++) {
		if (em_buf[i] != 0) {
			der_errf(err, err_len, "RSA-PSS: representative does not fit emLen %zu bytes", em_len);
			return -1;
		}
	}
	/* 9.1.2 step 3 */
	if (em_len < HLEN + SLEN + 2) {
		der_errf(err, err_len, "RSA-PSS: emLen %zu too short for hLen %d + sLen %d + 2", em_len,
			 HLEN, SLEN);
		return -1;
	}
	/* step 4 */
	if (em[em_len - 1] != 0xbc) {
		der_errf(err, err_len, "RSA-PSS: trailer byte 0x%02x, expected 0xbc", em[em_len - 1]);
		return -1;
	}
	/* step 5 */
	size_t db_len = em_len - HLEN - 1;
	uint8_t db[MAX_BYTES];
	memcpy(db, em, db_len);
	const uint8_t *h = em + db_len;
	/* step 6: the bits above emBits must be zero. */
	unsigned top_bits = (unsigned)(8 * em_len - em_bits);
	uint8_t top_mask = (uint8_t)(0xff << (8 - top_bits));
	if (db[0] & top_mask) {
		der_errf(err, err_len, "RSA-PSS: leftmost %u bit(s) of maskedDB not zero (byte 0x%02x)",
			 top_bits, db[0]);
		return -1;
	}
	/* steps 7-9 */
	mgf1_sha384_xor(db, db_len, h);
	db[0] &= (uint8_t)~top_mask;
	/* step 10: PS zeros, then 0x01, then exactly SLEN bytes of salt. */
	size_t ps_len = em_len - HLEN - SLEN - 2;
	for (size_t i = 0; i < ps_len; i++) {
		if (db[i] != 0) {
			der_errf(err, err_len,
				 "RSA-PSS: DB padding byte %zu is 0x%02x, expected 0x00 (salt length not %d?)",
				 i, db[i], SLEN);
			return -1;
		}
	}
	if (db[ps_len] != 0x01) {
		der_errf(err, err_len, "RSA-PSS: DB separator at %zu is 0x%02x, expected 0x01", ps_len,
			 db[ps_len]);
		return -1;
	}
	/* steps 11-14 */
	uint8_t h2[HLEN];
	pss_hash(h2, hash, db + db_len - SLEN);
	if (!bytes_equal_ct(h, h2, HLEN)) {
		der_errf(err, err_len, "RSA-PSS: hash H does not match (wrong message or key)");
		return -1;
	}
	return 0;
}

int rsa_pss_sha384_sign(const br_rsa_private_key *sk, const uint8_t hash[HLEN], const uint8_t salt[SLEN],
			uint8_t *sig, size_t sig_cap, size_t *sig_len, char *err, size_t err_len)
{
	size_t mod_bits = sk->n_bitlen;
	size_t k = (mod_bits + 7) / 8;
	if (mod_bits < RSA_PSS_MIN_BITS || mod_bits > RSA_PSS_MAX_BITS) {
		der_errf(err, err_len, "RSA-PSS sign: modulus of %zu bits, expected %d..%d", mod_bits,
			 RSA_PSS_MIN_BITS, RSA_PSS_MAX_BITS);
		return -1;
	}
	if (sig_cap < k) {
		der_errf(err, err_len, "RSA-PSS sign: output of %zu bytes, need %zu", sig_cap, k);
		return -1;
	}
	size_t em_bits = mod_bits - 1;
	size_t em_len = (em_bits + 7) / 8;
	size_t db_len = em_len - HLEN - 1;
	uint8_t *em = sig + (k - em_len);

	memset(sig, 0, k);
	/* EM = maskedDB || H || 0xbc, DB = PS || 0x01 || salt (9.1.1 steps 5-12) */
	pss_hash(em + db_len, hash, salt);
	em[db_len - SLEN - 1] = 0x01;
	memcpy(em + db_len - SLEN, salt, SLEN);
	mgf1_sha384_xor(em, db_len, em + db_len);
	em[0] &= (uint8_t)(0xff >> (8 * em_len - em_bits));
	em[em_len - 1] = 0xbc;

	br_rsa_private priv = br_rsa_private_get_default();
	if (!priv(sig, sk)) {
		der_errf(err, err_len, "RSA-PSS sign: RSA private operation failed");
		return -1;
	}
	*sig_len = k;
	return 0;
}
