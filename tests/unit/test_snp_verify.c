/* The verifier on the real Milan report and chain: full acceptance, every
 * mismatch listed with expected/got, fail-closed chain errors, mandatory
 * checks, and one-field changes of the report detected both by the
 * signature and, where the policy covers the field, by name. */
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "snp/amd_certdir.h"
#include "base/bytes.h"
#include "snp/snp_verify.h"

#define NOW_2024_06_01 ((time_t)1717200000)

static uint8_t real[SNP_REPORT_SIZE];
static struct amd_certdir cd;
static struct snp_verify_result res;

static struct snp_verify_policy good_policy(void)
{
	struct snp_verify_policy p;
	memset(&p, 0, sizeof p);
	p.product = SNP_PRODUCT_MILAN;
	p.now = NOW_2024_06_01;
	p.smt = SNP_REQUIRE_ON;
	p.min_fw_major = 1, p.min_fw_minor = 51;
	p.has_vmpl = 1, p.vmpl = 0;
	p.has_measurement = 1;
	memcpy(p.measurement, real + 0x90, 48);
	p.has_host_data = 1;
	p.has_id_key_digest = 1;
	p.has_family_id = 1;
	p.has_image_id = 1;
	p.has_min_tcb = 1;
	p.min_tcb = (struct snp_tcb){.bootloader = 3, .tee = 0, .snp = 8, .microcode = 0x73};
	p.require_committed_tcb = 1;
	p.has_report_data = 1;
	memcpy(p.report_data, real + 0x50, 64);
	return p;
}

static const struct snp_verify_entry *find(const struct snp_verify_entry *list, size_t n, const char *check)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].check, check) == 0)
			return &list[i];
	return NULL;
}
static const struct snp_verify_entry *failed(const char *check) { return find(res.failed, res.n_failed, check); }
static long passed_at(const char *check)
{
	const struct snp_verify_entry *e = find(res.passed, res.n_passed, check);
	return e ? (long)(e - res.passed) : -1;
}
static int failed_contains(const char *text)
{
	for (size_t i = 0; i < res.n_failed; i++)
		if (strstr(res.failed[i].check, text) || strstr(res.failed[i].got, text))
			return 1;
	return 0;
}

static void dump_failures(void)
{
	for (size_t i = 0; i < res.n_failed; i++)
		diag("failed %s: expected %s, got %s", res.failed[i].check, res.failed[i].expected, res.failed[i].got);
}

