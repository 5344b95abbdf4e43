/* Reading a parsed TOML tree: navigation, typed getters, schema helpers and messages. */
#include <stdio.h>
#include <string.h>

#include "toml_impl.h"

#define PATH_MAX_MSG 96

/* ---- paths for messages ------------------------------------------------------------- */

struct emit {
	char *out;
	size_t cap, len; /* len counts everything, even what did not fit */
};

static void emit_char(struct emit *e, char c)
{
	if (e->len < e->cap)
		e->out[e->len] = c;
	e->len++;
}

static void emit_str(struct emit *e, const char *s)
{
	while (*s)
		emit_char(e, *s++);
}

static int bare_key(const char *k)
{
	if (!*k)
		return 0;
	for (; *k; k++) {
		char c = *k;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* A key as it would be written in TOML: bare if possible, else quoted and escaped. */
static void emit_key(struct emit *e, const char *k, int first)
{
	if (!first)
		emit_char(e, '.');
	if (bare_key(k)) {
		emit_str(e, k);
		return;
	}
	emit_char(e, '"');
	for (; *k; k++) {
		unsigned char c = (unsigned char)*k;
		char esc[8];
		if (c == '"' || c == '\\') {
			emit_char(e, '\\');
			emit_char(e, (char)c);
		} else if (c < 0x20 || c == 0x7F) {
			snprintf(esc, sizeof esc, "\\u%04X", c);
			emit_str(e, esc);
		} else {
			emit_char(e, (char)c);
		}
	}
	emit_char(e, '"');
}

static size_t index_in_parent(const struct toml_doc *doc, const struct toml_node *n)
{
	const struct toml_node *p = &doc->nodes[n->parent];
	size_t i = 0;
	for (uint32_t k = p->u.kids.first; k != 0 && &doc->nodes[k] != n; k = doc->nodes[k].next)
		i++;
	return i;
}

/* Without recursion (trees may be deep): emit ancestors from the top, one level at a time. */
static void emit_path(struct emit *e, const struct toml_doc *doc, const struct toml_node *n)
{
	size_t depth = 0;
	int first = 1;
	for (const struct toml_node *a = n; a != doc->nodes; a = &doc->nodes[a->parent])
		depth++;
	while (depth > 0) {
		const struct toml_node *a = n;
		char idx[24];
		for (size_t i = 1; i < depth; i++)
			a = &doc->nodes[a->parent];
		if (a->key != TOML_NO_KEY) {
			emit_key(e, doc->pool + a->key, first);
		} else {
			snprintf(idx, sizeof idx, "[%zu]", index_in_parent(doc, a));
			emit_str(e, idx);
		}
		first = 0;
		depth--;
	}
}

static size_t finish(struct emit *e)
{
	size_t end = e->len;
	if (!e->cap)
		return e->len;
	if (end >= e->cap) {
		/* Cut before the character that does not fit, never inside a UTF-8 sequence. */
		end = e->cap - 1;
		while (end > 0 && ((unsigned char)e->out[end] & 0xC0) == 0x80)
			end--;
	}
	e->out[end] = 0;
	return e->len;
}

size_t toml__path(const struct toml_doc *doc, const struct toml_node *n, char *out, size_t out_len)
{
	struct emit e = {out, out_len, 0};
	if (n && doc->node_count)
		emit_path(&e, doc, n);
	return finish(&e);
}

size_t toml__child_path(const struct toml_doc *doc, const struct toml_node *parent, const char *key, char *out,
			size_t out_len)
{
	struct emit e = {out, out_len, 0};
	emit_path(&e, doc, parent);
	emit_key(&e, key, e.len == 0);
	return finish(&e);
}

size_t toml_path(const struct toml_doc *doc, const struct toml_node *n, char *out, size_t out_len)
{
	return toml__path(doc, n, out, out_len);
}

const char *toml_type_name(enum toml_type t)
{
	switch (t) {
	case TOML_TABLE: return "table";
	case TOML_ARRAY: return "array";
	case TOML_STRING: return "string";
	case TOML_INT: return "integer";
	case TOML_BOOL: return "boolean";
	default: return "nothing";
	}
}

const char *toml__a_type(enum toml_type t)
{
	switch (t) {
	case TOML_TABLE: return "a table";
	case TOML_ARRAY: return "an array";
	case TOML_STRING: return "a string";
	case TOML_INT: return "an integer";
	case TOML_BOOL: return "a boolean";
	default: return "nothing";
	}
}

void toml__set_file(char dst[TOML_FILE_MAX], const char *file)
{
	size_t n = strlen(file);
	if (n < TOML_FILE_MAX) {
		memcpy(dst, file, n + 1);
		return;
	}
	/* Keep the end: the file name matters more than the directories. */
	dst[0] = dst[1] = dst[2] = '.';
	memcpy(dst + 3, file + n - (TOML_FILE_MAX - 4), TOML_FILE_MAX - 3);
}

/* ---- errors ------------------------------------------------------------------------ */

int toml_error_format(const struct toml_error *err, char *out, size_t out_len)
{
	if (err->line && err->column)
		return snprintf(out, out_len, "%s:%u:%u: %s", err->file, err->line, err->column, err->msg);
	if (err->line)
		return snprintf(out, out_len, "%s:%u: %s", err->file, err->line, err->msg);
	return snprintf(out, out_len, "%s: %s", err->file, err->msg);
}

int toml_verrorf(struct toml_error *err, const struct toml_doc *doc, const struct toml_node *node, const char *fmt,
		 va_list ap)
{
	if (!err)
		return -1;
	memset(err, 0, sizeof *err);
	if (doc)
		memcpy(err->file, doc->file, sizeof err->file);
	if (node) {
		err->line = node->line;
		err->column = node->column;
	}
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return -1;
}

int toml_errorf(struct toml_error *err, const struct toml_doc *doc, const struct toml_node *node, const char *fmt,
		...)
{
	va_list ap;
	va_start(ap, fmt);
	toml_verrorf(err, doc, node, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- navigation -------------------------------------------------------------------- */

const struct toml_node *toml_root(const struct toml_doc *doc)
{
	return doc->node_count ? &doc->nodes[0] : NULL;
}

enum toml_type toml_type(const struct toml_node *n)
{
	return n ? (enum toml_type)n->type : TOML_NONE;
}

unsigned toml_line(const struct toml_node *n)
{
	return n ? n->line : 0;
}

unsigned toml_column(const struct toml_node *n)
{
	return n ? n->column : 0;
}

unsigned toml_key_column(const struct toml_node *n)
{
	return n ? n->key_column : 0;
}

const char *toml_key(const struct toml_doc *doc, const struct toml_node *n)
{
	return n && n->key != TOML_NO_KEY ? doc->pool + n->key : NULL;
}

const struct toml_node *toml_parent(const struct toml_doc *doc, const struct toml_node *n)
{
	return n && n != doc->nodes ? &doc->nodes[n->parent] : NULL;
}

static int is_container(const struct toml_node *n)
{
	return n && (n->type == TOML_TABLE || n->type == TOML_ARRAY);
}

const struct toml_node *toml_first(const struct toml_doc *doc, const struct toml_node *c)
{
	return is_container(c) && c->u.kids.count ? &doc->nodes[c->u.kids.first] : NULL;
}

const struct toml_node *toml_next(const struct toml_doc *doc, const struct toml_node *n)
{
	return n && n->next ? &doc->nodes[n->next] : NULL;
}

size_t toml_count(const struct toml_node *c)
{
	return is_container(c) ? c->u.kids.count : 0;
}

const struct toml_node *toml_array_at(const struct toml_doc *doc, const struct toml_node *array, size_t i)
{
	const struct toml_node *n;
	if (i >= toml_count(array))
		return NULL;
	for (n = toml_first(doc, array); i > 0; i--)
		n = toml_next(doc, n);
	return n;
}

int toml_is_array_of_tables(const struct toml_node *n)
{
	return n && n->type == TOML_ARRAY && (n->flags & TF_AOT);
}

/* Member whose key is the first len bytes of key. */
static const struct toml_node *get_n(const struct toml_doc *doc, const struct toml_node *t, const char *key,
				     size_t len)
{
	if (!t || t->type != TOML_TABLE)
		return NULL;
	for (const struct toml_node *m = toml_first(doc, t); m; m = toml_next(doc, m)) {
		const char *k = doc->pool + m->key;
		if (strncmp(k, key, len) == 0 && k[len] == 0)
			return m;
	}
	return NULL;
}

const struct toml_node *toml_table_get(const struct toml_doc *doc, const struct toml_node *table, const char *key)
{
	return key ? get_n(doc, table, key, strlen(key)) : NULL;
}

const struct toml_node *toml_table_get_path(const struct toml_doc *doc, const struct toml_node *table,
					    const char *path)
{
	const struct toml_node *n = table;
	if (!path)
		return NULL;
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		n = get_n(doc, n, path, len);
		if (!n || !dot)
			return n;
		path = dot + 1;
	}
}

const struct toml_node *toml_get_path(const struct toml_doc *doc, const char *path)
{
	return toml_table_get_path(doc, toml_root(doc), path);
}

/* ---- values -------------------------------------------------------------------------- */

const char *toml_string(const struct toml_doc *doc, const struct toml_node *n, size_t *len)
{
	if (!n || n->type != TOML_STRING)
		return NULL;
	if (len)
		*len = n->u.str.len;
	return doc->pool + n->u.str.off;
}

int toml_int(const struct toml_node *n, int64_t *out)
{
	if (!n || n->type != TOML_INT)
		return -1;
	*out = n->u.i;
	return 0;
}

int toml_bool(const struct toml_node *n, bool *out)
{
	if (!n || n->type != TOML_BOOL)
		return -1;
	*out = n->u.b;
	return 0;
}

int toml_expect(const struct toml_doc *doc, const struct toml_node *n, enum toml_type type, struct toml_error *err)
{
	char path[PATH_MAX_MSG];
	if (!n)
		return toml_errorf(err, doc, NULL, "expected %s, found nothing", toml__a_type(type));
	if (type == TOML_NONE || n->type == type)
		return 0;
	toml__path(doc, n, path, sizeof path);
	return toml_errorf(err, doc, n, "'%s' must be %s, not %s", path, toml__a_type(type), toml__a_type(n->type));
}

int toml_get_string(const struct toml_doc *doc, const struct toml_node *n, char *out, size_t out_len,
		    struct toml_error *err)
{
	char path[PATH_MAX_MSG];
	if (toml_expect(doc, n, TOML_STRING, err) < 0)
		return -1;
	if (n->u.str.len >= out_len) {
		toml__path(doc, n, path, sizeof path);
		return toml_errorf(err, doc, n, "'%s' is too long (%u bytes, at most %zu)", path,
				   (unsigned)n->u.str.len, out_len ? out_len - 1 : 0);
	}
	memcpy(out, doc->pool + n->u.str.off, n->u.str.len + 1);
	return 0;
}

int toml_get_int(const struct toml_doc *doc, const struct toml_node *n, int64_t min, int64_t max, int64_t *out,
		 struct toml_error *err)
{
	char path[PATH_MAX_MSG];
	if (toml_expect(doc, n, TOML_INT, err) < 0)
		return -1;
	if (n->u.i < min || n->u.i > max) {
		toml__path(doc, n, path, sizeof path);
		return toml_errorf(err, doc, n, "'%s' must be between %lld and %lld (got %lld)", path, (long long)min,
				   (long long)max, (long long)n->u.i);
	}
	*out = n->u.i;
	return 0;
}

int toml_get_bool(const struct toml_doc *doc, const struct toml_node *n, bool *out, struct toml_error *err)
{
	if (toml_expect(doc, n, TOML_BOOL, err) < 0)
		return -1;
	*out = n->u.b;
	return 0;
}

const struct toml_node *toml_require(const struct toml_doc *doc, const struct toml_node *table, const char *key,
				     enum toml_type type, struct toml_error *err)
{
	char path[PATH_MAX_MSG];
	const struct toml_node *n;
	if (toml_expect(doc, table, TOML_TABLE, err) < 0)
		return NULL;
	n = toml_table_get(doc, table, key);
	if (!n) {
		toml__child_path(doc, table, key ? key : "", path, sizeof path);
		toml_errorf(err, doc, table, "missing required key '%s'", path);
		return NULL;
	}
	return toml_expect(doc, n, type, err) < 0 ? NULL : n;
}

int toml_check_table_keys(const struct toml_doc *doc, const struct toml_node *table, const char *table_name,
			  const char *const allowed[], struct toml_error *err)
{
	char path[PATH_MAX_MSG];
	if (toml_expect(doc, table, TOML_TABLE, err) < 0)
		return -1;
	for (const struct toml_node *m = toml_first(doc, table); m; m = toml_next(doc, m)) {
		const char *key = doc->pool + m->key;
		size_t i = 0;
		while (allowed && allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if (allowed && allowed[i])
			continue;
		if (table_name && *table_name) {
			struct emit e = {path, sizeof path, 0};
			emit_str(&e, table_name);
			emit_key(&e, key, 0);
			finish(&e);
		} else if (table_name) {
			struct emit e = {path, sizeof path, 0};
			emit_key(&e, key, 1);
			finish(&e);
		} else {
			toml__path(doc, m, path, sizeof path);
		}
		toml_errorf(err, doc, m, "unknown key '%s'", path);
		if (err)
			err->column = m->key_column;
		return -1;
	}
	return 0;
}
