/* measure_explain() for an SVSM launch (measure_explain.h): the single
 * changes a host makes to one are the vCPU count, the vCPU model, the size
 * of the OVMF vars area (a different OVMF_VARS.fd moves the SVSM) and
 * leaving the SVSM out altogether (then the launch is an ordinary OVMF one,
 * with the kernel hashes if the definition boots a kernel). */
#include "measure_explain.h"

#include <stdio.h>
#include <string.h>

#include "measure_err.h"

static void add_checked(struct measure_explain *x, const char *text)
{
	size_t used = strlen(x->checked);
	snprintf(x->checked + used, sizeof x->checked - used, "%s%s", used ? ", " : "", text);
}

static void found(struct measure_explain *x, const char *fmt, unsigned long long now, unsigned long long was)
{
	if (x->n_found < MEASURE_EXPLAIN_MAX_FOUND)
		snprintf(x->found[x->n_found++], sizeof x->found[0], fmt, now, was);
}

/* One candidate: 1 if it gives the target. */
static int hits(struct measure_explain *x, const struct measure_svsm_params *p, const uint8_t *target)
{
	uint8_t d[MEASURE_DIGEST_LEN];
	char err[MEASURE_ERR_LEN];
	x->tried++;
	return measure_svsm_digest(d, p, err, sizeof err) == 0 && memcmp(d, target, MEASURE_DIGEST_LEN) == 0;
}

static void try_vcpus(struct measure_explain *x, const struct measure_svsm_params *base, const uint8_t *target)
{
	uint32_t max = base->vcpus > MEASURE_EXPLAIN_MIN_VCPU_RANGE / 2 ? 2 * base->vcpus : MEASURE_EXPLAIN_MIN_VCPU_RANGE;
	for (uint32_t n = 1; n <= max && n <= MEASURE_MAX_VCPUS; n++) {
		struct measure_svsm_params p = *base;
		p.vcpus = n;
		if (n != base->vcpus && hits(x, &p, target))
			found(x, "vcpus = %llu (definition says %llu)", n, base->vcpus);
	}
	add_checked(x, "vcpus 1..max(64, 2x)");
}

static void try_vcpu_types(struct measure_explain *x, const struct measure_svsm_params *base, const uint8_t *target)
{
	for (unsigned i = 0; measure_vcpu_type_name(i); i++) {
		struct measure_svsm_params p = *base;
		if (measure_vcpu_type_sig(measure_vcpu_type_name(i), &p.vcpu_sig) != 0 || p.vcpu_sig == base->vcpu_sig)
			continue;
		if (hits(x, &p, target))
			found(x, "vcpu_sig = 0x%llx (definition says 0x%llx)", p.vcpu_sig, base->vcpu_sig);
	}
	add_checked(x, "every known vCPU model");
}

static void try_vars_sizes(struct measure_explain *x, const struct measure_svsm_params *base, const uint8_t *target)
{
	/* OVMF_VARS.fd of the 2, 4 and 8 MiB edk2 builds, and the pages
	 * around the definition's. */
	uint64_t sizes[] = {0x20000, 0x84000, 0x100000, base->vars_size + 0x1000, base->vars_size - 0x1000};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct measure_svsm_params p = *base;
		p.vars_size = sizes[i];
		if (sizes[i] != base->vars_size && sizes[i] < base->vars_size + 0x2000 && hits(x, &p, target))
			found(x, "svsm.ovmf_vars_size = %llu (definition says %llu): the host's OVMF vars file differs",
			      sizes[i], base->vars_size);
	}
	add_checked(x, "OVMF vars area of 128 KiB, 528 KiB, 1 MiB and one page more or less");
}

int measure_explain_svsm(struct measure_explain *x, const struct measure_svsm_params *p,
			 const struct measure_params *without_svsm, const uint8_t target[MEASURE_DIGEST_LEN],
			 char *err, size_t err_len)
{
	memset(x, 0, sizeof *x);
	if (measure_svsm_digest(x->computed, p, err, err_len) != 0)
		return -1;
	x->tried = 1;
	x->matches = memcmp(x->computed, target, MEASURE_DIGEST_LEN) == 0;
	if (x->matches)
		return 0;
	try_vcpus(x, p, target);
	try_vcpu_types(x, p, target);
	try_vars_sizes(x, p, target);
	if (without_svsm) {
		struct measure_result r;
		char why[MEASURE_ERR_LEN];
		x->tried++;
		if (measure_launch_digest(&r, without_svsm, why, sizeof why) == 0 &&
		    memcmp(r.digest, target, MEASURE_DIGEST_LEN) == 0 && x->n_found < MEASURE_EXPLAIN_MAX_FOUND)
			snprintf(x->found[x->n_found++], sizeof x->found[0],
				 "no [svsm] (the host launched the firmware without the SVSM)");
		add_checked(x, "the same launch without the SVSM");
	}
	return 0;
}
