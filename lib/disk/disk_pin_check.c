/*
 * The disk pin's rules (disk_pin_valid) and the checks of a LUKS2 header and
 * of a live dm-crypt table against it. Every check lists every difference,
 * "what: pinned X, disk has Y", so one refusal tells the owner all that is
 * wrong.
 */
#include "disk_pin.h"

#include "dm_crypt_table.h"
#include "luks2_header.h"

#include "base/bytes.h"
#include "base/err_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Differences appended to err, separated by "; ". */
struct diffs {
	char *err;
	size_t cap, len;
	unsigned n;
};

static void diff(struct diffs *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void diff(struct diffs *d, const char *fmt, ...)
{
	d->n++;
	if (!d->err || d->cap == 0 || d->len + 1 >= d->cap)
		return;
	if (d->n > 1) {
		int k = snprintf(d->err + d->len, d->cap - d->len, "; ");
		d->len += k > 0 ? (size_t)k : 0;
		if (d->len >= d->cap) {
			d->len = d->cap - 1;
			return;
		}
	}
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(d->err + d->len, d->cap - d->len, fmt, ap);
	va_end(ap);
	d->len += k > 0 ? (size_t)k : 0;
	if (d->len >= d->cap)
		d->len = d->cap - 1;
}

/* The first 8 bytes of a binary value in hex, "..." if longer (enough to
 * tell two salts or digests apart in a message). */
static const char *short_hex(const uint8_t *b, size_t len, char out[24])
{
	size_t n = len < 8 ? len : 8;
	hex_encode(out, b, n);
	if (len > n)
		memcpy(out + 2 * n, "...", 4);
	return out;
}

static int terminated(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

/* Volume-key sizes (bytes) the cipher's mode takes: XTS splits its key in
 * two AES/Serpent/Twofish keys of 128, 192 or 256 bits. */
static int key_size_fits(const char *cipher, uint32_t key_size)
{
	const char *mode = strchr(cipher, '-');
	if (mode && strncmp(mode, "-xts-", 5) == 0)
		return key_size == 32 || key_size == 48 || key_size == 64;
	return key_size == 16 || key_size == 24 || key_size == 32;
}

/* err_set, then 0: disk_pin_valid answers 1 or 0. */
#define REFUSE(...) (err_set(err, err_len, __VA_ARGS__), 0)

int disk_pin_valid(const struct disk_pin *pin, char *err, size_t err_len)
{
	char why[160];
	if (!terminated(pin->digest_hash, sizeof pin->digest_hash) || !terminated(pin->cipher, sizeof pin->cipher))
		return REFUSE("pin: a text field is not terminated");
	size_t hlen = strcmp(pin->digest_hash, "sha256") == 0 ? 32 : strcmp(pin->digest_hash, "sha512") == 0 ? 64 : 0;
	if (hlen == 0)
		return REFUSE("pin_digest_hash: \"%s\" is not sha256 or sha512", pin->digest_hash);
	if (pin->digest_iterations < 1000)
		return REFUSE("pin_digest_iterations: %u is below 1000", pin->digest_iterations);
	if (pin->digest_salt_len < 16 || pin->digest_salt_len > DISK_PIN_SALT_MAX)
		return REFUSE("pin_digest_salt: %zu bytes (16 to %d)", pin->digest_salt_len,
			       DISK_PIN_SALT_MAX);
	if (pin->digest_len != 20 && pin->digest_len != hlen)
		return REFUSE("pin_digest: %zu bytes (20 or the hash's %zu)", pin->digest_len, hlen);
	if (!luks2_cipher_acceptable(pin->cipher, why, sizeof why))
		return REFUSE("pin_cipher: %s", why);
	if (pin->key_size > DISK_PIN_KEY_MAX || !key_size_fits(pin->cipher, pin->key_size))
		return REFUSE("pin_key_size: %u bytes does not fit %s", pin->key_size, pin->cipher);
	uint32_t ss = pin->sector_size;
	if (ss != 512 && ss != 1024 && ss != 2048 && ss != 4096)
		return REFUSE("pin_sector_size: %u is not 512, 1024, 2048 or 4096", ss);
	if (pin->offset == 0 || pin->offset % 512 != 0)
		return REFUSE("pin_offset: %llu is not a non-zero multiple of 512",
			       (unsigned long long)pin->offset);
	/* luks2_header.c says why: cryptsetup maps one segment with IV offset 0 */
	if (pin->iv_tweak != 0)
		return REFUSE("pin_iv_tweak: %llu is not supported (0 only)",
			       (unsigned long long)pin->iv_tweak);
	if (pin->size % ss != 0 || pin->size > UINT64_MAX - pin->offset)
		return REFUSE("pin_size: %llu is not a multiple of the sector size %u",
			       (unsigned long long)pin->size, ss);
	return 1;
}

int disk_pin_check_header(const struct disk_pin *pin, const struct luks2_header *hdr, char *err, size_t err_len)
{
	if (!disk_pin_valid(pin, err, err_len))
		return -1;
	const struct disk_pin *h = &hdr->segment;
	struct diffs d = {err, err_len, 0, 0};
	char a[24], b[24];
	if (err && err_len)
		err[0] = '\0';
	if (strcmp(pin->cipher, h->cipher) != 0)
		diff(&d, "segment cipher: pinned %s, disk has %s", pin->cipher, h->cipher);
	if (pin->key_size != h->key_size)
		diff(&d, "key size: pinned %u bytes, disk has %u", pin->key_size, h->key_size);
	if (pin->sector_size != h->sector_size)
		diff(&d, "sector size: pinned %u, disk has %u", pin->sector_size, h->sector_size);
	if (pin->offset != h->offset)
		diff(&d, "segment offset: pinned %llu, disk has %llu", (unsigned long long)pin->offset,
		     (unsigned long long)h->offset);
	if (pin->iv_tweak != h->iv_tweak)
		diff(&d, "iv_tweak: pinned %llu, disk has %llu", (unsigned long long)pin->iv_tweak,
		     (unsigned long long)h->iv_tweak);
	if (pin->size != h->size)
		diff(&d, "segment size: pinned %llu, disk has %llu (0 = dynamic)", (unsigned long long)pin->size,
		     (unsigned long long)h->size);
	if (strcmp(pin->digest_hash, h->digest_hash) != 0)
		diff(&d, "digest hash: pinned %s, disk has %s", pin->digest_hash, h->digest_hash);
	if (pin->digest_iterations != h->digest_iterations)
		diff(&d, "digest iterations: pinned %u, disk has %u", pin->digest_iterations, h->digest_iterations);
	if (pin->digest_salt_len != h->digest_salt_len ||
	    memcmp(pin->digest_salt, h->digest_salt, pin->digest_salt_len) != 0)
		diff(&d, "digest salt: pinned %s, disk has %s", short_hex(pin->digest_salt, pin->digest_salt_len, a),
		     short_hex(h->digest_salt, h->digest_salt_len < DISK_PIN_SALT_MAX ? h->digest_salt_len
											: DISK_PIN_SALT_MAX,
			       b));
	if (pin->digest_len != h->digest_len || memcmp(pin->digest, h->digest, pin->digest_len) != 0)
		diff(&d, "volume-key digest: pinned %s, disk has %s (another volume key)",
		     short_hex(pin->digest, pin->digest_len, a),
		     short_hex(h->digest, h->digest_len < DISK_PIN_DIGEST_MAX ? h->digest_len : DISK_PIN_DIGEST_MAX, b));
	return d.n ? -1 : 0;
}

int disk_pin_check_table(const struct disk_pin *pin, const struct dm_crypt_table *t, uint32_t backing_major,
			 uint32_t backing_minor, uint64_t device_bytes, char *err, size_t err_len)
{
	if (!disk_pin_valid(pin, err, err_len))
		return -1;
	struct diffs d = {err, err_len, 0, 0};
	if (err && err_len)
		err[0] = '\0';
	if (!terminated(t->cipher, sizeof t->cipher) || strcmp(pin->cipher, t->cipher) != 0)
		diff(&d, "cipher: pinned %s, table has %s", pin->cipher,
		     terminated(t->cipher, sizeof t->cipher) ? t->cipher : "(unterminated)");
	if (t->key_len != pin->key_size)
		diff(&d, "key size: pinned %u bytes, table has %zu", pin->key_size, t->key_len);
	/* dm-crypt counts iv_offset in 512-byte sectors; cryptsetup 2.6.1
	 * writes the segment's iv_tweak there unscaled (0 for one segment) and
	 * never sets iv_large_sectors for LUKS2, which would change every IV */
	if (t->iv_offset != pin->iv_tweak)
		diff(&d, "iv_offset: pinned %llu, table has %llu", (unsigned long long)pin->iv_tweak,
		     (unsigned long long)t->iv_offset);
	if (t->iv_large_sectors)
		diff(&d, "iv_large_sectors: in the table, but LUKS2 never maps with it");
	if (t->sector_size != pin->sector_size)
		diff(&d, "sector size: pinned %u, table has %u", pin->sector_size, t->sector_size);
	if (t->has_integrity)
		diff(&d, "integrity: the table has an integrity option, the pin none");
	if (t->offset != pin->offset / 512)
		diff(&d, "offset: pinned %llu sectors, table has %llu", (unsigned long long)(pin->offset / 512),
		     (unsigned long long)t->offset);
	if (t->dev_major != backing_major || t->dev_minor != backing_minor)
		diff(&d, "device: expected %u:%u, table has %u:%u", backing_major, backing_minor, t->dev_major,
		     t->dev_minor);
	if (t->start != 0)
		diff(&d, "start: the target starts at sector %llu, not 0", (unsigned long long)t->start);
	if (device_bytes < pin->offset + pin->size || device_bytes - pin->offset < 512) {
		diff(&d, "device: %llu bytes, too small for the pinned segment", (unsigned long long)device_bytes);
	} else {
		uint64_t want = pin->size ? pin->size / 512 : (device_bytes - pin->offset) / 512;
		if (t->length != want)
			diff(&d, "length: pinned %llu sectors (%s), table has %llu", (unsigned long long)want,
			     pin->size ? "fixed" : "dynamic", (unsigned long long)t->length);
	}
	return d.n ? -1 : 0;
}

int disk_pin_from_header(const struct luks2_header *hdr, struct disk_pin *pin, char *err, size_t err_len)
{
	*pin = hdr->segment;
	if (!disk_pin_valid(pin, err, err_len)) {
		struct disk_pin empty = {0};
		*pin = empty;
		return -1;
	}
	return 0;
}

