/* Top-level report verification, steps 1-4 (shape, chain, VCEK extensions,
 * signature); steps 5-7 are in snp_verify_values.c. The X.509 and chain
 * work is amd_cert's; this file decides what to check in which order and
 * records the outcome of each check. */
#include "snp_verify.h"

#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "snp_verify_internal.h"

enum amd_product snp_product_to_amd(enum snp_product p)
{
	switch (p) {
	case SNP_PRODUCT_MILAN: return AMD_PRODUCT_MILAN;
	case SNP_PRODUCT_GENOA: return AMD_PRODUCT_GENOA;
	case SNP_PRODUCT_TURIN: return AMD_PRODUCT_TURIN;
	case SNP_PRODUCT_UNKNOWN: break;
	}
	return AMD_PRODUCT_UNKNOWN;
}

enum snp_product snp_product_from_amd(enum amd_product p)
{
	switch (p) {
	case AMD_PRODUCT_MILAN: return SNP_PRODUCT_MILAN;
	case AMD_PRODUCT_GENOA: return SNP_PRODUCT_GENOA;
	case AMD_PRODUCT_TURIN: return SNP_PRODUCT_TURIN;
	case AMD_PRODUCT_UNKNOWN: break;
	}
	return SNP_PRODUCT_UNKNOWN;
}

int snp_certs_from_table(const struct snp_certtable *t, struct amd_certs *certs, char *err, size_t errlen)
{
	memset(certs, 0, sizeof *certs);
	const struct snp_certtable_entry *ark = snp_certtable_find(t, SNP_CERT_ARK);
	const struct snp_certtable_entry *ask = snp_certtable_find(t, SNP_CERT_ASK);
	const struct snp_certtable_entry *vcek = snp_certtable_find(t, SNP_CERT_VCEK);
	const struct snp_certtable_entry *vlek = snp_certtable_find(t, SNP_CERT_VLEK);
	if (vcek && vlek) {
		snprintf(err, errlen, "certificate table: expected a VCEK or a VLEK, got both");
		return -1;
	}
	if (!vcek && !vlek) {
		snprintf(err, errlen, "certificate table: expected a VCEK or a VLEK, got neither");
		return -1;
	}
	if (!ask) {
		snprintf(err, errlen, "certificate table: expected an ASK (or ASVK), got none");
		return -1;
	}
	const struct snp_certtable_entry *leaf = vcek ? vcek : vlek;
	if (ark) {
		certs->ark = ark->data;
		certs->ark_len = ark->length;
	}
	certs->ask = ask->data;
	certs->ask_len = ask->length;
	certs->vcek = leaf->data;
	certs->vcek_len = leaf->length;
	return 0;
}

