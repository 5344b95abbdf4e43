/* HTTPS GET over BearSSL; see https_get.h. Host only. */
#include "https_get.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "base/bytes.h"
#include "chan/chan_tls_err.h"
#include "der/der.h"
#include "x509/pem.h"

/* ---- URL ------------------------------------------------------------------------ */

int https_url_parse(const char *url, struct https_url *u, char *err, size_t err_len)
{
	memset(u, 0, sizeof *u);
	for (const char *c = url; *c; c++) {
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
			der_errf(err, err_len, "URL: space or control character at offset %zu", (size_t)(c - url));
			return -1;
		}
	}
	if (strncasecmp(url, "https://", 8) != 0) {
		der_errf(err, err_len, "URL '%.80s': only https:// is supported", url);
		return -1;
	}
	if (strchr(url, '#')) {
		der_errf(err, err_len, "URL '%.80s': a fragment (#...) is not allowed", url);
		return -1;
	}
	const char *auth = url + 8;
	size_t auth_len = strcspn(auth, "/?");
	const char *rest = auth + auth_len;
	if (memchr(auth, '@', auth_len)) {
		der_errf(err, err_len, "URL: user information (user@host) is not allowed");
		return -1;
	}
	const char *host = auth, *port = NULL;
	size_t host_len;
	if (auth_len && auth[0] == '[') {
		const char *close = memchr(auth, ']', auth_len);
		if (!close) {
			der_errf(err, err_len, "URL: IPv6 address without ']'");
			return -1;
		}
		host = auth + 1;
		host_len = (size_t)(close - host);
		if (close + 1 < rest) {
			if (close[1] != ':') {
				der_errf(err, err_len, "URL: unexpected characters after ']'");
				return -1;
			}
			port = close + 2;
		}
	} else {
		const char *colon = memchr(auth, ':', auth_len);
		host_len = colon ? (size_t)(colon - auth) : auth_len;
		if (colon)
			port = colon + 1;
		if (colon && memchr(port, ':', (size_t)(rest - port))) {
			der_errf(err, err_len, "URL: more than one ':' in the host part (IPv6 needs [brackets])");
			return -1;
		}
	}
	if (host_len == 0) {
		der_errf(err, err_len, "URL: empty host");
		return -1;
	}
	if (host_len >= sizeof u->host) {
		der_errf(err, err_len, "URL: host longer than %zu characters", sizeof u->host - 1);
		return -1;
	}
	memcpy(u->host, host, host_len);
	if (port) {
		size_t plen = (size_t)(rest - port);
		unsigned long v = 0;
		if (plen == 0 || plen > 5) {
			der_errf(err, err_len, "URL: bad port (expected 1 to 65535)");
			return -1;
		}
		for (size_t i = 0; i < plen; i++) {
			if (port[i] < '0' || port[i] > '9') {
				der_errf(err, err_len, "URL: bad port '%.*s' (expected 1 to 65535)", (int)plen, port);
				return -1;
			}
			v = v * 10 + (unsigned long)(port[i] - '0');
		}
		if (v == 0 || v > 65535) {
			der_errf(err, err_len, "URL: port %lu out of range (expected 1 to 65535)", v);
			return -1;
		}
		snprintf(u->port, sizeof u->port, "%lu", v);
	} else {
		snprintf(u->port, sizeof u->port, "443");
	}
	if (snprintf(u->path, sizeof u->path, "%s%s", *rest == '/' ? "" : "/", rest) >= (int)sizeof u->path) {
		der_errf(err, err_len, "URL: path longer than %zu characters", sizeof u->path - 1);
		return -1;
	}
	return 0;
}

/* ---- HTTP response parser ----------------------------------------------------------- */

/* The next line at pos: content [*start, *start + *llen), *next past its LF.
 * 0 if no LF yet. A CR before the LF is not part of the line. */
static int next_line(const uint8_t *buf, size_t len, size_t pos, size_t *start, size_t *llen, size_t *next)
{
	const uint8_t *lf = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
	if (!lf)
		return 0;
	size_t end = (size_t)(lf - buf);
	*start = pos;
	*next = end + 1;
	if (end > pos && buf[end - 1] == '\r')
		end--;
	*llen = end - pos;
	return 1;
}

static int ieq(const uint8_t *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp((const char *)s, lit, len) == 0;
}

