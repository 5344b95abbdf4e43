/* Launch digest of a QEMU guest that starts in a COCONUT-SVSM: QEMU puts
 * the OVMF image at 4 GiB - size as usual, the OVMF vars area below it,
 * and the SVSM image right below the vars area. The Secure Processor then
 * measures
 *   1. the OVMF pages,
 *   2. the SVSM pages,
 *   3. the SVSM's own SEV metadata sections (OVMF's are not used: the SVSM
 *      validates memory for the firmware itself),
 *   4. one VMSA per vCPU, every one starting at the SVSM's entry point (the
 *      SVSM information entry of its GUID table, a789a612-..., plus its
 *      base) in 32-bit protected mode (measure_vmsa_svsm_page).
 * QEMU fills no kernel-hashes table for such a launch, so -kernel, -initrd
 * and -append are never covered. Facts: testvectors/README.md "svsm/"
 * (a digest measured on hardware) and virtee/sev-snp-measure's snp:svsm
 * mode. */
#ifndef SNPBOOT_MEASURE_SVSM_H
#define SNPBOOT_MEASURE_SVSM_H

#include <stddef.h>
#include <stdint.h>

#include "measure_gctx.h"

struct measure_svsm_params {
	const uint8_t *ovmf; /* the whole firmware image */
	size_t ovmf_len;
	const uint8_t *svsm; /* the whole SVSM image */
	size_t svsm_len;
	uint64_t vars_size;  /* bytes of the OVMF vars area between them */
	uint32_t vcpus;
	uint32_t vcpu_sig;
};

/* The digest, or -1 with the reason in err (images that are not whole
 * pages, an SVSM without its information entry or metadata, layouts that
 * do not fit below 4 GiB). */
int measure_svsm_digest(uint8_t out[MEASURE_DIGEST_LEN], const struct measure_svsm_params *p, char *err,
			size_t err_len);
/* Where the SVSM image starts: 4 GiB - OVMF - vars - SVSM. 0, or -1 with err. */
int measure_svsm_base(uint64_t *base, const struct measure_svsm_params *p, char *err, size_t err_len);

#endif
