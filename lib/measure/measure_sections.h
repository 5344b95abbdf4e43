/* The SEV metadata sections of a firmware (or SVSM) image, measured in
 * table order the way the VMM hands them to the Secure Processor. Shared
 * by the OVMF launch (measure.c) and the SVSM launch (measure_svsm.c). */
#ifndef SNPBOOT_MEASURE_SECTIONS_H
#define SNPBOOT_MEASURE_SECTIONS_H

#include <stddef.h>

#include "measure_gctx.h"
#include "measure_hashes.h"
#include "measure_ovmf.h"
#include "measure_vmm.h"

/* Zero or unmeasured, secrets and CPUID pages; the kernel-hashes page from
 * k (zero pages when k is NULL). 0, or -1 with err. */
int measure_metadata_sections(struct measure_gctx *g, const struct ovmf_info *info,
			      const struct measure_kernel_hashes *k, enum measure_vmm vmm, char *err, size_t err_len);

#endif