static void trim(const uint8_t **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* Decimal digits only, at most 18 of them. */
static int parse_dec(const uint8_t *s, size_t len, long long *v)
{
	if (len == 0 || len > 18)
		return -1;
	long long x = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}


static enum http_parse_rc more_or_truncated(int eof, char *err, size_t err_len, const char *what)
{
	if (!eof)
		return HTTP_PARSE_NEED_MORE;
	der_errf(err, err_len, "HTTP response truncated: the connection closed %s", what);
	return HTTP_PARSE_ERROR;
}

static enum http_parse_rc parse_status(const uint8_t *s, size_t n, struct http_response *r, char *err,
				       size_t err_len)
{
	/* HTTP/1.x SP 3DIGIT [SP reason] */
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ' || s[9] < '1' ||
	    s[9] > '9' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' || (n > 12 && s[12] != ' ')) {
		der_errf(err, err_len, "HTTP response: bad status line '%.*s'", (int)(n > 60 ? 60 : n), (const char *)s);
		for (char *p = err; p && err_len && *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		return HTTP_PARSE_ERROR;
	}
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	size_t o = 0;
	for (size_t i = 13; i < n && o + 1 < sizeof r->reason; i++)
		r->reason[o++] = (char)(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
	r->reason[o] = '\0';
	return HTTP_PARSE_DONE;
}

static enum http_parse_rc parse_header(const uint8_t *s, size_t n, struct http_response *r, char *err,
				       size_t err_len)
{
	if (s[0] == ' ' || s[0] == '\t') {
		der_errf(err, err_len, "HTTP response: folded header lines are not supported");
		return HTTP_PARSE_ERROR;
	}
	const uint8_t *colon = memchr(s, ':', n);
	if (!colon || colon == s) {
		der_errf(err, err_len, "HTTP response: header line without a name and ':'");
		return HTTP_PARSE_ERROR;
	}
	size_t name_len = (size_t)(colon - s);
	for (size_t i = 0; i < name_len; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f) {
			der_errf(err, err_len, "HTTP response: bad character in a header name");
			return HTTP_PARSE_ERROR;
		}
	}
	const uint8_t *v = colon + 1;
	size_t vlen = n - name_len - 1;
	trim(&v, &vlen);
	if (ieq(s, name_len, "Content-Length")) {
		long long cl;
		if (parse_dec(v, vlen, &cl) != 0) {
			der_errf(err, err_len, "HTTP response: Content-Length '%.*s' is not a decimal number",
				 (int)(vlen > 30 ? 30 : vlen), (const char *)v);
			return HTTP_PARSE_ERROR;
		}
		if (r->content_length >= 0 && r->content_length != cl) {
			der_errf(err, err_len, "HTTP response: conflicting Content-Length headers (%lld and %lld)",
				 r->content_length, cl);
			return HTTP_PARSE_ERROR;
		}
		r->content_length = cl;
	} else if (ieq(s, name_len, "Transfer-Encoding")) {
		if (!ieq(v, vlen, "chunked") || r->chunked) {
			der_errf(err, err_len, "HTTP response: Transfer-Encoding '%.*s' is not supported (only chunked)",
				 (int)(vlen > 30 ? 30 : vlen), (const char *)v);
			return HTTP_PARSE_ERROR;
		}
		r->chunked = 1;
	} else if (ieq(s, name_len, "Retry-After")) {
		long long ra;
		if (parse_dec(v, vlen, &ra) == 0)
			r->retry_after = ra > 86400 * 7 ? 86400u * 7 : (unsigned)ra;
	}
	return HTTP_PARSE_DONE;
}

static enum http_parse_rc parse_chunked(const uint8_t *buf, size_t len, size_t pos, int eof, uint8_t *body,
					size_t body_cap, struct http_response *r, char *err, size_t err_len)
{
	size_t st, n, next;
	for (;;) {
		if (!next_line(buf, len, pos, &st, &n, &next)) {
			if (len - pos > 1024) {
				der_errf(err, err_len, "HTTP response: chunk size line longer than 1024 bytes");
				return HTTP_PARSE_ERROR;
			}
			return more_or_truncated(eof, err, err_len, "inside a chunk size line");
		}
		const uint8_t *s = buf + st;
		size_t digits = 0;
		unsigned long long size = 0;
		while (digits < n && hex_digit_value(s[digits]) >= 0) {
			if (digits == 15) {
				der_errf(err, err_len, "HTTP response: chunk size has more than 15 hex digits");
				return HTTP_PARSE_ERROR;
			}
			size = size * 16 + (unsigned long long)hex_digit_value(s[digits]);
			digits++;
		}
		size_t k = digits;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (digits == 0 || (k < n && s[k] != ';')) {
			der_errf(err, err_len, "HTTP response: bad chunk size line '%.*s'", (int)(n > 30 ? 30 : n),
				 (const char *)s);
			return HTTP_PARSE_ERROR;
		}
		pos = next;
		if (size == 0)
			break;
		if (size > body_cap - r->body_len) {
			der_errf(err, err_len, "HTTP response: body larger than the limit of %zu bytes", body_cap);
			return HTTP_PARSE_ERROR;
		}
		if (len - pos < size)
			return more_or_truncated(eof, err, err_len, "inside chunk data");
		memcpy(body + r->body_len, buf + pos, (size_t)size);
		r->body_len += (size_t)size;
		pos += (size_t)size;
		if (len - pos >= 1 && buf[pos] == '\n') {
			pos += 1;
		} else if (len - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n') {
			pos += 2;
		} else if (len - pos < 2 && (len == pos || buf[pos] == '\r')) {
			return more_or_truncated(eof, err, err_len, "after chunk data");
		} else {
			der_errf(err, err_len, "HTTP response: chunk data not followed by CRLF (chunk size wrong?)");
			return HTTP_PARSE_ERROR;
		}
	}
	/* Trailer fields until an empty line; their content is ignored. */
	size_t trailer = 0;
	for (;;) {
		if (!next_line(buf, len, pos, &st, &n, &next)) {
			if (len - pos > HTTP_HEADER_MAX)
				break; /* caught below */
			return more_or_truncated(eof, err, err_len, "inside the chunked trailer");
		}
		trailer += next - pos;
		pos = next;
		if (n == 0)
			return HTTP_PARSE_DONE;
		if (trailer > HTTP_HEADER_MAX)
			break;
	}
	der_errf(err, err_len, "HTTP response: chunked trailer longer than %u bytes", HTTP_HEADER_MAX);
	return HTTP_PARSE_ERROR;
}

enum http_parse_rc http_response_parse(const uint8_t *buf, size_t len, int eof, uint8_t *body, size_t body_cap,
				       struct http_response *r, char *err, size_t err_len)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	if (err && err_len)
		err[0] = '\0';
	size_t pos = 0, st, n, next;
	enum http_parse_rc rc;
	int line_no = 0;
	for (;;) {
		if (!next_line(buf, len, pos, &st, &n, &next)) {
			if (len > HTTP_HEADER_MAX)
				break;
			if (len == 0 && eof) {
				der_errf(err, err_len, "HTTP response: the server closed the connection without answering");
				return HTTP_PARSE_ERROR;
			}
			return more_or_truncated(eof, err, err_len, "inside the response headers");
		}
		if (next > HTTP_HEADER_MAX)
			break;
		pos = next;
		if (line_no++ == 0) {
			rc = parse_status(buf + st, n, r, err, err_len);
		} else if (n == 0) {
			r->header_len = pos;
			goto body;
		} else {
			rc = parse_header(buf + st, n, r, err, err_len);
		}
		if (rc != HTTP_PARSE_DONE)
			return rc;
	}
	der_errf(err, err_len, "HTTP response: headers longer than %u bytes", HTTP_HEADER_MAX);
	return HTTP_PARSE_ERROR;
body:
	if (r->status < 200) {
		der_errf(err, err_len, "HTTP response: interim status %d is not supported", r->status);
		return HTTP_PARSE_ERROR;
	}
	if (r->status == 204 || r->status == 304)
		return HTTP_PARSE_DONE;
	if (r->chunked) {
		r->content_length = -1; /* RFC 9112 6.3: chunked overrides Content-Length */
		return parse_chunked(buf, len, pos, eof, body, body_cap, r, err, err_len);
	}
	size_t have = len - pos;
	if (r->content_length >= 0) {
		if ((unsigned long long)r->content_length > body_cap) {
			der_errf(err, err_len, "HTTP response: Content-Length %lld is larger than the limit of %zu bytes",
				 r->content_length, body_cap);
			return HTTP_PARSE_ERROR;
		}
		size_t want = (size_t)r->content_length;
		if (have < want) {
			if (eof) {
				der_errf(err, err_len,
					 "HTTP response truncated: Content-Length says %zu bytes, got %zu", want, have);
				return HTTP_PARSE_ERROR;
			}
			return HTTP_PARSE_NEED_MORE;
		}
		memcpy(body, buf + pos, want);
		r->body_len = want;
		return HTTP_PARSE_DONE;
	}
	/* Neither: the body ends when the connection does. */
	if (have > body_cap) {
		der_errf(err, err_len, "HTTP response: body larger than the limit of %zu bytes", body_cap);
		return HTTP_PARSE_ERROR;
	}
	if (!eof)
		return HTTP_PARSE_NEED_MORE;
	memcpy(body, buf + pos, have);
	r->body_len = have;
	return HTTP_PARSE_DONE;
}

