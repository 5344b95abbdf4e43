#include "der.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void der_errf(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	if (!err || !err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

void der_err_prefix(char *err, size_t err_len, const char *prefix)
{
	if (!err || !err_len)
		return;
	size_t plen = strlen(prefix);
	size_t mlen = strnlen(err, err_len - 1);
	if (plen >= err_len - 1) {
		der_errf(err, err_len, "%s", prefix);
		return;
	}
	if (plen + mlen > err_len - 1)
		mlen = err_len - 1 - plen;
	memmove(err + plen, err, mlen);
	memcpy(err, prefix, plen);
	err[plen + mlen] = '\0';
}

void der_init(struct der *d, const uint8_t *buf, size_t len, char *err, size_t err_len)
{
	d->base = buf;
	d->p = buf;
	d->end = buf + len;
	d->err = err;
	d->err_len = err_len;
	if (err && err_len)
		err[0] = '\0';
}

int der_at_end(const struct der *d) { return d->p >= d->end; }
int der_peek_tag(const struct der *d) { return d->p < d->end ? d->p[0] : -1; }
size_t der_offset(const struct der *d) { return (size_t)(d->p - d->base); }

__attribute__((format(printf, 4, 5)))
static void fail_msg(const struct der *d, const uint8_t *at, const char *what, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	if (!d->err || !d->err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	der_errf(d->err, d->err_len, "%s at offset %zu: %s", what ? what : "DER element",
		 (size_t)(at - d->base), msg);
}
/* Evaluates to -1 visibly at the call site, so analyzers see every failure path return it. */
#define fail_at(...) (fail_msg(__VA_ARGS__), -1)

int der_next(struct der *d, struct der_tlv *t, const char *what)
{
	const uint8_t *start = d->p;
	size_t avail = (size_t)(d->end - d->p);
	size_t len, hdr;

	if (avail < 2)
		return fail_at(d, start, what, "truncated header, expected at least 2 bytes, got %zu", avail);
	uint8_t tag = start[0];
	if ((tag & 0x1f) == 0x1f)
		return fail_at(d, start, what, "multi-byte tag 0x%02x not supported", tag);
	uint8_t l0 = start[1];
	if (l0 < 0x80) {
		len = l0;
		hdr = 2;
	} else if (l0 == 0x80) {
		return fail_at(d, start, what, "indefinite length not allowed in DER");
	} else {
		size_t nb = l0 & 0x7f;
		if (nb > 4)
			return fail_at(d, start, what, "length of %zu bytes, expected at most 4", nb);
		if (avail < 2 + nb)
			return fail_at(d, start, what, "truncated length, expected %zu bytes, got %zu", nb,
				       avail - 2);
		if (start[2] == 0)
			return fail_at(d, start, what, "non-minimal length (leading zero byte)");
		len = 0;
		for (size_t i = 0; i < nb; i++)
			len = (len << 8) | start[2 + i];
		if (len < 0x80)
			return fail_at(d, start, what, "non-minimal length %zu in long form", len);
		hdr = 2 + nb;
	}
	if (len > avail - hdr)
		return fail_at(d, start, what, "length %zu runs past its parent, %zu bytes left", len,
			       avail - hdr);
	t->tag = tag;
	t->tlv = start;
	t->tlv_len = hdr + len;
	t->val = start + hdr;
	t->len = len;
	d->p = start + hdr + len;
	return 0;
}

int der_expect(struct der *d, uint8_t tag, struct der_tlv *t, const char *what)
{
	if (d->p >= d->end)
		return fail_at(d, d->p, what, "missing, expected tag 0x%02x, got end of data", tag);
	if (d->p[0] != tag)
		return fail_at(d, d->p, what, "expected tag 0x%02x, got 0x%02x", tag, d->p[0]);
	return der_next(d, t, what);
}

void der_open(const struct der *parent, const struct der_tlv *t, struct der *child)
{
	child->base = parent->base;
	child->p = t->val;
	child->end = t->val + t->len;
	child->err = parent->err;
	child->err_len = parent->err_len;
}

int der_enter(struct der *d, uint8_t tag, struct der *child, const char *what)
{
	struct der_tlv t;
	if (!(tag & 0x20))
		return fail_at(d, d->p, what, "internal: tag 0x%02x is not constructed", tag);
	if (der_expect(d, tag, &t, what))
		return -1;
	der_open(d, &t, child);
	return 0;
}

int der_finish(const struct der *d, const char *what)
{
	if (d->p != d->end)
		return fail_at(d, d->p, what, "%zu unexpected trailing bytes, expected none",
			       (size_t)(d->end - d->p));
	return 0;
}

static int integer_minimal(const struct der_tlv *t)
{
	if (t->len < 2)
		return 1;
	if (t->val[0] == 0x00 && !(t->val[1] & 0x80))
		return 0;
	if (t->val[0] == 0xff && (t->val[1] & 0x80))
		return 0;
	return 1;
}

int der_integer(struct der *d, struct der_tlv *t, const char *what)
{
	if (der_expect(d, DER_INTEGER, t, what))
		return -1;
	if (t->len == 0)
		return fail_at(d, t->tlv, what, "empty INTEGER");
	if (!integer_minimal(t))
		return fail_at(d, t->tlv, what, "non-minimal INTEGER encoding");
	return 0;
}

int der_uint32(struct der *d, uint32_t *v, const char *what)
{
	struct der_tlv t;
	if (der_integer(d, &t, what))
		return -1;
	if (t.val[0] & 0x80)
		return fail_at(d, t.tlv, what, "negative INTEGER, expected >= 0");
	const uint8_t *p = t.val;
	size_t n = t.len;
	if (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	if (n > 4)
		return fail_at(d, t.tlv, what, "INTEGER of %zu bytes, expected at most 32 bits", n);
	uint32_t x = 0;
	for (size_t i = 0; i < n; i++)
		x = (x << 8) | p[i];
	*v = x;
	return 0;
}

int der_unsigned(struct der *d, const uint8_t **mag, size_t *mag_len, const char *what)
{
	struct der_tlv t;
	if (der_integer(d, &t, what))
		return -1;
	if (t.val[0] & 0x80)
		return fail_at(d, t.tlv, what, "negative INTEGER, expected a positive value");
	const uint8_t *p = t.val;
	size_t n = t.len;
	if (p[0] == 0) {
		p++;
		n--;
	}
	if (n == 0)
		return fail_at(d, t.tlv, what, "INTEGER is zero, expected a positive value");
	*mag = p;
	*mag_len = n;
	return 0;
}

int der_serial(struct der *d, struct der_tlv *t, const char *what)
{
	if (der_expect(d, DER_INTEGER, t, what))
		return -1;
	/* RFC 5280 allows up to 20 octets; tolerate a little more, never empty. */
	if (t->len == 0 || t->len > 32)
		return fail_at(d, t->tlv, what, "serial of %zu bytes, expected 1..32", t->len);
	return 0;
}

void der_int_normalize(const uint8_t **val, size_t *len)
{
	const uint8_t *p = *val;
	size_t n = *len;
	while (n >= 2 && ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80)))) {
		p++;
		n--;
	}
	*val = p;
	*len = n;
}

