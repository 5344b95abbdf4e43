/* The simulator's state directory: load the test PKI, or create it on
 * first use; re-issue the VCEK when the wanted chip ID or TCB changed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snp/amd_cert.h"
#include "snp/amd_certdir.h"
#include "base/bytes.h"
#include "snpsim_keyfile.h"
#include "snpsim_pki.h"
#include "snp/snp_verify.h"
#include "base/err_text.h"

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int ensure_dir(const char *dir, char *err, size_t err_len)
{
	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return err_set(err, err_len, "state directory %s: %s", dir, strerror(errno));
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(err, err_len, "state directory %s: exists and is not a directory", dir);
	return 0;
}

static int read_cert(const char *dir, const char *name, uint8_t *out, size_t *len, char *err, size_t err_len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	uint8_t *buf;
	size_t n;
	if (amd_certdir_read_cert(path, &buf, &n, err, err_len))
		return -1;
	int rc = 0;
	if (n > SNPSIM_CERT_MAX)
		rc = err_set(err, err_len, "%s: %zu bytes, too large for a test certificate", path, n);
	else
		memcpy(out, buf, n), *len = n;
	free(buf);
	return rc;
}

static int read_rsa_key(const char *dir, const char *name, struct snpsim_rsa_key *k, char *err, size_t err_len)
{
	static uint8_t pem[SNPSIM_FILE_MAX];
	size_t len;
	char why[200];
	int rc = snpsim_file_read(dir, name, pem, sizeof pem, &len, why, sizeof why);
	if (rc == 1)
		return err_set(err, err_len, "%s/%s is missing", dir, name);
	if (rc == 0)
		rc = snpsim_rsa_key_from_pem(k, (const char *)pem, len, why, sizeof why);
	secure_wipe(pem, sizeof pem);
	return rc ? err_set(err, err_len, "%s/%s: %s", dir, name, why) : 0;
}

/* The stored VCEK key and certificate; 1 if either is missing or unreadable (re-issue). */
static int read_vcek(const char *dir, struct snpsim_pki *pki, char *why, size_t why_len)
{
	static uint8_t pem[SNPSIM_FILE_MAX];
	uint8_t scalar[SNPSIM_EC_SCALAR_LEN];
	size_t len;
	int rc = snpsim_file_read(dir, "vcek.key", pem, sizeof pem, &len, why, why_len);
	if (rc == 0)
		rc = snpsim_ec_key_from_pem(scalar, (const char *)pem, len, why, why_len);
	secure_wipe(pem, sizeof pem);
	if (rc == 0)
		rc = snpsim_pki_set_vcek_key(pki, scalar, why, why_len);
	secure_wipe(scalar, sizeof scalar);
	if (rc == 0)
		rc = snpsim_file_read(dir, "vcek.der", pki->vcek_der, sizeof pki->vcek_der, &pki->vcek_len, why, why_len);
	if (rc == 1)
		snprintf(why, why_len, "vcek.key or vcek.der missing");
	return rc ? 1 : 0;
}

/* 1 if the VCEK certificate is for pki->id and holds pki's VCEK key. */
static int vcek_current(const struct snpsim_pki *pki, char *why, size_t why_len)
{
	struct amd_vcek_ext ext;
	br_ec_public_key pk;
	uint8_t q[AMD_EC_P384_POINT_LEN], tcb[8];
	if (amd_vcek_ext_parse(pki->vcek_der, pki->vcek_len, &ext, why, why_len) ||
	    amd_vcek_public_key(pki->vcek_der, pki->vcek_len, &pk, q, why, why_len))
		return 0;
	if (memcmp(q, pki->vcek_pub, sizeof q) != 0) {
		snprintf(why, why_len, "vcek.key does not belong to vcek.der");
		return 0;
	}
	if (strcmp(ext.product_name, snpsim_product_name(pki->id.product)) != 0) {
		snprintf(why, why_len, "VCEK for %s, not %s", ext.product_name, snpsim_product_name(pki->id.product));
		return 0;
	}
	snp_tcb_encode(tcb, &pki->id.tcb, snp_tcb_layout_for(pki->id.product));
	return amd_vcek_match_report(&ext, snp_product_to_amd(pki->id.product), tcb, pki->id.chip_id, why,
				     why_len) == 0;
}

