/* Unit tests for the TOML subset parser (lib/toml.h). */
#include <stdint.h>
#include <stdlib.h>

#include "../tap.h"
#include "toml/toml.h"

static struct toml_arena arena;
static struct toml_doc doc;
static struct toml_error err;

static int parse_n(const char *src, size_t len)
{
	toml_doc_init_arena(&doc, &arena);
	return toml_parse(&doc, "t.toml", src, len, &err);
}

static int parse(const char *src)
{
	return parse_n(src, strlen(src));
}

static void show_err(void)
{
	char buf[300];
	toml_error_format(&err, buf, sizeof buf);
	diag("error: %s", buf);
}

/* Parses src and expects success. */
#define GOOD(src, ...)                                                                                        \
	do {                                                                                                  \
		if (!ok(parse(src) == 0, __VA_ARGS__))                                                        \
			show_err();                                                                           \
	} while (0)

/* Parses src and expects failure at line:col (col 0: any) with sub in the message. */
static void bad_n(int tl, const char *src, size_t len, unsigned line, unsigned col, const char *sub)
{
	int r = parse_n(src, len);
	if (!tap_ok(r == -1 && err.line == line && (col == 0 || err.column == col) && strstr(err.msg, sub) &&
			    toml_root(&doc) == NULL,
		    __FILE__, tl, "error at %u:%u: %s", line, col, sub)) {
		diag("parse returned %d", r);
		show_err();
	}
}
#define BAD(src, line, col, sub) bad_n(__LINE__, src, strlen(src), line, col, sub)
#define BADN(src, line, col, sub) bad_n(__LINE__, src, sizeof(src) - 1, line, col, sub)

static const struct toml_node *get(const char *path)
{
	return toml_get_path(&doc, path);
}

static const char *str(const char *path)
{
	const char *s = toml_string(&doc, get(path), NULL);
	return s ? s : "(not a string)";
}

static long long num(const char *path)
{
	int64_t v = -424242;
	toml_int(get(path), &v);
	return (long long)v;
}

static void test_empty_and_comments(void)
{
	GOOD("", "empty document");
	is_int(toml_count(toml_root(&doc)), 0, "root is empty");
	is_int(toml_type(toml_root(&doc)), TOML_TABLE, "root is a table");
	GOOD("# only a comment", "comment without newline");
	GOOD("\n\n  # c\n\t\n# x = 1\n", "blank lines and comments");
	is_int(toml_count(toml_root(&doc)), 0, "still empty");
	GOOD("\xEF\xBB\xBF" "a = 1\n", "UTF-8 BOM skipped");
	is_int(num("a"), 1, "value after BOM");
	GOOD("a = 1\r\n[t]\r\nb = 'x' # c\r\n", "CRLF line endings");
	is_str(str("t.b"), "x", "value in CRLF file");
	GOOD("a = 1 # comment with \xC3\xA9 and \t tab", "comment after value");
	ok(toml_parse(&doc, "t.toml", NULL, 0, &err) == 0, "NULL buffer with length 0");
	ok(toml_parse(&doc, "t.toml", NULL, 5, &err) == -1 && strstr(err.msg, "no input"), "NULL buffer with a length");
	GOOD("\ta\t=\t1\t\n\t[\tt\t]\t\n", "tabs as whitespace");
	is_int(num("a"), 1, "tab-separated value");
}

static void test_keys(void)
{
	GOOD("bare_key-1 = 1\n1234 = 2\n\"quoted key\" = 3\n'lit.key' = 4\n\"\" = 5\n\"\\u00e9\" = 6\n",
	     "bare, numeric, quoted, literal, empty keys");
	const struct toml_node *root = toml_root(&doc);
	is_int(num("bare_key-1"), 1, "bare key");
	is_int(num("1234"), 2, "numeric bare key");
	ok(toml_table_get(&doc, root, "quoted key") != NULL, "quoted key with space");
	ok(toml_table_get(&doc, root, "lit.key") != NULL, "literal key with a dot is one key");
	ok(toml_get_path(&doc, "lit.key") == NULL, "path lookup splits on dots");
	ok(toml_table_get(&doc, root, "") != NULL, "empty quoted key");
	ok(toml_table_get(&doc, root, "\xC3\xA9") != NULL, "escaped key");
	GOOD("true = 1\n1.2 = 3\n-_- = 4\n", "keys that look like values");
	ok(toml_type(get("true")) == TOML_INT, "'true' is a valid bare key");
	is_int(num("1.2"), 3, "1.2 is the dotted key 1 . 2");
	is_int(num("-_-"), 4, "dashes and underscores");
	is_int(toml_key_column(get("1.2")), 3, "key column of the last part of a dotted key");

	GOOD("a.b.c = 1\na . b . d = 2\na.\"x.y\" = 3\n", "dotted keys with spaces");
	is_int(num("a.b.c"), 1, "a.b.c");
	is_int(num("a.b.d"), 2, "a.b.d");
	is_int(toml_count(get("a")), 2, "a has b and x.y");
	ok(toml_type(get("a.b")) == TOML_TABLE, "dotted key makes tables");

	GOOD("[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n",
	     "header below a dotted-key table (spec example)");
	ok(toml_get_path(&doc, "fruit.apple.texture.smooth") != NULL, "fruit.apple.texture.smooth");
}

