/* Small byte helpers shared by init and host: explicit lengths, no allocation. */
#ifndef SNPBOOT_BYTES_H
#define SNPBOOT_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* Little-endian loads and stores: SNP structures are little-endian. */
static inline uint16_t le16_load(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t le32_load(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t le64_load(const uint8_t *p) { return (uint64_t)le32_load(p) | ((uint64_t)le32_load(p + 4) << 32); }
static inline void le16_store(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void le32_store(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void le64_store(uint8_t *p, uint64_t v) { le32_store(p, (uint32_t)v); le32_store(p + 4, (uint32_t)(v >> 32)); }

/* Big-endian, for network frames and DER. */
static inline uint32_t be32_load(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline void be32_store(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Writes 2*len lowercase hex digits and a NUL into out (size >= 2*len+1). */
void hex_encode(char *out, const uint8_t *in, size_t len);
/* The value of one hex digit (either case), or -1 for anything else (EOF included). */
int hex_digit_value(int c);
/* Decodes exactly 2*out_len hex digits (either case); returns 0, or -1 on a bad digit or length. */
int hex_decode(uint8_t *out, size_t out_len, const char *hex, size_t hex_len);

/* Base64 (RFC 4648, with padding). out must hold base64_encoded_len(len) bytes incl. NUL. */
size_t base64_encoded_len(size_t len);
void base64_encode(char *out, const uint8_t *in, size_t len);
/* Returns the decoded length, or -1 on bad input or if out is too small. */
long base64_decode(uint8_t *out, size_t out_cap, const char *in, size_t in_len);

/* Constant-time equality: 1 if equal. */
int bytes_equal_ct(const void *a, const void *b, size_t len);
/* Wipes memory in a way the compiler may not elide; for keys and secrets. */
void secure_wipe(void *p, size_t len);
/* 1 if all len bytes are zero. */
int bytes_all_zero(const void *p, size_t len);

#endif
