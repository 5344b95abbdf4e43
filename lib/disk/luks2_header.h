/*
 * The LUKS2 header as the first stage reads it before using a key, and as
 * `snpboot disk-pin` reads an image (cryptsetup's on-disk format, LUKS2;
 * ../shared/reference/LUKS2.md).
 *
 * Input: the first bytes of the device, at least the binary header (4096
 * bytes) and, to parse the JSON area, the whole primary header copy
 * (hdr_size bytes, at most LUKS2_HDR_MAX). The host wrote every byte:
 * every offset, length, number and string is checked, the JSON is parsed
 * strictly (json.h) and bounded, and anything unexpected is refused with
 * where and why ("segments.0.encryption: cipher_null-ecb is not allowed").
 *
 * Refused, whatever the pin says:
 *   - LUKS1 (version 1) and anything that is not LUKS2;
 *   - a checksum that does not match (csum_alg sha256 only); it proves
 *     nothing about who wrote the header, but a torn header is refused;
 *   - more or fewer than one segment, a segment type other than "crypt",
 *     an integrity section, flags on the segment;
 *   - a reencryption in progress (a "reencrypt" keyslot, a
 *     config.requirements.mandatory entry such as "online-reencrypt*");
 *   - a null, ECB or unknown cipher in the segment or in any keyslot area
 *     (luks2_cipher_acceptable);
 *   - a digest type other than pbkdf2, or no digest covering segment 0;
 *   - what cryptsetup 2.6.1's own validation refuses (hdr_size not a power
 *     of two from 16 KiB to 4 MiB, config.json_size not hdr_size - 4096,
 *     keyslot areas outside the keyslots area, data over the header),
 *     hdr_size above LUKS2_HDR_MAX, a segment iv_tweak other than 0 (one
 *     segment is mapped with IV offset 0 whatever it says), unknown fields
 *     in the segment or the top level, unknown config flags or
 *     requirements.
 * Only the primary copy is read: the secondary and the host's choice of
 * which copy cryptsetup uses are for the live-table checks to catch.
 *
 * No allocation: the result holds copies of the strings it needs.
 */
#ifndef SNPBOOT_LUKS2_HEADER_H
#define SNPBOOT_LUKS2_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "disk_pin.h"

#define LUKS2_BIN_HDR_LEN 4096
#define LUKS2_HDR_MAX 65536 /* largest hdr_size read (cryptsetup's default is 16384) */
#define LUKS2_MAX_KEYSLOTS 32
#define LUKS2_UUID_LEN 40

struct luks2_keyslot {
	unsigned id;
	char area_encryption[DISK_PIN_CIPHER_MAX]; /* e.g. "aes-xts-plain64" */
	uint32_t area_key_size;
	uint32_t key_size;    /* the volume key's size in bytes */
	char kdf_type[16];    /* pbkdf2, argon2i, argon2id */
};

struct luks2_header {
	uint64_t hdr_size; /* bytes of one header copy (binary + JSON) */
	uint64_t seqid;
	char uuid[LUKS2_UUID_LEN + 1];
	/* segment 0 and the digest that covers it, as a pin would say them */
	struct disk_pin segment;
	unsigned n_keyslots;
	struct luks2_keyslot keyslots[LUKS2_MAX_KEYSLOTS];
};

/*
 * Parses and vets the primary header in buf (len bytes from offset 0 of
 * the device). 0 with *hdr filled, or -1 with the reason in err. When len
 * is shorter than hdr_size the function fails with "need N bytes" and sets
 * *need to hdr_size (if need is not NULL), so a caller can read exactly
 * the header: read LUKS2_BIN_HDR_LEN, call, read *need, call again.
 */
int luks2_header_parse(const uint8_t *buf, size_t len, struct luks2_header *hdr, size_t *need, char *err,
		       size_t err_len);

/* 1 if a cipher spec (dm-crypt form, "aes-xts-plain64") is one the first
 * stage maps: a known block cipher (aes, serpent, twofish), a mode (xts,
 * cbc, ...) that is not ecb, an IV generator that is not null; else 0 with
 * the reason in err. "cipher_null-*", "*-ecb", "capi:" forms are refused. */
int luks2_cipher_acceptable(const char *cipher, char *err, size_t err_len);

#endif
