/* SEV-SNP attestation report (AMD SNP ABI spec 56860, ATTESTATION_REPORT):
 * parsing into named fields, per-product TCB decoding, bit names, the
 * report signature check, and printing (text and JSON).
 *
 * The parser only checks the shape (size, version, reserved fields, enum
 * ranges). Whether the values are acceptable is the verifier's job
 * (snp_verify.h); whether the bytes are authentic is the signature's. */
#ifndef SNPBOOT_SNP_REPORT_H
#define SNPBOOT_SNP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SNP_REPORT_SIZE 0x4A0u        /* 1184 bytes */
#define SNP_REPORT_SIGNED_SIZE 0x2A0u /* the signature covers bytes 0x000-0x29F */
#define SNP_REPORT_SIG_OFFSET 0x2A0u
#define SNP_SIG_COMPONENT_SIZE 72u    /* R and S: 72 bytes little-endian each */
#define SNP_SIG_ALGO_ECDSA_P384_SHA384 1u

/* The processor generation decides the TCB_VERSION byte layout and which AMD
 * root signs the chain. */
enum snp_product {
	SNP_PRODUCT_UNKNOWN = 0,
	SNP_PRODUCT_MILAN,
	SNP_PRODUCT_GENOA,
	SNP_PRODUCT_TURIN,
};
/* "Milan", "Genoa", "Turin" or "unknown". */
const char *snp_product_name(enum snp_product p);
/* Accepts milan|genoa|turin in any case, and a VCEK productName such as
 * "Milan-B0" (the part before '-'). Returns 0, or -1 if not recognised. */
int snp_product_parse(const char *s, enum snp_product *out);
/* From the CPUID_FAM_ID / CPUID_MOD_ID of a v3+ report: family 0x19 model
 * 0x00-0x0F Milan, 0x10-0x1F and 0xA0-0xAF Genoa; family 0x1A model
 * 0x00-0x11 Turin. Anything else is UNKNOWN. */
enum snp_product snp_product_from_cpuid(uint8_t family, uint8_t model);

/* TCB_VERSION (8 bytes). Milan/Genoa: 0 BOOT_LOADER, 1 TEE, 2-5 reserved,
 * 6 SNP, 7 MICROCODE. Turin: 0 FMC, 1 BOOT_LOADER, 2 TEE, 3 SNP, 4-6
 * reserved, 7 MICROCODE. */
enum snp_tcb_layout {
	SNP_TCB_LAYOUT_MILAN_GENOA = 0,
	SNP_TCB_LAYOUT_TURIN,
};
struct snp_tcb {
	uint8_t fmc; /* Turin only; 0 otherwise */
	uint8_t bootloader;
	uint8_t tee;
	uint8_t snp;
	uint8_t microcode;
	int has_fmc;
	int reserved_nonzero; /* a reserved byte of this layout is not zero */
};
enum snp_tcb_layout snp_tcb_layout_for(enum snp_product p);
void snp_tcb_decode(struct snp_tcb *out, const uint8_t raw[8], enum snp_tcb_layout layout);
/* Inverse of snp_tcb_decode (reserved bytes zero); used by tests and the simulator. */
void snp_tcb_encode(uint8_t raw[8], const struct snp_tcb *t, enum snp_tcb_layout layout);
/* "bl=3 tee=0 snp=8 ucode=115" (Turin: "fmc=.. bl=.. ..."); returns buf. */
const char *snp_tcb_format(char *buf, size_t len, const struct snp_tcb *t);
/* 1 if every byte of a is <= the same byte of b. Each byte is one
 * component's SPL (or reserved, zero) in every layout, so this is the
 * component-wise order without needing the product. */
int snp_tcb_raw_le(const uint8_t a[8], const uint8_t b[8]);

/* Guest POLICY bits (SNP ABI, Table "Guest Policy Structure"). */
#define SNP_POLICY_ABI_MINOR(p) ((unsigned)((p) & 0xffu))
#define SNP_POLICY_ABI_MAJOR(p) ((unsigned)(((p) >> 8) & 0xffu))
#define SNP_POLICY_SMT (1ull << 16)
#define SNP_POLICY_RESERVED_1 (1ull << 17) /* must be 1 */
#define SNP_POLICY_MIGRATE_MA (1ull << 18)
#define SNP_POLICY_DEBUG (1ull << 19)
#define SNP_POLICY_SINGLE_SOCKET (1ull << 20)
#define SNP_POLICY_CXL_ALLOW (1ull << 21)
#define SNP_POLICY_MEM_AES_256_XTS (1ull << 22)
#define SNP_POLICY_RAPL_DIS (1ull << 23)
#define SNP_POLICY_CIPHERTEXT_HIDING (1ull << 24)
#define SNP_POLICY_PAGE_SWAP_DISABLE (1ull << 25)
#define SNP_POLICY_KNOWN_MASK ((1ull << 26) - 1) /* bits 63:26 must be zero */

