/* Attestation report: parsing of the real Milan report, shape refusals
 * naming the field, TCB layouts, the signature (with every bit of the
 * signed area and of R/S flipped), text and JSON output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "base/bytes.h"
#include "snp/snp_report.h"
#include "x509/x509.h"

static size_t read_file(const char *rel, uint8_t *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", shared_dir(), rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag("cannot open %s", path);
		return 0;
	}
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static uint8_t real[SNP_REPORT_SIZE];
static char err[256];

/* Parses a copy of the real report with one change; returns the parse result. */
static int parse_modified(size_t off, const void *val, size_t n, unsigned flags)
{
	uint8_t copy[SNP_REPORT_SIZE];
	struct snp_report r;
	memcpy(copy, real, sizeof copy);
	memcpy(copy + off, val, n);
	return snp_report_parse(&r, copy, sizeof copy, SNP_PRODUCT_UNKNOWN, flags, err, sizeof err);
}

static int set_u32(size_t off, uint32_t v, unsigned flags)
{
	uint8_t b[4];
	le32_store(b, v);
	return parse_modified(off, b, 4, flags);
}

static void test_real_report(void)
{
	struct snp_report r;
	is_int(snp_report_parse(&r, real, sizeof real, SNP_PRODUCT_UNKNOWN, 0, err, sizeof err), 0, "real Milan report parses");
	if (err[0])
		diag("%s", err);
	is_int(r.version, 2, "VERSION 2");
	is_int(r.guest_svn, 0, "GUEST_SVN 0");
	is_int(r.policy, 0x30000, "POLICY 0x30000 (SMT + reserved bit 17)");
	is_int(SNP_POLICY_ABI_MAJOR(r.policy), 0, "ABI major 0");
	is_int(r.vmpl, 0, "VMPL 0");
	is_int(r.signature_algo, 1, "SIGNATURE_ALGO 1");
	is_int(r.signing_key, SNP_SIGNING_KEY_VCEK, "SIGNING_KEY VCEK");
	is_int(r.platform_info, 1, "PLATFORM_INFO SMT_EN");
	is_mem(r.reported_tcb, "\x03\x00\x00\x00\x00\x00\x08\x73", 8, "REPORTED_TCB 03 00 00 00 00 00 08 73");
	is_mem(r.current_tcb, r.reported_tcb, 8, "CURRENT_TCB as REPORTED_TCB");
	is_mem(r.committed_tcb, r.reported_tcb, 8, "COMMITTED_TCB as REPORTED_TCB");
	is_mem(r.launch_tcb, r.reported_tcb, 8, "LAUNCH_TCB as REPORTED_TCB");
	is_mem(r.chip_id, real + 0x1A0, 64, "CHIP_ID from 0x1A0");
	is_mem(r.measurement, real + 0x90, 48, "MEASUREMENT from 0x90");
	is_mem(r.report_data, real + 0x50, 64, "REPORT_DATA from 0x50");
	ok(!r.has_cpuid && !r.has_mit_vectors, "v2: no CPUID, no mitigation vectors");
	is_int(r.product, SNP_PRODUCT_UNKNOWN, "v2 without a caller product: product unknown");
	is_int(r.tcb_layout, SNP_TCB_LAYOUT_MILAN_GENOA, "v2: Milan/Genoa TCB layout");
	is_int(r.current_major, 1, "current firmware major 1");
	is_int(r.current_minor, 52, "current firmware minor 52");
	is_int(r.current_build, 4, "current firmware build 4");
	is_mem(r.raw, real, sizeof real, "raw bytes kept");

	struct snp_tcb t;
	snp_tcb_decode(&t, r.reported_tcb, r.tcb_layout);
	ok(t.bootloader == 3 && t.tee == 0 && t.snp == 8 && t.microcode == 0x73 && !t.has_fmc && !t.reserved_nonzero,
	   "REPORTED_TCB decodes bl=3 tee=0 snp=8 ucode=0x73");

	/* CHIP_ID = the VCEK's hwID extension (1.3.6.1.4.1.3704.1.4, OCTET STRING of 64). */
	static uint8_t vcek[4096];
	size_t vn = read_file("testvectors/real/milan/vcek.der", vcek, sizeof vcek);
	static const uint8_t hwid_oid_tlv[] = {0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x9c, 0x78, 0x01, 0x04};
	const uint8_t *hit = NULL;
	for (size_t i = 0; vn > sizeof hwid_oid_tlv && i < vn - sizeof hwid_oid_tlv; i++)
		if (memcmp(vcek + i, hwid_oid_tlv, sizeof hwid_oid_tlv) == 0)
			hit = vcek + i + sizeof hwid_oid_tlv;
	/* extnValue is the OCTET STRING of the 64 raw bytes: 04 40 <64 bytes> */
	ok(hit && hit + 2 + 64 <= vcek + vn && hit[0] == 0x04 && hit[1] == 0x40 && memcmp(hit + 2, r.chip_id, 64) == 0,
	   "CHIP_ID equals the VCEK hwID extension");

	is_int(snp_report_parse(&r, real, sizeof real, SNP_PRODUCT_TURIN, 0, err, sizeof err), 0,
	       "caller product decides the layout");
	is_int(r.tcb_layout, SNP_TCB_LAYOUT_TURIN, "Turin layout when the caller says Turin");
}

