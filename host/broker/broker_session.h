/* One guest connection to the broker, start to end: the attested channel
 * from the owner's side (host/client/owner_session.h), the VM found by the
 * HOST_DATA of its report, the report verified against that VM's
 * definition with the client's own code (owner_verify.h) and the VM's
 * accepted MEASUREMENTs and CHIP_IDs, one release per REPORT_ID claimed in
 * the store, that VM's key and no other sent, the guest's answer recorded,
 * an audit event and a log line whatever happened. */
#ifndef SNPBOOT_HOST_BROKER_SESSION_H
#define SNPBOOT_HOST_BROKER_SESSION_H

#include <stdint.h>

#include "broker/broker_shared.h"
#include "broker/broker_store.h"
#include "chan/chan_tls_client.h"
#include "client/owner_certs.h"
#include "client/owner_session.h"
#include "snp/snp_report.h"
#include "snp/snp_verify.h"
#include "vmdef/vmdef.h"

struct broker_limits {
	unsigned handshake_ms, evidence_ms, result_ms; /* each step's deadline */
	int64_t claim_timeout_s;  /* a pending claim older than this may be taken over */
	unsigned source_per_minute, source_in_flight, vm_per_minute; /* 0: no limit */
};

/* Everything one worker needs, set up once (large: keep it static or on the heap). */
struct broker_worker {
	struct broker_store *store;
	struct broker_shared *shared;
	struct broker_limits limits;
	struct owner_cert_source certs;
	struct chan_tls_client tls; /* with the broker's key (boot.toml owner_key_sha256 pins it) */
	struct owner_session session;
	struct vmdef def;
	struct snp_verify_result verdict;
	struct snp_report report;
};

/* Serves the guest on fd (closed when done); peer ("ADDR:PORT") names it in
 * logs, source (the address alone) is what the per-source limits count. */
void broker_session_run(struct broker_worker *w, int fd, const char *peer, const char *source);

#endif
