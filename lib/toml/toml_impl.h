/* Internals shared by toml_lex.c, toml_parse.c and toml_access.c; not part of the API. */
#ifndef SNPBOOT_TOML_IMPL_H
#define SNPBOOT_TOML_IMPL_H

#include "toml.h"

/* How a table came to exist; decides what may extend or redefine it later (TOML 1.0 rules). */
enum {
	TF_HDR_IMPLICIT = 1, /* intermediate of a [a.b.c] header: may be defined once by [a.b] */
	TF_HDR_EXPLICIT = 2, /* named by a [header] or [[header]] */
	TF_DOTTED = 4,       /* created by a dotted key: only more dotted keys may add to it */
	TF_INLINE = 8,       /* inline table or array value: closed, nothing may add to it */
	TF_AOT = 16,         /* array created by [[header]] */
};

struct toml_parser {
	struct toml_doc *doc;
	struct toml_error *err;
	const uint8_t *p;
	size_t len, pos;
	uint32_t line, col; /* position of p[pos] */
	uint32_t cur;       /* table that key/values go to */
};

/* Errors at the current position / a given one. Always return -1. */
int toml__fail(struct toml_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int toml__fail_at(struct toml_parser *ps, uint32_t line, uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Cursor. peek returns -1 past the end. */
static inline int toml__peek(const struct toml_parser *ps)
{
	return ps->pos < ps->len ? ps->p[ps->pos] : -1;
}
static inline int toml__peek_at(const struct toml_parser *ps, size_t off)
{
	return ps->pos + off < ps->len ? ps->p[ps->pos + off] : -1;
}
static inline void toml__adv(struct toml_parser *ps)
{
	uint8_t c = ps->p[ps->pos++];
	if (c == '\n') {
		ps->line++;
		ps->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		ps->col++; /* columns count characters, not UTF-8 continuation bytes */
	}
}

/* Describes the character at the cursor for messages: 'x', U+00E9, end of file, newline. */
const char *toml__describe(const struct toml_parser *ps, char buf[24]);

/* Input-wide checks before parsing: NUL bytes and invalid UTF-8. */
int toml__check_input(struct toml_parser *ps);
void toml__skip_ws(struct toml_parser *ps);
/* At '#': skips the comment, rejecting control characters. */
int toml__skip_comment(struct toml_parser *ps);
/* Skips whitespace, comments and newlines (inside arrays). */
int toml__skip_ws_nl(struct toml_parser *ps);
/* Consumes LF or CRLF at the cursor; 1 if one was consumed, 0 if none, -1 on a bare CR. */
int toml__newline(struct toml_parser *ps);

/* Appends bytes to the pool with the capacity check. */
int toml__pool_put(struct toml_parser *ps, const void *data, size_t n);

/* One key part (bare or quoted) copied NUL-terminated into the pool at *off. */
int toml__key_part(struct toml_parser *ps, uint32_t *off);
/* Any of the four string kinds at the cursor, NUL-terminated into the pool. */
int toml__string(struct toml_parser *ps, uint32_t *off, uint32_t *len);
/* Integer or boolean at the cursor into n; floats and dates are rejected by name. */
int toml__scalar(struct toml_parser *ps, struct toml_node *n);

/* Shared by the parser's messages and toml_path(). */
size_t toml__path(const struct toml_doc *doc, const struct toml_node *n, char *out, size_t out_len);
/* Path of a (possibly not yet existing) member `key` of parent. */
size_t toml__child_path(const struct toml_doc *doc, const struct toml_node *parent, const char *key, char *out,
			size_t out_len);
/* "a string", "an integer", ... for messages. */
const char *toml__a_type(enum toml_type t);
void toml__set_file(char dst[TOML_FILE_MAX], const char *file);
static inline uint32_t toml__index(const struct toml_doc *doc, const struct toml_node *n)
{
	return (uint32_t)(n - doc->nodes);
}

#endif
