/* The simulated VCEK's productName; see snpsim_identity.h. */
#include "snpsim_identity.h"

const char *snpsim_product_name(enum snp_product p)
{
	switch (p) {
	case SNP_PRODUCT_MILAN: return "Milan-B0";
	case SNP_PRODUCT_GENOA: return "Genoa-B1";
	case SNP_PRODUCT_TURIN: return "Turin";
	case SNP_PRODUCT_UNKNOWN: break;
	}
	return "unknown";
}