static void test_accept(void)
{
	struct snp_verify_policy p = good_policy();
	struct snp_report parsed;
	int rc = snp_verify_report(real, sizeof real, &cd.certs, &p, &res, &parsed);
	if (!ok(rc == 0 && res.ok && res.n_failed == 0, "real Milan report verifies with the real chain"))
		dump_failures();
	ok(!res.stopped && !res.truncated, "not stopped, not truncated");
	is_int(res.product, SNP_PRODUCT_MILAN, "product Milan");
	is_int(parsed.version, 2, "parsed report handed back");
	const char *order[] = {"VERSION", "certificate chain", "trust anchor", "SIGNING_KEY", "REPORTED_TCB.bootloader",
			       "REPORTED_TCB.microcode", "CHIP_ID", "SIGNATURE", "POLICY.DEBUG", "POLICY.MIGRATE_MA",
			       "POLICY.SMT", "POLICY.SINGLE_SOCKET", "POLICY.ABI", "firmware version", "VMPL",
			       "MEASUREMENT", "HOST_DATA", "ID_KEY_DIGEST", "FAMILY_ID", "IMAGE_ID", "GUEST_SVN",
			       "minimum TCB snp", "REPORTED_TCB <= CURRENT_TCB", "COMMITTED_TCB = CURRENT_TCB",
			       "committed firmware version", "REPORT_DATA"};
	long last = -1;
	int in_order = 1;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		long at = passed_at(order[i]);
		if (at <= last) {
			diag("%s at %ld, after %ld", order[i], at, last);
			in_order = 0;
		}
		last = at;
	}
	ok(in_order, "every check passed, listed in DESIGN.md order (%zu passed)", res.n_passed);
	const struct snp_verify_entry *e = &res.passed[passed_at("trust anchor")];
	is_str(e->got, "AMD pinned root", "trust anchor: AMD pinned root");
	e = &res.passed[passed_at("CHIP_ID")];
	ok(strncmp(e->got, "d49554ec717f4e5b", 16) == 0 && strcmp(e->expected, e->got) == 0, "CHIP_ID = VCEK hwID");

	/* Product from the VCEK when the policy leaves it open. */
	p.product = SNP_PRODUCT_UNKNOWN;
	ok(snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL) == 0 && res.product == SNP_PRODUCT_MILAN,
	   "product taken from the VCEK");

	/* Explicit trust anchor = the Milan ARK. */
	p = good_policy();
	p.trust_anchor = cd.certs.ark;
	p.trust_anchor_len = cd.certs.ark_len;
	ok(snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL) == 0, "accepted with the ARK as explicit anchor");
	ok(passed_at("trust anchor") >= 0 && strstr(res.passed[passed_at("trust anchor")].got, "NOT an AMD root"),
	   "explicit anchor is said so");

	/* Through the certificate table path. */
	struct snp_certtable_input in[] = {
		{SNP_CERT_ARK, NULL, cd.certs.ark, cd.certs.ark_len},
		{SNP_CERT_ASK, NULL, cd.certs.ask, cd.certs.ask_len},
		{SNP_CERT_VCEK, NULL, cd.certs.vcek, cd.certs.vcek_len},
	};
	static uint8_t table[16384];
	size_t tn = snp_certtable_write(table, sizeof table, in, 3);
	struct snp_certtable t;
	struct amd_certs certs;
	char err[200];
	ok(tn && snp_certtable_parse(&t, table, tn, err, sizeof err) == 0 &&
		   snp_certs_from_table(&t, &certs, err, sizeof err) == 0,
	   "certificate table -> amd_certs");
	p = good_policy();
	ok(snp_verify_report(real, sizeof real, &certs, &p, &res, NULL) == 0, "verifies with certificates from a table");
}

static void test_every_mismatch(void)
{
	struct snp_verify_policy p = good_policy();
	p.measurement[0] ^= 1;
	p.report_data[63] ^= 0x80;
	p.host_data[5] = 1;
	p.family_id[0] = 1;
	p.min_tcb.snp = 9;
	p.vmpl = 1;
	p.smt = SNP_REQUIRE_OFF;
	p.require_single_socket = 1;
	p.min_guest_svn = 1;
	p.min_abi_major = 1;
	p.min_fw_minor = 53;
	ok(snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL) == -1 && !res.ok, "refused");
	const char *want[] = {"MEASUREMENT", "REPORT_DATA", "HOST_DATA", "FAMILY_ID", "minimum TCB snp", "VMPL",
			      "POLICY.SMT", "PLATFORM_INFO.SMT_EN", "POLICY.SINGLE_SOCKET", "GUEST_SVN", "POLICY.ABI",
			      "firmware version"};
	size_t found = 0;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (failed(want[i]))
			found++;
		else
			diag("missing failure %s", want[i]);
	}
	ok(found == sizeof want / sizeof want[0] && res.n_failed == found, "all %zu mismatches listed, nothing else (%zu)",
	   found, res.n_failed);
	ok(passed_at("SIGNATURE") >= 0 && passed_at("certificate chain") >= 0, "chain and signature still pass");
	const struct snp_verify_entry *e = failed("MEASUREMENT");
	char hex[97];
	hex_encode(hex, real + 0x90, 48);
	ok(e && strcmp(e->got, hex) == 0 && strncmp(e->expected, "7b1e5c26", 8) == 0, "MEASUREMENT: expected %s, got %s",
	   e ? e->expected : "", e ? e->got : "");
	e = failed("minimum TCB snp");
	ok(e && strcmp(e->expected, ">= 9") == 0 && strstr(e->got, "8"), "minimum TCB snp: expected >= 9, got 8");
	e = failed("VMPL");
	ok(e && strcmp(e->expected, "1") == 0 && strcmp(e->got, "0") == 0, "VMPL: expected 1, got 0");
	e = failed("REPORT_DATA");
	ok(e && strlen(e->expected) == 128 && strlen(e->got) == 128, "REPORT_DATA shown in full (128 hex digits)");
}

