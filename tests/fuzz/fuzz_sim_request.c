/* libFuzzer target for snp-sim's guest-facing side: the input is the byte
 * stream a guest writes into the virtio-serial port. It is cut into
 * requests the way the server reads them (76 bytes, or fewer when the magic
 * is already wrong) and each goes through snpsim_sp_handle until a
 * response says the stream is lost. Every response must be well formed;
 * successful ones must carry a report that parses and (sometimes checked,
 * it is slow) verifies under the VCEK key. The whole input is also handled
 * once as a single request of arbitrary length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simwire/sim_proto.h"
#include "snp/snp_report.h"
#include "sim/snpsim.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct snpsim_sp sp;
static uint8_t vcek_pub[97];
static uint8_t resp[SNPSIM_RESPONSE_MAX];

static void setup(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	uint8_t scalar[SNPSIM_EC_SCALAR_LEN];
	memset(scalar, 0x3c, sizeof scalar); /* a fixed test scalar (< n) */
	static const uint8_t ark[] = "ark", ask[] = "ask", vcek[] = "vcek"; /* the table holds any bytes */
	struct snpsim_launch l = {.product = SNP_PRODUCT_MILAN, .version = 2, .policy = 0x30000, .fw_major = 1,
				  .tcb = {.bootloader = 3, .snp = 8, .microcode = 115}};
	memset(l.measurement, 0x6d, sizeof l.measurement);
	memset(l.chip_id, 0xc1, sizeof l.chip_id);
	char err[128];
	CHECK(snpsim_sp_init(&sp, &l, scalar, ark, 3, ask, 3, vcek, 4, err, sizeof err) == 0);
	br_ec_public_key pk;
	CHECK(br_ec_compute_pub(br_ec_get_default(), &pk, vcek_pub, &sp.vcek_sk) == sizeof vcek_pub);
}

static void check_response(size_t n, const struct snpsim_outcome *o, int verify)
{
	struct sim_response_header h;
	const char *why;
	CHECK(n >= SIM_RESPONSE_HEADER_LEN && n <= SNPSIM_RESPONSE_MAX);
	CHECK(sim_response_header_decode(&h, resp, &why) == 0);
	CHECK(n == SIM_RESPONSE_HEADER_LEN + (size_t)h.report_len + h.certs_len + h.msg_len);
	CHECK(h.status == o->status);
	CHECK(memchr(resp + n - h.msg_len, 0, h.msg_len) == NULL);
	if (h.status != SIM_OK) {
		CHECK(h.msg_len > 0);
		return;
	}
	CHECK(o->keep_open && o->decoded && o->vmpl <= 3);
	static struct snp_report r;
	char err[160];
	CHECK(snp_report_parse(&r, resp + SIM_RESPONSE_HEADER_LEN, h.report_len, SNP_PRODUCT_MILAN, 0, err,
			       sizeof err) == 0);
	CHECK(r.vmpl == o->vmpl && memcmp(r.report_data, o->report_data, 64) == 0);
	if (verify)
		CHECK(snp_report_verify_signature(&r, vcek_pub, sizeof vcek_pub, err, sizeof err) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	struct snpsim_outcome o;
	size_t pos = 0;
	while (pos < size) {
		size_t take = size - pos < SIM_REQUEST_LEN ? size - pos : SIM_REQUEST_LEN;
		if (take >= 4 && memcmp(data + pos, "SNPQ", 4) != 0)
			take = 4; /* the server answers a wrong magic without reading on */
		size_t n = snpsim_sp_handle(&sp, data + pos, take, resp, &o);
		check_response(n, &o, pos == 0 && size > 12 && data[12] == 0);
		pos += take;
		if (!o.keep_open)
			break;
	}
	size_t n = snpsim_sp_handle(&sp, data, size, resp, &o);
	check_response(n, &o, 0);
	return 0;
}
