/* Products, TCB_VERSION layouts and the names of report bits. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "snp_report.h"

const char *snp_product_name(enum snp_product p)
{
	switch (p) {
	case SNP_PRODUCT_MILAN: return "Milan";
	case SNP_PRODUCT_GENOA: return "Genoa";
	case SNP_PRODUCT_TURIN: return "Turin";
	case SNP_PRODUCT_UNKNOWN: break;
	}
	return "unknown";
}

int snp_product_parse(const char *s, enum snp_product *out)
{
	static const struct {
		const char *name;
		enum snp_product p;
	} names[] = {{"milan", SNP_PRODUCT_MILAN}, {"genoa", SNP_PRODUCT_GENOA}, {"turin", SNP_PRODUCT_TURIN}};
	if (!s)
		return -1;
	/* A VCEK productName is "<Product>-<stepping>" ("Milan-B0"). */
	size_t n = strcspn(s, "-");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i].name) != n)
			continue;
		size_t j = 0;
		while (j < n && tolower((unsigned char)s[j]) == names[i].name[j])
			j++;
		if (j == n) {
			*out = names[i].p;
			return 0;
		}
	}
	return -1;
}

/* Ranges as in virtee/sev Generation::identify_cpu and go-sev-guest's
 * extended-model test (Milan ext. model 0, Genoa 1). 0xA0-0xAF are the
 * Genoa-family parts (Bergamo, Siena) that use Genoa VCEKs. */
enum snp_product snp_product_from_cpuid(uint8_t family, uint8_t model)
{
	if (family == 0x19) {
		if (model <= 0x0F)
			return SNP_PRODUCT_MILAN;
		if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF))
			return SNP_PRODUCT_GENOA;
	} else if (family == 0x1A && model <= 0x11) {
		return SNP_PRODUCT_TURIN;
	}
	return SNP_PRODUCT_UNKNOWN;
}

enum snp_tcb_layout snp_tcb_layout_for(enum snp_product p)
{
	return p == SNP_PRODUCT_TURIN ? SNP_TCB_LAYOUT_TURIN : SNP_TCB_LAYOUT_MILAN_GENOA;
}

void snp_tcb_decode(struct snp_tcb *t, const uint8_t raw[8], enum snp_tcb_layout layout)
{
	memset(t, 0, sizeof *t);
	if (layout == SNP_TCB_LAYOUT_TURIN) {
		t->has_fmc = 1;
		t->fmc = raw[0];
		t->bootloader = raw[1];
		t->tee = raw[2];
		t->snp = raw[3];
		t->reserved_nonzero = raw[4] || raw[5] || raw[6];
	} else {
		t->bootloader = raw[0];
		t->tee = raw[1];
		t->snp = raw[6];
		t->reserved_nonzero = raw[2] || raw[3] || raw[4] || raw[5];
	}
	t->microcode = raw[7];
}

void snp_tcb_encode(uint8_t raw[8], const struct snp_tcb *t, enum snp_tcb_layout layout)
{
	memset(raw, 0, 8);
	if (layout == SNP_TCB_LAYOUT_TURIN) {
		raw[0] = t->fmc;
		raw[1] = t->bootloader;
		raw[2] = t->tee;
		raw[3] = t->snp;
	} else {
		raw[0] = t->bootloader;
		raw[1] = t->tee;
		raw[6] = t->snp;
	}
	raw[7] = t->microcode;
}

const char *snp_tcb_format(char *buf, size_t len, const struct snp_tcb *t)
{
	if (t->has_fmc)
		snprintf(buf, len, "fmc=%u bl=%u tee=%u snp=%u ucode=%u", t->fmc, t->bootloader, t->tee, t->snp,
			 t->microcode);
	else
		snprintf(buf, len, "bl=%u tee=%u snp=%u ucode=%u", t->bootloader, t->tee, t->snp, t->microcode);
	return buf;
}

int snp_tcb_raw_le(const uint8_t a[8], const uint8_t b[8])
{
	for (int i = 0; i < 8; i++)
		if (a[i] > b[i])
			return 0;
	return 1;
}

const char *snp_policy_bit_name(unsigned bit)
{
	switch (bit) {
	case 16: return "SMT";
	case 17: return "RESERVED_1";
	case 18: return "MIGRATE_MA";
	case 19: return "DEBUG";
	case 20: return "SINGLE_SOCKET";
	case 21: return "CXL_ALLOW";
	case 22: return "MEM_AES_256_XTS";
	case 23: return "RAPL_DIS";
	case 24: return "CIPHERTEXT_HIDING";
	case 25: return "PAGE_SWAP_DISABLE";
	default: return NULL;
	}
}

const char *snp_platform_info_bit_name(unsigned bit)
{
	switch (bit) {
	case 0: return "SMT_EN";
	case 1: return "TSME_EN";
	case 2: return "ECC_EN";
	case 3: return "RAPL_DIS";
	case 4: return "CIPHERTEXT_HIDING_EN";
	case 5: return "ALIAS_CHECK_COMPLETE";
	default: return NULL;
	}
}

const char *snp_signing_key_name(unsigned key)
{
	switch (key) {
	case SNP_SIGNING_KEY_VCEK: return "VCEK";
	case SNP_SIGNING_KEY_VLEK: return "VLEK";
	case SNP_SIGNING_KEY_NONE: return "none";
	default: return "reserved";
	}
}