/* ---- trust anchors ------------------------------------------------------------------- */

struct anchors {
	br_x509_trust_anchor *ta;
	size_t n, cap;
};

struct dn_buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void dn_append(void *ctx, const void *data, size_t len)
{
	struct dn_buf *d = ctx;
	if (d->oom)
		return;
	if (d->len + len > d->cap) {
		size_t cap = (d->len + len) * 2;
		uint8_t *p = realloc(d->p, cap);
		if (!p) {
			d->oom = 1;
			return;
		}
		d->p = p;
		d->cap = cap;
	}
	memcpy(d->p + d->len, data, len);
	d->len += len;
}

static void *memdup(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);
	if (q)
		memcpy(q, p, len);
	return q;
}

static void anchors_free(struct anchors *a)
{
	for (size_t i = 0; i < a->n; i++) {
		br_x509_trust_anchor *t = &a->ta[i];
		free(t->dn.data);
		if (t->pkey.key_type == BR_KEYTYPE_RSA) {
			free(t->pkey.key.rsa.n);
			free(t->pkey.key.rsa.e);
		} else {
			free(t->pkey.key.ec.q);
		}
	}
	free(a->ta);
	memset(a, 0, sizeof *a);
}

/* One DER certificate into a trust anchor; 1 added, 0 skipped (unsupported key), -1 out of memory. */
static int anchor_add(struct anchors *a, const uint8_t *der, size_t len)
{
	br_x509_decoder_context dc;
	struct dn_buf dn = {0};
	br_x509_decoder_init(&dc, dn_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || dn.oom) {
		free(dn.p);
		return dn.oom ? -1 : 0;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		br_x509_trust_anchor *ta = realloc(a->ta, cap * sizeof *ta);
		if (!ta) {
			free(dn.p);
			return -1;
		}
		a->ta = ta;
		a->cap = cap;
	}
	br_x509_trust_anchor t = {.dn = {.data = dn.p, .len = dn.len},
				  .flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0u};
	t.pkey.key_type = pk->key_type;
	int ok;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		t.pkey.key.rsa.n = memdup(pk->key.rsa.n, pk->key.rsa.nlen);
		t.pkey.key.rsa.nlen = pk->key.rsa.nlen;
		t.pkey.key.rsa.e = memdup(pk->key.rsa.e, pk->key.rsa.elen);
		t.pkey.key.rsa.elen = pk->key.rsa.elen;
		ok = t.pkey.key.rsa.n && t.pkey.key.rsa.e;
	} else {
		t.pkey.key.ec.curve = pk->key.ec.curve;
		t.pkey.key.ec.q = memdup(pk->key.ec.q, pk->key.ec.qlen);
		t.pkey.key.ec.qlen = pk->key.ec.qlen;
		ok = t.pkey.key.ec.q != NULL;
	}
	a->ta[a->n++] = t; /* freed with the others even if a copy failed */
	return ok ? 1 : -1;
}

