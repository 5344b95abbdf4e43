/* json_parse: one pass over the document that checks the grammar and the
 * limits of json.h, without recursion (an explicit stack of JSON_MAX_DEPTH
 * frames) and without allocation. Keys of the open objects are kept as
 * offsets so that each new key is compared with its siblings: at most
 * JSON_MAX_MEMBERS per object keeps that quadratic check bounded. */
#include "json.h"
#include "json_impl.h"

#include "base/err_text.h"

#include <string.h>

struct frame {
	char close;       /* '}' or ']' */
	unsigned members; /* members or elements so far */
	size_t keys_base; /* this object's first key in parser.keys */
};

struct parser {
	const char *t;
	size_t len, pos;
	unsigned depth;
	struct frame st[JSON_MAX_DEPTH];
	uint32_t keys[JSON_MAX_DEPTH * JSON_MAX_MEMBERS];
	size_t nkeys;
	char *err;
	size_t err_len;
};

static int bad(struct parser *p, size_t at, const char *why)
{
	return err_set(p->err, p->err_len, "offset %zu: %s", at, why);
}

size_t json_ws(const char *t, size_t len, size_t pos)
{
	while (pos < len && (t[pos] == ' ' || t[pos] == '\t' || t[pos] == '\n' || t[pos] == '\r'))
		pos++;
	return pos;
}

/* -?(0|[1-9][0-9]*) within int64; fractions and exponents are refused by name. */
static int number(struct parser *p)
{
	size_t start = p->pos, i = p->pos;
	int neg = p->t[i] == '-';
	if (neg)
		i++;
	if (i >= p->len || p->t[i] < '0' || p->t[i] > '9')
		return bad(p, start, "a number needs digits");
	if (p->t[i] == '0' && i + 1 < p->len && p->t[i + 1] >= '0' && p->t[i + 1] <= '9')
		return bad(p, start, "a number with a leading zero");
	/* the magnitude, up to 2^63 for a negative number and 2^63-1 otherwise */
	uint64_t v = 0, max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < p->len && p->t[i] >= '0' && p->t[i] <= '9'; i++) {
		unsigned d = (unsigned)(p->t[i] - '0');
		if (v > (max - d) / 10)
			return bad(p, start, "an integer outside the 64-bit range");
		v = v * 10 + d;
	}
	if (i < p->len && (p->t[i] == '.' || p->t[i] == 'e' || p->t[i] == 'E'))
		return bad(p, start, "only integers are accepted (no fraction or exponent)");
	p->pos = i;
	return 0;
}

static int literal(struct parser *p)
{
	static const char *const words[] = {"true", "false", "null"};
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(words[k]);
		if (p->len - p->pos >= n && memcmp(p->t + p->pos, words[k], n) == 0) {
			p->pos += n;
			return 0;
		}
	}
	return bad(p, p->pos, "expected a value");
}

static int string(struct parser *p)
{
	size_t end, at;
	const char *why;
	if (json_string_check(p->t, p->len, p->pos, &end, &at, &why) != 0)
		return bad(p, at, why);
	p->pos = end;
	return 0;
}

/* A key at p->pos in the innermost (object) frame: checked, compared with
 * the keys before it, remembered; then the ':' after it. */
static int key(struct parser *p)
{
	struct frame *f = &p->st[p->depth - 1];
	size_t at = p->pos;
	if (at >= p->len || p->t[at] != '"')
		return bad(p, at, "expected a string key");
	if (f->members == JSON_MAX_MEMBERS)
		return bad(p, at, "more than 128 members in one object");
	if (string(p) != 0)
		return -1;
	for (size_t k = f->keys_base; k < p->nkeys; k++)
		if (json_string_same(p->t, p->len, p->keys[k], at))
			return bad(p, at, "duplicate key in an object");
	p->keys[p->nkeys++] = (uint32_t)at;
	f->members++;
	p->pos = json_ws(p->t, p->len, p->pos);
	if (p->pos >= p->len || p->t[p->pos] != ':')
		return bad(p, p->pos, "expected ':' after a key");
	p->pos = json_ws(p->t, p->len, p->pos + 1);
	return 0;
}

/* Opens a container at p->pos; 1 if it is empty (and already closed). */
static int open_container(struct parser *p)
{
	char c = p->t[p->pos];
	if (p->depth == JSON_MAX_DEPTH)
		return bad(p, p->pos, "nesting deeper than 16");
	struct frame *f = &p->st[p->depth++];
	f->close = c == '{' ? '}' : ']';
	f->members = 0;
	f->keys_base = p->nkeys;
	p->pos = json_ws(p->t, p->len, p->pos + 1);
	if (p->pos < p->len && p->t[p->pos] == f->close) {
		p->depth--;
		p->pos++;
		return 1;
	}
	return f->close == '}' ? key(p) : 0;
}

/* One scalar, or the opening of a container (1: a value must follow). */
static int value(struct parser *p)
{
	if (p->pos >= p->len)
		return bad(p, p->pos, "unexpected end: expected a value");
	char c = p->t[p->pos];
	if (c == '{' || c == '[') {
		int rc = open_container(p);
		return rc < 0 ? -1 : rc == 0;
	}
	if (c == '"')
		return string(p);
	if (c == '-' || (c >= '0' && c <= '9'))
		return number(p);
	return literal(p);
}

int json_parse(const char *text, size_t len, struct json_value *root, char *err, size_t err_len)
{
	struct parser p;
	memset(&p, 0, sizeof p); /* not "= zero": an 8 KiB constant in /init for nothing */
	p.t = text;
	p.len = len;
	p.err = err;
	p.err_len = err_len;
	if (len > UINT32_MAX)
		return bad(&p, 0, "document too large");
	p.pos = json_ws(text, len, 0);
	root->text = text;
	root->len = len;
	root->pos = p.pos;
	for (;;) {
		int rc = value(&p);
		if (rc < 0)
			return -1;
		if (rc == 1)
			continue; /* a container opened: its first value */
		/* after a value: ',' or the end of containers */
		for (;;) {
			if (p.depth == 0)
				goto end;
			struct frame *f = &p.st[p.depth - 1];
			p.pos = json_ws(text, len, p.pos);
			if (p.pos < len && text[p.pos] == f->close) {
				p.nkeys = f->keys_base;
				p.depth--;
				p.pos++;
				continue;
			}
			if (p.pos >= len || text[p.pos] != ',')
				return bad(&p, p.pos, f->close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
			p.pos = json_ws(text, len, p.pos + 1);
			if (f->close == '}') {
				if (key(&p) != 0)
					return -1;
			} else {
				f->members++;
			}
			break;
		}
	}
end:
	/* The LUKS2 JSON area is padded with NUL bytes up to its size. */
	p.pos = json_ws(text, len, p.pos);
	while (p.pos < len && text[p.pos] == '\0')
		p.pos++;
	if (p.pos != len)
		return bad(&p, p.pos, "trailing text after the top-level value");
	return 0;
}
