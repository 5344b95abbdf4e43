/* TOML document structure: tables, headers, dotted keys, arrays, inline tables. */
#include <string.h>

#include "toml_impl.h"

#define PATH_MAX_MSG 96 /* paths quoted in parse errors; longer ones are cut */

static struct toml_node *node(struct toml_parser *ps, uint32_t idx)
{
	return &ps->doc->nodes[idx];
}

/* Appends a node to parent's member list; *out is its index. */
static int new_node(struct toml_parser *ps, uint32_t parent, uint8_t type, uint8_t flags, uint32_t key,
		    uint32_t line, uint32_t col, uint32_t *out)
{
	struct toml_doc *d = ps->doc;
	struct toml_node *n, *p;
	uint32_t idx;
	if (d->node_count >= d->node_cap)
		return toml__fail_at(ps, line, col, "too many keys and values (limit %u)", (unsigned)d->node_cap);
	idx = d->node_count++;
	n = &d->nodes[idx];
	memset(n, 0, sizeof *n);
	n->key = key;
	n->parent = parent;
	n->line = line;
	n->column = col;
	n->key_column = col > UINT16_MAX ? UINT16_MAX : (uint16_t)col;
	n->type = type;
	n->flags = flags;
	if (idx != 0) { /* the root has no parent list */
		p = &d->nodes[parent];
		if (p->u.kids.count == 0)
			p->u.kids.first = idx;
		else
			d->nodes[p->u.kids.last].next = idx;
		p->u.kids.last = idx;
		p->u.kids.count++;
	}
	*out = idx;
	return 0;
}

/* Member of table `t` whose key is the pool string at key_off; 0 if none (0 is the root, never a member). */
static uint32_t find_member(struct toml_parser *ps, uint32_t t, uint32_t key_off)
{
	const struct toml_node *tab = node(ps, t);
	const char *key = ps->doc->pool + key_off;
	uint32_t i = tab->u.kids.count ? tab->u.kids.first : 0;
	for (; i != 0; i = node(ps, i)->next)
		if (strcmp(ps->doc->pool + node(ps, i)->key, key) == 0)
			return i;
	return 0;
}

/* Path of member `key_off` of table t, for messages. */
static const char *kpath(struct toml_parser *ps, uint32_t t, uint32_t key_off, char buf[PATH_MAX_MSG])
{
	toml__child_path(ps->doc, node(ps, t), ps->doc->pool + key_off, buf, PATH_MAX_MSG);
	return buf;
}

static int parse_value(struct toml_parser *ps, uint32_t parent, uint32_t key, int depth);

static int check_depth(struct toml_parser *ps, int depth)
{
	if (depth >= TOML_MAX_DEPTH)
		return toml__fail(ps, "arrays and inline tables nested deeper than %d levels", TOML_MAX_DEPTH);
	return 0;
}

/*
 * key = value, where key may be dotted; t is the table it belongs to.
 * Dotted keys create tables that only further dotted keys may extend.
 */
