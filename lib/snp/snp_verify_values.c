/* Verification steps 5-7: the guest policy bits, the launch values and TCB
 * the VM definition expects, and the REPORT_DATA session binding. Every
 * check is recorded, passed or failed; nothing stops early here. */
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "snp_verify_internal.h"

static void record(struct snp_verify_result *res, int good, const char *check, const char *expected, const char *got)
{
	if (good)
		vr_pass(res, check, expected, got);
	else
		vr_fail(res, check, expected, got);
}

static void check_bit(struct snp_verify_result *res, const char *check, int allowed_on, int required_on, int got_on,
		      const char *on_meaning)
{
	char expected[96], got[96];
	if (required_on)
		snprintf(expected, sizeof expected, "1 (%s required)", on_meaning);
	else if (allowed_on)
		snprintf(expected, sizeof expected, "0 or 1 (%s allowed)", on_meaning);
	else
		snprintf(expected, sizeof expected, "0 (%s not allowed)", on_meaning);
	snprintf(got, sizeof got, "%d", got_on);
	record(res, (got_on || !required_on) && (!got_on || allowed_on || required_on), check, expected, got);
}

/* Step 5. */
static void check_policy(struct snp_verify_result *res, const struct snp_report *r, const struct snp_verify_policy *pol)
{
	uint64_t p = r->policy;
	char expected[96], got[96];

	check_bit(res, "POLICY.DEBUG", pol->allow_debug, 0, !!(p & SNP_POLICY_DEBUG), "host debugging of the guest");
	check_bit(res, "POLICY.MIGRATE_MA", pol->allow_migrate_ma, 0, !!(p & SNP_POLICY_MIGRATE_MA), "a migration agent");
	check_bit(res, "POLICY.SMT", pol->smt != SNP_REQUIRE_OFF, pol->smt == SNP_REQUIRE_ON, !!(p & SNP_POLICY_SMT),
		  "SMT on the host");
	if (pol->smt == SNP_REQUIRE_OFF)
		check_bit(res, "PLATFORM_INFO.SMT_EN", 0, 0, !!(r->platform_info & SNP_PLATFORM_SMT_EN),
			  "SMT enabled on the host");
	check_bit(res, "POLICY.SINGLE_SOCKET", 1, pol->require_single_socket, !!(p & SNP_POLICY_SINGLE_SOCKET),
		  "single-socket restriction");

	unsigned have = SNP_POLICY_ABI_MAJOR(p) << 8 | SNP_POLICY_ABI_MINOR(p);
	unsigned want = (unsigned)pol->min_abi_major << 8 | pol->min_abi_minor;
	snprintf(expected, sizeof expected, ">= %u.%u", pol->min_abi_major, pol->min_abi_minor);
	snprintf(got, sizeof got, "%u.%u", SNP_POLICY_ABI_MAJOR(p), SNP_POLICY_ABI_MINOR(p));
	record(res, have >= want, "POLICY.ABI", expected, got);

	have = (unsigned)r->current_major << 8 | r->current_minor;
	want = (unsigned)pol->min_fw_major << 8 | pol->min_fw_minor;
	snprintf(expected, sizeof expected, ">= %u.%u", pol->min_fw_major, pol->min_fw_minor);
	snprintf(got, sizeof got, "%u.%u (build %u)", r->current_major, r->current_minor, r->current_build);
	record(res, have >= want, "firmware version", expected, got);
}

/* An exact byte field: compared only if the definition names a value. */
static void check_bytes(struct snp_verify_result *res, const char *check, int has, const uint8_t *want,
			const uint8_t *have, size_t n)
{
	char expected[SNP_VERIFY_TEXT_LEN], got[SNP_VERIFY_TEXT_LEN];
	if (!has)
		return;
	vr_hex(expected, sizeof expected, want, n);
	vr_hex(got, sizeof got, have, n);
	record(res, bytes_equal_ct(want, have, n), check, expected, got);
}

/* A mandatory byte field: an unset expectation refuses, unless waived. */
static void check_mandatory(struct snp_verify_result *res, const char *check, int has, int waived, const uint8_t *want,
			    const uint8_t *have, size_t n)
{
	char got[SNP_VERIFY_TEXT_LEN];
	if (has) {
		check_bytes(res, check, 1, want, have, n);
	} else if (waived) {
		vr_pass(res, check, "any (check waived by the caller)", vr_hex(got, sizeof got, have, n));
	} else {
		vr_fail(res, check, "an expected value (the policy gives none; this check is mandatory)",
			vr_hex(got, sizeof got, have, n));
	}
}

static void check_min_tcb(struct snp_verify_result *res, const struct snp_report *r, const struct snp_verify_policy *pol)
{
	struct snp_tcb t;
	snp_tcb_decode(&t, r->reported_tcb, r->tcb_layout);
	const struct snp_tcb *m = &pol->min_tcb;
	const struct {
		const char *name;
		unsigned want, have;
		int applies;
	} c[] = {
		{"fmc", m->fmc, t.fmc, t.has_fmc},
		{"bootloader", m->bootloader, t.bootloader, 1},
		{"tee", m->tee, t.tee, 1},
		{"snp", m->snp, t.snp, 1},
		{"microcode", m->microcode, t.microcode, 1},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char check[SNP_VERIFY_CHECK_LEN], expected[32], got[32];
		if (!c[i].applies)
			continue;
		snprintf(check, sizeof check, "minimum TCB %s", c[i].name);
		snprintf(expected, sizeof expected, ">= %u", c[i].want);
		snprintf(got, sizeof got, "%u (REPORTED_TCB)", c[i].have);
		record(res, c[i].have >= c[i].want, check, expected, got);
	}
}