static int write_vcek(const char *dir, const struct snpsim_pki *pki, char *err, size_t err_len)
{
	static char pem[SNPSIM_FILE_MAX];
	char hex[2 * sizeof pki->id.chip_id + 2];
	size_t n = snpsim_ec_key_to_pem(pem, sizeof pem, pki->vcek_priv, pki->vcek_pub);
	int rc = n ? snpsim_file_write(dir, "vcek.key", pem, n, 0600, err, err_len)
		   : err_set(err, err_len, "VCEK key: PEM encoding failed");
	secure_wipe(pem, sizeof pem);
	hex_encode(hex, pki->id.chip_id, sizeof pki->id.chip_id);
	strcat(hex, "\n");
	if (rc == 0)
		rc = snpsim_file_write(dir, "vcek.der", pki->vcek_der, pki->vcek_len, 0644, err, err_len);
	if (rc == 0)
		rc = snpsim_file_write(dir, "chip_id", hex, strlen(hex), 0644, err, err_len);
	return rc;
}

/* Keys first, ark.pem last: its presence marks a complete PKI. */
static int write_all(const char *dir, const struct snpsim_pki *pki, char *err, size_t err_len)
{
	static char pem[2 * SNPSIM_FILE_MAX];
	size_t n = snpsim_rsa_key_to_pem(pem, sizeof pem, &pki->ark);
	int rc = n ? snpsim_file_write(dir, "ark.key", pem, n, 0600, err, err_len)
		   : err_set(err, err_len, "ARK key: PEM encoding failed");
	if (rc == 0) {
		n = snpsim_rsa_key_to_pem(pem, sizeof pem, &pki->ask);
		rc = n ? snpsim_file_write(dir, "ask.key", pem, n, 0600, err, err_len)
		       : err_set(err, err_len, "ASK key: PEM encoding failed");
	}
	secure_wipe(pem, sizeof pem);
	if (rc == 0)
		rc = write_vcek(dir, pki, err, err_len);
	size_t pos = 0;
	if (rc == 0 && (snpsim_cert_to_pem(pem, sizeof pem, &pos, pki->ask_der, pki->ask_len) ||
			snpsim_file_write(dir, "ask.pem", pem, pos, 0644, err, err_len)))
		rc = -1;
	if (rc == 0 && (snpsim_cert_to_pem(pem, sizeof pem, &pos, pki->ark_der, pki->ark_len) ||
			snpsim_file_write(dir, "cert_chain.pem", pem, pos, 0644, err, err_len)))
		rc = -1; /* KDS order: ASK then ARK */
	pos = 0;
	if (rc == 0 && (snpsim_cert_to_pem(pem, sizeof pem, &pos, pki->ark_der, pki->ark_len) ||
			snpsim_file_write(dir, "ark.pem", pem, pos, 0644, err, err_len)))
		rc = -1;
	if (rc && err && !err[0])
		err_set(err, err_len, "%s: cannot write the certificates", dir);
	return rc;
}

static void random_chip_id(struct snpsim_pki *pki, br_hmac_drbg_context *rng)
{
	br_hmac_drbg_generate(rng, pki->id.chip_id, sizeof pki->id.chip_id);
	if (pki->id.product == SNP_PRODUCT_TURIN) /* Turin's hwID is 8 bytes; the rest of CHIP_ID is zero */
		memset(pki->id.chip_id + 8, 0, sizeof pki->id.chip_id - 8);
}

