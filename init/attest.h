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

#include "bootcfg/bootcfg.h"
#include "simwire/sim_proto.h"

#define ATTEST_REPORT_LEN 1184u
/* The certificate table fits both the kernel's limit (configfs-tsm auxblob
 * at most 32 KiB) and the simulator's. */
#define ATTEST_CERTS_MAX SIM_CERTS_MAX

struct attest_evidence {
	uint8_t report[ATTEST_REPORT_LEN];
	size_t report_len;             /* ATTEST_REPORT_LEN on success */
	uint8_t certs[ATTEST_CERTS_MAX];
	size_t certs_len;              /* 0: the platform supplied no certificates */
	char provider[16];             /* "configfs-tsm", "sev-guest" or "sim" */
};

/* Gets a report for report_data at the given VMPL (0-3) from the provider
 * the config names. Returns 0 with ev filled, or -1 with the reason in err.
 * Logs which provider answered; a simulated report is logged at WARNING. */
int attest_get_report(const struct boot_config *cfg, const uint8_t report_data[64], uint32_t vmpl,
		      struct attest_evidence *ev, char *err, size_t err_len);

/* "auto", "configfs-tsm", "sev-guest", "sim" (the boot.toml spelling). */
const char *attest_provider_name(enum attest_provider p);

#endif
