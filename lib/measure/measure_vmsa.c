/* Initial VMSA pages for the launch digest, per VMM and vCPU type. */
#include "measure_vmsa.h"

#include <string.h>
#include <strings.h>

#include "base/bytes.h"

/* Offsets in the SEV-ES save area (AMD APM vol. 2, table B-4; Linux
 * struct sev_es_save_area). Segment registers are {u16 selector, u16
 * attrib, u32 limit, u64 base}. */
enum {
	VMSA_ES = 0x000, VMSA_CS = 0x010, VMSA_SS = 0x020, VMSA_DS = 0x030, VMSA_FS = 0x040,
	VMSA_GS = 0x050, VMSA_GDTR = 0x060, VMSA_LDTR = 0x070, VMSA_IDTR = 0x080, VMSA_TR = 0x090,
	VMSA_EFER = 0x0d0, VMSA_CR4 = 0x148, VMSA_CR0 = 0x158, VMSA_DR7 = 0x160, VMSA_DR6 = 0x168,
	VMSA_RFLAGS = 0x170, VMSA_RIP = 0x178, VMSA_G_PAT = 0x268, VMSA_RDX = 0x310,
	VMSA_SEV_FEATURES = 0x3b0, VMSA_XCR0 = 0x3e8, VMSA_MXCSR = 0x408, VMSA_X87_FCW = 0x410,
};

static void seg(uint8_t *p, uint16_t selector, uint16_t attrib, uint32_t limit, uint64_t base)
{
	le16_store(p, selector);
	le16_store(p + 2, attrib);
	le32_store(p + 4, limit);
	le64_store(p + 8, base);
}

uint32_t measure_cpu_sig(unsigned family, unsigned model, unsigned stepping)
{
	unsigned fam_lo = family > 0xf ? 0xf : family;
	unsigned fam_hi = family > 0xf ? (family - 0xf) & 0xff : 0;
	return (uint32_t)(fam_hi << 20 | ((model >> 4) & 0xf) << 16 | fam_lo << 8 | (model & 0xf) << 4 |
			  (stepping & 0xf));
}

/* QEMU's builtin x86 CPU models for AMD EPYC (family, model, stepping). */
static const struct {
	const char *name;
	unsigned char family, model, stepping;
} vcpu_types[] = {
	{"EPYC", 23, 1, 2},        {"EPYC-v1", 23, 1, 2},      {"EPYC-v2", 23, 1, 2},
	{"EPYC-IBPB", 23, 1, 2},   {"EPYC-v3", 23, 1, 2},      {"EPYC-v4", 23, 1, 2},
	{"EPYC-Rome", 23, 49, 0},  {"EPYC-Rome-v1", 23, 49, 0}, {"EPYC-Rome-v2", 23, 49, 0},
	{"EPYC-Rome-v3", 23, 49, 0}, {"EPYC-Milan", 25, 1, 1},
	{"EPYC-Milan-v1", 25, 1, 1}, {"EPYC-Milan-v2", 25, 1, 1}, {"EPYC-Genoa", 25, 17, 0},
	{"EPYC-Genoa-v1", 25, 17, 0}, {"EPYC-Turin", 26, 0, 0},
};

int measure_vcpu_type_sig(const char *name, uint32_t *sig)
{
	for (size_t i = 0; i < sizeof vcpu_types / sizeof vcpu_types[0]; i++)
		if (strcasecmp(name, vcpu_types[i].name) == 0) {
			*sig = measure_cpu_sig(vcpu_types[i].family, vcpu_types[i].model, vcpu_types[i].stepping);
			return 0;
		}
	return -1;
}

int measure_cpu_sig_checked(unsigned family, unsigned model, unsigned stepping, uint32_t *sig)
{
	/* Base family 0xf plus an 8-bit extended family; 4+4-bit model. */
	if (family > 0xf + 0xff || model > 0xff || stepping > 0xf)
		return -1;
	*sig = measure_cpu_sig(family, model, stepping);
	return 0;
}

const char *measure_vcpu_type_name(unsigned i)
{
	return i < sizeof vcpu_types / sizeof vcpu_types[0] ? vcpu_types[i].name : NULL;
}

