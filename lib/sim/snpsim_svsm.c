/* The simulated SVSM: a privlevel floor and the vTPM's service attestation
 * (snpsim.h). What the real pieces do, and where that is written down:
 *  - Linux configfs-tsm-report: privlevel below privlevel_floor is refused;
 *    service_provider = "svsm" makes the SVSM ask for the report, whose
 *    REPORT_DATA is SHA-512(inblob || manifest) (SVSM spec #58019 section
 *    7, "SVSM_ATTEST_SINGLE_SERVICE").
 *  - COCONUT-SVSM: the vTPM service GUID is c476f1eb-0123-45a5-9641-
 *    b4e7dde5bfe3; its manifest version 0 is the EK's TPMT_PUBLIC as
 *    TPM2_CreatePrimary returns it (kernel/src/vtpm/tcgtpm/mod.rs).
 * The "every service" form (SVSM_ATTEST_SERVICES, a GUID table of every
 * service's manifest) is not simulated: asking for it is refused. */
#include <bearssl.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err_text.h"
#include "base/guid.h"
#include "snpsim.h"

/* TPM 2.0 Part 2 constants for the TPMT_PUBLIC below (big-endian on the wire). */
#define TPM_ALG_ECC 0x0023u
#define TPM_ALG_SHA256 0x000Bu
#define TPM_ALG_AES 0x0006u
#define TPM_ALG_CFB 0x0043u
#define TPM_ALG_NULL 0x0010u
#define TPM_ECC_NIST_P256 0x0003u
/* fixedTPM | fixedParent | sensitiveDataOrigin | adminWithPolicy |
 * restricted | decrypt: the endorsement key attributes of the TCG EK
 * Credential Profile's templates. */
#define EK_OBJECT_ATTRIBUTES 0x000300B2u
/* The EK templates' authPolicy: PolicySecret(TPM_RH_ENDORSEMENT). */
static const uint8_t ek_auth_policy[32] = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC,
					   0x8D, 0x46, 0xA5, 0xD7, 0x24, 0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52,
					   0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA};

static size_t put16(uint8_t *p, size_t at, unsigned v)
{
	p[at] = (uint8_t)(v >> 8);
	p[at + 1] = (uint8_t)v;
	return at + 2;
}