static int parse_keyval(struct toml_parser *ps, uint32_t t, int depth)
{
	char path[PATH_MAX_MSG], buf[24];
	for (;;) {
		uint32_t line = ps->line, col = ps->col, off, m;
		if (toml__key_part(ps, &off) < 0)
			return -1;
		toml__skip_ws(ps);
		if (toml__peek(ps) == '.') {
			toml__adv(ps);
			toml__skip_ws(ps);
			m = find_member(ps, t, off);
			if (m == 0) {
				if (new_node(ps, t, TOML_TABLE, TF_DOTTED, off, line, col, &t) < 0)
					return -1;
				continue;
			}
			kpath(ps, t, off, path);
			ps->doc->pool_len = off; /* the key text is already stored in m */
			const struct toml_node *n = node(ps, m);
			if (n->type != TOML_TABLE)
				return toml__fail_at(ps, line, col, "key '%s' is already defined as %s on line %u", path,
						     toml__a_type(n->type), (unsigned)n->line);
			if (n->flags & TF_INLINE)
				return toml__fail_at(ps, line, col,
						     "cannot add keys to inline table '%s' (defined on line %u)", path,
						     (unsigned)n->line);
			if (!(n->flags & TF_DOTTED))
				return toml__fail_at(ps, line, col,
						     "cannot add keys to table '%s' with dotted keys: it was defined by a "
						     "[header] on line %u",
						     path, (unsigned)n->line);
			t = m;
			continue;
		}
		if (toml__peek(ps) != '=')
			return toml__fail(ps, "expected '=' after key '%s', found %s", ps->doc->pool + off,
					  toml__describe(ps, buf));
		toml__adv(ps);
		toml__skip_ws(ps);
		m = find_member(ps, t, off);
		if (m != 0)
			return toml__fail_at(ps, line, col, "duplicate key '%s' (first defined on line %u)",
					     kpath(ps, t, off, path), (unsigned)node(ps, m)->line);
		m = ps->doc->node_count; /* index the value node will get */
		if (parse_value(ps, t, off, depth) < 0)
			return -1;
		node(ps, m)->key_column = col > UINT16_MAX ? UINT16_MAX : (uint16_t)col;
		return 0;
	}
}

static int parse_array(struct toml_parser *ps, uint32_t parent, uint32_t key, int depth)
{
	uint32_t arr;
	char buf[24];
	if (check_depth(ps, depth) < 0 ||
	    new_node(ps, parent, TOML_ARRAY, TF_INLINE, key, ps->line, ps->col, &arr) < 0)
		return -1;
	toml__adv(ps); /* '[' */
	for (;;) {
		if (toml__skip_ws_nl(ps) < 0)
			return -1;
		if (toml__peek(ps) == ']')
			break;
		if (parse_value(ps, arr, TOML_NO_KEY, depth + 1) < 0 || toml__skip_ws_nl(ps) < 0)
			return -1;
		if (toml__peek(ps) == ',') {
			toml__adv(ps);
			continue;
		}
		if (toml__peek(ps) != ']')
			return toml__fail(ps, "expected ',' or ']' in array, found %s", toml__describe(ps, buf));
		break;
	}
	toml__adv(ps); /* ']' */
	return 0;
}

static int parse_inline_table(struct toml_parser *ps, uint32_t parent, uint32_t key, int depth)
{
	uint32_t tab;
	char buf[24];
	int c;
	if (check_depth(ps, depth) < 0 ||
	    new_node(ps, parent, TOML_TABLE, TF_INLINE, key, ps->line, ps->col, &tab) < 0)
		return -1;
	toml__adv(ps); /* '{' */
	toml__skip_ws(ps);
	if (toml__peek(ps) == '}') {
		toml__adv(ps);
		return 0;
	}
	for (;;) {
		toml__skip_ws(ps);
		c = toml__peek(ps);
		if (c == '\n' || c == '\r' || c == '#')
			return toml__fail(ps, "inline tables must be on a single line");
		if (parse_keyval(ps, tab, depth + 1) < 0)
			return -1;
		toml__skip_ws(ps);
		c = toml__peek(ps);
		if (c == '}')
			break;
		if (c != ',') {
			if (c == '\n' || c == '\r' || c == '#')
				return toml__fail(ps, "inline tables must be on a single line");
			return toml__fail(ps, "expected ',' or '}' in inline table, found %s", toml__describe(ps, buf));
		}
		toml__adv(ps);
		toml__skip_ws(ps);
		if (toml__peek(ps) == '}')
			return toml__fail(ps, "trailing comma in an inline table is not allowed");
	}
	toml__adv(ps); /* '}' */
	return 0;
}

