/* TOML lexing: input checks, whitespace/comments, keys, strings and scalar values. */
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "toml_impl.h"

static int verr(struct toml_parser *ps, uint32_t line, uint32_t col, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static int verr(struct toml_parser *ps, uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
	struct toml_error *e = ps->err;
	memcpy(e->file, ps->doc->file, sizeof e->file);
	e->line = line;
	e->column = col;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	return -1;
}

int toml__fail(struct toml_parser *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(ps, ps->line, ps->col, fmt, ap);
	va_end(ap);
	return -1;
}

int toml__fail_at(struct toml_parser *ps, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(ps, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0 if invalid. */
static size_t utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint8_t c = p[0];
	size_t len;
	uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte: excludes overlongs, surrogates */
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		*cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		*cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		*cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	return len;
}

const char *toml__describe(const struct toml_parser *ps, char buf[24])
{
	int c = toml__peek(ps);
	uint32_t cp;
	if (c < 0)
		return "end of file";
	if (c == '\n' || c == '\r')
		return "end of line";
	if (c == ' ')
		return "' '";
	if (c == '\t')
		return "tab";
	if (c > 0x20 && c < 0x7F) {
		snprintf(buf, 24, "'%c'", c);
		return buf;
	}
	if (utf8_seq(ps->p + ps->pos, ps->len - ps->pos, &cp) == 0)
		cp = (uint32_t)c;
	snprintf(buf, 24, "U+%04X", (unsigned)cp);
	return buf;
}

int toml__check_input(struct toml_parser *ps)
{
	/* Validate once up front so later stages can copy non-ASCII bytes blindly. */
	while (ps->pos < ps->len) {
		uint32_t cp;
		size_t n;
		if (ps->p[ps->pos] == 0)
			return toml__fail(ps, "NUL byte in input");
		n = utf8_seq(ps->p + ps->pos, ps->len - ps->pos, &cp);
		if (n == 0)
			return toml__fail(ps, "invalid UTF-8 (byte 0x%02X)", ps->p[ps->pos]);
		while (n--)
			toml__adv(ps);
	}
	ps->pos = 0;
	ps->line = ps->col = 1;
	return 0;
}

void toml__skip_ws(struct toml_parser *ps)
{
	int c;
	while ((c = toml__peek(ps)) == ' ' || c == '\t')
		toml__adv(ps);
}

static int is_control(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7F;
}

int toml__skip_comment(struct toml_parser *ps)
{
	int c;
	toml__adv(ps); /* '#' */
	while ((c = toml__peek(ps)) >= 0 && c != '\n' && c != '\r') {
		if (is_control(c))
			return toml__fail(ps, "control character U+%04X in comment", (unsigned)c);
		toml__adv(ps);
	}
	return 0; /* a CR is checked by toml__newline */
}

int toml__newline(struct toml_parser *ps)
{
	int c = toml__peek(ps);
	if (c == '\n') {
		toml__adv(ps);
		return 1;
	}
	if (c == '\r') {
		if (toml__peek_at(ps, 1) != '\n')
			return toml__fail(ps, "carriage return not followed by a line feed");
		toml__adv(ps);
		toml__adv(ps);
		return 1;
	}
	return 0;
}

int toml__skip_ws_nl(struct toml_parser *ps)
{
	for (;;) {
		int r;
		toml__skip_ws(ps);
		if (toml__peek(ps) == '#') {
			if (toml__skip_comment(ps) < 0)
				return -1;
		}
		r = toml__newline(ps);
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
	}
}

int toml__pool_put(struct toml_parser *ps, const void *data, size_t n)
{
	struct toml_doc *d = ps->doc;
	if (n > d->pool_cap - d->pool_len)
		return toml__fail(ps, "too much text: the string storage (%u bytes) is full", (unsigned)d->pool_cap);
	memcpy(d->pool + d->pool_len, data, n);
	d->pool_len += (uint32_t)n;
	return 0;
}

static int put_byte(struct toml_parser *ps, uint8_t c)
{
	return toml__pool_put(ps, &c, 1);
}


/* \uXXXX or \UXXXXXXXX; the cursor is on the 'u'/'U', line/col point at the backslash. */
static int unicode_escape(struct toml_parser *ps, uint32_t line, uint32_t col)
{
	int digits = toml__peek(ps) == 'u' ? 4 : 8;
	uint32_t cp = 0;
	uint8_t out[4];
	size_t n;
	toml__adv(ps);
	for (int i = 0; i < digits; i++) {
		int h = hex_digit_value(toml__peek(ps));
		if (h < 0)
			return toml__fail_at(ps, line, col, "\\%c escape needs exactly %d hex digits",
					     digits == 4 ? 'u' : 'U', digits);
		cp = (cp << 4) | (uint32_t)h;
		toml__adv(ps);
	}
	if (cp == 0)
		return toml__fail_at(ps, line, col, "NUL characters (\\u0000) are not supported in strings");
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return toml__fail_at(ps, line, col, "escape \\u%04X is a surrogate, not a Unicode scalar value",
				     (unsigned)cp);
	if (cp > 0x10FFFF)
		return toml__fail_at(ps, line, col, "escape U+%X is beyond U+10FFFF", (unsigned)cp);
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (uint8_t)(0xC0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (uint8_t)(0xE0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		out[0] = (uint8_t)(0xF0 | (cp >> 18));
		out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return toml__pool_put(ps, out, n);
}

/* The cursor is on a backslash inside a basic string. */
static int escape(struct toml_parser *ps, int multiline)
{
	uint32_t line = ps->line, col = ps->col;
	int c;
	char buf[24];
	toml__adv(ps);
	c = toml__peek(ps);
	switch (c) {
	case 'b': toml__adv(ps); return put_byte(ps, '\b');
	case 't': toml__adv(ps); return put_byte(ps, '\t');
	case 'n': toml__adv(ps); return put_byte(ps, '\n');
	case 'f': toml__adv(ps); return put_byte(ps, '\f');
	case 'r': toml__adv(ps); return put_byte(ps, '\r');
	case '"': toml__adv(ps); return put_byte(ps, '"');
	case '\\': toml__adv(ps); return put_byte(ps, '\\');
	case 'u':
	case 'U': return unicode_escape(ps, line, col);
	default: break;
	}
	if (multiline && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
		/* Line-ending backslash: drop the newline and all whitespace that follows. */
		int r;
		toml__skip_ws(ps);
		r = toml__newline(ps);
		if (r < 0)
			return -1;
		if (r == 0)
			return toml__fail_at(ps, line, col, "a backslash followed by spaces must end the line");
		for (;;) { /* no comments here: '#' is string content */
			toml__skip_ws(ps);
			r = toml__newline(ps);
			if (r <= 0)
				return r;
		}
	}
	return toml__fail_at(ps, line, col, "invalid escape sequence '\\' followed by %s", toml__describe(ps, buf));
}

/*
 * Body of a string after its opening quote(s), up to and including the closing ones.
 * quote is '"' (basic, with escapes) or '\'' (literal). line/col: the opening quote.
 */
static int string_body(struct toml_parser *ps, int quote, int multiline, uint32_t line, uint32_t col)
{
	for (;;) {
		int c = toml__peek(ps);
		if (c < 0)
			return toml__fail_at(ps, line, col, "unterminated string");
		if (c == quote) {
			size_t n = 0;
			if (!multiline) {
				toml__adv(ps);
				return 0;
			}
			/* Up to two quotes may sit inside or right before the closing three. */
			while (toml__peek_at(ps, n) == quote)
				n++;
			if (n >= 3 && n <= 5) {
				for (size_t i = 0; i < n; i++)
					toml__adv(ps);
				for (size_t i = 3; i < n; i++)
					if (put_byte(ps, (uint8_t)quote) < 0)
						return -1;
				return 0;
			}
			if (n > 5)
				return toml__fail(ps, "too many quotes in a row in a multi-line string");
			for (size_t i = 0; i < n; i++) {
				toml__adv(ps);
				if (put_byte(ps, (uint8_t)quote) < 0)
					return -1;
			}
			continue;
		}
		if (c == '\\' && quote == '"') {
			if (escape(ps, multiline) < 0)
				return -1;
			continue;
		}
		if (c == '\n' || c == '\r') {
			if (!multiline)
				return toml__fail(ps, "newline inside a single-line string (multi-line strings use %s)",
						  quote == '"' ? "\"\"\"" : "'''");
			if (toml__newline(ps) < 0)
				return -1;
			if (put_byte(ps, '\n') < 0) /* CRLF normalised to LF */
				return -1;
			continue;
		}
		if (is_control(c))
			return toml__fail(ps, "control character U+%04X in string%s", (unsigned)c,
					  quote == '"' ? " (use an escape)" : "");
		if (put_byte(ps, (uint8_t)c) < 0)
			return -1;
		toml__adv(ps);
	}
}

static int triple(const struct toml_parser *ps, int q)
{
	return toml__peek(ps) == q && toml__peek_at(ps, 1) == q && toml__peek_at(ps, 2) == q;
}

int toml__string(struct toml_parser *ps, uint32_t *off, uint32_t *len)
{
	int q = toml__peek(ps);
	uint32_t line = ps->line, col = ps->col;
	int ml = triple(ps, q);
	*off = ps->doc->pool_len;
	toml__adv(ps);
	if (ml) {
		toml__adv(ps);
		toml__adv(ps);
		/* A newline right after the opening delimiter is not part of the string. */
		if (toml__newline(ps) < 0)
			return -1;
	}
	if (string_body(ps, q, ml, line, col) < 0)
		return -1;
	*len = ps->doc->pool_len - *off;
	return put_byte(ps, 0);
}

static int is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int toml__key_part(struct toml_parser *ps, uint32_t *off)
{
	int c = toml__peek(ps);
	uint32_t len;
	char buf[24];
	if (c == '"' || c == '\'') {
		if (triple(ps, c))
			return toml__fail(ps, "multi-line strings cannot be keys");
		return toml__string(ps, off, &len);
	}
	if (!is_bare(c))
		return toml__fail(ps, "expected a key, found %s", toml__describe(ps, buf));
	*off = ps->doc->pool_len;
	while (is_bare(c = toml__peek(ps))) {
		if (put_byte(ps, (uint8_t)c) < 0)
			return -1;
		toml__adv(ps);
	}
	return put_byte(ps, 0);
}

/* ---- integers and booleans ---------------------------------------------------------- */

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_scalar_char(int c)
{
	return is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* Digits of the given base with single underscores between digits; *v <= limit. */
static int parse_digits(const char *s, size_t n, unsigned base, uint64_t limit, uint64_t *v, int *overflow)
{
	uint64_t acc = 0;
	int prev_digit = 0;
	*overflow = 0;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit_value((unsigned char)s[i]);
		if (s[i] == '_') {
			if (!prev_digit)
				return -1;
			prev_digit = 0;
			continue;
		}
		if (d < 0 || (unsigned)d >= base) {
			*overflow = 0; /* malformed beats too big */
			return -1;
		}
		if (acc > (limit - (uint64_t)d) / base)
			*overflow = 1; /* keep scanning: a malformed number is reported as such first */
		else
			acc = acc * base + (uint64_t)d;
		prev_digit = 1;
	}
	if (!prev_digit)
		return -1;
	*v = acc;
	return *overflow ? -1 : 0;
}

static int word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

int toml__scalar(struct toml_parser *ps, struct toml_node *n)
{
	uint32_t line = ps->line, col = ps->col;
	const char *tok = (const char *)ps->p + ps->pos, *body;
	size_t len = 0, blen;
	int sign = 0, overflow;
	uint64_t v;
	char buf[24];
	/* Scan the whole run of value characters so messages can quote it. */
	while (is_scalar_char(toml__peek(ps))) {
		toml__adv(ps);
		len++;
	}
	if (len == 0)
		return toml__fail(ps, "expected a value, found %s", toml__describe(ps, buf));
	int shown = len > 40 ? 40 : (int)len;
	if (word_is(tok, len, "true") || word_is(tok, len, "false")) {
		n->type = TOML_BOOL;
		n->u.b = tok[0] == 't';
		return 0;
	}
	body = tok;
	blen = len;
	if (tok[0] == '+' || tok[0] == '-') {
		sign = (unsigned char)tok[0];
		body++;
		blen--;
	}
	if (word_is(body, blen, "inf") || word_is(body, blen, "nan"))
		return toml__fail_at(ps, line, col, "floats are not supported (found '%.*s')", shown, tok);
	if (blen == 0 || !is_digit(body[0])) {
		if (tok[0] == '.' || (blen > 0 && body[0] == '.'))
			return toml__fail_at(ps, line, col, "floats are not supported (found '%.*s')", shown, tok);
		return toml__fail_at(ps, line, col, "invalid value '%.*s' (strings must be quoted)", shown, tok);
	}
	if (memchr(tok, ':', len) ||
	    (!sign && len >= 5 && is_digit(tok[1]) && is_digit(tok[2]) && is_digit(tok[3]) && tok[4] == '-'))
		return toml__fail_at(ps, line, col, "dates and times are not supported (found '%.*s')", shown, tok);
	if (blen >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o' || body[1] == 'b')) {
		unsigned base = body[1] == 'x' ? 16 : body[1] == 'o' ? 8 : 2;
		if (sign)
			return toml__fail_at(ps, line, col, "a sign is not allowed on '%.*s' (only decimal integers)",
					     shown, tok);
		if (parse_digits(body + 2, blen - 2, base, INT64_MAX, &v, &overflow) < 0)
			goto bad;
		n->type = TOML_INT;
		n->u.i = (int64_t)v;
		return 0;
	}
	if (memchr(body, '.', blen) || memchr(body, 'e', blen) || memchr(body, 'E', blen))
		return toml__fail_at(ps, line, col, "floats are not supported (found '%.*s')", shown, tok);
	if (body[0] == '0' && blen > 1 && (is_digit(body[1]) || body[1] == '_'))
		return toml__fail_at(ps, line, col, "leading zeros are not allowed in integers (found '%.*s')", shown,
				     tok);
	if (parse_digits(body, blen, 10, sign == '-' ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v,
			 &overflow) < 0)
		goto bad;
	n->type = TOML_INT;
	if (sign != '-')
		n->u.i = (int64_t)v;
	else if (v == (uint64_t)INT64_MAX + 1)
		n->u.i = INT64_MIN; /* -(int64_t)v would overflow */
	else
		n->u.i = -(int64_t)v;
	return 0;
bad:
	if (overflow)
		return toml__fail_at(ps, line, col, "integer '%.*s' does not fit in 64 bits (signed)", shown, tok);
	return toml__fail_at(ps, line, col, "invalid integer '%.*s'", shown, tok);
}
