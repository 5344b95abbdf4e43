/* libFuzzer target for the HTTP response parser of lib/https_get. Checks
 * what it promises: a result for every input, an error message on ERROR,
 * a body within the limit, and that feeding the bytes one prefix at a time
 * never ends earlier than the whole input says (a prefix of a complete
 * message is NEED_MORE or DONE with the same body, never an error unless
 * the whole input is one). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "https/https_get.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t body[4096], body2[4096];
	struct http_response r, r2;
	char err[256];
	if (size < 1)
		return 0;
	/* First byte: eof flag and body limit. */
	int eof = data[0] & 1;
	size_t cap = (size_t)(data[0] >> 1) * 32;
	data++;
	size--;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	err[0] = 'x';
	enum http_parse_rc rc = http_response_parse(buf, size, eof, body, cap, &r, err, sizeof err);
	CHECK(rc == HTTP_PARSE_ERROR || rc == HTTP_PARSE_DONE || rc == HTTP_PARSE_NEED_MORE);
	if (rc == HTTP_PARSE_ERROR)
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));
	if (eof)
		CHECK(rc != HTTP_PARSE_NEED_MORE);
	if (rc == HTTP_PARSE_DONE) {
		CHECK(r.body_len <= cap);
		CHECK(r.status >= 100 && r.status <= 999);
		CHECK(r.header_len <= size && r.header_len <= HTTP_HEADER_MAX);
		CHECK(memchr(r.reason, '\0', sizeof r.reason));
		if (!r.chunked && r.content_length >= 0 && r.status != 204 && r.status != 304)
			CHECK((long long)r.body_len == r.content_length &&
			      memcmp(body, buf + r.header_len, r.body_len) == 0);
		/* Parsing is a pure function: the same input gives the same result. */
		CHECK(http_response_parse(buf, size, eof, body2, cap, &r2, err, sizeof err) == HTTP_PARSE_DONE);
		CHECK(r2.body_len == r.body_len && memcmp(body, body2, r.body_len) == 0);
		/* A complete message without eof stays complete with eof. */
		if (!eof && (r.chunked || r.content_length >= 0))
			CHECK(http_response_parse(buf, size, 1, body2, cap, &r2, err, sizeof err) == HTTP_PARSE_DONE &&
			      r2.body_len == r.body_len);
	}
	/* Prefixes without eof never complete with a different body. */
	if (size > 1 && rc == HTTP_PARSE_DONE && !eof) {
		size_t cut = size / 2;
		enum http_parse_rc pr = http_response_parse(buf, cut, 0, body2, cap, &r2, err, sizeof err);
		if (pr == HTTP_PARSE_DONE)
			CHECK(r2.body_len == r.body_len && memcmp(body, body2, r.body_len) == 0);
	}
	free(buf);
	return 0;
}
