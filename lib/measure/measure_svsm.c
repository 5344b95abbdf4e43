/* Launch digest through a COCONUT-SVSM (measure_svsm.h). */
#include "measure_svsm.h"

#include <string.h>

#include <bearssl.h>

#include "measure.h"
#include "measure_err.h"
#include "measure_sections.h"

#define FOUR_GIB 0x100000000ull

int measure_svsm_base(uint64_t *base, const struct measure_svsm_params *p, char *err, size_t err_len)
{
	if (p->ovmf_len == 0 || p->svsm_len == 0 || p->ovmf_len % MEASURE_PAGE_SIZE ||
	    p->svsm_len % MEASURE_PAGE_SIZE || p->vars_size % MEASURE_PAGE_SIZE) {
		measure_seterr(err, err_len,
			       "SVSM: firmware (%zu bytes), SVSM (%zu bytes) and vars area (%llu bytes) must be whole "
			       "4 KiB pages",
			       p->ovmf_len, p->svsm_len, (unsigned long long)p->vars_size);
		return -1;
	}
	/* Each term is checked before the sum so it cannot wrap. */
	if (p->ovmf_len > FOUR_GIB || p->svsm_len > FOUR_GIB || p->vars_size > FOUR_GIB ||
	    (uint64_t)p->ovmf_len + p->vars_size + p->svsm_len > FOUR_GIB) {
		measure_seterr(err, err_len, "SVSM: firmware, vars area and SVSM do not fit below 4 GiB");
		return -1;
	}
	*base = FOUR_GIB - (uint64_t)p->ovmf_len - p->vars_size - p->svsm_len;
	return 0;
}

/* The SVSM image's own tables: it must be one, and nothing in it may ask
 * for what QEMU does not do for an SVSM. */
static int svsm_tables(struct ovmf_info *svsm, const struct measure_svsm_params *p, char *err, size_t err_len)
{
	char why[MEASURE_ERR_LEN];
	if (ovmf_parse(svsm, p->svsm, p->svsm_len, why, sizeof why) != 0) {
		measure_seterr(err, err_len, "SVSM image: %s", why);
		return -1;
	}
	if (!svsm->has_svsm_info) {
		measure_seterr(err, err_len,
			       "SVSM image: no SVSM information entry (a789a612-0597-4c4b-a49f-cbb1fe9d1ddd) in its "
			       "GUID table: not a COCONUT-SVSM image");
		return -1;
	}
	if (!svsm->has_metadata || svsm->n_sections == 0) {
		measure_seterr(err, err_len, "SVSM image: no SEV metadata sections (dc886566-...)");
		return -1;
	}
	if (ovmf_has_section(svsm, OVMF_SECTION_SNP_KERNEL_HASHES)) {
		measure_seterr(err, err_len,
			       "SVSM image: has an SNP_KERNEL_HASHES section, which QEMU does not fill for an SVSM");
		return -1;
	}
	if (svsm->svsm_entry_offset >= p->svsm_len) {
		measure_seterr(err, err_len, "SVSM image: entry point offset 0x%x is outside its %zu bytes",
			       svsm->svsm_entry_offset, p->svsm_len);
		return -1;
	}
	return 0;
}

int measure_svsm_digest(uint8_t out[MEASURE_DIGEST_LEN], const struct measure_svsm_params *p, char *err,
			size_t err_len)
{
	if (p->vcpus == 0 || p->vcpus > MEASURE_MAX_VCPUS) {
		measure_seterr(err, err_len, "measure: %u vCPUs is out of range (1..%u)", p->vcpus, MEASURE_MAX_VCPUS);
		return -1;
	}
	uint64_t base;
	struct ovmf_info fw, svsm;
	if (measure_svsm_base(&base, p, err, err_len) != 0 || svsm_tables(&svsm, p, err, err_len) != 0)
		return -1;
	/* The firmware's own metadata is not measured, but an image that is
	 * not an SNP-capable OVMF is a mistake worth stopping at. */
	if (ovmf_parse(&fw, p->ovmf, p->ovmf_len, err, err_len) != 0)
		return -1;

	uint8_t seed[MEASURE_DIGEST_LEN];
	if (measure_ovmf_hash(seed, p->ovmf, p->ovmf_len, err, err_len) != 0)
		return -1;
	struct measure_gctx g;
	measure_gctx_init(&g, seed);
	if (measure_gctx_normal_pages(&g, base, p->svsm, p->svsm_len) != 0) {
		measure_seterr(err, err_len, "SVSM image: cannot measure its pages");
		return -1;
	}
	char why[MEASURE_ERR_LEN];
	if (measure_metadata_sections(&g, &svsm, NULL, MEASURE_VMM_QEMU, why, sizeof why) != 0) {
		measure_seterr(err, err_len, "SVSM image: %s", why);
		return -1;
	}
	/* Every vCPU starts in the SVSM at the same place: hash the page once. */
	uint8_t page[MEASURE_PAGE_SIZE], h[MEASURE_DIGEST_LEN];
	measure_vmsa_svsm_page(page, (uint32_t)(base + svsm.svsm_entry_offset), p->vcpu_sig);
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, page, sizeof page);
	br_sha384_out(&c, h);
	for (uint32_t i = 0; i < p->vcpus; i++)
		measure_gctx_update(&g, MEASURE_PAGE_VMSA, MEASURE_VMSA_GPA, h);
	memcpy(out, g.ld, MEASURE_DIGEST_LEN);
	return 0;
}
