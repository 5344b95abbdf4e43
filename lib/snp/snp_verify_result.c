/* Fixed-size result lists: a full list sets `truncated`, which keeps the
 * verdict negative rather than dropping a failure silently. */
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "snp_verify_internal.h"

static void add(struct snp_verify_entry *list, size_t *n, int *truncated, const char *check, const char *expected,
		const char *got)
{
	if (*n >= SNP_VERIFY_MAX_ENTRIES) {
		*truncated = 1;
		return;
	}
	struct snp_verify_entry *e = &list[(*n)++];
	snprintf(e->check, sizeof e->check, "%s", check);
	snprintf(e->expected, sizeof e->expected, "%s", expected);
	snprintf(e->got, sizeof e->got, "%s", got);
}

void vr_pass(struct snp_verify_result *res, const char *check, const char *expected, const char *got)
{
	int ignored = 0; /* a long passed list is not a reason to refuse */
	add(res->passed, &res->n_passed, &ignored, check, expected, got);
}

void vr_fail(struct snp_verify_result *res, const char *check, const char *expected, const char *got)
{
	add(res->failed, &res->n_failed, &res->truncated, check, expected, got);
}

const char *vr_hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
	if (cap == 0)
		return out;
	if (2 * n + 1 <= cap) {
		hex_encode(out, p, n);
		return out;
	}
	size_t fit = cap > 4 ? (cap - 4) / 2 : 0;
	hex_encode(out, p, fit);
	snprintf(out + 2 * fit, cap - 2 * fit, "...");
	return out;
}
