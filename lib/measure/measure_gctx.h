/* The SNP launch digest as the AMD Secure Processor extends it: one
 * PAGE_INFO record per measured page, the new digest being SHA-384 of the
 * record (SNP firmware ABI, SNP_LAUNCH_UPDATE). */
#ifndef SNPBOOT_MEASURE_GCTX_H
#define SNPBOOT_MEASURE_GCTX_H

#include <stddef.h>
#include <stdint.h>

#define MEASURE_DIGEST_LEN 48
#define MEASURE_PAGE_SIZE 4096u
/* The VMSA page is recorded at GPA (u64)-1, page aligned, bits above 51 clear. */
#define MEASURE_VMSA_GPA 0xFFFFFFFFF000ull

enum measure_page_type {
	MEASURE_PAGE_NORMAL = 1,
	MEASURE_PAGE_VMSA = 2,
	MEASURE_PAGE_ZERO = 3,
	MEASURE_PAGE_UNMEASURED = 4,
	MEASURE_PAGE_SECRETS = 5,
	MEASURE_PAGE_CPUID = 6,
};

struct measure_gctx {
	uint8_t ld[MEASURE_DIGEST_LEN];
};

/* Starts from 48 zero bytes, or from a precomputed digest (seed != NULL),
 * e.g. the "OVMF hash" after the firmware pages. */
void measure_gctx_init(struct measure_gctx *g, const uint8_t *seed);
/* Appends one PAGE_INFO record; contents is SHA-384 of the page for NORMAL
 * and VMSA pages and all zero for the other types. */
void measure_gctx_update(struct measure_gctx *g, enum measure_page_type type, uint64_t gpa,
			 const uint8_t contents[MEASURE_DIGEST_LEN]);
/* NORMAL pages for data (len a multiple of 4096) placed at gpa. Returns -1 if len is not. */
int measure_gctx_normal_pages(struct measure_gctx *g, uint64_t gpa, const uint8_t *data, size_t len);
/* ZERO pages covering len bytes (a multiple of 4096) at gpa. Returns -1 if len is not. */
int measure_gctx_zero_pages(struct measure_gctx *g, uint64_t gpa, uint64_t len);
/* One page whose contents hash is all zero: SECRETS, CPUID or UNMEASURED. */
void measure_gctx_empty_page(struct measure_gctx *g, enum measure_page_type type, uint64_t gpa);
void measure_gctx_vmsa_page(struct measure_gctx *g, const uint8_t page[MEASURE_PAGE_SIZE]);

#endif