int der_boolean(struct der *d, int *v, const char *what)
{
	struct der_tlv t;
	if (der_expect(d, DER_BOOLEAN, &t, what))
		return -1;
	if (t.len != 1)
		return fail_at(d, t.tlv, what, "BOOLEAN of %zu bytes, expected 1", t.len);
	if (t.val[0] != 0x00 && t.val[0] != 0xff)
		return fail_at(d, t.tlv, what, "BOOLEAN value 0x%02x, expected 0x00 or 0xff", t.val[0]);
	*v = t.val[0] == 0xff;
	return 0;
}

int der_null(struct der *d, const char *what)
{
	struct der_tlv t;
	if (der_expect(d, DER_NULL, &t, what))
		return -1;
	if (t.len != 0)
		return fail_at(d, t.tlv, what, "NULL with %zu content bytes, expected 0", t.len);
	return 0;
}

int der_oid(struct der *d, struct der_tlv *t, const char *what)
{
	if (der_expect(d, DER_OID, t, what))
		return -1;
	if (t->len == 0)
		return fail_at(d, t->tlv, what, "empty OBJECT IDENTIFIER");
	if (t->val[t->len - 1] & 0x80)
		return fail_at(d, t->tlv, what, "OBJECT IDENTIFIER ends inside a sub-identifier");
	/* A sub-identifier must not start with 0x80 (non-minimal base-128). */
	int at_start = 1;
	for (size_t i = 0; i < t->len; i++) {
		if (at_start && t->val[i] == 0x80)
			return fail_at(d, t->tlv, what, "non-minimal sub-identifier in OBJECT IDENTIFIER");
		at_start = !(t->val[i] & 0x80);
	}
	return 0;
}