static void test_refusals(void)
{
	struct snp_report r;
	uint8_t big[SNP_REPORT_SIZE + 1];
	memcpy(big, real, sizeof real);
	big[SNP_REPORT_SIZE] = 0;
	static const size_t sizes[] = {0, 1, SNP_REPORT_SIZE - 1, SNP_REPORT_SIZE + 1};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int rc = snp_report_parse(&r, big, sizes[i], SNP_PRODUCT_UNKNOWN, 0, err, sizeof err);
		ok(rc == -1 && strstr(err, "report size") && strstr(err, "1184"), "size %zu refused: %s", sizes[i], err);
	}
	ok(snp_report_parse(&r, NULL, 0, SNP_PRODUCT_UNKNOWN, 0, err, sizeof err) == -1, "NULL buffer refused");

	static const uint32_t bad_versions[] = {0, 1, 6, 0x100, 0xffffffffu};
	for (size_t i = 0; i < sizeof bad_versions / sizeof bad_versions[0]; i++)
		ok(set_u32(0, bad_versions[i], 0) == -1 && strstr(err, "VERSION"), "version %u refused: %s",
		   bad_versions[i], err);
	for (uint32_t v = 2; v <= 5; v++)
		ok(set_u32(0, v, 0) == 0, "version %u accepted", v);

	ok(set_u32(0x08, 0x10000, 0) == -1 && strstr(err, "POLICY bit 17"), "policy bit 17 clear refused: %s", err);
	uint8_t pol[8];
	le64_store(pol, 0x30000ull | (1ull << 26));
	ok(parse_modified(0x08, pol, 8, 0) == -1 && strstr(err, "POLICY bits 63:26"), "policy bit 26 refused: %s", err);
	le64_store(pol, 0x30000ull | (1ull << 63));
	ok(parse_modified(0x08, pol, 8, 0) == -1 && strstr(err, "POLICY"), "policy bit 63 refused");
	le64_store(pol, 0x30000ull | SNP_POLICY_DEBUG | SNP_POLICY_PAGE_SWAP_DISABLE | 0x0305);
	ok(parse_modified(0x08, pol, 8, 0) == 0, "known policy bits accepted (the verifier judges them)");

	ok(set_u32(0x30, 4, 0) == -1 && strstr(err, "VMPL"), "VMPL 4 refused: %s", err);
	ok(set_u32(0x30, 3, 0) == 0, "VMPL 3 accepted");
	ok(set_u32(0x34, 0, 0) == -1 && strstr(err, "SIGNATURE_ALGO"), "SIGNATURE_ALGO 0 refused: %s", err);
	ok(set_u32(0x34, 2, 0) == -1 && strstr(err, "SIGNATURE_ALGO"), "SIGNATURE_ALGO 2 refused");
	ok(set_u32(0x34, 2, SNP_PARSE_ALLOW_UNSIGNED) == -1, "SIGNATURE_ALGO 2 refused even for inspection");

	ok(set_u32(0x48, 7u << 2, 0) == -1 && strstr(err, "SIGNING_KEY") && strstr(err, "none"),
	   "SIGNING_KEY none refused when a signature is required: %s", err);
	ok(set_u32(0x48, 7u << 2, SNP_PARSE_ALLOW_UNSIGNED) == 0, "SIGNING_KEY none accepted for inspection");
	for (uint32_t k = 2; k <= 6; k++)
		ok(set_u32(0x48, k << 2, SNP_PARSE_ALLOW_UNSIGNED) == -1 && strstr(err, "SIGNING_KEY"),
		   "SIGNING_KEY %u (reserved) refused", k);
	ok(set_u32(0x48, 1u << 2, 0) == 0, "SIGNING_KEY VLEK accepted");
	ok(set_u32(0x48, 1u << 5, 0) == -1 && strstr(err, "KEY_INFO"), "KEY_INFO bit 5 refused: %s", err);
	ok(set_u32(0x48, 3, 0) == 0, "AUTHOR_KEY_EN and MASK_CHIP_KEY accepted");

	/* Every reserved byte, per version. */
	struct {
		uint32_t version;
		size_t lo, hi;
	} reserved[] = {
		{2, 0x04C, 0x050}, {2, 0x188, 0x1A0}, {2, 0x1EB, 0x1EC}, {2, 0x1EF, 0x1F0}, {2, 0x1F8, 0x2A0},
		{3, 0x18B, 0x1A0}, {3, 0x1F8, 0x2A0}, {4, 0x18B, 0x1A0}, {4, 0x1F8, 0x2A0}, {5, 0x18B, 0x1A0},
		{5, 0x208, 0x2A0}, {2, 0x2A0 + 144, SNP_REPORT_SIZE},
	};
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
		size_t refused = 0, named = 0, total = reserved[i].hi - reserved[i].lo;
		for (size_t off = reserved[i].lo; off < reserved[i].hi; off++) {
			uint8_t copy[SNP_REPORT_SIZE];
			memcpy(copy, real, sizeof copy);
			le32_store(copy, reserved[i].version);
			copy[off] = 0x01;
			if (snp_report_parse(&r, copy, sizeof copy, SNP_PRODUCT_UNKNOWN, 0, err, sizeof err) == -1) {
				refused++;
				char want[32];
				snprintf(want, sizeof want, "0x%03zx", off);
				named += strstr(err, "RESERVED") && strstr(err, want);
			}
		}
		ok(refused == total && named == total, "v%u reserved 0x%03zx-0x%03zx: each of %zu bytes refused and named",
		   reserved[i].version, reserved[i].lo, reserved[i].hi - 1, total);
	}
	/* What v3/v5 put in formerly reserved space is accepted. */
	uint8_t copy[SNP_REPORT_SIZE];
	memcpy(copy, real, sizeof copy);
	le32_store(copy, 3);
	copy[0x188] = 0x19, copy[0x189] = 0x11, copy[0x18A] = 0x01;
	ok(snp_report_parse(&r, copy, sizeof copy, SNP_PRODUCT_UNKNOWN, 0, err, sizeof err) == 0 && r.has_cpuid &&
		   r.cpuid_fam_id == 0x19 && r.cpuid_mod_id == 0x11 && r.product == SNP_PRODUCT_GENOA,
	   "v3 CPUID family 0x19 model 0x11 read as Genoa");
	le32_store(copy, 5);
	copy[0x188] = 0x1A, copy[0x189] = 0x02;
	le64_store(copy + 0x1F8, 0x5);
	le64_store(copy + 0x200, 0x7);
	ok(snp_report_parse(&r, copy, sizeof copy, SNP_PRODUCT_UNKNOWN, 0, err, sizeof err) == 0 &&
		   r.has_mit_vectors && r.launch_mit_vector == 5 && r.current_mit_vector == 7 &&
		   r.product == SNP_PRODUCT_TURIN && r.tcb_layout == SNP_TCB_LAYOUT_TURIN,
	   "v5 mitigation vectors read, family 0x1A is Turin");
	copy[0x189] = 0x50;
	ok(snp_report_parse(&r, copy, sizeof copy, SNP_PRODUCT_UNKNOWN, 0, err, sizeof err) == 0 &&
		   r.product == SNP_PRODUCT_UNKNOWN && r.tcb_layout == SNP_TCB_LAYOUT_TURIN,
	   "unknown family 0x1A model: product unknown, Turin layout");
	le32_store(copy, 4);
	ok(snp_report_parse(&r, copy, sizeof copy, SNP_PRODUCT_UNKNOWN, 0, err, sizeof err) == -1 &&
		   strstr(err, "0x1f8"),
	   "v4 keeps the v3 layout: mitigation vector area must be zero");
}

