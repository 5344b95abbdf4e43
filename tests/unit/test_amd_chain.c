/* AMD chain: pinned roots, the real Milan/Genoa/Turin certificates, a test-only PKI
 * (amd_test_vectors.h) for anchors, CRLs and VLEKs, tampering and truncation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snp/amd_cert.h"
#include "snp/amd_certdir.h"
#include "amd_test_vectors.h"
#include "x509/pem.h"
#include "../tap.h"
#include "x509/x509.h"

#define T_2024_06_01 1717200000 /* inside every real and test certificate's validity */
#define T_2025_06_01 1748736000

static char err[512];

static uint8_t *read_all(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/testvectors/%s", shared_dir(), rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	uint8_t *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* Block idx of a PEM file (or the DER file itself when idx is -1). */
static uint8_t *load(const char *rel, int idx, size_t *len)
{
	size_t flen, pos = 0;
	uint8_t *file = read_all(rel, &flen);
	if (idx < 0) {
		*len = flen;
		return file;
	}
	uint8_t *der = malloc(flen);
	for (int i = 0; i <= idx; i++) {
		if (pem_next((const char *)file, flen, &pos, "CERTIFICATE", der, flen, len, err, sizeof(err)) != 1) {
			printf("Bail out! %s block %d: %s\n", rel, i, err);
			exit(1);
		}
	}
	free(file);
	return der;
}

struct real {
	uint8_t *ark[4], *ask[4];
	size_t ark_len[4], ask_len[4];
	uint8_t *milan_vcek, *turin_vcek, *turin_chain_ask, *turin_chain_ark, *milan_chain_ask, *milan_chain_ark;
	size_t milan_vcek_len, turin_vcek_len, turin_chain_ask_len, turin_chain_ark_len, milan_chain_ask_len,
		milan_chain_ark_len;
	uint8_t *report;
	size_t report_len;
};
static struct real R;

static const char *const prod_dir[4] = {NULL, "milan", "genoa", "turin"};

static void load_real(void)
{
	char rel[64];
	for (int p = 1; p <= 3; p++) {
		snprintf(rel, sizeof(rel), "amd/%s/ark.pem", prod_dir[p]);
		R.ark[p] = load(rel, 0, &R.ark_len[p]);
		snprintf(rel, sizeof(rel), "amd/%s/ask.pem", prod_dir[p]);
		R.ask[p] = load(rel, 0, &R.ask_len[p]);
	}
	R.milan_vcek = load("real/milan/vcek.der", -1, &R.milan_vcek_len);
	R.turin_vcek = load("real/turin/vcek.der", -1, &R.turin_vcek_len);
	R.milan_chain_ask = load("real/milan/cert_chain.pem", 0, &R.milan_chain_ask_len);
	R.milan_chain_ark = load("real/milan/cert_chain.pem", 1, &R.milan_chain_ark_len);
	R.turin_chain_ask = load("real/turin/cert_chain.pem", 0, &R.turin_chain_ask_len);
	R.turin_chain_ark = load("real/turin/cert_chain.pem", 1, &R.turin_chain_ark_len);
	R.report = load("real/milan/report.bin", -1, &R.report_len);
}

static struct amd_certs milan_certs(void)
{
	struct amd_certs c = {R.ark[AMD_PRODUCT_MILAN], R.ark_len[AMD_PRODUCT_MILAN], R.ask[AMD_PRODUCT_MILAN],
			      R.ask_len[AMD_PRODUCT_MILAN], R.milan_vcek, R.milan_vcek_len, NULL, 0};
	return c;
}

static int verify(const struct amd_certs *c, enum amd_product p, const uint8_t *anchor, size_t anchor_len,
		  time_t now, struct amd_chain_result *res)
{
	struct amd_chain_opts o = {p, anchor, anchor_len, now, 0};
	return amd_chain_verify(c, &o, res, err, sizeof(err));
}

static void test_pinned_roots(void)
{
	for (int p = 1; p <= 3; p++) {
		struct x509_cert c;
		uint8_t fp[48];
		br_sha384_context h;
		ok(x509_parse(&c, R.ark[p], R.ark_len[p], err, sizeof(err)) == 0, "%s ARK parses", prod_dir[p]);
		br_sha384_init(&h);
		br_sha384_update(&h, c.spki.p, c.spki.len);
		br_sha384_out(&h, fp);
		/* Second computation of the pinned constant (the first was openssl pkey | dgst). */
		is_mem(fp, amd_root_spki_sha384((enum amd_product)p), 48, "%s ARK SPKI SHA-384 equals the pinned constant",
		       prod_dir[p]);
		ok(amd_root_is_pinned(R.ark[p], R.ark_len[p], (enum amd_product)p, err, sizeof(err)) == 0,
		   "%s ARK is the pinned root", prod_dir[p]);
		int other = p == 3 ? 1 : p + 1;
		ok(amd_root_is_pinned(R.ark[p], R.ark_len[p], (enum amd_product)other, err, sizeof(err)) < 0 &&
			   strstr(err, "expected the") != NULL,
		   "%s ARK refused as the %s root: %s", prod_dir[p], prod_dir[other], err);
	}
	ok(amd_root_spki_sha384(AMD_PRODUCT_UNKNOWN) == NULL, "no pinned root for an unknown product");
	ok(amd_root_is_pinned(tv_ark, sizeof(tv_ark), AMD_PRODUCT_MILAN, err, sizeof(err)) < 0 &&
		   strstr(err, "is not the pinned AMD Milan root"),
	   "test root is not pinned: %s", err);
	/* KDS's cert_chain.pem carries the same ARK/ASK as the amd/ copies. */
	ok(R.milan_chain_ark_len == R.ark_len[1] && !memcmp(R.milan_chain_ark, R.ark[1], R.ark_len[1]),
	   "Milan cert_chain.pem block 2 is the Milan ARK");
	ok(R.milan_chain_ask_len == R.ask_len[1] && !memcmp(R.milan_chain_ask, R.ask[1], R.ask_len[1]),
	   "Milan cert_chain.pem block 1 is the Milan ASK");
}

static void test_real_ca_pairs(void)
{
	for (int p = 1; p <= 3; p++) {
		struct x509_cert ark, ask;
		ok(x509_parse(&ark, R.ark[p], R.ark_len[p], err, sizeof(err)) == 0 &&
			   x509_parse(&ask, R.ask[p], R.ask_len[p], err, sizeof(err)) == 0,
		   "%s ARK and ASK parse", prod_dir[p]);
		ok(x509_check_signature(&ark, &ark, err, sizeof(err)) == 0, "%s ARK self-signature (RSA-PSS) verifies: %s",
		   prod_dir[p], err);
		ok(x509_check_signature(&ask, &ark, err, sizeof(err)) == 0, "%s ASK signed by ARK: %s", prod_dir[p], err);
		ok(x509_check_signature(&ark, &ask, err, sizeof(err)) < 0, "%s ARK not signed by ASK", prod_dir[p]);
		ok(x509_span_equal(&ask.issuer, &ark.subject), "%s ASK issuer == ARK subject", prod_dir[p]);
	}
}

static void test_real_milan_chain(void)
{
	struct amd_certs c = milan_certs();
	struct amd_chain_result res;
	int rc = verify(&c, AMD_PRODUCT_UNKNOWN, NULL, 0, T_2024_06_01, &res);
	ok(rc == 0, "real Milan chain verifies (pinned root, product from VCEK): %s", err);
	is_int(res.product, AMD_PRODUCT_MILAN, "product Milan");
	is_int(res.is_vlek, 0, "VCEK, not VLEK");
	is_int(res.crl_checked, 0, "no CRL consulted");
	is_int(res.ext.struct_version, 0, "structVersion 0");
	is_str(res.ext.product_name, "Milan-B0", "productName");
	is_int(res.ext.bl_spl, 3, "blSPL 3");
	is_int(res.ext.tee_spl, 0, "teeSPL 0");
	is_int(res.ext.snp_spl, 8, "snpSPL 8");
	is_int(res.ext.ucode_spl, 0x73, "ucodeSPL 0x73");
	ok(!(res.ext.present & AMD_EXT_FMC_SPL), "no fmcSPL on Milan");
	is_int(res.ext.hwid_len, 64, "hwID 64 bytes");
	ok(R.report_len == 1184 && memcmp(res.ext.hwid, R.report + 0x1a0, 64) == 0, "hwID == report CHIP_ID");
	is_int(res.vcek_key.curve, BR_EC_secp384r1, "VCEK key on P-384");
	ok(res.vcek_key.q == res.vcek_q && res.vcek_key.qlen == 97 && res.vcek_q[0] == 0x04, "VCEK point copied out");

	br_ec_public_key pk;
	uint8_t q[97];
	ok(amd_vcek_public_key(R.milan_vcek, R.milan_vcek_len, &pk, q, err, sizeof(err)) == 0 &&
		   memcmp(q, res.vcek_q, 97) == 0,
	   "amd_vcek_public_key gives the same point");
	struct amd_vcek_ext ext;
	ok(amd_vcek_ext_parse(R.milan_vcek, R.milan_vcek_len, &ext, err, sizeof(err)) == 0 &&
		   memcmp(&ext, &res.ext, sizeof(ext)) == 0,
	   "amd_vcek_ext_parse gives the same extensions");

	/* REPORTED_TCB 03 00 00 00 00 00 08 73 and CHIP_ID from the real report. */
	static const uint8_t want_tcb[8] = {3, 0, 0, 0, 0, 0, 8, 0x73};
	is_mem(R.report + 0x180, want_tcb, 8, "report REPORTED_TCB as documented");
	is_int(amd_vcek_match_report(&res.ext, res.product, R.report + 0x180, R.report + 0x1a0, err, sizeof(err)), 0,
	       "VCEK extensions match the real report: %s", err);
	uint8_t tcb[8], chip[64];
	memcpy(tcb, R.report + 0x180, 8);
	memcpy(chip, R.report + 0x1a0, 64);
	tcb[0] = 2;
	is_int(amd_vcek_match_report(&res.ext, res.product, tcb, chip, err, sizeof(err)), 1, "one mismatch");
	is_str(err, "VCEK blSPL 3 != REPORTED_TCB boot_loader 2", "mismatch message");
	tcb[1] = 1, tcb[6] = 9, tcb[7] = 0x74, chip[5] ^= 1;
	is_int(amd_vcek_match_report(&res.ext, res.product, tcb, chip, err, sizeof(err)), 5, "five mismatches: %s", err);
	ok(strstr(err, "teeSPL 0 != REPORTED_TCB tee 1") && strstr(err, "snpSPL 8 != REPORTED_TCB snp 9") &&
		   strstr(err, "ucodeSPL 115 != REPORTED_TCB microcode 116") && strstr(err, "hwID d49554ec717f4e5b"),
	   "each mismatch named");
	memset(chip, 0, 64);
	memcpy(tcb, R.report + 0x180, 8);
	is_int(amd_vcek_match_report(&res.ext, res.product, tcb, chip, err, sizeof(err)), 1, "zero CHIP_ID mismatches");
	ok(strstr(err, "MASK_CHIP_ID") != NULL, "zero CHIP_ID hints at MASK_CHIP_ID: %s", err);

	/* cert_chain.pem as KDS serves it gives the same result. */
	struct amd_certs c2 = {R.milan_chain_ark, R.milan_chain_ark_len, R.milan_chain_ask, R.milan_chain_ask_len,
			       R.milan_vcek, R.milan_vcek_len, NULL, 0};
	ok(verify(&c2, AMD_PRODUCT_MILAN, NULL, 0, T_2024_06_01, &res) == 0, "Milan chain from cert_chain.pem: %s", err);
}

static void test_real_milan_refusals(void)
{
	struct amd_certs c = milan_certs();
	struct amd_chain_result res;

	ok(verify(&c, AMD_PRODUCT_GENOA, NULL, 0, T_2024_06_01, &res) < 0 && strstr(err, "expected Genoa"),
	   "Milan VCEK refused when Genoa is expected: %s", err);
	c.ark = R.ark[AMD_PRODUCT_GENOA], c.ark_len = R.ark_len[AMD_PRODUCT_GENOA];
	ok(verify(&c, AMD_PRODUCT_UNKNOWN, NULL, 0, T_2024_06_01, &res) < 0 &&
		   strstr(err, "is the pinned Genoa root, expected the Milan root"),
	   "Genoa ARK refused for a Milan VCEK: %s", err);
	c = milan_certs();
	c.ask = R.ask[AMD_PRODUCT_GENOA], c.ask_len = R.ask_len[AMD_PRODUCT_GENOA];
	ok(verify(&c, AMD_PRODUCT_UNKNOWN, NULL, 0, T_2024_06_01, &res) < 0 && strstr(err, "ASK: issuer name differs"),
	   "Genoa ASK under the Milan ARK refused: %s", err);

	c = milan_certs();
	c.ask = R.ark[AMD_PRODUCT_MILAN], c.ask_len = R.ark_len[AMD_PRODUCT_MILAN];
	ok(verify(&c, AMD_PRODUCT_MILAN, NULL, 0, T_2024_06_01, &res) < 0 && strstr(err, "has the ARK's subject name"),
	   "ARK given as its own ASK refused: %s", err);

	/* Validity: ARK/ASK from 2020-10-22, VCEK 2023-04-03 .. 2030-04-03, ARK/ASK until 2045. */
	c = milan_certs();
	ok(verify(&c, AMD_PRODUCT_MILAN, NULL, 0, 1640995200 /* 2022-01-01 */, &res) < 0 &&
		   strstr(err, "VCEK: not yet valid"),
	   "VCEK not yet valid in 2022: %s", err);
	ok(verify(&c, AMD_PRODUCT_MILAN, NULL, 0, 1924992000 /* 2031-01-01 */, &res) < 0 && strstr(err, "VCEK: expired"),
	   "VCEK expired in 2031: %s", err);
	ok(verify(&c, AMD_PRODUCT_MILAN, NULL, 0, 1577836800 /* 2020-01-01 */, &res) < 0 &&
		   strstr(err, "ARK: not yet valid"),
	   "ARK not yet valid in 2020: %s", err);
	ok(verify(&c, AMD_PRODUCT_MILAN, NULL, 0, 2398377600 /* 2046-01-01 */, &res) < 0 && strstr(err, "ARK: expired"),
	   "ARK expired in 2046: %s", err);
	ok(verify(&c, AMD_PRODUCT_MILAN, NULL, 0, 1680549823 /* exactly notBefore */, &res) == 0,
	   "valid at exactly the VCEK notBefore");
	ok(verify(&c, AMD_PRODUCT_MILAN, NULL, 0, 1680549822, &res) < 0, "invalid one second before");

	/* Wrong places and missing pieces. */
	struct amd_certs sw = {R.ark[1], R.ark_len[1], R.milan_vcek, R.milan_vcek_len, R.ask[1], R.ask_len[1], NULL, 0};
	ok(verify(&sw, AMD_PRODUCT_MILAN, NULL, 0, T_2024_06_01, &res) < 0, "ASK and VCEK swapped refused: %s", err);
	struct amd_certs none = {NULL, 0, R.ask[1], R.ask_len[1], R.milan_vcek, R.milan_vcek_len, NULL, 0};
	ok(verify(&none, AMD_PRODUCT_MILAN, NULL, 0, T_2024_06_01, &res) < 0 && strstr(err, "ARK: certificate missing"),
	   "missing ARK refused: %s", err);
	struct amd_chain_opts o = {AMD_PRODUCT_MILAN, NULL, 0, T_2024_06_01, 1};
	ok(amd_chain_verify(&c, &o, &res, err, sizeof(err)) < 0 && strstr(err, "CRL: required"),
	   "require_crl without a CRL refused: %s", err);
}

static void test_real_turin(void)
{
	struct amd_certs c = {R.turin_chain_ark, R.turin_chain_ark_len, R.turin_chain_ask, R.turin_chain_ask_len,
			      R.turin_vcek, R.turin_vcek_len, NULL, 0};
	struct amd_chain_result res;
	ok(R.turin_chain_ark_len == R.ark_len[3] && !memcmp(R.turin_chain_ark, R.ark[3], R.ark_len[3]),
	   "Turin cert_chain.pem ARK is the Turin ARK");
	ok(verify(&c, AMD_PRODUCT_UNKNOWN, NULL, 0, T_2025_06_01, &res) == 0, "real Turin chain verifies: %s", err);
	is_int(res.product, AMD_PRODUCT_TURIN, "product Turin");
	is_str(res.ext.product_name, "Turin", "productName \"Turin\" (no stepping)");
	is_int(res.ext.struct_version, 1, "structVersion 1");
	ok(res.ext.present & AMD_EXT_FMC_SPL, "fmcSPL present");
	is_int(res.ext.fmc_spl, 0, "fmcSPL 0");
	is_int(res.ext.ucode_spl, 9, "ucodeSPL 9");
	static const uint8_t hwid[8] = {0x1e, 0x55, 0x0a, 0x8e, 0xe5, 0xcf, 0x9f, 0x4d};
	ok(res.ext.hwid_len == 8 && memcmp(res.ext.hwid, hwid, 8) == 0, "8-byte hwID");
	uint8_t tcb[8] = {0, 0, 0, 0, 0, 0, 0, 9}, chip[64] = {0};
	memcpy(chip, hwid, 8);
	chip[20] = 0xaa; /* only the first 8 bytes are compared on Turin */
	is_int(amd_vcek_match_report(&res.ext, AMD_PRODUCT_TURIN, tcb, chip, err, sizeof(err)), 0,
	       "Turin layout matches: %s", err);
	tcb[0] = 1;
	is_int(amd_vcek_match_report(&res.ext, AMD_PRODUCT_TURIN, tcb, chip, err, sizeof(err)), 1, "fmc mismatch");
	is_str(err, "VCEK fmcSPL 0 != REPORTED_TCB fmc 1", "fmc mismatch message");
	is_int(amd_vcek_match_report(&res.ext, AMD_PRODUCT_MILAN, tcb, chip, err, sizeof(err)), -1,
	       "8-byte hwID refused for the Milan layout: %s", err);
	ok(verify(&c, AMD_PRODUCT_MILAN, NULL, 0, T_2025_06_01, &res) < 0, "Turin VCEK refused as Milan: %s", err);
}

static void test_match_layouts(void)
{
	struct amd_vcek_ext x;
	memset(&x, 0, sizeof(x));
	x.present = AMD_EXT_BL_SPL | AMD_EXT_TEE_SPL | AMD_EXT_SNP_SPL | AMD_EXT_UCODE_SPL | AMD_EXT_FMC_SPL | AMD_EXT_HWID;
	x.bl_spl = 1, x.tee_spl = 2, x.snp_spl = 3, x.ucode_spl = 4, x.fmc_spl = 5;
	x.hwid_len = 64;
	uint8_t chip[64] = {0};
	memset(chip, 0x11, 64);
	memset(x.hwid, 0x11, 64);
	const uint8_t milan[8] = {1, 2, 0, 0, 0, 0, 3, 4}, turin[8] = {5, 1, 2, 3, 0, 0, 0, 4};
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_MILAN, milan, chip, err, sizeof(err)), 0, "Milan layout");
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_GENOA, milan, chip, err, sizeof(err)), 0, "Genoa = Milan layout");
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_MILAN, turin, chip, err, sizeof(err)), 3,
	       "Turin bytes under the Milan layout: %s", err);
	x.hwid_len = 8;
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_TURIN, turin, chip, err, sizeof(err)), 0, "Turin layout");
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_TURIN, milan, chip, err, sizeof(err)), 4,
	       "Milan bytes under the Turin layout: %s", err);
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_UNKNOWN, turin, chip, err, sizeof(err)), -1, "unknown product");
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_TURIN, turin, NULL, err, sizeof(err)), -1, "VCEK needs a CHIP_ID");
	x.present &= ~AMD_EXT_FMC_SPL;
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_TURIN, turin, chip, err, sizeof(err)), -1,
	       "Turin without fmcSPL: %s", err);
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_MILAN, milan, chip, err, sizeof(err)), -1,
	       "8-byte hwID on Milan: %s", err);
	x.present &= ~AMD_EXT_HWID;
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_MILAN, milan, chip, err, sizeof(err)), -1,
	       "neither hwID nor cspId: %s", err);
	x.present |= AMD_EXT_CSP_ID;
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_MILAN, milan, NULL, err, sizeof(err)), 0, "VLEK: no CHIP_ID");
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_MILAN, turin, NULL, err, sizeof(err)), 3, "VLEK mismatches");
	ok(strncmp(err, "VLEK blSPL", 10) == 0, "VLEK named in messages: %s", err);
	/* A tiny error buffer truncates, never overflows. */
	char small[8];
	is_int(amd_vcek_match_report(&x, AMD_PRODUCT_MILAN, turin, NULL, small, sizeof(small)), 3, "small buffer count");
	is_int(strlen(small), 7, "small buffer truncated");

	is_int(amd_product_from_name("Milan-B0", 8), AMD_PRODUCT_MILAN, "Milan-B0");
	is_int(amd_product_from_name("Genoa-B1", 8), AMD_PRODUCT_GENOA, "Genoa-B1");
	is_int(amd_product_from_name("Turin", 5), AMD_PRODUCT_TURIN, "Turin");
	is_int(amd_product_from_name("Turin-C1", 8), AMD_PRODUCT_TURIN, "Turin-C1");
	is_int(amd_product_from_name("Mila", 4), AMD_PRODUCT_UNKNOWN, "Mila");
	is_int(amd_product_from_name("MilanX-B0", 9), AMD_PRODUCT_UNKNOWN, "MilanX-B0");
	is_int(amd_product_from_name("milan", 5), AMD_PRODUCT_UNKNOWN, "case-sensitive");
	is_int(amd_product_from_name("", 0), AMD_PRODUCT_UNKNOWN, "empty");
	is_str(amd_product_name(AMD_PRODUCT_GENOA), "Genoa", "name of Genoa");
}

