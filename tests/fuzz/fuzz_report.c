/* libFuzzer target for the attestation report parser and printers. Input:
 * the report bytes, optionally followed by one byte that picks the caller's
 * product (low 2 bits) and SNP_PARSE_ALLOW_UNSIGNED (bit 2). Accepted
 * reports are printed as text and JSON to /dev/null; now and then their
 * signature is checked against a fixed P-384 key (slow: ~4 ms each). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snp/snp_report.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An arbitrary valid P-384 point (the generator G), so verification runs
 * the whole ECDSA path and fails. */
static const uint8_t key[97] = {
	0x04, 0xaa, 0x87, 0xca, 0x22, 0xbe, 0x8b, 0x05, 0x37, 0x8e, 0xb1, 0xc7, 0x1e, 0xf3, 0x20, 0xad, 0x74, 0x6e,
	0x1d, 0x3b, 0x62, 0x8b, 0xa7, 0x9b, 0x98, 0x59, 0xf7, 0x41, 0xe0, 0x82, 0x54, 0x2a, 0x38, 0x55, 0x02, 0xf2,
	0x5d, 0xbf, 0x55, 0x29, 0x6c, 0x3a, 0x54, 0x5e, 0x38, 0x72, 0x76, 0x0a, 0xb7, 0x36, 0x17, 0xde, 0x4a, 0x96,
	0x26, 0x2c, 0x6f, 0x5d, 0x9e, 0x98, 0xbf, 0x92, 0x92, 0xdc, 0x29, 0xf8, 0xf4, 0x1d, 0xbd, 0x28, 0x9a, 0x14,
	0x7c, 0xe9, 0xda, 0x31, 0x13, 0xb5, 0xf0, 0xb8, 0xc0, 0x0a, 0x60, 0xb1, 0xce, 0x1d, 0x7e, 0x81, 0x9d, 0x7a,
	0x43, 0x1d, 0x7c, 0x90, 0xea, 0x0e, 0x5f,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static struct snp_report r;
	char err[256];
	if (!null)
		null = fopen("/dev/null", "w");
	enum snp_product product = SNP_PRODUCT_UNKNOWN;
	unsigned flags = 0;
	size_t len = size;
	if (size == SNP_REPORT_SIZE + 1) {
		product = (enum snp_product)(data[SNP_REPORT_SIZE] & 3);
		flags = (data[SNP_REPORT_SIZE] & 4) ? SNP_PARSE_ALLOW_UNSIGNED : 0;
		len = SNP_REPORT_SIZE;
	}
	/* Exact-size copy so ASan sees any read past the report. */
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, len);
	err[0] = 'x';
	if (snp_report_parse(&r, buf, len, product, flags, err, sizeof err) != 0) {
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err)); /* every refusal says why */
		free(buf);
		return 0;
	}
	CHECK(len == SNP_REPORT_SIZE && r.version >= 2 && r.version <= 5 && r.vmpl <= 3);
	CHECK((r.policy & SNP_POLICY_RESERVED_1) && !(r.policy & ~SNP_POLICY_KNOWN_MASK));
	CHECK(memcmp(r.raw, buf, SNP_REPORT_SIZE) == 0);
	CHECK(r.has_cpuid == (r.version >= 3) && r.has_mit_vectors == (r.version >= 5));
	if (null) {
		snp_report_print(null, &r);
		snp_report_print_json(null, &r);
	}
	struct snp_tcb t;
	uint8_t back[8];
	snp_tcb_decode(&t, r.reported_tcb, r.tcb_layout);
	snp_tcb_encode(back, &t, r.tcb_layout);
	CHECK(t.reserved_nonzero || memcmp(back, r.reported_tcb, 8) == 0);
	if (r.report_data[0] == 0x5a && r.signature_algo == 1) {
		CHECK(snp_report_verify_signature(&r, key, sizeof key, err, sizeof err) == -1);
		CHECK(err[0]);
	}
	free(buf);
	return 0;
}
