/* Initial VMSA (SEV-ES save area) pages as the VMM hands them to the
 * firmware, one per vCPU: the BSP starts at the reset vector, APs at the
 * SEV-ES reset block's EIP. Field values depend on the VMM (measure_vmm.h)
 * and on the vCPU signature (CPUID Fn0000_0001_EAX) that QEMU puts in RDX. */
#ifndef SNPBOOT_MEASURE_VMSA_H
#define SNPBOOT_MEASURE_VMSA_H

#include <stdint.h>

#include "measure_gctx.h"
#include "measure_vmm.h"

#define MEASURE_BSP_EIP 0xfffffff0u
/* SEV_FEATURES of an SVSM launch's VMSAs: SNPActive only. */
#define MEASURE_SVSM_SEV_FEATURES 0x1ull

/* CPUID signature from family, model, stepping (AMD CPUID spec #25481). */
uint32_t measure_cpu_sig(unsigned family, unsigned model, unsigned stepping);
/* The same, refusing values the signature cannot hold (family above
 * 0x10e, model above 0xff, stepping above 0xf) instead of truncating
 * them. Returns 0 and sets *sig, or -1. */
int measure_cpu_sig_checked(unsigned family, unsigned model, unsigned stepping, uint32_t *sig);
/* Signature of a QEMU vCPU model name ("EPYC-v4", "EPYC-Milan", ...; case
 * insensitive). Returns 0 and sets *sig, or -1 for an unknown name. */
int measure_vcpu_type_sig(const char *name, uint32_t *sig);
/* Name of the i-th known vCPU type, NULL past the end (for --help). */
const char *measure_vcpu_type_name(unsigned i);

/* Writes the 4096-byte VMSA page of a vCPU starting at eip. */
void measure_vmsa_page(uint8_t page[MEASURE_PAGE_SIZE], uint32_t eip, uint64_t sev_features, uint32_t vcpu_sig,
		       enum measure_vmm vmm);

/* The VMSA page QEMU gives every vCPU of an SVSM launch: 32-bit protected
 * mode with flat segments (CR0.PE), starting at the SVSM's entry point.
 * SEV_FEATURES is SNPActive alone whatever the guest's features are; MXCSR
 * holds its reset value but the x87 control word stays 0 (the hardware
 * vector in testvectors/svsm/ matches only so). */
void measure_vmsa_svsm_page(uint8_t page[MEASURE_PAGE_SIZE], uint32_t eip, uint32_t vcpu_sig);

#endif
