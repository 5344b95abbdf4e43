/* JSON strings: the strict check json_parse runs on each one, and reading a
 * checked string back as code points, UTF-8 bytes or for comparison. */
#include "json.h"
#include "json_impl.h"

#include <string.h>

/* The value of four hex digits at t[pos], or -1. */
static long hex4(const char *t, size_t len, size_t pos)
{
	if (pos > len || len - pos < 4)
		return -1;
	long v = 0;
	for (size_t i = 0; i < 4; i++) {
		char c = t[pos + i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The length of the well-formed UTF-8 sequence at s (lead byte >= 0x80) and
 * its code point, or 0: overlong forms, surrogates and values above
 * U+10FFFF are not well-formed (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t avail, uint32_t *cp)
{
	unsigned c = s[0];
	size_t n;
	uint32_t v, min;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

static size_t utf8_put(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int fail(size_t *bad, const char **why, size_t at, const char *reason)
{
	*bad = at;
	*why = reason;
	return -1;
}

int json_string_check(const char *t, size_t len, size_t pos, size_t *end, size_t *bad, const char **why)
{
	size_t i = pos + 1;
	for (;;) {
		if (i >= len)
			return fail(bad, why, pos, "unterminated string");
		unsigned char c = (unsigned char)t[i];
		if (c == '"') {
			*end = i + 1;
			return 0;
		}
		if (c < 0x20)
			return fail(bad, why, i, "control character in a string (it must be escaped)");
		if (c >= 0x80) {
			uint32_t cp;
			size_t n = utf8_seq((const unsigned char *)t + i, len - i, &cp);
			if (n == 0)
				return fail(bad, why, i, "invalid UTF-8 in a string");
			i += n;
			continue;
		}
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return fail(bad, why, pos, "unterminated string");
		char e = t[i + 1];
		if (e != 'u') {
			if (e == '\0' || !strchr("\"\\/bfnrt", e))
				return fail(bad, why, i, "unknown escape in a string");
			i += 2;
			continue;
		}
		long u = hex4(t, len, i + 2);
		if (u < 0)
			return fail(bad, why, i, "\\u needs four hex digits");
		if (u == 0)
			return fail(bad, why, i, "\\u0000 is not allowed in a string");
		if (u >= 0xdc00 && u <= 0xdfff)
			return fail(bad, why, i, "a low surrogate escape without its high half");
		if (u >= 0xd800 && u <= 0xdbff) {
			long lo = i + 7 < len && t[i + 6] == '\\' && t[i + 7] == 'u' ? hex4(t, len, i + 8) : -1;
			if (lo < 0xdc00 || lo > 0xdfff)
				return fail(bad, why, i, "a high surrogate escape without its low half");
			i += 12;
			continue;
		}
		i += 6;
	}
}

long json_string_next(const char *t, size_t len, size_t *pos)
{
	size_t i = *pos;
	if (i >= len || t[i] == '"')
		return -1;
	unsigned char c = (unsigned char)t[i];
	if (c >= 0x80) {
		uint32_t cp;
		size_t n = utf8_seq((const unsigned char *)t + i, len - i, &cp);
		if (n == 0)
			return -1; /* not a checked string: stop */
		*pos = i + n;
		return (long)cp;
	}
	if (c != '\\') {
		*pos = i + 1;
		return c;
	}
	if (i + 1 >= len)
		return -1;
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e = t[i + 1] ? strchr(from, t[i + 1]) : NULL;
	if (e) {
		*pos = i + 2;
		return (unsigned char)to[e - from];
	}
	long u = hex4(t, len, i + 2);
	if (u < 0)
		return -1;
	if (u >= 0xd800 && u <= 0xdbff) {
		long lo = hex4(t, len, i + 8);
		if (lo < 0xdc00 || lo > 0xdfff)
			return -1;
		*pos = i + 12;
		return 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	*pos = i + 6;
	return u;
}

int json_string_same(const char *t, size_t len, size_t a, size_t b)
{
	size_t pa = a + 1, pb = b + 1;
	for (;;) {
		long ca = json_string_next(t, len, &pa), cb = json_string_next(t, len, &pb);
		if (ca != cb)
			return 0;
		if (ca < 0)
			return 1;
	}
}

int json_string_get(const struct json_value *v, char *out, size_t cap, size_t *len)
{
	if (json_type_of(v) != JSON_STRING || cap == 0)
		return -1;
	size_t pos = v->pos + 1, n = 0;
	long cp;
	while ((cp = json_string_next(v->text, v->len, &pos)) >= 0) {
		char enc[4];
		size_t k = utf8_put((uint32_t)cp, enc);
		if (k >= cap - n) {
			out[0] = '\0';
			return -1;
		}
		memcpy(out + n, enc, k);
		n += k;
	}
	out[n] = '\0';
	if (len)
		*len = n;
	return 0;
}

int json_string_eq(const struct json_value *v, const char *s)
{
	if (json_type_of(v) != JSON_STRING)
		return 0;
	size_t pos = v->pos + 1, n = 0, slen = strlen(s);
	long cp;
	while ((cp = json_string_next(v->text, v->len, &pos)) >= 0) {
		char enc[4];
		size_t k = utf8_put((uint32_t)cp, enc);
		if (k > slen - n || memcmp(s + n, enc, k) != 0)
			return 0;
		n += k;
	}
	return n == slen;
}
