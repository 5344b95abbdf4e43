/* A report's MEASUREMENT explained against a VM definition (explain_report.h). */
#include "explain_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "chan/chan_frame.h"
#include "chan/chan_payload.h"
#include "cli/file_io.h"

int explain_read_report(const char *prog, const char *path, uint8_t report[SNP_REPORT_SIZE])
{
	size_t len;
	char *buf = file_read_all(prog, path, CHAN_FRAME_HEADER_LEN + CHAN_EVIDENCE_MAX, &len);
	if (!buf)
		return -1;
	const uint8_t *p = (const uint8_t *)buf;
	int rc = 0;
	if (len == SNP_REPORT_SIZE) {
		memcpy(report, p, SNP_REPORT_SIZE);
	} else if (len > CHAN_FRAME_HEADER_LEN && p[0] == CHAN_FRAME_EVIDENCE &&
		   be32_load(p + 1) == len - CHAN_FRAME_HEADER_LEN) {
		struct chan_evidence ev;
		char err[256];
		if (chan_evidence_decode(&ev, p + CHAN_FRAME_HEADER_LEN, len - CHAN_FRAME_HEADER_LEN, err, sizeof err) == 0) {
			memcpy(report, ev.report, SNP_REPORT_SIZE);
		} else {
			fprintf(stderr, "%s: %s: EVIDENCE frame: %s\n", prog, path, err);
			rc = -1;
		}
	} else {
		fprintf(stderr, "%s: %s: %zu bytes is neither a raw %u-byte SNP report nor a saved EVIDENCE frame\n",
			prog, path, len, SNP_REPORT_SIZE);
		rc = -1;
	}
	free(buf);
	return rc;
}

static void note(struct explain_report *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct explain_report *e, const char *fmt, ...)
{
	if (e->n_notes == EXPLAIN_NOTES_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->notes[e->n_notes++], sizeof e->notes[0], fmt, ap);
	va_end(ap);
}

int explain_report_run(struct explain_report *e, const struct vmdef *def, const uint8_t *report, char *err,
		       size_t err_len)
{
	static struct snp_report r;
	memset(e, 0, sizeof *e);
	if (snp_report_parse(&r, report, SNP_REPORT_SIZE, SNP_PRODUCT_UNKNOWN, SNP_PARSE_ALLOW_UNSIGNED, err,
			     err_len) != 0)
		return -1;
	memcpy(e->reported, r.measurement, sizeof e->reported);
	if (vmdef_explain_measurement(def, r.measurement, &e->x, err, err_len) != 0)
		return -1;
	memcpy(e->computed, e->x.computed, sizeof e->computed);
	/* What the client expects: the files' digest, or the fixed value. */
	const uint8_t *expected = def->measurement_computed ? e->computed : def->measurement;
	e->matches = memcmp(e->reported, expected, sizeof e->reported) == 0;
	measure_explain_summary(&e->x, e->summary, sizeof e->summary);

	char hex[2 * MEASURE_DIGEST_LEN + 1];
	if (!def->measurement_computed && memcmp(def->measurement, e->computed, sizeof e->computed) != 0) {
		hex_encode(hex, def->measurement, sizeof def->measurement);
		if (e->x.matches)
			snprintf(e->summary, sizeof e->summary,
				 "MEASUREMENT is what the definition's files compute, but [expect] measurement is fixed "
				 "to another value (%.16s...)",
				 hex);
		else
			note(e, "[expect] measurement is fixed to %.16s..., which is not what the definition's files "
				"compute either", hex);
	}
	if (e->matches)
		return 0;
	/* What an owner often suspects next, and why it is not the cause. */
	if (r.policy != def->guest_policy)
		note(e,
		     "the report's POLICY 0x%llx differs from the definition's guest_policy 0x%llx, but POLICY is "
		     "not part of MEASUREMENT (it is checked on its own)",
		     (unsigned long long)r.policy, (unsigned long long)def->guest_policy);
	if (def->has_host_data && memcmp(r.host_data, def->host_data, sizeof r.host_data) != 0)
		note(e, "HOST_DATA differs from the definition's too, but it is not part of MEASUREMENT");
	note(e, "not part of MEASUREMENT at all: memory size, POLICY, HOST_DATA, VMPL and the ID block "
		"(FAMILY_ID, IMAGE_ID, GUEST_SVN, key digests)");
	return 0;
}
