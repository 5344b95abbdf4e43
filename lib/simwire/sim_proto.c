#include "sim_proto.h"

#include <string.h>

#include "base/bytes.h"

static const uint8_t request_magic[4] = {'S', 'N', 'P', 'Q'};
static const uint8_t response_magic[4] = {'S', 'N', 'P', 'R'};

void sim_request_encode(uint8_t out[SIM_REQUEST_LEN], const struct sim_request *req)
{
	memcpy(out, request_magic, 4);
	le32_store(out + 4, SIM_PROTO_VERSION);
	le32_store(out + 8, req->vmpl);
	memcpy(out + 12, req->report_data, 64);
	le32_store(out + 76, req->service);
	memcpy(out + 80, req->service_guid, 16);
	le32_store(out + 96, req->manifest_version);
}

int sim_request_decode(struct sim_request *req, const uint8_t in[SIM_REQUEST_LEN], const char **why)
{
	if (memcmp(in, request_magic, 4) != 0) {
		*why = "request does not start with \"SNPQ\"";
		return -1;
	}
	if (le32_load(in + 4) != SIM_PROTO_VERSION) {
		*why = "unsupported request version (this simulator speaks version 2)";
		return -1;
	}
	req->vmpl = le32_load(in + 8);
	memcpy(req->report_data, in + 12, 64);
	req->service = le32_load(in + 76);
	memcpy(req->service_guid, in + 80, 16);
	req->manifest_version = le32_load(in + 96);
	if (req->service != SIM_SERVICE_NONE && req->service != SIM_SERVICE_SVSM) {
		*why = "unknown service provider in the request";
		return -1;
	}
	/* Strict: fields that mean nothing without a service must be zero, so
	 * a request never says more than the simulator acts on. */
	if (req->service == SIM_SERVICE_NONE && (!bytes_all_zero(req->service_guid, 16) || req->manifest_version)) {
		*why = "service GUID or manifest version without a service provider";
		return -1;
	}
	return 0;
}

void sim_response_header_encode(uint8_t out[SIM_RESPONSE_HEADER_LEN], const struct sim_response_header *h)
{
	memcpy(out, response_magic, 4);
	le32_store(out + 4, h->status);
	le32_store(out + 8, h->report_len);
	le32_store(out + 12, h->certs_len);
	le32_store(out + 16, h->manifest_len);
	le32_store(out + 20, h->msg_len);
}

int sim_response_header_decode(struct sim_response_header *h, const uint8_t in[SIM_RESPONSE_HEADER_LEN],
			       const char **why)
{
	if (memcmp(in, response_magic, 4) != 0) {
		*why = "response does not start with \"SNPR\"";
		return -1;
	}
	h->status = le32_load(in + 4);
	h->report_len = le32_load(in + 8);
	h->certs_len = le32_load(in + 12);
	h->manifest_len = le32_load(in + 16);
	h->msg_len = le32_load(in + 20);
	if (h->msg_len > SIM_MSG_MAX) {
		*why = "response message longer than 512 bytes";
		return -1;
	}
	if (h->status == SIM_OK && h->report_len != SIM_REPORT_LEN) {
		*why = "successful response without a 1184-byte report";
		return -1;
	}
	if (h->status != SIM_OK && (h->report_len != 0 || h->certs_len != 0 || h->manifest_len != 0)) {
		*why = "error response carrying a report, certificates or a manifest";
		return -1;
	}
	if (h->certs_len > SIM_CERTS_MAX) {
		*why = "certificate table larger than 32 KiB";
		return -1;
	}
	if (h->manifest_len > SIM_MANIFEST_MAX) {
		*why = "service manifest larger than 8 KiB";
		return -1;
	}
	return 0;
}
