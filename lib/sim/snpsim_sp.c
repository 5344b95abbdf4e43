/* The simulated Secure Processor's report signing and request handling (snpsim.h). */
#include "snpsim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "snp/snp_certtable.h"
#include "base/err_text.h"

/* CPUID family/model/stepping of a v3 report, one model per generation. */
static void cpuid_for(enum snp_product p, uint8_t out[3])
{
	static const uint8_t milan[3] = {0x19, 0x01, 0x01}, genoa[3] = {0x19, 0x11, 0x01}, turin[3] = {0x1a, 0x02, 0x00};
	memcpy(out, p == SNP_PRODUCT_TURIN ? turin : p == SNP_PRODUCT_GENOA ? genoa : milan, 3);
}

static void fill_template(uint8_t *t, const struct snpsim_launch *l)
{
	uint8_t tcb[8];
	snp_tcb_encode(tcb, &l->tcb, snp_tcb_layout_for(l->product));
	memset(t, 0, SNP_REPORT_SIZE);
	le32_store(t + 0x000, l->version);
	le32_store(t + 0x004, l->guest_svn);
	le64_store(t + 0x008, l->policy);
	memcpy(t + 0x010, l->family_id, 16);
	memcpy(t + 0x020, l->image_id, 16);
	le32_store(t + 0x034, SNP_SIG_ALGO_ECDSA_P384_SHA384);
	memcpy(t + 0x038, tcb, 8); /* CURRENT_TCB */
	le64_store(t + 0x040, l->platform_info);
	/* AUTHOR_KEY_EN, MASK_CHIP_KEY 0, SIGNING_KEY 0 (VCEK) */
	le32_store(t + 0x048, l->author_key_en ? 1u : 0u);
	memcpy(t + 0x090, l->measurement, 48);
	memcpy(t + 0x0C0, l->host_data, 32);
	memcpy(t + 0x0E0, l->id_key_digest, 48);
	memcpy(t + 0x110, l->author_key_digest, 48);
	memcpy(t + 0x140, l->report_id, 32);
	memset(t + 0x160, 0xff, 32); /* REPORT_ID_MA: no migration agent */
	memcpy(t + 0x180, tcb, 8);   /* REPORTED_TCB */
	if (l->version >= 3)
		cpuid_for(l->product, t + 0x188);
	memcpy(t + 0x1A0, l->chip_id, 64);
	memcpy(t + 0x1E0, tcb, 8); /* COMMITTED_TCB */
	t[0x1E8] = l->fw_build;
	t[0x1E9] = l->fw_minor;
	t[0x1EA] = l->fw_major;
	t[0x1EC] = l->fw_build;
	t[0x1ED] = l->fw_minor;
	t[0x1EE] = l->fw_major;
	memcpy(t + 0x1F0, tcb, 8); /* LAUNCH_TCB */
}

int snpsim_sp_init(struct snpsim_sp *sp, const struct snpsim_launch *launch,
		   const uint8_t vcek_priv[SNPSIM_EC_SCALAR_LEN], const uint8_t *ark, size_t ark_len,
		   const uint8_t *ask, size_t ask_len, const uint8_t *vcek, size_t vcek_len, char *err,
		   size_t err_len)
{
	memset(sp, 0, sizeof *sp);
	if (launch->version < 2 || launch->version > 3)
		return err_set(err, err_len, "report version %u: the simulator writes 2 or 3", launch->version);
	fill_template(sp->tmpl, launch);
	memcpy(sp->vcek_priv, vcek_priv, sizeof sp->vcek_priv);
	sp->vcek_sk = (br_ec_private_key){.curve = BR_EC_secp384r1, .x = sp->vcek_priv, .xlen = sizeof sp->vcek_priv};
	const struct snp_certtable_input in[3] = {
		{.kind = SNP_CERT_ARK, .data = ark, .len = ark_len},
		{.kind = SNP_CERT_ASK, .data = ask, .len = ask_len},
		{.kind = SNP_CERT_VCEK, .data = vcek, .len = vcek_len},
	};
	sp->certs_len = snp_certtable_write(sp->certs, sizeof sp->certs, in, 3);
	if (!sp->certs_len)
		return err_set(err, err_len, "certificate table: ARK, ASK and VCEK do not fit in %u bytes", SIM_CERTS_MAX);
	return 0;
}

int snpsim_sp_report(const struct snpsim_sp *sp, uint32_t vmpl, const uint8_t report_data[64],
		     uint8_t out[SNP_REPORT_SIZE], char *err, size_t err_len)
{
	if (vmpl > 3)
		return err_set(err, err_len, "VMPL %u: expected 0..3", vmpl);
	memcpy(out, sp->tmpl, SNP_REPORT_SIZE);
	le32_store(out + 0x030, vmpl);
	memcpy(out + 0x050, report_data, 64);
	if (sp->report_id_per_request) {
		/* REPORT_DATA binds one TLS session, so each session's report gets
		 * a REPORT_ID of its own, as if it came from a new launch. */
		br_sha256_context id;
		br_sha256_init(&id);
		br_sha256_update(&id, sp->tmpl + 0x140, 32);
		br_sha256_update(&id, report_data, 64);
		br_sha256_out(&id, out + 0x140);
	}

	uint8_t hash[48], sig[96];
	br_sha384_context h;
	br_sha384_init(&h);
	br_sha384_update(&h, out, SNP_REPORT_SIGNED_SIZE);
	br_sha384_out(&h, hash);
	/* BearSSL derives the nonce from the key and hash (RFC 6979): no RNG needed. */
	size_t n = br_ecdsa_sign_raw_get_default()(br_ec_get_default(), &br_sha384_vtable, hash, &sp->vcek_sk, sig);
	if (n != sizeof sig)
		return err_set(err, err_len, "ECDSA P-384 signing failed");
	/* R and S: 48 bytes big-endian each -> 72 bytes little-endian each, zero padded. */
	uint8_t *r = out + SNP_REPORT_SIG_OFFSET, *s = r + SNP_SIG_COMPONENT_SIZE;
	for (size_t i = 0; i < 48; i++) {
		r[i] = sig[47 - i];
		s[i] = sig[95 - i];
	}
	return 0;
}

