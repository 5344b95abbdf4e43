/* SNP launch digest: firmware pages, metadata sections, VMSA pages. */
#include "measure.h"

#include <string.h>

#include <bearssl.h>

#include "measure_err.h"
#include "measure_sections.h"

#define FOUR_GIB 0x100000000ull
#define PAGE_MASK 0xfffu

int measure_ovmf_hash(uint8_t out[MEASURE_DIGEST_LEN], const uint8_t *ovmf, size_t len, char *err, size_t err_len)
{
	if (len == 0 || len % MEASURE_PAGE_SIZE || (uint64_t)len > FOUR_GIB) {
		measure_seterr(err, err_len,
			       "OVMF: image size %zu is not a whole number of 4 KiB pages up to 4 GiB", len);
		return -1;
	}
	struct measure_gctx g;
	measure_gctx_init(&g, NULL);
	/* The firmware is mapped so that it ends at 4 GiB. */
	measure_gctx_normal_pages(&g, FOUR_GIB - len, ovmf, len);
	memcpy(out, g.ld, MEASURE_DIGEST_LEN);
	return 0;
}

static int kernel_hashes_section(struct measure_gctx *g, const struct ovmf_info *info, const struct ovmf_section *s,
				 const struct measure_kernel_hashes *k, char *err, size_t err_len)
{
	if (!k)
		return measure_gctx_zero_pages(g, s->gpa, s->size);
	if (!info->has_hashes_table || info->hashes_table_gpa == 0) {
		measure_seterr(err, err_len,
			       "OVMF: has an SNP_KERNEL_HASHES section but no SEV hash table entry (7255371f-...): "
			       "cannot tell where QEMU puts the kernel hashes");
		return -1;
	}
	uint32_t tgpa = info->hashes_table_gpa;
	if (s->size != MEASURE_PAGE_SIZE || (tgpa & ~PAGE_MASK) != s->gpa ||
	    info->hashes_table_size < MEASURE_HASHES_TABLE_PADDED_LEN) {
		measure_seterr(err, err_len,
			       "OVMF: SEV hash table at 0x%x (0x%x bytes) does not sit in the one-page "
			       "SNP_KERNEL_HASHES section at 0x%x (0x%x bytes)",
			       tgpa, info->hashes_table_size, s->gpa, s->size);
		return -1;
	}
	uint8_t page[MEASURE_PAGE_SIZE];
	if (measure_hashes_page(page, tgpa & PAGE_MASK, k) != 0) {
		measure_seterr(err, err_len, "OVMF: SEV hash table at 0x%x would cross its page", tgpa);
		return -1;
	}
	return measure_gctx_normal_pages(g, s->gpa, page, sizeof page);
}

static int one_page_section(const struct ovmf_section *s, char *err, size_t err_len)
{
	/* QEMU would measure every page of a larger section, sev-snp-measure
	 * only the first: no real firmware has one, so do not guess. */
	if (s->size != MEASURE_PAGE_SIZE) {
		measure_seterr(err, err_len, "OVMF: %s section at 0x%x is 0x%x bytes; only one page is supported",
			       ovmf_section_name(s->type), s->gpa, s->size);
		return -1;
	}
	return 0;
}

int measure_metadata_sections(struct measure_gctx *g, const struct ovmf_info *info,
			      const struct measure_kernel_hashes *k, enum measure_vmm vmm, char *err, size_t err_len)
{
	for (uint32_t i = 0; i < info->n_sections; i++) {
		const struct ovmf_section *s = &info->sections[i];
		switch (s->type) {
		case OVMF_SECTION_SNP_SEC_MEM:
			/* Pre-validated by the VMM: zero pages, or (GCE) pages
			 * validated without being measured. */
			if (measure_vmm_sec_mem_type(vmm) == MEASURE_PAGE_UNMEASURED)
				for (uint32_t off = 0; off < s->size; off += MEASURE_PAGE_SIZE)
					measure_gctx_empty_page(g, MEASURE_PAGE_UNMEASURED, s->gpa + off);
			else
				measure_gctx_zero_pages(g, s->gpa, s->size);
			break;
		case OVMF_SECTION_SVSM_CAA:
			/* Zero pages on every VMM, GCE included (its vector
			 * matches only so). */
			measure_gctx_zero_pages(g, s->gpa, s->size);
			break;
		case OVMF_SECTION_SNP_SECRETS:
			if (one_page_section(s, err, err_len) != 0)
				return -1;
			measure_gctx_empty_page(g, MEASURE_PAGE_SECRETS, s->gpa);
			break;
		case OVMF_SECTION_CPUID:
			if (one_page_section(s, err, err_len) != 0)
				return -1;
			/* EC2 inserts the CPUID page after all other sections. */
			if (!measure_vmm_cpuid_last(vmm))
				measure_gctx_empty_page(g, MEASURE_PAGE_CPUID, s->gpa);
			break;
		case OVMF_SECTION_SNP_KERNEL_HASHES:
			if (kernel_hashes_section(g, info, s, k, err, err_len) != 0)
				return -1;
			break;
		default:
			measure_seterr(err, err_len, "OVMF: unknown metadata section type 0x%x", s->type);
			return -1;
		}
	}
	if (measure_vmm_cpuid_last(vmm))
		for (uint32_t i = 0; i < info->n_sections; i++)
			if (info->sections[i].type == OVMF_SECTION_CPUID)
				measure_gctx_empty_page(g, MEASURE_PAGE_CPUID, info->sections[i].gpa);
	return 0;
}