static int parse_value(struct toml_parser *ps, uint32_t parent, uint32_t key, int depth)
{
	int c = toml__peek(ps);
	uint32_t idx = 0;
	if (c == '[')
		return parse_array(ps, parent, key, depth);
	if (c == '{')
		return parse_inline_table(ps, parent, key, depth);
	if (new_node(ps, parent, TOML_NONE, 0, key, ps->line, ps->col, &idx) < 0)
		return -1;
	if (c == '"' || c == '\'') {
		uint32_t off, len;
		if (toml__string(ps, &off, &len) < 0)
			return -1;
		node(ps, idx)->type = TOML_STRING;
		node(ps, idx)->u.str.off = off;
		node(ps, idx)->u.str.len = len;
		return 0;
	}
	return toml__scalar(ps, node(ps, idx));
}

/* [a.b.c] or [[a.b.c]]: makes the named table current. */
static int parse_header(struct toml_parser *ps)
{
	uint32_t hline = ps->line, hcol = ps->col, t = 0, line, col, off, m;
	char path[PATH_MAX_MSG], buf[24];
	int aot;
	const struct toml_node *n;
	toml__adv(ps);
	aot = toml__peek(ps) == '[';
	if (aot)
		toml__adv(ps);
	toml__skip_ws(ps);
	for (;;) {
		line = ps->line;
		col = ps->col;
		if (toml__key_part(ps, &off) < 0)
			return -1;
		toml__skip_ws(ps);
		m = find_member(ps, t, off);
		if (toml__peek(ps) != '.')
			break;
		toml__adv(ps);
		toml__skip_ws(ps);
		if (m == 0) {
			if (new_node(ps, t, TOML_TABLE, TF_HDR_IMPLICIT, off, line, col, &t) < 0)
				return -1;
			continue;
		}
		kpath(ps, t, off, path);
		ps->doc->pool_len = off;
		n = node(ps, m);
		if (n->type == TOML_TABLE && !(n->flags & TF_INLINE))
			t = m;
		else if (n->type == TOML_ARRAY && (n->flags & TF_AOT))
			t = n->u.kids.last; /* [a.b] after [[a]] extends the latest element */
		else if (n->type == TOML_TABLE)
			return toml__fail_at(ps, line, col, "cannot add to inline table '%s' (defined on line %u)", path,
					     (unsigned)n->line);
		else
			return toml__fail_at(ps, line, col, "key '%s' is already defined as %s on line %u", path,
					     toml__a_type(n->type), (unsigned)n->line);
	}
	if (toml__peek(ps) != ']' || (aot && toml__peek_at(ps, 1) != ']'))
		return toml__fail(ps, "expected '%s' after table name, found %s", aot ? "]]" : "]",
				  toml__describe(ps, buf));
	toml__adv(ps);
	if (aot)
		toml__adv(ps);
	if (m == 0) {
		if (!aot)
			return new_node(ps, t, TOML_TABLE, TF_HDR_EXPLICIT, off, hline, hcol, &ps->cur);
		if (new_node(ps, t, TOML_ARRAY, TF_AOT, off, hline, hcol, &m) < 0)
			return -1;
		return new_node(ps, m, TOML_TABLE, TF_HDR_EXPLICIT, TOML_NO_KEY, hline, hcol, &ps->cur);
	}
	kpath(ps, t, off, path);
	ps->doc->pool_len = off;
	struct toml_node *e = node(ps, m);
	if (aot) {
		if (e->type == TOML_ARRAY && (e->flags & TF_AOT))
			return new_node(ps, m, TOML_TABLE, TF_HDR_EXPLICIT, TOML_NO_KEY, hline, hcol, &ps->cur);
		return toml__fail_at(ps, line, col, "cannot define array of tables '%s': already defined as %s on line %u",
				     path, toml__a_type(e->type), (unsigned)e->line);
	}
	if (e->type == TOML_TABLE && e->flags == TF_HDR_IMPLICIT) {
		/* Created on the way to a deeper [header]; this is its one explicit definition. */
		e->flags |= TF_HDR_EXPLICIT;
		e->line = hline;
		e->column = hcol;
		ps->cur = m;
		return 0;
	}
	if (e->type == TOML_TABLE)
		return toml__fail_at(ps, line, col, "table '%s' is already defined (line %u)", path, (unsigned)e->line);
	return toml__fail_at(ps, line, col, "key '%s' is already defined as %s on line %u", path,
			     toml__a_type(e->type), (unsigned)e->line);
}