static size_t error_response(uint8_t *resp, struct snpsim_outcome *o, uint32_t status, int keep_open,
			     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static size_t error_response(uint8_t *resp, struct snpsim_outcome *o, uint32_t status, int keep_open,
			     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->msg, sizeof o->msg, fmt, ap);
	va_end(ap);
	o->status = status;
	o->keep_open = keep_open;
	struct sim_response_header h = {.status = status, .msg_len = (uint32_t)strlen(o->msg)};
	sim_response_header_encode(resp, &h);
	memcpy(resp + SIM_RESPONSE_HEADER_LEN, o->msg, h.msg_len);
	return SIM_RESPONSE_HEADER_LEN + h.msg_len;
}

size_t snpsim_sp_handle(const struct snpsim_sp *sp, const uint8_t *req, size_t req_len, uint8_t *resp,
			struct snpsim_outcome *o)
{
	memset(o, 0, sizeof *o);
	/* A stream reader may stop at the magic: say what is wrong with it first. */
	if (req_len >= 4 && memcmp(req, "SNPQ", 4) != 0)
		return error_response(resp, o, SIM_ERR_BAD_REQUEST, 0, "request does not start with \"SNPQ\"");
	if (req_len != SIM_REQUEST_LEN)
		return error_response(resp, o, SIM_ERR_BAD_REQUEST, 0, "request of %zu bytes, expected %d", req_len,
				      SIM_REQUEST_LEN);
	struct sim_request r;
	const char *why = NULL;
	if (sim_request_decode(&r, req, &why))
		return error_response(resp, o, SIM_ERR_BAD_REQUEST, 0, "%s", why);
	o->decoded = 1;
	o->vmpl = r.vmpl;
	memcpy(o->report_data, r.report_data, 64);
	if (r.vmpl > 3)
		return error_response(resp, o, SIM_ERR_VMPL, 1, "VMPL %u: expected 0..3", r.vmpl);
	char err[SIM_MSG_MAX];
	uint8_t report_data[64];
	const uint8_t *manifest = NULL;
	size_t manifest_len = 0;
	uint32_t vmpl = r.vmpl;
	o->service = r.service;
	if (r.service != SIM_SERVICE_NONE) {
		/* The SVSM's service attestation: it asks for the report from VMPL 0
		 * with SHA-512(nonce || manifest) as REPORT_DATA. */
		uint32_t st = snpsim_svsm_accepts(sp, &r, err, sizeof err);
		if (st != SIM_OK)
			return error_response(resp, o, st, 1, "%s", err);
		manifest = sp->vtpm_manifest;
		manifest_len = sp->vtpm_manifest_len;
		snpsim_svsm_report_data(r.report_data, manifest, manifest_len, report_data);
		vmpl = 0;
	} else {
		if (r.vmpl < sp->privlevel_floor)
			return error_response(resp, o, SIM_ERR_VMPL, 1,
					      "privlevel %u is below this platform's floor %u: an SVSM holds VMPL 0", r.vmpl,
					      sp->privlevel_floor);
		memcpy(report_data, r.report_data, 64);
	}
	uint8_t *report = resp + SIM_RESPONSE_HEADER_LEN;
	if (snpsim_sp_report(sp, vmpl, report_data, report, err, sizeof err))
		return error_response(resp, o, SIM_ERR_INTERNAL, 1, "%s", err);
	struct sim_response_header h = {.status = SIM_OK, .report_len = SIM_REPORT_LEN,
					.certs_len = (uint32_t)sp->certs_len, .manifest_len = (uint32_t)manifest_len};
	sim_response_header_encode(resp, &h);
	memcpy(report + SIM_REPORT_LEN, sp->certs, sp->certs_len);
	uint8_t *m = report + SIM_REPORT_LEN + sp->certs_len;
	if (manifest_len) {
		memcpy(m, manifest, manifest_len);
		/* TEST FAULT (--fault svsm-manifest-mismatch): a host that swaps the
		 * manifest after the report was made; the guest must refuse. */
		if (sp->tamper_manifest)
			m[manifest_len - 1] ^= 0x01;
	}
	o->status = SIM_OK;
	o->keep_open = 1;
	return SIM_RESPONSE_HEADER_LEN + SIM_REPORT_LEN + sp->certs_len + manifest_len;
}

void snpsim_sp_wipe(struct snpsim_sp *sp)
{
	secure_wipe(sp, sizeof *sp);
}
