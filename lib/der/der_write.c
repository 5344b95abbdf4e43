/* Minimal DER writer; see der_write.h. */
#include "der_write.h"

#include <string.h>

#include "der.h"

static void fail(struct der_writer *w, const char *why)
{
	if (!w->error)
		w->error = why;
}

static int room(struct der_writer *w, size_t n)
{
	if (w->error)
		return 0;
	if (n > w->cap - w->len) {
		fail(w, "DER output buffer too small");
		return 0;
	}
	return 1;
}

static void put_bytes(struct der_writer *w, const void *p, size_t n)
{
	if (!room(w, n))
		return;
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_byte(struct der_writer *w, uint8_t b) { put_bytes(w, &b, 1); }

/* Bytes taken by the length octets of a length-len element. */
static size_t length_size(size_t len)
{
	size_t n = 1;
	if (len >= 0x80)
		for (size_t v = len; v; v >>= 8)
			n++;
	return n;
}

static void encode_length(uint8_t *out, size_t len)
{
	size_t n = length_size(len);
	if (n == 1) {
		out[0] = (uint8_t)len;
		return;
	}
	out[0] = (uint8_t)(0x80 | (n - 1));
	for (size_t i = n - 1; i >= 1; i--, len >>= 8)
		out[i] = (uint8_t)len;
}

static void put_header(struct der_writer *w, uint8_t tag, size_t len)
{
	uint8_t hdr[1 + 1 + sizeof(size_t)];
	hdr[0] = tag;
	encode_length(hdr + 1, len);
	put_bytes(w, hdr, 1 + length_size(len));
}

void der_writer_init(struct der_writer *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = buf ? cap : 0;
}

void der_put_tlv(struct der_writer *w, uint8_t tag, const void *val, size_t len)
{
	put_header(w, tag, len);
	put_bytes(w, val, len);
}

void der_put_raw(struct der_writer *w, const void *der, size_t len) { put_bytes(w, der, len); }

void der_put_uint(struct der_writer *w, const uint8_t *mag, size_t len)
{
	while (len > 0 && mag[0] == 0) {
		mag++;
		len--;
	}
	if (len == 0) {
		static const uint8_t zero = 0;
		der_put_tlv(w, DER_INTEGER, &zero, 1);
		return;
	}
	/* A set top bit would read as negative: prefix the 0x00 sign byte. */
	int pad = (mag[0] & 0x80) != 0;
	put_header(w, DER_INTEGER, len + (size_t)pad);
	if (pad)
		put_byte(w, 0);
	put_bytes(w, mag, len);
}

void der_put_small_uint(struct der_writer *w, uint32_t v)
{
	uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	der_put_uint(w, be, sizeof(be));
}

void der_put_boolean(struct der_writer *w, int v)
{
	uint8_t b = v ? 0xff : 0x00; /* DER: TRUE is exactly 0xff */
	der_put_tlv(w, DER_BOOLEAN, &b, 1);
}

void der_put_null(struct der_writer *w) { der_put_tlv(w, DER_NULL, NULL, 0); }

void der_put_oid(struct der_writer *w, const uint8_t *oid, size_t len)
{
	if (len == 0) {
		fail(w, "empty OBJECT IDENTIFIER");
		return;
	}
	der_put_tlv(w, DER_OID, oid, len);
}

void der_put_bit_string(struct der_writer *w, const uint8_t *bits, size_t len)
{
	put_header(w, DER_BIT_STRING, len + 1);
	put_byte(w, 0);
	put_bytes(w, bits, len);
}

void der_put_octet_string(struct der_writer *w, const uint8_t *val, size_t len)
{
	der_put_tlv(w, DER_OCTET_STRING, val, len);
}

void der_put_utf8_string(struct der_writer *w, const char *s) { der_put_tlv(w, DER_UTF8_STRING, s, strlen(s)); }

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * civil_from_days algorithm, restated). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void put_digits(uint8_t *out, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		out[i] = (uint8_t)('0' + v % 10);
}

void der_put_time(struct der_writer *w, int64_t secs)
{
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t rem = secs - days * 86400, year;
	unsigned mon, day;
	uint8_t s[15];
	size_t n = 0;

	civil_from_days(days, &year, &mon, &day);
	if (year < 0 || year > 9999) {
		fail(w, "certificate time outside years 0000-9999");
		return;
	}
	if (year >= 1950 && year <= 2049) {
		put_digits(s, (unsigned)(year % 100), 2);
		n = 2;
	} else {
		put_digits(s, (unsigned)year, 4);
		n = 4;
	}
	put_digits(s + n, mon, 2);
	put_digits(s + n + 2, day, 2);
	put_digits(s + n + 4, (unsigned)(rem / 3600), 2);
	put_digits(s + n + 6, (unsigned)(rem / 60 % 60), 2);
	put_digits(s + n + 8, (unsigned)(rem % 60), 2);
	s[n + 10] = 'Z';
	der_put_tlv(w, n == 2 ? DER_UTC_TIME : DER_GENERALIZED_TIME, s, n + 11);
}

void der_begin(struct der_writer *w, uint8_t tag)
{
	if (w->error)
		return;
	if (w->depth >= DER_WRITER_MAX_DEPTH) {
		fail(w, "DER nesting deeper than DER_WRITER_MAX_DEPTH");
		return;
	}
	size_t at = w->len;
	put_byte(w, tag);
	put_byte(w, 0); /* length placeholder, widened by der_end if needed */
	if (tag == DER_BIT_STRING)
		put_byte(w, 0); /* unused-bits octet */
	if (!w->error)
		w->open[w->depth++] = at;
}

void der_end(struct der_writer *w)
{
	if (w->error)
		return;
	if (w->depth == 0) {
		fail(w, "der_end without der_begin");
		return;
	}
	size_t at = w->open[--w->depth];
	size_t body = at + 2, len = w->len - body, extra = length_size(len) - 1;
	if (extra) {
		if (!room(w, extra))
			return;
		memmove(w->buf + body + extra, w->buf + body, len);
		w->len += extra;
	}
	encode_length(w->buf + at + 1, len);
}

int der_writer_finish(const struct der_writer *w, size_t *len, const char **why)
{
	const char *e = w->error;
	if (!e && w->depth)
		e = "DER element left open (der_begin without der_end)";
	if (why)
		*why = e;
	if (e)
		return -1;
	if (len)
		*len = w->len;
	return 0;
}
