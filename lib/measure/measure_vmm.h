/* What each VMM does differently when it launches an SNP guest: the
 * initial register state it writes into the VMSAs, how it hands the
 * firmware's pre-validated memory to the Secure Processor, and where it
 * puts the CPUID page. Facts from virtee/sev-snp-measure 0.0.12 and 0.0.13
 * and from live reports (testvectors/README.md, "EC2 and GCE"). */
#ifndef SNPBOOT_MEASURE_VMM_H
#define SNPBOOT_MEASURE_VMM_H

#include <stdint.h>

#include "measure_gctx.h"

enum measure_vmm {
	MEASURE_VMM_QEMU = 1,
	MEASURE_VMM_EC2 = 2,      /* EC2 as AWS launches today (VMSA RDX 0x600) */
	MEASURE_VMM_EC2_2025 = 3, /* EC2 before AWS's 2026 change (VMSA RDX 0) */
	MEASURE_VMM_GCE = 4,      /* Google Compute Engine */
};

/* Register values of the initial VMSAs that depend on the VMM. */
struct measure_vmm_regs {
	uint16_t cs_attr_bsp, cs_attr_ap, ss_attr, tr_attr;
	int rdx_is_sig;  /* RDX holds the vCPU's CPUID signature (QEMU) */
	uint64_t rdx;    /* otherwise this fixed value */
	uint64_t g_pat;
	uint32_t mxcsr;
	uint16_t fcw;
};

/* 1 for a VMM type this calculator knows. */
int measure_vmm_known(enum measure_vmm vmm);
/* The i-th known VMM type (for loops and --help): 0 past the end. */
enum measure_vmm measure_vmm_at(unsigned i);
/* Parses "qemu", "ec2", "ec2-2025", "gce" (case insensitive). Returns 0, or -1. */
int measure_vmm_parse(const char *name, enum measure_vmm *vmm);
/* The name measure_vmm_parse() takes; "unknown" for other values. */
const char *measure_vmm_name(enum measure_vmm vmm);
/* One line on when to choose this type, for --help. */
const char *measure_vmm_help(enum measure_vmm vmm);

/* The VMSA values of a known VMM (QEMU's for unknown values). */
const struct measure_vmm_regs *measure_vmm_regs(enum measure_vmm vmm);
/* Page type of the SNP_SEC_MEM (pre-validated memory) pages: ZERO, or
 * UNMEASURED where the VMM validates them without measuring (GCE). */
enum measure_page_type measure_vmm_sec_mem_type(enum measure_vmm vmm);
/* 1 if the VMM inserts the CPUID page after all other sections (EC2)
 * instead of in the metadata's order. */
int measure_vmm_cpuid_last(enum measure_vmm vmm);

#endif