static void test_tables(void)
{
	GOOD("[a.b.c]\nx = 1\n[a]\ny = 2\n[a.b]\nz = 3\n", "implicit tables defined later");
	is_int(num("a.b.c.x"), 1, "a.b.c.x");
	is_int(num("a.y"), 2, "a.y");
	is_int(num("a.b.z"), 3, "a.b.z");
	is_int(toml_line(get("a")), 3, "explicitly defined table takes its header's line");
	is_int(toml_line(get("a.b.c")), 1, "table line");

	GOOD("top = 1\n[ t1 ]\nk = 1\n[\"quoted.t\"]\nk = 2\n[t1 . sub]\n", "header spacing and quoting");
	ok(toml_table_get(&doc, toml_root(&doc), "quoted.t") != NULL, "quoted header");
	ok(toml_type(get("t1.sub")) == TOML_TABLE, "empty sub-table");
	is_int(toml_count(get("t1.sub")), 0, "empty table has no members");

	GOOD("[[disk]]\nname = 'a'\n[disk.opts]\nro = true\n[[disk]]\nname = 'b'\n[[disk.part]]\nn = 1\n[[disk.part]]\nn = "
	     "2\n",
	     "array of tables with sub-tables");
	const struct toml_node *d = get("disk");
	ok(toml_is_array_of_tables(d), "disk is an array of tables");
	is_int(toml_count(d), 2, "two disks");
	is_str(toml_string(&doc, toml_table_get(&doc, toml_array_at(&doc, d, 0), "name"), NULL), "a", "disk[0].name");
	ok(toml_table_get_path(&doc, toml_array_at(&doc, d, 0), "opts.ro") != NULL, "disk[0].opts.ro");
	const struct toml_node *d1 = toml_array_at(&doc, d, 1);
	is_int(toml_count(toml_table_get(&doc, d1, "part")), 2, "disk[1].part has two entries");
	ok(toml_array_at(&doc, d, 2) == NULL, "index out of range");
	is_int(toml_line(d1), 5, "AOT element line");
	char p[64];
	toml_path(&doc, toml_table_get(&doc, toml_array_at(&doc, toml_table_get(&doc, d1, "part"), 1), "n"), p,
		  sizeof p);
	is_str(p, "disk[1].part[1].n", "path through arrays of tables");

	GOOD("[[a]]\n[[a]]\n[a.b]\nx = 1\n", "[a.b] extends the last [[a]] element");
	ok(toml_table_get(&doc, toml_array_at(&doc, get("a"), 0), "b") == NULL, "not the first");
	ok(toml_table_get(&doc, toml_array_at(&doc, get("a"), 1), "b") != NULL, "but the last");
	GOOD("[[a.b]]\n[a]\nc = 1\n", "table implicitly created by [[a.b]] defined later");
}

static void test_strings(void)
{
	GOOD("s = \"tab\\tnl\\ncr\\rq\\\"bs\\\\b\\bf\\f\"\n", "basic escapes");
	is_str(str("s"), "tab\tnl\ncr\rq\"bs\\b\bf\f", "escapes decoded");
	GOOD("s = \"\\u0041\\u00e9\\u20AC\\U0001F600\\U0010FFFF\"\n", "unicode escapes");
	is_str(str("s"), "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF", "UTF-8 encoded");
	GOOD("s = \"raw \xC3\xA9 \xF0\x9F\x98\x80\ttab\"\n", "raw UTF-8 and tab in basic string");
	is_str(str("s"), "raw \xC3\xA9 \xF0\x9F\x98\x80\ttab", "raw UTF-8 kept");
	GOOD("s = 'C:\\path\\no\\escapes \"q\"'\n", "literal string");
	is_str(str("s"), "C:\\path\\no\\escapes \"q\"", "literal kept verbatim");
	GOOD("s = \"\"\nt = ''\n", "empty strings");
	is_str(str("s"), "", "empty basic");
	is_str(str("t"), "", "empty literal");

	GOOD("s = \"\"\"\nline1\n  line2\"\"\"\n", "multi-line basic, first newline trimmed");
	is_str(str("s"), "line1\n  line2", "content");
	GOOD("s = \"\"\"one \\\n     two \\   \n\n   three\"\"\"\n", "line-ending backslash");
	is_str(str("s"), "one two three", "whitespace trimmed");
	GOOD("s = \"\"\"a\"b\"\"c\"\"\"\"\"\n", "quotes inside and before the closing delimiter");
	is_str(str("s"), "a\"b\"\"c\"\"", "two quotes kept before close");
	GOOD("s = \"\"\"\r\nx\r\ny\"\"\"\n", "CRLF in multi-line string");
	is_str(str("s"), "x\ny", "CRLF normalised to LF");
	GOOD("s = \"\"\"# not a comment\"\"\"\n", "hash inside string");
	is_str(str("s"), "# not a comment", "hash kept");
	GOOD("s = '''\nraw \\n ''quoted'' '''\nt = '''x'''''\n", "multi-line literal");
	is_str(str("s"), "raw \\n ''quoted'' ", "no escapes in literal");
	is_str(str("t"), "x''", "two quotes before close");
	GOOD("s = \"\"\"\"\"\"\n", "empty multi-line basic");
	is_str(str("s"), "", "empty");
	GOOD("s = \"\"\"\"\"\"\"\n", "seven quotes: one quote inside");
	is_str(str("s"), "\"", "one quote");
	GOOD("s = '''''''\n", "seven single quotes");
	is_str(str("s"), "'", "one quote");

	size_t len = 0;
	GOOD("s = \"abc\"\n", "length");
	ok(toml_string(&doc, get("s"), &len) && len == 3, "toml_string gives the length");
	ok(toml_string(&doc, toml_root(&doc), &len) == NULL, "toml_string on a table is NULL");
}

