/* The report as one JSON object. Byte arrays are lowercase hex strings,
 * 64-bit bit fields are "0x..." strings (JSON numbers lose precision past
 * 2^53) next to their decoded bits. Only fixed ASCII is emitted, so no
 * string escaping is needed. */
#include <stdio.h>

#include "base/bytes.h"
#include "snp_report.h"

static void j_hex(FILE *out, const char *key, const uint8_t *p, size_t n)
{
	char hex[2 * 72 + 1];
	hex_encode(hex, p, n);
	fprintf(out, ",\n  \"%s\": \"%s\"", key, hex);
}

static const char *tf(int v) { return v ? "true" : "false"; }

static void j_tcb(FILE *out, const char *key, const uint8_t raw[8], enum snp_tcb_layout layout)
{
	struct snp_tcb t;
	char hex[17];
	snp_tcb_decode(&t, raw, layout);
	hex_encode(hex, raw, 8);
	fprintf(out, ",\n  \"%s\": {\"raw\": \"%s\"", key, hex);
	if (t.has_fmc)
		fprintf(out, ", \"fmc\": %u", t.fmc);
	fprintf(out, ", \"bootloader\": %u, \"tee\": %u, \"snp\": %u, \"microcode\": %u}", t.bootloader, t.tee, t.snp,
		t.microcode);
}

void snp_report_print_json(FILE *out, const struct snp_report *r)
{
	uint64_t p = r->policy, pi = r->platform_info;
	fprintf(out, "{\n  \"version\": %u", r->version);
	fprintf(out, ",\n  \"product\": \"%s\"", snp_product_name(r->product));
	fprintf(out, ",\n  \"tcb_layout\": \"%s\"", r->tcb_layout == SNP_TCB_LAYOUT_TURIN ? "turin" : "milan-genoa");
	fprintf(out, ",\n  \"guest_svn\": %u", r->guest_svn);
	fprintf(out,
		",\n  \"policy\": {\"raw\": \"0x%016llx\", \"abi_major\": %u, \"abi_minor\": %u, \"smt\": %s, "
		"\"migrate_ma\": %s, \"debug\": %s, \"single_socket\": %s, \"cxl_allow\": %s, "
		"\"mem_aes_256_xts\": %s, \"rapl_dis\": %s, \"ciphertext_hiding\": %s, \"page_swap_disable\": %s}",
		(unsigned long long)p, SNP_POLICY_ABI_MAJOR(p), SNP_POLICY_ABI_MINOR(p), tf(!!(p & SNP_POLICY_SMT)),
		tf(!!(p & SNP_POLICY_MIGRATE_MA)), tf(!!(p & SNP_POLICY_DEBUG)), tf(!!(p & SNP_POLICY_SINGLE_SOCKET)),
		tf(!!(p & SNP_POLICY_CXL_ALLOW)), tf(!!(p & SNP_POLICY_MEM_AES_256_XTS)), tf(!!(p & SNP_POLICY_RAPL_DIS)),
		tf(!!(p & SNP_POLICY_CIPHERTEXT_HIDING)), tf(!!(p & SNP_POLICY_PAGE_SWAP_DISABLE)));
	j_hex(out, "family_id", r->family_id, sizeof r->family_id);
	j_hex(out, "image_id", r->image_id, sizeof r->image_id);
	fprintf(out, ",\n  \"vmpl\": %u", r->vmpl);
	fprintf(out, ",\n  \"signature_algo\": %u", r->signature_algo);
	j_tcb(out, "current_tcb", r->current_tcb, r->tcb_layout);
	fprintf(out,
		",\n  \"platform_info\": {\"raw\": \"0x%016llx\", \"smt_en\": %s, \"tsme_en\": %s, \"ecc_en\": %s, "
		"\"rapl_dis\": %s, \"ciphertext_hiding_en\": %s, \"alias_check_complete\": %s, "
		"\"unknown_bits\": \"0x%llx\"}",
		(unsigned long long)pi, tf(!!(pi & SNP_PLATFORM_SMT_EN)), tf(!!(pi & SNP_PLATFORM_TSME_EN)),
		tf(!!(pi & SNP_PLATFORM_ECC_EN)), tf(!!(pi & SNP_PLATFORM_RAPL_DIS)),
		tf(!!(pi & SNP_PLATFORM_CIPHERTEXT_HIDING_EN)), tf(!!(pi & SNP_PLATFORM_ALIAS_CHECK_COMPLETE)),
		(unsigned long long)(pi & ~SNP_PLATFORM_KNOWN_MASK));
	fprintf(out, ",\n  \"key_info\": {\"raw\": \"0x%08x\", \"author_key_en\": %s, \"mask_chip_key\": %s, "
		     "\"signing_key\": %u, \"signing_key_name\": \"%s\"}",
		r->key_info, tf(r->author_key_en), tf(r->mask_chip_key), r->signing_key,
		snp_signing_key_name(r->signing_key));
	j_hex(out, "report_data", r->report_data, sizeof r->report_data);
	j_hex(out, "measurement", r->measurement, sizeof r->measurement);
	j_hex(out, "host_data", r->host_data, sizeof r->host_data);
	j_hex(out, "id_key_digest", r->id_key_digest, sizeof r->id_key_digest);
	j_hex(out, "author_key_digest", r->author_key_digest, sizeof r->author_key_digest);
	j_hex(out, "report_id", r->report_id, sizeof r->report_id);
	j_hex(out, "report_id_ma", r->report_id_ma, sizeof r->report_id_ma);
	j_tcb(out, "reported_tcb", r->reported_tcb, r->tcb_layout);
	if (r->has_cpuid)
		fprintf(out, ",\n  \"cpuid_fam_id\": %u,\n  \"cpuid_mod_id\": %u,\n  \"cpuid_step\": %u", r->cpuid_fam_id,
			r->cpuid_mod_id, r->cpuid_step);
	else
		fprintf(out, ",\n  \"cpuid_fam_id\": null,\n  \"cpuid_mod_id\": null,\n  \"cpuid_step\": null");
	j_hex(out, "chip_id", r->chip_id, sizeof r->chip_id);
	j_tcb(out, "committed_tcb", r->committed_tcb, r->tcb_layout);
	fprintf(out, ",\n  \"current_build\": %u,\n  \"current_minor\": %u,\n  \"current_major\": %u", r->current_build,
		r->current_minor, r->current_major);
	fprintf(out, ",\n  \"committed_build\": %u,\n  \"committed_minor\": %u,\n  \"committed_major\": %u",
		r->committed_build, r->committed_minor, r->committed_major);
	j_tcb(out, "launch_tcb", r->launch_tcb, r->tcb_layout);
	if (r->has_mit_vectors)
		fprintf(out, ",\n  \"launch_mit_vector\": \"0x%016llx\",\n  \"current_mit_vector\": \"0x%016llx\"",
			(unsigned long long)r->launch_mit_vector, (unsigned long long)r->current_mit_vector);
	else
		fprintf(out, ",\n  \"launch_mit_vector\": null,\n  \"current_mit_vector\": null");
	/* R and S as stored in the report: 72 bytes, little-endian. */
	j_hex(out, "signature_r", r->sig_r, sizeof r->sig_r);
	j_hex(out, "signature_s", r->sig_s, sizeof r->sig_s);
	fprintf(out, "\n}\n");
}