/* Test PKI: an anchor that is not AMD's, CRLs, VLEK. */
static void test_test_pki(void)
{
	struct amd_certs c = {tv_ark, sizeof(tv_ark), tv_ask, sizeof(tv_ask), tv_vcek, sizeof(tv_vcek), NULL, 0};
	struct amd_chain_result res;

	ok(verify(&c, AMD_PRODUCT_UNKNOWN, NULL, 0, T_2025_06_01, &res) < 0 && strstr(err, "not the pinned AMD Milan root"),
	   "chain under a non-AMD root refused without an anchor: %s", err);
	ok(verify(&c, AMD_PRODUCT_UNKNOWN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) == 0,
	   "accepted with the explicit anchor: %s", err);
	is_int(res.product, AMD_PRODUCT_MILAN, "product from productName");
	ok(res.ext.hwid_len == 64 && memcmp(res.ext.hwid, tv_hwid, 64) == 0, "test hwID");
	struct amd_certs c_noark = c;
	c_noark.ark = NULL, c_noark.ark_len = 0;
	ok(verify(&c_noark, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) == 0,
	   "ARK taken from the anchor when absent: %s", err);
	ok(verify(&c, AMD_PRODUCT_MILAN, tv_ark2, sizeof(tv_ark2), T_2025_06_01, &res) < 0 &&
		   strstr(err, "differs from the configured trust anchor"),
	   "ARK other than the anchor refused: %s", err);
	ok(verify(&c_noark, AMD_PRODUCT_MILAN, tv_ark2, sizeof(tv_ark2), T_2025_06_01, &res) < 0 &&
		   strstr(err, "ASK: signature by ARK invalid"),
	   "anchor with the same name but another key: ASK signature refused: %s", err);
	struct amd_certs real_under_test = milan_certs();
	real_under_test.ark = NULL;
	ok(verify(&real_under_test, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 &&
		   strstr(err, "ASK: signature by ARK invalid"),
	   "real AMD ASK refused under the test anchor: %s", err);
	real_under_test = milan_certs();
	ok(verify(&real_under_test, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0,
	   "real ARK != test anchor refused: %s", err);

	/* Product: Genoa-B1 VCEK under the test anchor. */
	struct amd_certs g = c;
	g.vcek = tv_vcek_genoa, g.vcek_len = sizeof(tv_vcek_genoa);
	ok(verify(&g, AMD_PRODUCT_UNKNOWN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) == 0 &&
		   res.product == AMD_PRODUCT_GENOA,
	   "Genoa-B1 productName gives Genoa");
	ok(verify(&g, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 &&
		   strstr(err, "productName \"Genoa-B1\", expected Milan"),
	   "Genoa VCEK refused as Milan: %s", err);
	g.vcek = tv_vcek_bad_spl, g.vcek_len = sizeof(tv_vcek_bad_spl);
	ok(verify(&g, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 &&
		   strstr(err, "blSPL (.3.1) is 300"),
	   "SPL that does not fit a byte refused: %s", err);

	/* CRL */
	struct amd_certs cr = c;
	cr.crl = tv_crl, cr.crl_len = sizeof(tv_crl);
	ok(verify(&cr, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) == 0 && res.crl_checked == 1,
	   "CRL verified, VCEK not listed: %s", err);
	cr.vcek = tv_vcek_revoked, cr.vcek_len = sizeof(tv_vcek_revoked);
	ok(verify(&cr, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 &&
		   strstr(err, "VCEK serial 1002: revoked by the ARK's CRL"),
	   "revoked VCEK refused: %s", err);
	cr.crl = NULL, cr.crl_len = 0;
	ok(verify(&cr, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) == 0 && res.crl_checked == 0,
	   "same VCEK without a CRL passes (CRL optional)");
	cr = c;
	cr.crl = tv_crl_revokes_ask, cr.crl_len = sizeof(tv_crl_revokes_ask);
	ok(verify(&cr, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 && strstr(err, "ASK serial 010001: revoked by the ARK's CRL"),
	   "revoked ASK refused: %s", err);
	cr.crl = tv_crl_stale, cr.crl_len = sizeof(tv_crl_stale);
	ok(verify(&cr, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 && strstr(err, "CRL: stale"),
	   "stale CRL refused: %s", err);
	ok(verify(&cr, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), 1706745600 /* 2024-02-01 */, &res) == 0,
	   "the same CRL is fine before its nextUpdate (VCEK not listed): %s", err);
	cr.crl = tv_crl_by_ask, cr.crl_len = sizeof(tv_crl_by_ask);
	ok(verify(&cr, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 &&
		   strstr(err, "CRL: issuer name differs"),
	   "CRL issued by the ASK refused: %s", err);
	cr.crl = tv_crl_forged, cr.crl_len = sizeof(tv_crl_forged);
	ok(verify(&cr, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 &&
		   strstr(err, "CRL: signature by ARK invalid"),
	   "CRL naming the ARK but signed by another key refused: %s", err);
	cr.crl = tv_vcek, cr.crl_len = sizeof(tv_vcek);
	ok(verify(&cr, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 && strncmp(err, "CRL: ", 5) == 0,
	   "a certificate given as CRL refused: %s", err);

	/* VLEK */
	struct amd_certs v = {tv_ark, sizeof(tv_ark), tv_asvk, sizeof(tv_asvk), tv_vlek, sizeof(tv_vlek), NULL, 0};
	ok(verify(&v, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) == 0 && res.is_vlek == 1,
	   "VLEK chain (ARK -> ASVK -> VLEK) verifies: %s", err);
	is_str(res.ext.csp_id, "CN=test-csp.example", "cspId");
	ok(!(res.ext.present & AMD_EXT_HWID), "VLEK has no hwID");
	is_int(amd_vcek_match_report(&res.ext, res.product, (const uint8_t[8]){3, 0, 0, 0, 0, 0, 8, 115}, NULL, err,
				     sizeof(err)),
	       0, "VLEK TCB match without CHIP_ID");
	v.ask = tv_ask, v.ask_len = sizeof(tv_ask);
	ok(verify(&v, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) < 0 &&
		   strstr(err, "VLEK: issuer name differs from the ASVK"),
	   "VLEK under the ASK refused: %s", err);
	v.ask = tv_asvk, v.ask_len = sizeof(tv_asvk);
	v.crl = tv_crl, v.crl_len = sizeof(tv_crl);
	ok(verify(&v, AMD_PRODUCT_MILAN, tv_ark, sizeof(tv_ark), T_2025_06_01, &res) == 0, "VLEK with CRL: %s", err);

	/* An ECDSA-signed cert is readable but never a chain element. */
	struct x509_cert ec;
	ok(x509_parse(&ec, tv_ec_root, sizeof(tv_ec_root), err, sizeof(err)) == 0 && ec.sig_alg == X509_SIG_ECDSA_SHA384,
	   "ECDSA-signed cert parses");
	ok(x509_check_signature(&ec, &ec, err, sizeof(err)) == 0, "ECDSA P-384 self-signature verifies: %s", err);
	struct amd_certs e = {tv_ec_root, sizeof(tv_ec_root), tv_ask, sizeof(tv_ask), tv_vcek, sizeof(tv_vcek), NULL, 0};
	ok(verify(&e, AMD_PRODUCT_MILAN, tv_ec_root, sizeof(tv_ec_root), T_2025_06_01, &res) < 0 &&
		   strstr(err, "ARK: key is not RSA"),
	   "EC root refused as ARK: %s", err);
}

/* Flip every bit of a certificate's TBS and signature: its signature check must fail. */
static void flip_all(const char *name, const uint8_t *der, size_t len, const uint8_t *issuer_der, size_t issuer_len,
		     int step_bits)
{
	struct x509_cert c, issuer;
	uint8_t *buf = malloc(len);
	if (x509_parse(&c, der, len, err, sizeof(err)) || x509_parse(&issuer, issuer_der, issuer_len, err, sizeof(err))) {
		ok(0, "%s parses", name);
		free(buf);
		return;
	}
	int self = issuer_der == der;
	size_t tbs_start = (size_t)(c.tbs.p - der), tbs_end = tbs_start + c.tbs.len;
	size_t sig_start = (size_t)(c.sig.p - der);
	size_t accepted = 0, tried = 0;
	for (size_t bit = 0; bit < 8 * len; bit += (size_t)step_bits) {
		size_t byte = bit / 8;
		if (!((byte >= tbs_start && byte < tbs_end) || byte >= sig_start))
			continue;
		memcpy(buf, der, len);
		buf[byte] ^= (uint8_t)(1u << (bit % 8));
		tried++;
		struct x509_cert m;
		if (x509_parse(&m, buf, len, err, sizeof(err)))
			continue;
		/* A self-signed cert is checked against its own (possibly flipped) key. */
		if (x509_check_signature(&m, self ? &m : &issuer, err, sizeof(err)) == 0) {
			accepted++;
			diag("%s: flip of bit %zu accepted", name, bit);
		}
	}
	ok(accepted == 0 && tried > 0, "%s: %zu bit flips in TBS and signature all refused", name, tried);
	free(buf);
}

/*
 * Every bit is ~35000 RSA-4096 operations (about 30 s, minutes under ASan), so by
 * default every 11th bit (11 is coprime with 8: all bit positions are hit);
 * SNPBOOT_EXHAUSTIVE=1 flips every single bit.
 */
static void test_flips(void)
{
	int step = getenv("SNPBOOT_EXHAUSTIVE") ? 1 : 11;
	flip_all("Milan VCEK", R.milan_vcek, R.milan_vcek_len, R.ask[1], R.ask_len[1], step);
	flip_all("Milan ASK", R.ask[1], R.ask_len[1], R.ark[1], R.ark_len[1], step);
	flip_all("Milan ARK", R.ark[1], R.ark_len[1], R.ark[1], R.ark_len[1], step);
	/* Through the whole chain verifier, a sample of positions in each certificate. */
	struct amd_chain_result res;
	size_t accepted = 0, tried = 0;
	for (int which = 0; which < 3; which++) {
		struct amd_certs c = milan_certs();
		const uint8_t *src = which == 0 ? c.ark : which == 1 ? c.ask : c.vcek;
		size_t len = which == 0 ? c.ark_len : which == 1 ? c.ask_len : c.vcek_len;
		uint8_t *buf = malloc(len);
		for (size_t i = 0; i < len; i += 31) {
			memcpy(buf, src, len);
			buf[i] ^= (uint8_t)(1u << (i % 8));
			if (which == 0)
				c.ark = buf;
			else if (which == 1)
				c.ask = buf;
			else
				c.vcek = buf;
			tried++;
			if (verify(&c, AMD_PRODUCT_MILAN, NULL, 0, T_2024_06_01, &res) == 0)
				accepted++;
		}
		free(buf);
	}
	ok(accepted == 0, "chain verifier: %zu single-bit changes across ARK, ASK, VCEK all refused", tried);
}

static void truncations(const char *name, const uint8_t *der, size_t len)
{
	struct x509_cert c;
	size_t accepted = 0, silent = 0;
	uint8_t *buf = malloc(len + 1);
	for (size_t n = 0; n < len; n++) {
		/* A fresh allocation of exactly n bytes so ASan catches any over-read. */
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, der, n);
		err[0] = '\0';
		if (x509_parse(&c, p, n, err, sizeof(err)) == 0)
			accepted++;
		else if (!err[0])
			silent++;
		free(p);
	}
	memcpy(buf, der, len);
	buf[len] = 0;
	ok(accepted == 0 && silent == 0, "%s: all %zu truncations refused with a message", name, len);
	ok(x509_parse(&c, buf, len + 1, err, sizeof(err)) < 0 && strstr(err, "trailing"),
	   "%s: a trailing byte refused: %s", name, err);
	free(buf);
}

static void test_truncations(void)
{
	for (int p = 1; p <= 3; p++) {
		char n[32];
		snprintf(n, sizeof(n), "%s ARK", prod_dir[p]);
		truncations(n, R.ark[p], R.ark_len[p]);
		snprintf(n, sizeof(n), "%s ASK", prod_dir[p]);
		truncations(n, R.ask[p], R.ask_len[p]);
	}
	truncations("Milan VCEK", R.milan_vcek, R.milan_vcek_len);
	truncations("Turin VCEK", R.turin_vcek, R.turin_vcek_len);
	struct x509_crl crl;
	size_t accepted = 0;
	for (size_t n = 0; n < sizeof(tv_crl); n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, tv_crl, n);
		if (x509_crl_parse(&crl, p, n, err, sizeof(err)) == 0)
			accepted++;
		free(p);
	}
	ok(accepted == 0, "CRL: all %zu truncations refused", sizeof(tv_crl));
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, len, f);
	fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void test_certdir(void)
{
	char dir[] = "/tmp/snpboot-certdir-XXXXXX";
	struct amd_certdir cd;
	struct amd_chain_result res;
	size_t chain_len, ark_pem_len, genoa_chain_len;
	ok(mkdtemp(dir) != NULL, "temp dir");
	uint8_t *chain = read_all("real/milan/cert_chain.pem", &chain_len);
	uint8_t *ark_pem = read_all("amd/milan/ark.pem", &ark_pem_len);
	uint8_t *genoa_ark = read_all("amd/genoa/ark.pem", &genoa_chain_len);

	ok(amd_certdir_load(dir, &cd, err, sizeof(err)) < 0 && strstr(err, "missing ARK"), "empty dir: %s", err);
	write_file(dir, "cert_chain.pem", chain, chain_len);
	write_file(dir, "vcek.der", R.milan_vcek, R.milan_vcek_len);
	ok(amd_certdir_load(dir, &cd, err, sizeof(err)) == 0, "cert_chain.pem + vcek.der load: %s", err);
	ok(cd.certs.crl == NULL, "no CRL");
	ok(verify(&cd.certs, AMD_PRODUCT_UNKNOWN, NULL, 0, T_2024_06_01, &res) == 0, "loaded chain verifies: %s", err);
	amd_certdir_free(&cd);

	write_file(dir, "ark.pem", ark_pem, ark_pem_len);
	ok(amd_certdir_load(dir, &cd, err, sizeof(err)) == 0, "ark.pem agreeing with cert_chain.pem: %s", err);
	amd_certdir_free(&cd);
	write_file(dir, "ark.pem", genoa_ark, genoa_chain_len);
	ok(amd_certdir_load(dir, &cd, err, sizeof(err)) < 0 && strstr(err, "differs"),
	   "ark.pem disagreeing with cert_chain.pem refused: %s", err);
	remove_file(dir, "ark.pem");

	write_file(dir, "crl.der", tv_crl, sizeof(tv_crl));
	ok(amd_certdir_load(dir, &cd, err, sizeof(err)) == 0 && cd.certs.crl_len == sizeof(tv_crl),
	   "crl.der loaded: %s", err);
	amd_certdir_free(&cd);
	remove_file(dir, "crl.der");

	write_file(dir, "vcek.der", "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", 58);
	ok(amd_certdir_load(dir, &cd, err, sizeof(err)) < 0 && strstr(err, "vcek.der"), "bad PEM named: %s", err);
	remove_file(dir, "vcek.der");
	remove_file(dir, "cert_chain.pem");
	rmdir(dir);
	free(chain);
	free(ark_pem);
	free(genoa_ark);
}

int main(void)
{
	load_real();
	test_pinned_roots();
	test_real_ca_pairs();
	test_real_milan_chain();
	test_real_milan_refusals();
	test_real_turin();
	test_match_layouts();
	test_test_pki();
	test_truncations();
	test_certdir();
	test_flips();
	return done_testing();
}