int der_oid_eq(const struct der_tlv *t, const uint8_t *oid, size_t oid_len)
{
	return t->len == oid_len && memcmp(t->val, oid, oid_len) == 0;
}

int der_bit_string(struct der *d, const uint8_t **bits, size_t *len, const char *what)
{
	struct der_tlv t;
	if (der_expect(d, DER_BIT_STRING, &t, what))
		return -1;
	if (t.len == 0)
		return fail_at(d, t.tlv, what, "BIT STRING without its unused-bits octet");
	if (t.val[0] != 0)
		return fail_at(d, t.tlv, what, "BIT STRING with %u unused bits, expected 0", t.val[0]);
	*bits = t.val + 1;
	*len = t.len - 1;
	return 0;
}

int der_octet_string(struct der *d, const uint8_t **val, size_t *len, const char *what)
{
	struct der_tlv t;
	if (der_expect(d, DER_OCTET_STRING, &t, what))
		return -1;
	*val = t.val;
	*len = t.len;
	return 0;
}

int der_ia5_string(struct der *d, const uint8_t **s, size_t *len, const char *what)
{
	struct der_tlv t;
	if (der_expect(d, DER_IA5_STRING, &t, what))
		return -1;
	for (size_t i = 0; i < t.len; i++)
		if (t.val[i] == 0 || t.val[i] > 0x7f)
			return fail_at(d, t.tlv, what, "IA5String byte 0x%02x at index %zu, expected 0x01..0x7f",
				       t.val[i], i);
	*s = t.val;
	*len = t.len;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int dd)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int digits(const uint8_t *p, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

int der_time(struct der *d, int64_t *secs, const char *what)
{
	struct der_tlv t;
	int year, mon, day, hh, mm, ss;
	const uint8_t *p;

	if (der_peek_tag(d) != DER_UTC_TIME && der_peek_tag(d) != DER_GENERALIZED_TIME) {
		if (der_at_end(d))
			return fail_at(d, d->p, what, "missing, expected UTCTime or GeneralizedTime");
		return fail_at(d, d->p, what, "expected UTCTime (0x17) or GeneralizedTime (0x18), got tag 0x%02x",
			       d->p[0]);
	}
	if (der_next(d, &t, what))
		return -1;
	p = t.val;
	if (t.tag == DER_UTC_TIME) {
		if (t.len != 13 || p[12] != 'Z')
			return fail_at(d, t.tlv, what, "UTCTime of %zu bytes, expected YYMMDDHHMMSSZ", t.len);
		if (digits(p, 2, &year))
			return fail_at(d, t.tlv, what, "UTCTime year is not digits");
		year += year >= 50 ? 1900 : 2000; /* RFC 5280 4.1.2.5.1 */
		p += 2;
	} else {
		if (t.len != 15 || p[14] != 'Z')
			return fail_at(d, t.tlv, what, "GeneralizedTime of %zu bytes, expected YYYYMMDDHHMMSSZ",
				       t.len);
		if (digits(p, 4, &year))
			return fail_at(d, t.tlv, what, "GeneralizedTime year is not digits");
		p += 4;
	}
	if (digits(p, 2, &mon) || digits(p + 2, 2, &day) || digits(p + 4, 2, &hh) ||
	    digits(p + 6, 2, &mm) || digits(p + 8, 2, &ss))
		return fail_at(d, t.tlv, what, "time field is not digits");
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mon < 1 || mon > 12)
		return fail_at(d, t.tlv, what, "month %d, expected 1..12", mon);
	int dim = mdays[mon - 1] + (mon == 2 && is_leap(year));
	if (day < 1 || day > dim)
		return fail_at(d, t.tlv, what, "day %d, expected 1..%d", day, dim);
	if (hh > 23 || mm > 59 || ss > 59)
		return fail_at(d, t.tlv, what, "time of day %02d:%02d:%02d out of range", hh, mm, ss);
	*secs = days_from_civil(year, mon, day) * 86400 + (int64_t)hh * 3600 + (int64_t)mm * 60 + ss;
	return 0;
}