static void test_integers(void)
{
	GOOD("a = 0\nb = +0\nc = -0\nd = 1_000_000\ne = +99\nf = -17\n"
	     "g = 9223372036854775807\nh = -9223372036854775808\n"
	     "i = 0xDEAD_beef\nj = 0o755\nk = 0b1101_0101\nl = 0x7FFFFFFFFFFFFFFF\nm = 0x0\nn = 0b0\n",
	     "integers");
	is_int(num("a"), 0, "0");
	is_int(num("b"), 0, "+0");
	is_int(num("c"), 0, "-0");
	is_int(num("d"), 1000000, "underscores");
	is_int(num("e"), 99, "plus sign");
	is_int(num("f"), -17, "negative");
	ok(num("g") == INT64_MAX, "INT64_MAX");
	ok(num("h") == INT64_MIN, "INT64_MIN");
	is_int(num("i"), 0xDEADBEEF, "hex, mixed case");
	is_int(num("j"), 0755, "octal");
	is_int(num("k"), 0xD5, "binary");
	ok(num("l") == INT64_MAX, "largest hex");
	is_int(num("m"), 0, "0x0");
	GOOD("t = true\nf = false\n", "booleans");
	bool b = false;
	ok(toml_bool(get("t"), &b) == 0 && b, "true");
	ok(toml_bool(get("f"), &b) == 0 && !b, "false");
	ok(toml_bool(get("nope"), &b) == -1, "toml_bool on missing");
	int64_t v;
	ok(toml_int(get("t"), &v) == -1, "toml_int on a boolean");
}

static void test_arrays(void)
{
	GOOD("a = []\nb = [ 1, 2, 3, ]\nc = [[1, 2], ['x'], [], [[true]]]\nd = ['s', 1, {x = 1}]\n"
	     "e = [\n  1, # one\n\n  2 # two\n  ,3\n]\nf = [ { name = 'a' }, { name = 'b' } ]\n",
	     "arrays");
	is_int(toml_count(get("a")), 0, "empty array");
	is_int(toml_count(get("b")), 3, "trailing comma");
	is_int(toml_count(get("c")), 4, "nested");
	is_int(toml_count(toml_array_at(&doc, get("c"), 3)), 1, "nested nested");
	ok(toml_type(toml_array_at(&doc, get("d"), 2)) == TOML_TABLE, "mixed types, inline table element");
	is_int(toml_count(get("e")), 3, "newlines and comments inside");
	is_int(toml_line(toml_array_at(&doc, get("e"), 2)), 9, "element line");
	ok(!toml_is_array_of_tables(get("f")), "inline array of tables is not a [[table]]");

	int64_t sum = 0, v;
	for (const struct toml_node *n = toml_first(&doc, get("b")); n; n = toml_next(&doc, n))
		if (toml_int(n, &v) == 0)
			sum += v;
	is_int(sum, 6, "iteration over elements");
	ok(toml_first(&doc, get("b.x")) == NULL, "toml_first on missing");
	ok(toml_first(&doc, toml_array_at(&doc, get("b"), 0)) == NULL, "toml_first on a scalar");
	ok(toml_key(&doc, toml_array_at(&doc, get("b"), 0)) == NULL, "elements have no key");
	ok(toml_parent(&doc, toml_array_at(&doc, get("b"), 0)) == get("b"), "parent of element");
	ok(toml_parent(&doc, toml_root(&doc)) == NULL, "root has no parent");
}

static void test_inline_tables(void)
{
	GOOD("p = { x = 1, y = 'two', z.w = true, n = { m = [] } }\ne = {}\n", "inline tables");
	is_int(num("p.x"), 1, "p.x");
	is_str(str("p.y"), "two", "p.y");
	ok(toml_type(get("p.z.w")) == TOML_BOOL, "dotted key inside");
	ok(toml_type(get("p.n.m")) == TOML_ARRAY, "nested");
	is_int(toml_count(get("e")), 0, "empty inline table");
	GOOD("a = { b.c = 1, b.d = 2 }\n", "dotted keys share a table inside an inline table");
	is_int(toml_count(get("a.b")), 2, "a.b has two keys");
	GOOD("a = { b = [\n  1,\n  2, # c\n], s = \"\"\"\nx\ny\"\"\" }\nz = 1\n",
	     "newlines inside values inside an inline table");
	is_int(toml_count(get("a.b")), 2, "array across lines");
	is_str(str("a.s"), "x\ny", "multi-line string inside");
	is_int(toml_line(get("z")), 7, "line count after");
}

static void test_iteration_and_lines(void)
{
	GOOD("# header\nname = 'vm'\n\n[network]\nmode = 'dhcp'\n  mtu = 1500\n[storage]\n", "document");
	const char *want[] = {"name", "network", "storage"};
	unsigned lines[] = {2, 4, 7};
	int i = 0, good = 1;
	for (const struct toml_node *n = toml_first(&doc, toml_root(&doc)); n; n = toml_next(&doc, n), i++)
		good &= i < 3 && strcmp(toml_key(&doc, n), want[i]) == 0 && toml_line(n) == lines[i];
	ok(good && i == 3, "root keys in order with lines");
	is_int(toml_line(get("network.mtu")), 6, "line of mtu");
	is_int(toml_column(get("network.mtu")), 9, "column of mtu's value");
	is_int(toml_key_column(get("network.mtu")), 3, "column of mtu's key");
	is_int(toml_column(get("network")), 1, "column of a header");
	ok(toml_table_get(&doc, get("name"), "x") == NULL, "toml_table_get on a string");
	ok(toml_table_get_path(&doc, toml_root(&doc), "network.mode.x") == NULL, "path through a string");
	ok(toml_get_path(&doc, "network.") == NULL, "empty path segment");
	ok(toml_get_path(&doc, NULL) == NULL && toml_table_get(&doc, toml_root(&doc), NULL) == NULL, "NULL key");
	is_str(toml_type_name(TOML_STRING), "string", "type name string");
	is_str(toml_type_name(TOML_INT), "integer", "type name integer");
	is_str(toml_type_name(TOML_BOOL), "boolean", "type name boolean");
	is_str(toml_type_name(TOML_ARRAY), "array", "type name array");
	is_str(toml_type_name(TOML_TABLE), "table", "type name table");
	is_str(toml_type_name(TOML_NONE), "nothing", "type name none");
	char p[16];
	/* TOML text ["q\\\"k"] names the key q\"k; paths re-escape it as "q\\\"k". */
	GOOD("[\"q\\\\\\\"k\"]\nx = 1\n", "key with a quote and backslash");
	ok(toml_table_get(&doc, toml_root(&doc), "q\\\"k") != NULL, "key decoded");
	is_int(toml_path(&doc, toml_first(&doc, toml_root(&doc)), p, sizeof p), 8, "full path length returned");
	is_str(p, "\"q\\\\\\\"k\"", "quote and backslash escaped in path");
	is_int(toml_path(&doc, toml_first(&doc, toml_first(&doc, toml_root(&doc))), p, 6), 10, "untruncated length");
	is_str(p, "\"q\\\\\\", "truncated path");
	GOOD("\"\xC3\xA9\xC3\xA9\" = 1\n", "key with two-byte characters");
	is_int(toml_path(&doc, toml_first(&doc, toml_root(&doc)), p, 5), 6, "path length in bytes");
	is_str(p, "\"\xC3\xA9", "truncation keeps whole characters");
	GOOD("\"\xC3\xA9\" = 12\n", "non-ASCII key");
	is_int(toml_column(toml_table_get(&doc, toml_root(&doc), "\xC3\xA9")), 7, "columns count characters");
}

