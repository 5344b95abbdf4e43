/*
 * The disk pin: what the measured configuration fixes about the root disk,
 * so that the first stage hands the owner's key only to the owner's disk,
 * mapped the owner's way (DESIGN.md, "The invariant that protects the
 * key"; ../shared/reference/LUKS2.md).
 *
 * A LUKS2 UUID or PARTUUID identifies nothing (the host writes them, and
 * keyslots move between headers). What does:
 *   - the volume-key digest (type pbkdf2: hash, iterations, salt, value):
 *     only someone who knows the volume key can satisfy it, so a mapping
 *     whose key passes it holds the owner's volume key;
 *   - the data segment: cipher, key size, sector size, offset, iv_tweak,
 *     size ("dynamic" or exact): nothing in LUKS2 ties these to the
 *     keyslots, so a host could otherwise map the owner's key with
 *     cipher_null over a plaintext root it wrote.
 *
 * Three checks use one pin (and one parser per input):
 *   1. disk_pin_check_header: the LUKS2 header (luks2_header.h) before the
 *      key is used. A courtesy: the host may serve different bytes to
 *      cryptsetup, but it refuses a wrong disk early, with the reason, and
 *      before the owner is asked for anything.
 *   2. disk_pin_check_table: the live dm-crypt table (dm_crypt_table.h)
 *      after `cryptsetup open` and before mounting: cipher, key size, IV
 *      offset, sector size, start offset, backing device, and
 *   3. disk_pin_check_volume_key: the key in that live table recomputed
 *      through the pinned digest. 2 and 3 are the checks that count.
 * Every refusal says what differed: "segment cipher: pinned
 * aes-xts-plain64, disk has cipher_null-ecb".
 *
 * No allocation; the pin holds no secret.
 */
#ifndef SNPBOOT_DISK_PIN_H
#define SNPBOOT_DISK_PIN_H

#include <stddef.h>
#include <stdint.h>

#define DISK_PIN_HASH_MAX 16    /* "sha256", "sha512" */
#define DISK_PIN_SALT_MAX 64    /* LUKS2 writes 32 bytes */
#define DISK_PIN_DIGEST_MAX 64  /* LUKS2 writes 32 bytes */
#define DISK_PIN_CIPHER_MAX 64  /* "aes-xts-plain64" */
#define DISK_PIN_KEY_MAX 128    /* bytes of a volume key (aes-xts-plain64 with AES-256: 64) */

struct disk_pin {
	/* the volume-key digest; the type is always "pbkdf2" */
	char digest_hash[DISK_PIN_HASH_MAX]; /* "sha256" or "sha512" */
	uint32_t digest_iterations;          /* >= 1000 */
	uint8_t digest_salt[DISK_PIN_SALT_MAX];
	size_t digest_salt_len;
	uint8_t digest[DISK_PIN_DIGEST_MAX];
	size_t digest_len;
	/* the data segment */
	char cipher[DISK_PIN_CIPHER_MAX]; /* dm-crypt form, "aes-xts-plain64" */
	uint32_t key_size;                /* bytes of the volume key */
	uint32_t sector_size;             /* 512, 1024, 2048 or 4096 */
	uint64_t offset;                  /* bytes from the start of the device */
	uint64_t iv_tweak;                /* 512-byte sectors, like dm-crypt's iv_offset; 0 only (below) */
	uint64_t size;                    /* bytes; 0 = "dynamic" (to the end of the device) */
};

/* 1 if pin has every field set and each value is one the first stage
 * accepts (the cipher rules of luks2_cipher_acceptable, a key size the
 * cipher's mode takes, iv_tweak 0: cryptsetup 2.6.1 maps a single segment
 * with IV offset 0 whatever iv_tweak says), else 0 with the reason in err. */
int disk_pin_valid(const struct disk_pin *pin, char *err, size_t err_len);

struct luks2_header;
struct dm_crypt_table;

/* 0 if the header's data segment and the digest that covers it match pin;
 * -1 with every difference (expected vs found) in err. */
int disk_pin_check_header(const struct disk_pin *pin, const struct luks2_header *hdr, char *err, size_t err_len);

/* 0 if the live table maps the pinned segment as cryptsetup 2.6.1 loads it
 * (LUKS2_activate, get_dm_crypt_params): cipher, key size (the table's hex
 * key length), iv_offset = iv_tweak unscaled (dm-crypt counts it in 512-byte
 * sectors whatever the sector size; cryptsetup writes 0 for one segment),
 * no iv_large_sectors (cryptsetup sets it only for plain and BITLK
 * devices), start offset = offset / 512, sector_size option (absent means
 * 512), no integrity option, target start 0, backing device = backing_dev
 * (major:minor of the device the first stage found), length = (device size
 * - offset) / 512 for "dynamic" or size / 512. -1 with every difference in
 * err. Does not look at the key's value. */
int disk_pin_check_table(const struct disk_pin *pin, const struct dm_crypt_table *table, uint32_t backing_major,
			 uint32_t backing_minor, uint64_t device_bytes, char *err, size_t err_len);

/* 0 if PBKDF2-HMAC-<digest_hash>(key, digest_salt, digest_iterations,
 * digest_len) equals the pinned digest (compared in constant time), -1 with
 * "volume key: does not match the pinned digest" in err. Wipes its own
 * intermediate buffers; the caller wipes key. */
int disk_pin_check_volume_key(const struct disk_pin *pin, const uint8_t *key, size_t key_len, char *err,
			      size_t err_len);

/* The pin of a header that luks2_header_parse accepted (its segment 0 and
 * the digest covering it). 0, or -1 with why it cannot be pinned. */
int disk_pin_from_header(const struct luks2_header *hdr, struct disk_pin *pin, char *err, size_t err_len);

/* The pin as boot.toml lines for its [root] table (keys pin_*, described in
 * config/boot.toml), or as kernel command-line overrides
 * ("snpboot.root.pin_cipher=aes-xts-plain64 ..."), NUL-terminated. Returns
 * the length, or -1 if cap is too small. */
int disk_pin_format_toml(const struct disk_pin *pin, char *out, size_t cap);
int disk_pin_format_cmdline(const struct disk_pin *pin, char *out, size_t cap);

#endif