static void format_time(char *out, size_t cap, time_t t)
{
	struct tm tm;
	if (gmtime_r(&t, &tm) && strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return;
	snprintf(out, cap, "%lld", (long long)t);
}

/* Step 1: the report's shape. The parser names the first field that is wrong. */
static int check_shape(struct snp_verify_result *res, struct snp_report *r, const uint8_t *report, size_t len,
		       enum snp_product want)
{
	char err[SNP_VERIFY_TEXT_LEN], got[64];
	if (snp_report_parse(r, report, len, want, 0, err, sizeof err)) {
		vr_fail(res, "report format", "a well-formed report: 1184 bytes, version 2-5, reserved fields zero", err);
		return -1;
	}
	snprintf(got, sizeof got, "%u", r->version);
	vr_pass(res, "VERSION", "2, 3, 4 or 5", got);
	vr_pass(res, "SIGNATURE_ALGO", "1 (ECDSA P-384 with SHA-384)", "1");
	return 0;
}

/* The report's own CPUID (v3+) must not name another product than the one verified. */
static void check_cpuid_product(struct snp_verify_result *res, const struct snp_report *r, enum snp_product product)
{
	char got[96];
	if (!r->has_cpuid)
		return;
	enum snp_product cpu = snp_product_from_cpuid(r->cpuid_fam_id, r->cpuid_mod_id);
	snprintf(got, sizeof got, "family 0x%02x model 0x%02x (%s)", r->cpuid_fam_id, r->cpuid_mod_id,
		 cpu == SNP_PRODUCT_UNKNOWN ? "not a known model" : snp_product_name(cpu));
	if (cpu != SNP_PRODUCT_UNKNOWN && cpu != product)
		vr_fail(res, "CPUID product", snp_product_name(product), got);
	else
		vr_pass(res, "CPUID product", snp_product_name(product), got);
}

/* Step 2: the certificate chain. */
static int check_chain(struct snp_verify_result *res, const struct amd_certs *certs,
		       const struct snp_verify_policy *pol, struct amd_chain_result *cr)
{
	char expected[SNP_VERIFY_TEXT_LEN], err[SNP_VERIFY_TEXT_LEN], when[32];
	format_time(when, sizeof when, pol->now);
	if (pol->trust_anchor)
		snprintf(expected, sizeof expected, "ARK = the explicit trust anchor -> ASK -> VCEK/VLEK, valid at %s", when);
	else
		snprintf(expected, sizeof expected, "AMD's pinned %s ARK -> ASK -> VCEK/VLEK, valid at %s",
			 pol->product == SNP_PRODUCT_UNKNOWN ? "(product of the VCEK)" : snp_product_name(pol->product),
			 when);
	if (!certs || !certs->vcek || !certs->ask) {
		vr_fail(res, "certificate chain", expected,
			!certs ? "no certificates" : !certs->vcek ? "no VCEK or VLEK certificate" : "no ASK certificate");
		return -1;
	}
	struct amd_chain_opts o = {
		.product = snp_product_to_amd(pol->product),
		.anchor = pol->trust_anchor,
		.anchor_len = pol->trust_anchor_len,
		.now = pol->now,
		.require_crl = pol->require_crl,
	};
	if (amd_chain_verify(certs, &o, cr, err, sizeof err)) {
		vr_fail(res, "certificate chain", expected, err);
		return -1;
	}
	char got[SNP_VERIFY_TEXT_LEN];
	snprintf(got, sizeof got, "ARK -> %s -> %s verified for %s, %s", cr->is_vlek ? "ASVK" : "ASK",
		 cr->is_vlek ? "VLEK" : "VCEK", amd_product_name(cr->product),
		 cr->crl_checked ? "CRL checked" : "no CRL consulted");
	vr_pass(res, "certificate chain", expected, got);
	vr_pass(res, "trust anchor", pol->trust_anchor ? "explicit anchor given by the caller" : "AMD pinned root",
		pol->trust_anchor ? "explicit trust anchor (NOT an AMD root)" : "AMD pinned root");
	return 0;
}

static void cmp_spl(struct snp_verify_result *res, const char *component, const char *ext_name, unsigned spl,
		    unsigned reported)
{
	char check[SNP_VERIFY_CHECK_LEN], expected[64], got[32];
	snprintf(check, sizeof check, "REPORTED_TCB.%s", component);
	snprintf(expected, sizeof expected, "%u (VCEK %s)", spl, ext_name);
	snprintf(got, sizeof got, "%u", reported);
	if (spl == reported)
		vr_pass(res, check, expected, got);
	else
		vr_fail(res, check, expected, got);
}

/* Step 3: the VCEK was issued for this chip at this TCB. */
static void check_vcek_ext(struct snp_verify_result *res, const struct snp_report *r,
			   const struct amd_chain_result *cr)
{
	const struct amd_vcek_ext *x = &cr->ext;
	int turin = r->tcb_layout == SNP_TCB_LAYOUT_TURIN;
	uint32_t need = AMD_EXT_BL_SPL | AMD_EXT_TEE_SPL | AMD_EXT_SNP_SPL | AMD_EXT_UCODE_SPL |
			(turin ? AMD_EXT_FMC_SPL : 0) | (cr->is_vlek ? 0 : AMD_EXT_HWID);
	if ((x->present & need) != need) {
		char got[64];
		snprintf(got, sizeof got, "extensions present 0x%x, needed 0x%x", x->present, need);
		vr_fail(res, "VCEK extensions", "blSPL, teeSPL, snpSPL, ucodeSPL (+fmcSPL on Turin), hwID", got);
		return;
	}
	size_t before = res->n_failed;
	struct snp_tcb t;
	snp_tcb_decode(&t, r->reported_tcb, r->tcb_layout);
	if (turin)
		cmp_spl(res, "fmc", "fmcSPL", x->fmc_spl, t.fmc);
	cmp_spl(res, "bootloader", "blSPL", x->bl_spl, t.bootloader);
	cmp_spl(res, "tee", "teeSPL", x->tee_spl, t.tee);
	cmp_spl(res, "snp", "snpSPL", x->snp_spl, t.snp);
	cmp_spl(res, "microcode", "ucodeSPL", x->ucode_spl, t.microcode);

	char expected[SNP_VERIFY_TEXT_LEN], got[SNP_VERIFY_TEXT_LEN];
	int chip_checked = 0;
	if (cr->is_vlek) {
		vr_pass(res, "CHIP_ID", "not bound (VLEK: no hwID)", "not compared");
	} else if (bytes_all_zero(r->chip_id, sizeof r->chip_id)) {
		/* MaskChipId: the host hid the ID. The VCEK signature still binds the chip. */
		vr_pass(res, "CHIP_ID", "VCEK hwID, or masked", "all zero (masked by the host), not compared");
	} else {
		size_t n = x->hwid_len < AMD_HWID_MAX ? x->hwid_len : AMD_HWID_MAX;
		int len_ok = n == (turin ? 8u : 64u);
		char hex[2 * AMD_HWID_MAX + 1];
		snprintf(expected, sizeof expected, "%s%s", vr_hex(hex, sizeof hex, x->hwid, n),
			 turin ? " (VCEK hwID, first 8 bytes)" : "");
		vr_hex(got, sizeof got, r->chip_id, turin ? 8 : 64);
		if (len_ok && memcmp(x->hwid, r->chip_id, n) == 0)
			vr_pass(res, "CHIP_ID", expected, got);
		else
			vr_fail(res, "CHIP_ID", len_ok ? expected : "a hwID of 64 bytes (Turin: 8)", got);
		chip_checked = 1;
	}

	/* Second opinion from amd_cert's own comparison: if it disagrees with
	 * the checks above, refuse and show its words. */
	if (res->n_failed == before && (chip_checked || cr->is_vlek)) {
		char err[SNP_VERIFY_TEXT_LEN];
		int n = amd_vcek_match_report(x, cr->product, r->reported_tcb, cr->is_vlek ? NULL : r->chip_id, err,
					      sizeof err);
		if (n != 0)
			vr_fail(res, "VCEK extensions", "REPORTED_TCB and CHIP_ID as in the VCEK", err);
	}
}

/* Step 4: the report signature by the VCEK's key. */
static void check_signature(struct snp_verify_result *res, const struct snp_report *r,
			    const struct amd_chain_result *cr)
{
	char err[SNP_VERIFY_TEXT_LEN];
	const char *expected = cr->is_vlek ? "valid ECDSA P-384 signature by the VLEK over bytes 0x000-0x29F"
					   : "valid ECDSA P-384 signature by the VCEK over bytes 0x000-0x29F";
	if (snp_report_verify_signature(r, cr->vcek_q, sizeof cr->vcek_q, err, sizeof err))
		vr_fail(res, "SIGNATURE", expected, err);
	else
		vr_pass(res, "SIGNATURE", expected, "valid");
}

int snp_verify_report(const uint8_t *report, size_t report_len, const struct amd_certs *certs,
		      const struct snp_verify_policy *pol, struct snp_verify_result *res, struct snp_report *parsed)
{
	struct snp_report local;
	memset(&local, 0, sizeof local);
	struct snp_report *r = parsed ? parsed : &local;
	struct amd_chain_result cr;

	memset(res, 0, sizeof *res);
	res->product = pol->product;
	if (check_shape(res, r, report, report_len, pol->product) || check_chain(res, certs, pol, &cr)) {
		res->stopped = 1;
		return -1;
	}

	enum snp_product product = snp_product_from_amd(cr.product);
	res->product = product;
	if (pol->product != SNP_PRODUCT_UNKNOWN && product != pol->product)
		vr_fail(res, "product", snp_product_name(pol->product), snp_product_name(product));
	check_cpuid_product(res, r, product);
	/* The verified product decides how the TCB bytes read. */
	r->product = product;
	r->tcb_layout = snp_tcb_layout_for(product);

	char expected[80], got[80];
	snprintf(expected, sizeof expected, "%s", cr.is_vlek ? "1 (VLEK), as the certificate set holds a VLEK"
							      : "0 (VCEK), as the certificate set holds a VCEK");
	snprintf(got, sizeof got, "%u (%s)", r->signing_key, snp_signing_key_name(r->signing_key));
	if (r->signing_key == (cr.is_vlek ? SNP_SIGNING_KEY_VLEK : SNP_SIGNING_KEY_VCEK))
		vr_pass(res, "SIGNING_KEY", expected, got);
	else
		vr_fail(res, "SIGNING_KEY", expected, got);

	check_vcek_ext(res, r, &cr);
	check_signature(res, r, &cr);
	vr_check_values(res, r, pol);
	vr_check_svsm(res, pol);

	/* Belt and braces: the checks without which a report proves nothing
	 * must be on the passed list, not merely absent from the failed one. */
	static const char *const mandatory[] = {"certificate chain", "SIGNATURE", "MEASUREMENT", "REPORT_DATA"};
	int all_ran = 1;
	for (size_t i = 0; i < sizeof mandatory / sizeof mandatory[0]; i++) {
		int seen = 0;
		for (size_t j = 0; j < res->n_passed && !seen; j++)
			seen = strcmp(res->passed[j].check, mandatory[i]) == 0;
		all_ran &= seen;
	}
	if (!all_ran && res->n_failed == 0)
		vr_fail(res, "verification", "chain, SIGNATURE, MEASUREMENT and REPORT_DATA checked",
			"a mandatory check did not run");
	res->ok = res->n_failed == 0 && !res->truncated && all_ran;
	return res->ok ? 0 : -1;
}
