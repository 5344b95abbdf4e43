/* Where the owner's side gets the AMD certificates and the ARK's CRL for a
 * report: a directory (--certs, or the definition's [platform] certs), the
 * guest's certificate table, or AMD KDS (cached). Nothing found here is
 * trusted: the verifier checks the chain against the pinned roots (or the
 * definition's anchor). Shared by `snpboot client` and `snpboot broker`. */
#ifndef SNPBOOT_HOST_OWNER_CERTS_H
#define SNPBOOT_HOST_OWNER_CERTS_H

#include <stddef.h>
#include <stdint.h>

#include "chan/chan_payload.h"
#include "snp/amd_certdir.h"
#include "snp/snp_certtable.h"
#include "vmdef/vmdef.h"

struct owner_cert_source {
	const char *certs;   /* directory; NULL: the definition's [platform] certs, if any */
	int kds;             /* fetch from KDS when nothing else gives certificates */
	const char *cache;   /* KDS cache; NULL: kds_default_cache_dir() */
	const char *kds_url; /* NULL: KDS itself */
	const char *ca_file; /* NULL: the system's CA bundle */
};

/* Fills certs from the first source that applies. dir and table hold what
 * certs points into (free dir with amd_certdir_free). 0; -1 with err (bad
 * certificates or no source); -2 when KDS was asked and failed (a network
 * failure, not the guest's fault). */
int owner_certs_load(const struct owner_cert_source *src, const struct vmdef *def, const struct chan_evidence *ev,
		     struct amd_certdir *dir, struct snp_certtable *table, struct amd_certs *certs, char *err,
		     size_t err_len);

/* Revocation (DESIGN.md step 5): a certificate set without the ARK's CRL
 * gets one, from snp-sim's state for a simulated definition, else from KDS
 * (cached until its nextUpdate); check_crl = false removes any. note says
 * where the CRL came from or why there is none ("" when the set had one);
 * the verifier, told to require a CRL, then refuses the chain. *crl_buf
 * holds what was read: free it after verification. */
void owner_certs_attach_crl(const struct owner_cert_source *src, const struct vmdef *def, struct amd_certs *certs,
			    uint8_t **crl_buf, char *note, size_t note_len);

#endif
