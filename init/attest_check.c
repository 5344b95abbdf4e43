/* Checks shared by every provider: the report answers our request, the
 * certificate table stays inside what we hold, peer text is printable. */
#include <stdio.h>
#include <string.h>

#include "attest_impl.h"
#include "base/bytes.h"
#include "chan/chan_binding.h"

#define REPORT_VMPL_OFFSET 0x30u
#define REPORT_DATA_OFFSET 0x50u
#define CERT_ENTRY_SIZE 24u

int attest_check_report(const struct attest_evidence *ev, const uint8_t report_data[64], uint32_t vmpl,
			const struct attest_service *svc, char *err, size_t err_len)
{
	uint8_t want[64];
	if (ev->report_len != ATTEST_REPORT_LEN) {
		snprintf(err, err_len, "report is %zu bytes, expected %u", ev->report_len, ATTEST_REPORT_LEN);
		return -1;
	}
	if (svc && !ev->has_manifest) {
		snprintf(err, err_len, "asked for the SVSM's service attestation, got no service manifest");
		return -1;
	}
	if (!svc && ev->has_manifest) {
		snprintf(err, err_len, "a service manifest came with a report no service was asked for");
		return -1;
	}
	/* The SVSM hashes our nonce with its manifest (SVSM spec #58019 section
	 * 7; configfs-tsm-report ABI): a manifest that is not the one the
	 * report binds must not leave here as if it were. */
	if (svc)
		chan_binding_svsm(report_data, ev->manifest, ev->manifest_len, want);
	else
		memcpy(want, report_data, 64);
	/* A report for other REPORT_DATA is stale (an earlier request) or
	 * someone else's: either way it does not bind this session. */
	if (memcmp(ev->report + REPORT_DATA_OFFSET, want, 64) != 0) {
		if (svc)
			snprintf(err, err_len,
				 "report's REPORT_DATA is not SHA-512(nonce || the %zu-byte service manifest): the "
				 "manifest is not the one the report binds, or the report is stale or foreign",
				 ev->manifest_len);
		else
			snprintf(err, err_len, "report carries other REPORT_DATA than requested (stale or foreign report)");
		return -1;
	}
	/* The SVSM asks for its report from VMPL 0, whatever level we run at. */
	uint32_t want_vmpl = svc ? 0 : vmpl, got = le32_load(ev->report + REPORT_VMPL_OFFSET);
	if (got != want_vmpl) {
		snprintf(err, err_len, "report is for VMPL %u, expected %u%s", got, want_vmpl,
			 svc ? " (the SVSM's service attestation)" : " (requested)");
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
