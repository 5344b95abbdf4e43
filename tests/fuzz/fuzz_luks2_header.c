/* libFuzzer target for the LUKS2 header reader and the JSON reader under it
 * (the host writes every byte of the header). The first input byte picks:
 *   0: the rest is a JSON area, put in a binary header with a correct
 *      checksum, so inputs reach the JSON walk without forging SHA-256;
 *   1: the rest is the raw start of a device (binary header included);
 *   2: the rest is a JSON document for json_parse, then read back entirely.
 * Invariants: an accepted header yields a valid pin that passes its own
 * header check and prints; every accepted JSON value reads back. */
#include <bearssl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disk/disk_pin.h"
#include "disk/luks2_header.h"
#include "json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct json_value *v, unsigned depth)
{
	char s[256];
	int64_t i;
	if (depth > JSON_MAX_DEPTH + 1)
		abort();
	switch (json_type_of(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY: {
		struct json_iter it;
		struct json_value k, e, again;
		size_t n = 0;
		json_iter_init(&it, v);
		while (json_iter_next(&it, &k, &e)) {
			n++;
			if (json_type_of(v) == JSON_OBJECT) {
				if (json_type_of(&k) != JSON_STRING)
					abort();
				/* keys are unique, so a lookup finds this very member */
				if (json_string_get(&k, s, sizeof s, NULL) == 0 && strlen(s) < sizeof s - 1 &&
				    (!json_object_get(v, s, &again) || again.pos != e.pos))
					abort();
			}
			walk(&e, depth + 1);
		}
		if (n != json_count(v))
			abort();
		break;
	}
	case JSON_STRING: {
		size_t len;
		if (json_string_get(v, s, sizeof s, &len) == 0 && (strlen(s) != len || !json_string_eq(v, s)))
			abort(); /* no NUL inside a decoded string */
		break;
	}
	case JSON_INTEGER:
		if (json_integer_get(v, &i) != 0)
			abort();
		break;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		break;
	default:
		abort();
	}
}

static void header(const uint8_t *buf, size_t len)
{
	static struct luks2_header hdr;
	struct disk_pin pin;
	char err[512], out[1024];
	size_t need = 0;
	if (luks2_header_parse(buf, len, &hdr, &need, err, sizeof err) != 0) {
		if (memchr(err, '\0', sizeof err) == NULL || err[0] == '\0')
			abort();
		return;
	}
	if (hdr.n_keyslots > LUKS2_MAX_KEYSLOTS || memchr(hdr.uuid, '\0', sizeof hdr.uuid) == NULL)
		abort();
	if (disk_pin_from_header(&hdr, &pin, err, sizeof err) != 0)
		return;
	if (!disk_pin_valid(&pin, err, sizeof err) || disk_pin_check_header(&pin, &hdr, err, sizeof err) != 0)
		abort();
	if (disk_pin_format_toml(&pin, out, sizeof out) <= 0 || disk_pin_format_cmdline(&pin, out, sizeof out) <= 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0) {
		static uint8_t buf[16384];
		if (size > sizeof buf - 4096)
			return 0;
		memset(buf, 0, sizeof buf);
		memcpy(buf, "LUKS\xba\xbe\x00\x02\x00\x00\x00\x00\x00\x00\x40\x00", 16);
		memcpy(buf + 72, "sha256", 6);
		memcpy(buf + 168, "6337ddd1-82a4-4798-8baa-46067d6025f4", 36);
		memcpy(buf + 4096, data, size);
		br_sha256_context c;
		br_sha256_init(&c);
		br_sha256_update(&c, buf, sizeof buf);
		br_sha256_out(&c, buf + 0x1c0);
		header(buf, sizeof buf);
		return 0;
	}
	/* exact-size copies: reads past the end are the sanitizer's to catch */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (mode == 1) {
		header(copy, size);
	} else {
		struct json_value root;
		char err[128];
		if (json_parse((const char *)copy, size, &root, err, sizeof err) == 0)
			walk(&root, 0);
		else if (memchr(err, '\0', sizeof err) == NULL || strncmp(err, "offset ", 7) != 0)
			abort();
	}
	free(copy);
	return 0;
}
