/* The strict JSON reader: what it accepts, what it refuses and why, and
 * reading values back in place. */
#include "../tap.h"
#include "json/json.h"

#include <stdint.h>

static int parses(const char *s)
{
	struct json_value v;
	char err[128];
	return json_parse(s, strlen(s), &v, err, sizeof err) == 0;
}

/* The error for s, or "" if it parsed. */
static const char *why(const char *s, size_t len)
{
	static char err[128];
	struct json_value v;
	err[0] = '\0';
	if (json_parse(s, len, &v, err, sizeof err) == 0)
		return "";
	return err;
}
#define WHY(s) why(s, sizeof(s) - 1)

int main(void)
{
	struct json_value root, v, k, e;
	char buf[64], err[128];
	int64_t i;

	/* accepted */
	ok(parses("{}"), "empty object");
	ok(parses(" [ ] "), "empty array with whitespace");
	ok(parses("{\"a\":[1,-2,0,{\"b\":null}],\"c\":true,\"d\":false,\"e\":\"x\"}"), "nested values");
	ok(parses("\"\\u00e9\\ud83d\\ude00 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\""), "every escape and a surrogate pair");
	ok(parses("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""), "2-, 3- and 4-byte UTF-8");
	ok(parses("9223372036854775807"), "INT64_MAX");
	ok(parses("-9223372036854775808"), "INT64_MIN");
	static const char padded[] = "{\"a\":1}\n\0\0\0\0";
	is_str(why(padded, sizeof padded - 1), "", "NUL padding after the top-level value (the LUKS2 area)");

	/* refused, with the offset and the reason */
	is_str(WHY("{\"a\":1,\"a\":2}"), "offset 7: duplicate key in an object", "duplicate key");
	is_str(WHY("{\"a\":1,\"\\u0061\":2}"), "offset 7: duplicate key in an object", "duplicate key, escaped");
	ok(parses("{\"a\":{\"a\":1},\"b\":{\"a\":2}}"), "the same key in sibling objects is fine");
	is_str(WHY("{\"a\":1}x"), "offset 7: trailing text after the top-level value", "trailing garbage");
	is_str(WHY("{\"a\":1}\0x"), "offset 8: trailing text after the top-level value", "text after the padding");
	is_str(WHY("{} {}"), "offset 3: trailing text after the top-level value", "two documents");
	is_str(WHY("[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]"), "", "depth 16 is fine");
	is_str(WHY("[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]"), "offset 16: nesting deeper than 16", "depth 17 refused");
	is_str(WHY("9223372036854775808"), "offset 0: an integer outside the 64-bit range", "INT64_MAX + 1");
	is_str(WHY("-9223372036854775809"), "offset 0: an integer outside the 64-bit range", "INT64_MIN - 1");
	is_str(WHY("[99999999999999999999999]"), "offset 1: an integer outside the 64-bit range", "huge integer");
	is_str(WHY("1.5"), "offset 0: only integers are accepted (no fraction or exponent)", "fraction");
	is_str(WHY("1e3"), "offset 0: only integers are accepted (no fraction or exponent)", "exponent");
	is_str(WHY("012"), "offset 0: a number with a leading zero", "leading zero");
	is_str(WHY("-"), "offset 0: a number needs digits", "lone minus");
	is_str(WHY("\"a\tb\""), "offset 2: control character in a string (it must be escaped)", "raw tab");
	is_str(WHY("\"a\nb\""), "offset 2: control character in a string (it must be escaped)", "raw newline");
	is_str(WHY("\"a\0b\""), "offset 2: control character in a string (it must be escaped)", "raw NUL");
	is_str(WHY("\"\\u0000\""), "offset 1: \\u0000 is not allowed in a string", "escaped NUL");
	is_str(WHY("\"\\ud800\""), "offset 1: a high surrogate escape without its low half", "lone high surrogate");
	is_str(WHY("\"\\udc00\""), "offset 1: a low surrogate escape without its high half", "lone low surrogate");
	is_str(WHY("\"\\u12g4\""), "offset 1: \\u needs four hex digits", "bad \\u");
	is_str(WHY("\"\\x\""), "offset 1: unknown escape in a string", "unknown escape");
	is_str(WHY("\"\xc0\xaf\""), "offset 1: invalid UTF-8 in a string", "overlong UTF-8");
	is_str(WHY("\"\xed\xa0\x80\""), "offset 1: invalid UTF-8 in a string", "UTF-8 surrogate");
	is_str(WHY("\"\xf4\x90\x80\x80\""), "offset 1: invalid UTF-8 in a string", "above U+10FFFF");
	is_str(WHY("\"\xe2\x82\""), "offset 1: invalid UTF-8 in a string", "truncated UTF-8");
	is_str(WHY("\"abc"), "offset 0: unterminated string", "unterminated string");
	is_str(WHY("{\"a\" 1}"), "offset 5: expected ':' after a key", "missing colon");
	is_str(WHY("{1:2}"), "offset 1: expected a string key", "non-string key");
	is_str(WHY("[1 2]"), "offset 3: expected ',' or ']'", "missing comma");
	is_str(WHY("[1,]"), "offset 3: expected a value", "trailing comma");
	is_str(WHY("{\"a\":1,}"), "offset 7: expected a string key", "trailing comma in an object");
	is_str(WHY("tru"), "offset 0: expected a value", "truncated literal");
	is_str(WHY(""), "offset 0: unexpected end: expected a value", "empty input");
	is_str(WHY("{\"a\":"), "offset 5: unexpected end: expected a value", "truncated object");
	is_str(WHY("[1"), "offset 2: expected ',' or ']'", "unclosed array");

	/* the member limit */
	char big[2048];
	size_t n = 0;
	big[n++] = '{';
	for (int m = 0; m < 129; m++)
		n += (size_t)snprintf(big + n, sizeof big - n, "%s\"k%d\":%d", m ? "," : "", m, m);
	big[n++] = '}';
	char want[64];
	snprintf(want, sizeof want, "offset %zu: more than 128 members in one object",
		 (size_t)(strstr(big, "\"k128\"") - big));
	is_str(why(big, n), want, "129 members refused at the 129th key");
	n = (size_t)(strrchr(big, ',') - big);
	big[n++] = '}';
	is_str(why(big, n), "", "128 members accepted");

	/* reading in place */
	static const char doc[] = "{ \"name\" : \"a\\u00e9\\n\", \"n\": -42, \"list\": [1, [2, 3], {\"x\": \"y\"}, \"z\"],"
				  " \"e\": {}, \"t\": true }";
	ok(json_parse(doc, sizeof doc - 1, &root, err, sizeof err) == 0, "document parses");
	is_int(json_type_of(&root), JSON_OBJECT, "root is an object");
	is_int(json_count(&root), 5, "five members");
	ok(json_object_get(&root, "name", &v) && json_type_of(&v) == JSON_STRING, "string member found");
	ok(json_string_get(&v, buf, sizeof buf, &n) == 0, "decoded");
	is_str(buf, "a\xc3\xa9\n", "decoded to UTF-8");
	is_int(n, 4, "decoded length");
	ok(json_string_get(&v, buf, 4, NULL) != 0, "does not fit in 4 bytes with its NUL");
	ok(json_string_eq(&v, "a\xc3\xa9\n") && !json_string_eq(&v, "a\xc3\xa9") && !json_string_eq(&v, "a\xc3\xa9\n!"),
	   "string_eq compares whole decoded strings");
	ok(json_object_get(&root, "n", &v) && json_integer_get(&v, &i) == 0 && i == -42, "integer member");
	ok(json_integer_get(&root, &i) != 0, "an object is no integer");
	ok(!json_object_get(&root, "missing", &v), "missing member");
	ok(!json_object_get(&root, "nam", &v), "no prefix match");
	ok(json_object_get(&root, "list", &v) && json_type_of(&v) == JSON_ARRAY, "array member");
	is_int(json_count(&v), 4, "four elements (nested ones skipped)");
	struct json_iter it;
	json_iter_init(&it, &v);
	int idx = 0, saw_z = 0;
	while (json_iter_next(&it, NULL, &e)) {
		if (idx == 2)
			ok(json_object_get(&e, "x", &k) && json_string_eq(&k, "y"), "object inside the array");
		if (idx == 3)
			saw_z = json_string_eq(&e, "z");
		idx++;
	}
	ok(saw_z, "last element after nested ones");
	ok(json_object_get(&root, "e", &v) && json_count(&v) == 0, "empty object has no members");
	ok(json_object_get(&root, "t", &v) && json_type_of(&v) == JSON_TRUE, "true");
	is_str(json_type_name(JSON_FALSE), "boolean", "type names");
	json_iter_init(&it, &root);
	ok(json_iter_next(&it, &k, &v) && json_string_eq(&k, "name"), "object iteration gives keys in order");
	struct json_value scalar = v;
	json_iter_init(&it, &scalar);
	ok(!json_iter_next(&it, &k, &e), "a scalar has no members");
	is_int(json_count(&scalar), 0, "nor a count");
	return done_testing();
}
