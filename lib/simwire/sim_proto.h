/* Wire protocol between the guest's "sim" attestation provider and snp-sim,
 * the simulated AMD Secure Processor on the host, over a virtio-serial port
 * (a byte stream; QEMU connects it to snp-sim's unix socket).
 *
 *   request  (100 bytes): "SNPQ" | u32 version (2) | u32 vmpl | REPORT_DATA[64]
 *                         | u32 service (0 none, 1 SVSM) | GUID[16] | u32 manifest_version
 *   response (24 + n):    "SNPR" | u32 status | u32 report_len | u32 certs_len | u32 manifest_len
 *                         | u32 msg_len | report | certificate table | manifest | message (UTF-8, no NUL)
 * All integers little-endian, like the SNP structures; the GUID in the
 * binary guid_t layout (base/guid.h), all zero for "every service".
 * Without a service, GUID and manifest_version must be zero. With the SVSM
 * service (the simulated form of configfs-tsm service_provider = "svsm"),
 * REPORT_DATA in the request is the 64-byte nonce, and the report's
 * REPORT_DATA is SHA-512(nonce || manifest), as the SVSM makes it (SVSM
 * spec #58019 section 7; Linux configfs-tsm-report ABI).
 * status 0: report_len is 1184, manifest_len is 0 unless a service was
 * asked for, and msg_len may be 0; otherwise report, certificates and
 * manifest are empty and the message says why. The simulator never holds
 * a key the guest could use; the guest never sees one. Limits keep a
 * broken peer from making us allocate. */
#ifndef SNPBOOT_SIM_PROTO_H
#define SNPBOOT_SIM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SIM_PROTO_VERSION 2
#define SIM_REQUEST_LEN 100
#define SIM_RESPONSE_HEADER_LEN 24
#define SIM_REPORT_LEN 1184
#define SIM_CERTS_MAX (32 * 1024)
#define SIM_MANIFEST_MAX (8 * 1024)
#define SIM_MSG_MAX 512

enum sim_status {
	SIM_OK = 0,
	SIM_ERR_BAD_REQUEST = 1, /* malformed request */
	SIM_ERR_VMPL = 2,        /* VMPL out of range, or below the platform's floor */
	SIM_ERR_INTERNAL = 3,    /* the simulator could not make a report */
	SIM_ERR_SERVICE = 4,     /* no such service here (no SVSM, unknown GUID or version) */
};
#define SIM_STATUS_COUNT 5

enum sim_service { SIM_SERVICE_NONE = 0, SIM_SERVICE_SVSM = 1 };

struct sim_request {
	uint32_t vmpl;
	uint8_t report_data[64];
	uint32_t service;          /* enum sim_service */
	uint8_t service_guid[16];  /* all zero: every service */
	uint32_t manifest_version;
};

struct sim_response_header {
	uint32_t status;
	uint32_t report_len;
	uint32_t certs_len;
	uint32_t manifest_len;
	uint32_t msg_len;
};

void sim_request_encode(uint8_t out[SIM_REQUEST_LEN], const struct sim_request *req);
/* 0, or -1 with a reason (bad magic, version, service fields). */
int sim_request_decode(struct sim_request *req, const uint8_t in[SIM_REQUEST_LEN], const char **why);

void sim_response_header_encode(uint8_t out[SIM_RESPONSE_HEADER_LEN], const struct sim_response_header *h);
/* Checks magic, lengths against the limits and their consistency with status. */
int sim_response_header_decode(struct sim_response_header *h, const uint8_t in[SIM_RESPONSE_HEADER_LEN],
			       const char **why);

#endif
