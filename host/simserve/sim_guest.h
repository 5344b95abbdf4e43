/* The first stage's side of the attested channel with snp-sim as the
 * platform, for host-only tests and benchmarks without a VM: `snpboot
 * chan-selftest --attest-sim` plays one guest with it, bench/broker_load.c
 * many. After the TLS handshake: HELLO, REPORT_DATA bound to this session
 * (chan_binding.h), a report from snp-sim over its unix socket
 * (sim_proto.h), EVIDENCE, then SECRETS (answered RESULT ok) or REJECT. */
#ifndef SNPBOOT_SIM_GUEST_H
#define SNPBOOT_SIM_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chan/chan_io.h"
#include "chan/chan_tls_server.h"

/* One report from snp-sim at sock for vmpl and report_data; report holds
 * SIM_REPORT_LEN bytes, certs SIM_CERTS_MAX. 0, or -1 with err. */
int sim_guest_report(const char *sock, uint32_t vmpl, const uint8_t report_data[64], uint8_t *report,
		     uint8_t *certs, size_t *certs_len, char *err, size_t err_len);

enum sim_guest_end {
	SIM_GUEST_KEY = 0,      /* SECRETS arrived and RESULT ok was sent */
	SIM_GUEST_REFUSED = 1,  /* the owner sent REJECT */
	SIM_GUEST_FAILED = -1,  /* transport, protocol or snp-sim failure: err says which */
};

/* What a session learnt, for the caller to print. */
struct sim_guest_outcome {
	uint8_t report_id[32];
	size_t key_len;      /* with SIM_GUEST_KEY (the key itself is wiped) */
	char refusal[301];   /* with SIM_GUEST_REFUSED: the owner's text (truncated) */
};

/* The protocol after a completed handshake on io (server s). log, when not
 * NULL, gets "report-id HEX" before EVIDENCE and "disk key received N
 * bytes" as soon as SECRETS arrived, as chan-selftest prints them. hold_ms:
 * wait that long before answering RESULT (tests of an owner that dies
 * while the guest holds the key). */
enum sim_guest_end sim_guest_session(struct chan_tls_server *s, struct chan_io *io, const char *sock, uint32_t vmpl,
				     unsigned hold_ms, FILE *log, struct sim_guest_outcome *out, char *err,
				     size_t err_len);

#endif