static void test_mandatory(void)
{
	struct snp_verify_policy p = good_policy();
	p.has_measurement = 0;
	p.has_report_data = 0;
	ok(snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL) == -1 && failed("MEASUREMENT") &&
		   failed("REPORT_DATA") && res.n_failed == 2,
	   "no expected MEASUREMENT / REPORT_DATA: refused, both named");
	p.waive = SNP_WAIVE_MEASUREMENT | SNP_WAIVE_REPORT_DATA;
	ok(snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL) == 0, "explicit waiver accepts");
	ok(passed_at("MEASUREMENT") >= 0 && strstr(res.passed[passed_at("MEASUREMENT")].expected, "waived"),
	   "waiver is shown");
	p = good_policy();
	p.allow_debug = 1;
	p.allow_migrate_ma = 1;
	p.smt = SNP_ANY;
	ok(snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL) == 0, "permissive policy bits accept");
}

static void test_chain_failures(void)
{
	int rc;
	struct snp_verify_policy p = good_policy();
	p.now = (time_t)1956528000; /* 2032: after the VCEK's notAfter (2030-04-03) */
	rc = snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL);
	ok(rc == -1 && res.stopped && res.n_failed == 1 &&
		   failed("certificate chain") && passed_at("SIGNATURE") < 0,
	   "expired VCEK: chain failure reported, nothing after it: %s", res.n_failed ? res.failed[0].got : "");
	ok(strstr(res.failed[0].expected, "2032-"), "expected names the time: %s", res.failed[0].expected);

	p = good_policy();
	p.product = SNP_PRODUCT_GENOA;
	rc = snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL);
	ok(rc == -1 && res.stopped && failed("certificate chain"),
	   "Genoa expected, Milan chain: %s", res.n_failed ? res.failed[0].got : "");

	p = good_policy();
	p.trust_anchor = cd.certs.ask;
	p.trust_anchor_len = cd.certs.ask_len;
	rc = snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL);
	ok(rc == -1 && res.stopped,
	   "another anchor: refused: %s", res.n_failed ? res.failed[0].got : "");

	struct snp_verify_policy g = good_policy();
	struct amd_certs c = cd.certs;
	c.vcek = NULL, c.vcek_len = 0;
	rc = snp_verify_report(real, sizeof real, &c, &g, &res, NULL);
	ok(rc == -1 && res.stopped &&
		   strstr(res.failed[0].got, "no VCEK"),
	   "no VCEK: refused");
	c = cd.certs;
	c.ark = NULL, c.ark_len = 0;
	rc = snp_verify_report(real, sizeof real, &c, &g, &res, NULL);
	ok(rc == -1 && res.stopped,
	   "no ARK and no anchor: refused: %s", res.n_failed ? res.failed[0].got : "");
	c = cd.certs;
	c.vcek = cd.certs.ask, c.vcek_len = cd.certs.ask_len;
	rc = snp_verify_report(real, sizeof real, &c, &g, &res, NULL);
	ok(rc == -1 && res.stopped,
	   "ASK in the VCEK slot: refused: %s", res.n_failed ? res.failed[0].got : "");
	rc = snp_verify_report(real, sizeof real, NULL, &g, &res, NULL);
	ok(rc == -1 && res.stopped, "no certificates");
	rc = snp_verify_report(real, 100, &cd.certs, &g, &res, NULL);
	ok(rc == -1 && res.stopped &&
		   failed("report format") && strstr(res.failed[0].got, "size"),
	   "short report: shape failure, stopped");
}

