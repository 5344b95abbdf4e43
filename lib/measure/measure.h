/* Expected SNP launch digest (MEASUREMENT) of a QEMU, EC2 or GCE guest
 * booted from OVMF with kernel, initrd and command line, computed the way
 * the VMM and the AMD Secure Processor build it:
 *   1. the OVMF image page by page at 4 GiB - size (or a precomputed
 *      "OVMF hash" standing for those pages),
 *   2. the SEV metadata sections in table order (zero or unmeasured,
 *      secrets, CPUID pages; the kernel-hashes page when a kernel is
 *      given; measure_vmm.h says what each VMM changes),
 *   3. one VMSA page per vCPU.
 * Core functions take buffers; measure_file.c adds file helpers. */
#ifndef SNPBOOT_MEASURE_H
#define SNPBOOT_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "measure_gctx.h"
#include "measure_hashes.h"
#include "measure_ovmf.h"
#include "measure_vmsa.h"

#define MEASURE_MAX_VCPUS 4096u
#define MEASURE_ERR_LEN 256
/* SEV_FEATURES bit 0: SNP active; every SNP VMSA has it. */
#define MEASURE_FEATURE_SNP_ACTIVE 0x1ull

struct measure_params {
	const uint8_t *ovmf;       /* the whole firmware image (its footer is always parsed) */
	size_t ovmf_len;
	const uint8_t *ovmf_hash;  /* NULL, or the 48-byte digest after the firmware pages */
	const struct measure_kernel_hashes *kernel; /* NULL: no direct kernel boot */
	uint32_t vcpus;
	uint32_t vcpu_sig;         /* CPUID signature, see measure_vcpu_type_sig() */
	enum measure_vmm vmm;
	uint64_t guest_features;   /* VMSA SEV_FEATURES, e.g. 0x1 or 0x21 (with DebugSwap) */
	/* Firmware without an SNP_KERNEL_HASHES section cannot measure a
	 * kernel: refuse unless this is set, then compute the firmware-only
	 * digest and report kernel_ignored. */
	int allow_unmeasured_kernel;
};

struct measure_result {
	uint8_t digest[MEASURE_DIGEST_LEN];
	int kernel_measured; /* kernel, initrd and command line are covered by the digest */
	int kernel_ignored;  /* a kernel was given but the firmware cannot measure it */
};

/* Failures of measure_launch_digest(). */
#define MEASURE_ERR_INPUT (-1)                /* bad parameters or malformed firmware */
#define MEASURE_ERR_KERNEL_NOT_MEASURED (-2)  /* kernel given, firmware cannot measure it */

/* Returns 0 and fills res, or a MEASURE_ERR_* code with the reason in err. */
int measure_launch_digest(struct measure_result *res, const struct measure_params *p, char *err, size_t err_len);
/* The "OVMF hash": the digest after the firmware pages only. */
int measure_ovmf_hash(uint8_t out[MEASURE_DIGEST_LEN], const uint8_t *ovmf, size_t len, char *err, size_t err_len);

/* ---- file helpers (host side) ---- */
/* Reads a whole file into a malloc'd buffer (at most max bytes). Returns 0, or -1 with err. */
int measure_read_file(uint8_t **buf, size_t *len, const char *path, size_t max, char *err, size_t err_len);
/* Streams a file through SHA-256. Returns 0, or -1 with err. */
int measure_sha256_file(uint8_t out[MEASURE_SHA256_LEN], const char *path, char *err, size_t err_len);
/* Fills h from a kernel path, an optional initrd path (NULL: empty) and an
 * optional append string (NULL: none). Returns 0, or -1 with err. */
int measure_kernel_hashes_files(struct measure_kernel_hashes *h, const char *kernel, const char *initrd,
				const char *append, char *err, size_t err_len);

/* Everything at once from file paths, for callers holding a VM definition
 * (owner tools, the SNP simulator). */
struct measure_files {
	const char *ovmf;          /* firmware image path */
	const char *ovmf_hash_hex; /* NULL, or 96 hex digits standing for the firmware pages */
	const char *kernel;        /* NULL: no direct kernel boot (then initrd and append must be NULL) */
	const char *initrd;        /* NULL: none */
	const char *append;        /* NULL: none */
	uint32_t vcpus;
	const char *vcpu_type;     /* QEMU model name; NULL: use vcpu_sig */
	uint32_t vcpu_sig;
	enum measure_vmm vmm;
	uint64_t guest_features;
	int allow_unmeasured_kernel;
	/* An SVSM launch (measure_svsm.h) when svsm is set: ovmf_vars_size is
	 * the vars area below the firmware; ovmf_hash, kernel, vmm other than
	 * QEMU and guest_features are then refused or ignored as that header
	 * says. */
	const char *svsm;
	uint64_t ovmf_vars_size;
};
#define MEASURE_OVMF_MAX_LEN (64u << 20) /* real OVMF images are 2-4 MiB */

/* Returns 0 and fills res, or a MEASURE_ERR_* code with the reason in err. */
int measure_launch_digest_files(struct measure_result *res, const struct measure_files *f, char *err, size_t err_len);

#endif