static void test_tcb_and_products(void)
{
	struct snp_tcb t, u;
	uint8_t raw[8] = {1, 2, 3, 4, 0, 0, 0, 9}, back[8];
	snp_tcb_decode(&t, raw, SNP_TCB_LAYOUT_TURIN);
	ok(t.has_fmc && t.fmc == 1 && t.bootloader == 2 && t.tee == 3 && t.snp == 4 && t.microcode == 9 &&
		   !t.reserved_nonzero,
	   "Turin layout: fmc bl tee snp .. ucode");
	snp_tcb_encode(back, &t, SNP_TCB_LAYOUT_TURIN);
	is_mem(back, raw, 8, "Turin encode round trip");
	snp_tcb_decode(&u, raw, SNP_TCB_LAYOUT_MILAN_GENOA);
	ok(u.bootloader == 1 && u.tee == 2 && u.snp == 0 && u.reserved_nonzero, "Milan layout flags reserved bytes");
	char buf[80];
	is_str(snp_tcb_format(buf, sizeof buf, &t), "fmc=1 bl=2 tee=3 snp=4 ucode=9", "TCB format (Turin)");
	uint8_t lo[8] = {3, 0, 0, 0, 0, 0, 8, 0x73}, hi[8] = {3, 0, 0, 0, 0, 0, 9, 0x73};
	ok(snp_tcb_raw_le(lo, hi) && !snp_tcb_raw_le(hi, lo) && snp_tcb_raw_le(lo, lo), "component-wise <=");
	hi[0] = 2;
	ok(!snp_tcb_raw_le(lo, hi) && !snp_tcb_raw_le(hi, lo), "incomparable TCBs are not <= either way");

	is_int(snp_product_from_cpuid(0x19, 0x01), SNP_PRODUCT_MILAN, "0x19/0x01 Milan");
	is_int(snp_product_from_cpuid(0x19, 0x11), SNP_PRODUCT_GENOA, "0x19/0x11 Genoa");
	is_int(snp_product_from_cpuid(0x19, 0xA0), SNP_PRODUCT_GENOA, "0x19/0xA0 Genoa family");
	is_int(snp_product_from_cpuid(0x19, 0x21), SNP_PRODUCT_UNKNOWN, "0x19/0x21 (desktop Zen 3) unknown");
	is_int(snp_product_from_cpuid(0x1A, 0x02), SNP_PRODUCT_TURIN, "0x1A/0x02 Turin");
	is_int(snp_product_from_cpuid(0x17, 0x31), SNP_PRODUCT_UNKNOWN, "family 0x17 unknown");
	enum snp_product p = SNP_PRODUCT_UNKNOWN;
	ok(snp_product_parse("Milan-B0", &p) == 0 && p == SNP_PRODUCT_MILAN, "productName Milan-B0");
	ok(snp_product_parse("turin", &p) == 0 && p == SNP_PRODUCT_TURIN, "turin");
	ok(snp_product_parse("GENOA", &p) == 0 && p == SNP_PRODUCT_GENOA, "GENOA");
	ok(snp_product_parse("mil", &p) == -1 && snp_product_parse("milano", &p) == -1 && snp_product_parse("", &p) == -1,
	   "prefixes and near-misses refused");
	is_str(snp_policy_bit_name(19), "DEBUG", "policy bit 19 DEBUG");
	is_str(snp_platform_info_bit_name(5), "ALIAS_CHECK_COMPLETE", "platform bit 5");
}

