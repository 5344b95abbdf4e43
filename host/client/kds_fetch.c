/* AMD certificates from a cache or KDS; see kds_fetch.h. */
#include "kds_fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "der/der.h"
#include "cli/file_io.h"
#include "https/https_get.h"
#include "snp/kds.h"
#include "x509/pem.h"
#include "x509/x509.h"

#define PROG "snpboot kds"
/* Certificates are ~1-2 KiB, the CRL a few KiB: 1 MiB is far above either. */
#define KDS_MAX_BODY (1u << 20)
/* After a failed CRL fetch, do not ask again for this long (KDS rate-limits). */
#define KDS_CRL_RETRY_S 3600

int kds_default_cache_dir(char *out, size_t cap)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && *xdg)
		n = snprintf(out, cap, "%s/snpboot/kds", xdg);
	else if (home && *home)
		n = snprintf(out, cap, "%s/.cache/snpboot/kds", home);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static size_t hwid_len_for(enum amd_product p) { return p == AMD_PRODUCT_TURIN ? 8 : 64; }

int kds_vcek_dir(char *out, size_t cap, const char *cache_dir, enum amd_product product, const uint8_t chip_id[64],
		 const uint8_t reported_tcb[8], char *err, size_t err_len)
{
	char hwid[2 * 64 + 1], tcb[2 * 8 + 1];
	if (product != AMD_PRODUCT_MILAN && product != AMD_PRODUCT_GENOA && product != AMD_PRODUCT_TURIN) {
		der_errf(err, err_len, "KDS: unknown product (give it explicitly)");
		return -1;
	}
	hex_encode(hwid, chip_id, hwid_len_for(product));
	hex_encode(tcb, reported_tcb, 8);
	int n = snprintf(out, cap, "%s/%s/%s-%s", cache_dir, amd_product_name(product), hwid, tcb);
	if (n < 0 || (size_t)n >= cap) {
		der_errf(err, err_len, "KDS cache path too long");
		return -1;
	}
	return 0;
}

/* mkdir -p, mode 0755 for what it creates (the cache holds public certificates). */
static int mkdir_p(const char *path, char *err, size_t err_len)
{
	char tmp[KDS_PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
		der_errf(err, err_len, "%s: path too long", path);
		return -1;
	}
	for (char *p = tmp + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
			der_errf(err, err_len, "cache directory %s: %s", tmp, strerror(errno));
			return -1;
		}
		if (c == '\0')
			break;
		*p = c;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		der_errf(err, err_len, "cache directory %s: not a directory", path);
		return -1;
	}
	return 0;
}

/* KDS_BASE_URL in a lib/kds.h URL replaced by base (no trailing '/'). */
static int rebase(char *url, size_t cap, const char *base, char *err, size_t err_len)
{
	size_t pre = strlen(KDS_BASE_URL);
	if (!base || strncmp(url, KDS_BASE_URL, pre) != 0)
		return 0;
	char rest[KDS_URL_MAX];
	snprintf(rest, sizeof rest, "%s", url + pre);
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	int n = snprintf(url, cap, "%.*s%s", (int)blen, base, rest);
	if (n < 0 || (size_t)n >= cap) {
		der_errf(err, err_len, "KDS URL too long with base '%s'", base);
		return -1;
	}
	return 0;
}

static int join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Seconds since path was written, or -1 if it does not exist. */
static long long age_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	long long a = (long long)time(NULL) - (long long)st.st_mtime;
	return a < 0 ? 0 : a;
}

/* cert_chain as KDS serves it: PEM, ASK (or ASVK) then ARK. */
static int check_chain(const uint8_t *b, size_t len, char *err, size_t err_len)
{
	uint8_t *der = malloc(len ? len : 1);
	size_t pos = 0, der_len, n = 0;
	int r;
	if (!der) {
		der_errf(err, err_len, "out of memory");
		return -1;
	}
	while ((r = pem_next((const char *)b, len, &pos, "CERTIFICATE", der, len, &der_len, err, err_len)) == 1)
		n++;
	free(der);
	if (r < 0)
		return -1;
	if (n != 2) {
		der_errf(err, err_len, "cert_chain from KDS: expected 2 PEM certificates (ASK, ARK), got %zu", n);
		return -1;
	}
	return 0;
}