static void test_getters(void)
{
	char buf[8], msg[300];
	int64_t v;
	bool b;
	const struct toml_node *net;
	GOOD("[network]\nmode = 'static'\nmtu = 9001\ndhcp = true\nhostname = 'a-very-long-name'\n"
	     "\"odd key\" = 1\n[[disk]]\nname = 1\n",
	     "doc for getters");
	net = get("network");
	ok(toml_expect(&doc, net, TOML_TABLE, &err) == 0, "expect table");
	ok(toml_get_string(&doc, toml_table_get(&doc, net, "mode"), buf, sizeof buf, &err) == 0, "get string");
	is_str(buf, "static", "copied");
	ok(toml_get_string(&doc, toml_table_get(&doc, net, "hostname"), buf, sizeof buf, &err) == -1, "too long");
	is_int(err.line, 5, "line of too-long string");
	ok(strstr(err.msg, "'network.hostname' is too long (16 bytes, at most 7)") != NULL, "too-long message");
	ok(toml_get_string(&doc, toml_table_get(&doc, net, "mtu"), buf, sizeof buf, &err) == -1, "int is no string");
	toml_error_format(&err, msg, sizeof msg);
	is_str(msg, "t.toml:3:7: 'network.mtu' must be a string, not an integer", "type mismatch message");
	ok(toml_get_int(&doc, toml_table_get(&doc, net, "mtu"), 576, 9000, &v, &err) == -1, "int out of range");
	toml_error_format(&err, msg, sizeof msg);
	is_str(msg, "t.toml:3:7: 'network.mtu' must be between 576 and 9000 (got 9001)", "range message");
	ok(toml_get_int(&doc, toml_table_get(&doc, net, "mtu"), 576, 9001, &v, &err) == 0 && v == 9001, "int in range");
	ok(toml_get_bool(&doc, toml_table_get(&doc, net, "dhcp"), &b, &err) == 0 && b, "bool");
	ok(toml_get_bool(&doc, toml_table_get(&doc, net, "mode"), &b, &err) == -1, "string is no bool");
	ok(strstr(err.msg, "must be a boolean, not a string") != NULL, "bool mismatch message");
	ok(toml_expect(&doc, toml_table_get(&doc, net, "odd key"), TOML_STRING, &err) == -1, "quoted key mismatch");
	ok(strstr(err.msg, "'network.\"odd key\"' must be a string") != NULL, "quoted key in path");
	ok(toml_get_string(&doc, toml_get_path(&doc, "disk"), buf, sizeof buf, &err) == -1, "array is no string");
	ok(toml_expect(&doc, NULL, TOML_INT, &err) == -1 && err.line == 0, "expect on NULL");
	ok(toml_get_int(&doc, toml_table_get(&doc, toml_array_at(&doc, get("disk"), 0), "name"), 0, 1, &v, &err) == 0,
	   "int in an array of tables");
	ok(toml_get_string(&doc, toml_table_get(&doc, toml_array_at(&doc, get("disk"), 0), "name"), buf, sizeof buf,
			   &err) == -1 &&
		   strstr(err.msg, "'disk[0].name' must be a string") != NULL,
	   "path with index in message");
	ok(toml_expect(&doc, net, TOML_NONE, &err) == 0, "TOML_NONE accepts anything");

	ok(toml_require(&doc, net, "mode", TOML_STRING, &err) != NULL, "require present");
	ok(toml_require(&doc, net, "gateway", TOML_STRING, &err) == NULL, "require missing");
	toml_error_format(&err, msg, sizeof msg);
	is_str(msg, "t.toml:1:1: missing required key 'network.gateway'", "missing message at the table");
	ok(toml_require(&doc, net, "mtu", TOML_STRING, &err) == NULL && strstr(err.msg, "must be a string"),
	   "require wrong type");
	ok(toml_require(&doc, toml_root(&doc), "storage", TOML_TABLE, &err) == NULL &&
		   strstr(err.msg, "missing required key 'storage'"),
	   "require at root");
	ok(toml_require(&doc, get("network.mode"), "x", TOML_NONE, &err) == NULL &&
		   strstr(err.msg, "must be a table"),
	   "require on a non-table");

	static const char *const net_keys[] = {"mode", "mtu", "dhcp", "hostname", "odd key", NULL};
	static const char *const few_keys[] = {"mode", "mtu", NULL};
	ok(toml_check_table_keys(&doc, net, "network", net_keys, &err) == 0, "all keys allowed");
	ok(toml_check_table_keys(&doc, net, "network", few_keys, &err) == -1, "unknown key found");
	toml_error_format(&err, msg, sizeof msg);
	is_str(msg, "t.toml:4:1: unknown key 'network.dhcp'", "unknown key message with key column");
	ok(toml_check_table_keys(&doc, net, NULL, few_keys, &err) == -1 && strstr(err.msg, "'network.dhcp'"),
	   "table name from the path");
	ok(toml_check_table_keys(&doc, net, "", few_keys, &err) == -1 && strstr(err.msg, "unknown key 'dhcp'"),
	   "empty table name");
	ok(toml_check_table_keys(&doc, toml_array_at(&doc, get("disk"), 0), NULL, few_keys, &err) == -1 &&
		   strstr(err.msg, "unknown key 'disk[0].name'") && err.line == 8,
	   "unknown key in an array of tables");
	ok(toml_check_table_keys(&doc, get("network.mtu"), "x", few_keys, &err) == -1, "check keys on non-table");

	GOOD("[network]\nmoed = 'dhcp'\n", "typo");
	static const char *const modes[] = {"mode", NULL};
	ok(toml_check_table_keys(&doc, get("network"), "network", modes, &err) == -1, "typo caught");
	toml_error_format(&err, msg, sizeof msg);
	is_str(msg, "t.toml:2:1: unknown key 'network.moed'", "typo message");
}

