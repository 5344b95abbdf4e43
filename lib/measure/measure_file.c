/* File helpers for the launch-digest calculator (host tools). */
#include "measure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "base/bytes.h"
#include "measure_err.h"
#include "measure_svsm.h"

int measure_read_file(uint8_t **buf, size_t *len, const char *path, size_t max, char *err, size_t err_len)
{
	*buf = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		measure_seterr(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Read up to max + 1 bytes: one byte more than max means too large. */
	size_t cap = 0, n = 0;
	uint8_t *b = NULL;
	for (;;) {
		if (n == cap) {
			if (cap > max)
				break;
			size_t ncap = cap ? cap * 2 : 65536;
			if (ncap > max + 1 || ncap < cap)
				ncap = max + 1;
			uint8_t *nb = realloc(b, ncap);
			if (!nb) {
				measure_seterr(err, err_len, "%s: out of memory", path);
				goto fail;
			}
			b = nb;
			cap = ncap;
		}
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		measure_seterr(err, err_len, "%s: read error", path);
		goto fail;
	}
	if (n > max) {
		measure_seterr(err, err_len, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	fclose(f);
	return -1;
}

int measure_sha256_file(uint8_t out[MEASURE_SHA256_LEN], const char *path, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		measure_seterr(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	br_sha256_context c;
	br_sha256_init(&c);
	uint8_t chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		br_sha256_update(&c, chunk, got);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		measure_seterr(err, err_len, "%s: read error", path);
		return -1;
	}
	br_sha256_out(&c, out);
	return 0;
}

int measure_kernel_hashes_files(struct measure_kernel_hashes *h, const char *kernel, const char *initrd,
				const char *append, char *err, size_t err_len)
{
	if (measure_sha256_file(h->kernel, kernel, err, err_len) != 0)
		return -1;
	if (initrd) {
		if (measure_sha256_file(h->initrd, initrd, err, err_len) != 0)
			return -1;
	} else {
		measure_sha256(h->initrd, (const uint8_t *)"", 0);
	}
	measure_cmdline_hash(h->cmdline, append);
	return 0;
}

/* The SVSM form of measure_launch_digest_files: both images read whole. */
static int svsm_digest_files(struct measure_result *res, const struct measure_files *f, uint32_t vcpu_sig, char *err,
			     size_t err_len)
{
	if (f->kernel || f->initrd || f->append) {
		measure_seterr(err, err_len,
			       "measure: an SVSM launch measures no kernel hashes (QEMU fills no SNP_KERNEL_HASHES page "
			       "for it): kernel, initrd and command line would run unmeasured");
		return MEASURE_ERR_KERNEL_NOT_MEASURED;
	}
	if (f->ovmf_hash_hex || f->vmm != MEASURE_VMM_QEMU) {
		measure_seterr(err, err_len, "measure: an SVSM launch is measured from the whole OVMF image, on QEMU only");
		return MEASURE_ERR_INPUT;
	}
	uint8_t *ovmf = NULL, *svsm = NULL;
	size_t ovmf_len, svsm_len;
	int rc = MEASURE_ERR_INPUT;
	if (measure_read_file(&ovmf, &ovmf_len, f->ovmf, MEASURE_OVMF_MAX_LEN, err, err_len) == 0 &&
	    measure_read_file(&svsm, &svsm_len, f->svsm, MEASURE_OVMF_MAX_LEN, err, err_len) == 0) {
		struct measure_svsm_params p = {.ovmf = ovmf, .ovmf_len = ovmf_len, .svsm = svsm, .svsm_len = svsm_len,
						.vars_size = f->ovmf_vars_size, .vcpus = f->vcpus, .vcpu_sig = vcpu_sig};
		char why[MEASURE_ERR_LEN];
		if (measure_svsm_digest(res->digest, &p, why, sizeof why) == 0)
			rc = 0;
		else
			measure_seterr(err, err_len, "%s with %s: %s", f->ovmf, f->svsm, why);
	}
	free(ovmf);
	free(svsm);
	return rc;
}

int measure_launch_digest_files(struct measure_result *res, const struct measure_files *f, char *err, size_t err_len)
{
	struct measure_params p = {.vcpus = f->vcpus, .vcpu_sig = f->vcpu_sig, .vmm = f->vmm,
				   .guest_features = f->guest_features,
				   .allow_unmeasured_kernel = f->allow_unmeasured_kernel};
	memset(res, 0, sizeof *res);
	if (!f->ovmf) {
		measure_seterr(err, err_len, "measure: no OVMF image given");
		return MEASURE_ERR_INPUT;
	}
	if (!f->kernel && (f->initrd || f->append)) {
		measure_seterr(err, err_len, "measure: an initrd or command line needs a kernel (QEMU ignores them otherwise)");
		return MEASURE_ERR_INPUT;
	}
	if (f->vcpu_type && measure_vcpu_type_sig(f->vcpu_type, &p.vcpu_sig) != 0) {
		measure_seterr(err, err_len, "measure: unknown vCPU type '%s'", f->vcpu_type);
		return MEASURE_ERR_INPUT;
	}
	if (f->svsm)
		return svsm_digest_files(res, f, p.vcpu_sig, err, err_len);
	uint8_t seed[MEASURE_DIGEST_LEN];
	if (f->ovmf_hash_hex) {
		if (hex_decode(seed, sizeof seed, f->ovmf_hash_hex, strlen(f->ovmf_hash_hex)) != 0) {
			measure_seterr(err, err_len, "measure: the OVMF hash must be %d hex digits", 2 * MEASURE_DIGEST_LEN);
			return MEASURE_ERR_INPUT;
		}
		p.ovmf_hash = seed;
	}
	struct measure_kernel_hashes kh;
	if (f->kernel) {
		if (measure_kernel_hashes_files(&kh, f->kernel, f->initrd, f->append, err, err_len) != 0)
			return MEASURE_ERR_INPUT;
		p.kernel = &kh;
	}
	uint8_t *ovmf;
	size_t len;
	if (measure_read_file(&ovmf, &len, f->ovmf, MEASURE_OVMF_MAX_LEN, err, err_len) != 0)
		return MEASURE_ERR_INPUT;
	p.ovmf = ovmf;
	p.ovmf_len = len;
	char why[MEASURE_ERR_LEN];
	int rc = measure_launch_digest(res, &p, why, sizeof why);
	free(ovmf);
	if (rc != 0)
		measure_seterr(err, err_len, "%s: %s", f->ovmf, why);
	return rc;
}
