/*
 * AMD certificates for a report, from a local cache or AMD's Key
 * Distribution Service (KDS) over HTTPS (lib/https_get.h, lib/kds.h).
 *
 * Cache layout (cache_dir/<product>/...):
 *   cert_chain.pem                 ASK then ARK, as KDS serves it
 *   crl.der                        the ARK-signed CRL (refetched past its nextUpdate or
 *                                  after KDS_CRL_MAX_AGE_S); vlek/crl.der for VLEK chains
 *   <hwid-hex>-<tcb-hex>/vcek.der  one VCEK per chip and REPORTED_TCB, so a TCB
 *                                  change fetches a new VCEK
 *   <hwid-hex>-<tcb-hex>/cert_chain.pem, crl.der: symlinks to ../, so the
 *                                  directory is a complete `--certs DIR`
 * hwid-hex is the CHIP_ID part KDS keys VCEKs by (64 bytes; Turin: 8),
 * tcb-hex the 8 raw REPORTED_TCB bytes.
 *
 * The cache is NOT a trust decision: whatever it holds (or KDS sent) is
 * checked by the verifier like any other certificate source (ARK pinned,
 * every signature, VCEK extensions against CHIP_ID and REPORTED_TCB). A
 * tampered cache can make verification fail, never pass.
 */
#ifndef SNPBOOT_HOST_KDS_FETCH_H
#define SNPBOOT_HOST_KDS_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "snp/amd_cert.h"
#include "snp/amd_certdir.h"
#include "snp/snp_report.h"

#define KDS_CRL_MAX_AGE_S (24 * 3600)
#define KDS_TIMEOUT_MS 30000u
#define KDS_PATH_MAX 4096

/* $XDG_CACHE_HOME/snpboot/kds, else $HOME/.cache/snpboot/kds. 0, or -1 if neither is set. */
int kds_default_cache_dir(char *out, size_t cap);

/* cache_dir/<product>/<hwid-hex>-<tcb-hex>: where the report's VCEK lives. */
int kds_vcek_dir(char *out, size_t cap, const char *cache_dir, enum amd_product product, const uint8_t chip_id[64],
		 const uint8_t reported_tcb[8], char *err, size_t err_len);

/*
 * Fills out (amd_certdir_load of the VCEK directory) with the certificates
 * for a report's CHIP_ID and REPORTED_TCB: from the cache when present, else
 * fetched from KDS (base_url_override: e.g. "https://localhost:8443" for
 * tests; NULL: KDS_BASE_URL) with the CA bundle ca_file (NULL: the
 * system's), written to the cache atomically, then loaded. The CRL is
 * best effort: a failed fetch is a warning. Progress goes to stderr.
 * is_vlek: VLEKs are not served to the public by KDS, so this is refused.
 * Returns 0, or -1 with the reason in err.
 */
int kds_fetch_certs(enum amd_product product, const uint8_t chip_id[64], const uint8_t reported_tcb[8], int is_vlek,
		    const char *cache_dir, const char *base_url_override, const char *ca_file, struct amd_certdir *out,
		    char *err, size_t err_len);

/*
 * The product's ARK-signed CRL (the VCEK one, or with is_vlek the VLEK one)
 * from the cache (cache_dir/<product>/crl.der, <product>/vlek/crl.der), fetched
 * from KDS when missing, past its nextUpdate or older than
 * KDS_CRL_MAX_AGE_S. A failed fetch keeps a cached CRL still within its
 * nextUpdate; a stale one is never returned. *crl is malloc'd DER (the
 * verifier checks its signature, dates and entries). 0, or -1 with err.
 */
int kds_fetch_crl(enum amd_product product, int is_vlek, const char *cache_dir, const char *base_url_override,
		  const char *ca_file, uint8_t **crl, size_t *crl_len, char *err, size_t err_len);

/*
 * The same for a raw report: parsed (shape only, before verification) for
 * its product (product_hint wins; else the report's CPUID; v2 reports carry
 * none, so the hint is then required), CHIP_ID, REPORTED_TCB and signing
 * key. vcek_dir (may be NULL) receives the directory loaded.
 */
int kds_fetch_for_report(const uint8_t *report, size_t report_len, enum snp_product product_hint,
			 const char *cache_dir, const char *base_url_override, const char *ca_file,
			 struct amd_certdir *out, char *vcek_dir, size_t vcek_dir_cap, char *err, size_t err_len);

#endif
