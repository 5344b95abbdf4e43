/* Certificates and CRL for the owner's verification (owner_certs.h). */
#include "owner_certs.h"

#include <stdio.h>
#include <string.h>

#include "client/kds_fetch.h"
#include "snp/kds.h"

/* The KDS cache directory: the given one, else the default ("" if none). */
static void cache_dir(const struct owner_cert_source *src, char out[KDS_PATH_MAX])
{
	if (src->cache)
		snprintf(out, KDS_PATH_MAX, "%s", src->cache);
	else if (kds_default_cache_dir(out, KDS_PATH_MAX) != 0)
		out[0] = '\0';
}

int owner_certs_load(const struct owner_cert_source *src, const struct vmdef *def, const struct chan_evidence *ev,
		     struct amd_certdir *dir, struct snp_certtable *table, struct amd_certs *certs, char *err,
		     size_t err_len)
{
	const char *certdir = src->certs ? src->certs : def->certs[0] ? def->certs : NULL;
	if (certdir) {
		if (amd_certdir_load(certdir, dir, err, err_len) != 0)
			return -1;
		*certs = dir->certs;
		return 0;
	}
	if (!ev->cert_table && src->kds) {
		char cache[KDS_PATH_MAX];
		cache_dir(src, cache);
		if (kds_fetch_for_report(ev->report, CHAN_REPORT_LEN, def->product, cache, src->kds_url, src->ca_file, dir,
					 NULL, 0, err, err_len) != 0)
			return -2; /* KDS unreachable or refusing: a network failure */
		*certs = dir->certs;
		return 0;
	}
	if (!ev->cert_table) {
		snprintf(err, err_len,
			 "the guest sent no certificates and neither --certs, [platform] certs nor --kds is given");
		return -1;
	}
	if (snp_certtable_parse(table, ev->cert_table, ev->cert_table_len, err, err_len) != 0)
		return -1;
	return snp_certs_from_table(table, certs, err, err_len);
}

/* The product whose CRL applies: the definition's, else the one the VCEK names. */
static enum amd_product crl_product(const struct vmdef *def, const struct amd_certs *certs, int *is_vlek)
{
	struct amd_vcek_ext ext;
	*is_vlek = 0;
	int have_ext = certs->vcek && amd_vcek_ext_parse(certs->vcek, certs->vcek_len, &ext, NULL, 0) == 0;
	if (have_ext)
		*is_vlek = (ext.present & AMD_EXT_CSP_ID) != 0;
	if (def->product != SNP_PRODUCT_UNKNOWN)
		return snp_product_to_amd(def->product);
	return have_ext ? amd_product_from_name(ext.product_name, strlen(ext.product_name)) : AMD_PRODUCT_UNKNOWN;
}

void owner_certs_attach_crl(const struct owner_cert_source *src, const struct vmdef *def, struct amd_certs *certs,
			    uint8_t **crl_buf, char *note, size_t note_len)
{
	char err[1024], where[2 * VMDEF_PATH_MAX + 32];
	size_t len = 0;
	*crl_buf = NULL;
	note[0] = '\0';
	if (!def->check_crl) {
		/* The explicit opt-out: no CRL at all, so what every run says is true. */
		certs->crl = NULL;
		certs->crl_len = 0;
		return;
	}
	if (certs->crl)
		return;
	if (def->simulated) {
		int rc = vmdef_sim_crl(def, crl_buf, &len, where, sizeof where, err, sizeof err);
		if (rc == 0)
			snprintf(note, note_len, "CRL from %s (the simulator's test ARK)", where);
		else if (rc == 1)
			snprintf(note, note_len, "no CRL: none in %s (snp-sim issues crl.der in its state directory)",
				 where);
		else
			snprintf(note, note_len, "no CRL: %s", err);
	} else {
		char cache[KDS_PATH_MAX];
		int is_vlek;
		enum amd_product p = crl_product(def, certs, &is_vlek);
		cache_dir(src, cache);
		if (kds_fetch_crl(p, is_vlek, cache, src->kds_url, src->ca_file, crl_buf, &len, err, sizeof err) != 0)
			snprintf(note, note_len, "no CRL: %s", err);
	}
	if (*crl_buf) {
		certs->crl = *crl_buf;
		certs->crl_len = len;
	}
}