/* One field changed: refused; SIGNATURE fails (unless the shape check
 * stops first); and the field's own check names it where there is one. */
static void test_field_changes(void)
{
	struct {
		const char *field;
		size_t off;
		uint8_t xor_mask;
		const char *named; /* NULL: only the signature can tell */
	} f[] = {
		{"VERSION", 0x000, 0x04, "VERSION"}, /* 2 -> 6 */
		{"GUEST_SVN", 0x004, 0x01, NULL},
		{"POLICY.ABI_MINOR", 0x008, 0x01, NULL},
		{"POLICY.SMT", 0x00A, 0x01, "POLICY.SMT"},
		{"POLICY bit 17", 0x00A, 0x02, "POLICY bit 17"},
		{"POLICY.MIGRATE_MA", 0x00A, 0x04, "POLICY.MIGRATE_MA"},
		{"POLICY.DEBUG", 0x00A, 0x08, "POLICY.DEBUG"},
		{"POLICY.SINGLE_SOCKET", 0x00A, 0x10, NULL},
		{"FAMILY_ID", 0x010, 0x01, "FAMILY_ID"},
		{"IMAGE_ID", 0x02F, 0x80, "IMAGE_ID"},
		{"VMPL", 0x030, 0x01, "VMPL"},
		{"SIGNATURE_ALGO", 0x034, 0x02, "SIGNATURE_ALGO"},
		{"CURRENT_TCB", 0x03F, 0x01, "REPORTED_TCB <= CURRENT_TCB"}, /* ucode 0x73 -> 0x72 */
		{"PLATFORM_INFO", 0x040, 0x02, NULL},
		{"AUTHOR_KEY_EN", 0x048, 0x01, NULL},
		{"SIGNING_KEY", 0x048, 0x04, "SIGNING_KEY"},
		{"KEY_INFO reserved", 0x048, 0x20, "KEY_INFO"},
		{"RESERVED 0x04C", 0x04C, 0x01, "RESERVED"},
		{"REPORT_DATA", 0x050, 0x01, "REPORT_DATA"},
		{"REPORT_DATA end", 0x08F, 0x01, "REPORT_DATA"},
		{"MEASUREMENT", 0x090, 0x01, "MEASUREMENT"},
		{"HOST_DATA", 0x0C0, 0x01, "HOST_DATA"},
		{"ID_KEY_DIGEST", 0x0E0, 0x01, "ID_KEY_DIGEST"},
		{"AUTHOR_KEY_DIGEST", 0x110, 0x01, NULL},
		{"REPORT_ID", 0x140, 0x01, NULL},
		{"REPORT_ID_MA", 0x160, 0x01, NULL},
		{"REPORTED_TCB.bootloader", 0x180, 0x04, "REPORTED_TCB.bootloader"},
		{"REPORTED_TCB.snp", 0x186, 0x01, "REPORTED_TCB.snp"},
		{"REPORTED_TCB.microcode", 0x187, 0x01, "REPORTED_TCB.microcode"},
		{"REPORTED_TCB reserved", 0x183, 0x01, "REPORTED_TCB <= CURRENT_TCB"},
		{"RESERVED 0x188", 0x188, 0x01, "RESERVED"},
		{"CHIP_ID", 0x1A0, 0x01, "CHIP_ID"},
		{"CHIP_ID end", 0x1DF, 0x01, "CHIP_ID"},
		{"COMMITTED_TCB", 0x1E6, 0x01, "COMMITTED_TCB = CURRENT_TCB"},
		{"CURRENT_BUILD", 0x1E8, 0x01, "committed firmware version"},
		{"CURRENT_MINOR", 0x1E9, 0x10, "firmware version"}, /* 52 -> 36 < 51 */
		{"CURRENT_MAJOR", 0x1EA, 0x01, "committed firmware version"},
		{"COMMITTED_MINOR", 0x1ED, 0x01, "committed firmware version"},
		{"LAUNCH_TCB", 0x1F0, 0x01, NULL},
		{"RESERVED 0x1F8", 0x1F8, 0x01, "RESERVED"},
		{"RESERVED 0x29F", 0x29F, 0x80, "RESERVED"},
		{"SIGNATURE.R", 0x2A0, 0x01, NULL},
		{"SIGNATURE.S", 0x2E8, 0x01, NULL},
		{"SIGNATURE.R high byte", 0x2A0 + 60, 0x01, NULL},
		{"SIGNATURE padding", 0x2A0 + 144, 0x01, "RESERVED"},
	};
	struct snp_verify_policy p = good_policy();
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		uint8_t copy[SNP_REPORT_SIZE];
		memcpy(copy, real, sizeof copy);
		copy[f[i].off] ^= f[i].xor_mask;
		int rc = snp_verify_report(copy, sizeof copy, &cd.certs, &p, &res, NULL);
		int sig_failed = failed("SIGNATURE") != NULL;
		int named = !f[i].named || failed_contains(f[i].named);
		int ok_shape = res.stopped ? failed("report format") != NULL : sig_failed;
		if (!ok(rc == -1 && !res.ok && ok_shape && named, "%s changed: refused (%s)%s%s", f[i].field,
			res.stopped ? "shape" : "signature fails", f[i].named ? ", names " : "",
			f[i].named ? f[i].named : ""))
			dump_failures();
	}
}