/* The VCEK must at least be the one asked for: its hwID is this chip's. */
static int check_vcek(const uint8_t *b, size_t len, enum amd_product p, const uint8_t chip_id[64], char *err,
		      size_t err_len)
{
	struct amd_vcek_ext ext;
	if (amd_vcek_ext_parse(b, len, &ext, err, err_len) != 0) {
		der_err_prefix(err, err_len, "VCEK from KDS: ");
		return -1;
	}
	size_t n = hwid_len_for(p);
	if (!(ext.present & AMD_EXT_HWID) || ext.hwid_len < n || memcmp(ext.hwid, chip_id, n) != 0) {
		der_errf(err, err_len, "VCEK from KDS: its hwID is not the report's CHIP_ID");
		return -1;
	}
	return 0;
}

enum kind { K_CHAIN, K_VCEK, K_CRL };

/* GET url into path (atomically), after a shape check. */
static int fetch_to(const char *url, const char *ca_file, const char *path, enum kind k, enum amd_product p,
		    const uint8_t chip_id[64], int *status, char *err, size_t err_len)
{
	uint8_t *body = NULL;
	size_t len = 0;
	fprintf(stderr, PROG ": fetching %s\n", url);
	if (https_get(url, ca_file, KDS_TIMEOUT_MS, KDS_MAX_BODY, &body, &len, status, err, err_len) != 0)
		return -1;
	int rc = -1;
	if (k == K_CHAIN)
		rc = check_chain(body, len, err, err_len);
	else if (k == K_VCEK)
		rc = check_vcek(body, len, p, chip_id, err, err_len);
	else if (len == 0 || body[0] != 0x30) /* DER SEQUENCE; the verifier parses it */
		der_errf(err, err_len, "CRL from KDS: not DER");
	else
		rc = 0;
	if (rc == 0 && file_write_all(PROG, path, body, len, 0644) != 0) {
		der_errf(err, err_len, "cannot write %s", path);
		rc = -1;
	}
	free(body);
	return rc;
}