static void test_error_api(void)
{
	char msg[300];
	struct toml_error e;
	GOOD("[a]\nx = 'y'\n", "doc");
	ok(toml_errorf(&e, &doc, get("a.x"), "bad %s", "value") == -1, "toml_errorf returns -1");
	toml_error_format(&e, msg, sizeof msg);
	is_str(msg, "t.toml:2:5: bad value", "toml_errorf position");
	toml_errorf(&e, &doc, NULL, "whole file");
	toml_error_format(&e, msg, sizeof msg);
	is_str(msg, "t.toml: whole file", "no position");
	e.line = 7;
	e.column = 0;
	toml_error_format(&e, msg, sizeof msg);
	is_str(msg, "t.toml:7: whole file", "line only");
	ok(toml_errorf(NULL, &doc, NULL, "x") == -1, "NULL err is fine");

	char name[200];
	memset(name, 'd', sizeof name);
	name[sizeof name - 1] = 0;
	memcpy(name + sizeof name - 11, "/boot.toml", 10);
	toml_doc_init_arena(&doc, &arena);
	ok(toml_parse(&doc, name, "x = ", 4, &err) == -1, "error with a long file name");
	ok(strncmp(err.file, "...", 3) == 0 && strstr(err.file, "/boot.toml") && strlen(err.file) == TOML_FILE_MAX - 1,
	   "long file name keeps its end");
	ok(toml_parse(&doc, NULL, "x = ", 4, NULL) == -1, "NULL err and file");
	ok(toml_root(&doc) == NULL, "no root after failure");
	ok(toml_get_path(&doc, "x") == NULL, "lookups after failure are safe");
}

static void test_value_errors(void)
{
	BAD("a = 1.5\n", 1, 5, "floats are not supported");
	BAD("a = 1e3\n", 1, 5, "floats are not supported");
	BAD("a = -2E-2\n", 1, 5, "floats are not supported");
	BAD("a = inf\n", 1, 5, "floats are not supported");
	BAD("a = -nan\n", 1, 5, "floats are not supported");
	BAD("a = .5\n", 1, 5, "floats are not supported");
	BAD("x = 1\na = 1979-05-27\n", 2, 5, "dates and times are not supported");
	BAD("a = 07:32:00\n", 1, 5, "dates and times are not supported");
	BAD("a = 1979-05-27T07:32:00Z\n", 1, 5, "dates and times are not supported");
	BAD("a = 1979-05-27 07:32:00\n", 1, 5, "dates and times are not supported");
	BAD("a = 012\n", 1, 5, "leading zeros");
	BAD("a = -01\n", 1, 5, "leading zeros");
	BAD("a = 1__0\n", 1, 5, "invalid integer '1__0'");
	BAD("a = 1_\n", 1, 5, "invalid integer");
	BAD("a = _1\n", 1, 5, "invalid value '_1'");
	BAD("a = 0x\n", 1, 5, "invalid integer");
	BAD("a = 0x_1\n", 1, 5, "invalid integer");
	BAD("a = 0xg1\n", 1, 5, "invalid integer");
	BAD("a = 0o8\n", 1, 5, "invalid integer");
	BAD("a = 0b102\n", 1, 5, "invalid integer");
	BAD("a = 0X1\n", 1, 5, "invalid integer");
	BAD("a = +0x1\n", 1, 5, "a sign is not allowed");
	BAD("a = 1-2\n", 1, 5, "invalid integer");
	BAD("a = 9223372036854775808\n", 1, 5, "does not fit in 64 bits");
	BAD("a = -9223372036854775809\n", 1, 5, "does not fit in 64 bits");
	BAD("a = 99999999999999999999999999\n", 1, 5, "does not fit in 64 bits");
	BAD("a = 0x8000000000000000\n", 1, 5, "does not fit in 64 bits");
	BAD("a = 0b11111111111111111111111111111111111111111111111111111111111111111\n", 1, 5, "does not fit");
	BAD("a = 99999999999999999999999x\n", 1, 5, "invalid integer");
	BAD("a = hello\n", 1, 5, "invalid value 'hello' (strings must be quoted)");
	BAD("a = True\n", 1, 5, "invalid value 'True'");
	BAD("a = truex\n", 1, 5, "invalid value 'truex'");
	BAD("a =\n", 1, 4, "expected a value, found end of line");
	BAD("a = # c\n", 1, 5, "expected a value, found '#'");
	BAD("a = ", 1, 5, "expected a value, found end of file");
	BAD("a = 1 2\n", 1, 7, "expected end of line after value, found '2'");
	BAD("a = 'x' b = 1\n", 1, 9, "expected end of line after value, found 'b'");
	BAD("a = \xC3\xA9\n", 1, 5, "expected a value, found U+00E9");
}

