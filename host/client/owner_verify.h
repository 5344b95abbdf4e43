/* The owner's decision on a session's evidence: the verification policy
 * from the VM definition with this session's REPORT_DATA and the SVSM
 * manifest (if one came), the certificates and the CRL (owner_certs.h),
 * then snp_verify_report. Split in two so a caller can tighten the policy
 * in between (the broker sets the MEASUREMENT it accepts for this VM). */
#ifndef SNPBOOT_HOST_OWNER_VERIFY_H
#define SNPBOOT_HOST_OWNER_VERIFY_H

#include <stddef.h>

#include "client/owner_certs.h"
#include "client/owner_session.h"
#include "snp/snp_verify.h"
#include "vmdef/vmdef.h"

/* vmdef_to_policy with the session's REPORT_DATA and manifest. 0, or -1 with err. */
int owner_verify_policy(struct vmdef *def, const struct owner_session *s, struct snp_verify_policy *policy, char *err,
			size_t err_len);

/* Certificates, CRL (note: where it came from, or why none), verification.
 * 0: verified (v->ok); 1: refused (v says why); -1: could not verify (err:
 * bad certificates or no source); -2: KDS failed (a network failure). */
int owner_verify_report(const struct owner_cert_source *src, const struct vmdef *def, const struct owner_session *s,
			struct snp_verify_policy *policy, struct snp_verify_result *v, struct snp_report *parsed,
			char *note, size_t note_len, char *err, size_t err_len);

/* The first failed check as one line for the guest's REJECT and the logs:
 * "attestation refused: CHECK: expected X, got Y". */
void owner_verify_refusal(const struct snp_verify_result *v, char *out, size_t len);

#endif
