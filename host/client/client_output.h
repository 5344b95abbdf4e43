/* How `snpboot client` shows its verdict: readable text, or one JSON object
 * on stdout with every check and the outcome. */
#ifndef SNPBOOT_HOST_CLIENT_OUTPUT_H
#define SNPBOOT_HOST_CLIENT_OUTPUT_H

#include <stddef.h>

#include "explain_report.h"
#include "snp/snp_verify.h"
#include "vmdef/vmdef.h"

/* Text mode prints at once; JSON mode keeps the verdict for client_print_outcome.
 * why: the explanation of a MEASUREMENT mismatch, or NULL. */
void client_print_verdict(int json, const struct vmdef *def, const struct snp_verify_result *verdict,
			  const char *boot_facts, size_t boot_facts_len, const struct explain_report *why);
/* outcome: "unlocked", "refused", "unlock-failed", "unlock-failed-retry". */
void client_print_outcome(int json, const char *outcome, const char *detail);

#endif
