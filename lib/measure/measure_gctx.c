/* Launch-digest accumulator: the PAGE_INFO chain of SNP_LAUNCH_UPDATE. */
#include "measure_gctx.h"

#include <string.h>

#include <bearssl.h>

#include "base/bytes.h"

#define PAGE_INFO_LEN 0x70

static void sha384(uint8_t out[MEASURE_DIGEST_LEN], const uint8_t *data, size_t len)
{
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, data, len);
	br_sha384_out(&c, out);
}

void measure_gctx_init(struct measure_gctx *g, const uint8_t *seed)
{
	if (seed)
		memcpy(g->ld, seed, MEASURE_DIGEST_LEN);
	else
		memset(g->ld, 0, MEASURE_DIGEST_LEN);
}

void measure_gctx_update(struct measure_gctx *g, enum measure_page_type type, uint64_t gpa,
			 const uint8_t contents[MEASURE_DIGEST_LEN])
{
	/* PAGE_INFO: digest so far, contents, length, page type, IMI page
	 * flag, reserved, VMPL3/2/1 permissions (all 0 at launch), GPA. */
	uint8_t pi[PAGE_INFO_LEN];
	memcpy(pi, g->ld, MEASURE_DIGEST_LEN);
	memcpy(pi + 0x30, contents, MEASURE_DIGEST_LEN);
	le16_store(pi + 0x60, PAGE_INFO_LEN);
	pi[0x62] = (uint8_t)type;
	pi[0x63] = 0; /* is_imi */
	pi[0x64] = 0; /* vmpl3 perms */
	pi[0x65] = 0; /* vmpl2 perms */
	pi[0x66] = 0; /* vmpl1 perms */
	pi[0x67] = 0; /* reserved */
	le64_store(pi + 0x68, gpa);
	sha384(g->ld, pi, sizeof pi);
}

int measure_gctx_normal_pages(struct measure_gctx *g, uint64_t gpa, const uint8_t *data, size_t len)
{
	if (len % MEASURE_PAGE_SIZE)
		return -1;
	for (size_t off = 0; off < len; off += MEASURE_PAGE_SIZE) {
		uint8_t h[MEASURE_DIGEST_LEN];
		sha384(h, data + off, MEASURE_PAGE_SIZE);
		measure_gctx_update(g, MEASURE_PAGE_NORMAL, gpa + off, h);
	}
	return 0;
}

int measure_gctx_zero_pages(struct measure_gctx *g, uint64_t gpa, uint64_t len)
{
	static const uint8_t zeros[MEASURE_DIGEST_LEN];
	if (len % MEASURE_PAGE_SIZE)
		return -1;
	for (uint64_t off = 0; off < len; off += MEASURE_PAGE_SIZE)
		measure_gctx_update(g, MEASURE_PAGE_ZERO, gpa + off, zeros);
	return 0;
}

void measure_gctx_empty_page(struct measure_gctx *g, enum measure_page_type type, uint64_t gpa)
{
	static const uint8_t zeros[MEASURE_DIGEST_LEN];
	measure_gctx_update(g, type, gpa, zeros);
}

void measure_gctx_vmsa_page(struct measure_gctx *g, const uint8_t page[MEASURE_PAGE_SIZE])
{
	uint8_t h[MEASURE_DIGEST_LEN];
	sha384(h, page, MEASURE_PAGE_SIZE);
	measure_gctx_update(g, MEASURE_PAGE_VMSA, MEASURE_VMSA_GPA, h);
}
