/* snp-sim's test faults; see snpsim_fault.h. */
#include "snpsim_fault.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/bytes.h"

static const struct {
	const char *name, *what;
} faults[] = {
	[SNPSIM_FAULT_NONE] = {"none", ""},
	[SNPSIM_FAULT_VCEK_CHIP] = {"vcek-other-chip",
				    "the VCEK certificate is issued for ANOTHER CHIP_ID; every client must refuse"},
	[SNPSIM_FAULT_VCEK_TCB] = {"vcek-other-tcb",
				   "the VCEK certificate is issued for ANOTHER TCB; every client must refuse"},
	[SNPSIM_FAULT_NO_CERTS] = {"no-cert-table",
				   "reports carry NO certificate table; clients need --certs or --kds"},
	[SNPSIM_FAULT_SVSM_MANIFEST] = {"svsm-manifest-mismatch",
					"the simulated SVSM sends a manifest OTHER than the one its report binds; "
					"every guest must refuse"},
};

int snpsim_fault_parse(const char *name, enum snpsim_fault *f)
{
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
		if (strcmp(name, faults[i].name) == 0) {
			*f = (enum snpsim_fault)i;
			return 0;
		}
	return -1;
}

const char *snpsim_fault_describe(enum snpsim_fault f)
{
	return faults[f].what;
}

int snpsim_fault_breaks_verification(enum snpsim_fault f)
{
	return f == SNPSIM_FAULT_VCEK_CHIP || f == SNPSIM_FAULT_VCEK_TCB;
}

int snpsim_fault_apply_pki(enum snpsim_fault f, struct snpsim_pki *pki, char *err, size_t err_len)
{
	if (!snpsim_fault_breaks_verification(f))
		return 0;
	struct snpsim_identity claimed = pki->id;
	if (f == SNPSIM_FAULT_VCEK_CHIP) {
		claimed.chip_id[0] ^= 0xff; /* within the 8 bytes Turin's hwID keeps */
	} else {
		/* The SNP firmware SVN is in the TCB of every product; step it
		 * to a neighbouring value either way. */
		claimed.tcb.snp = claimed.tcb.snp == 255 ? 254 : (uint8_t)(claimed.tcb.snp + 1);
	}
	br_hmac_drbg_context rng;
	int rc = snpsim_rng_init(&rng, err, err_len);
	if (rc == 0)
		rc = snpsim_pki_reissue_vcek_for(pki, &claimed, &rng, (int64_t)time(NULL), err, err_len);
	secure_wipe(&rng, sizeof rng);
	return rc;
}

void snpsim_fault_apply_sp(enum snpsim_fault f, struct snpsim_sp *sp)
{
	if (f == SNPSIM_FAULT_NO_CERTS)
		sp->certs_len = 0;
	if (f == SNPSIM_FAULT_SVSM_MANIFEST)
		sp->tamper_manifest = 1;
}
