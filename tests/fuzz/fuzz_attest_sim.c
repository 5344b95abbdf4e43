/* libFuzzer target for what the guest reads from the host during
 * attestation: the snp-sim response (header, report, certificate table,
 * message), and the same bytes as a /dev/sev-guest response and as a
 * certificate table. Accepted responses must keep their promises (sizes
 * within the limits, the table inside the response), and an error message
 * must never carry a byte the peer chose that is not printable ASCII. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest_impl.h"
#include "base/bytes.h"
#include "simwire/sim_proto.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(const char *err, size_t cap)
{
	const char *end = memchr(err, '\0', cap);
	CHECK(end != NULL && end != err);
	for (const char *p = err; p < end; p++)
		CHECK(*p >= 0x20 && *p < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct attest_evidence ev;
	char err[512];
	size_t used;

	memset(err, 'x', sizeof err);
	if (attest_sim_parse(data, size, &ev, err, sizeof err) == 0) {
		CHECK(size >= SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN);
		CHECK(le32_load(data + 4) == SIM_OK);
		CHECK(ev.report_len == ATTEST_REPORT_LEN);
		CHECK(memcmp(ev.report, data + SIM_RESPONSE_HEADER_LEN, ATTEST_REPORT_LEN) == 0);
		CHECK(ev.certs_len <= le32_load(data + 12) && ev.certs_len <= ATTEST_CERTS_MAX);
		CHECK(size == SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + (size_t)le32_load(data + 12) +
				      le32_load(data + 16));
	} else {
		check_err(err, sizeof err);
		CHECK(ev.report_len == 0 && ev.certs_len == 0);
	}

	memset(err, 'x', sizeof err);
	if (attest_sevguest_parse_resp(data, size, &ev, err, sizeof err) == 0) {
		CHECK(le32_load(data) == 0 && le32_load(data + 4) >= ATTEST_REPORT_LEN);
		CHECK(0x20u + (size_t)le32_load(data + 4) <= size);
	} else {
		check_err(err, sizeof err);
	}

	memset(err, 'x', sizeof err);
	if (attest_certtable_used(data, size, &used, err, sizeof err) == 0)
		CHECK(used <= size && (used == 0 || used >= 48));
	else
		check_err(err, sizeof err);
	return 0;
}
