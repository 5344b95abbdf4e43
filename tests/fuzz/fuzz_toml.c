/*
 * Fuzz target for the TOML parser: parse arbitrary bytes, then walk the whole tree
 * with the public access API and check invariants a schema loader relies on.
 * Also parses with tiny storage so the capacity errors get exercised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml.h"

#define CHECK(c)                                                                                              \
	do {                                                                                                  \
		if (!(c))                                                                                     \
			abort();                                                                              \
	} while (0)

static void check_error(const struct toml_error *err)
{
	char out[400];
	CHECK(err->msg[0] != 0); /* every failure path explains itself */
	CHECK(memchr(err->msg, 0, sizeof err->msg) != NULL);
	CHECK(toml_error_format(err, out, sizeof out) > 0);
}

static void visit(const struct toml_doc *doc, const struct toml_node *n)
{
	static const char *const none[] = {NULL};
	static const char *const some[] = {"name", "mode", "a", NULL};
	const struct toml_node *parent = toml_parent(doc, n);
	struct toml_error err;
	char buf[32], path[256];
	const char *s, *key = toml_key(doc, n);
	size_t len, i = 0;
	int64_t v;
	bool b;

	CHECK(toml_line(n) >= 1 && toml_column(n) >= 1);
	toml_path(doc, n, path, sizeof path);
	CHECK(toml_path(doc, n, NULL, 0) == toml_path(doc, n, buf, sizeof buf));
	if (key) {
		/* Keys are unique within a table, so lookup finds exactly this node. */
		CHECK(toml_type(parent) == TOML_TABLE);
		CHECK(toml_table_get(doc, parent, key) == n);
	} else if (parent) {
		const struct toml_node *e;
		CHECK(toml_type(parent) == TOML_ARRAY);
		for (e = toml_first(doc, parent); e && e != n; e = toml_next(doc, e))
			i++;
		CHECK(e == n);
		if (i < 64)
			CHECK(toml_array_at(doc, parent, i) == n);
	}
	switch (toml_type(n)) {
	case TOML_STRING:
		s = toml_string(doc, n, &len);
		CHECK(s && strlen(s) == len); /* no embedded NUL */
		if (toml_get_string(doc, n, buf, sizeof buf, &err) == 0)
			CHECK(strcmp(buf, s) == 0);
		else
			check_error(&err);
		CHECK(toml_get_int(doc, n, 0, 1, &v, &err) == -1);
		check_error(&err);
		break;
	case TOML_INT:
		CHECK(toml_int(n, &v) == 0);
		CHECK(toml_get_int(doc, n, INT64_MIN, INT64_MAX, &v, &err) == 0);
		if (toml_get_int(doc, n, -5, 5, &v, &err) < 0)
			check_error(&err);
		CHECK(toml_get_bool(doc, n, &b, &err) == -1);
		break;
	case TOML_BOOL:
		CHECK(toml_get_bool(doc, n, &b, &err) == 0);
		CHECK(toml_string(doc, n, NULL) == NULL);
		break;
	case TOML_TABLE:
		if (toml_check_table_keys(doc, n, NULL, none, &err) < 0)
			check_error(&err);
		else
			CHECK(toml_count(n) == 0);
		if (toml_check_table_keys(doc, n, "t", some, &err) < 0)
			check_error(&err);
		if (!toml_require(doc, n, "name", TOML_STRING, &err))
			check_error(&err);
		(void)toml_table_get_path(doc, n, "a.b.c");
		break;
	case TOML_ARRAY:
		(void)toml_is_array_of_tables(n);
		CHECK(toml_array_at(doc, n, toml_count(n)) == NULL);
		break;
	default:
		abort(); /* a successful parse leaves no untyped nodes */
	}
	CHECK(toml_expect(doc, n, toml_type(n), &err) == 0);
	CHECK(toml_expect(doc, n, TOML_NONE, &err) == 0);
}

/* Depth-first walk without recursion: down via first, across via next, up via parent. */
static void walk(const struct toml_doc *doc)
{
	const struct toml_node *root = toml_root(doc), *n = root;
	size_t seen = 0;
	CHECK(root && toml_type(root) == TOML_TABLE && toml_parent(doc, root) == NULL && !toml_key(doc, root));
	for (;;) {
		const struct toml_node *down = toml_first(doc, n);
		if (n != root)
			visit(doc, n);
		seen++;
		if (down) {
			CHECK(toml_count(n) > 0);
			n = down;
			continue;
		}
		while (n != root && !toml_next(doc, n))
			n = toml_parent(doc, n);
		if (n == root)
			break;
		n = toml_next(doc, n);
	}
	CHECK(seen == doc->node_count); /* every node is reachable exactly once */
	(void)toml_get_path(doc, "network.mode");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct toml_arena arena;
	static struct toml_node small_nodes[8];
	static char small_pool[64];
	struct toml_doc doc;
	struct toml_error err;

	toml_doc_init_arena(&doc, &arena);
	if (toml_parse(&doc, "fuzz.toml", data, size, &err) == 0)
		walk(&doc);
	else {
		check_error(&err);
		CHECK(toml_root(&doc) == NULL);
	}

	toml_doc_init(&doc, small_nodes, 8, small_pool, sizeof small_pool);
	if (toml_parse(&doc, "fuzz.toml", data, size, &err) == 0)
		walk(&doc);
	else
		check_error(&err);
	return 0;
}
