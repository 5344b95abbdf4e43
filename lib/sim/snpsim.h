/*
 * The simulated AMD Secure Processor: turns a guest's request (REPORT_DATA,
 * VMPL; lib/sim_proto.h) into a real 1184-byte SNP attestation report
 * signed by the test VCEK (ECDSA P-384/SHA-384 over 0x000-0x29F, R and S
 * little-endian, 72 bytes each), plus the certificate table (ARK, ASK,
 * VCEK). Everything that does not come from the request is fixed when the
 * simulator starts (the "launch"): it lives in a template report.
 *
 * The guest never sees a key: only reports and certificates leave.
 */
#ifndef SNPBOOT_SNPSIM_H
#define SNPBOOT_SNPSIM_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "simwire/sim_proto.h"
#include "snp/snp_report.h"
#include "snpsim_pki.h"
#include "vmdef/vmdef.h"

/* Largest response: header, report, certificate table, manifest, message. */
#define SNPSIM_RESPONSE_MAX (SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + SIM_CERTS_MAX + SIM_MANIFEST_MAX + SIM_MSG_MAX)

/* The launch-time fields of every report. */
struct snpsim_launch {
	enum snp_product product;
	uint32_t version;          /* 2 or 3 (3 adds CPUID family/model/stepping) */
	uint32_t guest_svn;
	uint64_t policy;
	uint8_t family_id[16], image_id[16];
	uint64_t platform_info;
	int author_key_en;
	uint8_t measurement[48];
	uint8_t host_data[32];
	uint8_t id_key_digest[48], author_key_digest[48];
	uint8_t report_id[32];     /* random per launch */
	struct snp_tcb tcb;        /* CURRENT = REPORTED = COMMITTED = LAUNCH */
	uint8_t chip_id[64];
	uint8_t fw_major, fw_minor, fw_build;
};

/* The signing state. Points into itself: pass by pointer, never copy. */
struct snpsim_sp {
	uint8_t tmpl[SNP_REPORT_SIZE];        /* the report minus VMPL, REPORT_DATA, signature */
	uint8_t vcek_priv[SNPSIM_EC_SCALAR_LEN]; /* secret */
	br_ec_private_key vcek_sk;            /* -> vcek_priv */
	uint8_t certs[SIM_CERTS_MAX];         /* the certificate table */
	size_t certs_len;
	/* The simulated SVSM (snpsim_svsm.c), from the definition's [svsm]
	 * table; 0 everywhere when it has none. */
	int svsm;                             /* an SVSM runs at VMPL 0 */
	uint32_t privlevel_floor;             /* plain requests below this VMPL are refused */
	int attest_services;                  /* it answers service attestation requests */
	int has_service_guid;                 /* [svsm] service_guid: only this service */
	uint8_t service_guid[16];
	uint8_t vtpm_manifest[SIM_MANIFEST_MAX]; /* the simulated vTPM EK: a TPMT_PUBLIC */
	size_t vtpm_manifest_len;
	int tamper_manifest;                  /* TEST FAULT: the manifest sent is not the one hashed */
	/* BENCHMARKS ONLY (snp-sim --report-id-per-request): every report gets
	 * its own REPORT_ID, SHA-256(launch REPORT_ID || REPORT_DATA), so one
	 * simulator can stand for many launches (no real firmware does this). */
	int report_id_per_request;
};

/* Sets up sp from the launch fields, the VCEK's private scalar and the
 * three certificates. 0, or -1 with err. */
int snpsim_sp_init(struct snpsim_sp *sp, const struct snpsim_launch *launch,
		   const uint8_t vcek_priv[SNPSIM_EC_SCALAR_LEN], const uint8_t *ark, size_t ark_len,
		   const uint8_t *ask, size_t ask_len, const uint8_t *vcek, size_t vcek_len, char *err,
		   size_t err_len);

/* One signed report for vmpl (0..3) and report_data. 0, or -1 with err. */
int snpsim_sp_report(const struct snpsim_sp *sp, uint32_t vmpl, const uint8_t report_data[64],
		     uint8_t out[SNP_REPORT_SIZE], char *err, size_t err_len);