static int anchors_load(struct anchors *a, const char *path, char *err, size_t err_len)
{
	memset(a, 0, sizeof *a);
	FILE *f = fopen(path, "rb");
	if (!f) {
		der_errf(err, err_len, "CA file %s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 1u << 16, len = 0;
	char *text = malloc(cap);
	for (;;) {
		if (!text)
			break;
		if (len == cap) {
			if (cap >= (64u << 20)) {
				free(text);
				text = NULL;
				break;
			}
			char *t = realloc(text, cap * 2);
			if (!t) {
				free(text);
				text = NULL;
				break;
			}
			text = t;
			cap *= 2;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (!text || bad) {
		free(text);
		der_errf(err, err_len, "CA file %s: %s", path, bad ? "read error" : "too large or out of memory");
		return -1;
	}
	uint8_t *der = malloc(len ? len : 1);
	size_t pos = 0, der_len, blocks = 0;
	int r = 0;
	while (der && (r = pem_next(text, len, &pos, "CERTIFICATE", der, len, &der_len, err, err_len)) == 1) {
		blocks++;
		if (anchor_add(a, der, der_len) < 0) {
			r = -2;
			break;
		}
	}
	free(der);
	free(text);
	if (!der || r == -2) {
		anchors_free(a);
		der_errf(err, err_len, "CA file %s: out of memory", path);
		return -1;
	}
	if (r < 0) {
		anchors_free(a);
		der_err_prefix(err, err_len, "CA file: ");
		return -1;
	}
	if (a->n == 0) {
		anchors_free(a);
		der_errf(err, err_len, "CA file %s: no usable CERTIFICATE block (%zu found)", path, blocks);
		return -1;
	}
	return 0;
}

/* ---- X.509 wrapper: remembers who the server claimed to be, for messages ----------- */

#define CERT_KEEP_MAX 8192

struct x509_watch {
	const br_x509_class *vtable;
	const br_x509_class **inner;
	unsigned idx;                 /* certificates seen */
	uint8_t cur[CERT_KEEP_MAX];
	size_t cur_len;
	int cur_overflow;
	char leaf_subject[160];
	char last_issuer[160];
};

static const uint8_t oid_cn[] = {0x55, 0x04, 0x03}, oid_o[] = {0x55, 0x04, 0x0a}, oid_ou[] = {0x55, 0x04, 0x0b};

/* "CN=..., O=..." from a Name TLV's attributes we know; "" if none. */
static void dn_text(const uint8_t *name, size_t name_len, char *out, size_t cap)
{
	struct der d, rdns, set, atv;
	struct der_tlv oid, val;
	size_t o = 0;
	out[0] = '\0';
	der_init(&d, name, name_len, NULL, 0);
	if (der_enter(&d, DER_SEQUENCE, &rdns, "Name"))
		return;
	while (!der_at_end(&rdns) && der_enter(&rdns, DER_SET, &set, "RDN") == 0) {
		while (!der_at_end(&set) && der_enter(&set, DER_SEQUENCE, &atv, "ATV") == 0) {
			if (der_oid(&atv, &oid, "type") || der_next(&atv, &val, "value"))
				return;
			const char *key = der_oid_eq(&oid, oid_cn, sizeof oid_cn)   ? "CN"
					  : der_oid_eq(&oid, oid_o, sizeof oid_o)   ? "O"
					  : der_oid_eq(&oid, oid_ou, sizeof oid_ou) ? "OU"
										    : NULL;
			if (!key)
				continue;
			int w = snprintf(out + o, cap - o, "%s%s=", o ? ", " : "", key);
			if (w < 0 || (size_t)w >= cap - o)
				return;
			o += (size_t)w;
			for (size_t i = 0; i < val.len && o + 1 < cap; i++)
				out[o++] = (char)(val.val[i] >= 0x20 && val.val[i] < 0x7f ? val.val[i] : '?');
			out[o] = '\0';
		}
	}
}

/* Subject and issuer Names of a DER certificate (no other checks). */
static void cert_names(const uint8_t *der, size_t len, char *subject, size_t scap, char *issuer, size_t icap)
{
	struct der d, cert, tbs;
	struct der_tlv t, iss, subj;
	der_init(&d, der, len, NULL, 0);
	if (der_enter(&d, DER_SEQUENCE, &cert, "cert") || der_enter(&cert, DER_SEQUENCE, &tbs, "tbs"))
		return;
	if (der_peek_tag(&tbs) == DER_CTX_CONS(0) && der_next(&tbs, &t, "version"))
		return;
	if (der_next(&tbs, &t, "serial") || der_next(&tbs, &t, "sigalg") || der_next(&tbs, &iss, "issuer") ||
	    der_next(&tbs, &t, "validity") || der_next(&tbs, &subj, "subject"))
		return;
	if (subject)
		dn_text(subj.tlv, subj.tlv_len, subject, scap);
	if (issuer)
		dn_text(iss.tlv, iss.tlv_len, issuer, icap);
}

static struct x509_watch *watch_of(const br_x509_class **ctx) { return (struct x509_watch *)(void *)ctx; }

static void w_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct x509_watch *w = watch_of(ctx);
	w->idx = 0;
	w->leaf_subject[0] = w->last_issuer[0] = '\0';
	(*w->inner)->start_chain(w->inner, server_name);
}

static void w_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct x509_watch *w = watch_of(ctx);
	w->cur_len = 0;
	w->cur_overflow = 0;
	(*w->inner)->start_cert(w->inner, length);
}

static void w_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct x509_watch *w = watch_of(ctx);
	if (len > sizeof w->cur - w->cur_len)
		w->cur_overflow = 1;
	else {
		memcpy(w->cur + w->cur_len, buf, len);
		w->cur_len += len;
	}
	(*w->inner)->append(w->inner, buf, len);
}

static void w_end_cert(const br_x509_class **ctx)
{
	struct x509_watch *w = watch_of(ctx);
	if (!w->cur_overflow)
		cert_names(w->cur, w->cur_len, w->idx == 0 ? w->leaf_subject : NULL, sizeof w->leaf_subject,
			   w->last_issuer, sizeof w->last_issuer);
	w->idx++;
	(*w->inner)->end_cert(w->inner);
}

static unsigned w_end_chain(const br_x509_class **ctx)
{
	struct x509_watch *w = watch_of(ctx);
	return (*w->inner)->end_chain(w->inner);
}

static const br_x509_pkey *w_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct x509_watch *w = (const struct x509_watch *)(const void *)ctx;
	return (*w->inner)->get_pkey(w->inner, usages);
}