static void test_key_errors(void)
{
	BAD("mode \"dhcp\"\n", 1, 6, "expected '=' after key 'mode', found '\"'");
	BAD("a\n", 1, 2, "expected '=' after key 'a', found end of line");
	BAD("= 1\n", 1, 1, "expected a key, found '='");
	BAD("a. = 1\n", 1, 4, "expected a key, found '='");
	BAD("a b = 1\n", 1, 3, "expected '=' after key 'a'");
	BAD("\"\"\"k\"\"\" = 1\n", 1, 1, "multi-line strings cannot be keys");
	BAD("\"k\nx\" = 1\n", 1, 3, "newline inside a single-line string");
	BAD("a = 1\nb = 2\na = 3\n", 3, 1, "duplicate key 'a' (first defined on line 1)");
	BAD("[t]\nx.y = 1\nx.y = 2\n", 3, 3, "duplicate key 't.x.y' (first defined on line 2)");
	BAD("a = 1\n'a' = 2\n", 2, 1, "duplicate key 'a'");
	BAD("\"a\" = 1\n\"\\u0061\" = 2\n", 2, 1, "duplicate key 'a'");
	BAD("a = 1\na.b = 2\n", 2, 1, "key 'a' is already defined as an integer on line 1");
	BAD("a = { x = 1 }\na.y = 2\n", 2, 1, "cannot add keys to inline table 'a'");
	BAD("[a.b]\n[a]\nb.c = 1\n", 3, 1, "cannot add keys to table 'a.b' with dotted keys");
	BAD("[a.b.c]\nz = 9\n[a]\nb.c.t = 9\n", 4, 1, "cannot add keys to table 'a.b' with dotted keys");
	BAD("p = { a = 1, a = 2 }\n", 1, 14, "duplicate key 'p.a'");
	BAD("p = { a = { b = 1 }, a.c = 2 }\n", 1, 22, "cannot add keys to inline table 'p.a'");
	BAD("[t]\n\"a\\tb\" = 1\n\"a\\tb\" = 2\n", 3, 1, "duplicate key 't.\"a\\u0009b\"'");
}

static void test_table_errors(void)
{
	BAD("[a]\n[a]\n", 2, 2, "table 'a' is already defined (line 1)");
	BAD("[a]\nb = 1\n[a.b]\n", 3, 4, "key 'a.b' is already defined as an integer on line 2");
	BAD("[a]\nb.c = 1\n[a.b]\n", 3, 4, "table 'a.b' is already defined");
	BAD("a.b = 1\n[a]\n", 2, 2, "table 'a' is already defined");
	BAD("a = {}\n[a]\n", 2, 2, "table 'a' is already defined");
	BAD("a = {}\n[a.b]\n", 2, 2, "cannot add to inline table 'a'");
	BAD("a = []\n[[a]]\n", 2, 3, "cannot define array of tables 'a': already defined as an array");
	BAD("a = [{}]\n[a.b]\n", 2, 2, "key 'a' is already defined as an array on line 1");
	BAD("[a]\n[[a]]\n", 2, 3, "cannot define array of tables 'a': already defined as a table");
	BAD("[[a]]\n[a]\n", 2, 2, "key 'a' is already defined as an array");
	BAD("a = 1\n[a]\n", 2, 2, "key 'a' is already defined as an integer");
	BAD("a = 1\n[a.b]\n", 2, 2, "key 'a' is already defined as an integer");
	BAD("[a\n", 1, 3, "expected ']' after table name, found end of line");
	BAD("[]\n", 1, 2, "expected a key, found ']'");
	BAD("[a]]\n", 1, 4, "expected end of line after table header, found ']'");
	BAD("[[a]\n", 1, 4, "expected ']]' after table name");
	BAD("[[a] ]\n", 1, 4, "expected ']]' after table name");
	BAD("[ [a]]\n", 1, 3, "expected a key, found '['");
	BAD("[a] b = 1\n", 1, 5, "expected end of line after table header, found 'b'");
	BAD("[a.]\n", 1, 4, "expected a key, found ']'");
	BAD("[\"\"\"a\"\"\"]\n", 1, 2, "multi-line strings cannot be keys");
}

static void test_container_errors(void)
{
	BAD("a = [1 2]\n", 1, 8, "expected ',' or ']' in array, found '2'");
	BAD("a = [1,\n", 2, 1, "expected a value, found end of file");
	BAD("a = [,]\n", 1, 6, "expected a value, found ','");
	BAD("a = [1,,2]\n", 1, 8, "expected a value, found ','");
	BAD("a = { x = 1, }\n", 1, 14, "trailing comma in an inline table");
	BAD("a = { x = 1\n}\n", 1, 12, "inline tables must be on a single line");
	BAD("a = {\nx = 1 }\n", 1, 6, "inline tables must be on a single line");
	BAD("a = { x = 1 # c\n}\n", 1, 13, "inline tables must be on a single line");
	BAD("a = { x = 1 y = 2 }\n", 1, 13, "expected ',' or '}' in inline table, found 'y'");
	BAD("a = { x }\n", 1, 9, "expected '=' after key 'x'");
	BAD("a = {,}\n", 1, 6, "expected a key, found ','");
}

