/*
 * A minimal HTTPS GET client (host only: sockets, malloc) for fetching AMD's
 * certificates from KDS: https:// URLs only, BearSSL with trust anchors from
 * a PEM CA bundle and the server name checked, HTTP/1.1 with
 * "Connection: close", Content-Length or chunked bodies, everything bounded
 * (header size, body size, total time).
 *
 * The URL and response parsers are pure functions over caller bytes (unit
 * tested and fuzzed); https_get does the I/O.
 *
 * Error convention: 0 on success, -1 with a message in err (err_len bytes,
 * always NUL-terminated when err_len > 0; err may be NULL).
 */
#ifndef SNPBOOT_HTTPS_GET_H
#define SNPBOOT_HTTPS_GET_H

#include <stddef.h>
#include <stdint.h>

#define HTTPS_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#define HTTPS_HOST_MAX 256
#define HTTPS_PATH_MAX 2048
/* Status line and headers together; KDS sends a few hundred bytes. */
#define HTTP_HEADER_MAX (64u * 1024)

struct https_url {
	char host[HTTPS_HOST_MAX]; /* without brackets for an IPv6 literal */
	char port[6];              /* decimal, "443" if absent */
	char path[HTTPS_PATH_MAX]; /* from the first '/', query included; "/" if absent */
};

/*
 * https://host[:port][/path[?query]]. Refused: another scheme, userinfo
 * ("user@"), a fragment, an empty host, a port outside 1..65535, spaces or
 * control characters, anything too long for struct https_url.
 */
int https_url_parse(const char *url, struct https_url *u, char *err, size_t err_len);

enum http_parse_rc {
	HTTP_PARSE_ERROR = -1,   /* malformed or over a limit: err says which */
	HTTP_PARSE_DONE = 0,     /* a whole response: *r is filled */
	HTTP_PARSE_NEED_MORE = 1 /* the bytes so far are a valid prefix */
};

struct http_response {
	int status;                 /* 100..999 */
	char reason[64];            /* the reason phrase, truncated, printable ASCII */
	size_t header_len;          /* status line + headers + blank line */
	int chunked;                /* Transfer-Encoding: chunked */
	long long content_length;   /* -1 if absent (or ignored because chunked) */
	unsigned retry_after;       /* Retry-After in seconds (0: absent or an HTTP date) */
	size_t body_len;            /* bytes written to the body buffer */
};

/*
 * Parses the response bytes received so far, buf[0..len). eof: the peer has
 * closed the connection (a body with neither Content-Length nor chunked
 * encoding then ends there; otherwise a missing byte is "truncated"). The
 * decoded body goes to body[0..body_cap); a body longer than body_cap is an
 * error. Pure function: call it again with more bytes (the same buffer,
 * longer) until it returns DONE or ERROR. Trailing bytes after a complete
 * message are ignored (the connection is closed by us afterwards).
 * Limits: HTTP_HEADER_MAX for the header block. Accepts CRLF or bare LF line
 * ends; refuses a Transfer-Encoding other than "chunked", conflicting
 * Content-Length headers, a Content-Length that is not a decimal number.
 */
enum http_parse_rc http_response_parse(const uint8_t *buf, size_t len, int eof, uint8_t *body, size_t body_cap,
				       struct http_response *r, char *err, size_t err_len);

/*
 * GETs url over TLS. ca_file: PEM bundle of trusted CAs (NULL: the system's,
 * HTTPS_DEFAULT_CA_FILE). timeout_ms bounds the whole exchange (DNS lookup
 * excepted). On HTTP 200 returns 0 with a malloc'd body (*body, free() it;
 * a NUL follows the body_len bytes). Otherwise -1 with err set and *body
 * NULL; *http_status is the status received (e.g. 404, or 429 when the
 * server rate-limits: the message says so), or 0 if no response arrived
 * (DNS, connect, TLS, timeout, malformed response).
 */
int https_get(const char *url, const char *ca_file, unsigned timeout_ms, size_t max_body, uint8_t **body,
	      size_t *body_len, int *http_status, char *err, size_t err_len);

#endif
