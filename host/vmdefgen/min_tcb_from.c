/* expect.min_tcb from a report or a VCEK (min_tcb_from.h). */
#include "min_tcb_from.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "chan/chan_frame.h"
#include "chan/chan_payload.h"
#include "cli/file_io.h"
#include "snp/amd_cert.h"
#include "snp/amd_certdir.h"
#include "snp/snp_report.h"

static void put(char *value, size_t cap, const struct snp_tcb *t)
{
	int n = snprintf(value, cap, "bootloader=%u,tee=%u,snp=%u,microcode=%u", t->bootloader, t->tee, t->snp,
			 t->microcode);
	if (t->has_fmc && n > 0 && (size_t)n < cap)
		snprintf(value + n, cap - (size_t)n, ",fmc=%u", t->fmc);
}

/* A raw report, or the report inside a saved EVIDENCE frame; 1 if the bytes are neither. */
static int from_report(const uint8_t *p, size_t len, char *value, size_t value_cap, char *what, size_t what_cap,
		       char *err, size_t err_len)
{
	const uint8_t *report = NULL;
	struct chan_evidence ev;
	if (len == SNP_REPORT_SIZE) {
		report = p;
	} else if (len > CHAN_FRAME_HEADER_LEN && p[0] == CHAN_FRAME_EVIDENCE &&
		   be32_load(p + 1) == len - CHAN_FRAME_HEADER_LEN) {
		if (chan_evidence_decode(&ev, p + CHAN_FRAME_HEADER_LEN, len - CHAN_FRAME_HEADER_LEN, err, err_len))
			return -1;
		report = ev.report;
	} else {
		return 1;
	}
	static struct snp_report r;
	if (snp_report_parse(&r, report, SNP_REPORT_SIZE, SNP_PRODUCT_UNKNOWN, SNP_PARSE_ALLOW_UNSIGNED, err,
			     err_len))
		return -1;
	struct snp_tcb t;
	snp_tcb_decode(&t, r.reported_tcb, r.tcb_layout);
	put(value, value_cap, &t);
	snprintf(what, what_cap, "REPORTED_TCB of a version %u report%s%s%s", (unsigned)r.version,
		 r.product != SNP_PRODUCT_UNKNOWN ? " (" : "",
		 r.product != SNP_PRODUCT_UNKNOWN ? snp_product_name(r.product) : "",
		 r.product != SNP_PRODUCT_UNKNOWN ? ")" : "");
	return 0;
}

int min_tcb_from_file(const char *prog, const char *path, char *value, size_t value_cap, char *what,
		      size_t what_cap, char *err, size_t err_len)
{
	size_t len;
	char *buf = file_read_all(prog, path, CHAN_FRAME_HEADER_LEN + CHAN_EVIDENCE_MAX, &len);
	if (!buf) {
		snprintf(err, err_len, "%s: cannot read it", path);
		return -1;
	}
	char why[256];
	int rc = from_report((const uint8_t *)buf, len, value, value_cap, what, what_cap, why, sizeof why);
	free(buf);
	if (rc < 0) {
		snprintf(err, err_len, "%s: %s", path, why);
		return -1;
	}
	if (rc == 0)
		return 0;
	/* Not a report: a VCEK certificate, PEM or DER. */
	uint8_t *der = NULL;
	size_t der_len = 0;
	struct amd_vcek_ext ext;
	if (amd_certdir_read_cert(path, &der, &der_len, why, sizeof why) ||
	    amd_vcek_ext_parse(der, der_len, &ext, why, sizeof why)) {
		free(der);
		snprintf(err, err_len,
			 "%s: %zu bytes is neither a %u-byte SNP report, a saved EVIDENCE frame nor a VCEK "
			 "certificate (%s)",
			 path, len, SNP_REPORT_SIZE, why);
		return -1;
	}
	free(der);
	const uint32_t need = AMD_EXT_BL_SPL | AMD_EXT_TEE_SPL | AMD_EXT_SNP_SPL | AMD_EXT_UCODE_SPL;
	enum amd_product p = amd_product_from_name(ext.product_name, strlen(ext.product_name));
	int turin = p == AMD_PRODUCT_TURIN;
	if ((ext.present & need) != need || (turin && !(ext.present & AMD_EXT_FMC_SPL))) {
		snprintf(err, err_len,
			 "%s: the certificate lacks AMD's TCB extensions: expected blSPL, teeSPL, snpSPL, ucodeSPL%s "
			 "(1.3.6.1.4.1.3704.1.3.x), got extension bits 0x%x",
			 path, turin ? ", fmcSPL" : "", ext.present);
		return -1;
	}
	struct snp_tcb t = {.bootloader = ext.bl_spl, .tee = ext.tee_spl, .snp = ext.snp_spl,
			    .microcode = ext.ucode_spl, .fmc = ext.fmc_spl, .has_fmc = turin};
	put(value, value_cap, &t);
	snprintf(what, what_cap, "the TCB extensions of a VCEK for %s", ext.product_name[0] ? ext.product_name : "an unnamed product");
	return 0;
}