static int create(const char *dir, struct snpsim_pki *pki, const uint8_t *want_chip_id, br_hmac_drbg_context *rng,
		  FILE *log, char *err, size_t err_len)
{
	struct timespec t0;
	if (!want_chip_id)
		random_chip_id(pki, rng);
	if (log)
		fprintf(log, "snp-sim: creating a TEST PKI (%s) in %s\n", snp_product_name(pki->id.product), dir);
	const char *names[2] = {"ARK", "ASK"};
	struct snpsim_rsa_key *keys[2] = {&pki->ark, &pki->ask};
	for (int i = 0; i < 2; i++) {
		if (log) {
			fprintf(log, "snp-sim: generating the test %s key (RSA-%d, takes a few seconds)... ", names[i],
				SNPSIM_RSA_BITS);
			fflush(log);
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (snpsim_rsa_generate(keys[i], rng, err, err_len))
			return -1;
		if (log)
			fprintf(log, "done in %.1f s\n", seconds_since(&t0));
	}
	int64_t now = (int64_t)time(NULL);
	if (snpsim_pki_issue_roots(pki, rng, now, err, err_len) || snpsim_pki_issue_vcek(pki, rng, now, err, err_len) ||
	    snpsim_pki_check(pki, now, err, err_len) || write_all(dir, pki, err, err_len))
		return -1;
	if (log)
		fprintf(log, "snp-sim: test PKI written to %s (trust anchor %s/ark.pem)\n", dir, dir);
	return 0;
}

/* The stored PKI; the VCEK is re-issued when it does not fit pki->id. */
static int load(const char *dir, struct snpsim_pki *pki, const uint8_t *want_chip_id, br_hmac_drbg_context *rng,
		FILE *log, char *err, size_t err_len)
{
	char cn[64], why[300];
	if (read_cert(dir, "ark.pem", pki->ark_der, &pki->ark_len, err, err_len) ||
	    read_cert(dir, "ask.pem", pki->ask_der, &pki->ask_len, err, err_len) ||
	    read_rsa_key(dir, "ark.key", &pki->ark, err, err_len) || read_rsa_key(dir, "ask.key", &pki->ask, err, err_len))
		return -1;
	snprintf(cn, sizeof cn, "ARK-%s SNPBOOT-TEST-ONLY", snp_product_name(pki->id.product));
	if (!memmem(pki->ark_der, pki->ark_len, cn, strlen(cn)))
		return err_set(err, err_len,
			    "state directory %s holds a test PKI for another product than %s: use another "
			    "state_dir for it",
			    dir, snp_product_name(pki->id.product));
	if (!want_chip_id) {
		uint8_t hex[2 * 64 + 2];
		size_t len = 0;
		int rc = snpsim_file_read(dir, "chip_id", hex, sizeof hex, &len, why, sizeof why);
		while (rc == 0 && len && (hex[len - 1] == '\n' || hex[len - 1] == '\r'))
			len--;
		if (rc == 1)
			return err_set(err, err_len, "%s/chip_id is missing (set [sim] chip_id to re-create it)", dir);
		if (rc || hex_decode(pki->id.chip_id, sizeof pki->id.chip_id, (const char *)hex, len))
			return err_set(err, err_len, "%s/chip_id: expected 128 hex digits", dir);
	}
	int64_t now = (int64_t)time(NULL);
	if (read_vcek(dir, pki, why, sizeof why) || !vcek_current(pki, why, sizeof why)) {
		if (log)
			fprintf(log, "snp-sim: issuing a new test VCEK (%s)\n", why);
		if (snpsim_pki_issue_vcek(pki, rng, now, err, err_len) || write_vcek(dir, pki, err, err_len))
			return -1;
	}
	if (snpsim_pki_check(pki, now, why, sizeof why))
		return err_set(err, err_len, "state directory %s: %s (delete the directory to start over)", dir, why);
	if (log)
		fprintf(log, "snp-sim: loaded the test PKI from %s\n", dir);
	return 0;
}

int snpsim_pki_open(const char *dir, enum snp_product product, const uint8_t *want_chip_id,
		    const struct snp_tcb *want_tcb, struct snpsim_pki *pki, FILE *log, char *err, size_t err_len)
{
	memset(pki, 0, sizeof *pki);
	if (err && err_len)
		err[0] = '\0';
	if (product != SNP_PRODUCT_MILAN && product != SNP_PRODUCT_GENOA && product != SNP_PRODUCT_TURIN)
		return err_set(err, err_len, "simulated product must be Milan, Genoa or Turin");
	pki->id.product = product;
	pki->id.tcb = *want_tcb;
	pki->id.tcb.has_fmc = product == SNP_PRODUCT_TURIN;
	if (!pki->id.tcb.has_fmc)
		pki->id.tcb.fmc = 0;
	if (want_chip_id) {
		memcpy(pki->id.chip_id, want_chip_id, sizeof pki->id.chip_id);
		if (product == SNP_PRODUCT_TURIN && !bytes_all_zero(pki->id.chip_id + 8, sizeof pki->id.chip_id - 8))
			return err_set(err, err_len, "Turin chip ID: only the first 8 bytes may be set (hwID is 8 bytes)");
	}
	if (ensure_dir(dir, err, err_len))
		return -1;

	char lock_path[4096];
	snprintf(lock_path, sizeof lock_path, "%s/lock", dir);
	int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) != 0) {
		int e = errno;
		if (lock >= 0)
			close(lock);
		return err_set(err, err_len, "%s: %s", lock_path, strerror(e));
	}
	static br_hmac_drbg_context rng;
	int rc = snpsim_rng_init(&rng, err, err_len);
	if (rc == 0) {
		struct stat st;
		char ark_path[4096];
		snprintf(ark_path, sizeof ark_path, "%s/ark.pem", dir);
		if (stat(ark_path, &st) == 0)
			rc = load(dir, pki, want_chip_id, &rng, log, err, err_len);
		else
			rc = create(dir, pki, want_chip_id, &rng, log, err, err_len);
	}
	secure_wipe(&rng, sizeof rng);
	close(lock); /* releases the lock */
	if (rc)
		snpsim_pki_wipe(pki);
	return rc;
}
