/*
 * AMD SEV-SNP certificates: ARK (self-signed) -> ASK -> VCEK, or
 * ARK -> ASVK -> VLEK. ARK/ASK/ASVK are RSA-4096 keys, every certificate is
 * signed with RSASSA-PSS (SHA-384, MGF1-SHA-384, salt 48); the VCEK/VLEK
 * holds the ECDSA P-384 key that signs attestation reports.
 *
 * Everything here works on caller-owned DER bytes and fixed-size output
 * structs: no allocation, no I/O (the directory loader is amd_certdir.h, KDS
 * URLs are kds.h, the parsing layers der.h, x509.h, rsa_pss.h, pem.h).
 *
 * Error convention (all functions returning int): 0 on success, -1 on
 * failure with a message naming what and where, expected vs got, written
 * into err (err_len bytes, always NUL-terminated when err_len > 0; err may
 * be NULL).
 */
#ifndef SNPBOOT_AMD_CERT_H
#define SNPBOOT_AMD_CERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <bearssl.h>

enum amd_product {
	AMD_PRODUCT_UNKNOWN = 0,
	AMD_PRODUCT_MILAN,
	AMD_PRODUCT_GENOA,
	AMD_PRODUCT_TURIN,
};

/* "Milan", "Genoa", "Turin" (the spelling KDS uses in URLs), or "unknown". */
const char *amd_product_name(enum amd_product p);
/*
 * Product from a VCEK productName or a KDS name: "Milan", "Milan-B0",
 * "Genoa-B1", "Turin", ... (case-sensitive, the family before an optional
 * '-' stepping). AMD_PRODUCT_UNKNOWN if it is none of them.
 */
enum amd_product amd_product_from_name(const char *name, size_t len);

/* The certificates of one chain, as DER spans the caller keeps alive. */
struct amd_certs {
	const uint8_t *ark;  size_t ark_len;  /* may be NULL if opts->anchor is given */
	const uint8_t *ask;  size_t ask_len;  /* ASK, or ASVK for a VLEK */
	const uint8_t *vcek; size_t vcek_len; /* VCEK or VLEK */
	const uint8_t *crl;  size_t crl_len;  /* optional ARK-signed CRL; NULL/0 if none */
};

/* AMD extension OIDs 1.3.6.1.4.1.3704.1.x as found in a VCEK/VLEK. */
#define AMD_EXT_STRUCT_VERSION (1u << 0) /* .1   */
#define AMD_EXT_PRODUCT_NAME   (1u << 1) /* .2   */
#define AMD_EXT_BL_SPL         (1u << 2) /* .3.1 */
#define AMD_EXT_TEE_SPL        (1u << 3) /* .3.2 */
#define AMD_EXT_SNP_SPL        (1u << 4) /* .3.3 */
#define AMD_EXT_UCODE_SPL      (1u << 5) /* .3.8 */
#define AMD_EXT_FMC_SPL        (1u << 6) /* .3.9 (Turin) */
#define AMD_EXT_HWID           (1u << 7) /* .4   (VCEK) */
#define AMD_EXT_CSP_ID         (1u << 8) /* .5   (VLEK) */

#define AMD_PRODUCT_NAME_MAX 32
#define AMD_HWID_MAX 64
#define AMD_CSP_ID_MAX 64

struct amd_vcek_ext {
	uint32_t present;               /* AMD_EXT_* bits of the extensions seen */
	uint32_t struct_version;
	char product_name[AMD_PRODUCT_NAME_MAX]; /* NUL-terminated IA5String */
	/* SPLs are DER INTEGERs in the certificate; each fits a report byte. */
	uint8_t bl_spl, tee_spl, snp_spl, ucode_spl, fmc_spl;
	uint8_t hwid[AMD_HWID_MAX];     /* 64 bytes (Milan, Genoa) or 8 (Turin) */
	size_t hwid_len;
	char csp_id[AMD_CSP_ID_MAX];    /* VLEK only, NUL-terminated */
};

/* Parses the AMD extensions of a VCEK/VLEK certificate (no signature check). */
int amd_vcek_ext_parse(const uint8_t *der, size_t len, struct amd_vcek_ext *ext,
		       char *err, size_t err_len);

/*
 * The VCEK/VLEK's P-384 public key: copies the uncompressed point (0x04||X||Y)
 * into q and points pk->q at it. No signature check; use amd_chain_verify.
 */