size_t snpsim_vtpm_ek_public(const struct snpsim_pki *pki, uint8_t *out, size_t cap, char *err, size_t err_len)
{
	static const char label[] = "snpboot-sim vTPM EK v1";
	const br_ec_impl *ec = br_ec_get_default();
	uint8_t scalar[32], point[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_public_key pk = {0};
	/* The scalar: SHA-256 over a label, a counter and the test ARK's
	 * private primes (kept in the state directory), so the same state
	 * gives the same EK and another state another one. */
	for (uint8_t counter = 0;; counter++) {
		br_sha256_context h;
		br_sha256_init(&h);
		br_sha256_update(&h, label, sizeof label - 1);
		br_sha256_update(&h, &counter, 1);
		br_sha256_update(&h, pki->ark.sk.p, pki->ark.sk.plen);
		br_sha256_update(&h, pki->ark.sk.q, pki->ark.sk.qlen);
		br_sha256_out(&h, scalar);
		br_ec_private_key sk = {.curve = BR_EC_secp256r1, .x = scalar, .xlen = sizeof scalar};
		if (br_ec_compute_pub(ec, &pk, point, &sk) == 65)
			break;
		if (counter == 16) {
			secure_wipe(scalar, sizeof scalar);
			err_set(err, err_len, "cannot derive the simulated vTPM endorsement key");
			return 0;
		}
	}
	secure_wipe(scalar, sizeof scalar);
	/* TPMT_PUBLIC: type, nameAlg, objectAttributes, authPolicy (TPM2B),
	 * TPMS_ECC_PARMS {symmetric AES-128-CFB, scheme NULL, curve P-256,
	 * kdf NULL}, unique TPMS_ECC_POINT {x, y} (TPM2B each). */
	size_t need = 2 + 2 + 4 + 2 + sizeof ek_auth_policy + 6 + 2 + 2 + 2 + 2 + 32 + 2 + 32;
	if (cap < need) {
		err_set(err, err_len, "the vTPM EK public area needs %zu bytes", need);
		return 0;
	}
	size_t at = put16(out, 0, TPM_ALG_ECC);
	at = put16(out, at, TPM_ALG_SHA256);
	be32_store(out + at, EK_OBJECT_ATTRIBUTES);
	at = put16(out, at + 4, sizeof ek_auth_policy);
	memcpy(out + at, ek_auth_policy, sizeof ek_auth_policy);
	at += sizeof ek_auth_policy;
	at = put16(out, at, TPM_ALG_AES);
	at = put16(out, at, 128);
	at = put16(out, at, TPM_ALG_CFB);
	at = put16(out, at, TPM_ALG_NULL);
	at = put16(out, at, TPM_ECC_NIST_P256);
	at = put16(out, at, TPM_ALG_NULL);
	at = put16(out, at, 32);
	memcpy(out + at, point + 1, 32); /* point = 0x04 || X || Y */
	at = put16(out, at + 32, 32);
	memcpy(out + at, point + 33, 32);
	return at + 32;
}

int snpsim_sp_svsm_init(struct snpsim_sp *sp, const struct vmdef *def, const struct snpsim_pki *pki, char *err,
			size_t err_len)
{
	sp->svsm = def->has_svsm;
	sp->attest_services = def->has_svsm && def->svsm.attest_services;
	/* The SVSM holds VMPL 0: a guest OS above it asks from 1 or higher, or
	 * from the VMPL the definition expects (COCONUT runs Linux at 2). */
	sp->privlevel_floor = !sp->svsm ? 0 : def->has_vmpl && def->vmpl > 1 ? def->vmpl : 1;
	sp->has_service_guid = def->svsm.has_service_guid;
	memcpy(sp->service_guid, def->svsm.service_guid, 16);
	sp->vtpm_manifest_len = 0;
	if (!sp->attest_services)
		return 0;
	sp->vtpm_manifest_len = snpsim_vtpm_ek_public(pki, sp->vtpm_manifest, sizeof sp->vtpm_manifest, err, err_len);
	return sp->vtpm_manifest_len ? 0 : -1;
}

uint32_t snpsim_svsm_accepts(const struct snpsim_sp *sp, const struct sim_request *r, char *msg, size_t cap)
{
	uint8_t vtpm[16];
	char asked[GUID_TEXT_LEN + 1];
	(void)guid_parse(GUID_SVSM_VTPM, vtpm);
	guid_format(asked, r->service_guid);
	if (!sp->svsm) {
		snprintf(msg, cap, "no SVSM on this platform: the VM definition has no [svsm] table");
		return SIM_ERR_SERVICE;
	}
	if (!sp->attest_services) {
		snprintf(msg, cap, "the SVSM offers no service attestation here ([svsm] attest_services is not true)");
		return SIM_ERR_SERVICE;
	}
	if (bytes_all_zero(r->service_guid, 16)) {
		snprintf(msg, cap, "the simulated SVSM attests single services only: ask for the vTPM (%s)",
			 GUID_SVSM_VTPM);
		return SIM_ERR_SERVICE;
	}
	if (memcmp(r->service_guid, vtpm, 16) != 0 ||
	    (sp->has_service_guid && memcmp(r->service_guid, sp->service_guid, 16) != 0)) {
		snprintf(msg, cap, "no service %s in this SVSM (it offers the vTPM, %s)", asked, GUID_SVSM_VTPM);
		return SIM_ERR_SERVICE;
	}
	if (r->manifest_version != 0) {
		snprintf(msg, cap, "the vTPM has manifest version 0 only, not %u", r->manifest_version);
		return SIM_ERR_SERVICE;
	}
	return SIM_OK;
}

void snpsim_svsm_report_data(const uint8_t nonce[64], const uint8_t *manifest, size_t len, uint8_t out[64])
{
	br_sha512_context h;
	br_sha512_init(&h);
	br_sha512_update(&h, nonce, 64);
	br_sha512_update(&h, manifest, len);
	br_sha512_out(&h, out);
}
