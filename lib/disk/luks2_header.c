/*
 * The LUKS2 header, read as the first stage reads it: the binary header of
 * the primary copy, its checksum, then the JSON area through the strict
 * reader (json/json.h), walked in a fixed order so the first refusal is the
 * most telling one: config (a pending reencryption shows there first),
 * segments, keyslots, digests, tokens. Field rules follow cryptsetup
 * 2.6.1's own validation (lib/luks2/luks2_json_metadata.c, hdr_validate_*)
 * and are stricter where a looser reading could change the mapping:
 * unknown segment fields, segment flags, integrity, non-zero iv_tweak.
 */
#include "luks2_header.h"

#include "base/bytes.h"
#include "base/err_text.h"
#include "json/json.h"

#include <bearssl.h>
#include <string.h>

/* struct luks2_hdr_disk (cryptsetup lib/luks2/luks2.h) */
#define OFF_VERSION 6
#define OFF_HDR_SIZE 8
#define OFF_SEQID 16
#define OFF_CSUM_ALG 72
#define LEN_CSUM_ALG 32
#define OFF_UUID 168
#define OFF_HDR_OFFSET 256
#define OFF_CSUM 448
#define LEN_CSUM 64

#define LUKS2_HDR_MIN 16384u
#define LUKS2_HDR_ALLOWED_MAX (4u << 20)     /* cryptsetup's LUKS2_HDR_OFFSET_MAX */
#define LUKS2_KEYSLOTS_SIZE_MAX (128u << 20) /* cryptsetup's LUKS2_MAX_KEYSLOTS_SIZE */
#define LUKS2_DIGESTS_MAX 8
#define LUKS2_TOKENS_MAX 32
#define LUKS2_SALT_LEN 32   /* cryptsetup's LUKS_SALTSIZE: the only salt length it verifies */
#define LUKS2_DIGEST_MIN 20 /* cryptsetup's LUKS_DIGESTSIZE */

static uint64_t be64(const uint8_t *p) { return (uint64_t)be32_load(p) << 32 | be32_load(p + 4); }

/* ---- ciphers ----------------------------------------------------------------- */

static int in_list(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && memcmp(*list, s, n) == 0)
			return 1;
	return 0;
}

/* err_set, then 0: luks2_cipher_acceptable answers 1 or 0. */
#define REFUSE(...) (err_set(err, err_len, __VA_ARGS__), 0)

