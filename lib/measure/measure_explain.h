/* Why does a report's MEASUREMENT differ from the one a VM definition
 * predicts? Measurement mismatches are the most common complaint of SNP
 * users, and almost always come from one launch parameter the owner did not
 * know the host chose: DebugSwap in SEV_FEATURES, the vCPU count or model,
 * the VMM type (QEMU, EC2 today or before 2026, GCE), QEMU's
 * kernel-hashes=off, or a command line differing by a newline or a word.
 * measure_explain() recomputes the launch digest with each such single
 * change and says which one gives the reported value (or that none does,
 * and what was tried). The firmware pages are hashed once
 * (the "OVMF hash") and every candidate starts from there, so a few hundred
 * candidates cost about as much as one ordinary measurement. */
#ifndef SNPBOOT_MEASURE_EXPLAIN_H
#define SNPBOOT_MEASURE_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "measure.h"
#include "measure_svsm.h"

#define MEASURE_EXPLAIN_LINE 320
#define MEASURE_EXPLAIN_MAX_FOUND 4
#define MEASURE_EXPLAIN_CHECKED_LEN 640
/* vCPU counts tried: 1 .. max(this, 2 * the definition's). */
#define MEASURE_EXPLAIN_MIN_VCPU_RANGE 64u

/* The launch as the definition describes it. */
struct measure_explain_input {
	const uint8_t *ovmf;       /* the firmware image (its tables are read) */
	size_t ovmf_len;
	const uint8_t *ovmf_hash;  /* NULL: computed here, once */
	const struct measure_kernel_hashes *kernel; /* NULL: no kernel (firmware-only digest) */
	int has_initrd;            /* kernel->initrd is a real file's hash */
	const char *append;        /* NULL: no command line */
	uint32_t vcpus;
	uint32_t vcpu_sig;
	const char *vcpu_type;     /* name for messages, or NULL */
	enum measure_vmm vmm;
	uint64_t guest_features;
};

struct measure_explain {
	uint8_t computed[MEASURE_DIGEST_LEN]; /* the definition as it is */
	int matches;               /* the target equals it: nothing to explain */
	size_t n_found;            /* single changes that give the target */
	char found[MEASURE_EXPLAIN_MAX_FOUND][MEASURE_EXPLAIN_LINE]; /* "vcpus = 4 (definition says 1)" */
	unsigned tried;            /* candidates computed */
	char checked[MEASURE_EXPLAIN_CHECKED_LEN]; /* what was tried, for the no-match line */
};

/* Tries every single change against target. Returns 0 with x filled (found
 * or not), or -1 with err if the definition itself cannot be measured. */
int measure_explain(struct measure_explain *x, const struct measure_explain_input *in,
		    const uint8_t target[MEASURE_DIGEST_LEN], char *err, size_t err_len);

/* One line: "MEASUREMENT matches the definition with vcpus = 4 (definition
 * says 1)", "... matches the definition as it is", or "no single change
 * explains it; checked: ...". */
void measure_explain_summary(const struct measure_explain *x, char *out, size_t len);

/* The same for an SVSM launch p (measure_explain_svsm.c): vCPU count and
 * model, OVMF vars size, and without_svsm (NULL: not tried), the ordinary
 * launch of the same firmware the host may have made instead. */
int measure_explain_svsm(struct measure_explain *x, const struct measure_svsm_params *p,
			 const struct measure_params *without_svsm, const uint8_t target[MEASURE_DIGEST_LEN],
			 char *err, size_t err_len);

/* Name of a SEV_FEATURES bit ("DebugSwap", ...), NULL if unnamed. */
const char *measure_feature_name(unsigned bit);

/* The same for a loaded VM definition (vmdef.h): reads its firmware, kernel
 * and initrd once (host only). Returns 0, or -1 with err naming the file or
 * key when the definition cannot be measured at all. */
struct vmdef;
int vmdef_explain_measurement(const struct vmdef *def, const uint8_t target[MEASURE_DIGEST_LEN],
			      struct measure_explain *x, char *err, size_t err_len);

#endif
