/* The simulator's "launch": report fields from the VM definition, and the
 * self-check that a report it signs verifies as a client would see it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/bytes.h"
#include "snp/snp_certtable.h"
#include "snp/snp_verify.h"
#include "snpsim.h"
#include "base/err_text.h"

static int random_bytes(uint8_t *out, size_t len, char *err, size_t err_len)
{
	br_hmac_drbg_context rng;
	if (snpsim_rng_init(&rng, err, err_len))
		return -1;
	br_hmac_drbg_generate(&rng, out, len);
	secure_wipe(&rng, sizeof rng);
	return 0;
}

int snpsim_launch_from_vmdef(struct snpsim_launch *l, const struct vmdef *def, const struct snpsim_pki *pki,
			     char *err, size_t err_len)
{
	memset(l, 0, sizeof *l);
	l->product = pki->id.product;
	l->version = def->sim.report_version;
	l->guest_svn = def->sim.guest_svn;
	l->policy = def->guest_policy;
	if (def->has_family_id)
		memcpy(l->family_id, def->family_id, 16);
	if (def->has_image_id)
		memcpy(l->image_id, def->image_id, 16);
	l->platform_info = def->sim.platform_info;
	if (def->has_id_key_digest)
		memcpy(l->id_key_digest, def->id_key_digest, 48);
	l->author_key_en = def->has_author_key_digest;
	if (def->has_author_key_digest)
		memcpy(l->author_key_digest, def->author_key_digest, 48);
	memcpy(l->host_data, def->sim.host_data, 32);
	l->tcb = pki->id.tcb;
	memcpy(l->chip_id, pki->id.chip_id, 64);
	l->fw_major = def->sim.fw_major;
	l->fw_minor = def->sim.fw_minor;
	l->fw_build = def->sim.fw_build;

	/* Like the real Secure Processor, measure what is launched: the
	 * definition's files. [sim] measurement pretends another launch. */
	if (def->sim.has_measurement)
		memcpy(l->measurement, def->sim.measurement, 48);
	else if (def->ovmf[0]) {
		if (vmdef_measure(def, l->measurement, err, err_len))
			return -1;
	} else if (!def->measurement_computed)
		memcpy(l->measurement, def->measurement, 48);
	else
		return err_set(err, err_len, "%s: no MEASUREMENT to report: no [firmware] ovmf and no [sim] measurement",
			    def->file);
	return random_bytes(l->report_id, sizeof l->report_id, err, err_len);
}

/* "check: expected ..., got ...; " for each failure. */
static void list_failures(const struct snp_verify_result *res, char *err, size_t err_len)
{
	size_t pos = 0;
	if (!err || !err_len)
		return;
	err[0] = '\0';
	for (size_t i = 0; i < res->n_failed && pos + 1 < err_len; i++) {
		int n = snprintf(err + pos, err_len - pos, "%s%s: expected %s, got %s", i ? "; " : "",
				 res->failed[i].check, res->failed[i].expected, res->failed[i].got);
		if (n < 0)
			break;
		pos += (size_t)n;
	}
}

int snpsim_self_check(const struct snpsim_sp *sp, const struct snpsim_launch *l, const struct snpsim_pki *pki,
		      char *err, size_t err_len)
{
	static uint8_t report[SNP_REPORT_SIZE];
	static struct snp_certtable table;
	static struct snp_verify_policy pol;
	static struct snp_verify_result res;
	uint8_t rd[64];
	char why[256];
	struct amd_certs certs;

	if (random_bytes(rd, sizeof rd, err, err_len) || snpsim_sp_report(sp, 0, rd, report, err, err_len))
		return -1;
	if (snp_certtable_parse(&table, sp->certs, sp->certs_len, why, sizeof why) ||
	    snp_certs_from_table(&table, &certs, why, sizeof why))
		return err_set(err, err_len, "self-check: certificate table: %s", why);

	memset(&pol, 0, sizeof pol);
	pol.product = l->product;
	pol.now = time(NULL);
	pol.allow_debug = pol.allow_migrate_ma = 1; /* the policy is the definition's business, not ours */
	pol.has_vmpl = 1;
	pol.has_measurement = 1;
	memcpy(pol.measurement, l->measurement, 48);
	pol.has_host_data = 1;
	memcpy(pol.host_data, l->host_data, 32);
	pol.has_min_tcb = 1;
	pol.min_tcb = l->tcb;
	pol.require_committed_tcb = 1;
	pol.has_report_data = 1;
	memcpy(pol.report_data, rd, 64);

	/* Without the anchor, AMD's pinned roots must refuse the test chain. */
	if (snp_verify_report(report, sizeof report, &certs, &pol, &res, NULL) == 0)
		return err_set(err, err_len, "self-check: the TEST chain verified against AMD's pinned roots");
	pol.trust_anchor = pki->ark_der;
	pol.trust_anchor_len = pki->ark_len;
	if (snp_verify_report(report, sizeof report, &certs, &pol, &res, NULL) != 0) {
		list_failures(&res, err, err_len);
		return -1;
	}
	return 0;
}