static const br_x509_class x509_watch_vtable = {
	sizeof(struct x509_watch), w_start_chain, w_start_cert, w_append, w_end_cert, w_end_chain, w_get_pkey,
};

/* ---- I/O with a deadline ------------------------------------------------------------ */

struct conn {
	int fd;
	long long deadline_ms;
	int timed_out, eof, sys_errno;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(struct conn *c, short events)
{
	for (;;) {
		long long left = c->deadline_ms - now_ms();
		if (left <= 0) {
			c->timed_out = 1;
			return -1;
		}
		struct pollfd p = {.fd = c->fd, .events = events};
		int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 0;
		if (r == 0) {
			c->timed_out = 1;
			return -1;
		}
		if (errno != EINTR) {
			c->sys_errno = errno;
			return -1;
		}
	}
}

static int low_read(void *ctx, unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	for (;;) {
		if (wait_fd(c, POLLIN) != 0)
			return -1;
		ssize_t n = recv(c->fd, buf, len, 0);
		if (n > 0)
			return (int)n;
		if (n == 0) {
			c->eof = 1;
			return -1;
		}
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			c->sys_errno = errno;
			return -1;
		}
	}
}

static int low_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	for (;;) {
		if (wait_fd(c, POLLOUT) != 0)
			return -1;
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			c->sys_errno = errno;
			return -1;
		}
	}
}