/* Turin: no real report, so a v3 report is made up with the real Turin
 * VCEK's TCB and hwID. The chain and the Turin TCB layout are checked for
 * real; only the signature (which nobody can make) fails. */
static void test_turin_layout(void)
{
	char path[512], err[256];
	struct amd_certdir td;
	snprintf(path, sizeof path, "%s/testvectors/real/turin", shared_dir());
	if (!ok(amd_certdir_load(path, &td, err, sizeof err) == 0, "real Turin certificates loaded")) {
		diag("%s", err);
		return;
	}
	struct amd_vcek_ext x;
	if (!ok(amd_vcek_ext_parse(td.certs.vcek, td.certs.vcek_len, &x, err, sizeof err) == 0 && x.hwid_len == 8,
		"Turin VCEK extensions: 8-byte hwID")) {
		amd_certdir_free(&td);
		return;
	}
	uint8_t rep[SNP_REPORT_SIZE] = {0};
	le32_store(rep, 3);
	le64_store(rep + 0x08, 0x30000);
	le32_store(rep + 0x34, 1);
	struct snp_tcb t = {.fmc = x.fmc_spl, .bootloader = x.bl_spl, .tee = x.tee_spl, .snp = x.snp_spl,
			    .microcode = x.ucode_spl, .has_fmc = 1};
	uint8_t tcb[8];
	snp_tcb_encode(tcb, &t, SNP_TCB_LAYOUT_TURIN);
	memcpy(rep + 0x38, tcb, 8);
	memcpy(rep + 0x180, tcb, 8);
	memcpy(rep + 0x1E0, tcb, 8);
	memcpy(rep + 0x1F0, tcb, 8);
	rep[0x188] = 0x1A, rep[0x189] = 0x02;
	memcpy(rep + 0x1A0, x.hwid, 8);
	rep[0x1E9] = 55, rep[0x1EA] = 1, rep[0x1ED] = 55, rep[0x1EE] = 1;
	rep[0x2A0] = 1, rep[0x2E8] = 1;

	struct snp_verify_policy p = good_policy();
	p.product = SNP_PRODUCT_UNKNOWN;
	p.now = (time_t)1750000000; /* 2025-06 */
	memcpy(p.measurement, rep + 0x90, 48);
	memcpy(p.report_data, rep + 0x50, 64);
	p.min_tcb = t;
	p.smt = SNP_ANY;
	snp_verify_report(rep, sizeof rep, &td.certs, &p, &res, NULL);
	ok(!res.ok && !res.stopped && res.product == SNP_PRODUCT_TURIN && res.n_failed == 1 && failed("SIGNATURE"),
	   "made-up Turin report: chain, Turin TCB and CHIP_ID pass, only the signature fails");
	if (res.n_failed != 1)
		dump_failures();
	ok(passed_at("REPORTED_TCB.fmc") >= 0 && passed_at("minimum TCB fmc") >= 0 && passed_at("CHIP_ID") >= 0,
	   "fmc compared with the VCEK and the minimum; 8-byte hwID matched");

	rep[0x180] ^= 1; /* fmc, in the Turin layout */
	snp_verify_report(rep, sizeof rep, &td.certs, &p, &res, NULL);
	ok(failed("REPORTED_TCB.fmc") && !failed("REPORTED_TCB.bootloader"), "REPORTED_TCB byte 0 is fmc on Turin");
	rep[0x180] ^= 1;
	rep[0x1A7] ^= 1;
	snp_verify_report(rep, sizeof rep, &td.certs, &p, &res, NULL);
	ok(failed("CHIP_ID"), "CHIP_ID byte 7 compared with the 8-byte hwID");
	rep[0x1A7] ^= 1;
	rep[0x189] = 0x01, rep[0x188] = 0x19; /* CPUID says Milan */
	snp_verify_report(rep, sizeof rep, &td.certs, &p, &res, NULL);
	ok(failed("CPUID product"), "CPUID naming Milan with a Turin chain is refused: %s",
	   failed("CPUID product") ? failed("CPUID product")->got : "");
	amd_certdir_free(&td);
}

