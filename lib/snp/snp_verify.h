/* The owner's verdict on an SNP attestation report, in the order of
 * DESIGN.md "What the client verifies":
 *   1 report shape, 2 AMD chain, 3 VCEK extensions vs report, 4 report
 *   signature, 5 guest policy, 6 launch values and TCB, 7 REPORT_DATA.
 * Every mismatch is listed (not only the first), each with what was
 * expected and what the report holds, and so is every check that passed.
 * A shape or chain failure makes the later checks meaningless (there is no
 * key to check the signature with): they are reported and the rest skipped.
 * The verdict is ok only if nothing failed and every mandatory check ran. */
#ifndef SNPBOOT_SNP_VERIFY_H
#define SNPBOOT_SNP_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "amd_cert.h"
#include "snp_certtable.h"
#include "snp_report.h"

enum snp_tristate {
	SNP_ANY = 0,  /* don't care */
	SNP_REQUIRE_ON,
	SNP_REQUIRE_OFF,
};

/* Explicit waivers (never set by the client; `snpboot report verify` sets
 * them only when told "any"): the check is listed as waived, not failed. */
#define SNP_WAIVE_MEASUREMENT 0x1u
#define SNP_WAIVE_REPORT_DATA 0x2u

/* What the owner's VM definition expects. Zero-initialise, then fill in. */
struct snp_verify_policy {
	/* UNKNOWN: the product the VCEK names (its pinned root must sign the
	 * chain). Set: the chain, the VCEK and the report's CPUID must agree. */
	enum snp_product product;
	/* Explicit trust anchor (DER ARK), e.g. the simulator's test root;
	 * NULL: only AMD's pinned roots. */
	const uint8_t *trust_anchor;
	size_t trust_anchor_len;
	time_t now;      /* certificates must be valid at this time */
	int require_crl; /* refuse without a CRL in the certificate set */

	/* 5. guest policy */
	int allow_debug;            /* 0: POLICY.DEBUG must be 0 */
	int allow_migrate_ma;       /* 0: POLICY.MIGRATE_MA must be 0 */
	enum snp_tristate smt;      /* POLICY.SMT; REQUIRE_OFF also needs PLATFORM_INFO.SMT_EN 0 */
	int require_single_socket;  /* 1: POLICY.SINGLE_SOCKET must be 1 */
	uint8_t min_abi_major, min_abi_minor;   /* POLICY ABI_MAJOR.ABI_MINOR >= this */
	uint8_t min_fw_major, min_fw_minor;     /* firmware CURRENT_MAJOR.CURRENT_MINOR >= this */

	/* 6. launch values: each checked only if its has_ flag is set, except
	 * MEASUREMENT, which is mandatory (unset = refused, unless waived), and
	 * VMPL, which must be 0 unless has_vmpl names another. */
	int has_vmpl;
	uint32_t vmpl;
	int has_measurement;
	uint8_t measurement[48];
	int has_host_data;
	uint8_t host_data[32];
	int has_id_key_digest;
	uint8_t id_key_digest[48];
	int has_author_key_digest; /* also requires AUTHOR_KEY_EN = 1 */
	uint8_t author_key_digest[48];
	int has_family_id;
	uint8_t family_id[16];
	int has_image_id;
	uint8_t image_id[16];
	uint32_t min_guest_svn;
	int has_min_tcb;            /* each component of REPORTED_TCB >= this (fmc on Turin only) */
	struct snp_tcb min_tcb;
	/* Always: REPORTED_TCB <= CURRENT_TCB and COMMITTED_TCB <= CURRENT_TCB
	 * component-wise (the firmware guarantees both; a report breaking them
	 * is not from genuine firmware). 1 here: also COMMITTED == CURRENT
	 * (TCB and firmware version), i.e. no provisional (uncommitted)
	 * firmware, as go-sev-guest does unless PermitProvisionalFirmware. */
	int require_committed_tcb;

	/* The SVSM's service attestation (snp_verify_svsm.c). expect_manifest:
	 * the definition says [svsm] attest_services; manifest: what the guest
	 * sent (has_manifest 0: none). A manifest the definition does not
	 * expect, or none when it does, is refused. The caller puts
	 * SHA-512(binding || manifest) in report_data when a manifest came. */
	int expect_manifest;
	int manifest_is_vtpm;       /* the service is the vTPM: the manifest is its EK's TPMT_PUBLIC */
	int has_manifest_sha256;    /* pin: SHA-256 of the manifest */
	uint8_t manifest_sha256[32];
	int has_manifest;
	const uint8_t *manifest;
	size_t manifest_len;

	/* 7. the session binding: mandatory (unset = refused, unless waived). */
	int has_report_data;
	uint8_t report_data[64];

	unsigned waive; /* SNP_WAIVE_* */
};

#define SNP_VERIFY_CHECK_LEN 40
#define SNP_VERIFY_TEXT_LEN 200
#define SNP_VERIFY_MAX_ENTRIES 48

struct snp_verify_entry {
	char check[SNP_VERIFY_CHECK_LEN];   /* "MEASUREMENT", "POLICY.DEBUG", "chain", ... */
	char expected[SNP_VERIFY_TEXT_LEN];
	char got[SNP_VERIFY_TEXT_LEN];
};

struct snp_verify_result {
	int ok;                 /* 1: every check ran and passed */
	int stopped;            /* 1: a shape or chain failure ended verification early */
	int truncated;          /* 1: more entries than fit (never makes ok) */
	enum snp_product product;
	size_t n_failed;
	struct snp_verify_entry failed[SNP_VERIFY_MAX_ENTRIES];
	size_t n_passed;
	struct snp_verify_entry passed[SNP_VERIFY_MAX_ENTRIES];
};

/* Verifies report bytes against the certificate set and policy. Fills res
 * (zeroed first) and returns 0 if ok, -1 if refused. The report in its
 * parsed form is written to *parsed if it is not NULL and parsing worked. */
int snp_verify_report(const uint8_t *report, size_t report_len, const struct amd_certs *certs,
		      const struct snp_verify_policy *policy, struct snp_verify_result *res,
		      struct snp_report *parsed);

/* The ARK/ASK/VCEK (or VLEK) entries of a parsed certificate table as an
 * amd_certs set (spans into the table's buffer; no CRL). Returns 0, or -1
 * with the reason (no VCEK or VLEK, both present, no ASK) in err. */
int snp_certs_from_table(const struct snp_certtable *t, struct amd_certs *certs, char *err, size_t errlen);

enum amd_product snp_product_to_amd(enum snp_product p);
enum snp_product snp_product_from_amd(enum amd_product p);

#endif
