/*
 * A dm-crypt target's parameters as the kernel reports them (crypt_status,
 * STATUSTYPE_TABLE, drivers/md/dm-crypt.c): words separated by one space,
 *   cipher key iv_offset major:minor offset [count opt...]
 * where key is hex, "-" for a cipher without key, or ":size:type:desc" for
 * a keyring key (refused: the pin's digest check needs the key itself).
 * Unknown options are refused rather than skipped: one could change the
 * mapping in a way this reader does not know about.
 */
#include "dm_crypt_table.h"

#include "base/bytes.h"
#include "base/err_text.h"

#include <string.h>

struct words {
	const char *s;
	size_t len, pos;
};

/* The next word (no NUL, no blank inside), or 0 at the end; -1 on a double
 * space, a leading or trailing space, or a control byte. */
static int next_word(struct words *w, const char **word, size_t *n)
{
	if (w->pos >= w->len)
		return 0;
	if (w->pos > 0) {
		if (w->s[w->pos] != ' ')
			return -1;
		w->pos++;
	}
	size_t start = w->pos;
	while (w->pos < w->len && (unsigned char)w->s[w->pos] > ' ' && (unsigned char)w->s[w->pos] <= '~')
		w->pos++;
	if (w->pos == start || (w->pos < w->len && w->s[w->pos] != ' '))
		return -1;
	*word = w->s + start;
	*n = w->pos - start;
	return 1;
}

static int decimal(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int word_is(const char *w, size_t n, const char *s) { return strlen(s) == n && memcmp(w, s, n) == 0; }

static int parse_key(struct dm_crypt_table *t, const char *w, size_t n, char *err, size_t err_len)
{
	if (word_is(w, n, "-"))
		return 0; /* the kernel's way of saying "no key" (cipher_null) */
	if (w[0] == ':')
		return err_set(err, err_len,
			       "dm-crypt table: the key is in the kernel keyring (cryptsetup must run with "
			       "--disable-keyring so the table holds it)");
	if (n % 2 != 0 || n > 2 * DISK_PIN_KEY_MAX || hex_decode(t->key, n / 2, w, n) != 0)
		return err_set(err, err_len, "dm-crypt table: key: not hex of at most %d bytes", DISK_PIN_KEY_MAX);
	t->key_len = n / 2;
	return 0;
}

static int parse_option(struct dm_crypt_table *t, const char *w, size_t n, int *seen_sector, char *err,
			size_t err_len)
{
	static const char *const harmless[] = {"allow_discards",    "same_cpu_crypt",	   "submit_from_crypt_cpus",
					       "no_read_workqueue", "no_write_workqueue", "high_priority",
					       NULL};
	for (const char *const *h = harmless; *h; h++)
		if (word_is(w, n, *h)) {
			t->n_other_opts++;
			return 0;
		}
	if (word_is(w, n, "iv_large_sectors")) {
		t->iv_large_sectors = 1;
		return 0;
	}
	if (n > 10 && memcmp(w, "integrity:", 10) == 0) {
		t->has_integrity = 1;
		return 0;
	}
	uint64_t v;
	if (n > 12 && memcmp(w, "sector_size:", 12) == 0) {
		if (*seen_sector || decimal(w + 12, n - 12, 4096, &v) != 0 ||
		    (v != 512 && v != 1024 && v != 2048 && v != 4096))
			return err_set(err, err_len, "dm-crypt table: option %.*s: a second one or not 512 to 4096",
				       (int)(n > 40 ? 40 : n), w);
		*seen_sector = 1;
		t->sector_size = (uint32_t)v;
		return 0;
	}
	return err_set(err, err_len, "dm-crypt table: unknown option %.*s", (int)(n > 40 ? 40 : n), w);
}

static int parse(const char *params, size_t len, struct dm_crypt_table *t, char *err, size_t err_len)
{
	static const char *const names[] = {"cipher", "key", "iv_offset", "device", "offset"};
	struct words ws = {params, strnlen(params, len), 0};
	const char *w[5];
	size_t n[5];
	for (int i = 0; i < 5; i++) {
		int rc = next_word(&ws, &w[i], &n[i]);
		if (rc <= 0)
			return err_set(err, err_len, "dm-crypt table: %s: %s", names[i],
				       rc == 0 ? "missing" : "bad spacing or a control byte");
	}
	if (n[0] >= sizeof t->cipher)
		return err_set(err, err_len, "dm-crypt table: cipher: longer than %zu bytes", sizeof t->cipher - 1);
	memcpy(t->cipher, w[0], n[0]);
	t->cipher[n[0]] = '\0';
	if (parse_key(t, w[1], n[1], err, err_len) != 0)
		return -1;
	if (decimal(w[2], n[2], UINT64_MAX, &t->iv_offset) != 0)
		return err_set(err, err_len, "dm-crypt table: iv_offset: not a decimal number");
	const char *colon = memchr(w[3], ':', n[3]);
	uint64_t major, minor;
	if (!colon || decimal(w[3], (size_t)(colon - w[3]), UINT32_MAX, &major) != 0 ||
	    decimal(colon + 1, n[3] - (size_t)(colon - w[3]) - 1, UINT32_MAX, &minor) != 0)
		return err_set(err, err_len, "dm-crypt table: device: not major:minor");
	t->dev_major = (uint32_t)major;
	t->dev_minor = (uint32_t)minor;
	if (decimal(w[4], n[4], UINT64_MAX, &t->offset) != 0)
		return err_set(err, err_len, "dm-crypt table: offset: not a decimal number");
	const char *cw;
	size_t cn;
	int rc = next_word(&ws, &cw, &cn);
	if (rc == 0)
		return 0;
	uint64_t count;
	if (rc < 0 || decimal(cw, cn, 64, &count) != 0 || count == 0)
		return err_set(err, err_len, "dm-crypt table: option count: not a number from 1 to 64");
	int seen_sector = 0;
	for (uint64_t i = 0; i < count; i++) {
		if (next_word(&ws, &cw, &cn) <= 0)
			return err_set(err, err_len, "dm-crypt table: %llu options announced, %llu found",
				       (unsigned long long)count, (unsigned long long)i);
		if (parse_option(t, cw, cn, &seen_sector, err, err_len) != 0)
			return -1;
	}
	if (ws.pos != ws.len)
		return err_set(err, err_len, "dm-crypt table: text after the %llu announced options",
			       (unsigned long long)count);
	return 0;
}

int dm_crypt_table_parse(const char *params, size_t len, struct dm_crypt_table *t, char *err, size_t err_len)
{
	uint64_t start = t->start, length = t->length;
	dm_crypt_table_wipe(t);
	t->start = start;
	t->length = length;
	t->sector_size = 512;
	if (parse(params, len, t, err, err_len) != 0) {
		secure_wipe(t->key, sizeof t->key);
		t->key_len = 0;
		return -1;
	}
	return 0;
}

void dm_crypt_table_wipe(struct dm_crypt_table *t)
{
	secure_wipe(t, sizeof *t);
}
