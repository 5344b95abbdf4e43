/* Checks shared by every provider: the report answers our request, the
 * certificate table stays inside what we hold, peer text is printable. */
#include <stdio.h>
#include <string.h>

#include "attest_impl.h"
#include "base/bytes.h"

#define REPORT_VMPL_OFFSET 0x30u
#define REPORT_DATA_OFFSET 0x50u
#define CERT_ENTRY_SIZE 24u

int attest_check_report(const struct attest_evidence *ev, const uint8_t report_data[64], uint32_t vmpl, char *err,
			size_t err_len)
{
	if (ev->report_len != ATTEST_REPORT_LEN) {
		snprintf(err, err_len, "report is %zu bytes, expected %u", ev->report_len, ATTEST_REPORT_LEN);
		return -1;
	}
	/* A report for other REPORT_DATA is stale (an earlier request) or
	 * someone else's: either way it does not bind this session. */
	if (memcmp(ev->report + REPORT_DATA_OFFSET, report_data, 64) != 0) {
		snprintf(err, err_len, "report carries other REPORT_DATA than requested (stale or foreign report)");
		return -1;
	}
	uint32_t got = le32_load(ev->report + REPORT_VMPL_OFFSET);
	if (got != vmpl) {
		snprintf(err, err_len, "report is for VMPL %u, requested %u", got, vmpl);
		return -1;
	}
	return 0;
}

int attest_certtable_used(const uint8_t *buf, size_t len, size_t *used, char *err, size_t err_len)
{
	size_t end = 0;
	*used = 0;
	if (len == 0)
		return 0;
	for (size_t i = 0;; i++) {
		size_t at = i * CERT_ENTRY_SIZE;
		if (len - at < CERT_ENTRY_SIZE) {
			snprintf(err, err_len, "certificate table: no terminating entry within %zu bytes", len);
			return -1;
		}
		const uint8_t *e = buf + at;
		if (bytes_all_zero(e, CERT_ENTRY_SIZE)) {
			if (i == 0)
				return 0; /* no certificates supplied */
			at += CERT_ENTRY_SIZE;
			*used = end > at ? end : at;
			return 0;
		}
		uint64_t off = le32_load(e + 16), n = le32_load(e + 20);
		if (off + n > len) {
			snprintf(err, err_len, "certificate table: entry %zu (offset %llu, length %llu) ends past %zu bytes",
				 i, (unsigned long long)off, (unsigned long long)n, len);
			return -1;
		}
		if (off + n > end)
			end = (size_t)(off + n);
	}
}

void attest_sanitize(char *out, size_t out_len, const uint8_t *in, size_t in_len)
{
	size_t o = 0;
	if (out_len == 0)
		return;
	for (size_t i = 0; i < in_len && o + 1 < out_len; i++)
		out[o++] = (in[i] >= 0x20 && in[i] < 0x7f) ? (char)in[i] : '?';
	out[o] = '\0';
}
