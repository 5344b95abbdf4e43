/* Internal to snp_verify*.c: appending entries to a snp_verify_result. */
#ifndef SNPBOOT_SNP_VERIFY_INTERNAL_H
#define SNPBOOT_SNP_VERIFY_INTERNAL_H

#include "snp_verify.h"

void vr_pass(struct snp_verify_result *res, const char *check, const char *expected, const char *got);
void vr_fail(struct snp_verify_result *res, const char *check, const char *expected, const char *got);
/* Hex of n bytes into out (truncated with "..." if it does not fit). */
const char *vr_hex(char *out, size_t cap, const uint8_t *p, size_t n);

/* Steps 5-7 (snp_verify_values.c): guest policy, launch values and TCB,
 * REPORT_DATA. r->tcb_layout must already be the verified product's. */
void vr_check_values(struct snp_verify_result *res, const struct snp_report *r, const struct snp_verify_policy *pol);

/* The SVSM service manifest against the policy (snp_verify_svsm.c). */
void vr_check_svsm(struct snp_verify_result *res, const struct snp_verify_policy *pol);
/* What a manifest is, for the owner: "TPMT_PUBLIC ECC NIST P-256" etc. */
void snp_svsm_describe_manifest(char *out, size_t cap, const uint8_t *m, size_t len, int is_vtpm);

#endif