static int dial(struct conn *c, const struct https_url *u, unsigned timeout_ms, char *err, size_t err_len)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int gai = getaddrinfo(u->host, u->port, &hints, &res);
	if (gai != 0) {
		der_errf(err, err_len, "cannot resolve %s: %s", u->host, gai_strerror(gai));
		return -1;
	}
	int last = 0;
	c->fd = -1;
	for (struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		c->fd = fd;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && wait_fd(c, POLLOUT) == 0) {
			int soerr = 0;
			socklen_t sl = sizeof soerr;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				break;
			last = soerr ? soerr : errno;
		} else {
			last = c->timed_out ? ETIMEDOUT : errno;
		}
		close(fd);
		c->fd = -1;
		if (c->timed_out)
			break;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		if (c->timed_out)
			der_errf(err, err_len, "cannot connect to %s port %s: timed out after %u ms", u->host, u->port,
				 timeout_ms);
		else
			der_errf(err, err_len, "cannot connect to %s port %s: %s", u->host, u->port, strerror(last));
		return -1;
	}
	return 0;
}

/* ---- TLS errors as text ------------------------------------------------------------- */

static void tls_error_text(int code, const struct x509_watch *w, const struct https_url *u, const char *ca_file,
			   char *out, size_t cap)
{
	const char *leaf = w->leaf_subject[0] ? w->leaf_subject : "(no name)";
	switch (code) {
	case BR_ERR_X509_NOT_TRUSTED:
		snprintf(out, cap,
			 "the server's certificate \"%s\" (chain ending at issuer \"%s\") is not trusted: no CA in %s "
			 "signed it (BR_ERR_X509_NOT_TRUSTED)",
			 leaf, w->last_issuer[0] ? w->last_issuer : "?", ca_file);
		break;
	case BR_ERR_X509_BAD_SERVER_NAME:
		snprintf(out, cap,
			 "the server's certificate \"%s\" is not valid for the name '%s' (BR_ERR_X509_BAD_SERVER_NAME)",
			 leaf, u->host);
		break;
	case BR_ERR_X509_EXPIRED:
		snprintf(out, cap,
			 "a certificate of the server's chain (\"%s\") is expired or not yet valid (BR_ERR_X509_EXPIRED)",
			 leaf);
		break;
	case BR_ERR_X509_EMPTY_CHAIN:
		snprintf(out, cap, "the server sent no certificate (BR_ERR_X509_EMPTY_CHAIN)");
		break;
	case BR_ERR_X509_NOT_CA:
		snprintf(out, cap, "an intermediate of the server's chain is not a CA (BR_ERR_X509_NOT_CA)");
		break;
	case BR_ERR_X509_BAD_SIGNATURE:
		snprintf(out, cap, "a signature in the server's chain does not verify (BR_ERR_X509_BAD_SIGNATURE)");
		break;
	case BR_ERR_X509_DN_MISMATCH:
		snprintf(out, cap, "the server's chain is out of order (BR_ERR_X509_DN_MISMATCH)");
		break;
	case BR_ERR_X509_UNSUPPORTED:
		snprintf(out, cap, "the server's certificate uses an unsupported algorithm (BR_ERR_X509_UNSUPPORTED)");
		break;
	case BR_ERR_X509_WEAK_PUBLIC_KEY:
		snprintf(out, cap, "the server's chain holds a key that is too small (BR_ERR_X509_WEAK_PUBLIC_KEY)");
		break;
	case BR_ERR_BAD_CIPHER_SUITE:
	case BR_ERR_UNSUPPORTED_VERSION:
		snprintf(out, cap, "no TLS version or cipher suite in common with the server (BearSSL error %d)", code);
		break;
	default:
		if (code >= BR_ERR_X509_OK && code < BR_ERR_RECV_FATAL_ALERT)
			snprintf(out, cap, "the server's certificate \"%s\" was refused (BearSSL X.509 error %d)", leaf,
				 code);
		else
			chan_tls_describe(code, out, cap);
	}
}