/* PLATFORM_INFO bits. Unknown bits are shown, not refused: they describe
 * the host platform and new firmware adds them. */
#define SNP_PLATFORM_SMT_EN (1ull << 0)
#define SNP_PLATFORM_TSME_EN (1ull << 1)
#define SNP_PLATFORM_ECC_EN (1ull << 2)
#define SNP_PLATFORM_RAPL_DIS (1ull << 3)
#define SNP_PLATFORM_CIPHERTEXT_HIDING_EN (1ull << 4)
#define SNP_PLATFORM_ALIAS_CHECK_COMPLETE (1ull << 5)
#define SNP_PLATFORM_KNOWN_MASK ((1ull << 6) - 1)

/* Bit names, for printing: returns the name of bit `bit` or NULL if unnamed. */
const char *snp_policy_bit_name(unsigned bit);
const char *snp_platform_info_bit_name(unsigned bit);

/* SIGNING_KEY (bits 4:2 at 0x48). */
enum snp_signing_key {
	SNP_SIGNING_KEY_VCEK = 0,
	SNP_SIGNING_KEY_VLEK = 1,
	SNP_SIGNING_KEY_NONE = 7,
};
const char *snp_signing_key_name(unsigned key); /* "VCEK", "VLEK", "none", "reserved" */

struct snp_report {
	uint8_t raw[SNP_REPORT_SIZE]; /* the bytes as received; the signed span is raw[0..0x29F] */

	uint32_t version;
	uint32_t guest_svn;
	uint64_t policy;
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t vmpl;
	uint32_t signature_algo;
	uint8_t current_tcb[8];
	uint64_t platform_info;
	uint32_t key_info; /* 0x48 as a whole */
	int author_key_en;
	int mask_chip_key;
	unsigned signing_key; /* enum snp_signing_key */
	uint8_t report_data[64];
	uint8_t measurement[48];
	uint8_t host_data[32];
	uint8_t id_key_digest[48];
	uint8_t author_key_digest[48];
	uint8_t report_id[32];
	uint8_t report_id_ma[32];
	uint8_t reported_tcb[8];
	int has_cpuid; /* version >= 3 */
	uint8_t cpuid_fam_id, cpuid_mod_id, cpuid_step;
	uint8_t chip_id[64];
	uint8_t committed_tcb[8];
	uint8_t current_build, current_minor, current_major;
	uint8_t committed_build, committed_minor, committed_major;
	uint8_t launch_tcb[8];
	int has_mit_vectors; /* version >= 5 */
	uint64_t launch_mit_vector, current_mit_vector;
	uint8_t sig_r[SNP_SIG_COMPONENT_SIZE]; /* little-endian, as in the report */
	uint8_t sig_s[SNP_SIG_COMPONENT_SIZE];

	/* Derived: the caller's product, else the one CPUID names (v3+), else
	 * UNKNOWN. v2 reports come only from Milan/Genoa firmware, so their TCB
	 * layout is known even when the product is not. */
	enum snp_product product;
	enum snp_tcb_layout tcb_layout;
};

/* Parse flags. */
#define SNP_PARSE_ALLOW_UNSIGNED 0x1u /* accept SIGNING_KEY=none and SIGNATURE_ALGO=0 (for inspection only) */

/* Parses len bytes into r. product may be UNKNOWN; if given it decides the
 * TCB layout even when the report's CPUID says otherwise (the verifier
 * reports such a disagreement; a viewer should still show the bytes). Returns 0, or
 * -1 with a message naming the field ("VERSION: expected 2, 3, 4 or 5, got 7")
 * in err (err may be NULL). Accepted versions: 2, 3, 4 (the v3 layout; AMD
 * has not published it, firmware 1.55.31 emits it), 5. */
int snp_report_parse(struct snp_report *r, const uint8_t *buf, size_t len, enum snp_product product, unsigned flags,
		     char *err, size_t errlen);

/* Checks the ECDSA P-384/SHA-384 signature over raw[0..0x29F] with the public
 * key given as an uncompressed SEC1 point (0x04 || X || Y, 97 bytes).
 * Returns 0 if valid, else -1 with the reason in err. */
int snp_report_verify_signature(const struct snp_report *r, const uint8_t *pub, size_t pub_len, char *err,
				size_t errlen);

/* Converts the report's R,S (72-byte little-endian each) into BearSSL's raw
 * form (48-byte big-endian R then S). Returns 0, or -1 if a value does not
 * fit in 48 bytes. */
int snp_signature_to_raw(uint8_t out[96], const uint8_t r_le[72], const uint8_t s_le[72]);

/* Human-readable dump: one aligned "field: value" line each, policy, TCB and
 * platform info decoded. */
void snp_report_print(FILE *out, const struct snp_report *r);
/* Every field as one JSON object (byte arrays as lowercase hex strings). */
void snp_report_print_json(FILE *out, const struct snp_report *r);

#endif
