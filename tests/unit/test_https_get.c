/* lib/https_get: the URL parser and the HTTP response parser (pure
 * functions); https_get's refusals that need no network. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tap.h"
#include "https/https_get.h"

static char err[512];
static uint8_t body[4096];
static struct http_response r;

static enum http_parse_rc parse_cap(const char *s, int eof, size_t cap)
{
	return http_response_parse((const uint8_t *)s, strlen(s), eof, body, cap, &r, err, sizeof err);
}
static enum http_parse_rc parse(const char *s, int eof) { return parse_cap(s, eof, sizeof body); }

static void test_url(void)
{
	struct https_url u;
	ok(https_url_parse("https://kdsintf.amd.com/vcek/v1/Milan/cert_chain", &u, err, sizeof err) == 0, "plain URL");
	is_str(u.host, "kdsintf.amd.com", "host");
	is_str(u.port, "443", "default port 443");
	is_str(u.path, "/vcek/v1/Milan/cert_chain", "path");
	ok(https_url_parse("HTTPS://localhost:8443/a?b=1&c=2", &u, err, sizeof err) == 0, "scheme case, port, query");
	is_str(u.port, "8443", "port");
	is_str(u.path, "/a?b=1&c=2", "query kept in path");
	ok(https_url_parse("https://example.org", &u, err, sizeof err) == 0 && strcmp(u.path, "/") == 0, "no path: /");
	ok(https_url_parse("https://example.org?x=1", &u, err, sizeof err) == 0 && strcmp(u.path, "/?x=1") == 0,
	   "query without path: /?x=1");
	ok(https_url_parse("https://[::1]:9443/x", &u, err, sizeof err) == 0 && strcmp(u.host, "::1") == 0 &&
		   strcmp(u.port, "9443") == 0,
	   "IPv6 literal with port");
	ok(https_url_parse("https://[::1]/x", &u, err, sizeof err) == 0 && strcmp(u.port, "443") == 0,
	   "IPv6 literal without port");
	static const struct {
		const char *url, *why;
	} bad[] = {
		{"http://kdsintf.amd.com/", "only https"},
		{"ftp://x/", "only https"},
		{"https:///path", "empty host"},
		{"https://:443/", "empty host"},
		{"https://host:0/", "out of range"},
		{"https://host:65536/", "out of range"},
		{"https://host:123456/", "bad port"},
		{"https://host:/", "bad port"},
		{"https://host:12a/", "bad port"},
		{"https://user@host/", "user information"},
		{"https://host/a#frag", "fragment"},
		{"https://host/a b", "space"},
		{"https://a:1:2/", "more than one"},
		{"https://[::1/", "without ']'"},
		{"https://[::1]x/", "after ']'"},
		{"", "only https"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(https_url_parse(bad[i].url, &u, err, sizeof err) == -1 && strstr(err, bad[i].why),
		   "URL '%s' refused: %s", bad[i].url, err);
	char long_url[4000] = "https://h/";
	memset(long_url + 10, 'a', sizeof long_url - 11);
	long_url[sizeof long_url - 1] = '\0';
	ok(https_url_parse(long_url, &u, err, sizeof err) == -1 && strstr(err, "path longer"), "overlong path: %s", err);
	char long_host[400] = "https://";
	memset(long_host + 8, 'a', 300);
	ok(https_url_parse(long_host, &u, err, sizeof err) == -1 && strstr(err, "host longer"), "overlong host: %s", err);
}

static void test_content_length(void)
{
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: x\r\nContent-Length: 5\r\n\r\nhello";
	is_int(parse(resp, 0), HTTP_PARSE_DONE, "Content-Length: complete");
	is_int(r.status, 200, "status 200");
	is_str(r.reason, "OK", "reason");
	is_int(r.body_len, 5, "body length");
	ok(memcmp(body, "hello", 5) == 0, "body bytes");
	is_int(r.content_length, 5, "content_length");
	is_int(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, trailing junk", 0), HTTP_PARSE_DONE,
	       "bytes after the body are ignored");
	is_int(r.body_len, 5, "... body is still 5 bytes");

	/* every prefix: NEED_MORE without eof, an error with eof */
	size_t n = strlen(resp);
	int all_more = 1, all_trunc = 1;
	for (size_t i = 0; i < n; i++) {
		if (http_response_parse((const uint8_t *)resp, i, 0, body, sizeof body, &r, err, sizeof err) !=
		    HTTP_PARSE_NEED_MORE)
			all_more = 0;
		if (http_response_parse((const uint8_t *)resp, i, 1, body, sizeof body, &r, err, sizeof err) !=
		    HTTP_PARSE_ERROR)
			all_trunc = 0;
	}
	ok(all_more, "every strict prefix needs more");
	ok(all_trunc, "every strict prefix is an error at eof");
	is_int(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", 1), HTTP_PARSE_ERROR, "truncated body");
	ok(strstr(err, "truncated") && strstr(err, "5 bytes, got 3"), "... says so: %s", err);
	is_int(parse("", 1), HTTP_PARSE_ERROR, "empty response at eof");
	ok(strstr(err, "without answering") != NULL, "... says so: %s", err);

	is_int(parse("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", 0), HTTP_PARSE_DONE, "bare LF line ends");
	is_int(parse("HTTP/1.0 404 Not Found\r\nContent-Length: 3\r\n\r\nnah", 0), HTTP_PARSE_DONE, "404 parsed");
	is_int(r.status, 404, "status 404");
	is_int(parse("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n", 0),
	       HTTP_PARSE_DONE, "429 parsed");
	is_int(r.retry_after, 30, "Retry-After");
	is_int(parse("HTTP/1.1 204\r\n\r\n", 0), HTTP_PARSE_DONE, "204 without reason, no body");
	is_str(r.reason, "", "empty reason");
	is_int(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello", 0), HTTP_PARSE_DONE,
	       "repeated equal Content-Length accepted");

	static const struct {
		const char *resp, *why;
	} bad[] = {
		{"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello", "not a decimal"},
		{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "not a decimal"},
		{"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", "not a decimal"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "not a decimal"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "conflicting"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 4097\r\n\r\n", "larger than the limit"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "not supported"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "not supported"},
		{"HTTP/1.1 200 OK\r\n folded\r\n\r\n", "folded"},
		{"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "without a name"},
		{"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", "without a name"},
		{"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "bad character"},
		{"HTTP/2 200\r\n\r\n", "bad status line"},
		{"HTTP/1.1 20 OK\r\n\r\n", "bad status line"},
		{"HTTP/1.1 2000 OK\r\n\r\n", "bad status line"},
		{"HTTP/1.1 099 OK\r\n\r\n", "bad status line"},
		{"SSH-2.0-OpenSSH\r\n\r\n", "bad status line"},
		{"HTTP/1.1 100 Continue\r\n\r\n", "interim"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(parse(bad[i].resp, 0) == HTTP_PARSE_ERROR && strstr(err, bad[i].why), "refused (%s): %s",
		   bad[i].why, err);
}

static void test_no_length(void)
{
	is_int(parse("HTTP/1.0 200 OK\r\n\r\nuntil close", 0), HTTP_PARSE_NEED_MORE, "no length: needs eof");
	is_int(parse("HTTP/1.0 200 OK\r\n\r\nuntil close", 1), HTTP_PARSE_DONE, "no length: body ends at eof");
	is_int(r.body_len, 11, "... 11 bytes");
	is_int(parse_cap("HTTP/1.0 200 OK\r\n\r\nuntil close", 1, 10), HTTP_PARSE_ERROR, "no length: over the limit");
	ok(strstr(err, "larger than the limit") != NULL, "... says so: %s", err);
}

static void test_chunked(void)
{
	const char *resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			   "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\n";
	is_int(parse(resp, 0), HTTP_PARSE_DONE, "chunked: complete");
	ok(r.chunked && r.body_len == 12 && memcmp(body, "hello, world", 12) == 0, "chunked: body decoded");
	size_t n = strlen(resp);
	int all_more = 1, all_trunc = 1;
	for (size_t i = 0; i < n; i++) {
		if (http_response_parse((const uint8_t *)resp, i, 0, body, sizeof body, &r, err, sizeof err) !=
		    HTTP_PARSE_NEED_MORE)
			all_more = 0;
		if (http_response_parse((const uint8_t *)resp, i, 1, body, sizeof body, &r, err, sizeof err) !=
		    HTTP_PARSE_ERROR)
			all_trunc = 0;
	}
	ok(all_more, "chunked: every strict prefix needs more");
	ok(all_trunc, "chunked: every strict prefix is an error at eof");
	is_int(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 99\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", 0),
	       HTTP_PARSE_DONE, "chunked wins over Content-Length, hex upper case");
	ok(r.body_len == 10 && r.content_length == -1, "... 10 bytes, Content-Length ignored");
	is_int(parse("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", 0), HTTP_PARSE_DONE,
	       "chunked with bare LF");
	is_int(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0), HTTP_PARSE_DONE,
	       "empty chunked body");
	is_int(r.body_len, 0, "... 0 bytes");

	static const struct {
		const char *resp, *why;
	} bad[] = {
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", "bad chunk size"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", "bad chunk size"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n", "not followed by CRLF"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n", "more than 15"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1001\r\n", "larger than the limit"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "not supported"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(parse(bad[i].resp, 0) == HTTP_PARSE_ERROR && strstr(err, bad[i].why), "chunked refused (%s): %s",
		   bad[i].why, err);
	/* Many small chunks adding up past the limit. */
	char big[8192] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	size_t o = strlen(big);
	for (int i = 0; i < 12 && o + 600 < sizeof big; i++) {
		o += (size_t)sprintf(big + o, "200\r\n");
		memset(big + o, 'a', 0x200);
		o += 0x200;
		o += (size_t)sprintf(big + o, "\r\n");
	}
	big[o] = '\0';
	is_int(parse_cap(big, 0, 2048), HTTP_PARSE_ERROR, "chunks summing over the limit: refused");
	ok(strstr(err, "larger than the limit") != NULL, "... says so: %s", err);
}

static void test_header_limit(void)
{
	size_t n = HTTP_HEADER_MAX + 100;
	char *big = malloc(n + 1);
	if (!big) {
		ok(0, "malloc");
		return;
	}
	strcpy(big, "HTTP/1.1 200 OK\r\nX-Long: ");
	size_t o = strlen(big);
	memset(big + o, 'a', n - o);
	big[n] = '\0';
	is_int(parse(big, 0), HTTP_PARSE_ERROR, "a header block over HTTP_HEADER_MAX: refused without a line end");
	ok(strstr(err, "headers longer") != NULL, "... says so: %s", err);
	big[n - 2] = '\r';
	big[n - 1] = '\n';
	is_int(parse(big, 0), HTTP_PARSE_ERROR, "... and with one");
	free(big);
}

static void test_get_refusals(void)
{
	uint8_t *b = (uint8_t *)"x";
	size_t len = 1;
	int status = -1;
	ok(https_get("http://kdsintf.amd.com/", NULL, 1000, 1024, &b, &len, &status, err, sizeof err) == -1 &&
		   b == NULL && status == 0 && strstr(err, "only https"),
	   "https_get refuses http://: %s", err);
	ok(https_get("https://localhost:1/", "/nonexistent/ca.pem", 1000, 1024, &b, &len, &status, err, sizeof err) ==
		   -1 && strstr(err, "CA file /nonexistent/ca.pem"),
	   "a missing CA file is named: %s", err);
	char path[512];
	snprintf(path, sizeof path, "%s/testvectors/real/milan/vcek.der", shared_dir());
	ok(https_get("https://localhost:1/", path, 1000, 1024, &b, &len, &status, err, sizeof err) == -1 &&
		   strstr(err, "no usable CERTIFICATE"),
	   "a CA file without PEM certificates: %s", err);
	snprintf(path, sizeof path, "%s/testvectors/real/milan/cert_chain.pem", shared_dir());
	ok(https_get("https://localhost:1/", path, 2000, 1024, &b, &len, &status, err, sizeof err) == -1 &&
		   strstr(err, "cannot connect to localhost port 1"),
	   "connection refused is reported: %s", err);

	/* A server that accepts (the kernel does, from the backlog) and never answers. */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 4) != 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &sl) != 0) {
		ok(0, "listening socket");
		return;
	}
	char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%u/", (unsigned)ntohs(sa.sin_port));
	ok(https_get(url, path, 300, 1024, &b, &len, &status, err, sizeof err) == -1 &&
		   strstr(err, "timed out after 300 ms") && status == 0,
	   "a silent server times out: %s", err);
	close(l);
}

int main(void)
{
	test_url();
	test_content_length();
	test_no_length();
	test_chunked();
	test_header_limit();
	test_get_refusals();
	return done_testing();
}