/* dir/name -> ../name, replacing whatever is there. */
static int link_parent(const char *dir, const char *name, char *err, size_t err_len)
{
	char link[KDS_PATH_MAX], tmp[KDS_PATH_MAX + 32], target[64];
	snprintf(target, sizeof target, "../%s", name);
	if (join(link, sizeof link, dir, name) != 0 ||
	    snprintf(tmp, sizeof tmp, "%s.tmp.%d", link, (int)getpid()) >= (int)sizeof tmp) {
		der_errf(err, err_len, "cache path too long");
		return -1;
	}
	char cur[64];
	ssize_t n = readlink(link, cur, sizeof cur - 1);
	if (n >= 0) {
		cur[n] = '\0';
		if (strcmp(cur, target) == 0)
			return 0;
	}
	unlink(tmp);
	if (symlink(target, tmp) != 0 || rename(tmp, link) != 0) {
		der_errf(err, err_len, "%s: %s", link, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Reads path (at most KDS_MAX_BODY); NULL if it does not exist or cannot be read. */
static uint8_t *read_small(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *b = malloc(KDS_MAX_BODY + 1);
	size_t n = b ? fread(b, 1, KDS_MAX_BODY + 1, f) : 0;
	int bad = !b || ferror(f) || n == 0 || n > KDS_MAX_BODY;
	fclose(f);
	if (bad) {
		free(b);
		return NULL;
	}
	*len = n;
	return b;
}

/* The cached CRL's nextUpdate (0 if it has none), or -1 if it is missing or does not parse. */
static int cached_crl_next_update(const char *path, int64_t *next_update)
{
	size_t len;
	uint8_t *b = read_small(path, &len);
	if (!b)
		return -1;
	struct x509_crl crl;
	int rc = x509_crl_parse(&crl, b, len, NULL, 0);
	free(b);
	if (rc)
		return -1;
	*next_update = crl.has_next_update ? crl.next_update : 0;
	return 0;
}

/*
 * Keeps pdir/crl.der current: fetched again when it is missing, unreadable,
 * past its nextUpdate, or older than KDS_CRL_MAX_AGE_S, unless a fetch failed
 * less than KDS_CRL_RETRY_S ago (KDS rate-limits) and either the cached one is
 * still within its nextUpdate or the CRL is not required (kds-fetch's best
 * effort). 0 when crl.der is usable now (why: how), -1 with why when not.
 */
static int crl_refresh(const char *pdir, enum amd_product product, enum kds_key key, const char *base,
		       const char *ca_file, int required, char *why, size_t why_len)
{
	char url[KDS_URL_MAX + 256], crl[KDS_PATH_MAX], marker[KDS_PATH_MAX], err[512], when[32];
	if (join(crl, sizeof crl, pdir, "crl.der") != 0 || join(marker, sizeof marker, pdir, "crl.failed") != 0) {
		der_errf(why, why_len, "KDS cache path too long");
		return -1;
	}
	int64_t now = (int64_t)time(NULL), next = 0;
	int cached = cached_crl_next_update(crl, &next) == 0;
	int within = cached && (next == 0 || now <= next);
	long long age = age_of(crl), failed = age_of(marker);
	if (within && age >= 0 && age < KDS_CRL_MAX_AGE_S) {
		der_errf(why, why_len, "cached %s", crl);
		return 0;
	}
	if (within && failed >= 0 && failed < KDS_CRL_RETRY_S) {
		der_errf(why, why_len, "cached %s (a fetch failed %lld s ago)", crl, failed);
		return 0; /* KDS rate-limits: not again yet while the cached one is still valid */
	}
	if (!required && failed >= 0 && failed < KDS_CRL_RETRY_S) {
		der_errf(why, why_len, "a fetch failed %lld s ago; not asking again for %d s", failed, KDS_CRL_RETRY_S);
		return -1;
	}
	int status = 0;
	if (kds_url_crl(url, sizeof url, product, key, err, sizeof err) != 0 ||
	    rebase(url, sizeof url, base, err, sizeof err) != 0 ||
	    fetch_to(url, ca_file, crl, K_CRL, product, NULL, &status, err, sizeof err) != 0) {
		file_write_all(PROG, marker, "", 0, 0644);
		if (within) {
			fprintf(stderr, PROG ": warning: cannot refresh the CRL (%s); keeping the cached one, valid "
					     "until its nextUpdate\n",
				err);
			der_errf(why, why_len, "cached %s", crl);
			return 0;
		}
		if (cached) {
			x509_format_time(when, sizeof when, next);
			der_errf(why, why_len, "%s; the cached CRL %s is stale (nextUpdate %s)", err, crl, when);
		} else {
			der_errf(why, why_len, "%s", err);
		}
		return -1;
	}
	unlink(marker);
	if (cached_crl_next_update(crl, &next) != 0) {
		der_errf(why, why_len, "the CRL KDS sent (%s) does not parse", url);
		return -1;
	}
	if (next && now > next) {
		x509_format_time(when, sizeof when, next);
		der_errf(why, why_len, "the CRL KDS sent is stale itself (nextUpdate %s)", when);
		return -1;
	}
	der_errf(why, why_len, "fetched %s", url);
	return 0;
}

int kds_fetch_crl(enum amd_product product, int is_vlek, const char *cache_dir, const char *base_url_override,
		  const char *ca_file, uint8_t **crl, size_t *crl_len, char *err, size_t err_len)
{
	char pdir[KDS_PATH_MAX], path[KDS_PATH_MAX], why[768];
	*crl = NULL;
	*crl_len = 0;
	if (product != AMD_PRODUCT_MILAN && product != AMD_PRODUCT_GENOA && product != AMD_PRODUCT_TURIN) {
		der_errf(err, err_len, "KDS CRL: unknown product (set [platform] product)");
		return -1;
	}
	if (!cache_dir || !*cache_dir) {
		der_errf(err, err_len, "no KDS cache directory for the CRL (set --cache, XDG_CACHE_HOME or HOME)");
		return -1;
	}
	/* VLEK chains have their own CRL; keep it apart from the VCEK one. */
	if (snprintf(pdir, sizeof pdir, "%s/%s%s", cache_dir, amd_product_name(product), is_vlek ? "/vlek" : "") >=
		    (int)sizeof pdir ||
	    join(path, sizeof path, pdir, "crl.der") != 0) {
		der_errf(err, err_len, "KDS cache path too long");
		return -1;
	}
	if (mkdir_p(pdir, err, err_len) != 0)
		return -1;
	if (crl_refresh(pdir, product, is_vlek ? KDS_VLEK : KDS_VCEK, base_url_override, ca_file, 1, why, sizeof why)) {
		der_errf(err, err_len, "no usable CRL for %s from KDS: %s", amd_product_name(product), why);
		return -1;
	}
	*crl = read_small(path, crl_len);
	if (!*crl) {
		der_errf(err, err_len, "%s: cannot read it", path);
		return -1;
	}
	fprintf(stderr, PROG ": CRL: %s\n", why);
	return 0;
}

int kds_fetch_certs(enum amd_product product, const uint8_t chip_id[64], const uint8_t reported_tcb[8], int is_vlek,
		    const char *cache_dir, const char *base_url_override, const char *ca_file, struct amd_certdir *out,
		    char *err, size_t err_len)
{
	char vdir[KDS_PATH_MAX], pdir[KDS_PATH_MAX], path[KDS_PATH_MAX], url[KDS_URL_MAX + 256];
	int status = 0;
	memset(out, 0, sizeof *out);
	if (is_vlek) {
		der_errf(err, err_len,
			 "the report is signed with a VLEK: AMD KDS serves VLEKs only to the cloud provider, so the "
			 "guest's certificate table or --certs must supply it");
		return -1;
	}
	if (!cache_dir || !*cache_dir) {
		der_errf(err, err_len, "no KDS cache directory (set --cache, XDG_CACHE_HOME or HOME)");
		return -1;
	}
	if (kds_vcek_dir(vdir, sizeof vdir, cache_dir, product, chip_id, reported_tcb, err, err_len) != 0)
		return -1;
	if (snprintf(pdir, sizeof pdir, "%s/%s", cache_dir, amd_product_name(product)) >= (int)sizeof pdir) {
		der_errf(err, err_len, "KDS cache path too long");
		return -1;
	}
	if (mkdir_p(vdir, err, err_len) != 0)
		return -1;

	/* The chain: one per product. */
	if (join(path, sizeof path, pdir, "cert_chain.pem") != 0)
		goto too_long;
	if (!exists(path)) {
		if (kds_url_cert_chain(url, sizeof url, product, KDS_VCEK, err, err_len) != 0 ||
		    rebase(url, sizeof url, base_url_override, err, err_len) != 0 ||
		    fetch_to(url, ca_file, path, K_CHAIN, product, chip_id, &status, err, err_len) != 0)
			return -1;
	} else {
		fprintf(stderr, PROG ": cached %s\n", path);
	}

	/* The VCEK: one per chip and REPORTED_TCB. */
	if (join(path, sizeof path, vdir, "vcek.der") != 0)
		goto too_long;
	if (!exists(path)) {
		if (kds_url_vcek(url, sizeof url, product, chip_id, reported_tcb, err, err_len) != 0 ||
		    rebase(url, sizeof url, base_url_override, err, err_len) != 0 ||
		    fetch_to(url, ca_file, path, K_VCEK, product, chip_id, &status, err, err_len) != 0)
			return -1;
	} else {
		fprintf(stderr, PROG ": cached %s\n", path);
	}

	char why[768];
	if (crl_refresh(pdir, product, KDS_VCEK, base_url_override, ca_file, 0, why, sizeof why) != 0)
		fprintf(stderr, PROG ": warning: no CRL (%s)\n", why);
	if (link_parent(vdir, "cert_chain.pem", err, err_len) != 0)
		return -1;
	if (join(path, sizeof path, pdir, "crl.der") != 0)
		goto too_long;
	if (exists(path) && link_parent(vdir, "crl.der", err, err_len) != 0)
		return -1;

	/* Not trusted because it was cached or fetched: the caller's verifier
	 * checks the whole chain against the pinned AMD roots. */
	return amd_certdir_load(vdir, out, err, err_len);
too_long:
	der_errf(err, err_len, "KDS cache path too long");
	return -1;
}

static enum amd_product amd_product_of(enum snp_product p)
{
	switch (p) {
	case SNP_PRODUCT_MILAN: return AMD_PRODUCT_MILAN;
	case SNP_PRODUCT_GENOA: return AMD_PRODUCT_GENOA;
	case SNP_PRODUCT_TURIN: return AMD_PRODUCT_TURIN;
	default: return AMD_PRODUCT_UNKNOWN;
	}
}

int kds_fetch_for_report(const uint8_t *report, size_t report_len, enum snp_product product_hint,
			 const char *cache_dir, const char *base_url_override, const char *ca_file,
			 struct amd_certdir *out, char *vcek_dir, size_t vcek_dir_cap, char *err, size_t err_len)
{
	static struct snp_report r;
	memset(out, 0, sizeof *out);
	if (snp_report_parse(&r, report, report_len, product_hint, 0, err, err_len) != 0) {
		der_err_prefix(err, err_len, "report: ");
		return -1;
	}
	enum amd_product p = amd_product_of(r.product);
	if (p == AMD_PRODUCT_UNKNOWN) {
		der_errf(err, err_len,
			 "the report (version %u) does not name its product: give it (milan, genoa or turin)",
			 (unsigned)r.version);
		return -1;
	}
	if (vcek_dir && cache_dir &&
	    kds_vcek_dir(vcek_dir, vcek_dir_cap, cache_dir, p, r.chip_id, r.reported_tcb, err, err_len) != 0)
		return -1;
	return kds_fetch_certs(p, r.chip_id, r.reported_tcb, r.signing_key == SNP_SIGNING_KEY_VLEK, cache_dir,
			       base_url_override, ca_file, out, err, err_len);
}

/* ---- `snpboot kds-fetch` ---------------------------------------------------------------- */