/* The orderings genuine firmware keeps (see go-sev-guest validateTcb). */
static void check_tcb_order(struct snp_verify_result *res, const struct snp_report *r,
			    const struct snp_verify_policy *pol)
{
	char expected[SNP_VERIFY_TEXT_LEN], got[SNP_VERIFY_TEXT_LEN], a[80], b[80];
	struct snp_tcb rep, cur, com;
	snp_tcb_decode(&rep, r->reported_tcb, r->tcb_layout);
	snp_tcb_decode(&cur, r->current_tcb, r->tcb_layout);
	snp_tcb_decode(&com, r->committed_tcb, r->tcb_layout);

	snprintf(expected, sizeof expected, "each component <= CURRENT_TCB (%s)", snp_tcb_format(a, sizeof a, &cur));
	record(res, snp_tcb_raw_le(r->reported_tcb, r->current_tcb), "REPORTED_TCB <= CURRENT_TCB", expected,
	       snp_tcb_format(b, sizeof b, &rep));
	if (pol->require_committed_tcb) {
		snprintf(expected, sizeof expected, "equal to CURRENT_TCB (%s): no provisional firmware", a);
		record(res, memcmp(r->committed_tcb, r->current_tcb, 8) == 0, "COMMITTED_TCB = CURRENT_TCB", expected,
		       snp_tcb_format(b, sizeof b, &com));
		snprintf(expected, sizeof expected, "%u.%u.%u (current firmware)", r->current_major, r->current_minor,
			 r->current_build);
		snprintf(got, sizeof got, "%u.%u.%u", r->committed_major, r->committed_minor, r->committed_build);
		record(res,
		       r->committed_major == r->current_major && r->committed_minor == r->current_minor &&
			       r->committed_build == r->current_build,
		       "committed firmware version", expected, got);
	} else {
		record(res, snp_tcb_raw_le(r->committed_tcb, r->current_tcb), "COMMITTED_TCB <= CURRENT_TCB", expected,
		       snp_tcb_format(b, sizeof b, &com));
	}
}

/* Step 6. */
static void check_launch(struct snp_verify_result *res, const struct snp_report *r, const struct snp_verify_policy *pol)
{
	char expected[96], got[96];
	/* Always checked: an unnamed VMPL means 0, the most privileged level, where
	 * the first stage runs unless an SVSM sits below it. A report from VMPL
	 * 1..3 comes from code the launch did not put there on its own. */
	uint32_t want_vmpl = pol->has_vmpl ? pol->vmpl : 0;
	if (pol->has_vmpl)
		snprintf(expected, sizeof expected, "%u", want_vmpl);
	else
		snprintf(expected, sizeof expected, "0 (the default; [expect] vmpl names another)");
	snprintf(got, sizeof got, "%u", r->vmpl);
	record(res, r->vmpl == want_vmpl, "VMPL", expected, got);
	check_mandatory(res, "MEASUREMENT", pol->has_measurement, !!(pol->waive & SNP_WAIVE_MEASUREMENT),
			pol->measurement, r->measurement, sizeof r->measurement);
	check_bytes(res, "HOST_DATA", pol->has_host_data, pol->host_data, r->host_data, sizeof r->host_data);
	check_bytes(res, "ID_KEY_DIGEST", pol->has_id_key_digest, pol->id_key_digest, r->id_key_digest,
		    sizeof r->id_key_digest);
	if (pol->has_author_key_digest) {
		snprintf(got, sizeof got, "%d", r->author_key_en);
		record(res, r->author_key_en, "AUTHOR_KEY_EN", "1 (an author key signed the ID key)", got);
	}
	check_bytes(res, "AUTHOR_KEY_DIGEST", pol->has_author_key_digest, pol->author_key_digest, r->author_key_digest,
		    sizeof r->author_key_digest);
	check_bytes(res, "FAMILY_ID", pol->has_family_id, pol->family_id, r->family_id, sizeof r->family_id);
	check_bytes(res, "IMAGE_ID", pol->has_image_id, pol->image_id, r->image_id, sizeof r->image_id);
	snprintf(expected, sizeof expected, ">= %u", pol->min_guest_svn);
	snprintf(got, sizeof got, "%u", r->guest_svn);
	record(res, r->guest_svn >= pol->min_guest_svn, "GUEST_SVN", expected, got);
	if (pol->has_min_tcb)
		check_min_tcb(res, r, pol);
	check_tcb_order(res, r, pol);
}

void vr_check_values(struct snp_verify_result *res, const struct snp_report *r, const struct snp_verify_policy *pol)
{
	check_policy(res, r, pol);
	check_launch(res, r, pol);
	/* Step 7: the session binding, last as in DESIGN.md. */
	check_mandatory(res, "REPORT_DATA", pol->has_report_data, !!(pol->waive & SNP_WAIVE_REPORT_DATA),
			pol->report_data, r->report_data, sizeof r->report_data);
}
