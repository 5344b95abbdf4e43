/* Wire protocol between the guest's "sim" attestation provider and snp-sim,
 * the simulated AMD Secure Processor on the host, over a virtio-serial port
 * (a byte stream; QEMU connects it to snp-sim's unix socket).
 *
 *   request  (76 bytes):  "SNPQ" | u32 version (1) | u32 vmpl | REPORT_DATA[64]
 *   response (20 + n):    "SNPR" | u32 status | u32 report_len | u32 certs_len | u32 msg_len
 *                         | report | certificate table | message (UTF-8, no NUL)
 * All integers little-endian, like the SNP structures. status 0: report_len is
 * 1184 and msg_len may be 0; otherwise report_len and certs_len are 0 and the
 * message says why. The simulator never holds a key the guest could use; the
 * guest never sees one. Limits keep a broken peer from making us allocate. */
#ifndef SNPBOOT_SIM_PROTO_H
#define SNPBOOT_SIM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SIM_PROTO_VERSION 1
#define SIM_REQUEST_LEN 76
#define SIM_RESPONSE_HEADER_LEN 20
#define SIM_REPORT_LEN 1184
#define SIM_CERTS_MAX (32 * 1024)
#define SIM_MSG_MAX 512

enum sim_status {
	SIM_OK = 0,
	SIM_ERR_BAD_REQUEST = 1, /* malformed request */
	SIM_ERR_VMPL = 2,        /* VMPL out of range */
	SIM_ERR_INTERNAL = 3,    /* the simulator could not make a report */
};

struct sim_request {
	uint32_t vmpl;
	uint8_t report_data[64];
};

struct sim_response_header {
	uint32_t status;
	uint32_t report_len;
	uint32_t certs_len;
	uint32_t msg_len;
};

void sim_request_encode(uint8_t out[SIM_REQUEST_LEN], const struct sim_request *req);
/* 0, or -1 with a reason (bad magic, version). */
int sim_request_decode(struct sim_request *req, const uint8_t in[SIM_REQUEST_LEN], const char **why);

void sim_response_header_encode(uint8_t out[SIM_RESPONSE_HEADER_LEN], const struct sim_response_header *h);
/* Checks magic, lengths against the limits and their consistency with status. */
int sim_response_header_decode(struct sim_response_header *h, const uint8_t in[SIM_RESPONSE_HEADER_LEN],
			       const char **why);

#endif
