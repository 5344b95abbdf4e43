/* SNP ID block and ID authentication information (SNP firmware ABI,
 * SNP_LAUNCH_FINISH): the guest owner signs the expected launch digest and
 * identity with an ID key (ECDSA P-384/SHA-384), optionally endorsed by an
 * author key; the report then carries SHA-384 of the public key areas as
 * ID_KEY_DIGEST and AUTHOR_KEY_DIGEST. All integers little-endian. */
#ifndef SNPBOOT_IDBLOCK_H
#define SNPBOOT_IDBLOCK_H

#include <stddef.h>
#include <stdint.h>

#define IDBLOCK_LEN 96
#define IDBLOCK_DIGEST_LEN 48
#define IDBLOCK_ID_LEN 16
#define IDBLOCK_VERSION 1u
#define IDAUTH_LEN 4096
#define IDAUTH_SIG_LEN 512         /* R (72 LE), S (72 LE), zeros */
#define IDAUTH_PUBKEY_LEN 1028     /* curve u32, QX (72 LE), QY (72 LE), zeros */
#define IDAUTH_ALGO_ECDSA_P384_SHA384 1u
#define IDAUTH_CURVE_P384 2u
#define IDAUTH_COORD_LEN 72        /* field for one coordinate or scalar */
#define IDAUTH_P384_LEN 48         /* significant bytes of a P-384 value */

/* Offsets in the 4096-byte ID auth info. */
#define IDAUTH_OFF_ID_KEY_ALGO 0x000
#define IDAUTH_OFF_AUTH_KEY_ALGO 0x004
#define IDAUTH_OFF_ID_BLOCK_SIG 0x040
#define IDAUTH_OFF_ID_KEY 0x240
#define IDAUTH_OFF_ID_KEY_SIG 0x680
#define IDAUTH_OFF_AUTHOR_KEY 0x880

struct idblock {
	uint8_t ld[IDBLOCK_DIGEST_LEN];   /* expected launch digest */
	uint8_t family_id[IDBLOCK_ID_LEN];
	uint8_t image_id[IDBLOCK_ID_LEN];
	uint32_t version;                 /* IDBLOCK_VERSION */
	uint32_t guest_svn;
	uint64_t policy;                  /* guest policy, e.g. 0x30000 */
};

void idblock_encode(uint8_t out[IDBLOCK_LEN], const struct idblock *b);
/* Returns 0, or -1 if len is not IDBLOCK_LEN. */
int idblock_decode(struct idblock *b, const uint8_t *in, size_t len);

/* Public key area from an uncompressed P-384 point (0x04 || X || Y, big-endian).
 * Returns 0, or -1 if the point is not 97 bytes starting with 0x04. */
int idblock_pubkey_area(uint8_t out[IDAUTH_PUBKEY_LEN], const uint8_t *point, size_t point_len);
/* The uncompressed point back from an area; returns 0, or -1 if the curve is not P-384. */
int idblock_pubkey_point(uint8_t point[1 + 2 * IDAUTH_P384_LEN], const uint8_t area[IDAUTH_PUBKEY_LEN]);
/* ID_KEY_DIGEST / AUTHOR_KEY_DIGEST: SHA-384 of the 1028-byte area. */
void idblock_key_digest(uint8_t out[IDBLOCK_DIGEST_LEN], const uint8_t area[IDAUTH_PUBKEY_LEN]);

/* AMD signature layout from a raw ECDSA signature r || s (big-endian, 48
 * bytes each, as BearSSL's *_raw functions use). Returns 0, or -1 on bad length. */
int idblock_sig_from_raw(uint8_t out[IDAUTH_SIG_LEN], const uint8_t *raw, size_t raw_len);
/* r || s (big-endian, 96 bytes) from the AMD layout; -1 if the values do not fit 48 bytes. */
int idblock_sig_to_raw(uint8_t raw[2 * IDAUTH_P384_LEN], const uint8_t sig[IDAUTH_SIG_LEN]);

/* Assembles the ID auth info from the signatures and public key areas
 * (both algorithms ECDSA P-384/SHA-384). author_sig/author_key may be NULL
 * together: no author key (algorithm field 0, areas zero). */
void idauth_build(uint8_t out[IDAUTH_LEN], const uint8_t id_block_sig[IDAUTH_SIG_LEN],
		  const uint8_t id_key[IDAUTH_PUBKEY_LEN], const uint8_t *author_sig, const uint8_t *author_key);

#endif