static int count_sections(const struct ovmf_info *info, uint32_t type)
{
	int n = 0;
	for (uint32_t i = 0; i < info->n_sections; i++)
		n += info->sections[i].type == type;
	return n;
}

int measure_launch_digest(struct measure_result *res, const struct measure_params *p, char *err, size_t err_len)
{
	memset(res, 0, sizeof *res);
	if (!measure_vmm_known(p->vmm)) {
		measure_seterr(err, err_len, "measure: unknown VMM type %d", (int)p->vmm);
		return -1;
	}
	if (p->vcpus == 0 || p->vcpus > MEASURE_MAX_VCPUS) {
		measure_seterr(err, err_len, "measure: %u vCPUs is out of range (1..%u)", p->vcpus, MEASURE_MAX_VCPUS);
		return -1;
	}
	if (!(p->guest_features & MEASURE_FEATURE_SNP_ACTIVE)) {
		measure_seterr(err, err_len,
			       "measure: guest features 0x%llx lack bit 0 (SNPActive), which every SNP VMSA has",
			       (unsigned long long)p->guest_features);
		return -1;
	}

	struct ovmf_info info;
	if (ovmf_parse(&info, p->ovmf, p->ovmf_len, err, err_len) != 0)
		return -1;
	if (!info.has_metadata || info.n_sections == 0) {
		measure_seterr(err, err_len,
			       "OVMF: no SEV metadata sections (dc886566-...): this firmware cannot launch an SNP guest");
		return -1;
	}
	if (count_sections(&info, OVMF_SECTION_SNP_KERNEL_HASHES) > 1) {
		measure_seterr(err, err_len, "OVMF: more than one SNP_KERNEL_HASHES section");
		return -1;
	}
	if (p->vcpus > 1 && !info.has_sev_es_reset) {
		measure_seterr(err, err_len,
			       "OVMF: no SEV-ES reset block (00f771de-...): no entry point for %u application processor(s)",
			       p->vcpus - 1);
		return -1;
	}

	const struct measure_kernel_hashes *k = p->kernel;
	if (k && !ovmf_has_section(&info, OVMF_SECTION_SNP_KERNEL_HASHES)) {
		if (!p->allow_unmeasured_kernel) {
			measure_seterr(err, err_len,
				       "OVMF: no SNP_KERNEL_HASHES section: the kernel, initrd and command line would NOT "
				       "be measured (use firmware built with kernel hashes, e.g. OVMF AmdSev)");
			return MEASURE_ERR_KERNEL_NOT_MEASURED;
		}
		res->kernel_ignored = 1;
		k = NULL;
	}

	struct measure_gctx g;
	if (p->ovmf_hash) {
		measure_gctx_init(&g, p->ovmf_hash);
	} else {
		uint8_t h[MEASURE_DIGEST_LEN];
		if (measure_ovmf_hash(h, p->ovmf, p->ovmf_len, err, err_len) != 0)
			return -1;
		measure_gctx_init(&g, h);
	}
	if (measure_metadata_sections(&g, &info, k, p->vmm, err, err_len) != 0)
		return -1;

	/* All APs start from the same page: hash it once. */
	uint8_t page[MEASURE_PAGE_SIZE];
	measure_vmsa_page(page, MEASURE_BSP_EIP, p->guest_features, p->vcpu_sig, p->vmm);
	measure_gctx_vmsa_page(&g, page);
	if (p->vcpus > 1) {
		uint8_t h[MEASURE_DIGEST_LEN];
		br_sha384_context c;
		measure_vmsa_page(page, info.sev_es_reset_eip, p->guest_features, p->vcpu_sig, p->vmm);
		br_sha384_init(&c);
		br_sha384_update(&c, page, sizeof page);
		br_sha384_out(&c, h);
		for (uint32_t i = 1; i < p->vcpus; i++)
			measure_gctx_update(&g, MEASURE_PAGE_VMSA, MEASURE_VMSA_GPA, h);
	}
	memcpy(res->digest, g.ld, MEASURE_DIGEST_LEN);
	res->kernel_measured = k != NULL;
	return 0;
}