/* VMPL: 0 unless the policy names another (an SVSM below the first stage). */
static void test_vmpl_default(void)
{
	uint8_t copy[SNP_REPORT_SIZE];
	memcpy(copy, real, sizeof copy);
	copy[0x030] = 1; /* VMPL 1 (the signature then fails too) */
	struct snp_verify_policy p = good_policy();
	p.has_vmpl = 0;
	snp_verify_report(copy, sizeof copy, &cd.certs, &p, &res, NULL);
	const struct snp_verify_entry *e = failed("VMPL");
	ok(e && strcmp(e->got, "1") == 0 && strstr(e->expected, "0 (the default"),
	   "VMPL 1 refused when the policy names none: expected %s, got %s", e ? e->expected : "-", e ? e->got : "-");
	p.has_vmpl = 1, p.vmpl = 1;
	snp_verify_report(copy, sizeof copy, &cd.certs, &p, &res, NULL);
	ok(!failed("VMPL") && passed_at("VMPL") >= 0, "VMPL 1 passes when the policy names 1");
	p = good_policy();
	p.has_vmpl = 0;
	ok(snp_verify_report(real, sizeof real, &cd.certs, &p, &res, NULL) == 0 && passed_at("VMPL") >= 0,
	   "a VMPL 0 report passes with no VMPL named, and the check is listed");
}

int main(void)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/testvectors/real/milan/report.bin", shared_dir());
	FILE *fp = fopen(path, "rb");
	size_t n = fp ? fread(real, 1, sizeof real, fp) : 0;
	if (fp)
		fclose(fp);
	if (!ok(n == SNP_REPORT_SIZE, "real report read"))
		return done_testing();
	snprintf(path, sizeof path, "%s/testvectors/real/milan", shared_dir());
	if (!ok(amd_certdir_load(path, &cd, err, sizeof err) == 0, "real Milan certificates loaded")) {
		diag("%s", err);
		return done_testing();
	}
	test_accept();
	test_every_mismatch();
	test_mandatory();
	test_chain_failures();
	test_field_changes();
	test_vmpl_default();
	test_turin_layout();
	amd_certdir_free(&cd);
	return done_testing();
}