void measure_vmsa_page(uint8_t page[MEASURE_PAGE_SIZE], uint32_t eip, uint64_t sev_features, uint32_t vcpu_sig,
		       enum measure_vmm vmm)
{
	const struct measure_vmm_regs *r = measure_vmm_regs(vmm);
	uint16_t cs_attr = eip == MEASURE_BSP_EIP ? r->cs_attr_bsp : r->cs_attr_ap;
	memset(page, 0, MEASURE_PAGE_SIZE);
	seg(page + VMSA_ES, 0, 0x93, 0xffff, 0);
	/* Real-mode CS: selector 0xf000, base = the upper half of the entry
	 * point, RIP = its lower 16 bits. */
	seg(page + VMSA_CS, 0xf000, cs_attr, 0xffff, eip & 0xffff0000u);
	seg(page + VMSA_SS, 0, r->ss_attr, 0xffff, 0);
	seg(page + VMSA_DS, 0, 0x93, 0xffff, 0);
	seg(page + VMSA_FS, 0, 0x93, 0xffff, 0);
	seg(page + VMSA_GS, 0, 0x93, 0xffff, 0);
	seg(page + VMSA_GDTR, 0, 0, 0xffff, 0);
	seg(page + VMSA_LDTR, 0, 0x82, 0xffff, 0);
	seg(page + VMSA_IDTR, 0, 0, 0xffff, 0);
	seg(page + VMSA_TR, 0, r->tr_attr, 0xffff, 0);
	le64_store(page + VMSA_EFER, 0x1000);   /* KVM sets EFER.SVME */
	le64_store(page + VMSA_CR4, 0x40);      /* KVM sets CR4.MCE */
	le64_store(page + VMSA_CR0, 0x10);      /* CR0.ET */
	le64_store(page + VMSA_DR7, 0x400);
	le64_store(page + VMSA_DR6, 0xffff0ff0);
	le64_store(page + VMSA_RFLAGS, 0x2);
	le64_store(page + VMSA_RIP, eip & 0xffffu);
	le64_store(page + VMSA_G_PAT, r->g_pat);
	le64_store(page + VMSA_RDX, r->rdx_is_sig ? vcpu_sig : r->rdx);
	le64_store(page + VMSA_SEV_FEATURES, sev_features);
	le64_store(page + VMSA_XCR0, 0x1);
	le32_store(page + VMSA_MXCSR, r->mxcsr);
	le16_store(page + VMSA_X87_FCW, r->fcw);
}

void measure_vmsa_svsm_page(uint8_t page[MEASURE_PAGE_SIZE], uint32_t eip, uint32_t vcpu_sig)
{
	memset(page, 0, MEASURE_PAGE_SIZE);
	/* Flat 4 GiB code and data segments (selectors 8 and 16), 32-bit
	 * (D/B and G set: attribute 0xc9b / 0xc93). */
	seg(page + VMSA_ES, 16, 0xc93, 0xffffffff, 0);
	seg(page + VMSA_CS, 8, 0xc9b, 0xffffffff, 0);
	seg(page + VMSA_SS, 16, 0xc93, 0xffffffff, 0);
	seg(page + VMSA_DS, 16, 0xc93, 0xffffffff, 0);
	seg(page + VMSA_FS, 16, 0xc93, 0xffffffff, 0);
	seg(page + VMSA_GS, 0, 0x93, 0xffff, 0);
	seg(page + VMSA_GDTR, 0, 0, 0xffff, 0);
	seg(page + VMSA_LDTR, 0, 0x82, 0xffff, 0);
	seg(page + VMSA_IDTR, 0, 0, 0xffff, 0);
	seg(page + VMSA_TR, 0, 0x8b, 0xffff, 0);
	le64_store(page + VMSA_EFER, 0x1000);
	le64_store(page + VMSA_CR4, 0x40);
	le64_store(page + VMSA_CR0, 0x11); /* CR0.ET and CR0.PE: protected mode */
	le64_store(page + VMSA_DR7, 0x400);
	le64_store(page + VMSA_DR6, 0xffff0ff0);
	le64_store(page + VMSA_RFLAGS, 0x2);
	le64_store(page + VMSA_RIP, eip); /* the full address: CS base is 0 */
	le64_store(page + VMSA_G_PAT, 0x7040600070406ull);
	le64_store(page + VMSA_RDX, vcpu_sig);
	le64_store(page + VMSA_SEV_FEATURES, MEASURE_SVSM_SEV_FEATURES);
	le64_store(page + VMSA_XCR0, 0x1);
	le32_store(page + VMSA_MXCSR, 0x1f80);
}
