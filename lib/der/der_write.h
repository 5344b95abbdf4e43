/*
 * A minimal DER writer (X.690 distinguished encoding) into a caller
 * buffer: no allocation, fixed nesting depth, definite minimal lengths.
 *
 * Errors are sticky, as in BearSSL's encoders: once the buffer is too
 * small, nesting is unbalanced or too deep, or a value cannot be encoded,
 * every later call does nothing and der_writer_finish reports why. So a
 * whole structure is written without checking each call.
 *
 * Constructed elements (SEQUENCE, SET, [n], and OCTET STRING / BIT STRING
 * wrappers around encoded contents) are written with der_begin ... der_end:
 * der_begin reserves a one-byte length and der_end moves the contents right
 * when the length needs more bytes. That costs a memmove per element, which
 * is nothing at certificate sizes.
 */
#ifndef SNPBOOT_DER_WRITE_H
#define SNPBOOT_DER_WRITE_H

#include <stddef.h>
#include <stdint.h>

#define DER_WRITER_MAX_DEPTH 12

struct der_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;                             /* bytes written so far */
	size_t depth;
	size_t open[DER_WRITER_MAX_DEPTH];      /* offset of each open element's tag */
	const char *error;                      /* first error (static text), or NULL */
};

void der_writer_init(struct der_writer *w, uint8_t *buf, size_t cap);

/* One primitive element: tag, minimal length, contents. */
void der_put_tlv(struct der_writer *w, uint8_t tag, const void *val, size_t len);
/* Bytes that are already DER (a whole element), copied as they are. */
void der_put_raw(struct der_writer *w, const void *der, size_t len);
/* INTEGER from an unsigned big-endian magnitude (leading zeros dropped,
 * a 0x00 sign byte added when the top bit is set; empty or all-zero = 0). */
void der_put_uint(struct der_writer *w, const uint8_t *mag, size_t len);
void der_put_small_uint(struct der_writer *w, uint32_t v);
void der_put_boolean(struct der_writer *w, int v);
void der_put_null(struct der_writer *w);
/* OBJECT IDENTIFIER from its contents bytes (as in x509.h's tables). */
void der_put_oid(struct der_writer *w, const uint8_t *oid, size_t len);
/* BIT STRING with zero unused bits. */
void der_put_bit_string(struct der_writer *w, const uint8_t *bits, size_t len);
void der_put_octet_string(struct der_writer *w, const uint8_t *val, size_t len);
/* UTF8String of a NUL-terminated string. */
void der_put_utf8_string(struct der_writer *w, const char *s);
/* RFC 5280 4.1.2.5: UTCTime for years 1950-2049, GeneralizedTime otherwise
 * (years 0000-9999); seconds since the Unix epoch, always "Z". */
void der_put_time(struct der_writer *w, int64_t secs);

/* Opens a constructed element (or a BIT STRING / OCTET STRING whose
 * contents are written next: for BIT STRING the unused-bits octet 0 is
 * written here). Must be closed by der_end. */
void der_begin(struct der_writer *w, uint8_t tag);
void der_end(struct der_writer *w);

/* 0 and *len = bytes written, or -1 with *why (static text) when any step
 * failed or an element is still open. len and why may be NULL. */
int der_writer_finish(const struct der_writer *w, size_t *len, const char **why);

#endif
