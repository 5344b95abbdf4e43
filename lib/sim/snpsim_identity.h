/* What the simulated platform's VCEK is issued for, and the sizes of its
 * test keys and certificates: the part of the test PKI (snpsim_pki.h) that
 * the certificate writer (snpsim_cert.h) needs too, so that the two depend
 * on this and not on each other. Host only. */
#ifndef SNPBOOT_SNPSIM_IDENTITY_H
#define SNPBOOT_SNPSIM_IDENTITY_H

#include <stdint.h>

#include "snp/snp_report.h"

#define SNPSIM_RSA_BITS 4096
#define SNPSIM_CERT_MAX 4096
#define SNPSIM_SERIAL_MAX 32 /* bytes of a certificate serial number we handle */
#define SNPSIM_EC_SCALAR_LEN 48
#define SNPSIM_EC_POINT_LEN 97

/* What the VCEK is issued for. */
struct snpsim_identity {
	enum snp_product product; /* MILAN, GENOA or TURIN */
	uint8_t chip_id[64];      /* Turin: only the first 8 bytes are used, the rest is zero */
	struct snp_tcb tcb;       /* fmc only on Turin */
};

/* "Milan-B0", "Genoa-B1", "Turin": the VCEK productName. */
const char *snpsim_product_name(enum snp_product p);

#endif
