/*
 * snp-sim's test faults (--fault NAME): deliberately wrong platforms, so the
 * end-to-end tests can prove the client refuses what a compromised or
 * misconfigured host would send. Each is announced loudly on every run.
 */
#ifndef SNPBOOT_HOST_SNPSIM_FAULT_H
#define SNPBOOT_HOST_SNPSIM_FAULT_H

#include <stddef.h>

#include "sim/snpsim.h"
#include "sim/snpsim_pki.h"

enum snpsim_fault {
	SNPSIM_FAULT_NONE = 0,
	SNPSIM_FAULT_VCEK_CHIP, /* "vcek-other-chip": the VCEK certificate names another CHIP_ID */
	SNPSIM_FAULT_VCEK_TCB,  /* "vcek-other-tcb": the VCEK certificate names another TCB */
	SNPSIM_FAULT_NO_CERTS,  /* "no-cert-table": reports come without certificates, as from a
				 * host that does not supply them (the client needs --certs or --kds) */
	SNPSIM_FAULT_SVSM_MANIFEST, /* "svsm-manifest-mismatch": the simulated SVSM sends another manifest
				     * than the one its report's REPORT_DATA binds, as a host swapping it would
				     * (needs [svsm] attest_services = true; the guest must refuse) */
};

/* 0 and *f, or -1 for an unknown name. */
int snpsim_fault_parse(const char *name, enum snpsim_fault *f);
/* One line for the log: what is wrong on purpose and what a client must do. */
const char *snpsim_fault_describe(enum snpsim_fault f);
/* Does the fault make every report unverifiable (so the self-check must fail)? */
int snpsim_fault_breaks_verification(enum snpsim_fault f);
/* Before snpsim_sp_init: the VCEK faults re-sign the VCEK certificate in memory. 0, or -1 with err. */
int snpsim_fault_apply_pki(enum snpsim_fault f, struct snpsim_pki *pki, char *err, size_t err_len);
/* After the self-check: the certificate-table fault empties the table, the
 * manifest fault makes the simulated SVSM tamper with its manifest. */
void snpsim_fault_apply_sp(enum snpsim_fault f, struct snpsim_sp *sp);

#endif
