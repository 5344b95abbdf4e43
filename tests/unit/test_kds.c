/* KDS URLs: exact strings for Milan (from the real report), Turin, chains, CRLs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "snp/kds.h"

static char err[256];

int main(void)
{
	char url[KDS_URL_MAX];
	uint8_t report[1184];
	char path[512];
	snprintf(path, sizeof(path), "%s/testvectors/real/milan/report.bin", shared_dir());
	FILE *f = fopen(path, "rb");
	if (!f || fread(report, 1, sizeof(report), f) != sizeof(report)) {
		printf("Bail out! cannot read %s\n", path);
		return 1;
	}
	fclose(f);

	ok(kds_url_vcek(url, sizeof(url), AMD_PRODUCT_MILAN, report + 0x1a0, report + 0x180, err, sizeof(err)) == 0,
	   "Milan VCEK URL: %s", err);
	is_str(url,
	       "https://kdsintf.amd.com/vcek/v1/Milan/"
	       "d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc"
	       "15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6"
	       "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115",
	       "Milan VCEK URL from the real report (hwID lowercase, SPLs decimal)");
	ok(strlen(url) < KDS_URL_MAX, "fits KDS_URL_MAX (%zu)", strlen(url));
	ok(kds_url_vcek(url, sizeof(url), AMD_PRODUCT_GENOA, report + 0x1a0, report + 0x180, err, sizeof(err)) == 0 &&
		   strncmp(url, "https://kdsintf.amd.com/vcek/v1/Genoa/d49554ec", 46) == 0,
	   "Genoa uses the Milan layout and the product name");

	uint8_t chip[64] = {0x1e, 0x55, 0x0a, 0x8e, 0xe5, 0xcf, 0x9f, 0x4d};
	const uint8_t turin_tcb[8] = {1, 1, 1, 4, 0, 0, 0, 82}; /* fmc, bl, tee, snp, -, -, -, ucode */
	ok(kds_url_vcek(url, sizeof(url), AMD_PRODUCT_TURIN, chip, turin_tcb, err, sizeof(err)) == 0, "Turin VCEK URL");
	is_str(url, "https://kdsintf.amd.com/vcek/v1/Turin/1e550a8ee5cf9f4d?fmcSPL=01&blSPL=01&teeSPL=01&snpSPL=04&ucodeSPL=82",
	       "Turin: 8-byte hwID, fmcSPL first");
	const uint8_t turin_tcb2[8] = {2, 3, 5, 7, 0xaa, 0xbb, 0xcc, 255};
	ok(kds_url_vcek(url, sizeof(url), AMD_PRODUCT_TURIN, chip, turin_tcb2, err, sizeof(err)) == 0 &&
		   strcmp(url, "https://kdsintf.amd.com/vcek/v1/Turin/1e550a8ee5cf9f4d?fmcSPL=02&blSPL=03&teeSPL=05&snpSPL=07&ucodeSPL=255") == 0,
	   "Turin byte positions (reserved bytes ignored): %s", url);
	const uint8_t milan_tcb[8] = {0x11, 0x22, 0xaa, 0xbb, 0xcc, 0xdd, 0x33, 0x44};
	memset(chip, 0xab, sizeof(chip));
	ok(kds_url_vcek(url, sizeof(url), AMD_PRODUCT_MILAN, chip, milan_tcb, err, sizeof(err)) == 0 &&
		   strstr(url, "?blSPL=17&teeSPL=34&snpSPL=51&ucodeSPL=68"),
	   "Milan byte positions 0, 1, 6, 7: %s", url);

	memset(chip, 0, sizeof(chip));
	ok(kds_url_vcek(url, sizeof(url), AMD_PRODUCT_MILAN, chip, milan_tcb, err, sizeof(err)) < 0 &&
		   strstr(err, "MASK_CHIP_ID"),
	   "zero CHIP_ID refused: %s", err);
	ok(kds_url_vcek(url, sizeof(url), AMD_PRODUCT_UNKNOWN, report + 0x1a0, milan_tcb, err, sizeof(err)) < 0,
	   "unknown product refused: %s", err);
	ok(kds_url_vcek(url, 100, AMD_PRODUCT_MILAN, report + 0x1a0, milan_tcb, err, sizeof(err)) < 0 &&
		   strstr(err, "buffer has 100"),
	   "small buffer refused: %s", err);

	ok(kds_url_cert_chain(url, sizeof(url), AMD_PRODUCT_MILAN, KDS_VCEK, err, sizeof(err)) == 0, "chain URL");
	is_str(url, "https://kdsintf.amd.com/vcek/v1/Milan/cert_chain", "Milan cert_chain");
	kds_url_cert_chain(url, sizeof(url), AMD_PRODUCT_GENOA, KDS_VCEK, err, sizeof(err));
	is_str(url, "https://kdsintf.amd.com/vcek/v1/Genoa/cert_chain", "Genoa cert_chain");
	kds_url_cert_chain(url, sizeof(url), AMD_PRODUCT_TURIN, KDS_VLEK, err, sizeof(err));
	is_str(url, "https://kdsintf.amd.com/vlek/v1/Turin/cert_chain", "Turin VLEK cert_chain");
	kds_url_crl(url, sizeof(url), AMD_PRODUCT_MILAN, KDS_VCEK, err, sizeof(err));
	is_str(url, "https://kdsintf.amd.com/vcek/v1/Milan/crl", "Milan CRL");
	kds_url_crl(url, sizeof(url), AMD_PRODUCT_GENOA, KDS_VLEK, err, sizeof(err));
	is_str(url, "https://kdsintf.amd.com/vlek/v1/Genoa/crl", "Genoa VLEK CRL");
	ok(kds_url_crl(url, sizeof(url), (enum amd_product)7, KDS_VCEK, err, sizeof(err)) < 0, "bad product refused");
	ok(kds_url_cert_chain(url, 20, AMD_PRODUCT_MILAN, KDS_VCEK, err, sizeof(err)) < 0, "small buffer refused");
	return done_testing();
}
