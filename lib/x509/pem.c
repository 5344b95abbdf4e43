#include "pem.h"

#include <string.h>

#include "base/bytes.h"
#include "der/der.h"

static const char begin_tag[] = "-----BEGIN ";
static const char end_tag[] = "-----END ";
static const char dashes[] = "-----";

/* Offset of needle in hay[from..len), or len if absent. */
static size_t find(const char *hay, size_t len, size_t from, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = from; i < len && len - i >= n; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return i;
	return len;
}

int pem_detect(const char *text, size_t text_len) { return find(text, text_len, 0, begin_tag) < text_len; }

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Decodes base64 in text[from..to) skipping whitespace, 4 characters at a time. */
static int decode_body(const char *text, size_t from, size_t to, uint8_t *out, size_t out_cap, size_t *out_len,
		       char *err, size_t err_len)
{
	char quad[4];
	int q = 0, padded = 0;
	size_t o = 0;
	/* RFC 1421 headers ("Proc-Type: ...") mean encrypted or annotated data: not a plain certificate. */
	const char *colon = memchr(text + from, ':', to - from);
	if (colon) {
		der_errf(err, err_len, "PEM: header line at offset %zu not supported", (size_t)(colon - text));
		return -1;
	}
	for (size_t i = from; i < to; i++) {
		char c = text[i];
		if (is_space(c))
			continue;
		if (padded) {
			der_errf(err, err_len, "PEM: base64 data after padding at offset %zu", i);
			return -1;
		}
		quad[q++] = c;
		if (q == 4) {
			long n = base64_decode(out + o, out_cap - o, quad, 4);
			if (n < 0) {
				der_errf(err, err_len, "PEM: bad base64 (or output over %zu bytes) near offset %zu",
					 out_cap, i);
				return -1;
			}
			padded = n < 3;
			o += (size_t)n;
			q = 0;
		}
	}
	if (q != 0) {
		der_errf(err, err_len, "PEM: base64 length not a multiple of 4 (%d characters left over)", q);
		return -1;
	}
	if (o == 0) {
		der_errf(err, err_len, "PEM: empty block");
		return -1;
	}
	*out_len = o;
	return 0;
}

int pem_next(const char *text, size_t text_len, size_t *pos, const char *label, uint8_t *out, size_t out_cap,
	     size_t *out_len, char *err, size_t err_len)
{
	size_t at = *pos;
	for (;;) {
		size_t b = find(text, text_len, at, begin_tag);
		if (b >= text_len)
			return 0;
		size_t lab = b + sizeof(begin_tag) - 1;
		size_t lab_end = find(text, text_len, lab, dashes);
		size_t eol = find(text, text_len, lab, "\n");
		if (lab_end >= text_len || lab_end > eol) {
			der_errf(err, err_len, "PEM: BEGIN line at offset %zu not closed by -----", b);
			return -1;
		}
		size_t lab_len = lab_end - lab;
		size_t body = lab_end + sizeof(dashes) - 1;
		/* The END line must carry the same label. */
		size_t e = find(text, text_len, body, end_tag);
		if (e >= text_len) {
			der_errf(err, err_len, "PEM: block at offset %zu has no END line", b);
			return -1;
		}
		size_t elab = e + sizeof(end_tag) - 1;
		if (text_len - elab < lab_len + sizeof(dashes) - 1 || memcmp(text + elab, text + lab, lab_len) != 0 ||
		    memcmp(text + elab + lab_len, dashes, sizeof(dashes) - 1) != 0) {
			der_errf(err, err_len, "PEM: END line at offset %zu does not match BEGIN label", e);
			return -1;
		}
		size_t next = elab + lab_len + sizeof(dashes) - 1;
		if (label && (strlen(label) != lab_len || memcmp(label, text + lab, lab_len) != 0)) {
			at = next;
			continue;
		}
		if (decode_body(text, body, e, out, out_cap, out_len, err, err_len))
			return -1;
		*pos = next;
		return 1;
	}
}
