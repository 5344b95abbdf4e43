/* Shared by json_parse.c, json_string.c and json_access.c only. Positions
 * are byte offsets into the document; every function stays below len. */
#ifndef SNPBOOT_JSON_IMPL_H
#define SNPBOOT_JSON_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* The first offset at or after pos that is not JSON whitespace. */
size_t json_ws(const char *t, size_t len, size_t pos);

/* Checks the string whose opening quote is at t[pos]: escapes, surrogate
 * pairs, UTF-8, no control characters, no \u0000. 0 with *end just past the
 * closing quote, or -1 with *bad (offset of the fault) and *why. */
int json_string_check(const char *t, size_t len, size_t pos, size_t *end, size_t *bad, const char **why);

/* Decoding a checked string: *pos starts just after the opening quote; each
 * call returns the next code point and advances, or -1 at the closing quote
 * (where *pos then stays). */
long json_string_next(const char *t, size_t len, size_t *pos);

/* 1 if the checked strings with opening quotes at a and b decode equal. */
int json_string_same(const char *t, size_t len, size_t a, size_t b);

/* The offset just past the checked value that starts at pos. */
size_t json_skip(const char *t, size_t len, size_t pos);

#endif
