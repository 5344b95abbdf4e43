/*
 * A small strict DER reader (X.690 distinguished encoding) over caller
 * bytes: no allocation, every length checked against its parent.
 *
 * A struct der is a cursor over the contents of one constructed element (or
 * the whole input). Reading an element advances the cursor; entering a
 * SEQUENCE/SET/[n] gives a child cursor bounded by that element, so nothing
 * can be read past a parent. Only single-byte identifiers (tag numbers < 31)
 * and definite, minimally encoded lengths are accepted.
 *
 * Errors: functions return 0 or -1. On the first failure the cursor's error
 * buffer (if any) gets "<what> at offset N: <problem>, expected X, got Y";
 * offsets count from the start of the input given to der_init. `what` is the
 * caller's name for the field (e.g. "tbsCertificate.serialNumber").
 */
#ifndef SNPBOOT_DER_H
#define SNPBOOT_DER_H

#include <stddef.h>
#include <stdint.h>

/* Identifier octets (universal class, and context-specific helpers). */
enum {
	DER_BOOLEAN = 0x01,
	DER_INTEGER = 0x02,
	DER_BIT_STRING = 0x03,
	DER_OCTET_STRING = 0x04,
	DER_NULL = 0x05,
	DER_OID = 0x06,
	DER_UTF8_STRING = 0x0c,
	DER_PRINTABLE_STRING = 0x13,
	DER_IA5_STRING = 0x16,
	DER_UTC_TIME = 0x17,
	DER_GENERALIZED_TIME = 0x18,
	DER_SEQUENCE = 0x30,
	DER_SET = 0x31,
};
#define DER_CTX_CONS(n) ((uint8_t)(0xa0 | (n))) /* [n] constructed (EXPLICIT or IMPLICIT SEQUENCE) */
#define DER_CTX_PRIM(n) ((uint8_t)(0x80 | (n))) /* [n] primitive (IMPLICIT) */

struct der {
	const uint8_t *base; /* start of the whole input: error offsets are relative to it */
	const uint8_t *p;    /* next unread byte */
	const uint8_t *end;  /* end of the element this cursor walks */
	char *err;           /* first error goes here (may be NULL) */
	size_t err_len;
};

/* One element: the whole TLV and its contents. */
struct der_tlv {
	uint8_t tag;
	const uint8_t *tlv; /* identifier octet onward */
	size_t tlv_len;
	const uint8_t *val; /* contents */
	size_t len;
};

void der_init(struct der *d, const uint8_t *buf, size_t len, char *err, size_t err_len);
/* 1 when the cursor has nothing left. */
int der_at_end(const struct der *d);
/* Identifier octet of the next element, or -1 at the end. */
int der_peek_tag(const struct der *d);
/* Offset of the cursor from the input start (for messages). */
size_t der_offset(const struct der *d);

/* Reads the next element, whatever its tag. */
int der_next(struct der *d, struct der_tlv *t, const char *what);
/* Reads the next element, which must have tag `tag`. */
int der_expect(struct der *d, uint8_t tag, struct der_tlv *t, const char *what);
/* Reads a constructed element with tag `tag` and opens a child cursor on its contents. */
int der_enter(struct der *d, uint8_t tag, struct der *child, const char *what);
/* Child cursor on an already read element's contents (errors report the same input offsets). */
void der_open(const struct der *parent, const struct der_tlv *t, struct der *child);
/* Fails unless the cursor is exhausted: no trailing bytes inside a parent. */
int der_finish(const struct der *d, const char *what);

/*
 * INTEGER, strict: non-empty and minimal (no redundant leading 0x00/0xff).
 * val/len of t are the two's-complement contents.
 */
int der_integer(struct der *d, struct der_tlv *t, const char *what);
/* Non-negative INTEGER that fits in 32 bits. */
int der_uint32(struct der *d, uint32_t *v, const char *what);
/*
 * Positive INTEGER as an unsigned big-endian magnitude (leading 0x00 sign
 * byte removed), for RSA moduli and exponents. Zero and negatives refused.
 */
int der_unsigned(struct der *d, const uint8_t **mag, size_t *mag_len, const char *what);
/*
 * X.509 serialNumber, lenient on purpose: real AMD VCEKs carry a zero serial
 * and serials seen in the field may be negative or non-minimal. Accepts 1..32
 * content bytes of any value. Use der_int_normalize before comparing.
 */
int der_serial(struct der *d, struct der_tlv *t, const char *what);
/* Strips redundant sign-extension bytes so equal integers compare byte-equal. */
void der_int_normalize(const uint8_t **val, size_t *len);

int der_boolean(struct der *d, int *v, const char *what); /* DER: only 0x00 and 0xff */
int der_null(struct der *d, const char *what);
/* OBJECT IDENTIFIER, checked well-formed (minimal base-128 sub-identifiers). */
int der_oid(struct der *d, struct der_tlv *t, const char *what);
/* 1 if the OID element's contents equal oid (contents bytes, no tag/length). */
int der_oid_eq(const struct der_tlv *t, const uint8_t *oid, size_t oid_len);
/* BIT STRING with zero unused bits; bits/len are the bytes after the unused-bits octet. */
int der_bit_string(struct der *d, const uint8_t **bits, size_t *len, const char *what);
int der_octet_string(struct der *d, const uint8_t **val, size_t *len, const char *what);
/* IA5String: 7-bit ASCII contents, no NUL. */
int der_ia5_string(struct der *d, const uint8_t **s, size_t *len, const char *what);
/*
 * UTCTime (YYMMDDHHMMSSZ, 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ, no
 * fractions) as RFC 5280 profiles them, to seconds since the Unix epoch.
 */
int der_time(struct der *d, int64_t *secs, const char *what);

/* Formats into err (if err && err_len): a snprintf that never overflows. */
void der_errf(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepends prefix to the message already in err (truncating at the end). */
void der_err_prefix(char *err, size_t err_len, const char *prefix);

#endif
