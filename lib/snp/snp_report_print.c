/* Human-readable report dump: aligned "field: value" lines. */
#include <stdio.h>

#include "base/bytes.h"
#include "snp_report.h"

#define LABEL_WIDTH 21

static void line_hex(FILE *out, const char *label, const uint8_t *p, size_t n)
{
	char hex[2 * 72 + 1];
	hex_encode(hex, p, n);
	fprintf(out, "%-*s %s\n", LABEL_WIDTH, label, hex);
}

static void line_tcb(FILE *out, const char *label, const uint8_t raw[8], enum snp_tcb_layout layout)
{
	struct snp_tcb t;
	char hex[17], desc[80];
	snp_tcb_decode(&t, raw, layout);
	hex_encode(hex, raw, 8);
	fprintf(out, "%-*s %s (%s%s)\n", LABEL_WIDTH, label, hex, snp_tcb_format(desc, sizeof desc, &t),
		t.reserved_nonzero ? ", reserved bytes set" : "");
}

/* "SMT RESERVED_1 DEBUG" for the named bits in [lo, hi), then unknown bits. */
static void bit_names(FILE *out, uint64_t v, unsigned lo, unsigned hi, const char *(*name)(unsigned))
{
	int any = 0;
	for (unsigned b = lo; b < hi; b++) {
		if (!(v & (1ull << b)))
			continue;
		const char *n = name(b);
		if (n)
			fprintf(out, "%s%s", any ? " " : "", n);
		else
			fprintf(out, "%sbit%u", any ? " " : "", b);
		any = 1;
	}
	if (!any)
		fprintf(out, "none");
}

static const char *yes_no(int v) { return v ? "yes" : "no"; }

void snp_report_print(FILE *out, const struct snp_report *r)
{
	const int w = LABEL_WIDTH;
	fprintf(out, "%-*s %u\n", w, "version:", r->version);
	fprintf(out, "%-*s %s (TCB layout %s)\n", w, "product:", snp_product_name(r->product),
		r->tcb_layout == SNP_TCB_LAYOUT_TURIN ? "Turin" : "Milan/Genoa");
	fprintf(out, "%-*s %u\n", w, "guest_svn:", r->guest_svn);
	fprintf(out, "%-*s 0x%016llx (", w, "policy:", (unsigned long long)r->policy);
	bit_names(out, r->policy, 16, 64, snp_policy_bit_name);
	fprintf(out, ")\n");
	fprintf(out, "%-*s %u.%u\n", w, "  abi_minimum:", SNP_POLICY_ABI_MAJOR(r->policy), SNP_POLICY_ABI_MINOR(r->policy));
	fprintf(out, "%-*s %s\n", w, "  smt_allowed:", yes_no(!!(r->policy & SNP_POLICY_SMT)));
	fprintf(out, "%-*s %s\n", w, "  migrate_ma:", yes_no(!!(r->policy & SNP_POLICY_MIGRATE_MA)));
	fprintf(out, "%-*s %s\n", w, "  debug:", yes_no(!!(r->policy & SNP_POLICY_DEBUG)));
	fprintf(out, "%-*s %s\n", w, "  single_socket:", yes_no(!!(r->policy & SNP_POLICY_SINGLE_SOCKET)));
	line_hex(out, "family_id:", r->family_id, sizeof r->family_id);
	line_hex(out, "image_id:", r->image_id, sizeof r->image_id);
	fprintf(out, "%-*s %u\n", w, "vmpl:", r->vmpl);
	fprintf(out, "%-*s %u%s\n", w, "signature_algo:", r->signature_algo,
		r->signature_algo == SNP_SIG_ALGO_ECDSA_P384_SHA384 ? " (ECDSA P-384 with SHA-384)" : "");
	line_tcb(out, "current_tcb:", r->current_tcb, r->tcb_layout);
	fprintf(out, "%-*s 0x%016llx (", w, "platform_info:", (unsigned long long)r->platform_info);
	bit_names(out, r->platform_info, 0, 64, snp_platform_info_bit_name);
	fprintf(out, ")\n");
	fprintf(out, "%-*s %s\n", w, "author_key_en:", yes_no(r->author_key_en));
	fprintf(out, "%-*s %s\n", w, "mask_chip_key:", yes_no(r->mask_chip_key));
	fprintf(out, "%-*s %u (%s)\n", w, "signing_key:", r->signing_key, snp_signing_key_name(r->signing_key));
	line_hex(out, "report_data:", r->report_data, sizeof r->report_data);
	line_hex(out, "measurement:", r->measurement, sizeof r->measurement);
	line_hex(out, "host_data:", r->host_data, sizeof r->host_data);
	line_hex(out, "id_key_digest:", r->id_key_digest, sizeof r->id_key_digest);
	line_hex(out, "author_key_digest:", r->author_key_digest, sizeof r->author_key_digest);
	line_hex(out, "report_id:", r->report_id, sizeof r->report_id);
	line_hex(out, "report_id_ma:", r->report_id_ma, sizeof r->report_id_ma);
	line_tcb(out, "reported_tcb:", r->reported_tcb, r->tcb_layout);
	if (r->has_cpuid)
		fprintf(out, "%-*s family 0x%02x model 0x%02x stepping 0x%02x (%s)\n", w, "cpuid:", r->cpuid_fam_id,
			r->cpuid_mod_id, r->cpuid_step,
			snp_product_name(snp_product_from_cpuid(r->cpuid_fam_id, r->cpuid_mod_id)));
	else
		fprintf(out, "%-*s not present (version 2)\n", w, "cpuid:");
	line_hex(out, "chip_id:", r->chip_id, sizeof r->chip_id);
	line_tcb(out, "committed_tcb:", r->committed_tcb, r->tcb_layout);
	fprintf(out, "%-*s %u.%u.%u\n", w, "current_version:", r->current_major, r->current_minor, r->current_build);
	fprintf(out, "%-*s %u.%u.%u\n", w, "committed_version:", r->committed_major, r->committed_minor,
		r->committed_build);
	line_tcb(out, "launch_tcb:", r->launch_tcb, r->tcb_layout);
	if (r->has_mit_vectors) {
		fprintf(out, "%-*s 0x%016llx\n", w, "launch_mit_vector:", (unsigned long long)r->launch_mit_vector);
		fprintf(out, "%-*s 0x%016llx\n", w, "current_mit_vector:", (unsigned long long)r->current_mit_vector);
	}
	line_hex(out, "signature_r (LE):", r->sig_r, sizeof r->sig_r);
	line_hex(out, "signature_s (LE):", r->sig_s, sizeof r->sig_s);
}
