/* SEV hashes table (kernel, initrd, command line) as QEMU builds it. */
#include "measure_hashes.h"

#include <string.h>

#include <bearssl.h>

#include "base/bytes.h"

/* 9438d606-4f22-4cc9-b479-a793d411fd21: table header */
static const uint8_t guid_table[16] = {0x06, 0xd6, 0x38, 0x94, 0x22, 0x4f, 0xc9, 0x4c,
				       0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21};
/* 97d02dd8-bd20-4c94-aa78-e7714d36ab2a: command line */
static const uint8_t guid_cmdline[16] = {0xd8, 0x2d, 0xd0, 0x97, 0x20, 0xbd, 0x94, 0x4c,
					 0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a};
/* 44baf731-3a2f-4bd7-9af1-41e29169781d: initrd */
static const uint8_t guid_initrd[16] = {0x31, 0xf7, 0xba, 0x44, 0x2f, 0x3a, 0xd7, 0x4b,
					0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d};
/* 4de79437-abd2-427f-b835-d5b172d2045b: kernel */
static const uint8_t guid_kernel[16] = {0x37, 0x94, 0xe7, 0x4d, 0xd2, 0xab, 0x7f, 0x42,
					0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b};

#define ENTRY_LEN (16 + 2 + MEASURE_SHA256_LEN)

void measure_sha256(uint8_t out[MEASURE_SHA256_LEN], const uint8_t *data, size_t len)
{
	br_sha256_context c;
	br_sha256_init(&c);
	br_sha256_update(&c, data, len);
	br_sha256_out(&c, out);
}

void measure_cmdline_hash(uint8_t out[MEASURE_SHA256_LEN], const char *append)
{
	static const uint8_t nul = 0;
	br_sha256_context c;
	br_sha256_init(&c);
	if (append)
		br_sha256_update(&c, append, strlen(append));
	br_sha256_update(&c, &nul, 1);
	br_sha256_out(&c, out);
}

static uint8_t *put_entry(uint8_t *p, const uint8_t guid[16], const uint8_t hash[MEASURE_SHA256_LEN])
{
	memcpy(p, guid, 16);
	le16_store(p + 16, ENTRY_LEN);
	memcpy(p + 18, hash, MEASURE_SHA256_LEN);
	return p + ENTRY_LEN;
}

void measure_hashes_table(uint8_t out[MEASURE_HASHES_TABLE_PADDED_LEN], const struct measure_kernel_hashes *h)
{
	memset(out, 0, MEASURE_HASHES_TABLE_PADDED_LEN);
	memcpy(out, guid_table, 16);
	le16_store(out + 16, MEASURE_HASHES_TABLE_LEN);
	uint8_t *p = out + 18;
	p = put_entry(p, guid_cmdline, h->cmdline);
	p = put_entry(p, guid_initrd, h->initrd);
	put_entry(p, guid_kernel, h->kernel);
}

int measure_hashes_page(uint8_t page[MEASURE_PAGE_SIZE], size_t offset, const struct measure_kernel_hashes *h)
{
	if (offset > MEASURE_PAGE_SIZE - MEASURE_HASHES_TABLE_PADDED_LEN)
		return -1;
	memset(page, 0, MEASURE_PAGE_SIZE);
	measure_hashes_table(page + offset, h);
	return 0;
}
