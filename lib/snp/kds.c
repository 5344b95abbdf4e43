#include "kds.h"

#include <stdarg.h>
#include <stdio.h>

#include "base/bytes.h"
#include "der/der.h"

static const char *key_path(enum kds_key key) { return key == KDS_VLEK ? "vlek" : "vcek"; }

/* snprintf into out, refusing truncation. */
__attribute__((format(printf, 5, 6)))
static int put(char *out, size_t cap, char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		der_errf(err, err_len, "KDS URL needs %d bytes, buffer has %zu", n + 1, cap);
		return -1;
	}
	return 0;
}

static int known(enum amd_product p, char *err, size_t err_len)
{
	if (p != AMD_PRODUCT_MILAN && p != AMD_PRODUCT_GENOA && p != AMD_PRODUCT_TURIN) {
		der_errf(err, err_len, "KDS URL: unknown product");
		return -1;
	}
	return 0;
}

int kds_url_cert_chain(char *out, size_t cap, enum amd_product p, enum kds_key key, char *err, size_t err_len)
{
	if (known(p, err, err_len))
		return -1;
	return put(out, cap, err, err_len, "%s/%s/v1/%s/cert_chain", KDS_BASE_URL, key_path(key), amd_product_name(p));
}

int kds_url_crl(char *out, size_t cap, enum amd_product p, enum kds_key key, char *err, size_t err_len)
{
	if (known(p, err, err_len))
		return -1;
	return put(out, cap, err, err_len, "%s/%s/v1/%s/crl", KDS_BASE_URL, key_path(key), amd_product_name(p));
}

int kds_url_vcek(char *out, size_t cap, enum amd_product p, const uint8_t chip_id[64], const uint8_t reported_tcb[8],
		 char *err, size_t err_len)
{
	char hwid[2 * 64 + 1];
	const uint8_t *t = reported_tcb;

	if (known(p, err, err_len))
		return -1;
	if (bytes_all_zero(chip_id, 64)) {
		der_errf(err, err_len, "KDS URL: CHIP_ID is all zero (MASK_CHIP_ID set?), no VCEK can be fetched");
		return -1;
	}
	if (p == AMD_PRODUCT_TURIN) {
		hex_encode(hwid, chip_id, 8);
		/* Turin REPORTED_TCB: 0 fmc, 1 boot_loader, 2 tee, 3 snp, 7 microcode */
		return put(out, cap, err, err_len, "%s/vcek/v1/%s/%s?fmcSPL=%02u&blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u",
			   KDS_BASE_URL, amd_product_name(p), hwid, t[0], t[1], t[2], t[3], t[7]);
	}
	hex_encode(hwid, chip_id, 64);
	/* Milan/Genoa REPORTED_TCB: 0 boot_loader, 1 tee, 6 snp, 7 microcode */
	return put(out, cap, err, err_len, "%s/vcek/v1/%s/%s?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u",
		   KDS_BASE_URL, amd_product_name(p), hwid, t[0], t[1], t[6], t[7]);
}
