/* Reading a checked document in place: the type at a position, skipping a
 * value, members and elements, integers. */
#include "json.h"
#include "json_impl.h"

#include <string.h>

enum json_type json_type_of(const struct json_value *v)
{
	if (!v || !v->text || v->pos >= v->len)
		return JSON_INVALID;
	switch (v->text[v->pos]) {
	case '{': return JSON_OBJECT;
	case '[': return JSON_ARRAY;
	case '"': return JSON_STRING;
	case 't': return JSON_TRUE;
	case 'f': return JSON_FALSE;
	case 'n': return JSON_NULL;
	default:
		return v->text[v->pos] == '-' || (v->text[v->pos] >= '0' && v->text[v->pos] <= '9') ? JSON_INTEGER
												       : JSON_INVALID;
	}
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	default: return "nothing";
	}
}

/* Past the string whose opening quote is at pos (a checked string has no
 * unescaped quote inside, and every backslash starts a two-byte or longer
 * escape whose second byte is never the end). */
static size_t skip_string(const char *t, size_t len, size_t pos)
{
	size_t i = pos + 1;
	while (i < len && t[i] != '"')
		i += t[i] == '\\' ? 2 : 1;
	return i < len ? i + 1 : len;
}

size_t json_skip(const char *t, size_t len, size_t pos)
{
	size_t depth = 0;
	do {
		if (pos >= len)
			return len;
		char c = t[pos];
		if (c == '"') {
			pos = skip_string(t, len, pos);
		} else if (c == '{' || c == '[') {
			depth++;
			pos++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return pos; /* not a value: never in a checked document */
			depth--;
			pos++;
		} else if (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			pos++;
		} else {
			/* a number or a literal: letters, digits and '-' */
			size_t start = pos;
			while (pos < len && (t[pos] == '-' || (t[pos] >= '0' && t[pos] <= '9') ||
					     (t[pos] >= 'a' && t[pos] <= 'z')))
				pos++;
			if (pos == start)
				return len; /* not a checked document: stop */
		}
	} while (depth > 0);
	return pos;
}

void json_iter_init(struct json_iter *it, const struct json_value *container)
{
	enum json_type ty = json_type_of(container);
	it->in = *container;
	it->object = ty == JSON_OBJECT;
	/* anything else gives nothing: start at the end */
	it->pos = ty == JSON_OBJECT || ty == JSON_ARRAY ? container->pos + 1 : container->len;
}

int json_iter_next(struct json_iter *it, struct json_value *key, struct json_value *val)
{
	const char *t = it->in.text;
	size_t len = it->in.len, pos = json_ws(t, len, it->pos);
	if (pos >= len || t[pos] == '}' || t[pos] == ']') {
		it->pos = len;
		return 0;
	}
	if (t[pos] == ',')
		pos = json_ws(t, len, pos + 1);
	if (it->object) {
		if (pos >= len || t[pos] != '"') {
			it->pos = len;
			return 0;
		}
		if (key)
			*key = (struct json_value){t, len, pos};
		pos = json_ws(t, len, skip_string(t, len, pos));
		if (pos < len && t[pos] == ':')
			pos++;
		pos = json_ws(t, len, pos);
	}
	*val = (struct json_value){t, len, pos};
	it->pos = json_skip(t, len, pos);
	return pos < len;
}

size_t json_count(const struct json_value *container)
{
	struct json_iter it;
	struct json_value v;
	size_t n = 0;
	json_iter_init(&it, container);
	while (json_iter_next(&it, NULL, &v))
		n++;
	return n;
}

int json_object_get(const struct json_value *obj, const char *key, struct json_value *out)
{
	if (json_type_of(obj) != JSON_OBJECT)
		return 0;
	struct json_iter it;
	struct json_value k, v;
	json_iter_init(&it, obj);
	while (json_iter_next(&it, &k, &v))
		if (json_string_eq(&k, key)) {
			*out = v;
			return 1;
		}
	return 0;
}

int json_integer_get(const struct json_value *v, int64_t *out)
{
	if (json_type_of(v) != JSON_INTEGER)
		return -1;
	const char *t = v->text;
	size_t i = v->pos;
	int neg = t[i] == '-';
	if (neg)
		i++;
	uint64_t mag = 0, max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	size_t start = i;
	for (; i < v->len && t[i] >= '0' && t[i] <= '9'; i++) {
		unsigned d = (unsigned)(t[i] - '0');
		if (mag > (max - d) / 10)
			return -1;
		mag = mag * 10 + d;
	}
	if (i == start)
		return -1;
	/* -2^63 has no positive int64 counterpart: negate in unsigned arithmetic */
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}