int luks2_cipher_acceptable(const char *cipher, char *err, size_t err_len)
{
	static const char *const blocks[] = {"aes", "serpent", "twofish", NULL};
	static const char *const modes[] = {"xts", "cbc", NULL};
	static const char *const ivs[] = {"plain64", "plain64be", "plain", "essiv:sha256", "essiv:sha512", NULL};
	size_t n = strnlen(cipher, DISK_PIN_CIPHER_MAX);
	if (n == 0)
		return REFUSE("an empty cipher is not allowed");
	if (n == DISK_PIN_CIPHER_MAX)
		return REFUSE("a cipher name longer than %d bytes is not allowed", DISK_PIN_CIPHER_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if (cipher[i] <= ' ' || cipher[i] > '~')
			return REFUSE("a cipher name with blanks or non-ASCII bytes is not allowed");
	if (strncmp(cipher, "cipher_null", 11) == 0)
		return REFUSE("%s is not allowed (the null cipher stores plaintext)", cipher);
	if (strncmp(cipher, "capi:", 5) == 0)
		return REFUSE("%s is not allowed (kernel crypto API forms are not accepted)", cipher);
	const char *d1 = strchr(cipher, '-');
	if (!d1)
		return REFUSE("%s is not allowed (expected cipher-mode-iv, e.g. aes-xts-plain64)", cipher);
	const char *mode = d1 + 1, *d2 = strchr(mode, '-');
	size_t mode_len = d2 ? (size_t)(d2 - mode) : strlen(mode);
	if (mode_len == 3 && memcmp(mode, "ecb", 3) == 0)
		return REFUSE("%s is not allowed (ECB mode shows equal blocks and takes no IV)", cipher);
	if (!in_list(cipher, (size_t)(d1 - cipher), blocks))
		return REFUSE("%s is not allowed (unknown block cipher: aes, serpent, twofish)", cipher);
	if (!in_list(mode, mode_len, modes))
		return REFUSE("%s is not allowed (unknown mode: xts, cbc)", cipher);
	if (!d2)
		return REFUSE("%s is not allowed (no IV generator)", cipher);
	if (strcmp(d2 + 1, "null") == 0)
		return REFUSE("%s is not allowed (a null IV)", cipher);
	if (!in_list(d2 + 1, strlen(d2 + 1), ivs))
		return err_set(err, err_len,
			       "%s is not allowed (unknown IV generator: plain64, plain64be, plain, essiv:sha256, "
			       "essiv:sha512)",
			       cipher) +
		       1;
	return 1;
}

/* ---- JSON helpers: each error names the field's path ------------------------------ */

struct walk {
	struct luks2_header *hdr;
	uint64_t keyslots_size;
	char *err;
	size_t err_len;
};

/* A key or string from the host, made safe to print. */
static void printable(const struct json_value *v, char *out, size_t cap)
{
	if (json_string_get(v, out, cap, NULL) != 0) {
		snprintf(out, cap, "(%s)", json_type_of(v) == JSON_STRING ? "too long" : json_type_name(json_type_of(v)));
		return;
	}
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
			*p = '?';
}

static int member(struct walk *w, const struct json_value *obj, const char *path, const char *key,
		  enum json_type type, struct json_value *out)
{
	if (!json_object_get(obj, key, out))
		return err_set(w->err, w->err_len, "%s.%s: missing", path, key);
	enum json_type got = json_type_of(out);
	if (got != type)
		return err_set(w->err, w->err_len, "%s.%s: expected a%s %s, found %s", path, key,
			       type == JSON_OBJECT || type == JSON_ARRAY || type == JSON_INTEGER ? "n" : "",
			       json_type_name(type), json_type_name(got));
	return 0;
}

static int member_str(struct walk *w, const struct json_value *obj, const char *path, const char *key, char *out,
		      size_t cap)
{
	struct json_value v;
	if (member(w, obj, path, key, JSON_STRING, &v) != 0)
		return -1;
	if (json_string_get(&v, out, cap, NULL) != 0)
		return err_set(w->err, w->err_len, "%s.%s: longer than %zu bytes", path, key, cap - 1);
	return 0;
}

/* Same, for a name the caller compares with ASCII constants and may print:
 * unprintable bytes become '?' (which no constant contains). */
static int member_name(struct walk *w, const struct json_value *obj, const char *path, const char *key, char *out,
		       size_t cap)
{
	if (member_str(w, obj, path, key, out, cap) != 0)
		return -1;
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
			*p = '?';
	return 0;
}

/* A decimal string of digits without leading zeros ("0" itself is fine) and
 * within uint64: how LUKS2 writes offsets and sizes, and keys of objects. */
static int decimal(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int member_u64s(struct walk *w, const struct json_value *obj, const char *path, const char *key,
		       uint64_t *out)
{
	char s[32];
	if (member_str(w, obj, path, key, s, sizeof s) != 0)
		return -1;
	if (decimal(s, out) != 0)
		return err_set(w->err, w->err_len, "%s.%s: \"%s\" is not a decimal number", path, key, s);
	return 0;
}

static int member_int(struct walk *w, const struct json_value *obj, const char *path, const char *key, int64_t min,
		      int64_t max, int64_t *out)
{
	struct json_value v;
	if (member(w, obj, path, key, JSON_INTEGER, &v) != 0)
		return -1;
	if (json_integer_get(&v, out) != 0 || *out < min || *out > max)
		return err_set(w->err, w->err_len, "%s.%s: %lld is outside [%lld, %lld]", path, key, (long long)*out,
			       (long long)min, (long long)max);
	return 0;
}

/* The id of a numbered key ("0".."max-1") of section. */
static int numbered(struct walk *w, const struct json_value *key, const char *section, unsigned max, unsigned *id)
{
	char s[32];
	uint64_t v;
	if (json_string_get(key, s, sizeof s, NULL) != 0 || decimal(s, &v) != 0 || v >= max) {
		printable(key, s, sizeof s);
		return err_set(w->err, w->err_len, "%s: \"%s\" is not a number below %u", section, s, max);
	}
	*id = (unsigned)v;
	return 0;
}

/* Every member of obj must be named in known; fields is what to call them. */
static int only_known(struct walk *w, const struct json_value *obj, const char *path, const char *const *known)
{
	struct json_iter it;
	struct json_value k, v;
	json_iter_init(&it, obj);
	while (json_iter_next(&it, &k, &v)) {
		const char *const *p = known;
		while (*p && !json_string_eq(&k, *p))
			p++;
		if (!*p) {
			char s[40];
			printable(&k, s, sizeof s);
			return err_set(w->err, w->err_len, "%s.%s: unknown field (refused: it may change the mapping)",
				       path, s);
		}
	}
	return 0;
}

/* ---- sections ----------------------------------------------------------------------- */

static int is_reencrypt_requirement(const char *s) { return strncmp(s, "online-reencrypt", 16) == 0; }

static int parse_config(struct walk *w, const struct json_value *cfg)
{
	static const char *const known[] = {"json_size", "keyslots_size", "flags", "requirements", NULL};
	/* the persistent activation flags cryptsetup 2.6.1 knows; each only adds a
	 * performance option to the table (LUKS2_config_get_flags) */
	static const char *const flags_known[] = {"allow-discards",	  "same-cpu-crypt",    "submit-from-crypt-cpus",
						  "no-journal",		  "no-read-workqueue", "no-write-workqueue",
						  "no-journal-bitmap", NULL};
	struct json_value v, e;
	struct json_iter it;
	uint64_t json_size = 0;
	char s[48];
	if (only_known(w, cfg, "config", known) != 0)
		return -1;
	if (json_object_get(cfg, "requirements", &v)) {
		static const char *const req_known[] = {"mandatory", NULL};
		struct json_value m;
		if (member(w, cfg, "config", "requirements", JSON_OBJECT, &v) != 0 ||
		    only_known(w, &v, "config.requirements", req_known) != 0)
			return -1;
		if (json_object_get(&v, "mandatory", &m)) {
			if (member(w, &v, "config.requirements", "mandatory", JSON_ARRAY, &m) != 0)
				return -1;
			json_iter_init(&it, &m);
			while (json_iter_next(&it, NULL, &e)) {
				printable(&e, s, sizeof s);
				if (json_type_of(&e) == JSON_STRING && is_reencrypt_requirement(s))
					return err_set(w->err, w->err_len,
						       "config.requirements.mandatory: \"%s\": a reencryption is in "
						       "progress (finish it with cryptsetup first)",
						       s);
				return err_set(w->err, w->err_len,
					       "config.requirements.mandatory: \"%s\" is not supported", s);
			}
		}
	}
	if (member_u64s(w, cfg, "config", "json_size", &json_size) != 0 ||
	    member_u64s(w, cfg, "config", "keyslots_size", &w->keyslots_size) != 0)
		return -1;
	if (json_size != w->hdr->hdr_size - LUKS2_BIN_HDR_LEN)
		return err_set(w->err, w->err_len, "config.json_size: %llu, but hdr_size %llu leaves %llu bytes of JSON",
			       (unsigned long long)json_size, (unsigned long long)w->hdr->hdr_size,
			       (unsigned long long)(w->hdr->hdr_size - LUKS2_BIN_HDR_LEN));
	if (w->keyslots_size % 4096 != 0 || w->keyslots_size > LUKS2_KEYSLOTS_SIZE_MAX)
		return err_set(w->err, w->err_len,
			       "config.keyslots_size: %llu is not a multiple of 4096 up to 128 MiB",
			       (unsigned long long)w->keyslots_size);
	if (json_object_get(cfg, "flags", &v)) {
		if (member(w, cfg, "config", "flags", JSON_ARRAY, &v) != 0)
			return -1;
		json_iter_init(&it, &v);
		while (json_iter_next(&it, NULL, &e)) {
			printable(&e, s, sizeof s);
			if (json_type_of(&e) != JSON_STRING || !in_list(s, strlen(s), flags_known))
				return err_set(w->err, w->err_len, "config.flags: \"%s\" is not a known flag", s);
		}
	}
	return 0;
}

static int parse_segments(struct walk *w, const struct json_value *segs)
{
	static const char *const known[] = {"type", "offset", "size", "iv_tweak", "encryption", "sector_size", NULL};
	struct disk_pin *pin = &w->hdr->segment;
	struct json_value s, v;
	char str[DISK_PIN_CIPHER_MAX], why[160];
	uint64_t size_val;
	int64_t sector;
	size_t n = json_count(segs);
	if (n != 1)
		return err_set(w->err, w->err_len,
			       "segments: %zu segments (exactly one is supported: more mean a reencryption or a layout "
			       "the first stage does not map)",
			       n);
	if (!json_object_get(segs, "0", &s))
		return err_set(w->err, w->err_len, "segments: the only segment is not segment 0");
	if (member(w, segs, "segments", "0", JSON_OBJECT, &s) != 0)
		return -1;
	if (json_object_get(&s, "integrity", &v))
		return err_set(w->err, w->err_len,
			       "segments.0.integrity: authenticated encryption (dm-integrity) is not supported");
	if (json_object_get(&s, "flags", &v))
		return err_set(w->err, w->err_len,
			       "segments.0.flags: segment flags (a reencryption's backup segment) are not supported");
	if (only_known(w, &s, "segments.0", known) != 0 || member_name(w, &s, "segments.0", "type", str, sizeof str) != 0)
		return -1;
	if (strcmp(str, "crypt") != 0)
		return err_set(w->err, w->err_len, "segments.0.type: \"%s\" is not supported (crypt only)", str);
	if (member_str(w, &s, "segments.0", "encryption", pin->cipher, sizeof pin->cipher) != 0)
		return -1;
	if (!luks2_cipher_acceptable(pin->cipher, why, sizeof why))
		return err_set(w->err, w->err_len, "segments.0.encryption: %s", why);
	if (member_int(w, &s, "segments.0", "sector_size", 512, 4096, &sector) != 0)
		return -1;
	if (sector != 512 && sector != 1024 && sector != 2048 && sector != 4096)
		return err_set(w->err, w->err_len, "segments.0.sector_size: %lld is not 512, 1024, 2048 or 4096",
			       (long long)sector);
	pin->sector_size = (uint32_t)sector;
	if (member_u64s(w, &s, "segments.0", "offset", &pin->offset) != 0 ||
	    member_u64s(w, &s, "segments.0", "iv_tweak", &pin->iv_tweak) != 0 ||
	    member_name(w, &s, "segments.0", "size", str, sizeof str) != 0)
		return -1;
	uint64_t areas_end = 2 * w->hdr->hdr_size + w->keyslots_size;
	if (pin->offset % 512 != 0 || pin->offset < areas_end)
		return err_set(w->err, w->err_len,
			       "segments.0.offset: %llu is not a multiple of 512 at or after the end of the header "
			       "and keyslot areas (%llu)",
			       (unsigned long long)pin->offset, (unsigned long long)areas_end);
	/* cryptsetup 2.6.1 maps a single segment with IV offset 0 whatever
	 * iv_tweak says (LUKS2_activate: crypt_get_iv_offset() is 0 for
	 * LUKS2); only a reencryption's segments use it. A non-zero value would
	 * describe a mapping that is not the one made. */
	if (pin->iv_tweak != 0)
		return err_set(w->err, w->err_len,
			       "segments.0.iv_tweak: %llu is not supported (0 only: cryptsetup maps one segment with "
			       "IV offset 0)",
			       (unsigned long long)pin->iv_tweak);
	if (strcmp(str, "dynamic") == 0) {
		pin->size = 0;
	} else if (decimal(str, &size_val) != 0 || size_val == 0 || size_val % pin->sector_size != 0) {
		return err_set(w->err, w->err_len,
			       "segments.0.size: \"%s\" is neither \"dynamic\" nor a non-zero multiple of the sector "
			       "size",
			       str);
	} else {
		pin->size = size_val;
	}
	return 0;
}

static int parse_keyslot(struct walk *w, unsigned id, const struct json_value *ks, struct luks2_keyslot *out)
{
	char path[48], apath[56], why[160], str[32];
	struct json_value area, kdf;
	int64_t v;
	uint64_t off, size;
	snprintf(path, sizeof path, "keyslots.%u", id);
	snprintf(apath, sizeof apath, "keyslots.%u.area", id);
	out->id = id;
	if (member_name(w, ks, path, "type", str, sizeof str) != 0)
		return -1;
	if (strcmp(str, "reencrypt") == 0)
		return err_set(w->err, w->err_len,
			       "%s.type: a reencrypt keyslot: a reencryption is in progress (finish it with cryptsetup "
			       "first)",
			       path);
	if (strcmp(str, "luks2") != 0)
		return err_set(w->err, w->err_len, "%s.type: \"%s\" is not supported (luks2 only)", path, str);
	if (member_int(w, ks, path, "key_size", 1, DISK_PIN_KEY_MAX, &v) != 0)
		return -1;
	out->key_size = (uint32_t)v;
	if (member(w, ks, path, "area", JSON_OBJECT, &area) != 0 || member_name(w, &area, apath, "type", str, sizeof str))
		return -1;
	if (strcmp(str, "raw") != 0)
		return err_set(w->err, w->err_len, "%s.type: \"%s\" is not supported (raw only)", apath, str);
	if (member_str(w, &area, apath, "encryption", out->area_encryption, sizeof out->area_encryption) != 0)
		return -1;
	if (!luks2_cipher_acceptable(out->area_encryption, why, sizeof why))
		return err_set(w->err, w->err_len, "%s.encryption: %s", apath, why);
	if (member_int(w, &area, apath, "key_size", 1, DISK_PIN_KEY_MAX, &v) != 0 ||
	    member_u64s(w, &area, apath, "offset", &off) != 0 || member_u64s(w, &area, apath, "size", &size) != 0)
		return -1;
	out->area_key_size = (uint32_t)v;
	/* the keyslot areas lie between the two header copies and the data */
	uint64_t lo = 2 * w->hdr->hdr_size, hi = lo + w->keyslots_size;
	if (size == 0 || off < lo || off > hi || size > hi - off)
		return err_set(w->err, w->err_len, "%s: [%llu, +%llu) is outside the keyslot areas [%llu, %llu)", apath,
			       (unsigned long long)off, (unsigned long long)size, (unsigned long long)lo,
			       (unsigned long long)hi);
	if (member(w, ks, path, "kdf", JSON_OBJECT, &kdf) != 0)
		return -1;
	snprintf(apath, sizeof apath, "keyslots.%u.kdf", id);
	if (member_name(w, &kdf, apath, "type", out->kdf_type, sizeof out->kdf_type) != 0)
		return -1;
	if (strcmp(out->kdf_type, "pbkdf2") != 0 && strcmp(out->kdf_type, "argon2i") != 0 &&
	    strcmp(out->kdf_type, "argon2id") != 0)
		return err_set(w->err, w->err_len, "%s.type: \"%s\" is not supported (pbkdf2, argon2i, argon2id)", apath,
			       out->kdf_type);
	return 0;
}

static int parse_keyslots(struct walk *w, const struct json_value *slots)
{
	struct json_iter it;
	struct json_value k, v;
	char path[32];
	json_iter_init(&it, slots);
	while (json_iter_next(&it, &k, &v)) {
		unsigned id = 0;
		if (numbered(w, &k, "keyslots", LUKS2_MAX_KEYSLOTS, &id) != 0)
			return -1;
		snprintf(path, sizeof path, "keyslots.%u", id);
		if (json_type_of(&v) != JSON_OBJECT)
			return err_set(w->err, w->err_len, "%s: expected an object", path);
		/* json_parse refused duplicate keys and numbered() non-canonical
		 * ones, so there are at most LUKS2_MAX_KEYSLOTS ids */
		struct luks2_keyslot *ks = &w->hdr->keyslots[w->hdr->n_keyslots];
		if (parse_keyslot(w, id, &v, ks) != 0)
			return -1;
		w->hdr->n_keyslots++;
	}
	return 0;
}

static const struct luks2_keyslot *keyslot_by_id(const struct luks2_header *hdr, unsigned id)
{
	for (unsigned i = 0; i < hdr->n_keyslots; i++)
		if (hdr->keyslots[i].id == id)
			return &hdr->keyslots[i];
	return NULL;
}

static int base64_member(struct walk *w, const struct json_value *d, const char *path, const char *key, uint8_t *out,
			 size_t cap, size_t *len)
{
	char s[128];
	if (member_str(w, d, path, key, s, sizeof s) != 0)
		return -1;
	long n = base64_decode(out, cap, s, strlen(s));
	if (n <= 0)
		return err_set(w->err, w->err_len, "%s.%s: not base64 of at most %zu bytes", path, key, cap);
	*len = (size_t)n;
	return 0;
}

/* The digest's segments list: 1 if it covers segment 0. */
static int digest_segments(struct walk *w, const struct json_value *d, const char *path, int *covers)
{
	struct json_value arr, e;
	struct json_iter it;
	char sect[48];
	unsigned id = 0;
	*covers = 0;
	if (member(w, d, path, "segments", JSON_ARRAY, &arr) != 0)
		return -1;
	snprintf(sect, sizeof sect, "%s.segments", path);
	json_iter_init(&it, &arr);
	while (json_iter_next(&it, NULL, &e)) {
		if (numbered(w, &e, sect, 1, &id) != 0)
			return -1; /* only segment 0 exists */
		*covers = 1;
	}
	return 0;
}

/* The digest's keyslots: each must exist; *key_size gets their common
 * volume-key size (0 if the list is empty). */
static int digest_keyslots(struct walk *w, const struct json_value *d, const char *path, uint32_t *key_size)
{
	struct json_value arr, e;
	struct json_iter it;
	char sect[48];
	unsigned id = 0;
	*key_size = 0;
	if (member(w, d, path, "keyslots", JSON_ARRAY, &arr) != 0)
		return -1;
	snprintf(sect, sizeof sect, "%s.keyslots", path);
	json_iter_init(&it, &arr);
	while (json_iter_next(&it, NULL, &e)) {
		if (numbered(w, &e, sect, LUKS2_MAX_KEYSLOTS, &id) != 0)
			return -1;
		const struct luks2_keyslot *ks = keyslot_by_id(w->hdr, id);
		if (!ks)
			return err_set(w->err, w->err_len, "%s: keyslot %u does not exist", sect, id);
		if (*key_size && ks->key_size != *key_size)
			return err_set(w->err, w->err_len, "%s: keyslots hold keys of %u and %u bytes", sect, *key_size,
				       ks->key_size);
		*key_size = ks->key_size;
	}
	return 0;
}

static int parse_digest(struct walk *w, unsigned id, const struct json_value *d, int *seen)
{
	struct disk_pin *pin = &w->hdr->segment, cand;
	char path[32], str[32];
	int64_t iter;
	int covers;
	snprintf(path, sizeof path, "digests.%u", id);
	if (json_type_of(d) != JSON_OBJECT)
		return err_set(w->err, w->err_len, "%s: expected an object", path);
	if (member_name(w, d, path, "type", str, sizeof str) != 0)
		return -1;
	if (strcmp(str, "pbkdf2") != 0)
		return err_set(w->err, w->err_len, "%s.type: \"%s\" is not supported (pbkdf2 only)", path, str);
	if (digest_segments(w, d, path, &covers) != 0 || digest_keyslots(w, d, path, &cand.key_size) != 0 ||
	    member_name(w, d, path, "hash", cand.digest_hash, sizeof cand.digest_hash) != 0)
		return -1;
	size_t hlen = strcmp(cand.digest_hash, "sha256") == 0 ? 32 : strcmp(cand.digest_hash, "sha512") == 0 ? 64 : 0;
	if (hlen == 0)
		return err_set(w->err, w->err_len, "%s.hash: \"%s\" is not supported (sha256, sha512)", path,
			       cand.digest_hash);
	if (member_int(w, d, path, "iterations", 1000, UINT32_MAX, &iter) != 0)
		return -1;
	cand.digest_iterations = (uint32_t)iter;
	if (base64_member(w, d, path, "salt", cand.digest_salt, sizeof cand.digest_salt, &cand.digest_salt_len) != 0 ||
	    base64_member(w, d, path, "digest", cand.digest, sizeof cand.digest, &cand.digest_len) != 0)
		return -1;
	if (cand.digest_salt_len != LUKS2_SALT_LEN)
		return err_set(w->err, w->err_len, "%s.salt: %zu bytes (LUKS2 uses 32)", path, cand.digest_salt_len);
	if (cand.digest_len != LUKS2_DIGEST_MIN && cand.digest_len != hlen)
		return err_set(w->err, w->err_len, "%s.digest: %zu bytes (20 or the hash's %zu)", path, cand.digest_len,
			       hlen);
	if (!covers)
		return 0;
	if (*seen >= 0)
		return err_set(w->err, w->err_len, "segments.0: covered by two digests (%d and %u)", *seen, id);
	if (cand.key_size == 0)
		return err_set(w->err, w->err_len, "%s.keyslots: no keyslot holds segment 0's volume key", path);
	*seen = (int)id;
	memcpy(pin->digest_hash, cand.digest_hash, sizeof pin->digest_hash);
	pin->digest_iterations = cand.digest_iterations;
	memcpy(pin->digest_salt, cand.digest_salt, sizeof pin->digest_salt);
	pin->digest_salt_len = cand.digest_salt_len;
	memcpy(pin->digest, cand.digest, sizeof pin->digest);
	pin->digest_len = cand.digest_len;
	pin->key_size = cand.key_size;
	return 0;
}

static int parse_digests(struct walk *w, const struct json_value *digests)
{
	struct json_iter it;
	struct json_value k, v;
	int seen = -1;
	if (json_count(digests) > LUKS2_DIGESTS_MAX)
		return err_set(w->err, w->err_len, "digests: more than %d", LUKS2_DIGESTS_MAX);
	json_iter_init(&it, digests);
	while (json_iter_next(&it, &k, &v)) {
		unsigned id = 0;
		if (numbered(w, &k, "digests", LUKS2_DIGESTS_MAX, &id) != 0 || parse_digest(w, id, &v, &seen) != 0)
			return -1;
	}
	if (seen < 0)
		return err_set(w->err, w->err_len, "segments.0: no digest covers it (its volume key cannot be checked)");
	return 0;
}

static int parse_json(struct walk *w, const uint8_t *area, size_t len)
{
	static const char *const known[] = {"keyslots", "tokens", "segments", "digests", "config", NULL};
	struct json_value root, config, segments, keyslots, digests, tokens;
	char jerr[96];
	if (json_parse((const char *)area, len, &root, jerr, sizeof jerr) != 0)
		return err_set(w->err, w->err_len, "JSON area: %s", jerr);
	if (json_type_of(&root) != JSON_OBJECT)
		return err_set(w->err, w->err_len, "JSON area: not an object");
	if (only_known(w, &root, "JSON", known) != 0 || member(w, &root, "JSON", "config", JSON_OBJECT, &config) != 0 ||
	    member(w, &root, "JSON", "segments", JSON_OBJECT, &segments) != 0 ||
	    member(w, &root, "JSON", "keyslots", JSON_OBJECT, &keyslots) != 0 ||
	    member(w, &root, "JSON", "digests", JSON_OBJECT, &digests) != 0 ||
	    member(w, &root, "JSON", "tokens", JSON_OBJECT, &tokens) != 0)
		return -1;
	if (parse_config(w, &config) != 0 || parse_segments(w, &segments) != 0 || parse_keyslots(w, &keyslots) != 0 ||
	    parse_digests(w, &digests) != 0)
		return -1;
	/* tokens (systemd-cryptenroll and the like) only say how to get a
	 * passphrase; they are read as JSON and otherwise left alone */
	if (json_count(&tokens) > LUKS2_TOKENS_MAX)
		return err_set(w->err, w->err_len, "tokens: more than %d", LUKS2_TOKENS_MAX);
	return 0;
}

/* ---- the binary header --------------------------------------------------------------- */

static int parse_binary(const uint8_t *buf, struct luks2_header *hdr, char *err, size_t err_len)
{
	if (memcmp(buf, "SKUL\xba\xbe", 6) == 0)
		return err_set(err, err_len, "a secondary LUKS2 header copy, not the start of a LUKS2 device");
	if (memcmp(buf, "LUKS\xba\xbe", 6) != 0)
		return err_set(err, err_len, "not a LUKS header (no LUKS magic)");
	unsigned version = (unsigned)buf[OFF_VERSION] << 8 | buf[OFF_VERSION + 1];
	if (version == 1)
		return err_set(err, err_len, "version 1 (LUKS1) is not supported (LUKS2 only)");
	if (version != 2)
		return err_set(err, err_len, "version %u is not supported (LUKS2 only)", version);
	hdr->hdr_size = be64(buf + OFF_HDR_SIZE);
	hdr->seqid = be64(buf + OFF_SEQID);
	uint64_t s = hdr->hdr_size;
	if (s < LUKS2_HDR_MIN || s > LUKS2_HDR_ALLOWED_MAX || (s & (s - 1)) != 0)
		return err_set(err, err_len, "hdr_size %llu is not one LUKS2 allows (a power of two, 16 KiB to 4 MiB)",
			       (unsigned long long)s);
	if (s > LUKS2_HDR_MAX)
		return err_set(err, err_len, "hdr_size %llu is larger than the %u bytes this reader takes",
			       (unsigned long long)s, LUKS2_HDR_MAX);
	if (be64(buf + OFF_HDR_OFFSET) != 0)
		return err_set(err, err_len, "hdr_offset %llu is not 0 for the primary header",
			       (unsigned long long)be64(buf + OFF_HDR_OFFSET));
	const char *alg = (const char *)buf + OFF_CSUM_ALG;
	if (strnlen(alg, LEN_CSUM_ALG) == LEN_CSUM_ALG)
		return err_set(err, err_len, "the checksum algorithm field is not NUL-terminated");
	if (strcmp(alg, "sha256") != 0) {
		char shown[LEN_CSUM_ALG];
		memcpy(shown, alg, sizeof shown);
		for (char *p = shown; *p; p++)
			if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
				*p = '?';
		return err_set(err, err_len, "checksum algorithm \"%s\" is not supported (sha256 only)", shown);
	}
	const char *uuid = (const char *)buf + OFF_UUID;
	size_t ulen = strnlen(uuid, LUKS2_UUID_LEN);
	if (ulen == LUKS2_UUID_LEN)
		return err_set(err, err_len, "the UUID field is not NUL-terminated");
	for (size_t i = 0; i < ulen; i++)
		if (uuid[i] <= ' ' || uuid[i] > '~')
			return err_set(err, err_len, "the UUID field holds unprintable bytes");
	memcpy(hdr->uuid, uuid, ulen + 1);
	return 0;
}

/* SHA-256 over the header copy with the csum field taken as zeros
 * (cryptsetup's hdr_checksum_check). */
static int checksum_ok(const uint8_t *buf, size_t hdr_size)
{
	static const uint8_t zeros[LEN_CSUM];
	uint8_t h[32];
	br_sha256_context c;
	br_sha256_init(&c);
	br_sha256_update(&c, buf, OFF_CSUM);
	br_sha256_update(&c, zeros, sizeof zeros);
	br_sha256_update(&c, buf + OFF_CSUM + LEN_CSUM, hdr_size - OFF_CSUM - LEN_CSUM);
	br_sha256_out(&c, h);
	return memcmp(h, buf + OFF_CSUM, sizeof h) == 0;
}

int luks2_header_parse(const uint8_t *buf, size_t len, struct luks2_header *hdr, size_t *need, char *err,
		       size_t err_len)
{
	memset(hdr, 0, sizeof *hdr);
	if (len < LUKS2_BIN_HDR_LEN) {
		if (need)
			*need = LUKS2_BIN_HDR_LEN;
		return err_set(err, err_len, "need %d bytes", LUKS2_BIN_HDR_LEN);
	}
	if (parse_binary(buf, hdr, err, err_len) != 0)
		return -1;
	if (len < hdr->hdr_size) {
		if (need)
			*need = (size_t)hdr->hdr_size;
		return err_set(err, err_len, "need %llu bytes", (unsigned long long)hdr->hdr_size);
	}
	if (!checksum_ok(buf, (size_t)hdr->hdr_size))
		return err_set(err, err_len, "header checksum mismatch (a torn or edited header)");
	struct walk w = {hdr, 0, err, err_len};
	if (parse_json(&w, buf + LUKS2_BIN_HDR_LEN, (size_t)hdr->hdr_size - LUKS2_BIN_HDR_LEN) != 0) {
		struct luks2_header empty = {0};
		*hdr = empty;
		return -1;
	}
	return 0;
}
