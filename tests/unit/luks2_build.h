/* LUKS2 headers for the unit tests: the JSON of a real header made by
 * Debian 12's cryptsetup 2.6.1 (luksFormat --type luks2 --pbkdf pbkdf2
 * --pbkdf-force-iterations 1000 on a 20 MiB file), with any section
 * replaced, in a binary header whose checksum is computed the way
 * cryptsetup does (SHA-256 over the copy with the csum field zeroed).
 * LUKS2_REAL_VK is that header's volume key (luksDump --dump-volume-key). */
#ifndef SNPBOOT_TEST_LUKS2_BUILD_H
#define SNPBOOT_TEST_LUKS2_BUILD_H

#include <bearssl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LUKS2_REAL_UUID "6337ddd1-82a4-4798-8baa-46067d6025f4"
#define LUKS2_REAL_VK                                                                                                  \
	"8fee4bdcaa2febba1e292a13029f8a1860e09a9a7526f67e6c7662e21d4864d49cebe22fa70c2170b231e35678b8e48e9624b6402c2d" \
	"c3826b1333a6c2ff92d1"
#define LUKS2_REAL_KEYSLOTS                                                                                            \
	"{\"0\":{\"type\":\"luks2\",\"key_size\":64,\"af\":{\"type\":\"luks1\",\"stripes\":4000,\"hash\":\"sha256\"},"   \
	"\"area\":{\"type\":\"raw\",\"offset\":\"32768\",\"size\":\"258048\",\"encryption\":\"aes-xts-plain64\","       \
	"\"key_size\":64},\"kdf\":{\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,"                         \
	"\"salt\":\"4AOgg0vbNjO7UiF5vaAos9oRn1l9sZ7GuHbdYtBYHfE=\"}}}"
#define LUKS2_REAL_SEGMENTS                                                                                            \
	"{\"0\":{\"type\":\"crypt\",\"offset\":\"16777216\",\"size\":\"dynamic\",\"iv_tweak\":\"0\","                     \
	"\"encryption\":\"aes-xts-plain64\",\"sector_size\":4096}}"
#define LUKS2_REAL_DIGESTS                                                                                             \
	"{\"0\":{\"type\":\"pbkdf2\",\"keyslots\":[\"0\"],\"segments\":[\"0\"],\"hash\":\"sha256\",\"iterations\":1000," \
	"\"salt\":\"I5yyx6yJgZRKYvaowZ8Jyypl0WWMAwWxVKSl00kM/kM=\","                                                    \
	"\"digest\":\"OQs2MKyI49Kzoyofbr1jzLBrsQA2ojRwvSmC/mLckYY=\"}}"
#define LUKS2_REAL_CONFIG "{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\"}"

/* Sections of the JSON; NULL takes the real header's. */
struct luks2_spec {
	const char *keyslots, *tokens, *segments, *digests, *config;
	const char *json; /* the whole JSON text instead of the sections */
	unsigned version; /* 0: 2 */
	uint64_t hdr_size; /* 0: 16384 */
};

static inline void luks2_rechecksum(uint8_t *buf, size_t hdr_size)
{
	br_sha256_context c;
	memset(buf + 0x1c0, 0, 64);
	br_sha256_init(&c);
	br_sha256_update(&c, buf, hdr_size);
	br_sha256_out(&c, buf + 0x1c0);
}

/* Writes the primary header copy into buf (cap bytes, zeroed first); returns hdr_size, or 0 if it does not fit. */
static inline size_t luks2_build(uint8_t *buf, size_t cap, const struct luks2_spec *s)
{
	uint64_t hdr_size = s->hdr_size ? s->hdr_size : 16384;
	if (cap < hdr_size || hdr_size < 4096)
		return 0;
	memset(buf, 0, cap);
	memcpy(buf, "LUKS\xba\xbe", 6);
	unsigned version = s->version ? s->version : 2;
	buf[6] = (uint8_t)(version >> 8);
	buf[7] = (uint8_t)version;
	for (int i = 0; i < 8; i++)
		buf[8 + i] = (uint8_t)(hdr_size >> (56 - 8 * i));
	buf[16 + 7] = 1; /* seqid */
	memcpy(buf + 72, "sha256", 6);
	memcpy(buf + 168, LUKS2_REAL_UUID, 36);
	int n;
	if (s->json)
		n = snprintf((char *)buf + 4096, hdr_size - 4096, "%s", s->json);
	else
		n = snprintf((char *)buf + 4096, hdr_size - 4096,
			     "{\"keyslots\":%s,\"tokens\":%s,\"segments\":%s,\"digests\":%s,\"config\":%s}",
			     s->keyslots ? s->keyslots : LUKS2_REAL_KEYSLOTS, s->tokens ? s->tokens : "{}",
			     s->segments ? s->segments : LUKS2_REAL_SEGMENTS, s->digests ? s->digests : LUKS2_REAL_DIGESTS,
			     s->config ? s->config : LUKS2_REAL_CONFIG);
	if (n < 0 || (uint64_t)n >= hdr_size - 4096)
		return 0;
	luks2_rechecksum(buf, hdr_size);
	return hdr_size;
}

/* Runs a shell command quietly; 1 if it exited 0. */
static inline int luks2_sh(const char *cmd)
{
	char full[1024];
	snprintf(full, sizeof full, "(%s) >/dev/null 2>&1", cmd);
	return system(full) == 0;
}

#endif