/* What happened to one request, for the log. */
struct snpsim_outcome {
	uint32_t status;       /* enum sim_status */
	uint32_t vmpl;         /* when the request decoded */
	uint8_t report_data[64];
	int decoded;           /* 1 if vmpl and report_data hold the request's values */
	uint32_t service;      /* enum sim_service of a decoded request */
	int keep_open;         /* 0: the byte stream cannot be trusted any more; close it */
	char msg[SIM_MSG_MAX + 1];
};

/*
 * The part of the simulator that faces the guest: request bytes in,
 * response bytes out (resp must hold SNPSIM_RESPONSE_MAX). A request that
 * is not exactly SIM_REQUEST_LEN bytes, has a bad magic or version gets an
 * error response and keep_open = 0; VMPL > 3 an error response with the
 * connection kept. Never fails: returns the response length.
 */
size_t snpsim_sp_handle(const struct snpsim_sp *sp, const uint8_t *req, size_t req_len, uint8_t *resp,
			struct snpsim_outcome *out);

void snpsim_sp_wipe(struct snpsim_sp *sp);

/*
 * The simulated SVSM (snpsim_svsm.c). With the definition's [svsm] table
 * the platform has an SVSM at VMPL 0, so a plain request below the floor
 * (VMPL 1, or [expect] vmpl when it names a higher one) is refused like
 * configfs-tsm's privlevel_floor would refuse it. With [svsm]
 * attest_services = true it also answers service attestation requests as
 * COCONUT-SVSM does for the vTPM (SVSM spec #58019 section 7): a report at
 * VMPL 0 whose REPORT_DATA is SHA-512(nonce || manifest), where the
 * manifest (service manifest version 0) is the vTPM's endorsement key
 * public area, a TPMT_PUBLIC; here an ECC NIST P-256 key in the TCG EK
 * template's shape, derived from the state directory's test ARK key so
 * that it is the same on every run over the same state. 0, or -1 with err.
 */
int snpsim_sp_svsm_init(struct snpsim_sp *sp, const struct vmdef *def, const struct snpsim_pki *pki, char *err,
			size_t err_len);
/* The simulated vTPM EK's TPMT_PUBLIC into out (cap bytes); its length,
 * or 0 with err. */
size_t snpsim_vtpm_ek_public(const struct snpsim_pki *pki, uint8_t *out, size_t cap, char *err, size_t err_len);
/* Whether the simulated SVSM serves this service request: SIM_OK, or
 * SIM_ERR_SERVICE with the reason in msg. */
uint32_t snpsim_svsm_accepts(const struct snpsim_sp *sp, const struct sim_request *r, char *msg, size_t cap);
/* REPORT_DATA of the SVSM's report: SHA-512(nonce || manifest). */
void snpsim_svsm_report_data(const uint8_t nonce[64], const uint8_t *manifest, size_t len, uint8_t out[64]);

/*
 * The launch fields from a VM definition and the PKI: MEASUREMENT from
 * [sim] measurement, else computed from the definition's launch files,
 * else [expect] measurement; POLICY guest_policy; the rest from [sim] and
 * [expect] (vmdef.h); REPORT_ID random. 0, or -1 with err.
 */
int snpsim_launch_from_vmdef(struct snpsim_launch *l, const struct vmdef *def, const struct snpsim_pki *pki,
			     char *err, size_t err_len);

/*
 * The self-check the simulator runs before serving (DESIGN.md): one report
 * for a random REPORT_DATA through snp_verify_report with the test ARK as
 * the explicit trust anchor, expecting exactly the launch's MEASUREMENT,
 * HOST_DATA and TCB. 0, or -1 with every failed check in err.
 */
int snpsim_self_check(const struct snpsim_sp *sp, const struct snpsim_launch *l, const struct snpsim_pki *pki,
		      char *err, size_t err_len);

#endif
