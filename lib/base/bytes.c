#include "bytes.h"

#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

void hex_encode(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digits[in[i] >> 4];
		out[2 * i + 1] = hex_digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int hex_digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(uint8_t *out, size_t out_len, const char *hex, size_t hex_len)
{
	if (hex_len != 2 * out_len)
		return -1;
	for (size_t i = 0; i < out_len; i++) {
		int hi = hex_digit_value(hex[2 * i]), lo = hex_digit_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t len) { return (len + 2) / 3 * 4 + 1; }

void base64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;
	return p ? (int)(p - b64_alphabet) : -1;
}

long base64_decode(uint8_t *out, size_t out_cap, const char *in, size_t in_len)
{
	if (in_len % 4 != 0)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < in_len; i += 4) {
		int pad = 0;
		uint32_t v = 0;
		for (int k = 0; k < 4; k++) {
			char c = in[i + k];
			int d;
			if (c == '=' && i + 4 == in_len && k >= 2) {
				pad++;
				d = 0;
			} else {
				if (pad)
					return -1; /* data after padding */
				d = b64_value(c);
				if (d < 0)
					return -1;
			}
			v = v << 6 | (uint32_t)d;
		}
		size_t n = 3 - (size_t)pad;
		if (o + n > out_cap)
			return -1;
		out[o++] = (uint8_t)(v >> 16);
		if (n > 1)
			out[o++] = (uint8_t)(v >> 8);
		if (n > 2)
			out[o++] = (uint8_t)v;
	}
	return (long)o;
}

int bytes_equal_ct(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	uint8_t diff = 0;
	for (size_t i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

void secure_wipe(void *p, size_t len)
{
	/* A volatile function pointer keeps the compiler from proving the store dead. */
	static void *(*const volatile wipe)(void *, int, size_t) = memset;
	wipe(p, 0, len);
}

int bytes_all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t acc = 0;
	for (size_t i = 0; i < len; i++)
		acc |= b[i];
	return acc == 0;
}