/* After a key/value or header: optional comment, then a newline or the end. */
static int end_of_line(struct toml_parser *ps, const char *after)
{
	char buf[24];
	int r;
	toml__skip_ws(ps);
	if (toml__peek(ps) == '#' && toml__skip_comment(ps) < 0)
		return -1;
	r = toml__newline(ps);
	if (r < 0)
		return -1;
	if (r == 0 && toml__peek(ps) >= 0)
		return toml__fail(ps, "expected end of line after %s, found %s", after, toml__describe(ps, buf));
	return 0;
}

static int parse_document(struct toml_parser *ps)
{
	uint32_t root = 0;
	int c;
	if (new_node(ps, 0, TOML_TABLE, TF_HDR_EXPLICIT, TOML_NO_KEY, 1, 1, &root) < 0)
		return -1;
	ps->cur = root;
	/* A UTF-8 byte order mark, as some editors write, is not content. */
	if (ps->len >= 3 && ps->p[0] == 0xEF && ps->p[1] == 0xBB && ps->p[2] == 0xBF)
		ps->pos = 3;
	for (;;) {
		toml__skip_ws(ps);
		c = toml__peek(ps);
		if (c < 0)
			return 0;
		if (c == '[') {
			if (parse_header(ps) < 0 || end_of_line(ps, "table header") < 0)
				return -1;
		} else if (c == '#' || c == '\n' || c == '\r') {
			if (end_of_line(ps, "comment") < 0)
				return -1;
		} else if (parse_keyval(ps, ps->cur, 0) < 0 || end_of_line(ps, "value") < 0) {
			return -1;
		}
	}
}

void toml_doc_init(struct toml_doc *doc, struct toml_node *nodes, size_t node_cap, char *pool, size_t pool_cap)
{
	memset(doc, 0, sizeof *doc);
	doc->nodes = nodes;
	doc->node_cap = node_cap > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)node_cap;
	doc->pool = pool;
	doc->pool_cap = pool_cap > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)pool_cap;
	doc->max_input = TOML_MAX_INPUT;
}

void toml_doc_init_arena(struct toml_doc *doc, struct toml_arena *arena)
{
	toml_doc_init(doc, arena->nodes, TOML_MAX_NODES, arena->pool, TOML_POOL_SIZE);
}

int toml_parse(struct toml_doc *doc, const char *file, const void *buf, size_t len, struct toml_error *err)
{
	struct toml_error scratch;
	struct toml_parser ps;
	if (!err)
		err = &scratch;
	memset(err, 0, sizeof *err);
	toml__set_file(doc->file, file ? file : "<input>");
	doc->node_count = 0;
	doc->pool_len = 0;
	memset(&ps, 0, sizeof ps);
	ps.doc = doc;
	ps.err = err;
	ps.p = buf ? buf : (const uint8_t *)"";
	ps.len = buf ? len : 0;
	ps.line = ps.col = 1;
	if (!buf && len) {
		toml__fail_at(&ps, 0, 0, "no input buffer");
		return -1;
	}
	if (len > doc->max_input) {
		toml__fail_at(&ps, 0, 0, "file too large (%zu bytes, at most %zu)", len, doc->max_input);
		return -1;
	}
	if (toml__check_input(&ps) < 0 || parse_document(&ps) < 0) {
		doc->node_count = 0; /* a partial tree must not be used */
		return -1;
	}
	return 0;
}