#define AMD_EC_P384_POINT_LEN 97
int amd_vcek_public_key(const uint8_t *der, size_t len, br_ec_public_key *pk,
			uint8_t q[AMD_EC_P384_POINT_LEN], char *err, size_t err_len);

struct amd_chain_opts {
	/*
	 * Expected product. AMD_PRODUCT_UNKNOWN: take it from the VCEK's
	 * productName. Either way the ARK must be the pinned AMD root of that
	 * product (unless anchor is set) and the VCEK's productName must agree.
	 */
	enum amd_product product;
	/*
	 * Explicit trust anchor (a DER ARK certificate), e.g. the simulated
	 * platform's test root. NULL: only the pinned AMD roots are accepted.
	 * When set, certs->ark must be byte-identical to it (or NULL).
	 */
	const uint8_t *anchor;
	size_t anchor_len;
	time_t now;          /* every certificate must be valid at this time */
	int require_crl;     /* 1: refuse if certs->crl is absent */
};

struct amd_chain_result {
	enum amd_product product;
	int is_vlek;                     /* 1: ARK->ASVK->VLEK, 0: ARK->ASK->VCEK */
	int crl_checked;                 /* 1 if a CRL was verified and consulted */
	struct amd_vcek_ext ext;
	br_ec_public_key vcek_key;       /* curve BR_EC_secp384r1, q -> vcek_q */
	uint8_t vcek_q[AMD_EC_P384_POINT_LEN];
};

/*
 * Verifies the whole chain: ARK pinned (or == anchor) and self-signed, ASK
 * by ARK, VCEK by ASK (RSASSA-PSS SHA-384/MGF1-SHA-384/salt 48 only),
 * issuer/subject name chaining (byte-exact Names), validity at opts->now,
 * key types and sizes (RSA-4096 ARK/ASK, P-384 VCEK), product agreement, and
 * if a CRL is given: CRL signed by the ARK, issuer == ARK subject, thisUpdate
 * <= now <= nextUpdate, ASK and VCEK serials not listed.
 * Also required (as AMD's certificates have, and as a test root must have):
 * ARK and ASK carry basicConstraints cA=TRUE and, if keyUsage is present,
 * keyCertSign; no certificate has a critical extension other than
 * basicConstraints/keyUsage; the ASK's subject differs from the ARK's.
 * VCEK vs VLEK is decided by the leaf's extensions: hwID (.4) -> VCEK,
 * cspId (.5) -> VLEK (both or neither: refused).
 * On success fills out (VCEK key and extensions for the report check).
 * Note: out->vcek_key.q points into out itself; do not copy the struct by value
 * and use the copy's key without re-pointing q.
 */
int amd_chain_verify(const struct amd_certs *certs, const struct amd_chain_opts *opts,
		     struct amd_chain_result *out, char *err, size_t err_len);

/*
 * Compares VCEK extensions with a report's REPORTED_TCB (8 raw bytes at
 * report offset 0x180) and CHIP_ID (64 bytes at 0x1A0). Layout by product:
 *   Milan/Genoa: byte 0 boot_loader, 1 tee, 6 snp, 7 microcode
 *   Turin:       byte 0 fmc, 1 boot_loader, 2 tee, 3 snp, 7 microcode
 * CHIP_ID vs hwID: all 64 bytes (Turin: the first 8). A VLEK (no hwID) skips
 * the CHIP_ID comparison. chip_id may be NULL only for a VLEK.
 * Returns the number of mismatches (0 = all equal), each described in err
 * ("VCEK blSPL 3 != REPORTED_TCB boot_loader 2; ..."), or -1 if the
 * extensions lack a field the product needs or the product is unknown.
 */
int amd_vcek_match_report(const struct amd_vcek_ext *ext, enum amd_product product,
			  const uint8_t reported_tcb[8], const uint8_t *chip_id,
			  char *err, size_t err_len);

/*
 * SHA-384 fingerprints of the SubjectPublicKeyInfo DER of AMD's real ARKs
 * (pinned roots, see amd_roots.c). Returns NULL for an unknown product.
 */
#define AMD_ROOT_FP_LEN 48
const uint8_t *amd_root_spki_sha384(enum amd_product p);

/*
 * Checks that a certificate (DER) is the pinned AMD ARK of product p: its
 * SubjectPublicKeyInfo hashes to the pinned fingerprint.
 */
int amd_root_is_pinned(const uint8_t *der, size_t len, enum amd_product p,
		       char *err, size_t err_len);

#endif