static int load_vcek_key(uint8_t q[97])
{
	static uint8_t der[4096];
	size_t n = read_file("testvectors/real/milan/vcek.der", der, sizeof der);
	struct x509_cert c;
	br_ec_public_key pk;
	if (!n || x509_parse(&c, der, n, err, sizeof err) || x509_ec_key(&c, &pk, q, 97, err, sizeof err)) {
		diag("vcek: %s", err);
		return -1;
	}
	return pk.qlen == 97 ? 0 : -1;
}

static void test_signature(void)
{
	uint8_t q[97];
	struct snp_report r;
	if (!ok(load_vcek_key(q) == 0, "VCEK public key read"))
		return;
	snp_report_parse(&r, real, sizeof real, SNP_PRODUCT_UNKNOWN, 0, err, sizeof err);
	is_int(snp_report_verify_signature(&r, q, sizeof q, err, sizeof err), 0, "real report signature verifies");
	ok(snp_report_verify_signature(&r, q, 96, err, sizeof err) == -1 && strstr(err, "97"), "short key refused");

	uint8_t raw[96];
	is_int(snp_signature_to_raw(raw, r.sig_r, r.sig_s), 0, "R,S fit 48 bytes");
	ok(raw[0] == r.sig_r[47] && raw[47] == r.sig_r[0] && raw[48] == r.sig_s[47], "LE 72 -> BE 48 conversion");

	/* Flip bits of the signed area and of R and S: each must be refused.
	 * A P-384 verify with BearSSL's generic i31 code takes ~4 ms, so all
	 * 6528 bits would take half a minute: every 7th bit of the signed area
	 * (a different bit position in each byte) and every bit of R and S;
	 * under ASan, which is several times slower, a fifth of that. */
#if defined(__SANITIZE_ADDRESS__)
	const size_t step = 35, rs_step = 5;
#else
	const size_t step = 7, rs_step = 1;
#endif
	size_t tried = 0, refused = 0;
	struct snp_report m = r;
	for (size_t bit = 0; bit < SNP_REPORT_SIGNED_SIZE * 8; bit += step) {
		m.raw[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		tried++;
		refused += snp_report_verify_signature(&m, q, sizeof q, err, sizeof err) == -1;
		m.raw[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ok(tried == refused, "signed area: %zu of %zu single-bit flips refused", refused, tried);
	tried = refused = 0;
	for (size_t bit = 0; bit < 2 * SNP_SIG_COMPONENT_SIZE * 8; bit += rs_step) {
		uint8_t *c = bit < SNP_SIG_COMPONENT_SIZE * 8 ? m.sig_r : m.sig_s;
		size_t b = bit % (SNP_SIG_COMPONENT_SIZE * 8);
		c[b / 8] ^= (uint8_t)(1u << (b % 8));
		tried++;
		refused += snp_report_verify_signature(&m, q, sizeof q, err, sizeof err) == -1;
		c[b / 8] ^= (uint8_t)(1u << (b % 8));
	}
	ok(tried == refused, "R and S: %zu of %zu single-bit flips refused", refused, tried);
	is_int(snp_report_verify_signature(&m, q, sizeof q, err, sizeof err), 0, "restored copy verifies again");
	m.sig_r[60] = 1;
	ok(snp_report_verify_signature(&m, q, sizeof q, err, sizeof err) == -1 && strstr(err, "48 bytes"),
	   "high byte of R refused by name: %s", err);
}

static int run_python(const char *path, const char *code)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "python3 -c '%s' '%s'", code, path);
	return system(cmd);
}

static void test_output(void)
{
	struct snp_report r;
	snp_report_parse(&r, real, sizeof real, SNP_PRODUCT_MILAN, 0, err, sizeof err);
	char path[] = "/tmp/test_snp_report_XXXXXX";
	int fd = mkstemp(path);
	if (!ok(fd >= 0, "temp file"))
		return;
	FILE *f = fdopen(fd, "w+");
	snp_report_print(f, &r);
	fflush(f);
	rewind(f);
	char line[512];
	int seen_tcb = 0, seen_policy = 0, lines = 0, aligned = 1;
	while (fgets(line, sizeof line, f)) {
		lines++;
		if (strncmp(line, "reported_tcb:", 13) == 0 &&
		    strstr(line, "0300000000000873 (bl=3 tee=0 snp=8 ucode=115)"))
			seen_tcb = 1;
		if (strncmp(line, "policy:", 7) == 0 && strstr(line, "0x0000000000030000 (SMT RESERVED_1)"))
			seen_policy = 1;
		if (strlen(line) < 23 || line[21] != ' ')
			aligned = 0;
	}
	ok(seen_tcb, "text: reported_tcb decoded");
	ok(seen_policy, "text: policy bits named");
	ok(aligned && lines > 30, "text: %d lines, values aligned", lines);
	fclose(f);

	f = fopen(path, "w");
	snp_report_print_json(f, &r);
	fclose(f);
	if (system("python3 -c 1 >/dev/null 2>&1") != 0) {
		ok(1, "# SKIP python3 not available for the JSON check");
	} else {
		is_int(run_python(path, "import json,sys; json.load(open(sys.argv[1]))"), 0, "JSON is valid");
		is_int(run_python(path,
				  "import json,sys; d=json.load(open(sys.argv[1])); "
				  "t=d[\"reported_tcb\"]; assert t[\"raw\"]==\"0300000000000873\" and t[\"microcode\"]==115; "
				  "assert d[\"policy\"][\"smt\"] is True and d[\"policy\"][\"debug\"] is False; "
				  "assert d[\"version\"]==2 and d[\"product\"]==\"Milan\" and d[\"cpuid_fam_id\"] is None; "
				  "assert len(d[\"chip_id\"])==128 and len(d[\"measurement\"])==96; "
				  "assert len(d[\"signature_r\"])==144 and len(d)>=35"),
		       0, "JSON fields hold the values");
	}
	unlink(path);

	/* v5 output also valid JSON (mitigation vectors and CPUID present). */
	uint8_t copy[SNP_REPORT_SIZE];
	memcpy(copy, real, sizeof copy);
	le32_store(copy, 5);
	copy[0x188] = 0x1A;
	snp_report_parse(&r, copy, sizeof copy, SNP_PRODUCT_UNKNOWN, 0, err, sizeof err);
	strcpy(path, "/tmp/test_snp_report_XXXXXX");
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!ok(f, "second temp file"))
		return;
	snp_report_print_json(f, &r);
	fclose(f);
	if (system("python3 -c 1 >/dev/null 2>&1") == 0)
		is_int(run_python(path,
				  "import json,sys; d=json.load(open(sys.argv[1])); "
				  "assert d[\"launch_mit_vector\"]==\"0x0000000000000000\" and \"fmc\" in d[\"current_tcb\"]"),
		       0, "v5 JSON valid with Turin TCB and vectors");
	unlink(path);
}

int main(void)
{
	if (!ok(read_file("testvectors/real/milan/report.bin", real, sizeof real) == SNP_REPORT_SIZE,
		"real Milan report read (1184 bytes)"))
		return done_testing();
	test_real_report();
	test_refusals();
	test_tcb_and_products();
	test_signature();
	test_output();
	return done_testing();
}
