/* Strict DER reader: lengths, tags, integers, OIDs, strings, times, nesting. */
#include <stdint.h>
#include <string.h>

#include "../tap.h"
#include "der/der.h"

static char err[256];

#define INIT(d, ...)                                                  \
	static const uint8_t d##_buf[] = {__VA_ARGS__};               \
	struct der d;                                                 \
	der_init(&d, d##_buf, sizeof(d##_buf), err, sizeof(err))

static void test_lengths(void)
{
	struct der_tlv t;
	{
		INIT(d, 0x04, 0x03, 1, 2, 3);
		ok(der_next(&d, &t, "x") == 0 && t.tag == 0x04 && t.len == 3 && t.val == d_buf + 2 && t.tlv_len == 5,
		   "short form");
		ok(der_at_end(&d), "consumed");
		ok(der_next(&d, &t, "x") < 0 && strstr(err, "truncated header"), "nothing left: %s", err);
	}
	{
		uint8_t buf[3 + 200];
		memset(buf, 0, sizeof(buf));
		buf[0] = 0x04, buf[1] = 0x81, buf[2] = 200;
		struct der d;
		der_init(&d, buf, sizeof(buf), err, sizeof(err));
		ok(der_next(&d, &t, "x") == 0 && t.len == 200, "long form 0x81");
		buf[1] = 0x82, buf[2] = 0;
		der_init(&d, buf, sizeof(buf), err, sizeof(err));
		ok(der_next(&d, &t, "x") < 0 && strstr(err, "non-minimal length"), "0x82 0x00 ..: %s", err);
	}
	{
		INIT(d, 0x04, 0x81, 0x05, 1, 2, 3, 4, 5);
		ok(der_next(&d, &t, "x") < 0 && strstr(err, "non-minimal length 5"), "long form for a short length: %s", err);
	}
	{
		INIT(d, 0x30, 0x80, 0x00, 0x00);
		ok(der_next(&d, &t, "x") < 0 && strstr(err, "indefinite"), "indefinite length: %s", err);
	}
	{
		INIT(d, 0x04, 0x85, 1, 0, 0, 0, 0);
		ok(der_next(&d, &t, "x") < 0 && strstr(err, "at most 4"), "5-byte length: %s", err);
	}
	{
		INIT(d, 0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 0);
		ok(der_next(&d, &t, "x") < 0 && strstr(err, "runs past"), "huge length past the end: %s", err);
	}
	{
		INIT(d, 0x04, 0x82, 0x01);
		ok(der_next(&d, &t, "x") < 0 && strstr(err, "truncated length"), "truncated length bytes: %s", err);
	}
	{
		INIT(d, 0x04, 0x05, 1, 2);
		ok(der_next(&d, &t, "field.name") < 0 && strstr(err, "field.name at offset 0") && strstr(err, "runs past"),
		   "length past the parent, named with offset: %s", err);
	}
	{
		INIT(d, 0x1f, 0x81, 0x01, 0x00);
		ok(der_next(&d, &t, "x") < 0 && strstr(err, "multi-byte tag"), "high tag number form: %s", err);
	}
	{
		INIT(d, 0x02, 0x01, 0x05);
		ok(der_expect(&d, DER_OCTET_STRING, &t, "x") < 0 && strstr(err, "expected tag 0x04, got 0x02"),
		   "expected vs got tag: %s", err);
		ok(der_offset(&d) == 0, "cursor not advanced on failure");
	}
}

static void test_nesting(void)
{
	struct der inner, in2;
	struct der_tlv t;
	{
		/* SEQUENCE { INTEGER 1 } followed by an OCTET STRING outside it. */
		INIT(d, 0x30, 0x03, 0x02, 0x01, 0x01, 0x04, 0x00);
		ok(der_enter(&d, DER_SEQUENCE, &inner, "seq") == 0, "enter SEQUENCE");
		ok(der_integer(&inner, &t, "int") == 0 && der_finish(&inner, "seq") == 0, "child fully read");
		ok(der_next(&inner, &t, "more") < 0, "child cannot read past its parent");
		ok(der_peek_tag(&d) == DER_OCTET_STRING, "parent continues after the SEQUENCE");
	}
	{
		/* Inner length claims more than the SEQUENCE holds. */
		INIT(d, 0x30, 0x03, 0x02, 0x03, 0x01, 0x04, 0x00);
		ok(der_enter(&d, DER_SEQUENCE, &inner, "seq") == 0 && der_integer(&inner, &t, "int") < 0 &&
			   strstr(err, "int at offset 2") && strstr(err, "1 bytes left"),
		   "inner element bounded by the parent: %s", err);
	}
	{
		INIT(d, 0x30, 0x04, 0x02, 0x01, 0x01, 0x00);
		ok(der_enter(&d, DER_SEQUENCE, &inner, "seq") == 0 && der_integer(&inner, &t, "int") == 0 &&
			   der_finish(&inner, "seq") < 0 && strstr(err, "1 unexpected trailing bytes"),
		   "trailing byte inside a SEQUENCE: %s", err);
	}
	{
		INIT(d, 0xa3, 0x05, 0x31, 0x03, 0x05, 0x01, 0x00);
		ok(der_enter(&d, DER_CTX_CONS(3), &inner, "[3]") == 0 && der_enter(&inner, DER_SET, &in2, "set") == 0 &&
			   der_null(&in2, "null") < 0,
		   "[3] { SET { NULL with content } } refused: %s", err);
	}
	{
		INIT(d, 0x04, 0x00);
		ok(der_enter(&d, DER_OCTET_STRING, &inner, "x") < 0, "der_enter on a primitive tag refused");
	}
}

static void test_integers(void)
{
	struct der_tlv t;
	uint32_t v;
	const uint8_t *m;
	size_t ml;
	{
		INIT(d, 0x02, 0x00);
		ok(der_integer(&d, &t, "x") < 0 && strstr(err, "empty"), "empty INTEGER: %s", err);
	}
	{
		INIT(d, 0x02, 0x02, 0x00, 0x7f);
		ok(der_integer(&d, &t, "x") < 0 && strstr(err, "non-minimal"), "00 7f non-minimal: %s", err);
	}
	{
		INIT(d, 0x02, 0x02, 0xff, 0x80);
		ok(der_integer(&d, &t, "x") < 0, "ff 80 non-minimal");
	}
	{
		INIT(d, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x80, 0x02, 0x01, 0x00);
		ok(der_integer(&d, &t, "x") == 0 && t.len == 2, "00 80 is minimal (128)");
		ok(der_integer(&d, &t, "x") == 0 && t.len == 1, "80 is minimal (-128)");
		ok(der_integer(&d, &t, "x") == 0, "zero");
	}
	{
		INIT(d, 0x02, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff, 0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01,
		     0xff);
		ok(der_uint32(&d, &v, "x") == 0 && v == 0xffffffffu, "uint32 max");
		ok(der_uint32(&d, &v, "x") < 0 && strstr(err, "at most 32 bits"), "2^32 refused: %s", err);
		ok(der_uint32(&d, &v, "y") < 0 && strstr(err, "negative"), "-1 refused as uint32: %s", err);
	}
	{
		INIT(d, 0x02, 0x03, 0x00, 0x80, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x90);
		ok(der_unsigned(&d, &m, &ml, "n") == 0 && ml == 2 && m[0] == 0x80, "unsigned strips the sign byte");
		ok(der_unsigned(&d, &m, &ml, "n") < 0 && strstr(err, "zero"), "zero modulus refused: %s", err);
		ok(der_unsigned(&d, &m, &ml, "n") < 0 && strstr(err, "negative"), "negative modulus refused: %s", err);
	}
	{
		/* Serials: zero (the real Milan VCEK), negative and non-minimal are accepted. */
		INIT(d, 0x02, 0x01, 0x00, 0x02, 0x02, 0xff, 0x85, 0x02, 0x03, 0x00, 0x00, 0x05, 0x02, 0x00);
		ok(der_serial(&d, &t, "serial") == 0 && t.len == 1 && t.val[0] == 0, "zero serial accepted");
		ok(der_serial(&d, &t, "serial") == 0 && t.len == 2, "non-minimal negative serial accepted");
		ok(der_serial(&d, &t, "serial") == 0, "non-minimal positive serial accepted");
		const uint8_t *p = t.val;
		size_t n = t.len;
		der_int_normalize(&p, &n);
		ok(n == 1 && p[0] == 5, "normalized 00 00 05 -> 05");
		ok(der_serial(&d, &t, "serial") < 0 && strstr(err, "expected 1..32"), "empty serial refused: %s", err);
	}
	{
		uint8_t buf[2 + 33];
		memset(buf, 1, sizeof(buf));
		buf[0] = 0x02, buf[1] = 33;
		struct der d;
		der_init(&d, buf, sizeof(buf), err, sizeof(err));
		ok(der_serial(&d, &t, "serial") < 0, "33-byte serial refused");
	}
	{
		const uint8_t ff[] = {0xff, 0xff, 0x85}, neg[] = {0xff}, pos[] = {0x00, 0x80};
		const uint8_t *p = ff;
		size_t n = 3;
		der_int_normalize(&p, &n);
		ok(n == 1 && p[0] == 0x85, "ff ff 85 -> 85");
		p = neg, n = 1;
		der_int_normalize(&p, &n);
		ok(n == 1, "ff stays");
		p = pos, n = 2;
		der_int_normalize(&p, &n);
		ok(n == 2, "00 80 stays");
	}
}

static void test_simple(void)
{
	struct der_tlv t;
	int b;
	const uint8_t *p;
	size_t n;
	{
		INIT(d, 0x01, 0x01, 0xff, 0x01, 0x01, 0x00, 0x01, 0x01, 0x01, 0x01, 0x02, 0xff, 0xff);
		ok(der_boolean(&d, &b, "b") == 0 && b == 1, "TRUE");
		ok(der_boolean(&d, &b, "b") == 0 && b == 0, "FALSE");
		ok(der_boolean(&d, &b, "b") < 0 && strstr(err, "0x01"), "BOOLEAN 0x01 refused (DER): %s", err);
		ok(der_boolean(&d, &b, "b") < 0, "2-byte BOOLEAN refused");
	}
	{
		static const uint8_t sha384[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
		INIT(d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x06, 0x02, 0x2b, 0x86, 0x06,
		     0x02, 0x80, 0x01, 0x06, 0x00);
		ok(der_oid(&d, &t, "oid") == 0 && der_oid_eq(&t, sha384, sizeof(sha384)), "OID sha384");
		ok(!der_oid_eq(&t, sha384, sizeof(sha384) - 1), "prefix is not equal");
		ok(der_oid(&d, &t, "oid") < 0 && strstr(err, "ends inside"), "OID ending with a continuation byte: %s", err);
		ok(der_oid(&d, &t, "oid") < 0 && strstr(err, "non-minimal"), "sub-identifier starting 0x80: %s", err);
		ok(der_oid(&d, &t, "oid") < 0 && strstr(err, "empty"), "empty OID: %s", err);
	}
	{
		INIT(d, 0x03, 0x03, 0x00, 0xab, 0xcd, 0x03, 0x02, 0x01, 0x80, 0x03, 0x00);
		ok(der_bit_string(&d, &p, &n, "bits") == 0 && n == 2 && p[0] == 0xab, "BIT STRING with 0 unused bits");
		ok(der_bit_string(&d, &p, &n, "bits") < 0 && strstr(err, "1 unused bits"), "unused bits refused: %s", err);
		ok(der_bit_string(&d, &p, &n, "bits") < 0 && strstr(err, "unused-bits octet"), "empty BIT STRING: %s", err);
	}
	{
		INIT(d, 0x16, 0x03, 'a', 'b', 'c', 0x16, 0x02, 'a', 0x80, 0x16, 0x01, 0x00, 0x04, 0x01, 0x07);
		ok(der_ia5_string(&d, &p, &n, "s") == 0 && n == 3 && !memcmp(p, "abc", 3), "IA5String");
		ok(der_ia5_string(&d, &p, &n, "s") < 0 && strstr(err, "0x80"), "8-bit IA5String refused: %s", err);
		ok(der_ia5_string(&d, &p, &n, "s") < 0, "NUL in IA5String refused");
		ok(der_octet_string(&d, &p, &n, "o") == 0 && n == 1 && p[0] == 7, "OCTET STRING");
	}
	{
		INIT(d, 0x05, 0x00, 0x05, 0x01, 0x00);
		ok(der_null(&d, "n") == 0, "NULL");
		ok(der_null(&d, "n") < 0, "NULL with content refused");
	}
}

static int time_of(const char *s, uint8_t tag, int64_t *out)
{
	uint8_t buf[64];
	size_t n = strlen(s);
	buf[0] = tag;
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, s, n);
	struct der d;
	der_init(&d, buf, n + 2, err, sizeof(err));
	return der_time(&d, out, "time");
}

static void test_times(void)
{
	int64_t t;
	ok(time_of("230403192343Z", DER_UTC_TIME, &t) == 0 && t == 1680549823, "UTCTime 2023-04-03 19:23:43");
	ok(time_of("491231235959Z", DER_UTC_TIME, &t) == 0 && t == 2524607999, "UTCTime 49 -> 2049");
	ok(time_of("500101000000Z", DER_UTC_TIME, &t) == 0 && t == -631152000, "UTCTime 50 -> 1950");
	ok(time_of("000229120000Z", DER_UTC_TIME, &t) == 0 && t == 951825600, "2000-02-29 (leap)");
	ok(time_of("20470126153437Z", DER_GENERALIZED_TIME, &t) == 0 && t == 2432129677, "GeneralizedTime 2047");
	ok(time_of("99991231235959Z", DER_GENERALIZED_TIME, &t) == 0 && t == 253402300799, "GeneralizedTime 9999");
	ok(time_of("00010101000000Z", DER_GENERALIZED_TIME, &t) == 0 && t == -62135596800, "GeneralizedTime year 1");
	ok(time_of("010229000000Z", DER_UTC_TIME, &t) < 0 && strstr(err, "day 29, expected 1..28"),
	   "2001-02-29 refused: %s", err);
	ok(time_of("21000229000000Z", DER_GENERALIZED_TIME, &t) < 0, "2100-02-29 refused (not leap)");
	ok(time_of("231303192343Z", DER_UTC_TIME, &t) < 0 && strstr(err, "month 13"), "month 13: %s", err);
	ok(time_of("230400192343Z", DER_UTC_TIME, &t) < 0, "day 0");
	ok(time_of("230431192343Z", DER_UTC_TIME, &t) < 0, "April 31");
	ok(time_of("230403242343Z", DER_UTC_TIME, &t) < 0, "hour 24");
	ok(time_of("230403196043Z", DER_UTC_TIME, &t) < 0, "minute 60");
	ok(time_of("230403192360Z", DER_UTC_TIME, &t) < 0, "second 60 (no leap seconds)");
	ok(time_of("2304031923Z", DER_UTC_TIME, &t) < 0 && strstr(err, "YYMMDDHHMMSSZ"), "no seconds: %s", err);
	ok(time_of("230403192343+0100", DER_UTC_TIME, &t) < 0, "offset instead of Z");
	ok(time_of("2304031923430", DER_UTC_TIME, &t) < 0, "no Z");
	ok(time_of("23040319 343Z", DER_UTC_TIME, &t) < 0 && strstr(err, "not digits"), "space: %s", err);
	ok(time_of("20230403192343.5Z", DER_GENERALIZED_TIME, &t) < 0, "fractional seconds refused");
	ok(time_of("230403192343Z", DER_GENERALIZED_TIME, &t) < 0, "UTCTime text under the GeneralizedTime tag");
	ok(time_of("-0230403192343Z", DER_GENERALIZED_TIME, &t) < 0, "sign in the year");
	ok(time_of("230403192343Z", DER_OCTET_STRING, &t) < 0 && strstr(err, "got tag 0x04"), "wrong tag: %s", err);
	struct der d;
	der_init(&d, (const uint8_t *)"", 0, err, sizeof(err));
	ok(der_time(&d, &t, "time") < 0 && strstr(err, "missing"), "missing time: %s", err);
}

static void test_errors(void)
{
	char small[16];
	der_errf(small, sizeof(small), "%s", "0123456789abcdefghij");
	is_str(small, "0123456789abcde", "der_errf truncates");
	char buf[32] = "tail";
	der_err_prefix(buf, sizeof(buf), "head: ");
	is_str(buf, "head: tail", "prefix");
	strcpy(buf, "012345678901234567890123456789");
	der_err_prefix(buf, sizeof(buf), "ASK: ");
	is_str(buf, "ASK: 01234567890123456789012345", "prefix truncates the end");
	der_err_prefix(buf, 8, "very long prefix");
	is_str(buf, "very lo", "prefix longer than the buffer");
	der_err_prefix(NULL, 0, "x");
	der_errf(NULL, 0, "x");
	ok(1, "NULL error buffers are fine");
	struct der d;
	struct der_tlv t;
	der_init(&d, (const uint8_t *)"\x04\x05", 2, NULL, 0);
	ok(der_next(&d, &t, "x") < 0, "failure without an error buffer");
}

int main(void)
{
	test_lengths();
	test_nesting();
	test_integers();
	test_simple();
	test_times();
	test_errors();
	return done_testing();
}
