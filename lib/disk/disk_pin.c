/*
 * The disk pin (disk_pin.h): the volume-key check and the pin's two printed
 * forms. Its rules and the header and table checks are in
 * disk_pin_check.c, which may see luks2_header.h and dm_crypt_table.h
 * (both build on disk_pin.h, so this file must not include them).
 */
#include "disk_pin.h"

#include "pbkdf2.h"

#include "base/bytes.h"
#include "base/err_text.h"

#include <stdio.h>
#include <string.h>

static int terminated(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

int disk_pin_check_volume_key(const struct disk_pin *pin, const uint8_t *key, size_t key_len, char *err,
			      size_t err_len)
{
	if (!disk_pin_valid(pin, err, err_len))
		return -1;
	if (key_len != pin->key_size)
		return err_set(err, err_len, "volume key: %zu bytes, pinned %u", key_len, pin->key_size);
	uint8_t got[DISK_PIN_DIGEST_MAX];
	int rc = pbkdf2_hmac(pin->digest_hash, key, key_len, pin->digest_salt, pin->digest_salt_len,
			     pin->digest_iterations, got, pin->digest_len);
	int same = rc == 0 && bytes_equal_ct(got, pin->digest, pin->digest_len);
	secure_wipe(got, sizeof got);
	if (rc != 0)
		return err_set(err, err_len, "volume key: PBKDF2 failed");
	if (!same)
		return err_set(err, err_len, "volume key: does not match the pinned digest");
	return 0;
}

/* ---- printed forms ------------------------------------------------------------------ */

static int emit(const struct disk_pin *pin, int toml, char *out, size_t cap)
{
	char salt[2 * DISK_PIN_SALT_MAX + 1], digest[2 * DISK_PIN_DIGEST_MAX + 1], iter[12], ks[12], ss[12],
		off[24], tweak[24], size[24];
	if (pin->digest_salt_len > DISK_PIN_SALT_MAX || pin->digest_len > DISK_PIN_DIGEST_MAX ||
	    !terminated(pin->digest_hash, sizeof pin->digest_hash) || !terminated(pin->cipher, sizeof pin->cipher))
		return -1;
	hex_encode(salt, pin->digest_salt, pin->digest_salt_len);
	hex_encode(digest, pin->digest, pin->digest_len);
	snprintf(iter, sizeof iter, "%u", pin->digest_iterations);
	snprintf(ks, sizeof ks, "%u", pin->key_size);
	snprintf(ss, sizeof ss, "%u", pin->sector_size);
	snprintf(off, sizeof off, "%llu", (unsigned long long)pin->offset);
	snprintf(tweak, sizeof tweak, "%llu", (unsigned long long)pin->iv_tweak);
	if (pin->size)
		snprintf(size, sizeof size, "%llu", (unsigned long long)pin->size);
	else
		memcpy(size, "dynamic", 8);
	const struct {
		const char *key, *value;
		int quoted;
	} f[] = {
		{"pin_digest_type", "pbkdf2", 1}, {"pin_digest_hash", pin->digest_hash, 1},
		{"pin_digest_iterations", iter, 0}, {"pin_digest_salt", salt, 1},
		{"pin_digest", digest, 1},	  {"pin_cipher", pin->cipher, 1},
		{"pin_key_size", ks, 0},	  {"pin_sector_size", ss, 0},
		{"pin_offset", off, 0},		  {"pin_iv_tweak", tweak, 0},
		{"pin_size", size, 1},
	};
	size_t len = 0;
	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		int n;
		if (toml)
			n = snprintf(out + len, cap - len, f[i].quoted ? "%s = \"%s\"\n" : "%s = %s\n", f[i].key,
				     f[i].value);
		else
			n = snprintf(out + len, cap - len, "%ssnpboot.root.%s=%s", i ? " " : "", f[i].key, f[i].value);
		if (n < 0 || (size_t)n >= cap - len) {
			out[0] = '\0';
			return -1;
		}
		len += (size_t)n;
	}
	return (int)len;
}

int disk_pin_format_toml(const struct disk_pin *pin, char *out, size_t cap) { return emit(pin, 1, out, cap); }

int disk_pin_format_cmdline(const struct disk_pin *pin, char *out, size_t cap) { return emit(pin, 0, out, cap); }