static void test_string_errors(void)
{
	BAD("s = \"abc\n", 1, 9, "newline inside a single-line string");
	BAD("s = \"abc", 1, 5, "unterminated string");
	BAD("s = 'abc\n", 1, 9, "newline inside a single-line string (multi-line strings use ''')");
	BAD("s = \"\"\"abc\n\n", 1, 5, "unterminated string");
	BAD("s = '''abc''\n", 1, 5, "unterminated string");
	BAD("s = \"a\\xb\"\n", 1, 7, "invalid escape sequence '\\' followed by 'x'");
	BAD("s = \"a\\ b\"\n", 1, 7, "invalid escape sequence");
	BAD("s = \"\"\"a\\  b\"\"\"\n", 1, 9, "a backslash followed by spaces must end the line");
	BAD("s = \"\\u12\"\n", 1, 6, "\\u escape needs exactly 4 hex digits");
	BAD("s = \"\\U1234567\"\n", 1, 6, "\\U escape needs exactly 8 hex digits");
	BAD("s = \"\\uD800\"\n", 1, 6, "surrogate");
	BAD("s = \"\\uDFFF\"\n", 1, 6, "surrogate");
	BAD("s = \"\\U0000D800\"\n", 1, 6, "surrogate");
	BAD("s = \"\\U00110000\"\n", 1, 6, "beyond U+10FFFF");
	BAD("s = \"\\UFFFFFFFF\"\n", 1, 6, "beyond U+10FFFF");
	BAD("s = \"\\u0000\"\n", 1, 6, "NUL characters");
	BAD("s = \"a\x01\"\n", 1, 7, "control character U+0001 in string (use an escape)");
	BAD("s = \"a\x7f\"\n", 1, 7, "control character U+007F");
	BAD("s = 'a\x1b'\n", 1, 7, "control character U+001B in string");
	BAD("s = \"\"\"a\x0c\"\"\"\n", 1, 9, "control character U+000C");
	BAD("s = '''a\rb'''\n", 1, 9, "carriage return not followed by a line feed");
	BAD("s = \"\"\"a\"\"\"\"\"\"\n", 1, 9, "too many quotes");
	BAD("s = '''a''''''\n", 1, 9, "too many quotes");
	BAD("s = \"\"\"\"\"\"\"\"\"\n", 1, 8, "too many quotes");
}

static void test_input_errors(void)
{
	BADN("a = 1\nb = \0\n", 2, 5, "NUL byte in input");
	BADN("# \0\n", 1, 3, "NUL byte");
	BAD("a = 'x'\n# \xC3\x28\n", 2, 3, "invalid UTF-8 (byte 0xC3)");
	BAD("a = '\xC0\x80'\n", 1, 6, "invalid UTF-8 (byte 0xC0)");   /* overlong NUL */
	BAD("a = '\xE0\x80\xAF'\n", 1, 6, "invalid UTF-8");            /* overlong '/' */
	BAD("a = '\xED\xA0\x80'\n", 1, 6, "invalid UTF-8 (byte 0xED)"); /* surrogate */
	BAD("a = '\xF4\x90\x80\x80'\n", 1, 6, "invalid UTF-8");        /* > U+10FFFF */
	BAD("a = '\xF5\x80\x80\x80'\n", 1, 6, "invalid UTF-8");
	BAD("a = '\x80'\n", 1, 6, "invalid UTF-8 (byte 0x80)");
	BAD("a = '\xE2\x82'\n", 1, 6, "invalid UTF-8"); /* truncated */
	BAD("a = '\xF0\x9F\x98", 1, 6, "invalid UTF-8");  /* truncated at end of input */
	BAD("a = 1\rb = 2\n", 1, 6, "carriage return not followed by a line feed");
	BAD("a = 1 # \x01\n", 1, 9, "control character U+0001 in comment");
	BAD("# \x7f\n", 1, 3, "control character U+007F in comment");
	BAD("a = 1 #\r", 1, 8, "carriage return");
	BAD("\xC3\xA9 = 1\n", 1, 1, "expected a key, found U+00E9");
	BAD("\x01 = 1\n", 1, 1, "expected a key, found U+0001");
}

