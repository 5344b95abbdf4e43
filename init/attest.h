/* Attestation providers behind one call: the guest asks the platform for an
 * SNP report binding 64 bytes of REPORT_DATA, plus the host's certificate
 * table when it offers one.
 *
 *   auto          configfs-tsm (if the tsm report directory exists), then
 *                 /dev/sev-guest; the error names every provider tried.
 *   configfs-tsm  /sys/kernel/config/tsm/report only.
 *   sev-guest     /dev/sev-guest ioctls only.
 *   sim           snp-sim over a virtio-serial port: a SIMULATED platform.
 *                 Only used when the measured boot config names it; auto
 *                 never picks it.
 *
 * Whatever the provider, the report handed back has the REPORT_DATA and
 * VMPL that were asked for (checked here), so a stale or foreign report
 * never leaves this module. Nothing here verifies signatures: that is the
 * owner's job. */
#ifndef SNPBOOT_INIT_ATTEST_H
#define SNPBOOT_INIT_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/guid.h"
#include "bootcfg/bootcfg.h"
#include "simwire/sim_proto.h"

#define ATTEST_REPORT_LEN 1184u
/* The certificate table fits both the kernel's limit (configfs-tsm auxblob
 * at most 32 KiB) and the simulator's. */
#define ATTEST_CERTS_MAX SIM_CERTS_MAX
/* The SVSM's service manifest: COCONUT-SVSM's vTPM manifest (the EK's
 * TPMT_PUBLIC) is a few hundred bytes, and Linux starts with a 4 KiB
 * manifest buffer (arch/x86/coco/sev: snp_issue_svsm_attest_req); twice
 * that is room enough, and a bigger one is refused rather than cut. It is
 * also what the simulator and the channel carry at most. */
#define ATTEST_MANIFEST_MAX SIM_MANIFEST_MAX

struct attest_evidence {
	uint8_t report[ATTEST_REPORT_LEN];
	size_t report_len;             /* ATTEST_REPORT_LEN on success */
	uint8_t certs[ATTEST_CERTS_MAX];
	size_t certs_len;              /* 0: the platform supplied no certificates */
	uint8_t manifest[ATTEST_MANIFEST_MAX];
	size_t manifest_len;
	int has_manifest;              /* 1: an SVSM service attestation (manifest may be empty) */
	char provider[16];             /* "configfs-tsm", "sev-guest" or "sim" */
};

/* What the boot config asks of the SVSM (attestation.service_*): the
 * report comes from the SVSM at VMPL 0, and REPORT_DATA is
 * SHA-512(nonce || manifest) for the 64-byte nonce we hand it. */
struct attest_service {
	char guid[GUID_TEXT_LEN + 1];  /* "": every service */
	uint8_t guid_bin[16];          /* all zero: every service */
	uint32_t manifest_version;
};

/* Gets a report for report_data at the given VMPL (0-3) from the provider
 * the config names; with attestation.service_provider = "svsm", the SVSM's
 * service attestation for report_data as the nonce (vmpl unused: the SVSM
 * is at VMPL 0). Returns 0 with ev filled, or -1 with the reason in err.
 * Logs which provider answered; a simulated report is logged at WARNING. */
int attest_get_report(const struct boot_config *cfg, const uint8_t report_data[64], uint32_t vmpl,
		      struct attest_evidence *ev, char *err, size_t err_len);

/* "auto", "configfs-tsm", "sev-guest", "sim" (the boot.toml spelling). */
const char *attest_provider_name(enum attest_provider p);

#endif
