/*
 * A strict, bounded JSON reader that allocates nothing, for input the host
 * wrote (the LUKS2 JSON area).
 *
 * json_parse checks the whole document once (RFC 8259 grammar, plus the
 * limits below) and gives its top-level value. A struct json_value is only
 * a position in that checked text, so reading members and elements needs no
 * storage: the accessors scan the text again, which is cheap at LUKS2 sizes
 * (at most 4 MiB, usually 12 KiB) and keeps the reader free of tables whose
 * size the input would choose.
 *
 * Refused, each with the byte offset and the reason: duplicate keys in an
 * object (compared after unescaping), nesting deeper than JSON_MAX_DEPTH,
 * more than JSON_MAX_MEMBERS members in one object, numbers with a fraction
 * or exponent, leading zeros, integers outside int64, raw control
 * characters, invalid UTF-8 (overlong, surrogates, above U+10FFFF), \u0000
 * (so every decoded string is also a C string), lone surrogate escapes,
 * anything after the top-level value except whitespace and NUL bytes.
 *
 * The accessors are only defined on values json_parse returned (or reached
 * from them); they stay within [text, text + len) whatever they are given.
 */
#ifndef SNPBOOT_JSON_H
#define SNPBOOT_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 16    /* containers inside containers */
#define JSON_MAX_MEMBERS 128 /* members of one object: the duplicate check compares each key with the others */

enum json_type {
	JSON_INVALID = 0,
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_STRING,
	JSON_INTEGER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
};

struct json_value {
	const char *text; /* the whole checked document */
	size_t len;
	size_t pos; /* offset of the value's first byte */
};

/* Checks len bytes of text (need not be NUL-terminated) and sets *root to
 * the top-level value. 0, or -1 with "offset N: why" in err. */
int json_parse(const char *text, size_t len, struct json_value *root, char *err, size_t err_len);

enum json_type json_type_of(const struct json_value *v);
/* "object", "array", "string", "integer", "boolean", "null", "nothing". */
const char *json_type_name(enum json_type t);

/* Iteration over an object's members (key and value) or an array's elements
 * (key is left alone and may be NULL):
 *   struct json_iter it; json_iter_init(&it, &obj);
 *   while (json_iter_next(&it, &key, &val)) ...
 * A non-container yields nothing. */
struct json_iter {
	struct json_value in;
	size_t pos;
	int object;
};
void json_iter_init(struct json_iter *it, const struct json_value *container);
int json_iter_next(struct json_iter *it, struct json_value *key, struct json_value *val);
/* Members of an object or elements of an array; 0 for anything else. */
size_t json_count(const struct json_value *container);

/* 1 and *out set if obj is an object with a member named key, else 0. */
int json_object_get(const struct json_value *obj, const char *key, struct json_value *out);

/* The decoded string (UTF-8, NUL-terminated) in out: 0, or -1 if v is not a
 * string or does not fit in cap bytes with its NUL. *len (if not NULL)
 * gets the decoded length. */
int json_string_get(const struct json_value *v, char *out, size_t cap, size_t *len);
/* 1 if v is a string whose decoded bytes are exactly s. */
int json_string_eq(const struct json_value *v, const char *s);
/* 0 and *out set if v is an integer, else -1. */
int json_integer_get(const struct json_value *v, int64_t *out);

#endif