/* ---- GET ------------------------------------------------------------------------------- */

int https_get(const char *url, const char *ca_file, unsigned timeout_ms, size_t max_body, uint8_t **body,
	      size_t *body_len, int *http_status, char *err, size_t err_len)
{
	struct https_url u;
	struct anchors tas;
	*body = NULL;
	*body_len = 0;
	*http_status = 0;
	if (!ca_file)
		ca_file = HTTPS_DEFAULT_CA_FILE;
	if (https_url_parse(url, &u, err, err_len) != 0 || anchors_load(&tas, ca_file, err, err_len) != 0)
		return -1;

	int rc = -1;
	struct conn c = {.fd = -1, .deadline_ms = now_ms() + timeout_ms};
	br_ssl_client_context *cc = malloc(sizeof *cc);
	br_x509_minimal_context *xc = malloc(sizeof *xc);
	struct x509_watch *w = malloc(sizeof *w);
	uint8_t *iobuf = malloc(BR_SSL_BUFSIZE_BIDI);
	size_t raw_cap = HTTP_HEADER_MAX + 2 * max_body + 4096, raw_len = 0, buf_cap = 16384;
	uint8_t *raw = malloc(buf_cap);
	uint8_t *out = malloc(max_body + 1);
	char req[HTTPS_PATH_MAX + HTTPS_HOST_MAX + 128];
	if (!cc || !xc || !w || !iobuf || !raw || !out) {
		der_errf(err, err_len, "out of memory");
		goto done;
	}
	if (dial(&c, &u, timeout_ms, err, err_len) != 0)
		goto done;

	br_ssl_client_init_full(cc, xc, tas.ta, tas.n);
	memset(w, 0, sizeof *w);
	w->vtable = &x509_watch_vtable;
	w->inner = &xc->vtable;
	br_ssl_engine_set_x509(&cc->eng, &w->vtable);
	br_ssl_engine_set_buffer(&cc->eng, iobuf, BR_SSL_BUFSIZE_BIDI, 1);
	/* SNI and the certificate's name check both use the URL's host. */
	if (!br_ssl_client_reset(cc, u.host, 0)) {
		der_errf(err, err_len, "TLS setup failed (BearSSL error %d)", br_ssl_engine_last_error(&cc->eng));
		goto done;
	}
	br_sslio_context ioc;
	br_sslio_init(&ioc, &cc->eng, low_read, &c, low_write, &c);
	int is_v6 = strchr(u.host, ':') != NULL;
	int rl = snprintf(req, sizeof req,
			  "GET %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: snpboot\r\nAccept: */*\r\n"
			  "Connection: close\r\n\r\n",
			  u.path, is_v6 ? "[" : "", u.host, is_v6 ? "]" : "", strcmp(u.port, "443") ? ":" : "",
			  strcmp(u.port, "443") ? u.port : "");
	int io_ok = rl > 0 && (size_t)rl < sizeof req && br_sslio_write_all(&ioc, req, (size_t)rl) == 0 &&
		    br_sslio_flush(&ioc) == 0;

	struct http_response r;
	enum http_parse_rc pr = HTTP_PARSE_NEED_MORE;
	char perr[256] = "";
	while (io_ok) {
		if (raw_len == buf_cap) {
			if (buf_cap >= raw_cap) {
				der_errf(err, err_len, "%s: response larger than %zu bytes", u.host, raw_cap);
				goto done;
			}
			size_t ncap = buf_cap * 2 > raw_cap ? raw_cap : buf_cap * 2;
			uint8_t *nraw = realloc(raw, ncap);
			if (!nraw) {
				der_errf(err, err_len, "out of memory");
				goto done;
			}
			raw = nraw;
			buf_cap = ncap;
		}
		int n = br_sslio_read(&ioc, raw + raw_len, buf_cap - raw_len);
		if (n < 0) {
			/* A clean TLS close (close_notify) ends a body without a length;
			 * a bare TCP close is accepted only once the message is complete. */
			int clean = br_ssl_engine_current_state(&cc->eng) == BR_SSL_CLOSED &&
				    br_ssl_engine_last_error(&cc->eng) == BR_ERR_OK;
			if (clean || c.eof)
				pr = http_response_parse(raw, raw_len, clean, out, max_body, &r, perr, sizeof perr);
			if (!clean && pr == HTTP_PARSE_NEED_MORE)
				io_ok = 0;
			break;
		}
		raw_len += (size_t)n;
		pr = http_response_parse(raw, raw_len, 0, out, max_body, &r, perr, sizeof perr);
		if (pr != HTTP_PARSE_NEED_MORE)
			break;
	}
	if (!io_ok) {
		int code = br_ssl_engine_last_error(&cc->eng);
		char what[512];
		if (c.timed_out)
			snprintf(what, sizeof what, "timed out after %u ms", timeout_ms);
		else if (code != BR_ERR_OK && code != BR_ERR_IO)
			tls_error_text(code, w, &u, ca_file, what, sizeof what);
		else if (c.sys_errno)
			snprintf(what, sizeof what, "%s", strerror(c.sys_errno));
		else if (raw_len)
			snprintf(what, sizeof what, "the connection closed before the response was complete");
		else
			snprintf(what, sizeof what, "the connection closed during the TLS handshake or before any answer");
		der_errf(err, err_len, "https://%s:%s: %s", u.host, u.port, what);
		goto done;
	}
	if (pr != HTTP_PARSE_DONE) {
		der_errf(err, err_len, "https://%s:%s: %s", u.host, u.port, perr);
		goto done;
	}
	*http_status = r.status;
	if (r.status != 200) {
		if (r.status == 429) {
			char ra[48] = "";
			if (r.retry_after)
				snprintf(ra, sizeof ra, "; retry after %u s", r.retry_after);
			der_errf(err, err_len, "%s: rate-limited by the server (HTTP 429 %s%s); try again later", url,
				 r.reason, ra);
		} else {
			der_errf(err, err_len, "%s: HTTP %d %s", url, r.status, r.reason);
		}
		goto done;
	}
	out[r.body_len] = 0;
	*body = out;
	*body_len = r.body_len;
	out = NULL;
	rc = 0;
done:
	if (c.fd >= 0)
		close(c.fd);
	free(out);
	free(raw);
	free(iobuf);
	free(w);
	free(xc);
	free(cc);
	anchors_free(&tas);
	return rc;
}
