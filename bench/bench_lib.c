/* Library benchmarks for `make bench`: each figure is printed with a baseline
 * measured in the same run, so results are ratios, not bare times.
 *   report verification (warm: certificates in memory; cold: loaded from
 *   disk each time) vs one raw BearSSL ECDSA P-384 verify;
 *   launch-digest calculation vs SHA-384 over the same firmware bytes.
 * Usage: bench_lib SHARED_DIR  (prints "name|value|unit|baseline|ratio" lines) */
#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snp/amd_certdir.h"
#include "base/bytes.h"
#include "measure/measure.h"
#include "measure/measure_vmsa.h"
#include "snp/snp_report.h"
#include "snp/snp_verify.h"

#define BENCH_SECONDS 1.0

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef int (*bench_fn)(void *ctx);

/* Runs fn repeatedly for about BENCH_SECONDS; returns operations per second. */
static double rate(bench_fn fn, void *ctx)
{
	unsigned long n = 0;
	double start = now_s(), t;
	do {
		if (fn(ctx) != 0) {
			fprintf(stderr, "bench: an operation failed\n");
			exit(1);
		}
		n++;
	} while ((t = now_s() - start) < BENCH_SECONDS);
	return (double)n / t;
}

static void row(const char *name, double value, const char *unit, double baseline)
{
	printf("%s|%.1f|%s|%.1f|%.3f\n", name, value, unit, baseline, value / baseline);
}

struct verify_ctx {
	const char *certdir;
	uint8_t report[1184];
	struct amd_certdir certs;
	struct snp_verify_policy policy;
	uint8_t pub[97];
	size_t pub_len;
	uint8_t raw_sig[96];
	uint8_t hash[48];
};

static int verify_warm(void *p)
{
	struct verify_ctx *c = p;
	static struct snp_verify_result res;
	return snp_verify_report(c->report, sizeof c->report, &c->certs.certs, &c->policy, &res, NULL) == 0 && res.ok
		       ? 0
		       : -1;
}

static int verify_cold(void *p)
{
	struct verify_ctx *c = p;
	struct amd_certdir cd;
	static struct snp_verify_result res;
	char err[256];
	if (amd_certdir_load(c->certdir, &cd, err, sizeof err) != 0)
		return -1;
	int rc = snp_verify_report(c->report, sizeof c->report, &cd.certs, &c->policy, &res, NULL);
	amd_certdir_free(&cd);
	return rc == 0 && res.ok ? 0 : -1;
}

static int raw_ecdsa(void *p)
{
	struct verify_ctx *c = p;
	br_ec_public_key pk = {.curve = BR_EC_secp384r1, .q = c->pub, .qlen = c->pub_len};
	return br_ecdsa_i31_vrfy_raw(br_ec_get_default(), c->hash, sizeof c->hash, &pk, c->raw_sig, 96) == 1 ? 0 : -1;
}

struct measure_ctx {
	uint8_t *ovmf;
	size_t ovmf_len;
	struct measure_params params;
	struct measure_kernel_hashes hashes;
};

static int measure_once(void *p)
{
	struct measure_ctx *c = p;
	struct measure_result res;
	char err[200];
	return measure_launch_digest(&res, &c->params, err, sizeof err);
}

static int sha384_once(void *p)
{
	struct measure_ctx *c = p;
	br_sha384_context h;
	uint8_t out[48];
	br_sha384_init(&h);
	br_sha384_update(&h, c->ovmf, c->ovmf_len);
	br_sha384_out(&h, out);
	return out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0 ? 1 : 0; /* keeps the work */
}

static int load_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	*len = fread(buf, 1, cap, f);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	char path[1024], err[256];
	const char *shared = argc > 1 ? argv[1] : "../shared";
	static struct verify_ctx v;
	static struct snp_report parsed;
	size_t len;

	snprintf(path, sizeof path, "%s/testvectors/real/milan", shared);
	v.certdir = strdup(path);
	snprintf(path, sizeof path, "%s/testvectors/real/milan/report.bin", shared);
	if (load_file(path, v.report, sizeof v.report, &len) != 0 || len != sizeof v.report ||
	    amd_certdir_load(v.certdir, &v.certs, err, sizeof err) != 0 ||
	    snp_report_parse(&parsed, v.report, len, SNP_PRODUCT_MILAN, 0, err, sizeof err) != 0) {
		fprintf(stderr, "bench: cannot load the Milan vectors from %s: %s\n", shared, err);
		return 1;
	}
	v.policy.product = SNP_PRODUCT_MILAN;
	v.policy.now = 1717200000; /* 2024-06-01, inside the real VCEK's validity */
	v.policy.has_measurement = 1;
	memcpy(v.policy.measurement, parsed.measurement, 48);
	v.policy.has_report_data = 1;
	memcpy(v.policy.report_data, parsed.report_data, 64);
	v.policy.allow_debug = 1;
	v.policy.allow_migrate_ma = 1;
	/* Baseline: the one ECDSA verify at the heart of a report check. */
	br_ec_public_key pk;
	if (amd_vcek_public_key(v.certs.certs.vcek, v.certs.certs.vcek_len, &pk, v.pub, err, sizeof err) != 0) {
		fprintf(stderr, "bench: VCEK: %s\n", err);
		return 1;
	}
	v.pub_len = pk.qlen;
	snp_signature_to_raw(v.raw_sig, v.report + 0x2a0, v.report + 0x2a0 + 72);
	br_sha384_context h;
	br_sha384_init(&h);
	br_sha384_update(&h, v.report, 0x2a0);
	br_sha384_out(&h, v.hash);
	if (verify_warm(&v) != 0) {
		fprintf(stderr, "bench: the real report does not verify\n");
		return 1;
	}
	double ecdsa = rate(raw_ecdsa, &v);
	row("report verify, warm chain", rate(verify_warm, &v), "verifies/s", ecdsa);
	row("report verify, cold chain", rate(verify_cold, &v), "verifies/s", ecdsa);

	static struct measure_ctx m;
	static uint8_t ovmf[4096];
	snprintf(path, sizeof path, "%s/testvectors/measurement/ovmf_AmdSev_suffix.bin", shared);
	if (load_file(path, ovmf, sizeof ovmf, &m.ovmf_len) != 0) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		return 1;
	}
	m.ovmf = ovmf;
	m.params.ovmf = ovmf;
	m.params.ovmf_len = m.ovmf_len;
	m.params.kernel = &m.hashes;
	m.params.vcpus = 4;
	m.params.vmm = MEASURE_VMM_QEMU;
	m.params.guest_features = 1;
	if (measure_vcpu_type_sig("EPYC-v4", &m.params.vcpu_sig) != 0 || measure_once(&m) != 0) {
		fprintf(stderr, "bench: launch digest setup failed\n");
		return 1;
	}
	row("launch digest (4 KiB OVMF tail, 4 vCPUs)", rate(measure_once, &m), "digests/s", rate(sha384_once, &m));
	amd_certdir_free(&v.certs);
	return 0;
}
