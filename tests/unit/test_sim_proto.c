#include "../tap.h"
#include "base/bytes.h"
#include "simwire/sim_proto.h"

int main(void)
{
	struct sim_request req = {.vmpl = 2}, got;
	uint8_t buf[SIM_REQUEST_LEN];
	const char *why = NULL;
	for (int i = 0; i < 64; i++)
		req.report_data[i] = (uint8_t)i;
	sim_request_encode(buf, &req);
	ok(memcmp(buf, "SNPQ\x02\0\0\0\x02\0\0\0", 12) == 0, "request layout (version 2)");
	ok(bytes_all_zero(buf + 76, 24), "no service: service fields zero");
	is_int(sim_request_decode(&got, buf, &why), 0, "request round trip");
	is_int(got.vmpl, 2, "vmpl");
	is_mem(got.report_data, req.report_data, 64, "report data");
	buf[4] = 1;
	is_int(sim_request_decode(&got, buf, &why), -1, "version 1 refused");
	buf[4] = 2;

	/* The SVSM service fields. */
	struct sim_request svc = {.vmpl = 0, .service = SIM_SERVICE_SVSM, .manifest_version = 7};
	memset(svc.service_guid, 0xC4, 16);
	sim_request_encode(buf, &svc);
	is_int(sim_request_decode(&got, buf, &why), 0, "service request round trip");
	ok(got.service == SIM_SERVICE_SVSM && got.manifest_version == 7 && memcmp(got.service_guid, svc.service_guid, 16) == 0,
	   "service, GUID and manifest version carried");
	le32_store(buf + 76, 2);
	is_int(sim_request_decode(&got, buf, &why), -1, "unknown service refused");
	svc.service = SIM_SERVICE_NONE;
	sim_request_encode(buf, &svc);
	is_int(sim_request_decode(&got, buf, &why), -1, "GUID without a service refused");
	ok(why && strstr(why, "without a service provider"), "reason: %s", why ? why : "");
	memset(svc.service_guid, 0, 16);
	sim_request_encode(buf, &svc);
	is_int(sim_request_decode(&got, buf, &why), -1, "manifest version without a service refused");
	sim_request_encode(buf, &req);
	buf[0] = 'X';
	is_int(sim_request_decode(&got, buf, &why), -1, "bad magic refused");
	ok(why && strstr(why, "SNPQ"), "reason: %s", why ? why : "");

	struct sim_response_header h = {.status = SIM_OK, .report_len = SIM_REPORT_LEN, .certs_len = 4096}, hd;
	uint8_t hb[SIM_RESPONSE_HEADER_LEN];
	sim_response_header_encode(hb, &h);
	is_int(sim_response_header_decode(&hd, hb, &why), 0, "response header round trip");
	is_int(hd.certs_len, 4096, "certs_len");
	h.report_len = 1000;
	sim_response_header_encode(hb, &h);
	is_int(sim_response_header_decode(&hd, hb, &why), -1, "short report refused");
	h = (struct sim_response_header){.status = SIM_ERR_VMPL, .report_len = SIM_REPORT_LEN};
	sim_response_header_encode(hb, &h);
	is_int(sim_response_header_decode(&hd, hb, &why), -1, "error with a report refused");
	h = (struct sim_response_header){.status = SIM_OK, .report_len = SIM_REPORT_LEN, .certs_len = SIM_CERTS_MAX + 1};
	sim_response_header_encode(hb, &h);
	is_int(sim_response_header_decode(&hd, hb, &why), -1, "oversized certificates refused");
	h = (struct sim_response_header){.status = SIM_ERR_INTERNAL, .msg_len = SIM_MSG_MAX + 1};
	sim_response_header_encode(hb, &h);
	is_int(sim_response_header_decode(&hd, hb, &why), -1, "oversized message refused");
	h = (struct sim_response_header){.status = SIM_OK, .report_len = SIM_REPORT_LEN, .manifest_len = 122};
	sim_response_header_encode(hb, &h);
	is_int(sim_response_header_decode(&hd, hb, &why), 0, "response with a manifest accepted");
	is_int(hd.manifest_len, 122, "manifest_len");
	h.manifest_len = SIM_MANIFEST_MAX + 1;
	sim_response_header_encode(hb, &h);
	is_int(sim_response_header_decode(&hd, hb, &why), -1, "oversized manifest refused");
	h = (struct sim_response_header){.status = SIM_ERR_SERVICE, .manifest_len = 1};
	sim_response_header_encode(hb, &h);
	is_int(sim_response_header_decode(&hd, hb, &why), -1, "error with a manifest refused");
	h = (struct sim_response_header){.status = SIM_ERR_INTERNAL, .msg_len = 10};
	sim_response_header_encode(hb, &h);
	is_int(sim_response_header_decode(&hd, hb, &why), 0, "error with a message accepted");
	return done_testing();
}
