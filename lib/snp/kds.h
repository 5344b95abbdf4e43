/*
 * URLs of AMD's Key Distribution Service (doc 57230), built from a report's
 * CHIP_ID and REPORTED_TCB. The format follows virtee/snpguest: hwID in
 * lowercase hex (Turin: first 8 bytes of CHIP_ID), SPLs in decimal padded
 * to two digits, and on Turin fmcSPL first:
 *   https://kdsintf.amd.com/vcek/v1/Milan/<128 hex>?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115
 *   https://kdsintf.amd.com/vcek/v1/Turin/<16 hex>?fmcSPL=01&blSPL=01&teeSPL=01&snpSPL=04&ucodeSPL=82
 * (go-sev-guest orders fmcSPL last and does not pad; KDS accepts both.)
 */
#ifndef SNPBOOT_KDS_H
#define SNPBOOT_KDS_H

#include <stddef.h>
#include <stdint.h>

#include "amd_cert.h"

#define KDS_BASE_URL "https://kdsintf.amd.com"
/* Enough for the longest URL (Milan/Genoa VCEK with a 128-digit hwID). */
#define KDS_URL_MAX 256

enum kds_key { KDS_VCEK = 0, KDS_VLEK = 1 };

/* {base}/{vcek|vlek}/v1/{product}/cert_chain (PEM: ASK or ASVK, then ARK). */
int kds_url_cert_chain(char *out, size_t cap, enum amd_product p, enum kds_key key, char *err, size_t err_len);
/* {base}/{vcek|vlek}/v1/{product}/crl (DER, signed by the ARK). */
int kds_url_crl(char *out, size_t cap, enum amd_product p, enum kds_key key, char *err, size_t err_len);
/*
 * {base}/vcek/v1/{product}/{hwid}?... for the VCEK matching a report:
 * chip_id is the report's 64-byte CHIP_ID, reported_tcb its 8 raw
 * REPORTED_TCB bytes (layout by product as in amd_cert.h). Refuses an
 * all-zero CHIP_ID (MASK_CHIP_ID). Turin uses the first 8 bytes only.
 */
int kds_url_vcek(char *out, size_t cap, enum amd_product p, const uint8_t chip_id[64],
		 const uint8_t reported_tcb[8], char *err, size_t err_len);

#endif
