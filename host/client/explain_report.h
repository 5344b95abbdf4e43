/* A report's MEASUREMENT explained against a VM definition: shared by
 * `snpboot measure --explain` and the client's refusal. */
#ifndef SNPBOOT_HOST_EXPLAIN_REPORT_H
#define SNPBOOT_HOST_EXPLAIN_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "measure/measure_explain.h"
#include "snp/snp_report.h"
#include "vmdef/vmdef.h"

#define EXPLAIN_NOTES_MAX 4

struct explain_report {
	int matches; /* the report's MEASUREMENT is what the definition's files compute */
	uint8_t reported[MEASURE_DIGEST_LEN], computed[MEASURE_DIGEST_LEN];
	char summary[1024]; /* the one-line verdict (measure_explain_summary) */
	size_t n_notes;     /* other fields of the report, as far as they matter */
	char notes[EXPLAIN_NOTES_MAX][320];
	struct measure_explain x;
};

/* Reads a raw 1184-byte report, or a saved EVIDENCE frame (`client
 * --save-evidence`), into report. Returns 0, or -1 with a message on
 * stderr prefixed by prog. */
int explain_read_report(const char *prog, const char *path, uint8_t report[SNP_REPORT_SIZE]);

/* Explains report (SNP_REPORT_SIZE bytes) against def. Returns 0 with e
 * filled, or -1 with err (the report does not parse, or the definition
 * cannot be measured). */
int explain_report_run(struct explain_report *e, const struct vmdef *def, const uint8_t *report, char *err,
		       size_t err_len);

#endif
