/* ID block and ID auth info layout (no crypto beyond SHA-384 here). */
#include "idblock.h"

#include <string.h>

#include <bearssl.h>

#include "base/bytes.h"

void idblock_encode(uint8_t out[IDBLOCK_LEN], const struct idblock *b)
{
	memcpy(out, b->ld, IDBLOCK_DIGEST_LEN);
	memcpy(out + 0x30, b->family_id, IDBLOCK_ID_LEN);
	memcpy(out + 0x40, b->image_id, IDBLOCK_ID_LEN);
	le32_store(out + 0x50, b->version);
	le32_store(out + 0x54, b->guest_svn);
	le64_store(out + 0x58, b->policy);
}

int idblock_decode(struct idblock *b, const uint8_t *in, size_t len)
{
	if (len != IDBLOCK_LEN)
		return -1;
	memcpy(b->ld, in, IDBLOCK_DIGEST_LEN);
	memcpy(b->family_id, in + 0x30, IDBLOCK_ID_LEN);
	memcpy(b->image_id, in + 0x40, IDBLOCK_ID_LEN);
	b->version = le32_load(in + 0x50);
	b->guest_svn = le32_load(in + 0x54);
	b->policy = le64_load(in + 0x58);
	return 0;
}

/* Big-endian value of n bytes into a little-endian field (zero padded). */
static void be_to_le(uint8_t *field, const uint8_t *be, size_t n)
{
	for (size_t i = 0; i < n; i++)
		field[i] = be[n - 1 - i];
}

int idblock_pubkey_area(uint8_t out[IDAUTH_PUBKEY_LEN], const uint8_t *point, size_t point_len)
{
	if (point_len != 1 + 2 * IDAUTH_P384_LEN || point[0] != 0x04)
		return -1;
	memset(out, 0, IDAUTH_PUBKEY_LEN);
	le32_store(out, IDAUTH_CURVE_P384);
	be_to_le(out + 4, point + 1, IDAUTH_P384_LEN);
	be_to_le(out + 4 + IDAUTH_COORD_LEN, point + 1 + IDAUTH_P384_LEN, IDAUTH_P384_LEN);
	return 0;
}

int idblock_pubkey_point(uint8_t point[1 + 2 * IDAUTH_P384_LEN], const uint8_t area[IDAUTH_PUBKEY_LEN])
{
	if (le32_load(area) != IDAUTH_CURVE_P384 ||
	    !bytes_all_zero(area + 4 + IDAUTH_P384_LEN, IDAUTH_COORD_LEN - IDAUTH_P384_LEN) ||
	    !bytes_all_zero(area + 4 + IDAUTH_COORD_LEN + IDAUTH_P384_LEN, IDAUTH_COORD_LEN - IDAUTH_P384_LEN))
		return -1;
	point[0] = 0x04;
	be_to_le(point + 1, area + 4, IDAUTH_P384_LEN); /* reversing is its own inverse */
	be_to_le(point + 1 + IDAUTH_P384_LEN, area + 4 + IDAUTH_COORD_LEN, IDAUTH_P384_LEN);
	return 0;
}

void idblock_key_digest(uint8_t out[IDBLOCK_DIGEST_LEN], const uint8_t area[IDAUTH_PUBKEY_LEN])
{
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, area, IDAUTH_PUBKEY_LEN);
	br_sha384_out(&c, out);
}

int idblock_sig_from_raw(uint8_t out[IDAUTH_SIG_LEN], const uint8_t *raw, size_t raw_len)
{
	if (raw_len != 2 * IDAUTH_P384_LEN)
		return -1;
	memset(out, 0, IDAUTH_SIG_LEN);
	be_to_le(out, raw, IDAUTH_P384_LEN);
	be_to_le(out + IDAUTH_COORD_LEN, raw + IDAUTH_P384_LEN, IDAUTH_P384_LEN);
	return 0;
}

int idblock_sig_to_raw(uint8_t raw[2 * IDAUTH_P384_LEN], const uint8_t sig[IDAUTH_SIG_LEN])
{
	if (!bytes_all_zero(sig + IDAUTH_P384_LEN, IDAUTH_COORD_LEN - IDAUTH_P384_LEN) ||
	    !bytes_all_zero(sig + IDAUTH_COORD_LEN + IDAUTH_P384_LEN, IDAUTH_COORD_LEN - IDAUTH_P384_LEN))
		return -1;
	be_to_le(raw, sig, IDAUTH_P384_LEN);
	be_to_le(raw + IDAUTH_P384_LEN, sig + IDAUTH_COORD_LEN, IDAUTH_P384_LEN);
	return 0;
}

void idauth_build(uint8_t out[IDAUTH_LEN], const uint8_t id_block_sig[IDAUTH_SIG_LEN],
		  const uint8_t id_key[IDAUTH_PUBKEY_LEN], const uint8_t *author_sig, const uint8_t *author_key)
{
	memset(out, 0, IDAUTH_LEN);
	le32_store(out + IDAUTH_OFF_ID_KEY_ALGO, IDAUTH_ALGO_ECDSA_P384_SHA384);
	memcpy(out + IDAUTH_OFF_ID_BLOCK_SIG, id_block_sig, IDAUTH_SIG_LEN);
	memcpy(out + IDAUTH_OFF_ID_KEY, id_key, IDAUTH_PUBKEY_LEN);
	if (author_sig && author_key) {
		le32_store(out + IDAUTH_OFF_AUTH_KEY_ALGO, IDAUTH_ALGO_ECDSA_P384_SHA384);
		memcpy(out + IDAUTH_OFF_ID_KEY_SIG, author_sig, IDAUTH_SIG_LEN);
		memcpy(out + IDAUTH_OFF_AUTHOR_KEY, author_key, IDAUTH_PUBKEY_LEN);
	}
}
