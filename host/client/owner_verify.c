/* The owner's verification of a session's evidence (owner_verify.h). */
#include "owner_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int owner_verify_policy(struct vmdef *def, const struct owner_session *s, struct snp_verify_policy *policy, char *err,
			size_t err_len)
{
	if (vmdef_to_policy(def, policy, s->report_data, err, err_len) != 0)
		return -1;
	policy->has_manifest = s->ev.has_manifest;
	policy->manifest = s->ev.manifest;
	policy->manifest_len = s->ev.manifest_len;
	return 0;
}

int owner_verify_report(const struct owner_cert_source *src, const struct vmdef *def, const struct owner_session *s,
			struct snp_verify_policy *policy, struct snp_verify_result *v, struct snp_report *parsed,
			char *note, size_t note_len, char *err, size_t err_len)
{
	struct amd_certdir dir = {0};
	struct amd_certs certs;
	struct snp_certtable *table = malloc(sizeof *table);
	note[0] = '\0';
	if (!table) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	int rc = owner_certs_load(src, def, &s->ev, &dir, table, &certs, err, err_len);
	if (rc == 0) {
		uint8_t *crl = NULL;
		owner_certs_attach_crl(src, def, &certs, &crl, note, note_len);
		policy->now = time(NULL);
		rc = snp_verify_report(s->report, sizeof s->report, &certs, policy, v, parsed) == 0 && v->ok ? 0 : 1;
		free(crl);
	}
	amd_certdir_free(&dir);
	free(table);
	return rc;
}

void owner_verify_refusal(const struct snp_verify_result *v, char *out, size_t len)
{
	if (v->n_failed)
		snprintf(out, len, "attestation refused: %s: expected %s, got %s", v->failed[0].check, v->failed[0].expected,
			 v->failed[0].got);
	else
		snprintf(out, len, "attestation refused");
}
