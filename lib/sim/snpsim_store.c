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
#include "snpsim_cert.h"
#include "snpsim_keyfile.h"
#include "snpsim_pki.h"
#include "snp/snp_verify.h"
#include "base/err_text.h"
#include "x509/x509.h"

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

/* dir/lock, held exclusively: the descriptor (close it to release), or -1 with err. */
static int lock_dir(const char *dir, char *err, size_t err_len)
{
	char lock_path[4096];
	snprintf(lock_path, sizeof lock_path, "%s/lock", dir);
	int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) != 0) {
		int e = errno;
		if (lock >= 0)
			close(lock);
		return err_set(err, err_len, "%s: %s", lock_path, strerror(e));
	}
	return lock;
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

	int lock = lock_dir(dir, err, err_len);
	if (lock < 0)
		return -1;
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

#define SNPSIM_REVOKED_MAX 64

/* dir/revoked: hex serials, one per line (missing: none). */
static int read_revoked(const char *dir, struct snpsim_serial *out, size_t *n, char *err, size_t err_len)
{
	static uint8_t text[SNPSIM_REVOKED_MAX * (2 * SNPSIM_SERIAL_MAX + 1) + 1];
	size_t len = 0;
	char why[200];
	*n = 0;
	int rc = snpsim_file_read(dir, "revoked", text, sizeof text - 1, &len, why, sizeof why);
	if (rc == 1)
		return 0;
	if (rc)
		return err_set(err, err_len, "%s/revoked: %s", dir, why);
	text[len] = 0;
	for (char *line = (char *)text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		size_t l = strlen(line);
		if (!l)
			continue;
		if (*n == SNPSIM_REVOKED_MAX || l % 2 || l / 2 > SNPSIM_SERIAL_MAX ||
		    hex_decode(out[*n].b, l / 2, line, l))
			return err_set(err, err_len, "%s/revoked: expected hex serial numbers, one per line (at most %d)",
				       dir, SNPSIM_REVOKED_MAX);
		out[*n].len = l / 2;
		(*n)++;
	}
	return 0;
}

/* The serial of a certificate, as encoded. */
static int cert_serial(const uint8_t *der, size_t len, struct snpsim_serial *s, char *err, size_t err_len)
{
	struct x509_cert c;
	char why[200];
	if (x509_parse(&c, der, len, why, sizeof why))
		return err_set(err, err_len, "certificate: %s", why);
	if (c.serial.len > SNPSIM_SERIAL_MAX)
		return err_set(err, err_len, "certificate serial of %zu bytes", c.serial.len);
	memcpy(s->b, c.serial.p, c.serial.len);
	s->len = c.serial.len;
	return 0;
}

/* 1 if dir/crl.der is this ARK's, parses and has more than a day left. */
static int crl_current(const char *dir, const struct snpsim_pki *pki, int64_t now, char *why, size_t why_len)
{
	static uint8_t der[SNPSIM_CERT_MAX];
	size_t len;
	struct x509_crl crl;
	struct x509_cert ark;
	int rc = snpsim_file_read(dir, "crl.der", der, sizeof der, &len, why, why_len);
	if (rc == 1)
		snprintf(why, why_len, "no crl.der yet");
	if (rc)
		return 0;
	if (x509_crl_parse(&crl, der, len, why, why_len) || x509_parse(&ark, pki->ark_der, pki->ark_len, why, why_len) ||
	    x509_verify_sig(&crl.tbs, crl.sig_alg, &crl.sig, &ark, why, why_len))
		return 0;
	if (!crl.has_next_update || crl.next_update - now < 24 * 3600) {
		snprintf(why, why_len, "crl.der expires within a day");
		return 0;
	}
	return 1;
}

int snpsim_pki_crl(const char *dir, const struct snpsim_pki *pki, enum snpsim_revoke revoke, char *serial_hex,
		   FILE *log, char *err, size_t err_len)
{
	static struct snpsim_serial list[SNPSIM_REVOKED_MAX + 1];
	static uint8_t der[SNPSIM_CERT_MAX];
	static char text[(SNPSIM_REVOKED_MAX + 1) * (2 * SNPSIM_SERIAL_MAX + 1) + 1];
	char why[300];
	size_t n, len;
	int64_t now = (int64_t)time(NULL);
	int lock = lock_dir(dir, err, err_len);
	if (lock < 0)
		return -1;
	int rc = read_revoked(dir, list, &n, err, err_len);
	if (rc == 0 && revoke != SNPSIM_REVOKE_NONE) {
		struct snpsim_serial s = {.len = 0};
		rc = revoke == SNPSIM_REVOKE_VCEK ? cert_serial(pki->vcek_der, pki->vcek_len, &s, err, err_len)
						  : cert_serial(pki->ask_der, pki->ask_len, &s, err, err_len);
		if (rc == 0 && serial_hex)
			hex_encode(serial_hex, s.b, s.len);
		int known = 0;
		for (size_t i = 0; rc == 0 && i < n; i++)
			known |= list[i].len == s.len && memcmp(list[i].b, s.b, s.len) == 0;
		if (rc == 0 && !known) {
			if (n == SNPSIM_REVOKED_MAX)
				rc = err_set(err, err_len, "%s/revoked: already %d serials", dir, SNPSIM_REVOKED_MAX);
			else
				list[n++] = s;
		}
		size_t pos = 0;
		for (size_t i = 0; rc == 0 && i < n; i++) {
			hex_encode(text + pos, list[i].b, list[i].len);
			pos += 2 * list[i].len;
			text[pos++] = '\n';
		}
		if (rc == 0)
			rc = snpsim_file_write(dir, "revoked", text, pos, 0644, err, err_len);
	} else if (rc == 0 && crl_current(dir, pki, now, why, sizeof why)) {
		close(lock);
		return 0;
	}
	static br_hmac_drbg_context rng;
	if (rc == 0)
		rc = snpsim_rng_init(&rng, err, err_len);
	if (rc == 0)
		rc = snpsim_crl_build(der, sizeof der, &len, pki->id.product, &pki->ark.sk, list, n, now - 3600,
				      now + SNPSIM_CRL_VALID_S, &rng, err, err_len);
	if (rc == 0)
		rc = snpsim_file_write(dir, "crl.der", der, len, 0644, err, err_len);
	secure_wipe(&rng, sizeof rng);
	close(lock);
	if (rc == 0 && log)
		fprintf(log, "snp-sim: issued the test ARK's CRL %s/crl.der listing %zu serial%s (%s)\n", dir, n,
			n == 1 ? "" : "s", revoke != SNPSIM_REVOKE_NONE ? "revocation requested" : why);
	return rc;
}