static void test_limits(void)
{
	static char big[64 * 1024];
	size_t n = 0;
	int i;

	/* Nesting: 32 levels of arrays are fine, 33 are not. */
	n = (size_t)snprintf(big, sizeof big, "a = ");
	for (i = 0; i < TOML_MAX_DEPTH; i++)
		big[n++] = '[';
	for (i = 0; i < TOML_MAX_DEPTH; i++)
		big[n++] = ']';
	big[n] = 0;
	GOOD(big, "%d nested arrays", TOML_MAX_DEPTH);
	n = (size_t)snprintf(big, sizeof big, "a = ");
	for (i = 0; i <= TOML_MAX_DEPTH; i++)
		big[n++] = '[';
	for (i = 0; i <= TOML_MAX_DEPTH; i++)
		big[n++] = ']';
	big[n] = 0;
	BAD(big, 1, 5 + TOML_MAX_DEPTH, "nested deeper than 32 levels");
	/* A huge nesting attempt fails cleanly instead of exhausting the stack. */
	n = (size_t)snprintf(big, sizeof big, "a = ");
	memset(big + n, '[', 50000);
	big[n + 50000] = 0;
	BAD(big, 1, 5 + TOML_MAX_DEPTH, "nested deeper");
	n = (size_t)snprintf(big, sizeof big, "a = ");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "{b=");
	big[n] = 0;
	BAD(big, 1, 0, "nested deeper");

	/* Node capacity: the root plus TOML_MAX_NODES-1 keys fit, one more does not. */
	n = 0;
	for (i = 0; i < TOML_MAX_NODES - 1; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "k%d = %d\n", i, i);
	big[n] = 0;
	GOOD(big, "%d keys", TOML_MAX_NODES - 1);
	is_int(toml_count(toml_root(&doc)), TOML_MAX_NODES - 1, "all keys stored");
	n += (size_t)snprintf(big + n, sizeof big - n, "last = 1\n");
	BAD(big, TOML_MAX_NODES, 8, "too many keys and values (limit 512)");

	/* String pool capacity. */
	n = (size_t)snprintf(big, sizeof big, "s = '");
	memset(big + n, 'x', TOML_POOL_SIZE);
	n += TOML_POOL_SIZE;
	n += (size_t)snprintf(big + n, sizeof big - n, "'\n");
	BAD(big, 1, 0, "string storage (16384 bytes) is full");
	n = (size_t)snprintf(big, sizeof big, "s = '");
	memset(big + n, 'x', TOML_POOL_SIZE - 3);
	n += TOML_POOL_SIZE - 3;
	n += (size_t)snprintf(big + n, sizeof big - n, "'\n");
	GOOD(big, "string that exactly fills the pool (key 's', NULs)");
	is_int(strlen(str("s")), TOML_POOL_SIZE - 3, "long string kept");

	/* Caller-provided storage of any size. */
	struct toml_node nodes[4];
	char pool[16];
	toml_doc_init(&doc, nodes, 4, pool, sizeof pool);
	ok(toml_parse(&doc, "small.toml", "a = 1\nb = 2\nc = 3\n", 18, &err) == 0, "custom storage");
	ok(toml_parse(&doc, "small.toml", "a = 1\nb = 2\nc = 3\nd = 4\n", 24, &err) == -1 && err.line == 4 &&
		   strstr(err.msg, "limit 3") == NULL && strstr(err.msg, "limit 4"),
	   "custom node limit");
	ok(toml_parse(&doc, "small.toml", "abcdefgh = 'abcdefgh'\n", 22, &err) == -1 &&
		   strstr(err.msg, "(16 bytes) is full"),
	   "custom pool limit");
	toml_doc_init(&doc, nodes, 0, pool, sizeof pool);
	ok(toml_parse(&doc, "small.toml", "", 0, &err) == -1, "no room for the root");

	/* Input size limit. */
	toml_doc_init_arena(&doc, &arena);
	doc.max_input = 8;
	ok(toml_parse(&doc, "t.toml", "a = 12345\n", 10, &err) == -1 && err.line == 0 &&
		   strstr(err.msg, "file too large (10 bytes, at most 8)"),
	   "max input size");
	ok(toml_parse(&doc, "t.toml", "a = 1234", 8, &err) == 0, "at the limit");

	/* Long keys and values in messages are cut, not overflowed. */
	n = (size_t)snprintf(big, sizeof big, "[");
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "segment%d.", i);
	n += (size_t)snprintf(big + n, sizeof big - n, "end]\nx = 1\nx = 2\n");
	BAD(big, 3, 1, "duplicate key 'segment0.segment1.");
	n = (size_t)snprintf(big, sizeof big, "a = ");
	memset(big + n, '9', 5000);
	big[n + 5000] = 0;
	BAD(big, 1, 5, "does not fit in 64 bits");
}

/* A realistic guest boot.toml, read the way a schema loader would. */
static void test_boot_config(void)
{
	static const char src[] = "# snpboot guest configuration\n"
				  "version = 1\n"
				  "\n"
				  "[network]\n"
				  "mode = \"static\"            # or \"dhcp\"\n"
				  "address = \"10.0.2.15/24\"\n"
				  "gateway = \"10.0.2.2\"\n"
				  "dns = [\"10.0.2.3\", \"1.1.1.1\"]\n"
				  "\n"
				  "[storage]\n"
				  "root = { device = \"/dev/vda2\", fs = \"ext4\", luks = true }\n"
				  "\n"
				  "[[storage.volume]]\n"
				  "name = 'data'\n"
				  "size_mib = 4_096\n"
				  "\n"
				  "[[storage.volume]]\n"
				  "name = 'swap'\n"
				  "size_mib = 0x400\n"
				  "\n"
				  "[attestation]\n"
				  "server = \"https://kbs.example:8443\"\n"
				  "policy.min_tcb = 0x0300_0000_0000_0000\n"
				  "policy.debug = false\n";
	char buf[64];
	int64_t v;
	GOOD(src, "boot.toml");
	static const char *const top[] = {"version", "network", "storage", "attestation", NULL};
	ok(toml_check_table_keys(&doc, toml_root(&doc), NULL, top, &err) == 0, "top-level keys");
	ok(toml_get_string(&doc, get("network.mode"), buf, sizeof buf, &err) == 0, "mode");
	is_str(buf, "static", "mode value");
	is_int(toml_count(get("network.dns")), 2, "two DNS servers");
	bool luks;
	ok(toml_get_bool(&doc, get("storage.root.luks"), &luks, &err) == 0 && luks, "luks");
	const struct toml_node *vols = get("storage.volume");
	is_int(toml_count(vols), 2, "two volumes");
	ok(toml_get_int(&doc, toml_table_get(&doc, toml_array_at(&doc, vols, 1), "size_mib"), 0, 1 << 20, &v, &err) ==
			   0 &&
		   v == 1024,
	   "swap size");
	ok(toml_get_int(&doc, get("attestation.policy.min_tcb"), 0, INT64_MAX, &v, &err) == 0 &&
		   v == 0x0300000000000000LL,
	   "min_tcb");
	is_int(toml_line(get("attestation.policy.debug")), 24, "line of a dotted key in a table");
}

int main(void)
{
	test_empty_and_comments();
	test_keys();
	test_tables();
	test_strings();
	test_integers();
	test_arrays();
	test_inline_tables();
	test_iteration_and_lines();
	test_getters();
	test_error_api();
	test_value_errors();
	test_key_errors();
	test_table_errors();
	test_container_errors();
	test_string_errors();
	test_input_errors();
	test_limits();
	test_boot_config();
	return done_testing();
}
