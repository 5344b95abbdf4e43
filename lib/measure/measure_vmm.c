/* Per-VMM launch differences (measure_vmm.h), one table row per VMM. */
#include "measure_vmm.h"

#include <stddef.h>
#include <strings.h>

/* The PAT MSR's reset value (AMD APM vol. 2, A.3): what QEMU and EC2 leave. */
#define PAT_RESET 0x0007040600070406ull
/* RDX = CPUID signature 0x600 (family 6, model 0, stepping 0): what EC2
 * (since 2026) and GCE put there, whatever vCPU the guest gets. */
#define RDX_FIXED_600 0x600u

static const struct vmm_row {
	enum measure_vmm vmm;
	const char *name;
	const char *help;
	struct measure_vmm_regs regs;
	enum measure_page_type sec_mem;
	int cpuid_last;
} rows[] = {
	/* QEMU (KVM_SEV_INIT2) syncs its reset state: the CPUID signature
	 * in RDX, x87/SSE control words at their reset values. */
	{MEASURE_VMM_QEMU, "qemu", "QEMU/KVM (default; what launch-qemu starts)",
	 {.cs_attr_bsp = 0x9b, .cs_attr_ap = 0x9b, .ss_attr = 0x93, .tr_attr = 0x8b, .rdx_is_sig = 1,
	  .g_pat = PAT_RESET, .mxcsr = 0x1f80, .fcw = 0x37f},
	 MEASURE_PAGE_ZERO, 0},
	/* EC2 leaves the FPU state zero and uses non-"accessed" CS (BSP
	 * only), SS and TR types; since 2026 RDX is 0x600. */
	{MEASURE_VMM_EC2, "ec2", "AWS EC2 today: VMSA RDX 0x600 (since 2026)",
	 {.cs_attr_bsp = 0x9a, .cs_attr_ap = 0x9b, .ss_attr = 0x92, .tr_attr = 0x83, .rdx = RDX_FIXED_600,
	  .g_pat = PAT_RESET},
	 MEASURE_PAGE_ZERO, 1},
	/* The same before AWS's change, RDX 0: kept so that reports and
	 * definitions from then can still be checked. */
	{MEASURE_VMM_EC2_2025, "ec2-2025", "AWS EC2 before 2026: RDX 0 (older reports)",
	 {.cs_attr_bsp = 0x9a, .cs_attr_ap = 0x9b, .ss_attr = 0x92, .tr_attr = 0x83, .rdx = 0, .g_pat = PAT_RESET},
	 MEASURE_PAGE_ZERO, 1},
	/* GCE's hypervisor writes its own PAT and validates the pre-validated
	 * memory without measuring it; segment types are QEMU's. */
	{MEASURE_VMM_GCE, "gce", "Google Compute Engine",
	 {.cs_attr_bsp = 0x9b, .cs_attr_ap = 0x9b, .ss_attr = 0x93, .tr_attr = 0x8b, .rdx = RDX_FIXED_600,
	  .g_pat = 0x00070106ull},
	 MEASURE_PAGE_UNMEASURED, 0},
};

#define N_ROWS (sizeof rows / sizeof rows[0])

static const struct vmm_row *row_of(enum measure_vmm vmm)
{
	for (size_t i = 0; i < N_ROWS; i++)
		if (rows[i].vmm == vmm)
			return &rows[i];
	return NULL;
}

int measure_vmm_known(enum measure_vmm vmm)
{
	return row_of(vmm) != NULL;
}

enum measure_vmm measure_vmm_at(unsigned i)
{
	return i < N_ROWS ? rows[i].vmm : (enum measure_vmm)0;
}

int measure_vmm_parse(const char *name, enum measure_vmm *vmm)
{
	for (size_t i = 0; i < N_ROWS; i++)
		if (strcasecmp(name, rows[i].name) == 0) {
			*vmm = rows[i].vmm;
			return 0;
		}
	return -1;
}

const char *measure_vmm_name(enum measure_vmm vmm)
{
	const struct vmm_row *r = row_of(vmm);
	return r ? r->name : "unknown";
}

const char *measure_vmm_help(enum measure_vmm vmm)
{
	const struct vmm_row *r = row_of(vmm);
	return r ? r->help : "";
}

const struct measure_vmm_regs *measure_vmm_regs(enum measure_vmm vmm)
{
	const struct vmm_row *r = row_of(vmm);
	return r ? &r->regs : &rows[0].regs;
}

enum measure_page_type measure_vmm_sec_mem_type(enum measure_vmm vmm)
{
	const struct vmm_row *r = row_of(vmm);
	return r ? r->sec_mem : MEASURE_PAGE_ZERO;
}

int measure_vmm_cpuid_last(enum measure_vmm vmm)
{
	const struct vmm_row *r = row_of(vmm);
	return r ? r->cpuid_last : 0;
}
